//! Owns where IKE SAs live: a slab addressed by stable [`SaHandle`]s (a
//! handle stays valid until its SA is removed, whatever else comes and
//! goes), with the two indexes a received message and the `show` commands
//! need: by connection id (`conn`, allocated increasing, so iteration is in
//! creation order) and by initiator cookie.
//!
//! The table is generic over the SA type ([`SaEntry`]): IKEv1 stores its
//! `IkeSa` here today; IKEv2 will plug in either with its own `SaTable` of
//! v2 SAs (sharing handles, the cookie/SPI index and the timer table of
//! [`super::timers`], whose keys are handles), or by making the stored type
//! an enum of the two versions. Nothing in the table knows an exchange.
//!
//! Every mutable access (`table[h]` as a place, insert, remove) records the
//! handle as *dirty*; the endpoint recomputes the deadlines of dirty SAs in
//! the timer table once per input, so a deadline can never be forgotten.

use super::conf::{EspProp, IkeProp, Selector};
use super::crypto::{CipherAlg, DhSecret, HashAlg, hex};
use super::params::{Millis, REKEY_AT, RETRANSMIT_TRIES};
pub use super::types::SaKeys;
use super::types::{P1State, Role};
use super::wire::{IdRepr, ProposalRepr};
use crate::config::{EspAuth, EspEncr, ExchangeMode};
use slab::Slab;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddrV4;

/// A stable reference to an SA in an [`SaTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaHandle(usize);

/// What the table needs to know of an SA to index it.
pub trait SaEntry {
    /// The connection id (unique, allocated increasing).
    fn conn(&self) -> u32;
    /// The initiator's cookie (IKEv1) or SPI (IKEv2); fixed once inserted.
    fn icookie(&self) -> [u8; 8];
}

pub struct SaTable<T> {
    slab: Slab<T>,
    by_conn: BTreeMap<u32, SaHandle>,
    by_cookie: HashMap<[u8; 8], Vec<SaHandle>>,
    dirty: Vec<SaHandle>,
}

impl<T> Default for SaTable<T> {
    fn default() -> Self {
        SaTable { slab: Slab::new(), by_conn: BTreeMap::new(), by_cookie: HashMap::new(), dirty: Vec::new() }
    }
}

impl<T: SaEntry> SaTable<T> {
    pub fn insert(&mut self, sa: T) -> SaHandle {
        let (conn, ic) = (sa.conn(), sa.icookie());
        let h = SaHandle(self.slab.insert(sa));
        self.by_conn.insert(conn, h);
        self.by_cookie.entry(ic).or_default().push(h);
        self.dirty.push(h);
        h
    }

    pub fn remove(&mut self, h: SaHandle) -> T {
        let sa = self.slab.remove(h.0);
        self.by_conn.remove(&sa.conn());
        if let std::collections::hash_map::Entry::Occupied(mut e) = self.by_cookie.entry(sa.icookie()) {
            e.get_mut().retain(|&x| x != h);
            if e.get().is_empty() {
                e.remove();
            }
        }
        self.dirty.push(h);
        sa
    }

    pub fn get(&self, h: SaHandle) -> Option<&T> {
        self.slab.get(h.0)
    }

    pub fn contains(&self, h: SaHandle) -> bool {
        self.slab.contains(h.0)
    }

    /// The SA with this connection id.
    pub fn handle_of(&self, conn: u32) -> Option<SaHandle> {
        self.by_conn.get(&conn).copied()
    }

    /// The SAs with this initiator cookie, oldest first.
    pub fn with_cookie(&self, ic: &[u8; 8]) -> impl Iterator<Item = SaHandle> + '_ {
        self.by_cookie.get(ic).into_iter().flatten().copied()
    }

    /// The SAs, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.by_conn.values().map(|h| &self.slab[h.0])
    }

    /// The SAs with their handles, oldest first.
    pub fn handles(&self) -> impl DoubleEndedIterator<Item = (SaHandle, &T)> + '_ {
        self.by_conn.values().map(|h| (*h, &self.slab[h.0]))
    }

    /// The oldest SA for which `f` holds.
    pub fn find(&self, mut f: impl FnMut(&T) -> bool) -> Option<SaHandle> {
        self.slab.iter().filter(|(_, s)| f(s)).min_by_key(|(_, s)| s.conn()).map(|(k, _)| SaHandle(k))
    }

    /// The SAs in no particular order (a scan of the slab: faster than
    /// [`SaTable::iter`] where the order does not matter).
    pub fn scan(&self) -> impl Iterator<Item = &T> + '_ {
        self.slab.iter().map(|(_, s)| s)
    }

    /// The connection ids of the SAs for which `f` holds, oldest first.
    pub fn conns_where(&self, mut f: impl FnMut(&T) -> bool) -> Vec<u32> {
        let mut v: Vec<u32> = self.scan().filter(|s| f(s)).map(|s| s.conn()).collect();
        v.sort_unstable();
        v
    }

    pub fn first(&self) -> Option<&T> {
        self.iter().next()
    }

    pub fn len(&self) -> usize {
        self.slab.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    /// The handles changed since the last call (possibly repeated, possibly removed).
    pub(crate) fn take_dirty(&mut self) -> Vec<SaHandle> {
        std::mem::take(&mut self.dirty)
    }

    /// Test support: the indexes agree with the slab.
    #[cfg(test)]
    pub(crate) fn check(&self) {
        assert_eq!(self.by_conn.len(), self.slab.len(), "conn index size");
        let indexed: usize = self.by_cookie.values().map(Vec::len).sum();
        assert_eq!(indexed, self.slab.len(), "cookie index size");
        for (h, s) in self.handles() {
            assert_eq!(self.by_conn.get(&s.conn()), Some(&h));
            assert!(self.by_cookie.get(&s.icookie()).is_some_and(|v| v.contains(&h)), "SA {} not indexed", s.conn());
        }
    }
}

impl<T> std::ops::Index<SaHandle> for SaTable<T> {
    type Output = T;
    fn index(&self, h: SaHandle) -> &T {
        &self.slab[h.0]
    }
}

impl<T> std::ops::IndexMut<SaHandle> for SaTable<T> {
    fn index_mut(&mut self, h: SaHandle) -> &mut T {
        // Runs of accesses to one SA are marked once.
        if self.dirty.last() != Some(&h) {
            self.dirty.push(h);
        }
        &mut self.slab[h.0]
    }
}

impl<'a, T: SaEntry> IntoIterator for &'a SaTable<T> {
    type Item = &'a T;
    type IntoIter = Box<dyn Iterator<Item = &'a T> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

// ------------------------------------------------------------ SA types

/// Sixteenths of the sequence space after which a child is rekeyed ([`ChildSa::seq_due`]).
pub(in crate::ike) const SEQ_REKEY_AT: u128 = 15;

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
    /// Transport mode (issue 19): the payload is the packet's own, its IP
    /// header (between the two end points) is kept; else tunnel mode.
    pub transport: bool,
    pub local_ts: Selector,
    pub remote_ts: Selector,
    pub spi_in: u32,
    pub spi_out: u32,
    pub proposal: String,
    pub esp: Option<(EspEncr, Option<EspAuth>)>,
    pub ah: Option<EspAuth>,
    /// The AH SA of an AH+ESP bundle, beside the ESP one (`spi_*`, `keys_*`).
    pub ah_part: Option<AhPart>,
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
    /// Inbound anti-replay window (packets; 0: no anti-replay check, as IOS
    /// runs manual SAs). Negotiated SAs: their [`super::conf::ChildConf::replay_window`].
    pub replay_window: u32,
    /// Extended Sequence Numbers negotiated (RFC 4303 2.2.1): 64-bit
    /// counters, the high half authenticated; the dataplane's SAs run them.
    pub esn: bool,
    pub(in crate::ike) rekeyed: bool,
}

/// The AH half of an AH+ESP bundle (RFC 2409 5.5: each protocol of a
/// bundle has its own SPI and its own key material, made with its own
/// protocol number). Our inbound AH SPI is the child's `spi_in` (one SPI
/// offered for both protocols, as IOS does); the peer's may differ. A
/// child of AH alone has no `AhPart`: its AH SPIs and key are the child's
/// `spi_in`/`spi_out` and `keys_*.auth`.
#[derive(Clone, PartialEq, Eq)]
pub struct AhPart {
    pub spi_out: u32,
    pub key_in: Vec<u8>,
    pub key_out: Vec<u8>,
}

impl std::fmt::Debug for AhPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AhPart(spi_out 0x{:08x}, <keys>)", self.spi_out)
    }
}

/// A child SA with placeholder values, for tests outside `ike` (routes).
#[cfg(test)]
impl ChildSa {
    pub(crate) fn test_value() -> ChildSa {
        let a = SocketAddrV4::new(std::net::Ipv4Addr::new(192, 0, 2, 1), 4500);
        let b = SocketAddrV4::new(std::net::Ipv4Addr::new(192, 0, 2, 2), 4500);
        let k = SaKeys { encr: vec![0; 16], auth: vec![0; 20] };
        ChildSa {
            id: 1,
            ike: 1,
            tunnel: String::new(),
            policy: String::new(),
            child: 0,
            local: a,
            remote: b,
            encap: true,
            transport: false,
            local_ts: Selector::ANY,
            remote_ts: Selector::ANY,
            spi_in: 1,
            spi_out: 2,
            proposal: String::new(),
            esp: None,
            ah: None,
            ah_part: None,
            pfs: None,
            lifetime_seconds: 3600,
            lifetime_kbytes: None,
            created: 0,
            role: Role::Initiator,
            keys_in: k.clone(),
            keys_out: k,
            bytes_in: 0,
            bytes_out: 0,
            packets_in: 0,
            packets_out: 0,
            replay_window: 64,
            esn: false,
            rekeyed: false,
        }
    }
}

impl ChildSa {
    /// The peer's SPI of each protocol of this child (AH before ESP), for
    /// deletes and the shows.
    pub fn spis_out(&self) -> Vec<(u8, u32)> {
        match (&self.ah_part, self.esp.is_some()) {
            (Some(a), _) => {
                vec![(crate::ike::wire::proto::AH, a.spi_out), (crate::ike::wire::proto::ESP, self.spi_out)]
            }
            (None, true) => vec![(crate::ike::wire::proto::ESP, self.spi_out)],
            (None, false) => vec![(crate::ike::wire::proto::AH, self.spi_out)],
        }
    }

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
    pub(in crate::ike) fn kbytes_expired(&self) -> bool {
        self.remaining_kbytes() == Some(0)
    }
    /// The share of the kilobyte lifetime at which the initiator rekeys has passed.
    pub(in crate::ike) fn kbytes_due(&self) -> bool {
        self.lifetime_kbytes.is_some_and(|k| self.bytes_in.max(self.bytes_out) >= k * 1024 * REKEY_AT / 1000)
    }
    /// The outbound sequence numbers are running out (RFC 4303 3.3.3: a
    /// counter never cycles, the SA is replaced first): [`SEQ_REKEY_AT`] of
    /// the 2^32 numbers sent, or of 2^64 with ESN. Either side rekeys then,
    /// whatever its role: its own counter is the one running out.
    pub(in crate::ike) fn seq_due(&self) -> bool {
        let space: u128 = if self.esn { 1 << 64 } else { 1 << 32 };
        u128::from(self.packets_out) >= space / 16 * SEQ_REKEY_AT
    }
}

/// The phase-1 keys (RFC 2409 5): SKEYID, SKEYID_d (child SA keys),
/// SKEYID_a (the HASHes of quick mode and informational exchanges) and the
/// encryption key expanded from SKEYID_e.
#[derive(Clone)]
pub(in crate::ike) struct P1Keys {
    pub(in crate::ike) skeyid: Vec<u8>,
    pub(in crate::ike) d: Vec<u8>,
    pub(in crate::ike) a: Vec<u8>,
    pub(in crate::ike) enc: Vec<u8>,
}

/// The phase-1 state of an IKEv1 SA, each variant owning what is valid in
/// it (rustls's states as types): the negotiation exists until phase 1 is
/// up, the keys from the key exchange on, the CBC IV chain of phase 1
/// while it runs and its last block (the base of every later exchange's
/// IV) once it is up. Which message is expected next is [`IkeSa::state`]
/// (the names IOS shows) with the role.
pub(in crate::ike) enum Phase1 {
    /// Before the keys: the initiator's SA payload, our DH secret and the
    /// public values and nonces exchanged so far.
    Negotiating(Box<Negotiation>),
    /// Keys derived (main mode from MM3/MM4, aggressive mode from AM1/AM2),
    /// authentication pending: the negotiation (HASH_I and HASH_R cover
    /// it), the keys and the IV of the next encrypted message.
    Keyed { nego: Box<Negotiation>, keys: P1Keys, iv: Vec<u8> },
    /// Phase 1 is up: the keys, and the last CBC block of phase 1. The DH
    /// secret, public values and nonces are gone.
    Established { keys: P1Keys, p1_last: Vec<u8> },
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
pub(in crate::ike) struct Replay {
    pub(in crate::ike) answered: bool,
    pub(in crate::ike) count: u32,
    pub(in crate::ike) last: Option<Millis>,
}

/// Copies of one request answered again at most this often ...
pub const REPLAY_ANSWERS: u32 = RETRANSMIT_TRIES;

/// ... and no more than once in this long.
pub const REPLAY_GAP: Millis = 1_000;

impl Replay {
    pub(in crate::ike) fn allow(&mut self, now: Millis) -> bool {
        if !self.answered || self.count >= REPLAY_ANSWERS || self.last.is_some_and(|t| now < t + REPLAY_GAP) {
            return false;
        }
        self.count += 1;
        self.last = Some(now);
        true
    }
}

/// A quick-mode exchange in progress.
pub(in crate::ike) struct Quick {
    /// The tunnel the exchange was matched to when it is not the IKE SA's
    /// own: as responder, another tunnel to the same peer whose selectors
    /// mirror the proxy identities (several tunnels to one peer share one
    /// phase 1, as on IOS with several crypto-map entries).
    pub(in crate::ike) tunnel: Option<String>,
    pub(in crate::ike) msgid: u32,
    pub(in crate::ike) role: Role,
    pub(in crate::ike) child: usize,
    pub(in crate::ike) iv: Vec<u8>,
    pub(in crate::ike) ni: Vec<u8>,
    pub(in crate::ike) spi_in: u32,
    /// Where the exchange is, with what is valid there.
    pub(in crate::ike) step: QuickStep,
    pub(in crate::ike) last_sent: Option<Vec<u8>>,
    pub(in crate::ike) last_recv: Option<Vec<u8>>,
    /// Copies of `last_recv` answered again with `last_sent` (bounded, see [`Replay`]).
    pub(in crate::ike) replay: Replay,
    pub(in crate::ike) retries: u32,
    pub(in crate::ike) timer: Option<Millis>,
    pub(in crate::ike) rekey_of: Option<u32>,
    /// The selectors agreed (local, remote) when they were narrowed from the configuration.
    pub(in crate::ike) sel: Option<(Selector, Selector)>,
    /// The peer's SPI for each protocol of the agreed proposal (AH and ESP
    /// of a bundle may differ), once known.
    pub(in crate::ike) peer_spis: Vec<(u8, u32)>,
}

/// A quick mode this side finished on an IKE SA, remembered a while (RFC
/// 2409 5.5): the initiator's closing QM3 may be lost, and the responder
/// then retransmits QM2. As strongSwan keeps the last message of a finished
/// three-message exchange and answers a copy of the response it closed with
/// it, the initiator answers an identical QM2 with its QM3 again; any other
/// message under a finished message ID (a copy of QM1 or QM3, or a different
/// message: not a retransmission) is dropped instead of being taken for a
/// new exchange. Kept in a [`QuickDoneList`].
pub(in crate::ike) struct QuickDone {
    /// What the messages received in it are recognised by ([`msg_digest`]):
    /// the QM2 our `reply` answers (initiator), QM1 and QM3 (responder).
    pub(in crate::ike) seen: [Option<MsgDigest>; 2],
    /// The QM3 we sent (initiator only), for a copy of the QM2 `seen[0]`.
    pub(in crate::ike) reply: Option<Box<[u8]>>,
    /// Copies of the QM2 answered again (bounded, see [`Replay`]).
    pub(in crate::ike) replay: Replay,
    pub(in crate::ike) at: Millis,
}

/// A message as a later copy is recognised: the first half of its SHA-256.
pub(in crate::ike) type MsgDigest = [u8; 16];

pub(in crate::ike) fn msg_digest(m: &[u8]) -> MsgDigest {
    let h = HashAlg::Sha256.hash(&[m]);
    let mut d = [0u8; 16];
    d.copy_from_slice(&h[..16]);
    d
}

/// The quick modes finished on an IKE SA, by message ID, each for
/// [`QUICK_DONE_FOR`] and at most [`QUICK_DONE_KEEP`] (the oldest goes
/// first). What it holds is bounded by how many quick modes an SA can
/// finish in that time (ours are paced, [`super::params::V1_QUICK_LIMIT`]):
/// about 100 bytes each, plus the QM3 of those we began.
#[derive(Default)]
pub(in crate::ike) struct QuickDoneList {
    by_msgid: HashMap<u32, QuickDone>,
    order: std::collections::VecDeque<u32>,
}

impl QuickDoneList {
    pub(in crate::ike) fn get_mut(&mut self, msgid: u32) -> Option<&mut QuickDone> {
        self.by_msgid.get_mut(&msgid)
    }
    pub(in crate::ike) fn contains(&self, msgid: u32) -> bool {
        self.by_msgid.contains_key(&msgid)
    }
    #[cfg(test)]
    pub(in crate::ike) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
    /// Remember the quick mode `msgid` finished at `now` (within the bounds).
    pub(in crate::ike) fn insert(&mut self, now: Millis, msgid: u32, d: QuickDone) {
        self.forget(now);
        while self.order.len() >= QUICK_DONE_KEEP {
            if let Some(old) = self.order.pop_front() {
                self.by_msgid.remove(&old);
            }
        }
        if self.by_msgid.insert(msgid, d).is_none() {
            self.order.push_back(msgid);
        }
    }
    /// Forget those finished [`QUICK_DONE_FOR`] ago or longer.
    pub(in crate::ike) fn forget(&mut self, now: Millis) {
        while let Some(&m) = self.order.front() {
            if self.by_msgid.get(&m).is_some_and(|d| now < d.at + QUICK_DONE_FOR) {
                break;
            }
            self.order.pop_front();
            self.by_msgid.remove(&m);
        }
    }
}

/// Finished quick modes remembered per IKE SA at most (a burst of children
/// over one SA finishes hundreds a second) ...
pub const QUICK_DONE_KEEP: usize = 4_096;

/// ... and for at most this long: past the last QM2 retransmission of a
/// responder that never saw our QM3 (ours: at 4, 12, 28, 60 and 124 s;
/// strongSwan's defaults: 5 retransmissions, the last at about 90 s).
pub const QUICK_DONE_FOR: Millis = 150_000;

/// The state of a quick mode, each variant owning what is valid in it.
pub(in crate::ike) enum QuickStep {
    /// We offered (QM1 sent) and await QM2: our DH secret (PFS), and the
    /// lifetimes a RESPONDER-LIFETIME notify in QM2 announced.
    Offered { dh: Option<DhSecret>, chosen: Option<(EspProp, ProposalRepr)> },
    /// The proposal is agreed: the responder sent QM2 and awaits QM3, or
    /// the initiator took QM2. The responder's nonce, the PFS shared secret
    /// and the agreed proposal (ours, and the peer's with its SPI): what
    /// the keys are made of.
    Agreed { nr: Vec<u8>, gxy: Option<Vec<u8>>, chosen: (EspProp, ProposalRepr) },
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
    /// What is valid in the phase-1 state the SA is in: the negotiation,
    /// then the keys, then only the keys ([`Phase1`]).
    pub(in crate::ike) phase: Phase1,
    pub(in crate::ike) last_sent: Option<Vec<u8>>,
    pub(in crate::ike) last_recv: Option<Vec<u8>>,
    /// Whether `last_sent` answers `last_recv`, and how often a copy was answered again.
    pub(in crate::ike) replay: Replay,
    pub(in crate::ike) retries: u32,
    pub(in crate::ike) timer: Option<Millis>,
    pub(in crate::ike) quick: Vec<Quick>,
    /// Quick modes finished on this SA, oldest first ([`QuickDone`]).
    pub(in crate::ike) quick_done: QuickDoneList,
    pub(in crate::ike) dpd_seq: u32,
    pub(in crate::ike) dpd_outstanding: u32,
    pub(in crate::ike) dpd_timer: Option<Millis>,
    pub(in crate::ike) deleting: bool,
    /// This SA's main mode carried INITIAL-CONTACT (its MM5 went out with it).
    pub(in crate::ike) initial_contact: bool,
    /// An MM4 held back while a sibling's INITIAL-CONTACT was in flight
    /// (the peer's address, the header, the datagram).
    pub(in crate::ike) held_mm4: Option<Box<(SocketAddrV4, crate::ike::wire::Header, Vec<u8>)>>,
    /// A replacement phase 1 has been started (initiator, at 90 % of the lifetime).
    pub(in crate::ike) rekeyed: bool,
}

/// The state of a phase-1 negotiation in progress: valid from the first
/// message until the SA is established, then dropped (an established SA
/// keeps only its keys).
#[derive(Default)]
pub(in crate::ike) struct Negotiation {
    /// The body of the initiator's SA payload (covered by HASH_I/HASH_R).
    pub(in crate::ike) sa_i_b: Vec<u8>,
    pub(in crate::ike) dh: Option<DhSecret>,
    pub(in crate::ike) gxi: Vec<u8>,
    pub(in crate::ike) gxr: Vec<u8>,
    pub(in crate::ike) ni: Vec<u8>,
    pub(in crate::ike) nr: Vec<u8>,
}

static NO_NEGOTIATION: Negotiation =
    Negotiation { sa_i_b: Vec::new(), dh: None, gxi: Vec::new(), gxr: Vec::new(), ni: Vec::new(), nr: Vec::new() };

impl IkeSa {
    /// Remember a quick mode finished on this SA ([`QuickDone`]): the
    /// messages received in it, and the QM3 that answers a copy of the first
    /// (initiator).
    pub(in crate::ike) fn remember_quick(
        &mut self,
        now: Millis,
        msgid: u32,
        seen: [Option<MsgDigest>; 2],
        reply: Option<Vec<u8>>,
    ) {
        let replay = Replay { answered: reply.is_some(), ..Replay::default() };
        let reply = reply.map(Vec::into_boxed_slice);
        self.quick_done.insert(now, msgid, QuickDone { seen, reply, replay, at: now });
    }
    /// The negotiation in progress (empty values once established).
    pub(in crate::ike) fn nego(&self) -> &Negotiation {
        match &self.phase {
            Phase1::Negotiating(n) | Phase1::Keyed { nego: n, .. } => n,
            Phase1::Established { .. } => &NO_NEGOTIATION,
        }
    }
    /// The negotiation in progress, to write (none once established).
    pub(in crate::ike) fn nego_mut(&mut self) -> Option<&mut Negotiation> {
        match &mut self.phase {
            Phase1::Negotiating(n) | Phase1::Keyed { nego: n, .. } => Some(n),
            Phase1::Established { .. } => None,
        }
    }
    /// The phase-1 keys, once derived.
    pub(in crate::ike) fn keys(&self) -> Option<&P1Keys> {
        match &self.phase {
            Phase1::Negotiating(_) => None,
            Phase1::Keyed { keys, .. } | Phase1::Established { keys, .. } => Some(keys),
        }
    }
    /// The cipher and PRF of the chosen proposal.
    pub(in crate::ike) fn cipher(&self) -> Option<CipherAlg> {
        self.chosen.as_ref().map(IkeProp::cipher)
    }
    pub(in crate::ike) fn hash(&self) -> Option<HashAlg> {
        self.chosen.as_ref().map(IkeProp::hash_alg)
    }
    /// The phase-1 encryption key (empty before the keys).
    pub(in crate::ike) fn enc_key(&self) -> &[u8] {
        self.keys().map(|k| k.enc.as_slice()).unwrap_or(&[])
    }
    /// The IV of the next phase-1 message (after phase 1: its last block).
    pub(in crate::ike) fn iv(&self) -> &[u8] {
        match &self.phase {
            Phase1::Negotiating(_) => &[],
            Phase1::Keyed { iv, .. } => iv,
            Phase1::Established { p1_last, .. } => p1_last,
        }
    }
    /// Set the IV of the next phase-1 message (meaningful once keyed).
    pub(in crate::ike) fn set_iv(&mut self, v: Vec<u8>) {
        if let Phase1::Keyed { iv, .. } = &mut self.phase {
            *iv = v;
        }
    }
    /// The last CBC block of phase 1 (empty until phase 1 is up). The
    /// exchanges use [`IkeSa::iv`], the phase-1 IV so far (RFC 2409 appendix B).
    #[cfg(test)]
    pub(in crate::ike) fn p1_last(&self) -> &[u8] {
        match &self.phase {
            Phase1::Established { p1_last, .. } => p1_last,
            _ => &[],
        }
    }
    /// The keys are derived: the negotiation moves on to [`Phase1::Keyed`].
    pub(in crate::ike) fn keyed(&mut self, keys: P1Keys, iv: Vec<u8>) {
        let nego = match std::mem::replace(&mut self.phase, Phase1::Negotiating(Box::default())) {
            Phase1::Negotiating(n) | Phase1::Keyed { nego: n, .. } => n,
            Phase1::Established { .. } => Box::default(),
        };
        self.phase = Phase1::Keyed { nego, keys, iv };
    }
    /// Phase 1 is up: the negotiation goes, the keys and the last IV stay.
    pub(in crate::ike) fn establish_keys(&mut self) {
        self.phase = match std::mem::replace(&mut self.phase, Phase1::Negotiating(Box::default())) {
            Phase1::Keyed { keys, iv, .. } => Phase1::Established { keys, p1_last: iv },
            other => other,
        };
    }
}

impl SaEntry for IkeSa {
    fn conn(&self) -> u32 {
        self.conn
    }
    fn icookie(&self) -> [u8; 8] {
        self.icookie
    }
}

impl IkeSa {
    /// The key tshark needs to decrypt this SA's messages (`isakmp_decryption_table`).
    pub fn tshark_key(&self) -> Option<(String, String)> {
        if self.enc_key().is_empty() {
            return None;
        }
        Some((hex(&self.icookie), hex(self.enc_key())))
    }
    /// A responder SA that answered a first message and never heard back
    /// (anyone can send a first message from any address; an answer proves
    /// the peer got ours).
    pub fn unanswered(&self) -> bool {
        self.role == Role::Responder && matches!(self.state, P1State::MmSaSetup | P1State::AgInitExch)
    }
    pub fn is_established(&self) -> bool {
        self.state == P1State::QmIdle
    }
    pub fn expires(&self) -> Millis {
        self.established.unwrap_or(self.created) + self.lifetime as u64 * 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The finished quick modes an SA remembers are bounded in number (the
    /// oldest goes first) and in time.
    #[test]
    fn finished_quick_modes_are_bounded_in_number_and_time() {
        let done =
            |at| QuickDone { seen: [Some(msg_digest(b"qm2")), None], reply: None, replay: Replay::default(), at };
        let mut l = QuickDoneList::default();
        for m in 0..QUICK_DONE_KEEP as u32 + 10 {
            l.insert(m as Millis, m, done(m as Millis));
        }
        assert_eq!(l.order.len(), QUICK_DONE_KEEP);
        assert_eq!(l.by_msgid.len(), QUICK_DONE_KEEP);
        assert!(!l.contains(9) && l.contains(10) && l.contains(QUICK_DONE_KEEP as u32 + 9));
        l.forget(10 + QUICK_DONE_FOR);
        assert!(!l.contains(10) && l.contains(11));
        l.forget(QUICK_DONE_KEEP as Millis + 9 + QUICK_DONE_FOR);
        assert!(l.is_empty() && l.by_msgid.is_empty());
    }

    struct S(u32, [u8; 8]);
    impl SaEntry for S {
        fn conn(&self) -> u32 {
            self.0
        }
        fn icookie(&self) -> [u8; 8] {
            self.1
        }
    }

    #[test]
    fn handles_stay_valid_and_order_is_by_conn() {
        let mut t = SaTable::default();
        let a = t.insert(S(1, [1; 8]));
        let b = t.insert(S(2, [2; 8]));
        let c = t.insert(S(3, [1; 8]));
        t.remove(a);
        // The freed slot is reused: the new SA comes first in the slab, last in conn order.
        let d = t.insert(S(4, [4; 8]));
        assert_eq!((t[b].0, t[c].0, t[d].0), (2, 3, 4), "handles still name their SAs");
        assert_eq!(t.iter().map(|s| s.0).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(t.with_cookie(&[1; 8]).collect::<Vec<_>>(), vec![c]);
        assert_eq!(t.handle_of(3), Some(c));
        assert_eq!(t.find(|s| s.0 >= 3), Some(c), "the oldest match");
        assert_eq!(t.conns_where(|s| s.0 != 3), vec![2, 4]);
        let dirty = t.take_dirty();
        assert!(dirty.contains(&a) && dirty.contains(&d));
        let _ = &mut t[b];
        assert_eq!(t.take_dirty(), vec![b], "a mutable access marks the SA");
        t.check();
    }
}
