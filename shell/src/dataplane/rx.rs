//! The receive thread of the dataplane (`dp-rx`): it owns the inbound SAs
//! (each with its anti-replay window, touched by no other thread), reads
//! ESP and AH from the raw IP sockets (up to 32 packets per `recvmmsg`,
//! [`super::raw::RawBatch`]) and ESP in UDP from the port 4500 sockets
//! (UDP GRO reads; the IKE there goes to the network thread, which reads
//! those sockets itself until this thread has them), opens each packet in
//! place, checks it against its SA's selectors (RFC 4301 inbound policy
//! check) and writes what passes in GRO batches itself to the device of
//! the SA's tunnel (the host's TCP receive runs in that write): a route-based
//! tunnel's own device (`tunif.rs`), else `edgesh0`. SA installs and
//! removals arrive on its channel from the network thread
//! (`Dataplane::follow`); the channel is read at the start of each round
//! and again when a packet's SPI is unknown, so an SA installed before
//! IKE's last message left opens the first packet the peer sends with it.

use super::raw::RawBatch;
use super::shared::{Count, Device, Shared};
use edgesh_engine::ah::AhSa;
use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
use edgesh_engine::esp_drops::{DropKind, EspDrop};
use edgesh_engine::ike::conf::Selector;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
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

/// The capacity of each buffer an opened packet is handed to tun-rs in:
/// its GRO glues a flow's next segments onto the first one's buffer only
/// when that buffer already has room for the glued packet (up to 64 KB and
/// the headroom), and never grows it. With buffers just the packet's size
/// nothing was ever glued (each segment one TUN write and one pass of the
/// host's TCP receive). Pages of the room not written are not touched.
const GRO_CAP: usize = 65_535 + 2 * tun_rs::VIRTIO_NET_HDR_LEN;

/// An opened packet in a buffer for tun-rs (a spare one if there is):
/// headroom for the virtio header, room for GRO ([`GRO_CAP`]).
fn tun_buffer(spare: &mut Vec<Vec<u8>>, inner: &[u8]) -> Vec<u8> {
    let mut b = spare.pop().unwrap_or_else(|| Vec::with_capacity(GRO_CAP));
    b.clear();
    b.resize(tun_rs::VIRTIO_NET_HDR_LEN, 0);
    b.extend_from_slice(inner);
    b
}

/// One device's opened packets (after headroom for the virtio header)
/// written: with offloads in one batch, TCP segments of a flow glued
/// together (GRO), else one write each.
fn write_batch(d: &Device, gro: &mut tun_rs::GROTable, packets: &mut [Vec<u8>]) {
    if d.offload {
        let _ = d.tun.send_multiple(gro, packets, tun_rs::VIRTIO_NET_HDR_LEN);
    } else {
        for b in packets.iter() {
            let _ = d.tun.send(b.get(tun_rs::VIRTIO_NET_HDR_LEN..).unwrap_or_default());
        }
    }
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
    inbound: foldhash::HashMap<u32, InEsp>,
    ah_in: foldhash::HashMap<u32, AhIn>,
    /// The packet a transport-mode SA's payload was rebuilt into (from `classify` to `deliver`).
    transport_rebuilt: Option<Vec<u8>>,
    /// Where opened packets go, by device id: `edgesh0` once it exists,
    /// and the route-based tunnels' devices.
    devs: foldhash::HashMap<u64, Arc<Device>>,
    /// Each device's opened packets waiting, and spare buffers.
    out: foldhash::HashMap<u64, Out>,
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
            inbound: HashMap::default(),
            ah_in: HashMap::default(),
            transport_rebuilt: None,
            devs: HashMap::default(),
            out: HashMap::default(),
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
    fn from_raw(&mut self, shared: &Shared, batch: &mut RawBatch, max: usize, ready: &mut [bool]) -> usize {
        let [esp, ah, ..] = ready else { return 0 };
        let mut n = drain(&shared.raw_esp, batch, max, esp, |p| {
            if let Some((ihl, peer, local)) = super::raw::outer(p) {
                let _ = self.receive_mut(local, peer, &mut p[ihl..]);
            }
        });
        n += drain(&shared.raw_ah, batch, max, ah, |p| {
            let _ = self.receive_ah(p);
        });
        self.flush();
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
                    let b = tun_buffer(&mut self.spare, inner);
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
    /// write each. Done here, not by a thread of its own: on the 2-core
    /// machine a writer thread cost more in hand-overs and wake-ups than it
    /// saved (docs/speed.md, fifth pass).
    fn flush(&mut self) {
        for (id, out) in &mut self.out {
            if out.to_tun.is_empty() {
                continue;
            }
            if let Some(d) = self.devs.get(id) {
                write_batch(d, &mut out.gro, &mut out.to_tun);
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

        match self.classify(data) {
            Ok((ok, inner, count, dev)) => match self.transport_rebuilt.take() {
                Some(p) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &p, count, dev))),
                None => {
                    self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &data[inner], count, dev)))
                }
            },
            Err(e) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Err(e)),
        }
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

/// The port 4500 sockets dp-rx reads (by local address), the IKE found
/// there for the network thread, and the read buffer (64 KB: a UDP GRO read).
struct UdpIn {
    socks: Vec<(SocketAddrV4, Arc<UdpSocket>)>,
    ike: Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)>,
    buf: Vec<u8>,
}

impl UdpIn {
    fn new() -> UdpIn {
        UdpIn { socks: Vec::new(), ike: Vec::new(), buf: vec![0; 65536] }
    }
}

impl Opener {
    /// Apply the network thread's messages (SA changes, ESP in UDP it
    /// read), at most `max`: how many packets they carried, whether more
    /// wait (None: the channel is gone).
    fn drain_msgs(&mut self, msgs: &Receiver<RxMsg>, max: usize) -> Option<(usize, bool)> {
        let mut work = 0;
        for _ in 0..max {
            match msgs.try_recv() {
                Ok(m) => work += 1 + self.take(m),
                Err(TryRecvError::Empty) => return Some((work, false)),
                Err(TryRecvError::Disconnected) => return None,
            }
        }
        Some((work, true))
    }

    /// Datagrams from the port 4500 sockets whose `ready` slot is set (about
    /// `max` from each, a GRO read at a time): ESP opened and handed to the
    /// host (or dropped and counted), IKE and keepalives queued for the
    /// network thread. An SPI not (yet) known first has the channel read
    /// once more: its SA's install may have come after this round's look
    /// (the network thread queues it before IKE's last message leaves).
    /// Returns how many datagrams were read; a slot stays set where the
    /// reads stopped at `max`.
    fn from_udp(
        &mut self,
        shared: &Shared,
        u: &mut UdpIn,
        msgs: &Receiver<RxMsg>,
        max: usize,
        ready: &mut [bool],
    ) -> usize {
        let mut total = 0;
        let mut looked_again = false;
        for ((local, s), r) in u.socks.iter().zip(ready.iter_mut()) {
            if !std::mem::take(r) {
                continue;
            }
            let mut k = 0;
            while k < max {
                let Some((from, n, seg)) = super::io::recv(s, &mut u.buf, true) else { break };
                for d in u.buf[..n].chunks_mut(seg.max(1)) {
                    k += 1;
                    if !super::io::is_esp(d) {
                        u.ike.push((*local, from, d.to_vec()));
                        continue;
                    }
                    if !looked_again
                        && edgesh_engine::esp::spi_of(d).is_some_and(|spi| !self.inbound.contains_key(&spi))
                    {
                        looked_again = true;
                        total += self.drain_msgs(msgs, 4096).map_or(0, |(w, _)| w);
                    }
                    let _ = self.receive_mut(*local.ip(), *from.ip(), d);
                }
                // Each read's packets to the host at once (a GRO read is up to 64 KB, about
                // one glued TCP segment, written as one).
                self.flush();
            }
            *r = k >= max;
            total += k;
        }
        shared.ike_in(&mut u.ike);
        total
    }
}

/// The receive thread: until the dataplane goes (its channel closes).
pub fn run(shared: Arc<Shared>, msgs: Receiver<RxMsg>) {
    let mut o = Opener::new();
    let mut batch = RawBatch::default();
    let mut udp = UdpIn::new();
    let mut generation = u64::MAX;
    let mut carried = false;
    // Which descriptors to read this round (the raw ESP and AH sockets, then
    // the port 4500 ones): all at first, then the readable ones.
    let mut ready = vec![true; 2];
    loop {
        if shared.generation() != generation {
            generation = shared.generation();
            o.set_devices(shared.devices());
            let (g, socks) = shared.udp_to_read();
            udp.socks = socks.iter().map(|(a, s)| (*a, s.clone())).collect();
            ready.truncate(2);
            ready.resize(2 + udp.socks.len(), true);
            shared.rx_reads_udp(g);
        }
        // SA changes and ESP in UDP the network thread read, in the order it sent them.
        let Some((mut work, more)) = o.drain_msgs(&msgs, 256) else { break };
        let (raw_ready, udp_ready) = ready.split_at_mut(2);
        work += o.from_raw(&shared, &mut batch, 256, raw_ready);
        work += o.from_udp(&shared, &mut udp, &msgs, 256, udp_ready);
        o.flush();
        o.publish(&shared);
        let mut fds = vec![shared.raw_esp.fd(), shared.raw_ah.fd()];
        use std::os::fd::AsFd;
        fds.extend(udp.socks.iter().map(|(_, s)| Some(s.as_fd())));
        if !shared.end_round(work, more, &mut carried, &shared.wake_rx, &fds, &mut ready) {
            break;
        }
    }
    // The network thread reads port 4500 again.
    shared.rx_reads_udp(u64::MAX);
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

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::config::{EspAuth, EspEncr};
    use edgesh_engine::ike::endpoint::SaKeys;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn sel(a: [u8; 4], len: u8) -> Selector {
        Selector { net: edgesh_engine::config::Prefix4 { addr: Ipv4Addr::from(a), len }, proto: 0, port: 0 }
    }

    fn sa(spi: u32) -> EspSa {
        let k = SaKeys { encr: (0..16).collect(), auth: (0..20).map(|i| i * 3).collect() };
        EspSa::new(spi, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap()
    }

    /// An ICMP echo from 10.2.0.5 to 10.1.0.7.
    const INNER: [u8; 28] = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 2, 0, 5, 10, 1, 0, 7, 8, 0, 0, 0, 0, 1, 0, 1];

    /// A TCP segment from 10.2.0.5:5201 to 10.1.0.7:40000 with sequence
    /// number `seq` and `len` bytes of payload, checksums valid.
    fn segment(seq: u32, len: usize) -> Vec<u8> {
        segment_from(5201, seq, len)
    }

    /// [`segment`] from another source port (another flow).
    fn segment_from(port: u16, seq: u32, len: usize) -> Vec<u8> {
        let mut p = vec![0u8; 40 + len];
        p[..20].copy_from_slice(&[0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 2, 0, 5, 10, 1, 0, 7]);
        let total = (40 + len) as u16;
        p[2..4].copy_from_slice(&total.to_be_bytes());
        let ip = !tun_rs::checksum(&p[..20], 0);
        p[10..12].copy_from_slice(&ip.to_be_bytes());
        p[20..22].copy_from_slice(&port.to_be_bytes());
        p[22..24].copy_from_slice(&40000u16.to_be_bytes());
        p[24..28].copy_from_slice(&seq.to_be_bytes());
        p[32] = 5 << 4;
        p[33] = 0x10; // ACK
        p[34..36].copy_from_slice(&512u16.to_be_bytes());
        for (i, b) in p[40..].iter_mut().enumerate() {
            *b = i as u8;
        }
        // The pseudo-header (addresses, protocol, TCP length) and the segment.
        let mut pseudo = p[12..20].to_vec();
        pseudo.extend_from_slice(&[0, 6]);
        pseudo.extend_from_slice(&((20 + len) as u16).to_be_bytes());
        let sum = tun_rs::checksum(&p[20..], u64::from(tun_rs::checksum(&pseudo, 0)));
        p[36..38].copy_from_slice(&(!sum).to_be_bytes());
        p
    }

    /// tun-rs's GRO over `bufs` as `send_multiple` runs it (fresh tables):
    /// the indexes of the buffers to write go to `writes`.
    fn glue(bufs: &mut [Vec<u8>], writes: &mut Vec<usize>) -> std::io::Result<()> {
        tun_rs::handle_gro(
            bufs,
            tun_rs::VIRTIO_NET_HDR_LEN,
            &mut Default::default(),
            &mut Default::default(),
            false,
            writes,
        )
    }

    /// The buffers opened packets are handed to tun-rs in have room for its
    /// GRO: a flow's consecutive segments are glued into one write (with
    /// buffers of the packet's size tun-rs glues nothing).
    #[test]
    fn opened_segments_of_a_flow_are_glued_into_one_write() {
        let mut spare = Vec::new();
        let segs: Vec<Vec<u8>> = (0..40u32).map(|i| segment(1000 + i * 1360, 1360)).collect();
        let mut bufs: Vec<Vec<u8>> = segs.iter().map(|p| tun_buffer(&mut spare, p)).collect();
        let mut writes = Vec::new();
        glue(&mut bufs, &mut writes).unwrap();
        assert_eq!(writes, [0], "40 segments, one write");
        assert_eq!(bufs[0].len(), tun_rs::VIRTIO_NET_HDR_LEN + 40 + 40 * 1360);
        // What a buffer of the packet's size gets: nothing glued.
        let mut tight: Vec<Vec<u8>> = segs
            .iter()
            .map(|p| {
                let mut b = vec![0u8; tun_rs::VIRTIO_NET_HDR_LEN];
                b.extend_from_slice(p);
                b.shrink_to_fit();
                b
            })
            .collect();
        writes.clear();
        glue(&mut tight, &mut writes).unwrap();
        assert_eq!(writes.len(), 40);
    }

    /// What an authenticated peer forwards comes from any host behind it:
    /// tun-rs's GRO, live since the buffers have room, is fed seeded
    /// batches of a few flows' segments with headers and lengths mutated,
    /// truncated and shuffled; it never fails or panics, never writes a
    /// packet over 64 KB, and writes the bytes it was given less only the
    /// headers of the segments it glued (at most 100 bytes each).
    #[test]
    fn gro_survives_mutated_batches_of_segments() {
        use rand::{RngExt, seq::SliceRandom};
        let mut rng = StdRng::seed_from_u64(19);
        let mut spare = Vec::new();
        let (mut total, mut total_glued) = (0, 0);
        for round in 0..1000 {
            let n = rng.random_range(1..=tun_rs::IDEAL_BATCH_SIZE);
            let flows = rng.random_range(1..=3u32);
            let mut segs: Vec<Vec<u8>> = (0..n)
                .map(|i| {
                    let f = i as u32 % flows;
                    let len = if rng.random_bool(0.9) { 1360 } else { rng.random_range(1..1360) };
                    segment_from(5201 + f as u16, f * 1_000_000 + (i as u32 / flows) * 1360, len)
                })
                .collect();
            for p in segs.iter_mut() {
                match rng.random_range(0..10) {
                    // A header byte changed (flags, lengths, offsets, TTL, options ...).
                    0..=2 => {
                        let at = rng.random_range(0..p.len().min(60));
                        p[at] = rng.random();
                    }
                    // Cut short (an IP packet of at least 20 bytes reaches here).
                    3 => p.truncate(rng.random_range(20..=p.len())),
                    // Random bytes after an IPv4 TCP header start.
                    4 => {
                        let len = rng.random_range(20..200);
                        *p = (0..len).map(|_| rng.random()).collect();
                        p[0] = 0x45;
                        p[9] = 6;
                    }
                    _ => {}
                }
            }
            if rng.random_bool(0.2) {
                segs.shuffle(&mut rng);
            }
            let payload_in: usize = segs.iter().map(|p| p.len()).sum();
            let mut bufs: Vec<Vec<u8>> = segs.iter().map(|p| tun_buffer(&mut spare, p)).collect();
            let mut writes = Vec::new();
            let r = glue(&mut bufs, &mut writes);
            assert!(r.is_ok(), "round {round}: {r:?}");
            assert!(!writes.is_empty() && writes.len() <= n, "round {round}");
            // Every segment's bytes are in a write: its headers once per write, its payload once.
            let mut out = 0;
            for &w in &writes {
                let b = &bufs[w];
                assert!(b.len() <= GRO_CAP, "round {round}: a write of {} bytes", b.len());
                out += b.len() - tun_rs::VIRTIO_NET_HDR_LEN;
            }
            let glued = n - writes.len();
            (total, total_glued) = (total + n, total_glued + glued);
            assert!(out <= payload_in && out + glued * 100 >= payload_in, "round {round}: {payload_in} in, {out} out");
            spare.extend(bufs);
            spare.truncate(tun_rs::IDEAL_BATCH_SIZE);
        }
        // Among the mutated ones, the intact runs of segments were glued all the same (23 %).
        assert!(total_glued * 8 > total, "{total_glued} of {total} glued");
    }

    /// dp-rx reading port 4500 itself: ESP is opened (an SA whose install
    /// waits on the channel included: the channel is read again for an
    /// unknown SPI), IKE (the non-ESP marker) and a NAT-T keepalive go to
    /// the network thread, each exactly as it arrived.
    #[test]
    fn udp_4500_read_by_dp_rx_opens_esp_and_hands_ike_on() {
        let shared = Shared::new().unwrap();
        let mut o = Opener::new();
        o.insert_inbound(sa(0x1001), sel([10, 2, 0, 0], 16), sel([10, 1, 0, 0], 16));
        let (to_rx, msgs) = std::sync::mpsc::channel();
        let late = Arc::new(Count::default());
        to_rx
            .send(RxMsg::Esp(
                0x1002,
                Box::new(InEsp {
                    sa: sa(0x1002),
                    remote_ts: sel([10, 2, 0, 0], 16),
                    local_ts: sel([10, 1, 0, 0], 16),
                    transport: None,
                    count: late.clone(),
                    dev: super::super::shared::EDGESH0,
                }),
            ))
            .unwrap();
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (std::net::SocketAddr::V4(local), std::net::SocketAddr::V4(from)) =
            (rx.local_addr().unwrap(), tx.local_addr().unwrap())
        else {
            panic!("IPv4")
        };
        let mut rng = StdRng::seed_from_u64(7);
        let ike = [&[0u8; 4][..], &[0xab; 36][..]].concat();
        let datagrams = [
            sa(0x1001).seal(NEXT_HEADER_IPV4, &INNER, &mut rng).unwrap(),
            ike.clone(),
            vec![0xff],
            sa(0x1002).seal(NEXT_HEADER_IPV4, &INNER, &mut rng).unwrap(),
        ];
        for d in &datagrams {
            tx.send_to(d, local).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut u = UdpIn::new();
        u.socks.push((local, Arc::new(rx)));
        let mut ready = [true];
        assert_eq!(o.from_udp(&shared, &mut u, &msgs, 256, &mut ready), 4 + 1, "4 datagrams, 1 message");
        assert_eq!(ready, [false], "drained: read again when poll says so");
        assert_eq!(shared.take_ike(), vec![(local, from, ike), (local, from, vec![0xff])]);
        assert_eq!(o.inbound[&0x1001].count.take(), (1, 28));
        assert_eq!(late.take(), (1, 28));
        assert!(o.pending_drops().is_empty());
    }
}
