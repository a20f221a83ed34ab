//! Password hashing as the dialects do it: SmartEdge `encrypted 1` is MD5-crypt (`$1$`).

/// Hash a clear-text password with MD5-crypt and the given 8-character salt.
pub fn md5_crypt(password: &str, salt: &str) -> String {
    String::from_utf8_lossy(&md5crypt::md5crypt(password.as_bytes(), salt.as_bytes())).into_owned()
}

/// Check a clear-text password against an `$1$salt$hash` string.
pub fn md5_crypt_verify(password: &str, hash: &str) -> bool {
    let Some(rest) = hash.strip_prefix("$1$") else { return false };
    let Some((salt, _)) = rest.split_once('$') else { return false };
    md5_crypt(password, salt) == hash
}

/// Is this a well-formed MD5-crypt string (`$1$`, a salt of up to 8 characters, 22 hash characters)?
pub fn is_md5_crypt(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
    let Some(rest) = s.strip_prefix("$1$") else { return false };
    let Some((salt, hash)) = rest.split_once('$') else { return false };
    salt.len() <= 8 && salt.chars().all(ok) && hash.len() == 22 && hash.chars().all(ok)
}

const SALT_CHARS: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An 8-character salt from 48 random bits.
pub fn salt_from(bits: u64) -> String {
    (0..8).map(|i| SALT_CHARS[((bits >> (i * 6)) & 63) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cisco_type5_vector() {
        // The documented Cisco type 5 example: "cisco".
        assert!(md5_crypt_verify("cisco", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        assert!(!md5_crypt_verify("Cisco", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        assert!(is_md5_crypt("$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        assert!(is_md5_crypt("$1$.....$kvQfdsjs0ACFMeDHQ7n/o."));
        assert!(!is_md5_crypt("$1$. . . $x"));
        let h = md5_crypt("secret", &salt_from(12345));
        assert!(md5_crypt_verify("secret", &h));
    }
}
