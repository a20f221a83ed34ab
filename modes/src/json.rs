//! The `| json` pipe: a show command's state as one pretty JSON document.
//!
//! Each dialect answers [`crate::session::DialectOps::show_json`] from its
//! own `json.rs` (`ios/json.rs`, `smartedge/json.rs`, `asa/json.rs`): for the command
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
    chain
        .iter()
        .find_map(|g| g.parse(t).ok())
        .map(|m| (m.command.spec.clone(), Args { bindings: m.bindings, line: t.trim().to_string() }))
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

/// `show users` / `show sessions` / `show administrators` (both dialects):
/// `line` / session id, this session marked `current`.
pub fn users(s: &Session) -> Result<serde_json::Value, String> {
    let r = s.router();
    let now = r.now();
    let mut lines = serde_json::Map::new();
    if s.login_id.is_none() {
        lines.insert("0".into(), serde_json::json!({ "line": "con 0", "user": s.user, "from": "console", "idle_seconds": 0, "current": true }));
    }
    for (id, e) in &r.logins {
        let me = Some(*id) == s.login_id;
        lines.insert(
            id.to_string(),
            serde_json::json!({ "line": e.line, "user": e.user, "from": e.from, "idle_seconds": if me { 0 } else { now.saturating_sub(e.last) }, "current": me }),
        );
    }
    Ok(serde_json::json!({ "line": lines }))
}

#[cfg(test)]
mod tests {
    use crate::session::{Args, Clock, Dialect, Router, Session, SessionOptions};
    use std::sync::{Arc, Mutex};

    /// Every show of a dialect either has a JSON form or is on the
    /// dialect's `NOT_YET` list, and nothing on that list has one.
    fn check(dialect: Dialect, specs: Vec<String>, not_yet: &[&str]) {
        let r = Arc::new(Mutex::new(Router::new(
            edgesh_engine::Config::new("x"),
            Clock::Virtual(0),
            1,
            std::env::temp_dir(),
        )));
        let mut s = Session::new(r, SessionOptions { dialect, ..Default::default() });
        let mut missing = Vec::new();
        for spec in specs.iter().filter(|x| x.starts_with("show ")) {
            let has = dialect.ops().show_json(&mut s, spec, &Args::default()).is_some();
            let listed = not_yet.contains(&spec.as_str());
            if has == listed {
                missing.push(format!(
                    "{spec}: {}",
                    if has { "has JSON but is listed as not yet" } else { "no JSON and not listed" }
                ));
            }
        }
        for n in not_yet {
            assert!(specs.iter().any(|x| x == n), "{n}: listed but not a show command");
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn every_show_has_json_or_says_not_yet() {
        let mut ios: Vec<String> = crate::ios::IosMode::ALL
            .iter()
            .flat_map(|m| crate::ios::graphs().get(*m).commands().map(|c| c.spec.clone()))
            .collect();
        ios.sort();
        ios.dedup();
        check(Dialect::Ios, ios, crate::ios::json::NOT_YET);
        let mut se: Vec<String> = crate::smartedge::ModeKind::ALL
            .iter()
            .flat_map(|m| crate::smartedge::graphs().get(*m).commands().map(|c| c.spec.clone()))
            .collect();
        se.sort();
        se.dedup();
        check(Dialect::SmartEdge, se, crate::smartedge::json::NOT_YET);
        let mut asa: Vec<String> = crate::asa::AsaMode::ALL
            .iter()
            .flat_map(|m| crate::asa::graphs().get(*m).commands().map(|c| c.spec.clone()))
            .collect();
        asa.sort();
        asa.dedup();
        check(Dialect::Asa, asa, crate::asa::json::NOT_YET);
    }
}
