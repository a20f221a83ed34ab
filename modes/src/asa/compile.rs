//! Compile the ASA configuration document into the engine model.

use super::AsaDoc;
use edgesh_engine::Config;

/// The result of a compile: the model and what could not be expressed.
#[derive(Debug)]
pub struct Compiled {
    pub config: Config,
    pub notes: Vec<String>,
}

/// Compile the document.
pub fn compile(doc: &AsaDoc) -> Compiled {
    Compiled { config: Config::new(&doc.hostname), notes: Vec::new() }
}
