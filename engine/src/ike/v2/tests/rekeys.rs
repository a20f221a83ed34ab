//! IKEv2 rekeys: children and the IKE SA before expiry, collisions of
//! each, kilobyte and responder lifetimes, jittered rekey points, and
//! expired children deleted on the peer.

use super::*;

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

/// Send the requests queued on A's SA `ia` and B's SA `ib` so that they
/// cross (both on the wire before either is answered), then run the link.
fn cross(l: &mut Link, ia: usize, ib: usize) {
    l.a.kick(ia);
    l.b.kick(ib);
    let ta: Vec<Transmit> = std::iter::from_fn(|| l.a.poll_transmit()).collect();
    let tb: Vec<Transmit> = std::iter::from_fn(|| l.b.poll_transmit()).collect();
    assert_eq!((ta.len(), tb.len()), (1, 1));
    l.b.handle(l.now, ta[0].dst, ta[0].src, &ta[0].data);
    l.a.handle(l.now, tb[0].dst, tb[0].src, &tb[0].data);
    l.run();
}

/// Both ends rekey the same pair at once (RFC 7296 2.8.1): the exchanges
/// cross, both complete, and the redundant pair (lowest nonce) is deleted by
/// its initiator: one pair remains on each side, and it matches.
#[test]
fn a_rekey_collision_ends_with_one_pair() {
    let mut l = up();
    let (ida, idb) = (l.a.child_sas()[0].id, l.b.child_sas()[0].id);
    let ia = l.a.index(l.a.child_sas()[0].ike).unwrap();
    let ib = l.b.index(l.b.child_sas()[0].ike).unwrap();
    l.a.children[0].rekeyed = true;
    l.b.children[0].rekeyed = true;
    l.a.sas[ia].queue.push_back(Req::Child { tunnel: "ta".into(), child: 0, rekey_of: Some(ida) });
    l.b.sas[ib].queue.push_back(Req::Child { tunnel: "tb".into(), child: 0, rekey_of: Some(idb) });
    cross(&mut l, ia, ib);
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
        let mut l = Link::seeded(10 + seed, 20 + seed);
        l.b.set_peers(0, vec![b]);
        l.a.set_peers(0, vec![a]);
        l.run();
        assert_matching(&l, 2);
        let old = l.a.sas()[0].spi_i;
        l.a.sas[0].queue.push_back(Req::RekeyIke);
        l.b.sas[0].queue.push_back(Req::RekeyIke);
        cross(&mut l, 0, 0);
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
    let mut l = up();
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
