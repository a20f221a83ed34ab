//! IKEv2 (RFC 7296): owns the IKEv2 protocol core beside the IKEv1 one.
//! [`wire`] parses and builds messages, [`keys`] derives and applies the
//! keys; the exchanges are one module each ([`init`] IKE_SA_INIT, [`auth`]
//! IKE_AUTH, [`child`] CREATE_CHILD_SA, [`informational`]); this module owns
//! the [`Core`] (SAs, the message-ID window of size 1, retransmission,
//! duplicate requests answered from the stored response, timers, IKE
//! fragmentation (RFC 7383): SKF messages over the fragment size and their
//! bounded reassembly) that they extend. Like the IKEv1 endpoint it does no I/O and reads no clock; it
//! produces the engine's [`ChildSa`] and [`Event`]s, so the ESP dataplane
//! and the dialects treat IKEv2 children like IKEv1 ones.

pub mod auth;
pub mod child;
pub mod informational;
pub mod init;
pub mod keys;
pub mod wire;

use super::conf::{PeerConf, Selector};
use super::crypto::DhSecret;
use super::params::{Millis, Transmit, DPD_INTERVAL, NATT_PORT, REKEY_AT, RETRANSMIT_BASE, RETRANSMIT_TRIES, RETRY_INTERVAL};
use super::sa::ChildSa;
use super::events::{DownReason, Event, Role};
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
/// IPv4 and UDP headers, counted in the fragment size.
const IP_UDP: usize = 28;

/// Whether a message is a fragment other than the first (RFC 7383), so a
/// fragmented request is counted once.
fn later_fragment(msg: &[u8]) -> bool {
    msg.get(16) == Some(&wire::payload::SKF) && msg.get(32..34).is_some_and(|n| n != [0, 1])
}

/// Whether an SA or child number belongs to IKEv2.
pub fn is_v2(conn: u32) -> bool {
    conn >= CONN_BASE
}

/// Constant-time comparison of MACs.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Where an IKEv2 SA is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Initiator: IKE_SA_INIT sent.
    InitSent,
    /// Responder: IKE_SA_INIT answered, waiting for IKE_AUTH (half-open).
    InitDone,
    /// Initiator: IKE_AUTH sent.
    AuthSent,
    Established,
    /// Replaced by a rekeyed SA or being deleted.
    Deleting,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::InitSent | State::InitDone => "IN-NEG",
            State::AuthSent => "IN-NEG",
            State::Established => "READY",
            State::Deleting => "DELETE",
        }
    }
}

/// A child negotiation in progress (our side's half).
pub(crate) struct ChildNeg {
    pub tunnel: String,
    pub child: usize,
    pub spi_in: u32,
    pub ni: Vec<u8>,
    pub dh: Option<DhSecret>,
    pub rekey_of: Option<u32>,
}

/// What an outstanding request was.
pub(crate) enum What {
    Init,
    Auth(Option<ChildNeg>),
    Child(ChildNeg),
    RekeyIke { spi_i: [u8; 8], ni: Vec<u8>, dh: DhSecret },
    Dpd,
    DeleteChildren,
    DeleteIke,
}

pub(crate) struct Pending {
    pub msgid: u32,
    pub exchange: u8,
    /// The datagrams of the request (several when fragmented, RFC 7383).
    pub data: Vec<Vec<u8>>,
    pub tries: u32,
    pub timer: Millis,
    pub what: What,
}

/// A request waiting for the window (size 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Req {
    Child { tunnel: String, child: usize, rekey_of: Option<u32> },
    RekeyIke,
    Dpd,
    DeleteChildren(Vec<u32>),
}

/// The response to the peer's latest request, kept to answer a retransmitted copy.
pub(crate) struct LastResponse {
    pub msgid: u32,
    /// The request's datagram (when fragmented: the fragment that completed it).
    pub request: Vec<u8>,
    /// The response's datagrams (several when fragmented).
    pub response: Vec<Vec<u8>>,
    pub replays: u32,
}

/// An IKEv2 SA.
pub struct Sa {
    pub conn: u32,
    pub tunnel: String,
    /// Original initiator or responder of this IKE SA.
    pub role: Role,
    pub spi_i: [u8; 8],
    pub spi_r: [u8; 8],
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub state: State,
    pub suite: Option<Suite>,
    /// The configured proposal that matched.
    pub proposal: String,
    pub nat_local: bool,
    pub nat_remote: bool,
    pub peer_id: Option<IdRepr>,
    pub created: Millis,
    pub established: Option<Millis>,
    pub lifetime: u32,
    pub(crate) keys: Option<IkeKeys>,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
    pub(crate) dh: Option<DhSecret>,
    pub(crate) cookie: Option<Vec<u8>>,
    pub(crate) init_retries: u32,
    pub(crate) init_req: Vec<u8>,
    pub(crate) init_resp: Vec<u8>,
    pub(crate) next_msgid: u32,
    pub(crate) pending: Option<Pending>,
    pub(crate) queue: VecDeque<Req>,
    pub(crate) peer_msgid: u32,
    pub(crate) last_resp: Option<LastResponse>,
    pub(crate) last_heard: Millis,
    pub(crate) rekeyed: bool,
    /// Children still to negotiate for the tunnel (initiator).
    pub(crate) want: VecDeque<usize>,
    /// An SA made by rekeying another: (the old SA, the lowest nonce of the
    /// rekey exchange), to resolve simultaneous IKE SA rekeys (RFC 7296 2.8.2).
    pub(crate) rekey_from: Option<(u32, Vec<u8>)>,
    /// Both ends announced IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3).
    pub frag: bool,
    /// Messages being reassembled (at most one request and one response).
    pub(crate) reasm: Vec<Reasm>,
    /// The last message reassembled: (message ID, response, first payload, inner chain).
    pub(crate) reassembled: Option<(u32, bool, u8, Vec<u8>)>,
}

/// The fragments of one message received so far (RFC 7383 2.6), bounded by
/// [`MAX_FRAGMENTS`] and [`MAX_REASSEMBLY`], dropped after [`REASSEMBLY_TIMEOUT`].
pub(crate) struct Reasm {
    pub msgid: u32,
    pub response: bool,
    pub total: u16,
    pub have: u16,
    pub size: usize,
    pub first: u8,
    pub started: Millis,
    pub parts: Vec<Option<Vec<u8>>>,
}

impl Sa {
    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }
    pub fn expires(&self) -> Millis {
        self.established.unwrap_or(self.created) + self.lifetime as u64 * 1000
    }
    /// (Our next request's message ID, the next one expected from the peer,
    /// whether a request of ours is outstanding): for the shows.
    pub fn msg_ids(&self) -> (u32, u32, bool) {
        (self.next_msgid, self.peer_msgid, self.pending.is_some())
    }
    /// (Local SPI, remote SPI) as this side sees them.
    pub fn spis(&self) -> ([u8; 8], [u8; 8]) {
        if self.role == Role::Initiator { (self.spi_i, self.spi_r) } else { (self.spi_r, self.spi_i) }
    }
    /// The SK keys for messages this side sends.
    pub(crate) fn out_keys(&self) -> Option<SkKeys<'_>> {
        let (s, k) = (self.suite.as_ref()?, self.keys.as_ref()?);
        let (ek, ak) = if self.role == Role::Initiator { (&k.ei, &k.ai) } else { (&k.er, &k.ar) };
        Some(SkKeys { encr: s.encr, integ: s.integ, ek, ak })
    }
    /// The SK keys for messages the peer sends.
    pub(crate) fn in_keys(&self) -> Option<SkKeys<'_>> {
        let (s, k) = (self.suite.as_ref()?, self.keys.as_ref()?);
        let (ek, ak) = if self.role == Role::Initiator { (&k.er, &k.ar) } else { (&k.ei, &k.ai) };
        Some(SkKeys { encr: s.encr, integ: s.integ, ek, ak })
    }
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
    pub(crate) children: Vec<ChildSa>,
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
    if !size.is_power_of_two() || s as u64 % size != 0 {
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
        Identity::Any => IdRepr { kind: id::IPV4_ADDR, data: local.octets().to_vec() },
    }
}

/// How well a received identity matches a configured one (0: not at all).
pub(crate) fn id_matches(conf: &Identity, got: &IdRepr) -> u8 {
    let text = String::from_utf8_lossy(&got.data).to_string();
    match conf {
        Identity::Any => 1,
        Identity::Ipv4(a) => (got.kind == id::IPV4_ADDR && got.data == a.octets()) as u8 * 3,
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
            children: Vec::new(),
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
        }
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
    /// (cheap: no allocation), so a mirror of the list is refreshed only then.
    pub fn children_fingerprint(&self) -> u64 {
        self.children.iter().fold(self.children.len() as u64, |h, c| h.wrapping_mul(0x100_0000_01b3).wrapping_add(((c.id as u64) << 32) | c.ike as u64))
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
        let gone: Vec<String> = old.iter().filter(|o| !self.peers.iter().any(|n| n.name == o.name)).map(|p| p.name.clone()).collect();
        for t in gone {
            self.clear(now, Some(&t), None);
            self.retry_at.remove(&t);
        }
        let starts: Vec<String> = self.peers.iter().filter(|p| p.auto_start && p.may_initiate() && !self.sas.iter().any(|s| s.tunnel == p.name)).map(|p| p.name.clone()).collect();
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
        let missing: Vec<usize> = (0..p.children.len()).filter(|&i| !self.children.iter().any(|c| c.tunnel == tunnel && c.child == i)).collect();
        if let Some(i) = self.sas.iter().position(|s| s.tunnel == tunnel && s.state != State::Deleting) {
            if self.sas[i].is_established() {
                for c in missing {
                    let r = Req::Child { tunnel: tunnel.to_string(), child: c, rekey_of: None };
                    if !self.sas[i].queue.contains(&r) && !self.negotiating(i, tunnel, c) {
                        self.sas[i].queue.push_back(r);
                    }
                }
                self.kick(i);
            }
        } else {
            self.start(now, &p, missing.into_iter().collect());
        }
        true
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

    pub(crate) fn new_sa(&mut self, now: Millis, tunnel: &str, role: Role, local: SocketAddrV4, remote: SocketAddrV4, spi_i: [u8; 8]) -> usize {
        let conn = self.alloc_conn();
        let lifetime = self.pc(tunnel).and_then(|p| p.proposals.first()).map(|p| p.lifetime).unwrap_or(86_400);
        let sa = Sa {
            conn,
            tunnel: tunnel.to_string(),
            role,
            spi_i,
            spi_r: [0; 8],
            local,
            remote,
            state: if role == Role::Initiator { State::InitSent } else { State::InitDone },
            suite: None,
            proposal: String::new(),
            nat_local: false,
            nat_remote: false,
            peer_id: None,
            created: now,
            established: None,
            lifetime,
            keys: None,
            ni: Vec::new(),
            nr: Vec::new(),
            dh: None,
            cookie: None,
            init_retries: 0,
            init_req: Vec::new(),
            init_resp: Vec::new(),
            next_msgid: 0,
            pending: None,
            queue: VecDeque::new(),
            peer_msgid: 0,
            last_resp: None,
            last_heard: now,
            rekeyed: false,
            want: VecDeque::new(),
            rekey_from: None,
            frag: false,
            reasm: Vec::new(),
            reassembled: None,
        };
        self.by_spi.entry(spi_i).or_default().push(conn);
        self.sas.push(sa);
        self.sas.len() - 1
    }

    pub(crate) fn index(&self, conn: u32) -> Option<usize> {
        self.sas.binary_search_by_key(&conn, |s| s.conn).ok()
    }

    pub(crate) fn take_sa(&mut self, i: usize) -> Sa {
        let sa = self.sas.remove(i);
        if let Some(v) = self.by_spi.get_mut(&sa.spi_i) {
            v.retain(|c| *c != sa.conn);
            if v.is_empty() {
                self.by_spi.remove(&sa.spi_i);
            }
        }
        sa
    }

    /// Remove an SA and its children, with events; a static tunnel is tried again later.
    pub(crate) fn drop_sa(&mut self, i: usize, reason: DownReason, retry: bool) {
        let sa = self.take_sa(i);
        let peer = *sa.remote.ip();
        // Children of an SA already rekeyed (a collision still being resolved)
        // live on in its successor rather than going with it.
        if let Some(heir) = self.sas.iter().find(|s| s.state == State::Established && s.rekey_from.as_ref().is_some_and(|r| r.0 == sa.conn)).map(|s| s.conn) {
            for c in self.children.iter_mut().filter(|c| c.ike == sa.conn) {
                c.ike = heir;
            }
        }
        let gone: Vec<usize> = (0..self.children.len()).rev().filter(|&c| self.children[c].ike == sa.conn).collect();
        for c in gone {
            let c = self.children.remove(c);
            self.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason });
        }
        if sa.state != State::Deleting || sa.established.is_none() {
            self.events.push_back(Event::Phase1Down { conn: sa.conn, peer, tunnel: sa.tunnel.clone(), reason, established: sa.established.is_some() });
        }
        if retry && self.pc(&sa.tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) && !self.sas.iter().any(|s| s.tunnel == sa.tunnel) {
            self.retry_at.insert(sa.tunnel.clone(), self.now + RETRY_INTERVAL);
        }
    }

    pub(crate) fn send_raw(&mut self, src: SocketAddrV4, dst: SocketAddrV4, d: Vec<u8>) {
        let data = if src.port() == NATT_PORT {
            let mut v = Vec::with_capacity(d.len() + 4);
            v.extend_from_slice(&[0, 0, 0, 0]);
            v.extend_from_slice(&d);
            v
        } else {
            d
        };
        self.stats.tx_packets += 1;
        // The header's flags octet (after a non-ESP marker): a request has no Response bit.
        let at = if src.port() == NATT_PORT { 4 } else { 0 };
        self.stats.tx_requests += (data.get(at + 19).is_some_and(|f| f & flags::RESPONSE == 0) && !later_fragment(&data[at..])) as u64;
        self.out.push_back(Transmit { src, dst, data });
    }

    fn header(&self, i: usize, exch: u8, msgid: u32, response: bool) -> Header {
        let sa = &self.sas[i];
        let mut f = if sa.role == Role::Initiator { flags::INITIATOR } else { 0 };
        if response {
            f |= flags::RESPONSE;
        }
        Header { spi_i: sa.spi_i, spi_r: sa.spi_r, next: 0, major: 2, minor: 0, exchange: exch, flags: f, msgid, length: 0 }
    }

    /// Protect `inner` in an SK payload, or in SKF payloads when fragmentation
    /// was negotiated and the datagram would exceed the fragment size (RFC 7383 2.5).
    pub(crate) fn seal(&mut self, i: usize, exch: u8, msgid: u32, response: bool, inner: &wire::Builder) -> Vec<Vec<u8>> {
        let hdr = self.header(i, exch, msgid, response);
        let mut rng = StdRng::seed_from_u64(self.rng.next_u64());
        let size = self.fragment_size;
        let sa = &self.sas[i];
        let ip = IP_UDP + if sa.local.port() == NATT_PORT { 4 } else { 0 };
        let frag = sa.frag;
        let Some(k) = sa.out_keys() else { return Vec::new() };
        let whole = ip + wire::HEADER_LEN + keys::sk_overhead(&k) + inner.chain().len();
        if !frag || whole <= size {
            return vec![keys::seal(hdr, inner, k, &mut rng)];
        }
        // Fragment Number and Total Fragments add 4 octets to each.
        let chunk = size.saturating_sub(ip + wire::HEADER_LEN + keys::sk_overhead(&k) + 4).max(64);
        let frames = keys::seal_fragments(hdr, inner, chunk, k, &mut rng);
        self.stats.tx_fragments += frames.len() as u64;
        frames
    }

    pub(crate) fn send_all(&mut self, src: SocketAddrV4, dst: SocketAddrV4, frames: Vec<Vec<u8>>) {
        for d in frames {
            self.send_raw(src, dst, d);
        }
    }

    /// Take one fragment of a message (RFC 7383 2.6): checked and decrypted on
    /// its own, kept until all are there. True when this one completed the
    /// message (then [`Core::open`] returns it).
    pub(crate) fn fragment(&mut self, i: usize, hdr: &Header, data: &[u8]) -> bool {
        let now = self.now;
        if !self.sas[i].frag {
            self.stats.rx_fragments_dropped += 1;
            return false;
        }
        let r = match self.sas[i].in_keys() {
            Some(k) => keys::open_fragment(data, k),
            None => return false,
        };
        let f = match r {
            Ok(f) => f,
            Err(keys::SkError::Integrity) => {
                self.stats.rx_integrity += 1;
                let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
                self.events.push_back(Event::V2Integrity { conn, peer, exchange: hdr.exchange, msgid: hdr.msgid });
                return false;
            }
            Err(_) => {
                self.stats.rx_fragments_dropped += 1;
                return false;
            }
        };
        self.stats.rx_fragments += 1;
        if f.total as usize > MAX_FRAGMENTS {
            self.stats.rx_fragments_dropped += 1;
            return false;
        }
        let response = hdr.is_response();
        let sa = &mut self.sas[i];
        sa.reasm.retain(|r| now < r.started + REASSEMBLY_TIMEOUT);
        let fresh = || Reasm { msgid: hdr.msgid, response, total: f.total, have: 0, size: 0, first: 0, started: now, parts: vec![None; f.total as usize] };
        let slot = match sa.reasm.iter().position(|r| r.response == response) {
            Some(p) if sa.reasm[p].msgid == hdr.msgid && sa.reasm[p].total == f.total => p,
            // Fewer fragments than already seen for this message: an older copy (2.6).
            Some(p) if sa.reasm[p].msgid == hdr.msgid && f.total < sa.reasm[p].total => {
                self.stats.rx_fragments_dropped += 1;
                return false;
            }
            // Another message, or the same one fragmented again into more pieces: start over.
            Some(p) => {
                sa.reasm[p] = fresh();
                p
            }
            None => {
                sa.reasm.push(fresh());
                sa.reasm.len() - 1
            }
        };
        let r = &mut sa.reasm[slot];
        let n = f.number as usize - 1;
        if r.parts[n].is_some() {
            self.stats.rx_fragments_dropped += 1;
            self.stats.rx_duplicates += 1;
            return false;
        }
        if r.size + f.data.len() > MAX_REASSEMBLY {
            sa.reasm.remove(slot);
            self.stats.rx_fragments_dropped += 1;
            return false;
        }
        r.size += f.data.len();
        if f.number == 1 {
            r.first = f.next;
        }
        r.parts[n] = Some(f.data);
        r.have += 1;
        if r.have < r.total {
            return false;
        }
        let r = sa.reasm.remove(slot);
        let chain: Vec<u8> = r.parts.into_iter().flatten().flatten().collect();
        sa.reassembled = Some((hdr.msgid, response, r.first, chain));
        self.stats.rx_reassembled += 1;
        true
    }

    /// Send a protected request (now, or when the window opens).
    pub(crate) fn send_request(&mut self, i: usize, exch: u8, inner: wire::Builder, what: What) {
        let msgid = self.sas[i].next_msgid;
        self.sas[i].next_msgid = msgid.wrapping_add(1);
        let data = self.seal(i, exch, msgid, false, &inner);
        let now = self.now;
        let sa = &mut self.sas[i];
        sa.pending = Some(Pending { msgid, exchange: exch, data: data.clone(), tries: 0, timer: now + RETRANSMIT_BASE, what });
        let (conn, src, dst) = (sa.conn, sa.local, sa.remote);
        self.events.push_back(Event::V2Message { conn, peer: dst, exchange: exch, msgid, response: false, sent: true, payloads: inner.kinds(), retransmit: false });
        self.send_all(src, dst, data);
    }

    /// Send a protected response to the request `request` (kept for duplicates).
    pub(crate) fn send_response(&mut self, i: usize, exch: u8, msgid: u32, inner: wire::Builder, request: &[u8]) {
        let data = self.seal(i, exch, msgid, true, &inner);
        let sa = &mut self.sas[i];
        sa.last_resp = Some(LastResponse { msgid, request: request.to_vec(), response: data.clone(), replays: 0 });
        sa.peer_msgid = msgid.wrapping_add(1);
        let (conn, src, dst) = (sa.conn, sa.local, sa.remote);
        self.events.push_back(Event::V2Message { conn, peer: dst, exchange: exch, msgid, response: true, sent: true, payloads: inner.kinds(), retransmit: false });
        self.send_all(src, dst, data);
    }

    /// Send the next queued request if the window is free.
    pub(crate) fn kick(&mut self, i: usize) {
        if i >= self.sas.len() || self.sas[i].pending.is_some() || !self.sas[i].is_established() {
            return;
        }
        while let Some(r) = self.sas[i].queue.pop_front() {
            let sent = match r {
                Req::Child { tunnel, child, rekey_of } => self.send_create_child(i, &tunnel, child, rekey_of),
                Req::RekeyIke => self.send_rekey_ike(i),
                Req::Dpd => {
                    self.send_request(i, exchange::INFORMATIONAL, wire::Builder::new(), What::Dpd);
                    true
                }
                Req::DeleteChildren(ids) => self.send_delete_children(i, &ids),
            };
            if sent {
                break;
            }
        }
    }

    /// Open a protected message from the peer: the inner payloads, or None (logged).
    pub(crate) fn open(&mut self, i: usize, hdr: &Header, data: &[u8]) -> Option<Msg> {
        let r = if hdr.next == wire::payload::SKF {
            // A fragmented message: checked fragment by fragment, then reassembled.
            match self.sas[i].reassembled.take() {
                Some((m, resp, first, chain)) if m == hdr.msgid && resp == hdr.is_response() => Ok((first, chain)),
                _ => return None,
            }
        } else {
            match self.sas[i].in_keys() {
                Some(k) => keys::open(data, k),
                None => return None,
            }
        };
        let sa = &self.sas[i];
        let (conn, peer, remote) = (sa.conn, *sa.remote.ip(), sa.remote);
        match r {
            Ok((first, chain)) => match Msg::parse(first, &chain) {
                Ok(m) => Some(m),
                Err(error) => {
                    self.stats.rx_malformed += 1;
                    let answered = if hdr.is_response() { None } else { error.notify() };
                    self.events.push_back(Event::V2Malformed { peer: remote, error, answered });
                    None
                }
            },
            Err(_) => {
                self.stats.rx_integrity += 1;
                self.events.push_back(Event::V2Integrity { conn, peer, exchange: hdr.exchange, msgid: hdr.msgid });
                None
            }
        }
    }

    /// Take a datagram (without the non-ESP marker) whose IKE major version is 2.
    pub fn handle(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, data: &[u8]) {
        self.now = now;
        self.stats.rx_packets += 1;
        let hdr = match Header::parse(data) {
            Ok(h) => h,
            Err(error) => {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::V2Malformed { peer: remote, error, answered: None });
                return;
            }
        };
        self.stats.rx_requests += (!hdr.is_response() && !later_fragment(data)) as u64;
        let data = &data[..hdr.length as usize];
        let idx = self.by_spi.get(&hdr.spi_i).into_iter().flatten().filter_map(|&c| self.index(c)).find(|&i| {
            let s = &self.sas[i];
            s.remote.ip() == remote.ip() && (s.spi_r == hdr.spi_r || (s.spi_r == [0; 8] && s.role == Role::Initiator && hdr.exchange == exchange::IKE_SA_INIT))
        });
        let Some(i) = idx else {
            if !hdr.is_response() && hdr.exchange == exchange::IKE_SA_INIT && hdr.spi_r == [0; 8] && hdr.msgid == 0 {
                self.respond_init(now, local, remote, &hdr, data);
            } else if !hdr.is_response() && hdr.exchange == exchange::IKE_SA_INIT {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::V2Malformed { peer: remote, error: wire::Error::InvalidExchange(hdr.exchange), answered: None });
            }
            // Otherwise a message for an SA we do not have: ignored (RFC 7296 2.21.4 allows no answer).
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
            self.events.push_back(Event::V2Message { conn, peer, exchange: hdr.exchange, msgid: hdr.msgid, response: true, sent: false, payloads: msg.kinds(), retransmit: false });
            for n in msg.notifies() {
                self.events.push_back(Event::V2Notify { conn, peer: *peer.ip(), kind: n.kind, sent: false });
            }
            match p.what {
                What::Init => {}
                What::Auth(neg) => self.auth_response(now, i, &msg, neg),
                What::Child(neg) => self.child_response(now, i, &msg, neg),
                What::RekeyIke { spi_i, ni, dh } => self.rekey_ike_response(now, i, &msg, spi_i, ni, dh),
                What::Dpd | What::DeleteChildren => {}
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
                self.events.push_back(Event::Retransmit { conn, peer: *dst.ip(), count: 0 });
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
            exchange::CREATE_CHILD_SA if sa.state == State::Deleting && sa.keys.is_some() => self.refuse_temporarily(i, &hdr, data),
            exchange::INFORMATIONAL if sa.is_established() || sa.state == State::Deleting => self.info_request(now, i, &hdr, data),
            _ => {
                self.stats.rx_malformed += 1;
            }
        }
    }

    /// Traffic counted by the dataplane on a child (see [`super::Endpoint::account`]).
    /// Kilobyte lifetimes run on these counts: the child's initiator rekeys at
    /// 90 %, and the pair goes (the peer is told) when either direction used it all.
    pub fn account(&mut self, spi: u32, inbound: bool, bytes: u64) -> bool {
        let Some(ci) = self.children.iter().position(|c| if inbound { c.spi_in == spi } else { c.spi_out == spi }) else { return false };
        let c = &mut self.children[ci];
        if inbound {
            c.bytes_in = c.bytes_in.saturating_add(bytes);
            c.packets_in += 1;
        } else {
            c.bytes_out = c.bytes_out.saturating_add(bytes);
            c.packets_out += 1;
        }
        let (ike, id, tunnel, child) = (c.ike, c.id, c.tunnel.clone(), c.child);
        if c.kbytes_expired() {
            if let Some(i) = self.index(ike) {
                self.sas[i].queue.push_back(Req::DeleteChildren(vec![id]));
                self.kick(i);
            }
        } else if c.role == Role::Initiator && !c.rekeyed && c.kbytes_due() {
            c.rekeyed = true;
            if let Some(i) = self.index(ike) {
                self.sas[i].queue.push_back(Req::Child { tunnel, child, rekey_of: Some(id) });
                self.kick(i);
            }
        }
        true
    }

    /// Delete the SAs of a tunnel and/or peer (the peer is told). Returns how many.
    pub fn clear(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        self.now = now;
        let hit: Vec<(u32, String)> = self.sas.iter().filter(|s| tunnel.is_none_or(|t| s.tunnel == t) && peer.is_none_or(|p| *s.remote.ip() == p)).map(|s| (s.conn, s.tunnel.clone())).collect();
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
            if self.pc(&t).is_some_and(|p| p.auto_start && p.may_initiate()) && !self.sas.iter().any(|s| s.tunnel == t) {
                self.initiate(now, &t);
            }
        }
        hit.len()
    }

    /// Delete child SAs of a tunnel and/or peer (the peer is told); static
    /// tunnels negotiate them again. Returns how many.
    pub fn clear_children(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        self.now = now;
        let hit: Vec<(u32, u32, String)> = self.children.iter().filter(|c| tunnel.is_none_or(|t| c.tunnel == t) && peer.is_none_or(|p| *c.remote.ip() == p)).map(|c| (c.ike, c.id, c.tunnel.clone())).collect();
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
        let inner = wire::Builder::new().add(&wire::Repr::Delete(wire::DeleteRepr { protocol: wire::proto::IKE, spis: vec![] }));
        let msgid = self.sas[i].next_msgid;
        let d = self.seal(i, exchange::INFORMATIONAL, msgid, false, &inner);
        let (src, dst, c) = (self.sas[i].local, self.sas[i].remote, self.sas[i].conn);
        self.events.push_back(Event::DeleteSent { conn: c, peer: *dst.ip(), protocol: wire::proto::IKE, spis: vec![] });
        self.send_all(src, dst, d);
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut t: Option<Millis> = None;
        let mut min = |x: Millis| t = Some(t.map_or(x, |t: Millis| t.min(x)));
        for s in &self.sas {
            if let Some(p) = &s.pending {
                min(p.timer);
            }
            for r in &s.reasm {
                min(r.started + REASSEMBLY_TIMEOUT);
            }
            if s.is_established() {
                min(s.expires());
                if s.role == Role::Initiator && !s.rekeyed {
                    min(s.established.unwrap_or(s.created) + s.lifetime as u64 * REKEY_AT);
                }
                if self.pc(&s.tunnel).is_some_and(|p| p.dpd) && s.pending.is_none() {
                    min(s.last_heard + DPD_INTERVAL);
                }
            } else {
                min(s.created + HALF_OPEN_TIMEOUT.max(RETRANSMIT_BASE * 64));
            }
        }
        for c in &self.children {
            min(c.expires());
            if c.role == Role::Initiator && !c.rekeyed {
                min(c.created + c.lifetime_seconds as u64 * REKEY_AT);
            }
        }
        for r in self.retry_at.values() {
            min(*r);
        }
        t
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.now = now;
        let due: Vec<String> = self.retry_at.iter().filter(|(_, t)| **t <= now).map(|(n, _)| n.clone()).collect();
        for t in due {
            self.retry_at.remove(&t);
            if !self.sas.iter().any(|s| s.tunnel == t) {
                self.initiate(now, &t);
            }
        }
        let conns: Vec<u32> = self.sas.iter().map(|s| s.conn).collect();
        for conn in conns {
            let Some(i) = self.index(conn) else { continue };
            // Retransmission with back-off, and a logged give-up.
            let sa = &mut self.sas[i];
            if let Some(p) = sa.pending.as_mut().filter(|p| p.timer <= now) {
                if p.tries >= RETRANSMIT_TRIES {
                    let (exch, peer, tunnel) = (p.exchange, *sa.remote.ip(), sa.tunnel.clone());
                    let dpd = matches!(p.what, What::Dpd);
                    self.events.push_back(Event::V2GiveUp { conn, peer, tunnel: tunnel.clone(), exchange: exch });
                    if dpd {
                        self.events.push_back(Event::DpdDead { conn, peer, tunnel });
                    }
                    self.stats.ike_failed += u64::from(!self.sas[i].is_established());
                    self.drop_sa(i, if dpd { DownReason::PeerDead } else { DownReason::NoResponse }, true);
                    continue;
                }
                p.tries += 1;
                p.timer = now + (RETRANSMIT_BASE << p.tries.min(6));
                let (d, count, exch, msgid) = (p.data.clone(), p.tries, p.exchange, p.msgid);
                let (src, dst) = (sa.local, sa.remote);
                self.stats.retransmits += 1;
                self.events.push_back(Event::Retransmit { conn, peer: *dst.ip(), count });
                self.events.push_back(Event::V2Message { conn, peer: dst, exchange: exch, msgid, response: false, sent: true, payloads: vec![], retransmit: true });
                // Every fragment again (RFC 7383 2.6).
                self.send_all(src, dst, d);
            }
            self.sas[i].reasm.retain(|r| now < r.started + REASSEMBLY_TIMEOUT);
            let s = &self.sas[i];
            if !s.is_established() {
                if s.pending.is_none() && now >= s.created + HALF_OPEN_TIMEOUT.max(RETRANSMIT_BASE * 64) {
                    self.drop_sa(i, DownReason::NegotiationTimedOut, true);
                }
                continue;
            }
            if now >= s.expires() {
                self.tell_delete(i);
                self.drop_sa(i, DownReason::LifetimeExpired { kilobytes: false }, true);
                continue;
            }
            if s.role == Role::Initiator && !s.rekeyed && now >= s.established.unwrap_or(s.created) + s.lifetime as u64 * REKEY_AT {
                self.sas[i].rekeyed = true;
                self.sas[i].queue.push_back(Req::RekeyIke);
            }
            let s = &self.sas[i];
            if s.pending.is_none() && !s.queue.contains(&Req::Dpd) && now >= s.last_heard + DPD_INTERVAL && self.pc(&s.tunnel).is_some_and(|p| p.dpd) {
                self.sas[i].queue.push_back(Req::Dpd);
            }
            self.kick(i);
        }
        // Children: the child's initiator rekeys at 90 %; at expiry the pair goes.
        let mut ci = 0;
        while ci < self.children.len() {
            let c = &self.children[ci];
            if now >= c.expires() {
                let c = self.children.remove(ci);
                if let Some(i) = self.index(c.ike) {
                    self.sas[i].queue.push_back(Req::DeleteChildren(vec![c.id]));
                    self.kick(i);
                }
                self.events.push_back(Event::ChildDown { tunnel: c.tunnel.clone(), peer: *c.remote.ip(), spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::LifetimeExpired { kilobytes: false } });
                continue;
            }
            if c.role == Role::Initiator && !c.rekeyed && now >= c.created + c.lifetime_seconds as u64 * REKEY_AT {
                let (ike, tunnel, child, id) = (c.ike, c.tunnel.clone(), c.child, c.id);
                self.children[ci].rekeyed = true;
                if let Some(i) = self.index(ike) {
                    self.sas[i].queue.push_back(Req::Child { tunnel, child, rekey_of: Some(id) });
                    self.kick(i);
                }
            }
            ci += 1;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
