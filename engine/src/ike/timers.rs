//! Owns every deadline of the endpoint in one table ordered by time, so the
//! next deadline is the first entry (no scan of the SAs) and an expiry finds
//! exactly the SAs and tunnels that are due. Each key has at most one
//! deadline: an SA's is the earliest of its retransmission, DPD, lifetime,
//! rekey and half-open limits; a child SA's the earlier of its rekey and
//! expiry. IKEv2 SAs will use the same keys (their handles are
//! [`SaHandle`]s of the shared SA storage).

use super::params::{HALF_OPEN_TIMEOUT, Millis, REKEY_AT, RETRANSMIT_BASE};
use super::sa::SaHandle;
use super::sa::{ChildSa, IkeSa};
use super::types::Role;
use std::collections::{BTreeSet, HashMap};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimerKey {
    /// The next burst of tunnels started at commit.
    Start,
    /// A static tunnel whose negotiation failed is tried again.
    Retry(String),
    /// Something of this IKE SA (or of its quick modes) is due.
    Sa(SaHandle),
    /// A child SA (by id) is to be rekeyed or has expired.
    Child(u32),
    /// The IKEv2 core's earliest deadline (its SAs and children).
    V2,
}

#[derive(Default)]
pub struct Timers {
    order: BTreeSet<(Millis, TimerKey)>,
    at: HashMap<TimerKey, Millis>,
}

impl Timers {
    /// Set (or with `None` remove) the deadline of `key`.
    pub fn set(&mut self, key: TimerKey, when: Option<Millis>) {
        match when {
            Some(t) => {
                if let Some(old) = self.at.insert(key.clone(), t) {
                    if old == t {
                        return;
                    }
                    self.order.remove(&(old, key.clone()));
                }
                self.order.insert((t, key));
            }
            None => {
                if let Some(old) = self.at.remove(&key) {
                    self.order.remove(&(old, key));
                }
            }
        }
    }

    pub fn get(&self, key: &TimerKey) -> Option<Millis> {
        self.at.get(key).copied()
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Millis> {
        self.order.first().map(|(t, _)| *t)
    }

    /// The keys due at `now`, earliest first (they stay set).
    pub fn due(&self, now: Millis) -> impl Iterator<Item = &TimerKey> + '_ {
        self.order.iter().take_while(move |(t, _)| *t <= now).map(|(_, k)| k)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The earliest time something is due on an IKE SA (what `handle_timeout`
/// checks in `sa_timeout`).
pub(in crate::ike) fn sa_deadline(s: &IkeSa) -> Option<Millis> {
    let mut t: Option<Millis> = None;
    let mut min = |x: Option<Millis>| {
        if let Some(x) = x {
            t = Some(t.map_or(x, |t| t.min(x)));
        }
    };
    min(s.timer);
    min(s.dpd_timer);
    if s.is_established() {
        min(Some(s.expires()));
        if s.role == Role::Initiator && !s.rekeyed {
            min(Some(s.established.unwrap_or(s.created) + s.lifetime as u64 * REKEY_AT));
        }
    } else {
        min(Some(s.created + RETRANSMIT_BASE * 64));
    }
    if s.unanswered() {
        min(Some(s.created + HALF_OPEN_TIMEOUT));
    }
    for q in &s.quick {
        min(q.timer);
    }
    t
}

/// When a child SA is rekeyed (initiator, at 90 % of its lifetime) or expires.
pub(in crate::ike) fn child_deadline(c: &ChildSa) -> Millis {
    let mut t = c.expires();
    if c.role == Role::Initiator && !c.rekeyed {
        t = t.min(c.created + c.lifetime_seconds as u64 * REKEY_AT);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_deadline_per_key_earliest_first() {
        let mut t = Timers::default();
        t.set(TimerKey::Retry("b".into()), Some(50));
        t.set(TimerKey::Start, Some(30));
        t.set(TimerKey::Child(7), Some(10));
        t.set(TimerKey::Child(7), Some(40));
        assert_eq!(t.len(), 3);
        assert_eq!(t.next(), Some(30));
        assert_eq!(t.due(45).cloned().collect::<Vec<_>>(), vec![TimerKey::Start, TimerKey::Child(7)]);
        t.set(TimerKey::Start, None);
        assert_eq!(t.next(), Some(40));
        assert_eq!(t.get(&TimerKey::Retry("b".into())), Some(50));
    }
}
