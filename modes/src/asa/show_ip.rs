//! `show interface ip brief`, `show nameif` and `show route`: the ASA's
//! interfaces and IPv4 routes as the running document gives them, in the
//! layouts of real ASA captures in public repositories (lab write-ups and
//! parser fixtures: the column widths, `YES manual`/`YES CONFIG`/`YES
//! unset`, the `Codes:` block of ASA 9.x, `S*` and `[1/0] via`).
//!
//! * An interface is `up` unless `shutdown` (`administratively down`); its
//!   protocol is down with it, and a tunnel interface's protocol needs its
//!   `tunnel source interface` and `tunnel destination` as well.
//! * Method: `CONFIG` for an address the startup configuration gave the
//!   interface, `manual` for one typed since, `DHCP` for `ip address dhcp`,
//!   `unset` without one.
//! * Routes: each up interface with a name and an address gives its
//!   connected network (`C`) and its own address (`L`); a `route IF NET
//!   MASK GW [DISTANCE]` is listed when IF is up and GW is on one of its
//!   networks (`S`, `S*` for a default route, which is the gateway of last
//!   resort), ordered by network.
//!
//! `| json` has the shape of Genie's ASA parsers of the same text
//! (`ShowInterfaceIpBrief`, `ShowNameif`, `ShowRoute`).

use super::doc::AsaDoc;
use crate::out::Out;
use serde_json::{Value, json};
use std::net::Ipv4Addr;

/// One interface of the document.
#[derive(Debug, PartialEq)]
pub struct AsaIf {
    pub name: String,
    pub nameif: Option<String>,
    pub security: u8,
    pub addr: Option<(Ipv4Addr, Ipv4Addr)>,
    pub method: &'static str,
    pub admin_up: bool,
    pub proto_up: bool,
}

fn words(t: &str) -> Vec<&str> {
    t.split_whitespace().collect()
}

/// The `ip address` line of interface `name` in `doc`.
fn address_line<'a>(doc: &'a AsaDoc, name: &str) -> Option<&'a str> {
    let head = format!("interface {name}");
    let n = doc.root.iter().find(|n| n.text == head)?;
    n.children.iter().find(|c| c.text.starts_with("ip address ")).map(|c| c.text.as_str())
}

/// The interfaces of the document, in its order; `startup`: the startup
/// configuration (for the `CONFIG` method).
pub fn interfaces(doc: &AsaDoc, startup: Option<&AsaDoc>) -> Vec<AsaIf> {
    let mut out = Vec::new();
    for n in &doc.root {
        let ["interface", name] = words(&n.text)[..] else { continue };
        let (mut nameif, mut security, mut addr, mut method) = (None, 0u8, None, "unset");
        let (mut shutdown, mut tsource, mut tdest) = (false, false, false);
        for c in &n.children {
            match words(&c.text)[..] {
                ["nameif", x] => nameif = Some(x.to_string()),
                ["security-level", l] => security = l.parse().unwrap_or(0),
                ["ip", "address", "dhcp", ..] => method = "DHCP",
                ["ip", "address", a, m, ..] => {
                    if let (Ok(a), Ok(m)) = (a.parse(), m.parse()) {
                        addr = Some((a, m));
                        let from_startup = startup.and_then(|d| address_line(d, name)) == Some(c.text.as_str());
                        method = if from_startup { "CONFIG" } else { "manual" };
                    }
                }
                ["shutdown"] => shutdown = true,
                ["tunnel", "source", "interface", _] => tsource = true,
                ["tunnel", "destination", _] => tdest = true,
                _ => {}
            }
        }
        let tunnel = name.starts_with("Tunnel");
        out.push(AsaIf {
            name: name.to_string(),
            nameif,
            security,
            addr,
            method,
            admin_up: !shutdown,
            proto_up: !shutdown && (!tunnel || (tsource && tdest)),
        });
    }
    out
}

/// `show interface ip brief`.
pub fn render_ip_brief(ifs: &[AsaIf], out: &mut dyn Out) {
    out.line("Interface                  IP-Address      OK? Method Status                Protocol");
    for i in ifs {
        let ip = i.addr.map_or("unassigned".to_string(), |(a, _)| a.to_string());
        let status = if i.admin_up { "up" } else { "administratively down" };
        let proto = if i.proto_up { "up" } else { "down" };
        out.line(&format!("{:<27}{:<16}YES {:<7}{:<22}{:<4}", i.name, ip, i.method, status, proto));
    }
}

/// `show nameif`: the interfaces that have a name.
pub fn render_nameif(ifs: &[AsaIf], out: &mut dyn Out) {
    out.line("Interface                Name                     Security");
    for i in ifs {
        if let Some(n) = &i.nameif {
            out.line(&format!("{:<25}{:<25}{:>3}", i.name, n, i.security));
        }
    }
}

/// One route of `show route`.
#[derive(Debug, PartialEq)]
pub struct AsaRoute {
    pub code: &'static str,
    pub net: Ipv4Addr,
    pub mask: Ipv4Addr,
    pub distance: u32,
    pub via: Option<Ipv4Addr>,
    pub nameif: String,
}

fn and(a: Ipv4Addr, m: Ipv4Addr) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(a) & u32::from(m))
}

/// The IPv4 routes: connected, local, and static routes whose gateway is reachable.
pub fn routes(ifs: &[AsaIf], doc: &AsaDoc) -> Vec<AsaRoute> {
    let mut out = Vec::new();
    let up: Vec<(&str, Ipv4Addr, Ipv4Addr)> =
        ifs.iter().filter(|i| i.proto_up).filter_map(|i| Some((i.nameif.as_deref()?, i.addr?.0, i.addr?.1))).collect();
    for (nameif, a, m) in &up {
        let c = AsaRoute { code: "C", net: and(*a, *m), mask: *m, distance: 0, via: None, nameif: nameif.to_string() };
        out.push(c);
        if *m != Ipv4Addr::BROADCAST {
            out.push(AsaRoute {
                code: "L",
                net: *a,
                mask: Ipv4Addr::BROADCAST,
                distance: 0,
                via: None,
                nameif: nameif.to_string(),
            });
        }
    }
    for n in &doc.root {
        let w = words(&n.text);
        let ["route", ifname, net, mask, gw, ref rest @ ..] = w[..] else { continue };
        let (Ok(net), Ok(mask), Ok(gw)) = (net.parse::<Ipv4Addr>(), mask.parse::<Ipv4Addr>(), gw.parse::<Ipv4Addr>())
        else {
            continue;
        };
        if !up.iter().any(|(nif, a, m)| *nif == ifname && and(*a, *m) == and(gw, *m)) {
            continue;
        }
        let distance = rest.first().and_then(|d| d.parse().ok()).unwrap_or(1);
        let code = if mask.is_unspecified() { "S*" } else { "S" };
        out.push(AsaRoute { code, net: and(net, mask), mask, distance, via: Some(gw), nameif: ifname.to_string() });
    }
    out.sort_by_key(|r| (u32::from(r.net), u32::from(r.mask)));
    out
}

/// The codes block of ASA 9.x's `show route`.
const CODES: &str = "Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP
       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area 
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2, V - VPN
       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2
       ia - IS-IS inter area, * - candidate default, U - per-user static route
       o - ODR, P - periodic downloaded static route, + - replicated route";

/// `show route`.
pub fn render_route(routes: &[AsaRoute], out: &mut dyn Out) {
    out.line("");
    for l in CODES.lines() {
        out.line(l);
    }
    match routes.iter().find(|r| r.code == "S*") {
        Some(d) => out.line(&format!(
            "Gateway of last resort is {} to network 0.0.0.0",
            d.via.map(|v| v.to_string()).unwrap_or_default()
        )),
        None => out.line("Gateway of last resort is not set"),
    }
    out.line("");
    for r in routes {
        match r.via {
            Some(v) => {
                out.line(&format!("{:<9}{} {} [{}/0] via {}, {}", r.code, r.net, r.mask, r.distance, v, r.nameif))
            }
            None => out.line(&format!("{:<9}{} {} is directly connected, {}", r.code, r.net, r.mask, r.nameif)),
        }
    }
    out.line("");
}

/// `show interface ip brief | json`: Genie's `ShowInterfaceIpBrief` shape.
pub fn ip_brief_json(ifs: &[AsaIf]) -> Value {
    let mut m = serde_json::Map::new();
    for i in ifs {
        let ipv4 = match i.addr {
            Some((a, _)) => json!({ a.to_string(): {"ip": a.to_string()} }),
            None => json!({"unnumbered": {"unnumbered_intf_ref": "unassigned"}}),
        };
        m.insert(
            i.name.clone(),
            json!({
                "ipv4": ipv4,
                "check": "YES",
                "method": i.method,
                "link_status": if i.admin_up { "up" } else { "administratively down" },
                "line_protocol": if i.proto_up { "up" } else { "down" },
            }),
        );
    }
    json!({ "interfaces": m })
}

/// `show nameif | json`: Genie's `ShowNameif` shape.
pub fn nameif_json(ifs: &[AsaIf]) -> Value {
    let m: serde_json::Map<String, Value> = ifs
        .iter()
        .filter_map(|i| {
            let n = i.nameif.as_ref()?;
            Some((i.name.clone(), json!({"interface": i.name, "name": n, "security_level": i.security})))
        })
        .collect();
    Value::Object(m)
}

/// `show route | json`: Genie's `ShowRoute` shape.
pub fn route_json(routes: &[AsaRoute]) -> Value {
    let mut m = serde_json::Map::new();
    for r in routes {
        let len = u32::from(r.mask).count_ones();
        let key = format!("{}/{len}", r.net);
        let code = r.code.trim_end_matches('*');
        let mut e = json!({
            "candidate_default": r.code.ends_with('*'),
            "active": true,
            "route": key,
            "source_protocol_codes": code,
            "source_protocol": match code { "C" => "connected", "L" => "local", _ => "static" },
        });
        match r.via {
            Some(v) => {
                e["route_preference"] = json!(r.distance);
                e["metric"] = json!(0);
                e["next_hop"] = json!({"next_hop_list": {"1": {"index": 1, "next_hop": v.to_string(), "outgoing_interface_name": r.nameif}}});
            }
            None => {
                e["next_hop"] =
                    json!({"outgoing_interface_name": { r.nameif.clone(): {"outgoing_interface_name": r.nameif} }});
            }
        }
        m.insert(key, e);
    }
    json!({"vrf": {"default": {"address_family": {"ipv4": {"routes": m}}}}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lines: &[(&str, &[&str])]) -> AsaDoc {
        AsaDoc { root: crate::cisco_doc::nodes(lines), ..Default::default() }
    }

    #[test]
    fn interfaces_and_routes_as_the_asa_lists_them() {
        let running = doc(&[
            (
                "interface GigabitEthernet0/0",
                &["nameif outside", "security-level 0", "ip address 203.0.113.2 255.255.255.248"],
            ),
            (
                "interface GigabitEthernet0/1",
                &["nameif inside", "security-level 100", "ip address 10.255.0.4 255.255.255.248"],
            ),
            ("interface GigabitEthernet0/2", &["shutdown", "no nameif", "no security-level", "no ip address"]),
            ("route outside 0.0.0.0 0.0.0.0 203.0.113.1 1", &[]),
            ("route inside 10.10.10.0 255.255.255.0 10.255.0.1 1", &[]),
            ("route inside 10.20.0.0 255.255.0.0 192.0.2.1 1", &[]),
        ]);
        let startup = doc(&[("interface GigabitEthernet0/0", &["ip address 203.0.113.2 255.255.255.248"])]);
        let ifs = interfaces(&running, Some(&startup));
        let mut o = crate::out::VecOut::default();
        render_ip_brief(&ifs, &mut o);
        render_nameif(&ifs, &mut o);
        render_route(&routes(&ifs, &running), &mut o);
        assert_eq!(
            o.text(),
            format!(
                "Interface                  IP-Address      OK? Method Status                Protocol
GigabitEthernet0/0         203.0.113.2     YES CONFIG up                    up  
GigabitEthernet0/1         10.255.0.4      YES manual up                    up  
GigabitEthernet0/2         unassigned      YES unset  administratively down down
Interface                Name                     Security
GigabitEthernet0/0       outside                    0
GigabitEthernet0/1       inside                   100

{CODES}
Gateway of last resort is 203.0.113.1 to network 0.0.0.0

S*       0.0.0.0 0.0.0.0 [1/0] via 203.0.113.1, outside
S        10.10.10.0 255.255.255.0 [1/0] via 10.255.0.1, inside
C        10.255.0.0 255.255.255.248 is directly connected, inside
L        10.255.0.4 255.255.255.255 is directly connected, inside
C        203.0.113.0 255.255.255.248 is directly connected, outside
L        203.0.113.2 255.255.255.255 is directly connected, outside

"
            )
        );
    }
}
