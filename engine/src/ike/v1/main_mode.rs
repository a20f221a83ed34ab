//! Main mode (RFC 2409 5), messages 2 to 6 on both sides (the responder's
//! first message is in [`super::phase1`]): SA, then KE and nonces with
//! NAT-D, then the encrypted identities and hashes.

use crate::config::*;
use crate::ike::crypto::*;
use crate::ike::endpoint::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::sa::*;
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{self, Builder, Header, IdRepr, NotifyRepr, Part, SaRepr, WireError, exchange, notify, payload, proto};

impl Endpoint {
    pub(in crate::ike) fn main_mode(&mut self, now: Millis, idx: SaHandle, hdr: &Header, data: &[u8]) {
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
                    self.ctx.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message, error: e });
                    self.answer_unprotected(local, remote, Some(hdr), notify::UNEQUAL_PAYLOAD_LENGTHS);
                } else {
                    let n = e.notify();
                    self.ctx.events.push_back(Event::Malformed { peer: remote, error: e, answered: Some(n) });
                }
                return;
            }
        };
        let msg = Msg { list };
        self.ctx.events.push_back(Event::Received { conn, peer: remote, exchange: hdr.exchange, msgid: 0, payloads: msg.kinds() });
        if let Some(n) = msg.get(payload::NOTIFY) {
            if let Ok(n) = NotifyRepr::parse(n.body) {
                if n.kind < 16384 {
                    self.stats.notifies_rx += 1;
                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().notifies_rx += 1;
                    self.ctx.events.push_back(Event::NotifyReceived { conn, peer: *remote.ip(), kind: n.kind, protocol: n.protocol, spi: n.spi, protected: hdr.flags & 1 != 0 });
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
                    self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: None });
                    return;
                };
                let prop = offered_p1(&t).ok().and_then(|o| pc.proposals.iter().find(|c| check_p1(&o, c).is_ok()).map(|c| (o, c.clone())));
                let Some((o, mut prop)) = prop else {
                    self.ctx.events.push_back(Event::P1NoneAcceptable { conn, peer: *remote.ip() });
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
                let Ok(dh) = g.generate(&mut self.ctx.rng) else { return };
                let ni = self.nonce();
                let sa = &mut self.sas[idx];
                sa.lifetime = prop.lifetime;
                sa.cipher = Some(prop.cipher());
                sa.hash = Some(prop.hash_alg());
                sa.chosen = Some(prop);
                sa.nego_mut().gxi = dh.public.clone();
                sa.nego_mut().dh = Some(dh);
                sa.nego_mut().ni = ni;
                let mut b = Builder::new();
                b.push(payload::KE, sa.nego().gxi.clone()).push(payload::NONCE, sa.nego().ni.clone());
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
                let Ok(dh) = g.generate(&mut self.ctx.rng) else { return };
                let nr = self.nonce();
                let sa = &mut self.sas[idx];
                sa.last_recv = Some(data.to_vec());
        sa.replay = Replay::default();
                sa.nego_mut().gxi = ke;
                sa.nego_mut().ni = ni;
                sa.nego_mut().gxr = dh.public.clone();
                sa.nego_mut().dh = Some(dh);
                sa.nego_mut().nr = nr;
                if !self.derive_p1(idx, &pc) {
                    self.send_notify(idx, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
                    self.fail_p1(idx, DownReason::DhFailed);
                    return;
                }
                self.check_natd(idx, &msg, local, remote);
                let sa = &self.sas[idx];
                let mut b = Builder::new();
                b.push(payload::KE, sa.nego().gxr.clone()).push(payload::NONCE, sa.nego().nr.clone());
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
                sa.nego_mut().gxr = ke;
                sa.nego_mut().nr = nr;
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
                let first_contact = !self.sas.scan().any(|s| s.conn != conn && s.remote.ip() == remote.ip() && s.local.ip() == local.ip() && (s.is_established() || s.state == P1State::MmKeyExch));
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
                    self.ctx.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 5, error: WireError::Malformed(Part::Id) });
                    self.answer_unprotected(local, remote, Some(hdr), notify::UNEQUAL_PAYLOAD_LENGTHS);
                    return;
                };
                if self.hash_auth(idx, true, &id_b) != hash.body {
                    self.ctx.events.push_back(Event::AuthFailed { conn, peer: *remote.ip() });
                    self.send_notify(idx, notify::AUTHENTICATION_FAILED, proto::ISAKMP, Self::cookies(&self.sas[idx]), vec![]);
                    self.fail_p1(idx, DownReason::AuthenticationFailed);
                    return;
                }
                if identity_match(&pc.remote_id, &id) == 0 && pc.kind != TunnelKind::OnDemand {
                    self.ctx.events.push_back(Event::IdMismatch { conn, peer: *remote.ip(), id });
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
                // INITIAL-CONTACT removes the other SAs (this one's handle stays valid).
                if initial_contact {
                    self.initial_contact(now, idx);
                }
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
                    self.ctx.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 6, error: WireError::Malformed(Part::Id) });
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
}
