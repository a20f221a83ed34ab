//! IOS's running document (the ordered lines and blocks, as IOS keeps
//! them), its modes and a session's IOS state (mode stack, privilege,
//! `key-string` data).

use crate::out::Out;

pub use crate::cisco_doc::Node;

/// The IOS running (or startup) configuration.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IosDoc {
    pub hostname: String,
    pub root: Vec<Node>,
}

impl IosDoc {
    pub fn new(hostname: &str) -> Self {
        IosDoc { hostname: hostname.to_string(), root: Vec::new() }
    }

    /// The children at a path of child indices.
    pub fn at(&self, path: &[usize]) -> Option<&Vec<Node>> {
        crate::cisco_doc::list_at(&self.root, path)
    }

    /// The children at a path of child indices, to edit.
    pub fn at_mut(&mut self, path: &[usize]) -> Option<&mut Vec<Node>> {
        crate::cisco_doc::list_at_mut(&mut self.root, path)
    }

    /// `show running-config` body: `!` between top-level blocks, one space
    /// of indentation per level, as IOS prints it.
    pub fn render(&self, out: &mut dyn Out) {
        out.line("!");
        out.line(&format!("hostname {}", self.hostname));
        out.line("!");
        fn walk(n: &Node, depth: usize, out: &mut dyn Out) {
            // A banner's text lines after the first are printed as they are.
            let mut lines = n.text.split('\n');
            out.line(&format!("{}{}", " ".repeat(depth), lines.next().unwrap_or("")));
            for l in lines {
                out.line(l);
            }
            for c in &n.children {
                walk(c, depth + 1, out);
            }
        }
        for n in &self.root {
            walk(n, 0, out);
            out.line("!");
        }
        out.line("end");
    }

    /// Every verbatim line, with the top-level block it is in.
    pub fn unsupported(&self) -> Vec<String> {
        crate::cisco_doc::unsupported(&self.root)
    }

    /// Every verbatim line: (the top-level block it is in, the line).
    pub fn unsupported_entries(&self) -> Vec<(Option<String>, String)> {
        crate::cisco_doc::unsupported_entries(&self.root)
    }
}

/// The kinds of IOS mode: each has one command graph and one prompt tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IosMode {
    UserExec,
    Exec,
    Config,
    IsakmpPolicy,
    TransformSet,
    CryptoMap,
    Keyring,
    IsakmpProfile,
    IpsecProfile,
    Ikev2Proposal,
    Ikev2Policy,
    Ikev2Keyring,
    Ikev2Peer,
    Ikev2Profile,
    /// `crypto pki certificate map LABEL SEQ`.
    CertMap,
    /// `ip vrf NAME` and `vrf definition NAME`, and the latter's `address-family ipv4`.
    Vrf,
    VrfAf,
    Interface,
    ExtAcl,
    Line,
    /// `ip ssh pubkey-chain`, its `username NAME`, and the `key-string` data.
    SshPubkey,
    SshPubkeyUser,
    SshPubkeyData,
    /// A block edgesh keeps verbatim (`router bgp 65000`, ...).
    Verbatim,
}

impl IosMode {
    pub const ALL: &'static [IosMode] = &[
        IosMode::UserExec,
        IosMode::Exec,
        IosMode::Config,
        IosMode::IsakmpPolicy,
        IosMode::TransformSet,
        IosMode::CryptoMap,
        IosMode::Keyring,
        IosMode::IsakmpProfile,
        IosMode::IpsecProfile,
        IosMode::Ikev2Proposal,
        IosMode::Ikev2Policy,
        IosMode::Ikev2Keyring,
        IosMode::Ikev2Peer,
        IosMode::Ikev2Profile,
        IosMode::CertMap,
        IosMode::Vrf,
        IosMode::VrfAf,
        IosMode::Interface,
        IosMode::ExtAcl,
        IosMode::Line,
        IosMode::SshPubkey,
        IosMode::SshPubkeyUser,
        IosMode::SshPubkeyData,
        IosMode::Verbatim,
    ];

    pub fn prompt(self) -> &'static str {
        match self {
            IosMode::UserExec | IosMode::Exec => "",
            IosMode::Config => "config",
            IosMode::IsakmpPolicy => "config-isakmp",
            IosMode::TransformSet => "cfg-crypto-trans",
            IosMode::CryptoMap => "config-crypto-map",
            IosMode::Keyring => "conf-keyring",
            IosMode::IsakmpProfile => "conf-isa-prof",
            IosMode::IpsecProfile => "ipsec-profile",
            IosMode::Ikev2Proposal => "config-ikev2-proposal",
            IosMode::Ikev2Policy => "config-ikev2-policy",
            IosMode::Ikev2Keyring => "config-ikev2-keyring",
            IosMode::Ikev2Peer => "config-ikev2-keyring-peer",
            IosMode::Ikev2Profile => "config-ikev2-profile",
            IosMode::CertMap => "ca-certificate-map",
            IosMode::Vrf => "config-vrf",
            IosMode::VrfAf => "config-vrf-af",
            IosMode::Interface => "config-if",
            IosMode::ExtAcl => "config-ext-nacl",
            IosMode::Line => "config-line",
            IosMode::SshPubkey => "conf-ssh-pubkey",
            IosMode::SshPubkeyUser => "conf-ssh-pubkey-user",
            IosMode::SshPubkeyData => "conf-ssh-pubkey-data",
            IosMode::Verbatim => "config-unmodelled",
        }
    }
}

/// One level of the IOS mode stack: the mode and the node it edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IosFrame {
    pub mode: IosMode,
    pub path: Vec<usize>,
}
