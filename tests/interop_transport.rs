//! Transport mode and GRE over IPsec (issue 19) between two IOS edgesh in
//! network namespaces of our own (`tr-a` 192.0.2.1, `tr-b` 192.0.2.2, a
//! veth pair): transform sets with `mode transport`, crypto ACLs
//! `permit gre host A host B`, negotiated with IKEv1 (encapsulation mode
//! attribute) and IKEv2 (USE_TRANSPORT_MODE). GRE packets between the two
//! end points (this kernel has no GRE device, so a raw IP protocol 47
//! socket sends and receives them; the host routes them into `edgesh0` by
//! `ip rule ipproto gre`) cross as ESP transport mode both ways (IKEv1
//! through a port-translating bridge that plays a NAT, see [`BRIDGE`], so
//! ESP in UDP 4500; IKEv2 without it, so ESP on IP protocol 50): the GRE
//! payload arrives intact under its own header, the counters of both
//! routers agree, and tshark, with the keys A exports (`show crypto keys
//! tshark`), finds GRE directly under ESP (no inner IP header).
//!
//! A third test runs an iperf3 TCP flow between the two end points in
//! IKEv2 transport mode (crypto ACL `permit tcp host A host B`, the two on
//! one veth pair, no bridge): both routers count the same packets.
//!
//! strongSwan's userspace libipsec has no transport mode, so this is
//! edgesh against edgesh. Needs root, `ip`, python3, tshark and iperf3; takes the
//! machine-wide interop lock (`common::ready`).

mod common;

use common::*;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NS_A: &str = "tr-a";
const NS_B: &str = "tr-b";
const VETH_A: &str = "tr-va";
const VETH_B: &str = "tr-vb";
const A: &str = "192.0.2.1";
const B: &str = "192.0.2.2";

fn sh(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn ok(args: &[&str]) {
    let o = sh(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The bridge in `tr-mid` between the two veths: forwards every frame and,
/// as a port-translating NAT in front of A would, rewrites A's UDP source
/// ports 500 and 4500 to 1500 and 14500 (and B's answers back), when
/// `nat` (else it only forwards). The NAT-D payloads then differ from what
/// each side sees, both detect a NAT and carry ESP in UDP 4500. UDP
/// checksums are cleared (0: none in IPv4; veth leaves them to offload).
const BRIDGE: &str = r#"
import socket, select, sys
nat = sys.argv[1] == 'nat'
def sock(ifn):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifn, 0))
    return s
L, R = sock('tr-vam'), sock('tr-vbm')
other = {L: R, R: L}
out = {500: 1500, 4500: 14500}
back = {v: k for k, v in out.items()}
while True:
    for s in select.select([L, R], [], [])[0]:
        f, a = s.recvfrom(65535)
        if a[2] == socket.PACKET_OUTGOING:
            continue
        f = bytearray(f)
        if len(f) >= 34 and f[12:14] == b'\x08\x00' and f[23] == 17:
            u = 14 + (f[14] & 15) * 4
            if len(f) >= u + 8:
                f[u + 6:u + 8] = b'\0\0'
                if not nat:
                    pass
                elif s is L:
                    p = f[u] << 8 | f[u + 1]
                    if p in out:
                        f[u:u + 2] = out[p].to_bytes(2, 'big')
                else:
                    p = f[u + 2] << 8 | f[u + 3]
                    if p in back:
                        f[u + 2:u + 4] = back[p].to_bytes(2, 'big')
        other[s].send(bytes(f))
"#;

const MID: &str = "tr-mid";

/// The namespaces and the bridge (if any), removed however the test ends.
struct Net {
    bridge: Option<Child>,
}

impl Net {
    /// A and B through the bridge (a NAT when `nat`).
    fn up(nat: bool) -> Net {
        Net::with(Some(nat))
    }

    /// A and B on the two ends of one veth pair: no bridge, which as a
    /// userspace relay loses packets under a TCP flow's bursts.
    fn direct() -> Net {
        Net::with(None)
    }

    fn with(bridge: Option<bool>) -> Net {
        Net::down();
        for ns in [NS_A, NS_B, MID] {
            ok(&["ip", "netns", "add", ns]);
        }
        if bridge.is_none() {
            ok(&["ip", "link", "add", VETH_A, "netns", NS_A, "type", "veth", "peer", "name", VETH_B, "netns", NS_B]);
        }
        for (ns, dev, mid, addr, peer) in [(NS_A, VETH_A, "tr-vam", A, B), (NS_B, VETH_B, "tr-vbm", B, A)] {
            if bridge.is_some() {
                ok(&["ip", "link", "add", dev, "netns", ns, "type", "veth", "peer", "name", mid, "netns", MID]);
                ok(&["ip", "-n", MID, "link", "set", mid, "up"]);
            }
            ok(&["ip", "-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ok(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            ok(&["ip", "-n", ns, "link", "set", dev, "up"]);
            // GRE to the peer goes into the dataplane (table 100); the rest (IKE, ESP in UDP) does not.
            // So does TCP, for the test of a TCP flow in transport mode (whose
            // crypto ACL covers TCP, not GRE).
            ok(&["ip", "-n", ns, "rule", "add", "ipproto", "gre", "to", peer, "lookup", "100", "pref", "100"]);
            ok(&["ip", "-n", ns, "rule", "add", "ipproto", "tcp", "to", peer, "lookup", "100", "pref", "101"]);
            for k in ["all", "default"] {
                ok(&["ip", "netns", "exec", ns, "sysctl", "-qw", &format!("net.ipv4.conf.{k}.rp_filter=0")]);
            }
        }
        let bridge = bridge.map(|nat| {
            Command::new("ip")
                .args(["netns", "exec", MID, "python3", "-c", BRIDGE, if nat { "nat" } else { "plain" }])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the bridge")
        });
        let net = Net { bridge };
        let t0 = Instant::now();
        while !sh(&["ip", "netns", "exec", NS_A, "ping", "-c1", "-W1", B]).status.success() {
            assert!(t0.elapsed() < Duration::from_secs(10), "no link through the bridge");
        }
        net
    }

    fn down() {
        for ns in [NS_A, NS_B, MID] {
            let _ = Command::new("ip").args(["netns", "del", ns]).stderr(Stdio::null()).status();
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        if let Some(b) = self.bridge.as_mut() {
            let _ = b.kill();
            let _ = b.wait();
        }
        Net::down();
    }
}

/// An IOS crypto map in transport mode protecting GRE from `me` to `peer`.
fn ios(me: &str, peer: &str, v2: bool) -> String {
    ios_for(me, peer, v2, "gre")
}

/// The same for IP protocol `proto` (`gre`, `tcp`) between the two.
fn ios_for(me: &str, peer: &str, v2: bool, proto: &str) -> String {
    let ike = if v2 {
        format!(
            "crypto ikev2 proposal P1\n encryption aes-cbc-128\n integrity sha1\n group 14\ncrypto ikev2 policy POL\n proposal P1\n\
crypto ikev2 keyring KR\n peer p\n  address {peer}\n  pre-shared-key transport-psk\n\
crypto ikev2 profile PROF\n match identity remote address {peer} 255.255.255.255\n identity local address {me}\n authentication local pre-share\n authentication remote pre-share\n keyring local KR\n"
        )
    } else {
        format!(
            "crypto isakmp policy 10\n encr aes\n hash sha\n authentication pre-share\n group 14\ncrypto isakmp key transport-psk address {peer}\n"
        )
    };
    format!(
        "hostname r\n{ike}\
crypto ipsec transform-set TS esp-aes esp-sha-hmac\n mode transport\n\
access-list 120 permit {proto} host {me} host {peer}\n\
crypto map VPN 10 ipsec-isakmp\n set peer {peer}\n set transform-set TS\n{}\
 match address 120\n\
interface GigabitEthernet0/0\n ip address {me} 255.255.255.0\n crypto map VPN\nend\n",
        if v2 { " set ikev2-profile PROF\n" } else { "" }
    )
}

/// Wait for `edgesh0` and route GRE to the peer into it.
fn route_gre(ns: &str, peer: &str, e: &Edgesh) {
    let t0 = Instant::now();
    while !sh(&["ip", "-n", ns, "link", "show", "edgesh0"]).status.success() {
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "{ns}: edgesh0 was not created:\n{}\n{}",
            e.cmd("show crypto ipsec sa"),
            e.load_messages()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    ok(&["ip", "-n", ns, "link", "set", "edgesh0", "up"]);
    ok(&["ip", "-n", ns, "route", "replace", &format!("{peer}/32"), "dev", "edgesh0", "table", "100"]);
}

/// Python: send GRE packets (a GRE header and a marker) to `peer`, or
/// receive them and print each payload's marker.
const GRE: &str = r#"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
if sys.argv[1] == 'send':
    for i in range(int(sys.argv[3])):
        s.sendto(bytes.fromhex('00000800') + b'edgesh-gre-%02d' % i, (sys.argv[2], 0))
        time.sleep(0.1)
else:
    s.settimeout(float(sys.argv[2]))
    try:
        while True:
            d, a = s.recvfrom(2048)
            ihl = (d[0] & 15) * 4
            if d[ihl:ihl + 4] == bytes.fromhex('00000800'):
                print(a[0], d[ihl + 4:].decode('ascii', 'replace'), flush=True)
    except socket.timeout:
        pass
"#;

fn gre_send(ns: &str, peer: &str, n: usize) {
    ok(&["ip", "netns", "exec", ns, "python3", "-c", GRE, "send", peer, &n.to_string()]);
}

fn gre_listen(ns: &str, secs: u32) -> Child {
    Command::new("ip")
        .args(["netns", "exec", ns, "python3", "-c", GRE, "recv", &secs.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3")
}

fn gre_over_transport_mode(v2: bool) {
    let Some(_g) = ready() else { return };
    // IKEv1 behind the NAT (ESP in UDP), IKEv2 without (raw ESP).
    let nat = !v2;
    let net = Net::up(nat);
    let base: PathBuf = base().join(if v2 { "transport-v2" } else { "transport-v1" });
    std::fs::create_dir_all(&base).expect("base dir");
    let pcap = base.join("wire.pcap");
    let _ = std::fs::remove_file(&pcap);
    let capture = common::start_capture(NS_A, VETH_A, &pcap, "udp port 4500 or ip proto 50");
    let a = Edgesh::start_in(NS_A, &base.join("a"), "ios", &ios(A, B, v2));
    let b = Edgesh::start_in(NS_B, &base.join("b"), "ios", &ios(B, A, v2));
    route_gre(NS_A, B, &a);
    route_gre(NS_B, A, &b);
    // The first packet starts the negotiation (IOS drops it meanwhile).
    let t0 = Instant::now();
    loop {
        gre_send(NS_A, B, 1);
        if a.cmd("show crypto ipsec sa").contains("Status: ACTIVE") {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no SA:\n{}\n{}",
            a.cmd("show crypto ipsec sa"),
            b.cmd("show crypto ipsec sa")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let sa_a = a.cmd("show crypto ipsec sa");
    let settings = if nat { "in use settings ={Transport UDP-Encaps, }" } else { "in use settings ={Transport, }" };
    assert!(sa_a.contains(settings), "transport mode on A:\n{sa_a}");
    let sa_b = b.wait_for("show crypto ipsec sa", "Status: ACTIVE", 10);
    assert!(sa_b.contains(settings), "transport mode on B:\n{sa_b}");
    let (a0, b0) = (count_after(&sa_a, "#pkts encaps:"), count_after(&sa_b, "#pkts decaps:"));
    // GRE both ways.
    let lb = gre_listen(NS_B, 4);
    let la = gre_listen(NS_A, 4);
    std::thread::sleep(Duration::from_millis(500));
    gre_send(NS_A, B, 5);
    gre_send(NS_B, A, 3);
    let got_b = String::from_utf8_lossy(&lb.wait_with_output().expect("listener").stdout).to_string();
    let got_a = String::from_utf8_lossy(&la.wait_with_output().expect("listener").stdout).to_string();
    let want = |from: &str, n: usize| (0..n).map(|i| format!("{from} edgesh-gre-{i:02}\n")).collect::<String>();
    assert_eq!(got_b, want(A, 5), "B received A's GRE packets under their own header");
    assert_eq!(got_a, want(B, 3), "A received B's GRE packets");
    let (sa_a, sa_b) = (a.cmd("show crypto ipsec sa"), b.cmd("show crypto ipsec sa"));
    let (a_out, a_in) = (count_after(&sa_a, "#pkts encaps:") - a0, count_after(&sa_a, "#pkts decaps:"));
    let (b_in, b_out) = (count_after(&sa_b, "#pkts decaps:") - b0, count_after(&sa_b, "#pkts encaps:"));
    assert_eq!((a_out, a_in, b_in, b_out), (5, 3, 5, 3), "counters agree:\nA:\n{sa_a}\nB:\n{sa_b}");
    // tshark opens the ESP with A's keys: GRE right under ESP.
    let keys = a.cmd("show crypto keys tshark");
    std::thread::sleep(Duration::from_millis(300));
    common::stop_capture(capture);
    let t = tshark_opened(
        &pcap,
        &exported_esp_sas(&keys),
        &["-Y", "gre", "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "esp.spi", "-e", "ip.proto"],
    );
    let v = String::from_utf8_lossy(&t.stdout);
    let rows: Vec<&str> = v.lines().collect();
    assert!(
        rows.len() >= 8,
        "tshark decrypted too few GRE packets ({}):\n{v}\n{}\n{keys}",
        rows.len(),
        String::from_utf8_lossy(&t.stderr)
    );
    // One IP header per packet (the outer one, kept): 17 (UDP-encapsulated ESP) only when NAT-T is on, else 50.
    for r in &rows {
        let f: Vec<&str> = r.split('\t').collect();
        assert!(!f[3].contains(','), "an inner IP header: not transport mode: {r}");
    }
    drop((a, b));
    drop(net);
}

#[test]
fn gre_over_ikev1_transport_mode_between_two_edgesh() {
    gre_over_transport_mode(false);
}

#[test]
fn gre_over_ikev2_transport_mode_between_two_edgesh() {
    gre_over_transport_mode(true);
}

/// A TCP flow between the two end points in transport mode (IKEv2, ESP
/// on IP protocol 50; the crypto ACL `permit tcp host A host B`): the
/// first connection attempt starts the negotiation, then an iperf3 flow
/// crosses and both routers count the same packets.
#[test]
fn a_tcp_flow_in_ikev2_transport_mode_between_two_edgesh() {
    let Some(_g) = ready() else { return };
    if !have_iperf3("the transport-mode TCP test") {
        return;
    }
    let net = Net::direct();
    let base: PathBuf = base().join("transport-tcp");
    std::fs::create_dir_all(&base).expect("base dir");
    let a = Edgesh::start_in(NS_A, &base.join("a"), "ios", &ios_for(A, B, true, "tcp"));
    let b = Edgesh::start_in(NS_B, &base.join("b"), "ios", &ios_for(B, A, true, "tcp"));
    route_gre(NS_A, B, &a);
    route_gre(NS_B, A, &b);
    // A connection attempt (to B's discard port: B's kernel answers with a
    // reset once the SA carries it) starts the negotiation.
    let knock = format!(
        "import socket\ns = socket.socket()\ns.settimeout(0.3)\ns.bind(('{A}', 0))\ntry:\n    s.connect(('{B}', 9))\nexcept Exception:\n    pass\n"
    );
    let t0 = Instant::now();
    while !a.cmd("show crypto ipsec sa").contains("Status: ACTIVE") {
        ok(&["ip", "netns", "exec", NS_A, "python3", "-c", &knock]);
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no SA:\n{}\n{}",
            a.cmd("show crypto ipsec sa"),
            b.cmd("show crypto ipsec sa")
        );
    }
    let sa_b = b.wait_for("show crypto ipsec sa", "Status: ACTIVE", 10);
    assert!(sa_b.contains("in use settings ={Transport, }"), "transport mode on B:\n{sa_b}");
    assert!(a.cmd("show crypto ipsec sa").contains("in use settings ={Transport, }"), "transport mode on A");
    let o = iperf3_tcp(NS_B, B, NS_A, A, 2);
    let agree = wait_counted_alike(1000, || {
        let (b_out, b_in, _) = ios_counts(&b);
        (ios_counts(&a), (b_in, b_out))
    });
    eprintln!("transport mode, after iperf3: {agree}\n{o}");
    drop((a, b));
    drop(net);
}
