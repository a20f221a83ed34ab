//! What a context's PKI store holds in memory (SmartEdge section 6.1):
//! imported certificates with their handles, and the certificate requests
//! written. Key pairs are in the router's key store on disk
//! (`crate::keystore`; `pki_files.rs` names them).

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub handle: u32,
    pub trusted: bool,
    pub key_pair: Option<String>,
    pub file: String,
    pub pem: String,
}

/// The PKI store of one context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PkiStore {
    pub certificates: Vec<Certificate>,
    /// Certificate requests written: name -> file.
    pub requests: BTreeMap<String, String>,
    pub next_handle: u32,
}
