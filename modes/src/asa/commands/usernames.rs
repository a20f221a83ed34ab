//! The device's users: `username NAME password ...` (hashed as the ASA
//! keeps it: `super::super::users`), `username NAME attributes` and its mode.

use super::*;

/// `username` (configuration mode).
pub(super) fn global(g: &mut G) {
    add(
        g,
        "username WORD attributes",
        &[
            "Configure user authentication local database",
            "User name",
            "Enter the attributes sub-command mode for the specified user",
        ],
        b_user_attrs,
    );
    add(
        g,
        "username WORD password WORD:pw [pbkdf2 | encrypted] [privilege <0-15>]",
        &[
            "Configure user authentication local database",
            "User name",
            "The user's password",
            "The password",
            "The password is a PBKDF2 hash",
            "The password is an MD5 hash (older releases)",
            "Set user privilege level",
            "Privilege level",
        ],
        |s, a, _| {
            let name = a.req("WORD")?.to_string();
            let pw = a.req("pw")?.to_string();
            let level = a.num("<0-15>").map(|n| n as u8).unwrap_or(super::super::users::DEFAULT_PRIVILEGE);
            let stored = kept_password(s, a, &pw, "");
            let privilege = if level == super::super::users::DEFAULT_PRIVILEGE {
                String::new()
            } else {
                format!(" privilege {level}")
            };
            set_line(s, &format!("username {name} password"), &format!("username {name} password {stored}{privilege}"));
            Ok(())
        },
    );
}

/// A password as the ASA keeps it: a hash typed with `pbkdf2` or
/// `encrypted` as given, a clear-text one PBKDF2-hashed; `between` (` level
/// 5`) goes before the form word.
fn kept_password(s: &mut Session, a: &Args, pw: &str, between: &str) -> String {
    if a.has("pbkdf2") || a.has("encrypted") {
        format!("{pw}{between} {}", if a.has("pbkdf2") { "pbkdf2" } else { "encrypted" })
    } else {
        format!("{}{between} pbkdf2", super::super::users::hash(pw, &salt(s)))
    }
}

/// 16 random bytes of the router's seeded generator: a password hash's salt.
fn salt(s: &mut Session) -> [u8; 16] {
    let mut salt = [0u8; 16];
    let mut r = s.router();
    for c in salt.chunks_mut(8) {
        c.copy_from_slice(&r.random().to_be_bytes()[..c.len()]);
    }
    salt
}

/// `enable password` and `passwd` (configuration mode), kept hashed as the
/// ASA keeps them: the enable password PBKDF2 (`enable password
/// $sha512$5000$SALT$HASH pbkdf2`, ASA 9.7 and later), the login password
/// `passwd` in the PIX MD5 form (`passwd 2KFQnbNIdI.2KYOU encrypted`).
pub(super) fn passwords(g: &mut G) {
    add(
        g,
        "enable password WORD:pw [level <0-15>] [pbkdf2 | encrypted]",
        &[
            "Configure the password for the enable command",
            "Assign the privileged level password",
            "The password",
            "Set the enable password for a privilege level",
            "Privilege level",
            "The password is a PBKDF2 hash",
            "The password is an MD5 hash (older releases)",
        ],
        |s, a, _| {
            let pw = a.req("pw")?.to_string();
            let level = a.num("<0-15>").unwrap_or(15);
            let lvl = if level == 15 { String::new() } else { format!(" level {level}") };
            let stored = kept_password(s, a, &pw, &lvl);
            set_enable(s, level, &format!("enable password {stored}"));
            Ok(())
        },
    );
    add(
        g,
        "passwd WORD:pw [encrypted]",
        &["Change Telnet console access password", "The password", "The password is an MD5 hash"],
        |s, a, _| {
            let pw = a.req("pw")?;
            let stored = if a.has("encrypted") { pw.to_string() } else { super::super::users::pix_md5(pw) };
            set_line(s, "passwd", &format!("passwd {stored} encrypted"));
            Ok(())
        },
    );
}

/// The `enable password` line of one privilege level replaces that level's.
fn set_enable(s: &mut Session, level: u64, text: &str) {
    let level_of = |t: &str| -> Option<u64> {
        let w: Vec<&str> = t.split_whitespace().collect();
        match w.as_slice() {
            ["enable", "password", _, "level", n, ..] => n.parse().ok(),
            ["enable", "password", ..] => Some(15),
            _ => None,
        }
    };
    super::super::with_current(s, |list| match list.iter().position(|n| level_of(&n.text) == Some(level)) {
        Some(i) => list[i].text = text.to_string(),
        None => list.push(crate::cisco_doc::Node::verbatim(text)),
    });
}

/// `username NAME attributes` mode.
pub(super) fn attributes(g: &mut G) {
    add(
        g,
        "ssh authentication publickey WORD [hashed]",
        &[
            "Configure SSH",
            "SSH authentication",
            "Public key authentication",
            "The public key (base64, without its type and comment), or its SHA-256 hash (hex pairs separated by colons) with hashed",
            "The key is given as its hash",
        ],
        super::super::users::ssh_publickey,
    );
    add(
        g,
        "service-type {admin | nas-prompt | remote-access}",
        &[
            "Specify the type of service",
            "Allow access to the configuration mode",
            "Allow access to the exec prompt",
            "Allow access to VPN only",
        ],
        leaf1,
    );
}
