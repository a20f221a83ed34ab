//! What certificates add to IKE_SA_INIT (issue 18): whether a peer
//! configuration can answer at all (a pre-shared key or certificates for
//! each direction), SIGNATURE_HASH_ALGORITHMS (RFC 7427 4) and the CERTREQ
//! naming our trust anchors (RFC 7296 3.7). `init.rs` and `auth.rs` use it;
//! it uses neither.

use super::wire::{self, Builder, CertRepr, Msg, NotifyRepr, Repr};
use crate::ike::conf::PeerConf;
use crate::pki::{AuthBy, Hash};

/// Whether this side signs (a certificate) rather than using the pre-shared key.
pub(crate) fn local_sig(p: &PeerConf) -> bool {
    p.pki.as_ref().is_some_and(|k| k.local == AuthBy::Signature)
}

/// Whether the peer must sign.
pub(crate) fn remote_sig(p: &PeerConf) -> bool {
    p.pki.as_ref().is_some_and(|k| k.remote == AuthBy::Signature)
}

/// Whether a peer configuration can answer an IKE_SA_INIT: it has what both
/// directions of authentication need (a pre-shared key or certificates).
pub(crate) fn can_answer(p: &PeerConf) -> bool {
    let psk = p.psk.is_some();
    p.may_respond() && (psk || local_sig(p)) && (psk || remote_sig(p))
}

/// The hash algorithms this side verifies and makes signatures with (RFC 7427 4).
pub(crate) const OUR_HASHES: [Hash; 3] = [Hash::Sha256, Hash::Sha384, Hash::Sha512];

pub(crate) fn hash_notify() -> Repr {
    Repr::Notify(NotifyRepr::new(
        wire::SIGNATURE_HASH_ALGORITHMS,
        OUR_HASHES.iter().flat_map(|h| h.ike_id().to_be_bytes()).collect(),
    ))
}

/// IKE_SA_INIT request additions for certificates: SIGNATURE_HASH_ALGORITHMS.
pub(crate) fn init_request_extras(p: &PeerConf, b: &mut Builder) {
    if p.pki.is_some() {
        b.push(&hash_notify());
    }
}

/// IKE_SA_INIT response additions: a CERTREQ naming our trust anchors (RFC
/// 7296 1.2, 3.7) and SIGNATURE_HASH_ALGORITHMS when the request had it.
pub(crate) fn init_response_extras(p: &PeerConf, request: &Msg, b: &mut Builder) {
    let Some(k) = &p.pki else { return };
    if k.remote == AuthBy::Signature && !k.trust.anchors.is_empty() {
        b.push(&Repr::CertReq(CertRepr { encoding: wire::CERT_X509_SIGNATURE, data: k.trust.ca_hashes() }));
    }
    if request.notify(wire::SIGNATURE_HASH_ALGORITHMS).is_some() {
        b.push(&hash_notify());
    }
}
