//! The configured anti-replay window through an ESP SA (`EspSa::set_replay_window`):
//! what `engine/src/replay.rs` checks, seen from the packets.

use edgesh_engine::config::EspEncr;
use edgesh_engine::esp::{EspError, EspSa};
use edgesh_engine::ike::types::SaKeys;
use rand::SeedableRng;

/// An inbound SA with a window of 1024 takes a packet 1023 behind its
/// newest and refuses one 1024 behind; without a setting the window is 64.
#[test]
fn an_esp_sa_checks_its_configured_window() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let k = SaKeys { encr: vec![7; 20], auth: vec![] };
    let mut out = EspSa::new(0x501, EspEncr::Aes128Gcm, None, &k).unwrap();
    let mut inn = EspSa::new(0x501, EspEncr::Aes128Gcm, None, &k).unwrap();
    inn.set_replay_window(1024);
    let ps: Vec<Vec<u8>> = (0..1100).map(|_| out.seal(4, b"x", &mut rng).unwrap()).collect();
    assert!(inn.open(&ps[1099]).is_ok(), "seq 1100");
    assert!(inn.open(&ps[76]).is_ok(), "seq 77: 1023 behind");
    assert_eq!(inn.open(&ps[76]), Err(EspError::Replay { seq: 77 }));
    assert_eq!(inn.open(&ps[75]), Err(EspError::Late { seq: 76 }), "1024 behind");
    let mut default = EspSa::new(0x501, EspEncr::Aes128Gcm, None, &k).unwrap();
    assert!(default.open(&ps[1099]).is_ok());
    assert_eq!(default.open(&ps[1099 - 64]), Err(EspError::Late { seq: 1036 }), "the default is 64");
    let mut off = EspSa::new(0x501, EspEncr::Aes128Gcm, None, &k).unwrap();
    off.set_replay_window(0);
    assert!(off.open(&ps[1099]).is_ok() && off.open(&ps[0]).is_ok() && off.open(&ps[0]).is_ok(), "no check");
}
