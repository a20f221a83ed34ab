//! The ASA's state kept in the shared `Router` and `Session` (a leaf: it
//! imports nothing of the session core, so `session.rs` can hold it
//! without an import circle).

use super::doc::{AsaDoc, AsaFrame};
use std::net::Ipv4Addr;
use std::sync::Arc;

/// The ASA's router state: the running document, the startup one (`write
/// memory`), the document the engine last ran from and its engine model.
#[derive(Debug)]
pub struct AsaRouter {
    pub doc: AsaDoc,
    pub startup: Option<AsaDoc>,
    pub compiled: Option<AsaDoc>,
    pub model: Arc<edgesh_engine::Config>,
    /// The levels of `debug crypto ikev1 N` and `debug crypto ipsec N` (`show debug`).
    pub debug_levels: (u8, u8),
    /// What `show vpn-sessiondb` counts beyond the SAs up now (the engine
    /// keeps no history of SAs gone): kept as the engine's events come.
    pub tallies: std::sync::Mutex<SessionTallies>,
    /// Each IPsec SA pair's proxies (local, remote) by inbound SPI, kept from
    /// its `ChildUp` for the `713050` line when it goes.
    pub proxies: std::sync::Mutex<std::collections::HashMap<u32, (Ipv4Addr, Ipv4Addr)>>,
    /// What `clear asp drop` cleared, and when (`asp.rs`).
    pub asp_cleared: AspCleared,
    /// The VPN contexts `show asp table vpn-context detail` lists (`asp.rs`), kept as the engine's events come.
    pub asp_contexts: std::sync::Mutex<AspContexts>,
}

/// Cumulative and peak concurrent counts of one row of `show vpn-sessiondb`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub cumulative: u64,
    pub peak: u64,
}

/// The rows of `show vpn-sessiondb`: LAN-to-LAN sessions by IKE version,
/// and tunnels (IKE SAs by version, IPsec SAs in ESP or in UDP).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionTallies {
    pub l2l_v1: Tally,
    pub l2l_v2: Tally,
    pub ipsec: Tally,
    pub ipsec_natt: Tally,
}

impl Default for AsaRouter {
    fn default() -> Self {
        AsaRouter {
            doc: AsaDoc::default(),
            startup: None,
            compiled: None,
            model: Arc::new(edgesh_engine::Config::new("ciscoasa")),
            debug_levels: (1, 1),
            tallies: Default::default(),
            proxies: Default::default(),
            asp_cleared: Default::default(),
            asp_contexts: Default::default(),
        }
    }
}

/// A session's ASA state: its configuration mode stack.
#[derive(Clone, Debug, Default)]
pub struct AsaSession {
    pub stack: Vec<AsaFrame>,
}

/// The two sections of `show asp drop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AspSection {
    Frame,
    Flow,
}

/// What `clear asp drop` left (`asp.rs`): per section, the counts it cleared and its
/// `Last clearing:` text (`None`: never cleared).
#[derive(Clone, Debug, Default)]
pub struct AspCleared {
    pub frame: Option<(edgesh_engine::esp_drops::DropCounts, String)>,
    pub flow: Option<(edgesh_engine::esp_drops::DropCounts, String)>,
}

impl AspCleared {
    pub fn of(&self, s: AspSection) -> &Option<(edgesh_engine::esp_drops::DropCounts, String)> {
        match s {
            AspSection::Frame => &self.frame,
            AspSection::Flow => &self.flow,
        }
    }
}

/// Where a tunnel's traffic is: its peer and its proxies (local, remote).
pub type AspContextKey = (Ipv4Addr, edgesh_engine::ike::conf::Selector, edgesh_engine::ike::conf::Selector);

/// The ASA's VPN contexts: a pair (decrypt, encrypt) per peer and proxies,
/// kept across rekeys as the ASA keeps them (the SA and SPI change, the
/// context and its rekey count stay), gone with the tunnel's last SA.
#[derive(Debug, Default)]
pub struct AspContexts {
    /// The next context number to give.
    pub next: u32,
    pub by_key: std::collections::HashMap<AspContextKey, AspContext>,
}

/// One tunnel's pair of contexts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AspContext {
    /// The decrypt context's number; the encrypt one's is the next.
    pub id: u32,
    /// The rekeys since the tunnel's first SA.
    pub rekeys: u64,
}
