//! The ASA's state kept in the shared `Router` and `Session` (a leaf: it
//! imports nothing of the session core, so `session.rs` can hold it
//! without an import circle).

use super::doc::{AsaDoc, AsaFrame};
use std::sync::Arc;

/// The ASA's router state: the running document, the startup one (`write
/// memory`), the document the engine last ran from and its engine model.
#[derive(Debug)]
pub struct AsaRouter {
    pub doc: AsaDoc,
    pub startup: Option<AsaDoc>,
    pub compiled: Option<AsaDoc>,
    pub model: Arc<edgesh_engine::Config>,
    /// The levels of `debug crypto ikev1 N` and `debug crypto ipsec N` (`show debug`).
    pub debug_levels: (u8, u8),
}

impl Default for AsaRouter {
    fn default() -> Self {
        AsaRouter {
            doc: AsaDoc::default(),
            startup: None,
            compiled: None,
            model: Arc::new(edgesh_engine::Config::new("ciscoasa")),
            debug_levels: (1, 1),
        }
    }
}

/// A session's ASA state: its configuration mode stack.
#[derive(Clone, Debug, Default)]
pub struct AsaSession {
    pub stack: Vec<AsaFrame>,
}
