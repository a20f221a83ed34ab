//! The SmartEdge OS dialect (seed 004, the SmartEdge "IPsec VPN Configuration
//! and Operation" guide).
//!
//! * `commands/`: every mode's command graph: spec, help strings, handler
//!   (`commands/mod.rs` maps each mode to the file that declares it).
//! * `render.rs`: `show configuration`, in canonical SmartEdge order.
//! * `show.rs`: the other show commands.
//! * `diff.rs`: `show configuration changes`.
//! * `wording.rs`: the text of engine values (down reasons, packet errors, problem objects).

pub mod candidate;
pub mod commands;
pub mod diagnose;
pub mod dialect;
pub mod diff;
pub mod esp_events;
pub mod esp_stats;
pub mod events;
pub mod ike_certs;
pub mod json;
pub mod load;
pub mod modes;
pub mod pki;
pub mod pki_files;
pub mod pki_request;
pub mod pki_show;
pub mod pki_store;
pub mod render;
pub mod show;
pub mod show_ike2;
pub mod show_route;
pub mod show_sa;
pub mod users;
pub mod wording;

pub use modes::{Frame, ModeKind};

/// The file `save configuration` writes and the next start loads, in the state directory.
pub const STARTUP_FILE: &str = "edgesh.cfg";

use crate::session::Handler;
use edgesh_grammar::Graph;
use std::sync::OnceLock;

/// The command graphs of every SmartEdge mode.
pub struct Graphs {
    graphs: Vec<(ModeKind, Graph<Handler>)>,
}

impl Graphs {
    pub fn get(&self, k: ModeKind) -> &Graph<Handler> {
        // Every kind is built by `commands::build`; the test below checks it.
        &self.graphs.iter().find(|(m, _)| *m == k).unwrap_or(&self.graphs[0]).1
    }
}

/// Built once, shared by every session.
pub fn graphs() -> &'static Graphs {
    static G: OnceLock<Graphs> = OnceLock::new();
    G.get_or_init(|| Graphs { graphs: ModeKind::ALL.iter().map(|k| (*k, commands::build(*k))).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_mode_has_a_graph() {
        for k in ModeKind::ALL {
            assert!(graphs().get(*k).commands().count() > 0, "{k:?}");
        }
    }
}
