//! Compile the IOS configuration document into the engine model
//! (`engine::config::Config`), so that a tunnel configured the IOS way and
//! one configured the SmartEdge way are the same thing to the engine. The
//! mapping is written down in `docs/dialects.md`.
//!
//! Each IOS VRF is a context of the same name (the global table is
//! `local`). IKEv2 (`crypto ikev2 ...`) compiles into IKEv2 proposals and
//! policies (`ikev2.rs`). Anything the engine cannot express is reported in
//! the notes, never silently dropped.

use super::ikev2::{Ikev2, TYPE6};
use super::names::{interface_name, mask_len, words};
use super::{IosDoc, Node};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// `crypto isakmp profile`: what a crypto map entry that names it takes.
#[derive(Default)]
struct IsakmpProfile {
    keyring: Option<String>,
    self_id: Option<Identity>,
    self_fqdn: bool,
    local_address: Option<String>,
    aggressive: bool,
    match_ids: Vec<Identity>,
    /// `vrf IVRF`: the inside VRF.
    vrf: Option<String>,
    /// The front-door VRF named by `match identity address A [MASK] FVRF`.
    match_fvrf: Option<String>,
}

/// The result of a compile: the model and what could not be expressed.
#[derive(Debug)]
pub struct Compiled {
    pub config: Config,
    pub notes: Vec<String>,
}

fn wildcard_len(w: Ipv4Addr) -> Option<u8> {
    mask_len(Ipv4Addr::from(!u32::from(w)))
}

/// An IOS address spec (`any`, `host A`, `A WILDCARD`) as an ACL address; returns the words used.
fn acl_addr(w: &[&str]) -> Option<(AclAddr, usize)> {
    match w {
        ["any", ..] => Some((AclAddr::Any, 1)),
        ["host", a, ..] => Some((AclAddr::Prefix(Prefix4 { addr: a.parse().ok()?, len: 32 }), 2)),
        [a, m, ..] => {
            let len = wildcard_len(m.parse().ok()?)?;
            // The address's bits under the wildcard do not count (IOS clears them as it stores the entry).
            let addr = Prefix4 { addr: a.parse().ok()?, len };
            Some((AclAddr::Prefix(Prefix4 { addr: addr.network(), len }), 2))
        }
        _ => None,
    }
}

fn port(w: &[&str]) -> Option<((PortOp, u16), usize)> {
    match w {
        [op, p, ..] => {
            let op = PortOp::from_word(op)?;
            let p = match *p {
                "isakmp" => 500,
                "non500-isakmp" => 4500,
                x => x.parse().ok()?,
            };
            Some(((op, p), 2))
        }
        _ => None,
    }
}

/// The `object-group network|service NAME` definitions: each member as the
/// ACL words it stands for (`host A`, `A WILDCARD`; `tcp eq 80`), nested
/// `group-object`s expanded (a cycle or an unknown member: `None`).
fn object_groups(doc: &IosDoc) -> BTreeMap<String, (bool, Option<Vec<Vec<String>>>)> {
    let mut raw: BTreeMap<String, (bool, Vec<Vec<String>>)> = BTreeMap::new();
    for n in &doc.root {
        if let ["object-group", kind @ ("network" | "service"), name] = words(&n.text).as_slice() {
            let members = n.children.iter().map(|c| words(&c.text).iter().map(|w| w.to_string()).collect()).collect();
            raw.insert(name.to_string(), (*kind == "network", members));
        }
    }
    fn expand(name: &str, raw: &BTreeMap<String, (bool, Vec<Vec<String>>)>, depth: usize) -> Option<Vec<Vec<String>>> {
        let (network, members) = raw.get(name)?;
        if depth > 8 {
            return None;
        }
        let mut out = Vec::new();
        for m in members {
            let m: Vec<&str> = m.iter().map(String::as_str).collect();
            match (network, m.as_slice()) {
                (_, ["description", ..]) => {}
                (_, ["group-object", g]) => out.extend(expand(g, raw, depth + 1)?),
                (true, ["host", a] | ["network-object", "host", a]) => out.push(vec!["host".into(), a.to_string()]),
                (true, [a, mask] | ["network-object", a, mask]) => {
                    let m: Ipv4Addr = mask.parse().ok()?;
                    out.push(vec![a.to_string(), Ipv4Addr::from(!u32::from(m)).to_string()]);
                }
                (false, [proto, rest @ ..]) => {
                    out.push(std::iter::once(proto.to_string()).chain(rest.iter().map(|w| w.to_string())).collect())
                }
                _ => return None,
            }
        }
        Some(out)
    }
    raw.keys().map(|k| (k.clone(), (raw[k].0, expand(k, &raw, 0)))).collect()
}

/// An ACL entry with object-groups, as the entries without them it stands
/// for (`permit object-group SVC object-group NET any` is one entry per
/// service and network member). `None`: a group is unknown or cannot be
/// expanded.
fn expand_entry(w: &[&str], groups: &BTreeMap<String, (bool, Option<Vec<Vec<String>>>)>) -> Option<Vec<Vec<String>>> {
    let mut out: Vec<(Vec<String>, Vec<String>)> = vec![(Vec::new(), Vec::new())];
    let mut i = 0;
    while i < w.len() {
        if w[i] == "object-group" {
            let (network, members) = groups.get(*w.get(i + 1)?)?;
            let members = members.as_ref()?;
            let mut next = Vec::new();
            for (words, tail) in &out {
                for m in members {
                    if *network {
                        let mut x = words.clone();
                        x.extend(m.iter().cloned());
                        next.push((x, tail.clone()));
                    } else {
                        // A service member: its protocol here, its ports after the destination.
                        let mut x = words.clone();
                        x.push(m[0].clone());
                        let mut t = tail.clone();
                        t.extend(m[1..].iter().cloned());
                        next.push((x, t));
                    }
                }
            }
            out = next;
            i += 2;
        } else {
            for (x, _) in out.iter_mut() {
                x.push(w[i].to_string());
            }
            i += 1;
        }
    }
    Some(
        out.into_iter()
            .map(|(mut x, t)| {
                x.extend(t);
                x
            })
            .collect(),
    )
}

/// `permit PROTO SRC [PORT] DST [PORT]` as an ACL rule (`deny` and
/// non-contiguous wildcards cannot be expressed: noted by the caller).
fn acl_rule(w: &[&str]) -> Option<AclRule> {
    let (proto, rest) = w.split_first()?;
    let protocol = crate::cisco_acl::protocol(proto)?;
    let (src, n) = acl_addr(rest)?;
    let rest = &rest[n..];
    let (src_port, n) = port(rest).map(|(p, n)| (Some(p), n)).unwrap_or((None, 0));
    let rest = &rest[n..];
    let (dst, n) = acl_addr(rest)?;
    let rest = &rest[n..];
    let dst_port = port(rest).map(|(p, _)| p);
    Some(AclRule { protocol, src, src_port, dst: Some(dst), dst_port })
}

fn transform(t: &[&str], notes: &mut Vec<String>, name: &str) -> IpsecProposal {
    let mut p = IpsecProposal::new();
    // IOS's defaults, unless `crypto ipsec security-association lifetime` says otherwise.
    p.lifetime_seconds = super::defaults::IPSEC_SA_SECONDS;
    p.lifetime_kbytes = Some(super::defaults::IPSEC_SA_KILOBYTES);
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

fn isakmp_proposal(n: &Node, notes: &mut Vec<String>) -> IkeProposal {
    // IOS defaults of a new policy: DES... since 15.x aes; edgesh uses the
    // documented classic defaults (`defaults::ISAKMP_POLICY`), read as the
    // lines before the block's own.
    let mut p = IkeProposal::new(IkeVersion::V1);
    let defaults = super::defaults::ISAKMP_POLICY.iter().copied();
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

/// Compile the document.
pub fn compile(doc: &IosDoc) -> Compiled {
    let mut cfg = Config::new(&doc.hostname);
    let mut notes = Vec::new();
    // IOS answers aggressive mode unless told not to (Security Command Reference,
    // `crypto isakmp aggressive-mode disable`: "Cisco IOS software will attempt to
    // process all incoming ISAKMP aggressive mode security association (SA) connections").
    let mut aggressive_disabled = false;
    // Pre-shared keys by (front-door VRF context, peer address), from global keys and keyrings.
    let mut keys: BTreeMap<(String, Ipv4Addr), String> = BTreeMap::new();
    // Every key with its mask, keyring (None: `crypto isakmp key`) and front-door VRF context, for longest-match lookups.
    let mut all_keys: Vec<(Ipv4Addr, u8, String, Option<String>, String)> = Vec::new();
    let mut keyring_local: BTreeMap<String, String> = BTreeMap::new();
    let mut keyring_vrf: BTreeMap<String, String> = BTreeMap::new();
    let mut profiles_isakmp: BTreeMap<String, IsakmpProfile> = BTreeMap::new();
    let mut identity_hostname = false;
    let mut keepalive = false;
    let mut domain: Option<String> = None;
    // VRFs: defined ones, and each interface's (`ip vrf forwarding` / `vrf forwarding`).
    let mut vrfs: BTreeSet<String> = BTreeSet::new();
    let mut vrf_refs: BTreeSet<String> = BTreeSet::new();
    let mut if_vrf: BTreeMap<String, String> = BTreeMap::new();
    // Interfaces: addresses and applied crypto maps.
    let mut if_addr: BTreeMap<String, Ipv4Addr> = BTreeMap::new();
    let mut map_on: BTreeMap<String, String> = BTreeMap::new();
    let mut local_if: BTreeMap<String, String> = BTreeMap::new();
    let mut isakmp: Vec<(u32, IkeProposal)> = Vec::new();
    let mut acls: BTreeMap<String, IpsecAcl> = BTreeMap::new();
    let mut entries: Vec<(String, u32, &Node)> = Vec::new();
    let mut manual_entries: Vec<(String, u32, &Node)> = Vec::new();
    // Dynamic maps: (map, seq, dynamic map) references and the dynamic map entries.
    let mut dyn_refs: Vec<(String, u32, String)> = Vec::new();
    let mut dmaps: BTreeMap<String, Vec<(u32, &Node)>> = BTreeMap::new();
    let mut vtis: Vec<Vti> = Vec::new();
    // crypto ipsec profile: transform sets, PFS group, IKEv2 profile.
    let mut profiles: BTreeMap<String, IpsecProfileIos> = BTreeMap::new();
    // Static routes: (VRF, route).
    let mut routes: Vec<(Option<String>, Route)> = Vec::new();
    let mut v2 = Ikev2::default();
    let groups = object_groups(doc);
    // Every address of an interface, secondaries too (a tunnel source may be one).
    let mut if_owner: BTreeMap<Ipv4Addr, String> = BTreeMap::new();

    for n in &doc.root {
        let w = words(&n.text);
        match w.as_slice() {
            ["ip", "vrf", name] | ["vrf", "definition", name] => {
                vrfs.insert(name.to_string());
            }
            ["ip", "route", rest @ ..] => {
                let (vrf, rest) = match rest {
                    ["vrf", v, more @ ..] => (Some(v.to_string()), more),
                    _ => (None, rest),
                };
                match static_route(rest) {
                    Some(r) => {
                        vrf_refs.extend(vrf.clone());
                        routes.push((vrf, r));
                    }
                    None => notes.push(format!("`{}`: the engine model has no such route", n.text)),
                }
            }
            ["crypto", "isakmp", "policy", p] => isakmp.push((p.parse().unwrap_or(0), isakmp_proposal(n, &mut notes))),
            ["crypto", "isakmp", "keepalive", ..] => keepalive = true,
            ["crypto", "ikev2", "cookie-challenge", n] => cfg.ikev2_cookie_challenge = n.parse().ok(),
            ["crypto", "isakmp", "aggressive-mode", "disable"] => aggressive_disabled = true,
            // IOS's default fragment MTU for IPv4 is 576.
            ["crypto", "ikev2", "fragmentation"] => cfg.ikev2_fragment_mtu = Some(576),
            ["crypto", "ikev2", "fragmentation", "mtu", n] => cfg.ikev2_fragment_mtu = n.parse().ok(),
            // `6 CIPHERTEXT`: a type 6 key is never the key itself; edgesh cannot
            // decrypt it (Cisco does not publish the algorithm), so the peer has no key.
            ["crypto", "isakmp", "key", "6", _, "address", a, ..] => {
                notes.push(format!("crypto isakmp key for {a}: {TYPE6}"));
            }
            ["crypto", "isakmp", "key", rest @ ..] => {
                let rest: Vec<&str> = rest.iter().copied().filter(|x| *x != "0").collect();
                if let [k, "address", a, more @ ..] = rest.as_slice() {
                    if let Ok(a) = a.parse() {
                        keys.insert((LOCAL.into(), a), k.to_string());
                        let len = more.first().and_then(|m| m.parse().ok()).and_then(mask_len).unwrap_or(32);
                        all_keys.push((a, len, k.to_string(), None, LOCAL.into()));
                    }
                }
            }
            ["crypto", "isakmp", "identity", "hostname"] => identity_hostname = true,
            ["ip", "domain-name", d] | ["ip", "domain", "name", d] => domain = Some(d.to_string()),
            ["crypto", "keyring", name, more @ ..] => {
                // `crypto keyring NAME vrf FVRF`: the keys of peers reached through FVRF.
                let fvrf = match more {
                    ["vrf", v, ..] => {
                        vrf_refs.insert(v.to_string());
                        keyring_vrf.insert(name.to_string(), v.to_string());
                        v.to_string()
                    }
                    _ => LOCAL.to_string(),
                };
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["pre-shared-key", "address", a, rest @ ..] => {
                            // `key [0 | 6] KEY`: the type word is not the key.
                            let key = |i: usize| match rest.get(i + 1..).unwrap_or_default() {
                                ["6", _] => None,
                                ["0", k] => Some(*k),
                                [k, ..] => Some(*k),
                                [] => None,
                            };
                            if rest.windows(2).any(|w| w == ["key", "6"]) {
                                notes.push(format!("keyring {name}: pre-shared-key address {a}: {TYPE6}"));
                            }
                            if let (Ok(a), Some(k)) = (a.parse(), rest.iter().position(|x| *x == "key").and_then(key)) {
                                keys.insert((fvrf.clone(), a), k.to_string());
                                let len = rest.first().and_then(|m| m.parse().ok()).and_then(mask_len).unwrap_or(32);
                                all_keys.push((a, len, k.to_string(), Some(name.to_string()), fvrf.clone()));
                            }
                        }
                        ["local-address", i, ..] => {
                            keyring_local.insert(name.to_string(), i.to_string());
                        }
                        _ => {}
                    }
                }
            }
            ["crypto", "isakmp", "profile", name] => {
                let mut p = IsakmpProfile::default();
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["keyring", k] => p.keyring = Some(k.to_string()),
                        ["self-identity", "fqdn"] => p.self_fqdn = true,
                        ["self-identity", "user-fqdn", u] => p.self_id = Some(Identity::UserFqdn(u.to_string())),
                        ["self-identity", a] => p.self_id = a.parse().ok().map(Identity::Ipv4),
                        ["local-address", i, ..] => p.local_address = Some(i.to_string()),
                        ["initiate", "mode", "aggressive"] => p.aggressive = true,
                        ["match", "identity", "host", h] => p.match_ids.push(Identity::Fqdn(h.to_string())),
                        ["match", "identity", "user", u] => p.match_ids.push(Identity::UserFqdn(u.to_string())),
                        // `match identity address A [MASK] [FVRF]`: the last word, when not a mask, is the front-door VRF.
                        ["match", "identity", "address", _, rest @ ..] => {
                            if let Some(v) = rest.iter().find(|x| x.parse::<Ipv4Addr>().is_err()) {
                                vrf_refs.insert(v.to_string());
                                p.match_fvrf.get_or_insert_with(|| v.to_string());
                            }
                        }
                        ["vrf", v] => {
                            vrf_refs.insert(v.to_string());
                            p.vrf = Some(v.to_string());
                        }
                        _ => {}
                    }
                }
                profiles_isakmp.insert(name.to_string(), p);
            }
            ["crypto", "ikev2", ..] => v2.read(n, &mut notes),
            ["crypto", "ipsec", "transform-set", name, t @ ..] => {
                let mut p = transform(t, &mut notes, name);
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["mode", "transport"] => p.transport = Some(TransportMode::Preferred),
                        ["mode", "transport", "require"] => p.transport = Some(TransportMode::Required),
                        _ => {}
                    }
                }
                cfg.ipsec_proposals.insert(name.to_string(), p);
            }
            ["crypto", "ipsec", "profile", name] => {
                let mut p = IpsecProfileIos::default();
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["set", "transform-set", t @ ..] => p.tsets = t.iter().map(|x| x.to_string()).collect(),
                        ["set", "pfs"] => p.pfs = Some(2),
                        ["set", "pfs", g] => p.pfs = g.trim_start_matches("group").parse().ok(),
                        ["set", "ikev2-profile", v] => p.ikev2 = Some(v.to_string()),
                        w => p.replay = replay_setting(w).or(p.replay),
                    }
                }
                profiles.insert(name.to_string(), p);
            }
            ["crypto", "map", m, "local-address", i] => {
                local_if.insert(m.to_string(), interface_name(i));
            }
            ["crypto", "map", m, seq, "ipsec-isakmp"] => entries.push((m.to_string(), seq.parse().unwrap_or(0), n)),
            ["crypto", "map", m, seq, "ipsec-manual"] => {
                manual_entries.push((m.to_string(), seq.parse().unwrap_or(0), n))
            }
            ["crypto", "map", m, seq, "ipsec-isakmp", "dynamic", d] => {
                dyn_refs.push((m.to_string(), seq.parse().unwrap_or(0), d.to_string()))
            }
            ["crypto", "dynamic-map", d, seq] => {
                dmaps.entry(d.to_string()).or_default().push((seq.parse().unwrap_or(0), n))
            }
            ["access-list", num, action, rest @ ..] => {
                let acl = acls.entry(num.to_string()).or_default();
                let seq = (acl.rules.len() as u32 + 1) * 10;
                match (*action, expand_entry(rest, &groups)) {
                    ("permit", Some(all))
                        if all
                            .iter()
                            .all(|e| acl_rule(&e.iter().map(String::as_str).collect::<Vec<_>>()).is_some()) =>
                    {
                        for (k, e) in all.iter().enumerate() {
                            if let Some(r) = acl_rule(&e.iter().map(String::as_str).collect::<Vec<_>>()) {
                                acl.rules.insert(seq + k as u32, r);
                            }
                        }
                    }
                    _ => notes.push(format!(
                        "`{}`: only permit entries with contiguous wildcards become engine selectors",
                        n.text
                    )),
                }
            }
            ["ip", "access-list", "extended", name] => {
                let acl = acls.entry(name.to_string()).or_default();
                for c in &n.children {
                    let cw = words(&c.text);
                    let cw: Vec<&str> =
                        if cw.first().is_some_and(|x| x.parse::<u32>().is_ok()) { cw[1..].to_vec() } else { cw };
                    let seq = (acl.rules.len() as u32 + 1) * 10;
                    match cw.split_first() {
                        Some((&"permit", rest)) => {
                            let all: Option<Vec<AclRule>> = expand_entry(rest, &groups).and_then(|v| {
                                v.iter().map(|e| acl_rule(&e.iter().map(String::as_str).collect::<Vec<_>>())).collect()
                            });
                            match all {
                                Some(rules) => {
                                    for (k, r) in rules.into_iter().enumerate() {
                                        acl.rules.insert(seq + k as u32, r);
                                    }
                                }
                                None => notes
                                    .push(format!("ip access-list {name}: `{}` cannot be an engine selector", c.text)),
                            }
                        }
                        Some((&"remark", _)) => {}
                        _ => notes.push(format!("ip access-list {name}: `{}` cannot be an engine selector", c.text)),
                    }
                }
            }
            ["interface", name] => {
                let mut vti = Vti { ifname: name.to_string(), ..Default::default() };
                let mut address = None;
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["ip", "address", a, _, "secondary"] => {
                            if let Ok(a) = a.parse::<Ipv4Addr>() {
                                if_owner.insert(a, name.to_string());
                            }
                        }
                        ["tunnel", "mode", mode @ ..] => vti.mode = mode.join(" "),
                        ["ip", "address", a, m] => {
                            if let (Ok(a), Ok(m)) = (a.parse::<Ipv4Addr>(), m.parse::<Ipv4Addr>()) {
                                if_owner.insert(a, name.to_string());
                                if_addr.insert(name.to_string(), a);
                                address = Some(Prefix4 { addr: a, len: mask_len(m).unwrap_or(32) });
                            }
                        }
                        ["ip", "vrf", "forwarding", v] | ["vrf", "forwarding", v] => {
                            vrf_refs.insert(v.to_string());
                            if_vrf.insert(name.to_string(), v.to_string());
                        }
                        ["crypto", "map", m] => {
                            map_on.insert(m.to_string(), name.to_string());
                        }
                        ["tunnel", "source", x] => vti.source = Some(x.to_string()),
                        ["tunnel", "destination", x] => vti.destination = x.parse().ok(),
                        ["tunnel", "vrf", v] => {
                            vrf_refs.insert(v.to_string());
                            vti.tunnel_vrf = Some(v.to_string());
                        }
                        ["tunnel", "protection", "ipsec", "profile", p, more @ ..] => {
                            vti.profile = Some(p.to_string());
                            // `ikev2-profile NAME` after it: the tunnel's IKEv2 profile, not the IPsec profile's.
                            vti.ikev2_profile = more
                                .iter()
                                .position(|w| *w == "ikev2-profile")
                                .and_then(|i| more.get(i + 1))
                                .map(|x| x.to_string());
                        }
                        _ => {}
                    }
                }
                if let Some(address) = address {
                    let ctx = if_vrf.get(*name).cloned().unwrap_or_else(|| LOCAL.into());
                    cfg.contexts.entry(ctx).or_default().interfaces.insert(
                        name.to_string(),
                        Interface {
                            kind: InterfaceKind::Plain,
                            description: None,
                            address: Some(address),
                            secondary: Vec::new(),
                            unnumbered: None,
                        },
                    );
                }
                if vti.source.is_some() && vti.profile.is_some() {
                    vtis.push(vti);
                }
            }
            _ => {}
        }
    }
    // Every VRF is a context of the same name (the global table is `local`).
    for v in vrf_refs.iter().filter(|v| !vrfs.contains(*v)) {
        notes.push(format!("VRF {v} is used but not defined (ip vrf / vrf definition): context {v} made for it"));
    }
    for v in vrfs.iter().chain(vrf_refs.iter()) {
        cfg.contexts.entry(v.clone()).or_default();
    }
    for (vrf, r) in routes {
        cfg.contexts.entry(vrf.unwrap_or_else(|| LOCAL.into())).or_default().routes.push(r);
    }
    // The global anti-replay window: every entry's without its own.
    let global_replay = doc
        .root
        .iter()
        .filter_map(|n| replay_setting(&words(&n.text)))
        .last()
        .unwrap_or(IpsecPolicy::default().anti_replay_window);
    // Global IPsec SA lifetimes apply to every transform set.
    for n in &doc.root {
        match words(&n.text).as_slice() {
            ["crypto", "ipsec", "security-association", "lifetime", "seconds", v] => {
                if let Ok(v) = v.parse() {
                    cfg.ipsec_proposals.values_mut().for_each(|p| p.lifetime_seconds = v);
                }
            }
            ["crypto", "ipsec", "security-association", "lifetime", "kilobytes", v] => {
                if let Ok(v) = v.parse() {
                    cfg.ipsec_proposals.values_mut().for_each(|p| p.lifetime_kbytes = Some(v));
                }
            }
            _ => {}
        }
    }
    // IKE proposals: every ISAKMP policy by priority, then the default 65535.
    isakmp.sort_by_key(|(p, _)| *p);
    let mut default = IkeProposal::new(IkeVersion::V1);
    default.encryption = IkeEncr::DesCbc;
    default.auth_method = AuthMethod::RsaSignature;
    isakmp.push((65535, default));
    for (prio, p) in &isakmp {
        cfg.ike_proposals.insert(format!("isakmp-{prio}"), p.clone());
    }
    let isakmp_names: Vec<String> = isakmp.iter().map(|(prio, _)| format!("isakmp-{prio}")).collect();
    // IOS access lists are global: they are in `local`, and copied into the
    // context of each tunnel's local end point that uses them (the engine
    // reads a tunnel's selectors there).
    cfg.contexts.entry(LOCAL.into()).or_default().ipsec_acls.extend(acls.clone());
    let ctx_of_if = |i: &str| if_vrf.get(i).cloned().unwrap_or_else(|| LOCAL.into());
    let addr_of = |x: &str| x.parse::<Ipv4Addr>().ok().or_else(|| if_addr.get(&interface_name(x)).copied());
    let fqdn = || {
        Identity::Fqdn(match &domain {
            Some(d) => format!("{}.{d}", doc.hostname),
            None => doc.hostname.clone(),
        })
    };
    // The longest-match key for a peer, from one keyring or from every key of
    // the front-door VRF (the last of equal prefixes), from tables built once:
    // a scan of every key for every entry was quadratic (10,000 entries).
    let (mut by_ring, mut by_vrf) = (HashMap::<&str, KeyTable>::new(), HashMap::<&str, KeyTable>::new());
    for (i, (a, len, _, r, v)) in all_keys.iter().enumerate() {
        by_vrf.entry(v.as_str()).or_default().insert(*a, *len, i);
        if let Some(r) = r {
            by_ring.entry(r.as_str()).or_default().insert(*a, *len, i);
        }
    }
    let best = |peer: Ipv4Addr, ring: Option<&String>, fvrf: &str| {
        let table = match ring {
            Some(o) => by_ring.get(o.as_str()),
            None => by_vrf.get(fvrf),
        };
        table.and_then(|t| t.longest(peer)).map(|i| all_keys[i].2.clone())
    };
    // Crypto map entries: a static tunnel each.
    for (m, seq, n) in entries {
        let tname = format!("{m}-{seq}");
        let mut peer: Option<Ipv4Addr> = None;
        let mut tsets: Vec<String> = Vec::new();
        let mut acl: Option<String> = None;
        let mut pfs: Option<u16> = None;
        let mut replay = global_replay;
        let mut profile: Option<String> = None;
        let mut profile_v2: Option<String> = None;
        // `reverse-route` (not `static`): routes follow the SAs (engine::routes).
        let rri = n.children.iter().any(|c| c.text == "reverse-route");
        for c in &n.children {
            match words(&c.text).as_slice() {
                ["set", "isakmp-profile", p] => profile = Some(p.to_string()),
                ["set", "ikev2-profile", p] => profile_v2 = Some(p.to_string()),
                ["set", "peer", a] if peer.is_none() => peer = a.parse().ok(),
                ["set", "transform-set", ts @ ..] => tsets = ts.iter().map(|s| s.to_string()).collect(),
                ["match", "address", a] => acl = Some(a.to_string()),
                ["set", "pfs"] => pfs = Some(2),
                ["set", "pfs", g] => pfs = g.trim_start_matches("group").parse().ok(),
                w => replay = replay_setting(w).unwrap_or(replay),
            }
        }
        let Some(peer) = peer else {
            notes.push(format!("crypto map {m} {seq}: no peer (set peer): no tunnel"));
            continue;
        };
        let ifname = local_if.get(&m).or(map_on.get(&m)).cloned();
        let prof = if profile_v2.is_some() {
            if profile.is_some() {
                notes.push(format!("crypto map {m} {seq}: both an isakmp and an ikev2 profile; the tunnel is IKEv2 (the engine model holds one IKE version per tunnel)"));
            }
            None
        } else {
            profile.as_ref().and_then(|p| {
                let x = profiles_isakmp.get(p);
                if x.is_none() {
                    notes.push(format!("crypto map {m} {seq}: isakmp profile {p} does not exist"));
                }
                x
            })
        };
        // The profile's (or its keyring's) local-address wins over the interface.
        let prof_local = prof.and_then(|p| {
            p.local_address.clone().or_else(|| p.keyring.as_ref().and_then(|k| keyring_local.get(k).cloned()))
        });
        let (local_addr, local_ifname) = match &prof_local {
            Some(x) => match addr_of(x) {
                // The interface that owns the address (named, or found by its address).
                Some(a) => (
                    Some(a),
                    Some(interface_name(x))
                        .filter(|i| if_addr.contains_key(i))
                        .or_else(|| if_addr.iter().find(|(_, v)| **v == a).map(|(k, _)| k.clone()))
                        .or(ifname.clone()),
                ),
                None => {
                    notes.push(format!("crypto map {m} {seq}: local-address {x} has no address"));
                    (ifname.as_ref().and_then(|i| if_addr.get(i)).copied(), ifname.clone())
                }
            },
            None => (ifname.as_ref().and_then(|i| if_addr.get(i)).copied(), ifname.clone()),
        };
        // The front-door VRF: the VRF of the interface that carries IKE; without
        // one, the VRF the profile's keyring or match identity names.
        let ring = prof.and_then(|p| p.keyring.clone());
        let named_fvrf = match (&profile_v2, prof) {
            (Some(p2), _) => v2.profiles.get(p2).and_then(|p| p.fvrf.clone()).filter(|v| v != "any"),
            (None, Some(p)) => ring.as_ref().and_then(|r| keyring_vrf.get(r).cloned()).or_else(|| p.match_fvrf.clone()),
            _ => None,
        };
        let fvrf = match (&local_ifname, &named_fvrf) {
            (Some(i), named) => {
                let c = ctx_of_if(i);
                if let Some(nv) = named.as_ref().filter(|nv| **nv != c) {
                    notes.push(format!(
                        "crypto map {m} {seq}: the profile names front-door VRF {nv} but interface {i} is in {}",
                        vrf_word(&c)
                    ));
                }
                c
            }
            (None, Some(v)) => v.clone(),
            (None, None) => LOCAL.to_string(),
        };
        // The inside VRF: the isakmp profile's `vrf`, else the front-door VRF.
        let ivrf = prof.and_then(|p| p.vrf.clone()).filter(|v| *v != fvrf);
        let policy_name = format!("{tname}-ipsec");
        let mut ipol = IpsecPolicy { pfs_group: pfs, anti_replay_window: replay, ..Default::default() };
        for (i, t) in tsets.iter().enumerate() {
            ipol.proposals.insert((i as u32 + 1) * 10, t.clone());
        }
        cfg.ipsec_policies.insert(policy_name.clone(), ipol);
        let ike_name = format!("{tname}-ike");
        let (ike, remote_id) = if let Some(p2) = &profile_v2 {
            let what = format!("crypto map {m} {seq}");
            v2.policy(&mut cfg, &mut notes, &what, p2, peer, local_addr, &fvrf, &if_addr)
        } else {
            let mut ike = IkePolicy::new(IkeVersion::V1);
            ike.identity_local = match prof {
                Some(p) if p.self_fqdn => Some(fqdn()),
                Some(IsakmpProfile { self_id: Some(id), .. }) => Some(id.clone()),
                _ if identity_hostname => Some(fqdn()),
                _ => local_addr.map(Identity::Ipv4),
            };
            // `match identity host|user` names the identity the peer must present.
            let remote_id = prof.and_then(|p| p.match_ids.first().cloned()).unwrap_or(Identity::Ipv4(peer));
            ike.identity_remote = Some(remote_id.clone());
            if prof.is_some_and(|p| p.aggressive) {
                ike.mode = ExchangeMode::Aggressive;
            }
            // The key: the profile's keyring first (longest match), else any key of the front-door VRF.
            if let Some(r) = &ring {
                if let Some(kv) = keyring_vrf.get(r).filter(|kv| **kv != fvrf) {
                    notes.push(format!(
                        "crypto map {m} {seq}: keyring {r} is for VRF {kv}, the front-door VRF is {}",
                        vrf_word(&fvrf)
                    ));
                }
            }
            ike.pre_shared_key = ring
                .as_ref()
                .and_then(|r| best(peer, Some(r), &fvrf))
                .or_else(|| best(peer, None, &fvrf))
                .map(|k| PreSharedKey::Key(Key::Ascii(k)));
            for (i, name) in isakmp_names.iter().enumerate() {
                ike.proposals.insert(i as u32 + 1, name.clone());
            }
            if ike.proposals.len() > MAX_POLICY_PROPOSALS {
                notes.push(format!("crypto map {m} {seq}: more ISAKMP policies than an engine policy holds; the first {MAX_POLICY_PROPOSALS} are used"));
                while let Some(&last) =
                    ike.proposals.last().map(|(k, _)| k).filter(|_| ike.proposals.len() > MAX_POLICY_PROPOSALS)
                {
                    ike.proposals.remove(&last);
                }
            }
            (ike, remote_id)
        };
        cfg.contexts.entry(fvrf.clone()).or_default().ike_policies.insert(ike_name.clone(), ike);
        copy_acl(&mut cfg, &acls, acl.as_deref(), &fvrf);
        let mut t = Tunnel::new(TunnelKind::Static, false);
        t.local = local_addr;
        t.remote = Some(peer);
        t.context = (fvrf != LOCAL).then(|| fvrf.clone());
        t.remote_id = Some(remote_id);
        t.ike_policy = Some(ike_name);
        t.bind_interface = match (ifname, &ivrf) {
            // Inside traffic is in another VRF: the map's interface is attached
            // there too, as the ipsec interface a SmartEdge tunnel is bound to.
            (Some(i), Some(iv)) => {
                cfg.contexts.entry(iv.clone()).or_default().interfaces.entry(i.clone()).or_insert_with(|| Interface {
                    kind: InterfaceKind::Ipsec,
                    description: Some(format!("crypto map {m}: inside VRF {iv}")),
                    address: None,
                    secondary: Vec::new(),
                    unnumbered: None,
                });
                Some((i, Some(iv.clone())))
            }
            (i, _) => i.map(|i| (i, None)),
        };
        t.entries.insert(10, TunnelEntry::Policy(PolicyEntry { policy: policy_name, access_group: acl }));
        t.on_traffic = true;
        t.map_entry = Some((m.clone(), seq));
        t.ts_guided_routes = rri;
        if local_addr.is_none() {
            notes
                .push(format!("crypto map {m} {seq}: not applied to an interface with an address: no local end point"));
        }
        cfg.tunnels.insert(tname, t);
    }
    // Manual-key entries: a manual key tunnel each (`manual.rs`).
    let map_if = |m: &str| local_if.get(m).or(map_on.get(m)).cloned();
    super::manual::compile(
        &mut cfg,
        &mut notes,
        &manual_entries,
        &super::manual::Env { map_if: &map_if, if_addr: &if_addr, acls: &acls },
    );
    // Dynamic map references: an on-demand tunnel per dynamic map entry, answering
    // any peer that has the wildcard key, within the entry's ACL (any/any without one).
    for (m, seq, d) in dyn_refs {
        let Some(list) = dmaps.get(&d) else {
            notes.push(format!("crypto map {m} {seq}: dynamic map {d} does not exist"));
            continue;
        };
        let mut list = list.clone();
        list.sort_by_key(|x| x.0);
        let many = list.len() > 1;
        for (dseq, n) in list {
            let tname = if many { format!("{m}-{seq}-{dseq}") } else { format!("{m}-{seq}") };
            let mut tsets: Vec<String> = Vec::new();
            let mut acl: Option<String> = None;
            let mut pfs: Option<u16> = None;
            let mut replay = global_replay;
            let rri = n.children.iter().any(|c| c.text == "reverse-route");
            for c in &n.children {
                match words(&c.text).as_slice() {
                    ["set", "transform-set", ts @ ..] => tsets = ts.iter().map(|s| s.to_string()).collect(),
                    ["match", "address", a] => acl = Some(a.to_string()),
                    ["set", "pfs"] => pfs = Some(2),
                    ["set", "pfs", g] => pfs = g.trim_start_matches("group").parse().ok(),
                    ["set", "ikev2-profile", p] => notes.push(format!(
                        "crypto dynamic-map {d} {dseq}: ikev2 profile {p}: dynamic maps compile as IKEv1 only"
                    )),
                    w => replay = replay_setting(w).unwrap_or(replay),
                }
            }
            let ifname = local_if.get(&m).or(map_on.get(&m)).cloned();
            let local_addr = ifname.as_ref().and_then(|i| if_addr.get(i)).copied();
            let fvrf = ifname.as_deref().map(ctx_of_if).unwrap_or_else(|| LOCAL.into());
            let policy_name = format!("{tname}-ipsec");
            let mut ipol = IpsecPolicy { pfs_group: pfs, anti_replay_window: replay, ..Default::default() };
            for (i, t) in tsets.iter().enumerate() {
                ipol.proposals.insert((i as u32 + 1) * 10, t.clone());
            }
            cfg.ipsec_policies.insert(policy_name.clone(), ipol);
            let ike_name = format!("{tname}-ike");
            let mut ike = IkePolicy::new(IkeVersion::V1);
            ike.identity_local = local_addr.map(Identity::Ipv4);
            ike.identity_remote = Some(Identity::Any);
            ike.connection_type = ConnectionType::ResponderOnly;
            let wildcard = keys.get(&(fvrf.clone(), Ipv4Addr::UNSPECIFIED));
            ike.pre_shared_key = wildcard.map(|k| PreSharedKey::Key(Key::Ascii(k.clone())));
            for (i, name) in isakmp_names.iter().enumerate().take(MAX_POLICY_PROPOSALS) {
                ike.proposals.insert(i as u32 + 1, name.clone());
            }
            if wildcard.is_none() {
                notes.push(format!("crypto map {m} {seq}: dynamic map {d} needs a wildcard pre-shared key (crypto isakmp key K address 0.0.0.0)"));
            }
            cfg.contexts.entry(fvrf.clone()).or_default().ike_policies.insert(ike_name.clone(), ike);
            copy_acl(&mut cfg, &acls, acl.as_deref(), &fvrf);
            let mut t = Tunnel::new(TunnelKind::OnDemand, false);
            t.local = local_addr;
            t.context = (fvrf != LOCAL).then(|| fvrf.clone());
            t.remote_id = Some(Identity::Any);
            t.ike_policy = Some(ike_name);
            t.bind_interface = ifname.map(|i| (i, None));
            t.dynamic_map = true;
            t.ts_guided_routes = rri;
            t.entries.insert(10, TunnelEntry::Policy(PolicyEntry { policy: policy_name, access_group: acl }));
            if local_addr.is_none() {
                notes.push(format!(
                    "crypto map {m} {seq}: not applied to an interface with an address: no local end point"
                ));
            }
            cfg.tunnels.insert(tname, t);
        }
    }
    // VTIs: route-based tunnels, bound to the tunnel interface, selectors any/any.
    // The tunnel's local end point is in the front-door VRF (`tunnel vrf`, else
    // the tunnel source's VRF); the tunnel interface in its own VRF (`vrf forwarding`).
    for vti in vtis {
        let ifname = vti.ifname;
        let Some(peer) = vti.destination else {
            notes.push(format!("interface {ifname}: no tunnel destination: no tunnel"));
            continue;
        };
        let src = vti.source.unwrap_or_default();
        let src_if = interface_name(&src);
        let local_addr = src.parse::<Ipv4Addr>().ok().or_else(|| if_addr.get(&src_if).copied());
        // A tunnel source given as an address (a secondary one too): its interface's VRF.
        let src_vrf = if_addr
            .contains_key(&src_if)
            .then(|| ctx_of_if(&src_if))
            .or_else(|| local_addr.and_then(|a| if_owner.get(&a)).map(|i| ctx_of_if(i)));
        let fvrf = match (&vti.tunnel_vrf, &src_vrf) {
            (Some(tv), Some(sv)) if tv != sv => {
                notes.push(format!(
                    "interface {ifname}: tunnel vrf {tv} but tunnel source {src_if} is in {}",
                    vrf_word(sv)
                ));
                tv.clone()
            }
            (Some(tv), _) => tv.clone(),
            (None, Some(sv)) => sv.clone(),
            (None, None) => LOCAL.to_string(),
        };
        let prof = vti.profile.unwrap_or_default();
        let Some(ip) = profiles.get(&prof).cloned() else {
            notes.push(format!("interface {ifname}: ipsec profile {prof} does not exist"));
            continue;
        };
        let policy_name = format!("{ifname}-ipsec");
        let mut ipol = IpsecPolicy {
            pfs_group: ip.pfs,
            anti_replay_window: ip.replay.unwrap_or(global_replay),
            ..Default::default()
        };
        for (i, t) in ip.tsets.iter().enumerate() {
            ipol.proposals.insert((i as u32 + 1) * 10, t.clone());
        }
        cfg.ipsec_policies.insert(policy_name.clone(), ipol);
        let ike_name = format!("{ifname}-ike");
        let (ike, remote_id) = match vti.ikev2_profile.as_ref().or(ip.ikev2.as_ref()) {
            Some(p2) => {
                v2.policy(&mut cfg, &mut notes, &format!("interface {ifname}"), p2, peer, local_addr, &fvrf, &if_addr)
            }
            None => {
                let mut ike = IkePolicy::new(IkeVersion::V1);
                ike.identity_local = local_addr.map(Identity::Ipv4);
                ike.identity_remote = Some(Identity::Ipv4(peer));
                ike.pre_shared_key = keys
                    .get(&(fvrf.clone(), peer))
                    .or_else(|| keys.get(&(fvrf.clone(), Ipv4Addr::UNSPECIFIED)))
                    .map(|k| PreSharedKey::Key(Key::Ascii(k.clone())));
                for (i, name) in isakmp_names.iter().enumerate().take(MAX_POLICY_PROPOSALS) {
                    ike.proposals.insert(i as u32 + 1, name.clone());
                }
                (ike, Identity::Ipv4(peer))
            }
        };
        cfg.contexts.entry(fvrf.clone()).or_default().ike_policies.insert(ike_name.clone(), ike);
        let ivrf = if_vrf.get(&ifname).cloned().filter(|v| *v != fvrf);
        let mut t = Tunnel::new(TunnelKind::Static, false);
        t.local = local_addr;
        t.remote = Some(peer);
        t.context = (fvrf != LOCAL).then(|| fvrf.clone());
        t.remote_id = Some(remote_id);
        t.ike_policy = Some(ike_name);
        t.bind_interface = Some((ifname.clone(), ivrf));
        // GRE (IOS's default tunnel mode) protected by IPsec: the SAs protect
        // GRE (IP protocol 47) between tunnel source and destination, not
        // any/any. mGRE: only the peer of the tunnel destination; peers
        // reached by NHRP are not modelled (noted).
        let access_group = if vti.mode.is_empty() || vti.mode.starts_with("gre") {
            if vti.mode.starts_with("gre multipoint") {
                notes.push(format!("interface {ifname}: mGRE: the peers NHRP resolves are not negotiated (dynamic NHRP is not modelled); only tunnel destination {peer}"));
            }
            local_addr.map(|l| {
                let name = format!("{ifname}-gre");
                let mut acl = IpsecAcl::default();
                acl.rules.insert(
                    10,
                    AclRule {
                        protocol: Some(47),
                        src: AclAddr::Prefix(Prefix4 { addr: l, len: 32 }),
                        src_port: None,
                        dst: Some(AclAddr::Prefix(Prefix4 { addr: peer, len: 32 })),
                        dst_port: None,
                    },
                );
                cfg.contexts.entry(fvrf.clone()).or_default().ipsec_acls.insert(name.clone(), acl);
                name
            })
        } else {
            None
        };
        t.entries.insert(10, TunnelEntry::Policy(PolicyEntry { policy: policy_name, access_group }));
        cfg.tunnels.insert(ifname, t);
    }
    cfg.ikev1_aggressive_responder = !aggressive_disabled;
    // `crypto isakmp keepalive` is global: DPD in every context.
    for c in cfg.contexts.values_mut() {
        c.ike_keepalive |= keepalive;
    }
    // A note about a shared object (a proposal, a profile) is said once.
    let mut seen = BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    Compiled { config: cfg, notes }
}

/// The context of the global routing table.
const LOCAL: &str = "local";

/// A context name as IOS says it: `the global table` for `local`, else `VRF NAME`.
fn vrf_word(ctx: &str) -> String {
    if ctx == LOCAL { "the global table".into() } else { format!("VRF {ctx}") }
}

/// Put IOS's global ACL `acl` into context `ctx` too (where the engine reads a tunnel's selectors).
/// Pre-shared keys by prefix, for a longest match: (length, network) -> the
/// last key's index, and the lengths present, longest first.
#[derive(Default)]
struct KeyTable {
    by_prefix: HashMap<(u8, Ipv4Addr), usize>,
    lens: std::collections::BTreeSet<std::cmp::Reverse<u8>>,
}

impl KeyTable {
    fn insert(&mut self, addr: Ipv4Addr, len: u8, i: usize) {
        let len = len.min(32);
        self.by_prefix.insert((len, Prefix4 { addr, len }.network()), i);
        self.lens.insert(std::cmp::Reverse(len));
    }

    fn longest(&self, peer: Ipv4Addr) -> Option<usize> {
        self.lens.iter().find_map(|std::cmp::Reverse(len)| {
            self.by_prefix.get(&(*len, Prefix4 { addr: peer, len: *len }.network())).copied()
        })
    }
}

fn copy_acl(cfg: &mut Config, acls: &BTreeMap<String, IpsecAcl>, acl: Option<&str>, ctx: &str) {
    if let Some(a) = acl.and_then(|a| acls.get_key_value(a)) {
        cfg.contexts.entry(ctx.to_string()).or_default().ipsec_acls.insert(a.0.clone(), a.1.clone());
    }
}

/// `ip route [vrf V]` after the VRF: `PREFIX MASK {HOP | INTERFACE} [DISTANCE]`.
fn static_route(w: &[&str]) -> Option<Route> {
    let (p, m, hop, rest) = match w {
        [p, m, hop, rest @ ..] => (p.parse::<Ipv4Addr>().ok()?, p_mask(m)?, *hop, rest),
        _ => return None,
    };
    let next_hop = match hop.parse::<Ipv4Addr>() {
        Ok(a) => NextHop::Address(a),
        Err(_) => NextHop::Interface(interface_name(hop)),
    };
    let cost = match rest {
        [] => None,
        [d, ..] => Some(d.parse().ok()?),
    };
    Some(Route { prefix: Prefix4 { addr: p, len: m }, next_hop, cost })
}

fn p_mask(m: &str) -> Option<u8> {
    mask_len(m.parse().ok()?)
}

/// A VTI: `interface TunnelN` with `tunnel source`, `tunnel destination`,
/// `tunnel vrf` and `tunnel protection ipsec profile`.
#[derive(Default)]
struct Vti {
    ifname: String,
    /// `tunnel mode` (empty: IOS's default, GRE).
    mode: String,
    source: Option<String>,
    destination: Option<Ipv4Addr>,
    tunnel_vrf: Option<String>,
    profile: Option<String>,
    /// `tunnel protection ipsec profile P ikev2-profile NAME`.
    ikev2_profile: Option<String>,
}

/// `crypto ipsec profile`.
#[derive(Clone, Default)]
struct IpsecProfileIos {
    tsets: Vec<String>,
    pfs: Option<u16>,
    ikev2: Option<String>,
    /// `set security-association replay ...` (else the global window).
    replay: Option<u32>,
}

/// The anti-replay window a `[crypto ipsec | set] security-association
/// replay {disable | window-size [N]}` line sets (0: disabled; a bare
/// `window-size`: the default 64), or none for another line.
fn replay_setting(w: &[&str]) -> Option<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Clock, Dialect, Router, Session, SessionOptions};
    use edgesh_engine::validate::{InContext, ObjectRef, Severity, validate};
    use std::sync::{Arc, Mutex};

    fn load(text: &str) -> IosDoc {
        let r = Arc::new(Mutex::new(Router::new(Config::new("x"), Clock::Virtual(0), 1, std::env::temp_dir())));
        let (_, rejected, msgs) = super::super::apply_text(&r, text, "t");
        assert_eq!(rejected, 0, "{msgs:?}");
        let _ = Session::new(r.clone(), SessionOptions { dialect: Dialect::Ios, ..Default::default() });
        let d = r.lock().unwrap().ios_doc.clone();
        d
    }

    const SEED003: &str = "hostname r2
crypto isakmp policy 10
 encr aes 256
 authentication pre-share
 group 2
 lifetime 28800
crypto keyring MY_KEYRING
 pre-shared-key address 198.51.100.2 key test
crypto ipsec transform-set MY_SET esp-3des esp-sha-hmac
access-list 100 permit ip 192.0.2.0 0.0.0.255 any
crypto map MY_CRYPTO_MAP 100 ipsec-isakmp
 set peer 198.51.100.2
 set transform-set MY_SET
 set pfs group14
 match address 100
interface Ethernet1/0
 ip address 198.51.100.1 255.255.255.0
 crypto map MY_CRYPTO_MAP
";

    #[test]
    fn a_crypto_map_becomes_a_tunnel() {
        let c = compile(&load(SEED003));
        let cfg = &c.config;
        let t = &cfg.tunnels["MY_CRYPTO_MAP-100"];
        assert_eq!(t.local, Some("198.51.100.1".parse().unwrap()));
        assert_eq!(t.remote, Some("198.51.100.2".parse().unwrap()));
        let p = &cfg.ike_proposals["isakmp-10"];
        assert_eq!(
            (p.encryption, p.dh_group, p.lifetime, p.auth_method),
            (IkeEncr::Aes256Cbc, 2, 28800, AuthMethod::PreSharedKey)
        );
        assert!(cfg.ike_proposals.contains_key("isakmp-65535"));
        let pol = &cfg.contexts["local"].ike_policies["MY_CRYPTO_MAP-100-ike"];
        assert_eq!(pol.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("test".into()))));
        assert_eq!(cfg.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].pfs_group, Some(14));
        let ts = cfg.ipsec_proposals["MY_SET"].effective();
        assert_eq!(ts.esp, Some((EspEncr::TripleDesCbc, Some(EspAuth::HmacSha1_96))));
        let acl = &cfg.contexts["local"].ipsec_acls["100"];
        assert_eq!(acl.rules[&10].src, AclAddr::Prefix("192.0.2.0/24".parse().unwrap()));
        // The compiled model passes the engine's whole-configuration checks.
        let errors: Vec<_> = validate(cfg).into_iter().filter(|p| p.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(c.notes.is_empty(), "{:?}", c.notes);
    }

    /// `crypto ipsec security-association replay window-size` sets every
    /// entry's window; an entry's `set security-association replay` wins.
    #[test]
    fn replay_windows_global_and_per_entry_reach_the_engine() {
        let entry = |seq: u32, peer: u8, extra: &str| {
            format!(
                "crypto map MY_CRYPTO_MAP {seq} ipsec-isakmp\n set peer 198.51.100.{peer}\n set transform-set MY_SET\n match address 100\n{extra}"
            )
        };
        let text = format!(
            "crypto ipsec security-association replay window-size 1024\n{SEED003}{}{}{}",
            entry(200, 3, " set security-association replay window-size 128\n"),
            entry(300, 4, " set security-association replay disable\n"),
            entry(400, 5, " set security-association replay window-size\n"),
        );
        let c = compile(&load(&text));
        let w = |n: &str| c.config.ipsec_policies[&format!("MY_CRYPTO_MAP-{n}-ipsec")].anti_replay_window;
        assert_eq!((w("100"), w("200"), w("300"), w("400")), (1024, 128, 0, 64));
        let e = edgesh_engine::ike::conf::EngineConf::from_config(&c.config);
        let child = |n: &str| e.peer(&format!("MY_CRYPTO_MAP-{n}")).unwrap().children[0].replay_window;
        assert_eq!((child("100"), child("200"), child("300")), (1024, 128, 0));
        // Without the global line: IOS's default 64; `replay disable` globally: none.
        assert_eq!(compile(&load(SEED003)).config.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].anti_replay_window, 64);
        let off = compile(&load(&format!("crypto ipsec security-association replay disable\n{SEED003}")));
        assert_eq!(off.config.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].anti_replay_window, 0);
    }

    /// Global crypto lines pasted right after an interface's lines (no `!`
    /// or `exit` between) are not the interface's: IOS leaves the interface
    /// and runs them globally, so they reach the engine.
    #[test]
    fn global_crypto_lines_pasted_after_an_interface_run_globally() {
        let text = format!(
            "{SEED003}crypto ipsec security-association replay window-size 128\n\
             crypto ipsec security-association lifetime seconds 3600\n\
             crypto ipsec transform-set LATE esp-aes 256 esp-sha-hmac\n\
             crypto isakmp keepalive 30 5\n\
             interface Ethernet1/1\n ip address 203.0.113.1 255.255.255.0\n\
             service timestamps log datetime msec\n"
        );
        let doc = load(&text);
        let top: Vec<&str> = doc.root.iter().map(|n| n.text.as_str()).collect();
        for l in [
            "crypto ipsec security-association replay window-size 128",
            "crypto ipsec security-association lifetime seconds 3600",
            "crypto ipsec transform-set LATE esp-aes 256 esp-sha-hmac",
            "crypto isakmp keepalive 30 5",
            "service timestamps log datetime msec",
        ] {
            assert!(top.contains(&l), "{l} not global: {top:?}");
        }
        assert_eq!(
            kids_of(&doc, "interface Ethernet1/0"),
            ["ip address 198.51.100.1 255.255.255.0", "crypto map MY_CRYPTO_MAP"]
        );
        assert_eq!(kids_of(&doc, "interface Ethernet1/1"), ["ip address 203.0.113.1 255.255.255.0"]);
        let c = compile(&doc);
        assert_eq!(c.config.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].anti_replay_window, 128);
        assert_eq!(c.config.ipsec_proposals["MY_SET"].lifetime_seconds, 3600);
        let e = edgesh_engine::ike::conf::EngineConf::from_config(&c.config);
        assert_eq!(e.peer("MY_CRYPTO_MAP-100").unwrap().children[0].replay_window, 128);
        // The interface's own `crypto ipsec df-bit` stays in the interface.
        let doc = load(&format!("{SEED003} crypto ipsec df-bit clear\n"));
        assert_eq!(
            kids_of(&doc, "interface Ethernet1/0"),
            ["ip address 198.51.100.1 255.255.255.0", "crypto map MY_CRYPTO_MAP", "crypto ipsec df-bit clear"]
        );
    }

    /// The words interfaces and global configuration share (`mpls`,
    /// `ethernet`, `platform`, `crypto engine`, `dialer`, `xconnect`,
    /// `frame-relay`, `mls`, `mka`) are listed by their real forms in each
    /// mode: a global one pasted right after an interface's lines leaves the
    /// interface, the interface's own stay, and a form of neither is refused.
    #[test]
    fn global_lines_sharing_an_interface_word_run_globally() {
        let global = [
            "mpls ldp router-id Loopback0 force",
            "mpls label range 100 199",
            "mpls ip propagate-ttl",
            "mpls traffic-eng reoptimize timers frequency 60",
            "platform console serial",
            "platform qfp utilization monitor load 80",
            "ethernet cfm ieee",
            "ethernet cfm global",
            "ethernet cfm mip auto-create level 7 vlan 100",
            "crypto engine accelerator",
            "dialer watch-list 1 ip 203.0.113.9 255.255.255.255",
            "frame-relay switching",
            "mls qos",
            "mls qos map cos-dscp 0 8 16 24 32 46 48 56",
            "xconnect logging pseudowire status",
            "dialer-list 1 protocol ip permit",
        ];
        let own = [
            "mpls ip",
            "mpls mtu 1508",
            "mpls label protocol ldp",
            "mpls ldp discovery transport-address interface",
            "ethernet cfm mip level 7",
            "mls qos trust dscp",
            "mka policy MKA-P",
            "crypto engine slot 1/0 inside",
            "dialer pool 1",
            "frame-relay lmi-type ansi",
            "xconnect 192.0.2.9 100 encapsulation mpls",
        ];
        let text = format!(
            "{SEED003}{}\n{}\ninterface Ethernet1/1\n ip address 203.0.113.1 255.255.255.0\n{}\n",
            own.map(|l| format!(" {l}")).join("\n"),
            global.join("\n"),
            global.join("\n")
        );
        let doc = load(&text);
        let top: Vec<&str> = doc.root.iter().map(|n| n.text.as_str()).collect();
        for l in global {
            assert!(top.contains(&l), "{l} not global: {top:?}");
        }
        let mut want = vec!["ip address 198.51.100.1 255.255.255.0", "crypto map MY_CRYPTO_MAP"];
        want.extend(own);
        assert_eq!(kids_of(&doc, "interface Ethernet1/0"), want);
        assert_eq!(kids_of(&doc, "interface Ethernet1/1"), ["ip address 203.0.113.1 255.255.255.0"]);
        // The interface's forms are not global ones (and the reverse): refused.
        let v = super::super::vocabulary::vocabulary();
        for (fam, l) in [
            ("global", "mpls mtu 1500"),
            ("global", "platform banana"),
            ("global", "ethernet cfm mep domain D mpid 1 port"),
            ("global", "crypto engine slot 1/0"),
            ("global", "mls qos trust dscp"),
            ("interface", "mpls ldp router-id Loopback0"),
            ("interface", "platform console serial"),
            ("interface", "mls qos"),
            ("interface", "frame-relay switching"),
            ("interface", "xconnect logging pseudowire status"),
        ] {
            assert!(!v.knows(fam, l, false), "{fam} keeps {l}");
        }
    }

    #[test]
    fn the_key_table_takes_the_longest_prefix_and_the_last_of_equal_ones() {
        let mut t = KeyTable::default();
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        t.insert(a("0.0.0.0"), 0, 0);
        t.insert(a("198.51.100.0"), 24, 1);
        t.insert(a("198.51.100.77"), 24, 2); // host bits: the same prefix, the later key
        t.insert(a("198.51.100.9"), 32, 3);
        assert_eq!(t.longest(a("198.51.100.9")), Some(3));
        assert_eq!(t.longest(a("198.51.100.10")), Some(2));
        assert_eq!(t.longest(a("203.0.113.1")), Some(0));
        assert_eq!(KeyTable::default().longest(a("203.0.113.1")), None);
    }

    fn kids_of(doc: &IosDoc, name: &str) -> Vec<String> {
        doc.root.iter().find(|n| n.text == name).unwrap().children.iter().map(|n| n.text.clone()).collect()
    }

    #[test]
    fn an_entry_with_host_bits_selects_its_network() {
        // The handlers store entries masked; a document built otherwise is compiled the same way.
        let mut doc = load(SEED003);
        let n = doc.root.iter_mut().find(|n| n.text.starts_with("access-list 100 ")).expect("access-list 100");
        n.text = "access-list 100 permit ip 192.0.2.77 0.0.0.255 203.0.113.5 0.0.0.255".into();
        let acl = &compile(&doc).config.contexts["local"].ipsec_acls["100"];
        assert_eq!(acl.rules[&10].src, AclAddr::Prefix("192.0.2.0/24".parse().unwrap()));
        assert_eq!(acl.rules[&10].dst, Some(AclAddr::Prefix("203.0.113.0/24".parse().unwrap())));
    }

    #[test]
    fn the_same_tunnel_in_both_dialects_is_the_same_to_the_engine() {
        // The SmartEdge way: the same proposals, policy and selector.
        let ios = compile(&load(SEED003)).config;
        let t = &ios.tunnels["MY_CRYPTO_MAP-100"];
        let mut se = edgesh_engine::Config::new("r2");
        let mut p = IkeProposal::new(IkeVersion::V1);
        p.encryption = IkeEncr::Aes256Cbc;
        p.dh_group = 2;
        p.lifetime = 28800;
        assert_eq!(&p, &ios.ike_proposals["isakmp-10"]);
        let mut ip = IpsecProposal::new();
        ip.esp_encr = Some(EspEncr::TripleDesCbc);
        ip.esp_auth = Some(EspAuth::HmacSha1_96);
        assert_eq!(ip.effective(), ios.ipsec_proposals["MY_SET"].effective());
        let mut tun = Tunnel::new(TunnelKind::Static, false);
        tun.local = Some("198.51.100.1".parse().unwrap());
        tun.remote = Some("198.51.100.2".parse().unwrap());
        se.tunnels.insert("x".into(), tun);
        let s = &se.tunnels["x"];
        assert_eq!((s.kind, s.local, s.remote), (t.kind, t.local, t.remote));
    }

    #[test]
    fn isakmp_profiles_give_the_key_identity_local_address_and_mode() {
        let c = compile(&load(
            "hostname hub\nip domain-name example.net\ncrypto isakmp policy 10\n authentication pre-share\ncrypto isakmp key global-key address 0.0.0.0 0.0.0.0\ncrypto keyring R\n pre-shared-key address 203.0.113.0 255.255.255.0 key ring-key\ncrypto isakmp profile P\n keyring R\n self-identity fqdn\n match identity host spoke.example.net\n local-address Loopback2\n initiate mode aggressive\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\naccess-list 101 permit ip 192.0.2.0 0.0.0.255 any\ncrypto map M 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set isakmp-profile P\n match address 101\ninterface Loopback2\n ip address 198.51.100.7 255.255.255.255\ninterface GigabitEthernet0/0\n ip address 198.51.100.1 255.255.255.0\n crypto map M\n",
        ));
        let t = &c.config.tunnels["M-10"];
        assert_eq!(t.local, Some("198.51.100.7".parse().unwrap()), "the profile's local-address");
        assert_eq!(t.remote_id, Some(Identity::Fqdn("spoke.example.net".into())));
        let pol = &c.config.contexts["local"].ike_policies["M-10-ike"];
        assert_eq!(
            pol.pre_shared_key,
            Some(PreSharedKey::Key(Key::Ascii("ring-key".into()))),
            "the keyring's longest match"
        );
        assert_eq!(pol.identity_local, Some(Identity::Fqdn("hub.example.net".into())));
        assert_eq!(pol.mode, ExchangeMode::Aggressive);
    }

    #[test]
    fn each_vti_is_a_device_with_its_address_and_its_static_routes() {
        use edgesh_engine::route_conf::RouteConf;
        let vti = |n: u8, mode: &str| {
            format!(
                "interface Tunnel{n}\n ip address 10.{n}.{n}.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n{mode} tunnel destination 192.0.2.{}\n tunnel protection ipsec profile P\n",
                n + 1
            )
        };
        let text = format!(
            "crypto isakmp key k1 address 0.0.0.0 0.0.0.0\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\ncrypto ipsec profile P\n set transform-set T\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n{}{}{}ip route 203.0.113.0 255.255.255.0 Tunnel1\nip route 198.51.100.0 255.255.255.0 Tunnel2\n",
            vti(1, " tunnel mode ipsec ipv4\n"),
            vti(2, " tunnel mode ipsec ipv4\n"),
            vti(3, "")
        );
        let c = compile(&load(&text));
        let rc = RouteConf::from_config(&c.config);
        // Tunnel3 is GRE over IPsec (IOS's default mode): the host's GRE device, not one of ours.
        let got: Vec<String> = rc
            .interfaces
            .iter()
            .map(|i| {
                format!(
                    "{} {} {} {:?} {:?}",
                    i.context,
                    i.name,
                    i.device,
                    i.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    i.tunnels
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                r#"local Tunnel1 Tunnel1 ["10.1.1.1/30"] ["Tunnel1"]"#,
                r#"local Tunnel2 Tunnel2 ["10.2.2.1/30"] ["Tunnel2"]"#
            ]
        );
        // The static routes name them (the engine's table sends them to the devices: `routes::tests`).
        let st: Vec<String> = rc.statics.iter().map(|s| format!("{} {:?} {:?}", s.prefix, s.hop, s.tunnels)).collect();
        assert_eq!(
            st,
            vec![r#"203.0.113.0/24 Tunnel("Tunnel1") ["Tunnel1"]"#, r#"198.51.100.0/24 Tunnel("Tunnel2") ["Tunnel2"]"#]
        );
    }

    /// A type 6 key (`6 CIPHERTEXT`) is kept as typed but never the
    /// pre-shared key: the ciphertext is not the secret, and edgesh cannot
    /// decrypt it. The tunnel has no key (a note says why); a type 0 key
    /// beside it still works.
    #[test]
    fn a_type_6_key_is_kept_but_never_used_as_the_key() {
        let vti = |key: &str| {
            format!(
                "{key}\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile P\n set transform-set T\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n"
            )
        };
        let psk = |c: &Compiled| c.config.contexts["local"].ike_policies["Tunnel1-ike"].pre_shared_key.clone();
        let cipher = "FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB";
        let doc = load(&vti(&format!("crypto isakmp key 6 {cipher} address 203.0.113.9")));
        assert!(doc.root.iter().any(|n| n.text == format!("crypto isakmp key 6 {cipher} address 203.0.113.9")));
        let c = compile(&doc);
        assert_eq!(psk(&c), None);
        assert!(c.notes.contains(&format!("crypto isakmp key for 203.0.113.9: {TYPE6}")), "{:?}", c.notes);
        let c = compile(&load(&vti(&format!(
            "crypto keyring R\n pre-shared-key address 203.0.113.9 key 6 {cipher}\ncrypto isakmp profile IP\n keyring R\n match identity address 203.0.113.9 255.255.255.255"
        ))));
        assert_eq!(psk(&c), None);
        assert!(c.notes.contains(&format!("keyring R: pre-shared-key address 203.0.113.9: {TYPE6}")), "{:?}", c.notes);
        // Type 0 is the key as typed.
        let c = compile(&load(&vti("crypto isakmp key 0 plain-key address 203.0.113.9")));
        assert_eq!(psk(&c), Some(PreSharedKey::Key(Key::Ascii("plain-key".into()))));
    }

    #[test]
    fn a_vti_becomes_a_route_based_tunnel() {
        let c = compile(&load(
            "crypto isakmp key k1 address 203.0.113.9\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile P\n set transform-set T\n set pfs group14\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n",
        ));
        let t = &c.config.tunnels["Tunnel1"];
        assert_eq!((t.local, t.remote), (Some("192.0.2.1".parse().unwrap()), Some("203.0.113.9".parse().unwrap())));
        assert_eq!(t.bind_interface, Some(("Tunnel1".to_string(), None)));
        assert_eq!(c.config.ipsec_policies["Tunnel1-ipsec"].pfs_group, Some(14));
        assert_eq!(c.config.ipsec_policies["Tunnel1-ipsec"].anti_replay_window, 64, "IOS's default window");
        // The profile's `set security-association replay window-size` reaches the VTI's policy.
        let c = compile(&load(
            "crypto isakmp key k1 address 203.0.113.9\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile P\n set transform-set T\n set security-association replay window-size 256\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n",
        ));
        assert_eq!(c.config.ipsec_policies["Tunnel1-ipsec"].anti_replay_window, 256);
        assert_eq!(
            c.config.contexts["local"].ike_policies["Tunnel1-ike"].pre_shared_key,
            Some(PreSharedKey::Key(Key::Ascii("k1".into())))
        );
        assert_eq!(
            c.config.ipsec_proposals["T"].effective().esp,
            Some((EspEncr::Aes256Cbc, Some(EspAuth::HmacSha256_128)))
        );
    }

    fn no_errors(cfg: &Config) {
        let errors: Vec<_> = validate(cfg).into_iter().filter(|p| p.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    fn problems_of(cfg: &Config, tunnel: &str) -> Vec<String> {
        validate(cfg)
            .into_iter()
            .filter(|p| match &p.object {
                ObjectRef::Tunnel(t) => t == tunnel,
                ObjectRef::Context { object: InContext::IkePolicy { name, .. }, .. } => {
                    name.starts_with(&format!("{tunnel}-ike"))
                }
                _ => false,
            })
            .map(|p| format!("{:?}: {:?}", p.object, p.issue))
            .collect()
    }

    const IKEV2_MAP: &str = "hostname hub
crypto ikev2 proposal P1
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy POL
 proposal P1
crypto ikev2 keyring KR
 peer wide
  address 203.0.113.0 255.255.255.0
  pre-shared-key wide-key
 peer exact
  address 203.0.113.9
  pre-shared-key exact-key
crypto ikev2 profile PROF
 match identity remote address 203.0.113.9 255.255.255.255
 identity local fqdn hub.example.net
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
 lifetime 3600
 dpd 10 3 periodic
crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac
access-list 101 permit ip 192.0.2.0 0.0.0.255 198.51.100.0 0.0.0.255
crypto map CM 10 ipsec-isakmp
 set peer 203.0.113.9
 set transform-set T
 set ikev2-profile PROF
 match address 101
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map CM
";

    #[test]
    fn an_ikev2_crypto_map_takes_its_profile_keyring_and_policy() {
        let c = compile(&load(IKEV2_MAP));
        let cfg = &c.config;
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let pol = &cfg.contexts["local"].ike_policies["CM-10-ike"];
        assert_eq!(pol.version, IkeVersion::V2);
        assert_eq!(pol.proposals.values().collect::<Vec<_>>(), ["ikev2-P1"]);
        let p = &cfg.ike_proposals["ikev2-P1"];
        assert_eq!(
            (p.version, p.encryption, p.auth_alg, p.prf, p.dh_group),
            (IkeVersion::V2, IkeEncr::Aes256Cbc, IkeAuthAlg::HmacSha256, Prf::HmacSha256, 14)
        );
        assert_eq!(
            pol.pre_shared_key,
            Some(PreSharedKey::Key(Key::Ascii("exact-key".into()))),
            "the keyring peer with the longest match"
        );
        assert_eq!(pol.identity_local, Some(Identity::Fqdn("hub.example.net".into())));
        assert_eq!(pol.identity_remote, Some(Identity::Ipv4("203.0.113.9".parse().unwrap())));
        assert_eq!((pol.lifetime, pol.authentication), (3600, AuthMethod::PreSharedKey));
        assert!(cfg.contexts["local"].ike_keepalive, "dpd");
        let t = &cfg.tunnels["CM-10"];
        assert_eq!(
            (t.local, t.remote, t.context.as_deref()),
            (Some("192.0.2.1".parse().unwrap()), Some("203.0.113.9".parse().unwrap()), None)
        );
        no_errors(cfg);
        assert!(problems_of(cfg, "CM-10").is_empty(), "{:?}", problems_of(cfg, "CM-10"));
        // The engine negotiates the tunnel with IKEv2.
        let ec = edgesh_engine::ike::conf::EngineConf::from_config(cfg);
        let p = ec.peer("CM-10").expect("an IKEv2 peer");
        assert_eq!(p.version, IkeVersion::V2);
        assert!(ec.notes.is_empty(), "{:?}", ec.notes);
        // A peer the keyring only covers with its /24 gets that key.
        let c = compile(&load(
            &IKEV2_MAP
                .replace("203.0.113.9", "203.0.113.77")
                .replace("  address 203.0.113.77\n", "  address 203.0.113.9\n"),
        ));
        assert_eq!(
            c.config.contexts["local"].ike_policies["CM-10-ike"].pre_shared_key,
            Some(PreSharedKey::Key(Key::Ascii("wide-key".into())))
        );
    }

    /// `crypto ikev2 cookie-challenge N` and `crypto ikev2 fragmentation [mtu N]`
    /// reach the IKEv2 core through the engine configuration.
    #[test]
    fn ikev2_cookie_challenge_and_fragmentation_mtu_are_configuration() {
        let cfg = compile(&load(IKEV2_MAP)).config;
        let ec = edgesh_engine::ike::conf::EngineConf::from_config(&cfg);
        assert_eq!((ec.v2_cookie_threshold, ec.v2_fragment_size), (None, None));
        let text = IKEV2_MAP.replacen(
            "crypto ikev2",
            "crypto ikev2 cookie-challenge 10\ncrypto ikev2 fragmentation mtu 400\ncrypto ikev2",
            1,
        );
        let c = compile(&load(&text));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert_eq!((c.config.ikev2_cookie_challenge, c.config.ikev2_fragment_mtu), (Some(10), Some(400)));
        let ec = edgesh_engine::ike::conf::EngineConf::from_config(&c.config);
        assert_eq!((ec.v2_cookie_threshold, ec.v2_fragment_size), (Some(10), Some(400)));
        let c = compile(&load(&IKEV2_MAP.replacen("crypto ikev2", "crypto ikev2 fragmentation\ncrypto ikev2", 1)));
        assert_eq!(c.config.ikev2_fragment_mtu, Some(576), "IOS's default fragment MTU");
    }

    #[test]
    fn an_ikev2_vti_with_ios_defaults() {
        let c = compile(&load(
            "crypto ikev2 keyring KR\n peer any\n  address 0.0.0.0 0.0.0.0\n  pre-shared-key ring-key\ncrypto ikev2 profile PROF\n match identity remote address 203.0.113.9 255.255.255.255\n authentication local pre-share key profile-key\n authentication remote pre-share key profile-key\n keyring local KR\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile IPP\n set transform-set T\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile IPP\n",
        ));
        let cfg = &c.config;
        let pol = &cfg.contexts["local"].ike_policies["Tunnel1-ike"];
        assert_eq!(pol.version, IkeVersion::V2);
        assert_eq!(
            pol.pre_shared_key,
            Some(PreSharedKey::Key(Key::Ascii("profile-key".into()))),
            "the profile's own key wins over the keyring"
        );
        // No ikev2 policy: IOS's default policy and default proposal
        // (AES-CBC-256/192/128 x SHA512/384/256/SHA1/MD5 x groups 5/2 = 30 combinations).
        assert_eq!((1..=30).filter(|i| cfg.ike_proposals.contains_key(&format!("ikev2-default-{i}"))).count(), 30);
        assert_eq!(pol.proposals.len(), MAX_POLICY_PROPOSALS);
        let first = &cfg.ike_proposals[&pol.proposals[&1]];
        assert_eq!(
            (first.encryption, first.auth_alg, first.prf, first.dh_group),
            (IkeEncr::Aes256Cbc, IkeAuthAlg::HmacSha512, Prf::HmacSha512, 5)
        );
        let second = &cfg.ike_proposals[&pol.proposals[&2]];
        assert_eq!(second.dh_group, 2);
        let last = &cfg.ike_proposals["ikev2-default-30"];
        assert_eq!(
            (last.encryption, last.auth_alg, last.prf, last.dh_group),
            (IkeEncr::Aes128Cbc, IkeAuthAlg::HmacMd5_96, Prf::HmacMd5, 2)
        );
        assert!(c.notes.iter().any(|n| n.contains("30 algorithm combinations")), "the cut is said: {:?}", c.notes);
        // IOS defaults: identity local address, lifetime 86400.
        assert_eq!(pol.identity_local, Some(Identity::Ipv4("192.0.2.1".parse().unwrap())));
        assert_eq!(pol.lifetime, 86_400);
        let t = &cfg.tunnels["Tunnel1"];
        assert_eq!(t.bind_interface, Some(("Tunnel1".to_string(), None)));
        no_errors(cfg);
        assert!(problems_of(cfg, "Tunnel1").is_empty(), "{:?}", problems_of(cfg, "Tunnel1"));
    }

    #[test]
    fn an_ikev2_proposal_with_aes_gcm_has_prfs_and_no_integrity() {
        let text = "crypto ikev2 proposal G\n encryption aes-gcm-256 aes-gcm-128\n prf sha384\n group 19 20\ncrypto ikev2 policy POL\n proposal G\ncrypto ikev2 profile PROF\n match identity remote address 203.0.113.9 255.255.255.255\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec transform-set T esp-gcm 256\n mode tunnel\ncrypto map CM 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set ikev2-profile PROF\n match address 101\naccess-list 101 permit ip 10.0.0.0 0.0.0.255 10.1.0.0 0.0.0.255\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map CM\n";
        let c = compile(&load(text));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let pol = &c.config.contexts["local"].ike_policies["CM-10-ike"];
        let got: Vec<(IkeEncr, Prf, u16)> = pol
            .proposals
            .values()
            .map(|n| &c.config.ike_proposals[n])
            .map(|p| (p.encryption, p.prf, p.dh_group))
            .collect();
        assert_eq!(
            got,
            [
                (IkeEncr::Aes256Gcm16, Prf::HmacSha384, 19),
                (IkeEncr::Aes256Gcm16, Prf::HmacSha384, 20),
                (IkeEncr::Aes128Gcm16, Prf::HmacSha384, 19),
                (IkeEncr::Aes128Gcm16, Prf::HmacSha384, 20)
            ]
        );
        no_errors(&c.config);
        // Without a prf the proposal is incomplete for GCM, and said so.
        let c = compile(&load(&text.replace(" prf sha384\n", "")));
        assert!(
            c.notes.iter().any(|n| n == "crypto ikev2 proposal G is incomplete (AES-GCM needs a prf): not used"),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn the_ikev2_policy_matching_the_local_address_wins() {
        let text = "crypto ikev2 proposal A\n encryption aes-cbc-128\n integrity sha1\n group 2\ncrypto ikev2 proposal B\n encryption 3des des\n integrity md5\n group 5\n prf sha1\ncrypto ikev2 policy ANY\n match fvrf any\n proposal A\ncrypto ikev2 policy HERE\n match address local 192.0.2.1\n proposal B\ncrypto ikev2 profile PROF\n match identity remote fqdn peer.example.net\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\ncrypto map CM 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map CM\n";
        let c = compile(&load(text));
        let pol = &c.config.contexts["local"].ike_policies["CM-10-ike"];
        assert_eq!(pol.proposals.values().collect::<Vec<_>>(), ["ikev2-B-1", "ikev2-B-2"]);
        let b2 = &c.config.ike_proposals["ikev2-B-2"];
        assert_eq!(
            (b2.encryption, b2.auth_alg, b2.prf, b2.dh_group),
            (IkeEncr::DesCbc, IkeAuthAlg::HmacMd5_96, Prf::HmacSha1, 5)
        );
        assert_eq!(pol.identity_remote, Some(Identity::Fqdn("peer.example.net".into())));
        assert_eq!(c.config.tunnels["CM-10"].remote_id, Some(Identity::Fqdn("peer.example.net".into())));
        no_errors(&c.config);
        // From another address, the fvrf-any policy applies.
        let c = compile(&load(&text.replace(" ip address 192.0.2.1 255", " ip address 192.0.2.2 255")));
        assert_eq!(
            c.config.contexts["local"].ike_policies["CM-10-ike"].proposals.values().collect::<Vec<_>>(),
            ["ikev2-A"]
        );
    }

    #[test]
    fn a_front_door_vrf_and_an_inside_vrf() {
        let c = compile(&load(
            "ip vrf INET
 rd 65000:1
vrf definition Sales
 rd 65000:2
 address-family ipv4
 exit-address-family
crypto keyring KR-INET vrf INET
 pre-shared-key address 203.0.113.9 key inet-key
crypto isakmp key global-key address 203.0.113.9
crypto isakmp policy 10
 authentication pre-share
crypto isakmp profile IKE-Sales
 vrf Sales
 keyring KR-INET
 match identity address 203.0.113.9 255.255.255.255 INET
crypto ipsec transform-set T esp-aes esp-sha-hmac
access-list 101 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255
crypto map SALES 10 ipsec-isakmp
 set peer 203.0.113.9
 set transform-set T
 set isakmp-profile IKE-Sales
 match address 101
interface GigabitEthernet0/0
 ip vrf forwarding INET
 ip address 192.0.2.1 255.255.255.0
 crypto map SALES
interface GigabitEthernet0/1
 vrf forwarding Sales
 ip address 10.1.0.1 255.255.0.0
ip route vrf INET 0.0.0.0 0.0.0.0 192.0.2.254
ip route vrf Sales 10.3.0.0 255.255.0.0 10.1.0.254 5
ip route 198.51.100.0 255.255.255.0 GigabitEthernet0/2
",
        ));
        let cfg = &c.config;
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        // The local end point, its IKE policy and the crypto ACL are in the front-door VRF.
        let t = &cfg.tunnels["SALES-10"];
        assert_eq!(t.context.as_deref(), Some("INET"));
        assert_eq!(t.local, Some("192.0.2.1".parse().unwrap()));
        let pol = &cfg.contexts["INET"].ike_policies["SALES-10-ike"];
        assert_eq!(
            pol.pre_shared_key,
            Some(PreSharedKey::Key(Key::Ascii("inet-key".into()))),
            "the INET keyring's key, not the global one"
        );
        assert!(!cfg.contexts["local"].ike_policies.contains_key("SALES-10-ike"));
        assert!(cfg.contexts["INET"].ipsec_acls.contains_key("101"));
        assert_eq!(
            cfg.contexts["INET"].interfaces["GigabitEthernet0/0"].address,
            Some("192.0.2.1/24".parse().unwrap())
        );
        assert!(!cfg.contexts["local"].interfaces.contains_key("GigabitEthernet0/0"));
        // The inside VRF holds the tunnel's bound interface and the inside interfaces.
        assert_eq!(t.bind_interface, Some(("GigabitEthernet0/0".to_string(), Some("Sales".to_string()))));
        assert_eq!(cfg.contexts["Sales"].interfaces["GigabitEthernet0/0"].kind, InterfaceKind::Ipsec);
        assert!(cfg.contexts["Sales"].interfaces.contains_key("GigabitEthernet0/1"));
        // Routes in their VRF's context.
        assert_eq!(
            cfg.contexts["INET"].routes,
            vec![Route {
                prefix: "0.0.0.0/0".parse().unwrap(),
                next_hop: NextHop::Address("192.0.2.254".parse().unwrap()),
                cost: None
            }]
        );
        assert_eq!(cfg.contexts["Sales"].routes[0].cost, Some(5));
        assert_eq!(cfg.contexts["local"].routes[0].next_hop, NextHop::Interface("GigabitEthernet0/2".into()));
        no_errors(cfg);
        assert!(problems_of(cfg, "SALES-10").is_empty(), "{:?}", problems_of(cfg, "SALES-10"));
        // The engine negotiates it from the front-door VRF.
        let ec = edgesh_engine::ike::conf::EngineConf::from_config(cfg);
        let p = ec.peer("SALES-10").expect("a peer");
        assert_eq!(
            (p.context.as_str(), p.local, p.psk.as_deref()),
            ("INET", "192.0.2.1".parse().unwrap(), Some(&b"inet-key"[..]))
        );
        assert_eq!(p.children.len(), 1);
    }

    #[test]
    fn an_ikev2_vti_between_vrfs() {
        let c = compile(&load(
            "vrf definition INET\n address-family ipv4\n exit-address-family\nvrf definition Sales\n address-family ipv4\n exit-address-family\ncrypto ikev2 keyring KR\n peer p\n  address 203.0.113.9\n  pre-shared-key k\ncrypto ikev2 profile PROF\n match fvrf INET\n match identity remote address 203.0.113.9 255.255.255.255\n authentication local pre-share\n authentication remote pre-share\n keyring local KR\ncrypto ikev2 policy V\n match fvrf INET\n proposal default\ncrypto ipsec profile IPP\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n vrf forwarding INET\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n vrf forwarding Sales\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel vrf INET\n tunnel protection ipsec profile IPP\n",
        ));
        let cfg = &c.config;
        let t = &cfg.tunnels["Tunnel1"];
        assert_eq!(t.context.as_deref(), Some("INET"));
        assert_eq!(t.bind_interface, Some(("Tunnel1".to_string(), Some("Sales".to_string()))));
        let pol = &cfg.contexts["INET"].ike_policies["Tunnel1-ike"];
        assert_eq!(
            (pol.version, pol.pre_shared_key.clone()),
            (IkeVersion::V2, Some(PreSharedKey::Key(Key::Ascii("k".into()))))
        );
        assert_eq!(pol.proposals[&1], "ikev2-default-1");
        assert!(cfg.contexts["Sales"].interfaces.contains_key("Tunnel1"));
        assert!(!c.notes.iter().any(|n| n.contains("front door")), "{:?}", c.notes);
        no_errors(cfg);
        assert!(problems_of(cfg, "Tunnel1").is_empty(), "{:?}", problems_of(cfg, "Tunnel1"));
        // The profile without `match fvrf` matches the global table only: said.
        let c = compile(&load(&format!(
            "vrf definition INET\ncrypto ikev2 profile PROF\n match identity remote address 203.0.113.9\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec profile IPP\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n vrf forwarding INET\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel protection ipsec profile IPP\n"
        )));
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("matches front-door the global table, the tunnel's front door is VRF INET")),
            "{:?}",
            c.notes
        );
        assert_eq!(c.config.tunnels["Tunnel1"].context.as_deref(), Some("INET"), "the tunnel source's VRF");
    }

    #[test]
    fn vrf_forwarding_needs_the_vrf() {
        let r = Arc::new(Mutex::new(Router::new(Config::new("x"), Clock::Virtual(0), 1, std::env::temp_dir())));
        let (_, rejected, msgs) = super::super::apply_text(
            &r,
            "interface GigabitEthernet0/0\n ip vrf forwarding NOPE\n ip address 192.0.2.1 255.255.255.0\n",
            "t",
        );
        assert_eq!(rejected, 1, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.ends_with("% VRF NOPE not configured.")), "{msgs:?}");
        let doc = r.lock().unwrap().ios_doc.clone();
        assert!(!doc.root[0].children.iter().any(|c| c.text.contains("vrf")));
        // One VRF per interface: the second form replaces the first.
        let (_, rejected, msgs) = super::super::apply_text(
            &r,
            "ip vrf A\nvrf definition B\ninterface GigabitEthernet0/0\n ip vrf forwarding A\n vrf forwarding B\n",
            "t",
        );
        assert_eq!(rejected, 0, "{msgs:?}");
        let doc = r.lock().unwrap().ios_doc.clone();
        let i = doc.root.iter().find(|n| n.text == "interface GigabitEthernet0/0").unwrap();
        assert_eq!(
            i.children
                .iter()
                .filter(|c| c.text.contains("vrf forwarding"))
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>(),
            ["vrf forwarding B"]
        );
    }

    #[test]
    fn what_the_engine_cannot_express_is_noted() {
        let c = compile(&load(
            "crypto ipsec transform-set T esp-seal esp-sha-hmac\naccess-list 101 deny ip any any\ncrypto map M 10 ipsec-isakmp\n set transform-set T\n",
        ));
        assert!(c.notes.iter().any(|n| n.contains("esp-seal")), "{:?}", c.notes);
        assert!(c.notes.iter().any(|n| n.contains("deny")), "{:?}", c.notes);
        assert!(c.notes.iter().any(|n| n.contains("no peer")), "{:?}", c.notes);
    }

    #[test]
    fn object_groups_in_a_crypto_acl_become_selectors() {
        let c = compile(&load(
            "object-group network BRANCH\n host 10.2.0.1\n 10.1.0.0 255.255.0.0\nobject-group network HQ\n group-object BRANCH\nobject-group service WEB\n tcp eq 443\n udp eq 53\nip access-list extended VPN\n permit ip object-group HQ any\n permit object-group WEB any host 192.0.2.9\naccess-list 101 permit ip object-group BRANCH host 192.0.2.1\n",
        ));
        let _ = &c;
        let groups = object_groups(&load("object-group network BRANCH\n host 10.2.0.1\n 10.1.0.0 255.255.0.0\n"));
        assert_eq!(
            groups["BRANCH"].1,
            Some(vec![vec!["host".to_string(), "10.2.0.1".into()], vec!["10.1.0.0".into(), "0.0.255.255".into()]])
        );
        let doc = load(
            "object-group network BRANCH\n host 10.2.0.1\n 10.1.0.0 255.255.0.0\nobject-group network HQ\n group-object BRANCH\nobject-group service WEB\n tcp eq 443\n udp eq 53\n",
        );
        let g = object_groups(&doc);
        let e = expand_entry(&["object-group", "WEB", "object-group", "HQ", "host", "192.0.2.9"], &g).unwrap();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(
            e.contains(&"tcp host 10.2.0.1 host 192.0.2.9 eq 443".split(' ').map(String::from).collect::<Vec<_>>()),
            "{e:?}"
        );
        let r = acl_rule(&e[0].iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
        assert_eq!(r.protocol, Some(6));
        assert!(expand_entry(&["ip", "object-group", "NOPE", "any"], &g).is_none());
    }

    #[test]
    fn gre_over_ipsec_protects_gre_between_the_end_points_and_a_secondary_can_be_the_source() {
        let text = "vrf definition INET\n address-family ipv4\n exit-address-family\ncrypto isakmp key k address 203.0.113.9\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\n mode transport\ncrypto ipsec profile P\n set transform-set T\ninterface GigabitEthernet0/0\n vrf forwarding INET\n ip address 192.0.2.1 255.255.255.0\n ip address 198.51.100.1 255.255.255.0 secondary\ninterface Tunnel0\n ip address 172.16.0.1 255.255.255.0\n tunnel source 198.51.100.1\n tunnel destination 203.0.113.9\n tunnel vrf INET\n tunnel protection ipsec profile P\n";
        let doc = load(text);
        let gi = doc.root.iter().find(|n| n.text == "interface GigabitEthernet0/0").unwrap();
        assert_eq!(gi.children.iter().filter(|c| c.text.starts_with("ip address")).count(), 2, "the secondary is kept");
        let c = compile(&doc);
        let t = &c.config.tunnels["Tunnel0"];
        assert_eq!(t.local, Some("198.51.100.1".parse().unwrap()));
        assert_eq!(t.context.as_deref(), Some("INET"));
        let Some(TunnelEntry::Policy(p)) = t.entries.get(&10) else { panic!() };
        let acl = &c.config.contexts["INET"].ipsec_acls[p.access_group.as_deref().unwrap()];
        let r = acl.rules.values().next().unwrap();
        assert_eq!(r.protocol, Some(47));
        // A VTI (`tunnel mode ipsec ipv4`) stays any/any.
        let c = compile(&load(&text.replace(" tunnel vrf INET\n", " tunnel vrf INET\n tunnel mode ipsec ipv4\n")));
        let Some(TunnelEntry::Policy(p)) = c.config.tunnels["Tunnel0"].entries.get(&10) else { panic!() };
        assert!(p.access_group.is_none());
        // mGRE: said.
        let c = compile(&load(&text.replace(" tunnel vrf INET\n", " tunnel vrf INET\n tunnel mode gre multipoint\n")));
        assert!(c.notes.iter().any(|n| n.contains("NHRP")), "{:?}", c.notes);
    }
}
