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
    /// The tunnel interfaces that are devices of their own (route-based
    /// tunnels), by context then name.
    pub interfaces: Vec<TunnelIf>,
}

/// A tunnel interface that is a device of its own (issue 19, route-based
/// tunnels): IOS/ASA `interface TunnelN` with `tunnel mode ipsec ipv4` and
/// `tunnel protection` (ASA: its `nameif`), a SmartEdge interface tunnels
/// are bound to (`bind interface`). Traffic routed into the device is
/// carried by the SAs of `tunnels` and theirs come out of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunnelIf {
    pub context: String,
    /// The name in the configuration.
    pub name: String,
    /// The host's device name ([`device_names`]).
    pub device: String,
    /// `ip address` (the primary first, then the secondaries).
    pub addresses: Vec<Prefix4>,
    /// The tunnels bound to it, sorted.
    pub tunnels: Vec<String>,
}

/// The dataplane's own device, never a tunnel interface's name.
const RESERVED: &[&str] = &["edgesh0"];

/// Does Linux take `name` as a device name as it is? At most 15 bytes
/// (IFNAMSIZ less the NUL), not `.` or `..`, no `/`, `:` or white space
/// (the kernel's `dev_valid_name`); edgesh also wants printable ASCII and
/// not a name of its own.
pub fn valid_device_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b'/' && b != b':')
        && !RESERVED.contains(&name)
}

/// The device names of tunnel interfaces (in the order given): the
/// interface's own name where Linux takes it (IOS `Tunnel1` is `Tunnel1`,
/// SmartEdge `TI-1` is `TI-1`); else `tun-` and the name with every
/// character other than a letter, digit, `-`, `_` or `.` made `_`, cut to
/// 15 bytes (`Tunnel-int-vpn-12345678-0` is `tun-Tunnel-int-`). A name
/// another interface already got (the same name in two contexts, or two
/// long names alike at the start) ends in `-2`, `-3`, ... instead.
pub fn device_names(names: &[&str]) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let base = if valid_device_name(n) {
            n.to_string()
        } else {
            let s: String = n
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
                .collect();
            let mut b = format!("tun-{s}");
            b.truncate(15);
            b
        };
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains(&name) {
            let suffix = format!("-{k}");
            let mut b = base.clone();
            b.truncate(15 - suffix.len());
            name = format!("{b}{suffix}");
            k += 1;
        }
        taken.insert(name.clone());
        out.push(name);
    }
    out
}

/// Is this tunnel route-based on the interface it is bound to? Not a
/// crypto map's (IOS, ASA: the map's interface is the outside one), not a
/// manual one, not an on-demand one (SmartEdge dynamic peers on a
/// multibind interface, ASA dynamic maps: their selectors tell their many
/// SAs apart on `edgesh0`), not GRE over IPsec (its selectors are GRE between the end
/// points: the host's GRE device carries the tunnel, edgesh0 its packets).
fn route_based(cfg: &Config, t: &crate::config::Tunnel) -> bool {
    if matches!(t.kind, TunnelKind::Manual | TunnelKind::OnDemand)
        || t.map_entry.is_some()
        || t.dynamic_map
        || t.on_traffic
    {
        return false;
    }
    let gre_only = |acl: &str| {
        [t.bind_interface.as_ref().and_then(|b| b.1.as_deref()), Some(t.ike_context())]
            .into_iter()
            .flatten()
            .find_map(|c| cfg.contexts.get(c).and_then(|cx| cx.ipsec_acls.get(acl)))
            .is_some_and(|a| !a.rules.is_empty() && a.rules.values().all(|r| r.protocol == Some(47)))
    };
    !t.entries
        .values()
        .any(|e| matches!(e, TunnelEntry::Policy(pe) if pe.access_group.as_deref().is_some_and(gre_only)))
}

impl RouteConf {
    pub fn from_config(cfg: &Config) -> RouteConf {
        let mut rc = RouteConf::default();
        // Interface (context, name) -> tunnels bound to it.
        let mut bound: HashMap<(String, String), Vec<String>> = HashMap::new();
        for (name, t) in &cfg.tunnels {
            if let Some((i, c)) = &t.bind_interface {
                bound
                    .entry((c.clone().unwrap_or_else(|| t.ike_context().to_string()), i.clone()))
                    .or_default()
                    .push(name.clone());
            }
            if let Some(r) = t.remote {
                rc.remote_ends.push(r);
            }
        }
        rc.remote_ends.sort();
        rc.remote_ends.dedup();
        rc.interfaces = tunnel_interfaces(cfg);
        let tunnels_of = |ctx: &str, ifname: &str| -> Vec<String> {
            bound.get(&(ctx.to_string(), ifname.to_string())).cloned().unwrap_or_default()
        };
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
            let by_statics =
                t.bind_interface.as_ref().is_some_and(|(i, _)| routed_ifs.contains(&(context.clone(), i.clone())));
            let mut protected = Vec::new();
            if !t.ts_guided_routes && !by_statics {
                let acl_ctx = |acl: &str| {
                    [Some(context.as_str()), Some(t.ike_context())]
                        .into_iter()
                        .flatten()
                        .find_map(|c| cfg.contexts.get(c).and_then(|cx| cx.ipsec_acls.get(acl)))
                };
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
                rc.tunnels.push(TunnelRoutes {
                    tunnel: name.clone(),
                    context,
                    follow_sas: t.ts_guided_routes,
                    protected,
                });
            }
        }
        rc
    }
}

/// The tunnel interfaces that are devices: every interface a route-based
/// tunnel is bound to, with the addresses the configuration gives it.
fn tunnel_interfaces(cfg: &Config) -> Vec<TunnelIf> {
    let mut by_if: std::collections::BTreeMap<(String, String), Vec<String>> = std::collections::BTreeMap::new();
    for (name, t) in &cfg.tunnels {
        let Some((i, c)) = &t.bind_interface else { continue };
        if route_based(cfg, t) {
            by_if
                .entry((c.clone().unwrap_or_else(|| t.ike_context().to_string()), i.clone()))
                .or_default()
                .push(name.clone());
        }
    }
    let names: Vec<&str> = by_if.keys().map(|(_, i)| i.as_str()).collect();
    let devices = device_names(&names);
    by_if
        .iter()
        .zip(devices)
        .map(|(((ctx, name), tunnels), device)| {
            // The interface in the bound context, else where the configuration has it.
            let i = cfg
                .contexts
                .get(ctx)
                .and_then(|c| c.interfaces.get(name))
                .or_else(|| cfg.contexts.values().find_map(|c| c.interfaces.get(name)));
            let addresses =
                i.map(|i| i.address.iter().chain(i.secondary.iter()).copied().collect()).unwrap_or_default();
            let mut tunnels = tunnels.clone();
            tunnels.sort();
            TunnelIf { context: ctx.clone(), name: name.clone(), device, addresses, tunnels }
        })
        .collect()
}
