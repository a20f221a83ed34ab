//! Quick mode (RFC 2409 5.5): child SAs. Starting the wanted children when
//! phase 1 is up, the three messages on both sides (proxy identities,
//! transforms, PFS, RESPONDER-LIFETIME), key material, installing the
//! child (and deleting the one a rekey replaces), and rekeying.

use crate::ike::crypto::*;
use crate::ike::endpoint::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::sa::*;
use crate::ike::timers::*;
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{self, Attr, Builder, Header, IdRepr, NotifyRepr, Part, ProposalRepr, SaRepr, WireError, exchange, notify, payload, proto};
use rand::RngExt;

impl Endpoint {
    pub(in crate::ike) fn start_wanted(&mut self, now: Millis, idx: SaHandle) {
        let tunnel = self.sas[idx].tunnel.clone();
        let want: Vec<usize> = self.wanted.remove(&tunnel).map(|w| w.into_iter().collect()).unwrap_or_default();
        for c in want {
            if !self.sas[idx].quick.iter().any(|q| q.child == c) {
                self.start_quick(now, idx, c, None);
            }
        }
    }

    pub(in crate::ike) fn qm_iv(&self, idx: SaHandle, msgid: u32) -> Vec<u8> {
        let sa = &self.sas[idx];
        let (Some(h), Some(c)) = (sa.hash, sa.cipher) else { return Vec::new() };
        h.hash(&[&sa.p1_last, &msgid.to_be_bytes()])[..c.block_size()].to_vec()
    }

    pub(in crate::ike) fn start_quick(&mut self, now: Millis, idx: SaHandle, child: usize, rekey_of: Option<u32>) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let Some(cc) = pc.children.get(child).cloned() else { return };
        let msgid: u32 = self.ctx.rng.random::<u32>() | 1;
        let spi_in = self.spi();
        let ni = self.nonce();
        let dh = match cc.pfs {
            Some(g) => match DhGroup(g).generate(&mut self.ctx.rng) {
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
        self.ctx.events.push_back(Event::Selectors { conn, peer, sent: true, initiator: idci, responder: idcr });
        self.send_quick(now, idx, msgid, &[&msgid.to_be_bytes()], rest, true);
    }

    /// Send a quick-mode message: HASH over `prefix` and the payloads, encrypted with the exchange's IV.
    pub(in crate::ike) fn send_quick(&mut self, now: Millis, idx: SaHandle, msgid: u32, prefix: &[&[u8]], rest: Builder, expect_reply: bool) {
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
        self.ctx.events.push_back(Event::Sent { conn, peer: dst, exchange: exchange::QUICK, msgid, payloads: b.payloads.iter().map(|p| p.0).collect(), retransmit: false });
        let t = self.sas[idx].tunnel.clone();
        self.tunnel_stats.entry(t).or_default().tx_packets += 1;
        self.send_raw(src, dst, dgram);
    }

    pub(in crate::ike) fn quick_mode(&mut self, now: Millis, idx: SaHandle, hdr: &Header, data: &[u8]) {
        let remote = self.sas[idx].remote;
        if !self.sas[idx].is_established() || hdr.msgid == 0 || hdr.flags & wire::flags::ENCRYPTION == 0 {
            self.stats.rx_malformed += 1;
            self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::QuickMode), answered: None });
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
        let Some(Protected { msg, last, hash, rest, prf, ka }) = self.open_protected(idx, hdr, data, iv, &mut plain, true) else { return };
        let msgid = hdr.msgid.to_be_bytes();
        match qi {
            None => {
                // QM1 from the initiator: HASH(1) = prf(SKEYID_a, M-ID | rest).
                if !self.hash_ok(idx, &prf.prf(&ka, &[&msgid, &rest]), hash) {
                    return;
                }
                self.quick_respond(now, idx, hdr, data, &msg, last);
            }
            Some(qi) => {
                let q = &self.sas[idx].quick[qi];
                if q.role == Role::Initiator && q.nr.is_empty() {
                    // QM2: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest).
                    let ni = q.ni.clone();
                    if !self.hash_ok(idx, &prf.prf(&ka, &[&msgid, &ni, &rest]), hash) {
                        return;
                    }
                    self.quick_finish_initiator(now, idx, qi, data, &msg, last);
                } else if q.role == Role::Responder && !q.nr.is_empty() {
                    // QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
                    let (ni, nr) = (q.ni.clone(), q.nr.clone());
                    if !self.hash_ok(idx, &prf.prf(&ka, &[&[0u8], &msgid, &ni, &nr]), hash) {
                        return;
                    }
                    let q = self.sas[idx].quick.remove(qi);
                    self.install_child(now, idx, q);
                }
            }
        }
    }

    pub(in crate::ike) fn quick_respond(&mut self, now: Millis, idx: SaHandle, hdr: &Header, data: &[u8], msg: &Msg, last: Vec<u8>) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let (local, remote, conn) = (self.sas[idx].local, self.sas[idx].remote, self.sas[idx].conn);
        let peer = *remote.ip();
        let ids: Vec<IdRepr> = msg.all(payload::ID).filter_map(|p| IdRepr::parse(p.body).ok()).collect();
        let (idci, idcr) = match ids.as_slice() {
            [a, b] => (a.clone(), b.clone()),
            [] => (IdRepr::ipv4(*remote.ip()), IdRepr::ipv4(*local.ip())),
            _ => {
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Id), answered: Some(notify::INVALID_ID_INFORMATION) });
                return;
            }
        };
        self.ctx.events.push_back(Event::Selectors { conn, peer, sent: false, initiator: idci.clone(), responder: idcr.clone() });
        let (Some(sa_p), Some(ni)) = (msg.get(payload::SA), msg.get(payload::NONCE)) else {
            self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: None });
            return;
        };
        let offer = match SaRepr::parse(sa_p.body) {
            Ok(s) => s,
            Err(e) => {
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: e, answered: None });
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
                self.ctx.events.push_back(Event::ProxyIdMismatch { conn, peer, initiator: idci, responder: idcr });
                self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ESP, vec![], vec![]);
                return;
            }
        };
        let chosen = select_p2(&mut self.ctx.events, conn, peer, &offer, &cc, msg.get(payload::KE).is_some());
        let Some((prop, theirs)) = chosen else {
            self.stats.p2_failed += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p2_failed += 1;
            self.ctx.events.push_back(Event::P2NoneAcceptable { conn, peer });
            self.send_notify(idx, notify::NO_PROPOSAL_CHOSEN, proto::ESP, vec![], vec![]);
            return;
        };
        let part = theirs.iter().position(|p| p.protocol == proto::ESP).unwrap_or(0) as u8 + 1;
        self.ctx.events.push_back(Event::P2Accepted { conn, peer, local: *local.ip(), part, local_id: idcr.clone(), remote_id: idci.clone(), protocol: if prop.esp.is_some() { proto::ESP } else { proto::AH }, esp: prop.esp, ah: prop.ah });
        let Some(child) = child else {
            self.stats.p2_failed += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p2_failed += 1;
            // Another peer's entry mirrors these proxies (IOS: `peer address X not found`).
            let tunnel = self.sas[idx].tunnel.clone();
            let other = self.ctx.conf.peers.iter().any(|p| p.name != tunnel && p.local == *local.ip() && p.children.iter().any(|c| Some(c.local_ts) == theirs_local && Some(c.remote_ts) == theirs_remote));
            if other {
                self.ctx.events.push_back(Event::P2PeerNotFound { conn, peer, initiator: idci, responder: idcr });
            } else {
                self.ctx.events.push_back(Event::ProxyIdMismatch { conn, peer, initiator: idci, responder: idcr });
            }
            self.send_notify(idx, notify::INVALID_ID_INFORMATION, proto::ESP, vec![], vec![]);
            return;
        };
        // PFS.
        let mut dh = None;
        let mut gxy = None;
        if let Some(g) = cc.pfs {
            let Some(ke) = msg.get(payload::KE) else { return };
            let Ok(d) = DhGroup(g).generate(&mut self.ctx.rng) else { return };
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
        self.ctx.events.push_back(Event::SpiAllocated { conn, peer, local: *local.ip(), protocol: theirs[0].protocol, spi: spi_in });
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


    pub(in crate::ike) fn quick_finish_initiator(&mut self, now: Millis, idx: SaHandle, qi: usize, data: &[u8], msg: &Msg, last: Vec<u8>) {
        let Some(pc) = self.peer_conf(idx) else { return };
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        let child = self.sas[idx].quick[qi].child;
        let Some(cc) = pc.children.get(child).cloned() else { return };
        for n in msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()) {
            if n.kind == notify::RESPONDER_LIFETIME {
                // Table 5 rows 36/37: the notify itself, then the lifetime it carries.
                self.ctx.events.push_back(Event::NotifyReceived { conn, peer, kind: n.kind, protocol: n.protocol, spi: n.spi.clone(), protected: true });
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
                self.ctx.events.push_back(Event::ResponderLifetime { conn, peer, protocol: n.protocol, seconds: secs, kbytes: kb });
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
            self.ctx.events.push_back(Event::P2NoneAcceptable { conn, peer });
            self.sas[idx].quick.remove(qi);
            return;
        };
        let Ok(spi_out) = <[u8; 4]>::try_from(first.spi.as_slice()).map(u32::from_be_bytes) else { return };
        let local = *self.sas[idx].local.ip();
        let part = chosen.proposals.iter().position(|p| p.protocol == proto::ESP).unwrap_or(0) as u8 + 1;
        self.ctx.events.push_back(Event::P2Accepted { conn, peer, local, part, local_id: selector_id(&cc.local_ts), remote_id: selector_id(&cc.remote_ts), protocol: first.protocol, esp: ours.esp, ah: ours.ah });
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

    pub(in crate::ike) fn install_child(&mut self, now: Millis, idx: SaHandle, q: Quick) {
        let spi_out = q.chosen.as_ref().and_then(|(_, p)| <[u8; 4]>::try_from(p.spi.as_slice()).ok()).map(u32::from_be_bytes).unwrap_or(0);
        self.install_child_with_spi(now, idx, q, spi_out);
    }

    pub(in crate::ike) fn install_child_with_spi(&mut self, now: Millis, idx: SaHandle, q: Quick, spi_out: u32) {
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
        self.ctx.events.push_back(Event::ChildInstalled(ChildInfo::of(&c)));
        self.ctx.events.push_back(Event::ChildUp { tunnel, peer, spi_in: si, spi_out: so, local_ts, remote_ts, rekey: q.rekey_of.is_some() });
        // A rekey replaces the old SA pair: tell the peer to delete the old one.
        if let Some(old) = q.rekey_of {
            if let Some(oi) = self.children.iter().position(|c| c.id == old) {
                let o = self.remove_child(oi);
                self.send_delete_child(idx, &o);
                self.ctx.events.push_back(Event::ChildDown { tunnel: o.tunnel, peer, spi_in: o.spi_in, spi_out: o.spi_out, reason: DownReason::Rekeyed });
            }
        } else if q.role == Role::Responder {
            // The peer renegotiated this child: the older pair goes when it expires or is deleted.
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
        match self.sas.find(|s| s.tunnel == tunnel && s.is_established() && !s.deleting) {
            Some(idx) => self.start_quick(now, idx, child, Some(id)),
            None => {
                self.wanted.entry(tunnel.clone()).or_default().insert(child);
                if !self.sas.scan().any(|s| s.tunnel == tunnel) {
                    if let Some(p) = self.pc(&tunnel).cloned() {
                        self.start_phase1(now, &p);
                    }
                }
            }
        }
    }
}
