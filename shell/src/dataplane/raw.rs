//! The raw IP sockets of the dataplane: protocol 51 (AH) and protocol 50
//! (ESP when NAT-T found no NAT). Each is opened once an SA needs it, with
//! `IP_HDRINCL`: edgesh writes the outer IPv4 header itself (AH
//! authenticates it; for ESP it names the SA's local address as the
//! source, whichever address the route would pick). The kernel fills in the
//! header checksum and the total length (raw(7)).

//! The socket is opened by the network thread and then used by both
//! dataplane threads (the send thread sends, the receive thread reads).

use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// A raw socket for one IP protocol, opened on demand.
pub struct RawSocket {
    proto: u8,
    sock: OnceLock<socket2::Socket>,
    /// Set once opening failed (reported once).
    failed: AtomicBool,
    /// Set once an SA needs the socket.
    wanted: AtomicBool,
}

impl RawSocket {
    pub fn new(proto: u8) -> RawSocket {
        RawSocket { proto, sock: OnceLock::new(), failed: AtomicBool::new(false), wanted: AtomicBool::new(false) }
    }

    /// An SA needs the socket: [`RawSocket::ensure`] opens it.
    pub fn want(&self) {
        self.wanted.store(true, Ordering::Relaxed);
    }

    /// Open the socket once it is wanted: `Ok` when it was just opened, the
    /// log line when that failed (once), None when there is nothing new.
    pub fn ensure(&self) -> Option<Result<(), String>> {
        if self.sock.get().is_some() || self.failed.load(Ordering::Relaxed) || !self.wanted.load(Ordering::Relaxed) {
            return None;
        }
        let open = || -> std::io::Result<socket2::Socket> {
            let s = socket2::Socket::new(
                socket2::Domain::IPV4,
                socket2::Type::RAW,
                Some(socket2::Protocol::from(i32::from(self.proto))),
            )?;
            s.set_header_included_v4(true)?;
            s.set_nonblocking(true)?;
            // Room for bursts: a TCP window's worth of packets arrives at once.
            let _ = s.set_recv_buffer_size(4 << 20);
            let _ = s.set_send_buffer_size(4 << 20);
            Ok(s)
        };
        match open() {
            Ok(s) => {
                let _ = self.sock.set(s);
                Some(Ok(()))
            }
            Err(e) => {
                self.failed.store(true, Ordering::Relaxed);
                let what = if self.proto == edgesh_engine::ah::PROTOCOL { "AH" } else { "ESP without NAT" };
                Some(Err(format!(
                    "cannot open a raw IP protocol {} socket ({e}): {what} SAs are negotiated but carry no traffic",
                    self.proto
                )))
            }
        }
    }

    pub fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.sock.get().map(|s| s.as_fd())
    }

    /// Packets (outer header included) into `b`, as many as wait up to
    /// [`BATCH`], in one `recvmmsg`: how many (0 when none wait, on an
    /// error, or before the socket is open). [`RawBatch::packet`] gives each.
    pub fn recv_batch(&self, b: &mut RawBatch) -> usize {
        use std::os::fd::AsFd;
        b.n = 0;
        match self.sock.get() {
            Some(s) => b.fill(s.as_fd()),
            None => 0,
        }
    }

    /// Send whole IP packets (outer headers included), as many per system
    /// call as `sendmmsg` takes; the list is emptied.
    pub fn send_batch(&self, packets: &mut Vec<(Ipv4Addr, Vec<u8>)>) {
        use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrIn, sendmmsg};
        use std::os::fd::AsRawFd;
        let Some(s) = self.sock.get() else {
            packets.clear();
            return;
        };
        for chunk in packets.chunks(64) {
            let slices: Vec<[std::io::IoSlice<'_>; 1]> =
                chunk.iter().map(|(_, p)| [std::io::IoSlice::new(p)]).collect();
            let addrs: Vec<Option<SockaddrIn>> =
                chunk.iter().map(|(d, _)| Some(SockaddrIn::from(std::net::SocketAddrV4::new(*d, 0)))).collect();
            let mut hdrs = MultiHeaders::<SockaddrIn>::preallocate(chunk.len(), None);
            if sendmmsg(s.as_raw_fd(), &mut hdrs, &slices, &addrs, [], MsgFlags::empty()).is_err() {
                // One at a time: what one refused need not stop the rest.
                for (d, p) in chunk {
                    self.send(*d, p);
                }
            }
        }
        packets.clear();
    }

    /// Send a whole IP packet (outer header included) to `dst`.
    pub fn send(&self, dst: Ipv4Addr, packet: &[u8]) {
        if let Some(s) = self.sock.get() {
            let _ = s.send_to(packet, &std::net::SocketAddr::from((dst, 0)).into());
        }
    }
}

/// Packets one [`RawSocket::recv_batch`] takes at most.
pub const BATCH: usize = 32;
/// The bytes of a packet that land in its slot (an MTU-sized packet's all).
const SLOT: usize = 2048;
/// The rest of a larger packet (a reassembled one, up to an IPv4 packet's 65,535 bytes).
const OVER: usize = 65536 - SLOT;

/// Receive buffers for [`RawSocket::recv_batch`]: [`BATCH`] slots of 2 KB
/// side by side (an MTU-sized packet's room: a batch's packets lie in 64 KB,
/// not at a 64 KB stride, where every packet would compete for the same
/// cache sets), each continued by a region of its own for the rest of a
/// larger packet, touched (and so mapped) only when one comes.
pub struct RawBatch {
    slots: Vec<u8>,
    over: Vec<u8>,
    /// A larger packet put together from its slot and its overflow.
    big: Vec<u8>,
    lens: [usize; BATCH],
    n: usize,
    hdrs: nix::sys::socket::MultiHeaders<()>,
}

impl Default for RawBatch {
    fn default() -> Self {
        RawBatch {
            slots: vec![0; BATCH * SLOT],
            over: vec![0; BATCH * OVER],
            big: Vec::new(),
            lens: [0; BATCH],
            n: 0,
            hdrs: nix::sys::socket::MultiHeaders::preallocate(BATCH, None),
        }
    }
}

impl RawBatch {
    /// One `recvmmsg` on `fd` (without waiting) into the slots: how many packets.
    fn fill(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> usize {
        use nix::sys::socket::{MsgFlags, recvmmsg};
        use std::io::IoSliceMut;
        use std::os::fd::AsRawFd;
        self.n = 0;
        let mut iovs: Vec<[IoSliceMut<'_>; 2]> = self
            .slots
            .chunks_mut(SLOT)
            .zip(self.over.chunks_mut(OVER))
            .map(|(slot, over)| [IoSliceMut::new(slot), IoSliceMut::new(over)])
            .collect();
        let Ok(got) = recvmmsg(fd.as_raw_fd(), &mut self.hdrs, iovs.iter_mut(), MsgFlags::MSG_DONTWAIT, None) else {
            return 0;
        };
        for (len, m) in self.lens.iter_mut().zip(got) {
            // The slot and its overflow hold 64 KB: more than an IPv4 packet.
            *len = m.bytes.min(SLOT + OVER);
            self.n += 1;
        }
        self.n
    }

    /// The `i`th packet of the last [`RawSocket::recv_batch`] (empty past its count).
    pub fn packet(&mut self, i: usize) -> &mut [u8] {
        if i >= self.n {
            return &mut [];
        }
        let (len, at) = (self.lens[i], i * SLOT);
        if len <= SLOT {
            return &mut self.slots[at..at + len];
        }
        self.big.clear();
        self.big.extend_from_slice(&self.slots[at..at + SLOT]);
        self.big.extend_from_slice(&self.over[i * OVER..i * OVER + (len - SLOT)]);
        &mut self.big[..]
    }
}

/// The outer IPv4 header of a packet from `src` to `dst` carrying `proto`
/// (no options, TTL 64; length and checksum left to [`finish`] and the kernel).
pub fn header(src: Ipv4Addr, dst: Ipv4Addr, ident: u16, proto: u8) -> [u8; 20] {
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[4..6].copy_from_slice(&ident.to_be_bytes());
    h[8] = 64;
    h[9] = proto;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    h
}

/// A packet made of [`header`] and its payload, with its total length set.
pub fn finish(mut p: Vec<u8>) -> Vec<u8> {
    let len = u16::try_from(p.len()).unwrap_or(u16::MAX);
    p[2..4].copy_from_slice(&len.to_be_bytes());
    p
}

/// The fragments (RFC 791) of an outer packet larger than `mtu`, each at
/// most `mtu` bytes: the same header with its own total length, offset and
/// more-fragments flag (its checksum left to the sender: the kernel for a
/// raw socket, [`super::link`] for its own). RFC 4301 lets a tunnel fragment
/// the protected packet; edgesh never sets DF on its outer headers (as IOS
/// `crypto ipsec df-bit clear`), and the raw socket refuses a packet over
/// the MTU (`EMSGSIZE` with `IP_HDRINCL`), so this is how such a packet
/// leaves. None when `packet` fits, has header options (edgesh writes
/// none), has DF set, is a fragment already, or `mtu` leaves no room.
pub fn fragments(packet: &[u8], mtu: usize) -> Option<Vec<Vec<u8>>> {
    if packet.len() <= mtu || packet.len() < 20 || packet[0] != 0x45 {
        return None;
    }
    let flags = u16::from_be_bytes([packet[6], packet[7]]);
    // DF, MF or an offset: not a whole packet that may be cut.
    if flags & 0x4000 != 0 || flags & 0x3fff != 0 || mtu < 28 {
        return None;
    }
    let step = (mtu - 20) & !7;
    let payload = &packet[20..];
    let mut out = Vec::with_capacity(payload.len().div_ceil(step));
    for (i, piece) in payload.chunks(step).enumerate() {
        let mut f = Vec::with_capacity(20 + piece.len());
        f.extend_from_slice(&packet[..20]);
        f.extend_from_slice(piece);
        let len = u16::try_from(f.len()).unwrap_or(u16::MAX);
        f[2..4].copy_from_slice(&len.to_be_bytes());
        let at = i * step;
        let more = if at + piece.len() < payload.len() { 0x2000 } else { 0 };
        f[6..8].copy_from_slice(&(u16::try_from(at / 8).unwrap_or(0x1fff) | more).to_be_bytes());
        f[10] = 0;
        f[11] = 0;
        out.push(f);
    }
    Some(out)
}

/// A received IPv4 packet's header length, source and destination, when
/// it is one (the payload is `packet[ihl..]`).
pub fn outer(packet: &[u8]) -> Option<(usize, Ipv4Addr, Ipv4Addr)> {
    let ihl = usize::from(packet.first()? & 0x0f) * 4;
    if packet.len() < ihl || ihl < 20 || packet[0] >> 4 != 4 {
        return None;
    }
    Some((
        ihl,
        Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]),
        Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outer_header_names_both_ends_and_its_length() {
        let mut p = header(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2), 0x1234, 50).to_vec();
        p.extend_from_slice(&[0xaa; 30]);
        let p = finish(p);
        assert_eq!(&p[..20], &[0x45, 0, 0, 50, 0x12, 0x34, 0, 0, 64, 50, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
        assert_eq!(outer(&p), Some((20, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2))));
        assert_eq!(outer(&p[..10]), None);
        assert_eq!(outer(&[0x46, 0, 0, 0]), None);
    }

    #[test]
    fn a_packet_over_the_mtu_is_cut_into_fragments_that_put_it_back_together() {
        let mut p = header(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2), 0x4242, 50).to_vec();
        p.extend((0..1436u32).map(|i| i as u8));
        let p = finish(p);
        assert_eq!(fragments(&p, 1500), None, "it fits");
        let f = fragments(&p, 1200).expect("cut");
        assert_eq!(f.len(), 2);
        // 1,176 bytes of payload (a multiple of 8 within 1,180), then the other 260.
        assert_eq!(f[0].len(), 1196);
        assert_eq!(f[1].len(), 20 + 1436 - 1176);
        assert_eq!(&f[0][2..4], &1196u16.to_be_bytes());
        assert_eq!(&f[0][6..8], &[0x20, 0], "more fragments, offset 0");
        assert_eq!(&f[1][6..8], &(1176u16 / 8).to_be_bytes(), "last, at 1176");
        for x in &f {
            assert!(x.len() <= 1200);
            assert_eq!(&x[4..6], &[0x42, 0x42], "one identification");
            assert_eq!(x[9], 50);
        }
        // The payloads in order are the packet's.
        let back: Vec<u8> = f.iter().flat_map(|x| x[20..].to_vec()).collect();
        assert_eq!(back, p[20..]);
        // A 576-byte path: three pieces, offsets multiples of 8.
        let f = fragments(&p, 576).expect("cut");
        assert_eq!(f.iter().map(|x| x.len()).collect::<Vec<_>>(), [572, 572, 20 + 1436 - 1104]);
        // Not cut: DF set, already a fragment, header options, no room, too short.
        let mut df = p.clone();
        df[6] = 0x40;
        assert_eq!(fragments(&df, 1200), None);
        let mut mf = p.clone();
        mf[6] = 0x20;
        assert_eq!(fragments(&mf, 1200), None);
        let mut opt = p.clone();
        opt[0] = 0x46;
        assert_eq!(fragments(&opt, 1200), None);
        assert_eq!(fragments(&p, 27), None);
        assert_eq!(fragments(&p[..10], 5), None);
    }

    /// One `recvmmsg` takes what waits, up to a batch; a packet larger than
    /// its 2 KB slot comes back whole from the slot and its overflow.
    #[test]
    fn a_batch_takes_what_waits_and_a_large_packet_comes_back_whole() {
        use std::os::fd::AsFd;
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let to = rx.local_addr().unwrap();
        let sent: Vec<Vec<u8>> = (0..BATCH + 3)
            .map(|i| {
                let len = match i {
                    5 => 60_000,
                    10 => 9000,
                    _ if i % 2 == 0 => 1400,
                    _ => 1,
                };
                (0..len).map(|k| (k * 7 + i) as u8).collect()
            })
            .collect();
        for d in &sent {
            tx.send_to(d, to).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut b = RawBatch::default();
        let mut got = Vec::new();
        loop {
            let n = b.fill(rx.as_fd());
            assert!(n <= BATCH);
            if n == 0 {
                break;
            }
            got.extend((0..n).map(|i| b.packet(i).to_vec()));
            assert!(b.packet(n).is_empty());
        }
        assert_eq!(got, sent);
    }
}
