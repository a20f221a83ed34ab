//! IOS's commit: the engine takes the running document (compiled into the
//! engine model by the dialect) when configuration mode is left, a file is
//! loaded or a crypto show runs, if it changed since the engine last took it.

use crate::session::Router;

/// The engine takes the running document when it changed since it last did.
pub fn sync(r: &mut Router) {
    if r.ios_compiled.as_ref() != Some(&r.ios_doc) {
        r.ios_compiled = Some(r.ios_doc.clone());
        r.engine_sync();
    }
}
