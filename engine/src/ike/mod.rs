//! The IKE engine: a protocol core that does no I/O and reads no clock.
//!
//! [`crypto`] holds the primitives (on RustCrypto crates), [`wire`] the
//! ISAKMP packet views and their parsed forms, [`conf`] what the engine runs
//! from (derived from the dialect-neutral [`crate::config::Config`]),
//! [`v1`] the IKEv1 exchanges and [`endpoint`] the event-driven core that
//! takes datagrams, timer expiries and configuration changes and returns
//! datagrams to send, SA installs and events.

pub mod conf;
pub mod crypto;
pub mod endpoint;
pub mod events;
mod modp;
pub mod v2;
pub mod wire;

pub use conf::{EngineConf, PeerConf};
pub use endpoint::{Endpoint, Millis, Transmit};
pub use events::Event;
