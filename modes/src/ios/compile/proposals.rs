//! IOS transform sets and ISAKMP policies as engine proposals, and the
//! anti-replay setting of a `security-association replay` line.

use super::super::Node;
use super::super::names::words;
use edgesh_engine::config::*;

pub(super) fn transform(t: &[&str], notes: &mut Vec<String>, name: &str) -> IpsecProposal {
    let mut p = IpsecProposal::new();
    // IOS's defaults, unless `crypto ipsec security-association lifetime` says otherwise.
    p.lifetime_seconds = super::super::defaults::IPSEC_SA_SECONDS;
    p.lifetime_kbytes = Some(super::super::defaults::IPSEC_SA_KILOBYTES);
    let mut i = 0;
    while i < t.len() {
        let next_bits = t.get(i + 1).and_then(|b| b.parse::<u16>().ok());
        let (enc, skip) = match (t[i], next_bits) {
            ("esp-des", _) => (Some(EspEncr::DesCbc), 1),
            ("esp-3des", _) => (Some(EspEncr::TripleDesCbc), 1),
            ("esp-null", _) => (Some(EspEncr::Null), 1),
            ("esp-aes", Some(192)) => (Some(EspEncr::Aes192Cbc), 2),
            ("esp-aes", Some(256)) => (Some(EspEncr::Aes256Cbc), 2),
            ("esp-aes", Some(128)) => (Some(EspEncr::Aes128Cbc), 2),
            ("esp-aes", _) => (Some(EspEncr::Aes128Cbc), 1),
            ("esp-gcm", Some(256)) => (Some(EspEncr::Aes256Gcm), 2),
            ("esp-gcm", Some(192)) => (Some(EspEncr::Aes192Gcm), 2),
            ("esp-gcm", Some(128)) => (Some(EspEncr::Aes128Gcm), 2),
            ("esp-gcm", _) => (Some(EspEncr::Aes128Gcm), 1),
            _ => (None, 1),
        };
        if let Some(e) = enc {
            p.esp_encr = Some(e);
            i += skip;
            continue;
        }
        match t[i] {
            w if crate::cisco_common::esp_hmac(w).is_some() => p.esp_auth = crate::cisco_common::esp_hmac(w),
            "ah-md5-hmac" => p.ah = Some(EspAuth::HmacMd5_96),
            "ah-sha-hmac" => p.ah = Some(EspAuth::HmacSha1_96),
            "ah-sha256-hmac" => p.ah = Some(EspAuth::HmacSha256_128),
            "comp-lzs" => p.ip_comp = true,
            other => notes.push(format!("transform-set {name}: {other} is not supported by the engine")),
        }
        i += 1;
    }
    // A transform set with an ESP cipher and no ESP integrity has none
    // (`effective()` gives (cipher, None)), as on IOS.
    p
}

pub(super) fn isakmp_proposal(n: &Node, notes: &mut Vec<String>) -> IkeProposal {
    // IOS defaults of a new policy: DES... since 15.x aes; edgesh uses the
    // documented classic defaults (`defaults::ISAKMP_POLICY`), read as the
    // lines before the block's own.
    let mut p = IkeProposal::new(IkeVersion::V1);
    let defaults = super::super::defaults::ISAKMP_POLICY.iter().copied();
    for (text, c) in defaults.map(|t| (t, None)).chain(n.children.iter().map(|c| (c.text.as_str(), Some(c)))) {
        let w = words(text);
        match w.as_slice() {
            ["encr" | "encryption", "des"] => p.encryption = IkeEncr::DesCbc,
            ["encr" | "encryption", "3des"] => p.encryption = IkeEncr::TripleDesCbc,
            ["encr" | "encryption", "aes"] | ["encr" | "encryption", "aes", "128"] => p.encryption = IkeEncr::Aes128Cbc,
            ["encr" | "encryption", "aes", "192"] => p.encryption = IkeEncr::Aes192Cbc,
            ["encr" | "encryption", "aes", "256"] => p.encryption = IkeEncr::Aes256Cbc,
            ["hash", "md5"] => p.auth_alg = IkeAuthAlg::HmacMd5_96,
            ["hash", "sha"] => p.auth_alg = IkeAuthAlg::HmacSha1_96,
            ["hash", "sha256"] => p.auth_alg = IkeAuthAlg::HmacSha256,
            ["hash", "sha384"] => p.auth_alg = IkeAuthAlg::HmacSha384,
            ["hash", "sha512"] => p.auth_alg = IkeAuthAlg::HmacSha512,
            ["authentication", "pre-share"] => p.auth_method = AuthMethod::PreSharedKey,
            ["authentication", "rsa-sig"] => p.auth_method = AuthMethod::RsaSignature,
            ["group", g] => p.dh_group = g.parse().unwrap_or(p.dh_group),
            ["lifetime", l] => p.lifetime = l.parse().unwrap_or(p.lifetime),
            _ => notes.push(format!(
                "{}: `{}` is not supported by the engine",
                n.text,
                c.map_or(text, |c| c.text.as_str())
            )),
        }
    }
    p
}

/// The anti-replay window a `[crypto ipsec | set] security-association
/// replay {disable | window-size [N]}` line sets (0: disabled; a bare
/// `window-size`: the default 64), or none for another line.
pub(super) fn replay_setting(w: &[&str]) -> Option<u32> {
    let rest = match w {
        ["crypto", "ipsec", "security-association", "replay", rest @ ..] => rest,
        ["set", "security-association", "replay", rest @ ..] => rest,
        _ => return None,
    };
    match rest {
        ["disable"] => Some(0),
        ["window-size"] => Some(IpsecPolicy::default().anti_replay_window),
        ["window-size", n] => n.parse().ok(),
        _ => None,
    }
}

/// The IPsec policy `OWNER-ipsec` of a crypto map entry or tunnel
/// interface: its transform sets in order (10, 20 ...), its PFS group and
/// anti-replay window, put into `cfg`. Returns its name.
pub(super) fn insert_ipsec_policy(
    cfg: &mut edgesh_engine::Config,
    owner: &str,
    tsets: &[String],
    pfs_group: Option<u16>,
    anti_replay_window: u32,
) -> String {
    let name = format!("{owner}-ipsec");
    let mut ipol = IpsecPolicy { pfs_group, anti_replay_window, ..Default::default() };
    for (i, t) in tsets.iter().enumerate() {
        ipol.proposals.insert((i as u32 + 1) * 10, t.clone());
    }
    cfg.ipsec_policies.insert(name.clone(), ipol);
    name
}
