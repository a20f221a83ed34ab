//! Rejected ESP packets in the log (issue 15): the engine's typed
//! [`Event::EspDropped`] batches, worded by the dialect
//! ([`DialectOps::esp_drop_log`](crate::session::DialectOps::esp_drop_log)),
//! offered to the log buffer once per dropped packet under a rate-limit key
//! of their own (the SA's SPI and the kind), so that at most
//! [`PER_SOURCE`](crate::logbuf::PER_SOURCE) lines of one kind on one SA are
//! kept per window and the rest are counted in one `%SYS-4-LOG_SUPPRESSED`
//! line; a flood costs a bounded amount of work. Tested with each
//! dialect's wording in its `esp_events.rs` (the helpers are in `testing`).

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
    let mut i = 0;
    while left > 0 {
        left -= 1;
        // Each packet's line with its own sequence number (and inner header).
        let own = match (e, i) {
            (_, 0) => None,
            (Event::EspDropped { seq, inner, more, .. }, _) => {
                more.get(i - 1).filter(|s| **s != (*seq, *inner)).and_then(|&(seq, inner)| {
                    let mut e = e.clone();
                    if let Event::EspDropped { seq: s, inner: n, more, .. } = &mut e {
                        (*s, *n) = (seq, inner);
                        more.clear();
                    }
                    ops.esp_drop_log(r, &e)
                })
            }
            _ => None,
        };
        i += 1;
        let l = own.as_ref().unwrap_or(&l);
        // The device's own limit (one line every `ms`): the packets within it are counted, not offered.
        if let Some(ms) = ops.esp_drop_every_ms(&l.kind) {
            let now = r.now_ms();
            if r.logctl.spaced.get(&l.kind).is_some_and(|t| now.saturating_sub(*t) < ms) {
                r.logctl.suppressed += 1 + left;
                break;
            }
            r.logctl.spaced.insert(l.kind.clone(), now);
        }
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

/// What the dialects' tests of their drop lines share: a router of a
/// dialect and a drop batch.
#[cfg(test)]
pub(crate) mod testing {
    pub use crate::session::Clock;
    pub use crate::session::Dialect;
    pub use crate::session::Router;
    use edgesh_engine::Config;
    pub use edgesh_engine::esp_drops::{DropKind, EspDrop};
    use std::net::Ipv4Addr;

    pub fn router(d: Dialect) -> Router {
        let mut r = Router::new(Config::new("r"), Clock::Virtual(1_700_000_000), 1, std::env::temp_dir());
        r.dialect = d;
        r
    }

    pub fn drop(kind: DropKind, packets: u64) -> EspDrop {
        let inner = match kind {
            DropKind::Selector => Some((Ipv4Addr::new(10, 9, 0, 5), Ipv4Addr::new(10, 1, 0, 7), 6)),
            DropKind::TransportMode => Some((Ipv4Addr::new(192, 0, 2, 2), Ipv4Addr::new(192, 0, 2, 1), 17)),
            _ => None,
        };
        EspDrop {
            spi: 0xc0de_0042,
            proto: 50,
            kind,
            peer: Ipv4Addr::new(192, 0, 2, 2),
            local: Ipv4Addr::new(192, 0, 2, 1),
            packets,
            seq: 0x71328,
            inner,
            more: Vec::new(),
        }
    }

    pub fn lines_of(d: Dialect, kind: DropKind) -> Vec<String> {
        let mut r = router(d);
        r.engine.report_drops(vec![drop(kind, 1)]);
        r.engine_drain();
        r.log.iter().cloned().collect()
    }
}
