//! ASA users: `username NAME password PASSWORD [privilege N]`, kept as the
//! ASA 9.x keeps it, PBKDF2-hashed (`username NAME password
//! $sha512$5000$SALT$HASH pbkdf2 privilege N`: PBKDF2-HMAC-SHA512, 5,000
//! rounds, base64 salt and hash), and checked at login (console `--login`,
//! SSH). The default privilege is 2, as on the ASA; `privilege 15` logs in
//! at `ciscoasa# `.

use crate::session::{LoginUser, Router};
use base64ct::{Base64, Encoding};

/// The ASA's default user privilege.
pub const DEFAULT_PRIVILEGE: u8 = 2;
const ROUNDS: u32 = 5_000;

/// `$sha512$5000$SALT$HASH` of a password with a 16-byte salt.
pub fn hash(password: &str, salt: &[u8]) -> String {
    let mut out = [0u8; 16];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password.as_bytes(), salt, ROUNDS, &mut out);
    format!("$sha512${ROUNDS}${}${}", Base64::encode_string(salt), Base64::encode_string(&out))
}

/// Does `password` match a stored `$sha512$ROUNDS$SALT$HASH`?
pub fn verify(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let ["", "sha512", rounds, salt, want] = parts.as_slice() else { return false };
    let (Ok(rounds), Ok(salt), Ok(want)) = (rounds.parse::<u32>(), Base64::decode_vec(salt), Base64::decode_vec(want)) else { return false };
    if !(1..=100_000).contains(&rounds) || want.is_empty() || want.len() > 64 {
        return false;
    }
    let mut out = vec![0u8; want.len()];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password.as_bytes(), &salt, rounds, &mut out);
    crate::passwords::ct_eq(&out, &want)
}

/// The configured users: (name, privilege, stored hash).
pub fn users(r: &Router) -> Vec<(String, u8, String)> {
    let mut v = Vec::new();
    for n in &r.asa.doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        if let ["username", name, "password", h, "pbkdf2", rest @ ..] = w.as_slice() {
            let privilege = match rest {
                ["privilege", p] => p.parse().unwrap_or(DEFAULT_PRIVILEGE),
                _ => DEFAULT_PRIVILEGE,
            };
            v.push((name.to_string(), privilege.min(15), h.to_string()));
        }
    }
    v
}

pub fn authenticate(r: &Router, user: &str, password: &str) -> Option<LoginUser> {
    match users(r).into_iter().find(|u| u.0 == user) {
        Some((name, privilege, h)) => verify(password, &h).then(|| LoginUser { name, privilege, max_privilege: privilege, context: "local".into() }),
        None => crate::auth::no_such_user(password),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_refuse() {
        let h = hash("cisco123", b"0123456789abcdef");
        assert!(h.starts_with("$sha512$5000$MDEyMzQ1Njc4OWFiY2RlZg==$"), "{h}");
        assert!(verify("cisco123", &h));
        assert!(!verify("cisco124", &h));
        assert!(!verify("cisco123", "$sha512$x$y$z"));
        assert!(!verify("cisco123", "plain"));
    }
}
