//! Owns where IKE SAs live: a slab addressed by stable [`SaHandle`]s (a
//! handle stays valid until its SA is removed, whatever else comes and
//! goes), with the two indexes a received message and the `show` commands
//! need: by connection id (`conn`, allocated increasing, so iteration is in
//! creation order) and by initiator cookie.
//!
//! The table is generic over the SA type ([`SaEntry`]): IKEv1 stores its
//! `IkeSa` here today; IKEv2 will plug in either with its own `SaTable` of
//! v2 SAs (sharing handles, the cookie/SPI index and the timer table of
//! [`super::timers`], whose keys are handles), or by making the stored type
//! an enum of the two versions. Nothing in the table knows an exchange.
//!
//! Every mutable access (`table[h]` as a place, insert, remove) records the
//! handle as *dirty*; the endpoint recomputes the deadlines of dirty SAs in
//! the timer table once per input, so a deadline can never be forgotten.

use slab::Slab;
use std::collections::{BTreeMap, HashMap};

/// A stable reference to an SA in an [`SaTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaHandle(usize);

/// What the table needs to know of an SA to index it.
pub trait SaEntry {
    /// The connection id (unique, allocated increasing).
    fn conn(&self) -> u32;
    /// The initiator's cookie (IKEv1) or SPI (IKEv2); fixed once inserted.
    fn icookie(&self) -> [u8; 8];
}

pub struct SaTable<T> {
    slab: Slab<T>,
    by_conn: BTreeMap<u32, SaHandle>,
    by_cookie: HashMap<[u8; 8], Vec<SaHandle>>,
    dirty: Vec<SaHandle>,
}

impl<T> Default for SaTable<T> {
    fn default() -> Self {
        SaTable { slab: Slab::new(), by_conn: BTreeMap::new(), by_cookie: HashMap::new(), dirty: Vec::new() }
    }
}

impl<T: SaEntry> SaTable<T> {
    pub fn insert(&mut self, sa: T) -> SaHandle {
        let (conn, ic) = (sa.conn(), sa.icookie());
        let h = SaHandle(self.slab.insert(sa));
        self.by_conn.insert(conn, h);
        self.by_cookie.entry(ic).or_default().push(h);
        self.dirty.push(h);
        h
    }

    pub fn remove(&mut self, h: SaHandle) -> T {
        let sa = self.slab.remove(h.0);
        self.by_conn.remove(&sa.conn());
        if let std::collections::hash_map::Entry::Occupied(mut e) = self.by_cookie.entry(sa.icookie()) {
            e.get_mut().retain(|&x| x != h);
            if e.get().is_empty() {
                e.remove();
            }
        }
        self.dirty.push(h);
        sa
    }

    pub fn get(&self, h: SaHandle) -> Option<&T> {
        self.slab.get(h.0)
    }

    pub fn contains(&self, h: SaHandle) -> bool {
        self.slab.contains(h.0)
    }

    /// The SA with this connection id.
    pub fn handle_of(&self, conn: u32) -> Option<SaHandle> {
        self.by_conn.get(&conn).copied()
    }

    /// The SAs with this initiator cookie, oldest first.
    pub fn with_cookie(&self, ic: &[u8; 8]) -> impl Iterator<Item = SaHandle> + '_ {
        self.by_cookie.get(ic).into_iter().flatten().copied()
    }

    /// The SAs, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.by_conn.values().map(|h| &self.slab[h.0])
    }

    /// The SAs with their handles, oldest first.
    pub fn handles(&self) -> impl DoubleEndedIterator<Item = (SaHandle, &T)> + '_ {
        self.by_conn.values().map(|h| (*h, &self.slab[h.0]))
    }

    /// The oldest SA for which `f` holds.
    pub fn find(&self, mut f: impl FnMut(&T) -> bool) -> Option<SaHandle> {
        self.handles().find(|(_, s)| f(s)).map(|(h, _)| h)
    }

    pub fn first(&self) -> Option<&T> {
        self.iter().next()
    }

    pub fn len(&self) -> usize {
        self.slab.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    /// The handles changed since the last call (possibly repeated, possibly removed).
    pub(crate) fn take_dirty(&mut self) -> Vec<SaHandle> {
        std::mem::take(&mut self.dirty)
    }

    /// Test support: the indexes agree with the slab.
    #[cfg(test)]
    pub(crate) fn check(&self) {
        assert_eq!(self.by_conn.len(), self.slab.len(), "conn index size");
        let indexed: usize = self.by_cookie.values().map(Vec::len).sum();
        assert_eq!(indexed, self.slab.len(), "cookie index size");
        for (h, s) in self.handles() {
            assert_eq!(self.by_conn.get(&s.conn()), Some(&h));
            assert!(self.by_cookie.get(&s.icookie()).is_some_and(|v| v.contains(&h)), "SA {} not indexed", s.conn());
        }
    }
}

impl<T> std::ops::Index<SaHandle> for SaTable<T> {
    type Output = T;
    fn index(&self, h: SaHandle) -> &T {
        &self.slab[h.0]
    }
}

impl<T> std::ops::IndexMut<SaHandle> for SaTable<T> {
    fn index_mut(&mut self, h: SaHandle) -> &mut T {
        self.dirty.push(h);
        &mut self.slab[h.0]
    }
}

impl<'a, T: SaEntry> IntoIterator for &'a SaTable<T> {
    type Item = &'a T;
    type IntoIter = Box<dyn Iterator<Item = &'a T> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}
