//! IKE_SA_INIT (RFC 7296 1.2): owns starting an IKE SA as initiator and
//! answering one as responder: IKE proposal selection (several proposals per
//! SA payload, NO_PROPOSAL_CHOSEN with both sides' values in the event),
//! INVALID_KE_PAYLOAD (asked for, and acted on by retrying with the group the
//! responder wants), cookies once half-open SAs pass the threshold (2.6) and
//! answering a peer's COOKIE, NAT_DETECTION_* and floating to port 4500 (2.23),
//! and the key derivation that follows.

use super::keys::{self, Encr, IkeKeys, Integ, Suite};
use super::wire::{
    self, Builder, Header, KeRepr, Msg, NotifyRepr, ProposalRepr, Repr, SaRepr, TransformRepr, exchange, flags, notify,
    proto, transform as tf,
};
use super::{Core, MAX_INIT_RETRIES, State, What};
use crate::config::{AuthMethod, ConnectionType};
use crate::ike::conf::{IkeProp, PeerConf};
use crate::ike::crypto::{DhGroup, HashAlg};
use crate::ike::events::{DownReason, Event, NoPeerReason, Role};
use crate::ike::params::{Millis, NATT_PORT};
use std::net::SocketAddrV4;

/// The IKE proposal of a configured proposal.
pub(crate) fn ike_proposal(number: u8, p: &IkeProp, spi: Vec<u8>) -> Option<ProposalRepr> {
    let s = suite_of(p)?;
    Some(suite_proposal(number, &s, spi))
}

pub(crate) fn suite_of(p: &IkeProp) -> Option<Suite> {
    // An AEAD cipher (RFC 5282) has no integrity transform.
    let integ = (!p.encr.is_aead()).then(|| Integ::from_conf(p.hash));
    Some(Suite { encr: Encr::from_conf(p.encr), prf: p.prf, integ, group: p.group })
}

pub(crate) fn suite_proposal(number: u8, s: &Suite, spi: Vec<u8>) -> ProposalRepr {
    let mut t = vec![s.encr.transform(), TransformRepr { kind: tf::PRF, id: keys::prf_id(s.prf), key_len: None }];
    if let Some(i) = s.integ {
        t.push(TransformRepr { kind: tf::INTEG, id: i.id(), key_len: None });
    }
    t.push(TransformRepr { kind: tf::DH, id: s.group, key_len: None });
    ProposalRepr { number, protocol: proto::IKE, spi, transforms: t }
}

/// Whether an offered IKE proposal contains everything a configured suite needs.
pub(crate) fn offer_has(o: &ProposalRepr, s: &Suite) -> bool {
    let encr = o.of(tf::ENCR).any(|t| Encr::from_transform(t) == Some(s.encr));
    let prf = o.of(tf::PRF).any(|t| keys::prf_from_id(t.id) == Some(s.prf));
    let integ = match s.integ {
        Some(i) => o.of(tf::INTEG).any(|t| t.id == i.id()),
        None => o.of(tf::INTEG).all(|t| t.id == 0),
    };
    let dh = o.of(tf::DH).any(|t| t.id == s.group);
    o.protocol == proto::IKE && encr && prf && integ && dh
}

/// The suite a responder's single proposal names, if it is one of ours.
pub(crate) fn chosen_suite(sa: &SaRepr, configured: &[IkeProp]) -> Option<(Suite, String)> {
    let [p] = sa.proposals.as_slice() else { return None };
    let encr = p.of(tf::ENCR).next().and_then(Encr::from_transform)?;
    let prf = p.of(tf::PRF).next().and_then(|t| keys::prf_from_id(t.id))?;
    let integ = match p.of(tf::INTEG).next() {
        Some(t) if t.id != 0 => Some(Integ::from_id(t.id)?),
        _ => None,
    };
    let group = p.of(tf::DH).next()?.id;
    let s = Suite { encr, prf, integ, group };
    configured.iter().find(|c| suite_of(c) == Some(s)).map(|c| (s, c.name.clone()))
}

impl Core {
    /// Start an IKE SA for a tunnel as initiator; `want` are the children to negotiate.
    pub(crate) fn start(&mut self, now: Millis, p: &PeerConf, want: std::collections::VecDeque<usize>) {
        let Some(remote) = p.remote else { return };
        let Some(first) = p.proposals.first() else { return };
        let spi_i = self.spi8();
        let local = SocketAddrV4::new(p.local, crate::ike::params::IKE_PORT);
        let i = self.new_sa(
            now,
            &p.name,
            Role::Initiator,
            local,
            SocketAddrV4::new(remote, crate::ike::params::IKE_PORT),
            spi_i,
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
        let dh = DhGroup(first.group).generate(&mut rng).ok();
        let ni = self.nonce();
        let sa = &mut self.sas[i];
        sa.want = want;
        sa.dh = dh;
        sa.ni = ni;
        self.send_init(i);
    }

    fn send_init(&mut self, i: usize) {
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        let sa = &self.sas[i];
        let Some(dh) = sa.dh.as_ref() else { return };
        let mut b = Builder::new();
        if let Some(c) = &sa.cookie {
            b.push(&Repr::Notify(NotifyRepr::new(notify::COOKIE, c.clone())));
        }
        let props: Vec<ProposalRepr> =
            p.proposals.iter().enumerate().filter_map(|(n, c)| ike_proposal(n as u8 + 1, c, vec![])).collect();
        b.push(&Repr::Sa(SaRepr { proposals: props }));
        b.push(&Repr::Ke(KeRepr { group: dh.group().0, data: dh.public.clone() }));
        b.push(&Repr::Nonce(sa.ni.clone()));
        b.push(&Repr::Notify(NotifyRepr::new(
            notify::NAT_DETECTION_SOURCE_IP,
            keys::nat_hash(&sa.spi_i, &[0; 8], nat_source(sa.local, p.force_encap)),
        )));
        b.push(&Repr::Notify(NotifyRepr::new(
            notify::NAT_DETECTION_DESTINATION_IP,
            keys::nat_hash(&sa.spi_i, &[0; 8], sa.remote),
        )));
        if self.fragmentation {
            b.push(&Repr::Notify(NotifyRepr::new(notify::IKEV2_FRAGMENTATION_SUPPORTED, vec![])));
        }
        super::cert_init::init_request_extras(&p, &mut b);
        let hdr = Header {
            spi_i: sa.spi_i,
            spi_r: [0; 8],
            next: 0,
            major: 2,
            minor: 0,
            exchange: exchange::IKE_SA_INIT,
            flags: flags::INITIATOR,
            msgid: 0,
            length: 0,
        };
        let data = b.message(hdr);
        let now = self.now;
        let sa = &mut self.sas[i];
        sa.init_req = data.clone();
        sa.next_msgid = 1;
        sa.pending = Some(super::Pending {
            msgid: 0,
            exchange: exchange::IKE_SA_INIT,
            data: vec![data.clone()],
            tries: 0,
            timer: now + crate::ike::params::RETRANSMIT_BASE,
            what: What::Init,
        });
        let (src, dst) = (sa.local, sa.remote);
        let ev = self.msg_event(i, exchange::IKE_SA_INIT, 0, false, true, b.kinds(), b.notify_types(), false);
        self.emit(ev);
        self.send_raw(src, dst, data);
    }

    fn fail(&mut self, i: usize, reason: DownReason) {
        self.stats.ike_failed += 1;
        self.drop_sa(i, reason, true);
    }

    /// The initiator's handling of the IKE_SA_INIT response.
    pub(crate) fn init_response(&mut self, _now: Millis, i: usize, hdr: &Header, data: &[u8]) {
        let (conn, peer) = (self.sas[i].conn, self.sas[i].remote);
        let msg = match Msg::parse(hdr.next, &data[wire::HEADER_LEN..]) {
            Ok(m) => m,
            Err(error) => {
                self.stats.rx_malformed += 1;
                self.emit(Event::V2Malformed { peer, error, answered: None });
                return;
            }
        };
        let ev = Event::V2Message {
            conn,
            peer,
            local: self.sas[i].local,
            spis: (hdr.spi_i, hdr.spi_r),
            exchange: hdr.exchange,
            msgid: 0,
            response: true,
            sent: false,
            payloads: msg.kinds(),
            notifies: msg.notify_types(),
            retransmit: false,
        };
        self.emit(ev);
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        if let Some(c) = msg.notify(notify::COOKIE) {
            self.emit(Event::V2Cookie { peer, sent: false });
            if self.sas[i].init_retries >= MAX_INIT_RETRIES || c.data.is_empty() || c.data.len() > 64 {
                return self.fail(i, DownReason::NoResponse);
            }
            self.sas[i].init_retries += 1;
            self.sas[i].cookie = Some(c.data.clone());
            return self.send_init(i);
        }
        if let Some(n) = msg.notify(notify::INVALID_KE_PAYLOAD) {
            let want = if n.data.len() == 2 { u16::from_be_bytes([n.data[0], n.data[1]]) } else { 0 };
            let have = self.sas[i].dh.as_ref().map(|d| d.group().0).unwrap_or(0);
            self.emit(Event::V2InvalidKe { conn, peer: *peer.ip(), offered: have, requested: want, sent: false });
            if want == have
                || !p.proposals.iter().any(|c| c.group == want)
                || self.sas[i].init_retries >= MAX_INIT_RETRIES
            {
                return self.fail(i, DownReason::PeerNotify(notify::INVALID_KE_PAYLOAD));
            }
            let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
            let Ok(dh) = DhGroup(want).generate(&mut rng) else { return self.fail(i, DownReason::DhFailed) };
            self.sas[i].init_retries += 1;
            self.sas[i].dh = Some(dh);
            return self.send_init(i);
        }
        if let Some(n) = msg.error_notify() {
            let kind = n.kind;
            self.emit(Event::V2Notify { conn, peer: *peer.ip(), kind, sent: false });
            return self.fail(i, DownReason::PeerNotify(kind));
        }
        let (Some(sa_p), Some(ke), Some(nr)) = (msg.sa(), msg.ke(), msg.nonce()) else {
            self.emit(Event::V2Malformed { peer, error: wire::Error::Missing(wire::payload::SA), answered: None });
            return;
        };
        let Some((suite, name)) = chosen_suite(sa_p, &p.proposals) else {
            self.emit(Event::V2NoProposal {
                conn,
                peer: *peer.ip(),
                protocol: proto::IKE,
                offered: sa_p.proposals.clone(),
                configured: p
                    .proposals
                    .iter()
                    .enumerate()
                    .filter_map(|(n, c)| ike_proposal(n as u8 + 1, c, vec![]))
                    .collect(),
            });
            return self.fail(i, DownReason::TransformNotOffered);
        };
        if hdr.spi_r == [0; 8] {
            return;
        }
        let Some(dh) = self.sas[i].dh.take() else { return };
        if ke.group != dh.group().0 || suite.group != ke.group {
            return self.fail(i, DownReason::DhGroupChanged);
        }
        let Ok(gir) = dh.shared(&ke.data) else { return self.fail(i, DownReason::BadKeyExchange) };
        let sa = &mut self.sas[i];
        sa.spi_r = hdr.spi_r;
        sa.nr = nr.to_vec();
        sa.suite = Some(suite);
        sa.proposal = name;
        sa.keys = Some(IkeKeys::derive(&suite, &sa.ni, &sa.nr, &gir, &sa.spi_i, &sa.spi_r));
        sa.init_resp = data.to_vec();
        sa.pending = None;
        sa.frag = self.fragmentation && msg.notify(notify::IKEV2_FRAGMENTATION_SUPPORTED).is_some();
        sa.state = State::AuthSent;
        self.check_nat(i, &msg, true);
        self.send_auth(i);
    }

    /// NAT detection: compare the peer's hashes with our view of the addresses.
    fn check_nat(&mut self, i: usize, msg: &Msg, initiator: bool) {
        let sa = &self.sas[i];
        let spi_r = if initiator { sa.spi_r } else { [0; 8] };
        // RFC 7296 2.23: in IKE_SA_INIT requests SPIr is zero; responses carry both SPIs.
        let (src, dst) =
            (msg.notify(notify::NAT_DETECTION_SOURCE_IP), msg.notify(notify::NAT_DETECTION_DESTINATION_IP));
        let (Some(src), Some(dst)) = (src, dst) else { return };
        let remote_behind = src.data != keys::nat_hash(&sa.spi_i, &spi_r, sa.remote);
        // Forced encapsulation: this side acts as if behind a NAT (its own
        // source hash named no real address, so the peer thinks so too).
        let forced = self.pc(&sa.tunnel).is_some_and(|p| p.force_encap);
        let local_behind = forced || dst.data != keys::nat_hash(&sa.spi_i, &spi_r, sa.local);
        if !(remote_behind || local_behind) {
            return;
        }
        let conn = sa.conn;
        let peer = *sa.remote.ip();
        self.emit(Event::NatDetected { conn, peer, local_behind, remote_behind });
        let sa = &mut self.sas[i];
        sa.nat_local = local_behind;
        sa.nat_remote = remote_behind;
        if initiator {
            sa.local.set_port(NATT_PORT);
            sa.remote.set_port(NATT_PORT);
        }
    }

    fn cookie_for(&self, ni: &[u8], remote: SocketAddrV4, spi_i: &[u8; 8]) -> Vec<u8> {
        let mut c = vec![0u8];
        c.extend(HashAlg::Sha256.prf(&self.cookie_secret, &[ni, &remote.ip().octets(), spi_i]));
        c
    }

    fn answer_plain(&mut self, local: SocketAddrV4, remote: SocketAddrV4, hdr: &Header, n: NotifyRepr) {
        let h = Header {
            spi_i: hdr.spi_i,
            spi_r: [0; 8],
            next: 0,
            major: 2,
            minor: 0,
            exchange: exchange::IKE_SA_INIT,
            flags: flags::RESPONSE,
            msgid: 0,
            length: 0,
        };
        let d = Builder::new().add(&Repr::Notify(n)).message(h);
        self.send_raw(local, remote, d);
    }

    /// A new IKE_SA_INIT request.
    pub(crate) fn respond_init(
        &mut self,
        now: Millis,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        hdr: &Header,
        data: &[u8],
    ) {
        let msg = match Msg::parse(hdr.next, &data[wire::HEADER_LEN..]) {
            Ok(m) => m,
            Err(error) => {
                self.stats.rx_malformed += 1;
                let answered = error.notify();
                if let Some(n) = answered {
                    self.answer_plain(local, remote, hdr, NotifyRepr::new(n, vec![]));
                }
                self.emit(Event::V2Malformed { peer: remote, error, answered });
                return;
            }
        };
        self.emit(Event::V2Message {
            conn: 0,
            peer: remote,
            local,
            spis: (hdr.spi_i, hdr.spi_r),
            exchange: hdr.exchange,
            msgid: 0,
            response: false,
            sent: false,
            payloads: msg.kinds(),
            notifies: msg.notify_types(),
            retransmit: false,
        });
        // A retransmitted IKE_SA_INIT of a half-open SA is answered from the stored response.
        if let Some(i) = self
            .by_spi
            .get(&hdr.spi_i)
            .into_iter()
            .flatten()
            .filter_map(|&c| self.index(c))
            .find(|&i| self.sas[i].remote == remote && self.sas[i].role == Role::Responder)
        {
            if let Some(lr) = self.sas[i]
                .last_resp
                .as_mut()
                .filter(|lr| lr.msgid == 0 && lr.request == data && lr.replays < super::RESPONSE_REPLAYS)
            {
                lr.replays += 1;
                let d = lr.response.clone();
                let (src, dst) = (self.sas[i].local, self.sas[i].remote);
                self.send_all(src, dst, d);
            } else {
                self.stats.rx_duplicates += 1;
            }
            return;
        }
        let cands: Vec<PeerConf> = self
            .peers
            .iter()
            .filter(|p| p.local == *local.ip() && p.remote.is_none_or(|r| r == *remote.ip()))
            .cloned()
            .collect();
        let Some(pc) = cands
            .iter()
            .find(|p| {
                super::cert_init::can_answer(p)
                    && (p.pki.is_some() || p.proposals.iter().any(|c| c.auth == AuthMethod::PreSharedKey))
            })
            .cloned()
        else {
            let reason = if cands.is_empty() {
                NoPeerReason::NotFound
            } else if cands.iter().all(|p| p.connection == ConnectionType::InitiatorOnly) {
                NoPeerReason::InitiatorOnly
            } else {
                NoPeerReason::NoKey
            };
            self.emit(Event::NoPeer { peer: *remote.ip(), local: *local.ip(), reason });
            return;
        };
        let (Some(offer), Some(ke), Some(ni)) = (msg.sa(), msg.ke(), msg.nonce()) else {
            self.stats.rx_malformed += 1;
            self.answer_plain(local, remote, hdr, NotifyRepr::new(notify::INVALID_SYNTAX, vec![]));
            self.emit(Event::V2Malformed {
                peer: remote,
                error: wire::Error::Missing(if msg.sa().is_none() {
                    wire::payload::SA
                } else if msg.ke().is_none() {
                    wire::payload::KE
                } else {
                    wire::payload::NONCE
                }),
                answered: Some(notify::INVALID_SYNTAX),
            });
            return;
        };
        // Cookies once too many SAs are half-open (RFC 7296 2.6).
        let half_open = self.sas.iter().filter(|s| s.role == Role::Responder && s.state == State::InitDone).count();
        if half_open >= self.cookie_threshold {
            let want = self.cookie_for(ni, remote, &hdr.spi_i);
            let ok = matches!(msg.list.first(), Some(Repr::Notify(n)) if n.kind == notify::COOKIE && super::ct_eq(&n.data, &want));
            if !ok {
                self.stats.cookies_sent += 1;
                self.emit(Event::V2Cookie { peer: remote, sent: true });
                self.answer_plain(local, remote, hdr, NotifyRepr::new(notify::COOKIE, want));
                return;
            }
        }
        // Proposal selection: the first offered proposal any configured one satisfies.
        let mut chosen = None;
        'outer: for o in &offer.proposals {
            for c in &pc.proposals {
                if let Some(s) = suite_of(c).filter(|s| offer_has(o, s)) {
                    chosen = Some((o.number, s, c.name.clone()));
                    break 'outer;
                }
            }
        }
        let Some((number, suite, name)) = chosen else {
            self.emit(Event::V2NoProposal {
                conn: 0,
                peer: *remote.ip(),
                protocol: proto::IKE,
                offered: offer.proposals.clone(),
                configured: pc
                    .proposals
                    .iter()
                    .enumerate()
                    .filter_map(|(n, c)| ike_proposal(n as u8 + 1, c, vec![]))
                    .collect(),
            });
            self.emit(Event::V2Notify { conn: 0, peer: *remote.ip(), kind: notify::NO_PROPOSAL_CHOSEN, sent: true });
            self.answer_plain(local, remote, hdr, NotifyRepr::new(notify::NO_PROPOSAL_CHOSEN, vec![]));
            return;
        };
        if ke.group != suite.group {
            self.emit(Event::V2InvalidKe {
                conn: 0,
                peer: *remote.ip(),
                offered: ke.group,
                requested: suite.group,
                sent: true,
            });
            self.answer_plain(
                local,
                remote,
                hdr,
                NotifyRepr::new(notify::INVALID_KE_PAYLOAD, suite.group.to_be_bytes().to_vec()),
            );
            return;
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
        let Ok(dh) = DhGroup(suite.group).generate(&mut rng) else { return };
        let Ok(gir) = dh.shared(&ke.data) else {
            self.answer_plain(local, remote, hdr, NotifyRepr::new(notify::INVALID_SYNTAX, vec![]));
            self.emit(Event::V2Malformed {
                peer: remote,
                error: wire::Error::Incomplete { payload: wire::payload::KE, have: ke.data.len() + 4 },
                answered: Some(notify::INVALID_SYNTAX),
            });
            return;
        };
        let spi_r = self.spi8();
        let nr = self.nonce();
        let i = self.new_sa(now, &pc.name, Role::Responder, local, remote, hdr.spi_i);
        let sa = &mut self.sas[i];
        sa.spi_r = spi_r;
        sa.ni = ni.to_vec();
        sa.nr = nr.clone();
        sa.suite = Some(suite);
        sa.proposal = name;
        sa.lifetime = pc.proposals.first().map(|p| p.lifetime).unwrap_or(86_400);
        sa.keys = Some(IkeKeys::derive(&suite, &sa.ni, &sa.nr, &gir, &sa.spi_i, &sa.spi_r));
        sa.init_req = data.to_vec();
        sa.state = State::InitDone;
        self.check_nat(i, &msg, false);
        let sa = &self.sas[i];
        let frag = self.fragmentation && msg.notify(notify::IKEV2_FRAGMENTATION_SUPPORTED).is_some();
        let mut b = Builder::new()
            .add(&Repr::Sa(SaRepr { proposals: vec![suite_proposal(number, &suite, vec![])] }))
            .add(&Repr::Ke(KeRepr { group: suite.group, data: dh.public.clone() }))
            .add(&Repr::Nonce(nr))
            .add(&Repr::Notify(NotifyRepr::new(
                notify::NAT_DETECTION_SOURCE_IP,
                keys::nat_hash(&sa.spi_i, &sa.spi_r, nat_source(sa.local, pc.force_encap)),
            )))
            .add(&Repr::Notify(NotifyRepr::new(
                notify::NAT_DETECTION_DESTINATION_IP,
                keys::nat_hash(&sa.spi_i, &sa.spi_r, sa.remote),
            )));
        if frag {
            b.push(&Repr::Notify(NotifyRepr::new(notify::IKEV2_FRAGMENTATION_SUPPORTED, vec![])));
        }
        super::cert_init::init_response_extras(&pc, &msg, &mut b);
        let h = Header {
            spi_i: sa.spi_i,
            spi_r: sa.spi_r,
            next: 0,
            major: 2,
            minor: 0,
            exchange: exchange::IKE_SA_INIT,
            flags: flags::RESPONSE,
            msgid: 0,
            length: 0,
        };
        let d = b.message(h);
        let sa = &mut self.sas[i];
        sa.init_resp = d.clone();
        sa.frag = frag;
        sa.last_resp =
            Some(super::LastResponse { msgid: 0, request: data.to_vec(), response: vec![d.clone()], replays: 0 });
        sa.peer_msgid = 1;
        let (src, dst) = (sa.local, sa.remote);
        let ev = self.msg_event(i, exchange::IKE_SA_INIT, 0, true, true, b.kinds(), b.notify_types(), false);
        self.emit(ev);
        self.send_raw(src, dst, d);
    }
}

use rand::{Rng, SeedableRng};

/// The address this side's NAT_DETECTION_SOURCE_IP hashes: its own, or with
/// forced encapsulation (IOS `nat force-encap`) one no packet comes from
/// (0.0.0.0:0), so the peer finds a NAT in front of this side and floats to
/// UDP 4500 (as strongSwan's `encap = yes` does).
fn nat_source(local: SocketAddrV4, force_encap: bool) -> SocketAddrV4 {
    if force_encap { SocketAddrV4::new(std::net::Ipv4Addr::UNSPECIFIED, 0) } else { local }
}
