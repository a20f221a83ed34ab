//! Issue 14's attacks replayed against the real binary in network namespaces
//! of our own (`atk-a` 192.0.2.1 with an IOS crypto map, `atk-b` 192.0.2.2
//! with a SmartEdge tunnel that initiates; a veth pair between them). Each
//! attack is bounded in time; a table of what held goes to standard error and
//! every row must hold:
//!
//! ```sh
//! cargo test --test attacks -- --nocapture
//! ```
//!
//! Needs root, `ip` and python3 (raw packets are sent with its standard
//! library); without them it says so LOUDLY and passes, unless
//! `EDGESH_REQUIRE_INTEROP` is set (CI), then it fails. It takes the same
//! machine-wide lock as the strongSwan interop tests.

mod common;

use common::Edgesh as Router;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NS_A: &str = "atk-a";
const NS_B: &str = "atk-b";
const VETH_A: &str = "atk-va";
const VETH_B: &str = "atk-vb";

fn sh(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().expect(args[0])
}

fn is_root() -> bool {
    sh(&["id", "-u"]).stdout.starts_with(b"0\n")
}

/// The namespaces, removed however the test ends.
struct Net;

impl Net {
    fn up() -> Net {
        Net::down();
        let run = |a: &[&str]| {
            let o = sh(a);
            assert!(o.status.success(), "{a:?}: {}", String::from_utf8_lossy(&o.stderr));
        };
        run(&["ip", "netns", "add", NS_A]);
        run(&["ip", "netns", "add", NS_B]);
        run(&["ip", "link", "add", VETH_A, "netns", NS_A, "type", "veth", "peer", "name", VETH_B, "netns", NS_B]);
        run(&["ip", "-n", NS_A, "addr", "add", "192.0.2.1/24", "dev", VETH_A]);
        run(&["ip", "-n", NS_B, "addr", "add", "192.0.2.2/24", "dev", VETH_B]);
        run(&["ip", "-n", NS_B, "addr", "add", "192.0.2.3/24", "dev", VETH_B]);
        for (ns, dev) in [(NS_A, VETH_A), (NS_B, VETH_B)] {
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            run(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        Net
    }

    fn down() {
        let _ = Command::new("ip").args(["netns", "del", NS_A]).stderr(Stdio::null()).status();
        let _ = Command::new("ip").args(["netns", "del", NS_B]).stderr(Stdio::null()).status();
    }

    /// Packets seen on atk-a's veth (both directions).
    fn packets() -> u64 {
        let o = sh(&[
            "ip",
            "netns",
            "exec",
            NS_A,
            "cat",
            &format!("/sys/class/net/{VETH_A}/statistics/rx_packets"),
            &format!("/sys/class/net/{VETH_A}/statistics/tx_packets"),
        ]);
        String::from_utf8_lossy(&o.stdout).split_whitespace().filter_map(|n| n.parse::<u64>().ok()).sum()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        Net::down();
    }
}

/// Raw-packet tools (python3, standard library only), run inside a namespace.
const PY: &str = r#"
import os, socket, struct, sys, time, random
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def udp(src, sport, dst, dport, payload):
    ul = 8 + len(payload)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 17, ul)
    u = struct.pack('!HHHH', sport, dport, ul, 0) + payload
    c = csum(ph + u) or 0xffff
    u = struct.pack('!HHHH', sport, dport, ul, c) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ul, random.randint(0, 65535), 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + u
def mm1(group):
    attrs = struct.pack('!HH', 0x8001, 7) + struct.pack('!HH', 0x800e, 128) + struct.pack('!HH', 0x8002, 2) + struct.pack('!HH', 0x8003, 1) + struct.pack('!HH', 0x8004, group) + struct.pack('!HH', 0x800b, 1) + struct.pack('!HH', 0x800c, 28800)
    tr = struct.pack('!BBHBBH', 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + len(tr), 1, 1, 0, 1) + tr
    sa = struct.pack('!BBHII', 0, 0, 12 + len(prop), 1, 1) + prop
    hdr = os.urandom(8) + b'\0' * 8 + struct.pack('!BBBBII', 1, 0x10, 2, 0, 0, 28 + len(sa))
    return hdr + sa
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
cmd = sys.argv[1]
if cmd == 'mm1':  # SRCS DST COUNT GROUP: main-mode first messages with random cookies
    srcs, dst, n, g = sys.argv[2].split(','), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    for i in range(n):
        src = srcs[i % len(srcs)]
        s.sendto(udp(src, 500, dst, 500, mm1(g)), (dst, 0))
elif cmd == 'replay':  # SRC DST FILE COUNT: one captured IKE message, COUNT times
    src, dst, f, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    p = open(f, 'rb').read()
    for i in range(n):
        s.sendto(udp(src, 500, dst, 500, p), (dst, 0))
elif cmd == 'esp':  # SRC DST COUNT: random ESP-in-UDP 4500 (non-zero SPI)
    src, dst, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
    for i in range(n):
        p = struct.pack('!II', random.randint(1, 0xffffffff), i + 1) + os.urandom(random.randint(8, 120))
        s.sendto(udp(src, 4500, dst, 4500, p), (dst, 0))
elif cmd == 'sniff':  # IFACE OUTDIR SECONDS: UDP 500 from 192.0.2.1 to 192.0.2.2, one file per packet
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    r.bind((sys.argv[2], 0)); r.settimeout(0.2)
    out, end, k = sys.argv[3], time.time() + float(sys.argv[4]), 0
    while time.time() < end:
        try: f = r.recv(65535)
        except socket.timeout: continue
        if len(f) < 42 or f[12:14] != b'\x08\x00': continue
        ip = f[14:]; hl = (ip[0] & 15) * 4
        if ip[9] != 17 or ip[12:16] != socket.inet_aton('192.0.2.1'): continue
        sp, dp = struct.unpack('!HH', ip[hl:hl + 4])
        if sp != 500 or dp != 500: continue
        k += 1
        open('%s/%04d' % (out, k), 'wb').write(ip[hl + 8:])
elif cmd == 'sniff51':  # IFACE OUTFILE SECONDS SRC: the first AH packet (IP protocol 51) from SRC, whole IP packet
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    r.bind((sys.argv[2], 0)); r.settimeout(0.2)
    end = time.time() + float(sys.argv[4])
    while time.time() < end:
        try: f = r.recv(65535)
        except socket.timeout: continue
        if len(f) < 34 or f[12:14] != b'\x08\x00': continue
        ip = f[14:]
        if ip[9] != 51 or ip[12:16] != socket.inet_aton(sys.argv[5]): continue
        open(sys.argv[3], 'wb').write(ip[:struct.unpack('!H', ip[2:4])[0]])
        break
elif cmd == 'raw':  # DST FILE COUNT: one captured IP packet sent as it is, COUNT times
    p = open(sys.argv[3], 'rb').read()
    for i in range(int(sys.argv[4])):
        s.sendto(p, (sys.argv[2], 0))
elif cmd == 'ah':  # SRC DST COUNT SPI: AH packets (12-octet ICV) with random ICVs and payloads, 50 per 5 ms; SPI 0: random SPIs
    src, dst, n, spi = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    for i in range(n):
        if i % 50 == 49: time.sleep(0.005)
        body = os.urandom(random.randint(20, 120))
        ah = struct.pack('!BBHII', 4, 4, 0, spi or random.randint(256, 0xffffffff), random.randint(1000, 0xffffffff)) + os.urandom(12)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(ah) + len(body), random.randint(0, 65535), 0, 64, 51, 0, socket.inet_aton(src), socket.inet_aton(dst))
        s.sendto(ip + ah + body, (dst, 0))
elif cmd == 'flood':  # DST PORT COUNT SECONDS: idle TCP connections, held open
    src, dst, port, n, secs = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    held = []
    for i in range(n):
        c = socket.socket(); c.setblocking(False)
        c.bind((src, 0))
        try: c.connect((dst, port))
        except BlockingIOError: pass
        held.append(c)
    print('open', len(held), flush=True)
    time.sleep(secs)
"#;

fn py(ns: &str, args: &[&str]) -> std::process::Output {
    Command::new("ip").args(["netns", "exec", ns, "python3", "-c", PY]).args(args).output().expect("python3")
}

const PSK: &str = "attack-test-psk";

fn ios_a() -> String {
    format!(
        "hostname ra
username admin privilege 15 secret 0 attack-pw
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 2
crypto isakmp key {PSK} address 192.0.2.2
crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
access-list 101 permit ip host 198.51.100.1 host 203.0.113.1
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set TS
 set pfs group2
 match address 101
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map VPN
end
"
    )
}

fn smartedge_b() -> String {
    format!(
        "ike proposal ss
  authentication algorithm hmac-sha1-96
  encryption algorithm aes-128-cbc
  dh-group 2
ipsec proposal esp1
  esp encryption aes-128-cbc
  esp authentication hmac-sha1-96
ipsec policy pol1
  perfect-forward-secrecy dh-group 2
  seq 10 proposal esp1
context local
  interface wan
    ip address 192.0.2.2/24
  ike policy peer
    pre-shared-key {PSK}
    mode main
    identity local 192.0.2.2
    identity remote 192.0.2.1
    seq 10 proposal ss
  ipsec access-list acl1
    seq 10 203.0.113.1/32 198.51.100.1/32
tunnel ipsec t1
  peer-end-point local 192.0.2.2 remote 192.0.2.1 context local
  ike-policy peer
  seq 10 ipsec-policy pol1 access-group acl1
"
    )
}

struct Row {
    attack: &'static str,
    measured: String,
    held: bool,
}

/// Rows known not to hold yet (engine bugs this suite found, reported in
/// issue 14's thread): printed as `NO (known)`, not failed on. Remove a row
/// from here when its fix lands.
const KNOWN: &[&str] = &[];

fn table(rows: &[Row]) -> String {
    let w0 = rows.iter().map(|r| r.attack.len()).max().unwrap_or(6).max(6);
    let w1 = rows.iter().map(|r| r.measured.len()).max().unwrap_or(8).max(8);
    let mut t =
        format!("\n{:<w0$} | {:<w1$} | held\n{}-+-{}-+-----\n", "attack", "measured", "-".repeat(w0), "-".repeat(w1));
    for r in rows {
        t += &format!(
            "{:<w0$} | {:<w1$} | {}\n",
            r.attack,
            r.measured,
            if r.held {
                "yes"
            } else if KNOWN.contains(&r.attack) {
                "NO (known)"
            } else {
                "NO"
            }
        );
    }
    t
}

#[test]
fn attacks_of_issue_14_are_replayed_in_namespaces_and_hold() {
    let have_py = Command::new("python3").arg("-V").output().is_ok_and(|o| o.status.success());
    let have_ip = Command::new("ip").arg("-V").output().is_ok_and(|o| o.status.success());
    if !is_root() || !have_py || !have_ip {
        let why = if !is_root() { "not root" } else { "python3 or ip is missing" };
        if std::env::var("EDGESH_REQUIRE_INTEROP").is_ok() {
            panic!("attack suite required but cannot run: {why}");
        }
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! SKIPPING the attack suite (tests/attacks.rs): {why}");
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
        return;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("edgesh-interop.lock"))
        .expect("lock file");
    let _machine =
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| e).expect("interop lock");
    let suite = Instant::now();
    let _net = Net::up();
    let base: PathBuf = std::env::temp_dir().join(format!("edgesh-attacks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let caps = base.join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    let mut rows = Vec::new();

    // The responder's messages are captured from the start (attack 1 replays its last main-mode one).
    let mut sniffer = Command::new("ip")
        .args(["netns", "exec", NS_B, "python3", "-c", PY, "sniff", VETH_B, caps.to_str().unwrap(), "25"])
        .stdout(Stdio::null())
        .spawn()
        .expect("sniffer");
    std::thread::sleep(Duration::from_millis(300));
    let mut a = Router::start_in(NS_A, &base.join("a"), "ios", &ios_a());

    // 2. Spoofed main-mode first messages from the peer's address, then the real peer negotiates.
    let spoofed = 64;
    py(NS_B, &["mm1", "192.0.2.2", "192.0.2.1", &spoofed.to_string(), "2"]);
    let t0 = Instant::now();
    let b = Router::start_in(NS_B, &base.join("b"), "smartedge", &smartedge_b());
    let up = a.try_wait_for("show crypto isakmp sa", "QM_IDLE", 30).is_some()
        && b.try_wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10).is_some();
    rows.push(Row {
        attack: "2 spoofed MM1 from the peer",
        measured: format!("{spoofed} spoofed, tunnel up after {:.1} s: {up}", t0.elapsed().as_secs_f64()),
        held: up,
    });

    // 1. The responder's last main-mode message (MM6), duplicated.
    let _ = sniffer.kill();
    let _ = sniffer.wait();
    let mut mm = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&caps).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    for p in names {
        let b = std::fs::read(&p).unwrap();
        // Main mode (exchange 2), encrypted (flag 1), non-zero responder cookie: MM6.
        if b.len() > 28 && b[18] == 2 && b[19] & 1 == 1 && b[8..16] != [0u8; 8] {
            mm.push(p);
        }
    }
    let copies = 50u64;
    let row1 = match mm.last() {
        Some(mm6) => {
            std::thread::sleep(Duration::from_secs(1));
            let before = Net::packets();
            py(NS_A, &["replay", "192.0.2.1", "192.0.2.2", mm6.to_str().unwrap(), &copies.to_string()]);
            std::thread::sleep(Duration::from_secs(4));
            let n = Net::packets() - before;
            let bound = 4 * copies + 40;
            Row {
                attack: "1 duplicated final IKE message",
                measured: format!("{copies} copies of MM6: {n} packets in 4 s (bound {bound})"),
                held: n <= bound,
            }
        }
        None => Row { attack: "1 duplicated final IKE message", measured: "no MM6 captured".into(), held: false },
    };
    rows.push(row1);

    // The IOS responder's log after attack 2 keeps its tunnel-up line.
    let log_a = a.cmd("show logging");
    let up_a = log_a.contains("Crypto tunnel is UP");
    let downs = log_a.matches("Crypto tunnel is DOWN").count();
    rows.push(Row {
        attack: "2b IOS log after spoofed MM1",
        measured: format!("tunnel-up line kept {up_a}, spurious tunnel-DOWN lines {downs}"),
        held: up_a,
    });

    // 3. Log flood on the SmartEdge router: first messages from addresses no policy has ("No IKE policy found").
    let flood = 5000;
    let srcs: Vec<String> = (10..60).map(|i| format!("192.0.2.{i}")).collect();
    let udp_in = || {
        let o = sh(&["ip", "netns", "exec", NS_B, "cat", "/proc/net/snmp"]);
        let t = String::from_utf8_lossy(&o.stdout).to_string();
        let mut l = t.lines().filter(|l| l.starts_with("Udp:"));
        let (h, v) = (l.next().unwrap_or(""), l.next().unwrap_or(""));
        h.split_whitespace()
            .zip(v.split_whitespace())
            .find(|(k, _)| *k == "InDatagrams")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let stat = |name: &str| {
        let o = b.cmd("show ike card 1/1 statistics global ike1");
        o.lines()
            .find(|l| l.trim_start().starts_with(name))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (rx0, ho0) = (stat("Packets received"), stat("First messages dropped"));
    let in0 = udp_in();
    py(NS_A, &["mm1", &srcs.join(","), "192.0.2.2", &flood.to_string(), "2"]);
    std::thread::sleep(Duration::from_millis(300));
    let delivered = udp_in() - in0;
    let (rx1, ho1) = (stat("Packets received"), stat("First messages dropped"));
    let flood_at = Instant::now();

    // 4. SSH connection flood: hundreds of idle connections from 192.0.2.2, a real login from 192.0.2.3.
    // (An SSH server of its own in atk-a: with standard input not a terminal, edgesh serves SSH only from `--ssh`.)
    let sdir = base.join("ssh");
    std::fs::create_dir_all(&sdir).unwrap();
    std::fs::write(sdir.join("boot.cfg"), "hostname rs\nusername admin privilege 15 secret 0 attack-pw\nend\n")
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Kill(
        Command::new("ip")
            .args(["netns", "exec", NS_A, env!("CARGO_BIN_EXE_edgesh"), "--dialect", "ios", "--config"])
            .arg(sdir.join("boot.cfg"))
            .arg("--state-dir")
            .arg(sdir.join("state"))
            .args(["--ssh", "192.0.2.1:2222"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(sdir.join("stderr.txt")).unwrap())
            .spawn()
            .expect("edgesh SSH server"),
    );
    let t4 = Instant::now();
    while !std::fs::read_to_string(sdir.join("stderr.txt")).unwrap_or_default().contains("listening on")
        && t4.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let conns = 300;
    let mut flooder = Command::new("ip")
        .args([
            "netns",
            "exec",
            NS_B,
            "python3",
            "-c",
            PY,
            "flood",
            "192.0.2.2",
            "192.0.2.1",
            "2222",
            &conns.to_string(),
            "30",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("flooder");
    let mut line = [0u8; 16];
    let _ = flooder.stdout.as_mut().unwrap().read(&mut line);
    std::thread::sleep(Duration::from_secs(1));
    let askpass = base.join("askpass.sh");
    std::fs::write(&askpass, "#!/bin/sh\necho attack-pw\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (mut logged_in, mut tries, mut why) = (false, 0, String::new());
    while !logged_in && tries < 5 {
        tries += 1;
        let o = Command::new("ip")
            .args([
                "netns",
                "exec",
                NS_B,
                "ssh",
                "-p",
                "2222",
                "-b",
                "192.0.2.3",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
            ])
            .args([
                "-o",
                "PreferredAuthentications=password",
                "-o",
                "PubkeyAuthentication=no",
                "-o",
                "NumberOfPasswordPrompts=1",
                "-o",
                "ConnectTimeout=10",
                "admin@192.0.2.1",
                "show clock",
            ])
            .env("SSH_ASKPASS", &askpass)
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", ":0")
            .stdin(Stdio::null())
            .output()
            .expect("ssh");
        logged_in = o.status.success();
        why = String::from_utf8_lossy(&o.stderr).trim().to_string();
        if !logged_in {
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    let _ = flooder.kill();
    let _ = flooder.wait();
    let server_alive = matches!(server.0.try_wait(), Ok(None));
    drop(server);
    let refused_logged =
        std::fs::read_to_string(sdir.join("stderr.txt")).unwrap_or_default().contains("SSH-4-CONN_REFUSED");
    rows.push(Row {
        attack: "4 SSH connection flood",
        measured: format!(
            "{conns} idle connections, real login ok: {logged_in} (try {tries}) {why}, refusals logged {refused_logged}"
        ),
        held: logged_in && server_alive && refused_logged,
    });

    // 5. Garbage ESP in UDP 4500.
    let esp = 20000;
    let before = a.cmd("show crypto ipsec sa detail");
    let t5 = Instant::now();
    py(NS_B, &["esp", "192.0.2.2", "192.0.2.1", &esp.to_string()]);
    let secs = t5.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(500));
    let after = a.cmd("show crypto ipsec sa detail");
    let recv = |s: &str| {
        s.split("#pkts invalid sa (rcv)")
            .nth(1)
            .and_then(|t| t.trim_start_matches([' ', ':']).split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (r0, r1) = (recv(&before), recv(&after));
    let alive = a.alive() && a.cmd("show crypto isakmp sa").contains("QM_IDLE");
    rows.push(Row {
        attack: "5 garbage ESP in UDP 4500",
        measured: format!("{esp} packets in {secs:.1} s: alive {alive}, #pkts invalid sa (rcv) {r0} -> {r1}"),
        held: alive && r1 > r0,
    });

    // 3, checked after its window (10 s) ended.
    let wait = Duration::from_secs(11).saturating_sub(flood_at.elapsed());
    std::thread::sleep(wait);
    // A line logged after the window ended closes it (and writes the summary).
    // (A summary line is written when a message of the same kind and source comes after its
    // window: one more first message from each flooding address and a new one.)
    let closing = format!("{},192.0.2.99", srcs.join(","));
    py(NS_A, &["mm1", &closing, "192.0.2.2", "51", "2"]);
    std::thread::sleep(Duration::from_millis(300));
    let log = b.cmd("show log");
    let kept_up = log.contains("IKE phase-I SA established with 192.0.2.1");
    let kept: u64 =
        log.lines().filter(|l| l.contains("No IKE policy found") && !l.contains("LOG_SUPPRESSED")).count() as u64;
    let suppressed: u64 = log
        .lines()
        .filter(|l| l.contains("LOG_SUPPRESSED") && l.contains("192.0.2."))
        .filter_map(|l| l.split("LOG_SUPPRESSED: ").nth(1))
        .filter_map(|t| t.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    let has_line = log.contains("LOG_SUPPRESSED");
    // Counted truly: every first message the socket delivered is a kept line or counted as suppressed
    // (give or take the IKE traffic of the tunnel and the closing message).
    let held3 = kept_up && has_line && suppressed > 0 && (kept + suppressed).abs_diff(delivered + 51) <= 3;
    rows.push(Row { attack: "3 log flood", measured: format!("{flood} MM1 from 50 unknown peers: tunnel-up line kept {kept_up}, {delivered}+51 delivered, engine rx {} half-open drops {}: {kept} kept + {suppressed} counted suppressed", rx1 - rx0, ho1 - ho0), held: held3 });

    // 6. A paste with invalid UTF-8 and control bytes.
    a.cmd("configure terminal");
    let start = a.mark();
    a.send(b"interface Loopback1\n description Caf\xE9\n ip address 203.0.113.9 255.255.255.255\n description ctl\x03c\n description nul\x00x\x08\x15\n ip address 203.0.113.10 255.255.255.255 secondary\nend\n");
    std::thread::sleep(Duration::from_millis(800));
    let _ = a.settle(start, "paste");
    let rc = a.cmd("show running-config interface Loopback1");
    let kept = rc.contains("ip address 203.0.113.9 255.255.255.255")
        && rc.contains("ip address 203.0.113.10 255.255.255.255 secondary");
    let still = a.alive()
        && a.cmd("show crypto isakmp sa").contains("QM_IDLE")
        && a.cmd("show running-config").contains("hostname ra");
    rows.push(Row {
        attack: "6 paste: bad UTF-8, control bytes",
        measured: format!("next lines kept their bytes {kept}, nothing else ran {still}"),
        held: kept && still,
    });

    // 7 and 8: AH (raw IP protocol 51). The two routers again, with AH SAs
    // (IOS `ah-sha-hmac`, SmartEdge `ah hmac-sha1-96`) and traffic through them.
    drop(b);
    drop(a);
    let a = Router::start_in(
        NS_A,
        &base.join("a-ah"),
        "ios",
        &ios_a()
            .replace("crypto ipsec transform-set TS esp-aes esp-sha-hmac", "crypto ipsec transform-set TS ah-sha-hmac"),
    );
    let b = Router::start_in(
        NS_B,
        &base.join("b-ah"),
        "smartedge",
        &smartedge_b()
            .replace("  esp encryption aes-128-cbc\n  esp authentication hmac-sha1-96\n", "  ah hmac-sha1-96\n"),
    );
    let (ah_rows, ah_log) = ah_attacks(&a, &b, &base);
    rows.extend(ah_rows);

    rows.sort_by_key(|r| r.attack);
    let t = table(&rows);
    eprintln!("{t}attack suite: {:.1} s", suite.elapsed().as_secs_f64());
    let log = format!("{log}\nIOS router with AH:\n{ah_log}");
    drop(b);
    drop(a);
    assert!(
        rows.iter().all(|r| r.held || KNOWN.contains(&r.attack)),
        "not every attack held:{t}\nrunning-config of Loopback1:\n{rc}\nlog:\n{log}"
    );
    let _ = std::fs::remove_dir_all(&base);
}

/// The AH attacks against the IOS router `a` (AH SA with `b`): a genuine AH
/// packet replayed, and garbage AH (random SPIs; the SA's SPI with bad
/// ICVs). Each must leave the router up, its tunnel carrying traffic, and
/// count every packet where `show crypto ipsec sa detail` says; the replay
/// log lines are rate-limited. Returns the rows and the router's log.
fn ah_attacks(a: &Router, b: &Router, base: &std::path::Path) -> (Vec<Row>, String) {
    let mut rows = Vec::new();
    // The protected addresses, routed into each router's edgesh0.
    let ip = |ns: &str, args: &[&str]| Command::new("ip").args(["-n", ns]).args(args).output().expect("ip");
    ip(NS_A, &["addr", "replace", "198.51.100.1/32", "dev", "lo"]);
    ip(NS_B, &["addr", "replace", "203.0.113.1/32", "dev", "lo"]);
    let t0 = Instant::now();
    while !(ip(NS_A, &["link", "show", "edgesh0"]).status.success()
        && ip(NS_B, &["link", "show", "edgesh0"]).status.success())
        && t0.elapsed() < Duration::from_secs(15)
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    for (ns, remote, local) in [(NS_A, "203.0.113.1/32", "198.51.100.1"), (NS_B, "198.51.100.1/32", "203.0.113.1")] {
        ip(ns, &["link", "set", "edgesh0", "up"]);
        ip(ns, &["route", "replace", remote, "dev", "edgesh0", "src", local]);
    }
    let ping = || {
        let o = Command::new("ip")
            .args([
                "netns",
                "exec",
                NS_B,
                "ping",
                "-c",
                "3",
                "-i",
                "0.3",
                "-W",
                "2",
                "-I",
                "203.0.113.1",
                "198.51.100.1",
            ])
            .output()
            .expect("ping");
        String::from_utf8_lossy(&o.stdout).contains("3 received")
    };
    let ah_packet = base.join("ah-packet");
    let mut sniffer = Command::new("ip")
        .args([
            "netns",
            "exec",
            NS_A,
            "python3",
            "-c",
            PY,
            "sniff51",
            VETH_A,
            ah_packet.to_str().unwrap(),
            "30",
            "192.0.2.2",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("sniffer");
    std::thread::sleep(Duration::from_millis(300));
    // The first ping starts the tunnel (IOS initiates on traffic; SmartEdge too).
    // Pings go on until the sniffer has its packet too: on a loaded machine
    // python may start after the first pings have gone by.
    let t1 = Instant::now();
    let mut up = false;
    while !(up && ah_packet.exists()) && t1.elapsed() < Duration::from_secs(30) {
        up |= ping();
    }
    let _ = sniffer.wait();
    let detail = |r: &Router| r.cmd("show crypto ipsec sa detail");
    let count = |s: &str, what: &str| {
        s.split(what)
            .nth(1)
            .and_then(|t| t.trim_start_matches([' ', ':']).split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let d0 = detail(a);
    let spi = d0
        .split("inbound ah sas:")
        .nth(1)
        .and_then(|t| t.split("spi: 0x").nth(1))
        .and_then(|t| u32::from_str_radix(t.split('(').next().unwrap_or(""), 16).ok())
        .unwrap_or(0);
    let lines = |r: &Router, what: &str| r.cmd("show logging").matches(what).count();

    // 7. A genuine AH packet of b's, replayed.
    let copies = 200u64;
    let row7 = if up && ah_packet.exists() {
        let (r0, l0) = (count(&d0, "##pkts replay failed (rcv)"), lines(a, "PKT_REPLAY_ERR"));
        py(NS_B, &["raw", "192.0.2.1", ah_packet.to_str().unwrap(), &copies.to_string()]);
        std::thread::sleep(Duration::from_millis(800));
        let d1 = detail(a);
        let (r1, l1) = (count(&d1, "##pkts replay failed (rcv)"), lines(a, "PKT_REPLAY_ERR"));
        // Every copy counted; the log keeps 20 lines per SA and kind per 10 s (the rest counted as suppressed).
        let after = ping();
        let held = r1 - r0 == copies && l1 - l0 <= 20 && after;
        Row {
            attack: "7 replayed AH packet",
            measured: format!(
                "{copies} copies: replay failed {r0} -> {r1}, {} replay lines logged (limit 20), ping after {after}",
                l1 - l0
            ),
            held,
        }
    } else {
        Row {
            attack: "7 replayed AH packet",
            measured: format!("no AH tunnel or no AH packet captured (ping ok: {up})"),
            held: false,
        }
    };
    rows.push(row7);

    // 8. Garbage AH: random SPIs, then the SA's SPI with bad ICVs.
    let n = 5000u64;
    // Packets the kernel dropped at the router's protocol-51 socket (a full receive buffer), last column of /proc/net/raw.
    let raw_drops = || {
        let o = sh(&["ip", "netns", "exec", NS_A, "cat", "/proc/net/raw"]);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.split_whitespace().nth(1).is_some_and(|a| a.ends_with(":0033")))
            .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>()
    };
    // And packets dropped before any socket (a CPU's input backlog full): the second column of /proc/net/softnet_stat.
    let backlog_drops = || {
        std::fs::read_to_string("/proc/net/softnet_stat")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| u64::from_str_radix(l.split_whitespace().nth(1)?, 16).ok())
            .sum::<u64>()
    };
    let k0 = raw_drops() + backlog_drops();
    let d1 = detail(a);
    let (inv0, ver0) = (count(&d1, "#pkts invalid sa (rcv)"), count(&d1, "#pkts verify failed"));
    let t8 = Instant::now();
    py(NS_B, &["ah", "192.0.2.2", "192.0.2.1", &n.to_string(), "0"]);
    py(NS_B, &["ah", "192.0.2.2", "192.0.2.1", &n.to_string(), &spi.to_string()]);
    let secs = t8.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(800));
    let d2 = detail(a);
    let (inv1, ver1) = (count(&d2, "#pkts invalid sa (rcv)"), count(&d2, "#pkts verify failed"));
    let kernel = raw_drops() + backlog_drops() - k0;
    let alive = a.cmd("show crypto isakmp sa").contains("QM_IDLE") && ping();
    // Each packet the router's socket got is counted once, under its kind.
    let held = spi != 0 && alive && inv1 > inv0 && ver1 > ver0 && (inv1 - inv0) + (ver1 - ver0) + kernel == 2 * n;
    rows.push(Row {
        attack: "8 garbage AH (protocol 51)",
        measured: format!("{n} random SPIs + {n} bad ICVs on SPI 0x{spi:08X} in {secs:.1} s: invalid sa {inv0} -> {inv1}, verify failed {ver0} -> {ver1}, {kernel} dropped by the kernel, tunnel carries traffic {alive}"),
        held,
    });
    let _ = b;
    (rows, a.cmd("show logging"))
}
