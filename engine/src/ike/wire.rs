//! ISAKMP (RFC 2408) packets: a checked view of the header and the payload
//! chain, and parsed representations (`*Repr`) of the payloads IKEv1 uses,
//! each with an `emit` that writes the body back. Nothing here panics on
//! input from the network: every length is checked and every problem is a
//! [`WireError`] that names the field, so the engine can answer with the
//! notify RFC 2408 (and Table 5 of the SmartEdge guide) asks for.

use std::net::Ipv4Addr;

pub const HEADER_LEN: usize = 28;

/// Payload types (RFC 2408 3.1, RFC 3947).
pub mod payload {
    pub const NONE: u8 = 0;
    pub const SA: u8 = 1;
    pub const PROPOSAL: u8 = 2;
    pub const TRANSFORM: u8 = 3;
    pub const KE: u8 = 4;
    pub const ID: u8 = 5;
    pub const CERT: u8 = 6;
    pub const CERTREQ: u8 = 7;
    pub const HASH: u8 = 8;
    pub const SIG: u8 = 9;
    pub const NONCE: u8 = 10;
    pub const NOTIFY: u8 = 11;
    pub const DELETE: u8 = 12;
    pub const VID: u8 = 13;
    pub const NAT_D: u8 = 20;
    pub const NAT_OA: u8 = 21;
    /// Whether an IKEv1 message may carry this payload type.
    pub fn known(t: u8) -> bool {
        matches!(t, 1..=13 | 20 | 21 | 130 | 131)
    }
    pub fn name(t: u8) -> &'static str {
        match t {
            SA => "SA",
            PROPOSAL => "PROPOSAL",
            TRANSFORM => "TRANSFORM",
            KE => "KE",
            ID => "ID",
            CERT => "CERT",
            CERTREQ => "CERT_REQ",
            HASH => "HASH",
            SIG => "SIG",
            NONCE => "NONCE",
            NOTIFY => "NOTIFY",
            DELETE => "DELETE",
            VID => "VENDOR",
            NAT_D | 130 => "NAT-D",
            NAT_OA | 131 => "NAT-OA",
            _ => "UNKNOWN",
        }
    }
}

/// Exchange types (RFC 2408 3.1, RFC 2409).
pub mod exchange {
    /// RFC 2408 4.4 Base: defined, not run by the engine.
    pub const BASE: u8 = 1;
    pub const MAIN: u8 = 2;
    /// RFC 2408 4.6 Authentication Only: defined, not run by the engine.
    pub const AUTH_ONLY: u8 = 3;
    pub const AGGRESSIVE: u8 = 4;
    pub const INFORMATIONAL: u8 = 5;
    pub const QUICK: u8 = 32;
    pub fn name(t: u8) -> &'static str {
        match t {
            MAIN => "MAIN_MODE",
            AGGRESSIVE => "AGGRESSIVE_MODE",
            INFORMATIONAL => "INFORMATIONAL",
            QUICK => "QUICK_MODE",
            _ => "UNKNOWN",
        }
    }
}

pub mod flags {
    pub const ENCRYPTION: u8 = 1;
    pub const COMMIT: u8 = 2;
    pub const AUTH_ONLY: u8 = 4;
}

/// Notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706).
pub mod notify {
    pub const INVALID_PAYLOAD_TYPE: u16 = 1;
    pub const DOI_NOT_SUPPORTED: u16 = 2;
    pub const SITUATION_NOT_SUPPORTED: u16 = 3;
    pub const INVALID_COOKIE: u16 = 4;
    pub const INVALID_MAJOR_VERSION: u16 = 5;
    pub const INVALID_MINOR_VERSION: u16 = 6;
    pub const INVALID_EXCHANGE_TYPE: u16 = 7;
    pub const INVALID_FLAGS: u16 = 8;
    pub const INVALID_MESSAGE_ID: u16 = 9;
    pub const INVALID_PROTOCOL_ID: u16 = 10;
    pub const INVALID_SPI: u16 = 11;
    pub const INVALID_TRANSFORM_ID: u16 = 12;
    pub const ATTRIBUTES_NOT_SUPPORTED: u16 = 13;
    pub const NO_PROPOSAL_CHOSEN: u16 = 14;
    pub const BAD_PROPOSAL_SYNTAX: u16 = 15;
    pub const PAYLOAD_MALFORMED: u16 = 16;
    pub const INVALID_KEY_INFORMATION: u16 = 17;
    pub const INVALID_ID_INFORMATION: u16 = 18;
    pub const INVALID_HASH_INFORMATION: u16 = 23;
    pub const AUTHENTICATION_FAILED: u16 = 24;
    pub const UNEQUAL_PAYLOAD_LENGTHS: u16 = 30;
    pub const RESPONDER_LIFETIME: u16 = 24576;
    pub const REPLAY_STATUS: u16 = 24577;
    pub const INITIAL_CONTACT: u16 = 24578;
    pub const R_U_THERE: u16 = 36136;
    pub const R_U_THERE_ACK: u16 = 36137;
    pub fn name(t: u16) -> String {
        let n = match t {
            INVALID_PAYLOAD_TYPE => "INVALID_PAYLOAD_TYPE",
            DOI_NOT_SUPPORTED => "DOI_NOT_SUPPORTED",
            SITUATION_NOT_SUPPORTED => "SITUATION_NOT_SUPPORTED",
            INVALID_COOKIE => "INVALID_COOKIE",
            INVALID_MAJOR_VERSION => "INVALID_MAJOR_VERSION",
            INVALID_MINOR_VERSION => "INVALID_MINOR_VERSION",
            INVALID_EXCHANGE_TYPE => "INVALID_EXCHANGE_TYPE",
            INVALID_FLAGS => "INVALID_FLAGS",
            INVALID_MESSAGE_ID => "INVALID_MESSAGE_ID",
            INVALID_PROTOCOL_ID => "INVALID_PROTOCOL_ID",
            INVALID_SPI => "INVALID_SPI",
            INVALID_TRANSFORM_ID => "INVALID_TRANSFORM_ID",
            ATTRIBUTES_NOT_SUPPORTED => "ATTRIBUTES_NOT_SUPPORTED",
            NO_PROPOSAL_CHOSEN => "NO_PROPOSAL_CHOSEN",
            BAD_PROPOSAL_SYNTAX => "BAD_PROPOSAL_SYNTAX",
            PAYLOAD_MALFORMED => "PAYLOAD_MALFORMED",
            INVALID_KEY_INFORMATION => "INVALID_KEY_INFORMATION",
            INVALID_ID_INFORMATION => "INVALID_ID_INFORMATION",
            INVALID_HASH_INFORMATION => "INVALID_HASH_INFORMATION",
            AUTHENTICATION_FAILED => "AUTHENTICATION_FAILED",
            UNEQUAL_PAYLOAD_LENGTHS => "UNEQUAL_PAYLOAD_LENGTHS",
            RESPONDER_LIFETIME => "RESPONDER_LIFETIME",
            REPLAY_STATUS => "REPLAY_STATUS",
            INITIAL_CONTACT => "INITIAL_CONTACT",
            R_U_THERE => "R_U_THERE",
            R_U_THERE_ACK => "R_U_THERE_ACK",
            _ => return format!("NOTIFY_{t}"),
        };
        n.to_string()
    }
}

/// Protocol IDs (RFC 2407 4.4.1).
pub mod proto {
    pub const ISAKMP: u8 = 1;
    pub const AH: u8 = 2;
    pub const ESP: u8 = 3;
    pub const IPCOMP: u8 = 4;
}

/// ID types (RFC 2407 4.6.2.1).
pub mod id_type {
    pub const IPV4_ADDR: u8 = 1;
    pub const FQDN: u8 = 2;
    pub const USER_FQDN: u8 = 3;
    pub const IPV4_ADDR_SUBNET: u8 = 4;
    pub const IPV4_ADDR_RANGE: u8 = 7;
    pub const DER_ASN1_DN: u8 = 9;
    pub fn name(t: u8) -> &'static str {
        match t {
            IPV4_ADDR => "ID_IPV4_ADDR",
            FQDN => "ID_FQDN",
            USER_FQDN => "ID_USER_FQDN",
            IPV4_ADDR_SUBNET => "ID_IPV4_ADDR_SUBNET",
            IPV4_ADDR_RANGE => "ID_IPV4_ADDR_RANGE",
            DER_ASN1_DN => "ID_DER_ASN1_DN",
            5 => "ID_IPV6_ADDR",
            6 => "ID_IPV6_ADDR_SUBNET",
            8 => "ID_IPV6_ADDR_RANGE",
            11 => "ID_KEY_ID",
            _ => "ID_UNKNOWN",
        }
    }
}

pub const DOI_IPSEC: u32 = 1;
pub const SIT_IDENTITY_ONLY: u32 = 1;

/// Vendor IDs edgesh sends and recognises.
pub mod vid {
    /// RFC 3947 NAT-T.
    pub const NAT_T_RFC3947: [u8; 16] =
        [0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f];
    /// RFC 3706 dead peer detection.
    pub const DPD: [u8; 16] =
        [0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00];
}

/// What is wrong with a packet, named after the field (Table 5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Shorter than the header, or the header length disagrees with the datagram.
    Truncated {
        have: usize,
        need: usize,
    },
    InvalidMajorVersion(u8),
    InvalidMinorVersion(u8),
    InvalidNextPayload(u8),
    InvalidFlags(u8),
    /// A payload's length runs past the message or is below its minimum.
    PayloadLength {
        payload: u8,
        length: usize,
        available: usize,
    },
    /// The RESERVED octet of a generic payload header is not zero.
    ReservedNotZero {
        payload: u8,
        value: u8,
    },
    InvalidDoi(u32),
    InvalidSituation(u32),
    /// The SA payload's proposal/transform chain does not add up.
    BadProposalSyntax(ProposalSyntax),
    /// The transform's reserved field is not zero.
    TransformReserved(u16),
    /// A payload body (or a message) is malformed.
    Malformed(Part),
    /// The initiator cookie is zero.
    InvalidCookie,
    /// An exchange type that does not start or continue an SA.
    InvalidExchange(u8),
    /// A first message of an exchange RFC 2408 defines but the engine does not
    /// run (Base, Authentication Only): Table 5's "unsupported exchange type".
    UnsupportedExchange(u8),
    /// A phase-1 message with a non-zero message ID.
    InvalidMessageId(u32),
}

/// What is wrong in an SA payload's proposal/transform chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposalSyntax {
    /// A data attribute runs past the transform.
    TruncatedAttribute,
    /// More than 64 attributes in a transform.
    TooManyAttributes,
    /// A length field says more than the SA + proposal + transform + attributes hold.
    LengthExceeds { length: usize, size: usize },
    /// The SPI is longer than its proposal.
    SpiTooLong,
    /// The transform count disagrees with the transform chain.
    TransformCount,
    /// More proposals than the engine takes.
    TooManyProposals,
    /// A phase-1 proposal for another protocol than ISAKMP.
    InvalidProtocol(u8),
    /// A phase-1 transform ID other than KEY_IKE.
    InvalidTransformId(u8),
    /// A phase-1 attribute the engine does not know.
    UnsupportedAttribute(u16),
}

/// The payload or message a [`WireError::Malformed`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Sa,
    Ke,
    Id,
    Hash,
    Notify,
    Delete,
    /// The generic payload chain.
    PayloadChain,
    /// Encrypted data that does not decrypt (not a whole number of blocks).
    Ciphertext,
    /// An encrypted payload before keys exist.
    EncryptedBeforeKeys,
    AggressiveFirst,
    AggressiveSecond,
    QuickMode,
}

impl WireError {
    /// The notify RFC 2408 (and Table 5) answers this problem with.
    pub fn notify(&self) -> u16 {
        use notify::*;
        match self {
            WireError::Truncated { .. } => UNEQUAL_PAYLOAD_LENGTHS,
            WireError::InvalidMajorVersion(_) => INVALID_MAJOR_VERSION,
            WireError::InvalidMinorVersion(_) => INVALID_MINOR_VERSION,
            WireError::InvalidNextPayload(_) => INVALID_PAYLOAD_TYPE,
            WireError::InvalidFlags(_) => INVALID_FLAGS,
            WireError::PayloadLength { .. } => UNEQUAL_PAYLOAD_LENGTHS,
            WireError::ReservedNotZero { .. } => PAYLOAD_MALFORMED,
            WireError::InvalidDoi(_) => DOI_NOT_SUPPORTED,
            WireError::InvalidSituation(_) => SITUATION_NOT_SUPPORTED,
            // Table 5: an SA payload length beyond its proposal chain is UNEQUAL_PAYLOAD_LENGTH(S).
            WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds { .. }) => UNEQUAL_PAYLOAD_LENGTHS,
            WireError::BadProposalSyntax(_) | WireError::TransformReserved(_) => BAD_PROPOSAL_SYNTAX,
            WireError::Malformed(_) => PAYLOAD_MALFORMED,
            WireError::InvalidCookie => INVALID_COOKIE,
            WireError::InvalidExchange(_) | WireError::UnsupportedExchange(_) => INVALID_EXCHANGE_TYPE,
            WireError::InvalidMessageId(_) => INVALID_MESSAGE_ID,
        }
    }
}

/// The ISAKMP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
    pub next: u8,
    pub major: u8,
    pub minor: u8,
    pub exchange: u8,
    pub flags: u8,
    pub msgid: u32,
    pub length: u32,
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}
fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl Header {
    /// Check and read the header of `buf` (the whole datagram, without the
    /// non-ESP marker). Version and flags are checked; payload types later.
    pub fn parse(buf: &[u8]) -> Result<Header, WireError> {
        if buf.len() < HEADER_LEN {
            return Err(WireError::Truncated { have: buf.len(), need: HEADER_LEN });
        }
        let mut icookie = [0u8; 8];
        icookie.copy_from_slice(&buf[0..8]);
        let mut rcookie = [0u8; 8];
        rcookie.copy_from_slice(&buf[8..16]);
        let h = Header {
            icookie,
            rcookie,
            next: buf[16],
            major: buf[17] >> 4,
            minor: buf[17] & 0xf,
            exchange: buf[18],
            flags: buf[19],
            msgid: be32(&buf[20..24]),
            length: be32(&buf[24..28]),
        };
        if h.major != 1 {
            return Err(WireError::InvalidMajorVersion(buf[17]));
        }
        if h.minor != 0 {
            return Err(WireError::InvalidMinorVersion(h.minor));
        }
        if h.flags & !0x07 != 0 {
            return Err(WireError::InvalidFlags(h.flags));
        }
        if h.length as usize != buf.len() {
            // Some stacks pad datagrams; a header that claims more than arrived is an error.
            if (h.length as usize) > buf.len() || (h.length as usize) < HEADER_LEN {
                return Err(WireError::Truncated { have: buf.len(), need: h.length as usize });
            }
        }
        Ok(h)
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.icookie);
        out.extend_from_slice(&self.rcookie);
        out.push(self.next);
        out.push(0x10);
        out.push(self.exchange);
        out.push(self.flags);
        out.extend_from_slice(&self.msgid.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
    }
}

/// One payload of a chain: its type and its body (without the generic header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload<'a> {
    pub kind: u8,
    pub body: &'a [u8],
    /// The whole payload, generic header included (for HASH computations).
    pub raw: &'a [u8],
}

/// Walk a payload chain starting with type `first`. Trailing bytes after the
/// last payload (CBC padding) are ignored.
pub fn payloads(first: u8, mut buf: &[u8]) -> Result<Vec<Payload<'_>>, WireError> {
    let mut out = Vec::new();
    let mut kind = first;
    while kind != payload::NONE {
        if !payload::known(kind) {
            return Err(WireError::InvalidNextPayload(kind));
        }
        if buf.len() < 4 {
            return Err(WireError::PayloadLength { payload: kind, length: 4, available: buf.len() });
        }
        let next = buf[0];
        let reserved = buf[1];
        let len = be16(&buf[2..4]) as usize;
        if len < 4 || len > buf.len() {
            return Err(WireError::PayloadLength { payload: kind, length: len, available: buf.len() });
        }
        if reserved != 0 {
            return Err(WireError::ReservedNotZero { payload: kind, value: reserved });
        }
        out.push(Payload { kind, body: &buf[4..len], raw: &buf[..len] });
        buf = &buf[len..];
        kind = next;
        if out.len() > 64 {
            return Err(WireError::Malformed(Part::PayloadChain));
        }
    }
    Ok(out)
}

/// Builds a message: payloads are appended with their type; `finish`
/// chains the next-payload fields and writes the generic headers.
#[derive(Default, Clone, Debug)]
pub struct Builder {
    pub payloads: Vec<(u8, Vec<u8>)>,
}

impl Builder {
    pub fn new() -> Self {
        Builder::default()
    }
    pub fn push(&mut self, kind: u8, body: Vec<u8>) -> &mut Self {
        self.payloads.push((kind, body));
        self
    }
    pub fn first(&self) -> u8 {
        self.payloads.first().map(|p| p.0).unwrap_or(payload::NONE)
    }
    /// The payload chain (generic headers included), without the ISAKMP header.
    pub fn chain(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, (_, body)) in self.payloads.iter().enumerate() {
            let next = self.payloads.get(i + 1).map(|p| p.0).unwrap_or(payload::NONE);
            out.push(next);
            out.push(0);
            out.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
            out.extend_from_slice(body);
        }
        out
    }
}

/// A data attribute (RFC 2408 3.3): basic (TV) or variable (TLV).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub kind: u16,
    pub value: Vec<u8>,
    pub basic: bool,
}

impl Attr {
    pub fn basic(kind: u16, v: u16) -> Attr {
        Attr { kind, value: v.to_be_bytes().to_vec(), basic: true }
    }
    /// A number; variable values of up to 8 octets are read big-endian.
    pub fn number(kind: u16, v: u64) -> Attr {
        if v <= 0xffff {
            Attr::basic(kind, v as u16)
        } else {
            Attr { kind, value: (v as u32).to_be_bytes().to_vec(), basic: false }
        }
    }
    pub fn value_u64(&self) -> Option<u64> {
        if self.value.len() > 8 {
            return None;
        }
        Some(self.value.iter().fold(0u64, |a, b| (a << 8) | *b as u64))
    }
    pub fn emit_into(&self, out: &mut Vec<u8>) {
        if self.basic && self.value.len() == 2 {
            out.extend_from_slice(&(self.kind | 0x8000).to_be_bytes());
            out.extend_from_slice(&self.value);
        } else {
            out.extend_from_slice(&(self.kind & 0x7fff).to_be_bytes());
            out.extend_from_slice(&(self.value.len() as u16).to_be_bytes());
            out.extend_from_slice(&self.value);
        }
    }
}

/// Parse a run of data attributes (SA transforms, RESPONDER-LIFETIME data).
pub fn parse_attrs_pub(b: &[u8]) -> Result<Vec<Attr>, WireError> {
    parse_attrs(b)
}

fn parse_attrs(mut b: &[u8]) -> Result<Vec<Attr>, WireError> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 4 {
            return Err(WireError::BadProposalSyntax(ProposalSyntax::TruncatedAttribute));
        }
        let t = be16(b);
        if t & 0x8000 != 0 {
            out.push(Attr { kind: t & 0x7fff, value: b[2..4].to_vec(), basic: true });
            b = &b[4..];
        } else {
            let l = be16(&b[2..]) as usize;
            if b.len() < 4 + l {
                return Err(WireError::BadProposalSyntax(ProposalSyntax::TruncatedAttribute));
            }
            out.push(Attr { kind: t, value: b[4..4 + l].to_vec(), basic: false });
            b = &b[4 + l..];
        }
        if out.len() > 64 {
            return Err(WireError::BadProposalSyntax(ProposalSyntax::TooManyAttributes));
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransformRepr {
    pub number: u8,
    pub id: u8,
    pub attrs: Vec<Attr>,
}

impl TransformRepr {
    pub fn attr(&self, kind: u16) -> Option<u64> {
        self.attrs.iter().find(|a| a.kind == kind).and_then(|a| a.value_u64())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalRepr {
    pub number: u8,
    pub protocol: u8,
    pub spi: Vec<u8>,
    pub transforms: Vec<TransformRepr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaRepr {
    pub doi: u32,
    pub situation: u32,
    pub proposals: Vec<ProposalRepr>,
}

impl SaRepr {
    /// Parse an SA payload body, checking DOI, situation and the
    /// proposal/transform chain (lengths, counts, reserved fields).
    pub fn parse(b: &[u8]) -> Result<SaRepr, WireError> {
        if b.len() < 8 {
            return Err(WireError::Malformed(Part::Sa));
        }
        let doi = be32(b);
        if doi != DOI_IPSEC {
            return Err(WireError::InvalidDoi(doi));
        }
        let situation = be32(&b[4..]);
        if situation != SIT_IDENTITY_ONLY {
            return Err(WireError::InvalidSituation(situation));
        }
        let mut rest = &b[8..];
        let mut proposals = Vec::new();
        let total = b.len();
        loop {
            if rest.len() < 8 {
                return Err(WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds {
                    length: total,
                    size: total - rest.len(),
                }));
            }
            let next = rest[0];
            let plen = be16(&rest[2..]) as usize;
            if rest[1] != 0 {
                return Err(WireError::TransformReserved(rest[1] as u16));
            }
            if plen < 8 || plen > rest.len() {
                return Err(WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds {
                    length: plen,
                    size: rest.len(),
                }));
            }
            let number = rest[4];
            let protocol = rest[5];
            let spi_len = rest[6] as usize;
            let ntrans = rest[7] as usize;
            if 8 + spi_len > plen {
                return Err(WireError::BadProposalSyntax(ProposalSyntax::SpiTooLong));
            }
            let spi = rest[8..8 + spi_len].to_vec();
            let mut tb = &rest[8 + spi_len..plen];
            let mut transforms = Vec::new();
            for i in 0..ntrans {
                if tb.len() < 8 {
                    return Err(WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds {
                        length: plen,
                        size: plen - tb.len(),
                    }));
                }
                let tnext = tb[0];
                let tlen = be16(&tb[2..]) as usize;
                if tb[1] != 0 {
                    return Err(WireError::TransformReserved(tb[1] as u16));
                }
                if tlen < 8 || tlen > tb.len() {
                    return Err(WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds {
                        length: tlen,
                        size: tb.len(),
                    }));
                }
                let res2 = be16(&tb[6..]);
                if res2 != 0 {
                    return Err(WireError::TransformReserved(res2));
                }
                let last = i + 1 == ntrans;
                if (last && tnext != payload::NONE) || (!last && tnext != payload::TRANSFORM) {
                    return Err(WireError::BadProposalSyntax(ProposalSyntax::TransformCount));
                }
                transforms.push(TransformRepr { number: tb[4], id: tb[5], attrs: parse_attrs(&tb[8..tlen])? });
                tb = &tb[tlen..];
            }
            if !tb.is_empty() {
                return Err(WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds {
                    length: plen,
                    size: plen - tb.len(),
                }));
            }
            proposals.push(ProposalRepr { number, protocol, spi, transforms });
            rest = &rest[plen..];
            match next {
                payload::NONE => break,
                payload::PROPOSAL => {}
                x => return Err(WireError::InvalidNextPayload(x)),
            }
            if proposals.len() > 64 {
                return Err(WireError::BadProposalSyntax(ProposalSyntax::TooManyProposals));
            }
        }
        if !rest.is_empty() {
            return Err(WireError::BadProposalSyntax(ProposalSyntax::LengthExceeds {
                length: total,
                size: total - rest.len(),
            }));
        }
        Ok(SaRepr { doi, situation, proposals })
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.doi.to_be_bytes());
        out.extend_from_slice(&self.situation.to_be_bytes());
        for (pi, p) in self.proposals.iter().enumerate() {
            let mut tr = Vec::new();
            for (ti, t) in p.transforms.iter().enumerate() {
                let mut attrs = Vec::new();
                for a in &t.attrs {
                    a.emit_into(&mut attrs);
                }
                tr.push(if ti + 1 == p.transforms.len() { payload::NONE } else { payload::TRANSFORM });
                tr.push(0);
                tr.extend_from_slice(&((attrs.len() + 8) as u16).to_be_bytes());
                tr.push(t.number);
                tr.push(t.id);
                tr.extend_from_slice(&[0, 0]);
                tr.extend_from_slice(&attrs);
            }
            out.push(if pi + 1 == self.proposals.len() { payload::NONE } else { payload::PROPOSAL });
            out.push(0);
            out.extend_from_slice(&((8 + p.spi.len() + tr.len()) as u16).to_be_bytes());
            out.push(p.number);
            out.push(p.protocol);
            out.push(p.spi.len() as u8);
            out.push(p.transforms.len() as u8);
            out.extend_from_slice(&p.spi);
            out.extend_from_slice(&tr);
        }
        out
    }
}

/// An identification payload (RFC 2407 4.6.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdRepr {
    pub id_type: u8,
    pub protocol: u8,
    pub port: u16,
    pub data: Vec<u8>,
}

impl IdRepr {
    pub fn parse(b: &[u8]) -> Result<IdRepr, WireError> {
        if b.len() < 4 {
            return Err(WireError::Malformed(Part::Id));
        }
        let id = IdRepr { id_type: b[0], protocol: b[1], port: be16(&b[2..]), data: b[4..].to_vec() };
        let ok = match id.id_type {
            id_type::IPV4_ADDR => id.data.len() == 4,
            id_type::IPV4_ADDR_SUBNET | id_type::IPV4_ADDR_RANGE => id.data.len() == 8,
            _ => true,
        };
        if !ok {
            return Err(WireError::Malformed(Part::Id));
        }
        Ok(id)
    }
    pub fn emit(&self) -> Vec<u8> {
        let mut out = vec![self.id_type, self.protocol];
        out.extend_from_slice(&self.port.to_be_bytes());
        out.extend_from_slice(&self.data);
        out
    }
    pub fn ipv4(a: Ipv4Addr) -> IdRepr {
        IdRepr { id_type: id_type::IPV4_ADDR, protocol: 0, port: 0, data: a.octets().to_vec() }
    }
    pub fn addr(&self, i: usize) -> Option<Ipv4Addr> {
        let d = self.data.get(i * 4..i * 4 + 4)?;
        Some(Ipv4Addr::new(d[0], d[1], d[2], d[3]))
    }
    /// The data as the logs show it: an address, a subnet or a name.
    pub fn data_text(&self) -> String {
        match self.id_type {
            id_type::IPV4_ADDR => self.addr(0).map(|a| a.to_string()).unwrap_or_default(),
            id_type::IPV4_ADDR_SUBNET => format!(
                "{}/{}",
                self.addr(0).unwrap_or(Ipv4Addr::UNSPECIFIED),
                self.addr(1).unwrap_or(Ipv4Addr::UNSPECIFIED)
            ),
            id_type::IPV4_ADDR_RANGE => format!(
                "{}-{}",
                self.addr(0).unwrap_or(Ipv4Addr::UNSPECIFIED),
                self.addr(1).unwrap_or(Ipv4Addr::UNSPECIFIED)
            ),
            _ => String::from_utf8_lossy(&self.data).into_owned(),
        }
    }
}

/// A notification payload (RFC 2408 3.14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyRepr {
    pub doi: u32,
    pub protocol: u8,
    pub kind: u16,
    pub spi: Vec<u8>,
    pub data: Vec<u8>,
}

impl NotifyRepr {
    pub fn parse(b: &[u8]) -> Result<NotifyRepr, WireError> {
        if b.len() < 8 {
            return Err(WireError::Malformed(Part::Notify));
        }
        let spi_len = b[5] as usize;
        if b.len() < 8 + spi_len {
            return Err(WireError::Malformed(Part::Notify));
        }
        Ok(NotifyRepr {
            doi: be32(b),
            protocol: b[4],
            kind: be16(&b[6..]),
            spi: b[8..8 + spi_len].to_vec(),
            data: b[8 + spi_len..].to_vec(),
        })
    }
    pub fn emit(&self) -> Vec<u8> {
        let mut out = self.doi.to_be_bytes().to_vec();
        out.push(self.protocol);
        out.push(self.spi.len() as u8);
        out.extend_from_slice(&self.kind.to_be_bytes());
        out.extend_from_slice(&self.spi);
        out.extend_from_slice(&self.data);
        out
    }
}

/// A delete payload (RFC 2408 3.15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteRepr {
    pub doi: u32,
    pub protocol: u8,
    pub spis: Vec<Vec<u8>>,
}

impl DeleteRepr {
    pub fn parse(b: &[u8]) -> Result<DeleteRepr, WireError> {
        if b.len() < 8 {
            return Err(WireError::Malformed(Part::Delete));
        }
        let spi_len = b[5] as usize;
        let n = be16(&b[6..]) as usize;
        if spi_len == 0 || b.len() != 8 + spi_len * n {
            return Err(WireError::Malformed(Part::Delete));
        }
        let spis = b[8..].chunks(spi_len).map(|c| c.to_vec()).collect();
        Ok(DeleteRepr { doi: be32(b), protocol: b[4], spis })
    }
    pub fn emit(&self) -> Vec<u8> {
        let mut out = self.doi.to_be_bytes().to_vec();
        out.push(self.protocol);
        out.push(self.spis.first().map(|s| s.len()).unwrap_or(4) as u8);
        out.extend_from_slice(&(self.spis.len() as u16).to_be_bytes());
        for s in &self.spis {
            out.extend_from_slice(s);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_sa() -> SaRepr {
        SaRepr {
            doi: DOI_IPSEC,
            situation: SIT_IDENTITY_ONLY,
            proposals: vec![ProposalRepr {
                number: 1,
                protocol: proto::ISAKMP,
                spi: vec![],
                transforms: vec![
                    TransformRepr {
                        number: 1,
                        id: 1,
                        attrs: vec![
                            Attr::basic(1, 7),
                            Attr::basic(14, 128),
                            Attr::basic(2, 2),
                            Attr::number(12, 86400),
                        ],
                    },
                    TransformRepr { number: 2, id: 1, attrs: vec![Attr::basic(1, 5)] },
                ],
            }],
        }
    }

    #[test]
    fn sa_round_trips() {
        let sa = sample_sa();
        let b = sa.emit();
        assert_eq!(SaRepr::parse(&b).unwrap(), sa);
        assert_eq!(sa.proposals[0].transforms[0].attr(12), Some(86400));
    }

    #[test]
    fn header_checks_version_flags_and_length() {
        let mut b = Vec::new();
        Header {
            icookie: [1; 8],
            rcookie: [0; 8],
            next: 1,
            major: 1,
            minor: 0,
            exchange: 2,
            flags: 0,
            msgid: 0,
            length: 28,
        }
        .emit(&mut b);
        assert!(Header::parse(&b).is_ok());
        let mut bad = b.clone();
        bad[17] = 0x20;
        assert_eq!(Header::parse(&bad), Err(WireError::InvalidMajorVersion(0x20)));
        let mut bad = b.clone();
        bad[17] = 0x12;
        assert_eq!(Header::parse(&bad), Err(WireError::InvalidMinorVersion(2)));
        let mut bad = b.clone();
        bad[19] = 0xf0;
        assert_eq!(Header::parse(&bad), Err(WireError::InvalidFlags(0xf0)));
        assert!(matches!(Header::parse(&b[..20]), Err(WireError::Truncated { .. })));
    }

    #[test]
    fn payload_chain_rejects_bad_types_lengths_and_reserved() {
        let mut bld = Builder::new();
        bld.push(payload::VID, vec![1, 2, 3]).push(payload::NONCE, vec![9; 16]);
        let chain = bld.chain();
        let p = payloads(bld.first(), &chain).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].body, &[9; 16][..]);
        assert_eq!(payloads(0x99, &chain), Err(WireError::InvalidNextPayload(0x99)));
        let mut c = chain.clone();
        c[1] = 0x11;
        assert!(matches!(payloads(payload::VID, &c), Err(WireError::ReservedNotZero { value: 0x11, .. })));
        let mut c = chain.clone();
        c[3] = 200;
        assert!(matches!(payloads(payload::VID, &c), Err(WireError::PayloadLength { .. })));
    }

    #[test]
    fn sa_rejects_doi_situation_and_reserved() {
        let mut b = sample_sa().emit();
        b[3] = 0x7;
        assert_eq!(SaRepr::parse(&b), Err(WireError::InvalidDoi(7)));
        let mut b = sample_sa().emit();
        b[7] = 2;
        assert_eq!(SaRepr::parse(&b), Err(WireError::InvalidSituation(2)));
        // transform RESERVED2
        let mut b = sample_sa().emit();
        b[8 + 8 + 6] = 0x11;
        assert!(matches!(SaRepr::parse(&b), Err(WireError::TransformReserved(_))));
        // SA longer than the proposals in it
        let mut b = sample_sa().emit();
        b.extend_from_slice(&[0; 12]);
        assert!(matches!(SaRepr::parse(&b), Err(WireError::BadProposalSyntax(_))));
    }

    /// Random and mutated packets never panic the parsers.
    #[test]
    fn fuzz_parsers_never_panic() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let seed_sa = sample_sa().emit();
        for i in 0..200_000u32 {
            let mut b: Vec<u8> = if i % 2 == 0 {
                let mut v = seed_sa.clone();
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..v.len());
                    v[at] = rng.random();
                }
                v.truncate(rng.random_range(0..=v.len()));
                v
            } else {
                (0..rng.random_range(0..80)).map(|_| rng.random()).collect()
            };
            let _ = SaRepr::parse(&b);
            let _ = IdRepr::parse(&b);
            let _ = NotifyRepr::parse(&b);
            let _ = DeleteRepr::parse(&b);
            let _ = payloads(b.first().copied().unwrap_or(1) % 24, &b);
            let _ = Header::parse(&b);
            b.push(0);
        }
    }
}
