//! SmartEdge's IPsec counters (issue 15): the rejected ESP packets per SA
//! in `show tunnel ipsec ... detail`, and the guide's Table 4 statistics
//! commands `show ipsec card S/A statistics global context C` and `show
//! tunnel ipsec T [on-demand] statistics [detail]`: traffic and drops of the
//! SAs the engine has now, the drops named after Table 7's causes. The guide
//! gives the commands but no sample output: the layout is edgesh's, in the
//! style of its other SmartEdge statistics (`label : value`).

use crate::session::Router;
use edgesh_engine::esp_drops::{DropCounts, DropKind};
use edgesh_engine::ike::endpoint::ChildSa;

/// (label, kind) in the order shown.
const ROWS: [(&str, DropKind); 8] = [
    ("No inbound SA (SPI)", DropKind::UnknownSpi),
    ("Repeated/duplicate", DropKind::Replay),
    ("Late (out of window)", DropKind::Late),
    ("Authentication failed", DropKind::BadIcv),
    ("Authentication algorithm", DropKind::AuthAlgorithm),
    ("Encapsulation mode", DropKind::TransportMode),
    ("Selector mismatch", DropKind::Selector),
    ("Malformed", DropKind::Malformed),
];

/// The drop lines of one SA (by inbound SPI): a total and the kinds that
/// are not zero; nothing while nothing was dropped.
pub fn sa_drop_lines(r: &Router, spi_in: u32) -> Vec<String> {
    let c = r.engine.esp_drops(spi_in);
    if c.total() == 0 { Vec::new() } else { drop_lines(&c, "    ") }
}

pub fn drop_lines(c: &DropCounts, indent: &str) -> Vec<String> {
    let mut v = vec![format!("{indent}{:<24}: {}", "Dropped inbound packets", c.total())];
    for (label, k) in ROWS {
        if c.get(k) > 0 {
            v.push(format!("{indent}  {label:<22}: {}", c.get(k)));
        }
    }
    v
}

/// Every drop kind, zeros included (the statistics commands list them all).
fn all_drop_lines(c: &DropCounts, indent: &str, out: &mut Vec<String>) {
    out.push(format!("{indent}{:<30}: {}", "Dropped inbound packets", c.total()));
    for (label, k) in ROWS {
        out.push(format!("{indent}  {label:<28}: {}", c.get(k)));
    }
}

/// Traffic of some SA pairs: (pairs, packets in, packets out, bytes in, bytes out).
fn traffic<'a>(kids: impl Iterator<Item = &'a ChildSa>) -> (u64, u64, u64, u64, u64) {
    kids.fold((0, 0, 0, 0, 0), |t, c| {
        (t.0 + 1, t.1 + c.packets_in, t.2 + c.packets_out, t.3 + c.bytes_in, t.4 + c.bytes_out)
    })
}

fn traffic_lines(t: (u64, u64, u64, u64, u64), indent: &str, out: &mut Vec<String>) {
    if !indent.starts_with("    ") {
        out.push(format!("{indent}{:<30}: {}", "IPsec SA pairs up", t.0));
    }
    out.push(format!("{indent}{:<30}: {}", "Packets decapsulated (in)", t.1));
    out.push(format!("{indent}{:<30}: {}", "Packets encapsulated (out)", t.2));
    out.push(format!("{indent}{:<30}: {}", "Bytes in", t.3));
    out.push(format!("{indent}{:<30}: {}", "Bytes out", t.4));
}

/// The drops of some SA pairs, summed.
fn drops_of<'a>(r: &Router, kids: impl Iterator<Item = &'a ChildSa>) -> DropCounts {
    let mut d = DropCounts::default();
    for c in kids {
        let x = r.engine.esp_drops(c.spi_in);
        for k in DropKind::ALL {
            d.add(k, x.get(k));
        }
    }
    d
}

/// `show ipsec card S/A statistics global context C`: the context's tunnels
/// and SA pairs now, their traffic and drops; and the ASP's drops in all
/// (with packets for no SA and SAs gone since).
pub fn card_statistics(r: &Router, asp: &str, context: &str, tunnels: &[String], out: &mut Vec<String>) {
    let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| tunnels.contains(&c.tunnel)).collect();
    out.push(format!("IPsec statistics for ASP {asp}, context {context}"));
    out.push(format!("  {:<30}: {}", "Tunnels", tunnels.len()));
    traffic_lines(traffic(kids.iter().copied()), "  ", out);
    all_drop_lines(&drops_of(r, kids.iter().copied()), "  ", out);
    out.push(format!("IPsec statistics for ASP {asp}, all contexts"));
    all_drop_lines(&r.engine.esp_drops_global(), "  ", out);
}

/// `show tunnel ipsec T [on-demand] statistics [detail]`: the tunnel's SA
/// pairs now, their traffic and drops; with `detail`, each pair's.
pub fn tunnel_statistics(r: &Router, tunnel: &str, detail: bool, out: &mut Vec<String>) {
    let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| c.tunnel == tunnel).collect();
    out.push(format!("Tunnel ipsec {tunnel} statistics"));
    traffic_lines(traffic(kids.iter().copied()), "  ", out);
    all_drop_lines(&drops_of(r, kids.iter().copied()), "  ", out);
    if detail {
        for c in kids {
            out.push(format!(
                "  IPsec SA pair {} (inbound SPI 0x{:08x}, outbound SPI 0x{:08x})",
                c.id, c.spi_in, c.spi_out
            ));
            traffic_lines((1, c.packets_in, c.packets_out, c.bytes_in, c.bytes_out), "    ", out);
            all_drop_lines(&r.engine.esp_drops(c.spi_in), "    ", out);
        }
    }
}

/// The JSON keys of the drop kinds, in [`ROWS`]' order.
const JSON_KEYS: [&str; 8] = [
    "no_inbound_sa",
    "repeated_duplicate",
    "late_out_of_window",
    "authentication_failed",
    "authentication_algorithm",
    "encapsulation_mode",
    "selector_mismatch",
    "malformed",
];

fn drops_json(c: &DropCounts) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("total".into(), c.total().into());
    for ((_, k), key) in ROWS.iter().zip(JSON_KEYS) {
        m.insert(key.into(), c.get(*k).into());
    }
    serde_json::Value::Object(m)
}

fn traffic_json(t: (u64, u64, u64, u64, u64)) -> serde_json::Value {
    serde_json::json!({ "sa_pairs_up": t.0, "packets_in": t.1, "packets_out": t.2, "bytes_in": t.3, "bytes_out": t.4 })
}

/// `| json` of `show ipsec card S/A statistics global context C`: the same
/// counters as the text, by context and for the whole ASP.
pub fn card_statistics_json(r: &Router, asp: &str, context: &str, tunnels: &[String]) -> serde_json::Value {
    let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| tunnels.contains(&c.tunnel)).collect();
    serde_json::json!({
        "asp": asp,
        "context": { context: {
            "tunnels": tunnels.len(),
            "traffic": traffic_json(traffic(kids.iter().copied())),
            "dropped_inbound": drops_json(&drops_of(r, kids.iter().copied())),
        }},
        "all_contexts": { "dropped_inbound": drops_json(&r.engine.esp_drops_global()) },
    })
}

/// `| json` of `show tunnel ipsec T [on-demand] statistics [detail]`: the
/// tunnel's counters and (always) each SA pair's, keyed by its id.
pub fn tunnel_statistics_json(r: &Router, tunnel: &str) -> serde_json::Value {
    let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| c.tunnel == tunnel).collect();
    let pairs: serde_json::Map<String, serde_json::Value> = kids
        .iter()
        .map(|c| {
            (
                c.id.to_string(),
                serde_json::json!({
                    "inbound_spi": format!("0x{:08x}", c.spi_in),
                    "outbound_spi": format!("0x{:08x}", c.spi_out),
                    "traffic": traffic_json((1, c.packets_in, c.packets_out, c.bytes_in, c.bytes_out)),
                    "dropped_inbound": drops_json(&r.engine.esp_drops(c.spi_in)),
                }),
            )
        })
        .collect();
    serde_json::json!({ "tunnel": { tunnel: {
        "traffic": traffic_json(traffic(kids.iter().copied())),
        "dropped_inbound": drops_json(&drops_of(r, kids.iter().copied())),
        "sa_pair": pairs,
    }}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::Config;
    use edgesh_engine::driver::Clock;
    use edgesh_engine::esp_drops::EspDrop;
    use std::net::Ipv4Addr;

    /// The ASP's drop counters move with what the dataplane reports, kind by kind.
    #[test]
    fn card_statistics_count_the_dataplane_drops() {
        let mut r = Router::new(Config::new("r"), Clock::Virtual(1_700_000_000), 1, std::env::temp_dir());
        let d = |kind, packets| EspDrop {
            spi: 0xc0de_0042,
            proto: 50,
            kind,
            peer: Ipv4Addr::new(192, 0, 2, 2),
            local: Ipv4Addr::new(192, 0, 2, 1),
            packets,
            seq: 7,
            inner: None,
            more: Vec::new(),
        };
        r.engine.report_drops(vec![d(DropKind::UnknownSpi, 3), d(DropKind::AuthAlgorithm, 2), d(DropKind::Replay, 5)]);
        let mut v = Vec::new();
        card_statistics(&r, "1/1", "local", &[], &mut v);
        let all = v.iter().position(|l| l == "IPsec statistics for ASP 1/1, all contexts").expect("all contexts");
        assert_eq!(
            v[all + 1..],
            [
                "  Dropped inbound packets       : 10",
                "    No inbound SA (SPI)         : 3",
                "    Repeated/duplicate          : 5",
                "    Late (out of window)        : 0",
                "    Authentication failed       : 0",
                "    Authentication algorithm    : 2",
                "    Encapsulation mode          : 0",
                "    Selector mismatch           : 0",
                "    Malformed                   : 0",
            ]
        );
        assert_eq!(v[1], "  Tunnels                       : 0");
        assert_eq!(v[7], "  Dropped inbound packets       : 0", "no SA of the context had them");
    }
}
