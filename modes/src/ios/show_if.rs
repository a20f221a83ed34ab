//! `show interfaces [NAME]` and `show ip route [vrf V]`: typed states read
//! from the running document and the engine (the packets and bytes of the
//! IPsec SAs an interface carries, the routes reverse-route injection
//! installs for the SAs that are up), and render functions in the IOS 15
//! layouts (as in ntc-templates' and Genie's real captures). A `| json`
//! can serialise the same states.
//!
//! edgesh has no Ethernet driver of its own: an interface's hardware
//! address is derived from its name (a locally administered `0200.xxxx.xxxx`
//! address, stable across restarts), its counters are the traffic edgesh
//! itself carries on it (ESP of the crypto maps bound to it; a tunnel
//! interface's protected traffic), and a line is up unless `shutdown`, a VTI
//! only while its IPsec SA is ([`link_states`]).

use super::names::{mask_len, words};
use super::{IosDoc, Node};
use crate::out::Out;
use crate::session::Router;
use std::net::Ipv4Addr;

/// One interface, as `show interfaces` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfState {
    pub name: String,
    pub shutdown: bool,
    /// Line protocol: a tunnel is up with a source address and a
    /// destination (or multipoint GRE); other interfaces when not shut.
    pub line_up: bool,
    pub description: Option<String>,
    /// Primary, then secondaries.
    pub addresses: Vec<(Ipv4Addr, u8)>,
    pub dhcp: bool,
    pub mac: String,
    pub mtu: u32,
    pub vrf: Option<String>,
    pub tunnel: Option<TunnelState>,
    pub packets_in: u64,
    pub bytes_in: u64,
    pub packets_out: u64,
    pub bytes_out: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TunnelState {
    pub source: Option<String>,
    pub source_if: Option<String>,
    pub destination: Option<String>,
    /// `IPSEC/IP`, `GRE/IP`, `multi-GRE/IP`.
    pub protocol: String,
    pub protection: Option<String>,
    pub vrf: Option<String>,
    pub key: Option<u32>,
}

/// The kind of interface, by its name (IOS's hardware line and MTU).
fn kind(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    if n.starts_with("loopback") {
        "Loopback"
    } else if n.starts_with("tunnel") || n.starts_with("virtual-template") {
        "Tunnel"
    } else {
        "Ethernet"
    }
}

fn mac_of(name: &str) -> String {
    // FNV-1a of the name: a stable, locally administered address.
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("0200.{:04x}.{:04x}", h >> 16, h & 0xffff)
}

fn gather_if(n: &Node, r: &Router) -> IfState {
    let name = n.text["interface ".len()..].to_string();
    let mut st = IfState {
        mac: mac_of(&name),
        mtu: if kind(&name) == "Loopback" {
            1514
        } else if kind(&name) == "Tunnel" {
            17916
        } else {
            1500
        },
        name,
        shutdown: false,
        line_up: false,
        description: None,
        addresses: Vec::new(),
        dhcp: false,
        vrf: None,
        tunnel: None,
        packets_in: 0,
        bytes_in: 0,
        packets_out: 0,
        bytes_out: 0,
    };
    let mut t = TunnelState {
        source: None,
        source_if: None,
        destination: None,
        protocol: "GRE/IP".into(),
        protection: None,
        vrf: None,
        key: None,
    };
    let mut is_tunnel = kind(&st.name) == "Tunnel";
    for c in &n.children {
        match words(&c.text).as_slice() {
            ["shutdown"] => st.shutdown = true,
            ["description", ..] => st.description = Some(c.text["description ".len()..].to_string()),
            ["ip", "address", "dhcp", ..] => st.dhcp = true,
            ["ip", "address", a, m, rest @ ..] => {
                if let (Ok(a), Some(len)) = (a.parse(), m.parse().ok().and_then(mask_len)) {
                    if rest.first() == Some(&"secondary") {
                        st.addresses.push((a, len));
                    } else {
                        st.addresses.insert(0, (a, len));
                    }
                }
            }
            ["mtu", m] => st.mtu = m.parse().unwrap_or(st.mtu),
            ["vrf", "forwarding", v] | ["ip", "vrf", "forwarding", v] => st.vrf = Some(v.to_string()),
            ["tunnel", "source", s] => {
                is_tunnel = true;
                if s.parse::<Ipv4Addr>().is_ok() {
                    t.source = Some(s.to_string());
                } else {
                    t.source_if = Some(super::names::interface_name(s));
                }
            }
            ["tunnel", "destination", d] => t.destination = Some(d.to_string()),
            ["tunnel", "mode", "ipsec", ..] => t.protocol = "IPSEC/IP".into(),
            ["tunnel", "mode", "gre", "multipoint", ..] => t.protocol = "multi-GRE/IP".into(),
            ["tunnel", "mode", "gre", ..] => t.protocol = "GRE/IP".into(),
            ["tunnel", "mode", "ipip", ..] => t.protocol = "IPIP".into(),
            ["tunnel", "protection", "ipsec", "profile", p, ..] => t.protection = Some(p.to_string()),
            ["tunnel", "vrf", v] => t.vrf = Some(v.to_string()),
            ["tunnel", "key", k] => t.key = k.parse().ok(),
            _ => {}
        }
    }
    // The tunnel source interface's primary address.
    if let (None, Some(sif)) = (&t.source, &t.source_if) {
        t.source = r.ios_doc.root.iter().find(|x| x.text == format!("interface {sif}")).and_then(|x| {
            x.children.iter().find_map(|c| match words(&c.text).as_slice() {
                ["ip", "address", a, _m] => Some(a.to_string()),
                _ => None,
            })
        });
    }
    // The traffic of the SAs of the tunnels bound to this interface.
    let model = r.ios_model.clone();
    for c in r.ike().child_sas() {
        let bound =
            model.tunnels.get(&c.tunnel).and_then(|t| t.bind_interface.as_ref()).is_some_and(|b| b.0 == st.name);
        if bound {
            st.packets_in += c.packets_in;
            st.bytes_in += c.bytes_in;
            st.packets_out += c.packets_out;
            st.bytes_out += c.bytes_out;
        }
    }
    // A VTI is up while an IPsec SA is (its device says it, where there is one).
    st.line_up = line_protocol_up(&r.ios_doc, n) && link_states(r).get(&st.name).copied().unwrap_or(true);
    if is_tunnel {
        st.tunnel = Some(t);
    }
    st
}

/// Is the interface a VTI (`tunnel mode ipsec ipv4` with `tunnel protection
/// ipsec profile`)? IOS keeps its line protocol down until an IPsec SA is up.
pub fn is_vti(n: &Node) -> bool {
    let has = |f: &dyn Fn(&[&str]) -> bool| n.children.iter().any(|c| f(words(&c.text).as_slice()));
    has(&|w| matches!(w, ["tunnel", "mode", "ipsec", "ipv4", ..]))
        && has(&|w| matches!(w, ["tunnel", "protection", "ipsec", "profile", ..]))
}

/// The state of the links that follow something other than the
/// configuration: a host device's (`Router::host_links`), and a VTI's
/// IPsec SA (up while the engine has one for the tunnel the interface is,
/// down before it comes and after it goes). An interface not listed is up
/// unless its configuration says otherwise ([`line_protocol_up`]).
pub fn link_states(r: &Router) -> std::collections::BTreeMap<String, bool> {
    let mut links = r.host_links.clone();
    let vtis: Vec<String> = r
        .ios_doc
        .root
        .iter()
        .filter(|n| n.text.starts_with("interface ") && is_vti(n))
        .map(|n| n.text["interface ".len()..].to_string())
        .filter(|name| !links.contains_key(name))
        .collect();
    if vtis.is_empty() {
        return links;
    }
    // The interfaces the engine's child SAs are bound to (one pass, however many VTIs).
    let model = r.ios_model.clone();
    let bound: std::collections::HashSet<&str> = r
        .ike()
        .child_sas()
        .iter()
        .filter_map(|c| model.tunnels.get(&c.tunnel)?.bind_interface.as_ref().map(|b| b.0.as_str()))
        .collect();
    for name in vtis {
        let up = bound.contains(name.as_str());
        links.insert(name, up);
    }
    links
}

/// The `%LINEPROTO-5-UPDOWN` lines of the VTIs whose line protocol changed
/// since the last call (their SA came or went), as IOS logs them; read only
/// when the engine's child SAs changed. A VTI starts down, unlogged.
pub fn vti_link_changes(r: &mut Router) -> Vec<(u8, &'static str, String)> {
    let generation = r.ike().children_generation();
    if r.ios_vti_links.0 == generation {
        return Vec::new();
    }
    let vtis: std::collections::BTreeSet<String> = r
        .ios_doc
        .root
        .iter()
        .filter(|n| n.text.starts_with("interface ") && is_vti(n) && line_protocol_up(&r.ios_doc, n))
        .map(|n| n.text["interface ".len()..].to_string())
        .collect();
    let now: std::collections::BTreeMap<String, bool> =
        link_states(r).into_iter().filter(|(n, _)| vtis.contains(n)).collect();
    let mut out = Vec::new();
    for (name, up) in &now {
        let was = r.ios_vti_links.1.get(name).copied().unwrap_or(false);
        if was != *up {
            let state = if *up { "up" } else { "down" };
            out.push((5, "LINEPROTO/UPDOWN", format!("Line protocol on Interface {name}, changed state to {state}")));
        }
    }
    r.ios_vti_links = (generation, now);
    out
}

/// Is an interface's line protocol up? Not when `shutdown`; a tunnel needs
/// a source address (given, or its source interface's primary) and a
/// destination (multipoint GRE needs none).
pub fn line_protocol_up(doc: &IosDoc, n: &Node) -> bool {
    if n.children.iter().any(|c| c.text == "shutdown") {
        return false;
    }
    let name = &n.text["interface ".len().min(n.text.len())..];
    let mut tunnel = kind(name) == "Tunnel";
    let (mut source, mut dest, mut multipoint) = (false, false, false);
    for c in &n.children {
        match words(&c.text).as_slice() {
            ["tunnel", "source", s] => {
                tunnel = true;
                source = s.parse::<Ipv4Addr>().is_ok()
                    || doc.root.iter().any(|x| x.text == format!("interface {}", super::names::interface_name(s)) && x.children.iter().any(|c| matches!(words(&c.text).as_slice(), ["ip", "address", a, _] if a.parse::<Ipv4Addr>().is_ok())));
            }
            ["tunnel", "destination", _] => dest = true,
            ["tunnel", "mode", "gre", "multipoint", ..] => multipoint = true,
            _ => {}
        }
    }
    !tunnel || (source && (dest || multipoint))
}

/// `show interfaces [NAME]`: every interface, or the one named (`None`: no such interface).
pub fn interfaces(r: &Router, only: Option<&str>) -> Option<Vec<IfState>> {
    let doc = r.ios_doc.clone();
    let v: Vec<IfState> = doc
        .root
        .iter()
        .filter(|n| n.text.starts_with("interface "))
        .filter(|n| only.is_none_or(|o| n.text["interface ".len()..] == *o))
        .map(|n| gather_if(n, r))
        .collect();
    (only.is_none() || !v.is_empty()).then_some(v)
}

pub fn render_interfaces(ifs: &[IfState], out: &mut dyn Out) {
    for i in ifs {
        let k = kind(&i.name);
        match (i.shutdown, i.line_up) {
            (true, _) => out.line(&format!("{} is administratively down, line protocol is down ", i.name)),
            (false, true) => out.line(&format!("{} is up, line protocol is up ", i.name)),
            (false, false) => out.line(&format!("{} is up, line protocol is down ", i.name)),
        }
        match k {
            "Loopback" => out.line("  Hardware is Loopback"),
            "Tunnel" => out.line("  Hardware is Tunnel"),
            _ => out.line(&format!("  Hardware is iGbE, address is {} (bia {})", i.mac, i.mac)),
        }
        if let Some(d) = &i.description {
            out.line(&format!("  Description: {d}"));
        }
        match (i.addresses.first(), i.dhcp) {
            (_, true) => out.line("  Internet address will be negotiated using DHCP"),
            (Some((a, l)), _) => out.line(&format!("  Internet address is {a}/{l}")),
            (None, _) => {}
        }
        for (a, l) in i.addresses.iter().skip(1) {
            out.line(&format!("  Secondary address {a}/{l}"));
        }
        let (bw, dly) = match k {
            "Loopback" => (8_000_000, 5000),
            "Tunnel" => (100, 50000),
            _ => (1_000_000, 10),
        };
        out.line(&format!("  MTU {} bytes, BW {bw} Kbit/sec, DLY {dly} usec, ", i.mtu));
        out.line("     reliability 255/255, txload 1/255, rxload 1/255");
        match k {
            "Loopback" => out.line("  Encapsulation LOOPBACK, loopback not set"),
            "Tunnel" => out.line("  Encapsulation TUNNEL, loopback not set"),
            _ => out.line("  Encapsulation ARPA, loopback not set"),
        }
        match k {
            "Tunnel" => out.line("  Keepalive not set"),
            _ => out.line("  Keepalive set (10 sec)"),
        }
        if let Some(t) = &i.tunnel {
            if i.line_up {
                out.line("  Tunnel linestate evaluation up");
            }
            let src = match (&t.source, &t.source_if) {
                (Some(a), Some(f)) => format!("{a} ({f})"),
                (Some(a), None) => a.clone(),
                (None, Some(f)) => format!("UNKNOWN ({f})"),
                (None, None) => "UNKNOWN".into(),
            };
            match &t.destination {
                Some(d) => out.line(&format!("  Tunnel source {src}, destination {d}")),
                None => out.line(&format!("  Tunnel source {src}")),
            }
            out.line(&format!("  Tunnel protocol/transport {}", t.protocol));
            let gre = t.protocol.contains("GRE");
            if gre {
                match t.key {
                    Some(k) => out.line(&format!("    Key 0x{k:X}, sequencing disabled")),
                    None => out.line("    Key disabled, sequencing disabled"),
                }
                out.line("    Checksumming of packets disabled");
            }
            out.line("  Tunnel TTL 255, Fast tunneling enabled");
            // GRE adds 24 bytes; an IPsec tunnel's ESP (AES, SHA-1, tunnel mode) 62.
            out.line(&format!("  Tunnel transport MTU {} bytes", if gre { 1476 } else { 1438 }));
            out.line("  Tunnel transmit bandwidth 8000 (kbps)");
            out.line("  Tunnel receive bandwidth 8000 (kbps)");
            if let Some(p) = &t.protection {
                out.line(&format!("  Tunnel protection via IPSec (profile \"{p}\")"));
            }
        }
        if k == "Ethernet" {
            out.line("  Full Duplex, Auto Speed, link type is auto, media type is RJ45");
            out.line("  output flow-control is unsupported, input flow-control is unsupported");
            out.line("  ARP type: ARPA, ARP Timeout 04:00:00");
        }
        out.line("  Last input never, output never, output hang never");
        out.line("  Last clearing of \"show interface\" counters never");
        out.line("  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0");
        out.line("  Queueing strategy: fifo");
        out.line("  Output queue: 0/40 (size/max)");
        out.line("  5 minute input rate 0 bits/sec, 0 packets/sec");
        out.line("  5 minute output rate 0 bits/sec, 0 packets/sec");
        out.line(&format!("     {} packets input, {} bytes, 0 no buffer", i.packets_in, i.bytes_in));
        out.line("     Received 0 broadcasts (0 IP multicasts)");
        out.line("     0 runts, 0 giants, 0 throttles ");
        out.line("     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored");
        if k == "Ethernet" {
            out.line("     0 watchdog, 0 multicast, 0 pause input");
        }
        out.line(&format!("     {} packets output, {} bytes, 0 underruns", i.packets_out, i.bytes_out));
        out.line("     0 output errors, 0 collisions, 0 interface resets");
        out.line("     0 unknown protocol drops");
        if k == "Ethernet" {
            out.line("     0 babbles, 0 late collision, 0 deferred");
            out.line("     0 lost carrier, 0 no carrier, 0 pause output");
        }
        out.line("     0 output buffer failures, 0 output buffers swapped out");
    }
}

// ------------------------------------------------------------ routes

/// One route of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// `C`, `L`, `S`.
    pub code: &'static str,
    pub net: Ipv4Addr,
    pub len: u8,
    pub distance: u8,
    pub via: Option<Ipv4Addr>,
    pub interface: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTable {
    pub vrf: Option<String>,
    pub routes: Vec<Route>,
}

fn net_of(a: Ipv4Addr, len: u8) -> Ipv4Addr {
    let m = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Ipv4Addr::from(u32::from(a) & m)
}

fn contains(net: Ipv4Addr, len: u8, a: Ipv4Addr) -> bool {
    net_of(a, len) == net
}

/// `show ip route [vrf V]`: connected and local routes of the interfaces
/// that are up, static routes whose next hop is reachable, and the routes
/// reverse-route injection installs (`reverse-route` in a crypto map entry:
/// the remote proxy of each SA that is up; `reverse-route static`: always).
pub fn route_table(r: &Router, vrf: Option<&str>) -> RouteTable {
    let doc: &IosDoc = &r.ios_doc;
    let mut routes = Vec::new();
    for n in doc.root.iter().filter(|n| n.text.starts_with("interface ")) {
        let st = gather_if(n, r);
        if !st.line_up || st.vrf.as_deref() != vrf {
            continue;
        }
        for (a, l) in &st.addresses {
            routes.push(Route {
                code: "C",
                net: net_of(*a, *l),
                len: *l,
                distance: 0,
                via: None,
                interface: Some(st.name.clone()),
            });
            if *l < 32 {
                routes.push(Route {
                    code: "L",
                    net: *a,
                    len: 32,
                    distance: 0,
                    via: None,
                    interface: Some(st.name.clone()),
                });
            }
        }
    }
    let connected = routes.clone();
    let mut statics = Vec::new();
    for n in &doc.root {
        let w = words(&n.text);
        let (v, rest) = match w.as_slice() {
            ["ip", "route", "vrf", v, rest @ ..] => (Some(*v), rest),
            ["ip", "route", rest @ ..] => (None, rest),
            _ => continue,
        };
        if v != vrf {
            continue;
        }
        let [net, mask, hop, more @ ..] = rest else { continue };
        let (Ok(net), Some(len)) = (net.parse::<Ipv4Addr>(), mask.parse().ok().and_then(mask_len)) else { continue };
        let distance = more.first().and_then(|d| d.parse().ok()).unwrap_or(1);
        match hop.parse::<Ipv4Addr>() {
            Ok(h) => statics.push(Route { code: "S", net, len, distance, via: Some(h), interface: None }),
            Err(_) => {
                let ifname = super::names::interface_name(hop);
                // An interface route: installed when the interface is up.
                let up = doc.root.iter().any(|x| {
                    x.text == format!("interface {ifname}") && !x.children.iter().any(|c| c.text == "shutdown")
                });
                if up {
                    statics.push(Route { code: "S", net, len, distance, via: None, interface: Some(ifname) });
                }
            }
        }
    }
    // Reverse-route injection (crypto map entries of this VRF's table).
    if vrf.is_none() {
        for n in &doc.root {
            let ["crypto", "map", m, seq, ..] = words(&n.text)[..] else { continue };
            let Some(rri) = n.children.iter().find(|c| c.text.starts_with("reverse-route")) else { continue };
            let tname = format!("{m}-{seq}");
            if rri.text == "reverse-route static" {
                if let Some(p) = r.ike().conf().peers.iter().find(|p| p.name == tname) {
                    for c in &p.children {
                        statics.push(Route {
                            code: "S",
                            net: c.remote_ts.net.network(),
                            len: c.remote_ts.net.len,
                            distance: 1,
                            via: p.remote,
                            interface: None,
                        });
                    }
                }
            } else {
                for c in r.ike().child_sas().iter().filter(|c| c.tunnel == tname) {
                    statics.push(Route {
                        code: "S",
                        net: c.remote_ts.net.network(),
                        len: c.remote_ts.net.len,
                        distance: 1,
                        via: Some(*c.remote.ip()),
                        interface: None,
                    });
                }
            }
        }
    }
    // A next hop must be reachable through a connected route (or another static route).
    let reach = |h: Ipv4Addr, statics: &[Route], me: usize| {
        connected.iter().any(|c| contains(c.net, c.len, h))
            || statics.iter().enumerate().any(|(i, s)| i != me && s.via.is_none() && contains(s.net, s.len, h))
    };
    let statics: Vec<Route> = statics
        .iter()
        .enumerate()
        .filter(|(i, s)| s.via.is_none_or(|h| reach(h, &statics, *i)))
        .map(|(_, s)| s.clone())
        .collect();
    for s in statics {
        if !routes.iter().any(|x| x.net == s.net && x.len == s.len && x.via == s.via && x.interface == s.interface) {
            routes.push(s);
        }
    }
    routes.sort_by_key(|x| (u32::from(x.net), x.len, x.code != "C"));
    RouteTable { vrf: vrf.map(str::to_string), routes }
}

/// The classful network of an address and its length (A /8, B /16, C /24).
fn classful(a: Ipv4Addr) -> (Ipv4Addr, u8) {
    let o = a.octets()[0];
    let len = if o < 128 {
        8
    } else if o < 192 {
        16
    } else {
        24
    };
    (net_of(a, len), len)
}

pub fn render_route_table(t: &RouteTable, out: &mut dyn Out) {
    if let Some(v) = &t.vrf {
        out.line("");
        out.line(&format!("Routing Table: {v}"));
    }
    out.line("Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP");
    out.line("       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area ");
    out.line("       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2");
    out.line("       E1 - OSPF external type 1, E2 - OSPF external type 2");
    out.line("       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2");
    out.line("       ia - IS-IS inter area, * - candidate default, U - per-user static route");
    out.line("       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP");
    out.line("       a - application route");
    out.line("       + - replicated route, % - next hop override, p - overrides from PfR");
    out.line("");
    let default = t.routes.iter().filter(|r| r.len == 0).min_by_key(|r| r.distance);
    match default {
        Some(d) => out
            .line(&format!("Gateway of last resort is {} to network 0.0.0.0", d.via.unwrap_or(Ipv4Addr::UNSPECIFIED))),
        None => out.line("Gateway of last resort is not set"),
    }
    out.line("");
    let text = |r: &Route, with_len: bool| -> String {
        let dest = if with_len { format!("{}/{}", r.net, r.len) } else { r.net.to_string() };
        match (r.via, &r.interface) {
            (Some(h), _) => format!("{dest} [{}/0] via {h}", r.distance),
            (None, Some(i)) => format!("{dest} is directly connected, {i}"),
            (None, None) => dest,
        }
    };
    let code = |r: &Route| if r.len == 0 { format!("{}*", r.code) } else { r.code.to_string() };
    // The routes of a classful network that has subnets are grouped under it.
    let mut i = 0;
    while i < t.routes.len() {
        let r = &t.routes[i];
        let (cnet, clen) = classful(r.net);
        let group: Vec<&Route> = if r.len >= clen {
            t.routes[i..].iter().take_while(|x| x.len >= clen && classful(x.net).0 == cnet).collect()
        } else {
            vec![r]
        };
        if group.iter().all(|x| x.len <= clen) {
            for x in &group {
                out.line(&format!("{:<6}{}", code(x), text(x, true)));
            }
            i += group.len();
            continue;
        }
        let mut subnets: Vec<(Ipv4Addr, u8)> = group.iter().map(|x| (x.net, x.len)).collect();
        subnets.dedup();
        let mut masks: Vec<u8> = group.iter().map(|x| x.len).collect();
        masks.sort();
        masks.dedup();
        if masks.len() == 1 {
            out.line(&format!("      {cnet}/{} is subnetted, {} subnets", masks[0], subnets.len()));
        } else {
            out.line(&format!(
                "      {cnet}/{clen} is variably subnetted, {} subnets, {} masks",
                subnets.len(),
                masks.len()
            ));
        }
        for x in &group {
            out.line(&format!("{:<9}{}", code(x), text(x, masks.len() > 1)));
        }
        i += group.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::VecOut;

    #[test]
    fn routes_group_under_their_classful_network_as_ios_prints_them() {
        let r = |code, net: &str, len, via: Option<&str>, i: Option<&str>| Route {
            code,
            net: net.parse().unwrap(),
            len,
            distance: if code == "S" { 1 } else { 0 },
            via: via.map(|v| v.parse().unwrap()),
            interface: i.map(str::to_string),
        };
        let t = RouteTable {
            vrf: None,
            routes: vec![
                r("S", "0.0.0.0", 0, Some("192.0.2.254"), None),
                r("C", "192.0.2.0", 24, None, Some("GigabitEthernet0/0")),
                r("L", "192.0.2.1", 32, None, Some("GigabitEthernet0/0")),
                r("S", "203.0.113.0", 24, Some("192.0.2.2"), None),
            ],
        };
        let mut o = VecOut::default();
        render_route_table(&t, &mut o);
        let text = o.text();
        let body = text.split("Gateway").nth(1).unwrap();
        assert_eq!(
            body,
            " of last resort is 192.0.2.254 to network 0.0.0.0\n\
             \n\
             S*    0.0.0.0/0 [1/0] via 192.0.2.254\n\
             \x20     192.0.2.0/24 is variably subnetted, 2 subnets, 2 masks\n\
             C        192.0.2.0/24 is directly connected, GigabitEthernet0/0\n\
             L        192.0.2.1/32 is directly connected, GigabitEthernet0/0\n\
             S     203.0.113.0/24 [1/0] via 192.0.2.2\n"
        );
    }

    #[test]
    fn a_subnetted_network_with_one_mask_prints_addresses_without_length() {
        let t = RouteTable {
            vrf: Some("V".into()),
            routes: vec![Route {
                code: "C",
                net: "10.1.1.1".parse().unwrap(),
                len: 32,
                distance: 0,
                via: None,
                interface: Some("Loopback50".into()),
            }],
        };
        let mut o = VecOut::default();
        render_route_table(&t, &mut o);
        assert!(o.text().starts_with("\nRouting Table: V\nCodes: L - local,"));
        assert!(o.text().ends_with("Gateway of last resort is not set\n\n      10.0.0.0/32 is subnetted, 1 subnets\nC        10.1.1.1 is directly connected, Loopback50\n"), "{}", o.text());
    }
}
