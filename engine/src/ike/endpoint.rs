//! The IKEv1 protocol core (RFC 2407, 2408, 2409, 3947, 3706): main,
//! aggressive and quick mode with pre-shared keys, informational exchanges
//! (notify, delete, DPD), NAT traversal and retransmission.
//!
//! Like quinn-proto it does no I/O and reads no clock: the caller feeds it
//! datagrams ([`Endpoint::handle`]), timer expiries ([`Endpoint::handle_timeout`])
//! and configuration ([`Endpoint::set_config`]), and drains datagrams to send
//! ([`Endpoint::poll_transmit`]), events ([`Endpoint::poll_event`]) and the
//! next deadline ([`Endpoint::poll_timeout`]). Times are milliseconds on the
//! caller's clock (real or virtual); randomness comes from a seeded RNG, so
//! a simulated network replays byte for byte.

use super::conf::*;
use super::crypto::*;
use super::events::*;
use super::wire::{self, Attr, Builder, DeleteRepr, Header, IdRepr, NotifyRepr, Part, ProposalRepr, ProposalSyntax, SaRepr, TransformRepr, WireError, exchange, notify, payload, proto};
use crate::config::*;
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

pub type Millis = u64;
pub const IKE_PORT: u16 = 500;
pub const NATT_PORT: u16 = 4500;

/// First retransmission after this long, doubling each time.
pub const RETRANSMIT_BASE: Millis = 4_000;
pub const RETRANSMIT_TRIES: u32 = 5;
/// Half-open (not yet authenticated) responder SAs allowed per peer address and overall.
pub const MAX_HALF_OPEN_PER_PEER: usize = 32;
pub const MAX_HALF_OPEN: usize = 8_192;
pub const DPD_INTERVAL: Millis = 10_000;
pub const DPD_RETRY: Millis = 2_000;
pub const DPD_TRIES: u32 = 5;
/// Rekey a child SA when this share of its lifetime has passed (per mille).
pub const REKEY_AT: u64 = 900;
/// A static tunnel whose negotiation failed is tried again after this long.
pub const RETRY_INTERVAL: Millis = 30_000;
/// Tunnels that start at commit are started this many at a time ...
pub const START_BURST: usize = 256;
/// ... every this long, as a router paces its first messages.
pub const START_INTERVAL: Millis = 50;

/// A datagram to send. `data` already carries the non-ESP marker on port 4500.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub data: Vec<u8>,
}

/// Secret key material of one direction of a child SA.
#[derive(Clone, PartialEq, Eq)]
pub struct SaKeys {
    pub encr: Vec<u8>,
    pub auth: Vec<u8>,
}

impl std::fmt::Debug for SaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SaKeys(<secret>)")
    }
}

/// An established IPsec SA pair (one child of a tunnel).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildSa {
    pub id: u32,
    pub ike: u32,
    pub tunnel: String,
    pub policy: String,
    pub child: usize,
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    /// ESP in UDP (NAT traversal).
    pub encap: bool,
    pub local_ts: Selector,
    pub remote_ts: Selector,
    pub spi_in: u32,
    pub spi_out: u32,
    pub proposal: String,
    pub esp: Option<(EspEncr, Option<EspAuth>)>,
    pub ah: Option<EspAuth>,
    pub pfs: Option<u16>,
    pub lifetime_seconds: u32,
    pub lifetime_kbytes: Option<u64>,
    pub created: Millis,
    pub role: Role,
    pub keys_in: SaKeys,
    pub keys_out: SaKeys,
    /// Traffic the dataplane reported ([`Endpoint::account`]), per direction.
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub packets_in: u64,
    pub packets_out: u64,
    pub(crate) rekeyed: bool,
}

impl ChildSa {
    pub fn expires(&self) -> Millis {
        self.created + self.lifetime_seconds as u64 * 1000
    }
    pub fn remaining_seconds(&self, now: Millis) -> u64 {
        self.expires().saturating_sub(now) / 1000
    }
    /// Kilobytes left before the busier direction reaches the kilobyte lifetime.
    pub fn remaining_kbytes(&self) -> Option<u64> {
        self.lifetime_kbytes.map(|k| k.saturating_sub(self.bytes_in.max(self.bytes_out) / 1024))
    }
    /// The kilobyte lifetime is used up (in either direction).
    fn kbytes_expired(&self) -> bool {
        self.remaining_kbytes() == Some(0)
    }
    /// The share of the kilobyte lifetime at which the initiator rekeys has passed.
    fn kbytes_due(&self) -> bool {
        self.lifetime_kbytes.is_some_and(|k| self.bytes_in.max(self.bytes_out) >= k * 1024 * REKEY_AT / 1000)
    }
}

#[derive(Clone)]
struct P1Keys {
    skeyid: Vec<u8>,
    d: Vec<u8>,
    a: Vec<u8>,
}

/// The smaller of two kilobyte lifetimes, where none means unlimited.
fn min_volume(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// How a byte-identical copy of the last message received is answered.
///
/// Only a responder answers such a copy, by sending its reply again (the
/// initiator's reply was lost), and only when its last message really was the
/// reply to that request: never to the message that closed an exchange, or a
/// duplicated final message would start an endless ping-pong between the two
/// sides. At most [`REPLAY_ANSWERS`] times per message, and at most once per
/// [`REPLAY_GAP`].
#[derive(Clone, Copy, Debug, Default)]
struct Replay {
    answered: bool,
    count: u32,
    last: Option<Millis>,
}

/// Copies of one request answered again at most this often ...
pub const REPLAY_ANSWERS: u32 = RETRANSMIT_TRIES;
/// ... and no more than once in this long.
pub const REPLAY_GAP: Millis = 1_000;

impl Replay {
    fn allow(&mut self, now: Millis) -> bool {
        if !self.answered || self.count >= REPLAY_ANSWERS || self.last.is_some_and(|t| now < t + REPLAY_GAP) {
            return false;
        }
        self.count += 1;
        self.last = Some(now);
        true
    }
}

/// A quick-mode exchange in progress.
struct Quick {
    msgid: u32,
    role: Role,
    child: usize,
    iv: Vec<u8>,
    ni: Vec<u8>,
    nr: Vec<u8>,
    dh: Option<DhSecret>,
    gxy: Option<Vec<u8>>,
    spi_in: u32,
    /// The SA payload body we offered (initiator).
    chosen: Option<(EspProp, ProposalRepr)>,
    last_sent: Option<Vec<u8>>,
    last_recv: Option<Vec<u8>>,
    /// Copies of `last_recv` answered again with `last_sent` (bounded, see [`Replay`]).
    replay: Replay,
    retries: u32,
    timer: Option<Millis>,
    rekey_of: Option<u32>,
    /// The selectors agreed (local, remote) when they were narrowed from the configuration.
    sel: Option<(Selector, Selector)>,
}

/// An IKEv1 (ISAKMP) SA.
pub struct IkeSa {
    pub conn: u32,
    pub tunnel: String,
    pub role: Role,
    pub mode: ExchangeMode,
    pub icookie: [u8; 8],
    pub rcookie: [u8; 8],
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub state: P1State,
    pub chosen: Option<IkeProp>,
    pub created: Millis,
    pub established: Option<Millis>,
    pub nat_local: bool,
    pub nat_remote: bool,
    pub peer_natt: bool,
    pub peer_dpd: bool,
    pub peer_id: Option<IdRepr>,
    pub lifetime: u32,
    sa_i_b: Vec<u8>,
    dh: Option<DhSecret>,
    gxi: Vec<u8>,
    gxr: Vec<u8>,
    ni: Vec<u8>,
    nr: Vec<u8>,
    keys: Option<P1Keys>,
    cipher: Option<CipherAlg>,
    hash: Option<HashAlg>,
    enc_key: Vec<u8>,
    iv: Vec<u8>,
    p1_last: Vec<u8>,
    last_sent: Option<Vec<u8>>,
    last_recv: Option<Vec<u8>>,
    /// Whether `last_sent` answers `last_recv`, and how often a copy was answered again.
    replay: Replay,
    retries: u32,
    timer: Option<Millis>,
    quick: Vec<Quick>,
    dpd_seq: u32,
    dpd_outstanding: u32,
    dpd_timer: Option<Millis>,
    deleting: bool,
    /// A replacement phase 1 has been started (initiator, at 90 % of the lifetime).
    rekeyed: bool,
}

impl IkeSa {
    /// The key tshark needs to decrypt this SA's messages (`isakmp_decryption_table`).
    pub fn tshark_key(&self) -> Option<(String, String)> {
        if self.enc_key.is_empty() {
            return None;
        }
        Some((hex(&self.icookie), hex(&self.enc_key)))
    }
    pub fn is_established(&self) -> bool {
        self.state == P1State::QmIdle
    }
    pub fn expires(&self) -> Millis {
        self.established.unwrap_or(self.created) + self.lifetime as u64 * 1000
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Endpoint({} peers, {} IKE SAs, {} IPsec SAs)", self.conf.peers.len(), self.sas.len(), self.children.len())
    }
}

/// The engine.
pub struct Endpoint {
    conf: EngineConf,
    rng: StdRng,
    /// Ordered by `conn` (allocated increasing, pushed in that order).
    sas: Vec<IkeSa>,
    /// Initiator cookie -> the `conn`s of the SAs that have it (lookup of a
    /// received message without scanning every SA).
    by_cookie: std::collections::HashMap<[u8; 8], Vec<u32>>,
    children: Vec<ChildSa>,
    next_conn: u32,
    next_child: u32,
    out: VecDeque<Transmit>,
    events: VecDeque<Event>,
    /// Tunnels (and child indexes) that want SAs: negotiated when phase 1 is up.
    wanted: std::collections::HashMap<String, std::collections::BTreeSet<usize>>,
    /// Peer configurations by tunnel name (index into `conf.peers`).
    by_name: std::collections::HashMap<String, usize>,
    /// Static tunnels whose negotiation failed: when to try again.
    retry_at: std::collections::HashMap<String, Millis>,
    /// Tunnels waiting to start (paced: [`START_BURST`] per [`START_INTERVAL`]).
    start_queue: VecDeque<usize>,
    next_start: Millis,
    /// The time of the latest input.
    now: Millis,
    /// The IKEv2 core: peers whose policy is IKEv2 run there; its child SAs
    /// are mirrored into `children` so the dataplane and the shows see one list.
    v2: super::v2::Core,
    /// [`super::v2::Core::children_fingerprint`] when `children` last mirrored it.
    v2_fingerprint: u64,
    /// Counters for `show ... statistics`.
    pub stats: Stats,
    /// The same counters per tunnel (`show tunnel ipsec name T statistics ike`).
    pub tunnel_stats: std::collections::HashMap<String, Stats>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_malformed: u64,
    /// Copies of a message already received that were not answered again.
    pub rx_duplicates: u64,
    pub p1_established: u64,
    pub p1_failed: u64,
    pub p2_established: u64,
    pub p2_failed: u64,
    pub retransmits: u64,
    pub notifies_rx: u64,
    pub notifies_tx: u64,
    pub deletes_rx: u64,
    pub deletes_tx: u64,
    pub half_open_dropped: u64,
}

fn attr_encr(e: IkeEncr) -> Vec<Attr> {
    match e {
        IkeEncr::DesCbc => vec![Attr::basic(1, 1)],
        IkeEncr::TripleDesCbc => vec![Attr::basic(1, 5)],
        IkeEncr::Aes128Cbc => vec![Attr::basic(1, 7), Attr::basic(14, 128)],
        IkeEncr::Aes192Cbc => vec![Attr::basic(1, 7), Attr::basic(14, 192)],
        IkeEncr::Aes256Cbc => vec![Attr::basic(1, 7), Attr::basic(14, 256)],
    }
}

fn hash_code(h: IkeAuthAlg) -> u16 {
    match h {
        IkeAuthAlg::HmacMd5_96 => 1,
        IkeAuthAlg::HmacSha1_96 => 2,
        IkeAuthAlg::HmacSha256 => 4,
        IkeAuthAlg::HmacSha384 => 5,
        IkeAuthAlg::HmacSha512 => 6,
    }
}

fn p1_transform(num: u8, p: &IkeProp) -> TransformRepr {
    let mut attrs = attr_encr(p.encr);
    attrs.push(Attr::basic(2, hash_code(p.hash)));
    attrs.push(Attr::basic(3, if p.auth == AuthMethod::PreSharedKey { 1 } else { 3 }));
    attrs.push(Attr::basic(4, p.group));
    attrs.push(Attr::basic(11, 1));
    attrs.push(Attr::number(12, p.lifetime as u64));
    TransformRepr { number: num, id: 1, attrs }
}

/// Read an offered phase-1 transform; `Err` names an attribute type we do not support.
fn offered_p1(t: &TransformRepr) -> Result<OfferedP1, u16> {
    let mut o = OfferedP1 { encr: Err(0), hash: Err(0), auth: Err(0), group: 1, lifetime: 86400 };
    let mut enc = 0u16;
    let mut keylen = 0u16;
    let mut life_type = 1;
    for a in &t.attrs {
        let v = a.value_u64().unwrap_or(u64::MAX);
        match a.kind {
            1 => enc = v as u16,
            2 => {
                o.hash = match v {
                    1 => Ok(IkeAuthAlg::HmacMd5_96),
                    2 => Ok(IkeAuthAlg::HmacSha1_96),
                    4 => Ok(IkeAuthAlg::HmacSha256),
                    5 => Ok(IkeAuthAlg::HmacSha384),
                    6 => Ok(IkeAuthAlg::HmacSha512),
                    x => Err(x as u16),
                }
            }
            3 => {
                o.auth = match v {
                    1 => Ok(AuthMethod::PreSharedKey),
                    3 => Ok(AuthMethod::RsaSignature),
                    x => Err(x as u16),
                }
            }
            4 => o.group = v as u16,
            11 => life_type = v,
            12 => {
                if life_type == 1 {
                    o.lifetime = v.min(u32::MAX as u64) as u32
                }
            }
            14 => keylen = v as u16,
            // group type/prime/generator/curve, PRF, field size, group order: only for private groups
            5..=10 | 13 | 15 | 16 => {}
            k => return Err(k),
        }
    }
    o.encr = match (enc, keylen) {
        (1, _) => Ok(IkeEncr::DesCbc),
        (5, _) => Ok(IkeEncr::TripleDesCbc),
        (7, 128) | (7, 0) => Ok(IkeEncr::Aes128Cbc),
        (7, 192) => Ok(IkeEncr::Aes192Cbc),
        (7, 256) => Ok(IkeEncr::Aes256Cbc),
        (e, _) => Err(e),
    };
    Ok(o)
}

fn check_p1(o: &OfferedP1, c: &IkeProp) -> Result<(), P1Mismatch> {
    if o.encr != Ok(c.encr) {
        return Err(P1Mismatch::Encryption { offered: o.encr, configured: c.encr });
    }
    if o.hash != Ok(c.hash) {
        return Err(P1Mismatch::Hash { offered: o.hash, configured: c.hash });
    }
    if o.auth != Ok(c.auth) {
        return Err(P1Mismatch::AuthMethod { offered: o.auth, configured: c.auth });
    }
    if o.group != c.group {
        return Err(P1Mismatch::Group { offered: o.group, configured: c.group });
    }
    Ok(())
}

fn esp_transform_id(e: EspEncr) -> (u8, Option<u16>) {
    match e {
        EspEncr::DesCbc => (2, None),
        EspEncr::TripleDesCbc => (3, None),
        EspEncr::Null => (11, None),
        EspEncr::Aes128Cbc => (12, Some(128)),
        EspEncr::Aes192Cbc => (12, Some(192)),
        EspEncr::Aes256Cbc => (12, Some(256)),
        EspEncr::Aes128Gcm => (20, Some(128)),
        EspEncr::Aes192Gcm => (20, Some(192)),
        EspEncr::Aes256Gcm => (20, Some(256)),
    }
}

fn esp_from_id(id: u8, keylen: Option<u16>) -> Option<EspEncr> {
    Some(match (id, keylen) {
        (2, _) => EspEncr::DesCbc,
        (3, _) => EspEncr::TripleDesCbc,
        (11, _) => EspEncr::Null,
        (12, Some(128) | None) => EspEncr::Aes128Cbc,
        (12, Some(192)) => EspEncr::Aes192Cbc,
        (12, Some(256)) => EspEncr::Aes256Cbc,
        (20, Some(128) | None) => EspEncr::Aes128Gcm,
        (20, Some(192)) => EspEncr::Aes192Gcm,
        (20, Some(256)) => EspEncr::Aes256Gcm,
        _ => return None,
    })
}

fn auth_code(a: EspAuth) -> u16 {
    match a {
        EspAuth::HmacMd5_96 => 1,
        EspAuth::HmacSha1_96 => 2,
        EspAuth::HmacSha256_128 => 5,
        EspAuth::HmacSha384_192 => 6,
        EspAuth::HmacSha512_256 => 7,
        EspAuth::HmacAesXcbc => 9,
    }
}

fn auth_from_code(c: u16) -> Option<EspAuth> {
    Some(match c {
        1 => EspAuth::HmacMd5_96,
        2 => EspAuth::HmacSha1_96,
        5 => EspAuth::HmacSha256_128,
        6 => EspAuth::HmacSha384_192,
        7 => EspAuth::HmacSha512_256,
        9 => EspAuth::HmacAesXcbc,
        _ => return None,
    })
}

fn ah_transform_id(a: EspAuth) -> u8 {
    match a {
        EspAuth::HmacMd5_96 => 2,
        EspAuth::HmacSha1_96 => 3,
        EspAuth::HmacSha256_128 => 5,
        EspAuth::HmacSha384_192 => 6,
        EspAuth::HmacSha512_256 => 7,
        EspAuth::HmacAesXcbc => 9,
    }
}

pub fn esp_key_len(e: EspEncr) -> usize {
    match e {
        EspEncr::Null => 0,
        EspEncr::DesCbc => 8,
        EspEncr::TripleDesCbc => 24,
        EspEncr::Aes128Cbc => 16,
        EspEncr::Aes192Cbc => 24,
        EspEncr::Aes256Cbc => 32,
        EspEncr::Aes128Gcm => 20,
        EspEncr::Aes192Gcm => 28,
        EspEncr::Aes256Gcm => 36,
    }
}

pub fn auth_key_len(a: EspAuth) -> usize {
    match a {
        EspAuth::HmacMd5_96 => 16,
        EspAuth::HmacSha1_96 => 20,
        EspAuth::HmacSha256_128 => 32,
        EspAuth::HmacSha384_192 => 48,
        EspAuth::HmacSha512_256 => 64,
        EspAuth::HmacAesXcbc => 16,
    }
}

fn p2_attrs(p: &EspProp, pfs: Option<u16>, encap: bool, keylen: Option<u16>, auth: Option<EspAuth>) -> Vec<Attr> {
    let mut a = vec![Attr::basic(1, 1), Attr::number(2, p.lifetime_seconds as u64)];
    if let Some(kb) = p.lifetime_kbytes {
        a.push(Attr::basic(1, 2));
        a.push(Attr::number(2, kb));
    }
    if let Some(g) = pfs {
        a.push(Attr::basic(3, g));
    }
    a.push(Attr::basic(4, if encap { 3 } else { 1 }));
    if let Some(au) = auth {
        a.push(Attr::basic(5, auth_code(au)));
    }
    if let Some(k) = keylen {
        a.push(Attr::basic(6, k));
    }
    a
}

/// The proposals (one number per configured proposal; AH and ESP of one proposal share it).
fn p2_proposals(props: &[EspProp], pfs: Option<u16>, encap: bool, spi: u32) -> Vec<ProposalRepr> {
    let mut out = Vec::new();
    for (i, p) in props.iter().enumerate() {
        let n = i as u8 + 1;
        if let Some(ah) = p.ah {
            out.push(ProposalRepr { number: n, protocol: proto::AH, spi: spi.to_be_bytes().to_vec(), transforms: vec![TransformRepr { number: 1, id: ah_transform_id(ah), attrs: p2_attrs(p, pfs, encap, None, Some(ah)) }] });
        }
        if let Some((e, au)) = p.esp {
            let (id, kl) = esp_transform_id(e);
            out.push(ProposalRepr { number: n, protocol: proto::ESP, spi: spi.to_be_bytes().to_vec(), transforms: vec![TransformRepr { number: 1, id, attrs: p2_attrs(p, pfs, encap, kl, au) }] });
        }
    }
    out
}

fn offered_p2(protocol: u8, t: &TransformRepr) -> OfferedP2 {
    let mut o = OfferedP2 { protocol, transform_id: t.id, esp: None, auth: None, auth_raw: 0, group: None, encap: 1, lifetime_seconds: None, lifetime_kbytes: None };
    let mut life_type = 1;
    let mut keylen = None;
    for a in &t.attrs {
        let v = a.value_u64().unwrap_or(0);
        match a.kind {
            1 => life_type = v,
            2 => {
                if life_type == 2 {
                    o.lifetime_kbytes = Some(v.min(u32::MAX as u64) as u32)
                } else {
                    o.lifetime_seconds = Some(v.min(u32::MAX as u64) as u32)
                }
            }
            3 => o.group = Some(v as u16),
            4 => o.encap = v as u16,
            5 => {
                o.auth_raw = v as u16;
                o.auth = auth_from_code(v as u16)
            }
            6 => keylen = Some(v as u16),
            _ => {}
        }
    }
    if protocol == proto::ESP {
        o.esp = esp_from_id(t.id, keylen);
    } else if protocol == proto::AH {
        o.auth = match t.id {
            2 => Some(EspAuth::HmacMd5_96),
            3 => Some(EspAuth::HmacSha1_96),
            5 => Some(EspAuth::HmacSha256_128),
            6 => Some(EspAuth::HmacSha384_192),
            7 => Some(EspAuth::HmacSha512_256),
            9 => Some(EspAuth::HmacAesXcbc),
            _ => None,
        };
    }
    o
}

fn selector_id(s: &Selector) -> IdRepr {
    if s.net.len == 32 {
        IdRepr { id_type: wire::id_type::IPV4_ADDR, protocol: s.proto, port: s.port, data: s.net.addr.octets().to_vec() }
    } else {
        let mut data = s.net.network().octets().to_vec();
        data.extend_from_slice(&s.mask().octets());
        IdRepr { id_type: wire::id_type::IPV4_ADDR_SUBNET, protocol: s.proto, port: s.port, data }
    }
}

/// The selector an ID payload names (`None` for types that are not IPv4 addresses).
pub fn id_selector(id: &IdRepr) -> Option<Selector> {
    let net = match id.id_type {
        wire::id_type::IPV4_ADDR => Prefix4 { addr: id.addr(0)?, len: 32 },
        wire::id_type::IPV4_ADDR_SUBNET => {
            let m = u32::from(id.addr(1)?);
            if m.leading_ones() + m.trailing_zeros() != 32 {
                return None;
            }
            let len = m.leading_ones() as u8;
            Prefix4 { addr: Prefix4 { addr: id.addr(0)?, len }.network(), len }
        }
        wire::id_type::IPV4_ADDR_RANGE => {
            let (a, b) = (u32::from(id.addr(0)?), u32::from(id.addr(1)?));
            let size = b.wrapping_sub(a).wrapping_add(1);
            if b < a || (size != 0 && !size.is_power_of_two()) || (size != 0 && a % size != 0) {
                return None;
            }
            Prefix4 { addr: Ipv4Addr::from(a), len: if size == 0 { 0 } else { 32 - size.trailing_zeros() as u8 } }
        }
        _ => return None,
    };
    Some(Selector { net, proto: id.protocol, port: id.port })
}

fn identity_id(i: &Identity) -> IdRepr {
    match i {
        Identity::Ipv4(a) => IdRepr::ipv4(*a),
        Identity::Fqdn(s) => IdRepr { id_type: wire::id_type::FQDN, protocol: 0, port: 0, data: s.as_bytes().to_vec() },
        Identity::UserFqdn(s) => IdRepr { id_type: wire::id_type::USER_FQDN, protocol: 0, port: 0, data: s.as_bytes().to_vec() },
        Identity::Any => IdRepr::ipv4(Ipv4Addr::UNSPECIFIED),
    }
}

/// How well a received identity matches a configured one: exact 3, partial
/// (`*.example.com`) 2, wildcard 1, no match 0.
pub fn identity_match(conf: &Identity, id: &IdRepr) -> u8 {
    let text = id.data_text();
    match conf {
        Identity::Any => 1,
        Identity::Ipv4(a) => (id.id_type == wire::id_type::IPV4_ADDR && id.addr(0) == Some(*a)) as u8 * 3,
        Identity::Fqdn(s) | Identity::UserFqdn(s) => {
            let want_type = if matches!(conf, Identity::Fqdn(_)) { wire::id_type::FQDN } else { wire::id_type::USER_FQDN };
            if id.id_type != want_type {
                return 0;
            }
            if s.eq_ignore_ascii_case(&text) {
                3
            } else if s == "*" {
                1
            } else if let Some(suffix) = s.strip_prefix('*') {
                (text.to_ascii_lowercase().ends_with(&suffix.to_ascii_lowercase())) as u8 * 2
            } else {
                0
            }
        }
    }
}

fn nat_hash(h: HashAlg, ic: &[u8; 8], rc: &[u8; 8], a: SocketAddrV4) -> Vec<u8> {
    h.hash(&[ic, rc, &a.ip().octets(), &a.port().to_be_bytes()])
}

fn parse_err_to_event(peer: SocketAddrV4, e: WireError, answered: Option<u16>) -> Event {
    Event::Malformed { peer, error: e, answered }
}

/// The received payloads of one message, by type.
struct Msg<'a> {
    list: Vec<wire::Payload<'a>>,
}

impl<'a> Msg<'a> {
    fn get(&self, kind: u8) -> Option<&wire::Payload<'a>> {
        self.list.iter().find(|p| p.kind == kind)
    }
    fn all(&self, kind: u8) -> impl Iterator<Item = &wire::Payload<'a>> {
        self.list.iter().filter(move |p| p.kind == kind)
    }
    fn kinds(&self) -> Vec<u8> {
        self.list.iter().map(|p| p.kind).collect()
    }
}

impl Endpoint {
    pub fn new(seed: u64) -> Endpoint {
        Endpoint {
            conf: EngineConf::default(),
            rng: StdRng::seed_from_u64(seed),
            sas: Vec::new(),
            by_cookie: std::collections::HashMap::new(),
            children: Vec::new(),
            next_conn: 1001,
            next_child: 2001,
            out: VecDeque::new(),
            events: VecDeque::new(),
            wanted: Default::default(),
            by_name: Default::default(),
            retry_at: Default::default(),
            start_queue: VecDeque::new(),
            next_start: 0,
            now: 0,
            v2: super::v2::Core::new(seed),
            v2_fingerprint: 0,
            stats: Stats::default(),
            tunnel_stats: Default::default(),
        }
    }

    pub fn conf(&self) -> &EngineConf {
        &self.conf
    }
    /// A tunnel's peer configuration (by name, indexed).
    fn pc(&self, name: &str) -> Option<&PeerConf> {
        self.by_name.get(name).and_then(|&i| self.conf.peers.get(i))
    }
    pub fn ike_sas(&self) -> &[IkeSa] {
        &self.sas
    }
    pub fn child_sas(&self) -> &[ChildSa] {
        &self.children
    }
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front().or_else(|| self.v2.poll_transmit())
    }
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front().or_else(|| self.v2.poll_event())
    }
    /// The IKEv2 core (its SAs, counters and cookie threshold).
    pub fn v2(&self) -> &super::v2::Core {
        &self.v2
    }
    pub fn v2_mut(&mut self) -> &mut super::v2::Core {
        &mut self.v2
    }
    /// Mirror the IKEv2 children into the one list of child SAs.
    fn sync_v2(&mut self) {
        let fp = self.v2.children_fingerprint();
        if fp == self.v2_fingerprint {
            return;
        }
        self.v2_fingerprint = fp;
        self.children.retain(|c| !super::v2::is_v2(c.ike));
        self.children.extend(self.v2.child_sas().iter().cloned());
    }
    /// The addresses IKE must listen on: the local ends of configured tunnels.
    pub fn local_addrs(&self) -> Vec<Ipv4Addr> {
        let mut v: Vec<Ipv4Addr> = self.conf.peers.iter().map(|p| p.local).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Apply a new configuration: SAs of tunnels that changed or went away are
    /// deleted (the peer is told); tunnels that start at commit are started.
    pub fn set_config(&mut self, now: Millis, conf: EngineConf) {
        self.now = now;
        let old = std::mem::replace(&mut self.conf, conf);
        // IKEv1 paths see IKEv1 peers only; IKEv2 peers go to the IKEv2 core.
        self.by_name = self.conf.peers.iter().enumerate().filter(|(_, p)| p.version == IkeVersion::V1).map(|(i, p)| (p.name.clone(), i)).collect();
        let v2_peers: Vec<PeerConf> = self.conf.peers.iter().filter(|p| p.version == IkeVersion::V2).cloned().collect();
        self.v2.set_peers(now, v2_peers);
        self.sync_v2();
        // Changed tunnels keep their SAs until they expire or are cleared (SmartEdge
        // section 11); removed tunnels lose them at once.
        let gone: Vec<String> = old.peers.iter().filter(|p| p.version == IkeVersion::V1 && !self.by_name.contains_key(&p.name)).map(|p| p.name.clone()).collect();
        for t in &gone {
            self.clear_tunnel(now, t, true, DownReason::RemovedFromConfig);
        }
        for t in &gone {
            self.wanted.remove(t);
            self.retry_at.remove(t);
        }
        let with_sa: std::collections::HashSet<String> = self.sas.iter().map(|s| s.tunnel.clone()).collect();
        let with_child: std::collections::HashSet<String> = self.children.iter().map(|c| c.tunnel.clone()).collect();
        let starts: Vec<usize> = (0..self.conf.peers.len()).filter(|&i| self.conf.peers[i].version == IkeVersion::V1 && self.conf.peers[i].auto_start && self.conf.peers[i].may_initiate() && !with_sa.contains(&self.conf.peers[i].name)).collect();
        self.start_queue.clear();
        for i in starts {
            if with_child.contains(&self.conf.peers[i].name) {
                let name = self.conf.peers[i].name.clone();
                self.initiate(now, &name);
            } else {
                // A new configuration is tried now, not at the failed tunnel's next retry.
                self.retry_at.remove(&self.conf.peers[i].name);
                self.start_queue.push_back(i);
            }
        }
        self.next_start = now;
        self.drain_starts(now);
    }

    /// Start the next [`START_BURST`] queued tunnels (nothing negotiated yet:
    /// every child is wanted, phase 1 starts).
    fn drain_starts(&mut self, now: Millis) {
        if self.start_queue.is_empty() || now < self.next_start {
            return;
        }
        for _ in 0..START_BURST {
            let Some(i) = self.start_queue.pop_front() else { break };
            let Some(p) = self.conf.peers.get(i) else { continue };
            let p = p.clone();
            self.wanted.insert(p.name.clone(), (0..p.children.len()).collect());
            self.start_phase1(now, &p);
        }
        self.next_start = now + START_INTERVAL;
    }

    /// Start (or complete) the negotiation of every child of a tunnel.
    pub fn initiate(&mut self, now: Millis, tunnel: &str) -> bool {
        let Some(p) = self.pc(tunnel).cloned() else {
            let r = self.v2.initiate(now, tunnel);
            self.sync_v2();
            return r;
        };
        if !p.may_initiate() {
            return false;
        }
        for i in 0..p.children.len() {
            if !self.children.iter().any(|c| c.tunnel == tunnel && c.child == i) {
                self.wanted.entry(tunnel.to_string()).or_default().insert(i);
            }
        }
        if let Some(idx) = self.sas.iter().position(|s| s.tunnel == tunnel && s.is_established() && !s.deleting) {
            self.start_wanted(now, idx);
        } else if !self.sas.iter().any(|s| s.tunnel == tunnel && !s.deleting) {
            self.start_phase1(now, &p);
        }
        true
    }

    /// Start the negotiation for traffic from `src` to `dst` (a crypto map
    /// hit): the tunnel whose selectors cover the packet. Returns its name.
    pub fn initiate_for_traffic(&mut self, now: Millis, src: Ipv4Addr, dst: Ipv4Addr) -> Option<String> {
        let t = self.conf.peers.iter().find(|p| p.children.iter().any(|c| c.local_ts.contains(src) && c.remote_ts.contains(dst)))?.name.clone();
        // (IKEv2 tunnels are started by `initiate`, which hands them to the IKEv2 core.)
        self.initiate(now, &t);
        Some(t)
    }

    /// The child SA that protects traffic from `src` to `dst`, if any.
    pub fn child_for(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<&ChildSa> {
        self.children.iter().find(|c| c.local_ts.contains(src) && c.remote_ts.contains(dst))
    }

    /// Add an SA (the newest `conn`, so `sas` stays ordered) and index its cookie.
    fn push_sa(&mut self, sa: IkeSa) -> usize {
        debug_assert!(self.sas.last().is_none_or(|l| l.conn < sa.conn), "SAs are pushed in conn order");
        self.by_cookie.entry(sa.icookie).or_default().push(sa.conn);
        self.sas.push(sa);
        self.sas.len() - 1
    }

    /// Remove the SA at `idx` and its cookie entry.
    fn take_sa(&mut self, idx: usize) -> IkeSa {
        let sa = self.sas.remove(idx);
        if let std::collections::hash_map::Entry::Occupied(mut e) = self.by_cookie.entry(sa.icookie) {
            e.get_mut().retain(|&c| c != sa.conn);
            if e.get().is_empty() {
                e.remove();
            }
        }
        sa
    }

    /// Where the SA with this `conn` is.
    fn sa_index(&self, conn: u32) -> Option<usize> {
        self.sas.binary_search_by_key(&conn, |s| s.conn).ok()
    }

    /// Test support: the cookie index agrees with the SAs.
    #[cfg(test)]
    pub(crate) fn check_index(&self) {
        assert!(self.sas.windows(2).all(|w| w[0].conn < w[1].conn), "SAs out of conn order");
        let indexed: usize = self.by_cookie.values().map(Vec::len).sum();
        assert_eq!(indexed, self.sas.len(), "cookie index size");
        for s in &self.sas {
            assert!(self.by_cookie.get(&s.icookie).is_some_and(|v| v.contains(&s.conn)), "SA {} not indexed", s.conn);
        }
    }

    fn alloc_conn(&mut self) -> u32 {
        let c = self.next_conn;
        self.next_conn += 1;
        c
    }

    fn new_sa(&mut self, now: Millis, tunnel: &str, role: Role, mode: ExchangeMode, local: SocketAddrV4, remote: SocketAddrV4) -> IkeSa {
        let mut icookie = [0u8; 8];
        if role == Role::Initiator {
            self.rng.fill_bytes(&mut icookie);
        }
        IkeSa {
            conn: self.alloc_conn(),
            tunnel: tunnel.to_string(),
            role,
            mode,
            icookie,
            rcookie: [0; 8],
            local,
            remote,
            state: if mode == ExchangeMode::Main { P1State::MmNoState } else { P1State::AgInitExch },
            chosen: None,
            created: now,
            established: None,
            nat_local: false,
            nat_remote: false,
            peer_natt: false,
            peer_dpd: false,
            peer_id: None,
            lifetime: 86400,
            sa_i_b: Vec::new(),
            dh: None,
            gxi: Vec::new(),
            gxr: Vec::new(),
            ni: Vec::new(),
            nr: Vec::new(),
            keys: None,
            cipher: None,
            hash: None,
            enc_key: Vec::new(),
            iv: Vec::new(),
            p1_last: Vec::new(),
            last_sent: None,
            last_recv: None,
            replay: Replay::default(),
            retries: 0,
            timer: None,
            quick: Vec::new(),
            dpd_seq: 0,
            dpd_outstanding: 0,
            dpd_timer: None,
            deleting: false,
            rekeyed: false,
        }
    }

    fn set_state(&mut self, idx: usize, new: P1State) {
        let sa = &mut self.sas[idx];
        if sa.state != new {
            let old = sa.state;
            sa.state = new;
            self.events.push_back(Event::State { conn: sa.conn, peer: *sa.remote.ip(), old, new });
        }
    }

    fn nonce(&mut self) -> Vec<u8> {
        let mut n = vec![0u8; 20];
        self.rng.fill_bytes(&mut n);
        n
    }

    fn spi(&mut self) -> u32 {
        loop {
            let s: u32 = self.rng.random();
            if s >= 256 && !self.children.iter().any(|c| c.spi_in == s) {
                return s;
            }
        }
    }

    fn vids(&self, dpd: bool) -> Vec<Vec<u8>> {
        let mut v = vec![wire::vid::NAT_T_RFC3947.to_vec()];
        if dpd {
            v.push(wire::vid::DPD.to_vec());
        }
        v
    }

    /// Frame `chain` behind an ISAKMP header, encrypting it with `iv` when given.
    /// Returns the datagram and the last ciphertext block.
    fn frame(sa: &IkeSa, exch: u8, msgid: u32, first: u8, chain: &[u8], iv: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
        let mut body = chain.to_vec();
        let mut flags = 0;
        let mut last = Vec::new();
        if let (Some(iv), Some(c)) = (iv, sa.cipher) {
            let bs = c.block_size();
            let pad = (bs - body.len() % bs) % bs;
            body.extend(std::iter::repeat_n(0u8, pad));
            // Key and IV lengths are ours and right; a failure would be a bug: send nothing useful.
            if c.cbc(&sa.enc_key, iv, &mut body, true).is_ok() {
                last = body[body.len() - bs..].to_vec();
            }
            flags |= wire::flags::ENCRYPTION;
        }
        let hdr = Header { icookie: sa.icookie, rcookie: sa.rcookie, next: first, major: 1, minor: 0, exchange: exch, flags, msgid, length: (wire::HEADER_LEN + body.len()) as u32 };
        let mut out = Vec::with_capacity(hdr.length as usize);
        hdr.emit(&mut out);
        out.extend_from_slice(&body);
        (out, last)
    }

    fn send_raw(&mut self, src: SocketAddrV4, dst: SocketAddrV4, dgram: Vec<u8>) {
        let data = if src.port() == NATT_PORT {
            let mut d = vec![0u8; 4];
            d.extend_from_slice(&dgram);
            d
        } else {
            dgram
        };
        self.stats.tx_packets += 1;
        self.out.push_back(Transmit { src, dst, data });
    }

    /// Send a phase-1 message and remember it for retransmission.
    fn send_p1(&mut self, now: Millis, idx: usize, exch: u8, b: &Builder, encrypt: bool, expect_reply: bool) {
        let sa = &self.sas[idx];
        let iv = if encrypt { Some(sa.iv.clone()) } else { None };
        let (dgram, last) = Self::frame(sa, exch, 0, b.first(), &b.chain(), iv.as_deref());
        let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
        let sa = &mut self.sas[idx];
        if encrypt {
            sa.iv = last;
        }
        sa.last_sent = Some(dgram.clone());
        sa.replay.answered = sa.last_recv.is_some();
        sa.retries = 0;
        sa.timer = expect_reply.then_some(now + RETRANSMIT_BASE);
        self.events.push_back(Event::Sent { conn, peer: dst, exchange: exch, msgid: 0, payloads: b.payloads.iter().map(|p| p.0).collect(), retransmit: false });
        let t = self.sas[idx].tunnel.clone();
        self.tunnel_stats.entry(t).or_default().tx_packets += 1;
        self.send_raw(src, dst, dgram);
    }

    fn start_phase1(&mut self, now: Millis, p: &PeerConf) {
        let Some(remote) = p.remote else { return };
        let mut sa = self.new_sa(now, &p.name, Role::Initiator, p.mode, SocketAddrV4::new(p.local, IKE_PORT), SocketAddrV4::new(remote, IKE_PORT));
        let sa_payload = SaRepr { doi: wire::DOI_IPSEC, situation: wire::SIT_IDENTITY_ONLY, proposals: vec![ProposalRepr { number: 1, protocol: proto::ISAKMP, spi: vec![], transforms: p.proposals.iter().enumerate().map(|(i, pr)| p1_transform(i as u8 + 1, pr)).collect() }] };
        sa.sa_i_b = sa_payload.emit();
        let mut b = Builder::new();
        b.push(payload::SA, sa.sa_i_b.clone());
        if p.mode == ExchangeMode::Aggressive {
            // Aggressive mode commits to the first proposal's group.
            let g = DhGroup(p.proposals[0].group);
            let Ok(dh) = g.generate(&mut self.rng) else {
                self.events.push_back(Event::GiveUp { conn: sa.conn, peer: remote, tunnel: p.name.clone(), state: sa.state });
                return;
            };
            sa.gxi = dh.public.clone();
            sa.dh = Some(dh);
            sa.ni = self.nonce();
            b.push(payload::KE, sa.gxi.clone());
            b.push(payload::NONCE, sa.ni.clone());
            b.push(payload::ID, identity_id(&p.local_id).emit());
        }
        for v in self.vids(p.dpd) {
            b.push(payload::VID, v);
        }
        let state = sa.state;
        let conn = sa.conn;
        let idx = self.push_sa(sa);
        self.events.push_back(Event::State { conn, peer: remote, old: P1State::MmNoState, new: state });
        let exch = if p.mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
        self.send_p1(now, idx, exch, &b, false, true);
    }

    /// Send an informational exchange: protected (HASH) when the SA has keys.
    fn send_info(&mut self, idx: usize, kind: u8, body: Vec<u8>) {
        let msgid: u32 = self.rng.random::<u32>() | 1;
        let sa = &self.sas[idx];
        let (dgram, protected) = match (&sa.keys, sa.hash, sa.cipher) {
            (Some(k), Some(h), Some(c)) if !sa.p1_last.is_empty() => {
                let mut rest = Builder::new();
                rest.push(kind, body.clone());
                let rest_chain = rest.chain();
                let hash = h.prf(&k.a, &[&msgid.to_be_bytes(), &rest_chain]);
                let mut b = Builder::new();
                b.push(payload::HASH, hash).push(kind, body);
                let iv = h.hash(&[&sa.p1_last, &msgid.to_be_bytes()])[..c.block_size()].to_vec();
                (Self::frame(sa, exchange::INFORMATIONAL, msgid, payload::HASH, &b.chain(), Some(&iv)).0, true)
            }
            _ => {
                let mut b = Builder::new();
                b.push(kind, body);
                (Self::frame(sa, exchange::INFORMATIONAL, msgid, kind, &b.chain(), None).0, false)
            }
        };
        let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
        let t = sa.tunnel.clone();
        self.tunnel_stats.entry(t).or_default().tx_packets += 1;
        self.events.push_back(Event::Sent { conn, peer: dst, exchange: exchange::INFORMATIONAL, msgid, payloads: if protected { vec![payload::HASH, kind] } else { vec![kind] }, retransmit: false });
        self.send_raw(src, dst, dgram);
        let _ = protected;
    }

    fn send_notify(&mut self, idx: usize, kind: u16, protocol: u8, spi: Vec<u8>, data: Vec<u8>) {
        let sa = &self.sas[idx];
        let protected = sa.keys.is_some() && !sa.p1_last.is_empty();
        let (conn, peer) = (sa.conn, *sa.remote.ip());
        let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol, kind, spi, data };
        self.send_info(idx, payload::NOTIFY, n.emit());
        self.stats.notifies_tx += 1;
        self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().notifies_tx += 1;
        self.events.push_back(Event::NotifySent { conn, peer, kind, protected });
    }

    fn cookies(sa: &IkeSa) -> Vec<u8> {
        let mut v = sa.icookie.to_vec();
        v.extend_from_slice(&sa.rcookie);
        v
    }

    /// Answer a packet that has no SA (or a broken first message) with an unprotected notify.
    fn answer_unprotected(&mut self, local: SocketAddrV4, remote: SocketAddrV4, hdr: Option<&Header>, kind: u16) {
        let (ic, rc) = hdr.map(|h| (h.icookie, h.rcookie)).unwrap_or(([0; 8], [0; 8]));
        if ic == [0; 8] {
            return;
        }
        let mut spi = ic.to_vec();
        spi.extend_from_slice(&rc);
        let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind, spi, data: vec![] };
        let mut b = Builder::new();
        b.push(payload::NOTIFY, n.emit());
        let chain = b.chain();
        let msgid: u32 = self.rng.random::<u32>() | 1;
        let hdr = Header { icookie: ic, rcookie: rc, next: payload::NOTIFY, major: 1, minor: 0, exchange: exchange::INFORMATIONAL, flags: 0, msgid, length: (wire::HEADER_LEN + chain.len()) as u32 };
        let mut d = Vec::new();
        hdr.emit(&mut d);
        d.extend_from_slice(&chain);
        self.stats.notifies_tx += 1;
        self.events.push_back(Event::NotifySent { conn: 0, peer: *remote.ip(), kind, protected: false });
        self.send_raw(local, remote, d);
    }

    // ---------------------------------------------------------------- input

    /// Process one received datagram (`data` as read from the socket: on
    /// port 4500 it starts with the non-ESP marker).
    pub fn handle(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, data: &[u8]) {
        self.now = now;
        self.stats.rx_packets += 1;
        let data = if local.port() == NATT_PORT {
            if data == [0xff] {
                return; // NAT keepalive
            }
            match data.strip_prefix(&[0u8, 0, 0, 0][..]) {
                Some(d) => d,
                None => return, // ESP: the dataplane's
            }
        } else {
            data
        };
        // IKEv2 (major version 2 and an IKEv2 exchange type) goes to the IKEv2
        // core; other major versions are the IKEv1 core's to refuse (Table 5).
        if data.len() > 18 && data[17] >> 4 == 2 && (34..=37).contains(&data[18]) {
            self.v2.handle(now, local, remote, data);
            self.sync_v2();
            return;
        }
        let hdr = match Header::parse(data) {
            Ok(h) => h,
            Err(e) => {
                self.stats.rx_malformed += 1;
                let hdr = (data.len() >= wire::HEADER_LEN).then(|| Header {
                    icookie: data[0..8].try_into().unwrap_or([0; 8]),
                    rcookie: data[8..16].try_into().unwrap_or([0; 8]),
                    next: 0,
                    major: 1,
                    minor: 0,
                    exchange: 0,
                    flags: 0,
                    msgid: 0,
                    length: 0,
                });
                let answer = matches!(e, WireError::InvalidMajorVersion(_) | WireError::InvalidMinorVersion(_) | WireError::InvalidFlags(_)).then(|| e.notify());
                self.events.push_back(parse_err_to_event(remote, e, answer));
                if let Some(n) = answer {
                    self.answer_unprotected(local, remote, hdr.as_ref(), n);
                }
                return;
            }
        };
        let data = &data[..hdr.length as usize];
        if hdr.icookie == [0; 8] {
            self.stats.rx_malformed += 1;
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidCookie, answered: None });
            return;
        }
        // Find the SA (by initiator cookie, then the responder cookie and peer).
        let idx = self.by_cookie.get(&hdr.icookie).into_iter().flatten().filter_map(|&c| self.sa_index(c)).find(|&i| {
            let s = &self.sas[i];
            (s.role == Role::Initiator && (s.rcookie == hdr.rcookie || (s.rcookie == [0; 8] && s.remote.ip() == remote.ip())))
                || (s.role == Role::Responder && s.rcookie == hdr.rcookie && s.remote.ip() == remote.ip())
        });
        let Some(idx) = idx else {
            if hdr.rcookie == [0; 8] && (hdr.exchange == exchange::MAIN || hdr.exchange == exchange::AGGRESSIVE) {
                if hdr.msgid != 0 {
                    self.stats.rx_malformed += 1;
                    self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidMessageId(hdr.msgid), answered: Some(notify::INVALID_MESSAGE_ID) });
                    self.answer_unprotected(local, remote, Some(&hdr), notify::INVALID_MESSAGE_ID);
                    return;
                }
                self.respond_first(now, local, remote, &hdr, data);
            } else if hdr.rcookie == [0; 8] && hdr.icookie == [0; 8] {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidCookie, answered: None });
            } else if hdr.rcookie == [0; 8] {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidExchange(hdr.exchange), answered: None });
            }
            // Otherwise: an SA we no longer have; ignore (RFC 2408 would answer INVALID-COOKIE, which peers ignore).
            return;
        };
        let t = self.sas[idx].tunnel.clone();
        self.tunnel_stats.entry(t).or_default().rx_packets += 1;
        // Retransmission of the last message we answered: answer again.
        if self.sas[idx].last_recv.as_deref() == Some(data) {
            let sa = &mut self.sas[idx];
            if sa.role == Role::Responder && sa.replay.allow(now) {
                if let Some(d) = sa.last_sent.clone() {
                    let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
                    self.events.push_back(Event::Retransmit { conn, peer: *dst.ip(), count: 0 });
                    self.send_raw(src, dst, d);
                }
            } else {
                self.stats.rx_duplicates += 1;
            }
            return;
        }
        // Port floating (RFC 3947): follow the peer to 4500.
        if local.port() == NATT_PORT && self.sas[idx].local.port() != NATT_PORT {
            self.sas[idx].local = local;
            self.sas[idx].remote = remote;
        } else if local.port() == NATT_PORT && self.sas[idx].remote != remote {
            self.sas[idx].remote = remote;
        }
        match hdr.exchange {
            exchange::MAIN | exchange::AGGRESSIVE => {
                if hdr.msgid != 0 {
                    self.stats.rx_malformed += 1;
                    self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidMessageId(hdr.msgid), answered: None });
                    return;
                }
                let exp = if self.sas[idx].mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
                if hdr.exchange != exp {
                    self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidExchange(hdr.exchange), answered: None });
                    return;
                }
                if self.sas[idx].mode == ExchangeMode::Main {
                    self.main_mode(now, idx, &hdr, data);
                } else {
                    self.aggressive(now, idx, &hdr, data);
                }
            }
            exchange::QUICK => self.quick_mode(now, idx, &hdr, data),
            exchange::INFORMATIONAL => self.informational(now, idx, &hdr, data),
            x => {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::InvalidExchange(x), answered: None });
            }
        }
    }

    /// Decrypt (when flagged) and parse a message's payloads. Phase-1 errors after
    /// decryption are key mismatches.
    fn open<'a>(&mut self, idx: usize, hdr: &Header, data: &'a [u8], iv: Option<Vec<u8>>, plain: &'a mut Vec<u8>) -> Result<(Vec<wire::Payload<'a>>, Vec<u8>), WireError> {
        let body = &data[wire::HEADER_LEN..];
        if hdr.flags & wire::flags::ENCRYPTION == 0 {
            return wire::payloads(hdr.next, body).map(|p| (p, Vec::new()));
        }
        let sa = &self.sas[idx];
        let (Some(c), Some(iv)) = (sa.cipher, iv) else {
            return Err(WireError::Malformed(Part::EncryptedBeforeKeys));
        };
        let bs = c.block_size();
        if body.is_empty() || body.len() % bs != 0 {
            return Err(WireError::Truncated { have: body.len(), need: body.len().div_ceil(bs) * bs });
        }
        *plain = body.to_vec();
        let last = body[body.len() - bs..].to_vec();
        c.cbc(&sa.enc_key, &iv, plain, false).map_err(|_| WireError::Malformed(Part::Ciphertext))?;
        wire::payloads(hdr.next, plain).map(|p| (p, last))
    }

    fn respond_first(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, hdr: &Header, data: &[u8]) {
        let list = match wire::payloads(hdr.next, &data[wire::HEADER_LEN..]) {
            Ok(l) => l,
            Err(e) => {
                self.stats.rx_malformed += 1;
                let n = e.notify();
                self.events.push_back(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                self.answer_unprotected(local, remote, Some(hdr), n);
                return;
            }
        };
        let msg = Msg { list };
        self.events.push_back(Event::Received { conn: 0, peer: remote, exchange: hdr.exchange, msgid: 0, payloads: msg.kinds() });
        // Half-open bounds.
        let half_peer = self.sas.iter().filter(|s| s.role == Role::Responder && !s.is_established() && s.remote.ip() == remote.ip()).count();
        let half = self.sas.iter().filter(|s| s.role == Role::Responder && !s.is_established()).count();
        if half_peer >= MAX_HALF_OPEN_PER_PEER || half >= MAX_HALF_OPEN {
            self.stats.half_open_dropped += 1;
            return;
        }
        let Some(sa_p) = msg.get(payload::SA) else {
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: Some(notify::PAYLOAD_MALFORMED) });
            self.answer_unprotected(local, remote, Some(hdr), notify::PAYLOAD_MALFORMED);
            return;
        };
        let sa_repr = match SaRepr::parse(sa_p.body) {
            Ok(s) => s,
            Err(e) => {
                self.stats.rx_malformed += 1;
                let n = e.notify();
                self.events.push_back(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                self.answer_unprotected(local, remote, Some(hdr), n);
                return;
            }
        };
        // Which tunnels could this be? By local address, then peer address (or identity for aggressive mode).
        let rip = *remote.ip();
        let lip = *local.ip();
        let aggressive = hdr.exchange == exchange::AGGRESSIVE;
        let peer_id = if aggressive { msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok()) } else { None };
        let on_local: Vec<&PeerConf> = self.conf.peers.iter().filter(|p| p.local == lip && p.version == IkeVersion::V1).collect();
        if on_local.is_empty() {
            self.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::BadLocalAddress });
            return;
        }
        let mut cands: Vec<&PeerConf> = on_local.iter().copied().filter(|p| p.remote == Some(rip)).collect();
        if cands.is_empty() {
            // On-demand: match the identity, exact before partial before wildcard.
            let mut od: Vec<(u8, &PeerConf)> = on_local
                .iter()
                .copied()
                .filter(|p| p.kind == TunnelKind::OnDemand)
                .map(|p| (peer_id.as_ref().map(|id| identity_match(&p.remote_id, id)).unwrap_or(if aggressive { 0 } else { 1 }), p))
                .filter(|(m, _)| *m > 0)
                .collect();
            od.sort_by(|a, b| b.0.cmp(&a.0));
            cands = od.into_iter().map(|x| x.1).collect();
        }
        let Some(pc) = cands.first().map(|p| (*p).clone()) else {
            self.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::NotFound });
            return;
        };
        let conf_exch = if pc.mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
        if conf_exch != hdr.exchange && !pc.dynamic {
            self.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::Exchange { received: hdr.exchange, configured: conf_exch } });
            self.answer_unprotected(local, remote, Some(hdr), notify::INVALID_EXCHANGE_TYPE);
            return;
        }
        if !pc.may_respond() {
            self.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::InitiatorOnly });
            return;
        }
        if pc.psk.is_none() {
            self.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::NoKey });
            return;
        }
        if pc.kind == TunnelKind::OnDemand {
            if let Some(max) = pc.max_tunnels {
                if self.sas.iter().filter(|s| s.tunnel == pc.name).count() as u32 >= max {
                    self.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::MaxTunnels(max) });
                    return;
                }
            }
        }
        let mode = if aggressive { ExchangeMode::Aggressive } else { ExchangeMode::Main };
        let mut sa = self.new_sa(now, &pc.name, Role::Responder, mode, local, remote);
        sa.icookie = hdr.icookie;
        self.rng.fill_bytes(&mut sa.rcookie);
        sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
        sa.sa_i_b = sa_p.body.to_vec();
        for v in msg.all(payload::VID) {
            if v.body == wire::vid::NAT_T_RFC3947 {
                sa.peer_natt = true;
            }
            if v.body == wire::vid::DPD {
                sa.peer_dpd = true;
            }
        }
        let conn = sa.conn;
        let idx = self.push_sa(sa);
        // Proposal selection: configured proposals by priority, each against every offered transform.
        let chosen = self.select_p1(idx, &sa_repr, &pc, local, remote, hdr);
        let Some((t, prop)) = chosen else {
            self.stats.p1_failed += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p1_failed += 1;
            // Nothing usable was offered at all: answer with what was wrong (Table 5); else NO_PROPOSAL_CHOSEN.
            let why = match self.events.back() {
                Some(Event::Malformed { answered: Some(n), .. }) => *n,
                _ => {
                    self.events.push_back(Event::P1NoneAcceptable { conn, peer: rip });
                    notify::NO_PROPOSAL_CHOSEN
                }
            };
            self.send_notify(idx, why, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        };
        {
            let sa = &mut self.sas[idx];
            sa.lifetime = prop.lifetime;
            sa.cipher = Some(prop.cipher());
            sa.hash = Some(prop.hash_alg());
            sa.chosen = Some(prop.clone());
        }
        let chosen_sa = SaRepr { doi: wire::DOI_IPSEC, situation: wire::SIT_IDENTITY_ONLY, proposals: vec![ProposalRepr { number: sa_repr.proposals[0].number, protocol: proto::ISAKMP, spi: vec![], transforms: vec![t] }] };
        let mut b = Builder::new();
        b.push(payload::SA, chosen_sa.emit());
        if !aggressive {
            for v in self.vids(pc.dpd) {
                b.push(payload::VID, v);
            }
            self.set_state(idx, P1State::MmSaSetup);
            self.send_p1(now, idx, exchange::MAIN, &b, false, true);
            return;
        }
        // Aggressive mode: KE, Ni, IDii are in the first message.
        let (Some(ke), Some(ni), Some(id)) = (msg.get(payload::KE), msg.get(payload::NONCE), peer_id) else {
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::AggressiveFirst), answered: Some(notify::PAYLOAD_MALFORMED) });
            self.take_sa(idx);
            return;
        };
        if identity_match(&pc.remote_id, &id) == 0 {
            self.events.push_back(Event::IdMismatch { conn, peer: rip, id });
            self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        }
        let g = DhGroup(prop.group);
        if ke.body.len() != g.public_len() {
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Ke), answered: Some(notify::INVALID_KEY_INFORMATION) });
            self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        }
        self.sas[idx].peer_id = Some(id);
        self.sas[idx].gxi = ke.body.to_vec();
        self.sas[idx].ni = ni.body.to_vec();
        let Ok(dh) = g.generate(&mut self.rng) else { return };
        let nr = self.nonce();
        let sa = &mut self.sas[idx];
        sa.gxr = dh.public.clone();
        sa.nr = nr;
        sa.dh = Some(dh);
        if !self.derive_p1(idx, &pc) {
            self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        }
        let sa = &self.sas[idx];
        let idr = identity_id(&pc.local_id).emit();
        let hash_r = self.hash_auth(idx, false, &idr);
        let mut b = Builder::new();
        b.push(payload::SA, chosen_sa.emit()).push(payload::KE, sa.gxr.clone()).push(payload::NONCE, sa.nr.clone()).push(payload::ID, idr).push(payload::HASH, hash_r);
        for v in self.vids(pc.dpd) {
            b.push(payload::VID, v);
        }
        if self.sas[idx].peer_natt {
            let natd = self.natd_payloads(idx, &msg);
            for n in natd {
                b.push(payload::NAT_D, n);
            }
        }
        self.send_p1(now, idx, exchange::AGGRESSIVE, &b, false, true);
    }

    fn select_p1(&mut self, idx: usize, offer: &SaRepr, pc: &PeerConf, _local: SocketAddrV4, remote: SocketAddrV4, _hdr: &Header) -> Option<(TransformRepr, IkeProp)> {
        let conn = self.sas[idx].conn;
        let rip = *remote.ip();
        let Some(p) = offer.proposals.first() else { return None };
        if p.protocol != proto::ISAKMP {
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::BadProposalSyntax(ProposalSyntax::InvalidProtocol(p.protocol)), answered: Some(notify::INVALID_PROTOCOL_ID) });
            return None;
        }
        let mut offered = Vec::new();
        for t in &p.transforms {
            if t.id != 1 {
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::BadProposalSyntax(ProposalSyntax::InvalidTransformId(t.id)), answered: Some(notify::INVALID_TRANSFORM_ID) });
                continue;
            }
            match offered_p1(t) {
                Ok(o) => offered.push((t.clone(), o)),
                Err(a) => self.events.push_back(Event::Malformed { peer: remote, error: WireError::BadProposalSyntax(ProposalSyntax::UnsupportedAttribute(a)), answered: Some(notify::ATTRIBUTES_NOT_SUPPORTED) }),
            }
        }
        for (prio, c) in pc.proposals.iter().enumerate() {
            for (i, (t, o)) in offered.iter().enumerate() {
                let result = check_p1(o, c);
                let ok = result.is_ok();
                self.events.push_back(Event::P1Check { conn, peer: rip, transform: t.number, proposal: c.name.clone(), priority: prio, offered: o.clone(), result, more: i + 1 < offered.len() });
                if ok {
                    let mut chosen = c.clone();
                    chosen.lifetime = o.lifetime.min(c.lifetime).max(1);
                    return Some((t.clone(), chosen));
                }
            }
        }
        None
    }

    /// SKEYID and friends (RFC 2409 5); false when the DH computation fails.
    fn derive_p1(&mut self, idx: usize, pc: &PeerConf) -> bool {
        let sa = &mut self.sas[idx];
        let (Some(h), Some(c), Some(dh)) = (sa.hash, sa.cipher, sa.dh.as_ref()) else { return false };
        let peer_pub = if sa.role == Role::Initiator { &sa.gxr } else { &sa.gxi };
        let Ok(gxy) = dh.shared(peer_pub) else { return false };
        let psk = pc.psk.clone().unwrap_or_default();
        let skeyid = h.prf(&psk, &[&sa.ni, &sa.nr]);
        let d = h.prf(&skeyid, &[&gxy, &sa.icookie, &sa.rcookie, &[0]]);
        let a = h.prf(&skeyid, &[&d, &gxy, &sa.icookie, &sa.rcookie, &[1]]);
        let e = h.prf(&skeyid, &[&a, &gxy, &sa.icookie, &sa.rcookie, &[2]]);
        sa.enc_key = expand_v1_key(h, &e, c.key_len());
        sa.iv = h.hash(&[&sa.gxi, &sa.gxr])[..c.block_size()].to_vec();
        sa.keys = Some(P1Keys { skeyid, d, a });
        true
    }

    /// HASH_I (initiator) or HASH_R over the given ID payload body.
    fn hash_auth(&self, idx: usize, initiator: bool, id_b: &[u8]) -> Vec<u8> {
        let sa = &self.sas[idx];
        let (Some(h), Some(k)) = (sa.hash, sa.keys.as_ref()) else { return Vec::new() };
        if initiator {
            h.prf(&k.skeyid, &[&sa.gxi, &sa.gxr, &sa.icookie, &sa.rcookie, &sa.sa_i_b, id_b])
        } else {
            h.prf(&k.skeyid, &[&sa.gxr, &sa.gxi, &sa.rcookie, &sa.icookie, &sa.sa_i_b, id_b])
        }
    }

    /// Our NAT-D payloads: the peer's address first, then ours.
    fn natd_payloads(&self, idx: usize, _msg: &Msg) -> Vec<Vec<u8>> {
        let sa = &self.sas[idx];
        let Some(h) = sa.hash else { return vec![] };
        vec![nat_hash(h, &sa.icookie, &sa.rcookie, sa.remote), nat_hash(h, &sa.icookie, &sa.rcookie, sa.local)]
    }

    /// Check the peer's NAT-D payloads; sets the NAT flags.
    fn check_natd(&mut self, idx: usize, msg: &Msg, local: SocketAddrV4, remote: SocketAddrV4) {
        let sa = &self.sas[idx];
        let Some(h) = sa.hash else { return };
        let natd: Vec<&[u8]> = msg.all(payload::NAT_D).map(|p| p.body).collect();
        if natd.is_empty() {
            return;
        }
        let me = nat_hash(h, &sa.icookie, &sa.rcookie, local);
        let them = nat_hash(h, &sa.icookie, &sa.rcookie, remote);
        let local_behind = natd[0] != me.as_slice();
        let remote_behind = !natd[1..].iter().any(|n| *n == them.as_slice());
        let sa = &mut self.sas[idx];
        sa.nat_local = local_behind;
        sa.nat_remote = remote_behind;
        if local_behind || remote_behind {
            let (conn, peer) = (sa.conn, *sa.remote.ip());
            self.events.push_back(Event::NatDetected { conn, peer, local_behind, remote_behind });
        }
    }

    /// The initiator's check of the responder (MM6, AM2): HASH_R over its ID,
    /// then the ID against the configured remote identity. On failure the SA
    /// is gone and the event says why.
    fn responder_authenticated(&mut self, idx: usize, pc: &PeerConf, id: &IdRepr, id_b: &[u8], hash: &[u8]) -> bool {
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        if self.hash_auth(idx, false, id_b) != hash {
            self.events.push_back(Event::AuthFailed { conn, peer });
            self.fail_p1(idx, DownReason::AuthenticationFailed);
            return false;
        }
        if identity_match(&pc.remote_id, id) == 0 {
            self.events.push_back(Event::IdMismatch { conn, peer, id: id.clone() });
            self.fail_p1(idx, DownReason::IdentityMismatch);
            return false;
        }
        true
    }

    /// The KE and nonce of message 3 or 4, checked against the chosen group
    /// (a malformed pair is reported; the responder answers INVALID-KEY-INFORMATION).
    fn ke_and_nonce(&mut self, idx: usize, msg: &Msg, remote: SocketAddrV4, responder: bool) -> Option<(Vec<u8>, Vec<u8>)> {
        let g = DhGroup(self.sas[idx].chosen.as_ref().map(|c| c.group).unwrap_or(2));
        match (msg.get(payload::KE), msg.get(payload::NONCE)) {
            (Some(ke), Some(n)) if ke.body.len() == g.public_len() && (8..=256).contains(&n.body.len()) => Some((ke.body.to_vec(), n.body.to_vec())),
            (ke, _) => {
                let answered = (responder && ke.is_some()).then_some(notify::INVALID_KEY_INFORMATION);
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Ke), answered });
                None
            }
        }
    }

    fn peer_conf(&self, idx: usize) -> Option<PeerConf> {
        self.pc(&self.sas[idx].tunnel).cloned()
    }

    fn fail_p1(&mut self, idx: usize, reason: DownReason) {
        let sa = &self.sas[idx];
        let (conn, peer, tunnel) = (sa.conn, *sa.remote.ip(), sa.tunnel.clone());
        self.stats.p1_failed += 1;
        self.tunnel_stats.entry(tunnel.clone()).or_default().p1_failed += 1;
        self.events.push_back(Event::Phase1Down { conn, peer, tunnel: tunnel.clone(), reason });
        self.take_sa(idx);
        self.schedule_retry(&tunnel);
    }

    /// A static tunnel that failed is tried again after [`RETRY_INTERVAL`].
    fn schedule_retry(&mut self, tunnel: &str) {
        if self.pc(tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) && !self.sas.iter().any(|s| s.tunnel == tunnel) {
            self.retry_at.insert(tunnel.to_string(), self.now + RETRY_INTERVAL);
        }
    }

    fn main_mode(&mut self, now: Millis, idx: usize, hdr: &Header, data: &[u8]) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let role = self.sas[idx].role;
        let state = self.sas[idx].state;
        let (local, remote) = (self.sas[idx].local, self.sas[idx].remote);
        let conn = self.sas[idx].conn;
        let iv = self.sas[idx].iv.clone();
        let mut plain = Vec::new();
        let opened = self.open(idx, hdr, data, Some(iv), &mut plain);
        let (list, last) = match opened {
            Ok(x) => x,
            Err(e) => {
                self.stats.rx_malformed += 1;
                if hdr.flags & wire::flags::ENCRYPTION != 0 {
                    // Garbage after decryption: the keys differ (pre-shared key mismatch).
                    let message = if role == Role::Responder { 5 } else { 6 };
                    self.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message, error: e });
                    self.answer_unprotected(local, remote, Some(hdr), notify::UNEQUAL_PAYLOAD_LENGTHS);
                } else {
                    let n = e.notify();
                    self.events.push_back(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                }
                return;
            }
        };
        let msg = Msg { list };
        self.events.push_back(Event::Received { conn, peer: remote, exchange: hdr.exchange, msgid: 0, payloads: msg.kinds() });
        if let Some(n) = msg.get(payload::NOTIFY) {
            if let Ok(n) = NotifyRepr::parse(n.body) {
                if n.kind < 16384 {
                    self.stats.notifies_rx += 1;
                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().notifies_rx += 1;
                    self.events.push_back(Event::NotifyReceived { conn, peer: *remote.ip(), kind: n.kind, protocol: n.protocol, spi: n.spi, protected: hdr.flags & 1 != 0 });
                    self.fail_p1(idx, DownReason::PeerNotify(n.kind));
                    return;
                }
            }
        }
        match (role, state) {
            (Role::Initiator, P1State::MmNoState) => {
                // MM2: the chosen transform.
                let chosen = msg.get(payload::SA).and_then(|p| SaRepr::parse(p.body).ok()).and_then(|s| s.proposals.into_iter().next()).and_then(|p| p.transforms.into_iter().next());
                let Some(t) = chosen else {
                    self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: None });
                    return;
                };
                let prop = offered_p1(&t).ok().and_then(|o| pc.proposals.iter().find(|c| check_p1(&o, c).is_ok()).map(|c| (o, c.clone())));
                let Some((o, mut prop)) = prop else {
                    self.events.push_back(Event::P1NoneAcceptable { conn, peer: *remote.ip() });
                    self.fail_p1(idx, DownReason::TransformNotOffered);
                    return;
                };
                prop.lifetime = o.lifetime.min(prop.lifetime).max(1);
                self.sas[idx].rcookie = hdr.rcookie;
                self.sas[idx].last_recv = Some(data.to_vec());
                self.sas[idx].replay = Replay::default();
                for v in msg.all(payload::VID) {
                    if v.body == wire::vid::NAT_T_RFC3947 {
                        self.sas[idx].peer_natt = true;
                    }
                    if v.body == wire::vid::DPD {
                        self.sas[idx].peer_dpd = true;
                    }
                }
                let g = DhGroup(prop.group);
                let Ok(dh) = g.generate(&mut self.rng) else { return };
                let ni = self.nonce();
                let sa = &mut self.sas[idx];
                sa.lifetime = prop.lifetime;
                sa.cipher = Some(prop.cipher());
                sa.hash = Some(prop.hash_alg());
                sa.chosen = Some(prop);
                sa.gxi = dh.public.clone();
                sa.dh = Some(dh);
                sa.ni = ni;
                let mut b = Builder::new();
                b.push(payload::KE, sa.gxi.clone()).push(payload::NONCE, sa.ni.clone());
                if sa.peer_natt {
                    for n in self.natd_payloads(idx, &msg) {
                        b.push(payload::NAT_D, n);
                    }
                }
                self.set_state(idx, P1State::MmSaSetup);
                self.send_p1(now, idx, exchange::MAIN, &b, false, true);
            }
            (Role::Responder, P1State::MmSaSetup) => {
                // MM3: KE, Ni, NAT-D.
                let Some((ke, ni)) = self.ke_and_nonce(idx, &msg, remote, true) else {
                    if msg.get(payload::KE).is_some() {
                        self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
                        self.fail_p1(idx, DownReason::BadKeyExchange);
                    }
                    return;
                };
                let g = DhGroup(self.sas[idx].chosen.as_ref().map(|c| c.group).unwrap_or(2));
                let Ok(dh) = g.generate(&mut self.rng) else { return };
                let nr = self.nonce();
                let sa = &mut self.sas[idx];
                sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
                sa.gxi = ke;
                sa.ni = ni;
                sa.gxr = dh.public.clone();
                sa.dh = Some(dh);
                sa.nr = nr;
                if !self.derive_p1(idx, &pc) {
                    self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
                    self.fail_p1(idx, DownReason::DhFailed);
                    return;
                }
                self.check_natd(idx, &msg, local, remote);
                let sa = &self.sas[idx];
                let mut b = Builder::new();
                b.push(payload::KE, sa.gxr.clone()).push(payload::NONCE, sa.nr.clone());
                if sa.peer_natt && msg.get(payload::NAT_D).is_some() {
                    for n in self.natd_payloads(idx, &msg) {
                        b.push(payload::NAT_D, n);
                    }
                }
                self.set_state(idx, P1State::MmKeyExch);
                self.send_p1(now, idx, exchange::MAIN, &b, false, true);
            }
            (Role::Initiator, P1State::MmSaSetup) => {
                // MM4: KE, Nr, NAT-D; then MM5.
                let Some((ke, nr)) = self.ke_and_nonce(idx, &msg, remote, false) else { return };
                let sa = &mut self.sas[idx];
                sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
                sa.gxr = ke;
                sa.nr = nr;
                if !self.derive_p1(idx, &pc) {
                    self.fail_p1(idx, DownReason::DhFailed);
                    return;
                }
                self.check_natd(idx, &msg, local, remote);
                let sa = &mut self.sas[idx];
                if sa.peer_natt && (sa.nat_local || sa.nat_remote) && sa.local.port() != NATT_PORT {
                    sa.local.set_port(NATT_PORT);
                    sa.remote.set_port(NATT_PORT);
                }
                let idi = identity_id(&pc.local_id).emit();
                let hash_i = self.hash_auth(idx, true, &idi);
                // INITIAL-CONTACT only from the first SA with this peer (not from every SA of a burst).
                let first_contact = !self.sas.iter().any(|s| s.conn != conn && s.remote.ip() == remote.ip() && s.local.ip() == local.ip() && (s.is_established() || s.state == P1State::MmKeyExch));
                let mut b = Builder::new();
                b.push(payload::ID, idi).push(payload::HASH, hash_i);
                if first_contact {
                    let spi = Self::cookies(&self.sas[idx]);
                    b.push(payload::NOTIFY, NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind: notify::INITIAL_CONTACT, spi, data: vec![] }.emit());
                }
                self.set_state(idx, P1State::MmKeyExch);
                self.send_p1(now, idx, exchange::MAIN, &b, true, true);
            }
            (Role::Responder, P1State::MmKeyExch) => {
                // MM5: IDii, HASH_I.
                let id = msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok().map(|i| (i, p.body.to_vec())));
                let (Some((id, id_b)), Some(hash)) = (id, msg.get(payload::HASH)) else {
                    self.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 5, error: WireError::Malformed(Part::Id) });
                    self.answer_unprotected(local, remote, Some(hdr), notify::UNEQUAL_PAYLOAD_LENGTHS);
                    return;
                };
                if self.hash_auth(idx, true, &id_b) != hash.body {
                    self.events.push_back(Event::AuthFailed { conn, peer: *remote.ip() });
                    self.send_notify(idx, notify::AUTHENTICATION_FAILED, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
                    self.fail_p1(idx, DownReason::AuthenticationFailed);
                    return;
                }
                if identity_match(&pc.remote_id, &id) == 0 && pc.kind != TunnelKind::OnDemand {
                    self.events.push_back(Event::IdMismatch { conn, peer: *remote.ip(), id });
                    self.sas[idx].iv = last;
                    self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
                    self.fail_p1(idx, DownReason::IdentityMismatch);
                    return;
                }
                let initial_contact = msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()).any(|n| n.kind == notify::INITIAL_CONTACT);
                self.sas[idx].iv = last;
                self.sas[idx].peer_id = Some(id);
                self.sas[idx].last_recv = Some(data.to_vec());
                self.sas[idx].replay = Replay::default();
                // INITIAL-CONTACT removes other SAs: find this one again.
                let idx = if initial_contact {
                    self.initial_contact(now, idx);
                    match self.sa_index(conn) {
                        Some(i) => i,
                        None => return,
                    }
                } else {
                    idx
                };
                let idr = identity_id(&pc.local_id).emit();
                let hash_r = self.hash_auth(idx, false, &idr);
                let mut b = Builder::new();
                b.push(payload::ID, idr).push(payload::HASH, hash_r);
                self.send_p1(now, idx, exchange::MAIN, &b, true, false);
                let iv = self.sas[idx].iv.clone();
                self.sas[idx].p1_last = iv;
                self.established(now, idx);
            }
            (Role::Initiator, P1State::MmKeyExch) => {
                // MM6: IDir, HASH_R.
                let id = msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok().map(|i| (i, p.body.to_vec())));
                let (Some((id, id_b)), Some(hash)) = (id, msg.get(payload::HASH)) else {
                    self.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 6, error: WireError::Malformed(Part::Id) });
                    return;
                };
                if !self.responder_authenticated(idx, &pc, &id, &id_b, hash.body) {
                    return;
                }
                self.sas[idx].iv = last.clone();
                self.sas[idx].p1_last = last;
                self.sas[idx].peer_id = Some(id);
                self.sas[idx].last_recv = Some(data.to_vec());
                self.sas[idx].replay = Replay::default();
                self.sas[idx].timer = None;
                self.established(now, idx);
            }
            _ => {
                // Out of order: ignore (a late retransmission).
            }
        }
    }

    fn aggressive(&mut self, now: Millis, idx: usize, hdr: &Header, data: &[u8]) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let role = self.sas[idx].role;
        let (local, remote, conn) = (self.sas[idx].local, self.sas[idx].remote, self.sas[idx].conn);
        if self.sas[idx].is_established() {
            return;
        }
        let iv = self.sas[idx].iv.clone();
        let mut plain = Vec::new();
        let (list, last) = match self.open(idx, hdr, data, Some(iv), &mut plain) {
            Ok(x) => x,
            Err(e) => {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 3, error: e });
                return;
            }
        };
        let msg = Msg { list };
        self.events.push_back(Event::Received { conn, peer: remote, exchange: hdr.exchange, msgid: 0, payloads: msg.kinds() });
        if role == Role::Initiator {
            // AM2: SA, KE, Nr, IDir, HASH_R.
            if let Some(n) = msg.get(payload::NOTIFY).and_then(|n| NotifyRepr::parse(n.body).ok()) {
                if n.kind < 16384 {
                    self.events.push_back(Event::NotifyReceived { conn, peer: *remote.ip(), kind: n.kind, protocol: n.protocol, spi: n.spi, protected: false });
                    self.fail_p1(idx, DownReason::PeerNotify(n.kind));
                    return;
                }
            }
            let chosen = msg.get(payload::SA).and_then(|p| SaRepr::parse(p.body).ok()).and_then(|s| s.proposals.into_iter().next()).and_then(|p| p.transforms.into_iter().next());
            let prop = chosen.and_then(|t| offered_p1(&t).ok()).and_then(|o| pc.proposals.iter().find(|c| check_p1(&o, c).is_ok()).map(|c| (o, c.clone())));
            let (Some((o, mut prop)), Some(ke), Some(nr), Some(idp), Some(hash)) = (prop, msg.get(payload::KE), msg.get(payload::NONCE), msg.get(payload::ID), msg.get(payload::HASH)) else {
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::AggressiveSecond), answered: None });
                return;
            };
            prop.lifetime = o.lifetime.min(prop.lifetime).max(1);
            let Ok(id) = IdRepr::parse(idp.body) else { return };
            if prop.group != self.sas[idx].dh.as_ref().map(|d| d.group().0).unwrap_or(0) || ke.body.len() != DhGroup(prop.group).public_len() {
                self.fail_p1(idx, DownReason::DhGroupChanged);
                return;
            }
            for v in msg.all(payload::VID) {
                if v.body == wire::vid::NAT_T_RFC3947 {
                    self.sas[idx].peer_natt = true;
                }
                if v.body == wire::vid::DPD {
                    self.sas[idx].peer_dpd = true;
                }
            }
            let sa = &mut self.sas[idx];
            sa.rcookie = hdr.rcookie;
            sa.lifetime = prop.lifetime;
            sa.cipher = Some(prop.cipher());
            sa.hash = Some(prop.hash_alg());
            sa.chosen = Some(prop);
            sa.gxr = ke.body.to_vec();
            sa.nr = nr.body.to_vec();
            sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
            if !self.derive_p1(idx, &pc) {
                self.fail_p1(idx, DownReason::DhFailed);
                return;
            }
            if !self.responder_authenticated(idx, &pc, &id, idp.body, hash.body) {
                return;
            }
            self.sas[idx].peer_id = Some(id);
            self.check_natd(idx, &msg, local, remote);
            let natd = if self.sas[idx].peer_natt { self.natd_payloads(idx, &msg) } else { vec![] };
            let sa = &mut self.sas[idx];
            if sa.peer_natt && (sa.nat_local || sa.nat_remote) && sa.local.port() != NATT_PORT {
                sa.local.set_port(NATT_PORT);
                sa.remote.set_port(NATT_PORT);
            }
            let idi = identity_id(&pc.local_id).emit();
            let hash_i = self.hash_auth(idx, true, &idi);
            let mut b = Builder::new();
            b.push(payload::HASH, hash_i);
            for n in natd {
                b.push(payload::NAT_D, n);
            }
            self.send_p1(now, idx, exchange::AGGRESSIVE, &b, true, false);
            let iv = self.sas[idx].iv.clone();
            self.sas[idx].p1_last = iv;
            self.established(now, idx);
        } else {
            // AM3: HASH_I (and NAT-D).
            let Some(hash) = msg.get(payload::HASH) else {
                self.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 3, error: WireError::Malformed(Part::Hash) });
                return;
            };
            let id_b = self.sas[idx].peer_id.as_ref().map(|i| i.emit()).unwrap_or_default();
            if self.hash_auth(idx, true, &id_b) != hash.body {
                self.events.push_back(Event::AuthFailed { conn, peer: *remote.ip() });
                self.fail_p1(idx, DownReason::AuthenticationFailed);
                return;
            }
            self.check_natd(idx, &msg, local, remote);
            let sa = &mut self.sas[idx];
            if hdr.flags & 1 != 0 {
                sa.iv = last;
            }
            sa.p1_last = sa.iv.clone();
            sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
            sa.timer = None;
            self.established(now, idx);
        }
    }

    /// INITIAL-CONTACT: forget every other SA between these two addresses.
    fn initial_contact(&mut self, now: Millis, idx: usize) {
        let (conn, peer, local) = (self.sas[idx].conn, *self.sas[idx].remote.ip(), *self.sas[idx].local.ip());
        let old: Vec<u32> = self.sas.iter().filter(|s| s.conn != conn && s.remote.ip() == &peer && s.local.ip() == &local).map(|s| s.conn).collect();
        for c in old {
            if let Some(i) = self.sa_index(c) {
                self.remove_sa(now, i, false, DownReason::InitialContact);
            }
        }
        let gone: Vec<usize> = (0..self.children.len()).rev().filter(|&i| self.children[i].remote.ip() == &peer && self.children[i].local.ip() == &local).collect();
        for i in gone {
            let c = self.children.remove(i);
            self.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::InitialContact });
        }
    }

    fn established(&mut self, now: Millis, idx: usize) {
        self.set_state(idx, P1State::QmIdle);
        let dpd_conf = self.pc(&self.sas[idx].tunnel).map(|p| p.dpd).unwrap_or(false);
        let sa = &mut self.sas[idx];
        sa.established = Some(now);
        if sa.role == Role::Initiator || sa.timer.is_some() {
            sa.timer = None;
        }
        let dpd = dpd_conf && sa.peer_dpd;
        if dpd {
            sa.dpd_timer = Some(now + DPD_INTERVAL);
        }
        let (conn, peer, tunnel, role) = (sa.conn, sa.remote, sa.tunnel.clone(), sa.role);
        self.stats.p1_established += 1;
        self.tunnel_stats.entry(tunnel.clone()).or_default().p1_established += 1;
        self.events.push_back(Event::Phase1Up { conn, peer, tunnel: tunnel.clone(), role });
        // A rekeyed phase 1: the older SA of this tunnel with this peer is deleted.
        let older: Vec<u32> = self.sas.iter().filter(|s| s.conn != conn && s.tunnel == tunnel && s.remote.ip() == peer.ip() && s.is_established() && s.rekeyed).map(|s| s.conn).collect();
        if role == Role::Initiator {
            // Children wanted for this tunnel; a fresh initiator wants them all.
            if !self.wanted.contains_key(&tunnel) {
                if let Some(n) = self.pc(&tunnel).map(|p| p.children.len()) {
                    let have: Vec<usize> = self.children.iter().filter(|c| c.tunnel == tunnel).map(|c| c.child).collect();
                    let want: std::collections::BTreeSet<usize> = (0..n).filter(|i| !have.contains(i)).collect();
                    if !want.is_empty() {
                        self.wanted.insert(tunnel.clone(), want);
                    }
                }
            }
            self.start_wanted(now, idx);
        }
        for c in older {
            if let Some(i) = self.sa_index(c) {
                self.remove_sa(now, i, true, DownReason::Rekeyed);
            }
        }
    }

    fn start_wanted(&mut self, now: Millis, idx: usize) {
        let tunnel = self.sas[idx].tunnel.clone();
        let want: Vec<usize> = self.wanted.remove(&tunnel).map(|w| w.into_iter().collect()).unwrap_or_default();
        for c in want {
            if !self.sas[idx].quick.iter().any(|q| q.child == c) {
                self.start_quick(now, idx, c, None);
            }
        }
    }

    // ------------------------------------------------------------ quick mode

    fn qm_iv(&self, idx: usize, msgid: u32) -> Vec<u8> {
        let sa = &self.sas[idx];
        let (Some(h), Some(c)) = (sa.hash, sa.cipher) else { return Vec::new() };
        h.hash(&[&sa.p1_last, &msgid.to_be_bytes()])[..c.block_size()].to_vec()
    }

    fn start_quick(&mut self, now: Millis, idx: usize, child: usize, rekey_of: Option<u32>) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let Some(cc) = pc.children.get(child).cloned() else { return };
        let msgid: u32 = self.rng.random::<u32>() | 1;
        let spi_in = self.spi();
        let ni = self.nonce();
        let dh = match cc.pfs {
            Some(g) => match DhGroup(g).generate(&mut self.rng) {
                Ok(d) => Some(d),
                Err(_) => return,
            },
            None => None,
        };
        let encap = { let s = &self.sas[idx]; s.nat_local || s.nat_remote };
        let sa_body = SaRepr { doi: wire::DOI_IPSEC, situation: wire::SIT_IDENTITY_ONLY, proposals: p2_proposals(&cc.proposals, cc.pfs, encap, spi_in) }.emit();
        let idci = selector_id(&cc.local_ts);
        let idcr = selector_id(&cc.remote_ts);
        let mut rest = Builder::new();
        rest.push(payload::SA, sa_body).push(payload::NONCE, ni.clone());
        if let Some(d) = &dh {
            rest.push(payload::KE, d.public.clone());
        }
        rest.push(payload::ID, idci.emit()).push(payload::ID, idcr.emit());
        let iv = self.qm_iv(idx, msgid);
        let q = Quick { msgid, role: Role::Initiator, child, iv, ni, nr: Vec::new(), dh, gxy: None, spi_in, chosen: None, last_sent: None, last_recv: None, replay: Replay::default(), retries: 0, timer: None, rekey_of, sel: None };
        self.sas[idx].quick.push(q);
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        self.events.push_back(Event::Selectors { conn, peer, sent: true, initiator: idci, responder: idcr });
        self.send_quick(now, idx, msgid, &[&msgid.to_be_bytes()], rest, true);
    }

    /// Send a quick-mode message: HASH over `prefix` and the payloads, encrypted with the exchange's IV.
    fn send_quick(&mut self, now: Millis, idx: usize, msgid: u32, prefix: &[&[u8]], rest: Builder, expect_reply: bool) {
        let sa = &self.sas[idx];
        let (Some(h), Some(k)) = (sa.hash, sa.keys.as_ref()) else { return };
        let rest_chain = rest.chain();
        let mut parts: Vec<&[u8]> = prefix.to_vec();
        parts.push(&rest_chain);
        let hash = h.prf(&k.a, &parts);
        let mut b = Builder::new();
        b.push(payload::HASH, hash);
        b.payloads.extend(rest.payloads.iter().cloned());
        let Some(qi) = sa.quick.iter().position(|q| q.msgid == msgid) else { return };
        let iv = sa.quick[qi].iv.clone();
        let (dgram, last) = Self::frame(sa, exchange::QUICK, msgid, payload::HASH, &b.chain(), Some(&iv));
        let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
        let q = &mut self.sas[idx].quick[qi];
        q.iv = last;
        q.last_sent = Some(dgram.clone());
        q.replay.answered = q.last_recv.is_some();
        q.retries = 0;
        q.timer = expect_reply.then_some(now + RETRANSMIT_BASE);
        self.events.push_back(Event::Sent { conn, peer: dst, exchange: exchange::QUICK, msgid, payloads: b.payloads.iter().map(|p| p.0).collect(), retransmit: false });
        let t = self.sas[idx].tunnel.clone();
        self.tunnel_stats.entry(t).or_default().tx_packets += 1;
        self.send_raw(src, dst, dgram);
    }

    fn quick_mode(&mut self, now: Millis, idx: usize, hdr: &Header, data: &[u8]) {
        let (remote, conn) = (self.sas[idx].remote, self.sas[idx].conn);
        let peer = *remote.ip();
        if !self.sas[idx].is_established() || hdr.msgid == 0 || hdr.flags & wire::flags::ENCRYPTION == 0 {
            self.stats.rx_malformed += 1;
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::QuickMode), answered: None });
            return;
        }
        let qi = self.sas[idx].quick.iter().position(|q| q.msgid == hdr.msgid);
        if let Some(qi) = qi {
            if self.sas[idx].quick[qi].last_recv.as_deref() == Some(data) {
                let q = &mut self.sas[idx].quick[qi];
                if q.role == Role::Responder && q.replay.allow(now) {
                    if let Some(d) = q.last_sent.clone() {
                        let (src, dst) = (self.sas[idx].local, self.sas[idx].remote);
                        self.send_raw(src, dst, d);
                    }
                } else {
                    self.stats.rx_duplicates += 1;
                }
                return;
            }
        }
        let iv = match qi {
            Some(qi) => self.sas[idx].quick[qi].iv.clone(),
            None => self.qm_iv(idx, hdr.msgid),
        };
        let mut plain = Vec::new();
        let (list, last) = match self.open(idx, hdr, data, Some(iv), &mut plain) {
            Ok(x) => x,
            Err(e) => {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::Malformed { peer: remote, error: e, answered: None });
                return;
            }
        };
        let msg = Msg { list };
        self.events.push_back(Event::Received { conn, peer: remote, exchange: exchange::QUICK, msgid: hdr.msgid, payloads: msg.kinds() });
        let Some(hash) = msg.list.first().filter(|p| p.kind == payload::HASH) else {
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Hash), answered: None });
            return;
        };
        let rest: Vec<u8> = msg.list[1..].iter().flat_map(|p| p.raw.iter().copied()).collect();
        let (h, ka) = {
            let sa = &self.sas[idx];
            match (sa.hash, sa.keys.as_ref()) {
                (Some(h), Some(k)) => (h, k.a.clone()),
                _ => return,
            }
        };
        match qi {
            None => {
                // QM1 from the initiator.
                if h.prf(&ka, &[&hdr.msgid.to_be_bytes(), &rest]) != hash.body {
                    self.events.push_back(Event::AuthFailed { conn, peer });
                    return;
                }
                self.quick_respond(now, idx, hdr, data, &msg, last);
            }
            Some(qi) => {
                let q = &self.sas[idx].quick[qi];
                if q.role == Role::Initiator && q.nr.is_empty() {
                    // QM2.
                    let ni = q.ni.clone();
                    if h.prf(&ka, &[&hdr.msgid.to_be_bytes(), &ni, &rest]) != hash.body {
                        self.events.push_back(Event::AuthFailed { conn, peer });
                        return;
                    }
                    self.quick_finish_initiator(now, idx, qi, data, &msg, last);
                } else if q.role == Role::Responder && !q.nr.is_empty() {
                    // QM3.
                    let (ni, nr) = (q.ni.clone(), q.nr.clone());
                    if h.prf(&ka, &[&[0u8], &hdr.msgid.to_be_bytes(), &ni, &nr]) != hash.body {
                        self.events.push_back(Event::AuthFailed { conn, peer });
                        return;
                    }
                    let q = self.sas[idx].quick.remove(qi);
                    self.install_child(now, idx, q);
                }
            }
        }
    }

    fn quick_respond(&mut self, now: Millis, idx: usize, hdr: &Header, data: &[u8], msg: &Msg, last: Vec<u8>) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let (local, remote, conn) = (self.sas[idx].local, self.sas[idx].remote, self.sas[idx].conn);
        let peer = *remote.ip();
        let ids: Vec<IdRepr> = msg.all(payload::ID).filter_map(|p| IdRepr::parse(p.body).ok()).collect();
        let (idci, idcr) = match ids.as_slice() {
            [a, b] => (a.clone(), b.clone()),
            [] => (IdRepr::ipv4(*remote.ip()), IdRepr::ipv4(*local.ip())),
            _ => {
                self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Id), answered: Some(notify::INVALID_ID_INFORMATION) });
                return;
            }
        };
        self.events.push_back(Event::Selectors { conn, peer, sent: false, initiator: idci.clone(), responder: idcr.clone() });
        let (Some(sa_p), Some(ni)) = (msg.get(payload::SA), msg.get(payload::NONCE)) else {
            self.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: None });
            return;
        };
        let offer = match SaRepr::parse(sa_p.body) {
            Ok(s) => s,
            Err(e) => {
                self.events.push_back(Event::Malformed { peer: remote, error: e, answered: None });
                self.send_notify(idx, notify::BAD_PROPOSAL_SYNTAX, proto::ESP, vec![], vec![]);
                return;
            }
        };
        // Proposal check first (IOS validates transforms, then the proxy identities).
        let theirs_local = id_selector(&idcr);
        let theirs_remote = id_selector(&idci);
        let mut child = pc.children.iter().position(|c| Some(c.local_ts) == theirs_local && Some(c.remote_ts) == theirs_remote);
        // A dynamic map takes the initiator's proxy identities when its selectors contain them.
        let mut narrowed = None;
        if child.is_none() && pc.dynamic {
            if let (Some(l), Some(r)) = (theirs_local, theirs_remote) {
                child = pc.children.iter().position(|c| c.local_ts.covers(&l) && c.remote_ts.covers(&r));
                narrowed = child.map(|_| (l, r));
            }
        }
        // Which child's proposals to check: the mirrored one, else the first (for the trace).
        let cc = match child.or((!pc.children.is_empty()).then_some(0)) {
            Some(i) => pc.children[i].clone(),
            None => {
                self.events.push_back(Event::ProxyIdMismatch { conn, peer, initiator: idci, responder: idcr });
                self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ESP, vec![], vec![]);
                return;
            }
        };
        let chosen = self.select_p2(idx, &offer, &cc, msg.get(payload::KE).is_some());
        let Some((prop, theirs)) = chosen else {
            self.stats.p2_failed += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p2_failed += 1;
            self.events.push_back(Event::P2NoneAcceptable { conn, peer });
            self.send_notify(idx, notify::NO_PROPOSAL_CHOSEN, proto::ESP, vec![], vec![]);
            return;
        };
        let Some(child) = child else {
            self.stats.p2_failed += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p2_failed += 1;
            self.events.push_back(Event::ProxyIdMismatch { conn, peer, initiator: idci, responder: idcr });
            self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ESP, vec![], vec![]);
            return;
        };
        // PFS.
        let mut dh = None;
        let mut gxy = None;
        if let Some(g) = cc.pfs {
            let Some(ke) = msg.get(payload::KE) else { return };
            let Ok(d) = DhGroup(g).generate(&mut self.rng) else { return };
            match d.shared(ke.body) {
                Ok(s) => gxy = Some(s),
                Err(_) => {
                    self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ESP, vec![], vec![]);
                    return;
                }
            }
            dh = Some(d);
        }
        let spi_in = self.spi();
        let nr = self.nonce();
        // Our answer: their chosen proposal(s) with our SPI, lifetimes as agreed.
        let mut answer = theirs.clone();
        for p in &mut answer {
            p.spi = spi_in.to_be_bytes().to_vec();
        }
        let mut rest = Builder::new();
        rest.push(payload::SA, SaRepr { doi: wire::DOI_IPSEC, situation: wire::SIT_IDENTITY_ONLY, proposals: answer.clone() }.emit()).push(payload::NONCE, nr.clone());
        if let Some(d) = &dh {
            rest.push(payload::KE, d.public.clone());
        }
        if !ids.is_empty() {
            rest.push(payload::ID, idci.emit()).push(payload::ID, idcr.emit());
        }
        // RESPONDER-LIFETIME (RFC 2407 4.6.3.1) when ours is shorter than
        // offered, in seconds or in kilobytes (no kilobytes offered = unlimited).
        let offered = theirs.first().and_then(|p| p.transforms.first()).map(|t| offered_p2(theirs[0].protocol, t));
        let (offered_secs, offered_kb) = offered.map(|o| (o.lifetime_seconds, o.lifetime_kbytes.map(u64::from))).unwrap_or((None, None));
        let mut agreed = prop.clone();
        let mut told = Vec::new();
        if let Some(ol) = offered_secs {
            if ol > prop.lifetime_seconds {
                Attr::basic(1, 1).emit_into(&mut told);
                Attr::number(2, prop.lifetime_seconds as u64).emit_into(&mut told);
            } else {
                agreed.lifetime_seconds = ol;
            }
        }
        agreed.lifetime_kbytes = min_volume(offered_kb, prop.lifetime_kbytes);
        if let Some(kb) = prop.lifetime_kbytes.filter(|&kb| offered_kb.is_none_or(|o| o > kb)) {
            Attr::basic(1, 2).emit_into(&mut told);
            Attr::number(2, kb).emit_into(&mut told);
        }
        if !told.is_empty() {
            let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol: theirs[0].protocol, kind: notify::RESPONDER_LIFETIME, spi: spi_in.to_be_bytes().to_vec(), data: told };
            rest.push(payload::NOTIFY, n.emit());
        }
        let q = Quick {
            msgid: hdr.msgid,
            role: Role::Responder,
            child,
            iv: last,
            ni: ni.body.to_vec(),
            nr,
            dh,
            gxy,
            spi_in,
            chosen: Some((agreed, theirs[0].clone())),
            last_sent: None,
            last_recv: Some(data.to_vec()),
            replay: Replay::default(),
            retries: 0,
            timer: None,
            rekey_of: None,
            sel: narrowed,
        };
        let ni_b = q.ni.clone();
        self.sas[idx].quick.push(q);
        self.send_quick(now, idx, hdr.msgid, &[&hdr.msgid.to_be_bytes(), &ni_b], rest, true);
    }

    /// Match the offered phase-2 proposals against a child's configuration.
    /// Returns our proposal and their proposal(s) of the chosen number.
    fn select_p2(&mut self, idx: usize, offer: &SaRepr, cc: &ChildConf, has_ke: bool) -> Option<(EspProp, Vec<ProposalRepr>)> {
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        let mut numbers: Vec<u8> = offer.proposals.iter().map(|p| p.number).collect();
        numbers.dedup();
        let nn = numbers.len();
        for (ni, n) in numbers.into_iter().enumerate() {
            let group: Vec<&ProposalRepr> = offer.proposals.iter().filter(|p| p.number == n).collect();
            for ours in &cc.proposals {
                let ah_off = group.iter().filter(|p| p.protocol == proto::AH).count();
                let esp_off = group.iter().filter(|p| p.protocol == proto::ESP).count();
                let (ah_conf, esp_conf) = (ours.ah.is_some() as usize, ours.esp.is_some() as usize);
                // Each protocol: any of its transforms may match.
                let mut picked: Vec<ProposalRepr> = Vec::new();
                let mut failure: Option<(u8, OfferedP2, P2Mismatch)> = None;
                if ah_off != ah_conf || esp_off != esp_conf {
                    let t = group.first().and_then(|p| p.transforms.first());
                    if let Some(t) = t {
                        failure = Some((t.number, offered_p2(group[0].protocol, t), P2Mismatch::Protocols { ah_offered: ah_off, ah_configured: ah_conf, esp_offered: esp_off, esp_configured: esp_conf }));
                    }
                } else {
                    for p in &group {
                        let mut found = None;
                        for t in &p.transforms {
                            let o = offered_p2(p.protocol, t);
                            let r = if p.protocol == proto::ESP {
                                let (ce, ca) = ours.esp.unwrap_or((EspEncr::Null, None));
                                if o.esp != Some(ce) {
                                    Err(P2Mismatch::Encryption { offered: o.esp, configured: Some(ce) })
                                } else if o.auth != ca {
                                    Err(P2Mismatch::Auth { offered: o.auth, configured: ca })
                                } else {
                                    Ok(())
                                }
                            } else if p.protocol == proto::AH && o.auth != ours.ah {
                                Err(P2Mismatch::Auth { offered: o.auth, configured: ours.ah })
                            } else if p.protocol != proto::AH && p.protocol != proto::ESP {
                                Err(P2Mismatch::Protocols { ah_offered: ah_off, ah_configured: ah_conf, esp_offered: esp_off, esp_configured: esp_conf })
                            } else {
                                Ok(())
                            };
                            let r = r.and_then(|_| if o.group != cc.pfs || (cc.pfs.is_some() && !has_ke) { Err(P2Mismatch::Pfs { offered: o.group, configured: cc.pfs }) } else { Ok(()) });
                            match r {
                                Ok(()) => {
                                    self.events.push_back(Event::P2Check { conn, peer, proposal: n, transform: t.number, offered: o, result: Ok(()), more: false });
                                    found = Some(ProposalRepr { number: p.number, protocol: p.protocol, spi: p.spi.clone(), transforms: vec![t.clone()] });
                                    break;
                                }
                                Err(m) => failure = Some((t.number, o, m)),
                            }
                        }
                        match found {
                            Some(f) => picked.push(f),
                            None => break,
                        }
                    }
                }
                if picked.len() == group.len() && failure.is_none() {
                    return Some((ours.clone(), picked));
                }
                if picked.len() == group.len() {
                    return Some((ours.clone(), picked));
                }
                if let Some((t, o, m)) = failure {
                    self.events.push_back(Event::P2Check { conn, peer, proposal: n, transform: t, offered: o, result: Err(m), more: ni + 1 < nn });
                }
            }
        }
        None
    }

    fn quick_finish_initiator(&mut self, now: Millis, idx: usize, qi: usize, data: &[u8], msg: &Msg, last: Vec<u8>) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        let child = self.sas[idx].quick[qi].child;
        let Some(cc) = pc.children.get(child).cloned() else { return };
        for n in msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()) {
            if n.kind == notify::RESPONDER_LIFETIME {
                let attrs = wire::parse_attrs_pub(&n.data).unwrap_or_default();
                let mut secs = None;
                let mut kb = None;
                let mut lt = 1;
                for a in attrs {
                    match a.kind {
                        1 => lt = a.value_u64().unwrap_or(1),
                        2 if lt == 2 => kb = a.value_u64().map(|v| v as u32),
                        2 => secs = a.value_u64().map(|v| v as u32),
                        _ => {}
                    }
                }
                self.events.push_back(Event::ResponderLifetime { conn, peer, protocol: n.protocol, seconds: secs, kbytes: kb });
                if secs.is_some() || kb.is_some() {
                    let c = self.sas[idx].quick[qi].chosen.get_or_insert_with(|| (cc.proposals[0].clone(), ProposalRepr { number: 0, protocol: 0, spi: vec![], transforms: vec![] }));
                    if let Some(s) = secs {
                        c.0.lifetime_seconds = s;
                    }
                    if let Some(k) = kb {
                        c.0.lifetime_kbytes = Some(k as u64);
                    }
                }
            }
        }
        let chosen = msg.get(payload::SA).and_then(|p| SaRepr::parse(p.body).ok());
        let Some(chosen) = chosen else { return };
        // Which of our proposals is it?
        let Some(first) = chosen.proposals.first() else { return };
        let Some(t) = first.transforms.first() else { return };
        let o = offered_p2(first.protocol, t);
        let ours = cc.proposals.iter().find(|p| match first.protocol {
            proto::ESP => p.esp.map(|(e, a)| Some(e) == o.esp && a == o.auth).unwrap_or(false),
            proto::AH => p.ah == o.auth,
            _ => false,
        });
        let Some(ours) = ours.cloned() else {
            self.events.push_back(Event::P2NoneAcceptable { conn, peer });
            self.sas[idx].quick.remove(qi);
            return;
        };
        let Ok(spi_out) = <[u8; 4]>::try_from(first.spi.as_slice()).map(u32::from_be_bytes) else { return };
        let q = &mut self.sas[idx].quick[qi];
        if let Some(d) = &q.dh {
            let Some(ke) = msg.get(payload::KE) else { return };
            match d.shared(ke.body) {
                Ok(s) => q.gxy = Some(s),
                Err(_) => return,
            }
        }
        let mut agreed = ours;
        if let Some((c, _)) = &q.chosen {
            agreed.lifetime_seconds = c.lifetime_seconds.min(agreed.lifetime_seconds);
            agreed.lifetime_kbytes = min_volume(c.lifetime_kbytes, agreed.lifetime_kbytes);
        }
        if let Some(l) = o.lifetime_seconds {
            agreed.lifetime_seconds = agreed.lifetime_seconds.min(l);
        }
        agreed.lifetime_kbytes = min_volume(agreed.lifetime_kbytes, o.lifetime_kbytes.map(u64::from));
        q.chosen = Some((agreed, first.clone()));
        q.nr = msg.get(payload::NONCE).map(|n| n.body.to_vec()).unwrap_or_default();
        q.iv = last;
        q.last_recv = Some(data.to_vec());
        q.replay = Replay::default();
        q.timer = None;
        let (ni, nr, msgid) = (q.ni.clone(), q.nr.clone(), q.msgid);
        self.send_quick(now, idx, msgid, &[&[0u8], &msgid.to_be_bytes(), &ni, &nr], Builder::new(), false);
        let qi = self.sas[idx].quick.iter().position(|q| q.msgid == msgid).unwrap_or(qi);
        // Keep the exchange briefly so a retransmitted QM2 gets QM3 again: store as done.
        let q = self.sas[idx].quick.remove(qi);
        let keep_last = (q.last_recv.clone(), q.last_sent.clone());
        self.install_child_with_spi(now, idx, q, spi_out);
        let _ = keep_last;
    }

    fn install_child(&mut self, now: Millis, idx: usize, q: Quick) {
        let spi_out = q.chosen.as_ref().and_then(|(_, p)| <[u8; 4]>::try_from(p.spi.as_slice()).ok()).map(u32::from_be_bytes).unwrap_or(0);
        self.install_child_with_spi(now, idx, q, spi_out);
    }

    fn install_child_with_spi(&mut self, now: Millis, idx: usize, q: Quick, spi_out: u32) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let Some(cc) = pc.children.get(q.child).cloned() else { return };
        let Some((prop, theirs)) = q.chosen.clone() else { return };
        let sa = &self.sas[idx];
        let Some(k) = sa.keys.as_ref() else { return };
        let Some(h) = sa.hash else { return };
        let protocol = if prop.esp.is_some() { proto::ESP } else { proto::AH };
        let _ = theirs;
        let (elen, alen) = match (prop.esp, prop.ah) {
            (Some((e, a)), _) => (esp_key_len(e), a.map(auth_key_len).unwrap_or(0)),
            (None, Some(a)) => (0, auth_key_len(a)),
            _ => (0, 0),
        };
        let keymat = |spi: u32| -> SaKeys {
            let mut out = Vec::new();
            let mut prev: Vec<u8> = Vec::new();
            while out.len() < elen + alen {
                let mut parts: Vec<&[u8]> = Vec::new();
                if !prev.is_empty() {
                    parts.push(&prev);
                }
                if let Some(g) = &q.gxy {
                    parts.push(g);
                }
                let pb = [protocol];
                let sb = spi.to_be_bytes();
                parts.push(&pb);
                parts.push(&sb);
                parts.push(&q.ni);
                parts.push(&q.nr);
                let kk = h.prf(&k.d, &parts);
                out.extend_from_slice(&kk);
                prev = kk;
            }
            SaKeys { encr: out[..elen].to_vec(), auth: out[elen..elen + alen].to_vec() }
        };
        let keys_in = keymat(q.spi_in);
        let keys_out = keymat(spi_out);
        let id = self.next_child;
        self.next_child += 2;
        let (local_ts, remote_ts) = q.sel.unwrap_or((cc.local_ts, cc.remote_ts));
        let c = ChildSa {
            id,
            ike: sa.conn,
            tunnel: sa.tunnel.clone(),
            policy: cc.policy.clone(),
            child: q.child,
            local: sa.local,
            remote: sa.remote,
            encap: sa.nat_local || sa.nat_remote,
            local_ts,
            remote_ts,
            spi_in: q.spi_in,
            spi_out,
            proposal: prop.name.clone(),
            esp: prop.esp,
            ah: prop.ah,
            pfs: cc.pfs,
            lifetime_seconds: prop.lifetime_seconds,
            lifetime_kbytes: prop.lifetime_kbytes,
            created: now,
            role: q.role,
            keys_in,
            keys_out,
            bytes_in: 0,
            bytes_out: 0,
            packets_in: 0,
            packets_out: 0,
            rekeyed: false,
        };
        let peer = *sa.remote.ip();
        let tunnel = c.tunnel.clone();
        let (si, so) = (c.spi_in, c.spi_out);
        self.stats.p2_established += 1;
        self.tunnel_stats.entry(tunnel.clone()).or_default().p2_established += 1;
        self.events.push_back(Event::ChildUp { tunnel, peer, spi_in: si, spi_out: so, local_ts, remote_ts, rekey: q.rekey_of.is_some() });
        // A rekey replaces the old SA pair: tell the peer to delete the old one.
        if let Some(old) = q.rekey_of {
            if let Some(oi) = self.children.iter().position(|c| c.id == old) {
                let o = self.children.remove(oi);
                self.send_delete_child(idx, &o);
                self.events.push_back(Event::ChildDown { tunnel: o.tunnel, peer, spi_in: o.spi_in, spi_out: o.spi_out, reason: DownReason::Rekeyed });
            }
        } else if q.role == Role::Responder {
            // The peer renegotiated this child: the older pair goes when it expires or is deleted.
        }
        self.children.push(c);
    }

    fn send_delete_child(&mut self, idx: usize, c: &ChildSa) {
        let protocol = if c.esp.is_some() { proto::ESP } else { proto::AH };
        let d = DeleteRepr { doi: wire::DOI_IPSEC, protocol, spis: vec![c.spi_in.to_be_bytes().to_vec()] };
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        self.send_info(idx, payload::DELETE, d.emit());
        self.stats.deletes_tx += 1;
        self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().deletes_tx += 1;
        self.events.push_back(Event::DeleteSent { conn, peer, protocol, spis: d.spis });
    }

    // ---------------------------------------------------------- informational

    fn informational(&mut self, now: Millis, idx: usize, hdr: &Header, data: &[u8]) {
        let (remote, conn) = (self.sas[idx].remote, self.sas[idx].conn);
        let peer = *remote.ip();
        let protected = hdr.flags & wire::flags::ENCRYPTION != 0;
        let iv = if protected { Some(self.qm_iv(idx, hdr.msgid)) } else { None };
        let mut plain = Vec::new();
        let list = match self.open(idx, hdr, data, iv, &mut plain) {
            Ok((l, _)) => l,
            Err(e) => {
                self.stats.rx_malformed += 1;
                self.events.push_back(Event::Malformed { peer: remote, error: e, answered: None });
                return;
            }
        };
        let msg = Msg { list };
        self.events.push_back(Event::Received { conn, peer: remote, exchange: exchange::INFORMATIONAL, msgid: hdr.msgid, payloads: msg.kinds() });
        if protected {
            let Some(hash) = msg.list.first().filter(|p| p.kind == payload::HASH) else { return };
            let rest: Vec<u8> = msg.list[1..].iter().flat_map(|p| p.raw.iter().copied()).collect();
            let sa = &self.sas[idx];
            let (Some(h), Some(k)) = (sa.hash, sa.keys.as_ref()) else { return };
            if h.prf(&k.a, &[&hdr.msgid.to_be_bytes(), &rest]) != hash.body {
                self.events.push_back(Event::AuthFailed { conn, peer });
                return;
            }
        } else if self.sas[idx].is_established() {
            // Unprotected notifies on an established SA are logged, never acted on.
            for n in msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()) {
                self.events.push_back(Event::NotifyReceived { conn, peer, kind: n.kind, protocol: n.protocol, spi: n.spi, protected: false });
            }
            return;
        }
        for p in &msg.list {
            match p.kind {
                payload::NOTIFY => {
                    let Ok(n) = NotifyRepr::parse(p.body) else { continue };
                    self.stats.notifies_rx += 1;
                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().notifies_rx += 1;
                    match n.kind {
                        notify::R_U_THERE => {
                            let ack = NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind: notify::R_U_THERE_ACK, spi: n.spi.clone(), data: n.data.clone() };
                            self.send_info(idx, payload::NOTIFY, ack.emit());
                        }
                        notify::R_U_THERE_ACK => {
                            let sa = &mut self.sas[idx];
                            sa.dpd_outstanding = 0;
                            sa.dpd_timer = Some(now + DPD_INTERVAL);
                        }
                        _ => {
                            self.events.push_back(Event::NotifyReceived { conn, peer, kind: n.kind, protocol: n.protocol, spi: n.spi.clone(), protected });
                            // Before keys exist an error notify ends the negotiation; an unprotected
                            // one after the key exchange could be forged: log it and keep retransmitting.
                            if n.kind < 16384 && !self.sas[idx].is_established() && (protected || self.sas[idx].keys.is_none()) {
                                self.fail_p1(idx, DownReason::PeerNotify(n.kind));
                                return;
                            }
                            if n.kind < 16384 {
                                // A phase-2 error: the quick mode in progress failed.
                                let q: Vec<u32> = self.sas[idx].quick.iter().filter(|q| q.role == Role::Initiator).map(|q| q.msgid).collect();
                                if !q.is_empty() {
                                    self.stats.p2_failed += q.len() as u64;
                                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p2_failed += q.len() as u64;
                                    self.sas[idx].quick.retain(|q| q.role != Role::Initiator);
                                }
                            }
                        }
                    }
                }
                payload::DELETE => {
                    let Ok(d) = DeleteRepr::parse(p.body) else { continue };
                    self.stats.deletes_rx += 1;
                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().deletes_rx += 1;
                    self.events.push_back(Event::DeleteReceived { conn, peer, protocol: d.protocol, spis: d.spis.clone() });
                    if d.protocol == proto::ISAKMP {
                        if d.spis.iter().any(|s| s.len() == 16 && s[..8] == self.sas[idx].icookie && s[8..] == self.sas[idx].rcookie) {
                            self.remove_sa(now, idx, false, DownReason::DeletedByPeer);
                            return;
                        }
                    } else {
                        for s in d.spis {
                            let Ok(spi) = <[u8; 4]>::try_from(s.as_slice()).map(u32::from_be_bytes) else { continue };
                            if let Some(ci) = self.children.iter().position(|c| c.spi_out == spi && c.remote.ip() == &peer) {
                                let c = self.children.remove(ci);
                                let tunnel = c.tunnel.clone();
                                let child = c.child;
                                self.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::DeletedByPeer });
                                // A static tunnel is kept up: negotiate the pair again (unless a newer one exists).
                                let replaced = self.children.iter().any(|x| x.tunnel == tunnel && x.child == child);
                                if !replaced && self.pc(&tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) {
                                    self.initiate(now, &tunnel);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // ---------------------------------------------------------------- clear

    /// Remove an IKE SA, telling the peer when `notify` (and the SA has keys).
    fn remove_sa(&mut self, _now: Millis, idx: usize, notify_peer: bool, reason: DownReason) {
        if notify_peer && self.sas[idx].is_established() {
            let d = DeleteRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, spis: vec![Self::cookies(&self.sas[idx])] };
            let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
            self.send_info(idx, payload::DELETE, d.emit());
            self.stats.deletes_tx += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().deletes_tx += 1;
            self.events.push_back(Event::DeleteSent { conn, peer, protocol: proto::ISAKMP, spis: d.spis });
        }
        let sa = self.take_sa(idx);
        self.events.push_back(Event::Phase1Down { conn: sa.conn, peer: *sa.remote.ip(), tunnel: sa.tunnel, reason });
    }

    /// Delete the IPsec SAs of a tunnel (all tunnels when `None`), telling the peer.
    pub fn clear_ipsec(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let v2 = self.v2.clear_children(now, tunnel, peer);
        self.sync_v2();
        v2 + self.clear_ipsec_v1(now, tunnel, peer)
    }

    fn clear_ipsec_v1(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let sel: Vec<usize> = (0..self.children.len()).filter(|&i| !super::v2::is_v2(self.children[i].ike) && tunnel.is_none_or(|t| self.children[i].tunnel == t) && peer.is_none_or(|p| *self.children[i].remote.ip() == p)).collect();
        let n = sel.len();
        for i in sel.into_iter().rev() {
            let c = self.children.remove(i);
            if let Some(idx) = self.sas.iter().position(|s| s.tunnel == c.tunnel && s.is_established()) {
                self.send_delete_child(idx, &c);
            }
            self.events.push_back(Event::ChildDown { tunnel: c.tunnel.clone(), peer: *c.remote.ip(), spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::Cleared });
            // Static tunnels come straight back, as on a router.
            if self.pc(&c.tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) {
                self.initiate(now, &c.tunnel);
            }
        }
        n
    }

    /// Delete the IKE SAs of a tunnel (all when `None`), telling the peer.
    pub fn clear_ike(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let v2 = self.v2.clear(now, tunnel, peer);
        self.sync_v2();
        v2 + self.clear_ike_v1(now, tunnel, peer)
    }

    fn clear_ike_v1(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let conns: Vec<u32> = self.sas.iter().filter(|s| tunnel.is_none_or(|t| s.tunnel == t) && peer.is_none_or(|p| *s.remote.ip() == p)).map(|s| s.conn).collect();
        let n = conns.len();
        let mut restart = Vec::new();
        for c in conns {
            if let Some(i) = self.sa_index(c) {
                restart.push(self.sas[i].tunnel.clone());
                self.remove_sa(now, i, true, DownReason::Cleared);
            }
        }
        restart.dedup();
        for t in restart {
            if self.pc(&t).is_some_and(|p| p.auto_start && p.may_initiate()) && !self.children.iter().any(|c| c.tunnel == t) {
                self.initiate(now, &t);
            }
        }
        n
    }

    fn clear_tunnel(&mut self, now: Millis, tunnel: &str, notify_peer: bool, reason: DownReason) {
        let sel: Vec<usize> = (0..self.children.len()).filter(|&i| self.children[i].tunnel == tunnel && !super::v2::is_v2(self.children[i].ike)).collect();
        for i in sel.into_iter().rev() {
            let c = self.children.remove(i);
            if notify_peer {
                if let Some(idx) = self.sas.iter().position(|s| s.tunnel == c.tunnel && s.is_established()) {
                    self.send_delete_child(idx, &c);
                }
            }
            self.events.push_back(Event::ChildDown { tunnel: c.tunnel.clone(), peer: *c.remote.ip(), spi_in: c.spi_in, spi_out: c.spi_out, reason });
        }
        while let Some(i) = self.sas.iter().position(|s| s.tunnel == tunnel) {
            self.remove_sa(now, i, notify_peer, reason);
        }
    }

    // ---------------------------------------------------------------- timers

    /// The earliest deadline the caller must call [`Endpoint::handle_timeout`] at.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut t: Option<Millis> = None;
        let mut min = |x: Option<Millis>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        for s in &self.sas {
            min(s.timer);
            min(s.dpd_timer);
            if s.is_established() {
                min(Some(s.expires()));
                if s.role == Role::Initiator && !s.rekeyed {
                    min(Some(s.established.unwrap_or(s.created) + s.lifetime as u64 * REKEY_AT));
                }
            } else {
                min(Some(s.created + RETRANSMIT_BASE * 64));
            }
            for q in &s.quick {
                min(q.timer);
            }
        }
        for t in self.retry_at.values() {
            min(Some(*t));
        }
        if !self.start_queue.is_empty() {
            min(Some(self.next_start));
        }
        min(self.v2.poll_timeout());
        for c in self.children.iter().filter(|c| !super::v2::is_v2(c.ike)) {
            min(Some(c.expires()));
            if c.role == Role::Initiator && !c.rekeyed {
                min(Some(c.created + c.lifetime_seconds as u64 * REKEY_AT));
            }
        }
        t
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.now = now;
        self.v2.handle_timeout(now);
        self.sync_v2();
        self.drain_starts(now);
        // Static tunnels that failed: try again.
        let due: Vec<String> = self.retry_at.iter().filter(|(_, t)| **t <= now).map(|(n, _)| n.clone()).collect();
        for t in due {
            self.retry_at.remove(&t);
            if !self.sas.iter().any(|s| s.tunnel == t) {
                self.initiate(now, &t);
            }
        }
        // Retransmissions and give-ups.
        let mut i = 0;
        while i < self.sas.len() {
            let s = &self.sas[i];
            if s.timer.is_some_and(|t| t <= now) {
                if s.retries >= RETRANSMIT_TRIES {
                    let (conn, peer, tunnel, state) = (s.conn, *s.remote.ip(), s.tunnel.clone(), s.state);
                    self.events.push_back(Event::GiveUp { conn, peer, tunnel: tunnel.clone(), state });
                    self.stats.p1_failed += 1;
                    self.tunnel_stats.entry(tunnel.clone()).or_default().p1_failed += 1;
                    self.take_sa(i);
                    self.events.push_back(Event::Phase1Down { conn, peer, tunnel: tunnel.clone(), reason: DownReason::NoResponse });
                    self.schedule_retry(&tunnel);
                    continue;
                }
                let s = &mut self.sas[i];
                s.retries += 1;
                s.timer = Some(now + (RETRANSMIT_BASE << s.retries.min(6)));
                let (conn, peer, count) = (s.conn, *s.remote.ip(), s.retries);
                let tunnel = s.tunnel.clone();
                if let Some(d) = s.last_sent.clone() {
                    let (src, dst) = (s.local, s.remote);
                    self.stats.retransmits += 1;
                    self.tunnel_stats.entry(tunnel).or_default().retransmits += 1;
                    self.events.push_back(Event::Retransmit { conn, peer, count });
                    self.send_raw(src, dst, d);
                }
            }
            // Half-open SAs that never finished.
            let s = &self.sas[i];
            if !s.is_established() && s.timer.is_none() && now >= s.created + RETRANSMIT_BASE * 64 {
                let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
                self.take_sa(i);
                self.events.push_back(Event::Phase1Down { conn, peer, tunnel, reason: DownReason::NegotiationTimedOut });
                continue;
            }
            // Quick-mode retransmissions.
            let mut qi = 0;
            while qi < self.sas[i].quick.len() {
                let q = &mut self.sas[i].quick[qi];
                if q.timer.is_some_and(|t| t <= now) {
                    if q.retries >= RETRANSMIT_TRIES {
                        self.sas[i].quick.remove(qi);
                        self.stats.p2_failed += 1;
                        self.tunnel_stats.entry(self.sas[i].tunnel.clone()).or_default().p2_failed += 1;
                        continue;
                    }
                    q.retries += 1;
                    q.timer = Some(now + (RETRANSMIT_BASE << q.retries.min(6)));
                    if let Some(d) = q.last_sent.clone() {
                        let (src, dst) = (self.sas[i].local, self.sas[i].remote);
                        self.stats.retransmits += 1;
                        self.tunnel_stats.entry(self.sas[i].tunnel.clone()).or_default().retransmits += 1;
                        self.send_raw(src, dst, d);
                    }
                }
                qi += 1;
            }
            // DPD.
            let s = &mut self.sas[i];
            if s.dpd_timer.is_some_and(|t| t <= now) {
                if s.dpd_outstanding >= DPD_TRIES {
                    let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
                    self.events.push_back(Event::DpdDead { conn, peer, tunnel: tunnel.clone() });
                    self.take_sa(i);
                    self.events.push_back(Event::Phase1Down { conn, peer, tunnel: tunnel.clone(), reason: DownReason::PeerDead });
                    let gone: Vec<usize> = (0..self.children.len()).rev().filter(|&c| self.children[c].tunnel == tunnel).collect();
                    for c in gone {
                        let c = self.children.remove(c);
                        self.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::PeerDead });
                    }
                    self.schedule_retry(&tunnel);
                    continue;
                }
                s.dpd_seq = s.dpd_seq.wrapping_add(1);
                s.dpd_outstanding += 1;
                s.dpd_timer = Some(now + DPD_RETRY);
                let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind: notify::R_U_THERE, spi: Self::cookies(s), data: s.dpd_seq.to_be_bytes().to_vec() };
                self.send_info(i, payload::NOTIFY, n.emit());
            }
            // IKE SA lifetime: the initiator negotiates a replacement at 90 %
            // (the old SA is deleted when it is up); at expiry the SA goes.
            let s = &self.sas[i];
            if s.is_established() && now >= s.expires() {
                self.remove_sa(now, i, true, DownReason::LifetimeExpired { kilobytes: false });
                continue;
            }
            if s.is_established() && s.role == Role::Initiator && !s.rekeyed && !s.deleting && now >= s.established.unwrap_or(s.created) + s.lifetime as u64 * REKEY_AT {
                self.sas[i].rekeyed = true;
                if let Some(p) = self.pc(&self.sas[i].tunnel).cloned().filter(|p| p.may_initiate()) {
                    self.start_phase1(now, &p);
                }
            }
            i += 1;
        }
        // Child SAs: rekey before expiry, remove at expiry.
        let mut ci = 0;
        while ci < self.children.len() {
            let c = &self.children[ci];
            if super::v2::is_v2(c.ike) {
                ci += 1;
                continue;
            }
            if now >= c.expires() {
                self.expire_child(ci, DownReason::LifetimeExpired { kilobytes: false });
                continue;
            }
            if c.role == Role::Initiator && !c.rekeyed && now >= c.created + c.lifetime_seconds as u64 * REKEY_AT {
                self.rekey_child(now, ci);
            }
            ci += 1;
        }
    }

    /// Traffic on a child SA as the dataplane counts it: `bytes` in one
    /// packet on the SA whose inbound (or outbound) SPI is `spi`. Kilobyte
    /// lifetimes run on these counts: the initiator rekeys at 90 %, and the
    /// SA goes when either direction has used it all. False when no SA has
    /// that SPI (the dataplane counts the packet as "no sa").
    pub fn account(&mut self, now: Millis, spi: u32, inbound: bool, bytes: u64) -> bool {
        self.now = now;
        let Some(ci) = self.children.iter().position(|c| if inbound { c.spi_in == spi } else { c.spi_out == spi }) else {
            return false;
        };
        if super::v2::is_v2(self.children[ci].ike) {
            self.v2.account(spi, inbound, bytes);
            let c = &mut self.children[ci];
            if inbound {
                c.bytes_in = c.bytes_in.saturating_add(bytes);
                c.packets_in += 1;
            } else {
                c.bytes_out = c.bytes_out.saturating_add(bytes);
                c.packets_out += 1;
            }
            return true;
        }
        let c = &mut self.children[ci];
        if inbound {
            c.bytes_in = c.bytes_in.saturating_add(bytes);
            c.packets_in += 1;
        } else {
            c.bytes_out = c.bytes_out.saturating_add(bytes);
            c.packets_out += 1;
        }
        if c.kbytes_expired() {
            self.expire_child(ci, DownReason::LifetimeExpired { kilobytes: true });
        } else if c.role == Role::Initiator && !c.rekeyed && c.kbytes_due() {
            self.rekey_child(now, ci);
        }
        true
    }

    fn expire_child(&mut self, ci: usize, reason: DownReason) {
        let c = self.children.remove(ci);
        self.events.push_back(Event::ChildDown { tunnel: c.tunnel.clone(), peer: *c.remote.ip(), spi_in: c.spi_in, spi_out: c.spi_out, reason });
    }

    /// Negotiate a replacement for child `ci` (over its IKE SA, or a new one).
    fn rekey_child(&mut self, now: Millis, ci: usize) {
        let c = &self.children[ci];
        let (tunnel, child, id) = (c.tunnel.clone(), c.child, c.id);
        self.children[ci].rekeyed = true;
        match self.sas.iter().position(|s| s.tunnel == tunnel && s.is_established() && !s.deleting) {
            Some(idx) => self.start_quick(now, idx, child, Some(id)),
            None => {
                self.wanted.entry(tunnel.clone()).or_default().insert(child);
                if !self.sas.iter().any(|s| s.tunnel == tunnel) {
                    if let Some(p) = self.pc(&tunnel).cloned() {
                        self.start_phase1(now, &p);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn peer(name: &str, local: [u8; 4], remote: [u8; 4], psk: &str, group: u16) -> PeerConf {
        let l = Ipv4Addr::from(local);
        let r = Ipv4Addr::from(remote);
        PeerConf {
            version: IkeVersion::V1,
            name: name.into(),
            context: "local".into(),
            kind: TunnelKind::Static,
            local: l,
            remote: Some(r),
            local_id: Identity::Ipv4(l),
            remote_id: Identity::Ipv4(r),
            mode: ExchangeMode::Main,
            connection: ConnectionType::Both,
            psk: Some(psk.as_bytes().to_vec()),
            proposals: vec![IkeProp { name: "p1".into(), encr: IkeEncr::Aes128Cbc, hash: IkeAuthAlg::HmacSha1_96, group, auth: AuthMethod::PreSharedKey, lifetime: 86400, prf: Prf::HmacSha1 }],
            children: vec![ChildConf {
                policy: "pol".into(),
                local_ts: Selector { net: Prefix4 { addr: Ipv4Addr::new(198, 51, 100, 1), len: 32 }, proto: 0, port: 0 },
                remote_ts: Selector { net: Prefix4 { addr: Ipv4Addr::new(203, 0, 113, 1), len: 32 }, proto: 0, port: 0 },
                proposals: vec![EspProp { name: "esp".into(), ah: None, esp: Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))), lifetime_seconds: 3600, lifetime_kbytes: None }],
                pfs: None,
            }],
            dpd: true,
            auto_start: true,
            max_tunnels: None,
            dynamic: false,
        }
    }

    pub(crate) fn mirror(p: &PeerConf, name: &str) -> PeerConf {
        let mut m = p.clone();
        m.name = name.into();
        m.local = p.remote.unwrap();
        m.remote = Some(p.local);
        m.local_id = p.remote_id.clone();
        m.remote_id = p.local_id.clone();
        for c in &mut m.children {
            std::mem::swap(&mut c.local_ts, &mut c.remote_ts);
        }
        m.auto_start = false;
        m
    }

    /// Two endpoints joined by a perfect link, with an optional NAT that rewrites A's source.
    pub(crate) struct Pair {
        pub a: Endpoint,
        pub b: Endpoint,
        pub now: Millis,
        pub drop_to_b: bool,
    }

    impl Pair {
        pub fn new(a: PeerConf, b: PeerConf) -> Pair {
            let mut pa = Endpoint::new(1);
            let mut pb = Endpoint::new(2);
            pb.set_config(0, EngineConf { peers: vec![b], notes: vec![] });
            pa.set_config(0, EngineConf { peers: vec![a], notes: vec![] });
            Pair { a: pa, b: pb, now: 0, drop_to_b: false }
        }
        pub fn run(&mut self) {
            for _ in 0..1000 {
                let mut moved = false;
                while let Some(t) = self.a.poll_transmit() {
                    moved = true;
                    if !self.drop_to_b {
                        self.b.handle(self.now, t.dst, t.src, &t.data);
                    }
                }
                while let Some(t) = self.b.poll_transmit() {
                    moved = true;
                    self.a.handle(self.now, t.dst, t.src, &t.data);
                }
                if !moved {
                    self.a.check_index();
                    self.b.check_index();
                    return;
                }
            }
        }
        pub fn advance(&mut self, ms: Millis) {
            let end = self.now + ms;
            loop {
                self.run();
                let next = [self.a.poll_timeout(), self.b.poll_timeout()].into_iter().flatten().min();
                match next {
                    Some(t) if t <= end => {
                        self.now = t.max(self.now);
                        self.a.handle_timeout(self.now);
                        self.b.handle_timeout(self.now);
                    }
                    _ => break,
                }
            }
            self.now = end;
            self.run();
        }
        pub fn events(e: &mut Endpoint) -> Vec<Event> {
            std::iter::from_fn(|| e.poll_event()).collect()
        }
    }

    #[test]
    fn main_and_quick_mode_bring_up_matching_sas() {
        for group in [2u16, 14, 19] {
            let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", group);
            let b = mirror(&a, "t");
            let mut p = Pair::new(a, b);
            p.run();
            assert_eq!(p.a.ike_sas().len(), 1, "group {group}");
            assert_eq!(p.a.ike_sas()[0].state, P1State::QmIdle);
            assert_eq!(p.b.ike_sas()[0].state, P1State::QmIdle);
            let (ca, cb) = (&p.a.child_sas()[0], &p.b.child_sas()[0]);
            assert_eq!(ca.spi_in, cb.spi_out);
            assert_eq!(ca.spi_out, cb.spi_in);
            assert_eq!(ca.keys_in, cb.keys_out);
            assert_eq!(ca.keys_out, cb.keys_in);
            assert_eq!(ca.keys_in.encr.len(), 16);
            assert_eq!(ca.keys_in.auth.len(), 20);
            assert!(!ca.encap);
        }
    }

    #[test]
    fn pfs_and_aggressive_mode() {
        let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 14);
        a.mode = ExchangeMode::Aggressive;
        a.children[0].pfs = Some(5);
        let b = mirror(&a, "t");
        let mut p = Pair::new(a, b);
        p.run();
        assert_eq!(p.a.child_sas().len(), 1);
        assert_eq!(p.b.child_sas().len(), 1);
        assert_eq!(p.a.child_sas()[0].keys_in, p.b.child_sas()[0].keys_out);
    }

    #[test]
    fn psk_mismatch_is_a_key_mismatch_on_the_responder() {
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let mut b = mirror(&a, "t");
        b.psk = Some(b"other".to_vec());
        let mut p = Pair::new(a, b);
        p.run();
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::KeyMismatch { message: 5, .. }) || matches!(e, Event::AuthFailed { .. })), "{ev:?}");
        assert!(p.b.child_sas().is_empty());
        // The initiator retransmits, then gives up with a clear event.
        p.advance(600_000);
        let ev = Pair::events(&mut p.a);
        assert!(ev.iter().any(|e| matches!(e, Event::GiveUp { state: P1State::MmKeyExch, .. })), "{ev:?}");
        // ... and, being a static tunnel, tries again later (never established).
        assert!(p.a.ike_sas().iter().all(|s| !s.is_established()));
        assert!(p.a.child_sas().is_empty());
    }

    #[test]
    fn dh_group_mismatch_is_reported_with_both_values() {
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let mut b = mirror(&a, "t");
        b.proposals[0].group = 5;
        let mut p = Pair::new(a, b);
        p.run();
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::P1Check { result: Err(P1Mismatch::Group { offered: 2, configured: 5 }), .. })), "{ev:?}");
        assert!(ev.iter().any(|e| matches!(e, Event::NotifySent { kind: notify::NO_PROPOSAL_CHOSEN, .. })));
        let ev = Pair::events(&mut p.a);
        assert!(ev.iter().any(|e| matches!(e, Event::NotifyReceived { kind: notify::NO_PROPOSAL_CHOSEN, .. })), "{ev:?}");
        assert!(p.a.ike_sas().is_empty());
    }

    /// Seed 000: two ACL lines against one must fail on the receiver.
    #[test]
    fn proxy_ids_must_mirror_exactly() {
        let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let extra = ChildConf { local_ts: Selector { net: Prefix4 { addr: Ipv4Addr::new(198, 51, 100, 0), len: 24 }, proto: 0, port: 0 }, ..a.children[0].clone() };
        let b = mirror(&a, "t");
        a.children.push(extra);
        let mut p = Pair::new(a, b);
        p.run();
        assert_eq!(p.a.child_sas().len(), 1);
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::ProxyIdMismatch { .. })), "{ev:?}");
        let ev = Pair::events(&mut p.a);
        assert!(ev.iter().any(|e| matches!(e, Event::NotifyReceived { kind: notify::INVALID_ID_INFORMATION, .. })));
    }

    #[test]
    fn transform_mismatch_in_quick_mode() {
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let mut b = mirror(&a, "t");
        b.children[0].proposals[0].esp = Some((EspEncr::TripleDesCbc, Some(EspAuth::HmacSha1_96)));
        let mut p = Pair::new(a, b);
        p.run();
        assert!(p.a.child_sas().is_empty());
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::P2Check { result: Err(P2Mismatch::Encryption { .. }), .. })), "{ev:?}");
    }

    #[test]
    fn clear_sends_delete_and_static_tunnels_come_back() {
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let b = mirror(&a, "t");
        let mut p = Pair::new(a, b);
        p.run();
        let old = p.a.child_sas()[0].spi_in;
        Pair::events(&mut p.b);
        assert_eq!(p.a.clear_ipsec(p.now, Some("t"), None), 1);
        p.run();
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::DeleteReceived { .. })), "{ev:?}");
        assert_eq!(p.a.child_sas().len(), 1);
        assert_ne!(p.a.child_sas()[0].spi_in, old);
        assert_eq!(p.b.child_sas().len(), 1);
        p.a.clear_ike(p.now, None, None);
        p.run();
        assert_eq!(p.b.ike_sas().len(), 0, "the peer deleted the ISAKMP SA");
        assert_eq!((p.a.child_sas().len(), p.b.child_sas().len()), (1, 1), "IPsec SAs outlive the ISAKMP SA (IKEv1)");
    }

    #[test]
    fn children_rekey_before_expiry_and_dpd_notices_a_dead_peer() {
        let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        a.children[0].proposals[0].lifetime_seconds = 600;
        let b = mirror(&a, "t");
        let mut p = Pair::new(a, b);
        p.run();
        let first = p.a.child_sas()[0].spi_in;
        p.advance(550_000);
        assert_eq!(p.a.child_sas().len(), 1);
        assert_ne!(p.a.child_sas()[0].spi_in, first, "rekeyed");
        assert_eq!(p.b.child_sas().len(), 1, "the old pair was deleted on the peer");
        Pair::events(&mut p.a);
        p.drop_to_b = true;
        p.advance(60_000);
        let ev = Pair::events(&mut p.a);
        assert!(ev.iter().any(|e| matches!(e, Event::DpdDead { .. })), "{ev:?}");
    }

    #[test]
    fn kilobyte_lifetime_rekeys_at_90_percent_and_expires_at_100() {
        let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        a.children[0].proposals[0].lifetime_kbytes = Some(100);
        let b = mirror(&a, "t");
        let mut p = Pair::new(a, b);
        p.run();
        let (first_out, first_in) = (p.a.child_sas()[0].spi_out, p.a.child_sas()[0].spi_in);
        assert!(!p.a.account(p.now, 0xdead_beef, false, 1400), "unknown SPI");
        // 65 packets of 1,400 bytes (91,000 bytes) stay below 90 % of 100 KB (92,160 bytes).
        for _ in 0..65 {
            assert!(p.a.account(p.now, first_out, false, 1400));
            assert!(p.b.account(p.now, first_out, true, 1400));
        }
        p.run();
        assert_eq!(p.a.child_sas().len(), 1);
        assert_eq!(p.a.child_sas()[0].remaining_kbytes(), Some(100 - 91_000 / 1024));
        assert_eq!((p.a.child_sas()[0].packets_out, p.b.child_sas()[0].packets_in), (65, 65));
        // The 66th crosses 90 %: the initiator negotiates a new pair and deletes the old one.
        p.a.account(p.now, first_out, false, 1400);
        p.run();
        assert_eq!(p.a.child_sas().len(), 1, "{:?}", p.a.child_sas());
        assert_ne!(p.a.child_sas()[0].spi_in, first_in, "rekeyed on kilobytes");
        assert_eq!(p.a.child_sas()[0].bytes_out, 0, "the new SA starts counting afresh");
        assert_eq!(p.b.child_sas().len(), 1, "the old pair was deleted on the peer");
        // The responder does not rekey; when its inbound count reaches the whole lifetime the SA goes.
        let spi = p.b.child_sas()[0].spi_in;
        Pair::events(&mut p.b);
        for _ in 0..73 {
            p.b.account(p.now, spi, true, 1400);
        }
        assert_eq!(p.b.child_sas().len(), 1, "102,200 bytes: 1 KB left");
        p.b.account(p.now, spi, true, 1400);
        assert!(p.b.child_sas().is_empty());
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::ChildDown { reason, .. } if *reason == DownReason::LifetimeExpired { kilobytes: true })), "{ev:?}");
    }

    #[test]
    fn kilobyte_lifetimes_are_negotiated_down_with_responder_lifetime() {
        // (initiator's, responder's) kilobytes -> what both sides run with.
        for (ours, theirs, agreed) in [(Some(100), Some(50), Some(50)), (None, Some(200), Some(200)), (Some(100), None, Some(100)), (Some(70), Some(90), Some(70)), (None, None, None)] {
            let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
            a.children[0].proposals[0].lifetime_kbytes = ours;
            let mut b = mirror(&a, "t");
            b.children[0].proposals[0].lifetime_kbytes = theirs;
            let mut p = Pair::new(a, b);
            p.run();
            assert_eq!(p.a.child_sas()[0].lifetime_kbytes, agreed, "{ours:?}/{theirs:?}");
            assert_eq!(p.b.child_sas()[0].lifetime_kbytes, agreed, "{ours:?}/{theirs:?}");
            let told = Pair::events(&mut p.a).into_iter().find_map(|e| match e {
                Event::ResponderLifetime { kbytes, .. } => Some(kbytes),
                _ => None,
            });
            let shorter = theirs.is_some() && ours.is_none_or(|o| o > theirs.unwrap());
            assert_eq!(told, shorter.then(|| theirs.map(|k| k as u32)), "{ours:?}/{theirs:?}");
        }
    }

    #[test]
    fn ike_sa_rekeys_before_expiry_and_a_failed_static_tunnel_is_retried() {
        let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        a.proposals[0].lifetime = 600;
        let b = mirror(&a, "t");
        let mut p = Pair::new(a.clone(), b);
        p.run();
        let first = p.a.ike_sas()[0].conn;
        p.advance(560_000);
        assert_eq!(p.a.ike_sas().len(), 1, "the old IKE SA is gone");
        assert_ne!(p.a.ike_sas()[0].conn, first, "a new IKE SA replaced it");
        assert_eq!(p.b.ike_sas().len(), 1);
        assert_eq!(p.a.child_sas().len(), 1, "IPsec SAs are untouched");
        // A peer that refuses (wrong group), then is fixed: the static tunnel comes up by itself.
        let mut bad = mirror(&a, "t");
        bad.proposals[0].group = 5;
        let mut p = Pair::new(a.clone(), bad);
        p.run();
        assert!(p.a.ike_sas().is_empty());
        p.b.set_config(p.now, EngineConf { peers: vec![mirror(&a, "t")], notes: vec![] });
        p.advance(31_000);
        assert_eq!(p.a.child_sas().len(), 1, "retried after {RETRY_INTERVAL} ms");
    }

    /// On-demand: an unknown address, matched by its aggressive-mode identity
    /// (exact before `*.suffix` before wildcard), up to `max-tunnels`.
    #[test]
    fn on_demand_tunnels_match_identities_and_honour_max_tunnels() {
        let mut a = peer("branch", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        a.mode = ExchangeMode::Aggressive;
        a.local_id = Identity::Fqdn("branch1.example.com".into());
        let mut hub = mirror(&a, "dialin");
        hub.kind = TunnelKind::OnDemand;
        hub.remote = None;
        hub.connection = ConnectionType::ResponderOnly;
        hub.remote_id = Identity::Fqdn("*.example.com".into());
        hub.max_tunnels = Some(1);
        let mut exact = hub.clone();
        exact.name = "exact".into();
        exact.remote_id = Identity::Fqdn("branch1.example.com".into());
        exact.psk = Some(b"exact-secret".to_vec());
        let mut p = Pair::new(a.clone(), hub.clone());
        p.run();
        assert_eq!(p.b.ike_sas()[0].tunnel, "dialin");
        assert_eq!(p.a.child_sas().len(), 1);
        // The exact identity wins over the partial one.
        let mut a2 = a.clone();
        a2.psk = Some(b"exact-secret".to_vec());
        let mut p = Pair::new(a2, hub.clone());
        // Before the first message arrives, the hub also gets the exact identity.
        p.b.set_config(0, EngineConf { peers: vec![hub.clone(), exact], notes: vec![] });
        p.run();
        assert!(p.b.ike_sas().iter().any(|s| s.tunnel == "exact" && s.is_established()), "exact match first");
        // max-tunnels 1: a second branch from another address is refused.
        let mut p = Pair::new(a.clone(), hub.clone());
        p.run();
        let mut other = a.clone();
        other.local = Ipv4Addr::new(192, 0, 2, 9);
        other.local_id = Identity::Fqdn("branch2.example.com".into());
        let mut c = Endpoint::new(3);
        c.set_config(0, EngineConf { peers: vec![other], notes: vec![] });
        while let Some(t) = c.poll_transmit() {
            p.b.handle(0, t.dst, t.src, &t.data);
        }
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::NoPeer { reason: NoPeerReason::MaxTunnels(1), .. })), "{ev:?}");
    }

    /// An IOS dynamic map answers any peer, in main mode too, and takes the
    /// initiator's proxy identities when they lie within its selectors.
    #[test]
    fn dynamic_maps_accept_narrower_proxy_identities() {
        let a = peer("spoke", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let mut hub = mirror(&a, "dyn");
        hub.kind = TunnelKind::OnDemand;
        hub.remote = None;
        hub.remote_id = Identity::Any;
        hub.dynamic = true;
        hub.children[0].local_ts = Selector { net: Prefix4 { addr: Ipv4Addr::new(203, 0, 113, 0), len: 24 }, proto: 0, port: 0 };
        hub.children[0].remote_ts = Selector::ANY;
        let mut p = Pair::new(a, hub);
        p.run();
        let c = &p.b.child_sas()[0];
        assert_eq!(c.remote_ts.net, Prefix4 { addr: Ipv4Addr::new(198, 51, 100, 1), len: 32 });
        assert_eq!(c.local_ts.net, Prefix4 { addr: Ipv4Addr::new(203, 0, 113, 1), len: 32 });
        assert_eq!(p.a.child_sas().len(), 1);
    }

    #[test]
    fn nat_is_detected_and_ike_floats_to_4500() {
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let b = mirror(&a, "t");
        let mut pa = Endpoint::new(1);
        let mut pb = Endpoint::new(2);
        pb.set_config(0, EngineConf { peers: vec![b], notes: vec![] });
        pa.set_config(0, EngineConf { peers: vec![a], notes: vec![] });
        // A NAT rewrites A's source port 500 -> 1500 and 4500 -> 14500.
        for _ in 0..50 {
            while let Some(t) = pa.poll_transmit() {
                let mut src = t.src;
                src.set_port(src.port() + if src.port() == 500 { 1000 } else { 10000 });
                pb.handle(0, t.dst, src, &t.data);
            }
            while let Some(t) = pb.poll_transmit() {
                let mut dst = t.dst;
                dst.set_port(if dst.port() == 1500 { 500 } else { 4500 });
                pa.handle(0, dst, t.src, &t.data);
            }
        }
        assert_eq!(pa.child_sas().len(), 1);
        assert!(pa.child_sas()[0].encap);
        assert_eq!(pb.child_sas()[0].remote.port(), 14500);
        assert_eq!(pa.ike_sas()[0].local.port(), 4500);
    }

    /// Every message of real exchanges (main, aggressive, quick, informational)
    /// mutated at random on the wire: no panic, and the engines stay usable.
    #[test]
    fn mutated_exchanges_never_panic() {
        use rand::{RngExt, SeedableRng};
        let mut rng = StdRng::seed_from_u64(11);
        for round in 0..400u64 {
            let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 1);
            if round % 2 == 1 {
                a.mode = ExchangeMode::Aggressive;
                a.children[0].pfs = Some(1);
            }
            let b = mirror(&a, "t");
            let mut pa = Endpoint::new(round);
            let mut pb = Endpoint::new(round + 1000);
            pb.set_config(0, EngineConf { peers: vec![b], notes: vec![] });
            pa.set_config(0, EngineConf { peers: vec![a], notes: vec![] });
            let mut now = 0;
            for _ in 0..40 {
                let mut moved = false;
                for (from, to) in [(0, 1), (1, 0)] {
                    let (src, dst) = if from == 0 { (&mut pa, &mut pb) } else { (&mut pb, &mut pa) };
                    let out: Vec<Transmit> = std::iter::from_fn(|| src.poll_transmit()).collect();
                    let _ = to;
                    for t in out {
                        moved = true;
                        let mut d = t.data.clone();
                        if rng.random_range(0..3) == 0 && !d.is_empty() {
                            for _ in 0..rng.random_range(1..4) {
                                let at = rng.random_range(0..d.len());
                                d[at] = rng.random();
                            }
                            if rng.random_range(0..4) == 0 {
                                d.truncate(rng.random_range(0..d.len()));
                            }
                        }
                        dst.handle(now, t.dst, t.src, &d);
                    }
                }
                if !moved {
                    now += 5_000;
                    pa.handle_timeout(now);
                    pb.handle_timeout(now);
                }
                while pa.poll_event().is_some() {}
                while pb.poll_event().is_some() {}
                pa.check_index();
                pb.check_index();
            }
        }
    }

    /// Issue 14.1: a copy of the message that closed an exchange (MM6, AM3, QM3)
    /// must not be answered, or the two sides ping-pong forever.
    #[test]
    fn a_duplicated_closing_message_starts_no_loop() {
        for aggressive in [false, true] {
            let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 14);
            if aggressive {
                a.mode = ExchangeMode::Aggressive;
            }
            let b = mirror(&a, "t");
            let mut p = Pair::new(a, b);
            // Bring the tunnel up, keeping a copy of everything each side sent.
            let (mut from_a, mut from_b) = (Vec::new(), Vec::new());
            for _ in 0..50 {
                let ta: Vec<Transmit> = std::iter::from_fn(|| p.a.poll_transmit()).collect();
                let tb: Vec<Transmit> = std::iter::from_fn(|| p.b.poll_transmit()).collect();
                if ta.is_empty() && tb.is_empty() {
                    break;
                }
                for t in ta {
                    p.b.handle(p.now, t.dst, t.src, &t.data);
                    from_a.push(t);
                }
                for t in tb {
                    p.a.handle(p.now, t.dst, t.src, &t.data);
                    from_b.push(t);
                }
            }
            assert_eq!(p.a.child_sas().len(), 1);
            // Replay every message once, as a duplicating network would, at once and a second later.
            for delay in [0, 1_500] {
                p.now += delay;
                for t in from_b.iter() {
                    p.a.handle(p.now, t.dst, t.src, &t.data);
                }
                for t in from_a.iter() {
                    p.b.handle(p.now, t.dst, t.src, &t.data);
                }
            }
            let mut sent = 0;
            for _ in 0..1000 {
                let ta: Vec<Transmit> = std::iter::from_fn(|| p.a.poll_transmit()).collect();
                let tb: Vec<Transmit> = std::iter::from_fn(|| p.b.poll_transmit()).collect();
                if ta.is_empty() && tb.is_empty() {
                    break;
                }
                sent += ta.len() + tb.len();
                for t in ta {
                    p.b.handle(p.now, t.dst, t.src, &t.data);
                }
                for t in tb {
                    p.a.handle(p.now, t.dst, t.src, &t.data);
                }
            }
            // Only the responder answers the copies of requests it answered (MM1, MM3, MM5 / AM1 / QM1), once each per second.
            assert!(sent <= 2 * (from_a.len() + from_b.len()), "aggressive {aggressive}: {sent} packets after the replay");
            assert!(p.a.stats.rx_duplicates > 0, "the initiator counts the copies it ignored");
            assert_eq!(p.a.child_sas().len(), 1);
            assert_eq!(p.b.child_sas().len(), 1);
        }
    }

    /// Random duplication and reordering on the link never makes the two
    /// sides send more than a bounded number of packets, and the tunnel comes up.
    #[test]
    fn duplication_and_reordering_are_bounded() {
        use rand::{RngExt, SeedableRng};
        let mut rng = StdRng::seed_from_u64(14);
        for round in 0..60u64 {
            let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
            if round % 2 == 1 {
                a.mode = ExchangeMode::Aggressive;
                a.children[0].pfs = Some(2);
            }
            let b = mirror(&a, "t");
            let mut pa = Endpoint::new(round);
            let mut pb = Endpoint::new(round + 500);
            pb.set_config(0, EngineConf { peers: vec![b], notes: vec![] });
            pa.set_config(0, EngineConf { peers: vec![a], notes: vec![] });
            let mut now = 0;
            let mut sent = 0usize;
            // A link that holds packets in flight, duplicates some and delivers them in random order.
            let mut link: Vec<(bool, Transmit)> = Vec::new();
            for step in 0..4000 {
                for (to_b, e) in [(true, &mut pa), (false, &mut pb)] {
                    while let Some(t) = e.poll_transmit() {
                        sent += 1;
                        if rng.random_range(0..3) == 0 {
                            for _ in 0..rng.random_range(1..4) {
                                link.push((to_b, t.clone()));
                            }
                        }
                        link.push((to_b, t));
                    }
                }
                if link.is_empty() {
                    now += 1_000;
                    pa.handle_timeout(now);
                    pb.handle_timeout(now);
                    if step > 200 {
                        break;
                    }
                    continue;
                }
                let (to_b, t) = link.swap_remove(rng.random_range(0..link.len()));
                now += rng.random_range(0..50);
                if to_b { pb.handle(now, t.dst, t.src, &t.data) } else { pa.handle(now, t.dst, t.src, &t.data) }
            }
            while pa.poll_event().is_some() {}
            while pb.poll_event().is_some() {}
            assert!(link.is_empty(), "round {round}: the link never went quiet ({} in flight, {sent} sent)", link.len());
            assert!(sent < 200, "round {round}: {sent} packets for one tunnel");
            assert!(!pa.child_sas().is_empty(), "round {round}: no tunnel");
        }
    }

    #[test]
    fn hostile_first_messages_are_bounded_and_never_panic() {
        use rand::{RngExt, SeedableRng};
        let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 2);
        let b = mirror(&a, "t");
        let mut pb = Endpoint::new(2);
        pb.set_config(0, EngineConf { peers: vec![b], notes: vec![] });
        let mut pa = Endpoint::new(1);
        pa.set_config(0, EngineConf { peers: vec![a], notes: vec![] });
        let mm1 = pa.poll_transmit().unwrap();
        let mut rng = StdRng::seed_from_u64(9);
        for i in 0..20_000u32 {
            let mut d = mm1.data.clone();
            d[0..8].copy_from_slice(&i.to_be_bytes().repeat(2));
            if i % 3 != 0 {
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..d.len());
                    d[at] = rng.random();
                }
            }
            pb.handle(0, mm1.dst, mm1.src, &d);
        }
        assert!(pb.ike_sas().len() <= MAX_HALF_OPEN_PER_PEER);
        pb.check_index();
        while pb.poll_transmit().is_some() {}
    }
}
