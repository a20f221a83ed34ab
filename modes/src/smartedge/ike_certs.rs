//! SmartEdge IKE with certificates (issue 18): owns giving a tunnel whose
//! IKE policy authenticates with `rsa-signature` (an `ike2 policy`'s
//! `authentication`, or an IKEv1 proposal's method) the PKI material of its
//! context's store (section 6.1, `modes/src/smartedge/pki_store.rs`): the
//! trusted certificates are the anchors, the first non-trusted certificate
//! with a key pair is this router's, its key loaded from the key store
//! (`<state dir>/pki/keys/<key pair>@<context>.pem`, [`super::pki::key_label`]); `validate-certificate-identity`
//! makes the peer's identity have to be in its certificate; CRL files in
//! `<state dir>/pki/crl/` are checked.

use crate::session::Router;
use edgesh_engine::config::{AuthMethod, IkeVersion};
use edgesh_engine::ike::conf::EngineConf;
use edgesh_engine::pki::{AuthBy, Cert, PeerPki, PrivateKey, TrustStore};
use std::sync::Arc;

/// Attach each signature-authenticated tunnel's certificates and key.
pub fn attach(r: &Router, conf: &mut EngineConf) {
    let crls = load_crls(&r.state_dir);
    for p in conf.peers.iter_mut() {
        let Some(pol) = r
            .running
            .tunnels
            .get(&p.name)
            .and_then(|t| t.ike_policy.clone())
            .and_then(|n| r.running.contexts.get(&p.context)?.ike_policies.get(&n).cloned())
        else {
            continue;
        };
        let sig = match p.version {
            IkeVersion::V2 => pol.authentication == AuthMethod::RsaSignature,
            _ => p.proposals.iter().any(|x| x.auth.is_signature()),
        };
        if !sig {
            continue;
        }
        let mut notes = Vec::new();
        let store = r.pki.get(&p.context).cloned().unwrap_or_default();
        let mut trust = TrustStore { crls: crls.clone(), check_crl: true, ..TrustStore::default() };
        let (mut certs, mut key) = (Vec::new(), None);
        for c in &store.certificates {
            let parsed = match edgesh_engine::pki::parse_certs(c.pem.as_bytes()) {
                Ok(v) => v,
                Err(e) => {
                    notes.push(format!("certificate {}: {e}", c.handle));
                    continue;
                }
            };
            if c.trusted {
                trust.anchors.extend(parsed);
            } else if let (Some(kp), None) = (&c.key_pair, &key) {
                let Some(own): Option<Cert> = parsed.into_iter().next() else { continue };
                match PrivateKey::load(&r.state_dir, &super::pki::key_label(&p.context, kp)) {
                    Ok(k) if k.public() == own.key => {
                        key = Some(Arc::new(k));
                        certs.insert(0, own);
                    }
                    Ok(_) => notes.push(format!("key pair {kp} is not the key of certificate {}", c.handle)),
                    Err(e) => notes.push(e),
                }
            }
        }
        if key.is_none() && notes.is_empty() {
            notes.push(format!("no certificate with a key pair in context {}", p.context));
        }
        for n in &notes {
            conf.notes.push(format!("tunnel {}: {n}", p.name));
        }
        p.pki = Some(Arc::new(PeerPki {
            local: AuthBy::Signature,
            remote: AuthBy::Signature,
            certs,
            key,
            trust: Arc::new(trust),
            check_identity: pol.validate_certificate_identity,
            notes,
            cert_maps: Vec::new(),
        }));
    }
}

fn load_crls(state_dir: &std::path::Path) -> Vec<edgesh_engine::pki::validate::Crl> {
    let Ok(dir) = std::fs::read_dir(state_dir.join("pki").join("crl")) else { return vec![] };
    let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter_map(|b| edgesh_engine::pki::validate::Crl::parse(&b).ok())
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartedge::pki_store::{Certificate, PkiStore};

    #[test]
    fn an_rsa_signature_policy_gets_the_context_store() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!(
            "edgesh-se-certs-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pki/keys")).unwrap();
        let kp = dir.join(format!("pki/keys/{}.pem", crate::smartedge::pki::key_label("local", "kp1")));
        std::fs::write(&kp, include_str!("../../../engine/src/pki/testdata/left-rsa.key")).unwrap();
        std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o600)).unwrap();
        let text = "ike2 proposal p\n  dh-group 14\ncontext local\n  interface wan\n    ip address 192.0.2.1/24\n  ike2 policy peer\n    authentication rsa-signature\n    validate-certificate-identity\n    identity local 192.0.2.1\n    identity remote 192.0.2.2\n    seq 10 proposal p\ntunnel ipsec t1\n  peer-end-point local 192.0.2.1 remote 192.0.2.2 context local\n  ike-policy peer\n";
        let arc = std::sync::Arc::new(std::sync::Mutex::new(Router::new(
            edgesh_engine::Config::new("se"),
            edgesh_engine::driver::Clock::Virtual(0),
            1,
            dir.clone(),
        )));
        let rep = crate::smartedge::load::load_config(&arc, text, "t");
        let mut r = arc.lock().unwrap();
        assert!(r.running.tunnels.contains_key("t1"), "{rep:?}");
        let mut store = PkiStore::default();
        store.certificates.push(Certificate {
            handle: 1,
            trusted: true,
            key_pair: None,
            file: "ca.pem".into(),
            pem: include_str!("../../../engine/src/pki/testdata/ca.pem").into(),
        });
        store.certificates.push(Certificate {
            handle: 2,
            trusted: false,
            key_pair: Some("kp1".into()),
            file: "me.pem".into(),
            pem: include_str!("../../../engine/src/pki/testdata/left-rsa.pem").into(),
        });
        r.pki.insert("local".into(), store);
        let mut conf = EngineConf::from_config(&r.running);
        attach(&r, &mut conf);
        let pki = conf.peers[0].pki.clone().expect("attached");
        assert!(pki.signer().is_some(), "{:?}", conf.notes);
        assert_eq!((pki.trust.anchors.len(), pki.check_identity), (1, true));
        assert_eq!(pki.certs[0].subject, "C=US,O=Edgesh Test,CN=left");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Table 5 rows 7, 8, 9 and 10, on the receiving side.
    #[test]
    fn refused_certificates_are_logged_with_what_is_wrong() {
        use edgesh_engine::ike::Event;
        use edgesh_engine::pki::{CertError, CertFailure};
        let peer = [192, 0, 2, 2].into();
        let ev = |e: CertError| Event::CertAuthFailed {
            conn: 1,
            peer,
            version: 1,
            id: None,
            failure: CertFailure::Invalid(e),
        };
        let subject = "C=US,O=Edgesh Lab,CN=r2".to_string();
        let log = |e| crate::smartedge::events::smartedge_log(&ev(e));
        assert_eq!(log(CertError::Expired { subject: subject.clone(), serial: vec![0x14], not_after: 1_793_491_200 }), vec![(4, "CERT", "Certificate of peer 192.0.2.2 (C=US,O=Edgesh Lab,CN=r2, serial 14) has expired: valid until Sun Nov 01 00:00:00 2026 UTC".to_string())]);
        assert_eq!(
            log(CertError::Revoked { subject, serial: vec![0x15] }),
            vec![(
                4,
                "CERT",
                "Certificate of peer 192.0.2.2 (C=US,O=Edgesh Lab,CN=r2, serial 15) is revoked by its issuer's CRL"
                    .to_string()
            )]
        );
        assert_eq!(log(CertError::UnknownCa { issuer: "C=US,O=Edgesh Lab,CN=Other Lab CA".into() }), vec![(4, "CERT", "Certificate of peer 192.0.2.2 is issued by C=US,O=Edgesh Lab,CN=Other Lab CA, which is not a trusted certificate".to_string())]);
    }

    #[test]
    fn certificate_identity_failures_in_table_5_words() {
        use edgesh_engine::ike::Event;
        use edgesh_engine::pki::CertFailure;
        let peer = [192, 0, 2, 2].into();
        let e = Event::CertAuthFailed {
            conn: 1,
            peer,
            version: 1,
            id: Some("dkoop.com".into()),
            failure: CertFailure::IdentityNotInCert {
                id_type: 2,
                id: "dkoop.com".into(),
                cert_ids: vec![(9, "CN=ours".into()), (2, "dkoop.ours".into())],
            },
        };
        assert_eq!(crate::smartedge::events::smartedge_log(&e), [(4, "ID", "ID type (ID_FQDN) and ID data: dkoop.com mismatching with matching Cert ID type (ID_FQDN) and Cert ID: dkoop.ours".to_string())]);
        // Row 7: the ID is not the policy's (a DN the way the table prints one: slashes, in DER order).
        let dn = x509_cert::der::Encode::to_der(
            &<x509_cert::name::Name as std::str::FromStr>::from_str("CN=ours,O=Edgesh Test,C=US").unwrap(),
        )
        .unwrap();
        let id = edgesh_engine::ike::wire::IdRepr { id_type: 9, protocol: 0, port: 0, data: dn };
        let e = Event::IdMismatch { conn: 1, peer, id, by_signature: true, dial_in: false };
        assert_eq!(crate::smartedge::events::smartedge_log(&e), [(4, "ID", "ID type (ID_DER_ASN1_DN) and ID data /C=US/O=Edgesh Test/CN=ours not matching with the configured IKE policies".to_string())]);
        let id = edgesh_engine::ike::wire::IdRepr { id_type: 1, protocol: 0, port: 0, data: vec![172, 16, 5, 72] };
        let e = Event::IdMismatch { conn: 1, peer, id: id.clone(), by_signature: true, dial_in: false };
        assert_eq!(
            crate::smartedge::events::smartedge_log(&e),
            [(
                4,
                "ID",
                "ID type (ID_IPV4_ADDR) and ID data 172.16.5.72 not matching with the configured IKE policies"
                    .to_string()
            )]
        );
        // Row 8: dial-in users, an identity no on-demand tunnel takes.
        let e = Event::IdMismatch { conn: 0, peer, id: id.clone(), by_signature: true, dial_in: true };
        assert_eq!(
            crate::smartedge::events::smartedge_log(&e),
            [(
                4,
                "ID",
                "ID type (ID_IPV4_ADDR) and ID data 172.16.5.72 not matching with any of the configured IKE policies"
                    .to_string()
            )]
        );
        // Row 9 (pre-shared keys) stays as it was.
        let e = Event::IdMismatch { conn: 1, peer, id, by_signature: false, dial_in: false };
        assert_eq!(
            crate::smartedge::events::smartedge_log(&e),
            [(
                4,
                "ID",
                "Mismatching ID type (ID_IPV4_ADDR) and ID: 172.16.5.72 with the configured IKE policy".to_string()
            )]
        );
        let e = Event::CertAuthFailed { conn: 1, peer, version: 1, id: None, failure: CertFailure::NoCert };
        assert_eq!(
            crate::smartedge::events::smartedge_log(&e),
            [(4, "ID", "NO CERT found that matches with at least 1 remoteid configured in IKE policy".to_string())]
        );
    }
}
