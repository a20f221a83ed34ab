//! ASA users: `username NAME password PASSWORD [privilege N]`, kept as the
//! ASA 9.x keeps it, PBKDF2-hashed (`username NAME password
//! $sha512$5000$SALT$HASH pbkdf2 privilege N`: PBKDF2-HMAC-SHA512, 5,000
//! rounds, base64 salt and hash), and checked at login (console `--login`,
//! SSH). The default privilege is 2, as on the ASA; `privilege 15` logs in
//! at `ciscoasa# `.

use crate::out::Out;
use crate::session::{Args, CmdResult, LoginUser, Router, Session};
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
    let (Ok(rounds), Ok(salt), Ok(want)) = (rounds.parse::<u32>(), Base64::decode_vec(salt), Base64::decode_vec(want))
    else {
        return false;
    };
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
        Some((name, privilege, h)) => verify(password, &h).then(|| LoginUser {
            name,
            privilege,
            max_privilege: privilege,
            context: "local".into(),
        }),
        None => crate::auth::no_such_user(password),
    }
}

/// The SHA-256 hash of a key blob as the ASA shows it: lower-case hex pairs separated by colons.
pub fn key_hash(blob: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(blob).iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// A hash typed with `hashed`: 32 hex pairs separated by colons, kept in lower case.
fn parse_hash(w: &str) -> Option<String> {
    let parts: Vec<&str> = w.split(':').collect();
    (parts.len() == 32 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit())))
        .then(|| w.to_ascii_lowercase())
}

/// `ssh authentication publickey KEY [hashed]`: stored as its hash, one key per user.
pub fn ssh_publickey(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let w = a.req("WORD")?;
    let h = if a.has("hashed") {
        parse_hash(w).ok_or_else(|| "Invalid SSH public key hash (32 hex pairs separated by colons)".to_string())?
    } else {
        let k = crate::sshconf::ConfKey::parse(w).map_err(|e| format!("Invalid SSH public key: {e}"))?;
        key_hash(&k.blob)
    };
    super::set_line(s, "ssh authentication publickey", &format!("ssh authentication publickey {h} hashed"));
    Ok(())
}

/// The key hashes of a user (`username NAME attributes` / `ssh authentication publickey H hashed`).
pub fn key_hashes(r: &Router, user: &str) -> Vec<String> {
    let head = format!("username {user} attributes");
    r.asa
        .doc
        .root
        .iter()
        .filter(|n| n.text == head)
        .flat_map(|n| n.children.iter())
        .filter_map(|c| {
            let w: Vec<&str> = c.text.split_whitespace().collect();
            match w.as_slice() {
                ["ssh", "authentication", "publickey", h, "hashed"] => Some(h.to_string()),
                _ => None,
            }
        })
        .collect()
}

/// Does this key (its wire-format blob) open `user`'s account?
pub fn key_allowed(r: &Router, user: &str, blob: &[u8]) -> bool {
    let h = key_hash(blob);
    key_hashes(r, user).iter().any(|k| crate::passwords::ct_eq(k.as_bytes(), h.as_bytes()))
}

/// The user a key proved: with the privilege of its `username NAME password ... privilege N` line (2 without one).
pub fn key_user(r: &Router, name: &str) -> Option<LoginUser> {
    if key_hashes(r, name).is_empty() {
        return None;
    }
    let privilege = users(r).into_iter().find(|u| u.0 == name).map(|u| u.1).unwrap_or(DEFAULT_PRIVILEGE);
    Some(LoginUser { name: name.to_string(), privilege, max_privilege: privilege, context: "local".into() })
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

    #[test]
    fn key_hashes_are_sha256_in_colon_hex() {
        // SHA-256 of "abc".
        assert_eq!(
            key_hash(b"abc"),
            "ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad"
        );
        assert_eq!(parse_hash(&key_hash(b"abc").to_uppercase()), Some(key_hash(b"abc")));
        assert_eq!(parse_hash("ba:78"), None);
    }
}

/// The level-15 `enable password` as stored: its hash and form
/// (`$sha512$... pbkdf2` or `HASH encrypted`).
pub fn enable_password(r: &Router) -> Option<(String, String)> {
    r.asa.doc.root.iter().find_map(|n| match n.text.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["enable", "password", h, "level", "15", form] | ["enable", "password", h, form] => {
            Some((h.to_string(), form.to_string()))
        }
        _ => None,
    })
}

/// Does a typed password match a stored `enable password` or `passwd`?
pub fn password_matches(password: &str, (hash, form): &(String, String)) -> bool {
    match form.as_str() {
        "pbkdf2" => verify(password, hash),
        "encrypted" => crate::passwords::ct_eq(pix_md5(password).as_bytes(), hash.as_bytes()),
        _ => false,
    }
}

/// The PIX/ASA MD5 form of an `enable password` or `passwd` with no user
/// (`passwd 2KFQnbNIdI.2KYOU encrypted` is `cisco`): MD5 of the password
/// padded with zeros to 16 bytes, every fourth byte of the digest dropped,
/// the 12 bytes left in the hash64 alphabet (`./0-9A-Za-z`, three bytes
/// little-endian to four characters).
pub fn pix_md5(password: &str) -> String {
    use md5::Digest;
    const ABC: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut block = [0u8; 16];
    let p = password.as_bytes();
    block[..p.len().min(16)].copy_from_slice(&p[..p.len().min(16)]);
    let d = md5::Md5::digest(block);
    let mut out = String::with_capacity(16);
    for i in 0..4 {
        let v = u32::from(d[i * 4]) | u32::from(d[i * 4 + 1]) << 8 | u32::from(d[i * 4 + 2]) << 16;
        for k in 0..4 {
            out.push(ABC[((v >> (6 * k)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod pix_tests {
    /// The two values every public ASA configuration shows: `cisco` and the empty password.
    #[test]
    fn pix_md5_of_known_passwords() {
        assert_eq!(super::pix_md5("cisco"), "2KFQnbNIdI.2KYOU");
        assert_eq!(super::pix_md5(""), "8Ry2YjIyt7RRXU24");
    }
}
