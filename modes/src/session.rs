//! A user's session and the router state shared by all sessions.
//!
//! SmartEdge semantics: configuration commands change a per-session
//! candidate; `commit` validates the whole candidate and makes it running
//! atomically, or changes nothing at all.

use crate::out::Out;
use crate::smartedge::{self, Frame};
use edgesh_engine::Config;
use edgesh_engine::validate::{Problem, Severity, validate};
use edgesh_grammar::{Binding, ParseError};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

pub use edgesh_engine::driver::Clock;

/// One entry of the commit history.
#[derive(Clone, Debug)]
pub struct CommitRecord {
    pub id: u64,
    pub time: u64,
    pub user: String,
    pub comment: Option<String>,
    /// The running configuration after this commit.
    pub config: Arc<Config>,
    /// The running configuration before it (for the line counts of `show configuration commits`).
    pub previous: Option<Arc<Config>>,
}

impl CommitRecord {
    /// Lines added and removed by this commit (computed when asked: a commit
    /// of 32,000 tunnels must not render the configuration twice).
    pub fn line_counts(&self) -> (usize, usize) {
        let Some(prev) = &self.previous else { return (0, 0) };
        let sel = smartedge::render::Selection::all();
        crate::smartedge::diff::count(&smartedge::render::to_lines(prev, &sel), &smartedge::render::to_lines(&self.config, &sel))
    }
}

/// A `commit confirmed` waiting for its confirmation.
#[derive(Clone, Debug)]
pub struct PendingConfirm {
    pub deadline: u64,
    pub commit_id: u64,
    pub previous: Arc<Config>,
}

/// How many typed lines a session remembers.
pub const HISTORY_LINES: usize = 256;

/// How many commits `rollback` can reach back.
pub const HISTORY_LIMIT: usize = 20;

/// The state of the router shared by every session.
#[derive(Debug)]
pub struct Router {
    pub running: Arc<Config>,
    /// Problems of the running configuration (warnings; what keeps objects down).
    pub problems: Vec<Problem>,
    pub history: VecDeque<CommitRecord>,
    pub next_commit_id: u64,
    pub pending_confirm: Option<PendingConfirm>,
    pub boot_time: u64,
    rng: u64,
    pub state_dir: PathBuf,
    /// Log lines (`show log`), newest last.
    pub log: VecDeque<String>,
    /// The IOS dialect's running configuration (a document of lines and blocks).
    pub ios_doc: crate::ios::IosDoc,
    /// The IOS startup configuration (`write memory`).
    pub ios_startup: Option<crate::ios::IosDoc>,
    /// Automatic rollbacks so far, and the configuration the last one undid
    /// (sessions whose candidate was that configuration drop it).
    pub rollbacks: u64,
    pub last_undone: Option<Arc<Config>>,
    /// PKI stores per context (SmartEdge section 6.1).
    pub pki: std::collections::BTreeMap<String, crate::smartedge::pki::PkiStore>,
    /// Who is logged in (`show users`), by login id.
    pub logins: std::collections::BTreeMap<u64, LoginEntry>,
    pub next_login_id: u64,
    /// Sessions an administrator asked to close (`clear line`); their server closes them.
    pub clear_requests: std::collections::BTreeSet<u64>,
    /// Held for the whole of a commit, so concurrent commits go one after
    /// the other (each merging onto the one before).
    pub commit_gate: Arc<Mutex<()>>,
    /// The dialect the router speaks (decides how the engine's configuration is made and how it logs).
    pub dialect: Dialect,
    /// The IKE engine and the router's clock (a network thread or the
    /// simulated lab moves its datagrams).
    pub engine: edgesh_engine::driver::Driver,
    /// `debug crypto` switches.
    pub debug: crate::engine::DebugFlags,
    /// Log and debug lines for watching sessions: (sequence, is debug, line).
    pub monitor: VecDeque<(u64, bool, String)>,
    pub monitor_seq: u64,
    /// Failed `enable` secrets per user (`crate::privauth`).
    pub enable_failures: crate::privauth::EnableFailures,
    /// The log buffer's rate limit, counts, size and destinations (`crate::logbuf`).
    pub logctl: crate::logbuf::LogControl,
    /// The IOS document the engine last ran from.
    pub ios_compiled: Option<crate::ios::IosDoc>,
    /// IOS: the running document as the engine model (compiled when the engine took it).
    pub ios_model: Arc<Config>,
}

/// A logged-in session, as `show users` lists it.
#[derive(Clone, Debug)]
pub struct LoginEntry {
    pub user: String,
    /// `con 0` or `vty N`.
    pub line: String,
    /// Where from (`console`, an address and port).
    pub from: String,
    pub since: u64,
    /// Time of the last command.
    pub last: u64,
}

impl Router {
    pub fn new(config: Config, clock: Clock, seed: u64, state_dir: PathBuf) -> Self {
        let problems = validate(&config);
        let running = Arc::new(config);
        let mut r = Router {
            running: running.clone(),
            problems,
            history: VecDeque::new(),
            next_commit_id: 1,
            pending_confirm: None,
            boot_time: 0,
            rng: seed,
            state_dir,
            log: VecDeque::new(),
            ios_doc: crate::ios::IosDoc::new("Router"),
            ios_startup: None,
            pki: std::collections::BTreeMap::new(),
            rollbacks: 0,
            last_undone: None,
            logins: std::collections::BTreeMap::new(),
            next_login_id: 1,
            clear_requests: std::collections::BTreeSet::new(),
            commit_gate: Arc::new(Mutex::new(())),
            dialect: Dialect::SmartEdge,
            engine: edgesh_engine::driver::Driver::new(seed, clock),
            debug: Default::default(),
            monitor: VecDeque::new(),
            monitor_seq: 0,
            enable_failures: Default::default(),
            logctl: Default::default(),
            ios_compiled: None,
            ios_model: Arc::new(Config::new("Router")),
        };
        r.boot_time = r.now();
        r.history.push_back(CommitRecord { id: 0, time: r.boot_time, user: "system".into(), comment: Some("initial configuration".into()), config: running, previous: None });
        r
    }

    pub fn now(&self) -> u64 {
        self.engine.now()
    }

    /// Milliseconds on the router's clock (real or virtual).
    pub fn now_ms(&self) -> u64 {
        self.engine.now_ms()
    }

    /// Advance a virtual clock.
    pub fn advance(&mut self, secs: u64) {
        self.engine.advance(secs);
    }

    /// The IKE engine, to read (show commands).
    pub fn ike(&self) -> &edgesh_engine::ike::Endpoint {
        self.engine.endpoint()
    }

    /// 64 pseudo-random bits (splitmix64; seeded from the OS, or fixed in tests).
    pub fn random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

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

    /// Make `config` running and record it.
    pub fn install(&mut self, config: Config, user: &str, comment: Option<String>) -> u64 {
        let problems = validate(&config);
        self.install_checked(config, problems, user, comment)
    }

    /// Make `config` running, with the problems `validate` already found.
    pub fn install_checked(&mut self, config: Config, problems: Vec<Problem>, user: &str, comment: Option<String>) -> u64 {
        self.problems = problems;
        let previous = std::mem::replace(&mut self.running, Arc::new(config));
        let id = self.next_commit_id;
        self.next_commit_id += 1;
        self.history.push_back(CommitRecord { id, time: self.now(), user: user.to_string(), comment, config: self.running.clone(), previous: Some(previous) });
        while self.history.len() > HISTORY_LIMIT {
            self.history.pop_front();
        }
        id
    }

    /// Timers: roll back an unconfirmed `commit confirmed`. Returns log lines to show.
    pub fn tick(&mut self) -> Vec<String> {
        let mut msgs = Vec::new();
        self.engine_tick();
        if let Some(p) = &self.pending_confirm {
            if self.now() >= p.deadline {
                let p = self.pending_confirm.take().expect("checked above");
                let prev = (*p.previous).clone();
                let undone = self.running.clone();
                self.install(prev, "system", Some(format!("rollback of unconfirmed commit {}", p.commit_id)));
                self.rollbacks += 1;
                self.last_undone = Some(undone);
                msgs.push(self.log("SYSTEM", 4, "ROLLBACK", &format!("commit {} was not confirmed; configuration rolled back", p.commit_id)));
                self.engine_sync();
            }
        }
        msgs
    }
}

/// Start-up options of a session.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    pub user: String,
    pub context: String,
    pub dialect: Dialect,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions { user: "admin".into(), context: "local".into(), dialect: Dialect::SmartEdge }
    }
}

/// The parsed arguments of a command, owned.
#[derive(Clone, Debug, Default)]
pub struct Args {
    pub bindings: Vec<Binding<'static>>,
    pub line: String,
}

impl Args {
    pub fn get(&self, key: &str) -> Option<&str> {
        let b = self.bindings.iter().find(|b| b.key == key && !b.keyword);
        b.or_else(|| self.bindings.iter().find(|b| b.key == key)).map(|b| &*b.value)
    }
    pub fn has(&self, key: &str) -> bool {
        self.bindings.iter().any(|b| b.key == key)
    }
    pub fn num(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
    /// The first binding: `no` tells a negated command.
    pub fn negated(&self) -> bool {
        self.bindings.first().is_some_and(|b| b.keyword && b.value == "no")
    }
    /// Value of a string parameter that the spec guarantees.
    pub fn req(&self, key: &str) -> Result<&str, String> {
        self.get(key).ok_or_else(|| format!("missing {key}"))
    }
}

/// The result of a handler: `Err` is printed as `% message` and counts as rejected.
pub type CmdResult = Result<(), String>;

/// A command handler.
#[derive(Clone, Copy)]
pub struct Handler(pub fn(&mut Session, &Args, &mut dyn Out) -> CmdResult);

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handler")
    }
}

/// One user's session.
pub struct Session {
    router: Arc<Mutex<Router>>,
    pub user: String,
    /// The context shown in the prompt brackets.
    pub exec_context: String,
    /// Configuration mode frames; empty in exec mode.
    pub stack: Vec<Frame>,
    /// The candidate configuration while in configuration mode.
    pub candidate: Option<Config>,
    pub terminal_length: Option<usize>,
    pub terminal_width: usize,
    /// Commands rejected since the session started.
    pub rejected: usize,
    pub wants_exit: bool,
    /// Lines typed (`show history`), the last [`HISTORY_LINES`].
    pub history: Vec<String>,
    /// Keep typed lines in `history` (not when loading a file).
    pub record_history: bool,
    /// Messages waiting to be shown (logs, rollbacks).
    pub pending: Vec<String>,
    pub dialect: Dialect,
    /// Automatic rollbacks this session has seen.
    seen_rollbacks: u64,
    /// `terminal monitor`: log messages appear in this session.
    pub monitor: bool,
    /// The last monitor line this session has shown.
    pub monitor_seen: u64,
    /// IOS dialect state (mode stack, privilege).
    pub ios: crate::ios::IosSession,
    /// Privilege level (0-15); 15 may configure and see keys.
    pub privilege: u8,
    /// Highest level `enable` reaches without the enable secret.
    pub max_privilege: u8,
    /// The user logged in with a password (SSH, `--login`); an
    /// unauthenticated console keeps the old trust (`enable` without a
    /// secret when none is configured).
    pub authenticated: bool,
    /// This session's entry in the router's `logins`.
    pub login_id: Option<u64>,
    /// `enable` is waiting for the secret (the level asked for).
    pub wants_secret: Option<u8>,
    secret_tries: u8,
    /// The running configuration the candidate started from: a commit is
    /// refused when another session committed meanwhile.
    base: Option<Arc<Config>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.dialect == Dialect::Ios && self.in_config() {
            // A session that goes away in configuration mode leaves it.
            self.router().ios_sync();
        }
        if let Some(id) = self.login_id.take() {
            let mut r = self.router();
            r.logins.remove(&id);
            r.clear_requests.remove(&id);
        }
    }
}

/// The CLI dialect of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    SmartEdge,
    Ios,
}

impl Session {
    pub fn new(router: Arc<Mutex<Router>>, opts: SessionOptions) -> Self {
        let monitor_seen = router.lock().map(|r| r.monitor_seq).unwrap_or(0);
        Session {
            router,
            user: opts.user,
            exec_context: opts.context,
            stack: Vec::new(),
            candidate: None,
            terminal_length: None,
            terminal_width: 80,
            rejected: 0,
            wants_exit: false,
            history: Vec::new(),
            record_history: true,
            pending: Vec::new(),
            dialect: opts.dialect,
            seen_rollbacks: 0,
            monitor: false,
            monitor_seen,
            ios: crate::ios::IosSession::default(),
            // IOS starts in user exec (`Router>`), SmartEdge at level 15.
            privilege: if opts.dialect == Dialect::Ios { 1 } else { 15 },
            max_privilege: 15,
            authenticated: false,
            login_id: None,
            wants_secret: None,
            secret_tries: 0,
            base: None,
        }
    }



    /// Start a logged-in session for `u`, on `line` (`con 0`, or `vty` for
    /// SSH: the login id is the vty number), from `from`.
    pub fn login(&mut self, u: &crate::auth::LoginUser, vty: bool, from: &str) {
        self.user = u.name.clone();
        self.privilege = u.privilege;
        self.max_privilege = u.max_privilege;
        self.authenticated = true;
        self.ios.privileged = u.privilege >= 15;
        if self.dialect == Dialect::SmartEdge && self.router().running.contexts.contains_key(&u.context) {
            self.exec_context = u.context.clone();
        }
        let mut r = self.router();
        let id = r.next_login_id;
        r.next_login_id += 1;
        let now = r.now();
        let line = if vty { format!("vty {id}") } else { "con 0".to_string() };
        r.logins.insert(id, LoginEntry { user: u.name.clone(), line, from: from.to_string(), since: now, last: now });
        drop(r);
        self.login_id = Some(id);
    }

    /// Note activity (for `show users` idle times).
    pub fn touch(&mut self) {
        if let Some(id) = self.login_id {
            let mut r = self.router();
            let now = r.now();
            if let Some(e) = r.logins.get_mut(&id) {
                e.last = now;
            }
        }
    }

    /// An administrator asked to close this session (`clear line`).
    pub fn clear_requested(&self) -> bool {
        self.login_id.is_some_and(|id| self.router().clear_requests.contains(&id))
    }

    fn set_privilege(&mut self, level: u8) {
        self.privilege = level;
        self.ios.privileged = level >= 15;
    }

    /// `enable [LEVEL]`: go up at once if allowed, else ask for the enable
    /// secret (the terminal prints `Password: ` and calls [`Session::enter_secret`]).
    pub fn request_enable(&mut self, level: u8, out: &mut dyn Out) -> CmdResult {
        let _ = out;
        // SmartEdge: up to `privilege max` without a password. IOS: only
        // down without the enable secret.
        if level <= self.privilege || (self.dialect == Dialect::SmartEdge && level <= self.max_privilege) || (!self.authenticated && crate::auth::enable_secret(&self.router()).is_none()) {
            self.set_privilege(level.max(self.privilege));
            return Ok(());
        }
        let has_secret = crate::auth::enable_secret(&self.router()).is_some() && self.dialect == Dialect::Ios;
        if has_secret {
            self.wants_secret = Some(level);
            self.secret_tries = 0;
            return Ok(());
        }
        if !self.authenticated {
            self.set_privilege(level);
            return Ok(());
        }
        if self.dialect == Dialect::SmartEdge {
            return Err(format!("Permission denied: the highest privilege level for {} is {}", self.user, self.max_privilege));
        }
        Err("No password set".into())
    }

    /// The secret typed after `enable`'s `Password:`. IOS asks three times.
    pub fn enter_secret(&mut self, password: &str, out: &mut dyn Out) -> bool {
        let Some(level) = self.wants_secret else { return false };
        let check = crate::auth::check_enable(&self.router(), password);
        if check == crate::auth::EnableCheck::Good {
            crate::privauth::succeeded(&mut self.router(), &self.user);
            self.wants_secret = None;
            self.set_privilege(level);
            return true;
        }
        crate::privauth::failed(&mut self.router(), &self.user, level, self.login_id);
        self.secret_tries += 1;
        if self.secret_tries >= 3 {
            self.wants_secret = None;
            out.line("% Bad secrets");
            out.line("");
            self.rejected += 1;
            return false;
        }
        false
    }

    /// `disable [LEVEL]`.
    pub fn disable(&mut self, level: Option<u8>) {
        self.set_privilege(level.unwrap_or(1).min(self.privilege));
    }

    pub fn router(&self) -> MutexGuard<'_, Router> {
        // A panic while holding the lock must not wedge every other session.
        self.router.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn router_handle(&self) -> Arc<Mutex<Router>> {
        self.router.clone()
    }

    pub fn hostname(&self) -> String {
        match &self.candidate {
            Some(c) => c.hostname.clone(),
            None => self.router().running.hostname.clone(),
        }
    }

    /// The prompt, e.g. `[local]edgesh(config-ctx)#`.
    pub fn prompt(&self) -> String {
        if self.dialect == Dialect::Ios {
            return crate::ios::prompt(self);
        }
        let host = self.router().running.hostname.clone();
        match self.stack.last() {
            None if self.privilege < 15 => format!("[{}]{}>", self.exec_context, host),
            None => format!("[{}]{}#", self.exec_context, host),
            Some(f) => format!("[{}]{}({})#", self.exec_context, host, f.kind().prompt()),
        }
    }

    pub fn in_config(&self) -> bool {
        match self.dialect {
            Dialect::SmartEdge => !self.stack.is_empty(),
            Dialect::Ios => !self.ios.stack.is_empty(),
        }
    }

    /// The configuration a `show` reads: the candidate in configuration mode, else running.
    pub fn view(&self) -> Arc<Config> {
        match &self.candidate {
            Some(c) => Arc::new(c.clone()),
            None => self.router().running.clone(),
        }
    }

    pub fn cand(&mut self) -> Result<&mut Config, String> {
        self.candidate.as_mut().ok_or_else(|| "not in configuration mode".to_string())
    }

    /// Run timers and collect messages for the user.
    pub fn poll(&mut self) -> Vec<String> {
        let mut m = self.router().tick();
        {
            let r = self.router();
            // Debug output goes to the sessions that watch (the console, or `terminal monitor`).
            let (seq, lines) = r.monitor_since(self.monitor_seen, self.monitor);
            drop(r);
            self.monitor_seen = seq;
            if self.monitor || !lines.is_empty() {
                m.extend(lines);
            }
        }
        // An automatic rollback undid the configuration this session's
        // candidate holds: start the candidate again from running, or the
        // next `end` would silently commit the undone change once more.
        let (n, undone, running) = {
            let r = self.router();
            (r.rollbacks, r.last_undone.clone(), r.running.clone())
        };
        if n != self.seen_rollbacks {
            self.seen_rollbacks = n;
            if let (Some(c), Some(u)) = (&self.candidate, undone) {
                if *c == *u {
                    self.candidate = Some((*running).clone());
                    self.base = Some(running.clone());
                    m.push("% The candidate configuration was reset to the rolled-back running configuration".into());
                }
            }
        }
        m.append(&mut self.pending);
        m
    }

    /// Enter configuration mode.
    pub fn enter_config(&mut self) {
        if self.candidate.is_none() {
            let running = self.router().running.clone();
            self.candidate = Some((*running).clone());
            self.base = Some(running);
        }
        self.stack = vec![Frame::Config];
    }

    /// Does the candidate differ from running?
    pub fn has_changes(&self) -> bool {
        match (&self.candidate, &self.base) {
            // Against what the candidate started from: another session's
            // commit is not this session's change.
            (Some(c), Some(b)) => *c != **b,
            (Some(c), None) => *c != *self.router().running,
            (None, _) => false,
        }
    }

    /// Validate and install the candidate. Prints warnings, errors and the
    /// result; on failure nothing changes (running and candidate stay as they were).
    pub fn commit(&mut self, out: &mut dyn Out, confirmed_minutes: Option<u64>, comment: Option<String>) -> bool {
        // One commit at a time; should running still change under it (an
        // automatic rollback), try again on the new running configuration.
        let gate = self.router().commit_gate.clone();
        let _one_at_a_time = gate.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..5 {
            if let Some(done) = self.try_commit(out, confirmed_minutes, comment.clone()) {
                return done;
            }
        }
        out.line("% Commit failed: the running configuration keeps changing; try again");
        false
    }

    /// One commit attempt; `None` when running changed under it (try again).
    fn try_commit(&mut self, out: &mut dyn Out, confirmed_minutes: Option<u64>, comment: Option<String>) -> Option<bool> {
        let Some(mut cand) = self.candidate.clone() else {
            out.line("% Not in configuration mode");
            return Some(false);
        };
        let seen = self.router().running.clone();
        // Another session committed since this candidate was started: apply
        // this session's changes onto the new running configuration, or
        // refuse (candidate kept) when both changed the same object.
        if let Some(base) = self.base.clone() {
            if !Arc::ptr_eq(&base, &seen) && *base != *seen {
                match crate::merge::merge(&base, &cand, &seen) {
                    Ok(m) => {
                        cand = m;
                        self.candidate = Some(cand.clone());
                        self.base = Some(seen.clone());
                    }
                    Err(conflicts) => {
                        let by = self.router().history.back().map(|h| format!("commit {} by {}", h.id, h.user)).unwrap_or_default();
                        let sel = smartedge::render::Selection::all();
                        let (old, new) = (smartedge::render::to_lines(&base, &sel), smartedge::render::to_lines(&seen, &sel));
                        out.line(&format!("% Commit refused: another session changed what this candidate changes ({by}): {}", conflicts.join(", ")));
                        out.line("% Their changes since this candidate was started:");
                        smartedge::diff::show(&old, &new, out);
                        out.line("% The candidate is kept: `commit` again to make it running as it is (undoing the changes above that it lacks), or `abort`");
                        // The next commit is checked against what the user has now seen.
                        self.base = Some(seen);
                        return Some(false);
                    }
                }
            }
        }
        let problems = validate(&cand);
        let errors: Vec<&Problem> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
        if !errors.is_empty() {
            for p in &errors {
                out.line(&crate::smartedge::wording::problem(p));
            }
            out.line(&format!(
                "% Commit failed: {} error{}; the running configuration is unchanged and the candidate is kept",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ));
            return Some(false);
        }
        let user = self.user.clone();
        let rh = self.router.clone();
        let mut r = rh.lock().unwrap_or_else(|e| e.into_inner());
        if !Arc::ptr_eq(&r.running, &seen) {
            return None;
        }
        for p in problems.iter().filter(|p| p.severity == Severity::Warning) {
            out.line(&crate::smartedge::wording::problem(p));
        }
        let changed = cand != *r.running;
        if changed {
            let previous = r.running.clone();
            let id = r.install_checked(cand, problems, &user, comment);
            r.log("SYSTEM", 5, "CONFIG", &format!("commit {id} by {user}"));
            // The engine takes the commit now: a commit reaches it because it was committed.
            r.engine_sync();
            if let Some(m) = confirmed_minutes {
                let deadline = r.now() + m * 60;
                // A second confirmed commit keeps the oldest configuration to return to.
                let previous = r.pending_confirm.take().map(|p| p.previous).unwrap_or(previous);
                r.pending_confirm = Some(PendingConfirm { deadline, commit_id: id, previous });
                self.base = Some(r.running.clone());
                drop(r);
                out.line("Transaction committed");
                out.line(&format!("Commit confirmed ,it will be rolled back within {m} minutes unless confirmed"));
                return Some(true);
            }
        }
        self.base = Some(r.running.clone());
        if confirmed_minutes.is_none() && r.pending_confirm.take().is_some() {
            drop(r);
            out.line("% Commit confirmed; automatic rollback cancelled");
        } else {
            drop(r);
        }
        out.line("Transaction committed");
        Some(true)
    }

    /// Discard the candidate and leave configuration mode.
    pub fn abort(&mut self) {
        self.base = None;
        self.candidate = None;
        self.stack.clear();
    }

    /// Leave configuration mode, committing pending changes first (SmartEdge `end`).
    /// Returns false (and stays) if the commit failed.
    pub fn end(&mut self, out: &mut dyn Out) -> bool {
        if self.has_changes() && !self.commit(out, None, None) {
            return false;
        }
        self.candidate = None;
        self.base = None;
        self.stack.clear();
        true
    }

    /// Run one command line. Returns false if it was rejected.
    pub fn execute(&mut self, line: &str, out: &mut dyn Out) -> bool {
        let prompt_len = self.prompt().chars().count();
        self.execute_with_caret(line, prompt_len, out)
    }

    /// Run one line; the caret of an error is indented by `caret_indent` columns
    /// (the width of the prompt the line was echoed after).
    pub fn execute_with_caret(&mut self, line: &str, caret_indent: usize, out: &mut dyn Out) -> bool {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('!') {
            return true;
        }
        if line.len() > MAX_LINE {
            out.line(&format!("% Line too long ({} characters, at most {MAX_LINE})", line.len()));
            self.rejected += 1;
            return false;
        }
        if let Some(pos) = line.find(|c: char| c.is_control() && c != '\t') {
            out.line(&format!("{}^", " ".repeat(caret_indent + line[..pos].chars().count())));
            out.line("% Invalid input at '^' marker (control character).");
            self.rejected += 1;
            return false;
        }
        if self.record_history {
            if self.history.len() >= HISTORY_LINES {
                self.history.remove(0);
            }
            self.history.push(mask_secrets(trimmed));
        }
        if self.dialect == Dialect::Ios {
            let ok = crate::ios::execute(self, line, caret_indent, out);
            // IOS's commit: changes reach the engine when configuration mode is left.
            if !self.in_config() {
                self.router().ios_sync();
            }
            return ok;
        }
        let kind = self.stack.last().map(|f| f.kind()).unwrap_or(smartedge::ModeKind::Exec);
        let graphs = smartedge::graphs();
        let first = graphs.get(kind).parse(line);
        let (handler, args, level) = match first {
            Ok(m) => (m.command.payload, Args { bindings: m.bindings, line: line.to_string() }, None),
            Err(err) => {
                // Not valid here: try the parent modes, as the box does with pasted configs.
                let mut found = None;
                if self.stack.len() > 1 && !matches!(err, ParseError::Empty) {
                    for lvl in (1..self.stack.len()).rev() {
                        let k = self.stack[lvl - 1].kind();
                        if let Ok(m) = graphs.get(k).parse(line) {
                            found = Some((m.command.payload, Args { bindings: m.bindings, line: line.to_string() }, Some(lvl)));
                            break;
                        }
                    }
                }
                match found {
                    Some(f) => f,
                    None => {
                        report_parse_error(&err, line, caret_indent, out);
                        self.rejected += 1;
                        return false;
                    }
                }
            }
        };
        if self.privilege < 15 && self.stack.is_empty() && !low_privilege_allowed(&args) {
            out.line(&format!("% Permission denied: privilege level {} (enable 15 first)", self.privilege));
            self.rejected += 1;
            return false;
        }
        let saved_stack = level.map(|lvl| {
            let saved = self.stack.clone();
            self.stack.truncate(lvl);
            saved
        });
        match (handler.0)(self, &args, out) {
            Ok(()) => true,
            Err(msg) => {
                if let Some(saved) = saved_stack {
                    self.stack = saved;
                }
                if !msg.is_empty() {
                    out.line(&format!("% {msg}"));
                }
                self.rejected += 1;
                false
            }
        }
    }

    /// The modes a line is tried in: the current one, then its parents (as
    /// execution does for a line the current sub-mode does not know).
    fn ios_graphs_chain(&self) -> Vec<&'static edgesh_grammar::Graph<Handler>> {
        let g = crate::ios::graphs();
        let mut v = vec![g.get(crate::ios::mode(self))];
        for f in self.ios.stack.iter().rev().skip(1) {
            v.push(g.get(f.mode));
        }
        v
    }

    fn mode_chain(&self) -> Vec<smartedge::ModeKind> {
        let mut v: Vec<smartedge::ModeKind> = self.stack.iter().rev().map(|f| f.kind()).collect();
        if v.is_empty() {
            v.push(smartedge::ModeKind::Exec);
        }
        v
    }

    /// `?` help: the current mode's, or that of the parent mode that knows the
    /// first word (so help matches what Enter would run).
    pub fn help(&self, line: &str) -> Result<Vec<edgesh_grammar::HelpItem>, ParseError> {
        let chain: Vec<&edgesh_grammar::Graph<Handler>> = match self.dialect {
            Dialect::Ios => self.ios_graphs_chain(),
            Dialect::SmartEdge => self.mode_chain().into_iter().map(|k| smartedge::graphs().get(k)).collect(),
        };
        let first = chain[0].help(line);
        if first.is_ok() || !line.trim_start().contains(char::is_whitespace) {
            return first;
        }
        for g in &chain[1..] {
            if g.knows_first_word(line) {
                return g.help(line);
            }
        }
        first
    }

    /// TAB completion, with the same parent-mode rule as `?`.
    pub fn complete(&self, line: &str) -> edgesh_grammar::Completion {
        let chain: Vec<&edgesh_grammar::Graph<Handler>> = match self.dialect {
            Dialect::Ios => self.ios_graphs_chain(),
            Dialect::SmartEdge => self.mode_chain().into_iter().map(|k| smartedge::graphs().get(k)).collect(),
        };
        let g0 = chain[0];
        if g0.knows_first_word(line) || !line.trim_start().contains(char::is_whitespace) {
            return g0.complete(line);
        }
        for g in &chain[1..] {
            if g.knows_first_word(line) {
                return g.complete(line);
            }
        }
        g0.complete(line)
    }

    /// Does the line parse in the current mode (or a parent)? A line that
    /// does not gets its error printed without the pipes applied.
    pub fn parses(&self, line: &str) -> bool {
        let t = line.trim_start();
        let t = if self.dialect == Dialect::Ios { t.strip_prefix("do ").unwrap_or(t) } else { t };
        let chain: Vec<&edgesh_grammar::Graph<Handler>> = match self.dialect {
            Dialect::Ios => {
                let mut v = self.ios_graphs_chain();
                v.push(crate::ios::graphs().get(if self.ios.privileged { crate::ios::IosMode::Exec } else { crate::ios::IosMode::UserExec }));
                v
            }
            Dialect::SmartEdge => self.mode_chain().into_iter().map(|k| smartedge::graphs().get(k)).collect(),
        };
        chain.iter().any(|g| g.parse(t).is_ok())
    }

    /// Is this line a show command (whose output may be piped)?
    pub fn is_show(&self, line: &str) -> bool {
        let mut words = line.split_whitespace();
        let mut w = words.next().unwrap_or("").to_ascii_lowercase();
        if self.dialect == Dialect::Ios && w == "do" {
            w = words.next().unwrap_or("").to_ascii_lowercase();
        }
        w.len() >= 2 && "show".starts_with(&w)
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

/// The file `save configuration` writes and the next start loads, in the state directory.
pub const STARTUP_FILE: &str = "edgesh.cfg";

/// Write the configuration so that a crash leaves either the old file or the
/// new one, never a torn one, readable by its owner only
/// ([`crate::statefs::write_private`]).
pub fn save_atomically(path: &std::path::Path, cfg: &Config) -> std::io::Result<()> {
    crate::statefs::write_private(path, |w| {
        let mut out = crate::statefs::CheckedOut::new(w);
        crate::smartedge::render::render(cfg, &crate::smartedge::render::Selection::all(), &mut out);
        out.result()
    })
}

/// A typed line as `show history` keeps it: clear-text passwords and
/// secrets masked (they are stored hashed and must not come back in clear).
pub fn mask_secrets(line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        out.push(w[i].to_string());
        if w[i] == "encrypted" && i + 2 < w.len() && w[i + 1] == "1" {
            out.push("1".into());
            out.push(if crate::passwords::is_md5_crypt(w[i + 2]) { w[i + 2].to_string() } else { "*****".into() });
            i += 3;
            continue;
        }
        if matches!(w[i], "password" | "secret") && i + 1 < w.len() {
            // `secret 5 $1$...` is already hashed; `secret 0 x`, `secret x`, `password x` are not.
            let (ty, val) = if matches!(w[i + 1], "0" | "5" | "7" | "8" | "9") && i + 2 < w.len() { (Some(w[i + 1]), i + 2) } else { (None, i + 1) };
            if let Some(t) = ty {
                out.push(t.to_string());
            }
            out.push(if matches!(ty, Some("5" | "8" | "9")) { w[val].to_string() } else { "*****".to_string() });
            i = val + 1;
            continue;
        }
        i += 1;
    }
    crate::keymask::mask_keys(&out.join(" "))
}

/// The longest command line accepted.
pub const MAX_LINE: usize = 4096;

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
mod privilege_tests {
    use super::*;
    use crate::out::VecOut;

    /// Below level 15 a SmartEdge session may show state, but never the
    /// configuration or the session keys.
    #[test]
    fn low_privilege_sees_no_secrets() {
        let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, std::env::temp_dir())));
        let mut s = Session::new(r, SessionOptions::default());
        s.privilege = 1;
        for (line, ok) in [("show ike keys tshark", false), ("show configuration", false), ("show tunnel ipsec", true), ("show clock", true)] {
            let mut o = VecOut::default();
            assert_eq!(s.execute(line, &mut o), ok, "{line}: {:?}", o);
        }
    }
}
