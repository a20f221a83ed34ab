//! Child SAs in their order (the order the shows list them in), with what
//! makes the per-packet and per-round work of the dataplane's control side
//! independent of their number (issue 19, "SA scale"): the endpoint's one
//! list of children, and the IKEv2 core's own (which the endpoint mirrors).
//! - an index by SPI and direction, so that accounting a report of the
//!   dataplane ([`super::endpoint::Endpoint::account_packets`], and the
//!   IKEv2 core's [`super::v2::Core::account`]) finds its child without a
//!   scan of every child. It names a child by its insertion number, not its
//!   position: the numbers ascend along the list (children are appended,
//!   and a removal keeps the order), so a position is a binary search away
//!   and removing a child renumbers none of the others;
//! - a journal of the pairs installed and removed, in order, which the
//!   driver's SA feed and route table follow ([`Children::take_changes`])
//!   instead of fingerprinting every child at each drain; the IKEv2 core's
//!   list keeps one too, with the IKE SA moves ([`Children::take_mirror`]),
//!   which the endpoint's mirror of it follows child by child instead of
//!   copying every IKEv2 child at each change;
//! - a generation that moves whenever the set of children does, or a child
//!   moves to another IKE SA ([`Children::move_ike`]): what tells the
//!   endpoint its mirror of the IKEv2 children is stale, in O(1).
//!
//! Every structural change goes through [`Children`]'s methods (push,
//! remove, take_where, retain, replace_part, move_ike); the children
//! themselves stay mutable in place (counters, `rekeyed`), but their SPIs
//! and IKE SA must not change there. [`Children::check`] (from
//! `Endpoint::check_index`) asserts the index agrees with the list.

use crate::ike::sa::ChildSa;
use std::collections::{HashMap, HashSet};

/// A change of the set of child SA pairs: (inbound SPI, outbound SPI, installed).
pub type ChildChange = (u32, u32, bool);

/// The changes kept for the driver at most (beyond twice the children):
/// when nobody takes them, the journal gives way to a full comparison.
const JOURNAL_SLACK: usize = 4096;

/// The child SAs, indexed by SPI.
pub struct Children {
    list: Vec<ChildSa>,
    /// The insertion number of each child of `list`, in step with it (ascending).
    seqs: Vec<u64>,
    /// The number the next child appended gets.
    next_seq: u64,
    /// (SPI, inbound) -> (insertion number of the first child with it, children with it).
    by_spi: HashMap<(u32, bool), (u64, u32)>,
    /// Installs and removals since the last take, in order; None once it overflowed.
    changes: Option<Vec<ChildChange>>,
    /// The IKE SA moves ([`Children::move_ike`]) since the last take, kept with the journal.
    moves: Vec<(u32, u32)>,
    generation: u64,
}

impl Default for Children {
    fn default() -> Children {
        Children {
            list: Vec::new(),
            seqs: Vec::new(),
            next_seq: 0,
            by_spi: HashMap::new(),
            changes: Some(Vec::new()),
            moves: Vec::new(),
            generation: 0,
        }
    }
}

impl Children {
    /// A list that keeps no journal (nobody takes its changes).
    pub fn unjournaled() -> Children {
        Children { changes: None, ..Children::default() }
    }

    /// The child whose inbound (or outbound) SPI is `spi`: the first in
    /// order when several have it. O(log n).
    pub fn position(&self, spi: u32, inbound: bool) -> Option<usize> {
        self.by_spi.get(&(spi, inbound)).and_then(|&(s, _)| self.seqs.binary_search(&s).ok())
    }

    /// Moves whenever a child comes or goes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The pairs installed and removed since the last call, in order; None
    /// when they were not all kept (the caller compares the whole list).
    pub fn take_changes(&mut self) -> Option<Vec<ChildChange>> {
        self.moves.clear();
        self.changes.replace(Vec::new())
    }

    /// [`Children::take_changes`] with the IKE SA moves since the last call
    /// (from, to): what a mirror of this list needs to follow it.
    pub fn take_mirror(&mut self) -> Option<(Vec<ChildChange>, Vec<(u32, u32)>)> {
        let moves = std::mem::take(&mut self.moves);
        self.changes.replace(Vec::new()).map(|c| (c, moves))
    }

    /// The child with this pair of SPIs: the index's first with the inbound
    /// SPI when it is the one (O(log n)), else a scan (SPIs shared).
    pub fn position_of_pair(&self, spi_in: u32, spi_out: u32) -> Option<usize> {
        match self.position(spi_in, true) {
            Some(i) if self.list[i].spi_out == spi_out => Some(i),
            Some(_) => self.list.iter().position(|c| (c.spi_in, c.spi_out) == (spi_in, spi_out)),
            None => None,
        }
    }

    fn note(&mut self, spi_in: u32, spi_out: u32, installed: bool) {
        self.generation += 1;
        if let Some(v) = &mut self.changes {
            if v.len() >= JOURNAL_SLACK + 2 * self.list.len() {
                self.changes = None;
            } else {
                v.push((spi_in, spi_out, installed));
            }
        }
    }

    fn keys(c: &ChildSa) -> [(u32, bool); 2] {
        [(c.spi_in, true), (c.spi_out, false)]
    }

    /// Add a child at the end.
    pub fn push(&mut self, c: ChildSa) {
        let s = self.next_seq;
        self.next_seq += 1;
        for k in Self::keys(&c) {
            self.by_spi.entry(k).and_modify(|e| e.1 += 1).or_insert((s, 1));
        }
        self.note(c.spi_in, c.spi_out, true);
        self.list.push(c);
        self.seqs.push(s);
    }

    /// Remove the child at `ci` (those after it move up one). The index
    /// changes only for the removed child's two SPIs (the others keep their
    /// insertion numbers); what is left of O(n) is moving the later
    /// children up in the list, one memmove.
    pub fn remove(&mut self, ci: usize) -> ChildSa {
        let c = self.list.remove(ci);
        let s = self.seqs.remove(ci);
        for k in Self::keys(&c) {
            let Some(e) = self.by_spi.get_mut(&k) else { continue };
            if e.1 <= 1 {
                self.by_spi.remove(&k);
            } else {
                e.1 -= 1;
                if e.0 == s {
                    // It was the first of several with this SPI: the next one (after it) is.
                    let next = self.list[ci..].iter().position(|o| Self::keys(o).contains(&k));
                    if let Some(p) = next {
                        e.0 = self.seqs[ci + p];
                    }
                }
            }
        }
        self.note(c.spi_in, c.spi_out, false);
        c
    }

    /// Remove (and return, in order) the children `f` holds true for, in one
    /// pass; the index is rebuilt once.
    pub fn take_where(&mut self, mut f: impl FnMut(&ChildSa) -> bool) -> Vec<ChildSa> {
        if !self.list.iter().any(&mut f) {
            return Vec::new();
        }
        let (gone, kept): (Vec<ChildSa>, Vec<ChildSa>) = std::mem::take(&mut self.list).into_iter().partition(f);
        self.list = kept;
        for c in &gone {
            self.note(c.spi_in, c.spi_out, false);
        }
        self.reindex();
        gone
    }

    /// The children of IKE SA `from` now belong to `to` (an IKE SA rekeyed).
    pub fn move_ike(&mut self, from: u32, to: u32) {
        let mut moved = false;
        for c in self.list.iter_mut().filter(|c| c.ike == from) {
            c.ike = to;
            moved = true;
        }
        if moved {
            self.generation += 1;
            if self.changes.is_some() {
                self.moves.push((from, to));
            }
        }
    }

    /// Keep the children `keep` holds true for (in order); the index is rebuilt.
    pub fn retain(&mut self, mut keep: impl FnMut(&ChildSa) -> bool) {
        let mut gone = Vec::new();
        self.list.retain(|c| {
            let k = keep(c);
            if !k {
                gone.push((c.spi_in, c.spi_out));
            }
            k
        });
        if gone.is_empty() {
            return;
        }
        for (spi_in, spi_out) in gone {
            self.note(spi_in, spi_out, false);
        }
        self.reindex();
    }

    /// Replace the children `part` holds true for by `new` (after the
    /// others, in its order): a mirror refreshed (the IKEv2 core's
    /// children). A pair in both is no change for the journal (its SAs
    /// carry on); the generation moves.
    pub fn replace_part(&mut self, part: impl Fn(&ChildSa) -> bool, new: impl IntoIterator<Item = ChildSa>) {
        let new: Vec<ChildSa> = new.into_iter().collect();
        let now: HashSet<(u32, u32)> = new.iter().map(|c| (c.spi_in, c.spi_out)).collect();
        let (mut was, mut gone) = (HashSet::new(), Vec::new());
        self.list.retain(|c| {
            if !part(c) {
                return true;
            }
            was.insert((c.spi_in, c.spi_out));
            if !now.contains(&(c.spi_in, c.spi_out)) {
                gone.push((c.spi_in, c.spi_out));
            }
            false
        });
        for (spi_in, spi_out) in gone {
            self.note(spi_in, spi_out, false);
        }
        for c in new.iter().filter(|c| !was.contains(&(c.spi_in, c.spi_out))) {
            self.note(c.spi_in, c.spi_out, true);
        }
        self.generation += 1;
        self.list.extend(new);
        self.reindex();
    }

    /// The index anew (the children numbered from 0 in order).
    fn reindex(&mut self) {
        self.by_spi.clear();
        self.seqs = (0..self.list.len() as u64).collect();
        self.next_seq = self.list.len() as u64;
        for (c, &s) in self.list.iter().zip(&self.seqs) {
            for k in Self::keys(c) {
                self.by_spi.entry(k).and_modify(|e| e.1 += 1).or_insert((s, 1));
            }
        }
    }

    /// Test support: the index agrees with the list.
    #[cfg(test)]
    pub fn check(&self) {
        assert_eq!(self.seqs.len(), self.list.len());
        assert!(self.seqs.windows(2).all(|w| w[0] < w[1]) && self.seqs.last().is_none_or(|&s| s < self.next_seq));
        let mut want: HashMap<(u32, bool), (u64, u32)> = HashMap::new();
        for (c, &s) in self.list.iter().zip(&self.seqs) {
            for k in Self::keys(c) {
                want.entry(k).and_modify(|e| e.1 += 1).or_insert((s, 1));
            }
        }
        assert_eq!(self.by_spi, want, "SPI index of the child SAs");
    }
}

impl std::ops::Deref for Children {
    type Target = [ChildSa];
    fn deref(&self) -> &[ChildSa] {
        &self.list
    }
}

/// In place: counters and flags, never the SPIs (the index would not follow).
impl std::ops::DerefMut for Children {
    fn deref_mut(&mut self) -> &mut [ChildSa] {
        &mut self.list
    }
}

impl<'a> IntoIterator for &'a Children {
    type Item = &'a ChildSa;
    type IntoIter = std::slice::Iter<'a, ChildSa>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl<'a> IntoIterator for &'a mut Children {
    type Item = &'a mut ChildSa;
    type IntoIter = std::slice::IterMut<'a, ChildSa>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kid(spi_in: u32, spi_out: u32, v2: bool) -> ChildSa {
        let mut c = ChildSa::test_value();
        (c.spi_in, c.spi_out) = (spi_in, spi_out);
        c.ike = if v2 { crate::ike::v2::CONN_BASE } else { 1001 };
        c
    }

    fn spis(k: &Children) -> Vec<(u32, u32)> {
        k.iter().map(|c| (c.spi_in, c.spi_out)).collect()
    }

    /// The index gives the first child of an SPI in each direction through
    /// pushes, removals (those after move up), a retain and a mirror
    /// replaced, with SPIs shared by several children (an outbound SPI two
    /// peers chose alike); `check` compares it with a rebuilt one each time.
    #[test]
    fn the_spi_index_follows_every_change_and_finds_the_first_of_duplicates() {
        let mut k = Children::default();
        for (i, o) in [(0x100, 0x900), (0x101, 0x901), (0x102, 0x900), (0x103, 0x903)] {
            k.push(kid(i, o, false));
            k.check();
        }
        assert_eq!(k.position(0x102, true), Some(2));
        assert_eq!(k.position(0x900, false), Some(0), "the first of two");
        assert_eq!(k.position(0x900, true), None, "directions apart");
        assert_eq!(k.position(0x104, true), None);
        let c = k.remove(0);
        assert_eq!((c.spi_in, c.spi_out), (0x100, 0x900));
        k.check();
        assert_eq!(k.position(0x900, false), Some(1), "the next one with it");
        assert_eq!(k.position(0x100, true), None);
        assert_eq!((k.position(0x101, true), k.position(0x103, true)), (Some(0), Some(2)));
        k.remove(1);
        k.check();
        assert_eq!((k.position(0x900, false), k.position(0x103, false)), (None, None));
        assert_eq!(k.position(0x903, false), Some(1));
        for s in 0..50u32 {
            k.push(kid(0x200 + s, 0xa00 + s % 7, s % 3 == 0));
        }
        k.check();
        k.retain(|c| c.spi_in % 2 == 0);
        k.check();
        assert!(k.iter().all(|c| c.spi_in % 2 == 0));
        k.replace_part(|c| crate::ike::v2::is_v2(c.ike), [kid(0x300, 0x901, true), kid(0x301, 0x902, true)]);
        k.check();
        assert_eq!(k.position(0x301, true), Some(k.len() - 1));
        while !k.is_empty() {
            k.remove(k.len() / 2);
            k.check();
        }
        assert!(k.by_spi.is_empty());
    }

    /// The IKEv2 core's list: children taken in one pass (in order, the index
    /// rebuilt), moved to another IKE SA (the generation moves, the journal
    /// stays empty: it keeps none).
    #[test]
    fn take_where_and_move_ike_keep_the_index_and_move_the_generation() {
        let mut k = Children::unjournaled();
        for s in 0..20u32 {
            let mut c = kid(0x400 + s, 0xb00 + s % 5, true);
            c.ike += s % 3;
            k.push(c);
        }
        k.check();
        let ike = crate::ike::v2::CONN_BASE;
        let g = k.generation();
        k.move_ike(ike + 1, ike + 7);
        assert!(k.generation() > g);
        let g = k.generation();
        k.move_ike(ike + 1, ike + 8);
        assert_eq!(k.generation(), g, "nothing moved");
        let gone = k.take_where(|c| c.ike == ike + 7);
        assert_eq!(
            gone.iter().map(|c| c.spi_in).collect::<Vec<_>>(),
            (0..20).filter(|s| s % 3 == 1).map(|s| 0x400 + s).collect::<Vec<_>>()
        );
        k.check();
        assert!(k.generation() > g);
        assert_eq!(k.position(0x401, true), None);
        assert_eq!(k.position(0x402, true), Some(1));
        assert!(k.take_where(|c| c.ike == ike + 7).is_empty());
        assert_eq!(k.take_changes(), None, "no journal");
    }

    /// The journal lists the pairs installed and removed in order; a
    /// mirror refreshed with the same pairs is no change (only the
    /// generation moves); nobody taking it for long gives way to None (a
    /// whole comparison), then it starts again.
    #[test]
    fn the_journal_lists_real_changes_in_order_and_gives_way_when_not_taken() {
        let mut k = Children::default();
        assert_eq!(k.take_changes(), Some(vec![]));
        let g0 = k.generation();
        k.push(kid(1, 2, false));
        k.push(kid(3, 4, true));
        k.push(kid(5, 6, true));
        k.remove(0);
        assert_eq!(k.take_changes(), Some(vec![(1, 2, true), (3, 4, true), (5, 6, true), (1, 2, false)]));
        assert_eq!(k.take_changes(), Some(vec![]), "taken");
        let g1 = k.generation();
        assert!(g1 > g0);
        k.replace_part(|c| crate::ike::v2::is_v2(c.ike), [kid(5, 6, true), kid(3, 4, true)]);
        assert_eq!(k.take_changes(), Some(vec![]), "the same pairs mirrored again");
        assert!(k.generation() > g1);
        assert_eq!(spis(&k), [(5, 6), (3, 4)]);
        k.replace_part(|c| crate::ike::v2::is_v2(c.ike), [kid(5, 6, true), kid(7, 8, true)]);
        assert_eq!(k.take_changes(), Some(vec![(3, 4, false), (7, 8, true)]));
        k.retain(|c| c.spi_in != 7);
        k.retain(|_| true);
        assert_eq!(k.take_changes(), Some(vec![(7, 8, false)]));
        let g2 = k.generation();
        k.retain(|_| true);
        assert_eq!(k.generation(), g2, "nothing went");
        for s in 0..(JOURNAL_SLACK as u32 + 10) {
            k.push(kid(0x1000 + s, 0x1000 + s, false));
            k.remove(k.len() - 1);
        }
        assert_eq!(k.take_changes(), None, "overflowed");
        k.push(kid(9, 10, false));
        assert_eq!(k.take_changes(), Some(vec![(9, 10, true)]));
        k.check();
    }
}
