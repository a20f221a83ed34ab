//! Informational exchanges (RFC 2408 4.8, RFC 3706): sending notifies and
//! deletes (protected once phase 1 has keys), opening received ones, and
//! what a notify does to its SA (DPD R-U-THERE and its ACK, errors that
//! end a negotiation or a quick mode). Functions over the context and one
//! SA; deletes of other SAs and of child SAs, INITIAL-CONTACT and a dead
//! peer are the dispatcher's.

use crate::ike::context::Ctx;
use crate::ike::events::*;
use crate::ike::params::*;
use crate::ike::sa::*;
use crate::ike::v1::*;
use crate::ike::wire::{self, Builder, DeleteRepr, Header, NotifyRepr, exchange, notify, payload, proto};

/// Send an informational exchange: protected (HASH) when the SA has keys,
/// from MM5 / AM2 on as well as once phase 1 is up (RFC 2408 4.8: once the
/// ISAKMP SA's keys exist, an informational exchange is encrypted), its IV
/// made from the last phase-1 CBC block so far and the message ID (RFC
/// 2409 appendix B).
pub(in crate::ike) fn send_info(cx: &mut Ctx, sa: &IkeSa, kind: u8, body: Vec<u8>) {
    let msgid = cx.msgid();
    let (dgram, protected) = match (sa.keys(), sa.hash(), sa.cipher()) {
        (Some(k), Some(h), Some(c)) if !sa.iv().is_empty() => {
            let mut rest = Builder::new();
            rest.push(kind, body.clone());
            let rest_chain = rest.chain();
            let hash = h.prf(&k.a, &[&msgid.to_be_bytes(), &rest_chain]);
            let mut b = Builder::new();
            b.push(payload::HASH, hash).push(kind, body);
            let iv = h.hash(&[sa.iv(), &msgid.to_be_bytes()])[..c.block_size()].to_vec();
            (frame(sa, exchange::INFORMATIONAL, msgid, payload::HASH, &b.chain(), Some(&iv)).0, true)
        }
        _ => {
            let mut b = Builder::new();
            b.push(kind, body);
            (frame(sa, exchange::INFORMATIONAL, msgid, kind, &b.chain(), None).0, false)
        }
    };
    let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
    cx.tunnel(&sa.tunnel).tx_packets += 1;
    cx.event(Event::Sent {
        conn,
        peer: dst,
        exchange: exchange::INFORMATIONAL,
        msgid,
        payloads: if protected { vec![payload::HASH, kind] } else { vec![kind] },
        retransmit: false,
        sa_state: Some((sa.role, sa.state)),
        local_port: src.port(),
    });
    cx.send_raw(src, dst, dgram);
}

pub(in crate::ike) fn send_notify(cx: &mut Ctx, sa: &IkeSa, kind: u16, protocol: u8, spi: Vec<u8>, data: Vec<u8>) {
    let protected = sa.keys().is_some() && !sa.iv().is_empty();
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol, kind, spi, data };
    send_info(cx, sa, payload::NOTIFY, n.emit());
    cx.stats.notifies_tx += 1;
    cx.tunnel(&sa.tunnel).notifies_tx += 1;
    cx.event(Event::NotifySent { conn, peer, kind, protected });
}

/// Tell the peer a child SA pair is gone.
pub(in crate::ike) fn send_delete_child(cx: &mut Ctx, sa: &IkeSa, c: &ChildSa) {
    // One DELETE per protocol (both halves of an AH+ESP bundle share our inbound SPI).
    for (protocol, _) in c.spis_out() {
        send_delete(cx, sa, protocol, vec![c.spi_in.to_be_bytes().to_vec()]);
    }
}

/// Tell the peer the SA with our inbound SPI `spi` is gone (one a quick
/// mode offered but never finished).
pub(in crate::ike) fn send_delete_spi(cx: &mut Ctx, sa: &IkeSa, protocol: u8, spi: u32) {
    send_delete(cx, sa, protocol, vec![spi.to_be_bytes().to_vec()]);
}

/// Tell the peer this IKE SA is gone (when it is established).
pub(in crate::ike) fn send_delete_ike(cx: &mut Ctx, sa: &IkeSa) {
    if sa.is_established() {
        send_delete(cx, sa, proto::ISAKMP, vec![cookies(sa)]);
    }
}

fn send_delete(cx: &mut Ctx, sa: &IkeSa, protocol: u8, spis: Vec<Vec<u8>>) {
    let d = DeleteRepr { doi: wire::DOI_IPSEC, protocol, spis };
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    send_info(cx, sa, payload::DELETE, d.emit());
    cx.stats.deletes_tx += 1;
    cx.tunnel(&sa.tunnel).deletes_tx += 1;
    cx.event(Event::DeleteSent { conn, peer, protocol, spis: d.spis });
}

/// Open a received informational message: a protected one is checked
/// (HASH(1) = prf(SKEYID_a, M-ID | rest)); unprotected notifies on an
/// established SA are logged and never acted on (None). Returns the
/// payloads and whether they were protected.
pub(in crate::ike) fn open_info<'a>(
    cx: &mut Ctx,
    sa: &IkeSa,
    hdr: &Header,
    data: &'a [u8],
    plain: &'a mut Vec<u8>,
) -> Option<(Msg<'a>, bool)> {
    let (remote, conn) = (sa.remote, sa.conn);
    let peer = *remote.ip();
    if hdr.flags & wire::flags::ENCRYPTION != 0 {
        let iv = qm_iv(sa, hdr.msgid);
        let Protected { msg, hash, rest, prf, ka, .. } = open_protected(cx, sa, hdr, data, iv, plain, false)?;
        if !hash_ok(cx, sa, &prf.prf(&ka, &[&hdr.msgid.to_be_bytes(), &rest]), hash) {
            return None;
        }
        return Some((msg, true));
    }
    let list = match open(sa, hdr, data, None, plain) {
        Ok((l, _)) => l,
        Err(e) => {
            cx.stats.rx_malformed += 1;
            cx.event(Event::Malformed { peer: remote, error: e, answered: None });
            return None;
        }
    };
    let msg = Msg { list };
    cx.event(Event::Received {
        conn,
        peer: remote,
        exchange: exchange::INFORMATIONAL,
        msgid: hdr.msgid,
        payloads: msg.kinds(),
        sa_state: Some((sa.role, sa.state)),
        local_port: sa.local.port(),
    });
    if sa.is_established() {
        for n in msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()) {
            cx.event(Event::NotifyReceived {
                conn,
                peer,
                kind: n.kind,
                protocol: n.protocol,
                spi: n.spi,
                protected: false,
            });
        }
        return None;
    }
    Some((msg, false))
}

/// A received notify payload on `sa`: DPD is answered or noted; an error
/// ends the negotiation ([`Next::Fail`]) or the quick mode it names
/// ([`refused`]).
pub(in crate::ike) fn on_notify(cx: &mut Ctx, sa: &mut IkeSa, now: Millis, body: &[u8], protected: bool) -> Next {
    let Ok(n) = NotifyRepr::parse(body) else { return Next::Done };
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    cx.stats.notifies_rx += 1;
    cx.tunnel(&sa.tunnel).notifies_rx += 1;
    match n.kind {
        notify::R_U_THERE => {
            let ack = NotifyRepr {
                doi: wire::DOI_IPSEC,
                protocol: proto::ISAKMP,
                kind: notify::R_U_THERE_ACK,
                spi: n.spi.clone(),
                data: n.data.clone(),
            };
            send_info(cx, sa, payload::NOTIFY, ack.emit());
            cx.event(Event::Dpd { conn, peer, v2: false, step: DpdStep::PeerAsked, seq: dpd_seq(&n.data) });
        }
        notify::R_U_THERE_ACK => {
            sa.dpd_outstanding = 0;
            sa.dpd_timer = Some(now + DPD_INTERVAL);
            cx.event(Event::Dpd { conn, peer, v2: false, step: DpdStep::Answered, seq: dpd_seq(&n.data) });
        }
        _ => {
            cx.event(Event::NotifyReceived {
                conn,
                peer,
                kind: n.kind,
                protocol: n.protocol,
                spi: n.spi.clone(),
                protected,
            });
            // Before keys exist an error notify ends the negotiation; an unprotected
            // one after the key exchange could be forged: log it and keep retransmitting.
            if n.kind < 16384 && !sa.is_established() && (protected || sa.keys().is_none()) {
                return Next::Fail(DownReason::PeerNotify(n.kind));
            }
            if n.kind < 16384 && sa.is_established() {
                // A phase-2 error: the quick mode it names failed (only that one).
                refused(cx, sa, now, &n);
            }
        }
    }
    Next::Done
}

/// A phase-2 error notify (NO_PROPOSAL_CHOSEN, INVALID_ID_INFORMATION, ...)
/// on the established `sa`: the quick mode it names fails, and only that
/// one. Several run in parallel on one SA (ours are paced to
/// [`V1_QUICK_LIMIT`]), and a refusal of one says nothing about the others.
///
/// Which one: the notify's SPI (RFC 2408 3.14: "the receiving entity's
/// SPI"), that is the SPI we proposed when we began the quick mode (a
/// strongSwan responder puts the initiator's proposed SPI there once it has
/// picked a proposal, and so does ours), or the peer's SPI of a quick mode
/// it began and refuses at our QM2. A notify without one (strongSwan refuses
/// a QM1 whose proposals or identities match nothing with an ESP notify
/// whose SPI is four zero octets), or with one that names none of ours,
/// fails the quick mode we began only when it is the one awaiting an
/// answer: never a guess among several, which would cancel a sibling that
/// is about to succeed. The refused one then runs out its retransmissions
/// as an unanswered one does ([`crate::ike::v1::quick::retransmit`]); a peer that refuses its
/// retransmitted QM1 again, once its siblings are done, ends it sooner.
///
/// The failed quick mode is counted (phase 2 failed) and not begun again:
/// as on IOS, where a refused request is logged and the crypto map entry
/// waits for traffic, its child is negotiated at the next initiation of
/// its tunnel. Returns the message ID of the quick mode that failed.
pub(in crate::ike) fn refused(cx: &mut Ctx, sa: &mut IkeSa, now: Millis, n: &NotifyRepr) -> Option<u32> {
    let spi = match n.protocol {
        proto::ESP | proto::AH => <[u8; 4]>::try_from(n.spi.as_slice()).ok().map(u32::from_be_bytes),
        _ => None,
    }
    .filter(|&s| s != 0);
    let named = spi.and_then(|spi| {
        sa.quick.iter().position(|q| match q.role {
            Role::Initiator => q.spi_in == spi,
            Role::Responder => q.peer_spis.iter().any(|&(_, s)| s == spi),
        })
    });
    let qi = named.or_else(|| {
        let mut waiting = sa
            .quick
            .iter()
            .enumerate()
            .filter(|(_, q)| q.role == Role::Initiator && matches!(q.step, QuickStep::Offered { .. }));
        match (waiting.next(), waiting.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    })?;
    let q = sa.quick.remove(qi);
    cx.stats.p2_failed += 1;
    cx.tunnel(&sa.tunnel).p2_failed += 1;
    // Later copies of its messages are not taken for a new exchange.
    sa.remember_quick(now, q.msgid, [q.last_recv.as_deref().map(msg_digest), None], None);
    Some(q.msgid)
}

/// A received delete payload on `sa`: counted and reported; what it
/// deletes is the dispatcher's to remove.
pub(in crate::ike) fn delete_received(cx: &mut Ctx, sa: &IkeSa, body: &[u8]) -> Option<DeleteRepr> {
    let d = DeleteRepr::parse(body).ok()?;
    cx.stats.deletes_rx += 1;
    cx.tunnel(&sa.tunnel).deletes_rx += 1;
    cx.event(Event::DeleteReceived {
        conn: sa.conn,
        peer: *sa.remote.ip(),
        protocol: d.protocol,
        spis: d.spis.clone(),
    });
    Some(d)
}

/// DPD (RFC 3706) on an SA whose DPD timer may be due: send the next
/// R-U-THERE. True when [`DPD_TRIES`] went unanswered: the peer is dead.
pub(in crate::ike) fn dpd_due(cx: &mut Ctx, sa: &mut IkeSa, now: Millis) -> bool {
    if sa.dpd_timer.is_none_or(|t| t > now) {
        return false;
    }
    if sa.dpd_outstanding >= DPD_TRIES {
        return true;
    }
    sa.dpd_seq = sa.dpd_seq.wrapping_add(1);
    sa.dpd_outstanding += 1;
    sa.dpd_timer = Some(now + DPD_RETRY);
    let n = NotifyRepr {
        doi: wire::DOI_IPSEC,
        protocol: proto::ISAKMP,
        kind: notify::R_U_THERE,
        spi: cookies(sa),
        data: sa.dpd_seq.to_be_bytes().to_vec(),
    };
    send_info(cx, sa, payload::NOTIFY, n.emit());
    cx.event(Event::Dpd { conn: sa.conn, peer: *sa.remote.ip(), v2: false, step: DpdStep::Asked, seq: sa.dpd_seq });
    false
}

/// The sequence number of an R-U-THERE[-ACK] (RFC 3706: 32 bits; 0 if absent).
fn dpd_seq(data: &[u8]) -> u32 {
    data.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_be_bytes).unwrap_or(0)
}
