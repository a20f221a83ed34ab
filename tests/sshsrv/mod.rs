//! What the SSH test binaries (`ssh.rs`, `ssh_limits.rs`, `ssh_json.rs`)
//! share: edgesh started with an SSH listener on 127.0.0.1 (the port read
//! from its `% SSH server listening on` line), its standard error kept as a
//! log, and OpenSSH's `ssh` client with the password passed through
//! `SSH_ASKPASS` (no sshpass needed).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Server {
    pub child: Child,
    pub port: u16,
    /// Holds `boot.cfg`, `askpass.sh` and the state directory `state/`.
    pub dir: PathBuf,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// False (after a loud message) where there is no OpenSSH client.
pub fn have_ssh() -> bool {
    let ok = Command::new("ssh").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("!!! SKIPPED: no OpenSSH `ssh` client on this machine (.ci/run installs openssh-client)");
    }
    ok
}

/// A fresh directory for one test (`name` and this process make it unique).
pub fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgesh-ssh-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Start edgesh in a fresh directory with SSH on an ephemeral port.
pub fn start(name: &str, dialect: &str, config: &str) -> Server {
    start_in(&tmpdir(name), dialect, config, &["--ssh", "127.0.0.1:0"])
}

/// Start edgesh in `dir` with `config` as its boot configuration and `extra`
/// arguments (`--ssh 127.0.0.1:0` unless the configuration opens SSH itself);
/// returns once it listens.
pub fn start_in(dir: &Path, dialect: &str, config: &str, extra: &[&str]) -> Server {
    let cfg = dir.join("boot.cfg");
    std::fs::write(&cfg, config).unwrap();
    let askpass = dir.join("askpass.sh");
    std::fs::write(&askpass, "#!/bin/sh\nprintf '%s\\n' \"$EDGESH_TEST_PW\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    let state = dir.join("state");
    let mut args =
        vec!["--dialect", dialect, "--config", cfg.to_str().unwrap(), "--state-dir", state.to_str().unwrap()];
    args.extend_from_slice(extra);
    launch(dir, &args).0
}

/// Run edgesh with `args` until it says it listens for SSH; the server (whose
/// `askpass.sh` is looked for in `dir`) and what edgesh said before that line.
pub fn launch(dir: &Path, args: &[&str]) -> (Server, String) {
    // These tests run in the machine's own namespace: edgesh installs no routes there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgesh"))
        .arg("--no-routes")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start edgesh");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut port, mut said, mut line) = (0, String::new(), String::new());
    while err.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(a) = line.trim().strip_prefix("% SSH server listening on ") {
            port = a.rsplit(':').next().unwrap().parse().unwrap();
            break;
        }
        said.push_str(&line);
        line.clear();
    }
    assert!(port > 0, "no listening line from edgesh: {said}");
    // Keep reading standard error (so edgesh never blocks on it) into the log.
    let log = Arc::new(Mutex::new(String::new()));
    let l2 = log.clone();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            let mut l = l2.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    (Server { child, port, dir: dir.to_path_buf(), log }, said)
}

impl Server {
    /// `ssh` to this server as `user` with `password` (a PTY with `tty`).
    pub fn ssh(&self, user: &str, password: &str, tty: bool) -> Command {
        self.ssh_to("127.0.0.1", user, password, tty)
    }

    /// The same, to this server's port on `host` (`::1` where it listens there).
    pub fn ssh_to(&self, host: &str, user: &str, password: &str, tty: bool) -> Command {
        let mut c = Command::new("ssh");
        c.args([
            "-p",
            &self.port.to_string(),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ]);
        c.args([
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "NumberOfPasswordPrompts=1",
            "-o",
            "ConnectTimeout=20",
        ]);
        if tty {
            c.arg("-tt");
        }
        c.arg(format!("{user}@{host}"));
        self.askpass(&mut c, password);
        c
    }

    /// Give `c` (an `ssh` command line) `password` through `SSH_ASKPASS`.
    pub fn askpass(&self, c: &mut Command, password: &str) {
        c.env("SSH_ASKPASS", self.dir.join("askpass.sh"))
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", ":0")
            .env("EDGESH_TEST_PW", password);
    }

    /// Run `cmd` over an exec channel (no PTY, nothing on standard input).
    pub fn exec(&self, user: &str, password: &str, cmd: &str) -> Output {
        self.ssh(user, password, false).arg(cmd).stdin(Stdio::null()).output().expect("run ssh")
    }

    /// What edgesh printed on standard error after it started listening.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The log once it contains `what` (10 s at most, else a panic).
    pub fn wait_log(&self, what: &str) -> String {
        for _ in 0..100 {
            let log = self.log();
            if log.contains(what) {
                return log;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no {what:?} in the log: {}", self.log());
    }
}

/// Standard output as text.
pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
