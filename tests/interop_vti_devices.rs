//! Route-based tunnels (issue 19): IOS edgesh A with TWO VTIs, `Tunnel1`
//! (192.0.2.1 <-> 192.0.2.2) and `Tunnel2` (192.0.2.3 <-> 192.0.2.4), both
//! `tunnel mode ipsec ipv4` and so both with any/any selectors, which no
//! selector lookup can tell apart; SmartEdge edgesh B with the two tunnels
//! bound to tunnel interfaces `TI-1` and `TI-2` of context `local`
//! (responder-only, so that one pair of SAs per tunnel comes up and the
//! counters are those of one SA). Each tunnel interface is a TUN device
//! named after it in its namespace, with the address the configuration
//! gives it (`ip -n NS addr`); the static routes naming them are in the
//! namespace's table on those devices (`ip -n NS route`) and in `show ip
//! route`; pings to the prefix behind each tunnel and to the far tunnel
//! address go through that tunnel only, and each tunnel's counters (IOS
//! `show crypto ipsec sa`, SmartEdge `show tunnel ipsec name T detail`)
//! agree with the pings on both sides; an iperf3 TCP flow through Tunnel2
//! is counted the same on both sides. An interface removed from the
//! configuration takes its device and routes along; when edgesh stops, its
//! devices go.
//! A second test runs an IOS VTI against strongSwan with any/any traffic
//! selectors (namespaces `left`/`right` of `common/`).
//!
//! A in netns `vtidev-a` (192.0.2.1 and .3, protecting 198.51.100.1 and .2),
//! B in `vtidev-b` (192.0.2.2 and .4, protecting 203.0.113.1 and .2), a veth
//! pair between them (no NAT: ESP on IP protocol 50). Needs root, `ip` and
//! iperf3; without them it says so LOUDLY and passes, unless
//! `EDGESH_REQUIRE_INTEROP` is set. It takes the machine-wide interop lock.

mod common;

use common::{Edgesh, VethPair, sh, wait_until};

const NS_A: &str = "vtidev-a";
const NS_B: &str = "vtidev-b";
const VETH_A: &str = "vtidev-va";
const VETH_B: &str = "vtidev-vb";
const PSK: &str = "vti-devices-psk";

fn text(args: &[&str]) -> String {
    String::from_utf8_lossy(&sh(args).stdout).into_owned()
}

/// A: Tunnel N runs from 192.0.2.(2N-1) to 192.0.2.2N, with
/// 198.51.100.(129+4(N-1))/30 on the interface, and routes 203.0.113.N into it.
fn ios_a() -> String {
    let mut s = String::from(
        "hostname a
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 14
",
    );
    for n in 1..=2u8 {
        s += &format!("crypto isakmp key {PSK} address 192.0.2.{}\n", 2 * n);
    }
    s += "crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
crypto ipsec profile P1
 set transform-set TS
crypto ipsec profile P2
 set transform-set TS
 set pfs group14
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
";
    for n in 1..=2u8 {
        s += &format!(
            "interface Tunnel{n}
 ip address 198.51.100.{} 255.255.255.252
 tunnel source 192.0.2.{}
 tunnel mode ipsec ipv4
 tunnel destination 192.0.2.{}
 tunnel protection ipsec profile P{n}
",
            129 + 4 * (n - 1),
            2 * n - 1,
            2 * n
        );
    }
    for n in 1..=2u8 {
        s += &format!("ip route 203.0.113.{n} 255.255.255.255 Tunnel{n}\n");
    }
    s + "end\n"
}

/// B: tunnel tN (responder-only) bound to interface TI-N (198.51.100.(130+4(N-1))/30),
/// 198.51.100.N routed into it.
fn smartedge_b() -> String {
    let mut s = String::from(
        "ike proposal ss
  authentication algorithm hmac-sha1-96
  encryption algorithm aes-128-cbc
  dh-group 14
ipsec proposal esp1
  esp encryption aes-128-cbc
  esp authentication hmac-sha1-96
ipsec policy pol1
  seq 10 proposal esp1
ipsec policy pol2
  perfect-forward-secrecy dh-group 14
  seq 10 proposal esp1
context local
  interface wan
    ip address 192.0.2.2/24
",
    );
    for n in 1..=2u8 {
        s += &format!("  interface TI-{n} ipsec\n    ip address 198.51.100.{}/30\n", 130 + 4 * (n - 1));
    }
    for n in 1..=2u8 {
        s += &format!(
            "  ike policy p{n}
    pre-shared-key {PSK}
    mode main
    identity local 192.0.2.{}
    identity remote 192.0.2.{}
    seq 10 proposal ss
    connection-type responder-only
",
            2 * n,
            2 * n - 1
        );
    }
    for n in 1..=2u8 {
        s += &format!("  ip route 198.51.100.{n}/32 TI-{n}\n");
    }
    for n in 1..=2u8 {
        s += &format!(
            "tunnel ipsec t{n}
  peer-end-point local 192.0.2.{} remote 192.0.2.{} context local
  ike-policy p{n}
  bind interface TI-{n} local
  seq 10 ipsec-policy pol{n}
",
            2 * n,
            2 * n - 1
        );
    }
    s
}

fn ping(ns: &str, src: &str, dst: &str, n: u32) -> String {
    text(&["ip", "netns", "exec", ns, "ping", "-c", &n.to_string(), "-i", "0.2", "-W", "2", "-I", src, dst])
}

/// `show crypto ipsec sa`'s section of interface `ifname`.
fn section(all: &str, ifname: &str) -> String {
    all.split("interface: ")
        .find(|s| s.starts_with(&format!("{ifname}\n")) || s.starts_with(&format!("{ifname}\r\n")))
        .unwrap_or("")
        .to_string()
}

/// (encaps, decaps) of the section.
fn counts(sec: &str) -> (u64, u64) {
    let num = |key: &str| {
        sec.split(key).nth(1).and_then(|t| t.split(',').next()).and_then(|t| t.trim().parse().ok()).unwrap_or(u64::MAX)
    };
    (num("#pkts encaps:"), num("#pkts decaps:"))
}

#[test]
fn two_vtis_with_any_any_selectors_each_carry_their_own_traffic_on_their_own_device() {
    let Some(_turn) = common::ready() else { return };
    if !common::have_iperf3("the VTI device test") {
        return;
    }
    let _net = VethPair::up(
        [NS_A, NS_B],
        [VETH_A, VETH_B],
        [&["192.0.2.1/24", "192.0.2.3/24"], &["192.0.2.2/24", "192.0.2.4/24"]],
        [&["198.51.100.1/32", "198.51.100.2/32"], &["203.0.113.1/32", "203.0.113.2/32"]],
    );
    let base = common::base().join("vti-devices");
    // A first: its devices come with the configuration, down while no SA is up.
    let a = Edgesh::start_in(NS_A, &base.join("a"), "ios", &ios_a());
    let brief = |e: &Edgesh, state: &str| {
        let b = e.cmd("show ip interface brief");
        [("Tunnel1", "198.51.100.129"), ("Tunnel2", "198.51.100.133")]
            .iter()
            .all(|(n, ip)| b.lines().any(|l| l == format!("{n:<26} {ip:<15} YES manual up                    {state}")))
            .then_some(b)
    };
    wait_until("A's tunnel devices, their lines down", 20, || {
        let links = text(&["ip", "-n", NS_A, "link", "show"]);
        let down = ["Tunnel1", "Tunnel2"]
            .iter()
            .all(|d| links.lines().any(|l| l.contains(&format!(": {d}: <")) && !l.contains(",UP")));
        if down { brief(&a, "down") } else { None }
    });
    // Then B (it only answers): the tunnels come up.
    let b = Edgesh::start_in(NS_B, &base.join("b"), "smartedge", &smartedge_b());

    // The devices exist with the configuration's addresses.
    for (ns, devs) in [(NS_A, [("Tunnel1", 129), ("Tunnel2", 133)]), (NS_B, [("TI-1", 130), ("TI-2", 134)])] {
        for (dev, host) in devs {
            let want = format!("inet 198.51.100.{host}/30 ");
            wait_until(&format!("{dev} with {want} in {ns}"), 20, || {
                let o = text(&["ip", "-n", ns, "-4", "addr", "show", "dev", dev]);
                o.contains(&want).then_some(o)
            });
        }
    }
    // Both tunnels up on both sides.
    wait_until("A's two IPsec SAs", 45, || {
        let s = a.cmd("show crypto ipsec sa");
        (section(&s, "Tunnel1").contains("current outbound spi: 0x")
            && section(&s, "Tunnel2").contains("current outbound spi: 0x")
            && !s.contains("current outbound spi: 0x0(0)"))
        .then_some(s)
    });
    for t in ["t1", "t2"] {
        b.wait_for(&format!("show tunnel ipsec name {t} detail"), "Inbound SPI", 20);
    }
    // The devices are up and the static routes are on them, in the namespace's table.
    for (ns, devs) in [(NS_A, ["Tunnel1", "Tunnel2"]), (NS_B, ["TI-1", "TI-2"])] {
        wait_until(&format!("{devs:?} up in {ns}"), 10, || {
            let o = text(&["ip", "-n", ns, "link", "show"]);
            devs.iter().all(|d| o.lines().any(|l| l.contains(&format!(": {d}: <")) && l.contains(",UP"))).then_some(o)
        });
    }
    for (ns, far, devs, local) in [
        (NS_A, ["203.0.113.1", "203.0.113.2"], ["Tunnel1", "Tunnel2"], [129, 133]),
        (NS_B, ["198.51.100.1", "198.51.100.2"], ["TI-1", "TI-2"], [130, 134]),
    ] {
        let routes = wait_until(&format!("routes into {devs:?} in {ns}"), 10, || {
            let r = text(&["ip", "-n", ns, "route", "show"]);
            (0..2)
                .all(|i| r.lines().any(|l| l.trim() == format!("{} dev {} proto 237 scope link", far[i], devs[i])))
                .then_some(r)
        });
        for (i, net) in ["198.51.100.128/30", "198.51.100.132/30"].iter().enumerate() {
            let want = format!("{net} dev {} proto kernel scope link src 198.51.100.{}", devs[i], local[i]);
            assert!(routes.lines().any(|l| l.trim() == want), "{want}:\n{routes}");
        }
        assert!(!routes.contains("edgesh0"), "{routes}");
    }
    wait_until("A's tunnel lines up", 5, || brief(&a, "up"));
    // Only route-based tunnels: no edgesh0.
    for ns in [NS_A, NS_B] {
        assert!(!sh(&["ip", "-n", ns, "link", "show", "edgesh0"]).status.success(), "edgesh0 in {ns}");
    }
    let si = a.cmd("show interfaces Tunnel1");
    assert!(si.starts_with("Tunnel1 is up, line protocol is up"), "{si}");
    let sr = a.cmd("show ip route");
    assert!(
        sr.lines().any(|l| l.contains("203.0.113.1") && l.contains("Tunnel1"))
            && sr.lines().any(|l| l.contains("203.0.113.2") && l.contains("Tunnel2")),
        "{sr}"
    );
    let sr = b.cmd("show ip route");
    assert!(
        sr.lines().any(|l| l.contains("198.51.100.1/32") && l.contains("TI-1"))
            && sr.lines().any(|l| l.contains("198.51.100.2/32") && l.contains("TI-2")),
        "{sr}"
    );

    // Tunnel1: 4 pings to the prefix behind it, 2 to B's tunnel address; Tunnel2: 3 pings.
    let out = ping(NS_A, "198.51.100.1", "203.0.113.1", 4);
    assert!(
        out.contains("4 packets transmitted, 4 received"),
        "{out}\n{}\n{}",
        a.cmd("show crypto ipsec sa"),
        a.cmd("show logging")
    );
    let out = ping(NS_A, "198.51.100.129", "198.51.100.130", 2);
    assert!(out.contains("2 packets transmitted, 2 received"), "{out}");
    let out = ping(NS_A, "198.51.100.2", "203.0.113.2", 3);
    assert!(out.contains("3 packets transmitted, 3 received"), "{out}\n{}", a.cmd("show crypto ipsec sa"));
    let s = wait_until("A's counters", 5, || {
        let s = a.cmd("show crypto ipsec sa");
        (counts(&section(&s, "Tunnel1")) == (6, 6) && counts(&section(&s, "Tunnel2")) == (3, 3)).then_some(s)
    });
    assert!(section(&s, "Tunnel1").contains("#pkts encaps: 6, #pkts encrypt: 6, #pkts digest: 6"), "{s}");
    assert!(section(&s, "Tunnel2").contains("#pkts decaps: 3, #pkts decrypt: 3, #pkts verify: 3"), "{s}");
    wait_until("B's counters", 5, || {
        (common::se_traffic(&b, "t1") == (6, 6) && common::se_traffic(&b, "t2") == (3, 3)).then_some(String::new())
    });
    let d = b.cmd("show tunnel ipsec name t1 detail");
    assert!(d.contains("Traffic in/out          : 6/6 packets, 504/504 bytes"), "{d}");

    // iperf3 TCP through Tunnel2 (B serves on 203.0.113.2): both sides count the same packets.
    let o = common::iperf3_tcp(NS_B, "203.0.113.2", NS_A, "198.51.100.2", 2);
    let mut last = String::new();
    let agree = wait_until("both sides' Tunnel2 counters to agree", 10, || {
        let s = a.cmd("show crypto ipsec sa");
        let (ca, cb) = (counts(&section(&s, "Tunnel2")), common::se_traffic(&b, "t2"));
        last = format!("A (encaps, decaps) {ca:?}, B (in, out) {cb:?}");
        (ca.0 == cb.0 && ca.1 == cb.1 && ca.0 > 100).then(|| last.clone())
    });
    eprintln!("Tunnel2 after iperf3: {agree}\n{o}");
    // Tunnel1 carried none of it.
    let s = a.cmd("show crypto ipsec sa");
    assert_eq!(counts(&section(&s, "Tunnel1")), (6, 6), "{s}");
    assert_eq!(common::se_traffic(&b, "t1"), (6, 6));

    // Tunnel2 leaves the configuration: its device and its route go; Tunnel1 stays.
    a.cmd("configure terminal");
    a.cmd("no interface Tunnel2");
    a.cmd("end");
    let links = wait_until("A's Tunnel2 device gone", 10, || {
        (!sh(&["ip", "-n", NS_A, "link", "show", "Tunnel2"]).status.success())
            .then(|| text(&["ip", "-n", NS_A, "link", "show"]))
    });
    assert!(links.contains(": Tunnel1: <"), "{links}");
    let routes = text(&["ip", "-n", NS_A, "route", "show"]);
    assert!(
        !routes.contains("Tunnel2")
            && routes.lines().any(|l| l.trim() == "203.0.113.1 dev Tunnel1 proto 237 scope link"),
        "{routes}"
    );

    // edgesh stops: its devices go with it (a restart finds none).
    drop(a);
    wait_until("A's devices gone", 10, || {
        (!sh(&["ip", "-n", NS_A, "link", "show", "Tunnel1"]).status.success()
            && !sh(&["ip", "-n", NS_A, "link", "show", "Tunnel2"]).status.success())
        .then_some(String::new())
    });
    drop(b);
}

/// IOS edgesh (netns `left`) with a VTI `Tunnel1` against strongSwan
/// (`right`) whose child has any/any traffic selectors: the VTI is a device
/// with its address, the static route `ip route 203.0.113.1 ... Tunnel1`
/// is on it, and pings from 198.51.100.1 go through it and are counted on
/// both sides (strongSwan's `swanctl --list-sas` and `show crypto ipsec sa`).
#[test]
fn ios_vti_device_against_strongswan_with_any_any_selectors() {
    let Some(_g) = common::ready() else { return };
    let env = [
        ("IKE_VERSION", "1"),
        ("IKE_PROPOSAL", "aes128-sha1-modp2048"),
        ("ESP_PROPOSAL", "aes128-sha1"),
        ("EXTRA_CHARON_CONF", "  install_routes = no"),
    ];
    common::fresh_namespaces(&env);
    // strongSwan's child: 0.0.0.0/0 both ways, and the route back into its libipsec device by hand.
    let conf = common::peer(&env, &["conf", "right"])
        .replace("local_ts = 203.0.113.1/32", "local_ts = 0.0.0.0/0")
        .replace("remote_ts = 198.51.100.1/32", "remote_ts = 0.0.0.0/0");
    assert!(conf.matches("0.0.0.0/0").count() == 2, "{conf}");
    let path = common::base().join("vti-right-swanctl.conf");
    std::fs::write(&path, conf).expect("swanctl.conf");
    let out = common::peer(&env, &["start-right", path.to_str().expect("path")]);
    assert!(out.contains("loaded"), "{out}");
    let cfg = "hostname left
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 14
crypto isakmp key interop-test-psk address 192.0.2.2
crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
crypto ipsec profile P
 set transform-set TS
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
interface Tunnel1
 ip address 198.51.100.129 255.255.255.252
 tunnel source GigabitEthernet0/0
 tunnel mode ipsec ipv4
 tunnel destination 192.0.2.2
 tunnel protection ipsec profile P
ip route 203.0.113.1 255.255.255.255 Tunnel1
end
";
    let e = Edgesh::start("ios", cfg);
    e.wait_for("show crypto ipsec sa", "current outbound spi: 0x", 30);
    let flat = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    // edgesh, the initiator, has its SAs once it sends quick mode's last
    // message; strongSwan has its child once that message arrives.
    wait_until("strongSwan's child SA", 10, || {
        let list = common::list_sas();
        flat(&list).contains("local 0.0.0.0/0 remote 0.0.0.0/0").then_some(list)
    });
    let routes = wait_until("the route into Tunnel1", 10, || {
        let r = text(&["ip", "-n", "left", "route", "show"]);
        r.lines().any(|l| l.trim() == "203.0.113.1 dev Tunnel1 proto 237 scope link").then_some(r)
    });
    assert!(
        routes.lines().any(|l| l.trim() == "198.51.100.128/30 dev Tunnel1 proto kernel scope link src 198.51.100.129"),
        "{routes}"
    );
    assert!(text(&["ip", "-n", "left", "-4", "addr", "show", "dev", "Tunnel1"]).contains("inet 198.51.100.129/30 "));
    let dev = wait_until("strongSwan's ipsec0", 10, || {
        sh(&["ip", "-n", "right", "link", "show", "ipsec0"]).status.success().then_some(String::new())
    });
    let _ = dev;
    common::ok(&["ip", "-n", "right", "route", "replace", "198.51.100.1/32", "dev", "ipsec0", "src", "203.0.113.1"]);
    let out = ping("left", "198.51.100.1", "203.0.113.1", 4);
    assert!(
        out.contains("4 packets transmitted, 4 received"),
        "{out}\n{}\n{}\n{}",
        e.cmd("show crypto ipsec sa"),
        e.cmd("show logging"),
        common::charon_log()
    );
    // Both counts: the last packet of either direction reaches the engine a moment after the ping ends.
    e.wait_for("show crypto ipsec sa", "#pkts encaps: 4,", 5);
    let s = e.wait_for("show crypto ipsec sa", "#pkts decaps: 4,", 5);
    assert!(
        section(&s, "Tunnel1").contains("#pkts encaps: 4, #pkts encrypt: 4, #pkts digest: 4")
            && section(&s, "Tunnel1").contains("#pkts decaps: 4, #pkts decrypt: 4, #pkts verify: 4"),
        "{s}"
    );
    // strongSwan counted the same 4 packets (84 bytes each) each way.
    let list = common::list_sas();
    let counted: Vec<String> = list
        .lines()
        .map(flat)
        .filter(|l| l.starts_with("in ") || l.starts_with("out "))
        .map(|l| l.split(", ").skip(1).take(2).collect::<Vec<_>>().join(", "))
        .collect();
    assert_eq!(counted, vec!["336 bytes, 4 packets"; 2], "{list}");
    common::peer(&[], &["stop"]);
}
