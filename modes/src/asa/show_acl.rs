//! `show access-list [NAME]`: the access lists of the running document as
//! the ASA lists them. The layout is that of real ASA captures in public
//! repositories (a CSM export, an ACL-audit tool's README, an ASA
//! emulator's test fixtures):
//!
//! ```text
//! access-list cached ACL log flows: total 0, denied 0 (deny-flow-max 4096)
//!             alert-interval 300
//! access-list NAME; N elements; name hash: 0xHASH
//! access-list NAME line 1 remark TEXT
//! access-list NAME line 2 extended permit object-group SVC any object-group DST (hitcnt=0) 0xHASH
//!   access-list NAME line 2 extended permit tcp any host 10.1.1.1 eq https (hitcnt=0) 0xHASH
//! ```
//!
//! Lines count remarks; an entry that names objects or object-groups is
//! followed by one indented line per combination of their members
//! (services outermost, then sources, then destinations, as the captures
//! order them; a `tcp-udp` service is a TCP and a UDP line, ports printed
//! by the protocol's names), and `elements` counts those (an entry without
//! objects is one). `hitcnt` is 0: edgesh filters no traffic with access
//! lists. The hashes are the first 32 bits of the SHA-256 of the name or of
//! the line's text, printed as the ASA prints its own (`0x` and hex without
//! leading zeros); the ASA's own hash function is not public, so a hash
//! identifies a line within edgesh only.

use super::doc::AsaDoc;
use super::ports::PORTS;
use crate::out::Out;
use sha2::Digest;
use std::collections::HashMap;

/// One line of a listed access list.
#[derive(Debug, PartialEq)]
pub enum AclLine {
    Remark(String),
    /// The entry as configured, and its expansion (empty without objects).
    Entry {
        text: String,
        expanded: Vec<String>,
    },
}

/// One access list.
#[derive(Debug, PartialEq)]
pub struct AclListing {
    pub name: String,
    pub lines: Vec<AclLine>,
}

impl AclListing {
    /// The entries the ASA counts: each expanded line, or the entry itself.
    pub fn elements(&self) -> usize {
        self.lines
            .iter()
            .map(|l| match l {
                AclLine::Remark(_) => 0,
                AclLine::Entry { expanded, .. } => expanded.len().max(1),
            })
            .sum()
    }
}

/// The hash the listing prints for `text`.
pub fn hash(text: &str) -> String {
    let d = sha2::Sha256::digest(text.as_bytes());
    format!("0x{:x}", u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

/// A service an entry's protocol words stand for: protocol, source port
/// match, destination port match, and what follows the destination (an
/// ICMP type).
#[derive(Clone, Debug)]
struct Service {
    proto: String,
    src_port: Option<String>,
    dst_port: Option<String>,
    icmp: Option<String>,
}

/// The objects and object-groups of the document, by name.
struct Objects<'a> {
    blocks: HashMap<&'a str, (&'a str, &'a [crate::cisco_doc::Node], Option<&'a str>)>,
}

/// Nesting deeper than this is not followed (a cycle or a mistake).
const MAX_DEPTH: usize = 8;

impl<'a> Objects<'a> {
    fn read(doc: &'a AsaDoc) -> Objects<'a> {
        let mut blocks = HashMap::new();
        for n in &doc.root {
            let w: Vec<&str> = n.text.split_whitespace().collect();
            match w.as_slice() {
                ["object", kind @ ("network" | "service"), name] => {
                    blocks.insert(*name, (*kind, n.children.as_slice(), None));
                }
                ["object-group", kind @ ("network" | "service" | "protocol" | "icmp-type"), name, rest @ ..] => {
                    blocks.insert(*name, (*kind, n.children.as_slice(), rest.first().copied()));
                }
                _ => {}
            }
        }
        Objects { blocks }
    }

    /// The addresses a network object or group stands for.
    fn addresses(&self, name: &str, depth: usize) -> Option<Vec<String>> {
        let (kind, children, _) = self.blocks.get(name)?;
        if *kind != "network" || depth > MAX_DEPTH {
            return None;
        }
        let mut out = Vec::new();
        for c in children.iter() {
            let w: Vec<&str> = c.text.split_whitespace().collect();
            match w.as_slice() {
                ["host", a] | ["network-object", "host", a] => out.push(format!("host {a}")),
                ["network-object", "object", o] | ["group-object", o] => out.extend(self.addresses(o, depth + 1)?),
                ["subnet", a, m] | ["network-object", a, m] => out.push(format!("{a} {m}")),
                ["range", a, b] => out.push(format!("range {a} {b}")),
                ["fqdn", .., f] => out.push(format!("fqdn {f}")),
                _ => {}
            }
        }
        Some(out)
    }

    /// The services a service object or a group of `service-object`s stands for.
    fn services(&self, name: &str, depth: usize) -> Option<Vec<Service>> {
        let (kind, children, proto) = self.blocks.get(name)?;
        if *kind != "service" || proto.is_some() || depth > MAX_DEPTH {
            return None;
        }
        let mut out = Vec::new();
        for c in children.iter() {
            let w: Vec<&str> = c.text.split_whitespace().collect();
            match w.as_slice() {
                ["service-object", "object", o] | ["group-object", o] => out.extend(self.services(o, depth + 1)?),
                ["service-object" | "service", rest @ ..] if !rest.is_empty() => out.extend(service_words(rest)),
                _ => {}
            }
        }
        Some(out)
    }

    /// The port matches a port group (`object-group service N tcp|udp|tcp-udp`) stands for.
    fn ports(&self, name: &str, depth: usize) -> Option<Vec<String>> {
        let (kind, children, proto) = self.blocks.get(name)?;
        if *kind != "service" || proto.is_none() || depth > MAX_DEPTH {
            return None;
        }
        let mut out = Vec::new();
        for c in children.iter() {
            let w: Vec<&str> = c.text.split_whitespace().collect();
            match w.as_slice() {
                ["port-object", m @ ..] if !m.is_empty() => out.push(m.join(" ")),
                ["group-object", o] => out.extend(self.ports(o, depth + 1)?),
                _ => {}
            }
        }
        Some(out)
    }

    fn is_port_group(&self, name: &str) -> bool {
        self.blocks.get(name).is_some_and(|(k, _, p)| *k == "service" && p.is_some())
    }
}

/// A `service-object`'s (or `service`'s) words after the keyword: one
/// service, two for `tcp-udp`.
fn service_words(w: &[&str]) -> Vec<Service> {
    let proto = w[0];
    let mut src = None;
    let mut dst = None;
    let mut i = 1;
    let mut icmp = None;
    while i < w.len() {
        let (side, at) = match w[i] {
            "source" => (&mut src, i + 1),
            "destination" => (&mut dst, i + 1),
            "eq" | "neq" | "lt" | "gt" | "range" => (&mut dst, i),
            t => {
                icmp = Some(match icmp.take() {
                    Some(prev) => format!("{prev} {t}"),
                    None => t.to_string(),
                });
                i += 1;
                continue;
            }
        };
        let n = if w.get(at) == Some(&"range") { 3 } else { 2 };
        let m = &w[at.min(w.len())..(at + n).min(w.len())];
        if !m.is_empty() {
            *side = Some(m.to_vec());
        }
        i = at + n;
    }
    let protos: Vec<&str> = if proto == "tcp-udp" { vec!["tcp", "udp"] } else { vec![proto] };
    protos
        .into_iter()
        .map(|p| {
            let port = |m: &Option<Vec<&str>>| {
                m.as_ref().map(|m| {
                    let mut out = vec![m[0].to_string()];
                    out.extend(m[1..].iter().map(|x| PORTS.shown(p, x)));
                    out.join(" ")
                })
            };
            Service { proto: p.to_string(), src_port: port(&src), dst_port: port(&dst), icmp: icmp.clone() }
        })
        .collect()
}

/// An entry's addresses at the start of `w`: the members and the words taken.
fn address(objs: &Objects, w: &[&str]) -> Option<(Vec<String>, usize, bool)> {
    match w {
        [a @ ("any" | "any4" | "any6"), ..] => Some((vec![a.to_string()], 1, false)),
        [k @ ("host" | "interface"), a, ..] => Some((vec![format!("{k} {a}")], 2, false)),
        ["object" | "object-group", name, ..] => Some((objs.addresses(name, 0)?, 2, true)),
        [a, m, ..] => Some((vec![format!("{a} {m}")], 2, false)),
        _ => None,
    }
}

/// A port match at the start of `w` (`eq P`, `range A B`, a port group).
fn port_match(objs: &Objects, w: &[&str]) -> Option<(Vec<String>, usize, bool)> {
    match w {
        [op @ ("eq" | "neq" | "lt" | "gt"), p, ..] => Some((vec![format!("{op} {p}")], 2, false)),
        ["range", a, b, ..] => Some((vec![format!("range {a} {b}")], 3, false)),
        ["object-group", name, ..] if objs.is_port_group(name) => Some((objs.ports(name, 0)?, 2, true)),
        _ => None,
    }
}

/// The lines an extended entry (`permit|deny ...` after `extended`) stands
/// for when it names objects or object-groups; empty when it names none or
/// a name is unknown (the entry is listed alone).
fn expand(objs: &Objects, action: &str, w: &[&str]) -> Vec<String> {
    let Some((services, mut i, mut objects)) = (match w {
        ["object" | "object-group", name, ..] => objs.services(name, 0).map(|s| (s, 2, true)),
        [p, ..] => Some((vec![Service { proto: p.to_string(), src_port: None, dst_port: None, icmp: None }], 1, false)),
        [] => None,
    }) else {
        return Vec::new();
    };
    let Some((srcs, n, o)) = address(objs, &w[i..]) else { return Vec::new() };
    i += n;
    objects |= o;
    let (sports, n, o) = port_match(objs, &w[i..]).unwrap_or((Vec::new(), 0, false));
    i += n;
    objects |= o;
    let Some((dsts, n, o)) = address(objs, &w[i..]) else { return Vec::new() };
    i += n;
    objects |= o;
    let (dports, n, o) = port_match(objs, &w[i..]).unwrap_or((Vec::new(), 0, false));
    i += n;
    objects |= o;
    if !objects {
        return Vec::new();
    }
    let rest = w[i..].join(" ");
    let opt = |v: &[String]| if v.is_empty() { vec![None] } else { v.iter().cloned().map(Some).collect() };
    let mut out = Vec::new();
    for s in &services {
        for src in &srcs {
            for sp in opt(&sports) {
                for dst in &dsts {
                    for dp in opt(&dports) {
                        let mut l = vec![action.to_string(), s.proto.clone(), src.clone()];
                        l.extend(sp.clone().or(s.src_port.clone()));
                        l.push(dst.clone());
                        l.extend(dp.clone().or(s.dst_port.clone()));
                        l.extend(s.icmp.clone());
                        if !rest.is_empty() {
                            l.push(rest.clone());
                        }
                        out.push(l.join(" "));
                    }
                }
            }
        }
    }
    out
}

/// The access lists of the document in the order they were configured, or just `only`.
pub fn listings(doc: &AsaDoc, only: Option<&str>) -> Vec<AclListing> {
    let objs = Objects::read(doc);
    let mut out: Vec<AclListing> = Vec::new();
    for n in &doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        let ["access-list", name, rest @ ..] = w.as_slice() else { continue };
        if only.is_some_and(|o| o != *name) {
            continue;
        }
        // `line N` places an entry when typed; the document has it in place.
        let rest = match rest {
            ["line", n, r @ ..] if n.parse::<u32>().is_ok() => r,
            r => r,
        };
        let line = match rest {
            ["remark", ..] => AclLine::Remark(rest[1..].join(" ")),
            ["extended", action, body @ ..] => {
                AclLine::Entry { text: rest.join(" "), expanded: expand(&objs, action, body) }
            }
            ["standard" | "webtype" | "ethertype", ..] => AclLine::Entry { text: rest.join(" "), expanded: Vec::new() },
            _ => continue,
        };
        let i = match out.iter().position(|l| l.name == *name) {
            Some(i) => i,
            None => {
                out.push(AclListing { name: name.to_string(), lines: Vec::new() });
                out.len() - 1
            }
        };
        out[i].lines.push(line);
    }
    out
}

/// Print the listings, after the cached-flows header.
pub fn render(lists: &[AclListing], out: &mut dyn Out) {
    out.line("access-list cached ACL log flows: total 0, denied 0 (deny-flow-max 4096)");
    out.line("            alert-interval 300");
    for l in lists {
        out.line(&format!("access-list {}; {} elements; name hash: {}", l.name, l.elements(), hash(&l.name)));
        for (k, line) in l.lines.iter().enumerate() {
            let head = format!("access-list {} line {}", l.name, k + 1);
            match line {
                AclLine::Remark(t) => out.line(&format!("{head} remark {t}")),
                AclLine::Entry { text, expanded } => {
                    out.line(&format!("{head} {text} (hitcnt=0) {} ", hash(&format!("{head} {text}"))));
                    let kind = text.split_whitespace().next().unwrap_or("extended");
                    for e in expanded {
                        let full = format!("{head} {kind} {e}");
                        out.line(&format!("  {full} (hitcnt=0) {} ", hash(&full)));
                    }
                }
            }
        }
    }
}

/// An entry's fields for `| json`: action, protocol, each side's address
/// (`host`, `any`, `object`, `object_group`, `interface`, `network`: `A M`)
/// and port match (`port`: the port of `eq`, `port_match` otherwise).
fn entry_json(kind: &str, words: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut m = serde_json::Map::new();
    let Some((action, rest)) = words.split_first() else { return m };
    m.insert("action".into(), json!(action));
    if kind != "extended" {
        m.insert("destination".into(), json!({"network": rest.join(" ")}));
        return m;
    }
    let (proto, mut i) = match rest {
        [k @ ("object" | "object-group"), n, ..] => (json!({ k.replace('-', "_"): n }), 2),
        [p, ..] => (json!(p), 1),
        [] => return m,
    };
    m.insert("protocol".into(), proto);
    for side in ["source", "destination"] {
        let mut a = serde_json::Map::new();
        match &rest[i.min(rest.len())..] {
            [x @ ("any" | "any4" | "any6"), ..] => {
                a.insert("any".into(), json!(x));
                i += 1;
            }
            [k @ ("host" | "object" | "object-group" | "interface"), n, ..] => {
                a.insert(k.replace('-', "_"), json!(n));
                i += 2;
            }
            [x, y, ..] => {
                a.insert("network".into(), json!(format!("{x} {y}")));
                i += 2;
            }
            _ => {}
        }
        match &rest[i.min(rest.len())..] {
            ["eq", p, ..] => {
                a.insert("port".into(), json!(p));
                i += 2;
            }
            [op @ ("neq" | "lt" | "gt"), p, ..] => {
                a.insert("port_match".into(), json!(format!("{op} {p}")));
                i += 2;
            }
            ["range", x, y, ..] => {
                a.insert("port_match".into(), json!(format!("range {x} {y}")));
                i += 3;
            }
            _ => {}
        }
        m.insert(side.into(), serde_json::Value::Object(a));
    }
    let left = &rest[i.min(rest.len())..];
    m.insert("log".into(), json!(left.contains(&"log")));
    m.insert("inactive".into(), json!(left.contains(&"inactive")));
    m
}

/// The listings as `| json`: the keys of Genie's ASA `ShowAccessList`
/// (`access-list` → name → `elements`, `name_hash`, `entry` by line number
/// with `action`, `protocol`, `source`, `destination`, `hitcnt`,
/// `acl_hash`, or `remark`; `cached_acl_log_flows`, `alert_interval`), and
/// each entry's `expanded` lines (text, `hitcnt`, `acl_hash`).
pub fn json(lists: &[AclListing]) -> serde_json::Value {
    use serde_json::json;
    let mut acls = serde_json::Map::new();
    for l in lists {
        let mut entries = serde_json::Map::new();
        for (k, line) in l.lines.iter().enumerate() {
            let head = format!("access-list {} line {}", l.name, k + 1);
            let v = match line {
                AclLine::Remark(t) => json!({ "remark": t }),
                AclLine::Entry { text, expanded } => {
                    let w: Vec<&str> = text.split_whitespace().collect();
                    let kind = w.first().copied().unwrap_or("extended");
                    let mut e = entry_json(kind, &w[1.min(w.len())..]);
                    e.insert("hitcnt".into(), json!(0));
                    e.insert("acl_hash".into(), json!(hash(&format!("{head} {text}"))));
                    if !expanded.is_empty() {
                        let x: Vec<serde_json::Value> = expanded
                            .iter()
                            .map(|t| json!({"text": t, "hitcnt": 0, "acl_hash": hash(&format!("{head} {kind} {t}"))}))
                            .collect();
                        e.insert("expanded".into(), json!(x));
                    }
                    serde_json::Value::Object(e)
                }
            };
            entries.insert((k + 1).to_string(), v);
        }
        acls.insert(l.name.clone(), json!({"elements": l.elements(), "name_hash": hash(&l.name), "entry": entries}));
    }
    json!({
        "access-list": acls,
        "cached_acl_log_flows": {"total": 0, "denied": 0, "deny_flow_max": 4096},
        "alert_interval": 300,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lines: &[(&str, &[&str])]) -> AsaDoc {
        AsaDoc { root: crate::cisco_doc::nodes(lines), ..Default::default() }
    }

    #[test]
    fn entries_with_objects_list_one_line_per_member_combination() {
        let d = doc(&[
            (
                "object-group service SVC",
                &[
                    "service-object tcp destination range 1098 1099",
                    "service-object tcp-udp destination eq 53",
                    "service-object ah",
                    "service-object icmp echo",
                ],
            ),
            ("object-group network SRC", &["network-object 10.0.0.0 255.255.255.0", "network-object host 10.0.1.1"]),
            ("object network DST", &["host 192.0.2.10"]),
            ("object-group service WEB tcp", &["port-object eq www", "port-object range 8000 8080"]),
            ("access-list OUT remark to the servers", &[]),
            ("access-list OUT extended permit object-group SVC object-group SRC object DST", &[]),
            ("access-list OUT extended permit tcp any object DST object-group WEB log", &[]),
            ("access-list OUT extended deny ip any4 any4", &[]),
            ("access-list OTHER extended permit ip object UNKNOWN any", &[]),
        ]);
        let l = listings(&d, Some("OUT"));
        assert_eq!(l.len(), 1);
        let AclLine::Entry { expanded, .. } = &l[0].lines[1] else { panic!() };
        assert_eq!(
            expanded,
            &[
                "permit tcp 10.0.0.0 255.255.255.0 host 192.0.2.10 range 1098 1099",
                "permit tcp host 10.0.1.1 host 192.0.2.10 range 1098 1099",
                "permit tcp 10.0.0.0 255.255.255.0 host 192.0.2.10 eq domain",
                "permit tcp host 10.0.1.1 host 192.0.2.10 eq domain",
                "permit udp 10.0.0.0 255.255.255.0 host 192.0.2.10 eq domain",
                "permit udp host 10.0.1.1 host 192.0.2.10 eq domain",
                "permit ah 10.0.0.0 255.255.255.0 host 192.0.2.10",
                "permit ah host 10.0.1.1 host 192.0.2.10",
                "permit icmp 10.0.0.0 255.255.255.0 host 192.0.2.10 echo",
                "permit icmp host 10.0.1.1 host 192.0.2.10 echo",
            ]
        );
        let AclLine::Entry { expanded, .. } = &l[0].lines[2] else { panic!() };
        assert_eq!(
            expanded,
            &["permit tcp any host 192.0.2.10 eq www log", "permit tcp any host 192.0.2.10 range 8000 8080 log"]
        );
        // 10 + 2 + 1; the remark is a line, not an element.
        assert_eq!(l[0].elements(), 13);
        let mut o = crate::out::VecOut::default();
        render(&listings(&d, Some("OTHER")), &mut o);
        let h = hash("access-list OTHER line 1 extended permit ip object UNKNOWN any");
        assert_eq!(
            o.text(),
            format!(
                "access-list cached ACL log flows: total 0, denied 0 (deny-flow-max 4096)\n            alert-interval 300\n\
                 access-list OTHER; 1 elements; name hash: {}\n\
                 access-list OTHER line 1 extended permit ip object UNKNOWN any (hitcnt=0) {h} \n",
                hash("OTHER")
            )
        );
        assert!(hash("x").starts_with("0x") && !hash("x").starts_with("0x0"));
    }
}
