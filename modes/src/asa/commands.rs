//! ASA commands: spec, help, and what each does to the configuration
//! document. Leaf commands store their canonical text (keywords in full,
//! values as typed) and replace an earlier line with the same leading words,
//! as the ASA does.

use super::{AsaMode, add_line, enter_block, remove_line, set_line};
use crate::cisco_acl::AceSyntax;
use crate::out::Out;
use crate::session::{Args, CmdResult, Session};

use crate::cisco_common::{G, add, block, canon, key_words, leaf};

leaf!(leaf1, 1, set_line);
leaf!(leaf2, 2, set_line);
leaf!(leaf3, 3, set_line);
leaf!(leaf4, 4, set_line);

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

block!(b_ikev1, AsaMode::Ikev1Policy, enter_block);
block!(b_ikev2, AsaMode::Ikev2Policy, enter_block);
block!(b_proposal, AsaMode::IpsecProposal, enter_block);
block!(b_profile, AsaMode::IpsecProfile, enter_block);
block!(b_tg_general, AsaMode::TunnelGeneral, enter_block);
block!(b_tg_ipsec, AsaMode::TunnelIpsec, enter_block);
block!(b_object, AsaMode::ObjectNetwork, enter_block);
block!(b_group_net, AsaMode::ObjectGroupNetwork, enter_block);
block!(b_group_svc, AsaMode::ObjectGroupService, enter_block);
block!(b_group_policy, AsaMode::GroupPolicy, enter_block);
block!(b_user_attrs, AsaMode::UsernameAttrs, enter_block);

/// ASA interface names in full: `g0/0` is `GigabitEthernet0/0`.
pub fn interface_name(n: &str) -> String {
    const TYPES: &[&str] = &[
        "GigabitEthernet",
        "TenGigabitEthernet",
        "Management",
        "Ethernet",
        "Port-channel",
        "Redundant",
        "Vlan",
        "BVI",
        "Tunnel",
    ];
    let split = n.find(|c: char| c.is_ascii_digit()).unwrap_or(n.len());
    let (ty, num) = n.split_at(split);
    if ty.is_empty() || num.is_empty() {
        return n.to_string();
    }
    let lower = ty.to_ascii_lowercase();
    match (
        lower.as_str(),
        TYPES.iter().filter(|t| t.to_ascii_lowercase().starts_with(&lower)).collect::<Vec<_>>().as_slice(),
    ) {
        ("g" | "gi", _) => format!("GigabitEthernet{num}"),
        ("m", _) => format!("Management{num}"),
        (_, [one]) => format!("{one}{num}"),
        _ => n.to_string(),
    }
}

fn b_if(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let raw = a.req("WORD")?;
    if !raw.starts_with(|c: char| c.is_ascii_alphabetic())
        || !raw.contains(|c: char| c.is_ascii_digit())
        || raw.contains(['<', '>', '{', '}', '$'])
    {
        let col = a.line.find(raw).unwrap_or(0);
        o.line(&format!("{}^", " ".repeat(col)));
        o.line("ERROR: % Invalid input detected at '^' marker.");
        return Err(String::new());
    }
    enter_block(s, &format!("interface {}", interface_name(raw)), AsaMode::Interface);
    Ok(())
}

const SH: &str = "Show running system information";
const CR: &str = "Configure IPSec, ISAKMP, Certification Authority, key";

fn common(g: &mut G) {
    add(g, "exit", &["Exit from the current mode"], |s, _, _| {
        s.asa.stack.pop();
        Ok(())
    });
    add(g, "end", &["Exit from configure mode"], |s, _, _| {
        s.asa.stack.clear();
        Ok(())
    });
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

pub fn build(m: AsaMode) -> G {
    let mut g = G::new();
    match m {
        AsaMode::UserExec | AsaMode::Exec => exec(&mut g, m == AsaMode::Exec),
        AsaMode::Config => global(&mut g),
        AsaMode::Interface => {
            add(&mut g, "nameif WORD", &["Assign name to interface", "Interface name (up to 48 characters)"], leaf1);
            add(
                &mut g,
                "security-level <0-100>",
                &["Specify the security level of this interface", "Security level"],
                leaf1,
            );
            add(
                &mut g,
                "ip address A.B.C.D:addr A.B.C.D:mask [standby A.B.C.D:standby]",
                &[
                    "Configure the IP address",
                    "Configure the IP address",
                    "IP address",
                    "IP subnet mask",
                    "Specify IP address for standby unit",
                    "Standby IP address",
                ],
                leaf2,
            );
            add(
                &mut g,
                "ip address dhcp [setroute]",
                &[
                    "Configure the IP address",
                    "Configure the IP address",
                    "Obtain the address from DHCP",
                    "Obtain the default route too",
                ],
                leaf2,
            );
            add(&mut g, "description LINE", &["Interface specific description", "Up to 200 characters"], leaf1);
            add(&mut g, "shutdown", &["Shutdown the selected interface"], leaf1);
        }
        AsaMode::Ikev1Policy => {
            add(
                &mut g,
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
                &mut g,
                "encryption {des | 3des | aes | aes-192 | aes-256}",
                &["Set encryption algorithm", "DES", "3DES", "AES-128", "AES-192", "AES-256"],
                leaf1,
            );
            add(&mut g, "hash {md5 | sha}", &["Set hash algorithm", "MD5", "SHA-1"], leaf1);
            add(
                &mut g,
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
                &mut g,
                "lifetime {<120-2147483647> | none}",
                &["Set lifetime for the ISAKMP security association", "Lifetime in seconds", "No lifetime"],
                leaf1,
            );
        }
        AsaMode::Ikev2Policy => {
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
            add(&mut g, &format!("encryption {{{ENC}}} [{ENC}] [{ENC}] [{ENC}]"), &he, leaf1);
            const INT: &str = "md5 | sha | sha256 | sha384 | sha512 | null";
            let mut hi = vec!["Set integrity algorithm"];
            for _ in 0..4 {
                hi.extend(["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "Null"]);
            }
            add(&mut g, &format!("integrity {{{INT}}} [{INT}] [{INT}] [{INT}]"), &hi, leaf1);
            const GRP: &str = "1 | 2 | 5 | 14 | 15 | 16 | 19 | 20 | 21 | 24";
            let mut hg = vec!["Set Diffie-Hellman group"];
            for _ in 0..4 {
                hg.extend(["1", "2", "5", "14", "15", "16", "19", "20", "21", "24"]);
            }
            add(&mut g, &format!("group {{{GRP}}} [{GRP}] [{GRP}] [{GRP}]"), &hg, leaf1);
            const PRF: &str = "md5 | sha | sha256 | sha384 | sha512";
            let mut hp = vec!["Set pseudo-random function"];
            for _ in 0..4 {
                hp.extend(["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"]);
            }
            add(&mut g, &format!("prf {{{PRF}}} [{PRF}] [{PRF}] [{PRF}]"), &hp, leaf1);
            add(&mut g, "lifetime seconds <120-2147483647>", &["Set lifetime", "In seconds", "Seconds"], leaf1);
        }
        AsaMode::IpsecProposal => {
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
            add(&mut g, &format!("protocol esp encryption {{{ENC}}}{opt}"), &he, leaf3);
            const INT: &str = "md5 | sha-1 | sha-256 | sha-384 | sha-512 | null";
            let mut hi = vec!["Specify protocol", "ESP", "Integrity algorithms"];
            for _ in 0..6 {
                hi.extend(["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "Null"]);
            }
            let opt = format!(" [{INT}]").repeat(5);
            add(&mut g, &format!("protocol esp integrity {{{INT}}}{opt}"), &hi, leaf3);
        }
        AsaMode::IpsecProfile => {
            let mut ht = vec!["Specify profile settings", "Set IKEv1 settings", "Transform sets"];
            ht.extend(names10("Name").into_iter().skip(1).take(5));
            add(&mut g, "set ikev1 transform-set WORD [WORD] [WORD] [WORD] [WORD]", &ht, leaf3);
            let mut hv = vec!["Specify profile settings", "Set IKEv2 settings", "IPsec proposals"];
            hv.extend(names10("Name").into_iter().skip(1).take(5));
            add(&mut g, "set ikev2 ipsec-proposal WORD [WORD] [WORD] [WORD] [WORD]", &hv, leaf3);
            let mut hpfs = vec!["Specify profile settings"];
            hpfs.extend(PFS_HELP);
            add(&mut g, &format!("set pfs {PFS}"), &hpfs, leaf2);
            let mut hl = vec!["Specify profile settings"];
            hl.extend(&LIFETIME_HELP[..12]);
            add(&mut g, &format!("set {LIFETIME}"), &hl, leaf4);
        }
        AsaMode::TunnelGeneral => {
            add(&mut g, "default-group-policy WORD", &["Set the default group policy", "Group policy name"], leaf1);
        }
        AsaMode::TunnelIpsec => {
            add(
                &mut g,
                "ikev1 pre-shared-key WORD",
                &["Configure IKEv1 settings", "Set the pre-shared key", "The key (up to 128 characters)"],
                leaf2,
            );
            add(
                &mut g,
                "ikev2 remote-authentication pre-shared-key [0 | 8] WORD",
                &[
                    "Configure IKEv2 settings",
                    "Authentication of the peer",
                    "Pre-shared key",
                    "Unencrypted",
                    "Encrypted",
                    "The key",
                ],
                leaf3,
            );
            add(
                &mut g,
                "ikev2 local-authentication pre-shared-key [0 | 8] WORD",
                &[
                    "Configure IKEv2 settings",
                    "Authentication of this device",
                    "Pre-shared key",
                    "Unencrypted",
                    "Encrypted",
                    "The key",
                ],
                leaf3,
            );
            add(&mut g, "pre-shared-key WORD", &["Set the pre-shared key (ASA 8.2: IKEv1)", "The key"], old_syntax);
            add(
                &mut g,
                "peer-id-validate {req | cert | nocheck}",
                &["Validate the peer's identity", "Required", "If supported by the certificate", "Do not check"],
                leaf1,
            );
            add(
                &mut g,
                "isakmp keepalive {threshold <10-3600> retry <2-10> | disable | threshold infinite}",
                &[
                    "ISAKMP settings",
                    "Keepalive (DPD)",
                    "Threshold",
                    "Seconds",
                    "Retry",
                    "Seconds",
                    "Disable",
                    "Threshold",
                    "Never",
                ],
                leaf2,
            );
        }
        AsaMode::ObjectNetwork => {
            add(
                &mut g,
                "host A.B.C.D",
                &["Enter this keyword to specify a single host object", "IP address"],
                object_value,
            );
            add(
                &mut g,
                "subnet A.B.C.D:net A.B.C.D:mask",
                &["Enter this keyword to specify a subnet", "Network address", "Network mask"],
                object_value,
            );
            add(
                &mut g,
                "range A.B.C.D:first A.B.C.D:last",
                &["Enter this keyword to specify a range", "First address", "Last address"],
                object_value,
            );
            add(
                &mut g,
                "fqdn [v4 | v6] WORD",
                &["Enter this keyword to specify an FQDN", "IPv4", "IPv6", "Name"],
                object_value,
            );
            add(&mut g, "description LINE", &["Specify a description for this object", "Up to 200 characters"], leaf1);
        }
        AsaMode::ObjectGroupNetwork => {
            add(
                &mut g,
                "network-object {host A.B.C.D | A.B.C.D:net A.B.C.D:mask | object WORD}",
                &[
                    "Add a network object",
                    "Host address",
                    "IP address",
                    "Network address",
                    "Network mask",
                    "A network object",
                    "Object name",
                ],
                |s, a, _| {
                    add_line(s, &canon(a));
                    Ok(())
                },
            );
            add(&mut g, "group-object WORD", &["Add a group object", "Object group name"], |s, a, _| {
                add_line(s, &canon(a));
                Ok(())
            });
            add(
                &mut g,
                "description LINE",
                &["Specify a description for this object group", "Up to 200 characters"],
                leaf1,
            );
        }
        AsaMode::ObjectGroupService => {
            add(
                &mut g,
                "port-object {eq WORD | range WORD:lo WORD:hi}",
                &["Add a port object", "Port", "Port number or name", "Range", "First port", "Last port"],
                |s, a, _| {
                    add_line(s, &canon(a));
                    Ok(())
                },
            );
            add(
                &mut g,
                "service-object LINE",
                &["Add a service object", "Protocol, [source and] destination ports"],
                |s, a, _| {
                    add_line(s, &canon(a));
                    Ok(())
                },
            );
            add(&mut g, "group-object WORD", &["Add a group object", "Object group name"], |s, a, _| {
                add_line(s, &canon(a));
                Ok(())
            });
            add(
                &mut g,
                "description LINE",
                &["Specify a description for this object group", "Up to 200 characters"],
                leaf1,
            );
        }
        AsaMode::GroupPolicy => {}
        AsaMode::UsernameAttrs => {
            add(
                &mut g,
                "ssh authentication publickey WORD [hashed]",
                &[
                    "Configure SSH",
                    "SSH authentication",
                    "Public key authentication",
                    "The public key (base64, without its type and comment), or its SHA-256 hash (hex pairs separated by colons) with hashed",
                    "The key is given as its hash",
                ],
                super::users::ssh_publickey,
            );
            add(
                &mut g,
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
        AsaMode::Verbatim => {}
    }
    if !matches!(m, AsaMode::UserExec | AsaMode::Exec) {
        common(&mut g);
    }
    g
}

/// An object's value (`host`, `subnet`, `range`, `fqdn`): one per object.
fn object_value(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    for k in ["host", "subnet", "range", "fqdn"] {
        remove_line(s, k);
    }
    set_line(s, "", &canon(a));
    Ok(())
}

/// The ASA's extended access-list entry: its protocols, `object` and
/// `object-group` names (and `interface IF`), network masks, `range` ports.
pub const ACE_SYNTAX: AceSyntax = AceSyntax {
    protocols: &[
        "ip", "tcp", "udp", "icmp", "esp", "ah", "gre", "igmp", "ospf", "eigrp", "pim", "sctp", "icmp6", "ipsec",
        "pptp", "snp", "nos", "pcp", "ipinip",
    ],
    named_protocols: &["object", "object-group"],
    any: &["any", "any4", "any6"],
    named_addresses: &["object", "object-group", "interface"],
    mask: "network mask",
    prefix: "% ",
    incomplete: "Incomplete command",
    port_range: true,
    port_numbers_checked: false,
    port_missing: "Incomplete command",
};

/// Check an extended access-list entry after `permit|deny`: protocol (or a
/// service object/object-group), source, destination (`any`, `any4`, `host
/// A`, `A MASK`, `object NAME`, `object-group NAME`, `interface NAME`), ports.
pub fn check_ace(rest: &str) -> CmdResult {
    crate::cisco_acl::check_ace(&ACE_SYNTAX, rest)
}

fn global(g: &mut G) {
    add(g, "hostname WORD", &["Change host name of the system", "This system's network name"], |s, a, _| {
        s.router().asa.doc.hostname = a.req("WORD")?.to_string();
        Ok(())
    });
    add(g, "interface WORD", &["Select an interface to configure", "Interface name"], b_if);
    add(
        g,
        "access-list WORD extended {permit | deny} LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Configure an access policy for filtering traffic",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination",
        ],
        |s, a, _| {
            check_ace(a.get("LINE").unwrap_or(""))?;
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "access-list WORD remark LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Specify a comment (remark) for the access list",
            "Comment",
        ],
        |s, a, _| {
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "access-list WORD standard {permit | deny} LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Configure a standard access list",
            "Specify packets to forward",
            "Specify packets to reject",
            "Destination",
        ],
        |s, a, _| {
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(g, "object network WORD", &["Configure an object", "Specify a network object", "Object name"], b_object);
    add(
        g,
        "object-group network WORD",
        &["Create an object group", "Specify a group of host or subnet IP addresses", "Object group name"],
        b_group_net,
    );
    add(
        g,
        "object-group service WORD [tcp | udp | tcp-udp]",
        &[
            "Create an object group",
            "Specify a group of TCP/UDP ports or services",
            "Object group name",
            "TCP",
            "UDP",
            "TCP and UDP",
        ],
        b_group_svc,
    );
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
    // ASA 8.2 syntax, converted as 8.4 and later do.
    add(
        g,
        "access-list WORD {permit | deny} LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination (ASA 7.x: extended)",
        ],
        old_syntax,
    );
    add(
        g,
        "crypto isakmp policy <1-65535>",
        &[CR, "Configure ISAKMP (ASA 8.2: IKEv1)", "Set policy suite", "Priority"],
        old_syntax,
    );
    add(
        g,
        "crypto isakmp enable WORD",
        &[CR, "Configure ISAKMP (ASA 8.2: IKEv1)", "Enable on an interface", "Interface name (nameif)"],
        old_syntax,
    );
    add(
        g,
        "crypto ipsec transform-set WORD LINE",
        &[CR, "IPsec (ASA 8.2: IKEv1 transform set)", "Define transform set", "Name", "Transforms"],
        old_syntax,
    );
    add(
        g,
        "crypto map WORD <1-65535> set transform-set LINE",
        &[
            CR,
            "Configure a crypto map",
            "Crypto map tag",
            "Sequence",
            "Specify crypto map settings",
            "Transform sets (ASA 8.2: IKEv1)",
            "Names",
        ],
        old_syntax,
    );
    add(
        g,
        "crypto dynamic-map WORD <1-65535> set transform-set LINE",
        &[
            CR,
            "Configure a dynamic crypto map",
            "Tag",
            "Sequence",
            "Specify crypto map settings",
            "Transform sets (ASA 8.2: IKEv1)",
            "Names",
        ],
        old_syntax,
    );
    add(
        g,
        "tunnel-group WORD type {ipsec-l2l | remote-access | webvpn}",
        &[
            "Create and manage the database of connection specific records for IPSec connections",
            "Name of the tunnel group (an IP address for a LAN-to-LAN peer)",
            "Set the type of the tunnel group",
            "IPSec LAN-to-LAN",
            "IPSec remote access",
            "WebVPN",
        ],
        |s, a, _| {
            set_line(s, &key_words(a, 3), &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "tunnel-group WORD general-attributes",
        &[
            "Create and manage the database of connection specific records for IPSec connections",
            "Name of the tunnel group",
            "Enter the general-attributes sub-command mode",
        ],
        b_tg_general,
    );
    add(
        g,
        "tunnel-group WORD ipsec-attributes",
        &[
            "Create and manage the database of connection specific records for IPSec connections",
            "Name of the tunnel group",
            "Enter the ipsec-attributes sub-command mode",
        ],
        b_tg_ipsec,
    );
    add(
        g,
        "group-policy WORD {internal | external server-group WORD:group}",
        &[
            "Configure or remove a group policy",
            "Group policy name",
            "Internal group policy",
            "External group policy",
            "Server group",
            "Name",
        ],
        |s, a, _| {
            set_line(s, &key_words(a, 2), &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "group-policy WORD attributes",
        &["Configure or remove a group policy", "Group policy name", "Enter the attributes sub-command mode"],
        b_group_policy,
    );
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
            let level = a.num("<0-15>").map(|n| n as u8).unwrap_or(super::users::DEFAULT_PRIVILEGE);
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
                format!("{} pbkdf2", super::users::hash(&pw, &salt))
            };
            let privilege =
                if level == super::users::DEFAULT_PRIVILEGE { String::new() } else { format!(" privilege {level}") };
            set_line(s, &format!("username {name} password"), &format!("username {name} password {stored}{privilege}"));
            Ok(())
        },
    );
    add(g, "exit", &["Exit from config mode"], |s, _, _| {
        s.asa.stack.clear();
        Ok(())
    });
    add(g, "end", &["Exit from configure mode"], |s, _, _| {
        s.asa.stack.clear();
        Ok(())
    });
}

leaf!(leaf5, 5, set_line);

/// The ASA 8.2 commands that 8.4 and later convert on load (the IKEv1
/// keywords): `crypto isakmp policy|enable`, `crypto ipsec transform-set`,
/// `crypto map M N set transform-set`, `pre-shared-key` in a tunnel-group's
/// ipsec-attributes. Returns the line as 9.x keeps it.
pub fn convert_82(line: &str) -> Option<String> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let rest = |n: usize| w[n..].join(" ");
    Some(match w.as_slice() {
        ["crypto", "isakmp", "policy", _] => format!("crypto ikev1 policy {}", rest(3)),
        ["crypto", "isakmp", "enable", _] => format!("crypto ikev1 enable {}", rest(3)),
        ["crypto", "ipsec", "transform-set", _, ..] => format!("crypto ipsec ikev1 transform-set {}", rest(3)),
        ["crypto", m @ ("map" | "dynamic-map"), name, seq, "set", "transform-set", ..] => {
            format!("crypto {m} {name} {seq} set ikev1 transform-set {}", rest(6))
        }
        ["pre-shared-key", _] => format!("ikev1 {line}"),
        // `access-list NAME permit ...` (7.x): an extended entry.
        ["access-list", name, "permit" | "deny", ..] => format!("access-list {name} extended {}", rest(2)),
        _ => return None,
    })
}

/// An ASA 8.2 line: run as the 9.x line it converts to.
fn old_syntax(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let Some(new) = convert_82(&canon(a)) else { return Err("% Invalid input".into()) };
    let m = super::mode(s);
    match super::run_in(s, m, &new, o) {
        Ok(true) => Ok(()),
        Ok(false) => Err(String::new()),
        Err(_) => Err(format!("% Invalid input ({new})")),
    }
}

/// A line kept once, in place (`crypto ikev1 enable outside`).
fn add_only(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    add_line(s, &canon(a));
    Ok(())
}

fn exec(g: &mut G, privileged: bool) {
    add(g, "enable [<0-15>]", &["Turn on privileged commands", "Enable level"], |s, a, o| {
        let level = a.num("<0-15>").unwrap_or(15) as u8;
        s.request_enable(level, o)
    });
    add(g, "exit", &["Exit from the EXEC"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(g, "quit", &["Exit from the EXEC"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(g, "show version", &[SH, "Display the system software version"], |s, _, o| {
        let r = s.router();
        let up = r.now().saturating_sub(r.boot_time);
        o.line("");
        o.line(&format!(
            "Cisco Adaptive Security Appliance Software Version 9.8(4) (edgesh {})",
            env!("CARGO_PKG_VERSION")
        ));
        o.line("edgesh: a software router in Rust with an IKE/IPsec engine (Cisco ASA dialect)");
        o.line("");
        o.line(&format!("{} up {} mins {} secs", r.asa.doc.hostname, up / 60, up % 60));
        Ok(())
    });
    add(g, "show clock", &[SH, "Display the system clock"], |s, _, o| {
        let now = s.router().now();
        let t = super::show_sa::asa_time(now);
        // `14:37:44.000 UTC Sun Nov 22 2026`
        o.line(&t.replacen(' ', ".000 ", 1));
        Ok(())
    });
    if !privileged {
        return;
    }
    add(g, "disable", &["Turn off privileged commands"], |s, _, _| {
        s.disable(None);
        Ok(())
    });
    add(g, "configure terminal", &["Configure using various methods", "Configure from the terminal"], |s, _, _| {
        s.asa.stack = vec![super::AsaFrame { mode: AsaMode::Config, path: Vec::new(), family: "global" }];
        Ok(())
    });
    add(
        g,
        "terminal width <24-511>",
        &["Set terminal line parameters", "Set terminal width", "Characters per line"],
        |s, a, _| {
            s.terminal_width = a.num("<24-511>").unwrap_or(80) as usize;
            Ok(())
        },
    );
    add(
        g,
        "terminal pager <0-2147483647>",
        &["Set terminal line parameters", "Control page length for pagination", "Lines per page (0: no paging)"],
        |s, a, _| {
            let n = a.num("<0-2147483647>").unwrap_or(0) as usize;
            s.terminal_length = (n > 0).then_some(n);
            Ok(())
        },
    );
    add(g, "show running-config", &[SH, "Show the current operating configuration"], |s, _, o| {
        super::show_running(s, true, o);
        Ok(())
    });
    add(
        g,
        "show running-config all",
        &[SH, "Show the current operating configuration", "Configuration with defaults"],
        |s, _, o| {
            let doc = s.router().asa.doc.with_defaults();
            doc.render(true, o);
            Ok(())
        },
    );
    add(
        g,
        "show running-config all crypto [map]",
        &[
            SH,
            "Show the current operating configuration",
            "Configuration with defaults",
            "Show crypto configuration",
            "Crypto maps",
        ],
        |s, a, o| {
            let doc = s.router().asa.doc.with_defaults();
            doc.render_section(if a.has("map") { &["crypto", "map"] } else { &["crypto"] }, true, o);
            Ok(())
        },
    );
    add(
        g,
        "more system:running-config",
        &["Display the contents of a file", "The running configuration, keys in clear"],
        |s, _, o| {
            super::show_running(s, false, o);
            Ok(())
        },
    );
    add(
        g,
        "show running-config {crypto [map | ikev1 | ikev2 | ipsec | dynamic-map] | ipsec | tunnel-group [WORD] | access-list [WORD] | interface [WORD] | object [network] | object-group | group-policy [WORD] | hostname | username}",
        &[
            SH,
            "Show the current operating configuration",
            "Show crypto configuration",
            "Crypto maps",
            "IKEv1",
            "IKEv2",
            "IPsec",
            "Dynamic crypto maps",
            "Show IPsec configuration (crypto ipsec)",
            "Show tunnel-group configuration",
            "Tunnel group name",
            "Show access-list configuration",
            "Access list name",
            "Show interface configuration",
            "Interface name",
            "Show object configuration",
            "Network objects",
            "Show object-group configuration",
            "Show group-policy configuration",
            "Group policy name",
            "Show the host name",
            "Show the local users",
        ],
        |s, a, o| {
            let words = section_words(a);
            if words == ["hostname"] {
                o.line(&format!("hostname {}", s.router().asa.doc.hostname));
                return Ok(());
            }
            let doc = s.router().asa.doc.clone();
            doc.render_section(&words.iter().map(String::as_str).collect::<Vec<_>>(), true, o);
            Ok(())
        },
    );
    add(g, "show startup-config", &[SH, "Show the startup configuration"], |s, _, o| {
        match s.router().asa.startup.clone() {
            Some(d) => d.render(true, o),
            None => o.line("ERROR: Startup configuration file does not exist"),
        }
        Ok(())
    });
    for spec in ["write memory", "copy running-config startup-config"] {
        let helps: &[&str] = if spec == "write memory" {
            &["Write config to memory, network or terminal", "Write configuration to memory"]
        } else {
            &[
                "Copy from one file to another",
                "Copy from the running configuration",
                "Copy to the startup configuration",
            ]
        };
        add(g, spec, helps, write_memory);
    }
    super::show_sa::register(g);
}

/// The section `show running-config {crypto [map] | ipsec | interface X
/// ...}` lists, as the leading words of its top-level lines (`ipsec`:
/// `crypto ipsec`; `object`: `object network`; an interface name in full);
/// `["hostname"]`: the host name line alone.
pub fn section_words(a: &Args) -> Vec<String> {
    let mut w: Vec<String> = a.bindings.iter().skip(2).map(|b| b.value.to_string()).collect();
    if w.len() == 2 && w[0] == "interface" {
        w[1] = interface_name(&w[1]);
    }
    if w == ["object"] {
        w.push("network".into());
    }
    if w == ["ipsec"] {
        w = vec!["crypto".into(), "ipsec".into()];
    }
    w
}

/// `write memory`: the running configuration (keys in clear) to the startup file.
fn write_memory(s: &mut Session, _: &Args, o: &mut dyn Out) -> CmdResult {
    use md5::Digest;
    o.line("Building configuration...");
    let doc = s.router().asa.doc.clone();
    let dir = s.router().state_dir.clone();
    let mut text = crate::out::VecOut::default();
    doc.render(false, &mut text);
    let body = text.text();
    let sum = md5::Md5::digest(body.as_bytes());
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    o.line(&format!("Cryptochecksum: {} {} {} {} ", &hex[0..8], &hex[8..16], &hex[16..24], &hex[24..32]));
    o.line("");
    let path = dir.join(super::STARTUP_FILE);
    crate::statefs::write_private(&path, |w| std::io::Write::write_all(w, body.as_bytes()))
        .map_err(|e| format!("Error writing startup configuration: {e}"))?;
    s.router().asa.startup = Some(doc);
    o.line(&format!("{} bytes copied in 0.10 secs", body.len()));
    o.line("[OK]");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_list_entries_are_checked() {
        assert!(check_ace("ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0").is_ok());
        assert!(check_ace("ip object X object Y").is_ok());
        assert!(check_ace("tcp any host 192.0.2.1 eq 443").is_ok());
        assert!(check_ace("ip 10.1.0.0 10.2.0.0 255.255.255.0").is_err());
        assert!(check_ace("ipp any any").is_err());
        assert!(check_ace("ip any").is_err());
    }

    #[test]
    fn interface_names_in_full() {
        assert_eq!(interface_name("g0/0"), "GigabitEthernet0/0");
        assert_eq!(interface_name("GigabitEthernet1/1"), "GigabitEthernet1/1");
        assert_eq!(interface_name("m0/0"), "Management0/0");
        assert_eq!(interface_name("Port-channel1.100"), "Port-channel1.100");
    }
}
