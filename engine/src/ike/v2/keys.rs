//! IKEv2 keys: owns the negotiated IKE suite (encryption, PRF, integrity,
//! DH group) and its transform IDs, SKEYSEED and the seven SK_* keys
//! (RFC 7296 2.14), IKE SA rekeying (2.18), child KEYMAT with and without
//! PFS (2.17), the PSK AUTH value (2.15), NAT detection hashes (2.23) and
//! the SK payload (3.14): AES-CBC/3DES with HMAC, and AES-GCM with a
//! 16-octet ICV (RFC 5282). PRFs: HMAC over MD5, SHA-1 and SHA-2, and
//! AES-XCBC-PRF-128 (RFC 4434, with SKEYSEED's fixed-length key rule of
//! 2.14). Primitives come from [`crate::ike::crypto`].

use super::wire::{self, GENERIC_LEN, HEADER_LEN, Header, transform as tf};
use crate::config::{EspAuth, EspEncr, IkeAuthAlg, IkeEncr, Prf};
use crate::ike::crypto::{self, CipherAlg, GCM16_ICV, HashAlg, MacAlg};
use rand::Rng;

/// An encryption algorithm for the SK payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encr {
    Cbc(CipherAlg),
    /// AES-GCM with a 16-octet ICV; key length in octets (16, 24, 32).
    Gcm(usize),
}

impl Encr {
    pub fn from_transform(t: &wire::TransformRepr) -> Option<Encr> {
        match (t.id, t.key_len) {
            (tf::ENCR_3DES, None) => Some(Encr::Cbc(CipherAlg::TripleDes)),
            (tf::ENCR_AES_CBC, Some(k @ (128 | 192 | 256))) => Some(Encr::Cbc(CipherAlg::Aes(k as usize / 8))),
            (tf::ENCR_AES_GCM_16, Some(k @ (128 | 192 | 256))) => Some(Encr::Gcm(k as usize / 8)),
            _ => None,
        }
    }
    pub fn transform(self) -> wire::TransformRepr {
        let (id, key_len) = match self {
            Encr::Cbc(CipherAlg::TripleDes) => (tf::ENCR_3DES, None),
            Encr::Cbc(CipherAlg::Des) => (2, None),
            Encr::Cbc(CipherAlg::Aes(n)) => (tf::ENCR_AES_CBC, Some(n as u16 * 8)),
            Encr::Gcm(n) => (tf::ENCR_AES_GCM_16, Some(n as u16 * 8)),
        };
        wire::TransformRepr { kind: tf::ENCR, id, key_len }
    }
    /// Key octets taken from prf+ (GCM: the key and a 4-octet salt).
    pub fn key_len(self) -> usize {
        match self {
            Encr::Cbc(c) => c.key_len(),
            Encr::Gcm(n) => n + 4,
        }
    }
    pub fn iv_len(self) -> usize {
        match self {
            Encr::Cbc(c) => c.block_size(),
            Encr::Gcm(_) => 8,
        }
    }
    pub fn is_aead(self) -> bool {
        matches!(self, Encr::Gcm(_))
    }
    pub fn from_conf(e: IkeEncr) -> Encr {
        Encr::Cbc(match e {
            IkeEncr::Aes128Gcm16 => return Encr::Gcm(16),
            IkeEncr::Aes256Gcm16 => return Encr::Gcm(32),
            IkeEncr::DesCbc => CipherAlg::Des,
            IkeEncr::TripleDesCbc => CipherAlg::TripleDes,
            IkeEncr::Aes128Cbc => CipherAlg::Aes(16),
            IkeEncr::Aes192Cbc => CipherAlg::Aes(24),
            IkeEncr::Aes256Cbc => CipherAlg::Aes(32),
        })
    }
}

/// An HMAC integrity algorithm: the hash and the ICV length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Integ {
    pub hash: HashAlg,
    pub icv: usize,
}

impl Integ {
    pub fn from_id(id: u16) -> Option<Integ> {
        Some(match id {
            tf::AUTH_HMAC_MD5_96 => Integ { hash: HashAlg::Md5, icv: 12 },
            tf::AUTH_HMAC_SHA1_96 => Integ { hash: HashAlg::Sha1, icv: 12 },
            tf::AUTH_HMAC_SHA2_256_128 => Integ { hash: HashAlg::Sha256, icv: 16 },
            tf::AUTH_HMAC_SHA2_384_192 => Integ { hash: HashAlg::Sha384, icv: 24 },
            tf::AUTH_HMAC_SHA2_512_256 => Integ { hash: HashAlg::Sha512, icv: 32 },
            _ => return None,
        })
    }
    pub fn id(self) -> u16 {
        match self.hash {
            HashAlg::Md5 => tf::AUTH_HMAC_MD5_96,
            HashAlg::Sha1 => tf::AUTH_HMAC_SHA1_96,
            HashAlg::Sha256 => tf::AUTH_HMAC_SHA2_256_128,
            HashAlg::Sha384 => tf::AUTH_HMAC_SHA2_384_192,
            HashAlg::Sha512 => tf::AUTH_HMAC_SHA2_512_256,
        }
    }
    pub fn key_len(self) -> usize {
        self.hash.len()
    }
    pub fn from_conf(a: IkeAuthAlg) -> Integ {
        Integ::from_id(match a {
            IkeAuthAlg::HmacMd5_96 => tf::AUTH_HMAC_MD5_96,
            IkeAuthAlg::HmacSha1_96 => tf::AUTH_HMAC_SHA1_96,
            IkeAuthAlg::HmacSha256 => tf::AUTH_HMAC_SHA2_256_128,
            IkeAuthAlg::HmacSha384 => tf::AUTH_HMAC_SHA2_384_192,
            IkeAuthAlg::HmacSha512 => tf::AUTH_HMAC_SHA2_512_256,
        })
        .expect("every configured algorithm has an ID")
    }
}

/// The PRF of a transform ID (RFC 7296 3.3.2; RFC 4868's SHA-2 ones; RFC 4434's AES-XCBC-PRF-128).
pub fn prf_from_id(id: u16) -> Option<Prf> {
    Some(match id {
        tf::PRF_HMAC_MD5 => Prf::HmacMd5,
        tf::PRF_HMAC_SHA1 => Prf::HmacSha1,
        tf::PRF_AES128_XCBC => Prf::Aes128Xcbc,
        tf::PRF_HMAC_SHA2_256 => Prf::HmacSha256,
        tf::PRF_HMAC_SHA2_384 => Prf::HmacSha384,
        tf::PRF_HMAC_SHA2_512 => Prf::HmacSha512,
        _ => return None,
    })
}

pub fn prf_id(p: Prf) -> u16 {
    match p {
        Prf::HmacMd5 => tf::PRF_HMAC_MD5,
        Prf::HmacSha1 => tf::PRF_HMAC_SHA1,
        Prf::Aes128Xcbc => tf::PRF_AES128_XCBC,
        Prf::HmacSha256 => tf::PRF_HMAC_SHA2_256,
        Prf::HmacSha384 => tf::PRF_HMAC_SHA2_384,
        Prf::HmacSha512 => tf::PRF_HMAC_SHA2_512,
    }
}

/// A PRF as the key derivation runs it.
impl Prf {
    pub fn mac(self) -> MacAlg {
        match self {
            Prf::HmacMd5 => MacAlg::Hmac(HashAlg::Md5),
            Prf::HmacSha1 => MacAlg::Hmac(HashAlg::Sha1),
            Prf::HmacSha256 => MacAlg::Hmac(HashAlg::Sha256),
            Prf::HmacSha384 => MacAlg::Hmac(HashAlg::Sha384),
            Prf::HmacSha512 => MacAlg::Hmac(HashAlg::Sha512),
            Prf::Aes128Xcbc => MacAlg::AesXcbc,
        }
    }
    /// Octets of output, and of SK_d, SK_pi and SK_pr (2.14).
    pub fn len(self) -> usize {
        self.mac().len()
    }
    /// prf(key, parts concatenated).
    pub fn prf(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        self.mac().prf(key, parts)
    }
}

/// A negotiated IKE SA suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Suite {
    pub encr: Encr,
    pub prf: Prf,
    /// None with an AEAD cipher.
    pub integ: Option<Integ>,
    pub group: u16,
}

/// The seven keys of an IKE SA.
#[derive(Clone, PartialEq, Eq)]
pub struct IkeKeys {
    pub d: Vec<u8>,
    pub ai: Vec<u8>,
    pub ar: Vec<u8>,
    pub ei: Vec<u8>,
    pub er: Vec<u8>,
    pub pi: Vec<u8>,
    pub pr: Vec<u8>,
}

impl std::fmt::Debug for IkeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IkeKeys(<secret>)")
    }
}

impl IkeKeys {
    /// SKEYSEED = prf(Ni | Nr, g^ir); keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
    /// A PRF with a fixed-length key (AES-XCBC-PRF-128: 16 octets) takes
    /// half of its key from the start of Ni and half from the start of Nr
    /// (2.14), as strongSwan does, rather than RFC 4434's shortening of a
    /// longer key.
    pub fn derive(s: &Suite, ni: &[u8], nr: &[u8], gir: &[u8], spi_i: &[u8; 8], spi_r: &[u8; 8]) -> IkeKeys {
        let nn = match s.prf {
            Prf::Aes128Xcbc => [&ni[..ni.len().min(8)], &nr[..nr.len().min(8)]].concat(),
            _ => [ni, nr].concat(),
        };
        let skeyseed = s.prf.prf(&nn, &[gir]);
        Self::expand(s, &skeyseed, ni, nr, spi_i, spi_r)
    }
    /// IKE SA rekey (2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF.
    pub fn derive_rekey(
        old_prf: Prf,
        old_d: &[u8],
        s: &Suite,
        ni: &[u8],
        nr: &[u8],
        gir: &[u8],
        spi_i: &[u8; 8],
        spi_r: &[u8; 8],
    ) -> IkeKeys {
        let skeyseed = old_prf.prf(old_d, &[gir, ni, nr]);
        Self::expand(s, &skeyseed, ni, nr, spi_i, spi_r)
    }
    fn expand(s: &Suite, skeyseed: &[u8], ni: &[u8], nr: &[u8], spi_i: &[u8; 8], spi_r: &[u8; 8]) -> IkeKeys {
        let p = s.prf.len();
        let a = s.integ.map(|i| i.key_len()).unwrap_or(0);
        let e = s.encr.key_len();
        let km = crypto::prf_plus(s.prf.mac(), skeyseed, &[ni, nr, spi_i, spi_r], p + 2 * a + 2 * e + 2 * p);
        let mut at = 0;
        let mut take = |n: usize| {
            let v = km[at..at + n].to_vec();
            at += n;
            v
        };
        IkeKeys { d: take(p), ai: take(a), ar: take(a), ei: take(e), er: take(e), pi: take(p), pr: take(p) }
    }
}

/// Child SA key material (2.17): KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr);
/// initiator-to-responder encryption and integrity keys first, then the reverse.
/// Returns ((encr, integ) initiator->responder, (encr, integ) responder->initiator).
pub fn child_keymat(
    prf: Prf,
    sk_d: &[u8],
    gir: Option<&[u8]>,
    ni: &[u8],
    nr: &[u8],
    encr: Option<EspEncr>,
    auth: Option<EspAuth>,
) -> ((Vec<u8>, Vec<u8>), (Vec<u8>, Vec<u8>)) {
    let e = encr.map(crate::ike::v1::proposals::esp_key_len).unwrap_or(0);
    let a = auth.map(crate::ike::v1::proposals::auth_key_len).unwrap_or(0);
    let seed: Vec<&[u8]> = match gir {
        Some(g) => vec![g, ni, nr],
        None => vec![ni, nr],
    };
    let km = crypto::prf_plus(prf.mac(), sk_d, &seed, 2 * (e + a));
    ((km[..e].to_vec(), km[e..e + a].to_vec()), (km[e + a..2 * e + a].to_vec(), km[2 * e + a..].to_vec()))
}

/// The octets a PSK AUTH payload carries (2.15):
/// prf(prf(PSK, "Key Pad for IKEv2"), <message octets> | <peer's nonce> | prf(SK_p, ID body)).
pub fn psk_auth(prf: Prf, psk: &[u8], message: &[u8], nonce: &[u8], sk_p: &[u8], id_body: &[u8]) -> Vec<u8> {
    let maced_id = prf.prf(sk_p, &[id_body]);
    let k = prf.prf(psk, &[b"Key Pad for IKEv2"]);
    prf.prf(&k, &[message, nonce, &maced_id])
}

/// NAT_DETECTION_*_IP data (2.23): SHA-1(SPIi | SPIr | IP | port).
pub fn nat_hash(spi_i: &[u8; 8], spi_r: &[u8; 8], addr: std::net::SocketAddrV4) -> Vec<u8> {
    HashAlg::Sha1.hash(&[spi_i, spi_r, &addr.ip().octets(), &addr.port().to_be_bytes()])
}

/// One direction's SK keys.
#[derive(Clone, Copy)]
pub struct SkKeys<'a> {
    pub encr: Encr,
    pub integ: Option<Integ>,
    pub ek: &'a [u8],
    pub ak: &'a [u8],
}

/// Why an SK payload could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkError {
    /// Too short for IV, padding and ICV.
    Short,
    /// The ICV (or GCM tag) does not verify: wrong keys or a forged message.
    Integrity,
    /// The padding length is impossible.
    Padding,
    /// Not the SK payload, or not the last one.
    NotEncrypted,
}

/// Build a whole protected message: the header, an SK payload around `inner`.
pub fn seal(hdr: Header, inner: &wire::Builder, k: SkKeys<'_>, rng: &mut impl Rng) -> Vec<u8> {
    seal_payload(hdr, wire::payload::SK, inner.first(), &[], inner.chain(), k, rng)
}

/// The octets an SK or SKF payload adds around its plaintext (at most: padding
/// is counted as a whole block), for sizing fragments.
pub fn sk_overhead(k: &SkKeys<'_>) -> usize {
    let (icv, block) = match k.encr {
        Encr::Gcm(_) => (GCM16_ICV, 4),
        Encr::Cbc(c) => (k.integ.map(|i| i.icv).unwrap_or(0), c.block_size()),
    };
    GENERIC_LEN + k.encr.iv_len() + icv + block
}

/// One message per fragment of `inner` (RFC 7383 2.5): the inner chain cut
/// into pieces of at most `chunk` octets, each in its own SKF payload
/// (Fragment Number from 1, Total Fragments), padded, encrypted and
/// integrity-protected on its own; the first carries the first inner
/// payload's type, the others 0.
pub fn seal_fragments(
    hdr: Header,
    inner: &wire::Builder,
    chunk: usize,
    k: SkKeys<'_>,
    rng: &mut impl Rng,
) -> Vec<Vec<u8>> {
    let chain = inner.chain();
    let pieces: Vec<&[u8]> = chain.chunks(chunk.max(1)).collect();
    let total = pieces.len() as u16;
    pieces
        .iter()
        .enumerate()
        .map(|(n, piece)| {
            let number = n as u16 + 1;
            let next = if number == 1 { inner.first() } else { wire::payload::NONE };
            let mut extra = number.to_be_bytes().to_vec();
            extra.extend_from_slice(&total.to_be_bytes());
            seal_payload(hdr, wire::payload::SKF, next, &extra, piece.to_vec(), k, rng)
        })
        .collect()
}

/// The encrypted payload (SK, or SKF with its clear `extra` fields) as the
/// whole message after `hdr`: IV, ciphertext with padding, ICV.
fn seal_payload(
    hdr: Header,
    kind: u8,
    next: u8,
    extra: &[u8],
    chain: Vec<u8>,
    k: SkKeys<'_>,
    rng: &mut impl Rng,
) -> Vec<u8> {
    let iv_len = k.encr.iv_len();
    let icv_len = match k.encr {
        Encr::Gcm(_) => GCM16_ICV,
        Encr::Cbc(_) => k.integ.map(|i| i.icv).unwrap_or(0),
    };
    let block = match k.encr {
        Encr::Cbc(c) => c.block_size(),
        Encr::Gcm(_) => 4,
    };
    let mut plain = chain;
    let pad = (block - (plain.len() + 1) % block) % block;
    plain.extend(std::iter::repeat_n(0u8, pad));
    plain.push(pad as u8);
    let sk_len = GENERIC_LEN + extra.len() + iv_len + plain.len() + icv_len;
    let mut h = hdr;
    h.next = kind;
    h.major = 2;
    h.minor = 0;
    h.length = (HEADER_LEN + sk_len) as u32;
    let mut out = Vec::with_capacity(h.length as usize);
    h.emit(&mut out);
    out.push(next);
    out.push(0);
    out.extend_from_slice(&(sk_len as u16).to_be_bytes());
    out.extend_from_slice(extra);
    let mut iv = vec![0u8; iv_len];
    rng.fill_bytes(&mut iv);
    out.extend_from_slice(&iv);
    match k.encr {
        Encr::Cbc(c) => {
            // Keys and IV have the negotiated lengths and the plaintext is block aligned.
            let _ = c.cbc(k.ek, &iv, &mut plain, true);
            out.extend_from_slice(&plain);
            if let Some(i) = k.integ {
                let mac = i.hash.prf(k.ak, &[&out]);
                out.extend_from_slice(&mac[..i.icv]);
            }
        }
        Encr::Gcm(n) => {
            // The associated data runs to the end of the payload's clear fields.
            let aad = out[..HEADER_LEN + GENERIC_LEN + extra.len()].to_vec();
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&k.ek[n..n + 4]);
            nonce[4..].copy_from_slice(&iv);
            let tag = crypto::aes_gcm16(&k.ek[..n], &nonce, &aad, &mut plain, None).unwrap_or([0; GCM16_ICV]);
            out.extend_from_slice(&plain);
            out.extend_from_slice(&tag);
        }
    }
    out
}

/// A checked and decrypted fragment (RFC 7383 2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    pub number: u16,
    pub total: u16,
    /// The first inner payload's type (meaningful in fragment 1 only).
    pub next: u8,
    pub data: Vec<u8>,
}

/// Check and decrypt a message made of one SKF payload. Err(NotEncrypted)
/// also covers impossible numbering (0, or a number above the total).
pub fn open_fragment(msg: &[u8], k: SkKeys<'_>) -> Result<Fragment, SkError> {
    let hdr = Header::parse(msg).map_err(|_| SkError::NotEncrypted)?;
    let msg = &msg[..hdr.length as usize];
    if hdr.next != wire::payload::SKF || msg.len() < HEADER_LEN + GENERIC_LEN + 4 {
        return Err(SkError::NotEncrypted);
    }
    let g = &msg[HEADER_LEN..];
    let (next, plen) = (g[0], u16::from_be_bytes([g[2], g[3]]) as usize);
    if plen != g.len() {
        return Err(SkError::NotEncrypted);
    }
    let number = u16::from_be_bytes([g[4], g[5]]);
    let total = u16::from_be_bytes([g[6], g[7]]);
    if number == 0 || number > total {
        return Err(SkError::NotEncrypted);
    }
    let clear_end = HEADER_LEN + GENERIC_LEN + 4;
    let body = &msg[clear_end..];
    let iv_len = k.encr.iv_len();
    let icv_len = match k.encr {
        Encr::Gcm(_) => GCM16_ICV,
        Encr::Cbc(_) => k.integ.map(|i| i.icv).unwrap_or(0),
    };
    if body.len() < iv_len + icv_len + 1 {
        return Err(SkError::Short);
    }
    let iv = &body[..iv_len];
    let ct_end = body.len() - icv_len;
    let mut plain = body[iv_len..ct_end].to_vec();
    let icv = &body[ct_end..];
    match k.encr {
        Encr::Cbc(c) => {
            let Some(i) = k.integ else { return Err(SkError::Integrity) };
            let mac = i.hash.prf(k.ak, &[&msg[..msg.len() - icv_len]]);
            if !crate::ike::v2::ct_eq(&mac[..i.icv], icv) {
                return Err(SkError::Integrity);
            }
            c.cbc(k.ek, iv, &mut plain, false).map_err(|_| SkError::Padding)?;
        }
        Encr::Gcm(n) => {
            if k.ek.len() != n + 4 {
                return Err(SkError::Integrity);
            }
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&k.ek[n..n + 4]);
            nonce[4..].copy_from_slice(iv);
            crypto::aes_gcm16(&k.ek[..n], &nonce, &msg[..clear_end], &mut plain, Some(icv))
                .map_err(|_| SkError::Integrity)?;
        }
    }
    let pad = *plain.last().ok_or(SkError::Padding)? as usize;
    if pad + 1 > plain.len() {
        return Err(SkError::Padding);
    }
    plain.truncate(plain.len() - pad - 1);
    Ok(Fragment { number, total, next, data: plain })
}

/// Check and decrypt the SK payload of `msg` (a whole message whose header
/// names SK as the first payload, or whose chain ends in SK). Returns the
/// first inner payload type and the inner chain.
pub fn open(msg: &[u8], k: SkKeys<'_>) -> Result<(u8, Vec<u8>), SkError> {
    let hdr = Header::parse(msg).map_err(|_| SkError::NotEncrypted)?;
    let msg = &msg[..hdr.length as usize];
    let list = wire::payloads(hdr.next, &msg[HEADER_LEN..]).map_err(|_| SkError::NotEncrypted)?;
    let Some(sk) = list.last().filter(|p| p.kind == wire::payload::SK) else { return Err(SkError::NotEncrypted) };
    let first = sk.next;
    let body_start = msg.len() - sk.body.len();
    let iv_len = k.encr.iv_len();
    let icv_len = match k.encr {
        Encr::Gcm(_) => GCM16_ICV,
        Encr::Cbc(_) => k.integ.map(|i| i.icv).unwrap_or(0),
    };
    if sk.body.len() < iv_len + icv_len + 1 {
        return Err(SkError::Short);
    }
    let iv = &sk.body[..iv_len];
    let ct_end = sk.body.len() - icv_len;
    let mut plain = sk.body[iv_len..ct_end].to_vec();
    let icv = &sk.body[ct_end..];
    match k.encr {
        Encr::Cbc(c) => {
            let Some(i) = k.integ else { return Err(SkError::Integrity) };
            let mac = i.hash.prf(k.ak, &[&msg[..msg.len() - icv_len]]);
            if !crate::ike::v2::ct_eq(&mac[..i.icv], icv) {
                return Err(SkError::Integrity);
            }
            c.cbc(k.ek, iv, &mut plain, false).map_err(|_| SkError::Padding)?;
        }
        Encr::Gcm(n) => {
            if k.ek.len() != n + 4 {
                return Err(SkError::Integrity);
            }
            let aad = &msg[..body_start];
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&k.ek[n..n + 4]);
            nonce[4..].copy_from_slice(iv);
            crypto::aes_gcm16(&k.ek[..n], &nonce, aad, &mut plain, Some(icv)).map_err(|_| SkError::Integrity)?;
        }
    }
    let pad = *plain.last().ok_or(SkError::Padding)? as usize;
    if pad + 1 > plain.len() {
        return Err(SkError::Padding);
    }
    plain.truncate(plain.len() - pad - 1);
    Ok((first, plain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ike::crypto::hex;
    use rand::SeedableRng;

    #[test]
    fn prf_plus_is_the_rfc_construction() {
        // T1 = prf(K, S|1), T2 = prf(K, T1|S|2).
        let k = b"key";
        let s = b"seed";
        let t1 = HashAlg::Sha1.prf(k, &[s, &[1]]);
        let t2 = HashAlg::Sha1.prf(k, &[&t1, s, &[2]]);
        let out = crypto::prf_plus(MacAlg::Hmac(HashAlg::Sha1), k, &[s], 30);
        assert_eq!(out[..20], t1[..]);
        assert_eq!(out[20..], t2[..10]);
        // HMAC-SHA256 known answer (RFC 4231 case 2) through prf with split parts.
        assert_eq!(
            hex(&HashAlg::Sha256.prf(b"Jefe", &[b"what do ya ", b"want for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn key_lengths_and_keymat_split() {
        let s = Suite {
            encr: Encr::Cbc(CipherAlg::Aes(16)),
            prf: Prf::HmacSha256,
            integ: Integ::from_id(tf::AUTH_HMAC_SHA2_256_128),
            group: 14,
        };
        let k = IkeKeys::derive(&s, &[1; 32], &[2; 32], &[3; 256], &[4; 8], &[5; 8]);
        assert_eq!((k.d.len(), k.ai.len(), k.ei.len(), k.pi.len()), (32, 32, 16, 32));
        assert_ne!(k.ai, k.ar);
        let g = Suite { encr: Encr::Gcm(32), prf: Prf::HmacSha256, integ: None, group: 19 };
        let kg = IkeKeys::derive(&g, &[1; 32], &[2; 32], &[3; 32], &[4; 8], &[5; 8]);
        assert_eq!((kg.ai.len(), kg.ei.len()), (0, 36));
        let ((ei, ai), (er, ar)) = child_keymat(
            Prf::HmacSha1,
            &k.d,
            None,
            &[1; 16],
            &[2; 16],
            Some(EspEncr::Aes128Cbc),
            Some(EspAuth::HmacSha1_96),
        );
        let km = crypto::prf_plus(MacAlg::Hmac(HashAlg::Sha1), &k.d, &[&[1; 16], &[2; 16]], 72);
        assert_eq!([ei, ai, er, ar].concat(), km);
        let ((e2, _), _) =
            child_keymat(Prf::HmacSha1, &k.d, Some(&[9; 32]), &[1; 16], &[2; 16], Some(EspEncr::Aes128Gcm), None);
        assert_eq!(e2.len(), 20);
    }

    #[test]
    fn skf_fragments_round_trip_and_protect_their_numbering() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let hdr = Header {
            spi_i: [1; 8],
            spi_r: [2; 8],
            next: 0,
            major: 2,
            minor: 0,
            exchange: wire::exchange::IKE_AUTH,
            flags: wire::flags::INITIATOR,
            msgid: 1,
            length: 0,
        };
        let inner = wire::Builder::new()
            .add(&wire::Repr::Nonce(vec![5; 200]))
            .add(&wire::Repr::Notify(wire::NotifyRepr::new(wire::notify::INITIAL_CONTACT, vec![])));
        for (encr, integ, ek) in [
            (Encr::Cbc(CipherAlg::Aes(16)), Integ::from_id(tf::AUTH_HMAC_SHA1_96), vec![1u8; 16]),
            (Encr::Gcm(16), None, vec![1u8; 20]),
            (Encr::Gcm(32), None, vec![1u8; 36]),
        ] {
            let ak = vec![7u8; integ.map(|i| i.key_len()).unwrap_or(0)];
            let k = SkKeys { encr, integ, ek: &ek, ak: &ak };
            let frags = seal_fragments(hdr, &inner, 64, k, &mut rng);
            assert_eq!(frags.len(), inner.chain().len().div_ceil(64));
            let mut chain = Vec::new();
            for (n, m) in frags.iter().enumerate() {
                assert_eq!(m[16], wire::payload::SKF);
                let f = open_fragment(m, k).unwrap();
                assert_eq!((f.number as usize, f.total as usize), (n + 1, frags.len()));
                assert_eq!(f.next, if n == 0 { wire::payload::NONCE } else { 0 });
                chain.extend(f.data);
                // Fragment Number and Total Fragments are authenticated (AAD with GCM).
                for at in [32, 34] {
                    let mut bad = m.clone();
                    bad[at + 1] ^= 2;
                    assert!(open_fragment(&bad, k).is_err());
                }
                let mut bad = m.clone();
                let l = bad.len();
                bad[l - 1] ^= 1;
                assert_eq!(open_fragment(&bad, k), Err(SkError::Integrity));
                for cut in 0..m.len() {
                    let _ = open_fragment(&m[..cut], k);
                }
            }
            assert_eq!(chain, inner.chain());
            // An SK message is no fragment, and a fragment is no SK message.
            assert!(open_fragment(&seal(hdr, &inner, k, &mut rng), k).is_err());
            assert!(open(&frags[0], k).is_err());
        }
    }

    #[test]
    fn sk_round_trips_and_detects_tampering() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let hdr = Header {
            spi_i: [1; 8],
            spi_r: [2; 8],
            next: 0,
            major: 2,
            minor: 0,
            exchange: wire::exchange::IKE_AUTH,
            flags: wire::flags::INITIATOR,
            msgid: 1,
            length: 0,
        };
        let inner = wire::Builder::new()
            .add(&wire::Repr::Nonce(vec![5; 20]))
            .add(&wire::Repr::Notify(wire::NotifyRepr::new(wire::notify::INITIAL_CONTACT, vec![])));
        for (encr, integ, ek) in [
            (Encr::Cbc(CipherAlg::Aes(16)), Integ::from_id(tf::AUTH_HMAC_SHA1_96), vec![1u8; 16]),
            (Encr::Cbc(CipherAlg::Aes(32)), Integ::from_id(tf::AUTH_HMAC_SHA2_256_128), vec![1u8; 32]),
            (Encr::Cbc(CipherAlg::TripleDes), Integ::from_id(tf::AUTH_HMAC_SHA2_512_256), vec![1u8; 24]),
            (Encr::Gcm(16), None, vec![1u8; 20]),
            (Encr::Gcm(32), None, vec![1u8; 36]),
        ] {
            let ak = vec![7u8; integ.map(|i| i.key_len()).unwrap_or(0)];
            let k = SkKeys { encr, integ, ek: &ek, ak: &ak };
            let m = seal(hdr, &inner, k, &mut rng);
            let (first, chain) = open(&m, k).unwrap();
            assert_eq!(first, wire::payload::NONCE);
            assert_eq!(chain, inner.chain());
            let mut bad = m.clone();
            let n = bad.len();
            bad[n - 1] ^= 1;
            assert_eq!(open(&bad, k), Err(SkError::Integrity));
            let mut bad = m.clone();
            bad[20] ^= 1; // message ID is authenticated
            assert_eq!(open(&bad, k), Err(SkError::Integrity));
            // Random truncations never panic.
            for cut in 0..m.len() {
                let _ = open(&m[..cut], k);
            }
        }
    }

    #[test]
    fn psk_auth_follows_the_rfc_formula() {
        let prf = Prf::HmacSha1;
        let a = psk_auth(prf, b"secret", b"msg", b"nonce", b"skp", &[1, 0, 0, 0, 10, 0, 0, 1]);
        let inner = prf.prf(
            &prf.prf(b"secret", &[b"Key Pad for IKEv2"]),
            &[b"msgnonce", &prf.prf(b"skp", &[&[1, 0, 0, 0, 10, 0, 0, 1]])],
        );
        assert_eq!(a, inner);
    }
    #[test]
    fn aes_xcbc_prf_suite_keys_skeyseed_and_psk_auth() {
        assert_eq!((prf_from_id(tf::PRF_AES128_XCBC), prf_id(Prf::Aes128Xcbc)), (Some(Prf::Aes128Xcbc), 4));
        let s = Suite {
            encr: Encr::Cbc(CipherAlg::Aes(16)),
            prf: Prf::Aes128Xcbc,
            integ: Integ::from_id(tf::AUTH_HMAC_SHA1_96),
            group: 14,
        };
        let (ni, nr, gir) = ((0..32).collect::<Vec<u8>>(), (100..132).collect::<Vec<u8>>(), vec![3u8; 256]);
        let k = IkeKeys::derive(&s, &ni, &nr, &gir, &[4; 8], &[5; 8]);
        // SK_d, SK_pi and SK_pr are the PRF's 16 octets; SK_a* the integrity's key.
        assert_eq!((k.d.len(), k.pi.len(), k.pr.len(), k.ai.len(), k.ei.len()), (16, 16, 16, 20, 16));
        // SKEYSEED's key is the first 8 octets of Ni and of Nr (RFC 7296 2.14),
        // and prf+ runs AES-XCBC-PRF-128 (RFC 4434) over Ni | Nr | SPIi | SPIr.
        let skeyseed = crypto::aes_xcbc_prf128(&[&ni[..8], &nr[..8]].concat(), &[&gir]);
        let t1 = crypto::aes_xcbc_prf128(&skeyseed, &[&ni, &nr, &[4; 8], &[5; 8], &[1]]);
        assert_eq!(k.d, t1);
        // The PSK is a key of any length: RFC 4434 shortens it (not a truncation).
        let long_psk = b"a pre-shared key longer than sixteen octets";
        let a = psk_auth(Prf::Aes128Xcbc, long_psk, b"msg", b"nonce", &k.pi, &[1, 0, 0, 0, 10, 0, 0, 1]);
        let pad = crypto::aes_xcbc_prf128(long_psk, &[b"Key Pad for IKEv2"]);
        assert_eq!(
            a,
            crypto::aes_xcbc_prf128(
                &pad,
                &[b"msgnonce", &crypto::aes_xcbc_prf128(&k.pi, &[&[1, 0, 0, 0, 10, 0, 0, 1]])]
            )
            .to_vec()
        );
        assert_ne!(a, psk_auth(Prf::Aes128Xcbc, &long_psk[..16], b"msg", b"nonce", &k.pi, &[1, 0, 0, 0, 10, 0, 0, 1]));
        // Child keys come from prf+(SK_d, Ni | Nr) with the same PRF.
        let ((ei, ai), _) =
            child_keymat(Prf::Aes128Xcbc, &k.d, None, &ni, &nr, Some(EspEncr::Aes128Cbc), Some(EspAuth::HmacAesXcbc));
        assert_eq!((ei.len(), ai.len()), (16, 16));
        assert_eq!([ei, ai].concat(), crypto::prf_plus(MacAlg::AesXcbc, &k.d, &[&ni, &nr], 32));
    }
}
