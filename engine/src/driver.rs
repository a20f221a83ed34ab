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
    /// The SA pairs the feed has been told about.
    fed: HashSet<(u32, u32)>,
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
        let generation = self.ike.children_generation();
        self.routes.update_at(&self.ike.conf().routes, self.ike.child_sas(), generation, now, true);
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
        // Recomputed only when a child SA came or went.
        let generation = self.ike.children_generation();
        self.routes.update_at(&self.ike.conf().routes, self.ike.child_sas(), generation, now, false);
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

    /// Tell the feed what changed in the child SAs: the engine's journal of
    /// installs and removals since the last drain (nothing to do in a round
    /// where no child came or went, however many there are); the whole list
    /// compared with what was fed when `force`d (a new feed) or when the
    /// journal was not kept.
    fn follow_sas(&mut self, force: bool) {
        let changes = self.ike.take_child_changes();
        let Some(tx) = &self.feed else { return };
        let mut dead = false;
        match changes {
            Some(changes) if !force => {
                for (spi_in, spi_out, installed) in changes {
                    if installed {
                        // Gone again before this drain: nothing to carry.
                        let Some(c) = self.ike.child_by_spi(spi_in, true).filter(|c| c.spi_out == spi_out) else {
                            continue;
                        };
                        if self.fed.insert((spi_in, spi_out)) {
                            dead |= tx.send(SaChange::Install(Box::new(c.clone()))).is_err();
                        }
                    } else if self.fed.remove(&(spi_in, spi_out)) {
                        dead |= tx.send(SaChange::Remove { spi_in, spi_out }).is_err();
                    }
                }
            }
            _ => {
                let kids = self.ike.child_sas();
                let now: HashSet<(u32, u32)> = kids.iter().map(|c| (c.spi_in, c.spi_out)).collect();
                for &(spi_in, spi_out) in self.fed.difference(&now) {
                    dead |= tx.send(SaChange::Remove { spi_in, spi_out }).is_err();
                }
                for c in kids.iter().filter(|c| !self.fed.contains(&(c.spi_in, c.spi_out))) {
                    dead |= tx.send(SaChange::Install(Box::new(c.clone()))).is_err();
                }
                self.fed = now;
            }
        }
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

    /// The feed follows the engine's journal of child SA changes: each
    /// install and removal once, in order; a round where nothing came or
    /// went sends nothing; the same SPIs with other keys (a manual SA
    /// reconfigured) are a removal and an install, so the dataplane gets
    /// the new keys; a new feed starts with every SA there is.
    #[test]
    fn the_feed_follows_installs_and_removals_from_the_journal() {
        use crate::config::{EspAuth, EspEncr, Prefix4};
        use crate::manual_conf::{ManualDir, ManualSa};
        let sa = |spi: u32, k: u8| ManualSa {
            tunnel: format!("T{spi:x}"),
            sa: "S".into(),
            child: 0,
            local: Ipv4Addr::new(192, 0, 2, 1),
            remote: Ipv4Addr::new(192, 0, 2, 2),
            local_ts: (Prefix4 { addr: Ipv4Addr::new(10, 1, 0, 0), len: 16 }, 0, 0),
            remote_ts: (Prefix4 { addr: Ipv4Addr::new(10, 2, (spi & 0xff) as u8, 0), len: 24 }, 0, 0),
            esp: Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))),
            ah: None,
            inbound: ManualDir {
                esp_spi: Some(spi),
                enc_key: vec![k; 16],
                auth_key: vec![2; 20],
                ..Default::default()
            },
            outbound: ManualDir {
                esp_spi: Some(spi + 1),
                enc_key: vec![3; 16],
                auth_key: vec![4; 20],
                ..Default::default()
            },
            replay_window: 64,
        };
        let got = |f: &SaFeed| -> Vec<(bool, u32, u32, u8)> {
            f.try_iter()
                .map(|c| match c {
                    SaChange::Install(c) => (true, c.spi_in, c.spi_out, c.keys_in.encr[0]),
                    SaChange::Remove { spi_in, spi_out } => (false, spi_in, spi_out, 0),
                })
                .collect()
        };
        let conf = |v: Vec<ManualSa>| EngineConf { manual: v, ..Default::default() };
        let mut d = Driver::new(1, Clock::Virtual(0));
        d.set_config(conf(vec![sa(0x300, 1)]));
        let feed = d.sa_feed();
        assert_eq!(got(&feed), [(true, 0x300, 0x301, 1)], "what exists, at once");
        d.drain_events();
        assert_eq!(got(&feed), [], "told once");
        d.set_config(conf(vec![sa(0x300, 1), sa(0x310, 1), sa(0x320, 1)]));
        d.drain_events();
        assert_eq!(got(&feed), [(true, 0x310, 0x311, 1), (true, 0x320, 0x321, 1)]);
        let g = d.endpoint().children_generation();
        d.drain_events();
        assert_eq!((got(&feed), d.endpoint().children_generation()), (vec![], g), "nothing came or went");
        d.set_config(conf(vec![sa(0x300, 9), sa(0x320, 1)]));
        d.drain_events();
        assert_eq!(got(&feed), [(false, 0x300, 0x301, 0), (false, 0x310, 0x311, 0), (true, 0x300, 0x301, 9)]);
        // Two feeds never: a new one has every SA, the journal carries on after it.
        let feed = d.sa_feed();
        assert_eq!(got(&feed), [(true, 0x320, 0x321, 1), (true, 0x300, 0x301, 9)]);
        d.set_config(conf(vec![]));
        d.drain_events();
        assert_eq!(got(&feed), [(false, 0x320, 0x321, 0), (false, 0x300, 0x301, 0)]);
        assert!(d.endpoint().child_sas().is_empty());
    }
}
