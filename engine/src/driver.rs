//! The engine driver: the one type that runs the sans-IO IKE [`Endpoint`]
//! against a clock. It owns the endpoint and the clock (real, or virtual
//! for transcripts and the lab) and does the four things every I/O shell
//! needs: take a datagram ([`Driver::handle_datagram`]), run the timers
//! that are due ([`Driver::handle_timeout`]), take a configuration
//! ([`Driver::set_config`]) and hand out what the engine produced
//! ([`Driver::poll_transmit`], [`Driver::drain_events`]). The network
//! thread (`shell/src/net.rs`), the simulated lab (`golden/src/lab.rs`) and
//! the command handlers are thin shells around it, as quinn wraps
//! quinn-proto. It knows no sockets and no dialect: rendering events is
//! the dialect's part.
//!
//! The dataplane follows the engine's SAs without sharing the engine: it
//! takes a [`SaFeed`] ([`Driver::sa_feed`]) on which every drain sends the
//! child SAs installed and removed since the last one.

use crate::esp_drops::{DropCounts, EspDrop};
use crate::esp_drops_driver::Drops;
use crate::ike::sa::ChildSa;
use crate::ike::{Endpoint, EngineConf, Event, Millis, Transmit};
use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;

/// Where time comes from: the system clock, or a virtual clock that only
/// moves when told to (golden transcripts, the simulated lab).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Real,
    /// Seconds since the Unix epoch.
    Virtual(u64),
}

/// A change of the engine's child SAs, for a dataplane.
#[derive(Clone, Debug)]
pub enum SaChange {
    /// A new SA pair (keys, selectors, ends).
    Install(Box<ChildSa>),
    /// The pair with these SPIs (inbound, outbound) is gone.
    Remove { spi_in: u32, spi_out: u32 },
}

/// The receiving end of the driver's SA changes.
pub type SaFeed = mpsc::Receiver<SaChange>;

#[derive(Debug)]
pub struct Driver {
    ike: Endpoint,
    clock: Clock,
    /// Milliseconds of a virtual clock past its second.
    virtual_ms: u64,
    /// An I/O shell carries the datagrams; without one they are dropped.
    attached: bool,
    feed: Option<mpsc::Sender<SaChange>>,
    /// The SA pairs the feed has been told about, and a fingerprint of them.
    fed: HashSet<(u32, u32)>,
    fed_print: u64,
    /// Rejected ESP packets: counters per inbound SPI and in all, and the events not drained yet.
    pub(crate) drops: Drops,
    /// Phase-1 SAs that failed on their first message, listed a while (`crate::failed_p1`).
    pub(crate) failed_p1: crate::failed_p1::FailedP1s,
    /// The route table (`crate::routes`), kept current at each configuration and SA change.
    routes: crate::routes::Table,
    /// Counts the configurations taken (a dataplane re-reads the policies when it moves).
    conf_generation: u64,
}

impl Driver {
    pub fn new(seed: u64, clock: Clock) -> Driver {
        Driver {
            ike: Endpoint::new(seed),
            clock,
            virtual_ms: 0,
            attached: false,
            feed: None,
            fed: HashSet::new(),
            fed_print: 0,
            drops: Default::default(),
            failed_p1: Default::default(),
            routes: Default::default(),
            conf_generation: 0,
        }
    }

    /// The engine, to read (the show commands).
    pub fn endpoint(&self) -> &Endpoint {
        &self.ike
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Set the clock; a virtual clock at `secs` plus `ms` milliseconds.
    pub fn set_clock(&mut self, clock: Clock, ms: u64) {
        self.clock = clock;
        self.virtual_ms = ms % 1000;
    }

    /// Advance a virtual clock by whole seconds.
    pub fn advance(&mut self, secs: u64) {
        if let Clock::Virtual(t) = &mut self.clock {
            *t += secs;
        }
    }

    /// Seconds on the clock.
    pub fn now(&self) -> u64 {
        match self.clock {
            Clock::Real => {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
            }
            Clock::Virtual(t) => t,
        }
    }

    /// Milliseconds on the clock.
    pub fn now_ms(&self) -> Millis {
        match self.clock {
            Clock::Real => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            Clock::Virtual(t) => t * 1000 + self.virtual_ms,
        }
    }

    /// An I/O shell (network thread, lab) now carries the datagrams.
    pub fn attach(&mut self) {
        self.attached = true;
    }

    pub fn attached(&self) -> bool {
        self.attached
    }

    /// The SA changes from now on, for a dataplane: first every SA that
    /// exists, then each change as a drain finds it.
    pub fn sa_feed(&mut self) -> SaFeed {
        let (tx, rx) = mpsc::channel();
        self.feed = Some(tx);
        self.fed.clear();
        self.fed_print = 0;
        self.follow_sas(true);
        rx
    }

    /// A datagram from the network.
    pub fn handle_datagram(&mut self, local: SocketAddrV4, from: SocketAddrV4, data: &[u8]) {
        let now = self.now_ms();
        self.ike.handle(now, local, from, data);
    }

    /// When the next timer falls due.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.ike.poll_timeout()
    }

    /// Run the timers that are due now.
    pub fn handle_timeout(&mut self) {
        let now = self.now_ms();
        if self.ike.poll_timeout().is_some_and(|t| t <= now) {
            self.ike.handle_timeout(now);
        }
    }

    /// Take a configuration (a commit). Returns false when it is the one
    /// the engine already runs.
    pub fn set_config(&mut self, conf: EngineConf) -> bool {
        if &conf == self.ike.conf() {
            return false;
        }
        let now = self.now_ms();
        self.ike.set_config(now, conf);
        self.routes.update(&self.ike.conf().routes, self.ike.child_sas(), now, true);
        self.conf_generation += 1;
        true
    }

    /// Moves each time a new configuration is taken.
    pub fn conf_generation(&self) -> u64 {
        self.conf_generation
    }

    /// Traffic from `src` to `dst` that no SA carries (starts a crypto map).
    pub fn initiate_for_traffic(&mut self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<String> {
        let now = self.now_ms();
        self.ike.initiate_for_traffic(now, src, dst)
    }

    /// Bytes the dataplane carried on the SA of `spi` (one packet).
    pub fn account(&mut self, spi: u32, inbound: bool, bytes: u64) -> bool {
        self.account_packets(spi, inbound, 1, bytes)
    }

    /// `packets` packets of `bytes` bytes in all the dataplane carried on the
    /// SA of `spi` since it last told: one call per SA and report, so the
    /// engine's cost does not grow with the packet rate times the SA count.
    pub fn account_packets(&mut self, spi: u32, inbound: bool, packets: u64, bytes: u64) -> bool {
        let now = self.now_ms();
        self.ike.account_packets(now, spi, inbound, packets, bytes)
    }

    /// `clear ... ike`: returns how many SAs went.
    pub fn clear_ike(&mut self, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let now = self.now_ms();
        self.ike.clear_ike(now, tunnel, peer)
    }

    /// `clear ... ipsec`: returns how many SA pairs went.
    pub fn clear_ipsec(&mut self, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let now = self.now_ms();
        self.ike.clear_ipsec(now, tunnel, peer)
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.ike.poll_transmit()
    }

    /// The IKEv1 SAs that failed phase 1 on their first message and are
    /// still listed (`crate::failed_p1`), oldest first.
    pub fn failed_p1(&self) -> Vec<&crate::failed_p1::FailedP1> {
        self.failed_p1.listed(self.now_ms())
    }

    /// `clear crypto isakmp`: the failed SAs go too.
    pub fn forget_failed_p1(&mut self) {
        self.failed_p1.clear();
    }

    /// The engine's events since the last drain (datagrams are dropped
    /// when no I/O shell is attached); the SA feed learns the SA changes.
    pub fn drain_events(&mut self) -> Vec<Event> {
        if !self.attached {
            while self.ike.poll_transmit().is_some() {}
        }
        self.follow_sas(false);
        let now = self.now_ms();
        self.routes.update(&self.ike.conf().routes, self.ike.child_sas(), now, false);
        let mut v: Vec<Event> = std::iter::from_fn(|| self.ike.poll_event()).collect();
        v.append(&mut self.drops.events);
        self.failed_p1.note(now, &v);
        v
    }

    /// What the dataplane dropped since it last reported (one call per
    /// batch, with the router held once): counters and events.
    pub fn report_drops(&mut self, batch: Vec<EspDrop>) {
        self.drops.report(batch, self.ike.child_sas());
    }

    /// Dropped inbound packets on the SA whose inbound SPI is `spi_in`.
    pub fn esp_drops(&self, spi_in: u32) -> DropCounts {
        self.drops.per_sa(spi_in)
    }

    /// Dropped inbound packets on every SA and none.
    pub fn esp_drops_global(&self) -> DropCounts {
        self.drops.global()
    }

    /// The route table: static routes, protected prefixes, SA routes (`crate::routes`).
    pub fn routes(&self) -> &crate::routes::Table {
        &self.routes
    }

    /// Tell the feed what changed in the child SAs (a cheap fingerprint first).
    fn follow_sas(&mut self, force: bool) {
        let Some(tx) = &self.feed else { return };
        let kids = self.ike.child_sas();
        let print = kids.iter().fold(kids.len() as u64, |h, c| {
            h.wrapping_mul(31).wrapping_add((u64::from(c.spi_in) << 32) | u64::from(c.spi_out))
        });
        if !force && print == self.fed_print {
            return;
        }
        self.fed_print = print;
        let now: HashSet<(u32, u32)> = kids.iter().map(|c| (c.spi_in, c.spi_out)).collect();
        let mut dead = false;
        for &(spi_in, spi_out) in self.fed.difference(&now) {
            dead |= tx.send(SaChange::Remove { spi_in, spi_out }).is_err();
        }
        for c in kids.iter().filter(|c| !self.fed.contains(&(c.spi_in, c.spi_out))) {
            dead |= tx.send(SaChange::Install(Box::new(c.clone()))).is_err();
        }
        self.fed = now;
        if dead {
            self.feed = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esp_drops::DropKind;
    use crate::esp_drops_driver::MAX_EVENTS;

    #[test]
    fn virtual_clock_moves_only_when_told() {
        let mut d = Driver::new(1, Clock::Virtual(100));
        assert_eq!(d.now_ms(), 100_000);
        d.set_clock(Clock::Virtual(200), 1_250);
        assert_eq!(d.now_ms(), 200_250);
        d.advance(2);
        assert_eq!(d.now(), 202);
    }

    #[test]
    fn unattached_datagrams_are_dropped_and_an_empty_config_is_no_change() {
        let mut d = Driver::new(1, Clock::Virtual(0));
        assert!(!d.set_config(EngineConf::default()));
        assert!(d.drain_events().is_empty());
        assert!(d.poll_transmit().is_none());
        let feed = d.sa_feed();
        assert!(feed.try_recv().is_err(), "no SAs yet");
    }

    #[test]
    fn batches_become_counters_and_events() {
        let mut d = Driver::new(1, Clock::Virtual(0));
        let peer = Ipv4Addr::new(192, 0, 2, 2);
        let one = |kind, packets| EspDrop {
            spi: 0x1234,
            proto: 50,
            kind,
            peer,
            local: Ipv4Addr::new(192, 0, 2, 1),
            packets,
            seq: 7,
            inner: None,
            more: Vec::new(),
        };
        d.report_drops(vec![one(DropKind::BadIcv, 3), one(DropKind::UnknownSpi, 2)]);
        assert_eq!(d.esp_drops_global().get(DropKind::BadIcv), 3);
        assert_eq!(d.esp_drops_global().total(), 5);
        assert_eq!(d.esp_drops(0x1234).total(), 0, "no such SA: global only");
        let ev = d.drain_events();
        assert_eq!(ev.len(), 2);
        assert!(matches!(ev[0], Event::EspDropped { kind: DropKind::BadIcv, packets: 3, spi: 0x1234, .. }));
        assert!(d.drain_events().is_empty());
        d.report_drops((0..5000).map(|_| one(DropKind::Replay, 1)).collect());
        assert_eq!(d.esp_drops_global().get(DropKind::Replay), 5000);
        assert_eq!(d.drain_events().len(), MAX_EVENTS, "a flood is counted, not queued");
    }
}
