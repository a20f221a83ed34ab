//! `cargo run --release --example esp_rate [PACKETS]`: ESP seal + open
//! throughput of the engine's packet transform (`engine/src/esp.rs`) on one
//! core, 1,400-byte inner packets, for the usual suites. No I/O: this is the
//! crypto and framing cost a userspace dataplane pays per packet.

use edgesh_engine::config::{EspAuth, EspEncr};
use edgesh_engine::esp::EspSa;
use edgesh_engine::ike::endpoint::{SaKeys, auth_key_len, esp_key_len};
use rand::SeedableRng;
use std::time::Instant;

// The allocator the edgesh binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|x| x.parse().ok()).unwrap_or(100_000);
    let inner = vec![0x45u8; 1400];
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    for (e, a) in [
        (EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)),
        (EspEncr::Aes256Cbc, Some(EspAuth::HmacSha256_128)),
        (EspEncr::Aes128Gcm, None),
        (EspEncr::Aes256Gcm, None),
        (EspEncr::TripleDesCbc, Some(EspAuth::HmacSha1_96)),
    ] {
        let keys = SaKeys { encr: vec![7; esp_key_len(e)], auth: vec![9; a.map(auth_key_len).unwrap_or(0)] };
        let mut out = EspSa::new(1, e, a, &keys).expect("suite");
        let mut inn = EspSa::new(1, e, a, &keys).expect("suite");
        let count = if e == EspEncr::TripleDesCbc { n / 10 } else { n };
        let t = Instant::now();
        let mut bytes = 0usize;
        for _ in 0..count {
            let p = out.seal(4, &inner, &mut rng).expect("seal");
            bytes += inner.len();
            let (_, back) = inn.open(&p).expect("open");
            std::hint::black_box(back);
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{e:?}/{a:?}: {count} packets sealed and opened in {s:.2} s = {:.0} Mbit/s of inner traffic ({:.0} packets/s each way)",
            bytes as f64 * 8.0 / s / 1e6,
            count as f64 / s
        );
    }
}
