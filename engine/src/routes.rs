//! The route table edgesh keeps (issue 19): what routes the configuration
//! and the SAs that are up give, which of them are active, and what of it a
//! kernel gets. This module owns that model and nothing else: the driver
//! keeps one [`Table`] current (at each configuration and each change of
//! the child SAs), the dialects print it (IOS and SmartEdge `show ip
//! route`), and an I/O shell installs [`kernel_routes`] through rtnetlink
//! (`shell/src/routes.rs`); the simulated lab has no kernel and prints the
//! same table.
//!
//! Where routes come from:
//! - **Static**: `ip route` of a context (SmartEdge) or of the global table /
//!   a VRF (IOS). A route whose next hop is an interface a tunnel is bound
//!   to (SmartEdge tunnel interface, IOS `TunnelN`) goes into the dataplane
//!   and is active only while one of those tunnels has an SA up: two such
//!   routes with different costs are SmartEdge's high availability (seed
//!   004 section 13: the backup tunnel's route takes over when the
//!   primary's SA goes).
//! - **Protected**: the remote selectors of a policy-based tunnel (the
//!   remote side of an IOS crypto ACL, of a SmartEdge access group), always,
//!   so that its traffic enters the dataplane (and can start a crypto map).
//!   Not for a tunnel whose routes follow its SAs or come from static routes
//!   naming its interface, never `0.0.0.0/0`, never a prefix holding a
//!   tunnel's remote end point (IKE would go into the tunnel).
//! - **SA selector**: the remote selector of each child SA that is up, for
//!   tunnels with IOS `reverse-route` or SmartEdge `ip route
//!   traffic-selector-guided`; it goes when the SA goes.

use crate::config::Prefix4;
use crate::ike::Millis;
use crate::ike::sa::ChildSa;
pub use crate::route_conf::{Hop, RouteConf, StaticConf, TunnelIf, TunnelRoutes, device_names, valid_device_name};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// Where a route comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    Static,
    Protected,
    SaSelector,
}

/// One route of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    pub context: String,
    pub prefix: Prefix4,
    pub hop: Hop,
    /// SmartEdge cost / IOS distance as configured (None: the dialect's default).
    pub cost: Option<u32>,
    pub origin: Origin,
    /// The tunnel whose SA it follows or whose traffic it carries.
    pub tunnel: Option<String>,
    /// Active: its next hop is usable (a tunnel interface needs an SA up).
    pub up: bool,
    /// A preferred source address for the host: the local selector when
    /// it is one address.
    pub src: Option<Ipv4Addr>,
    /// When it became what it is (engine milliseconds).
    pub since: Millis,
}

/// What makes a route the same route (all but its age and source).
type Key<'a> = (&'a str, Prefix4, &'a Hop, Option<u32>, Origin, Option<&'a str>, bool);

impl RouteEntry {
    fn key(&self) -> Key<'_> {
        (&self.context, self.prefix, &self.hop, self.cost, self.origin, self.tunnel.as_deref(), self.up)
    }
    fn same(&self, o: &RouteEntry) -> bool {
        self.key() == o.key()
    }
    /// Does it send traffic into the dataplane?
    pub fn into_dataplane(&self) -> bool {
        matches!(self.hop, Hop::Tunnel(_) | Hop::Dataplane(_))
    }
}

/// Why a route of the table does not reach the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotInstalled {
    /// It would carry a tunnel's own IKE and ESP into the tunnel.
    HoldsRemoteEnd(Ipv4Addr),
    /// Any/any into the dataplane would take the host's default route.
    Default,
    /// An interface of the configuration is not a device of the host.
    NoDevice(String),
    /// Another route of the table already has this prefix and metric.
    Duplicate,
}

/// The table and a version that changes whenever it does.
#[derive(Clone, Debug, Default)]
pub struct Table {
    entries: Vec<RouteEntry>,
    version: u64,
    /// What identified the SAs it was computed from: their fingerprint
    /// ([`Table::update`]) or the engine's children generation ([`Table::update_at`]).
    sa_print: u64,
}

fn host_src(p: &Prefix4) -> Option<Ipv4Addr> {
    (p.len == 32).then_some(p.addr)
}

/// The routes of a configuration with these child SAs up.
pub fn compute(conf: &RouteConf, sas: &[ChildSa], now: Millis) -> Vec<RouteEntry> {
    let mut v = Vec::new();
    let mut by_tunnel: HashMap<&str, Vec<&ChildSa>> = HashMap::new();
    for c in sas {
        by_tunnel.entry(c.tunnel.as_str()).or_default().push(c);
    }
    let up = |t: &str| by_tunnel.contains_key(t);
    for s in &conf.statics {
        let live = match &s.hop {
            Hop::Tunnel(_) => s.tunnels.iter().any(|t| up(t)),
            _ => true,
        };
        let tunnel = match &s.hop {
            Hop::Tunnel(_) => s.tunnels.iter().find(|t| up(t)).or(s.tunnels.first()).cloned(),
            _ => None,
        };
        v.push(RouteEntry {
            context: s.context.clone(),
            prefix: s.prefix,
            hop: s.hop.clone(),
            cost: s.cost,
            origin: Origin::Static,
            tunnel,
            up: live,
            src: None,
            since: now,
        });
    }
    for t in &conf.tunnels {
        for (l, r) in &t.protected {
            v.push(RouteEntry {
                context: t.context.clone(),
                prefix: *r,
                hop: Hop::Dataplane(None),
                cost: None,
                origin: Origin::Protected,
                tunnel: Some(t.tunnel.clone()),
                up: true,
                src: host_src(l),
                since: now,
            });
        }
        if t.follow_sas {
            let first = v.len();
            for c in by_tunnel.get(t.tunnel.as_str()).into_iter().flatten() {
                let prefix = Prefix4 { addr: c.remote_ts.net.network(), len: c.remote_ts.net.len };
                let e = RouteEntry {
                    context: t.context.clone(),
                    prefix,
                    hop: Hop::Dataplane(Some(*c.remote.ip())),
                    cost: None,
                    origin: Origin::SaSelector,
                    tunnel: Some(t.tunnel.clone()),
                    up: true,
                    src: host_src(&c.local_ts.net),
                    since: c.created.min(now),
                };
                // One route per selector (a rekey's two SAs give one).
                if !v[first..].iter().any(|x| x.same(&e)) {
                    v.push(e);
                }
            }
        }
    }
    v.sort_by(|a, b| {
        (&a.context, u32::from(a.prefix.addr), a.prefix.len, a.cost, a.origin, &a.hop).cmp(&(
            &b.context,
            u32::from(b.prefix.addr),
            b.prefix.len,
            b.cost,
            b.origin,
            &b.hop,
        ))
    });
    v
}

fn sa_print(sas: &[ChildSa]) -> u64 {
    sas.iter().fold(sas.len() as u64, |h, c| {
        h.wrapping_mul(31).wrapping_add((u64::from(c.spi_in) << 32) | u64::from(c.spi_out))
    })
}

impl Table {
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }
    /// Changes whenever the table does.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// Recompute; a route that stays what it was keeps its `since`.
    pub fn update(&mut self, conf: &RouteConf, sas: &[ChildSa], now: Millis, force: bool) {
        self.update_at(conf, sas, sa_print(sas), now, force);
    }

    /// [`Self::update`] where the caller says what identifies the set of
    /// SAs (the engine's children generation, which moves whenever one
    /// comes or goes): unchanged, nothing is walked.
    pub fn update_at(&mut self, conf: &RouteConf, sas: &[ChildSa], print: u64, now: Millis, force: bool) {
        if !force && print == self.sa_print {
            return;
        }
        self.sa_print = print;
        let mut new = compute(conf, sas, now);
        let old: HashMap<Key<'_>, Millis> = self.entries.iter().map(|o| (o.key(), o.since)).collect();
        for e in &mut new {
            if let Some(since) = old.get(&e.key()) {
                e.since = *since;
            }
        }
        if new != self.entries {
            self.entries = new;
            self.version += 1;
        }
    }
}

/// The next hop of a kernel route.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KernelHop {
    /// The dataplane's device.
    Dataplane,
    /// A tunnel interface's own device (its host name, [`TunnelIf::device`]).
    Device(String),
    Gateway(Ipv4Addr),
}

/// A route for the host's main table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KernelRoute {
    pub dst: Prefix4,
    pub hop: KernelHop,
    /// The route's cost (0 when none).
    pub metric: u32,
    pub src: Option<Ipv4Addr>,
}

/// What of the table goes into the host's routing table (one table: the
/// routes of every context), and the routes left out with why.
///
/// A route naming a tunnel interface that is a device of its own, or
/// carried by a tunnel bound to one, goes to that device.
pub fn kernel_routes(entries: &[RouteEntry], rc: &RouteConf) -> (Vec<KernelRoute>, Vec<(RouteEntry, NotInstalled)>) {
    let remote_ends = &rc.remote_ends[..];
    let by_if: HashMap<(&str, &str), &str> =
        rc.interfaces.iter().map(|i| ((i.context.as_str(), i.name.as_str()), i.device.as_str())).collect();
    let by_tunnel: HashMap<&str, &str> =
        rc.interfaces.iter().flat_map(|i| i.tunnels.iter().map(move |t| (t.as_str(), i.device.as_str()))).collect();
    let device = |e: &RouteEntry| -> Option<String> {
        let d = match &e.hop {
            Hop::Tunnel(i) => by_if
                .get(&(e.context.as_str(), i.as_str()))
                .or_else(|| e.tunnel.as_deref().and_then(|t| by_tunnel.get(t))),
            _ => e.tunnel.as_deref().and_then(|t| by_tunnel.get(t)),
        };
        d.map(|d| d.to_string())
    };
    let mut out: Vec<KernelRoute> = Vec::new();
    let mut taken: HashMap<(Prefix4, u32), KernelHop> = HashMap::new();
    let mut left = Vec::new();
    for e in entries.iter().filter(|e| e.up) {
        let hop = match &e.hop {
            Hop::Gateway(g) => KernelHop::Gateway(*g),
            Hop::Tunnel(_) | Hop::Dataplane(_) => device(e).map_or(KernelHop::Dataplane, KernelHop::Device),
            Hop::Interface(i) => {
                left.push((e.clone(), NotInstalled::NoDevice(i.clone())));
                continue;
            }
        };
        if matches!(hop, KernelHop::Dataplane | KernelHop::Device(_)) {
            if e.prefix.len == 0 && e.origin != Origin::Static {
                left.push((e.clone(), NotInstalled::Default));
                continue;
            }
            // Sorted: the first end point at or after the prefix's network address.
            let i = remote_ends.partition_point(|r| *r < e.prefix.network());
            if let Some(r) = remote_ends
                .get(i)
                .filter(|r| e.prefix.contains(**r) && !(e.prefix.len == 0 && e.origin == Origin::Static))
            {
                left.push((e.clone(), NotInstalled::HoldsRemoteEnd(*r)));
                continue;
            }
        }
        let metric = e.cost.unwrap_or(0);
        if let Some(h) = taken.get(&(e.prefix, metric)) {
            // The same route twice (two tunnels protecting one prefix) is one route.
            if *h != hop {
                left.push((e.clone(), NotInstalled::Duplicate));
            }
            continue;
        }
        taken.insert((e.prefix, metric), hop.clone());
        out.push(KernelRoute { dst: e.prefix, hop, metric, src: e.src });
    }
    (out, left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::*;
    use crate::ike::conf::Selector;
    use crate::ike::sa::ChildSa;

    fn p(s: &str) -> Prefix4 {
        s.parse().unwrap()
    }

    /// Seed 004 section 13 (Example 16), as the configuration model holds it.
    fn ha_config() -> Config {
        let mut cfg = Config::new("r");
        let c1 = cfg.contexts.entry("C1".into()).or_default();
        c1.routes.push(Route {
            prefix: p("172.168.3.0/24"),
            next_hop: NextHop::Interface("TI-1".into()),
            cost: Some(5),
        });
        c1.routes.push(Route {
            prefix: p("172.168.3.0/24"),
            next_hop: NextHop::Interface("TI-2".into()),
            cost: Some(10),
        });
        let mut acl = IpsecAcl::default();
        acl.rules.insert(
            10,
            AclRule {
                protocol: None,
                src: AclAddr::Prefix(p("172.168.2.0/24")),
                src_port: None,
                dst: Some(AclAddr::Prefix(p("172.168.3.0/24"))),
                dst_port: None,
            },
        );
        c1.ipsec_acls.insert("acl-C1".into(), acl);
        cfg.contexts.entry("L1".into()).or_default().routes.push(Route {
            prefix: p("3.3.3.3/32"),
            next_hop: NextHop::Address("4.4.4.4".parse().unwrap()),
            cost: None,
        });
        for (n, ctx, local) in [("Tun-1", "L1", "1.1.1.1"), ("Tun-2", "L2", "2.2.2.2")] {
            let mut t = Tunnel::new(TunnelKind::Static, false);
            t.local = Some(local.parse().unwrap());
            t.remote = Some("3.3.3.3".parse().unwrap());
            t.context = Some(ctx.into());
            t.bind_interface = Some((if n == "Tun-1" { "TI-1" } else { "TI-2" }.into(), Some("C1".into())));
            t.entries.insert(
                10,
                TunnelEntry::Policy(PolicyEntry { policy: "ipsec-policy".into(), access_group: Some("acl-C1".into()) }),
            );
            cfg.tunnels.insert(n.into(), t);
        }
        cfg
    }

    fn sa(tunnel: &str, spi: u32, remote_ts: &str) -> ChildSa {
        let mut c = ChildSa::test_value();
        c.tunnel = tunnel.into();
        c.spi_in = spi;
        c.spi_out = spi + 1;
        c.remote_ts = Selector { net: p(remote_ts), proto: 0, port: 0 };
        c.local_ts = Selector { net: p("198.51.100.1/32"), proto: 0, port: 0 };
        c
    }

    #[test]
    fn ha_by_cost_the_backup_route_takes_over_when_the_primary_sa_goes() {
        let rc = RouteConf::from_config(&ha_config());
        assert_eq!(rc.statics[0].hop, Hop::Tunnel("TI-1".into()));
        assert_eq!(rc.statics[0].tunnels, vec!["Tun-1".to_string()]);
        assert_eq!(rc.statics[2].hop, Hop::Gateway("4.4.4.4".parse().unwrap()));
        // Static routes name the tunnels' interface: no automatic protected route.
        assert!(rc.tunnels.is_empty(), "{:?}", rc.tunnels);
        let both = [sa("Tun-1", 10, "172.168.3.0/24"), sa("Tun-2", 20, "172.168.3.0/24")];
        // TI-1 and TI-2 are tunnel interfaces: devices of their own (no addresses configured).
        assert_eq!(
            rc.interfaces
                .iter()
                .map(|i| (i.context.as_str(), i.name.as_str(), i.device.as_str(), i.tunnels.clone()))
                .collect::<Vec<_>>(),
            vec![("C1", "TI-1", "TI-1", vec!["Tun-1".to_string()]), ("C1", "TI-2", "TI-2", vec!["Tun-2".to_string()])]
        );
        let k = |sas: &[ChildSa]| {
            kernel_routes(&compute(&rc, sas, 0), &rc)
                .0
                .into_iter()
                .filter_map(|k| if let KernelHop::Device(d) = k.hop { Some((d, k.metric)) } else { None })
                .map(|(d, m)| format!("{d}:{m}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(k(&both), "TI-1:5 TI-2:10");
        assert_eq!(k(&both[1..]), "TI-2:10", "primary down: only the backup's route");
        assert_eq!(k(&both[..1]), "TI-1:5");
        assert_eq!(k(&[]), "", "no SA: no route into the tunnels");
    }

    #[test]
    fn device_names_keep_the_interface_name_where_linux_takes_it() {
        assert!(valid_device_name("Tunnel1") && valid_device_name("TI-1") && valid_device_name("Tunnel123456789"));
        for bad in ["", ".", "..", "Tunnel1234567890", "Gi0/0", "a:b", "a b", "edgesh0", "Tünnel"] {
            assert!(!valid_device_name(bad), "{bad}");
        }
        assert_eq!(
            device_names(&[
                "Tunnel1",
                "Tunnel-int-vpn-12345678-0",
                "Tunnel-int-vpn-99",
                "TI 1/0",
                "Tunnel1",
                "Tunnel1",
                "edgesh0",
                "Tünnel"
            ]),
            vec![
                "Tunnel1",
                "tun-Tunnel-int-",
                "tun-Tunnel-in-2",
                "tun-TI_1_0",
                "Tunnel1-2",
                "Tunnel1-3",
                "tun-edgesh0",
                "tun-T_nnel"
            ]
        );
        for n in device_names(&["x".repeat(40).as_str(), "x".repeat(40).as_str(), "y/".repeat(9).as_str()]) {
            assert!(valid_device_name(&n), "{n}");
        }
    }

    #[test]
    fn protected_prefixes_are_routed_into_the_dataplane_but_never_the_peer() {
        let mut cfg = Config::new("r");
        let mut acl = IpsecAcl::default();
        acl.rules.insert(
            10,
            AclRule {
                protocol: None,
                src: AclAddr::Prefix(p("198.51.100.1/32")),
                src_port: None,
                dst: Some(AclAddr::Prefix(p("203.0.113.1/32"))),
                dst_port: None,
            },
        );
        acl.rules.insert(
            20,
            AclRule { protocol: None, src: AclAddr::Any, src_port: None, dst: Some(AclAddr::Any), dst_port: None },
        );
        acl.rules.insert(
            30,
            AclRule {
                protocol: None,
                src: AclAddr::Any,
                src_port: None,
                dst: Some(AclAddr::Prefix(p("192.0.2.0/24"))),
                dst_port: None,
            },
        );
        cfg.contexts.entry("local".into()).or_default().ipsec_acls.insert("a".into(), acl);
        let mut t = Tunnel::new(TunnelKind::Static, false);
        t.remote = Some("192.0.2.2".parse().unwrap());
        t.entries.insert(10, TunnelEntry::Policy(PolicyEntry { policy: "p".into(), access_group: Some("a".into()) }));
        cfg.tunnels.insert("CMAP-10".into(), t);
        let rc = RouteConf::from_config(&cfg);
        let table = compute(&rc, &[], 0);
        let (k, left) = kernel_routes(&table, &rc);
        assert_eq!(
            k,
            vec![KernelRoute {
                dst: p("203.0.113.1/32"),
                hop: KernelHop::Dataplane,
                metric: 0,
                src: Some("198.51.100.1".parse().unwrap())
            }]
        );
        assert_eq!(
            left.iter().map(|(_, w)| w.clone()).collect::<Vec<_>>(),
            vec![NotInstalled::Default, NotInstalled::HoldsRemoteEnd("192.0.2.2".parse().unwrap())]
        );
    }

    #[test]
    fn sa_routes_come_and_go_with_their_sa_and_keep_their_age() {
        let mut cfg = Config::new("r");
        let mut t = Tunnel::new(TunnelKind::Static, false);
        t.ts_guided_routes = true;
        t.remote = Some("192.0.2.2".parse().unwrap());
        cfg.tunnels.insert("T".into(), t);
        let rc = RouteConf::from_config(&cfg);
        let mut table = Table::default();
        table.update(&rc, &[], 1_000, true);
        assert!(table.entries().is_empty());
        let v0 = table.version();
        let mut one = sa("T", 10, "203.0.113.0/24");
        one.created = 5_000;
        table.update(&rc, std::slice::from_ref(&one), 6_000, false);
        assert_eq!(table.entries().len(), 1);
        assert_eq!(table.entries()[0].origin, Origin::SaSelector);
        assert_eq!(table.entries()[0].since, 5_000);
        assert!(table.version() > v0);
        // A rekey: a second SA with the same selectors, then the first goes.
        let mut two = sa("T", 30, "203.0.113.0/24");
        two.created = 9_000;
        table.update(&rc, &[one.clone(), two.clone()], 9_500, false);
        table.update(&rc, std::slice::from_ref(&two), 9_600, false);
        assert_eq!(table.entries().len(), 1);
        assert_eq!(table.entries()[0].since, 5_000, "the route stayed");
        table.update(&rc, &[], 10_000, false);
        assert!(table.entries().is_empty());
    }

    #[test]
    fn twenty_thousand_tunnels_cost_linear_time() {
        let mut cfg = Config::new("r");
        let n = 20_000u32;
        let cx = cfg.contexts.entry("local".into()).or_default();
        for i in 0..n {
            let mut acl = IpsecAcl::default();
            let remote = Ipv4Addr::from(0x0a00_0000 + i);
            acl.rules.insert(
                10,
                AclRule {
                    protocol: None,
                    src: AclAddr::Prefix(p("198.51.100.1/32")),
                    src_port: None,
                    dst: Some(AclAddr::Prefix(Prefix4 { addr: remote, len: 32 })),
                    dst_port: None,
                },
            );
            cx.ipsec_acls.insert(format!("a{i}"), acl);
        }
        let mut sas = Vec::new();
        for i in 0..n {
            let mut t = Tunnel::new(TunnelKind::Static, false);
            t.remote = Some(Ipv4Addr::from(0xc000_0000 + i));
            t.ts_guided_routes = i % 2 == 0;
            t.entries.insert(
                10,
                TunnelEntry::Policy(PolicyEntry { policy: "p".into(), access_group: Some(format!("a{i}")) }),
            );
            cfg.tunnels.insert(format!("t{i}"), t);
            let mut c = sa(&format!("t{i}"), 2 * i + 10, "203.0.113.0/24");
            c.remote_ts.net = Prefix4 { addr: Ipv4Addr::from(0x0b00_0000 + i), len: 32 };
            sas.push(c);
        }
        let t0 = std::time::Instant::now();
        let rc = RouteConf::from_config(&cfg);
        let mut table = Table::default();
        table.update(&rc, &sas, 0, true);
        table.update(&rc, &sas[1..], 1, false);
        let (k, _) = kernel_routes(table.entries(), &rc);
        assert_eq!(
            k.len(),
            n as usize - 1,
            "a protected route for each odd tunnel, an SA route for each even one but the first"
        );
        // Quadratic work (4e8 comparisons) takes minutes in a debug build; linear well under this.
        assert!(t0.elapsed() < std::time::Duration::from_secs(20), "{:?}", t0.elapsed());
    }
}
