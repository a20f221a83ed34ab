//! Loading a whole configuration file (`--config`, the saved startup file):
//! every line is tried, a bad line is reported with its file and line number
//! and the rest still loads. Each dialect loads its own
//! (`DialectOps::load_boot`); these name the two for benches and tests.

use edgesh_modes::Router;
use std::sync::{Arc, Mutex};

pub use edgesh_modes::session::LoadReport;
/// Load a SmartEdge configuration: every line tried, then the whole committed.
pub use edgesh_modes::smartedge::load::load_config;

/// Load an IOS configuration: each line applied as IOS does, a bad line
/// reported with its number, lines edgesh does not model kept verbatim.
pub fn load_ios(router: &Arc<Mutex<Router>>, text: &str, file: &str) -> LoadReport {
    let (lines, rejected, messages) = edgesh_modes::ios::apply_text(router, text, file);
    LoadReport { lines, rejected, messages, commit_errors: 0 }
}
