//! The IKE engine: a protocol core that does no I/O and reads no clock.
//!
//! [`crypto`] holds the primitives (on RustCrypto crates), [`wire`] the
//! ISAKMP packet views and their parsed forms, [`conf`] what the engine runs
//! from (derived from the dialect-neutral [`crate::config::Config`]),
//! [`v1`] the IKEv1 exchanges (one module per exchange, functions over the
//! [`context`] and one SA), [`v2`] IKEv2, [`matching`] proposal, identity
//! and selector matching, [`sa`] the SAs, their phase-1 state as a type and
//! their storage (stable handles), `children` the child SAs in order with
//! their SPI index (the endpoint's list and the IKEv2 core's), [`timers`]
//! every deadline in one table,
//! [`types`] the small value types everything names (a leaf), and
//! [`endpoint`] the event-driven core and dispatcher that takes datagrams,
//! timer expiries and configuration changes and returns datagrams to send,
//! SA installs and events. Imports run one way: endpoint → exchanges → SA,
//! context, types.

pub(crate) mod children;
pub mod conf;
pub mod context;
pub mod crypto;
pub mod endpoint;
pub mod events;
pub mod manual;
pub mod matching;
mod modp;
pub mod params;
pub mod sa;
pub mod timers;
pub mod types;
pub mod v1;
pub mod v2;
pub mod wire;

pub use conf::{EngineConf, PeerConf};
pub use endpoint::{Endpoint, Millis, Transmit};
pub use events::Event;
