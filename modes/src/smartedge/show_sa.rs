//! SmartEdge's SA lines of `show tunnel ipsec ... detail`, from the engine's SAs.

use crate::session::Router;
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::events::Role;

// ------------------------------------------------------------ show (SmartEdge)

/// The SA lines of `show tunnel ipsec name X detail`.
pub fn smartedge_tunnel_sas(r: &Router, tunnel: &str, out: &mut Vec<String>) {
    let now = r.now_ms();
    for s in r.ike().ike_sas().iter().filter(|s| s.tunnel == tunnel) {
        out.push(format!("  IKE SA {}", s.conn));
        out.push(format!("    {:<24}: {}", "State", s.state));
        out.push(format!("    {:<24}: {}", "Role", if s.role == Role::Initiator { "initiator" } else { "responder" }));
        out.push(format!(
            "    {:<24}: {}:{} -> {}:{}",
            "Addresses",
            s.local.ip(),
            s.local.port(),
            s.remote.ip(),
            s.remote.port()
        ));
        out.push(format!(
            "    {:<24}: {} {}",
            "Cookies",
            edgesh_engine::ike::crypto::hex(&s.icookie),
            edgesh_engine::ike::crypto::hex(&s.rcookie)
        ));
        if let Some(c) = &s.chosen {
            out.push(format!(
                "    {:<24}: {} {} DH group {} {}",
                "Proposal",
                c.encr.proto_name(),
                c.hash.proto_name(),
                c.group,
                c.auth.proto_name()
            ));
        }
        if s.is_established() {
            out.push(format!("    {:<24}: {} seconds", "Remaining lifetime", s.expires().saturating_sub(now) / 1000));
        }
        out.push(format!(
            "    {:<24}: {}",
            "NAT traversal",
            if s.nat_local || s.nat_remote { "yes (UDP 4500)" } else { "no" }
        ));
    }
    crate::smartedge::show_ike2::tunnel_v2_sas(r, tunnel, out);
    for c in r.ike().child_sas().iter().filter(|c| c.tunnel == tunnel) {
        out.push(format!("  IPsec SA pair {} (policy {}, proposal {})", c.id, c.policy, c.proposal));
        out.push(format!("    {:<24}: 0x{:08x}", "Inbound SPI", c.spi_in));
        out.push(format!("    {:<24}: 0x{:08x}", "Outbound SPI", c.spi_out));
        let alg = match (c.esp, c.ah) {
            (Some((e, a)), _) => {
                format!("ESP {} {}", e.proto_name(), a.map(|a| a.proto_name()).unwrap_or("no authentication"))
            }
            (None, Some(a)) => format!("AH {}", a.proto_name()),
            _ => "-".into(),
        };
        out.push(format!("    {:<24}: {alg}", "Algorithms"));
        out.push(format!("    {:<24}: {}", "PFS group", c.pfs.map(|g| g.to_string()).unwrap_or_else(|| "none".into())));
        if edgesh_engine::ike::manual::is_manual(c.ike) {
            out.push(format!("    {:<24}: none (manual key)", "Remaining lifetime"));
        } else {
            out.push(format!("    {:<24}: {} seconds", "Remaining lifetime", c.remaining_seconds(now)));
        }
        if let Some(kb) = c.remaining_kbytes() {
            out.push(format!("    {:<24}: {kb} kilobytes", "Remaining volume"));
        }
        out.push(format!(
            "    {:<24}: {}/{} packets, {}/{} bytes",
            "Traffic in/out", c.packets_in, c.packets_out, c.bytes_in, c.bytes_out
        ));
        out.extend(super::esp_stats::sa_drop_lines(r, c.spi_in));
        out.push(format!("    {:<24}: {} === {}", "Selectors", sel_text(&c.local_ts), sel_text(&c.remote_ts)));
        out.push(format!(
            "    {:<24}: {}",
            "Encapsulation",
            match (c.transport, c.encap) {
                (false, true) => "tunnel, UDP 4500",
                (false, false) => "tunnel",
                (true, true) => "transport, UDP 4500",
                (true, false) => "transport",
            }
        ));
    }
}

fn sel_text(s: &Selector) -> String {
    let mut t = format!("{}/{}", s.net.network(), s.net.len);
    if s.proto != 0 {
        t.push_str(&format!(" proto {}", s.proto));
    }
    if s.port != 0 {
        t.push_str(&format!(" port {}", s.port));
    }
    t
}

/// (IKE SAs up, IPsec SA pairs) of a tunnel.
pub fn tunnel_counts(r: &Router, tunnel: &str) -> (usize, usize) {
    (
        r.ike().ike_sas().iter().filter(|s| s.tunnel == tunnel && s.is_established()).count()
            + crate::smartedge::show_ike2::v2_up(r, tunnel),
        r.ike().child_sas().iter().filter(|c| c.tunnel == tunnel).count(),
    )
}
