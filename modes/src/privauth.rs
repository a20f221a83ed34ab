//! Failed `enable` secrets (issue 14.4): counted per user across every
//! session of the router, logged as IOS does (`%SYS-5-PRIV_AUTH_FAIL:
//! Authentication to Privilege level 15 failed by USER on vty3
//! (192.0.2.9)`), and delayed: after the n-th failure in a row the user's
//! sessions take no input for 1, 2, 4, then 8 seconds (the terminal holds
//! what is typed meanwhile), so a privilege-1 session cannot guess fast.
//! A success, or ten quiet minutes, forget a user's failures. With the
//! virtual clock (golden transcripts, the simulated lab) nothing waits.

pub use crate::enable_failures::EnableFailures;
use crate::session::{Clock, Router};
use std::time::{Duration, Instant};

/// Users remembered at most (a session can only fail as its own user).
const MAX_USERS: usize = 1024;

/// The wait after the n-th failure in a row: 1 s, 2 s, 4 s, then 8 s.
pub fn delay(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(3))
}

/// A failed enable secret by `user` asking for `level`, in the session
/// `login_id` (its line and address go into the log line).
pub fn failed(r: &mut Router, user: &str, level: u8, login_id: Option<u64>) {
    let (line, from) = match login_id.and_then(|id| r.logins.get(&id)) {
        Some(e) => (
            e.line.replace(' ', ""),
            e.from.parse::<std::net::SocketAddr>().map(|a| a.ip().to_string()).unwrap_or_else(|_| e.from.clone()),
        ),
        None => ("con0".to_string(), "console".to_string()),
    };
    let who = if user.is_empty() { "(unknown)" } else { user };
    r.log_event(
        "SYS",
        5,
        "PRIV_AUTH_FAIL",
        &format!("Authentication to Privilege level {level} failed by {who} on {line} ({from})"),
    );
    let now = Instant::now();
    let virtual_clock = matches!(r.engine.clock(), Clock::Virtual(_));
    let f = &mut r.enable_failures;
    f.total += 1;
    if f.users.len() >= MAX_USERS && !f.users.contains_key(user) {
        f.users.retain(|_, e| now.duration_since(e.1) < Duration::from_secs(600));
        if f.users.len() >= MAX_USERS {
            return;
        }
    }
    let e = f.users.entry(user.to_string()).or_insert((0, now, now));
    if now.duration_since(e.1) > Duration::from_secs(600) {
        e.0 = 0;
    }
    e.0 += 1;
    e.1 = now;
    e.2 = if virtual_clock { now } else { now + delay(e.0) };
}

/// The right secret: the user's failures are forgotten.
pub fn succeeded(r: &mut Router, user: &str) {
    r.enable_failures.users.remove(user);
}

/// How long `user`'s sessions must still wait before taking input.
pub fn hold(r: &Router, user: &str) -> Duration {
    r.enable_failures.users.get(user).map(|e| e.2.saturating_duration_since(Instant::now())).unwrap_or_default()
}

/// Failures in a row of `user` (for `show` and tests).
pub fn failures(r: &Router, user: &str) -> u32 {
    r.enable_failures.users.get(user).map(|e| e.0).unwrap_or(0)
}
