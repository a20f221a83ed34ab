//! Quick modes the peer refuses (NO_PROPOSAL_CHOSEN, INVALID_ID_INFORMATION)
//! while siblings run on the same IKE SA: only the one the notify names
//! fails, the others complete.

use super::loss_and_pacing::many_children as children;
use super::*;

/// The children of `e` that are up, in order.
fn up(e: &Endpoint) -> Vec<usize> {
    let mut got: Vec<usize> = e.child_sas().iter().map(|c| c.child).collect();
    got.sort_unstable();
    got
}

/// Three quick modes in flight on one IKE SA; the peer refuses the first
/// (its transforms match nothing, or its proxy identities mirror none of
/// the peer's entries). The refusal names the quick mode by the SPI A
/// proposed (RFC 2408 3.14), so only that one fails: the other two
/// complete, nothing is retransmitted, and the refused child is negotiated
/// again at the next initiation of the tunnel (as IOS waits for traffic).
#[test]
fn a_refused_quick_mode_fails_alone() {
    for kind in [notify::NO_PROPOSAL_CHOSEN, notify::INVALID_ID_INFORMATION] {
        let (a, mut b) = children(3);
        match kind {
            notify::NO_PROPOSAL_CHOSEN => {
                b.children[0].proposals[0].esp = Some((EspEncr::Aes256Cbc, Some(EspAuth::HmacSha1_96)))
            }
            _ => b.children[0].local_ts.net.addr = Ipv4Addr::new(10, 9, 9, 0),
        }
        let mut p = Pair::new(a, b);
        p.run();
        let eb = Pair::events(&mut p.b);
        let sent: Vec<u16> =
            eb.iter().filter_map(|e| if let Event::NotifySent { kind, .. } = e { Some(*kind) } else { None }).collect();
        assert_eq!(sent, vec![kind], "{eb:?}");
        let ea = Pair::events(&mut p.a);
        let spi = ea
            .iter()
            .find_map(|e| match e {
                Event::NotifyReceived { kind: k, protocol: 3, spi, protected: true, .. } if *k == kind => Some(spi),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{ea:?}"));
        assert!(spi.len() == 4 && spi != &[0; 4], "the initiator's proposed SPI: {spi:?}");
        assert_eq!(up(&p.a), vec![1, 2], "{kind}");
        assert_eq!(up(&p.b), vec![1, 2], "{kind}");
        assert_eq!((p.a.v1_quick_modes_in_flight(), p.a.v1_quick_modes_waiting()), (0, 0));
        assert_eq!(p.a.stats.p2_failed, 1);
        assert_eq!((p.a.stats.retransmits, p.b.stats.retransmits), (0, 0));
        // Not begun again by itself ...
        p.advance(10 * RETRANSMIT_BASE);
        assert_eq!(p.a.stats.p2_failed, 1);
        assert_eq!(p.a.stats.retransmits, 0);
        // ... but at the next initiation (the peer refuses it again).
        assert!(p.a.initiate(p.now, "t"));
        assert_eq!(p.a.v1_quick_modes_in_flight(), 1);
        p.run();
        assert_eq!(p.a.stats.p2_failed, 2);
        assert_eq!(up(&p.a), vec![1, 2]);
        assert_eq!(p.a.v1_quick_modes_in_flight(), 0);
    }
}

/// A refusal without an SPI (strongSwan's before it has chosen a proposal:
/// ESP, four zero octets) cannot say which of several quick modes it is
/// for: none is cancelled on a guess, the siblings complete, and the
/// refused one ends when it is the only one awaiting an answer (the peer
/// refuses its retransmitted QM1 again).
#[test]
fn a_refusal_without_spi_never_cancels_a_sibling() {
    let (a, mut b) = children(3);
    b.children[0].proposals[0].esp = Some((EspEncr::Aes256Cbc, Some(EspAuth::HmacSha1_96)));
    crate::ike::v1::quick::tests::ZERO_SPI_REFUSALS.with(|c| c.set(true));
    let mut p = Pair::new(a, b);
    p.run();
    let ea = Pair::events(&mut p.a);
    assert!(
        ea.iter().any(
            |e| matches!(e, Event::NotifyReceived { kind: notify::NO_PROPOSAL_CHOSEN, spi, .. } if spi == &[0; 4])
        ),
        "{ea:?}"
    );
    assert_eq!(up(&p.a), vec![1, 2]);
    assert_eq!(p.a.v1_quick_modes_in_flight(), 1, "the refused one, not yet known to be");
    assert_eq!(p.a.stats.p2_failed, 0);
    p.advance(RETRANSMIT_BASE);
    crate::ike::v1::quick::tests::ZERO_SPI_REFUSALS.with(|c| c.set(false));
    assert_eq!(p.a.stats.retransmits, 1);
    assert_eq!(p.a.v1_quick_modes_in_flight(), 0);
    assert_eq!(p.a.stats.p2_failed, 1);
    assert_eq!(up(&p.a), vec![1, 2]);
    assert_eq!(up(&p.b), vec![1, 2]);
}

/// The refusal of a quick mode that is queued behind the pacing limit's
/// slots frees its slot: with more children than [`V1_QUICK_LIMIT`] and
/// every fourth refused, all the others come up.
#[test]
fn refusals_among_paced_quick_modes_fail_only_their_own() {
    let n = V1_QUICK_LIMIT + 8;
    let (a, mut b) = children(n);
    for k in (0..n).step_by(4) {
        b.children[k].proposals[0].esp = Some((EspEncr::Aes256Cbc, Some(EspAuth::HmacSha1_96)));
    }
    let mut p = Pair::new(a, b);
    p.run();
    let want: Vec<usize> = (0..n).filter(|k| k % 4 != 0).collect();
    assert_eq!(up(&p.a), want);
    assert_eq!(up(&p.b), want);
    assert_eq!(p.a.stats.p2_failed as usize, n.div_ceil(4));
    assert_eq!((p.a.v1_quick_modes_in_flight(), p.a.v1_quick_modes_waiting()), (0, 0));
    assert_eq!(p.a.stats.retransmits, 0);
}

/// The peer refuses our QM2 (a strongSwan initiator whose checks fail on
/// QM2 sends NO_PROPOSAL_CHOSEN naming its own SPI, the one it proposed):
/// the quick mode B answered ends there, instead of retransmitting QM2
/// until it gives up.
#[test]
fn a_refusal_of_our_qm2_ends_the_quick_mode_we_answered() {
    let (a, b) = children(1);
    let mut p = Pair::new(a, b);
    // A's second quick-mode message (QM3) is lost: B still awaits it.
    let mut quick_from_a = 0;
    p.run_losing(&mut |from_a, t| {
        let quick = from_a && t.data.len() > 28 && t.data[18] == exchange::QUICK;
        quick_from_a += usize::from(quick);
        quick && quick_from_a == 2
    });
    let open = |e: &Endpoint| e.ike_sas().scan().map(|s| s.quick.len()).sum::<usize>();
    assert_eq!(open(&p.b), 1);
    // A tells B it refuses the exchange, naming the SPI it proposed.
    let spi = p.a.child_sas()[0].spi_in;
    let h = p.a.ike_sas().handles().next().map(|(h, _)| h).unwrap();
    crate::ike::v1::informational::send_notify(
        &mut p.a.ctx,
        &p.a.sas[h],
        notify::NO_PROPOSAL_CHOSEN,
        crate::ike::wire::proto::ESP,
        spi.to_be_bytes().to_vec(),
        vec![],
    );
    p.run();
    assert_eq!(open(&p.b), 0);
    assert_eq!(p.b.stats.p2_failed, 1);
    p.advance(200_000);
    assert_eq!(p.b.stats.retransmits, 0, "no QM2 sent again");
    assert_eq!(p.b.stats.p2_failed, 1);
}
