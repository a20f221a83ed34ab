//! Who may log in, at which privilege level, and for how long they may stay idle.
//!
//! Users come from the running configuration of the session's dialect:
//!
//! * SmartEdge: `administrator NAME encrypted 1 $1$...` in any context (log
//!   in as `NAME` or `NAME@CONTEXT`), with `privilege start N` (default 15),
//!   `privilege max N` (default 15) and `timeout session idle N`.
//! * IOS: `username NAME [privilege N] secret 5|8|9 HASH` or `password 0|7
//!   TEXT` (privilege default 1), `enable secret`, and `exec-timeout M [S]`
//!   under `line vty` (default 10 minutes, `0 0` never).
//!
//! With no user configured nobody can log in (as a router with `login local`
//! and no local user): the server says so in its log.

use crate::passwords;
use crate::session::{Dialect, Router};
use edgesh_engine::config::IdleTimeout;

/// A user who logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginUser {
    pub name: String,
    /// Privilege level at login.
    pub privilege: u8,
    /// Highest level `enable` may reach without the enable secret.
    pub max_privilege: u8,
    /// The context a SmartEdge administrator starts in.
    pub context: String,
}

/// A configured IOS user line: name, privilege, hash type, stored value.
fn ios_users(r: &Router) -> Vec<(String, u8, String, String)> {
    let mut v = Vec::new();
    for n in &r.ios_doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        if w.first() != Some(&"username") || w.len() < 3 {
            continue;
        }
        let name = w[1].to_string();
        let mut privilege = 1u8;
        let mut cred = None;
        let mut i = 2;
        while i < w.len() {
            match w[i] {
                "privilege" if i + 1 < w.len() => {
                    privilege = w[i + 1].parse().unwrap_or(1);
                    i += 2;
                }
                "secret" | "password" if i + 1 < w.len() => {
                    let (ty, val) = if i + 2 < w.len() && w[i + 1].len() == 1 && w[i + 1].chars().all(|c| c.is_ascii_digit()) {
                        (w[i + 1].to_string(), w[i + 2].to_string())
                    } else {
                        ("0".to_string(), w[i + 1].to_string())
                    };
                    cred = Some((ty, val));
                    break;
                }
                _ => i += 1,
            }
        }
        if let Some((ty, val)) = cred {
            v.push((name, privilege, ty, val));
        }
    }
    v
}

/// The privilege of a configured IOS user.
pub fn ios_user_privilege(r: &Router, name: &str) -> Option<u8> {
    ios_users(r).into_iter().find(|u| u.0 == name).map(|u| u.1.min(15))
}

/// Is any user configured for this dialect?
pub fn users_configured(r: &Router, dialect: Dialect) -> bool {
    match dialect {
        Dialect::Ios => !ios_users(r).is_empty(),
        // ASA users are not modelled yet: the console needs no login.
        Dialect::Asa => false,
        Dialect::SmartEdge => r.running.contexts.values().any(|c| !c.administrators.is_empty()),
    }
}

/// A hash to check a password against when the user does not exist, so the
/// answer takes as long either way.
const DUMMY_MD5: &str = "$1$edgesh00$u4Dl5Xl8Vtz1iAQcrMZlD/";

/// Check a user name and password. `None` for a wrong password and for an
/// unknown user alike (the caller must not tell them apart).
pub fn authenticate(r: &Router, dialect: Dialect, user: &str, password: &str) -> Option<LoginUser> {
    match dialect {
        Dialect::Ios => {
            let users = ios_users(r);
            match users.iter().find(|(n, ..)| n == user) {
                Some((name, privilege, ty, val)) => passwords::cisco_verify(password, ty, val).then(|| LoginUser {
                    name: name.clone(),
                    privilege: (*privilege).min(15),
                    max_privilege: (*privilege).min(15),
                    context: "local".into(),
                }),
                None => {
                    let _ = passwords::md5_crypt_verify(password, DUMMY_MD5);
                    None
                }
            }
        }
        Dialect::Asa => None,
        Dialect::SmartEdge => {
            let (name, ctx) = match user.split_once('@') {
                Some((n, c)) => (n, Some(c)),
                None => (user, None),
            };
            let found = match ctx {
                Some(c) => r.running.contexts.get(c).and_then(|cx| cx.administrators.get(name)).map(|a| (c.to_string(), a)),
                None => r
                    .running
                    .contexts
                    .get("local")
                    .and_then(|cx| cx.administrators.get(name))
                    .map(|a| ("local".to_string(), a))
                    .or_else(|| r.running.contexts.iter().find_map(|(c, cx)| cx.administrators.get(name).map(|a| (c.clone(), a)))),
            };
            match found {
                Some((context, a)) => passwords::md5_crypt_verify(password, &a.hash).then(|| {
                    let max = a.privilege_max.unwrap_or(15).min(15);
                    LoginUser { name: name.to_string(), privilege: a.privilege_start.unwrap_or(15).min(max), max_privilege: max, context }
                }),
                None => {
                    let _ = passwords::md5_crypt_verify(password, DUMMY_MD5);
                    None
                }
            }
        }
    }
}

/// One console login attempt (`--login`): check the user and password and
/// write the log line (success or failure; never the password). Returns the
/// user, and the log line for standard error.
pub fn console_attempt(r: &mut Router, dialect: Dialect, user: &str, password: &str) -> (Option<LoginUser>, String) {
    match authenticate(r, dialect, user, password) {
        Some(u) => {
            let line = r.log_event("SEC_LOGIN", 5, "LOGIN_SUCCESS", &format!("Login Success [user: {}] [Source: console]", u.name));
            (Some(u), line)
        }
        None => {
            let shown: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
            let line = r.log_event("SEC_LOGIN", 4, "LOGIN_FAILED", &format!("Login failed [user: {shown}] [Source: console] [Reason: Login Authentication Failed]"));
            (None, line)
        }
    }
}

/// What a console says before `Username:`, and when logins are impossible.
pub const LOGIN_BANNER: &str = "User Access Verification";
pub const LOGIN_DISABLED: &str = "% Login disabled: no user is configured (IOS `username NAME privilege 15 secret PASSWORD`, SmartEdge `administrator NAME password PASSWORD`)";

/// The result of checking the enable secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnableCheck {
    /// No enable secret is configured.
    NoSecret,
    Good,
    Bad,
}

/// The IOS `enable secret` (or `enable password`), as (type, stored value).
pub fn enable_secret(r: &Router) -> Option<(String, String)> {
    let mut found = None;
    for n in &r.ios_doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        if w.len() >= 3 && w[0] == "enable" && (w[1] == "secret" || (w[1] == "password" && found.is_none())) {
            let (ty, val) = if w.len() >= 4 { (w[2].to_string(), w[3].to_string()) } else { ("0".to_string(), w[2].to_string()) };
            found = Some((ty, val));
        }
    }
    found
}

/// Check a typed enable secret.
pub fn check_enable(r: &Router, password: &str) -> EnableCheck {
    match enable_secret(r) {
        None => EnableCheck::NoSecret,
        Some((ty, val)) if passwords::cisco_verify(password, &ty, &val) => EnableCheck::Good,
        Some(_) => EnableCheck::Bad,
    }
}

/// How long a session of this user may stay idle (`None`: never times out).
pub fn idle_timeout(r: &Router, dialect: Dialect, user: &str) -> Option<std::time::Duration> {
    const DEFAULT: u64 = 600;
    match dialect {
        Dialect::Ios => {
            let mut t = Some(DEFAULT);
            for n in r.ios_doc.root.iter().filter(|n| n.text.starts_with("line vty")) {
                for c in &n.children {
                    let w: Vec<&str> = c.text.split_whitespace().collect();
                    if w.first() == Some(&"exec-timeout") {
                        let m: u64 = w.get(1).and_then(|x| x.parse().ok()).unwrap_or(10);
                        let s: u64 = w.get(2).and_then(|x| x.parse().ok()).unwrap_or(0);
                        t = if m == 0 && s == 0 { None } else { Some(m * 60 + s) };
                    }
                    if c.text == "no exec-timeout" {
                        t = None;
                    }
                }
            }
            t.map(std::time::Duration::from_secs)
        }
        Dialect::Asa => Some(std::time::Duration::from_secs(DEFAULT)),
        Dialect::SmartEdge => {
            let name = user.split('@').next().unwrap_or(user);
            let a = r.running.contexts.values().find_map(|c| c.administrators.get(name));
            match a.map(|a| &a.idle_timeout) {
                Some(IdleTimeout::Never) => None,
                Some(IdleTimeout::Minutes(m)) => Some(std::time::Duration::from_secs(u64::from(*m) * 60)),
                _ => Some(std::time::Duration::from_secs(DEFAULT)),
            }
        }
    }
}

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
        out.line(format!("{me}{:>3} {:<9} {:<10} idle                 {} {}", id, e.line, e.user, hms(idle), e.from).trim_end());
    }
}

/// `clear line N` / `clear session N`: ask the server to close that session.
pub fn clear_line(s: &mut crate::session::Session, id: u64, out: &mut dyn crate::out::Out) -> crate::session::CmdResult {
    if s.login_id == Some(id) {
        return Err("Cannot clear your own session; use exit".into());
    }
    let user = s.user.clone();
    let mut r = s.router();
    let Some(e) = r.logins.get(&id).cloned() else { return Err(format!("No session {id}")) };
    r.clear_requests.insert(id);
    r.log_event("SYS", 5, "CLEAR_LINE", &format!("session {id} ({} {} from {}) cleared by {user}", e.user, e.line, e.from));
    drop(r);
    out.line("[OK]");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::Config;

    #[test]
    fn dummy_hash_is_well_formed() {
        assert!(passwords::is_md5_crypt(DUMMY_MD5) || DUMMY_MD5.starts_with("$1$"));
    }

    #[test]
    fn ios_users_and_enable() {
        let mut r = Router::new(Config::new("x"), crate::session::Clock::Virtual(0), 1, std::env::temp_dir());
        let node = |t: &str| crate::ios::Node { text: t.into(), ..Default::default() };
        r.ios_doc.root.push(node("username admin privilege 15 secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        r.ios_doc.root.push(node("username ops password 7 0822455D0A16"));
        r.ios_doc.root.push(node("enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        assert_eq!(authenticate(&r, Dialect::Ios, "admin", "cisco").map(|u| u.privilege), Some(15));
        assert_eq!(authenticate(&r, Dialect::Ios, "ops", "cisco").map(|u| u.privilege), Some(1));
        assert_eq!(authenticate(&r, Dialect::Ios, "admin", "wrong"), None);
        assert_eq!(authenticate(&r, Dialect::Ios, "nobody", "cisco"), None);
        assert_eq!(check_enable(&r, "cisco"), EnableCheck::Good);
        assert_eq!(check_enable(&r, "x"), EnableCheck::Bad);
        assert!(users_configured(&r, Dialect::Ios));
        assert!(!users_configured(&r, Dialect::SmartEdge));
        assert_eq!(idle_timeout(&r, Dialect::Ios, "admin"), Some(std::time::Duration::from_secs(600)));
    }
}
