//! IKEv2 timers and lifetimes: owns retransmission with back-off and its
//! logged give-up, half-open and reassembly expiry, DPD, IKE SA and child SA
//! lifetimes in seconds and kilobytes, and the rekeys they start.
//!
//! IKEv2 negotiates no lifetimes (RFC 7296 2.8): each side keeps its own
//! configured lifetime and rekeys before it runs out, whichever role it had.
//! The (original) initiator of an SA rekeys between 85 % and 90 % of its
//! lifetime, the responder between 90 % and 95 %, at a point drawn from the
//! core's seeded jitter generator when the SA is made: with equal lifetimes
//! the initiator rekeys first, a responder with a shorter lifetime rekeys
//! itself, and many SAs made at once do not all rekey in the same second.
//! Should both sides still rekey at once, the collision rules of 2.8.1 and
//! 2.8.2 leave one SA.

use super::*;

/// The spread of rekey points, per mille of the lifetime.
pub const REKEY_JITTER: u64 = 50;

/// The point (per mille of the lifetime, before jitter) at which a side
/// rekeys an SA it had `role` in: [`REKEY_AT`] for the initiator, later for
/// the responder.
pub fn rekey_permille(role: Role) -> u64 {
    match role {
        Role::Initiator => REKEY_AT,
        Role::Responder => REKEY_AT + REKEY_JITTER,
    }
}

/// When to rekey an SA made at `start` with `lifetime` seconds, `jitter` per
/// mille early (below [`REKEY_JITTER`]).
pub fn rekey_time(start: Millis, lifetime: u32, role: Role, jitter: u64) -> Millis {
    start + lifetime as u64 * (rekey_permille(role) - jitter.min(REKEY_JITTER))
}

impl Sa {
    /// When this side rekeys the IKE SA (once established).
    pub fn rekey_at(&self) -> Millis {
        rekey_time(self.established.unwrap_or(self.created), self.lifetime, self.role, self.jitter)
    }
}

/// What [`Core::account`] did with a report of the dataplane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accounted {
    /// No child has that SPI.
    NoSa,
    /// Counted, nothing else changed (no deadline moved).
    Counted,
    /// Counted, and a kilobyte lifetime began a rekey or a delete: the
    /// core's deadlines and perhaps its children changed.
    Acted,
}

impl Core {
    /// When this side rekeys a child: by its own seconds lifetime and role.
    pub fn child_rekey_at(&self, c: &ChildSa) -> Millis {
        rekey_time(c.created, c.lifetime_seconds, c.role, self.child_jitter.get(&c.id).copied().unwrap_or(0))
    }

    /// Traffic counted by the dataplane on a child (see [`super::Endpoint::account`]).
    /// Kilobyte lifetimes run on these counts: the child's initiator rekeys at
    /// 90 %, its responder at 95 % (its own kilobyte lifetime may be the
    /// shorter), and the pair goes (the peer is told) when either direction
    /// used it all. O(1) for a report that only counts: the child is found
    /// by the SPI index, and nothing else is looked at.
    pub fn account(&mut self, spi: u32, inbound: bool, packets: u64, bytes: u64) -> Accounted {
        let Some(ci) = self.children.position(spi, inbound) else {
            return Accounted::NoSa;
        };
        let c = &mut self.children[ci];
        if inbound {
            c.bytes_in = c.bytes_in.saturating_add(bytes);
            c.packets_in = c.packets_in.saturating_add(packets);
        } else {
            c.bytes_out = c.bytes_out.saturating_add(bytes);
            c.packets_out = c.packets_out.saturating_add(packets);
        }
        let (ike, id) = (c.ike, c.id);
        if c.kbytes_expired() {
            if let Some(i) = self.index(ike) {
                self.sas[i].queue.push_back(Req::DeleteChildren(vec![id]));
                self.kick(i);
            }
            return Accounted::Acted;
        }
        if !c.rekeyed
            && (c
                .lifetime_kbytes
                .is_some_and(|k| c.bytes_in.max(c.bytes_out) >= k * 1024 * rekey_permille(c.role) / 1000)
                || c.seq_due())
        {
            c.rekeyed = true;
            let (tunnel, child) = (c.tunnel.clone(), c.child);
            if let Some(i) = self.index(ike) {
                self.sas[i].queue.push_back(Req::Child { tunnel, child, rekey_of: Some(id) });
                self.kick(i);
            }
            return Accounted::Acted;
        }
        Accounted::Counted
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
                if !s.rekeyed {
                    min(s.rekey_at());
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
            if !c.rekeyed {
                min(self.child_rekey_at(c));
            }
        }
        for r in self.retry_at.values() {
            min(*r);
        }
        // When the earliest DELETE slot frees without an answer (at most DELETE_LIMIT).
        for r in self.deletes_in_flight.values() {
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
                    self.emit(Event::V2GiveUp { conn, peer, tunnel: tunnel.clone(), exchange: exch });
                    if dpd {
                        self.emit(Event::DpdDead { conn, peer, tunnel });
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
                self.emit(Event::Retransmit { conn, peer: *dst.ip(), count });
                // What the copy carries: IKE_SA_INIT in clear, the rest inside SK.
                let (payloads, notifies) = match d.first().and_then(|m| Header::parse(m).ok().map(|h| (h, m))) {
                    Some((h, m)) if exch == exchange::IKE_SA_INIT => {
                        wire::Msg::parse(h.next, m.get(wire::HEADER_LEN..).unwrap_or(&[]))
                            .map(|x| (x.kinds(), x.notify_types()))
                            .unwrap_or_default()
                    }
                    Some((h, _)) => (vec![h.next], vec![]),
                    None => (vec![], vec![]),
                };
                let ev = self.msg_event(i, exch, msgid, false, true, payloads, notifies, true);
                self.emit(ev);
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
            if !s.rekeyed && now >= s.rekey_at() {
                self.sas[i].rekeyed = true;
                self.sas[i].queue.push_back(Req::RekeyIke);
            }
            let s = &self.sas[i];
            if s.pending.is_none()
                && !s.queue.contains(&Req::Dpd)
                && now >= s.last_heard + DPD_INTERVAL
                && self.pc(&s.tunnel).is_some_and(|p| p.dpd)
            {
                self.sas[i].queue.push_back(Req::Dpd);
            }
            self.kick(i);
        }
        // Children: each side rekeys by its own lifetime; at expiry the pair goes.
        if self.child_jitter.len() > self.children.len() {
            let live: std::collections::HashSet<u32> = self.children.iter().map(|c| c.id).collect();
            self.child_jitter.retain(|id, _| live.contains(id));
        }
        let mut ci = 0;
        while ci < self.children.len() {
            let c = &self.children[ci];
            if now >= c.expires() {
                let c = self.children.remove(ci);
                if let Some(i) = self.index(c.ike) {
                    self.sas[i].queue.push_back(Req::DeleteExpired(vec![c.spi_in]));
                    self.kick(i);
                }
                self.emit(Event::ChildDown {
                    tunnel: c.tunnel.clone(),
                    peer: *c.remote.ip(),
                    spi_in: c.spi_in,
                    spi_out: c.spi_out,
                    reason: DownReason::LifetimeExpired { kilobytes: false },
                });
                continue;
            }
            if !c.rekeyed && now >= self.child_rekey_at(c) {
                let (ike, tunnel, child, id) = (c.ike, c.tunnel.clone(), c.child, c.id);
                self.children[ci].rekeyed = true;
                if let Some(i) = self.index(ike) {
                    self.sas[i].queue.push_back(Req::Child { tunnel, child, rekey_of: Some(id) });
                    self.kick(i);
                }
            }
            ci += 1;
        }
        // Slots freed by SAs that failed or went: the next tunnels start.
        if !self.init_queue.is_empty() {
            self.pump_inits();
        }
        // DELETEs left unanswered free their slots: the next ones go.
        if !self.deletes_in_flight.is_empty() {
            self.pump_deletes();
        }
    }
}
