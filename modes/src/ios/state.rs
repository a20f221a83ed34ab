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
}
