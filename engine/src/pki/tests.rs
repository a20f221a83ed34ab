//! Certificates made by `tests/pki/make-test-ca.sh` (openssl), kept in `testdata/`.

use super::ident::*;
use super::*;

pub(crate) fn key(name: &str) -> PrivateKey {
    let t = match name {
        "left-rsa" => include_str!("testdata/left-rsa.key"),
        "left-ec" => include_str!("testdata/left-ec.key"),
        "right-rsa" => include_str!("testdata/right-rsa.key"),
        "right-ec" => include_str!("testdata/right-ec.key"),
        "right-expired" => include_str!("testdata/right-expired.key"),
        "right-wrongid" => include_str!("testdata/right-wrongid.key"),
        "right-revoked" => include_str!("testdata/right-revoked.key"),
        "right-unknown" => include_str!("testdata/right-unknown.key"),
        _ => unreachable!(),
    };
    PrivateKey::from_pem(t).unwrap()
}

/// A peer's PKI: signs with `name`'s certificate and key, trusts the test CA, checks its CRL.
pub(crate) fn peer_pki(name: &str) -> PeerPki {
    PeerPki {
        local: AuthBy::Signature,
        remote: AuthBy::Signature,
        certs: vec![pem(name)],
        key: Some(Arc::new(key(name))),
        trust: Arc::new(store(true)),
        check_identity: true,
        notes: vec![],
        cert_maps: vec![],
    }
}

pub(crate) fn pem(name: &str) -> Cert {
    let t = match name {
        "ca" => include_str!("testdata/ca.pem"),
        "other-ca" => include_str!("testdata/other-ca.pem"),
        "right-rsa" => include_str!("testdata/right-rsa.pem"),
        "right-ec" => include_str!("testdata/right-ec.pem"),
        "right-expired" => include_str!("testdata/right-expired.pem"),
        "right-wrongid" => include_str!("testdata/right-wrongid.pem"),
        "right-revoked" => include_str!("testdata/right-revoked.pem"),
        "right-unknown" => include_str!("testdata/right-unknown.pem"),
        "left-rsa" => include_str!("testdata/left-rsa.pem"),
        "left-ec" => include_str!("testdata/left-ec.pem"),
        _ => unreachable!(),
    };
    parse_certs(t.as_bytes()).unwrap().remove(0)
}

/// 2026-06-01, inside every certificate's validity but the expired one's.
pub(crate) const NOW: u64 = 1_780_272_000;

fn store(crl: bool) -> TrustStore {
    TrustStore {
        anchors: vec![pem("ca")],
        intermediates: vec![],
        crls: validate::Crl::parse(include_bytes!("testdata/crl.pem")).unwrap(),
        check_crl: crl,
        anchor_names: vec![],
    }
}

/// What a validation says besides the anchor: the configuration's name of
/// the anchor, and whether revocation was checked (CRL checking on and a
/// CRL of the issuer held), for the 717xxx messages a dialect words.
#[test]
fn a_validation_names_its_anchor_and_says_whether_revocation_was_checked() {
    let mut s = store(true);
    s.anchor_names.push((pem("ca").der, "LAB-CA".into()));
    let v = s.validate_path(&pem("right-rsa"), &[], NOW).unwrap();
    assert_eq!((s.anchor_name(v.anchor), v.revocation_checked), (Some("LAB-CA"), true));
    let off = store(false);
    let v = off.validate_path(&pem("right-rsa"), &[], NOW).unwrap();
    assert_eq!((off.anchor_name(v.anchor), v.revocation_checked), (None, false));
    let no_crl = TrustStore { crls: vec![], ..store(true) };
    assert!(!no_crl.validate_path(&pem("right-rsa"), &[], NOW).unwrap().revocation_checked);
}

#[test]
fn decodes_names_keys_and_alternative_names() {
    let c = pem("right-rsa");
    assert_eq!(c.subject, "C=US,O=Edgesh Test,CN=right");
    assert_eq!(c.issuer, "C=US,O=Edgesh Test,CN=Edgesh Test CA");
    assert_eq!(c.key.bits(), 2048);
    assert!(c.key.is_rsa());
    assert_eq!(
        c.sans,
        vec![
            San::Ip("192.0.2.2".parse().unwrap()),
            San::Dns("right.example".into()),
            San::Email("vpn@right.example".into())
        ]
    );
    assert_eq!((c.is_ca, c.key_usage), (Some(false), Some(0b101)));
    assert_eq!(pem("right-ec").key.bits(), 384);
    assert_eq!(pem("left-ec").key.bits(), 256);
    assert!(pem("ca").may_sign_certs() && !c.may_sign_certs());
    // DER and PEM give the same certificate.
    assert_eq!(parse_certs(include_bytes!("testdata/right-rsa.der")).unwrap()[0], c);
    assert!(parse_certs(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
    assert_eq!(
        parse_certs(b"\x30\x03\x02\x01\x01").unwrap_err().0.split(' ').take(3).collect::<Vec<_>>(),
        ["not", "an", "X.509"]
    );
}

#[test]
fn valid_chains_reach_the_anchor() {
    let s = store(true);
    for n in ["right-rsa", "right-ec", "left-rsa", "left-ec", "right-wrongid"] {
        assert_eq!(
            s.validate(&pem(n), &[], NOW).map(|a| a.subject.clone()),
            Ok("C=US,O=Edgesh Test,CN=Edgesh Test CA".into()),
            "{n}"
        );
    }
}

#[test]
fn failures_are_typed() {
    let s = store(true);
    assert_eq!(
        s.validate(&pem("right-expired"), &[], NOW),
        Err(CertError::Expired {
            subject: "C=US,O=Edgesh Test,CN=right-expired".into(),
            serial: pem("right-expired").serial,
            not_after: 1_609_459_200
        })
    );
    // On a clock of 2020-06-01 the same certificate is within its dates and the CA is not yet valid: the engine's clock decides.
    assert!(
        matches!(s.validate(&pem("right-expired"), &[], 1_590_969_600), Err(CertError::NotYetValid { subject, .. }) if subject.ends_with("CN=Edgesh Test CA"))
    );
    // Before the CA's own validity.
    assert!(matches!(s.validate(&pem("right-rsa"), &[], 1_590_969_600), Err(CertError::NotYetValid { .. })));
    assert_eq!(
        s.validate(&pem("right-unknown"), &[], NOW),
        Err(CertError::UnknownCa { issuer: "C=US,O=Edgesh Test,CN=Other CA".into() })
    );
    // The other CA sent along does not help: it is not an anchor, and not issued by one.
    assert_eq!(
        s.validate(&pem("right-unknown"), &[pem("other-ca")], NOW),
        Err(CertError::UnknownCa { issuer: "C=US,O=Edgesh Test,CN=Other CA".into() })
    );
    assert!(matches!(s.validate(&pem("right-revoked"), &[], NOW), Err(CertError::Revoked { .. })));
    // Without `revocation-check crl` the CRL is not consulted.
    assert!(store(false).validate(&pem("right-revoked"), &[], NOW).is_ok());
    // A certificate whose signature was altered.
    let mut bad = pem("right-rsa").der.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    assert_eq!(
        s.validate(&Cert::from_der(&bad).unwrap(), &[], NOW),
        Err(CertError::BadSignature { subject: "C=US,O=Edgesh Test,CN=right".into() })
    );
    // An anchor-less store trusts nothing; the certificate itself as anchor is trusted.
    let none = TrustStore::default();
    assert!(matches!(none.validate(&pem("right-rsa"), &[], NOW), Err(CertError::UnknownCa { .. })));
    let own = TrustStore { anchors: vec![pem("right-rsa")], ..TrustStore::default() };
    assert!(own.validate(&pem("right-rsa"), &[], NOW).is_ok());
}

#[test]
fn identities_of_a_certificate() {
    let c = pem("right-rsa");
    assert!(c.has_identity(ID_IPV4_ADDR, &[192, 0, 2, 2]));
    assert!(!c.has_identity(ID_IPV4_ADDR, &[192, 0, 2, 1]));
    assert!(c.has_identity(ID_FQDN, b"RIGHT.example"));
    assert!(!c.has_identity(ID_FQDN, b"left.example"));
    assert!(c.has_identity(ID_RFC822_ADDR, b"vpn@right.example"));
    assert!(c.has_identity(ID_DER_ASN1_DN, &c.subject_der));
    assert!(!c.has_identity(ID_DER_ASN1_DN, &pem("ca").subject_der));
    assert!(!c.has_identity(ID_IPV4_ADDR, &[192, 0, 2]));
    let ids = c.identities();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[1].ike(), (ID_IPV4_ADDR, vec![192, 0, 2, 2]));
    assert_eq!(id_text(ID_DER_ASN1_DN, &c.subject_der), "C=US,O=Edgesh Test,CN=right");
    assert!(!pem("right-wrongid").has_identity(ID_IPV4_ADDR, &[192, 0, 2, 2]));
}

#[test]
fn keys_sign_and_certificates_verify() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
    let cases = [
        (include_str!("testdata/left-rsa.key"), "left-rsa"),
        (include_str!("testdata/left-ec.key"), "left-ec"),
        (include_str!("testdata/right-ec.key"), "right-ec"),
    ];
    for (k, c) in cases {
        let key = PrivateKey::from_pem(k).unwrap();
        let cert = pem(c);
        assert_eq!(key.public(), cert.key, "{c}");
        let algs: Vec<SigAlg> = if cert.key.is_rsa() {
            vec![
                SigAlg::RsaPkcs1(Hash::Sha1),
                SigAlg::RsaPkcs1(Hash::Sha256),
                SigAlg::RsaPkcs1(Hash::Sha512),
                SigAlg::RsaPss(Hash::Sha256),
                SigAlg::RsaPss(Hash::Sha384),
                SigAlg::RsaPkcs1Raw,
            ]
        } else {
            vec![SigAlg::Ecdsa(Hash::Sha256), SigAlg::Ecdsa(Hash::Sha384), SigAlg::EcdsaRaw(Hash::Sha256)]
        };
        for a in algs {
            let s = key.sign(a, &[b"signed ", b"octets"], &mut rng).unwrap();
            assert!(cert.key.verify(a, &[b"signed octets"], &s), "{c} {a:?}");
            assert!(!cert.key.verify(a, &[b"signed octetz"], &s), "{c} {a:?}");
            // The AlgorithmIdentifier of RFC 7427 goes back to the same scheme.
            if let Some(d) = a.to_x509_der() {
                let ai = <spki::AlgorithmIdentifierOwned as der::Decode>::from_der(&d).unwrap();
                assert_eq!(SigAlg::from_x509(&ai), Some(a));
            }
        }
        assert!(format!("{key:?}").starts_with("PrivateKey("));
        // RFC 4754 7: the IKE form is r | s, each the curve's size (64 octets on P-256, 96 on P-384), never DER.
        if !cert.key.is_rsa() {
            let raw = key.sign(SigAlg::EcdsaRaw(Hash::Sha256), &[b"x"], &mut rng).unwrap();
            assert_eq!(raw.len(), cert.key.bits() / 4, "{c}");
            let der = key.sign(SigAlg::Ecdsa(Hash::Sha256), &[b"x"], &mut rng).unwrap();
            assert!(!cert.key.verify(SigAlg::EcdsaRaw(Hash::Sha256), &[b"x"], &der), "{c}: DER is not taken as r | s");
        }
    }
    // RFC 7427 appendix A.1.2 and A.3.1: sha256WithRSAEncryption and ecdsa-with-sha256.
    assert_eq!(
        SigAlg::RsaPkcs1(Hash::Sha256).to_x509_der().unwrap(),
        [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00]
    );
    assert_eq!(
        SigAlg::Ecdsa(Hash::Sha256).to_x509_der().unwrap(),
        [0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
    );
    assert!(PrivateKey::from_pem("-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----\n").is_err());
}

#[test]
fn key_files_are_loaded_from_the_state_directory_only_when_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("edgesh-pki-test-{}", std::process::id()));
    let keys = dir.join("pki/keys");
    std::fs::create_dir_all(&keys).unwrap();
    let p = keys.join("R1.pem");
    std::fs::write(&p, include_str!("testdata/left-ec.key")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        PrivateKey::load(&dir, "R1").unwrap_err(),
        format!("key pair R1: {} is readable by others (mode 644); expected 0600", p.display())
    );
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(PrivateKey::load(&dir, "R1").unwrap().public(), pem("left-ec").key);
    assert_eq!(PrivateKey::load(&dir, "../R1").unwrap_err(), "key pair ../R1: \"../R1\" cannot name a key");
    assert_eq!(PrivateKey::load(&dir, "none").unwrap_err(), "key pair none: no key named none");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ca_hashes_are_sha1_of_the_public_key_info() {
    use sha1::Digest;
    let s = store(false);
    let want: [u8; 20] = sha1::Sha1::digest(&pem("ca").spki_der).into();
    assert_eq!(s.ca_hashes(), want.to_vec());
}

proptest::proptest! {
    /// Damaged certificates and CRLs decode or fail, never panic, and never validate.
    #[test]
    fn damaged_certificates_never_panic(at in 0usize..1200, byte in proptest::num::u8::ANY, cut in 0usize..1200) {
        let mut b = pem("right-rsa").der.clone();
        let n = b.len();
        let old = b[at % n];
        b[at % n] = byte;
        b.truncate(n - cut % n);
        if let Ok(c) = Cert::from_der(&b) {
            let changed = old != byte || cut % n != 0;
            let r = store(true).validate(&c, &[], NOW).is_ok();
            // Only an unchanged certificate, or a change outside the signed part that keeps it decodable (such as the signature's unused-bits octet), may still validate.
            if changed && r {
                proptest::prop_assert!(c.signed_parts().unwrap().0 == pem("right-rsa").signed_parts().unwrap().0);
            }
        }
        let _ = validate::Crl::from_der(&b);
    }

    #[test]
    fn any_bytes_never_panic(b in proptest::collection::vec(proptest::num::u8::ANY, 0..700)) {
        let _ = parse_certs(&b);
        let _ = validate::Crl::parse(&b);
        let _ = PrivateKey::from_der(&b);
    }
}
