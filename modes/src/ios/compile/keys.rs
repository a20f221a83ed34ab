//! The pre-shared key IOS uses for a peer: the longest match among one
//! keyring's keys or every key of a front-door VRF (the last of equal
//! prefixes), from tables built once (a scan of every key for every entry
//! was quadratic at 10,000 entries).

use super::gather::KeyLine;
use edgesh_engine::config::Prefix4;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// Pre-shared keys by prefix, for a longest match: (length, network) -> the
/// last key's index, and the lengths present, longest first.
#[derive(Default)]
pub(super) struct KeyTable {
    by_prefix: HashMap<(u8, Ipv4Addr), usize>,
    lens: std::collections::BTreeSet<std::cmp::Reverse<u8>>,
}

impl KeyTable {
    pub fn insert(&mut self, addr: Ipv4Addr, len: u8, i: usize) {
        let len = len.min(32);
        self.by_prefix.insert((len, Prefix4 { addr, len }.network()), i);
        self.lens.insert(std::cmp::Reverse(len));
    }

    pub fn longest(&self, peer: Ipv4Addr) -> Option<usize> {
        self.lens.iter().find_map(|std::cmp::Reverse(len)| {
            self.by_prefix.get(&(*len, Prefix4 { addr: peer, len: *len }.network())).copied()
        })
    }
}

/// Every configured key, by keyring and by front-door VRF.
pub(super) struct Keys<'a> {
    all: &'a [KeyLine],
    by_ring: HashMap<&'a str, KeyTable>,
    by_vrf: HashMap<&'a str, KeyTable>,
}

impl<'a> Keys<'a> {
    pub fn new(all: &'a [KeyLine]) -> Self {
        let (mut by_ring, mut by_vrf) = (HashMap::<&str, KeyTable>::new(), HashMap::<&str, KeyTable>::new());
        for (i, (a, len, _, r, v)) in all.iter().enumerate() {
            by_vrf.entry(v.as_str()).or_default().insert(*a, *len, i);
            if let Some(r) = r {
                by_ring.entry(r.as_str()).or_default().insert(*a, *len, i);
            }
        }
        Keys { all, by_ring, by_vrf }
    }

    /// The longest-match key for `peer`, from keyring `ring`, else from every key of `fvrf`.
    pub fn best(&self, peer: Ipv4Addr, ring: Option<&String>, fvrf: &str) -> Option<String> {
        let table = match ring {
            Some(o) => self.by_ring.get(o.as_str()),
            None => self.by_vrf.get(fvrf),
        };
        table.and_then(|t| t.longest(peer)).map(|i| self.all[i].2.clone())
    }
}
