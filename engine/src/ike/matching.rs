//! Proposal and selector matching, as free functions: an offered transform
//! against a configured proposal (the first difference, in IOS's order),
//! identities against configured ones (exact, partial, wildcard), ID payloads
//! as selectors, and lifetimes negotiated down. Version-neutral where the
//! values are; IKEv2 adds its transform matching beside these.

use crate::config::*;
use crate::ike::conf::*;
use crate::ike::events::*;
use crate::ike::v1::proposals::{offered_p1, offered_p2};
use crate::ike::wire::{self, IdRepr, ProposalRepr, ProposalSyntax, SaRepr, TransformRepr, WireError, notify, proto};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

pub(in crate::ike) fn check_p1(o: &OfferedP1, c: &IkeProp) -> Result<(), P1Mismatch> {
    if o.encr != Ok(c.encr) {
        return Err(P1Mismatch::Encryption { offered: o.encr, configured: c.encr });
    }
    if o.hash != Ok(c.hash) {
        return Err(P1Mismatch::Hash { offered: o.hash, configured: c.hash });
    }
    if o.auth != Ok(c.auth) {
        return Err(P1Mismatch::AuthMethod { offered: o.auth, configured: c.auth });
    }
    if o.group != c.group {
        return Err(P1Mismatch::Group { offered: o.group, configured: c.group });
    }
    Ok(())
}

/// The selector an ID payload names (`None` for types that are not IPv4 addresses).
pub fn id_selector(id: &IdRepr) -> Option<Selector> {
    let net = match id.id_type {
        wire::id_type::IPV4_ADDR => Prefix4 { addr: id.addr(0)?, len: 32 },
        wire::id_type::IPV4_ADDR_SUBNET => {
            let m = u32::from(id.addr(1)?);
            if m.leading_ones() + m.trailing_zeros() != 32 {
                return None;
            }
            let len = m.leading_ones() as u8;
            Prefix4 { addr: Prefix4 { addr: id.addr(0)?, len }.network(), len }
        }
        wire::id_type::IPV4_ADDR_RANGE => {
            let (a, b) = (u32::from(id.addr(0)?), u32::from(id.addr(1)?));
            let size = b.wrapping_sub(a).wrapping_add(1);
            if b < a || (size != 0 && !size.is_power_of_two()) || (size != 0 && a % size != 0) {
                return None;
            }
            Prefix4 { addr: Ipv4Addr::from(a), len: if size == 0 { 0 } else { 32 - size.trailing_zeros() as u8 } }
        }
        _ => return None,
    };
    Some(Selector { net, proto: id.protocol, port: id.port })
}

/// A subnet identity whose address has bits outside its mask
/// (`10.1.1.1/255.255.255.0`): [`id_selector`] would take its network, but
/// IOS's key engine refuses such proxy identities (seed 002).
pub fn has_host_bits(id: &IdRepr) -> bool {
    id.id_type == wire::id_type::IPV4_ADDR_SUBNET
        && matches!((id.addr(0), id.addr(1)), (Some(a), Some(m)) if u32::from(a) & !u32::from(m) != 0)
}

/// How well a received identity matches a configured one: exact 3, partial
/// (`*.example.com`) 2, wildcard 1, no match 0.
pub fn identity_match(conf: &Identity, id: &IdRepr) -> u8 {
    let text = id.data_text();
    match conf {
        Identity::Any => 1,
        Identity::Ipv4(a) => (id.id_type == wire::id_type::IPV4_ADDR && id.addr(0) == Some(*a)) as u8 * 3,
        Identity::Dn(der) => {
            (id.id_type == wire::id_type::DER_ASN1_DN && crate::pki::ident::same_name(der, &id.data)) as u8 * 3
        }
        Identity::Fqdn(s) | Identity::UserFqdn(s) => {
            let want_type =
                if matches!(conf, Identity::Fqdn(_)) { wire::id_type::FQDN } else { wire::id_type::USER_FQDN };
            if id.id_type != want_type {
                return 0;
            }
            if s.eq_ignore_ascii_case(&text) {
                3
            } else if s == "*" {
                1
            } else if let Some(suffix) = s.strip_prefix('*') {
                (text.to_ascii_lowercase().ends_with(&suffix.to_ascii_lowercase())) as u8 * 2
            } else {
                0
            }
        }
    }
}

/// The smaller of two kilobyte lifetimes, where none means unlimited.
pub(in crate::ike) fn min_volume(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A phase-1 transform read for `pc`: ECDSA (RFC 4754) methods name the
/// curve, and one our key is not on is an authentication method we cannot do
/// (`Err(value)`), offered to us or chosen by the responder.
pub(in crate::ike) fn offered_p1_for(t: &TransformRepr, pc: &PeerConf) -> Result<crate::ike::events::OfferedP1, u16> {
    let mut o = offered_p1(t)?;
    let v = crate::ike::v1::proposals::auth_value(t);
    if o.auth == Ok(crate::config::AuthMethod::EcdsaSignature) && v != crate::ike::v1::sig_auth::ecdsa_method(pc) as u64
    {
        o.auth = Err(v as u16);
    }
    Ok(o)
}

/// Phase-1 proposal selection (responder): the configured proposals by
/// priority, each against every offered transform; every check is reported.
pub(in crate::ike) fn select_p1(
    events: &mut VecDeque<Event>,
    conn: u32,
    offer: &SaRepr,
    pc: &PeerConf,
    remote: SocketAddrV4,
) -> Option<(TransformRepr, IkeProp)> {
    let rip = *remote.ip();
    let Some(p) = offer.proposals.first() else { return None };
    if p.protocol != proto::ISAKMP {
        events.push_back(Event::Malformed {
            peer: remote,
            error: WireError::BadProposalSyntax(ProposalSyntax::InvalidProtocol(p.protocol)),
            answered: Some(notify::INVALID_PROTOCOL_ID),
        });
        return None;
    }
    let mut offered = Vec::new();
    for t in &p.transforms {
        if t.id != 1 {
            events.push_back(Event::Malformed {
                peer: remote,
                error: WireError::BadProposalSyntax(ProposalSyntax::InvalidTransformId(t.id)),
                answered: Some(notify::INVALID_TRANSFORM_ID),
            });
            continue;
        }
        match offered_p1_for(t, pc) {
            Ok(o) => offered.push((t.clone(), o)),
            Err(a) => events.push_back(Event::Malformed {
                peer: remote,
                error: WireError::BadProposalSyntax(ProposalSyntax::UnsupportedAttribute(a)),
                answered: Some(notify::ATTRIBUTES_NOT_SUPPORTED),
            }),
        }
    }
    for (prio, c) in pc.proposals.iter().enumerate() {
        for (i, (t, o)) in offered.iter().enumerate() {
            let result = check_p1(o, c);
            let ok = result.is_ok();
            events.push_back(Event::P1Check {
                conn,
                peer: rip,
                transform: t.number,
                proposal: c.name.clone(),
                priority: prio,
                offered: o.clone(),
                result,
                more: i + 1 < offered.len(),
            });
            if ok {
                let mut chosen = c.clone();
                chosen.lifetime = o.lifetime.min(c.lifetime).max(1);
                return Some((t.clone(), chosen));
            }
        }
    }
    None
}

/// Quick-mode proposal selection (responder): each offered proposal number
/// (its AH and ESP parts together) against the configured proposals; the
/// first difference of each is reported.
/// Match the offered phase-2 proposals against a child's configuration.
/// Returns our proposal and their proposal(s) of the chosen number.
pub(in crate::ike) fn select_p2(
    events: &mut VecDeque<Event>,
    conn: u32,
    peer: Ipv4Addr,
    offer: &SaRepr,
    cc: &ChildConf,
    has_ke: bool,
) -> Option<(EspProp, Vec<ProposalRepr>)> {
    let mut numbers: Vec<u8> = offer.proposals.iter().map(|p| p.number).collect();
    numbers.dedup();
    let nn = numbers.len();
    for (ni, n) in numbers.into_iter().enumerate() {
        let group: Vec<&ProposalRepr> = offer.proposals.iter().filter(|p| p.number == n).collect();
        for ours in &cc.proposals {
            let ah_off = group.iter().filter(|p| p.protocol == proto::AH).count();
            let esp_off = group.iter().filter(|p| p.protocol == proto::ESP).count();
            let (ah_conf, esp_conf) = (ours.ah.is_some() as usize, ours.esp.is_some() as usize);
            // Each protocol: any of its transforms may match.
            let mut picked: Vec<ProposalRepr> = Vec::new();
            let mut failure: Option<(u8, OfferedP2, P2Mismatch)> = None;
            if ah_off != ah_conf || esp_off != esp_conf {
                let t = group.first().and_then(|p| p.transforms.first());
                if let Some(t) = t {
                    failure = Some((
                        t.number,
                        offered_p2(group[0].protocol, t),
                        P2Mismatch::Protocols {
                            ah_offered: ah_off,
                            ah_configured: ah_conf,
                            esp_offered: esp_off,
                            esp_configured: esp_conf,
                        },
                    ));
                }
            } else {
                for p in &group {
                    let mut found = None;
                    for t in &p.transforms {
                        let o = offered_p2(p.protocol, t);
                        let r = if p.protocol == proto::ESP {
                            let (ce, ca) = ours.esp.unwrap_or((EspEncr::Null, None));
                            if o.esp != Some(ce) {
                                Err(P2Mismatch::Encryption { offered: o.esp, configured: Some(ce) })
                            } else if o.auth != ca {
                                Err(P2Mismatch::Auth { offered: o.auth, configured: ca })
                            } else {
                                Ok(())
                            }
                        } else if p.protocol == proto::AH && o.auth != ours.ah {
                            Err(P2Mismatch::Auth { offered: o.auth, configured: ours.ah })
                        } else if p.protocol != proto::AH && p.protocol != proto::ESP {
                            Err(P2Mismatch::Protocols {
                                ah_offered: ah_off,
                                ah_configured: ah_conf,
                                esp_offered: esp_off,
                                esp_configured: esp_conf,
                            })
                        } else {
                            Ok(())
                        };
                        let r = r.and_then(|_| {
                            if o.group != cc.pfs || (cc.pfs.is_some() && !has_ke) {
                                Err(P2Mismatch::Pfs { offered: o.group, configured: cc.pfs })
                            } else {
                                Ok(())
                            }
                        });
                        // Transport mode only where the transform set asks for it; IOS
                        // `mode transport` falls back to tunnel, `require` does not.
                        let offered_transport = crate::ike::v1::proposals::is_transport_mode(o.encap);
                        let mode_ok = match ours.transport {
                            None => !offered_transport,
                            Some(crate::config::TransportMode::Preferred) => true,
                            Some(crate::config::TransportMode::Required) => offered_transport,
                        };
                        let r = r.and(if mode_ok { Ok(()) } else { Err(P2Mismatch::Mode { offered_transport }) });
                        let r = r.and_then(|_| {
                            if crate::ike::v1::proposals::esn_acceptable(cc.esn, o.esn) {
                                Ok(())
                            } else {
                                Err(P2Mismatch::Esn { offered: o.esn })
                            }
                        });
                        match r {
                            Ok(()) => {
                                events.push_back(Event::P2Check {
                                    conn,
                                    peer,
                                    proposal: n,
                                    transform: t.number,
                                    offered: o,
                                    result: Ok(()),
                                    more: false,
                                });
                                found = Some(ProposalRepr {
                                    number: p.number,
                                    protocol: p.protocol,
                                    spi: p.spi.clone(),
                                    transforms: vec![t.clone()],
                                });
                                break;
                            }
                            Err(m) => failure = Some((t.number, o, m)),
                        }
                    }
                    match found {
                        Some(f) => picked.push(f),
                        None => break,
                    }
                }
            }
            if picked.len() == group.len() && failure.is_none() {
                return Some((ours.clone(), picked));
            }
            if picked.len() == group.len() {
                return Some((ours.clone(), picked));
            }
            if let Some((t, o, m)) = failure {
                events.push_back(Event::P2Check {
                    conn,
                    peer,
                    proposal: n,
                    transform: t,
                    offered: o,
                    result: Err(m),
                    more: ni + 1 < nn,
                });
            }
        }
    }
    None
}
