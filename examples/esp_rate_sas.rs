//! `cargo run --release --example esp_rate_sas [PACKETS] [gcm|cbc]`: what one
//! outbound packet costs the dataplane (finding its SA by selectors in
//! `shell/src/dataplane/table.rs`, then sealing it with `EspSa`) with 1,
//! 100 and 10,000 child SAs installed (each its own /32 <-> /24 pair, as
//! 10,000 branch tunnels would be), AES-128-GCM (or with `cbc`
//! AES-128-CBC/HMAC-SHA1-96), 1,400-byte packets. The
//! figure should not grow with the number of SAs: before the index, every
//! packet scanned every SA. Two traffic mixes: one busy tunnel among the
//! others, and packets spread over all the tunnels (then each packet also
//! touches another SA's keys, which no longer fit the CPU caches).

use edgesh_engine::config::{EspAuth, EspEncr, Prefix4};
use edgesh_engine::esp::EspSa;
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::endpoint::{SaKeys, auth_key_len, esp_key_len};
use edgesh_shell::dataplane::table::SelectorIndex;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn sel(a: u32, len: u8) -> Selector {
    Selector { net: Prefix4 { addr: Ipv4Addr::from(a), len }, proto: 0, port: 0 }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|x| x.parse().ok()).unwrap_or(300_000);
    let mut inner = vec![0x45u8; 1400];
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let (e, a) = match std::env::args().nth(2).as_deref() {
        Some("cbc") => (EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)),
        _ => (EspEncr::Aes128Gcm, None),
    };
    let keys = SaKeys { encr: vec![7; esp_key_len(e)], auth: vec![9; a.map(auth_key_len).unwrap_or(0)] };
    let local = 0xc633_6401; // 198.51.100.1
    for sas in [1u32, 100, 10_000] {
        let mut index = SelectorIndex::default();
        let mut table: HashMap<u32, EspSa> = HashMap::new();
        // Tunnel k protects 10.(k / 256).(k % 256).0/24 behind its peer: one policy each, in order.
        let names: Vec<String> = (0..sas).map(|k| format!("t{k}")).collect();
        index.set_policies(
            names.iter().zip(0u32..).map(|(n, k)| (n.as_str(), 0, sel(local, 32), sel(0x0a00_0000 | (k << 8), 24))),
        );
        for k in 0..sas {
            let remote = 0x0a00_0000 | (k << 8);
            index.insert(&sel(local, 32), &sel(remote, 24), u64::from(k), 0x1000 + k, (&names[k as usize], 0));
            table.insert(0x1000 + k, EspSa::new(0x1000 + k, e, a, &keys).expect("suite"));
        }
        for (mix, spread) in [("one busy tunnel", false), ("all tunnels", true)] {
            let t = Instant::now();
            let mut bytes = 0usize;
            for i in 0..n {
                let k = if spread { (i as u32).wrapping_mul(2_654_435_761) % sas } else { sas / 2 };
                let dst = 0x0a00_0000 | (k << 8) | 7;
                inner[12..16].copy_from_slice(&local.to_be_bytes());
                inner[16..20].copy_from_slice(&dst.to_be_bytes());
                let spi = index.lookup(Ipv4Addr::from(local), Ipv4Addr::from(dst)).expect("an SA covers it");
                let sa = table.get_mut(&spi).expect("installed");
                let p = sa.seal(4, &inner, &mut rng).expect("seal");
                bytes += inner.len();
                std::hint::black_box(p);
            }
            let s = t.elapsed().as_secs_f64();
            // The lookup alone.
            let t = Instant::now();
            for i in 0..n {
                let k = if spread { (i as u32).wrapping_mul(2_654_435_761) % sas } else { sas / 2 };
                std::hint::black_box(index.lookup(Ipv4Addr::from(local), Ipv4Addr::from(0x0a00_0000 | (k << 8) | 7)));
            }
            let l = t.elapsed().as_secs_f64();
            println!(
                "{sas:>6} SAs, {mix:<15}: {:.0} ns per packet (lookup + seal), {:.0} Mbit/s; the lookup alone {:.0} ns",
                s * 1e9 / n as f64,
                bytes as f64 * 8.0 / s / 1e6,
                l * 1e9 / n as f64
            );
        }
    }
}
