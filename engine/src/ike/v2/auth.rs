//! IKE_AUTH (RFC 7296 1.2, 2.15): owns authenticating the IKE SA with a
//! pre-shared key (AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <message octets
//! | peer's nonce | prf(SK_p, ID body)>)), identities (IPv4 address, FQDN,
//! user-FQDN, key-id) checked against the configured remote identity,
//! AUTHENTICATION_FAILED both ways, and the first child SA carried in the
//! exchange (its errors keep the IKE SA, as 1.2 says).

use super::child::{esp_sa, Selected};
use super::keys;
use super::wire::{self, AuthRepr, Builder, Header, Msg, NotifyRepr, Repr, TsRepr, exchange, notify, AUTH_SHARED_KEY_MIC};
use super::{ChildNeg, Core, State, What, id_matches, id_of, sel_to_ts};
use crate::ike::params::Millis;
use crate::ike::events::{DownReason, Event, Role};

impl Core {
    /// Initiator: send IKE_AUTH with the first wanted child.
    pub(crate) fn send_auth(&mut self, i: usize) {
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        let (Some(suite), Some(k), Some(psk)) = (self.sas[i].suite, self.sas[i].keys.clone(), p.psk.clone()) else { return };
        let idi = id_of(&p.local_id, p.local);
        let sa = &self.sas[i];
        let auth = keys::psk_auth(suite.prf, &psk, &sa.init_req, &sa.nr, &k.pi, &idi.body());
        let mut b = Builder::new().add(&Repr::Idi(idi));
        // INITIAL_CONTACT (RFC 7296 3.16) only when we hold no other IKE SA with
        // this peer, in any state: when both ends start at once each has the
        // other's SA in negotiation, and a contact notify would make the peer
        // silently drop an SA this side keeps.
        let (me, peer) = (sa.conn, *sa.remote.ip());
        if !self.sas.iter().any(|s| s.conn != me && *s.remote.ip() == peer) {
            b.push(&Repr::Notify(NotifyRepr::new(notify::INITIAL_CONTACT, vec![])));
        }
        if !matches!(p.remote_id, crate::config::Identity::Any) && p.remote.is_some() {
            b.push(&Repr::Idr(id_of(&p.remote_id, p.remote.unwrap_or(p.local))));
        }
        b.push(&Repr::Auth(AuthRepr { method: AUTH_SHARED_KEY_MIC, data: auth }));
        let mut neg = None;
        if let Some(c) = self.sas[i].want.pop_front() {
            if let Some(cc) = p.children.get(c) {
                let spi_in = self.spi4();
                b.push(&Repr::Sa(esp_sa(cc, spi_in, None)));
                b.push(&Repr::Tsi(TsRepr { selectors: vec![sel_to_ts(&cc.local_ts)] }));
                b.push(&Repr::Tsr(TsRepr { selectors: vec![sel_to_ts(&cc.remote_ts)] }));
                neg = Some(ChildNeg { tunnel: p.name.clone(), child: c, spi_in, ni: self.sas[i].ni.clone(), dh: None, rekey_of: None });
            }
        }
        self.send_request(i, exchange::IKE_AUTH, b, What::Auth(neg));
    }

    fn established(&mut self, now: Millis, i: usize) {
        let sa = &mut self.sas[i];
        sa.state = State::Established;
        sa.established = Some(now);
        sa.dh = None;
        let (conn, peer, tunnel, role) = (sa.conn, sa.remote, sa.tunnel.clone(), sa.role);
        self.stats.ike_established += 1;
        self.retry_at.remove(&tunnel);
        self.emit(Event::Phase1Up { conn, peer, tunnel, role });
    }

    /// Initiator: the IKE_AUTH response.
    pub(crate) fn auth_response(&mut self, now: Millis, i: usize, msg: &Msg, neg: Option<ChildNeg>) {
        let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
        if msg.notify(notify::AUTHENTICATION_FAILED).is_some() {
            self.emit(Event::V2AuthFailed { conn, peer, id: None, identity_mismatch: false });
            self.stats.ike_failed += 1;
            return self.drop_sa(i, DownReason::PeerNotify(notify::AUTHENTICATION_FAILED), true);
        }
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        let (Some(idr), Some(auth)) = (msg.idr(), msg.auth()) else {
            if let Some(n) = msg.error_notify() {
                let reason = DownReason::PeerNotify(n.kind);
                self.stats.ike_failed += 1;
                return self.drop_sa(i, reason, true);
            }
            self.emit(Event::V2Malformed { peer: self.sas[i].remote, error: wire::Error::Missing(wire::payload::AUTH), answered: None });
            return self.drop_sa(i, DownReason::AuthenticationFailed, true);
        };
        let (Some(suite), Some(k), Some(psk)) = (self.sas[i].suite, self.sas[i].keys.clone(), p.psk.clone()) else { return };
        let sa = &self.sas[i];
        let want = keys::psk_auth(suite.prf, &psk, &sa.init_resp, &sa.ni, &k.pr, &idr.body());
        let id_ok = id_matches(&p.remote_id, idr) > 0;
        if auth.method != AUTH_SHARED_KEY_MIC || !super::ct_eq(&want, &auth.data) || !id_ok {
            self.emit(Event::V2AuthFailed { conn, peer, id: Some(idr.clone()), identity_mismatch: !id_ok });
            self.stats.ike_failed += 1;
            return self.drop_sa(i, if id_ok { DownReason::AuthenticationFailed } else { DownReason::IdentityMismatch }, true);
        }
        self.sas[i].peer_id = Some(idr.clone());
        self.established(now, i);
        if let Some(neg) = neg {
            self.child_result(now, i, msg, neg, None);
        }
        // The other wanted children come in CREATE_CHILD_SA exchanges.
        let tunnel = self.sas[i].tunnel.clone();
        let rest: Vec<usize> = self.sas[i].want.drain(..).collect();
        for c in rest {
            self.sas[i].queue.push_back(super::Req::Child { tunnel: tunnel.clone(), child: c, rekey_of: None });
        }
        self.resolve_duplicate(conn);
    }

    /// Responder: an IKE_AUTH request.
    pub(crate) fn auth_request(&mut self, now: Millis, i: usize, hdr: &Header, data: &[u8]) {
        let Some(msg) = self.open(i, hdr, data) else { return };
        let (conn, remote) = (self.sas[i].conn, self.sas[i].remote);
        let peer = *remote.ip();
        let ev = self.msg_event(i, hdr.exchange, hdr.msgid, false, false, msg.kinds(), msg.notify_types(), false);
        self.emit(ev);
        let (Some(idi), Some(auth)) = (msg.idi(), msg.auth()) else {
            self.emit(Event::V2Malformed { peer: remote, error: wire::Error::Missing(if msg.idi().is_none() { wire::payload::IDI } else { wire::payload::AUTH }), answered: Some(notify::INVALID_SYNTAX) });
            let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(notify::INVALID_SYNTAX, vec![])));
            self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
            return self.drop_sa(i, DownReason::AuthenticationFailed, false);
        };
        // The tunnel: among those with this peer, the one whose remote identity matches best.
        let local = *self.sas[i].local.ip();
        let mut cands: Vec<_> = self.peers.iter().filter(|p| p.local == local && p.remote.is_none_or(|r| r == peer) && p.may_respond() && p.psk.is_some()).map(|p| (id_matches(&p.remote_id, idi), p.clone())).filter(|(s, _)| *s > 0).collect();
        cands.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
        let (Some(suite), Some(k)) = (self.sas[i].suite, self.sas[i].keys.clone()) else { return };
        let sa = &self.sas[i];
        let ok = cands.iter().find(|(_, p)| {
            let want = keys::psk_auth(suite.prf, p.psk.as_deref().unwrap_or(&[]), &sa.init_req, &sa.nr, &k.pi, &idi.body());
            auth.method == AUTH_SHARED_KEY_MIC && super::ct_eq(&want, &auth.data)
        });
        let Some((_, pc)) = ok.cloned() else {
            self.emit(Event::V2AuthFailed { conn, peer, id: Some(idi.clone()), identity_mismatch: cands.is_empty() });
            self.emit(Event::V2Notify { conn, peer, kind: notify::AUTHENTICATION_FAILED, sent: true });
            let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(notify::AUTHENTICATION_FAILED, vec![])));
            self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
            self.stats.ike_failed += 1;
            return self.drop_sa(i, DownReason::AuthenticationFailed, false);
        };
        let psk = pc.psk.clone().unwrap_or_default();
        let idr = id_of(&pc.local_id, pc.local);
        let sa = &mut self.sas[i];
        sa.tunnel = pc.name.clone();
        sa.peer_id = Some(idi.clone());
        sa.lifetime = pc.proposals.first().map(|p| p.lifetime).unwrap_or(sa.lifetime);
        let my_auth = keys::psk_auth(suite.prf, &psk, &sa.init_resp, &sa.ni, &k.pr, &idr.body());
        let mut b = Builder::new().add(&Repr::Idr(idr)).add(&Repr::Auth(AuthRepr { method: AUTH_SHARED_KEY_MIC, data: my_auth }));
        // INITIAL_CONTACT: older SAs with this peer and identity go (RFC 7296 2.4).
        if msg.notify(notify::INITIAL_CONTACT).is_some() {
            let old: Vec<u32> = self.sas.iter().filter(|s| s.conn != conn && s.remote.ip() == &peer && s.peer_id.as_ref() == Some(idi) && s.is_established()).map(|s| s.conn).collect();
            for c in old {
                if let Some(j) = self.index(c) {
                    // Told to the peer too: a contact notify sent while this
                    // side finished its own SA (both ends starting at once)
                    // must not leave that SA on the peer alone.
                    self.tell_delete(j);
                    self.drop_sa(j, DownReason::InitialContact, false);
                }
            }
        }
        let Some(i) = self.index(conn) else { return };
        let mut install: Option<(Selected, Vec<u8>)> = None;
        if msg.sa().is_some() {
            match self.select_child(i, &msg, None, None) {
                Ok(sel) => {
                    let spi_in = self.spi4();
                    b.push(&Repr::Sa(super::child::chosen_sa(&sel, spi_in)));
                    b.push(&Repr::Tsi(TsRepr { selectors: vec![sel_to_ts(&sel.remote)] }));
                    b.push(&Repr::Tsr(TsRepr { selectors: vec![sel_to_ts(&sel.local)] }));
                    install = Some((Selected { spi_in, ..sel }, Vec::new()));
                }
                Err((n, _)) => {
                    self.emit(Event::V2Notify { conn, peer, kind: n, sent: true });
                    self.stats.child_failed += 1;
                    b.push(&Repr::Notify(NotifyRepr::new(n, vec![])));
                }
            }
        }
        self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
        self.established(now, i);
        if let Some((sel, _)) = install {
            let (ni, nr) = (self.sas[i].ni.clone(), self.sas[i].nr.clone());
            self.install_child(now, i, &sel, &ni, &nr, None, Role::Responder, None);
        }
        self.resolve_duplicate(conn);
    }

    /// Both ends started the same tunnel at once (each initiated while the
    /// other did): two IKE SAs, each with its children, now established for
    /// one tunnel. RFC 7296 leaves this case open; as for rekey collisions
    /// (2.8.1, 2.8.2) the SA made with the lowest of its nonces is the
    /// redundant one, both ends compute the same, and its original initiator
    /// deletes it with its children; its responder lets it carry nothing new
    /// meanwhile (and logs no tunnel down when it goes). One IKE SA and one
    /// set of children remain, the same on both sides.
    pub(crate) fn resolve_duplicate(&mut self, conn: u32) {
        let Some(i) = self.index(conn) else { return };
        let sa = &self.sas[i];
        if !sa.is_established() || sa.rekey_from.is_some() {
            return;
        }
        let low = |s: &super::Sa| if s.ni <= s.nr { s.ni.clone() } else { s.nr.clone() };
        let (tunnel, peer) = (sa.tunnel.clone(), *sa.remote.ip());
        // Only an SA of the other role: two the peer started on purpose (several
        // of its tunnels sharing our one) are not duplicates.
        let role = sa.role;
        let Some(j) = self.sas.iter().position(|s| s.conn != conn && s.role != role && s.is_established() && s.rekey_from.is_none() && s.tunnel == tunnel && *s.remote.ip() == peer) else { return };
        let loser = if low(&self.sas[i]) < low(&self.sas[j]) { i } else { j };
        if self.sas[loser].role == Role::Initiator {
            self.send_delete_ike(loser);
        } else {
            self.sas[loser].state = State::Deleting;
        }
    }
}
