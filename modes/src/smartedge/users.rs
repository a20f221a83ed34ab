//! SmartEdge administrators, read from the running configuration:
//! `administrator NAME encrypted 1 $1$...` in any context (log in as `NAME`
//! or `NAME@CONTEXT`; without a context, `local` first), with `privilege
//! start N` (default 15), `privilege max N` (default 15) and `timeout
//! session idle N`.

use crate::auth::{DEFAULT_IDLE, no_such_user};
use crate::passwords;
use crate::session::{LoginUser, Router};
use edgesh_engine::config::{Administrator, IdleTimeout};
use std::time::Duration;

fn login_user(name: &str, context: &str, a: &Administrator) -> LoginUser {
    let max = a.privilege_max.unwrap_or(15).min(15);
    LoginUser {
        name: name.to_string(),
        privilege: a.privilege_start.unwrap_or(15).min(max),
        max_privilege: max,
        context: context.to_string(),
    }
}

/// Is any administrator configured, in any context?
pub fn configured(r: &Router) -> bool {
    r.running.contexts.values().any(|c| !c.administrators.is_empty())
}

/// Check `NAME[@CONTEXT]` and a password (MD5-crypt).
pub fn authenticate(r: &Router, user: &str, password: &str) -> Option<LoginUser> {
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
            .or_else(|| {
                r.running.contexts.iter().find_map(|(c, cx)| cx.administrators.get(name).map(|a| (c.clone(), a)))
            }),
    };
    match found {
        Some((context, a)) => passwords::md5_crypt_verify(password, &a.hash).then(|| login_user(name, &context, a)),
        None => no_such_user(password),
    }
}

/// The administrator `name` of the first context that has one.
pub fn key_user(r: &Router, name: &str) -> Option<LoginUser> {
    r.running.contexts.iter().find_map(|(c, cx)| cx.administrators.get(name).map(|a| login_user(name, c, a)))
}

/// `timeout session idle` of the administrator (`NAME[@CONTEXT]`).
pub fn idle_timeout(r: &Router, user: &str) -> Option<Duration> {
    let name = user.split('@').next().unwrap_or(user);
    let a = r.running.contexts.values().find_map(|c| c.administrators.get(name));
    match a.map(|a| &a.idle_timeout) {
        Some(IdleTimeout::Never) => None,
        Some(IdleTimeout::Minutes(m)) => Some(Duration::from_secs(u64::from(*m) * 60)),
        _ => Some(DEFAULT_IDLE),
    }
}
