//! The routing part of the engine's configuration (issue 19): static
//! routes, each tunnel's protected prefixes and whether its SAs bring routes
//! (IOS `reverse-route`, SmartEdge TS-guided), compiled from the
//! configuration. Data only; `routes.rs` computes the table from it and the
//! SAs that are up. Imports nothing of the IKE core, so `ike::conf` can hold it.

use crate::config::{Config, NextHop, Prefix4, TunnelEntry, TunnelKind};
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

/// Where a route sends its traffic.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hop {
    /// A next-hop address.
    Gateway(Ipv4Addr),
    /// An interface tunnels are bound to: into the dataplane.
    Tunnel(String),
    /// Another interface of the configuration (no device of the host).
    Interface(String),
    /// The dataplane itself (protected prefixes, SA selectors); the peer
    /// whose SA carries it, when known.
    Dataplane(Option<Ipv4Addr>),
}

/// A static route of the configuration, as the engine runs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticConf {
    pub context: String,
    pub prefix: Prefix4,
    pub hop: Hop,
    /// SmartEdge `cost`, IOS administrative distance (None: default).
    pub cost: Option<u32>,
    /// The tunnels bound to the interface of `Hop::Tunnel`.
    pub tunnels: Vec<String>,
}

/// What one tunnel contributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunnelRoutes {
    pub tunnel: String,
    /// The context of the protected side (the bound interface's, else the tunnel's).
    pub context: String,
    /// Routes follow the SAs (IOS `reverse-route`, SmartEdge TS-guided).
    pub follow_sas: bool,
    /// Protected (local, remote) selector pairs of a policy-based tunnel
    /// (empty when static routes name its interface).
    pub protected: Vec<(Prefix4, Prefix4)>,
}

/// The routing part of the engine's configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteConf {
    pub statics: Vec<StaticConf>,
    pub tunnels: Vec<TunnelRoutes>,
    /// The tunnels' remote end points, sorted (never routed into the dataplane).
    pub remote_ends: Vec<Ipv4Addr>,
}

impl RouteConf {
    pub fn from_config(cfg: &Config) -> RouteConf {
        let mut rc = RouteConf::default();
        // Interface (context, name) -> tunnels bound to it.
        let mut bound: HashMap<(String, String), Vec<String>> = HashMap::new();
        for (name, t) in &cfg.tunnels {
            if let Some((i, c)) = &t.bind_interface {
                bound.entry((c.clone().unwrap_or_else(|| t.ike_context().to_string()), i.clone())).or_default().push(name.clone());
            }
            if let Some(r) = t.remote {
                rc.remote_ends.push(r);
            }
        }
        rc.remote_ends.sort();
        rc.remote_ends.dedup();
        let tunnels_of = |ctx: &str, ifname: &str| -> Vec<String> { bound.get(&(ctx.to_string(), ifname.to_string())).cloned().unwrap_or_default() };
        let mut routed_ifs: HashSet<(String, String)> = HashSet::new();
        for (cname, ctx) in &cfg.contexts {
            for r in &ctx.routes {
                let prefix = Prefix4 { addr: r.prefix.network(), len: r.prefix.len };
                let (hop, tunnels) = match &r.next_hop {
                    NextHop::Address(a) => (Hop::Gateway(*a), Vec::new()),
                    NextHop::Interface(i) => {
                        let ts = tunnels_of(cname, i);
                        if ts.is_empty() {
                            (Hop::Interface(i.clone()), ts)
                        } else {
                            routed_ifs.insert((cname.clone(), i.clone()));
                            (Hop::Tunnel(i.clone()), ts)
                        }
                    }
                };
                rc.statics.push(StaticConf { context: cname.clone(), prefix, hop, cost: r.cost, tunnels });
            }
        }
        for (name, t) in &cfg.tunnels {
            if t.kind == TunnelKind::Manual || t.shutdown {
                continue;
            }
            let context = match &t.bind_interface {
                Some((_, Some(c))) => c.clone(),
                _ => t.ike_context().to_string(),
            };
            let by_statics = t.bind_interface.as_ref().is_some_and(|(i, _)| routed_ifs.contains(&(context.clone(), i.clone())));
            let mut protected = Vec::new();
            if !t.ts_guided_routes && !by_statics {
                let acl_ctx = |acl: &str| [Some(context.as_str()), Some(t.ike_context())].into_iter().flatten().find_map(|c| cfg.contexts.get(c).and_then(|cx| cx.ipsec_acls.get(acl)));
                for e in t.entries.values() {
                    let TunnelEntry::Policy(pe) = e else { continue };
                    let Some(acl) = pe.access_group.as_deref().and_then(acl_ctx) else { continue };
                    for r in acl.rules.values() {
                        let sel = |a: &crate::config::AclAddr| match a {
                            crate::config::AclAddr::Any => Prefix4 { addr: Ipv4Addr::UNSPECIFIED, len: 0 },
                            crate::config::AclAddr::Prefix(p) => Prefix4 { addr: p.network(), len: p.len },
                        };
                        let remote = sel(r.dst.as_ref().unwrap_or(&crate::config::AclAddr::Any));
                        let pair = (sel(&r.src), remote);
                        if !protected.contains(&pair) {
                            protected.push(pair);
                        }
                    }
                }
            }
            if t.ts_guided_routes || !protected.is_empty() {
                rc.tunnels.push(TunnelRoutes { tunnel: name.clone(), context, follow_sas: t.ts_guided_routes, protected });
            }
        }
        rc
    }
}
