//! Show commands read from the IOS configuration document, in the layouts
//! IOS 15 prints: `show crypto isakmp policy`, `show crypto ipsec
//! transform-set`, `show crypto map [tag T]`, `show ip interface brief`.

use super::{IosDoc, Node};
use crate::out::Out;

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn enc_text(w: &[&str]) -> String {
    match w {
        ["des", ..] => "DES - Data Encryption Standard (56 bit keys).".into(),
        ["3des", ..] => "Three key triple DES".into(),
        ["aes", bits] => format!("AES - Advanced Encryption Standard ({bits} bit keys)."),
        ["aes"] => "AES - Advanced Encryption Standard (128 bit keys).".into(),
        other => other.join(" "),
    }
}

fn hash_text(h: &str) -> String {
    match h {
        "md5" => "Message Digest 5".into(),
        "sha" => "Secure Hash Standard".into(),
        x if x.starts_with("sha") => format!("Secure Hash Standard 2 ({} bit)", &x[3..]),
        x => x.into(),
    }
}

fn auth_text(a: &str) -> &str {
    match a {
        "pre-share" => "Pre-Shared Key",
        "rsa-sig" => "Rivest-Shamir-Adleman Signature",
        "rsa-encr" => "Rivest-Shamir-Adleman Encryption",
        x => x,
    }
}

fn group_text(g: &str) -> String {
    let bits = match g {
        "1" => "768 bit",
        "2" => "1024 bit",
        "5" => "1536 bit",
        "14" => "2048 bit",
        "15" => "3072 bit",
        "16" => "4096 bit",
        "19" => "256 bit ecp",
        "20" => "384 bit ecp",
        "21" => "521 bit ecp",
        "24" => "2048 bit, 224 bit subgroup",
        _ => "",
    };
    format!("#{g} ({bits})")
}

/// One protection suite of `show crypto isakmp policy` as IOS words it
/// (also its `| json` state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suite {
    /// The priority; `None` for the default suite.
    pub priority: Option<u32>,
    pub encryption: String,
    pub hash: String,
    pub authentication: String,
    pub group: String,
    /// Seconds.
    pub lifetime: String,
}

fn suite_of(priority: Option<u32>, children: &[Node]) -> Suite {
    let (mut enc, mut hash, mut auth, mut group, mut life) = Default::default();
    // IOS's defaults (`defaults::ISAKMP_POLICY`), then the block's lines.
    for text in super::defaults::ISAKMP_POLICY.iter().copied().chain(children.iter().map(|c| c.text.as_str())) {
        match words(text).as_slice() {
            ["encr" | "encryption", rest @ ..] => enc = enc_text(rest),
            ["hash", h] => hash = hash_text(h),
            ["authentication", a] => auth = auth_text(a).to_string(),
            ["group", g] => group = group_text(g),
            ["lifetime", l] => life = l.to_string(),
            _ => {}
        }
    }
    Suite { priority, encryption: enc, hash, authentication: auth, group, lifetime: life }
}

/// The suites of `show crypto isakmp policy`, by priority, the default last.
pub fn isakmp_suites(doc: &IosDoc) -> Vec<Suite> {
    let mut pols: Vec<(u32, &Node)> = doc
        .root
        .iter()
        .filter_map(|n| match words(&n.text).as_slice() {
            ["crypto", "isakmp", "policy", p] => p.parse().ok().map(|p| (p, n)),
            _ => None,
        })
        .collect();
    pols.sort_by_key(|(p, _)| *p);
    let mut v: Vec<Suite> = pols.into_iter().map(|(p, n)| suite_of(Some(p), &n.children)).collect();
    v.push(suite_of(None, &[]));
    v
}

/// `show crypto isakmp policy`.
pub fn isakmp_policy(doc: &IosDoc, out: &mut dyn Out) {
    out.line("");
    out.line("Global IKE policy");
    for s in isakmp_suites(doc) {
        match s.priority {
            Some(p) => out.line(&format!("Protection suite of priority {p}")),
            None => out.line("Default protection suite"),
        }
        out.line(&format!("\tencryption algorithm:\t{}", s.encryption));
        out.line(&format!("\thash algorithm:\t\t{}", s.hash));
        out.line(&format!("\tauthentication method:\t{}", s.authentication));
        out.line(&format!("\tDiffie-Hellman group:\t{}", s.group));
        out.line(&format!("\tlifetime:\t\t{} seconds, no volume limit", s.lifetime));
    }
}

/// A transform as IOS shows it in a set (`esp-aes 256` is `esp-256-aes`).
fn transforms(w: &[&str]) -> String {
    let mut v = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let t = w[i];
        match w.get(i + 1) {
            // IOS names AES-CBC by its size (`esp-256-aes`) and prints GCM/GMAC as configured (`esp-gcm 256`).
            Some(b) if ["128", "192", "256"].contains(b) && t == "esp-aes" => {
                v.push(if *b == "128" { t.to_string() } else { format!("esp-{b}-{}", &t[4..]) });
                i += 2;
            }
            _ => {
                v.push(t.to_string());
                i += 1;
            }
        }
    }
    v.join(" ")
}

pub fn transform_sets(doc: &IosDoc) -> Vec<(String, String, bool)> {
    doc.root
        .iter()
        .filter_map(|n| match words(&n.text).as_slice() {
            ["crypto", "ipsec", "transform-set", name, rest @ ..] => {
                let transport =
                    n.children.iter().any(|c| c.text == "mode transport" || c.text == "mode transport require");
                Some((name.to_string(), transforms(rest), transport))
            }
            _ => None,
        })
        .collect()
}

/// `show crypto ipsec transform-set`.
pub fn transform_set(doc: &IosDoc, out: &mut dyn Out) {
    let mut sets = vec![("default".to_string(), "esp-aes esp-sha-hmac".to_string(), true)];
    sets.extend(transform_sets(doc));
    for (name, t, transport) in sets {
        out.line(&format!("Transform set {name}: {{ {t}  }} "));
        out.line(&format!("   will negotiate = {{ {},  }}, ", if transport { "Transport" } else { "Tunnel" }));
        out.line("   ");
    }
}

/// One crypto map entry as `show crypto map` shows it (also its `| json` state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    pub map: String,
    pub seq: u32,
    /// `ipsec-isakmp`, `ipsec-manual`, `gdoi` (with what follows it).
    pub kind: String,
    pub peers: Vec<String>,
    pub isakmp_profile: Option<String>,
    pub ikev2_profile: Option<String>,
    /// The ACL of `match address`, and its entries as `access-list A ...` lines.
    pub acl: Option<String>,
    pub acl_lines: Vec<String>,
    pub kilobytes: u64,
    pub seconds: String,
    /// `set pfs [GROUP]`: the group (`group1` when none is given).
    pub pfs: Option<String>,
    /// The transform sets named by `set transform-set`, with their transforms.
    pub transform_sets: Vec<(String, String)>,
    /// The interfaces with `crypto map MAP`.
    pub interfaces: Vec<String>,
}

impl MapEntry {
    /// No peer or no ACL: IOS warns that the entry is incomplete.
    pub fn incomplete(&self) -> bool {
        self.peers.is_empty() || self.acl.is_none()
    }
}

/// The entries of `show crypto map [tag T]`, in configuration order.
pub fn crypto_map_entries(doc: &IosDoc, tag: Option<&str>) -> Vec<MapEntry> {
    let sets = transform_sets(doc);
    let lifetime = doc
        .root
        .iter()
        .find_map(|n| match words(&n.text).as_slice() {
            ["crypto", "ipsec", "security-association", "lifetime", "seconds", s] => Some(s.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| super::defaults::IPSEC_SA_SECONDS.to_string());
    let ifaces = |m: &str| -> Vec<String> {
        doc.root
            .iter()
            .filter(|n| {
                n.text.starts_with("interface ") && n.children.iter().any(|c| c.text == format!("crypto map {m}"))
            })
            .map(|n| n.text["interface ".len()..].to_string())
            .collect()
    };
    let mut v = Vec::new();
    for n in &doc.root {
        let w = words(&n.text);
        let (map, seq, kind) = match w.as_slice() {
            ["crypto", "map", m, seq, kind @ ..]
                if !kind.is_empty() && ["ipsec-isakmp", "ipsec-manual", "gdoi"].contains(&kind[0]) =>
            {
                match seq.parse::<u32>() {
                    Ok(seq) => (*m, seq, kind.join(" ")),
                    Err(_) => continue,
                }
            }
            _ => continue,
        };
        if tag.is_some_and(|t| t != map) {
            continue;
        }
        let get = |k: &str| -> Vec<String> {
            n.children.iter().filter_map(|c| c.text.strip_prefix(k).map(str::to_string)).collect()
        };
        let acl = get("match address ").into_iter().next();
        let acl_lines: Vec<String> = match &acl {
            Some(a) => doc
                .root
                .iter()
                .flat_map(|x| {
                    if x.text == format!("ip access-list extended {a}") {
                        x.children
                            .iter()
                            .filter(|c| !c.text.starts_with("remark"))
                            .map(|c| format!("access-list {a} {}", c.text))
                            .collect()
                    } else if x.text.starts_with(&format!("access-list {a} ")) && !x.text.contains(" remark ") {
                        vec![x.text.clone()]
                    } else {
                        vec![]
                    }
                })
                .collect(),
            None => vec![],
        };
        let pfs = get("set pfs")
            .into_iter()
            .next()
            .map(|g| if g.trim().is_empty() { "group1".to_string() } else { g.trim().to_string() });
        let transform_sets = get("set transform-set ")
            .iter()
            .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .map(|name| {
                let t = sets.iter().find(|(n, _, _)| *n == name).map(|(_, t, _)| t.clone()).unwrap_or_default();
                (name, t)
            })
            .collect();
        v.push(MapEntry {
            map: map.to_string(),
            seq,
            kind,
            peers: get("set peer "),
            isakmp_profile: get("set isakmp-profile ").into_iter().next(),
            ikev2_profile: get("set ikev2-profile ").into_iter().next(),
            acl,
            acl_lines,
            kilobytes: super::defaults::IPSEC_SA_KILOBYTES,
            seconds: get("set security-association lifetime seconds ")
                .into_iter()
                .next()
                .unwrap_or_else(|| lifetime.clone()),
            pfs,
            transform_sets,
            interfaces: ifaces(map),
        });
    }
    v
}

/// `show crypto map [tag T]`.
pub fn crypto_map(doc: &IosDoc, tag: Option<&str>, out: &mut dyn Out) {
    render_crypto_map(&crypto_map_entries(doc, tag), out);
}

/// The entries of the crypto maps applied to interface `name` (`show crypto map interface I`).
pub fn crypto_map_entries_on(doc: &IosDoc, name: &str) -> Vec<MapEntry> {
    crypto_map_entries(doc, None).into_iter().filter(|e| e.interfaces.iter().any(|i| i == name)).collect()
}

/// Crypto map entries in `show crypto map`'s layout.
pub fn render_crypto_map(entries: &[MapEntry], out: &mut dyn Out) {
    for e in entries {
        out.line(&format!("Crypto Map IPv4 \"{}\" {} {}", e.map, e.seq, e.kind));
        if e.incomplete() {
            out.line("\tWARNING: This crypto map is in an incomplete state!");
            out.line("\t\t(missing peer or access-list definitions)");
        }
        for p in &e.peers {
            out.line(&format!("\tPeer = {p}"));
        }
        if let Some(p) = &e.isakmp_profile {
            out.line(&format!("\tISAKMP Profile: {p}"));
        }
        if let Some(p) = &e.ikev2_profile {
            out.line(&format!("\tIKEv2 Profile: {p}"));
        }
        match &e.acl {
            Some(a) => {
                out.line(&format!("\tExtended IP access list {a}"));
                for l in &e.acl_lines {
                    out.line(&format!("\t    {l}"));
                }
            }
            None => out.line("\tNo matching address list set."),
        }
        if let Some(p) = e.peers.first() {
            out.line(&format!("\tCurrent peer: {p}"));
        }
        out.line(&format!("\tSecurity association lifetime: {} kilobytes/{} seconds", e.kilobytes, e.seconds));
        out.line("\tResponder-Only (Y/N): N");
        match &e.pfs {
            Some(g) => {
                out.line("\tPFS (Y/N): Y");
                out.line(&format!("\tDH group:  {g}"));
            }
            None => out.line("\tPFS (Y/N): N"),
        }
        out.line("\tMixed-mode : Disabled");
        out.line("\tTransform sets={ ");
        for (name, t) in &e.transform_sets {
            out.line(&format!("\t\t{name}:  {{ {t}  }} , "));
        }
        out.line("\t}");
        out.line(&format!("\tInterfaces using crypto map {}:", e.map));
        for i in &e.interfaces {
            out.line(&format!("\t\t{i}"));
        }
        out.line("");
    }
}

/// `show ip interface brief`.
/// One row of `show ip interface brief` (also its `| json` state).
pub struct InterfaceRow {
    pub name: String,
    pub address: String,
    pub method: &'static str,
    pub status: &'static str,
    pub protocol: &'static str,
}

/// The rows of `show ip interface brief`, from the running document.
/// `links`: the links that follow more than the configuration (`show_if::link_states`: host devices, VTIs).
pub fn ip_interface_rows(doc: &IosDoc, links: &std::collections::BTreeMap<String, bool>) -> Vec<InterfaceRow> {
    let mut rows = Vec::new();
    for n in doc.root.iter().filter(|n| n.text.starts_with("interface ")) {
        let name = &n.text["interface ".len()..];
        let mut addr = "unassigned".to_string();
        let mut method = "unset";
        for c in &n.children {
            match words(&c.text).as_slice() {
                ["ip", "address", "dhcp", ..] => {
                    addr = "unassigned".into();
                    method = "DHCP";
                }
                ["ip", "address", "negotiated", ..] => {
                    addr = "unassigned".into();
                    method = "IPCP";
                }
                ["ip", "address", a, _] => {
                    addr = a.to_string();
                    method = "manual";
                }
                _ => {}
            }
        }
        let shut = n.children.iter().any(|c| c.text == "shutdown");
        // The line protocol as `show interfaces` has it (a tunnel without source or destination is down).
        let (status, protocol) =
            match (shut, super::show_if::line_protocol_up(doc, n) && links.get(name).copied().unwrap_or(true)) {
                (true, _) => ("administratively down", "down"),
                (false, true) => ("up", "up"),
                (false, false) => ("up", "down"),
            };
        rows.push(InterfaceRow { name: name.to_string(), address: addr, method, status, protocol });
    }
    rows
}

pub fn ip_interface_brief(doc: &IosDoc, links: &std::collections::BTreeMap<String, bool>, out: &mut dyn Out) {
    out.line(&format!(
        "{:<26} {:<15} {:<3} {:<6} {:<21} {}",
        "Interface", "IP-Address", "OK?", "Method", "Status", "Protocol"
    ));
    for r in ip_interface_rows(doc, links) {
        out.line(&format!("{:<26} {:<15} YES {:<6} {:<21} {}", r.name, r.address, r.method, r.status, r.protocol));
    }
}
