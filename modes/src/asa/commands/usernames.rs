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
            let stored = if a.has("pbkdf2") || a.has("encrypted") {
                format!("{pw} {}", if a.has("pbkdf2") { "pbkdf2" } else { "encrypted" })
            } else {
                // A clear-text password is kept hashed, as the ASA does.
                let mut salt = [0u8; 16];
                {
                    let mut r = s.router();
                    for c in salt.chunks_mut(8) {
                        c.copy_from_slice(&r.random().to_be_bytes()[..c.len()]);
                    }
                }
                format!("{} pbkdf2", super::super::users::hash(&pw, &salt))
            };
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
