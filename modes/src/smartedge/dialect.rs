//! The SmartEdge OS dialect as a [`DialectOps`]: how a line runs (the
//! current mode, then its parents, as the box does with pasted
//! configurations), its prompt, its error wording, privilege rules below
//! level 15, its engine model (the committed configuration) and its log
//! lines for engine events (`events.rs`).

use crate::monitor::DebugFlags;
use crate::out::Out;
use crate::session::{Args, DialectOps, Handler, LoadReport, LoginUser, Router, Session};
use edgesh_engine::ike::{EngineConf, Event};
use edgesh_grammar::{Graph, ParseError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The SmartEdge dialect.
pub struct SmartEdge;

impl DialectOps for SmartEdge {
    fn prompt(&self, s: &Session) -> String {
        let host = s.router().running.hostname.clone();
        match s.stack.last() {
            None if s.privilege < 15 => format!("[{}]{}>", s.exec_context, host),
            None => format!("[{}]{}#", s.exec_context, host),
            Some(f) => format!("[{}]{}({})#", s.exec_context, host, f.kind().prompt()),
        }
    }

    fn in_config(&self, s: &Session) -> bool {
        !s.stack.is_empty()
    }

    fn execute(&self, s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
        let kind = s.stack.last().map(|f| f.kind()).unwrap_or(super::ModeKind::Exec);
        let graphs = super::graphs();
        let first = graphs.get(kind).parse(line);
        let (handler, args, level) = match first {
            Ok(m) => (m.command.payload, Args { bindings: m.bindings, line: line.to_string() }, None),
            Err(err) => {
                // Not valid here: try the parent modes, as the box does with pasted configs.
                let mut found = None;
                if s.stack.len() > 1 && !matches!(err, ParseError::Empty) {
                    for lvl in (1..s.stack.len()).rev() {
                        let k = s.stack[lvl - 1].kind();
                        if let Ok(m) = graphs.get(k).parse(line) {
                            found = Some((
                                m.command.payload,
                                Args { bindings: m.bindings, line: line.to_string() },
                                Some(lvl),
                            ));
                            break;
                        }
                    }
                }
                match found {
                    Some(f) => f,
                    None => {
                        report_parse_error(&err, line, indent, out);
                        s.rejected += 1;
                        return false;
                    }
                }
            }
        };
        if s.privilege < 15 && s.stack.is_empty() && !low_privilege_allowed(&args) {
            out.line(&format!("% Permission denied: privilege level {} (enable 15 first)", s.privilege));
            s.rejected += 1;
            return false;
        }
        let saved_stack = level.map(|lvl| {
            let saved = s.stack.clone();
            s.stack.truncate(lvl);
            saved
        });
        match (handler.0)(s, &args, out) {
            Ok(()) => true,
            Err(msg) => {
                if let Some(saved) = saved_stack {
                    s.stack = saved;
                }
                if !msg.is_empty() {
                    out.line(&format!("% {msg}"));
                }
                s.rejected += 1;
                false
            }
        }
    }

    fn graphs(&self, s: &Session) -> Vec<&'static Graph<Handler>> {
        let g = super::graphs();
        let mut v: Vec<&'static Graph<Handler>> = s.stack.iter().rev().map(|f| g.get(f.kind())).collect();
        if v.is_empty() {
            v.push(g.get(super::ModeKind::Exec));
        }
        v
    }

    fn report(&self, err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) {
        report_parse_error(err, line, indent, out)
    }

    fn initial_privilege(&self) -> u8 {
        15
    }

    fn enable_up_to_max(&self) -> bool {
        true
    }

    fn enable_asks_secret(&self) -> bool {
        false
    }

    fn enable_denied(&self, s: &Session) -> String {
        format!("Permission denied: the highest privilege level for {} is {}", s.user, s.max_privilege)
    }

    fn login_sets_context(&self) -> bool {
        true
    }

    fn engine_conf(&self, r: &mut Router) -> EngineConf {
        let mut conf = EngineConf::from_config(&r.running);
        super::ike_certs::attach(r, &mut conf);
        conf
    }

    fn crypto_log(&self, r: &mut Router, sev: u8, mnemonic: &str, text: &str) -> String {
        r.log("IKE", sev, mnemonic, text)
    }

    fn event_log(&self, e: &Event) -> Vec<(u8, &'static str, String)> {
        super::events::smartedge_log(e)
    }

    fn event_log_at(&self, r: &Router, e: &Event) -> Vec<(u8, &'static str, String)> {
        // The peer answered AUTHENTICATION_FAILED to our IKE_AUTH: with a tunnel that signs,
        // what it refused is our certificate or signature, not a pre-shared key.
        if let Event::V2AuthFailed { peer, id: None, .. } = e {
            let signs = r.ike().v2().peers().iter().any(|p| {
                p.remote == Some(*peer)
                    && p.pki.as_ref().is_some_and(|k| k.local == edgesh_engine::pki::AuthBy::Signature)
            });
            if signs {
                return vec![(
                    3,
                    "AUTH",
                    format!(
                        "IKEv2 AUTHENTICATION_FAILED for peer {peer}: possibly a certificate the peer does not accept"
                    ),
                )];
            }
        }
        super::events::smartedge_log(e)
    }

    fn event_debug(&self, e: &Event, f: &DebugFlags) -> Vec<String> {
        super::events::smartedge_debug(e, f)
    }

    fn esp_drop_log(&self, r: &Router, e: &Event) -> Option<crate::esp_drops::DropLine> {
        super::esp_events::smartedge_drop_log(r, e)
    }

    fn show_json(
        &self,
        s: &mut Session,
        spec: &str,
        a: &crate::session::Args,
    ) -> Option<Result<serde_json::Value, String>> {
        super::json::show_json(s, spec, a)
    }

    fn socket_mnemonic(&self) -> &'static str {
        "BIND"
    }

    fn ssh_listen(&self, r: &Router) -> Option<std::net::SocketAddr> {
        r.running.contexts.get("local").and_then(|c| c.ssh_listen)
    }

    fn ssh_key_allowed(&self, r: &Router, user: &str, algorithm: &str, blob: &[u8]) -> bool {
        crate::sshconf::smartedge_key_allowed(r, user, algorithm, blob)
    }

    fn users_configured(&self, r: &Router) -> bool {
        super::users::configured(r)
    }

    fn authenticate(&self, r: &Router, user: &str, password: &str) -> Option<LoginUser> {
        super::users::authenticate(r, user, password)
    }

    fn key_user(&self, r: &Router, name: &str) -> Option<LoginUser> {
        super::users::key_user(r, name)
    }

    fn idle_timeout(&self, r: &Router, user: &str) -> Option<Duration> {
        super::users::idle_timeout(r, user)
    }

    fn file_systems(&self) -> &'static str {
        "/flash, /md"
    }

    /// `/flash/NAME` and a relative name are the state directory, `/md/NAME` its `md` directory.
    fn locate_file<'a>(&self, name: &'a str) -> Result<(&'static str, &'a str), &'static str> {
        if let Some(r) = name.strip_prefix("/flash/") {
            Ok(("", r))
        } else if let Some(r) = name.strip_prefix("/md/") {
            Ok(("md", r))
        } else if name.starts_with('/') {
            Err("not a file of the router")
        } else {
            Ok(("", name))
        }
    }

    fn startup_file(&self) -> &'static str {
        super::STARTUP_FILE
    }

    /// Every line tried in one candidate, then the whole validated and installed.
    fn load_boot(
        &self,
        router: &Arc<Mutex<Router>>,
        text: &str,
        file: &str,
        _startup: bool,
        hostname: Option<&str>,
    ) -> LoadReport {
        let rep = super::load::load_config(router, text, file);
        if let Some(h) = hostname {
            super::load::set_hostname(&mut router.lock().unwrap_or_else(|e| e.into_inner()), h);
        }
        rep
    }

    fn set_boot_hostname(&self, r: &mut Router, name: &str) {
        super::load::set_hostname(r, name)
    }

    fn more_prompt(&self) -> &'static str {
        "---(more)---"
    }
}

/// Exec commands a SmartEdge session below level 15 may run: shows (but not
/// the configuration, which holds keys), terminal settings, leaving, `enable`.
fn low_privilege_allowed(a: &Args) -> bool {
    let kw: Vec<&str> = a.bindings.iter().filter(|b| b.keyword).map(|b| &*b.value).take(3).collect();
    match kw.as_slice() {
        ["show", "configuration", ..] => false,
        // Session keys are secrets: level 15 only.
        ["show", "ike", "keys"] => false,
        ["show", ..] => true,
        [w, ..] => matches!(*w, "enable" | "disable" | "exit" | "quit" | "terminal" | "context" | "logout"),
        [] => false,
    }
}

/// Print a parse error the SmartEdge way: a caret under the bad token, then the message.
pub fn report_parse_error(err: &ParseError, line: &str, caret_indent: usize, out: &mut dyn Out) {
    let col = |off: usize| caret_indent + line[..off.min(line.len())].chars().count();
    match err {
        ParseError::Invalid { offset, detail } => {
            out.line(&format!("{}^", " ".repeat(col(*offset))));
            match detail {
                Some(d) => out.line(&format!("% Invalid input at '^' marker ({d}).")),
                None => out.line("% Invalid input at '^' marker."),
            }
        }
        ParseError::Syntax { offset, message } => {
            out.line(&format!("{}^", " ".repeat(col(*offset))));
            out.line(&format!("% Invalid input at '^' marker ({message})."));
        }
        ParseError::Ambiguous { .. } => out.line(&format!("% Ambiguous command:  \"{}\"", line.trim())),
        ParseError::Incomplete => out.line("% Incomplete command."),
        ParseError::Empty => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::session::Dialect;
    use crate::statefs::resolve;
    use std::path::Path;

    #[test]
    fn file_names_stay_in_the_file_systems() {
        let st = Path::new("/var/lib/edgesh");
        let se = |n: &str| resolve(st, Dialect::SmartEdge, n);
        assert_eq!(se("/flash/x.cfg").unwrap(), st.join("x.cfg"));
        assert_eq!(se("/md/x.cfg").unwrap(), st.join("md/x.cfg"));
        assert_eq!(se("x.cfg").unwrap(), st.join("x.cfg"));
        for bad in ["/etc/passwd", "../x.cfg", "/flash/../x", "/tmp/x", "/md/"] {
            assert!(se(bad).is_err(), "{bad}");
        }
        assert!(se("/tmp/x").unwrap_err().contains("(files are in /flash, /md)"));
    }
}
