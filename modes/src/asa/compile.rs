//! Compile the ASA configuration document into the engine model
//! (`engine::config::Config`, the model the SmartEdge and IOS dialects feed
//! too), with the ASA's defaults and matching rules:
//!
//! * each crypto map entry with a peer (`crypto map M SEQ set peer A`) is a
//!   static tunnel `M-SEQ`, negotiated when traffic matches its access list
//!   (`match address`), from the address of the interface the map is applied
//!   to (`crypto map M interface NAMEIF`), and only if IKE is enabled there
//!   (`crypto ikev1|ikev2 enable NAMEIF`);
//! * IKEv1 (`set ikev1 transform-set`) offers every `crypto ikev1 policy` by
//!   priority; IKEv2 (`set ikev2 ipsec-proposal`, used when `crypto ikev2
//!   enable` is on the interface) offers every `crypto ikev2 policy`'s
//!   algorithm combinations. The engine holds one IKE version per tunnel: an
//!   entry with both is IKEv2 (the ASA tries IKEv2 first), noted;
//! * the pre-shared key is the tunnel-group named by the peer's address
//!   (`tunnel-group A ipsec-attributes` / `ikev1 pre-shared-key`, `ikev2
//!   local-authentication pre-shared-key`), else `DefaultL2LGroup`'s;
//! * a dynamic map entry (`crypto map M SEQ ipsec-isakmp dynamic D`) answers
//!   any peer with `DefaultL2LGroup`'s key, within the dynamic map's ACL,
//!   and a peer whose IKE identity names a tunnel-group (`tunnel-group
//!   branch.example.com type ipsec-l2l`: IKEv2, or IKEv1 aggressive mode,
//!   where the identity comes before the key) with that group's key;
//! * access lists use masks, objects (`object network`) and object-groups
//!   (`object-group network`), expanded into one selector per member;
//! * dead peer detection is on, as the ASA's L2L tunnel-groups have it by
//!   default (`isakmp keepalive threshold 10 retry 2`: the engine's own
//!   R-U-THERE every 10 s, again every 2 s unanswered); `isakmp keepalive
//!   disable` in a tunnel-group's ipsec-attributes turns it off (for every
//!   peer: the engine's DPD is the context's, noted), other thresholds are
//!   noted.
//!
//! Anything the engine cannot express is reported in the notes, never
//! silently dropped.

use super::AsaDoc;
use super::doc::Node;
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// The result of a compile: the model and what could not be expressed.
#[derive(Debug)]
pub struct Compiled {
    pub config: Config,
    pub notes: Vec<String>,
}

/// The ASA's IPsec SA lifetimes (`crypto ipsec security-association lifetime`): 28,800 s and 4,608,000 kB.
pub const DEFAULT_SA_SECONDS: u32 = 28_800;
pub const DEFAULT_SA_KBYTES: u64 = 4_608_000;

/// The tunnel-group whose key answers peers without their own.
pub const DEFAULT_L2L: &str = "DefaultL2LGroup";

const LOCAL: &str = "local";

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn mask_len(m: Ipv4Addr) -> Option<u8> {
    let v = u32::from(m);
    (v.leading_ones() + v.trailing_zeros() == 32).then_some(v.leading_ones() as u8)
}

fn prefix(a: &str, m: &str) -> Option<Prefix4> {
    Some(Prefix4 { addr: a.parse().ok()?, len: mask_len(m.parse().ok()?)? })
}

/// A crypto map (or dynamic map) entry.
#[derive(Default, Clone)]
struct Entry {
    acl: Option<String>,
    peers: Vec<String>,
    tsets: Vec<String>,
    proposals: Vec<String>,
    pfs: Option<u16>,
    seconds: Option<u32>,
    kbytes: Option<Option<u64>>,
    answer_only: bool,
    originate_only: bool,
    aggressive: bool,
    dynamic: Option<String>,
}

impl Entry {
    fn read(&mut self, rest: &[&str]) {
        match rest {
            ["match", "address", a] => self.acl = Some(a.to_string()),
            ["set", "peer", p @ ..] => self.peers = p.iter().map(|x| x.to_string()).collect(),
            ["set", "ikev1", "transform-set", t @ ..] => self.tsets = t.iter().map(|x| x.to_string()).collect(),
            ["set", "ikev2", "ipsec-proposal", t @ ..] => self.proposals = t.iter().map(|x| x.to_string()).collect(),
            // `set pfs` alone is group 2 on the ASA.
            ["set", "pfs"] => self.pfs = Some(2),
            ["set", "pfs", g] => self.pfs = g.trim_start_matches("group").parse().ok(),
            ["set", "security-association", "lifetime", l @ ..] => {
                let mut i = 0;
                while i + 1 < l.len() {
                    match l[i] {
                        "seconds" => self.seconds = l[i + 1].parse().ok(),
                        "kilobytes" => self.kbytes = Some(l[i + 1].parse().ok()),
                        _ => {}
                    }
                    i += 2;
                }
            }
            ["set", "connection-type", t] => {
                self.answer_only = *t == "answer-only";
                self.originate_only = *t == "originate-only";
            }
            ["set", "ikev1", "phase1-mode", m, ..] => self.aggressive = *m == "aggressive",
            ["ipsec-isakmp", "dynamic", d] => self.dynamic = Some(d.to_string()),
            // An IPsec profile's `responder-only` (ASA 9.8 VTIs): it never initiates.
            ["responder-only"] => self.answer_only = true,
            _ => {}
        }
    }
}

/// `tunnel-group NAME ...`.
#[derive(Default, Clone)]
struct TunnelGroup {
    l2l: bool,
    ikev1_key: Option<String>,
    ikev2_local: Option<String>,
    ikev2_remote: Option<String>,
}

/// `crypto ikev2 policy N`.
#[derive(Default, Clone)]
struct V2Policy {
    enc: Vec<IkeEncr>,
    integ: Vec<IkeAuthAlg>,
    groups: Vec<u16>,
    prf: Vec<Prf>,
    lifetime: Option<u32>,
}

fn v1_policy(n: &Node, notes: &mut Vec<String>) -> IkeProposal {
    // The ASA's defaults of an `crypto ikev1 policy`: rsa-sig, 3des, sha, group 2, 86400 seconds.
    let mut p = IkeProposal::new(IkeVersion::V1);
    p.auth_method = AuthMethod::RsaSignature;
    p.encryption = IkeEncr::TripleDesCbc;
    p.auth_alg = IkeAuthAlg::HmacSha1_96;
    p.dh_group = 2;
    p.lifetime = 86_400;
    for c in &n.children {
        match words(&c.text).as_slice() {
            ["authentication", "pre-share"] => p.auth_method = AuthMethod::PreSharedKey,
            ["authentication", "rsa-sig"] => p.auth_method = AuthMethod::RsaSignature,
            ["encryption", e] => match ike_encr(e) {
                Some(e) => p.encryption = e,
                None => notes.push(format!("{}: encryption {e} is not supported by the engine", n.text)),
            },
            ["hash", "md5"] => p.auth_alg = IkeAuthAlg::HmacMd5_96,
            ["hash", "sha"] => p.auth_alg = IkeAuthAlg::HmacSha1_96,
            ["group", g] => p.dh_group = g.parse().unwrap_or(2),
            ["lifetime", "none"] => p.lifetime = 0,
            ["lifetime", l] => p.lifetime = l.parse().unwrap_or(86_400),
            _ => notes.push(format!("{}: `{}` is not supported by the engine", n.text, c.text)),
        }
    }
    p
}

fn ike_encr(e: &str) -> Option<IkeEncr> {
    Some(match e {
        "des" => IkeEncr::DesCbc,
        "3des" => IkeEncr::TripleDesCbc,
        "aes" => IkeEncr::Aes128Cbc,
        "aes-192" => IkeEncr::Aes192Cbc,
        "aes-256" => IkeEncr::Aes256Cbc,
        _ => return None,
    })
}

fn v2_policy(n: &Node, notes: &mut Vec<String>) -> V2Policy {
    let mut p = V2Policy::default();
    for c in &n.children {
        match words(&c.text).as_slice() {
            ["encryption", algs @ ..] => {
                for a in algs {
                    match ike_encr(a) {
                        Some(e) => p.enc.push(e),
                        None => notes.push(format!("{}: encryption {a} is not supported by the engine", n.text)),
                    }
                }
            }
            ["integrity", algs @ ..] => {
                for a in algs {
                    match *a {
                        "md5" => p.integ.push(IkeAuthAlg::HmacMd5_96),
                        "sha" => p.integ.push(IkeAuthAlg::HmacSha1_96),
                        "sha256" => p.integ.push(IkeAuthAlg::HmacSha256),
                        "sha384" => p.integ.push(IkeAuthAlg::HmacSha384),
                        "sha512" => p.integ.push(IkeAuthAlg::HmacSha512),
                        other => notes.push(format!("{}: integrity {other} is not supported by the engine", n.text)),
                    }
                }
            }
            ["group", gs @ ..] => p.groups.extend(gs.iter().filter_map(|g| g.parse::<u16>().ok())),
            ["prf", algs @ ..] => {
                for a in algs {
                    match *a {
                        "md5" => p.prf.push(Prf::HmacMd5),
                        "sha" => p.prf.push(Prf::HmacSha1),
                        "sha256" => p.prf.push(Prf::HmacSha256),
                        "sha384" => p.prf.push(Prf::HmacSha384),
                        "sha512" => p.prf.push(Prf::HmacSha512),
                        other => notes.push(format!("{}: prf {other} is not supported by the engine", n.text)),
                    }
                }
            }
            ["lifetime", "seconds", s] => p.lifetime = s.parse().ok(),
            _ => notes.push(format!("{}: `{}` is not supported by the engine", n.text, c.text)),
        }
    }
    p
}

/// `crypto ipsec ikev1 transform-set NAME ENC [AUTH]`.
fn transform_set(name: &str, t: &[&str], notes: &mut Vec<String>) -> IpsecProposal {
    let mut p = IpsecProposal::new();
    p.lifetime_seconds = DEFAULT_SA_SECONDS;
    p.lifetime_kbytes = Some(DEFAULT_SA_KBYTES);
    for w in t {
        match *w {
            "esp-des" => p.esp_encr = Some(EspEncr::DesCbc),
            "esp-3des" => p.esp_encr = Some(EspEncr::TripleDesCbc),
            "esp-aes" => p.esp_encr = Some(EspEncr::Aes128Cbc),
            "esp-aes-192" => p.esp_encr = Some(EspEncr::Aes192Cbc),
            "esp-aes-256" => p.esp_encr = Some(EspEncr::Aes256Cbc),
            "esp-null" => p.esp_encr = Some(EspEncr::Null),
            w if crate::cisco_common::esp_hmac(w).is_some() => p.esp_auth = crate::cisco_common::esp_hmac(w),
            "esp-none" => p.esp_auth = None,
            other => notes.push(format!("transform-set {name}: {other} is not supported by the engine")),
        }
    }
    p
}

/// `crypto ipsec ikev2 ipsec-proposal NAME`: one engine proposal per (encryption, integrity).
fn ipsec_proposal(n: &Node, name: &str, notes: &mut Vec<String>) -> Vec<IpsecProposal> {
    let mut enc = Vec::new();
    let mut integ: Vec<Option<EspAuth>> = Vec::new();
    for c in &n.children {
        match words(&c.text).as_slice() {
            ["protocol", "esp", "encryption", algs @ ..] => {
                for a in algs {
                    let e = match *a {
                        "des" => EspEncr::DesCbc,
                        "3des" => EspEncr::TripleDesCbc,
                        "aes" => EspEncr::Aes128Cbc,
                        "aes-192" => EspEncr::Aes192Cbc,
                        "aes-256" => EspEncr::Aes256Cbc,
                        "aes-gcm" => EspEncr::Aes128Gcm,
                        "aes-gcm-192" => EspEncr::Aes192Gcm,
                        "aes-gcm-256" => EspEncr::Aes256Gcm,
                        "null" => EspEncr::Null,
                        other => {
                            notes.push(format!(
                                "ipsec-proposal {name}: encryption {other} is not supported by the engine"
                            ));
                            continue;
                        }
                    };
                    enc.push(e);
                }
            }
            ["protocol", "esp", "integrity", algs @ ..] => {
                for a in algs {
                    integ.push(match *a {
                        "md5" => Some(EspAuth::HmacMd5_96),
                        "sha-1" => Some(EspAuth::HmacSha1_96),
                        "sha-256" => Some(EspAuth::HmacSha256_128),
                        "sha-384" => Some(EspAuth::HmacSha384_192),
                        "sha-512" => Some(EspAuth::HmacSha512_256),
                        _ => None,
                    });
                }
            }
            _ => notes.push(format!("{}: `{}` is not supported by the engine", n.text, c.text)),
        }
    }
    if enc.is_empty() {
        notes.push(format!("ipsec-proposal {name} has no encryption: not used"));
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in &enc {
        // AES-GCM carries its own integrity: one proposal without integrity.
        let auths: Vec<Option<EspAuth>> =
            if matches!(e, EspEncr::Aes128Gcm | EspEncr::Aes192Gcm | EspEncr::Aes256Gcm) || integ.is_empty() {
                vec![None]
            } else {
                integ.clone()
            };
        for a in auths {
            let mut p = IpsecProposal::new();
            p.lifetime_seconds = DEFAULT_SA_SECONDS;
            p.lifetime_kbytes = Some(DEFAULT_SA_KBYTES);
            p.esp_encr = Some(*e);
            p.esp_auth = a;
            out.push(p);
        }
    }
    out
}

/// Network objects and groups, as the (address, mask) words they stand for.
struct Objects {
    nets: BTreeMap<String, Vec<AclAddr>>,
    /// Host names (`name A NAME`), which stand for their address anywhere one goes.
    names: std::collections::HashMap<String, std::net::Ipv4Addr>,
}

/// An address word: an address, or a host name `names` knows.
fn ip_of(w: &str, names: &std::collections::HashMap<String, std::net::Ipv4Addr>) -> Option<std::net::Ipv4Addr> {
    w.parse().ok().or_else(|| names.get(w).copied())
}

impl Objects {
    fn read(doc: &AsaDoc, notes: &mut Vec<String>) -> Objects {
        let names = doc.names();
        let mut nets: BTreeMap<String, Vec<AclAddr>> = BTreeMap::new();
        let mut groups: BTreeMap<String, &Node> = BTreeMap::new();
        for n in &doc.root {
            match words(&n.text).as_slice() {
                ["object", "network", name] => {
                    for c in &n.children {
                        match words(&c.text).as_slice() {
                            ["host", a] => {
                                if let Ok(a) = a.parse() {
                                    nets.insert(name.to_string(), vec![AclAddr::Prefix(Prefix4 { addr: a, len: 32 })]);
                                }
                            }
                            ["subnet", a, m] => match prefix(a, m) {
                                Some(p) => {
                                    nets.insert(name.to_string(), vec![AclAddr::Prefix(p)]);
                                }
                                None => notes
                                    .push(format!("object network {name}: subnet {a} {m} has a non-contiguous mask")),
                            },
                            ["range", ..] | ["fqdn", ..] => {
                                notes.push(format!("object network {name}: `{}` cannot be an engine selector", c.text))
                            }
                            _ => {}
                        }
                    }
                }
                ["object-group", "network", name] => {
                    groups.insert(name.to_string(), n);
                }
                _ => {}
            }
        }
        type Names = std::collections::HashMap<String, std::net::Ipv4Addr>;
        fn expand(
            name: &str,
            groups: &BTreeMap<String, &Node>,
            nets: &BTreeMap<String, Vec<AclAddr>>,
            names: &Names,
            depth: usize,
        ) -> Option<Vec<AclAddr>> {
            if depth > 8 {
                return None;
            }
            let n = groups.get(name)?;
            let mut out = Vec::new();
            for c in &n.children {
                match words(&c.text).as_slice() {
                    ["network-object", "host", a] => {
                        out.push(AclAddr::Prefix(Prefix4 { addr: ip_of(a, names)?, len: 32 }))
                    }
                    ["network-object", "object", o] => out.extend(nets.get(*o)?.iter().cloned()),
                    ["network-object", a, m] => out.push(AclAddr::Prefix(prefix(&ip_of(a, names)?.to_string(), m)?)),
                    ["group-object", g] => out.extend(expand(g, groups, nets, names, depth + 1)?),
                    ["description", ..] => {}
                    _ => return None,
                }
            }
            Some(out)
        }
        let mut all = nets.clone();
        for g in groups.keys() {
            match expand(g, &groups, &nets, &names, 0) {
                Some(v) => {
                    all.insert(g.clone(), v);
                }
                None => notes.push(format!("object-group network {g}: a member cannot be an engine selector (unknown object, range, or nesting too deep)")),
            }
        }
        Objects { nets: all, names }
    }

    /// An address spec of an ACL entry: the addresses and the words used.
    fn addr(&self, w: &[&str]) -> Option<(Vec<AclAddr>, usize)> {
        match w {
            ["any" | "any4", ..] => Some((vec![AclAddr::Any], 1)),
            ["host", a, ..] => Some((vec![AclAddr::Prefix(Prefix4 { addr: ip_of(a, &self.names)?, len: 32 })], 2)),
            ["object" | "object-group", name, ..] => Some((self.nets.get(*name)?.clone(), 2)),
            [a, m, ..] => Some((vec![AclAddr::Prefix(prefix(&ip_of(a, &self.names)?.to_string(), m)?)], 2)),
            _ => None,
        }
    }
}

/// A port operator and its port (a number or one of `proto`'s port names: `asa/ports.rs`).
fn port(proto: &str, w: &[&str]) -> Option<(Option<(PortOp, u16)>, usize)> {
    match w {
        [op @ ("eq" | "neq" | "lt" | "gt"), p, ..] => {
            Some((Some((PortOp::from_word(op)?, crate::asa::ports::PORTS.number(proto, p)?)), 2))
        }
        ["range", ..] => None,
        _ => Some((None, 0)),
    }
}

/// `permit PROTO SRC [PORT] DST [PORT]` as engine rules (one per member of
/// the objects it names). `None`: it cannot be expressed.
fn acl_rules(w: &[&str], objs: &Objects) -> Option<Vec<AclRule>> {
    let (proto, rest) = w.split_first()?;
    let protocol = crate::cisco_acl::protocol(proto)?;
    let (srcs, n) = objs.addr(rest)?;
    let rest = &rest[n..];
    let (sp, n) = port(proto, rest)?;
    let rest = &rest[n..];
    let (dsts, n) = objs.addr(rest)?;
    let rest = &rest[n..];
    let (dp, n) = port(proto, rest)?;
    // `log` and the like after the entry do not change the selector.
    if rest[n..].first().is_some_and(|x| !matches!(*x, "log" | "inactive" | "time-range")) {
        return None;
    }
    let mut out = Vec::new();
    for s in &srcs {
        for d in &dsts {
            out.push(AclRule { protocol, src: s.clone(), src_port: sp, dst: Some(d.clone()), dst_port: dp });
        }
    }
    Some(out)
}

/// Compile the document.
pub fn compile(doc: &AsaDoc) -> Compiled {
    let mut cfg = Config::new(&doc.hostname);
    let mut notes = Vec::new();
    let objs = Objects::read(doc, &mut notes);
    // nameif -> (interface, address)
    let mut nameif: BTreeMap<String, (String, Option<Prefix4>)> = BTreeMap::new();
    let mut v1_policies: Vec<(u32, IkeProposal)> = Vec::new();
    let mut v2_policies: Vec<(u32, V2Policy)> = Vec::new();
    let mut tsets: BTreeMap<String, IpsecProposal> = BTreeMap::new();
    let mut proposals: BTreeMap<String, Vec<IpsecProposal>> = BTreeMap::new();
    let mut maps: BTreeMap<(String, u32), Entry> = BTreeMap::new();
    let mut dmaps: BTreeMap<String, BTreeMap<u32, Entry>> = BTreeMap::new();
    let mut map_on: BTreeMap<String, String> = BTreeMap::new();
    let mut v1_on: BTreeSet<String> = BTreeSet::new();
    let mut v2_on: BTreeSet<String> = BTreeSet::new();
    let mut groups: BTreeMap<String, TunnelGroup> = BTreeMap::new();
    let mut acls: BTreeMap<String, IpsecAcl> = BTreeMap::new();
    let mut sa_seconds = DEFAULT_SA_SECONDS;
    let mut sa_kbytes = Some(DEFAULT_SA_KBYTES);
    let mut identity_hostname = false;
    let mut vtis: Vec<Vti> = Vec::new();
    let mut profiles: BTreeMap<String, Entry> = BTreeMap::new();
    let mut keepalive = true;

    for n in &doc.root {
        let w = words(&n.text);
        match w.as_slice() {
            ["interface", name] => {
                let mut nif = None;
                let mut addr = None;
                let mut shut = false;
                let mut vti = Vti { ifname: name.to_string(), ..Default::default() };
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["nameif", x] => nif = Some(x.to_string()),
                        ["ip", "address", a, m, ..] => addr = prefix(a, m),
                        ["shutdown"] => shut = true,
                        ["tunnel", "source", "interface", x] => vti.source = Some(x.to_string()),
                        ["tunnel", "destination", x] => vti.destination = Some(x.to_string()),
                        ["tunnel", "mode", m @ ..] => vti.mode = m.join(" "),
                        ["tunnel", "protection", "ipsec", "profile", p] => vti.profile = Some(p.to_string()),
                        _ => {}
                    }
                }
                if let Some(nif) = nif {
                    if shut {
                        notes.push(format!("interface {name} ({nif}) is shut down"));
                    }
                    nameif.insert(nif.clone(), (name.to_string(), addr));
                    if vti.profile.is_some() {
                        vti.nameif = nif;
                        vtis.push(vti);
                    }
                }
            }
            ["crypto", "ipsec", "profile", name] => {
                let e = profiles.entry(name.to_string()).or_default();
                for c in &n.children {
                    e.read(&words(&c.text));
                }
            }
            ["crypto", "ikev1", "policy", p] => {
                v1_policies.push((p.parse().unwrap_or(65535), v1_policy(n, &mut notes)))
            }
            ["crypto", "ikev2", "policy", p] => {
                v2_policies.push((p.parse().unwrap_or(65535), v2_policy(n, &mut notes)))
            }
            ["crypto", "ipsec", "ikev1", "transform-set", name, "mode", m] => {
                // Only transport mode needs a word: tunnel mode is the engine's.
                let transport = *m == "transport";
                notes.extend(transport.then(|| {
                    format!("transform-set {name}: transport mode is not supported by the engine (tunnel mode used)")
                }));
            }
            ["crypto", "ipsec", "ikev1", "transform-set", name, t @ ..] => {
                tsets.insert(name.to_string(), transform_set(name, t, &mut notes));
            }
            ["crypto", "ipsec", "ikev2", "ipsec-proposal", name] => {
                proposals.insert(name.to_string(), ipsec_proposal(n, name, &mut notes));
            }
            ["crypto", "ipsec", "security-association", "lifetime", "seconds", v] => {
                sa_seconds = v.parse().unwrap_or(DEFAULT_SA_SECONDS)
            }
            ["crypto", "ipsec", "security-association", "lifetime", "kilobytes", v] => sa_kbytes = v.parse().ok(),
            ["crypto", "map", m, "interface", i] => {
                map_on.insert(m.to_string(), i.to_string());
            }
            ["crypto", "map", m, seq, rest @ ..] => {
                if let Ok(seq) = seq.parse::<u32>() {
                    maps.entry((m.to_string(), seq)).or_default().read(rest);
                }
            }
            ["crypto", "dynamic-map", d, seq, rest @ ..] => {
                if let Ok(seq) = seq.parse::<u32>() {
                    dmaps.entry(d.to_string()).or_default().entry(seq).or_default().read(rest);
                }
            }
            ["crypto", "ikev1", "enable", i] => {
                v1_on.insert(i.to_string());
            }
            ["crypto", "ikev2", "enable", i, ..] => {
                v2_on.insert(i.to_string());
            }
            ["crypto", "isakmp", "identity", "hostname"] => identity_hostname = true,
            ["tunnel-group", name, "type", t] => groups.entry(name.to_string()).or_default().l2l = *t == "ipsec-l2l",
            ["tunnel-group", name, "ipsec-attributes"] => {
                let g = groups.entry(name.to_string()).or_default();
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["ikev1", "pre-shared-key", k] => g.ikev1_key = Some(k.to_string()),
                        ["ikev2", "local-authentication", "pre-shared-key", .., k] => {
                            g.ikev2_local = Some(k.to_string())
                        }
                        ["ikev2", "remote-authentication", "pre-shared-key", .., k] => {
                            g.ikev2_remote = Some(k.to_string())
                        }
                        ["isakmp", "keepalive", "disable"] => {
                            keepalive = false;
                            notes.push(format!(
                                "tunnel-group {name}: isakmp keepalive disable: dead peer detection is off for every peer"
                            ));
                        }
                        ["isakmp", "keepalive", "threshold", "10", "retry", "2"] => {}
                        ["isakmp", "keepalive", ..] => notes.push(format!(
                            "tunnel-group {name}: {}: dead peer detection runs at threshold 10 retry 2",
                            c.text.trim()
                        )),
                        _ => {}
                    }
                }
            }
            ["access-list", name, "extended", action, rest @ ..] => {
                let acl = acls.entry(name.to_string()).or_default();
                let seq = (acl.rules.len() as u32 + 1) * 10;
                match (*action, acl_rules(rest, &objs)) {
                    ("permit", Some(rules)) => {
                        for (k, r) in rules.into_iter().enumerate() {
                            acl.rules.insert(seq + k as u32, r);
                        }
                    }
                    _ => notes.push(format!(
                        "`{}`: only permit entries with contiguous masks and known objects become engine selectors",
                        n.text
                    )),
                }
            }
            _ => {}
        }
    }

    // Interfaces by nameif, in context `local`.
    for (nif, (_, addr)) in &nameif {
        cfg.contexts.entry(LOCAL.into()).or_default().interfaces.insert(
            nif.clone(),
            Interface {
                kind: InterfaceKind::Plain,
                description: None,
                address: *addr,
                secondary: Vec::new(),
                unnumbered: None,
            },
        );
    }
    // IPsec proposals: transform sets and IKEv2 IPsec proposals, with the global lifetimes.
    for (name, mut p) in tsets {
        p.lifetime_seconds = sa_seconds;
        p.lifetime_kbytes = sa_kbytes;
        cfg.ipsec_proposals.insert(name, p);
    }
    let mut v2_props: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, list) in proposals {
        let one = list.len() == 1;
        let mut names = Vec::new();
        for (i, mut p) in list.into_iter().enumerate() {
            p.lifetime_seconds = sa_seconds;
            p.lifetime_kbytes = sa_kbytes;
            let n = if one { format!("ikev2-{name}") } else { format!("ikev2-{name}-{}", i + 1) };
            cfg.ipsec_proposals.insert(n.clone(), p);
            names.push(n);
        }
        v2_props.insert(name, names);
    }
    // IKE proposals: IKEv1 policies by priority; IKEv2 policies' combinations by priority.
    v1_policies.sort_by_key(|(p, _)| *p);
    let mut v1_names = Vec::new();
    for (prio, p) in &v1_policies {
        let n = format!("ikev1-{prio}");
        cfg.ike_proposals.insert(n.clone(), p.clone());
        v1_names.push(n);
    }
    v2_policies.sort_by_key(|(p, _)| *p);
    let mut v2_names = Vec::new();
    let mut v2_lifetime = 86_400;
    for (prio, p) in &v2_policies {
        if p.enc.is_empty() || p.integ.is_empty() || p.groups.is_empty() {
            notes.push(format!(
                "crypto ikev2 policy {prio} is incomplete (it needs encryption, integrity and group): not used"
            ));
            continue;
        }
        v2_lifetime = p.lifetime.unwrap_or(86_400);
        let prfs = if p.prf.is_empty() { vec![Prf::HmacSha1] } else { p.prf.clone() };
        let mut k = 0;
        for e in &p.enc {
            for i in &p.integ {
                for g in &p.groups {
                    for f in &prfs {
                        k += 1;
                        let mut x = IkeProposal::new(IkeVersion::V2);
                        x.encryption = *e;
                        x.auth_alg = *i;
                        x.dh_group = *g;
                        x.prf = *f;
                        let n = format!("ikev2-{prio}-{k}");
                        cfg.ike_proposals.insert(n.clone(), x);
                        v2_names.push(n);
                    }
                }
            }
        }
    }
    cfg.contexts.entry(LOCAL.into()).or_default().ipsec_acls.extend(acls.clone());
    // The tunnel-group of a peer address: its own (`tunnel-group A type ipsec-l2l`), else DefaultL2LGroup.
    let group_of = |peer: &str| {
        groups
            .get_key_value(peer)
            .filter(|(_, g)| g.l2l)
            .or_else(|| groups.get_key_value(DEFAULT_L2L))
            .map(|(n, g)| (n.clone(), g))
    };
    // Tunnel-groups named by an identity (`tunnel-group branch.example.com type ipsec-l2l`): an IKEv2 peer whose IKE ID is the name.
    let by_identity: Vec<(String, &TunnelGroup)> = groups
        .iter()
        .filter(|(n, g)| g.l2l && n.parse::<Ipv4Addr>().is_err() && !n.starts_with("Default"))
        .map(|(n, g)| (n.clone(), g))
        .collect();

    // Crypto map entries: a static tunnel each (dynamic references: on-demand tunnels).
    for ((m, seq), e) in &maps {
        let what = format!("crypto map {m} {seq}");
        let tname = format!("{m}-{seq}");
        let ifname = map_on.get(m).cloned();
        let local = ifname.as_ref().and_then(|i| nameif.get(i)).and_then(|(_, a)| a.map(|p| p.addr));
        if let Some(d) = &e.dynamic {
            let Some(entries) = dmaps.get(d) else {
                notes.push(format!("{what}: dynamic map {d} does not exist"));
                continue;
            };
            let many = entries.len() > 1;
            for (dseq, de) in entries {
                let name = if many { format!("{tname}-{dseq}") } else { tname.clone() };
                // IKEv2 when the entry has IPsec proposals and IKEv2 is enabled on the interface, as for static entries.
                let v2 = !de.proposals.is_empty() && ifname.as_ref().is_some_and(|i| v2_on.contains(i));
                let g = groups.get(DEFAULT_L2L);
                let key = if v2 {
                    g.and_then(|g| g.ikev2_local.clone().or(g.ikev2_remote.clone()))
                } else {
                    g.and_then(|g| g.ikev1_key.clone())
                };
                if key.is_none() && by_identity.is_empty() {
                    let k = if v2 { "an ikev2 local-authentication pre-shared-key" } else { "an ikev1 pre-shared-key" };
                    notes.push(format!(
                        "{what}: dynamic map {d} needs tunnel-group {DEFAULT_L2L} ipsec-attributes with {k}"
                    ));
                }
                let ts: Vec<String> = if v2 {
                    de.proposals.iter().flat_map(|p| v2_props.get(p).cloned().unwrap_or_default()).collect()
                } else {
                    de.tsets.clone()
                };
                let pol = ipsec_policy(&mut cfg, &name, de, &ts);
                // DefaultL2LGroup answers any peer; a peer whose identity names a tunnel-group gets that group's key.
                let mut answer = vec![(name.clone(), DEFAULT_L2L.to_string(), Identity::Any, key)];
                // (IKEv1: the identity comes before the key only in aggressive mode; main mode peers stay DefaultL2LGroup's.)
                for (gname, g) in &by_identity {
                    let id = if gname.contains('@') {
                        Identity::UserFqdn(gname.clone())
                    } else {
                        Identity::Fqdn(gname.clone())
                    };
                    let k = if v2 { g.ikev2_local.clone().or(g.ikev2_remote.clone()) } else { g.ikev1_key.clone() };
                    if k.is_none() {
                        notes.push(format!(
                            "tunnel-group {gname}: no {} pre-shared-key: not used",
                            if v2 { "ikev2" } else { "ikev1" }
                        ));
                        continue;
                    }
                    answer.push((format!("{name}@{gname}"), gname.clone(), id, k));
                }
                for (tn, group, id, key) in answer {
                    if key.is_none() && tn != name {
                        continue;
                    }
                    let mut ike = IkePolicy::new(if v2 { IkeVersion::V2 } else { IkeVersion::V1 });
                    ike.identity_local = local.map(Identity::Ipv4);
                    ike.identity_remote = Some(id.clone());
                    ike.connection_type = ConnectionType::ResponderOnly;
                    ike.pre_shared_key = key.map(|k| PreSharedKey::Key(Key::Ascii(k)));
                    let names = if v2 { &v2_names } else { &v1_names };
                    for (i, n) in names.iter().enumerate().take(MAX_POLICY_PROPOSALS) {
                        ike.proposals.insert(i as u32 + 1, n.clone());
                    }
                    if v2 {
                        ike.lifetime = v2_lifetime;
                    }
                    let ike_name = format!("{tn}-ike");
                    cfg.contexts.entry(LOCAL.into()).or_default().ike_policies.insert(ike_name.clone(), ike);
                    let mut t = Tunnel::new(TunnelKind::OnDemand, false);
                    t.description = Some(group);
                    t.local = local;
                    t.remote_id = Some(id);
                    t.ike_policy = Some(ike_name);
                    t.bind_interface = ifname.clone().map(|i| (i, None));
                    t.dynamic_map = true;
                    t.entries.insert(
                        10,
                        TunnelEntry::Policy(PolicyEntry { policy: pol.clone(), access_group: de.acl.clone() }),
                    );
                    cfg.tunnels.insert(tn, t);
                }
            }
            continue;
        }
        let Some(peer_word) = e.peers.first() else {
            notes.push(format!("{what}: no peer (set peer): no tunnel"));
            continue;
        };
        let Ok(peer) = peer_word.parse::<Ipv4Addr>() else {
            notes.push(format!("{what}: peer {peer_word} is a name; the engine needs an address: no tunnel"));
            continue;
        };
        if e.peers.len() > 1 {
            notes.push(format!("{what}: {} peers; the engine tunnel has one: {peer}", e.peers.len()));
        }
        let Some(ifn) = ifname.clone() else {
            notes.push(format!(
                "{what}: crypto map {m} is not applied to an interface (crypto map {m} interface NAMEIF): no tunnel"
            ));
            continue;
        };
        if local.is_none() {
            notes.push(format!("{what}: interface {ifn} has no address: no local end point"));
        }
        // IKEv2 when the entry has IPsec proposals and IKEv2 is enabled on the interface (the ASA tries it first).
        let v2 = !e.proposals.is_empty() && v2_on.contains(&ifn);
        let v1 = !e.tsets.is_empty() && v1_on.contains(&ifn);
        if !v1 && !v2 {
            let need = if !e.proposals.is_empty() { "ikev2" } else { "ikev1" };
            notes.push(format!("{what}: IKE is not enabled on {ifn} (crypto {need} enable {ifn}) or the entry has no transform set: no tunnel"));
            continue;
        }
        if v1 && v2 {
            notes.push(format!("{what}: both IKEv1 and IKEv2; the engine tunnel holds one IKE version: IKEv2"));
        }
        let (tg_name, tg) = group_of(peer_word).map(|(n, g)| (Some(n), Some(g))).unwrap_or((None, None));
        let mut ike = IkePolicy::new(if v2 { IkeVersion::V2 } else { IkeVersion::V1 });
        ike.identity_local =
            if identity_hostname { Some(Identity::Fqdn(doc.hostname.clone())) } else { local.map(Identity::Ipv4) };
        ike.identity_remote = Some(Identity::Ipv4(peer));
        if e.aggressive {
            ike.mode = ExchangeMode::Aggressive;
        }
        ike.connection_type = if e.answer_only {
            ConnectionType::ResponderOnly
        } else if e.originate_only {
            ConnectionType::InitiatorOnly
        } else {
            ConnectionType::Both
        };
        let key = if v2 {
            let (l, r) = (tg.and_then(|g| g.ikev2_local.clone()), tg.and_then(|g| g.ikev2_remote.clone()));
            if let (Some(l), Some(r)) = (&l, &r)
                && l != r
            {
                notes.push(format!("{what}: tunnel-group {peer}: different local and remote pre-shared keys; the engine policy holds one key: the local one"));
            }
            l.or(r)
        } else {
            tg.and_then(|g| g.ikev1_key.clone())
        };
        if key.is_none() {
            notes.push(format!(
                "{what}: no pre-shared key for {peer} (tunnel-group {peer} ipsec-attributes, or {DEFAULT_L2L})"
            ));
        }
        ike.pre_shared_key = key.map(|k| PreSharedKey::Key(Key::Ascii(k)));
        let names = if v2 { &v2_names } else { &v1_names };
        if names.is_empty() {
            notes.push(format!("{what}: no crypto {} policy is configured", if v2 { "ikev2" } else { "ikev1" }));
        }
        if names.len() > MAX_POLICY_PROPOSALS {
            notes.push(format!(
                "{what}: more IKE policies than an engine policy holds; the first {MAX_POLICY_PROPOSALS} are used"
            ));
        }
        for (i, n) in names.iter().enumerate().take(MAX_POLICY_PROPOSALS) {
            ike.proposals.insert(i as u32 + 1, n.clone());
        }
        if v2 {
            ike.lifetime = v2_lifetime;
        }
        let ts: Vec<String> = if v2 {
            e.proposals.iter().flat_map(|p| v2_props.get(p).cloned().unwrap_or_default()).collect()
        } else {
            e.tsets.clone()
        };
        for t in if v2 { &e.proposals } else { &e.tsets } {
            let known = if v2 { v2_props.contains_key(t) } else { cfg.ipsec_proposals.contains_key(t) };
            if !known {
                notes.push(format!(
                    "{what}: {} {t} does not exist",
                    if v2 { "ipsec-proposal" } else { "transform-set" }
                ));
            }
        }
        if let Some(a) = &e.acl {
            if !acls.contains_key(a) {
                notes.push(format!("{what}: access-list {a} does not exist"));
            }
        } else {
            notes.push(format!("{what}: no access list (match address): no tunnel"));
            continue;
        }
        let pol = ipsec_policy(&mut cfg, &tname, e, &ts);
        let ike_name = format!("{tname}-ike");
        cfg.contexts.entry(LOCAL.into()).or_default().ike_policies.insert(ike_name.clone(), ike);
        let mut t = Tunnel::new(TunnelKind::Static, false);
        t.local = local;
        t.remote = Some(peer);
        t.remote_id = Some(Identity::Ipv4(peer));
        // The tunnel-group that answers (`show vpn-sessiondb`'s Connection).
        t.description = tg_name;
        t.ike_policy = Some(ike_name);
        t.bind_interface = Some((ifn, None));
        t.entries.insert(10, TunnelEntry::Policy(PolicyEntry { policy: pol, access_group: e.acl.clone() }));
        t.on_traffic = !e.answer_only;
        // Traffic several entries' ACLs match starts the lowest sequence number's.
        t.map_entry = Some((m.clone(), *seq));
        cfg.tunnels.insert(tname, t);
    }
    // Virtual tunnel interfaces (ASA 9.7): route-based static tunnels, bound
    // to the tunnel interface's nameif, selectors any/any; the IPsec profile
    // gives the transform sets (or IKEv2 proposals), PFS and lifetimes; the
    // key is the tunnel-group of the tunnel destination.
    for v in &vtis {
        let what = format!("interface {} ({})", v.ifname, v.nameif);
        if v.mode != "ipsec ipv4" {
            notes.push(format!(
                "{what}: tunnel mode {}: only `tunnel mode ipsec ipv4` is a VTI: no tunnel",
                if v.mode.is_empty() { "(none)" } else { &v.mode }
            ));
            continue;
        }
        let Some(peer_word) = &v.destination else {
            notes.push(format!("{what}: no tunnel destination: no tunnel"));
            continue;
        };
        let Ok(peer) = peer_word.parse::<Ipv4Addr>() else {
            notes.push(format!(
                "{what}: tunnel destination {peer_word} is a name; the engine needs an address: no tunnel"
            ));
            continue;
        };
        let Some(src) = &v.source else {
            notes.push(format!("{what}: no tunnel source interface: no tunnel"));
            continue;
        };
        let local = nameif.get(src).and_then(|(_, a)| a.map(|p| p.addr));
        if local.is_none() {
            notes.push(format!("{what}: tunnel source {src} has no address: no local end point"));
        }
        let prof = v.profile.clone().unwrap_or_default();
        let Some(e) = profiles.get(&prof) else {
            notes.push(format!("{what}: ipsec profile {prof} does not exist: no tunnel"));
            continue;
        };
        let v2 = !e.proposals.is_empty() && v2_on.contains(src);
        let v1 = !e.tsets.is_empty() && v1_on.contains(src);
        if !v1 && !v2 {
            let need = if !e.proposals.is_empty() { "ikev2" } else { "ikev1" };
            notes.push(format!("{what}: IKE is not enabled on {src} (crypto {need} enable {src}) or ipsec profile {prof} has no transform set: no tunnel"));
            continue;
        }
        let (tg_name, tg) = group_of(peer_word).map(|(n, g)| (Some(n), Some(g))).unwrap_or((None, None));
        let key = if v2 {
            tg.and_then(|g| g.ikev2_local.clone().or(g.ikev2_remote.clone()))
        } else {
            tg.and_then(|g| g.ikev1_key.clone())
        };
        if key.is_none() {
            notes.push(format!(
                "{what}: no pre-shared key for {peer} (tunnel-group {peer} ipsec-attributes, or {DEFAULT_L2L})"
            ));
        }
        let mut ike = IkePolicy::new(if v2 { IkeVersion::V2 } else { IkeVersion::V1 });
        ike.identity_local =
            if identity_hostname { Some(Identity::Fqdn(doc.hostname.clone())) } else { local.map(Identity::Ipv4) };
        ike.identity_remote = Some(Identity::Ipv4(peer));
        ike.pre_shared_key = key.map(|k| PreSharedKey::Key(Key::Ascii(k)));
        if e.answer_only {
            ike.connection_type = ConnectionType::ResponderOnly;
        }
        let names = if v2 { &v2_names } else { &v1_names };
        if names.is_empty() {
            notes.push(format!("{what}: no crypto {} policy is configured", if v2 { "ikev2" } else { "ikev1" }));
        }
        for (i, n) in names.iter().enumerate().take(MAX_POLICY_PROPOSALS) {
            ike.proposals.insert(i as u32 + 1, n.clone());
        }
        if v2 {
            ike.lifetime = v2_lifetime;
        }
        let ts: Vec<String> = if v2 {
            e.proposals.iter().flat_map(|p| v2_props.get(p).cloned().unwrap_or_default()).collect()
        } else {
            e.tsets.clone()
        };
        for t in if v2 { &e.proposals } else { &e.tsets } {
            let known = if v2 { v2_props.contains_key(t) } else { cfg.ipsec_proposals.contains_key(t) };
            if !known {
                notes.push(format!(
                    "{what}: {} {t} does not exist",
                    if v2 { "ipsec-proposal" } else { "transform-set" }
                ));
            }
        }
        let pol = ipsec_policy(&mut cfg, &v.ifname, e, &ts);
        let ike_name = format!("{}-ike", v.ifname);
        cfg.contexts.entry(LOCAL.into()).or_default().ike_policies.insert(ike_name.clone(), ike);
        let mut t = Tunnel::new(TunnelKind::Static, false);
        t.local = local;
        t.remote = Some(peer);
        t.remote_id = Some(Identity::Ipv4(peer));
        t.description = tg_name;
        t.ike_policy = Some(ike_name);
        t.bind_interface = Some((v.nameif.clone(), None));
        t.entries.insert(10, TunnelEntry::Policy(PolicyEntry { policy: pol, access_group: None }));
        cfg.tunnels.insert(v.ifname.clone(), t);
    }
    cfg.contexts.entry(LOCAL.into()).or_default().ike_keepalive = keepalive;
    let mut seen = BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    Compiled { config: cfg, notes }
}

/// An ASA virtual tunnel interface (`interface TunnelN` with `tunnel source
/// interface`, `tunnel destination`, `tunnel mode ipsec ipv4`, `tunnel
/// protection ipsec profile`).
#[derive(Default)]
struct Vti {
    ifname: String,
    nameif: String,
    source: Option<String>,
    destination: Option<String>,
    mode: String,
    profile: Option<String>,
}

/// The engine IPsec policy of a crypto map entry: its proposals (with the
/// entry's own lifetimes, when it sets them), its PFS group.
fn ipsec_policy(cfg: &mut Config, tname: &str, e: &Entry, proposals: &[String]) -> String {
    let mut pol = IpsecPolicy { pfs_group: e.pfs, ..Default::default() };
    for (i, name) in proposals.iter().enumerate().take(MAX_POLICY_PROPOSALS) {
        let mut use_name = name.clone();
        if (e.seconds.is_some() || e.kbytes.is_some())
            && let Some(mut p) = cfg.ipsec_proposals.get(name).cloned()
        {
            if let Some(s) = e.seconds {
                p.lifetime_seconds = s;
            }
            if let Some(k) = e.kbytes {
                p.lifetime_kbytes = k;
            }
            use_name = format!("{name}@{tname}");
            cfg.ipsec_proposals.insert(use_name.clone(), p);
        }
        pol.proposals.insert((i as u32 + 1) * 10, use_name);
    }
    let name = format!("{tname}-ipsec");
    cfg.ipsec_policies.insert(name.clone(), pol);
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asa::doc::Node;

    fn doc(text: &str) -> AsaDoc {
        // A small parser for the tests: indentation nests one level.
        let mut d = AsaDoc::default();
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(c) = l.strip_prefix(' ') {
                if let Some(last) = d.root.last_mut() {
                    last.children.push(Node { text: c.trim().to_string(), ..Default::default() });
                }
            } else {
                d.root.push(Node { text: l.to_string(), ..Default::default() });
            }
        }
        d
    }

    const L2L: &str = "interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 203.0.113.1 255.255.255.0
object network LOCAL
 subnet 10.1.0.0 255.255.255.0
object-group network REMOTE
 network-object 10.2.0.0 255.255.255.0
 network-object host 10.3.0.1
access-list VPN extended permit ip object LOCAL object-group REMOTE
crypto ipsec ikev1 transform-set TS esp-aes-256 esp-sha-hmac
crypto map outside_map 10 match address VPN
crypto map outside_map 10 set peer 198.51.100.2
crypto map outside_map 10 set ikev1 transform-set TS
crypto map outside_map 10 set pfs group14
crypto map outside_map 10 set security-association lifetime seconds 3600
crypto map outside_map interface outside
crypto ikev1 enable outside
crypto ikev1 policy 10
 authentication pre-share
 encryption aes-256
 hash sha
 group 14
tunnel-group 198.51.100.2 type ipsec-l2l
tunnel-group 198.51.100.2 ipsec-attributes
 ikev1 pre-shared-key s3cret
";

    #[test]
    fn a_crypto_map_entry_is_a_static_tunnel() {
        let c = compile(&doc(L2L));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let t = &c.config.tunnels["outside_map-10"];
        assert_eq!(t.remote, Some("198.51.100.2".parse().unwrap()));
        assert_eq!(t.local, Some("203.0.113.1".parse().unwrap()));
        assert!(t.on_traffic);
        let ike = &c.config.contexts["local"].ike_policies["outside_map-10-ike"];
        assert_eq!(ike.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("s3cret".into()))));
        assert_eq!(ike.proposals.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), ["ikev1-10"]);
        let p = &c.config.ike_proposals["ikev1-10"];
        assert_eq!(
            (p.encryption, p.auth_alg, p.dh_group, p.auth_method, p.lifetime),
            (IkeEncr::Aes256Cbc, IkeAuthAlg::HmacSha1_96, 14, AuthMethod::PreSharedKey, 86_400)
        );
        let pol = &c.config.ipsec_policies["outside_map-10-ipsec"];
        assert_eq!(pol.pfs_group, Some(14));
        let ts = &c.config.ipsec_proposals[pol.proposals.iter().next().unwrap().1];
        assert_eq!(
            (ts.esp_encr, ts.esp_auth, ts.lifetime_seconds, ts.lifetime_kbytes),
            (Some(EspEncr::Aes256Cbc), Some(EspAuth::HmacSha1_96), 3600, Some(DEFAULT_SA_KBYTES))
        );
        // The object-group's two members: two selectors.
        let acl = &c.config.contexts["local"].ipsec_acls["VPN"];
        assert_eq!(acl.rules.len(), 2);
        assert_eq!(
            acl.rules.iter().map(|(_, r)| r.dst.clone().unwrap().to_string()).collect::<Vec<_>>(),
            ["10.2.0.0/24", "10.3.0.1/32"]
        );
    }

    /// Host names (`name A NAME`) stand for their addresses in access lists
    /// and network object-groups (a real ASA 9.1 configuration uses them).
    #[test]
    fn host_names_stand_for_their_addresses() {
        let text = L2L
            .replace(" network-object host 10.3.0.1", " network-object host FAR\n network-object LAB 255.255.255.0")
            .replace("access-list VPN extended permit ip object LOCAL object-group REMOTE", "access-list VPN extended permit ip object LOCAL object-group REMOTE\naccess-list VPN extended permit ip host NEAR FAR 255.255.255.255");
        let c = compile(&doc(&format!(
            "name 10.3.0.1 FAR description the far host\nname 10.4.0.0 LAB\nname 10.1.0.9 NEAR\n{text}"
        )));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let acl = &c.config.contexts["local"].ipsec_acls["VPN"];
        assert_eq!(
            acl.rules.iter().map(|(_, r)| format!("{} {}", r.src, r.dst.clone().unwrap())).collect::<Vec<_>>(),
            [
                "10.1.0.0/24 10.2.0.0/24",
                "10.1.0.0/24 10.3.0.1/32",
                "10.1.0.0/24 10.4.0.0/24",
                "10.1.0.9/32 10.3.0.1/32"
            ]
        );
    }

    /// DPD is on as the ASA's L2L default; `isakmp keepalive disable` turns
    /// it off (for every peer), a threshold other than the engine's is noted.
    #[test]
    fn dead_peer_detection_is_on_unless_a_tunnel_group_disables_it() {
        let c = compile(&doc(L2L));
        assert!(c.config.contexts["local"].ike_keepalive);
        let on = compile(&doc(&format!("{L2L} isakmp keepalive threshold 10 retry 2\n")));
        assert!(on.config.contexts["local"].ike_keepalive && on.notes.is_empty(), "{:?}", on.notes);
        let other = compile(&doc(&format!("{L2L} isakmp keepalive threshold 30 retry 5\n")));
        assert!(other.config.contexts["local"].ike_keepalive);
        assert_eq!(
            other.notes,
            [
                "tunnel-group 198.51.100.2: isakmp keepalive threshold 30 retry 5: dead peer detection runs at threshold 10 retry 2"
            ]
        );
        let off = compile(&doc(&format!("{L2L} isakmp keepalive disable\n")));
        assert!(!off.config.contexts["local"].ike_keepalive);
        assert_eq!(
            off.notes,
            ["tunnel-group 198.51.100.2: isakmp keepalive disable: dead peer detection is off for every peer"]
        );
    }

    #[test]
    fn without_ike_enabled_or_key_it_says_why() {
        let c = compile(&doc(&L2L.replace("crypto ikev1 enable outside\n", "")));
        assert!(c.config.tunnels.is_empty());
        assert!(c.notes.iter().any(|n| n.contains("IKE is not enabled on outside")), "{:?}", c.notes);
        let c = compile(&doc(&L2L.replace(" ikev1 pre-shared-key s3cret\n", "")));
        assert!(c.notes.iter().any(|n| n.contains("no pre-shared key for 198.51.100.2")), "{:?}", c.notes);
        // DefaultL2LGroup answers for peers without their own tunnel-group.
        let c = compile(&doc(&L2L.replace("tunnel-group 198.51.100.2", "tunnel-group DefaultL2LGroup")));
        let ike = &c.config.contexts["local"].ike_policies["outside_map-10-ike"];
        assert_eq!(ike.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("s3cret".into()))));
    }

    #[test]
    fn ikev2_entries_take_the_ikev2_policies_and_proposals() {
        let text = L2L.to_string()
            + "crypto ikev2 enable outside
crypto ikev2 policy 1
 encryption aes-256
 integrity sha256
 group 14
 prf sha256
crypto ipsec ikev2 ipsec-proposal P2
 protocol esp encryption aes-256 aes-gcm-256
 protocol esp integrity sha-256
crypto map outside_map 10 set ikev2 ipsec-proposal P2
tunnel-group 198.51.100.2 ipsec-attributes
 ikev2 local-authentication pre-shared-key l0cal
 ikev2 remote-authentication pre-shared-key l0cal
";
        let mut d = doc(&text);
        // The second `tunnel-group ... ipsec-attributes` block is the first one on the box.
        let extra = d.root.pop().unwrap();
        let first = d.root.iter_mut().find(|n| n.text == extra.text).unwrap();
        first.children.extend(extra.children);
        let c = compile(&d);
        assert!(c.notes.iter().any(|n| n.contains("both IKEv1 and IKEv2")), "{:?}", c.notes);
        let ike = &c.config.contexts["local"].ike_policies["outside_map-10-ike"];
        assert_eq!(ike.version, IkeVersion::V2);
        assert_eq!(ike.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("l0cal".into()))));
        let p = &c.config.ike_proposals["ikev2-1-1"];
        assert_eq!(
            (p.encryption, p.auth_alg, p.dh_group, p.prf),
            (IkeEncr::Aes256Cbc, IkeAuthAlg::HmacSha256, 14, Prf::HmacSha256)
        );
        let pol = &c.config.ipsec_policies["outside_map-10-ipsec"];
        let props: Vec<&IpsecProposal> = pol.proposals.iter().map(|(_, n)| &c.config.ipsec_proposals[n]).collect();
        assert_eq!(
            props.iter().map(|p| (p.esp_encr, p.esp_auth)).collect::<Vec<_>>(),
            [(Some(EspEncr::Aes256Cbc), Some(EspAuth::HmacSha256_128)), (Some(EspEncr::Aes256Gcm), None)]
        );
    }

    #[test]
    fn an_ikev2_dynamic_entry_answers_tunnel_groups_named_by_identity() {
        let text = "interface GigabitEthernet0/0
 nameif outside
 ip address 203.0.113.1 255.255.255.0
access-list DYN extended permit ip 10.1.0.0 255.255.255.0 any4
crypto ikev2 policy 1
 encryption aes
 integrity sha
 group 14
crypto ipsec ikev2 ipsec-proposal P2
 protocol esp encryption aes
 protocol esp integrity sha-1
crypto dynamic-map DYN 10 match address DYN
crypto dynamic-map DYN 10 set ikev2 ipsec-proposal P2
crypto map outside_map 65535 ipsec-isakmp dynamic DYN
crypto map outside_map interface outside
crypto ikev2 enable outside
tunnel-group DefaultL2LGroup ipsec-attributes
 ikev2 local-authentication pre-shared-key default-key
 ikev2 remote-authentication pre-shared-key default-key
tunnel-group branch.example.com type ipsec-l2l
tunnel-group branch.example.com ipsec-attributes
 ikev2 local-authentication pre-shared-key branch-key
 ikev2 remote-authentication pre-shared-key branch-key
tunnel-group nokey.example.com type ipsec-l2l
";
        let c = compile(&doc(text));
        assert_eq!(c.notes, ["tunnel-group nokey.example.com: no ikev2 pre-shared-key: not used"]);
        let names: Vec<&str> = c.config.tunnels.keys().map(String::as_str).collect();
        assert_eq!(names, ["outside_map-65535", "outside_map-65535@branch.example.com"]);
        let t = &c.config.tunnels["outside_map-65535@branch.example.com"];
        assert_eq!(
            (t.remote_id.clone(), t.description.as_deref(), t.kind),
            (Some(Identity::Fqdn("branch.example.com".into())), Some("branch.example.com"), TunnelKind::OnDemand)
        );
        let ike = &c.config.contexts["local"].ike_policies["outside_map-65535@branch.example.com-ike"];
        assert_eq!(
            (ike.version, ike.pre_shared_key.clone()),
            (IkeVersion::V2, Some(PreSharedKey::Key(Key::Ascii("branch-key".into()))))
        );
        let d = &c.config.tunnels["outside_map-65535"];
        assert_eq!((d.remote_id.clone(), d.description.as_deref()), (Some(Identity::Any), Some("DefaultL2LGroup")));
        let ike = &c.config.contexts["local"].ike_policies["outside_map-65535-ike"];
        assert_eq!(ike.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("default-key".into()))));
    }

    /// The VTI tests' configuration (AWS's ASA 9.7 template).
    const VTI_TEXT: &str = "interface GigabitEthernet0/0
 nameif outside
 ip address 203.0.113.2 255.255.255.0
crypto ikev1 enable outside
crypto ikev1 policy 200
 encryption aes
 authentication pre-share
 group 2
 lifetime 28800
 hash sha
crypto ipsec ikev1 transform-set ipsec-prop-vpn-12345678-0 esp-aes esp-sha-hmac
crypto ipsec profile ipsec-vpn-12345678-0
 set pfs group2
 set security-association lifetime seconds 3600
 set ikev1 transform-set ipsec-prop-vpn-12345678-0
tunnel-group 13.54.43.86 type ipsec-l2l
tunnel-group 13.54.43.86 ipsec-attributes
 ikev1 pre-shared-key pre-shared-key
interface Tunnel1
 nameif Tunnel-int-vpn-12345678-0
 ip address 169.254.33.198 255.255.255.252
 tunnel source interface outside
 tunnel destination 13.54.43.86
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile ipsec-vpn-12345678-0
interface Tunnel2
 nameif t2
 tunnel source interface outside
 tunnel destination 52.65.137.78
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile missing
";

    /// AWS's ASA 9.7 template (`golden/configs/asa-public/aws-asa-9.7-vti-bgp.cfg`):
    /// each tunnel interface a route-based static tunnel to its destination,
    /// with the IPsec profile's transform set, PFS and lifetime, the
    /// tunnel-group's key, bound to the tunnel's nameif, selectors any/any.
    /// `responder-only` in the profile makes it a responder only.
    #[test]
    fn a_virtual_tunnel_interface_is_a_route_based_tunnel() {
        let d = doc(VTI_TEXT);
        let c = compile(&d);
        let t = &c.config.tunnels["Tunnel1"];
        assert_eq!(
            (t.kind, t.local, t.remote),
            (TunnelKind::Static, Some("203.0.113.2".parse().unwrap()), Some("13.54.43.86".parse().unwrap()))
        );
        assert_eq!(t.bind_interface, Some(("Tunnel-int-vpn-12345678-0".into(), None)));
        assert_eq!(t.description.as_deref(), Some("13.54.43.86"));
        let Some(TunnelEntry::Policy(pe)) = t.entries.get(&10) else { panic!("no policy entry") };
        assert_eq!(pe.access_group, None);
        let pol = &c.config.ipsec_policies[&pe.policy];
        assert_eq!(pol.pfs_group, Some(2));
        let prop = &c.config.ipsec_proposals[&pol.proposals[&10]];
        assert_eq!(prop.lifetime_seconds, 3600);
        let ike = &c.config.contexts["local"].ike_policies["Tunnel1-ike"];
        assert_eq!(ike.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("pre-shared-key".into()))));
        assert_eq!(ike.connection_type, ConnectionType::Both);
        // `responder-only` in the IPsec profile: the tunnel never initiates.
        let text = VTI_TEXT.replace(" set pfs group2\n", " set pfs group2\n responder-only\n");
        let c = compile(&doc(&text));
        assert_eq!(
            c.config.contexts["local"].ike_policies["Tunnel1-ike"].connection_type,
            ConnectionType::ResponderOnly
        );
        assert_eq!(ike.proposals.values().collect::<Vec<_>>(), ["ikev1-200"]);
        assert!(!c.config.tunnels.contains_key("Tunnel2"));
        assert_eq!(c.notes, ["interface Tunnel2 (t2): ipsec profile missing does not exist: no tunnel"]);
        // The compiled model passes the engine's whole-configuration checks.
        let errors: Vec<_> = edgesh_engine::validate::validate(&c.config)
            .into_iter()
            .filter(|p| p.severity == edgesh_engine::validate::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}
