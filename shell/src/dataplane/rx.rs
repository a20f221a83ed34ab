//! The receive thread of the dataplane (`dp-rx`): it owns the inbound SAs
//! (each with its anti-replay window, touched by no other thread), reads
//! ESP and AH from the raw IP sockets, takes the ESP in UDP the network
//! thread read on port 4500, opens each packet in place, checks it against
//! its SA's selectors (RFC 4301 inbound policy check) and writes what
//! passes to the TUN device in batches. SA installs and removals arrive on
//! its channel from the network thread (`Dataplane::follow`) in order with
//! the ESP in UDP, so a removed SA opens nothing read after its removal.

use super::shared::{Count, Device, Shared};
use edgesh_engine::ah::AhSa;
use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
use edgesh_engine::esp_drops::{DropKind, EspDrop};
use edgesh_engine::ike::conf::Selector;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

/// What the network thread tells the receive thread.
pub enum RxMsg {
    /// An inbound ESP SA by its SPI.
    Esp(u32, Box<InEsp>),
    /// An inbound AH SA (with the ESP SA under it in a bundle) by its SPI.
    Ah(u32, Box<AhIn>),
    /// The inbound SA of this SPI is gone.
    Remove(u32),
    /// ESP in UDP read on port 4500: (local, peer, datagrams, each `seg`
    /// bytes but the last: several when UDP GRO glued them).
    Udp(Ipv4Addr, Ipv4Addr, Vec<u8>, usize),
}

/// An inbound ESP SA and the selectors (remote, local) its packets must fit.
pub struct InEsp {
    pub sa: EspSa,
    pub remote_ts: Selector,
    pub local_ts: Selector,
    /// Transport mode: the (peer, local) ends its packets are rebuilt with.
    pub transport: Option<(Ipv4Addr, Ipv4Addr)>,
    pub count: Arc<Count>,
}

/// An inbound AH SA: the ESP SA under it (an AH+ESP bundle) and the
/// selectors (remote, local) its packets must fit.
pub struct AhIn {
    pub ah: AhSa,
    pub esp: Option<EspSa>,
    pub remote_ts: Selector,
    pub local_ts: Selector,
    pub count: Arc<Count>,
}

/// Why an inbound packet was dropped, with its inner (source, destination,
/// protocol) when it was opened.
type Refusal = (DropKind, Option<(Ipv4Addr, Ipv4Addr, u8)>);

/// What an opened packet carried (`next` header, `inner` payload): a
/// tunnel-mode IPv4 packet inside the SA's selectors (true), a dummy packet
/// (false: authenticated, then discarded without a word, RFC 4303 2.6), or
/// why not.
fn check_inner(next: u8, inner: &[u8], remote_ts: &Selector, local_ts: &Selector) -> Result<bool, Refusal> {
    if next == 59 {
        return Ok(false);
    }
    if next != NEXT_HEADER_IPV4 {
        // A transport-mode payload (TCP, UDP, ICMP ...) where a tunnel-mode inner packet is expected.
        return Err((if next == 41 { DropKind::Malformed } else { DropKind::TransportMode }, Some((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, next))));
    }
    let Some((src, dst)) = super::ipv4_ends(inner) else { return Err((DropKind::Malformed, None)) };
    // The inner packet must be one this SA protects (RFC 4301 5.2).
    if !(remote_ts.contains(src) && local_ts.contains(dst)) {
        return Err((DropKind::Selector, Some((src, dst, inner[9]))));
    }
    Ok(true)
}

/// The inbound half of the dataplane, owned by the receive thread.
pub struct Opener {
    inbound: HashMap<u32, InEsp>,
    ah_in: HashMap<u32, AhIn>,
    /// The packet a transport-mode SA's payload was rebuilt into (from `classify` to `deliver`).
    transport_rebuilt: Option<Vec<u8>>,
    /// Where opened packets go: `edgesh0` once it exists (route-based
    /// tunnels will name their SA's device here).
    tun: Option<Arc<Device>>,
    /// Opened packets waiting for [`Opener::flush`] (after headroom for the
    /// virtio header), spare buffers, and the GRO state.
    to_tun: Vec<Vec<u8>>,
    spare: Vec<Vec<u8>>,
    gro: tun_rs::GROTable,
    /// Inbound packets dropped since the engine last heard, by (SPI, kind).
    drops: crate::dataplane_drops::Pending,
}

impl Default for Opener {
    fn default() -> Self {
        Self::new()
    }
}

impl Opener {
    pub fn new() -> Opener {
        Opener { inbound: HashMap::new(), ah_in: HashMap::new(), transport_rebuilt: None, tun: None, to_tun: Vec::new(), spare: Vec::new(), gro: tun_rs::GROTable::default(), drops: Default::default() }
    }

    /// Apply one message; returns how many packets it carried.
    fn take(&mut self, m: RxMsg) -> usize {
        match m {
            RxMsg::Esp(spi, e) => {
                self.inbound.insert(spi, *e);
            }
            RxMsg::Ah(spi, a) => {
                self.ah_in.insert(spi, *a);
            }
            RxMsg::Remove(spi) => {
                self.inbound.remove(&spi);
                self.ah_in.remove(&spi);
            }
            RxMsg::Udp(local, peer, mut data, seg) => {
                let mut n = 0;
                for d in data.chunks_mut(seg.max(1)) {
                    let _ = self.receive_mut(local, peer, d);
                    n += 1;
                }
                return n;
            }
        }
        0
    }

    /// Packets from the raw sockets (at most `max` from each): AH and ESP
    /// (with no NAT) opened and handed to the host, or dropped and counted.
    /// Returns how many were read.
    fn from_raw(&mut self, shared: &Shared, buf: &mut [u8], max: usize) -> usize {
        let mut n = 0;
        for _ in 0..max {
            let Some(len) = shared.raw_esp.recv(buf) else { break };
            n += 1;
            if let Some((ihl, peer, local)) = super::raw::outer(&buf[..len]) {
                let _ = self.receive_mut(local, peer, &mut buf[ihl..len]);
            }
            if self.to_tun.len() >= tun_rs::IDEAL_BATCH_SIZE {
                self.flush();
            }
        }
        for _ in 0..max {
            let Some(len) = shared.raw_ah.recv(buf) else { break };
            n += 1;
            let _ = self.receive_ah(&buf[..len]);
        }
        n
    }

    /// An IPv4 packet carrying AH (outer header included): opened and
    /// handed to the host, or dropped, counted by kind and the kind returned.
    pub fn receive_ah(&mut self, packet: &[u8]) -> Result<(), DropKind> {
        let ihl = packet.first().map(|b| usize::from(b & 0x0f) * 4).unwrap_or(0);
        let (peer, local) = super::ipv4_ends(packet).unwrap_or((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED));
        let (spi, seq) = crate::dataplane_drops::spi_seq(packet.get(ihl + 4..).unwrap_or_default());
        let r = self.classify_ah(packet, ihl, spi);
        let r = r.as_ref().map(|(ok, inner, count)| (*ok, &inner[..], count.clone())).map_err(|e| *e);
        self.deliver(edgesh_engine::ah::PROTOCOL, (spi, seq), (peer, local), r)
    }

    fn classify_ah(&mut self, packet: &[u8], ihl: usize, spi: u32) -> Result<(bool, Vec<u8>, Arc<Count>), Refusal> {
        if ihl < 20 || packet.len() < ihl + edgesh_engine::ah::HEADER_LEN || packet[0] >> 4 != 4 {
            return Err((DropKind::Malformed, None));
        }
        let Some(e) = self.ah_in.get_mut(&spi) else { return Err((DropKind::UnknownSpi, None)) };
        let (next, payload) = e.ah.open(packet).map_err(|x| (DropKind::of(&x), None))?;
        let (next, inner) = match (&mut e.esp, next) {
            // A bundle: the ESP packet under AH, opened by the bundle's ESP SA (and no other).
            (Some(esp), edgesh_engine::esp::PROTOCOL) => esp.open(&payload).map_err(|x| (DropKind::of(&x), None))?,
            // A bundle's packet must carry ESP under its AH.
            (Some(_), _) => return Err((DropKind::Malformed, None)),
            (None, _) => (next, payload),
        };
        Ok((check_inner(next, &inner, &e.remote_ts, &e.local_ts)?, inner, e.count.clone()))
    }

    /// What became of an inbound packet of `proto` (ESP or AH) with `(spi,
    /// seq)` from `peer` to `local`: its inner packet counted and handed to
    /// the host, a dummy packet dropped without a word, or a refusal
    /// counted by kind (for the engine's counters and log lines) and its
    /// kind returned.
    fn deliver(&mut self, proto: u8, (spi, seq): (u32, u32), (peer, local): (Ipv4Addr, Ipv4Addr), r: Result<(bool, &[u8], Arc<Count>), Refusal>) -> Result<(), DropKind> {
        match r {
            Ok((false, ..)) => Ok(()),
            Ok((true, inner, count)) => {
                count.add(inner.len());
                if self.tun.is_some() {
                    let mut b = self.spare.pop().unwrap_or_default();
                    b.clear();
                    b.resize(tun_rs::VIRTIO_NET_HDR_LEN, 0);
                    b.extend_from_slice(inner);
                    self.to_tun.push(b);
                }
                Ok(())
            }
            Err((kind, inner)) => {
                let inner = if kind == DropKind::TransportMode { inner.map(|(_, _, p)| (peer, local, p)) } else { inner };
                self.drops.add(EspDrop { spi, proto, kind, peer, local, packets: 1, seq, inner });
                Err(kind)
            }
        }
    }

    /// Write the opened packets to the device: with offloads in one batch,
    /// TCP segments of a flow glued together (GRO), else one write each.
    fn flush(&mut self) {
        if self.to_tun.is_empty() {
            return;
        }
        if let Some(d) = &self.tun {
            if d.offload {
                let _ = d.tun.send_multiple(&mut self.gro, &mut self.to_tun, tun_rs::VIRTIO_NET_HDR_LEN);
            } else {
                for b in &self.to_tun {
                    let _ = d.tun.send(&b[tun_rs::VIRTIO_NET_HDR_LEN..]);
                }
            }
        }
        self.spare.extend(self.to_tun.drain(..).take(tun_rs::IDEAL_BATCH_SIZE));
        self.spare.truncate(tun_rs::IDEAL_BATCH_SIZE);
    }

    /// An ESP packet from `peer` to `local` (from UDP 4500 or IP protocol
    /// 50), decrypted in the caller's buffer: opened and handed to the
    /// host, or dropped, counted by kind and the kind returned.
    pub fn receive_mut(&mut self, local: Ipv4Addr, peer: Ipv4Addr, data: &mut [u8]) -> Result<(), DropKind> {
        let id = crate::dataplane_drops::spi_seq(data);
        let r = match self.classify(data) {
            Ok((ok, inner, count)) => match self.transport_rebuilt.take() {
                Some(p) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &p, count))),
                None => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &data[inner], count))),
            },
            Err(e) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Err(e)),
        };
        if self.to_tun.len() >= tun_rs::IDEAL_BATCH_SIZE {
            self.flush();
        }
        r
    }

    /// Open an ESP packet in place with the SA of its SPI and check what is
    /// inside: whether to hand it on and where the inner packet lies, or why
    /// not (with the inner ends and protocol when it was opened).
    fn classify(&mut self, data: &mut [u8]) -> Result<(bool, std::ops::Range<usize>, Arc<Count>), Refusal> {
        let Some(spi) = edgesh_engine::esp::spi_of(data).filter(|_| data.len() >= edgesh_engine::esp::HEADER_LEN) else { return Err((DropKind::Malformed, None)) };
        let Some(e) = self.inbound.get_mut(&spi) else { return Err((DropKind::UnknownSpi, None)) };
        let (next, inner) = e.sa.open_in_place(data).map_err(|x| (DropKind::of(&x), None))?;
        if let Some((peer, local)) = e.transport {
            // Transport mode: the payload rebuilt under the outer ends (selectors checked on them).
            if next == 59 {
                return Ok((false, inner, e.count.clone()));
            }
            let p = edgesh_engine::esp_transport::inbound(next, &data[inner.clone()], peer, local).map_err(|_| (DropKind::Malformed, None))?;
            let ok = check_inner(NEXT_HEADER_IPV4, &p, &e.remote_ts, &e.local_ts)?;
            self.transport_rebuilt = Some(p);
            return Ok((ok, inner, e.count.clone()));
        }
        Ok((check_inner(next, &data[inner.clone()], &e.remote_ts, &e.local_ts)?, inner, e.count.clone()))
    }

    /// Hand the drops of the batch to the network thread.
    fn publish(&mut self, shared: &Shared) {
        if !self.drops.is_empty() {
            let d = self.drops.take();
            shared.tell(|n| d.into_iter().for_each(|x| n.drops.add(x)));
        }
    }
}

/// The receive thread: until the dataplane goes (its channel closes).
pub fn run(shared: Arc<Shared>, msgs: Receiver<RxMsg>) {
    let mut o = Opener::new();
    let mut buf = vec![0u8; 65536];
    let mut generation = u64::MAX;
    let mut carried = false;
    loop {
        if shared.generation() != generation {
            generation = shared.generation();
            o.tun = shared.devices().into_iter().next();
        }
        let mut work = 0;
        // SA changes and ESP in UDP, in the order the network thread sent them.
        for _ in 0..256 {
            match msgs.try_recv() {
                Ok(m) => work += 1 + o.take(m),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        work += o.from_raw(&shared, &mut buf, 256);
        o.flush();
        o.publish(&shared);
        if !shared.end_round(work, &mut carried, &shared.wake_rx, || shared.raw_esp.fd().into_iter().chain(shared.raw_ah.fd()).collect()) {
            return;
        }
    }
}

#[cfg(test)]
impl Opener {
    /// [`Opener::receive_mut`] on a copy.
    pub(crate) fn receive(&mut self, local: Ipv4Addr, peer: Ipv4Addr, data: &[u8]) -> Result<(), DropKind> {
        self.receive_mut(local, peer, &mut data.to_vec())
    }

    /// An inbound SA with its selectors (remote, local), as an install would add it.
    pub(crate) fn insert_inbound(&mut self, sa: EspSa, remote_ts: Selector, local_ts: Selector) {
        self.inbound.insert(sa.spi(), InEsp { sa, remote_ts, local_ts, transport: None, count: Default::default() });
    }

    /// An inbound AH SA (over `esp` in a bundle) with its selectors (remote, local).
    pub(crate) fn insert_ah_inbound(&mut self, ah: AhSa, esp: Option<EspSa>, remote_ts: Selector, local_ts: Selector) {
        self.ah_in.insert(ah.spi(), AhIn { ah, esp, remote_ts, local_ts, count: Default::default() });
    }

    pub(crate) fn pending_drops(&mut self) -> Vec<EspDrop> {
        self.drops.take()
    }
}
