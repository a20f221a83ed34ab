//! What every strongSwan interop test binary shares: the peer recipe
//! (`../shared/interop/strongswan-peer.sh`), the machine-wide turn on the
//! namespaces `left` (edgesh, 192.0.2.1, protecting 198.51.100.1) and `right`
//! (strongSwan, 192.0.2.2, protecting 203.0.113.1; it fakes a NAT, so IKE
//! floats to UDP 4500), edgesh driven through its standard input in any
//! dialect, and the base configurations the tests vary.
//!
//! Needs root and strongSwan: without them every test says so LOUDLY and
//! passes; CI (`.ci/run`) installs strongSwan, runs as root and sets
//! `EDGESH_REQUIRE_INTEROP=1` so that a missing peer fails instead.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

/// The peer recipe: `$EDGESH_INTEROP_SCRIPT`, else `../shared/interop/` next to the checkout, else `/work/shared/interop/`.
pub fn script() -> PathBuf {
    if let Some(p) = std::env::var_os("EDGESH_INTEROP_SCRIPT") {
        return PathBuf::from(p);
    }
    let near = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/interop/strongswan-peer.sh");
    if near.exists() { near } else { PathBuf::from("/work/shared/interop/strongswan-peer.sh") }
}

pub fn base() -> PathBuf {
    std::env::temp_dir().join("edgesh-interop")
}

/// Held while a test owns the namespaces `left` and `right`: the tests of this
/// binary take turns through [`SERIAL`], and every other process running them
/// (another checkout's `cargo test`) through an exclusive lock on one file.
pub struct Turn {
    _serial: MutexGuard<'static, ()>,
    _machine: nix::fcntl::Flock<std::fs::File>,
}

/// None (after a loud message) when this machine cannot run the tests.
pub fn ready() -> Option<Turn> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let have =
        Path::new("/usr/sbin/charon-systemd").exists() && Path::new("/usr/sbin/swanctl").exists() && script().exists();
    if !root || !have {
        let why =
            if !root { "not root" } else { "strongSwan (charon-systemd, swanctl) or the interop script is missing" };
        if std::env::var("EDGESH_REQUIRE_INTEROP").is_ok() {
            panic!("interop tests required but cannot run: {why}");
        }
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! SKIPPING strongSwan interop test: {why}");
        eprintln!("!!! (run as root after `{} install`)", script().display());
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("edgesh-interop.lock"))
        .expect("interop lock file");
    let machine =
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| e).expect("interop lock");
    Some(Turn { _serial: guard, _machine: machine })
}

/// Run the peer script with environment settings.
pub fn peer(env: &[(&str, &str)], args: &[&str]) -> String {
    let mut c = Command::new("bash");
    c.arg(script()).args(args).env("BASE", base());
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("running strongswan-peer.sh");
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

pub fn charon_log() -> String {
    std::fs::read_to_string(base().join("right/charon.log")).unwrap_or_default()
}

/// A fresh strongSwan responder/initiator in `right`.
pub fn start_strongswan(env: &[(&str, &str)]) {
    fresh_namespaces(env);
    let out = peer(env, &["start-right"]);
    assert!(out.contains("loaded"), "{out}");
}

/// Stop any strongSwan and make the namespaces `left` and `right` anew.
pub fn fresh_namespaces(env: &[(&str, &str)]) {
    peer(&[], &["stop"]);
    // A veth pair left in the root namespace by an interrupted run would make `netns` fail.
    let _ = Command::new("ip").args(["link", "del", "veth-l"]).stderr(Stdio::null()).status();
    let out = peer(env, &["netns"]);
    assert!(out.contains("ready"), "{out}");
}

/// Stops strongSwan and deletes the namespaces `left` and `right` (the peer
/// script's `stop`) when dropped, however the test ends (a failed assert
/// too). Hold it after the [`Turn`] and before the [`Edgesh`], so that
/// edgesh ends first and the turn is given back last.
pub struct PeerLab;

impl Drop for PeerLab {
    fn drop(&mut self) {
        peer(&[], &["stop"]);
    }
}

pub fn list_sas() -> String {
    peer(&[], &["swanctl", "right", "--list-sas"])
}

/// The edgesh binary: this build's, or `$EDGESH_BIN` (to measure another build).
pub fn edgesh_bin() -> String {
    std::env::var("EDGESH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_edgesh").to_string())
}

/// edgesh in netns `left`, driven through its standard input like a terminal.
pub struct Edgesh {
    pub child: Child,
    pub out: Arc<Mutex<String>>,
    /// Its state directory (`stderr.txt` holds what loading the boot configuration said).
    pub dir: PathBuf,
}

impl Edgesh {
    /// edgesh in netns `left`, state in `<base>/edgesh-<dialect>`.
    pub fn start(dialect: &str, config: &str) -> Edgesh {
        Edgesh::start_in("left", &base().join(format!("edgesh-{dialect}")), dialect, config)
    }

    /// edgesh in netns `ns` with `config` as its boot configuration; `dir`
    /// (emptied first) is its state directory and holds `boot.cfg` and
    /// `stderr.txt`. IOS and ASA are taken to privileged exec.
    pub fn start_in(ns: &str, dir: &Path, dialect: &str, config: &str) -> Edgesh {
        let _ = std::fs::remove_dir_all(dir);
        Edgesh::start_prepared(ns, dir, dialect, config)
    }

    /// The same in a state directory prepared beforehand (keys, CRLs: what
    /// must be there when the boot configuration loads); not emptied.
    pub fn start_prepared(ns: &str, dir: &Path, dialect: &str, config: &str) -> Edgesh {
        std::fs::create_dir_all(dir).expect("state dir");
        let cfg = dir.join("boot.cfg");
        std::fs::write(&cfg, config).expect("config file");
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, &edgesh_bin(), "--dialect", dialect, "--config"])
            .arg(&cfg)
            .arg("--state-dir")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Load messages go to a file: an unread pipe would fill up and block edgesh.
            .stderr(std::fs::File::create(dir.join("stderr.txt")).expect("stderr file"))
            .spawn()
            .expect("starting edgesh");
        let out = Arc::new(Mutex::new(String::new()));
        let (mut so, o2) = (child.stdout.take().expect("stdout"), out.clone());
        std::thread::spawn(move || {
            let mut b = [0u8; 8192];
            while let Ok(n) = so.read(&mut b) {
                if n == 0 {
                    break;
                }
                o2.lock().unwrap().push_str(&String::from_utf8_lossy(&b[..n]));
            }
        });
        let e = Edgesh { child, out, dir: dir.to_path_buf() };
        if dialect == "ios" || dialect == "asa" {
            e.cmd("enable");
        }
        e
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// How much output there is so far (for [`Edgesh::settle`]).
    pub fn mark(&self) -> usize {
        self.out.lock().unwrap().len()
    }

    /// Write raw bytes (typing or a paste); no waiting.
    pub fn send(&self, bytes: &[u8]) {
        let mut stdin = self.child.stdin.as_ref().expect("stdin");
        stdin.write_all(bytes).expect("typing");
        stdin.flush().ok();
    }

    /// Wait until the output since `start` is an echoed line, its output and
    /// the next prompt (which ends in '#', or in "# " on the ASA); returns the
    /// output between them. `what` names the input in the failure message.
    pub fn settle(&self, start: usize, what: &str) -> String {
        let t0 = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(30));
            let o = self.out.lock().unwrap();
            let new = &o[start..];
            if let Some(i) = new.find('\n') {
                let rest = &new[i + 1..];
                if rest.strip_suffix(' ').unwrap_or(rest).ends_with('#') {
                    return rest.rsplit_once('\n').map(|x| x.0).unwrap_or("").to_string();
                }
            }
            assert!(t0.elapsed() < Duration::from_secs(20), "no prompt after `{what}`: {new}");
        }
    }

    /// Type a command and return what it printed (up to the next prompt).
    pub fn cmd(&self, line: &str) -> String {
        let start = self.mark();
        self.send(format!("{line}\n").as_bytes());
        self.settle(start, line)
    }

    /// What loading the boot configuration printed on standard error.
    pub fn load_messages(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.txt")).unwrap_or_default()
    }

    /// Repeat `line` until its output contains `want`; None when `secs` ran out.
    pub fn try_wait_for(&self, line: &str, want: &str, secs: u64) -> Option<String> {
        let t0 = Instant::now();
        loop {
            let o = self.cmd(line);
            if o.contains(want) {
                return Some(o);
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Repeat `line` until its output contains `want` (or panic after `secs`).
    pub fn wait_for(&self, line: &str, want: &str, secs: u64) -> String {
        self.try_wait_for(line, want, secs).unwrap_or_else(|| {
            panic!(
                "`{line}` never showed `{want}`; last output:\n{}\nstrongSwan log:\n{}",
                self.cmd(line),
                charon_log()
            )
        })
    }
}

impl Drop for Edgesh {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn smartedge_config(mode: &str, dh: u16, pfs: Option<u16>, psk: &str, remote_net: &str, keepalive: bool) -> String {
    format!(
        "ike proposal ss
  authentication algorithm hmac-sha1-96
  encryption algorithm aes-128-cbc
  dh-group {dh}
ipsec proposal esp1
  esp encryption aes-128-cbc
  esp authentication hmac-sha1-96
ipsec policy pol1
{}  seq 10 proposal esp1
context local
{}  interface wan
    ip address 192.0.2.1/24
  ike policy peer
    pre-shared-key {psk}
    mode {mode}
    identity local 192.0.2.1
    identity remote 192.0.2.2
    seq 10 proposal ss
  ipsec access-list acl1
    seq 10 198.51.100.1/32 {remote_net}/32
tunnel ipsec t1
  peer-end-point local 192.0.2.1 remote 192.0.2.2 context local
  ike-policy peer
  seq 10 ipsec-policy pol1 access-group acl1
",
        pfs.map(|g| format!("  perfect-forward-secrecy dh-group {g}\n")).unwrap_or_default(),
        if keepalive { "  ike keepalive\n" } else { "" }
    )
}

/// An ASA 9.x site-to-site configuration for the strongSwan peer; `acl` is
/// the crypto map's access-list entry after `permit ip`.
pub fn asa_config(acl: &str) -> String {
    format!(
        "hostname left
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 192.0.2.1 255.255.255.0
!
access-list VPN extended permit ip {acl}
crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac
crypto map outside_map 10 match address VPN
crypto map outside_map 10 set peer 192.0.2.2
crypto map outside_map 10 set ikev1 transform-set TS
crypto map outside_map 10 set pfs group2
crypto map outside_map interface outside
crypto ikev1 enable outside
crypto ikev1 policy 10
 authentication pre-share
 encryption aes
 hash sha
 group 2
 lifetime 86400
tunnel-group 192.0.2.2 type ipsec-l2l
tunnel-group 192.0.2.2 ipsec-attributes
 ikev1 pre-shared-key interop-test-psk
"
    )
}

pub fn ios_config(group: u16, psk: &str) -> String {
    format!(
        "hostname left
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group {group}
crypto isakmp key {psk} address 192.0.2.2
crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
access-list 101 permit ip host 198.51.100.1 host 203.0.113.1
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set TS
 set pfs group{group}
 match address 101
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map VPN
end
"
    )
}

/// The hex SPIs (in, out) strongSwan shows for its child.
pub fn strongswan_spis(list: &str) -> (String, String) {
    // The newest child is listed last.
    let find = |dir: &str| {
        list.lines()
            .map(str::trim)
            .rfind(|l| l.starts_with(dir))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
            .trim_end_matches(',')
            .to_string()
    };
    (find("in "), find("out "))
}

/// An IOS FlexVPN crypto map (IKEv2 profile, keyring, proposal) towards
/// strongSwan's default IKEv2: [`ios_config`] with the ISAKMP policy and key
/// replaced by their IKEv2 counterparts and the profile set on the entry.
pub fn ios_ikev2_config(psk: &str) -> String {
    let v1 = ios_config(14, psk);
    let isakmp = v1.find("crypto isakmp policy").unwrap()..v1.find("crypto ipsec transform-set").unwrap();
    let ikev2 = format!(
        "crypto ikev2 proposal P1
 encryption aes-cbc-128
 integrity sha1
 group 14
crypto ikev2 policy POL
 proposal P1
crypto ikev2 keyring KR
 peer right
  address 192.0.2.2
  pre-shared-key {psk}
crypto ikev2 profile PROF
 match identity remote address 192.0.2.2 255.255.255.255
 identity local address 192.0.2.1
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
"
    );
    let mut c = v1.clone();
    c.replace_range(isakmp, &ikev2);
    c.replace(" match address 101\n", " set ikev2-profile PROF\n match address 101\n")
}

/// The SmartEdge tunnel of [`smartedge_config`] with an `ike2 proposal` and an `ike2 policy`.
pub fn smartedge_ikev2_config(psk: &str, responder_only: bool) -> String {
    let mut c = smartedge_config("main", 14, Some(14), psk, "203.0.113.1", false)
        .replace("ike proposal ss\n", "ike2 proposal ss\n  pseudo-random-function hmac-sha1\n")
        .replace("  ike policy peer\n", "  ike2 policy peer\n")
        .replace("    mode main\n", "");
    if responder_only {
        c = c.replace("    seq 10 proposal ss\n", "    seq 10 proposal ss\n    connection-type responder-only\n");
    }
    c
}

/// Route the left protected address into edgesh0 and ping through the dataplane.
pub fn ping_through(e: &Edgesh, show: &str) {
    let ip = |args: &[&str]| Command::new("ip").args(["-n", "left"]).args(args).output().expect("ip");
    let t0 = Instant::now();
    while !ip(&["link", "show", "edgesh0"]).status.success() {
        assert!(t0.elapsed() < Duration::from_secs(10), "edgesh0 was not created:\n{}", e.cmd(show));
        std::thread::sleep(Duration::from_millis(200));
    }
    ip(&["link", "set", "edgesh0", "up"]);
    let o = ip(&["route", "replace", "203.0.113.1/32", "dev", "edgesh0", "src", "198.51.100.1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = peer(&[], &["ping", "left"]);
    assert!(out.contains("4 packets transmitted, 4 received"), "{out}\n{}\n{}", e.cmd(show), charon_log());
}

/// The IKE SPIs (initiator's, responder's) of strongSwan's established IKE SAs.
pub fn strongswan_ike_spis(list: &str) -> Vec<(String, String)> {
    list.lines()
        .filter(|l| l.contains("ESTABLISHED, IKEv2"))
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let i = w.iter().find(|x| x.contains("_i"))?.split('_').next()?.to_string();
            let r = w.iter().find(|x| x.contains("_r"))?.split('_').next()?.to_string();
            Some((i, r))
        })
        .collect()
}

/// The SPIs strongSwan lists for its newest child are the IOS
/// `show crypto ipsec sa` output's, crosswise; returns that output and
/// strongSwan's inbound SPI.
pub fn ios_spis_agree(e: &Edgesh) -> (String, String) {
    let sa = e.wait_for("show crypto ipsec sa", "Status: ACTIVE", 10);
    let list = list_sas();
    let (ss_in, ss_out) = strongswan_spis(&list);
    let ours_in = u32::from_str_radix(&ss_out, 16).unwrap();
    let ours_out = u32::from_str_radix(&ss_in, 16).unwrap();
    assert!(sa.contains(&format!("current outbound spi: 0x{ours_out:X}({ours_out})")), "{sa}\n{list}");
    assert!(sa.contains(&format!("spi: 0x{ours_in:X}({ours_in})")), "{sa}\n{list}");
    (sa, ss_in)
}

/// strongSwan rekeys its child `peer-child`; waits until IOS edgesh sends on
/// the new SA (its outbound SPI is strongSwan's new inbound one, not `old_in`).
pub fn strongswan_rekeys_the_child(e: &Edgesh, old_in: &str) {
    let out = peer(&[], &["swanctl", "right", "--rekey", "--child", "peer-child"]);
    assert!(out.contains("rekey completed") || out.contains("successfully"), "{out}");
    let t0 = Instant::now();
    loop {
        let l = list_sas();
        let (i, _) = strongswan_spis(&l);
        let sa = e.cmd("show crypto ipsec sa");
        let n = u32::from_str_radix(&i, 16).unwrap_or(0);
        if i != old_in && sa.contains(&format!("current outbound spi: 0x{n:X}({n})")) {
            return;
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "rekey not seen:\n{l}\n{sa}\n{}", charon_log());
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// tcpdump writing `pcap` from `iface` in namespace `ns` with `filter`,
/// returned once it says it is listening (on a loaded machine it can start
/// seconds late, after the first packets have gone by). Its stderr goes to
/// `pcap` with `.stderr` added.
pub fn start_capture(ns: &str, iface: &str, pcap: &std::path::Path, filter: &str) -> std::process::Child {
    let err_path = pcap.with_extension("stderr");
    let err = std::fs::File::create(&err_path).expect("capture stderr file");
    let child = std::process::Command::new("ip")
        // `--immediate-mode`: each packet is written when it comes, not when
        // the kernel hands over a ring block (after up to a second), so a
        // capture stopped right after the traffic holds all of it.
        .args(["netns", "exec", ns, "tcpdump", "-i", iface, "--immediate-mode", "-U", "-n", "-w"])
        .arg(pcap)
        .arg(filter)
        .stdout(std::process::Stdio::null())
        .stderr(err)
        .spawn()
        .expect("tcpdump");
    let t0 = std::time::Instant::now();
    while !std::fs::read_to_string(&err_path).unwrap_or_default().contains("listening on") {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(20),
            "tcpdump in {ns} did not start listening on {iface}: {}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

/// Stop a capture from [`start_capture`] so that it keeps every packet it
/// saw: SIGINT makes tcpdump (which `ip netns exec` execs) flush and exit,
/// where a kill would lose what is still in its buffer.
pub fn stop_capture(mut child: std::process::Child) {
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let _ = child.wait();
}

/// Run a command (argv); its output.
pub fn sh(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Run a command that must succeed.
pub fn ok(args: &[&str]) {
    let o = sh(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// Call `f` every 200 ms until it gives something (or panic after `secs`, naming `what`).
pub fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> Option<String>) -> String {
    let t0 = Instant::now();
    loop {
        if let Some(s) = f() {
            return s;
        }
        assert!(t0.elapsed() < Duration::from_secs(secs), "{what} after {secs} s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Two network namespaces joined by a veth pair: in each, `outside`
/// addresses on its end of the pair and `inside` ones on `lo`, all up.
/// Removed however the test ends.
pub struct VethPair {
    ns: [String; 2],
}

impl VethPair {
    pub fn up(ns: [&str; 2], veth: [&str; 2], outside: [&[&str]; 2], inside: [&[&str]; 2]) -> VethPair {
        let pair = VethPair { ns: ns.map(str::to_string) };
        pair.remove();
        for n in ns {
            ok(&["ip", "netns", "add", n]);
        }
        ok(&["ip", "link", "add", veth[0], "netns", ns[0], "type", "veth", "peer", "name", veth[1], "netns", ns[1]]);
        for i in 0..2 {
            for a in outside[i] {
                ok(&["ip", "-n", ns[i], "addr", "add", a, "dev", veth[i]]);
            }
            for a in inside[i] {
                ok(&["ip", "-n", ns[i], "addr", "add", a, "dev", "lo"]);
            }
            ok(&["ip", "-n", ns[i], "link", "set", "lo", "up"]);
            ok(&["ip", "-n", ns[i], "link", "set", veth[i], "up"]);
        }
        pair
    }

    fn remove(&self) {
        for n in &self.ns {
            let _ = Command::new("ip").args(["netns", "del", n]).stderr(Stdio::null()).status();
        }
    }
}

impl Drop for VethPair {
    fn drop(&mut self) {
        self.remove();
    }
}

/// An iperf3 TCP flow of `secs` seconds from netns `client` (bound to
/// `from`) to a one-shot server in netns `server` on `to`: iperf3's
/// report, after asserting the flow ran. The interop tests that carry
/// traffic through a tunnel use it to push thousands of packets through
/// both dataplane threads, then compare the two routers' counters.
/// (`.ci/run` installs iperf3; [`have_iperf3`] says whether it is here.)
pub fn iperf3_tcp(server: &str, to: &str, client: &str, from: &str, secs: u32) -> String {
    /// The server, stopped however the flow ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _server = Server(
        Command::new("ip")
            .args(["netns", "exec", server, "iperf3", "-s", "-B", to, "-1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("iperf3 -s"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let o = sh(&["ip", "netns", "exec", client, "iperf3", "-c", to, "-B", from, "-t", &secs.to_string(), "-f", "m"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("receiver"), "iperf3 {from} -> {to}: {out}{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Whether iperf3 is installed; without it a test that needs it says so
/// LOUDLY and skips its flow, unless `EDGESH_REQUIRE_INTEROP` is set.
pub fn have_iperf3(test: &str) -> bool {
    if std::path::Path::new("/usr/bin/iperf3").exists() {
        return true;
    }
    assert!(std::env::var("EDGESH_REQUIRE_INTEROP").is_err(), "iperf3 is needed");
    eprintln!("!!! SKIPPING the iperf3 flow of {test}: iperf3 missing");
    false
}

/// The number after `label` in `text` (`#pkts encaps: 5,` -> 5; 0 when
/// no digits follow); panics when `label` is not there.
pub fn count_after(text: &str, label: &str) -> u64 {
    let i = text.find(label).unwrap_or_else(|| panic!("no `{label}` in:\n{text}")) + label.len();
    text[i..].trim_start().chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap_or(0)
}

/// SmartEdge's (in, out) packets of tunnel `t` (`show tunnel ipsec name T
/// detail`, its `Traffic in/out` line); `u64::MAX` for a count not shown.
pub fn se_traffic(e: &Edgesh, t: &str) -> (u64, u64) {
    let d = e.cmd(&format!("show tunnel ipsec name {t} detail"));
    let v = d
        .split("Traffic in/out")
        .nth(1)
        .and_then(|x| x.split(':').nth(1))
        .and_then(|x| x.split(" packets").next())
        .unwrap_or("")
        .trim()
        .to_string();
    let (i, o) = v.split_once('/').unwrap_or(("", ""));
    (i.parse().unwrap_or(u64::MAX), o.parse().unwrap_or(u64::MAX))
}

/// IOS `show crypto ipsec sa` of `e` (its first SA): (encaps, decaps,
/// receive errors).
pub fn ios_counts(e: &Edgesh) -> (u64, u64, u64) {
    let sa = e.cmd("show crypto ipsec sa");
    (count_after(&sa, "#pkts encaps:"), count_after(&sa, "#pkts decaps:"), count_after(&sa, "#recv errors"))
}

/// After a flow between routers A and B: wait until what A sealed B opened
/// and what B sealed A opened, more than `min` packets from A, with no
/// receive error at A. `counts` gives ((A out, A in, A receive errors), (B
/// in, B out)). The agreed counts, as a line.
pub fn wait_counted_alike(min: u64, mut counts: impl FnMut() -> ((u64, u64, u64), (u64, u64))) -> String {
    let t0 = Instant::now();
    loop {
        let ((a_out, a_in, a_err), (b_in, b_out)) = counts();
        let last = format!("A sealed {a_out}, opened {a_in} ({a_err} receive errors); B opened {b_in}, sealed {b_out}");
        if a_out == b_in && a_in == b_out && a_out > min && a_err == 0 {
            return last;
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "the two routers' counts do not agree: {last}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// tshark over capture `pcap` with ESP decryption on and these `uat:esp_sa`
/// entries, then `rest` (a display filter, fields); its output.
pub fn tshark_opened(pcap: &Path, esp_sas: &[String], rest: &[&str]) -> std::process::Output {
    let mut args: Vec<String> =
        vec!["-r".into(), pcap.display().to_string(), "-o".into(), "esp.enable_encryption_decode:TRUE".into()];
    for sa in esp_sas {
        args.push("-o".into());
        args.push(sa.clone());
    }
    args.extend(rest.iter().map(|a| a.to_string()));
    Command::new("tshark").args(&args).output().expect("tshark")
}

/// The `uat:esp_sa` entries of a router's `show crypto keys tshark`.
pub fn exported_esp_sas(keys: &str) -> Vec<String> {
    keys.lines()
        .filter(|l| l.contains("uat:esp_sa"))
        .map(|l| l.trim().trim_start_matches("-o ").trim_matches('\'').to_string())
        .collect()
}
