//! What `show pki certificate ...` and `show pki key-pair` print (Table 4):
//! a certificate decoded with `x509-cert` (subject, issuer, serial,
//! validity, alternative names, the key pair it belongs to) and a key pair
//! without its keys (type, size, when it was made). The guide gives no
//! layout for these; they follow the house layout of the other SmartEdge
//! shows (`Label   : value`, the labels 26 columns wide).

use super::pki_store::Certificate;
use crate::out::Out;
use edgesh_engine::pki::keys::{KeyKind, StoredKey};
use x509_cert::der::DecodePem;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

fn row(o: &mut dyn Out, label: &str, value: &str) {
    o.line(&format!("  {label:<26}: {value}"));
}

/// The fields of a certificate the shows print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: u64,
    pub not_after: u64,
    pub alt_names: Vec<String>,
}

impl CertSummary {
    /// Decode the first certificate of a PEM text; `None` if it is not one.
    pub fn of(pem: &str) -> Option<CertSummary> {
        let c = x509_cert::Certificate::from_pem(pem.as_bytes()).ok()?;
        let t = c.tbs_certificate();
        let mut alt_names = Vec::new();
        for e in t.extensions().into_iter().flatten().filter(|e| e.extn_id.to_string() == "2.5.29.17") {
            if let Ok(san) = <SubjectAltName as x509_cert::der::Decode>::from_der(e.extn_value.as_bytes()) {
                for n in san.0 {
                    alt_names.push(match n {
                        GeneralName::DnsName(d) => format!("DNS {d}"),
                        GeneralName::Rfc822Name(m) => format!("e-mail {m}"),
                        GeneralName::IpAddress(ip) => match ip.as_bytes().len() {
                            4 => format!(
                                "IP {}",
                                std::net::Ipv4Addr::from(<[u8; 4]>::try_from(ip.as_bytes()).unwrap_or_default())
                            ),
                            16 => format!(
                                "IP {}",
                                std::net::Ipv6Addr::from(<[u8; 16]>::try_from(ip.as_bytes()).unwrap_or_default())
                            ),
                            _ => "IP ?".into(),
                        },
                        GeneralName::UniformResourceIdentifier(u) => format!("URI {u}"),
                        _ => continue,
                    });
                }
            }
        }
        Some(CertSummary {
            subject: t.subject().to_string(),
            issuer: t.issuer().to_string(),
            serial: t.serial_number().as_bytes().iter().map(|b| format!("{b:02X}")).collect(),
            not_before: t.validity().not_before.to_unix_duration().as_secs(),
            not_after: t.validity().not_after.to_unix_duration().as_secs(),
            alt_names,
        })
    }

    /// Is `id` this certificate's subject, a part of it (`CN=R1`, `R1`), or one of its alternative names?
    pub fn has_identity(&self, id: &str) -> bool {
        self.subject.eq_ignore_ascii_case(id)
            || self
                .subject
                .split(',')
                .any(|p| p.eq_ignore_ascii_case(id) || p.split_once('=').is_some_and(|(_, v)| v == id))
            || self.alt_names.iter().any(|n| n.split_once(' ').is_some_and(|(_, v)| v.eq_ignore_ascii_case(id)))
    }
}

pub fn certificate(c: &Certificate, info: Option<&CertSummary>, o: &mut dyn Out) {
    o.line(&format!(
        "Certificate handle {} ({}, from {})",
        c.handle,
        if c.trusted { "trusted" } else { "self" },
        c.file
    ));
    match info {
        Some(i) => {
            row(o, "Subject", &i.subject);
            row(o, "Issuer", &i.issuer);
            row(o, "Serial number", &i.serial);
            row(o, "Valid from", &crate::time::date_time(i.not_before));
            row(o, "Valid until", &crate::time::date_time(i.not_after));
            row(o, "Alternative names", &if i.alt_names.is_empty() { "-".to_string() } else { i.alt_names.join(", ") });
        }
        None => row(o, "Subject", "(not decoded)"),
    }
    if let Some(k) = &c.key_pair {
        row(o, "Key pair", k);
    }
}

pub fn key_pair(name: &str, k: &StoredKey, o: &mut dyn Out) {
    o.line(&format!("Key pair {name}"));
    let (kind, bits) = match k.key.kind() {
        KeyKind::Rsa(b) => ("rsa", b),
        KeyKind::P256 => ("ecdsa P-256", 256),
        KeyKind::P384 => ("ecdsa P-384", 384),
    };
    row(o, "Type", kind);
    row(o, "Size", &format!("{bits} bits"));
    row(o, "Created", &crate::time::date_time(k.created));
}
