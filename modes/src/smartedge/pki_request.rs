//! `add pki certificate-request rsa NAME file FILE`: the guide's questions
//! (section 6.1.1 step 3), in its order and words, then the PKCS#10
//! request written to FILE (`engine::pki::csr`), signed with the key pair
//! named in the first answer.
//!
//! Empty answers leave a field out. The alternative names and the e-mail
//! are asked twice "for confirmation purposes" (the guide's note): two
//! different answers are refused and the first question asked again. A
//! country code must be two letters, addresses must parse. The guide gives
//! no wording for refusals; these are `% ` lines in the house style.

use crate::dialog::Dialog;
use crate::out::Out;
use crate::session::Session;
use edgesh_engine::pki::csr::{AltName, KeyUsageBits, NameAttr, Request};

/// The subject questions, in the guide's order, and the attribute each fills.
const SUBJECT: [(&str, NameAttr); 7] = [
    ("Enter the Common name: ", NameAttr::CommonName),
    ("Enter the Organization Unit Name: ", NameAttr::OrganizationalUnit),
    ("Enter the Organization Name: ", NameAttr::Organization),
    ("Enter the City Name: ", NameAttr::Locality),
    ("Enter the State Name: ", NameAttr::State),
    ("Enter the Postal Code: ", NameAttr::PostalCode),
    ("Enter the Country Code: ", NameAttr::Country),
];

/// The alternative-name questions, each asked twice.
const ALT: [&str; 4] =
    ["Enter the IPv4 Address: ", "Enter the IPv6 Address: ", "Enter the Domain Name: ", "Enter the Email Id: "];

const KU: [&str; 7] = [
    "DigitalSignature (y/n): ",
    "NonRepudiation (y/n): ",
    "KeyEncipherment (y/n): ",
    "DataEncipherment (y/n): ",
    "KeyAgreement (y/n): ",
    "EncipherOnly (y/n): ",
    "DecipherOnly (y/n): ",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    KeyId,
    Subject(usize),
    /// (question, second time?)
    Alt(usize, bool),
    KuAsk,
    Ku(usize),
}

pub struct RequestDialog {
    ctx: String,
    name: String,
    file: String,
    step: Step,
    key: String,
    subject: Vec<(NameAttr, String)>,
    alt: Vec<AltName>,
    first: String,
    ku: [bool; 7],
}

pub fn start(ctx: &str, name: &str, file: &str) -> Box<dyn Dialog<Session>> {
    Box::new(RequestDialog {
        ctx: ctx.into(),
        name: name.into(),
        file: file.into(),
        step: Step::KeyId,
        key: String::new(),
        subject: Vec::new(),
        alt: Vec::new(),
        first: String::new(),
        ku: [false; 7],
    })
}

fn yes_no(a: &str) -> Option<bool> {
    match a.to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

/// An alternative name answer of question `i`, checked.
fn alt_name(i: usize, a: &str) -> Result<AltName, String> {
    match i {
        0 => a
            .parse::<std::net::Ipv4Addr>()
            .map(|ip| AltName::Ip(ip.into()))
            .map_err(|_| format!("% Invalid IPv4 address {a}")),
        1 => a
            .parse::<std::net::Ipv6Addr>()
            .map(|ip| AltName::Ip(ip.into()))
            .map_err(|_| format!("% Invalid IPv6 address {a}")),
        2 if a.is_ascii() && !a.contains(char::is_whitespace) && !a.starts_with('.') => Ok(AltName::Dns(a.to_string())),
        2 => Err(format!("% Invalid domain name {a}")),
        _ if a.is_ascii() && a.contains('@') && !a.contains(char::is_whitespace) => Ok(AltName::Email(a.to_string())),
        _ => Err(format!("% Invalid e-mail address {a}")),
    }
}

impl RequestDialog {
    fn next(mut self: Box<Self>, step: Step) -> Option<Box<dyn Dialog<Session>>> {
        self.step = step;
        Some(self)
    }

    /// Build, sign and write the request.
    fn finish(self: Box<Self>, s: &mut Session, usage: bool, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        let key = match super::pki_files::key_pair(s, &self.ctx, &self.key) {
            Ok(k) => k,
            Err(e) => {
                out.line(&format!("% {e}"));
                return None;
            }
        };
        // X.509 order, most significant first: C, ST, L, postal code, O, OU, CN.
        let rank = |a: &NameAttr| {
            [
                NameAttr::Country,
                NameAttr::State,
                NameAttr::Locality,
                NameAttr::PostalCode,
                NameAttr::Organization,
                NameAttr::OrganizationalUnit,
                NameAttr::CommonName,
            ]
            .iter()
            .position(|x| x == a)
            .unwrap_or(9)
        };
        let mut subject = self.subject.clone();
        subject.sort_by_key(|(a, _)| rank(a));
        let k = self.ku;
        let key_usage = usage.then_some(KeyUsageBits {
            digital_signature: k[0],
            non_repudiation: k[1],
            key_encipherment: k[2],
            data_encipherment: k[3],
            key_agreement: k[4],
            encipher_only: k[5],
            decipher_only: k[6],
        });
        let req = Request { subject, alt_names: self.alt.clone(), key_usage };
        let pem = match edgesh_engine::pki::csr::build(&key.key, &req).and_then(|c| edgesh_engine::pki::csr::to_pem(&c))
        {
            Ok(p) => p,
            Err(e) => {
                out.line(&format!("% {e}"));
                return None;
            }
        };
        let written = super::pki_files::path_of(s, &self.file)
            .and_then(|p| std::fs::write(&p, pem).map_err(|e| format!("Cannot write {}: {e}", self.file)));
        match written {
            Ok(()) => {
                s.router()
                    .pki
                    .entry(self.ctx.clone())
                    .or_default()
                    .requests
                    .insert(self.name.clone(), self.file.clone());
            }
            Err(e) => out.line(&format!("% {e}")),
        }
        None
    }
}

impl Dialog<Session> for RequestDialog {
    fn prompt(&self) -> String {
        match self.step {
            Step::KeyId => "Enter the private key identifier: ".into(),
            Step::Subject(i) => SUBJECT[i].0.into(),
            Step::Alt(i, _) => ALT[i].into(),
            Step::KuAsk => "Do you want to configure Key Usage Attributes (y/n): ".into(),
            Step::Ku(i) => KU[i].into(),
        }
    }

    fn answer(mut self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        let a = line.trim();
        match self.step {
            Step::KeyId => {
                // The key pair must exist: without it there is nothing to sign with.
                if let Err(e) = super::pki_files::key_pair(s, &self.ctx, a) {
                    out.line(&format!(
                        "% {}",
                        if a.is_empty() { "A private key identifier is needed".to_string() } else { e }
                    ));
                    return None;
                }
                self.key = a.to_string();
                self.next(Step::Subject(0))
            }
            Step::Subject(i) => {
                let attr = SUBJECT[i].1;
                if !a.is_empty() {
                    if attr == NameAttr::Country && (a.len() != 2 || !a.bytes().all(|b| b.is_ascii_alphabetic())) {
                        out.line(&format!("% Invalid country code {a} (two letters)"));
                        return Some(self);
                    }
                    self.subject.push((attr, a.to_string()));
                }
                if i + 1 < SUBJECT.len() {
                    return self.next(Step::Subject(i + 1));
                }
                out.line("% SUBJECT ALTERNATIVE NAMES");
                self.next(Step::Alt(0, false))
            }
            Step::Alt(i, second) => {
                if !second {
                    if !a.is_empty()
                        && let Err(e) = alt_name(i, a)
                    {
                        out.line(&e);
                        return Some(self);
                    }
                    self.first = a.to_string();
                    return self.next(Step::Alt(i, true));
                }
                if a != self.first {
                    out.line("% The two entries differ");
                    return self.next(Step::Alt(i, false));
                }
                if !a.is_empty()
                    && let Ok(n) = alt_name(i, a)
                {
                    self.alt.push(n);
                }
                if i + 1 < ALT.len() { self.next(Step::Alt(i + 1, false)) } else { self.next(Step::KuAsk) }
            }
            Step::KuAsk => match yes_no(a) {
                Some(true) => self.next(Step::Ku(0)),
                Some(false) => self.finish(s, false, out),
                None => Some(self),
            },
            Step::Ku(i) => match yes_no(a) {
                Some(b) => {
                    self.ku[i] = b;
                    if i + 1 < KU.len() { self.next(Step::Ku(i + 1)) } else { self.finish(s, true, out) }
                }
                None => Some(self),
            },
        }
    }
}
