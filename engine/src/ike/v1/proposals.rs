//! IKEv1 proposals on the wire: the configured IKE and IPsec proposals as
//! SA payload transforms (RFC 2409 appendix A, RFC 2407 4.5), offered
//! transforms read back into [`crate::ike::events::OfferedP1`] /
//! [`crate::ike::events::OfferedP2`], selectors and identities as ID
//! payloads, and the key lengths of the ESP algorithms.

use crate::config::*;
use crate::ike::conf::*;
use crate::ike::events::*;
use crate::ike::wire::{self, Attr, IdRepr, ProposalRepr, TransformRepr, proto};
use std::net::Ipv4Addr;

pub(in crate::ike) fn attr_encr(e: IkeEncr) -> Vec<Attr> {
    match e {
        IkeEncr::DesCbc => vec![Attr::basic(1, 1)],
        IkeEncr::TripleDesCbc => vec![Attr::basic(1, 5)],
        IkeEncr::Aes128Cbc => vec![Attr::basic(1, 7), Attr::basic(14, 128)],
        IkeEncr::Aes192Cbc => vec![Attr::basic(1, 7), Attr::basic(14, 192)],
        IkeEncr::Aes256Cbc => vec![Attr::basic(1, 7), Attr::basic(14, 256)],
        // IKEv1 peers carry no AEAD proposal (`conf` drops them); should one
        // come here it is offered as nothing a peer accepts (value 0 is reserved).
        IkeEncr::Aes128Gcm16 | IkeEncr::Aes256Gcm16 => vec![Attr::basic(1, 0)],
    }
}

pub(in crate::ike) fn hash_code(h: IkeAuthAlg) -> u16 {
    match h {
        IkeAuthAlg::HmacMd5_96 => 1,
        IkeAuthAlg::HmacSha1_96 => 2,
        IkeAuthAlg::HmacSha256 => 4,
        IkeAuthAlg::HmacSha384 => 5,
        IkeAuthAlg::HmacSha512 => 6,
    }
}

/// The authentication method value of a phase-1 transform (RFC 2409 appendix A;
/// ECDSA: RFC 4754 4, 9 = ECDSA-SHA256 on P-256, 10 = ECDSA-SHA384 on P-384,
/// chosen by the curve of our key, `ecdsa_method`; 11 (P-521) we do not have).
pub(in crate::ike) fn p1_transform(num: u8, p: &IkeProp, ecdsa_method: u16) -> TransformRepr {
    let mut attrs = attr_encr(p.encr);
    attrs.push(Attr::basic(2, hash_code(p.hash)));
    attrs.push(Attr::basic(
        3,
        match p.auth {
            AuthMethod::PreSharedKey => 1,
            AuthMethod::RsaSignature => 3,
            AuthMethod::EcdsaSignature => ecdsa_method,
        },
    ));
    attrs.push(Attr::basic(4, p.group));
    attrs.push(Attr::basic(11, 1));
    attrs.push(Attr::number(12, p.lifetime as u64));
    TransformRepr { number: num, id: 1, attrs }
}

/// RFC 4754 4: the IKEv1 authentication methods of ECDSA (11, SHA-512 on
/// P-521, is refused: no P-521 in our crates).
pub const ECDSA_SHA256_P256: u64 = 9;
pub const ECDSA_SHA384_P384: u64 = 10;

/// The authentication method value a transform carries (0 when none).
pub(in crate::ike) fn auth_value(t: &TransformRepr) -> u64 {
    t.attrs.iter().find(|a| a.kind == 3).and_then(|a| a.value_u64()).unwrap_or(0)
}

/// Read an offered phase-1 transform; `Err` names an attribute type we do not support.
pub(in crate::ike) fn offered_p1(t: &TransformRepr) -> Result<OfferedP1, u16> {
    let mut o =
        OfferedP1 { encr: Err(0), hash: Err(0), auth: Err(0), group: DEFAULT_DH_GROUP, lifetime: DEFAULT_LIFETIME };
    let mut enc = 0u16;
    let mut keylen = 0u16;
    let mut life_type = 1;
    for a in &t.attrs {
        let v = a.value_u64().unwrap_or(u64::MAX);
        match a.kind {
            1 => enc = v as u16,
            2 => {
                o.hash = match v {
                    1 => Ok(IkeAuthAlg::HmacMd5_96),
                    2 => Ok(IkeAuthAlg::HmacSha1_96),
                    4 => Ok(IkeAuthAlg::HmacSha256),
                    5 => Ok(IkeAuthAlg::HmacSha384),
                    6 => Ok(IkeAuthAlg::HmacSha512),
                    x => Err(x as u16),
                }
            }
            3 => {
                o.auth = match v {
                    1 => Ok(AuthMethod::PreSharedKey),
                    3 => Ok(AuthMethod::RsaSignature),
                    ECDSA_SHA256_P256 | ECDSA_SHA384_P384 => Ok(AuthMethod::EcdsaSignature),
                    x => Err(x as u16),
                }
            }
            4 => o.group = v as u16,
            11 => life_type = v,
            12 => {
                if life_type == 1 {
                    o.lifetime = v.min(u32::MAX as u64) as u32
                }
            }
            14 => keylen = v as u16,
            // group type/prime/generator/curve, PRF, field size, group order: only for private groups
            5..=10 | 13 | 15 | 16 => {}
            k => return Err(k),
        }
    }
    o.encr = match (enc, keylen) {
        (1, _) => Ok(IkeEncr::DesCbc),
        (5, _) => Ok(IkeEncr::TripleDesCbc),
        (7, 128) | (7, 0) => Ok(IkeEncr::Aes128Cbc),
        (7, 192) => Ok(IkeEncr::Aes192Cbc),
        (7, 256) => Ok(IkeEncr::Aes256Cbc),
        (e, _) => Err(e),
    };
    Ok(o)
}

pub(in crate::ike) fn esp_transform_id(e: EspEncr) -> (u8, Option<u16>) {
    match e {
        EspEncr::DesCbc => (2, None),
        EspEncr::TripleDesCbc => (3, None),
        EspEncr::Null => (11, None),
        EspEncr::Aes128Cbc => (12, Some(128)),
        EspEncr::Aes192Cbc => (12, Some(192)),
        EspEncr::Aes256Cbc => (12, Some(256)),
        EspEncr::Aes128Gcm => (20, Some(128)),
        EspEncr::Aes192Gcm => (20, Some(192)),
        EspEncr::Aes256Gcm => (20, Some(256)),
    }
}

pub(in crate::ike) fn esp_from_id(id: u8, keylen: Option<u16>) -> Option<EspEncr> {
    Some(match (id, keylen) {
        (2, _) => EspEncr::DesCbc,
        (3, _) => EspEncr::TripleDesCbc,
        (11, _) => EspEncr::Null,
        (12, Some(128) | None) => EspEncr::Aes128Cbc,
        (12, Some(192)) => EspEncr::Aes192Cbc,
        (12, Some(256)) => EspEncr::Aes256Cbc,
        (20, Some(128) | None) => EspEncr::Aes128Gcm,
        (20, Some(192)) => EspEncr::Aes192Gcm,
        (20, Some(256)) => EspEncr::Aes256Gcm,
        _ => return None,
    })
}

pub(in crate::ike) fn auth_code(a: EspAuth) -> u16 {
    match a {
        EspAuth::HmacMd5_96 => 1,
        EspAuth::HmacSha1_96 => 2,
        EspAuth::HmacSha256_128 => 5,
        EspAuth::HmacSha384_192 => 6,
        EspAuth::HmacSha512_256 => 7,
        EspAuth::HmacAesXcbc => 9,
    }
}

pub(in crate::ike) fn auth_from_code(c: u16) -> Option<EspAuth> {
    Some(match c {
        1 => EspAuth::HmacMd5_96,
        2 => EspAuth::HmacSha1_96,
        5 => EspAuth::HmacSha256_128,
        6 => EspAuth::HmacSha384_192,
        7 => EspAuth::HmacSha512_256,
        9 => EspAuth::HmacAesXcbc,
        _ => return None,
    })
}

pub(in crate::ike) fn ah_transform_id(a: EspAuth) -> u8 {
    match a {
        EspAuth::HmacMd5_96 => 2,
        EspAuth::HmacSha1_96 => 3,
        EspAuth::HmacSha256_128 => 5,
        EspAuth::HmacSha384_192 => 6,
        EspAuth::HmacSha512_256 => 7,
        EspAuth::HmacAesXcbc => 9,
    }
}

pub fn esp_key_len(e: EspEncr) -> usize {
    match e {
        EspEncr::Null => 0,
        EspEncr::DesCbc => 8,
        EspEncr::TripleDesCbc => 24,
        EspEncr::Aes128Cbc => 16,
        EspEncr::Aes192Cbc => 24,
        EspEncr::Aes256Cbc => 32,
        EspEncr::Aes128Gcm => 20,
        EspEncr::Aes192Gcm => 28,
        EspEncr::Aes256Gcm => 36,
    }
}

pub fn auth_key_len(a: EspAuth) -> usize {
    match a {
        EspAuth::HmacMd5_96 => 16,
        EspAuth::HmacSha1_96 => 20,
        EspAuth::HmacSha256_128 => 32,
        EspAuth::HmacSha384_192 => 48,
        EspAuth::HmacSha512_256 => 64,
        EspAuth::HmacAesXcbc => 16,
    }
}

/// The IKEv1 encapsulation mode attribute (RFC 2407 4.5, RFC 3947 3):
/// tunnel 1, transport 2, UDP-encapsulated tunnel 3 and transport 4.
pub(in crate::ike) fn encapsulation_mode(udp: bool, transport: bool) -> u16 {
    match (udp, transport) {
        (false, false) => 1,
        (false, true) => 2,
        (true, false) => 3,
        (true, true) => 4,
    }
}

/// Whether an encapsulation mode attribute says transport (RFC values, and
/// the draft values 61443/61444 older peers send for UDP).
pub(in crate::ike) fn is_transport_mode(encap: u16) -> bool {
    matches!(encap, 2 | 4 | 61444)
}

/// The IPsec SA attribute "Extended (64-bit) Sequence Number" (RFC 4304 2) and its one value.
pub(in crate::ike) const ATTR_ESN: u16 = 11;
const ESN_64: u16 = 1;

/// Whether an offered (or chosen) ESN setting suits a child's choice.
pub(in crate::ike) fn esn_acceptable(conf: Esn, offered: bool) -> bool {
    match conf {
        Esn::Off => !offered,
        Esn::Preferred => true,
        Esn::Required => offered,
    }
}

/// The transform attributes of a proposal (`esn`: with attribute 11).
pub(in crate::ike) fn p2_attrs(
    p: &EspProp,
    pfs: Option<u16>,
    encap: bool,
    keylen: Option<u16>,
    auth: Option<EspAuth>,
    esn: bool,
) -> Vec<Attr> {
    let mut a = vec![Attr::basic(1, 1), Attr::number(2, p.lifetime_seconds as u64)];
    if let Some(kb) = p.lifetime_kbytes {
        a.push(Attr::basic(1, 2));
        a.push(Attr::number(2, kb));
    }
    if let Some(g) = pfs {
        a.push(Attr::basic(3, g));
    }
    a.push(Attr::basic(4, encapsulation_mode(encap, p.transport.is_some())));
    if let Some(au) = auth {
        a.push(Attr::basic(5, auth_code(au)));
    }
    if let Some(k) = keylen {
        a.push(Attr::basic(6, k));
    }
    if esn {
        a.push(Attr::basic(ATTR_ESN, ESN_64));
    }
    a
}

/// The proposals (one number per configured proposal; AH and ESP of one
/// proposal share it). ESN (RFC 4304): each transform with attribute 11
/// ([`Esn::Required`]), or that one and then the same without it, the
/// responder taking either ([`Esn::Preferred`]).
pub(in crate::ike) fn p2_proposals(
    props: &[EspProp],
    pfs: Option<u16>,
    encap: bool,
    spi: u32,
    esn: Esn,
) -> Vec<ProposalRepr> {
    let variants: &[bool] = match esn {
        Esn::Off => &[false],
        Esn::Preferred => &[true, false],
        Esn::Required => &[true],
    };
    let transforms = |id: u8, kl: Option<u16>, auth: Option<EspAuth>, p: &EspProp| -> Vec<TransformRepr> {
        variants
            .iter()
            .enumerate()
            .map(|(i, &e)| TransformRepr { number: i as u8 + 1, id, attrs: p2_attrs(p, pfs, encap, kl, auth, e) })
            .collect()
    };
    let mut out = Vec::new();
    for (i, p) in props.iter().enumerate() {
        let n = i as u8 + 1;
        if let Some(ah) = p.ah {
            out.push(ProposalRepr {
                number: n,
                protocol: proto::AH,
                spi: spi.to_be_bytes().to_vec(),
                transforms: transforms(ah_transform_id(ah), None, Some(ah), p),
            });
        }
        if let Some((e, au)) = p.esp {
            let (id, kl) = esp_transform_id(e);
            out.push(ProposalRepr {
                number: n,
                protocol: proto::ESP,
                spi: spi.to_be_bytes().to_vec(),
                transforms: transforms(id, kl, au, p),
            });
        }
    }
    out
}

pub(in crate::ike) fn offered_p2(protocol: u8, t: &TransformRepr) -> OfferedP2 {
    let mut o = OfferedP2 {
        protocol,
        transform_id: t.id,
        esp: None,
        auth: None,
        auth_raw: 0,
        group: None,
        encap: 1,
        lifetime_seconds: None,
        lifetime_kbytes: None,
        esn: false,
    };
    let mut life_type = 1;
    let mut keylen = None;
    for a in &t.attrs {
        let v = a.value_u64().unwrap_or(0);
        match a.kind {
            1 => life_type = v,
            2 => {
                if life_type == 2 {
                    o.lifetime_kbytes = Some(v.min(u32::MAX as u64) as u32)
                } else {
                    o.lifetime_seconds = Some(v.min(u32::MAX as u64) as u32)
                }
            }
            3 => o.group = Some(v as u16),
            4 => o.encap = v as u16,
            5 => {
                o.auth_raw = v as u16;
                o.auth = auth_from_code(v as u16)
            }
            6 => keylen = Some(v as u16),
            ATTR_ESN => o.esn = v == u64::from(ESN_64),
            _ => {}
        }
    }
    if protocol == proto::ESP {
        o.esp = esp_from_id(t.id, keylen);
    } else if protocol == proto::AH {
        o.auth = match t.id {
            2 => Some(EspAuth::HmacMd5_96),
            3 => Some(EspAuth::HmacSha1_96),
            5 => Some(EspAuth::HmacSha256_128),
            6 => Some(EspAuth::HmacSha384_192),
            7 => Some(EspAuth::HmacSha512_256),
            9 => Some(EspAuth::HmacAesXcbc),
            _ => None,
        };
    }
    o
}

pub(in crate::ike) fn selector_id(s: &Selector) -> IdRepr {
    if s.net.len == 32 {
        IdRepr {
            id_type: wire::id_type::IPV4_ADDR,
            protocol: s.proto,
            port: s.port,
            data: s.net.addr.octets().to_vec(),
        }
    } else {
        let mut data = s.net.network().octets().to_vec();
        data.extend_from_slice(&s.mask().octets());
        IdRepr { id_type: wire::id_type::IPV4_ADDR_SUBNET, protocol: s.proto, port: s.port, data }
    }
}

pub(in crate::ike) fn identity_id(i: &Identity) -> IdRepr {
    match i {
        Identity::Ipv4(a) => IdRepr::ipv4(*a),
        Identity::Fqdn(s) => IdRepr { id_type: wire::id_type::FQDN, protocol: 0, port: 0, data: s.as_bytes().to_vec() },
        Identity::UserFqdn(s) => {
            IdRepr { id_type: wire::id_type::USER_FQDN, protocol: 0, port: 0, data: s.as_bytes().to_vec() }
        }
        Identity::Dn(der) => IdRepr { id_type: wire::id_type::DER_ASN1_DN, protocol: 0, port: 0, data: der.clone() },
        Identity::Any => IdRepr::ipv4(Ipv4Addr::UNSPECIFIED),
    }
}
