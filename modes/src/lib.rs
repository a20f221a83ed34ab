//! The modes of each dialect and what each command does to the candidate
//! configuration.
//!
//! * [`session`]: one user's session: the mode stack, the candidate
//!   configuration, and the router state shared by all sessions (running
//!   configuration, commit history, clock).
//! * [`smartedge`]: the SmartEdge OS dialect: one command graph per mode
//!   (`smartedge/commands.rs`), the canonical configuration rendering
//!   (`smartedge/render.rs`) and the show commands (`smartedge/show.rs`).

pub mod auth;
pub mod engine;
pub mod ios;
pub mod keymask;
pub mod logbuf;
pub mod merge;
pub mod monitor;
pub mod out;
pub mod passwords;
pub mod privauth;
pub mod session;
pub mod smartedge;
pub mod sshconf;
pub mod statefs;
pub mod time;

pub use out::{Out, VecOut};
pub use session::{Clock, Dialect, Router, Session, SessionOptions};
