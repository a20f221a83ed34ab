//! The monitor buffer: log and debug lines kept for the sessions that
//! watch them (`terminal monitor`, `debug ...`), each session reading from
//! the last line it showed.

use crate::session::Router;

/// Lines kept for sessions that watch the log (`terminal monitor`, debug).
pub const MONITOR_LINES: usize = 4096;

impl Router {
    pub(crate) fn push_monitor(&mut self, line: String, debug: bool) {
        // A log line the rate limit suppressed is not shown either.
        if !debug && self.logctl.last_dropped.as_deref() == Some(line.as_str()) {
            return;
        }
        self.monitor_seq += 1;
        self.monitor.push_back((self.monitor_seq, debug, line));
        while self.monitor.len() > MONITOR_LINES {
            self.monitor.pop_front();
        }
    }

    /// Lines after `seen` for a session (debug lines only when asked).
    pub fn monitor_since(&self, seen: u64, logs: bool) -> (u64, Vec<String>) {
        let lines = self.monitor.iter().filter(|(n, d, _)| *n > seen && (*d || logs)).map(|(_, _, l)| l.clone()).collect();
        (self.monitor_seq, lines)
    }
}
