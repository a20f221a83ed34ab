//! `show crypto ca certificates [TRUSTPOINT]`: the certificates the
//! trustpoints hold (`crypto ca certificate chain TP`, filled by `crypto ca
//! authenticate|import` or pasted; the same entries `pki.rs` gives the
//! engine), in the ASA's layout. The layout is that of real ASA output in
//! public write-ups (qytang's "ASA IPSec offline enrollment", the same
//! write-up the terminal enrollment follows, and two public repositories'
//! ASA certificate notes): a `Certificate` (the ASA's own) or `CA
//! Certificate` block each, `Status: Available`, `Certificate Serial
//! Number:` (lower-case hex, as encoded), `Certificate Usage:` (`General
//! Purpose`, `Signature` for a CA), `Public Key Type: RSA (2048 bits)`,
//! `Signature Algorithm: SHA256 with RSA Encryption`, `Issuer Name:` and
//! `Subject Name:` with an attribute a line (`cn=...`; the name's encoding
//! reversed: DigiCert's `C, O, OU, CN` shows `cn=` first),
//! `Validity Date:` with `start date:` / `end   date:`, `Associated
//! Trustpoints:` (every trustpoint that holds the same certificate, as a
//! public capture lists a CA shared by two), a blank line; the ASA's own
//! certificates before the CA certificates, as qytang's capture lists them.
//!
//! Left out because no real ASA text was found for them (public captures
//! show RSA keys signed with SHA-256 only): `Public Key Type` of a non-RSA
//! key (an ECDSA one) and `Signature Algorithm` other than `SHA256 with RSA
//! Encryption`. `CRL Distribution Points:` / `OCSP AIA:` (real lines) are
//! not printed: edgesh does not decode those extensions. Newer ASA releases
//! add `Storage: config`; the capture followed here has none.

use super::AsaDoc;
use crate::out::Out;
use crate::x509_info::{CertInfo, PublicKey, cisco_date, decode, usage};
use serde::Serialize;

/// One certificate as the show prints it.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ShownCert {
    /// `Certificate` or `CA Certificate`.
    pub heading: &'static str,
    pub status: &'static str,
    pub serial_number: String,
    pub usage: &'static str,
    /// `RSA (2048 bits)`; None where the ASA's words are not known.
    pub public_key_type: Option<String>,
    pub signature_algorithm: Option<String>,
    /// `cn=...`, the name's encoding reversed.
    pub issuer_name: Vec<String>,
    pub subject_name: Vec<String>,
    pub start_date: String,
    pub end_date: String,
    pub associated_trustpoints: Vec<String>,
}

fn shown(ca: bool, c: &CertInfo, tps: Vec<String>) -> ShownCert {
    let attrs = |v: &[(String, String)]| v.iter().map(|(k, val)| format!("{k}={val}")).collect();
    ShownCert {
        heading: if ca { "CA Certificate" } else { "Certificate" },
        status: "Available",
        serial_number: c.serial_hex.to_ascii_lowercase(),
        usage: usage(c, ca),
        public_key_type: match c.key {
            PublicKey::Rsa { bits } => Some(format!("RSA ({bits} bits)")),
            _ => None,
        },
        signature_algorithm: (c.signature == "SHA256 with RSA Encryption").then(|| c.signature.clone()),
        issuer_name: attrs(&c.issuer),
        subject_name: attrs(&c.subject),
        start_date: cisco_date(c.not_before),
        end_date: cisco_date(c.not_after),
        associated_trustpoints: tps,
    }
}

/// The certificates of every trustpoint (or of `only`): each distinct
/// certificate once, with every trustpoint that holds it; the ASA's own
/// certificates first, then the CA certificates.
pub fn certificates(doc: &AsaDoc, only: Option<&str>) -> Vec<ShownCert> {
    // (ca, der, info, trustpoints), in the order first met.
    let mut held: Vec<(bool, Vec<u8>, CertInfo, Vec<String>)> = Vec::new();
    for tp in super::pki::trustpoints(doc) {
        for e in super::pki::chain(doc, &tp) {
            let Ok(der) = e.der else { continue };
            match held.iter_mut().find(|h| h.0 == e.ca && h.1 == der) {
                Some(h) if !h.3.contains(&tp) => h.3.push(tp.clone()),
                Some(_) => {}
                None => {
                    if let Ok(info) = decode(&der) {
                        held.push((e.ca, der, info, vec![tp.clone()]));
                    }
                }
            }
        }
    }
    let mut v: Vec<ShownCert> = held
        .into_iter()
        .filter(|h| only.is_none_or(|o| h.3.iter().any(|t| t == o)))
        .map(|(ca, _, info, tps)| shown(ca, &info, tps))
        .collect();
    v.sort_by_key(|c| c.heading == "CA Certificate");
    v
}

/// The text of `show crypto ca certificates [TRUSTPOINT]`.
pub fn render(certs: &[ShownCert], out: &mut dyn Out) {
    for c in certs {
        out.line(c.heading);
        out.line(&format!("  Status: {}", c.status));
        out.line(&format!("  Certificate Serial Number: {}", c.serial_number));
        out.line(&format!("  Certificate Usage: {}", c.usage));
        if let Some(k) = &c.public_key_type {
            out.line(&format!("  Public Key Type: {k}"));
        }
        if let Some(s) = &c.signature_algorithm {
            out.line(&format!("  Signature Algorithm: {s}"));
        }
        out.line("  Issuer Name:");
        c.issuer_name.iter().for_each(|a| out.line(&format!("    {a}")));
        out.line("  Subject Name:");
        c.subject_name.iter().for_each(|a| out.line(&format!("    {a}")));
        out.line("  Validity Date:");
        out.line(&format!("    start date: {}", c.start_date));
        out.line(&format!("    end   date: {}", c.end_date));
        out.line(&format!("  Associated Trustpoints: {}", c.associated_trustpoints.join(" ")));
        out.line("");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asa::doc::Node;

    fn hex_lines(der: &[u8]) -> Vec<Node> {
        der.chunks(32)
            .map(|c| Node::verbatim(&c.iter().map(|b| format!("{b:02x}")).collect::<String>()))
            .chain([Node::verbatim("quit")])
            .collect()
    }

    fn der(pem: &str) -> Vec<u8> {
        crate::pki_paste::pasted_der(&pem.lines().map(str::to_string).collect::<Vec<_>>()).unwrap().0
    }

    /// The lab CA shared by two trustpoints and r1's certificate in one:
    /// the ASA's own certificate first, the CA once with both trustpoints,
    /// the ASA's words and layout line for line; a trustpoint named shows
    /// only what it holds; the EC key's type is left out.
    #[test]
    fn certificates_in_the_asa_layout() {
        let ca = der(include_str!("../../../golden/pki/ca.pem"));
        let r1 = der(include_str!("../../../golden/pki/r1-rsa.pem"));
        let ec = der(include_str!("../../../golden/pki/r1-ec.pem"));
        let mut doc = AsaDoc::default();
        for (tp, certs) in [
            ("TP", vec![("certificate ca 01", &ca), ("certificate 10", &r1)]),
            ("OTHER", vec![("certificate ca 01", &ca)]),
            ("EC", vec![("certificate 12", &ec)]),
        ] {
            doc.root.push(Node::verbatim(&format!("crypto ca trustpoint {tp}")));
            let mut chain = Node::verbatim(&format!("crypto ca certificate chain {tp}"));
            for (head, d) in certs {
                let mut n = Node::verbatim(head);
                n.children = hex_lines(d);
                chain.children.push(n);
            }
            doc.root.push(chain);
        }
        let mut out = crate::out::VecOut::default();
        render(&certificates(&doc, Some("TP")), &mut out);
        assert_eq!(
            out.0[..19],
            [
                "Certificate",
                "  Status: Available",
                "  Certificate Serial Number: 10",
                "  Certificate Usage: General Purpose",
                "  Public Key Type: RSA (2048 bits)",
                "  Signature Algorithm: SHA256 with RSA Encryption",
                "  Issuer Name:",
                "    c=US",
                "    o=Edgesh Lab",
                "    cn=Edgesh Lab Test CA",
                "  Subject Name:",
                "    c=US",
                "    o=Edgesh Lab",
                "    cn=r1.lab.example",
                "  Validity Date:",
                "    start date: 00:00:00 UTC Jan 1 2026",
                "    end   date: 00:00:00 UTC Jan 1 2036",
                "  Associated Trustpoints: TP",
                "",
            ]
        );
        // The CA's block: the same layout, once, with both trustpoints.
        let ca_block = &out.0[19..];
        assert_eq!(ca_block.len(), 19);
        assert_eq!(
            [ca_block[0].as_str(), &ca_block[2], &ca_block[3], &ca_block[13], &ca_block[17]],
            [
                "CA Certificate",
                "  Certificate Serial Number: 01",
                "  Certificate Usage: Signature",
                "    cn=Edgesh Lab Test CA",
                "  Associated Trustpoints: TP OTHER",
            ]
        );
        let all = certificates(&doc, None);
        assert_eq!(all.iter().map(|c| c.serial_number.as_str()).collect::<Vec<_>>(), ["10", "12", "01"]);
        assert_eq!(all[1].public_key_type, None);
        assert_eq!(all[1].signature_algorithm.as_deref(), Some("SHA256 with RSA Encryption"));
        assert!(certificates(&doc, Some("NONE")).is_empty());
    }
}
