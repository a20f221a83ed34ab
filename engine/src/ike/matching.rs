//! Proposal and selector matching, as free functions: an offered transform
//! against a configured proposal (the first difference, in IOS's order),
//! identities against configured ones (exact, partial, wildcard), ID payloads
//! as selectors, and lifetimes negotiated down. Version-neutral where the
//! values are; IKEv2 adds its transform matching beside these.

use crate::config::*;
use crate::ike::conf::*;
use crate::ike::events::*;
use crate::ike::wire::{self, IdRepr};
use std::net::Ipv4Addr;

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

/// How well a received identity matches a configured one: exact 3, partial
/// (`*.example.com`) 2, wildcard 1, no match 0.
pub fn identity_match(conf: &Identity, id: &IdRepr) -> u8 {
    let text = id.data_text();
    match conf {
        Identity::Any => 1,
        Identity::Ipv4(a) => (id.id_type == wire::id_type::IPV4_ADDR && id.addr(0) == Some(*a)) as u8 * 3,
        Identity::Fqdn(s) | Identity::UserFqdn(s) => {
            let want_type = if matches!(conf, Identity::Fqdn(_)) { wire::id_type::FQDN } else { wire::id_type::USER_FQDN };
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
