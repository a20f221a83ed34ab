//! Logging in, shared by every dialect: the console login attempt and its
//! log line, the equal-time answer for unknown users, `show users` and
//! `clear line`. Who the users are, their privilege and idle time come from
//! the dialect's running configuration ([`DialectOps`](crate::session::DialectOps): `users_configured`,
//! `authenticate`, `key_user`, `idle_timeout`, the enable secret; SmartEdge
//! `smartedge/users.rs`, IOS `ios/users.rs`).
//!
//! With no user configured nobody can log in (as a router with `login local`
//! and no local user): the server says so in its log.

use crate::passwords;
use crate::session::{Dialect, Router};

pub use crate::session::LoginUser;

/// How long a session may stay idle when the configuration does not say (10 minutes).
pub const DEFAULT_IDLE: std::time::Duration = std::time::Duration::from_secs(600);

/// A hash to check a password against when the user does not exist, so the
/// answer takes as long either way.
const DUMMY_MD5: &str = "$1$edgesh00$u4Dl5Xl8Vtz1iAQcrMZlD/";

/// The answer for a user who does not exist: `None`, after as much work as
/// checking a password takes.
pub fn no_such_user(password: &str) -> Option<LoginUser> {
    let _ = passwords::md5_crypt_verify(password, DUMMY_MD5);
    None
}

/// One console login attempt (`--login`): check the user and password and
/// write the log line (success or failure; never the password). Returns the
/// user, and the log line for standard error.
pub fn console_attempt(r: &mut Router, dialect: Dialect, user: &str, password: &str) -> (Option<LoginUser>, String) {
    match dialect.ops().authenticate(r, user, password) {
        Some(u) => {
            let line = r.log_event(
                "SEC_LOGIN",
                5,
                "LOGIN_SUCCESS",
                &format!("Login Success [user: {}] [Source: console]", u.name),
            );
            (Some(u), line)
        }
        None => {
            let shown: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
            let line = r.log_event(
                "SEC_LOGIN",
                4,
                "LOGIN_FAILED",
                &format!("Login failed [user: {shown}] [Source: console] [Reason: Login Authentication Failed]"),
            );
            (None, line)
        }
    }
}

/// What a console says before `Username:`, and when logins are impossible.
pub const LOGIN_BANNER: &str = "User Access Verification";
pub const LOGIN_DISABLED: &str = "% Login disabled: no user is configured (IOS `username NAME privilege 15 secret PASSWORD`, SmartEdge `administrator NAME password PASSWORD`)";

fn hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `show users` / `show sessions`: who is logged in, on which line, from
/// where, idle for how long; `*` marks the asking session.
pub fn show_users(s: &crate::session::Session, out: &mut dyn crate::out::Out) {
    let r = s.router();
    let now = r.now();
    out.line("    Line       User       Host(s)              Idle       Location");
    if s.login_id.is_none() {
        out.line(&format!("*  0 con 0     {:<10} idle                 00:00:00", s.user));
    }
    for (id, e) in &r.logins {
        let me = if Some(*id) == s.login_id { '*' } else { ' ' };
        let idle = if Some(*id) == s.login_id { 0 } else { now.saturating_sub(e.last) };
        out.line(
            format!("{me}{:>3} {:<9} {:<10} idle                 {} {}", id, e.line, e.user, hms(idle), e.from)
                .trim_end(),
        );
    }
}

/// `clear line N` / `clear session N`: ask the server to close that session.
pub fn clear_line(
    s: &mut crate::session::Session,
    id: u64,
    out: &mut dyn crate::out::Out,
) -> crate::session::CmdResult {
    if s.login_id == Some(id) {
        return Err("Cannot clear your own session; use exit".into());
    }
    let user = s.user.clone();
    let mut r = s.router();
    let Some(e) = r.logins.get(&id).cloned() else { return Err(format!("No session {id}")) };
    r.clear_requests.insert(id);
    r.log_event(
        "SYS",
        5,
        "CLEAR_LINE",
        &format!("session {id} ({} {} from {}) cleared by {user}", e.user, e.line, e.from),
    );
    drop(r);
    out.line("[OK]");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_well_formed() {
        assert!(passwords::is_md5_crypt(DUMMY_MD5));
        assert_eq!(no_such_user("x"), None);
    }
}
