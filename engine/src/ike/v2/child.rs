//! Child SAs and CREATE_CHILD_SA (RFC 7296 1.3, 2.8, 2.9, 2.17, 2.18): owns
//! ESP proposals and their selection, traffic-selector narrowing on the
//! responder (2.9) among every tunnel that shares the peer, TS_UNACCEPTABLE,
//! KEYMAT and the engine's [`ChildSa`]; new children, child rekeys
//! (REKEY_SA, then the old pair deleted) with and without PFS
//! (INVALID_KE_PAYLOAD for the PFS group too), and IKE SA rekeying with its
//! collisions (2.8.2: the new SA with the lowest nonce is deleted by its
//! initiator, the children move to the survivor).

use super::init::{chosen_suite, offer_has, suite_of, suite_proposal};
use super::keys::{self, IkeKeys};
use super::wire::{
    Builder, Header, KeRepr, Msg, NotifyRepr, ProposalRepr, Repr, SaRepr, TransformRepr, TsRepr, exchange, notify,
    proto, transform as tf,
};
use super::{ChildNeg, Core, Req, State, What, sel_to_ts, ts_to_sel};
use crate::config::{Esn, EspAuth, EspEncr};
use crate::ike::conf::{ChildConf, EspProp, Selector};
use crate::ike::crypto::DhGroup;
use crate::ike::events::{Event, Role};
use crate::ike::params::Millis;
use crate::ike::sa::{ChildSa, SaKeys};
use rand::{Rng, SeedableRng};

pub(crate) fn encr_transform(e: EspEncr) -> TransformRepr {
    let (id, key_len) = match e {
        EspEncr::Null => (tf::ENCR_NULL, None),
        EspEncr::DesCbc => (2, None),
        EspEncr::TripleDesCbc => (tf::ENCR_3DES, None),
        EspEncr::Aes128Cbc => (tf::ENCR_AES_CBC, Some(128)),
        EspEncr::Aes192Cbc => (tf::ENCR_AES_CBC, Some(192)),
        EspEncr::Aes256Cbc => (tf::ENCR_AES_CBC, Some(256)),
        EspEncr::Aes128Gcm => (tf::ENCR_AES_GCM_16, Some(128)),
        EspEncr::Aes192Gcm => (tf::ENCR_AES_GCM_16, Some(192)),
        EspEncr::Aes256Gcm => (tf::ENCR_AES_GCM_16, Some(256)),
    };
    TransformRepr { kind: tf::ENCR, id, key_len }
}

pub(crate) fn integ_id(a: EspAuth) -> u16 {
    match a {
        EspAuth::HmacMd5_96 => tf::AUTH_HMAC_MD5_96,
        EspAuth::HmacSha1_96 => tf::AUTH_HMAC_SHA1_96,
        EspAuth::HmacAesXcbc => tf::AUTH_AES_XCBC_96,
        EspAuth::HmacSha256_128 => tf::AUTH_HMAC_SHA2_256_128,
        EspAuth::HmacSha384_192 => tf::AUTH_HMAC_SHA2_384_192,
        EspAuth::HmacSha512_256 => tf::AUTH_HMAC_SHA2_512_256,
    }
}

/// The ESN transform IDs (RFC 7296 3.3.2: 0 No ESN, 1 ESN) a child offers, in order of preference.
fn esn_ids(esn: Esn) -> &'static [u16] {
    match esn {
        Esn::Off => &[tf::ESN_NONE],
        Esn::Preferred => &[tf::ESN_ON, tf::ESN_NONE],
        Esn::Required => &[tf::ESN_ON],
    }
}

fn esp_transforms(e: EspEncr, a: Option<EspAuth>, dh: Option<u16>, esn: &[u16]) -> Vec<TransformRepr> {
    let mut t = vec![encr_transform(e)];
    if let Some(a) = a.filter(|_| !e.is_aead()) {
        t.push(TransformRepr { kind: tf::INTEG, id: integ_id(a), key_len: None });
    }
    if let Some(g) = dh {
        t.push(TransformRepr { kind: tf::DH, id: g, key_len: None });
    }
    t.extend(esn.iter().map(|&id| TransformRepr { kind: tf::ESN, id, key_len: None }));
    t
}

/// The ESP SA payload a child's configuration offers (`pfs`: the DH transform, in CREATE_CHILD_SA).
pub(crate) fn esp_sa(cc: &ChildConf, spi: u32, pfs: Option<u16>) -> SaRepr {
    let proposals = cc
        .proposals
        .iter()
        .filter_map(|p| p.esp)
        .enumerate()
        .map(|(n, (e, a))| ProposalRepr {
            number: n as u8 + 1,
            protocol: proto::ESP,
            spi: spi.to_be_bytes().to_vec(),
            transforms: esp_transforms(e, a, pfs, esn_ids(cc.esn)),
        })
        .collect();
    SaRepr { proposals }
}

/// A child the responder accepted.
#[derive(Clone, Debug)]
pub(crate) struct Selected {
    pub tunnel: String,
    pub child: usize,
    pub local: Selector,
    pub remote: Selector,
    pub prop: EspProp,
    pub number: u8,
    pub spi_out: u32,
    pub spi_in: u32,
    pub pfs: Option<u16>,
    pub rekey_of: Option<u32>,
    /// Transport mode agreed (USE_TRANSPORT_MODE in the request and the answer).
    pub transport: bool,
    /// Extended Sequence Numbers agreed (the ESN transform chosen).
    pub esn: bool,
}

/// A child whose proposals ask for transport mode (IOS `mode transport`): the request carries USE_TRANSPORT_MODE.
pub(crate) fn wants_transport(cc: &ChildConf) -> bool {
    cc.proposals.iter().any(|p| p.transport.is_some())
}

pub(crate) fn chosen_sa(s: &Selected, spi_in: u32) -> SaRepr {
    let (e, a) = s.prop.esp.unwrap_or((EspEncr::Aes128Cbc, None));
    SaRepr {
        proposals: vec![ProposalRepr {
            number: s.number,
            protocol: proto::ESP,
            spi: spi_in.to_be_bytes().to_vec(),
            transforms: esp_transforms(e, a, s.pfs, if s.esn { &[tf::ESN_ON] } else { &[tf::ESN_NONE] }),
        }],
    }
}

/// Whether an offered ESP proposal satisfies a configured one (with PFS
/// group `pfs` and ESN choice `esn`): `Some(whether ESN is chosen)`. A
/// proposal without an ESN transform is taken as No ESN (as before); with
/// [`Esn::Preferred`] ESN is chosen whenever it is offered.
fn esp_offer_has(o: &ProposalRepr, e: EspEncr, a: Option<EspAuth>, pfs: Option<u16>, esn: Esn) -> Option<bool> {
    let enc = encr_transform(e);
    let encr = o.of(tf::ENCR).any(|t| t.id == enc.id && t.key_len == enc.key_len);
    let integ = match a.filter(|_| !e.is_aead()) {
        Some(a) => o.of(tf::INTEG).any(|t| t.id == integ_id(a)),
        None => o.of(tf::INTEG).all(|t| t.id == 0),
    };
    let no_esn = o.of(tf::ESN).next().is_none() || o.of(tf::ESN).any(|t| t.id == tf::ESN_NONE);
    let with_esn = o.of(tf::ESN).any(|t| t.id == tf::ESN_ON);
    let esn = match esn {
        Esn::Off => no_esn.then_some(false),
        Esn::Preferred if with_esn => Some(true),
        Esn::Preferred => no_esn.then_some(false),
        Esn::Required => with_esn.then_some(true),
    };
    let dh = match pfs {
        Some(g) => o.of(tf::DH).any(|t| t.id == g),
        None => o.of(tf::DH).next().is_none() || o.of(tf::DH).any(|t| t.id == 0),
    };
    esn.filter(|_| o.protocol == proto::ESP && o.spi.len() == 4 && encr && integ && dh)
}

/// The narrowed pair of one configured selector against the offered list (2.9).
pub(super) fn narrow(offered: &[super::wire::Ts], conf: &Selector) -> Option<Selector> {
    let c = sel_to_ts(conf);
    offered.iter().find_map(|o| o.intersect(&c).and_then(|x| ts_to_sel(&x)))
}

impl Core {
    /// Responder: pick the child (tunnel, selectors narrowed, proposal) for a request.
    /// `ke_group`: the KE payload's group in CREATE_CHILD_SA. Err is the notify to answer.
    pub(crate) fn select_child(
        &mut self,
        i: usize,
        msg: &Msg,
        ke_group: Option<u16>,
        rekey: Option<(String, usize, u32)>,
    ) -> Result<Selected, (u16, Vec<u8>)> {
        let (conn, peer, local) = (self.sas[i].conn, *self.sas[i].remote.ip(), *self.sas[i].local.ip());
        let (Some(offer), Some(tsi), Some(tsr)) = (msg.sa(), msg.tsi(), msg.tsr()) else {
            return Err((notify::INVALID_SYNTAX, vec![]));
        };
        let peer_id = self.sas[i].peer_id.clone();
        // Every tunnel with this peer (and identity) may own the child.
        let mut cands: Vec<(String, usize, ChildConf)> = Vec::new();
        for p in self.peers.iter().filter(|p| p.local == local && p.remote.is_none_or(|r| r == peer) && p.may_respond())
        {
            if peer_id.as_ref().is_some_and(|id| super::id_matches(&p.remote_id, id) == 0) {
                continue;
            }
            for (n, c) in p.children.iter().enumerate() {
                if rekey.as_ref().is_none_or(|(t, ch, _)| *t == p.name && *ch == n) {
                    cands.push((p.name.clone(), n, c.clone()));
                }
            }
        }
        // Prefer the tunnel of this IKE SA, then configuration order.
        let own = self.sas[i].tunnel.clone();
        cands.sort_by_key(|(t, _, _)| *t != own);
        let mut ts_ok = None;
        for (t, n, cc) in &cands {
            let (Some(r), Some(l)) = (narrow(&tsi.selectors, &cc.remote_ts), narrow(&tsr.selectors, &cc.local_ts))
            else {
                continue;
            };
            ts_ok = Some((t.clone(), *n, cc.clone(), l, r));
            break;
        }
        let Some((tunnel, child, cc, l, r)) = ts_ok else {
            self.emit(Event::V2TsUnacceptable { conn, peer, tsi: tsi.selectors.clone(), tsr: tsr.selectors.clone() });
            return Err((notify::TS_UNACCEPTABLE, vec![]));
        };
        if (l, r) != (cc.local_ts, cc.remote_ts)
            || tsi.selectors.first().and_then(ts_to_sel) != Some(r)
            || tsr.selectors.first().and_then(ts_to_sel) != Some(l)
        {
            let proposed = (
                tsr.selectors.first().and_then(ts_to_sel).unwrap_or(l),
                tsi.selectors.first().and_then(ts_to_sel).unwrap_or(r),
            );
            self.emit(Event::V2Narrowed { conn, peer, tunnel: tunnel.clone(), proposed, agreed: (l, r) });
        }
        let pfs = if ke_group.is_some() || rekey.is_some() { cc.pfs } else { None };
        let mut chosen = None;
        'outer: for o in &offer.proposals {
            for p in &cc.proposals {
                let Some((e, a)) = p.esp else { continue };
                if let Some(esn) = esp_offer_has(o, e, a, pfs, cc.esn) {
                    chosen = Some((o.number, o.spi_u32().unwrap_or(0), p.clone(), esn));
                    break 'outer;
                }
            }
        }
        let Some((number, spi_out, prop, esn)) = chosen else {
            self.emit(Event::V2NoProposal {
                conn,
                peer,
                protocol: proto::ESP,
                offered: offer.proposals.clone(),
                configured: esp_sa(&cc, 0, pfs).proposals,
            });
            return Err((notify::NO_PROPOSAL_CHOSEN, vec![]));
        };
        if let Some(g) = pfs
            && ke_group != Some(g)
        {
            self.emit(Event::V2InvalidKe { conn, peer, offered: ke_group.unwrap_or(0), requested: g, sent: true });
            return Err((notify::INVALID_KE_PAYLOAD, g.to_be_bytes().to_vec()));
        }
        // Transport mode (RFC 7296 1.3.1): asked for with USE_TRANSPORT_MODE and
        // configured here; asked for but not configured: tunnel mode (the notify
        // is not returned); required here but not asked for: refused.
        let asked = msg.notify(notify::USE_TRANSPORT_MODE).is_some();
        if !asked && prop.transport == Some(crate::config::TransportMode::Required) {
            self.emit(Event::V2NoProposal {
                conn,
                peer,
                protocol: proto::ESP,
                offered: offer.proposals.clone(),
                configured: esp_sa(&cc, 0, pfs).proposals,
            });
            return Err((notify::NO_PROPOSAL_CHOSEN, vec![]));
        }
        let transport = asked && prop.transport.is_some();
        Ok(Selected {
            tunnel,
            child,
            local: l,
            remote: r,
            prop,
            number,
            spi_out,
            spi_in: 0,
            pfs,
            rekey_of: rekey.map(|r| r.2),
            transport,
            esn,
        })
    }

    /// Derive the keys and install a child SA.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn install_child(
        &mut self,
        now: Millis,
        i: usize,
        s: &Selected,
        ni: &[u8],
        nr: &[u8],
        gir: Option<&[u8]>,
        role: Role,
        rekey_of: Option<u32>,
    ) {
        let sa = &self.sas[i];
        let (Some(suite), Some(k)) = (sa.suite, sa.keys.as_ref()) else { return };
        let (encr, auth) = match s.prop.esp {
            Some((e, a)) => (Some(e), a.filter(|_| !e.is_aead())),
            None => (None, None),
        };
        let ((ei, ai), (er, ar)) = keys::child_keymat(suite.prf, &k.d, gir, ni, nr, encr, auth);
        let (keys_out, keys_in) = if role == Role::Initiator {
            (SaKeys { encr: ei, auth: ai }, SaKeys { encr: er, auth: ar })
        } else {
            (SaKeys { encr: er, auth: ar }, SaKeys { encr: ei, auth: ai })
        };
        let id = self.next_child;
        self.next_child += 1;
        let cc = self.pc(&s.tunnel).and_then(|p| p.children.get(s.child));
        let policy = cc.map(|c| c.policy.clone()).unwrap_or_default();
        let replay_window = cc.map_or(crate::replay::DEFAULT_WINDOW, |c| c.replay_window);
        let c = ChildSa {
            id,
            ike: sa.conn,
            tunnel: s.tunnel.clone(),
            policy,
            child: s.child,
            local: sa.local,
            remote: sa.remote,
            encap: sa.nat_local || sa.nat_remote,
            transport: s.transport,
            local_ts: s.local,
            remote_ts: s.remote,
            spi_in: s.spi_in,
            spi_out: s.spi_out,
            proposal: s.prop.name.clone(),
            esp: s.prop.esp.map(|(e, a)| (e, a.filter(|_| !e.is_aead()))),
            ah: None,
            ah_part: None,
            pfs: gir.and(s.pfs),
            lifetime_seconds: s.prop.lifetime_seconds,
            lifetime_kbytes: s.prop.lifetime_kbytes,
            created: now,
            role,
            keys_in,
            keys_out,
            bytes_in: 0,
            bytes_out: 0,
            packets_in: 0,
            packets_out: 0,
            replay_window,
            esn: s.esn,
            rekeyed: false,
        };
        let peer = *sa.remote.ip();
        // A child whose exchange completed on an SA already rekeyed lives on its successor.
        let mut c = c;
        if sa.state == State::Deleting
            && let Some(s) = self
                .sas
                .iter()
                .find(|s| s.state == State::Established && s.rekey_from.as_ref().is_some_and(|r| r.0 == c.ike))
        {
            c.ike = s.conn;
        }
        self.stats.child_established += 1;
        self.child_jitter.insert(c.id, self.jitter_rng.next_u64() % super::timers::REKEY_JITTER);
        self.emit(Event::ChildInstalled(crate::ike::events::ChildInfo::of(&c)));
        self.emit(Event::ChildUp {
            tunnel: c.tunnel.clone(),
            peer,
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            local_ts: c.local_ts,
            remote_ts: c.remote_ts,
            rekey: rekey_of.is_some(),
        });
        self.children.push(c);
        // The initiator of a rekey deletes the pair it replaced (2.8).
        if role == Role::Initiator
            && let Some(old) = rekey_of
        {
            self.sas[i].queue.push_back(Req::DeleteChildren(vec![old]));
        }
        // Simultaneous rekeys of one pair (2.8.1): of the two new pairs, the one
        // made with the lowest of the four nonces is deleted by its initiator.
        if let Some(old) = rekey_of {
            let low = if ni <= nr { ni.to_vec() } else { nr.to_vec() };
            self.rekeys.retain(|k, _| self.children.iter().any(|c| c.id == *k));
            let twin = self.rekeys.iter().find(|(_, (o, _, _))| *o == old).map(|(k, v)| (*k, v.clone()));
            self.rekeys.insert(id, (old, low.clone(), role == Role::Initiator));
            if let Some((twin_id, (_, twin_low, twin_ours))) = twin {
                let (loser, ours) = if low < twin_low { (id, role == Role::Initiator) } else { (twin_id, twin_ours) };
                if ours {
                    self.sas[i].queue.push_back(Req::DeleteChildren(vec![loser]));
                }
                self.rekeys.remove(&id);
                self.rekeys.remove(&twin_id);
            }
        }
    }

    /// Initiator: the child part of an IKE_AUTH or CREATE_CHILD_SA response.
    pub(crate) fn child_result(&mut self, now: Millis, i: usize, msg: &Msg, neg: ChildNeg, gir: Option<Vec<u8>>) {
        let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
        let fail = |core: &mut Core, reason: u16| {
            core.stats.child_failed += 1;
            let _ = (conn, peer, reason);
            if let Some(old) = neg.rekey_of
                && let Some(c) = core.children.iter_mut().find(|c| c.id == old)
            {
                c.rekeyed = false;
            }
        };
        if let Some(n) = msg.error_notify() {
            self.emit(Event::V2ChildRefused { conn, peer, tunnel: neg.tunnel.clone(), kind: n.kind });
            return fail(self, n.kind);
        }
        let Some(p) = self.pc(&neg.tunnel).cloned() else { return };
        let Some(cc) = p.children.get(neg.child).cloned() else { return };
        let (Some(sa_p), Some(tsi), Some(tsr)) = (msg.sa(), msg.tsi(), msg.tsr()) else {
            return fail(self, notify::INVALID_SYNTAX);
        };
        let [o] = sa_p.proposals.as_slice() else { return fail(self, notify::NO_PROPOSAL_CHOSEN) };
        let pfs = if gir.is_some() { cc.pfs } else { None };
        // The answer chose one ESN transform (RFC 7296 3.3.6): one of those offered.
        let chosen = (o.of(tf::ESN).count() <= 1)
            .then(|| {
                cc.proposals.iter().find_map(|p| {
                    let (e, a) = p.esp?;
                    esp_offer_has(o, e, a, pfs, cc.esn).map(|esn| (p.clone(), esn))
                })
            })
            .flatten();
        let Some((prop, esn)) = chosen else {
            self.emit(Event::V2NoProposal {
                conn,
                peer,
                protocol: proto::ESP,
                offered: sa_p.proposals.clone(),
                configured: esp_sa(&cc, 0, pfs).proposals,
            });
            return fail(self, notify::NO_PROPOSAL_CHOSEN);
        };
        // The responder may only narrow: what it returns lies within what we proposed.
        let (Some(l), Some(r)) = (tsi.selectors.first().and_then(ts_to_sel), tsr.selectors.first().and_then(ts_to_sel))
        else {
            return fail(self, notify::TS_UNACCEPTABLE);
        };
        if !cc.local_ts.covers(&l) || !cc.remote_ts.covers(&r) {
            self.emit(Event::V2TsUnacceptable { conn, peer, tsi: tsi.selectors.clone(), tsr: tsr.selectors.clone() });
            return fail(self, notify::TS_UNACCEPTABLE);
        }
        if (l, r) != (cc.local_ts, cc.remote_ts) {
            self.emit(Event::V2Narrowed {
                conn,
                peer,
                tunnel: neg.tunnel.clone(),
                proposed: (cc.local_ts, cc.remote_ts),
                agreed: (l, r),
            });
        }
        let nr = if gir.is_some() || neg.rekey_of.is_some() || msg.nonce().is_some() {
            msg.nonce().map(|n| n.to_vec())
        } else {
            None
        };
        let (ni, nr) = match nr {
            Some(nr) => (neg.ni.clone(), nr),
            None => (self.sas[i].ni.clone(), self.sas[i].nr.clone()),
        };
        let transport = msg.notify(notify::USE_TRANSPORT_MODE).is_some() && prop.transport.is_some();
        let s = Selected {
            tunnel: neg.tunnel.clone(),
            child: neg.child,
            local: l,
            remote: r,
            prop,
            number: o.number,
            spi_out: o.spi_u32().unwrap_or(0),
            spi_in: neg.spi_in,
            pfs,
            rekey_of: neg.rekey_of,
            transport,
            esn,
        };
        self.install_child(now, i, &s, &ni, &nr, gir.as_deref(), Role::Initiator, neg.rekey_of);
    }

    /// Initiator: send a CREATE_CHILD_SA for a new child or a rekey. False when nothing was sent.
    pub(crate) fn send_create_child(&mut self, i: usize, tunnel: &str, child: usize, rekey_of: Option<u32>) -> bool {
        let Some(p) = self.pc(tunnel).cloned() else { return false };
        let Some(cc) = p.children.get(child).cloned() else { return false };
        if rekey_of.is_none() && self.children.iter().any(|c| c.tunnel == tunnel && c.child == child) {
            return false;
        }
        let old_spi = match rekey_of {
            Some(id) => match self.children.iter().find(|c| c.id == id) {
                Some(c) => Some(c.spi_in),
                None => return false,
            },
            None => None,
        };
        let spi_in = self.spi4();
        let ni = self.nonce();
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
        let dh = cc.pfs.and_then(|g| DhGroup(g).generate(&mut rng).ok());
        let mut b = Builder::new();
        if let Some(s) = old_spi {
            b.push(&Repr::Notify(NotifyRepr {
                protocol: proto::ESP,
                kind: notify::REKEY_SA,
                spi: s.to_be_bytes().to_vec(),
                data: vec![],
            }));
        }
        if wants_transport(&cc) {
            b.push(&Repr::Notify(NotifyRepr::new(notify::USE_TRANSPORT_MODE, vec![])));
        }
        b.push(&Repr::Sa(esp_sa(&cc, spi_in, cc.pfs)));
        b.push(&Repr::Nonce(ni.clone()));
        if let Some(d) = &dh {
            b.push(&Repr::Ke(KeRepr { group: d.group().0, data: d.public.clone() }));
        }
        b.push(&Repr::Tsi(TsRepr { selectors: vec![sel_to_ts(&cc.local_ts)] }));
        b.push(&Repr::Tsr(TsRepr { selectors: vec![sel_to_ts(&cc.remote_ts)] }));
        self.send_request(
            i,
            exchange::CREATE_CHILD_SA,
            b,
            What::Child(ChildNeg { tunnel: tunnel.to_string(), child, spi_in, ni, dh, rekey_of }),
        );
        true
    }

    /// Initiator: the CREATE_CHILD_SA response for a child.
    pub(crate) fn child_response(&mut self, now: Millis, i: usize, msg: &Msg, neg: ChildNeg) {
        let gir = match (&neg.dh, msg.ke()) {
            (Some(dh), Some(ke)) if ke.group == dh.group().0 => match dh.shared(&ke.data) {
                Ok(g) => Some(g),
                Err(_) => return,
            },
            (Some(dh), _) if msg.error_notify().is_none() => {
                let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
                self.emit(Event::V2InvalidKe {
                    conn,
                    peer,
                    offered: dh.group().0,
                    requested: msg.ke().map(|k| k.group).unwrap_or(0),
                    sent: false,
                });
                return;
            }
            _ => None,
        };
        self.child_result(now, i, msg, neg, gir);
    }

    /// Initiator: rekey the IKE SA (2.18).
    pub(crate) fn send_rekey_ike(&mut self, i: usize) -> bool {
        let Some(suite) = self.sas[i].suite else { return false };
        let spi_i = self.spi8();
        let ni = self.nonce();
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
        let Ok(dh) = DhGroup(suite.group).generate(&mut rng) else { return false };
        let b = Builder::new()
            .add(&Repr::Sa(SaRepr { proposals: vec![suite_proposal(1, &suite, spi_i.to_vec())] }))
            .add(&Repr::Nonce(ni.clone()))
            .add(&Repr::Ke(KeRepr { group: suite.group, data: dh.public.clone() }));
        self.send_request(i, exchange::CREATE_CHILD_SA, b, What::RekeyIke { spi_i, ni, dh });
        true
    }

    /// Make the rekeyed IKE SA. Unless `adopt` is false (a collision still to
    /// resolve), the old SA's children and queued requests move to it.
    #[allow(clippy::too_many_arguments)]
    fn rekeyed_sa(
        &mut self,
        now: Millis,
        i: usize,
        role: Role,
        spi_i: [u8; 8],
        spi_r: [u8; 8],
        ni: Vec<u8>,
        nr: Vec<u8>,
        gir: &[u8],
        suite: keys::Suite,
        adopt: bool,
    ) -> Option<usize> {
        let old = &self.sas[i];
        let (old_conn, tunnel, local, remote) = (old.conn, old.tunnel.clone(), old.local, old.remote);
        let (old_prf, old_d) = (old.suite?.prf, old.keys.as_ref()?.d.clone());
        let keys = IkeKeys::derive_rekey(old_prf, &old_d, &suite, &ni, &nr, gir, &spi_i, &spi_r);
        let low = if ni <= nr { ni.clone() } else { nr.clone() };
        let j = self.new_sa(now, &tunnel, role, local, remote, spi_i);
        let o = &self.sas[i];
        let (nat_local, nat_remote, peer_id, proposal, lifetime, auth) = (
            o.nat_local,
            o.nat_remote,
            o.peer_id.clone(),
            o.proposal.clone(),
            o.lifetime,
            (o.auth_sign, o.auth_verify),
        );
        let n = &mut self.sas[j];
        n.spi_r = spi_r;
        n.suite = Some(suite);
        n.keys = Some(keys);
        n.ni = ni;
        n.nr = nr;
        n.state = State::Established;
        n.established = Some(now);
        n.nat_local = nat_local;
        n.nat_remote = nat_remote;
        n.peer_id = peer_id;
        // The new SA stands on the old one's authentication (RFC 7296 2.18).
        (n.auth_sign, n.auth_verify) = auth;
        n.proposal = proposal;
        n.lifetime = lifetime;
        n.rekey_from = Some((old_conn, low));
        let conn = n.conn;
        self.sas[i].state = State::Deleting;
        if adopt {
            self.adopt(i, j);
        }
        self.emit(Event::V2IkeRekeyed { old_conn, conn, peer: *remote.ip(), tunnel });
        Some(j)
    }

    /// Move the children and the queued requests of SA `i` to SA `j`.
    fn adopt(&mut self, i: usize, j: usize) {
        let (from, to) = (self.sas[i].conn, self.sas[j].conn);
        self.children.move_ike(from, to);
        // Requests waiting on the old SA go over the new one.
        let q: Vec<Req> = self.sas[i].queue.drain(..).filter(|r| *r != Req::RekeyIke).collect();
        self.sas[j].queue.extend(q);
    }

    /// The other SA made by rekeying the same old SA as SA `k` (a collision).
    fn rekey_twin(&self, k: usize) -> Option<usize> {
        let (conn, from) = (self.sas[k].conn, self.sas[k].rekey_from.as_ref()?.0);
        self.sas.iter().position(|s| {
            s.conn != conn && s.state == State::Established && s.rekey_from.as_ref().is_some_and(|r| r.0 == from)
        })
    }

    pub(crate) fn rekey_ike_response(
        &mut self,
        now: Millis,
        i: usize,
        msg: &Msg,
        spi_i: [u8; 8],
        ni: Vec<u8>,
        dh: crate::ike::crypto::DhSecret,
    ) {
        let conn = self.sas[i].conn;
        // A failed rekey while the peer's own rekey of this SA succeeded: its SA survives.
        let fallback = |core: &mut Core| {
            let Some(i) = core.index(conn) else { return };
            core.sas[i].rekeyed = false;
            let twin = core
                .sas
                .iter()
                .position(|s| s.state == State::Established && s.rekey_from.as_ref().is_some_and(|r| r.0 == conn));
            if let Some(j) = twin {
                core.adopt(i, j);
                core.kick(j);
            }
        };
        if msg.error_notify().is_some() {
            return fallback(self);
        }
        let Some(suite) = self.sas[i].suite else { return fallback(self) };
        let (Some(sa_p), Some(nr), Some(ke)) = (msg.sa(), msg.nonce(), msg.ke()) else { return fallback(self) };
        let Some(spi_r) = sa_p.proposals.first().and_then(|p| <[u8; 8]>::try_from(p.spi.as_slice()).ok()) else {
            return fallback(self);
        };
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        if chosen_suite(sa_p, &p.proposals).map(|s| s.0) != Some(suite) || ke.group != suite.group {
            return fallback(self);
        }
        let Ok(gir) = dh.shared(&ke.data) else { return fallback(self) };
        let Some(k) = self.rekeyed_sa(now, i, Role::Initiator, spi_i, spi_r, ni, nr.to_vec(), &gir, suite, false)
        else {
            return;
        };
        // Indices: `k` was pushed last, so `i` and any twin did not move.
        match self.rekey_twin(k) {
            None => {
                self.adopt(i, k);
                self.send_delete_ike(i);
                self.kick(k);
            }
            Some(j) => {
                // Both ends rekeyed this SA at once (2.8.2): of the two new SAs,
                // the one made with the lowest of the four nonces is deleted by
                // its initiator; the survivor's initiator deletes the old SA.
                let ours_low = self.sas[k].rekey_from.as_ref().map(|r| r.1.clone()).unwrap_or_default();
                let theirs_low = self.sas[j].rekey_from.as_ref().map(|r| r.1.clone()).unwrap_or_default();
                if ours_low < theirs_low {
                    self.adopt(i, j);
                    self.send_delete_ike(k);
                    self.kick(j);
                } else {
                    self.adopt(i, k);
                    // The peer deletes its redundant SA; until then it carries nothing.
                    self.sas[j].state = State::Deleting;
                    self.send_delete_ike(i);
                    self.kick(k);
                }
            }
        }
    }

    /// Responder: a CREATE_CHILD_SA request on an SA that is going away
    /// (rekeyed or being deleted) is answered TEMPORARY_FAILURE (2.25.2).
    pub(crate) fn refuse_temporarily(&mut self, i: usize, hdr: &Header, data: &[u8]) {
        if self.open(i, hdr, data).is_none() {
            return;
        }
        let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
        self.emit(Event::V2Notify { conn, peer, kind: notify::TEMPORARY_FAILURE, sent: true });
        let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(notify::TEMPORARY_FAILURE, vec![])));
        self.send_response(i, exchange::CREATE_CHILD_SA, hdr.msgid, b, data);
    }

    /// Responder: a CREATE_CHILD_SA request (new child, child rekey or IKE rekey).
    pub(crate) fn child_request(&mut self, now: Millis, i: usize, hdr: &Header, data: &[u8]) {
        let Some(msg) = self.open(i, hdr, data) else { return };
        let (conn, remote) = (self.sas[i].conn, self.sas[i].remote);
        let peer = *remote.ip();
        let ev = self.msg_event(i, hdr.exchange, hdr.msgid, false, false, msg.kinds(), msg.notify_types(), false);
        self.emit(ev);
        let reply_err = |core: &mut Core, n: u16, extra: Vec<u8>| {
            core.emit(Event::V2Notify { conn, peer, kind: n, sent: true });
            let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(n, extra)));
            core.send_response(i, exchange::CREATE_CHILD_SA, hdr.msgid, b, data);
        };
        let Some(ni) = msg.nonce().map(|n| n.to_vec()) else { return reply_err(self, notify::INVALID_SYNTAX, vec![]) };
        let Some(offer) = msg.sa() else { return reply_err(self, notify::INVALID_SYNTAX, vec![]) };
        // IKE SA rekey.
        if offer.proposals.iter().any(|p| p.protocol == proto::IKE) {
            let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
            let mut chosen = None;
            'o: for o in offer.proposals.iter().filter(|o| o.spi.len() == 8) {
                for c in &p.proposals {
                    if let Some(s) = suite_of(c).filter(|s| offer_has(o, s)) {
                        chosen = Some((o.number, s, <[u8; 8]>::try_from(o.spi.as_slice()).unwrap_or([0; 8])));
                        break 'o;
                    }
                }
            }
            let Some((number, suite, spi_i)) = chosen else {
                return reply_err(self, notify::NO_PROPOSAL_CHOSEN, vec![]);
            };
            let Some(ke) = msg.ke() else { return reply_err(self, notify::INVALID_SYNTAX, vec![]) };
            if ke.group != suite.group {
                return reply_err(self, notify::INVALID_KE_PAYLOAD, suite.group.to_be_bytes().to_vec());
            }
            let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
            let Ok(dh) = DhGroup(suite.group).generate(&mut rng) else { return };
            let Ok(gir) = dh.shared(&ke.data) else { return reply_err(self, notify::INVALID_SYNTAX, vec![]) };
            let spi_r = self.spi8();
            let nr = self.nonce();
            let b = Builder::new()
                .add(&Repr::Sa(SaRepr { proposals: vec![suite_proposal(number, &suite, spi_r.to_vec())] }))
                .add(&Repr::Nonce(nr.clone()))
                .add(&Repr::Ke(KeRepr { group: suite.group, data: dh.public.clone() }));
            self.send_response(i, exchange::CREATE_CHILD_SA, hdr.msgid, b, data);
            // Our own rekey of this SA outstanding: a collision (2.8.2), resolved
            // when its response comes; until then the children stay put.
            let colliding = self.sas[i].pending.as_ref().is_some_and(|p| matches!(p.what, What::RekeyIke { .. }));
            // The rekey's initiator is the new SA's original initiator.
            if let Some(j) = self.rekeyed_sa(now, i, Role::Responder, spi_i, spi_r, ni, nr, &gir, suite, !colliding) {
                self.kick(j);
            }
            return;
        }
        // Child SA, maybe a rekey of an existing pair.
        let rekey = match msg.notify(notify::REKEY_SA) {
            Some(n) => {
                let spi = <[u8; 4]>::try_from(n.spi.as_slice()).ok().map(u32::from_be_bytes);
                match self.children.iter().find(|c| c.ike == conn && Some(c.spi_out) == spi) {
                    Some(c) => Some((c.tunnel.clone(), c.child, c.id)),
                    None => return reply_err(self, notify::CHILD_SA_NOT_FOUND, vec![]),
                }
            }
            None => None,
        };
        let ke_group = msg.ke().map(|k| k.group);
        match self.select_child(i, &msg, ke_group, rekey) {
            Ok(mut sel) => {
                let mut gir = None;
                let mut ke_out = None;
                if let (Some(g), Some(ke)) = (sel.pfs, msg.ke()) {
                    let mut rng = rand::rngs::StdRng::seed_from_u64(self.rng.next_u64());
                    let Ok(dh) = DhGroup(g).generate(&mut rng) else { return };
                    let Ok(z) = dh.shared(&ke.data) else { return reply_err(self, notify::INVALID_SYNTAX, vec![]) };
                    gir = Some(z);
                    ke_out = Some(KeRepr { group: g, data: dh.public.clone() });
                }
                sel.spi_in = self.spi4();
                let nr = self.nonce();
                let mut b = Builder::new();
                if sel.transport {
                    b.push(&Repr::Notify(NotifyRepr::new(notify::USE_TRANSPORT_MODE, vec![])));
                }
                b.push(&Repr::Sa(chosen_sa(&sel, sel.spi_in)));
                b.push(&Repr::Nonce(nr.clone()));
                if let Some(k) = ke_out {
                    b.push(&Repr::Ke(k));
                }
                b.push(&Repr::Tsi(TsRepr { selectors: vec![sel_to_ts(&sel.remote)] }));
                b.push(&Repr::Tsr(TsRepr { selectors: vec![sel_to_ts(&sel.local)] }));
                self.send_response(i, exchange::CREATE_CHILD_SA, hdr.msgid, b, data);
                let rekey_of = sel.rekey_of;
                self.install_child(now, i, &sel, &ni, &nr, gir.as_deref(), Role::Responder, rekey_of);
            }
            Err((n, extra)) => {
                self.stats.child_failed += 1;
                reply_err(self, n, extra)
            }
        }
    }
}
