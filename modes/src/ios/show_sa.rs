//! IOS's crypto show tables: `show crypto isakmp sa`, `show crypto ipsec
//! sa [detail]`, `show crypto session [detail]`, from the engine's SAs.

use crate::ios::events::ios_transform;
use crate::session::Router;
use edgesh_engine::config::{EspAuth, EspEncr};
use edgesh_engine::esp_drops::DropKind;
use edgesh_engine::failed_p1::FailedP1;
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::endpoint::{ChildSa, IkeSa};
use edgesh_engine::ike::events::Role;

// ------------------------------------------------------------ show (IOS)

fn dotted(s: &Selector) -> String {
    format!("({}/{}/{}/{})", s.net.network(), s.mask(), s.proto, s.port)
}

/// `show crypto isakmp sa`: Genie's iosxe parser needs both headers. SAs
/// that failed phase 1 stay listed a while as `ACTIVE (deleted)` (seed 002's
/// `MM_NO_STATE` after a main mode failure), in conn-id order with the rest.
pub fn ios_isakmp_sa<'a>(sas: impl IntoIterator<Item = &'a IkeSa>, failed: &[&FailedP1], out: &mut Vec<String>) {
    out.push("IPv4 Crypto ISAKMP SA".into());
    out.push("dst             src             state          conn-id status".into());
    let mut rows: Vec<(u32, String)> = Vec::new();
    let row = |role: Role,
               local: std::net::SocketAddrV4,
               remote: std::net::SocketAddrV4,
               state: &str,
               conn: u32,
               status: &str| {
        let (dst, src) = if role == Role::Initiator {
            (remote.ip().to_string(), local.ip().to_string())
        } else {
            (local.ip().to_string(), remote.ip().to_string())
        };
        format!("{dst:<16}{src:<16}{state:<15}{conn:>7} {status}")
    };
    for s in sas {
        rows.push((s.conn, row(s.role, s.local, s.remote, s.state.name(), s.conn, "ACTIVE")));
    }
    for f in failed {
        rows.push((f.conn, row(f.role, f.local, f.remote, f.state.name(), f.conn, "ACTIVE (deleted)")));
    }
    rows.sort_by_key(|r| r.0);
    out.extend(rows.into_iter().map(|r| r.1));
    out.push(String::new());
    out.push("IPv6 Crypto ISAKMP SA".into());
    out.push(String::new());
}

/// The IOS interface and crypto map tag of a tunnel (a crypto map entry `MAP-SEQ` or a VTI).
pub(crate) fn ios_map_of(tunnel: &str, iface: Option<&str>) -> (String, String) {
    match iface {
        Some(i) if i.starts_with("Tunnel") => (i.to_string(), format!("{i}-head-0")),
        Some(i) => (i.to_string(), tunnel.rsplit_once('-').map(|x| x.0).unwrap_or(tunnel).to_string()),
        None => ("(none)".to_string(), tunnel.rsplit_once('-').map(|x| x.0).unwrap_or(tunnel).to_string()),
    }
}

pub(crate) fn iv_size(esp: Option<(EspEncr, Option<EspAuth>)>) -> usize {
    match esp.map(|e| e.0) {
        Some(EspEncr::DesCbc | EspEncr::TripleDesCbc) => 8,
        Some(EspEncr::Null) | None => 0,
        Some(EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc) => 16,
        Some(_) => 8,
    }
}

/// `show crypto ipsec sa [detail]` in the IOS layout (ntc-templates' detail template reads it).
pub fn ios_ipsec_sa(r: &Router, detail: bool, out: &mut Vec<String>) {
    let compiled = r.ios_model.clone();
    let now = r.now_ms();
    let conf = r.ike().conf();
    // Per interface and map: the rows (one per child, or per negotiated pair of a dynamic map).
    let mut by_if: Vec<(String, String, std::net::Ipv4Addr, Vec<Row>)> = Vec::new();
    let entry = |by_if: &mut Vec<(String, String, std::net::Ipv4Addr, Vec<Row>)>,
                 name: &str,
                 local: std::net::Ipv4Addr|
     -> usize {
        let iface = compiled.tunnels.get(name).and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone()));
        let (ifname, tag) = ios_map_of(name, iface.as_deref());
        match by_if.iter().position(|x| x.0 == ifname && x.1 == tag) {
            Some(i) => i,
            None => {
                by_if.push((ifname, tag, local, Vec::new()));
                by_if.len() - 1
            }
        }
    };
    for p in &conf.peers {
        let e = entry(&mut by_if, &p.name, p.local);
        let row = |cc: &edgesh_engine::ike::conf::ChildConf, sa: Option<&'_ ChildSa>| Row {
            local: p.local,
            peer: sa.map(|s| s.remote).unwrap_or_else(|| {
                std::net::SocketAddrV4::new(p.remote.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED), 500)
            }),
            ts: sa.map(|s| (s.local_ts, s.remote_ts)).unwrap_or((cc.local_ts, cc.remote_ts)),
            pfs: cc.pfs,
            sa: sa.cloned(),
            manual: false,
        };
        if p.dynamic {
            for c in r.ike().child_sas().iter().filter(|c| c.tunnel == p.name) {
                let r = row(&p.children[c.child], Some(c));
                by_if[e].3.push(r);
            }
        } else {
            for i in 0..p.children.len() {
                let sa =
                    r.ike().child_sas().iter().filter(|c| c.tunnel == p.name && c.child == i).max_by_key(|c| c.created);
                let r = row(&p.children[i], sa);
                by_if[e].3.push(r);
            }
        }
    }
    // Manual-key entries (`crypto map ... ipsec-manual`): their installed pair.
    for m in &conf.manual {
        let e = entry(&mut by_if, &m.tunnel, m.local);
        let sa = r
            .ike()
            .child_sas()
            .iter()
            .find(|c| edgesh_engine::ike::manual::is_manual(c.ike) && c.tunnel == m.tunnel && c.child == m.child);
        let Some(sa) = sa else { continue };
        let peer = if sa.remote.port() == 0 { std::net::SocketAddrV4::new(m.remote, 500) } else { sa.remote };
        by_if[e].3.push(Row {
            local: m.local,
            peer,
            ts: (sa.local_ts, sa.remote_ts),
            pfs: None,
            sa: Some(sa.clone()),
            manual: true,
        });
    }
    for (ifname, tag, local, kids) in by_if {
        out.push(format!("interface: {ifname}"));
        out.push(format!("    Crypto map tag: {tag}, local addr {local}"));
        out.push(String::new());
        for row in kids {
            let sa = row.sa.as_ref();
            let peer = row.peer;
            let (lts, rts) = row.ts;
            out.push("   protected vrf: (none)".into());
            out.push(format!("   local  ident (addr/mask/prot/port): {}", dotted(&lts)));
            out.push(format!("   remote ident (addr/mask/prot/port): {}", dotted(&rts)));
            out.push(format!("   current_peer {} port {}", peer.ip(), peer.port()));
            out.push("     PERMIT, flags={origin_is_acl,}".into());
            // Counts the dataplane reported on this SA pair (digest/verify only with an authenticator).
            let (pin, pout) = sa.map(|s| (s.packets_in, s.packets_out)).unwrap_or((0, 0));
            let authed = sa.is_some_and(|s| s.ah.is_some() || s.esp.is_some_and(|(e, a)| a.is_some() || e.is_aead()));
            let (din, dout) = if authed { (pin, pout) } else { (0, 0) };
            out.push(format!("    #pkts encaps: {pout}, #pkts encrypt: {pout}, #pkts digest: {dout}"));
            out.push(format!("    #pkts decaps: {pin}, #pkts decrypt: {pin}, #pkts verify: {din}"));
            out.push("    #pkts compressed: 0, #pkts decompressed: 0".into());
            out.push("    #pkts not compressed: 0, #pkts compr. failed: 0".into());
            out.push("    #pkts not decompressed: 0, #pkts decompress failed: 0".into());
            // Inbound packets the dataplane dropped on this SA (issue 15).
            let dr = sa.map(|s| r.engine.esp_drops(s.spi_in)).unwrap_or_default();
            let drop = |k| dr.get(k);
            if detail {
                out.push(format!("    #pkts no sa (send) 0, #pkts invalid sa (rcv) {}", drop(DropKind::UnknownSpi)));
                out.push("    #pkts encaps failed (send) 0, #pkts decaps failed (rcv) 0".into());
                out.push(format!(
                    "    #pkts invalid prot (recv) {}, #pkts verify failed: {}",
                    drop(DropKind::TransportMode),
                    drop(DropKind::BadIcv) + drop(DropKind::AuthAlgorithm)
                ));
                out.push(format!(
                    "    #pkts invalid identity (recv) {}, #pkts invalid len (rcv) {}",
                    drop(DropKind::Selector),
                    drop(DropKind::Malformed)
                ));
                out.push("    #pkts replay rollover (send): 0, #pkts replay rollover (rcv) 0".into());
                out.push(format!("    ##pkts replay failed (rcv): {}", drop(DropKind::Replay) + drop(DropKind::Late)));
                out.push("    #pkts tagged (send): 0, #pkts untagged (rcv): 0".into());
                out.push("    #pkts not tagged (send): 0, #pkts not untagged (rcv): 0".into());
                out.push("    #pkts internal err (send): 0, #pkts internal err (recv) 0".into());
            } else {
                out.push(format!("    #send errors 0, #recv errors {}", dr.total()));
            }
            out.push(String::new());
            out.push(format!("     local crypto endpt.: {}, remote crypto endpt.: {}", row.local, peer.ip()));
            let overhead = if sa.is_some() { 62 } else { 0 };
            out.push(format!(
                "     plaintext mtu {}, path mtu 1500, ip mtu 1500, ip mtu idb {ifname}",
                1500 - overhead
            ));
            let spo = sa.map(|s| s.spi_out).unwrap_or(0);
            out.push(format!("     current outbound spi: 0x{spo:X}({spo})"));
            match row.pfs {
                Some(g) => out.push(format!("     PFS (Y/N): Y, DH group: group{g}")),
                None => out.push("     PFS (Y/N): N, DH group: none".into()),
            }
            out.push(String::new());
            for dir in ["inbound", "outbound"] {
                out.push(format!("     {dir} esp sas:"));
                if let Some(s) = sa.filter(|s| s.esp.is_some()) {
                    let (spi, conn) = if dir == "inbound" { (s.spi_in, s.id) } else { (s.spi_out, s.id + 1) };
                    out.push(format!("      spi: 0x{spi:X}({spi})"));
                    out.push(format!("        transform: {} ,", ios_transform(s.esp, None)));
                    out.push(format!(
                        "        in use settings ={{{}{}, }}",
                        if s.transport { "Transport" } else { "Tunnel" },
                        if s.encap { " UDP-Encaps" } else { "" }
                    ));
                    out.push(format!(
                        "        conn id: {conn}, flow_id: SW:{}, sibling_flags 80000040, crypto map: {tag}",
                        conn % 1000
                    ));
                    sa_timing(&row, s, now, out);
                    out.push(format!("        IV size: {} bytes", iv_size(s.esp)));
                    match (s.replay_window, detail) {
                        (0, _) => out.push("        replay detection support: N".into()),
                        (w, true) => out.push(format!("        replay detection support: Y  replay window size: {w}")),
                        (_, false) => out.push("        replay detection support: Y".into()),
                    }
                    out.push("        Status: ACTIVE(ACTIVE)".into());
                }
                out.push(String::new());
                out.push(format!("     {dir} ah sas:"));
                if let Some(s) = sa.filter(|s| s.ah.is_some()) {
                    // A bundle's outbound AH SPI is its own (the peer may give AH and ESP different ones).
                    let ah_out = s.ah_part.as_ref().map(|p| p.spi_out).unwrap_or(s.spi_out);
                    let (spi, conn) = if dir == "inbound" { (s.spi_in, s.id) } else { (ah_out, s.id + 1) };
                    out.push(format!("      spi: 0x{spi:X}({spi})"));
                    out.push(format!("        transform: {} ,", ios_transform(None, s.ah)));
                    out.push("        in use settings ={Tunnel, }".into());
                    out.push(format!(
                        "        conn id: {conn}, flow_id: SW:{}, sibling_flags 80000040, crypto map: {tag}",
                        conn % 1000
                    ));
                    sa_timing(&row, s, now, out);
                    out.push(format!(
                        "        replay detection support: {}",
                        if s.replay_window == 0 { "N" } else { "Y" }
                    ));
                    out.push("        Status: ACTIVE(ACTIVE)".into());
                }
                out.push(String::new());
                out.push(format!("     {dir} pcp sas:"));
                out.push(String::new());
            }
        }
    }
}

/// One SA block of `show crypto ipsec sa`.
struct Row {
    local: std::net::Ipv4Addr,
    peer: std::net::SocketAddrV4,
    ts: (Selector, Selector),
    pfs: Option<u16>,
    sa: Option<ChildSa>,
    /// A manual-key SA: no lifetime (IOS says `no sa timing`).
    manual: bool,
}

fn sa_timing(row: &Row, s: &ChildSa, now: u64, out: &mut Vec<String>) {
    if row.manual {
        out.push("        no sa timing".into());
    } else {
        out.push(format!(
            "        sa timing: remaining key lifetime (k/sec): ({}/{})",
            s.remaining_kbytes().unwrap_or(super::defaults::IPSEC_SA_KILOBYTES),
            s.remaining_seconds(now)
        ));
    }
}

/// `show crypto session [detail]`.
pub fn ios_session(r: &Router, detail: bool, out: &mut Vec<String>) {
    let now = r.now_ms();
    out.push("Crypto session current status".into());
    out.push(String::new());
    if detail {
        out.push("Code: C - IKE Configuration mode, D - Dead Peer Detection     ".into());
        out.push("K - Keepalives, N - NAT-traversal, T - cTCP encapsulation     ".into());
        out.push("X - IKE Extended Authentication, F - IKE Fragmentation".into());
        out.push("R - IKE Auto Reconnect".into());
        out.push(String::new());
    }
    // One block per interface and peer, as IOS groups a crypto session:
    // several crypto-map entries (tunnels) to one peer share it, with all
    // their IKE SAs and all their flows.
    for (iface, peer, tunnels) in session_groups(r) {
        let ike: Vec<&IkeSa> =
            r.ike().ike_sas().iter().filter(|s| tunnels.iter().any(|p| p.name == s.tunnel)).collect();
        let kids: Vec<&ChildSa> =
            r.ike().child_sas().iter().filter(|c| tunnels.iter().any(|p| p.name == c.tunnel)).collect();
        let v2: Vec<(bool, Option<u64>, Option<u16>)> =
            tunnels.iter().map(|p| crate::ios::show_ikev2::established(r, &p.name)).collect();
        let v2_up = v2.iter().any(|x| x.0);
        let v2_since = v2.iter().filter_map(|x| x.1).min();
        let v2_port = v2.iter().find_map(|x| x.2);
        let status = session_status(ike.iter().any(|s| s.is_established()) || v2_up, kids.is_empty(), ike.is_empty());
        let port =
            ike.first().map(|s| s.remote.port()).or(v2_port).or(kids.first().map(|c| c.remote.port())).unwrap_or(500);
        let first = &tunnels[0];
        out.push(format!("Interface: {iface}"));
        if detail {
            if let Some(prof) = session_profile(&r.ios_doc, &first.name) {
                out.push(format!("Profile: {prof}"));
            }
            if let Some(t) = ike.iter().filter_map(|s| s.established).chain(v2_since).min() {
                out.push(format!("Uptime: {}", hms(now.saturating_sub(t) / 1000)));
            }
        }
        out.push(format!("Session status: {status}"));
        if detail {
            let (fvrf, ivrf) = crate::ios::show_ikev2::session_vrfs(r, &first.name);
            out.push(format!("Peer: {peer} port {port} fvrf: {fvrf} ivrf: {ivrf}"));
            let id = ike
                .iter()
                .find_map(|s| s.peer_id.as_ref())
                .map(crate::ios::show_ikev2::v1_id_text)
                .or_else(|| tunnels.iter().find_map(|p| crate::ios::show_ikev2::phase1_id(r, &p.name)));
            out.push(format!("      Phase1_id: {}", id.unwrap_or_else(|| "(none)".into())));
            out.push("      Desc: (none)".into());
        } else {
            out.push(format!("Peer: {peer} port {port} "));
        }
        for s in &ike {
            out.push("  Session ID: 0  ".into());
            out.push(format!(
                "  IKEv1 SA: local {}/{} remote {}/{} {}",
                s.local.ip(),
                s.local.port(),
                s.remote.ip(),
                s.remote.port(),
                if s.is_established() { "Active" } else { "Inactive" }
            ));
            if detail {
                let caps = format!(
                    "{}{}",
                    if s.peer_dpd { "D" } else { "" },
                    if s.nat_local || s.nat_remote { "N" } else { "" }
                );
                out.push(format!(
                    "          Capabilities:{} connid:{} lifetime:{}",
                    if caps.is_empty() { "(none)".to_string() } else { caps },
                    s.conn,
                    hms(s.expires().saturating_sub(now) / 1000)
                ));
            }
        }
        for p in &tunnels {
            crate::ios::show_ikev2::session_lines(r, &p.name, detail, now, out);
        }
        for p in &tunnels {
            let kids: Vec<&&ChildSa> = kids.iter().filter(|c| c.tunnel == p.name).collect();
            let flows: Vec<(usize, Selector, Selector)> = if p.dynamic {
                kids.iter().map(|c| (c.child, c.local_ts, c.remote_ts)).collect()
            } else {
                p.children.iter().enumerate().map(|(i, c)| (i, c.local_ts, c.remote_ts)).collect()
            };
            for (ci, lts, rts) in flows {
                let n = kids
                    .iter()
                    .filter(|c| c.child == ci && (!p.dynamic || (c.local_ts == lts && c.remote_ts == rts)))
                    .count()
                    * 2;
                let proto = if lts.proto == 0 { "ip".to_string() } else { lts.proto.to_string() };
                out.push(format!("  IPSEC FLOW: permit {proto} {} {}", acl_addr(&lts), acl_addr(&rts)));
                out.push(format!("        Active SAs: {n}, origin: crypto map"));
                if detail {
                    let newest = kids.iter().filter(|c| c.child == ci).max_by_key(|c| c.created);
                    let life = newest
                        .map(|c| {
                            (
                                c.remaining_kbytes().unwrap_or(super::defaults::IPSEC_SA_KILOBYTES),
                                c.remaining_seconds(now),
                            )
                        })
                        .unwrap_or((0, 0));
                    let (pin, pout) = newest.map(|c| (c.packets_in, c.packets_out)).unwrap_or((0, 0));
                    let drops = newest.map(|c| r.engine.esp_drops(c.spi_in).total()).unwrap_or(0);
                    out.push(format!(
                        "        Inbound:  #pkts dec'ed {pin} drop {drops} life (KB/Sec) {}/{}",
                        life.0, life.1
                    ));
                    out.push(format!(
                        "        Outbound: #pkts enc'ed {pout} drop 0 life (KB/Sec) {}/{}",
                        life.0, life.1
                    ));
                }
            }
        }
        out.push(String::new());
    }
}

/// The tunnels (crypto-map entries) of `show crypto session`, grouped by
/// interface and peer address in configuration order: (interface, peer, tunnels).
pub(crate) fn session_groups(r: &Router) -> Vec<(String, String, Vec<edgesh_engine::ike::PeerConf>)> {
    let compiled = &r.ios_model;
    let mut groups: Vec<(String, String, Vec<edgesh_engine::ike::PeerConf>)> = Vec::new();
    for p in &r.ike().conf().peers {
        let iface = compiled
            .tunnels
            .get(&p.name)
            .and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone()))
            .unwrap_or_else(|| "(none)".into());
        let first_sa = r.ike().ike_sas().iter().find(|s| s.tunnel == p.name).map(|s| *s.remote.ip());
        // A dynamic map entry is a template: no session until a peer has negotiated through it.
        if p.remote.is_none() && first_sa.is_none() && !r.ike().child_sas().iter().any(|c| c.tunnel == p.name) {
            continue;
        }
        let peer = p.remote.or(first_sa).map(|a| a.to_string()).unwrap_or_else(|| "0.0.0.0".into());
        // Only configured peers share a block; a dynamic entry's sessions stay apart.
        match groups.iter_mut().find(|g| p.remote.is_some() && g.0 == iface && g.1 == peer) {
            Some(g) => g.2.push(p.clone()),
            None => groups.push((iface, peer, vec![p.clone()])),
        }
    }
    groups
}

/// A crypto session's status: IKE up or not, flows with SAs or none, an
/// IKEv1 SA being negotiated or none.
pub(crate) fn session_status(up: bool, no_flows: bool, no_ike: bool) -> &'static str {
    match (up, no_flows) {
        (true, false) => "UP-ACTIVE",
        (true, true) => "UP-IDLE",
        (false, false) => "UP-NO-IKE",
        (false, true) if !no_ike => "DOWN-NEGOTIATING",
        _ => "DOWN",
    }
}

/// A flow end as `show crypto session` prints it: `host A` or `A/MASK`.
pub(crate) fn acl_addr(s: &Selector) -> String {
    match s.net.len {
        32 => format!("host {}", s.net.addr),
        _ => format!("{}/{}", s.net.network(), s.mask()),
    }
}

pub(crate) fn hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The ISAKMP or IKEv2 profile a tunnel's session uses, from the running
/// document: a crypto map entry's `set isakmp-profile|ikev2-profile P`
/// (tunnel `MAP-SEQ`; a dynamic map's entry for `MAP-SEQ[-DSEQ]`), or the
/// one its VTI's `tunnel protection ipsec profile` sets (tunnel `TunnelN`).
pub fn session_profile(doc: &crate::ios::doc::IosDoc, tunnel: &str) -> Option<String> {
    use crate::ios::doc::Node;
    let set_profile = |n: &Node| {
        n.children.iter().find_map(|c| {
            let w: Vec<&str> = c.text.split_whitespace().collect();
            match w.as_slice() {
                ["set", "isakmp-profile" | "ikev2-profile", p] => Some(p.to_string()),
                _ => None,
            }
        })
    };
    let block = |head: &[&str]| doc.root.iter().find(|n| n.text.split_whitespace().eq(head.iter().copied()));
    for n in &doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        match w.as_slice() {
            ["crypto", "map", m, seq, "ipsec-isakmp"] if format!("{m}-{seq}") == tunnel => return set_profile(n),
            ["crypto", "map", m, seq, "ipsec-isakmp", "dynamic", d] if tunnel.starts_with(&format!("{m}-{seq}")) => {
                let dseq = tunnel.strip_prefix(&format!("{m}-{seq}-"));
                return doc
                    .root
                    .iter()
                    .filter(|x| {
                        let xw: Vec<&str> = x.text.split_whitespace().collect();
                        matches!(xw.as_slice(), ["crypto", "dynamic-map", dd, s] if dd == d && dseq.is_none_or(|q| q == *s))
                    })
                    .find_map(set_profile);
            }
            ["interface", i] if *i == tunnel => {
                let ipp =
                    n.children.iter().find_map(|c| match c.text.split_whitespace().collect::<Vec<_>>().as_slice() {
                        ["tunnel", "protection", "ipsec", "profile", p, ..] => Some(p.to_string()),
                        _ => None,
                    })?;
                return block(&["crypto", "ipsec", "profile", &ipp]).and_then(set_profile);
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::session_profile;
    use crate::ios::doc::{IosDoc, Node};

    fn block(head: &str, kids: &[&str]) -> Node {
        Node {
            text: head.into(),
            children: kids.iter().map(|k| Node { text: k.to_string(), ..Default::default() }).collect(),
            ..Default::default()
        }
    }

    /// The profile of a crypto map entry, a dynamic map's entry and a VTI's IPsec profile.
    #[test]
    fn session_profile_of_each_kind_of_tunnel() {
        let mut d = IosDoc::new("r");
        d.root = vec![
            block(
                "crypto map VPN 10 ipsec-isakmp",
                &["set peer 192.0.2.2", "set isakmp-profile P1", "match address 101"],
            ),
            block("crypto map VPN 20 ipsec-isakmp", &["set peer 192.0.2.3"]),
            block("crypto dynamic-map DYN 5", &["set ikev2-profile P2"]),
            block("crypto dynamic-map DYN 6", &["set isakmp-profile P3"]),
            block("crypto map VPN 30 ipsec-isakmp dynamic DYN", &[]),
            block("crypto ipsec profile IPP", &["set ikev2-profile P4"]),
            block("interface Tunnel1", &["tunnel destination 203.0.113.9", "tunnel protection ipsec profile IPP"]),
        ];
        assert_eq!(session_profile(&d, "VPN-10").as_deref(), Some("P1"));
        assert_eq!(session_profile(&d, "VPN-20"), None, "no profile: no line");
        assert_eq!(session_profile(&d, "VPN-30-5").as_deref(), Some("P2"));
        assert_eq!(session_profile(&d, "VPN-30-6").as_deref(), Some("P3"));
        assert_eq!(session_profile(&d, "Tunnel1").as_deref(), Some("P4"));
        assert_eq!(session_profile(&d, "Tunnel2"), None);
    }
}
