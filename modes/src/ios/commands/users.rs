//! Users, passwords and lines: `username`, `enable secret|password`,
//! `service password-encryption`, `key config-key password-encrypt`, `line`
//! (with its `password`), SSH (`ip ssh server listen`, `ip ssh pubkey-chain`
//! and its users' keys).

use super::*;

pub(super) const KEY_TYPES: &str =
    "{ssh-rsa | ssh-ed25519 | ecdsa-sha2-nistp256 | ecdsa-sha2-nistp384 | ecdsa-sha2-nistp521}";

pub(super) const KEY_TYPE_HELP: [&str; 5] =
    ["RSA key", "Ed25519 key", "ECDSA key on NIST P-256", "ECDSA key on NIST P-384", "ECDSA key on NIST P-521"];

/// `enable secret level N [TYPE] SECRET`: the secret of exec level N.
pub(super) fn enable_level(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let level = a.req("level")?.to_string();
    let ty = a.bindings.iter().skip(4).find(|b| b.keyword).map(|b| b.value.to_string());
    let secret = a.req("WORD")?.to_string();
    let stored = match ty.as_deref() {
        None | Some("0") => {
            let salt = crate::passwords::salt_from(s.router().random());
            format!("5 {}", crate::passwords::md5_crypt(&secret, &salt))
        }
        Some(t) => format!("{t} {secret}"),
    };
    // Level 15 is the enable secret itself; IOS prints it without a level.
    if level == "15" {
        set_line(s, "enable secret", &format!("enable secret {stored}"));
    } else {
        set_line(s, &format!("enable secret level {level}"), &format!("enable secret level {level} {stored}"));
    }
    Ok(())
}

/// `username ... secret [0] TEXT` and `enable secret [0] TEXT`: a clear-text
/// secret is stored hashed (type 5, MD5-crypt), as IOS does; a hashed one
/// (5, 8, 9) is kept as given and checked for shape.
pub(super) fn user_line(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let mut parts: Vec<String> = Vec::new();
    let mut it = a.bindings.iter().peekable();
    let enable = a.bindings.first().is_some_and(|b| b.value == "enable");
    let key = if enable && a.has("password") {
        "enable password".to_string()
    } else if enable {
        "enable secret".to_string()
    } else {
        key_words(a, 2)
    };
    // `algorithm-type md5|sha256|scrypt`: how a clear secret is hashed (type 5, 8 or 9).
    let mut algo = "5";
    while let Some(b) = it.next() {
        if b.keyword && b.value == "algorithm-type" {
            algo = match it.next().map(|t| &*t.value) {
                Some("sha256") => "8",
                Some("scrypt") => "9",
                _ => "5",
            };
            continue;
        }
        if b.keyword && b.value == "secret" {
            parts.push("secret".into());
            let ty = match it.peek() {
                Some(t) if t.keyword && ["0", "5", "8", "9"].contains(&&*t.value) => {
                    it.next().map(|t| t.value.to_string())
                }
                _ => None,
            };
            let text = it.next().map(|t| t.value.to_string()).unwrap_or_default();
            match ty.as_deref() {
                None | Some("0") => {
                    let salt = crate::passwords::salt_from(s.router().random());
                    parts.push(algo.into());
                    parts.push(match algo {
                        "8" | "9" => {
                            let salt14 = format!("{salt}{}", &crate::passwords::salt_from(s.router().random())[..6]);
                            if algo == "8" {
                                crate::passwords::type8(&text, &salt14)
                            } else {
                                crate::passwords::type9(&text, &salt14)
                            }
                        }
                        _ => crate::passwords::md5_crypt(&text, &salt),
                    });
                }
                Some("5") if !crate::passwords::is_md5_crypt(&text) => {
                    return Err(format!("Invalid type 5 secret {text}"));
                }
                Some(t) => {
                    parts.push(t.to_string());
                    parts.push(text);
                }
            }
            continue;
        }
        if b.keyword && b.value == "password" && key == "enable password" {
            // `enable password [0] TEXT`: as IOS, in clear (`enable password
            // TEXT`), or type 7 under `service password-encryption`.
            let ty = match it.peek() {
                Some(t) if t.keyword && ["0", "7"].contains(&&*t.value) => it.next().map(|t| t.value.to_string()),
                _ => None,
            };
            let text = it.next().map(|t| t.value.to_string()).unwrap_or_default();
            if ty.as_deref() == Some("7") {
                crate::passwords::type7_decode(&text).ok_or_else(|| format!("Invalid encrypted password: {text}"))?;
                parts.extend(["password".to_string(), "7".to_string(), text]);
            } else if password_encryption(s) {
                parts.extend([
                    "password".to_string(),
                    "7".to_string(),
                    crate::passwords::type7_encode(&text, (s.router().random() % 16) as usize),
                ]);
            } else {
                parts.extend(["password".to_string(), text]);
            }
            continue;
        }
        if b.keyword && b.value == "password" && key != "enable secret" {
            // A clear-text `password [0] TEXT` is stored as a type 5 secret:
            // edgesh never keeps a login password in clear (type 7 is kept as given).
            let ty = match it.peek() {
                Some(t) if t.keyword && ["0", "7"].contains(&&*t.value) => it.next().map(|t| t.value.to_string()),
                _ => None,
            };
            let text = it.next().map(|t| t.value.to_string()).unwrap_or_default();
            if ty.as_deref() == Some("7") {
                if crate::passwords::type7_decode(&text).is_none() {
                    return Err(format!("Invalid encrypted password: {text}"));
                }
                parts.extend(["password".to_string(), "7".to_string(), text]);
            } else {
                let salt = crate::passwords::salt_from(s.router().random());
                parts.extend(["secret".to_string(), "5".to_string(), crate::passwords::md5_crypt(&text, &salt)]);
            }
            continue;
        }
        parts.push(b.value.to_string());
    }
    set_line(s, &key, &parts.join(" "));
    Ok(())
}

/// Is `service password-encryption` configured?
pub(super) fn password_encryption(s: &Session) -> bool {
    s.router().ios_doc.root.iter().any(|n| n.text == "service password-encryption")
}

/// `service password-encryption`: from now on clear-text passwords are
/// kept as type 7, and those already configured (`enable password`, `line`
/// passwords) are encrypted at once; `no service password-encryption` leaves
/// them encrypted, as on IOS.
pub(super) fn service_password_encryption(s: &mut Session, _: &Args, _: &mut dyn Out) -> CmdResult {
    set_line(s, "service password-encryption", "service password-encryption");
    let mut r = s.router();
    let mut seed = r.random();
    let mut enc = |clear: &str| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        crate::passwords::type7_encode(clear, ((seed >> 33) % 16) as usize)
    };
    for n in r.ios_doc.root.iter_mut() {
        if let ["enable", "password", clear] = n.text.split_whitespace().collect::<Vec<_>>()[..] {
            n.text = format!("enable password 7 {}", enc(clear));
        }
        if n.text.starts_with("line ") {
            for c in n.children.iter_mut() {
                if let ["password", clear] = c.text.split_whitespace().collect::<Vec<_>>()[..] {
                    c.text = format!("password 7 {}", enc(clear));
                }
            }
        }
    }
    Ok(())
}

/// `password TEXT` under a `line`: type 7 under `service password-encryption`.
pub(super) fn line_password(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let text = a.get("LINE").unwrap_or("").trim().to_string();
    let w: Vec<&str> = text.split_whitespace().collect();
    match w.as_slice() {
        // Kept as given (IOS takes the hidden form as it is).
        ["7", hidden] => set_line(s, "password", &format!("password 7 {hidden}")),
        ["0", clear] | [clear] if password_encryption(s) => {
            let e = crate::passwords::type7_encode(clear, (s.router().random() % 16) as usize);
            set_line(s, "password", &format!("password 7 {e}"));
        }
        ["0", clear] => set_line(s, "password", &format!("password {clear}")),
        _ => return leaf1(s, a, o),
    }
    Ok(())
}

/// The `Line` mode.
pub(super) fn line_mode(g: &mut G) {
    add(g, "exec-timeout <0-35791> [<0-2147483>]", &["Set the EXEC timeout", "Minutes", "Seconds"], leaf1);
    add(g, "login [local]", &["Enable password checking", "Local password checking"], leaf1);
    add(
        g,
        "transport input {ssh | telnet | all | none} [ssh | telnet]",
        &[
            "Define transport protocols for line",
            "Define which protocols to use when connecting to the terminal server",
            "SSH",
            "Telnet",
            "All",
            "None",
            "SSH",
            "Telnet",
        ],
        leaf2,
    );
    add(g, "password LINE", &["Set a password", "The password"], line_password);
}

/// The `SshPubkey` mode.
pub(super) fn ssh_pubkey_mode(g: &mut G) {
    add(g, "username WORD", &["Config public key for remote user", "SSH user name"], b_pubkey_user);
}

/// The `SshPubkeyUser` mode.
pub(super) fn ssh_pubkey_user_mode(g: &mut G) {
    add(g, "key-string", &["Enter public key (the base64 data, then exit)"], |s, _, _| {
        s.ios.key_data.clear();
        s.ios.key_user = s.ios.stack.last().cloned();
        let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
        s.ios.stack.push(super::super::IosFrame { mode: IosMode::SshPubkeyData, path });
        Ok(())
    });
    let mut helps = vec!["Enter public key hash"];
    helps.extend(KEY_TYPE_HELP);
    helps.extend(["MD5 hash of the key, 32 hexadecimal digits", "Comment"]);
    add(g, &format!("key-hash {KEY_TYPES} WORD:hash [LINE]"), &helps, |s, a, _| {
        let ty = a.bindings.get(1).map(|b| b.value.to_string()).unwrap_or_default();
        let h = a.req("hash")?;
        if !crate::sshconf::is_md5_hex(h) {
            return Err(format!("Invalid key hash {h} (32 hexadecimal digits)"));
        }
        let key = format!("key-hash {ty} {}", h.to_ascii_uppercase());
        let text = match a.get("LINE") {
            Some(c) if !c.trim().is_empty() => format!("{key} {}", c.trim()),
            _ => key.clone(),
        };
        set_line(s, &key, &text);
        Ok(())
    });
}

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
    // The master key of type 6 keys: set, never shown, never kept (see `Router::ios_master_key`).
    add(
        g,
        "key config-key password-encrypt WORD",
        &[
            "Key management",
            "Set a private configuration key",
            "Set a private configuration key for password encryption",
            "The master key",
        ],
        |s, _, _| {
            s.router().ios_master_key = true;
            Ok(())
        },
    );
    add(
        g,
        "no key config-key password-encrypt [WORD]",
        &[
            "Negate a command or set its defaults",
            "Key management",
            "Set a private configuration key",
            "Set a private configuration key for password encryption",
            "The master key",
        ],
        |s, _, _| {
            s.router().ios_master_key = false;
            Ok(())
        },
    );
    add(
        g,
        "service password-encryption",
        &["Modify use of network based services", "Encrypt system passwords"],
        service_password_encryption,
    );
    add(
        g,
        "username WORD privilege <0-15> {secret [0 | 5 | 8 | 9] WORD:s | password [0 | 7] WORD:p}",
        &[
            "Establish User Name Authentication",
            "User name",
            "Set user privilege level",
            "User privilege level",
            "Specify the secret for the user",
            "Unencrypted",
            "MD5",
            "PBKDF2",
            "SCRYPT",
            "The secret",
            "Specify the password for the user",
            "Unencrypted",
            "Hidden",
            "The password",
        ],
        user_line,
    );
    add(
        g,
        "username WORD {secret [0 | 5 | 8 | 9] WORD:s | password [0 | 7] WORD:p}",
        &[
            "Establish User Name Authentication",
            "User name",
            "Specify the secret for the user",
            "Unencrypted",
            "MD5",
            "PBKDF2",
            "SCRYPT",
            "The secret",
            "Specify the password for the user",
            "Unencrypted",
            "Hidden",
            "The password",
        ],
        user_line,
    );
    add(
        g,
        "enable secret level <1-15>:level [0 | 5 | 8 | 9] WORD",
        &[
            "Modify enable password parameters",
            "Assign the privileged level secret",
            "Set exec level password",
            "Level number",
            "Unencrypted",
            "MD5",
            "PBKDF2",
            "SCRYPT",
            "The secret",
        ],
        enable_level,
    );
    add(
        g,
        "enable secret [0 | 5 | 8 | 9] WORD",
        &[
            "Modify enable password parameters",
            "Assign the privileged level secret",
            "Unencrypted",
            "MD5",
            "PBKDF2",
            "SCRYPT",
            "The secret",
        ],
        user_line,
    );
    add(
        g,
        "enable password [0 | 7] WORD",
        &[
            "Modify enable password parameters",
            "Assign the privileged level password",
            "Unencrypted",
            "Hidden",
            "The UNENCRYPTED (cleartext) 'enable' password",
        ],
        user_line,
    );
    add(
        g,
        "enable algorithm-type {md5 | sha256 | scrypt} secret WORD",
        &[
            "Modify enable password parameters",
            "Algorithm to use for hashing the plaintext secret",
            "MD5 (type 5)",
            "PBKDF2-SHA256 (type 8)",
            "SCRYPT (type 9)",
            "Assign the privileged level secret",
            "The secret",
        ],
        user_line,
    );
    add(
        g,
        "username WORD [privilege <0-15>] algorithm-type {md5 | sha256 | scrypt} secret WORD:s",
        &[
            "Establish User Name Authentication",
            "User name",
            "Set user privilege level",
            "User privilege level",
            "Algorithm to use for hashing the plaintext secret",
            "MD5 (type 5)",
            "PBKDF2-SHA256 (type 8)",
            "SCRYPT (type 9)",
            "Specify the secret for the user",
            "The secret",
        ],
        user_line,
    );
    add(
        g,
        "ip ssh server listen {A.B.C.D:addr | X:X:X:X::X:addr} [port <1-65535>:port]",
        &[
            "Global IP configuration subcommands",
            "Configure ssh options",
            "Configure the SSH server",
            "Listen for SSH connections on this address (edgesh)",
            "IPv4 address",
            "IPv6 address",
            "TCP port (default 22)",
            "Port",
        ],
        |s, a, _| {
            let port = a.u16("port").unwrap_or(22);
            // An IPv6 address is kept as IOS writes them: compressed, upper case.
            let addr = match a.req("addr")? {
                v6 if v6.contains(':') => v6
                    .parse::<std::net::Ipv6Addr>()
                    .map_err(|_| "Invalid address".to_string())?
                    .to_string()
                    .to_ascii_uppercase(),
                v4 => v4.to_string(),
            };
            let text = if port == 22 {
                format!("ip ssh server listen {addr}")
            } else {
                format!("ip ssh server listen {addr} port {port}")
            };
            set_line(s, "ip ssh server listen", &text);
            Ok(())
        },
    );
    add(
        g,
        "ip ssh pubkey-chain",
        &["Global IP configuration subcommands", "Configure ssh options", "pubkey-chain"],
        b_pubkey,
    );
    add(
        g,
        "line {vty <0-1869> [<0-1869>] | con 0 | console 0}",
        &[
            "Configure a terminal line",
            "Virtual terminal",
            "First line number",
            "Last line number",
            "Primary terminal line",
            "Line number",
            "Primary terminal line",
            "Line number",
        ],
        b_line,
    );
}
