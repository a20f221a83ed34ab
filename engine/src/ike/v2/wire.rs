//! IKEv2 (RFC 7296) packets: owns the checked view of the IKE header and
//! the generic payload chain, the parsed representations (`*Repr`) of every
//! payload IKEv2 uses (SA with proposals/transforms/attributes, KE, IDi/IDr,
//! AUTH, Nonce, Notify, Delete, TSi/TSr, SK, CERTREQ and Vendor ID kept
//! opaque, unknown payloads with their critical bit) and the [`Builder`] of
//! outgoing messages. Nothing here panics on input from the network and
//! nothing allocates more than the datagram's size: every length is checked
//! and every problem is a typed [`Error`] naming the payload and the lengths
//! involved, so a dialect can print it (SmartEdge Table 6) and the core can
//! answer with the notify RFC 7296 asks for.

use std::net::Ipv4Addr;

pub const HEADER_LEN: usize = 28;
pub const GENERIC_LEN: usize = 4;

/// Payload types (RFC 7296 3.2).
pub mod payload {
    pub const NONE: u8 = 0;
    pub const SA: u8 = 33;
    pub const KE: u8 = 34;
    pub const IDI: u8 = 35;
    pub const IDR: u8 = 36;
    pub const CERT: u8 = 37;
    pub const CERTREQ: u8 = 38;
    pub const AUTH: u8 = 39;
    pub const NONCE: u8 = 40;
    pub const NOTIFY: u8 = 41;
    pub const DELETE: u8 = 42;
    pub const VID: u8 = 43;
    pub const TSI: u8 = 44;
    pub const TSR: u8 = 45;
    pub const SK: u8 = 46;
    pub const CP: u8 = 47;
    pub const EAP: u8 = 48;
    pub const SKF: u8 = 53;
    pub fn name(t: u8) -> &'static str {
        match t {
            SA => "SA",
            KE => "KE",
            IDI => "IDi",
            IDR => "IDr",
            CERT => "CERT",
            CERTREQ => "CERTREQ",
            AUTH => "AUTH",
            NONCE => "No",
            NOTIFY => "N",
            DELETE => "D",
            VID => "V",
            TSI => "TSi",
            TSR => "TSr",
            SK => "SK",
            CP => "CP",
            EAP => "EAP",
            SKF => "SKF",
            _ => "UNKNOWN",
        }
    }
}

/// Exchange types (RFC 7296 3.1).
pub mod exchange {
    pub const IKE_SA_INIT: u8 = 34;
    pub const IKE_AUTH: u8 = 35;
    pub const CREATE_CHILD_SA: u8 = 36;
    pub const INFORMATIONAL: u8 = 37;
    pub fn name(t: u8) -> &'static str {
        match t {
            IKE_SA_INIT => "IKE_SA_INIT",
            IKE_AUTH => "IKE_AUTH",
            CREATE_CHILD_SA => "CREATE_CHILD_SA",
            INFORMATIONAL => "INFORMATIONAL",
            _ => "UNKNOWN",
        }
    }
}

/// Header flags.
pub mod flags {
    pub const INITIATOR: u8 = 0x08;
    pub const VERSION: u8 = 0x10;
    pub const RESPONSE: u8 = 0x20;
}

/// Security protocol IDs.
pub mod proto {
    pub const IKE: u8 = 1;
    pub const AH: u8 = 2;
    pub const ESP: u8 = 3;
}

/// Transform types and IDs (RFC 7296 3.3.2, IANA).
pub mod transform {
    pub const ENCR: u8 = 1;
    pub const PRF: u8 = 2;
    pub const INTEG: u8 = 3;
    pub const DH: u8 = 4;
    pub const ESN: u8 = 5;
    pub const ENCR_3DES: u16 = 3;
    pub const ENCR_NULL: u16 = 11;
    pub const ENCR_AES_CBC: u16 = 12;
    pub const ENCR_AES_GCM_16: u16 = 20;
    pub const PRF_HMAC_MD5: u16 = 1;
    pub const PRF_HMAC_SHA1: u16 = 2;
    pub const PRF_AES128_XCBC: u16 = 4;
    pub const PRF_HMAC_SHA2_256: u16 = 5;
    pub const PRF_HMAC_SHA2_384: u16 = 6;
    pub const PRF_HMAC_SHA2_512: u16 = 7;
    pub const AUTH_HMAC_MD5_96: u16 = 1;
    pub const AUTH_HMAC_SHA1_96: u16 = 2;
    pub const AUTH_AES_XCBC_96: u16 = 5;
    pub const AUTH_HMAC_SHA2_256_128: u16 = 12;
    pub const AUTH_HMAC_SHA2_384_192: u16 = 13;
    pub const AUTH_HMAC_SHA2_512_256: u16 = 14;
    /// The Key Length attribute (TV format).
    pub const ATTR_KEY_LENGTH: u16 = 14;
}

/// Notify message types (RFC 7296 3.10.1, RFC 7383).
pub mod notify {
    pub const UNSUPPORTED_CRITICAL_PAYLOAD: u16 = 1;
    pub const INVALID_IKE_SPI: u16 = 4;
    pub const INVALID_MAJOR_VERSION: u16 = 5;
    pub const INVALID_SYNTAX: u16 = 7;
    pub const INVALID_MESSAGE_ID: u16 = 9;
    pub const INVALID_SPI: u16 = 11;
    pub const NO_PROPOSAL_CHOSEN: u16 = 14;
    pub const INVALID_KE_PAYLOAD: u16 = 17;
    pub const AUTHENTICATION_FAILED: u16 = 24;
    pub const SINGLE_PAIR_REQUIRED: u16 = 34;
    pub const NO_ADDITIONAL_SAS: u16 = 35;
    pub const TS_UNACCEPTABLE: u16 = 38;
    pub const INVALID_SELECTORS: u16 = 39;
    pub const TEMPORARY_FAILURE: u16 = 43;
    pub const CHILD_SA_NOT_FOUND: u16 = 44;
    pub const INITIAL_CONTACT: u16 = 16384;
    pub const SET_WINDOW_SIZE: u16 = 16385;
    pub const ADDITIONAL_TS_POSSIBLE: u16 = 16386;
    pub const NAT_DETECTION_SOURCE_IP: u16 = 16388;
    pub const NAT_DETECTION_DESTINATION_IP: u16 = 16389;
    pub const COOKIE: u16 = 16390;
    pub const USE_TRANSPORT_MODE: u16 = 16391;
    pub const REKEY_SA: u16 = 16393;
    pub const ESP_TFC_PADDING_NOT_SUPPORTED: u16 = 16394;
    pub const NON_FIRST_FRAGMENTS_ALSO: u16 = 16395;
    pub const IKEV2_FRAGMENTATION_SUPPORTED: u16 = 16430;
    /// Types below this are errors.
    pub const FIRST_STATUS: u16 = 16384;
    pub fn name(t: u16) -> &'static str {
        match t {
            UNSUPPORTED_CRITICAL_PAYLOAD => "UNSUPPORTED_CRITICAL_PAYLOAD",
            INVALID_IKE_SPI => "INVALID_IKE_SPI",
            INVALID_MAJOR_VERSION => "INVALID_MAJOR_VERSION",
            INVALID_SYNTAX => "INVALID_SYNTAX",
            INVALID_MESSAGE_ID => "INVALID_MESSAGE_ID",
            INVALID_SPI => "INVALID_SPI",
            NO_PROPOSAL_CHOSEN => "NO_PROPOSAL_CHOSEN",
            INVALID_KE_PAYLOAD => "INVALID_KE_PAYLOAD",
            AUTHENTICATION_FAILED => "AUTHENTICATION_FAILED",
            SINGLE_PAIR_REQUIRED => "SINGLE_PAIR_REQUIRED",
            NO_ADDITIONAL_SAS => "NO_ADDITIONAL_SAS",
            TS_UNACCEPTABLE => "TS_UNACCEPTABLE",
            INVALID_SELECTORS => "INVALID_SELECTORS",
            TEMPORARY_FAILURE => "TEMPORARY_FAILURE",
            CHILD_SA_NOT_FOUND => "CHILD_SA_NOT_FOUND",
            INITIAL_CONTACT => "INITIAL_CONTACT",
            SET_WINDOW_SIZE => "SET_WINDOW_SIZE",
            ADDITIONAL_TS_POSSIBLE => "ADDITIONAL_TS_POSSIBLE",
            NAT_DETECTION_SOURCE_IP => "NAT_DETECTION_SOURCE_IP",
            NAT_DETECTION_DESTINATION_IP => "NAT_DETECTION_DESTINATION_IP",
            COOKIE => "COOKIE",
            USE_TRANSPORT_MODE => "USE_TRANSPORT_MODE",
            REKEY_SA => "REKEY_SA",
            ESP_TFC_PADDING_NOT_SUPPORTED => "ESP_TFC_PADDING_NOT_SUPPORTED",
            NON_FIRST_FRAGMENTS_ALSO => "NON_FIRST_FRAGMENTS_ALSO",
            IKEV2_FRAGMENTATION_SUPPORTED => "IKEV2_FRAGMENTATION_SUPPORTED",
            _ => "UNKNOWN",
        }
    }
}

/// ID types (RFC 7296 3.5).
pub mod id {
    pub const IPV4_ADDR: u8 = 1;
    pub const FQDN: u8 = 2;
    pub const RFC822_ADDR: u8 = 3;
    pub const IPV6_ADDR: u8 = 5;
    pub const DER_ASN1_DN: u8 = 9;
    pub const DER_ASN1_GN: u8 = 10;
    pub const KEY_ID: u8 = 11;
}

pub const AUTH_SHARED_KEY_MIC: u8 = 2;
pub const TS_IPV4_ADDR_RANGE: u8 = 7;
pub const TS_IPV6_ADDR_RANGE: u8 = 8;
/// RFC 7296 3.9: nonces are 16 to 256 octets.
pub const MAX_NONCE: usize = 256;

/// Why a message was refused. Every variant carries the values a log line
/// needs (SmartEdge Table 6 prints the lengths).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the 28-octet header.
    HeaderTruncated { have: usize },
    /// The header's length field disagrees with the datagram.
    TotalLength { received: usize, header: usize },
    MajorVersion(u8),
    ZeroInitiatorSpi,
    InvalidExchange(u8),
    InvalidNextPayload(u8),
    /// A generic payload header runs past the message, or its length is below 4.
    GenericLength { payload: u8, length: usize, available: usize },
    /// A payload body shorter than its fixed part.
    Incomplete { payload: u8, have: usize },
    /// A payload's inner length (proposal, transform, attribute, TS) is wrong.
    ProposalLength { length: usize, available: usize },
    TransformLength { length: usize, available: usize },
    IncompleteTransform { have: usize },
    AttributeLength { length: usize, available: usize },
    /// A TLV attribute where only TV ones exist (AF bit clear).
    AttributeAfBit,
    InvalidAttributeType { kind: u16, proposal: u8 },
    InvalidProtocolId { protocol: u8, proposal: u8 },
    InvalidSpiSize { size: u8, proposal: u8 },
    ZeroTransforms { proposal: u8 },
    InvalidIdType(u8),
    InvalidAuthMethod(u8),
    NonceLength(usize),
    InvalidNotifyProtocol(u8),
    /// A notify or delete about the IKE SA with an SPI.
    IkeSpiSizeNonZero { payload: u8 },
    InvalidDeleteProtocol(u8),
    ZeroTrafficSelectors,
    InvalidTsType(u8),
    InvalidTsLength(usize),
    IncompleteTs { have: usize },
    /// An SK payload inside an SK payload, or one that is not the last.
    NestedEncrypted,
    /// A payload type we do not know, with the critical bit set.
    UnsupportedCritical(u8),
    /// A Vendor ID with the critical bit set.
    VendorCritical,
    /// A payload that must appear is missing.
    Missing(u8),
    /// The SK payload's integrity check or padding failed.
    Integrity,
    /// Counts or sizes beyond what this implementation keeps.
    TooMany(&'static str),
}

impl Error {
    /// The notify RFC 7296 answers a request with this problem with, if any.
    pub fn notify(&self) -> Option<u16> {
        match self {
            Error::MajorVersion(_) => Some(notify::INVALID_MAJOR_VERSION),
            Error::UnsupportedCritical(_) => Some(notify::UNSUPPORTED_CRITICAL_PAYLOAD),
            Error::Integrity | Error::HeaderTruncated { .. } | Error::TotalLength { .. } | Error::ZeroInitiatorSpi => None,
            _ => Some(notify::INVALID_SYNTAX),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The IKE header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub spi_i: [u8; 8],
    pub spi_r: [u8; 8],
    pub next: u8,
    pub major: u8,
    pub minor: u8,
    pub exchange: u8,
    pub flags: u8,
    pub msgid: u32,
    pub length: u32,
}

impl Header {
    /// Parse and check the header against the datagram (which may be longer:
    /// the header's length is what counts).
    pub fn parse(data: &[u8]) -> Result<Header, Error> {
        if data.len() < HEADER_LEN {
            return Err(Error::HeaderTruncated { have: data.len() });
        }
        let h = Header {
            spi_i: data[0..8].try_into().unwrap_or([0; 8]),
            spi_r: data[8..16].try_into().unwrap_or([0; 8]),
            next: data[16],
            major: data[17] >> 4,
            minor: data[17] & 0x0f,
            exchange: data[18],
            flags: data[19],
            msgid: be32(data, 20),
            length: be32(data, 24),
        };
        if h.major != 2 {
            return Err(Error::MajorVersion(h.major));
        }
        if (h.length as usize) < HEADER_LEN || h.length as usize > data.len() {
            return Err(Error::TotalLength { received: data.len(), header: h.length as usize });
        }
        if h.spi_i == [0; 8] {
            return Err(Error::ZeroInitiatorSpi);
        }
        if !(exchange::IKE_SA_INIT..=exchange::INFORMATIONAL).contains(&h.exchange) {
            return Err(Error::InvalidExchange(h.exchange));
        }
        Ok(h)
    }
    pub fn is_response(&self) -> bool {
        self.flags & flags::RESPONSE != 0
    }
    pub fn is_initiator(&self) -> bool {
        self.flags & flags::INITIATOR != 0
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.spi_i);
        out.extend_from_slice(&self.spi_r);
        out.push(self.next);
        out.push((self.major << 4) | self.minor);
        out.push(self.exchange);
        out.push(self.flags);
        out.extend_from_slice(&self.msgid.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
    }
}

/// One payload of a chain: its type, critical bit and body (after the generic header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload<'a> {
    pub kind: u8,
    pub critical: bool,
    pub body: &'a [u8],
    /// For SK: the type of the first inner payload (the SK header's next field).
    pub next: u8,
}

/// Payload types this implementation knows (others are skipped unless critical).
pub fn known(kind: u8) -> bool {
    matches!(kind, 33..=48 | 53)
}

/// Walk a payload chain starting with type `first` over `data`. An unknown
/// payload with the critical bit set is an error; without it, it is kept with
/// its kind (callers ignore it). The SK payload must be the last one.
pub fn payloads(first: u8, data: &[u8]) -> Result<Vec<Payload<'_>>, Error> {
    let mut out = Vec::new();
    let mut kind = first;
    let mut at = 0usize;
    while kind != payload::NONE {
        let rest = &data[at..];
        if rest.len() < GENERIC_LEN {
            return Err(Error::GenericLength { payload: kind, length: rest.len(), available: rest.len() });
        }
        let next = rest[0];
        let critical = rest[1] & 0x80 != 0;
        let len = be16(rest, 2) as usize;
        if len < GENERIC_LEN || len > rest.len() {
            return Err(Error::GenericLength { payload: kind, length: len, available: rest.len() });
        }
        if !known(kind) && critical {
            return Err(Error::UnsupportedCritical(kind));
        }
        if kind == payload::VID && critical {
            return Err(Error::VendorCritical);
        }
        // Each payload costs one entry: bounded by the datagram's size / 4.
        out.push(Payload { kind, critical, body: &rest[GENERIC_LEN..len], next });
        at += len;
        if kind == payload::SK {
            // RFC 7296 3.14: the SK payload is the last; its next field names the first inner payload.
            if at != data.len() {
                return Err(Error::NestedEncrypted);
            }
            return Ok(out);
        }
        kind = next;
    }
    Ok(out)
}

/// A transform with its (optional) key length attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransformRepr {
    pub kind: u8,
    pub id: u16,
    pub key_len: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalRepr {
    pub number: u8,
    pub protocol: u8,
    pub spi: Vec<u8>,
    pub transforms: Vec<TransformRepr>,
}

impl ProposalRepr {
    /// The transforms of one type, in order.
    pub fn of(&self, kind: u8) -> impl Iterator<Item = &TransformRepr> {
        self.transforms.iter().filter(move |t| t.kind == kind)
    }
    pub fn spi_u32(&self) -> Option<u32> {
        <[u8; 4]>::try_from(self.spi.as_slice()).ok().map(u32::from_be_bytes)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SaRepr {
    pub proposals: Vec<ProposalRepr>,
}

impl SaRepr {
    pub fn parse(b: &[u8]) -> Result<SaRepr, Error> {
        if b.is_empty() {
            return Err(Error::Incomplete { payload: payload::SA, have: 0 });
        }
        let mut props = Vec::new();
        let mut at = 0;
        loop {
            let r = &b[at..];
            if r.len() < 8 {
                return Err(Error::Incomplete { payload: payload::SA, have: r.len() });
            }
            let last = r[0];
            let len = be16(r, 2) as usize;
            if len < 8 || len > r.len() || (last != 0 && last != 2) {
                return Err(Error::ProposalLength { length: len, available: r.len() });
            }
            let (number, protocol, spi_size, ntrans) = (r[4], r[5], r[6], r[7] as usize);
            if !(proto::IKE..=proto::ESP).contains(&protocol) {
                return Err(Error::InvalidProtocolId { protocol, proposal: number });
            }
            let ok_spi = match protocol {
                proto::IKE => spi_size == 0 || spi_size == 8,
                _ => spi_size == 4,
            };
            if !ok_spi {
                return Err(Error::InvalidSpiSize { size: spi_size, proposal: number });
            }
            if ntrans == 0 {
                return Err(Error::ZeroTransforms { proposal: number });
            }
            let body = &r[8..len];
            if body.len() < spi_size as usize {
                return Err(Error::ProposalLength { length: len, available: r.len() });
            }
            let spi = body[..spi_size as usize].to_vec();
            let mut t_at = spi_size as usize;
            let mut transforms = Vec::new();
            for i in 0..ntrans {
                let t = &body[t_at..];
                if t.len() < 8 {
                    return Err(Error::IncompleteTransform { have: t.len() });
                }
                let tlast = t[0];
                let tlen = be16(t, 2) as usize;
                if tlen < 8 || tlen > t.len() || (tlast == 3) != (i + 1 < ntrans) || (tlast != 0 && tlast != 3) {
                    return Err(Error::TransformLength { length: tlen, available: t.len() });
                }
                let mut tr = TransformRepr { kind: t[4], id: be16(t, 6), key_len: None };
                let mut a = &t[8..tlen];
                while !a.is_empty() {
                    if a.len() < 4 {
                        return Err(Error::AttributeLength { length: 4, available: a.len() });
                    }
                    let ty = be16(a, 0);
                    if ty & 0x8000 == 0 {
                        // TLV: RFC 7296 defines none; skip it by its length if it fits.
                        let l = be16(a, 2) as usize;
                        if 4 + l > a.len() {
                            return Err(Error::AttributeLength { length: 4 + l, available: a.len() });
                        }
                        return Err(Error::AttributeAfBit);
                    }
                    if ty & 0x7fff != transform::ATTR_KEY_LENGTH {
                        return Err(Error::InvalidAttributeType { kind: ty & 0x7fff, proposal: number });
                    }
                    tr.key_len = Some(be16(a, 2));
                    a = &a[4..];
                }
                transforms.push(tr);
                t_at += tlen;
            }
            if t_at != body.len() {
                return Err(Error::ProposalLength { length: len, available: 8 + t_at });
            }
            props.push(ProposalRepr { number, protocol, spi, transforms });
            at += len;
            if last == 0 {
                if at != b.len() {
                    return Err(Error::ProposalLength { length: at, available: b.len() });
                }
                break;
            }
        }
        Ok(SaRepr { proposals: props })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        for (pi, p) in self.proposals.iter().enumerate() {
            let start = out.len();
            out.push(if pi + 1 < self.proposals.len() { 2 } else { 0 });
            out.push(0);
            out.extend_from_slice(&[0, 0]);
            out.push(p.number);
            out.push(p.protocol);
            out.push(p.spi.len() as u8);
            out.push(p.transforms.len() as u8);
            out.extend_from_slice(&p.spi);
            for (ti, t) in p.transforms.iter().enumerate() {
                out.push(if ti + 1 < p.transforms.len() { 3 } else { 0 });
                out.push(0);
                out.extend_from_slice(&(if t.key_len.is_some() { 12u16 } else { 8u16 }).to_be_bytes());
                out.push(t.kind);
                out.push(0);
                out.extend_from_slice(&t.id.to_be_bytes());
                if let Some(k) = t.key_len {
                    out.extend_from_slice(&(0x8000 | transform::ATTR_KEY_LENGTH).to_be_bytes());
                    out.extend_from_slice(&k.to_be_bytes());
                }
            }
            let len = (out.len() - start) as u16;
            out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeRepr {
    pub group: u16,
    pub data: Vec<u8>,
}

impl KeRepr {
    pub fn parse(b: &[u8]) -> Result<KeRepr, Error> {
        if b.len() < 4 {
            return Err(Error::Incomplete { payload: payload::KE, have: b.len() });
        }
        Ok(KeRepr { group: be16(b, 0), data: b[4..].to_vec() })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.group.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.data);
    }
}

/// An identification payload (IDi or IDr).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdRepr {
    pub kind: u8,
    pub data: Vec<u8>,
}

impl IdRepr {
    pub fn parse(b: &[u8]) -> Result<IdRepr, Error> {
        if b.len() < 4 {
            return Err(Error::Incomplete { payload: payload::IDI, have: b.len() });
        }
        let kind = b[0];
        let ok = match kind {
            id::IPV4_ADDR => b.len() == 8,
            id::IPV6_ADDR => b.len() == 20,
            id::FQDN | id::RFC822_ADDR | id::KEY_ID | id::DER_ASN1_DN | id::DER_ASN1_GN => true,
            _ => return Err(Error::InvalidIdType(kind)),
        };
        if !ok {
            return Err(Error::Incomplete { payload: payload::IDI, have: b.len() });
        }
        Ok(IdRepr { kind, data: b[4..].to_vec() })
    }
    /// The body as it goes on the wire and into the AUTH computation (RestOfIDPayload).
    pub fn body(&self) -> Vec<u8> {
        let mut v = vec![self.kind, 0, 0, 0];
        v.extend_from_slice(&self.data);
        v
    }
}

impl std::fmt::Display for IdRepr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            id::IPV4_ADDR if self.data.len() == 4 => write!(f, "{}", Ipv4Addr::new(self.data[0], self.data[1], self.data[2], self.data[3])),
            id::FQDN | id::RFC822_ADDR => f.write_str(&String::from_utf8_lossy(&self.data)),
            _ => {
                for b in &self.data {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRepr {
    pub method: u8,
    pub data: Vec<u8>,
}

impl AuthRepr {
    pub fn parse(b: &[u8]) -> Result<AuthRepr, Error> {
        if b.len() < 4 {
            return Err(Error::Incomplete { payload: payload::AUTH, have: b.len() });
        }
        if !matches!(b[0], 1 | 2 | 3 | 9 | 10 | 11 | 14) {
            return Err(Error::InvalidAuthMethod(b[0]));
        }
        Ok(AuthRepr { method: b[0], data: b[4..].to_vec() })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.method, 0, 0, 0]);
        out.extend_from_slice(&self.data);
    }
}

pub fn parse_nonce(b: &[u8]) -> Result<Vec<u8>, Error> {
    if b.len() < 16 {
        return Err(Error::Incomplete { payload: payload::NONCE, have: b.len() });
    }
    if b.len() > MAX_NONCE {
        return Err(Error::NonceLength(b.len()));
    }
    Ok(b.to_vec())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyRepr {
    pub protocol: u8,
    pub kind: u16,
    pub spi: Vec<u8>,
    pub data: Vec<u8>,
}

impl NotifyRepr {
    pub fn new(kind: u16, data: Vec<u8>) -> NotifyRepr {
        NotifyRepr { protocol: 0, kind, spi: Vec::new(), data }
    }
    pub fn parse(b: &[u8]) -> Result<NotifyRepr, Error> {
        if b.len() < 4 {
            return Err(Error::Incomplete { payload: payload::NOTIFY, have: b.len() });
        }
        let (protocol, spi_size, kind) = (b[0], b[1] as usize, be16(b, 2));
        if protocol > proto::ESP {
            return Err(Error::InvalidNotifyProtocol(protocol));
        }
        if (protocol == proto::IKE || protocol == 0) && spi_size != 0 && kind != notify::INVALID_SELECTORS && spi_size != 8 {
            return Err(Error::IkeSpiSizeNonZero { payload: payload::NOTIFY });
        }
        if b.len() < 4 + spi_size {
            return Err(Error::Incomplete { payload: payload::NOTIFY, have: b.len() });
        }
        Ok(NotifyRepr { protocol, kind, spi: b[4..4 + spi_size].to_vec(), data: b[4 + spi_size..].to_vec() })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.protocol);
        out.push(self.spi.len() as u8);
        out.extend_from_slice(&self.kind.to_be_bytes());
        out.extend_from_slice(&self.spi);
        out.extend_from_slice(&self.data);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteRepr {
    pub protocol: u8,
    pub spis: Vec<Vec<u8>>,
}

impl DeleteRepr {
    pub fn parse(b: &[u8]) -> Result<DeleteRepr, Error> {
        if b.len() < 4 {
            return Err(Error::Incomplete { payload: payload::DELETE, have: b.len() });
        }
        let (protocol, size, n) = (b[0], b[1] as usize, be16(b, 2) as usize);
        match protocol {
            proto::IKE if size != 0 || n != 0 => return Err(Error::IkeSpiSizeNonZero { payload: payload::DELETE }),
            proto::IKE => {}
            proto::AH | proto::ESP if size == 4 => {}
            proto::AH | proto::ESP => return Err(Error::Incomplete { payload: payload::DELETE, have: b.len() }),
            p => return Err(Error::InvalidDeleteProtocol(p)),
        }
        if b.len() != 4 + size * n {
            return Err(Error::Incomplete { payload: payload::DELETE, have: b.len() });
        }
        Ok(DeleteRepr { protocol, spis: b[4..].chunks_exact(size.max(1)).map(|c| c.to_vec()).collect() })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        let size = self.spis.first().map(|s| s.len()).unwrap_or(0);
        out.push(self.protocol);
        out.push(size as u8);
        out.extend_from_slice(&(self.spis.len() as u16).to_be_bytes());
        for s in &self.spis {
            out.extend_from_slice(s);
        }
    }
}

/// One IPv4 traffic selector (an address range, a protocol and a port range).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ts {
    pub proto: u8,
    pub start_port: u16,
    pub end_port: u16,
    pub start: Ipv4Addr,
    pub end: Ipv4Addr,
}

impl Ts {
    pub const ANY: Ts = Ts { proto: 0, start_port: 0, end_port: 0xffff, start: Ipv4Addr::UNSPECIFIED, end: Ipv4Addr::BROADCAST };
    /// The intersection of two selectors (RFC 7296 2.9 narrowing), if any.
    pub fn intersect(&self, o: &Ts) -> Option<Ts> {
        let proto = match (self.proto, o.proto) {
            (0, p) | (p, 0) => p,
            (a, b) if a == b => a,
            _ => return None,
        };
        let sp = self.start_port.max(o.start_port);
        let ep = self.end_port.min(o.end_port);
        let s = u32::from(self.start).max(u32::from(o.start));
        let e = u32::from(self.end).min(u32::from(o.end));
        (sp <= ep && s <= e).then(|| Ts { proto, start_port: sp, end_port: ep, start: s.into(), end: e.into() })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TsRepr {
    pub selectors: Vec<Ts>,
}

impl TsRepr {
    /// IPv6 selectors are accepted on the wire and dropped (IPv4 only here).
    pub fn parse(b: &[u8]) -> Result<TsRepr, Error> {
        if b.len() < 4 {
            return Err(Error::Incomplete { payload: payload::TSI, have: b.len() });
        }
        let n = b[0] as usize;
        if n == 0 {
            return Err(Error::ZeroTrafficSelectors);
        }
        let mut at = 4;
        let mut selectors = Vec::new();
        for _ in 0..n {
            let r = &b[at..];
            if r.len() < 8 {
                return Err(Error::IncompleteTs { have: r.len() });
            }
            let len = be16(r, 2) as usize;
            match r[0] {
                TS_IPV4_ADDR_RANGE if len == 16 => {}
                TS_IPV6_ADDR_RANGE if len == 40 => {}
                TS_IPV4_ADDR_RANGE | TS_IPV6_ADDR_RANGE => return Err(Error::InvalidTsLength(len)),
                t => return Err(Error::InvalidTsType(t)),
            }
            if len > r.len() {
                return Err(Error::IncompleteTs { have: r.len() });
            }
            if r[0] == TS_IPV4_ADDR_RANGE {
                selectors.push(Ts { proto: r[1], start_port: be16(r, 4), end_port: be16(r, 6), start: Ipv4Addr::new(r[8], r[9], r[10], r[11]), end: Ipv4Addr::new(r[12], r[13], r[14], r[15]) });
            }
            at += len;
        }
        if at != b.len() {
            return Err(Error::IncompleteTs { have: b.len() });
        }
        Ok(TsRepr { selectors })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.selectors.len() as u8);
        out.extend_from_slice(&[0, 0, 0]);
        for s in &self.selectors {
            out.push(TS_IPV4_ADDR_RANGE);
            out.push(s.proto);
            out.extend_from_slice(&16u16.to_be_bytes());
            out.extend_from_slice(&s.start_port.to_be_bytes());
            out.extend_from_slice(&s.end_port.to_be_bytes());
            out.extend_from_slice(&s.start.octets());
            out.extend_from_slice(&s.end.octets());
        }
    }
}

/// A parsed payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repr {
    Sa(SaRepr),
    Ke(KeRepr),
    Idi(IdRepr),
    Idr(IdRepr),
    Auth(AuthRepr),
    Nonce(Vec<u8>),
    Notify(NotifyRepr),
    Delete(DeleteRepr),
    Tsi(TsRepr),
    Tsr(TsRepr),
    /// Kept as received, not interpreted (CERT, CERTREQ, Vendor ID, CP, EAP).
    Opaque { kind: u8, body: Vec<u8> },
    /// A non-critical payload of a type we do not know: skipped.
    Unknown(u8),
}

impl Repr {
    pub fn parse(p: &Payload<'_>) -> Result<Repr, Error> {
        let retag = |e: Error, kind: u8| match e {
            Error::Incomplete { have, .. } => Error::Incomplete { payload: kind, have },
            e => e,
        };
        Ok(match p.kind {
            payload::SA => Repr::Sa(SaRepr::parse(p.body)?),
            payload::KE => Repr::Ke(KeRepr::parse(p.body)?),
            payload::IDI => Repr::Idi(IdRepr::parse(p.body)?),
            payload::IDR => Repr::Idr(IdRepr::parse(p.body).map_err(|e| retag(e, payload::IDR))?),
            payload::AUTH => Repr::Auth(AuthRepr::parse(p.body)?),
            payload::NONCE => Repr::Nonce(parse_nonce(p.body)?),
            payload::NOTIFY => Repr::Notify(NotifyRepr::parse(p.body)?),
            payload::DELETE => Repr::Delete(DeleteRepr::parse(p.body)?),
            payload::TSI => Repr::Tsi(TsRepr::parse(p.body)?),
            payload::TSR => Repr::Tsr(TsRepr::parse(p.body).map_err(|e| retag(e, payload::TSR))?),
            payload::SK => return Err(Error::NestedEncrypted),
            k if known(k) => Repr::Opaque { kind: k, body: p.body.to_vec() },
            k => Repr::Unknown(k),
        })
    }
    pub fn kind(&self) -> u8 {
        match self {
            Repr::Sa(_) => payload::SA,
            Repr::Ke(_) => payload::KE,
            Repr::Idi(_) => payload::IDI,
            Repr::Idr(_) => payload::IDR,
            Repr::Auth(_) => payload::AUTH,
            Repr::Nonce(_) => payload::NONCE,
            Repr::Notify(_) => payload::NOTIFY,
            Repr::Delete(_) => payload::DELETE,
            Repr::Tsi(_) => payload::TSI,
            Repr::Tsr(_) => payload::TSR,
            Repr::Opaque { kind, .. } => *kind,
            Repr::Unknown(k) => *k,
        }
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Repr::Sa(s) => s.emit(out),
            Repr::Ke(k) => k.emit(out),
            Repr::Idi(i) | Repr::Idr(i) => out.extend_from_slice(&i.body()),
            Repr::Auth(a) => a.emit(out),
            Repr::Nonce(n) => out.extend_from_slice(n),
            Repr::Notify(n) => n.emit(out),
            Repr::Delete(d) => d.emit(out),
            Repr::Tsi(t) | Repr::Tsr(t) => t.emit(out),
            Repr::Opaque { body, .. } => out.extend_from_slice(body),
            Repr::Unknown(_) => {}
        }
    }
}

/// A parsed message body: the payloads in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Msg {
    pub list: Vec<Repr>,
}

impl Msg {
    pub fn parse(first: u8, data: &[u8]) -> Result<Msg, Error> {
        let mut list = Vec::new();
        for p in payloads(first, data)? {
            list.push(Repr::parse(&p)?);
        }
        Ok(Msg { list })
    }
    pub fn kinds(&self) -> Vec<u8> {
        self.list.iter().map(|r| r.kind()).collect()
    }
    pub fn sa(&self) -> Option<&SaRepr> {
        self.list.iter().find_map(|r| if let Repr::Sa(s) = r { Some(s) } else { None })
    }
    pub fn ke(&self) -> Option<&KeRepr> {
        self.list.iter().find_map(|r| if let Repr::Ke(s) = r { Some(s) } else { None })
    }
    pub fn nonce(&self) -> Option<&[u8]> {
        self.list.iter().find_map(|r| if let Repr::Nonce(s) = r { Some(s.as_slice()) } else { None })
    }
    pub fn idi(&self) -> Option<&IdRepr> {
        self.list.iter().find_map(|r| if let Repr::Idi(s) = r { Some(s) } else { None })
    }
    pub fn idr(&self) -> Option<&IdRepr> {
        self.list.iter().find_map(|r| if let Repr::Idr(s) = r { Some(s) } else { None })
    }
    pub fn auth(&self) -> Option<&AuthRepr> {
        self.list.iter().find_map(|r| if let Repr::Auth(s) = r { Some(s) } else { None })
    }
    pub fn tsi(&self) -> Option<&TsRepr> {
        self.list.iter().find_map(|r| if let Repr::Tsi(s) = r { Some(s) } else { None })
    }
    pub fn tsr(&self) -> Option<&TsRepr> {
        self.list.iter().find_map(|r| if let Repr::Tsr(s) = r { Some(s) } else { None })
    }
    pub fn notifies(&self) -> impl Iterator<Item = &NotifyRepr> {
        self.list.iter().filter_map(|r| if let Repr::Notify(n) = r { Some(n) } else { None })
    }
    pub fn notify(&self, kind: u16) -> Option<&NotifyRepr> {
        self.notifies().find(|n| n.kind == kind)
    }
    pub fn deletes(&self) -> impl Iterator<Item = &DeleteRepr> {
        self.list.iter().filter_map(|r| if let Repr::Delete(n) = r { Some(n) } else { None })
    }
    /// The first error notify (type below 16384), if any.
    pub fn error_notify(&self) -> Option<&NotifyRepr> {
        self.notifies().find(|n| n.kind < notify::FIRST_STATUS)
    }
}

/// Builds a payload chain (the body of a message or of an SK payload).
#[derive(Clone, Debug, Default)]
pub struct Builder {
    items: Vec<(u8, Vec<u8>)>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }
    pub fn add(mut self, r: &Repr) -> Builder {
        let mut b = Vec::new();
        r.emit(&mut b);
        self.items.push((r.kind(), b));
        self
    }
    pub fn raw(mut self, kind: u8, body: Vec<u8>) -> Builder {
        self.items.push((kind, body));
        self
    }
    pub fn push(&mut self, r: &Repr) {
        let mut b = Vec::new();
        r.emit(&mut b);
        self.items.push((r.kind(), b));
    }
    pub fn first(&self) -> u8 {
        self.items.first().map(|i| i.0).unwrap_or(payload::NONE)
    }
    pub fn kinds(&self) -> Vec<u8> {
        self.items.iter().map(|i| i.0).collect()
    }
    /// The chain's octets (generic headers linked); the last payload's next is `last_next`.
    pub fn chain(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, (_, body)) in self.items.iter().enumerate() {
            let next = self.items.get(i + 1).map(|n| n.0).unwrap_or(payload::NONE);
            out.push(next);
            out.push(0);
            out.extend_from_slice(&((body.len() + GENERIC_LEN) as u16).to_be_bytes());
            out.extend_from_slice(body);
        }
        out
    }
    /// A whole unencrypted message.
    pub fn message(&self, mut hdr: Header) -> Vec<u8> {
        let chain = self.chain();
        hdr.next = self.first();
        hdr.major = 2;
        hdr.minor = 0;
        hdr.length = (HEADER_LEN + chain.len()) as u32;
        let mut out = Vec::with_capacity(hdr.length as usize);
        hdr.emit(&mut out);
        out.extend_from_slice(&chain);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt, SeedableRng};

    fn hdr() -> Header {
        Header { spi_i: [1; 8], spi_r: [0; 8], next: 0, major: 2, minor: 0, exchange: exchange::IKE_SA_INIT, flags: flags::INITIATOR, msgid: 0, length: 0 }
    }

    fn sample() -> Vec<u8> {
        let sa = SaRepr {
            proposals: vec![
                ProposalRepr {
                    number: 1,
                    protocol: proto::IKE,
                    spi: vec![],
                    transforms: vec![
                        TransformRepr { kind: transform::ENCR, id: transform::ENCR_AES_CBC, key_len: Some(128) },
                        TransformRepr { kind: transform::PRF, id: transform::PRF_HMAC_SHA1, key_len: None },
                        TransformRepr { kind: transform::INTEG, id: transform::AUTH_HMAC_SHA1_96, key_len: None },
                        TransformRepr { kind: transform::DH, id: 14, key_len: None },
                    ],
                },
                ProposalRepr { number: 2, protocol: proto::ESP, spi: vec![1, 2, 3, 4], transforms: vec![TransformRepr { kind: transform::ENCR, id: 20, key_len: Some(256) }] },
            ],
        };
        Builder::new()
            .add(&Repr::Sa(sa))
            .add(&Repr::Ke(KeRepr { group: 14, data: vec![7; 256] }))
            .add(&Repr::Nonce(vec![9; 32]))
            .add(&Repr::Notify(NotifyRepr::new(notify::NAT_DETECTION_SOURCE_IP, vec![1; 20])))
            .add(&Repr::Idi(IdRepr { kind: id::FQDN, data: b"a.example".to_vec() }))
            .add(&Repr::Auth(AuthRepr { method: AUTH_SHARED_KEY_MIC, data: vec![3; 20] }))
            .add(&Repr::Tsi(TsRepr { selectors: vec![Ts::ANY, Ts { proto: 6, start_port: 80, end_port: 80, start: [10, 0, 0, 0].into(), end: [10, 0, 0, 255].into() }] }))
            .add(&Repr::Delete(DeleteRepr { protocol: proto::ESP, spis: vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]] }))
            .add(&Repr::Opaque { kind: payload::VID, body: b"edgesh".to_vec() })
            .add(&Repr::Opaque { kind: payload::CERTREQ, body: vec![4] })
            .message(hdr())
    }

    #[test]
    fn round_trip() {
        let m = sample();
        let h = Header::parse(&m).unwrap();
        assert_eq!(h.length as usize, m.len());
        let msg = Msg::parse(h.next, &m[HEADER_LEN..]).unwrap();
        assert_eq!(msg.kinds(), vec![33, 34, 40, 41, 35, 39, 44, 42, 43, 38]);
        let mut b = Builder::new();
        for r in &msg.list {
            b.push(r);
        }
        assert_eq!(b.message(hdr()), m);
        assert_eq!(msg.sa().unwrap().proposals[0].transforms[0].key_len, Some(128));
        assert_eq!(msg.tsi().unwrap().selectors.len(), 2);
    }

    #[test]
    fn header_and_critical_errors() {
        assert_eq!(Header::parse(&[0; 10]), Err(Error::HeaderTruncated { have: 10 }));
        let mut m = sample();
        m[17] = 0x10;
        assert_eq!(Header::parse(&m), Err(Error::MajorVersion(1)));
        let mut m = sample();
        m[0..8].copy_from_slice(&[0; 8]);
        assert_eq!(Header::parse(&m), Err(Error::ZeroInitiatorSpi));
        let mut m = sample();
        m[18] = 99;
        assert_eq!(Header::parse(&m), Err(Error::InvalidExchange(99)));
        // An unknown critical payload (type 6) and a non-critical one.
        let body = vec![0u8, 0x80, 0, 8, 1, 2, 3, 4];
        assert_eq!(payloads(6, &body), Err(Error::UnsupportedCritical(6)));
        assert_eq!(Error::UnsupportedCritical(6).notify(), Some(notify::UNSUPPORTED_CRITICAL_PAYLOAD));
        let body = vec![0u8, 0, 0, 8, 1, 2, 3, 4];
        assert_eq!(Msg::parse(6, &body).unwrap().list, vec![Repr::Unknown(6)]);
        assert_eq!(payloads(payload::VID, &[0, 0x80, 0, 4]), Err(Error::VendorCritical));
        assert_eq!(TsRepr::parse(&[0, 0, 0, 0]), Err(Error::ZeroTrafficSelectors));
        assert_eq!(DeleteRepr::parse(&[1, 4, 0, 1, 0, 0, 0, 0]), Err(Error::IkeSpiSizeNonZero { payload: payload::DELETE }));
        assert_eq!(parse_nonce(&[0; 300]), Err(Error::NonceLength(300)));
    }

    #[test]
    fn narrowing_intersects() {
        let a = Ts { proto: 0, start_port: 0, end_port: 65535, start: [10, 0, 0, 0].into(), end: [10, 0, 255, 255].into() };
        let b = Ts { proto: 17, start_port: 500, end_port: 500, start: [10, 0, 1, 0].into(), end: [10, 1, 0, 0].into() };
        assert_eq!(a.intersect(&b), Some(Ts { proto: 17, start_port: 500, end_port: 500, start: [10, 0, 1, 0].into(), end: [10, 0, 255, 255].into() }));
        let c = Ts { proto: 6, ..b };
        assert_eq!(b.intersect(&c), None);
    }

    /// Random bytes and mutations of a valid message never panic, and nothing
    /// parsed is larger than the input.
    #[test]
    fn fuzz_never_panics() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let base = sample();
        for i in 0..60_000 {
            let m: Vec<u8> = if i % 3 == 0 {
                let n = rng.random_range(0..200usize);
                (0..n).map(|_| rng.random()).collect()
            } else {
                let mut m = base.clone();
                for _ in 0..rng.random_range(1..6) {
                    let at = rng.random_range(0..m.len());
                    match rng.random_range(0..3) {
                        0 => m[at] = rng.random(),
                        1 => m[at] ^= 1 << rng.random_range(0..8),
                        _ => m.truncate(at.max(1)),
                    }
                }
                m
            };
            if let Ok(h) = Header::parse(&m) {
                if let Ok(msg) = Msg::parse(h.next, &m[HEADER_LEN..h.length as usize]) {
                    let mut b = Builder::new();
                    for r in &msg.list {
                        b.push(r);
                    }
                    assert!(b.chain().len() <= m.len());
                }
            }
            let _ = Msg::parse(rng.random_range(30..50), &m);
            let _ = SaRepr::parse(&m);
            let _ = TsRepr::parse(&m);
        }
        let _ = rng.next_u32();
    }
}
