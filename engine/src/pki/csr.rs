//! PKCS#10 certificate requests (RFC 2986): a subject name, subject
//! alternative names and key usage, signed with a [`PrivateKey`].
//!
//! Owns turning what a dialect asked for (SmartEdge's certificate-request
//! questions, an IOS trustpoint's subject) into a signed request, and
//! reading one back. The ASN.1 and the signatures are RustCrypto's
//! (`x509-cert`'s `RequestBuilder`, `der`, `rsa` PKCS#1 v1.5 with SHA-256,
//! ECDSA with SHA-256 on P-256 and SHA-384 on P-384); nothing is encoded
//! by hand here.

use super::keys::PrivateKey;
use std::net::IpAddr;
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Any, Decode, DecodePem, Encode, EncodePem, flagset::FlagSet};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::CertReq;

pub use x509_cert::der::pem::LineEnding;

/// An attribute of the subject name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameAttr {
    CommonName,
    OrganizationalUnit,
    Organization,
    Locality,
    State,
    PostalCode,
    Country,
    SerialNumber,
    Email,
    /// PKCS#9 unstructuredName (IOS puts the router's name there).
    UnstructuredName,
    /// PKCS#9 unstructuredAddress (IOS: the router's IP address).
    UnstructuredAddress,
}

impl NameAttr {
    pub fn oid(self) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(match self {
            NameAttr::CommonName => "2.5.4.3",
            NameAttr::SerialNumber => "2.5.4.5",
            NameAttr::Country => "2.5.4.6",
            NameAttr::Locality => "2.5.4.7",
            NameAttr::State => "2.5.4.8",
            NameAttr::Organization => "2.5.4.10",
            NameAttr::OrganizationalUnit => "2.5.4.11",
            NameAttr::PostalCode => "2.5.4.17",
            NameAttr::Email => "1.2.840.113549.1.9.1",
            NameAttr::UnstructuredName => "1.2.840.113549.1.9.2",
            NameAttr::UnstructuredAddress => "1.2.840.113549.1.9.8",
        })
    }

    /// The short name (`cn`, `ou`, ...), as IOS and OpenSSL print it.
    pub fn short(self) -> &'static str {
        match self {
            NameAttr::CommonName => "cn",
            NameAttr::OrganizationalUnit => "ou",
            NameAttr::Organization => "o",
            NameAttr::Locality => "l",
            NameAttr::State => "st",
            NameAttr::PostalCode => "postalcode",
            NameAttr::Country => "c",
            NameAttr::SerialNumber => "serialnumber",
            NameAttr::Email => "e",
            NameAttr::UnstructuredName => "hostname",
            NameAttr::UnstructuredAddress => "ipaddress",
        }
    }

    /// The attribute named `s` in a distinguished name (`CN`, `OU`, `O`,
    /// `L`, `ST`, `C`, `E`, `postalCode`, `serialNumber`; any case).
    pub fn parse(s: &str) -> Option<NameAttr> {
        Some(match s.to_ascii_lowercase().as_str() {
            "cn" => NameAttr::CommonName,
            "ou" => NameAttr::OrganizationalUnit,
            "o" => NameAttr::Organization,
            "l" => NameAttr::Locality,
            "st" | "s" => NameAttr::State,
            "c" => NameAttr::Country,
            "e" | "email" | "emailaddress" => NameAttr::Email,
            "postalcode" => NameAttr::PostalCode,
            "serialnumber" | "sn" => NameAttr::SerialNumber,
            _ => return None,
        })
    }
}

/// A subject alternative name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AltName {
    Ip(IpAddr),
    Dns(String),
    Email(String),
}

/// The key usage bits (RFC 5280 4.2.1.3) a request asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsageBits {
    pub digital_signature: bool,
    pub non_repudiation: bool,
    pub key_encipherment: bool,
    pub data_encipherment: bool,
    pub key_agreement: bool,
    pub encipher_only: bool,
    pub decipher_only: bool,
}

impl KeyUsageBits {
    fn flags(self) -> FlagSet<KeyUsages> {
        let mut f = FlagSet::<KeyUsages>::default();
        for (on, b) in [
            (self.digital_signature, KeyUsages::DigitalSignature),
            (self.non_repudiation, KeyUsages::NonRepudiation),
            (self.key_encipherment, KeyUsages::KeyEncipherment),
            (self.data_encipherment, KeyUsages::DataEncipherment),
            (self.key_agreement, KeyUsages::KeyAgreement),
            (self.encipher_only, KeyUsages::EncipherOnly),
            (self.decipher_only, KeyUsages::DecipherOnly),
        ] {
            if on {
                f |= b;
            }
        }
        f
    }
}

/// What a request carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The subject's attributes, most significant first (as encoded: `C`
    /// before `O` before `CN` reads as `C=..., O=..., CN=...`).
    pub subject: Vec<(NameAttr, String)>,
    pub alt_names: Vec<AltName>,
    /// `None`: no key usage extension requested.
    pub key_usage: Option<KeyUsageBits>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CsrError {
    /// A value the attribute cannot hold (a country code that is not two
    /// letters, an e-mail or DNS name that is not ASCII ...).
    Value(NameAttr, String),
    AltName(String),
    Build(String),
}

impl std::fmt::Display for CsrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CsrError::Value(a, v) => write!(f, "{v:?} is not a valid {}", a.short()),
            CsrError::AltName(v) => write!(f, "{v:?} is not a valid alternative name"),
            CsrError::Build(e) => write!(f, "certificate request not built: {e}"),
        }
    }
}

/// The encoded value of one attribute: PrintableString where the value
/// allows it (country codes, serial numbers and IP addresses always),
/// IA5String for e-mail and host names, UTF8String otherwise.
fn attr_value(attr: NameAttr, v: &str) -> Result<Any, CsrError> {
    let bad = || CsrError::Value(attr, v.to_string());
    let r = match attr {
        NameAttr::Country => {
            if v.len() != 2 || !v.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(bad());
            }
            Any::encode_from(&PrintableStringRef::new(v).map_err(|_| bad())?)
        }
        NameAttr::SerialNumber | NameAttr::UnstructuredAddress => {
            Any::encode_from(&PrintableStringRef::new(v).map_err(|_| bad())?)
        }
        NameAttr::Email | NameAttr::UnstructuredName => Any::encode_from(&Ia5StringRef::new(v).map_err(|_| bad())?),
        _ => match PrintableStringRef::new(v) {
            Ok(p) => Any::encode_from(&p),
            Err(_) => Any::encode_from(&Utf8StringRef::new(v).map_err(|_| bad())?),
        },
    };
    r.map_err(|_| bad())
}

/// The subject as an X.501 name (an empty subject is an empty sequence).
pub fn subject_name(subject: &[(NameAttr, String)]) -> Result<Name, CsrError> {
    let mut seq = RdnSequence::default();
    for (attr, v) in subject {
        if v.is_empty() {
            return Err(CsrError::Value(*attr, v.clone()));
        }
        let atv = x509_cert::attr::AttributeTypeAndValue { oid: attr.oid(), value: attr_value(*attr, v)? };
        seq.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(|e| CsrError::Build(e.to_string()))?);
    }
    let der = seq.to_der().map_err(|e| CsrError::Build(e.to_string()))?;
    Name::from_der(&der).map_err(|e| CsrError::Build(e.to_string()))
}

fn general_name(a: &AltName) -> Result<GeneralName, CsrError> {
    let ia5 = |s: &str| x509_cert::der::asn1::Ia5String::new(s).map_err(|_| CsrError::AltName(s.to_string()));
    Ok(match a {
        AltName::Ip(ip) => GeneralName::from(*ip),
        AltName::Dns(d) if !d.is_empty() && !d.contains(char::is_whitespace) => GeneralName::DnsName(ia5(d)?),
        AltName::Email(e) if e.contains('@') && !e.contains(char::is_whitespace) => GeneralName::Rfc822Name(ia5(e)?),
        AltName::Dns(s) | AltName::Email(s) => return Err(CsrError::AltName(s.clone())),
    })
}

/// Build and sign the request with `key` (RSA: PKCS#1 v1.5 with SHA-256;
/// P-256: ECDSA with SHA-256; P-384: ECDSA with SHA-384). The signatures
/// are deterministic, so the same key and request make the same bytes.
pub fn build(key: &PrivateKey, req: &Request) -> Result<CertReq, CsrError> {
    let e = |e: x509_cert::builder::Error| CsrError::Build(e.to_string());
    let mut b = RequestBuilder::new(subject_name(&req.subject)?).map_err(e)?;
    if !req.alt_names.is_empty() {
        let names = req.alt_names.iter().map(general_name).collect::<Result<Vec<_>, _>>()?;
        b.add_extension(&SubjectAltName(names)).map_err(|e| CsrError::Build(e.to_string()))?;
    }
    if let Some(ku) = req.key_usage {
        b.add_extension(&KeyUsage(ku.flags())).map_err(|e| CsrError::Build(e.to_string()))?;
    }
    match key {
        PrivateKey::Rsa(k) => {
            let s = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.clone());
            b.build::<_, rsa::pkcs1v15::Signature>(&s).map_err(e)
        }
        PrivateKey::P256(s) => b.build::<_, p256::ecdsa::DerSignature>(s).map_err(e),
        PrivateKey::P384(s) => b.build::<_, p384::ecdsa::DerSignature>(s).map_err(e),
    }
}

/// The request as PEM (`-----BEGIN CERTIFICATE REQUEST-----`, 64-column base64).
pub fn to_pem(csr: &CertReq) -> Result<String, CsrError> {
    csr.to_pem(LineEnding::LF).map_err(|e| CsrError::Build(e.to_string()))
}

/// A request read back from PEM.
pub fn from_pem(text: &str) -> Result<CertReq, CsrError> {
    CertReq::from_pem(text.as_bytes()).map_err(|e| CsrError::Build(e.to_string()))
}

/// The subject of a request as (attribute OID, value as text) pairs, in order.
pub fn subject_of(csr: &CertReq) -> Vec<(ObjectIdentifier, String)> {
    csr.info
        .subject
        .iter()
        .map(|atv| {
            let v = atv.value.value();
            (atv.oid, String::from_utf8_lossy(v).into_owned())
        })
        .collect()
}

/// The subject alternative names and the key usage a request asks for (its extensionRequest attribute).
pub fn extensions_of(csr: &CertReq) -> (Vec<AltName>, Option<FlagSet<KeyUsages>>) {
    let ext_req = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
    let mut alts = Vec::new();
    let mut ku = None;
    for attr in csr.info.attributes.iter().filter(|a| a.oid == ext_req) {
        for v in attr.values.iter() {
            let Ok(exts) = v.decode_as::<Vec<x509_cert::ext::Extension>>() else { continue };
            for ext in exts {
                if ext.extn_id == ObjectIdentifier::new_unwrap("2.5.29.17") {
                    if let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) {
                        for n in san.0 {
                            match n {
                                GeneralName::DnsName(d) => alts.push(AltName::Dns(d.to_string())),
                                GeneralName::Rfc822Name(m) => alts.push(AltName::Email(m.to_string())),
                                GeneralName::IpAddress(o) => match o.as_bytes().len() {
                                    4 => alts.push(AltName::Ip(IpAddr::from(
                                        <[u8; 4]>::try_from(o.as_bytes()).unwrap_or_default(),
                                    ))),
                                    16 => alts.push(AltName::Ip(IpAddr::from(
                                        <[u8; 16]>::try_from(o.as_bytes()).unwrap_or_default(),
                                    ))),
                                    _ => {}
                                },
                                _ => {}
                            }
                        }
                    }
                } else if ext.extn_id == ObjectIdentifier::new_unwrap("2.5.29.15") {
                    ku = KeyUsage::from_der(ext.extn_value.as_bytes()).ok().map(|k| k.0);
                }
            }
        }
    }
    (alts, ku)
}

/// Does the request's signature verify with the public key it carries?
pub fn verify(csr: &CertReq) -> bool {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    let Ok(tbs) = csr.info.to_der() else { return false };
    let Ok(spki) = csr.info.public_key.to_der() else { return false };
    let Some(sig) = csr.signature.as_bytes() else { return false };
    let alg = csr.algorithm.oid.to_string();
    match alg.as_str() {
        "1.2.840.113549.1.1.11" => {
            let (Ok(k), Ok(s)) =
                (rsa::RsaPublicKey::from_public_key_der(&spki), rsa::pkcs1v15::Signature::try_from(sig))
            else {
                return false;
            };
            rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(k).verify(&tbs, &s).is_ok()
        }
        "1.2.840.10045.4.3.2" => {
            let (Ok(k), Ok(s)) =
                (p256::ecdsa::VerifyingKey::from_public_key_der(&spki), p256::ecdsa::DerSignature::try_from(sig))
            else {
                return false;
            };
            k.verify(&tbs, &s).is_ok()
        }
        "1.2.840.10045.4.3.3" => {
            let (Ok(k), Ok(s)) =
                (p384::ecdsa::VerifyingKey::from_public_key_der(&spki), p384::ecdsa::DerSignature::try_from(sig))
            else {
                return false;
            };
            k.verify(&tbs, &s).is_ok()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::keys::{KeyKind, key_rng};

    fn guide_request() -> Request {
        // The answers of the guide's example (section 6.1.2), with alternative names added.
        Request {
            subject: vec![
                (NameAttr::Country, "ZZ".into()),
                (NameAttr::State, "XY".into()),
                (NameAttr::Locality, "My City".into()),
                (NameAttr::PostalCode, "98765".into()),
                (NameAttr::Organization, "Service".into()),
                (NameAttr::OrganizationalUnit, "Provider".into()),
                (NameAttr::CommonName, "An Operator".into()),
            ],
            alt_names: vec![
                AltName::Ip("192.0.2.1".parse().unwrap()),
                AltName::Ip("2001:db8::1".parse().unwrap()),
                AltName::Dns("r1.example.net".into()),
                AltName::Email("noc@example.net".into()),
            ],
            key_usage: Some(KeyUsageBits { digital_signature: true, key_encipherment: true, ..Default::default() }),
        }
    }

    #[test]
    fn request_parses_back_with_its_fields() {
        for kind in [KeyKind::Rsa(1024), KeyKind::P256, KeyKind::P384] {
            let key = PrivateKey::generate(kind, &mut key_rng(Some([9; 32]))).unwrap();
            let csr = build(&key, &guide_request()).unwrap();
            let pem = to_pem(&csr).unwrap();
            assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
            assert!(pem.lines().all(|l| l.len() <= 64));
            let back = from_pem(&pem).unwrap();
            assert!(verify(&back), "{kind:?}");
            let subj: Vec<(String, String)> = subject_of(&back).into_iter().map(|(o, v)| (o.to_string(), v)).collect();
            assert_eq!(
                subj,
                [
                    ("2.5.4.6", "ZZ"),
                    ("2.5.4.8", "XY"),
                    ("2.5.4.7", "My City"),
                    ("2.5.4.17", "98765"),
                    ("2.5.4.10", "Service"),
                    ("2.5.4.11", "Provider"),
                    ("2.5.4.3", "An Operator")
                ]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
            );
            let (alts, ku) = extensions_of(&back);
            assert_eq!(alts, guide_request().alt_names);
            assert_eq!(ku, Some(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment));
            assert_eq!(back.info.public_key.to_der().unwrap(), key.public_key_der());
            // Deterministic: the same key and answers give the same request.
            assert_eq!(to_pem(&build(&key, &guide_request()).unwrap()).unwrap(), pem);
        }
    }

    #[test]
    fn a_tampered_request_does_not_verify() {
        let key = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([2; 32]))).unwrap();
        let mut csr = build(&key, &guide_request()).unwrap();
        assert!(verify(&csr));
        csr.info.subject = subject_name(&[(NameAttr::CommonName, "Someone Else".into())]).unwrap();
        assert!(!verify(&csr));
    }

    #[test]
    fn no_alt_names_and_no_key_usage_means_no_extensions() {
        let key = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([2; 32]))).unwrap();
        let csr =
            build(&key, &Request { subject: vec![(NameAttr::CommonName, "x".into())], ..Default::default() }).unwrap();
        assert_eq!(extensions_of(&csr), (vec![], None));
    }

    #[test]
    fn bad_values_are_refused() {
        let key = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([2; 32]))).unwrap();
        let with = |subject: Vec<(NameAttr, String)>, alt_names: Vec<AltName>| {
            build(&key, &Request { subject, alt_names, key_usage: None })
        };
        assert_eq!(
            with(vec![(NameAttr::Country, "ZZZ".into())], vec![]).unwrap_err(),
            CsrError::Value(NameAttr::Country, "ZZZ".into())
        );
        assert_eq!(
            with(vec![(NameAttr::Country, "Z1".into())], vec![]).unwrap_err(),
            CsrError::Value(NameAttr::Country, "Z1".into())
        );
        assert!(matches!(with(vec![], vec![AltName::Email("no-at-sign".into())]), Err(CsrError::AltName(_))));
        assert!(matches!(with(vec![], vec![AltName::Dns("bad name".into())]), Err(CsrError::AltName(_))));
        assert!(matches!(with(vec![], vec![AltName::Dns("ünïcode.example".into())]), Err(CsrError::AltName(_))));
        // A non-ASCII organisation is a UTF8String.
        let csr = with(vec![(NameAttr::Organization, "Société".into())], vec![]).unwrap();
        assert_eq!(subject_of(&csr)[0].1, "Société");
    }
}
