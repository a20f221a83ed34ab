//! PKI commands of section 6.1 (exec mode, per context): trusted and self
//! certificates imported from PEM files, key pairs, certificate requests.
//!
//! They are accepted and stored (the issue allows this much before the
//! certificate work): imported files are checked to be PEM of the right
//! kind, kept per context with a handle, and listed by `show pki`. Key pairs
//! added with `add pki key-pair` and certificate requests are recorded;
//! generating keys and requests, and using certificates in IKE, come with
//! the certificate work.

use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_grammar::Graph;
pub use super::pki_store::{Certificate, KeyPair, PkiStore};
fn add(g: &mut Graph<Handler>, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}

fn read_pem(s: &Session, file: &str, what: &str) -> Result<String, String> {
    // `/flash/...` (the router's flash partition) is the state directory.
    let dir = s.router().state_dir.clone();
    let path = crate::statefs::resolve(&dir, crate::session::Dialect::SmartEdge, file)?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("Cannot read {file}: {e}"))?;
    if !text.contains(&format!("-----BEGIN {what}")) {
        return Err(if what.is_empty() { format!("{file} is not a PEM file") } else { format!("{file} is not a PEM file holding a {}", what.to_ascii_lowercase()) });
    }
    Ok(text)
}

fn store<'a>(s: &'a mut Session) -> std::sync::MutexGuard<'a, crate::session::Router> {
    s.router()
}

pub fn add_exec(g: &mut Graph<Handler>) {
    add(
        g,
        "import pki certificate {trusted | self} rsa [key-pair WORD:kp] file WORD:file",
        &["Import PKI objects", "PKI", "A certificate", "A trusted (CA) certificate", "A self certificate", "RSA", "For a key pair", "Key pair name", "From a file", "File name (PEM)"],
        |s, a, o| {
            let file = a.req("file")?.to_string();
            let trusted = a.has("trusted");
            if !trusted && !a.has("key-pair") {
                return Err("A self certificate needs key-pair NAME".into());
            }
            let pem = read_pem(s, &file, "CERTIFICATE")?;
            let ctx = s.exec_context.clone();
            let kp = a.get("kp").map(str::to_string);
            let mut r = store(s);
            let st = r.pki.entry(ctx).or_default();
            if let Some(k) = &kp {
                if !st.key_pairs.contains_key(k) {
                    return Err(format!("Key pair {k} does not exist"));
                }
            }
            st.next_handle += 1;
            let handle = st.next_handle;
            st.certificates.push(Certificate { handle, trusted, key_pair: kp, file, pem });
            drop(r);
            o.line(&format!("Certificate imported, handle {handle}"));
            Ok(())
        },
    );
    add(g, "add pki key-pair WORD:name rsa <512-4096>:bits", &["Add PKI objects", "PKI", "A key pair", "Key pair name", "RSA", "Key size in bits"], |s, a, o| {
        let name = a.req("name")?.to_string();
        let size = a.u32("bits");
        let ctx = s.exec_context.clone();
        store(s).pki.entry(ctx).or_default().key_pairs.insert(name.clone(), KeyPair { kind: "rsa".into(), size, file: None });
        o.line(&format!("Key pair {name} recorded (rsa {} bits)", size.unwrap_or(0)));
        Ok(())
    });
    add(g, "import pki key-pair WORD:name WORD:kind file WORD:file", &["Import PKI objects", "PKI", "A key pair", "Key pair name", "Key type (rsa)", "From a file", "File name (PEM)"], |s, a, o| {
        let name = a.req("name")?.to_string();
        let file = a.req("file")?.to_string();
        let text = read_pem(s, &file, "")?;
        if !text.contains("PRIVATE KEY-----") {
            return Err(format!("{file} holds no private key"));
        }
        let ctx = s.exec_context.clone();
        let kind = a.req("kind")?.to_string();
        store(s).pki.entry(ctx).or_default().key_pairs.insert(name.clone(), KeyPair { kind, size: None, file: Some(file) });
        o.line(&format!("Key pair {name} imported"));
        Ok(())
    });
    add(g, "add pki certificate-request rsa WORD:name file WORD:file", &["Add PKI objects", "PKI", "A certificate request", "RSA", "Request name", "To a file", "File name"], |s, a, o| {
        let name = a.req("name")?.to_string();
        let file = a.req("file")?.to_string();
        let ctx = s.exec_context.clone();
        store(s).pki.entry(ctx).or_default().requests.insert(name.clone(), file.clone());
        o.line(&format!("Certificate request {name} recorded (file {file})"));
        Ok(())
    });
    add(g, "remove pki certificate <1-4294967295>:handle", &["Remove PKI objects", "PKI", "A certificate", "Certificate handle"], |s, a, _| {
        let h = a.u32("handle").unwrap_or(0);
        let ctx = s.exec_context.clone();
        let mut r = store(s);
        let st = r.pki.entry(ctx).or_default();
        let before = st.certificates.len();
        st.certificates.retain(|c| c.handle != h);
        if st.certificates.len() == before { Err(format!("No certificate with handle {h}")) } else { Ok(()) }
    });
}

pub fn add_show(g: &mut Graph<Handler>) {
    add(
        g,
        "show pki [asp SLOT/PORT] certificate {trusted | self} rsa [handle <1-4294967295>:handle]",
        &["Display information", "PKI", "For an ASP", "Slot/ASP", "Certificates", "Trusted certificates", "Self certificates", "RSA", "One certificate", "Handle"],
        |s, a, o| {
            let trusted = a.has("trusted");
            let h = a.u32("handle");
            let st = s.router().pki.get(&s.exec_context).cloned().unwrap_or_default();
            o.line(&format!("Context: {}", s.exec_context));
            for c in st.certificates.iter().filter(|c| c.trusted == trusted && h.is_none_or(|h| h == c.handle)) {
                o.line(&format!("Handle {}: {} certificate from {}{}", c.handle, if c.trusted { "trusted" } else { "self" }, c.file, c.key_pair.as_ref().map(|k| format!(", key pair {k}")).unwrap_or_default()));
            }
            Ok(())
        },
    );
    add(g, "show pki key-pair [WORD]", &["Display information", "PKI", "Key pairs (the keys are never shown)", "Key pair name"], |s, a, o| {
        let st = s.router().pki.get(&s.exec_context).cloned().unwrap_or_default();
        for (n, k) in st.key_pairs.iter().filter(|(n, _)| a.get("WORD").is_none_or(|x| x == n.as_str())) {
            let src = k.file.as_ref().map(|f| format!("imported from {f}")).unwrap_or("recorded, not generated yet".into());
            o.line(&format!("Key pair {n}: {}{}, {src}", k.kind, k.size.map(|b| format!(" {b} bits")).unwrap_or_default()));
        }
        Ok(())
    });
    add(g, "show pki certificate-request rsa [all]", &["Display information", "PKI", "Certificate requests", "RSA", "All contexts"], |s, a, o| {
        let r = s.router();
        for (ctx, st) in r.pki.iter().filter(|(c, _)| a.has("all") || **c == s.exec_context) {
            for (n, f) in &st.requests {
                o.line(&format!("Context {ctx}: request {n}, file {f}"));
            }
        }
        Ok(())
    });
}
