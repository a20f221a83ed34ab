//! IKEv2 (RFC 7296): owns the IKEv2 protocol core beside the IKEv1 one.
//! [`wire`] parses and builds messages, [`keys`] derives and applies the keys.
pub mod wire;
