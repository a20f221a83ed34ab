//! The IKE fuzz harness: one IOS responder (`RESPONDER`: an IKEv2 crypto map
//! entry for 192.0.2.2, an IKEv1 entry for 192.0.2.3, a dynamic map answering
//! any other peer) and the input format the fuzzers mutate: a sequence of
//! datagrams, each `[flags][length: u16 LE][bytes]`. Flags choose the
//! sending peer (bits 0-1: 192.0.2.2, 192.0.2.3, 198.51.100.77, 192.0.2.2
//! behind a NAT at port 31337), the port (bit 2: 4500, else 500) and
//! whether 31 s pass before it (bit 3, with the engine's timers run).
//!
//! Shared, by `#[path]`, between the cargo-fuzz targets in
//! `fuzz/fuzz_targets/` (nightly, coverage-guided) and the corpus replay in
//! `tests/fuzz_corpus.rs` (stable, every `cargo test`), which also writes
//! the seed corpus: real exchanges an initiator sends this responder.

use edgesh_engine::ike::{Endpoint, EngineConf};
use edgesh_modes::{Clock, Router};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::{Arc, Mutex};

pub const RESPONDER: &str = "hostname fuzz-r1
crypto ikev2 proposal P1
 encryption aes-cbc-256
 integrity sha256
 group 19
crypto ikev2 policy POL
 proposal P1
crypto ikev2 keyring KR
 peer PEER
  address 192.0.2.2
  pre-shared-key fuzz-secret-v2
crypto ikev2 profile PROF
 match identity remote address 192.0.2.2 255.255.255.255
 identity local address 192.0.2.1
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 14
crypto isakmp key fuzz-secret-v1 address 192.0.2.3
crypto isakmp key fuzz-secret-any address 0.0.0.0 0.0.0.0
crypto ipsec transform-set TS esp-aes esp-sha-hmac
crypto ipsec transform-set GCM esp-gcm 256
access-list 110 permit ip 198.51.100.0 0.0.0.255 203.0.113.0 0.0.0.255
access-list 120 permit ip 198.51.100.0 0.0.0.255 203.0.114.0 0.0.0.255
crypto dynamic-map DYN 10
 set transform-set TS GCM
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set TS
 set ikev2-profile PROF
 match address 110
crypto map VPN 20 ipsec-isakmp
 set peer 192.0.2.3
 set transform-set TS GCM
 match address 120
crypto map VPN 65000 ipsec-isakmp dynamic DYN
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map VPN
";

/// The engine configuration an IOS configuration text compiles into.
pub fn conf_of(ios: &str) -> EngineConf {
    let dir = std::env::temp_dir().join(format!("edgesh-fuzz-{}", std::process::id()));
    let r = Arc::new(Mutex::new(Router::new(edgesh_engine::Config::new("fuzz"), Clock::Virtual(0), 1, dir)));
    r.lock().unwrap().dialect = edgesh_modes::Dialect::Ios;
    let (_, rejected, msgs) = edgesh_modes::ios::apply_text(&r, ios, "fuzz.cfg");
    assert_eq!(rejected, 0, "{msgs:?}");
    let doc = r.lock().unwrap().ios_doc.clone();
    EngineConf::from_config(&edgesh_modes::ios::compile::compile(&doc).config)
}

pub const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
pub const START: u64 = 1_000_000;
pub const SEED: u64 = 0x5eed;

/// The peer and ports a datagram's flags name: (remote, local port).
pub fn addresses(flags: u8) -> (SocketAddrV4, u16) {
    let port = if flags & 4 != 0 { 4500 } else { 500 };
    let remote = match flags & 3 {
        0 => SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), port),
        1 => SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 3), port),
        2 => SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 77), port),
        _ => SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 31337),
    };
    (remote, port)
}

/// The flags of a datagram from `remote` to local port `port`.
pub fn flags_of(remote: SocketAddrV4, port: u16) -> u8 {
    let who = match (remote.ip().octets(), remote.port()) {
        ([192, 0, 2, 2], 31337) => 3,
        ([192, 0, 2, 2], _) => 0,
        ([192, 0, 2, 3], _) => 1,
        _ => 2,
    };
    who | if port == 4500 { 4 } else { 0 }
}

/// Append one datagram in the input format.
pub fn encode(out: &mut Vec<u8>, flags: u8, data: &[u8]) {
    let len = data.len().min(u16::MAX as usize);
    out.push(flags);
    out.extend_from_slice(&(len as u16).to_le_bytes());
    out.extend_from_slice(&data[..len]);
}

/// What a run did: datagrams fed, sent back, events, and IKE/child SAs at the end.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    pub fed: usize,
    pub sent: usize,
    pub events: usize,
    pub ike_sas: usize,
    pub child_sas: usize,
}

/// Feed `input` to a fresh responder of configuration `conf`.
pub fn run(conf: &EngineConf, input: &[u8]) -> Outcome {
    let mut ep = Endpoint::new(SEED);
    let mut now = START;
    ep.set_config(now, conf.clone());
    let mut o = Outcome::default();
    let mut rest = input;
    while rest.len() >= 3 {
        let flags = rest[0];
        let len = u16::from_le_bytes([rest[1], rest[2]]) as usize;
        let data = &rest[3..(3 + len).min(rest.len())];
        rest = &rest[(3 + len).min(rest.len())..];
        if flags & 8 != 0 {
            now += 31_000;
            ep.handle_timeout(now);
        }
        let (remote, port) = addresses(flags);
        ep.handle(now, SocketAddrV4::new(LOCAL, port), remote, data);
        o.fed += 1;
        while ep.poll_transmit().is_some() {
            o.sent += 1;
        }
        while ep.poll_event().is_some() {
            o.events += 1;
        }
    }
    // Every timer to the end: retransmissions, expiries, DPD.
    for _ in 0..8 {
        now += 61_000;
        ep.handle_timeout(now);
        while ep.poll_transmit().is_some() {
            o.sent += 1;
        }
        while ep.poll_event().is_some() {
            o.events += 1;
        }
    }
    o.ike_sas = ep.ike_sas().len() + ep.v2().sas().len();
    o.child_sas = ep.child_sas().len() + ep.v2().child_sas().len();
    o
}
