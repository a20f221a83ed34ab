//! Manual-key SAs (issue 19) between two edgesh in network namespaces of
//! our own: `man-a` (192.0.2.1, IOS `crypto map MANUAL 10 ipsec-manual`
//! with `set session-key`) and `man-b` (192.0.2.2, SmartEdge `tunnel ipsec
//! manual` with an `ipsec security-association` in/out), a veth pair
//! between them, no IKE at all. Pings from 10.1.0.1 (behind A) to 10.2.0.1
//! (behind B) cross the tunnel both ways; each router's counters agree with
//! the other's; and tshark, given only the keys typed in the two
//! configurations, decrypts the captured ESP (IP protocol 50, as IOS
//! carries manual SAs) back into the ICMP echoes. Then an iperf3 TCP flow
//! over the same SAs is counted alike by both routers.
//!
//! Needs root, `ip`, `ping`, tshark and iperf3; without them it says so loudly and
//! passes unless `EDGESH_REQUIRE_INTEROP` is set. It takes the machine-wide
//! interop lock (`common::ready`).

mod common;

use common::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NS_A: &str = "man-a";
const NS_B: &str = "man-b";
const VETH_A: &str = "man-va";
const VETH_B: &str = "man-vb";

// A's inbound is B's outbound and the other way round.
const SPI_AB: u32 = 0x1001; // A -> B
const SPI_BA: u32 = 0x2002; // B -> A
const ENC_AB: &str = "000102030405060708090a0b0c0d0e0f";
const AUTH_AB: &str = "101112131415161718191a1b1c1d1e1f20212223";
const ENC_BA: &str = "303132333435363738393a3b3c3d3e3f";
const AUTH_BA: &str = "404142434445464748494a4b4c4d4e4f50515253";

fn sh(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn ok(args: &[&str]) {
    let o = sh(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The namespaces, removed however the test ends.
struct Net;

impl Net {
    fn up() -> Net {
        Net::down();
        ok(&["ip", "netns", "add", NS_A]);
        ok(&["ip", "netns", "add", NS_B]);
        ok(&["ip", "link", "add", VETH_A, "netns", NS_A, "type", "veth", "peer", "name", VETH_B, "netns", NS_B]);
        ok(&["ip", "-n", NS_A, "addr", "add", "192.0.2.1/24", "dev", VETH_A]);
        ok(&["ip", "-n", NS_B, "addr", "add", "192.0.2.2/24", "dev", VETH_B]);
        ok(&["ip", "-n", NS_A, "addr", "add", "10.1.0.1/32", "dev", "lo"]);
        ok(&["ip", "-n", NS_B, "addr", "add", "10.2.0.1/32", "dev", "lo"]);
        for (ns, dev) in [(NS_A, VETH_A), (NS_B, VETH_B)] {
            ok(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            ok(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        Net
    }

    fn down() {
        for ns in [NS_A, NS_B] {
            let _ = Command::new("ip").args(["netns", "del", ns]).stderr(Stdio::null()).status();
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        Net::down();
    }
}

fn ios_a() -> String {
    format!(
        "hostname a\n\
crypto ipsec transform-set MAN esp-aes esp-sha-hmac\n\
 mode tunnel\n\
access-list 110 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255\n\
crypto map MANUAL 10 ipsec-manual\n\
 set peer 192.0.2.2\n\
 set session-key inbound esp {SPI_BA} cipher {ENC_BA} authenticator {AUTH_BA}\n\
 set session-key outbound esp {SPI_AB} cipher {ENC_AB} authenticator {AUTH_AB}\n\
 set transform-set MAN\n\
 match address 110\n\
interface GigabitEthernet0/0\n\
 ip address 192.0.2.1 255.255.255.0\n\
 crypto map MANUAL\n"
    )
}

fn smartedge_b() -> String {
    format!(
        "context local\n\
  interface wan\n\
    ip address 192.0.2.2/24\n\
  interface tun ipsec\n\
    ip address 10.255.0.2/30\n\
  ipsec access-list acl1\n\
    seq 10 10.2.0.0/16 10.1.0.0/16\n\
ipsec security-association sa1\n\
  in\n\
    esp spi {SPI_AB}\n\
    esp encryption aes-128-cbc hex {ENC_AB}\n\
    esp authentication hmac-sha1-96 hex {AUTH_AB}\n\
  out\n\
    esp spi {SPI_BA}\n\
    esp encryption aes-128-cbc hex {ENC_BA}\n\
    esp authentication hmac-sha1-96 hex {AUTH_BA}\n\
tunnel ipsec m1 manual\n\
  bind interface tun local\n\
  peer-end-point local 192.0.2.2 remote 192.0.2.1\n\
  seq 10 security-association sa1 access-group acl1\n"
    )
}

/// Route the far inside prefix into `edgesh0` once edgesh has made it.
fn route_into_dataplane(ns: &str, prefix: &str, src: &str, e: &Edgesh, show: &str) {
    let t0 = Instant::now();
    while !sh(&["ip", "-n", ns, "link", "show", "edgesh0"]).status.success() {
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "{ns}: edgesh0 was not created:\n{}\n{}",
            e.cmd(show),
            e.load_messages()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    ok(&["ip", "-n", ns, "link", "set", "edgesh0", "up"]);
    ok(&["ip", "-n", ns, "route", "replace", prefix, "dev", "edgesh0", "src", src]);
}

fn esp_sa_option(src: &str, dst: &str, spi: u32, enc: &str, auth: &str) -> String {
    format!(
        "uat:esp_sa:\"IPv4\",\"{src}\",\"{dst}\",\"0x{spi:08x}\",\"AES-CBC [RFC3602]\",\"0x{enc}\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x{auth}\""
    )
}

#[test]
fn manual_keys_carry_pings_between_an_ios_and_a_smartedge_edgesh() {
    let Some(_g) = ready() else { return };
    let net = Net::up();
    let base: PathBuf = base().join("manual");
    let pcap = base.join("wire.pcap");
    std::fs::create_dir_all(&base).expect("base dir");
    let _ = std::fs::remove_file(&pcap);
    let capture = common::start_capture(NS_A, VETH_A, &pcap, "ip proto 50");
    let a = Edgesh::start_in(NS_A, &base.join("a"), "ios", &ios_a());
    let b = Edgesh::start_in(NS_B, &base.join("b"), "smartedge", &smartedge_b());
    // Installed at once, without IKE.
    let sa_a = a.wait_for("show crypto ipsec sa", "no sa timing", 15);
    assert!(sa_a.contains(&format!("current outbound spi: 0x{SPI_AB:X}({SPI_AB})")), "{sa_a}");
    let sa_b = b.wait_for("show tunnel ipsec name m1 detail", "IPsec SA pair", 15);
    assert!(sa_b.contains(&format!("Outbound SPI            : 0x{SPI_BA:08x}")), "{sa_b}");
    assert!(a.cmd("show crypto isakmp sa").lines().filter(|l| l.contains("192.0.2.")).count() == 0, "no IKE SA");
    route_into_dataplane(NS_A, "10.2.0.0/16", "10.1.0.1", &a, "show crypto ipsec sa");
    route_into_dataplane(NS_B, "10.1.0.0/16", "10.2.0.1", &b, "show tunnel ipsec name m1 detail");
    std::thread::sleep(Duration::from_millis(500));
    let p = sh(&["ip", "netns", "exec", NS_A, "ping", "-c", "5", "-i", "0.2", "-W", "2", "-I", "10.1.0.1", "10.2.0.1"]);
    let out = String::from_utf8_lossy(&p.stdout);
    assert!(
        out.contains("5 packets transmitted, 5 received"),
        "{out}\nA:\n{}\nB:\n{}",
        a.cmd("show crypto ipsec sa"),
        b.cmd("show tunnel ipsec name m1 detail")
    );
    // And from B's side (B's host starts the exchange).
    let p = sh(&["ip", "netns", "exec", NS_B, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", "10.2.0.1", "10.1.0.1"]);
    let out = String::from_utf8_lossy(&p.stdout);
    assert!(out.contains("3 packets transmitted, 3 received"), "{out}");
    // Counters agree: what A sealed B opened, and the other way round (8 each way).
    std::thread::sleep(Duration::from_millis(500));
    let sa_a = a.cmd("show crypto ipsec sa");
    let sa_b = b.cmd("show tunnel ipsec name m1 detail");
    let (a_out, a_in) = (count_after(&sa_a, "#pkts encaps:"), count_after(&sa_a, "#pkts decaps:"));
    let (b_in, b_out) = se_traffic(&b, "m1");
    assert_eq!((a_out, a_in), (8, 8), "A:\n{sa_a}");
    assert_eq!((b_in, b_out), (a_out, a_in), "A sealed what B opened and the other way:\nA:\n{sa_a}\nB:\n{sa_b}");
    assert_eq!(count_after(&sa_a, "#recv errors"), 0, "{sa_a}");
    // tshark, with only the configured keys, opens the captured ESP.
    std::thread::sleep(Duration::from_millis(500));
    common::stop_capture(capture);
    let sas = [
        esp_sa_option("192.0.2.1", "192.0.2.2", SPI_AB, ENC_AB, AUTH_AB),
        esp_sa_option("192.0.2.2", "192.0.2.1", SPI_BA, ENC_BA, AUTH_BA),
    ];
    let t = tshark_opened(&pcap, &sas, &["-Y", "icmp"]);
    let v = String::from_utf8_lossy(&t.stdout);
    let requests = v.lines().filter(|l| l.contains("10.1.0.1 → 10.2.0.1") && l.contains("Echo (ping) request")).count();
    let replies = v.lines().filter(|l| l.contains("10.2.0.1 → 10.1.0.1") && l.contains("Echo (ping) reply")).count();
    assert_eq!(
        (requests, replies),
        (5, 5),
        "tshark did not decrypt the pings from A:\n{v}\n{}",
        String::from_utf8_lossy(&t.stderr)
    );
    assert_eq!(
        v.lines().filter(|l| l.contains("10.2.0.1 → 10.1.0.1") && l.contains("Echo (ping) request")).count(),
        3,
        "{v}"
    );
    // A TCP flow over the manual SAs: both routers count the same packets.
    if have_iperf3("the manual-key test") {
        let o = iperf3_tcp(NS_B, "10.2.0.1", NS_A, "10.1.0.1", 2);
        let agree = wait_counted_alike(1000, || (ios_counts(&a), se_traffic(&b, "m1")));
        eprintln!("after iperf3: {agree}\n{o}");
    }
    drop((a, b));
    drop(net);
}
