//! IOS users, read from the running document: `username NAME [privilege N]
//! secret 5|8|9 HASH` or `password 0|7 TEXT` (privilege default 1), `enable
//! secret` (or `enable password`), and `exec-timeout M [S]` under `line
//! vty` (default 10 minutes, `0 0` or `no exec-timeout` never).

use crate::auth::{DEFAULT_IDLE, no_such_user};
use crate::passwords;
use crate::session::{LoginUser, Router};
use std::time::Duration;

/// A configured user line: name, privilege, hash type, stored value.
struct User {
    name: String,
    privilege: u8,
    kind: String,
    stored: String,
}

fn users(r: &Router) -> Vec<User> {
    let mut v = Vec::new();
    for n in &r.ios_doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        if w.first() != Some(&"username") || w.len() < 3 {
            continue;
        }
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
                    let typed = i + 2 < w.len() && w[i + 1].len() == 1 && w[i + 1].chars().all(|c| c.is_ascii_digit());
                    cred = Some(if typed { (w[i + 1], w[i + 2]) } else { ("0", w[i + 1]) });
                    break;
                }
                _ => i += 1,
            }
        }
        if let Some((kind, stored)) = cred {
            v.push(User {
                name: w[1].to_string(),
                privilege: privilege.min(15),
                kind: kind.to_string(),
                stored: stored.to_string(),
            });
        }
    }
    v
}

fn login_user(u: &User) -> LoginUser {
    LoginUser { name: u.name.clone(), privilege: u.privilege, max_privilege: u.privilege, context: "local".into() }
}

/// Is any `username` with a secret or password configured?
pub fn configured(r: &Router) -> bool {
    !users(r).is_empty()
}

/// Check a user name and password (types 0, 5, 7, 8, 9).
pub fn authenticate(r: &Router, user: &str, password: &str) -> Option<LoginUser> {
    match users(r).iter().find(|u| u.name == user) {
        Some(u) => passwords::cisco_verify(password, &u.kind, &u.stored).then(|| login_user(u)),
        None => no_such_user(password),
    }
}

/// The configured user `name`, at its privilege level.
pub fn key_user(r: &Router, name: &str) -> Option<LoginUser> {
    users(r).iter().find(|u| u.name == name).map(login_user)
}

/// `exec-timeout` under `line vty`.
pub fn idle_timeout(r: &Router) -> Option<Duration> {
    let mut t = Some(DEFAULT_IDLE);
    for n in r.ios_doc.root.iter().filter(|n| n.text.starts_with("line vty")) {
        for c in &n.children {
            let w: Vec<&str> = c.text.split_whitespace().collect();
            if w.first() == Some(&"exec-timeout") {
                let m: u64 = w.get(1).and_then(|x| x.parse().ok()).unwrap_or(10);
                let s: u64 = w.get(2).and_then(|x| x.parse().ok()).unwrap_or(0);
                t = if m == 0 && s == 0 { None } else { Some(Duration::from_secs(m * 60 + s)) };
            }
            if c.text == "no exec-timeout" {
                t = None;
            }
        }
    }
    t
}

/// The `enable secret` (or else `enable password`), as (type, stored value).
pub fn enable_secret(r: &Router) -> Option<(String, String)> {
    let mut found = None;
    for n in &r.ios_doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        if w.len() >= 3 && w[0] == "enable" && (w[1] == "secret" || (w[1] == "password" && found.is_none())) {
            let (ty, val) =
                if w.len() >= 4 { (w[2].to_string(), w[3].to_string()) } else { ("0".to_string(), w[2].to_string()) };
            found = Some((ty, val));
        }
    }
    found
}

/// Is `password` the enable secret?
pub fn enable_matches(r: &Router, password: &str) -> bool {
    enable_secret(r).is_some_and(|(ty, val)| passwords::cisco_verify(password, &ty, &val))
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::Config;

    #[test]
    fn users_and_enable() {
        let mut r = Router::new(Config::new("x"), crate::session::Clock::Virtual(0), 1, std::env::temp_dir());
        assert!(!configured(&r));
        let node = |t: &str| crate::ios::Node { text: t.into(), ..Default::default() };
        r.ios_doc.root.push(node("username admin privilege 15 secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        r.ios_doc.root.push(node("username ops password 7 0822455D0A16"));
        r.ios_doc.root.push(node("enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        assert_eq!(authenticate(&r, "admin", "cisco").map(|u| u.privilege), Some(15));
        assert_eq!(authenticate(&r, "ops", "cisco").map(|u| u.privilege), Some(1));
        assert_eq!(authenticate(&r, "admin", "wrong"), None);
        assert_eq!(authenticate(&r, "nobody", "cisco"), None);
        assert_eq!(key_user(&r, "ops").map(|u| (u.privilege, u.max_privilege)), Some((1, 1)));
        assert!(enable_matches(&r, "cisco"));
        assert!(!enable_matches(&r, "x"));
        assert!(configured(&r));
        assert_eq!(idle_timeout(&r), Some(Duration::from_secs(600)));
    }
}
