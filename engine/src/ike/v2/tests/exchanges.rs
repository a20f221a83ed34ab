//! IKEv2 bring-up and its refusals: IKE_SA_INIT and IKE_AUTH with each
//! suite, several children, PSK and proposal mismatches, INVALID_KE_PAYLOAD,
//! narrowing, NAT traversal, transport mode, and the endpoint running IKEv2
//! beside IKEv1.

use super::*;

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

/// IOS `nat force-encap`: no NAT between the two, yet the side that forces
/// it sends a source hash of no real address, both sides float to 4500 and
/// both children carry ESP in UDP. Either side may force it: the initiator
/// (in its IKE_SA_INIT request) or the responder (in its answer).
#[test]
fn forced_encapsulation_floats_to_4500_without_a_nat() {
    for initiator_forces in [true, false] {
        let (mut a, mut b) = pair();
        if initiator_forces {
            a.force_encap = true;
        } else {
            b.force_encap = true;
        }
        let mut l = Link::new(a, b);
        l.run();
        assert_matching(&l, 1);
        assert!(l.a.child_sas()[0].encap && l.b.child_sas()[0].encap, "forced by the initiator: {initiator_forces}");
        assert_eq!(l.a.sas()[0].local.port(), NATT_PORT);
        assert_eq!(l.a.sas()[0].remote.port(), NATT_PORT);
        let (forcer, other) = if initiator_forces { (&mut l.a, &mut l.b) } else { (&mut l.b, &mut l.a) };
        assert!(
            Link::events(forcer)
                .iter()
                .any(|e| matches!(e, Event::NatDetected { local_behind: true, remote_behind: false, .. }))
        );
        assert!(
            Link::events(other)
                .iter()
                .any(|e| matches!(e, Event::NatDetected { local_behind: false, remote_behind: true, .. }))
        );
    }
    // Without it, the same pair stays on port 500 with plain ESP.
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert!(!l.a.child_sas()[0].encap && !l.b.child_sas()[0].encap);
    assert_eq!(l.a.sas()[0].local.port(), crate::ike::endpoint::IKE_PORT);
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

/// A remote identity that is a pattern (IOS `match identity remote fqdn
/// domain D`, `*.D`): a responder takes the FQDNs under D only, and an
/// initiator with such a pattern sends no IDr.
#[test]
fn fqdn_domain_patterns_on_both_sides() {
    for (name, want_up) in [("r1.example.net", true), ("r1.example.com", false)] {
        let (mut a, mut b) = pair();
        a.local_id = Identity::Fqdn(name.into());
        a.remote_id = Identity::Fqdn("*.example.org".into());
        b.local_id = Identity::Fqdn("hub.example.org".into());
        b.remote_id = Identity::Fqdn("*.example.net".into());
        let mut l = Link::new(a, b);
        l.run();
        assert_eq!(l.a.child_sas().len(), usize::from(want_up), "{name}");
        // The initiator named no responder: its IKE_AUTH has no IDr.
        let ev = Link::events(&mut l.a);
        let auth = ev.iter().find_map(|e| match e {
            Event::V2Message { exchange: wire::exchange::IKE_AUTH, sent: true, response: false, payloads, .. } => {
                Some(payloads.clone())
            }
            _ => None,
        });
        let auth = auth.expect("an IKE_AUTH request");
        assert!(auth.contains(&wire::payload::IDI) && !auth.contains(&wire::payload::IDR), "{auth:?}");
    }
}
