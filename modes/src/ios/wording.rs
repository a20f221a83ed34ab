//! IOS's words for what the engine reports as values: the reasons SAs go
//! down (`deleting SA reason "..."`, `IPSEC(delete_sa)`), and whether a
//! reason is one IOS announces with `%CRYPTO-5-SESSION_STATUS`. One `fn` per
//! engine type.

use edgesh_engine::ike::events::DownReason;
use edgesh_engine::ike::wire::notify;

/// Why an IKE or IPsec SA went down, in IOS debug output.
pub fn down_reason(r: &DownReason) -> String {
    match r {
        DownReason::Cleared => "cleared".into(),
        DownReason::RemovedFromConfig => "tunnel removed from the configuration".into(),
        DownReason::NoResponse => "no response from peer".into(),
        DownReason::NegotiationTimedOut => "negotiation timed out".into(),
        DownReason::PeerDead => "peer dead (DPD)".into(),
        DownReason::LifetimeExpired { kilobytes: false } => "lifetime expired".into(),
        DownReason::LifetimeExpired { kilobytes: true } => "kilobyte lifetime expired".into(),
        DownReason::AuthenticationFailed => "authentication failed".into(),
        DownReason::IdentityMismatch => "identity mismatch".into(),
        DownReason::PeerNotify(kind) => format!("peer sent {}", notify::name(*kind)),
        DownReason::TransformNotOffered => "responder chose a transform we did not offer".into(),
        DownReason::BadKeyExchange => "bad key exchange payload".into(),
        DownReason::DhFailed => "Diffie-Hellman computation failed".into(),
        DownReason::DhGroupChanged => "responder chose another DH group".into(),
        DownReason::InitialContact => "initial contact from peer".into(),
        DownReason::Rekeyed => "rekeyed".into(),
        DownReason::DeletedByPeer => "deleted by peer".into(),
    }
}

/// Whether IOS logs `Crypto tunnel is DOWN` for a phase-1 SA going down for
/// this reason (an operator's `clear` is not logged).
pub fn logs_tunnel_down(r: &DownReason) -> bool {
    !matches!(r, DownReason::Cleared)
}

/// A certificate serial as IOS prints it (`SN: 3E`): upper-case hex, no leading zero octets.
pub fn cert_serial(serial: &[u8]) -> String {
    let n = serial.iter().take_while(|b| **b == 0).count().min(serial.len().saturating_sub(1));
    serial[n..].iter().map(|b| format!("{b:02X}")).collect()
}

/// The `%PKI-` message of a refused peer certificate (severity, `PKI/MNEMONIC`, text), as IOS
/// logs chain validation failures (`%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain
/// validation has failed. The certificate (SN: ...) has expired. Validity period ended on ...`).
pub fn cert_log(f: &edgesh_engine::pki::CertFailure) -> Option<(u8, &'static str, String)> {
    use edgesh_engine::pki::{CertError, CertFailure};
    let failed = "Certificate chain validation has failed.";
    let date = super::pki::ios_date;
    let CertFailure::Invalid(e) = f else { return None };
    Some(match e {
        CertError::Expired { serial, not_after, .. } => (
            3,
            "PKI/CERTIFICATE_INVALID_EXPIRED",
            format!(
                "{failed} The certificate (SN: {}) has expired. Validity period ended on {}",
                cert_serial(serial),
                date(*not_after)
            ),
        ),
        CertError::NotYetValid { serial, not_before, .. } => (
            3,
            "PKI/CERTIFICATE_INVALID_NOT_YET_VALID",
            format!(
                "{failed} The certificate (SN: {}) is not yet valid   Validity period starts on {}",
                cert_serial(serial),
                date(*not_before)
            ),
        ),
        CertError::Revoked { serial, .. } => {
            (3, "PKI/CERTIFICATE_REVOKED", format!("{failed} The certificate (SN: {}) is revoked", cert_serial(serial)))
        }
        // Unknown issuer, bad signature, key usage, malformed: the generic message.
        _ => (3, "PKI/CERTIFICATE_INVALID", failed.to_string()),
    })
}
