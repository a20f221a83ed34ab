//! IOS IKEv2 (`crypto ikev2 proposal|policy|keyring|profile`) compiled into
//! the engine model's IKEv2 proposals and policies, the way the SmartEdge
//! dialect holds an `ike2` proposal and policy (`docs/dialects.md`).
//!
//! IOS's own defaults (IOS 15 "smart defaults") apply where nothing is
//! configured: the `default` proposal (AES-CBC-256/192/128,
//! SHA512/384/256/SHA1/MD5, PRF as the integrity, DH groups 5 and 2), the
//! `default` policy (that proposal, any local address, the global table),
//! identity local address, lifetime 86,400 seconds.

use super::Node;
use super::names::{interface_name, mask_len, words};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// `crypto ikev2 proposal`: lists of algorithms; any combination is acceptable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct V2Proposal {
    pub enc: Vec<IkeEncr>,
    pub integ: Vec<IkeAuthAlg>,
    /// Empty: the PRF of each integrity algorithm (IOS's rule).
    pub prf: Vec<Prf>,
    pub groups: Vec<u16>,
}

impl V2Proposal {
    /// IOS's `default` proposal (`show crypto ikev2 proposal default` on IOS 15).
    pub fn ios_default() -> Self {
        V2Proposal {
            enc: vec![IkeEncr::Aes256Cbc, IkeEncr::Aes192Cbc, IkeEncr::Aes128Cbc],
            integ: vec![
                IkeAuthAlg::HmacSha512,
                IkeAuthAlg::HmacSha384,
                IkeAuthAlg::HmacSha256,
                IkeAuthAlg::HmacSha1_96,
                IkeAuthAlg::HmacMd5_96,
            ],
            prf: Vec::new(),
            groups: vec![5, 2],
        }
    }

    /// Every combination, in IOS's order of preference (encryption, then
    /// integrity, then PRF, then group), as single-valued engine proposals.
    /// An AEAD cipher (`aes-gcm-128|256`, RFC 5282) has no integrity: it
    /// combines with each configured `prf` only (none configured: no
    /// combination, as the proposal is incomplete for it).
    pub fn combinations(&self) -> Vec<IkeProposal> {
        let mut v = Vec::new();
        for e in &self.enc {
            if e.is_aead() {
                for prf in &self.prf {
                    for g in &self.groups {
                        let mut p = IkeProposal::new(IkeVersion::V2);
                        p.encryption = *e;
                        p.prf = *prf;
                        p.dh_group = *g;
                        v.push(p);
                    }
                }
                continue;
            }
            for i in &self.integ {
                let prfs = if self.prf.is_empty() { vec![prf_of(*i)] } else { self.prf.clone() };
                for prf in prfs {
                    for g in &self.groups {
                        let mut p = IkeProposal::new(IkeVersion::V2);
                        p.encryption = *e;
                        p.auth_alg = *i;
                        p.prf = prf;
                        p.dh_group = *g;
                        v.push(p);
                    }
                }
            }
        }
        v
    }
}

/// The PRF IOS uses with an integrity algorithm when no `prf` is configured.
pub(crate) fn prf_of(i: IkeAuthAlg) -> Prf {
    match i {
        IkeAuthAlg::HmacMd5_96 => Prf::HmacMd5,
        IkeAuthAlg::HmacSha1_96 => Prf::HmacSha1,
        IkeAuthAlg::HmacSha256 => Prf::HmacSha256,
        IkeAuthAlg::HmacSha384 => Prf::HmacSha384,
        IkeAuthAlg::HmacSha512 => Prf::HmacSha512,
    }
}

/// `crypto ikev2 policy`.
#[derive(Clone, Debug, Default)]
struct V2Policy {
    name: String,
    proposals: Vec<String>,
    /// `match address local A` / `match address local interface I`.
    local: Vec<String>,
    /// `match fvrf NAME|any`; none: the global table only.
    fvrf: Option<String>,
}

/// A `peer` of a `crypto ikev2 keyring`.
#[derive(Clone, Debug, Default)]
struct V2Peer {
    addr: Option<Prefix4>,
    local_key: Option<String>,
    remote_key: Option<String>,
}

/// `match identity remote ...` of a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RemoteId {
    Addr(Prefix4),
    /// (name, `domain`: any name in that domain)
    Fqdn(String, bool),
    Email(String, bool),
    Any,
}

/// `crypto ikev2 profile`.
#[derive(Clone, Debug, Default)]
pub struct V2Profile {
    remote: Vec<RemoteId>,
    identity_local: Option<Identity>,
    /// (method, the profile's own key)
    auth_local: Option<(AuthMethod, Option<String>)>,
    auth_remote: Option<(AuthMethod, Option<String>)>,
    keyring: Option<String>,
    lifetime: Option<u32>,
    dpd: bool,
    /// `nat force-encap`: ESP in UDP even without a NAT.
    force_encap: bool,
    /// `match fvrf NAME|any`; none: the global table only.
    pub fvrf: Option<String>,
    /// `match address local ...`
    local: Vec<String>,
    /// `match certificate MAP` (the certificate maps are attached with the
    /// PKI material: `super::pki::attach`).
    cert_maps: Vec<String>,
}

/// Everything `crypto ikev2` of a document.
#[derive(Debug, Default)]
pub struct Ikev2 {
    proposals: BTreeMap<String, V2Proposal>,
    policies: Vec<V2Policy>,
    keyrings: BTreeMap<String, Vec<V2Peer>>,
    pub profiles: BTreeMap<String, V2Profile>,
}

/// Why a type 6 key is not used, IKEv1 or IKEv2 (`6 CIPHERTEXT`: encrypted with
/// the master key of `key config-key password-encrypt`, by an algorithm Cisco
/// does not publish).
pub const TYPE6: &str = "a type 6 (encrypted) key is not used (edgesh cannot decrypt type 6 keys)";

/// `[local|remote] [0|6] KEY` of `pre-shared-key` and `authentication ... pre-share key`.
fn key_words(w: &[&str], what: &str, notes: &mut Vec<String>) -> Option<String> {
    match w {
        ["6", _] => {
            notes.push(format!("{what}: {TYPE6}"));
            None
        }
        ["0", k] | [k] => Some(k.to_string()),
        _ => None,
    }
}

fn strip_interface(w: &[&str]) -> Option<String> {
    match w {
        ["interface", i] => Some(interface_name(i)),
        [a] => Some(a.to_string()),
        _ => None,
    }
}

impl Ikev2 {
    /// A `crypto ikev2 proposal` read from the document.
    pub fn proposal(&self, name: &str) -> Option<&V2Proposal> {
        self.proposals.get(name)
    }

    /// Read one top-level `crypto ikev2 ...` block.
    pub fn read(&mut self, n: &Node, notes: &mut Vec<String>) {
        let unsupported = |c: &Node, notes: &mut Vec<String>| {
            notes.push(format!("{}: `{}` is not supported by the engine", n.text, c.text))
        };
        match words(&n.text).as_slice() {
            ["crypto", "ikev2", "proposal", name] => {
                let mut p = V2Proposal::default();
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["encryption", algs @ ..] => {
                            p.enc.clear();
                            for a in algs {
                                match *a {
                                    "des" => p.enc.push(IkeEncr::DesCbc),
                                    "3des" => p.enc.push(IkeEncr::TripleDesCbc),
                                    "aes-cbc-128" => p.enc.push(IkeEncr::Aes128Cbc),
                                    "aes-cbc-192" => p.enc.push(IkeEncr::Aes192Cbc),
                                    "aes-cbc-256" => p.enc.push(IkeEncr::Aes256Cbc),
                                    "aes-gcm-128" => p.enc.push(IkeEncr::Aes128Gcm16),
                                    "aes-gcm-256" => p.enc.push(IkeEncr::Aes256Gcm16),
                                    other => notes
                                        .push(format!("{}: encryption {other} is not supported by the engine", n.text)),
                                }
                            }
                        }
                        ["integrity", algs @ ..] => {
                            p.integ = algs
                                .iter()
                                .filter_map(|a| match *a {
                                    "md5" => Some(IkeAuthAlg::HmacMd5_96),
                                    "sha1" => Some(IkeAuthAlg::HmacSha1_96),
                                    "sha256" => Some(IkeAuthAlg::HmacSha256),
                                    "sha384" => Some(IkeAuthAlg::HmacSha384),
                                    "sha512" => Some(IkeAuthAlg::HmacSha512),
                                    _ => None,
                                })
                                .collect();
                        }
                        ["prf", algs @ ..] => {
                            p.prf = algs
                                .iter()
                                .filter_map(|a| match *a {
                                    "md5" => Some(Prf::HmacMd5),
                                    "sha1" => Some(Prf::HmacSha1),
                                    "sha256" => Some(Prf::HmacSha256),
                                    "sha384" => Some(Prf::HmacSha384),
                                    "sha512" => Some(Prf::HmacSha512),
                                    _ => None,
                                })
                                .collect();
                        }
                        ["group", gs @ ..] => p.groups = gs.iter().filter_map(|g| g.parse().ok()).collect(),
                        _ => unsupported(c, notes),
                    }
                }
                self.proposals.insert(name.to_string(), p);
            }
            ["crypto", "ikev2", "policy", name] => {
                let mut p = V2Policy { name: name.to_string(), ..Default::default() };
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["proposal", x] => p.proposals.push(x.to_string()),
                        ["match", "address", "local", rest @ ..] => p.local.extend(strip_interface(rest)),
                        ["match", "fvrf", v] => p.fvrf = Some(v.to_string()),
                        _ => unsupported(c, notes),
                    }
                }
                self.policies.retain(|x| x.name != p.name);
                self.policies.push(p);
            }
            ["crypto", "ikev2", "keyring", name] => {
                let mut peers = Vec::new();
                for peer in &n.children {
                    let ["peer", pname] = words(&peer.text)[..] else {
                        unsupported(peer, notes);
                        continue;
                    };
                    let what = format!("crypto ikev2 keyring {name} peer {pname}");
                    let mut p = V2Peer::default();
                    for c in &peer.children {
                        match words(&c.text).as_slice() {
                            ["address", a] => p.addr = a.parse().ok().map(|addr| Prefix4 { addr, len: 32 }),
                            ["address", a, m] => {
                                p.addr = a
                                    .parse()
                                    .ok()
                                    .zip(m.parse().ok().and_then(mask_len))
                                    .map(|(addr, len)| Prefix4 { addr, len })
                            }
                            ["pre-shared-key", "local", k @ ..] => p.local_key = key_words(k, &what, notes),
                            ["pre-shared-key", "remote", k @ ..] => p.remote_key = key_words(k, &what, notes),
                            ["pre-shared-key", k @ ..] => {
                                p.local_key = key_words(k, &what, notes);
                                p.remote_key = p.local_key.clone();
                            }
                            // The peer's identity finds a key for a responder by identity; a tunnel's peer is an address.
                            ["identity", ..] | ["description", ..] => {}
                            _ => notes.push(format!("{what}: `{}` is not supported by the engine", c.text)),
                        }
                    }
                    peers.push(p);
                }
                self.keyrings.insert(name.to_string(), peers);
            }
            ["crypto", "ikev2", "profile", name] => {
                let what = format!("crypto ikev2 profile {name}");
                let mut p = V2Profile::default();
                for c in &n.children {
                    match words(&c.text).as_slice() {
                        ["match", "identity", "remote", "address", a, rest @ ..] => {
                            let len = rest.first().and_then(|m| m.parse().ok()).and_then(mask_len).unwrap_or(32);
                            if let Ok(addr) = a.parse() {
                                p.remote.push(RemoteId::Addr(Prefix4 { addr, len }));
                            }
                        }
                        ["match", "identity", "remote", "fqdn", "domain", x] => {
                            p.remote.push(RemoteId::Fqdn(x.to_string(), true))
                        }
                        ["match", "identity", "remote", "fqdn", x] => {
                            p.remote.push(RemoteId::Fqdn(x.to_string(), false))
                        }
                        ["match", "identity", "remote", "email", "domain", x] => {
                            p.remote.push(RemoteId::Email(x.to_string(), true))
                        }
                        ["match", "identity", "remote", "email", x] => {
                            p.remote.push(RemoteId::Email(x.to_string(), false))
                        }
                        ["match", "identity", "remote", "any"] => p.remote.push(RemoteId::Any),
                        ["match", "certificate", m] => p.cert_maps.push(m.to_string()),
                        // This side's certificate subject: set with the certificate (`super::pki::attach`).
                        ["identity", "local", "dn"] => {}
                        ["match", "fvrf", v] => p.fvrf = Some(v.to_string()),
                        ["match", "address", "local", rest @ ..] => p.local.extend(strip_interface(rest)),
                        ["identity", "local", "address", a] => p.identity_local = a.parse().ok().map(Identity::Ipv4),
                        ["identity", "local", "fqdn", x] => p.identity_local = Some(Identity::Fqdn(x.to_string())),
                        ["identity", "local", "email", x] => p.identity_local = Some(Identity::UserFqdn(x.to_string())),
                        ["authentication", side @ ("local" | "remote"), method, rest @ ..] => {
                            let m = match *method {
                                "pre-share" => AuthMethod::PreSharedKey,
                                _ => AuthMethod::RsaSignature,
                            };
                            let key = match rest {
                                ["key", k @ ..] => key_words(k, &what, notes),
                                _ => None,
                            };
                            if *side == "local" {
                                p.auth_local = Some((m, key));
                            } else {
                                p.auth_remote = Some((m, key));
                            }
                        }
                        ["keyring", "local", k] => p.keyring = Some(k.to_string()),
                        ["lifetime", s] => p.lifetime = s.parse().ok(),
                        ["dpd", ..] => p.dpd = true,
                        ["nat", "force-encap"] => p.force_encap = true,
                        _ => unsupported(c, notes),
                    }
                }
                self.profiles.insert(name.to_string(), p);
            }
            _ => {}
        }
    }

    /// The engine proposals of IOS proposal `name` (`default`: the user's,
    /// else IOS's), added to the model; empty if it does not exist or is incomplete.
    fn expand(&self, cfg: &mut Config, notes: &mut Vec<String>, name: &str) -> Vec<String> {
        let p = match (self.proposals.get(name), name) {
            (Some(p), _) => p.clone(),
            (None, "default") => V2Proposal::ios_default(),
            (None, _) => {
                notes.push(format!("crypto ikev2 proposal {name} does not exist"));
                return Vec::new();
            }
        };
        if p.enc.is_empty() || p.groups.is_empty() || (p.enc.iter().any(|e| !e.is_aead()) && p.integ.is_empty()) {
            notes.push(format!(
                "crypto ikev2 proposal {name} is incomplete (it needs encryption, integrity and group): not used"
            ));
            return Vec::new();
        }
        if p.enc.iter().any(|e| e.is_aead()) && p.prf.is_empty() {
            notes.push(format!("crypto ikev2 proposal {name} is incomplete (AES-GCM needs a prf): not used"));
            return Vec::new();
        }
        let all = p.combinations();
        let one = all.len() == 1;
        all.into_iter()
            .enumerate()
            .map(|(i, prop)| {
                let n = if one { format!("ikev2-{name}") } else { format!("ikev2-{name}-{}", i + 1) };
                cfg.ike_proposals.insert(n.clone(), prop);
                n
            })
            .collect()
    }

    /// The IKEv2 policy IOS uses for an SA from `local` in front-door VRF
    /// `fvrf`: the best matching user policy (local address and fvrf, then
    /// local address, then a named fvrf, then the first), else `default`.
    fn policy_for(
        &self,
        local: Option<Ipv4Addr>,
        fvrf: &str,
        if_addr: &BTreeMap<String, Ipv4Addr>,
    ) -> Option<&V2Policy> {
        let resolve = |x: &String| x.parse::<Ipv4Addr>().ok().or_else(|| if_addr.get(x).copied());
        self.policies
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let fv = match p.fvrf.as_deref() {
                    None => fvrf == "local",
                    Some("any") => true,
                    Some(v) => v == fvrf,
                };
                let la = !p.local.is_empty();
                if !fv || (la && !p.local.iter().any(|x| resolve(x).is_some() && resolve(x) == local)) {
                    return None;
                }
                let named = p.fvrf.as_deref().is_some_and(|v| v != "any");
                Some(((la as u8) * 2 + named as u8, std::cmp::Reverse(i), p))
            })
            .max_by_key(|(score, i, _)| (*score, *i))
            .map(|(_, _, p)| p)
    }

    /// The engine's IKEv2 policy for a tunnel to `peer` (a crypto map entry
    /// or VTI, `what` in notes) that names profile `name`, and the identity the
    /// peer must present. Adds its proposals to the model.
    #[allow(clippy::too_many_arguments)]
    pub fn policy(
        &self,
        cfg: &mut Config,
        notes: &mut Vec<String>,
        what: &str,
        name: &str,
        peer: Ipv4Addr,
        local: Option<Ipv4Addr>,
        fvrf: &str,
        if_addr: &BTreeMap<String, Ipv4Addr>,
    ) -> (IkePolicy, Identity) {
        let mut pol = IkePolicy::new(IkeVersion::V2);
        // Proposals: those of the IKEv2 policy that applies.
        let (pname, props) = match self.policy_for(local, fvrf, if_addr) {
            Some(p) => (p.name.clone(), p.proposals.clone()),
            None => ("default".to_string(), vec!["default".to_string()]),
        };
        if props.is_empty() {
            notes.push(format!("crypto ikev2 policy {pname} has no proposal"));
        }
        let names: Vec<String> = props.iter().flat_map(|p| self.expand(cfg, notes, p)).collect();
        if names.len() > MAX_POLICY_PROPOSALS {
            notes.push(format!(
                "{what}: ikev2 policy {pname} gives {} algorithm combinations, an engine policy holds {MAX_POLICY_PROPOSALS}: the first {MAX_POLICY_PROPOSALS} are used",
                names.len()
            ));
        }
        for (i, n) in names.into_iter().take(MAX_POLICY_PROPOSALS).enumerate() {
            pol.proposals.insert(i as u32 + 1, n);
        }
        let Some(p) = self.profiles.get(name) else {
            notes.push(format!("{what}: ikev2 profile {name} does not exist"));
            pol.identity_local = local.map(Identity::Ipv4);
            pol.identity_remote = Some(Identity::Ipv4(peer));
            return (pol, Identity::Ipv4(peer));
        };
        let prof = format!("ikev2 profile {name}");
        let fvrf_ok = match p.fvrf.as_deref() {
            None => fvrf == "local",
            Some("any") => true,
            Some(v) => v == fvrf,
        };
        if !fvrf_ok {
            let theirs = p.fvrf.as_deref().map(|v| format!("VRF {v}")).unwrap_or_else(|| "the global table".into());
            let ours = if fvrf == "local" { "the global table".to_string() } else { format!("VRF {fvrf}") };
            notes.push(format!("{what}: {prof} matches front-door {theirs}, the tunnel's front door is {ours}"));
        }
        if !p.local.is_empty() {
            let resolve = |x: &String| x.parse::<Ipv4Addr>().ok().or_else(|| if_addr.get(x).copied());
            if !p.local.iter().any(|x| resolve(x).is_some() && resolve(x) == local) {
                notes.push(format!("{what}: {prof} matches other local addresses than the tunnel's"));
            }
        }
        pol.identity_local = p.identity_local.clone().or(local.map(Identity::Ipv4));
        // Of several `match identity remote` lines, the one the peer's
        // address matches (IOS matches the profile on any of them; the
        // peer's identity is its address by default), else the first.
        let peer_match = p.remote.iter().find(|r| matches!(r, RemoteId::Addr(a) if a.contains(peer)));
        let remote_id = match peer_match.or(p.remote.first()) {
            // Peers admitted by their certificates only (`match certificate`).
            None if !p.cert_maps.is_empty() => Identity::Any,
            None => {
                notes.push(format!(
                    "{what}: {prof} has no match identity remote (IOS needs one): the peer's address is expected"
                ));
                Identity::Ipv4(peer)
            }
            Some(RemoteId::Addr(a)) if a.len == 32 => Identity::Ipv4(a.addr),
            Some(RemoteId::Addr(a)) => {
                if !a.contains(peer) {
                    notes.push(format!("{what}: {prof} matches remote addresses {a}, the peer {peer} is not one"));
                }
                Identity::Ipv4(peer)
            }
            Some(RemoteId::Fqdn(x, false)) => Identity::Fqdn(x.clone()),
            Some(RemoteId::Email(x, false)) => Identity::UserFqdn(x.clone()),
            // `fqdn domain D`: any FQDN under D; `email domain D`: any address at D
            // (the engine's `*` suffix patterns).
            Some(RemoteId::Fqdn(x, true)) => Identity::Fqdn(format!("*.{}", x.trim_start_matches('.'))),
            Some(RemoteId::Email(x, true)) => Identity::UserFqdn(format!("*@{}", x.trim_start_matches('@'))),
            Some(RemoteId::Any) => Identity::Any,
        };
        if p.remote.len() > 1 && peer_match.is_none() {
            notes.push(format!(
                "{what}: {prof} matches {} remote identities, the engine policy holds one: the first ({remote_id})",
                p.remote.len()
            ));
        }
        pol.identity_remote = Some(remote_id.clone());
        // Authentication: IOS needs both sides; the model holds one method.
        let (lm, lk) = p.auth_local.clone().unwrap_or((AuthMethod::PreSharedKey, None));
        let (rm, rk) = p.auth_remote.clone().unwrap_or((AuthMethod::PreSharedKey, None));
        if p.auth_local.is_none() || p.auth_remote.is_none() {
            notes.push(format!(
                "{what}: {prof} needs authentication local and remote (IOS rejects it without): pre-share assumed"
            ));
        }
        if lm != rm {
            notes.push(format!(
                "{what}: {prof} authenticates with {} locally and {} remotely; the engine policy holds one method: {}",
                lm.word(),
                rm.word(),
                lm.word()
            ));
        }
        pol.authentication = lm;
        // The key: the profile's own (`authentication ... pre-share key`), else the
        // keyring's peer whose address matches the tunnel's peer (longest match).
        let ring_peer = p.keyring.as_ref().and_then(|k| match self.keyrings.get(k) {
            None => {
                notes.push(format!("{what}: {prof}: ikev2 keyring {k} does not exist"));
                None
            }
            Some(peers) => {
                peers.iter().filter(|x| x.addr.is_some_and(|a| a.contains(peer))).max_by_key(|x| x.addr.map(|a| a.len))
            }
        });
        let local_key = lk.or_else(|| ring_peer.and_then(|x| x.local_key.clone()));
        let remote_key = rk.or_else(|| ring_peer.and_then(|x| x.remote_key.clone()));
        if let (Some(l), Some(r)) = (&local_key, &remote_key)
            && l != r
        {
            notes.push(format!("{what}: {prof}: different local and remote pre-shared keys; the engine policy holds one key: the local one"));
        }
        if lm == AuthMethod::PreSharedKey || rm == AuthMethod::PreSharedKey {
            pol.pre_shared_key = local_key.or(remote_key).map(|k| PreSharedKey::Key(Key::Ascii(k)));
            if pol.pre_shared_key.is_none() {
                notes.push(format!("{what}: {prof}: no pre-shared key for peer {peer}"));
            }
        }
        pol.lifetime = p.lifetime.unwrap_or(super::defaults::IKEV2_SA_SECONDS);
        pol.nat_force_encap = p.force_encap;
        if p.dpd {
            cfg.contexts.entry(fvrf.to_string()).or_default().ike_keepalive = true;
        }
        (pol, remote_id)
    }
}
