//! ASA terminal enrollment (configuration mode): `crypto ca authenticate
//! TP` (the CA certificate pasted, ended by `quit`, its fingerprint shown,
//! kept when accepted), `crypto ca enroll TP` (the PKCS#10 request of the
//! trustpoint's key, printed to the terminal) and `crypto ca import TP
//! certificate` (the ASA's own certificate pasted, checked against the
//! trustpoint's key). The dialogue is the one the IOS dialect runs
//! (`crate::pki_paste`); the words are the ASA's, from a real ASA
//! transcript of all three (a public lab write-up, qytang's "ASA IPSec
//! offline enrollment": `End with the word "quit" on a line by itself`,
//! `INFO: Certificate has the following attributes:`, `Fingerprint:` and
//! the MD5 in lower-case words, `Do you accept this certificate?
//! [yes/no]:`, `Trustpoint CA certificate accepted.`, `% Certificate
//! successfully imported`, `% Start certificate enrollment ..`, `% The
//! subject name in the certificate will be: ...`, `% The fully-qualified
//! domain name in the certificate will be: ...`, `% Include the device
//! serial number in the subject name? [yes/no]:`, `% The IP address in the
//! certificate is ...`, `Display Certificate Request to terminal?
//! [yes/no]:`, `Certificate Request follows:` and the PEM, `INFO:
//! Certificate successfully imported`; the same words in a second public
//! ASA write-up of `crypto ca authenticate`). The certificates are kept as
//! the ASA's running configuration carries them: `crypto ca certificate
//! chain TP`, `certificate [ca] SERIAL` (lower-case hex), hex lines,
//! `quit` (read back by `pki.rs`). Refusals particular to edgesh (no
//! trustpoint, no key, `enrollment` other than `terminal`) are said in the
//! ASA's `ERROR: ` style.

use super::doc::Node;
use crate::dialog::Dialog;
use crate::keystore::KeyKind;
use crate::out::Out;
use crate::pki_paste::{Paste, PasteTarget, Pasted, yes_no};
use crate::session::{Args, CmdResult, Session};

/// The lines of trustpoint `tp`'s block, trimmed (None: no such trustpoint).
fn trustpoint_lines(s: &Session, tp: &str) -> Option<Vec<String>> {
    let r = s.router();
    let head = format!("crypto ca trustpoint {tp}");
    r.asa
        .doc
        .root
        .iter()
        .find(|n| n.text.split_whitespace().eq(head.split_whitespace()))
        .map(|n| n.children.iter().map(|c| c.text.trim().to_string()).collect())
}

fn value<'a>(lines: &'a [String], key: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| l.strip_prefix(key)).map(str::trim)
}

/// The trustpoint's key label (`keypair L`, else the ASA's default key).
fn key_label(lines: &[String]) -> String {
    value(lines, "keypair ").unwrap_or(super::pki::DEFAULT_KEYPAIR).to_string()
}

/// The name the certificate carries: `fqdn F` (`fqdn none`: none), else
/// the host name with the `domain-name`.
fn fqdn(s: &Session, lines: &[String]) -> Option<String> {
    match value(lines, "fqdn ") {
        Some("none") => None,
        Some(f) => Some(f.to_string()),
        None => {
            let r = s.router();
            let domain = r.asa.doc.root.iter().find_map(|n| n.text.strip_prefix("domain-name ").map(str::to_string));
            Some(match domain {
                Some(d) => format!("{}.{d}", r.asa.doc.hostname),
                None => r.asa.doc.hostname.clone(),
            })
        }
    }
}

fn ip_address(lines: &[String]) -> Result<Option<std::net::Ipv4Addr>, String> {
    match value(lines, "ip-address ") {
        None | Some("none") => Ok(None),
        Some(a) => a.parse().map(Some).map_err(|_| format!("ip-address {a}: edgesh takes an IPv4 address here")),
    }
}

/// Keep `der` as `head` (`certificate ca 01`, `certificate 10`) in
/// trustpoint `tp`'s chain (`crate::pki_paste::keep_in_chain`).
fn keep_in_chain(s: &mut Session, tp: &str, der: &[u8], head: &str, ca: bool) {
    let chain_head = format!("crypto ca certificate chain {tp}");
    let tp_head = format!("crypto ca trustpoint {tp}");
    let same = |n: &Node, h: &str| n.text.split_whitespace().eq(h.split_whitespace());
    crate::pki_paste::keep_in_chain(
        &mut s.router().asa.doc.root,
        |n| same(n, &chain_head),
        |n| same(n, &tp_head),
        Node::verbatim(&chain_head),
        Node::verbatim(head),
        der,
        ca,
    );
}

/// The ASA's words and chain around a pasted certificate.
struct AsaPaste;

impl PasteTarget for AsaPaste {
    fn ends(&self, line: &str) -> bool {
        line == "quit"
    }

    fn fingerprint(&self, der: &[u8], out: &mut dyn Out) {
        use md5::Digest;
        let hex: String = md5::Md5::digest(der).iter().map(|b| format!("{b:02x}")).collect();
        let words: Vec<&str> = hex.as_bytes().chunks(8).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
        out.line("");
        out.line("INFO: Certificate has the following attributes:");
        out.line(&format!("Fingerprint:     {}", words.join(" ")));
    }

    fn accept_prompt(&self) -> String {
        "Do you accept this certificate? [yes/no]: ".into()
    }

    fn answer_again(&self) -> Option<&'static str> {
        None
    }

    fn accepted(&self, s: &mut Session, tp: &str, der: &[u8], serial: &str, out: &mut dyn Out) {
        keep_in_chain(s, tp, der, &format!("certificate ca {}", serial.to_ascii_lowercase()), true);
        out.line("");
        out.line("Trustpoint CA certificate accepted.");
        out.line("");
        out.line("% Certificate successfully imported");
    }

    fn imported(&self, s: &mut Session, tp: &str, p: &Pasted, out: &mut dyn Out) -> Result<(), String> {
        let label = key_label(&trustpoint_lines(s, tp).unwrap_or_default());
        crate::pki_paste::check_key(s, &label, tp, &p.cert)?;
        let serial = crate::pki_paste::serial_hex(&p.cert).to_ascii_lowercase();
        keep_in_chain(s, tp, &p.der, &format!("certificate {serial}"), false);
        out.line("INFO: Certificate successfully imported");
        Ok(())
    }

    fn error(&self, e: &str, out: &mut dyn Out) {
        out.line(&format!("ERROR: {e}"));
    }
}

fn trustpoint_or_error(s: &Session, a: &Args) -> Result<(String, Vec<String>), String> {
    let tp = a.req("WORD")?.to_string();
    let lines = trustpoint_lines(s, &tp).ok_or_else(|| format!("Trustpoint {tp} is not configured"))?;
    Ok((tp, lines))
}

/// `crypto ca authenticate TP`.
pub fn authenticate(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let (tp, _) = trustpoint_or_error(s, a)?;
    out.line("Enter the base 64 encoded CA certificate.");
    out.line("End with the word \"quit\" on a line by itself");
    s.dialog = Some(Box::new(Paste::new(tp, true, Box::new(AsaPaste))));
    Ok(())
}

/// `crypto ca import TP certificate`.
pub fn import(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let (tp, lines) = trustpoint_or_error(s, a)?;
    out.line("");
    if let Some(f) = fqdn(s, &lines) {
        out.line(&format!("% The fully-qualified domain name in the certificate will be: {f}"));
        out.line("");
    }
    if let Some(ip) = ip_address(&lines)? {
        out.line(&format!("% The IP address in the certificate is {ip}"));
        out.line("");
    }
    out.line("");
    out.line("Enter the base 64 encoded certificate.");
    out.line("End with the word \"quit\" on a line by itself");
    s.dialog = Some(Box::new(Paste::new(tp, false, Box::new(AsaPaste))));
    Ok(())
}

/// What `crypto ca enroll` asks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Serial,
    Display,
}

struct Enroll {
    step: Step,
    ip: Option<std::net::Ipv4Addr>,
    csr: String,
}

impl Dialog<Session> for Enroll {
    fn prompt(&self) -> String {
        match self.step {
            Step::Serial => "% Include the device serial number in the subject name? [yes/no]: ",
            Step::Display => "Display Certificate Request to terminal? [yes/no]: ",
        }
        .into()
    }

    fn answer(mut self: Box<Self>, _: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        let Some(yes) = yes_no(line) else { return Some(self) };
        match self.step {
            Step::Serial => {
                if yes {
                    out.line("% This device has no serial number; none is included");
                }
                out.line("");
                if let Some(ip) = self.ip {
                    out.line(&format!("% The IP address in the certificate is {ip}"));
                    out.line("");
                }
                self.step = Step::Display;
                Some(self)
            }
            Step::Display => {
                if yes {
                    out.line("Certificate Request follows:");
                    for l in self.csr.lines() {
                        out.line(l);
                    }
                    out.line("");
                }
                None
            }
        }
    }
}

/// `crypto ca enroll TP`: for an `enrollment terminal` trustpoint, the
/// request of its key (`keypair`), subject (`subject-name`), name (`fqdn`)
/// and address (`ip-address`).
pub fn enroll(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let (tp, lines) = trustpoint_or_error(s, a)?;
    if value(&lines, "enrollment ") != Some("terminal") {
        return Err(format!(
            "Trustpoint {tp} does not enroll from the terminal (edgesh enrolls with `enrollment terminal` only)"
        ));
    }
    let label = key_label(&lines);
    let key = crate::keystore::store(s)
        .load(&label)
        .map_err(|_| format!("Key pair {label} of trustpoint {tp} does not exist"))?;
    let subject_text = value(&lines, "subject-name ").map(str::to_string);
    let subject = match &subject_text {
        Some(t) => crate::pki_paste::subject_attrs(t)?,
        None => Vec::new(),
    };
    let fqdn = fqdn(s, &lines);
    let ip = ip_address(&lines)?;
    let csr = crate::pki_paste::request_pem(&key.key, subject, fqdn.as_deref(), ip)?;
    out.line("% Start certificate enrollment ..");
    if let Some(t) = &subject_text {
        out.line(&format!("% The subject name in the certificate will be: {t}"));
        out.line("");
    }
    if let Some(f) = &fqdn {
        out.line(&format!("% The fully-qualified domain name in the certificate will be: {f}"));
        out.line("");
    }
    s.dialog = Some(Box::new(Enroll { step: Step::Serial, ip, csr }));
    Ok(())
}

/// The key label ASA shows for a key made without `label`: `<Default-RSA-Key>`.
fn shown_label(label: &str, default: &str) -> String {
    if label == default { format!("<{label}>") } else { label.to_string() }
}

/// `Do you really want to replace them?` after the ASA's warning that a key
/// pair of that name exists: `yes` makes the new one.
struct ReplaceKeys {
    label: String,
    kind: KeyKind,
}

impl Dialog<Session> for ReplaceKeys {
    fn prompt(&self) -> String {
        "Do you really want to replace them? [yes/no]: ".into()
    }

    fn answer(self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        match yes_no(line) {
            None => Some(self),
            Some(false) => None,
            Some(true) => {
                make_keys(s, &self.label, self.kind, out);
                None
            }
        }
    }
}

fn make_keys(s: &Session, label: &str, kind: KeyKind, out: &mut dyn Out) {
    out.line("Keypair generation process begin. Please wait...");
    if let Err(e) = crate::keystore::generate(s, label, kind) {
        out.line(&format!("ERROR: Key generation failed: {e}"));
    }
}

/// `crypto key generate rsa|ecdsa [label L] [modulus N | elliptic-curve N]
/// [noconfirm]`: the key pair kept in the key store (never a line of the
/// running configuration), in the ASA's words (real ASA output: `INFO: The
/// name for the keys will be: <Default-RSA-Key>`, `Keypair generation
/// process begin. Please wait...`, and for an existing name `WARNING: You
/// have a RSA keypair already defined named <Default-RSA-Key>.`, a blank
/// line, `Do you really want to replace them? [yes/no]:`; the ECDSA
/// warning is the same sentence with `ECDSA`, by analogy). A trustpoint's
/// `keypair L` names it; an ECDSA key signs as ECDSA (IKEv2).
pub fn generate(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let ecdsa = a.has("ecdsa");
    let (default, word) = if ecdsa { ("Default-ECDSA-Key", "ECDSA") } else { (super::pki::DEFAULT_KEYPAIR, "RSA") };
    let label = a.get("WORD").unwrap_or(default).to_string();
    if !edgesh_engine::pki::keys::valid_label(&label) {
        return Err(format!("Invalid key label {label}"));
    }
    let kind = if ecdsa {
        match () {
            _ if a.has("521") => return Err("edgesh has no P-521 keys: elliptic-curve 256 or 384".into()),
            _ if a.has("384") => KeyKind::P384,
            _ => KeyKind::P256,
        }
    } else {
        let bits = ["512", "768", "1024", "3072", "4096"]
            .iter()
            .find(|b| a.has(b))
            .map_or(2048, |b| b.parse().unwrap_or(2048));
        KeyKind::Rsa(bits)
    };
    let shown = shown_label(&label, default);
    if crate::keystore::store(s).exists(&label) && !a.has("noconfirm") {
        out.line(&format!("WARNING: You have a {word} keypair already defined named {shown}."));
        out.line("");
        s.dialog = Some(Box::new(ReplaceKeys { label, kind }));
        return Ok(());
    }
    out.line(&format!("INFO: The name for the keys will be: {shown}"));
    make_keys(s, &label, kind, out);
    Ok(())
}

/// `crypto key zeroize rsa|ecdsa [label L] noconfirm`: the key pairs of
/// that kind (or the one named) leave the key store, and the trustpoints
/// whose key pair they were (`keypair L`; without it `Default-RSA-Key`)
/// lose their own certificates (`certificate SERIAL` of their chain; the
/// CA certificates stay), so the engine no longer signs with them. The
/// ASA's question before it (without `noconfirm`) and the lines it prints
/// were not found in the stored public material (searched 2026-12-03: the
/// page, documentation and code stores for the ASA's `crypto key zeroize`
/// output and prompt), so edgesh asks for `noconfirm` and prints nothing.
pub fn zeroize(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let ecdsa = a.has("ecdsa");
    if !a.has("noconfirm") {
        return Err(
            "edgesh zeroizes key pairs with `noconfirm` only (the ASA's question was not found in public material)"
                .into(),
        );
    }
    let store = crate::keystore::store(s);
    let of_kind = |k: &crate::keystore::StoredKey| matches!(k.key.kind(), KeyKind::Rsa(_)) != ecdsa;
    let labels: Vec<String> = match a.get("WORD") {
        Some(l) => match store.load(l) {
            Ok(k) if of_kind(&k) => vec![l.to_string()],
            _ => return Err(format!("Key pair {l} does not exist")),
        },
        None => store.all().into_iter().filter(of_kind).map(|k| k.label).collect(),
    };
    for l in &labels {
        if let Err(e) = store.remove(l) {
            out.line(&format!("ERROR: {e}"));
        }
    }
    let mut r = s.router();
    let doc = &r.asa.doc;
    let tps: Vec<String> = super::pki::trustpoints(doc)
        .into_iter()
        .filter(|tp| {
            let head = format!("crypto ca trustpoint {tp}");
            let lines: Vec<String> = doc
                .root
                .iter()
                .find(|n| n.text.split_whitespace().eq(head.split_whitespace()))
                .map(|n| n.children.iter().map(|c| c.text.trim().to_string()).collect())
                .unwrap_or_default();
            labels.contains(&key_label(&lines))
        })
        .collect();
    let chain_of = |n: &Node| {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        matches!(w.as_slice(), ["crypto", "ca", "certificate", "chain", tp] if tps.iter().any(|t| t == tp))
    };
    for n in r.asa.doc.root.iter_mut().filter(|n| chain_of(n)) {
        n.children.retain(|c| c.text.split_whitespace().nth(1) == Some("ca"));
    }
    r.asa.doc.root.retain(|n| !chain_of(n) || !n.children.is_empty());
    Ok(())
}
