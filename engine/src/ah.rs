//! The AH transform (RFC 4302) in tunnel mode, sans-IO: seal an inner IPv4
//! packet into an outer IPv4 packet with an Authentication Header, and open
//! one (SPI, anti-replay window, ICV). Beside [`crate::esp`]; the MACs (HMAC,
//! AES-XCBC-MAC-96) are RustCrypto's (through [`crate::ike::crypto::MacAlg`]).
//!
//! AH authenticates the outer IP header too: the ICV covers the IPv4 header
//! with its mutable fields zeroed (TOS, flags and fragment offset, TTL,
//! checksum; RFC 4302 3.3.3.1.1.1 and its appendix A1), the AH header with
//! the ICV zeroed, and the inner packet. Options of the outer header are
//! taken as mutable (zeroed): edgesh sends none. AH cannot be carried in UDP
//! (RFC 3948 is ESP only), so it needs IP protocol 51 end to end.
//!
//! Extended Sequence Numbers (RFC 4302 2.5.1, 3.3.3.3.1; [`AhSa::set_esn`]):
//! a 64-bit counter whose low half the header carries; the high half is
//! appended after the packet for the ICV only, and inferred by the receiver
//! from its window (RFC 4303 Appendix A2.2, [`ReplayWindow::infer`]).
//!
//! Errors are [`EspError`]s, so that a dropped AH packet is counted and
//! logged with the ESP drops ([`crate::esp_drops::DropKind::of`]): a failed
//! ICV is Table 7's "Mismatched integrity check value in AH header".

use crate::config::EspAuth;
use crate::esp::{EspError, hmac};
use crate::ike::crypto::MacAlg;
use crate::inet::checksum;
use crate::replay::ReplayWindow;
use std::net::Ipv4Addr;

/// IP protocol number of AH.
pub const PROTOCOL: u8 = 51;
/// AH header without its ICV: next header, payload length, reserved, SPI, sequence number.
pub const HEADER_LEN: usize = 12;
/// The outer IPv4 header edgesh writes (no options).
const IPV4_LEN: usize = 20;
/// Next header of a tunnel-mode payload (IPv4).
pub const NEXT_HEADER_IPV4: u8 = 4;
/// TTL of the outer header.
const TTL: u8 = 64;

/// One direction of an AH SA.
#[derive(Clone, Debug)]
pub struct AhSa {
    spi: u32,
    hash: MacAlg,
    icv_len: usize,
    key: Vec<u8>,
    /// Last sequence number sent (outbound).
    seq: u64,
    /// Extended Sequence Numbers negotiated.
    esn: bool,
    replay: ReplayWindow,
}

impl AhSa {
    /// The inbound anti-replay window in packets, as configured (the
    /// default 64; 0: no check, a manual SA on IOS).
    pub fn set_replay_window(&mut self, size: u32) {
        self.replay = ReplayWindow::new(size);
    }

    /// Extended Sequence Numbers, as the SA negotiated them (off unless told).
    pub fn set_esn(&mut self, esn: bool) {
        self.esn = esn;
    }

    /// An SA with this SPI, authenticator and key (HMAC: the key as long as
    /// the hash output, RFC 2404/4868; AES-XCBC-MAC-96: 128 bits, RFC 3566).
    pub fn new(spi: u32, auth: EspAuth, key: &[u8]) -> Result<AhSa, EspError> {
        let (hash, icv_len) = hmac(auth).ok_or(EspError::Unsupported)?;
        if key.is_empty() || (hash == MacAlg::AesXcbc && key.len() != 16) {
            return Err(EspError::Unsupported);
        }
        Ok(AhSa { spi, hash, icv_len, key: key.to_vec(), seq: 0, esn: false, replay: ReplayWindow::default() })
    }

    pub fn spi(&self) -> u32 {
        self.spi
    }

    pub fn icv_len(&self) -> usize {
        self.icv_len
    }

    /// The ICV over an outer packet (outer header, AH header, payload) as
    /// RFC 4302 says: mutable header fields and the ICV field zeroed.
    /// With ESN the high half `hi` of the sequence number follows the packet (RFC 4302 3.3.3.3.1).
    fn icv(&self, packet: &[u8], ihl: usize, hi: u32) -> Vec<u8> {
        let mut hdr = packet[..ihl].to_vec();
        hdr[1] = 0; // TOS (DSCP, ECN)
        hdr[6] = 0; // flags, fragment offset
        hdr[7] = 0;
        hdr[8] = 0; // TTL
        hdr[10] = 0; // checksum
        hdr[11] = 0;
        for b in &mut hdr[IPV4_LEN..] {
            *b = 0; // options: taken as mutable
        }
        let ah = &packet[ihl..ihl + HEADER_LEN];
        let zero = vec![0u8; self.icv_len];
        let rest = &packet[ihl + HEADER_LEN + self.icv_len..];
        let hi = hi.to_be_bytes();
        let tail: &[u8] = if self.esn { &hi } else { &[] };
        self.hash.prf(&self.key, &[&hdr, ah, &zero, rest, tail])[..self.icv_len].to_vec()
    }

    /// Seal an inner packet (`next_header`: 4 for IPv4) into an outer IPv4
    /// packet from `src` to `dst` with identification `ident`.
    pub fn seal(
        &mut self,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        ident: u16,
        next_header: u8,
        inner: &[u8],
    ) -> Result<Vec<u8>, EspError> {
        // Never wraps (RFC 4302 2.5): 2^32 - 1 (ESN: 2^64 - 1) is the last; then rekey.
        let last = if self.esn { u64::MAX } else { u64::from(u32::MAX) };
        let seq = self.seq.checked_add(1).filter(|&s| s <= last).ok_or(EspError::SequenceExhausted)?;
        let total = IPV4_LEN + HEADER_LEN + self.icv_len + inner.len();
        let total16 = u16::try_from(total).map_err(|_| EspError::Truncated { length: total })?;
        self.seq = seq;
        let mut p = Vec::with_capacity(total);
        p.extend_from_slice(&[0x45, 0]);
        p.extend_from_slice(&total16.to_be_bytes());
        p.extend_from_slice(&ident.to_be_bytes());
        p.extend_from_slice(&[0, 0, TTL, PROTOCOL, 0, 0]);
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&dst.octets());
        // AH: payload length in 32-bit words minus 2 (RFC 4302 2.2).
        p.push(next_header);
        p.push(((HEADER_LEN + self.icv_len) / 4 - 2) as u8);
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(&self.spi.to_be_bytes());
        p.extend_from_slice(&(seq as u32).to_be_bytes());
        p.extend(std::iter::repeat_n(0u8, self.icv_len));
        p.extend_from_slice(inner);
        let icv = self.icv(&p, IPV4_LEN, (seq >> 32) as u32);
        p[IPV4_LEN + HEADER_LEN..IPV4_LEN + HEADER_LEN + self.icv_len].copy_from_slice(&icv);
        let c = checksum(&p[..IPV4_LEN]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        Ok(p)
    }

    /// Check and open an outer IPv4 packet carrying AH: returns the next
    /// header and the inner packet. Never panics on what the network sends.
    pub fn open(&mut self, packet: &[u8]) -> Result<(u8, Vec<u8>), EspError> {
        let length = packet.len();
        let Some(&vihl) = packet.first() else { return Err(EspError::Truncated { length }) };
        let ihl = usize::from(vihl & 0x0f) * 4;
        if vihl >> 4 != 4 || ihl < IPV4_LEN || length < ihl + HEADER_LEN + self.icv_len || packet[9] != PROTOCOL {
            return Err(EspError::Truncated { length });
        }
        if usize::from(u16::from_be_bytes([packet[2], packet[3]])) != length {
            return Err(EspError::Truncated { length });
        }
        let ah = &packet[ihl..];
        if (usize::from(ah[1]) + 2) * 4 != HEADER_LEN + self.icv_len {
            return Err(EspError::Truncated { length });
        }
        let spi = u32::from_be_bytes([ah[4], ah[5], ah[6], ah[7]]);
        if spi != self.spi {
            return Err(EspError::WrongSpi { spi });
        }
        let seq = u32::from_be_bytes([ah[8], ah[9], ah[10], ah[11]]);
        let full = if self.esn { self.replay.infer(seq).ok_or(EspError::Late { seq })? } else { u64::from(seq) };
        self.replay.verdict(full).map_err(|r| EspError::refused(r, seq))?;
        let got = &ah[HEADER_LEN..HEADER_LEN + self.icv_len];
        let want = self.icv(packet, ihl, (full >> 32) as u32);
        // Constant time: a forger learns nothing from how long the compare took.
        if !bool::from(subtle::ConstantTimeEq::ct_eq(want.as_slice(), got)) {
            return Err(EspError::AuthenticationFailed { seq });
        }
        self.replay.accept(full);
        Ok((ah[0], ah[HEADER_LEN + self.icv_len..].to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esp_drops::DropKind;

    const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
    const B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);

    fn inner() -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 1, 0, 7, 10, 2, 0, 5];
        p.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]);
        p
    }

    fn pair(auth: EspAuth, key_len: usize) -> (AhSa, AhSa) {
        let k: Vec<u8> = (0..key_len as u8).collect();
        (AhSa::new(0xa1b2_c3d4, auth, &k).unwrap(), AhSa::new(0xa1b2_c3d4, auth, &k).unwrap())
    }

    /// ESN: across the 2^32 boundary; the ICV covers the high half appended
    /// after the packet (RFC 4302 3.3.3.3.1), which a receiver without ESN lacks.
    #[test]
    fn esn_crosses_the_boundary_and_authenticates_the_high_half() {
        let (mut out, mut inn) = pair(EspAuth::HmacSha256_128, 32);
        out.set_esn(true);
        inn.set_esn(true);
        assert!(inn.open(&out.seal(A, B, 1, NEXT_HEADER_IPV4, &inner()).unwrap()).is_ok());
        out.seq = 1 << 31;
        assert!(inn.open(&out.seal(A, B, 1, NEXT_HEADER_IPV4, &inner()).unwrap()).is_ok());
        out.seq = (1 << 32) - 3;
        let ps: Vec<Vec<u8>> = (0..6).map(|i| out.seal(A, B, i, NEXT_HEADER_IPV4, &inner()).unwrap()).collect();
        assert_eq!(&ps[5][IPV4_LEN + 8..IPV4_LEN + 12], &3u32.to_be_bytes(), "2^32 + 3: the low half");
        for p in &ps {
            assert_eq!(inn.open(p), Ok((NEXT_HEADER_IPV4, inner())));
        }
        assert_eq!(inn.open(&ps[1]), Err(EspError::Replay { seq: u32::MAX }));
        let (_, mut plain) = pair(EspAuth::HmacSha256_128, 32);
        assert_eq!(plain.open(&ps[4]), Err(EspError::AuthenticationFailed { seq: 2 }));
    }

    #[test]
    fn sealed_packets_open_with_every_mac_and_have_rfc_4302_layout() {
        for (auth, key, icv) in [
            (EspAuth::HmacMd5_96, 16, 12),
            (EspAuth::HmacSha1_96, 20, 12),
            (EspAuth::HmacSha256_128, 32, 16),
            (EspAuth::HmacSha384_192, 48, 24),
            (EspAuth::HmacSha512_256, 64, 32),
            (EspAuth::HmacAesXcbc, 16, 12),
        ] {
            let (mut out, mut inn) = pair(auth, key);
            let p = out.seal(A, B, 7, NEXT_HEADER_IPV4, &inner()).unwrap();
            assert_eq!(p.len(), 20 + 12 + icv + 28, "{auth:?}");
            assert_eq!((p[9], p[20], usize::from(p[21])), (PROTOCOL, NEXT_HEADER_IPV4, (12 + icv) / 4 - 2), "{auth:?}");
            assert_eq!(checksum(&p[..20]), 0, "a valid header checksum sums to zero");
            assert_eq!(&p[24..28], &0xa1b2_c3d4u32.to_be_bytes());
            assert_eq!(&p[28..32], &1u32.to_be_bytes(), "first sequence number 1");
            assert_eq!(inn.open(&p), Ok((NEXT_HEADER_IPV4, inner())), "{auth:?}");
            assert_eq!(inn.open(&p), Err(EspError::Replay { seq: 1 }), "{auth:?}: a replay");
        }
    }

    /// Routers on the way may change TOS, TTL, fragment fields and the
    /// checksum: the ICV holds. Anything else changed fails it (Table 7's
    /// "Mismatched integrity check value in AH header").
    #[test]
    fn mutable_fields_may_change_and_everything_else_is_authenticated() {
        let (mut out, mut inn) = pair(EspAuth::HmacSha1_96, 20);
        let p = out.seal(A, B, 7, NEXT_HEADER_IPV4, &inner()).unwrap();
        let mut q = p.clone();
        q[1] = 0xb8;
        q[8] = 3;
        q[10] ^= 0xff;
        assert!(inn.open(&q).is_ok(), "TOS, TTL and checksum are mutable");
        // Not flipped: the mutable fields, and what is refused before the ICV
        // (version and IHL, total length, protocol, AH length, SPI, sequence number).
        let before_icv = [0, 2, 3, 9, 21, 24, 25, 26, 27, 28, 29, 30, 31];
        for i in (0..p.len()).filter(|i| ![1, 6, 7, 8, 10, 11].contains(i) && !before_icv.contains(i)) {
            let (mut o2, mut i2) = pair(EspAuth::HmacSha1_96, 20);
            let mut q = o2.seal(A, B, 7, NEXT_HEADER_IPV4, &inner()).unwrap();
            q[i] ^= 0x01;
            assert_eq!(i2.open(&q), Err(EspError::AuthenticationFailed { seq: 1 }), "byte {i}");
        }
        // Other keys.
        let mut other = AhSa::new(0xa1b2_c3d4, EspAuth::HmacSha1_96, &[9u8; 20]).unwrap();
        let p = out.seal(A, B, 1, NEXT_HEADER_IPV4, &inner()).unwrap();
        let e = other.open(&p).unwrap_err();
        assert_eq!(e, EspError::AuthenticationFailed { seq: 2 });
        assert_eq!(DropKind::of(&e), DropKind::BadIcv, "counted and logged as Table 7's AH ICV row");
        assert!(inn.open(&p).is_ok(), "the right keys open it");
    }

    #[test]
    fn other_spis_late_packets_and_garbage_are_refused_without_panic() {
        let (mut out, mut inn) = pair(EspAuth::HmacSha256_128, 32);
        let ps: Vec<Vec<u8>> = (0..100).map(|i| out.seal(A, B, i, NEXT_HEADER_IPV4, &inner()).unwrap()).collect();
        assert!(inn.open(&ps[99]).is_ok());
        assert_eq!(inn.open(&ps[10]), Err(EspError::Late { seq: 11 }));
        let mut other = ps[98].clone();
        other[24..28].copy_from_slice(&0xdead_beefu32.to_be_bytes());
        assert_eq!(inn.open(&other), Err(EspError::WrongSpi { spi: 0xdead_beef }));
        for n in 0..ps[0].len() {
            assert!(inn.open(&ps[0][..n]).is_err(), "truncated to {n}");
        }
        let mut esp = ps[97].clone();
        esp[9] = 50;
        assert!(matches!(inn.open(&esp), Err(EspError::Truncated { .. })), "not AH");
        assert_eq!(
            AhSa::new(1, EspAuth::HmacAesXcbc, &[0; 20]).err(),
            Some(EspError::Unsupported),
            "XCBC keys are 128 bits"
        );
    }

    /// AH alone and AH+ESP bundles negotiated by quick mode: each side's
    /// outbound SA opens on the other's inbound one, and a bundle's AH key
    /// is its own (made with protocol 2), not the ESP one.
    #[test]
    fn negotiated_ah_and_bundles_carry_packets_both_ways() {
        use crate::config::EspEncr;
        use crate::esp::EspSa;
        use crate::ike::endpoint::tests::{Pair, mirror, peer};
        use rand::SeedableRng;
        for esp in [None, Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)))] {
            for auth in [EspAuth::HmacSha1_96, EspAuth::HmacSha256_128] {
                let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 14);
                a.children[0].proposals[0].esp = esp;
                a.children[0].proposals[0].ah = Some(auth);
                let b = mirror(&a, "t");
                let mut p = Pair::new(a, b);
                p.run();
                let (ca, cb) = (&p.a.child_sas()[0], &p.b.child_sas()[0]);
                assert_eq!((ca.ah, cb.ah), (Some(auth), Some(auth)));
                let (ah_a_out, ah_b_in, ka, kb) = match (&ca.ah_part, &cb.ah_part) {
                    (Some(x), Some(y)) => {
                        assert!(esp.is_some());
                        assert_ne!(x.key_out, ca.keys_out.auth, "the bundle's AH key is not the ESP one");
                        (x.spi_out, cb.spi_in, x.key_out.clone(), y.key_in.clone())
                    }
                    (None, None) => {
                        assert!(esp.is_none());
                        (ca.spi_out, cb.spi_in, ca.keys_out.auth.clone(), cb.keys_in.auth.clone())
                    }
                    other => panic!("one side has a bundle, the other not: {other:?}"),
                };
                assert_eq!(ka.len(), if auth == EspAuth::HmacSha1_96 { 20 } else { 32 });
                assert_eq!(ah_a_out, ah_b_in);
                let mut out = AhSa::new(ah_a_out, auth, &ka).unwrap();
                let mut inn = AhSa::new(ah_b_in, auth, &kb).unwrap();
                let payload = match esp {
                    // A bundle: AH over the ESP packet (next header 50).
                    Some((e, au)) => {
                        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
                        let mut eo = EspSa::new(ca.spi_out, e, au, &ca.keys_out).unwrap();
                        let sealed = eo.seal(NEXT_HEADER_IPV4, &inner(), &mut rng).unwrap();
                        let p = out.seal(A, B, 9, crate::esp::PROTOCOL, &sealed).unwrap();
                        let (next, esp_pkt) = inn.open(&p).unwrap();
                        assert_eq!(next, crate::esp::PROTOCOL);
                        let mut ei = EspSa::new(cb.spi_in, e, au, &cb.keys_in).unwrap();
                        ei.open(&esp_pkt).unwrap().1
                    }
                    None => {
                        let p = out.seal(A, B, 9, NEXT_HEADER_IPV4, &inner()).unwrap();
                        inn.open(&p).unwrap().1
                    }
                };
                assert_eq!(payload, inner(), "{esp:?} {auth:?}");
            }
        }
    }
}
