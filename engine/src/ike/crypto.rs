//! The cryptographic building blocks IKE needs, on maintained crates
//! (RustCrypto): hashes and HMAC PRFs, AES-XCBC-MAC and AES-XCBC-PRF-128
//! (RFC 3566, RFC 4434: the `aes` block cipher and the `cbc-mac` crate),
//! DES/3DES/AES in CBC mode, and Diffie-Hellman over the MODP groups
//! (crypto-bigint, constant time) and the NIST curves (p256/p384). Nothing
//! here is a hand-written primitive.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use hmac::{Hmac, KeyInit, Mac};
use p256::elliptic_curve::sec1::ToSec1Point;
use rand::Rng;

use super::modp;

/// A hash function as negotiated in IKEv1 (and the PRF built on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

macro_rules! with_hash {
    ($alg:expr, $D:ident => $body:expr) => {
        match $alg {
            HashAlg::Md5 => {
                type $D = md5::Md5;
                $body
            }
            HashAlg::Sha1 => {
                type $D = sha1::Sha1;
                $body
            }
            HashAlg::Sha256 => {
                type $D = sha2::Sha256;
                $body
            }
            HashAlg::Sha384 => {
                type $D = sha2::Sha384;
                $body
            }
            HashAlg::Sha512 => {
                type $D = sha2::Sha512;
                $body
            }
        }
    };
}

impl HashAlg {
    pub fn len(self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }
    /// The hash of the concatenation of `parts`.
    pub fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        use sha2::Digest;
        with_hash!(self, D => {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        })
    }
    /// HMAC keyed with `key` over the concatenation of `parts`.
    pub fn prf(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        with_hash!(self, D => {
            let mut m = <Hmac<D> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        })
    }
}

/// A block cipher in CBC mode, as negotiated for IKEv1 messages and ESP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CipherAlg {
    Des,
    TripleDes,
    /// Key length in bytes: 16, 24 or 32.
    Aes(usize),
}

/// Why a CBC operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherError {
    BadKeyLength,
    NotBlockAligned,
}

fn cbc_apply<C>(key: &[u8], iv: &[u8], buf: &mut [u8], encrypt: bool) -> Result<(), CipherError>
where
    C: aes::cipher::BlockCipherEncrypt + aes::cipher::BlockCipherDecrypt + aes::cipher::KeyInit,
{
    use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
    let bs = <C as aes::cipher::BlockSizeUser>::block_size();
    if !buf.len().is_multiple_of(bs) {
        return Err(CipherError::NotBlockAligned);
    }
    // All the blocks in one call: the cipher's backend sets up once per
    // buffer (the VAES backends broadcast the round keys on every call), and
    // decryption, which CBC allows in parallel, runs several blocks at a time.
    let (blocks, _) = aes::cipher::inout::InOutBuf::from(buf).into_chunks::<C::BlockSize>();
    if encrypt {
        let mut m = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| CipherError::BadKeyLength)?;
        m.encrypt_blocks_inout(blocks);
    } else {
        let mut m = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| CipherError::BadKeyLength)?;
        m.decrypt_blocks_inout(blocks);
    }
    Ok(())
}

impl CipherAlg {
    pub fn block_size(self) -> usize {
        match self {
            CipherAlg::Des | CipherAlg::TripleDes => 8,
            CipherAlg::Aes(_) => 16,
        }
    }
    pub fn key_len(self) -> usize {
        match self {
            CipherAlg::Des => 8,
            CipherAlg::TripleDes => 24,
            CipherAlg::Aes(n) => n,
        }
    }
    /// Encrypts (or decrypts) `buf` in place; its length must be a multiple of the block size.
    pub fn cbc(self, key: &[u8], iv: &[u8], buf: &mut [u8], encrypt: bool) -> Result<(), CipherError> {
        if key.len() != self.key_len() || iv.len() != self.block_size() {
            return Err(CipherError::BadKeyLength);
        }
        match self {
            CipherAlg::Des => cbc_apply::<des::Des>(key, iv, buf, encrypt),
            CipherAlg::TripleDes => cbc_apply::<des::TdesEde3>(key, iv, buf, encrypt),
            CipherAlg::Aes(16) => cbc_apply::<aes::Aes128>(key, iv, buf, encrypt),
            CipherAlg::Aes(24) => cbc_apply::<aes::Aes192>(key, iv, buf, encrypt),
            CipherAlg::Aes(32) => cbc_apply::<aes::Aes256>(key, iv, buf, encrypt),
            CipherAlg::Aes(_) => Err(CipherError::BadKeyLength),
        }
    }
}

/// A Diffie-Hellman group by its IANA number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DhGroup(pub u16);

/// Why a peer's public value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DhError {
    UnsupportedGroup(u16),
    /// Wrong length, not on the curve, or a degenerate value (0, 1, p-1).
    BadPublicValue,
}

/// One side's ephemeral DH secret.
pub struct DhSecret {
    group: DhGroup,
    secret: Vec<u8>,
    /// Our public value as it goes into the KE payload.
    pub public: Vec<u8>,
}

impl std::fmt::Debug for DhSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DhSecret({:?}, <secret>)", self.group)
    }
}

impl DhGroup {
    pub const SUPPORTED: &'static [u16] = &[1, 2, 5, 14, 19, 20];

    pub fn is_supported(self) -> bool {
        Self::SUPPORTED.contains(&self.0)
    }
    fn modp_prime(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => modp::MODP_768,
            2 => modp::MODP_1024,
            5 => modp::MODP_1536,
            14 => modp::MODP_2048,
            _ => return None,
        })
    }
    /// Length of the public value in bytes.
    pub fn public_len(self) -> usize {
        match self.0 {
            1 => 96,
            2 => 128,
            5 => 192,
            14 => 256,
            19 => 64,
            20 => 96,
            _ => 0,
        }
    }
    /// Bits of exponent used for MODP groups: twice the group's security
    /// strength (RFC 3526 section 8), as strongSwan and IOS do.
    fn exponent_bits(self) -> u32 {
        match self.0 {
            1 => 160,
            2 => 180,
            5 => 240,
            _ => 320,
        }
    }
    fn modp_params(self) -> Option<(BoxedMontyParams, u32)> {
        let hex = self.modp_prime()?;
        let bytes = hex_to_bytes(hex);
        let bits = (bytes.len() * 8) as u32;
        let p = BoxedUint::from_be_slice(&bytes, bits).ok()?;
        let p = Option::<Odd<BoxedUint>>::from(Odd::new(p))?;
        Some((BoxedMontyParams::new_vartime(p), bits))
    }

    /// Makes an ephemeral key pair.
    pub fn generate(self, rng: &mut impl Rng) -> Result<DhSecret, DhError> {
        match self.0 {
            1 | 2 | 5 | 14 => {
                let (params, bits) = self.modp_params().ok_or(DhError::UnsupportedGroup(self.0))?;
                let mut x = vec![0u8; (self.exponent_bits() / 8) as usize];
                rng.fill_bytes(&mut x);
                x[0] |= 0x80;
                let exp = BoxedUint::from_be_slice(&x, bits).map_err(|_| DhError::BadPublicValue)?;
                let g = BoxedMontyForm::new(BoxedUint::from_be_slice(&[2], bits).expect("2 fits"), &params);
                let y = g.pow_bounded_exp(&exp, self.exponent_bits()).retrieve();
                Ok(DhSecret { group: self, secret: x, public: pad(&y.to_be_bytes(), self.public_len()) })
            }
            19 => {
                let sk = loop {
                    let mut b = [0u8; 32];
                    rng.fill_bytes(&mut b);
                    if let Ok(sk) = p256::SecretKey::from_slice(&b) {
                        break sk;
                    }
                };
                let pt = sk.public_key().to_sec1_point(false);
                Ok(DhSecret { group: self, secret: sk.to_bytes().to_vec(), public: pt.as_bytes()[1..].to_vec() })
            }
            20 => {
                let sk = loop {
                    let mut b = [0u8; 48];
                    rng.fill_bytes(&mut b);
                    if let Ok(sk) = p384::SecretKey::from_slice(&b) {
                        break sk;
                    }
                };
                let pt = sk.public_key().to_sec1_point(false);
                Ok(DhSecret { group: self, secret: sk.to_bytes().to_vec(), public: pt.as_bytes()[1..].to_vec() })
            }
            g => Err(DhError::UnsupportedGroup(g)),
        }
    }
}

impl DhSecret {
    pub fn group(&self) -> DhGroup {
        self.group
    }
    /// The shared secret g^xy, left-padded to the group's length (for ECP: the x coordinate).
    pub fn shared(&self, peer_public: &[u8]) -> Result<Vec<u8>, DhError> {
        let g = self.group;
        if peer_public.len() != g.public_len() {
            return Err(DhError::BadPublicValue);
        }
        match g.0 {
            1 | 2 | 5 | 14 => {
                let (params, bits) = g.modp_params().ok_or(DhError::UnsupportedGroup(g.0))?;
                let y = BoxedUint::from_be_slice(peer_public, bits).map_err(|_| DhError::BadPublicValue)?;
                // Refuse 0, 1 and p-1 (and anything >= p), which would force the secret.
                let p = hex_to_bytes(g.modp_prime().ok_or(DhError::UnsupportedGroup(g.0))?);
                let mut pm1 = p.clone();
                // p is odd (its last octet is 0xff), so p - 1 only changes the last octet.
                if let Some(last) = pm1.last_mut() {
                    *last = last.wrapping_sub(1);
                }
                if peer_public >= &p[..]
                    || peer_public == &pm1[..]
                    || peer_public.iter().rev().skip(1).all(|b| *b == 0)
                        && peer_public.last().copied().unwrap_or(0) <= 1
                {
                    return Err(DhError::BadPublicValue);
                }
                let exp = BoxedUint::from_be_slice(&self.secret, bits).map_err(|_| DhError::BadPublicValue)?;
                let z = BoxedMontyForm::new(y, &params).pow_bounded_exp(&exp, g.exponent_bits()).retrieve();
                Ok(pad(&z.to_be_bytes(), g.public_len()))
            }
            19 => {
                let mut sec1 = vec![4u8];
                sec1.extend_from_slice(peer_public);
                let pk = p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| DhError::BadPublicValue)?;
                let sk = p256::SecretKey::from_slice(&self.secret).map_err(|_| DhError::BadPublicValue)?;
                let z = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
                Ok(z.raw_secret_bytes().to_vec())
            }
            20 => {
                let mut sec1 = vec![4u8];
                sec1.extend_from_slice(peer_public);
                let pk = p384::PublicKey::from_sec1_bytes(&sec1).map_err(|_| DhError::BadPublicValue)?;
                let sk = p384::SecretKey::from_slice(&self.secret).map_err(|_| DhError::BadPublicValue)?;
                let z = p384::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
                Ok(z.raw_secret_bytes().to_vec())
            }
            other => Err(DhError::UnsupportedGroup(other)),
        }
    }
}

fn pad(b: &[u8], len: usize) -> Vec<u8> {
    let b = if b.len() > len { &b[b.len() - len..] } else { b };
    let mut v = vec![0u8; len - b.len()];
    v.extend_from_slice(b);
    v
}

pub fn hex_to_bytes(h: &str) -> Vec<u8> {
    let h: Vec<u8> = h.bytes().filter(|c| c.is_ascii_hexdigit()).collect();
    h.chunks(2).map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap_or("0"), 16).unwrap_or(0)).collect()
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// IKEv1 key expansion (RFC 2409 appendix B): K1 = prf(K, 0), Kn = prf(K, Kn-1),
/// used when SKEYID_e is shorter than the cipher key.
pub fn expand_v1_key(prf: HashAlg, skeyid_e: &[u8], len: usize) -> Vec<u8> {
    if skeyid_e.len() >= len {
        return skeyid_e[..len].to_vec();
    }
    let mut out = Vec::new();
    let mut k = prf.prf(skeyid_e, &[&[0u8]]);
    while out.len() < len {
        out.extend_from_slice(&k);
        k = prf.prf(skeyid_e, &[&k]);
    }
    out.truncate(len);
    out
}

/// Length of the AES-GCM integrity check value used by IKEv2 and ESP (RFC 4106, 5282).
pub const GCM16_ICV: usize = 16;

/// AES-GCM with a 16-octet tag (aes-gcm crate) over `buf` in place: with
/// `tag` None it encrypts and returns the tag, with a tag it decrypts and
/// checks it. `key` is 16, 24 or 32 octets (without the salt), `nonce` 12.
pub fn aes_gcm16(
    key: &[u8],
    nonce: &[u8; 12],
    aad: &[u8],
    buf: &mut [u8],
    tag: Option<&[u8]>,
) -> Result<[u8; GCM16_ICV], CipherError> {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    fn run<A: AeadInOut + KeyInit>(
        key: &[u8],
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: Option<&[u8]>,
    ) -> Result<[u8; GCM16_ICV], CipherError> {
        let c = A::new_from_slice(key).map_err(|_| CipherError::BadKeyLength)?;
        let n = aes_gcm::aead::Nonce::<A>::try_from(&nonce[..]).map_err(|_| CipherError::BadKeyLength)?;
        match tag {
            None => {
                let t = c.encrypt_inout_detached(&n, aad, buf.into()).map_err(|_| CipherError::NotBlockAligned)?;
                let mut out = [0u8; GCM16_ICV];
                out.copy_from_slice(&t[..GCM16_ICV]);
                Ok(out)
            }
            Some(t) => {
                let t = aes_gcm::aead::Tag::<A>::try_from(t).map_err(|_| CipherError::NotBlockAligned)?;
                c.decrypt_inout_detached(&n, aad, buf.into(), &t).map_err(|_| CipherError::NotBlockAligned)?;
                Ok([0; GCM16_ICV])
            }
        }
    }
    match key.len() {
        16 => run::<aes_gcm::Aes128Gcm>(key, nonce, aad, buf, tag),
        24 => run::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>(key, nonce, aad, buf, tag),
        32 => run::<aes_gcm::Aes256Gcm>(key, nonce, aad, buf, tag),
        _ => Err(CipherError::BadKeyLength),
    }
}

/// AES-XCBC-MAC (RFC 3566) with its full 128-bit output over the
/// concatenation of `parts`. Composed of RustCrypto parts as the RFC
/// defines it: the `aes` block cipher under the key K derives K1, K2 and K3
/// (AES-K of 0x01.., 0x02.., 0x03..); the message's last block is XORed
/// with K2 when it is complete, or padded with 0x80 0x00.. and XORed with
/// K3 when it is not (an empty message is one incomplete block); and the
/// `cbc-mac` crate runs CBC-MAC under K1 (zero IV) over the result.
pub fn aes_xcbc_mac(key: &[u8; 16], parts: &[&[u8]]) -> [u8; 16] {
    use aes::cipher::{BlockCipherEncrypt, KeyInit as _};
    use cbc_mac::Mac as _;
    let k = aes::Aes128::new(key.into());
    let derive = |c: u8| {
        let mut b = aes::Block::from([c; 16]);
        k.encrypt_block(&mut b);
        <[u8; 16]>::from(b)
    };
    let (k1, k2, k3) = (derive(1), derive(2), derive(3));
    let mut m: Vec<u8> = parts.concat();
    let complete = !m.is_empty() && m.len().is_multiple_of(16);
    if !complete {
        m.push(0x80);
        m.resize(m.len().next_multiple_of(16), 0);
    }
    let last = m.len() - 16;
    for (b, t) in m[last..].iter_mut().zip(if complete { k2 } else { k3 }) {
        *b ^= t;
    }
    let mut mac = <cbc_mac::CbcMac<aes::Aes128> as cbc_mac::KeyInit>::new(&k1.into());
    mac.update(&m);
    mac.finalize().into_bytes().into()
}

/// AES-XCBC-PRF-128 (RFC 4434): AES-XCBC-MAC with its full output, for
/// keys of any length: a shorter key is padded with zeros to 16 octets, a
/// longer one replaced by AES-XCBC-MAC(0^128, key).
pub fn aes_xcbc_prf128(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    let mut k = [0u8; 16];
    if key.len() <= 16 {
        k[..key.len()].copy_from_slice(key);
    } else {
        k = aes_xcbc_mac(&[0; 16], &[key]);
    }
    aes_xcbc_mac(&k, parts)
}

/// A keyed MAC as IKEv2's PRFs and IPsec's integrity transforms use it:
/// HMAC over a hash, or AES-XCBC (RFC 3566 as a MAC, RFC 4434 as a PRF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MacAlg {
    Hmac(HashAlg),
    AesXcbc,
}

impl MacAlg {
    /// Octets of the full output (an ICV is its first octets; a PRF's is all of it).
    pub fn len(self) -> usize {
        match self {
            MacAlg::Hmac(h) => h.len(),
            MacAlg::AesXcbc => 16,
        }
    }
    /// The MAC keyed with `key` over the concatenation of `parts`. AES-XCBC
    /// takes keys of any length as RFC 4434 says; with the 16-octet keys of
    /// integrity (RFC 3566) that is AES-XCBC-MAC itself.
    pub fn prf(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        match self {
            MacAlg::Hmac(h) => h.prf(key, parts),
            MacAlg::AesXcbc => aes_xcbc_prf128(key, parts).to_vec(),
        }
    }
}

/// IKEv2 prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
/// concatenated and cut to `len` octets (at most 255 blocks).
pub fn prf_plus(prf: MacAlg, key: &[u8], seed: &[&[u8]], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + prf.len());
    let mut t: Vec<u8> = Vec::new();
    let mut n = 1u8;
    while out.len() < len && n != 0 {
        let nb = [n];
        let mut parts: Vec<&[u8]> = Vec::with_capacity(seed.len() + 2);
        parts.push(&t);
        parts.extend_from_slice(seed);
        parts.push(&nb);
        t = prf.prf(key, &parts);
        out.extend_from_slice(&t);
        n = n.wrapping_add(1);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hmac_known_answers() {
        // RFC 2202 test case 2 (HMAC-MD5 and HMAC-SHA1, key "Jefe").
        let d = b"what do ya want for nothing?";
        assert_eq!(hex(&HashAlg::Md5.prf(b"Jefe", &[d])), "750c783e6ab0b503eaa86e310a5db738");
        assert_eq!(hex(&HashAlg::Sha1.prf(b"Jefe", &[&d[..10], &d[10..]])), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        // RFC 4231 test case 2 (HMAC-SHA256).
        assert_eq!(
            hex(&HashAlg::Sha256.prf(b"Jefe", &[d])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn aes_xcbc_mac_96_rfc3566_test_cases() {
        // RFC 3566 section 4: key 000102..0f, messages 00 01 02 .. of each length.
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let msg = |n: usize| (0..n).map(|i| i as u8).collect::<Vec<u8>>();
        for (n, mac) in [
            (0, "75f0251d528ac01c4573dfd584d79f29"),
            (3, "5b376580ae2f19afe7219ceef172756f"),
            (16, "d2a246fa349b68a79998a4394ff7a263"),
            (20, "47f51b4564966215b8985c63055ed308"),
            (32, "f54f0ec8d2b9f3d36807734bd5283fd4"),
            (34, "becbb3bccdb518a30677d5481fb6b4d8"),
        ] {
            assert_eq!(hex(&aes_xcbc_mac(&key, &[&msg(n)])), mac, "{n}-octet message");
            // The message may come in parts; -96 is the first 12 octets.
            let m = msg(n);
            let (a, b) = m.split_at(n / 3);
            assert_eq!(hex(&MacAlg::AesXcbc.prf(&key, &[a, b])[..12]), mac[..24], "{n} in parts");
        }
        // Test case #7: 1000 zero octets.
        assert_eq!(hex(&aes_xcbc_mac(&key, &[&[0u8; 1000]])), "f0dafee895db30253761103b5d84528f");
    }

    #[test]
    fn aes_xcbc_prf_128_rfc4434_keys_of_other_lengths() {
        let msg: Vec<u8> = (0..20).collect();
        for (key, out) in [
            ("000102030405060708090a0b0c0d0e0f", "47f51b4564966215b8985c63055ed308"),
            ("00010203040506070809", "0fa087af7d866e7653434e602fdde835"),
            ("000102030405060708090a0b0c0d0e0fedcb", "8cd3c93ae598a9803006ffb67c40e9e4"),
        ] {
            assert_eq!(hex(&aes_xcbc_prf128(&hex_to_bytes(key), &[&msg])), out, "key {key}");
            assert_eq!(hex(&MacAlg::AesXcbc.prf(&hex_to_bytes(key), &[&msg])), out);
        }
        assert_eq!(MacAlg::AesXcbc.len(), 16);
        // prf+ over AES-XCBC-PRF-128: T1 = prf(K, S | 1), T2 = prf(K, T1 | S | 2).
        let k = hex_to_bytes("00010203040506070809");
        let t1 = aes_xcbc_prf128(&k, &[b"seed", &[1]]);
        let t2 = aes_xcbc_prf128(&k, &[&t1, b"seed", &[2]]);
        assert_eq!(prf_plus(MacAlg::AesXcbc, &k, &[b"seed"], 20), [&t1[..], &t2[..4]].concat());
    }

    #[test]
    fn cbc_round_trips_and_refuses_bad_input() {
        for (alg, klen) in
            [(CipherAlg::Des, 8), (CipherAlg::TripleDes, 24), (CipherAlg::Aes(16), 16), (CipherAlg::Aes(32), 32)]
        {
            let key = vec![7u8; klen];
            let iv = vec![9u8; alg.block_size()];
            let plain: Vec<u8> = (0..64u8).collect();
            let mut buf = plain.clone();
            alg.cbc(&key, &iv, &mut buf, true).unwrap();
            assert_ne!(buf, plain);
            alg.cbc(&key, &iv, &mut buf, false).unwrap();
            assert_eq!(buf, plain);
            assert_eq!(alg.cbc(&key, &iv, &mut buf[..5], true), Err(CipherError::NotBlockAligned));
            assert_eq!(alg.cbc(&key[..klen - 1], &iv, &mut buf, true), Err(CipherError::BadKeyLength));
        }
        // FIPS 197 appendix C.1 through CBC with a zero IV (one block = ECB).
        let mut b = hex_to_bytes("00112233445566778899aabbccddeeff");
        CipherAlg::Aes(16).cbc(&hex_to_bytes("000102030405060708090a0b0c0d0e0f"), &[0; 16], &mut b, true).unwrap();
        assert_eq!(hex(&b), "69c4e0d86a7b0430d8cdb78070b4c55a");
    }

    #[test]
    fn dh_agrees_in_every_group_and_refuses_degenerate_values() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for &g in DhGroup::SUPPORTED {
            let g = DhGroup(g);
            let a = g.generate(&mut rng).unwrap();
            let b = g.generate(&mut rng).unwrap();
            assert_eq!(a.public.len(), g.public_len());
            let s1 = a.shared(&b.public).unwrap();
            let s2 = b.shared(&a.public).unwrap();
            assert_eq!(s1, s2, "group {}", g.0);
            assert!(a.shared(&b.public[1..]).is_err());
        }
        let a = DhGroup(2).generate(&mut rng).unwrap();
        let mut one = vec![0u8; 128];
        one[127] = 1;
        assert_eq!(a.shared(&one), Err(DhError::BadPublicValue));
        assert_eq!(a.shared(&[0xff; 128]), Err(DhError::BadPublicValue));
        assert_eq!(DhGroup(19).generate(&mut rng).unwrap().shared(&[1u8; 64]), Err(DhError::BadPublicValue));
    }
}
