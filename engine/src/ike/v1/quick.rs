//! Quick mode (RFC 2409 5.5): child SAs. Starting one, the three messages
//! on both sides (proxy identities, transforms, PFS, RESPONDER-LIFETIME)
//! and the key material of the child SA pair. Functions over the context
//! and the IKE SA the exchange runs on; installing the pair (and deleting
//! the one a rekey replaces) and choosing what to rekey are the
//! dispatcher's.

use crate::ike::context::Ctx;
use crate::ike::crypto::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::params::*;
use crate::ike::sa::*;
use crate::ike::v1::informational::{send_delete_spi, send_notify};
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{
    self, Attr, Builder, Header, IdRepr, NotifyRepr, Part, ProposalRepr, SaRepr, WireError, exchange, notify, payload,
    proto,
};

/// Start a quick mode for child `child` of `tunnel` (the SA's own, or a
/// crypto map entry that shares it; `rekey_of`: the child SA it replaces);
/// `taken`: inbound SPIs in use.
pub(in crate::ike) fn start(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    now: Millis,
    tunnel: &str,
    child: usize,
    rekey_of: Option<u32>,
    taken: impl Fn(u32) -> bool,
) {
    let Some(pc) = cx.pc(tunnel).cloned() else { return };
    let Some(cc) = pc.children.get(child).cloned() else { return };
    // A message ID no quick mode on this SA uses, nor one finished here.
    let mut msgid: u32 = cx.msgid();
    while sa.quick.iter().any(|q| q.msgid == msgid) || sa.quick_done.contains(msgid) {
        msgid = cx.msgid();
    }
    let spi_in = cx.spi(&taken);
    let ni = cx.nonce();
    let dh = match cc.pfs {
        Some(g) => match DhGroup(g).generate(&mut cx.rng) {
            Ok(d) => Some(d),
            Err(_) => return,
        },
        None => None,
    };
    let encap = sa.nat_local || sa.nat_remote;
    let sa_body = SaRepr {
        doi: wire::DOI_IPSEC,
        situation: wire::SIT_IDENTITY_ONLY,
        proposals: p2_proposals(&cc.proposals, cc.pfs, encap, spi_in, cc.esn),
    }
    .emit();
    let (idci, idcr) = (selector_id(&cc.local_ts), selector_id(&cc.remote_ts));
    #[cfg(test)]
    let idci = tests::host_bits_in(idci, &cc.local_ts);
    let mut rest = Builder::new();
    rest.push(payload::SA, sa_body).push(payload::NONCE, ni.clone());
    if let Some(d) = &dh {
        rest.push(payload::KE, d.public.clone());
    }
    rest.push(payload::ID, idci.emit()).push(payload::ID, idcr.emit());
    let iv = qm_iv(sa, msgid);
    let q = Quick {
        tunnel: (tunnel != sa.tunnel).then(|| tunnel.to_string()),
        msgid,
        role: Role::Initiator,
        child,
        iv,
        ni,
        spi_in,
        step: QuickStep::Offered { dh, chosen: None },
        last_sent: None,
        last_recv: None,
        replay: Replay::default(),
        retries: 0,
        timer: None,
        rekey_of,
        sel: None,
        peer_spis: Vec::new(),
    };
    sa.quick.push(q);
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    cx.event(Event::Selectors { conn, peer, sent: true, initiator: idci, responder: idcr });
    send_quick(cx, sa, now, msgid, &[&msgid.to_be_bytes()], rest, true);
}

/// Send a quick-mode message: HASH over `prefix` and the payloads, encrypted with the exchange's IV.
pub(in crate::ike) fn send_quick(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    now: Millis,
    msgid: u32,
    prefix: &[&[u8]],
    rest: Builder,
    expect_reply: bool,
) {
    let (Some(h), Some(k)) = (sa.hash(), sa.keys()) else { return };
    let rest_chain = rest.chain();
    let mut parts: Vec<&[u8]> = prefix.to_vec();
    parts.push(&rest_chain);
    let hash = h.prf(&k.a, &parts);
    let mut b = Builder::new();
    b.push(payload::HASH, hash);
    b.payloads.extend(rest.payloads.iter().cloned());
    let Some(qi) = sa.quick.iter().position(|q| q.msgid == msgid) else { return };
    let iv = sa.quick[qi].iv.clone();
    let (dgram, last) = frame(sa, exchange::QUICK, msgid, payload::HASH, &b.chain(), Some(&iv));
    let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
    let q = &mut sa.quick[qi];
    q.iv = last;
    q.last_sent = Some(dgram.clone());
    q.replay.answered = q.last_recv.is_some();
    q.retries = 0;
    q.timer = expect_reply.then_some(now + RETRANSMIT_BASE);
    cx.event(Event::Sent {
        conn,
        peer: dst,
        exchange: exchange::QUICK,
        msgid,
        payloads: b.payloads.iter().map(|p| p.0).collect(),
        retransmit: false,
        sa_state: Some((sa.role, sa.state)),
        local_port: src.port(),
    });
    cx.tunnel(&sa.tunnel).tx_packets += 1;
    cx.send_raw(src, dst, dgram);
}

/// A quick-mode message on `sa`; `taken`: inbound SPIs in use. A
/// completed exchange comes back as [`Next::Install`].
pub(in crate::ike) fn handle(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    now: Millis,
    hdr: &Header,
    data: &[u8],
    taken: impl Fn(u32) -> bool,
) -> Next {
    let remote = sa.remote;
    if !sa.is_established() || hdr.msgid == 0 || hdr.flags & wire::flags::ENCRYPTION == 0 {
        cx.stats.rx_malformed += 1;
        cx.event(Event::Malformed { peer: remote, error: WireError::Malformed(Part::QuickMode), answered: None });
        return Next::Done;
    }
    // A message under the ID of a quick mode finished here: a copy of its
    // QM2 is answered with our QM3 again, anything else dropped.
    sa.quick_done.forget(now);
    if sa.quick_done.contains(hdr.msgid) {
        finished_again(cx, sa, now, hdr, data);
        return Next::Done;
    }
    let qi = sa.quick.iter().position(|q| q.msgid == hdr.msgid);
    if let Some(qi) = qi
        && sa.quick[qi].last_recv.as_deref() == Some(data)
    {
        let q = &mut sa.quick[qi];
        if q.role == Role::Responder && q.replay.allow(now) {
            if let Some(d) = q.last_sent.clone() {
                let (src, dst) = (sa.local, sa.remote);
                cx.send_raw(src, dst, d);
            }
        } else {
            cx.stats.rx_duplicates += 1;
        }
        return Next::Done;
    }
    let iv = match qi {
        Some(qi) => sa.quick[qi].iv.clone(),
        None => qm_iv(sa, hdr.msgid),
    };
    let mut plain = Vec::new();
    let Some(Protected { msg, last, hash, rest, prf, ka }) = open_protected(cx, sa, hdr, data, iv, &mut plain, true)
    else {
        return Next::Done;
    };
    let msgid = hdr.msgid.to_be_bytes();
    match qi {
        None => {
            // QM1 from the initiator: HASH(1) = prf(SKEYID_a, M-ID | rest).
            if !hash_ok(cx, sa, &prf.prf(&ka, &[&msgid, &rest]), hash) {
                return Next::Done;
            }
            respond(cx, sa, now, hdr, data, &msg, last, taken);
        }
        Some(qi) => {
            let q = &sa.quick[qi];
            if q.role == Role::Initiator && matches!(q.step, QuickStep::Offered { .. }) {
                // QM2: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest).
                let ni = q.ni.clone();
                if !hash_ok(cx, sa, &prf.prf(&ka, &[&msgid, &ni, &rest]), hash) {
                    return Next::Done;
                }
                return finish_initiator(cx, sa, now, qi, data, &msg, last);
            } else if let (Role::Responder, QuickStep::Agreed { nr, chosen, .. }) = (q.role, &q.step) {
                // QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
                let (ni, nr) = (q.ni.clone(), nr.clone());
                let spi_out = <[u8; 4]>::try_from(chosen.1.spi.as_slice()).map(u32::from_be_bytes).unwrap_or(0);
                if !hash_ok(cx, sa, &prf.prf(&ka, &[&[0u8], &msgid, &ni, &nr]), hash) {
                    return Next::Done;
                }
                let q = sa.quick.remove(qi);
                let seen = [q.last_recv.as_deref().map(msg_digest), Some(msg_digest(data))];
                sa.remember_quick(now, q.msgid, seen, None);
                return Next::Install(Box::new(q), spi_out);
            }
        }
    }
    Next::Done
}

/// QM1 (responder): proxy identities, proposals, PFS; QM2 goes out.
#[allow(clippy::too_many_arguments)]
fn respond(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    now: Millis,
    hdr: &Header,
    data: &[u8],
    msg: &Msg,
    last: Vec<u8>,
    taken: impl Fn(u32) -> bool,
) {
    let Some(pc) = cx.pc(&sa.tunnel).cloned() else { return };
    let (local, remote, conn) = (sa.local, sa.remote, sa.conn);
    let peer = *remote.ip();
    let ids: Vec<IdRepr> = msg.all(payload::ID).filter_map(|p| IdRepr::parse(p.body).ok()).collect();
    let (idci, idcr) = match ids.as_slice() {
        [a, b] => (a.clone(), b.clone()),
        [] => (IdRepr::ipv4(*remote.ip()), IdRepr::ipv4(*local.ip())),
        _ => {
            cx.event(Event::Malformed {
                peer: remote,
                error: WireError::Malformed(Part::Id),
                answered: Some(notify::INVALID_ID_INFORMATION),
            });
            return;
        }
    };
    cx.event(Event::Selectors { conn, peer, sent: false, initiator: idci.clone(), responder: idcr.clone() });
    let (Some(sa_p), Some(ni)) = (msg.get(payload::SA), msg.get(payload::NONCE)) else {
        cx.event(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Sa), answered: None });
        return;
    };
    let offer = match SaRepr::parse(sa_p.body) {
        Ok(s) => s,
        Err(e) => {
            cx.event(Event::Malformed { peer: remote, error: e, answered: None });
            send_notify(cx, sa, notify::BAD_PROPOSAL_SYNTAX, proto::ESP, vec![], vec![]);
            return;
        }
    };
    // A refusal names the exchange by the initiator's proposed SPI (RFC 2408
    // 3.14: the receiving entity's SPI), so that an initiator with several
    // quick modes in flight fails only this one.
    let (refused_proto, refused_spi) = offer
        .proposals
        .first()
        .filter(|p| p.spi.len() == 4)
        .map(|p| (p.protocol, p.spi.clone()))
        .unwrap_or((proto::ESP, vec![]));
    #[cfg(test)]
    let refused_spi = if tests::ZERO_SPI_REFUSALS.with(std::cell::Cell::get) { vec![0; 4] } else { refused_spi };
    let refuse =
        |cx: &mut Ctx, sa: &IkeSa, kind: u16| send_notify(cx, sa, kind, refused_proto, refused_spi.clone(), vec![]);
    // Proposal check first (IOS validates transforms, then the proxy identities).
    let theirs_local = id_selector(&idcr);
    let theirs_remote = id_selector(&idci);
    let mut child =
        pc.children.iter().position(|c| Some(c.local_ts) == theirs_local && Some(c.remote_ts) == theirs_remote);
    // A dynamic map takes the initiator's proxy identities when its selectors contain them.
    let mut narrowed = None;
    if child.is_none()
        && pc.dynamic
        && let (Some(l), Some(r)) = (theirs_local, theirs_remote)
    {
        child = pc.children.iter().position(|c| c.local_ts.covers(&l) && c.remote_ts.covers(&r));
        narrowed = child.map(|_| (l, r));
    }
    // Another IKEv1 tunnel to the same peer (same local address) whose
    // selectors mirror these proxies: the exchange is that tunnel's.
    let mut other_tunnel: Option<crate::ike::conf::PeerConf> = None;
    if child.is_none() {
        let mirror =
            |c: &crate::ike::conf::ChildConf| Some(c.local_ts) == theirs_local && Some(c.remote_ts) == theirs_remote;
        if let Some(p) = cx.conf.peers.iter().find(|p| {
            p.name != sa.tunnel
                && p.version == crate::config::IkeVersion::V1
                && p.local == *local.ip()
                && p.remote == Some(peer)
                && p.children.iter().any(mirror)
        }) {
            child = p.children.iter().position(mirror);
            other_tunnel = Some(p.clone());
        }
    }
    let pc = other_tunnel.clone().unwrap_or(pc);
    // Which child's proposals to check: the mirrored one, else the first (for the trace).
    let cc = match child.or((!pc.children.is_empty()).then_some(0)) {
        Some(i) => pc.children[i].clone(),
        None => {
            cx.event(Event::ProxyIdMismatch { conn, peer, initiator: idci, responder: idcr });
            refuse(cx, sa, notify::INVALID_ID_INFORMATION);
            return;
        }
    };
    let chosen = select_p2(&mut cx.events, conn, peer, &offer, &cc, msg.get(payload::KE).is_some());
    let Some((prop, theirs)) = chosen else {
        cx.stats.p2_failed += 1;
        cx.tunnel(&sa.tunnel).p2_failed += 1;
        cx.event(Event::P2NoneAcceptable { conn, peer });
        refuse(cx, sa, notify::NO_PROPOSAL_CHOSEN);
        return;
    };
    // One request per protocol of the proposal (AH part #1, ESP part #2 in a bundle).
    for (i, p) in theirs.iter().enumerate() {
        cx.event(Event::P2Accepted {
            conn,
            peer,
            local: *local.ip(),
            part: i as u8 + 1,
            local_id: idcr.clone(),
            remote_id: idci.clone(),
            protocol: p.protocol,
            esp: prop.esp,
            ah: prop.ah,
        });
    }
    // Proxy identities the key engine refuses even where their networks match (seed 002).
    if has_host_bits(&idci) || has_host_bits(&idcr) {
        cx.stats.p2_failed += 1;
        cx.tunnel(&sa.tunnel).p2_failed += 1;
        cx.event(Event::InvalidProxyIds { conn, peer, initiator: idci, responder: idcr });
        refuse(cx, sa, notify::INVALID_ID_INFORMATION);
        return;
    }
    let Some(child) = child else {
        cx.stats.p2_failed += 1;
        cx.tunnel(&sa.tunnel).p2_failed += 1;
        // Another peer's entry mirrors these proxies (IOS: `peer address X not found`).
        let other = cx.conf.peers.iter().any(|p| {
            p.name != sa.tunnel
                && p.local == *local.ip()
                && p.children.iter().any(|c| Some(c.local_ts) == theirs_local && Some(c.remote_ts) == theirs_remote)
        });
        if other {
            cx.event(Event::P2PeerNotFound { conn, peer, initiator: idci, responder: idcr });
        } else {
            cx.event(Event::ProxyIdMismatch { conn, peer, initiator: idci, responder: idcr });
        }
        refuse(cx, sa, notify::INVALID_ID_INFORMATION);
        return;
    };
    // PFS.
    let mut dh = None;
    let mut gxy = None;
    if let Some(g) = cc.pfs {
        let Some(ke) = msg.get(payload::KE) else { return };
        let Ok(d) = DhGroup(g).generate(&mut cx.rng) else { return };
        match d.shared(ke.body) {
            Ok(s) => gxy = Some(s),
            Err(_) => {
                refuse(cx, sa, notify::INVALID_KEY_INFORMATION);
                return;
            }
        }
        dh = Some(d);
    }
    let spi_in = cx.spi(&taken);
    cx.event(Event::SpiAllocated {
        conn,
        peer,
        local: *local.ip(),
        protocols: theirs.iter().map(|p| p.protocol).collect(),
        spi: spi_in,
    });
    let nr = cx.nonce();
    // Our answer: their chosen proposal(s) with our SPI, lifetimes as agreed.
    let mut answer = theirs.clone();
    for p in &mut answer {
        p.spi = spi_in.to_be_bytes().to_vec();
    }
    let mut rest = Builder::new();
    rest.push(
        payload::SA,
        SaRepr { doi: wire::DOI_IPSEC, situation: wire::SIT_IDENTITY_ONLY, proposals: answer.clone() }.emit(),
    )
    .push(payload::NONCE, nr.clone());
    if let Some(d) = &dh {
        rest.push(payload::KE, d.public.clone());
    }
    if !ids.is_empty() {
        rest.push(payload::ID, idci.emit()).push(payload::ID, idcr.emit());
    }
    // RESPONDER-LIFETIME (RFC 2407 4.6.3.1) when ours is shorter than
    // offered, in seconds or in kilobytes (no kilobytes offered = unlimited).
    let offered = theirs.first().and_then(|p| p.transforms.first()).map(|t| offered_p2(theirs[0].protocol, t));
    let (offered_secs, offered_kb) =
        offered.map(|o| (o.lifetime_seconds, o.lifetime_kbytes.map(u64::from))).unwrap_or((None, None));
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
        let n = NotifyRepr {
            doi: wire::DOI_IPSEC,
            protocol: theirs[0].protocol,
            kind: notify::RESPONDER_LIFETIME,
            spi: spi_in.to_be_bytes().to_vec(),
            data: told,
        };
        rest.push(payload::NOTIFY, n.emit());
    }
    let q = Quick {
        tunnel: other_tunnel.map(|p| p.name),
        msgid: hdr.msgid,
        role: Role::Responder,
        child,
        iv: last,
        ni: ni.body.to_vec(),
        spi_in,
        step: QuickStep::Agreed { nr, gxy, chosen: (agreed, theirs[0].clone()) },
        last_sent: None,
        last_recv: Some(data.to_vec()),
        replay: Replay::default(),
        retries: 0,
        timer: None,
        rekey_of: None,
        sel: narrowed,
        peer_spis: spis_of(&theirs),
    };
    let ni_b = q.ni.clone();
    sa.quick.push(q);
    send_quick(cx, sa, now, hdr.msgid, &[&hdr.msgid.to_be_bytes(), &ni_b], rest, true);
}

/// QM2 (initiator): the chosen proposal, RESPONDER-LIFETIME, PFS; QM3
/// goes out and the pair is to be installed.
fn finish_initiator(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    now: Millis,
    qi: usize,
    data: &[u8],
    msg: &Msg,
    last: Vec<u8>,
) -> Next {
    let Some(pc) = cx.pc(sa.quick[qi].tunnel.as_deref().unwrap_or(&sa.tunnel)).cloned() else { return Next::Done };
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    let child = sa.quick[qi].child;
    let Some(cc) = pc.children.get(child).cloned() else { return Next::Done };
    for n in msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()) {
        if n.kind == notify::RESPONDER_LIFETIME {
            // Table 5 rows 36/37: the notify itself, then the lifetime it carries.
            cx.event(Event::NotifyReceived {
                conn,
                peer,
                kind: n.kind,
                protocol: n.protocol,
                spi: n.spi.clone(),
                protected: true,
            });
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
            cx.event(Event::ResponderLifetime { conn, peer, protocol: n.protocol, seconds: secs, kbytes: kb });
            if let (true, QuickStep::Offered { chosen, .. }) = (secs.is_some() || kb.is_some(), &mut sa.quick[qi].step)
            {
                let c = chosen.get_or_insert_with(|| {
                    (cc.proposals[0].clone(), ProposalRepr { number: 0, protocol: 0, spi: vec![], transforms: vec![] })
                });
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
    let Some(chosen) = chosen else { return Next::Done };
    // Which of our proposals is it?
    let Some(first) = chosen.proposals.first() else { return Next::Done };
    let Some(t) = first.transforms.first() else { return Next::Done };
    let o = offered_p2(first.protocol, t);
    let ours = cc.proposals.iter().find(|p| match first.protocol {
        proto::ESP => p.esp.map(|(e, a)| Some(e) == o.esp && a == o.auth).unwrap_or(false),
        proto::AH => p.ah == o.auth,
        _ => false,
    });
    // The answer's ESN (attribute 11 or none) must be one we offered.
    let ours = ours.filter(|_| super::proposals::esn_acceptable(cc.esn, o.esn));
    let Some(ours) = ours.cloned() else {
        cx.event(Event::P2NoneAcceptable { conn, peer });
        let q = sa.quick.remove(qi);
        sa.remember_quick(now, q.msgid, [Some(msg_digest(data)), None], None);
        return Next::Done;
    };
    let Ok(spi_out) = <[u8; 4]>::try_from(first.spi.as_slice()).map(u32::from_be_bytes) else { return Next::Done };
    for (i, p) in chosen.proposals.iter().enumerate() {
        cx.event(Event::P2Accepted {
            conn,
            peer,
            local: *sa.local.ip(),
            part: i as u8 + 1,
            local_id: selector_id(&cc.local_ts),
            remote_id: selector_id(&cc.remote_ts),
            protocol: p.protocol,
            esp: ours.esp,
            ah: ours.ah,
        });
    }
    let q = &mut sa.quick[qi];
    q.peer_spis = spis_of(&chosen.proposals);
    let QuickStep::Offered { dh, chosen } = &q.step else { return Next::Done };
    let mut gxy = None;
    if let Some(d) = dh {
        let Some(ke) = msg.get(payload::KE) else { return Next::Done };
        match d.shared(ke.body) {
            Ok(s) => gxy = Some(s),
            Err(_) => return Next::Done,
        }
    }
    let mut agreed = ours;
    if let Some((c, _)) = chosen {
        agreed.lifetime_seconds = c.lifetime_seconds.min(agreed.lifetime_seconds);
        agreed.lifetime_kbytes = min_volume(c.lifetime_kbytes, agreed.lifetime_kbytes);
    }
    if let Some(l) = o.lifetime_seconds {
        agreed.lifetime_seconds = agreed.lifetime_seconds.min(l);
    }
    agreed.lifetime_kbytes = min_volume(agreed.lifetime_kbytes, o.lifetime_kbytes.map(u64::from));
    let nr = msg.get(payload::NONCE).map(|n| n.body.to_vec()).unwrap_or_default();
    q.step = QuickStep::Agreed { nr: nr.clone(), gxy, chosen: (agreed, first.clone()) };
    q.iv = last;
    q.last_recv = Some(data.to_vec());
    q.replay = Replay::default();
    q.timer = None;
    let (ni, msgid) = (q.ni.clone(), q.msgid);
    send_quick(cx, sa, now, msgid, &[&[0u8], &msgid.to_be_bytes(), &ni, &nr], Builder::new(), false);
    let qi = sa.quick.iter().position(|q| q.msgid == msgid).unwrap_or(qi);
    let q = sa.quick.remove(qi);
    // Kept, should the QM3 be lost and the responder send its QM2 again.
    sa.remember_quick(now, msgid, [Some(msg_digest(data)), None], q.last_sent.clone());
    Next::Install(Box::new(q), spi_out)
}

/// The child SA pair a completed quick mode `q` made (its key material,
/// RFC 2409 5.5), numbered from `next_child`; `spi_out` is the peer's SPI.
pub(in crate::ike) fn child_sa(
    cx: &Ctx,
    sa: &IkeSa,
    now: Millis,
    q: &Quick,
    spi_out: u32,
    next_child: &mut u32,
) -> Option<ChildSa> {
    let tunnel = q.tunnel.as_deref().unwrap_or(&sa.tunnel);
    let pc = cx.pc(tunnel)?;
    let cc = pc.children.get(q.child)?;
    let QuickStep::Agreed { nr, gxy, chosen: (prop, theirs) } = &q.step else { return None };
    // The mode and ESN the answer (or the offer we took) carries.
    let agreed = theirs.transforms.first().map(|t| super::proposals::offered_p2(theirs.protocol, t));
    let transport = agreed.as_ref().is_some_and(|o| super::proposals::is_transport_mode(o.encap));
    let esn = agreed.is_some_and(|o| o.esn);
    let k = sa.keys()?;
    let h = sa.hash()?;
    let protocol = if prop.esp.is_some() { proto::ESP } else { proto::AH };
    let (elen, alen) = match (prop.esp, prop.ah) {
        (Some((e, a)), _) => (esp_key_len(e), a.map(auth_key_len).unwrap_or(0)),
        (None, Some(a)) => (0, auth_key_len(a)),
        _ => (0, 0),
    };
    // KEYMAT = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b), expanded.
    let keymat = |protocol: u8, spi: u32, len: usize| -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev: Vec<u8> = Vec::new();
        while out.len() < len {
            let mut parts: Vec<&[u8]> = Vec::new();
            if !prev.is_empty() {
                parts.push(&prev);
            }
            if let Some(g) = gxy {
                parts.push(g);
            }
            let pb = [protocol];
            let sb = spi.to_be_bytes();
            parts.push(&pb);
            parts.push(&sb);
            parts.push(&q.ni);
            parts.push(nr);
            let kk = h.prf(&k.d, &parts);
            out.extend_from_slice(&kk);
            prev = kk;
        }
        out.truncate(len);
        out
    };
    let split = |m: Vec<u8>| SaKeys { encr: m[..elen].to_vec(), auth: m[elen..].to_vec() };
    // The peer's SPI of each protocol (a bundle's AH and ESP SPIs may differ).
    let peer_spi = |p: u8| q.peer_spis.iter().find(|(pp, _)| *pp == p).map(|(_, s)| *s).unwrap_or(spi_out);
    let spi_out = peer_spi(protocol);
    let keys_in = split(keymat(protocol, q.spi_in, elen + alen));
    let keys_out = split(keymat(protocol, spi_out, elen + alen));
    let ah_part = match (prop.esp, prop.ah) {
        (Some(_), Some(a)) => {
            let ah_out = peer_spi(proto::AH);
            Some(AhPart {
                spi_out: ah_out,
                key_in: keymat(proto::AH, q.spi_in, auth_key_len(a)),
                key_out: keymat(proto::AH, ah_out, auth_key_len(a)),
            })
        }
        _ => None,
    };
    let id = *next_child;
    *next_child += 2;
    let (local_ts, remote_ts) = q.sel.unwrap_or((cc.local_ts, cc.remote_ts));
    let c = ChildSa {
        id,
        ike: sa.conn,
        tunnel: tunnel.to_string(),
        policy: cc.policy.clone(),
        child: q.child,
        local: sa.local,
        remote: sa.remote,
        encap: sa.nat_local || sa.nat_remote,
        transport,
        local_ts,
        remote_ts,
        spi_in: q.spi_in,
        spi_out,
        proposal: prop.name.clone(),
        esp: prop.esp,
        ah: prop.ah,
        ah_part,
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
        replay_window: cc.replay_window,
        esn,
        rekeyed: false,
    };
    Some(c)
}

/// The SPI of each protocol in a proposal (AH and ESP of a bundle).
fn spis_of(props: &[ProposalRepr]) -> Vec<(u8, u32)> {
    props
        .iter()
        .filter_map(|p| Some((p.protocol, u32::from_be_bytes(<[u8; 4]>::try_from(p.spi.as_slice()).ok()?))))
        .collect()
}

/// A message under the ID of a finished quick mode: a copy of the QM2 our
/// QM3 answered (the QM3 was lost) gets the QM3 again (at most as often as
/// [`Replay`] allows); a copy of another message of the exchange is a
/// duplicate; a different message is not a retransmission (a message ID
/// used already) and is dropped unanswered.
fn finished_again(cx: &mut Ctx, sa: &mut IkeSa, now: Millis, hdr: &Header, data: &[u8]) {
    let m = Some(msg_digest(data));
    let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
    let Some(d) = sa.quick_done.get_mut(hdr.msgid) else { return };
    if d.reply.is_some() && d.seen[0] == m {
        match d.reply.as_deref().filter(|_| d.replay.allow(now)) {
            Some(qm3) => {
                cx.event(Event::Retransmit { conn, peer: *dst.ip(), count: 0 });
                cx.send_raw(src, dst, qm3.to_vec());
            }
            None => cx.stats.rx_duplicates += 1,
        }
    } else if d.seen.contains(&m) {
        cx.stats.rx_duplicates += 1;
    } else {
        cx.stats.rx_malformed += 1;
        cx.event(Event::Malformed { peer: dst, error: WireError::InvalidMessageId(hdr.msgid), answered: None });
    }
}

/// Quick-mode retransmissions that are due on `sa`; an exchange that went
/// unanswered [`RETRANSMIT_TRIES`] times is dropped (counted as failed). A
/// responder whose QM2 was never followed by a QM3 deletes the SPI it
/// offered: an initiator that installed the pair all the same (its QM3 lost
/// each time) removes it instead of keeping a half-open pair.
pub(in crate::ike) fn retransmit(cx: &mut Ctx, sa: &mut IkeSa, now: Millis) {
    sa.quick_done.forget(now);
    let mut qi = 0;
    while qi < sa.quick.len() {
        let q = &mut sa.quick[qi];
        if q.timer.is_some_and(|t| t <= now) {
            if q.retries >= RETRANSMIT_TRIES {
                let q = sa.quick.remove(qi);
                cx.stats.p2_failed += 1;
                cx.tunnel(&sa.tunnel).p2_failed += 1;
                if q.role == Role::Responder {
                    let mut protocols: Vec<u8> = q.peer_spis.iter().map(|(p, _)| *p).collect();
                    protocols.dedup();
                    for p in protocols {
                        send_delete_spi(cx, sa, p, q.spi_in);
                    }
                }
                sa.remember_quick(now, q.msgid, [q.last_recv.as_deref().map(msg_digest), None], None);
                continue;
            }
            q.retries += 1;
            q.timer = Some(now + (RETRANSMIT_BASE << q.retries.min(6)));
            if let Some(d) = q.last_sent.clone() {
                cx.stats.retransmits += 1;
                cx.tunnel(&sa.tunnel).retransmits += 1;
                cx.send_raw(sa.local, sa.remote, d);
            }
        }
        qi += 1;
    }
}

#[cfg(test)]
pub(in crate::ike) mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Test seam: the initiator sends its local proxy identity with the
        /// configured address as it is (host bits and all), as some peers do.
        pub(in crate::ike) static RAW_LOCAL_ID: Cell<bool> = const { Cell::new(false) };
        /// Test seam: the responder refuses a QM1 with a notify whose SPI is
        /// four zero octets, as strongSwan does before it has picked a proposal.
        pub(in crate::ike) static ZERO_SPI_REFUSALS: Cell<bool> = const { Cell::new(false) };
    }

    pub(in crate::ike) fn host_bits_in(id: IdRepr, s: &crate::ike::conf::Selector) -> IdRepr {
        if !RAW_LOCAL_ID.with(Cell::get) || id.id_type != wire::id_type::IPV4_ADDR_SUBNET {
            return id;
        }
        let mut data = s.net.addr.octets().to_vec();
        data.extend_from_slice(&id.data[4..]);
        IdRepr { data, ..id }
    }
}
