//! IOS key pairs and terminal enrollment: `crypto key generate rsa|ec`
//! (`ec keysize 256|384`, P-256/P-384; `exportable` where public
//! configurations put it, kept as the key store's exportable mark and shown
//! as `Key is exportable.`), `crypto key zeroize [rsa|ec] [LABEL]` (only the
//! keys of the kind named), `show crypto key mypubkey rsa|ec`,
//! `crypto pki authenticate TP` (the CA certificate pasted, its
//! fingerprints shown, accepted when confirmed), `crypto pki enroll TP` (a
//! PKCS#10 request for an `enrollment terminal` trustpoint, printed as IOS
//! prints it) and `crypto pki import TP certificate` (the router
//! certificate pasted in base64 or PEM, ended by a blank line or `quit`);
//! pasted certificates are kept in `crypto pki certificate chain TP` as
//! IOS's hex blocks.
//!
//! The keys are in the router's key store (`crate::keystore`: the IOS key
//! label is the store label, a file of mode 0600); they are one-time
//! operations, never lines of the running configuration, and only their
//! public halves are printed. The wording is IOS's, from real device
//! output: "The name for the keys will be: ...", "% The key modulus size
//! is N bits", "% Generating N bit RSA keys, keys will be
//! non-exportable...", "[OK] (elapsed time was N seconds)", the
//! `show crypto key mypubkey` layout, the enrollment questions and
//! "---End - This line not part of the certificate request---",
//! "% All RSA keys will be removed." (and by the same pattern "% All EC keys
//! will be removed."). What IOS prints while it generates EC keys was not
//! found in public material: edgesh prints the RSA command's name line only.
//! Where IOS's wording is not known (refusals particular to edgesh, such
//! as a modulus under 1024 bits) the message says so in IOS's `% ` style.

use super::{IosDoc, Node};
use crate::dialog::Dialog;
use crate::keystore::KeyKind;
use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::pki::csr::NameAttr;
use edgesh_grammar::Graph;

type G = Graph<Handler>;

fn add(g: &mut G, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}

const ENC: &str = "Encryption module";
const LTK: &str = "Long term key operations";
const EXP: &str = "Allow the key to be exported";

/// Global configuration commands.
pub fn register_global(g: &mut G) {
    add(
        g,
        "crypto key generate rsa [general-keys] [label WORD:label] [exportable] [modulus <1024-4096>:bits]",
        &[
            ENC,
            LTK,
            "Generate new keys",
            "Generate RSA keys",
            "Generate a general purpose RSA key pair for signing and encryption",
            "Provide a label",
            "RSA keypair label",
            EXP,
            "Provide number of modulus bits on the command line",
            "size of the key modulus [1024-4096]",
        ],
        generate_rsa,
    );
    add(
        g,
        "crypto key generate rsa [general-keys] modulus <1024-4096>:bits label WORD:label [exportable]",
        &[
            ENC,
            LTK,
            "Generate new keys",
            "Generate RSA keys",
            "Generate a general purpose RSA key pair for signing and encryption",
            "Provide number of modulus bits on the command line",
            "size of the key modulus [1024-4096]",
            "Provide a label",
            "RSA keypair label",
            EXP,
        ],
        generate_rsa,
    );
    add(
        g,
        "crypto key generate rsa [general-keys] label WORD:label modulus <1024-4096>:bits exportable",
        &[
            ENC,
            LTK,
            "Generate new keys",
            "Generate RSA keys",
            "Generate a general purpose RSA key pair for signing and encryption",
            "Provide a label",
            "RSA keypair label",
            "Provide number of modulus bits on the command line",
            "size of the key modulus [1024-4096]",
            EXP,
        ],
        generate_rsa,
    );
    add(
        g,
        "crypto key generate rsa [general-keys] modulus <1024-4096>:bits exportable [label WORD:label]",
        &[
            ENC,
            LTK,
            "Generate new keys",
            "Generate RSA keys",
            "Generate a general purpose RSA key pair for signing and encryption",
            "Provide number of modulus bits on the command line",
            "size of the key modulus [1024-4096]",
            EXP,
            "Provide a label",
            "RSA keypair label",
        ],
        generate_rsa,
    );
    // `exportable` before or after the label, as public configurations write it
    // (`keysize 384 exportable label L`, `keysize 256 label L exportable`).
    add(
        g,
        "crypto key generate ec keysize {256 | 384 | 521} [exportable] [label WORD:label]",
        &[
            ENC,
            LTK,
            "Generate new keys",
            "Generate EC keys: ECDSA",
            "Number of bits in the EC key",
            "256 bit keys",
            "384 bit keys",
            "521 bit keys",
            EXP,
            "Provide a label",
            "EC keypair label",
        ],
        generate_ec,
    );
    add(
        g,
        "crypto key generate ec keysize {256 | 384 | 521} label WORD:label exportable",
        &[
            ENC,
            LTK,
            "Generate new keys",
            "Generate EC keys: ECDSA",
            "Number of bits in the EC key",
            "256 bit keys",
            "384 bit keys",
            "521 bit keys",
            "Provide a label",
            "EC keypair label",
            EXP,
        ],
        generate_ec,
    );
    add(
        g,
        "crypto key zeroize [rsa [WORD] | ec [WORD:eclabel]]",
        &[ENC, LTK, "Remove keys", "Remove RSA keys", "keypair label", "Remove EC keys", "keypair label"],
        zeroize,
    );
    add(
        g,
        "crypto pki enroll WORD",
        &[ENC, "Public Key components", "Request a certificate from a CA", "Name of the trustpoint"],
        enroll,
    );
    add(
        g,
        "crypto pki authenticate WORD",
        &[ENC, "Public Key components", "Get the certification authority certificate", "Name of the trustpoint"],
        authenticate,
    );
    add(
        g,
        "crypto pki import WORD certificate",
        &[
            ENC,
            "Public Key components",
            "Import a certificate from the terminal",
            "Name of the trustpoint",
            "Import a certificate",
        ],
        import,
    );
}

/// Exec commands (privileged).
pub fn register_exec(g: &mut G) {
    add(
        g,
        "show crypto key mypubkey {rsa | ec} [WORD]",
        &[
            "Show running system information",
            ENC,
            "Show long term public keys",
            "Show public keys associated with this router",
            "Show RSA public keys",
            "Show EC public keys",
            "Key pair label",
        ],
        mypubkey,
    );
}

/// `ip domain-name D` / `ip domain name D` of the running configuration.
fn domain(doc: &IosDoc) -> Option<String> {
    doc.root.iter().find_map(|n| {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        match w.as_slice() {
            ["ip", "domain-name", d] | ["ip", "domain", "name", d] => Some(d.to_string()),
            _ => None,
        }
    })
}

/// The router's fully qualified name (`R1.example.net`), the default key label.
fn fqdn(doc: &IosDoc) -> String {
    match domain(doc) {
        Some(d) => format!("{}.{d}", doc.hostname),
        None => doc.hostname.clone(),
    }
}

pub use crate::pki_paste::hex_lines;

/// The name the new RSA keys take, or IOS's reason there is none.
fn rsa_label(s: &Session, a: &Args) -> Result<String, String> {
    if let Some(l) = a.get("label") {
        return Ok(l.to_string());
    }
    let r = s.router();
    if r.ios_doc.hostname == "Router" {
        return Err("Please define a hostname other than Router.".into());
    }
    if domain(&r.ios_doc).is_none() {
        return Err("Please define a domain-name first.".into());
    }
    Ok(fqdn(&r.ios_doc))
}

/// Generate and report, IOS's way.
fn make_rsa(s: &Session, label: &str, bits: u32, exportable: bool, asked: bool, out: &mut dyn Out) {
    if !asked {
        out.line(&format!("% The key modulus size is {bits} bits"));
    }
    out.line(&format!(
        "% Generating {bits} bit RSA keys, keys will be {}exportable...",
        if exportable { "" } else { "non-" }
    ));
    match generate_marked(s, label, KeyKind::Rsa(bits), exportable) {
        Ok(secs) => out.line(&format!("[OK] (elapsed time was {secs} seconds)")),
        Err(e) => out.line(&format!("% Key generation failed: {e}")),
    }
    if asked {
        out.line("");
    }
}

/// Generate the key `label` into the store, marked exportable or not; the seconds it took.
fn generate_marked(s: &Session, label: &str, kind: KeyKind, exportable: bool) -> Result<u64, String> {
    let (_, secs) = crate::keystore::generate(s, label, kind)?;
    crate::keystore::store(s).set_exportable(label, exportable).map_err(|e| e.to_string())?;
    Ok(secs)
}

/// The questions of `crypto key generate rsa`: replace the keys, then the modulus.
struct RsaQuestions {
    label: String,
    bits: Option<u32>,
    exportable: bool,
    replace_asked: bool,
}

impl Dialog<Session> for RsaQuestions {
    fn prompt(&self) -> String {
        if !self.replace_asked {
            "% Do you really want to replace them? [yes/no]: ".into()
        } else {
            "How many bits in the modulus [2048]: ".into()
        }
    }

    fn answer(mut self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        let a = line.trim().to_ascii_lowercase();
        if !self.replace_asked {
            match yes_no(&a) {
                None => {
                    out.line("% Please answer 'yes' or 'no'.");
                    return Some(self);
                }
                Some(false) => return None,
                Some(true) => {}
            }
            self.replace_asked = true;
            return match self.bits {
                Some(b) => {
                    make_rsa(s, &self.label, b, self.exportable, false, out);
                    None
                }
                None => {
                    modulus_intro(out);
                    Some(self)
                }
            };
        }
        let bits = if a.is_empty() { Some(2048) } else { a.parse::<u32>().ok() };
        match bits {
            Some(b) if (1024..=4096).contains(&b) => {
                make_rsa(s, &self.label, b, self.exportable, true, out);
                None
            }
            _ => {
                out.line("% You must choose a modulus in the range 1024 to 4096 (edgesh generates no smaller keys)");
                Some(self)
            }
        }
    }
}

fn modulus_intro(out: &mut dyn Out) {
    out.line("Choose the size of the key modulus in the range of 1024 to 4096 for your");
    out.line("  General Purpose Keys. Choosing a key modulus greater than 512 may take");
    out.line("  a few minutes.");
    out.line("");
}

use crate::pki_paste::yes_no;

/// The label, or IOS's message (the line itself was taken: pasted
/// configurations carrying it are not refused, as on IOS).
fn label_or_say(s: &Session, a: &Args, out: &mut dyn Out) -> Option<String> {
    match rsa_label(s, a) {
        Ok(l) => Some(l),
        Err(e) => {
            out.line(&format!("% {e}"));
            None
        }
    }
}

fn generate_rsa(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let Some(label) = label_or_say(s, a, out) else { return Ok(()) };
    if !edgesh_engine::pki::keys::valid_label(&label) {
        return Err(format!("Invalid key label {label}"));
    }
    out.line(&format!("The name for the keys will be: {label}"));
    let bits = a.u32("bits");
    let q = RsaQuestions { label: label.clone(), bits, exportable: a.has("exportable"), replace_asked: false };
    if crate::keystore::store(s).exists(&label) {
        out.line(&format!("% You already have RSA keys defined named {label}."));
        s.dialog = Some(Box::new(q));
        return Ok(());
    }
    match bits {
        Some(b) => make_rsa(s, &label, b, q.exportable, false, out),
        None => {
            modulus_intro(out);
            s.dialog = Some(Box::new(RsaQuestions { replace_asked: true, ..q }));
        }
    }
    Ok(())
}

fn generate_ec(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    // IOS offers 521; edgesh's signatures (RustCrypto p256/p384) stop at P-384.
    if a.has("521") {
        return Err("edgesh generates no 521 bit EC keys (P-521 is not supported): use keysize 256 or 384".into());
    }
    let Some(label) = label_or_say(s, a, out) else { return Ok(()) };
    if !edgesh_engine::pki::keys::valid_label(&label) {
        return Err(format!("Invalid key label {label}"));
    }
    let kind = if a.has("384") { KeyKind::P384 } else { KeyKind::P256 };
    out.line(&format!("The name for the keys will be: {label}"));
    if crate::keystore::store(s).exists(&label) {
        return Err(format!("You already have keys defined named {label}."));
    }
    generate_marked(s, &label, kind, a.has("exportable")).map(|_| ())
}

/// `crypto key zeroize [rsa|ec] [LABEL]`: asked, then the keys and the
/// router certificates issued for them go (CA certificates stay).
struct Zeroize {
    /// The labels to remove, chosen when the command was typed.
    labels: Vec<String>,
    /// No label named: all keys (`None`) or all of one kind (`Some(ec)`).
    all: Option<Option<bool>>,
}

impl Dialog<Session> for Zeroize {
    fn prompt(&self) -> String {
        "Do you really want to remove these keys? [yes/no]: ".into()
    }

    fn answer(self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        match yes_no(line) {
            None => {
                out.line("% Please answer 'yes' or 'no'.");
                Some(self)
            }
            Some(false) => None,
            Some(true) => {
                let store = crate::keystore::store(s);
                for l in &self.labels {
                    if let Err(e) = store.remove(l) {
                        out.line(&format!("% {e}"));
                    }
                }
                // The router certificates of the trustpoints that used these keys.
                let mut r = s.router();
                let default = fqdn(&r.ios_doc);
                let doc = &r.ios_doc;
                let ec_tp =
                    |tp: &str| trustpoint_lines(doc, tp).is_some_and(|l| l.iter().any(|l| l.starts_with("eckeypair ")));
                let tps: Vec<String> = trustpoint_names(doc)
                    .into_iter()
                    .filter(|tp| {
                        let uses = keypair_of(doc, tp).unwrap_or_else(|| default.clone());
                        match self.all {
                            // Every key went: every trustpoint's router certificate goes.
                            Some(None) => true,
                            // All RSA keys: the trustpoints not on an EC key (`rsakeypair`, or none: the default RSA key).
                            Some(Some(false)) => {
                                !ec_tp(tp) && !store.load(&uses).is_ok_and(|k| !matches!(k.key.kind(), KeyKind::Rsa(_)))
                            }
                            Some(Some(true)) => ec_tp(tp) || self.labels.contains(&uses),
                            None => self.labels.contains(&uses),
                        }
                    })
                    .collect();
                for n in r
                    .ios_doc
                    .root
                    .iter_mut()
                    .filter(|n| super::pki::chain_name(&n.text).is_some_and(|c| tps.iter().any(|t| t == c)))
                {
                    n.children.retain(|c| c.text.split_whitespace().nth(1) == Some("ca"));
                }
                drop(r);
                s.ios.blocks = Default::default();
                None
            }
        }
    }
}

/// Is `k` of the kind `crypto key zeroize|mypubkey rsa|ec` names (`None`: any)?
fn of_kind(k: &crate::keystore::StoredKey, ec: Option<bool>) -> bool {
    ec.is_none_or(|ec| matches!(k.key.kind(), KeyKind::Rsa(_)) != ec)
}

fn zeroize(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let ec = if a.has("ec") {
        Some(true)
    } else if a.has("rsa") {
        Some(false)
    } else {
        None
    };
    let what = match ec {
        Some(true) => "EC",
        Some(false) => "RSA",
        None => "",
    };
    let keys: Vec<_> = crate::keystore::store(s).all().into_iter().filter(|k| of_kind(k, ec)).collect();
    let labels = match a.get("WORD").or(a.get("eclabel")) {
        Some(l) => {
            if !keys.iter().any(|k| k.label == l) {
                return Err(format!("{} keypair {l} is not present.", if what.is_empty() { "RSA" } else { what }));
            }
            out.line(&format!("% Keys to be removed are named '{l}'."));
            vec![l.to_string()]
        }
        None => {
            out.line(&format!("% All {what}{}keys will be removed.", if what.is_empty() { "" } else { " " }));
            keys.into_iter().map(|k| k.label).collect()
        }
    };
    out.line("% All router certs issued using these keys will also be removed.");
    let all = a.get("WORD").or(a.get("eclabel")).is_none().then_some(ec);
    s.dialog = Some(Box::new(Zeroize { labels, all }));
    Ok(())
}

/// The keys `show crypto key mypubkey rsa|ec [LABEL]` lists.
fn shown_keys(s: &Session, a: &Args) -> Vec<crate::keystore::StoredKey> {
    let ec = a.has("ec");
    crate::keystore::store(s)
        .all()
        .into_iter()
        .filter(|k| a.get("WORD").is_none_or(|w| w == k.label) && of_kind(k, Some(ec)))
        .collect()
}

/// `| json` of `show crypto key mypubkey rsa|ec`: by key name, what the text shows.
pub fn mypubkey_json(s: &Session, a: &Args) -> serde_json::Value {
    let ec = a.has("ec");
    let keys: serde_json::Map<String, serde_json::Value> = shown_keys(s, a)
        .into_iter()
        .map(|k| {
            let data: String = hex_lines(&k.key.public_key_der(), "").join(" ");
            let v = serde_json::json!({
                "generated_at": super::pki::ios_date(k.created),
                "key_type": if ec { "EC KEYS" } else { "RSA KEYS" },
                "bits": k.key.kind().bits(),
                "storage_device": if ec { "private-config" } else { "not specified" },
                "usage": if ec { "Signature Key" } else { "General Purpose Key" },
                "exportable": k.exportable,
                "key_data": data,
            });
            (k.label, v)
        })
        .collect();
    serde_json::json!({ "key_name": keys })
}

fn mypubkey(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let ec = a.has("ec");
    for k in shown_keys(s, a) {
        out.line(&format!("% Key pair was generated at: {}", super::pki::ios_date(k.created)));
        out.line(&format!("Key name: {}", k.label));
        out.line(if ec { "Key type: EC KEYS" } else { "Key type: RSA KEYS" });
        out.line(if ec { " Storage Device: private-config" } else { " Storage Device: not specified" });
        out.line(if ec { " Usage: Signature Key" } else { " Usage: General Purpose Key" });
        out.line(if k.exportable { " Key is exportable." } else { " Key is not exportable." });
        out.line(" Key Data:");
        for l in hex_lines(&k.key.public_key_der(), "  ") {
            out.line(&l);
        }
    }
    Ok(())
}

/// The trustpoints configured, by name.
fn trustpoint_names(doc: &IosDoc) -> Vec<String> {
    super::pki::trustpoints(doc)
}

/// The lines of trustpoint `tp`'s block.
fn trustpoint_lines(doc: &IosDoc, tp: &str) -> Option<Vec<String>> {
    doc.root
        .iter()
        .find(|n| n.text == format!("crypto pki trustpoint {tp}") || n.text == format!("crypto ca trustpoint {tp}"))
        .map(|n| n.children.iter().map(|c| c.text.trim().to_string()).collect())
}

/// `rsakeypair LABEL` (or `eckeypair LABEL`) of trustpoint `tp`.
fn keypair_of(doc: &IosDoc, tp: &str) -> Option<String> {
    trustpoint_lines(doc, tp)?.iter().find_map(|l| {
        l.strip_prefix("rsakeypair ")
            .or_else(|| l.strip_prefix("eckeypair "))
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_string)
    })
}

/// What enrollment needs from a trustpoint.
struct Enrollment {
    label: String,
    pem: bool,
    subject: Vec<(NameAttr, String)>,
    /// (`subject-name` as typed, the router's name) for the messages.
    subject_text: Option<String>,
    fqdn: Option<String>,
    ask_serial: bool,
    ip: Option<Option<std::net::Ipv4Addr>>,
}

fn enrollment(s: &Session, tp: &str) -> Result<Enrollment, String> {
    let r = s.router();
    let doc = &r.ios_doc;
    let lines = trustpoint_lines(doc, tp).ok_or_else(|| format!("Trustpoint {tp} is not configured."))?;
    let enroll = lines.iter().find_map(|l| l.strip_prefix("enrollment ")).unwrap_or("");
    let mut w = enroll.split_whitespace();
    if w.next() != Some("terminal") {
        return Err(format!(
            "Trustpoint {tp} does not enroll from the terminal (edgesh enrolls with `enrollment terminal` only)."
        ));
    }
    let pem = w.next() == Some("pem");
    if !super::pki::chains(doc)
        .iter()
        .any(|c| c.trustpoint == tp && c.certs.iter().any(|c| c.role == super::pki::CertRole::Ca && c.info.is_ok()))
    {
        return Err("You must authenticate the Certificate Authority before you can enroll with it.".into());
    }
    let label = keypair_of(doc, tp).unwrap_or_else(|| fqdn(doc));
    let subject_text = lines.iter().find_map(|l| l.strip_prefix("subject-name ")).map(str::to_string);
    let subject = match &subject_text {
        Some(t) => crate::pki_paste::subject_attrs(t)?,
        None => Vec::new(),
    };
    let fqdn_none = lines.iter().any(|l| l == "fqdn none");
    let serial = lines.iter().find(|l| l.starts_with("serial-number")).cloned();
    let ip = match lines.iter().find_map(|l| l.strip_prefix("ip-address ")) {
        Some("none") => Some(None),
        Some(a) => Some(Some(a.parse().map_err(|_| format!("ip-address {a}: edgesh takes an IPv4 address here"))?)),
        None => None,
    };
    Ok(Enrollment {
        label,
        pem,
        subject,
        subject_text,
        fqdn: (!fqdn_none).then(|| fqdn(doc)),
        ask_serial: serial.is_none(),
        ip,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EnrollStep {
    Serial,
    Ip,
    IpAddress,
    Display,
    Redisplay,
}

struct EnrollDialog {
    e: Enrollment,
    step: EnrollStep,
    ip: Option<std::net::Ipv4Addr>,
    csr: String,
}

impl EnrollDialog {
    /// The request, built once its questions are answered.
    fn build(&mut self, s: &Session, out: &mut dyn Out) -> bool {
        let key = match crate::keystore::store(s).load(&self.e.label) {
            Ok(k) => k,
            Err(_) => {
                out.line(&format!(
                    "% Key pair {} does not exist: generate it first (crypto key generate rsa label {} modulus 2048).",
                    self.e.label, self.e.label
                ));
                return false;
            }
        };
        match crate::pki_paste::request_pem(&key.key, self.e.subject.clone(), self.e.fqdn.as_deref(), self.ip) {
            Ok(p) => {
                self.csr = p;
                true
            }
            Err(e) => {
                out.line(&format!("% {e}"));
                false
            }
        }
    }

    fn print(&self, out: &mut dyn Out) {
        out.line("Certificate Request follows:");
        out.line("");
        for l in self.csr.lines().filter(|l| self.e.pem || !l.starts_with("-----")) {
            out.line(l);
        }
        out.line("");
        out.line("---End - This line not part of the certificate request---");
        out.line("");
    }

    /// Go on from `step`: messages for what is configured, then the next question.
    fn go(
        mut self: Box<Self>,
        s: &Session,
        mut step: EnrollStep,
        out: &mut dyn Out,
    ) -> Option<Box<dyn Dialog<Session>>> {
        if step == EnrollStep::Ip {
            match self.e.ip {
                Some(None) => step = EnrollStep::Display,
                Some(Some(a)) => {
                    self.ip = Some(a);
                    out.line(&format!("% The IP address in the certificate is {a}"));
                    out.line("");
                    step = EnrollStep::Display;
                }
                None => {}
            }
        }
        if step == EnrollStep::Display && !self.build(s, out) {
            return None;
        }
        self.step = step;
        Some(self)
    }
}

impl Dialog<Session> for EnrollDialog {
    fn prompt(&self) -> String {
        match self.step {
            EnrollStep::Serial => "% Include the router serial number in the subject name? [yes/no]: ",
            EnrollStep::Ip => "% Include an IP address in the subject name? [no]: ",
            EnrollStep::IpAddress => "Enter Interface name or IP Address[]: ",
            EnrollStep::Display => "Display Certificate Request to terminal? [yes/no]: ",
            EnrollStep::Redisplay => "Redisplay enrollment request? [yes/no]: ",
        }
        .into()
    }

    fn answer(mut self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<Session>>> {
        let a = line.trim();
        match self.step {
            EnrollStep::Serial => match yes_no(a) {
                Some(yes) => {
                    if yes {
                        out.line("% This router has no serial number; none is included");
                    }
                    self.go(s, EnrollStep::Ip, out)
                }
                None => Some(self),
            },
            EnrollStep::Ip => match if a.is_empty() { Some(false) } else { yes_no(a) } {
                Some(false) => self.go(s, EnrollStep::Display, out),
                Some(true) => {
                    self.step = EnrollStep::IpAddress;
                    Some(self)
                }
                None => Some(self),
            },
            EnrollStep::IpAddress => match a.parse::<std::net::Ipv4Addr>() {
                Ok(ip) => {
                    self.ip = Some(ip);
                    self.go(s, EnrollStep::Display, out)
                }
                Err(_) => {
                    out.line("% edgesh takes an IPv4 address here");
                    Some(self)
                }
            },
            EnrollStep::Display | EnrollStep::Redisplay => match yes_no(a) {
                Some(true) => {
                    self.print(out);
                    self.step = EnrollStep::Redisplay;
                    Some(self)
                }
                Some(false) => None,
                None => Some(self),
            },
        }
    }
}

fn enroll(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let tp = a.req("WORD")?.to_string();
    let e = enrollment(s, &tp)?;
    out.line("% Start certificate enrollment ..");
    out.line("");
    if let Some(t) = &e.subject_text {
        out.line(&format!("% The subject name in the certificate will include: {t}"));
    }
    if let Some(f) = &e.fqdn {
        out.line(&format!("% The subject name in the certificate will include: {f}"));
    }
    let ask_serial = e.ask_serial;
    let d = Box::new(EnrollDialog { e, step: EnrollStep::Serial, ip: None, csr: String::new() });
    s.dialog = if ask_serial { Some(d) } else { d.go(s, EnrollStep::Ip, out) };
    Ok(())
}

/// IOS's words and chain around a pasted certificate (`crate::pki_paste`).
struct IosPaste;

use crate::pki_paste::Pasted;

impl crate::pki_paste::PasteTarget for IosPaste {
    fn ends(&self, line: &str) -> bool {
        line.is_empty() || line == "quit"
    }

    fn fingerprint(&self, der: &[u8], out: &mut dyn Out) {
        use md5::Digest;
        let words = |b: &[u8]| {
            b.chunks(4).map(|c| c.iter().map(|x| format!("{x:02X}")).collect::<String>()).collect::<Vec<_>>().join(" ")
        };
        out.line("Certificate has the following attributes:");
        out.line(&format!("       Fingerprint MD5: {}", words(&md5::Md5::digest(der))));
        out.line(&format!("      Fingerprint SHA1: {}", words(&sha1::Sha1::digest(der))));
        out.line("");
    }

    fn accept_prompt(&self) -> String {
        "% Do you accept this certificate? [yes/no]: ".into()
    }

    fn answer_again(&self) -> Option<&'static str> {
        Some("% Please answer 'yes' or 'no'.")
    }

    fn accepted(&self, s: &mut Session, tp: &str, der: &[u8], serial: &str, out: &mut dyn Out) {
        // The CA certificate replaces the one before; a router certificate stays.
        keep_in_chain(s, tp, der, &format!("certificate ca {serial}"), true);
        out.line("Trustpoint CA certificate accepted.");
        out.line("% Certificate successfully imported");
    }

    fn imported(&self, s: &mut Session, tp: &str, p: &Pasted, out: &mut dyn Out) -> Result<(), String> {
        import_pasted(s, tp, &p.der, &p.cert)?;
        out.line("% Router Certificate successfully imported");
        Ok(())
    }

    fn error(&self, e: &str, out: &mut dyn Out) {
        out.line(&format!("% {e}"));
    }
}

/// Keep `der` as the block `head` (`certificate 03`, `certificate ca 01`)
/// of trustpoint `tp`'s chain (`crate::pki_paste::keep_in_chain`), after
/// the trustpoint's block as IOS lists it.
fn keep_in_chain(s: &mut Session, tp: &str, der: &[u8], head: &str, ca: bool) {
    let mut r = s.router();
    crate::pki_paste::keep_in_chain(
        &mut r.ios_doc.root,
        |n| super::pki::chain_name(&n.text) == Some(tp),
        |n| n.text == format!("crypto pki trustpoint {tp}") || n.text == format!("crypto ca trustpoint {tp}"),
        Node { text: format!("crypto pki certificate chain {tp}"), ..Default::default() },
        Node { text: head.to_string(), ..Default::default() },
        der,
        ca,
    );
    drop(r);
    s.ios.blocks = Default::default();
}

/// Decode the pasted certificate and keep it as trustpoint `tp`'s router
/// certificate, if it carries the trustpoint's key.
fn import_pasted(s: &mut Session, tp: &str, der: &[u8], cert: &x509_cert::Certificate) -> Result<(), String> {
    let (label, default) = {
        let r = s.router();
        (keypair_of(&r.ios_doc, tp), fqdn(&r.ios_doc))
    };
    let label = label.unwrap_or(default);
    crate::pki_paste::check_key(s, &label, tp, cert)?;
    keep_in_chain(s, tp, der, &format!("certificate {}", crate::pki_paste::serial_hex(cert)), false);
    Ok(())
}

fn import(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let tp = a.req("WORD")?.to_string();
    if trustpoint_lines(&s.router().ios_doc, &tp).is_none() {
        return Err(format!("Trustpoint {tp} is not configured."));
    }
    out.line("");
    out.line("Enter the base 64 encoded certificate.");
    out.line("End with a blank line or the word \"quit\" on a line by itself");
    out.line("");
    s.dialog = Some(Box::new(crate::pki_paste::Paste::new(tp, false, Box::new(IosPaste))));
    Ok(())
}

fn authenticate(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let tp = a.req("WORD")?.to_string();
    if trustpoint_lines(&s.router().ios_doc, &tp).is_none() {
        return Err(format!("Trustpoint {tp} is not configured."));
    }
    out.line("");
    out.line("Enter the base 64 encoded CA certificate.");
    out.line("End with a blank line or the word \"quit\" on a line by itself");
    out.line("");
    s.dialog = Some(Box::new(crate::pki_paste::Paste::new(tp, true, Box::new(IosPaste))));
    Ok(())
}
