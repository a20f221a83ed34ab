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
use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
use edgesh_engine::ike::conf::Selector;
use edgesh_modes::Router;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

/// The name of the TUN device.
pub const DEVICE: &str = "edgesh0";

/// A datagram to send on an IKE socket: (local, remote, payload).
pub type Datagram = (SocketAddrV4, SocketAddrV4, Vec<u8>);

pub struct Dataplane {
    tun: Option<tun_rs::SyncDevice>,
    /// Set once creating the device failed (reported once).
    tun_failed: bool,
    /// By SPI: the SA and the selectors (remote, local) its packets must fit.
    inbound: HashMap<u32, (EspSa, Selector, Selector)>,
    outbound: HashMap<u32, EspSa>,
    /// A fingerprint of the engine's SA set when last followed.
    seen: u64,
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

fn log(r: &mut Router, msg: &str) {
    r.crypto_log(3, "DATAPLANE", msg);
}

impl Dataplane {
    pub fn new() -> Dataplane {
        Dataplane { tun: None, tun_failed: false, inbound: HashMap::new(), outbound: HashMap::new(), seen: 0, looked: None, rng: rand::rngs::StdRng::from_rng(&mut rand::rng()) }
    }

    /// The device, to wait on (once it exists).
    pub fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.tun.as_ref().map(|t| t.as_fd())
    }

    /// Follow the engine's child SAs: an SA per SPI and direction, the
    /// device once there is one.
    pub fn sync(&mut self, r: &mut Router) {
        let kids = r.ike.child_sas();
        // Cheap check first (this runs every round of the network thread):
        // the SA set changed when its size or its SPIs changed.
        let print = kids.iter().fold(kids.len() as u64, |h, c| h.wrapping_mul(31).wrapping_add(((c.spi_in as u64) << 32) | c.spi_out as u64));
        if print == self.seen {
            return self.ensure_device(r);
        }
        self.seen = print;
        let ins: std::collections::HashSet<u32> = kids.iter().map(|c| c.spi_in).collect();
        let outs: std::collections::HashSet<u32> = kids.iter().map(|c| c.spi_out).collect();
        self.inbound.retain(|spi, _| ins.contains(spi));
        self.outbound.retain(|spi, _| outs.contains(spi));
        let mut failed = Vec::new();
        for c in kids.iter().filter(|c| c.encap) {
            let Some((e, a)) = c.esp else { continue };
            if !self.inbound.contains_key(&c.spi_in) {
                match EspSa::new(c.spi_in, e, a, &c.keys_in) {
                    Ok(sa) => {
                        self.inbound.insert(c.spi_in, (sa, c.remote_ts, c.local_ts));
                    }
                    Err(err) => failed.push(format!("tunnel {}: SA 0x{:08x}: {err}", c.tunnel, c.spi_in)),
                }
            }
            if !self.outbound.contains_key(&c.spi_out) {
                if let Ok(sa) = EspSa::new(c.spi_out, e, a, &c.keys_out) {
                    self.outbound.insert(c.spi_out, sa);
                }
            }
        }
        for f in failed {
            log(r, &format!("cannot carry traffic: {f}"));
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
        let on_traffic = r.ike.conf().peers.iter().any(|p| p.kind == TunnelKind::Static && !p.auto_start && !p.dynamic && p.connection != ConnectionType::ResponderOnly);
        if !self.inbound.is_empty() || on_traffic {
            match tun_rs::DeviceBuilder::new().name(DEVICE).mtu(1400).build_sync() {
                Ok(d) => {
                    let _ = d.set_nonblocking(true);
                    self.tun = Some(d);
                }
                Err(e) => {
                    self.tun_failed = true;
                    log(r, &format!("cannot create TUN device {DEVICE} ({e}): IPsec SAs are negotiated but carry no traffic"));
                }
            }
        }
    }

    /// Packets the host routed into the device, sealed for their SA's peer.
    /// Traffic no SA covers yet starts a negotiation (IOS crypto maps).
    pub fn from_tun(&mut self, r: &mut Router, out: &mut Vec<Datagram>) {
        let Some(tun) = &self.tun else { return };
        let mut buf = [0u8; 65536];
        for _ in 0..64 {
            let Ok(n) = tun.recv(&mut buf) else { break };
            let p = &buf[..n];
            let Some((src, dst)) = ipv4_ends(p) else { continue };
            let now = r.now_ms();
            let child = r.ike.child_sas().iter().filter(|c| c.encap && c.local_ts.contains(src) && c.remote_ts.contains(dst)).max_by_key(|c| c.created).map(|c| (c.spi_out, c.local, c.remote));
            let Some((spi, local, remote)) = child else {
                r.ike.initiate_for_traffic(now, src, dst);
                continue;
            };
            let Some(sa) = self.outbound.get_mut(&spi) else { continue };
            match sa.seal(NEXT_HEADER_IPV4, p, &mut self.rng) {
                Ok(esp) => {
                    r.ike.account(now, spi, false, p.len() as u64);
                    out.push((local, remote, esp));
                }
                Err(e) => {
                    let msg = format!("outbound SA 0x{spi:08x}: {e}");
                    log(r, &msg);
                }
            }
        }
    }

    /// An ESP datagram from UDP 4500 (no non-ESP marker): open it and hand
    /// the inner packet to the host. Returns false when it was dropped.
    pub fn from_udp(&mut self, r: &mut Router, data: &[u8]) -> bool {
        let Some(spi) = edgesh_engine::esp::spi_of(data) else { return false };
        let Some((sa, remote_ts, local_ts)) = self.inbound.get_mut(&spi) else { return false };
        let Ok((next, inner)) = sa.open(data) else { return false };
        let Some((src, dst)) = ipv4_ends(&inner).filter(|_| next == NEXT_HEADER_IPV4) else { return false };
        // The inner packet must be one this SA protects (RFC 4301 5.2).
        if !(remote_ts.contains(src) && local_ts.contains(dst)) {
            return false;
        }
        let now = r.now_ms();
        r.ike.account(now, spi, true, inner.len() as u64);
        self.tun.as_ref().is_some_and(|t| t.send(&inner).is_ok())
    }
}

impl Default for Dataplane {
    fn default() -> Self {
        Self::new()
    }
}
