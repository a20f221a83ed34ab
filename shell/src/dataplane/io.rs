//! Batched UDP I/O for ESP in UDP 4500: many datagrams per system call.
//!
//! * Sending, UDP GSO (`UDP_SEGMENT`, Linux 4.18): consecutive datagrams
//!   to the same peer with the same length (a TCP flow's full-sized
//!   segments sealed by one SA) go out in one `sendmsg` as one buffer that
//!   the kernel cuts into datagrams of that size (the last may be
//!   shorter): the slice of the caller's buffer they were sealed into back
//!   to back, not copied; a kernel without it gets one `sendto` per datagram.
//! * Receiving, UDP GRO (`UDP_GRO`, Linux 5.0): the kernel may hand over
//!   several datagrams of one flow glued together, with their size in a
//!   control message; [`recv`] says where each one ends.

use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;

/// Is this datagram on port 4500 ESP (RFC 3948: a non-zero SPI first)
/// rather than IKE (the zero non-ESP marker) or a NAT-T keepalive (one byte)?
pub fn is_esp(datagram: &[u8]) -> bool {
    datagram.len() >= 8 && datagram[..4] != [0; 4]
}

/// At most this many datagrams in one GSO send (the kernel's UDP_MAX_SEGMENTS is 64 or 128).
const MAX_SEGMENTS: usize = 64;
/// At most this many bytes in one GSO send (an IPv4 datagram's payload).
const MAX_GSO_BYTES: usize = 65_000;

/// Ask the kernel to glue received datagrams of a flow together (UDP GRO);
/// false when it cannot.
pub fn enable_gro(s: &UdpSocket) -> bool {
    nix::sys::socket::setsockopt(s, nix::sys::socket::sockopt::UdpGroSegment, &true).is_ok()
}

/// One read: the sender, and the length of each datagram in `buf` (one,
/// or several of the same size but the last, when GRO glued them).
pub fn recv(s: &UdpSocket, buf: &mut [u8], gro: bool) -> Option<(SocketAddrV4, usize, usize)> {
    if !gro {
        return match s.recv_from(buf) {
            Ok((n, SocketAddr::V4(from))) => Some((from, n, n)),
            _ => None,
        };
    }
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrIn, recvmsg};
    let mut cmsg = nix::cmsg_space!(i32);
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let m = recvmsg::<SockaddrIn>(s.as_raw_fd(), &mut iov, Some(&mut cmsg), MsgFlags::MSG_DONTWAIT).ok()?;
    let n = m.bytes;
    let seg = m.cmsgs().ok()?.find_map(|c| match c {
        ControlMessageOwned::UdpGroSegments(g) => usize::try_from(g).ok().filter(|&g| g > 0),
        _ => None,
    });
    let from = m.address?;
    Some((SocketAddrV4::new(from.ip(), from.port()), n, seg.unwrap_or(n).min(n.max(1))))
}

/// Whether the kernel took a GSO send (cleared the first time it refuses).
pub struct Sender {
    gso: bool,
}

impl Default for Sender {
    fn default() -> Self {
        Sender { gso: true }
    }
}

impl Sender {
    /// Send the datagrams packed back to back in `buf`, each given by its
    /// destination and length (in order; lengths past the end of `buf` are
    /// cut), on `s`: runs of equal-sized ones to one destination go out as
    /// GSO sends of the slice of `buf` they fill, with no copy.
    pub fn send(&mut self, s: &UdpSocket, buf: &[u8], datagrams: &[(SocketAddrV4, usize)]) {
        let (mut i, mut at) = (0, 0);
        while i < datagrams.len() {
            let (to, size) = datagrams[i];
            let mut j = i + 1;
            let mut total = size;
            if self.gso && size > 0 {
                while j < datagrams.len() && j - i < MAX_SEGMENTS && datagrams[j].0 == to {
                    let l = datagrams[j].1;
                    // Segments after the first must have its size; only the last may be shorter.
                    if l > size || l == 0 || total + l > MAX_GSO_BYTES {
                        break;
                    }
                    total += l;
                    j += 1;
                    if l < size {
                        break;
                    }
                }
            }
            let run = buf.get(at.min(buf.len())..(at + total).min(buf.len())).unwrap_or_default();
            if j - i == 1 {
                let _ = s.send_to(run, to);
            } else if !self.send_gso(s, to, size, run) {
                // Not taken: one at a time, and no GSO from now on.
                self.gso = false;
                let mut k = 0;
                for &(to, l) in &datagrams[i..j] {
                    let d = run.get(k.min(run.len())..(k + l).min(run.len())).unwrap_or_default();
                    let _ = s.send_to(d, to);
                    k += l;
                }
            }
            at += total;
            i = j;
        }
    }

    fn send_gso(&self, s: &UdpSocket, to: SocketAddrV4, size: usize, run: &[u8]) -> bool {
        use nix::sys::socket::{ControlMessage, MsgFlags, SockaddrIn, sendmsg};
        let Ok(seg) = u16::try_from(size) else { return false };
        let iov = [std::io::IoSlice::new(run)];
        let cmsg = [ControlMessage::UdpGsoSegments(&seg)];
        let addr = SockaddrIn::from(to);
        match sendmsg(s.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), Some(&addr)) {
            Ok(_) => true,
            // A full socket buffer drops the burst, as one send_to would drop a datagram.
            Err(nix::errno::Errno::EAGAIN) | Err(nix::errno::Errno::ENOBUFS) => true,
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gso_burst_arrives_as_the_datagrams_it_glued() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let SocketAddr::V4(to) = rx.local_addr().unwrap() else { panic!() };
        let a: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; if i == 4 { 300 } else { 1000 }]).collect();
        let b = vec![9u8; 1000];
        let mut list: Vec<(SocketAddrV4, usize)> = a.iter().map(|d| (to, d.len())).collect();
        list.push((to, b.len()));
        Sender::default().send(&tx, &[a.concat(), b.clone()].concat(), &list);
        std::thread::sleep(std::time::Duration::from_millis(50));
        // Without GRO on the receiver: each datagram as it was sent.
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65536];
        while let Some((_, n, seg)) = recv(&rx, &mut buf, false) {
            assert_eq!(n, seg);
            got.push(buf[..n].to_vec());
        }
        let mut want = a.clone();
        want.push(b);
        assert_eq!(got, want);
    }

    #[test]
    fn with_gro_each_glued_datagram_is_found() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let gro = enable_gro(&rx);
        let SocketAddr::V4(to) = rx.local_addr().unwrap() else { panic!() };
        let a: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; if i == 3 { 200 } else { 1200 }]).collect();
        let list: Vec<(SocketAddrV4, usize)> = a.iter().map(|d| (to, d.len())).collect();
        Sender::default().send(&tx, &a.concat(), &list);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65536];
        while let Some((_, n, seg)) = recv(&rx, &mut buf, gro) {
            got.extend(buf[..n].chunks(seg).map(<[u8]>::to_vec));
        }
        assert_eq!(got, a);
    }
}
