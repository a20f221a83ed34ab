//! The IKEv1 dispatcher: what the endpoint does around the exchanges of
//! [`crate::ike::v1`]. It finds the SA a message is for (by handle), gives
//! its exchange the context and that SA, and carries out what the
//! exchange returns ([`Next`]) and whatever reaches beyond one SA: creating
//! and removing SAs, failure and retry, establishment (the wanted quick
//! modes, the SA a rekey replaces), INITIAL-CONTACT, installing and
//! deleting child SAs, rekeying them, deletes from the peer and dead peers.
//! The direction is one way: this names the exchanges, they never name
//! the endpoint.

use super::{Endpoint, QuickStart};
use crate::config::ExchangeMode;
use crate::ike::conf::PeerConf;
use crate::ike::events::{DownReason, Event, P1State, Role};
use crate::ike::params::*;
use crate::ike::sa::{ChildSa, IkeSa, Quick, SaHandle};
use crate::ike::timers::{TimerKey, child_deadline};
use crate::ike::v1::{self, Msg, Next, aggressive, informational, main_mode, phase1, quick};
use crate::ike::wire::{self, Header, WireError, exchange, proto};
use std::net::SocketAddrV4;

impl Endpoint {
    /// A message for the IKEv1 SA `h` (found by its cookies), to its exchange.
    pub(in crate::ike) fn v1_message(
        &mut self,
        now: Millis,
        h: SaHandle,
        remote: SocketAddrV4,
        hdr: &Header,
        data: &[u8],
    ) {
        match hdr.exchange {
            exchange::MAIN | exchange::AGGRESSIVE => {
                if hdr.msgid != 0 {
                    self.ctx.stats.rx_malformed += 1;
                    self.ctx.event(Event::Malformed {
                        peer: remote,
                        error: WireError::InvalidMessageId(hdr.msgid),
                        answered: None,
                    });
                    return;
                }
                let main = self.sas[h].mode == ExchangeMode::Main;
                if hdr.exchange != if main { exchange::MAIN } else { exchange::AGGRESSIVE } {
                    self.ctx.event(Event::Malformed {
                        peer: remote,
                        error: WireError::InvalidExchange(hdr.exchange),
                        answered: None,
                    });
                    return;
                }
                let Some(pc) = self.pc(&self.sas[h].tunnel).cloned() else { return };
                let next = if main {
                    let s = &self.sas[h];
                    // While a sibling's MM5 with INITIAL-CONTACT is in flight, a second
                    // SA with the peer holds back its own MM5: a peer that handles
                    // messages on several threads (strongSwan) may establish this SA
                    // first and then delete it on the sibling's INITIAL-CONTACT as a
                    // duplicate. The MM4 is kept (one per SA) and handled when the
                    // sibling is established; should the sibling fail instead, our
                    // MM3's retransmission fetches the MM4 again.
                    if s.role == Role::Initiator
                        && s.state == P1State::MmSaSetup
                        && self.siblings(h).any(|(_, o)| o.initial_contact && o.state == P1State::MmKeyExch)
                    {
                        self.sas[h].held_mm4 = Some(Box::new((remote, *hdr, data.to_vec())));
                        return;
                    }
                    // INITIAL-CONTACT only from the first SA with this peer (not from every SA of a burst).
                    let first_contact = s.role == Role::Initiator
                        && s.state == P1State::MmSaSetup
                        && !self.siblings(h).any(|(_, o)| o.is_established() || o.state == P1State::MmKeyExch);
                    self.sas[h].initial_contact |= first_contact;
                    main_mode::handle(&mut self.ctx, &mut self.sas[h], &pc, now, hdr, data, first_contact)
                } else {
                    aggressive::handle(&mut self.ctx, &mut self.sas[h], &pc, now, hdr, data)
                };
                self.v1_next(now, h, next);
                self.release_held_mm4(now, h);
            }
            exchange::QUICK => {
                let children = &self.children;
                let next = quick::handle(&mut self.ctx, &mut self.sas[h], now, hdr, data, |s| {
                    children.iter().any(|c| c.spi_in == s)
                });
                self.v1_next(now, h, next);
            }
            exchange::INFORMATIONAL => self.informational(now, h, hdr, data),
            x => {
                self.ctx.stats.rx_malformed += 1;
                self.ctx.event(Event::Malformed { peer: remote, error: WireError::InvalidExchange(x), answered: None });
            }
        }
    }

    /// The other IKEv1 SAs with the peer of `h` from the same local address
    /// (its siblings: what INITIAL-CONTACT is about), with their handles.
    fn siblings(&self, h: SaHandle) -> impl Iterator<Item = (SaHandle, &IkeSa)> + '_ {
        let s = &self.sas[h];
        let (conn, rip, lip) = (s.conn, *s.remote.ip(), *s.local.ip());
        self.sas.handles().filter(move |(_, o)| o.conn != conn && *o.remote.ip() == rip && *o.local.ip() == lip)
    }

    /// Once the SA `h` that carried INITIAL-CONTACT is established, the MM4s
    /// its siblings held back meanwhile are handled.
    fn release_held_mm4(&mut self, now: Millis, h: SaHandle) {
        let Some(s) = self.sas.get(h) else { return };
        if !(s.initial_contact && s.is_established()) {
            return;
        }
        let held: Vec<SaHandle> = self.siblings(h).filter(|(_, o)| o.held_mm4.is_some()).map(|(k, _)| k).collect();
        for k in held {
            if let Some(m) = self.sas[k].held_mm4.take() {
                let (remote, hdr, data) = *m;
                self.v1_message(now, k, remote, &hdr, &data);
            }
        }
    }

    /// Carry out what an exchange returned.
    fn v1_next(&mut self, now: Millis, h: SaHandle, next: Next) {
        match next {
            Next::Done => {}
            Next::Fail(reason) => self.fail_p1(h, reason),
            Next::Established => self.established(now, h),
            Next::Mm5 { initial_contact } => {
                // INITIAL-CONTACT removes the other SAs (this one's handle stays valid).
                if initial_contact {
                    self.initial_contact(now, h);
                }
                let Some(pc) = self.pc(&self.sas[h].tunnel).cloned() else { return };
                main_mode::send_mm6(&mut self.ctx, &mut self.sas[h], &pc, now);
                self.established(now, h);
            }
            Next::Install(q, spi_out) => self.install_child(now, h, *q, spi_out),
        }
    }

    /// A first message (no SA has its cookies): the half-open limits, the
    /// tunnel, then the responder's answer on a new SA.
    pub(in crate::ike) fn respond_first(
        &mut self,
        now: Millis,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        hdr: &Header,
        data: &[u8],
    ) {
        let list = match wire::payloads(hdr.next, &data[wire::HEADER_LEN..]) {
            Ok(l) => l,
            Err(e) => {
                self.ctx.stats.rx_malformed += 1;
                let n = e.notify();
                self.ctx.event(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                v1::answer_unprotected(&mut self.ctx, 0, local, remote, Some(hdr), n);
                return;
            }
        };
        let msg = Msg { list };
        self.ctx.event(Event::Received {
            conn: 0,
            peer: remote,
            exchange: hdr.exchange,
            msgid: 0,
            payloads: msg.kinds(),
            sa_state: None,
            local_port: local.port(),
        });
        // Half-open bounds.
        let half_peer = self
            .sas
            .scan()
            .filter(|s| s.role == Role::Responder && !s.is_established() && s.remote.ip() == remote.ip())
            .count();
        let half = self.sas.scan().filter(|s| s.role == Role::Responder && !s.is_established()).count();
        if half_peer >= MAX_HALF_OPEN_PER_PEER || half >= MAX_HALF_OPEN {
            // A configured peer's new exchange replaces the oldest half-open SA
            // that never got an answer (spoofed first messages cannot keep a
            // tunnel down, issue 14.5); anything else is dropped.
            let configured = self.ctx.static_peers.contains(&(*local.ip(), *remote.ip()));
            let per_peer = half_peer >= MAX_HALF_OPEN_PER_PEER;
            let victim = configured
                .then(|| self.sas.find(|s| s.unanswered() && (!per_peer || s.remote.ip() == remote.ip())))
                .flatten();
            self.ctx.stats.half_open_dropped += 1;
            match victim {
                Some(v) => {
                    self.take_sa(v);
                }
                None => return,
            }
        }
        let Some(first) = phase1::find_tunnel(&mut self.ctx, local, remote, hdr, &msg) else { return };
        let pc = &first.pc;
        if pc.kind == crate::config::TunnelKind::OnDemand
            && let Some(max) = pc.max_tunnels
            && self.sas.scan().filter(|s| s.tunnel == pc.name).count() as u32 >= max
        {
            self.ctx.event(Event::NoPeer {
                peer: *remote.ip(),
                local: *local.ip(),
                reason: crate::ike::events::NoPeerReason::MaxTunnels(max),
            });
            return;
        }
        let mode = if first.aggressive { ExchangeMode::Aggressive } else { ExchangeMode::Main };
        let sa =
            v1::new_sa(&mut self.ctx, &mut self.next_conn, now, &pc.name.clone(), Role::Responder, mode, local, remote);
        if let Some(sa) = phase1::respond(&mut self.ctx, sa, now, first, hdr, data, &msg) {
            self.push_sa(sa);
        }
    }

    pub(in crate::ike) fn start_phase1(&mut self, now: Millis, p: &PeerConf) {
        if let Some(sa) = phase1::start(&mut self.ctx, &mut self.next_conn, now, p) {
            self.push_sa(sa);
        }
    }

    pub(in crate::ike) fn fail_p1(&mut self, h: SaHandle, reason: DownReason) {
        let sa = &self.sas[h];
        let (conn, peer, tunnel, established) = (sa.conn, *sa.remote.ip(), sa.tunnel.clone(), sa.is_established());
        self.ctx.stats.p1_failed += 1;
        self.ctx.tunnel(&tunnel).p1_failed += 1;
        self.ctx.event(Event::Phase1Down { conn, peer, tunnel: tunnel.clone(), reason, established });
        self.take_sa(h);
        self.schedule_retry(&tunnel);
    }

    /// A static tunnel that failed is tried again after [`RETRY_INTERVAL`].
    pub(in crate::ike) fn schedule_retry(&mut self, tunnel: &str) {
        if self.pc(tunnel).is_some_and(|p| p.auto_start && p.may_initiate())
            && !self.sas.scan().any(|s| s.tunnel == tunnel)
        {
            self.timers.set(TimerKey::Retry(tunnel.to_string()), Some(self.ctx.now + RETRY_INTERVAL));
        }
    }

    /// Phase 1 is up on `h`: the initiator starts the wanted quick modes, and
    /// the older SA of this tunnel a rekey replaces goes.
    pub(in crate::ike) fn established(&mut self, now: Millis, h: SaHandle) {
        phase1::establish(&mut self.ctx, &mut self.sas[h], now);
        let sa = &self.sas[h];
        let (conn, peer, tunnel, role) = (sa.conn, sa.remote, sa.tunnel.clone(), sa.role);
        // A rekeyed phase 1: the older SA of this tunnel with this peer is deleted.
        let older: Vec<u32> = self.sas.conns_where(|s| {
            s.conn != conn && s.tunnel == tunnel && s.remote.ip() == peer.ip() && s.is_established() && s.rekeyed
        });
        if role == Role::Initiator {
            // Children wanted for this tunnel; a fresh initiator wants them all.
            if !self.wanted.contains_key(&tunnel)
                && let Some(n) = self.pc(&tunnel).map(|p| p.children.len())
            {
                let have: Vec<usize> = self.children.iter().filter(|c| c.tunnel == tunnel).map(|c| c.child).collect();
                let want: std::collections::BTreeSet<usize> = (0..n).filter(|i| !have.contains(i)).collect();
                if !want.is_empty() {
                    self.wanted.insert(tunnel.clone(), want);
                }
            }
            self.start_wanted(now, h);
        }
        // Crypto map entries that share this phase 1 and wait for it, in configuration order.
        let mut waiting: Vec<(usize, String)> = self
            .wanted
            .keys()
            .filter(|t| **t != tunnel && self.share_p1(t, &tunnel))
            .map(|t| (self.ctx.by_name.get(t).copied().unwrap_or(usize::MAX), t.clone()))
            .collect();
        waiting.sort();
        for (_, t) in waiting {
            self.start_wanted_for(now, h, &t);
        }
        for c in older {
            if let Some(i) = self.sa_index(c) {
                self.remove_sa(now, i, true, DownReason::Rekeyed);
            }
        }
    }

    /// Start the quick modes of the children wanted for the tunnel of `h`.
    pub(in crate::ike) fn start_wanted(&mut self, now: Millis, h: SaHandle) {
        let tunnel = self.sas[h].tunnel.clone();
        self.start_wanted_for(now, h, &tunnel);
    }

    /// Start over `h` the quick modes of the children wanted for `tunnel`
    /// (`h`'s own, or a crypto map entry sharing it).
    pub(in crate::ike) fn start_wanted_for(&mut self, now: Millis, h: SaHandle, tunnel: &str) {
        let want: Vec<usize> = self.wanted.remove(tunnel).map(|w| w.into_iter().collect()).unwrap_or_default();
        let queued: std::collections::HashSet<usize> =
            self.quick_queue.iter().filter(|s| s.tunnel == tunnel).map(|s| s.child).collect();
        for c in want {
            if !queued.contains(&c) && !self.negotiating(h, tunnel, c) {
                self.start_quick(now, h, tunnel, c, None);
            }
        }
    }

    /// A quick mode for child `child` of `tunnel` runs on `h` (either side's).
    fn negotiating(&self, h: SaHandle, tunnel: &str, child: usize) -> bool {
        let sa = &self.sas[h];
        sa.quick.iter().any(|q| q.child == child && q.tunnel.as_deref().unwrap_or(&sa.tunnel) == tunnel)
    }

    /// Start a quick mode for child `child` of `tunnel` over `h` (replacing
    /// `rekey_of`) when an initiation slot is free, else queue it behind the
    /// ones waiting ([`V1_QUICK_LIMIT`]).
    pub(in crate::ike) fn start_quick(
        &mut self,
        now: Millis,
        h: SaHandle,
        tunnel: &str,
        child: usize,
        rekey_of: Option<u32>,
    ) {
        let conn = self.sas[h].conn;
        self.quick_queue.push_back(QuickStart { sa: h, conn, tunnel: tunnel.to_string(), child, rekey_of });
        self.drain_quick(now);
    }

    /// Start queued quick modes while initiation slots are free. One whose
    /// IKE SA went meanwhile runs over another established one of its
    /// tunnel; with none, its child is wanted when phase 1 is up again (a
    /// rekey starts that phase 1, as [`Self::rekey_child`] does).
    pub(in crate::ike) fn drain_quick(&mut self, now: Millis) {
        if self.quick_queue.is_empty() {
            return;
        }
        let mut free = match self.v1_quick_limit {
            0 => usize::MAX,
            n => n.saturating_sub(self.v1_quick_modes_in_flight()),
        };
        while free > 0 {
            let Some(s) = self.quick_queue.pop_front() else { break };
            let usable = |h: SaHandle| self.sas.get(h).is_some_and(|a| a.is_established() && !a.deleting);
            let h = match self.sas.get(s.sa) {
                Some(a) if a.conn == s.conn && usable(s.sa) => Some(s.sa),
                _ => self.p1_for(&s.tunnel).filter(|&h| usable(h)),
            };
            let Some(h) = h else {
                if let Some(p) = self.pc(&s.tunnel).cloned() {
                    self.wanted.entry(s.tunnel.clone()).or_default().insert(s.child);
                    if s.rekey_of.is_some() && self.p1_for(&s.tunnel).is_none() {
                        self.start_phase1(now, &p);
                    }
                }
                continue;
            };
            // A child whose negotiation began meanwhile (rekeys go ahead as before).
            if s.rekey_of.is_none() && self.negotiating(h, &s.tunnel, s.child) {
                continue;
            }
            let children = &self.children;
            let before = self.sas[h].quick.len();
            quick::start(&mut self.ctx, &mut self.sas[h], now, &s.tunnel, s.child, s.rekey_of, |x| {
                children.iter().any(|c| c.spi_in == x)
            });
            if self.sas[h].quick.len() > before {
                free -= 1;
            }
        }
    }

    /// Install the child SA pair of a completed quick mode on `h` (and
    /// delete the pair a rekey replaces).
    pub(in crate::ike) fn install_child(&mut self, now: Millis, h: SaHandle, q: Quick, spi_out: u32) {
        let Some(c) = quick::child_sa(&self.ctx, &self.sas[h], now, &q, spi_out, &mut self.next_child) else { return };
        let peer = *self.sas[h].remote.ip();
        self.ctx.stats.p2_established += 1;
        self.ctx.tunnel(&c.tunnel).p2_established += 1;
        self.ctx.event(Event::ChildInstalled(crate::ike::events::ChildInfo::of(&c)));
        self.ctx.event(Event::ChildUp {
            tunnel: c.tunnel.clone(),
            peer,
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            local_ts: c.local_ts,
            remote_ts: c.remote_ts,
            rekey: q.rekey_of.is_some(),
        });
        // A rekey replaces the old SA pair: tell the peer to delete the old one.
        // (A responder's renegotiated child leaves the older pair to expire or be deleted.)
        if let Some(old) = q.rekey_of
            && let Some(oi) = self.children.iter().position(|c| c.id == old)
        {
            let o = self.remove_child(oi);
            informational::send_delete_child(&mut self.ctx, &self.sas[h], &o);
            self.ctx.event(Event::ChildDown {
                tunnel: o.tunnel,
                peer,
                spi_in: o.spi_in,
                spi_out: o.spi_out,
                reason: DownReason::Rekeyed,
            });
        }
        self.add_child(c);
    }

    /// Negotiate a replacement for child `ci` (over its IKE SA, or a new one).
    pub(in crate::ike) fn rekey_child(&mut self, now: Millis, ci: usize) {
        let c = &self.children[ci];
        let (tunnel, child, id) = (c.tunnel.clone(), c.child, c.id);
        self.children[ci].rekeyed = true;
        let d = child_deadline(&self.children[ci]);
        self.timers.set(TimerKey::Child(id), Some(d));
        match self.p1_for(&tunnel).filter(|&h| self.sas[h].is_established()) {
            Some(h) => self.start_quick(now, h, &tunnel, child, Some(id)),
            None => {
                self.wanted.entry(tunnel.clone()).or_default().insert(child);
                if self.p1_for(&tunnel).is_none()
                    && let Some(p) = self.pc(&tunnel).cloned()
                {
                    self.start_phase1(now, &p);
                }
            }
        }
    }

    pub(in crate::ike) fn send_delete_child(&mut self, h: SaHandle, c: &ChildSa) {
        informational::send_delete_child(&mut self.ctx, &self.sas[h], c);
    }

    /// An informational exchange on `h`: notifies to the SA, deletes of it,
    /// of other SAs' children.
    pub(in crate::ike) fn informational(&mut self, now: Millis, h: SaHandle, hdr: &Header, data: &[u8]) {
        let mut plain = Vec::new();
        let Some((msg, protected)) = informational::open_info(&mut self.ctx, &self.sas[h], hdr, data, &mut plain)
        else {
            return;
        };
        let peer = *self.sas[h].remote.ip();
        for p in &msg.list {
            match p.kind {
                wire::payload::NOTIFY => {
                    if let Next::Fail(reason) =
                        informational::on_notify(&mut self.ctx, &mut self.sas[h], now, p.body, protected)
                    {
                        self.fail_p1(h, reason);
                        return;
                    }
                }
                wire::payload::DELETE => {
                    let Some(d) = informational::delete_received(&mut self.ctx, &self.sas[h], p.body) else { continue };
                    if d.protocol == proto::ISAKMP {
                        let s = &self.sas[h];
                        if d.spis.iter().any(|x| x.len() == 16 && x[..8] == s.icookie && x[8..] == s.rcookie) {
                            let tunnel = s.tunnel.clone();
                            self.remove_sa(now, h, false, DownReason::DeletedByPeer);
                            // A static tunnel left with nothing is kept up: tried again as after a failure.
                            if !self.children.iter().any(|c| c.tunnel == tunnel) {
                                self.schedule_retry(&tunnel);
                            }
                            return;
                        }
                    } else {
                        for s in d.spis {
                            let Ok(spi) = <[u8; 4]>::try_from(s.as_slice()).map(u32::from_be_bytes) else { continue };
                            if let Some(ci) =
                                self.children.iter().position(|c| c.spi_out == spi && c.remote.ip() == &peer)
                            {
                                let c = self.remove_child(ci);
                                let tunnel = c.tunnel.clone();
                                let child = c.child;
                                self.ctx.event(Event::ChildDown {
                                    tunnel: c.tunnel,
                                    peer,
                                    spi_in: c.spi_in,
                                    spi_out: c.spi_out,
                                    reason: DownReason::DeletedByPeer,
                                });
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

    /// INITIAL-CONTACT: forget every other SA between these two addresses.
    pub(in crate::ike) fn initial_contact(&mut self, now: Millis, h: SaHandle) {
        let (conn, peer, local) = (self.sas[h].conn, *self.sas[h].remote.ip(), *self.sas[h].local.ip());
        // Only established SAs are old: a phase 1 still negotiating with the
        // peer was started beside this one (a burst of tunnels to one peer).
        let old: Vec<u32> = self
            .sas
            .conns_where(|s| s.conn != conn && s.remote.ip() == &peer && s.local.ip() == &local && s.is_established());
        for c in old {
            if let Some(i) = self.sa_index(c) {
                self.remove_sa(now, i, false, DownReason::InitialContact);
            }
        }
        let gone: Vec<usize> = (0..self.children.len())
            .rev()
            .filter(|&i| {
                self.children[i].remote.ip() == &peer
                    && self.children[i].local.ip() == &local
                    && !crate::ike::manual::is_manual(self.children[i].ike)
            })
            .collect();
        for i in gone {
            let c = self.remove_child(i);
            self.ctx.event(Event::ChildDown {
                tunnel: c.tunnel,
                peer,
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                reason: DownReason::InitialContact,
            });
        }
    }

    /// Remove an IKE SA, telling the peer when `notify_peer` (and the SA has keys).
    pub(in crate::ike) fn remove_sa(&mut self, _now: Millis, h: SaHandle, notify_peer: bool, reason: DownReason) {
        if notify_peer {
            informational::send_delete_ike(&mut self.ctx, &self.sas[h]);
        }
        let sa: IkeSa = self.take_sa(h);
        let established = sa.is_established();
        self.ctx.event(Event::Phase1Down {
            conn: sa.conn,
            peer: *sa.remote.ip(),
            tunnel: sa.tunnel,
            reason,
            established,
        });
    }

    /// DPD on `h` when due (RFC 3706): the next R-U-THERE, or after
    /// [`DPD_TRIES`] unanswered ones the peer is dead (the SA and its
    /// children go). False when the SA is gone.
    pub(in crate::ike) fn dpd_timeout(&mut self, now: Millis, h: SaHandle) -> bool {
        if !informational::dpd_due(&mut self.ctx, &mut self.sas[h], now) {
            return true;
        }
        let s = &self.sas[h];
        let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
        self.ctx.event(Event::DpdDead { conn, peer, tunnel: tunnel.clone() });
        self.take_sa(h);
        self.ctx.event(Event::Phase1Down {
            conn,
            peer,
            tunnel: tunnel.clone(),
            reason: DownReason::PeerDead,
            established: true,
        });
        // Its tunnel's children, and those of crypto map entries it carried.
        let gone: Vec<usize> = (0..self.children.len())
            .rev()
            .filter(|&c| self.children[c].tunnel == tunnel || self.children[c].ike == conn)
            .collect();
        let mut tunnels = vec![tunnel];
        for c in gone {
            let c = self.remove_child(c);
            if !tunnels.contains(&c.tunnel) {
                tunnels.push(c.tunnel.clone());
            }
            self.ctx.event(Event::ChildDown {
                tunnel: c.tunnel,
                peer,
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                reason: DownReason::PeerDead,
            });
        }
        for t in tunnels {
            self.schedule_retry(&t);
        }
        false
    }

    /// Answer a message that no SA takes with an unprotected notify (naming
    /// the SA its cookies belong to, if any).
    pub(in crate::ike) fn answer_unprotected(
        &mut self,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        hdr: Option<&Header>,
        kind: u16,
    ) {
        let (ic, rc) = hdr.map(|h| (h.icookie, h.rcookie)).unwrap_or(([0; 8], [0; 8]));
        let conn = self
            .sas
            .with_cookie(&ic)
            .find(|&i| self.sas[i].rcookie == rc && rc != [0; 8])
            .map(|i| self.sas[i].conn)
            .unwrap_or(0);
        v1::answer_unprotected(&mut self.ctx, conn, local, remote, hdr, kind);
    }

    /// What is due on one IKE SA: retransmission or give-up, the half-open
    /// limit, quick-mode retransmissions, DPD, lifetime and rekey.
    pub(in crate::ike) fn sa_timeout(&mut self, now: Millis, h: SaHandle) {
        // A first message nobody followed up (possibly spoofed): gone soon.
        let s = &self.sas[h];
        if s.unanswered() && now >= s.created + HALF_OPEN_TIMEOUT {
            let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
            self.take_sa(h);
            self.ctx.event(Event::Phase1Down {
                conn,
                peer,
                tunnel,
                reason: DownReason::NegotiationTimedOut,
                established: false,
            });
            return;
        }
        // Retransmissions and give-ups.
        if phase1::retransmit(&mut self.ctx, &mut self.sas[h], now) {
            let s = &self.sas[h];
            let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
            self.take_sa(h);
            self.ctx.event(Event::Phase1Down {
                conn,
                peer,
                tunnel: tunnel.clone(),
                reason: DownReason::NoResponse,
                established: false,
            });
            self.schedule_retry(&tunnel);
            return;
        }
        // Half-open SAs that never finished.
        let s = &self.sas[h];
        if !s.is_established() && s.timer.is_none() && now >= s.created + RETRANSMIT_BASE * 64 {
            let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
            self.take_sa(h);
            self.ctx.event(Event::Phase1Down {
                conn,
                peer,
                tunnel,
                reason: DownReason::NegotiationTimedOut,
                established: false,
            });
            return;
        }
        // Quick-mode retransmissions.
        quick::retransmit(&mut self.ctx, &mut self.sas[h], now);
        // DPD.
        if !self.dpd_timeout(now, h) {
            return;
        }
        // IKE SA lifetime: the initiator negotiates a replacement at 90 %
        // (the old SA is deleted when it is up); at expiry the SA goes.
        let s = &self.sas[h];
        if s.is_established() && now >= s.expires() {
            self.remove_sa(now, h, true, DownReason::LifetimeExpired { kilobytes: false });
            return;
        }
        if s.is_established()
            && s.role == Role::Initiator
            && !s.rekeyed
            && !s.deleting
            && now >= s.established.unwrap_or(s.created) + s.lifetime as u64 * REKEY_AT
        {
            self.sas[h].rekeyed = true;
            if let Some(p) = self.pc(&self.sas[h].tunnel).cloned().filter(|p| p.may_initiate()) {
                self.start_phase1(now, &p);
            }
        }
    }
}
