//! The IKE endpoint: the event-driven core the router drives, and the thin
//! dispatcher around the exchanges. It owns the public API, the SAs (in
//! [`super::sa::SaTable`], by stable handle), the child SAs, the one timer
//! table ([`super::timers`]) and the context every exchange works with
//! ([`Ctx`], [`super::context`]: now, RNG, transmit queue, events,
//! configuration, counters); it demultiplexes each datagram by version and
//! cookies to its SA and exchange, each expiry to what is due, and applies
//! configuration and `clear` commands. The IKEv1 exchanges themselves (RFC
//! 2407, 2408, 2409, 3947, 3706) are functions over the context and one SA
//! in [`super::v1`], one module each; `endpoint/v1_dispatch.rs` runs them
//! and does what reaches beyond one SA. IKEv2 runs in [`super::v2`],
//! dispatched from here on the header's version.
//!
//! Like quinn-proto it does no I/O and reads no clock: the caller feeds it
//! datagrams ([`Endpoint::handle`]), timer expiries ([`Endpoint::handle_timeout`])
//! and configuration ([`Endpoint::set_config`]), and drains datagrams to send
//! ([`Endpoint::poll_transmit`]), events ([`Endpoint::poll_event`]) and the
//! next deadline ([`Endpoint::poll_timeout`]). Times are milliseconds on the
//! caller's clock (real or virtual); randomness comes from a seeded RNG, so
//! a simulated network replays byte for byte.

use super::conf::*;
use super::context::Ctx;
use super::events::*;
use super::sa::{SaHandle, SaTable};
use super::timers::{TimerKey, Timers, child_deadline, sa_deadline};
use super::wire::{self, Header, WireError, exchange, notify};
use crate::config::IkeVersion;
use std::collections::VecDeque;
// What the tests (`endpoint/tests.rs`, `use super::*`) take from here.
#[cfg(test)]
use rand::rngs::StdRng;
use std::net::{Ipv4Addr, SocketAddrV4};

// The public paths of what moved out of this file.
pub use super::context::Stats;
pub use super::matching::{id_selector, identity_match};
pub use super::sa::{ChildSa, IkeSa, QUICK_DONE_FOR, QUICK_DONE_KEEP, REPLAY_ANSWERS, REPLAY_GAP, SaKeys};
pub use super::v1::proposals::{auth_key_len, esp_key_len};

pub use super::params::*;

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Endpoint({} peers, {} IKE SAs, {} IPsec SAs)",
            self.ctx.conf.peers.len(),
            self.sas.len(),
            self.children.len()
        )
    }
}

/// A quick mode waiting for a slot: child `child` of `tunnel` over the IKE
/// SA `sa` (its `conn`, should the handle be reused), replacing `rekey_of`.
pub(in crate::ike) struct QuickStart {
    pub(in crate::ike) sa: SaHandle,
    pub(in crate::ike) conn: u32,
    pub(in crate::ike) tunnel: String,
    pub(in crate::ike) child: usize,
    pub(in crate::ike) rekey_of: Option<u32>,
}

/// The engine.
pub struct Endpoint {
    /// What every exchange works with besides its SA.
    pub(in crate::ike) ctx: Ctx,
    /// The IKE SAs by stable handle (iterated in `conn` order; indexed by cookie).
    pub(in crate::ike) sas: SaTable<IkeSa>,
    /// Every deadline (SAs, children, retries, paced starts).
    pub(in crate::ike) timers: Timers,
    /// The child SAs in order, indexed by SPI (`ike/children.rs`).
    pub(in crate::ike) children: super::children::Children,
    pub(in crate::ike) next_conn: u32,
    pub(in crate::ike) next_child: u32,
    /// Tunnels (and child indexes) that want SAs: negotiated when phase 1 is up.
    pub(in crate::ike) wanted: std::collections::HashMap<String, std::collections::BTreeSet<usize>>,
    /// Tunnels waiting to start, in order (paced: at most [`V1_INIT_LIMIT`]
    /// phase-1 initiations unfinished; looked at after every input, and every
    /// [`START_INTERVAL`] while some wait).
    pub(in crate::ike) start_queue: VecDeque<usize>,
    pub(in crate::ike) next_start: Millis,
    /// Phase-1 initiations unfinished at most (0: no limit).
    pub(in crate::ike) v1_init_limit: usize,
    /// Quick modes waiting to start, in order (paced: at most
    /// [`V1_QUICK_LIMIT`] this side began unfinished; looked at after every
    /// input, as slots free up when quick modes finish or fail).
    pub(in crate::ike) quick_queue: VecDeque<QuickStart>,
    /// Quick modes this side began unfinished at most (0: no limit).
    pub(in crate::ike) v1_quick_limit: usize,
    /// The IKEv2 core: peers whose policy is IKEv2 run there (its own SAs and
    /// deadlines); its child SAs are mirrored into `children` so the dataplane
    /// and the shows see one list.
    pub(in crate::ike) v2: super::v2::Core,
    /// [`super::v2::Core::children_fingerprint`] when `children` last mirrored it.
    pub(in crate::ike) v2_fingerprint: u64,
    /// [`Self::local_addrs`], made by [`Self::set_config`].
    local_addrs: Vec<Ipv4Addr>,
    /// What each established IKE SA (by connection id, IKEv1 and IKEv2) has
    /// carried since it came up, told in [`Event::SessionEnd`] when it goes.
    pub(in crate::ike) carried: std::collections::HashMap<u32, Carried>,
}

/// An established IKE SA's record: when it came up and the bytes its child
/// SAs carried (both directions, as the dataplane counted them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(in crate::ike) struct Carried {
    since: Millis,
    bytes_in: u64,
    bytes_out: u64,
}

/// The endpoint reads as its context for the counters (`stats`,
/// `tunnel_stats`), which keep their public paths.
impl std::ops::Deref for Endpoint {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl Endpoint {
    pub fn new(seed: u64) -> Endpoint {
        Endpoint {
            ctx: Ctx::new(seed),
            sas: SaTable::default(),
            timers: Timers::default(),
            children: Default::default(),
            next_conn: 1001,
            next_child: 2001,
            wanted: Default::default(),
            start_queue: VecDeque::new(),
            next_start: 0,
            v1_init_limit: V1_INIT_LIMIT,
            quick_queue: VecDeque::new(),
            v1_quick_limit: V1_QUICK_LIMIT,
            v2: super::v2::Core::new(seed),
            v2_fingerprint: 0,
            local_addrs: Vec::new(),
            carried: Default::default(),
        }
    }

    pub fn conf(&self) -> &EngineConf {
        &self.ctx.conf
    }
    /// A tunnel's peer configuration (by name, indexed).
    pub(in crate::ike) fn pc(&self, name: &str) -> Option<&PeerConf> {
        self.ctx.pc(name)
    }
    /// The IKE SAs, oldest first.
    pub fn ike_sas(&self) -> &SaTable<IkeSa> {
        &self.sas
    }
    pub fn child_sas(&self) -> &[ChildSa] {
        &self.children
    }
    /// Moves whenever a child SA comes or goes (what follows them can skip a round without).
    pub fn children_generation(&self) -> u64 {
        self.children.generation()
    }
    /// The child SA pairs installed and removed since the last call, in
    /// order: (inbound SPI, outbound SPI, installed). None when they were
    /// not all kept (nobody took them for long): compare [`Self::child_sas`] whole.
    pub fn take_child_changes(&mut self) -> Option<Vec<ChildChange>> {
        self.children.take_changes()
    }
    /// The child SA whose inbound (or outbound) SPI is `spi`, found by index.
    pub fn child_by_spi(&self, spi: u32, inbound: bool) -> Option<&ChildSa> {
        self.children.position(spi, inbound).map(|i| &self.children[i])
    }
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.ctx.out.pop_front().or_else(|| self.v2.poll_transmit())
    }
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.ctx.events.pop_front().or_else(|| self.v2.poll_event())?;
        self.follow_session(&e);
        Some(e)
    }

    /// The bytes (in, out) an established IKE SA's child SAs have carried
    /// since it came up, those gone included (None before its `Phase1Up`
    /// went out, and once it is gone).
    pub fn carried(&self, conn: u32) -> Option<(u64, u64)> {
        self.carried.get(&conn).map(|c| (c.bytes_in, c.bytes_out))
    }

    /// Keep each established IKE SA's [`Carried`] record as its events go
    /// out: opened at phase 1 up, closed at its removal with an
    /// [`Event::SessionEnd`] queued behind the events already waiting (the
    /// child SAs removed with it come first).
    fn follow_session(&mut self, e: &Event) {
        match e {
            Event::Phase1Up { conn, .. } => {
                let up = match super::v2::is_v2(*conn) {
                    true => self.v2.sas().iter().find(|s| s.conn == *conn).and_then(|s| s.established),
                    false => self.sa_index(*conn).and_then(|i| self.sas[i].established),
                };
                self.carried.insert(*conn, Carried { since: up.unwrap_or(self.ctx.now), ..Default::default() });
            }
            Event::Phase1Down { conn, peer, tunnel, reason, .. } => {
                if let Some(c) = self.carried.remove(conn) {
                    self.ctx.events.push_back(Event::SessionEnd {
                        conn: *conn,
                        peer: *peer,
                        tunnel: tunnel.clone(),
                        reason: *reason,
                        duration_ms: self.ctx.now.saturating_sub(c.since),
                        bytes_in: c.bytes_in,
                        bytes_out: c.bytes_out,
                    });
                }
            }
            _ => {}
        }
    }
    /// The IKEv2 core (its SAs, counters and cookie threshold).
    pub fn v2(&self) -> &super::v2::Core {
        &self.v2
    }
    /// Half-open IKEv2 SAs above which an IKE_SA_INIT must carry a cookie (0: always).
    pub fn set_v2_cookie_threshold(&mut self, n: usize) {
        self.v2.cookie_threshold = n;
    }
    /// Mirror the IKEv2 children into the one list of child SAs (when they
    /// changed): child by child from the core's journal (a pair removed, a
    /// pair installed copied, the IKE SA moves), O(log n) each but for the
    /// list's memmove; the whole IKEv2 part copied anew only when the
    /// journal overflowed. The mirror's counters are its own (the dataplane's
    /// reports count in both), except after a whole copy.
    pub(in crate::ike) fn sync_v2(&mut self) -> Synced {
        self.timers.set(TimerKey::V2, self.v2.poll_timeout());
        let fp = self.v2.children_fingerprint();
        if fp == self.v2_fingerprint {
            return Synced::Nothing;
        }
        self.v2_fingerprint = fp;
        let Some((changes, moves)) = self.v2.children.take_mirror() else {
            self.children.replace_part(|c| super::v2::is_v2(c.ike), self.v2.child_sas().iter().cloned());
            return Synced::Whole;
        };
        for (spi_in, spi_out, installed) in changes {
            if installed {
                // Gone again since (a later entry removes it): nothing to copy.
                if let Some(i) = self.v2.children.position_of_pair(spi_in, spi_out) {
                    self.children.push(self.v2.children[i].clone());
                }
            } else if let Some(i) =
                self.children.position_of_pair(spi_in, spi_out).filter(|&i| super::v2::is_v2(self.children[i].ike))
            {
                self.children.remove(i);
            }
        }
        for (from, to) in moves {
            self.children.move_ike(from, to);
        }
        Synced::Changes
    }
    /// The manual-key children the configuration has (`super::manual`):
    /// those it no longer has go, those missing are made (after a
    /// configuration change or a clear).
    pub(in crate::ike) fn sync_manual(&mut self, now: Millis) {
        let conf = &self.ctx.conf.manual;
        self.children
            .retain(|c| !super::manual::is_manual(c.ike) || conf.iter().any(|m| super::manual::is_child_of(c, m)));
        let missing: Vec<usize> = (0..conf.len())
            .filter(|&i| !self.children.iter().any(|c| super::manual::is_child_of(c, &conf[i])))
            .collect();
        for i in missing {
            let c = super::manual::child_sa(&self.ctx.conf.manual[i], self.next_child, now);
            self.next_child += 2;
            self.children.push(c);
        }
    }

    /// The addresses IKE must listen on: the local ends of configured tunnels
    /// (sorted, each once; made when the configuration is set, not at each
    /// call: the driver asks every round, the lab for every datagram).
    pub fn local_addrs(&self) -> &[Ipv4Addr] {
        &self.local_addrs
    }

    /// Apply a new configuration: SAs of tunnels that changed or went away are
    /// deleted (the peer is told); tunnels that start at commit are started.
    pub fn set_config(&mut self, now: Millis, conf: EngineConf) {
        self.ctx.now = now;
        let old = std::mem::replace(&mut self.ctx.conf, conf);
        self.local_addrs = self.ctx.conf.peers.iter().map(|p| p.local).collect();
        self.local_addrs.sort();
        self.local_addrs.dedup();
        // IKEv1 paths see IKEv1 peers only; IKEv2 peers go to the IKEv2 core.
        self.ctx.by_name = self
            .ctx
            .conf
            .peers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.version == IkeVersion::V1)
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        self.ctx.static_peers = self
            .ctx
            .conf
            .peers
            .iter()
            .filter(|p| p.version == IkeVersion::V1)
            .filter_map(|p| Some((p.local, p.remote?)))
            .collect();
        let v2_peers: Vec<PeerConf> =
            self.ctx.conf.peers.iter().filter(|p| p.version == IkeVersion::V2).cloned().collect();
        self.v2.cookie_threshold = self.ctx.conf.v2_cookie_threshold.unwrap_or(super::v2::COOKIE_THRESHOLD);
        self.v2.fragment_size = self.ctx.conf.v2_fragment_size.unwrap_or(super::v2::FRAGMENT_SIZE);
        self.v2.map_entries = self.ctx.conf.map_entries.keys().cloned().collect();
        self.v2.set_peers(now, v2_peers);
        self.sync_v2();
        self.sync_manual(now);
        // Changed tunnels keep their SAs until they expire or are cleared (SmartEdge
        // section 11); removed tunnels lose them at once.
        let gone: Vec<String> = old
            .peers
            .iter()
            .filter(|p| p.version == IkeVersion::V1 && !self.ctx.by_name.contains_key(&p.name))
            .map(|p| p.name.clone())
            .collect();
        for t in &gone {
            self.clear_tunnel(now, t, true, DownReason::RemovedFromConfig);
        }
        for t in &gone {
            self.wanted.remove(t);
            self.timers.set(TimerKey::Retry(t.clone()), None);
        }
        let with_sa: std::collections::HashSet<String> = self.sas.scan().map(|s| s.tunnel.clone()).collect();
        let with_child: std::collections::HashSet<String> = self.children.iter().map(|c| c.tunnel.clone()).collect();
        let starts: Vec<usize> = (0..self.ctx.conf.peers.len())
            .filter(|&i| {
                self.ctx.conf.peers[i].version == IkeVersion::V1
                    && self.ctx.conf.peers[i].auto_start
                    && self.ctx.conf.peers[i].may_initiate()
                    && !with_sa.contains(&self.ctx.conf.peers[i].name)
            })
            .collect();
        self.start_queue.clear();
        for i in starts {
            if with_child.contains(&self.ctx.conf.peers[i].name) {
                let name = self.ctx.conf.peers[i].name.clone();
                self.initiate(now, &name);
            } else {
                // A new configuration is tried now, not at the failed tunnel's next retry.
                self.timers.set(TimerKey::Retry(self.ctx.conf.peers[i].name.clone()), None);
                self.start_queue.push_back(i);
            }
        }
        self.next_start = now;
        self.drain_starts(now);
        self.flush_timers();
    }

    /// Start queued tunnels while initiation slots are free (nothing
    /// negotiated yet: every child is wanted, phase 1 starts). A tunnel
    /// whose peer started an SA meanwhile, or that may no longer initiate,
    /// is skipped.
    pub(in crate::ike) fn drain_starts(&mut self, now: Millis) {
        if self.start_queue.is_empty() {
            self.drain_quick(now);
            return;
        }
        let mut free = if self.v1_init_limit == 0 {
            usize::MAX
        } else {
            self.v1_init_limit.saturating_sub(self.v1_initiations_in_flight())
        };
        while free > 0 {
            let Some(i) = self.start_queue.pop_front() else { break };
            let Some(p) = self.ctx.conf.peers.get(i) else { continue };
            if !p.may_initiate() || self.sas.scan().any(|s| s.tunnel == p.name && !s.deleting) {
                continue;
            }
            let p = p.clone();
            self.wanted.insert(p.name.clone(), (0..p.children.len()).collect());
            // A crypto map entry whose peer has an ISAKMP SA (or one on the
            // way) of another entry runs its quick modes over it.
            if let Some(h) = self.p1_for(&p.name) {
                if self.sas[h].is_established() {
                    self.start_wanted_for(now, h, &p.name);
                }
                continue;
            }
            self.start_phase1(now, &p);
            free -= 1;
        }
        self.next_start = now + START_INTERVAL;
        self.drain_quick(now);
    }

    /// IKEv1 phase-1 negotiations this side started that are not
    /// established yet: the initiations in flight.
    pub fn v1_initiations_in_flight(&self) -> usize {
        self.sas.scan().filter(|s| s.role == Role::Initiator && !s.is_established() && !s.deleting).count()
    }

    /// IKEv1 tunnels waiting for an initiation slot.
    pub fn v1_initiations_waiting(&self) -> usize {
        self.start_queue.len()
    }

    /// Quick modes this side started that are not finished: the quick-mode
    /// initiations in flight.
    pub fn v1_quick_modes_in_flight(&self) -> usize {
        self.sas.scan().map(|s| s.quick.iter().filter(|q| q.role == Role::Initiator).count()).sum()
    }

    /// Quick modes waiting for a slot.
    pub fn v1_quick_modes_waiting(&self) -> usize {
        self.quick_queue.len()
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
        // The tunnel's IKE SA, or one it shares (IOS: one ISAKMP SA per peer
        // for every crypto map entry with the same ISAKMP identity); one still
        // negotiating starts the wanted quick modes when it is up.
        match self.p1_for(tunnel) {
            Some(h) if self.sas[h].is_established() => self.start_wanted_for(now, h, tunnel),
            Some(_) => {}
            None => self.start_phase1(now, &p),
        }
        self.flush_timers();
        true
    }

    /// Tunnels `a` and `b` run their child SAs over one IKE SA: the same
    /// tunnel, or two crypto map entries with the same phase 1
    /// ([`PeerConf::same_ike_sa`]; SmartEdge tunnels each have their own).
    pub(in crate::ike) fn share_p1(&self, a: &str, b: &str) -> bool {
        a == b || {
            let m = &self.ctx.conf.map_entries;
            m.contains_key(a) && m.contains_key(b) && self.pc(a).zip(self.pc(b)).is_some_and(|(x, y)| x.same_ike_sa(y))
        }
    }

    /// The IKE SA (not being deleted) the quick modes of `tunnel` run over:
    /// its own or one it shares ([`Endpoint::share_p1`]), an established one first.
    pub(in crate::ike) fn p1_for(&self, tunnel: &str) -> Option<SaHandle> {
        let ok = |s: &IkeSa| !s.deleting && self.share_p1(&s.tunnel, tunnel);
        self.sas.find(|s| ok(s) && s.is_established()).or_else(|| self.sas.find(ok))
    }

    /// Start the negotiation for traffic from `src` to `dst` (a crypto map
    /// hit): the tunnel of the first policy that covers the packet
    /// ([`EngineConf::policies`]: the crypto map entry with the lowest
    /// sequence number; tunnels that are no map entry first). Returns its name.
    pub fn initiate_for_traffic(&mut self, now: Millis, src: Ipv4Addr, dst: Ipv4Addr) -> Option<String> {
        let t =
            self.ctx.conf.policies().into_iter().find(|(_, _, l, r)| l.contains(src) && r.contains(dst))?.0.to_string();
        self.initiate(now, &t);
        Some(t)
    }

    /// The child SA that carries traffic from `src` to `dst`, if any: the
    /// newest SA of the first policy that covers the packet
    /// ([`EngineConf::policies`]); none when that policy has no SA for it,
    /// even if a later policy's SA covers it. Traffic no policy covers goes
    /// on any SA that covers it (manual SAs).
    pub fn child_for(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<&ChildSa> {
        let covers = |c: &&ChildSa| c.local_ts.contains(src) && c.remote_ts.contains(dst);
        match self.ctx.conf.policies().into_iter().find(|(_, _, l, r)| l.contains(src) && r.contains(dst)) {
            Some((t, i, ..)) => {
                self.children.iter().filter(covers).filter(|c| c.tunnel == t && c.child == i).max_by_key(|c| c.created)
            }
            None => self.children.iter().find(covers),
        }
    }

    /// Add an SA (indexed by conn and cookie).
    pub(in crate::ike) fn push_sa(&mut self, sa: IkeSa) -> SaHandle {
        self.sas.insert(sa)
    }

    /// Remove an SA (and its index entries; its deadline goes at the next flush).
    pub(in crate::ike) fn take_sa(&mut self, idx: SaHandle) -> IkeSa {
        self.sas.remove(idx)
    }

    /// Where the SA with this `conn` is.
    pub(in crate::ike) fn sa_index(&self, conn: u32) -> Option<SaHandle> {
        self.sas.handle_of(conn)
    }

    /// Test support: the indexes agree with the SAs, the timer table with their deadlines.
    #[cfg(test)]
    pub(crate) fn check_index(&self) {
        self.sas.check();
        for (h, s) in self.sas.handles() {
            assert_eq!(self.timers.get(&TimerKey::Sa(h)), sa_deadline(s), "deadline of SA {}", s.conn);
        }
        for c in self.children.iter().filter(|c| !super::v2::is_v2(c.ike) && !super::manual::is_manual(c.ike)) {
            assert_eq!(self.timers.get(&TimerKey::Child(c.id)), Some(child_deadline(c)), "deadline of child {}", c.id);
        }
        self.children.check();
        self.v2.children.check();
        let mut addrs: Vec<Ipv4Addr> = self.ctx.conf.peers.iter().map(|p| p.local).collect();
        addrs.sort();
        addrs.dedup();
        assert_eq!(self.local_addrs, addrs, "local addresses");
    }

    /// Bring the timer table up to date with the SAs changed since the last
    /// call (run at the end of every input).
    pub(in crate::ike) fn flush_timers(&mut self) {
        let mut dirty = self.sas.take_dirty();
        dirty.sort_unstable();
        dirty.dedup();
        for h in dirty {
            let when = self.sas.get(h).and_then(sa_deadline);
            self.timers.set(TimerKey::Sa(h), when);
        }
        let start = (!self.start_queue.is_empty()).then_some(self.next_start);
        self.timers.set(TimerKey::Start, start);
    }

    /// Add a child SA (and its deadline).
    pub(in crate::ike) fn add_child(&mut self, c: ChildSa) {
        self.timers.set(TimerKey::Child(c.id), Some(child_deadline(&c)));
        self.children.push(c);
    }

    /// Remove child `ci` (and its deadline).
    pub(in crate::ike) fn remove_child(&mut self, ci: usize) -> ChildSa {
        let c = self.children.remove(ci);
        self.timers.set(TimerKey::Child(c.id), None);
        c
    }

    /// Process one received datagram (`data` as read from the socket: on
    /// port 4500 it starts with the non-ESP marker).
    pub fn handle(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, data: &[u8]) {
        self.handle_datagram(now, local, remote, data);
        // An SA established or gone frees an initiation slot.
        self.drain_starts(now);
        self.flush_timers();
    }

    pub(in crate::ike) fn handle_datagram(
        &mut self,
        now: Millis,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        data: &[u8],
    ) {
        self.ctx.now = now;
        self.ctx.stats.rx_packets += 1;
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
                self.ctx.stats.rx_malformed += 1;
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
                let answer = matches!(
                    e,
                    WireError::InvalidMajorVersion(_) | WireError::InvalidMinorVersion(_) | WireError::InvalidFlags(_)
                )
                .then(|| e.notify());
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: e, answered: answer });
                if let Some(n) = answer {
                    self.answer_unprotected(local, remote, hdr.as_ref(), n);
                }
                return;
            }
        };
        let data = &data[..hdr.length as usize];
        if hdr.icookie == [0; 8] {
            self.ctx.stats.rx_malformed += 1;
            self.ctx.events.push_back(Event::Malformed {
                peer: remote,
                error: WireError::InvalidCookie,
                answered: None,
            });
            return;
        }
        // Find the SA (by initiator cookie, then the responder cookie and peer).
        let idx = self.sas.with_cookie(&hdr.icookie).find(|&i| {
            let s = &self.sas[i];
            (s.role == Role::Initiator
                && (s.rcookie == hdr.rcookie || (s.rcookie == [0; 8] && s.remote.ip() == remote.ip())))
                || (s.role == Role::Responder && s.rcookie == hdr.rcookie && s.remote.ip() == remote.ip())
        });
        let Some(idx) = idx else {
            if hdr.rcookie == [0; 8] && (hdr.exchange == exchange::MAIN || hdr.exchange == exchange::AGGRESSIVE) {
                if hdr.msgid != 0 {
                    self.ctx.stats.rx_malformed += 1;
                    self.ctx.events.push_back(Event::Malformed {
                        peer: remote,
                        error: WireError::InvalidMessageId(hdr.msgid),
                        answered: Some(notify::INVALID_MESSAGE_ID),
                    });
                    self.answer_unprotected(local, remote, Some(&hdr), notify::INVALID_MESSAGE_ID);
                    return;
                }
                self.respond_first(now, local, remote, &hdr, data);
            } else if hdr.rcookie == [0; 8] && hdr.icookie == [0; 8] {
                self.ctx.stats.rx_malformed += 1;
                self.ctx.events.push_back(Event::Malformed {
                    peer: remote,
                    error: WireError::InvalidCookie,
                    answered: None,
                });
            } else if hdr.rcookie == [0; 8] && (hdr.exchange == exchange::BASE || hdr.exchange == exchange::AUTH_ONLY) {
                // Table 5 row 27: an exchange RFC 2408 defines but the engine does not run.
                self.ctx.stats.rx_malformed += 1;
                self.ctx.events.push_back(Event::Malformed {
                    peer: remote,
                    error: WireError::UnsupportedExchange(hdr.exchange),
                    answered: None,
                });
            } else if hdr.rcookie == [0; 8] {
                self.ctx.stats.rx_malformed += 1;
                self.ctx.events.push_back(Event::Malformed {
                    peer: remote,
                    error: WireError::InvalidExchange(hdr.exchange),
                    answered: None,
                });
            }
            // Otherwise: an SA we no longer have; ignore (RFC 2408 would answer INVALID-COOKIE, which peers ignore).
            return;
        };
        let t = self.sas[idx].tunnel.clone();
        self.ctx.tunnel_stats.entry(t).or_default().rx_packets += 1;
        // Retransmission of the last message we answered: answer again.
        if self.sas[idx].last_recv.as_deref() == Some(data) {
            let sa = &mut self.sas[idx];
            if sa.role == Role::Responder && sa.replay.allow(now) {
                if let Some(d) = sa.last_sent.clone() {
                    let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
                    self.ctx.events.push_back(Event::Retransmit { conn, peer: *dst.ip(), count: 0 });
                    self.ctx.send_raw(src, dst, d);
                }
            } else {
                self.ctx.stats.rx_duplicates += 1;
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
        self.v1_message(now, idx, remote, &hdr, data);
    }

    /// Delete the IPsec SAs of a tunnel (all tunnels when `None`), telling the peer.
    pub fn clear_ipsec(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let v2 = self.v2.clear_children(now, tunnel, peer);
        self.sync_v2();
        v2 + self.clear_ipsec_v1(now, tunnel, peer)
    }

    fn clear_ipsec_v1(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let sel: Vec<usize> = (0..self.children.len())
            .filter(|&i| {
                !super::v2::is_v2(self.children[i].ike)
                    && tunnel.is_none_or(|t| self.children[i].tunnel == t)
                    && peer.is_none_or(|p| *self.children[i].remote.ip() == p)
            })
            .collect();
        let n = sel.len();
        for i in sel.into_iter().rev() {
            let c = self.remove_child(i);
            if let Some(idx) = self
                .sas
                .find(|s| s.conn == c.ike && s.is_established())
                .or_else(|| self.sas.find(|s| s.tunnel == c.tunnel && s.is_established()))
            {
                self.send_delete_child(idx, &c);
            }
            self.ctx.events.push_back(Event::ChildDown {
                tunnel: c.tunnel.clone(),
                peer: *c.remote.ip(),
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                reason: DownReason::Cleared,
            });
            // Static tunnels come straight back, as on a router.
            if self.pc(&c.tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) {
                self.initiate(now, &c.tunnel);
            }
        }
        // Manual SAs are made again at once (SmartEdge section 11).
        self.sync_manual(now);
        self.flush_timers();
        n
    }

    /// Delete the IKE SAs of a tunnel (all when `None`), telling the peer.
    pub fn clear_ike(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let v2 = self.v2.clear(now, tunnel, peer);
        self.sync_v2();
        v2 + self.clear_ike_v1(now, tunnel, peer)
    }

    fn clear_ike_v1(&mut self, now: Millis, tunnel: Option<&str>, peer: Option<Ipv4Addr>) -> usize {
        let conns: Vec<u32> =
            self.sas.conns_where(|s| tunnel.is_none_or(|t| s.tunnel == t) && peer.is_none_or(|p| *s.remote.ip() == p));
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
            if self.pc(&t).is_some_and(|p| p.auto_start && p.may_initiate())
                && !self.children.iter().any(|c| c.tunnel == t)
            {
                self.initiate(now, &t);
            }
        }
        self.flush_timers();
        n
    }

    pub(in crate::ike) fn clear_tunnel(&mut self, now: Millis, tunnel: &str, notify_peer: bool, reason: DownReason) {
        let sel: Vec<usize> = (0..self.children.len())
            .filter(|&i| self.children[i].tunnel == tunnel && !super::v2::is_v2(self.children[i].ike))
            .collect();
        for i in sel.into_iter().rev() {
            let c = self.remove_child(i);
            if notify_peer
                && let Some(idx) = self
                    .sas
                    .find(|s| s.conn == c.ike && s.is_established())
                    .or_else(|| self.sas.find(|s| s.tunnel == c.tunnel && s.is_established()))
            {
                self.send_delete_child(idx, &c);
            }
            self.ctx.events.push_back(Event::ChildDown {
                tunnel: c.tunnel.clone(),
                peer: *c.remote.ip(),
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                reason,
            });
        }
        while let Some(i) = self.sas.find(|s| s.tunnel == tunnel) {
            self.remove_sa(now, i, notify_peer, reason);
        }
    }

    /// The earliest deadline the caller must call [`Endpoint::handle_timeout`] at.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.next()
    }

    pub fn handle_timeout(&mut self, now: Millis) {
        self.ctx.now = now;
        if self.timers.get(&TimerKey::V2).is_some_and(|t| t <= now) {
            self.v2.handle_timeout(now);
            self.sync_v2();
        }
        self.drain_starts(now);
        // Static tunnels that failed: try again.
        let due: Vec<String> = self
            .timers
            .due(now)
            .filter_map(|k| if let TimerKey::Retry(t) = k { Some(t.clone()) } else { None })
            .collect();
        for t in due {
            self.timers.set(TimerKey::Retry(t.clone()), None);
            if !self.sas.scan().any(|s| s.tunnel == t) {
                // IKEv1 tunnels wait for an initiation slot as at commit (many failing together retry together).
                match self.ctx.conf.peers.iter().position(|p| {
                    p.name == t
                        && p.version == IkeVersion::V1
                        && p.children
                            .iter()
                            .enumerate()
                            .all(|(i, _)| !self.children.iter().any(|c| c.tunnel == t && c.child == i))
                }) {
                    Some(i) if !self.start_queue.contains(&i) => self.start_queue.push_back(i),
                    Some(_) => {}
                    None => {
                        self.initiate(now, &t);
                    }
                }
            }
        }
        // IKE SAs with something due, oldest first.
        let mut due: Vec<(u32, SaHandle)> = self
            .timers
            .due(now)
            .filter_map(|k| if let TimerKey::Sa(h) = k { self.sas.get(*h).map(|s| (s.conn, *h)) } else { None })
            .collect();
        due.sort_unstable();
        for (conn, h) in due {
            if self.sas.get(h).is_some_and(|s| s.conn == conn) {
                self.sa_timeout(now, h);
            }
        }
        // Child SAs: rekey before expiry, remove at expiry (in their order).
        let due: std::collections::HashSet<u32> =
            self.timers.due(now).filter_map(|k| if let TimerKey::Child(id) = k { Some(*id) } else { None }).collect();
        if !due.is_empty() {
            let mut ci = 0;
            while ci < self.children.len() {
                let c = &self.children[ci];
                if !due.contains(&c.id) {
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
        // Negotiations that gave up free their initiation slots.
        self.drain_starts(now);
        self.flush_timers();
    }

    /// Traffic on a child SA as the dataplane counts it: `bytes` in one
    /// packet on the SA whose inbound (or outbound) SPI is `spi`. Kilobyte
    /// lifetimes run on these counts: the initiator rekeys at 90 %, and the
    /// SA goes when either direction has used it all. False when no SA has
    /// that SPI (the dataplane counts the packet as "no sa").
    pub fn account(&mut self, now: Millis, spi: u32, inbound: bool, bytes: u64) -> bool {
        self.account_packets(now, spi, inbound, 1, bytes)
    }

    /// [`Self::account`] for `packets` packets of `bytes` bytes in all.
    pub fn account_packets(&mut self, now: Millis, spi: u32, inbound: bool, packets: u64, bytes: u64) -> bool {
        self.ctx.now = now;
        let Some(ci) = self.children.position(spi, inbound) else {
            return false;
        };
        if let Some(k) = self.carried.get_mut(&self.children[ci].ike) {
            let n = if inbound { &mut k.bytes_in } else { &mut k.bytes_out };
            *n = n.saturating_add(bytes);
        }
        if super::v2::is_v2(self.children[ci].ike) {
            // IKEv2 children: counted in the core (kilobyte lifetimes) and in the
            // mirror. Only a report that began a rekey or a delete moves the
            // core's deadlines or children (then the mirror is brought up to date).
            if self.v2.account(spi, inbound, packets, bytes) == super::v2::Accounted::Acted
                && self.sync_v2() == Synced::Whole
            {
                // The mirror was copied from the core, which counted this report.
                return true;
            }
            // The child may have moved in the mirror (a child before it removed).
            let Some(ci) = self.children.position(spi, inbound) else { return true };
            let c = &mut self.children[ci];
            if inbound {
                c.bytes_in = c.bytes_in.saturating_add(bytes);
                c.packets_in = c.packets_in.saturating_add(packets);
            } else {
                c.bytes_out = c.bytes_out.saturating_add(bytes);
                c.packets_out = c.packets_out.saturating_add(packets);
            }
            return true;
        }
        let c = &mut self.children[ci];
        if inbound {
            c.bytes_in = c.bytes_in.saturating_add(bytes);
            c.packets_in = c.packets_in.saturating_add(packets);
        } else {
            c.bytes_out = c.bytes_out.saturating_add(bytes);
            c.packets_out = c.packets_out.saturating_add(packets);
        }
        if c.kbytes_expired() {
            self.expire_child(ci, DownReason::LifetimeExpired { kilobytes: true });
        } else if !c.rekeyed && (c.role == Role::Initiator && c.kbytes_due() || c.seq_due()) {
            self.rekey_child(now, ci);
        }
        self.flush_timers();
        true
    }

    pub(in crate::ike) fn expire_child(&mut self, ci: usize, reason: DownReason) {
        let c = self.remove_child(ci);
        self.ctx.events.push_back(Event::ChildDown {
            tunnel: c.tunnel.clone(),
            peer: *c.remote.ip(),
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            reason,
        });
    }
}

/// What [`Endpoint::sync_v2`] did to the mirror of the IKEv2 children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::ike) enum Synced {
    /// Nothing had changed.
    Nothing,
    /// The core's changes applied child by child.
    Changes,
    /// The IKEv2 part copied anew from the core (its journal overflowed).
    Whole,
}

mod v1_dispatch;

pub use super::children::ChildChange;

#[cfg(test)]
pub(crate) mod tests;
