//! The kernel's own ceiling for the dataplane's outer packets on this
//! machine: how many 1,456-byte packets (an ESP packet of a 1,400-byte
//! inner one, the TUN device's MTU) one thread can push from one network
//! namespace to a receiving thread in another, with no crypto, no TUN and
//! no TCP. `bench/raw_ceiling.sh` runs it in the benchmark's namespaces.
//!
//! ```text
//! raw_rate recv raw50|udp SECS           # count what arrives (protocol 50, or UDP 4500 with UDP_GRO)
//! raw_rate send raw50|packet|packetq|packetring|udp|udpgso DST SECS [IFACE]
//! ```
//!
//! Senders: `raw50` is the dataplane's path (`IP_HDRINCL` raw socket,
//! `sendmmsg` of 64); `packet` writes the same IP packets to an `AF_PACKET`
//! socket on IFACE with `PACKET_QDISC_BYPASS` (no routing, no netfilter,
//! the peer's MAC from the neighbour table), `packetq` the same through the
//! qdisc layer (where packet taps such as tcpdump see them), `packetring`
//! the same from a `PACKET_TX_RING` (frames in a shared ring, one `sendto`
//! per batch, no copy into the kernel); `udp` sends the payloads as UDP
//! datagrams to DST:4500 with `sendmmsg`; `udpgso` hands the kernel 44 of
//! them at a time with `UDP_SEGMENT`, as the dataplane does in UDP.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// The IP packet's size, and its payload's (an ESP packet's) after a 20-byte header.
const PACKET: usize = 1456;
const PAYLOAD: usize = PACKET - 20;
/// UDP datagrams' payload: the ESP packet less the 8 bytes of the UDP header.
const DATAGRAM: usize = PAYLOAD - 8;
const BATCH: usize = 64;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let secs: u64 = match arg(0) {
        "recv" => arg(2).parse().unwrap_or(5),
        _ => arg(3).parse().unwrap_or(5),
    };
    let until = Instant::now() + Duration::from_secs(secs);
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let (packets, bytes) = match (arg(0), arg(1)) {
        ("recv", how) => recv(how, until),
        ("send", how) => {
            let dst: Ipv4Addr = arg(2).parse().expect("DST is an IPv4 address");
            send(how, dst, arg(4), until)
        }
        _ => {
            eprintln!(
                "usage: raw_rate recv raw50|udp SECS | raw_rate send raw50|packet|packetq|packetring|udp|udpgso DST SECS [IFACE]"
            );
            std::process::exit(2);
        }
    };
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "{} {}: {} packets, {:.0} kpps, {:.0} Mbit/s of IP packets, {:.0} % of a core",
        arg(0),
        arg(1),
        packets,
        packets as f64 / wall / 1e3,
        bytes as f64 * 8.0 / wall / 1e6,
        cpu / wall * 100.0
    );
}

/// This process's user + system CPU seconds.
fn cpu_seconds() -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr()) };
    // SAFETY: zeroed and then filled by the kernel.
    let ru = unsafe { ru.assume_init() };
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(ru.ru_utime) + s(ru.ru_stime)
}

fn recv(how: &str, until: Instant) -> (u64, u64) {
    use nix::sys::socket::{MsgFlags, MultiHeaders, recvmmsg};
    let sock = match how {
        "raw50" => {
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::RAW, Some(50.into())).expect("raw socket")
        }
        _ => {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("udp socket");
            s.bind(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 4500).into()).expect("bind 4500");
            let one: libc::c_int = 1;
            // SAFETY: a valid int option on a socket we own.
            unsafe {
                libc::setsockopt(
                    s.as_raw_fd(),
                    libc::SOL_UDP,
                    libc::UDP_GRO,
                    (&one as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            s
        }
    };
    let _ = sock.set_recv_buffer_size(4 << 20);
    sock.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
    let mut bufs = vec![vec![0u8; 65536]; 32];
    let mut hdrs = MultiHeaders::<()>::preallocate(32, None);
    let (mut packets, mut bytes) = (0u64, 0u64);
    while Instant::now() < until {
        let mut iovs: Vec<[std::io::IoSliceMut<'_>; 1]> =
            bufs.iter_mut().map(|b| [std::io::IoSliceMut::new(b)]).collect();
        let Ok(got) = recvmmsg(sock.as_raw_fd(), &mut hdrs, iovs.iter_mut(), MsgFlags::MSG_WAITFORONE, None) else {
            continue;
        };
        for m in got {
            // A GRO'd UDP read holds several datagrams: count them as the packets they were.
            let n = m.bytes.div_ceil(DATAGRAM).max(1) as u64;
            packets += if how == "raw50" { 1 } else { n };
            bytes += if how == "raw50" { m.bytes as u64 } else { m.bytes as u64 + n * 28 };
        }
    }
    (packets, bytes)
}

/// The source address the kernel would use towards `dst` (a connected UDP socket's).
fn source_for(dst: Ipv4Addr) -> Ipv4Addr {
    let u = std::net::UdpSocket::bind("0.0.0.0:0").expect("udp");
    u.connect((dst, 4500)).expect("route to DST");
    match u.local_addr().expect("local") {
        std::net::SocketAddr::V4(a) => *a.ip(),
        std::net::SocketAddr::V6(_) => unreachable!(),
    }
}

/// One IPv4 packet of protocol 50 from `src` to `dst`, header checksum set.
fn ip_packet(src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let mut p = vec![0u8; PACKET];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(PACKET as u16).to_be_bytes());
    p[8] = 64;
    p[9] = 50;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    let sum: u32 = p[..20].chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = !((sum & 0xffff) + (sum >> 16)) as u16;
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    // An ESP header: SPI 0x100, then a sequence number the loop does not bother to change.
    p[20..24].copy_from_slice(&0x100u32.to_be_bytes());
    p
}

fn send(how: &str, dst: Ipv4Addr, iface: &str, until: Instant) -> (u64, u64) {
    let src = source_for(dst);
    let packet = ip_packet(src, dst);
    let (mut packets, mut bytes) = (0u64, 0u64);
    match how {
        "raw50" => {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::RAW, Some(50.into())).expect("raw");
            s.set_header_included_v4(true).expect("IP_HDRINCL");
            let _ = s.set_send_buffer_size(4 << 20);
            let to = socket2::SockAddr::from(SocketAddrV4::new(dst, 0));
            while Instant::now() < until {
                let n = sendmmsg_same(s.as_raw_fd(), &packet, Some((to.as_ptr().cast(), to.len())));
                packets += n as u64;
                bytes += (n * PACKET) as u64;
            }
        }
        "packet" | "packetq" => {
            let (fd, to) = packet_socket(iface, dst, how == "packet");
            let len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            while Instant::now() < until {
                let n = sendmmsg_same(fd, &packet, Some(((&to as *const libc::sockaddr_ll).cast(), len)));
                packets += n as u64;
                bytes += (n * PACKET) as u64;
            }
        }
        "packetring" => {
            let (fd, to) = packet_socket(iface, dst, false);
            let mut ring = TxRing::new(fd);
            while Instant::now() < until {
                let n = ring.send(&packet, &to);
                packets += n as u64;
                bytes += (n * PACKET) as u64;
            }
        }
        "udp" | "udpgso" => {
            let s = std::net::UdpSocket::bind("0.0.0.0:4500").expect("bind 4500");
            s.connect((dst, 4500)).expect("connect");
            let sock = socket2::SockRef::from(&s);
            let _ = sock.set_send_buffer_size(4 << 20);
            let gso = how == "udpgso";
            let per = if gso { 44 } else { 1 };
            if gso {
                let seg: libc::c_int = DATAGRAM as libc::c_int;
                // SAFETY: a valid int option on a socket we own.
                unsafe {
                    libc::setsockopt(
                        s.as_raw_fd(),
                        libc::SOL_UDP,
                        libc::UDP_SEGMENT,
                        (&seg as *const libc::c_int).cast(),
                        std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                    )
                };
            }
            let payload = vec![0u8; DATAGRAM * per];
            while Instant::now() < until {
                let n = sendmmsg_same(s.as_raw_fd(), &payload, None);
                packets += (n * per) as u64;
                bytes += (n * per * (DATAGRAM + 28)) as u64;
            }
        }
        _ => panic!("unknown sender {how}"),
    }
    (packets, bytes)
}

/// A `PACKET_TX_RING` (TPACKET_V2) on an `AF_PACKET` datagram socket: frames written
/// in a shared ring, one `sendto` hands the kernel all that are marked.
struct TxRing {
    fd: i32,
    ring: *mut u8,
    next: usize,
}

/// The ring's shape: 16 blocks of 64 KB, 2 KB frames (512 frames).
const RING_BLOCK: usize = 1 << 16;
const RING_BLOCKS: usize = 16;
const RING_FRAME: usize = 2048;
const RING_FRAMES: usize = RING_BLOCK / RING_FRAME * RING_BLOCKS;
/// Where a TPACKET_V2 frame's data starts (the aligned header, no address).
const RING_DATA: usize = 32;

impl TxRing {
    fn new(fd: i32) -> Self {
        let version: libc::c_int = 1; // TPACKET_V2
        let req = libc::tpacket_req {
            tp_block_size: RING_BLOCK as u32,
            tp_block_nr: RING_BLOCKS as u32,
            tp_frame_size: RING_FRAME as u32,
            tp_frame_nr: RING_FRAMES as u32,
        };
        // SAFETY: socket options with their own types, then a shared mapping of the ring.
        let ring = unsafe {
            let r = libc::setsockopt(
                fd,
                libc::SOL_PACKET,
                libc::PACKET_VERSION,
                (&version as *const libc::c_int).cast(),
                4,
            );
            assert_eq!(r, 0, "PACKET_VERSION");
            let r = libc::setsockopt(
                fd,
                libc::SOL_PACKET,
                libc::PACKET_TX_RING,
                (&req as *const libc::tpacket_req).cast(),
                std::mem::size_of::<libc::tpacket_req>() as libc::socklen_t,
            );
            assert_eq!(r, 0, "PACKET_TX_RING: {}", std::io::Error::last_os_error());
            let m = libc::mmap(
                std::ptr::null_mut(),
                RING_BLOCK * RING_BLOCKS,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            );
            assert!(m != libc::MAP_FAILED, "mmap");
            m.cast::<u8>()
        };
        TxRing { fd, ring, next: 0 }
    }

    /// Marks up to [`BATCH`] free frames with `data`, then one `sendto`: how many were marked.
    fn send(&mut self, data: &[u8], to: &libc::sockaddr_ll) -> usize {
        let mut n = 0;
        while n < BATCH {
            // SAFETY: `next` < RING_FRAMES, inside the mapping; the header is the frame's start.
            let frame = unsafe { self.ring.add(self.next * RING_FRAME) };
            let hdr = frame.cast::<libc::tpacket2_hdr>();
            // SAFETY: the kernel writes the status concurrently: read it volatile.
            let status = unsafe { std::ptr::read_volatile(&raw const (*hdr).tp_status) };
            if status != libc::TP_STATUS_AVAILABLE {
                break;
            }
            // SAFETY: the frame is ours until its status says SEND_REQUEST; the data fits.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), frame.add(RING_DATA), data.len());
                (*hdr).tp_len = data.len() as u32;
                std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
                std::ptr::write_volatile(&raw mut (*hdr).tp_status, libc::TP_STATUS_SEND_REQUEST);
            }
            self.next = (self.next + 1) % RING_FRAMES;
            n += 1;
        }
        // SAFETY: no buffer (the ring is the data); the link address of the peer.
        unsafe {
            libc::sendto(
                self.fd,
                std::ptr::null(),
                0,
                if n == 0 { 0 } else { libc::MSG_DONTWAIT },
                (to as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        n
    }
}

/// `sendmmsg` of [`BATCH`] copies of `data` to `to` (or the connected peer): how many left.
fn sendmmsg_same(fd: i32, data: &[u8], to: Option<(*const libc::c_void, libc::socklen_t)>) -> usize {
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    let mut msgs: Vec<libc::mmsghdr> = (0..BATCH)
        .map(|_| {
            // SAFETY: an all-zero mmsghdr is a valid empty message.
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_iov = &mut iov;
            m.msg_hdr.msg_iovlen = 1;
            if let Some((name, len)) = to {
                m.msg_hdr.msg_name = name as *mut libc::c_void;
                m.msg_hdr.msg_namelen = len;
            }
            m
        })
        .collect();
    // SAFETY: the messages point at `iov`, `data` and `to`, all alive for the call.
    let n = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), BATCH as libc::c_uint, 0) };
    usize::try_from(n).unwrap_or(0)
}

/// An `AF_PACKET` datagram socket on `iface` (with the qdisc bypassed: `bypass`), and
/// the link address of `dst` (from the neighbour table; a ping fills it).
fn packet_socket(iface: &str, dst: Ipv4Addr, bypass: bool) -> (i32, libc::sockaddr_ll) {
    let name = std::ffi::CString::new(iface).expect("IFACE");
    // SAFETY: a NUL-terminated name.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
    assert!(ifindex != 0, "no interface {iface}");
    let _ = std::process::Command::new("ping").args(["-c1", "-W1", &dst.to_string()]).output();
    let neigh = std::fs::read_to_string("/proc/net/arp").expect("arp table");
    let mac = neigh
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&dst.to_string()))
        .and_then(|l| l.split_whitespace().nth(3))
        .expect("DST in the neighbour table");
    let mac: Vec<u8> = mac.split(':').map(|h| u8::from_str_radix(h, 16).expect("mac")).collect();
    let proto = (libc::ETH_P_IP as u16).to_be();
    // Protocol 0: the socket sends and receives nothing (each packet names ETH_P_IP).
    // SAFETY: plain socket calls on values checked above.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM, 0) };
    assert!(fd >= 0, "AF_PACKET socket");
    let one: libc::c_int = 1;
    let big: libc::c_int = 4 << 20;
    // SAFETY: int options on our socket.
    unsafe {
        if bypass {
            libc::setsockopt(fd, libc::SOL_PACKET, libc::PACKET_QDISC_BYPASS, (&one as *const libc::c_int).cast(), 4);
        }
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, (&big as *const libc::c_int).cast(), 4);
    }
    // SAFETY: an all-zero sockaddr_ll filled in below.
    let mut ll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    ll.sll_family = libc::AF_PACKET as u16;
    ll.sll_protocol = proto;
    ll.sll_ifindex = ifindex as i32;
    ll.sll_halen = 6;
    ll.sll_addr[..6].copy_from_slice(&mac[..6]);
    (fd, ll)
}
