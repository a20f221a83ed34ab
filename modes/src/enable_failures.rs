//! Failed `enable` secrets per user, as `privauth.rs` counts them.

use std::collections::HashMap;
use std::time::Instant;

#[derive(Debug, Default)]
pub struct EnableFailures {
    /// Per user: failures in a row, the last one, and until when input waits.
    pub(crate) users: HashMap<String, (u32, Instant, Instant)>,
    /// Every failed enable secret since the start.
    pub total: u64,
}
