//! Manual-key SAs (issue 19), the configuration half: each sequenced
//! `security-association` entry of a SmartEdge manual tunnel (IOS
//! `crypto map ... ipsec-manual` entries compile into the same model) as
//! one SA pair the engine installs without IKE: its ends, the selectors of
//! the first rule of its access group (any/any without one, section 9.4),
//! algorithms, SPIs and keys per direction. Data only; `ike::manual` turns
//! it into the child SAs the dataplane carries. Imports nothing of the IKE
//! core, so `ike::conf` can hold it. Keys are secrets: `Debug` hides them.

use crate::config::{
    AclAddr, AclRule, Config, EspAuth, EspEncr, ManualSaKeys, PortOp, Prefix4, SaDir, TunnelEntry, TunnelKind,
};
use std::net::Ipv4Addr;

/// One traffic selector: prefix, IP protocol (0 any), port (0 any).
pub type Sel = (Prefix4, u8, u16);

/// One direction of a manual SA: SPI and keys of each protocol.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ManualDir {
    pub esp_spi: Option<u32>,
    pub enc_key: Vec<u8>,
    pub auth_key: Vec<u8>,
    pub ah_spi: Option<u32>,
    pub ah_key: Vec<u8>,
}

/// One manual SA pair as the engine runs it.
#[derive(Clone, PartialEq, Eq)]
pub struct ManualSa {
    /// The tunnel (SmartEdge tunnel name; IOS `MAP-SEQ`).
    pub tunnel: String,
    /// The SA object (SmartEdge `ipsec security-association` name).
    pub sa: String,
    /// Its place among the tunnel's entries (0-based, in sequence order).
    pub child: usize,
    pub local: Ipv4Addr,
    pub remote: Ipv4Addr,
    pub local_ts: Sel,
    pub remote_ts: Sel,
    /// ESP algorithms (`None`: AH alone); AH authentication (`None`: ESP alone).
    pub esp: Option<(EspEncr, Option<EspAuth>)>,
    pub ah: Option<EspAuth>,
    pub inbound: ManualDir,
    pub outbound: ManualDir,
    pub replay_window: u32,
}

impl std::fmt::Debug for ManualSa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ManualSa({} seq #{} {} -> {}, esp {:?}, ah {:?}, spi in {:?}/{:?} out {:?}/{:?}, <keys>)",
            self.tunnel,
            self.child,
            self.local,
            self.remote,
            self.esp,
            self.ah,
            self.inbound.esp_spi,
            self.inbound.ah_spi,
            self.outbound.esp_spi,
            self.outbound.ah_spi
        )
    }
}

impl ManualSa {
    /// The inbound SPI the dataplane looks packets up by (ESP's, else AH's).
    pub fn spi_in(&self) -> u32 {
        self.inbound.esp_spi.or(self.inbound.ah_spi).unwrap_or(0)
    }
    pub fn spi_out(&self) -> u32 {
        self.outbound.esp_spi.or(self.outbound.ah_spi).unwrap_or(0)
    }
}

/// The key length (octets) of a manual ESP cipher (GCM: key and 4-octet salt, RFC 4106 8.1).
fn encr_key_len(e: EspEncr) -> usize {
    match e {
        EspEncr::Null => 0,
        EspEncr::DesCbc => 8,
        EspEncr::TripleDesCbc | EspEncr::Aes192Cbc => 24,
        EspEncr::Aes128Cbc => 16,
        EspEncr::Aes256Cbc => 32,
        EspEncr::Aes128Gcm => 20,
        EspEncr::Aes192Gcm => 28,
        EspEncr::Aes256Gcm => 36,
    }
}

/// The key length (octets) of a manual authenticator.
fn auth_key_len(a: EspAuth) -> usize {
    match a {
        EspAuth::HmacMd5_96 | EspAuth::HmacAesXcbc => 16,
        EspAuth::HmacSha1_96 => 20,
        EspAuth::HmacSha256_128 => 32,
        EspAuth::HmacSha384_192 => 48,
        EspAuth::HmacSha512_256 => 64,
    }
}

/// Why the engine cannot run `m` (keys of a length the algorithm does not
/// take, an AH+ESP bundle whose inbound SPIs differ), if it cannot.
pub fn problem(m: &ManualSa) -> Option<String> {
    for (d, k) in [("inbound", &m.inbound), ("outbound", &m.outbound)] {
        if let Some((e, a)) = m.esp {
            if k.esp_spi.is_none() {
                return Some(format!("no {d} ESP SPI"));
            }
            if e.is_aead() && a.is_some() {
                return Some(format!("{e} takes no separate authenticator"));
            }
            if k.enc_key.len() != encr_key_len(e) {
                return Some(format!("the {d} {e} key has {} octets, {e} takes {}", k.enc_key.len(), encr_key_len(e)));
            }
            if let Some(a) = a {
                if k.auth_key.len() != auth_key_len(a) {
                    return Some(format!(
                        "the {d} {a} key has {} octets, {a} takes {}",
                        k.auth_key.len(),
                        auth_key_len(a)
                    ));
                }
            } else if e == EspEncr::Null {
                return Some("ESP with neither encryption nor authentication".into());
            }
        }
        if let Some(a) = m.ah {
            if k.ah_spi.is_none() {
                return Some(format!("no {d} AH SPI"));
            }
            if k.ah_key.len() != auth_key_len(a) {
                return Some(format!(
                    "the {d} AH {a} key has {} octets, {a} takes {}",
                    k.ah_key.len(),
                    auth_key_len(a)
                ));
            }
        }
    }
    if m.esp.is_some() && m.ah.is_some() && m.inbound.ah_spi != m.inbound.esp_spi {
        return Some("an AH+ESP bundle needs the same inbound SPI for AH and ESP".into());
    }
    if m.esp.is_none() && m.ah.is_none() {
        return Some("neither ESP nor AH".into());
    }
    None
}

fn sel(a: &AclAddr, proto: Option<u8>, port: Option<(PortOp, u16)>) -> Sel {
    let net = match a {
        AclAddr::Any => Prefix4 { addr: Ipv4Addr::UNSPECIFIED, len: 0 },
        AclAddr::Prefix(p) => Prefix4 { addr: p.network(), len: p.len },
    };
    let port = match port {
        Some((PortOp::Eq, p)) => p,
        _ => 0,
    };
    (net, proto.unwrap_or(0), port)
}

const ANY: Sel = (Prefix4 { addr: Ipv4Addr::UNSPECIFIED, len: 0 }, 0, 0);

fn dir(k: &ManualSaKeys) -> (ManualDir, Option<(EspEncr, Option<EspAuth>)>, Option<EspAuth>) {
    let esp = match (&k.esp_encr, &k.esp_auth) {
        (Some((e, _)), a) => Some((*e, a.as_ref().map(|x| x.0))),
        (None, Some((a, _))) => Some((EspEncr::Null, Some(*a))),
        (None, None) => None,
    };
    let d = ManualDir {
        esp_spi: k.esp_spi,
        enc_key: k.esp_encr.as_ref().and_then(|(_, key)| key.as_ref()).map(|x| x.bytes()).unwrap_or_default(),
        auth_key: k.esp_auth.as_ref().map(|(_, key)| key.bytes()).unwrap_or_default(),
        ah_spi: k.ah_spi,
        ah_key: k.ah.as_ref().map(|(_, key)| key.bytes()).unwrap_or_default(),
    };
    (d, esp, k.ah.as_ref().map(|x| x.0))
}

/// The manual SA pairs of every manual tunnel that is not shut down, and
/// why the others could not be (`notes`). The commit checks
/// (`crate::validate`) already refuse unpaired or incomplete SAs; what is
/// left here is what the engine cannot run (different algorithms in and
/// out, which one SA pair of the dataplane cannot hold; keys of the wrong
/// length).
pub fn compile(cfg: &Config, notes: &mut Vec<String>) -> Vec<ManualSa> {
    let mut out = Vec::new();
    for (name, t) in cfg.tunnels.iter().filter(|(_, t)| t.kind == TunnelKind::Manual && !t.shutdown) {
        let (Some(local), Some(remote)) = (t.local, t.remote) else {
            notes.push(format!(
                "tunnel {name}: a manual key tunnel needs both end points (peer-end-point local ... remote ...)"
            ));
            continue;
        };
        let ctx = cfg.contexts.get(t.ike_context());
        let bound = t.bind_interface.as_ref().and_then(|(_, c)| c.as_deref()).and_then(|c| cfg.contexts.get(c));
        for (child, (seq, e)) in t.entries.iter().enumerate() {
            let TunnelEntry::ManualSa { sa, access_group } = e else { continue };
            let Some(s) = cfg.ipsec_sas.get(sa) else {
                notes.push(format!("tunnel {name} seq {seq}: ipsec security-association {sa} does not exist"));
                continue;
            };
            // Section 8.4: only the first rule of the access list filters a manual SA.
            let (local_ts, remote_ts) = match access_group {
                None => (ANY, ANY),
                Some(acl) => {
                    let a =
                        bound.and_then(|b| b.ipsec_acls.get(acl)).or_else(|| ctx.and_then(|c| c.ipsec_acls.get(acl)));
                    let Some(a) = a else {
                        notes.push(format!("tunnel {name} seq {seq}: access group {acl} does not exist"));
                        continue;
                    };
                    match a.rules.values().next() {
                        Some(AclRule { protocol, src, src_port, dst, dst_port }) => (
                            sel(src, *protocol, *src_port),
                            sel(dst.as_ref().unwrap_or(&AclAddr::Any), *protocol, *dst_port),
                        ),
                        None => (ANY, ANY),
                    }
                }
            };
            let (din, dout) = match (s.dirs.get(&SaDir::Both), s.dirs.get(&SaDir::In), s.dirs.get(&SaDir::Out)) {
                (Some(b), _, _) => (b, b),
                (None, Some(i), Some(o)) => (i, o),
                _ => {
                    notes.push(format!("tunnel {name} seq {seq}: ipsec security-association {sa} has no inbound and outbound attributes"));
                    continue;
                }
            };
            let ((inbound, esp_in, ah_in), (outbound, esp_out, ah_out)) = (dir(din), dir(dout));
            if esp_in != esp_out || ah_in != ah_out {
                notes.push(format!("tunnel {name} seq {seq}: ipsec security-association {sa} uses other algorithms inbound than outbound; edgesh runs an SA pair with one suite"));
                continue;
            }
            let m = ManualSa {
                tunnel: name.clone(),
                sa: sa.clone(),
                child,
                local,
                remote,
                local_ts,
                remote_ts,
                esp: esp_in,
                ah: ah_in,
                inbound,
                outbound,
                replay_window: s.anti_replay_window,
            };
            match problem(&m) {
                Some(why) => notes.push(format!("tunnel {name} seq {seq}: ipsec security-association {sa}: {why}")),
                None => out.push(m),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{IpsecSa, Key, Tunnel};

    const K16: &str = "000102030405060708090a0b0c0d0e0f";
    const K20: &str = "000102030405060708090a0b0c0d0e0f10111213";

    fn keys(spi: u32, enc: &str, auth: &str) -> ManualSaKeys {
        ManualSaKeys {
            esp_spi: Some(spi),
            esp_encr: Some((EspEncr::Aes128Cbc, Some(Key::Hex(enc.into())))),
            esp_auth: Some((EspAuth::HmacSha1_96, Key::Hex(auth.into()))),
            ..Default::default()
        }
    }

    fn config(sa: IpsecSa, shut: bool) -> Config {
        let mut c = Config::new("r");
        c.ipsec_sas.insert("S".into(), sa);
        let mut t = Tunnel::new(TunnelKind::Manual, false);
        t.local = Some(Ipv4Addr::new(192, 0, 2, 1));
        t.remote = Some(Ipv4Addr::new(192, 0, 2, 2));
        t.shutdown = shut;
        t.entries.insert(10, TunnelEntry::ManualSa { sa: "S".into(), access_group: None });
        c.tunnels.insert("T".into(), t);
        c
    }

    #[test]
    fn in_and_out_become_one_pair_with_their_own_spis_and_keys() {
        let mut sa = IpsecSa::default();
        sa.dirs.insert(
            SaDir::In,
            keys(300, "00112233445566778899aabbccddeeff", "0102030405060708090a0b0c0d0e0f1011121314"),
        );
        sa.dirs.insert(
            SaDir::Out,
            keys(301, "ffeeddccbbaa99887766554433221100", "1413121110ffeeddccbbaa998877665544332211"),
        );
        let mut notes = Vec::new();
        let v = compile(&config(sa.clone(), false), &mut notes);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(v.len(), 1);
        let m = &v[0];
        assert_eq!((m.tunnel.as_str(), m.child, m.spi_in(), m.spi_out()), ("T", 0, 300, 301));
        assert_eq!(m.esp, Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))));
        assert_eq!(m.inbound.enc_key[0], 0x00);
        assert_eq!(m.outbound.enc_key[0], 0xff);
        assert_eq!(m.outbound.auth_key[..5], [0x14, 0x13, 0x12, 0x11, 0x10]);
        assert_eq!((m.local_ts, m.remote_ts), (ANY, ANY));
        assert!(!format!("{m:?}").contains("ff"), "Debug hides the keys: {m:?}");
        // Shut down: nothing.
        assert!(compile(&config(sa, true), &mut notes).is_empty());
    }

    #[test]
    fn both_is_the_same_sa_each_way_and_different_suites_are_refused() {
        let mut sa = IpsecSa::default();
        sa.dirs.insert(SaDir::Both, keys(65535, K16, K20));
        let mut notes = Vec::new();
        let v = compile(&config(sa, false), &mut notes);
        assert_eq!((v[0].spi_in(), v[0].spi_out()), (65535, 65535));
        let mut sa = IpsecSa::default();
        sa.dirs.insert(SaDir::In, keys(300, K16, K20));
        let mut o = keys(301, K16, K20);
        o.esp_auth = Some((EspAuth::HmacMd5_96, Key::Hex(K16.into())));
        sa.dirs.insert(SaDir::Out, o);
        assert!(compile(&config(sa, false), &mut notes).is_empty());
        assert_eq!(
            notes,
            [
                "tunnel T seq 10: ipsec security-association S uses other algorithms inbound than outbound; edgesh runs an SA pair with one suite"
            ]
        );
    }

    #[test]
    fn wrong_key_lengths_are_said_and_the_tables_agree_with_ike() {
        let mut sa = IpsecSa::default();
        sa.dirs.insert(SaDir::Both, keys(300, "0011", K20));
        let mut notes = Vec::new();
        assert!(compile(&config(sa, false), &mut notes).is_empty());
        assert_eq!(
            notes,
            [
                "tunnel T seq 10: ipsec security-association S: the inbound aes-128-cbc key has 2 octets, aes-128-cbc takes 16"
            ]
        );
        for e in EspEncr::ALL {
            assert_eq!(encr_key_len(*e), crate::ike::endpoint::esp_key_len(*e), "{e}");
        }
        for a in EspAuth::ALL {
            assert_eq!(auth_key_len(*a), crate::ike::endpoint::auth_key_len(*a), "{a}");
        }
    }
}
