//! Clearing IKEv2 SAs (both sides, static tunnels coming back, DPD), the
//! per-tunnel counters, and the pacing of bulk bring-up and bulk clear.

use super::*;

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
    let step = |ev: &[Event], want: DpdStep| crate::ike::endpoint::tests::dpd_seqs(ev, true, want);
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

/// Per-tunnel counters (SmartEdge `statistics ike`), counted from the events.
#[test]
fn per_tunnel_counters() {
    let mut l = up();
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
    let mut l = Link::seeded(1, 2);
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
    let mut l = Link { drop_to_b: true, ..Link::seeded(1, 2) };
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
