//! A user's session and the router state shared by all sessions, and what
//! a dialect must provide ([`DialectOps`]): the session core runs a line
//! (length, control characters, history), `?`, TAB and the prompt by asking
//! its dialect. Each dialect's own state and semantics live in its folder
//! (SmartEdge's candidate and commit: `smartedge/candidate.rs`; IOS's
//! document: `ios/`); logging in and privilege: `privilege.rs`.

use crate::out::Out;
use crate::smartedge::modes::Frame;
use edgesh_engine::Config;
use edgesh_engine::validate::{Problem, validate};
use edgesh_grammar::{Graph, ParseError};
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
    pub ios_doc: crate::ios::doc::IosDoc,
    /// The IOS startup configuration (`write memory`).
    pub ios_startup: Option<crate::ios::doc::IosDoc>,
    /// Automatic rollbacks so far, and the configuration the last one undid
    /// (sessions whose candidate was that configuration drop it).
    pub rollbacks: u64,
    pub last_undone: Option<Arc<Config>>,
    /// PKI stores per context (SmartEdge section 6.1).
    pub pki: std::collections::BTreeMap<String, crate::smartedge::pki_store::PkiStore>,
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
    pub debug: crate::monitor::DebugFlags,
    /// Log and debug lines for watching sessions.
    pub monitor: crate::monitor::Monitor,
    /// Failed `enable` secrets per user (`crate::privauth`).
    pub enable_failures: crate::enable_failures::EnableFailures,
    /// The log buffer's rate limit, counts, size and destinations (`crate::logbuf`).
    pub logctl: crate::logctl::LogControl,
    /// The IOS document the engine last ran from.
    pub ios_compiled: Option<crate::ios::doc::IosDoc>,
    /// IOS: the running document as the engine model (compiled when the engine took it).
    pub ios_model: Arc<Config>,
    /// The ASA dialect's state (`asa/`).
    pub asa: crate::asa::state::AsaRouter,
    /// The engine events of each peer, bounded, for the diagnosis commands (`crate::diagnose`).
    pub diag: crate::diag_history::History,
    /// Host devices that stand for interfaces of the configuration (a
    /// route-based tunnel's TUN device, `shell/src/dataplane/tunif.rs`):
    /// interface name -> up. The line protocol of such an interface is the
    /// device's state; empty in the lab, where the configuration says it.
    pub host_links: std::collections::BTreeMap<String, bool>,
    /// IOS `key config-key password-encrypt KEY` was given: a master key
    /// for type 6 keys is set. The key itself is not kept (IOS never shows
    /// it; edgesh cannot decrypt type 6 with it: Cisco does not publish the
    /// algorithm), only that there is one, for IOS's messages.
    pub ios_master_key: bool,
    /// IOS: each VTI's line protocol as last logged (`%LINEPROTO-5-UPDOWN`),
    /// and the engine's child-SA generation it was read at.
    pub ios_vti_links: (u64, std::collections::BTreeMap<String, bool>),
    /// The router's own ICMP echo for `ping` (`shell/src/ping.rs`), where
    /// edgesh has a network; `None` in the lab (the echoes are reported lost).
    pub pinger: Option<Pinger>,
    /// Hands the engine the packets and bytes the dataplane's threads
    /// counted since the network thread last did (`shell/src/dataplane`);
    /// run before each command line, so a `show` right after traffic
    /// counts every packet already delivered. `None` in the lab.
    pub pending_counts: Option<CountFlush>,
}

/// What [`Router::pending_counts`] runs: reports the dataplane's untold counts to the engine.
#[derive(Clone)]
pub struct CountFlush(pub Arc<dyn Fn(&mut edgesh_engine::driver::Driver) + Send + Sync>);

impl std::fmt::Debug for CountFlush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CountFlush")
    }
}

/// One ICMP echo: (source, destination, sequence number, timeout) → the
/// round-trip time, or `None` when no reply came in time.
#[derive(Clone)]
pub struct Pinger(
    pub  Arc<
        dyn Fn(Option<std::net::Ipv4Addr>, std::net::Ipv4Addr, u16, std::time::Duration) -> Option<std::time::Duration>
            + Send
            + Sync,
    >,
);

impl std::fmt::Debug for Pinger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pinger")
    }
}

/// A user who logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginUser {
    pub name: String,
    /// Privilege level at login.
    pub privilege: u8,
    /// Highest level `enable` may reach without the enable secret.
    pub max_privilege: u8,
    /// The context a SmartEdge administrator starts in.
    pub context: String,
}

/// What loading a whole configuration file did.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Command lines read.
    pub lines: usize,
    /// Messages for the user: `file:line: ...`.
    pub messages: Vec<String>,
    /// Lines rejected.
    pub rejected: usize,
    /// Whole-configuration errors found at commit (the objects stay down).
    pub commit_errors: usize,
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
    /// Tell the engine what the dataplane counted and has not yet reported
    /// (see [`Router::pending_counts`]).
    pub fn flush_counts(&mut self) {
        if let Some(f) = self.pending_counts.clone() {
            (f.0)(&mut self.engine);
        }
    }

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
            ios_doc: crate::ios::doc::IosDoc::new("Router"),
            ios_startup: None,
            pki: std::collections::BTreeMap::new(),
            rollbacks: 0,
            last_undone: None,
            logins: std::collections::BTreeMap::new(),
            next_login_id: 1,
            clear_requests: std::collections::BTreeSet::new(),
            commit_gate: Arc::new(Mutex::new(())),
            dialect: Dialect::default(),
            engine: edgesh_engine::driver::Driver::new(seed, clock),
            debug: Default::default(),
            monitor: Default::default(),
            enable_failures: Default::default(),
            logctl: Default::default(),
            ios_compiled: None,
            ios_model: Arc::new(Config::new("Router")),
            asa: Default::default(),
            diag: Default::default(),
            host_links: Default::default(),
            ios_master_key: false,
            ios_vti_links: Default::default(),
            pinger: None,
            pending_counts: None,
        };
        r.boot_time = r.now();
        r.history.push_back(CommitRecord {
            id: 0,
            time: r.boot_time,
            user: "system".into(),
            comment: Some("initial configuration".into()),
            config: running,
            previous: None,
        });
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

    /// Make `config` running and record it.
    pub fn install(&mut self, config: Config, user: &str, comment: Option<String>) -> u64 {
        let problems = validate(&config);
        self.install_checked(config, problems, user, comment)
    }

    /// Make `config` running, with the problems `validate` already found.
    pub fn install_checked(
        &mut self,
        config: Config,
        problems: Vec<Problem>,
        user: &str,
        comment: Option<String>,
    ) -> u64 {
        self.problems = problems;
        let previous = std::mem::replace(&mut self.running, Arc::new(config));
        let id = self.next_commit_id;
        self.next_commit_id += 1;
        self.history.push_back(CommitRecord {
            id,
            time: self.now(),
            user: user.to_string(),
            comment,
            config: self.running.clone(),
            previous: Some(previous),
        });
        while self.history.len() > HISTORY_LIMIT {
            self.history.pop_front();
        }
        id
    }

    /// Timers: roll back an unconfirmed `commit confirmed`. Returns log lines to show.
    pub fn tick(&mut self) -> Vec<String> {
        let mut msgs = Vec::new();
        self.engine_tick();
        if let Some(p) = &self.pending_confirm
            && self.now() >= p.deadline
        {
            let p = self.pending_confirm.take().expect("checked above");
            let prev = (*p.previous).clone();
            let undone = self.running.clone();
            self.install(prev, "system", Some(format!("rollback of unconfirmed commit {}", p.commit_id)));
            self.rollbacks += 1;
            self.last_undone = Some(undone);
            msgs.push(self.log(
                "SYSTEM",
                4,
                "ROLLBACK",
                &format!("commit {} was not confirmed; configuration rolled back", p.commit_id),
            ));
            self.engine_sync();
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
        SessionOptions { user: "admin".into(), context: "local".into(), dialect: Dialect::default() }
    }
}

/// The parsed arguments of a command, read by label and typed
/// ([`edgesh_grammar::Args`]: `a.u32("seconds")`, `a.ipv4("peer")`).
pub type Args = edgesh_grammar::Args<'static>;

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
    /// Dialogs ended unanswered by a line they could not take (a paste that
    /// never ended): counted here so that a configuration loader reports them.
    pub abandoned: usize,
    /// The screen column where the line being run starts (after its
    /// prompt and its own indentation): where a handler's caret counts from.
    pub line_col: usize,
    pub wants_exit: bool,
    /// Lines typed (`show history`), the last [`HISTORY_LINES`].
    pub history: Vec<String>,
    /// Keep typed lines in `history` (not when loading a file).
    pub record_history: bool,
    /// Messages waiting to be shown (logs, rollbacks).
    pub pending: Vec<String>,
    pub dialect: Dialect,
    /// Automatic rollbacks this session has seen.
    pub(crate) seen_rollbacks: u64,
    /// `terminal monitor`: log messages appear in this session.
    pub monitor: bool,
    /// The last monitor line this session has shown.
    pub monitor_seen: u64,
    /// IOS dialect state (mode stack, privilege).
    pub ios: crate::ios::state::IosSession,
    /// ASA dialect state (mode stack).
    pub asa: crate::asa::state::AsaSession,
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
    pub(crate) secret_tries: u8,
    /// The running configuration the candidate started from: a commit is
    /// refused when another session committed meanwhile.
    pub(crate) base: Option<Arc<Config>>,
    /// Questions a command is asking (`crate::dialog`): the next lines answer them.
    pub dialog: Option<Box<dyn crate::dialog::Dialog<Session>>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.dialect.ops().on_close(self);
        if let Some(id) = self.login_id.take() {
            let mut r = self.router();
            r.logins.remove(&id);
            r.clear_requests.remove(&id);
        }
    }
}

/// The CLI dialect of a session: a name. What a dialect does is its
/// [`DialectOps`]; `crate::DIALECTS` (in `lib.rs`, in this order) is the one
/// place that knows every dialect's folder and `--dialect` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    SmartEdge,
    Ios,
    /// Cisco ASA (`asa/`).
    Asa,
}

/// What a CLI dialect provides. Each dialect is a folder of `modes/src/`
/// with one value implementing this (`smartedge::SmartEdge`, `ios::Ios`);
/// the session core, the terminal and the engine bridge ask it instead of
/// branching on the dialect.
pub trait DialectOps: Sync {
    /// The prompt (`[local]edgesh#`, `Router(config)#`).
    fn prompt(&self, s: &Session) -> String;
    /// Is the session in a configuration mode?
    fn in_config(&self, s: &Session) -> bool;
    /// Run one line (length, control characters and history are done).
    /// False when it was rejected.
    fn execute(&self, s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool;
    /// The command graphs `?` and TAB use: the current mode's first, then
    /// its parents' (a line the current mode does not know is run there).
    fn graphs(&self, s: &Session) -> Vec<&'static Graph<Handler>>;
    /// The graphs a line may run in (IOS adds exec, for `do`), and the line
    /// as they see it.
    fn run_graphs<'a>(&self, s: &Session, line: &'a str) -> (Vec<&'static Graph<Handler>>, &'a str) {
        (self.graphs(s), line)
    }
    /// Is this a show command (whose output may be piped)?
    fn is_show(&self, line: &str) -> bool {
        let w = line.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        w.len() >= 2 && "show".starts_with(&w)
    }
    /// A line that does not parse, with the dialect's caret and wording.
    fn report(&self, err: &ParseError, line: &str, indent: usize, out: &mut dyn Out);
    /// The privilege level a new session starts at.
    fn initial_privilege(&self) -> u8;
    /// May `enable` go up to the user's maximum level without a secret?
    fn enable_up_to_max(&self) -> bool;
    /// Does `enable` ask for the enable secret when one is configured?
    fn enable_asks_secret(&self) -> bool;
    /// What `enable` says when the user may not go up.
    fn enable_denied(&self, s: &Session) -> String;
    /// Does a login put the session in the user's context?
    fn login_sets_context(&self) -> bool;
    /// After a line ran (IOS: leaving configuration mode commits).
    fn after_line(&self, _s: &mut Session) {}
    /// The session goes away.
    fn on_close(&self, _s: &mut Session) {}
    /// The engine's configuration: the dialect's running configuration
    /// compiled into the engine model.
    fn engine_conf(&self, r: &mut Router) -> edgesh_engine::ike::EngineConf;
    /// A crypto log line in the dialect's format, kept in the log buffer.
    fn crypto_log(&self, r: &mut Router, sev: u8, mnemonic: &str, text: &str) -> String;
    /// The log lines of an engine event: (severity, mnemonic, text).
    fn event_log(&self, e: &edgesh_engine::ike::Event) -> Vec<(u8, &'static str, String)>;
    /// The debug lines of an engine event.
    fn event_debug(&self, e: &edgesh_engine::ike::Event, f: &crate::monitor::DebugFlags) -> Vec<String>;
    /// The log lines of what the engine's events changed beyond themselves,
    /// once they are all taken in (IOS: a VTI's line protocol following its
    /// IPsec SA, `%LINEPROTO-5-UPDOWN`): (severity, mnemonic, text).
    fn after_events(&self, _r: &mut Router) -> Vec<(u8, &'static str, String)> {
        Vec::new()
    }
    /// The log lines of an event, for a dialect whose wording needs what the
    /// event does not carry (the ASA names the peer's interface).
    fn event_log_at(&self, _r: &Router, e: &edgesh_engine::ike::Event) -> Vec<(u8, &'static str, String)> {
        self.event_log(e)
    }
    /// The engine model this dialect compiled from its configuration (what
    /// the engine runs): SmartEdge's running configuration by default.
    fn engine_model(&self, r: &Router) -> Arc<edgesh_engine::Config> {
        r.running.clone()
    }
    /// What a debug line starts with (`*Nov 22 14:37:44.000: `; the ASA prints none).
    fn debug_stamp(&self, r: &Router) -> String {
        format!("*{}.{:03}: ", crate::time::log_time(r.now()), r.now_ms() % 1000)
    }
    /// The debug lines of an event, with the router at hand (as [`DialectOps::event_log_at`]).
    fn event_debug_at(
        &self,
        _r: &Router,
        e: &edgesh_engine::ike::Event,
        f: &crate::monitor::DebugFlags,
    ) -> Vec<String> {
        self.event_debug(e, f)
    }
    /// The log line of rejected ESP packets ([`edgesh_engine::ike::Event::EspDropped`]), if the dialect logs that kind.
    fn esp_drop_log(&self, _r: &Router, _e: &edgesh_engine::ike::Event) -> Option<crate::logctl::LogLine> {
        None
    }
    /// The device's own rate limit of a drop line of `kind` (its
    /// [`LogLine::kind`](crate::logctl::LogLine)): at most one such line
    /// every so many milliseconds, the rest counted as suppressed (the
    /// ASA's 402119 and 402120); `None`: only the log buffer's windows.
    fn esp_drop_every_ms(&self, _kind: &str) -> Option<u64> {
        None
    }
    /// `| json`: the state of the show command declared as `spec`, as
    /// JSON (`crate::json`); `None` when that command has no JSON form.
    fn show_json(&self, _s: &mut Session, _spec: &str, _a: &Args) -> Option<Result<serde_json::Value, String>> {
        None
    }
    /// The log mnemonic of a socket the engine cannot use.
    fn socket_mnemonic(&self) -> &'static str;
    /// Where the configuration asks the SSH server to listen.
    fn ssh_listen(&self, r: &Router) -> Option<std::net::SocketAddr>;
    /// Does the configuration let `user` in with this public key (its
    /// algorithm name and wire-format blob)?
    fn ssh_key_allowed(&self, r: &Router, user: &str, algorithm: &str, blob: &[u8]) -> bool;

    // Logging in (`crate::auth` asks these).
    /// Is any user configured who could log in?
    fn users_configured(&self, r: &Router) -> bool;
    /// Check a user name and password. `None` for a wrong password and for
    /// an unknown user alike, taking as long ([`crate::auth::no_such_user`]).
    fn authenticate(&self, r: &Router, user: &str, password: &str) -> Option<LoginUser>;
    /// The user `name` logs in as once a public key proved who it is.
    fn key_user(&self, r: &Router, name: &str) -> Option<LoginUser>;
    /// How long a session of `user` may stay idle (`None`: never times out).
    fn idle_timeout(&self, r: &Router, user: &str) -> Option<std::time::Duration>;
    /// Is an enable secret configured?
    fn enable_secret_set(&self, _r: &Router) -> bool {
        false
    }
    /// Is `password` the configured enable secret?
    fn enable_secret_matches(&self, _r: &Router, _password: &str) -> bool {
        false
    }

    // Files and start-up.
    /// The router's file systems, as `%` messages name them (`/flash, /md`).
    fn file_systems(&self) -> &'static str;
    /// Where the file `name` of the router's file systems is: a directory
    /// under the state directory (`""` is the state directory itself) and
    /// the name in it, or why the name is refused (`crate::statefs::resolve`
    /// checks the rest).
    fn locate_file<'a>(&self, name: &'a str) -> Result<(&'static str, &'a str), &'static str>;
    /// The configuration file the dialect saves in the state directory and
    /// loads at start (`edgesh.cfg`, `startup-config`).
    fn startup_file(&self) -> &'static str;
    /// Load a configuration file at start (`--config`, or the startup file
    /// when `startup`) as the running configuration; a bad line is reported
    /// with its number and the rest still loads. `hostname` (`--hostname`)
    /// wins over the file's.
    fn load_boot(
        &self,
        router: &Arc<Mutex<Router>>,
        text: &str,
        file: &str,
        startup: bool,
        hostname: Option<&str>,
    ) -> LoadReport;
    /// `--hostname` at start, before any file is loaded.
    fn set_boot_hostname(&self, r: &mut Router, name: &str);

    // The terminal.
    /// The pager's prompt (`---(more)---`).
    fn more_prompt(&self) -> &'static str;
    /// Does `| section` keep whole top-level sections in which any line
    /// matches, rather than the matching lines and the lines under them?
    fn whole_sections(&self) -> bool {
        false
    }
}

impl Session {
    pub fn new(router: Arc<Mutex<Router>>, opts: SessionOptions) -> Self {
        let monitor_seen = router.lock().map(|r| r.monitor.seq()).unwrap_or(0);
        Session {
            router,
            user: opts.user,
            exec_context: opts.context,
            line_col: 0,
            stack: Vec::new(),
            candidate: None,
            terminal_length: None,
            terminal_width: 80,
            rejected: 0,
            abandoned: 0,
            wants_exit: false,
            history: Vec::new(),
            record_history: true,
            pending: Vec::new(),
            dialect: opts.dialect,
            seen_rollbacks: 0,
            monitor: false,
            monitor_seen,
            ios: crate::ios::state::IosSession::default(),
            asa: Default::default(),
            // IOS starts in user exec (`Router>`), SmartEdge at level 15.
            privilege: opts.dialect.ops().initial_privilege(),
            max_privilege: 15,
            authenticated: false,
            login_id: None,
            wants_secret: None,
            dialog: None,
            secret_tries: 0,
            base: None,
        }
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
        if let Some(d) = &self.dialog {
            return d.prompt();
        }
        self.dialect.ops().prompt(self)
    }

    pub fn in_config(&self) -> bool {
        self.dialect.ops().in_config(self)
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
            let (seq, lines) = r.monitor.since(self.monitor_seen, self.monitor);
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
            if let (Some(c), Some(u)) = (&self.candidate, undone)
                && *c == *u
            {
                self.candidate = Some((*running).clone());
                self.base = Some(running.clone());
                m.push("% The candidate configuration was reset to the rolled-back running configuration".into());
            }
        }
        m.append(&mut self.pending);
        m
    }

    /// Run one command line. Returns false if it was rejected.
    pub fn execute(&mut self, line: &str, out: &mut dyn Out) -> bool {
        let prompt_len = self.prompt().chars().count();
        self.execute_with_caret(line, prompt_len, out)
    }

    /// Run one line; the caret of an error is indented by `caret_indent` columns
    /// (the width of the prompt the line was echoed after).
    pub fn execute_with_caret(&mut self, line: &str, caret_indent: usize, out: &mut dyn Out) -> bool {
        // A line typed while a dialog is open answers it; one it cannot take ends it
        // (counted as a rejected line: the command that opened it did nothing) and runs.
        if let Some(d) = self.dialog.take() {
            if d.takes(line) {
                self.dialog = d.answer(self, line, out);
                return true;
            }
            d.abandon(self, out);
            self.rejected += 1;
            self.abandoned += 1;
        }
        let trimmed = line.trim();
        // (A question waiting for its answer takes an empty line too: Enter confirms.)
        if (trimmed.is_empty() || trimmed.starts_with('!')) && self.ios.confirm.is_none() {
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
        self.line_col = caret_indent + line[..line.len() - line.trim_start().len()].chars().count();
        self.router().flush_counts();
        let ops = self.dialect.ops();
        let ok = ops.execute(self, line, caret_indent, out);
        ops.after_line(self);
        ok
    }

    /// `?` help: the current mode's, or that of the parent mode that knows the
    /// first word (so help matches what Enter would run).
    pub fn help(&self, line: &str) -> Result<Vec<edgesh_grammar::HelpItem>, ParseError> {
        let chain = self.dialect.ops().graphs(self);
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
        complete_in(&self.dialect.ops().graphs(self), line)
    }

    /// TAB completion as it stands in the session's current mode, to keep
    /// (the rustyline console asks while the session is busy reading).
    pub fn completer(&self) -> impl Fn(&str) -> edgesh_grammar::Completion + Send + Sync + 'static {
        let chain = self.dialect.ops().graphs(self);
        move |line: &str| complete_in(&chain, line)
    }

    /// Print a line that does not parse, the dialect's way.
    pub fn report_error(&self, err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) {
        self.dialect.ops().report(err, line, indent, out)
    }

    /// Does the line parse in the current mode (or a parent)? A line that
    /// does not gets its error printed without the pipes applied.
    pub fn parses(&self, line: &str) -> bool {
        let (chain, t) = self.dialect.ops().run_graphs(self, line.trim_start());
        chain.iter().any(|g| g.parse(t).is_ok())
    }

    /// Is this line a show command (whose output may be piped)?
    pub fn is_show(&self, line: &str) -> bool {
        self.dialect.ops().is_show(line)
    }
}

/// TAB completion in a chain of graphs (current mode first): the current
/// mode's, or that of the parent that knows the first word.
fn complete_in(chain: &[&'static Graph<Handler>], line: &str) -> edgesh_grammar::Completion {
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
            let (ty, val) = if matches!(w[i + 1], "0" | "5" | "7" | "8" | "9") && i + 2 < w.len() {
                (Some(w[i + 1]), i + 2)
            } else {
                (None, i + 1)
            };
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
        for (line, ok) in [
            ("show ike keys tshark", false),
            ("show configuration", false),
            ("show tunnel ipsec", true),
            ("show clock", true),
        ] {
            let mut o = VecOut::default();
            assert_eq!(s.execute(line, &mut o), ok, "{line}: {:?}", o);
        }
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;
    use crate::out::VecOut;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Each command line first hands the engine the dataplane's untold
    /// counts (a `show` right after traffic must count it); empty lines do not.
    #[test]
    fn a_command_line_reports_the_dataplane_counts_first() {
        let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, std::env::temp_dir())));
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        r.lock().unwrap().pending_counts = Some(CountFlush(Arc::new(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        })));
        let mut s = Session::new(r, SessionOptions::default());
        let mut o = VecOut::default();
        s.execute("", &mut o);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        s.execute("show clock", &mut o);
        s.execute("show tunnel ipsec", &mut o);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
