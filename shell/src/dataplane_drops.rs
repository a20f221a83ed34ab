//! The dataplane's tally of dropped inbound ESP packets between two
//! reports to the engine (issue 15): one [`EspDrop`] per (SPI, kind),
//! whatever the flood, so telling the engine costs one call per batch and
//! never a router lock per packet.

use edgesh_engine::esp_drops::{DropKind, EspDrop};
use std::collections::HashMap;

/// Distinct (SPI, kind) entries kept between two reports; past it, drops
/// are added to the entry of SPI 0 (a forged-SPI flood stays bounded).
const MAX_ENTRIES: usize = 256;

#[derive(Default)]
pub(crate) struct Pending {
    by: HashMap<(u32, DropKind), EspDrop>,
}

impl Pending {
    pub(crate) fn add(&mut self, d: EspDrop) {
        let key = if self.by.len() >= MAX_ENTRIES && !self.by.contains_key(&(d.spi, d.kind)) {
            (0, d.kind)
        } else {
            (d.spi, d.kind)
        };
        match self.by.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(d),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(EspDrop { spi: key.0, ..d });
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by.is_empty()
    }

    /// The batch, in a stable order (SPI, kind).
    pub(crate) fn take(&mut self) -> Vec<EspDrop> {
        let mut v: Vec<EspDrop> = self.by.drain().map(|(_, d)| d).collect();
        v.sort_by_key(|d| (d.spi, d.kind));
        v
    }
}

/// The SPI and sequence number of a datagram (0 where it is too short).
pub(crate) fn spi_seq(data: &[u8]) -> (u32, u32) {
    let w = |i: usize| data.get(i..i + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(0);
    (w(0), w(4))
}

#[cfg(test)]
mod tests {
    use crate::dataplane::rx::Opener;
    use edgesh_engine::config::{EspAuth, EspEncr};
    use edgesh_engine::esp::EspSa;
    use edgesh_engine::esp_drops::DropKind;
    use edgesh_engine::ike::conf::Selector;
    use edgesh_engine::ike::endpoint::SaKeys;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    use std::net::Ipv4Addr;

    const SPI: u32 = 0xc0de_0042;

    fn keys(seed: u8) -> SaKeys {
        SaKeys { encr: (0..16).map(|i| i ^ seed).collect(), auth: (0..20).map(|i| (i * 3) ^ seed).collect() }
    }

    fn sel(s: &str) -> Selector {
        let (a, l) = s.split_once('/').unwrap();
        Selector {
            net: edgesh_engine::config::Prefix4 { addr: a.parse().unwrap(), len: l.parse().unwrap() },
            proto: 0,
            port: 0,
        }
    }

    /// A dataplane with one inbound SA for 10.2.0.0/16 -> 10.1.0.0/16, and the peer's sealing half.
    fn setup() -> (Opener, EspSa) {
        let mut dp = Opener::new();
        let k = keys(0x11);
        dp.insert_inbound(
            EspSa::new(SPI, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap(),
            sel("10.2.0.0/16"),
            sel("10.1.0.0/16"),
        );
        (dp, EspSa::new(SPI, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap())
    }

    fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 28, 0, 1, 0, 0, 64, proto, 0, 0];
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]);
        p
    }

    const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
    const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

    #[test]
    fn each_drop_is_classified_and_counted() {
        let (mut dp, mut peer) = setup();
        let mut rng = StdRng::seed_from_u64(1);
        let good: Vec<Vec<u8>> =
            (0..100).map(|_| peer.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap()).collect();
        assert_eq!(dp.receive(LOCAL, PEER, &good[80]), Ok(()));
        assert_eq!(dp.receive(LOCAL, PEER, &good[80]), Err(DropKind::Replay), "duplicate");
        assert_eq!(dp.receive(LOCAL, PEER, &good[2]), Err(DropKind::Late), "left of the window");
        assert_eq!(dp.receive(LOCAL, PEER, &good[40]), Ok(()), "late but inside the window");
        let mut bad = good[90].clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert_eq!(dp.receive(LOCAL, PEER, &bad), Err(DropKind::BadIcv));
        // The peer's SA authenticates with HMAC-SHA-256-128 (16-byte ICV) where ours has HMAC-SHA1-96.
        let k256 = SaKeys { encr: vec![0x11; 16], auth: vec![0x22; 32] };
        let mut sha256 = EspSa::new(SPI, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha256_128), &k256).unwrap();
        for _ in 0..95 {
            sha256.seal(4, b"x", &mut rng).unwrap();
        }
        let alg = sha256.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap();
        assert_eq!(dp.receive(LOCAL, PEER, &alg), Err(DropKind::AuthAlgorithm));
        let mut other = good[91].clone();
        other[..4].copy_from_slice(&0xdead_beefu32.to_be_bytes());
        assert_eq!(dp.receive(LOCAL, PEER, &other), Err(DropKind::UnknownSpi));
        let transport = peer.seal(17, b"\x04\x00\x00\x35\x00\x0c\x00\x00 a UDP segment", &mut rng).unwrap();
        assert_eq!(dp.receive(LOCAL, PEER, &transport), Err(DropKind::TransportMode));
        let outside = peer.seal(4, &ipv4([10, 9, 0, 5], [10, 1, 0, 7], 6), &mut rng).unwrap();
        assert_eq!(dp.receive(LOCAL, PEER, &outside), Err(DropKind::Selector));
        let dummy = peer.seal(59, b"traffic flow confidentiality padding", &mut rng).unwrap();
        assert_eq!(dp.receive(LOCAL, PEER, &dummy), Ok(()), "a dummy packet is discarded, not counted (RFC 4303 2.6)");
        let not_ip = peer.seal(4, b"not an IP packet", &mut rng).unwrap();
        assert_eq!(dp.receive(LOCAL, PEER, &not_ip), Err(DropKind::Malformed));
        assert_eq!(dp.receive(LOCAL, PEER, &good[95][..20]), Err(DropKind::Malformed), "truncated");
        assert_eq!(dp.receive(LOCAL, PEER, &good[96][..6]), Err(DropKind::Malformed), "no header");
        let batch = dp.pending_drops();
        let kinds: Vec<DropKind> = batch.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == DropKind::Malformed).count(),
            1,
            "one entry per (SPI, kind): {batch:?}"
        );
        let get = |k| batch.iter().filter(|d| d.kind == k).map(|d| d.packets).sum::<u64>();
        for k in DropKind::ALL {
            assert!(get(k) >= 1, "{k:?} counted");
        }
        assert_eq!(get(DropKind::Malformed), 3);
        let sel = batch.iter().find(|d| d.kind == DropKind::Selector).unwrap();
        assert_eq!(sel.inner, Some((Ipv4Addr::new(10, 9, 0, 5), Ipv4Addr::new(10, 1, 0, 7), 6)));
        let tr = batch.iter().find(|d| d.kind == DropKind::TransportMode).unwrap();
        assert_eq!((tr.inner, tr.peer, tr.spi), (Some((PEER, LOCAL, 17)), PEER, SPI));
        assert_eq!(batch.iter().find(|d| d.kind == DropKind::Replay).unwrap().seq, 81);
        assert!(dp.pending_drops().is_empty(), "taken");
    }

    /// A burst of distinct packets with bad ICVs (sequence numbers 5 to 9)
    /// is one batch entry, but each log line names its own packet's
    /// sequence number (IOS `%CRYPTO-4-RECVD_PKT_MAC_ERR ... seqno=`, seed
    /// 002's wording; docs/seed-messages.md Table 7), not the first's five times.
    #[test]
    fn a_burst_of_distinct_packets_logs_each_packets_own_seqno() {
        let (mut dp, mut peer) = setup();
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..4 {
            peer.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap();
        }
        for _ in 5..=9 {
            let mut bad = peer.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap();
            let n = bad.len();
            bad[n - 1] ^= 1;
            assert_eq!(dp.receive(LOCAL, PEER, &bad), Err(DropKind::BadIcv));
        }
        let batch = dp.pending_drops();
        assert_eq!(batch.len(), 1, "one entry per (SPI, kind)");
        assert_eq!(batch[0].packets, 5);
        let mut r = edgesh_modes::Router::new(
            edgesh_engine::Config::new("r1"),
            edgesh_modes::Clock::Virtual(1_700_000_000),
            1,
            std::env::temp_dir(),
        );
        r.dialect = edgesh_modes::Dialect::Ios;
        r.engine.report_drops(batch);
        r.engine_drain();
        let seqnos: Vec<String> = r
            .log
            .iter()
            .filter(|l| l.contains("%CRYPTO-4-RECVD_PKT_MAC_ERR"))
            .map(|l| l.rsplit_once("seqno=").map(|x| x.1.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(seqnos, ["00000005", "00000006", "00000007", "00000008", "00000009"], "{:?}", r.log);
        let line = r.log.iter().find(|l| l.contains("seqno=00000007")).unwrap();
        assert!(line.ends_with(&format!(": %CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for connection id=0 local={LOCAL} remote={PEER} spi={SPI:08X} seqno=00000007")), "{line}");
    }

    /// A manual SA as IOS runs it has no anti-replay (`replay_window` 0,
    /// `show crypto ipsec sa`: "replay detection support: N"): the peer's
    /// counter starts at 1 again when it restarts (RFC 4303 3.3.3), and its
    /// packets are taken. A SmartEdge manual SA keeps its configured window
    /// (`anti-replay-window`, 64 by default) and refuses them as late.
    #[test]
    fn a_restarted_peers_packets_are_accepted_on_a_manual_sa_without_anti_replay() {
        use edgesh_engine::config::Prefix4;
        use edgesh_engine::manual_conf::{ManualDir, ManualSa};
        let k = keys(0x11);
        let dir = |spi| ManualDir {
            esp_spi: Some(spi),
            enc_key: k.encr.clone(),
            auth_key: k.auth.clone(),
            ..Default::default()
        };
        let net = |a: [u8; 4]| (Prefix4 { addr: a.into(), len: 16 }, 0, 0);
        let manual = |replay_window| ManualSa {
            tunnel: "VPN-10".into(),
            sa: "VPN-10-manual".into(),
            child: 0,
            local: LOCAL,
            remote: PEER,
            local_ts: net([10, 1, 0, 0]),
            remote_ts: net([10, 2, 0, 0]),
            esp: Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))),
            ah: None,
            inbound: dir(SPI),
            outbound: dir(SPI + 1),
            replay_window,
        };
        let mut rng = StdRng::seed_from_u64(9);
        for (window, after_restart) in [(0, Ok(())), (64, Err(DropKind::Late))] {
            // The inbound SA as the control side builds it for dp-rx (`esp_sa`).
            let c = edgesh_engine::ike::manual::child_sa(&manual(window), 1, 0);
            let mut dp = Opener::new();
            dp.insert_inbound(
                crate::dataplane::esp_sa(&c, c.spi_in, &c.keys_in).unwrap().unwrap(),
                c.remote_ts,
                c.local_ts,
            );
            let mut peer = EspSa::new(SPI, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
            for _ in 0..100 {
                let p = peer.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap();
                assert_eq!(dp.receive(LOCAL, PEER, &p), Ok(()));
            }
            // The peer restarts: the same keys, its counter from 1.
            let mut restarted = EspSa::new(SPI, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
            let p = restarted.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap();
            assert_eq!(dp.receive(LOCAL, PEER, &p), after_restart, "window {window}");
            let mut bad = p.clone();
            let n = bad.len();
            bad[n - 1] ^= 1;
            assert_eq!(
                dp.receive(LOCAL, PEER, &bad),
                Err(if window == 0 { DropKind::BadIcv } else { DropKind::Late }),
                "window {window}: integrity is still checked"
            );
        }
    }

    /// A flood keeps the first [`SAMPLES`] packets' own sequence numbers, no more.
    #[test]
    fn a_batch_keeps_a_bounded_number_of_sequence_numbers() {
        use edgesh_engine::esp_drops::{EspDrop, SAMPLES};
        let mut p = super::Pending::default();
        for seq in 1..=1000u32 {
            p.add(EspDrop {
                spi: SPI,
                proto: 50,
                kind: DropKind::BadIcv,
                peer: PEER,
                local: LOCAL,
                packets: 1,
                seq,
                inner: None,
                more: Vec::new(),
            });
        }
        let b = p.take();
        assert_eq!((b[0].packets, b[0].seq, b[0].more.len()), (1000, 1, SAMPLES - 1));
        assert_eq!(b[0].sample(SAMPLES - 1), Some((SAMPLES as u32, None)));
        assert_eq!(b[0].sample(SAMPLES), None);
    }

    #[test]
    fn a_flood_of_forged_spis_stays_bounded() {
        let (mut dp, _) = setup();
        for spi in 1..10_000u32 {
            let mut p = spi.to_be_bytes().to_vec();
            p.extend_from_slice(&[0; 40]);
            assert_eq!(dp.receive(LOCAL, PEER, &p), Err(DropKind::UnknownSpi));
        }
        let batch = dp.pending_drops();
        assert!(batch.len() <= super::MAX_ENTRIES + 1);
        assert_eq!(batch.iter().map(|d| d.packets).sum::<u64>(), 9_999);
    }

    /// Fuzz-style: random and mutated ESP datagrams never panic the dataplane.
    #[test]
    fn random_esp_datagrams_never_panic() {
        let (mut dp, mut peer) = setup();
        let mut rng = StdRng::seed_from_u64(7);
        let good = peer.seal(4, &ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1), &mut rng).unwrap();
        for i in 0..20_000u32 {
            let mut p: Vec<u8> = match i % 3 {
                0 => (0..rng.random_range(0..120)).map(|_| rng.random()).collect(),
                1 => good.clone(),
                _ => peer
                    .seal(
                        rng.random(),
                        &(0..rng.random_range(0..60)).map(|_| rng.random()).collect::<Vec<u8>>(),
                        &mut rng,
                    )
                    .unwrap(),
            };
            if i % 3 == 1 || rng.random_bool(0.2) {
                for _ in 0..rng.random_range(0..4) {
                    if !p.is_empty() {
                        let j = rng.random_range(0..p.len());
                        p[j] = rng.random();
                    }
                }
                if rng.random_bool(0.3) && !p.is_empty() {
                    p.truncate(rng.random_range(0..p.len()));
                }
            }
            if rng.random_bool(0.5) && p.len() >= 4 {
                p[..4].copy_from_slice(&SPI.to_be_bytes());
            }
            let _ = dp.receive(LOCAL, PEER, &p);
        }
        let total: u64 = dp.pending_drops().iter().map(|d| d.packets).sum();
        assert!(total > 10_000);
    }

    /// AH alone and AH over ESP (a bundle) from the raw socket: opened, or
    /// dropped and counted by kind like ESP (Table 7's AH ICV row is BadIcv).
    #[test]
    fn ah_packets_are_opened_or_dropped_and_counted() {
        use edgesh_engine::ah::AhSa;
        let ah_key: Vec<u8> = (0..20).collect();
        let mut dp = Opener::new();
        let ah = |spi| AhSa::new(spi, EspAuth::HmacSha1_96, &ah_key).unwrap();
        dp.insert_ah_inbound(ah(SPI), None, sel("10.2.0.0/16"), sel("10.1.0.0/16"));
        let k = keys(0x11);
        let esp = || EspSa::new(SPI + 1, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
        dp.insert_ah_inbound(ah(SPI + 1), Some(esp()), sel("10.2.0.0/16"), sel("10.1.0.0/16"));
        let mut rng = StdRng::seed_from_u64(3);
        let (mut out, mut bundle_ah, mut bundle_esp) = (ah(SPI), ah(SPI + 1), esp());
        let inner = ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1);
        let p1 = out.seal(PEER, LOCAL, 1, 4, &inner).unwrap();
        assert_eq!(dp.receive_ah(&p1), Ok(()));
        assert_eq!(dp.receive_ah(&p1), Err(DropKind::Replay));
        let mut bad = out.seal(PEER, LOCAL, 2, 4, &inner).unwrap();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert_eq!(dp.receive_ah(&bad), Err(DropKind::BadIcv), "Table 7: mismatched ICV in the AH header");
        let outside = out.seal(PEER, LOCAL, 3, 4, &ipv4([10, 9, 0, 5], [10, 1, 0, 7], 6)).unwrap();
        assert_eq!(dp.receive_ah(&outside), Err(DropKind::Selector));
        let transport = out.seal(PEER, LOCAL, 4, 17, b"a UDP segment").unwrap();
        assert_eq!(dp.receive_ah(&transport), Err(DropKind::TransportMode));
        let mut other = AhSa::new(0xdead_beef, EspAuth::HmacSha1_96, &ah_key).unwrap();
        assert_eq!(dp.receive_ah(&other.seal(PEER, LOCAL, 5, 4, &inner).unwrap()), Err(DropKind::UnknownSpi));
        // The bundle: AH over ESP opens; AH over a bare inner packet does not.
        let sealed = bundle_esp.seal(4, &inner, &mut rng).unwrap();
        assert_eq!(dp.receive_ah(&bundle_ah.seal(PEER, LOCAL, 6, 50, &sealed).unwrap()), Ok(()));
        assert_eq!(
            dp.receive_ah(&bundle_ah.seal(PEER, LOCAL, 7, 4, &inner).unwrap()),
            Err(DropKind::Malformed),
            "a bundle's packet must carry ESP"
        );
        let mut tampered = bundle_esp.seal(4, &inner, &mut rng).unwrap();
        let n = tampered.len();
        tampered[n - 1] ^= 1;
        assert_eq!(
            dp.receive_ah(&bundle_ah.seal(PEER, LOCAL, 8, 50, &tampered).unwrap()),
            Err(DropKind::BadIcv),
            "the ESP ICV under a good AH"
        );
        for n in 0..p1.len() {
            assert!(dp.receive_ah(&p1[..n]).is_err());
        }
        let batch = dp.pending_drops();
        let get = |k: DropKind| batch.iter().filter(|d| d.kind == k).map(|d| d.packets).sum::<u64>();
        assert_eq!(
            (get(DropKind::Replay), get(DropKind::BadIcv), get(DropKind::Selector), get(DropKind::UnknownSpi)),
            (1, 2, 1, 1)
        );
        let icv = batch.iter().find(|d| d.kind == DropKind::BadIcv && d.spi == SPI).unwrap();
        assert_eq!((icv.peer, icv.local, icv.seq), (PEER, LOCAL, 2));
        assert_eq!(batch.iter().find(|d| d.kind == DropKind::TransportMode).unwrap().inner, Some((PEER, LOCAL, 17)));
    }

    /// Fuzz-style: random and mutated AH packets (raw IP protocol 51, outer
    /// header included) never panic the dataplane, with AH alone and a bundle.
    #[test]
    fn random_ah_packets_never_panic() {
        use edgesh_engine::ah::AhSa;
        let key: Vec<u8> = (0..32).collect();
        let mut dp = Opener::new();
        let k = keys(0x11);
        let esp = || EspSa::new(SPI + 1, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &k).unwrap();
        dp.insert_ah_inbound(
            AhSa::new(SPI, EspAuth::HmacSha256_128, &key).unwrap(),
            None,
            sel("10.2.0.0/16"),
            sel("10.1.0.0/16"),
        );
        dp.insert_ah_inbound(
            AhSa::new(SPI + 1, EspAuth::HmacSha256_128, &key).unwrap(),
            Some(esp()),
            sel("10.2.0.0/16"),
            sel("10.1.0.0/16"),
        );
        let mut rng = StdRng::seed_from_u64(9);
        let (mut a, mut b, mut e) = (
            AhSa::new(SPI, EspAuth::HmacSha256_128, &key).unwrap(),
            AhSa::new(SPI + 1, EspAuth::HmacSha256_128, &key).unwrap(),
            esp(),
        );
        let mut opened = 0;
        for i in 0..20_000u32 {
            let inner = ipv4([10, 2, 0, 5], [10, 1, 0, 7], 1);
            let mut p: Vec<u8> = match i % 4 {
                0 => (0..rng.random_range(0..120)).map(|_| rng.random()).collect(),
                1 => a.seal(PEER, LOCAL, i as u16, rng.random(), &inner).unwrap(),
                2 => {
                    let sealed = e.seal(rng.random_range(0..8), &inner, &mut rng).unwrap();
                    b.seal(PEER, LOCAL, i as u16, 50, &sealed).unwrap()
                }
                _ => a.seal(PEER, LOCAL, i as u16, 4, &inner).unwrap(),
            };
            if i % 4 != 3 && rng.random_bool(0.5) && !p.is_empty() {
                for _ in 0..rng.random_range(0..4) {
                    let j = rng.random_range(0..p.len());
                    p[j] = rng.random();
                }
                if rng.random_bool(0.3) {
                    p.truncate(rng.random_range(0..p.len()));
                }
            }
            opened += usize::from(dp.receive_ah(&p).is_ok());
        }
        assert!(opened >= 5_000, "the untouched packets open: {opened}");
        assert!(dp.pending_drops().iter().map(|d| d.packets).sum::<u64>() > 5_000);
    }
}
