//! Aggressive mode (RFC 2409 5), messages 2 and 3 on both sides (the
//! responder's first message, which already carries KE, nonce and identity,
//! is in [`super::phase1`]). A function over the context and the SA.

use crate::ike::conf::PeerConf;
use crate::ike::context::Ctx;
use crate::ike::crypto::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::params::*;
use crate::ike::sa::*;
use crate::ike::v1::phase1::*;
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{Builder, Header, IdRepr, Part, SaRepr, WireError, exchange, payload};

/// An aggressive-mode message on `sa`: AM2 (initiator) or AM3 (responder).
pub(in crate::ike) fn handle(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    pc: &PeerConf,
    now: Millis,
    hdr: &Header,
    data: &[u8],
) -> Next {
    let (local, remote, conn) = (sa.local, sa.remote, sa.conn);
    if sa.is_established() {
        return Next::Done;
    }
    let mut plain = Vec::new();
    let (list, last) = match open(sa, hdr, data, Some(sa.iv().to_vec()), &mut plain) {
        Ok(x) => x,
        Err(e) => {
            cx.stats.rx_malformed += 1;
            let reserved = super::garbage_reserved(sa, hdr, data);
            cx.event(Event::KeyMismatch { conn, peer: *remote.ip(), message: 3, error: e, reserved });
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
        sa_state: Some((sa.role, sa.state)),
        local_port: sa.local.port(),
    });
    if sa.role == Role::Initiator {
        am2(cx, sa, pc, now, hdr, data, &msg, local, remote)
    } else {
        am3(cx, sa, pc, hdr, data, &msg, last, local, remote)
    }
}

/// AM2 (initiator): SA, KE, Nr, IDir, HASH_R; AM3 goes out and phase 1 is up.
#[allow(clippy::too_many_arguments)]
fn am2(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    pc: &PeerConf,
    now: Millis,
    hdr: &Header,
    data: &[u8],
    msg: &Msg,
    local: std::net::SocketAddrV4,
    remote: std::net::SocketAddrV4,
) -> Next {
    let conn = sa.conn;
    if let Some(next) = error_notify(cx, sa, msg, remote, false) {
        return next;
    }
    let chosen = msg
        .get(payload::SA)
        .and_then(|p| SaRepr::parse(p.body).ok())
        .and_then(|s| s.proposals.into_iter().next())
        .and_then(|p| p.transforms.into_iter().next());
    let prop = chosen
        .and_then(|t| crate::ike::matching::offered_p1_for(&t, pc).ok())
        .and_then(|o| pc.proposals.iter().find(|c| check_p1(&o, c).is_ok()).map(|c| (o, c.clone())));
    // With signatures (RSA, ECDSA) SIG_R (and CERT) stand in place of HASH_R (RFC 2409 5.1).
    let sig = prop.as_ref().is_some_and(|(_, c)| c.auth.is_signature());
    let hash = msg.get(payload::HASH).map(|h| h.body).or(if sig { Some(&[][..]) } else { None });
    let (Some((o, mut prop)), Some(ke), Some(nr), Some(idp), Some(hash)) =
        (prop, msg.get(payload::KE), msg.get(payload::NONCE), msg.get(payload::ID), hash)
    else {
        cx.event(Event::Malformed {
            peer: remote,
            error: WireError::Malformed(Part::AggressiveSecond),
            answered: None,
        });
        return Next::Done;
    };
    prop.lifetime = o.lifetime.min(prop.lifetime).max(1);
    let Ok(id) = IdRepr::parse(idp.body) else { return Next::Done };
    if prop.group != sa.nego().dh.as_ref().map(|d| d.group().0).unwrap_or(0)
        || ke.body.len() != DhGroup(prop.group).public_len()
    {
        return Next::Fail(DownReason::DhGroupChanged);
    }
    peer_vids(sa, msg);
    sa.rcookie = hdr.rcookie;
    sa.lifetime = prop.lifetime;
    sa.chosen = Some(prop);
    if let Some(n) = sa.nego_mut() {
        n.gxr = ke.body.to_vec();
        n.nr = nr.body.to_vec();
    }
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    if !derive_p1(cx, sa, pc) {
        return Next::Fail(DownReason::DhFailed);
    }
    if sig {
        let Ok(settled) = super::sig_auth::verify(cx, sa, pc, false, msg, &id, idp.body) else {
            return Next::Fail(DownReason::AuthenticationFailed);
        };
        if identity_match(&pc.remote_id, &id) == 0 && !settled {
            cx.event(Event::IdMismatch {
                conn,
                peer: *remote.ip(),
                id: id.clone(),
                by_signature: true,
                dial_in: false,
            });
            return Next::Fail(DownReason::IdentityMismatch);
        }
    } else if let Err(reason) = responder_authenticated(cx, sa, pc, &id, idp.body, hash) {
        return Next::Fail(reason);
    }
    sa.peer_id = Some(id);
    check_natd(cx, sa, msg, local, remote);
    let natd = if sa.peer_natt { natd_payloads(sa) } else { vec![] };
    float_ports(sa);
    let idi = identity_id(&pc.local_id).emit();
    let mut b = Builder::new();
    if sig {
        // AM3: [CERT,] SIG_I.
        match super::sig_auth::sign(cx, sa, pc, true, &idi) {
            Ok(ps) => {
                for (k, body) in ps {
                    b.push(k, body);
                }
            }
            Err(failure) => {
                cx.event(Event::CertAuthFailed { conn, peer: *remote.ip(), version: 1, id: None, failure });
                return Next::Fail(DownReason::AuthenticationFailed);
            }
        }
    } else {
        b.push(payload::HASH, hash_auth(sa, true, &idi));
    }
    for n in natd {
        b.push(payload::NAT_D, n);
    }
    send_p1(cx, sa, now, exchange::AGGRESSIVE, &b, true, false);
    Next::Established
}

/// AM3 (responder): HASH_I, or with RSA signatures [CERT,] SIG_I (and NAT-D); phase 1 is up.
#[allow(clippy::too_many_arguments)]
fn am3(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    pc: &PeerConf,
    hdr: &Header,
    data: &[u8],
    msg: &Msg,
    last: Vec<u8>,
    local: std::net::SocketAddrV4,
    remote: std::net::SocketAddrV4,
) -> Next {
    let conn = sa.conn;
    let id_b = sa.peer_id.as_ref().map(|i| i.emit()).unwrap_or_default();
    if uses_sig(sa) {
        let Some(id) = sa.peer_id.clone() else { return Next::Done };
        if super::sig_auth::verify(cx, sa, pc, true, msg, &id, &id_b).is_err() {
            if hdr.flags & 1 != 0 {
                sa.set_iv(last);
            }
            crate::ike::v1::informational::send_notify(
                cx,
                sa,
                crate::ike::wire::notify::AUTHENTICATION_FAILED,
                crate::ike::wire::proto::ISAKMP,
                cookies(sa),
                vec![],
            );
            return Next::Fail(DownReason::AuthenticationFailed);
        }
    } else if let Some(hash) = msg.get(payload::HASH) {
        if hash_auth(sa, true, &id_b) != hash.body {
            cx.event(Event::AuthFailed { conn, peer: *remote.ip() });
            return Next::Fail(DownReason::AuthenticationFailed);
        }
    } else {
        cx.event(Event::KeyMismatch {
            conn,
            peer: *remote.ip(),
            message: 3,
            error: WireError::Malformed(Part::Hash),
            reserved: None,
        });
        return Next::Done;
    }
    check_natd(cx, sa, msg, local, remote);
    if hdr.flags & 1 != 0 {
        sa.set_iv(last);
    }
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    sa.timer = None;
    Next::Established
}
