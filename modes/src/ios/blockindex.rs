//! Finding a top-level block by its header in constant time (issue 14.10):
//! a paste or a file of thousands of `crypto isakmp policy N`, `crypto map
//! M N`, `interface X` blocks used to scan every block before adding one
//! (quadratic). The index belongs to a session and only ever speeds up the
//! search: it is checked against the document on every hit, extended when
//! lines were added at the end, and rebuilt when the document shrank, was
//! replaced, or lost a line before the last one indexed. (A top-level line
//! changed in place is not looked at: IOS does that only to keyed single
//! lines such as `hostname`, never to a block header.)

use super::doc::Node;
use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub struct BlockIndex {
    /// Top-level lines indexed so far.
    len: usize,
    /// The first and the last top-level line indexed (a replaced document,
    /// or a line removed before the last one, shows there).
    first: Option<String>,
    last: Option<String>,
    /// Header text: the first top-level line with it.
    map: HashMap<String, usize>,
}

impl BlockIndex {
    fn rebuild(&mut self, list: &[Node]) {
        *self = BlockIndex::default();
        self.extend(list);
    }

    fn extend(&mut self, list: &[Node]) {
        if self.len == 0 {
            self.first = list.first().map(|n| n.text.clone());
        }
        for (i, n) in list.iter().enumerate().skip(self.len) {
            self.map.entry(n.text.clone()).or_insert(i);
        }
        self.len = list.len();
        self.last = list.last().map(|n| n.text.clone());
    }

    /// Bring the index up to `list`: extended if lines were only added at
    /// the end, else rebuilt.
    pub fn sync(&mut self, list: &[Node]) {
        let same_start = list.first().map(|n| &n.text) == self.first.as_ref();
        let same_last = self.len == 0 || list.get(self.len - 1).map(|n| &n.text) == self.last.as_ref();
        if list.len() < self.len || !same_start || !same_last {
            self.rebuild(list);
        } else {
            self.extend(list);
        }
    }

    /// The position of the first top-level line `header`, as
    /// `list.iter().position(|n| n.text == header)` would say.
    pub fn find(&mut self, list: &[Node], header: &str) -> Option<usize> {
        self.sync(list);
        match self.map.get(header) {
            Some(&i) if list.get(i).is_some_and(|n| n.text == header) => Some(i),
            Some(_) => {
                self.rebuild(list);
                list.iter().position(|n| n.text == header)
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(t: &str) -> Node {
        Node { text: t.into(), ..Default::default() }
    }

    #[test]
    fn finds_as_position_does() {
        let mut ix = BlockIndex::default();
        let mut list = vec![node("a"), node("b")];
        assert_eq!(ix.find(&list, "b"), Some(1));
        list.push(node("c"));
        assert_eq!(ix.find(&list, "c"), Some(2));
        assert_eq!(ix.find(&list, "zz"), None);
        // Removed before it: the index notices.
        list.remove(0);
        assert_eq!(ix.find(&list, "c"), Some(1));
        // Removed before the last indexed line, and more added after.
        let mut ix = BlockIndex::default();
        let mut l = vec![node("a"), node("b")];
        assert_eq!(ix.find(&l, "zz"), None);
        l.push(node("i"));
        ix.sync(&l);
        l.push(node("r"));
        l.remove(1);
        l.push(node("n"));
        l.push(node("m"));
        assert_eq!(ix.find(&l, "i"), Some(1));
        // A replaced document of the same length.
        let list2 = vec![node("x"), node("c")];
        assert_eq!(ix.find(&list2, "x"), Some(0));
        assert_eq!(ix.find(&list2, "c"), Some(1));
    }

    #[test]
    fn random_edits_never_mislead_it() {
        // Pushes, removals anywhere, replacements and lookups, checked against position().
        let mut seed = 12345u64;
        let mut rnd = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut ix = BlockIndex::default();
        let mut list: Vec<Node> = Vec::new();
        for _ in 0..20_000 {
            let t = format!("h{}", rnd(40));
            match rnd(10) {
                0..=3 if ix.find(&list, &t).is_none() => {
                    list.push(node(&t));
                    ix.sync(&list);
                }
                4 if !list.is_empty() => {
                    let i = rnd(list.len() as u64) as usize;
                    list.remove(i);
                }
                5 if !list.is_empty() => {
                    // Keyed lines (`hostname`, `logging buffered`) change in place, never into a block header.
                    let i = rnd(list.len() as u64) as usize;
                    list[i] = node(&format!("k{}", rnd(40)));
                }
                6 => list.push(node(&t)),
                _ => {}
            }
            let q = format!("h{}", rnd(40));
            assert_eq!(
                ix.find(&list, &q),
                list.iter().position(|n| n.text == q),
                "{q} in {:?}",
                list.iter().map(|n| &n.text).collect::<Vec<_>>()
            );
        }
    }
}
