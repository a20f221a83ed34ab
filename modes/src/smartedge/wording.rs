//! SmartEdge's words for what the engine reports as values: the reasons SAs
//! go down, packet errors (the log text of Table 5 of the guide) and the
//! objects of configuration problems (as their configuration lines name
//! them). One `fn` per engine type.

use edgesh_engine::ike::events::DownReason;
use edgesh_engine::ike::wire::{Part, ProposalSyntax, WireError, notify};
use edgesh_engine::validate::{InContext, ObjectRef, Problem, Severity};

/// Why an IKE or IPsec SA went down (`... deleted: REASON`).
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

fn part(p: &Part) -> &'static str {
    match p {
        Part::Sa => "SA",
        Part::Ke => "KE",
        Part::Id => "ID",
        Part::Hash => "HASH",
        Part::Notify => "NOTIFY",
        Part::Delete => "DELETE",
        Part::PayloadChain => "payload chain",
        Part::Ciphertext => "ciphertext",
        Part::EncryptedBeforeKeys => "encrypted payload before keys",
        Part::AggressiveFirst => "aggressive mode first message",
        Part::AggressiveSecond => "aggressive mode second message",
        Part::QuickMode => "quick mode message",
    }
}

fn proposal_syntax(p: &ProposalSyntax) -> String {
    match p {
        ProposalSyntax::TruncatedAttribute => "Truncated data attribute".into(),
        ProposalSyntax::TooManyAttributes => "Too many attributes".into(),
        ProposalSyntax::LengthExceeds { length, size } => format!("Payload Length({length}) is greater than SA + Proposal + Xform + Attributes size({size})"),
        ProposalSyntax::SpiTooLong => "SPI size exceeds the proposal".into(),
        ProposalSyntax::TransformCount => "Transform count does not match the transform chain".into(),
        ProposalSyntax::TooManyProposals => "Too many proposals".into(),
        ProposalSyntax::InvalidProtocol(p) => format!("Invalid Protocol ID(0x{p:x}) detected."),
        ProposalSyntax::InvalidTransformId(t) => format!("Invalid Xform ID({t}) detected in IKE phase-I 1st message"),
        ProposalSyntax::UnsupportedAttribute(a) => format!("Unsupported attribute({a}) detected in IKE phase-I 1st message"),
    }
}

/// A malformed packet, as the log prints it.
pub fn wire_error(e: &WireError) -> String {
    match e {
        WireError::Truncated { have, need } => format!("Payload Length({need}) is greater than the supported length({have})"),
        WireError::InvalidMajorVersion(v) => format!("Invalid Major Version (0x{v:x}) detected in IKE message"),
        WireError::InvalidMinorVersion(v) => format!("Invalid Minor Version (0x{v:x}) detected in IKE message"),
        WireError::InvalidNextPayload(v) => format!("Invalid Next Payload type(0x{v:x}) detected in IKE message"),
        WireError::InvalidFlags(v) => format!("Invalid Flags(0x{v:x}) detected in IKE message"),
        WireError::PayloadLength { length, available, .. } => format!("Payload Length({length}) is greater than the supported length({available})"),
        WireError::ReservedNotZero { value, .. } => format!("Invalid Reserved field (0x{value:x}) detected in IKE phase-1 1st message"),
        WireError::InvalidDoi(v) => format!("Invalid DOI (0x{v:x}) detected in IKE phase-I 1st message"),
        WireError::InvalidSituation(v) => format!("Situation (0x{v:x}) is not supported"),
        WireError::BadProposalSyntax(s) => proposal_syntax(s),
        WireError::TransformReserved(v) => format!("Invalid Reserved field value(0x{v:x}) detected"),
        WireError::Malformed(what) => format!("Malformed {} payload", part(what)),
        WireError::InvalidCookie => "Invalid Initiator Cookie detected in IKE message.".into(),
        WireError::InvalidExchange(x) => format!("Invalid Xchange Type (0x{x:x}) detected for non-existing IKE SA."),
        WireError::InvalidMessageId(m) => format!("Invalid Message ID(0x{m:x}) detected in IKE phase-I message"),
    }
}

/// The object of a configuration problem, as its configuration line names it
/// (`tunnel ipsec rec_1_1`, `context vpn ike policy p`).
pub fn object(o: &ObjectRef) -> String {
    match o {
        ObjectRef::AspGroup(n) => format!("asp group {n}"),
        ObjectRef::IpsecPolicy(n) => format!("ipsec policy {n}"),
        ObjectRef::IpsecProposal(n) => format!("ipsec proposal {n}"),
        ObjectRef::IpsecSa(n) => format!("ipsec security-association {n}"),
        ObjectRef::Port { slot, port } => format!("port ethernet {slot}/{port}"),
        ObjectRef::Context { context, object } => match object {
            InContext::Itself => format!("context {context}"),
            InContext::IkePolicy { version, name } => format!("context {context} {} policy {name}", version.word()),
            InContext::Interface(i) => format!("context {context} interface {i}"),
            InContext::Route(p) => format!("context {context} ip route {p}"),
            InContext::IpsecProfile(n) => format!("context {context} ipsec profile {n}"),
        },
        ObjectRef::Tunnels => "tunnel ipsec".into(),
        ObjectRef::Tunnel(n) => format!("tunnel ipsec {n}"),
    }
}

/// A configuration problem as a commit prints it (`% Error: OBJECT: MESSAGE`).
pub fn problem(p: &Problem) -> String {
    let s = match p.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    format!("% {s}: {}: {}", object(&p.object), p.message)
}
