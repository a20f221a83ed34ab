//! The SmartEdge OS dialect (seed 004, the SmartEdge "IPsec VPN Configuration
//! and Operation" guide).
//!
//! * `commands.rs`: every mode's command graph: spec, help strings, handler.
//! * `render.rs`: `show configuration`, in canonical SmartEdge order.
//! * `show.rs`: the other show commands.
//! * `diff.rs`: `show configuration changes`.
//! * `wording.rs`: the text of engine values (down reasons, packet errors, problem objects).

pub mod commands;
pub mod diff;
pub mod events;
pub mod pki;
pub mod render;
pub mod show;
pub mod show_ike2;
pub mod show_sa;
pub mod wording;

use crate::session::Handler;
use edgesh_engine::config::SaDir;
use edgesh_grammar::Graph;
use std::sync::OnceLock;

/// One level of the configuration mode stack, naming the object it edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Config,
    Ctx(String),
    Iface { ctx: String, name: String },
    Admin { ctx: String, name: String },
    IkeProposal { name: String, v2: bool },
    IkePolicy { ctx: String, name: String, v2: bool },
    IpsecProposal(String),
    IpsecPolicy(String),
    IpsecSa(String),
    IpsecSaSpi(String, SaDir),
    IpsecAcl { ctx: String, name: String },
    IpsecProfile { ctx: String, name: String },
    QosPq(String),
    Tunnel(String),
    AspPool(String),
    AspGroup(String),
    Port(u32, u32),
    Card(u32),
}

/// The kinds of mode; each has one command graph and one prompt tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModeKind {
    Exec,
    Config,
    Ctx,
    Iface,
    Admin,
    IkeProposal,
    Ike2Proposal,
    IkePolicy,
    Ike2Policy,
    IpsecProposal,
    IpsecPolicy,
    IpsecSa,
    IpsecSaSpi,
    IpsecAcl,
    IpsecProfile,
    QosPq,
    Tunnel,
    AspPool,
    AspGroup,
    Port,
    Card,
}

impl ModeKind {
    pub const ALL: &'static [ModeKind] = &[
        ModeKind::Exec,
        ModeKind::Config,
        ModeKind::Ctx,
        ModeKind::Iface,
        ModeKind::Admin,
        ModeKind::IkeProposal,
        ModeKind::Ike2Proposal,
        ModeKind::IkePolicy,
        ModeKind::Ike2Policy,
        ModeKind::IpsecProposal,
        ModeKind::IpsecPolicy,
        ModeKind::IpsecSa,
        ModeKind::IpsecSaSpi,
        ModeKind::IpsecAcl,
        ModeKind::IpsecProfile,
        ModeKind::QosPq,
        ModeKind::Tunnel,
        ModeKind::AspPool,
        ModeKind::AspGroup,
        ModeKind::Port,
        ModeKind::Card,
    ];

    /// The tag in the prompt, `[local]edgesh(<tag>)#`.
    pub fn prompt(self) -> &'static str {
        match self {
            ModeKind::Exec => "",
            ModeKind::Config => "config",
            ModeKind::Ctx => "config-ctx",
            ModeKind::Iface => "config-if",
            ModeKind::Admin => "config-administrator",
            ModeKind::IkeProposal => "config-ike-proposal",
            ModeKind::Ike2Proposal => "config-ike2-proposal",
            ModeKind::IkePolicy | ModeKind::Ike2Policy => "config-ike-policy",
            ModeKind::IpsecProposal => "config-ipsec-proposal",
            ModeKind::IpsecPolicy => "config-ipsec-policy",
            ModeKind::IpsecSa => "config-ipsec-sa",
            ModeKind::IpsecSaSpi => "config-ipsec-sa-spi",
            ModeKind::IpsecAcl => "config-ipsec-acl",
            ModeKind::IpsecProfile => "cfg-ipsec-profile",
            ModeKind::QosPq => "config-ipsec-policy-pq",
            ModeKind::Tunnel => "config-tunnel",
            ModeKind::AspPool => "config-asp-pool-mode",
            ModeKind::AspGroup => "config-asp-group-mode",
            ModeKind::Port => "config-port",
            ModeKind::Card => "config-card",
        }
    }
}

impl Frame {
    pub fn kind(&self) -> ModeKind {
        match self {
            Frame::Config => ModeKind::Config,
            Frame::Ctx(_) => ModeKind::Ctx,
            Frame::Iface { .. } => ModeKind::Iface,
            Frame::Admin { .. } => ModeKind::Admin,
            Frame::IkeProposal { v2: false, .. } => ModeKind::IkeProposal,
            Frame::IkeProposal { v2: true, .. } => ModeKind::Ike2Proposal,
            Frame::IkePolicy { v2: false, .. } => ModeKind::IkePolicy,
            Frame::IkePolicy { v2: true, .. } => ModeKind::Ike2Policy,
            Frame::IpsecProposal(_) => ModeKind::IpsecProposal,
            Frame::IpsecPolicy(_) => ModeKind::IpsecPolicy,
            Frame::IpsecSa(_) => ModeKind::IpsecSa,
            Frame::IpsecSaSpi(..) => ModeKind::IpsecSaSpi,
            Frame::IpsecAcl { .. } => ModeKind::IpsecAcl,
            Frame::IpsecProfile { .. } => ModeKind::IpsecProfile,
            Frame::QosPq(_) => ModeKind::QosPq,
            Frame::Tunnel(_) => ModeKind::Tunnel,
            Frame::AspPool(_) => ModeKind::AspPool,
            Frame::AspGroup(_) => ModeKind::AspGroup,
            Frame::Port(..) => ModeKind::Port,
            Frame::Card(_) => ModeKind::Card,
        }
    }
}

/// The command graphs of every SmartEdge mode.
pub struct Graphs {
    graphs: Vec<(ModeKind, Graph<Handler>)>,
}

impl Graphs {
    pub fn get(&self, k: ModeKind) -> &Graph<Handler> {
        // Every kind is built by `commands::build`; the test below checks it.
        &self.graphs.iter().find(|(m, _)| *m == k).unwrap_or(&self.graphs[0]).1
    }
}

/// Built once, shared by every session.
pub fn graphs() -> &'static Graphs {
    static G: OnceLock<Graphs> = OnceLock::new();
    G.get_or_init(|| Graphs { graphs: ModeKind::ALL.iter().map(|k| (*k, commands::build(*k))).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_mode_has_a_graph() {
        for k in ModeKind::ALL {
            assert!(graphs().get(*k).commands().count() > 0, "{k:?}");
        }
    }
}
