//! The edgesh shell: how users reach a session.
//!
//! * [`terminal`]: the byte-stream terminal (keys in, screen out) used for
//!   piped input, golden transcripts and SSH channels, with `?`, TAB, history
//!   and the pager.
//! * [`console`]: the interactive console on rustyline.
//! * [`pipes`]: `| include`, `| exclude`, `| begin`, `| count`, `| section`.
//! * [`load`]: loading a whole configuration file.
//! * [`ssh`]: the SSH server (`--ssh`), one terminal per channel.
//! * [`cli`]: the `edgesh` command line.

pub mod cli;
pub mod console;
pub mod dataplane;
mod dataplane_drops;
pub mod load;
pub mod loginguard;
pub mod net;
pub mod ping;
pub mod pipes;
pub mod routes;
pub mod rtnl;
pub mod scale;
pub mod ssh;
pub mod sshguard;
pub mod terminal;
pub mod xfrm;
pub mod xfrm_sa;
