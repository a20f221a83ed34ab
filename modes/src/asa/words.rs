//! The ASA's words for algorithms and times in its shows (`show crypto
//! isakmp|ipsec sa`, `show vpn-sessiondb`, `show clock`): a leaf both the
//! SA shows and the session database use.

use edgesh_engine::config::{AuthMethod, EspAuth, EspEncr, IkeAuthAlg, IkeEncr};

pub fn hash_word(h: IkeAuthAlg) -> &'static str {
    match h {
        IkeAuthAlg::HmacMd5_96 => "MD5",
        IkeAuthAlg::HmacSha1_96 => "SHA",
        IkeAuthAlg::HmacSha256 => "SHA256",
        IkeAuthAlg::HmacSha384 => "SHA384",
        IkeAuthAlg::HmacSha512 => "SHA512",
    }
}

pub fn esp_word(e: Option<EspEncr>) -> &'static str {
    match e {
        Some(EspEncr::DesCbc) => "DES",
        Some(EspEncr::TripleDesCbc) => "3DES",
        Some(EspEncr::Aes128Cbc) => "AES128",
        Some(EspEncr::Aes192Cbc) => "AES192",
        Some(EspEncr::Aes256Cbc) => "AES256",
        Some(EspEncr::Aes128Gcm) => "AES-GCM-128",
        Some(EspEncr::Aes192Gcm) => "AES-GCM-192",
        Some(EspEncr::Aes256Gcm) => "AES-GCM-256",
        Some(EspEncr::Null) | None => "none",
    }
}

pub fn ike_encr_word(e: IkeEncr) -> &'static str {
    match e {
        IkeEncr::DesCbc => "DES",
        IkeEncr::TripleDesCbc => "3DES",
        IkeEncr::Aes128Cbc => "AES128",
        IkeEncr::Aes192Cbc => "AES192",
        IkeEncr::Aes256Cbc => "AES256",
        IkeEncr::Aes128Gcm16 => "AES-GCM-128",
        IkeEncr::Aes256Gcm16 => "AES-GCM-256",
    }
}

pub fn ike_hash_word(h: IkeAuthAlg) -> &'static str {
    match h {
        IkeAuthAlg::HmacMd5_96 => "MD5",
        IkeAuthAlg::HmacSha1_96 => "SHA1",
        IkeAuthAlg::HmacSha256 => "SHA256",
        IkeAuthAlg::HmacSha384 => "SHA384",
        IkeAuthAlg::HmacSha512 => "SHA512",
    }
}

pub fn esp_hash_word(a: Option<EspAuth>) -> &'static str {
    match a {
        Some(EspAuth::HmacMd5_96) => "MD5",
        Some(EspAuth::HmacSha1_96) => "SHA1",
        Some(EspAuth::HmacSha256_128) => "SHA256",
        Some(EspAuth::HmacSha384_192) => "SHA384",
        Some(EspAuth::HmacSha512_256) => "SHA512",
        Some(EspAuth::HmacAesXcbc) => "AES-XCBC",
        None => "none",
    }
}

/// A time as the ASA prints it (`Login Time`, `show clock`): `14:37:44 UTC Sun Nov 22 2026`.
/// How an IKEv1 SA authenticated, as `show crypto ikev1 sa detail` (the
/// `Auth` column) and `show vpn-sessiondb detail l2l` (`Auth Mode`) print
/// it: `preshrd` / `preSharedKeys` as the corpus's captures; with
/// certificates `rsa-sig` (the policy's keyword) / `rsaCertificate` (not
/// checked against a capture: none in the stored public material).
pub fn ike_auth_words(m: Option<AuthMethod>) -> (&'static str, &'static str) {
    match m {
        Some(m) if m.is_signature() => ("rsa-sig", "rsaCertificate"),
        _ => ("preshrd", "preSharedKeys"),
    }
}

pub fn asa_time(secs: u64) -> String {
    asa_date(secs, true)
}

/// The ASA's time and date, `14:37:44 UTC Sun Nov 22 2026` (`weekday`) or
/// `14:37:44 UTC Nov 22 2026` (`show asp drop`'s `Last clearing:`); the
/// day of the month is not padded.
pub fn asa_date(secs: u64, weekday: bool) -> String {
    let d = crate::time::date_time(secs);
    // date_time is `Sun Nov 22 14:37:44 2026 UTC`.
    let w: Vec<&str> = d.split_whitespace().collect();
    match w.as_slice() {
        [wd, mon, day, time, year, tz] => {
            let wd = if weekday { format!("{wd} ") } else { String::new() };
            format!("{time} {tz} {wd}{mon} {} {year}", day.trim_start_matches('0'))
        }
        _ => d,
    }
}
