//! IOS crypto shows read from the configuration and the engine that
//! `show_config.rs` and `show_sa.rs` do not print: `show crypto isakmp key`,
//! `show crypto ipsec profile`, `show crypto isakmp sa detail`, `show crypto
//! engine connection active`. Each is a typed state (gathered from the
//! running document or the engine) and a render function that prints it in
//! the IOS 15 / IOS-XE 16 layout; a `| json` can serialise the same state.
//!
//! Layouts, from real captures: `show crypto ipsec profile` and `show crypto
//! isakmp sa detail` as in Genie's iosxe test outputs (`../shared/corpus/
//! outputs/ios/`) and public lab write-ups; `show crypto isakmp key` and
//! `show crypto engine connection active` as public lab captures print them
//! (no parser ships a template for these two).

use super::{IosDoc, Node};
use crate::out::Out;
use crate::session::Router;
use edgesh_engine::config::{AuthMethod, EspAuth, EspEncr, IkeAuthAlg, IkeEncr};

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

// ------------------------------------------------------------ isakmp key

/// One pre-shared key: the default keyring (`crypto isakmp key`) or a
/// `crypto keyring NAME`'s `pre-shared-key address A [M] key K`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsakmpKey {
    pub keyring: String,
    pub address: String,
    /// A mask other than a host mask (`0.0.0.0 0.0.0.0`: any peer).
    pub mask: Option<String>,
    pub key: String,
}

/// `show crypto isakmp key`.
pub fn isakmp_keys(doc: &IosDoc) -> Vec<IsakmpKey> {
    let mut v = Vec::new();
    let row = |keyring: &str, addr: &str, mask: Option<&&str>, key: &str| IsakmpKey {
        keyring: keyring.to_string(),
        address: addr.to_string(),
        mask: mask.filter(|m| **m != "255.255.255.255").map(|m| m.to_string()),
        key: key.to_string(),
    };
    for n in &doc.root {
        let w = words(&n.text);
        match w.as_slice() {
            ["crypto", "isakmp", "key", rest @ ..] => {
                // [0|6] KEY address A [MASK] [no-xauth]
                let rest = match rest {
                    ["0" | "6", r @ ..] if r.len() >= 3 => r,
                    r => r,
                };
                match rest {
                    [key, "address", "ipv6", p, ..] | [key, "hostname", p, ..] => v.push(row("default", p, None, key)),
                    [key, "address", a, more @ ..] => {
                        let mask = more.first().filter(|m| m.parse::<std::net::Ipv4Addr>().is_ok());
                        v.push(row("default", a, mask, key));
                    }
                    _ => {}
                }
            }
            ["crypto", "keyring", name, ..] => {
                for c in &n.children {
                    if let ["pre-shared-key", "address", a, more @ ..] = words(&c.text).as_slice() {
                        // `key [0 | 6] KEY`: the type word is not the key.
                        let (mask, key) = match more {
                            [m, "key", "0" | "6", k, ..] if *m != "key" => (Some(m), *k),
                            ["key", "0" | "6", k, ..] => (None, *k),
                            [m, "key", k, ..] => (Some(m), *k),
                            ["key", k, ..] => (None, *k),
                            _ => continue,
                        };
                        v.push(row(name, a, mask, key));
                    }
                }
            }
            _ => {}
        }
    }
    v
}

pub fn render_isakmp_keys(keys: &[IsakmpKey], out: &mut dyn Out) {
    out.line("Keyring      Hostname/Address                            Preshared Key");
    out.line("");
    for k in keys {
        let addr = match &k.mask {
            Some(m) => format!("{:<15}[{:<15}]", k.address, m),
            None => k.address.clone(),
        };
        // Fixed columns, a space after each (a long keyring name pushes the rest right, never glued).
        out.line(&format!("{:<12} {:<43} {}", k.keyring, addr, k.key));
    }
}

// ------------------------------------------------------------ ipsec profile

/// One `crypto ipsec profile` (and IOS's built-in `default`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpsecProfile {
    pub name: String,
    pub ikev2_profile: Option<String>,
    pub isakmp_profile: Option<String>,
    pub kilobytes: u64,
    pub seconds: u64,
    pub responder_only: bool,
    /// `set pfs [groupN]`: the group (IOS's default is group1).
    pub pfs: Option<String>,
    /// (set name, its transforms as IOS prints them).
    pub transform_sets: Vec<(String, String)>,
}

/// The global SA lifetime (`crypto ipsec security-association lifetime`).
pub fn global_lifetime(doc: &IosDoc) -> (u64, u64) {
    let mut life = (super::defaults::IPSEC_SA_KILOBYTES, u64::from(super::defaults::IPSEC_SA_SECONDS));
    for n in &doc.root {
        match words(&n.text).as_slice() {
            ["crypto", "ipsec", "security-association", "lifetime", "seconds", s] => {
                life.1 = s.parse().unwrap_or(life.1)
            }
            ["crypto", "ipsec", "security-association", "lifetime", "kilobytes", k] => {
                life.0 = k.parse().unwrap_or(life.0)
            }
            _ => {}
        }
    }
    life
}

/// `show crypto ipsec profile`: the default profile, then the configured ones.
pub fn ipsec_profiles(doc: &IosDoc) -> Vec<IpsecProfile> {
    let sets = super::show_config::transform_sets(doc);
    let (kb, secs) = global_lifetime(doc);
    let mut v = vec![IpsecProfile {
        name: "default".into(),
        ikev2_profile: None,
        isakmp_profile: None,
        kilobytes: super::defaults::IPSEC_SA_KILOBYTES,
        seconds: u64::from(super::defaults::IPSEC_SA_SECONDS),
        responder_only: false,
        pfs: None,
        transform_sets: vec![("default".into(), "esp-aes esp-sha-hmac".into())],
    }];
    let mut named: Vec<(&str, &Node)> = doc
        .root
        .iter()
        .filter_map(|n| match words(&n.text).as_slice() {
            ["crypto", "ipsec", "profile", name] => Some((*name, n)),
            _ => None,
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    for (name, n) in named {
        let mut p = IpsecProfile {
            name: name.to_string(),
            ikev2_profile: None,
            isakmp_profile: None,
            kilobytes: kb,
            seconds: secs,
            responder_only: false,
            pfs: None,
            transform_sets: Vec::new(),
        };
        for c in &n.children {
            match words(&c.text).as_slice() {
                ["set", "ikev2-profile", x] => p.ikev2_profile = Some(x.to_string()),
                ["set", "isakmp-profile", x] => p.isakmp_profile = Some(x.to_string()),
                ["set", "security-association", "lifetime", "seconds", s] => p.seconds = s.parse().unwrap_or(p.seconds),
                ["set", "security-association", "lifetime", "kilobytes", k] => {
                    p.kilobytes = k.parse().unwrap_or(p.kilobytes)
                }
                ["set", "pfs"] => p.pfs = Some("group1".into()),
                ["set", "pfs", g] => p.pfs = Some(g.to_string()),
                ["responder-only"] => p.responder_only = true,
                ["set", "transform-set", names @ ..] => {
                    p.transform_sets = names
                        .iter()
                        .map(|t| {
                            (t.to_string(), sets.iter().find(|s| s.0 == *t).map(|s| s.1.clone()).unwrap_or_default())
                        })
                        .collect();
                }
                _ => {}
            }
        }
        // Without `set transform-set`, IOS uses the default set.
        if p.transform_sets.is_empty() {
            p.transform_sets.push(("default".into(), "esp-aes esp-sha-hmac".into()));
        }
        v.push(p);
    }
    v
}

pub fn render_ipsec_profiles(profiles: &[IpsecProfile], out: &mut dyn Out) {
    for (i, p) in profiles.iter().enumerate() {
        if i > 0 {
            out.line("");
        }
        out.line(&format!("IPSEC profile {}", p.name));
        if let Some(x) = &p.ikev2_profile {
            out.line(&format!("\tIKEv2 Profile: {x}"));
        }
        if let Some(x) = &p.isakmp_profile {
            out.line(&format!("\tISAKMP Profile: {x}"));
        }
        out.line(&format!("\tSecurity association lifetime: {} kilobytes/{} seconds", p.kilobytes, p.seconds));
        out.line(&format!("\tResponder-Only (Y/N): {}", if p.responder_only { "Y" } else { "N" }));
        match &p.pfs {
            Some(g) => {
                out.line("\tPFS (Y/N): Y");
                out.line(&format!("\tDH group:  {g}"));
            }
            None => out.line("\tPFS (Y/N): N"),
        }
        out.line("\tMixed-mode : Disabled");
        out.line("\tTransform sets={ ");
        for (n, t) in &p.transform_sets {
            out.line(&format!("\t\t{n}:  {{ {t}  }} , "));
        }
        out.line("\t}");
    }
    out.line("");
}

// ------------------------------------------------------------ isakmp sa detail

/// One row of `show crypto isakmp sa detail`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsakmpSaDetail {
    pub conn: u32,
    pub local: String,
    pub remote: String,
    pub ivrf: String,
    pub status: &'static str,
    pub encr: &'static str,
    pub hash: &'static str,
    pub auth: &'static str,
    pub dh: u16,
    /// Seconds left.
    pub lifetime: u64,
    /// `D` (the peer does DPD), `N` (NAT-traversal).
    pub caps: String,
}

fn ike_encr(e: IkeEncr) -> &'static str {
    match e {
        IkeEncr::DesCbc => "des",
        IkeEncr::TripleDesCbc => "3des",
        IkeEncr::Aes128Cbc | IkeEncr::Aes192Cbc | IkeEncr::Aes256Cbc => "aes",
        // IKEv2 only: never an ISAKMP SA's.
        IkeEncr::Aes128Gcm16 | IkeEncr::Aes256Gcm16 => "aes-gcm",
    }
}

fn ike_hash(h: IkeAuthAlg) -> &'static str {
    match h {
        IkeAuthAlg::HmacMd5_96 => "md5",
        IkeAuthAlg::HmacSha1_96 => "sha",
        IkeAuthAlg::HmacSha256 => "sha256",
        IkeAuthAlg::HmacSha384 => "sha384",
        IkeAuthAlg::HmacSha512 => "sha512",
    }
}

/// The IKEv1 SAs whose proposal is chosen (the table has no row for a
/// negotiation that has not got that far).
pub fn isakmp_sa_detail(r: &Router) -> Vec<IsakmpSaDetail> {
    let now = r.now_ms();
    r.ike()
        .ike_sas()
        .iter()
        .filter_map(|s| {
            let p = s.chosen.as_ref()?;
            let (_, ivrf) = super::show_ikev2::session_vrfs(r, &s.tunnel);
            Some(IsakmpSaDetail {
                conn: s.conn,
                local: s.local.ip().to_string(),
                remote: s.remote.ip().to_string(),
                ivrf: if ivrf == "(none)" { String::new() } else { ivrf },
                // The entry's status (as the summary's `status` column), not the negotiation's.
                status: "ACTIVE",
                encr: ike_encr(p.encr),
                hash: ike_hash(p.hash),
                auth: match p.auth {
                    AuthMethod::PreSharedKey => "psk",
                    AuthMethod::RsaSignature => "rsig",
                    // Not in our sources for ECDSA: the engine's short name.
                    AuthMethod::EcdsaSignature => "ecdsa",
                },
                dh: p.group,
                lifetime: s.expires().saturating_sub(now) / 1000,
                caps: format!(
                    "{}{}",
                    if s.peer_dpd { "D" } else { "" },
                    if s.nat_local || s.nat_remote { "N" } else { "" }
                ),
            })
        })
        .collect()
}

pub fn render_isakmp_sa_detail(rows: &[IsakmpSaDetail], out: &mut dyn Out) {
    out.line("Codes: C - IKE configuration mode, D - Dead Peer Detection");
    out.line("       K - Keepalives, N - NAT-traversal");
    out.line("       T - cTCP encapsulation, X - IKE Extended Authentication");
    out.line("       psk - Preshared key, rsig - RSA signature");
    out.line("       renc - RSA encryption");
    out.line("IPv4 Crypto ISAKMP SA");
    out.line("");
    out.line("C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime Cap.");
    out.line("");
    for s in rows {
        let life = format!("{:02}:{:02}:{:02}", s.lifetime / 3600, s.lifetime / 60 % 60, s.lifetime % 60);
        out.line(&format!(
            "{:<5} {:<15} {:<15} {:<6} {:<6} {:<4} {:<6} {:<4} {:<2} {:<8} {:<4}",
            s.conn, s.local, s.remote, s.ivrf, s.status, s.encr, s.hash, s.auth, s.dh, life, s.caps
        ));
        out.line(&format!("       Engine-id:Conn-id =  SW:{}", s.conn % 1000));
        out.line("");
    }
    out.line("IPv6 Crypto ISAKMP SA");
    out.line("");
}

// ------------------------------------------------------------ engine connections

/// One row of `show crypto engine connection active`: an IKE SA or one
/// direction of an IPsec SA, with the packets the dataplane counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineConnection {
    pub id: u32,
    pub kind: &'static str,
    pub algorithm: String,
    pub encrypt: u64,
    pub decrypt: u64,
    pub last_seq: u64,
    pub address: String,
}

fn esp_algorithm(esp: Option<(EspEncr, Option<EspAuth>)>, ah: Option<EspAuth>) -> String {
    let enc = esp.map(|(e, _)| match e {
        EspEncr::Null => "NULL",
        EspEncr::DesCbc => "DES",
        EspEncr::TripleDesCbc => "3DES",
        EspEncr::Aes128Cbc => "AES",
        EspEncr::Aes192Cbc => "AES192",
        EspEncr::Aes256Cbc => "AES256",
        EspEncr::Aes128Gcm => "AES-GCM",
        EspEncr::Aes192Gcm => "AES192-GCM",
        EspEncr::Aes256Gcm => "AES256-GCM",
    });
    let auth = esp.and_then(|e| e.1).or(ah).map(|a| match a {
        EspAuth::HmacMd5_96 => "MD5",
        EspAuth::HmacSha1_96 => "SHA",
        EspAuth::HmacSha256_128 => "SHA256",
        EspAuth::HmacSha384_192 => "SHA384",
        EspAuth::HmacSha512_256 => "SHA512",
        EspAuth::HmacAesXcbc => "AES-XCBC",
    });
    match (enc, auth) {
        (Some(e), Some(a)) => format!("{e}+{a}"),
        (Some(e), None) => e.to_string(),
        (None, Some(a)) => a.to_string(),
        (None, None) => String::new(),
    }
}

/// IPsec SAs first (inbound, then outbound of each), then the IKE SAs, by id.
pub fn engine_connections(r: &Router) -> Vec<EngineConnection> {
    let mut v = Vec::new();
    for c in r.ike().child_sas() {
        let algorithm = esp_algorithm(c.esp, c.ah);
        let address = c.local.ip().to_string();
        // Inbound decrypts (its last sequence number is the count received), outbound encrypts.
        v.push(EngineConnection {
            id: c.id,
            kind: "IPsec",
            algorithm: algorithm.clone(),
            encrypt: 0,
            decrypt: c.packets_in,
            last_seq: c.packets_in,
            address: address.clone(),
        });
        v.push(EngineConnection {
            id: c.id + 1,
            kind: "IPsec",
            algorithm,
            encrypt: c.packets_out,
            decrypt: 0,
            last_seq: 0,
            address,
        });
    }
    for s in r.ike().ike_sas().iter().filter(|s| s.is_established()) {
        let algorithm = s.chosen.as_ref().map(|p| {
            let enc = match p.encr {
                IkeEncr::DesCbc => "DES",
                IkeEncr::TripleDesCbc => "3DES",
                IkeEncr::Aes128Cbc => "AES",
                IkeEncr::Aes192Cbc => "AES192",
                IkeEncr::Aes256Cbc => "AES256",
                // IKEv2 only: never an ISAKMP SA's.
                IkeEncr::Aes128Gcm16 => "AES-GCM",
                IkeEncr::Aes256Gcm16 => "AES256-GCM",
            };
            format!("{}+{enc}", ike_hash(p.hash).to_uppercase())
        });
        v.push(EngineConnection {
            id: s.conn,
            kind: "IKE",
            algorithm: algorithm.unwrap_or_default(),
            encrypt: 0,
            decrypt: 0,
            last_seq: 0,
            address: s.local.ip().to_string(),
        });
    }
    v.sort_by_key(|c| c.id);
    v
}

pub fn render_engine_connections(rows: &[EngineConnection], out: &mut dyn Out) {
    out.line("Crypto Engine Connections");
    out.line("");
    out.line("   ID  Type    Algorithm           Encrypt  Decrypt LastSeqN IP-Address");
    for c in rows {
        out.line(&format!(
            "{:>5}  {:<8}{:<20}{:>7}{:>9}{:>9} {}",
            c.id, c.kind, c.algorithm, c.encrypt, c.decrypt, c.last_seq, c.address
        ));
    }
    out.line("");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::VecOut;

    fn doc(lines: &[(&str, &[&str])]) -> IosDoc {
        let mut d = IosDoc::new("r1");
        for (t, kids) in lines {
            d.root.push(Node {
                text: t.to_string(),
                children: kids.iter().map(|k| Node { text: k.to_string(), ..Default::default() }).collect(),
                ..Default::default()
            });
        }
        d
    }

    #[test]
    fn isakmp_keys_of_the_default_keyring_and_named_keyrings() {
        let d = doc(&[
            ("crypto isakmp key cisco address 10.10.10.2", &[]),
            ("crypto isakmp key 0 Cisco!23 address 0.0.0.0 0.0.0.0", &[]),
            ("crypto isakmp key abc hostname peer.example.com", &[]),
            (
                "crypto keyring KR",
                &[
                    "pre-shared-key address 192.0.2.9 key s3cret",
                    "pre-shared-key address 198.51.100.0 255.255.255.0 key net",
                ],
            ),
        ]);
        let mut o = VecOut::default();
        render_isakmp_keys(&isakmp_keys(&d), &mut o);
        assert_eq!(
            o.text(),
            "Keyring      Hostname/Address                            Preshared Key\n\
             \n\
             default      10.10.10.2                                  cisco\n\
             default      0.0.0.0        [0.0.0.0        ]            Cisco!23\n\
             default      peer.example.com                            abc\n\
             KR           192.0.2.9                                   s3cret\n\
             KR           198.51.100.0   [255.255.255.0  ]            net\n"
        );
    }

    /// A keyring name longer than its column keeps a space before the address.
    #[test]
    fn a_long_keyring_name_is_not_glued_to_the_address() {
        let mut o = crate::VecOut::default();
        let k =
            IsakmpKey { keyring: "KEYRING_MATCHED".into(), address: "3.4.5.6".into(), mask: None, key: "psk2".into() };
        render_isakmp_keys(&[k], &mut o);
        assert_eq!(o.text().lines().nth(2), Some(format!("KEYRING_MATCHED {:<43} psk2", "3.4.5.6").as_str()));
    }

    #[test]
    fn ipsec_profiles_with_defaults_pfs_and_lifetimes() {
        let d = doc(&[
            ("crypto ipsec security-association lifetime seconds 27000", &[]),
            ("crypto ipsec transform-set TS esp-gcm 256", &["mode transport"]),
            (
                "crypto ipsec profile VTI",
                &[
                    "set transform-set TS",
                    "set ikev2-profile IKEV2",
                    "set pfs group14",
                    "set security-association lifetime kilobytes 102400000",
                ],
            ),
        ]);
        let mut o = VecOut::default();
        render_ipsec_profiles(&ipsec_profiles(&d), &mut o);
        assert_eq!(
            o.text(),
            "IPSEC profile default\n\
             \tSecurity association lifetime: 4608000 kilobytes/3600 seconds\n\
             \tResponder-Only (Y/N): N\n\
             \tPFS (Y/N): N\n\
             \tMixed-mode : Disabled\n\
             \tTransform sets={ \n\
             \t\tdefault:  { esp-aes esp-sha-hmac  } , \n\
             \t}\n\
             \n\
             IPSEC profile VTI\n\
             \tIKEv2 Profile: IKEV2\n\
             \tSecurity association lifetime: 102400000 kilobytes/27000 seconds\n\
             \tResponder-Only (Y/N): N\n\
             \tPFS (Y/N): Y\n\
             \tDH group:  group14\n\
             \tMixed-mode : Disabled\n\
             \tTransform sets={ \n\
             \t\tTS:  { esp-gcm 256  } , \n\
             \t}\n\
             \n"
        );
    }

    #[test]
    fn isakmp_sa_detail_row_layout_matches_the_capture_columns() {
        let rows = vec![IsakmpSaDetail {
            conn: 1074,
            local: "20.10.20.2".into(),
            remote: "20.30.10.2".into(),
            ivrf: String::new(),
            status: "ACTIVE",
            encr: "aes",
            hash: "sha",
            auth: "rsig",
            dh: 2,
            lifetime: 85637,
            caps: String::new(),
        }];
        let mut o = VecOut::default();
        render_isakmp_sa_detail(&rows, &mut o);
        // The row of a real IOS 15 capture, byte for byte (trailing blanks included).
        assert!(o.text().contains("\n1074  20.10.20.2      20.30.10.2             ACTIVE aes  sha    rsig 2  23:47:17     \n       Engine-id:Conn-id =  SW:74\n"), "{}", o.text());
    }

    #[test]
    fn engine_connection_rows_line_up_under_the_header() {
        let rows = vec![
            EngineConnection {
                id: 1,
                kind: "IPsec",
                algorithm: "3DES+MD5".into(),
                encrypt: 0,
                decrypt: 0,
                last_seq: 0,
                address: "172.16.0.0".into(),
            },
            EngineConnection {
                id: 1001,
                kind: "IKE",
                algorithm: "SHA+DES".into(),
                encrypt: 0,
                decrypt: 0,
                last_seq: 0,
                address: "202.100.2.1".into(),
            },
        ];
        let mut o = VecOut::default();
        render_engine_connections(&rows, &mut o);
        assert_eq!(
            o.text(),
            "Crypto Engine Connections\n\
             \n   ID  Type    Algorithm           Encrypt  Decrypt LastSeqN IP-Address\n\
             \x20   1  IPsec   3DES+MD5                  0        0        0 172.16.0.0\n\
             \x201001  IKE     SHA+DES                   0        0        0 202.100.2.1\n\
             \n"
        );
    }
}
