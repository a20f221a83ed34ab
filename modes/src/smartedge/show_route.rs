//! SmartEdge `show ip route [all-contexts]`: the routes of the current
//! context (every context with `all-contexts`): the connected routes of its
//! interfaces and the engine's route table (`edgesh_engine::routes`: static
//! routes, the tunnels' protected prefixes, traffic-selector-guided routes
//! of the SAs that are up), a typed state and its rendering.
//!
//! The seeds hold no `show ip route` output; the layout is the SmartEdge OS
//! routing table's (`Type Network Next Hop Dist Metric UpTime Interface`,
//! `>` marking the active route of a prefix), with the legend reduced to the
//! route types edgesh has. Of several routes to one prefix the lowest cost
//! is active (seed 004 section 13: the backup tunnel's route, cost 10, is
//! listed without `>` while the primary's, cost 5, is up, and alone once the
//! primary's SA is gone). A tunnel interface (a device of its own, up while
//! one of its tunnels has an IPsec SA: `shell/src/dataplane/tunif.rs`) that
//! is down keeps its connected routes listed, never active (no `>`).

use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::config::Prefix4;
use edgesh_engine::routes::Hop;
use serde::Serialize;
use std::net::Ipv4Addr;

type G = edgesh_grammar::Graph<Handler>;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteRow {
    pub active: bool,
    /// `C` or `S`.
    pub kind: &'static str,
    pub network: String,
    pub next_hop: Option<Ipv4Addr>,
    pub distance: u32,
    pub metric: u32,
    pub uptime_seconds: u64,
    pub interface: String,
}

/// The rows of one context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContextRoutes {
    pub context: String,
    pub routes: Vec<RouteRow>,
}

pub fn register(g: &mut G) {
    if let Err(e) = g.add(
        "show ip route [all-contexts]",
        &["Display information", "IP information", "IP routing table", "The routes of every context"],
        Handler(show),
    ) {
        panic!("{e}");
    }
}

fn connected_if(cx: &edgesh_engine::config::Context, a: Ipv4Addr) -> Option<String> {
    cx.interfaces
        .iter()
        .find(|(_, i)| i.address.iter().chain(i.secondary.iter()).any(|p| p.contains(a)))
        .map(|(n, _)| n.clone())
}

/// The routes of `context` as the router has them now.
pub fn state(s: &Session, context: &str) -> ContextRoutes {
    let cfg = s.view();
    let r = s.router();
    let now = r.now_ms();
    let mut rows = Vec::new();
    let empty = edgesh_engine::config::Context::default();
    let cx = cfg.contexts.get(context).unwrap_or(&empty);
    let boot_up = r.now().saturating_sub(r.boot_time);
    // The tunnel interfaces whose device is down: none of their tunnels has an IPsec SA.
    let tunnel_ifs = edgesh_engine::route_conf::RouteConf::from_config(&cfg).interfaces;
    let device_down = |name: &str| {
        tunnel_ifs.iter().find(|t| t.context == context && t.name == name).is_some_and(|t| {
            !t.tunnels
                .iter()
                .any(|n| !cfg.tunnels.get(n).is_some_and(|x| x.shutdown) && super::show_sa::tunnel_counts(&r, n).1 > 0)
        })
    };
    let mut down = std::collections::HashSet::new();
    for (name, i) in &cx.interfaces {
        for p in i.address.iter().chain(i.secondary.iter()) {
            let net = Prefix4 { addr: p.network(), len: p.len };
            if device_down(name) {
                down.insert(rows.len());
            }
            rows.push((
                u32::from(net.addr),
                net.len,
                RouteRow {
                    active: true,
                    kind: "C",
                    network: net.to_string(),
                    next_hop: None,
                    distance: 0,
                    metric: 0,
                    uptime_seconds: boot_up,
                    interface: name.clone(),
                },
            ));
        }
    }
    let table = r.engine.routes();
    let mut engine_rows = Vec::new();
    for e in table.entries().iter().filter(|e| e.context == context && e.up) {
        let (next_hop, interface) = match &e.hop {
            Hop::Gateway(g) => (Some(*g), connected_if(cx, *g).unwrap_or_default()),
            Hop::Tunnel(i) | Hop::Interface(i) => (None, i.clone()),
            Hop::Dataplane(peer) => {
                let t = e.tunnel.clone().unwrap_or_default();
                let bound = cfg.tunnels.get(&t).and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone()));
                (*peer, bound.unwrap_or(t))
            }
        };
        engine_rows.push((
            u32::from(e.prefix.addr),
            e.prefix.len,
            RouteRow {
                active: false,
                kind: "S",
                network: e.prefix.to_string(),
                next_hop,
                distance: 1,
                metric: e.cost.unwrap_or(0),
                uptime_seconds: now.saturating_sub(e.since) / 1000,
                interface,
            },
        ));
    }
    rows.extend(engine_rows);
    // Usable: all but the connected routes of a tunnel interface that is down.
    let mut rows: Vec<(u32, u8, RouteRow, bool)> =
        rows.into_iter().enumerate().map(|(n, (a, l, r))| (a, l, r, !down.contains(&n))).collect();
    rows.sort_by_key(|a| (a.0, a.1, a.2.distance, a.2.metric));
    // The active route of a prefix: the lowest distance, then cost, of the usable ones.
    let mut i = 0;
    while i < rows.len() {
        let j = rows[i..].iter().position(|x| (x.0, x.1) != (rows[i].0, rows[i].1)).map_or(rows.len(), |n| i + n);
        let best = rows[i..j].iter().filter(|x| x.3).map(|x| (x.2.distance, x.2.metric)).next();
        for x in &mut rows[i..j] {
            x.2.active = x.3 && Some((x.2.distance, x.2.metric)) == best;
        }
        i = j;
    }
    ContextRoutes { context: context.to_string(), routes: rows.into_iter().map(|x| x.2).collect() }
}

fn hms(s: u64) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

pub fn render(t: &ContextRoutes, all: bool, o: &mut dyn Out) {
    if all {
        o.line(&format!("Context: {}", t.context));
        o.line("");
    }
    o.line("Codes: C - connected, S - static");
    o.line("       > - Active Route");
    o.line("");
    o.line("Type    Network             Next Hop        Dist  Metric    UpTime  Interface");
    o.line("");
    for r in &t.routes {
        let nh = r.next_hop.map(|a| a.to_string()).unwrap_or_default();
        o.line(
            format!(
                "{} {:<5} {:<19} {:<15} {:>4} {:>7}  {:>8}  {}",
                if r.active { ">" } else { " " },
                r.kind,
                r.network,
                nh,
                r.distance,
                r.metric,
                hms(r.uptime_seconds),
                r.interface
            )
            .trim_end(),
        );
    }
}

fn contexts(s: &Session, a: &Args) -> Vec<String> {
    if a.has("all-contexts") { s.view().contexts.keys().cloned().collect() } else { vec![s.exec_context.clone()] }
}

/// `| json`: `{"context": {NAME: {"routes": [...]}}}`, the rows as printed.
pub fn json(s: &Session, a: &Args) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for c in contexts(s, a) {
        let t = state(s, &c);
        m.insert(c, serde_json::json!({ "routes": t.routes }));
    }
    serde_json::json!({ "context": m })
}

fn show(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    for (n, c) in contexts(s, a).iter().enumerate() {
        if n > 0 {
            o.line("");
        }
        let t = state(s, c);
        render(&t, a.has("all-contexts"), o);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::VecOut;

    #[test]
    fn rows_line_up_under_the_header_and_only_the_best_is_active() {
        let row = |active, kind, net: &str, nh: Option<&str>, d, m, up, i: &str| RouteRow {
            active,
            kind,
            network: net.into(),
            next_hop: nh.map(|x| x.parse().unwrap()),
            distance: d,
            metric: m,
            uptime_seconds: up,
            interface: i.into(),
        };
        let t = ContextRoutes {
            context: "C1".into(),
            routes: vec![
                row(true, "C", "172.168.2.0/24", None, 0, 0, 3725, "private-interface"),
                row(true, "S", "172.168.3.0/24", None, 1, 5, 42, "TI-1"),
                row(false, "S", "172.168.3.0/24", None, 1, 10, 40, "TI-2"),
            ],
        };
        let mut o = VecOut::default();
        render(&t, false, &mut o);
        assert_eq!(
            o.text(),
            "Codes: C - connected, S - static\n       > - Active Route\n\n\
             Type    Network             Next Hop        Dist  Metric    UpTime  Interface\n\n\
             > C     172.168.2.0/24                         0       0  01:02:05  private-interface\n\
             > S     172.168.3.0/24                         1       5  00:00:42  TI-1\n\
             \x20 S     172.168.3.0/24                         1      10  00:00:40  TI-2\n"
        );
    }
}
