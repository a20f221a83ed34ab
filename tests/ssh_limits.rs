//! The SSH server under attack before login (issue 14, items 3 and 4): the
//! login grace time, the cap on unauthenticated connections (MaxStartups),
//! the per-source limit, their log lines, and login back-off shared by
//! parallel connections. Raw TCP connections stand for the attacker; the
//! OpenSSH client (where installed) for the real user who must still get in.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod sshsrv;

use sshsrv::*;

const IOS: &str = "hostname R1
username admin privilege 15 secret 0 cisco
username ops password 0 opspw
enable secret 0 en4ble
";

fn start(name: &str, extra: &[&str]) -> Server {
    let mut args = vec!["--ssh", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    sshsrv::start_in(&tmpdir(&format!("lim-{name}")), "ios", IOS, &args)
}

impl Server {
    /// A raw TCP connection that got the server's banner (it was taken).
    fn taken(&self) -> Option<TcpStream> {
        let mut c = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 8];
        match c.read(&mut b) {
            Ok(n) if n > 0 && b.starts_with(b"SSH-") => Some(c),
            _ => None,
        }
    }
}

/// Still open, or closed by the server (EOF or reset) within `within`?
fn closed_within(c: &mut TcpStream, within: Duration) -> bool {
    c.set_read_timeout(Some(within)).unwrap();
    let t = Instant::now();
    let mut b = [0u8; 4096];
    loop {
        match c.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return false;
            }
            Err(_) => return true,
        }
        if t.elapsed() > within {
            return false;
        }
    }
}

#[test]
fn login_grace_time_disconnects_silent_and_half_done_clients() {
    let s = start("grace", &["--ssh-login-grace", "2"]);
    // One that sends nothing at all, one that sends its version and stops.
    let mut silent = s.taken().expect("taken");
    let mut half = s.taken().expect("taken");
    half.write_all(b"SSH-2.0-attacker\r\n").unwrap();
    let t = Instant::now();
    assert!(closed_within(&mut silent, Duration::from_secs(6)), "a silent connection outlived the grace time");
    assert!(closed_within(&mut half, Duration::from_secs(6)), "a half-done handshake outlived the grace time");
    assert!(t.elapsed() >= Duration::from_millis(1500), "closed before the grace time: {:?}", t.elapsed());
    s.wait_log("Login grace time (2 s) exceeded");
    // Logged in in time: the session stays beyond the grace time.
    if have_ssh() {
        let o = s.ssh("admin", "cisco", false).stdin(Stdio::null()).arg("show privilege").output().unwrap();
        assert!(String::from_utf8_lossy(&o.stdout).contains("15"), "{o:?}");
    }
}

#[test]
fn per_source_limit_and_max_startups_refuse_and_log_and_let_a_login_in_afterwards() {
    let s = start("cap", &["--ssh-per-source", "3", "--ssh-max-startups", "5"]);
    let from_one: Vec<TcpStream> = (0..3).map(|_| s.taken().expect("taken")).collect();
    assert!(s.taken().is_none(), "a 4th unauthenticated connection from one address was taken");
    s.wait_log("per-source limit");
    drop(from_one);
    std::thread::sleep(Duration::from_millis(300));
    // Full: 5 unauthenticated connections in all (from several addresses of 127/8).
    let held: Vec<TcpStream> = (0..3).map(|_| s.taken().expect("taken")).collect();
    let other = bind_from([127, 0, 0, 2], s.port);
    let other2 = bind_from([127, 0, 0, 3], s.port);
    assert!(other.is_some() && other2.is_some(), "other addresses are not held by the first one's limit");
    assert!(
        bind_from([127, 0, 0, 4], s.port).is_none(),
        "a 6th unauthenticated connection was taken with MaxStartups 5"
    );
    s.wait_log("MaxStartups 5:100:5");
    drop(held);
    drop(other);
    drop(other2);
    std::thread::sleep(Duration::from_millis(300));
    if have_ssh() {
        let o = s.ssh("admin", "cisco", false).stdin(Stdio::null()).arg("show privilege").output().unwrap();
        assert!(String::from_utf8_lossy(&o.stdout).contains("15"), "{o:?}");
    }
}

/// A connection from another loopback address; `Some` if the server took it.
fn bind_from(ip: [u8; 4], port: u16) -> Option<TcpStream> {
    use std::os::fd::FromRawFd;
    let fd = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Inet,
        nix::sys::socket::SockType::Stream,
        nix::sys::socket::SockFlag::empty(),
        None,
    )
    .ok()?;
    let local = nix::sys::socket::SockaddrIn::new(ip[0], ip[1], ip[2], ip[3], 0);
    nix::sys::socket::bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &local).ok()?;
    let remote = nix::sys::socket::SockaddrIn::new(127, 0, 0, 1, port);
    nix::sys::socket::connect(std::os::fd::AsRawFd::as_raw_fd(&fd), &remote).ok()?;
    let raw = std::os::fd::IntoRawFd::into_raw_fd(fd);
    let mut c = unsafe { TcpStream::from_raw_fd(raw) };
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut b = [0u8; 4];
    match c.read(&mut b) {
        Ok(n) if n > 0 => Some(c),
        _ => None,
    }
}

#[test]
fn parallel_wrong_passwords_from_one_address_wait_their_turn() {
    if !have_ssh() {
        return;
    }
    let s = start("backoff", &[]);
    let o = s.ssh("admin", "wrong0", false).stdin(Stdio::null()).arg("show privilege").output().unwrap();
    assert!(!o.status.success());
    // Four guesses at once: they used to sleep the same 0.5 s side by side
    // (44 guesses a second); now each waits for the one before.
    let t0 = Instant::now();
    let kids: Vec<_> = (1..=4)
        .map(|i| {
            s.ssh("admin", &format!("wrong{i}"), false)
                .stdin(Stdio::null())
                .arg("show privilege")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut k in kids {
        assert!(!k.wait().unwrap().success());
    }
    let took = t0.elapsed();
    assert!(took >= Duration::from_secs(2), "4 parallel guesses took {took:?}");
    // Each failure is logged (the last line may come just after its client left).
    let t1 = Instant::now();
    while s.log().matches("LOGIN_FAILED").count() < 5 && t1.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = s.log();
    assert_eq!(log.matches("LOGIN_FAILED").count(), 5, "{log}");
    eprintln!("4 parallel wrong passwords after one: {took:?}");
}

#[test]
fn an_exec_line_that_is_not_utf8_is_refused_alone() {
    if !have_ssh() {
        return;
    }
    use std::os::unix::ffi::OsStrExt;
    let s = start("exec-utf8", &[]);
    let cmd = b"configure terminal\ninterface GigabitEthernet0/1\n description Caf\xE9\n ip address 10.1.1.1 255.255.255.0\nend\nshow running-config interface GigabitEthernet0/1";
    let o = s.ssh("admin", "cisco", false).stdin(Stdio::null()).arg(std::ffi::OsStr::from_bytes(cmd)).output().unwrap();
    let t = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("(not UTF-8)"), "{t}");
    assert!(t.contains(" ip address 10.1.1.1 255.255.255.0"), "{t}");
    assert!(!t.contains("description"), "{t}");
}

#[test]
fn a_failed_enable_over_ssh_is_delayed_logged_and_the_keys_typed_meanwhile_kept() {
    if !have_ssh() {
        return;
    }
    use expectrl::Expect;
    let s = start("enable", &[]);
    let mut cmd = Command::new("ssh");
    cmd.args([
        "-tt",
        "-p",
        &s.port.to_string(),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
    ]);
    cmd.args([
        "-o",
        "PreferredAuthentications=password",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "NumberOfPasswordPrompts=1",
        "ops@127.0.0.1",
    ]);
    s.askpass(&mut cmd, "opspw");
    let mut p = expectrl::Session::spawn(cmd).expect("spawn ssh");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("R1>").unwrap();
    p.send("enable\r").unwrap();
    p.expect("Password: ").unwrap();
    p.send("wrong\r").unwrap();
    p.expect("Password: ").unwrap();
    let t0 = Instant::now();
    // Typed at once; taken only when the delay after the failure is over.
    p.send("en4ble\rshow privilege\r").unwrap();
    p.expect("Current privilege level is 15").unwrap();
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(700), "no delay after a failed enable: {took:?}");
    p.send("show logging | include PRIV_AUTH\r").unwrap();
    p.expect("%SYS-5-PRIV_AUTH_FAIL: Authentication to Privilege level 15 failed by ops on vty").unwrap();
    p.expect("(127.0.0.1)").unwrap();
}
