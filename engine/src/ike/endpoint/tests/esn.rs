//! Extended Sequence Numbers in IKEv1 quick mode (RFC 4304: SA attribute 11,
//! "Extended (64-bit) Sequence Number", value 1): what each choice offers,
//! what the responder takes, the pair both ends install, and the rekey
//! before a 32-bit counter runs out.

use super::*;
use crate::ike::events::P2Mismatch;
use crate::ike::v1::proposals::{ATTR_ESN, p2_proposals};

/// Every pair of ESN choices (initiator, responder) and what the child gets:
/// ESN or not, or no child. IKEv1 and IKEv2 agree on each.
pub(crate) const CHOICES: [(Esn, Esn, Option<bool>); 9] = {
    use Esn::*;
    [
        (Off, Off, Some(false)),
        (Preferred, Off, Some(false)),
        (Off, Preferred, Some(false)),
        (Preferred, Preferred, Some(true)),
        (Required, Preferred, Some(true)),
        (Preferred, Required, Some(true)),
        (Required, Required, Some(true)),
        (Required, Off, None),
        (Off, Required, None),
    ]
};

fn pair_with(a_esn: Esn, b_esn: Esn) -> Pair {
    let mut a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 14);
    let mut b = mirror(&a, "t");
    a.children[0].esn = a_esn;
    b.children[0].esn = b_esn;
    let mut p = Pair::new(a, b);
    p.run();
    p
}

#[test]
fn each_choice_offers_attribute_11_as_configured() {
    let a = peer("t", [192, 0, 2, 1], [192, 0, 2, 2], "secret", 14);
    let esn_of = |esn| -> Vec<bool> {
        let props = p2_proposals(&a.children[0].proposals, None, false, 7, esn);
        props[0].transforms.iter().map(|t| t.attrs.iter().any(|x| x.kind == ATTR_ESN)).collect()
    };
    assert_eq!(esn_of(Esn::Off), [false], "Off: no attribute 11, as before");
    assert_eq!(esn_of(Esn::Preferred), [true, false], "Preferred: with, then without");
    assert_eq!(esn_of(Esn::Required), [true]);
    let t = &p2_proposals(&a.children[0].proposals, None, false, 7, Esn::Required)[0].transforms[0];
    let attr = t.attrs.iter().find(|x| x.kind == ATTR_ESN).unwrap();
    assert_eq!(attr.value_u64(), Some(1), "RFC 4304: the value 1 (64-bit)");
    assert!(crate::ike::v1::proposals::offered_p2(crate::ike::wire::proto::ESP, t).esn);
}

/// Every pair of choices, as in IKEv2: the responder takes the first
/// transform of the initiator's it accepts (IKEv1 keeps the initiator's
/// order), so Preferred against Preferred is ESN; Required against Off fails
/// with an ESN mismatch on the responder.
#[test]
fn quick_mode_agrees_on_esn_as_configured() {
    for (a, b, want) in CHOICES {
        let mut p = pair_with(a, b);
        match want {
            Some(esn) => {
                let (ca, cb) = (&p.a.child_sas()[0], &p.b.child_sas()[0]);
                assert_eq!((ca.spi_out, cb.spi_out), (cb.spi_in, ca.spi_in), "{a:?}/{b:?}");
                assert_eq!((ca.esn, cb.esn), (esn, esn), "{a:?}/{b:?}");
            }
            None => {
                assert!(p.a.child_sas().is_empty() && p.b.child_sas().is_empty(), "{a:?}/{b:?}");
                let ev: Vec<Event> = std::iter::from_fn(|| p.b.poll_event()).collect();
                assert!(
                    ev.iter().any(|e| matches!(e, Event::P2Check { result: Err(P2Mismatch::Esn { offered }), .. } if *offered == (a == Esn::Required))),
                    "{a:?}/{b:?}: {ev:?}"
                );
            }
        }
    }
}

/// 15/16 of the 2^32 sequence numbers sent rekey an IKEv1 child without
/// ESN (the responder too: its own counter runs out); with ESN they do not.
#[test]
fn a_32_bit_counter_running_out_rekeys_the_child() {
    let due = (1u64 << 32) / 16 * 15;
    for (esn, responder, rekeys) in
        [(Esn::Off, false, true), (Esn::Off, true, true), (Esn::Required, true, false), (Esn::Required, false, false)]
    {
        let mut p = pair_with(esn, esn);
        let now = p.now;
        let side = if responder { &mut p.b } else { &mut p.a };
        let first = side.child_sas()[0].spi_out;
        assert!(side.account_packets(now, first, false, due, 1000));
        p.run();
        let side = if responder { &p.b } else { &p.a };
        let spis: Vec<u32> = side.child_sas().iter().map(|c| c.spi_out).collect();
        assert_eq!(spis.iter().any(|&s| s != first), rekeys, "{esn:?} responder {responder}: {spis:?}");
    }
}
