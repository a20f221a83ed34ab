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

mod numbers;
mod payloads;

pub use numbers::*;
pub use payloads::*;

/// Why a message was refused. Every variant carries the values a log line
/// needs (SmartEdge Table 6 prints the lengths).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the 28-octet header.
    HeaderTruncated {
        have: usize,
    },
    /// The header's length field disagrees with the datagram.
    TotalLength {
        received: usize,
        header: usize,
    },
    MajorVersion(u8),
    ZeroInitiatorSpi,
    InvalidExchange(u8),
    InvalidNextPayload(u8),
    /// A generic payload header runs past the message, or its length is below 4.
    GenericLength {
        payload: u8,
        length: usize,
        available: usize,
    },
    /// A payload body shorter than its fixed part.
    Incomplete {
        payload: u8,
        have: usize,
    },
    /// A payload's inner length (proposal, transform, attribute, TS) is wrong.
    ProposalLength {
        length: usize,
        available: usize,
    },
    TransformLength {
        length: usize,
        available: usize,
    },
    IncompleteTransform {
        have: usize,
    },
    AttributeLength {
        length: usize,
        available: usize,
    },
    /// A TLV attribute where only TV ones exist (AF bit clear).
    AttributeAfBit,
    InvalidAttributeType {
        kind: u16,
        proposal: u8,
    },
    InvalidProtocolId {
        protocol: u8,
        proposal: u8,
    },
    InvalidSpiSize {
        size: u8,
        proposal: u8,
    },
    ZeroTransforms {
        proposal: u8,
    },
    InvalidIdType(u8),
    /// A CERT payload whose encoding is none of RFC 7296 3.6's (0, 5, 15 and up).
    CertEncoding(u8),
    InvalidAuthMethod(u8),
    NonceLength(usize),
    InvalidNotifyProtocol(u8),
    /// A notify or delete about the IKE SA with an SPI.
    IkeSpiSizeNonZero {
        payload: u8,
    },
    InvalidDeleteProtocol(u8),
    ZeroTrafficSelectors,
    InvalidTsType(u8),
    InvalidTsLength(usize),
    IncompleteTs {
        have: usize,
    },
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
            Error::Integrity | Error::HeaderTruncated { .. } | Error::TotalLength { .. } | Error::ZeroInitiatorSpi => {
                None
            }
            _ => Some(notify::INVALID_SYNTAX),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
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
    /// The notify message types, in order.
    pub fn notify_types(&self) -> Vec<u16> {
        self.notifies().map(|n| n.kind).collect()
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
    /// The notify message types, in order (from the bodies built).
    pub fn notify_types(&self) -> Vec<u16> {
        self.items
            .iter()
            .filter(|i| i.0 == payload::NOTIFY)
            .filter_map(|i| Some(u16::from_be_bytes([*i.1.get(2)?, *i.1.get(3)?])))
            .collect()
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
        Header {
            spi_i: [1; 8],
            spi_r: [0; 8],
            next: 0,
            major: 2,
            minor: 0,
            exchange: exchange::IKE_SA_INIT,
            flags: flags::INITIATOR,
            msgid: 0,
            length: 0,
        }
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
                ProposalRepr {
                    number: 2,
                    protocol: proto::ESP,
                    spi: vec![1, 2, 3, 4],
                    transforms: vec![TransformRepr { kind: transform::ENCR, id: 20, key_len: Some(256) }],
                },
            ],
        };
        Builder::new()
            .add(&Repr::Sa(sa))
            .add(&Repr::Ke(KeRepr { group: 14, data: vec![7; 256] }))
            .add(&Repr::Nonce(vec![9; 32]))
            .add(&Repr::Notify(NotifyRepr::new(notify::NAT_DETECTION_SOURCE_IP, vec![1; 20])))
            .add(&Repr::Idi(IdRepr { kind: id::FQDN, data: b"a.example".to_vec() }))
            .add(&Repr::Auth(AuthRepr { method: AUTH_SHARED_KEY_MIC, data: vec![3; 20] }))
            .add(&Repr::Tsi(TsRepr {
                selectors: vec![
                    Ts::ANY,
                    Ts {
                        proto: 6,
                        start_port: 80,
                        end_port: 80,
                        start: [10, 0, 0, 0].into(),
                        end: [10, 0, 0, 255].into(),
                    },
                ],
            }))
            .add(&Repr::Delete(DeleteRepr { protocol: proto::ESP, spis: vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]] }))
            .add(&Repr::Opaque { kind: payload::VID, body: b"edgesh".to_vec() })
            .add(&Repr::CertReq(CertRepr { encoding: CERT_X509_SIGNATURE, data: vec![] }))
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
        assert_eq!(
            DeleteRepr::parse(&[1, 4, 0, 1, 0, 0, 0, 0]),
            Err(Error::IkeSpiSizeNonZero { payload: payload::DELETE })
        );
        assert_eq!(parse_nonce(&[0; 300]), Err(Error::NonceLength(300)));
    }

    #[test]
    fn narrowing_intersects() {
        let a =
            Ts { proto: 0, start_port: 0, end_port: 65535, start: [10, 0, 0, 0].into(), end: [10, 0, 255, 255].into() };
        let b =
            Ts { proto: 17, start_port: 500, end_port: 500, start: [10, 0, 1, 0].into(), end: [10, 1, 0, 0].into() };
        assert_eq!(
            a.intersect(&b),
            Some(Ts {
                proto: 17,
                start_port: 500,
                end_port: 500,
                start: [10, 0, 1, 0].into(),
                end: [10, 0, 255, 255].into()
            })
        );
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
            if let Ok(h) = Header::parse(&m)
                && let Ok(msg) = Msg::parse(h.next, &m[HEADER_LEN..h.length as usize])
            {
                let mut b = Builder::new();
                for r in &msg.list {
                    b.push(r);
                }
                assert!(b.chain().len() <= m.len());
            }
            let _ = Msg::parse(rng.random_range(30..50), &m);
            let _ = SaRepr::parse(&m);
            let _ = TsRepr::parse(&m);
        }
        let _ = rng.next_u32();
    }
}
