//! Rejected ESP packets (issue 15): why the dataplane dropped an inbound
//! packet ([`DropKind`]), the counters behind the shows ([`DropCounts`],
//! per SA and global, kept by the driver), and the batch the dataplane
//! hands the driver ([`EspDrop`]) without taking the router lock per
//! packet. No wording here: the dialects word [`crate::ike::Event::EspDropped`].

use crate::esp::EspError;
use std::net::Ipv4Addr;

/// Why an inbound ESP packet was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropKind {
    /// No inbound SA has its SPI (a stale SPI after a rekey, or a forgery).
    UnknownSpi,
    /// Seen before, inside the window (or sequence number 0).
    Replay,
    /// Left of the anti-replay window.
    Late,
    /// The ICV (or GCM tag) does not verify: wrong keys or tampering.
    BadIcv,
    /// The ICV does not verify and the sender's ICV has another length: the
    /// SAs' authentication algorithms differ (manual SAs configured apart).
    AuthAlgorithm,
    /// The payload is not a tunnel-mode inner IP packet (next header not IPv4: a transport-mode packet).
    TransportMode,
    /// The inner packet's addresses fall outside the SA's selectors (RFC 4301 5.2).
    Selector,
    /// Truncated or malformed (length, padding, inner header).
    Malformed,
}

impl DropKind {
    pub const ALL: [DropKind; 8] = [
        DropKind::UnknownSpi,
        DropKind::Replay,
        DropKind::Late,
        DropKind::BadIcv,
        DropKind::AuthAlgorithm,
        DropKind::TransportMode,
        DropKind::Selector,
        DropKind::Malformed,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The kind of an [`EspSa::open`](crate::esp::EspSa::open) failure.
    pub fn of(e: &EspError) -> DropKind {
        match e {
            EspError::WrongSpi { .. } => DropKind::UnknownSpi,
            EspError::Replay { .. } => DropKind::Replay,
            EspError::Late { .. } => DropKind::Late,
            EspError::AuthenticationFailed { .. } => DropKind::BadIcv,
            EspError::AuthAlgorithmMismatch { .. } => DropKind::AuthAlgorithm,
            EspError::Truncated { .. }
            | EspError::BadPadding { .. }
            | EspError::SequenceExhausted
            | EspError::Unsupported => DropKind::Malformed,
        }
    }
}

/// Dropped packets by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropCounts([u64; 8]);

impl DropCounts {
    pub fn get(&self, k: DropKind) -> u64 {
        self.0[k.index()]
    }

    pub fn add(&mut self, k: DropKind, n: u64) {
        self.0[k.index()] = self.0[k.index()].saturating_add(n);
    }

    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// Packets of one kind the dataplane dropped on one SA (or SPI) since it
/// last told the driver: one entry per (SPI, kind) per batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspDrop {
    /// The packet's SPI (for an unknown SPI, the unknown one).
    pub spi: u32,
    /// The IP protocol it came in: 50 (ESP) or 51 (AH).
    pub proto: u8,
    pub kind: DropKind,
    /// Where the first such packet came from, and where it went.
    pub peer: Ipv4Addr,
    pub local: Ipv4Addr,
    /// How many packets.
    pub packets: u64,
    /// The first packet's sequence number (0 when it had none).
    pub seq: u32,
    /// The first packet's inner (source, destination, protocol), when it was opened.
    pub inner: Option<(Ipv4Addr, Ipv4Addr, u8)>,
    /// The sequence number and inner header of each further packet, in
    /// arrival order, for the first [`SAMPLES`] packets: each logged line
    /// names its own packet.
    pub more: Vec<Sample>,
}

/// A dropped packet's sequence number and inner (source, destination, protocol).
pub type Sample = (u32, Option<(Ipv4Addr, Ipv4Addr, u8)>);

/// Packets of one batch entry whose own sequence numbers are kept: the log
/// keeps at most this many lines of one kind on one SA per window
/// (`modes::logbuf::PER_SOURCE`), so no logged line goes without its own.
pub const SAMPLES: usize = 20;

impl EspDrop {
    /// The sample of the `i`th packet of the batch (0: the first), if kept.
    pub fn sample(&self, i: usize) -> Option<Sample> {
        if i == 0 { Some((self.seq, self.inner)) } else { self.more.get(i - 1).copied() }
    }

    /// Add another packet of this kind on this SA to the batch.
    pub fn merge(&mut self, d: EspDrop) {
        self.packets = self.packets.saturating_add(d.packets);
        for s in std::iter::once((d.seq, d.inner)).chain(d.more) {
            if self.more.len() + 1 >= SAMPLES {
                break;
            }
            self.more.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_open_error_has_a_kind_and_counts_add_up() {
        assert_eq!(DropKind::of(&EspError::WrongSpi { spi: 1 }), DropKind::UnknownSpi);
        assert_eq!(DropKind::of(&EspError::Replay { seq: 1 }), DropKind::Replay);
        assert_eq!(DropKind::of(&EspError::Late { seq: 1 }), DropKind::Late);
        assert_eq!(DropKind::of(&EspError::AuthenticationFailed { seq: 1 }), DropKind::BadIcv);
        assert_eq!(DropKind::of(&EspError::Truncated { length: 3 }), DropKind::Malformed);
        assert_eq!(DropKind::of(&EspError::BadPadding { seq: 3 }), DropKind::Malformed);
        let mut c = DropCounts::default();
        for (i, k) in DropKind::ALL.iter().enumerate() {
            c.add(*k, i as u64 + 1);
        }
        assert_eq!(c.get(DropKind::BadIcv), 4);
        assert_eq!(c.total(), 36);
        c.add(DropKind::Late, u64::MAX);
        assert_eq!(c.get(DropKind::Late), u64::MAX, "saturates");
    }
}
