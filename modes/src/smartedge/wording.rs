//! SmartEdge's words for what the engine reports as values: the reasons SAs
//! go down, packet errors (the log text of Table 5 of the guide) and
//! configuration problems (the object, as its configuration line names it,
//! and what is wrong). One `fn` per engine type.

use edgesh_engine::config::{MAX_POLICY_PROPOSALS, MAX_TUNNEL_ENTRIES, MAX_TUNNELS};
use edgesh_engine::ike::events::DownReason;
use edgesh_engine::ike::wire::{Part, ProposalSyntax, WireError, notify};
use edgesh_engine::validate::{InContext, Issue, ObjectRef, Problem, Severity};

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
        ProposalSyntax::LengthExceeds { length, size } => {
            format!("Payload Length({length}) is greater than SA + Proposal + Xform + Attributes size({size})")
        }
        ProposalSyntax::SpiTooLong => "SPI size exceeds the proposal".into(),
        ProposalSyntax::TransformCount => "Transform count does not match the transform chain".into(),
        ProposalSyntax::TooManyProposals => "Too many proposals".into(),
        ProposalSyntax::InvalidProtocol(p) => format!("Invalid Protocol ID(0x{p:x}) detected."),
        ProposalSyntax::InvalidTransformId(t) => format!("Invalid Xform ID({t}) detected in IKE phase-I 1st message"),
        ProposalSyntax::UnsupportedAttribute(a) => {
            format!("Unsupported attribute({a}) detected in IKE phase-I 1st message")
        }
    }
}

/// A malformed packet, as the log prints it.
pub fn wire_error(e: &WireError) -> String {
    match e {
        WireError::Truncated { have, need } => {
            format!("Payload Length({need}) is greater than the supported length({have})")
        }
        WireError::InvalidMajorVersion(v) => format!("Invalid Major Version (0x{v:x}) detected in IKE message"),
        WireError::InvalidMinorVersion(v) => format!("Invalid Minor Version (0x{v:x}) detected in IKE message"),
        WireError::InvalidNextPayload(v) => format!("Invalid Next Payload type(0x{v:x}) detected in IKE message"),
        WireError::InvalidFlags(v) => format!("Invalid Flags(0x{v:x}) detected in IKE message"),
        WireError::PayloadLength { length, available, .. } => {
            format!("Payload Length({length}) is greater than the supported length({available})")
        }
        WireError::ReservedNotZero { value, .. } => {
            format!("Invalid Reserved field (0x{value:x}) detected in IKE phase-1 1st message")
        }
        WireError::InvalidDoi(v) => format!("Invalid DOI (0x{v:x}) detected in IKE phase-I 1st message"),
        WireError::InvalidSituation(v) => format!("Situation (0x{v:x}) is not supported"),
        WireError::BadProposalSyntax(s) => proposal_syntax(s),
        WireError::TransformReserved(v) => format!("Invalid Reserved field value(0x{v:x}) detected"),
        WireError::Malformed(what) => format!("Malformed {} payload", part(what)),
        WireError::InvalidCookie => "Invalid Initiator Cookie detected in IKE message.".into(),
        WireError::InvalidExchange(x) => format!("Invalid Xchange Type (0x{x:x}) detected for non-existing IKE SA."),
        WireError::UnsupportedExchange(_) => "Unsupported XchgType detected.".into(),
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

/// What is wrong with a configuration object.
pub fn issue(i: &Issue) -> String {
    match i {
        Issue::AspPoolMissing(p) => format!("asp pool {p} does not exist"),
        Issue::TooManyProposals(n) => format!("{n} proposals referenced, at most {MAX_POLICY_PROPOSALS} are allowed"),
        Issue::IpsecProposalMissing { seq, name } => format!("seq {seq}: ipsec proposal {name} does not exist"),
        Issue::NullEspNeedsAuth => "esp encryption null needs an esp authentication algorithm".into(),
        Issue::ContextMissing(c) => format!("context {c} does not exist"),
        Issue::InterfaceMissingIn { interface, context } => {
            format!("interface {interface} does not exist in context {context}")
        }
        Issue::BothWithInOrOut => "both cannot be used with in or out".into(),
        Issue::UnpairedSas => "inbound and outbound SAs must be configured in pairs".into(),
        Issue::NoSaAttributes => "no SA attributes configured (both, or in and out)".into(),
        Issue::NoSecurityProtocol(d) => format!("{d}: neither ESP nor AH is configured"),
        Issue::EspNeedsSpi(d) => format!("{d}: ESP needs an SPI (esp spi)"),
        Issue::EspNeedsKey(d) => format!("{d}: ESP needs a key (esp authentication or esp encryption)"),
        Issue::AhNeedsSpi(d) => format!("{d}: AH needs an SPI (ah spi)"),
        Issue::AhNeedsKey(d) => format!("{d}: AH needs a key"),
        Issue::ProtocolsDiffer => "inbound and outbound SAs must use the same security protocol".into(),
        Issue::AspGroupMissing(g) => format!("asp-group {g} does not exist"),
        Issue::UnnumberedInterfaceMissing(u) => format!("ip unnumbered: interface {u} does not exist"),
        Issue::InterfaceMissing(i) => format!("interface {i} does not exist"),
        Issue::IkeProposalMissing { seq, version, name } => {
            format!("seq {seq}: {} proposal {name} does not exist", version.word())
        }
        Issue::ProposalVersion { seq, policy, name, proposal } => {
            format!(
                "seq {seq}: an {} policy can only reference {} proposals; {name} is an {} proposal",
                policy.proto_name(),
                policy.proto_name(),
                proposal.proto_name()
            )
        }
        Issue::NoProposal => "no proposal referenced".into(),
        Issue::NoPreSharedKey => "authentication is pre-shared-key but no pre-shared-key is configured".into(),
        Issue::AaaNeedsResponderOnly => "address-allocation aaa requires connection-type responder-only".into(),
        Issue::TooManyProfileEntries(n) => {
            format!("{n} ipsec-policy entries, at most {MAX_TUNNEL_ENTRIES} are allowed")
        }
        Issue::IpsecPolicyMissing { seq, name } => format!("seq {seq}: ipsec policy {name} does not exist"),
        Issue::AclMissingIn { seq, acl, context } => {
            format!("seq {seq}: ipsec access-list {acl} does not exist in context {context}")
        }
        Issue::TooManyTunnels(n) => format!("{n} tunnels configured, at most {MAX_TUNNELS} are supported"),
        Issue::EndPointContextMissing(c) => format!("peer-end-point context {c} does not exist"),
        Issue::TooManyTunnelEntries(n) => format!("{n} sequenced entries, at most {MAX_TUNNEL_ENTRIES} are allowed"),
        Issue::NoEndPoint => "no peer-end-point configured".into(),
        Issue::LocalNotOwned { local, context } => {
            format!("local end point {local} is not an address of an interface in context {context}")
        }
        Issue::NotBound => "not bound to an interface (bind interface)".into(),
        Issue::BindContextMissing(c) => format!("bind interface: context {c} does not exist"),
        Issue::BindInterfaceMissing { interface, context } => {
            format!("bind interface: interface {interface} does not exist in context {context}")
        }
        Issue::OnDemandNeedsMultibind(i) => {
            format!("an on-demand tunnel must be bound to an ipsec multibind interface; {i} is not one")
        }
        Issue::QosPolicyMissing(q) => format!("qos policy queuing: ipsec qos policy {q} does not exist"),
        Issue::ManualWithIkePolicy => "a manual key tunnel does not use an ike-policy".into(),
        Issue::ManualWithTsRoutes => "traffic-selector guided routes are not supported on manual key tunnels".into(),
        Issue::MaxTunnelsNotOnDemand => "max-tunnels applies to on-demand tunnels only".into(),
        Issue::ManualNeedsRemote => "a manual key tunnel needs a remote end point".into(),
        Issue::StaticNeedsRemote => "a static tunnel needs a remote end point (peer-end-point ... remote)".into(),
        Issue::OnDemandHasRemote => "an on-demand tunnel has no remote end point; remove remote".into(),
        Issue::NoIkePolicy => "no ike-policy configured".into(),
        Issue::IkePolicyMissing { name, context } => format!("ike-policy {name} does not exist in context {context}"),
        Issue::OnDemandNeedsAggressive(p) => {
            format!("on-demand tunnels with IKEv1 support aggressive mode only; ike policy {p} uses main mode")
        }
        Issue::UseAaaNotOnDemand(p) => {
            format!("ike policy {p}: pre-shared-key use-aaa applies to on-demand tunnels only")
        }
        Issue::ProfileMissing { name, context } => format!("no ipsec profile named {name} in context {context}"),
        Issue::ManualWithPolicyEntry { seq, policy } => {
            format!("seq {seq}: a manual key tunnel takes security-association entries, not ipsec-policy {policy}")
        }
        Issue::SaEntryNeedsManual { seq, sa } => {
            format!("seq {seq}: security-association {sa} needs a manual key tunnel")
        }
        Issue::AclMissing { seq, acl } => format!("seq {seq}: ipsec access-list {acl} does not exist"),
        Issue::IpsecSaMissing { seq, sa } => format!("seq {seq}: ipsec security-association {sa} does not exist"),
        Issue::NoEntry => "no sequenced ipsec-policy or security-association entry".into(),
        Issue::RemoteIdTaken { remote_id, context } => {
            format!("remote-id {remote_id} in context {context} is also used by a static tunnel")
        }
    }
}

/// A configuration problem as a commit prints it (`% Error: OBJECT: MESSAGE`).
pub fn problem(p: &Problem) -> String {
    let s = match p.severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    };
    format!("% {s}: {}: {}", object(&p.object), issue(&p.issue))
}

/// The SmartEdge log line for a rejected IKEv2 packet: Table 6 of the guide
/// ("Log Messages Resulting from Rejected IKEv2 Packets"), word for word.
pub fn v2_wire_error(e: &edgesh_engine::ike::v2::wire::Error) -> String {
    use edgesh_engine::ike::v2::wire::{Error as E, payload as p};
    match e {
        E::HeaderTruncated { have } => format!("IKEV2 HEADER:Incomplete data received:{have} bytes"),
        E::TotalLength { received, header } => {
            format!("IKEV2_TOTAL_LENGTH_RCVD_ERROR:{received} bytes IKE_HDR_TOTAL_LENGTH:{header}")
        }
        E::MajorVersion(v) => format!("IKEV2_MAJOR_VERSION_ERROR :{v}"),
        E::ZeroInitiatorSpi => "IKEV2 HEADER:Zero Init SPI received".into(),
        E::InvalidExchange(_) => "IKEV2 HEADER:Invalid Exchange Type".into(),
        E::InvalidNextPayload(_) => "IKEV2 HEADER:INVALID_NEXT_PAYLOAD_TYPE".into(),
        E::GenericLength { length, .. } if *length < 4 => format!("IKEV2_GENERIC_HEADER_LENGTH_ERROR:{length}"),
        E::GenericLength { payload, length, available } => match *payload {
            p::AUTH => format!("AUTH_PAYLOAD_LENGTH_ERROR :{length} bytes,received {available} bytes"),
            p::CERT => format!("CERT_PAYLOAD_LENGTH_ERROR:{length}bytes,received {available} bytes"),
            p::CERTREQ => format!("CERT_REQ_PAYLOAD_LENGTH_ERROR:{length}bytes,received {available} bytes"),
            p::DELETE => format!("DELETE_PAYLOAD_LENGTH_ERROR:{length} received {available} bytes"),
            p::EAP => format!("EAP_PAYLOAD_LENGTH_ERROR:Invalid payload length:{length} bytes"),
            p::IDI | p::IDR => {
                format!("ID_PAYLOAD_LENGTH_ERROR: usPayloadLen {length} bytes, ulMsgLen {available} bytes:")
            }
            p::KE => format!("KEY_EXCHANGE_PAYLOAD_LENGTH_ERROR:{length} bytes, received:{available} bytes"),
            p::NOTIFY => format!("NOTIFY_PAYLOAD_LENGTH_ERROR:{length}, received {available} bytes:"),
            p::SA => format!("SA_PAYLOAD_LENGTH_ERROR:{length}, received {available} bytes"),
            p::VID => format!("VENDOR_ID_PAYLOAD_LENGTH_ERROR:{length} bytes"),
            _ => format!("DEFAULT_PAYLOAD:Invalid Length received:{length} bytes"),
        },
        E::Incomplete { payload, have } => match *payload {
            p::AUTH => format!("AUTH_PAYLOAD:Incomplete data received:{have}"),
            p::CERT => format!("CERT_PAYLOAD:Incomplete data received:{have} bytes"),
            p::CP => format!("CP_PAYLOAD:Incomplete data received:{have} bytes"),
            p::DELETE => format!("DELETE_PAYLOAD_LENGTH_ERROR:{have} received {have} bytes"),
            p::EAP => format!("EAP PAYLOAD:Incomplete data received:{have} bytes"),
            p::IDI | p::IDR => format!("ID PAYLOAD:Incomplete data received:{have} bytes"),
            p::KE => format!("KEY EXCHANGE PAYLOAD:Incomplete data received:{have} bytes"),
            p::NONCE => format!("NONCE PAYLOAD:INCOMPLETE_DATA_RECEIVED:{have} bytes"),
            p::NOTIFY => format!("NOTIFY PAYLOAD:INCOMPLETE_DATA_RECEIVED:{have} bytes"),
            p::SA => format!("SA PAYLOAD:Incomplete data received:{have} bytes"),
            p::VID => format!("VENDOR ID PAYLOAD:Incomplete data received:{have} bytes"),
            p::TSI | p::TSR => format!("Ikev2TSNtoH:INCOMPLETE_TRAFFIC_SELECTOR received:{have} bytes"),
            _ => format!("DEFAULT_PAYLOAD:Incomplete data received:{have} bytes"),
        },
        E::ProposalLength { length, available } => {
            format!("PROPOSAL_PAYLOAD_LENGTH_ERROR : {length}, received bytes:{available},")
        }
        E::TransformLength { length, available } => {
            format!("XFORM_PAYLOAD_LENGTH_ERROR :{length} received bytes;{available}")
        }
        E::IncompleteTransform { have } => format!("INCOMPLETE_XFORM_PAYLOAD received :{have}"),
        E::AttributeLength { length, available } => {
            format!("XFORM_ATTRIB_LENGTH_ERROR :{length} bytes of Attribute Received:{available}")
        }
        E::AttributeAfBit => "XFORM_ATTRIB_AF_Bit Set".into(),
        E::InvalidAttributeType { kind, proposal } => format!("INVALID_XFORM_ATTRIB_TYPE:{kind} Prop Num:{proposal}"),
        E::InvalidProtocolId { protocol, proposal } => {
            format!("INVALID_PROTOCOL_ID {protocol} in PROPOSAL_{proposal},")
        }
        E::InvalidSpiSize { size, proposal } => format!("INVALID_SPI_SIZE 0x{size:x} in PROPOSAL_{proposal}"),
        E::ZeroTransforms { proposal } => format!("ZERO_TRANSFORM received in PROPOSAL_{proposal}"),
        E::InvalidIdType(t) => format!("INVALID_ID_TYPE_ERROR:{t}"),
        E::CertEncoding(e) => format!("INVALID_CERT_ENCODING_TYPE_ERROR {e} in CERT payload"),
        E::InvalidAuthMethod(m) => format!("AUTH_PAYLOAD:Invalid AuthMethod Type:{m:X}"),
        E::NonceLength(n) => format!("MAX_NONCE_PAYLOAD_LENGTH_ERROR:{},Maximum Nonce Payload size: 256+4", n + 4),
        E::InvalidNotifyProtocol(x) => format!("NOTIFY PAYLOAD:INVALID_NOTIFY_PROTOCOL_ID:{x}"),
        E::IkeSpiSizeNonZero { payload } if *payload == p::DELETE => {
            "DELETE_PAYLOAD:FOR IKE SA SPI SIZE IS NONZERO".into()
        }
        E::IkeSpiSizeNonZero { .. } => "NOTIFY PAYLOAD:FOR IKE SA SPI SIZE IS NONZERO".into(),
        E::InvalidDeleteProtocol(x) => format!("DELETE_PAYLOAD:INVALID_PROTOCOL_ID:{x}"),
        E::ZeroTrafficSelectors => "ZERO_TRAFFIC_SELECTORS in TRAFFIC_SELECTOR_PAYLOAD".into(),
        E::InvalidTsType(t) => format!("INVALID_TRAFFIC_SELECTOR_TYPE:{t}"),
        E::InvalidTsLength(l) => format!("INVALID_TRAFFIC_SELECTOR_LENGTH:{l}"),
        E::IncompleteTs { have } => format!("Ikev2TSNtoH:INCOMPLETE_TRAFFIC_SELECTOR received:{have} bytes"),
        E::NestedEncrypted => "ENCRYPTED PAYLOAD:Encrypted payload MUST not be nested".into(),
        E::UnsupportedCritical(t) => format!("UNSUPPORTED PAYLOAD TYPE: {t:02}, Critical Bit set"),
        E::VendorCritical => "VENDOR ID PAYLOAD:Critical Bit Set".into(),
        E::Missing(k) => format!("Incomplete data received {k} payload missing"),
        E::Integrity => "Authentication failure. Possibly mis-matching keys.".into(),
        E::TooMany(what) => format!("Incomplete data received: too many {what}"),
    }
}

/// A peer certificate that did not validate (`%IKE-4-CERT: ...`). The
/// guide's Table 5 has no row for these (its certificate rows 7, 8 and 10
/// are about identities), so the words are edgesh's own, in the box's
/// style: the peer, the certificate (subject, serial in hex as `show pki`
/// prints it) and what is wrong, dates as `show pki` prints them.
pub fn cert_error(peer: std::net::Ipv4Addr, e: &edgesh_engine::pki::CertError) -> String {
    use edgesh_engine::pki::CertError;
    let serial = |s: &[u8]| s.iter().map(|b| format!("{b:02X}")).collect::<String>();
    let date = crate::time::date_time;
    match e {
        CertError::Expired { subject, serial: s, not_after } => format!(
            "Certificate of peer {peer} ({subject}, serial {}) has expired: valid until {}",
            serial(s),
            date(*not_after)
        ),
        CertError::NotYetValid { subject, serial: s, not_before } => format!(
            "Certificate of peer {peer} ({subject}, serial {}) is not yet valid: valid from {}",
            serial(s),
            date(*not_before)
        ),
        CertError::Revoked { subject, serial: s } => {
            format!("Certificate of peer {peer} ({subject}, serial {}) is revoked by its issuer's CRL", serial(s))
        }
        CertError::UnknownCa { issuer } => {
            format!("Certificate of peer {peer} is issued by {issuer}, which is not a trusted certificate")
        }
        CertError::BadSignature { subject } => {
            format!("Certificate of peer {peer}: the signature on {subject} does not verify")
        }
        CertError::KeyUsage { subject } => {
            format!("Certificate of peer {peer}: the key usage of {subject} does not allow this use")
        }
        CertError::ChainTooLong => format!("Certificate of peer {peer}: the certificate chain is too long"),
        CertError::Malformed(m) => format!("Certificate of peer {peer} is not usable: {m}"),
    }
}
