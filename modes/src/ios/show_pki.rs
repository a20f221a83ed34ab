//! `show crypto pki certificates [verbose] [TRUSTPOINT]` and `show crypto
//! pki trustpoints [TRUSTPOINT]`: the certificates the configuration holds
//! (`pki.rs` decodes them), in IOS's layout (as real IOS 15 / IOS-XE
//! output prints them: `Certificate` / `CA Certificate` / `Router
//! Self-Signed Certificate` blocks with `Status:`, `Certificate Serial
//! Number (hex):`, `Issuer:`, `Subject:`, `Validity Date:`, `Associated
//! Trustpoints:`, `Storage:`; verbose adds the key, signature, fingerprints
//! and extensions).

use super::pki::{self, CertInfo, CertRole, Chain, ChainCert, PublicKey, San};
use crate::out::Out;
use crate::session::{Args, Handler, Session};
use edgesh_grammar::Graph;

/// Register the show commands in the exec graph.
pub fn register(g: &mut Graph<Handler>) {
    const SH: &str = "Show running system information";
    const CR: &str = "Encryption module";
    const PKI: &str = "Public Key components";
    let helps = [SH, CR, PKI, "Show certificates", "Display extended certificate information", "Trustpoint Name"];
    let _ = g.add("show crypto pki certificates [verbose] [WORD]", &helps, Handler(certificates));
    let helps = [SH, CR, PKI, "Show trustpoints", "Trustpoint Name"];
    let _ = g.add("show crypto pki trustpoints [WORD]", &helps, Handler(trustpoints));
}

fn certificates(s: &mut Session, a: &Args, o: &mut dyn Out) -> Result<(), String> {
    let doc = s.router().ios_doc.clone();
    let mut v = Vec::new();
    render_certificates(&pki::chains(&doc), a.get("WORD"), a.has("verbose"), &mut v);
    v.iter().for_each(|l| o.line(l));
    Ok(())
}

fn trustpoints(s: &mut Session, a: &Args, o: &mut dyn Out) -> Result<(), String> {
    let doc = s.router().ios_doc.clone();
    let mut v = Vec::new();
    render_trustpoints(&pki::trustpoints(&doc), &pki::chains(&doc), a.get("WORD"), &mut v);
    v.iter().for_each(|l| o.line(l));
    Ok(())
}

/// The file IOS stores a certificate in: the issuer's common name (its
/// letters, digits and dashes, 12 at most), `#`, the serial without its
/// leading zeros, `CA` for a CA certificate (`nvram:CA-ROOT#1CA.cer`,
/// `nvram:IOS-Self-Sig#1.cer`).
fn storage(c: &CertInfo, role: CertRole) -> String {
    let cn = c.issuer.iter().find(|(k, _)| k == "cn").map(|(_, v)| v.as_str()).unwrap_or("");
    let short: String = cn.chars().filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-').take(12).collect();
    let serial = c.serial_hex.trim_start_matches('0');
    let serial = if serial.is_empty() { "0" } else { serial };
    let ca = if role == CertRole::Ca { "CA" } else { "" };
    format!("nvram:{short}#{serial}{ca}.cer")
}

fn hex_groups(b: &[u8]) -> String {
    b.chunks(4).map(|c| c.iter().map(|x| format!("{x:02X}")).collect::<String>()).collect::<Vec<_>>().join(" ")
}

fn one(tp: &str, cc: &ChainCert, c: &CertInfo, verbose: bool, v: &mut Vec<String>) {
    v.push(
        match cc.role {
            CertRole::Ca => "CA Certificate",
            CertRole::SelfSigned => "Router Self-Signed Certificate",
            CertRole::Router => "Certificate",
        }
        .to_string(),
    );
    v.push("  Status: Available".into());
    if verbose {
        v.push(format!("  Version: {}", c.version));
    }
    v.push(format!("  Certificate Serial Number (hex): {}", c.serial_hex));
    v.push(format!("  Certificate Usage: {}", pki::usage(c, cc.role)));
    v.push("  Issuer:".into());
    for (k, val) in &c.issuer {
        v.push(format!("    {k}={val}"));
    }
    v.push("  Subject:".into());
    if cc.role != CertRole::Ca {
        let name =
            c.subject.iter().find(|(k, _)| k == "hostname").or_else(|| c.subject.iter().find(|(k, _)| k == "cn"));
        if let Some((_, n)) = name {
            v.push(format!("    Name: {n}"));
        }
    }
    for (k, val) in &c.subject {
        v.push(format!("    {k}={val}"));
    }
    v.push("  Validity Date:".into());
    v.push(format!("    start date: {}", pki::ios_date(c.not_before)));
    v.push(format!("    end   date: {}", pki::ios_date(c.not_after)));
    if verbose {
        v.push("  Subject Key Info:".into());
        match &c.key {
            PublicKey::Rsa { bits } => {
                v.push("    Public Key Algorithm: rsaEncryption".into());
                v.push(format!("    RSA Public Key: ({bits} bit)"));
            }
            PublicKey::Ec { bits, .. } => {
                v.push("    Public Key Algorithm: id-ecPublicKey".into());
                v.push(format!("    EC Public Key: ({bits} bit)"));
            }
            PublicKey::Other(alg) => v.push(format!("    Public Key Algorithm: {alg}")),
        }
        v.push(format!("  Signature Algorithm: {}", c.signature));
        v.push(format!("  Fingerprint MD5: {}", hex_groups(&c.md5)));
        v.push(format!("  Fingerprint SHA1: {}", hex_groups(&c.sha1)));
        v.push("  X509v3 extensions:".into());
        if let Some(ku) = c.key_usage {
            // IOS prints the bit string as 32 bits, the first usage the top bit.
            let word: u32 = (0..9).filter(|i| ku & (1 << i) != 0).map(|i| 1u32 << (31 - i)).sum();
            v.push(format!("    X509v3 Key Usage: {word:08X}"));
            for (i, n) in pki::KEY_USAGE_NAMES.iter().enumerate() {
                if ku & (1 << i) != 0 {
                    v.push(format!("      {n}"));
                }
            }
        }
        if !c.sans.is_empty() {
            v.push("    X509v3 Subject Alternative Name:".into());
            for s in &c.sans {
                match s {
                    San::Dns(d) => v.push(format!("        {d}")),
                    San::Ip(ip) => v.push(format!("        IP Address : {ip}")),
                    San::Email(e) => v.push(format!("        email : {e}")),
                    San::Uri(u) => v.push(format!("        URI : {u}")),
                    San::Other => {}
                }
            }
        }
        if let Some(ca) = c.is_ca {
            v.push("    X509v3 Basic Constraints:".into());
            v.push(format!("        CA: {}", if ca { "TRUE" } else { "FALSE" }));
        }
    }
    v.push(format!("  Associated Trustpoints: {tp} "));
    v.push(format!("  Storage: {}", storage(c, cc.role)));
    v.push("".into());
}

/// The certificates of every chain (or of one trustpoint): the router's
/// certificates first, then the CA certificates, as IOS lists them.
pub fn render_certificates(chains: &[Chain], only: Option<&str>, verbose: bool, v: &mut Vec<String>) {
    for ch in chains.iter().filter(|c| only.is_none_or(|o| o == c.trustpoint)) {
        let mut certs: Vec<&ChainCert> = ch.certs.iter().collect();
        certs.sort_by_key(|c| c.role == CertRole::Ca);
        for cc in certs {
            if let Ok(info) = &cc.info {
                one(&ch.trustpoint, cc, info, verbose, v);
            }
        }
    }
}

/// `show crypto pki trustpoints`: each trustpoint, and the subject and
/// serial number of its CA certificate when it has one.
pub fn render_trustpoints(tps: &[String], chains: &[Chain], only: Option<&str>, v: &mut Vec<String>) {
    for tp in tps.iter().filter(|t| only.is_none_or(|o| o == t.as_str())) {
        v.push(format!("Trustpoint {tp}:"));
        let ca = chains
            .iter()
            .filter(|c| &c.trustpoint == tp)
            .flat_map(|c| c.certs.iter())
            .find(|c| c.role == CertRole::Ca && c.info.is_ok());
        if let Some(Ok(info)) = ca.map(|c| &c.info) {
            v.push("    Subject Name: ".into());
            for (k, val) in &info.subject {
                v.push(format!("    {k}={val}"));
            }
            v.push(format!("          Serial Number (hex): {}", info.serial_hex));
            v.push("    Certificate configured.".into());
        }
        v.push("".into());
    }
}

/// `| json` of `show crypto pki certificates [verbose] [TRUSTPOINT]`, in
/// Genie's schema (`ShowCryptoPkiCertificates`): per trustpoint, each
/// certificate under its heading as a key (`certificate`, `ca_certificate`,
/// `router_self_signed_certificate`), a list as Genie parses it; issuer and
/// subject carry the attributes Genie knows (`name`, `cn`, `o`). `verbose`
/// gives the same document (Genie's verbose parser has another schema that
/// edgesh does not follow yet).
pub fn certificates_json(chains: &[Chain], only: Option<&str>) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let known = |attrs: &[(String, String)], keys: &[&str]| -> Map<String, Value> {
        let mut m = Map::new();
        for k in keys {
            if let Some((_, v)) = attrs.iter().find(|(a, _)| a == k) {
                m.insert((*k).to_string(), Value::String(v.clone()));
            }
        }
        m
    };
    let mut tps = Map::new();
    for ch in chains.iter().filter(|c| only.is_none_or(|o| o == c.trustpoint)) {
        let mut certs: Vec<&ChainCert> = ch.certs.iter().collect();
        certs.sort_by_key(|c| c.role == CertRole::Ca);
        let mut assoc = Map::new();
        for cc in certs {
            let Ok(c) = &cc.info else { continue };
            let heading = match cc.role {
                CertRole::Ca => "ca_certificate",
                CertRole::SelfSigned => "router_self_signed_certificate",
                CertRole::Router => "certificate",
            };
            let mut subject = Map::new();
            if cc.role != CertRole::Ca {
                let name = c
                    .subject
                    .iter()
                    .find(|(k, _)| k == "hostname")
                    .or_else(|| c.subject.iter().find(|(k, _)| k == "cn"));
                if let Some((_, n)) = name {
                    subject.insert("name".into(), Value::String(n.clone()));
                }
            }
            subject.extend(known(&c.subject, &["cn", "o"]));
            let one = json!({
                "status": "Available",
                "serial_number_in_hex": c.serial_hex,
                "usage": pki::usage(c, cc.role),
                "issuer": known(&c.issuer, &["cn", "o"]),
                "subject": subject,
                "validity_date": { "start_date": pki::ios_date(c.not_before), "end_date": pki::ios_date(c.not_after) },
                "storage": storage(c, cc.role),
            });
            if let Value::Array(list) = assoc.entry(heading).or_insert_with(|| Value::Array(Vec::new())) {
                list.push(one);
            }
        }
        if !assoc.is_empty() {
            tps.insert(ch.trustpoint.clone(), json!({ "associated_trustpoints": assoc }));
        }
    }
    json!({ "trustpoints": tps })
}

/// `| json` of `show crypto pki trustpoints [TRUSTPOINT]`, in Genie's schema
/// (`ShowCryptoPkiTrustpoints`): each trustpoint's issuing CA subject (the
/// attributes Genie knows, `cn` and `o`) and the CA certificate's serial.
pub fn trustpoints_json(tps: &[String], chains: &[Chain], only: Option<&str>) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut out = Map::new();
    for tp in tps.iter().filter(|t| only.is_none_or(|o| o == t.as_str())) {
        let ca = chains
            .iter()
            .filter(|c| &c.trustpoint == tp)
            .flat_map(|c| c.certs.iter())
            .find(|c| c.role == CertRole::Ca && c.info.is_ok());
        let mut subject = Map::new();
        let mut entry = Map::new();
        if let Some(Ok(info)) = ca.map(|c| &c.info) {
            for k in ["cn", "o"] {
                if let Some((_, v)) = info.subject.iter().find(|(a, _)| a == k) {
                    subject.insert(k.into(), Value::String(v.clone()));
                }
            }
            entry.insert("serial_number_in_hex".into(), Value::String(info.serial_hex.clone()));
        }
        entry.insert("issuing_ca".into(), json!({ "subject": subject }));
        out.insert(tp.clone(), Value::Object(entry));
    }
    json!({ "trustpoints": out })
}
