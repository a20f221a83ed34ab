//! Logging in and privilege levels of a session: a login's user, level and
//! context; `enable` (up at once where the dialect allows, else the enable
//! secret), `disable`. The dialect's rules come from its `DialectOps`.

use crate::out::Out;
use crate::session::{CmdResult, LoginEntry, LoginUser, Session};

impl Session {
    /// Start a logged-in session for `u`, on `line` (`con 0`, or `vty` for
    /// SSH: the login id is the vty number), from `from`.
    pub fn login(&mut self, u: &LoginUser, vty: bool, from: &str) {
        self.user = u.name.clone();
        self.privilege = u.privilege;
        self.max_privilege = u.max_privilege;
        self.authenticated = true;
        self.ios.privileged = u.privilege >= 15;
        if self.dialect.ops().login_sets_context() && self.router().running.contexts.contains_key(&u.context) {
            self.exec_context = u.context.clone();
        }
        let mut r = self.router();
        let id = r.next_login_id;
        r.next_login_id += 1;
        let now = r.now();
        let line = if vty { format!("vty {id}") } else { "con 0".to_string() };
        r.logins.insert(id, LoginEntry { user: u.name.clone(), line, from: from.to_string(), since: now, last: now });
        drop(r);
        self.login_id = Some(id);
    }

    pub(crate) fn set_privilege(&mut self, level: u8) {
        self.privilege = level;
        self.ios.privileged = level >= 15;
    }

    /// `enable [LEVEL]`: go up at once if allowed, else ask for the enable
    /// secret (the terminal prints `Password: ` and calls [`Session::enter_secret`]).
    pub fn request_enable(&mut self, level: u8, out: &mut dyn Out) -> CmdResult {
        let _ = out;
        // SmartEdge: up to `privilege max` without a password. IOS: only
        // down without the enable secret.
        let ops = self.dialect.ops();
        let secret_set = ops.enable_secret_set(&self.router());
        if level <= self.privilege
            || (ops.enable_up_to_max() && level <= self.max_privilege)
            || (!self.authenticated && !secret_set)
        {
            self.set_privilege(level.max(self.privilege));
            return Ok(());
        }
        let has_secret = secret_set && ops.enable_asks_secret();
        if has_secret {
            self.wants_secret = Some(level);
            self.secret_tries = 0;
            return Ok(());
        }
        if !self.authenticated {
            self.set_privilege(level);
            return Ok(());
        }
        Err(ops.enable_denied(self))
    }

    /// The secret typed after `enable`'s `Password:`. IOS asks three times.
    pub fn enter_secret(&mut self, password: &str, out: &mut dyn Out) -> bool {
        let Some(level) = self.wants_secret else { return false };
        if self.dialect.ops().enable_secret_matches(&self.router(), password) {
            crate::privauth::succeeded(&mut self.router(), &self.user);
            self.wants_secret = None;
            self.set_privilege(level);
            return true;
        }
        crate::privauth::failed(&mut self.router(), &self.user, level, self.login_id);
        self.secret_tries += 1;
        if self.secret_tries >= 3 {
            self.wants_secret = None;
            out.line("% Bad secrets");
            out.line("");
            self.rejected += 1;
            return false;
        }
        false
    }

    /// `disable [LEVEL]`.
    pub fn disable(&mut self, level: Option<u8>) {
        self.set_privilege(level.unwrap_or(1).min(self.privilege));
    }
}
