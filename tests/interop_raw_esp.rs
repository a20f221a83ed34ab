//! ESP straight on IP protocol 50 between two edgesh (issue 19): with no
//! NAT between them NAT-T finds none, so the negotiated SAs carry ESP
//! without UDP encapsulation (RFC 4303). IOS edgesh in netns `resp-a`
//! (192.0.2.1, protecting 198.51.100.1), SmartEdge edgesh in `resp-b`
//! (192.0.2.2, protecting 203.0.113.1), a veth pair between them. Pings
//! cross the tunnel both ways, both sides count the same packets, and a
//! capture on the wire holds IP protocol 50 packets with the SPIs both
//! sides show and no UDP-encapsulated ESP.
//!
//! tshark, with the keys A exports (`show crypto keys tshark`), opens the
//! captured ESP back into the pings, and an iperf3 TCP flow is counted
//! alike by both routers.
//!
//! Another test does the same with AH alone on IP protocol 51 (IOS
//! `ah-sha-hmac`, SmartEdge `ah hmac-sha1-96`): the pings inside the AH
//! packets in the clear, on the SPIs A shows.
//!
//! A second test drives the dataplane's two threads (send and receive)
//! with pings both ways at once, checks both sides' counters agree to the
//! packet, then clears the SAs in the middle of a flow: the removed SAs'
//! SPIs leave the wire, and the flow goes on over the new SAs.
//!
//! (strongSwan's userspace backend only does ESP in UDP, so this is
//! edgesh <-> edgesh.) Needs root, `ip`, tcpdump/tshark and iperf3; without them
//! it says so LOUDLY and passes, unless `EDGESH_REQUIRE_INTEROP` is set. It
//! takes the machine-wide interop lock.

mod common;

use common::Edgesh;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NS_A: &str = "resp-a";
const NS_B: &str = "resp-b";
const VETH_A: &str = "resp-va";
const VETH_B: &str = "resp-vb";
const PSK: &str = "raw-esp-psk";

fn sh(args: &[&str]) -> std::process::Output {
    Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn ok(args: &[&str]) {
    let o = sh(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The namespaces (and the capture), removed however the test ends.
struct Net {
    capture: Option<std::process::Child>,
}

impl Net {
    fn up() -> Net {
        Net::down();
        ok(&["ip", "netns", "add", NS_A]);
        ok(&["ip", "netns", "add", NS_B]);
        ok(&["ip", "link", "add", VETH_A, "netns", NS_A, "type", "veth", "peer", "name", VETH_B, "netns", NS_B]);
        for (ns, dev, ip, net) in
            [(NS_A, VETH_A, "192.0.2.1/24", "198.51.100.1/32"), (NS_B, VETH_B, "192.0.2.2/24", "203.0.113.1/32")]
        {
            ok(&["ip", "-n", ns, "addr", "add", ip, "dev", dev]);
            ok(&["ip", "-n", ns, "addr", "add", net, "dev", "lo"]);
            ok(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            ok(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        Net { capture: None }
    }

    fn down() {
        for ns in [NS_A, NS_B] {
            let _ = Command::new("ip").args(["netns", "del", ns]).stderr(Stdio::null()).status();
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        if let Some(mut c) = self.capture.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        Net::down();
    }
}

fn smartedge_b() -> String {
    format!(
        "ike proposal ss
  authentication algorithm hmac-sha1-96
  encryption algorithm aes-128-cbc
  dh-group 14
ipsec proposal esp1
  esp encryption aes-128-cbc
  esp authentication hmac-sha1-96
ipsec policy pol1
  perfect-forward-secrecy dh-group 14
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

/// Wait for `edgesh0` in `ns`, bring it up and route `far` into it from `src`.
fn route(ns: &str, far: &str, src: &str) {
    let t0 = Instant::now();
    while !sh(&["ip", "-n", ns, "link", "show", "edgesh0"]).status.success() {
        assert!(t0.elapsed() < Duration::from_secs(20), "edgesh0 was not created in {ns}");
        std::thread::sleep(Duration::from_millis(200));
    }
    ok(&["ip", "-n", ns, "link", "set", "edgesh0", "up"]);
    ok(&["ip", "-n", ns, "route", "replace", &format!("{far}/32"), "dev", "edgesh0", "src", src]);
}

fn ping(ns: &str, src: &str, dst: &str, n: u32) -> String {
    ping_every(ns, src, dst, n, "0.2")
}

fn ping_every(ns: &str, src: &str, dst: &str, n: u32, interval: &str) -> String {
    let o = sh(&["ip", "netns", "exec", ns, "ping", "-c", &n.to_string(), "-i", interval, "-W", "2", "-I", src, dst]);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A (IOS) and B (SmartEdge) with their tunnel up and routed into `edgesh0`.
fn pair(base: &std::path::Path) -> (Edgesh, Edgesh) {
    pair_with(base, &common::ios_config(14, PSK), &smartedge_b())
}

/// A (IOS) and B (SmartEdge) with these configurations, as [`pair`].
fn pair_with(base: &std::path::Path, ios: &str, smartedge: &str) -> (Edgesh, Edgesh) {
    let a = Edgesh::start_in(NS_A, &base.join("a"), "ios", ios);
    let b = Edgesh::start_in(NS_B, &base.join("b"), "smartedge", smartedge);
    b.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 45);
    route(NS_A, "203.0.113.1", "198.51.100.1");
    route(NS_B, "198.51.100.1", "203.0.113.1");
    (a, b)
}

/// Stop the capture (after the last packets had time to reach it) and
/// read these fields of each of its packets with tshark, a line each.
fn captured(net: &mut Net, pcap: &std::path::Path, fields: &[&str]) -> Vec<String> {
    std::thread::sleep(Duration::from_millis(500));
    if let Some(c) = net.capture.take() {
        common::stop_capture(c);
    }
    let mut args = vec!["tshark", "-r", pcap.to_str().expect("path"), "-T", "fields"];
    for f in fields {
        args.extend(["-e", f]);
    }
    String::from_utf8_lossy(&sh(&args).stdout).lines().map(str::to_string).collect()
}

/// `from_a` pings from A's host to B's (A's echo requests and B's
/// replies), then `from_b` the other way; all answered.
fn pings_both_ways(a: &Edgesh, b: &Edgesh, from_a: u32, from_b: u32) {
    let out = ping(NS_A, "198.51.100.1", "203.0.113.1", from_a);
    assert!(
        out.contains(&format!("{from_a} packets transmitted, {from_a} received")),
        "{out}\n{}\n{}",
        a.cmd("show crypto ipsec sa"),
        b.cmd("show tunnel ipsec name t1 detail")
    );
    let out = ping(NS_B, "203.0.113.1", "198.51.100.1", from_b);
    assert!(out.contains(&format!("{from_b} packets transmitted, {from_b} received")), "{out}");
}

/// (source, SPI, capture time) of each ESP packet of a capture.
fn esp_packets(pcap: &std::path::Path) -> Vec<(String, u32, f64)> {
    let o = sh(&[
        "tshark",
        "-r",
        pcap.to_str().expect("path"),
        "-Y",
        "esp",
        "-T",
        "fields",
        "-e",
        "ip.src",
        "-e",
        "esp.spi",
        "-e",
        "frame.time_epoch",
    ]);
    let hex = |t: &str| u32::from_str_radix(t.trim().trim_start_matches("0x").trim_start_matches("0X"), 16).ok();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((f.first()?.to_string(), hex(f.get(1)?)?, f.get(2)?.trim().parse().ok()?))
        })
        .collect()
}

/// The SPI after `label` in `show crypto ipsec sa` ("current outbound spi: ", "spi: ").
fn spi_after(sa: &str, label: &str) -> u32 {
    let t = sa.split(label).nth(1).and_then(|t| t.split(['(', '\n']).next()).unwrap_or_default();
    u32::from_str_radix(t.trim().trim_start_matches("0x").trim_start_matches("0X"), 16)
        .unwrap_or_else(|_| panic!("no `{label}` in {sa}"))
}

/// The interop turn, fresh namespaces and the test's directory `dir`;
/// None (after saying so loudly) without tshark and tcpdump.
fn begin(dir: &str) -> Option<(common::Turn, Net, std::path::PathBuf)> {
    let turn = common::ready()?;
    if !std::path::Path::new("/usr/bin/tshark").exists() || !std::path::Path::new("/usr/bin/tcpdump").exists() {
        assert!(std::env::var("EDGESH_REQUIRE_INTEROP").is_err(), "tshark and tcpdump are needed");
        eprintln!("!!! SKIPPING raw ESP test {dir}: tshark or tcpdump missing");
        return None;
    }
    let net = Net::up();
    let base = common::base().join(dir);
    let _ = std::fs::create_dir_all(&base);
    Some((turn, net, base))
}

#[test]
fn esp_on_protocol_50_between_two_edgesh_without_nat() {
    let Some((_turn, mut net, base)) = begin("raw-esp") else { return };
    let pcap = base.join("wire.pcap");
    let _ = std::fs::remove_file(&pcap);
    net.capture = Some(common::start_capture(NS_B, VETH_B, &pcap, "ip proto 50 or udp port 4500"));
    let (a, b) = pair(&base);

    pings_both_ways(&a, &b, 4, 3);

    // Both sides counted 7 packets each way, 84 bytes each.
    let sa = a.wait_for("show crypto ipsec sa", "#pkts encaps: 7,", 5);
    assert!(sa.contains("#pkts encaps: 7, #pkts encrypt: 7, #pkts digest: 7"), "{sa}");
    assert!(sa.contains("#pkts decaps: 7, #pkts decrypt: 7, #pkts verify: 7"), "{sa}");
    let d = b.wait_for("show tunnel ipsec name t1 detail", "7/7 packets", 5);
    assert!(d.contains("Traffic in/out          : 7/7 packets, 588/588 bytes"), "{d}");

    // On the wire: IP protocol 50 only, with the SPIs A shows (in and out).
    let lines = captured(&mut net, &pcap, &["ip.src", "ip.proto", "udp.dstport", "esp.spi"]);
    let hex = |t: &str| u32::from_str_radix(t.trim().trim_start_matches("0x").trim_start_matches("0X"), 16).ok();
    let out_spi =
        sa.split("current outbound spi: ").nth(1).and_then(|t| hex(t.split('(').next()?)).expect("outbound spi");
    let sent = |src: &str| {
        lines
            .iter()
            .filter(|l| l.starts_with(&format!("{src}\t50\t\t")))
            .filter_map(|l| hex(l.rsplit('\t').next()?))
            .collect::<Vec<u32>>()
    };
    let (from_a, from_b) = (sent("192.0.2.1"), sent("192.0.2.2"));
    assert_eq!((from_a.len(), from_b.len()), (7, 7), "{lines:#?}");
    assert!(from_a.iter().all(|&s| s == out_spi), "A sends on its outbound SPI 0x{out_spi:08x}: {lines:#?}");
    assert!(
        from_b.iter().all(|&s| s != out_spi && sa.contains(&format!("spi: 0x{s:X}({s})"))),
        "B sends on A's inbound SPI: {lines:#?}\n{sa}"
    );
    assert!(!lines.iter().any(|l| l.contains("\t17\t")), "ESP in UDP on the wire: {lines:#?}");

    // tshark, with the keys A exports (`show crypto keys tshark`), opens
    // the protocol 50 packets of both directions back into the pings.
    let keys = a.cmd("show crypto keys tshark");
    let t = common::tshark_opened(&pcap, &common::exported_esp_sas(&keys), &["-Y", "icmp"]);
    let v = String::from_utf8_lossy(&t.stdout);
    let count = |from: &str, to: &str, what: &str| {
        v.lines().filter(|l| l.contains(&format!("{from} \u{2192} {to}")) && l.contains(what)).count()
    };
    assert_eq!(
        [
            count("198.51.100.1", "203.0.113.1", "Echo (ping) request"),
            count("203.0.113.1", "198.51.100.1", "Echo (ping) reply"),
            count("203.0.113.1", "198.51.100.1", "Echo (ping) request"),
            count("198.51.100.1", "203.0.113.1", "Echo (ping) reply"),
        ],
        [4, 4, 3, 3],
        "tshark did not open the ESP with A's keys:\n{v}\n{}\n{keys}",
        String::from_utf8_lossy(&t.stderr)
    );

    tcp_flow_counted_alike(&a, &b, "the raw ESP test");
}

/// A TCP flow from A to B (thousands of packets, both dataplane threads of
/// both routers busy): what one side sealed the other opened, to the
/// packet, with no receive error.
fn tcp_flow_counted_alike(a: &Edgesh, b: &Edgesh, test: &str) {
    if !common::have_iperf3(test) {
        return;
    }
    let o = common::iperf3_tcp(NS_B, "203.0.113.1", NS_A, "198.51.100.1", 2);
    let agree = common::wait_counted_alike(1000, || (common::ios_counts(a), common::se_traffic(b, "t1")));
    eprintln!("{test}, after iperf3: {agree}\n{o}");
}

/// AH on IP protocol 51 between two edgesh: IOS `ah-sha-hmac` against
/// SmartEdge `ah hmac-sha1-96`, no ESP. Pings cross both ways and both
/// sides count them; the wire holds protocol 51 packets only, on the SPIs A
/// shows, with the pings inside in the clear as tshark reads them; a TCP
/// flow is counted alike on both sides.
#[test]
fn ah_on_protocol_51_between_two_edgesh() {
    let Some((_turn, mut net, base)) = begin("raw-ah") else { return };
    let pcap = base.join("wire.pcap");
    let _ = std::fs::remove_file(&pcap);
    net.capture = Some(common::start_capture(NS_B, VETH_B, &pcap, "ip proto 51 or ip proto 50 or udp port 4500"));
    let ios =
        common::ios_config(14, PSK).replace("transform-set TS esp-aes esp-sha-hmac", "transform-set TS ah-sha-hmac");
    let se = smartedge_b()
        .replace("  esp encryption aes-128-cbc\n  esp authentication hmac-sha1-96\n", "  ah hmac-sha1-96\n");
    let (a, b) = pair_with(&base, &ios, &se);
    pings_both_ways(&a, &b, 3, 2);
    let sa = a.wait_for("show crypto ipsec sa", "#pkts encaps: 5,", 5);
    assert!(sa.contains("#pkts decaps: 5,"), "{sa}");
    assert!(sa.contains("inbound ah sas:") && sa.contains("transform: ah-sha-hmac ,"), "{sa}");
    common::wait_until("B's counters", 5, || (common::se_traffic(&b, "t1") == (5, 5)).then(String::new));
    let rows = captured(&mut net, &pcap, &["ip.proto", "ah.spi", "ip.src", "icmp.type"]);
    assert_eq!(rows.len(), 10, "{rows:#?}");
    let out_spi = spi_after(&sa, "current outbound spi: ");
    let hex = |t: &str| u32::from_str_radix(t.trim().trim_start_matches("0x"), 16).ok();
    for r in &rows {
        let f: Vec<&str> = r.split('\t').collect();
        // The outer header is AH's (51), the inner one the ping's (1).
        assert_eq!(f[0], "51,1", "{r}");
        let spi = hex(f[1]).unwrap_or_else(|| panic!("no AH SPI: {r}"));
        if f[2].starts_with("192.0.2.1,") {
            assert_eq!(spi, out_spi, "A sends on its outbound SPI: {r}");
        } else {
            assert!(
                spi != out_spi && sa.contains(&format!("spi: 0x{spi:X}({spi})")),
                "B sends on A's inbound SPI: {r}\n{sa}"
            );
        }
    }
    let requests = |src: &str| rows.iter().filter(|r| r.contains(&format!(",{src}\t8"))).count();
    assert_eq!((requests("198.51.100.1"), requests("203.0.113.1")), (3, 2), "{rows:#?}");
    tcp_flow_counted_alike(&a, &b, "the raw AH test");
}

#[test]
fn both_dataplane_threads_carry_and_a_removed_sa_stops_carrying() {
    let Some((_turn, mut net, base)) = begin("raw-esp-threads") else { return };
    let (a, b) = pair(&base);
    // Warm up (the first packet may start nothing: the SA is up), then 150 pings each way at once.
    assert!(ping(NS_A, "198.51.100.1", "203.0.113.1", 1).contains("1 received"));
    let back = std::thread::spawn(|| ping_every(NS_B, "203.0.113.1", "198.51.100.1", 150, "0.005"));
    let out = ping_every(NS_A, "198.51.100.1", "203.0.113.1", 150, "0.005");
    let out_b = back.join().expect("ping from B");
    assert!(out.contains("150 packets transmitted, 150 received"), "{out}");
    assert!(out_b.contains("150 packets transmitted, 150 received"), "{out_b}");
    // 1 + 150 + 150 echo requests or replies each way, 84 bytes each: both sides agree.
    let sa = a.wait_for("show crypto ipsec sa", "#pkts decaps: 301,", 5);
    assert!(sa.contains("#pkts encaps: 301, #pkts encrypt: 301, #pkts digest: 301"), "{sa}");
    assert!(sa.contains("#pkts decaps: 301, #pkts decrypt: 301, #pkts verify: 301"), "{sa}");
    let d = b.wait_for("show tunnel ipsec name t1 detail", "301/301 packets", 5);
    assert!(d.contains("Traffic in/out          : 301/301 packets, 25284/25284 bytes"), "{d}");

    // The SAs cleared in the middle of a flow (A then tells B): no packet on the old SPIs after that.
    let (old_out, old_in) = (spi_after(&sa, "current outbound spi: "), spi_after(&sa, "inbound esp sas:\n      spi: "));
    let pcap = base.join("wire.pcap");
    let _ = std::fs::remove_file(&pcap);
    net.capture = Some(common::start_capture(NS_B, VETH_B, &pcap, "ip proto 50"));
    let flow = std::thread::spawn(|| ping_every(NS_A, "198.51.100.1", "203.0.113.1", 300, "0.01"));
    std::thread::sleep(Duration::from_millis(800));
    a.cmd("clear crypto sa");
    let cleared = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs_f64();
    let out = flow.join().expect("the flow");
    std::thread::sleep(Duration::from_millis(300));
    if let Some(c) = net.capture.take() {
        common::stop_capture(c);
    }
    let wire = esp_packets(&pcap);
    let old: Vec<&(String, u32, f64)> = wire.iter().filter(|(_, spi, _)| *spi == old_out || *spi == old_in).collect();
    assert!(!old.is_empty(), "the flow used the old SAs before the clear: {wire:?}");
    // Removal reaches both threads within a round of the network thread (10 ms); B hears of it by a delete.
    let late: Vec<_> = old.iter().filter(|(_, _, t)| *t > cleared + 0.25).collect();
    assert!(
        late.is_empty(),
        "old SPIs 0x{old_out:08x}/0x{old_in:08x} on the wire after the clear at {cleared}: {late:?}"
    );
    // The flow went on over new SAs, both ways.
    let new_a = wire.iter().filter(|(src, spi, t)| src == "192.0.2.1" && *spi != old_out && *t > cleared).count();
    let new_b = wire.iter().filter(|(src, spi, t)| src == "192.0.2.2" && *spi != old_in && *t > cleared).count();
    assert!(new_a > 50 && new_b > 50, "{new_a} and {new_b} packets on new SAs after the clear\n{out}");
    let sa = a.wait_for("show crypto ipsec sa", "current outbound spi", 5);
    assert_ne!(spi_after(&sa, "current outbound spi: "), old_out, "{sa}");
}

/// The kernel's count of IPv4 packets its output path transmitted in `ns`
/// (`/proc/net/snmp`, `Ip: OutTransmits`): ping's own echo requests count,
/// ESP from edgesh's raw socket counts, ESP edgesh hands to the interface
/// by `AF_PACKET` does not.
fn ip_out_transmits(ns: &str) -> u64 {
    let o = sh(&["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut ip = text.lines().filter(|l| l.starts_with("Ip: "));
    let (names, values) = (ip.next().unwrap_or_default(), ip.next().unwrap_or_default());
    let at = names.split_whitespace().position(|n| n == "OutTransmits").expect("Ip: OutTransmits in /proc/net/snmp");
    values.split_whitespace().nth(at).and_then(|v| v.parse().ok()).expect("a count")
}

/// A's neighbour entry for B (`ip neigh` state word).
fn neighbour_state(ns: &str, dev: &str, ip: &str) -> String {
    let o = sh(&["ip", "-n", ns, "neigh", "show", ip, "dev", dev]);
    String::from_utf8_lossy(&o.stdout).split_whitespace().last().unwrap_or_default().to_string()
}

/// Issue 19: once dp-hops knows the peer's next hop (the route's
/// interface, its neighbour's MAC), dp-tx hands the ESP packets to the
/// interface by `AF_PACKET` (`dataplane/link.rs`), past the kernel's IP
/// output path: A's output counter then counts 100 pings' echo requests
/// once (into `edgesh0`), not twice (and their ESP packets). A STALE
/// neighbour entry keeps carrying and is verified (DELAY, PROBE or
/// REACHABLE), as a packet sent by the kernel itself would have it. With
/// the wire's MTU lowered to 1,200 on both ends, 1,300-byte pings' ESP
/// packets leave in two fragments each (the raw socket alone refuses them
/// whole: before, they were lost) and every ping comes back.
#[test]
fn esp_leaves_by_the_link_layer_once_the_next_hop_is_known() {
    let Some((_turn, _net, base)) = begin("raw-esp-link") else { return };
    let (a, _b) = pair(&base);
    assert!(ping(NS_A, "198.51.100.1", "203.0.113.1", 1).contains("1 received"));
    let mut pings = 1;
    // dp-hops looks once a second: within a few looks a round of 100 pings costs the output path 100 packets, not 200.
    let mut round = |size: &str| {
        let before = ip_out_transmits(NS_A);
        let o = sh(&[
            "ip",
            "netns",
            "exec",
            NS_A,
            "ping",
            "-s",
            size,
            "-c",
            "100",
            "-i",
            "0.005",
            "-W",
            "2",
            "-I",
            "198.51.100.1",
            "203.0.113.1",
        ]);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(out.contains("100 packets transmitted, 100 received"), "{out}");
        pings += 100;
        ip_out_transmits(NS_A) - before
    };
    let t0 = Instant::now();
    let mut counted = round("56");
    while counted >= 150 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "ESP still leaves by the IP output path: {counted} for 100 pings"
        );
        std::thread::sleep(Duration::from_millis(300));
        counted = round("56");
    }
    assert!(counted >= 100, "the echo requests themselves are counted: {counted}");

    // A STALE entry: still used, and verified by the kernel once dp-hops marks it used.
    ok(&["ip", "-n", NS_A, "neigh", "change", "192.0.2.2", "dev", VETH_A, "nud", "stale"]);
    assert_eq!(neighbour_state(NS_A, VETH_A, "192.0.2.2"), "STALE");
    let counted = round("56");
    assert!(counted < 150, "a STALE entry carries by the link layer: {counted} for 100 pings");
    let t0 = Instant::now();
    loop {
        let s = neighbour_state(NS_A, VETH_A, "192.0.2.2");
        if ["DELAY", "PROBE", "REACHABLE"].contains(&s.as_str()) {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(3), "the STALE entry was not verified: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // A smaller MTU on the wire (both ends), seen by dp-hops within its next look.
    ok(&["ip", "-n", NS_A, "link", "set", VETH_A, "mtu", "1200"]);
    ok(&["ip", "-n", NS_B, "link", "set", VETH_B, "mtu", "1200"]);
    std::thread::sleep(Duration::from_millis(1300));
    let counted = round("1300");
    assert!(counted < 150, "the fragments leave by the link layer too: {counted} for 100 pings");

    // The SA counted every packet each way.
    let sa = a.wait_for("show crypto ipsec sa", &format!("#pkts decaps: {pings},"), 5);
    assert!(sa.contains(&format!("#pkts encaps: {pings}, #pkts encrypt: {pings}")), "{sa}");
}
