//! The edgesh engine.
//!
//! Today it holds the dialect-neutral configuration model ([`config`]) that
//! both CLI dialects compile into, and the whole-configuration checks run at
//! commit ([`validate`]). The IKE/IPsec protocol core, which runs from this
//! model, is built on top of it.

pub mod ah;
pub mod config;
pub mod driver;
pub mod esp;
pub mod esp_drops;
mod esp_drops_driver;
pub mod esp_transport;
pub mod failed_p1;
pub mod ike;
pub mod inet;
pub mod manual_conf;
pub mod pki;
pub mod replay;
pub mod route_conf;
pub mod routes;
pub mod validate;

pub use config::Config;
