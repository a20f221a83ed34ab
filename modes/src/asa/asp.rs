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

pub use super::state::{AspCleared as Cleared, AspSection as Section};
use crate::out::Out;
use crate::session::{Router, Session};
use edgesh_engine::esp_drops::{DropCounts, DropKind};

use crate::cisco_common::{G, add};

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

/// `Last clearing:`'s text: `10:43:33 UTC Mar 27 2019 by USER`.
pub fn clearing_text(secs: u64, user: &str) -> String {
    let d = crate::time::date_time(secs);
    // date_time is `Sun Nov 22 14:37:44 2026 UTC`.
    match d.split_whitespace().collect::<Vec<_>>().as_slice() {
        [_, mon, day, time, year, tz] => format!("{time} {tz} {mon} {} {year} by {user}", day.trim_start_matches('0')),
        _ => format!("{d} by {user}"),
    }
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

fn section_of(a: &crate::session::Args) -> Option<Section> {
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

/// Register `show asp drop` and `clear asp drop` in the privileged exec graph.
pub fn register(g: &mut G) {
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
}
