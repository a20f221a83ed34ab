//! SmartEdge's log lines for rejected ESP packets: Table 7 of the IPsec
//! guide (seed 004, "Log Messages Resulting from Rejected ESP Packets"),
//! each row's sample message in its situation. Logged by the IPSEC agent
//! (the guide's `agent=IPSEC`), as `%IPSEC-SEV-MNEMONIC: text`.

use crate::esp_drops::DropLine;
use crate::session::Router;
use edgesh_engine::esp_drops::DropKind;
use edgesh_engine::ike::Event;

/// (severity, mnemonic, text) of a drop kind; `None`: counted, not logged.
pub fn smartedge_drop_text(e: &Event) -> Option<(u8, &'static str, String)> {
    let Event::EspDropped { kind, inner, spi, .. } = e else {
        return None;
    };
    Some(match kind {
        // Table 7: mismatched integrity check value in the ESP (or AH) header.
        DropKind::BadIcv => (4, "AUTH", "Authentication failure. Possibly mis-matching keys.".into()),
        // Table 7: mismatched authentication algorithm (the guide's sample, with its `agent=IPSEC`).
        DropKind::AuthAlgorithm => {
            (4, "AUTH", "Authentication failure. Possibly mis-matching keys agent=IPSEC.".into())
        }
        // Table 7: mismatched encapsulation mode.
        DropKind::TransportMode => {
            (4, "MODE", "Encapsulation mode differs. Received in Transport mode, where expected in Tunnel mode.".into())
        }
        // Table 7: an ESP packet resent with the previous SPI (informational).
        DropKind::UnknownSpi => (6, "NO_SA", "No Inbound SA Found.".into()),
        // Table 7: late packet received with an offset greater than the anti-replay window.
        DropKind::Late => (6, "REPLAY", "Late Packet falling out of window.".into()),
        // Table 7: repeated packet received.
        DropKind::Replay => (6, "REPLAY", "Repeated/duplicate packet.".into()),
        // Not in Table 7 (edgesh's wording, in the guide's style): the inner packet is outside the SA's selectors.
        DropKind::Selector => {
            let (s, d, p) = inner.unwrap_or((std::net::Ipv4Addr::UNSPECIFIED, std::net::Ipv4Addr::UNSPECIFIED, 0));
            (
                4,
                "SELECTOR",
                format!(
                    "Inner packet {s} -> {d} protocol {p} does not match the selectors of SA with SPI : 0x{spi:08x}"
                ),
            )
        }
        DropKind::Malformed => return None,
    })
}

pub fn smartedge_drop_log(r: &Router, e: &Event) -> Option<DropLine> {
    let (sev, mn, text) = smartedge_drop_text(e)?;
    let line = format!("{}: %IPSEC-{sev}-{mn}: {text}", crate::time::log_time(r.now()));
    Some(DropLine { kind: format!("IPSEC-{mn}"), text, line })
}

#[cfg(test)]
mod tests {
    use crate::esp_drops::testing::*;

    /// Table 7's text, exactly, for each row edgesh can see.
    #[test]
    fn smartedge_table_7_lines() {
        for (k, want) in [
            (DropKind::BadIcv, "%IPSEC-4-AUTH: Authentication failure. Possibly mis-matching keys."),
            (DropKind::AuthAlgorithm, "%IPSEC-4-AUTH: Authentication failure. Possibly mis-matching keys agent=IPSEC."),
            (
                DropKind::TransportMode,
                "%IPSEC-4-MODE: Encapsulation mode differs. Received in Transport mode, where expected in Tunnel mode.",
            ),
            (DropKind::UnknownSpi, "%IPSEC-6-NO_SA: No Inbound SA Found."),
            (DropKind::Late, "%IPSEC-6-REPLAY: Late Packet falling out of window."),
            (DropKind::Replay, "%IPSEC-6-REPLAY: Repeated/duplicate packet."),
            (
                DropKind::Selector,
                "%IPSEC-4-SELECTOR: Inner packet 10.9.0.5 -> 10.1.0.7 protocol 6 does not match the selectors of SA with SPI : 0xc0de0042",
            ),
        ] {
            let l = lines_of(Dialect::SmartEdge, k);
            assert_eq!(l.len(), 1, "{k:?}: {l:?}");
            assert!(l[0].ends_with(&format!(": {want}")), "{k:?}: {}", l[0]);
        }
        assert!(lines_of(Dialect::SmartEdge, DropKind::Malformed).is_empty(), "counted, not logged");
    }

    /// A flood on one SA: a few lines kept, the rest counted and summed up
    /// in one line when the window ends; another SA or kind is not starved.
    #[test]
    fn floods_are_rate_limited_per_sa_and_kind_with_a_count() {
        let mut r = router(Dialect::SmartEdge);
        r.engine.report_drops(vec![drop(DropKind::Replay, 1_000_000)]);
        r.engine.report_drops(vec![drop(DropKind::Replay, 500)]);
        r.engine_drain();
        let n = |r: &Router, s: &str| r.log.iter().filter(|l| l.contains(s)).count();
        assert_eq!(n(&r, "Repeated/duplicate packet."), crate::logbuf::PER_SOURCE as usize);
        r.engine.report_drops(vec![drop(DropKind::BadIcv, 3)]);
        r.engine_drain();
        assert_eq!(n(&r, "Authentication failure."), 3, "another kind on the same SA has its own window");
        assert_eq!(r.engine.esp_drops_global().get(DropKind::Replay), 1_000_500);
        r.engine.set_clock(Clock::Virtual(1_700_000_011), 0);
        r.engine.report_drops(vec![drop(DropKind::Replay, 1)]);
        r.engine_drain();
        let s = r.log.iter().find(|l| l.contains("LOG_SUPPRESSED")).expect("a summary").clone();
        assert!(s.contains("1000480 messages %IPSEC-REPLAY from SA 0xc0de0042 Replay suppressed in the last 10 s (first: Repeated/duplicate packet.)"), "{s}");
    }
}
