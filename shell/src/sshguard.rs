//! What protects the SSH server before anyone has logged in (issue 14.3):
//!
//! * a login grace time: a connection not authenticated after it (120 s by
//!   default, as OpenSSH's `LoginGraceTime`) is disconnected;
//! * a cap on unauthenticated connections with early random drop, as
//!   OpenSSH's `MaxStartups 10:30:100`: below 10 every connection is taken,
//!   at 10 a new one is refused with probability 30 %, rising linearly to
//!   100 % at 100;
//! * a per-source limit: at most 10 unauthenticated connections from one
//!   address at a time.
//!
//! A refused connection is closed before the SSH handshake. Refusals are
//! logged, at most one line per kind every 5 seconds, with the number of
//! refusals that line stands for. The numbers come from the command line
//! (`--ssh-login-grace`, `--ssh-max-startups`, `--ssh-per-source`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The limits, OpenSSH's defaults unless told otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub grace: Duration,
    /// `MaxStartups START:RATE:FULL`.
    pub start: usize,
    pub rate: u32,
    pub full: usize,
    /// Unauthenticated connections from one address.
    pub per_source: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { grace: Duration::from_secs(120), start: 10, rate: 30, full: 100, per_source: 10 }
    }
}

impl Limits {
    /// `START:RATE:FULL` (or a single number: refuse all beyond it).
    pub fn set_max_startups(&mut self, s: &str) -> Result<(), String> {
        let bad = || format!("--ssh-max-startups needs START:RATE:FULL (as 10:30:100), not {s}");
        let parts: Vec<&str> = s.split(':').collect();
        match parts.as_slice() {
            [n] => {
                let n: usize = n.parse().map_err(|_| bad())?;
                (self.start, self.rate, self.full) = (n, 100, n);
            }
            [a, b, c] => {
                let (a, b, c): (usize, u32, usize) =
                    (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?, c.parse().map_err(|_| bad())?);
                if a == 0 || b > 100 || c < a {
                    return Err(bad());
                }
                (self.start, self.rate, self.full) = (a, b, c);
            }
            _ => return Err(bad()),
        }
        Ok(())
    }
}

static LIMITS: Mutex<Option<Limits>> = Mutex::new(None);

/// Set the limits the SSH server starts with (from the command line).
pub fn set_limits(l: Limits) {
    *LIMITS.lock().unwrap_or_else(|e| e.into_inner()) = Some(l);
}

/// The limits in force.
pub fn limits() -> Limits {
    LIMITS.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// `FULL` unauthenticated connections are open.
    Full,
    /// Between `START` and `FULL`: refused at random.
    Early,
    /// Too many unauthenticated connections from this address.
    PerSource,
}

/// The unauthenticated connections, counted.
#[derive(Debug)]
pub struct Gate {
    pub limits: Limits,
    per_ip: HashMap<IpAddr, usize>,
    total: usize,
    /// Refusals by kind: (since the last log line, last log line).
    pending: HashMap<Refusal, (u64, Option<Instant>)>,
    /// Every refusal since the start.
    pub refused: u64,
}

impl Gate {
    pub fn new(limits: Limits) -> Gate {
        Gate { limits, per_ip: HashMap::new(), total: 0, pending: HashMap::new(), refused: 0 }
    }

    /// Unauthenticated connections open now.
    pub fn unauthenticated(&self) -> usize {
        self.total
    }

    /// May a new connection from `ip` start? `roll` is a random number in
    /// 0..100 (the early drop's dice).
    pub fn admit(&mut self, ip: IpAddr, roll: u32) -> Result<(), Refusal> {
        let l = &self.limits;
        let from_ip = self.per_ip.get(&ip).copied().unwrap_or(0);
        let refusal = if from_ip >= l.per_source {
            Some(Refusal::PerSource)
        } else if self.total >= l.full {
            Some(Refusal::Full)
        } else if self.total >= l.start {
            // OpenSSH's drop_connection(): RATE % at START, 100 % at FULL.
            let span = (l.full - l.start).max(1) as u64;
            let p = u64::from(l.rate) + (100 - u64::from(l.rate)) * (self.total - l.start) as u64 / span;
            (u64::from(roll) < p).then_some(Refusal::Early)
        } else {
            None
        };
        if let Some(r) = refusal {
            self.refused += 1;
            self.pending.entry(r).or_insert((0, None)).0 += 1;
            return Err(r);
        }
        *self.per_ip.entry(ip).or_insert(0) += 1;
        self.total += 1;
        Ok(())
    }

    /// The connection from `ip` authenticated or ended.
    pub fn release(&mut self, ip: IpAddr) {
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
            self.total = self.total.saturating_sub(1);
        }
    }

    /// The log line for a refusal of this kind, if one is due (at most one
    /// every 5 seconds per kind; it says how many refusals it stands for).
    pub fn log_line(&mut self, ip: IpAddr, r: Refusal, now: Instant) -> Option<String> {
        let e = self.pending.entry(r).or_insert((0, None));
        if e.1.is_some_and(|t| now.duration_since(t) < Duration::from_secs(5)) {
            return None;
        }
        let n = std::mem::take(&mut e.0);
        e.1 = Some(now);
        let l = &self.limits;
        let why = match r {
            Refusal::Full => format!(
                "{} unauthenticated connections open (MaxStartups {}:{}:{})",
                self.total, l.start, l.rate, l.full
            ),
            Refusal::Early => format!(
                "{} unauthenticated connections open, early random drop (MaxStartups {}:{}:{})",
                self.total, l.start, l.rate, l.full
            ),
            Refusal::PerSource => {
                format!("{} unauthenticated connections from this address (per-source limit)", l.per_source)
            }
        };
        let more = if n > 1 {
            format!("; {} connection{} refused for this reason in the last 5 s", n, if n == 2 { "" } else { "s" })
        } else {
            String::new()
        };
        Some(format!("SSH connection from {ip} refused: {why}{more}"))
    }
}

/// A place among the unauthenticated connections, given back when dropped.
pub struct Slot {
    gate: Arc<Mutex<Gate>>,
    ip: IpAddr,
}

impl Slot {
    pub fn take(gate: &Arc<Mutex<Gate>>, ip: IpAddr, roll: u32) -> Result<Slot, Refusal> {
        gate.lock().unwrap_or_else(|e| e.into_inner()).admit(ip, roll)?;
        Ok(Slot { gate: gate.clone(), ip })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gate.lock().unwrap_or_else(|e| e.into_inner()).release(self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn max_startups_drops_early_and_at_random_then_all() {
        let mut g = Gate::new(Limits { per_source: 1000, ..Limits::default() });
        // Below START everything is taken, whatever the dice say.
        for _ in 0..10 {
            assert!(g.admit(ip(1), 0).is_ok());
        }
        // At START: refused when the dice fall under 30.
        assert_eq!(g.admit(ip(1), 29), Err(Refusal::Early));
        assert!(g.admit(ip(1), 30).is_ok());
        // Halfway (55 open): 30 + 70 * 45 / 90 = 65 %.
        while g.unauthenticated() < 55 {
            g.admit(ip(1), 99).unwrap();
        }
        assert_eq!(g.admit(ip(1), 64), Err(Refusal::Early));
        assert!(g.admit(ip(1), 65).is_ok());
        while g.unauthenticated() < 100 {
            let _ = g.admit(ip(1), 99);
        }
        assert_eq!(g.admit(ip(1), 99), Err(Refusal::Full));
        g.release(ip(1));
        assert!(g.admit(ip(1), 99).is_ok());
    }

    #[test]
    fn per_source_limit() {
        let mut g = Gate::new(Limits::default());
        for _ in 0..10 {
            g.admit(ip(1), 99).unwrap();
        }
        assert_eq!(g.admit(ip(1), 99), Err(Refusal::PerSource));
        // Another address is not held by the first one's limit.
        assert_eq!(g.admit(ip(2), 99), Ok(()));
        g.release(ip(1));
        assert_eq!(g.admit(ip(1), 99), Ok(()));
    }

    #[test]
    fn slots_are_given_back() {
        let gate = Arc::new(Mutex::new(Gate::new(Limits::default())));
        let s: Vec<Slot> = (0..10).map(|_| Slot::take(&gate, ip(1), 99).ok().unwrap()).collect();
        assert!(Slot::take(&gate, ip(1), 99).is_err());
        drop(s);
        assert_eq!(gate.lock().unwrap().unauthenticated(), 0);
        assert!(Slot::take(&gate, ip(1), 99).is_ok());
    }

    #[test]
    fn refusals_are_logged_at_most_every_5_s_with_a_count() {
        let mut g = Gate::new(Limits { per_source: 0, ..Limits::default() });
        let t = Instant::now();
        assert!(g.admit(ip(1), 0).is_err());
        let l = g.log_line(ip(1), Refusal::PerSource, t).unwrap();
        assert!(l.contains("refused") && l.contains("per-source limit"), "{l}");
        for _ in 0..7 {
            assert!(g.admit(ip(1), 0).is_err());
            assert_eq!(g.log_line(ip(1), Refusal::PerSource, t + Duration::from_secs(1)), None);
        }
        let l = g.log_line(ip(1), Refusal::PerSource, t + Duration::from_secs(6)).unwrap();
        assert!(l.contains("7 connections refused"), "{l}");
        assert_eq!(g.refused, 8);
    }

    #[test]
    fn max_startups_option() {
        let mut l = Limits::default();
        l.set_max_startups("5:50:20").unwrap();
        assert_eq!((l.start, l.rate, l.full), (5, 50, 20));
        l.set_max_startups("3").unwrap();
        assert_eq!((l.start, l.rate, l.full), (3, 100, 3));
        assert!(l.set_max_startups("10:130:100").is_err());
        assert!(l.set_max_startups("x").is_err());
    }
}
