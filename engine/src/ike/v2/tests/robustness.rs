//! IKEv2 under loss and attack: retransmission and give-up, duplicate
//! requests, cookies and IKE_SA_INIT floods, hostile input, and both sides
//! starting at once.

use super::*;

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
        let mut l = Link::seeded(seed, seed + 100);
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
