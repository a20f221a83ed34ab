//! IOS access lists as engine selectors: address and port specs, object-group
//! expansion, `permit` entries as ACL rules, and the copy of a global ACL into
//! the context whose tunnel reads it.

use super::super::IosDoc;
use super::super::names::{mask_len, words};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub(super) fn wildcard_len(w: Ipv4Addr) -> Option<u8> {
    mask_len(Ipv4Addr::from(!u32::from(w)))
}

/// An IOS address spec (`any`, `host A`, `A WILDCARD`) as an ACL address; returns the words used.
pub(super) fn acl_addr(w: &[&str]) -> Option<(AclAddr, usize)> {
    match w {
        ["any", ..] => Some((AclAddr::Any, 1)),
        ["host", a, ..] => Some((AclAddr::Prefix(Prefix4 { addr: a.parse().ok()?, len: 32 }), 2)),
        [a, m, ..] => {
            let len = wildcard_len(m.parse().ok()?)?;
            // The address's bits under the wildcard do not count (IOS clears them as it stores the entry).
            let addr = Prefix4 { addr: a.parse().ok()?, len };
            Some((AclAddr::Prefix(Prefix4 { addr: addr.network(), len }), 2))
        }
        _ => None,
    }
}

pub(super) fn port(protocol: &str, w: &[&str]) -> Option<((PortOp, u16), usize)> {
    match w {
        [op, p, ..] => {
            let op = PortOp::from_word(op)?;
            let p = crate::ios::acl_check::PORTS.number(protocol, p)?;
            Some(((op, p), 2))
        }
        _ => None,
    }
}

/// The `object-group network|service NAME` definitions: each member as the
/// ACL words it stands for (`host A`, `A WILDCARD`; `tcp eq 80`), nested
/// `group-object`s expanded (a cycle or an unknown member: `None`).
pub(super) fn object_groups(doc: &IosDoc) -> BTreeMap<String, (bool, Option<Vec<Vec<String>>>)> {
    let mut raw: BTreeMap<String, (bool, Vec<Vec<String>>)> = BTreeMap::new();
    for n in &doc.root {
        if let ["object-group", kind @ ("network" | "service"), name] = words(&n.text).as_slice() {
            let members = n.children.iter().map(|c| words(&c.text).iter().map(|w| w.to_string()).collect()).collect();
            raw.insert(name.to_string(), (*kind == "network", members));
        }
    }
    fn expand(name: &str, raw: &BTreeMap<String, (bool, Vec<Vec<String>>)>, depth: usize) -> Option<Vec<Vec<String>>> {
        let (network, members) = raw.get(name)?;
        if depth > 8 {
            return None;
        }
        let mut out = Vec::new();
        for m in members {
            let m: Vec<&str> = m.iter().map(String::as_str).collect();
            match (network, m.as_slice()) {
                (_, ["description", ..]) => {}
                (_, ["group-object", g]) => out.extend(expand(g, raw, depth + 1)?),
                (true, ["host", a] | ["network-object", "host", a]) => out.push(vec!["host".into(), a.to_string()]),
                (true, [a, mask] | ["network-object", a, mask]) => {
                    let m: Ipv4Addr = mask.parse().ok()?;
                    out.push(vec![a.to_string(), Ipv4Addr::from(!u32::from(m)).to_string()]);
                }
                (false, [proto, rest @ ..]) => {
                    out.push(std::iter::once(proto.to_string()).chain(rest.iter().map(|w| w.to_string())).collect())
                }
                _ => return None,
            }
        }
        Some(out)
    }
    raw.keys().map(|k| (k.clone(), (raw[k].0, expand(k, &raw, 0)))).collect()
}

/// An ACL entry with object-groups, as the entries without them it stands
/// for (`permit object-group SVC object-group NET any` is one entry per
/// service and network member). `None`: a group is unknown or cannot be
/// expanded.
pub(super) fn expand_entry(
    w: &[&str],
    groups: &BTreeMap<String, (bool, Option<Vec<Vec<String>>>)>,
) -> Option<Vec<Vec<String>>> {
    let mut out: Vec<(Vec<String>, Vec<String>)> = vec![(Vec::new(), Vec::new())];
    let mut i = 0;
    while i < w.len() {
        if w[i] == "object-group" {
            let (network, members) = groups.get(*w.get(i + 1)?)?;
            let members = members.as_ref()?;
            let mut next = Vec::new();
            for (words, tail) in &out {
                for m in members {
                    if *network {
                        let mut x = words.clone();
                        x.extend(m.iter().cloned());
                        next.push((x, tail.clone()));
                    } else {
                        // A service member: its protocol here, its ports after the destination.
                        let mut x = words.clone();
                        x.push(m[0].clone());
                        let mut t = tail.clone();
                        t.extend(m[1..].iter().cloned());
                        next.push((x, t));
                    }
                }
            }
            out = next;
            i += 2;
        } else {
            for (x, _) in out.iter_mut() {
                x.push(w[i].to_string());
            }
            i += 1;
        }
    }
    Some(
        out.into_iter()
            .map(|(mut x, t)| {
                x.extend(t);
                x
            })
            .collect(),
    )
}

/// `permit PROTO SRC [PORT] DST [PORT]` as an ACL rule (`deny` and
/// non-contiguous wildcards cannot be expressed: noted by the caller).
pub(super) fn acl_rule(w: &[&str]) -> Option<AclRule> {
    let (proto, rest) = w.split_first()?;
    let protocol = crate::cisco_acl::protocol(proto)?;
    let (src, n) = acl_addr(rest)?;
    let rest = &rest[n..];
    let (src_port, n) = port(proto, rest).map(|(p, n)| (Some(p), n)).unwrap_or((None, 0));
    let rest = &rest[n..];
    let (dst, n) = acl_addr(rest)?;
    let rest = &rest[n..];
    let dst_port = port(proto, rest).map(|(p, _)| p);
    Some(AclRule { protocol, src, src_port, dst: Some(dst), dst_port })
}

/// Put IOS's global ACL `acl` into context `ctx` too (where the engine reads a tunnel's selectors).
pub(super) fn copy_acl(cfg: &mut Config, acls: &BTreeMap<String, IpsecAcl>, acl: Option<&str>, ctx: &str) {
    if let Some(a) = acl.and_then(|a| acls.get_key_value(a)) {
        cfg.contexts.entry(ctx.to_string()).or_default().ipsec_acls.insert(a.0.clone(), a.1.clone());
    }
}
