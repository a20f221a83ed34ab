//! The Cisco IOS dialect as a [`DialectOps`]: lines run against the
//! running document (`mod.rs`), leaving configuration mode is the commit
//! that reaches the engine, `do` runs exec commands anywhere, IOS's caret
//! and wording, user exec / privileged exec with the enable secret, the
//! engine model compiled from the document (`compile.rs`) and the
//! `%CRYPTO-` log and `debug crypto` lines (`events.rs`).

use super::{IosMode, graphs, mode};
use crate::monitor::DebugFlags;
use crate::out::Out;
use crate::session::{DialectOps, Handler, LoadReport, LoginUser, Router, Session};
use crate::time::log_time;
use edgesh_engine::ike::{EngineConf, Event};
use edgesh_grammar::{Graph, ParseError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The IOS dialect.
pub struct Ios;

impl DialectOps for Ios {
    fn engine_model(&self, r: &Router) -> std::sync::Arc<edgesh_engine::Config> {
        r.ios_model.clone()
    }

    fn prompt(&self, s: &Session) -> String {
        super::prompt(s)
    }

    fn in_config(&self, s: &Session) -> bool {
        !s.ios.stack.is_empty()
    }

    fn execute(&self, s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
        super::execute(s, line, indent, out)
    }

    fn graphs(&self, s: &Session) -> Vec<&'static Graph<Handler>> {
        let g = graphs();
        let mut v = vec![g.get(mode(s))];
        for f in s.ios.stack.iter().rev().skip(1) {
            v.push(g.get(f.mode));
        }
        v
    }

    fn run_graphs<'a>(&self, s: &Session, line: &'a str) -> (Vec<&'static Graph<Handler>>, &'a str) {
        let mut v = self.graphs(s);
        v.push(graphs().get(if s.ios.privileged { IosMode::Exec } else { IosMode::UserExec }));
        (v, line.strip_prefix("do ").unwrap_or(line))
    }

    fn is_show(&self, line: &str) -> bool {
        let mut words = line.split_whitespace();
        let mut w = words.next().unwrap_or("").to_ascii_lowercase();
        if w == "do" {
            w = words.next().unwrap_or("").to_ascii_lowercase();
        }
        w.len() >= 2 && "show".starts_with(&w)
    }

    fn report(&self, err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) {
        super::report(err, line, indent, out)
    }

    fn initial_privilege(&self) -> u8 {
        // User exec (`Router>`).
        1
    }

    fn enable_up_to_max(&self) -> bool {
        false
    }

    fn enable_asks_secret(&self) -> bool {
        true
    }

    fn enable_denied(&self, _s: &Session) -> String {
        "No password set".into()
    }

    fn login_sets_context(&self) -> bool {
        false
    }

    fn after_line(&self, s: &mut Session) {
        // IOS's commit: changes reach the engine when configuration mode is left.
        if !self.in_config(s) {
            super::commit::sync(&mut s.router());
        }
    }

    fn on_close(&self, s: &mut Session) {
        // A session that goes away in configuration mode leaves it.
        if self.in_config(s) {
            super::commit::sync(&mut s.router());
        }
    }

    fn engine_conf(&self, r: &mut Router) -> EngineConf {
        let model = super::compile::compile(&r.ios_doc).config;
        let mut conf = EngineConf::from_config(&model);
        super::pki::attach(&r.ios_doc, &mut conf, &r.state_dir);
        r.ios_model = std::sync::Arc::new(model);
        conf
    }

    fn crypto_log(&self, r: &mut Router, sev: u8, mnemonic: &str, text: &str) -> String {
        // `PKI/MNEMONIC`: a message of another facility than CRYPTO (`%PKI-3-...`).
        let (facility, mnemonic) = mnemonic.split_once('/').unwrap_or(("CRYPTO", mnemonic));
        let l = format!("*{}.{:03}: %{facility}-{sev}-{mnemonic}: {text}", log_time(r.now()), r.now_ms() % 1000);
        crate::logbuf::offer(r, &format!("{facility}-{mnemonic}"), text, &l);
        l
    }

    fn event_log(&self, e: &Event) -> Vec<(u8, &'static str, String)> {
        super::events::ios_log(e)
    }

    fn after_events(&self, r: &mut Router) -> Vec<(u8, &'static str, String)> {
        super::show_if::vti_link_changes(r)
    }

    fn event_debug(&self, e: &Event, f: &DebugFlags) -> Vec<String> {
        super::events::ios_debug(e, f)
    }

    fn esp_drop_log(&self, r: &Router, e: &Event) -> Option<crate::esp_drops::DropLine> {
        super::esp_events::ios_drop_log(r, e)
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
        "IKMP_SOCKET"
    }

    fn ssh_listen(&self, r: &Router) -> Option<std::net::SocketAddr> {
        crate::sshconf::ios_listen(r)
    }

    fn ssh_key_allowed(&self, r: &Router, user: &str, algorithm: &str, blob: &[u8]) -> bool {
        crate::sshconf::ios_key_allowed(r, user, algorithm, blob)
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

    fn idle_timeout(&self, r: &Router, _user: &str) -> Option<Duration> {
        super::users::idle_timeout(r)
    }

    fn enable_secret_set(&self, r: &Router) -> bool {
        super::users::enable_secret(r).is_some()
    }

    fn enable_secret_matches(&self, r: &Router, password: &str) -> bool {
        super::users::enable_matches(r, password)
    }

    fn file_systems(&self) -> &'static str {
        "flash:, nvram:, bootflash:"
    }

    /// `flash:`, `nvram:` and `bootflash:` (any case) and a name without a
    /// file system are all the state directory.
    fn locate_file<'a>(&self, name: &'a str) -> Result<(&'static str, &'a str), &'static str> {
        let lower = name.to_ascii_lowercase();
        match ["flash:", "nvram:", "bootflash:"].iter().find(|p| lower.starts_with(*p)) {
            Some(p) => Ok(("", name[p.len()..].trim_start_matches('/'))),
            None if name.contains(':') => Err("no such file system"),
            None if name.starts_with('/') => Err("not a file of the router"),
            None => Ok(("", name)),
        }
    }

    fn startup_file(&self) -> &'static str {
        super::STARTUP_FILE
    }

    /// Each line applied as IOS does; loaded from the startup file, the
    /// document is the startup configuration as well.
    fn load_boot(
        &self,
        router: &Arc<Mutex<Router>>,
        text: &str,
        file: &str,
        startup: bool,
        hostname: Option<&str>,
    ) -> LoadReport {
        let (lines, rejected, messages) = super::apply_text(router, text, file);
        let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = hostname {
            self.set_boot_hostname(&mut r, h);
        }
        if startup {
            r.ios_startup = Some(r.ios_doc.clone());
        }
        LoadReport { lines, rejected, messages, commit_errors: 0 }
    }

    fn set_boot_hostname(&self, r: &mut Router, name: &str) {
        r.ios_doc.hostname = name.to_string();
    }

    fn more_prompt(&self) -> &'static str {
        " --More-- "
    }

    fn whole_sections(&self) -> bool {
        true
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
        let ios = |n: &str| resolve(st, Dialect::Ios, n);
        assert_eq!(ios("flash:a.cfg").unwrap(), st.join("a.cfg"));
        assert_eq!(ios("nvram:startup-config").unwrap(), st.join("startup-config"));
        assert_eq!(ios("bootflash:/dir/b.cfg").unwrap(), st.join("dir/b.cfg"));
        assert_eq!(ios("startup-config").unwrap(), st.join("startup-config"));
        for bad in [
            "/etc/passwd",
            "../x.cfg",
            "flash:../../etc/shadow",
            "tftp://h/x",
            "system:running-config",
            "flash:",
            "a/../../b",
        ] {
            assert!(ios(bad).is_err(), "{bad}");
        }
        assert!(ios("/etc/passwd").unwrap_err().contains("flash:, nvram:, bootflash:"));
    }

    #[test]
    fn symbolic_links_out_are_refused() {
        let d = std::env::temp_dir().join(format!("edgesh-statefs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::os::unix::fs::symlink("/etc", d.join("etc")).unwrap();
        assert!(resolve(&d, Dialect::Ios, "flash:etc/passwd").is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
