//! PKI commands of section 6.1 (exec mode, per context): key pairs
//! generated (`add pki key-pair`) or imported from PEM, certificate
//! requests asked for with the guide's questions and written as PKCS#10
//! files (`add pki certificate-request`, the dialog in `pki_request.rs`),
//! trusted and self certificates imported from PEM files and checked
//! (a self certificate must carry its key pair's public key), and the
//! `show pki` commands of Table 4. Each change is given to IKE at once
//! (the engine's configuration is rebuilt: `ike_certs.rs`).
//!
//! The key pair `NAME` of context `CTX` is the key labelled `NAME@CTX` in
//! the router's key store (`crate::keystore`, [`key_label`]); it is never
//! printed. Certificates are kept per context in `Router.pki`
//! (`pki_store.rs`) with their PEM. The guide shows no output for these
//! commands when they succeed, and none is printed; refusals are `% `
//! lines in the house style (the guide gives no wording for them).

pub use super::pki_files::{key_label, key_pair, key_pairs, path_of};
pub use super::pki_store::{Certificate, PkiStore};
use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::pki::keys::{KeyKind, PrivateKey};
use edgesh_grammar::Graph;
use x509_cert::der::{DecodePem, Encode};

fn add(g: &mut Graph<Handler>, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}

/// A key pair name: a label character set, no `@` (it separates the context).
fn check_name(name: &str) -> Result<(), String> {
    if name.contains('@') || !edgesh_engine::pki::keys::valid_label(name) {
        return Err(format!("Invalid key pair name {name}"));
    }
    Ok(())
}

fn read_pem(s: &Session, file: &str, what: &str) -> Result<String, String> {
    let path = path_of(s, file)?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("Cannot read {file}: {e}"))?;
    if !text.contains(&format!("-----BEGIN {what}")) {
        return Err(if what.is_empty() {
            format!("{file} is not a PEM file")
        } else {
            format!("{file} is not a PEM file holding a {}", what.to_ascii_lowercase())
        });
    }
    Ok(text)
}

fn import_certificate(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let file = a.req("file")?.to_string();
    let trusted = a.has("trusted");
    if !trusted && !a.has("key-pair") {
        return Err("A self certificate needs key-pair NAME".into());
    }
    let pem = read_pem(s, &file, "CERTIFICATE")?;
    let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
        .map_err(|e| format!("{file} holds no X.509 certificate ({e})"))?;
    let ctx = s.exec_context.clone();
    let kp = a.get("kp").map(str::to_string);
    if let Some(k) = &kp {
        // The CA signed the request made with this key pair: the certificate carries its public key.
        let key = key_pair(s, &ctx, k)?;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(|e| e.to_string())?;
        if spki != key.key.public_key_der() {
            return Err(format!("The certificate in {file} is not for key pair {k} (its public key differs)"));
        }
    }
    let mut r = s.router();
    let st = r.pki.entry(ctx).or_default();
    st.next_handle += 1;
    let handle = st.next_handle;
    st.certificates.push(Certificate { handle, trusted, key_pair: kp, file, pem });
    // IKE takes the context's store at once (`ike_certs.rs`).
    r.engine_sync();
    Ok(())
}

pub fn add_exec(g: &mut Graph<Handler>) {
    add(
        g,
        "import pki certificate {trusted | self} rsa [key-pair WORD:kp] file WORD:file",
        &[
            "Import PKI objects",
            "PKI",
            "A certificate",
            "A trusted (CA) certificate",
            "A self certificate",
            "RSA",
            "For a key pair",
            "Key pair name",
            "From a file",
            "File name (PEM)",
        ],
        import_certificate,
    );
    add(
        g,
        "add pki key-pair WORD:name rsa <1024-4096>:bits",
        &["Add PKI objects", "PKI", "A key pair", "Key pair name", "RSA", "Key size in bits"],
        |s, a, _| {
            let name = a.req("name")?.to_string();
            check_name(&name)?;
            let bits = a.u32("bits").unwrap_or(2048);
            let ctx = s.exec_context.clone();
            let label = key_label(&ctx, &name);
            if crate::keystore::store(s).exists(&label) {
                return Err(format!("Key pair {name} already exists"));
            }
            crate::keystore::generate(s, &label, KeyKind::Rsa(bits))?;
            s.router().engine_sync();
            Ok(())
        },
    );
    add(
        g,
        "import pki key-pair WORD:name WORD:kind file WORD:file",
        &[
            "Import PKI objects",
            "PKI",
            "A key pair",
            "Key pair name",
            "Key type (rsa)",
            "From a file",
            "File name (PEM)",
        ],
        |s, a, _| {
            let name = a.req("name")?.to_string();
            check_name(&name)?;
            let file = a.req("file")?.to_string();
            let kind = a.req("kind")?.to_ascii_lowercase();
            if kind != "rsa" {
                return Err(format!("Key type {kind} is not supported (rsa)"));
            }
            let text = zeroize::Zeroizing::new(read_pem(s, &file, "")?);
            let key = PrivateKey::from_pem(&text).map_err(|e| format!("{file}: {e}"))?;
            if !matches!(key, PrivateKey::Rsa(_)) {
                return Err(format!("{file} holds no RSA key"));
            }
            let ctx = s.exec_context.clone();
            crate::keystore::import(s, &key_label(&ctx, &name), &key)?;
            s.router().engine_sync();
            Ok(())
        },
    );
    add(
        g,
        "add pki certificate-request rsa WORD:name file WORD:file",
        &["Add PKI objects", "PKI", "A certificate request", "RSA", "Request name", "To a file", "File name"],
        |s, a, _| {
            let name = a.req("name")?.to_string();
            let file = a.req("file")?.to_string();
            path_of(s, &file)?;
            s.dialog = Some(super::pki_request::start(&s.exec_context, &name, &file));
            Ok(())
        },
    );
    add(
        g,
        "remove pki certificate <1-4294967295>:handle",
        &["Remove PKI objects", "PKI", "A certificate", "Certificate handle"],
        |s, a, _| {
            let h = a.u32("handle").unwrap_or(0);
            let ctx = s.exec_context.clone();
            let mut r = s.router();
            let st = r.pki.entry(ctx).or_default();
            let before = st.certificates.len();
            st.certificates.retain(|c| c.handle != h);
            if st.certificates.len() == before {
                return Err(format!("No certificate with handle {h}"));
            }
            r.engine_sync();
            Ok(())
        },
    );
}

pub fn add_show(g: &mut Graph<Handler>) {
    add(
        g,
        "show pki [asp SLOT/PORT] certificate {trusted | self} rsa [identity WORD:id | handle <1-4294967295>:handle]",
        &[
            "Display information",
            "PKI",
            "For an ASP",
            "Slot/ASP",
            "Certificates",
            "Trusted certificates",
            "Self certificates",
            "RSA",
            "Certificates of one identity",
            "Subject name, IP address, domain name or e-mail",
            "One certificate",
            "Handle",
        ],
        |s, a, o| {
            let trusted = a.has("trusted");
            let h = a.u32("handle");
            let st = s.router().pki.get(&s.exec_context).cloned().unwrap_or_default();
            o.line(&format!("Context: {}", s.exec_context));
            for c in st.certificates.iter().filter(|c| c.trusted == trusted && h.is_none_or(|h| h == c.handle)) {
                let info = super::pki_show::CertSummary::of(&c.pem);
                if let Some(id) = a.get("id")
                    && !info.as_ref().is_some_and(|i| i.has_identity(id))
                {
                    continue;
                }
                super::pki_show::certificate(c, info.as_ref(), o);
            }
            Ok(())
        },
    );
    add(
        g,
        "show pki key-pair [WORD]",
        &["Display information", "PKI", "Key pairs (the keys are never shown)", "Key pair name"],
        |s, a, o| {
            let ctx = s.exec_context.clone();
            for (n, k) in key_pairs(s, &ctx).iter().filter(|(n, _)| a.get("WORD").is_none_or(|x| x == n.as_str())) {
                super::pki_show::key_pair(n, k, o);
            }
            Ok(())
        },
    );
    add(
        g,
        "show pki certificate-request rsa [all]",
        &["Display information", "PKI", "Certificate requests", "RSA", "All contexts"],
        |s, a, o| {
            let all: Vec<(String, String, String)> = {
                let r = s.router();
                r.pki
                    .iter()
                    .filter(|(c, _)| a.has("all") || **c == s.exec_context)
                    .flat_map(|(c, st)| st.requests.iter().map(move |(n, f)| (c.clone(), n.clone(), f.clone())))
                    .collect()
            };
            for (ctx, n, f) in all {
                // The subject as the file holds it now (RFC 4514, most specific first).
                let subject = path_of(s, &f)
                    .ok()
                    .and_then(|p| std::fs::read_to_string(p).ok())
                    .and_then(|t| edgesh_engine::pki::csr::from_pem(&t).ok())
                    .map(|c| c.info.subject.to_string());
                o.line(&format!(
                    "Context {ctx}: request {n}, file {f}, subject {}",
                    subject.as_deref().unwrap_or("? (the file holds no request)")
                ));
            }
            Ok(())
        },
    );
}
