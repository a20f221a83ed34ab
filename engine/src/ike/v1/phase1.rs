//! Phase 1, what main and aggressive mode share: the initiator's first
//! message, the responder's first message (finding the tunnel, choosing a
//! proposal), SKEYID and the authenticating hashes, NAT-D. Functions over
//! the context and one SA; the half-open limits, failure, retry and
//! establishment (which reach other SAs) are the dispatcher's.

use crate::config::*;
use crate::ike::conf::*;
use crate::ike::context::Ctx;
use crate::ike::crypto::*;
use crate::ike::events::*;
use crate::ike::matching::*;
use crate::ike::params::*;
use crate::ike::sa::*;
use crate::ike::v1::informational::send_notify;
use crate::ike::v1::proposals::*;
use crate::ike::v1::*;
use crate::ike::wire::{
    self, Builder, Header, IdRepr, Part, ProposalRepr, SaRepr, WireError, exchange, notify, payload, proto,
};
use rand::Rng;
use std::net::SocketAddrV4;

/// Send a phase-1 message and remember it for retransmission.
pub(in crate::ike) fn send_p1(
    cx: &mut Ctx,
    sa: &mut IkeSa,
    now: Millis,
    exch: u8,
    b: &Builder,
    encrypt: bool,
    expect_reply: bool,
) {
    let iv = if encrypt { Some(sa.iv().to_vec()) } else { None };
    let (dgram, last) = frame(sa, exch, 0, b.first(), &b.chain(), iv.as_deref());
    let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
    if encrypt {
        sa.set_iv(last);
    }
    sa.last_sent = Some(dgram.clone());
    sa.replay.answered = sa.last_recv.is_some();
    sa.retries = 0;
    sa.timer = expect_reply.then_some(now + RETRANSMIT_BASE);
    // The main-mode step: the initiator's first message before its send line (IOS), the others after.
    let step = (exch == exchange::MAIN).then(|| mm_number(sa.role, sa.state, true, encrypt)).flatten();
    let step_event = |number| Event::P1Step { conn, peer: *dst.ip(), role: sa.role, number, sent: true };
    if let Some(1) = step {
        cx.event(step_event(1));
    }
    cx.event(Event::Sent {
        conn,
        peer: dst,
        exchange: exch,
        msgid: 0,
        payloads: b.payloads.iter().map(|p| p.0).collect(),
        retransmit: false,
        sa_state: Some((sa.role, sa.state)),
        local_port: src.port(),
    });
    if let Some(n) = step.filter(|n| *n != 1) {
        cx.event(step_event(n));
    }
    cx.tunnel(&sa.tunnel).tx_packets += 1;
    cx.send_raw(src, dst, dgram);
}

/// Which main-mode message (1 to 6) an SA in `state` sends (`sent`, and
/// whether it is encrypted) or takes in next; None where main mode has none.
pub(in crate::ike) fn mm_number(role: Role, state: P1State, sent: bool, encrypted: bool) -> Option<u8> {
    Some(match (role, state, sent) {
        (Role::Initiator, P1State::MmNoState, true) => 1,
        (Role::Responder, P1State::MmNoState, false) => 1,
        (Role::Initiator, P1State::MmNoState, false) => 2,
        (Role::Responder, P1State::MmSaSetup, true) => 2,
        (Role::Initiator, P1State::MmSaSetup, true) => 3,
        (Role::Responder, P1State::MmSaSetup, false) => 3,
        (Role::Initiator, P1State::MmSaSetup, false) => 4,
        (Role::Responder, P1State::MmKeyExch, true) => {
            if encrypted {
                6
            } else {
                4
            }
        }
        (Role::Initiator, P1State::MmKeyExch, true) => 5,
        (Role::Responder, P1State::MmKeyExch, false) => 5,
        (Role::Initiator, P1State::MmKeyExch, false) => 6,
        _ => return None,
    })
}

/// Start phase 1 as initiator: the new SA, its first message sent (None
/// when the DH value cannot be made).
pub(in crate::ike) fn start(cx: &mut Ctx, next_conn: &mut u32, now: Millis, p: &PeerConf) -> Option<IkeSa> {
    let remote = p.remote?;
    // Nothing to authenticate with: no pre-shared key, and signatures without
    // a certificate and key to sign with (none imported yet). The
    // configuration says so (`... : not negotiated`); the tunnel starts when
    // the configuration changes (a certificate imported, a key added).
    if p.psk.is_none()
        && p.proposals.iter().all(|x| x.auth.is_signature())
        && p.pki.as_ref().is_none_or(|k| k.signer().is_none())
    {
        return None;
    }
    let mut sa = new_sa(
        cx,
        next_conn,
        now,
        &p.name,
        Role::Initiator,
        p.mode,
        SocketAddrV4::new(p.local, IKE_PORT),
        SocketAddrV4::new(remote, IKE_PORT),
    );
    let sa_payload = SaRepr {
        doi: wire::DOI_IPSEC,
        situation: wire::SIT_IDENTITY_ONLY,
        proposals: vec![ProposalRepr {
            number: 1,
            protocol: proto::ISAKMP,
            spi: vec![],
            transforms: p
                .proposals
                .iter()
                .enumerate()
                .map(|(i, pr)| p1_transform(i as u8 + 1, pr, super::sig_auth::ecdsa_method(p)))
                .collect(),
        }],
    };
    let mut b = Builder::new();
    b.push(payload::SA, sa_payload.emit());
    let mut nego = Negotiation { sa_i_b: sa_payload.emit(), ..Default::default() };
    if p.mode == ExchangeMode::Aggressive {
        // Aggressive mode commits to the first proposal's group.
        let g = DhGroup(p.proposals[0].group);
        let Ok(dh) = g.generate(&mut cx.rng) else {
            cx.event(Event::GiveUp { conn: sa.conn, peer: remote, tunnel: p.name.clone(), state: sa.state });
            return None;
        };
        nego.gxi = dh.public.clone();
        nego.dh = Some(dh);
        nego.ni = cx.nonce();
        b.push(payload::KE, nego.gxi.clone());
        b.push(payload::NONCE, nego.ni.clone());
        b.push(payload::ID, identity_id(&p.local_id).emit());
        // Signatures (RSA, ECDSA): CERTREQ naming the CAs we trust (RFC 2409 5.1, as in MM3).
        if p.proposals.iter().any(|x| x.auth.is_signature()) {
            for r in super::sig_auth::certreqs(p) {
                b.push(payload::CERTREQ, r);
            }
        }
    }
    sa.phase = Phase1::Negotiating(Box::new(nego));
    for v in vids(p.dpd) {
        b.push(payload::VID, v);
    }
    cx.event(Event::State { conn: sa.conn, peer: remote, old: P1State::MmNoState, new: sa.state });
    let exch = if p.mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
    send_p1(cx, &mut sa, now, exch, &b, false, true);
    Some(sa)
}

/// The tunnel a first message is for, found from its SA payload, the
/// local and remote addresses (and for aggressive mode the identity).
pub(in crate::ike) struct First {
    pub(in crate::ike) pc: PeerConf,
    pub(in crate::ike) sa_repr: SaRepr,
    pub(in crate::ike) sa_i_b: Vec<u8>,
    pub(in crate::ike) peer_id: Option<IdRepr>,
    pub(in crate::ike) aggressive: bool,
}

/// Which tunnel a first message (no SA yet) is for; refusals are reported
/// (and answered where the seeds answer them).
pub(in crate::ike) fn find_tunnel(
    cx: &mut Ctx,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    hdr: &Header,
    msg: &Msg,
) -> Option<First> {
    let Some(sa_p) = msg.get(payload::SA) else {
        cx.event(Event::Malformed {
            peer: remote,
            error: WireError::Malformed(Part::Sa),
            answered: Some(notify::PAYLOAD_MALFORMED),
        });
        answer_unprotected(cx, 0, local, remote, Some(hdr), notify::PAYLOAD_MALFORMED);
        return None;
    };
    let sa_repr = match SaRepr::parse(sa_p.body) {
        Ok(s) => s,
        Err(e) => {
            cx.stats.rx_malformed += 1;
            let n = e.notify();
            cx.event(Event::Malformed { peer: remote, error: e, answered: Some(n) });
            answer_unprotected(cx, 0, local, remote, Some(hdr), n);
            return None;
        }
    };
    // Which tunnels could this be? By local address, then peer address (or identity for aggressive mode).
    let rip = *remote.ip();
    let lip = *local.ip();
    let aggressive = hdr.exchange == exchange::AGGRESSIVE;
    let peer_id = if aggressive { msg.get(payload::ID).and_then(|p| IdRepr::parse(p.body).ok()) } else { None };
    let on_local: Vec<&PeerConf> =
        cx.conf.peers.iter().filter(|p| p.local == lip && p.version == crate::config::IkeVersion::V1).collect();
    if on_local.is_empty() {
        cx.event(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::BadLocalAddress });
        return None;
    }
    let mut cands: Vec<&PeerConf> = on_local.iter().copied().filter(|p| p.remote == Some(rip)).collect();
    if cands.is_empty() {
        // On-demand: match the identity, exact before partial before wildcard.
        let mut od: Vec<(u8, &PeerConf)> = on_local
            .iter()
            .copied()
            .filter(|p| p.kind == TunnelKind::OnDemand)
            .map(|p| {
                (
                    peer_id.as_ref().map(|id| identity_match(&p.remote_id, id)).unwrap_or(if aggressive {
                        0
                    } else {
                        1
                    }),
                    p,
                )
            })
            .filter(|(m, _)| *m > 0)
            .collect();
        od.sort_by(|a, b| b.0.cmp(&a.0));
        cands = od.into_iter().map(|x| x.1).collect();
        // Dial-in users with certificates (Table 5 row 8): an identity no on-demand tunnel takes.
        if let (true, Some(id)) = (cands.is_empty(), &peer_id)
            && on_local.iter().any(|p| p.kind == TunnelKind::OnDemand && has_pki(p))
        {
            cx.event(Event::IdMismatch { conn: 0, peer: rip, id: id.clone(), by_signature: true, dial_in: true });
            answer_unprotected(cx, 0, local, remote, Some(hdr), notify::INVALID_ID_INFORMATION);
            return None;
        }
    }
    let Some(pc) = cands.first().map(|p| (*p).clone()) else {
        cx.event(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::NotFound });
        return None;
    };
    let conf_exch = if pc.mode == ExchangeMode::Main { exchange::MAIN } else { exchange::AGGRESSIVE };
    let aggressive_ok = aggressive && cx.conf.v1_aggressive_responder;
    if conf_exch != hdr.exchange && !pc.dynamic && !aggressive_ok {
        cx.event(Event::NoPeer {
            peer: rip,
            local: lip,
            reason: NoPeerReason::Exchange { received: hdr.exchange, configured: conf_exch },
        });
        answer_unprotected(cx, 0, local, remote, Some(hdr), notify::INVALID_EXCHANGE_TYPE);
        return None;
    }
    if !pc.may_respond() {
        cx.event(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::InitiatorOnly });
        return None;
    }
    // A key: pre-shared, or a certificate and its private key (RSA signatures).
    if pc.psk.is_none() && !pc.pki.as_ref().is_some_and(|k| k.signer().is_some() && has_pki(&pc)) {
        cx.event(Event::NoPeer { peer: rip, local: lip, reason: NoPeerReason::NoKey });
        return None;
    }
    Some(First { pc, sa_repr, sa_i_b: sa_p.body.to_vec(), peer_id, aggressive })
}

/// The responder's answer to a first message, on its new SA `sa`: choose a
/// proposal, then MM2 (main mode) or AM2 (aggressive mode: KE, nonce,
/// identity and HASH_R). Returns the SA when it lives on.
pub(in crate::ike) fn respond(
    cx: &mut Ctx,
    mut sa: IkeSa,
    now: Millis,
    first: First,
    hdr: &Header,
    data: &[u8],
    msg: &Msg,
) -> Option<IkeSa> {
    let First { pc, sa_repr, sa_i_b, peer_id, aggressive } = first;
    let (remote, rip) = (sa.remote, *sa.remote.ip());
    sa.icookie = hdr.icookie;
    cx.rng.fill_bytes(&mut sa.rcookie);
    sa.last_recv = Some(data.to_vec());
    sa.replay = Replay::default();
    if let Some(n) = sa.nego_mut() {
        n.sa_i_b = sa_i_b;
    }
    peer_vids(&mut sa, msg);
    let conn = sa.conn;
    if !aggressive {
        cx.event(Event::P1Step { conn, peer: rip, role: Role::Responder, number: 1, sent: false });
    }
    // IOS's `found peer pre-shared key matching A`: only when there is one (a
    // peer known by its certificate alone has none to find).
    if pc.psk.is_some() {
        cx.event(Event::PeerKeyFound { conn, peer: rip });
    }
    // Proposal selection: configured proposals by priority, each against every offered transform.
    let chosen = select_p1(&mut cx.events, conn, &sa_repr, &pc, remote);
    let Some((t, prop)) = chosen else {
        cx.stats.p1_failed += 1;
        cx.tunnel(&sa.tunnel).p1_failed += 1;
        // Nothing usable was offered at all: answer with what was wrong (Table 5); else NO_PROPOSAL_CHOSEN.
        let why = match cx.events.back() {
            Some(Event::Malformed { answered: Some(n), .. }) => *n,
            _ => {
                cx.event(Event::P1NoneAcceptable { conn, peer: rip });
                notify::NO_PROPOSAL_CHOSEN
            }
        };
        cx.event(Event::Phase1Failed {
            conn,
            local: sa.local,
            remote,
            role: Role::Responder,
            state: P1State::MmNoState,
            exchange: hdr.exchange,
        });
        send_notify(cx, &sa, why, proto::ISAKMP, cookies(&sa), vec![]);
        return None;
    };
    sa.lifetime = prop.lifetime;
    sa.chosen = Some(prop.clone());
    let chosen_sa = SaRepr {
        doi: wire::DOI_IPSEC,
        situation: wire::SIT_IDENTITY_ONLY,
        proposals: vec![ProposalRepr {
            number: sa_repr.proposals[0].number,
            protocol: proto::ISAKMP,
            spi: vec![],
            transforms: vec![t],
        }],
    };
    let mut b = Builder::new();
    b.push(payload::SA, chosen_sa.emit());
    if !aggressive {
        for v in vids(pc.dpd) {
            b.push(payload::VID, v);
        }
        set_state(cx, &mut sa, P1State::MmSaSetup);
        send_p1(cx, &mut sa, now, exchange::MAIN, &b, false, true);
        return Some(sa);
    }
    // Aggressive mode: KE, Ni, IDii are in the first message.
    let (Some(ke), Some(ni), Some(id)) = (msg.get(payload::KE), msg.get(payload::NONCE), peer_id) else {
        cx.event(Event::Malformed {
            peer: remote,
            error: WireError::Malformed(Part::AggressiveFirst),
            answered: Some(notify::PAYLOAD_MALFORMED),
        });
        return None;
    };
    if identity_match(&pc.remote_id, &id) == 0 {
        cx.event(Event::IdMismatch { conn, peer: rip, id, by_signature: uses_sig(&sa), dial_in: false });
        send_notify(cx, &sa, notify::INVALID_ID_INFORMATION, proto::ISAKMP, cookies(&sa), vec![]);
        return None;
    }
    let g = DhGroup(prop.group);
    if ke.body.len() != g.public_len() {
        cx.event(Event::Malformed {
            peer: remote,
            error: WireError::Malformed(Part::Ke),
            answered: Some(notify::INVALID_KEY_INFORMATION),
        });
        send_notify(cx, &sa, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, cookies(&sa), vec![]);
        return None;
    }
    sa.peer_id = Some(id);
    if let Some(n) = sa.nego_mut() {
        n.gxi = ke.body.to_vec();
        n.ni = ni.body.to_vec();
    }
    let Ok(dh) = g.generate(&mut cx.rng) else { return Some(sa) };
    let nr = cx.nonce();
    if let Some(n) = sa.nego_mut() {
        n.gxr = dh.public.clone();
        n.nr = nr;
        n.dh = Some(dh);
    }
    if !derive_p1(cx, &mut sa, &pc) {
        send_notify(cx, &sa, notify::INVALID_KEY_INFORMATION, proto::ISAKMP, cookies(&sa), vec![]);
        return None;
    }
    let idr = identity_id(&pc.local_id).emit();
    let mut b = Builder::new();
    b.push(payload::SA, chosen_sa.emit())
        .push(payload::KE, sa.nego().gxr.clone())
        .push(payload::NONCE, sa.nego().nr.clone());
    if uses_sig(&sa) {
        // RFC 2409 5.1: HDR, SA, KE, Nr, IDir, [CERT,] SIG_R.
        match super::sig_auth::sign(cx, &sa, &pc, false, &idr) {
            Ok(ps) => {
                b.push(payload::ID, idr);
                for (k, body) in ps {
                    b.push(k, body);
                }
                for r in super::sig_auth::certreqs(&pc) {
                    b.push(payload::CERTREQ, r);
                }
            }
            Err(failure) => {
                cx.event(Event::CertAuthFailed { conn, peer: rip, version: 1, id: None, failure });
                return None;
            }
        }
    } else {
        let hash_r = hash_auth(&sa, false, &idr);
        b.push(payload::ID, idr).push(payload::HASH, hash_r);
    }
    for v in vids(pc.dpd) {
        b.push(payload::VID, v);
    }
    if sa.peer_natt {
        for n in natd_payloads(&sa) {
            b.push(payload::NAT_D, n);
        }
    }
    send_p1(cx, &mut sa, now, exchange::AGGRESSIVE, &b, false, true);
    Some(sa)
}

/// SKEYID and friends (RFC 2409 5); false when the DH computation fails.
pub(in crate::ike) fn derive_p1(cx: &mut Ctx, sa: &mut IkeSa, pc: &PeerConf) -> bool {
    let (Some(h), Some(c), Some(dh)) = (sa.hash(), sa.cipher(), sa.nego().dh.as_ref()) else { return false };
    let peer_pub = if sa.role == Role::Initiator { &sa.nego().gxr } else { &sa.nego().gxi };
    let Ok(gxy) = dh.shared(peer_pub) else { return false };
    // SKEYID: prf(pre-shared key, Ni_b | Nr_b), or with signatures prf(Ni_b | Nr_b, g^xy) (RFC 2409 5).
    let skeyid = if uses_sig(sa) {
        h.prf(&[sa.nego().ni.as_slice(), sa.nego().nr.as_slice()].concat(), &[&gxy])
    } else {
        h.prf(&pc.psk.clone().unwrap_or_default(), &[&sa.nego().ni, &sa.nego().nr])
    };
    let d = h.prf(&skeyid, &[&gxy, &sa.icookie, &sa.rcookie, &[0]]);
    let a = h.prf(&skeyid, &[&d, &gxy, &sa.icookie, &sa.rcookie, &[1]]);
    let e = h.prf(&skeyid, &[&a, &gxy, &sa.icookie, &sa.rcookie, &[2]]);
    let enc = expand_v1_key(h, &e, c.key_len());
    let iv = h.hash(&[&sa.nego().gxi, &sa.nego().gxr])[..c.block_size()].to_vec();
    sa.keyed(P1Keys { skeyid, d, a, enc }, iv);
    cx.event(Event::SkeyidGenerated { conn: sa.conn, peer: *sa.remote.ip() });
    true
}

/// Whether the SA's chosen transform authenticates with signatures.
pub(in crate::ike) fn uses_sig(sa: &IkeSa) -> bool {
    sa.chosen.as_ref().is_some_and(|c| c.auth.is_signature())
}

/// Whether a tunnel can take part in a signature-authenticated phase 1.
pub(in crate::ike) fn has_pki(pc: &PeerConf) -> bool {
    pc.pki.as_ref().is_some_and(|k| k.local == crate::pki::AuthBy::Signature)
}

/// HASH_I / HASH_R (a leaf module: the signature code needs it too).
pub(in crate::ike) use crate::ike::v1::auth_hash::hash_auth;

/// Our NAT-D payloads: the peer's address first, then ours.
pub(in crate::ike) fn natd_payloads(sa: &IkeSa) -> Vec<Vec<u8>> {
    let Some(h) = sa.hash() else { return vec![] };
    vec![nat_hash(h, &sa.icookie, &sa.rcookie, sa.remote), nat_hash(h, &sa.icookie, &sa.rcookie, sa.local)]
}

/// Check the peer's NAT-D payloads; sets the NAT flags.
pub(in crate::ike) fn check_natd(cx: &mut Ctx, sa: &mut IkeSa, msg: &Msg, local: SocketAddrV4, remote: SocketAddrV4) {
    let Some(h) = sa.hash() else { return };
    let natd: Vec<&[u8]> = msg.all(payload::NAT_D).map(|p| p.body).collect();
    if natd.is_empty() {
        return;
    }
    let me = nat_hash(h, &sa.icookie, &sa.rcookie, local);
    let them = nat_hash(h, &sa.icookie, &sa.rcookie, remote);
    let local_behind = natd[0] != me.as_slice();
    let remote_behind = !natd[1..].contains(&them.as_slice());
    sa.nat_local = local_behind;
    sa.nat_remote = remote_behind;
    if local_behind || remote_behind {
        cx.event(Event::NatDetected { conn: sa.conn, peer: *sa.remote.ip(), local_behind, remote_behind });
    }
}

/// Behind a NAT (either side), a peer that speaks RFC 3947 moves to port 4500.
pub(in crate::ike) fn float_ports(sa: &mut IkeSa) {
    if sa.peer_natt && (sa.nat_local || sa.nat_remote) && sa.local.port() != NATT_PORT {
        sa.local.set_port(NATT_PORT);
        sa.remote.set_port(NATT_PORT);
    }
}

/// The initiator's check of the responder (MM6, AM2): HASH_R over its ID,
/// then the ID against the configured remote identity. On failure the
/// event says why and the SA is to go for the reason returned.
pub(in crate::ike) fn responder_authenticated(
    cx: &mut Ctx,
    sa: &IkeSa,
    pc: &PeerConf,
    id: &IdRepr,
    id_b: &[u8],
    hash: &[u8],
) -> Result<(), DownReason> {
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    if hash_auth(sa, false, id_b) != hash {
        cx.event(Event::AuthFailed { conn, peer });
        return Err(DownReason::AuthenticationFailed);
    }
    if identity_match(&pc.remote_id, id) == 0 {
        cx.event(Event::IdMismatch { conn, peer, id: id.clone(), by_signature: false, dial_in: false });
        return Err(DownReason::IdentityMismatch);
    }
    Ok(())
}

/// The KE and nonce of message 3 or 4, checked against the chosen group
/// (a malformed pair is reported; the responder answers INVALID-KEY-INFORMATION).
pub(in crate::ike) fn ke_and_nonce(
    cx: &mut Ctx,
    sa: &IkeSa,
    msg: &Msg,
    remote: SocketAddrV4,
    responder: bool,
) -> Option<(Vec<u8>, Vec<u8>)> {
    let g = DhGroup(sa.chosen.as_ref().map(|c| c.group).unwrap_or(2));
    match (msg.get(payload::KE), msg.get(payload::NONCE)) {
        (Some(ke), Some(n)) if ke.body.len() == g.public_len() && (8..=256).contains(&n.body.len()) => {
            Some((ke.body.to_vec(), n.body.to_vec()))
        }
        (ke, _) => {
            let answered = (responder && ke.is_some()).then_some(notify::INVALID_KEY_INFORMATION);
            cx.event(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Ke), answered });
            None
        }
    }
}

/// Phase 1 is up on this SA: its state, time and DPD; the negotiation's
/// secrets go. Counted and reported; what follows (quick modes, the SA it
/// replaces) is the dispatcher's.
pub(in crate::ike) fn establish(cx: &mut Ctx, sa: &mut IkeSa, now: Millis) {
    set_state(cx, sa, P1State::QmIdle);
    let dpd_conf = cx.pc(&sa.tunnel).map(|p| p.dpd).unwrap_or(false);
    sa.established = Some(now);
    // The negotiation is over: its DH secret, public values and nonces go.
    sa.establish_keys();
    if sa.role == Role::Initiator || sa.timer.is_some() {
        sa.timer = None;
    }
    if dpd_conf && sa.peer_dpd {
        sa.dpd_timer = Some(now + DPD_INTERVAL);
    }
    cx.stats.p1_established += 1;
    cx.tunnel(&sa.tunnel).p1_established += 1;
    cx.event(Event::Phase1Up { conn: sa.conn, peer: sa.remote, tunnel: sa.tunnel.clone(), role: sa.role });
}

/// Phase-1 retransmission, when due: the last message again (with a
/// doubling delay). True when [`RETRANSMIT_TRIES`] went unanswered: the
/// negotiation is given up (reported and counted; the SA is to go).
pub(in crate::ike) fn retransmit(cx: &mut Ctx, sa: &mut IkeSa, now: Millis) -> bool {
    if sa.timer.is_none_or(|t| t > now) {
        return false;
    }
    if sa.retries >= RETRANSMIT_TRIES {
        cx.event(Event::GiveUp { conn: sa.conn, peer: *sa.remote.ip(), tunnel: sa.tunnel.clone(), state: sa.state });
        cx.stats.p1_failed += 1;
        cx.tunnel(&sa.tunnel).p1_failed += 1;
        return true;
    }
    sa.retries += 1;
    sa.timer = Some(now + (RETRANSMIT_BASE << sa.retries.min(6)));
    if let Some(d) = sa.last_sent.clone() {
        cx.stats.retransmits += 1;
        cx.tunnel(&sa.tunnel).retransmits += 1;
        cx.event(Event::Retransmit { conn: sa.conn, peer: *sa.remote.ip(), count: sa.retries });
        cx.send_raw(sa.local, sa.remote, d);
    }
    false
}

/// An error notify (a type below 16384) in a phase 1 message from the
/// peer: counted, told (`protected`: whether it came encrypted), and the
/// negotiation fails with it; None when the message holds none.
pub(in crate::ike) fn error_notify(
    cx: &mut Ctx,
    sa: &IkeSa,
    msg: &Msg,
    remote: SocketAddrV4,
    protected: bool,
) -> Option<Next> {
    let n = msg.get(payload::NOTIFY).and_then(|n| wire::NotifyRepr::parse(n.body).ok())?;
    if n.kind >= 16384 {
        return None;
    }
    cx.stats.notifies_rx += 1;
    cx.tunnel(&sa.tunnel).notifies_rx += 1;
    cx.event(Event::NotifyReceived {
        conn: sa.conn,
        peer: *remote.ip(),
        kind: n.kind,
        protocol: n.protocol,
        spi: n.spi,
        protected,
    });
    Some(Next::Fail(DownReason::PeerNotify(n.kind)))
}
