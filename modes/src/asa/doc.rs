//! The ASA's running configuration: an ordered document of lines and blocks
//! (`interface`, `crypto ikev1 policy`, `tunnel-group X ipsec-attributes`
//! ...), its modes and prompts, and `show running-config` as the ASA prints
//! it (`: Saved`, `ASA Version`, `: end`, keys as `*****`).

use crate::out::Out;

pub use crate::cisco_doc::Node;

/// The running (or startup) configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsaDoc {
    pub hostname: String,
    pub root: Vec<Node>,
}

impl Default for AsaDoc {
    fn default() -> Self {
        AsaDoc { hostname: "ciscoasa".into(), root: Vec::new() }
    }
}

/// The version line `show running-config` starts with.
pub const VERSION: &str = "ASA Version 9.8(4)";

impl AsaDoc {
    pub fn at(&self, path: &[usize]) -> Option<&Vec<Node>> {
        crate::cisco_doc::list_at(&self.root, path)
    }

    pub fn at_mut(&mut self, path: &[usize]) -> Option<&mut Vec<Node>> {
        crate::cisco_doc::list_at_mut(&mut self.root, path)
    }

    /// The whole configuration as `show running-config` prints it (`masked`:
    /// pre-shared keys as `*****`; `more system:running-config` shows them).
    pub fn render(&self, masked: bool, out: &mut dyn Out) {
        out.line(": Saved");
        out.line(":");
        out.line(VERSION);
        out.line("!");
        out.line(&format!("hostname {}", self.hostname));
        for n in &self.root {
            render_node(n, 0, masked, out);
            // The ASA closes interface blocks with `!`.
            if n.text.starts_with("interface ") {
                out.line("!");
            }
        }
        out.line(": end");
    }

    /// The host names `name A NAME [description ...]` gives: NAME -> A.
    pub fn names(&self) -> std::collections::HashMap<String, std::net::Ipv4Addr> {
        self.root
            .iter()
            .filter_map(|n| match n.text.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["name", a, name, ..] => Some((name.to_string(), a.parse().ok()?)),
                _ => None,
            })
            .collect()
    }

    /// The top-level lines (with their blocks) whose words start with `words`
    /// (`show running-config crypto map`).
    pub fn render_section(&self, words: &[&str], masked: bool, out: &mut dyn Out) {
        for n in self.section(words) {
            render_node(n, 0, masked, out);
        }
    }

    /// The top-level lines (with their blocks) whose words start with
    /// `words`: what `show running-config crypto map` lists.
    pub fn section<'a>(&'a self, words: &[&str]) -> Vec<&'a Node> {
        self.root
            .iter()
            .filter(|n| {
                // `no crypto map M 10 set tfc-packets` belongs to the crypto map section.
                let w: Vec<&str> = n.text.strip_prefix("no ").unwrap_or(&n.text).split_whitespace().collect();
                w.len() >= words.len() && w.iter().zip(words).all(|(a, b)| a == b)
            })
            .collect()
    }

    /// The document as `show running-config all` prints it: each crypto
    /// map's entries together, by sequence number, in the ASA's order of
    /// options, with the defaults the ASA prints spelled out (`set
    /// connection-type bidirectional`, `set ikev1 phase1-mode main`, `set
    /// ikev2 mode tunnel`, `no crypto map M SEQ set tfc-packets`; the
    /// corpus's `show running-config all crypto map` captures), then the
    /// map's `interface` line.
    pub fn with_defaults(&self) -> AsaDoc {
        let mut root: Vec<Node> = Vec::new();
        let mut done: Vec<String> = Vec::new();
        for n in &self.root {
            let w: Vec<&str> = n.text.strip_prefix("no ").unwrap_or(&n.text).split_whitespace().collect();
            let ["crypto", "map", map, ..] = w.as_slice() else {
                root.push(n.clone());
                continue;
            };
            if done.iter().any(|d| d == map) {
                continue;
            }
            done.push(map.to_string());
            root.extend(crypto_map_all(&self.root, map).into_iter().map(|t| Node { text: t, ..Default::default() }));
        }
        AsaDoc { hostname: self.hostname.clone(), root }
    }

    /// Every verbatim line, with the block it is in.
    pub fn unsupported(&self) -> Vec<String> {
        crate::cisco_doc::unsupported(&self.root)
    }
}

/// The lines of crypto map `map` as `show running-config all` prints them.
fn crypto_map_all(root: &[Node], map: &str) -> Vec<String> {
    // (seq, option words) of every entry line; the interface lines.
    let mut entries: std::collections::BTreeMap<u32, Vec<(bool, String)>> = Default::default();
    let mut interfaces = Vec::new();
    for n in root {
        let (neg, body) = match n.text.strip_prefix("no ") {
            Some(b) => (true, b),
            None => (false, n.text.as_str()),
        };
        let w: Vec<&str> = body.split_whitespace().collect();
        match w.as_slice() {
            ["crypto", "map", m, "interface", ..] if *m == map => interfaces.push(n.text.clone()),
            ["crypto", "map", m, seq, rest @ ..] if *m == map => {
                if let Ok(seq) = seq.parse::<u32>() {
                    entries.entry(seq).or_default().push((neg, rest.join(" ")));
                }
            }
            _ => {}
        }
    }
    // The ASA's order of an entry's options.
    const ORDER: &[&str] = &[
        "match address",
        "set pfs",
        "set connection-type",
        "set peer",
        "set ikev1 phase1-mode",
        "set ikev1 transform-set",
        "set ikev2 ipsec-proposal",
        "set ikev2 mode",
        "set security-association lifetime",
    ];
    let rank = |o: &str| ORDER.iter().position(|p| o == *p || o.starts_with(&format!("{p} "))).unwrap_or(ORDER.len());
    let mut out = Vec::new();
    for (seq, mut opts) in entries {
        let has =
            |opts: &[(bool, String)], p: &str| opts.iter().any(|(_, o)| o == p || o.starts_with(&format!("{p} ")));
        // A dynamic-map reference is a line of its own, without defaults.
        if !has(&opts, "ipsec-isakmp dynamic") {
            for (p, default) in [
                ("set connection-type", "set connection-type bidirectional"),
                ("set ikev1 phase1-mode", "set ikev1 phase1-mode main"),
                ("set ikev2 mode", "set ikev2 mode tunnel"),
            ] {
                if !has(&opts, p) {
                    opts.push((false, default.to_string()));
                }
            }
            if !has(&opts, "set tfc-packets") {
                opts.push((true, "set tfc-packets".to_string()));
            }
        }
        // Stable: options the order does not name keep their place among themselves, after the named ones; tfc-packets last.
        opts.sort_by_key(|(_, o)| if o.starts_with("set tfc-packets") { ORDER.len() + 1 } else { rank(o) });
        for (neg, o) in opts {
            out.push(format!("{}crypto map {map} {seq} {o}", if neg { "no " } else { "" }));
        }
    }
    out.extend(interfaces);
    out
}

fn render_node(n: &Node, depth: usize, masked: bool, out: &mut dyn Out) {
    let text = if masked { mask(&n.text) } else { n.text.clone() };
    // The ASA ends transform-set and `set peer` lines with a space (the corpus's captures; ntc-templates expects it).
    let w: Vec<&str> = text.split_whitespace().collect();
    let space = matches!(w.as_slice(), ["crypto", "ipsec", "ikev1", "transform-set", _, e, ..] if *e != "mode")
        || matches!(w.as_slice(), ["crypto", "map", _, _, "set", "peer", ..]);
    out.line(&format!("{}{}{}", " ".repeat(depth), text, if space { " " } else { "" }));
    for c in &n.children {
        render_node(c, depth + 1, masked, out);
    }
}

/// A line with its keys as the ASA shows them in `show running-config`:
/// `ikev1 pre-shared-key *****`, `ikev2 remote-authentication pre-shared-key
/// *****`, `ikev2 local-authentication pre-shared-key *****`; an AAA
/// server's `key *****`, `radius-common-pw *****`, `ldap-login-password
/// *****`; `ntp authentication-key 1 md5 *****` (public ASA 8.4 and 9.1
/// `show running-config` captures print these masked).
pub fn mask(line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let key_at = match w.as_slice() {
        ["ikev1", "pre-shared-key", ..] => Some(2),
        ["ikev2", "remote-authentication" | "local-authentication", "pre-shared-key", ..] => Some(3),
        ["key" | "radius-common-pw" | "ldap-login-password", ..] => Some(1),
        ["ntp", "authentication-key", _, _, ..] => Some(4),
        _ => None,
    };
    match key_at {
        // `pre-shared-key 0 KEY` / `8 KEY` (the encryption type) keeps the type word.
        Some(i) if w.len() > i => {
            let mut v: Vec<String> = w.iter().map(|s| s.to_string()).collect();
            let i = if v.len() > i + 1 && matches!(w[i], "0" | "8") { i + 1 } else { i };
            v.truncate(i);
            v.push("*****".into());
            v.join(" ")
        }
        _ => line.to_string(),
    }
}

/// The kinds of ASA mode: each has one command graph and one prompt tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsaMode {
    UserExec,
    Exec,
    Config,
    Interface,
    Ikev1Policy,
    Ikev2Policy,
    IpsecProposal,
    IpsecProfile,
    TunnelGeneral,
    TunnelIpsec,
    ObjectNetwork,
    /// `object service NAME`.
    ObjectService,
    ObjectGroupNetwork,
    ObjectGroupService,
    GroupPolicy,
    /// `username NAME attributes`.
    UsernameAttrs,
    /// `dns server-group NAME`.
    DnsServerGroup,
    /// A block edgesh keeps verbatim (`policy-map global_policy`, ...).
    Verbatim,
}

impl AsaMode {
    pub const ALL: &'static [AsaMode] = &[
        AsaMode::UserExec,
        AsaMode::Exec,
        AsaMode::Config,
        AsaMode::Interface,
        AsaMode::Ikev1Policy,
        AsaMode::Ikev2Policy,
        AsaMode::IpsecProposal,
        AsaMode::IpsecProfile,
        AsaMode::TunnelGeneral,
        AsaMode::TunnelIpsec,
        AsaMode::ObjectNetwork,
        AsaMode::ObjectService,
        AsaMode::ObjectGroupNetwork,
        AsaMode::ObjectGroupService,
        AsaMode::GroupPolicy,
        AsaMode::UsernameAttrs,
        AsaMode::DnsServerGroup,
        AsaMode::Verbatim,
    ];

    /// The prompt tag (`ciscoasa(config-tunnel-ipsec)# `).
    pub fn prompt(self) -> &'static str {
        match self {
            AsaMode::UserExec | AsaMode::Exec => "",
            AsaMode::Config => "config",
            AsaMode::Interface => "config-if",
            AsaMode::Ikev1Policy => "config-ikev1-policy",
            AsaMode::Ikev2Policy => "config-ikev2-policy",
            AsaMode::IpsecProposal => "config-ipsec-proposal",
            AsaMode::IpsecProfile => "config-ipsec-profile",
            AsaMode::TunnelGeneral => "config-tunnel-general",
            AsaMode::TunnelIpsec => "config-tunnel-ipsec",
            AsaMode::ObjectNetwork => "config-network-object",
            AsaMode::ObjectService => "config-service-object",
            AsaMode::ObjectGroupNetwork => "config-network-object-group",
            AsaMode::ObjectGroupService => "config-service-object-group",
            AsaMode::GroupPolicy => "config-group-policy",
            AsaMode::UsernameAttrs => "config-username",
            AsaMode::DnsServerGroup => "config-dns-server-group",
            AsaMode::Verbatim => "config-unmodelled",
        }
    }

    /// The vocabulary family of a modelled mode (`vocabulary.rs`).
    pub fn family(self) -> &'static str {
        match self {
            AsaMode::Config => "global",
            AsaMode::Interface => "interface",
            AsaMode::TunnelGeneral => "tunnel-general",
            AsaMode::TunnelIpsec => "tunnel-ipsec",
            AsaMode::GroupPolicy => "group-policy",
            AsaMode::UsernameAttrs => "username",
            AsaMode::ObjectNetwork => "network-object",
            AsaMode::Ikev1Policy | AsaMode::Ikev2Policy => "ike-policy",
            _ => "none",
        }
    }
}

/// One level of the mode stack: the mode and the node it edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsaFrame {
    pub mode: AsaMode,
    pub path: Vec<usize>,
    /// Verbatim blocks: the vocabulary family.
    pub family: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_as_the_asa_does() {
        assert_eq!(mask("ikev1 pre-shared-key s3cret"), "ikev1 pre-shared-key *****");
        assert_eq!(
            mask("ikev2 remote-authentication pre-shared-key s3cret"),
            "ikev2 remote-authentication pre-shared-key *****"
        );
        assert_eq!(
            mask("ikev2 local-authentication pre-shared-key 0 s3cret"),
            "ikev2 local-authentication pre-shared-key 0 *****"
        );
        assert_eq!(mask("ikev1 trust-point TP"), "ikev1 trust-point TP");
        assert_eq!(mask("key radius-s3cret"), "key *****");
        assert_eq!(mask("radius-common-pw s3cret"), "radius-common-pw *****");
        assert_eq!(mask("ldap-login-password s3cret"), "ldap-login-password *****");
        assert_eq!(mask("ntp authentication-key 1 md5 s3cret"), "ntp authentication-key 1 md5 *****");
        assert_eq!(mask("ntp server 192.0.2.1 key 1"), "ntp server 192.0.2.1 key 1");
    }

    #[test]
    fn running_config_all_spells_out_crypto_map_defaults_in_the_asa_order() {
        let lines = [
            "crypto map M 20 set ikev1 transform-set T",
            "crypto map M 20 set peer 192.0.2.2",
            "crypto map M interface outside",
            "crypto map M 20 match address A",
            "crypto map M 20 set pfs group14",
            "crypto map M 10 set connection-type answer-only",
            "crypto map M 10 match address B",
            "crypto map M 65535 ipsec-isakmp dynamic D",
            "hostname x",
        ];
        let d = AsaDoc {
            hostname: "a".into(),
            root: lines.iter().map(|l| Node { text: l.to_string(), ..Default::default() }).collect(),
        };
        let got: Vec<String> = d.with_defaults().root.into_iter().map(|n| n.text).collect();
        assert_eq!(
            got,
            [
                "crypto map M 10 match address B",
                "crypto map M 10 set connection-type answer-only",
                "crypto map M 10 set ikev1 phase1-mode main",
                "crypto map M 10 set ikev2 mode tunnel",
                "no crypto map M 10 set tfc-packets",
                "crypto map M 20 match address A",
                "crypto map M 20 set pfs group14",
                "crypto map M 20 set connection-type bidirectional",
                "crypto map M 20 set peer 192.0.2.2",
                "crypto map M 20 set ikev1 phase1-mode main",
                "crypto map M 20 set ikev1 transform-set T",
                "crypto map M 20 set ikev2 mode tunnel",
                "no crypto map M 20 set tfc-packets",
                "crypto map M 65535 ipsec-isakmp dynamic D",
                "crypto map M interface outside",
                "hostname x",
            ]
        );
    }
}
