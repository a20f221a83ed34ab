//! Identities and certificates: owns what identities a certificate carries
//! (its subject DN, its subjectAltName IP addresses, DNS names and e-mail
//! addresses) and the check that an IKE identity (type and data, the same
//! numbers in IKEv1 and IKEv2) is one of them.

use super::{Cert, San};
use der::Decode;
use std::net::IpAddr;

/// IKE identification types (RFC 2407 4.6.2.1, RFC 7296 3.5).
pub const ID_IPV4_ADDR: u8 = 1;
pub const ID_FQDN: u8 = 2;
pub const ID_RFC822_ADDR: u8 = 3;
pub const ID_IPV6_ADDR: u8 = 5;
pub const ID_DER_ASN1_DN: u8 = 9;

/// An identity a certificate carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertId {
    /// The subject name: its DER and its RFC 4514 text.
    Dn {
        der: Vec<u8>,
        text: String,
    },
    Ip(IpAddr),
    Fqdn(String),
    Email(String),
}

impl CertId {
    /// In text, as logs print it.
    pub fn text(&self) -> String {
        match self {
            CertId::Dn { text, .. } => text.clone(),
            CertId::Ip(a) => a.to_string(),
            CertId::Fqdn(s) | CertId::Email(s) => s.clone(),
        }
    }
    /// The IKE identification type and data of this identity.
    pub fn ike(&self) -> (u8, Vec<u8>) {
        match self {
            CertId::Dn { der, .. } => (ID_DER_ASN1_DN, der.clone()),
            CertId::Ip(IpAddr::V4(a)) => (ID_IPV4_ADDR, a.octets().to_vec()),
            CertId::Ip(IpAddr::V6(a)) => (ID_IPV6_ADDR, a.octets().to_vec()),
            CertId::Fqdn(s) => (ID_FQDN, s.as_bytes().to_vec()),
            CertId::Email(s) => (ID_RFC822_ADDR, s.as_bytes().to_vec()),
        }
    }
}

impl Cert {
    /// Every identity of the certificate: the subject DN first, then the alternative names.
    pub fn identities(&self) -> Vec<CertId> {
        let mut v = vec![CertId::Dn { der: self.subject_der.clone(), text: self.subject.clone() }];
        for s in &self.sans {
            v.push(match s {
                San::Ip(a) => CertId::Ip(*a),
                San::Dns(d) => CertId::Fqdn(d.clone()),
                San::Email(e) => CertId::Email(e.clone()),
            });
        }
        v
    }

    /// Whether the IKE identity (`kind`, `data`) is one the certificate carries.
    pub fn has_identity(&self, kind: u8, data: &[u8]) -> bool {
        match kind {
            ID_DER_ASN1_DN => same_name(data, &self.subject_der),
            ID_IPV4_ADDR => <[u8; 4]>::try_from(data).is_ok_and(|a| self.sans.contains(&San::Ip(IpAddr::from(a)))),
            ID_IPV6_ADDR => <[u8; 16]>::try_from(data).is_ok_and(|a| self.sans.contains(&San::Ip(IpAddr::from(a)))),
            ID_FQDN => std::str::from_utf8(data)
                .is_ok_and(|d| self.sans.iter().any(|s| matches!(s, San::Dns(n) if n.eq_ignore_ascii_case(d)))),
            ID_RFC822_ADDR => std::str::from_utf8(data)
                .is_ok_and(|d| self.sans.iter().any(|s| matches!(s, San::Email(n) if n.eq_ignore_ascii_case(d)))),
            _ => false,
        }
    }
}

/// Two DER names with the same attributes in the same order: the same bytes, or the
/// same text (so PrintableString and UTF8String encodings of one name are the same name).
pub fn same_name(a: &[u8], b: &[u8]) -> bool {
    a == b || same_dn(a, b)
}

fn same_dn(a: &[u8], b: &[u8]) -> bool {
    match (x509_cert::name::Name::from_der(a), x509_cert::name::Name::from_der(b)) {
        (Ok(x), Ok(y)) => x.to_string().eq_ignore_ascii_case(&y.to_string()),
        _ => false,
    }
}

/// An IKE identity in text, as logs print it (`192.0.2.2`, `C=US,O=Test,CN=right`).
/// A DN as OpenSSL's one-line form prints it, its RDNs in their DER order
/// (`/C=US/O=Example/CN=ours`): how SmartEdge's Table 5 shows an ID_DER_ASN1_DN.
pub fn dn_oneline(der: &[u8]) -> Option<String> {
    let n = x509_cert::name::Name::from_der(der).ok()?;
    Some(n.as_ref().iter().flat_map(|rdn| rdn.as_ref().iter()).map(|atv| format!("/{atv}")).collect())
}

pub fn id_text(kind: u8, data: &[u8]) -> String {
    match kind {
        ID_IPV4_ADDR => <[u8; 4]>::try_from(data).map(|a| IpAddr::from(a).to_string()).unwrap_or_default(),
        ID_IPV6_ADDR => <[u8; 16]>::try_from(data).map(|a| IpAddr::from(a).to_string()).unwrap_or_default(),
        ID_DER_ASN1_DN => {
            x509_cert::name::Name::from_der(data).map(|n| n.to_string()).unwrap_or_else(|_| "(bad DN)".into())
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    }
}
