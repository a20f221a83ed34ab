//! HASH_I and HASH_R of IKEv1 phase 1 (RFC 2409 section 5): what a
//! pre-shared key proves, and what a signature signs. A leaf: phase 1 and
//! the signature code both take it from here.

use crate::ike::sa::IkeSa;

/// HASH_I (initiator) or HASH_R over the given ID payload body.
pub(in crate::ike) fn hash_auth(sa: &IkeSa, initiator: bool, id_b: &[u8]) -> Vec<u8> {
    let (Some(h), Some(k)) = (sa.hash(), sa.keys()) else { return Vec::new() };
    if initiator {
        h.prf(&k.skeyid, &[&sa.nego().gxi, &sa.nego().gxr, &sa.icookie, &sa.rcookie, &sa.nego().sa_i_b, id_b])
    } else {
        h.prf(&k.skeyid, &[&sa.nego().gxr, &sa.nego().gxi, &sa.rcookie, &sa.icookie, &sa.nego().sa_i_b, id_b])
    }
}
