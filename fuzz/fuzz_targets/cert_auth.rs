//! The CERT/AUTH payload path under libFuzzer: the input is an IKE_AUTH
//! payload chain (IDi first) checked by a responder that wants a signature
//! and trusts the test CA (`edgesh_engine::ike::v2::auth::fuzz_verify`:
//! payload parsing, X.509 and CRL decoding, chain validation, the identity
//! check, the RFC 7427 AlgorithmIdentifier and the signature), and the same
//! bytes given to every certificate decoder. Nothing may panic; the CA's
//! key is not here, so nothing may be accepted either.
#![no_main]

use edgesh_engine::pki::fuzzing;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static PKI: OnceLock<edgesh_engine::pki::PeerPki> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let pki = PKI.get_or_init(fuzzing::signature_pki);
    let octets = [b"init message".to_vec(), b"nonce".to_vec(), b"maced id".to_vec()];
    // 2026-12-01, within the test certificates' validity.
    let accepted = edgesh_engine::ike::v2::auth::fuzz_verify(pki, data, &octets, 1_796_083_200);
    assert!(!accepted, "a chain no one signed was accepted");
    fuzzing::decode_all(data);
});
