//! Several tunnels to one peer (issue 12): a peer brings up three tunnels
//! with the same end points and different selectors (three crypto-map
//! entries, three SmartEdge tunnels). As responder the engine must pick the
//! tunnel for each quick mode / child SA by its selectors among every tunnel
//! that shares the peer, not tie them all to the tunnel of the first IKE SA.
//! Written against the public `Endpoint` API, in both IKE versions.

use edgesh_engine::config::*;
use edgesh_engine::ike::conf::{ChildConf, EspProp, IkeProp, Selector};
use edgesh_engine::ike::{Endpoint, EngineConf, PeerConf};
use std::net::Ipv4Addr;

fn sel(a: [u8; 4], len: u8) -> Selector {
    Selector { net: Prefix4 { addr: a.into(), len }, proto: 0, port: 0 }
}

fn tunnel(version: IkeVersion, name: &str, local: [u8; 4], remote: [u8; 4], n: u8) -> PeerConf {
    PeerConf {
        version,
        name: name.into(),
        context: "local".into(),
        kind: TunnelKind::Static,
        local: local.into(),
        remote: Some(remote.into()),
        local_id: Identity::Ipv4(local.into()),
        remote_id: Identity::Ipv4(remote.into()),
        mode: ExchangeMode::Main,
        connection: ConnectionType::Both,
        psk: Some(b"one-key".to_vec()),
        proposals: vec![IkeProp {
            name: "p1".into(),
            encr: IkeEncr::Aes128Cbc,
            hash: IkeAuthAlg::HmacSha256,
            group: 14,
            auth: AuthMethod::PreSharedKey,
            lifetime: 86400,
            prf: Prf::HmacSha256,
        }],
        children: vec![ChildConf {
            policy: "pol".into(),
            local_ts: sel([10, local[3], n, 0], 24),
            remote_ts: sel([10, remote[3], n, 0], 24),
            proposals: vec![EspProp {
                name: "esp".into(),
                ah: None,
                esp: Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))),
                lifetime_seconds: 3600,
                lifetime_kbytes: None,
                transport: None,
            }],
            pfs: None,
            replay_window: 64,
            esn: Default::default(),
        }],
        dpd: false,
        auto_start: true,
        max_tunnels: None,
        dynamic: false,
        pki: None,
        force_encap: false,
    }
}

/// Run until quiet; returns how many datagrams moved.
fn run(a: &mut Endpoint, b: &mut Endpoint, now: u64) -> usize {
    let mut n = 0;
    for _ in 0..1000 {
        let mut moved = false;
        while let Some(t) = a.poll_transmit() {
            moved = true;
            n += 1;
            b.handle(now, t.dst, t.src, &t.data);
        }
        while let Some(t) = b.poll_transmit() {
            moved = true;
            n += 1;
            a.handle(now, t.dst, t.src, &t.data);
        }
        if !moved {
            break;
        }
    }
    n
}

fn three_tunnels(version: IkeVersion) {
    let (ip_a, ip_b) = ([192, 0, 2, 1], [192, 0, 2, 2]);
    let mut a = Endpoint::new(1);
    let mut b = Endpoint::new(2);
    let bs: Vec<PeerConf> = (1..=3)
        .map(|n| {
            let mut p = tunnel(version, &format!("b{n}"), ip_b, ip_a, n);
            p.connection = ConnectionType::ResponderOnly;
            p.auto_start = false;
            p
        })
        .collect();
    b.set_config(0, EngineConf { peers: bs, ..Default::default() });
    a.set_config(
        0,
        EngineConf {
            peers: (1..=3).map(|n| tunnel(version, &format!("a{n}"), ip_a, ip_b, n)).collect(),
            ..Default::default()
        },
    );
    run(&mut a, &mut b, 0);
    let mut now = 0;
    for _ in 0..4 {
        now += 30_000;
        a.handle_timeout(now);
        b.handle_timeout(now);
        run(&mut a, &mut b, now);
    }
    assert_eq!(a.child_sas().len(), 3, "{version:?}: initiator's children");
    assert_eq!(b.child_sas().len(), 3, "{version:?}: every tunnel comes up on the responder");
    for n in 1..=3u8 {
        // The responder files each pair under the tunnel whose selectors it mirrors.
        let c = b
            .child_sas()
            .iter()
            .find(|c| c.local_ts == sel([10, 2, n, 0], 24))
            .expect("pair for the tunnel's selectors");
        assert_eq!(c.tunnel, format!("b{n}"), "{version:?}");
        assert_eq!(c.remote_ts, sel([10, 1, n, 0], 24));
        let peer = a.child_sas().iter().find(|x| x.spi_out == c.spi_in).expect("the initiator has the other half");
        assert_eq!(peer.tunnel, format!("a{n}"));
        assert_eq!(peer.spi_in, c.spi_out);
    }
    assert!(b.child_for(Ipv4Addr::new(10, 2, 3, 9), Ipv4Addr::new(10, 1, 3, 9)).is_some_and(|c| c.tunnel == "b3"));
    // And they stay: ten minutes on, nothing was dropped on either side.
    for _ in 0..20 {
        now += 30_000;
        a.handle_timeout(now);
        b.handle_timeout(now);
        run(&mut a, &mut b, now);
    }
    assert_eq!((a.child_sas().len(), b.child_sas().len()), (3, 3), "{version:?}");
    if version == IkeVersion::V2 {
        assert_eq!(
            b.v2().sas().iter().filter(|s| s.is_established()).count(),
            3,
            "the peer's three IKE SAs are not duplicates"
        );
        // Each IKE SA is filed under the tunnel its traffic selectors chose
        // (the identities are the same for all three), with its child.
        let mut tunnels: Vec<(String, Vec<String>)> = b
            .v2()
            .sas()
            .iter()
            .map(|s| {
                (
                    s.tunnel.clone(),
                    b.v2().child_sas().iter().filter(|c| c.ike == s.conn).map(|c| c.tunnel.clone()).collect(),
                )
            })
            .collect();
        tunnels.sort();
        let want: Vec<(String, Vec<String>)> = (1..=3).map(|n| (format!("b{n}"), vec![format!("b{n}")])).collect();
        assert_eq!(tunnels, want, "responder: IKE SA tunnels and their children's");
    }
}

#[test]
fn ikev2_responder_picks_each_child_tunnel_by_its_selectors() {
    three_tunnels(IkeVersion::V2);
}

/// IKEv1: the responder checks a quick mode against every IKEv1 tunnel to
/// the same peer (`v1/quick.rs` `respond`; the tunnel carried in `Quick`),
/// and INITIAL-CONTACT from one phase 1 of a burst no longer removes the
/// peer's other phase 1s still negotiating (only established SAs are old).
#[test]
fn ikev1_responder_picks_each_quick_mode_tunnel_by_its_selectors() {
    three_tunnels(IkeVersion::V1);
}

/// IOS crypto map entries 10 and 20 to one peer, same ISAKMP identity and
/// key: the second entry's traffic runs its quick mode (IKEv2: a
/// CREATE_CHILD_SA) over the IKE SA the first one opened, on both sides:
/// one IKE SA, two IPsec SA pairs. Traffic for both at once (before the
/// first IKE SA is up) opens one IKE SA too. SmartEdge tunnels (no map
/// entry) keep one IKE SA each (`three_tunnels` above).
fn two_map_entries_one_ike_sa(version: IkeVersion, together: bool) {
    let (ip_a, ip_b) = ([192, 0, 2, 1], [192, 0, 2, 2]);
    let entries = |side: &str| (1..=2u8).map(|n| (format!("{side}{n}"), ("VPN".to_string(), 10 * n as u32))).collect();
    let conf = |side: &str, local, remote, responder: bool| EngineConf {
        peers: (1..=2)
            .map(|n| {
                let mut p = tunnel(version, &format!("{side}{n}"), local, remote, n);
                p.auto_start = false;
                if responder {
                    p.connection = ConnectionType::ResponderOnly;
                }
                p
            })
            .collect(),
        map_entries: entries(side),
        ..Default::default()
    };
    let mut a = Endpoint::new(1);
    let mut b = Endpoint::new(2);
    a.set_config(0, conf("a", ip_a, ip_b, false));
    b.set_config(0, conf("b", ip_b, ip_a, true));
    let ike = |e: &Endpoint| if version == IkeVersion::V1 { e.ike_sas().len() } else { e.v2().sas().len() };
    assert_eq!(
        a.initiate_for_traffic(0, Ipv4Addr::new(10, 1, 1, 5), Ipv4Addr::new(10, 2, 1, 5)).as_deref(),
        Some("a1")
    );
    if !together {
        run(&mut a, &mut b, 0);
        assert_eq!((ike(&a), a.child_sas().len()), (1, 1), "{version:?}: entry 10 is up");
    }
    assert_eq!(
        a.initiate_for_traffic(1000, Ipv4Addr::new(10, 1, 2, 5), Ipv4Addr::new(10, 2, 2, 5)).as_deref(),
        Some("a2")
    );
    run(&mut a, &mut b, 1000);
    assert_eq!((ike(&a), ike(&b)), (1, 1), "{version:?} together={together}: one IKE SA on each side");
    assert_eq!(
        (a.child_sas().len(), b.child_sas().len()),
        (2, 2),
        "{version:?} together={together}: two IPsec SA pairs"
    );
    for n in 1..=2u8 {
        let c = a.child_sas().iter().find(|c| c.tunnel == format!("a{n}")).expect("each entry has its pair");
        assert_eq!(c.remote_ts, sel([10, 2, n, 0], 24));
        let other = b.child_sas().iter().find(|x| x.spi_in == c.spi_out).expect("the peer has the other half");
        assert_eq!((other.tunnel.clone(), other.spi_out), (format!("b{n}"), c.spi_in));
    }
    let conns: std::collections::BTreeSet<u32> = a.child_sas().iter().map(|c| c.ike).collect();
    assert_eq!(conns.len(), 1, "{version:?}: both pairs over the one IKE SA");
}

#[test]
fn ikev1_crypto_map_entries_to_one_peer_share_the_isakmp_sa() {
    two_map_entries_one_ike_sa(IkeVersion::V1, false);
    two_map_entries_one_ike_sa(IkeVersion::V1, true);
}

#[test]
fn ikev2_crypto_map_entries_to_one_peer_share_the_ike_sa() {
    two_map_entries_one_ike_sa(IkeVersion::V2, false);
    two_map_entries_one_ike_sa(IkeVersion::V2, true);
}
