//! Two in-process IKEv2 cores joined by a simulated link ([`Link`]) and the
//! helpers the tests share; the tests by topic: `tests/exchanges.rs`,
//! `robustness.rs`, `rekeys.rs`, `fragments.rs`, `clear_and_pacing.rs`.

use super::*;
use crate::config::*;
use crate::ike::endpoint::IKE_PORT;
use crate::ike::endpoint::tests::{mirror, peer};
use crate::ike::events::DpdStep;

mod clear_and_pacing;
mod esn;
mod exchanges;
mod fragments;
mod rekeys;
mod robustness;

pub(crate) fn v2peer(name: &str, local: [u8; 4], remote: [u8; 4], psk: &str, group: u16) -> PeerConf {
    let mut p = peer(name, local, remote, psk, group);
    p.version = IkeVersion::V2;
    p.proposals[0].prf = Prf::HmacSha256;
    p.proposals[0].hash = IkeAuthAlg::HmacSha256;
    p
}

fn sel(a: [u8; 4], len: u8) -> Selector {
    Selector { net: Prefix4 { addr: a.into(), len }, proto: 0, port: 0 }
}

pub(crate) struct Link {
    pub a: Core,
    pub b: Core,
    pub now: Millis,
    /// Rewrite A's source as a NAT would (address, port base).
    pub nat: Option<SocketAddrV4>,
    pub drop_to_b: bool,
    pub drop_to_a: bool,
    pub log: Vec<(bool, Vec<u8>)>,
}

impl Link {
    pub fn new(a: PeerConf, b: PeerConf) -> Link {
        let mut l = Link::seeded(1, 2);
        l.b.set_peers(0, vec![b]);
        l.a.set_peers(0, vec![a]);
        l
    }
    /// Two cores without peers yet, their random streams from these seeds.
    pub fn seeded(a: u64, b: u64) -> Link {
        Link { a: Core::new(a), b: Core::new(b), now: 0, nat: None, drop_to_b: false, drop_to_a: false, log: vec![] }
    }
    fn strip(t: &Transmit) -> Vec<u8> {
        if t.src.port() == NATT_PORT { t.data[4..].to_vec() } else { t.data.clone() }
    }
    pub fn run(&mut self) {
        for _ in 0..200 {
            let mut moved = false;
            while let Some(t) = self.a.poll_transmit() {
                moved = true;
                let d = Self::strip(&t);
                self.log.push((true, d.clone()));
                if self.drop_to_b {
                    continue;
                }
                let src = match self.nat {
                    Some(n) => {
                        SocketAddrV4::new(*n.ip(), if t.src.port() == NATT_PORT { n.port() + 1 } else { n.port() })
                    }
                    None => t.src,
                };
                self.b.handle(self.now, t.dst, src, &d);
            }
            while let Some(t) = self.b.poll_transmit() {
                moved = true;
                let d = Self::strip(&t);
                self.log.push((false, d.clone()));
                if self.drop_to_a {
                    continue;
                }
                let dst = match self.nat {
                    Some(n) if *t.dst.ip() == *n.ip() => SocketAddrV4::new(
                        Ipv4Addr::new(192, 0, 2, 1),
                        if t.dst.port() == n.port() { IKE_PORT } else { NATT_PORT },
                    ),
                    _ => t.dst,
                };
                self.a.handle(self.now, dst, t.src, &d);
            }
            if !moved {
                // The SPI index of each core's children agrees with a rebuilt one.
                self.a.children.check();
                self.b.children.check();
                break;
            }
        }
    }
    pub fn advance(&mut self, ms: Millis) {
        let end = self.now + ms;
        loop {
            let t = [self.a.poll_timeout(), self.b.poll_timeout()].into_iter().flatten().min();
            match t {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.a.handle_timeout(self.now);
                    self.b.handle_timeout(self.now);
                    self.run();
                }
                _ => break,
            }
        }
        self.now = end;
    }
    pub fn events(c: &mut Core) -> Vec<Event> {
        std::iter::from_fn(|| c.poll_event()).collect()
    }
}

fn pair() -> (PeerConf, PeerConf) {
    let a = v2peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "s3cret", 14);
    let b = mirror(&a, "tb");
    (a, b)
}

/// One tunnel (A's `ta`, B's mirror) brought up on a [`Link`], its pair checked.
fn up() -> Link {
    let (a, b) = pair();
    let mut l = Link::new(a, b);
    l.run();
    assert_matching(&l, 1);
    l
}

#[track_caller]
fn assert_matching(l: &Link, n: usize) {
    assert_eq!(l.a.child_sas().len(), n, "{:?}", l.a.child_sas());
    assert_eq!(l.b.child_sas().len(), n);
    for ca in l.a.child_sas() {
        let cb = l.b.child_sas().iter().find(|c| c.spi_in == ca.spi_out).expect("peer has the pair");
        assert_eq!(cb.spi_out, ca.spi_in);
        assert_eq!(ca.keys_out, cb.keys_in);
        assert_eq!(ca.keys_in, cb.keys_out);
        assert_eq!(ca.local_ts, cb.remote_ts);
        assert_ne!(ca.keys_in, ca.keys_out);
    }
}
