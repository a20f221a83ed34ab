//! What the engine reports. Events are the single source of logging,
//! `debug crypto` output and statistics: the dialects render them (SmartEdge
//! Table 5 messages, IOS debug traces) in `modes`. Every mismatch carries
//! both sides' values.

use super::conf::Selector;
use super::params::Millis;
use super::wire::{IdRepr, WireError};
use crate::config::{AuthMethod, EspAuth, EspEncr, IkeAuthAlg, IkeEncr};
use std::net::{Ipv4Addr, SocketAddrV4};

pub use super::types::{P1State, Role};

/// A phase-1 transform as offered, with raw values kept for what we do not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedP1 {
    pub encr: Result<IkeEncr, u16>,
    pub hash: Result<IkeAuthAlg, u16>,
    pub auth: Result<AuthMethod, u16>,
    pub group: u16,
    pub lifetime: u32,
}

/// Why a phase-1 transform did not match a configured proposal (first difference, IOS order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum P1Mismatch {
    Encryption { offered: Result<IkeEncr, u16>, configured: IkeEncr },
    Hash { offered: Result<IkeAuthAlg, u16>, configured: IkeAuthAlg },
    AuthMethod { offered: Result<AuthMethod, u16>, configured: AuthMethod },
    Group { offered: u16, configured: u16 },
}

/// A phase-2 transform as offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedP2 {
    pub protocol: u8,
    pub transform_id: u8,
    pub esp: Option<EspEncr>,
    pub auth: Option<EspAuth>,
    pub auth_raw: u16,
    pub group: Option<u16>,
    pub encap: u16,
    pub lifetime_seconds: Option<u32>,
    pub lifetime_kbytes: Option<u32>,
    /// Attribute 11 "Extended (64-bit) Sequence Number" (RFC 4304) present.
    pub esn: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum P2Mismatch {
    Encryption {
        offered: Option<EspEncr>,
        configured: Option<EspEncr>,
    },
    Auth {
        offered: Option<EspAuth>,
        configured: Option<EspAuth>,
    },
    Pfs {
        offered: Option<u16>,
        configured: Option<u16>,
    },
    /// Number of AH / ESP protocols in the proposal differs from the configuration.
    Protocols {
        ah_offered: usize,
        ah_configured: usize,
        esp_offered: usize,
        esp_configured: usize,
    },
    /// The encapsulation mode (issue 19): transport offered where tunnel is
    /// configured, or tunnel where transport is required.
    Mode {
        offered_transport: bool,
    },
    /// Extended Sequence Numbers (RFC 4304): offered where the child runs
    /// without, or not offered where it requires them.
    Esn {
        offered: bool,
    },
}

/// Why there is no configuration for a peer that contacted us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoPeerReason {
    /// No tunnel names this peer address.
    NotFound,
    /// A tunnel exists but has no pre-shared key.
    NoKey,
    /// The packet arrived on an address no tunnel uses as its local end.
    BadLocalAddress,
    /// The tunnel may not respond (initiator-only).
    InitiatorOnly,
    /// The exchange type differs from the configured one.
    Exchange { received: u8, configured: u8 },
    /// An on-demand tunnel is at its `max-tunnels`.
    MaxTunnels(u32),
}

/// Why an IKE SA or a pair of IPsec SAs went away. The dialects word it
/// (`modes/src/*/wording.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DownReason {
    /// Cleared by an operator (`clear crypto ...`).
    Cleared,
    /// The tunnel left the configuration.
    RemovedFromConfig,
    /// Phase 1 got no answer (retransmissions exhausted).
    NoResponse,
    /// An exchange did not complete in time.
    NegotiationTimedOut,
    /// Dead peer detection declared the peer dead.
    PeerDead,
    /// The lifetime in seconds, or in kilobytes, ran out.
    LifetimeExpired { kilobytes: bool },
    /// The authenticating hash did not verify.
    AuthenticationFailed,
    /// The peer's identity is not the configured one.
    IdentityMismatch,
    /// The peer sent this notify (an RFC 2408 notify message type).
    PeerNotify(u16),
    /// The responder chose a transform the initiator did not offer.
    TransformNotOffered,
    /// The key exchange payload is unusable.
    BadKeyExchange,
    /// The Diffie-Hellman computation failed.
    DhFailed,
    /// The responder chose another DH group than the one offered.
    DhGroupChanged,
    /// The peer sent INITIAL-CONTACT: its old SAs are gone.
    InitialContact,
    /// Replaced by a newer SA.
    Rekeyed,
    /// The peer deleted it.
    DeletedByPeer,
}

/// A step of a DPD exchange ([`Event::Dpd`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DpdStep {
    /// We asked whether the peer is alive (sent R-U-THERE / an empty INFORMATIONAL request).
    Asked,
    /// The peer answered our request (R-U-THERE-ACK / the response).
    Answered,
    /// The peer asked, and we answered.
    PeerAsked,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Inbound ESP packets the dataplane dropped (a batch of one kind on one SA; `conn`: the inbound SA's connection id, 0 for an unknown SPI).
    EspDropped {
        conn: u32,
        peer: Ipv4Addr,
        local: Ipv4Addr,
        spi: u32,
        proto: u8,
        kind: crate::esp_drops::DropKind,
        packets: u64,
        seq: u32,
        inner: Option<(Ipv4Addr, Ipv4Addr, u8)>,
        more: Vec<crate::esp_drops::Sample>,
    },
    /// An IKEv1 message sent; `sa_state`: the role and state of its SA as it
    /// went (IOS: `(R) MM_SA_SETUP`), `local_port` the port it left from.
    Sent {
        conn: u32,
        peer: SocketAddrV4,
        exchange: u8,
        msgid: u32,
        payloads: Vec<u8>,
        retransmit: bool,
        sa_state: Option<(Role, P1State)>,
        local_port: u16,
    },
    /// An IKEv1 message taken in; `sa_state` as it came (None: the first
    /// message of an SA not made yet, IOS's `(N) NEW SA`).
    Received {
        conn: u32,
        peer: SocketAddrV4,
        exchange: u8,
        msgid: u32,
        payloads: Vec<u8>,
        sa_state: Option<(Role, P1State)>,
        local_port: u16,
    },
    State {
        conn: u32,
        peer: Ipv4Addr,
        old: P1State,
        new: P1State,
    },
    /// Main-mode message `number` (1 to 6; the odd ones are the
    /// initiator's) sent or taken in: the steps of the exchange, for the
    /// dialects that print them (IOS: `Old State = IKE_R_MM2  New State = IKE_R_MM3`).
    P1Step {
        conn: u32,
        peer: Ipv4Addr,
        role: Role,
        number: u8,
        sent: bool,
    },
    /// One offered phase-1 transform checked against one configured proposal.
    P1Check {
        conn: u32,
        peer: Ipv4Addr,
        transform: u8,
        proposal: String,
        priority: usize,
        offered: OfferedP1,
        result: Result<(), P1Mismatch>,
        more: bool,
    },
    P1NoneAcceptable {
        conn: u32,
        peer: Ipv4Addr,
    },
    P2Check {
        conn: u32,
        peer: Ipv4Addr,
        proposal: u8,
        transform: u8,
        offered: OfferedP2,
        result: Result<(), P2Mismatch>,
        more: bool,
    },
    P2NoneAcceptable {
        conn: u32,
        peer: Ipv4Addr,
    },
    /// The proxy identities of a quick mode mirror no configured selector pair.
    ProxyIdMismatch {
        conn: u32,
        peer: Ipv4Addr,
        initiator: IdRepr,
        responder: IdRepr,
    },
    /// A proxy identity of a quick mode is a subnet whose address has bits
    /// outside its mask (`10.1.1.1/255.255.255.0`: host-specific on one end,
    /// network-specific on the other); the SA is not made (seed 002's
    /// `IPSEC(initialize_sas): invalid proxy IDs`).
    InvalidProxyIds {
        conn: u32,
        peer: Ipv4Addr,
        initiator: IdRepr,
        responder: IdRepr,
    },
    /// SPD selectors sent or received in quick mode (informational).
    Selectors {
        conn: u32,
        peer: Ipv4Addr,
        sent: bool,
        initiator: IdRepr,
        responder: IdRepr,
    },
    /// The peer's phase-1 identity is not the configured one;
    /// `by_signature` when phase 1 authenticates with certificates (Table 5
    /// words the two apart); `dial_in` when no on-demand tunnel takes it
    /// (the peer's address names no tunnel: it is not one of them).
    IdMismatch {
        conn: u32,
        peer: Ipv4Addr,
        id: IdRepr,
        by_signature: bool,
        dial_in: bool,
    },
    NoPeer {
        peer: Ipv4Addr,
        local: Ipv4Addr,
        reason: NoPeerReason,
    },
    /// Decrypting a phase-1 message gave garbage: the keys (PSK) differ.
    /// `reserved`: the first decrypted payload's type and its RESERVED
    /// octet, when that is not zero (the first thing IOS checks: seed 002's
    /// "Reserved Not Zero on Payload 5").
    KeyMismatch {
        conn: u32,
        peer: Ipv4Addr,
        message: u8,
        error: WireError,
        reserved: Option<(u8, u8)>,
    },
    /// The authenticating hash did not verify.
    AuthFailed {
        conn: u32,
        peer: Ipv4Addr,
    },
    Malformed {
        peer: SocketAddrV4,
        error: WireError,
        answered: Option<u16>,
    },
    NotifyReceived {
        conn: u32,
        peer: Ipv4Addr,
        kind: u16,
        protocol: u8,
        spi: Vec<u8>,
        protected: bool,
    },
    NotifySent {
        conn: u32,
        peer: Ipv4Addr,
        kind: u16,
        protected: bool,
    },
    DeleteReceived {
        conn: u32,
        peer: Ipv4Addr,
        protocol: u8,
        spis: Vec<Vec<u8>>,
    },
    DeleteSent {
        conn: u32,
        peer: Ipv4Addr,
        protocol: u8,
        spis: Vec<Vec<u8>>,
    },
    NatDetected {
        conn: u32,
        peer: Ipv4Addr,
        local_behind: bool,
        remote_behind: bool,
    },
    Phase1Up {
        conn: u32,
        peer: SocketAddrV4,
        tunnel: String,
        role: Role,
    },
    /// `established`: the SA had completed phase 1 (a half-open one that goes was never up).
    Phase1Down {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
        reason: DownReason,
        established: bool,
    },
    ChildUp {
        tunnel: String,
        peer: Ipv4Addr,
        spi_in: u32,
        spi_out: u32,
        local_ts: Selector,
        remote_ts: Selector,
        rekey: bool,
    },
    ChildDown {
        tunnel: String,
        peer: Ipv4Addr,
        spi_in: u32,
        spi_out: u32,
        reason: DownReason,
    },
    Retransmit {
        conn: u32,
        peer: Ipv4Addr,
        count: u32,
    },
    GiveUp {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
        state: P1State,
    },
    DpdDead {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
    },
    /// An established IKE SA went (it follows its [`Event::Phase1Down`],
    /// after the child SAs that went with it): what it carried, for the
    /// dialects that log a session's end (ASA `%ASA-4-113019`). `duration_ms`
    /// runs from phase 1 up to the SA's removal; the bytes are those the
    /// dataplane counted on the child SAs negotiated over it
    /// ([`super::Endpoint::account_packets`]), gone ones included.
    SessionEnd {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
        reason: DownReason,
        duration_ms: Millis,
        bytes_in: u64,
        bytes_out: u64,
    },
    /// One step of a dead peer detection exchange: IKEv1 R-U-THERE /
    /// R-U-THERE-ACK (RFC 3706; `seq` its sequence number), IKEv2 an empty
    /// INFORMATIONAL request / response (RFC 7296 2.4; `seq` its message ID).
    Dpd {
        conn: u32,
        peer: Ipv4Addr,
        v2: bool,
        step: DpdStep,
        seq: u32,
    },
    ResponderLifetime {
        conn: u32,
        peer: Ipv4Addr,
        protocol: u8,
        seconds: Option<u32>,
        kbytes: Option<u32>,
    },
    /// IKEv1: the peer's pre-shared key was found for this SA (responder, on the first message).
    PeerKeyFound {
        conn: u32,
        peer: Ipv4Addr,
    },
    /// IKEv1: SKEYID and its derived keys were computed (after the key exchange).
    SkeyidGenerated {
        conn: u32,
        peer: Ipv4Addr,
    },
    /// IKEv1: phase 1 failed on a first message (no offered transform acceptable); the SA is
    /// gone, and this is what it was (IOS lists it as `MM_NO_STATE ... ACTIVE (deleted)` a while).
    Phase1Failed {
        conn: u32,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        role: Role,
        state: P1State,
        exchange: u8,
    },
    /// IKEv1 quick mode: the offered IPsec proposal was accepted, before the proxy identities are
    /// checked (`part`: the protocol's place in the proposal, 1 first). Proxies as the IDs carried them.
    P2Accepted {
        conn: u32,
        peer: Ipv4Addr,
        local: Ipv4Addr,
        part: u8,
        local_id: IdRepr,
        remote_id: IdRepr,
        protocol: u8,
        esp: Option<(EspEncr, Option<EspAuth>)>,
        ah: Option<EspAuth>,
    },
    /// IKEv1 quick mode: the proxy identities mirror a crypto map entry of another peer, not this one.
    P2PeerNotFound {
        conn: u32,
        peer: Ipv4Addr,
        initiator: IdRepr,
        responder: IdRepr,
    },
    /// An inbound SPI was allocated for the IPsec SAs from `peer` to `local`
    /// (responder, quick mode), one SA per protocol (AH, ESP) of the proposal.
    SpiAllocated {
        conn: u32,
        peer: Ipv4Addr,
        local: Ipv4Addr,
        protocols: Vec<u8>,
        spi: u32,
    },
    /// An IPsec SA pair was installed (IKEv1 or IKEv2): what a key engine is told.
    ChildInstalled(Box<ChildInfo>),
    /// IKEv2 (RFC 7296): a message sent or received, with its (inner) payload types.
    /// `local` and `spis` (initiator's, responder's) as in the header; `notifies`: the notify types in order.
    V2Message {
        conn: u32,
        peer: SocketAddrV4,
        local: SocketAddrV4,
        spis: ([u8; 8], [u8; 8]),
        exchange: u8,
        msgid: u32,
        response: bool,
        sent: bool,
        payloads: Vec<u8>,
        notifies: Vec<u16>,
        retransmit: bool,
    },
    /// IKEv2: a message refused before any SA had it (malformed, unknown SPI).
    V2Malformed {
        peer: SocketAddrV4,
        error: crate::ike::v2::wire::Error,
        answered: Option<u16>,
    },
    /// IKEv2: a protected message whose SK payload did not verify or decrypt.
    V2Integrity {
        conn: u32,
        peer: Ipv4Addr,
        exchange: u8,
        msgid: u32,
    },
    /// IKEv2: no offered proposal matched (both sides' proposals, in protocol terms).
    V2NoProposal {
        conn: u32,
        peer: Ipv4Addr,
        protocol: u8,
        offered: Vec<crate::ike::v2::wire::ProposalRepr>,
        configured: Vec<crate::ike::v2::wire::ProposalRepr>,
    },
    /// IKEv2: the KE payload's group is not the selected one (`sent`: we asked the peer).
    V2InvalidKe {
        conn: u32,
        peer: Ipv4Addr,
        offered: u16,
        requested: u16,
        sent: bool,
    },
    /// IKEv2: the peer's AUTH payload did not verify or its identity is not the configured one.
    V2AuthFailed {
        conn: u32,
        peer: Ipv4Addr,
        id: Option<crate::ike::v2::wire::IdRepr>,
        identity_mismatch: bool,
    },
    /// A peer authenticating with a certificate (IKEv1 `version` 1 or IKEv2) was refused,
    /// or this side could not sign; `id`: the peer's identity in text, when it sent one.
    CertAuthFailed {
        conn: u32,
        peer: Ipv4Addr,
        version: u8,
        id: Option<String>,
        failure: crate::pki::CertFailure,
    },
    /// A peer's certificate was validated and its signature verified (subject, issuer as RFC 4514 text;
    /// its serial number as encoded); `trustpoint`: the configuration's name of the anchor it
    /// validated to, when it names anchors; `revocation_checked`: every certificate of the path was
    /// checked against a CRL of its issuer.
    CertAccepted {
        conn: u32,
        peer: Ipv4Addr,
        version: u8,
        subject: String,
        issuer: String,
        serial: Vec<u8>,
        trustpoint: Option<String>,
        revocation_checked: bool,
    },
    /// IKEv2: traffic selectors (initiator's, responder's) that no child configuration accepts.
    V2TsUnacceptable {
        conn: u32,
        peer: Ipv4Addr,
        tsi: Vec<crate::ike::v2::wire::Ts>,
        tsr: Vec<crate::ike::v2::wire::Ts>,
    },
    /// IKEv2: the responder narrowed the proposed selectors (RFC 7296 2.9).
    V2Narrowed {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
        proposed: (Selector, Selector),
        agreed: (Selector, Selector),
    },
    /// IKEv2: a notify sent or received (status or error), in protocol terms.
    V2Notify {
        conn: u32,
        peer: Ipv4Addr,
        kind: u16,
        sent: bool,
    },
    /// IKEv2: a cookie challenge sent (half-open SAs over the threshold) or answered.
    V2Cookie {
        peer: SocketAddrV4,
        sent: bool,
    },
    /// IKEv2: a request got no answer after every retransmission.
    V2GiveUp {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
        exchange: u8,
    },
    /// IKEv2: the IKE SA was rekeyed (new SPIs).
    V2IkeRekeyed {
        old_conn: u32,
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
    },
    /// IKEv2 initiator: the responder refused the child SA of an IKE_AUTH or
    /// CREATE_CHILD_SA with this error notify (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE ...);
    /// the IKE SA stays.
    V2ChildRefused {
        conn: u32,
        peer: Ipv4Addr,
        tunnel: String,
        kind: u16,
    },
}

/// An installed IPsec SA pair as a key engine sees it ([`Event::ChildInstalled`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// The IKE SA's connection id.
    pub conn: u32,
    pub local: Ipv4Addr,
    pub peer: Ipv4Addr,
    /// Connection ids of the inbound and the outbound SA.
    pub conn_in: u32,
    pub conn_out: u32,
    pub spi_in: u32,
    pub spi_out: u32,
    pub esp: Option<(EspEncr, Option<EspAuth>)>,
    pub ah: Option<EspAuth>,
    pub lifetime_seconds: u32,
    pub lifetime_kbytes: Option<u64>,
    pub local_ts: Selector,
    pub remote_ts: Selector,
    /// ESP in UDP (NAT traversal).
    pub encap: bool,
}

impl ChildInfo {
    /// The key engine's view of a child SA (inbound conn id `id`, outbound `id + 1`).
    pub fn of(c: &super::sa::ChildSa) -> Box<ChildInfo> {
        Box::new(ChildInfo {
            conn: c.ike,
            local: *c.local.ip(),
            peer: *c.remote.ip(),
            conn_in: c.id,
            conn_out: c.id + 1,
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            esp: c.esp,
            ah: c.ah,
            lifetime_seconds: c.lifetime_seconds,
            lifetime_kbytes: c.lifetime_kbytes,
            local_ts: c.local_ts,
            remote_ts: c.remote_ts,
            encap: c.encap,
        })
    }
}

impl Event {
    /// The peer an event is about (None for the few that name none).
    pub fn peer(&self) -> Option<std::net::Ipv4Addr> {
        let e = self;
        Some(match e {
            Event::Sent { peer, .. }
            | Event::Received { peer, .. }
            | Event::Malformed { peer, .. }
            | Event::Phase1Up { peer, .. } => *peer.ip(),
            Event::EspDropped { peer, .. } => *peer,
            Event::Phase1Failed { remote, .. } => *remote.ip(),
            Event::ChildInstalled(c) => c.peer,
            Event::PeerKeyFound { peer, .. }
            | Event::SkeyidGenerated { peer, .. }
            | Event::P2Accepted { peer, .. }
            | Event::P2PeerNotFound { peer, .. }
            | Event::SpiAllocated { peer, .. } => *peer,
            Event::V2Message { peer, .. } | Event::V2Malformed { peer, .. } | Event::V2Cookie { peer, .. } => {
                *peer.ip()
            }
            Event::V2Integrity { peer, .. }
            | Event::V2NoProposal { peer, .. }
            | Event::V2InvalidKe { peer, .. }
            | Event::V2AuthFailed { peer, .. }
            | Event::CertAuthFailed { peer, .. }
            | Event::CertAccepted { peer, .. }
            | Event::V2TsUnacceptable { peer, .. }
            | Event::V2Narrowed { peer, .. }
            | Event::V2Notify { peer, .. }
            | Event::V2GiveUp { peer, .. }
            | Event::V2IkeRekeyed { peer, .. }
            | Event::V2ChildRefused { peer, .. } => *peer,
            Event::State { peer, .. }
            | Event::P1Step { peer, .. }
            | Event::P1Check { peer, .. }
            | Event::P1NoneAcceptable { peer, .. }
            | Event::P2Check { peer, .. }
            | Event::P2NoneAcceptable { peer, .. }
            | Event::ProxyIdMismatch { peer, .. }
            | Event::InvalidProxyIds { peer, .. }
            | Event::Selectors { peer, .. }
            | Event::IdMismatch { peer, .. }
            | Event::NoPeer { peer, .. }
            | Event::KeyMismatch { peer, .. }
            | Event::AuthFailed { peer, .. }
            | Event::NotifyReceived { peer, .. }
            | Event::NotifySent { peer, .. }
            | Event::DeleteReceived { peer, .. }
            | Event::DeleteSent { peer, .. }
            | Event::NatDetected { peer, .. }
            | Event::Phase1Down { peer, .. }
            | Event::ChildUp { peer, .. }
            | Event::ChildDown { peer, .. }
            | Event::Retransmit { peer, .. }
            | Event::GiveUp { peer, .. }
            | Event::DpdDead { peer, .. }
            | Event::SessionEnd { peer, .. }
            | Event::Dpd { peer, .. }
            | Event::ResponderLifetime { peer, .. } => *peer,
        })
    }
}
