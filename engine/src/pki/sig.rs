//! Signatures: owns the public keys of certificates (RSA, ECDSA P-256 and
//! P-384), the signature algorithms X.509 and IKE name (PKCS#1 v1.5 with
//! SHA-1/2, RSASSA-PSS, ECDSA with SHA-2), verifying and making signatures
//! with RustCrypto's `rsa`, `p256`, `p384` (no primitive by hand). The
//! router's own key is [`PrivateKey`]; reading, writing and generating it
//! is [`super::keys`] (the one loader).

use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use signature::hazmat::{PrehashSigner, PrehashVerifier};
use spki::AlgorithmIdentifierOwned;

/// A hash a signature is made over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        use sha2::Digest;
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        let _ = sha2::Sha256::new;
        match self {
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
    /// RFC 7427 4: the hash algorithm numbers of SIGNATURE_HASH_ALGORITHMS.
    pub fn ike_id(self) -> u16 {
        match self {
            Hash::Sha1 => 1,
            Hash::Sha256 => 2,
            Hash::Sha384 => 3,
            Hash::Sha512 => 4,
        }
    }
    pub fn from_ike_id(id: u16) -> Option<Hash> {
        Some(match id {
            1 => Hash::Sha1,
            2 => Hash::Sha256,
            3 => Hash::Sha384,
            4 => Hash::Sha512,
            _ => return None,
        })
    }
}

/// A signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigAlg {
    /// RSASSA-PKCS1-v1_5 with the hash's DigestInfo.
    RsaPkcs1(Hash),
    /// RSASSA-PKCS1-v1_5 over the data itself, no DigestInfo (IKEv1 RSA signatures, RFC 2409 5.1).
    RsaPkcs1Raw,
    /// RSASSA-PSS, MGF1 with the same hash, salt as long as the hash.
    RsaPss(Hash),
    /// ECDSA, the signature DER-encoded (X.509, RFC 7427).
    Ecdsa(Hash),
    /// ECDSA, the signature as r | s of the curve's size (RFC 4754, IKE methods 9 to 11).
    EcdsaRaw(Hash),
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_PSS: &str = "1.2.840.113549.1.1.10";

fn rsa_oid(h: Hash) -> &'static str {
    match h {
        Hash::Sha1 => "1.2.840.113549.1.1.5",
        Hash::Sha256 => "1.2.840.113549.1.1.11",
        Hash::Sha384 => "1.2.840.113549.1.1.12",
        Hash::Sha512 => "1.2.840.113549.1.1.13",
    }
}
fn ecdsa_oid(h: Hash) -> &'static str {
    match h {
        Hash::Sha1 => "1.2.840.10045.4.1",
        Hash::Sha256 => "1.2.840.10045.4.3.2",
        Hash::Sha384 => "1.2.840.10045.4.3.3",
        Hash::Sha512 => "1.2.840.10045.4.3.4",
    }
}
fn hash_of_oid(o: &str) -> Option<Hash> {
    Some(match o {
        "1.3.14.3.2.26" => Hash::Sha1,
        "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
        "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
        "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
        _ => return None,
    })
}

impl SigAlg {
    /// The scheme an AlgorithmIdentifier names (certificate signatures, RFC 7427 AUTH data).
    pub fn from_x509(a: &spki::AlgorithmIdentifierOwned) -> Option<SigAlg> {
        let o = a.oid.to_string();
        for h in [Hash::Sha1, Hash::Sha256, Hash::Sha384, Hash::Sha512] {
            if o == rsa_oid(h) {
                return Some(SigAlg::RsaPkcs1(h));
            }
            if o == ecdsa_oid(h) {
                return Some(SigAlg::Ecdsa(h));
            }
        }
        if o == OID_PSS {
            // RSASSA-PSS-params (RFC 4055): the hash; MGF1 with the same hash and a salt of its length are what we make and accept.
            let p = a.parameters.as_ref()?;
            let pd = p.to_der().ok()?;
            let params = rsa::pkcs1::RsaPssParams::from_der(&pd).ok()?;
            let h = hash_of_oid(&params.hash.oid.to_string())?;
            return Some(SigAlg::RsaPss(h));
        }
        None
    }

    /// The AlgorithmIdentifier's DER (RFC 7427 AUTH data; appendix A gives these encodings).
    pub fn to_x509_der(self) -> Option<Vec<u8>> {
        let oid = |s: &str| der::oid::ObjectIdentifier::new(s).ok();
        let a = match self {
            SigAlg::RsaPkcs1(h) => {
                AlgorithmIdentifierOwned { oid: oid(rsa_oid(h))?, parameters: Some(der::asn1::Null.into()) }
            }
            SigAlg::Ecdsa(h) => AlgorithmIdentifierOwned { oid: oid(ecdsa_oid(h))?, parameters: None },
            SigAlg::RsaPss(h) => {
                let params = match h {
                    Hash::Sha1 => return None,
                    Hash::Sha256 => rsa::pkcs1::RsaPssParams::new::<sha2::Sha256>(32),
                    Hash::Sha384 => rsa::pkcs1::RsaPssParams::new::<sha2::Sha384>(48),
                    Hash::Sha512 => rsa::pkcs1::RsaPssParams::new::<sha2::Sha512>(64),
                };
                let any = der::asn1::Any::from_der(&params.to_der().ok()?).ok()?;
                AlgorithmIdentifierOwned { oid: oid(OID_PSS)?, parameters: Some(any) }
            }
            SigAlg::RsaPkcs1Raw | SigAlg::EcdsaRaw(_) => return None,
        };
        a.to_der().ok()
    }

    pub fn hash(self) -> Option<Hash> {
        match self {
            SigAlg::RsaPkcs1(h) | SigAlg::RsaPss(h) | SigAlg::Ecdsa(h) | SigAlg::EcdsaRaw(h) => Some(h),
            SigAlg::RsaPkcs1Raw => None,
        }
    }
}

/// A certificate's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// From a SubjectPublicKeyInfo's DER.
    pub fn from_spki_der(spki_der: &[u8]) -> Result<PublicKey, String> {
        let info = spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|e| format!("bad public key ({e})"))?;
        match info.algorithm.oid.to_string().as_str() {
            OID_RSA => rsa::RsaPublicKey::from_public_key_der(spki_der)
                .map(PublicKey::Rsa)
                .map_err(|e| format!("bad RSA public key ({e})")),
            OID_EC => {
                let curve = info
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<der::oid::ObjectIdentifier>().ok())
                    .map(|o| o.to_string());
                let point = info.subject_public_key.raw_bytes();
                match curve.as_deref() {
                    Some(OID_P256) => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map(PublicKey::P256)
                        .map_err(|_| "bad P-256 public key".to_string()),
                    Some(OID_P384) => p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map(PublicKey::P384)
                        .map_err(|_| "bad P-384 public key".to_string()),
                    other => Err(format!("elliptic curve {} not supported", other.unwrap_or("(none)"))),
                }
            }
            other => Err(format!("public key algorithm {other} not supported")),
        }
    }

    pub fn is_rsa(&self) -> bool {
        matches!(self, PublicKey::Rsa(_))
    }

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        match self {
            PublicKey::Rsa(k) => rsa::traits::PublicKeyParts::size(k) * 8,
            PublicKey::P256(_) => 256,
            PublicKey::P384(_) => 384,
        }
    }

    /// Whether `sig` is `alg`'s signature of `data` with this key.
    pub fn verify(&self, alg: SigAlg, data: &[&[u8]], sig: &[u8]) -> bool {
        match (self, alg) {
            (PublicKey::Rsa(k), SigAlg::RsaPkcs1(h)) => {
                let Ok(s) = rsa::pkcs1v15::Signature::try_from(sig) else { return false };
                let d = h.digest(data);
                match h {
                    Hash::Sha1 => {
                        rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(k.clone()).verify_prehash(&d, &s).is_ok()
                    }
                    Hash::Sha256 => {
                        rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k.clone()).verify_prehash(&d, &s).is_ok()
                    }
                    Hash::Sha384 => {
                        rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(k.clone()).verify_prehash(&d, &s).is_ok()
                    }
                    Hash::Sha512 => {
                        rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(k.clone()).verify_prehash(&d, &s).is_ok()
                    }
                }
            }
            (PublicKey::Rsa(k), SigAlg::RsaPkcs1Raw) => {
                let Ok(s) = rsa::pkcs1v15::Signature::try_from(sig) else { return false };
                let msg: Vec<u8> = data.concat();
                rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new_unprefixed(k.clone()).verify_prehash(&msg, &s).is_ok()
            }
            (PublicKey::Rsa(k), SigAlg::RsaPss(h)) => {
                let Ok(s) = rsa::pss::Signature::try_from(sig) else { return false };
                let d = h.digest(data);
                match h {
                    Hash::Sha1 => rsa::pss::VerifyingKey::<sha1::Sha1>::new_with_auto_salt_len(k.clone())
                        .verify_prehash(&d, &s)
                        .is_ok(),
                    Hash::Sha256 => rsa::pss::VerifyingKey::<sha2::Sha256>::new_with_auto_salt_len(k.clone())
                        .verify_prehash(&d, &s)
                        .is_ok(),
                    Hash::Sha384 => rsa::pss::VerifyingKey::<sha2::Sha384>::new_with_auto_salt_len(k.clone())
                        .verify_prehash(&d, &s)
                        .is_ok(),
                    Hash::Sha512 => rsa::pss::VerifyingKey::<sha2::Sha512>::new_with_auto_salt_len(k.clone())
                        .verify_prehash(&d, &s)
                        .is_ok(),
                }
            }
            (PublicKey::P256(k), SigAlg::Ecdsa(h) | SigAlg::EcdsaRaw(h)) => {
                let s = if matches!(alg, SigAlg::Ecdsa(_)) {
                    p256::ecdsa::Signature::from_der(sig)
                } else {
                    p256::ecdsa::Signature::from_slice(sig)
                };
                s.is_ok_and(|s| k.verify_prehash(&h.digest(data), &s).is_ok())
            }
            (PublicKey::P384(k), SigAlg::Ecdsa(h) | SigAlg::EcdsaRaw(h)) => {
                let s = if matches!(alg, SigAlg::Ecdsa(_)) {
                    p384::ecdsa::Signature::from_der(sig)
                } else {
                    p384::ecdsa::Signature::from_slice(sig)
                };
                s.is_ok_and(|s| k.verify_prehash(&h.digest(data), &s).is_ok())
            }
            _ => false,
        }
    }
}

/// This router's private key (never printed: Debug shows its kind only).
/// Read, written and generated by [`super::keys`].
#[derive(Clone)]
pub enum PrivateKey {
    Rsa(rsa::RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}, {} bits)", if self.public().is_rsa() { "RSA" } else { "ECDSA" }, self.public().bits())
    }
}

impl PartialEq for PrivateKey {
    /// Keys are the same when their public halves are.
    fn eq(&self, other: &Self) -> bool {
        self.public() == other.public()
    }
}
impl Eq for PrivateKey {}

impl PrivateKey {
    pub fn public(&self) -> PublicKey {
        match self {
            PrivateKey::Rsa(k) => PublicKey::Rsa(k.to_public_key()),
            PrivateKey::P256(k) => PublicKey::P256(*k.verifying_key()),
            PrivateKey::P384(k) => PublicKey::P384(*k.verifying_key()),
        }
    }

    /// The scheme this key signs with when the peer accepts RFC 7427 with `hashes`:
    /// RSA PKCS#1 v1.5 or ECDSA, with SHA-256 when offered (else the curve's hash).
    pub fn default_alg(&self, hashes: &[Hash]) -> SigAlg {
        let pick = |pref: Hash| {
            if hashes.is_empty() || hashes.contains(&pref) {
                pref
            } else {
                [Hash::Sha256, Hash::Sha384, Hash::Sha512].into_iter().find(|h| hashes.contains(h)).unwrap_or(pref)
            }
        };
        match self {
            PrivateKey::Rsa(_) => SigAlg::RsaPkcs1(pick(Hash::Sha256)),
            PrivateKey::P256(_) => SigAlg::Ecdsa(pick(Hash::Sha256)),
            PrivateKey::P384(_) => SigAlg::Ecdsa(pick(Hash::Sha384)),
        }
    }

    /// `alg`'s signature of `data`; None when this key cannot make it.
    pub fn sign(&self, alg: SigAlg, data: &[&[u8]], rng: &mut (impl rand::CryptoRng + ?Sized)) -> Option<Vec<u8>> {
        use signature::SignatureEncoding;
        use signature::hazmat::RandomizedPrehashSigner;
        match (self, alg) {
            (PrivateKey::Rsa(k), SigAlg::RsaPkcs1(h)) => {
                let d = h.digest(data);
                let s = match h {
                    Hash::Sha1 => rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(k.clone()).sign_prehash(&d),
                    Hash::Sha256 => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.clone()).sign_prehash(&d),
                    Hash::Sha384 => rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(k.clone()).sign_prehash(&d),
                    Hash::Sha512 => rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(k.clone()).sign_prehash(&d),
                };
                s.ok().map(|s| s.to_vec())
            }
            (PrivateKey::Rsa(k), SigAlg::RsaPkcs1Raw) => {
                let msg: Vec<u8> = data.concat();
                rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new_unprefixed(k.clone())
                    .sign_prehash(&msg)
                    .ok()
                    .map(|s| s.to_vec())
            }
            (PrivateKey::Rsa(k), SigAlg::RsaPss(h)) => {
                let d = h.digest(data);
                let s = match h {
                    Hash::Sha1 => return None,
                    Hash::Sha256 => rsa::pss::SigningKey::<sha2::Sha256>::new(k.clone()).sign_prehash_with_rng(rng, &d),
                    Hash::Sha384 => rsa::pss::SigningKey::<sha2::Sha384>::new(k.clone()).sign_prehash_with_rng(rng, &d),
                    Hash::Sha512 => rsa::pss::SigningKey::<sha2::Sha512>::new(k.clone()).sign_prehash_with_rng(rng, &d),
                };
                s.ok().map(|s| s.to_vec())
            }
            (PrivateKey::P256(k), SigAlg::Ecdsa(h) | SigAlg::EcdsaRaw(h)) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(&h.digest(data)).ok()?;
                Some(if matches!(alg, SigAlg::Ecdsa(_)) {
                    s.to_der().as_bytes().to_vec()
                } else {
                    s.to_bytes().to_vec()
                })
            }
            (PrivateKey::P384(k), SigAlg::Ecdsa(h) | SigAlg::EcdsaRaw(h)) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(&h.digest(data)).ok()?;
                Some(if matches!(alg, SigAlg::Ecdsa(_)) {
                    s.to_der().as_bytes().to_vec()
                } else {
                    s.to_bytes().to_vec()
                })
            }
            _ => None,
        }
    }
}
