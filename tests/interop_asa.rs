//! The ASA dialect against a real strongSwan (5.9.x) in network namespaces,
//! with `../shared/interop/strongswan-peer.sh` (as `interop_strongswan.rs`):
//! edgesh speaks ASA (IKEv1 and IKEv2) in netns `left` (192.0.2.1, protecting 198.51.100.1),
//! strongSwan in `right` (192.0.2.2, protecting 203.0.113.1; it fakes a NAT,
//! so IKE floats to UDP 4500). The machine-wide lock
//! `/tmp/edgesh-interop.lock` keeps these tests from sharing the namespaces
//! with any other interop test.
//!
//! Needs root and strongSwan: without them every test says so LOUDLY and
//! passes; `EDGESH_REQUIRE_INTEROP=1` makes a missing peer fail instead.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// edgesh speaking ASA in netns `left`; its boot configuration must load
/// without a word on standard error.
fn start_asa(config: &str) -> Edgesh {
    let a = Edgesh::start("asa", config);
    let said = a.load_messages();
    assert!(said.is_empty(), "the configuration did not load cleanly:\n{said}");
    a
}

/// strongSwan initiates main mode to the ASA's crypto map; the ASA answers,
/// its shows agree with strongSwan's SAs, and pings flow through the ESP
/// dataplane (counted on both sides).
#[test]
fn main_mode_strongswan_initiates_to_an_asa_and_traffic_flows() {
    let Some(_g) = ready() else { return };
    start_strongswan(&[
        ("IKE_VERSION", "1"),
        ("IKE_PROPOSAL", "aes128-sha1-modp1024"),
        ("ESP_PROPOSAL", "aes128-sha1-modp1024"),
    ]);
    let a = start_asa(&asa_config("host 198.51.100.1 host 203.0.113.1"));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}", charon_log());
    let isakmp = a.wait_for("show crypto isakmp sa", "MM_ACTIVE", 10);
    assert!(isakmp.contains("1   IKE Peer: 192.0.2.2"), "{isakmp}");
    assert!(isakmp.contains("Role    : responder"), "{isakmp}");
    let sa = a.wait_for("show crypto ipsec sa", "current outbound spi", 10);
    let list = list_sas();
    let (ss_in, ss_out) = strongswan_spis(&list);
    assert!(
        sa.contains(&format!("current outbound spi: {}", ss_in.to_uppercase())),
        "ours out = strongSwan's in\n{sa}\n{list}"
    );
    assert!(sa.contains(&format!("current inbound spi : {}", ss_out.to_uppercase())), "{sa}\n{list}");
    assert!(sa.contains("in use settings ={L2L, Tunnel,  NAT-T-Encaps, IKEv1, }"), "strongSwan fakes a NAT:\n{sa}");
    assert!(sa.contains("remote crypto endpt.: 192.0.2.2/4500"), "{sa}");
    let log = a.cmd("show logging");
    assert!(log.contains("%ASA-5-713119: Group = 192.0.2.2, IP = 192.0.2.2, PHASE 1 COMPLETED"), "{log}");
    assert!(log.contains(&format!("%ASA-6-602303: IPSEC: An outbound LAN-to-LAN SA (SPI= 0x{}) between 192.0.2.1 and 192.0.2.2 (user= 192.0.2.2) has been created.", ss_in.to_uppercase())), "{log}");
    let db = a.cmd("show vpn-sessiondb detail l2l");
    assert!(db.contains(" Connection   : 192.0.2.2") && db.contains("IKE Neg Mode : Main"), "{db}");
    assert!(db.contains("PFS Group    : 2"), "{db}");
    // Traffic through the dataplane.
    let ip = |args: &[&str]| Command::new("ip").args(["-n", "left"]).args(args).output().expect("ip");
    let t0 = Instant::now();
    while !ip(&["link", "show", "edgesh0"]).status.success() {
        assert!(t0.elapsed() < Duration::from_secs(10), "edgesh0 was not created:\n{}", a.cmd("show logging"));
        std::thread::sleep(Duration::from_millis(200));
    }
    ip(&["link", "set", "edgesh0", "up"]);
    let o = ip(&["route", "replace", "203.0.113.1/32", "dev", "edgesh0", "src", "198.51.100.1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = peer(&[], &["ping", "left"]);
    assert!(out.contains("4 packets transmitted, 4 received"), "{out}\n{}\n{}", a.cmd("show logging"), charon_log());
    // Both counts: the last packet of either direction reaches the engine a moment after the ping ends.
    a.wait_for("show crypto ipsec sa", "#pkts encaps: 4,", 5);
    let sa = a.wait_for("show crypto ipsec sa", "#pkts decaps: 4,", 5);
    assert!(sa.contains("#pkts encaps: 4, #pkts encrypt: 4, #pkts digest: 4"), "{sa}");
    assert!(sa.contains("#pkts decaps: 4, #pkts decrypt: 4, #pkts verify: 4"), "{sa}");
    // `clear crypto ipsec sa peer` sends strongSwan a delete for our SAs.
    a.cmd("clear crypto ipsec sa peer 192.0.2.2");
    let t0 = Instant::now();
    // The delete names our inbound SPI: strongSwan's outbound one.
    while !charon_log().contains(&format!("received DELETE for ESP CHILD_SA with SPI {ss_out}")) {
        assert!(t0.elapsed() < Duration::from_secs(10), "no delete seen by strongSwan:\n{}", charon_log());
        std::thread::sleep(Duration::from_millis(300));
    }
    // With its last IPsec SA pair the L2L session ends: its IKE SA is
    // deleted too, and the ASA says so (713259, 113019 Administrator Reset).
    let log = a.cmd("show logging");
    for l in [
        "%ASA-5-713259: Group = 192.0.2.2, IP = 192.0.2.2, Session is being torn down. Reason: Administrator Reset",
        "%ASA-4-113019: Group = 192.0.2.2, Username = 192.0.2.2, IP = 192.0.2.2, Session disconnected. Session Type: LAN-to-LAN, Duration: ",
    ] {
        assert!(log.contains(l), "{l}:\n{log}");
    }
    assert!(log.contains("Reason: Administrator Reset\n") || log.ends_with("Reason: Administrator Reset"), "{log}");
    let t0 = Instant::now();
    while !charon_log().contains("received DELETE for IKE_SA") {
        assert!(t0.elapsed() < Duration::from_secs(10), "no IKE_SA delete seen by strongSwan:\n{}", charon_log());
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Seed 000 with a real peer: strongSwan proposes host 203.0.113.1 <->
/// host 198.51.100.1, the ASA's crypto map protects the /24s around them:
/// the proxy identities do not mirror, the ASA refuses and says so word for
/// word, and strongSwan gets no CHILD_SA.
#[test]
fn the_asa_rejects_a_proposal_that_does_not_mirror_its_crypto_map() {
    let Some(_g) = ready() else { return };
    start_strongswan(&[
        ("IKE_VERSION", "1"),
        ("IKE_PROPOSAL", "aes128-sha1-modp1024"),
        ("ESP_PROPOSAL", "aes128-sha1-modp1024"),
    ]);
    let a = start_asa(&asa_config("198.51.100.0 255.255.255.0 203.0.113.0 255.255.255.0"));
    a.cmd("debug crypto ikev1 127");
    let _ = peer(&[], &["initiate", "right"]);
    let log = a.wait_for(
        "show logging",
        "%ASA-3-713061: Group = 192.0.2.2, IP = 192.0.2.2, Rejecting IPSec tunnel: no matching crypto map entry for remote proxy 203.0.113.1/255.255.255.255/0/0 local proxy 198.51.100.1/255.255.255.255/0/0 on interface outside",
        15,
    );
    assert!(log.contains("%ASA-5-713119: Group = 192.0.2.2, IP = 192.0.2.2, PHASE 1 COMPLETED"), "{log}");
    assert!(!list_sas().contains("INSTALLED"), "no CHILD_SA may be installed:\n{}", list_sas());
    assert!(a.cmd("show crypto ipsec sa").contains("There are no ipsec sas"));
}

/// The ASA initiates: traffic from 198.51.100.1 into edgesh0 that matches
/// the crypto map's access list starts main mode with strongSwan (the
/// responder); the first ping is dropped while it negotiates, as on the
/// ASA, then traffic flows.
#[test]
fn traffic_starts_the_asa_crypto_map_and_flows() {
    let Some(_g) = ready() else { return };
    start_strongswan(&[
        ("IKE_VERSION", "1"),
        ("IKE_PROPOSAL", "aes128-sha1-modp1024"),
        ("ESP_PROPOSAL", "aes128-sha1-modp1024"),
    ]);
    let a = start_asa(&asa_config("host 198.51.100.1 host 203.0.113.1"));
    let ip = |args: &[&str]| Command::new("ip").args(["-n", "left"]).args(args).output().expect("ip");
    let t0 = Instant::now();
    while !ip(&["link", "show", "edgesh0"]).status.success() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "edgesh0 was not created for the crypto map:\n{}",
            a.cmd("show logging")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(a.cmd("show crypto isakmp sa").contains("There are no IKEv1 SAs"), "no negotiation before traffic");
    ip(&["link", "set", "edgesh0", "up"]);
    ip(&["route", "replace", "203.0.113.1/32", "dev", "edgesh0", "src", "198.51.100.1"]);
    let _ = peer(&[], &["ping", "left"]);
    let isakmp = a.wait_for("show crypto isakmp sa", "MM_ACTIVE", 10);
    assert!(isakmp.contains("Role    : initiator"), "{isakmp}");
    a.wait_for("show crypto ipsec sa", "#pkts encaps", 10);
    // A packet of the first ping sent the moment quick mode ended may reach
    // strongSwan before it installed its SA (and get no answer): count from here.
    let counts = |sa: &str| {
        let n = |what: &str| -> u64 {
            sa.split(what)
                .nth(1)
                .map(|t| t.chars().take_while(char::is_ascii_digit).collect::<String>())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (n("#pkts encaps: "), n("#pkts decaps: "), n("#pkts decrypt: "), n("#pkts verify: "))
    };
    let before = counts(&a.cmd("show crypto ipsec sa"));
    let out = peer(&[], &["ping", "left"]);
    assert!(out.contains("4 packets transmitted, 4 received"), "{out}\n{}", a.cmd("show logging"));
    let sa = a.cmd("show crypto ipsec sa");
    let after = counts(&sa);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1, after.2 - before.2, after.3 - before.3),
        (4, 4, 4, 4),
        "every packet sealed and its answer opened:\n{sa}"
    );
    assert!(list_sas().contains("ESTABLISHED, IKEv1"), "{}", list_sas());
}

/// IKEv2: strongSwan (IKEv2, its default proposals: AES-128, SHA-1,
/// MODP-2048) initiates to an ASA crypto map entry with an IKEv2 IPsec
/// proposal, answered with `crypto ikev2 policy` and the tunnel-group's
/// IKEv2 pre-shared keys; the ASA's IKEv2 and IPsec shows agree with
/// strongSwan's SAs and pings flow through the dataplane.
#[test]
fn ikev2_strongswan_initiates_to_an_asa_and_traffic_flows() {
    let Some(_g) = ready() else { return };
    start_strongswan(&[("IKE_VERSION", "2")]);
    let a = start_asa(
        "hostname left
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 192.0.2.1 255.255.255.0
!
access-list VPN extended permit ip host 198.51.100.1 host 203.0.113.1
crypto ipsec ikev2 ipsec-proposal P
 protocol esp encryption aes
 protocol esp integrity sha-1
crypto map outside_map 10 match address VPN
crypto map outside_map 10 set peer 192.0.2.2
crypto map outside_map 10 set ikev2 ipsec-proposal P
crypto map outside_map 10 set pfs group14
crypto map outside_map interface outside
crypto ikev2 policy 10
 encryption aes
 integrity sha
 group 14
 prf sha
 lifetime seconds 86400
crypto ikev2 enable outside
tunnel-group 192.0.2.2 type ipsec-l2l
tunnel-group 192.0.2.2 ipsec-attributes
 ikev2 remote-authentication pre-shared-key interop-test-psk
 ikev2 local-authentication pre-shared-key interop-test-psk
",
    );
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}", charon_log());
    let v2 = a.wait_for("show crypto ikev2 sa", "READY", 10);
    assert!(v2.contains("192.0.2.1/4500") && v2.contains("192.0.2.2/4500"), "NAT-T (strongSwan fakes a NAT):\n{v2}");
    assert!(v2.contains("RESPONDER"), "{v2}");
    assert!(
        v2.contains("Encr: AES-CBC, keysize: 128, Hash: SHA96, DH Grp:14, Auth sign: PSK, Auth verify: PSK"),
        "{v2}"
    );
    let sa = a.wait_for("show crypto ipsec sa", "current outbound spi", 10);
    let list = list_sas();
    assert!(list.contains("ESTABLISHED, IKEv2"), "{list}");
    let (ss_in, ss_out) = strongswan_spis(&list);
    assert!(
        sa.contains(&format!("current outbound spi: {}", ss_in.to_uppercase())),
        "ours out = strongSwan's in\n{sa}\n{list}"
    );
    assert!(sa.contains(&format!("current inbound spi : {}", ss_out.to_uppercase())), "{sa}\n{list}");
    assert!(sa.contains("IKEv2"), "{sa}");
    let db = a.cmd("show vpn-sessiondb detail l2l");
    // The IKEv2 session in the corpus's ASA 9.x layout (no leading blank).
    assert!(db.contains("\nConnection   : 192.0.2.2\n"), "{db}");
    assert!(db.contains("Protocol     : IKEv2 IPsecOverNatT"), "{db}");
    assert!(db.contains("PRF          : SHA1                   D/H Group    : 14"), "{db}");
    // Traffic through the dataplane.
    let ip = |args: &[&str]| Command::new("ip").args(["-n", "left"]).args(args).output().expect("ip");
    let t0 = Instant::now();
    while !ip(&["link", "show", "edgesh0"]).status.success() {
        assert!(t0.elapsed() < Duration::from_secs(10), "edgesh0 was not created:\n{}", a.cmd("show logging"));
        std::thread::sleep(Duration::from_millis(200));
    }
    ip(&["link", "set", "edgesh0", "up"]);
    let o = ip(&["route", "replace", "203.0.113.1/32", "dev", "edgesh0", "src", "198.51.100.1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = peer(&[], &["ping", "left"]);
    assert!(out.contains("4 packets transmitted, 4 received"), "{out}\n{}\n{}", a.cmd("show logging"), charon_log());
    // Both counts: the last packet of either direction reaches the engine a moment after the ping ends.
    a.wait_for("show crypto ipsec sa", "#pkts encaps: 4,", 5);
    let sa = a.wait_for("show crypto ipsec sa", "#pkts decaps: 4,", 5);
    assert!(sa.contains("#pkts encaps: 4, #pkts encrypt: 4, #pkts digest: 4"), "{sa}");
    assert!(sa.contains("#pkts decaps: 4, #pkts decrypt: 4, #pkts verify: 4"), "{sa}");
}
