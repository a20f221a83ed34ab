//! Crypto map entries as engine tunnels: a static tunnel per `ipsec-isakmp`
//! entry (its isakmp or IKEv2 profile, keyring key, front-door and inside
//! VRFs), and an on-demand responder tunnel per entry of a dynamic map a
//! crypto map names.

use super::super::names::{interface_name, words};
use super::acl::copy_acl;
use super::gather::{Gathered, IsakmpProfile};
use super::proposals::{insert_ipsec_policy, replay_setting};
use super::{Env, LOCAL, vrf_word};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::net::Ipv4Addr;

/// A static tunnel per crypto map entry.
pub(super) fn static_entries(e: &Env, cfg: &mut Config, notes: &mut Vec<String>) {
    let Env { g, global_replay, isakmp_names, .. } = *e;
    let Gathered { keyring_local, keyring_vrf, profiles_isakmp, identity_hostname, if_addr, acls, entries, v2, .. } = g;
    let ctx_of_if = |i: &str| e.ctx_of_if(i);
    let addr_of = |x: &str| e.addr_of(x);
    let fqdn = || e.fqdn();
    let best = |peer: Ipv4Addr, ring: Option<&String>, fvrf: &str| e.psk.best(peer, ring, fvrf);
    for (m, seq, n) in entries.iter().map(|(m, s, n)| (m.clone(), *s, *n)) {
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
        let ifname = g.map_if(&m);
        notes.extend(g.map_if_note(&m));
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
        let policy_name = insert_ipsec_policy(cfg, &tname, &tsets, pfs, replay);
        let ike_name = format!("{tname}-ike");
        let (ike, remote_id) = if let Some(p2) = &profile_v2 {
            let what = format!("crypto map {m} {seq}");
            v2.policy(cfg, notes, &what, p2, peer, local_addr, &fvrf, if_addr)
        } else {
            let mut ike = IkePolicy::new(IkeVersion::V1);
            ike.identity_local = match prof {
                Some(p) if p.self_fqdn => Some(fqdn()),
                Some(IsakmpProfile { self_id: Some(id), .. }) => Some(id.clone()),
                _ if *identity_hostname => Some(fqdn()),
                _ => local_addr.map(Identity::Ipv4),
            };
            // `match identity host|user` names the identity the peer must present.
            // With `match certificate` only, the certificate maps decide (any identity).
            let remote_id = match prof {
                Some(p) if p.match_ids.is_empty() && p.by_certificate => Identity::Any,
                _ => prof.and_then(|p| p.match_ids.first().cloned()).unwrap_or(Identity::Ipv4(peer)),
            };
            ike.identity_remote = Some(remote_id.clone());
            if prof.is_some_and(|p| p.aggressive) {
                ike.mode = ExchangeMode::Aggressive;
            }
            // The key: the profile's keyring first (longest match), else any key of the front-door VRF.
            if let Some(r) = &ring
                && let Some(kv) = keyring_vrf.get(r).filter(|kv| **kv != fvrf)
            {
                notes.push(format!(
                    "crypto map {m} {seq}: keyring {r} is for VRF {kv}, the front-door VRF is {}",
                    vrf_word(&fvrf)
                ));
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
        copy_acl(cfg, acls, acl.as_deref(), &fvrf);
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
}

/// Dynamic map references: an on-demand tunnel per dynamic map entry, answering
/// any peer that has the wildcard key, within the entry's ACL (any/any without one).
pub(super) fn dynamic_entries(e: &Env, cfg: &mut Config, notes: &mut Vec<String>) {
    let Env { g, global_replay, isakmp_names, .. } = *e;
    let Gathered { keys, if_addr, acls, dyn_refs, dmaps, .. } = g;
    let ctx_of_if = |i: &str| e.ctx_of_if(i);
    for (m, seq, d) in dyn_refs {
        let Some(list) = dmaps.get(d) else {
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
            let ifname = g.map_if(m);
            notes.extend(g.map_if_note(m));
            let local_addr = ifname.as_ref().and_then(|i| if_addr.get(i)).copied();
            let fvrf = ifname.as_deref().map(ctx_of_if).unwrap_or_else(|| LOCAL.into());
            let policy_name = insert_ipsec_policy(cfg, &tname, &tsets, pfs, replay);
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
            copy_acl(cfg, acls, acl.as_deref(), &fvrf);
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
}
