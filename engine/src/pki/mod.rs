//! Certificates for IKE signature authentication: owns decoding X.509
//! certificates and CRLs (PEM or DER, RustCrypto `x509-cert`/`der`; no
//! ASN.1 by hand), the identities a certificate carries (subject DN,
//! subjectAltName IP/FQDN/email) and whether an IKE identity is one of
//! them ([`ident`]), chain validation to configured trust anchors on the
//! engine's clock with key usage and CRLs read from files ([`validate`]),
//! signature verification and signing with RSA (PKCS#1 v1.5, RSASSA-PSS)
//! and ECDSA P-256/P-384 ([`sig`]).
//!
//! The router's own private keys have one type ([`sig::PrivateKey`]) and
//! one loader: [`keys`] generates, reads (PKCS#8, PKCS#1, SEC1 PEM; RSA
//! under 1024 bits refused) and stores them under
//! `<state dir>/pki/keys/<label>.pem` (0600, a readable file refused);
//! certificate requests are [`csr`]. What a peer authenticates with is a
//! [`PeerPki`], built by the dialects and carried in the peer configuration.

pub mod certmap;
pub mod csr;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ident;
pub mod keys;
pub mod sig;
pub mod validate;

pub use ident::CertId;
pub use sig::{Hash, PrivateKey, PublicKey, SigAlg};
pub use validate::{CertError, TrustStore};

use der::{Decode, Encode};
use std::net::IpAddr;
use std::sync::Arc;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectAltName, name::GeneralName};

/// A subjectAltName entry the engine uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum San {
    Dns(String),
    Ip(IpAddr),
    Email(String),
}

/// A decoded certificate with what validation and identities need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cert {
    /// The encoding as received or configured.
    pub der: Vec<u8>,
    pub cert: Certificate,
    /// The subject and issuer names' DER (compared byte for byte, as RFC 5280 7.1 allows for names issued by one CA).
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// The subject in RFC 4514 text (`C=US,O=Edgesh Test,CN=right`, in encoding order).
    pub subject: String,
    pub issuer: String,
    /// The serial number's bytes as encoded.
    pub serial: Vec<u8>,
    /// Validity, seconds since the epoch.
    pub not_before: u64,
    pub not_after: u64,
    pub key: PublicKey,
    /// The DER of the SubjectPublicKeyInfo (CERTREQ hashes it, RFC 7296 3.7).
    pub spki_der: Vec<u8>,
    pub sans: Vec<San>,
    /// Key usage bits (bit 0 digitalSignature ... bit 8 decipherOnly), when present.
    pub key_usage: Option<u16>,
    /// Basic constraints cA, when present.
    pub is_ca: Option<bool>,
}

/// Why bytes are not a certificate (or CRL): the decoder's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Cert {
    /// Decode one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Cert, Malformed> {
        let cert = Certificate::from_der(der).map_err(|e| Malformed(format!("not an X.509 certificate ({e})")))?;
        let tbs = cert.tbs_certificate();
        let enc = |n: &x509_cert::name::Name| n.to_der().map_err(|e| Malformed(format!("bad name ({e})")));
        let spki = tbs.subject_public_key_info();
        let spki_der = spki.to_der().map_err(|e| Malformed(format!("bad public key ({e})")))?;
        let key = PublicKey::from_spki_der(&spki_der).map_err(Malformed)?;
        let bad = |what: &str| Malformed(format!("bad {what} extension"));
        let key_usage = tbs.get_extension::<KeyUsage>().map_err(|_| bad("key usage"))?.map(|(_, ku)| ku.0.bits());
        let is_ca = tbs.get_extension::<BasicConstraints>().map_err(|_| bad("basic constraints"))?.map(|(_, bc)| bc.ca);
        let mut sans = Vec::new();
        if let Some((_, san)) = tbs.get_extension::<SubjectAltName>().map_err(|_| bad("subject alternative name"))? {
            for g in san.0.iter() {
                match g {
                    GeneralName::DnsName(s) => sans.push(San::Dns(s.to_string())),
                    GeneralName::Rfc822Name(s) => sans.push(San::Email(s.to_string())),
                    GeneralName::IpAddress(o) => match o.as_bytes().len() {
                        4 => sans.push(San::Ip(IpAddr::from(<[u8; 4]>::try_from(o.as_bytes()).unwrap_or_default()))),
                        16 => sans.push(San::Ip(IpAddr::from(<[u8; 16]>::try_from(o.as_bytes()).unwrap_or_default()))),
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        Ok(Cert {
            der: der.to_vec(),
            subject_der: enc(tbs.subject())?,
            issuer_der: enc(tbs.issuer())?,
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: tbs.serial_number().as_bytes().to_vec(),
            not_before: tbs.validity().not_before.to_unix_duration().as_secs(),
            not_after: tbs.validity().not_after.to_unix_duration().as_secs(),
            key,
            spki_der,
            sans,
            key_usage,
            is_ca,
            cert,
        })
    }

    /// The DER of the to-be-signed part and the signature over it.
    pub fn signed_parts(&self) -> Result<(Vec<u8>, SigAlg, Vec<u8>), Malformed> {
        let tbs = self.cert.tbs_certificate().to_der().map_err(|e| Malformed(format!("bad certificate ({e})")))?;
        let alg = SigAlg::from_x509(self.cert.signature_algorithm()).ok_or_else(|| {
            Malformed(format!("signature algorithm {} not supported", self.cert.signature_algorithm().oid))
        })?;
        Ok((tbs, alg, self.cert.signature().raw_bytes().to_vec()))
    }

    /// SHA-1 of the SubjectPublicKeyInfo: the CA hash of an IKEv2 CERTREQ.
    pub fn spki_sha1(&self) -> [u8; 20] {
        use sha1::Digest;
        sha1::Sha1::digest(&self.spki_der).into()
    }

    /// Whether the key may sign certificates (basic constraints cA, and keyCertSign when key usage is present).
    pub fn may_sign_certs(&self) -> bool {
        self.is_ca == Some(true) && self.key_usage.is_none_or(|k| k & (1 << 5) != 0)
    }
}

/// Every certificate in `bytes`: PEM blocks (`-----BEGIN CERTIFICATE-----`), else one DER certificate.
pub fn parse_certs(bytes: &[u8]) -> Result<Vec<Cert>, Malformed> {
    if bytes.starts_with(b"-----")
        || bytes.iter().take(64).all(|b| b.is_ascii())
            && std::str::from_utf8(bytes).is_ok_and(|s| s.contains("-----BEGIN"))
    {
        let text = std::str::from_utf8(bytes).map_err(|_| Malformed("PEM that is not text".into()))?;
        let mut v = Vec::new();
        for der in pem_blocks(text, "CERTIFICATE")? {
            v.push(Cert::from_der(&der)?);
        }
        if v.is_empty() {
            return Err(Malformed("no CERTIFICATE block".into()));
        }
        return Ok(v);
    }
    Ok(vec![Cert::from_der(bytes)?])
}

/// The DER of every PEM block labelled `label` in `text` (decoded by `pem-rfc7468` through `der`).
pub fn pem_blocks(text: &str, label: &str) -> Result<Vec<Vec<u8>>, Malformed> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&begin) {
        let after = &rest[i..];
        let Some(j) = after.find(&end) else { return Err(Malformed(format!("{begin} without its END line"))) };
        let block = &after[..j + end.len()];
        let (l, der) = der::pem::decode_vec(block.as_bytes()).map_err(|e| Malformed(format!("bad PEM ({e})")))?;
        if l == label {
            out.push(der);
        }
        rest = &after[j + end.len()..];
    }
    Ok(out)
}

/// Why certificate authentication failed (typed; the dialects word it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertFailure {
    /// The peer sent no certificate, and none is held for it (nor a pre-shared key).
    NoCert,
    /// The peer's certificate did not validate.
    Invalid(CertError),
    /// IKEv2: the peer's first CERT payload (the one RFC 7296 3.6 says
    /// carries the key of its AUTH) has an encoding RFC 7296 defines but this
    /// side does not take (all but X.509 signature, 4).
    Encoding(u8),
    /// The peer's IKE identity (its type, text) is not one its certificate carries (their types and texts).
    IdentityNotInCert { id_type: u8, id: String, cert_ids: Vec<(u8, String)> },
    /// The AUTH signature does not verify with the certificate's key.
    BadSignature { method: u8 },
    /// An AUTH method (or RFC 7427 algorithm) not done here, or not the configured kind.
    Method(u8),
    /// This side cannot sign: no certificate or no private key (why).
    NoLocalKey(String),
    /// The peer's certificate matches none of the certificate maps that
    /// admit it (their names), and its identity no configured one.
    NoMapMatch { maps: Vec<String> },
}

/// How one side of an IKE SA authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthBy {
    PreShared,
    /// A signature with the certificate's key (RSA or ECDSA, as the key is).
    Signature,
}

/// What a tunnel authenticates with when certificates are involved: built by
/// the dialect from its trustpoints (IOS) or PKI files (SmartEdge).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerPki {
    /// How this side proves itself, and how the peer must.
    pub local: AuthBy,
    pub remote: AuthBy,
    /// This router's certificate first, then the CA certificates sent with it.
    pub certs: Vec<Cert>,
    /// The private key of `certs[0]`; None when it could not be loaded (see `notes`).
    pub key: Option<Arc<PrivateKey>>,
    /// The trust anchors and CRLs a peer's certificate is validated against.
    pub trust: Arc<TrustStore>,
    /// Whether the peer's identity must be one its certificate carries
    /// (SmartEdge `validate-certificate-identity`; always for IOS).
    pub check_identity: bool,
    /// Why this side cannot sign (no key, no certificate), for the shows and logs.
    pub notes: Vec<String>,
    /// The certificate maps that admit a peer (IOS `match certificate`): when
    /// any is given, the peer is this tunnel's if its certificate matches one
    /// of them, or if its identity matches a remote identity that is not a
    /// wildcard (IOS: `match certificate` and `match identity` lines are
    /// alternatives).
    pub cert_maps: Vec<certmap::CertMap>,
}

impl PeerPki {
    /// Whether the peer's certificate `c` may stand for it, given how its
    /// identity fared (`by_id`: 0 none, 1 wildcard, 2 partial, 3 exact): the
    /// score of the match. Without certificate maps the identity decides.
    pub fn admits(&self, c: Option<&Cert>, by_id: u8, wildcard: bool) -> u8 {
        if self.cert_maps.is_empty() {
            return by_id;
        }
        let fields = c.map(certmap::Fields::of);
        if fields.is_some_and(|f| self.cert_maps.iter().any(|m| m.matches_fields(&f).is_some())) {
            3
        } else if wildcard {
            0
        } else {
            by_id
        }
    }

    /// The names of the certificate maps, for a refusal.
    pub fn map_names(&self) -> Vec<String> {
        self.cert_maps.iter().map(|m| m.name.clone()).collect()
    }

    /// This side's certificate and key, when it signs.
    pub fn signer(&self) -> Option<(&Cert, &PrivateKey)> {
        Some((self.certs.first()?, self.key.as_deref()?))
    }
}

#[cfg(test)]
pub(crate) mod tests;
