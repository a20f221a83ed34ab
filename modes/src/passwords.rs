//! Password hashing as the dialects do it: SmartEdge `encrypted 1` is MD5-crypt (`$1$`);
//! Cisco type 5 is MD5-crypt too, type 8 PBKDF2-HMAC-SHA256 (20,000 rounds),
//! type 9 scrypt (N=2^14, r=1, p=1), both with a 14-character salt and the
//! crypt base64 alphabet; type 7 is Cisco's reversible XOR obfuscation.

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

/// Cisco's base64: the crypt alphabet `./0-9A-Za-z` in standard base64 bit order, no padding.
pub fn cisco_b64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(SALT_CHARS[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Cisco type 8: `$8$SALT$HASH` (PBKDF2-HMAC-SHA256, 20,000 rounds, 32 bytes).
pub fn type8(password: &str, salt: &str) -> String {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt.as_bytes(), 20_000, &mut out);
    format!("$8${salt}${}", cisco_b64(&out))
}

/// Cisco type 9: `$9$SALT$HASH` (scrypt N=16384, r=1, p=1, 32 bytes).
pub fn type9(password: &str, salt: &str) -> String {
    let mut out = [0u8; 32];
    let Ok(params) = scrypt::Params::new(14, 1, 1) else { return String::new() };
    if scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).is_err() {
        return String::new();
    }
    format!("$9${salt}${}", cisco_b64(&out))
}

const TYPE7_KEY: &[u8] = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87";

/// Decode a Cisco type 7 string (`0822455D0A16` is `cisco`).
pub fn type7_decode(s: &str) -> Option<String> {
    if s.len() < 4 || !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    let seed: usize = s[..2].parse().ok()?;
    let mut out = Vec::new();
    for (i, k) in (2..s.len()).step_by(2).enumerate() {
        let b = u8::from_str_radix(&s[k..k + 2], 16).ok()?;
        out.push(b ^ TYPE7_KEY[(seed + i) % TYPE7_KEY.len()]);
    }
    String::from_utf8(out).ok()
}

/// Encode a password as Cisco type 7 with the given seed (0..15).
pub fn type7_encode(password: &str, seed: usize) -> String {
    let seed = seed % 16;
    let mut s = format!("{seed:02}");
    for (i, b) in password.bytes().enumerate() {
        s.push_str(&format!("{:02X}", b ^ TYPE7_KEY[(seed + i) % TYPE7_KEY.len()]));
    }
    s
}

/// Check a password against a stored Cisco secret or password of the given
/// type: 0 (clear), 5 (MD5-crypt), 7, 8 or 9. Unknown types never match.
pub fn cisco_verify(password: &str, ty: &str, stored: &str) -> bool {
    match ty {
        "0" => ct_eq(password.as_bytes(), stored.as_bytes()),
        "5" => md5_crypt_verify(password, stored),
        "7" => type7_decode(stored).is_some_and(|p| ct_eq(p.as_bytes(), password.as_bytes())),
        "8" | "9" => {
            let Some(rest) = stored.strip_prefix(&format!("${ty}$")) else { return false };
            let Some((salt, _)) = rest.split_once('$') else { return false };
            let h = if ty == "8" { type8(password, salt) } else { type9(password, salt) };
            ct_eq(h.as_bytes(), stored.as_bytes())
        }
        _ => false,
    }
}

/// Constant-time comparison (the time does not tell how much matched).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn cisco_types_7_8_9() {
        assert_eq!(type7_decode("0822455D0A16").as_deref(), Some("cisco"));
        assert_eq!(type7_decode(&type7_encode("s3cret!", 9)).as_deref(), Some("s3cret!"));
        // hashcat's example hashes (modes 9200 and 9300), password "hashcat".
        assert!(cisco_verify("hashcat", "8", "$8$TnGX/fE4KGHOVU$pEhnEvxrvaynpi8j4f.EMHr6M.FzU8xnZnBr/tJdFWk"));
        assert!(!cisco_verify("hashcaT", "8", "$8$TnGX/fE4KGHOVU$pEhnEvxrvaynpi8j4f.EMHr6M.FzU8xnZnBr/tJdFWk"));
        assert!(cisco_verify("hashcat", "9", "$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6"));
        assert!(cisco_verify("cisco", "5", "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"));
        assert!(cisco_verify("cisco", "0", "cisco"));
        assert!(!cisco_verify("cisco", "0", "cisc0"));
    }
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
