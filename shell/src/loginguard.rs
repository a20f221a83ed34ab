//! Login back-off and lockout per source address and per user, shared by
//! every connection (issue 14.4).
//!
//! Each failed password doubles the delay before the next attempt from
//! that address and for that user name is checked (0.5 s up to 8 s), and
//! attempts are queued one after the other, that delay apart: parallel
//! connections wait their turn instead of each sleeping the same delay. After 10 failures (of an
//! address or of a user name) attempts are refused unchecked for 5 minutes,
//! with one log line when the lockout starts (IOS `login block-for`'s quiet
//! mode). Ten quiet minutes or a success forget an address or a user. At
//! most 4,096 addresses and 4,096 user names are remembered (random names
//! cannot grow the tables); beyond that the oldest are forgotten.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures before a lockout.
pub const LOCK_AFTER: u32 = 10;
/// How long a lockout lasts.
pub const LOCK_FOR: Duration = Duration::from_secs(300);
/// Quiet time after which failures are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Addresses or user names remembered at most.
pub const MAX_ENTRIES: usize = 4096;

/// The delay after `n` failures: 0, 0.5 s, 1 s, 2 s, 4 s, then 8 s.
pub fn delay(n: u32) -> Duration {
    if n == 0 { Duration::ZERO } else { Duration::from_millis(500u64 << (n - 1).min(4)) }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last: Instant,
    /// The earliest time the next attempt is checked.
    next: Instant,
    locked_until: Option<Instant>,
}

#[derive(Debug)]
struct Table<K: Hash + Eq + Clone> {
    map: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new() -> Self {
        Table { map: HashMap::new() }
    }

    fn get(&mut self, k: &K, now: Instant) -> Option<&mut Entry> {
        let stale = self.map.get(k).is_some_and(|e| {
            now.saturating_duration_since(e.last) > FORGET_AFTER && e.locked_until.is_none_or(|t| t <= now)
        });
        if stale {
            self.map.remove(k);
        }
        self.map.get_mut(k)
    }

    fn entry(&mut self, k: &K, now: Instant) -> &mut Entry {
        if self.get(k, now).is_none() {
            if self.map.len() >= MAX_ENTRIES {
                self.map.retain(|_, e| {
                    now.saturating_duration_since(e.last) <= FORGET_AFTER || e.locked_until.is_some_and(|t| t > now)
                });
            }
            if self.map.len() >= MAX_ENTRIES
                && let Some(oldest) = self.map.iter().min_by_key(|(_, e)| e.last).map(|(k, _)| k.clone())
            {
                self.map.remove(&oldest);
            }
            self.map.insert(k.clone(), Entry { failures: 0, last: now, next: now, locked_until: None });
        }
        self.map.get_mut(k).expect("just inserted")
    }
}

/// What to do with a login attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Wait this long, then check the password.
    Check(Duration),
    /// Locked out for this much longer: refuse without checking.
    Locked(Duration),
}

/// The failures of every address and user name.
#[derive(Debug)]
pub struct Backoff {
    sources: Table<IpAddr>,
    users: Table<String>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { sources: Table::new(), users: Table::new() }
    }
}

/// A user name as it may appear in a log line.
fn printable(s: &str) -> String {
    s.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn user_key(user: &str) -> String {
    user.chars().take(64).collect()
}

impl Backoff {
    /// An attempt from `ip` for `user` arrives at `now`: refused, or given
    /// its turn (the later of the address's and the user's next free time),
    /// which moves both on by their current delay.
    pub fn attempt(&mut self, ip: IpAddr, user: &str, now: Instant) -> Verdict {
        let uk = user_key(user);
        let mut locked = Duration::ZERO;
        for e in [self.sources.get(&ip, now).copied(), self.users.get(&uk, now).copied()].into_iter().flatten() {
            if let Some(t) = e.locked_until.filter(|t| *t > now) {
                locked = locked.max(t - now);
            }
        }
        if !locked.is_zero() {
            return Verdict::Locked(locked);
        }
        // The attempt waits the delay of its address and of its user from
        // now, and for the attempts queued before it.
        let s = *self.sources.entry(&ip, now);
        let u = *self.users.entry(&uk, now);
        let at = (now + delay(s.failures)).max(now + delay(u.failures)).max(s.next).max(u.next);
        let s = self.sources.entry(&ip, now);
        s.next = at + delay(s.failures);
        let u = self.users.entry(&uk, now);
        u.next = at + delay(u.failures);
        Verdict::Check(at - now)
    }

    /// The attempt failed. Returns the log text when this failure starts a
    /// lockout (of the address, the user, or both).
    pub fn failed(&mut self, ip: IpAddr, user: &str, now: Instant) -> Option<String> {
        let uk = user_key(user);
        let mut started = Vec::new();
        let s = self.sources.entry(&ip, now);
        s.failures += 1;
        s.last = now;
        if s.failures >= LOCK_AFTER && s.locked_until.is_none_or(|t| t <= now) {
            s.locked_until = Some(now + LOCK_FOR);
            s.failures = 0;
            started.push(format!("source {ip}"));
        }
        let u = self.users.entry(&uk, now);
        u.failures += 1;
        u.last = now;
        if u.failures >= LOCK_AFTER && u.locked_until.is_none_or(|t| t <= now) {
            u.locked_until = Some(now + LOCK_FOR);
            u.failures = 0;
            started.push(format!("user {}", printable(user)));
        }
        (!started.is_empty()).then(|| {
            format!(
                "Logins blocked for {} s after {LOCK_AFTER} failures: {} [Source: {ip}]",
                LOCK_FOR.as_secs(),
                started.join(", ")
            )
        })
    }

    /// A login succeeded: the address and the user start afresh (a lockout stays).
    pub fn succeeded(&mut self, ip: IpAddr, user: &str, now: Instant) {
        if let Some(e) = self.sources.get(&ip, now) {
            e.failures = 0;
            e.next = now;
        }
        if let Some(e) = self.users.get(&user_key(user), now) {
            e.failures = 0;
            e.next = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn parallel_attempts_queue_behind_each_other() {
        let mut b = Backoff::default();
        let t = Instant::now();
        // One failure, then five attempts arriving at once from the same
        // address: each waits its turn, 0.5 s apart and growing.
        assert_eq!(b.attempt(ip(1), "admin", t), Verdict::Check(Duration::ZERO));
        b.failed(ip(1), "admin", t);
        let waits: Vec<Duration> = (0..5)
            .map(|_| match b.attempt(ip(1), "admin", t) {
                Verdict::Check(d) => d,
                v => panic!("{v:?}"),
            })
            .collect();
        for w in waits.windows(2) {
            assert!(w[1] >= w[0] + Duration::from_millis(500), "{waits:?}");
        }
    }

    #[test]
    fn the_user_is_guarded_across_addresses() {
        let mut b = Backoff::default();
        let t = Instant::now();
        for n in 0..3 {
            let _ = b.attempt(ip(n), "admin", t);
            b.failed(ip(n), "admin", t);
        }
        // A fourth address, never seen, still waits for the user's delay.
        match b.attempt(ip(9), "admin", t) {
            Verdict::Check(d) => assert!(d >= Duration::from_secs(2), "{d:?}"),
            v => panic!("{v:?}"),
        }
        // Another user from a fresh address does not.
        assert_eq!(b.attempt(ip(10), "ops", t), Verdict::Check(Duration::ZERO));
    }

    #[test]
    fn lockout_after_ten_failures_then_forgotten() {
        let mut b = Backoff::default();
        let t = Instant::now();
        let mut line = None;
        for n in 0..LOCK_AFTER {
            let _ = b.attempt(ip(1), &format!("user{n}"), t);
            line = b.failed(ip(1), &format!("user{n}"), t);
        }
        let line = line.expect("a lockout line");
        assert!(line.contains("source 192.0.2.1") && line.contains("blocked for 300 s"), "{line}");
        assert!(matches!(b.attempt(ip(1), "anyone", t + Duration::from_secs(10)), Verdict::Locked(_)));
        // Another address is not locked by this one.
        assert!(matches!(b.attempt(ip(2), "anyone", t + Duration::from_secs(10)), Verdict::Check(_)));
        // After the lockout, the address may try again.
        assert!(matches!(b.attempt(ip(1), "anyone", t + LOCK_FOR + Duration::from_secs(1)), Verdict::Check(_)));
    }

    #[test]
    fn the_tables_stay_bounded() {
        let mut b = Backoff::default();
        let t = Instant::now();
        for n in 0..(MAX_ENTRIES + 500) {
            let _ = b.attempt(ip(1), &format!("random{n}"), t);
        }
        assert!(b.users.map.len() <= MAX_ENTRIES);
    }
}
