//! Two in-process IKEv2 cores joined by a simulated link.

use super::*;
use crate::config::*;
use crate::ike::endpoint::IKE_PORT;
use crate::ike::endpoint::tests::{mirror, peer};
use crate::ike::events::DpdStep;

pub(crate) fn v2peer(name: &str, local: [u8; 4], remote: [u8; 4], psk: &str, group: u16) -> PeerConf {
    let mut p = peer(name, local, remote, psk, group);
    p.version = IkeVersion::V2;
    p.proposals[0].prf = Prf::HmacSha256;
    p.proposals[0].hash = IkeAuthAlg::HmacSha256;
    p
}

fn sel(a: [u8; 4], len: u8) -> Selector {
    Selector { net: Prefix4 { addr: a.into(), len }, proto: 0, port: 0 }
}

pub(crate) struct Link {
    pub a: Core,
    pub b: Core,
    pub now: Millis,
    /// Rewrite A's source as a NAT would (address, port base).
    pub nat: Option<SocketAddrV4>,
    pub drop_to_b: bool,
    pub drop_to_a: bool,
    pub log: Vec<(bool, Vec<u8>)>,
}

impl Link {
    pub fn new(a: PeerConf, b: PeerConf) -> Link {
        let mut l = Link {
            a: Core::new(1),
            b: Core::new(2),
            now: 0,
            nat: None,
            drop_to_b: false,
            drop_to_a: false,
            log: vec![],
        };
        l.b.set_peers(0, vec![b]);
        l.a.set_peers(0, vec![a]);
        l
    }
    fn strip(t: &Transmit) -> Vec<u8> {
        if t.src.port() == NATT_PORT { t.data[4..].to_vec() } else { t.data.clone() }
    }
    pub fn run(&mut self) {
        for _ in 0..200 {
            let mut moved = false;
            while let Some(t) = self.a.poll_transmit() {
                moved = true;
                let d = Self::strip(&t);
                self.log.push((true, d.clone()));
                if self.drop_to_b {
                    continue;
                }
                let src = match self.nat {
                    Some(n) => {
                        SocketAddrV4::new(*n.ip(), if t.src.port() == NATT_PORT { n.port() + 1 } else { n.port() })
                    }
                    None => t.src,
                };
                self.b.handle(self.now, t.dst, src, &d);
            }
            while let Some(t) = self.b.poll_transmit() {
                moved = true;
                let d = Self::strip(&t);
                self.log.push((false, d.clone()));
                if self.drop_to_a {
                    continue;
                }
                let dst = match self.nat {
                    Some(n) if *t.dst.ip() == *n.ip() => SocketAddrV4::new(
                        Ipv4Addr::new(192, 0, 2, 1),
                        if t.dst.port() == n.port() { IKE_PORT } else { NATT_PORT },
                    ),
                    _ => t.dst,
                };
                self.a.handle(self.now, dst, t.src, &d);
            }
            if !moved {
                // The SPI index of each core's children agrees with a rebuilt one.
                self.a.children.check();
                self.b.children.check();
                break;
            }
        }
    }
    pub fn advance(&mut self, ms: Millis) {
        let end = self.now + ms;
        loop {
            let t = [self.a.poll_timeout(), self.b.poll_timeout()].into_iter().flatten().min();
            match t {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.a.handle_timeout(self.now);
                    self.b.handle_timeout(self.now);
                    self.run();
                }
                _ => break,
            }
        }
        self.now = end;
    }
    pub fn events(c: &mut Core) -> Vec<Event> {
        std::iter::from_fn(|| c.poll_event()).collect()
    }
}

fn pair() -> (PeerConf, PeerConf) {
    let a = v2peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "s3cret", 14);
    let b = mirror(&a, "tb");
    (a, b)
}

#[track_caller]
fn assert_matching(l: &Link, n: usize) {
    assert_eq!(l.a.child_sas().len(), n, "{:?}", l.a.child_sas());
    assert_eq!(l.b.child_sas().len(), n);
    for ca in l.a.child_sas() {
        let cb = l.b.child_sas().iter().find(|c| c.spi_in == ca.spi_out).expect("peer has the pair");
        assert_eq!(cb.spi_out, ca.spi_in);
        assert_eq!(ca.keys_out, cb.keys_in);
        assert_eq!(ca.keys_in, cb.keys_out);
        assert_eq!(ca.local_ts, cb.remote_ts);
        assert_ne!(ca.keys_in, ca.keys_out);
    }
}

#[test]
fn two_cores_bring_up_a_tunnel_with_matching_spis_and_keys() {
    for group in [14, 19, 20, 2] {
        let (mut a, mut b) = pair();
        a.proposals[0].group = group;
        b.proposals[0].group = group;
        let mut l = Link::new(a, b);
        l.run();
        assert_matching(&l, 1);
        assert!(l.a.sas()[0].is_established() && l.b.sas()[0].is_established());
        assert_eq!(l.a.sas()[0].spi_r, l.b.sas()[0].spi_r);
        let ev = Link::events(&mut l.b);
        assert!(ev.iter().any(|e| matches!(e, Event::Phase1Up { role: Role::Responder, .. })));
        assert!(ev.iter().any(|e| matches!(e, Event::ChildUp { .. })));
        assert!(!ev.iter().any(|e| matches!(e, Event::NatDetected { .. })));
        assert!(!l.a.child_sas()[0].encap);
    }
}

#[test]
fn the_ike_sa_is_protected_with_aes_gcm_without_an_integrity_transform() {
    for (encr, bytes) in [(IkeEncr::Aes128Gcm16, 16), (IkeEncr::Aes256Gcm16, 32)] {
        let (mut a, _) = pair();
        a.proposals[0].encr = encr;
        // A CBC proposal after it: the responder picks the GCM one, the first.
        let mut cbc = a.proposals[0].clone();
        cbc.encr = IkeEncr::Aes128Cbc;
        a.proposals.push(cbc);
        let b = mirror(&a, "tb");
        let mut l = Link::new(a, b);
        l.run();
        assert_matching(&l, 1);
        for c in [&l.a, &l.b] {
            let su = c.sas()[0].suite.expect("negotiated");
            assert_eq!((su.encr, su.integ, su.prf), (keys::Encr::Gcm(bytes), None, crate::config::Prf::HmacSha256));
        }
        // IKE_SA_INIT offered GCM without INTEG, and the answer chose it so (RFC 5282 8).
        let init = |to_b: bool| {
            let d = &l.log.iter().find(|(t, _)| *t == to_b).expect("IKE_SA_INIT").1;
            let h = Header::parse(d).unwrap();
            let m = Msg::parse(h.next, &d[wire::HEADER_LEN..]).unwrap();
            m.sa().cloned().unwrap()
        };
        let (offer, answer) = (init(true), init(false));
        assert_eq!(offer.proposals.len(), 2);
        assert_eq!(
            offer.proposals[0].of(wire::transform::ENCR).next().map(|t| (t.id, t.key_len)),
            Some((wire::transform::ENCR_AES_GCM_16, Some(bytes as u16 * 8)))
        );
        assert_eq!(offer.proposals[0].of(wire::transform::INTEG).count(), 0);
        assert_eq!(offer.proposals[1].of(wire::transform::INTEG).count(), 1);
        assert_eq!(answer.proposals[0].of(wire::transform::INTEG).count(), 0);
        // Everything after IKE_SA_INIT went in GCM-sealed SK payloads, a rekey too.
        let i = l.a.index(l.a.sas()[0].conn).unwrap();
        l.a.sas[i].queue.push_back(Req::RekeyIke);
        l.a.kick(i);
        l.run();
        assert_eq!(l.a.sas().iter().filter(|s| s.is_established()).count(), 1);
        assert_eq!(
            l.a.sas().iter().find(|s| s.is_established()).and_then(|s| s.suite).map(|s| s.encr),
            Some(keys::Encr::Gcm(bytes))
        );
        assert_matching(&l, 1);
        assert_eq!(l.b.stats.rx_integrity + l.a.stats.rx_integrity, 0);
    }
}

#[test]
fn gcm_children_and_several_children_per_tunnel() {
    let (mut a, _) = pair();
    a.children[0].proposals[0].esp = Some((EspEncr::Aes256Gcm, None));
    let mut c2 = a.children[0].clone();
    c2.local_ts = sel([198, 51, 100, 2], 32);
    c2.remote_ts = sel([203, 0, 113, 2], 32);
    c2.pfs = Some(19);
    a.children.push(c2);
    let b = mirror(&a, "tb");
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 2);
    assert_eq!(l.a.child_sas()[0].keys_in.encr.len(), 36);
    assert_eq!(l.a.child_sas()[1].pfs, Some(19));
}

#[test]
fn psk_mismatch_is_authentication_failed() {
    let (a, mut b) = pair();
    b.psk = Some(b"other".to_vec());
    let mut l = Link::new(a, b);
    l.run();
    assert!(l.a.sas().is_empty() && l.b.sas().is_empty());
    assert!(l.a.child_sas().is_empty());
    assert!(Link::events(&mut l.b).iter().any(|e| matches!(e, Event::V2AuthFailed { identity_mismatch: false, .. })));
    assert!(Link::events(&mut l.a).iter().any(|e| matches!(e, Event::V2AuthFailed { id: None, .. })));
}

#[test]
fn no_proposal_chosen_carries_both_sides() {
    let (a, mut b) = pair();
    b.proposals[0].encr = IkeEncr::Aes256Cbc;
    let mut l = Link::new(a, b);
    l.run();
    let ev = Link::events(&mut l.b);
    let np = ev
        .iter()
        .find_map(|e| {
            if let Event::V2NoProposal { offered, configured, .. } = e {
                Some((offered.clone(), configured.clone()))
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(np.0[0].transforms[0].key_len, Some(128));
    assert_eq!(np.1[0].transforms[0].key_len, Some(256));
    assert!(
        Link::events(&mut l.a)
            .iter()
            .any(|e| matches!(e, Event::V2Notify { kind: wire::notify::NO_PROPOSAL_CHOSEN, sent: false, .. }))
    );
    assert!(l.a.sas().is_empty());
}

/// A child SA the responder does not take (its ESP encryption differs; issue
/// 12): the IKE SA comes up on both sides, the responder reports both sides'
/// ESP proposals and answers NO_PROPOSAL_CHOSEN, the initiator reports the refusal.
#[test]
fn a_child_proposal_mismatch_keeps_the_ike_sa_and_reports_both_sides() {
    let (mut a, b) = pair();
    a.children[0].proposals[0].esp = Some((EspEncr::TripleDesCbc, b.children[0].proposals[0].esp.and_then(|e| e.1)));
    let mut l = Link::new(a, b);
    l.run();
    assert!(l.a.child_sas().is_empty() && l.b.child_sas().is_empty());
    assert!(l.a.sas()[0].is_established() && l.b.sas()[0].is_established());
    let eb = Link::events(&mut l.b);
    let (offered, configured) = eb
        .iter()
        .find_map(|e| {
            if let Event::V2NoProposal { protocol: wire::proto::ESP, offered, configured, .. } = e {
                Some((offered.clone(), configured.clone()))
            } else {
                None
            }
        })
        .expect("the responder reports the ESP proposals");
    let encr = |p: &[wire::ProposalRepr]| {
        p[0].transforms.iter().filter(|t| t.kind == wire::transform::ENCR).map(|t| t.id).collect::<Vec<_>>()
    };
    assert_eq!(
        (encr(&offered), encr(&configured)),
        (vec![wire::transform::ENCR_3DES], vec![wire::transform::ENCR_AES_CBC])
    );
    assert!(eb.iter().any(|e| matches!(e, Event::V2Notify { kind: wire::notify::NO_PROPOSAL_CHOSEN, sent: true, .. })));
    let ea = Link::events(&mut l.a);
    assert!(ea.iter().any(|e| matches!(e, Event::V2ChildRefused { kind: wire::notify::NO_PROPOSAL_CHOSEN, tunnel, .. } if tunnel == "ta")), "{ea:?}");
}

#[test]
fn invalid_ke_is_answered_and_the_initiator_retries_with_the_group_asked() {
    let (mut a, mut b) = pair();
    let mut p19 = a.proposals[0].clone();
    p19.group = 19;
    p19.name = "p19".into();
    a.proposals.insert(0, p19);
    b.proposals = vec![a.proposals[1].clone()];
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    assert!(
        Link::events(&mut l.b)
            .iter()
            .any(|e| matches!(e, Event::V2InvalidKe { offered: 19, requested: 14, sent: true, .. }))
    );
    assert!(
        Link::events(&mut l.a)
            .iter()
            .any(|e| matches!(e, Event::V2InvalidKe { offered: 19, requested: 14, sent: false, .. }))
    );
    assert_eq!(l.a.sas()[0].suite.unwrap().group, 14);
}

#[test]
fn responder_narrows_traffic_selectors_and_refuses_disjoint_ones() {
    let (mut a, _) = pair();
    a.children[0].local_ts = sel([10, 1, 0, 0], 16);
    a.children[0].remote_ts = sel([10, 0, 0, 0], 8);
    let mut b = mirror(&a, "tb");
    b.children[0].local_ts = sel([10, 2, 3, 0], 24);
    b.children[0].remote_ts = sel([0, 0, 0, 0], 0);
    let mut l = Link::new(a.clone(), b);
    l.run();
    assert_matching(&l, 1);
    assert_eq!(l.a.child_sas()[0].remote_ts, sel([10, 2, 3, 0], 24));
    assert_eq!(l.a.child_sas()[0].local_ts, sel([10, 1, 0, 0], 16));
    assert!(Link::events(&mut l.b).iter().any(|e| matches!(e, Event::V2Narrowed { .. })));
    assert!(Link::events(&mut l.a).iter().any(|e| matches!(e, Event::V2Narrowed { .. })));
    // Disjoint: TS_UNACCEPTABLE, the IKE SA stays.
    let mut b = mirror(&a, "tb");
    b.children[0].local_ts = sel([172, 16, 0, 0], 12);
    let mut l = Link::new(a, b);
    l.run();
    assert!(l.a.child_sas().is_empty());
    assert!(l.a.sas()[0].is_established() && l.b.sas()[0].is_established());
    assert!(Link::events(&mut l.b).iter().any(|e| matches!(e, Event::V2TsUnacceptable { .. })));
    assert!(
        Link::events(&mut l.a)
            .iter()
            .any(|e| matches!(e, Event::V2Notify { kind: wire::notify::TS_UNACCEPTABLE, sent: false, .. }))
    );
}

#[test]
fn retransmission_backs_off_and_gives_up_with_a_log() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.drop_to_b = true;
    l.run();
    l.advance(300_000);
    let ev = Link::events(&mut l.a);
    let n = ev
        .iter()
        .take_while(|e| !matches!(e, Event::V2GiveUp { .. }))
        .filter(|e| matches!(e, Event::Retransmit { .. }))
        .count();
    assert_eq!(n as u32, RETRANSMIT_TRIES);
    assert!(ev.iter().any(|e| matches!(e, Event::V2GiveUp { exchange: wire::exchange::IKE_SA_INIT, .. })));
    // Back-off: gaps double.
    // The static tunnel is tried again later and comes up once the link works.
    l.drop_to_b = false;
    l.advance(RETRY_INTERVAL + 1_000);
    assert_matching(&l, 1);
}

#[test]
fn duplicate_requests_are_answered_from_the_stored_response_and_responses_never() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    // Replay the IKE_AUTH request (A's second message) to B several times.
    let auth = l.log.iter().filter(|(a, _)| *a).nth(1).unwrap().1.clone();
    let resp_count = |l: &mut Link| std::iter::from_fn(|| l.b.poll_transmit()).count();
    let local = SocketAddrV4::new([192, 0, 2, 2].into(), IKE_PORT);
    let remote = SocketAddrV4::new([192, 0, 2, 1].into(), IKE_PORT);
    let mut answered = 0;
    for k in 0..10 {
        l.b.handle(l.now + k, local, remote, &auth);
        answered += resp_count(&mut l);
    }
    assert_eq!(answered as u32, RESPONSE_REPLAYS);
    // A response replayed to A is never answered.
    let resp = l.log.iter().filter(|(a, _)| !*a).nth(1).unwrap().1.clone();
    for _ in 0..5 {
        l.a.handle(l.now, remote, local, &resp);
    }
    assert!(l.a.poll_transmit().is_none());
    assert_matching(&l, 1);
    assert!(l.a.stats.rx_duplicates >= 5);
}

#[test]
fn cookies_when_half_open_sas_pass_the_threshold() {
    let (a, b) = pair();
    let mut l = Link::new(a.clone(), b.clone());
    l = Link { a: Core::new(1), b: Core::new(2), ..l };
    l.b.cookie_threshold = 0;
    l.b.set_peers(0, vec![b]);
    l.a.set_peers(0, vec![a]);
    l.run();
    assert_matching(&l, 1);
    assert!(Link::events(&mut l.b).iter().any(|e| matches!(e, Event::V2Cookie { sent: true, .. })));
    assert!(Link::events(&mut l.a).iter().any(|e| matches!(e, Event::V2Cookie { sent: false, .. })));
    assert_eq!(l.b.stats.cookies_sent, 1);
}

#[test]
fn a_flood_of_ike_sa_init_is_bounded_by_cookies() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.b.cookie_threshold = 4;
    // Forge 50 initiators (different SPIs) from one address: only 4 SAs are created.
    let mut src = Core::new(9);
    let mut p = v2peer("x", [192, 0, 2, 1], [192, 0, 2, 2], "s3cret", 14);
    p.auto_start = false;
    src.set_peers(0, vec![p]);
    for _ in 0..50 {
        src.initiate(0, "x");
        while let Some(t) = src.poll_transmit() {
            l.b.handle(0, t.dst, t.src, &t.data);
        }
        src.sas.clear();
        src.by_spi.clear();
    }
    assert_eq!(l.b.sas().len(), 4);
    assert_eq!(l.b.stats.cookies_sent, 46);
}

#[test]
fn children_and_ike_sa_rekey_before_expiry() {
    let (mut a, _) = pair();
    a.children[0].proposals[0].lifetime_seconds = 100;
    a.children[0].pfs = Some(14);
    a.proposals[0].lifetime = 300;
    let b = mirror(&a, "tb");
    let mut l = Link::new(a, b);
    l.run();
    let first = l.a.child_sas()[0].spi_in;
    l.advance(91_000);
    assert_matching(&l, 1);
    assert_ne!(l.a.child_sas()[0].spi_in, first);
    assert_eq!(l.a.child_sas()[0].pfs, Some(14));
    let ev = Link::events(&mut l.b);
    assert!(ev.iter().any(|e| matches!(e, Event::ChildDown { .. })));
    // IKE SA rekey at 90 % of 300 s: one SA each side, new SPIs, children kept.
    let old = l.a.sas()[0].spi_i;
    l.advance(190_000);
    assert_eq!(l.a.sas().len(), 1, "{:?}", l.a.sas().iter().map(|s| s.state).collect::<Vec<_>>());
    assert_eq!(l.b.sas().len(), 1);
    assert_ne!(l.a.sas()[0].spi_i, old);
    assert_eq!(l.a.sas()[0].spi_r, l.b.sas()[0].spi_r);
    assert!(l.a.child_sas().iter().all(|c| c.ike == l.a.sas()[0].conn));
    assert_matching(&l, 1);
    // The rekeyed SA still carries requests (a child rekey after it).
    l.advance(100_000);
    assert_matching(&l, 1);
}

#[test]
fn clear_deletes_on_both_sides_and_dpd_notices_a_dead_peer() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert_eq!(l.b.clear(l.now, None, None), 1);
    l.run();
    assert!(l.a.sas().is_empty() && l.a.child_sas().is_empty());
    assert!(Link::events(&mut l.a).iter().any(|e| matches!(e, Event::DeleteReceived { protocol: 1, .. })));
    // A's static tunnel comes back; then B dies.
    l.advance(RETRY_INTERVAL + 1_000);
    assert_matching(&l, 1);
    // Alive: an empty INFORMATIONAL request, answered under its message ID.
    Link::events(&mut l.a);
    Link::events(&mut l.b);
    l.advance(DPD_INTERVAL + 1_000);
    let step = |ev: &[Event], want: DpdStep| -> Vec<u32> {
        ev.iter()
            .filter_map(|e| {
                if let Event::Dpd { step, seq, v2: true, .. } = e { (*step == want).then_some(*seq) } else { None }
            })
            .collect()
    };
    let (ea, eb) = (Link::events(&mut l.a), Link::events(&mut l.b));
    let asked = [step(&ea, DpdStep::Asked), step(&eb, DpdStep::Asked)];
    assert!(!asked[0].is_empty() || !asked[1].is_empty(), "{ea:?}");
    assert_eq!(step(&ea, DpdStep::Answered), asked[0]);
    assert_eq!(step(&eb, DpdStep::PeerAsked), asked[0], "the peer saw each request");
    assert_eq!(step(&eb, DpdStep::Answered), asked[1]);
    l.drop_to_a = true;
    l.advance(400_000);
    let ev = Link::events(&mut l.a);
    assert!(ev.iter().any(|e| matches!(e, Event::DpdDead { .. })));
    assert!(!step(&ev, DpdStep::Asked).is_empty() && step(&ev, DpdStep::Answered).is_empty(), "{ev:?}");
}

#[test]
fn nat_is_detected_and_ike_and_esp_float_to_4500() {
    let (a, mut b) = pair();
    b.remote = None; // the peer appears from the NAT's address
    b.remote_id = Identity::Ipv4([192, 0, 2, 1].into());
    b.connection = ConnectionType::ResponderOnly;
    let mut l = Link::new(a, b);
    l.nat = Some(SocketAddrV4::new([198, 18, 0, 1].into(), 40000));
    l.run();
    assert_matching(&l, 1);
    assert!(l.a.child_sas()[0].encap && l.b.child_sas()[0].encap);
    assert_eq!(l.a.sas()[0].local.port(), NATT_PORT);
    assert_eq!(l.b.sas()[0].remote, SocketAddrV4::new([198, 18, 0, 1].into(), 40001));
    assert!(Link::events(&mut l.a).iter().any(|e| matches!(e, Event::NatDetected { local_behind: true, .. })));
}

#[test]
fn hostile_input_never_panics_and_allocates_no_state() {
    use rand::{RngExt, SeedableRng};
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    let msgs: Vec<Vec<u8>> = l.log.iter().map(|(_, d)| d.clone()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let local = SocketAddrV4::new([192, 0, 2, 2].into(), IKE_PORT);
    let remote = SocketAddrV4::new([192, 0, 2, 1].into(), IKE_PORT);
    for _ in 0..20_000 {
        let mut m = msgs[rng.random_range(0..msgs.len())].clone();
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..m.len());
            m[at] = rng.random();
        }
        l.b.handle(l.now, local, remote, &m);
        l.a.handle(l.now, remote, local, &m);
    }
    while l.b.poll_transmit().is_some() {}
    assert!(l.b.sas().len() <= COOKIE_THRESHOLD + 1);
    assert_matching(&l, 1);
}

/// Through the IKE `Endpoint`: IKEv2 peers are negotiated by the IKEv2 core
/// beside IKEv1 ones, and their children appear in the one list of child SAs.
#[test]
fn endpoint_runs_ikev2_and_ikev1_side_by_side() {
    use crate::ike::EngineConf;
    use crate::ike::endpoint::tests::Pair;
    let a2 = v2peer("v2", [192, 0, 2, 1], [192, 0, 2, 2], "s3cret", 19);
    let mut a1 = peer("v1", [192, 0, 2, 1], [192, 0, 2, 3], "other", 14);
    a1.children[0].local_ts = sel([198, 51, 100, 9], 32);
    let mut p = Pair::new(a2.clone(), mirror(&a2, "v2b"));
    p.run();
    assert_eq!(p.a.child_sas().len(), 1);
    assert_eq!(p.b.child_sas().len(), 1);
    assert_eq!(p.a.child_sas()[0].spi_out, p.b.child_sas()[0].spi_in);
    assert!(is_v2(p.a.child_sas()[0].ike));
    assert!(p.a.ike_sas().is_empty(), "no IKEv1 SA for an IKEv2 peer");
    assert_eq!(p.a.v2().sas().len(), 1);
    // Accounting and clearing go through to the IKEv2 core.
    let spi = p.a.child_sas()[0].spi_out;
    assert!(p.a.account(p.now, spi, false, 1000));
    assert_eq!(p.a.child_sas()[0].bytes_out, 1000);
    assert_eq!(p.a.clear_ipsec(p.now, Some("v2"), None), 1);
    p.run();
    assert_eq!(p.a.child_sas().len(), 1, "a static tunnel's child comes back");
    assert_ne!(p.a.child_sas()[0].spi_out, spi);
    assert_eq!(p.b.child_sas().len(), 1);
    // An IKEv1 peer beside it still runs IKEv1.
    p.a.set_config(p.now, EngineConf { peers: vec![a2.clone(), a1.clone()], notes: vec![], ..Default::default() });
    assert_eq!(p.a.ike_sas().len(), 1);
    assert_eq!(p.a.v2().sas().len(), 1);
    p.advance(30_000);
    assert_eq!(p.a.child_sas().len(), 1);
    assert_eq!((p.a.v2().cookie_threshold, p.a.v2().fragment_size), (COOKIE_THRESHOLD, FRAGMENT_SIZE));
    // The cookie threshold and the fragment size are configuration.
    p.a.set_config(
        p.now,
        EngineConf {
            peers: vec![a2.clone(), a1.clone()],
            v2_cookie_threshold: Some(0),
            v2_fragment_size: Some(576),
            ..Default::default()
        },
    );
    assert_eq!((p.a.v2().cookie_threshold, p.a.v2().fragment_size), (0, 576));
    p.a.set_config(p.now, EngineConf { peers: vec![a2, a1], ..Default::default() });
    assert_eq!((p.a.v2().cookie_threshold, p.a.v2().fragment_size), (COOKIE_THRESHOLD, FRAGMENT_SIZE));
}

/// Both ends rekey the same pair at once (RFC 7296 2.8.1): the exchanges
/// cross, both complete, and the redundant pair (lowest nonce) is deleted by
/// its initiator: one pair remains on each side, and it matches.
#[test]
fn a_rekey_collision_ends_with_one_pair() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    let (ida, idb) = (l.a.child_sas()[0].id, l.b.child_sas()[0].id);
    let ia = l.a.index(l.a.child_sas()[0].ike).unwrap();
    let ib = l.b.index(l.b.child_sas()[0].ike).unwrap();
    l.a.children[0].rekeyed = true;
    l.b.children[0].rekeyed = true;
    l.a.sas[ia].queue.push_back(Req::Child { tunnel: "ta".into(), child: 0, rekey_of: Some(ida) });
    l.b.sas[ib].queue.push_back(Req::Child { tunnel: "tb".into(), child: 0, rekey_of: Some(idb) });
    l.a.kick(ia);
    l.b.kick(ib);
    // Both requests are on the wire before either is answered.
    let ta: Vec<Transmit> = std::iter::from_fn(|| l.a.poll_transmit()).collect();
    let tb: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
    assert_eq!((ta.len(), tb.len()), (1, 1));
    l.b.handle(l.now, ta[0].dst, ta[0].src, &ta[0].data);
    l.a.handle(l.now, tb[0].dst, tb[0].src, &tb[0].data);
    l.run();
    assert_matching(&l, 1);
    assert!(l.a.child_sas()[0].id != ida && l.b.child_sas()[0].id != idb);
}

/// Kilobyte lifetimes: the child's initiator rekeys at 90 % of the volume.
#[test]
fn kilobyte_lifetime_rekeys_the_child() {
    let (mut a, _) = pair();
    a.children[0].proposals[0].lifetime_kbytes = Some(100);
    let b = mirror(&a, "tb");
    let mut l = Link::new(a, b);
    l.run();
    let first = l.a.child_sas()[0].spi_out;
    for _ in 0..91 {
        l.a.account(first, false, 1, 1024);
    }
    l.run();
    assert_matching(&l, 1);
    assert_ne!(l.a.child_sas()[0].spi_out, first);
}

/// Both ends rekey the IKE SA at once (RFC 7296 2.8.2): the two
/// CREATE_CHILD_SA requests cross, both complete, the new SA made with the
/// lowest nonce is deleted by its initiator, the old one by the survivor's
/// initiator: one IKE SA remains on each side, the same, carrying the children.
#[test]
fn an_ike_rekey_collision_ends_with_one_ike_sa() {
    for seed in 0..6u64 {
        let (mut a, _) = pair();
        a.children.push(a.children[0].clone());
        a.children[1].local_ts = sel([10, 1, 9, 0], 24);
        let b = mirror(&a, "tb");
        let mut l = Link {
            a: Core::new(10 + seed),
            b: Core::new(20 + seed),
            now: 0,
            nat: None,
            drop_to_b: false,
            drop_to_a: false,
            log: vec![],
        };
        l.b.set_peers(0, vec![b]);
        l.a.set_peers(0, vec![a]);
        l.run();
        assert_matching(&l, 2);
        let old = l.a.sas()[0].spi_i;
        l.a.sas[0].queue.push_back(Req::RekeyIke);
        l.b.sas[0].queue.push_back(Req::RekeyIke);
        l.a.kick(0);
        l.b.kick(0);
        let ta: Vec<Transmit> = std::iter::from_fn(|| l.a.poll_transmit()).collect();
        let tb: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
        assert_eq!((ta.len(), tb.len()), (1, 1));
        l.b.handle(l.now, ta[0].dst, ta[0].src, &ta[0].data);
        l.a.handle(l.now, tb[0].dst, tb[0].src, &tb[0].data);
        l.run();
        let states = |c: &Core| c.sas().iter().map(|s| (s.conn, s.state)).collect::<Vec<_>>();
        assert_eq!(l.a.sas().len(), 1, "seed {seed}: {:?}", states(&l.a));
        assert_eq!(l.b.sas().len(), 1, "seed {seed}: {:?}", states(&l.b));
        let (sa, sb) = (&l.a.sas()[0], &l.b.sas()[0]);
        assert!(sa.is_established() && sb.is_established());
        assert_ne!(sa.spi_i, old);
        assert_eq!((sa.spi_i, sa.spi_r), (sb.spi_i, sb.spi_r));
        assert!(l.a.child_sas().iter().all(|c| c.ike == sa.conn));
        assert!(l.b.child_sas().iter().all(|c| c.ike == sb.conn));
        assert_matching(&l, 2);
        // The survivor works: a child rekey over it, and it outlives its timers.
        let (id, child) = (l.a.child_sas()[0].id, l.a.child_sas()[0].child);
        l.a.children[0].rekeyed = true;
        l.a.sas[0].queue.push_back(Req::Child { tunnel: "ta".into(), child, rekey_of: Some(id) });
        l.a.kick(0);
        l.run();
        l.advance(60_000);
        assert_eq!((l.a.sas().len(), l.b.sas().len()), (1, 1));
        assert_matching(&l, 2);
    }
}

/// The crossing IKE SA rekeys again, but A gets the answer to its own
/// request before B's request: A completes a plain rekey and deletes the old
/// SA, answers B's late request TEMPORARY_FAILURE (RFC 7296 2.25.2), and B
/// keeps the SA A made, with the children, whatever comes first.
#[test]
fn an_ike_rekey_crossing_a_completed_one_is_refused_temporarily() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    l.a.sas[0].queue.push_back(Req::RekeyIke);
    l.b.sas[0].queue.push_back(Req::RekeyIke);
    l.a.kick(0);
    l.b.kick(0);
    let req_a: Vec<Transmit> = std::iter::from_fn(|| l.a.poll_transmit()).collect();
    let req_b: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
    for t in &req_a {
        l.b.handle(l.now, t.dst, t.src, &t.data);
    }
    let resp_a: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
    for t in &resp_a {
        l.a.handle(l.now, t.dst, t.src, &t.data);
    }
    for t in &req_b {
        l.a.handle(l.now, t.dst, t.src, &t.data);
    }
    let ev = Link::events(&mut l.a);
    assert!(
        ev.iter().any(|e| matches!(e, Event::V2Notify { kind: wire::notify::TEMPORARY_FAILURE, sent: true, .. })),
        "{ev:?}"
    );
    l.run();
    l.advance(60_000);
    assert_eq!(
        (l.a.sas().len(), l.b.sas().len()),
        (1, 1),
        "{:?}",
        l.b.sas().iter().map(|s| s.state).collect::<Vec<_>>()
    );
    let (sa, sb) = (&l.a.sas()[0], &l.b.sas()[0]);
    assert_eq!((sa.spi_i, sa.spi_r), (sb.spi_i, sb.spi_r));
    assert!(l.a.child_sas().iter().all(|c| c.ike == sa.conn) && l.b.child_sas().iter().all(|c| c.ike == sb.conn));
    assert_matching(&l, 1);
}

/// Move datagrams between the cores like [`Link::run`], through `mangle`
/// (which may reorder, duplicate or drop a batch; `true`: from A).
fn run_mangled(l: &mut Link, mut mangle: impl FnMut(bool, Vec<Transmit>) -> Vec<Transmit>) {
    for _ in 0..200 {
        let ta: Vec<Transmit> = std::iter::from_fn(|| l.a.poll_transmit()).collect();
        let tb: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
        if ta.is_empty() && tb.is_empty() {
            break;
        }
        for t in mangle(true, ta) {
            l.log.push((true, t.data.clone()));
            l.b.handle(l.now, t.dst, t.src, &t.data);
        }
        for t in mangle(false, tb) {
            l.log.push((false, t.data.clone()));
            l.a.handle(l.now, t.dst, t.src, &t.data);
        }
    }
}

fn fragmented(d: &[u8]) -> bool {
    d.len() > 16 && d[16] == wire::payload::SKF
}

/// RFC 7383: both ends announce IKEV2_FRAGMENTATION_SUPPORTED; with a small
/// fragment size IKE_AUTH (and later messages) go as SKF fragments both ways,
/// reassembled whatever their order and however often they come.
#[test]
fn ike_fragmentation_both_ways_reordered_and_duplicated() {
    let (mut a, _) = pair();
    a.children.push(a.children[0].clone());
    a.children[1].local_ts = sel([10, 1, 9, 0], 24);
    let b = mirror(&a, "tb");
    let mut l =
        Link { a: Core::new(1), b: Core::new(2), now: 0, nat: None, drop_to_b: false, drop_to_a: false, log: vec![] };
    l.a.fragment_size = 200;
    l.b.fragment_size = 200;
    l.b.set_peers(0, vec![b]);
    l.a.set_peers(0, vec![a]);
    run_mangled(&mut l, |_, mut v| {
        v.reverse();
        let copies = v.clone();
        v.extend(copies);
        v
    });
    assert!(l.a.sas()[0].frag && l.b.sas()[0].frag);
    assert_matching(&l, 2);
    assert!(l.log.iter().any(|(from_a, d)| *from_a && fragmented(d) && d[18] == exchange::IKE_AUTH));
    assert!(l.log.iter().any(|(from_a, d)| !*from_a && fragmented(d) && d[18] == exchange::IKE_AUTH));
    assert!(
        l.log.iter().filter(|(_, d)| d[18] != exchange::IKE_SA_INIT).all(|(_, d)| d.len() + 28 <= 200),
        "every encrypted datagram within the fragment size"
    );
    for c in [&l.a, &l.b] {
        assert!(c.stats.tx_fragments > 2 && c.stats.rx_reassembled >= 1 && c.stats.rx_duplicates > 0, "{:?}", c.stats);
        assert!(c.sas()[0].reasm.is_empty());
    }
    // A fragmented request counts once.
    assert_eq!(
        l.b.stats.rx_requests,
        3 * 2,
        "IKE_SA_INIT, IKE_AUTH and CREATE_CHILD_SA (the second child), each twice (duplicated)"
    );
    // A CREATE_CHILD_SA (child rekey) fragmented too.
    let before = l.a.stats.tx_fragments;
    let id = l.a.child_sas()[0].id;
    let child = l.a.child_sas()[0].child;
    l.a.children[0].rekeyed = true;
    l.a.sas[0].queue.push_back(Req::Child { tunnel: "ta".into(), child, rekey_of: Some(id) });
    l.a.kick(0);
    run_mangled(&mut l, |_, v| v);
    assert_matching(&l, 2);
    assert!(l.a.stats.tx_fragments > before);
}

/// A lost fragment: the request is retransmitted whole (every fragment),
/// and a fragment's copy does not make the responder answer twice.
#[test]
fn a_lost_fragment_is_recovered_by_retransmitting_all_fragments() {
    let (a, b) = pair();
    let mut l =
        Link { a: Core::new(1), b: Core::new(2), now: 0, nat: None, drop_to_b: false, drop_to_a: false, log: vec![] };
    l.a.fragment_size = 200;
    l.b.fragment_size = 200;
    l.b.set_peers(0, vec![b]);
    l.a.set_peers(0, vec![a]);
    let mut dropped = 0;
    run_mangled(&mut l, |from_a, mut v| {
        if from_a && dropped == 0 && v.iter().filter(|t| fragmented(&t.data)).count() > 1 {
            v.remove(1);
            dropped += 1;
        }
        v
    });
    assert_eq!(dropped, 1);
    assert!(l.a.child_sas().is_empty() && !l.a.sas()[0].is_established());
    assert_eq!(l.b.sas()[0].reasm.len(), 1, "the incomplete request is kept, bounded");
    l.advance(RETRANSMIT_BASE * 2);
    assert_matching(&l, 1);
    assert!(l.a.stats.retransmits >= 1);
    // Copies of the whole fragmented request: answered from the stored response, once per copy.
    let req: Vec<Vec<u8>> = l
        .log
        .iter()
        .filter(|(a, d)| *a && fragmented(d) && d[18] == exchange::IKE_AUTH)
        .map(|(_, d)| d.clone())
        .collect();
    let n = l.log.len();
    for d in &req {
        l.b.handle(
            l.now,
            SocketAddrV4::new([192, 0, 2, 2].into(), IKE_PORT),
            SocketAddrV4::new([192, 0, 2, 1].into(), IKE_PORT),
            d,
        );
    }
    let resent: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
    assert!(!resent.is_empty() && resent.iter().all(|t| fragmented(&t.data)), "{n}");
    // The reassembly timer drops a message that never completes.
    let sa = &mut l.b.sas[0];
    sa.reasm.push(Reasm {
        msgid: 99,
        response: false,
        total: 3,
        have: 1,
        size: 10,
        first: 0,
        started: l.now,
        parts: vec![Some(vec![0; 10]), None, None],
    });
    l.advance(REASSEMBLY_TIMEOUT + 1);
    assert!(l.b.sas()[0].reasm.is_empty());
}

/// Bounds: fragment numbering and totals are checked, more than
/// MAX_FRAGMENTS is refused, forged fragments leave no state, and an end
/// that did not announce fragmentation neither sends nor accepts it.
#[test]
fn fragment_bounds_and_negotiation() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    let (local, remote) = (l.b.sas()[0].local, l.b.sas()[0].remote);
    // A forged message of many fragments, made with A's real keys.
    let forge = |l: &mut Link, total_chain: usize, chunk: usize| -> Vec<Vec<u8>> {
        let sa = &l.a.sas()[0];
        let hdr = Header {
            spi_i: sa.spi_i,
            spi_r: sa.spi_r,
            next: 0,
            major: 2,
            minor: 0,
            exchange: exchange::INFORMATIONAL,
            flags: flags::INITIATOR,
            msgid: l.b.sas()[0].peer_msgid,
            length: 0,
        };
        let inner =
            wire::Builder::new().add(&wire::Repr::Opaque { kind: wire::payload::VID, body: vec![7; total_chain] });
        let mut rng = StdRng::seed_from_u64(5);
        keys::seal_fragments(hdr, &inner, chunk, sa.out_keys().unwrap(), &mut rng)
    };
    let too_many = forge(&mut l, 2000, 20);
    assert!(too_many.len() > MAX_FRAGMENTS);
    for d in &too_many {
        l.b.handle(l.now, local, remote, d);
    }
    assert!(l.b.sas()[0].reasm.is_empty());
    assert_eq!(l.b.stats.rx_fragments_dropped, too_many.len() as u64);
    // Tampered: integrity fails, nothing kept.
    let mut ok = forge(&mut l, 300, 100);
    let last = ok[0].len() - 1;
    ok[0][last] ^= 1;
    l.b.handle(l.now, local, remote, &ok[0]);
    assert!(l.b.sas()[0].reasm.is_empty());
    assert!(l.b.stats.rx_integrity >= 1);
    // A sound one, out of order, completes and is answered.
    let ok = forge(&mut l, 300, 100);
    for d in ok.iter().rev() {
        l.b.handle(l.now, local, remote, d);
    }
    assert_eq!(l.b.stats.rx_reassembled, 1);
    assert!(l.b.sas()[0].reasm.is_empty());
    let _ = std::iter::from_fn(|| l.b.poll_transmit()).count();

    // Not announced by one end: nothing fragmented, and large messages still go whole.
    let (a, b) = pair();
    let mut l =
        Link { a: Core::new(1), b: Core::new(2), now: 0, nat: None, drop_to_b: false, drop_to_a: false, log: vec![] };
    l.a.fragment_size = 200;
    l.b.fragment_size = 200;
    l.b.fragmentation = false;
    l.b.set_peers(0, vec![b]);
    l.a.set_peers(0, vec![a]);
    l.run();
    assert_matching(&l, 1);
    assert!(!l.a.sas()[0].frag && !l.b.sas()[0].frag);
    assert!(!l.log.iter().any(|(_, d)| fragmented(d)));
    assert_eq!(l.a.stats.tx_fragments + l.b.stats.tx_fragments, 0);
}

/// Both ends start at the same moment: each holds the other's SA in
/// negotiation, so neither sends INITIAL_CONTACT, and both end with the same
/// IKE SAs and matching child pairs (no SA kept on one side only), whatever
/// the order the crossing messages arrive in.
#[test]
fn simultaneous_starts_leave_both_sides_the_same_sas() {
    use rand::{RngExt, SeedableRng};
    for seed in 0..64u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (a, mut b) = pair();
        b.auto_start = true;
        b.connection = crate::config::ConnectionType::Both;
        let mut l = Link {
            a: Core::new(seed),
            b: Core::new(seed + 100),
            now: 0,
            nat: None,
            drop_to_b: false,
            drop_to_a: false,
            log: vec![],
        };
        l.a.set_peers(0, vec![a]);
        l.b.set_peers(0, vec![b]);
        // A link that delivers whatever is in flight in random order.
        let mut flight: Vec<(bool, Transmit)> = Vec::new();
        for _ in 0..200 {
            flight.extend(std::iter::from_fn(|| l.a.poll_transmit()).map(|t| (true, t)));
            flight.extend(std::iter::from_fn(|| l.b.poll_transmit()).map(|t| (false, t)));
            if flight.is_empty() {
                break;
            }
            let (to_b, t) = flight.remove(rng.random_range(0..flight.len()));
            if to_b {
                l.b.handle(l.now, t.dst, t.src, &Link::strip(&t))
            } else {
                l.a.handle(l.now, t.dst, t.src, &Link::strip(&t))
            }
        }
        l.advance(60_000);
        assert_eq!(
            l.a.sas().len(),
            l.b.sas().len(),
            "seed {seed}: IKE SAs: {:?} here, {:?} there",
            l.a.sas().iter().map(|s| (s.spis(), s.state, s.role)).collect::<Vec<_>>(),
            l.b.sas().iter().map(|s| (s.spis(), s.state, s.role)).collect::<Vec<_>>()
        );
        for s in l.a.sas() {
            // `spis()` is (ours, theirs) on each side.
            assert!(
                l.b.sas().iter().any(|t| t.spis() == (s.spis().1, s.spis().0)),
                "seed {seed}: an IKE SA the peer does not have"
            );
        }
        assert_eq!(l.a.child_sas().len(), l.b.child_sas().len(), "seed {seed}");
        // One IKE SA and one pair remain: the redundant SA was deleted.
        assert_eq!((l.a.sas().len(), l.a.child_sas().len()), (1, 1), "seed {seed}");
        assert!(l.a.sas()[0].is_established() && l.b.sas()[0].is_established());
        // Each side's last word on the tunnel is that it is up (a redundant SA
        // deleted by the duplicate rule goes without a tunnel-down; one removed by
        // a peer's INITIAL_CONTACT is reported, then the new one up).
        for ev in [Link::events(&mut l.a), Link::events(&mut l.b)] {
            let last = ev
                .iter()
                .rev()
                .find(|e| matches!(e, Event::Phase1Down { established: true, .. } | Event::Phase1Up { .. }));
            assert!(matches!(last, Some(Event::Phase1Up { .. })), "seed {seed}: {ev:?}");
        }
        assert_matching(&l, l.a.child_sas().len());
    }
}

/// `clear` on a static tunnel deletes the SAs on both sides and negotiates
/// them again at once, as IKEv1 does (not after the retry interval).
#[test]
fn a_cleared_static_tunnel_comes_back_at_once() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    let before = l.a.child_sas()[0].spi_in;
    assert_eq!(l.a.clear(l.now, None, None), 1);
    l.run();
    assert_matching(&l, 1);
    assert_ne!(l.a.child_sas()[0].spi_in, before, "a new pair");
    assert_eq!(l.a.sas().len(), 1);
    assert_eq!(l.b.sas().len(), 1);
}

/// IKEv2 negotiates no lifetimes (RFC 7296 2.8): a responder whose own
/// lifetimes are shorter rekeys the child and the IKE SA itself, between 90 %
/// and 95 % of them, on the virtual clock; the initiator's longer ones never
/// come into play, and the pairs stay matched.
#[test]
fn the_responder_rekeys_by_its_own_shorter_lifetimes() {
    let (mut a, _) = pair();
    a.proposals[0].lifetime = 3000;
    a.children[0].proposals[0].lifetime_seconds = 1000;
    let mut b = mirror(&a, "tb");
    b.proposals[0].lifetime = 600;
    b.children[0].proposals[0].lifetime_seconds = 200;
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    let first = l.b.child_sas()[0].spi_in;
    assert_eq!(l.b.child_sas()[0].role, Role::Responder);
    let at = l.b.child_rekey_at(&l.b.child_sas()[0]);
    assert!((180_000..190_000).contains(&at), "{at}");
    l.advance(at - 1);
    assert_eq!(l.b.child_sas()[0].spi_in, first);
    l.advance(1);
    assert_matching(&l, 1);
    let c = &l.b.child_sas()[0];
    assert_ne!(c.spi_in, first);
    // B started the rekey: it is the initiator of the new pair.
    assert_eq!((c.role, c.created), (Role::Initiator, at));
    // The IKE SA: B's 600 s, responder's window 540 to 570 s.
    let (old, rekey) = (l.b.sas()[0].spis(), l.b.sas()[0].rekey_at());
    assert!((540_000..570_000).contains(&rekey), "{rekey}");
    l.advance(rekey - l.now - 1);
    assert_eq!(l.b.sas()[0].spis(), old);
    l.advance(1);
    assert_eq!((l.a.sas().len(), l.b.sas().len()), (1, 1));
    assert_ne!(l.b.sas()[0].spis(), old);
    assert_eq!(l.b.sas()[0].role, Role::Initiator);
    assert_eq!(l.a.sas()[0].spis(), (l.b.sas()[0].spis().1, l.b.sas()[0].spis().0));
    assert!(l.a.child_sas().iter().all(|c| c.ike == l.a.sas()[0].conn));
    assert!(l.b.child_sas().iter().all(|c| c.ike == l.b.sas()[0].conn));
    assert_matching(&l, 1);
    // Nothing expired on either side on the way.
    for ev in [Link::events(&mut l.a), Link::events(&mut l.b)] {
        assert!(
            !ev.iter().any(|e| matches!(
                e,
                Event::ChildDown { reason: DownReason::LifetimeExpired { .. }, .. } | Event::Phase1Down { .. }
            )),
            "{ev:?}"
        );
    }
}

/// With equal lifetimes the initiator rekeys (85 % to 90 %) before the
/// responder's window (90 % to 95 %) opens, so there is no collision; the
/// rekey points are spread by the seeded jitter, not all at one instant.
#[test]
fn rekey_points_are_jittered_and_the_initiator_goes_first() {
    let (mut a, _) = pair();
    a.children[0].proposals[0].lifetime_seconds = 1000;
    for n in 1..8u8 {
        let mut c = a.children[0].clone();
        c.local_ts = sel([198, 51, 100, 10 + n], 32);
        c.remote_ts = sel([203, 0, 113, 10 + n], 32);
        a.children.push(c);
    }
    let b = mirror(&a, "tb");
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 8);
    let pts: Vec<Millis> = l.a.child_sas().iter().map(|c| l.a.child_rekey_at(c) - c.created).collect();
    assert!(pts.iter().all(|p| (850_000..=900_000).contains(p)), "{pts:?}");
    let mut distinct = pts.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() >= 4, "{pts:?}");
    assert!(l.b.child_sas().iter().all(|c| (900_000..=950_000).contains(&(l.b.child_rekey_at(c) - c.created))));
    // The same seeds give the same points (the lab replays byte for byte).
    let mut again = Link::new(l.a.peers()[0].clone(), l.b.peers()[0].clone());
    again.run();
    let pts2: Vec<Millis> = again.a.child_sas().iter().map(|c| again.a.child_rekey_at(c) - c.created).collect();
    assert_eq!(pts, pts2);
    Link::events(&mut l.a);
    l.advance(905_000);
    assert_matching(&l, 8);
    assert!(l.a.child_sas().iter().all(|c| c.role == Role::Initiator && c.created > 0));
    assert!(l.b.child_sas().iter().all(|c| c.role == Role::Responder));
    let ev = Link::events(&mut l.a);
    assert_eq!(ev.iter().filter(|e| matches!(e, Event::ChildUp { rekey: true, .. })).count(), 8);
    assert!(!ev.iter().any(|e| matches!(e, Event::ChildDown { reason: DownReason::LifetimeExpired { .. }, .. })));
}

/// A child that reaches its lifetime without a rekey (here: none is tried)
/// goes on both sides: the side whose lifetime ran out tells the peer its SPI.
#[test]
fn an_expired_child_is_deleted_on_the_peer_too() {
    let (mut a, _) = pair();
    a.children[0].proposals[0].lifetime_seconds = 100;
    let mut b = mirror(&a, "tb");
    b.children[0].proposals[0].lifetime_seconds = 1000;
    a.auto_start = false;
    let mut l = Link::new(a, b);
    l.a.initiate(0, "ta");
    l.run();
    assert_matching(&l, 1);
    l.a.children[0].rekeyed = true;
    l.b.children[0].rekeyed = true;
    l.advance(100_000);
    assert!(l.a.child_sas().is_empty());
    assert!(l.b.child_sas().is_empty(), "the peer was told");
    let ev = Link::events(&mut l.b);
    assert!(ev.iter().any(|e| matches!(e, Event::ChildDown { reason: DownReason::DeletedByPeer, .. })));
}

/// Per-tunnel counters (SmartEdge `statistics ike`), counted from the events.
#[test]
fn per_tunnel_counters() {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    let want =
        TunnelStats { ike_established: 1, child_established: 1, rx_messages: 2, tx_messages: 2, ..Default::default() };
    assert_eq!(l.a.tunnel_stats.get("ta"), Some(&want), "IKE_SA_INIT and IKE_AUTH each way");
    assert_eq!(
        l.b.tunnel_stats.get("tb").map(|s| (s.ike_established, s.child_established, s.tx_messages)),
        Some((1, 1, 2))
    );
    l.a.clear_children(l.now, Some("ta"), None);
    l.run();
    let s = &l.a.tunnel_stats["ta"];
    assert_eq!((s.deletes_tx, s.child_established), (1, 2));
    assert_eq!(l.b.tunnel_stats["tb"].deletes_rx, 1);
    // A refused key: the initiator counts a failed negotiation.
    let (a, mut b) = pair();
    b.psk = Some(b"other".to_vec());
    let mut l = Link::new(a, b);
    l.run();
    let s = &l.a.tunnel_stats["ta"];
    assert_eq!((s.ike_established, s.ike_failed, s.child_established), (0, 1, 0));
}

/// `n` tunnels between the same two addresses, one child each (its own /24s), B answering only.
fn many_tunnels(n: usize) -> (Vec<PeerConf>, Vec<PeerConf>) {
    (0..n)
        .map(|k| {
            let mut a = v2peer(&format!("t{k}"), [192, 0, 2, 1], [192, 0, 2, 2], "s3cret", 19);
            a.children[0].local_ts = sel([10, 1, k as u8, 0], 24);
            a.children[0].remote_ts = sel([10, 2, k as u8, 0], 24);
            let b = mirror(&a, &format!("r{k}"));
            (a, b)
        })
        .unzip()
}

#[test]
fn bulk_initiations_are_paced_to_the_init_limit() {
    let n = 100;
    let (ta, tb) = many_tunnels(n);
    // Without a limit every IKE_SA_INIT leaves at once (what flooded strongSwan).
    let mut c = Core::new(1);
    c.init_limit = 0;
    c.set_peers(0, ta.clone());
    assert_eq!(std::iter::from_fn(|| c.poll_transmit()).count(), n);
    // With it, INIT_LIMIT leave; the rest wait and start as slots free up.
    let mut a = Core::new(1);
    let mut b = Core::new(2);
    b.set_peers(0, tb);
    a.set_peers(0, ta);
    let mut wire: VecDeque<(bool, Transmit)> = std::iter::from_fn(|| a.poll_transmit()).map(|t| (true, t)).collect();
    assert_eq!(wire.len(), INIT_LIMIT);
    assert_eq!((a.initiations_in_flight(), a.initiations_waiting()), (INIT_LIMIT, n - INIT_LIMIT));
    let (mut most, mut inits) = (0, INIT_LIMIT);
    while let Some((to_b, t)) = wire.pop_front() {
        let d = Link::strip(&t);
        if to_b {
            b.handle(0, t.dst, t.src, &d);
        } else {
            a.handle(0, t.dst, t.src, &d);
        }
        most = most.max(a.initiations_in_flight());
        for t in std::iter::from_fn(|| a.poll_transmit()) {
            inits += usize::from(Header::parse(&Link::strip(&t)).is_ok_and(|h| h.exchange == exchange::IKE_SA_INIT));
            wire.push_back((true, t));
        }
        wire.extend(std::iter::from_fn(|| b.poll_transmit()).map(|t| (false, t)));
    }
    assert_eq!(most, INIT_LIMIT);
    assert_eq!(inits, n, "one IKE_SA_INIT per tunnel, none retransmitted");
    assert_eq!((a.initiations_in_flight(), a.initiations_waiting()), (0, 0));
    assert_eq!(a.sas().iter().filter(|s| s.is_established()).count(), n);
    assert_eq!(b.child_sas().len(), n);
    assert_eq!(a.stats.retransmits, 0);
}

/// The INFORMATIONAL requests A sent for the IKE SAs `old` (their SPIs).
fn deletes_of(l: &Link, old: &std::collections::HashSet<([u8; 8], [u8; 8])>) -> usize {
    l.log
        .iter()
        .filter(|(to_b, d)| {
            *to_b
                && Header::parse(d).is_ok_and(|h| {
                    h.exchange == exchange::INFORMATIONAL && !h.is_response() && old.contains(&(h.spi_i, h.spi_r))
                })
        })
        .count()
}

/// `n` tunnels up between A and B, and the SPIs of A's IKE SAs.
fn many_up(n: usize) -> (Link, std::collections::HashSet<([u8; 8], [u8; 8])>) {
    let (ta, tb) = many_tunnels(n);
    let mut l = Link::new(ta[0].clone(), tb[0].clone());
    l.b.set_peers(0, tb);
    l.a.set_peers(0, ta);
    l.run();
    assert_eq!(l.a.sas().iter().filter(|s| s.is_established()).count(), n);
    let old = l.a.sas().iter().map(|s| (s.spi_i, s.spi_r)).collect();
    (l, old)
}

/// Clearing every IKEv2 SA at once (IOS `clear crypto session`, `clear
/// crypto ikev2 sa`) paces the DELETEs as bring-up is paced: at most
/// [`DELETE_LIMIT`] unanswered, the rest in order as the peer answers, or,
/// when it answers nothing, as the earlier ones time out; each SA's DELETE
/// leaves once. The SAs themselves go at once (the cleared static tunnels
/// negotiate again), as before. Without the limit all leave in one burst.
#[test]
fn a_bulk_clear_paces_its_deletes_to_the_delete_limit() {
    let n = 2 * DELETE_LIMIT + 5;
    let (mut l, old) = many_up(n);
    l.a.delete_limit = 0;
    l.log.clear();
    l.drop_to_b = true;
    assert_eq!(l.a.clear(l.now, None, None), n);
    l.run();
    assert_eq!(deletes_of(&l, &old), n, "one burst");

    let (mut l, old) = many_up(n);
    l.log.clear();
    assert_eq!(l.a.clear(l.now, None, None), n);
    assert!(l.a.sas().iter().all(|s| !old.contains(&(s.spi_i, s.spi_r))), "the SAs went at once");
    assert_eq!((l.a.deletes_in_flight(), l.a.deletes_waiting()), (DELETE_LIMIT, n - DELETE_LIMIT));
    // Answered: each round trip frees the slots of the answered ones; the
    // DELETEs of a round (on the wire) never exceed the limit.
    let mut rounds = vec![];
    loop {
        let before = deletes_of(&l, &old);
        let ta: Vec<Transmit> = std::iter::from_fn(|| l.a.poll_transmit()).collect();
        for t in &ta {
            let d = Link::strip(t);
            l.log.push((true, d.clone()));
            l.b.handle(l.now, t.dst, t.src, &d);
        }
        let tb: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
        for t in &tb {
            l.a.handle(l.now, t.dst, t.src, &Link::strip(t));
        }
        rounds.push(deletes_of(&l, &old) - before);
        if ta.is_empty() && tb.is_empty() {
            break;
        }
    }
    assert_eq!(rounds.iter().max(), Some(&DELETE_LIMIT), "{rounds:?}");
    assert_eq!(deletes_of(&l, &old), n, "each once");
    assert_eq!((l.a.deletes_in_flight(), l.a.deletes_waiting()), (0, 0));
    assert!(l.b.sas().iter().all(|s| !old.contains(&(s.spi_i, s.spi_r))), "B deleted every old SA");
    assert_eq!(l.a.sas().iter().filter(|s| s.is_established()).count(), n, "negotiated again");

    // Unanswered: the next ones go as the earlier ones time out.
    let old: std::collections::HashSet<([u8; 8], [u8; 8])> = l.a.sas().iter().map(|s| (s.spi_i, s.spi_r)).collect();
    l.log.clear();
    l.drop_to_a = true;
    l.a.clear(l.now, None, None);
    l.run();
    assert_eq!(deletes_of(&l, &old), DELETE_LIMIT);
    l.advance(RETRANSMIT_BASE);
    assert_eq!(deletes_of(&l, &old), 2 * DELETE_LIMIT);
    l.advance(RETRANSMIT_BASE);
    assert_eq!(deletes_of(&l, &old), n);
    l.advance(RETRANSMIT_BASE);
    assert_eq!(deletes_of(&l, &old), n, "never again");
    assert_eq!((l.a.deletes_in_flight(), l.a.deletes_waiting()), (0, 0));
}

#[test]
fn a_slot_is_freed_when_an_initiation_gives_up_and_a_waiting_tunnel_is_dropped_with_its_configuration() {
    let (ta, _) = many_tunnels(INIT_LIMIT + 5);
    let mut l =
        Link { a: Core::new(1), b: Core::new(2), now: 0, nat: None, drop_to_b: true, drop_to_a: false, log: vec![] };
    l.a.set_peers(0, ta.clone());
    l.run();
    let sent = |l: &Link| {
        l.log
            .iter()
            .filter(|(to_b, d)| {
                *to_b && Header::parse(d).is_ok_and(|h| h.exchange == exchange::IKE_SA_INIT && h.msgid == 0)
            })
            .count()
    };
    assert_eq!(sent(&l), INIT_LIMIT);
    // Removing a waiting tunnel from the configuration takes it off the queue.
    l.a.set_peers(0, ta[..INIT_LIMIT + 4].to_vec());
    assert_eq!(l.a.initiations_waiting(), 4);
    // Nobody answers: once the first ones give up, the waiting ones go out.
    l.advance(400_000);
    assert!(Link::events(&mut l.a).iter().any(|e| matches!(e, Event::V2GiveUp { .. })));
    let firsts: std::collections::HashSet<[u8; 8]> = l
        .log
        .iter()
        .filter(|(to_b, _)| *to_b)
        .filter_map(|(_, d)| Header::parse(d).ok())
        .filter(|h| h.exchange == exchange::IKE_SA_INIT)
        .map(|h| h.spi_i)
        .collect();
    assert!(firsts.len() >= INIT_LIMIT + 4, "{} initiations", firsts.len());
    assert!(l.a.initiations_in_flight() <= INIT_LIMIT);
    assert!(sent(&l) > INIT_LIMIT);
}

/// USE_TRANSPORT_MODE (RFC 7296 1.3.1, issue 19): asked for and configured
/// on both sides gives transport children (also after a rekey by
/// CREATE_CHILD_SA); asked for but not configured by the responder: tunnel;
/// required by the responder but not asked for: no child.
#[test]
fn use_transport_mode_is_negotiated() {
    use crate::config::TransportMode;
    let set = |p: &mut PeerConf, m: Option<TransportMode>| p.children[0].proposals[0].transport = m;
    for (ma, mb, want) in [
        (Some(TransportMode::Preferred), Some(TransportMode::Preferred), Some(true)),
        (Some(TransportMode::Preferred), None, Some(false)),
        (None, Some(TransportMode::Preferred), Some(false)),
        (None, Some(TransportMode::Required), None),
    ] {
        let (mut a, mut b) = pair();
        set(&mut a, ma);
        set(&mut b, mb);
        let mut l = Link::new(a, b);
        l.run();
        match want {
            Some(t) => {
                assert_matching(&l, 1);
                assert_eq!((l.a.child_sas()[0].transport, l.b.child_sas()[0].transport), (t, t), "{ma:?} -> {mb:?}");
            }
            None => assert!(l.a.child_sas().is_empty() && l.b.child_sas().is_empty(), "{ma:?} -> {mb:?}"),
        }
    }
}

/// AES-XCBC-PRF-128 for the IKE SA (SmartEdge `pseudo-random-function
/// aes-128-xcbc`, transform PRF 4) and AES-XCBC-MAC-96 for the child
/// (`esp authentication hmac-aes-xcbc`, INTEG 5): both sides derive the
/// same keys, the child carries ESP both ways, the IKE SA and the child
/// rekey under the XCBC PRF, and a peer without it gets NO_PROPOSAL_CHOSEN.
#[test]
fn aes_xcbc_prf_and_esp_integrity_negotiate_rekey_and_carry_packets() {
    use crate::esp::EspSa;
    let xcbc = |p: &mut PeerConf| {
        p.proposals[0].prf = Prf::Aes128Xcbc;
        p.proposals[0].hash = IkeAuthAlg::HmacSha1_96;
        p.children[0].proposals[0].esp = Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc)));
    };
    let (mut a, mut b) = pair();
    xcbc(&mut a);
    xcbc(&mut b);
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    let init = Header::parse(&l.log[0].1).unwrap();
    let offer = Msg::parse(init.next, &l.log[0].1[wire::HEADER_LEN..]).unwrap().sa().cloned().unwrap();
    assert_eq!(
        offer.proposals[0].of(wire::transform::PRF).map(|t| t.id).collect::<Vec<_>>(),
        [wire::transform::PRF_AES128_XCBC]
    );
    for c in [&l.a, &l.b] {
        assert_eq!(c.sas()[0].suite.map(|s| s.prf), Some(Prf::Aes128Xcbc));
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let carry = |l: &Link, rng: &mut rand::rngs::StdRng| {
        let (ca, cb) =
            (&l.a.child_sas()[0], l.b.child_sas().iter().find(|c| c.spi_in == l.a.child_sas()[0].spi_out).unwrap());
        assert_eq!((ca.esp, ca.keys_out.auth.len()), (Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc))), 16));
        let esp = |spi, k| EspSa::new(spi, EspEncr::Aes128Cbc, Some(EspAuth::HmacAesXcbc), k).unwrap();
        let p = esp(ca.spi_out, &ca.keys_out).seal(4, b"inner a->b", rng).unwrap();
        assert_eq!(esp(cb.spi_in, &cb.keys_in).open(&p), Ok((4, b"inner a->b".to_vec())));
        let p = esp(cb.spi_out, &cb.keys_out).seal(4, b"inner b->a", rng).unwrap();
        assert_eq!(esp(ca.spi_in, &ca.keys_in).open(&p), Ok((4, b"inner b->a".to_vec())));
    };
    carry(&l, &mut rng);
    // The IKE SA rekeys (SKEYSEED = prf(SK_d, g^ir | Ni | Nr) with AES-XCBC), then the child over it.
    let old = l.a.sas()[0].spi_i;
    l.a.sas[0].queue.push_back(Req::RekeyIke);
    l.a.kick(0);
    l.run();
    let i = l.a.sas().iter().position(|s| s.is_established()).unwrap();
    assert_ne!(l.a.sas()[i].spi_i, old);
    let (id, child) = (l.a.child_sas()[0].id, l.a.child_sas()[0].child);
    l.a.children[0].rekeyed = true;
    l.a.sas[i].queue.push_back(Req::Child { tunnel: "ta".into(), child, rekey_of: Some(id) });
    l.a.kick(i);
    l.run();
    l.advance(60_000);
    assert_matching(&l, 1);
    assert_ne!(l.a.child_sas()[0].id, id);
    carry(&l, &mut rng);
    assert_eq!(l.b.stats.rx_integrity + l.a.stats.rx_integrity, 0);
    // Only one side with the XCBC PRF: no proposal is chosen.
    let (mut a, b) = pair();
    xcbc(&mut a);
    let mut l = Link::new(a, b);
    l.run();
    assert!(l.a.child_sas().is_empty());
    assert!(Link::events(&mut l.b).iter().any(|e| matches!(e, Event::V2NoProposal { .. })), "the responder refuses");
}
