//! IKE fragmentation (RFC 7383): reordered, duplicated and lost fragments,
//! bounds and negotiation.

use super::*;

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
    let mut l = Link::seeded(1, 2);
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
    let mut l = Link::seeded(1, 2);
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
    let mut l = up();
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
    let mut l = Link::seeded(1, 2);
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
