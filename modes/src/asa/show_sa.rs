//! The ASA's SA show commands, from the engine's state.

use crate::session::Handler;
use edgesh_grammar::Graph;

/// Register the SA shows in the exec graph.
pub fn register(_g: &mut Graph<Handler>) {}
