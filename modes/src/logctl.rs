//! The log buffer's state (what `logbuf.rs` keeps between lines): the
//! rate-limit windows, the counts, the size and the syslog destinations;
//! and [`LogLine`], a line as a dialect hands it to the buffer.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};

/// A dialect's worded log line, as offered to the log buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The rate-limit kind (`FACILITY-MNEMONIC`).
    pub kind: String,
    /// The message text.
    pub text: String,
    /// The whole line (time stamp, `%FACILITY-SEVERITY-MNEMONIC: `, text).
    pub line: String,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Window {
    pub(crate) start: u64,
    pub(crate) kept: u32,
    pub(crate) suppressed: u64,
    /// The first suppressed message (for the summary line).
    pub(crate) sample: String,
}

#[derive(Debug, Default)]
pub struct LogControl {
    /// `logging buffered SIZE`: the buffer's size in bytes (else [`DEFAULT_BYTES`]).
    pub max_bytes: Option<usize>,
    pub(crate) bytes: usize,
    /// Lines kept in the buffer since the start.
    pub logged: u64,
    /// Lines not kept by the rate limit.
    pub suppressed: u64,
    /// Lines pushed out of the full buffer.
    pub overruns: u64,
    /// The last line offered was kept (monitoring sessions see only those).
    pub last_kept: bool,
    /// The last line suppressed, until a line is kept.
    pub last_dropped: Option<String>,
    pub(crate) windows: HashMap<(String, String), Window>,
    pub(crate) kinds: HashMap<String, Window>,
    /// `logging host`: where syslog datagrams go.
    pub hosts: Vec<SocketAddr>,
    pub(crate) socket: Option<UdpSocket>,
    /// The rate-limit source of the lines offered now, in place of the first address in their text (rejected ESP packets: per SA and kind).
    pub(crate) source_hint: Option<String>,
    /// When a drop line of each kind with a device rate limit of its own
    /// ([`DialectOps::esp_drop_every_ms`](crate::session::DialectOps::esp_drop_every_ms)) was last kept.
    pub(crate) spaced: HashMap<String, u64>,
}
