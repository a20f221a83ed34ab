//! `show ip access-lists [NAME]` and `show access-lists [NAME]`: the IPv4
//! access lists of the running document (numbered `access-list N ...`
//! lines, `ip access-list standard|extended NAME` blocks) as IOS lists
//! them: `Standard IP access list N` / `Extended IP access list N`, then
//! each entry indented four spaces after its sequence number.
//!
//! Sequence numbers: an entry typed with one keeps it; one typed without
//! gets the highest so far plus 10 (10, 20, ... for a list typed in
//! order), and entries are listed by number. Remarks are not listed. A
//! standard entry's address and wildcard read `A, wildcard bits W`. No
//! `(N matches)`: edgesh filters no traffic with access lists (a crypto
//! ACL selects, and IOS does not count crypto ACL matches either), so no
//! entry has matched anything. IOS lists a standard list's host entries in
//! its own hashed order; edgesh keeps them in sequence order.
//!
//! `| json` ([`json`]) has the keys and nesting of Genie's iosxe
//! `ShowIpAccessLists` parse of the text (`golden/tests/json_genie.rs`
//! compares them), with two differences: a port is its number wherever
//! IOS names it (Genie keeps a source `eq` port as the word printed, and a
//! name its own table lacks, such as `drip`), and a destination `range`
//! is a `range` with both ports as a source's is (Genie's pattern reads
//! its first port as an `operator` and drops the second).

use super::doc::IosDoc;
use crate::out::Out;

/// One access list: its kind, name and numbered entries.
#[derive(Debug, PartialEq)]
pub struct AclListing {
    pub standard: bool,
    pub name: String,
    pub entries: Vec<(u32, String)>,
}

/// A numbered list's kind: 1-99 and 1300-1999 are standard.
fn numbered_standard(n: &str) -> Option<bool> {
    let n: u32 = n.parse().ok()?;
    match n {
        1..=99 | 1300..=1999 => Some(true),
        100..=199 | 2000..=2699 => Some(false),
        _ => None,
    }
}

/// The sequence number IOS gives each line of a named list (`None`: not
/// an entry, such as a remark): its own number, else the highest so far
/// plus 10.
pub fn sequence_numbers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<Option<u32>> {
    let mut top = 0u32;
    lines
        .map(|l| {
            let (seq, rest) = match l.split_once(' ') {
                Some((n, rest)) if n.parse::<u32>().is_ok() => (n.parse::<u32>().unwrap_or(0), rest),
                _ => (top.saturating_add(10), l),
            };
            let entry = rest.starts_with("permit ") || rest.starts_with("deny ") || rest == "permit" || rest == "deny";
            entry.then(|| {
                top = top.max(seq);
                seq
            })
        })
        .collect()
}

/// Number the entries as IOS does and list them by number.
fn numbered<'a>(lines: impl Iterator<Item = &'a str> + Clone) -> Vec<(u32, String)> {
    let seqs = sequence_numbers(lines.clone());
    let mut out: Vec<(u32, String)> = lines
        .zip(seqs)
        .filter_map(|(l, n)| {
            let n = n?;
            let rest = match l.split_once(' ') {
                Some((x, rest)) if x.parse::<u32>().is_ok() => rest,
                _ => l,
            };
            Some((n, rest.to_string()))
        })
        .collect();
    out.sort_by_key(|(n, _)| *n);
    out
}

/// The IPv4 access lists of the document in the order IOS lists them
/// (numbered lists by number, then named lists by name), or just `only`.
pub fn listings(doc: &IosDoc, only: Option<&str>) -> Vec<AclListing> {
    let mut numbered_lists: Vec<(u32, AclListing)> = Vec::new();
    let mut named: Vec<AclListing> = Vec::new();
    for n in &doc.root {
        let w: Vec<&str> = n.text.splitn(3, ' ').collect();
        match w.as_slice() {
            ["access-list", num, rest] => {
                let Some(standard) = numbered_standard(num) else { continue };
                if only.is_some_and(|o| o != *num) {
                    continue;
                }
                let key: u32 = num.parse().unwrap_or(0);
                let i = match numbered_lists.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        let l = AclListing { standard, name: num.to_string(), entries: Vec::new() };
                        numbered_lists.push((key, l));
                        numbered_lists.len() - 1
                    }
                };
                if rest.starts_with("permit ") || rest.starts_with("deny ") {
                    let next = numbered_lists[i].1.entries.len() as u32 * 10 + 10;
                    numbered_lists[i].1.entries.push((next, rest.to_string()));
                }
            }
            ["ip", "access-list", rest] => {
                let Some((kind, name)) = rest.split_once(' ') else { continue };
                let standard = match kind {
                    "standard" => true,
                    "extended" => false,
                    _ => continue,
                };
                if only.is_some_and(|o| o != name) {
                    continue;
                }
                let entries = numbered(n.children.iter().map(|c| c.text.as_str()));
                named.push(AclListing { standard, name: name.to_string(), entries });
            }
            _ => {}
        }
    }
    numbered_lists.sort_by_key(|(k, _)| *k);
    named.sort_by(|a, b| a.name.cmp(&b.name));
    numbered_lists.into_iter().map(|(_, l)| l).chain(named).collect()
}

/// A standard entry's words as IOS lists them: `A, wildcard bits W` for an
/// address with a wildcard, `A` for `host A`.
fn standard_entry(e: &str) -> String {
    let w: Vec<&str> = e.split_whitespace().collect();
    match w.as_slice() {
        [action, "host", a, rest @ ..] => [&[*action, *a][..], rest].concat().join(" "),
        [action, a, m, rest @ ..]
            if a.parse::<std::net::Ipv4Addr>().is_ok() && m.parse::<std::net::Ipv4Addr>().is_ok() =>
        {
            let head = format!("{action} {a}, wildcard bits {m}");
            std::iter::once(head).chain(rest.iter().map(|x| x.to_string())).collect::<Vec<_>>().join(" ")
        }
        _ => w.join(" "),
    }
}

/// Print the listings.
pub fn render(lists: &[AclListing], out: &mut dyn Out) {
    for l in lists {
        out.line(&format!("{} IP access list {}", if l.standard { "Standard" } else { "Extended" }, l.name));
        for (n, e) in &l.entries {
            let e = if l.standard { standard_entry(e) } else { e.clone() };
            out.line(&format!("    {n} {e}"));
        }
    }
}

/// The object-groups of the document (`object-group network|service
/// NAME`), or the one named: kind (`Network`, `Service`), name, description
/// and members as `show object-group` lists them.
pub fn object_groups<'a>(
    doc: &'a IosDoc,
    only: Option<&str>,
) -> Vec<(&'static str, &'a str, Option<&'a str>, Vec<&'a str>)> {
    let mut out = Vec::new();
    for n in &doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        let kind = match w.as_slice() {
            ["object-group", "network", _] => "Network",
            ["object-group", "service", _] => "Service",
            _ => continue,
        };
        if only.is_some_and(|o| o != w[2]) {
            continue;
        }
        let name = &n.text[n.text.rfind(' ').map_or(0, |i| i + 1)..];
        let desc = n.children.iter().find_map(|c| c.text.strip_prefix("description "));
        let members = n.children.iter().map(|c| c.text.as_str()).filter(|t| !t.starts_with("description ")).collect();
        out.push((kind, name, desc, members));
    }
    out
}

/// `show object-group [name NAME]`: `Network object group NAME`, its
/// description as ` Description TEXT`, each member indented one space (the
/// layout ntc-templates' IOS template reads).
pub fn render_object_groups(groups: &[(&str, &str, Option<&str>, Vec<&str>)], out: &mut dyn Out) {
    for (kind, name, desc, members) in groups {
        out.line(&format!("{kind} object group {name}"));
        if let Some(d) = desc {
            out.line(&format!(" Description {d}"));
        }
        for m in members {
            out.line(&format!(" {m}"));
        }
    }
}

/// `show object-group | json`: `object_group` → name → `type`
/// (`network`, `service`), `description`, `members` (as listed).
pub fn object_groups_json(groups: &[(&str, &str, Option<&str>, Vec<&str>)]) -> serde_json::Value {
    let m: serde_json::Map<String, serde_json::Value> = groups
        .iter()
        .map(|(kind, name, desc, members)| {
            let mut g = serde_json::json!({"type": kind.to_lowercase(), "members": members});
            if let Some(d) = desc {
                g["description"] = serde_json::json!(d);
            }
            (name.to_string(), g)
        })
        .collect();
    serde_json::json!({ "object_group": m })
}

/// The port a word names (`www` is 80), as a JSON number; a word that
/// names none stays a string.
fn port_value(protocol: &str, word: &str) -> serde_json::Value {
    match super::acl_check::PORTS.number(protocol, word) {
        Some(n) => serde_json::json!(n),
        None => serde_json::json!(word),
    }
}

/// An address of an extended entry as IOS prints it (`any`, `host A`, `A
/// W`, `object-group N`) and the words it took.
fn address(w: &[&str]) -> Option<(String, usize)> {
    match w {
        ["any", ..] => Some(("any".into(), 1)),
        [k @ ("host" | "object-group"), a, ..] => Some((format!("{k} {a}"), 2)),
        [a, m, ..] if a.parse::<std::net::Ipv4Addr>().is_ok() => Some((format!("{a} {m}"), 2)),
        _ => None,
    }
}

/// A port match (`eq P`, `range L H` ...) at the start of `w`: its JSON and the words it took.
fn port_match(protocol: &str, w: &[&str]) -> Option<(serde_json::Value, usize)> {
    match w {
        ["range", lo, hi, ..] => Some((
            serde_json::json!({"range": {"lower_port": port_value(protocol, lo), "upper_port": port_value(protocol, hi)}}),
            3,
        )),
        [op @ ("eq" | "neq" | "lt" | "gt"), p, ..] => {
            Some((serde_json::json!({"operator": {"operator": op, "port": port_value(protocol, p)}}), 2))
        }
        _ => None,
    }
}

/// ICMP message types Genie reads after the addresses.
const MSG_TYPES: &[&str] =
    &["ttl-exceeded", "unreachable", "packet-too-big", "echo-reply", "echo", "router-advertisement", "mld-query"];

/// One entry in Genie's shape.
fn ace_json(standard: bool, seq: u32, e: &str) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let w: Vec<&str> = e.split_whitespace().collect();
    let action = w.first().copied().unwrap_or("");
    let mut actions = Map::new();
    actions.insert("forwarding".into(), json!(action));
    if standard {
        let src = match &w[1..] {
            ["any", ..] => "any".to_string(),
            ["host", a, ..] => format!("{a} 0.0.0.0"),
            [a, m, ..] if m.parse::<std::net::Ipv4Addr>().is_ok() => format!("{a} {m}"),
            [a, ..] => format!("{a} 0.0.0.0"),
            [] => String::new(),
        };
        if w.contains(&"log") {
            actions.insert("logging".into(), json!("log-syslog"));
        }
        return json!({
            "name": seq.to_string(),
            "actions": actions,
            "matches": {"l3": {"ipv4": {"protocol": "ipv4", "source_network": {src.clone(): {"source_network": src}}}}},
        });
    }
    let proto = w.get(1).copied().unwrap_or("ip");
    let protocol = if proto == "ip" { "ipv4" } else { proto };
    let mut i = 2;
    let mut l3 = Map::new();
    l3.insert("protocol".into(), json!(protocol));
    let mut l4 = Map::new();
    if let Some((src, n)) = address(&w[i.min(w.len())..]) {
        l3.insert("source_network".into(), json!({src.clone(): {"source_network": src}}));
        i += n;
    }
    if let Some((p, n)) = port_match(proto, &w[i.min(w.len())..]) {
        l4.insert("source_port".into(), p);
        i += n;
    }
    if let Some((dst, n)) = address(&w[i.min(w.len())..]) {
        l3.insert("destination_network".into(), json!({dst.clone(): {"destination_network": dst}}));
        i += n;
    }
    if let Some((p, n)) = port_match(proto, &w[i.min(w.len())..]) {
        l4.insert("destination_port".into(), p);
        i += n;
    }
    let left = &w[i.min(w.len())..];
    actions.insert(
        "logging".into(),
        json!(if left.iter().any(|x| x.contains("log")) { "log-syslog" } else { "log-none" }),
    );
    l4.insert("established".into(), json!(left.contains(&"established")));
    if let Some(t) = left.first().filter(|t| MSG_TYPES.contains(t)) {
        l4.insert("msg_type".into(), json!(t));
    }
    let mut matches = Map::new();
    matches.insert("l3".into(), json!({"ipv4": Value::Object(l3)}));
    matches.insert("l4".into(), json!({protocol: Value::Object(l4)}));
    json!({"name": seq.to_string(), "actions": actions, "matches": matches})
}

/// The listings as Genie's iosxe `ShowIpAccessLists` parse has them.
pub fn json(lists: &[AclListing]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for l in lists {
        let mut acl = serde_json::Map::new();
        acl.insert("name".into(), serde_json::json!(l.name));
        acl.insert("type".into(), serde_json::json!("ipv4-acl-type"));
        acl.insert("acl_type".into(), serde_json::json!(if l.standard { "standard" } else { "extended" }));
        if !l.entries.is_empty() {
            let aces: serde_json::Map<String, serde_json::Value> =
                l.entries.iter().map(|(n, e)| (n.to_string(), ace_json(l.standard, *n, e))).collect();
            acl.insert("aces".into(), serde_json::Value::Object(aces));
        }
        out.insert(l.name.clone(), serde_json::Value::Object(acl));
    }
    serde_json::Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lines: &[(&str, &[&str])]) -> IosDoc {
        IosDoc { root: crate::cisco_doc::nodes(lines), ..Default::default() }
    }

    #[test]
    fn lists_are_numbered_and_ordered_as_ios_lists_them() {
        let d = doc(&[
            (
                "ip access-list extended VPN",
                &[
                    "remark to the branch",
                    "permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255",
                    "5 deny ip any host 10.2.0.9",
                    "permit udp any any eq isakmp",
                ],
            ),
            ("access-list 101 permit tcp any any eq www", &[]),
            ("access-list 10 permit 10.1.1.0 0.0.0.255", &[]),
            ("access-list 10 remark mgmt", &[]),
            ("access-list 10 deny host 10.9.9.9", &[]),
            ("access-list 10 permit any", &[]),
            ("ip access-list standard MGMT", &["permit 192.0.2.0 0.0.0.255 log"]),
        ]);
        let mut o = crate::out::VecOut::default();
        render(&listings(&d, None), &mut o);
        assert_eq!(
            o.text(),
            "Standard IP access list 10\n    10 permit 10.1.1.0, wildcard bits 0.0.0.255\n    20 deny 10.9.9.9\n    30 permit any\n\
             Extended IP access list 101\n    10 permit tcp any any eq www\n\
             Standard IP access list MGMT\n    10 permit 192.0.2.0, wildcard bits 0.0.0.255 log\n\
             Extended IP access list VPN\n    5 deny ip any host 10.2.0.9\n    10 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255\n    20 permit udp any any eq isakmp\n"
        );
        assert_eq!(listings(&d, Some("101")).len(), 1);
        // `| json`: Genie's shape; ports as numbers, a destination range as a range.
        let j = json(&listings(&d, Some("101")));
        assert_eq!(j["101"]["aces"]["10"]["matches"]["l4"]["tcp"]["destination_port"]["operator"]["port"], 80);
        let e = ace_json(false, 10, "permit tcp any eq drip any range ftp-data 8080 log");
        assert_eq!(e["matches"]["l4"]["tcp"]["source_port"]["operator"]["port"], 3949);
        assert_eq!(e["matches"]["l4"]["tcp"]["destination_port"]["range"]["upper_port"], 8080);
        assert_eq!(e["actions"]["logging"], "log-syslog");
        assert_eq!(
            ace_json(true, 20, "deny 10.9.9.9")["matches"]["l3"]["ipv4"]["source_network"]["10.9.9.9 0.0.0.0"]["source_network"],
            "10.9.9.9 0.0.0.0"
        );
        assert!(listings(&d, Some("NONE")).is_empty());
    }
}
