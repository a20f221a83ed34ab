//! Main mode (RFC 2409 5), messages 2 to 6 on both sides (the responder's
//! first message is in [`super::phase1`]): SA, then KE and nonces with
//! NAT-D, then the encrypted identities and hashes (or, with RSA signatures,
//! CERTREQ beside KE and CERT and SIG in place of HASH: [`super::sig_auth`]). One function per
//! received message over the context and the SA; the state of the SA
//! ([`P1State`]) says which message is expected.

use crate::config::*;
use crate::ike::conf::PeerConf;
use crate::ike::context::Ctx;
use crate::ike::crypto::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::params::*;
use crate::ike::sa::*;
use crate::ike::v1::informational::send_notify;
use crate::ike::v1::phase1::*;
use crate::ike::v1::proposals::*;
use crate::ike::v1::sig_auth;
use crate::ike::v1::*;
use crate::ike::wire::{
    self, Builder, Header, IdRepr, NotifyRepr, Part, SaRepr, WireError, exchange, notify, payload, proto,
};

/// A main-mode message on `sa`. `first_contact`: no other SA with this
/// peer is up or authenticating (MM5 then carries INITIAL-CONTACT).
pub(in crate::ike) fn handle(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    pc: &PeerConf,
    now: Millis,
    hdr: &Header,
    data: &[u8],
    first_contact: bool,
) -> Next {
    let (role, state) = (sa.role, sa.state);
    let (local, remote, conn) = (sa.local, sa.remote, sa.conn);
    let mut plain = Vec::new();
    let (list, last) = match open(sa, hdr, data, Some(sa.iv().to_vec()), &mut plain) {
        Ok(x) => x,
        Err(e) => {
            cx.stats.rx_malformed += 1;
            if hdr.flags & wire::flags::ENCRYPTION != 0 {
                // Garbage after decryption: the keys differ (pre-shared key mismatch).
                let message = if role == Role::Responder { 5 } else { 6 };
                let reserved = super::garbage_reserved(sa, hdr, data);
                cx.event(Event::KeyMismatch { conn, peer: *remote.ip(), message, error: e, reserved });
                answer_unprotected(cx, answer_conn(sa, hdr), local, remote, Some(hdr), notify::UNEQUAL_PAYLOAD_LENGTHS);
            } else {
                let n = e.notify();
                cx.event(Event::Malformed { peer: remote, error: e, answered: Some(n) });
            }
            return Next::Done;
        }
    };
    let msg = Msg { list };
    cx.event(Event::Received {
        conn,
        peer: remote,
        exchange: hdr.exchange,
        msgid: 0,
        payloads: msg.kinds(),
        sa_state: Some((role, state)),
        local_port: local.port(),
    });
    if let Some(next) = error_notify(cx, sa, &msg, remote, hdr.flags & 1 != 0) {
        return next;
    }
    if let Some(number) = mm_number(role, state, false, false) {
        cx.event(Event::P1Step { conn, peer: *remote.ip(), role, number, sent: false });
    }
    match (role, state) {
        (Role::Initiator, P1State::MmNoState) => mm2(cx, sa, pc, now, hdr, data, &msg),
        (Role::Responder, P1State::MmSaSetup) => mm3(cx, sa, pc, now, data, &msg),
        (Role::Initiator, P1State::MmSaSetup) => mm4(cx, sa, pc, now, data, &msg, first_contact),
        (Role::Responder, P1State::MmKeyExch) => mm5(cx, sa, pc, hdr, data, &msg, last),
        (Role::Initiator, P1State::MmKeyExch) => mm6(cx, sa, pc, data, &msg, last),
        // Out of order: ignore (a late retransmission).
        _ => Next::Done,
    }
}

/// MM2 (initiator): the chosen transform; MM3 goes out (KE, Ni, NAT-D).
fn mm2(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf, now: Millis, hdr: &Header, data: &[u8], msg: &Msg) -> Next {
    let (remote, conn) = (sa.remote, sa.conn);
    let chosen = msg
        .get(payload::SA)
        .and_then(|p| SaRepr::parse(p.body).ok())
        .and_then(|s| s.proposals.into_iter().next())
        .and_then(|p| p.transforms.into_iter().next());
    let Some(t) = chosen else {
        cx.event(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: None });
        return Next::Done;
    };
    let prop = crate::ike::matching::offered_p1_for(&t, pc)
        .ok()
        .and_then(|o| pc.proposals.iter().find(|c| check_p1(&o, c).is_ok()).map(|c| (o, c.clone())));
    let Some((o, mut prop)) = prop else {
        cx.event(Event::P1NoneAcceptable { conn, peer: *remote.ip() });
        return Next::Fail(DownReason::TransformNotOffered);
    };
    prop.lifetime = o.lifetime.min(prop.lifetime).max(1);
    sa.rcookie = hdr.rcookie;
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    peer_vids(sa, msg);
    let g = DhGroup(prop.group);
    let Ok(dh) = g.generate(&mut cx.rng) else { return Next::Done };
    let ni = cx.nonce();
    sa.lifetime = prop.lifetime;
    sa.chosen = Some(prop);
    if let Some(n) = sa.nego_mut() {
        n.gxi = dh.public.clone();
        n.dh = Some(dh);
        n.ni = ni;
    }
    let mut b = Builder::new();
    b.push(payload::KE, sa.nego().gxi.clone()).push(payload::NONCE, sa.nego().ni.clone());
    if super::phase1::uses_sig(sa) {
        for r in sig_auth::certreqs(pc) {
            b.push(payload::CERTREQ, r);
        }
    }
    if sa.peer_natt {
        for n in natd_payloads(sa) {
            b.push(payload::NAT_D, n);
        }
    }
    set_state(cx, sa, P1State::MmSaSetup);
    send_p1(cx, sa, now, exchange::MAIN, &b, false, true);
    Next::Done
}

/// MM3 (responder): KE, Ni, NAT-D; MM4 goes out.
fn mm3(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf, now: Millis, data: &[u8], msg: &Msg) -> Next {
    let (local, remote) = (sa.local, sa.remote);
    let Some((ke, ni)) = ke_and_nonce(cx, sa, msg, remote, true) else {
        if msg.get(payload::KE).is_some() {
            send_notify(cx, sa, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, cookies(sa), vec![]);
            return Next::Fail(DownReason::BadKeyExchange);
        }
        return Next::Done;
    };
    let g = DhGroup(sa.chosen.as_ref().map(|c| c.group).unwrap_or(2));
    let Ok(dh) = g.generate(&mut cx.rng) else { return Next::Done };
    let nr = cx.nonce();
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    if let Some(n) = sa.nego_mut() {
        n.gxi = ke;
        n.ni = ni;
        n.gxr = dh.public.clone();
        n.dh = Some(dh);
        n.nr = nr;
    }
    if !derive_p1(cx, sa, pc) {
        send_notify(cx, sa, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, cookies(sa), vec![]);
        return Next::Fail(DownReason::DhFailed);
    }
    check_natd(cx, sa, msg, local, remote);
    let mut b = Builder::new();
    b.push(payload::KE, sa.nego().gxr.clone()).push(payload::NONCE, sa.nego().nr.clone());
    if super::phase1::uses_sig(sa) {
        for r in sig_auth::certreqs(pc) {
            b.push(payload::CERTREQ, r);
        }
    }
    if sa.peer_natt && msg.get(payload::NAT_D).is_some() {
        for n in natd_payloads(sa) {
            b.push(payload::NAT_D, n);
        }
    }
    set_state(cx, sa, P1State::MmKeyExch);
    send_p1(cx, sa, now, exchange::MAIN, &b, false, true);
    Next::Done
}

/// MM4 (initiator): KE, Nr, NAT-D; then MM5 (IDii, HASH_I, encrypted).
fn mm4(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf, now: Millis, data: &[u8], msg: &Msg, first_contact: bool) -> Next {
    let (local, remote) = (sa.local, sa.remote);
    let Some((ke, nr)) = ke_and_nonce(cx, sa, msg, remote, false) else { return Next::Done };
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    if let Some(n) = sa.nego_mut() {
        n.gxr = ke;
        n.nr = nr;
    }
    if !derive_p1(cx, sa, pc) {
        return Next::Fail(DownReason::DhFailed);
    }
    check_natd(cx, sa, msg, local, remote);
    float_ports(sa);
    let idi = identity_id(&pc.local_id).emit();
    let mut b = Builder::new();
    if super::phase1::uses_sig(sa) {
        match sig_auth::sign(cx, sa, pc, true, &idi) {
            Ok(ps) => {
                b.push(payload::ID, idi);
                for (k, body) in ps {
                    b.push(k, body);
                }
            }
            Err(failure) => {
                cx.event(Event::CertAuthFailed { conn: sa.conn, peer: *remote.ip(), version: 1, id: None, failure });
                return Next::Fail(DownReason::AuthenticationFailed);
            }
        }
    } else {
        let hash_i = hash_auth(sa, true, &idi);
        b.push(payload::ID, idi).push(payload::HASH, hash_i);
    }
    // INITIAL-CONTACT only from the first SA with this peer (not from every SA of a burst).
    if first_contact {
        let spi = cookies(sa);
        b.push(
            payload::NOTIFY,
            NotifyRepr {
                doi: wire::DOI_IPSEC,
                protocol: proto::ISAKMP,
                kind: notify::INITIAL_CONTACT,
                spi,
                data: vec![],
            }
            .emit(),
        );
    }
    set_state(cx, sa, P1State::MmKeyExch);
    send_p1(cx, sa, now, exchange::MAIN, &b, true, true);
    Next::Done
}

/// MM5 (responder): IDii, HASH_I. On success the dispatcher handles
/// INITIAL-CONTACT, then [`send_mm6`].
fn mm5(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf, hdr: &Header, data: &[u8], msg: &Msg, last: Vec<u8>) -> Next {
    let (local, remote, conn) = (sa.local, sa.remote, sa.conn);
    let id = msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok().map(|i| (i, p.body.to_vec())));
    let sig = super::phase1::uses_sig(sa);
    let hash = msg.get(payload::HASH).map(|h| h.body).or(if sig { Some(&[][..]) } else { None });
    let (Some((id, id_b)), Some(hash)) = (id, hash) else {
        cx.event(Event::KeyMismatch {
            conn,
            peer: *remote.ip(),
            message: 5,
            error: WireError::Malformed(Part::Id),
            reserved: None,
        });
        answer_unprotected(cx, answer_conn(sa, hdr), local, remote, Some(hdr), notify::UNEQUAL_PAYLOAD_LENGTHS);
        return Next::Done;
    };
    let mut settled = false;
    if sig {
        match sig_auth::verify(cx, sa, pc, true, msg, &id, &id_b) {
            Ok(s) => settled = s,
            Err(_) => {
                sa.set_iv(last);
                send_notify(cx, sa, notify::AUTHENTICATION_FAILED, proto::ISAKMP, cookies(sa), vec![]);
                return Next::Fail(DownReason::AuthenticationFailed);
            }
        }
    } else if hash_auth(sa, true, &id_b) != hash {
        cx.event(Event::AuthFailed { conn, peer: *remote.ip() });
        sa.set_iv(last.clone());
        send_notify(cx, sa, notify::AUTHENTICATION_FAILED, proto::ISAKMP, cookies(sa), vec![]);
        return Next::Fail(DownReason::AuthenticationFailed);
    }
    if identity_match(&pc.remote_id, &id) == 0 && pc.kind != TunnelKind::OnDemand && !settled {
        cx.event(Event::IdMismatch { conn, peer: *remote.ip(), id, by_signature: sig, dial_in: false });
        sa.set_iv(last);
        send_notify(cx, sa, notify::INVALID_ID_INFORMATION, proto::ISAKMP, cookies(sa), vec![]);
        return Next::Fail(DownReason::IdentityMismatch);
    }
    let initial_contact = msg
        .all(payload::NOTIFY)
        .filter_map(|p| NotifyRepr::parse(p.body).ok())
        .any(|n| n.kind == notify::INITIAL_CONTACT);
    sa.set_iv(last);
    sa.peer_id = Some(id);
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    Next::Mm5 { initial_contact }
}

/// MM6 (responder's last message): IDir, HASH_R; phase 1 is then up.
pub(in crate::ike) fn send_mm6(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf, now: Millis) {
    let idr = identity_id(&pc.local_id).emit();
    let mut b = Builder::new();
    if super::phase1::uses_sig(sa) {
        match sig_auth::sign(cx, sa, pc, false, &idr) {
            Ok(ps) => {
                b.push(payload::ID, idr);
                for (k, body) in ps {
                    b.push(k, body);
                }
            }
            Err(failure) => {
                // Checked before MM2 was sent (a tunnel without its key does not answer), so only a key that cannot sign comes here.
                cx.event(Event::CertAuthFailed { conn: sa.conn, peer: *sa.remote.ip(), version: 1, id: None, failure });
                return;
            }
        }
    } else {
        let hash_r = hash_auth(sa, false, &idr);
        b.push(payload::ID, idr).push(payload::HASH, hash_r);
    }
    send_p1(cx, sa, now, exchange::MAIN, &b, true, false);
}

/// MM6 (initiator): IDir, HASH_R.
fn mm6(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf, data: &[u8], msg: &Msg, last: Vec<u8>) -> Next {
    let id = msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok().map(|i| (i, p.body.to_vec())));
    let sig = super::phase1::uses_sig(sa);
    let hash = msg.get(payload::HASH).map(|h| h.body).or(if sig { Some(&[][..]) } else { None });
    let (Some((id, id_b)), Some(hash)) = (id, hash) else {
        cx.event(Event::KeyMismatch {
            conn: sa.conn,
            peer: *sa.remote.ip(),
            message: 6,
            error: WireError::Malformed(Part::Id),
            reserved: None,
        });
        return Next::Done;
    };
    if sig {
        let Ok(settled) = sig_auth::verify(cx, sa, pc, false, msg, &id, &id_b) else {
            return Next::Fail(DownReason::AuthenticationFailed);
        };
        if identity_match(&pc.remote_id, &id) == 0 && !settled {
            cx.event(Event::IdMismatch {
                conn: sa.conn,
                peer: *sa.remote.ip(),
                id: id.clone(),
                by_signature: true,
                dial_in: false,
            });
            return Next::Fail(DownReason::IdentityMismatch);
        }
    } else if let Err(reason) = responder_authenticated(cx, sa, pc, &id, &id_b, hash) {
        return Next::Fail(reason);
    }
    sa.set_iv(last);
    sa.peer_id = Some(id);
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    sa.timer = None;
    Next::Established
}
