//! IKEv2 configuration: `crypto ikev2 proposal|policy|keyring|profile`
//! (their sub-modes, a keyring's peers) and the global `crypto ikev2` lines.

use super::*;

/// The `Ikev2Proposal` mode.
pub(super) fn ikev2_proposal_mode(g: &mut G) {
    const ENC: &str = "des | 3des | aes-cbc-128 | aes-cbc-192 | aes-cbc-256 | aes-gcm-128 | aes-gcm-256";
    const ENC_HELP: [&str; 7] =
        ["DES", "3DES", "AES-CBC-128", "AES-CBC-192", "AES-CBC-256", "AES-GCM-128", "AES-GCM-256"];
    let mut helps = vec!["Set encryption algorithms"];
    for _ in 0..ENC_HELP.len() {
        helps.extend(ENC_HELP);
    }
    add(g, &format!("encryption {{{ENC}}}{}", format!(" [{ENC}]").repeat(ENC_HELP.len() - 1)), &helps, leaf1);
    add(
        g,
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
    add(g, &format!("group {{{GROUPS}}}{}", format!(" [{GROUPS}]").repeat(GROUP_HELP.len() - 1)), &helps, leaf1);
    add(
        g,
        "prf {md5 | sha1 | sha256 | sha384 | sha512}",
        &["Set PRF algorithms", "MD5", "SHA1", "SHA256", "SHA384", "SHA512"],
        leaf1,
    );
}

/// The `Ikev2Policy` mode.
pub(super) fn ikev2_policy_mode(g: &mut G) {
    add(g, "proposal WORD", &["Specify proposal", "Proposal name"], append);
    add(
        g,
        "match {address local {A.B.C.D | interface WORD} | fvrf {WORD | any}}",
        &["Match values", "Local address", "Local", "Address", "Interface", "Name", "Front-door VRF", "Name", "Any"],
        append,
    );
}

/// The `Ikev2Keyring` mode.
pub(super) fn ikev2_keyring_mode(g: &mut G) {
    add(g, "peer WORD", &["Configure a peer", "Peer name"], b_v2peer);
}

/// The `Ikev2Peer` mode.
pub(super) fn ikev2_peer_mode(g: &mut G) {
    add(g, "address A.B.C.D [A.B.C.D:mask]", &["Peer address", "IPv4 address", "Mask"], leaf1);
    add(
        g,
        "identity {address A.B.C.D | fqdn WORD | email WORD}",
        &["Peer identity", "Address", "The address", "FQDN", "Name", "E-mail (user@fqdn)", "Name"],
        leaf1,
    );
    add(
        g,
        "pre-shared-key [local | remote] [0 | 6] WORD",
        &["Pre-shared key", "Local", "Remote", "Unencrypted", "Encrypted", "Key"],
        |s, a, o| {
            type6_alert(s, a, o);
            leaf2(s, a, o)
        },
    );
    add(g, "description LINE", &["Description", "Text"], leaf1);
}

/// The `Ikev2Profile` mode.
pub(super) fn ikev2_profile_mode(g: &mut G) {
    add(
        g,
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
        g,
        "match {address local {A.B.C.D | interface WORD} | fvrf {WORD | any}}",
        &["Match values", "Local address", "Local", "Address", "Interface", "Name", "Front-door VRF", "Name", "Any"],
        append,
    );
    add(
        g,
        "identity local {address A.B.C.D | dn | fqdn WORD | email WORD}",
        &[
            "Identity",
            "Local identity",
            "Address",
            "IP",
            "Distinguished Name",
            "FQDN",
            "Name",
            "E-mail (user@fqdn)",
            "Name",
        ],
        leaf2,
    );
    add(g, "match certificate WORD", &["Match values", "Peer certificate attributes", "Certificate map"], append);
    add(
        g,
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
    add(g, "keyring local WORD", &["Keyring", "Local keyring", "Name"], leaf2);
    add(g, "lifetime <120-86400>", &["Lifetime", "Seconds"], leaf1);
    add(
        g,
        "dpd <10-3600> <2-60> {on-demand | periodic}",
        &["Dead peer detection", "Interval", "Retry", "On demand", "Periodic"],
        leaf1,
    );
}

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
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
}
