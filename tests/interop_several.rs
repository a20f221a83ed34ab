//! Several tunnels to one peer through both dialects, and the IKE SA under
//! AES-GCM, against a real strongSwan in network namespaces (issue 12).
//!
//! Three tunnels share the end points 192.0.2.1 and 192.0.2.2 and differ in
//! their selectors (198.51.100.N <-> 203.0.113.N, N = 1..3): three SmartEdge
//! tunnels with the same `peer-end-point`, or three IOS crypto-map entries
//! with the same `set peer` and their own access lists. strongSwan brings
//! the three children up the way it does by default: one IKE SA (or ISAKMP
//! SA), the later children by CREATE_CHILD_SA (or quick modes) over it;
//! edgesh must file each child under the tunnel whose selectors it mirrors.
//! Traffic then goes through each child. The namespaces and edgesh's driver
//! are in `common/`.
//!
//! Needs root and strongSwan: without them every test says so LOUDLY and
//! passes; CI sets `EDGESH_REQUIRE_INTEROP=1` so that a missing peer fails.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

const N: usize = 3;

/// strongSwan's side: one connection, one child per selector pair.
fn strongswan_conf(version: u8) -> String {
    let mut s = format!(
        "connections {{\n  peer {{\n    version = {version}\n    local_addrs = 192.0.2.2\n    remote_addrs = 192.0.2.1\n    proposals = aes128-sha1-modp2048\n    local {{ auth = psk\n id = 192.0.2.2 }}\n    remote {{ auth = psk\n id = 192.0.2.1 }}\n    children {{\n"
    );
    for n in 1..=N {
        s.push_str(&format!("      c{n} {{ local_ts = 203.0.113.{n}/32\n remote_ts = 198.51.100.{n}/32\n esp_proposals = aes128-sha1\n start_action = none }}\n"));
    }
    s.push_str("    }\n  }\n}\nsecrets {\n  ike-interop {\n    id-1 = 192.0.2.1\n    id-2 = 192.0.2.2\n    secret = \"interop-test-psk\"\n  }\n}\n");
    s
}

/// Fresh namespaces with the extra protected addresses, strongSwan in `right`.
fn start(version: u8) {
    fresh_namespaces(&[]);
    for n in 2..=N {
        let a = |ns: &str, addr: String| {
            let o = Command::new("ip").args(["-n", ns, "addr", "add", &addr, "dev", "lo"]).output().expect("ip");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        };
        a("left", format!("198.51.100.{n}/32"));
        a("right", format!("203.0.113.{n}/32"));
    }
    let conf = base().join("several-swanctl.conf");
    std::fs::create_dir_all(base()).unwrap();
    std::fs::write(&conf, strongswan_conf(version)).unwrap();
    let v = version.to_string();
    let out = peer(&[("IKE_VERSION", &v)], &["start-right", conf.to_str().unwrap()]);
    assert!(out.contains("loaded"), "{out}");
}

/// SmartEdge: N tunnels with the same end points, one IKE policy.
fn smartedge_conf(version: u8, responder_only: bool) -> String {
    let (ike, extra) = if version == 2 { ("ike2", "  pseudo-random-function hmac-sha1\n") } else { ("ike", "") };
    let mut c = format!(
        "{ike} proposal ss\n  authentication algorithm hmac-sha1-96\n  encryption algorithm aes-128-cbc\n{extra}  dh-group 14\nipsec proposal esp1\n  esp encryption aes-128-cbc\n  esp authentication hmac-sha1-96\nipsec policy pol1\n  seq 10 proposal esp1\ncontext local\n  interface wan\n    ip address 192.0.2.1/24\n  {ike} policy peer\n    pre-shared-key interop-test-psk\n    identity local 192.0.2.1\n    identity remote 192.0.2.2\n    seq 10 proposal ss\n{}",
        if responder_only { "    connection-type responder-only\n" } else { "" }
    );
    for n in 1..=N {
        c.push_str(&format!("  ipsec access-list a{n}\n    seq 10 198.51.100.{n}/32 203.0.113.{n}/32\n"));
    }
    for n in 1..=N {
        c.push_str(&format!("tunnel ipsec t{n}\n  peer-end-point local 192.0.2.1 remote 192.0.2.2 context local\n  ike-policy peer\n  seq 10 ipsec-policy pol1 access-group a{n}\n"));
    }
    c
}

/// IOS: one crypto map, N entries to the same peer with their own access lists.
fn ios_conf(ike_proposal: &str) -> String {
    let mut c = format!(
        "hostname left\n{ike_proposal}crypto ikev2 policy POL\n proposal P1\ncrypto ikev2 keyring KR\n peer right\n  address 192.0.2.2\n  pre-shared-key interop-test-psk\ncrypto ikev2 profile PROF\n match identity remote address 192.0.2.2 255.255.255.255\n identity local address 192.0.2.1\n authentication local pre-share\n authentication remote pre-share\n keyring local KR\ncrypto ipsec transform-set TS esp-aes esp-sha-hmac\n mode tunnel\n"
    );
    for n in 1..=N {
        c.push_str(&format!("access-list 10{n} permit ip host 198.51.100.{n} host 203.0.113.{n}\n"));
    }
    for n in 1..=N {
        c.push_str(&format!("crypto map VPN {n}0 ipsec-isakmp\n set peer 192.0.2.2\n set transform-set TS\n set ikev2-profile PROF\n match address 10{n}\n"));
    }
    c.push_str("interface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map VPN\nend\n");
    c
}

const IOS_CBC: &str = "crypto ikev2 proposal P1\n encryption aes-cbc-128\n integrity sha1\n group 14\n";

/// strongSwan initiates c1..cN: one IKE SA, the children over it.
fn strongswan_initiates_every_child() {
    for n in 1..=N {
        let out = peer(&[], &["initiate", "right", &format!("c{n}")]);
        assert!(out.contains("established") || out.contains("successfully"), "c{n}: {out}\n{}", charon_log());
    }
}

/// strongSwan's IKE SAs (established) and installed children.
fn strongswan_counts() -> (usize, usize) {
    let l = list_sas();
    (l.lines().filter(|x| x.contains("ESTABLISHED")).count(), l.lines().filter(|x| x.contains("INSTALLED")).count())
}

/// Each pair carries traffic: strongSwan's side pings 198.51.100.N from 203.0.113.N.
fn traffic_through_each(e: &Edgesh, show: &str) {
    let ip = |args: &[&str]| Command::new("ip").args(["-n", "left"]).args(args).output().expect("ip");
    let t0 = Instant::now();
    while !ip(&["link", "show", "edgesh0"]).status.success() {
        assert!(t0.elapsed() < Duration::from_secs(10), "edgesh0 was not created:\n{}", e.cmd(show));
        std::thread::sleep(Duration::from_millis(200));
    }
    ip(&["link", "set", "edgesh0", "up"]);
    let o = ip(&["route", "replace", "203.0.113.0/24", "dev", "edgesh0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for n in 1..=N {
        let o = Command::new("ip")
            .args([
                "netns",
                "exec",
                "right",
                "ping",
                "-c",
                "3",
                "-i",
                "0.2",
                "-W",
                "2",
                "-I",
                &format!("203.0.113.{n}"),
                &format!("198.51.100.{n}"),
            ])
            .output()
            .expect("ping");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("3 packets transmitted, 3 received"), "pair {n}: {out}\n{}\n{}", e.cmd(show), list_sas());
    }
}

#[test]
fn smartedge_tunnels_with_the_same_end_points_as_responder_and_initiator() {
    let Some(_g) = ready() else { return };
    for version in [2u8, 1] {
        // strongSwan initiates: one IKE SA, N children, each under its tunnel.
        start(version);
        let e = Edgesh::start("smartedge", &smartedge_conf(version, true));
        let loaded = e.load_messages();
        assert!(!loaded.contains("Error"), "IKEv{version}: {loaded}");
        strongswan_initiates_every_child();
        e.wait_for("show tunnel ipsec | include Total", &format!("Total tunnels: {N}, up: {N}, down: 0"), 45);
        assert_eq!(strongswan_counts(), (1, N), "IKEv{version}: one IKE SA carries the children\n{}", list_sas());
        for n in 1..=N {
            let d = e.cmd(&format!("show tunnel ipsec name t{n} detail"));
            assert!(d.contains("Inbound SPI"), "IKEv{version} t{n}:\n{d}");
        }
        traffic_through_each(&e, "show log");
        drop(e);
        // edgesh initiates: each tunnel brings up its own.
        start(version);
        let e = Edgesh::start("smartedge", &smartedge_conf(version, false));
        e.wait_for("show tunnel ipsec | include Total", &format!("Total tunnels: {N}, up: {N}, down: 0"), 45);
        let t0 = Instant::now();
        while strongswan_counts().1 < N {
            assert!(t0.elapsed() < Duration::from_secs(10), "IKEv{version}:\n{}", list_sas());
            std::thread::sleep(Duration::from_millis(200));
        }
        traffic_through_each(&e, "show log");
        drop(e);
    }
    peer(&[], &["stop"]);
}

#[test]
fn ios_crypto_map_entries_to_one_peer_as_responder() {
    let Some(_g) = ready() else { return };
    start(2);
    let e = Edgesh::start("ios", &ios_conf(IOS_CBC));
    strongswan_initiates_every_child();
    let t0 = Instant::now();
    loop {
        let sa = e.cmd("show crypto ipsec sa");
        let active = sa.lines().filter(|l| l.contains("current outbound spi: 0x") && !l.contains("0x0(0)")).count();
        if active == N {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(15), "{sa}\n{}", list_sas());
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(strongswan_counts(), (1, N), "{}", list_sas());
    let session = e.cmd("show crypto ikev2 sa");
    assert_eq!(session.lines().filter(|l| l.contains("READY")).count(), 1, "one IKEv2 SA:\n{session}");
    traffic_through_each(&e, "show logging");
    drop(e);
    peer(&[], &["stop"]);
}

/// The IKE SA under AES-GCM (RFC 5282, no integrity transform) with IOS's
/// `encryption aes-gcm-128|256` and strongSwan's `aes128gcm16-prfsha256-modp2048`
/// / `aes256gcm16-prfsha384-ecp256`: edgesh initiating and responding.
#[test]
fn ike_sa_with_aes_gcm_both_roles() {
    let Some(_g) = ready() else { return };
    for (ours, theirs, shown) in [
        (
            "crypto ikev2 proposal P1\n encryption aes-gcm-128\n prf sha256\n group 14\n",
            "aes128gcm16-prfsha256-modp2048",
            (
                "AES_GCM_16-128/PRF_HMAC_SHA2_256/MODP_2048",
                "Encr: AES-GCM, keysize: 128, PRF: SHA256, Hash: None, DH Grp:14",
            ),
        ),
        (
            "crypto ikev2 proposal P1\n encryption aes-gcm-256\n prf sha384\n group 19\n",
            "aes256gcm16-prfsha384-ecp256",
            (
                "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_256",
                "Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None, DH Grp:19",
            ),
        ),
    ] {
        // edgesh initiates on traffic.
        start_strongswan(&[("IKE_VERSION", "2"), ("IKE_PROPOSAL", theirs)]);
        let e = Edgesh::start(
            "ios",
            &ios_ikev2_config("interop-test-psk")
                .replace("crypto ikev2 proposal P1\n encryption aes-cbc-128\n integrity sha1\n group 14\n", ours),
        );
        e.cmd("ping 203.0.113.1 source 198.51.100.1");
        let t0 = Instant::now();
        while !list_sas().contains("INSTALLED") {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "{theirs}:\n{}\n{}\n{}",
                list_sas(),
                e.cmd("show logging"),
                charon_log()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        assert!(list_sas().contains(shown.0), "{}", list_sas());
        let d = e.cmd("show crypto ikev2 sa detail");
        assert!(d.contains(shown.1), "{d}");
        ios_spis_agree(&e);
        ping_through(&e, "show logging");
        // strongSwan rekeys the IKE SA: still GCM, the child stays.
        let out = peer(&[], &["swanctl", "right", "--rekey", "--ike", "peer"]);
        assert!(out.contains("rekey completed") || out.contains("successfully"), "{out}\n{}", charon_log());
        std::thread::sleep(Duration::from_millis(500));
        assert!(list_sas().contains(shown.0), "{}", list_sas());
        ping_through(&e, "show logging");
        drop(e);
        // strongSwan initiates.
        start_strongswan(&[("IKE_VERSION", "2"), ("IKE_PROPOSAL", theirs)]);
        let e = Edgesh::start(
            "ios",
            &ios_ikev2_config("interop-test-psk")
                .replace("crypto ikev2 proposal P1\n encryption aes-cbc-128\n integrity sha1\n group 14\n", ours),
        );
        let out = peer(&[], &["initiate", "right"]);
        assert!(out.contains("established"), "{out}\n{}", charon_log());
        assert!(list_sas().contains(shown.0), "{}", list_sas());
        let d = e.wait_for("show crypto ikev2 sa detail", "READY", 10);
        assert!(d.contains(shown.1), "{d}");
        ping_through(&e, "show logging");
        drop(e);
    }
    peer(&[], &["stop"]);
}
