//! Owns the context of an exchange: what an IKEv1 exchange touches besides
//! its own SA (strongSwan's tasks get the same from their `ike_sa_t`'s
//! bus and sender; quinn-proto's `Connection` from its endpoint config).
//! The clock of the latest input, the seeded RNG, the transmit queue, the
//! events, the configuration (with its index by tunnel name) and the
//! counters. The exchanges in [`super::v1`] are functions over
//! `(&mut Ctx, &mut IkeSa)`; only the endpoint's dispatcher sees the SA
//! table, the child SAs and the timer table.

use super::conf::{EngineConf, PeerConf};
use super::events::Event;
use super::params::{Millis, NATT_PORT, Transmit};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};

/// What an exchange works with besides its SA.
pub struct Ctx {
    /// The time of the latest input.
    pub(in crate::ike) now: Millis,
    pub(in crate::ike) rng: StdRng,
    pub(in crate::ike) out: VecDeque<Transmit>,
    pub(in crate::ike) events: VecDeque<Event>,
    pub(in crate::ike) conf: EngineConf,
    /// Peer configurations by tunnel name (index into `conf.peers`).
    pub(in crate::ike) by_name: HashMap<String, usize>,
    /// (local, remote) of the tunnels with a configured remote end point.
    pub(in crate::ike) static_peers: HashSet<(Ipv4Addr, Ipv4Addr)>,
    /// Counters for `show ... statistics`.
    pub stats: Stats,
    /// The same counters per tunnel (`show tunnel ipsec name T statistics ike`).
    pub tunnel_stats: HashMap<String, Stats>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_malformed: u64,
    /// Copies of a message already received that were not answered again.
    pub rx_duplicates: u64,
    pub p1_established: u64,
    pub p1_failed: u64,
    pub p2_established: u64,
    pub p2_failed: u64,
    pub retransmits: u64,
    pub notifies_rx: u64,
    pub notifies_tx: u64,
    pub deletes_rx: u64,
    pub deletes_tx: u64,
    pub half_open_dropped: u64,
}

impl Ctx {
    pub(in crate::ike) fn new(seed: u64) -> Ctx {
        Ctx {
            now: 0,
            rng: StdRng::seed_from_u64(seed),
            out: VecDeque::new(),
            events: VecDeque::new(),
            conf: EngineConf::default(),
            by_name: HashMap::new(),
            static_peers: HashSet::new(),
            stats: Stats::default(),
            tunnel_stats: HashMap::new(),
        }
    }

    /// A tunnel's peer configuration (by name, indexed).
    pub(in crate::ike) fn pc(&self, name: &str) -> Option<&PeerConf> {
        self.by_name.get(name).and_then(|&i| self.conf.peers.get(i))
    }

    /// The counters of one tunnel.
    pub(in crate::ike) fn tunnel(&mut self, name: &str) -> &mut Stats {
        self.tunnel_stats.entry(name.to_string()).or_default()
    }

    pub(in crate::ike) fn event(&mut self, e: Event) {
        self.events.push_back(e);
    }

    /// Queue a datagram (on port 4500 behind the non-ESP marker).
    pub(in crate::ike) fn send_raw(&mut self, src: SocketAddrV4, dst: SocketAddrV4, dgram: Vec<u8>) {
        let data = if src.port() == NATT_PORT {
            let mut d = vec![0u8; 4];
            d.extend_from_slice(&dgram);
            d
        } else {
            dgram
        };
        self.stats.tx_packets += 1;
        self.out.push_back(Transmit { src, dst, data });
    }

    /// A fresh 20-octet nonce.
    pub(in crate::ike) fn nonce(&mut self) -> Vec<u8> {
        let mut n = vec![0u8; 20];
        self.rng.fill_bytes(&mut n);
        n
    }

    /// A message id for a new exchange (odd, so never 0).
    pub(in crate::ike) fn msgid(&mut self) -> u32 {
        self.rng.random::<u32>() | 1
    }

    /// An inbound SPI no child SA uses (`taken`).
    pub(in crate::ike) fn spi(&mut self, taken: impl Fn(u32) -> bool) -> u32 {
        loop {
            let s: u32 = self.rng.random();
            if s >= 256 && !taken(s) {
                return s;
            }
        }
    }
}
