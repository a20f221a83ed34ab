//! IKEv2 (RFC 7296): owns the IKEv2 protocol core beside the IKEv1 one.
//! [`wire`] parses and builds messages, [`keys`] derives and applies the
//! keys; the exchanges are one module each ([`init`] IKE_SA_INIT, [`auth`]
//! IKE_AUTH, [`child`] CREATE_CHILD_SA, [`informational`]); [`sa`] is the SA
//! record and table, `transport` the message-ID window of size 1 and
//! sealing/opening (SKF fragments out, RFC 7383), `fragments` the bounded
//! reassembly, `timers` retransmission, lifetimes and DPD. This module owns
//! the [`Core`] they extend: configuration, starting and clearing tunnels,
//! and the dispatch of each datagram (duplicate requests answered from the
//! stored response). Like the IKEv1 endpoint it does no I/O and reads no clock; it
//! produces the engine's [`ChildSa`] and [`Event`]s, so the ESP dataplane
//! and the dialects treat IKEv2 children like IKEv1 ones.

pub mod auth;
mod cert_init;
pub mod child;
mod fragments;
pub mod informational;
pub mod init;
pub mod keys;
pub mod sa;
mod stats;
mod timers;
mod transport;
pub mod wire;

pub(crate) use fragments::Reasm;
pub(crate) use sa::{ChildNeg, LastResponse, Pending, Req, What};
pub use sa::{Sa, State};
pub use stats::TunnelStats;
pub use timers::Accounted;
pub(crate) use transport::later_fragment;

use super::conf::{PeerConf, Selector};
use super::crypto::DhSecret;
use super::events::{DownReason, Event, Role};
use super::params::{
    DPD_INTERVAL, Millis, NATT_PORT, REKEY_AT, RETRANSMIT_BASE, RETRANSMIT_TRIES, RETRY_INTERVAL, Transmit,
};
use super::sa::ChildSa;
use crate::config::{Identity, Prefix4};
use keys::{IkeKeys, SkKeys, Suite};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};
use wire::{Header, IdRepr, Msg, Ts, exchange, flags, id};

/// IKEv2 SAs and children are numbered from here (IKEv1 ones stay below).
pub const CONN_BASE: u32 = 1 << 24;
/// A copy of a request is answered again from the stored response at most this often.
pub const RESPONSE_REPLAYS: u32 = 5;
/// Half-open responder SAs above which an IKE_SA_INIT must carry a cookie (RFC 7296 2.6).
pub const COOKIE_THRESHOLD: usize = 64;
/// IKE SAs this side initiates and has not yet established (IKE_SA_INIT or
/// IKE_AUTH outstanding) at most at once; further tunnels wait their turn
/// (strongSwan paces the same way through its job queue and
/// `init_limit_half_open` on the receiving side). 1,000 tunnels started at
/// once overflowed strongSwan's receive queue, and each lost IKE_SA_INIT
/// waited for its retransmission.
pub const INIT_LIMIT: usize = 32;
/// INFORMATIONAL DELETEs of IKE SAs this side went without (a clear, a
/// configuration removed, a lifetime run out) unanswered at most at once;
/// the rest wait in order and go as the peer answers the earlier ones (or
/// after [`RETRANSMIT_BASE`] without an answer: the SA is gone here, so a
/// delete is never sent again). Clearing thousands of SAs would otherwise
/// send thousands of DELETEs in one burst, which overflows the peer's
/// receive queue as a burst of IKE_SA_INITs does ([`INIT_LIMIT`]).
pub const DELETE_LIMIT: usize = 32;
/// Half-open SAs are dropped after this long.
pub const HALF_OPEN_TIMEOUT: Millis = 30_000;
/// IKE_SA_INIT retries after COOKIE or INVALID_KE_PAYLOAD (each).
pub const MAX_INIT_RETRIES: u32 = 3;
/// The largest IP datagram an IKE message is sent in before it is cut into
/// fragments (RFC 7383 2.5.1: 1280 for IPv6, a safe choice for IPv4 too).
pub const FRAGMENT_SIZE: usize = 1280;
/// A fragmented message announcing more fragments than this is dropped.
pub const MAX_FRAGMENTS: usize = 64;
/// The reassembled message may not grow beyond this (octets of inner payloads).
pub const MAX_REASSEMBLY: usize = 65_535;
/// Fragments of a message not completed in this time are dropped.
pub const REASSEMBLY_TIMEOUT: Millis = 30_000;

/// Whether an SA or child number belongs to IKEv2.
pub fn is_v2(conn: u32) -> bool {
    conn >= CONN_BASE
}

/// Constant-time comparison of MACs.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_malformed: u64,
    pub rx_duplicates: u64,
    pub rx_integrity: u64,
    pub retransmits: u64,
    pub ike_established: u64,
    pub ike_failed: u64,
    pub child_established: u64,
    pub child_failed: u64,
    pub cookies_sent: u64,
    pub tx_fragments: u64,
    pub rx_fragments: u64,
    pub rx_reassembled: u64,
    /// Fragments dropped: duplicates, bad numbering, over the bounds, not negotiated.
    pub rx_fragments_dropped: u64,
    /// Requests (not responses) received and sent, retransmissions included.
    pub rx_requests: u64,
    pub tx_requests: u64,
}

/// The IKEv2 core.
pub struct Core {
    pub(crate) peers: Vec<PeerConf>,
    pub(crate) rng: StdRng,
    /// Ordered by `conn`.
    pub(crate) sas: Vec<Sa>,
    pub(crate) by_spi: HashMap<[u8; 8], Vec<u32>>,
    /// The child SAs in order, indexed by SPI (`ike/children.rs`).
    pub(crate) children: crate::ike::children::Children,
    pub(crate) next_conn: u32,
    pub(crate) next_child: u32,
    pub(crate) out: VecDeque<Transmit>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) cookie_secret: [u8; 32],
    /// Half-open SAs above which a cookie is required (0: always).
    pub cookie_threshold: usize,
    /// Offer and accept IKE fragmentation (RFC 7383).
    pub fragmentation: bool,
    /// The IP datagram size above which encrypted messages are fragmented.
    pub fragment_size: usize,
    pub(crate) retry_at: HashMap<String, Millis>,
    /// Children made by a rekey, while the pair they replace may still be
    /// rekeyed by the peer too (RFC 7296 2.8.1): new child id -> (the pair
    /// it replaces, the lowest nonce of its exchange, whether we initiated it).
    pub(crate) rekeys: HashMap<u32, (u32, Vec<u8>, bool)>,
    pub(crate) now: Millis,
    pub stats: Stats,
    /// Draws the rekey points of SAs and children (its own stream, so SPIs
    /// and nonces stay what they were for a seed).
    pub(crate) jitter_rng: StdRng,
    /// Child id -> how early (per mille) this side rekeys it (see `timers`).
    pub(crate) child_jitter: HashMap<u32, u64>,
    /// Counters per tunnel (see [`TunnelStats`]).
    pub tunnel_stats: HashMap<String, TunnelStats>,
    /// Initiations in flight at most (0: no limit; see [`INIT_LIMIT`]).
    pub init_limit: usize,
    /// DELETEs of gone IKE SAs unanswered at most (0: no limit; see [`DELETE_LIMIT`]).
    pub delete_limit: usize,
    /// DELETEs waiting for a slot, in order (sealed when their SA went).
    pub(crate) delete_queue: VecDeque<QueuedDelete>,
    /// DELETEs sent and not answered yet, by the SA's SPIs: when their slot frees.
    pub(crate) deletes_in_flight: HashMap<([u8; 8], [u8; 8]), Millis>,
    /// Tunnels waiting for an initiation slot, in the order they asked.
    pub(crate) init_queue: VecDeque<String>,
    /// The tunnels that are crypto map entries (IOS, ASA): those with the
    /// same phase 1 share one IKE SA ([`Core::share_ike_sa`]).
    pub map_entries: std::collections::HashSet<String>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v2::Core({} peers, {} IKE SAs, {} child SAs)", self.peers.len(), self.sas.len(), self.children.len())
    }
}

pub(crate) fn sel_to_ts(s: &Selector) -> Ts {
    let start = s.net.network();
    let end = Ipv4Addr::from(u32::from(start) | !u32::from(s.mask()));
    let (sp, ep) = if s.port == 0 { (0, 0xffff) } else { (s.port, s.port) };
    Ts { proto: s.proto, start_port: sp, end_port: ep, start, end }
}

/// A selector for a range when it is a prefix and its ports are one or all.
pub(crate) fn ts_to_sel(t: &Ts) -> Option<Selector> {
    let (s, e) = (u32::from(t.start), u32::from(t.end));
    if s > e {
        return None;
    }
    let size = (e - s) as u64 + 1;
    if !size.is_power_of_two() || !(s as u64).is_multiple_of(size) {
        return None;
    }
    let len = 32 - size.trailing_zeros() as u8;
    let port = match (t.start_port, t.end_port) {
        (0, 0xffff) => 0,
        (a, b) if a == b => a,
        _ => return None,
    };
    Some(Selector { net: Prefix4 { addr: t.start, len }, proto: t.proto, port })
}

pub(crate) fn id_of(i: &Identity, local: Ipv4Addr) -> IdRepr {
    match i {
        Identity::Ipv4(a) => IdRepr { kind: id::IPV4_ADDR, data: a.octets().to_vec() },
        Identity::Fqdn(s) => IdRepr { kind: id::FQDN, data: s.as_bytes().to_vec() },
        Identity::UserFqdn(s) => IdRepr { kind: id::RFC822_ADDR, data: s.as_bytes().to_vec() },
        Identity::Dn(der) => IdRepr { kind: id::DER_ASN1_DN, data: der.clone() },
        Identity::Any => IdRepr { kind: id::IPV4_ADDR, data: local.octets().to_vec() },
    }
}

/// How well a received identity matches a configured one (0: not at all).
pub(crate) fn id_matches(conf: &Identity, got: &IdRepr) -> u8 {
    let text = String::from_utf8_lossy(&got.data).to_string();
    match conf {
        Identity::Any => 1,
        Identity::Ipv4(a) => (got.kind == id::IPV4_ADDR && got.data == a.octets()) as u8 * 3,
        Identity::Dn(der) => (got.kind == id::DER_ASN1_DN && crate::pki::ident::same_name(der, &got.data)) as u8 * 3,
        Identity::Fqdn(s) | Identity::UserFqdn(s) => {
            let want = if matches!(conf, Identity::Fqdn(_)) { id::FQDN } else { id::RFC822_ADDR };
            if got.kind != want && got.kind != id::KEY_ID {
                return 0;
            }
            if s.eq_ignore_ascii_case(&text) {
                3
            } else if s == "*" {
                1
            } else if let Some(suffix) = s.strip_prefix('*') {
                text.to_ascii_lowercase().ends_with(&suffix.to_ascii_lowercase()) as u8 * 2
            } else {
                0
            }
        }
    }
}

impl Core {
    pub fn new(seed: u64) -> Core {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x1ce2);
        let mut cookie_secret = [0u8; 32];
        rng.fill_bytes(&mut cookie_secret);
        Core {
            peers: Vec::new(),
            rng,
            sas: Vec::new(),
            by_spi: HashMap::new(),
            children: crate::ike::children::Children::default(),
            next_conn: CONN_BASE + 1,
            next_child: CONN_BASE + 1,
            out: VecDeque::new(),
            events: VecDeque::new(),
            cookie_secret,
            cookie_threshold: COOKIE_THRESHOLD,
            fragmentation: true,
            fragment_size: FRAGMENT_SIZE,
            retry_at: HashMap::new(),
            rekeys: HashMap::new(),
            now: 0,
            stats: Stats::default(),
            jitter_rng: StdRng::seed_from_u64(seed ^ 0x0071_77e2),
            child_jitter: HashMap::new(),
            tunnel_stats: HashMap::new(),
            init_limit: INIT_LIMIT,
            init_queue: VecDeque::new(),
            delete_limit: DELETE_LIMIT,
            delete_queue: VecDeque::new(),
            deletes_in_flight: HashMap::new(),
            map_entries: Default::default(),
        }
    }

    /// Tunnels `a` and `b` run their child SAs over one IKE SA: the same
    /// tunnel, or two crypto map entries with the same phase 1
    /// ([`PeerConf::same_ike_sa`]), as IOS runs them.
    pub(crate) fn share_ike_sa(&self, a: &str, b: &str) -> bool {
        a == b
            || (self.map_entries.contains(a)
                && self.map_entries.contains(b)
                && self.pc(a).zip(self.pc(b)).is_some_and(|(x, y)| x.same_ike_sa(y)))
    }

    /// The IKE SA (not being deleted) the children of `tunnel` are made
    /// over: its own or one it shares, an established one first.
    fn ike_sa_for(&self, tunnel: &str) -> Option<usize> {
        let ok = |s: &Sa| s.state != State::Deleting && self.share_ike_sa(&s.tunnel, tunnel);
        self.sas.iter().position(|s| ok(s) && s.is_established()).or_else(|| self.sas.iter().position(ok))
    }

    pub fn peers(&self) -> &[PeerConf] {
        &self.peers
    }
    pub fn sas(&self) -> &[Sa] {
        &self.sas
    }
    pub fn child_sas(&self) -> &[ChildSa] {
        &self.children
    }
    /// Changes whenever a child is added, removed or moves to another IKE SA
    /// (O(1): the list's generation), so a mirror of the list is refreshed only then.
    pub fn children_fingerprint(&self) -> u64 {
        self.children.generation()
    }
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
    pub(crate) fn pc(&self, name: &str) -> Option<&PeerConf> {
        self.peers.iter().find(|p| p.name == name)
    }

    /// Apply the IKEv2 peers of a new configuration: SAs of removed tunnels
    /// are deleted (the peer is told); tunnels that start at commit start.
    pub fn set_peers(&mut self, now: Millis, peers: Vec<PeerConf>) {
        self.now = now;
        let old = std::mem::replace(&mut self.peers, peers);
        let gone: Vec<String> =
            old.iter().filter(|o| !self.peers.iter().any(|n| n.name == o.name)).map(|p| p.name.clone()).collect();
        for t in gone {
            self.clear(now, Some(&t), None);
            self.retry_at.remove(&t);
        }
        let peers = &self.peers;
        self.init_queue.retain(|t| peers.iter().any(|p| &p.name == t));
        let starts: Vec<String> = self
            .peers
            .iter()
            .filter(|p| p.auto_start && p.may_initiate() && !self.sas.iter().any(|s| s.tunnel == p.name))
            .map(|p| p.name.clone())
            .collect();
        for t in starts {
            self.initiate(now, &t);
        }
    }

    /// Start (or complete) the negotiation of every child of a tunnel.
    pub fn initiate(&mut self, now: Millis, tunnel: &str) -> bool {
        self.now = now;
        let Some(p) = self.pc(tunnel).cloned() else { return false };
        if !p.may_initiate() {
            return false;
        }
        // We sign, but hold no certificate and key to sign with yet (the
        // configuration's note says `not negotiated`): nothing to start; the
        // tunnel starts when the configuration changes (a certificate imported).
        if p.pki.as_ref().is_some_and(|k| k.local == crate::pki::AuthBy::Signature && k.signer().is_none()) {
            return false;
        }
        let missing: Vec<usize> = (0..p.children.len())
            .filter(|&i| !self.children.iter().any(|c| c.tunnel == tunnel && c.child == i))
            .collect();
        if let Some(i) = self.ike_sa_for(tunnel) {
            // Established, or another crypto map entry's still negotiating:
            // the children come in CREATE_CHILD_SA exchanges once it is up.
            if self.sas[i].is_established() || self.sas[i].tunnel != tunnel {
                for c in missing {
                    let r = Req::Child { tunnel: tunnel.to_string(), child: c, rekey_of: None };
                    if !self.sas[i].queue.contains(&r) && !self.negotiating(i, tunnel, c) {
                        self.sas[i].queue.push_back(r);
                    }
                }
                self.kick(i);
            }
        } else if self.init_limit == 0 || self.initiations_in_flight() < self.init_limit {
            self.init_queue.retain(|t| t != tunnel);
            self.start(now, &p, missing.into_iter().collect());
        } else if !self.init_queue.iter().any(|t| t == tunnel) {
            self.init_queue.push_back(tunnel.to_string());
        }
        true
    }

    /// IKE SAs this side initiated that are not established yet (IKE_SA_INIT
    /// or IKE_AUTH outstanding): the initiations in flight.
    pub fn initiations_in_flight(&self) -> usize {
        self.sas
            .iter()
            .filter(|s| s.role == Role::Initiator && matches!(s.state, State::InitSent | State::AuthSent))
            .count()
    }

    /// Tunnels waiting for an initiation slot.
    pub fn initiations_waiting(&self) -> usize {
        self.init_queue.len()
    }

    /// Start waiting tunnels while initiation slots are free (run after
    /// every input: an SA established or gone frees a slot).
    pub(crate) fn pump_inits(&mut self) {
        let mut free = if self.init_limit == 0 {
            usize::MAX
        } else {
            self.init_limit.saturating_sub(self.initiations_in_flight())
        };
        while free > 0 {
            let Some(t) = self.init_queue.pop_front() else { break };
            // Gone from the configuration, or an SA came up meanwhile (the
            // peer initiated): nothing to start.
            if self.pc(&t).is_none_or(|p| !p.may_initiate())
                || self.sas.iter().any(|s| s.tunnel == t && s.state != State::Deleting)
            {
                continue;
            }
            if self.ike_sa_for(&t).is_some() {
                let now = self.now;
                self.initiate(now, &t);
                continue;
            }
            let now = self.now;
            self.initiate(now, &t);
            free -= 1;
        }
    }

    fn negotiating(&self, i: usize, tunnel: &str, c: usize) -> bool {
        match self.sas[i].pending.as_ref().map(|p| &p.what) {
            Some(What::Child(n)) | Some(What::Auth(Some(n))) => n.tunnel == tunnel && n.child == c,
            _ => false,
        }
    }

    /// The child SA that protects traffic from `src` to `dst`, if any.
    pub fn child_for(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<&ChildSa> {
        self.children.iter().find(|c| c.local_ts.contains(src) && c.remote_ts.contains(dst))
    }

    pub(crate) fn alloc_conn(&mut self) -> u32 {
        let c = self.next_conn;
        self.next_conn += 1;
        c
    }
    pub(crate) fn spi8(&mut self) -> [u8; 8] {
        loop {
            let mut s = [0u8; 8];
            self.rng.fill_bytes(&mut s);
            if s != [0; 8] {
                return s;
            }
        }
    }
    pub(crate) fn spi4(&mut self) -> u32 {
        loop {
            let s = self.rng.next_u32();
            if s >= 256 && !self.children.iter().any(|c| c.spi_in == s) {
                return s;
            }
        }
    }
    pub(crate) fn nonce(&mut self) -> Vec<u8> {
        let mut n = vec![0u8; 32];
        self.rng.fill_bytes(&mut n);
        n
    }

    /// Take a datagram (without the non-ESP marker) whose IKE major version is 2.
    pub fn handle(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, data: &[u8]) {
        self.handle_datagram(now, local, remote, data);
        if !self.init_queue.is_empty() {
            self.pump_inits();
        }
    }

    fn handle_datagram(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, data: &[u8]) {
        self.now = now;
        self.stats.rx_packets += 1;
        let hdr = match Header::parse(data) {
            Ok(h) => h,
            Err(error) => {
                self.stats.rx_malformed += 1;
                self.emit(Event::V2Malformed { peer: remote, error, answered: None });
                return;
            }
        };
        self.stats.rx_requests += (!hdr.is_response() && !later_fragment(data)) as u64;
        let data = &data[..hdr.length as usize];
        let idx = self.by_spi.get(&hdr.spi_i).into_iter().flatten().filter_map(|&c| self.index(c)).find(|&i| {
            let s = &self.sas[i];
            s.remote.ip() == remote.ip()
                && (s.spi_r == hdr.spi_r
                    || (s.spi_r == [0; 8] && s.role == Role::Initiator && hdr.exchange == exchange::IKE_SA_INIT))
        });
        let Some(i) = idx else {
            if !hdr.is_response() && hdr.exchange == exchange::IKE_SA_INIT && hdr.spi_r == [0; 8] && hdr.msgid == 0 {
                self.respond_init(now, local, remote, &hdr, data);
            } else if !hdr.is_response() && hdr.exchange == exchange::IKE_SA_INIT {
                self.stats.rx_malformed += 1;
                self.emit(Event::V2Malformed {
                    peer: remote,
                    error: wire::Error::InvalidExchange(hdr.exchange),
                    answered: None,
                });
            }
            // The answer to a DELETE of an SA gone here frees a slot; anything
            // else for an SA we do not have is ignored (RFC 7296 2.21.4 allows no answer).
            self.delete_answered(&hdr);
            return;
        };
        // Port floating: follow the peer to 4500 (RFC 7296 2.23).
        if local.port() == NATT_PORT && (self.sas[i].local != local || self.sas[i].remote != remote) {
            self.sas[i].local = local;
            self.sas[i].remote = remote;
        }
        self.sas[i].last_heard = now;
        if hdr.is_response() {
            // Responses only ever close our own outstanding request.
            let ok = self.sas[i].pending.as_ref().is_some_and(|p| p.msgid == hdr.msgid && p.exchange == hdr.exchange);
            if !ok {
                self.stats.rx_duplicates += 1;
                return;
            }
            if hdr.exchange == exchange::IKE_SA_INIT {
                self.init_response(now, i, &hdr, data);
                return;
            }
            if hdr.next == wire::payload::SKF && !self.fragment(i, &hdr, data) {
                return;
            }
            let Some(msg) = self.open(i, &hdr, data) else { return };
            let Some(p) = self.sas[i].pending.take() else { return };
            let (conn, peer) = (self.sas[i].conn, self.sas[i].remote);
            let ev = self.msg_event(i, hdr.exchange, hdr.msgid, true, false, msg.kinds(), msg.notify_types(), false);
            self.emit(ev);
            for n in msg.notifies() {
                self.emit(Event::V2Notify { conn, peer: *peer.ip(), kind: n.kind, sent: false });
            }
            match p.what {
                What::Init => {}
                What::Auth(neg) => self.auth_response(now, i, &msg, neg),
                What::Child(neg) => self.child_response(now, i, &msg, neg),
                What::RekeyIke { spi_i, ni, dh } => self.rekey_ike_response(now, i, &msg, spi_i, ni, dh),
                What::Dpd => self.emit(Event::Dpd {
                    conn,
                    peer: *peer.ip(),
                    v2: true,
                    step: crate::ike::events::DpdStep::Answered,
                    seq: hdr.msgid,
                }),
                What::DeleteChildren => {}
                What::DeleteIke => {
                    if let Some(i) = self.index(conn) {
                        self.drop_sa(i, DownReason::Cleared, false);
                    }
                    return;
                }
            }
            if let Some(i) = self.index(conn) {
                self.kick(i);
            }
            return;
        }
        // A request: the next one in the window, or a copy of the last one.
        let sa = &mut self.sas[i];
        if let Some(lr) = sa.last_resp.as_mut().filter(|lr| lr.msgid == hdr.msgid) {
            if lr.request == data && lr.replays < RESPONSE_REPLAYS {
                lr.replays += 1;
                let (d, src, dst, conn) = (lr.response.clone(), sa.local, sa.remote, sa.conn);
                self.emit(Event::Retransmit { conn, peer: *dst.ip(), count: 0 });
                self.send_all(src, dst, d);
            } else {
                self.stats.rx_duplicates += 1;
            }
            return;
        }
        if hdr.msgid != sa.peer_msgid {
            self.stats.rx_duplicates += 1;
            return;
        }
        if hdr.next == wire::payload::SKF && !self.fragment(i, &hdr, data) {
            return;
        }
        let sa = &self.sas[i];
        match hdr.exchange {
            exchange::IKE_AUTH if sa.state == State::InitDone => self.auth_request(now, i, &hdr, data),
            exchange::CREATE_CHILD_SA if sa.is_established() => self.child_request(now, i, &hdr, data),
            // An SA being replaced or deleted takes no new work (RFC 7296 2.25.2).
            exchange::CREATE_CHILD_SA if sa.state == State::Deleting && sa.keys.is_some() => {
                self.refuse_temporarily(i, &hdr, data)
            }
            exchange::INFORMATIONAL if sa.is_established() || sa.state == State::Deleting => {
                self.info_request(now, i, &hdr, data)
            }
            _ => {
                self.stats.rx_malformed += 1;
            }
        }
    }

    /// Delete the SAs of a tunnel and/or peer (the peer is told). Returns how many.
    pub fn clear(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        self.now = now;
        let hit: Vec<(u32, String)> = self
            .sas
            .iter()
            .filter(|s| tunnel.is_none_or(|t| s.tunnel == t) && peer.is_none_or(|p| *s.remote.ip() == p))
            .map(|s| (s.conn, s.tunnel.clone()))
            .collect();
        for (conn, _) in &hit {
            let Some(i) = self.index(*conn) else { continue };
            self.tell_delete(i);
            self.drop_sa(i, DownReason::Cleared, false);
        }
        // As with IKEv1, a cleared static tunnel negotiates again at once.
        let mut restart: Vec<String> = hit.iter().map(|h| h.1.clone()).collect();
        restart.sort();
        restart.dedup();
        for t in restart {
            if self.pc(&t).is_some_and(|p| p.auto_start && p.may_initiate()) && !self.sas.iter().any(|s| s.tunnel == t)
            {
                self.initiate(now, &t);
            }
        }
        self.pump_inits();
        hit.len()
    }

    /// Delete child SAs of a tunnel and/or peer (the peer is told); static
    /// tunnels negotiate them again. Returns how many.
    pub fn clear_children(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        self.now = now;
        let hit: Vec<(u32, u32, String)> = self
            .children
            .iter()
            .filter(|c| tunnel.is_none_or(|t| c.tunnel == t) && peer.is_none_or(|p| *c.remote.ip() == p))
            .map(|c| (c.ike, c.id, c.tunnel.clone()))
            .collect();
        for (ike, id, _) in &hit {
            if let Some(i) = self.index(*ike) {
                self.sas[i].queue.push_back(Req::DeleteChildren(vec![*id]));
                self.kick(i);
            }
        }
        let mut tunnels: Vec<String> = hit.iter().map(|h| h.2.clone()).collect();
        tunnels.dedup();
        for t in tunnels {
            if self.pc(&t).is_some_and(|p| p.auto_start && p.may_initiate()) {
                self.initiate(now, &t);
            }
        }
        hit.len()
    }

    /// Tell the peer an established IKE SA is gone (best effort, not
    /// retransmitted: the SA is removed here).
    pub(crate) fn tell_delete(&mut self, i: usize) {
        if !self.sas[i].is_established() {
            return;
        }
        let inner = wire::Builder::new()
            .add(&wire::Repr::Delete(wire::DeleteRepr { protocol: wire::proto::IKE, spis: vec![] }));
        let msgid = self.sas[i].next_msgid;
        let frames = self.seal(i, exchange::INFORMATIONAL, msgid, false, &inner);
        let s = &self.sas[i];
        let d = QueuedDelete { spis: (s.spi_i, s.spi_r), conn: s.conn, src: s.local, dst: s.remote, frames };
        self.delete_queue.push_back(d);
        self.pump_deletes();
    }

    /// DELETEs sent and unanswered (slots taken, see [`DELETE_LIMIT`]).
    pub fn deletes_in_flight(&self) -> usize {
        self.deletes_in_flight.len()
    }

    /// DELETEs waiting for a slot.
    pub fn deletes_waiting(&self) -> usize {
        self.delete_queue.len()
    }

    /// Send waiting DELETEs while slots are free (a slot frees when the peer
    /// answers, or [`RETRANSMIT_BASE`] after the DELETE left).
    pub(crate) fn pump_deletes(&mut self) {
        let now = self.now;
        self.deletes_in_flight.retain(|_, until| *until > now);
        while self.delete_limit == 0 || self.deletes_in_flight.len() < self.delete_limit {
            let Some(d) = self.delete_queue.pop_front() else { break };
            if self.delete_limit != 0 {
                self.deletes_in_flight.insert(d.spis, now + RETRANSMIT_BASE);
            }
            self.emit(Event::DeleteSent { conn: d.conn, peer: *d.dst.ip(), protocol: wire::proto::IKE, spis: vec![] });
            self.send_all(d.src, d.dst, d.frames);
        }
    }

    /// The answer to a DELETE of an SA gone here frees its slot.
    fn delete_answered(&mut self, hdr: &Header) -> bool {
        if !hdr.is_response() || hdr.exchange != exchange::INFORMATIONAL {
            return false;
        }
        if self.deletes_in_flight.remove(&(hdr.spi_i, hdr.spi_r)).is_none() {
            return false;
        }
        self.pump_deletes();
        true
    }
}

/// The DELETE of an IKE SA gone here, waiting for a slot ([`DELETE_LIMIT`]).
pub(crate) struct QueuedDelete {
    /// The SA's SPIs (initiator's, responder's): what its answer carries.
    spis: ([u8; 8], [u8; 8]),
    conn: u32,
    src: SocketAddrV4,
    dst: SocketAddrV4,
    frames: Vec<Vec<u8>>,
}

#[cfg(test)]
pub(crate) mod tests;
