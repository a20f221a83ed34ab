//! The SSH server driven by OpenSSH's `ssh` client: exec channels, an
//! interactive session on a PTY (expectrl), wrong passwords and unknown
//! users, privilege levels, 50 concurrent sessions pasting configurations,
//! a client that disconnects in the middle of a paste, and SIGTERM.
//!
//! The password reaches `ssh` through `SSH_ASKPASS` (no sshpass needed).

use expectrl::{Eof, Expect};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod sshsrv;

use sshsrv::*;

const IOS: &str = "hostname R1
username admin privilege 15 secret 0 cisco
username ops password 0 opspw
enable secret 0 en4ble
line vty 0 4
 exec-timeout 0 0
 login local
";

#[test]
fn ios_exec_channel_logins_and_host_key() {
    if !have_ssh() {
        return;
    }
    let dir = tmpdir("ios-exec");
    let key_pub;
    {
        let s = start_in(&dir, "ios", IOS, &["--ssh", "127.0.0.1:0"]);
        let o = s.exec("admin", "cisco", "show version");
        assert!(o.status.success(), "{o:?}");
        assert!(text(&o).contains("Cisco IOS Software"), "{}", text(&o));
        // Several commands, one per line; a rejected one gives status 1.
        let o = s.exec("admin", "cisco", "show running-config | include username\nshow bogus");
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        let t = text(&o);
        assert!(
            t.contains("username ops secret 5 $1$") && !t.contains("opspw"),
            "clear passwords are stored hashed: {t}"
        );
        assert!(t.contains("% Invalid input detected"), "{t}");
        // A level-1 user cannot configure.
        let o = s.exec("ops", "opspw", "configure terminal");
        assert_eq!(o.status.code(), Some(1));
        assert!(text(&o).contains("% Invalid input detected"), "{}", text(&o));
        // Wrong password and unknown user: refused alike, logged alike, the password never logged.
        let bad = s.exec("admin", "wrong-secret-1", "show version");
        assert_eq!(bad.status.code(), Some(255));
        let unknown = s.exec("nobody", "wrong-secret-2", "show version");
        assert_eq!(unknown.status.code(), Some(255));
        assert_eq!(
            String::from_utf8_lossy(&bad.stderr).replace("admin", "X"),
            String::from_utf8_lossy(&unknown.stderr).replace("nobody", "X")
        );
        std::thread::sleep(Duration::from_millis(200));
        let log = s.log();
        assert!(
            log.contains(
                "LOGIN_FAILED: Login failed [user: admin] [Source: 127.0.0.1] [Reason: Login Authentication Failed]"
            ),
            "{log}"
        );
        assert!(
            log.contains(
                "LOGIN_FAILED: Login failed [user: nobody] [Source: 127.0.0.1] [Reason: Login Authentication Failed]"
            ),
            "{log}"
        );
        assert!(!log.contains("wrong-secret") && !log.contains("cisco\n"), "{log}");
        // The failure delay grows per source, and a success resets it.
        let t0 = std::time::Instant::now();
        let _ = s.exec("admin", "wrong-secret-3", "show version");
        assert!(
            t0.elapsed() >= Duration::from_millis(900),
            "third failure from one source is delayed ({:?})",
            t0.elapsed()
        );
        assert!(s.exec("admin", "cisco", "show clock").status.success());
        key_pub = std::fs::read_to_string(dir.join("state/ssh_host_ed25519_key.pub"))
            .expect("host key kept in the state directory");
    }
    // The host key survives a restart.
    let s = start_in(&dir, "ios", IOS, &["--ssh", "127.0.0.1:0"]);
    assert_eq!(std::fs::read_to_string(dir.join("state/ssh_host_ed25519_key.pub")).unwrap(), key_pub);
    assert!(s.exec("admin", "cisco", "show clock").status.success());
}

#[test]
fn ios_interactive_session_on_a_pty() {
    if !have_ssh() {
        return;
    }
    let s = start("ios-pty", "ios", IOS);
    let mut p = expectrl::Session::spawn(s.ssh("ops", "opspw", true)).expect("spawn ssh");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("R1>").unwrap();
    p.send("configure terminal\r").unwrap();
    p.expect("% Invalid input detected at '^' marker.").unwrap();
    p.expect("R1>").unwrap();
    p.send("enable\r").unwrap();
    p.expect("Password: ").unwrap();
    p.send("not-it\r").unwrap();
    p.expect("Password: ").unwrap();
    p.send("en4ble\r").unwrap();
    p.expect("R1#").unwrap();
    p.send("conf t\r").unwrap();
    p.expect("R1(config)#").unwrap();
    p.send("crypto isakmp policy 10\r").unwrap();
    p.expect("R1(config-isakmp)#").unwrap();
    p.send("encr ?").unwrap();
    p.expect("aes").unwrap();
    p.expect("R1(config-isakmp)#encr ").unwrap();
    p.send("aes 256\r").unwrap();
    p.expect("R1(config-isakmp)#").unwrap();
    p.send("end\r").unwrap();
    p.expect("R1#").unwrap();
    p.send("show users\r").unwrap();
    p.expect("ops").unwrap();
    p.expect("R1#").unwrap();
    p.send("sh run | section crypto\r").unwrap();
    p.expect(" encr aes 256").unwrap();
    p.expect("R1#").unwrap();
    p.send("exit\r").unwrap();
    p.expect(Eof).unwrap();
    assert!(s.log().contains("Login Success [user: ops]"));
}

const SE: &str = "context local
 administrator admin password adminpw
 administrator viewer password viewpw
  privilege start 1
  privilege max 1
";

#[test]
fn smartedge_privilege_concurrent_pastes_disconnect_and_sigterm() {
    if !have_ssh() {
        return;
    }
    // 50 logins at once from one address are more than OpenSSH's (and
    // edgesh's) default MaxStartups 10:30:100 takes: allow them here.
    let s = start_in(
        &tmpdir("se"),
        "smartedge",
        SE,
        &["--ssh", "127.0.0.1:0", "--ssh-max-startups", "60", "--ssh-per-source", "60"],
    );
    // Level 1: no configuration mode, no configuration (it holds keys).
    let o = s.exec("viewer", "viewpw", "configure");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("% Permission denied"), "{}", text(&o));
    let o = s.exec("viewer", "viewpw", "show configuration");
    assert!(text(&o).contains("% Permission denied"), "{}", text(&o));
    assert!(s.exec("viewer", "viewpw", "show version").status.success());

    // 50 sessions at once, each pasting its own context and committing.
    let s = Arc::new(Mutex::new(s));
    let port_dir = {
        let g = s.lock().unwrap();
        (g.port, g.dir.clone())
    };
    let t0 = std::time::Instant::now();
    let threads: Vec<_> = (0..50)
        .map(|i| {
            let s = s.clone();
            std::thread::spawn(move || {
                let paste = format!(
                    "configure\ncontext c{i}\n interface lo{i} loopback\n  ip address 10.{i}.0.1/32\n exit\n ip route 10.{i}.1.0/24 10.{i}.0.2\nexit\nike proposal p{i}\n dh-group 14\ncommit\nend"
                );
                let cmd = s.lock().unwrap().ssh("admin", "adminpw", false);
                let mut cmd = cmd;
                cmd.arg(paste).stdin(Stdio::null());
                cmd.output().expect("ssh")
            })
        })
        .collect();
    let outs: Vec<Output> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let took = t0.elapsed();
    for (i, o) in outs.iter().enumerate() {
        assert!(o.status.success(), "session {i}: {}{}", text(o), String::from_utf8_lossy(&o.stderr));
        assert!(text(o).contains("Transaction committed"), "session {i}: {}", text(o));
    }
    eprintln!("50 concurrent SSH sessions pasting and committing: {took:?}");
    let _ = port_dir;
    let s = Arc::try_unwrap(s).ok().unwrap().into_inner().unwrap();
    let o = s.exec("admin", "adminpw", "show configuration");
    let conf = text(&o);
    for i in 0..50 {
        assert!(
            conf.contains(&format!("context c{i}\n")) && conf.contains(&format!("ike proposal p{i}\n")),
            "c{i} missing:\n{conf}"
        );
    }

    // A client that disconnects in the middle of a paste: its candidate is
    // discarded, nothing of it reaches running.
    let mut p = expectrl::Session::spawn(s.ssh("admin", "adminpw", true)).expect("spawn ssh");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("[local]edgesh#").unwrap();
    p.send("configure\rcontext half\r interface x loopback\r").unwrap();
    p.expect("(config-if)#").unwrap();
    drop(p);
    std::thread::sleep(Duration::from_millis(500));
    let o = s.exec("admin", "adminpw", "show configuration");
    assert!(!text(&o).contains("context half"), "a half paste reached running");

    // Two sessions changing the same object: the second commit is refused
    // with the difference, and its candidate is kept.
    let mut a = expectrl::Session::spawn(s.ssh("admin", "adminpw", true)).unwrap();
    a.set_expect_timeout(Some(Duration::from_secs(20)));
    a.expect("[local]edgesh#").unwrap();
    a.send("configure\rike proposal p1\r dh-group 2\r").unwrap();
    a.expect("(config-ike-proposal)#").unwrap();
    let o = s.exec("admin", "adminpw", "configure\nike proposal p1\n dh-group 5\ncommit");
    assert!(text(&o).contains("Transaction committed"), "{}", text(&o));
    a.send("commit\r").unwrap();
    a.expect("% Commit refused").unwrap();
    a.expect("(config-ike-proposal)#").unwrap();
    a.send("show configuration changes\r").unwrap();
    a.expect("dh-group 2").unwrap();

    // SIGTERM: sessions are told and closed, uncommitted changes discarded, exit 0.
    let mut s = s;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(s.child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    a.expect("shutting down").unwrap();
    let st = s.child.wait().unwrap();
    assert_eq!(st.code(), Some(0));
}

#[test]
fn no_user_configured_refuses_logins() {
    if !have_ssh() {
        return;
    }
    let s = start("nouser", "ios", "hostname R9\n");
    let o = s.exec("admin", "admin", "show version");
    assert_eq!(o.status.code(), Some(255));
    std::thread::sleep(Duration::from_millis(200));
    assert!(s.log().contains("No user is configured"), "{}", s.log());
}

#[test]
fn idle_timeout_and_clear_session() {
    if !have_ssh() {
        return;
    }
    let cfg = IOS.replace(" exec-timeout 0 0", " exec-timeout 0 2");
    let s = start("idle", "ios", &cfg);
    let mut p = expectrl::Session::spawn(s.ssh("admin", "cisco", true)).unwrap();
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("R1#").unwrap();
    p.expect("% Session idle timeout").unwrap();
    p.expect(Eof).unwrap();

    let s = start("clear", "smartedge", SE);
    let mut v = expectrl::Session::spawn(s.ssh("viewer", "viewpw", true)).unwrap();
    v.set_expect_timeout(Some(Duration::from_secs(20)));
    v.expect("[local]edgesh>").unwrap();
    let o = s.exec("admin", "adminpw", "show users");
    let t = text(&o);
    let line = t.lines().find(|l| l.contains("viewer")).unwrap_or_else(|| panic!("viewer not in show users: {t}"));
    let id: String = line.split_whitespace().next().unwrap().to_string();
    let o = s.exec("admin", "adminpw", &format!("clear session {id}"));
    assert!(o.status.success(), "{}", text(&o));
    v.expect("% This session was cleared by an administrator").unwrap();
    v.expect(Eof).unwrap();
}

#[test]
fn public_key_login() {
    if !have_ssh() {
        return;
    }
    let s = start("pubkey", "ios", IOS);
    let key = s.dir.join("id_ed25519");
    let keygen =
        Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]).status();
    if !keygen.is_ok_and(|g| g.success()) {
        eprintln!("!!! SKIPPED: ssh-keygen failed");
        return;
    }
    let with_key = |user: &str| {
        Command::new("ssh")
            .args([
                "-p",
                &s.port.to_string(),
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "BatchMode=yes",
            ])
            .args(["-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes", "-i", key.to_str().unwrap()])
            .arg(format!("{user}@127.0.0.1"))
            .arg("show users")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // Not authorized yet.
    assert_eq!(with_key("ops").status.code(), Some(255));
    let dir = s.dir.join("state/ssh/authorized_keys");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ops"), std::fs::read_to_string(key.with_extension("pub")).unwrap()).unwrap();
    let o = with_key("ops");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text(&o).contains("ops"), "{}", text(&o));
    // The key of one user does not open another's account.
    assert_eq!(with_key("admin").status.code(), Some(255));
}

#[test]
fn terminal_monitor_shows_log_lines_as_they_come() {
    if !have_ssh() {
        return;
    }
    let s = start("monitor", "ios", IOS);
    let mut p = expectrl::Session::spawn(s.ssh("admin", "cisco", true)).unwrap();
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("R1#").unwrap();
    p.send("terminal monitor\r").unwrap();
    p.expect("R1#").unwrap();
    p.send("show ver").unwrap();
    let _ = s.exec("intruder", "guess", "show version");
    // The log line arrives while the user is idle, and the typed line is redrawn.
    p.expect("LOGIN_FAILED: Login failed [user: intruder]").unwrap();
    p.expect("R1#show ver").unwrap();
    p.send("\r").unwrap();
    p.expect("Cisco IOS Software").unwrap();
}

/// A TCP port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Wait until the server's standard error holds `what`.
fn wait_log(s: &Server, what: &str) -> String {
    for _ in 0..100 {
        let log = s.log();
        if log.contains(what) {
            return log;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no {what:?} in the log: {}", s.log());
}

fn keygen(dir: &Path, kind: &str) -> Option<(PathBuf, String)> {
    let key = dir.join(format!("id_{kind}"));
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", "tester@edgesh", "-f", key.to_str().unwrap()])
        .status()
        .is_ok_and(|g| g.success());
    if !ok {
        eprintln!("!!! SKIPPED: ssh-keygen failed");
        return None;
    }
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap().trim().to_string();
    Some((key, public))
}

impl Server {
    /// `ssh -i KEY user@host CMD`, public key only.
    fn exec_key(&self, key: &Path, user: &str, cmd: &str) -> Output {
        Command::new("ssh")
            .args([
                "-p",
                &self.port.to_string(),
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "BatchMode=yes",
            ])
            .args([
                "-o",
                "PreferredAuthentications=publickey",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "ConnectTimeout=20",
                "-i",
                key.to_str().unwrap(),
            ])
            .arg(format!("{user}@127.0.0.1"))
            .arg(cmd)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

#[test]
fn ios_listen_line_and_pubkey_chain() {
    if !have_ssh() {
        return;
    }
    let dir = tmpdir("ios-listen");
    let Some((key, public)) = keygen(&dir, "ed25519") else { return };
    let Some((rsa, rsa_public)) = keygen(&dir, "rsa") else { return };
    // The key-string as IOS takes it: base64 over several lines, then exit;
    // the RSA one as a whole OpenSSH line.
    let b64 = public.split_whitespace().nth(1).unwrap();
    let chunks: Vec<String> = b64.as_bytes().chunks(30).map(|c| format!("   {}", String::from_utf8_lossy(c))).collect();
    let port = free_port();
    let cfg = format!(
        "{IOS}ip ssh version 2\nip ssh server listen 127.0.0.1 port {port}\nip ssh pubkey-chain\n username ops\n  key-string\n{}\n  exit\n username admin\n  key-string\n   {rsa_public}\n  exit\n",
        chunks.join("\n")
    );
    // No --ssh: the configuration's line starts the server.
    let s = start_in(&dir, "ios", &cfg, &[]);
    assert_eq!(s.port, port, "listens where the configuration says");
    let o = s.exec("admin", "cisco", "show running-config | section ip ssh");
    assert!(o.status.success(), "{o:?}");
    let t = text(&o);
    assert!(
        t.contains("ip ssh version 2") && t.contains(&format!("ip ssh server listen 127.0.0.1 port {port}")),
        "{t}"
    );
    assert!(
        t.contains("  key-hash ssh-ed25519 ") && t.contains(" tester@edgesh") && !t.contains(b64),
        "stored as key-hash: {t}"
    );
    // The configured keys log their users in, and only them.
    let o = s.exec_key(&key, "ops", "show users");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text(&o).contains("ops"), "{}", text(&o));
    assert_eq!(s.exec_key(&key, "admin", "show users").status.code(), Some(255), "ops's key does not open admin");
    let o = s.exec_key(&rsa, "admin", "show privilege");
    assert!(text(&o).contains("Current privilege level is 15"), "{o:?}");
    // The key-hash round-trips through write memory and a restart.
    let o = s.exec("admin", "cisco", "write memory");
    assert!(text(&o).contains("[OK]"), "{}", text(&o));
    // Removing the line closes the port; the session that removed it is not cut.
    let o = s.exec(
        "admin",
        "cisco",
        "configure terminal\nno ip ssh server listen\nend\nshow running-config | include listen",
    );
    assert!(o.status.success(), "{o:?}");
    wait_log(&s, &format!("SSH server no longer listening on 127.0.0.1:{port}"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the port is closed");
    drop(s);
    // Booting from the saved startup-config (which has the listen line, but
    // --ssh is given and wins): the key-hash still opens ops's account.
    let dir2 = tmpdir("ios-listen-2");
    std::fs::create_dir_all(dir2.join("state")).unwrap();
    std::fs::copy(dir.join("state/startup-config"), dir2.join("state/startup-config")).unwrap();
    let saved = std::fs::read_to_string(dir2.join("state/startup-config")).unwrap();
    assert!(
        saved.contains("key-hash ssh-ed25519")
            && saved.contains(&format!("ip ssh server listen 127.0.0.1 port {port}")),
        "{saved}"
    );
    let (s, said) = launch(&dir, &["--state-dir", dir2.join("state").to_str().unwrap(), "--ssh", "127.0.0.1:0"]);
    assert!(s.port != port, "--ssh wins over the configuration: {said}");
    let o = s.exec_key(&key, "ops", "show privilege");
    assert!(text(&o).contains("Current privilege level is 1"), "{o:?}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the configuration's port is not used when --ssh is given"
    );
}

/// `ping` over SSH sends real echoes (here to the loopback address) from the
/// SSH server's runtime, and the other sessions are served meanwhile.
#[test]
fn ping_over_ssh_is_answered() {
    if !have_ssh() {
        return;
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| text(&o).trim() == "0");
    if !root {
        eprintln!("!!! SKIPPED: ping needs a raw ICMP socket (root)");
        return;
    }
    let s = start("ping", "ios", IOS);
    let o = s.exec("admin", "cisco", "ping 127.0.0.1");
    assert!(o.status.success(), "{o:?}");
    let t = text(&o);
    assert!(t.contains("Sending 5, 100-byte ICMP Echos to 127.0.0.1, timeout is 2 seconds:\n!!!!!\n"), "{t}");
    assert!(t.contains("Success rate is 100 percent (5/5), round-trip min/avg/max = "), "{t}");
}

#[test]
fn listens_on_an_ipv6_address() {
    if !have_ssh() {
        return;
    }
    let Ok(probe) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("!!! SKIPPED: no IPv6 loopback (::1) on this machine");
        return;
    };
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    // The configuration's line, an IPv6 address in upper case as IOS keeps them.
    let dir = tmpdir("ios-listen-v6");
    let s = start_in(&dir, "ios", &format!("{IOS}ip ssh server listen 0:0::1 port {port}\n"), &[]);
    assert_eq!(s.port, port);
    assert!(std::net::TcpStream::connect(("::1", port)).is_ok(), "listens on [::1]:{port}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "and not on IPv4");
    let o = s.ssh_to("::1", "admin", "cisco", false).arg("show running-config | include listen").output().unwrap();
    assert!(o.status.success(), "{o:?}");
    assert_eq!(text(&o).trim_end(), format!("ip ssh server listen ::1 port {port}"));
    drop(s);
    // --ssh with a bracketed IPv6 address, in the SmartEdge dialect.
    let dir = tmpdir("se-listen-v6");
    let s = start_in(&dir, "smartedge", SE, &["--ssh", "[::1]:0"]);
    let o = s.ssh_to("::1", "admin", "adminpw", false).arg("show users").output().unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(text(&o).contains("admin"), "{}", text(&o));
}

#[test]
fn smartedge_listen_line_public_key_and_bind_error() {
    if !have_ssh() {
        return;
    }
    let dir = tmpdir("se-listen");
    let Some((key, public)) = keygen(&dir, "ed25519") else { return };
    let port = free_port();
    let cfg = format!(
        "context local\n  administrator admin password adminpw\n    ssh public-key {public}\n  ssh server listen 127.0.0.1 port {port}\n!\n"
    );
    let mut s = start_in(&dir, "smartedge", &cfg, &[]);
    assert_eq!(s.port, port);
    let o = s.exec_key(&key, "admin", "show configuration | include ssh");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = text(&o);
    assert!(
        t.contains(&format!("ssh public-key {public}"))
            && t.contains(&format!("ssh server listen 127.0.0.1 port {port}")),
        "{t}"
    );
    // Moving the server to another port by a commit: the old port closes, the new one opens.
    let port2 = free_port();
    let o = s.exec_key(
        &key,
        "admin",
        &format!("configure\ncontext local\nssh server listen 127.0.0.1 port {port2}\ncommit\nend"),
    );
    assert!(text(&o).contains("Transaction committed"), "{}", text(&o));
    wait_log(&s, &format!("SSH server listening on 127.0.0.1:{port2}"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    s.port = port2;
    let moved = &s;
    assert!(moved.exec("admin", "adminpw", "show clock").status.success());
    // A wrong key, and a key removed from the configuration, are refused.
    let Some((other, _)) = keygen(&dir, "ecdsa") else { return };
    assert_eq!(moved.exec_key(&other, "admin", "show clock").status.code(), Some(255));
    let o = moved.exec(
        "admin",
        "adminpw",
        "configure\ncontext local\nadministrator admin password adminpw\nno ssh public-key\ncommit",
    );
    assert!(text(&o).contains("Transaction committed"), "{}", text(&o));
    assert_eq!(moved.exec_key(&key, "admin", "show clock").status.code(), Some(255));
    drop(s);

    // A port that is taken: a clear message, no panic, SIGTERM still stops it with 0.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bport = busy.local_addr().unwrap().port();
    let dir = tmpdir("se-listen-busy");
    std::fs::write(dir.join("boot.cfg"), format!("context local\n  ssh server listen 127.0.0.1 port {bport}\n!\n"))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgesh"))
        .args(["--config", dir.join("boot.cfg").to_str().unwrap(), "--state-dir", dir.join("state").to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut seen = String::new();
    while err.read_line(&mut line).unwrap_or(0) > 0 {
        seen.push_str(&line);
        if line.contains("cannot listen on") {
            break;
        }
        line.clear();
    }
    assert!(seen.contains(&format!("% cannot listen on 127.0.0.1:{bport} for SSH: ")), "{seen}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    drop(busy);
}

/// ASA: `username NAME attributes` / `ssh authentication publickey KEY`
/// stores the key's SHA-256 hash (`... hashed`, as the ASA shows it); the
/// key logs its user in with the user's privilege, and no one else; a key
/// given by its hash (`hashed`) works the same.
#[test]
fn asa_username_attributes_public_key() {
    if !have_ssh() {
        return;
    }
    let dir = tmpdir("asa-pubkey");
    let Some((key, public)) = keygen(&dir, "ed25519") else { return };
    let Some((rsa, rsa_public)) = keygen(&dir, "rsa") else { return };
    let b64 = public.split_whitespace().nth(1).unwrap();
    // The hashes (SHA-256 of the key blob, colon hex; `key_hash` is checked against a known SHA-256 value in its unit test).
    let hash_of = |k: &str| edgesh_modes::asa::users::key_hash(&edgesh_modes::sshconf::ConfKey::parse(k).unwrap().blob);
    let (ed_hash, rsa_hash) = (hash_of(&public), hash_of(&rsa_public));
    let cfg = format!(
        "hostname fw1\nusername admin password adminpw privilege 15\nusername ops password opspw\nusername ops attributes\n ssh authentication publickey {b64}\n service-type admin\nusername admin attributes\n ssh authentication publickey {} hashed\n",
        rsa_hash.to_uppercase()
    );
    let s = start_in(&dir, "asa", &cfg, &["--ssh", "127.0.0.1:0"]);
    let o = s.exec("admin", "adminpw", "show running-config username");
    let t = text(&o);
    assert!(
        t.contains(&format!(
            "username ops attributes\n ssh authentication publickey {ed_hash} hashed\n service-type admin"
        )),
        "{t}"
    );
    assert!(t.contains(&format!(" ssh authentication publickey {rsa_hash} hashed")) && !t.contains(b64), "{t}");
    // ops's key: ops, at its privilege (2: user exec, no show running-config).
    let o = s.exec_key(&key, "ops", "show running-config username");
    assert!(text(&o).contains("ERROR: % Invalid input detected"), "{}{}", text(&o), String::from_utf8_lossy(&o.stderr));
    assert_eq!(s.exec_key(&key, "admin", "show version").status.code(), Some(255), "ops's key does not open admin");
    // admin's key, configured by its hash: admin at privilege 15.
    let o = s.exec_key(&rsa, "admin", "show running-config username");
    assert!(
        o.status.success() && text(&o).contains("username admin attributes"),
        "{}{}",
        text(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(s.exec_key(&rsa, "ops", "show version").status.code(), Some(255), "admin's key does not open ops");
}
