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
