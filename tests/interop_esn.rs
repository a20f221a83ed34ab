//! Extended Sequence Numbers (RFC 4303 2.2.1; IKEv2 transform type 5) against
//! a real strongSwan in network namespaces.
//!
//! strongSwan's userspace IPsec backend (kernel-libipsec, which the peer
//! script runs because this kernel has no ESP) installs no ESN SA: its
//! `ipsec_sa_create` (src/libipsec/ipsec_sa.c) refuses one with "IPsec SA:
//! ESN not supported", and its maintainers keep ESN out of the default
//! proposals for that reason (strongSwan PR #868). So ESN traffic is tested
//! edgesh to edgesh (`engine/src/ike/v2/tests/esn.rs`, `ike/endpoint/tests/esn.rs`,
//! the ESP/AH transforms' unit tests); here, what strongSwan's `-esn` and
//! `-esn-noesn` proposals meet in edgesh as configured: neither dialect has an
//! ESN command, so edgesh runs without ESN (IOS's and strongSwan's default),
//! an ESN-only proposal is refused both ways, and an ESN-or-not one settles
//! on 32-bit sequence numbers with traffic passing and both sides' counters
//! agreeing.
//!
//! Needs root and strongSwan: without them every test says so LOUDLY and
//! passes; CI sets `EDGESH_REQUIRE_INTEROP=1` so that a missing peer fails.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// Wait up to `secs` seconds for charon's log to say `what`.
fn wait_charon(what: &str, secs: u64) -> String {
    wait_until(what, secs, || {
        let log = charon_log();
        log.contains(what).then_some(log)
    })
}

/// The IKEv2 IOS crypto map of the common recipe with AES-GCM-128 for ESP.
fn ios_gcm() -> String {
    ios_ikev2_config("interop-test-psk")
        .replace("crypto ipsec transform-set TS esp-aes esp-sha-hmac", "crypto ipsec transform-set TS esp-gcm")
}

/// strongSwan offers ESN only (`-esn`): a SmartEdge responder logs Table 6's
/// ESN line and answers NO_PROPOSAL_CHOSEN; an IOS initiator's No-ESN offer
/// (AES-GCM) is refused by strongSwan. No child either way.
#[test]
fn esn_only_proposals_are_refused_both_ways() {
    let Some(_g) = ready() else { return };
    let _lab = PeerLab;
    start_strongswan(&[("IKE_VERSION", "2"), ("ESP_PROPOSAL", "aes128-sha1-modp2048-esn")]);
    let e = Edgesh::start("smartedge", &smartedge_ikev2_config("interop-test-psk", true));
    let _ = peer(&[], &["initiate", "right"]);
    let log = e.wait_for("show log", "%IKE-4-PROPOSAL: ", 15);
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("%IKE-4-PROPOSAL: ")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].ends_with("%IKE-4-PROPOSAL: MISMATCHED_ESN:1 configured:0 in PROPOSAL_1"), "{log}");
    wait_charon("received NO_PROPOSAL_CHOSEN notify", 10);
    assert!(list_sas().contains("ESTABLISHED, IKEv2"), "the IKE SA stands:\n{}", list_sas());
    assert!(!list_sas().contains("INSTALLED"), "{}", list_sas());
    drop(e);

    start_strongswan(&[("IKE_VERSION", "2"), ("ESP_PROPOSAL", "aes128gcm16-esn")]);
    let e = Edgesh::start("ios", &ios_gcm());
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    let log = wait_charon("no acceptable proposal found", 20);
    assert!(log.contains("received proposals: ESP:AES_GCM_16_128/NO_EXT_SEQ"), "{log}");
    assert!(log.contains("configured proposals: ESP:AES_GCM_16_128/EXT_SEQ"), "{log}");
    let t0 = Instant::now();
    while !e.cmd("show crypto ikev2 sa").contains("READY") {
        assert!(t0.elapsed() < Duration::from_secs(10), "{}\n{log}", e.cmd("show crypto ikev2 sa"));
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(!e.cmd("show crypto ipsec sa").contains("Status: ACTIVE"), "{}", e.cmd("show crypto ipsec sa"));
    assert!(!list_sas().contains("INSTALLED"), "{}", list_sas());
}

/// strongSwan offers ESN or not (`-esn-noesn`), as initiator (to a
/// SmartEdge responder, AES-CBC/HMAC-SHA1) and as responder (to an IOS
/// initiator, AES-GCM): the child is No ESN on both sides, a ping passes
/// through edgesh's dataplane, and the packet and byte counts agree.
#[test]
fn esn_or_not_proposals_settle_on_32_bit_sequence_numbers() {
    let Some(_g) = ready() else { return };
    let _lab = PeerLab;
    start_strongswan(&[("IKE_VERSION", "2"), ("ESP_PROPOSAL", "aes128-sha1-modp2048-esn-noesn")]);
    let e = Edgesh::start("smartedge", &smartedge_ikev2_config("interop-test-psk", true));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}", charon_log());
    let log = charon_log();
    assert!(log.contains("ESP:AES_CBC_128/HMAC_SHA1_96/EXT_SEQ/NO_EXT_SEQ"), "offered both:\n{log}");
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    let list = list_sas();
    assert!(list.contains("INSTALLED, TUNNEL-in-UDP"), "{list}");
    assert!(list.contains("ESP:AES_CBC-128/HMAC_SHA1_96\n") && !list.contains("/ESN"), "No ESN chosen:\n{list}");
    ping_through(&e, "show log");
    let d = e.wait_for("show tunnel ipsec name t1 detail", "4/4 packets", 5);
    assert!(d.contains("Traffic in/out          : 4/4 packets, 336/336 bytes"), "{d}");
    let list = list_sas();
    assert_eq!(list.matches("336 bytes,     4 packets").count(), 2, "strongSwan counted the same:\n{list}");
    drop(e);

    start_strongswan(&[("IKE_VERSION", "2"), ("ESP_PROPOSAL", "aes128gcm16-esn-noesn")]);
    let e = Edgesh::start("ios", &ios_gcm());
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    wait_until("strongSwan's child", 20, || Some(list_sas()).filter(|l| l.contains("INSTALLED")));
    let list = list_sas();
    assert!(list.contains("ESP:AES_GCM_16-128\n") && !list.contains("/ESN"), "No ESN chosen:\n{list}");
    let (_, _) = ios_spis_agree(&e);
    ping_through(&e, "show logging");
    let sa = e.cmd("show crypto ipsec sa");
    let count = |key: &str| -> u64 {
        sa.split(key).nth(1).and_then(|t| t.split(',').next()).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
    };
    let (encaps, decaps) = (count("#pkts encaps: "), count("#pkts decaps: "));
    assert!(encaps >= 4 && decaps == encaps, "{sa}");
    let list = list_sas();
    assert!(list.contains(&format!("{encaps} packets")), "strongSwan counted {encaps} each way:\n{list}\n{sa}");
}

/// IKEv1 (RFC 4304, SA attribute 11): strongSwan initiates quick mode to an
/// IOS responder. Its IKEv1 transform carries attribute 11 whenever its
/// proposal allows ESN (`-esn`, and `-esn-noesn` too: IKEv1 has no "either",
/// and strongSwan sends one transform per proposal); edgesh (no ESN) refuses
/// it with NO_PROPOSAL_CHOSEN, where it used to ignore the attribute and
/// install a 32-bit SA the peer took for an ESN one. With `-noesn` (no
/// attribute) the child comes up and traffic passes.
#[test]
fn ikev1_attribute_11_is_refused_and_its_absence_accepted() {
    let Some(_g) = ready() else { return };
    let _lab = PeerLab;
    for esp in ["aes128-sha1-modp2048-esn", "aes128-sha1-modp2048-esn-noesn"] {
        start_strongswan(&[("IKE_VERSION", "1"), ("ESP_PROPOSAL", esp)]);
        let e = Edgesh::start("ios", &ios_config(14, "interop-test-psk"));
        e.cmd("debug crypto isakmp");
        let _ = peer(&[], &["initiate", "right"]);
        let log = wait_charon("received NO_PROPOSAL_CHOSEN error notify", 20);
        assert!(!list_sas().contains("INSTALLED"), "{esp}: {}\n{log}", list_sas());
        let debug = e.cmd("show logging");
        assert!(debug.contains("ISAKMP (0:1001): sending NOTIFY NO_PROPOSAL_CHOSEN protocol 1"), "{esp}: {debug}");
        assert!(!e.cmd("show crypto ipsec sa").contains("Status: ACTIVE"), "{esp}: {}", e.cmd("show crypto ipsec sa"));
        drop(e);
    }

    start_strongswan(&[("IKE_VERSION", "1"), ("ESP_PROPOSAL", "aes128-sha1-modp2048-noesn")]);
    let e = Edgesh::start("ios", &ios_config(14, "interop-test-psk"));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}", charon_log());
    let t0 = Instant::now();
    while !list_sas().contains("INSTALLED") {
        assert!(t0.elapsed() < Duration::from_secs(20), "{}\n{}\n{}", list_sas(), e.cmd("show logging"), charon_log());
        std::thread::sleep(Duration::from_millis(300));
    }
    let list = list_sas();
    assert!(list.contains("ESP:AES_CBC-128/HMAC_SHA1_96/MODP_2048\n") && !list.contains("/ESN"), "{list}");
    let (_, _) = ios_spis_agree(&e);
    ping_through(&e, "show logging");
}
