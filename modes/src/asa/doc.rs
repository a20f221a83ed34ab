//! The ASA's running configuration: an ordered document of lines and blocks
//! (`interface`, `crypto ikev1 policy`, `tunnel-group X ipsec-attributes`
//! ...), its modes and prompts, and `show running-config` as the ASA prints
//! it (`: Saved`, `ASA Version`, `: end`, keys as `*****`).

use crate::out::Out;

pub use crate::cisco_common::Node;

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
        crate::cisco_common::list_at(&self.root, path)
    }

    pub fn at_mut(&mut self, path: &[usize]) -> Option<&mut Vec<Node>> {
        crate::cisco_common::list_at_mut(&mut self.root, path)
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

    /// The top-level lines (with their blocks) whose words start with `words`
    /// (`show running-config crypto map`).
    pub fn render_section(&self, words: &[&str], masked: bool, out: &mut dyn Out) {
        for n in &self.root {
            // `no crypto map M 10 set tfc-packets` belongs to the crypto map section.
            let w: Vec<&str> = n.text.strip_prefix("no ").unwrap_or(&n.text).split_whitespace().collect();
            if w.len() >= words.len() && w.iter().zip(words).all(|(a, b)| a == b) {
                render_node(n, 0, masked, out);
            }
        }
    }

    /// Every verbatim line, with the block it is in.
    pub fn unsupported(&self) -> Vec<String> {
        crate::cisco_common::unsupported(&self.root)
    }
}

fn render_node(n: &Node, depth: usize, masked: bool, out: &mut dyn Out) {
    let text = if masked { mask(&n.text) } else { n.text.clone() };
    // The ASA ends transform-set and `set peer` lines with a space (the corpus's captures; ntc-templates expects it).
    let w: Vec<&str> = text.split_whitespace().collect();
    let space = matches!(w.as_slice(), ["crypto", "ipsec", "ikev1", "transform-set", _, e, ..] if *e != "mode") || matches!(w.as_slice(), ["crypto", "map", _, _, "set", "peer", ..]);
    out.line(&format!("{}{}{}", " ".repeat(depth), text, if space { " " } else { "" }));
    for c in &n.children {
        render_node(c, depth + 1, masked, out);
    }
}

/// A line with its keys as the ASA shows them in `show running-config`:
/// `ikev1 pre-shared-key *****`, `ikev2 remote-authentication pre-shared-key
/// *****`, `ikev2 local-authentication pre-shared-key *****`.
pub fn mask(line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let key_at = match w.as_slice() {
        ["ikev1", "pre-shared-key", ..] => Some(2),
        ["ikev2", "remote-authentication" | "local-authentication", "pre-shared-key", ..] => Some(3),
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
    ObjectGroupNetwork,
    ObjectGroupService,
    GroupPolicy,
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
        AsaMode::ObjectGroupNetwork,
        AsaMode::ObjectGroupService,
        AsaMode::GroupPolicy,
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
            AsaMode::ObjectGroupNetwork => "config-network-object-group",
            AsaMode::ObjectGroupService => "config-service-object-group",
            AsaMode::GroupPolicy => "config-group-policy",
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
        assert_eq!(mask("ikev2 remote-authentication pre-shared-key s3cret"), "ikev2 remote-authentication pre-shared-key *****");
        assert_eq!(mask("ikev2 local-authentication pre-shared-key 0 s3cret"), "ikev2 local-authentication pre-shared-key 0 *****");
        assert_eq!(mask("ikev1 trust-point TP"), "ikev1 trust-point TP");
    }
}
