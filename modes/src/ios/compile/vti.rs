//! VTIs as engine tunnels: route-based, bound to the tunnel interface. The
//! tunnel's local end point is in the front-door VRF (`tunnel vrf`, else the
//! tunnel source's VRF); the tunnel interface in its own VRF (`vrf
//! forwarding`). GRE (IOS's default tunnel mode) is protected as GRE between
//! tunnel source and destination, any/any otherwise.

use super::super::names::interface_name;
use super::gather::Gathered;
use super::{Env, LOCAL, vrf_word};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::net::Ipv4Addr;

/// A tunnel per VTI.
pub(super) fn vtis(e: &Env, cfg: &mut Config, notes: &mut Vec<String>) {
    let Env { g, global_replay, isakmp_names, .. } = *e;
    let Gathered { keys, if_addr, if_owner, if_vrf, profiles, vtis, v2, .. } = g;
    let ctx_of_if = |i: &str| e.ctx_of_if(i);
    for vti in vtis.iter().cloned() {
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
        let policy_name =
            super::proposals::insert_ipsec_policy(cfg, &ifname, &ip.tsets, ip.pfs, ip.replay.unwrap_or(global_replay));
        let ike_name = format!("{ifname}-ike");
        let (ike, remote_id) = match vti.ikev2_profile.as_ref().or(ip.ikev2.as_ref()) {
            Some(p2) => v2.policy(cfg, notes, &format!("interface {ifname}"), p2, peer, local_addr, &fvrf, if_addr),
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
}
