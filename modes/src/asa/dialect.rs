//! The Cisco ASA dialect as a [`DialectOps`]: lines run against the running
//! document (`mod.rs`), leaving configuration mode is the commit that
//! reaches the engine, the ASA's caret and `ERROR: %` wording, user exec /
//! privileged exec, the engine model compiled from the document
//! (`compile.rs`) and the `%ASA-` syslog messages (`events.rs`).

use super::{AsaMode, exec_mode, graphs, mode};
use crate::monitor::DebugFlags;
use crate::out::Out;
use crate::session::{DialectOps, Handler, LoadReport, LoginUser, Router, Session};
use edgesh_engine::ike::{EngineConf, Event};
use edgesh_grammar::{Graph, ParseError};
use std::sync::{Arc, Mutex};

/// The ASA dialect.
pub struct Asa;

impl DialectOps for Asa {
    fn engine_model(&self, r: &Router) -> std::sync::Arc<edgesh_engine::Config> {
        r.asa.model.clone()
    }

    fn prompt(&self, s: &Session) -> String {
        super::prompt(s)
    }

    fn in_config(&self, s: &Session) -> bool {
        !s.asa.stack.is_empty()
    }

    fn execute(&self, s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
        super::execute(s, line, indent, out)
    }

    fn graphs(&self, s: &Session) -> Vec<&'static Graph<Handler>> {
        let g = graphs();
        let mut v = vec![g.get(mode(s))];
        for f in s.asa.stack.iter().rev().skip(1) {
            v.push(g.get(f.mode));
        }
        // Exec commands (`show ...`) are typed in every mode on the ASA.
        if !s.asa.stack.is_empty() {
            v.push(g.get(exec_mode(s)));
        }
        v
    }

    fn report(&self, err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) {
        super::report(err, line, indent, out)
    }

    fn initial_privilege(&self) -> u8 {
        // User exec (`ciscoasa> `).
        1
    }

    fn enable_up_to_max(&self) -> bool {
        false
    }

    fn enable_asks_secret(&self) -> bool {
        true
    }

    fn enable_secret_set(&self, r: &Router) -> bool {
        super::users::enable_password(r).is_some()
    }

    fn enable_secret_matches(&self, r: &Router, password: &str) -> bool {
        super::users::enable_password(r).is_some_and(|stored| super::users::password_matches(password, &stored))
    }

    fn enable_denied(&self, _s: &Session) -> String {
        "% Invalid password".into()
    }

    fn login_sets_context(&self) -> bool {
        false
    }

    fn after_line(&self, s: &mut Session) {
        // The ASA applies each line at once; the engine takes the changes when configuration mode is left.
        if !self.in_config(s) {
            super::sync(&mut s.router());
        }
    }

    fn on_close(&self, s: &mut Session) {
        if self.in_config(s) {
            super::sync(&mut s.router());
        }
    }

    fn show_json(
        &self,
        s: &mut Session,
        spec: &str,
        a: &crate::session::Args,
    ) -> Option<Result<serde_json::Value, String>> {
        super::json::show_json(s, spec, a)
    }

    fn engine_conf(&self, r: &mut Router) -> EngineConf {
        let model = super::compile::compile(&r.asa.doc).config;
        let mut conf = EngineConf::from_config(&model);
        super::pki::attach(&r.asa.doc, &model, &mut conf, &r.state_dir);
        r.asa.model = std::sync::Arc::new(model);
        conf
    }

    fn crypto_log(&self, r: &mut Router, sev: u8, mnemonic: &str, text: &str) -> String {
        // The ASA's default syslog format (no `logging timestamp`): `%ASA-SEV-ID: text`.
        let l = format!("%ASA-{sev}-{mnemonic}: {text}");
        crate::logbuf::offer(r, &format!("ASA-{mnemonic}"), text, &l);
        l
    }

    fn event_log(&self, e: &Event) -> Vec<(u8, &'static str, String)> {
        super::events::asa_log(&edgesh_engine::Config::new(""), &|_| None, e)
    }

    fn event_debug(&self, e: &Event, f: &DebugFlags) -> Vec<String> {
        super::events::asa_debug(&edgesh_engine::Config::new(""), &|_| None, e, f)
    }

    /// `debug crypto ikev1` lines come without a time stamp (`[IKEv1]Group = ...`, seed 000).
    fn debug_stamp(&self, _r: &Router) -> String {
        String::new()
    }

    fn event_log_at(&self, r: &Router, e: &Event) -> Vec<(u8, &'static str, String)> {
        // Called once per event as the engine's events are drained.
        super::sessiondb::tally(r, e);
        super::asp::observe(r, e);
        let mut v = super::events::asa_log(&r.asa.model, &|conn| tunnel_of(r, conn), e);
        v.extend(super::events::proxies_log(r, e));
        v
    }

    fn event_debug_at(&self, r: &Router, e: &Event, f: &DebugFlags) -> Vec<String> {
        super::events::asa_debug(&r.asa.model, &|conn| tunnel_of(r, conn), e, f)
    }

    fn esp_drop_log(&self, r: &Router, e: &Event) -> Option<crate::esp_drops::DropLine> {
        super::esp_events::asa_drop_log(r, e)
    }

    fn esp_drop_every_ms(&self, kind: &str) -> Option<u64> {
        super::esp_events::every_ms(kind)
    }

    fn socket_mnemonic(&self) -> &'static str {
        "713902"
    }

    fn ssh_listen(&self, _r: &Router) -> Option<std::net::SocketAddr> {
        None
    }

    fn ssh_key_allowed(&self, r: &Router, user: &str, _algorithm: &str, blob: &[u8]) -> bool {
        super::users::key_allowed(r, user, blob)
    }

    // ASA users (`users.rs`): `username NAME password ... privilege N`.
    fn users_configured(&self, r: &Router) -> bool {
        !super::users::users(r).is_empty()
    }

    fn authenticate(&self, r: &Router, user: &str, password: &str) -> Option<LoginUser> {
        super::users::authenticate(r, user, password)
    }

    fn key_user(&self, r: &Router, name: &str) -> Option<LoginUser> {
        super::users::key_user(r, name)
    }

    fn idle_timeout(&self, _r: &Router, _user: &str) -> Option<std::time::Duration> {
        // The ASA's default console and SSH timeout: 5 minutes.
        Some(std::time::Duration::from_secs(300))
    }

    fn file_systems(&self) -> &'static str {
        "disk0:, flash:"
    }

    /// `disk0:` and `flash:` (any case) and a name without a file system are the state directory.
    fn locate_file<'a>(&self, name: &'a str) -> Result<(&'static str, &'a str), &'static str> {
        let lower = name.to_ascii_lowercase();
        match ["disk0:", "flash:"].iter().find(|p| lower.starts_with(*p)) {
            Some(p) => Ok(("", name[p.len()..].trim_start_matches('/'))),
            None if name.contains(':') => Err("no such file system"),
            None if name.starts_with('/') => Err("not a file of the router"),
            None => Ok(("", name)),
        }
    }

    fn startup_file(&self) -> &'static str {
        super::STARTUP_FILE
    }

    /// Each line applied as the ASA does; loaded from the startup file, the
    /// document is the startup configuration as well.
    fn load_boot(
        &self,
        router: &Arc<Mutex<Router>>,
        text: &str,
        file: &str,
        startup: bool,
        hostname: Option<&str>,
    ) -> LoadReport {
        if let Some(h) = hostname {
            self.set_boot_hostname(&mut router.lock().unwrap_or_else(|e| e.into_inner()), h);
        }
        let (lines, rejected, messages) = super::apply_text(router, text, file);
        let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = hostname {
            self.set_boot_hostname(&mut r, h);
        }
        if startup {
            r.asa.startup = Some(r.asa.doc.clone());
        }
        super::sync(&mut r);
        LoadReport { lines, rejected, messages, commit_errors: 0 }
    }

    fn set_boot_hostname(&self, r: &mut Router, name: &str) {
        r.asa.doc.hostname = name.to_string();
    }

    fn more_prompt(&self) -> &'static str {
        "<--- More --->"
    }
}

/// The modes a line may be typed in, for the command coverage test.
pub fn modes() -> &'static [AsaMode] {
    AsaMode::ALL
}

/// The tunnel an IKE SA (by connection id) was negotiated for.
fn tunnel_of(r: &Router, conn: u32) -> Option<String> {
    r.ike().ike_sas().iter().find(|s| s.conn == conn).map(|s| s.tunnel.clone())
}
