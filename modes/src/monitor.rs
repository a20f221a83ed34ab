//! The monitor buffer: log and debug lines kept for the sessions that
//! watch them (`terminal monitor`, `debug ...`), each session reading from
//! the last line it showed; and the router-wide `debug crypto` switches.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

/// Lines kept for sessions that watch the log (`terminal monitor`, debug).
pub const MONITOR_LINES: usize = 4096;

/// `debug crypto ...` switches (router-wide, as on IOS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugFlags {
    pub isakmp: bool,
    pub ipsec: bool,
    /// `debug crypto ikev2` (packets and outcomes) and `debug crypto ikev2 error` (outcomes).
    pub ikev2: bool,
    pub ikev2_error: bool,
    /// `debug crypto condition peer ipv4 A`: only events with these peers.
    pub peers: Vec<Ipv4Addr>,
}

impl DebugFlags {
    pub fn any(&self) -> bool {
        self.isakmp || self.ipsec || self.ikev2 || self.ikev2_error
    }
}

/// Log and debug lines for watching sessions: (sequence, is debug, line).
#[derive(Debug, Default)]
pub struct Monitor {
    lines: VecDeque<(u64, bool, String)>,
    seq: u64,
}

impl Monitor {
    pub fn push(&mut self, line: String, debug: bool) {
        self.seq += 1;
        self.lines.push_back((self.seq, debug, line));
        while self.lines.len() > MONITOR_LINES {
            self.lines.pop_front();
        }
    }

    /// The sequence number of the newest line.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Lines after `seen` for a session (debug lines only when asked).
    pub fn since(&self, seen: u64, logs: bool) -> (u64, Vec<String>) {
        let lines =
            self.lines.iter().filter(|(n, d, _)| *n > seen && (*d || logs)).map(|(_, _, l)| l.clone()).collect();
        (self.seq, lines)
    }
}
