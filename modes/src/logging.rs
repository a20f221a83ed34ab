//! The router's log: a line in the SmartEdge format, offered to the log
//! buffer (`logbuf.rs`: rate limit, size, syslog) and, for events, to the
//! sessions that watch (`monitor.rs`).

use crate::session::Router;

impl Router {
    /// Add a log line in the SmartEdge format (`Mon DD HH:MM:SS: %FAC-SEV-MNEMONIC: text`).
    pub fn log(&mut self, facility: &str, severity: u8, mnemonic: &str, text: &str) -> String {
        let line = format!("{}: %{facility}-{severity}-{mnemonic}: {text}", crate::time::log_time(self.now()));
        crate::logbuf::offer(self, &format!("{facility}-{mnemonic}"), text, &line);
        line
    }

    /// A log line that sessions watching the log (`terminal monitor`) see
    /// as well (logins, cleared sessions).
    pub fn log_event(&mut self, facility: &str, severity: u8, mnemonic: &str, text: &str) -> String {
        let line = self.log(facility, severity, mnemonic, text);
        self.push_monitor(line.clone(), false);
        line
    }

    /// A line for the sessions that watch (a log line the rate limit
    /// suppressed is not shown either).
    pub(crate) fn push_monitor(&mut self, line: String, debug: bool) {
        if !debug && self.logctl.last_dropped.as_deref() == Some(line.as_str()) {
            return;
        }
        self.monitor.push(line, debug);
    }
}
