//! Terminal PKI dialogues shared by the Cisco dialects (IOS `crypto pki
//! authenticate|import|enroll`, ASA `crypto ca authenticate|import|enroll`):
//! a pasted certificate read (base64, with or without its PEM lines) and
//! decoded, the CA's certificate shown and accepted when confirmed, the
//! device's own certificate checked against its key, and the PKCS#10
//! request built from a trustpoint's subject. What differs between the
//! dialects (the words, which line ends a paste, where the certificate is
//! kept in the running configuration) is a [`PasteTarget`] each dialect
//! implements; the dialogue itself is here once.

use crate::cisco_doc::Node;
use crate::dialog::Dialog;
use crate::keystore::PrivateKey;
use crate::out::Out;
use crate::session::Session;
use edgesh_engine::pki::csr::{KeyUsageBits, NameAttr, Request};
use x509_cert::der::Decode;

/// A pasted certificate: its DER and its decoding.
pub struct Pasted {
    pub der: Vec<u8>,
    pub cert: x509_cert::Certificate,
}

/// What a dialect says and does around a pasted certificate.
pub trait PasteTarget: Send {
    /// The line that ends the paste (IOS: a blank line or `quit`; ASA: `quit`).
    fn ends(&self, line: &str) -> bool;
    /// The lines before the question after the CA's certificate was pasted (its fingerprints).
    fn fingerprint(&self, der: &[u8], out: &mut dyn Out);
    /// The question whether the CA certificate is accepted.
    fn accept_prompt(&self) -> String;
    /// Said to an answer that is neither yes nor no (`None`: asked again silently).
    fn answer_again(&self) -> Option<&'static str>;
    /// Keep the accepted CA certificate `der` (serial `serial`) in trustpoint `tp`'s chain and say so.
    fn accepted(&self, s: &mut Session, tp: &str, der: &[u8], serial: &str, out: &mut dyn Out);
    /// Keep the device's certificate (checked against the trustpoint's key) and say so.
    fn imported(&self, s: &mut Session, tp: &str, p: &Pasted, out: &mut dyn Out) -> Result<(), String>;
    /// An error in the dialect's words.
    fn error(&self, e: &str, out: &mut dyn Out);
}

/// The certificate pasted after `... authenticate TP` (the CA's, `ca`) or
/// `... import TP certificate` (the device's).
pub struct Paste {
    pub tp: String,
    pub lines: Vec<String>,
    pub ca: bool,
    pub target: Box<dyn PasteTarget>,
}

impl Paste {
    pub fn new(tp: String, ca: bool, target: Box<dyn PasteTarget>) -> Paste {
        Paste { tp, lines: Vec::new(), ca, target }
    }
}

impl Dialog<Session> for Paste {
    fn prompt(&self) -> String {
        String::new()
    }

    /// Base64 lines, PEM armour, blank lines and the line that ends the
    /// paste; anything else (a configuration command) ends the paste unfinished.
    fn takes(&self, line: &str) -> bool {
        let t = line.trim();
        t.is_empty() || self.target.ends(t) || t.starts_with("-----") || certificate_text(t)
    }

    fn abandon(self: Box<Self>, _s: &mut Session, out: &mut dyn Out) {
        self.target.error(
            &format!(
                "Certificate paste for trustpoint {} ended by a line that is not base 64, which runs as a command: nothing imported",
                self.tp
            ),
            out,
        );
    }

    fn answer(mut self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        let t = line.trim();
        if !self.target.ends(t) {
            if t.is_empty() {
                return Some(self);
            }
            if self.lines.len() >= 1000 {
                self.target.error("Too many lines for a certificate", out);
                return None;
            }
            self.lines.push(t.to_string());
            return Some(self);
        }
        let (der, cert) = match pasted_der(&self.lines) {
            Ok(d) => d,
            Err(e) => {
                self.target.error(&e, out);
                return None;
            }
        };
        if self.ca {
            self.target.fingerprint(&der, out);
            let serial = serial_hex(&cert);
            return Some(Box::new(AcceptCa { tp: self.tp, der, serial, target: self.target }));
        }
        if let Err(e) = self.target.imported(s, &self.tp, &Pasted { der, cert }, out) {
            self.target.error(&e, out);
        }
        None
    }
}

/// A line of a base-64 certificate as PEM carries it: RFC 4648 letters,
/// digits, `+`, `/` and `=` padding, no blanks, a multiple of 4 long (a
/// configuration command has blanks, or other characters, or another length,
/// but for a rare word such as `exit`).
fn certificate_text(t: &str) -> bool {
    !t.is_empty()
        && t.len().is_multiple_of(4)
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// The question after the CA's certificate: kept when the answer is yes.
struct AcceptCa {
    tp: String,
    der: Vec<u8>,
    serial: String,
    target: Box<dyn PasteTarget>,
}

impl Dialog<Session> for AcceptCa {
    fn prompt(&self) -> String {
        self.target.accept_prompt()
    }

    fn answer(self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        match yes_no(line) {
            None => {
                if let Some(l) = self.target.answer_again() {
                    out.line(l);
                }
                Some(self)
            }
            Some(false) => None,
            Some(true) => {
                self.target.accepted(s, &self.tp, &self.der, &self.serial, out);
                None
            }
        }
    }
}

/// Check that `cert` carries the public key of key pair `label` (trustpoint
/// `tp`'s), held in the device's key store.
pub fn check_key(s: &Session, label: &str, tp: &str, cert: &x509_cert::Certificate) -> Result<(), String> {
    use x509_cert::der::Encode;
    let key = crate::keystore::store(s)
        .load(label)
        .map_err(|_| format!("Key pair {label} of trustpoint {tp} does not exist"))?;
    let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(|e| e.to_string())?;
    if spki != key.key.public_key_der() {
        return Err(format!("The certificate is not for key pair {label} of trustpoint {tp} (its public key differs)"));
    }
    Ok(())
}

/// Keep `der` as the block `head` (`certificate ca 01`, `certificate 10`:
/// hex lines, `quit`) in a trustpoint's chain in the running configuration
/// `root`, replacing the certificate of the same kind (the device's own
/// first, the CA's after it); the chain (`chain_head`, found by `is_chain`)
/// is made after the trustpoint's block (found by `is_trustpoint`) when
/// there is none.
pub fn keep_in_chain(
    root: &mut Vec<Node>,
    is_chain: impl Fn(&Node) -> bool,
    is_trustpoint: impl Fn(&Node) -> bool,
    chain_head: Node,
    head: Node,
    der: &[u8],
    ca: bool,
) {
    let mut block = head;
    block.children = hex_lines(der, "")
        .into_iter()
        .map(|l| Node { text: l, unsupported: block.unsupported, ..Default::default() })
        .collect();
    block.children.push(Node { text: "quit".into(), unsupported: block.unsupported, ..Default::default() });
    let at = match root.iter().position(&is_chain) {
        Some(i) => i,
        None => {
            let after = root.iter().rposition(&is_trustpoint).map(|i| i + 1).unwrap_or(root.len());
            root.insert(after, chain_head);
            after
        }
    };
    let chain = &mut root[at].children;
    let is_ca = |c: &Node| c.text.split_whitespace().nth(1) == Some("ca");
    if ca {
        chain.retain(|c| !is_ca(c));
        chain.push(block);
    } else {
        chain.retain(is_ca);
        chain.insert(0, block);
    }
}

/// `yes`/`no` and their prefixes.
pub fn yes_no(a: &str) -> Option<bool> {
    let a = a.trim().to_ascii_lowercase();
    if a.is_empty() {
        return None;
    }
    if "yes".starts_with(&a) {
        Some(true)
    } else if "no".starts_with(&a) {
        Some(false)
    } else {
        None
    }
}

/// A certificate's serial number in upper-case hex.
pub fn serial_hex(cert: &x509_cert::Certificate) -> String {
    cert.tbs_certificate().serial_number().as_bytes().iter().map(|b| format!("{b:02X}")).collect()
}

/// The DER of a pasted certificate (base64, with or without the PEM lines).
pub fn pasted_der(lines: &[String]) -> Result<(Vec<u8>, x509_cert::Certificate), String> {
    use base64ct::Encoding;
    let b64: String = lines.iter().filter(|l| !l.starts_with("-----")).map(|l| l.trim()).collect();
    let der = base64ct::Base64::decode_vec(&b64).map_err(|_| "The certificate is not base 64 encoded".to_string())?;
    let cert = x509_cert::Certificate::from_der(&der).map_err(|e| format!("Not an X.509 certificate ({e})"))?;
    Ok((der, cert))
}

/// The DER in the Cisco running configuration's hex layout: words of 8
/// digits, 8 words a line, each line after `indent`.
pub fn hex_lines(der: &[u8], indent: &str) -> Vec<String> {
    let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
    let words: Vec<&str> = hex.as_bytes().chunks(8).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
    words.chunks(8).map(|l| format!("{indent}{}", l.join(" "))).collect()
}

/// A trustpoint's `subject-name` (`cn=R1,ou=VPN,o=Example`, most specific
/// first as typed) as the request's name attributes, encoded the other way
/// round.
pub fn subject_attrs(t: &str) -> Result<Vec<(NameAttr, String)>, String> {
    let mut subject = Vec::new();
    for part in t.split(',').rev() {
        let (k, v) =
            part.split_once('=').ok_or_else(|| format!("subject-name {t}: `{part}` is not ATTRIBUTE=value"))?;
        let attr = NameAttr::parse(k.trim()).ok_or_else(|| format!("subject-name {t}: unknown attribute {k}"))?;
        subject.push((attr, v.trim().to_string()));
    }
    Ok(subject)
}

/// The PKCS#10 request (PEM) of `key` for `subject`, with the device's
/// name (`unstructuredName`) and address (`unstructuredAddress`) when given.
pub fn request_pem(
    key: &PrivateKey,
    mut subject: Vec<(NameAttr, String)>,
    fqdn: Option<&str>,
    ip: Option<std::net::Ipv4Addr>,
) -> Result<String, String> {
    if let Some(f) = fqdn {
        subject.push((NameAttr::UnstructuredName, f.to_string()));
    }
    if let Some(ip) = ip {
        subject.push((NameAttr::UnstructuredAddress, ip.to_string()));
    }
    let rsa = matches!(key, PrivateKey::Rsa(_));
    let req = Request {
        subject,
        alt_names: Vec::new(),
        key_usage: Some(KeyUsageBits { digital_signature: true, key_encipherment: rsa, ..Default::default() }),
    };
    edgesh_engine::pki::csr::build(key, &req)
        .and_then(|c| edgesh_engine::pki::csr::to_pem(&c))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_layout_is_ios() {
        let der: Vec<u8> = (0u8..70).collect();
        let l = hex_lines(&der, "  ");
        assert_eq!(l.len(), 3);
        assert_eq!(l[0], "  00010203 04050607 08090A0B 0C0D0E0F 10111213 14151617 18191A1B 1C1D1E1F");
        assert_eq!(l[2], "  40414243 4445");
    }

    #[test]
    fn yes_no_takes_prefixes() {
        assert_eq!(yes_no("y"), Some(true));
        assert_eq!(yes_no("NO"), Some(false));
        assert_eq!(yes_no("maybe"), None);
        assert_eq!(yes_no(""), None);
    }
}
