//! IOS `show crypto diagnose peer A.B.C.D [| json]`: the diagnosis of
//! `crate::diagnose` with the IOS configuration lines to change.

use crate::diagnose::{Diagnosis, Failure, diagnose, differing, render};
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::config::{EspAuth, EspEncr, IkeAuthAlg, IkeEncr};

type G = edgesh_grammar::Graph<Handler>;

/// The exec commands of this file.
pub fn register(g: &mut G) {
    for (spec, helps) in [
        (
            "show crypto diagnose map WORD <1-65535>",
            &[
                "Show running system information",
                "Encryption module",
                "Why a tunnel is down, from the engine's record of the negotiation",
                "One crypto map entry",
                "Crypto map tag",
                "Sequence number",
            ][..],
        ),
        (
            "show crypto diagnose interface WORD",
            &[
                "Show running system information",
                "Encryption module",
                "Why a tunnel is down, from the engine's record of the negotiation",
                "A tunnel interface (VTI)",
                "Interface name",
            ][..],
        ),
    ] {
        if let Err(e) = g.add(spec, helps, Handler(show)) {
            panic!("{e}");
        }
    }
    if let Err(e) = g.add(
        "show crypto diagnose peer A.B.C.D",
        &[
            "Show running system information",
            "Encryption module",
            "Why a tunnel is down, from the engine's record of the negotiation",
            "One peer",
            "Peer address",
        ],
        Handler(show),
    ) {
        panic!("{e}");
    }
}

/// The peer of the line: its address, or that of a crypto map entry
/// (`map VPN 10`) or a tunnel interface (`interface Tunnel0`).
fn peer(s: &Session, a: &Args) -> Result<std::net::Ipv4Addr, String> {
    if let Some(p) = a.get("A.B.C.D") {
        return p.parse().map_err(|_| "Invalid peer address".to_string());
    }
    let r = s.router();
    let model = r.ios_model.clone();
    let (what, found) = if a.has("map") {
        let name = format!("{}-{}", a.req("WORD")?, a.req("<1-65535>")?);
        (format!("crypto map {}", name.replacen('-', " ", 1)), model.tunnels.get(&name).cloned())
    } else {
        let i = crate::ios::names::interface_name(a.req("WORD")?);
        (
            format!("interface {i}"),
            model
                .tunnels
                .iter()
                .find(|(n, t)| **n == i || t.bind_interface.as_ref().is_some_and(|b| b.0 == i))
                .map(|x| x.1.clone()),
        )
    };
    let t = found.ok_or_else(|| {
        format!("{what} has no tunnel (no such entry, or not a crypto map entry / tunnel protection)")
    })?;
    t.remote.ok_or_else(|| format!("{what} has no peer address (set peer / tunnel destination)"))
}

fn show(s: &mut Session, a: &Args, o: &mut dyn crate::out::Out) -> CmdResult {
    crate::ios::commit::sync(&mut s.router());
    let p = peer(s, a)?;
    let d = diagnose(&s.router(), p);
    render(&d, &fix, o);
    Ok(())
}

/// `| json`.
pub fn state(s: &mut Session, a: &Args) -> Result<serde_json::Value, String> {
    let p = peer(s, a)?;
    crate::json::value(&diagnose(&s.router(), p))
}

fn encr_word(proto: &str) -> Option<&'static str> {
    IkeEncr::ALL.iter().find(|e| e.proto_name() == proto).and_then(|e| match e {
        IkeEncr::Aes128Cbc => Some("encr aes"),
        IkeEncr::Aes192Cbc => Some("encr aes 192"),
        IkeEncr::Aes256Cbc => Some("encr aes 256"),
        IkeEncr::TripleDesCbc => Some("encr 3des"),
        IkeEncr::DesCbc => Some("encr des"),
        // No `crypto isakmp policy` has GCM.
        IkeEncr::Aes128Gcm16 | IkeEncr::Aes256Gcm16 => None,
    })
}

fn hash_word(proto: &str) -> Option<&'static str> {
    IkeAuthAlg::ALL.iter().find(|e| e.proto_name() == proto).map(|e| match e {
        IkeAuthAlg::HmacMd5_96 => "hash md5",
        IkeAuthAlg::HmacSha1_96 => "hash sha",
        IkeAuthAlg::HmacSha256 => "hash sha256",
        IkeAuthAlg::HmacSha384 => "hash sha384",
        IkeAuthAlg::HmacSha512 => "hash sha512",
    })
}

fn esp_word(proto: &str) -> Option<String> {
    EspEncr::ALL
        .iter()
        .find(|e| e.proto_name() == proto)
        .map(|e| crate::ios::events::ios_transform(Some((*e, None)), None))
}

fn auth_word(proto: &str) -> Option<String> {
    EspAuth::ALL.iter().find(|e| e.proto_name() == proto).map(|a| crate::ios::events::ios_transform(None, Some(*a)))
}

/// An address block as an IOS ACL writes it: `10.9.9.0 0.0.0.255`, `host A`
/// (from `A/LEN`, `A/MASK` or a range `A-B`).
fn acl_addr(t: &str) -> String {
    use std::net::Ipv4Addr;
    let wild = |a: Ipv4Addr, mask: u32| {
        if mask == u32::MAX { format!("host {a}") } else { format!("{a} {}", Ipv4Addr::from(!mask)) }
    };
    if let Some((a, m)) = t.split_once('/')
        && let Ok(a) = a.parse::<Ipv4Addr>()
    {
        if let Ok(len) = m.parse::<u32>() {
            return wild(a, if len == 0 { 0 } else { u32::MAX << (32 - len.min(32)) });
        }
        if let Ok(mask) = m.parse::<Ipv4Addr>() {
            return wild(a, u32::from(mask));
        }
    }
    if let Some((a, b)) = t.split_once('-')
        && let (Ok(a), Ok(b)) = (a.parse::<Ipv4Addr>(), b.parse::<Ipv4Addr>())
    {
        return format!("{a} {}", Ipv4Addr::from(u32::from(a) ^ u32::from(b)));
    }
    t.to_string()
}

/// `VPN-10` -> `crypto map VPN 10`; a VTI's tunnel is its interface.
fn map_entry(tunnel: &str) -> String {
    match tunnel.rsplit_once('-') {
        Some((m, seq)) if seq.parse::<u32>().is_ok() => format!("crypto map {m} {seq} ipsec-isakmp"),
        _ => format!("interface {tunnel}"),
    }
}

/// The IOS lines to change, here or on the peer.
pub fn fix(d: &Diagnosis, f: &Failure) -> Vec<String> {
    let entry = d.tunnels.first().map(|t| map_entry(t)).unwrap_or_else(|| "crypto map".into());
    let mut v = Vec::new();
    match f {
        Failure::IkeProposal { checks } if d.version == Some("IKEv2") => {
            let name = checks.first().map(|c| c.local_proposal.clone()).unwrap_or_default();
            for (attr, peer, _) in differing(checks) {
                let w = match attr {
                    "encryption" => peer.strip_prefix("AES_CBC_").map(|b| format!("encryption aes-cbc-{b}")),
                    "integrity" => Some(format!("integrity {}", match peer.as_str() { "AUTH_HMAC_SHA1_96" => "sha1", "AUTH_HMAC_MD5_96" => "md5", "AUTH_HMAC_SHA2_256_128" => "sha256", "AUTH_HMAC_SHA2_384_192" => "sha384", _ => "sha512" })),
                    "PRF" => Some(format!("prf {}", match peer.as_str() { "PRF_HMAC_SHA1" => "sha1", "PRF_HMAC_MD5" => "md5", "PRF_HMAC_SHA2_256" => "sha256", "PRF_HMAC_SHA2_384" => "sha384", _ => "sha512" })),
                    "DH group" => Some(format!("group {peer}")),
                    _ => None,
                };
                if let Some(w) = w {
                    v.push(format!("here: crypto ikev2 proposal {} / {w}, or on the peer its {attr} to this router's", name.trim_start_matches("ikev2-")));
                }
            }
        }
        Failure::IkeProposal { checks } => {
            for (attr, peer, _) in differing(checks) {
                let word = match attr {
                    "encryption" => encr_word(&peer).map(str::to_string),
                    "hash" => hash_word(&peer).map(str::to_string),
                    "DH group" => Some(format!("group {peer}")),
                    "authentication" => Some("authentication pre-share".into()),
                    _ => None,
                };
                let policy = checks.first().map(|c| c.local_proposal.trim_start_matches("isakmp-").to_string()).unwrap_or_default();
                if let Some(w) = word {
                    v.push(format!("here: crypto isakmp policy {policy} / {w}, or on the peer its {attr} to this router's"));
                }
            }
        }
        Failure::IkeProposalRefused { .. } => v.push("on the peer: an IKE proposal with one of this router's policies above, or here a crypto isakmp policy with the peer's".into()),
        Failure::IpsecProposal { checks } => {
            for (attr, peer, local) in differing(checks) {
                match attr {
                    "PFS" if peer == "none" => v.push(format!("here: {entry} / no set pfs, or on the peer PFS {local}")),
                    "PFS" => v.push(format!("here: {entry} / set pfs {}, or on the peer PFS {local}", peer.replace(' ', ""))),
                    "encryption" => v.push(format!("here: crypto ipsec transform-set with {} (set transform-set under {entry}), or on the peer its ESP encryption to {local}", esp_word(&peer).unwrap_or(peer.clone()))),
                    "integrity" => v.push(format!("here: crypto ipsec transform-set with {} (set transform-set under {entry}), or on the peer its ESP authentication to {local}", auth_word(&peer).unwrap_or(peer.clone()))),
                    _ => v.push(format!("here: the transform set of {entry} (AH/ESP as the peer offers), or on the peer its IPsec proposal")),
                }
            }
        }
        Failure::IpsecProposalRefused { .. } => v.push(format!("on the peer: an IPsec proposal and PFS like this router's above, or here the transform set and set pfs of {entry} like the peer's")),
        Failure::SelectorsRefused { .. } => v.push(format!("on the peer: its ACL as the mirror of this router's above, or here the access-list of {entry} (match address) as the mirror of the peer's")),
        Failure::PreSharedKey { .. } if d.version == Some("IKEv2") => v.push(format!("here: crypto ikev2 keyring / peer (address {}) / pre-shared-key KEY, the same key as on the peer", d.peer)),
        Failure::PreSharedKey { .. } => v.push(format!("here: crypto isakmp key KEY address {} (or the keyring), the same key as on the peer", d.peer)),
        Failure::Identity { received, .. } => v.push(format!("here: the peer's identity ({received}) in the isakmp profile / ikev2 profile match identity, or on the peer its local identity")),
        Failure::Selectors { peer_local, peer_remote, .. } => {
            v.push(format!("here: the access-list of {entry} (match address) as the mirror of the peer's: permit ip {} {}, or on the peer its ACL", acl_addr(peer_remote), acl_addr(peer_local)))
        }
        Failure::KeyExchange { peer_group, .. } => v.push(format!("here: crypto ikev2 proposal / group {peer_group}, or on the peer its DH group")),
        Failure::IkeVersion { peer, .. } if *peer == "IKEv2" => v.push(format!("here: set ikev2-profile under {entry} (IKEv2), or on the peer an IKEv1 policy")),
        Failure::IkeVersion { .. } => v.push(format!("here: no set ikev2-profile under {entry} (IKEv1), or on the peer an IKEv2 policy")),
        Failure::NoAnswer { .. } => v.push(format!("nothing here if the peer is meant to answer: check that {} is reachable and has a tunnel toward this router (of the same IKE version: its own diagnosis says)", d.peer)),
        Failure::NoConfiguration { .. } => v.push(format!("here: a crypto map entry with set peer {}", d.peer)),
        _ => {}
    }
    v
}
