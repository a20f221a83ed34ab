//! A session's IOS state: its mode stack, privilege, the index of the
//! document's top-level blocks, and what a multi-line input (`key-string`
//! data, a banner) has collected so far.

use super::blockindex;
use super::doc::IosFrame;

/// Per-session IOS state.
#[derive(Clone, Debug, Default)]
pub struct IosSession {
    pub privileged: bool,
    pub stack: Vec<IosFrame>,
    /// `key-string` data typed so far (`(conf-ssh-pubkey-data)`).
    pub key_data: Vec<String>,
    /// The `username` block that `key-string` data goes into.
    pub key_user: Option<IosFrame>,
    /// Top-level blocks by header (a long paste stays linear).
    pub blocks: blockindex::BlockIndex,
    /// A multi-line banner being typed: (`banner motd`, delimiter, text so far).
    pub banner: Option<(String, String, Vec<String>)>,
    /// A question waiting for its answer (`[confirm]`, `[yes/no]`): the
    /// next line typed or pasted answers it, as on IOS.
    pub confirm: Option<Pending>,
    /// `interface range`: the first member's frame (the mode's) and the
    /// other members' frames (`range.rs`).
    pub range: Option<(IosFrame, Vec<IosFrame>)>,
}

/// A command that asked for confirmation before it acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// `[yes/no]` (a whole line answers) or `[confirm]` (one character does).
    pub yes_no: bool,
    /// The question, printed as the prompt.
    pub prompt: String,
    pub action: PendingAction,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingAction {
    /// `no LINE` (`no username NAME`): remove it once confirmed.
    Negate(String),
    /// `no crypto pki trustpoint NAME` of an enrolled trustpoint: the
    /// trustpoint and its certificate chain.
    RemoveTrustpoint(String),
    /// `clear logging`: the log buffer.
    ClearLogging,
    /// `write erase` / `erase startup-config`: the startup configuration.
    EraseStartup,
}
