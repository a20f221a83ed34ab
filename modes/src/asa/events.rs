//! The ASA's syslog messages (`%ASA-SEV-ID: text`) and `debug crypto ikev1`
//! lines for the engine's typed events.

use crate::monitor::DebugFlags;
use edgesh_engine::ike::Event;

/// The `%ASA-` messages of an event (severity, message ID, text).
pub fn asa_log(_e: &Event) -> Vec<(u8, &'static str, String)> {
    Vec::new()
}

/// The `debug crypto ikev1` lines of an event.
pub fn asa_debug(_e: &Event, _f: &DebugFlags) -> Vec<String> {
    Vec::new()
}
