//! The first pass over the IOS document: what each global line and block
//! says (keys, keyrings, profiles, VRFs, interfaces, ACLs, crypto map and
//! dynamic map entries, VTIs, IPsec profiles, static routes, IKEv2), gathered
//! before any tunnel is built. Lines that write the model directly (a
//! transform set, an interface address, an IKEv2 global) do so here.

use super::super::ikev2::{Ikev2, TYPE6};
use super::super::names::{interface_name, mask_len, words};
use super::super::{IosDoc, Node};
use super::LOCAL;
use super::acl::{acl_rule, expand_entry, object_groups};
use super::proposals::{isakmp_proposal, replay_setting, transform};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// `crypto isakmp profile`: what a crypto map entry that names it takes.
#[derive(Default)]
pub(super) struct IsakmpProfile {
    pub keyring: Option<String>,
    pub self_id: Option<Identity>,
    pub self_fqdn: bool,
    pub local_address: Option<String>,
    pub aggressive: bool,
    pub match_ids: Vec<Identity>,
    /// `match certificate MAP`: peers admitted by their certificates (the
    /// maps are attached with the PKI material, `crate::ios::pki::attach`).
    pub by_certificate: bool,
    /// `vrf IVRF`: the inside VRF.
    pub vrf: Option<String>,
    /// The front-door VRF named by `match identity address A [MASK] FVRF`.
    pub match_fvrf: Option<String>,
}

/// A VTI: `interface TunnelN` with `tunnel source`, `tunnel destination`,
/// `tunnel vrf` and `tunnel protection ipsec profile`.
#[derive(Clone, Default)]
pub(super) struct Vti {
    pub ifname: String,
    /// `tunnel mode` (empty: IOS's default, GRE).
    pub mode: String,
    pub source: Option<String>,
    pub destination: Option<Ipv4Addr>,
    pub tunnel_vrf: Option<String>,
    pub profile: Option<String>,
    /// `tunnel protection ipsec profile P ikev2-profile NAME`.
    pub ikev2_profile: Option<String>,
}

/// `crypto ipsec profile`.
#[derive(Clone, Default)]
pub(super) struct IpsecProfileIos {
    pub tsets: Vec<String>,
    pub pfs: Option<u16>,
    pub ikev2: Option<String>,
    /// `set security-association replay ...` (else the global window).
    pub replay: Option<u32>,
}

/// A pre-shared key as IOS configures it: (peer address, mask length, key,
/// keyring (None: `crypto isakmp key`), front-door VRF context).
pub(super) type KeyLine = (Ipv4Addr, u8, String, Option<String>, String);

/// What the first pass found.
pub(super) struct Gathered<'a> {
    pub aggressive_disabled: bool,
    /// Pre-shared keys by (front-door VRF context, peer address), from global keys and keyrings.
    pub keys: BTreeMap<(String, Ipv4Addr), String>,
    /// Every key, for longest-match lookups.
    pub all_keys: Vec<KeyLine>,
    pub keyring_local: BTreeMap<String, String>,
    pub keyring_vrf: BTreeMap<String, String>,
    pub profiles_isakmp: BTreeMap<String, IsakmpProfile>,
    pub identity_hostname: bool,
    pub keepalive: bool,
    pub domain: Option<String>,
    /// VRFs: defined ones, and those lines refer to.
    pub vrfs: BTreeSet<String>,
    pub vrf_refs: BTreeSet<String>,
    /// Each interface's VRF (`ip vrf forwarding` / `vrf forwarding`).
    pub if_vrf: BTreeMap<String, String>,
    /// Interfaces' primary addresses, and the interface each crypto map is applied to.
    pub if_addr: BTreeMap<String, Ipv4Addr>,
    /// The interfaces each crypto map is applied to, in configuration order.
    pub map_on: BTreeMap<String, Vec<String>>,
    /// `crypto map M local-address IF`.
    pub local_if: BTreeMap<String, String>,
    pub isakmp: Vec<(u32, IkeProposal)>,
    pub acls: BTreeMap<String, IpsecAcl>,
    pub entries: Vec<(String, u32, &'a Node)>,
    pub manual_entries: Vec<(String, u32, &'a Node)>,
    /// Dynamic maps: (map, seq, dynamic map) references and the dynamic map entries.
    pub dyn_refs: Vec<(String, u32, String)>,
    pub dmaps: BTreeMap<String, Vec<(u32, &'a Node)>>,
    pub vtis: Vec<Vti>,
    /// crypto ipsec profile: transform sets, PFS group, IKEv2 profile.
    pub profiles: BTreeMap<String, IpsecProfileIos>,
    /// Static routes: (VRF, route).
    pub routes: Vec<(Option<String>, Route)>,
    pub v2: Ikev2,
    /// Every address of an interface, secondaries too (a tunnel source may be one).
    pub if_owner: BTreeMap<Ipv4Addr, String>,
}

impl<'a> Gathered<'a> {
    /// Read every global line and block of `doc` once.
    pub fn read(doc: &'a IosDoc, cfg: &mut Config, notes: &mut Vec<String>) -> Self {
        // IOS answers aggressive mode unless told not to (Security Command Reference,
        // `crypto isakmp aggressive-mode disable`: "Cisco IOS software will attempt to
        // process all incoming ISAKMP aggressive mode security association (SA) connections").
        let mut aggressive_disabled = false;
        // Pre-shared keys by (front-door VRF context, peer address), from global keys and keyrings.
        let mut keys: BTreeMap<(String, Ipv4Addr), String> = BTreeMap::new();
        // Every key with its mask, keyring (None: `crypto isakmp key`) and front-door VRF context, for longest-match lookups.
        let mut all_keys: Vec<KeyLine> = Vec::new();
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
        let mut map_on: BTreeMap<String, Vec<String>> = BTreeMap::new();
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
                ["crypto", "isakmp", "policy", p] => isakmp.push((p.parse().unwrap_or(0), isakmp_proposal(n, notes))),
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
                    if let [k, "address", a, more @ ..] = rest.as_slice()
                        && let Ok(a) = a.parse()
                    {
                        keys.insert((LOCAL.into(), a), k.to_string());
                        let len = more.first().and_then(|m| m.parse().ok()).and_then(mask_len).unwrap_or(32);
                        all_keys.push((a, len, k.to_string(), None, LOCAL.into()));
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
                                if let (Ok(a), Some(k)) =
                                    (a.parse(), rest.iter().position(|x| *x == "key").and_then(key))
                                {
                                    keys.insert((fvrf.clone(), a), k.to_string());
                                    let len =
                                        rest.first().and_then(|m| m.parse().ok()).and_then(mask_len).unwrap_or(32);
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
                            ["match", "certificate", _] => p.by_certificate = true,
                            // An IPv6 identity: the engine's peers are IPv4 (no front-door VRF in it).
                            ["match", "identity", "address", "ipv6", ..] => notes.push(format!(
                                "crypto isakmp profile {name}: `{}`: the engine's peers are IPv4; the line is kept",
                                c.text
                            )),
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
                ["crypto", "ikev2", ..] => v2.read(n, notes),
                ["crypto", "ipsec", "transform-set", name, t @ ..] => {
                    let mut p = transform(t, notes, name);
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
                // A standard list (1-99, 1300-1999) filters by source only: no crypto selector, no note.
                ["access-list", num, ..]
                    if num.parse::<u32>().is_ok_and(|n| (1..=99).contains(&n) || (1300..=1999).contains(&n)) => {}
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
                                    v.iter()
                                        .map(|e| acl_rule(&e.iter().map(String::as_str).collect::<Vec<_>>()))
                                        .collect()
                                });
                                match all {
                                    Some(rules) => {
                                        for (k, r) in rules.into_iter().enumerate() {
                                            acl.rules.insert(seq + k as u32, r);
                                        }
                                    }
                                    None => notes.push(format!(
                                        "ip access-list {name}: `{}` cannot be an engine selector",
                                        c.text
                                    )),
                                }
                            }
                            Some((&"remark", _)) => {}
                            _ => {
                                notes.push(format!("ip access-list {name}: `{}` cannot be an engine selector", c.text))
                            }
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
                                map_on.entry(m.to_string()).or_default().push(name.to_string());
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

        Gathered {
            aggressive_disabled,
            keys,
            all_keys,
            keyring_local,
            keyring_vrf,
            profiles_isakmp,
            identity_hostname,
            keepalive,
            domain,
            vrfs,
            vrf_refs,
            if_vrf,
            if_addr,
            map_on,
            local_if,
            isakmp,
            acls,
            entries,
            manual_entries,
            dyn_refs,
            dmaps,
            vtis,
            profiles,
            routes,
            v2,
            if_owner,
        }
    }
}

impl Gathered<'_> {
    /// The interface whose address a crypto map's tunnels use: `crypto map M
    /// local-address IF`, else the first interface the map is applied to that
    /// has an address (IOS sources IKE from the egress interface; edgesh binds
    /// a tunnel to one), else the first it is applied to.
    pub fn map_if(&self, m: &str) -> Option<String> {
        if let Some(i) = self.local_if.get(m) {
            return Some(i.clone());
        }
        let on = self.map_on.get(m)?;
        on.iter().find(|i| self.if_addr.contains_key(*i)).or(on.first()).cloned()
    }

    /// A note when a crypto map without `local-address` is applied to more
    /// than one interface with an address: the tunnels use the first.
    pub fn map_if_note(&self, m: &str) -> Option<String> {
        let on: Vec<&String> = self.map_on.get(m)?.iter().filter(|i| self.if_addr.contains_key(*i)).collect();
        (self.local_if.get(m).is_none() && on.len() > 1).then(|| {
            let names: Vec<&str> = on.iter().map(|s| s.as_str()).collect();
            format!(
                "crypto map {m} is applied to {}: its tunnels use {}'s address (crypto map {m} local-address names the interface)",
                names.join(", "),
                on[0]
            )
        })
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
