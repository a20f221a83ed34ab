//! ESP transport mode (RFC 4303 3.1.1, issue 19): the packet's own IP
//! header stays outside, ESP protects what follows it. Used for traffic
//! between the two end points themselves (IOS `mode transport`; GRE over
//! IPsec: the GRE packets between tunnel source and destination). Only the
//! framing lives here: what goes under ESP on the way out (the payload and
//! its protocol as the next header), and on the way in the packet rebuilt
//! around an opened payload with the outer ends as its header. Sealing and
//! opening stay [`crate::esp::EspSa`]'s.

use crate::inet::checksum;
use std::net::Ipv4Addr;

/// Why a packet cannot be sent or taken in transport mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// Not an IPv4 packet, or a truncated one.
    Malformed,
    /// A fragment: transport mode carries whole packets only (RFC 4301 7).
    Fragment,
    /// Its ends are not the SA's end points (transport mode protects their own traffic only).
    NotEndpoints,
}

/// What a packet from `local` to `remote` puts under ESP in transport
/// mode: its IP protocol (ESP's next header) and the payload after its IP
/// header (options dropped).
pub fn outbound(packet: &[u8], local: Ipv4Addr, remote: Ipv4Addr) -> Result<(u8, &[u8]), TransportError> {
    if packet.len() < 20 || packet[0] >> 4 != 4 {
        return Err(TransportError::Malformed);
    }
    let ihl = usize::from(packet[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    if ihl < 20 || total < ihl || total > packet.len() {
        return Err(TransportError::Malformed);
    }
    let flags_frag = u16::from_be_bytes([packet[6], packet[7]]);
    if flags_frag & 0x3fff != 0 {
        return Err(TransportError::Fragment);
    }
    let (src, dst) = (
        Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]),
        Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]),
    );
    if src != local || dst != remote {
        return Err(TransportError::NotEndpoints);
    }
    Ok((packet[9], &packet[ihl..total]))
}

/// The IPv4 packet an opened transport-mode payload makes: a header from
/// `peer` to `local` with `next` as its protocol, then the payload.
pub fn inbound(next: u8, payload: &[u8], peer: Ipv4Addr, local: Ipv4Addr) -> Result<Vec<u8>, TransportError> {
    let total = 20 + payload.len();
    let Ok(total16) = u16::try_from(total) else { return Err(TransportError::Malformed) };
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&[0x45, 0]);
    p.extend_from_slice(&total16.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0x40, 0, 64, next, 0, 0]);
    p.extend_from_slice(&peer.octets());
    p.extend_from_slice(&local.octets());
    let sum = checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(payload);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EspAuth, EspEncr};
    use crate::esp::EspSa;
    use crate::ike::endpoint::SaKeys;

    const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
    const B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

    /// A GRE packet from A to B (protocol 47) carrying an inner IPv4 header's worth of bytes.
    fn gre(src: Ipv4Addr, dst: Ipv4Addr, frag: u16) -> Vec<u8> {
        let payload = [0u8, 0, 0x08, 0x00, 0x45, 0, 0, 20, 1, 2, 3, 4];
        let mut p = vec![0x45, 0, 0, (20 + payload.len()) as u8, 0x12, 0x34];
        p.extend_from_slice(&frag.to_be_bytes());
        p.extend_from_slice(&[63, 47, 0, 0]);
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&dst.octets());
        let sum = checksum(&p);
        p[10..12].copy_from_slice(&sum.to_be_bytes());
        p.extend_from_slice(&payload);
        p
    }

    #[test]
    fn a_gre_packet_crosses_in_transport_mode_with_its_ends_kept() {
        let keys = SaKeys { encr: vec![7; 16], auth: vec![9; 20] };
        let (mut out, mut inn) = (
            EspSa::new(0x100, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &keys).unwrap(),
            EspSa::new(0x100, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &keys).unwrap(),
        );
        let p = gre(A, B, 0x4000);
        let (next, payload) = outbound(&p, A, B).unwrap();
        assert_eq!((next, payload), (47, &p[20..]));
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
        let sealed = out.seal(next, payload, &mut rng).unwrap();
        let (n, opened) = inn.open(&sealed).unwrap();
        let rebuilt = inbound(n, &opened, A, B).unwrap();
        // The receiver's packet: same ends, protocol and payload; a fresh valid header.
        assert_eq!((&rebuilt[9..10], &rebuilt[12..20], &rebuilt[20..]), (&[47u8][..], &p[12..20], &p[20..]));
        assert_eq!(checksum(&rebuilt[..20]), 0, "header checksum verifies");
        assert_eq!(u16::from_be_bytes([rebuilt[2], rebuilt[3]]) as usize, rebuilt.len());
    }

    #[test]
    fn only_whole_packets_between_the_end_points_go_in_transport_mode() {
        assert_eq!(outbound(&gre(A, Ipv4Addr::new(198, 51, 100, 1), 0), A, B), Err(TransportError::NotEndpoints));
        assert_eq!(outbound(&gre(A, B, 0x2000), A, B), Err(TransportError::Fragment), "more fragments");
        assert_eq!(outbound(&gre(A, B, 0x0010), A, B), Err(TransportError::Fragment), "an offset");
        assert_eq!(outbound(&[0x60; 40], A, B), Err(TransportError::Malformed), "IPv6");
        assert_eq!(outbound(&gre(A, B, 0)[..25], A, B), Err(TransportError::Malformed), "truncated");
    }
}
