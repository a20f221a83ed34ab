//! IKEv1 and IPsec configuration: ISAKMP policies (`crypto isakmp policy`),
//! keys (`crypto isakmp key`, type 6 keys), keyrings, ISAKMP profiles,
//! transform sets, crypto maps (and dynamic maps), IPsec profiles, and the
//! global `crypto isakmp|ipsec|map` lines: their grammar and handlers.

use super::*;

/// A pre-shared key line (`crypto isakmp key`, a keyring's or an IKEv2
/// peer's `pre-shared-key`): kept as typed. A type 6 key (`6 CIPHERTEXT`)
/// is never used as the key (`ikev2::TYPE6`, used by `compile.rs`). Without a master key IOS
/// keeps the ciphertext and prints its alert (Cisco's "Encrypted Preshared
/// Key" guide, "Configuring New or Unknown Passwords"); with one, edgesh
/// still cannot decrypt it (Cisco does not publish type 6's algorithm) and
/// says so.
pub(super) fn append_key(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    type6_alert(s, a, o);
    append(s, a, o)
}

pub(super) fn type6_alert(s: &mut Session, a: &Args, o: &mut dyn Out) {
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

pub(super) const TRANSFORMS: &str = "{esp-des | esp-3des | esp-aes [128 | 192 | 256] | esp-gcm [128 | 192 | 256] | esp-gmac [128 | 192 | 256] | esp-seal | esp-null | esp-md5-hmac | esp-sha-hmac | esp-sha256-hmac | esp-sha384-hmac | esp-sha512-hmac | ah-md5-hmac | ah-sha-hmac | ah-sha256-hmac | comp-lzs}";

pub(super) const TRANSFORM_HELP: [&str; 23] = [
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

pub(super) fn transforms_help(head: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<&str> = head.to_vec();
    for _ in 0..3 {
        v.extend(TRANSFORM_HELP);
        v.push("AH-HMAC-SHA256 transform");
        v.push("IP Compression using the LZS compression algorithm");
    }
    v
}

/// `set peer A|HOST`: a name made of digits and dots is a mistyped address.
pub(super) fn set_peer(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    if let Some(w) = a.get("WORD")
        && w.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return Err(format!("Invalid peer address {w}"));
    }
    append(s, a, o)
}

/// `crypto ipsec transform-set NAME T1 [T2 [T3]]`: at most one AH transform,
/// one ESP cipher, one ESP authenticator and one compression, as the IOS
/// parser allows. (GCM/GMAC with an authenticator is accepted: real configs
/// in the corpus have it.)
pub(super) fn transform_set(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
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

/// The `IsakmpPolicy` mode.
pub(super) fn isakmp_policy_mode(g: &mut G) {
    // IOS prints `encryption` as `encr`.
    add(
        g,
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
        g,
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
        g,
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
        g,
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
        g,
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
    add(g, "lifetime <60-86400>", &["Set lifetime for ISAKMP security association", "lifetime in seconds"], leaf1);
}

/// The `TransformSet` mode.
pub(super) fn transform_set_mode(g: &mut G) {
    add(
        g,
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

/// The `CryptoMap` mode.
pub(super) fn crypto_map_mode(g: &mut G) {
    add(
        g,
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
        g,
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
        g,
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
        g,
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
    add(g, "set isakmp-profile WORD", &["Set values", "Specify isakmp Profile", "Profile name"], leaf2);
    add(g, "set ikev2-profile WORD", &["Set values", "Specify ikev2 Profile", "Profile name"], leaf2);
    // ipsec-manual entries: one line per direction and protocol (the first four words).
    add(
        g,
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
        g,
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
        g,
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
    add(g, "reverse-route [static]", &["Reverse Route Injection", "Static routes"], leaf1);
    add(
        g,
        "reverse-route remote-peer [A.B.C.D] [gateway] [static]",
        &[
            "Reverse Route Injection",
            "Create route to remote peer",
            "Remote peer's address",
            "Use the remote peer as the gateway of the routes",
            "Static routes",
        ],
        leaf1,
    );
    add(g, "description LINE", &["Description of the crypto map statement policy", "Description"], leaf1);
}

/// The `Keyring` mode.
pub(super) fn keyring_mode(g: &mut G) {
    add(
        g,
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
    add(
        g,
        "pre-shared-key address ipv6 WORD:prefix key [0 | 6] WORD",
        &[
            "Pre-Shared Key",
            "pre shared key by address",
            "IPv6 address",
            "IPv6 prefix (X:X:X:X::X/<0-128>)",
            "pre shared key",
            "Unencrypted key",
            "Encrypted key",
            "The key",
        ],
        |s, a, o| {
            ipv6_prefix(s, a, o)?;
            append_key(s, a, o)
        },
    );
    add(g, "local-address {A.B.C.D | WORD}", &["Local address", "IP address", "Interface"], leaf1);
    add(g, "description LINE", &["Description", "Text"], leaf1);
}

/// The `prefix` word must be an IPv6 prefix (`2001:db8::1/128`): else IOS's caret under it.
fn ipv6_prefix(s: &Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let p = a.get("prefix").unwrap_or("");
    let ok = p
        .split_once('/')
        .is_some_and(|(ad, l)| ad.parse::<std::net::Ipv6Addr>().is_ok() && l.parse::<u8>().is_ok_and(|l| l <= 128));
    if ok {
        return Ok(());
    }
    let col = super::super::prompt(s).chars().count() + a.line.find(p).unwrap_or(0);
    o.line(&format!("{}^", " ".repeat(col)));
    o.line("% Invalid input detected at '^' marker.");
    o.line("");
    Err(String::new())
}

/// The `IsakmpProfile` mode.
pub(super) fn isakmp_profile_mode(g: &mut G) {
    add(g, "keyring WORD", &["Keyring to use", "Keyring name"], append);
    add(
        g,
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
        g,
        "match identity address ipv6 WORD:prefix",
        &["Match values of peer", "Identity", "IP address", "IPv6 address", "IPv6 prefix (X:X:X:X::X/<0-128>)"],
        |s, a, o| {
            ipv6_prefix(s, a, o)?;
            append(s, a, o)
        },
    );
    add(
        g,
        "self-identity {address | fqdn | A.B.C.D | user-fqdn WORD}",
        &["Specify self-identity", "Use an IP address", "Use the FQDN", "The address", "User FQDN", "Name"],
        leaf1,
    );
    add(
        g,
        "match certificate WORD",
        &["Match values of peer", "Peer certificate attributes", "Certificate map"],
        append,
    );
    add(g, "local-address {A.B.C.D | WORD}", &["Local address", "IP address", "Interface"], leaf1);
    add(g, "keepalive <10-3600> retry <2-60>", &["Enable keepalive", "Seconds", "Retry interval", "Seconds"], leaf1);
    add(g, "vrf WORD", &["VRF", "Name"], leaf1);
    add(g, "initiate mode aggressive", &["Initiator property", "Initiate mode", "Aggressive mode"], leaf2);
    add(g, "description LINE", &["Description", "Text"], leaf1);
}

/// The `IpsecProfile` mode.
pub(super) fn ipsec_profile_mode(g: &mut G) {
    add(
        g,
        "set transform-set WORD [WORD] [WORD] [WORD] [WORD] [WORD]",
        &["Set values", "Transform sets", "Name", "Name", "Name", "Name", "Name", "Name"],
        leaf2,
    );
    add(
        g,
        "set pfs [group1 | group2 | group5 | group14 | group15 | group16 | group19 | group20 | group21 | group24]",
        &["Set values", "PFS", "g1", "g2", "g5", "g14", "g15", "g16", "g19", "g20", "g21", "g24"],
        leaf2,
    );
    add(g, "set isakmp-profile WORD", &["Set values", "ISAKMP profile", "Name"], leaf2);
    add(g, "set ikev2-profile WORD", &["Set values", "IKEv2 profile", "Name"], leaf2);
    add(
        g,
        "set security-association lifetime {seconds <120-86400> | kilobytes {<2560-4294967295> | disable}}",
        &["Set values", "SA", "Lifetime", "Seconds", "Seconds", "Kilobytes", "Kilobytes", "Disable"],
        leaf4,
    );
}

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
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
        "crypto map WORD {client {authentication list WORD:list | accounting list WORD:list | configuration address {initiate | respond}} | isakmp authorization list WORD:list}",
        &[
            "Encryption module",
            "Enter a crypto map",
            "Crypto map tag",
            "Specify client configuration settings",
            "Use XAUTH to authenticate clients",
            "AAA authentication list to use",
            "Authentication list name",
            "Enable AAA accounting",
            "AAA accounting list to use",
            "Accounting list name",
            "Mode configuration for the clients",
            "Mode configuration address",
            "Push the configuration to the clients",
            "Answer the clients' requests",
            "ISAKMP",
            "Enable AAA authorization of the clients' groups",
            "AAA authorization list to use",
            "Authorization list name",
        ],
        |s, a, _| {
            super::super::modes_tree::keep_line(s, &canon(a), false);
            Ok(())
        },
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
            super::super::modes_tree::keep_line(s, &a.line, false);
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
            super::super::modes_tree::keep_line(s, &a.line, false);
            Ok(())
        },
    );
}
