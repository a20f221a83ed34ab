//! The `edgesh` command line.
//!
//! ```text
//! edgesh [--dialect smartedge|ios] [--hostname NAME] [--config FILE] [--state-dir DIR]
//!        [--virtual-clock EPOCH-SECONDS] [--seed N]
//! ```
//! On a terminal: the interactive console. Otherwise standard input is read
//! as typed lines and the transcript a terminal user would see is written to
//! standard output; the exit status is 1 if any line was rejected.

use crate::terminal::Terminal;
use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Options shared by the console, pipes and golden transcripts.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub dialect: Dialect,
    /// `--dialect` was given (otherwise the saved configuration decides).
    pub dialect_given: bool,
    pub hostname: Option<String>,
    pub config: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    /// Use a virtual clock starting at this Unix time (deterministic output).
    pub virtual_clock: Option<u64>,
    pub seed: Option<u64>,
    /// Carry IKE over real UDP sockets (default with the real clock; `--no-network` turns it off).
    pub network: Option<bool>,
    /// `--ssh ADDR:PORT`: serve SSH there.
    pub ssh: Option<String>,
    /// `--login`: ask `Username:`/`Password:` before the console prompt.
    pub login: bool,
    /// `--ssh-login-grace`, `--ssh-max-startups`, `--ssh-per-source`.
    pub ssh_limits: crate::sshguard::Limits,
}

/// The usage text (the dialects' names from the registry, `edgesh_modes::DIALECTS`).
pub fn usage() -> String {
    format!(
        "usage: edgesh [--dialect {}] [--hostname NAME] [--config FILE] [--state-dir DIR]
              [--virtual-clock EPOCH-SECONDS] [--seed N] [--no-network] [--no-routes]
              [--dataplane kernel|userspace] [--ssh ADDR:PORT] [--login]
              [--ssh-login-grace SECONDS] [--ssh-max-startups START:RATE:FULL] [--ssh-per-source N]
       edgesh golden run [--bless] PATH...

On a terminal edgesh is an interactive router console. With standard input
not a terminal, each input line is run as if typed and the transcript is
written to standard output; the exit status is 1 if any line was rejected.

--ssh ADDR:PORT serves SSH (users from the configuration) until SIGTERM or
SIGINT, beside the console when on a terminal; without it, the
configuration's `ip ssh server listen A.B.C.D [port N]` (IOS) or `ssh server
listen A.B.C.D [port N]` (SmartEdge, context local) says where to listen.
--login asks Username: and Password: before the console prompt.
--no-routes: install no routes in the namespace's routing table (by default
the configuration's static routes and the tunnels' protected prefixes are
installed through rtnetlink, `proto 237`; see README, Routes edgesh installs).
--dataplane kernel asks the kernel at start whether it accepts an ESP state
(XFRM): if so, the kernel carries the ESP SAs (XFRM states and policies
edgesh installs), else the log says why the userspace dataplane (edgesh0,
the default) carries the traffic.
Before login, an SSH connection has --ssh-login-grace seconds (120) to
authenticate; unauthenticated connections are capped as OpenSSH's
MaxStartups (10:30:100: refused at random from 10, all from 100) and to
--ssh-per-source (10) from one address.",
        Dialect::names("|")
    )
}

impl Options {
    /// The real network is used with the real clock unless `--no-network`.
    pub fn wants_network(&self) -> bool {
        self.network.unwrap_or(self.virtual_clock.is_none())
    }
}

/// Parse options; `Err` carries the message for the user.
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--dialect" => {
                o.dialect_given = true;
                let d = val("--dialect")?;
                o.dialect = Dialect::from_name(&d)
                    .ok_or_else(|| format!("unknown dialect {d} ({})", Dialect::names(" or ")))?;
            }
            "--hostname" => o.hostname = Some(val("--hostname")?),
            "--config" => o.config = Some(PathBuf::from(val("--config")?)),
            "--state-dir" => o.state_dir = Some(PathBuf::from(val("--state-dir")?)),
            "--virtual-clock" => {
                o.virtual_clock =
                    Some(val("--virtual-clock")?.parse().map_err(|_| "--virtual-clock needs seconds since 1970")?)
            }
            "--seed" => o.seed = Some(val("--seed")?.parse().map_err(|_| "--seed needs a number")?),
            "--no-network" => o.network = Some(false),
            "--dataplane" => match val("--dataplane")?.as_str() {
                "kernel" => crate::xfrm::KERNEL_ASKED.store(true, std::sync::atomic::Ordering::Relaxed),
                "userspace" => crate::xfrm::KERNEL_ASKED.store(false, std::sync::atomic::Ordering::Relaxed),
                _ => return Err("--dataplane needs kernel or userspace".into()),
            },
            "--no-routes" => crate::routes::DISABLED.store(true, std::sync::atomic::Ordering::Relaxed),
            "--network" => o.network = Some(true),
            "--ssh" => o.ssh = Some(val("--ssh")?),
            "--login" => o.login = true,
            "--ssh-login-grace" => {
                o.ssh_limits.grace = std::time::Duration::from_secs(
                    val("--ssh-login-grace")?.parse().map_err(|_| "--ssh-login-grace needs seconds")?,
                )
            }
            "--ssh-max-startups" => o.ssh_limits.set_max_startups(&val("--ssh-max-startups")?)?,
            "--ssh-per-source" => {
                o.ssh_limits.per_source =
                    val("--ssh-per-source")?.parse().map_err(|_| "--ssh-per-source needs a number")?
            }
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    Ok(o)
}

/// The default state directory: `$XDG_STATE_HOME/edgesh`, else `~/.local/state/edgesh`.
pub fn default_state_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("edgesh");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(h).join(".local/state/edgesh");
    }
    PathBuf::from(".edgesh")
}

/// Build the router: the embedded default configuration, then `--config` or
/// the saved startup file. Load messages go to `err`.
pub fn build_router(o: &Options, err: &mut dyn Write) -> (Arc<Mutex<Router>>, usize) {
    build_router_with(o, err, |_| {})
}

/// [`build_router`], with `prepare` applied to the router before any configuration is loaded.
pub fn build_router_with(
    o: &Options,
    err: &mut dyn Write,
    prepare: impl FnOnce(&mut Router),
) -> (Arc<Mutex<Router>>, usize) {
    let host = o.hostname.clone().unwrap_or_else(|| "edgesh".to_string());
    let clock = o.virtual_clock.map(Clock::Virtual).unwrap_or(Clock::Real);
    let seed = o.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        t ^ (u64::from(std::process::id()) << 32)
    });
    let state_dir = o.state_dir.clone().unwrap_or_else(default_state_dir);
    // Temporary files left by a save that was killed (or hit a full disk).
    let stale = edgesh_modes::statefs::clean_stale_temps(&state_dir);
    if stale > 0 {
        let _ = writeln!(
            err,
            "% Removed {stale} temporary file{} left by an interrupted save in {}",
            if stale == 1 { "" } else { "s" },
            state_dir.display()
        );
    }
    // Without --dialect, the saved configuration decides (an IOS
    // `startup-config` and no SmartEdge `edgesh.cfg` means IOS).
    let dialect = if o.dialect_given { o.dialect } else { Dialect::from_saved(&state_dir) };
    let ops = dialect.ops();
    let router = Arc::new(Mutex::new(Router::new(Config::new(&host), clock, seed, state_dir.clone())));
    {
        let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
        r.dialect = dialect;
        prepare(&mut r);
        if let Some(h) = &o.hostname {
            ops.set_boot_hostname(&mut r, h);
        }
    }
    if o.wants_network() {
        if crate::xfrm::KERNEL_ASKED.load(std::sync::atomic::Ordering::Relaxed) {
            let why = crate::xfrm::start();
            eprintln!("% {why}");
            router.lock().unwrap_or_else(|e| e.into_inner()).crypto_log(4, "DATAPLANE", &why);
        }
        crate::net::spawn(router.clone());
        router.lock().unwrap_or_else(|e| e.into_inner()).pinger =
            Some(edgesh_modes::session::Pinger(Arc::new(crate::ping::echo)));
    }
    // `--config`, else the dialect's saved startup file.
    let startup = state_dir.join(ops.startup_file());
    let file = o.config.clone().or_else(|| Some(startup.clone()).filter(|p| p.exists()));
    let mut bad = 0;
    if let Some(f) = file {
        match std::fs::read(&f) {
            Ok(bytes) => {
                let rep = ops.load_boot(
                    &router,
                    &String::from_utf8_lossy(&bytes),
                    &f.display().to_string(),
                    f == startup,
                    o.hostname.as_deref(),
                );
                for m in &rep.messages {
                    let _ = writeln!(err, "{m}");
                }
                bad = rep.rejected + rep.commit_errors;
            }
            Err(e) => {
                let _ = writeln!(err, "% cannot read {}: {e}", f.display());
                bad += 1;
            }
        }
    }
    (router, bad)
}

/// Run standard input (not a terminal) as typed lines; returns the exit status.
pub fn run_piped(session: Session, input: impl BufRead, out: impl Write) -> i32 {
    let mut t = Terminal::new(session, std::io::BufWriter::new(out), true);
    t.paste_numbers = true;
    t.paste = true;
    t.prompt();
    for line in input.split(b'\n') {
        let Ok(mut line) = line else { break };
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        // A tab in a pasted file is indentation, not completion.
        for b in line.iter_mut() {
            if *b == b'\t' {
                *b = b' ';
            }
        }
        line.push(b'\n');
        t.feed(&line);
        // After a failed `enable` secret, input waits.
        while let Some(d) = t.hold_remaining() {
            std::thread::sleep(d);
            t.release_held();
        }
        if t.closed {
            break;
        }
    }
    t.finish();
    if t.session.rejected > 0 || !t.rejected_lines.is_empty() { 1 } else { 0 }
}

/// `edgesh [options]`: returns the process exit status.
pub fn run(args: &[String]) -> i32 {
    let _xfrm = crate::xfrm_sa::ExitGuard; // the kernel's SAs go with edgesh
    let o = match parse_args(args) {
        Ok(o) => o,
        Err(m) => {
            eprintln!("{m}");
            return if m == usage() { 0 } else { 2 };
        }
    };
    crate::sshguard::set_limits(o.ssh_limits.clone());
    let (router, bad) = build_router(&o, &mut std::io::stderr());
    // The dialect the router was built with (`--dialect`, or the saved configuration's).
    let dialect = router.lock().unwrap_or_else(|e| e.into_inner()).dialect;
    let mut session = Session::new(router.clone(), SessionOptions { dialect, ..Default::default() });
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    // The configuration's SSH listen line (IOS `ip ssh server listen`,
    // SmartEdge `ssh server listen`): on a terminal the server follows the
    // configuration beside the console; otherwise a boot configuration with
    // the line makes edgesh a server (standard input is not read), as --ssh does.
    let config_ssh = o.ssh.is_none()
        && o.wants_network()
        && (tty || edgesh_modes::sshconf::listen(&router.lock().unwrap_or_else(|e| e.into_inner()), dialect).is_some());
    if o.login && (tty || (o.ssh.is_none() && !config_ssh)) {
        match console_login(&router, dialect, tty) {
            Some(u) => session.login(&u, false, "console"),
            None => return 1,
        }
    }
    if let Some(addr) = &o.ssh {
        // The server keeps running when standard input is not a terminal or ends.
        return crate::ssh::serve(router, dialect, Some(addr), tty.then_some(session));
    }
    if config_ssh {
        return crate::ssh::serve(router, dialect, None, tty.then_some(session));
    }
    if tty {
        // Interactively, a rejected command is part of the dialogue, not a failure.
        crate::console::run(session);
        0
    } else {
        let code = run_piped(session, std::io::stdin().lock(), std::io::stdout().lock());
        if bad > 0 { 1 } else { code }
    }
}

/// Read one line from standard input; on a terminal with `hidden`, without echo.
fn read_line(hidden: bool, tty: bool) -> Option<String> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = if hidden && tty { tcgetattr(&stdin).ok() } else { None };
    if let Some(s) = &saved {
        let mut t = s.clone();
        t.local_flags.remove(LocalFlags::ECHO);
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, &t);
    }
    let mut line = String::new();
    let n = stdin.lock().read_line(&mut line);
    if let Some(s) = &saved {
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, s);
    }
    if hidden {
        println!();
    }
    match n {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// `--login`: `Username:` / `Password:` as on a router console, three
/// tries, a growing delay after each failure, the same answer whether or
/// not the user exists. `None`: no login (the caller exits).
pub fn console_login(
    router: &Arc<Mutex<Router>>,
    dialect: Dialect,
    tty: bool,
) -> Option<edgesh_modes::auth::LoginUser> {
    use edgesh_modes::auth;
    if !dialect.ops().users_configured(&router.lock().unwrap_or_else(|e| e.into_inner())) {
        println!("{}", auth::LOGIN_DISABLED);
        return None;
    }
    println!();
    println!("{}", auth::LOGIN_BANNER);
    println!();
    for attempt in 0..3u32 {
        print!("Username: ");
        let _ = std::io::stdout().flush();
        let user = read_line(false, tty)?;
        if !tty {
            // A transcript shows what was typed at Username: (never the password).
            println!("{user}");
        }
        print!("Password: ");
        let _ = std::io::stdout().flush();
        let pw = read_line(true, tty)?;
        let (found, line) =
            auth::console_attempt(&mut router.lock().unwrap_or_else(|e| e.into_inner()), dialect, &user, &pw);
        match found {
            Some(u) => return Some(u),
            None => {
                eprintln!("{line}");
                println!("% Login invalid");
                println!();
                if tty {
                    std::thread::sleep(std::time::Duration::from_millis(500 << attempt));
                }
            }
        }
    }
    println!("% Bad passwords");
    None
}
