//! ESP and AH receive paths on arbitrary packets: AES-CBC without
//! integrity (IOS's `esp-aes` alone), so that mutated packets get past the
//! ICV into decryption, padding and next-header checks; AES-CBC/HMAC-SHA1,
//! AES-GCM and AH-SHA1 for the header, length and ICV paths. The first byte
//! chooses the SA (bits 0-1) and Extended Sequence Numbers (bit 2: the
//! high half inferred from the window and authenticated).
#![no_main]

use edgesh_engine::ah::AhSa;
use edgesh_engine::config::{EspAuth, EspEncr};
use edgesh_engine::esp::EspSa;
use edgesh_engine::ike::types::SaKeys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, packet)) = data.split_first() else { return };
    let keys = |e: usize, a: usize| SaKeys { encr: vec![0x42; e], auth: vec![0x24; a] };
    let mut buf = packet.to_vec();
    let esn = which & 4 != 0;
    match which % 4 {
        0 => {
            if let Ok(mut sa) = EspSa::new(0x1000, EspEncr::Aes128Cbc, None, &keys(16, 0)) {
                sa.set_esn(esn);
                let _ = sa.open_in_place(&mut buf);
            }
        }
        1 => {
            if let Ok(mut sa) = EspSa::new(0x1000, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &keys(16, 20)) {
                sa.set_esn(esn);
                let _ = sa.open_in_place(&mut buf);
            }
        }
        2 => {
            if let Ok(mut sa) = EspSa::new(0x1000, EspEncr::Aes128Gcm, None, &keys(20, 0)) {
                sa.set_esn(esn);
                let _ = sa.open_in_place(&mut buf);
            }
        }
        _ => {
            if let Ok(mut sa) = AhSa::new(0x1000, EspAuth::HmacSha1_96, &[0x24; 20]) {
                sa.set_esn(esn);
                let _ = sa.open(packet);
            }
        }
    }
});
