//! The receive thread of the dataplane (`dp-rx`): it owns the inbound SAs
//! (each with its anti-replay window, touched by no other thread), reads
//! ESP and AH from the raw IP sockets (up to 32 packets per `recvmmsg`,
//! [`super::raw::RawBatch`]), takes the ESP in UDP the network
//! thread read on port 4500, opens each packet in place, checks it against
//! its SA's selectors (RFC 4301 inbound policy check) and writes what
//! passes in batches to the device of the SA's tunnel: a route-based
//! tunnel's own device (`tunif.rs`), else `edgesh0`. SA installs and removals arrive on
//! its channel from the network thread (`Dataplane::follow`) in order with
//! the ESP in UDP, so a removed SA opens nothing read after its removal.

use super::raw::RawBatch;
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
    /// The inbound SA of this SPI now writes to this device (its tunnel's
    /// device came or went).
    Move(u32, u64),
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
    /// The device its packets are written to (a tunnel's, or [`EDGESH0`]).
    pub dev: u64,
}

/// An inbound AH SA: the ESP SA under it (an AH+ESP bundle) and the
/// selectors (remote, local) its packets must fit.
pub struct AhIn {
    pub ah: AhSa,
    pub esp: Option<EspSa>,
    pub remote_ts: Selector,
    pub local_ts: Selector,
    pub count: Arc<Count>,
    /// The device its packets are written to (a tunnel's, or [`EDGESH0`]).
    pub dev: u64,
}

/// Opened packets for one device, waiting for [`Opener::flush`] (after
/// headroom for the virtio header), and its GRO state.
#[derive(Default)]
struct Out {
    to_tun: Vec<Vec<u8>>,
    gro: tun_rs::GROTable,
}

/// What an opened packet is: to hand on (or a dummy), where it lies, its SA's counter and device.
type Opened<T> = (bool, T, Arc<Count>, u64);

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
        return Err((
            if next == 41 { DropKind::Malformed } else { DropKind::TransportMode },
            Some((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, next)),
        ));
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
    /// Where opened packets go, by device id: `edgesh0` once it exists,
    /// and the route-based tunnels' devices.
    devs: HashMap<u64, Arc<Device>>,
    /// Each device's opened packets waiting, and spare buffers.
    out: HashMap<u64, Out>,
    spare: Vec<Vec<u8>>,
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
        Opener {
            inbound: HashMap::new(),
            ah_in: HashMap::new(),
            transport_rebuilt: None,
            devs: HashMap::new(),
            out: HashMap::new(),
            spare: Vec::new(),
            drops: Default::default(),
        }
    }

    /// The devices now in the list (what waits for one that left is dropped).
    fn set_devices(&mut self, devices: Vec<Arc<Device>>) {
        self.devs = devices.into_iter().map(|d| (d.id, d)).collect();
        let devs = &self.devs;
        self.out.retain(|id, _| devs.contains_key(id));
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
            RxMsg::Move(spi, dev) => {
                if let Some(e) = self.inbound.get_mut(&spi) {
                    e.dev = dev;
                }
                if let Some(a) = self.ah_in.get_mut(&spi) {
                    a.dev = dev;
                }
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

    /// Packets from the raw sockets whose `ready` slot (ESP, AH) is set (at
    /// most `max` from each): AH and ESP (with no NAT) opened and handed to
    /// the host, or dropped and counted. Returns how many were read; a slot
    /// stays set where the reads stopped at `max` (more may wait).
    fn from_raw(&mut self, shared: &Shared, batch: &mut RawBatch, max: usize, ready: &mut [bool; 2]) -> usize {
        let [esp, ah] = ready;
        let mut n = drain(&shared.raw_esp, batch, max, esp, |p| {
            if let Some((ihl, peer, local)) = super::raw::outer(p) {
                let _ = self.receive_mut(local, peer, &mut p[ihl..]);
            }
        });
        n += drain(&shared.raw_ah, batch, max, ah, |p| {
            let _ = self.receive_ah(p);
        });
        n
    }

    /// An IPv4 packet carrying AH (outer header included): opened and
    /// handed to the host, or dropped, counted by kind and the kind returned.
    pub fn receive_ah(&mut self, packet: &[u8]) -> Result<(), DropKind> {
        let ihl = packet.first().map(|b| usize::from(b & 0x0f) * 4).unwrap_or(0);
        let (peer, local) = super::ipv4_ends(packet).unwrap_or((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED));
        let (spi, seq) = crate::dataplane_drops::spi_seq(packet.get(ihl + 4..).unwrap_or_default());
        let r = self.classify_ah(packet, ihl, spi);
        let r = r.as_ref().map(|(ok, inner, count, dev)| (*ok, &inner[..], count.clone(), *dev)).map_err(|e| *e);
        self.deliver(edgesh_engine::ah::PROTOCOL, (spi, seq), (peer, local), r)
    }

    fn classify_ah(&mut self, packet: &[u8], ihl: usize, spi: u32) -> Result<Opened<Vec<u8>>, Refusal> {
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
        Ok((check_inner(next, &inner, &e.remote_ts, &e.local_ts)?, inner, e.count.clone(), e.dev))
    }

    /// What became of an inbound packet of `proto` (ESP or AH) with `(spi,
    /// seq)` from `peer` to `local`: its inner packet counted and handed to
    /// the host, a dummy packet dropped without a word, or a refusal
    /// counted by kind (for the engine's counters and log lines) and its
    /// kind returned.
    fn deliver(
        &mut self,
        proto: u8,
        (spi, seq): (u32, u32),
        (peer, local): (Ipv4Addr, Ipv4Addr),
        r: Result<Opened<&[u8]>, Refusal>,
    ) -> Result<(), DropKind> {
        match r {
            Ok((false, ..)) => Ok(()),
            Ok((true, inner, count, dev)) => {
                count.add(inner.len());
                if self.devs.contains_key(&dev) {
                    let mut b = self.spare.pop().unwrap_or_default();
                    b.clear();
                    b.resize(tun_rs::VIRTIO_NET_HDR_LEN, 0);
                    b.extend_from_slice(inner);
                    let out = self.out.entry(dev).or_default();
                    out.to_tun.push(b);
                    if out.to_tun.len() >= tun_rs::IDEAL_BATCH_SIZE {
                        self.flush();
                    }
                }
                Ok(())
            }
            Err((kind, inner)) => {
                let inner =
                    if kind == DropKind::TransportMode { inner.map(|(_, _, p)| (peer, local, p)) } else { inner };
                self.drops.add(EspDrop { spi, proto, kind, peer, local, packets: 1, seq, inner, more: Vec::new() });
                Err(kind)
            }
        }
    }

    /// Write the opened packets to their devices: with offloads in one
    /// batch each, TCP segments of a flow glued together (GRO), else one
    /// write each.
    fn flush(&mut self) {
        for (id, out) in &mut self.out {
            if out.to_tun.is_empty() {
                continue;
            }
            if let Some(d) = self.devs.get(id) {
                if d.offload {
                    let _ = d.tun.send_multiple(&mut out.gro, &mut out.to_tun, tun_rs::VIRTIO_NET_HDR_LEN);
                } else {
                    for b in &out.to_tun {
                        let _ = d.tun.send(&b[tun_rs::VIRTIO_NET_HDR_LEN..]);
                    }
                }
            }
            self.spare.extend(out.to_tun.drain(..).take(tun_rs::IDEAL_BATCH_SIZE));
            self.spare.truncate(tun_rs::IDEAL_BATCH_SIZE);
        }
    }

    /// An ESP packet from `peer` to `local` (from UDP 4500 or IP protocol
    /// 50), decrypted in the caller's buffer: opened and handed to the
    /// host, or dropped, counted by kind and the kind returned.
    pub fn receive_mut(&mut self, local: Ipv4Addr, peer: Ipv4Addr, data: &mut [u8]) -> Result<(), DropKind> {
        let id = crate::dataplane_drops::spi_seq(data);
        let r = match self.classify(data) {
            Ok((ok, inner, count, dev)) => match self.transport_rebuilt.take() {
                Some(p) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &p, count, dev))),
                None => {
                    self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &data[inner], count, dev)))
                }
            },
            Err(e) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Err(e)),
        };
        r
    }

    /// Open an ESP packet in place with the SA of its SPI and check what is
    /// inside: whether to hand it on and where the inner packet lies, or why
    /// not (with the inner ends and protocol when it was opened).
    fn classify(&mut self, data: &mut [u8]) -> Result<Opened<std::ops::Range<usize>>, Refusal> {
        let Some(spi) = edgesh_engine::esp::spi_of(data).filter(|_| data.len() >= edgesh_engine::esp::HEADER_LEN)
        else {
            return Err((DropKind::Malformed, None));
        };
        let Some(e) = self.inbound.get_mut(&spi) else { return Err((DropKind::UnknownSpi, None)) };
        let (next, inner) = e.sa.open_in_place(data).map_err(|x| (DropKind::of(&x), None))?;
        if let Some((peer, local)) = e.transport {
            // Transport mode: the payload rebuilt under the outer ends (selectors checked on them).
            if next == 59 {
                return Ok((false, inner, e.count.clone(), e.dev));
            }
            let p = edgesh_engine::esp_transport::inbound(next, &data[inner.clone()], peer, local)
                .map_err(|_| (DropKind::Malformed, None))?;
            let ok = check_inner(NEXT_HEADER_IPV4, &p, &e.remote_ts, &e.local_ts)?;
            self.transport_rebuilt = Some(p);
            return Ok((ok, inner, e.count.clone(), e.dev));
        }
        Ok((check_inner(next, &data[inner.clone()], &e.remote_ts, &e.local_ts)?, inner, e.count.clone(), e.dev))
    }

    /// Hand the drops of the batch to the network thread.
    fn publish(&mut self, shared: &Shared) {
        if !self.drops.is_empty() {
            let d = self.drops.take();
            shared.tell(|n| d.into_iter().for_each(|x| n.drops.add(x)));
        }
    }
}

/// Up to about `max` packets from `sock` when `ready` is set, read
/// [`super::raw::BATCH`] per system call (`recvmmsg`), each handed to `f`:
/// how many; `ready` stays set only where the reads stopped at `max`.
fn drain(
    sock: &super::raw::RawSocket,
    batch: &mut RawBatch,
    max: usize,
    ready: &mut bool,
    mut f: impl FnMut(&mut [u8]),
) -> usize {
    if !std::mem::take(ready) {
        return 0;
    }
    let mut k = 0;
    while k < max {
        let n = sock.recv_batch(batch);
        for i in 0..n {
            f(batch.packet(i));
        }
        k += n;
        if n < super::raw::BATCH {
            // Fewer than a batch waited: the next round's poll says whether more came.
            return k;
        }
    }
    *ready = true;
    k
}

/// The receive thread: until the dataplane goes (its channel closes).
pub fn run(shared: Arc<Shared>, msgs: Receiver<RxMsg>) {
    let mut o = Opener::new();
    let mut batch = RawBatch::default();
    let mut generation = u64::MAX;
    let mut carried = false;
    // Which raw sockets (ESP, AH) to read this round: both at first, then the readable ones.
    let mut ready = [true; 2];
    loop {
        if shared.generation() != generation {
            generation = shared.generation();
            o.set_devices(shared.devices());
        }
        let mut work = 0;
        // SA changes and ESP in UDP, in the order the network thread sent them.
        let mut more = true;
        for _ in 0..256 {
            match msgs.try_recv() {
                Ok(m) => work += 1 + o.take(m),
                Err(TryRecvError::Empty) => {
                    more = false;
                    break;
                }
                Err(TryRecvError::Disconnected) => return,
            }
        }
        work += o.from_raw(&shared, &mut batch, 256, &mut ready);
        o.flush();
        o.publish(&shared);
        let fds = [shared.raw_esp.fd(), shared.raw_ah.fd()];
        if !shared.end_round(work, more, &mut carried, &shared.wake_rx, &fds, &mut ready) {
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
        self.inbound.insert(
            sa.spi(),
            InEsp { sa, remote_ts, local_ts, transport: None, count: Default::default(), dev: super::shared::EDGESH0 },
        );
    }

    /// An inbound AH SA (over `esp` in a bundle) with its selectors (remote, local).
    pub(crate) fn insert_ah_inbound(&mut self, ah: AhSa, esp: Option<EspSa>, remote_ts: Selector, local_ts: Selector) {
        self.ah_in.insert(
            ah.spi(),
            AhIn { ah, esp, remote_ts, local_ts, count: Default::default(), dev: super::shared::EDGESH0 },
        );
    }

    pub(crate) fn pending_drops(&mut self) -> Vec<EspDrop> {
        self.drops.take()
    }
}
