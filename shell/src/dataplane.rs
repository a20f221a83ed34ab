//! The userspace ESP dataplane (Linux): a TUN device, `edgesh0`, carries the
//! cleartext side; ESP in UDP 4500 (RFC 3948) on the IKE sockets carries the
//! protected side. A packet the host routes into `edgesh0` is matched to the
//! newest child SA whose selectors cover its source and destination, sealed
//! with [`EspSa`] and sent to the peer; an ESP datagram that arrives on port
//! 4500 is opened by the SA of its SPI, checked against that SA's selectors
//! (RFC 4301 inbound policy check) and written to `edgesh0`. Both directions
//! report their byte counts to the engine, which runs kilobyte lifetimes on
//! them and shows them in `show crypto ipsec sa` / `show tunnel ipsec`.
//!
//! The device is created when the first IPsec SA comes up, or as soon as a
//! crypto map waits for traffic to start its negotiation (so a router that
//! negotiates nothing creates nothing); without the right to create it
//! (CAP_NET_ADMIN) edgesh says so once in the log and carries on with IKE.
//! Routing the protected prefixes into `edgesh0` is the host's part (README,
//! "Carrying traffic"). ESP without UDP encapsulation (IP protocol 50) is
//! not carried yet.

use edgesh_engine::config::{ConnectionType, TunnelKind};
use edgesh_engine::driver::{SaChange, SaFeed};
use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
use edgesh_engine::esp_drops::{DropKind, EspDrop};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::Millis;
use edgesh_modes::Router;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

/// The name of the TUN device.
pub const DEVICE: &str = "edgesh0";

/// A datagram to send on an IKE socket: (local, remote, payload).
pub type Datagram = (SocketAddrV4, SocketAddrV4, Vec<u8>);

/// An outbound SA: where its packets go and which traffic it carries.
struct Outbound {
    sa: EspSa,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    local_ts: Selector,
    remote_ts: Selector,
    created: Millis,
}

/// The dataplane. Its per-packet methods ([`Dataplane::from_tun`],
/// [`Dataplane::from_udp`]) take no lock: the SAs come from the engine
/// driver's SA feed, and what the engine must hear (byte counts, traffic
/// that starts a negotiation, problems) waits for [`Dataplane::settle`],
/// which the network thread calls when it holds the router anyway.
pub struct Dataplane {
    tun: Option<tun_rs::SyncDevice>,
    /// Set once creating the device failed (reported once).
    tun_failed: bool,
    feed: Option<SaFeed>,
    /// By SPI: the SA and the selectors (remote, local) its packets must fit.
    inbound: HashMap<u32, (EspSa, Selector, Selector)>,
    outbound: HashMap<u32, Outbound>,
    /// Packets and bytes carried since the engine last heard, by (SPI, inbound).
    counts: HashMap<(u32, bool), (u64, u64)>,
    /// Traffic no SA covers: (source, destination), for the engine.
    uncovered: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// Problems to log.
    problems: Vec<String>,
    /// Inbound packets dropped since the engine last heard, by (SPI, kind).
    drops: crate::dataplane_drops::Pending,
    /// When the configuration was last searched for crypto maps.
    looked: Option<std::time::Instant>,
    rng: rand::rngs::StdRng,
}

fn ipv4_ends(p: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr)> {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return None;
    }
    Some((Ipv4Addr::new(p[12], p[13], p[14], p[15]), Ipv4Addr::new(p[16], p[17], p[18], p[19])))
}

impl Dataplane {
    pub fn new() -> Dataplane {
        Dataplane {
            tun: None,
            tun_failed: false,
            feed: None,
            inbound: HashMap::new(),
            outbound: HashMap::new(),
            counts: HashMap::new(),
            uncovered: Vec::new(),
            problems: Vec::new(),
            drops: Default::default(),
            looked: None,
            rng: rand::rngs::StdRng::from_rng(&mut rand::rng()),
        }
    }

    /// The device, to wait on (once it exists).
    pub fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.tun.as_ref().map(|t| t.as_fd())
    }

    /// Does the engine have something to hear from the dataplane?
    pub fn has_news(&self) -> bool {
        !self.uncovered.is_empty() || !self.problems.is_empty()
    }

    /// Traffic the engine has not been told about yet.
    pub fn has_counts(&self) -> bool {
        !self.counts.is_empty()
    }

    /// Follow the engine's SA installs and removals (no lock: a channel).
    pub fn follow(&mut self) {
        let Some(feed) = &self.feed else { return };
        while let Ok(c) = feed.try_recv() {
            match c {
                SaChange::Install(c) => {
                    let Some((e, a)) = c.esp.filter(|_| c.encap) else { continue };
                    match (EspSa::new(c.spi_in, e, a, &c.keys_in), EspSa::new(c.spi_out, e, a, &c.keys_out)) {
                        (Ok(i), Ok(o)) => {
                            self.inbound.insert(c.spi_in, (i, c.remote_ts, c.local_ts));
                            self.outbound.insert(c.spi_out, Outbound { sa: o, local: c.local, remote: c.remote, local_ts: c.local_ts, remote_ts: c.remote_ts, created: c.created });
                        }
                        (Err(err), _) | (_, Err(err)) => self.problems.push(format!("cannot carry traffic: tunnel {}: SA 0x{:08x}: {err}", c.tunnel, c.spi_in)),
                    }
                }
                SaChange::Remove { spi_in, spi_out } => {
                    self.inbound.remove(&spi_in);
                    self.outbound.remove(&spi_out);
                }
            }
        }
    }

    /// With the router held (once per network round that needs it): take
    /// the SA feed, tell the engine the byte counts and the traffic that
    /// starts negotiations, log problems, create the device when needed.
    pub fn settle(&mut self, r: &mut Router) {
        if self.feed.is_none() {
            self.feed = Some(r.engine.sa_feed());
        }
        self.follow();
        for ((spi, inbound), (packets, bytes)) in self.counts.drain() {
            // The engine counts packets one call each (the bytes with the first).
            if r.engine.account(spi, inbound, bytes) {
                for _ in 1..packets {
                    r.engine.account(spi, inbound, 0);
                }
            }
        }
        if !self.drops.is_empty() {
            r.engine.report_drops(self.drops.take());
        }
        for (src, dst) in std::mem::take(&mut self.uncovered) {
            r.engine.initiate_for_traffic(src, dst);
        }
        for p in std::mem::take(&mut self.problems) {
            r.crypto_log(3, "DATAPLANE", &p);
        }
        self.ensure_device(r);
    }

    fn ensure_device(&mut self, r: &mut Router) {
        if self.tun.is_some() || self.tun_failed {
            return;
        }
        // The device is needed once an SA is up, or before, where traffic
        // is what starts the negotiation (IOS crypto maps): looked for in the
        // configuration at most once a second.
        if self.inbound.is_empty() && self.looked.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1)) {
            return;
        }
        self.looked = Some(std::time::Instant::now());
        let on_traffic = r.ike().conf().peers.iter().any(|p| p.kind == TunnelKind::Static && !p.auto_start && !p.dynamic && p.connection != ConnectionType::ResponderOnly);
        if !self.inbound.is_empty() || on_traffic {
            match tun_rs::DeviceBuilder::new().name(DEVICE).mtu(1400).build_sync() {
                Ok(d) => {
                    let _ = d.set_nonblocking(true);
                    self.tun = Some(d);
                }
                Err(e) => {
                    self.tun_failed = true;
                    r.crypto_log(3, "DATAPLANE", &format!("cannot create TUN device {DEVICE} ({e}): IPsec SAs are negotiated but carry no traffic"));
                }
            }
        }
    }

    /// Packets the host routed into the device, sealed for their SA's peer.
    /// Traffic no SA covers yet is kept for the engine (IOS crypto maps
    /// start on it).
    pub fn from_tun(&mut self, out: &mut Vec<Datagram>) {
        let Some(tun) = &self.tun else { return };
        let mut buf = [0u8; 65536];
        for _ in 0..64 {
            let Ok(n) = tun.recv(&mut buf) else { break };
            let p = &buf[..n];
            let Some((src, dst)) = ipv4_ends(p) else { continue };
            let best = self.outbound.iter_mut().filter(|(_, o)| o.local_ts.contains(src) && o.remote_ts.contains(dst)).max_by_key(|(_, o)| o.created);
            let Some((&spi, o)) = best else {
                if self.uncovered.len() < 64 && !self.uncovered.contains(&(src, dst)) {
                    self.uncovered.push((src, dst));
                }
                continue;
            };
            match o.sa.seal(NEXT_HEADER_IPV4, p, &mut self.rng) {
                Ok(esp) => {
                    let c = self.counts.entry((spi, false)).or_default();
                    *c = (c.0 + 1, c.1 + p.len() as u64);
                    out.push((o.local, o.remote, esp));
                }
                Err(e) => {
                    if self.problems.len() < 64 {
                        self.problems.push(format!("outbound SA 0x{spi:08x}: {e}"));
                    }
                }
            }
        }
    }

    /// An ESP datagram from UDP 4500 (no non-ESP marker): open it and hand
    /// the inner packet to the host. Returns false when it was dropped.
    pub fn from_udp(&mut self, data: &[u8]) -> bool {
        self.receive(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, data).is_ok()
    }

    /// An ESP datagram from `peer` to `local` on UDP 4500: opened and handed
    /// to the host, or dropped, counted by kind (for the engine's counters
    /// and log lines, at the next [`Dataplane::settle`]) and the kind returned.
    pub fn receive(&mut self, local: Ipv4Addr, peer: Ipv4Addr, data: &[u8]) -> Result<(), DropKind> {
        let (spi, seq) = crate::dataplane_drops::spi_seq(data);
        let r = self.classify(data);
        match r {
            // A dummy packet (next header 59, RFC 4303 2.6): authenticated, then discarded without a word.
            Ok(inner) if inner.is_empty() => Ok(()),
            Ok(inner) => {
                let c = self.counts.entry((spi, true)).or_default();
                *c = (c.0 + 1, c.1 + inner.len() as u64);
                let _ = self.tun.as_ref().is_some_and(|t| t.send(&inner).is_ok());
                Ok(())
            }
            Err((kind, inner)) => {
                let inner = if kind == DropKind::TransportMode { inner.map(|(_, _, p)| (peer, local, p)) } else { inner };
                self.drops.add(EspDrop { spi, kind, peer, local, packets: 1, seq, inner });
                Err(kind)
            }
        }
    }

    /// Open an ESP packet with the SA of its SPI and check what is inside:
    /// the inner packet, or why not (with the inner ends and protocol when
    /// it was opened).
    #[allow(clippy::type_complexity)]
    fn classify(&mut self, data: &[u8]) -> Result<Vec<u8>, (DropKind, Option<(Ipv4Addr, Ipv4Addr, u8)>)> {
        let Some(spi) = edgesh_engine::esp::spi_of(data).filter(|_| data.len() >= edgesh_engine::esp::HEADER_LEN) else { return Err((DropKind::Malformed, None)) };
        let Some((sa, remote_ts, local_ts)) = self.inbound.get_mut(&spi) else { return Err((DropKind::UnknownSpi, None)) };
        let (next, inner) = sa.open(data).map_err(|e| (DropKind::of(&e), None))?;
        if next == 59 {
            return Ok(Vec::new());
        }
        if next != NEXT_HEADER_IPV4 {
            // A transport-mode payload (TCP, UDP, ICMP ...) where a tunnel-mode inner packet is expected.
            return Err((if next == 41 { DropKind::Malformed } else { DropKind::TransportMode }, Some((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, next))));
        }
        let Some((src, dst)) = ipv4_ends(&inner) else { return Err((DropKind::Malformed, None)) };
        // The inner packet must be one this SA protects (RFC 4301 5.2).
        if !(remote_ts.contains(src) && local_ts.contains(dst)) {
            return Err((DropKind::Selector, Some((src, dst, inner[9]))));
        }
        Ok(inner)
    }
}

impl Default for Dataplane {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
impl Dataplane {
    /// An inbound SA with its selectors (remote, local), as an install would add it.
    pub(crate) fn insert_inbound(&mut self, sa: EspSa, remote_ts: Selector, local_ts: Selector) {
        self.inbound.insert(sa.spi(), (sa, remote_ts, local_ts));
    }

    pub(crate) fn pending_drops(&mut self) -> Vec<EspDrop> {
        self.drops.take()
    }
}
