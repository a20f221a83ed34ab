//! The outbound SA lookup by selectors: which child SA carries a packet
//! from `src` to `dst`. Policy order decides (`EngineConf::policies`, IOS
//! crypto map entries by sequence number): the first policy whose
//! selectors cover the packet owns it, and the newest SA of that policy
//! that covers it carries it (a rekey's new SA takes over from the old one
//! as soon as it is installed). When that policy has no SA the packet is
//! not carried at all (it starts the policy's negotiation), even when a
//! later, broader policy's SA covers it. SAs of no policy (manual SAs)
//! come after every policy; without policies the newest covering SA wins.
//!
//! SAs are kept in buckets by their exact selector pair (local prefix,
//! remote prefix). A lookup masks the packet's addresses once for each
//! distinct pair of prefix lengths the installed SAs use (usually one or
//! two: /32 hosts, /24 subnets) and looks each bucket up in a hash map, so
//! its cost does not grow with the number of SAs: 10,000 tunnels to 10,000
//! subnets cost what one does (`examples/esp_rate_sas.rs`).

use edgesh_engine::ike::Millis;
use edgesh_engine::ike::conf::Selector;
use foldhash::HashMap;
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

/// The rank of an SA whose policy is not in the configuration.
const NO_POLICY: u32 = u32::MAX;

/// SPIs by selector pair, for the outbound lookup, and the policies in order.
#[derive(Default)]
pub struct SelectorIndex {
    /// (created, SPI, rank of its policy).
    buckets: HashMap<Key, Vec<(Millis, u32, u32)>>,
    /// How many SAs use each pair of prefix lengths (local, remote).
    shapes: HashMap<(u8, u8), usize>,
    /// The keys of `shapes`, longest remote prefix first (what lookups walk).
    order: Vec<(u8, u8)>,
    /// The policy (tunnel, child) each SA belongs to, by SPI.
    owners: HashMap<u32, (String, usize)>,
    /// Each policy's rank (its place in match order).
    ranks: HashMap<(String, usize), u32>,
    /// The lowest policy rank of each selector pair, and the distinct
    /// pairs of prefix lengths the policies use.
    policies: HashMap<Key, u32>,
    policy_shapes: Vec<(u8, u8)>,
    /// The configuration generation the policies are from.
    generation: Option<u64>,
}

impl SelectorIndex {
    /// Take the policies, in match order, of configuration `generation`
    /// (`f` is called only when that is not the one held).
    pub fn follow_policies<'a, I>(&mut self, generation: u64, f: impl FnOnce() -> I)
    where
        I: IntoIterator<Item = (&'a str, usize, Selector, Selector)>,
    {
        if self.generation == Some(generation) {
            return;
        }
        self.generation = Some(generation);
        self.set_policies(f());
    }

    /// The policies (tunnel, child, local, remote) in match order.
    pub fn set_policies<'a>(&mut self, policies: impl IntoIterator<Item = (&'a str, usize, Selector, Selector)>) {
        self.ranks.clear();
        self.policies.clear();
        let mut shapes = foldhash::HashSet::default();
        for (rank, (tunnel, child, local, remote)) in policies.into_iter().enumerate() {
            let rank = rank.min(NO_POLICY as usize - 1) as u32;
            self.ranks.entry((tunnel.to_string(), child)).or_insert(rank);
            let k = key(&local, &remote);
            self.policies.entry(k).or_insert(rank);
            shapes.insert((k.0, k.2));
        }
        self.policy_shapes = shapes.into_iter().collect();
        self.policy_shapes.sort();
        // The SAs' ranks follow their policies.
        for b in self.buckets.values_mut() {
            for e in b.iter_mut() {
                e.2 = self.owners.get(&e.1).and_then(|o| self.ranks.get(o)).copied().unwrap_or(NO_POLICY);
            }
        }
    }

    /// An SA of policy `owner` (tunnel, child index).
    pub fn insert(&mut self, local: &Selector, remote: &Selector, created: Millis, spi: u32, owner: (&str, usize)) {
        let k = key(local, remote);
        let owner = (owner.0.to_string(), owner.1);
        let rank = self.ranks.get(&owner).copied().unwrap_or(NO_POLICY);
        self.owners.insert(spi, owner);
        let b = self.buckets.entry(k).or_default();
        b.retain(|&(_, s, _)| s != spi);
        b.push((created, spi, rank));
        *self.shapes.entry((k.0, k.2)).or_default() += 1;
        self.reorder();
    }

    pub fn remove(&mut self, local: &Selector, remote: &Selector, spi: u32) {
        let k = key(local, remote);
        let Some(b) = self.buckets.get_mut(&k) else { return };
        let before = b.len();
        b.retain(|&(_, s, _)| s != spi);
        if b.len() == before {
            return;
        }
        self.owners.remove(&spi);
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

    /// The SPI of the SA that carries a packet from `src` to `dst`: the
    /// newest covering SA of the first policy covering the packet; `None`
    /// when that policy has none (or nothing covers the packet).
    pub fn lookup(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Option<u32> {
        let (s, d) = (u32::from(src), u32::from(dst));
        let first_policy = self
            .policy_shapes
            .iter()
            .filter_map(|&(l, r)| self.policies.get(&(l, s & mask(l), r, d & mask(r))))
            .min()
            .copied();
        // The lowest rank, then the newest.
        let mut best: Option<(u32, Millis, u32)> = None;
        for &(l, r) in &self.order {
            if let Some(b) = self.buckets.get(&(l, s & mask(l), r, d & mask(r))) {
                for &(created, spi, rank) in b {
                    if best.is_none_or(|(br, bc, _)| rank < br || (rank == br && created > bc)) {
                        best = Some((rank, created, spi));
                    }
                }
            }
        }
        match best {
            Some((rank, _, spi)) if first_policy.is_none_or(|p| rank <= p) => Some(spi),
            _ => None,
        }
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

    /// A pseudo-random stream for the scan comparisons.
    fn xorshift(mut x: u32) -> impl FnMut() -> u32 {
        move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        }
    }

    #[test]
    fn the_newest_covering_sa_wins_whatever_its_prefix() {
        let mut t = SelectorIndex::default();
        t.insert(&sel([10, 0, 0, 0], 8), &sel([0, 0, 0, 0], 0), 5, 1, ("t", 0));
        t.insert(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 3, 2, ("t", 0));
        t.insert(&sel([10, 1, 0, 7], 32), &sel([192, 168, 1, 9], 32), 4, 3, ("t", 0));
        // All three cover 10.1.0.7 -> 192.168.1.9: the newest (created 5) wins.
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 7), Ipv4Addr::new(192, 168, 1, 9)), Some(1));
        t.remove(&sel([10, 0, 0, 0], 8), &sel([0, 0, 0, 0], 0), 1);
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 7), Ipv4Addr::new(192, 168, 1, 9)), Some(3));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 1, 0, 8), Ipv4Addr::new(192, 168, 1, 9)), Some(2));
        assert_eq!(t.lookup(Ipv4Addr::new(10, 2, 0, 8), Ipv4Addr::new(192, 168, 1, 9)), None);
        // A rekey: same selectors, a newer SA takes over; removing the old leaves the new.
        t.insert(&sel([10, 1, 0, 0], 16), &sel([192, 168, 1, 0], 24), 9, 20, ("t", 0));
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
        let mut next = xorshift(0x2545_f491);
        let mut t = SelectorIndex::default();
        let mut all = Vec::new();
        for spi in 1..300u32 {
            let (l, r) = (
                sel((next() & 0x0a0f_ffff).to_be_bytes(), [8, 16, 24, 32][next() as usize % 4]),
                sel((next() & 0x0a0f_ffff).to_be_bytes(), [0, 16, 24, 32][next() as usize % 4]),
            );
            let created = Millis::from(next() % 1000);
            t.insert(&l, &r, created, spi, ("t", spi as usize));
            all.push((l, r, created, spi));
        }
        for _ in 0..5000 {
            let (s, d) = (Ipv4Addr::from(next() & 0x0a0f_ffff), Ipv4Addr::from(next() & 0x0a0f_ffff));
            let want = all
                .iter()
                .filter(|(l, r, ..)| l.contains(s) && r.contains(d))
                .map(|&(_, _, c, spi)| (c, spi))
                .max_by_key(|&(c, _)| c)
                .map(|(c, _)| c);
            let got = t.lookup(s, d).map(|spi| all.iter().find(|a| a.3 == spi).map(|a| a.2).unwrap());
            assert_eq!(got, want, "{s} -> {d}");
        }
    }

    /// IOS: `crypto map VPN 20` (-> 203.0.113.128/25) before `VPN 100`
    /// (-> 203.0.113.0/24). With only entry 100's SA up, a packet entry 20
    /// covers is not carried (it starts entry 20); once entry 20 has an SA
    /// it carries that traffic, however new entry 100's SA is.
    #[test]
    fn the_first_policy_that_covers_a_packet_decides_even_without_an_sa() {
        let (lan, narrow, broad) = (sel([198, 51, 100, 0], 24), sel([203, 0, 113, 128], 25), sel([203, 0, 113, 0], 24));
        let mut t = SelectorIndex::default();
        t.follow_policies(1, || vec![("VPN-20", 0, lan, narrow), ("VPN-100", 0, lan, broad)]);
        t.insert(&lan, &broad, 10, 100, ("VPN-100", 0));
        let (src, to_narrow, to_broad) =
            (Ipv4Addr::new(198, 51, 100, 5), Ipv4Addr::new(203, 0, 113, 200), Ipv4Addr::new(203, 0, 113, 5));
        assert_eq!(t.lookup(src, to_narrow), None, "entry 20 has no SA: dropped, not sent on entry 100's");
        assert_eq!(t.lookup(src, to_broad), Some(100));
        t.insert(&lan, &narrow, 20, 20, ("VPN-20", 0));
        t.insert(&lan, &broad, 30, 101, ("VPN-100", 0));
        assert_eq!(t.lookup(src, to_narrow), Some(20), "entry 20's SA, though entry 100's is newer");
        assert_eq!(t.lookup(src, to_broad), Some(101), "the newest SA of entry 100 (a rekey)");
        // The same generation is not read again; a new one reorders the SAs with the policies.
        t.follow_policies(1, || -> Vec<(&'static str, usize, Selector, Selector)> { panic!("read again") });
        t.follow_policies(2, || vec![("VPN-100", 0, lan, broad), ("VPN-20", 0, lan, narrow)]);
        assert_eq!(t.lookup(src, to_narrow), Some(101), "entry 100 first now");
        // SAs of no policy (manual) carry only what no policy covers.
        let other = sel([192, 0, 2, 0], 24);
        t.insert(&lan, &sel([0, 0, 0, 0], 0), 40, 7, ("manual", 0));
        assert_eq!(t.lookup(src, to_narrow), Some(101));
        assert_eq!(t.lookup(src, Ipv4Addr::new(192, 0, 2, 9)), Some(7));
        t.follow_policies(3, || vec![("VPN-5", 0, lan, other), ("VPN-100", 0, lan, broad)]);
        assert_eq!(
            t.lookup(src, Ipv4Addr::new(192, 0, 2, 9)),
            None,
            "a policy without an SA comes before the manual SA"
        );
        t.remove(&lan, &broad, 101);
        t.remove(&lan, &broad, 100);
        assert_eq!(
            t.lookup(src, to_narrow),
            None,
            "entry 20's SA is of no policy now, and entry 100 covers the packet"
        );
    }

    #[test]
    fn the_policy_ordered_lookup_agrees_with_a_scan_of_every_policy_and_sa() {
        let mut next = xorshift(0x1f12_3bb5);
        fn pick(n: &mut dyn FnMut() -> u32) -> (Selector, Selector) {
            (
                sel((n() & 0x0a0f_ffff).to_be_bytes(), [8, 16, 24, 32][n() as usize % 4]),
                sel((n() & 0x0a0f_ffff).to_be_bytes(), [0, 16, 24, 32][n() as usize % 4]),
            )
        }
        let names: Vec<String> = (0..120).map(|i| format!("t{i}")).collect();
        let policies: Vec<(&str, usize, Selector, Selector)> = names
            .iter()
            .map(|n| {
                let (l, r) = pick(&mut next);
                (n.as_str(), 0, l, r)
            })
            .collect();
        let mut t = SelectorIndex::default();
        // Some SAs before the policies are known, the rest after.
        let mut sas: Vec<(Selector, Selector, Millis, u32, Option<usize>)> = Vec::new();
        for spi in 1..400u32 {
            let created = Millis::from(next() % 1000);
            let (l, r, owner) = if next().is_multiple_of(3) {
                let (l, r) = pick(&mut next);
                (l, r, None)
            } else {
                let p = next() as usize % policies.len();
                (policies[p].2, policies[p].3, Some(p))
            };
            let name = owner.map(|p| policies[p].0.to_string()).unwrap_or(format!("manual{spi}"));
            t.insert(&l, &r, created, spi, (&name, 0));
            sas.push((l, r, created, spi, owner));
            if spi == 150 {
                t.follow_policies(1, || policies.clone());
            }
        }
        for _ in 0..5000 {
            let (s, d) = (Ipv4Addr::from(next() & 0x0a0f_ffff), Ipv4Addr::from(next() & 0x0a0f_ffff));
            let covers = |l: &Selector, r: &Selector| l.contains(s) && r.contains(d);
            // The first policy decides; without one, any covering SA (of no policy).
            let first = policies.iter().position(|p| covers(&p.2, &p.3));
            let want = sas
                .iter()
                .filter(|a| covers(&a.0, &a.1))
                .filter(|a| match first {
                    Some(p) => a.4 == Some(p),
                    None => true,
                })
                .map(|a| (a.4, a.2))
                .max_by_key(|a| a.1);
            let got = t.lookup(s, d).map(|spi| sas.iter().find(|a| a.3 == spi).map(|a| (a.4, a.2)).unwrap());
            assert_eq!(got.map(|g| g.1), want.map(|w| w.1), "{s} -> {d}");
            assert_eq!(got.map(|g| g.0), want.map(|w| w.0), "{s} -> {d}: the SA's policy");
        }
    }
}
