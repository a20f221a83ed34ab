//! Aggressive mode (RFC 2409 5), messages 2 and 3 on both sides (the
//! responder's first message, which already carries KE, nonce and identity,
//! is in [`super::phase1`]).

use crate::ike::crypto::*;
use crate::ike::endpoint::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::sa::*;
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{self, Builder, Header, IdRepr, NotifyRepr, Part, SaRepr, WireError, exchange, payload};

impl Endpoint {
    pub(in crate::ike) fn aggressive(&mut self, now: Millis, idx: SaHandle, hdr: &Header, data: &[u8]) {
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
                self.ctx.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 3, error: e });
                return;
            }
        };
        let msg = Msg { list };
        self.ctx.events.push_back(Event::Received { conn, peer: remote, exchange: hdr.exchange, msgid: 0, payloads: msg.kinds() });
        if role == Role::Initiator {
            // AM2: SA, KE, Nr, IDir, HASH_R.
            if let Some(n) = msg.get(payload::NOTIFY).and_then(|n| NotifyRepr::parse(n.body).ok()) {
                if n.kind < 16384 {
                    self.ctx.events.push_back(Event::NotifyReceived { conn, peer: *remote.ip(), kind: n.kind, protocol: n.protocol, spi: n.spi, protected: false });
                    self.fail_p1(idx, DownReason::PeerNotify(n.kind));
                    return;
                }
            }
            let chosen = msg.get(payload::SA).and_then(|p| SaRepr::parse(p.body).ok()).and_then(|s| s.proposals.into_iter().next()).and_then(|p| p.transforms.into_iter().next());
            let prop = chosen.and_then(|t| offered_p1(&t).ok()).and_then(|o| pc.proposals.iter().find(|c| check_p1(&o, c).is_ok()).map(|c| (o, c.clone())));
            let (Some((o, mut prop)), Some(ke), Some(nr), Some(idp), Some(hash)) = (prop, msg.get(payload::KE), msg.get(payload::NONCE), msg.get(payload::ID), msg.get(payload::HASH)) else {
                self.ctx.events.push_back(Event::Malformed { peer: remote, error: WireError::Malformed(Part::AggressiveSecond), answered: None });
                return;
            };
            prop.lifetime = o.lifetime.min(prop.lifetime).max(1);
            let Ok(id) = IdRepr::parse(idp.body) else { return };
            if prop.group != self.sas[idx].nego().dh.as_ref().map(|d| d.group().0).unwrap_or(0) || ke.body.len() != DhGroup(prop.group).public_len() {
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
            sa.nego_mut().gxr = ke.body.to_vec();
            sa.nego_mut().nr = nr.body.to_vec();
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
                self.ctx.events.push_back(Event::KeyMismatch { conn, peer: *remote.ip(), message: 3, error: WireError::Malformed(Part::Hash) });
                return;
            };
            let id_b = self.sas[idx].peer_id.as_ref().map(|i| i.emit()).unwrap_or_default();
            if self.hash_auth(idx, true, &id_b) != hash.body {
                self.ctx.events.push_back(Event::AuthFailed { conn, peer: *remote.ip() });
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
}
