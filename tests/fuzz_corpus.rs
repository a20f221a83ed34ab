//! The IKE fuzz corpus, replayed on stable Rust by every `cargo test`: each
//! input in `fuzz/seeds/ike_responder/` and `fuzz/regressions/ike_responder/`
//! (crashes a fuzzer found, kept once fixed) goes through
//! the harness the cargo-fuzz target runs (`fuzz/harness.rs`); none may
//! panic. The seeds are real exchanges: an IKEv2 and an IKEv1 initiator
//! (in-process engines configured as the responder's peers) bring tunnels
//! up with it, and what they send is the seed. Replayed, a freshly made seed
//! brings the same SAs up again (the engine is deterministic from its seed
//! and clock), which shows the harness reaches the states after
//! authentication. Stored seeds only need to replay without a panic: a
//! change of the engine's wire output makes them stale, not wrong.
//!
//! `EDGESH_WRITE_FUZZ_SEEDS=1 cargo test --test fuzz_corpus` rewrites the
//! stored seeds (`fuzz/seeds/ike_responder/`).

#[path = "../fuzz/harness.rs"]
mod harness;

use edgesh_engine::ike::Endpoint;
use harness::*;
use std::net::SocketAddrV4;
use std::path::PathBuf;

/// IKEv2 initiator 192.0.2.2 (mirror of the responder's crypto map entry 10).
const V2_PEER: &str = "hostname fuzz-r2
crypto ikev2 proposal P1
 encryption aes-cbc-256
 integrity sha256
 group 19
crypto ikev2 policy POL
 proposal P1
crypto ikev2 keyring KR
 peer PEER
  address 192.0.2.1
  pre-shared-key fuzz-secret-v2
crypto ikev2 profile PROF
 match identity remote address 192.0.2.1 255.255.255.255
 identity local address 192.0.2.2
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
crypto ipsec transform-set TS esp-aes esp-sha-hmac
access-list 110 permit ip 203.0.113.0 0.0.0.255 198.51.100.0 0.0.0.255
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.1
 set transform-set TS
 set ikev2-profile PROF
 match address 110
interface GigabitEthernet0/0
 ip address 192.0.2.2 255.255.255.0
 crypto map VPN
";

/// IKEv1 initiator 192.0.2.3 (mirror of entry 20), and `mode` for aggressive mode.
fn v1_peer(aggressive: bool) -> String {
    format!(
        "hostname fuzz-r3
crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 14
crypto isakmp key fuzz-secret-v1 address 192.0.2.1
{}crypto ipsec transform-set TS esp-aes esp-sha-hmac
access-list 120 permit ip 203.0.114.0 0.0.0.255 198.51.100.0 0.0.0.255
crypto map VPN 20 ipsec-isakmp
 set peer 192.0.2.1
 set transform-set TS
{} match address 120
interface GigabitEthernet0/0
 ip address 192.0.2.3 255.255.255.0
 crypto map VPN
",
        if aggressive {
            "crypto isakmp profile AG\n match identity address 192.0.2.1 255.255.255.255\n keyring default\n initiate mode aggressive\n"
        } else {
            ""
        },
        if aggressive { " set isakmp-profile AG\n" } else { "" }
    )
}

/// Run `peer` as initiator of `tunnel` against the harness responder on a
/// perfect link at the harness's clock; the datagrams the responder got, encoded.
fn exchange(peer_conf: &str, tunnel: &str) -> Vec<u8> {
    let mut responder = Endpoint::new(SEED);
    responder.set_config(START, conf_of(RESPONDER));
    let mut peer = Endpoint::new(7);
    peer.set_config(START, conf_of(peer_conf));
    assert!(peer.initiate(START, tunnel), "{tunnel} did not start");
    let mut input = Vec::new();
    for _ in 0..64 {
        let mut moved = false;
        while let Some(t) = peer.poll_transmit() {
            moved = true;
            encode(&mut input, flags_of(t.src, t.dst.port()), &t.data);
            responder.handle(START, t.dst, t.src, &t.data);
        }
        while let Some(t) = responder.poll_transmit() {
            moved = true;
            peer.handle(START, t.dst, t.src, &t.data);
        }
        while peer.poll_event().is_some() {}
        while responder.poll_event().is_some() {}
        if !moved {
            break;
        }
    }
    input
}

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(name)
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("ikev2-psk", exchange(V2_PEER, "VPN-10")),
        ("ikev1-main-psk", exchange(&v1_peer(false), "VPN-20")),
        ("ikev1-aggressive-psk", exchange(&v1_peer(true), "VPN-20")),
    ]
}

#[test]
fn the_seeds_are_real_exchanges_that_bring_tunnels_up_when_replayed() {
    let conf = conf_of(RESPONDER);
    let write = std::env::var_os("EDGESH_WRITE_FUZZ_SEEDS").is_some();
    for (name, input) in seeds() {
        let o = run(&conf, &input);
        assert!(o.ike_sas >= 1 && o.child_sas >= 1, "{name}: {o:?}");
        if write {
            let path = dir("seeds/ike_responder").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &input).unwrap();
        }
    }
}

#[test]
fn every_corpus_and_regression_input_replays_without_a_panic() {
    let conf = conf_of(RESPONDER);
    let mut n = 0;
    for d in ["seeds/ike_responder", "regressions/ike_responder"] {
        let Ok(entries) = std::fs::read_dir(dir(d)) else { continue };
        for e in entries.flatten() {
            let input = std::fs::read(e.path()).unwrap();
            let _ = run(&conf, &input);
            n += 1;
        }
    }
    assert!(n >= 3, "the seed corpus is missing ({n} inputs)");
}

/// Hostile variations of the seeds the replay checks for their outcome, not
/// only for a panic: each datagram of the IKEv2 seed duplicated (the second
/// copy is a retransmission), and the seed with every datagram truncated.
#[test]
fn duplicated_or_truncated_seed_datagrams_are_survived() {
    let conf = conf_of(RESPONDER);
    let seed = exchange(V2_PEER, "VPN-10");
    let mut datagrams = Vec::new();
    let mut rest = &seed[..];
    while rest.len() >= 3 {
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        datagrams.push((rest[0], rest[3..3 + len].to_vec()));
        rest = &rest[3 + len..];
    }
    let mut twice = Vec::new();
    for (f, d) in &datagrams {
        encode(&mut twice, *f, d);
        encode(&mut twice, *f, d);
    }
    let o = run(&conf, &twice);
    assert_eq!((o.ike_sas, o.child_sas), (1, 2), "{o:?}");
    let mut cut = Vec::new();
    for (f, d) in &datagrams {
        encode(&mut cut, *f, &d[..d.len() / 2]);
    }
    let o = run(&conf, &cut);
    assert_eq!((o.ike_sas, o.child_sas), (0, 0), "{o:?}");
    let _ = SocketAddrV4::new(LOCAL, 500);
}
