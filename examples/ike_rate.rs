//! `cargo run --release --example ike_rate [TUNNELS [GROUP [v2]]]`: IKEv1 main mode +
//! quick mode (or, with `v2`, IKEv2 IKE_SA_INIT + IKE_AUTH) setups per second between two in-process engines joined by a
//! perfect simulated link (both ends' work on one core: every setup costs
//! two DH key generations and two DH computations), for DH group 14 and
//! group 2, and the memory an established tunnel costs (both ends).
//! Nothing leaves the process.

// The allocator the edgesh binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use edgesh_engine::config::*;
use edgesh_engine::ike::conf::{ChildConf, EspProp, IkeProp, PeerConf, Selector};
use edgesh_engine::ike::{Endpoint, EngineConf};
use std::net::Ipv4Addr;
use std::time::Instant;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn peers(n: usize, group: u16, version: IkeVersion) -> (Vec<PeerConf>, Vec<PeerConf>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..n {
        let la = Ipv4Addr::new(192, 0, 2, (i % 250) as u8 + 1);
        let lb = Ipv4Addr::new(203, 0, 113, (i / 250) as u8 + 1);
        let child = ChildConf {
            policy: "pol".into(),
            local_ts: Selector { net: Prefix4 { addr: Ipv4Addr::new(198, 51, 100, 0), len: 24 }, proto: 0, port: 0 },
            remote_ts: Selector {
                net: Prefix4 { addr: Ipv4Addr::from(0x0a00_0000 + ((i as u32) << 8)), len: 24 },
                proto: 0,
                port: 0,
            },
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
        };
        let p = PeerConf {
            version,
            name: format!("t{i}"),
            context: "local".into(),
            kind: TunnelKind::Static,
            local: la,
            remote: Some(lb),
            local_id: Identity::Ipv4(la),
            remote_id: Identity::Ipv4(lb),
            mode: ExchangeMode::Main,
            connection: ConnectionType::Both,
            psk: Some(b"bench-secret".to_vec()),
            proposals: vec![IkeProp {
                name: "p".into(),
                encr: IkeEncr::Aes128Cbc,
                hash: IkeAuthAlg::HmacSha1_96,
                group,
                auth: AuthMethod::PreSharedKey,
                lifetime: 86400,
                prf: Prf::HmacSha1,
            }],
            children: vec![child.clone()],
            dpd: false,
            auto_start: true,
            max_tunnels: None,
            dynamic: false,
            pki: None,
            force_encap: false,
        };
        let mut m = p.clone();
        m.local = lb;
        m.remote = Some(la);
        m.local_id = Identity::Ipv4(lb);
        m.remote_id = Identity::Ipv4(la);
        m.auto_start = false;
        m.children[0].local_ts = child.remote_ts;
        m.children[0].remote_ts = child.local_ts;
        a.push(p);
        b.push(m);
    }
    (a, b)
}

fn run(n: usize, group: u16, version: IkeVersion) {
    let (pa, pb) = peers(n, group, version);
    let before = rss_kib();
    let mut a = Endpoint::new(1);
    let mut b = Endpoint::new(2);
    b.set_config(0, EngineConf { peers: pb, notes: vec![], ..Default::default() });
    let t0 = Instant::now();
    a.set_config(0, EngineConf { peers: pa, notes: vec![], ..Default::default() });
    // The engine paces its first messages; the simulated clock moves when the link is quiet.
    let mut now = 0;
    loop {
        let mut moved = false;
        while let Some(t) = a.poll_transmit() {
            moved = true;
            b.handle(now, t.dst, t.src, &t.data);
        }
        while let Some(t) = b.poll_transmit() {
            moved = true;
            a.handle(now, t.dst, t.src, &t.data);
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
        if !moved {
            match a.poll_timeout() {
                Some(t) if a.child_sas().len() < n => {
                    now = t.max(now);
                    a.handle_timeout(now);
                    b.handle_timeout(now);
                }
                _ => break,
            }
        }
    }
    let dt = t0.elapsed();
    let up = a.child_sas().len();
    assert_eq!(up, n, "every tunnel must come up");
    let after = rss_kib();
    println!(
        "{} DH group {group:>2}: {n} tunnels ({}) in {:.2} s = {:.0} setups/s; {:.1} KiB per tunnel (both ends)",
        version.proto_name(),
        if version == IkeVersion::V1 { "main + quick mode" } else { "IKE_SA_INIT + IKE_AUTH" },
        dt.as_secs_f64(),
        n as f64 / dt.as_secs_f64(),
        (after.saturating_sub(before)) as f64 / n as f64
    );
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|x| x.parse().ok()).unwrap_or(1000);
    // `ike_rate N 2`: only group 2 (large N: how setups scale with the number of SAs).
    let groups: Vec<u16> = match std::env::args().nth(2).and_then(|x| x.parse().ok()) {
        Some(g) => vec![g],
        None => vec![2, 14],
    };
    let version = if std::env::args().nth(3).as_deref() == Some("v2") { IkeVersion::V2 } else { IkeVersion::V1 };
    for g in groups {
        run(n, g, version);
    }
}
