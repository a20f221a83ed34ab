//! What the fuzz targets (`fuzz/`, cargo-fuzz; feature `fuzzing`,
//! never in an edgesh build) need: a tunnel that authenticates its peer
//! with a certificate (the test CA of `testdata/`, its CRL checked, the
//! identity checked), and every decoder a CERT/AUTH payload's bytes reach
//! (X.509 and CRL DER, PEM chains, the RFC 7427 AlgorithmIdentifier, public
//! keys, PKCS#8 keys).

use super::*;

/// The test material (made by `tests/pki/make-test-ca.sh`; it protects nothing).
pub const CA_PEM: &str = include_str!("testdata/ca.pem");
pub const CRL_PEM: &str = include_str!("testdata/crl.pem");
pub const LEFT_RSA_PEM: &str = include_str!("testdata/left-rsa.pem");
pub const LEFT_RSA_KEY: &str = include_str!("testdata/left-rsa.key");

/// A responder's PKI that wants the peer's signature, trusting the test
/// CA (its CRL checked, the identity checked).
pub fn signature_pki() -> PeerPki {
    let mut trust = TrustStore { check_crl: true, ..TrustStore::default() };
    trust.anchors = parse_certs(CA_PEM.as_bytes()).unwrap_or_default();
    trust.crls = validate::Crl::parse(CRL_PEM.as_bytes()).unwrap_or_default();
    PeerPki {
        local: AuthBy::Signature,
        remote: AuthBy::Signature,
        certs: vec![],
        key: None,
        trust: Arc::new(trust),
        check_identity: true,
        notes: vec![],
        cert_maps: vec![],
    }
}

/// Every decoder of certificate material over `data`; never panics.
pub fn decode_all(data: &[u8]) {
    let _ = Cert::from_der(data);
    let _ = parse_certs(data);
    let _ = validate::Crl::parse(data);
    let _ = validate::Crl::from_der(data);
    let _ = PublicKey::from_spki_der(data);
    let _ = PrivateKey::from_der(data);
    if let Ok(t) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(t);
        let _ = csr::from_pem(t);
    }
    if let Ok(a) = <spki::AlgorithmIdentifierOwned as der::Decode>::from_der(data) {
        let _ = SigAlg::from_x509(&a);
    }
    let _ = ident::dn_oneline(data);
}
