//! The ASA's accelerated-security-path drop counters for IPsec: `show asp
//! drop [frame | flow]` and `clear asp drop [frame | flow]`, from the
//! engine's counts of the inbound ESP/AH packets the dataplane refused
//! (`edgesh_engine::esp_drops`), the same counts `show crypto ipsec sa`'s
//! `#recv errors` and the `%ASA-4-402101`/`402116` lines come from.
//!
//! The layout and the reasons are real ASA output (ntc-templates'
//! `cisco_asa_show_asp_drop` test captures; a public `np-sp-invalid-spi`
//! write-up): `Frame drop:`, one line per reason that counted something
//! (`  Title (name)` and the count ending in column 80), a blank line,
//! `Last clearing: Never` or `Last clearing: HH:MM:SS UTC Mon D YYYY by
//! USER` (Genie's `ShowAspDrop` sample), then the same for `Flow drop:`.
//! Which edgesh drop is which reason:
//!
//! * an unknown SPI: frame drop `Invalid SPI (np-sp-invalid-spi)`;
//! * an ICV (or GCM tag) that does not verify, the peer's other
//!   authentication algorithm, a malformed packet (bad padding, truncated):
//!   the crypto engine's refusal, frame drop `CTM returned error (ctm-error)`;
//! * an opened packet outside the SA's proxies (`402116`), or not a
//!   tunnel-mode inner packet: flow drop `IPSec inner policy mismatch
//!   failure (ipsec-selector-failure)`.
//!
//! Replayed and late packets have no ASP reason in any public ASA material
//! found (the ASA counts them in `show crypto ipsec sa`'s `#pkts replay
//! failed (rcv)` and logs `402119`), so they appear in no line here.
//!
//! Clearing keeps the counts at that moment as the zero of later shows (the
//! engine's counts are never reset: `show crypto ipsec sa` still has them).
//!
//! `show asp table vpn-context detail`: the ASA's VPN contexts, a decrypt
//! and an encrypt one per tunnel (peer and proxies), each a block of
//! `Name = value` lines in the layout of the corpus's capture (ntc-templates'
//! `cisco_asa_show_asp_table_vpn-context_detail` reads it). A context
//! outlives its SAs' rekeys, as on the ASA (a public TAC write-up shows
//! `Rekey Pkt = 44` on one context): its number is given at the tunnel's
//! first SA (`AspContexts`, kept from the engine's events) and it goes with
//! the tunnel's last SA. The values, and what edgesh prints where the ASA
//! prints an address of its own memory:
//!
//! * `VPN CTX`: the context's number; `Pointer`: the IKE SA's handle; `SA`:
//!   the IPsec SA pair's handle, doubled, plus one for the encrypt side;
//!   `SPI`: the SA's inbound (decrypt) or outbound (encrypt) SPI;
//! * `State = UP` (a context is listed while its SA is up); `Flags`: `DECR`
//!   or `ENCR`, `ESP` or `AH`, `NATT` when the SA runs in UDP;
//! * `Group`: the number of the group-policy the tunnel-group uses (1 for
//!   `DfltGrpPolicy`, then the configured ones in their order); `VPN
//!   Filter`: its `vpn-filter value ACL` (or `DfltGrpPolicy`'s), else `<none>`;
//! * `Pkts`: the packets the current SA carried that way; `Bad Pkts`: the
//!   inbound packets it refused, of which `Bad SPI` (an unknown SPI from
//!   its peer, counted on the peer's newest SA as `show crypto ipsec sa`
//!   counts it), `Spoof` (outside the proxies) and `Bad Crypto` (the ICV, a
//!   malformed packet); 0 on the encrypt side;
//! * `Rekey Pkt` and `Rekey Call`: the context's rekeys, the new SAs of a
//!   tunnel that had its contexts (every public capture shows the two
//!   equal; edgesh has one count).

pub use super::state::{AspCleared as Cleared, AspSection as Section};
use crate::out::Out;
use crate::session::{Router, Session};
use edgesh_engine::esp_drops::{DropCounts, DropKind};

use crate::cisco_common::{G, add};
use edgesh_engine::ike::Event;
use std::net::Ipv4Addr;

/// Each reason: its section, title, name and the engine's kinds it counts.
const REASONS: &[(Section, &str, &str, &[DropKind])] = &[
    (Section::Frame, "Invalid SPI", "np-sp-invalid-spi", &[DropKind::UnknownSpi]),
    (
        Section::Frame,
        "CTM returned error",
        "ctm-error",
        &[DropKind::BadIcv, DropKind::AuthAlgorithm, DropKind::Malformed],
    ),
    (
        Section::Flow,
        "IPSec inner policy mismatch failure",
        "ipsec-selector-failure",
        &[DropKind::Selector, DropKind::TransportMode],
    ),
];

/// The reasons of one section with what they counted since the last clearing (zeros left out).
pub fn rows(now: &DropCounts, cleared: &Cleared, section: Section) -> Vec<(String, u64)> {
    let base = cleared.of(section).as_ref().map(|(c, _)| *c).unwrap_or_default();
    REASONS
        .iter()
        .filter(|r| r.0 == section)
        .map(|(_, title, name, kinds)| {
            let n = kinds.iter().map(|k| now.get(*k).saturating_sub(base.get(*k))).fold(0u64, u64::saturating_add);
            (format!("{title} ({name})"), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// One reason's line: two spaces, the label, the count ending in column 80
/// (at least one space between them).
pub fn line(label: &str, n: u64) -> String {
    let count = n.to_string();
    let pad = 78usize.saturating_sub(label.chars().count() + count.len()).max(1);
    format!("  {label}{}{count}", " ".repeat(pad))
}

/// `show asp drop [frame | flow]`.
pub fn render(r: &Router, only: Option<Section>, out: &mut dyn Out) {
    let now = r.engine.esp_drops_global();
    let mut first = true;
    for (section, head) in [(Section::Frame, "Frame drop:"), (Section::Flow, "Flow drop:")] {
        if only.is_some_and(|o| o != section) {
            continue;
        }
        if !first {
            out.line("");
        }
        first = false;
        out.line(head);
        for (label, n) in rows(&now, &r.asa.asp_cleared, section) {
            out.line(&line(&label, n));
        }
        out.line("");
        let when = r.asa.asp_cleared.of(section).as_ref().map(|(_, w)| w.as_str()).unwrap_or("Never");
        out.line(&format!("Last clearing: {when}"));
    }
}

/// `show asp drop | json`: Genie's `ShowAspDrop` schema, `frame_drop` and
/// `flow_drop` each with a count per reason name and `last_clearing`.
pub fn drop_json(r: &Router, only: Option<Section>) -> serde_json::Value {
    let now = r.engine.esp_drops_global();
    let mut m = serde_json::Map::new();
    for (section, key) in [(Section::Frame, "frame_drop"), (Section::Flow, "flow_drop")] {
        if only.is_some_and(|o| o != section) {
            continue;
        }
        let mut o = serde_json::Map::new();
        for (label, n) in rows(&now, &r.asa.asp_cleared, section) {
            // The name in the label's parentheses, as Genie keys it.
            let name = label.rsplit_once('(').map_or(label.as_str(), |x| x.1).trim_end_matches(')');
            o.insert(name.to_string(), n.into());
        }
        let when = r.asa.asp_cleared.of(section).as_ref().map(|(_, w)| w.as_str()).unwrap_or("Never");
        o.insert("last_clearing".into(), when.into());
        m.insert(key.into(), serde_json::Value::Object(o));
    }
    serde_json::Value::Object(m)
}

/// `Last clearing:`'s text: `10:43:33 UTC Mar 27 2019 by USER`.
pub fn clearing_text(secs: u64, user: &str) -> String {
    format!("{} by {user}", super::words::asa_date(secs, false))
}

/// `clear asp drop [frame | flow]`: the counts now become the zero of the section(s).
pub fn clear(r: &mut Router, only: Option<Section>, user: &str) {
    let now = r.engine.esp_drops_global();
    let text = clearing_text(r.now(), user);
    if only != Some(Section::Flow) {
        r.asa.asp_cleared.frame = Some((now, text.clone()));
    }
    if only != Some(Section::Frame) {
        r.asa.asp_cleared.flow = Some((now, text));
    }
}

/// Keep the VPN contexts as the engine's events come: a tunnel's first SA
/// gives its pair of contexts, a rekey counts, its last SA ends them.
pub fn observe(r: &Router, e: &Event) {
    let Ok(mut ctx) = r.asa.asp_contexts.lock() else { return };
    match e {
        Event::ChildUp { peer, local_ts, remote_ts, rekey, .. } => {
            // A new SA of a tunnel that has its contexts is a rekey (the
            // engine's flag says so only to the side that started it).
            // Numbers from 1 (`VPN CTX = 0x00000001`), two per tunnel.
            let next = ctx.next.max(1);
            match ctx.by_key.entry((*peer, *local_ts, *remote_ts)) {
                std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().rekeys += 1,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(super::state::AspContext { id: next, rekeys: u64::from(*rekey) });
                    ctx.next = next.wrapping_add(2);
                }
            }
        }
        Event::ChildDown { peer, .. } => {
            // Contexts whose tunnel has no SA left go.
            let live: std::collections::HashSet<(Ipv4Addr, _, _)> = r
                .ike()
                .child_sas()
                .iter()
                .filter(|c| c.remote.ip() == peer)
                .map(|c| (*c.remote.ip(), c.local_ts, c.remote_ts))
                .collect();
            ctx.by_key.retain(|k, _| k.0 != *peer || live.contains(k));
        }
        _ => {}
    }
}

/// One context of `show asp table vpn-context detail` (`| json`: these
/// fields, the numbers that the text prints in hex as numbers).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VpnContext {
    #[serde(rename = "vpn_ctx")]
    pub ctx: u32,
    #[serde(rename = "peer_ip")]
    pub peer: Ipv4Addr,
    pub pointer: u32,
    pub state: &'static str,
    pub flags: String,
    pub sa: u32,
    pub spi: u32,
    pub group: usize,
    pub pkts: u64,
    pub bad_pkts: u64,
    pub bad_spi: u64,
    pub spoof: u64,
    pub bad_crypto: u64,
    pub rekey_pkt: u64,
    #[serde(rename = "rekey_call")]
    pub rekeys: u64,
    pub vpn_filter: String,
}

/// The group-policy a tunnel-group uses (`default-group-policy` of its
/// general-attributes, else `DfltGrpPolicy`): its number (1 for
/// `DfltGrpPolicy`, then the configured ones in order) and its `vpn-filter`.
fn group_policy(doc: &super::AsaDoc, tunnel_group: &str) -> (usize, String) {
    let block = |head: &str| -> Vec<String> {
        doc.root.iter().filter(|n| n.text == head).flat_map(|n| n.children.iter().map(|c| c.text.clone())).collect()
    };
    let policy = block(&format!("tunnel-group {tunnel_group} general-attributes"))
        .iter()
        .find_map(|l| l.strip_prefix("default-group-policy ").map(str::to_string))
        .unwrap_or_else(|| "DfltGrpPolicy".into());
    let mut names = vec!["DfltGrpPolicy".to_string()];
    for n in &doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        if w.len() >= 3 && w[0] == "group-policy" && w[2] != "attributes" && !names.iter().any(|x| x == w[1]) {
            names.push(w[1].to_string());
        }
    }
    let number = names.iter().position(|x| *x == policy).map_or(1, |i| i + 1);
    let filter = |p: &str| {
        block(&format!("group-policy {p} attributes"))
            .iter()
            .find_map(|l| l.strip_prefix("vpn-filter value ").map(str::to_string))
    };
    let vpn_filter = filter(&policy).or_else(|| filter("DfltGrpPolicy")).unwrap_or_else(|| "<none>".into());
    (number, vpn_filter)
}

/// The contexts of the SAs up now, decrypt then encrypt, in the order of the SAs.
pub fn contexts(r: &Router) -> Vec<VpnContext> {
    let known = r.asa.asp_contexts.lock().map(|c| c.by_key.clone()).unwrap_or_default();
    let model = r.asa.model.clone();
    let mut out = Vec::new();
    // Each tunnel-group's policy read from the document once, not once per SA.
    let mut policies: std::collections::HashMap<String, (usize, String)> = std::collections::HashMap::new();
    for c in r.ike().child_sas() {
        let Some(k) = known.get(&(*c.remote.ip(), c.local_ts, c.remote_ts)) else { continue };
        let group_name = model.tunnels.get(&c.tunnel).and_then(|t| t.description.clone()).unwrap_or_default();
        let (group, vpn_filter) =
            policies.entry(group_name).or_insert_with_key(|g| group_policy(&r.asa.doc, g)).clone();
        let drops = r.engine.esp_drops(c.spi_in);
        let proto = if c.esp.is_some() { "ESP" } else { "AH" };
        let natt = if c.encap { "+NATT" } else { "" };
        let sum = |kinds: &[DropKind]| kinds.iter().map(|k| drops.get(*k)).fold(0u64, u64::saturating_add);
        let base = VpnContext {
            ctx: k.id,
            peer: *c.remote.ip(),
            pointer: c.ike,
            state: "UP",
            flags: format!("DECR+{proto}{natt}"),
            sa: c.id.wrapping_mul(2),
            spi: c.spi_in,
            group,
            pkts: c.packets_in,
            bad_pkts: drops.total(),
            bad_spi: drops.get(DropKind::UnknownSpi),
            spoof: sum(&[DropKind::Selector, DropKind::TransportMode]),
            bad_crypto: sum(&[DropKind::BadIcv, DropKind::AuthAlgorithm, DropKind::Malformed]),
            rekey_pkt: k.rekeys,
            rekeys: k.rekeys,
            vpn_filter,
        };
        let enc = VpnContext {
            ctx: k.id.wrapping_add(1),
            flags: format!("ENCR+{proto}{natt}"),
            sa: c.id.wrapping_mul(2).wrapping_add(1),
            spi: c.spi_out,
            pkts: c.packets_out,
            bad_pkts: 0,
            bad_spi: 0,
            spoof: 0,
            bad_crypto: 0,
            ..base.clone()
        };
        out.push(base);
        out.push(enc);
    }
    out
}

/// `show asp table vpn-context detail`, in the capture's layout.
pub fn render_contexts(list: &[VpnContext], out: &mut dyn Out) {
    for (i, c) in list.iter().enumerate() {
        if i > 0 {
            out.line("");
        }
        out.line(&format!("VPN CTX  = 0x{:08X}", c.ctx));
        out.line("");
        out.line(&format!("Peer IP  = {}", c.peer));
        out.line(&format!("Pointer  = 0x{:08X}", c.pointer));
        out.line(&format!("State    = {}", c.state));
        out.line(&format!("Flags    = {}", c.flags));
        out.line(&format!("SA   = 0x{:08X}", c.sa));
        out.line(&format!("SPI  = 0x{:08X}", c.spi));
        out.line(&format!("Group    = {}", c.group));
        out.line(&format!("Pkts     = {}", c.pkts));
        out.line(&format!("Bad Pkts = {}", c.bad_pkts));
        out.line(&format!("Bad SPI  = {}", c.bad_spi));
        out.line(&format!("Spoof    = {}", c.spoof));
        out.line(&format!("Bad Crypto = {}", c.bad_crypto));
        out.line(&format!("Rekey Pkt  = {}", c.rekey_pkt));
        out.line(&format!("Rekey Call = {}", c.rekeys));
        out.line(&format!("VPN Filter = {}", c.vpn_filter));
    }
}

pub fn section_of(a: &crate::session::Args) -> Option<Section> {
    if a.has("frame") {
        Some(Section::Frame)
    } else if a.has("flow") {
        Some(Section::Flow)
    } else {
        None
    }
}

/// The user a clearing is recorded under: the logged-in user, or the
/// ASA's name for the enable user of an unauthenticated console.
fn clearing_user(s: &Session) -> String {
    if s.authenticated { s.user.clone() } else { "enable_15".into() }
}

/// Register `show asp drop`, `clear asp drop` and `show asp table
/// vpn-context detail` in the privileged exec graph.
pub fn register(g: &mut G) {
    add(
        g,
        "show asp table vpn-context detail",
        &[
            "Show running system information",
            "Show accelerated security path information",
            "Show accelerated security path tables",
            "Show VPN context table",
            "Show each context in full",
        ],
        |s, _, o| {
            let mut r = s.router();
            super::sync(&mut r);
            render_contexts(&contexts(&r), o);
            Ok(())
        },
    );
    add(
        g,
        "show asp drop [frame | flow]",
        &[
            "Show running system information",
            "Show accelerated security path information",
            "Show accelerated security path dropped packets and flows",
            "Show dropped packets",
            "Show dropped flows",
        ],
        |s, a, o| {
            let only = section_of(a);
            let mut r = s.router();
            super::sync(&mut r);
            render(&r, only, o);
            Ok(())
        },
    );
    add(
        g,
        "clear asp drop [frame | flow]",
        &[
            "Reset functions",
            "Clear accelerated security path counters",
            "Clear accelerated security path drop counters",
            "Clear the frame drop counters",
            "Clear the flow drop counters",
        ],
        |s, a, _| {
            let only = section_of(a);
            let user = clearing_user(s);
            let mut r = s.router();
            super::sync(&mut r);
            clear(&mut r, only, &user);
            Ok(())
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(k: &[(DropKind, u64)]) -> DropCounts {
        let mut c = DropCounts::default();
        for (kind, n) in k {
            c.add(*kind, *n);
        }
        c
    }

    /// Column 80 as in the real captures (`Invalid SPI (np-sp-invalid-spi)` then `71490`).
    #[test]
    fn a_reason_line_ends_in_column_80() {
        assert_eq!(
            line("Invalid SPI (np-sp-invalid-spi)", 71490),
            "  Invalid SPI (np-sp-invalid-spi)                                          71490"
        );
        assert_eq!(
            line("IPSec inner policy mismatch failure (ipsec-selector-failure)", 2),
            "  IPSec inner policy mismatch failure (ipsec-selector-failure)                 2"
        );
        assert_eq!(line(&"x".repeat(90), 7), format!("  {} 7", "x".repeat(90)));
    }

    #[test]
    fn kinds_go_to_their_reasons_and_a_clearing_is_the_new_zero() {
        let now = counts(&[
            (DropKind::UnknownSpi, 3),
            (DropKind::BadIcv, 2),
            (DropKind::Malformed, 1),
            (DropKind::Selector, 4),
            (DropKind::Replay, 9),
        ]);
        let none = Cleared::default();
        assert_eq!(
            rows(&now, &none, Section::Frame),
            vec![("Invalid SPI (np-sp-invalid-spi)".to_string(), 3), ("CTM returned error (ctm-error)".to_string(), 3)]
        );
        assert_eq!(
            rows(&now, &none, Section::Flow),
            vec![("IPSec inner policy mismatch failure (ipsec-selector-failure)".to_string(), 4)]
        );
        let cleared = Cleared { frame: Some((counts(&[(DropKind::UnknownSpi, 3)]), "x".into())), flow: None };
        assert_eq!(rows(&now, &cleared, Section::Frame), vec![("CTM returned error (ctm-error)".to_string(), 3)]);
        assert_eq!(rows(&now, &cleared, Section::Flow).len(), 1, "the flow section keeps its counts");
    }

    #[test]
    fn the_clearing_time_as_the_asa_writes_it() {
        // 2019-03-27 10:43:33 UTC.
        assert_eq!(clearing_text(1_553_683_413, "genie"), "10:43:33 UTC Mar 27 2019 by genie");
        // Single-digit days are not padded.
        assert_eq!(clearing_text(1_551_695_013, "enable_15"), "10:23:33 UTC Mar 4 2019 by enable_15");
    }

    /// The group-policy's number and filter: a tunnel-group's own
    /// default-group-policy, else DfltGrpPolicy (1) and its filter.
    #[test]
    fn the_group_policy_of_a_tunnel_group() {
        use crate::session::{Clock, Dialect};
        let mut r = Router::new(edgesh_engine::Config::new("ciscoasa"), Clock::Virtual(0), 1, std::env::temp_dir());
        r.dialect = Dialect::Asa;
        let r = std::sync::Arc::new(std::sync::Mutex::new(r));
        let text = "access-list VPN-ACL-1 extended permit ip any any
access-list ALL extended permit ip any any
group-policy GP1 internal
group-policy GP2 internal
group-policy GP2 attributes
 vpn-filter value VPN-ACL-1
tunnel-group 192.0.2.2 type ipsec-l2l
tunnel-group 192.0.2.2 general-attributes
 default-group-policy GP2
tunnel-group 192.0.2.3 type ipsec-l2l
";
        let (_, rejected, msgs) = super::super::apply_text(&r, text, "t");
        assert_eq!(rejected, 0, "{msgs:?}");
        let doc = r.lock().unwrap().asa.doc.clone();
        assert_eq!(group_policy(&doc, "192.0.2.2"), (3, "VPN-ACL-1".to_string()));
        assert_eq!(group_policy(&doc, "192.0.2.3"), (1, "<none>".to_string()));
        let more = "group-policy DfltGrpPolicy attributes\n vpn-filter value ALL\n";
        assert_eq!(super::super::apply_text(&r, more, "t").1, 0);
        let doc = r.lock().unwrap().asa.doc.clone();
        assert_eq!(group_policy(&doc, "192.0.2.3"), (1, "ALL".to_string()), "DfltGrpPolicy's filter");
        assert_eq!(group_policy(&doc, "192.0.2.2").0, 3, "DfltGrpPolicy is 1 wherever it is configured");
    }
}
