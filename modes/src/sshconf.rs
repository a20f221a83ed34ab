//! What the configuration says about the SSH server: where it listens and
//! which public keys open which account.
//!
//! * Listening (edgesh extensions; real configurations never bind a port by
//!   surprise): IOS `ip ssh server listen A.B.C.D|X:X:X:X::X [port N]` (a global line;
//!   `ip ssh version 2` and the other `ip ssh` lines of real
//!   configurations are kept verbatim and bind nothing), SmartEdge `ssh
//!   server listen A.B.C.D|X:X:X:X::X [port N]` in context `local`. The port is 22 by
//!   default. `--ssh ADDR:PORT` on the command line wins over both.
//! * Public keys: IOS `ip ssh pubkey-chain` / `username NAME` / `key-hash
//!   TYPE HEX [COMMENT]` (a `key-string` is stored as its `key-hash`, the
//!   MD5 of the key blob, as IOS does); SmartEdge `ssh public-key TYPE
//!   BASE64 [COMMENT]` under `administrator NAME` (the whole key, in the
//!   OpenSSH `authorized_keys` form).

use crate::session::{Dialect, Router};
use base64ct::{Base64, Encoding};
use md5::Digest;
use ssh_key::PublicKey;
use std::net::SocketAddr;

/// Key types accepted in the configuration.
pub const KEY_TYPES: &[&str] =
    &["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];

/// A public key from the configuration, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfKey {
    /// `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256` ...
    pub algorithm: String,
    /// The SSH wire-format blob (what `authorized_keys` carries in base64).
    pub blob: Vec<u8>,
    pub comment: String,
}

impl ConfKey {
    /// `TYPE BASE64 [COMMENT]` (an `authorized_keys` line) or the base64
    /// blob alone (IOS `key-string` data). `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<ConfKey, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (declared, b64, comment) = match words.as_slice() {
            [] => return Err("No key data".into()),
            [b] => (None, *b, String::new()),
            [t, b, rest @ ..] if KEY_TYPES.contains(t) => (Some(*t), *b, rest.join(" ")),
            [t, ..] if t.starts_with("ssh-") || t.starts_with("ecdsa-") || t.starts_with("sk-") => {
                return Err(format!("Unsupported key type {t} (supported: {})", KEY_TYPES.join(", ")));
            }
            [b, rest @ ..] => (None, *b, rest.join(" ")),
        };
        let blob = Base64::decode_vec(b64).map_err(|_| "Invalid key data (not base64)".to_string())?;
        let key = PublicKey::from_bytes(&blob).map_err(|_| "Invalid key data (not an SSH public key)".to_string())?;
        let algorithm = key.algorithm().as_str().to_string();
        if !KEY_TYPES.contains(&algorithm.as_str()) {
            return Err(format!("Unsupported key type {algorithm} (supported: {})", KEY_TYPES.join(", ")));
        }
        if let Some(d) = declared
            && d != algorithm
        {
            return Err(format!("Key type {d} does not match the key data ({algorithm})"));
        }
        Ok(ConfKey { algorithm, blob, comment })
    }

    /// The MD5 of the blob in upper-case hex: IOS's `key-hash` value.
    pub fn md5_hex(&self) -> String {
        md5_hex(&self.blob)
    }

    /// `TYPE BASE64 [COMMENT]`.
    pub fn openssh(&self) -> String {
        let b = Base64::encode_string(&self.blob);
        if self.comment.is_empty() {
            format!("{} {b}", self.algorithm)
        } else {
            format!("{} {b} {}", self.algorithm, self.comment)
        }
    }
}

/// MD5 of bytes, upper-case hex.
pub fn md5_hex(bytes: &[u8]) -> String {
    md5::Md5::digest(bytes).iter().map(|b| format!("{b:02X}")).collect()
}

/// Is this a well-formed IOS `key-hash` value (32 hex digits)?
pub fn is_md5_hex(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// `A.B.C.D [port N]` words after `listen`: the socket address.
pub fn listen_addr(words: &[&str]) -> Option<SocketAddr> {
    let ip: std::net::IpAddr = words.first()?.parse().ok()?;
    let port = match words.get(1..) {
        Some(["port", p, ..]) => p.parse().ok()?,
        _ => 22,
    };
    Some(SocketAddr::from((ip, port)))
}

/// Where the configuration asks the SSH server to listen.
pub fn listen(r: &Router, dialect: Dialect) -> Option<SocketAddr> {
    dialect.ops().ssh_listen(r)
}

/// IOS: the last `ip ssh server listen A.B.C.D|X:X:X:X::X [port N]` line.
pub fn ios_listen(r: &Router) -> Option<SocketAddr> {
    r.ios_doc.root.iter().rev().find_map(|n| {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        match w.as_slice() {
            ["ip", "ssh", "server", "listen", rest @ ..] => listen_addr(rest),
            _ => None,
        }
    })
}

/// The IOS `key-hash` entries of a user: (type, upper-case hex).
pub fn ios_key_hashes(r: &Router, user: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for chain in r.ios_doc.root.iter().filter(|n| n.text == "ip ssh pubkey-chain") {
        for u in chain.children.iter().filter(|u| u.text == format!("username {user}")) {
            for k in &u.children {
                let w: Vec<&str> = k.text.split_whitespace().collect();
                if let ["key-hash", t, h, ..] = w.as_slice() {
                    v.push((t.to_string(), h.to_ascii_uppercase()));
                }
            }
        }
    }
    v
}

/// Does the configuration let `user` in with this key (its algorithm name
/// and wire-format blob)? IOS compares the MD5 of the blob with the user's
/// `key-hash` lines; SmartEdge the blob with the administrator's `ssh
/// public-key` lines (`NAME` or `NAME@CONTEXT`, as for passwords).
pub fn key_allowed(r: &Router, dialect: Dialect, user: &str, algorithm: &str, blob: &[u8]) -> bool {
    dialect.ops().ssh_key_allowed(r, user, algorithm, blob)
}

/// IOS: the MD5 of the key blob is one of the user's `key-hash` lines.
pub fn ios_key_allowed(r: &Router, user: &str, algorithm: &str, blob: &[u8]) -> bool {
    let h = md5_hex(blob);
    ios_key_hashes(r, user).iter().any(|(t, x)| t == algorithm && *x == h)
}

/// SmartEdge: the blob is one of the administrator's `ssh public-key`
/// lines (`NAME` or `NAME@CONTEXT`, as for passwords).
pub fn smartedge_key_allowed(r: &Router, user: &str, algorithm: &str, blob: &[u8]) -> bool {
    let (name, ctx) = match user.split_once('@') {
        Some((n, c)) => (n, Some(c)),
        None => (user, None),
    };
    let admin = match ctx {
        Some(c) => r.running.contexts.get(c).and_then(|cx| cx.administrators.get(name)),
        None => r
            .running
            .contexts
            .get("local")
            .and_then(|cx| cx.administrators.get(name))
            .or_else(|| r.running.contexts.values().find_map(|cx| cx.administrators.get(name))),
    };
    admin.is_some_and(|a| {
        a.ssh_keys.iter().filter_map(|k| ConfKey::parse(k).ok()).any(|k| k.algorithm == algorithm && k.blob == blob)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test keys made with ssh-keygen; the hashes are `ssh-keygen -l -E md5` of them.
    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm0WinWLR5KU3lK1gl78yXbXETrudA0AyK9kuFoOC+b alice@example";
    const ED_MD5: &str = "3411C2996721C1474A85CAA4EAE43476";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCqofpePG7aO4cGBz3CERo/MEeHxesc03fOBSSab2G3JOUvXh/2UPzJ++af6Np573hL0mYajMzw6/BhBw1I85exgQi8pqUvi56S4/DTVmnZLYN2nAm0LKjjPHdJ6W75lvhmmrXMrONGkQYjr0RCBm5uL8u9E+WEna31jOGYfShZmw== bob";
    const RSA_MD5: &str = "0E955C790163E326ACCA383DF3C7FC16";

    #[test]
    fn parse_forms_and_errors() {
        let k = ConfKey::parse(ED).unwrap();
        assert_eq!(k.algorithm, "ssh-ed25519");
        assert_eq!(k.comment, "alice@example");
        assert_eq!(k.openssh(), ED);
        let bare = ConfKey::parse(ED.split_whitespace().nth(1).unwrap()).unwrap();
        assert_eq!(bare.blob, k.blob);
        assert!(bare.comment.is_empty());
        assert!(ConfKey::parse(&ED.replace("ssh-ed25519", "ssh-rsa")).unwrap_err().contains("does not match"));
        assert!(ConfKey::parse("ssh-ed25519 !!!").unwrap_err().contains("base64"));
        assert!(ConfKey::parse("ssh-ed25519 AAAA").is_err());
        assert!(ConfKey::parse("ssh-dss AAAA").unwrap_err().contains("Unsupported"));
        assert!(ConfKey::parse("").is_err());
        assert_eq!(k.md5_hex(), ED_MD5);
        assert!(is_md5_hex(&k.md5_hex()));
        let r = ConfKey::parse(RSA).unwrap();
        assert_eq!((r.algorithm.as_str(), r.md5_hex().as_str(), r.comment.as_str()), ("ssh-rsa", RSA_MD5, "bob"));
    }

    #[test]
    fn md5_known_value() {
        assert_eq!(md5_hex(b""), "D41D8CD98F00B204E9800998ECF8427E");
    }

    #[test]
    fn listen_words() {
        assert_eq!(listen_addr(&["127.0.0.1", "port", "2222"]), Some("127.0.0.1:2222".parse().unwrap()));
        assert_eq!(listen_addr(&["10.0.0.1"]), Some("10.0.0.1:22".parse().unwrap()));
        assert_eq!(listen_addr(&["x"]), None);
        assert_eq!(listen_addr(&["::1", "port", "2222"]), Some("[::1]:2222".parse().unwrap()));
        assert_eq!(listen_addr(&["2001:db8::1"]), Some("[2001:db8::1]:22".parse().unwrap()));
    }
}
