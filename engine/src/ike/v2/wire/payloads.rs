//! The parsed representation (`*Repr`) of each IKEv2 payload body and its
//! encoding: SA (proposals, transforms, key-length attribute), KE, IDi/IDr,
//! AUTH, Nonce, Notify, Delete, TSi/TSr, CERT and CERTREQ; [`Repr`]
//! dispatches on the payload type. Every length is checked before it is read.

use super::*;

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
            id::IPV4_ADDR if self.data.len() == 4 => {
                write!(f, "{}", Ipv4Addr::new(self.data[0], self.data[1], self.data[2], self.data[3]))
            }
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
        if (protocol == proto::IKE || protocol == 0)
            && spi_size != 0
            && kind != notify::INVALID_SELECTORS
            && spi_size != 8
        {
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
    pub const ANY: Ts =
        Ts { proto: 0, start_port: 0, end_port: 0xffff, start: Ipv4Addr::UNSPECIFIED, end: Ipv4Addr::BROADCAST };
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
                selectors.push(Ts {
                    proto: r[1],
                    start_port: be16(r, 4),
                    end_port: be16(r, 6),
                    start: Ipv4Addr::new(r[8], r[9], r[10], r[11]),
                    end: Ipv4Addr::new(r[12], r[13], r[14], r[15]),
                });
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

/// AUTH methods with signatures: RSA (PKCS#1 v1.5 with SHA-1, RFC 7296 3.8),
/// ECDSA with SHA-256/P-256, SHA-384/P-384, SHA-512/P-521 (RFC 4754), and
/// RFC 7427 digital signatures (an AlgorithmIdentifier before the signature).
pub const AUTH_RSA_SIG: u8 = 1;
pub const AUTH_ECDSA_256: u8 = 9;
pub const AUTH_ECDSA_384: u8 = 10;
pub const AUTH_ECDSA_521: u8 = 11;
pub const AUTH_DIGITAL_SIGNATURE: u8 = 14;
/// RFC 7427 4: the hash algorithms a peer verifies signatures with (a status notify of IKE_SA_INIT).
pub const SIGNATURE_HASH_ALGORITHMS: u16 = 16431;
/// CERT and CERTREQ encoding 4: an X.509 certificate (signature); for CERTREQ,
/// SHA-1 hashes of trusted CAs' public key infos (RFC 7296 3.6, 3.7).
pub const CERT_X509_SIGNATURE: u8 = 4;

/// Whether a CERT encoding is one RFC 7296 3.6 (and RFC 7670's raw public
/// key, 14) defines. A CERT payload of any other encoding is refused by the
/// parser (SmartEdge Table 6 `INVALID_CERT_ENCODING_TYPE_ERROR`); of the
/// defined ones only X.509 signature (4) authenticates here (`auth.rs`).
pub fn cert_encoding_defined(e: u8) -> bool {
    matches!(e, 1..=4 | 6..=14)
}

/// CERT or CERTREQ: the encoding and its data (a DER certificate; 20-octet CA key hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertRepr {
    pub encoding: u8,
    pub data: Vec<u8>,
}

impl CertRepr {
    pub fn parse(b: &[u8], kind: u8) -> Result<CertRepr, Error> {
        let (&encoding, data) = b.split_first().ok_or(Error::Incomplete { payload: kind, have: 0 })?;
        Ok(CertRepr { encoding, data: data.to_vec() })
    }
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.encoding);
        out.extend_from_slice(&self.data);
    }
    /// The CA hashes of a CERTREQ of encoding 4 (whole 20-octet hashes only).
    pub fn ca_hashes(&self) -> impl Iterator<Item = &[u8]> {
        let n = if self.encoding == CERT_X509_SIGNATURE { self.data.len() / 20 } else { 0 };
        self.data.chunks_exact(20).take(n)
    }
}

/// The AUTH data of method 14 (RFC 7427 3): the AlgorithmIdentifier's DER and the signature.
pub fn split_digital_signature(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&n, rest) = data.split_first()?;
    (rest.len() > n as usize && n > 0).then(|| rest.split_at(n as usize))
}

/// The hash algorithms of a SIGNATURE_HASH_ALGORITHMS notify (2 octets each).
pub fn signature_hashes(data: &[u8]) -> Vec<u16> {
    data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect()
}

impl Msg {
    /// The CERT payloads, in order (the first is the signer's, RFC 7296 3.6).
    pub fn certs(&self) -> impl Iterator<Item = &CertRepr> {
        self.list.iter().filter_map(|r| if let Repr::Cert(c) = r { Some(c) } else { None })
    }
    pub fn certreqs(&self) -> impl Iterator<Item = &CertRepr> {
        self.list.iter().filter_map(|r| if let Repr::CertReq(c) = r { Some(c) } else { None })
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
    Cert(CertRepr),
    CertReq(CertRepr),
    /// Kept as received, not interpreted (Vendor ID, CP, EAP).
    Opaque {
        kind: u8,
        body: Vec<u8>,
    },
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
            payload::CERT => match CertRepr::parse(p.body, payload::CERT)? {
                c if !cert_encoding_defined(c.encoding) => return Err(Error::CertEncoding(c.encoding)),
                c => Repr::Cert(c),
            },
            payload::CERTREQ => Repr::CertReq(CertRepr::parse(p.body, payload::CERTREQ)?),
            payload::SK => return Err(Error::NestedEncrypted),
            // CP and EAP bodies are kept as received, but have a fixed part
            // to be short of: CFG Type and RESERVED (RFC 7296 3.15), the EAP
            // header's Code, Identifier and Length (3.16, RFC 3748 4).
            payload::CP | payload::EAP if p.body.len() < 4 => {
                return Err(Error::Incomplete { payload: p.kind, have: p.body.len() });
            }
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
            Repr::Cert(_) => payload::CERT,
            Repr::CertReq(_) => payload::CERTREQ,
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
            Repr::Cert(c) | Repr::CertReq(c) => c.emit(out),
            Repr::Opaque { body, .. } => out.extend_from_slice(body),
            Repr::Unknown(_) => {}
        }
    }
}
