//! The `| json` pipe: a show command's state as one pretty JSON document.
//!
//! Each dialect answers [`crate::session::DialectOps::show_json`] from its
//! own `json.rs` (`ios/json.rs`, `smartedge/json.rs`): for the command
//! declared as `spec` it builds a typed state struct from the same engine
//! and configuration data the text render reads, and serde turns it into
//! JSON. Nothing here parses text. The rule for the pipe (`docs/json.md`):
//! `| json` is the last pipe of a line; filters before it filter nothing,
//! since the document is the command's whole state.

use crate::out::{Out, VecOut};
use crate::session::{Args, Session};
use serde::Serialize;

/// What a show without a JSON form says.
pub const NOT_AVAILABLE: &str = "% JSON output is not available for this command";

/// A state as a JSON value (a state that cannot be serialized is a bug:
/// say so rather than panic).
pub fn value<S: Serialize>(state: &S) -> Result<serde_json::Value, String> {
    serde_json::to_value(state).map_err(|e| format!("JSON output failed: {e}"))
}

/// The command a line runs: its declaration and its arguments.
fn command_of(s: &Session, line: &str) -> Option<(String, Args)> {
    let (chain, t) = s.dialect.ops().run_graphs(s, line.trim_start());
    chain.iter().find_map(|g| g.parse(t).ok()).map(|m| (m.command.spec.clone(), Args { bindings: m.bindings, line: t.trim().to_string() }))
}

/// Run `line` (a show command) and print its state as JSON to `out`.
/// The command's own handler runs first, its text dropped: its checks
/// (privilege, a name that does not exist) refuse the line the same way
/// with or without `| json`. Returns false if the line was refused.
pub fn run(s: &mut Session, line: &str, caret_indent: usize, out: &mut dyn Out) -> bool {
    let found = command_of(s, line);
    let mut text = VecOut::default();
    if !s.execute_with_caret(line, caret_indent, &mut text) || found.is_none() {
        for l in &text.0 {
            out.line(l);
        }
        return false;
    }
    let Some((spec, args)) = found else { return false };
    let ops = s.dialect.ops();
    match ops.show_json(s, &spec, &args) {
        Some(Ok(v)) => {
            let pretty = serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("\"JSON output failed: {e}\""));
            for l in pretty.lines() {
                out.line(l);
            }
            true
        }
        Some(Err(e)) => {
            out.line(&format!("% {e}"));
            s.rejected += 1;
            false
        }
        None => {
            out.line(NOT_AVAILABLE);
            s.rejected += 1;
            false
        }
    }
}
