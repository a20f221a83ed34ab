//! IOS commands: spec, help, and what each does to the configuration
//! document. Leaf commands store their canonical text (keywords in full,
//! values as typed) and replace an earlier line with the same leading words,
//! as IOS does.

use super::names::interface_name;
use super::{IosMode, enter_block, remove_line, set_line, show_running};
use crate::out::Out;
use crate::session::{Args, CmdResult, Session};

use crate::cisco_common::{G, add, block, canon, key_words, leaf};

leaf!(leaf1, 1, set_line);
leaf!(leaf2, 2, set_line);
leaf!(leaf3, 3, set_line);
leaf!(leaf4, 4, set_line);

/// A line that may appear several times (`set peer`, ACL entries).
fn append(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    set_line(s, "", &canon(a));
    Ok(())
}

/// A pre-shared key line (`crypto isakmp key`, a keyring's or an IKEv2
/// peer's `pre-shared-key`): kept as typed. A type 6 key (`6 CIPHERTEXT`)
/// is never used as the key (`compile::TYPE6`). Without a master key IOS
/// keeps the ciphertext and prints its alert (Cisco's "Encrypted Preshared
/// Key" guide, "Configuring New or Unknown Passwords"); with one, edgesh
/// still cannot decrypt it (Cisco does not publish type 6's algorithm) and
/// says so.
fn append_key(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    type6_alert(s, a, o);
    append(s, a, o)
}

fn type6_alert(s: &mut Session, a: &Args, o: &mut dyn Out) {
    if a.has("6") {
        let cipher = a.get("WORD").or_else(|| a.get("key")).unwrap_or_default().to_string();
        let master = s.router().ios_master_key;
        if master {
            o.line(&format!("% {cipher}: edgesh cannot decrypt type 6 keys; the key is kept and not used"));
        } else {
            o.line(&format!("{cipher} is incompatible with the configured master key."));
        }
    }
}

block!(b_isakmp, IosMode::IsakmpPolicy, enter_block);
block!(b_tset, IosMode::TransformSet, enter_block);
block!(b_cmap, IosMode::CryptoMap, enter_block);
block!(b_keyring, IosMode::Keyring, enter_block);
block!(b_isaprof, IosMode::IsakmpProfile, enter_block);
block!(b_ipsecprof, IosMode::IpsecProfile, enter_block);
block!(b_v2prop, IosMode::Ikev2Proposal, enter_block);
block!(b_v2pol, IosMode::Ikev2Policy, enter_block);
block!(b_v2keyring, IosMode::Ikev2Keyring, enter_block);
block!(b_v2peer, IosMode::Ikev2Peer, enter_block);
block!(b_v2prof, IosMode::Ikev2Profile, enter_block);
block!(b_vrf, IosMode::Vrf, enter_block);
block!(b_vrfaf, IosMode::VrfAf, enter_block);

/// Is VRF `name` defined (`ip vrf NAME` or `vrf definition NAME`)?
fn vrf_defined(s: &Session, name: &str) -> bool {
    s.router()
        .ios_doc
        .root
        .iter()
        .any(|n| n.text == format!("ip vrf {name}") || n.text == format!("vrf definition {name}"))
}

/// `ip vrf forwarding NAME` / `vrf forwarding NAME`: the VRF must exist, as on IOS.
fn vrf_forwarding(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let name = a.req("WORD")?;
    if !vrf_defined(s, name) {
        return Err(format!("VRF {name} not configured."));
    }
    // One VRF per interface, whichever form sets it.
    remove_line(s, "ip vrf forwarding");
    remove_line(s, "vrf forwarding");
    set_line(s, "", &canon(a));
    Ok(())
}

/// An interface named in two words (`int tun 1`, `interface Serial 2/0`,
/// `tunnel source serial 2/0`): IOS takes the type and the number apart.
fn joined_interface(a: &Args) -> Option<String> {
    let ty = a.get("WORD")?;
    let num = a.get("num")?;
    (ty.chars().all(|c| c.is_ascii_alphabetic() || c == '-') && num.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| format!("{ty}{num}"))
}

fn b_if(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let joined = joined_interface(a);
    if a.get("num").is_some() && joined.is_none() {
        let w = a.get("num").unwrap_or("");
        let col = super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
        o.line(&format!("{}^", " ".repeat(col)));
        o.line("% Invalid input detected at '^' marker.");
        o.line("");
        return Err(String::new());
    }
    let raw = joined.as_deref().unwrap_or(a.req("WORD")?);
    // An interface name is a type and a number (`<NameOfYourOutsideInterface>`
    // from a template is not): IOS refuses it with the caret.
    if !raw.starts_with(|c: char| c.is_ascii_alphabetic())
        || !raw.contains(|c: char| c.is_ascii_digit())
        || raw.contains(['<', '>', '{', '}', '$'])
    {
        let col = "interface ".len()
            + a.line.find(raw).map(|i| i - a.line.find("interface").unwrap_or(0) - "interface ".len()).unwrap_or(0);
        o.line(&format!("{}^", " ".repeat(col)));
        o.line("% Invalid input detected at '^' marker.");
        o.line("");
        return Err(String::new());
    }
    let name = interface_name(raw);
    enter_block(s, &format!("interface {name}"), IosMode::Interface);
    Ok(())
}
block!(b_acl, IosMode::ExtAcl, enter_block);
block!(b_line, IosMode::Line, enter_block);
block!(b_pubkey, IosMode::SshPubkey, enter_block);
block!(b_pubkey_user, IosMode::SshPubkeyUser, enter_block);

const KEY_TYPES: &str = "{ssh-rsa | ssh-ed25519 | ecdsa-sha2-nistp256 | ecdsa-sha2-nistp384 | ecdsa-sha2-nistp521}";
const KEY_TYPE_HELP: [&str; 5] =
    ["RSA key", "Ed25519 key", "ECDSA key on NIST P-256", "ECDSA key on NIST P-384", "ECDSA key on NIST P-521"];

/// `no ...`: remove the lines (or blocks) it names; if none, keep the `no`
/// line itself (`no ip domain lookup` is configuration too).
fn negate(s: &mut Session, a: &Args, out: &mut dyn Out) -> CmdResult {
    let rest = a.get("LINE").unwrap_or("").trim().to_string();
    if rest.is_empty() {
        return Err("Incomplete command.".into());
    }
    let global = s.ios.stack.last().is_none_or(|f| f.mode == IosMode::Config);
    let w: Vec<&str> = rest.split_whitespace().collect();
    let has_root = |s: &Session, head: &str| {
        s.router().ios_doc.root.iter().any(|n| n.text == head || n.text.starts_with(&format!("{head} ")))
    };
    // IOS asks before it removes a user (IOS 15 and later) ...
    if let (true, ["username", name, ..]) = (global, w.as_slice()) {
        if has_root(s, &format!("username {name}")) {
            s.ios.confirm = Some(super::state::Pending {
                yes_no: false,
                prompt: "This operation will remove all username related configurations with same name.Do you want to continue? [confirm]".into(),
                action: super::state::PendingAction::Negate(format!("username {name}")),
            });
            return Ok(());
        }
    }
    // ... and an enrolled trustpoint (one with a certificate chain).
    if let (true, ["crypto", "pki" | "ca", "trustpoint", name]) = (global, w.as_slice()) {
        if has_root(s, &format!("crypto pki certificate chain {name}"))
            || has_root(s, &format!("crypto ca certificate chain {name}"))
        {
            out.line("% Removing an enrolled trustpoint will destroy all certificates");
            out.line(" received from the related Certificate Authority.");
            out.line("");
            s.ios.confirm = Some(super::state::Pending {
                yes_no: true,
                prompt: "Are you sure you want to do this? [yes/no]: ".into(),
                action: super::state::PendingAction::RemoveTrustpoint(name.to_string()),
            });
            return Ok(());
        }
    }
    // An access-list entry is stored with its wildcarded bits cleared: `no` names it either way.
    let ace = matches!(w.as_slice(), ["access-list", ..] | ["permit" | "deny", ..] | [_, "permit" | "deny", ..]);
    if !remove_line(s, &rest) && !(ace && remove_line(s, &super::acl_check::masked(&rest))) {
        set_line(s, "", &format!("no {rest}"));
    }
    if rest.starts_with("logging") {
        crate::logbuf::from_ios_doc(&mut s.router());
    }
    Ok(())
}

/// `logging buffered ...`, `logging host ...`: kept as typed, and followed by the log buffer.
fn logging(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let line = canon(a);
    let key = if line.starts_with("logging buffered") { "logging buffered" } else { "" };
    set_line(s, key, &line);
    crate::logbuf::from_ios_doc(&mut s.router());
    Ok(())
}

const LOG_LEVELS: &str =
    "[emergencies | alerts | critical | errors | warnings | notifications | informational | debugging]";

const NO: &str = "Negate a command or set its defaults";
const TRANSFORMS: &str = "{esp-des | esp-3des | esp-aes [128 | 192 | 256] | esp-gcm [128 | 192 | 256] | esp-gmac [128 | 192 | 256] | esp-seal | esp-null | esp-md5-hmac | esp-sha-hmac | esp-sha256-hmac | esp-sha384-hmac | esp-sha512-hmac | ah-md5-hmac | ah-sha-hmac | ah-sha256-hmac | comp-lzs}";
const TRANSFORM_HELP: [&str; 23] = [
    "ESP transform using DES cipher (56 bits)",
    "ESP transform using 3DES(EDE) cipher (168 bits)",
    "ESP transform using AES cipher",
    "128 bit keys",
    "192 bit keys",
    "256 bit keys",
    "ESP transform using GCM cipher",
    "128 bit keys",
    "192 bit keys",
    "256 bit keys",
    "ESP transform using GMAC cipher",
    "128 bit keys",
    "192 bit keys",
    "256 bit keys",
    "ESP transform using SEAL cipher (160 bits)",
    "ESP transform w/o cipher",
    "ESP transform using HMAC-MD5 auth",
    "ESP transform using HMAC-SHA auth",
    "ESP transform using HMAC-SHA256 auth",
    "ESP transform using HMAC-SHA384 auth",
    "ESP transform using HMAC-SHA512 auth",
    "AH-HMAC-MD5 transform",
    "AH-HMAC-SHA transform",
];

fn transforms_help(head: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<&str> = head.to_vec();
    for _ in 0..3 {
        v.extend(TRANSFORM_HELP);
        v.push("AH-HMAC-SHA256 transform");
        v.push("IP Compression using the LZS compression algorithm");
    }
    v
}

fn common(g: &mut G) {
    add(g, "exit", &["Exit from the current mode"], |s, _, _| {
        super::modes_tree::exit_mode(s);
        if s.ios.stack.is_empty() {
            s.ios.privileged = true;
        }
        Ok(())
    });
    add(g, "end", &["Exit to privileged exec mode"], |s, _, _| {
        s.ios.stack.clear();
        Ok(())
    });
    add(g, "no LINE", &[NO, "The command to negate"], negate);
}

pub fn build(m: IosMode) -> G {
    let mut g = G::new();
    match m {
        IosMode::UserExec | IosMode::Exec => exec(&mut g, m == IosMode::Exec),
        IosMode::Config => global(&mut g),
        IosMode::IsakmpPolicy => {
            // IOS prints `encryption` as `encr`.
            add(
                &mut g,
                "encryption {des | 3des | aes [128 | 192 | 256]}",
                &[
                    "Set encryption algorithm for protection suite",
                    "DES - Data Encryption Standard (56 bit keys).",
                    "Three key triple DES",
                    "AES - Advanced Encryption Standard.",
                    "128 bit keys.",
                    "192 bit keys.",
                    "256 bit keys.",
                ],
                |s, a, _| {
                    let rest = a.bindings.iter().skip(1).map(|b| b.value.to_string()).collect::<Vec<_>>().join(" ");
                    set_line(s, "encr", &format!("encr {rest}"));
                    Ok(())
                },
            );
            add(
                &mut g,
                "encr {des | 3des | aes [128 | 192 | 256]}",
                &[
                    "Set encryption algorithm for protection suite",
                    "DES",
                    "3DES",
                    "AES",
                    "128 bit keys.",
                    "192 bit keys.",
                    "256 bit keys.",
                ],
                leaf1,
            );
            add(
                &mut g,
                "hash {md5 | sha | sha256 | sha384 | sha512}",
                &[
                    "Set hash algorithm for protection suite",
                    "Message Digest 5",
                    "Secure Hash Standard",
                    "Secure Hash Standard 2 (256 bit)",
                    "Secure Hash Standard 2 (384 bit)",
                    "Secure Hash Standard 2 (512 bit)",
                ],
                leaf1,
            );
            add(
                &mut g,
                "authentication {pre-share | rsa-sig | rsa-encr}",
                &[
                    "Set authentication method for protection suite",
                    "Pre-Shared Key",
                    "Rivest-Shamir-Adleman Signature",
                    "Rivest-Shamir-Adleman Encryption",
                ],
                leaf1,
            );
            add(
                &mut g,
                "group {1 | 2 | 5 | 14 | 15 | 16 | 19 | 20 | 21 | 24}",
                &[
                    "Set the Diffie-Hellman group",
                    "Diffie-Hellman group 1 (768 bit)",
                    "Diffie-Hellman group 2 (1024 bit)",
                    "Diffie-Hellman group 5 (1536 bit)",
                    "Diffie-Hellman group 14 (2048 bit)",
                    "Diffie-Hellman group 15 (3072 bit)",
                    "Diffie-Hellman group 16 (4096 bit)",
                    "Diffie-Hellman group 19 (256 bit ecp)",
                    "Diffie-Hellman group 20 (384 bit ecp)",
                    "Diffie-Hellman group 21 (521 bit ecp)",
                    "Diffie-Hellman group 24 (2048 bit, 256 bit subgroup)",
                ],
                leaf1,
            );
            add(
                &mut g,
                "lifetime <60-86400>",
                &["Set lifetime for ISAKMP security association", "lifetime in seconds"],
                leaf1,
            );
        }
        IosMode::TransformSet => {
            add(
                &mut g,
                "mode {tunnel | transport [require]}",
                &[
                    "encapsulation mode (transport/tunnel)",
                    "tunnel (datagram encapsulation) mode",
                    "transport (payload encapsulation) mode",
                    "transport mode only: tunnel mode is refused",
                ],
                leaf1,
            );
        }
        IosMode::CryptoMap => {
            add(
                &mut g,
                "set peer {A.B.C.D | WORD}",
                &[
                    "Set values for encryption/decryption",
                    "Allowed Encryption/Decryption peer",
                    "IP address of peer",
                    "Host name of peer",
                ],
                set_peer,
            );
            add(
                &mut g,
                "set transform-set WORD [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD]",
                &[
                    "Set values",
                    "Specify list of transform sets in priority order",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                    "Transform set name",
                ],
                leaf2,
            );
            add(
                &mut g,
                "set pfs [group1 | group2 | group5 | group14 | group15 | group16 | group19 | group20 | group21 | group24]",
                &[
                    "Set values",
                    "Specify pfs settings",
                    "D-H Group1 (768-bit modulus) exchange",
                    "D-H Group2 (1024-bit modulus) exchange",
                    "D-H Group5 (1536-bit modulus) exchange",
                    "D-H Group14 (2048-bit modulus) exchange",
                    "D-H Group15 (3072-bit modulus) exchange",
                    "D-H Group16 (4096-bit modulus) exchange",
                    "D-H Group19 (256-bit order ECP) exchange",
                    "D-H Group20 (384-bit order ECP) exchange",
                    "D-H Group21 (521-bit order ECP) exchange",
                    "D-H Group24 (2048-bit modulus & 256-bit order) exchange",
                ],
                leaf2,
            );
            add(
                &mut g,
                "set security-association lifetime {seconds <120-86400> | kilobytes {<2560-4294967295> | disable}}",
                &[
                    "Set values",
                    "Security association parameters",
                    "Security association lifetime",
                    "Time-based key duration in seconds",
                    "Seconds",
                    "Volume-based key duration",
                    "Kilobytes",
                    "Disable volume-based rekey",
                ],
                leaf4,
            );
            add(&mut g, "set isakmp-profile WORD", &["Set values", "Specify isakmp Profile", "Profile name"], leaf2);
            add(&mut g, "set ikev2-profile WORD", &["Set values", "Specify ikev2 Profile", "Profile name"], leaf2);
            // ipsec-manual entries: one line per direction and protocol (the first four words).
            add(
                &mut g,
                "set session-key {inbound | outbound} esp <256-4294967295>:spi {cipher WORD:cipher [authenticator WORD:auth] | authenticator WORD:auth}",
                &[
                    "Set values",
                    "Set security session key",
                    "Inbound session key",
                    "Outbound session key",
                    "Set ESP keys",
                    "Security parameter index",
                    "Set encryption key",
                    "A hex string",
                    "Set authentication key",
                    "A hex string",
                    "Set authentication key",
                    "A hex string",
                ],
                leaf4,
            );
            add(
                &mut g,
                "set session-key {inbound | outbound} ah <256-4294967295>:spi WORD:key",
                &[
                    "Set values",
                    "Set security session key",
                    "Inbound session key",
                    "Outbound session key",
                    "Set AH key",
                    "Security parameter index",
                    "A hex string",
                ],
                leaf4,
            );
            add(
                &mut g,
                "match address {<100-199> | <2000-2699> | WORD}",
                &[
                    "Match values",
                    "Match address of packets to encrypt",
                    "IP access-list number",
                    "IP access-list number (expanded range)",
                    "Access-list name",
                ],
                leaf2,
            );
            add(&mut g, "reverse-route [static]", &["Reverse Route Injection", "Static routes"], leaf1);
            add(&mut g, "description LINE", &["Description of the crypto map statement policy", "Description"], leaf1);
        }
        IosMode::Keyring => {
            add(
                &mut g,
                "pre-shared-key address A.B.C.D [A.B.C.D:mask] key [0 | 6] WORD",
                &[
                    "Pre-Shared Key",
                    "pre shared key by address",
                    "IP address",
                    "Mask",
                    "pre shared key",
                    "Unencrypted key",
                    "Encrypted key",
                    "The key",
                ],
                append_key,
            );
            add(&mut g, "local-address {A.B.C.D | WORD}", &["Local address", "IP address", "Interface"], leaf1);
            add(&mut g, "description LINE", &["Description", "Text"], leaf1);
        }
        IosMode::IsakmpProfile => {
            add(&mut g, "keyring WORD", &["Keyring to use", "Keyring name"], append);
            add(
                &mut g,
                "match identity {address A.B.C.D [A.B.C.D:mask] [WORD:vrf] | host WORD | user WORD}",
                &[
                    "Match values of peer",
                    "Identity",
                    "IP address",
                    "Address",
                    "Mask",
                    "VRF",
                    "Host name",
                    "Name",
                    "User",
                    "Name",
                ],
                append,
            );
            add(
                &mut g,
                "self-identity {address | fqdn | A.B.C.D | user-fqdn WORD}",
                &["Specify self-identity", "Use an IP address", "Use the FQDN", "The address", "User FQDN", "Name"],
                leaf1,
            );
            add(&mut g, "local-address {A.B.C.D | WORD}", &["Local address", "IP address", "Interface"], leaf1);
            add(
                &mut g,
                "keepalive <10-3600> retry <2-60>",
                &["Enable keepalive", "Seconds", "Retry interval", "Seconds"],
                leaf1,
            );
            add(&mut g, "vrf WORD", &["VRF", "Name"], leaf1);
            add(&mut g, "initiate mode aggressive", &["Initiator property", "Initiate mode", "Aggressive mode"], leaf2);
            add(&mut g, "description LINE", &["Description", "Text"], leaf1);
        }
        IosMode::IpsecProfile => {
            add(
                &mut g,
                "set transform-set WORD [WORD] [WORD] [WORD] [WORD] [WORD]",
                &["Set values", "Transform sets", "Name", "Name", "Name", "Name", "Name", "Name"],
                leaf2,
            );
            add(
                &mut g,
                "set pfs [group1 | group2 | group5 | group14 | group15 | group16 | group19 | group20 | group21 | group24]",
                &["Set values", "PFS", "g1", "g2", "g5", "g14", "g15", "g16", "g19", "g20", "g21", "g24"],
                leaf2,
            );
            add(&mut g, "set isakmp-profile WORD", &["Set values", "ISAKMP profile", "Name"], leaf2);
            add(&mut g, "set ikev2-profile WORD", &["Set values", "IKEv2 profile", "Name"], leaf2);
            add(
                &mut g,
                "set security-association lifetime {seconds <120-86400> | kilobytes {<2560-4294967295> | disable}}",
                &["Set values", "SA", "Lifetime", "Seconds", "Seconds", "Kilobytes", "Kilobytes", "Disable"],
                leaf4,
            );
        }
        IosMode::Ikev2Proposal => {
            const ENC: &str = "des | 3des | aes-cbc-128 | aes-cbc-192 | aes-cbc-256 | aes-gcm-128 | aes-gcm-256";
            const ENC_HELP: [&str; 7] =
                ["DES", "3DES", "AES-CBC-128", "AES-CBC-192", "AES-CBC-256", "AES-GCM-128", "AES-GCM-256"];
            let mut helps = vec!["Set encryption algorithms"];
            for _ in 0..ENC_HELP.len() {
                helps.extend(ENC_HELP);
            }
            add(
                &mut g,
                &format!("encryption {{{ENC}}}{}", format!(" [{ENC}]").repeat(ENC_HELP.len() - 1)),
                &helps,
                leaf1,
            );
            add(
                &mut g,
                "integrity {md5 | sha1 | sha256 | sha384 | sha512} [md5 | sha1 | sha256 | sha384 | sha512] [md5 | sha1 | sha256 | sha384 | sha512] [md5 | sha1 | sha256 | sha384 | sha512] [md5 | sha1 | sha256 | sha384 | sha512]",
                &[
                    "Set integrity algorithms",
                    "MD5",
                    "SHA1",
                    "SHA256",
                    "SHA384",
                    "SHA512",
                    "MD5",
                    "SHA1",
                    "SHA256",
                    "SHA384",
                    "SHA512",
                    "MD5",
                    "SHA1",
                    "SHA256",
                    "SHA384",
                    "SHA512",
                    "MD5",
                    "SHA1",
                    "SHA256",
                    "SHA384",
                    "SHA512",
                    "MD5",
                    "SHA1",
                    "SHA256",
                    "SHA384",
                    "SHA512",
                ],
                leaf1,
            );
            // IOS takes every group in one line, in order of preference (`group 24 21 20`).
            const GROUPS: &str = "1 | 2 | 5 | 14 | 15 | 16 | 19 | 20 | 21 | 24";
            const GROUP_HELP: [&str; 10] = ["1", "2", "5", "14", "15", "16", "19", "20", "21", "24"];
            let mut helps = vec!["Set DH groups"];
            for _ in 0..GROUP_HELP.len() {
                helps.extend(GROUP_HELP);
            }
            add(
                &mut g,
                &format!("group {{{GROUPS}}}{}", format!(" [{GROUPS}]").repeat(GROUP_HELP.len() - 1)),
                &helps,
                leaf1,
            );
            add(
                &mut g,
                "prf {md5 | sha1 | sha256 | sha384 | sha512}",
                &["Set PRF algorithms", "MD5", "SHA1", "SHA256", "SHA384", "SHA512"],
                leaf1,
            );
        }
        IosMode::Ikev2Policy => {
            add(&mut g, "proposal WORD", &["Specify proposal", "Proposal name"], append);
            add(
                &mut g,
                "match {address local {A.B.C.D | interface WORD} | fvrf {WORD | any}}",
                &[
                    "Match values",
                    "Local address",
                    "Local",
                    "Address",
                    "Interface",
                    "Name",
                    "Front-door VRF",
                    "Name",
                    "Any",
                ],
                append,
            );
        }
        IosMode::Ikev2Keyring => {
            add(&mut g, "peer WORD", &["Configure a peer", "Peer name"], b_v2peer);
        }
        IosMode::Ikev2Peer => {
            add(&mut g, "address A.B.C.D [A.B.C.D:mask]", &["Peer address", "IPv4 address", "Mask"], leaf1);
            add(
                &mut g,
                "identity {address A.B.C.D | fqdn WORD | email WORD}",
                &["Peer identity", "Address", "The address", "FQDN", "Name", "E-mail (user@fqdn)", "Name"],
                leaf1,
            );
            add(
                &mut g,
                "pre-shared-key [local | remote] [0 | 6] WORD",
                &["Pre-shared key", "Local", "Remote", "Unencrypted", "Encrypted", "Key"],
                |s, a, o| {
                    type6_alert(s, a, o);
                    leaf2(s, a, o)
                },
            );
            add(&mut g, "description LINE", &["Description", "Text"], leaf1);
        }
        IosMode::Ikev2Profile => {
            add(
                &mut g,
                "match identity remote {address A.B.C.D [A.B.C.D:mask] | fqdn [domain] WORD | email [domain] WORD | any}",
                &[
                    "Match values",
                    "Identity",
                    "Remote identity",
                    "Address",
                    "IP",
                    "Mask",
                    "FQDN",
                    "Domain",
                    "Name",
                    "E-mail (user@fqdn)",
                    "Domain",
                    "Name",
                    "Any",
                ],
                append,
            );
            add(
                &mut g,
                "match {address local {A.B.C.D | interface WORD} | fvrf {WORD | any}}",
                &[
                    "Match values",
                    "Local address",
                    "Local",
                    "Address",
                    "Interface",
                    "Name",
                    "Front-door VRF",
                    "Name",
                    "Any",
                ],
                append,
            );
            add(
                &mut g,
                "identity local {address A.B.C.D | fqdn WORD | email WORD}",
                &["Identity", "Local identity", "Address", "IP", "FQDN", "Name", "E-mail (user@fqdn)", "Name"],
                leaf2,
            );
            add(
                &mut g,
                "authentication {local | remote} {pre-share [key [0 | 6] WORD] | rsa-sig}",
                &[
                    "Authentication",
                    "Local",
                    "Remote",
                    "Pre-shared key",
                    "Key for this profile (instead of the keyring)",
                    "Unencrypted",
                    "Encrypted",
                    "Key",
                    "RSA signature",
                ],
                leaf2,
            );
            add(&mut g, "keyring local WORD", &["Keyring", "Local keyring", "Name"], leaf2);
            add(&mut g, "lifetime <120-86400>", &["Lifetime", "Seconds"], leaf1);
            add(
                &mut g,
                "dpd <10-3600> <2-60> {on-demand | periodic}",
                &["Dead peer detection", "Interval", "Retry", "On demand", "Periodic"],
                leaf1,
            );
        }
        IosMode::Vrf => {
            add(&mut g, "rd WORD", &["Specify Route Distinguisher", "ASN:nn or IP-address:nn"], leaf1);
            add(
                &mut g,
                "description LINE",
                &["VRF specific description", "Up to 244 characters describing this VRF"],
                leaf1,
            );
            add(
                &mut g,
                "route-target {export | import | both} WORD",
                &[
                    "Specify Target VPN Extended Communities",
                    "Export Target-VPN community",
                    "Import Target-VPN community",
                    "Both import and export Target-VPN community",
                    "ASN:nn or IP-address:nn",
                ],
                append,
            );
            add(
                &mut g,
                "address-family ipv4 [unicast]",
                &["Enter Address Family command mode", "Address family", "Address Family modifier"],
                b_vrfaf,
            );
        }
        IosMode::VrfAf => {
            add(
                &mut g,
                "route-target {export | import | both} WORD",
                &[
                    "Specify Target VPN Extended Communities",
                    "Export Target-VPN community",
                    "Import Target-VPN community",
                    "Both import and export Target-VPN community",
                    "ASN:nn or IP-address:nn",
                ],
                append,
            );
            add(&mut g, "exit-address-family", &["Exit from Address Family configuration mode"], |s, _, _| {
                // IOS prints the line after the address family, at the VRF's level.
                s.ios.stack.pop();
                set_line(s, "exit-address-family", "exit-address-family");
                Ok(())
            });
        }
        IosMode::Interface => {
            add(
                &mut g,
                "ip vrf forwarding WORD",
                &[
                    "Interface Internet Protocol config commands",
                    "VPN Routing/Forwarding parameters on the interface",
                    "Configure forwarding table",
                    "VRF name",
                ],
                vrf_forwarding,
            );
            add(
                &mut g,
                "vrf forwarding WORD",
                &["VPN Routing/Forwarding parameters on the interface", "Configure forwarding table", "VRF name"],
                vrf_forwarding,
            );
            add(
                &mut g,
                "tunnel vrf WORD",
                &["protocol-over-protocol tunneling", "set tunnel vrf membership", "VRF name"],
                leaf2,
            );
            add(
                &mut g,
                "ip address A.B.C.D:addr A.B.C.D:mask [secondary]",
                &[
                    "Interface Internet Protocol config commands",
                    "Set the IP address of an interface",
                    "IP address",
                    "IP subnet mask",
                    "Make this IP address a secondary address",
                ],
                ip_address,
            );
            add(
                &mut g,
                "ip address {dhcp [client-id WORD] | negotiated [previous]}",
                &[
                    "Interface Internet Protocol config commands",
                    "Set the IP address of an interface",
                    "IP Address negotiated via DHCP",
                    "Specify client-id to use",
                    "Use this interface's MAC address or name",
                    "IP Address negotiated over PPP",
                    "IPCP attempts to negotiate previous address",
                ],
                ip_address,
            );
            add(&mut g, "ip mtu <68-9216>", &["IP", "Set IP Maximum Transmission Unit", "MTU (bytes)"], leaf2);
            add(&mut g, "ip tcp adjust-mss <500-1460>", &["IP", "TCP", "Adjust the MSS", "Bytes"], leaf3);
            add(
                &mut g,
                "description LINE",
                &["Interface specific description", "Up to 240 characters describing this interface"],
                leaf1,
            );
            add(&mut g, "shutdown", &["Shutdown the selected interface"], leaf1);
            add(
                &mut g,
                "crypto map WORD",
                &["Encryption/Decryption commands", "Assign a Crypto Map", "Crypto Map tag"],
                leaf2,
            );
            add(
                &mut g,
                "tunnel source {A.B.C.D | WORD [WORD:num]}",
                &[
                    "protocol-over-protocol tunneling",
                    "source of tunnel packets",
                    "IP address",
                    "Interface (or type)",
                    "Interface number",
                ],
                |s, a, o| {
                    // An interface is stored by its full name, as IOS prints it.
                    match (a.get("A.B.C.D"), joined_interface(a).or_else(|| a.get("WORD").map(str::to_string))) {
                        (None, Some(i)) if a.get("num").is_none() || joined_interface(a).is_some() => {
                            set_line(s, "tunnel source", &format!("tunnel source {}", interface_name(&i)));
                            Ok(())
                        }
                        (None, _) => {
                            let w = a.get("num").unwrap_or("");
                            let col = super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
                            o.line(&format!("{}^", " ".repeat(col)));
                            o.line("% Invalid input detected at '^' marker.");
                            o.line("");
                            Err(String::new())
                        }
                        _ => leaf2(s, a, o),
                    }
                },
            );
            add(
                &mut g,
                "tunnel destination {A.B.C.D | WORD}",
                &["protocol-over-protocol tunneling", "destination of tunnel", "IP address", "Host name"],
                leaf2,
            );
            add(
                &mut g,
                "tunnel mode {ipsec {ipv4 | ipv6} | gre {ip | ipv6 | multipoint [ipv6]} | ipip [decapsulate-any] | ipv6ip [6to4 | auto-tunnel | isatap] | ipv6 | mpls traffic-eng | vxlan-gpe ipv4 | vxlan ipv4 | l2tpv3 | udp | rbscp}",
                &[
                    "protocol-over-protocol tunneling",
                    "tunnel encapsulation method",
                    "IPSEC tunnel encapsulation",
                    "over IPv4",
                    "over IPv6",
                    "generic route encapsulation protocol",
                    "over IP",
                    "over IPv6",
                    "over IPv4 (multipoint)",
                    "over IPv6 (multipoint)",
                    "IP over IP encapsulation",
                    "decapsulate any IP-in-IP packet",
                    "IPv6 over IP encapsulation",
                    "IPv6 automatic tunnelling using 6to4",
                    "IPv6 automatic tunnelling using IPv4 compatible addresses",
                    "IPv6 automatic tunnelling using ISATAP",
                    "Generic packet tunneling in IPv6",
                    "MPLS encapsulations",
                    "RSVP Traffic Engineering",
                    "VXLAN-GPE encapsulation",
                    "over IPv4",
                    "VXLAN encapsulation",
                    "over IPv4",
                    "L2TPv3 encapsulation",
                    "UDP encapsulation",
                    "RBSCP in IP tunnel",
                ],
                |s, a, _| {
                    // `tunnel mode gre ip` is IOS's default: IOS does not print it.
                    remove_line(s, "tunnel mode");
                    let text = canon(a);
                    if text != "tunnel mode gre ip" {
                        set_line(s, "tunnel mode", &text);
                    }
                    Ok(())
                },
            );
            add(
                &mut g,
                "tunnel protection ipsec profile WORD [shared] [isakmp-profile WORD:isakmp | ikev2-profile WORD:ikev2]",
                &[
                    "protocol-over-protocol tunneling",
                    "Enable tunnel protection",
                    "IPsec",
                    "Profile",
                    "Name",
                    "Shared",
                    "Determine the ISAKMP profile to use",
                    "ISAKMP profile name",
                    "Determine the IKEv2 profile to use",
                    "IKEv2 profile name",
                ],
                leaf2,
            );
            add(&mut g, "no shutdown", &[NO, "Enable the interface"], |s, _, _| {
                remove_line(s, "shutdown");
                Ok(())
            });
        }
        IosMode::ExtAcl => {
            add(
                &mut g,
                "[<1-2147483647>:number] {permit | deny} LINE",
                &[
                    "Sequence number",
                    "Specify packets to forward",
                    "Specify packets to reject",
                    "Protocol, source, destination",
                ],
                acl_entry,
            );
            add(&mut g, "remark LINE", &["Access list entry comment", "Comment"], append);
        }
        IosMode::Line => {
            add(&mut g, "exec-timeout <0-35791> [<0-2147483>]", &["Set the EXEC timeout", "Minutes", "Seconds"], leaf1);
            add(&mut g, "login [local]", &["Enable password checking", "Local password checking"], leaf1);
            add(
                &mut g,
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
            add(&mut g, "password LINE", &["Set a password", "The password"], line_password);
        }
        IosMode::SshPubkey => {
            add(&mut g, "username WORD", &["Config public key for remote user", "SSH user name"], b_pubkey_user);
        }
        IosMode::SshPubkeyUser => {
            add(&mut g, "key-string", &["Enter public key (the base64 data, then exit)"], |s, _, _| {
                s.ios.key_data.clear();
                s.ios.key_user = s.ios.stack.last().cloned();
                let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
                s.ios.stack.push(super::IosFrame { mode: IosMode::SshPubkeyData, path });
                Ok(())
            });
            let mut helps = vec!["Enter public key hash"];
            helps.extend(KEY_TYPE_HELP);
            helps.extend(["MD5 hash of the key, 32 hexadecimal digits", "Comment"]);
            add(&mut g, &format!("key-hash {KEY_TYPES} WORD:hash [LINE]"), &helps, |s, a, _| {
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
        IosMode::SshPubkeyData | IosMode::Verbatim => {}
    }
    if !matches!(m, IosMode::UserExec | IosMode::Exec) {
        common(&mut g);
    }
    g
}

/// `permit|deny PROTO SRC [WILD] DST [WILD] [eq PORT]`: checked by the ACL parser.
fn acl_entry(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let rest = a.get("LINE").unwrap_or("");
    check_ace(rest)?;
    if let Some(seq) = a.get("number") {
        if super::block_has_line(s, &format!("{seq} ")) {
            return Err("Duplicate sequence number".into());
        }
    }
    set_line(s, "", &super::acl_check::masked(&canon(a)));
    Ok(())
}

/// `ip address A M [secondary]`, `ip address dhcp`: a primary replaces the
/// primary (or DHCP), a secondary is added after the primary, as IOS keeps
/// them (and prints the primary first).
fn ip_address(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let text = canon(a);
    let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
    let mut r = s.router();
    let Some(list) = r.ios_doc.at_mut(&path) else { return Ok(()) };
    let is_addr = |n: &super::Node| n.text.starts_with("ip address ");
    let node = super::Node { text: text.clone(), ..Default::default() };
    if text.ends_with(" secondary") {
        if !list.iter().any(|n| n.text == text) {
            let at = list.iter().rposition(is_addr).map(|i| i + 1).unwrap_or(list.len());
            list.insert(at, node);
        }
    } else {
        let dhcp = !text.split_whitespace().nth(2).is_some_and(|w| w.parse::<std::net::Ipv4Addr>().is_ok());
        // DHCP has no secondaries on IOS: they go with it.
        if dhcp {
            list.retain(|n| !n.text.ends_with(" secondary") || !is_addr(n));
        }
        match list.iter().position(|n| is_addr(n) && !n.text.ends_with(" secondary")) {
            Some(i) => list[i] = node,
            None => {
                let at = list.iter().position(is_addr).unwrap_or(list.len());
                list.insert(at, node);
            }
        }
    }
    Ok(())
}

/// `enable secret level N [TYPE] SECRET`: the secret of exec level N.
fn enable_level(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
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

/// `ip route [vrf V] NET MASK HOP|IF [DIST]`: a contiguous mask that covers
/// the address (IOS: `%Inconsistent address and mask`).
fn ip_route(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let net: Option<u32> = a.get("net").and_then(|v| v.parse::<std::net::Ipv4Addr>().ok()).map(u32::from);
    let mask: Option<u32> = a.get("mask").and_then(|v| v.parse::<std::net::Ipv4Addr>().ok()).map(u32::from);
    match (net, mask) {
        (Some(n), Some(m)) if m.leading_ones() + m.trailing_zeros() == 32 && n & !m == 0 => append(s, a, o),
        _ => {
            o.line("%Inconsistent address and mask");
            Err(String::new())
        }
    }
}

/// `set peer A|HOST`: a name made of digits and dots is a mistyped address.
fn set_peer(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    if let Some(w) = a.get("WORD") {
        if w.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(format!("Invalid peer address {w}"));
        }
    }
    append(s, a, o)
}

/// `crypto ipsec transform-set NAME T1 [T2 [T3]]`: at most one AH transform,
/// one ESP cipher, one ESP authenticator and one compression, as the IOS
/// parser allows. (GCM/GMAC with an authenticator is accepted: real configs
/// in the corpus have it.)
fn transform_set(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let class = |t: &str| match t {
        t if t.starts_with("ah-") => "AH",
        t if t.starts_with("comp-") => "compression",
        t if t.ends_with("-hmac") => "ESP authentication",
        t if t.starts_with("esp-") => "ESP encryption",
        _ => "",
    };
    let ts: Vec<&str> =
        a.bindings.iter().filter(|b| b.keyword && !class(&b.value).is_empty()).map(|b| &*b.value).collect();
    for (i, t) in ts.iter().enumerate() {
        if let Some(prev) = ts[..i].iter().find(|p| class(p) == class(t)) {
            return Err(format!("Invalid transform combination: {t} and {prev} are both {} transforms", class(t)));
        }
    }
    // Redefining a set changes its transforms (IOS keeps one set per name, and its mode).
    if let Some(name) = a.get("WORD") {
        let text = canon(a);
        let head = format!("crypto ipsec transform-set {name} ");
        let renamed = match s.router().ios_doc.root.iter_mut().find(|n| n.text.starts_with(&head) && n.text != text) {
            Some(n) => {
                n.text = text;
                true
            }
            None => false,
        };
        // A header changed in place: the block index starts afresh.
        if renamed {
            s.ios.blocks = Default::default();
        }
    }
    b_tset(s, a, o)
}

pub use super::acl_check::{check_ace, check_standard};

fn exec(g: &mut G, privileged: bool) {
    add(g, "enable [<0-15>:level]", &["Turn on privileged commands", "Enable level"], |s, a, o| {
        let level = a.u8("level").unwrap_or(15);
        s.request_enable(level, o)
    });
    add(g, "disable [<0-15>:level]", &["Turn off privileged commands", "Privilege level to go to"], |s, a, _| {
        s.disable(a.u8("level"));
        Ok(())
    });
    add(
        g,
        "show users",
        &["Show running system information", "Display information about terminal lines"],
        |s, _, o| {
            crate::auth::show_users(s, o);
            Ok(())
        },
    );
    add(
        g,
        "show sessions",
        &["Show running system information", "Information about Telnet/SSH connections"],
        |s, _, o| {
            crate::auth::show_users(s, o);
            Ok(())
        },
    );
    add(g, "exit", &["Exit from the EXEC"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(
        g,
        "terminal length <0-512>:lines",
        &[
            "Set terminal line parameters",
            "Set number of lines on a screen",
            "Number of lines on screen (0 for no pausing)",
        ],
        |s, a, _| {
            let n = a.num("lines").unwrap_or(0) as usize;
            s.terminal_length = (n > 0).then_some(n);
            Ok(())
        },
    );
    add(
        g,
        "terminal width <0-512>:columns",
        &["Set terminal line parameters", "Set width of the display terminal", "Number of characters on a screen line"],
        |s, a, _| {
            s.terminal_width = a.num("columns").unwrap_or(80) as usize;
            Ok(())
        },
    );
    add(g, "show version", &["Show running system information", "System hardware and software status"], |s, _, o| {
        let r = s.router();
        let up = r.now().saturating_sub(r.boot_time);
        o.line(&format!(
            "Cisco IOS Software, edgesh Software (edgesh-IOS-DIALECT), Version {}, RELEASE SOFTWARE",
            env!("CARGO_PKG_VERSION")
        ));
        o.line("edgesh: a software router in Rust with an IKE/IPsec engine (Cisco IOS dialect)");
        o.line("");
        o.line(&format!("{} uptime is {} minutes", r.ios_doc.hostname, up / 60));
        o.line("Configuration register is 0x2102");
        Ok(())
    });
    add(g, "show clock", &["Show running system information", "Display the system clock"], |s, _, o| {
        o.line(&format!("*{}", crate::time::date_time(s.router().now())));
        Ok(())
    });
    add(g, "show privilege", &["Show running system information", "Show current privilege level"], |s, _, o| {
        o.line(&format!("Current privilege level is {}", s.privilege));
        Ok(())
    });
    if !privileged {
        return;
    }
    add(
        g,
        "clear line [vty] <0-4294967295>:line",
        &["Reset functions", "Reset a terminal line", "Virtual terminal", "Line number"],
        |s, a, o| crate::auth::clear_line(s, a.num("line").unwrap_or(0), o),
    );
    add(g, "configure terminal", &["Enter configuration mode", "Configure from the terminal"], |s, _, o| {
        o.line("Enter configuration commands, one per line.  End with CNTL/Z.");
        s.ios.stack = vec![super::IosFrame { mode: IosMode::Config, path: Vec::new() }];
        Ok(())
    });
    add(
        g,
        "show running-config",
        &["Show running system information", "Current operating configuration"],
        |s, _, o| {
            show_running(s, o);
            Ok(())
        },
    );
    add(
        g,
        "copy WORD:file running-config",
        &[
            "Copy from one file to another",
            "Source file (flash:, nvram:, bootflash: in the state directory)",
            "Merge into the current system configuration",
        ],
        |s, a, o| copy_in(s, a, o, false),
    );
    add(
        g,
        "configure replace WORD:file [force]",
        &[
            "Enter configuration mode",
            "Replace the running-config with a new config file",
            "The file",
            "Do not ask for confirmation",
        ],
        |s, a, o| copy_in(s, a, o, true),
    );
    add(
        g,
        "show running-config interface WORD",
        &[
            "Show running system information",
            "Current operating configuration",
            "Show interface configuration",
            "Interface name",
        ],
        |s, a, o| {
            let name = format!("interface {}", interface_name(a.req("WORD")?));
            let doc = s.router().ios_doc.clone();
            let Some(n) = doc.root.iter().find(|n| n.text == name) else {
                return Err(format!("{} does not exist", &name[10..]));
            };
            let mut body = vec![n.text.clone()];
            body.extend(n.children.iter().map(|c| format!(" {}", c.text)));
            let bytes: usize = body.iter().map(|l| l.len() + 1).sum::<usize>() + 6;
            o.line("Building configuration...");
            o.line("");
            o.line(&format!("Current configuration : {bytes} bytes"));
            o.line("!");
            for l in &body {
                o.line(l);
            }
            o.line("end");
            Ok(())
        },
    );
    add(
        g,
        "show crypto isakmp policy",
        &[
            "Show running system information",
            "Encryption module",
            "Show ISAKMP information",
            "Show ISAKMP protection suite policies",
        ],
        |s, _, o| {
            let doc = s.router().ios_doc.clone();
            super::show_config::isakmp_policy(&doc, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto ipsec transform-set",
        &["Show running system information", "Encryption module", "Show IPSEC information", "Crypto transform sets"],
        |s, _, o| {
            let doc = s.router().ios_doc.clone();
            super::show_config::transform_set(&doc, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto map [tag WORD]",
        &[
            "Show running system information",
            "Encryption module",
            "Crypto maps",
            "Crypto maps with a given tag",
            "Crypto map tag",
        ],
        |s, a, o| {
            let doc = s.router().ios_doc.clone();
            super::show_config::crypto_map(&doc, a.get("WORD"), o);
            Ok(())
        },
    );
    add(
        g,
        "show ip interface brief",
        &[
            "Show running system information",
            "IP information",
            "IP interface status and configuration",
            "Brief summary of IP status and configuration",
        ],
        |s, _, o| {
            let (doc, links) = {
                let r = s.router();
                (r.ios_doc.clone(), super::show_if::link_states(&r))
            };
            super::show_config::ip_interface_brief(&doc, &links, o);
            Ok(())
        },
    );
    add(
        g,
        "show running-config unsupported",
        &[
            "Show running system information",
            "Current operating configuration",
            "Lines kept verbatim: edgesh does not model them",
        ],
        |s, _, o| {
            for l in s.router().ios_doc.unsupported() {
                o.line(&l);
            }
            Ok(())
        },
    );
    crypto_exec(g);
    add(
        g,
        "show startup-config",
        &["Show running system information", "Contents of startup configuration"],
        |s, _, o| {
            let st = s.router().ios_startup.clone();
            match st {
                Some(d) => d.render(o),
                None => o.line("startup-config is not present"),
            }
            Ok(())
        },
    );
    for spec in ["write memory", "write", "copy running-config startup-config"] {
        let helps: &[&str] = match spec {
            "write" => &["Write running configuration to memory, network, or terminal"],
            "write memory" => &["Write running configuration to memory, network, or terminal", "Write to NV memory"],
            _ => &[
                "Copy from one file to another",
                "Copy from current system configuration",
                "Copy to startup configuration",
            ],
        };
        add(g, spec, helps, |s, _, o| {
            o.line("Building configuration...");
            let doc = s.router().ios_doc.clone();
            let dir = s.router().state_dir.clone();
            let mut text = crate::out::VecOut::default();
            doc.render(&mut text);
            let path = dir.join(super::STARTUP_FILE);
            let res = crate::statefs::write_private(&path, |w| std::io::Write::write_all(w, text.text().as_bytes()));
            match res {
                Ok(()) => {
                    s.router().ios_startup = Some(doc.clone());
                    o.line("[OK]");
                    // `archive` / `write-memory`: each save is archived too.
                    if super::show_archive::conf(&doc).is_some_and(|c| c.write_memory) {
                        super::show_archive::archive_config(s)?;
                    }
                    Ok(())
                }
                Err(e) => Err(format!("Error writing startup-config: {e}")),
            }
        });
    }
}

fn copy_in(s: &mut Session, a: &Args, o: &mut dyn Out, replace: bool) -> CmdResult {
    let name = a.req("file")?.to_string();
    let path = super::state_file(s, &name).map_err(|e| format!("Error opening {name} ({e})"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("Error opening {name} ({e})"))?;
    let router = s.router_handle();
    let before = s.router().ios_doc.clone();
    if replace {
        let host = before.hostname.clone();
        s.router().ios_doc = super::IosDoc::new(&host);
    }
    let (lines, rejected, msgs) = super::apply_text(&router, &text, &name);
    for m in &msgs {
        o.line(m);
    }
    if replace && rejected > 0 {
        // configure replace is all or nothing.
        s.router().ios_doc = before;
        return Err(format!(
            "Rollback aborted: {rejected} of {lines} lines of {name} were rejected; the running configuration is unchanged"
        ));
    }
    o.line(&format!(
        "{} lines applied from {name}{}",
        lines - rejected,
        if rejected > 0 { format!(", {rejected} rejected") } else { String::new() }
    ));
    if rejected > 0 { Err(String::new()) } else { Ok(()) }
}

/// `username ... secret [0] TEXT` and `enable secret [0] TEXT`: a clear-text
/// secret is stored hashed (type 5, MD5-crypt), as IOS does; a hashed one
/// (5, 8, 9) is kept as given and checked for shape.
fn user_line(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
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
fn password_encryption(s: &Session) -> bool {
    s.router().ios_doc.root.iter().any(|n| n.text == "service password-encryption")
}

/// `service password-encryption`: from now on clear-text passwords are
/// kept as type 7, and those already configured (`enable password`, `line`
/// passwords) are encrypted at once; `no service password-encryption` leaves
/// them encrypted, as on IOS.
fn service_password_encryption(s: &mut Session, _: &Args, _: &mut dyn Out) -> CmdResult {
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
fn line_password(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
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

fn global(g: &mut G) {
    super::pki_keys::register_global(g);
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
        &format!("logging buffered [<4096-2147483647>] {LOG_LEVELS}"),
        &[
            "Modify message logging facilities",
            "Set buffered logging parameters",
            "Logging buffer size (bytes)",
            "System is unusable",
            "Immediate action needed",
            "Critical conditions",
            "Error conditions",
            "Warning conditions",
            "Normal but significant conditions",
            "Informational messages",
            "Debugging messages",
        ],
        logging,
    );
    add(
        g,
        "logging host A.B.C.D [transport udp port <1-65535>]",
        &[
            "Modify message logging facilities",
            "Set syslog server IP address and parameters",
            "IP address of the syslog server",
            "Specify the transport protocol",
            "UDP",
            "Specify the UDP port",
            "Port",
        ],
        logging,
    );
    add(g, "logging A.B.C.D", &["Modify message logging facilities", "IP address of the logging host"], logging);
    add(g, "hostname WORD", &["Set system's network name", "This system's network name"], |s, a, _| {
        let h = a.req("WORD")?.to_string();
        s.router().ios_doc.hostname = h;
        Ok(())
    });
    add(
        g,
        "crypto isakmp policy <1-10000>",
        &[
            "Encryption module",
            "Configure ISAKMP Policy",
            "Set policy for an ISAKMP protection suite",
            "Priority of protection suite",
        ],
        b_isakmp,
    );
    add(
        g,
        "crypto isakmp key [0 | 6] WORD:key address A.B.C.D [A.B.C.D:mask] [no-xauth]",
        &[
            "Encryption module",
            "ISAKMP",
            "Set pre-shared key for remote peer",
            "Unencrypted key",
            "Encrypted key",
            "pre-shared key",
            "define shared key with IP address",
            "Peer IP address",
            "Peer IP subnet mask",
            "Bypasses XAuth for this peer",
        ],
        append_key,
    );
    add(
        g,
        "crypto isakmp key [0 | 6] WORD:key hostname WORD:host [no-xauth]",
        &[
            "Encryption module",
            "ISAKMP",
            "Set pre-shared key for remote peer",
            "Unencrypted key",
            "Encrypted key",
            "pre-shared key",
            "define shared key with hostname",
            "Hostname of peer",
            "Bypasses XAuth for this peer",
        ],
        append_key,
    );
    add(
        g,
        "crypto isakmp key [0 | 6] WORD:key address ipv6 WORD:prefix [no-xauth]",
        &[
            "Encryption module",
            "ISAKMP",
            "Set pre-shared key for remote peer",
            "Unencrypted key",
            "Encrypted key",
            "pre-shared key",
            "define shared key with IP address",
            "define shared key with IPv6 address",
            "IPv6 prefix (X:X:X:X::X/<0-128>)",
            "Bypasses XAuth for this peer",
        ],
        append_key,
    );
    add(
        g,
        "crypto isakmp identity {address | hostname | dn}",
        &[
            "Encryption module",
            "ISAKMP",
            "Set the identifier used during IKE",
            "Use the IP address of the interface",
            "Use the hostname of the router",
            "Use the distinguished name",
        ],
        leaf3,
    );
    add(
        g,
        "crypto isakmp keepalive <10-3600> [<2-60>] [on-demand | periodic]",
        &[
            "Encryption module",
            "ISAKMP",
            "Set a keepalive interval for use with IOS peers",
            "Number of seconds between keep alives",
            "Number of seconds between retries",
            "DPD on demand",
            "DPD periodic",
        ],
        leaf3,
    );
    add(
        g,
        "crypto isakmp nat keepalive <5-3600>",
        &["Encryption module", "ISAKMP", "NAT traversal", "Set a keepalive interval", "Seconds"],
        leaf4,
    );
    add(g, "crypto isakmp profile WORD", &["Encryption module", "ISAKMP", "Define ISAKMP Profiles", "Name"], b_isaprof);
    add(
        g,
        "crypto keyring WORD [vrf WORD:vrf]",
        &["Encryption module", "Key ring commands", "Name of the keyring", "VRF", "VRF name"],
        b_keyring,
    );
    add(
        g,
        &format!(
            "crypto ipsec transform-set WORD {TRANSFORMS} [{}] [{}]",
            TRANSFORMS.trim_matches(|c| c == '{' || c == '}'),
            TRANSFORMS.trim_matches(|c| c == '{' || c == '}')
        ),
        &transforms_help(&[
            "Encryption module",
            "Configure IPSEC policy",
            "Define transform and settings",
            "Transform set tag",
        ]),
        transform_set,
    );
    add(
        g,
        "crypto ipsec security-association lifetime {seconds <120-86400> | kilobytes <2560-4294967295>}",
        &[
            "Encryption module",
            "IPsec",
            "Security association parameters",
            "Lifetime",
            "Time-based",
            "Seconds",
            "Volume-based",
            "Kilobytes",
        ],
        leaf4,
    );
    add(
        g,
        "crypto ipsec security-association replay {disable | window-size [64 | 128 | 256 | 512 | 1024]}",
        &[
            "Encryption module",
            "IPsec",
            "Security association parameters",
            "Replay",
            "Disable replay checking",
            "Window size",
            "64",
            "128",
            "256",
            "512",
            "1024",
        ],
        leaf4,
    );
    add(
        g,
        "crypto ipsec df-bit {clear | set | copy}",
        &["Encryption module", "IPsec", "Handling of encapsulated DF bit", "Clear", "Set", "Copy"],
        leaf3,
    );
    add(
        g,
        "crypto ipsec profile WORD",
        &["Encryption module", "IPsec", "Configure an ipsec policy profile", "Profile name"],
        b_ipsecprof,
    );
    add(
        g,
        "crypto map WORD <1-65535> [ipsec-isakmp [dynamic WORD:dmap] | ipsec-manual]",
        &[
            "Encryption module",
            "Enter a crypto map",
            "Crypto map tag",
            "Sequence to insert into crypto map entry",
            "IPSEC w/ISAKMP",
            "Enable dynamic crypto map support",
            "Name of dynamic crypto map",
            "IPSEC w/manual keying",
        ],
        b_cmap,
    );
    add(
        g,
        "crypto map WORD local-address WORD:if",
        &[
            "Encryption module",
            "Enter a crypto map",
            "Crypto map tag",
            "Interface to use for local address",
            "Interface",
        ],
        leaf4,
    );
    add(
        g,
        "crypto dynamic-map WORD <1-65535>",
        &["Encryption module", "Enter a dynamic crypto map", "Dynamic crypto map template tag", "Sequence"],
        b_cmap,
    );
    add(
        g,
        "crypto ikev2 cookie-challenge <1-1000>",
        &[
            "Encryption module",
            "IKEv2",
            "Set cookie-challenge watermark",
            "Number of half-open SAs above which a cookie is required",
        ],
        leaf3,
    );
    add(
        g,
        "crypto ikev2 fragmentation [mtu <68-1500>]",
        &["Encryption module", "IKEv2", "Enable IKE fragmentation", "Set the fragment MTU", "Bytes (IP datagram)"],
        leaf3,
    );
    add(g, "crypto ikev2 proposal WORD", &["Encryption module", "IKEv2", "Define IKEv2 proposals", "Name"], b_v2prop);
    add(g, "crypto ikev2 policy WORD", &["Encryption module", "IKEv2", "Define IKEv2 policies", "Name"], b_v2pol);
    add(g, "crypto ikev2 keyring WORD", &["Encryption module", "IKEv2", "Define IKEv2 keyrings", "Name"], b_v2keyring);
    add(g, "crypto ikev2 profile WORD", &["Encryption module", "IKEv2", "Define IKEv2 profiles", "Name"], b_v2prof);
    add(
        g,
        "access-list {<1-99> | <1300-1999>} {permit | deny} LINE",
        &[
            "Add an access list entry",
            "IP standard access list",
            "IP standard access list (expanded range)",
            "Specify packets to forward",
            "Specify packets to reject",
            "Source address",
        ],
        |s, a, _| {
            check_standard(a.get("LINE").unwrap_or(""))?;
            set_line(s, "", &super::acl_check::masked(&canon(a)));
            Ok(())
        },
    );
    add(
        g,
        "access-list {<100-199> | <2000-2699>} {permit | deny} LINE",
        &[
            "Add an access list entry",
            "IP extended access list",
            "IP extended access list (expanded range)",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination",
        ],
        |s, a, _| {
            check_ace(a.get("LINE").unwrap_or(""))?;
            set_line(s, "", &super::acl_check::masked(&canon(a)));
            Ok(())
        },
    );
    add(
        g,
        "ip access-list extended WORD",
        &[
            "Global IP configuration subcommands",
            "Add an access list entry",
            "Extended Access List",
            "Access-list name",
        ],
        b_acl,
    );
    add(
        g,
        "ip route A.B.C.D:net A.B.C.D:mask {A.B.C.D:hop | WORD:if} [<1-255>]",
        &[
            "Global IP configuration subcommands",
            "Establish static routes",
            "Destination prefix",
            "Destination prefix mask",
            "Forwarding router's address",
            "Interface",
            "Distance metric for this route",
        ],
        ip_route,
    );
    add(
        g,
        "ip route vrf WORD:vrf A.B.C.D:net A.B.C.D:mask {A.B.C.D:hop | WORD:if} [<1-255>]",
        &[
            "Global IP configuration subcommands",
            "Establish static routes",
            "Configure static route for a VPN Routing/Forwarding instance",
            "VPN Routing/Forwarding instance name",
            "Destination prefix",
            "Destination prefix mask",
            "Forwarding router's address",
            "Interface",
            "Distance metric for this route",
        ],
        ip_route,
    );
    add(
        g,
        "ip vrf WORD",
        &[
            "Global IP configuration subcommands",
            "Configure an IP VPN Routing/Forwarding instance",
            "VPN Routing/Forwarding instance name",
        ],
        b_vrf,
    );
    add(g, "vrf definition WORD", &["Configure a VRF", "VRF definition", "VRF name"], b_vrf);
    add(
        g,
        "interface WORD [WORD:num]",
        &["Select an interface to configure", "Interface name (or type)", "Interface number"],
        b_if,
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
        "access-list {<1-199> | <1300-2699>} remark LINE",
        &[
            "Add an access list entry",
            "IP access list",
            "IP access list (expanded range)",
            "Access list entry comment",
            "Comment",
        ],
        |s, a, _| {
            set_line(s, "", &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "crypto map WORD <1-65535> gdoi",
        &[
            "Encryption module",
            "Enter a crypto map",
            "Crypto map tag",
            "Sequence to insert into crypto map entry",
            "GDOI",
        ],
        b_cmap,
    );
    add(
        g,
        "crypto map WORD {redundancy | interface} LINE",
        &[
            "Encryption module",
            "Enter a crypto map",
            "Crypto map tag",
            "Stateful failover",
            "Interface (ASA)",
            "Arguments",
        ],
        |s, a, _| {
            super::modes_tree::keep_line(s, &a.line, false);
            Ok(())
        },
    );
    add(
        g,
        "crypto map WORD <1-65535> {set | match} LINE",
        &[
            "Encryption module",
            "Enter a crypto map",
            "Crypto map tag",
            "Sequence",
            "Set values (ASA)",
            "Match values (ASA)",
            "Arguments",
        ],
        |s, a, _| {
            super::modes_tree::keep_line(s, &a.line, false);
            Ok(())
        },
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
        "ip ssh server listen A.B.C.D:addr [port <1-65535>:port]",
        &[
            "Global IP configuration subcommands",
            "Configure ssh options",
            "Configure the SSH server",
            "Listen for SSH connections on this address (edgesh)",
            "IPv4 address",
            "TCP port (default 22)",
            "Port",
        ],
        |s, a, _| {
            let port = a.u16("port").unwrap_or(22);
            let text = if port == 22 {
                format!("ip ssh server listen {}", a.req("addr")?)
            } else {
                format!("ip ssh server listen {} port {port}", a.req("addr")?)
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
    add(
        g,
        "banner {motd | login | exec | incoming | slip-ppp | prompt-timeout | config-save} LINE",
        &[
            "Define a login banner",
            "Set Message of the Day banner",
            "Set login banner",
            "Set EXEC process creation banner",
            "Set incoming terminal line banner",
            "Set Message for SLIP/PPP",
            "Set Message for login authentication timeout",
            "Set message for saving configuration",
            "c banner-text c, where 'c' is a delimiting character",
        ],
        |s, a, _| {
            let head = key_words(a, 2);
            super::banner_start(s, &head, a.get("LINE").unwrap_or("").trim_start());
            Ok(())
        },
    );
}

/// Exec commands of the IKE engine: state, clearing, debugging, ping.
fn crypto_exec(g: &mut G) {
    super::show_pki::register(g);
    super::pki_keys::register_exec(g);
    const SH: &str = "Show running system information";
    const CR: &str = "Encryption module";
    add(
        g,
        "show crypto isakmp sa [detail]",
        &[SH, CR, "Show ISAKMP information", "Show ISAKMP Security Associations", "Show detailed information"],
        |s, a, o| {
            super::commit::sync(&mut s.router());
            if a.has("detail") {
                let rows = crate::ios::show_crypto::isakmp_sa_detail(&s.router());
                crate::ios::show_crypto::render_isakmp_sa_detail(&rows, o);
                return Ok(());
            }
            let mut v = Vec::new();
            let r = s.router();
            crate::ios::show_sa::ios_isakmp_sa(r.ike().ike_sas(), &r.engine.failed_p1(), &mut v);
            drop(r);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show crypto ipsec sa [detail]",
        &[SH, CR, "Show IPSEC info", "IPSEC SA table", "Show detailed information"],
        |s, a, o| {
            super::commit::sync(&mut s.router());
            let mut v = Vec::new();
            crate::ios::show_sa::ios_ipsec_sa(&s.router(), a.has("detail"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show crypto session [detail]",
        &[SH, CR, "Crypto session information", "Show detailed information"],
        |s, a, o| {
            super::commit::sync(&mut s.router());
            let mut v = Vec::new();
            crate::ios::show_sa::ios_session(&s.router(), a.has("detail"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    crate::ios::show_ikev2::register(g);
    crate::ios::show_ikev2_conf::register(g);
    crate::ios::diagnose::register(g);
    add(
        g,
        "show interfaces [WORD [WORD:num]]",
        &[SH, "Interface status and configuration", "Interface name (or type)", "Interface number"],
        |s, a, o| {
            super::commit::sync(&mut s.router());
            // `show interfaces tunnel 18`: the type and the number apart, as IOS takes them.
            let name = joined_interface(a)
                .or_else(|| a.get("WORD").filter(|_| a.get("num").is_none()).map(str::to_string))
                .map(|n| interface_name(&n));
            if a.get("WORD").is_some() && name.is_none() {
                let w = a.get("num").unwrap_or("");
                let col = super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
                o.line(&format!("{}^", " ".repeat(col)));
                o.line("% Invalid input detected at '^' marker.");
                o.line("");
                return Err(String::new());
            }
            let ifs = crate::ios::show_if::interfaces(&s.router(), name.as_deref());
            let Some(ifs) = ifs else {
                // IOS: an interface that does not exist is an invalid word (caret under it).
                let w = a.get("num").or(a.get("WORD")).unwrap_or("");
                let col = super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
                o.line(&format!("{}^", " ".repeat(col)));
                o.line("% Invalid input detected at '^' marker.");
                o.line("");
                return Err(String::new());
            };
            crate::ios::show_if::render_interfaces(&ifs, o);
            Ok(())
        },
    );
    add(
        g,
        "show ip route [vrf WORD]",
        &[
            SH,
            "IP information",
            "IP routing table",
            "Display routes from a VPN Routing/Forwarding instance",
            "VPN Routing/Forwarding instance name",
        ],
        |s, a, o| {
            super::commit::sync(&mut s.router());
            let vrf = a.get("WORD").map(str::to_string);
            if let Some(v) = &vrf {
                if !vrf_defined(s, v) {
                    o.line(&format!("% IP routing table {v} does not exist"));
                    return Err(String::new());
                }
            }
            let t = crate::ios::show_if::route_table(&s.router(), vrf.as_deref());
            crate::ios::show_if::render_route_table(&t, o);
            Ok(())
        },
    );
    add(g, "show archive", &[SH, "Archive functions"], |s, _, o| {
        let st = crate::ios::show_archive::state(s);
        crate::ios::show_archive::render(&st, o);
        Ok(())
    });
    add(g, "archive config", &["manage archive files", "perform rollback confirmation"], |s, _, _| {
        crate::ios::show_archive::archive_config(s)
    });
    add(g, "show crypto isakmp key", &[SH, CR, "Show ISAKMP information", "Show ISAKMP preshared keys"], |s, _, o| {
        let keys = crate::ios::show_crypto::isakmp_keys(&s.router().ios_doc);
        crate::ios::show_crypto::render_isakmp_keys(&keys, o);
        Ok(())
    });
    add(
        g,
        "show crypto ipsec profile",
        &[SH, CR, "Show IPSEC information", "Show ipsec profile information"],
        |s, _, o| {
            let p = crate::ios::show_crypto::ipsec_profiles(&s.router().ios_doc);
            crate::ios::show_crypto::render_ipsec_profiles(&p, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto engine connections active",
        &[SH, CR, "Show crypto engine info", "Show connection information", "Show active connections"],
        |s, _, o| {
            super::commit::sync(&mut s.router());
            let rows = crate::ios::show_crypto::engine_connections(&s.router());
            crate::ios::show_crypto::render_engine_connections(&rows, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto keys tshark",
        &[
            SH,
            CR,
            "Session keys of the current SAs (edgesh; privileged)",
            "As tshark -o options (decrypts captures of edgesh's packets)",
        ],
        |s, _, o| {
            for l in crate::engine::tshark_lines(&s.router()) {
                o.line(&l);
            }
            Ok(())
        },
    );
    add(g, "clear logging", &["Reset functions", "Clear logging buffer"], |s, _, _| {
        s.ios.confirm = Some(super::state::Pending {
            yes_no: false,
            prompt: "Clear logging buffer [confirm]".into(),
            action: super::state::PendingAction::ClearLogging,
        });
        Ok(())
    });
    for (spec, helps) in [
        ("write erase", &["Write running configuration to memory, network, or terminal", "Erase NV memory"][..]),
        ("erase startup-config", &["Erase a filesystem", "Erase contents of configuration memory"][..]),
    ] {
        add(g, spec, helps, |s, _, _| {
            s.ios.confirm = Some(super::state::Pending {
                yes_no: false,
                prompt: "Erasing the nvram filesystem will remove all configuration files! Continue? [confirm]".into(),
                action: super::state::PendingAction::EraseStartup,
            });
            Ok(())
        });
    }
    add(
        g,
        "clear crypto isakmp [<1-32766>:conn]",
        &["Reset functions", CR, "ISAKMP SAs (a delete is sent to the peer)", "Connection id"],
        |s, a, _| {
            let mut r = s.router();
            match a.num("conn") {
                Some(c) => {
                    let t = r
                        .ike()
                        .ike_sas()
                        .iter()
                        .find(|x| u64::from(x.conn) == c)
                        .map(|x| (x.tunnel.clone(), *x.remote.ip()));
                    let Some((t, p)) = t else { return Err(format!("ISAKMP SA with connection id {c} not found")) };
                    r.engine.clear_ike(Some(&t), Some(p));
                }
                None => {
                    r.engine.clear_ike(None, None);
                    r.engine.forget_failed_p1();
                }
            }
            r.engine_drain();
            Ok(())
        },
    );
    add(
        g,
        "clear crypto sa [peer A.B.C.D]",
        &["Reset functions", CR, "IPSEC SAs (a delete is sent to the peer)", "Of one peer", "Peer address"],
        |s, a, _| {
            let mut r = s.router();
            let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            r.engine.clear_ipsec(None, peer);
            r.engine_drain();
            Ok(())
        },
    );
    add(
        g,
        "clear crypto session [remote A.B.C.D]",
        &["Reset functions", CR, "Clear crypto session", "Remote IKE Address", "Remote IKE Address (IPv4)"],
        |s, a, _| {
            // A session is a peer's IKE SA and its IPsec SAs (IKEv1 or IKEv2): both go, deletes sent.
            let mut r = s.router();
            let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            r.engine.clear_ipsec(None, peer);
            r.engine.clear_ike(None, peer);
            r.engine_drain();
            Ok(())
        },
    );
    add(g, "debug crypto isakmp", &["Debugging functions", CR, "ISAKMP"], |s, _, o| {
        s.monitor = true;
        s.router().debug.isakmp = true;
        o.line("Crypto ISAKMP debugging is on");
        Ok(())
    });
    add(g, "debug crypto ipsec", &["Debugging functions", CR, "IPSEC"], |s, _, o| {
        s.monitor = true;
        s.router().debug.ipsec = true;
        o.line("Crypto IPSEC debugging is on");
        Ok(())
    });
    add(
        g,
        "debug crypto condition peer ipv4 A.B.C.D",
        &["Debugging functions", CR, "Define debug condition filters", "IKE peer", "IPv4 address", "Peer address"],
        |s, a, _| {
            let p: std::net::Ipv4Addr = a.req("A.B.C.D")?.parse().map_err(|_| "bad address".to_string())?;
            let mut r = s.router();
            if !r.debug.peers.contains(&p) {
                r.debug.peers.push(p);
            }
            Ok(())
        },
    );
    for (spec, helps) in [
        ("undebug all", &["Disable debugging functions (see also 'debug')", "Enable all debugging"][..]),
        (
            "no debug all",
            &[
                "Negate a command or set its defaults",
                "Debugging functions (see also 'undebug')",
                "Enable all debugging",
            ][..],
        ),
    ] {
        add(g, spec, helps, |s, _, o| {
            s.router().debug = Default::default();
            o.line("All possible debugging has been turned off");
            Ok(())
        });
    }
    add(g, "show debugging", &[SH, "State of each debugging option"], |s, _, o| {
        let d = s.router().debug.clone();
        if d.any() {
            o.line("Cryptographic Subsystem:");
            if d.isakmp {
                o.line("  Crypto ISAKMP debugging is on");
            }
            if d.ipsec {
                o.line("  Crypto IPSEC debugging is on");
            }
            crate::ios::debug_ikev2::show_debugging(&d).iter().for_each(|l| o.line(l));
            for p in &d.peers {
                o.line(&format!("  Crypto conditional debug: peer ipv4 {p}"));
            }
        }
        Ok(())
    });
    add(
        g,
        "terminal monitor",
        &["Set terminal line parameters", "Copy debug output to the current terminal line"],
        |s, _, _| {
            s.monitor = true;
            Ok(())
        },
    );
    add(
        g,
        "terminal no monitor",
        &[
            "Set terminal line parameters",
            "Negate a command or set its defaults",
            "Copy debug output to the current terminal line",
        ],
        |s, _, _| {
            s.monitor = false;
            Ok(())
        },
    );
    add(g, "show logging", &[SH, "Show the contents of logging buffers"], |s, _, o| {
        let r = s.router();
        for l in crate::logbuf::ios_header(&r) {
            o.line(&l);
        }
        for l in &r.log {
            o.line(l);
        }
        Ok(())
    });
    add(
        g,
        "ping A.B.C.D [source A.B.C.D:src]",
        &["Send echo messages", "Ping destination address", "Specify source address", "Source address"],
        |s, a, o| {
            super::commit::sync(&mut s.router());
            let dst: std::net::Ipv4Addr =
                a.req("A.B.C.D")?.parse().map_err(|_| "% Unrecognized host or address".to_string())?;
            let src: Option<std::net::Ipv4Addr> = a.get("A.B.C.D:src").and_then(|x| x.parse().ok());
            o.line("Type escape sequence to abort.");
            o.line(&format!("Sending 5, 100-byte ICMP Echos to {dst}, timeout is 2 seconds:"));
            let mut r = s.router();
            // A packet that matches a crypto ACL starts the negotiation (IOS drops it meanwhile).
            let src = src.or_else(|| {
                r.ike()
                    .conf()
                    .peers
                    .iter()
                    .flat_map(|p| p.children.iter())
                    .find(|c| c.remote_ts.contains(dst))
                    .map(|c| c.local_ts.net.addr)
            });
            if let Some(src) = src {
                if r.ike().child_for(src, dst).is_none() {
                    r.engine.initiate_for_traffic(src, dst);
                }
            }
            r.engine_drain();
            // No dataplane yet: echoes are not carried, whether or not an SA exists.
            o.line(".....");
            o.line("Success rate is 0 percent (0/5)");
            Ok(())
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::out::VecOut;
    use crate::session::{Clock, Dialect, Router, Session, SessionOptions};
    use std::sync::{Arc, Mutex};

    fn session() -> Session {
        let r = Arc::new(Mutex::new(Router::new(
            edgesh_engine::Config::new("x"),
            Clock::Virtual(0),
            1,
            std::env::temp_dir(),
        )));
        let mut s = Session::new(r, SessionOptions { dialect: Dialect::Ios, ..Default::default() });
        s.ios.privileged = true;
        s
    }

    #[test]
    fn enter_at_a_confirm_question_confirms_and_n_cancels() {
        let mut s = session();
        let mut o = VecOut::default();
        s.router().log.push_back("%SYS-5-CONFIG_I: Configured from console by console".into());
        s.execute("clear logging", &mut o);
        assert_eq!(super::super::prompt(&s), "Clear logging buffer [confirm]");
        s.execute("n", &mut o);
        assert_eq!(s.router().log.len(), 1, "n cancels");
        assert_eq!(super::super::prompt(&s), "Router#");
        s.execute("clear logging", &mut o);
        s.execute("", &mut o);
        assert!(s.router().log.is_empty(), "Enter confirms");
        assert_eq!(super::super::prompt(&s), "Router#");
    }

    #[test]
    fn a_pasted_confirm_takes_one_character_and_the_rest_is_a_command() {
        let mut s = session();
        let mut o = VecOut::default();
        for l in ["configure terminal", "username bob secret x", "no username bob"] {
            s.execute(l, &mut o);
        }
        // `yes` after `[confirm]`: `y` confirms, `es` is typed after it (and refused).
        let ok = s.execute("yes", &mut o);
        assert!(!ok);
        assert!(!s.router().ios_doc.root.iter().any(|n| n.text.starts_with("username bob")));
        assert!(o.text().ends_with("% Invalid input detected at '^' marker.\n\n"), "{}", o.text());
    }
}
