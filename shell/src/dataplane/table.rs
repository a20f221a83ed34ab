//! The outbound SA lookup by selectors: which child SA carries a packet
//! from `src` to `dst`. The newest SA whose local selector covers the source
//! and whose remote selector covers the destination wins (a rekey's new SA
//! takes over from the old one as soon as it is installed).
//!
//! SAs are kept in buckets by their exact selector pair (local prefix,
//! remote prefix). A lookup masks the packet's addresses once for each
//! distinct pair of prefix lengths the installed SAs use (usually one or
//! two: /32 hosts, /24 subnets) and looks each bucket up in a hash map, so
//! its cost does not grow with the number of SAs: 10,000 tunnels to 10,000
//! subnets cost what one does (`examples/esp_rate_sas.rs`).

use edgesh_engine::ike::Millis;
use edgesh_engine::ike::conf::Selector;
use std::collections::HashMap;
use std::net::Ipv4Addr;

fn mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) }
}

/// A selector pair's bucket key: (local length, local network, remote length, remote network).
type Key = (u8, u32, u8, u32);

fn key(local: &Selector, remote: &Selector) -> Key {
    let (l, r) = (local.net.len.min(32), remote.net.len.min(32));
    (l, u32::from(local.net.addr) & mask(l), r, u32::from(remote.net.addr) & mask(r))
}

/// SPIs by selector pair, for the outbound lookup.
#[derive(Default)]
pub struct SelectorIndex {
    buckets: HashMap<Key, Vec<(Millis, u32)>>,
    /// How many SAs use each pair of prefix lengths (local, remote).
    shapes: HashMap<(u8, u8), usize>,
    /// The keys of `shapes`, longest remote prefix first (what lookups walk).
    order: Vec<(u8, u8)>,
}

impl SelectorIndex {
    pub fn insert(&mut self, local: &Selector, remote: &Selector, created: Millis, spi: u32) {
        let k = key(local, remote);
        let b = self.buckets.entry(k).or_default();
        b.retain(|&(_, s)| s != spi);
        b.push((created, spi));
        *self.shapes.entry((k.0, k.2)).or_default() += 1;
        self.reorder();
    }

    pub fn remove(&mut self, local: &Selector, remote: &Selector, spi: u32) {
        let k = key(local, remote);
        let Some(b) = self.buckets.get_mut(&k) else { return };
        let before = b.len();
        b.retain(|&(_, s)| s != spi);
        if b.len() == before {
            return;
        }
        if b.is_empty() {
            self.buckets.remove(&k);
        }
        if let Some(n) = self.shapes.get_mut(&(k.0, k.2)) {
            *n -= 1;
            if *n == 0 {
                self.shapes.remove(&(k.0, k.2));
            }
        }
        self.reorder();
    }

    fn reorder(&mut self) {
        self.order = self.shapes.keys().copied().collect();
        self.order.sort_by(|a, b| (b.1, b.0).cmp(&(a.1, a.0)));
    }

    /// The SPI of the newest SA covering a packet from `src` to `dst`.
    pub fn lookup(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<u32> {
        let (s, d) = (u32::from(src), u32::from(dst));
        let mut best: Option<(Millis, u32)> = None;
        for &(l, r) in &self.order {
            if let Some(b) = self.buckets.get(&(l, s & mask(l), r, d & mask(r))) {
                for &(created, spi) in b {
                    if best.is_none_or(|(c, _)| created > c) {
                        best = Some((created, spi));
                    }
                }
            }
        }
        best.map(|(_, spi)| spi)
    }

    pub fn len(&self) -> usize {
        self.buckets.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::config::Prefix4;

    fn sel(a: [u8; 4], len: u8) -> Selector {
        Selector { net: Prefix4 { addr: Ipv4Addr::from(a), len }, proto: 0, port: 0 }
    }

    #[test]
    fn the_newest_covering_sa_wins_whatever_its_prefix() {
        let mut t = SelectorIndex::default();
        t.insert(&sel([10, 0, 0, 0], 8), &sel([0, 0, 0, 0], 0), 5, 1);
        t.insert(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 3, 2);
        t.insert(&sel([10, 1, 0, 7], 32), &sel([192, 168, 1, 9], 32), 4, 3);
        // All three cover 10.1.0.7 -> 192.168.1.9: the newest (created 5) wins.
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 7), Ipv4Addr::new(192, 168, 1, 9)), Some(1));
        t.remove(&sel([10, 0, 0, 0], 8), &sel([0, 0, 0, 0], 0), 1);
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 7), Ipv4Addr::new(192, 168, 1, 9)), Some(3));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 8), Ipv4Addr::new(192, 168, 1, 9)), Some(2));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 2, 0, 8), Ipv4Addr::new(192, 168, 1, 9)), None);
        // A rekey: same selectors, a newer SA takes over; removing the old leaves the new.
        t.insert(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 9, 20);
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 8), Ipv4Addr::new(192, 168, 1, 1)), Some(20));
        t.remove(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 2);
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 8), Ipv4Addr::new(192, 168, 1, 1)), Some(20));
        assert_eq!(t.len(), 2);
        // Removing what is not there changes nothing.
        t.remove(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 2);
        assert_eq!(t.len(), 2);
        t.remove(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 20);
        t.remove(&sel([10, 1, 0, 7], 32), &sel([192, 168, 1, 9], 32), 3);
        assert!(t.is_empty() && t.order.is_empty());
    }

    #[test]
    fn the_lookup_agrees_with_a_scan_of_every_sa() {
        // A pseudo-random mix of prefixes, checked against the linear scan it replaces.
        let mut x = 0x2545_f491_u32;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut t = SelectorIndex::default();
        let mut all = Vec::new();
        for spi in 1..300u32 {
            let (l, r) = (sel((next() & 0x0a0f_ffff).to_be_bytes(), [8, 16, 24, 32][next() as usize % 4]), sel((next() & 0x0a0f_ffff).to_be_bytes(), [0, 16, 24, 32][next() as usize % 4]));
            let created = Millis::from(next() % 1000);
            t.insert(&l, &r, created, spi);
            all.push((l, r, created, spi));
        }
        for _ in 0..5000 {
            let (s, d) = (Ipv4Addr::from(next() & 0x0a0f_ffff), Ipv4Addr::from(next() & 0x0a0f_ffff));
            let want = all.iter().filter(|(l, r, ..)| l.contains(s) && r.contains(d)).map(|&(_, _, c, spi)| (c, spi)).max_by_key(|&(c, _)| c).map(|(c, _)| c);
            let got = t.lookup(s, d).map(|spi| all.iter().find(|a| a.3 == spi).map(|a| a.2).unwrap());
            assert_eq!(got, want, "{s} -> {d}");
        }
    }
}
