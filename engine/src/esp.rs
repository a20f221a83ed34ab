//! ESP (RFC 4303): the packet transform of one direction of an IPsec SA,
//! sans I/O. An outbound [`EspSa`] seals an inner packet (tunnel mode: a
//! whole IP packet, next header 4) into an ESP packet; an inbound one checks
//! the replay window and the integrity check value, then decrypts.
//!
//! Algorithms are those the IKE engine negotiates ([`EspEncr`], [`EspAuth`])
//! and their keys are what quick mode derived ([`SaKeys`]): CBC ciphers
//! (DES, 3DES, AES-128/192/256) with an HMAC truncated as RFC 2403/2404/4868
//! say, NULL encryption (RFC 2410) with an HMAC, and AES-GCM with a 16-octet
//! ICV (RFC 4106: the key's last 4 octets are the salt, the 8-octet explicit
//! IV is the sequence number). Every primitive comes from a maintained crate: AES-128/256-GCM from `ring` (BoringSSL's assembly), the rest from RustCrypto.
//!
//! Extended Sequence Numbers (RFC 4303 2.2.1, when the SA negotiated them:
//! [`EspSa::set_esn`]): the counter is 64 bits, the header carries its low
//! half, and the high half is authenticated without being sent: appended
//! after the ESP trailer for the ICV of an HMAC (RFC 4303 2.2.1, 3.3.2.2),
//! between the SPI and the low half in the AAD of AES-GCM (RFC 4106 5).
//! The receiver infers it from its window (RFC 4303 Appendix A2.2,
//! [`ReplayWindow::infer`]). A counter never wraps: the last number sent is
//! 2^32 - 1, or 2^64 - 1 with ESN, and then sealing fails (rekey first).
//!
//! Nothing here trusts the packet: every length is checked before use and
//! every failure is an [`EspError`] (the dataplane counts it), never a panic.

use crate::config::{EspAuth, EspEncr};
use crate::ike::crypto::{CipherAlg, HashAlg, MacAlg};
use crate::ike::types::SaKeys;
use crate::replay::{Refused, ReplayWindow};
use rand::Rng;
use std::fmt;

/// ESP header: SPI and sequence number.
pub const HEADER_LEN: usize = 8;
/// IP protocol number of ESP.
pub const PROTOCOL: u8 = 50;
/// Next header of a tunnel-mode payload (IPv4).
pub const NEXT_HEADER_IPV4: u8 = 4;

/// Why a packet was not sealed or not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EspError {
    /// Shorter than its header, IV and ICV, or not a whole number of cipher blocks.
    Truncated { length: usize },
    /// The SPI is not this SA's.
    WrongSpi { spi: u32 },
    /// Sequence number 0, or seen before inside the window.
    Replay { seq: u32 },
    /// Left of the anti-replay window (too late to tell whether it was seen).
    Late { seq: u32 },
    /// The ICV (or the GCM tag) does not match: forged, corrupted, or wrong keys.
    AuthenticationFailed { seq: u32 },
    /// The ICV does not match and the packet's length says the sender used an
    /// authenticator with an ICV of another length: the SAs' authentication
    /// algorithms differ (a CBC payload is a whole number of blocks only with
    /// the sender's ICV length).
    AuthAlgorithmMismatch { seq: u32 },
    /// The decrypted trailer is not valid padding.
    BadPadding { seq: u32 },
    /// The outbound sequence number would wrap (RFC 4303 3.3.3): rekey first.
    SequenceExhausted,
    /// The algorithm or key material cannot be used (a wrong key length).
    Unsupported,
}

impl EspError {
    /// The error of a sequence number the replay window refuses.
    pub(crate) fn refused(r: Refused, seq: u32) -> EspError {
        match r {
            Refused::Replay => EspError::Replay { seq },
            Refused::Late => EspError::Late { seq },
        }
    }
}

impl fmt::Display for EspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EspError::Truncated { length } => write!(f, "truncated ESP packet ({length} bytes)"),
            EspError::WrongSpi { spi } => write!(f, "ESP packet for another SA (SPI 0x{spi:08x})"),
            EspError::Replay { seq } => write!(f, "replayed ESP packet (sequence number {seq})"),
            EspError::Late { seq } => write!(f, "late ESP packet, left of the replay window (sequence number {seq})"),
            EspError::AuthenticationFailed { seq } => write!(f, "ESP authentication failed (sequence number {seq})"),
            EspError::AuthAlgorithmMismatch { seq } => {
                write!(f, "ESP authentication failed: the sender's ICV has another length (sequence number {seq})")
            }
            EspError::BadPadding { seq } => write!(f, "invalid ESP padding (sequence number {seq})"),
            EspError::SequenceExhausted => f.write_str("ESP sequence number exhausted; the SA must be rekeyed"),
            EspError::Unsupported => f.write_str("unsupported ESP algorithm or key"),
        }
    }
}

/// ICV lengths of the authenticators ESP negotiates (none, HMAC-MD5/SHA1-96,
/// HMAC-SHA-256-128, -384-192, -512-256).
const ICV_LENGTHS: [usize; 5] = [0, 12, 16, 24, 32];

/// Whether a CBC payload of `after_iv` bytes (ciphertext and ICV) is not a
/// whole number of `block` bytes with our ICV length `ours` but is with
/// another authenticator's: then the sender's algorithm differs from ours.
/// (Which one cannot always be told: 0, 16 and 32 bytes fit alike.) False
/// when the length fits ours: then the keys differ, or the packet was changed.
fn other_icv_length(after_iv: usize, ours: usize, block: usize) -> bool {
    let fits = |icv: usize| after_iv > icv && (after_iv - icv).is_multiple_of(block);
    !fits(ours) && ICV_LENGTHS.into_iter().any(|l| l != ours && fits(l))
}

/// The SPI of an ESP packet (to find its SA), if it is long enough to have one.
pub fn spi_of(packet: &[u8]) -> Option<u32> {
    packet.get(..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// One direction of an IPsec SA with ESP.
pub struct EspSa {
    spi: u32,
    encr: EspEncr,
    auth: Option<EspAuth>,
    enc_key: Vec<u8>,
    /// The expanded AES-GCM key (AEAD suites).
    gcm: Option<Gcm>,
    /// The keyed HMAC (CBC and NULL suites with an authenticator).
    mac: Option<Mac>,
    salt: [u8; 4],
    auth_key: Vec<u8>,
    /// Outbound: the last sequence number used. Inbound: unused.
    seq: u64,
    /// Extended Sequence Numbers negotiated (64-bit counter, high half authenticated).
    esn: bool,
    replay: ReplayWindow,
}

impl fmt::Debug for EspSa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EspSa(spi 0x{:08x}, {:?}/{:?}, <keys>)", self.spi, self.encr, self.auth)
    }
}

fn cipher(e: EspEncr) -> Option<CipherAlg> {
    match e {
        EspEncr::DesCbc => Some(CipherAlg::Des),
        EspEncr::TripleDesCbc => Some(CipherAlg::TripleDes),
        EspEncr::Aes128Cbc => Some(CipherAlg::Aes(16)),
        EspEncr::Aes192Cbc => Some(CipherAlg::Aes(24)),
        EspEncr::Aes256Cbc => Some(CipherAlg::Aes(32)),
        EspEncr::Null | EspEncr::Aes128Gcm | EspEncr::Aes192Gcm | EspEncr::Aes256Gcm => None,
    }
}

/// The MAC of an ESP (or AH) authenticator and the length of its truncated
/// ICV: HMAC (RFC 2403/2404/4868) or AES-XCBC-MAC-96 (RFC 3566).
pub(crate) fn hmac(a: EspAuth) -> Option<(MacAlg, usize)> {
    match a {
        EspAuth::HmacMd5_96 => Some((MacAlg::Hmac(HashAlg::Md5), 12)),
        EspAuth::HmacSha1_96 => Some((MacAlg::Hmac(HashAlg::Sha1), 12)),
        EspAuth::HmacSha256_128 => Some((MacAlg::Hmac(HashAlg::Sha256), 16)),
        EspAuth::HmacSha384_192 => Some((MacAlg::Hmac(HashAlg::Sha384), 24)),
        EspAuth::HmacSha512_256 => Some((MacAlg::Hmac(HashAlg::Sha512), 32)),
        EspAuth::HmacAesXcbc => Some((MacAlg::AesXcbc, 12)),
    }
}

/// The part of a buffer from `at` on, used like a `Vec` of its own (the
/// packet being sealed after what the buffer already holds).
struct Tail<'a> {
    v: &'a mut Vec<u8>,
    at: usize,
}

impl Tail<'_> {
    fn extend_from_slice(&mut self, b: &[u8]) {
        self.v.extend_from_slice(b);
    }
    fn extend(&mut self, it: impl IntoIterator<Item = u8>) {
        self.v.extend(it);
    }
    fn push(&mut self, b: u8) {
        self.v.push(b);
    }
    fn resize(&mut self, len: usize, b: u8) {
        self.v.resize(self.at + len, b);
    }
    fn get(&self) -> &[u8] {
        &self.v[self.at..]
    }
    fn get_mut(&mut self) -> &mut [u8] {
        &mut self.v[self.at..]
    }
}

const GCM_ICV: usize = 16;
const GCM_IV: usize = 8;

/// An HMAC keyed once per SA: each packet's ICV starts from a copy of the
/// keyed state (the inner and outer key blocks are not hashed again).
#[derive(Clone)]
enum Mac {
    Md5(hmac::Hmac<md5::Md5>),
    Sha1(hmac::Hmac<sha1::Sha1>),
    Sha256(hmac::Hmac<sha2::Sha256>),
    Sha384(hmac::Hmac<sha2::Sha384>),
    Sha512(hmac::Hmac<sha2::Sha512>),
    /// AES-XCBC-MAC-96 (RFC 3566): its 128-bit key, the MAC from the ike crypto module.
    Xcbc([u8; 16]),
}

impl Mac {
    fn new(alg: MacAlg, key: &[u8]) -> Option<Mac> {
        use hmac::KeyInit;
        let h = match alg {
            MacAlg::Hmac(h) => h,
            MacAlg::AesXcbc => return Some(Mac::Xcbc(key.try_into().ok()?)),
        };
        Some(match h {
            HashAlg::Md5 => Mac::Md5(hmac::Hmac::new_from_slice(key).ok()?),
            HashAlg::Sha1 => Mac::Sha1(hmac::Hmac::new_from_slice(key).ok()?),
            HashAlg::Sha256 => Mac::Sha256(hmac::Hmac::new_from_slice(key).ok()?),
            HashAlg::Sha384 => Mac::Sha384(hmac::Hmac::new_from_slice(key).ok()?),
            HashAlg::Sha512 => Mac::Sha512(hmac::Hmac::new_from_slice(key).ok()?),
        })
    }

    /// The first `n` octets of the HMAC of `data` followed by `tail` (the
    /// ESN high half, or nothing), the truncated ICV, in `out`.
    fn icv(&self, data: &[u8], tail: &[u8], out: &mut [u8; 64]) {
        fn go<M: hmac::Mac + Clone>(m: &M, data: &[u8], tail: &[u8], out: &mut [u8; 64]) {
            let mut m = m.clone();
            m.update(data);
            m.update(tail);
            let t = m.finalize().into_bytes();
            out[..t.len()].copy_from_slice(&t);
        }
        match self {
            Mac::Md5(m) => go(m, data, tail, out),
            Mac::Sha1(m) => go(m, data, tail, out),
            Mac::Sha256(m) => go(m, data, tail, out),
            Mac::Sha384(m) => go(m, data, tail, out),
            Mac::Sha512(m) => go(m, data, tail, out),
            Mac::Xcbc(k) => out[..16].copy_from_slice(&crate::ike::crypto::aes_xcbc_mac(k, &[data, tail])),
        }
    }
}

/// An AES-GCM key, expanded once per SA (the key schedule and GHASH key
/// are not redone for every packet). AES-128 and AES-256 run on ring's
/// AES-GCM (BoringSSL's assembly: AES-NI/VAES with carry-less multiply,
/// about three times RustCrypto's `aes-gcm` per packet on these machines);
/// ring has no AES-192, which stays on `aes-gcm`.
#[derive(Clone)]
enum Gcm {
    Ring(std::sync::Arc<ring::aead::LessSafeKey>),
    A192(Box<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>),
}

impl Gcm {
    fn new(key: &[u8]) -> Option<Gcm> {
        use aes_gcm::aead::KeyInit;
        let ring_key = |alg| {
            ring::aead::UnboundKey::new(alg, key)
                .ok()
                .map(|k| Gcm::Ring(std::sync::Arc::new(ring::aead::LessSafeKey::new(k))))
        };
        match key.len() {
            16 => ring_key(&ring::aead::AES_128_GCM),
            24 => aes_gcm::AesGcm::new_from_slice(key).ok().map(|c| Gcm::A192(Box::new(c))),
            32 => ring_key(&ring::aead::AES_256_GCM),
            _ => None,
        }
    }

    /// AES-GCM with a 16-octet tag over `buf` in place; returns the tag
    /// (seal) or checks it (open). A failed open leaves `buf` unspecified:
    /// the packet is dropped.
    fn run(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8], tag: Option<&[u8]>) -> Result<[u8; GCM_ICV], ()> {
        match self {
            Gcm::Ring(k) => {
                let n = ring::aead::Nonce::assume_unique_for_key(*nonce);
                let aad = ring::aead::Aad::from(aad);
                match tag {
                    None => {
                        let t = k.seal_in_place_separate_tag(n, aad, buf).map_err(|_| ())?;
                        let mut out = [0u8; GCM_ICV];
                        out.copy_from_slice(t.as_ref());
                        Ok(out)
                    }
                    Some(t) => {
                        let t = ring::aead::Tag::try_from(t).map_err(|_| ())?;
                        k.open_in_place_separate_tag(n, aad, t, buf, 0..).map_err(|_| ())?;
                        Ok([0; GCM_ICV])
                    }
                }
            }
            Gcm::A192(c) => {
                use aes_gcm::aead::AeadInOut;
                let n = aes_gcm::aead::Nonce::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>::try_from(
                    &nonce[..],
                )
                .map_err(|_| ())?;
                match tag {
                    None => {
                        let t = c.encrypt_inout_detached(&n, aad, buf.into()).map_err(|_| ())?;
                        let mut out = [0u8; GCM_ICV];
                        out.copy_from_slice(&t[..GCM_ICV]);
                        Ok(out)
                    }
                    Some(t) => {
                        let t =
                            aes_gcm::aead::Tag::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>::try_from(t)
                                .map_err(|_| ())?;
                        c.decrypt_inout_detached(&n, aad, buf.into(), &t).map_err(|_| ())?;
                        Ok([0; GCM_ICV])
                    }
                }
            }
        }
    }
}

impl EspSa {
    /// The inbound anti-replay window in packets, as configured (the
    /// default 64; 0: no check, a manual SA on IOS, RFC 4303 3.4.3).
    pub fn set_replay_window(&mut self, size: u32) {
        self.replay = ReplayWindow::new(size);
    }

    /// Extended Sequence Numbers, as the SA negotiated them (off unless told).
    pub fn set_esn(&mut self, esn: bool) {
        self.esn = esn;
    }

    /// Whether the SA runs Extended Sequence Numbers.
    pub fn esn(&self) -> bool {
        self.esn
    }

    /// Tests: the outbound counter moved on to `seq` (as if as many packets were sent).
    #[cfg(test)]
    pub(crate) fn jump_to(&mut self, seq: u64) {
        self.seq = seq;
    }

    /// Outbound: the last sequence number sent (all 64 bits); inbound: the
    /// highest one accepted.
    pub fn last_seq(&self) -> u64 {
        self.seq.max(self.replay.top())
    }

    /// The SA for `spi` with the negotiated algorithms and this direction's keys.
    pub fn new(spi: u32, encr: EspEncr, auth: Option<EspAuth>, keys: &SaKeys) -> Result<EspSa, EspError> {
        let mut sa = EspSa {
            spi,
            encr,
            auth,
            enc_key: Vec::new(),
            gcm: None,
            mac: None,
            salt: [0; 4],
            auth_key: keys.auth.clone(),
            seq: 0,
            esn: false,
            replay: ReplayWindow::default(),
        };
        if encr.is_aead() {
            // RFC 4106 8.1: the last four octets of the key material are the salt.
            let Some(split) = keys.encr.len().checked_sub(4) else { return Err(EspError::Unsupported) };
            sa.enc_key = keys.encr[..split].to_vec();
            sa.salt.copy_from_slice(&keys.encr[split..]);
            if auth.is_some() || ![16, 24, 32].contains(&sa.enc_key.len()) {
                return Err(EspError::Unsupported);
            }
            sa.gcm = Some(Gcm::new(&sa.enc_key).ok_or(EspError::Unsupported)?);
        } else {
            sa.enc_key = keys.encr.clone();
            if let Some(c) = cipher(encr)
                && sa.enc_key.len() != c.key_len()
            {
                return Err(EspError::Unsupported);
            }
            match auth.map(hmac) {
                Some(None) => return Err(EspError::Unsupported),
                // RFC 3566: AES-XCBC-MAC-96 keys are 128 bits.
                Some(Some((MacAlg::AesXcbc, _))) if keys.auth.len() != 16 => return Err(EspError::Unsupported),
                None if encr == EspEncr::Null => return Err(EspError::Unsupported),
                Some(Some((h, _))) => sa.mac = Some(Mac::new(h, &sa.auth_key).ok_or(EspError::Unsupported)?),
                None => {}
            }
        }
        Ok(sa)
    }

    pub fn spi(&self) -> u32 {
        self.spi
    }

    fn iv_len(&self) -> usize {
        match (self.encr.is_aead(), cipher(self.encr)) {
            (true, _) => GCM_IV,
            (false, Some(c)) => c.block_size(),
            (false, None) => 0,
        }
    }

    fn icv_len(&self) -> usize {
        if self.encr.is_aead() { GCM_ICV } else { self.auth.and_then(hmac).map(|(_, n)| n).unwrap_or(0) }
    }

    /// Seal `payload` (the inner packet) into an ESP packet: header, IV,
    /// encrypted payload + padding + pad length + next header, ICV.
    pub fn seal(&mut self, next_header: u8, payload: &[u8], rng: &mut impl Rng) -> Result<Vec<u8>, EspError> {
        let mut p = Vec::with_capacity(self.sealed_len(payload.len()));
        self.seal_append(next_header, payload, rng, &mut p)?;
        Ok(p)
    }

    /// The length of the ESP packet that seals `payload_len` bytes.
    pub fn sealed_len(&self, payload_len: usize) -> usize {
        let align = cipher(self.encr).map(|c| c.block_size()).unwrap_or(4).max(4);
        let pad = (align - (payload_len + 2) % align) % align;
        HEADER_LEN + self.iv_len() + payload_len + pad + 2 + self.icv_len()
    }

    /// [`EspSa::seal`] appending the ESP packet to `out` (after what it
    /// holds, e.g. an outer IP header), so a dataplane seals straight into
    /// its send buffer without a copy. On an error `out` is left as it was.
    pub fn seal_append(
        &mut self,
        next_header: u8,
        payload: &[u8],
        rng: &mut impl Rng,
        out: &mut Vec<u8>,
    ) -> Result<(), EspError> {
        let at = out.len();
        let r = self.seal_at(next_header, payload, rng, out, at);
        if r.is_err() {
            out.truncate(at);
        }
        r
    }

    fn seal_at(
        &mut self,
        next_header: u8,
        payload: &[u8],
        rng: &mut impl Rng,
        out: &mut Vec<u8>,
        at: usize,
    ) -> Result<(), EspError> {
        // The last number is never followed by a reused one (RFC 4303 3.3.3): the SA must be rekeyed.
        let last = if self.esn { u64::MAX } else { u64::from(u32::MAX) };
        let seq = self.seq.checked_add(1).filter(|&s| s <= last).ok_or(EspError::SequenceExhausted)?;
        self.seq = seq;
        let hi = ((seq >> 32) as u32).to_be_bytes();
        let tail: &[u8] = if self.esn { &hi } else { &[] };
        let iv_len = self.iv_len();
        let align = cipher(self.encr).map(|c| c.block_size()).unwrap_or(4).max(4);
        let pad = (align - (payload.len() + 2) % align) % align;
        out.reserve(self.sealed_len(payload.len()));
        let mut p = Tail { v: out, at };
        p.extend_from_slice(&self.spi.to_be_bytes());
        p.extend_from_slice(&(seq as u32).to_be_bytes());
        let body = HEADER_LEN + iv_len;
        if self.encr.is_aead() {
            // The explicit IV: the (64-bit) sequence number, unique for the key's life.
            p.extend_from_slice(&seq.to_be_bytes());
        } else {
            p.resize(body, 0);
            rng.fill_bytes(&mut p.get_mut()[HEADER_LEN..body]);
        }
        p.extend_from_slice(payload);
        p.extend(1..=pad as u8);
        p.push(pad as u8);
        p.push(next_header);
        if self.encr.is_aead() {
            let nonce = self.nonce(&p.get()[HEADER_LEN..body]);
            let (head, rest) = p.get_mut().split_at_mut(HEADER_LEN);
            let aad = self.aad(head, &hi);
            let tag = self
                .gcm
                .as_ref()
                .ok_or(EspError::Unsupported)?
                .run(&nonce, &aad.0[..aad.1], &mut rest[GCM_IV..], None)
                .map_err(|_| EspError::Unsupported)?;
            p.extend_from_slice(&tag);
        } else {
            if let Some(c) = cipher(self.encr) {
                let (head, data) = p.get_mut().split_at_mut(body);
                c.cbc(&self.enc_key, &head[HEADER_LEN..], data, true).map_err(|_| EspError::Unsupported)?;
            }
            if let (Some((_, n)), Some(mac)) = (self.auth.and_then(hmac), &self.mac) {
                let mut icv = [0u8; 64];
                mac.icv(p.get(), tail, &mut icv);
                p.extend_from_slice(&icv[..n]);
            }
        }
        Ok(())
    }

    /// The AAD of AES-GCM (RFC 4106 5): SPI and sequence number as sent,
    /// or with ESN, SPI, the high half `hi`, then the low half (its length in `.1`).
    fn aad(&self, header: &[u8], hi: &[u8; 4]) -> ([u8; 12], usize) {
        let mut a = [0u8; 12];
        if self.esn {
            a[..4].copy_from_slice(&header[..4]);
            a[4..8].copy_from_slice(hi);
            a[8..].copy_from_slice(&header[4..HEADER_LEN]);
            (a, 12)
        } else {
            a[..HEADER_LEN].copy_from_slice(&header[..HEADER_LEN]);
            (a, HEADER_LEN)
        }
    }

    fn nonce(&self, iv: &[u8]) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..4].copy_from_slice(&self.salt);
        n[4..].copy_from_slice(iv);
        n
    }

    /// Check and open an ESP packet: returns the next header and the inner packet.
    pub fn open(&mut self, packet: &[u8]) -> Result<(u8, Vec<u8>), EspError> {
        let mut buf = packet.to_vec();
        let (next, inner) = self.open_in_place(&mut buf)?;
        buf.truncate(inner.end);
        buf.drain(..inner.start);
        Ok((next, buf))
    }

    /// [`EspSa::open`] decrypting in the packet's own buffer: the next
    /// header and where the inner packet lies in `packet` (no copy).
    pub fn open_in_place(&mut self, packet: &mut [u8]) -> Result<(u8, std::ops::Range<usize>), EspError> {
        let (iv_len, icv_len) = (self.iv_len(), self.icv_len());
        let length = packet.len();
        if length < HEADER_LEN + iv_len + 2 + icv_len {
            return Err(EspError::Truncated { length });
        }
        let spi = spi_of(packet).ok_or(EspError::Truncated { length })?;
        if spi != self.spi {
            return Err(EspError::WrongSpi { spi });
        }
        // `seq` (what errors report) is the number as sent; `full` all 64 bits (ESN: inferred).
        let seq = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
        let full = if self.esn { self.replay.infer(seq).ok_or(EspError::Late { seq })? } else { u64::from(seq) };
        self.replay.verdict(full).map_err(|r| EspError::refused(r, seq))?;
        let hi = ((full >> 32) as u32).to_be_bytes();
        let tail: &[u8] = if self.esn { &hi } else { &[] };
        let body = HEADER_LEN + iv_len;
        if self.encr.is_aead() {
            let (head, rest) = packet.split_at_mut(body);
            let (data, icv) = rest.split_at_mut(length - body - icv_len);
            let nonce = self.nonce(&head[HEADER_LEN..]);
            let aad = self.aad(head, &hi);
            self.gcm
                .as_ref()
                .ok_or(EspError::Unsupported)?
                .run(&nonce, &aad.0[..aad.1], data, Some(icv))
                .map_err(|_| EspError::AuthenticationFailed { seq })?;
        } else {
            if let (Some((_, n)), Some(mac)) = (self.auth.and_then(hmac), &self.mac) {
                let (signed, icv) = packet.split_at(length - icv_len);
                let mut want = [0u8; 64];
                mac.icv(signed, tail, &mut want);
                // Constant time: a forger learns nothing from how long the compare took.
                if !bool::from(subtle::ConstantTimeEq::ct_eq(&want[..n], icv)) {
                    let other = cipher(self.encr).is_some_and(|c| other_icv_length(length - body, n, c.block_size()));
                    return Err(if other {
                        EspError::AuthAlgorithmMismatch { seq }
                    } else {
                        EspError::AuthenticationFailed { seq }
                    });
                }
            }
            if let Some(c) = cipher(self.encr) {
                let (head, rest) = packet.split_at_mut(body);
                let data = &mut rest[..length - body - icv_len];
                if data.len() % c.block_size() != 0 {
                    return Err(EspError::Truncated { length });
                }
                c.cbc(&self.enc_key, &head[HEADER_LEN..], data, false).map_err(|_| EspError::Truncated { length })?;
            }
        }
        // Trailer: padding 1, 2, 3 ... (RFC 4303 2.4), pad length, next header.
        let end = length - icv_len;
        let (next, pad) = (packet[end - 1], usize::from(packet[end - 2]));
        let Some(stop) = (end - 2).checked_sub(pad).filter(|&s| s >= body) else {
            return Err(EspError::BadPadding { seq });
        };
        if !packet[stop..end - 2].iter().enumerate().all(|(i, &b)| b as usize == i + 1) {
            return Err(EspError::BadPadding { seq });
        }
        self.replay.accept(full);
        Ok((next, body..stop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ike::endpoint::tests::{Pair, mirror, peer};
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn keys(encr: usize, auth: usize, seed: u8) -> SaKeys {
        SaKeys {
            encr: (0..encr).map(|i| i as u8 ^ seed).collect(),
            auth: (0..auth).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect(),
        }
    }

    const SUITES: &[(EspEncr, Option<EspAuth>)] = &[
        (EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)),
        (EspEncr::Aes192Cbc, Some(EspAuth::HmacSha256_128)),
        (EspEncr::Aes256Cbc, Some(EspAuth::HmacSha512_256)),
        (EspEncr::TripleDesCbc, Some(EspAuth::HmacMd5_96)),
        (EspEncr::DesCbc, Some(EspAuth::HmacSha384_192)),
        (EspEncr::Aes256Cbc, None),
        (EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc)),
        (EspEncr::Null, Some(EspAuth::HmacSha1_96)),
        (EspEncr::Aes128Gcm, None),
        (EspEncr::Aes192Gcm, None),
        (EspEncr::Aes256Gcm, None),
    ];

    fn pair_for(e: EspEncr, a: Option<EspAuth>) -> (EspSa, EspSa) {
        let k =
            keys(crate::ike::endpoint::esp_key_len(e), a.map(crate::ike::endpoint::auth_key_len).unwrap_or(0), 0x5a);
        (EspSa::new(0x1234_5678, e, a, &k).unwrap(), EspSa::new(0x1234_5678, e, a, &k).unwrap())
    }

    #[test]
    fn every_suite_round_trips_every_length() {
        let mut rng = StdRng::seed_from_u64(1);
        for &(e, a) in SUITES {
            let (mut out, mut inn) = pair_for(e, a);
            for len in [0usize, 1, 2, 13, 14, 15, 16, 17, 64, 1400] {
                let inner: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let p = out.seal(NEXT_HEADER_IPV4, &inner, &mut rng).unwrap();
                assert_eq!(spi_of(&p), Some(0x1234_5678));
                let align = cipher(e).map(|c| c.block_size()).unwrap_or(4).max(4);
                assert_eq!((p.len() - HEADER_LEN - out.iv_len() - out.icv_len()) % align, 0, "{e:?} {len}");
                if e != EspEncr::Null && len >= 16 {
                    assert!(!p.windows(16).any(|w| w == &inner[..16]), "{e:?}: plaintext visible");
                }
                assert_eq!(inn.open(&p), Ok((NEXT_HEADER_IPV4, inner)), "{e:?}/{a:?} length {len}");
            }
        }
    }

    #[test]
    fn tampering_wrong_keys_and_replays_are_refused() {
        let mut rng = StdRng::seed_from_u64(2);
        for &(e, a) in SUITES.iter().filter(|(e, a)| a.is_some() || e.is_aead()) {
            let (mut out, mut inn) = pair_for(e, a);
            let p = out.seal(NEXT_HEADER_IPV4, b"an inner IPv4 packet", &mut rng).unwrap();
            for i in HEADER_LEN..p.len() {
                let mut q = p.clone();
                q[i] ^= 0x01;
                assert_eq!(inn.open(&q), Err(EspError::AuthenticationFailed { seq: 1 }), "{e:?}/{a:?} byte {i}");
            }
            let wrong = keys(
                crate::ike::endpoint::esp_key_len(e),
                a.map(crate::ike::endpoint::auth_key_len).unwrap_or(0),
                0x33,
            );
            let mut other = EspSa::new(0x1234_5678, e, a, &wrong).unwrap();
            assert_eq!(other.open(&p), Err(EspError::AuthenticationFailed { seq: 1 }));
            assert!(inn.open(&p).is_ok());
            assert_eq!(inn.open(&p), Err(EspError::Replay { seq: 1 }), "a replay");
        }
    }

    /// Table 7's "mismatched authentication algorithm": a sender whose ICV has
    /// another length is told apart from one with other keys; with the same
    /// ICV length (HMAC-MD5-96 against HMAC-SHA1-96) it is a key failure.
    #[test]
    fn another_authentication_algorithm_is_told_by_its_icv_length() {
        use crate::ike::endpoint::{auth_key_len, esp_key_len};
        let mut rng = StdRng::seed_from_u64(4);
        let k = |a: EspAuth| keys(esp_key_len(EspEncr::Aes128Cbc), auth_key_len(a), 0x11);
        for sent in [EspAuth::HmacSha256_128, EspAuth::HmacSha512_256, EspAuth::HmacSha384_192] {
            for len in [0usize, 7, 20, 100] {
                let mut out = EspSa::new(0x1234_5678, EspEncr::Aes128Cbc, Some(sent), &k(sent)).unwrap();
                let mut inn =
                    EspSa::new(0x1234_5678, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k(EspAuth::HmacSha1_96))
                        .unwrap();
                let p = out.seal(NEXT_HEADER_IPV4, &vec![7u8; len], &mut rng).unwrap();
                assert_eq!(inn.open(&p), Err(EspError::AuthAlgorithmMismatch { seq: 1 }), "{sent:?} length {len}");
            }
        }
        let mut out =
            EspSa::new(0x1234_5678, EspEncr::Aes128Cbc, Some(EspAuth::HmacMd5_96), &k(EspAuth::HmacMd5_96)).unwrap();
        let mut inn =
            EspSa::new(0x1234_5678, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k(EspAuth::HmacSha1_96)).unwrap();
        let p = out.seal(NEXT_HEADER_IPV4, b"same ICV length", &mut rng).unwrap();
        assert_eq!(inn.open(&p), Err(EspError::AuthenticationFailed { seq: 1 }));
        assert_eq!(
            crate::esp_drops::DropKind::of(&EspError::AuthAlgorithmMismatch { seq: 1 }),
            crate::esp_drops::DropKind::AuthAlgorithm
        );
    }

    #[test]
    fn without_anti_replay_a_restarted_senders_packets_are_accepted() {
        let k = SaKeys { encr: vec![3; 16], auth: vec![4; 20] };
        let mut inn = EspSa::new(0x301, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
        inn.set_replay_window(0);
        let mut rng = StdRng::seed_from_u64(5);
        let mut out = EspSa::new(0x301, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
        let first: Vec<Vec<u8>> = (0..100).map(|_| out.seal(NEXT_HEADER_IPV4, b"before", &mut rng).unwrap()).collect();
        for p in &first {
            assert!(inn.open(p).is_ok());
        }
        // The peer restarts: its counter starts at 1 again.
        let mut restarted = EspSa::new(0x301, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
        let p = restarted.seal(NEXT_HEADER_IPV4, b"after", &mut rng).unwrap();
        assert_eq!(u32::from_be_bytes(p[4..8].try_into().unwrap()), 1);
        assert_eq!(inn.open(&p).map(|x| x.1), Ok(b"after".to_vec()), "sequence number 1 again");
        assert!(inn.open(&first[0]).is_ok(), "no check at all: a copy passes too");
        let mut bad = p.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(matches!(inn.open(&bad), Err(EspError::AuthenticationFailed { .. })), "the ICV is still checked");
        // With anti-replay (negotiated SAs) the same packet is late.
        let mut checked = EspSa::new(0x301, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
        for p in &first {
            assert!(checked.open(p).is_ok());
        }
        assert_eq!(checked.open(&p), Err(EspError::Late { seq: 1 }));
    }

    #[test]
    fn replay_window_slides_and_accepts_late_packets_once() {
        let mut rng = StdRng::seed_from_u64(3);
        let (mut out, mut inn) = pair_for(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96));
        let ps: Vec<Vec<u8>> = (0..200).map(|i| out.seal(4, &[i as u8; 20], &mut rng).unwrap()).collect();
        assert!(inn.open(&ps[99]).is_ok(), "seq 100");
        assert!(inn.open(&ps[50]).is_ok(), "seq 51: late but in the window");
        assert_eq!(inn.open(&ps[50]), Err(EspError::Replay { seq: 51 }));
        assert_eq!(inn.open(&ps[30]), Err(EspError::Late { seq: 31 }), "left of the window");
        assert!(inn.open(&ps[199]).is_ok(), "a jump ahead");
        assert_eq!(inn.open(&ps[120]), Err(EspError::Late { seq: 121 }));
        assert_eq!(inn.open(&ps[199]), Err(EspError::Replay { seq: 200 }), "a duplicate of the top");
        assert!(inn.open(&ps[150]).is_ok(), "within 64 of 200");
        let mut w = ReplayWindow::default();
        assert!(!w.check(0), "sequence number 0 is never sent");
        w.accept(u64::from(u32::MAX));
        assert!(!w.check(u64::from(u32::MAX)) && w.check(u64::from(u32::MAX) - 1));
    }

    #[test]
    fn sequence_numbers_do_not_wrap() {
        let (mut out, _) = pair_for(EspEncr::Aes128Gcm, None);
        out.seq = u64::from(u32::MAX) - 1;
        let mut rng = StdRng::seed_from_u64(4);
        assert!(out.seal(4, b"x", &mut rng).is_ok());
        assert_eq!(out.seal(4, b"x", &mut rng), Err(EspError::SequenceExhausted));
    }

    /// ESN (RFC 4303 2.2.1): CBC/HMAC-SHA1 and GCM carry packets across the
    /// 2^32 boundary; the header holds the low half, the ICV covers the high
    /// half (after the trailer for the HMAC, in the AAD for GCM, RFC 4106 5),
    /// as RustCrypto's HMAC and AES-GCM computed here without the SA say.
    #[test]
    fn esn_round_trips_across_the_boundary_and_authenticates_the_high_half() {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        use hmac::Mac as _;
        let mut rng = StdRng::seed_from_u64(11);
        for (e, a) in [(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)), (EspEncr::Aes128Gcm, None)] {
            let k = keys(
                crate::ike::endpoint::esp_key_len(e),
                a.map(crate::ike::endpoint::auth_key_len).unwrap_or(0),
                0x5a,
            );
            let (mut out, mut inn) = pair_for(e, a);
            out.set_esn(true);
            inn.set_esn(true);
            assert!(inn.open(&out.seal(4, b"first", &mut rng).unwrap()).is_ok());
            // Right after 1, a low half near 2^32 would be one from before the SA (Appendix A2.2 case B).
            out.seq = (1 << 31) - 1;
            assert!(inn.open(&out.seal(4, b"halfway", &mut rng).unwrap()).is_ok());
            out.seq = (1 << 32) - 40;
            let mut sent = Vec::new();
            for n in 0..80u64 {
                let inner = format!("packet {n}").into_bytes();
                let p = out.seal(4, &inner, &mut rng).unwrap();
                let full = (1u64 << 32) - 39 + n;
                assert_eq!(&p[4..8], &(full as u32).to_be_bytes(), "{e:?}: the low half is sent");
                assert_eq!(inn.open(&p), Ok((4, inner)), "{e:?} sequence number {full}");
                sent.push((full, p));
            }
            assert_eq!(inn.last_seq(), (1 << 32) + 40);
            // A copy from before the boundary is a replay, not a new packet of subspace 1.
            assert_eq!(inn.open(&sent[30].1), Err(EspError::Replay { seq: u32::MAX - 8 }));
            // Independent check of one packet past the boundary (high half 1).
            let (full, p) = &sent[50];
            assert_eq!(full >> 32, 1);
            let hi = 1u32.to_be_bytes();
            if e.is_aead() {
                let c = aes_gcm::Aes128Gcm::new_from_slice(&k.encr[..16]).unwrap();
                let mut nonce = k.encr[16..20].to_vec();
                nonce.extend_from_slice(&p[8..16]);
                assert_eq!(&p[8..16], &full.to_be_bytes(), "the explicit IV is the 64-bit counter");
                let aad = [&p[..4], &hi[..], &p[4..8]].concat();
                let plain = c.decrypt(nonce[..].try_into().unwrap(), Payload { msg: &p[16..], aad: &aad }).unwrap();
                assert!(plain.starts_with(b"packet 50"));
                let without = c.decrypt(nonce[..].try_into().unwrap(), Payload { msg: &p[16..], aad: &p[..8] });
                assert!(without.is_err(), "the AAD without the high half does not verify");
            } else {
                let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(&k.auth).unwrap();
                m.update(&p[..p.len() - 12]);
                m.update(&hi);
                assert_eq!(&m.finalize().into_bytes()[..12], &p[p.len() - 12..], "ICV over packet || high half");
            }
            // A receiver without ESN (or one that guessed another high half) fails the ICV.
            let (_, mut plain) = pair_for(e, a);
            assert_eq!(plain.open(p), Err(EspError::AuthenticationFailed { seq: *full as u32 }));
        }
    }

    #[test]
    fn esn_counters_run_to_2_64_and_never_wrap() {
        let mut rng = StdRng::seed_from_u64(12);
        let (mut out, _) = pair_for(EspEncr::Aes128Gcm, None);
        out.set_esn(true);
        out.seq = u64::from(u32::MAX) - 1;
        assert!(out.seal(4, b"x", &mut rng).is_ok());
        assert!(out.seal(4, b"x", &mut rng).is_ok(), "past 2^32 - 1 with ESN");
        assert_eq!(out.last_seq(), 1 << 32);
        out.seq = u64::MAX - 1;
        assert!(out.seal(4, b"x", &mut rng).is_ok());
        assert_eq!(out.seal(4, b"x", &mut rng), Err(EspError::SequenceExhausted));
        assert_eq!(out.last_seq(), u64::MAX, "a failed seal uses no number");
    }

    /// AES-XCBC-MAC-96 (RFC 3566): the ICV is the first 96 bits of
    /// AES-XCBC-MAC over the ESP header, IV and ciphertext.
    #[test]
    fn aes_xcbc_mac_96_icv_is_the_rfc_mac_of_the_packet() {
        let mut rng = StdRng::seed_from_u64(5);
        let k = keys(16, 16, 0x21);
        let mut out = EspSa::new(7, EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc), &k).unwrap();
        let p = out.seal(NEXT_HEADER_IPV4, b"an inner packet", &mut rng).unwrap();
        let key: [u8; 16] = k.auth[..].try_into().unwrap();
        let (signed, icv) = p.split_at(p.len() - 12);
        assert_eq!(icv, &crate::ike::crypto::aes_xcbc_mac(&key, &[signed])[..12]);
    }

    #[test]
    fn unusable_algorithms_and_keys_are_refused() {
        let k = keys(16, 16, 0);
        assert_eq!(
            EspSa::new(1, EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc), &keys(16, 20, 0)).unwrap_err(),
            EspError::Unsupported,
            "XCBC keys are 128 bits"
        );
        assert!(EspSa::new(1, EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc), &k).is_ok());
        assert_eq!(EspSa::new(1, EspEncr::Null, None, &k).unwrap_err(), EspError::Unsupported);
        assert_eq!(EspSa::new(1, EspEncr::Aes256Cbc, None, &k).unwrap_err(), EspError::Unsupported, "short key");
        assert_eq!(
            EspSa::new(1, EspEncr::Aes128Gcm, Some(EspAuth::HmacSha1_96), &keys(20, 20, 0)).unwrap_err(),
            EspError::Unsupported
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = StdRng::seed_from_u64(5);
        for &(e, a) in SUITES {
            let (mut out, mut inn) = pair_for(e, a);
            let good = out.seal(4, &[7u8; 40], &mut rng).unwrap();
            for _ in 0..300 {
                let mut p: Vec<u8> = if rng.random_bool(0.5) {
                    good.clone()
                } else {
                    (0..rng.random_range(0..80)).map(|_| rng.random()).collect()
                };
                if !p.is_empty() {
                    for _ in 0..rng.random_range(1..4) {
                        let i = rng.random_range(0..p.len());
                        p[i] = rng.random();
                    }
                    if rng.random_bool(0.3) {
                        p.truncate(rng.random_range(0..p.len()));
                    }
                }
                let _ = inn.open(&p);
            }
        }
    }

    /// The SAs quick mode negotiated carry packets: what one end seals with
    /// its outbound SA the other opens with its inbound one.
    #[test]
    fn negotiated_sas_carry_packets_both_ways() {
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 14);
        let b = mirror(&a, "t");
        let mut p = Pair::new(a, b);
        p.run();
        let (ca, cb) = (&p.a.child_sas()[0], &p.b.child_sas()[0]);
        let (e, au) = ca.esp.unwrap();
        let mut a_out = EspSa::new(ca.spi_out, e, au, &ca.keys_out).unwrap();
        let mut b_in = EspSa::new(cb.spi_in, e, au, &cb.keys_in).unwrap();
        let mut b_out = EspSa::new(cb.spi_out, e, au, &cb.keys_out).unwrap();
        let mut a_in = EspSa::new(ca.spi_in, e, au, &ca.keys_in).unwrap();
        let mut rng = StdRng::seed_from_u64(6);
        let ping = b"\x45\x00\x00\x1c an ICMP echo from 198.51.100.1";
        let sealed = a_out.seal(4, ping, &mut rng).unwrap();
        assert_eq!(b_in.open(&sealed).unwrap().1, ping);
        let back = b_out.seal(4, b"the echo reply", &mut rng).unwrap();
        assert_eq!(a_in.open(&back).unwrap().1, b"the echo reply");
        assert!(matches!(a_in.open(&sealed), Err(EspError::WrongSpi { .. })), "each direction has its own SPI");
    }

    /// tshark, given the keys (as `show crypto keys tshark` prints them),
    /// decrypts our ESP: the encoding is right by an independent decoder.
    #[test]
    fn tshark_decrypts_our_esp() {
        if !std::path::Path::new("/usr/bin/tshark").exists() || !std::path::Path::new("/usr/bin/text2pcap").exists() {
            eprintln!("\n!!! SKIPPING tshark ESP check: tshark/text2pcap not installed\n");
            return;
        }
        let dir = std::env::temp_dir().join(format!("edgesh-esp-tshark-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        // An ICMP echo request 198.51.100.1 -> 203.0.113.1 (checksums are not checked).
        let inner: Vec<u8> = [
            &[0x45u8, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 198, 51, 100, 1, 203, 0, 113, 1][..],
            &[8, 0, 0, 0, 0x12, 0x34, 0, 1],
        ]
        .concat();
        for (i, &(e, a)) in [
            (EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)),
            (EspEncr::Aes256Gcm, None),
            (EspEncr::TripleDesCbc, Some(EspAuth::HmacSha256_128)),
        ]
        .iter()
        .enumerate()
        {
            let k = keys(
                crate::ike::endpoint::esp_key_len(e),
                a.map(crate::ike::endpoint::auth_key_len).unwrap_or(0),
                0x21,
            );
            let spi = 0xc0de_0001 + i as u32;
            let mut sa = EspSa::new(spi, e, a, &k).unwrap();
            let esp = sa.seal(NEXT_HEADER_IPV4, &inner, &mut rng).unwrap();
            // Outer IPv4 192.0.2.1 -> 192.0.2.2, protocol 50.
            let total = (20 + esp.len()) as u16;
            let mut pkt = vec![
                0x45,
                0,
                (total >> 8) as u8,
                total as u8,
                0,
                1,
                0,
                0,
                64,
                PROTOCOL,
                0,
                0,
                192,
                0,
                2,
                1,
                192,
                0,
                2,
                2,
            ];
            pkt.extend_from_slice(&esp);
            let hexdump: String = pkt
                .chunks(16)
                .enumerate()
                .map(|(n, c)| {
                    format!("{:06x} {}\n", n * 16, c.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "))
                })
                .collect();
            let (txt, pcap) = (dir.join(format!("{i}.txt")), dir.join(format!("{i}.pcap")));
            std::fs::write(&txt, hexdump).unwrap();
            let st = std::process::Command::new("text2pcap")
                .args(["-q", "-l", "101"])
                .arg(&txt)
                .arg(&pcap)
                .status()
                .unwrap();
            assert!(st.success());
            let (enc, auth) = match (e, a) {
                (EspEncr::Aes128Cbc, _) => ("AES-CBC [RFC3602]", "HMAC-SHA-1-96 [RFC2404]"),
                (EspEncr::Aes256Gcm, _) => ("AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
                _ => ("TripleDES-CBC [RFC2451]", "HMAC-SHA-256-128 [RFC4868]"),
            };
            let hex = crate::ike::crypto::hex;
            let uat = format!(
                "uat:esp_sa:\"IPv4\",\"192.0.2.1\",\"192.0.2.2\",\"0x{spi:08x}\",\"{enc}\",\"0x{}\",\"{auth}\",\"0x{}\"",
                hex(&k.encr),
                hex(&k.auth)
            );
            let o = std::process::Command::new("tshark")
                .arg("-r")
                .arg(&pcap)
                .args([
                    "-o",
                    "esp.enable_encryption_decode:TRUE",
                    "-o",
                    "esp.enable_authentication_check:TRUE",
                    "-o",
                    &uat,
                    "-V",
                ])
                .output()
                .unwrap();
            let v = String::from_utf8_lossy(&o.stdout);
            assert!(
                v.contains("Echo (ping) request"),
                "{e:?}: tshark did not decrypt:\n{v}\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            if a.is_some() {
                assert!(v.contains("ESP ICV:") && v.contains("[correct]"), "{e:?}: ICV not confirmed:\n{v}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
