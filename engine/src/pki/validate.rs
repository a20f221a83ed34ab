//! Chain validation: owns the trust store (anchors and CRLs, loaded from
//! configuration and files; nothing is fetched) and the check that a peer's
//! certificate leads to a trust anchor: each link's issuer name and
//! signature, validity dates on the engine's clock (virtual in the lab), CA
//! basic constraints and key usage, and revocation by a CRL its issuer signed.

use super::{Cert, Malformed, SigAlg};
use der::{Decode, Encode};
use x509_cert::crl::CertificateList;

/// At most this many certificates between the peer's and the anchor.
pub const MAX_CHAIN: usize = 8;

/// Why a certificate is not accepted; typed, the dialects word it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertError {
    /// The bytes are not a certificate we can use.
    Malformed(String),
    /// Past notAfter (seconds since the epoch); `serial` as encoded.
    Expired { subject: String, serial: Vec<u8>, not_after: u64 },
    /// Before notBefore.
    NotYetValid { subject: String, serial: Vec<u8>, not_before: u64 },
    /// No trust anchor or CA certificate issued it.
    UnknownCa { issuer: String },
    /// A signature in the chain does not verify.
    BadSignature { subject: String },
    /// Listed in a CRL of its issuer.
    Revoked { subject: String, serial: Vec<u8> },
    /// The key usage does not allow signing (the peer's) or certificate signing (a CA's).
    KeyUsage { subject: String },
    /// The chain is longer than [`MAX_CHAIN`].
    ChainTooLong,
}

impl From<Malformed> for CertError {
    fn from(m: Malformed) -> Self {
        CertError::Malformed(m.0)
    }
}

/// A CRL with what checking needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crl {
    pub issuer_der: Vec<u8>,
    pub this_update: u64,
    pub next_update: Option<u64>,
    /// Serial numbers (as encoded) of the revoked certificates.
    pub revoked: Vec<Vec<u8>>,
    tbs_der: Vec<u8>,
    alg: Option<SigAlg>,
    signature: Vec<u8>,
}

impl Crl {
    pub fn from_der(der: &[u8]) -> Result<Crl, Malformed> {
        let l = <CertificateList>::from_der(der).map_err(|e| Malformed(format!("not a CRL ({e})")))?;
        let t = &l.tbs_cert_list;
        Ok(Crl {
            issuer_der: t.issuer.to_der().map_err(|e| Malformed(format!("bad CRL issuer ({e})")))?,
            this_update: t.this_update.to_unix_duration().as_secs(),
            next_update: t.next_update.map(|n| n.to_unix_duration().as_secs()),
            revoked: t
                .revoked_certificates
                .as_ref()
                .map(|v| v.iter().map(|r| r.serial_number.as_bytes().to_vec()).collect())
                .unwrap_or_default(),
            tbs_der: t.to_der().map_err(|e| Malformed(format!("bad CRL ({e})")))?,
            alg: SigAlg::from_x509(&l.signature_algorithm),
            signature: l.signature.raw_bytes().to_vec(),
        })
    }

    /// PEM (`X509 CRL` blocks) or one DER CRL.
    pub fn parse(bytes: &[u8]) -> Result<Vec<Crl>, Malformed> {
        match std::str::from_utf8(bytes) {
            Ok(t) if t.contains("-----BEGIN") => {
                super::pem_blocks(t, "X509 CRL")?.iter().map(|d| Crl::from_der(d)).collect()
            }
            _ => Ok(vec![Crl::from_der(bytes)?]),
        }
    }

    fn signed_by(&self, issuer: &Cert) -> bool {
        self.issuer_der == issuer.subject_der
            && self.alg.is_some_and(|a| issuer.key.verify(a, &[&self.tbs_der], &self.signature))
    }
}

/// Trust anchors and the CRLs to check against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustStore {
    pub anchors: Vec<Cert>,
    /// CA certificates that are not anchors (configured intermediates).
    pub intermediates: Vec<Cert>,
    pub crls: Vec<Crl>,
    /// Whether a certificate must be checked against a CRL of its issuer when one is held
    /// (IOS `revocation-check crl`; `none` leaves CRLs unused).
    pub check_crl: bool,
    /// The configuration's name for an anchor (its DER), when the dialect
    /// names them (an ASA trustpoint): what [`TrustStore::anchor_name`] says
    /// of the anchor a certificate validated to.
    pub anchor_names: Vec<(Vec<u8>, String)>,
}

/// A certificate that validated: the anchor reached, and whether every
/// certificate of the path was checked against a CRL of its issuer (CRL
/// checking on, and such a CRL held for each).
#[derive(Debug)]
pub struct Validated<'a> {
    pub anchor: &'a Cert,
    pub revocation_checked: bool,
}

impl TrustStore {
    /// Validate `end` (the peer's certificate) with the CA certificates it
    /// came with, at `now` (seconds since the epoch). Ok: the anchor reached.
    pub fn validate<'a>(&'a self, end: &Cert, sent: &'a [Cert], now: u64) -> Result<&'a Cert, CertError> {
        self.validate_path(end, sent, now).map(|v| v.anchor)
    }

    /// The name the configuration gives `anchor` ([`TrustStore::anchor_names`]).
    pub fn anchor_name(&self, anchor: &Cert) -> Option<&str> {
        self.anchor_names.iter().find(|(der, _)| *der == anchor.der).map(|(_, n)| n.as_str())
    }

    /// [`TrustStore::validate`], saying also whether revocation was checked.
    pub fn validate_path<'a>(&'a self, end: &Cert, sent: &'a [Cert], now: u64) -> Result<Validated<'a>, CertError> {
        dates(end, now)?;
        // The peer's certificate signs IKE messages: digitalSignature or nonRepudiation when key usage is present.
        if end.key_usage.is_some_and(|k| k & 0b11 == 0) {
            return Err(CertError::KeyUsage { subject: end.subject.clone() });
        }
        // An anchor may be the peer's certificate itself (a self-signed certificate configured as trusted).
        if let Some(a) = self.anchors.iter().find(|a| a.der == end.der) {
            return Ok(Validated { anchor: a, revocation_checked: false });
        }
        let mut cur = end.clone();
        let mut checked = self.check_crl;
        for _ in 0..MAX_CHAIN {
            checked &= self.not_revoked(&cur, now)?;
            if let Some(a) = self.anchors.iter().find(|a| a.subject_der == cur.issuer_der && signed(&cur, a)) {
                dates(a, now)?;
                return Ok(Validated { anchor: a, revocation_checked: checked });
            }
            let mut names_match = false;
            let next = self.intermediates.iter().chain(sent.iter()).find(|c| {
                let same = c.subject_der == cur.issuer_der && c.der != cur.der;
                names_match |= same;
                same && signed(&cur, c)
            });
            let Some(next) = next else {
                // A CA of that name whose signature does not verify, or none at all.
                if names_match || self.anchors.iter().any(|a| a.subject_der == cur.issuer_der) {
                    return Err(CertError::BadSignature { subject: cur.subject.clone() });
                }
                return Err(CertError::UnknownCa { issuer: cur.issuer.clone() });
            };
            if !next.may_sign_certs() {
                return Err(CertError::KeyUsage { subject: next.subject.clone() });
            }
            dates(next, now)?;
            cur = next.clone();
        }
        Err(CertError::ChainTooLong)
    }

    /// Revocation: a CRL of `c`'s issuer, signed by that issuer (an anchor or
    /// intermediate), that lists it. Ok(whether such a CRL was held and read).
    fn not_revoked(&self, c: &Cert, _now: u64) -> Result<bool, CertError> {
        if !self.check_crl {
            return Ok(false);
        }
        let issuers: Vec<&Cert> =
            self.anchors.iter().chain(self.intermediates.iter()).filter(|a| a.subject_der == c.issuer_der).collect();
        let mut held = false;
        for crl in self.crls.iter().filter(|l| l.issuer_der == c.issuer_der) {
            if !issuers.iter().any(|i| crl.signed_by(i)) {
                continue;
            }
            held = true;
            if crl.revoked.iter().any(|s| strip0(s) == strip0(&c.serial)) {
                return Err(CertError::Revoked { subject: c.subject.clone(), serial: c.serial.clone() });
            }
        }
        Ok(held)
    }

    /// SHA-1 hashes of the anchors' public keys: the Certification Authority field of a CERTREQ (RFC 7296 3.7).
    pub fn ca_hashes(&self) -> Vec<u8> {
        self.anchors.iter().flat_map(|a| a.spki_sha1()).collect()
    }
}

fn strip0(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| **b == 0).count();
    &s[n.min(s.len().saturating_sub(1))..]
}

fn dates(c: &Cert, now: u64) -> Result<(), CertError> {
    if now > c.not_after {
        return Err(CertError::Expired {
            subject: c.subject.clone(),
            serial: c.serial.clone(),
            not_after: c.not_after,
        });
    }
    if now < c.not_before {
        return Err(CertError::NotYetValid {
            subject: c.subject.clone(),
            serial: c.serial.clone(),
            not_before: c.not_before,
        });
    }
    Ok(())
}

/// Whether `issuer`'s key made `c`'s signature.
fn signed(c: &Cert, issuer: &Cert) -> bool {
    c.signed_parts().is_ok_and(|(tbs, alg, sig)| issuer.key.verify(alg, &[&tbs], &sig))
}
