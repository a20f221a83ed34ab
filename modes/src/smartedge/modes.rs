//! SmartEdge's configuration modes: the kinds (one command graph and one
//! prompt tag each) and the frames of a session's mode stack, naming the
//! object each edits.

use edgesh_engine::config::SaDir;

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
