//! SmartEdge's counters of rejected ESP packets (issue 15), per SA in
//! `show tunnel ipsec ... detail`. The guide's `show ipsec ... statistics`
//! commands (Table 4) are not there yet; these lines are where the counters
//! live until then, named after Table 7's causes.

use crate::session::Router;
use edgesh_engine::esp_drops::{DropCounts, DropKind};

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
    if c.total() == 0 {
        Vec::new()
    } else {
        drop_lines(&c, "    ")
    }
}

pub fn drop_lines(c: &DropCounts, indent: &str) -> Vec<String> {
    let mut v = vec![format!(
        "{indent}{:<24}: {}",
        "Dropped inbound packets",
        c.total()
    )];
    for (label, k) in ROWS {
        if c.get(k) > 0 {
            v.push(format!("{indent}  {label:<22}: {}", c.get(k)));
        }
    }
    v
}
