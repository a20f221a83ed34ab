//! ASA certificate authentication: the trustpoints (`crypto ca trustpoint
//! TP` with `keypair LABEL`, `revocation-check crl|none`), their
//! certificates as the ASA's running configuration carries them (`crypto ca
//! certificate chain TP`, `certificate [ca] SERIAL`, hex lines, `quit`: the
//! lines stay in the document as typed, `vocabulary.rs`) and the
//! tunnel-group that uses them (`ikev1 trust-point TP` with a `crypto ikev1
//! policy` of `authentication rsa-sig`; IKEv2 `ikev2 local-authentication
//! certificate TP`, `ikev2 remote-authentication certificate`), wired into
//! the engine's [`PeerPki`](edgesh_engine::pki::PeerPki) as the IOS
//! dialect wires its trustpoints: the chain's `certificate ca` entries of
//! every trustpoint are the trust anchors (the ASA validates a peer's
//! certificate against its trustpoints' CAs), the group's trustpoint's
//! identity certificate is sent, signed with the key `<state
//! dir>/pki/keys/LABEL.pem` (without `keypair`, `Default-RSA-Key`: the
//! ASA's `<Default-RSA-Key>` as a file name), and `revocation-check crl`
//! (the ASA's default is `none`) checks the CRLs of `<state dir>/pki/crl/`
//! (nothing is fetched). What cannot be used is said in the engine notes.
//! With `crypto isakmp identity auto`, the ASA's default, a tunnel that
//! signs sends its identity certificate's subject as its IKE identity
//! (ID_DER_ASN1_DN): the ASA command reference's `auto` is "IP address for
//! preshared key, or cert DN for certificate authentication" (IBM Cloud's
//! ASAv guide: `auto` makes the ASA choose "the identity by connection
//! type").

use super::AsaDoc;
use super::doc::Node;
use edgesh_engine::config::IkeVersion;
use edgesh_engine::ike::conf::EngineConf;
use edgesh_engine::pki::{AuthBy, Cert, PeerPki, PrivateKey, TrustStore};
use std::path::Path;
use std::sync::Arc;

/// The key label of a trustpoint without `keypair`.
pub const DEFAULT_KEYPAIR: &str = "Default-RSA-Key";

/// The bytes of a certificate's hex lines (white space between digits ignored).
fn unhex(lines: &[&Node]) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = lines.iter().flat_map(|l| l.text.bytes()).filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() || digits.len() % 2 == 1 {
        return Err(format!("{} hex digits: not whole bytes", digits.len()));
    }
    digits
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| format!("`{}` is not hexadecimal", String::from_utf8_lossy(p)))
        })
        .collect()
}

fn root<'a>(doc: &'a AsaDoc, text: &str) -> Option<&'a Node> {
    doc.root.iter().find(|n| n.text.split_whitespace().eq(text.split_whitespace()))
}

/// A trustpoint's material: CA certificates, identity certificates, key label, CRL checking.
struct Trustpoint {
    anchors: Vec<Cert>,
    own: Vec<Cert>,
    key_label: String,
    check_crl: bool,
}

fn trustpoint(doc: &AsaDoc, tp: &str, notes: &mut Vec<String>) -> Trustpoint {
    let node = root(doc, &format!("crypto ca trustpoint {tp}"));
    let mut t =
        Trustpoint { anchors: Vec::new(), own: Vec::new(), key_label: DEFAULT_KEYPAIR.into(), check_crl: false };
    if node.is_none() {
        notes.push(format!("trustpoint {tp} does not exist"));
    }
    for c in node.map(|n| n.children.as_slice()).unwrap_or_default() {
        match c.text.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["keypair", l] => t.key_label = l.to_string(),
            ["revocation-check", rest @ ..] => t.check_crl = rest.contains(&"crl"),
            _ => {}
        }
    }
    for c in chain(doc, tp) {
        match c.der.and_then(|der| Cert::from_der(&der).map_err(|e| e.to_string())) {
            Ok(cert) if c.ca => t.anchors.push(cert),
            Ok(cert) => t.own.push(cert),
            Err(e) => notes.push(format!("trustpoint {tp}: certificate {}: {e}", c.serial)),
        }
    }
    t
}

/// One `certificate [ca] SERIAL` entry of a trustpoint's chain.
pub struct ChainEntry {
    pub ca: bool,
    /// The serial as typed.
    pub serial: String,
    /// The certificate's bytes, or why its hex lines are not bytes.
    pub der: Result<Vec<u8>, String>,
}

/// The certificates of `crypto ca certificate chain TP`, in order.
pub fn chain(doc: &AsaDoc, tp: &str) -> Vec<ChainEntry> {
    let entries = root(doc, &format!("crypto ca certificate chain {tp}")).map(|n| n.children.as_slice());
    entries
        .unwrap_or_default()
        .iter()
        .filter_map(|cert| {
            let w: Vec<&str> = cert.text.split_whitespace().collect();
            let (ca, serial) = match w.as_slice() {
                ["certificate", "ca", s] => (true, *s),
                ["certificate", s] => (false, *s),
                _ => return None,
            };
            let data: Vec<&Node> = cert.children.iter().filter(|l| l.text.trim() != "quit").collect();
            Some(ChainEntry { ca, serial: serial.to_string(), der: unhex(&data) })
        })
        .collect()
}

/// The trustpoints (`crypto ca trustpoint TP`), in the document's order.
pub fn trustpoints(doc: &AsaDoc) -> Vec<String> {
    doc.root
        .iter()
        .filter_map(|n| n.text.trim().strip_prefix("crypto ca trustpoint ").map(|t| t.trim().to_string()))
        .collect()
}

/// The CRLs held in `<state dir>/pki/crl/`.
fn crls(state_dir: &Path, notes: &mut Vec<String>) -> Vec<edgesh_engine::pki::validate::Crl> {
    let Ok(dir) = std::fs::read_dir(state_dir.join("pki").join("crl")) else { return Vec::new() };
    let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
    files.sort();
    let mut held = Vec::new();
    for f in files {
        let parsed = std::fs::read(&f)
            .map_err(|e| e.to_string())
            .and_then(|b| edgesh_engine::pki::validate::Crl::parse(&b).map_err(|e| e.0));
        match parsed {
            Ok(mut c) => held.append(&mut c),
            Err(e) => notes.push(format!("CRL {}: {e}", f.display())),
        }
    }
    held
}

/// How a tunnel-group authenticates: (local, remote, the trustpoint it signs with).
fn group_auth(
    doc: &AsaDoc,
    group: &str,
    version: IkeVersion,
    signature_policy: bool,
) -> Option<(AuthBy, AuthBy, Option<String>)> {
    let attrs = root(doc, &format!("tunnel-group {group} ipsec-attributes"));
    let lines: Vec<Vec<&str>> =
        attrs.map(|n| n.children.iter().map(|c| c.text.split_whitespace().collect()).collect()).unwrap_or_default();
    match version {
        IkeVersion::V1 if signature_policy => {
            let tp = lines.iter().find_map(|w| match w.as_slice() {
                ["ikev1", "trust-point", tp, ..] => Some(tp.to_string()),
                _ => None,
            });
            Some((AuthBy::Signature, AuthBy::Signature, tp))
        }
        IkeVersion::V1 => None,
        _ => {
            let mut local = AuthBy::PreShared;
            let mut remote = AuthBy::PreShared;
            let mut tp = None;
            for w in &lines {
                match w.as_slice() {
                    ["ikev2", "local-authentication", "certificate", t] => {
                        local = AuthBy::Signature;
                        tp = Some(t.to_string());
                    }
                    ["ikev2", "remote-authentication", "certificate"] => remote = AuthBy::Signature,
                    _ => {}
                }
            }
            (local == AuthBy::Signature || remote == AuthBy::Signature).then_some((local, remote, tp))
        }
    }
}

/// Give each tunnel whose tunnel-group authenticates with certificates its [`PeerPki`].
pub fn attach(doc: &AsaDoc, model: &edgesh_engine::Config, conf: &mut EngineConf, state_dir: &Path) {
    let mut crl_notes = Vec::new();
    let held = crls(state_dir, &mut crl_notes);
    let all: Vec<String> = doc
        .root
        .iter()
        .filter_map(|n| n.text.strip_prefix("crypto ca trustpoint ").map(|t| t.trim().to_string()))
        .collect();
    // `crypto isakmp identity address|hostname|key-id|auto`: `auto` unless another is configured.
    let auto_identity = doc
        .root
        .iter()
        .filter_map(|n| n.text.trim().strip_prefix("crypto isakmp identity "))
        .next_back()
        .is_none_or(|w| w.trim() == "auto");
    for p in conf.peers.iter_mut() {
        let Some(t) = model.tunnels.get(&p.name) else { continue };
        let group = t.description.clone().or_else(|| t.remote.map(|a| a.to_string())).unwrap_or_default();
        let signature_policy = p.proposals.iter().any(|x| x.auth.is_signature());
        let Some((local, remote, tp)) = group_auth(doc, &group, p.version, signature_policy) else { continue };
        let mut notes = Vec::new();
        let mut trust = TrustStore { crls: held.clone(), ..TrustStore::default() };
        for name in &all {
            let m = trustpoint(doc, name, &mut Vec::new());
            // The trustpoint a peer's certificate validates with (717030):
            // the first, in the configuration's order, that holds its CA.
            trust.anchor_names.extend(m.anchors.iter().map(|a| (a.der.clone(), name.clone())));
            trust.anchors.extend(m.anchors);
        }
        let (mut certs, mut key) = (Vec::new(), None);
        if local == AuthBy::Signature {
            match &tp {
                None => notes.push(format!("tunnel-group {group}: no trust-point to sign with")),
                Some(tp) => {
                    let m = trustpoint(doc, tp, &mut notes);
                    trust.check_crl |= m.check_crl;
                    match m.own.first() {
                        None => notes.push(format!("no identity certificate in trustpoint {tp}")),
                        Some(own) => {
                            match PrivateKey::load(state_dir, &m.key_label) {
                                Ok(k) if k.public() == own.key => key = Some(Arc::new(k)),
                                Ok(_) => notes.push(format!(
                                    "trustpoint {tp}: key pair {} is not the key of its certificate",
                                    m.key_label
                                )),
                                Err(e) => notes.push(format!("trustpoint {tp}: {e}")),
                            }
                            certs.push(own.clone());
                        }
                    }
                }
            }
        }
        // `crypto isakmp identity auto` (the ASA's default): a tunnel that signs
        // names itself by its certificate's DN (the address with pre-shared keys).
        if auto_identity
            && local == AuthBy::Signature
            && let Some(own) = certs.first()
        {
            p.local_id = edgesh_engine::config::Identity::Dn(own.subject_der.clone());
        }
        for n in &notes {
            conf.notes.push(format!("tunnel {}: {n}", p.name));
        }
        p.pki = Some(Arc::new(PeerPki {
            local,
            remote,
            certs,
            key,
            trust: Arc::new(trust),
            check_identity: true,
            notes,
            cert_maps: Vec::new(),
        }));
    }
    conf.notes.extend(crl_notes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(t: &str) -> Node {
        Node { text: t.into(), ..Default::default() }
    }

    fn doc_of(lines: &[(&str, &[&str])]) -> AsaDoc {
        let mut d = AsaDoc::default();
        for (head, kids) in lines {
            let mut n = node(head);
            n.children = kids.iter().map(|k| node(k)).collect();
            d.root.push(n);
        }
        d
    }

    /// What a tunnel-group's lines ask for: IKEv1 signs with its `ikev1
    /// trust-point` when the policy is rsa-sig; IKEv2 each side as told.
    #[test]
    fn a_tunnel_group_says_who_signs_and_with_which_trustpoint() {
        let d = doc_of(&[(
            "tunnel-group 192.0.2.2 ipsec-attributes",
            &["ikev1 trust-point TP", "ikev2 local-authentication certificate TP2"],
        )]);
        let g = |v, sig| group_auth(&d, "192.0.2.2", v, sig);
        assert_eq!(g(IkeVersion::V1, true), Some((AuthBy::Signature, AuthBy::Signature, Some("TP".into()))));
        assert_eq!(g(IkeVersion::V1, false), None, "a pre-share policy");
        assert_eq!(g(IkeVersion::V2, false), Some((AuthBy::Signature, AuthBy::PreShared, Some("TP2".into()))));
        let none = doc_of(&[("tunnel-group 192.0.2.2 ipsec-attributes", &["ikev2 remote-authentication certificate"])]);
        assert_eq!(
            group_auth(&none, "192.0.2.2", IkeVersion::V2, false),
            Some((AuthBy::PreShared, AuthBy::Signature, None))
        );
        assert_eq!(group_auth(&none, "other", IkeVersion::V2, false), None);
    }

    #[test]
    fn hex_lines_are_bytes_or_a_reason() {
        assert_eq!(unhex(&[&node("    3082 01"), &node("0a")]).unwrap(), vec![0x30, 0x82, 0x01, 0x0a]);
        assert_eq!(unhex(&[&node("308")]).unwrap_err(), "3 hex digits: not whole bytes");
        assert_eq!(unhex(&[&node("30 8G")]).unwrap_err(), "`8G` is not hexadecimal");
        assert_eq!(unhex(&[]).unwrap_err(), "0 hex digits: not whole bytes");
    }
}
