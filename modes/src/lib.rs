//! The CLI dialects and the router state they share.
//!
//! * [`session`]: one user's session and the router state shared by all
//!   sessions (running configuration, commit history, the engine driver
//!   and its clock); the [`session::DialectOps`] trait every dialect
//!   implements.
//! * [`smartedge`], [`ios`], [`asa`]: one folder per dialect (command graphs,
//!   modes, rendering, shows, its commit, its log and debug lines). Neither
//!   imports the other; [`Dialect::ops`] below is the one place naming both.
//! * [`engine`]: the bridge to the engine driver (commits in, events out as
//!   log/debug lines); [`monitor`]: the lines watching sessions see;
//!   [`time`]: time stamps; [`privilege`], [`auth`], [`sshconf`],
//!   [`passwords`]: logging in, users, SSH configuration, password hashes;
//!   [`merge`]: merging concurrent commits.

pub mod asa;
pub mod auth;
pub mod enable_failures;
pub mod engine;
pub mod esp_drops;
pub mod ios;
pub mod keymask;
pub mod logbuf;
pub mod logctl;
pub mod logging;
pub mod merge;
pub mod monitor;
pub mod out;
pub mod passwords;
pub mod privilege;
pub mod privauth;
pub mod session;
pub mod smartedge;
pub mod sshconf;
pub mod statefs;
pub mod time;
pub mod vocab;

pub use out::{Out, VecOut};
pub use session::{Clock, Dialect, Router, Session, SessionOptions};

impl Dialect {
    /// What the dialect does: the one place that names every dialect's
    /// folder (a new dialect is a folder, a variant and a line here).
    pub fn ops(self) -> &'static dyn session::DialectOps {
        match self {
            Dialect::SmartEdge => &smartedge::dialect::SmartEdge,
            Dialect::Ios => &ios::dialect::Ios,
            Dialect::Asa => &asa::dialect::Asa,
        }
    }
}
