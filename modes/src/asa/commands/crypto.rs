//! The crypto configuration: `crypto ipsec ikev1 transform-set`, `crypto
//! ipsec ikev2 ipsec-proposal`, `crypto ipsec profile`, `crypto map` and
//! `crypto dynamic-map` entries, `crypto ikev1|ikev2 enable|policy`, and
//! the sub-modes they open.

use super::*;

/// `crypto map NAME SEQ set X ...`: replaces the entry's earlier `set X`.
fn cmap_leaf(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    // crypto map NAME SEQ {match address | set peer | set ikev1 transform-set ...}: the words up to the option.
    let words: Vec<String> = a.bindings.iter().map(|b| b.value.to_string()).collect();
    // The lifetime in seconds and the one in kilobytes are two settings (a
    // dynamic map of the corpus shows both lines): each replaces only its own.
    let n = match words.get(5).map(String::as_str) {
        Some("security-association") => 8,
        Some("ikev1" | "ikev2") => 7,
        _ => 6,
    };
    set_line(s, &words[..n.min(words.len())].join(" "), &canon(a));
    Ok(())
}

const PEERS: &str = "{A.B.C.D | WORD} [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD] [A.B.C.D | WORD]";
const PFS: &str = "[group1 | group2 | group5 | group14 | group15 | group16 | group19 | group20 | group21 | group24]";
const PFS_HELP: [&str; 11] = [
    "Specify pfs settings",
    "D-H Group 1",
    "D-H Group 2",
    "D-H Group 5",
    "D-H Group 14",
    "D-H Group 15",
    "D-H Group 16",
    "D-H Group 19",
    "D-H Group 20",
    "D-H Group 21",
    "D-H Group 24",
];
const LIFETIME: &str = "security-association lifetime {seconds <120-2147483647> [kilobytes {<10-2147483647> | unlimited}] | kilobytes {<10-2147483647> | unlimited} [seconds <120-2147483647>]}";
const LIFETIME_HELP: [&str; 14] = [
    "Security association duration",
    "Security association lifetime",
    "Time-based key duration",
    "Seconds",
    "Volume-based key duration",
    "Kilobytes",
    "Unlimited",
    "Volume-based key duration",
    "Kilobytes",
    "Unlimited",
    "Time-based key duration",
    "Seconds",
    "",
    "",
];

fn names10(first: &str) -> Vec<&str> {
    let mut v = vec![first];
    v.extend(std::iter::repeat_n("Name", 11));
    v
}

/// The crypto map entry options, after `crypto map NAME SEQ` (`dynamic`: for `crypto dynamic-map`).
fn map_entry(g: &mut G, head: &str, head_help: &[&'static str]) {
    let h = |rest: &[&'static str]| -> Vec<&'static str> {
        let mut v: Vec<&'static str> = head_help.to_vec();
        v.extend_from_slice(rest);
        v
    };
    add(
        g,
        &format!("{head} match address WORD"),
        &h(&["Match values", "Match address of packets to encrypt", "Access-list name"]),
        cmap_leaf,
    );
    let mut hp = h(&["Specify crypto map settings", "Set peer"]);
    for _ in 0..10 {
        hp.extend(["IP address of peer", "Host name of peer"]);
    }
    add(g, &format!("{head} set peer {PEERS}"), &hp, cmap_leaf);
    let mut ht =
        h(&["Specify crypto map settings", "Set IKEv1 settings", "Specify list of transform sets in priority order"]);
    ht.extend(names10("Transform set name").into_iter().skip(1).take(11));
    add(
        g,
        &format!(
            "{head} set ikev1 transform-set WORD [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD]"
        ),
        &ht,
        cmap_leaf,
    );
    let mut hv2 =
        h(&["Specify crypto map settings", "Set IKEv2 settings", "Specify list of IPsec proposals in priority order"]);
    hv2.extend(names10("Proposal name").into_iter().skip(1).take(11));
    add(
        g,
        &format!(
            "{head} set ikev2 ipsec-proposal WORD [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD] [WORD]"
        ),
        &hv2,
        cmap_leaf,
    );
    let mut hpfs = h(&["Specify crypto map settings"]);
    hpfs.extend(PFS_HELP);
    add(g, &format!("{head} set pfs {PFS}"), &hpfs, cmap_leaf);
    let mut hl = h(&["Specify crypto map settings"]);
    hl.extend(&LIFETIME_HELP[..12]);
    add(g, &format!("{head} set {LIFETIME}"), &hl, cmap_leaf);
    add(
        g,
        &format!("{head} set connection-type {{answer-only | originate-only | bidirectional}}"),
        &h(&[
            "Specify crypto map settings",
            "Specify connection type",
            "Answer only",
            "Originate only",
            "Bidirectional",
        ]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set ikev1 phase1-mode {{main | aggressive [group1 | group2 | group5]}}"),
        &h(&[
            "Specify crypto map settings",
            "Set IKEv1 settings",
            "Set phase 1 mode",
            "Main mode",
            "Aggressive mode",
            "D-H Group 1",
            "D-H Group 2",
            "D-H Group 5",
        ]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set ikev2 mode {{tunnel | transport | transport-require}}"),
        &h(&[
            "Specify crypto map settings",
            "Set IKEv2 settings",
            "Set the encapsulation mode",
            "Tunnel mode",
            "Transport mode",
            "Transport mode only",
        ]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set {{reverse-route | nat-t-disable}}"),
        &h(&["Specify crypto map settings", "Reverse route injection", "Disable NAT-T for this entry"]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set tfc-packets [LINE]"),
        &h(&["Specify crypto map settings", "Traffic flow confidentiality packets", "Burst, payload and timeout"]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set inheritance {{rule | data}}"),
        &h(&["Specify crypto map settings", "SA granularity", "Per rule", "Per host pair"]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set trustpoint WORD [chain]"),
        &h(&["Specify crypto map settings", "Trustpoint", "Trustpoint name", "Send the whole chain"]),
        cmap_leaf,
    );
    add(
        g,
        &format!("{head} set security-association replay {{disable | window-size {{64 | 128 | 256 | 512 | 1024}}}}"),
        &h(&[
            "Specify crypto map settings",
            "Security association settings",
            "Anti-replay",
            "Disable",
            "Window size",
            "64",
            "128",
            "256",
            "512",
            "1024",
        ]),
        cmap_leaf,
    );
}

/// The `crypto ...` lines of configuration mode.
pub(super) fn global(g: &mut G) {
    add(
        g,
        "crypto ipsec ikev1 transform-set WORD {esp-des | esp-3des | esp-aes | esp-aes-192 | esp-aes-256 | esp-null} [esp-md5-hmac | esp-sha-hmac | esp-sha256-hmac | esp-sha384-hmac | esp-sha512-hmac | esp-none]",
        &[
            CR,
            "Configure transforms and other IPSec parameters",
            "Set IKEv1 settings",
            "Define transform set",
            "Transform set name",
            "ESP transform using DES cipher (56 bits)",
            "ESP transform using 3DES(EDE) cipher (168 bits)",
            "ESP transform using AES cipher (128 bits)",
            "ESP transform using AES cipher (192 bits)",
            "ESP transform using AES cipher (256 bits)",
            "ESP transform w/o cipher",
            "ESP transform using HMAC-MD5 auth",
            "ESP transform using HMAC-SHA auth",
            "ESP transform using HMAC-SHA256 auth",
            "ESP transform using HMAC-SHA384 auth",
            "ESP transform using HMAC-SHA512 auth",
            "ESP transform with no authentication",
        ],
        |s, a, _| {
            set_line(s, &key_words(a, 5), &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "crypto ipsec ikev1 transform-set WORD mode {tunnel | transport}",
        &[
            CR,
            "Configure transforms and other IPSec parameters",
            "Set IKEv1 settings",
            "Define transform set",
            "Transform set name",
            "Encapsulation mode",
            "Tunnel mode",
            "Transport mode",
        ],
        |s, a, _| {
            set_line(s, &key_words(a, 6), &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "crypto ipsec ikev2 ipsec-proposal WORD",
        &[
            CR,
            "Configure transforms and other IPSec parameters",
            "Set IKEv2 settings",
            "Define an IPsec proposal",
            "Proposal name",
        ],
        b_proposal,
    );
    add(
        g,
        "crypto ipsec profile WORD",
        &[CR, "Configure transforms and other IPSec parameters", "Configure an IPsec profile", "Profile name"],
        b_profile,
    );
    add(
        g,
        "crypto ipsec security-association lifetime {seconds <120-2147483647> | kilobytes {<10-2147483647> | unlimited}}",
        &[
            CR,
            "Configure transforms and other IPSec parameters",
            "Security association settings",
            "Security association lifetime",
            "Time-based key duration",
            "Seconds",
            "Volume-based key duration",
            "Kilobytes",
            "Unlimited",
        ],
        leaf5,
    );
    map_entry(
        g,
        "crypto map WORD <1-65535>",
        &[CR, "Configure a crypto map", "Crypto map tag", "Sequence to insert into crypto map entry"],
    );
    add(
        g,
        "crypto map WORD <1-65535> ipsec-isakmp dynamic WORD",
        &[
            CR,
            "Configure a crypto map",
            "Crypto map tag",
            "Sequence to insert into crypto map entry",
            "IPsec with ISAKMP",
            "Enable dynamic crypto map support",
            "Dynamic crypto map name",
        ],
        cmap_leaf,
    );
    add(
        g,
        "crypto map WORD interface WORD",
        &[
            CR,
            "Configure a crypto map",
            "Crypto map tag",
            "Apply the crypto map to an interface",
            "Interface name (nameif)",
        ],
        |s, a, _| {
            // One crypto map per interface: the last one applied wins.
            let ifname = a.bindings.last().map(|b| b.value.to_string()).unwrap_or_default();
            let mut r = s.router();
            r.asa.doc.root.retain(|n| {
                let w: Vec<&str> = n.text.split_whitespace().collect();
                !(w.len() == 5 && w[0] == "crypto" && w[1] == "map" && w[3] == "interface" && w[4] == ifname)
            });
            drop(r);
            add_line(s, &canon(a));
            Ok(())
        },
    );
    map_entry(
        g,
        "crypto dynamic-map WORD <1-65535>",
        &[CR, "Configure a dynamic crypto map", "Dynamic crypto map tag", "Sequence"],
    );
    add(
        g,
        "crypto ikev1 enable WORD",
        &[CR, "Configure IKEv1", "Enable IKEv1 on the specified interface", "Interface name (nameif)"],
        add_only,
    );
    add(
        g,
        "crypto ikev2 enable WORD [client-services [port <1-65535>]]",
        &[
            CR,
            "Configure IKEv2",
            "Enable IKEv2 on the specified interface",
            "Interface name (nameif)",
            "Client services",
            "Port",
            "Port number",
        ],
        add_only,
    );
    add(
        g,
        "crypto ikev1 policy <1-65535>",
        &[CR, "Configure IKEv1", "Set IKEv1 policy suite", "Policy suite priority (1 highest, 65535 lowest)"],
        b_ikev1,
    );
    add(
        g,
        "crypto ikev2 policy <1-65535>",
        &[CR, "Configure IKEv2", "Set IKEv2 policy suite", "Policy suite priority (1 highest, 65535 lowest)"],
        b_ikev2,
    );
    add(
        g,
        "crypto isakmp identity {address | hostname | key-id WORD | auto}",
        &[
            CR,
            "Configure ISAKMP",
            "Set the identity sent to peers",
            "Use the IP address",
            "Use the host name",
            "Use a key id",
            "The key id",
            "Decide per connection",
        ],
        leaf3,
    );
}

/// The terminal enrollment commands (`super::super::pki_terminal`).
pub(super) fn pki(g: &mut G) {
    add(
        g,
        "crypto key generate rsa [general-keys] [label WORD] [modulus {512 | 768 | 1024 | 2048 | 3072 | 4096}] [noconfirm]",
        &[
            CR,
            "Long term key operations",
            "Generate a key pair",
            "RSA keys",
            "One general purpose key pair",
            "Name the key pair",
            "Key pair name",
            "Modulus size",
            "512 bits",
            "768 bits",
            "1024 bits",
            "2048 bits",
            "3072 bits",
            "4096 bits",
            "Do not ask",
        ],
        super::super::pki_terminal::generate,
    );
    add(
        g,
        "crypto key generate ecdsa [label WORD] [elliptic-curve {256 | 384 | 521}] [noconfirm]",
        &[
            CR,
            "Long term key operations",
            "Generate a key pair",
            "ECDSA keys",
            "Name the key pair",
            "Key pair name",
            "Elliptic curve",
            "P-256",
            "P-384",
            "P-521",
            "Do not ask",
        ],
        super::super::pki_terminal::generate,
    );
    add(
        g,
        "crypto key zeroize {rsa | ecdsa} [label WORD] [noconfirm]",
        &[
            CR,
            "Long term key operations",
            "Remove key pairs (and the certificates of the trustpoints using them)",
            "RSA keys",
            "ECDSA keys",
            "Name the key pair",
            "Key pair name",
            "Do not ask",
        ],
        super::super::pki_terminal::zeroize,
    );
    add(
        g,
        "crypto ca authenticate WORD",
        &[CR, "Certification authority", "Get the CA certificate (pasted)", "Trustpoint name"],
        super::super::pki_terminal::authenticate,
    );
    add(
        g,
        "crypto ca enroll WORD",
        &[CR, "Certification authority", "Enroll (the request printed to the terminal)", "Trustpoint name"],
        super::super::pki_terminal::enroll,
    );
    add(
        g,
        "crypto ca import WORD certificate",
        &[
            CR,
            "Certification authority",
            "Import a certificate",
            "Trustpoint name",
            "This device's certificate (pasted)",
        ],
        super::super::pki_terminal::import,
    );
}

/// `crypto ikev1 policy N` mode.
pub(super) fn ikev1_policy(g: &mut G) {
    add(
        g,
        "authentication {pre-share | rsa-sig | crack}",
        &[
            "Set authentication method",
            "Pre-Shared Key",
            "RSA Signature",
            "Challenge/Response for Authenticated Cryptographic Keys",
        ],
        leaf1,
    );
    add(
        g,
        "encryption {des | 3des | aes | aes-192 | aes-256}",
        &["Set encryption algorithm", "DES", "3DES", "AES-128", "AES-192", "AES-256"],
        leaf1,
    );
    add(g, "hash {md5 | sha}", &["Set hash algorithm", "MD5", "SHA-1"], leaf1);
    add(
        g,
        "group {1 | 2 | 5 | 7 | 14 | 15 | 16 | 19 | 20 | 21 | 24}",
        &[
            "Set Diffie-Hellman group",
            "Group 1 (768-bit modulus)",
            "Group 2 (1024-bit modulus)",
            "Group 5 (1536-bit modulus)",
            "Group 7 (ECC)",
            "Group 14 (2048-bit modulus)",
            "Group 15",
            "Group 16",
            "Group 19",
            "Group 20",
            "Group 21",
            "Group 24",
        ],
        leaf1,
    );
    add(
        g,
        "lifetime {<120-2147483647> | none}",
        &["Set lifetime for the ISAKMP security association", "Lifetime in seconds", "No lifetime"],
        leaf1,
    );
}

/// `crypto ikev2 policy N` mode.
pub(super) fn ikev2_policy(g: &mut G) {
    const ENC: &str = "des | 3des | aes | aes-192 | aes-256 | aes-gcm | aes-gcm-192 | aes-gcm-256 | null";
    let mut he = vec!["Set encryption algorithm"];
    for _ in 0..4 {
        he.extend([
            "DES",
            "3DES",
            "AES-128",
            "AES-192",
            "AES-256",
            "AES-GCM-128",
            "AES-GCM-192",
            "AES-GCM-256",
            "Null",
        ]);
    }
    add(g, &format!("encryption {{{ENC}}} [{ENC}] [{ENC}] [{ENC}]"), &he, leaf1);
    const INT: &str = "md5 | sha | sha256 | sha384 | sha512 | null";
    let mut hi = vec!["Set integrity algorithm"];
    for _ in 0..4 {
        hi.extend(["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "Null"]);
    }
    add(g, &format!("integrity {{{INT}}} [{INT}] [{INT}] [{INT}]"), &hi, leaf1);
    const GRP: &str = "1 | 2 | 5 | 14 | 15 | 16 | 19 | 20 | 21 | 24";
    let mut hg = vec!["Set Diffie-Hellman group"];
    for _ in 0..4 {
        hg.extend(["1", "2", "5", "14", "15", "16", "19", "20", "21", "24"]);
    }
    add(g, &format!("group {{{GRP}}} [{GRP}] [{GRP}] [{GRP}]"), &hg, leaf1);
    const PRF: &str = "md5 | sha | sha256 | sha384 | sha512";
    let mut hp = vec!["Set pseudo-random function"];
    for _ in 0..4 {
        hp.extend(["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"]);
    }
    add(g, &format!("prf {{{PRF}}} [{PRF}] [{PRF}] [{PRF}]"), &hp, leaf1);
    add(g, "lifetime seconds <120-2147483647>", &["Set lifetime", "In seconds", "Seconds"], leaf1);
}

/// `crypto ipsec ikev2 ipsec-proposal NAME` mode.
pub(super) fn ipsec_proposal(g: &mut G) {
    const ENC: &str = "des | 3des | aes | aes-192 | aes-256 | aes-gcm | aes-gcm-192 | aes-gcm-256 | aes-gmac | aes-gmac-192 | aes-gmac-256 | null";
    let mut he = vec!["Specify protocol", "ESP", "Encryption algorithms"];
    for _ in 0..12 {
        he.extend([
            "DES",
            "3DES",
            "AES-128",
            "AES-192",
            "AES-256",
            "AES-GCM-128",
            "AES-GCM-192",
            "AES-GCM-256",
            "AES-GMAC-128",
            "AES-GMAC-192",
            "AES-GMAC-256",
            "Null",
        ]);
    }
    let opt = format!(" [{ENC}]").repeat(11);
    add(g, &format!("protocol esp encryption {{{ENC}}}{opt}"), &he, leaf3);
    const INT: &str = "md5 | sha-1 | sha-256 | sha-384 | sha-512 | null";
    let mut hi = vec!["Specify protocol", "ESP", "Integrity algorithms"];
    for _ in 0..6 {
        hi.extend(["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "Null"]);
    }
    let opt = format!(" [{INT}]").repeat(5);
    add(g, &format!("protocol esp integrity {{{INT}}}{opt}"), &hi, leaf3);
}

/// `crypto ipsec profile NAME` mode.
pub(super) fn ipsec_profile(g: &mut G) {
    let mut ht = vec!["Specify profile settings", "Set IKEv1 settings", "Transform sets"];
    ht.extend(names10("Name").into_iter().skip(1).take(5));
    add(g, "set ikev1 transform-set WORD [WORD] [WORD] [WORD] [WORD]", &ht, leaf3);
    let mut hv = vec!["Specify profile settings", "Set IKEv2 settings", "IPsec proposals"];
    hv.extend(names10("Name").into_iter().skip(1).take(5));
    add(g, "set ikev2 ipsec-proposal WORD [WORD] [WORD] [WORD] [WORD]", &hv, leaf3);
    let mut hpfs = vec!["Specify profile settings"];
    hpfs.extend(PFS_HELP);
    add(g, &format!("set pfs {PFS}"), &hpfs, leaf2);
    let mut hl = vec!["Specify profile settings"];
    hl.extend(&LIFETIME_HELP[..12]);
    add(g, &format!("set {LIFETIME}"), &hl, leaf4);
    add(g, "responder-only", &["Respond to tunnel negotiations only, never initiate"], leaf1);
}
