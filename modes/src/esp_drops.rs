//! Rejected ESP packets in the log (issue 15): the engine's typed
//! [`Event::EspDropped`] batches, worded by the dialect
//! ([`DialectOps::esp_drop_log`](crate::session::DialectOps::esp_drop_log)),
//! offered to the log buffer once per dropped packet under a rate-limit key
//! of their own (the SA's SPI and the kind), so that at most
//! [`PER_SOURCE`](crate::logbuf::PER_SOURCE) lines of one kind on one SA are
//! kept per window and the rest are counted in one `%SYS-4-LOG_SUPPRESSED`
//! line; a flood costs a bounded amount of work.

use crate::logbuf::{PER_SOURCE, offer};
use crate::session::Router;
use edgesh_engine::ike::Event;

/// A dialect's log line for a batch of dropped packets.
pub use crate::logctl::LogLine as DropLine;

/// The rate-limit key of a drop: per SA and kind.
pub fn source_key(e: &Event) -> Option<String> {
    match e {
        Event::EspDropped { spi, kind, .. } => Some(format!("SA 0x{spi:08x} {kind:?}")),
        _ => None,
    }
}

/// Log a drop batch: `packets` offers of the dialect's line (the first few
/// kept, the rest counted as suppressed, in bulk past the per-SA limit).
pub fn log_drops(r: &mut Router, e: &Event) {
    let (Event::EspDropped { packets, .. }, Some(key)) = (e, source_key(e)) else {
        return;
    };
    let ops = r.dialect.ops();
    let Some(l) = ops.esp_drop_log(r, e) else {
        return;
    };
    let prev = r.logctl.source_hint.replace(key.clone());
    let mut left = *packets;
    while left > 0 {
        left -= 1;
        if offer(r, &l.kind, &l.text, &l.line) {
            r.push_monitor(l.line.clone(), false);
        }
        // Past the per-SA limit every further packet of this batch is suppressed: count them at once.
        if let Some(w) = r.logctl.windows.get_mut(&(l.kind.clone(), key.clone()))
            && w.kept >= PER_SOURCE
            && w.suppressed > 0
            && left > 0
        {
            w.suppressed += left;
            r.logctl.suppressed += left;
            left = 0;
        }
    }
    r.logctl.source_hint = prev;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;
    use crate::session::Clock;
    use edgesh_engine::Config;
    use edgesh_engine::esp_drops::{DropKind, EspDrop};
    use std::net::Ipv4Addr;

    fn router(d: Dialect) -> Router {
        let mut r = Router::new(
            Config::new("r"),
            Clock::Virtual(1_700_000_000),
            1,
            std::env::temp_dir(),
        );
        r.dialect = d;
        r
    }

    fn drop(kind: DropKind, packets: u64) -> EspDrop {
        let inner = match kind {
            DropKind::Selector => Some((Ipv4Addr::new(10, 9, 0, 5), Ipv4Addr::new(10, 1, 0, 7), 6)),
            DropKind::TransportMode => {
                Some((Ipv4Addr::new(192, 0, 2, 2), Ipv4Addr::new(192, 0, 2, 1), 17))
            }
            _ => None,
        };
        EspDrop {
            spi: 0xc0de_0042,
            kind,
            peer: Ipv4Addr::new(192, 0, 2, 2),
            local: Ipv4Addr::new(192, 0, 2, 1),
            packets,
            seq: 0x71328,
            inner,
        }
    }

    fn lines_of(d: Dialect, kind: DropKind) -> Vec<String> {
        let mut r = router(d);
        r.engine.report_drops(vec![drop(kind, 1)]);
        r.engine_drain();
        r.log.iter().cloned().collect()
    }

    /// Table 7's text, exactly, for each row edgesh can see.
    #[test]
    fn smartedge_table_7_lines() {
        for (k, want) in [
            (
                DropKind::BadIcv,
                "%IPSEC-4-AUTH: Authentication failure. Possibly mis-matching keys.",
            ),
            (
                DropKind::AuthAlgorithm,
                "%IPSEC-4-AUTH: Authentication failure. Possibly mis-matching keys agent=IPSEC.",
            ),
            (
                DropKind::TransportMode,
                "%IPSEC-4-MODE: Encapsulation mode differs. Received in Transport mode, where expected in Tunnel mode.",
            ),
            (DropKind::UnknownSpi, "%IPSEC-6-NO_SA: No Inbound SA Found."),
            (
                DropKind::Late,
                "%IPSEC-6-REPLAY: Late Packet falling out of window.",
            ),
            (
                DropKind::Replay,
                "%IPSEC-6-REPLAY: Repeated/duplicate packet.",
            ),
            (
                DropKind::Selector,
                "%IPSEC-4-SELECTOR: Inner packet 10.9.0.5 -> 10.1.0.7 protocol 6 does not match the selectors of SA with SPI : 0xc0de0042",
            ),
        ] {
            let l = lines_of(Dialect::SmartEdge, k);
            assert_eq!(l.len(), 1, "{k:?}: {l:?}");
            assert!(l[0].ends_with(&format!(": {want}")), "{k:?}: {}", l[0]);
        }
        assert!(
            lines_of(Dialect::SmartEdge, DropKind::Malformed).is_empty(),
            "counted, not logged"
        );
    }

    #[test]
    fn ios_lines() {
        for (k, want) in [
            (
                DropKind::Replay,
                "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=0",
            ),
            (
                DropKind::Late,
                "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=0",
            ),
            (
                DropKind::UnknownSpi,
                "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr=192.0.2.1, prot=50, spi=0xC0DE0042(3235774530), srcaddr=192.0.2.2",
            ),
            (
                DropKind::BadIcv,
                "%CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for connection id=0 local=192.0.2.1 remote=192.0.2.2 spi=C0DE0042 seqno=00071328",
            ),
            (
                DropKind::TransportMode,
                "%CRYPTO-4-RECVD_PKT_NOT_IPSEC: Rec'd packet not an IPSEC packet. (ip) vrf/dest_addr= /192.0.2.1, src_addr= 192.0.2.2, prot= 17",
            ),
            (
                DropKind::Selector,
                "%CRYPTO-4-RECVD_PKT_INV_IDENTITY: decaps: inner packet not in the SA's proxy identities (ip) dest_addr= 10.1.0.7, src_addr= 10.9.0.5, prot= 6",
            ),
        ] {
            let l = lines_of(Dialect::Ios, k);
            assert_eq!(l.len(), 1, "{k:?}: {l:?}");
            assert!(
                l[0].starts_with('*') && l[0].ends_with(&format!(": {want}")),
                "{k:?}: {}",
                l[0]
            );
        }
    }

    /// A flood on one SA: a few lines kept, the rest counted and summed up
    /// in one line when the window ends; another SA or kind is not starved.
    #[test]
    fn floods_are_rate_limited_per_sa_and_kind_with_a_count() {
        let mut r = router(Dialect::SmartEdge);
        r.engine
            .report_drops(vec![drop(DropKind::Replay, 1_000_000)]);
        r.engine.report_drops(vec![drop(DropKind::Replay, 500)]);
        r.engine_drain();
        let n = |r: &Router, s: &str| r.log.iter().filter(|l| l.contains(s)).count();
        assert_eq!(
            n(&r, "Repeated/duplicate packet."),
            crate::logbuf::PER_SOURCE as usize
        );
        r.engine.report_drops(vec![drop(DropKind::BadIcv, 3)]);
        r.engine_drain();
        assert_eq!(
            n(&r, "Authentication failure."),
            3,
            "another kind on the same SA has its own window"
        );
        assert_eq!(r.engine.esp_drops_global().get(DropKind::Replay), 1_000_500);
        r.engine.set_clock(Clock::Virtual(1_700_000_011), 0);
        r.engine.report_drops(vec![drop(DropKind::Replay, 1)]);
        r.engine_drain();
        let s = r
            .log
            .iter()
            .find(|l| l.contains("LOG_SUPPRESSED"))
            .expect("a summary")
            .clone();
        assert!(s.contains("1000480 messages %IPSEC-REPLAY from SA 0xc0de0042 Replay suppressed in the last 10 s (first: Repeated/duplicate packet.)"), "{s}");
    }
}
