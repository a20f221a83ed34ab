//! The router's own ICMP echo (IOS and ASA `ping`): one echo request from
//! a raw ICMP socket in the namespace edgesh runs in, and its reply within
//! a timeout. The kernel routes the request like any host packet, so a
//! destination behind a tunnel goes through `edgesh0` and the dataplane's
//! SAs (or starts their negotiation, as traffic does). Installed as
//! [`edgesh_modes::session::Router::pinger`] where edgesh has a network;
//! the lab has none and its `ping` reports the echoes lost.

use edgesh_engine::inet::checksum;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// IOS's default: a 100-byte IP packet (20 header + 8 ICMP header + 72 data).
const DATA: usize = 72;

/// Identifiers differ per echo so a late reply to an earlier one is not taken for this one's.
static NEXT_ID: AtomicU16 = AtomicU16::new(1);

/// Send one echo request to `dst` (from `src` where given) and wait up to
/// `timeout` for its reply: the round-trip time, or `None` (no reply, or no
/// raw socket: edgesh without CAP_NET_RAW).
pub fn echo(src: Option<Ipv4Addr>, dst: Ipv4Addr, seq: u16, timeout: Duration) -> Option<Duration> {
    // On the SSH server's runtime (a command runs on one of its two
    // workers), the wait must not hold the worker: its other sessions move
    // to another thread meanwhile.
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| echo_now(src, dst, seq, timeout))
        }
        _ => echo_now(src, dst, seq, timeout),
    }
}

fn echo_now(src: Option<Ipv4Addr>, dst: Ipv4Addr, seq: u16, timeout: Duration) -> Option<Duration> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).ok()?;
    if let Some(s) = src {
        sock.bind(&SocketAddrV4::new(s, 0).into()).ok()?;
    }
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() as u16);
    let request = request(id, seq);
    let t0 = Instant::now();
    sock.send_to(&request, &SocketAddrV4::new(dst, 0).into()).ok()?;
    let deadline = t0 + timeout;
    let mut buf = [MaybeUninit::<u8>::uninit(); 1500];
    loop {
        let left = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())?;
        sock.set_read_timeout(Some(left)).ok()?;
        let Ok((n, from)) = sock.recv_from(&mut buf) else { return None };
        // SAFETY: recv_from initialised the first n bytes.
        let got: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast(), n) };
        let from_dst = from.as_socket_ipv4().is_some_and(|a| *a.ip() == dst);
        if from_dst && is_reply(got, id, seq) {
            return Some(t0.elapsed());
        }
    }
}

/// An ICMP echo request with its checksum (RFC 792).
fn request(id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![0u8; 8 + DATA];
    p[0] = 8;
    p[4..6].copy_from_slice(&id.to_be_bytes());
    p[6..8].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[8..].iter_mut().enumerate() {
        // IOS's echo data pattern is 0xABCD repeated.
        *b = if i % 2 == 0 { 0xab } else { 0xcd };
    }
    let sum = checksum(&p);
    p[2..4].copy_from_slice(&sum.to_be_bytes());
    p
}

/// Is `packet` (an IPv4 packet as a raw socket reads it) the echo reply to (`id`, `seq`)?
fn is_reply(packet: &[u8], id: u16, seq: u16) -> bool {
    let Some(&first) = packet.first() else { return false };
    let ihl = usize::from(first & 0x0f) * 4;
    let Some(icmp) = packet.get(ihl..) else { return false };
    icmp.len() >= 8
        && icmp[0] == 0
        && icmp[1] == 0
        && icmp[4..6] == id.to_be_bytes()
        && icmp[6..8] == seq.to_be_bytes()
        && checksum(icmp) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_and_reply() {
        let r = request(0x1234, 3);
        assert_eq!(r.len(), 80, "a 100-byte IP packet with its header");
        assert_eq!(checksum(&r), 0, "the checksum verifies");
        // The reply a peer sends: type 0, the same id, sequence and data, behind a 20-byte header.
        let mut reply = vec![0x45u8];
        reply.extend_from_slice(&[0; 19]);
        let mut icmp = r.clone();
        icmp[0] = 0;
        icmp[2..4].copy_from_slice(&[0, 0]);
        let sum = checksum(&icmp);
        icmp[2..4].copy_from_slice(&sum.to_be_bytes());
        reply.extend_from_slice(&icmp);
        assert!(is_reply(&reply, 0x1234, 3));
        assert!(!is_reply(&reply, 0x1234, 4), "another sequence number");
        assert!(!is_reply(&reply, 0x1235, 3), "another identifier");
        let mut bad = reply.clone();
        bad[40] ^= 1;
        assert!(!is_reply(&bad, 0x1234, 3), "a damaged reply");
        // The request itself (looped back to a raw socket) is not a reply.
        let mut own = reply[..20].to_vec();
        own.extend_from_slice(&r);
        assert!(!is_reply(&own, 0x1234, 3));
        // Short or empty packets never panic.
        for n in 0..reply.len() {
            let _ = is_reply(&reply[..n], 0x1234, 3);
        }
        let mut long_ihl = reply.clone();
        long_ihl[0] = 0x4f;
        assert!(!is_reply(&long_ihl[..30], 0x1234, 3));
    }
}
