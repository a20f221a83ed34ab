//! Extended Sequence Numbers in IKEv2 (RFC 7296 3.3.2 transform type 5):
//! what each ESN choice offers, what the responder picks, the pair both
//! ends install, packets over it, and the rekey before a counter runs out.

use super::*;
use crate::esp::{EspError, EspSa};
use crate::ike::conf::ChildConf;
use crate::ike::sa::SaKeys;
use rand::SeedableRng;

/// A's and B's tunnels with these ESN choices and ESP suite, brought up.
fn link(a_esn: Esn, b_esn: Esn, esp: (EspEncr, Option<EspAuth>)) -> Link {
    let (mut a, mut b) = pair();
    a.children[0].esn = a_esn;
    a.children[0].proposals[0].esp = Some(esp);
    b.children[0].esn = b_esn;
    b.children[0].proposals[0].esp = Some(esp);
    let mut l = Link::new(a, b);
    l.run();
    l
}

#[test]
fn each_choice_offers_its_esn_transforms() {
    let (mut a, _) = pair();
    let ids = |cc: &ChildConf| -> Vec<u16> {
        child::esp_sa(cc, 1, None).proposals[0].of(wire::transform::ESN).map(|t| t.id).collect()
    };
    assert_eq!(ids(&a.children[0]), [0], "Off: No ESN, as before");
    a.children[0].esn = Esn::Preferred;
    assert_eq!(ids(&a.children[0]), [1, 0], "Preferred: ESN first, then No ESN (strongSwan esn-noesn)");
    a.children[0].esn = Esn::Required;
    assert_eq!(ids(&a.children[0]), [1], "Required: ESN alone (strongSwan -esn)");
}

/// Every pair of choices: the child comes up with ESN where both allow it
/// and one of them asks for it, without where either rules it out, and not
/// at all where one requires what the other refuses; both ends agree.
#[test]
fn the_responder_picks_esn_as_configured() {
    let suite = (EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96));
    for (a, b, want) in crate::ike::endpoint::tests::esn::CHOICES {
        let mut l = link(a, b, suite);
        match want {
            Some(esn) => {
                assert_matching(&l, 1);
                assert_eq!((l.a.child_sas()[0].esn, l.b.child_sas()[0].esn), (esn, esn), "{a:?}/{b:?}");
            }
            None => {
                assert!(l.a.child_sas().is_empty() && l.b.child_sas().is_empty(), "{a:?}/{b:?}");
                assert!(l.a.sas()[0].is_established(), "{a:?}/{b:?}: the IKE SA stands");
                let ev = Link::events(&mut l.b);
                assert!(ev.iter().any(|e| matches!(e, Event::V2NoProposal { .. })), "{a:?}/{b:?}: {ev:?}");
            }
        }
    }
}

/// The negotiated ESN pair carries packets both ways across 2^32 with
/// CBC/HMAC-SHA1 and with GCM; a receiver without ESN fails the ICV.
#[test]
fn esn_children_carry_packets_across_the_boundary() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    for suite in [(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96)), (EspEncr::Aes256Gcm, None)] {
        let l = link(Esn::Required, Esn::Preferred, suite);
        let (ca, cb) = (&l.a.child_sas()[0], &l.b.child_sas()[0]);
        assert!(ca.esn && cb.esn);
        let sa = |spi, keys: &SaKeys, esn| {
            let mut s = EspSa::new(spi, suite.0, suite.1, keys).unwrap();
            s.set_esn(esn);
            s
        };
        let (mut a_out, mut b_in) = (sa(ca.spi_out, &ca.keys_out, ca.esn), sa(cb.spi_in, &cb.keys_in, cb.esn));
        let mut plain_in = sa(cb.spi_in, &cb.keys_in, false);
        for n in 0..3000u32 {
            // The counter jumps (as if packets were lost) to 2^31, then to 2^32 - 500.
            match n {
                1000 => a_out.jump_to(1 << 31),
                2000 => a_out.jump_to((1 << 32) - 500),
                _ => {}
            }
            let p = a_out.seal(4, &n.to_be_bytes(), &mut rng).unwrap();
            assert_eq!(b_in.open(&p).map(|x| x.1), Ok(n.to_be_bytes().to_vec()));
            if n == 0 {
                assert!(matches!(plain_in.open(&p), Err(EspError::AuthenticationFailed { .. })));
            }
        }
        assert_eq!(b_in.last_seq(), (1 << 32) + 500);
    }
}

/// A counter never cycles (RFC 4303 3.3.3): 15/16 of the 2^32 numbers sent
/// rekey a child without ESN, on either side; with ESN the same count is
/// 2^-28 of its space and rekeys nothing.
#[test]
fn sequence_numbers_running_out_rekey_the_child() {
    let due = (1u64 << 32) / 16 * 15;
    for (esn, responder, rekeys) in
        [(Esn::Off, false, true), (Esn::Off, true, true), (Esn::Required, false, false), (Esn::Required, true, false)]
    {
        let mut l = link(esn, esn, (EspEncr::Aes128Gcm, None));
        assert_matching(&l, 1);
        let side = if responder { &mut l.b } else { &mut l.a };
        let first = side.child_sas()[0].spi_out;
        side.account(first, false, due - 1, 1000);
        assert!(!side.child_sas()[0].rekeyed);
        side.account(first, false, 1, 100);
        l.run();
        assert_matching(&l, 1);
        let side = if responder { &l.b } else { &l.a };
        assert_eq!(side.child_sas()[0].spi_out != first, rekeys, "{esn:?} responder {responder}");
        assert_eq!(side.child_sas()[0].esn, esn == Esn::Required);
    }
}
