//! The driver's side of rejected ESP packets: the dataplane's batches
//! ([`EspDrop`]) become counters (per inbound SA and global, for the
//! shows) and typed events ([`Event::EspDropped`], for the dialects' log
//! lines; the log buffer rate-limits them per SA and kind).

use crate::driver::Driver;
use crate::esp_drops::{DropCounts, DropKind, EspDrop};
use crate::ike::Event;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct Drops {
    /// By inbound SPI (an unknown SPI counts on the newest SA with the packet's peer).
    per_sa: HashMap<u32, DropCounts>,
    global: DropCounts,
    pub(crate) events: Vec<Event>,
}

/// At most this many drop events wait for a drain (a flood is counted, not queued).
const MAX_EVENTS: usize = 1024;

impl Driver {
    /// What the dataplane dropped since it last reported (one call per
    /// batch, with the router held once).
    pub fn report_drops(&mut self, batch: Vec<EspDrop>) {
        for d in batch {
            let kids = self.endpoint().child_sas();
            let sa = match d.kind {
                DropKind::UnknownSpi => kids
                    .iter()
                    .filter(|c| *c.remote.ip() == d.peer)
                    .max_by_key(|c| c.created),
                _ => kids.iter().find(|c| c.spi_in == d.spi),
            };
            let (conn, owner) = sa.map(|c| (c.id, Some(c.spi_in))).unwrap_or((0, None));
            let conn = if d.kind == DropKind::UnknownSpi {
                0
            } else {
                conn
            };
            self.drops.global.add(d.kind, d.packets);
            if let Some(spi_in) = owner {
                self.drops
                    .per_sa
                    .entry(spi_in)
                    .or_default()
                    .add(d.kind, d.packets);
            }
            if self.drops.events.len() < MAX_EVENTS {
                self.drops.events.push(Event::EspDropped {
                    conn,
                    peer: d.peer,
                    local: d.local,
                    spi: d.spi,
                    kind: d.kind,
                    packets: d.packets,
                    seq: d.seq,
                    inner: d.inner,
                });
            }
        }
        // Counters of SAs that are gone go with them.
        if self.drops.per_sa.len() > 4 * self.endpoint().child_sas().len() + 64 {
            let live: std::collections::HashSet<u32> = self
                .endpoint()
                .child_sas()
                .iter()
                .map(|c| c.spi_in)
                .collect();
            self.drops.per_sa.retain(|s, _| live.contains(s));
        }
    }

    /// Dropped inbound packets on the SA whose inbound SPI is `spi_in`.
    pub fn esp_drops(&self, spi_in: u32) -> DropCounts {
        self.drops.per_sa.get(&spi_in).copied().unwrap_or_default()
    }

    /// Dropped inbound packets on every SA and none.
    pub fn esp_drops_global(&self) -> DropCounts {
        self.drops.global
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Clock;
    use std::net::Ipv4Addr;

    #[test]
    fn batches_become_counters_and_events() {
        let mut d = Driver::new(1, Clock::Virtual(0));
        let peer = Ipv4Addr::new(192, 0, 2, 2);
        let one = |kind, packets| EspDrop {
            spi: 0x1234,
            kind,
            peer,
            local: Ipv4Addr::new(192, 0, 2, 1),
            packets,
            seq: 7,
            inner: None,
        };
        d.report_drops(vec![one(DropKind::BadIcv, 3), one(DropKind::UnknownSpi, 2)]);
        assert_eq!(d.esp_drops_global().get(DropKind::BadIcv), 3);
        assert_eq!(d.esp_drops_global().total(), 5);
        assert_eq!(d.esp_drops(0x1234).total(), 0, "no such SA: global only");
        let ev = d.drain_events();
        assert_eq!(ev.len(), 2);
        assert!(matches!(
            ev[0],
            Event::EspDropped {
                kind: DropKind::BadIcv,
                packets: 3,
                spi: 0x1234,
                ..
            }
        ));
        assert!(d.drain_events().is_empty());
        d.report_drops((0..5000).map(|_| one(DropKind::Replay, 1)).collect());
        assert_eq!(d.esp_drops_global().get(DropKind::Replay), 5000);
        assert_eq!(
            d.drain_events().len(),
            MAX_EVENTS,
            "a flood is counted, not queued"
        );
    }
}
