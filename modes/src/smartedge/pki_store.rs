//! What a context's PKI store holds (SmartEdge section 6.1): certificates
//! and key pairs, by name.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub handle: u32,
    pub trusted: bool,
    pub key_pair: Option<String>,
    pub file: String,
    pub pem: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    pub kind: String,
    pub size: Option<u32>,
    /// The PEM file it was imported from, or `None` if only requested.
    pub file: Option<String>,
}

/// The PKI store of one context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PkiStore {
    pub certificates: Vec<Certificate>,
    pub key_pairs: BTreeMap<String, KeyPair>,
    pub requests: BTreeMap<String, String>,
    pub next_handle: u32,
}
