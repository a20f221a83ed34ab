//! Phase 1, what main and aggressive mode share: starting an SA as
//! initiator, the responder's first message (finding the tunnel, choosing a
//! proposal, the half-open limits), SKEYID and the authenticating hashes,
//! NAT-D, failure and retry, and establishment (which starts the wanted
//! quick modes).

use crate::config::*;
use crate::ike::conf::*;
use crate::ike::crypto::*;
use crate::ike::endpoint::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::sa::*;
use crate::ike::timers::*;
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{self, Builder, Header, IdRepr, Part, ProposalRepr, SaRepr, WireError, exchange, notify, payload, proto};
use rand::Rng;
use std::net::SocketAddrV4;

impl Endpoint {
    /// Send a phase-1 message and remember it for retransmission.
    pub(in crate::ike) fn send_p1(&mut self, now: Millis, idx: SaHandle, exch: u8, b: &Builder, encrypt: bool, expect_reply: bool) {
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
        self.ctx.events.push_back(Event::Sent { conn, peer: dst, exchange: exch, msgid: 0, payloads: b.payloads.iter().map(|p| p.0).collect(), retransmit: false });
        let t = self.sas[idx].tunnel.clone();
        self.tunnel_stats.entry(t).or_default().tx_packets += 1;
        self.send_raw(src, dst, dgram);
    }

    pub(in crate::ike) fn start_phase1(&mut self, now: Millis, p: &PeerConf) {
        let Some(remote) = p.remote else { return };
        let mut sa = self.new_sa(now, &p.name, Role::Initiator, p.mode, SocketAddrV4::new(p.local, IKE_PORT), SocketAddrV4::new(remote, IKE_PORT));
        let sa_payload = SaRepr { doi: wire::DOI_IPSEC, situation: wire::SIT_IDENTITY_ONLY, proposals: vec![ProposalRepr { number: 1, protocol: proto::ISAKMP, spi: vec![], transforms: p.proposals.iter().enumerate().map(|(i, pr)| p1_transform(i as u8 + 1, pr)).collect() }] };
        sa.nego_mut().sa_i_b = sa_payload.emit();
        let mut b = Builder::new();
        b.push(payload::SA, sa.nego().sa_i_b.clone());
        if p.mode == ExchangeMode::Aggressive {
            // Aggressive mode commits to the first proposal's group.
            let g = DhGroup(p.proposals[0].group);
            let Ok(dh) = g.generate(&mut self.ctx.rng) else {
                self.ctx.events.push_back(Event::GiveUp { conn: sa.conn, peer: remote, tunnel: p.name.clone(), state: sa.state });
                return;
            };
            sa.nego_mut().gxi = dh.public.clone();
            sa.nego_mut().dh = Some(dh);
            sa.nego_mut().ni = self.nonce();
            b.push(payload::KE, sa.nego().gxi.clone());
            b.push(payload::NONCE, sa.nego().ni.clone());
            b.push(payload::ID, identity_id(&p.local_id).emit());
        }
        for v in self.vids(p.dpd) {
            b.push(payload::VID, v);
        }
        let state = sa.state;
        let conn = sa.conn;
        let idx = self.push_sa(sa);
        self.ctx.events.push_back(Event::State { conn, peer: remote, old: P1State::MmNoState, new: state });
        let exch = if p.mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
        self.send_p1(now, idx, exch, &b, false, true);
    }

    pub(in crate::ike) fn respond_first(&mut self, now: Millis, local: SocketAddrV4, remote: SocketAddrV4, hdr: &Header, data: &[u8]) {
        let list = match wire::payloads(hdr.next, &data[wire::HEADER_LEN..]) {
            Ok(l) => l,
            Err(e) => {
                self.stats.rx_malformed += 1;
                let n = e.notify();
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                self.answer_unprotected(local, remote, Some(hdr), n);
                return;
            }
        };
        let msg = Msg { list };
        self.ctx.events.push_back(Event::Received { conn: 0, peer: remote, exchange: hdr.exchange, msgid: 0, payloads: msg.kinds() });
        // Half-open bounds.
        let half_peer = self.sas.scan().filter(|s| s.role == Role::Responder && !s.is_established() && s.remote.ip() == remote.ip()).count();
        let half = self.sas.scan().filter(|s| s.role == Role::Responder && !s.is_established()).count();
        if half_peer >= MAX_HALF_OPEN_PER_PEER || half >= MAX_HALF_OPEN {
            // A configured peer's new exchange replaces the oldest half-open SA
            // that never got an answer (spoofed first messages cannot keep a
            // tunnel down, issue 14.5); anything else is dropped.
            let configured = self.ctx.static_peers.contains(&(*local.ip(), *remote.ip()));
            let per_peer = half_peer >= MAX_HALF_OPEN_PER_PEER;
            let victim = configured.then(|| self.sas.find(|s| s.unanswered() && (!per_peer || s.remote.ip() == remote.ip()))).flatten();
            self.stats.half_open_dropped += 1;
            match victim {
                Some(v) => {
                    self.take_sa(v);
                }
                None => return,
            }
        }
        let Some(sa_p) = msg.get(payload::SA) else {
            self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: Some(notify::PAYLOAD_MALFORMED) });
            self.answer_unprotected(local, remote, Some(hdr), notify::PAYLOAD_MALFORMED);
            return;
        };
        let sa_repr = match SaRepr::parse(sa_p.body) {
            Ok(s) => s,
            Err(e) => {
                self.stats.rx_malformed += 1;
                let n = e.notify();
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                self.answer_unprotected(local, remote, Some(hdr), n);
                return;
            }
        };
        // Which tunnels could this be? By local address, then peer address (or identity for aggressive mode).
        let rip = *remote.ip();
        let lip = *local.ip();
        let aggressive = hdr.exchange == exchange::AGGRESSIVE;
        let peer_id = if aggressive { msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok()) } else { None };
        let on_local: Vec<&PeerConf> = self.ctx.conf.peers.iter().filter(|p| p.local == lip && p.version == crate::config::IkeVersion::V1).collect();
        if on_local.is_empty() {
            self.ctx.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::BadLocalAddress });
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
            self.ctx.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::NotFound });
            return;
        };
        let conf_exch = if pc.mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
        let aggressive_ok = aggressive && self.ctx.conf.v1_aggressive_responder;
        if conf_exch != hdr.exchange && !pc.dynamic && !aggressive_ok {
            self.ctx.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::Exchange { received: hdr.exchange, configured: conf_exch } });
            self.answer_unprotected(local, remote, Some(hdr), notify::INVALID_EXCHANGE_TYPE);
            return;
        }
        if !pc.may_respond() {
            self.ctx.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::InitiatorOnly });
            return;
        }
        if pc.psk.is_none() {
            self.ctx.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::NoKey });
            return;
        }
        if pc.kind == TunnelKind::OnDemand {
            if let Some(max) = pc.max_tunnels {
                if self.sas.scan().filter(|s| s.tunnel == pc.name).count() as u32 >= max {
                    self.ctx.events.push_back(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::MaxTunnels(max) });
                    return;
                }
            }
        }
        let mode = if aggressive { ExchangeMode::Aggressive } else { ExchangeMode::Main };
        let mut sa = self.new_sa(now, &pc.name, Role::Responder, mode, local, remote);
        sa.icookie = hdr.icookie;
        self.ctx.rng.fill_bytes(&mut sa.rcookie);
        sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
        sa.nego_mut().sa_i_b = sa_p.body.to_vec();
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
        self.ctx.events.push_back(Event::PeerKeyFound { conn, peer: rip });
        // Proposal selection: configured proposals by priority, each against every offered transform.
        let chosen = select_p1(&mut self.ctx.events, conn, &sa_repr, &pc, remote);
        let Some((t, prop)) = chosen else {
            self.stats.p1_failed += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p1_failed += 1;
            // Nothing usable was offered at all: answer with what was wrong (Table 5); else NO_PROPOSAL_CHOSEN.
            let why = match self.ctx.events.back() {
                Some(Event::Malformed { answered: Some(n), .. }) => *n,
                _ => {
                    self.ctx.events.push_back(Event::P1NoneAcceptable { conn, peer: rip });
                    notify::NO_PROPOSAL_CHOSEN
                }
            };
            self.ctx.events.push_back(Event::Phase1Failed { conn, local, remote, role: Role::Responder, state: P1State::MmNoState, exchange: hdr.exchange });
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
            self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::AggressiveFirst), answered: Some(notify::PAYLOAD_MALFORMED) });
            self.take_sa(idx);
            return;
        };
        if identity_match(&pc.remote_id, &id) == 0 {
            self.ctx.events.push_back(Event::IdMismatch { conn, peer: rip, id });
            self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        }
        let g = DhGroup(prop.group);
        if ke.body.len() != g.public_len() {
            self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Ke), answered: Some(notify::INVALID_KEY_INFORMATION) });
            self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        }
        self.sas[idx].peer_id = Some(id);
        self.sas[idx].nego_mut().gxi = ke.body.to_vec();
        self.sas[idx].nego_mut().ni = ni.body.to_vec();
        let Ok(dh) = g.generate(&mut self.ctx.rng) else { return };
        let nr = self.nonce();
        let sa = &mut self.sas[idx];
        sa.nego_mut().gxr = dh.public.clone();
        sa.nego_mut().nr = nr;
        sa.nego_mut().dh = Some(dh);
        if !self.derive_p1(idx, &pc) {
            self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
            self.take_sa(idx);
            return;
        }
        let sa = &self.sas[idx];
        let idr = identity_id(&pc.local_id).emit();
        let hash_r = self.hash_auth(idx, false, &idr);
        let mut b = Builder::new();
        b.push(payload::SA, chosen_sa.emit()).push(payload::KE, sa.nego().gxr.clone()).push(payload::NONCE, sa.nego().nr.clone()).push(payload::ID, idr).push(payload::HASH, hash_r);
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


    /// SKEYID and friends (RFC 2409 5); false when the DH computation fails.
    pub(in crate::ike) fn derive_p1(&mut self, idx: SaHandle, pc: &PeerConf) -> bool {
        let sa = &mut self.sas[idx];
        let (Some(h), Some(c), Some(dh)) = (sa.hash, sa.cipher, sa.nego().dh.as_ref()) else { return false };
        let peer_pub = if sa.role == Role::Initiator { &sa.nego().gxr } else { &sa.nego().gxi };
        let Ok(gxy) = dh.shared(peer_pub) else { return false };
        let psk = pc.psk.clone().unwrap_or_default();
        let skeyid = h.prf(&psk, &[&sa.nego().ni, &sa.nego().nr]);
        let d = h.prf(&skeyid, &[&gxy, &sa.icookie, &sa.rcookie, &[0]]);
        let a = h.prf(&skeyid, &[&d, &gxy, &sa.icookie, &sa.rcookie, &[1]]);
        let e = h.prf(&skeyid, &[&a, &gxy, &sa.icookie, &sa.rcookie, &[2]]);
        sa.enc_key = expand_v1_key(h, &e, c.key_len());
        sa.iv = h.hash(&[&sa.nego().gxi, &sa.nego().gxr])[..c.block_size()].to_vec();
        sa.keys = Some(P1Keys { skeyid, d, a });
        let (conn, peer) = (sa.conn, *sa.remote.ip());
        self.ctx.events.push_back(Event::SkeyidGenerated { conn, peer });
        true
    }

    /// HASH_I (initiator) or HASH_R over the given ID payload body.
    pub(in crate::ike) fn hash_auth(&self, idx: SaHandle, initiator: bool, id_b: &[u8]) -> Vec<u8> {
        let sa = &self.sas[idx];
        let (Some(h), Some(k)) = (sa.hash, sa.keys.as_ref()) else { return Vec::new() };
        if initiator {
            h.prf(&k.skeyid, &[&sa.nego().gxi, &sa.nego().gxr, &sa.icookie, &sa.rcookie, &sa.nego().sa_i_b, id_b])
        } else {
            h.prf(&k.skeyid, &[&sa.nego().gxr, &sa.nego().gxi, &sa.rcookie, &sa.icookie, &sa.nego().sa_i_b, id_b])
        }
    }

    /// Our NAT-D payloads: the peer's address first, then ours.
    pub(in crate::ike) fn natd_payloads(&self, idx: SaHandle, _msg: &Msg) -> Vec<Vec<u8>> {
        let sa = &self.sas[idx];
        let Some(h) = sa.hash else { return vec![] };
        vec![nat_hash(h, &sa.icookie, &sa.rcookie, sa.remote), nat_hash(h, &sa.icookie, &sa.rcookie, sa.local)]
    }

    /// Check the peer's NAT-D payloads; sets the NAT flags.
    pub(in crate::ike) fn check_natd(&mut self, idx: SaHandle, msg: &Msg, local: SocketAddrV4, remote: SocketAddrV4) {
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
            self.ctx.events.push_back(Event::NatDetected { conn, peer, local_behind, remote_behind });
        }
    }

    /// The initiator's check of the responder (MM6, AM2): HASH_R over its ID,
    /// then the ID against the configured remote identity. On failure the SA
    /// is gone and the event says why.
    pub(in crate::ike) fn responder_authenticated(&mut self, idx: SaHandle, pc: &PeerConf, id: &IdRepr, id_b: &[u8], hash: &[u8]) -> bool {
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        if self.hash_auth(idx, false, id_b) != hash {
            self.ctx.events.push_back(Event::AuthFailed { conn, peer });
            self.fail_p1(idx, DownReason::AuthenticationFailed);
            return false;
        }
        if identity_match(&pc.remote_id, id) == 0 {
            self.ctx.events.push_back(Event::IdMismatch { conn, peer, id: id.clone() });
            self.fail_p1(idx, DownReason::IdentityMismatch);
            return false;
        }
        true
    }

    /// The KE and nonce of message 3 or 4, checked against the chosen group
    /// (a malformed pair is reported; the responder answers INVALID-KEY-INFORMATION).
    pub(in crate::ike) fn ke_and_nonce(&mut self, idx: SaHandle, msg: &Msg, remote: SocketAddrV4, responder: bool) -> Option<(Vec<u8>, Vec<u8>)> {
        let g = DhGroup(self.sas[idx].chosen.as_ref().map(|c| c.group).unwrap_or(2));
        match (msg.get(payload::KE), msg.get(payload::NONCE)) {
            (Some(ke), Some(n)) if ke.body.len() == g.public_len() && (8..=256).contains(&n.body.len()) => Some((ke.body.to_vec(), n.body.to_vec())),
            (ke, _) => {
                let answered = (responder && ke.is_some()).then_some(notify::INVALID_KEY_INFORMATION);
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Ke), answered });
                None
            }
        }
    }

    pub(in crate::ike) fn peer_conf(&self, idx: SaHandle) -> Option<PeerConf> {
        self.pc(&self.sas[idx].tunnel).cloned()
    }

    pub(in crate::ike) fn fail_p1(&mut self, idx: SaHandle, reason: DownReason) {
        let sa = &self.sas[idx];
        let (conn, peer, tunnel, established) = (sa.conn, *sa.remote.ip(), sa.tunnel.clone(), sa.is_established());
        self.stats.p1_failed += 1;
        self.tunnel_stats.entry(tunnel.clone()).or_default().p1_failed += 1;
        self.ctx.events.push_back(Event::Phase1Down { conn, peer, tunnel: tunnel.clone(), reason, established });
        self.take_sa(idx);
        self.schedule_retry(&tunnel);
    }

    /// A static tunnel that failed is tried again after [`RETRY_INTERVAL`].
    pub(in crate::ike) fn schedule_retry(&mut self, tunnel: &str) {
        if self.pc(tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) && !self.sas.scan().any(|s| s.tunnel == tunnel) {
            self.timers.set(TimerKey::Retry(tunnel.to_string()), Some(self.ctx.now + RETRY_INTERVAL));
        }
    }

    pub(in crate::ike) fn established(&mut self, now: Millis, idx: SaHandle) {
        self.set_state(idx, P1State::QmIdle);
        let dpd_conf = self.pc(&self.sas[idx].tunnel).map(|p| p.dpd).unwrap_or(false);
        let sa = &mut self.sas[idx];
        sa.established = Some(now);
        // The negotiation is over: its DH secret, public values and nonces go.
        sa.nego = None;
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
        self.ctx.events.push_back(Event::Phase1Up { conn, peer, tunnel: tunnel.clone(), role });
        // A rekeyed phase 1: the older SA of this tunnel with this peer is deleted.
        let older: Vec<u32> = self.sas.conns_where(|s| s.conn != conn && s.tunnel == tunnel && s.remote.ip() == peer.ip() && s.is_established() && s.rekeyed);
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
}
