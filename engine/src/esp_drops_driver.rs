//! The driver's side of rejected ESP packets: the dataplane's batches
//! ([`EspDrop`]) become counters (per inbound SA and global, for the
//! shows) and typed events ([`Event::EspDropped`], for the dialects' log
//! lines; the log buffer rate-limits them per SA and kind).

use crate::esp_drops::{DropCounts, DropKind, EspDrop};
use crate::ike::Event;
use crate::ike::sa::ChildSa;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct Drops {
    /// By inbound SPI (an unknown SPI counts on the newest SA with the packet's peer).
    per_sa: HashMap<u32, DropCounts>,
    global: DropCounts,
    pub(crate) events: Vec<Event>,
}

/// At most this many drop events wait for a drain (a flood is counted, not queued).
pub(crate) const MAX_EVENTS: usize = 1024;

impl Drops {
    /// What the dataplane dropped since it last reported, against the
    /// engine's child SAs `kids`.
    pub(crate) fn report(&mut self, batch: Vec<EspDrop>, kids: &[ChildSa]) {
        for d in batch {
            let sa = match d.kind {
                DropKind::UnknownSpi => kids.iter().filter(|c| *c.remote.ip() == d.peer).max_by_key(|c| c.created),
                _ => kids.iter().find(|c| c.spi_in == d.spi),
            };
            let (conn, owner) = sa.map(|c| (c.id, Some(c.spi_in))).unwrap_or((0, None));
            let conn = if d.kind == DropKind::UnknownSpi { 0 } else { conn };
            self.global.add(d.kind, d.packets);
            if let Some(spi_in) = owner {
                self.per_sa.entry(spi_in).or_default().add(d.kind, d.packets);
            }
            if self.events.len() < MAX_EVENTS {
                self.events.push(Event::EspDropped {
                    conn,
                    peer: d.peer,
                    local: d.local,
                    spi: d.spi,
                    proto: d.proto,
                    kind: d.kind,
                    packets: d.packets,
                    seq: d.seq,
                    inner: d.inner,
                    more: d.more,
                });
            }
        }
        // Counters of SAs that are gone go with them.
        if self.per_sa.len() > 4 * kids.len() + 64 {
            let live: std::collections::HashSet<u32> = kids.iter().map(|c| c.spi_in).collect();
            self.per_sa.retain(|s, _| live.contains(s));
        }
    }

    /// Dropped inbound packets on the SA whose inbound SPI is `spi_in`.
    pub(crate) fn per_sa(&self, spi_in: u32) -> DropCounts {
        self.per_sa.get(&spi_in).copied().unwrap_or_default()
    }

    /// Dropped inbound packets on every SA and none.
    pub(crate) fn global(&self) -> DropCounts {
        self.global
    }
}
