//! The interactive console on a real pseudo-terminal: the prompt, `?`, TAB,
//! Ctrl-Z committing, the pager, and `exit`.

use nix::pty::openpty;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Pty {
    master: std::fs::File,
    seen: String,
}

impl Pty {
    fn read_until(&mut self, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        while !self.seen.contains(want) {
            assert!(Instant::now() < deadline, "timed out waiting for {want:?}; saw {:?}", self.seen);
            let mut fds =
                [nix::poll::PollFd::new(std::os::fd::AsFd::as_fd(&self.master), nix::poll::PollFlags::POLLIN)];
            if nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(100u16)).unwrap_or(0) > 0 {
                match self.master.read(&mut buf) {
                    Ok(n) if n > 0 => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                    _ => break,
                }
            }
        }
        let i = self.seen.find(want).map(|i| i + want.len()).unwrap_or(self.seen.len());
        let out = self.seen[..i].to_string();
        self.seen.drain(..i);
        out
    }
    fn send(&mut self, keys: &[u8]) {
        self.master.write_all(keys).unwrap();
    }
}

/// edgesh with `args` on a new pseudo-terminal (its console), a fresh state
/// directory named after `name`; the child, the terminal and that directory.
fn spawn_on_pty(name: &str, args: &[&str]) -> (std::process::Child, Pty, std::path::PathBuf) {
    let pty = openpty(None, None).expect("openpty");
    let slave: OwnedFd = pty.slave;
    let fd = slave.as_raw_fd();
    let dup = |f: i32| unsafe { Stdio::from_raw_fd(nix::libc::dup(f)) };
    let dir = std::env::temp_dir().join(format!("edgesh-{name}-{}", std::process::id()));
    let child = Command::new(env!("CARGO_BIN_EXE_edgesh"))
        .args(args)
        // The machine's own namespace: no routes installed there.
        .args(["--no-routes", "--state-dir", dir.to_str().unwrap()])
        .stdin(dup(fd))
        .stdout(dup(fd))
        .stderr(dup(fd))
        .spawn()
        .expect("spawn edgesh");
    drop(slave);
    (child, Pty { master: std::fs::File::from(pty.master), seen: String::new() }, dir)
}

#[test]
fn console_on_a_pty() {
    let (mut child, mut p, dir) = spawn_on_pty("console", &[]);
    p.read_until("[local]edgesh#");
    p.send(b"conf\t");
    p.read_until("configure ");
    p.send(b"\r");
    p.read_until("[local]edgesh(config)#");
    p.send(b"ike pro?");
    let help = p.read_until("[local]edgesh(config)#");
    assert!(help.contains("proposal      Configure an IKE proposal"), "{help:?}");
    p.send(b"posal p1\r");
    p.read_until("(config-ike-proposal)#");
    p.send(b"dh-group 2\r");
    p.read_until("(config-ike-proposal)#");
    p.send(b"dh-group 3\r");
    let err = p.read_until("(config-ike-proposal)#");
    assert!(err.contains("% Invalid input at '^' marker."), "{err:?}");
    p.send(b"\x1a");
    let z = p.read_until("[local]edgesh#");
    assert!(z.contains("Transaction committed"), "{z:?}");
    p.send(b"terminal length 4\r");
    p.read_until("[local]edgesh#");
    p.send(b"show configuration\r");
    p.read_until("---(more)---");
    p.send(b" ");
    p.read_until("---(more)---");
    p.send(b"q");
    p.read_until("[local]edgesh#");
    p.send(b"show configuration | include dh-group\r");
    let inc = p.read_until("[local]edgesh#");
    assert!(inc.contains("  dh-group 2"), "{inc:?}");
    p.send(b"exit\r");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// On the console the SSH server follows the configuration: the IOS line
/// typed opens the port, `no` closes it, and leaving the console while it
/// listens leaves the server running until SIGTERM.
#[test]
fn console_ssh_listen_line_typed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (mut child, mut p, dir) = spawn_on_pty("console-ssh", &["--dialect", "ios"]);
    p.read_until("Router>");
    p.send(b"enable\r");
    p.read_until("Router#");
    p.send(b"configure terminal\r");
    p.read_until("Router(config)#");
    let connects = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    assert!(!connects());
    p.send(format!("ip ssh server listen 127.0.0.1 port {port}\r").as_bytes());
    p.read_until(&format!("% SSH server listening on 127.0.0.1:{port}"));
    assert!(connects(), "the typed line opened the port");
    p.send(b"no ip ssh server listen\r");
    p.read_until("SSH server no longer listening");
    assert!(!connects(), "`no` closed it");
    p.send(format!("ip ssh server listen 127.0.0.1 port {port}\r").as_bytes());
    p.read_until(&format!("% SSH server listening on 127.0.0.1:{port}"));
    p.send(b"end\r");
    p.read_until("Router#");
    p.send(b"exit\r");
    p.read_until("the SSH server goes on");
    assert!(child.try_wait().unwrap().is_none(), "still serving");
    assert!(connects());
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The IOS console is IOS all the way (issue 11): TAB completes against
/// IOS's command graphs (`hostn<TAB>` gives `hostname`, as over SSH or a
/// pipe; it used to complete against SmartEdge's and give nothing), and
/// `?` after a bad word answers with IOS's wording, as Enter does.
#[test]
fn ios_console_completes_and_reports_as_ios() {
    let (mut child, mut p, dir) = spawn_on_pty("console-ios", &["--dialect", "ios", "--no-network"]);
    p.read_until("Router>");
    p.send(b"enable\r");
    p.read_until("Router#");
    p.send(b"conf\t");
    p.read_until("configure ");
    p.send(b"terminal\r");
    p.read_until("Router(config)#");
    p.send(b"hostn\t");
    p.read_until("hostname ");
    p.send(b"R1\r");
    p.read_until("R1(config)#");
    p.send(b"bogus ?");
    let help = p.read_until("R1(config)#");
    assert!(help.contains("% Invalid input detected at '^' marker."), "{help:?}");
    assert!(!help.contains("% Invalid input at '^' marker."), "{help:?}");
    p.send(b"\x15end\r");
    p.read_until("R1#");
    p.send(b"exit\r");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
