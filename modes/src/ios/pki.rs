//! IOS PKI data: the certificates of `crypto pki certificate chain NAME`
//! (`certificate [ca|self-signed] SERIAL`, hex lines, `quit`) decoded into
//! typed certificates, and the trustpoints they belong to.
//!
//! The lines themselves stay in the running document exactly as typed (the
//! mode tree keeps them, `modes_tree.rs`), so `show running-config` gives
//! them back unchanged; this module reads them from the document. The DER
//! is decoded with RustCrypto's `x509-cert`/`der` (no ASN.1 by hand). A
//! block that is not hex, or not a certificate, is reported when its `quit`
//! is typed (`check_block`) and kept as typed, unused.
//!
//! It also wires trustpoints into the engine (issue 18, [`attach`]): a tunnel
//! whose IKEv2 profile says `authentication local|remote rsa-sig|ecdsa-sig`
//! (its trustpoints: `pki trustpoint TP [sign|verify]`), or whose ISAKMP
//! policy says `authentication rsa-sig` (its isakmp profile's `ca trust-point`
//! lines, else every trustpoint), gets an [`edgesh_engine::pki::PeerPki`]: the
//! chain's `certificate ca` entries are the trust anchors, its router
//! certificate is sent, the key is the trustpoint's `rsakeypair`/`eckeypair`
//! label (default: the host name) loaded from `<state dir>/pki/keys/<label>.pem`,
//! and with `revocation-check crl` (IOS's default) the CRLs in
//! `<state dir>/pki/crl/` are checked (nothing is fetched). An ISAKMP
//! policy cannot ask for ECDSA: IOS's has `authentication pre-share |
//! rsa-encr | rsa-sig` only (Cisco's IOS XE model, `Cisco-IOS-XE-crypto.yang`
//! `crypto-isakmp-policy-grouping`), so an EC trustpoint key serves IKEv2
//! profiles (`ecdsa-sig`) and the engine's IKEv1 methods 9/10 stay unused here.

use super::{IosDoc, Node};
pub use crate::x509_info::{CertInfo, KEY_USAGE_NAMES, PublicKey, San, cisco_date as ios_date, decode};
use std::collections::HashMap;

/// How a certificate of a chain was typed: `certificate ca 01`,
/// `certificate self-signed 01`, `certificate 02`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertRole {
    Ca,
    SelfSigned,
    Router,
}

/// One certificate of a chain, as held in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCert {
    pub role: CertRole,
    /// The serial as typed on the `certificate` line.
    pub serial: String,
    pub der: Vec<u8>,
    pub info: Result<CertInfo, String>,
}

/// `crypto pki certificate chain NAME` and its certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub trustpoint: String,
    pub certs: Vec<ChainCert>,
}

/// The bytes of a hex block (words of hex digits over any number of lines).
pub fn hex_block<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Vec<u8>, String> {
    let mut digits = Vec::new();
    for (n, line) in lines.into_iter().enumerate() {
        for w in line.split_whitespace() {
            for c in w.chars() {
                let d = c
                    .to_digit(16)
                    .ok_or_else(|| format!("line {} of the certificate data: `{w}` is not hexadecimal", n + 1))?;
                digits.push(d as u8);
            }
        }
    }
    if digits.is_empty() {
        return Err("no certificate data".into());
    }
    if digits.len() % 2 != 0 {
        return Err(format!("{} hex digits: not a whole number of bytes", digits.len()));
    }
    Ok(digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
}

fn role_of(words: &[&str]) -> Option<(CertRole, String)> {
    match words {
        ["certificate", "ca", serial, ..] => Some((CertRole::Ca, serial.to_string())),
        ["certificate", "self-signed", serial, ..] => Some((CertRole::SelfSigned, serial.to_string())),
        ["certificate", "rollover", ..] => None,
        ["certificate", serial, ..] => Some((CertRole::Router, serial.to_string())),
        _ => None,
    }
}

/// The trustpoint a chain header names (`crypto pki|ca certificate chain NAME`).
pub fn chain_name(header: &str) -> Option<&str> {
    header
        .strip_prefix("crypto pki certificate chain ")
        .or_else(|| header.strip_prefix("crypto ca certificate chain "))
        .map(str::trim)
}

fn cert_of(n: &Node) -> Option<ChainCert> {
    let words: Vec<&str> = n.text.split_whitespace().collect();
    let (role, serial) = role_of(&words)?;
    let lines = n.children.iter().map(|c| c.text.as_str()).filter(|t| *t != "quit");
    let der = hex_block(lines);
    // The serial on the `certificate` line must be the certificate's own.
    let same = |c: &CertInfo| c.serial_hex.trim_start_matches('0').eq_ignore_ascii_case(serial.trim_start_matches('0'));
    let info = der.clone().and_then(|d| decode(&d)).and_then(|c| {
        if same(&c) { Ok(c) } else { Err(format!("the certificate's serial number is {}", c.serial_hex)) }
    });
    Some(ChainCert { role, serial, der: der.unwrap_or_default(), info })
}

/// Every certificate chain of the configuration, in order.
pub fn chains(doc: &IosDoc) -> Vec<Chain> {
    doc.root
        .iter()
        .filter_map(|n| {
            chain_name(&n.text).map(|name| Chain {
                trustpoint: name.to_string(),
                certs: n.children.iter().filter_map(cert_of).collect(),
            })
        })
        .collect()
}

/// The trustpoints configured (`crypto pki|ca trustpoint NAME`), in order,
/// then chains with no trustpoint block.
pub fn trustpoints(doc: &IosDoc) -> Vec<String> {
    let mut v: Vec<String> = doc
        .root
        .iter()
        .filter_map(|n| {
            n.text
                .strip_prefix("crypto pki trustpoint ")
                .or_else(|| n.text.strip_prefix("crypto ca trustpoint "))
                .map(|t| t.trim().to_string())
        })
        .collect();
    for c in chains(doc) {
        if !v.contains(&c.trustpoint) {
            v.push(c.trustpoint);
        }
    }
    v
}

/// After `quit` ends a certificate's data: the certificate at `path` (the
/// `certificate ...` node) decoded, or the reason it cannot be.
pub fn check_block(doc: &IosDoc, path: &[usize]) -> Option<String> {
    let (&last, parent) = path.split_last()?;
    let chain = parent.first().and_then(|&i| doc.root.get(i)).and_then(|n| chain_name(&n.text))?;
    let node = doc.at(parent)?.get(last)?;
    let c = cert_of(node)?;
    let e = c.info.err()?;
    Some(format!("Certificate {} of trustpoint {chain} not used: {e}; the lines are kept as typed", c.serial))
}

/// The certificate's usage as IOS words it.
pub fn usage(c: &CertInfo, role: CertRole) -> &'static str {
    crate::x509_info::usage(c, role == CertRole::Ca)
}

/// The document's top-level blocks, indexed once per [`attach`]: finding a
/// tunnel's crypto map entry or interface, a profile or a trustpoint is a
/// hash look-up, not a scan of the document (10,000 crypto map entries made
/// the attach quadratic: minutes).
struct DocIndex<'a> {
    /// Header (trimmed): the first top-level block with it, and its position.
    blocks: HashMap<&'a str, (usize, &'a Node)>,
    /// Interface name: the first `interface NAME` block.
    interfaces: HashMap<&'a str, &'a Node>,
    /// Tunnel name `MAP-SEQ`: the `crypto map MAP SEQ ipsec-isakmp` entries, in order.
    map_entries: HashMap<String, Vec<&'a Node>>,
}

impl<'a> DocIndex<'a> {
    fn new(doc: &'a IosDoc) -> Self {
        let mut ix = DocIndex { blocks: HashMap::new(), interfaces: HashMap::new(), map_entries: HashMap::new() };
        for (i, n) in doc.root.iter().enumerate() {
            let t = n.text.trim();
            ix.blocks.entry(t).or_insert((i, n));
            if let Some(name) = n.text.strip_prefix("interface ") {
                ix.interfaces.entry(name.trim()).or_insert(n);
            }
            let mut w = t.split_whitespace();
            if let (Some("crypto"), Some("map"), Some(m), Some(seq), Some("ipsec-isakmp")) =
                (w.next(), w.next(), w.next(), w.next(), w.next())
            {
                ix.map_entries.entry(format!("{m}-{seq}")).or_default().push(n);
            }
        }
        ix
    }

    /// The first block with one of these headers.
    fn block(&self, heads: &[String]) -> Option<&'a Node> {
        heads.iter().filter_map(|h| self.blocks.get(h.as_str()).copied()).min_by_key(|(i, _)| *i).map(|(_, n)| n)
    }

    /// The IKEv2 or ISAKMP profile a tunnel of the engine model uses: `(ikev2, name)`.
    fn tunnel_profile(&self, tunnel: &str) -> Option<(bool, String)> {
        let from = |children: &[Node]| {
            children.iter().find_map(|c| match c.text.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["set", "ikev2-profile", p] => Some((true, p.to_string())),
                ["set", "isakmp-profile", p] => Some((false, p.to_string())),
                _ => None,
            })
        };
        // A VTI: `tunnel protection ipsec profile X` and X's `set ...-profile`.
        if let Some(i) = self.interfaces.get(tunnel) {
            let ipp = i.children.iter().find_map(|c| {
                c.text
                    .trim()
                    .strip_prefix("tunnel protection ipsec profile ")
                    .map(|x| x.split_whitespace().next().unwrap_or("").to_string())
            })?;
            let (_, prof) = self.blocks.get(format!("crypto ipsec profile {ipp}").as_str())?;
            return from(&prof.children);
        }
        // A crypto map entry: tunnel `MAP-SEQ`.
        self.map_entries.get(tunnel)?.iter().find_map(|n| from(&n.children))
    }
}

/// One trustpoint's material for the engine.
#[derive(Clone)]
struct TpMaterial {
    anchors: Vec<edgesh_engine::pki::Cert>,
    own: Vec<edgesh_engine::pki::Cert>,
    key_label: String,
    check_crl: bool,
}

fn trustpoint_material(doc: &IosDoc, ix: &DocIndex, tp: &str, notes: &mut Vec<String>) -> TpMaterial {
    let node = ix.block(&[format!("crypto pki trustpoint {tp}"), format!("crypto ca trustpoint {tp}")]);
    let mut key_label = doc.hostname.clone();
    let mut check_crl = true;
    for c in node.map(|n| n.children.as_slice()).unwrap_or_default() {
        match c.text.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["rsakeypair", l, ..] | ["eckeypair", l, ..] => key_label = l.to_string(),
            ["revocation-check", rest @ ..] => check_crl = rest.first() != Some(&"none"),
            _ => {}
        }
    }
    let (mut anchors, mut own) = (Vec::new(), Vec::new());
    for chain in chains(doc).into_iter().filter(|c| c.trustpoint == tp) {
        for cc in chain.certs {
            match edgesh_engine::pki::Cert::from_der(&cc.der) {
                Ok(c) if cc.role == CertRole::Ca => anchors.push(c),
                Ok(c) => own.push(c),
                Err(e) => notes.push(format!("trustpoint {tp}: certificate {}: {e}", cc.serial)),
            }
        }
    }
    if node.is_none() && anchors.is_empty() && own.is_empty() {
        notes.push(format!("trustpoint {tp} does not exist"));
    }
    TpMaterial { anchors, own, key_label, check_crl }
}

/// The CRLs held in `<state dir>/pki/crl/` (PEM or DER files).
fn crls(state_dir: &std::path::Path, notes: &mut Vec<String>) -> Vec<edgesh_engine::pki::validate::Crl> {
    let mut v = Vec::new();
    let Ok(dir) = std::fs::read_dir(state_dir.join("pki").join("crl")) else { return v };
    let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files {
        match std::fs::read(&f)
            .map_err(|e| e.to_string())
            .and_then(|b| edgesh_engine::pki::validate::Crl::parse(&b).map_err(|e| e.0))
        {
            Ok(mut c) => v.append(&mut c),
            Err(e) => notes.push(format!("CRL {}: {e}", f.display())),
        }
    }
    v
}

/// Give each tunnel that authenticates with certificates its [`PeerPki`](edgesh_engine::pki::PeerPki).
pub fn attach(doc: &IosDoc, conf: &mut edgesh_engine::ike::conf::EngineConf, state_dir: &std::path::Path) {
    use edgesh_engine::config::IkeVersion;
    use edgesh_engine::pki::{AuthBy, PeerPki, PrivateKey, TrustStore};
    let mut crl_notes = Vec::new();
    let held_crls = crls(state_dir, &mut crl_notes);
    let all_tps = trustpoints(doc);
    let ix = DocIndex::new(doc);
    // Each trustpoint's material (its certificates decoded) once, with the notes it gave.
    let mut materials: HashMap<String, (TpMaterial, Vec<String>)> = HashMap::new();
    let mut material = |tp: &str, notes: &mut Vec<String>| -> TpMaterial {
        let (m, n) = materials.entry(tp.to_string()).or_insert_with(|| {
            let mut n = Vec::new();
            (trustpoint_material(doc, &ix, tp, &mut n), n)
        });
        notes.extend(n.iter().cloned());
        m.clone()
    };
    let maps = cert_maps(doc);
    let global_dn = doc.root.iter().any(|n| n.text.trim() == "crypto isakmp identity dn");
    for p in conf.peers.iter_mut() {
        let prof = ix.tunnel_profile(&p.name);
        // The profile's `match certificate` maps, and whether this side names itself by its DN.
        let (mut map_names, mut local_dn, mut any_remote) = (Vec::new(), false, false);
        // Which side signs, and the trustpoints to sign with and verify against.
        let (local, remote, sign_tps, verify_tps) = match (&prof, p.version) {
            (Some((true, name)), IkeVersion::V2) => {
                let Some(n) = ix.block(&[format!("crypto ikev2 profile {name}")]) else { continue };
                let (mut l, mut r, mut sign, mut verify) =
                    (AuthBy::PreShared, AuthBy::PreShared, Vec::new(), Vec::new());
                for c in &n.children {
                    match c.text.split_whitespace().collect::<Vec<_>>().as_slice() {
                        ["match", "certificate", m] => map_names.push(m.to_string()),
                        ["match", "identity", "remote", "any"] => any_remote = true,
                        ["identity", "local", "dn"] => local_dn = true,
                        ["authentication", "local", "rsa-sig" | "ecdsa-sig", ..] => l = AuthBy::Signature,
                        ["authentication", "remote", "rsa-sig" | "ecdsa-sig", ..] => r = AuthBy::Signature,
                        ["pki", "trustpoint", tp, rest @ ..] => {
                            if rest.first() != Some(&"verify") {
                                sign.push(tp.to_string());
                            }
                            if rest.first() != Some(&"sign") {
                                verify.push(tp.to_string());
                            }
                        }
                        _ => {}
                    }
                }
                (l, r, sign, verify)
            }
            (_, IkeVersion::V1) if p.proposals.iter().any(|x| x.auth.is_signature()) => {
                // The isakmp profile's `ca trust-point` lines, else every trustpoint;
                // its `match certificate` maps; the global `crypto isakmp identity dn`
                // unless the profile names this side (`self-identity`).
                let lines: Vec<&str> = match &prof {
                    Some((false, name)) => ix
                        .block(&[format!("crypto isakmp profile {name}")])
                        .map(|n| n.children.iter().map(|c| c.text.trim()).collect())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                let named: Vec<String> = lines
                    .iter()
                    .filter_map(|l| l.strip_prefix("ca trust-point ").map(|t| t.trim().to_string()))
                    .collect();
                map_names = lines
                    .iter()
                    .filter_map(|l| l.strip_prefix("match certificate ").map(|t| t.trim().to_string()))
                    .collect();
                local_dn = global_dn && !lines.iter().any(|l| l.starts_with("self-identity "));
                let tps = if named.is_empty() { all_tps.clone() } else { named };
                // No trustpoint at all: the rsa-sig policy (IOS's default one among them) has
                // nothing to sign or verify with, and the tunnel stays as it was (pre-shared keys).
                if tps.is_empty() {
                    continue;
                }
                (AuthBy::Signature, AuthBy::Signature, tps.clone(), tps)
            }
            _ => continue,
        };
        if local == AuthBy::PreShared && remote == AuthBy::PreShared {
            continue;
        }
        let mut notes = Vec::new();
        let mut trust = TrustStore { crls: held_crls.clone(), ..TrustStore::default() };
        for tp in &verify_tps {
            let m = material(tp, &mut notes);
            trust.anchors.extend(m.anchors);
            trust.check_crl |= m.check_crl;
        }
        // Our certificate and key: the first signing trustpoint that has a router certificate.
        let (mut certs, mut key) = (Vec::new(), None);
        if local == AuthBy::Signature {
            for tp in &sign_tps {
                let m = material(tp, &mut notes);
                let Some(own) = m.own.first().cloned() else { continue };
                match PrivateKey::load(state_dir, &m.key_label) {
                    Ok(k) if k.public() == own.key => key = Some(std::sync::Arc::new(k)),
                    Ok(_) => notes
                        .push(format!("trustpoint {tp}: key pair {} is not the key of its certificate", m.key_label)),
                    Err(e) => notes.push(format!("trustpoint {tp}: {e}")),
                }
                certs.push(own);
                break;
            }
            if certs.is_empty() {
                notes.push(match sign_tps.len() {
                    0 => "no pki trustpoint to sign with".to_string(),
                    1 => format!("no router certificate in trustpoint {}", sign_tps[0]),
                    _ => format!("no router certificate in trustpoints {}", sign_tps.join(", ")),
                });
            }
        }
        // `match identity remote any` admits every peer: the maps add nothing.
        let cert_maps: Vec<_> = if any_remote { Vec::new() } else { map_names }
            .into_iter()
            .map(|m| {
                maps.get(&m).cloned().unwrap_or_else(|| {
                    notes.push(format!("certificate map {m} does not exist: it matches no certificate"));
                    edgesh_engine::pki::certmap::CertMap { name: m, entries: Vec::new() }
                })
            })
            .collect();
        if local_dn {
            match certs.first() {
                Some(c) => p.local_id = edgesh_engine::config::Identity::Dn(c.subject_der.clone()),
                None => notes.push("identity dn: no certificate to take the name from; the address is sent".into()),
            }
        }
        for n in &notes {
            conf.notes.push(format!("tunnel {}: {n}", p.name));
        }
        p.pki = Some(std::sync::Arc::new(PeerPki {
            local,
            remote,
            certs,
            key,
            trust: std::sync::Arc::new(trust),
            check_identity: true,
            notes,
            cert_maps,
        }));
    }
    conf.notes.extend(crl_notes);
}

/// The document's certificate maps (`crypto pki certificate map LABEL SEQ`
/// and its lines) in the engine's terms, by label.
pub fn cert_maps(doc: &IosDoc) -> HashMap<String, edgesh_engine::pki::certmap::CertMap> {
    use edgesh_engine::pki::certmap::{CertMap, Rule, Value};
    let mut maps: HashMap<String, CertMap> = HashMap::new();
    for n in &doc.root {
        let ["crypto", "pki", "certificate", "map", label, seq] = n.text.split_whitespace().collect::<Vec<_>>()[..]
        else {
            continue;
        };
        let Ok(seq) = seq.parse::<u32>() else { continue };
        let rules = n
            .children
            .iter()
            .filter_map(|c| {
                let mut w = c.text.split_whitespace();
                let field = super::commands::certmap::field(w.next()?)?;
                let op = super::commands::certmap::op(w.next()?)?;
                let rest = w.collect::<Vec<_>>().join(" ");
                let value = if field.is_date() { Value::Time(parse_date(&rest)?) } else { Value::Text(rest) };
                Some(Rule { field, op, value })
            })
            .collect();
        let m =
            maps.entry(label.to_string()).or_insert_with(|| CertMap { name: label.to_string(), entries: Vec::new() });
        m.entries.retain(|(s, _)| *s != seq);
        m.entries.push((seq, rules));
    }
    maps
}

/// `DD MM YYYY HH:MM:SS [utc]` as seconds since the epoch (UTC either way:
/// edgesh's clock has no time zone).
pub(crate) fn parse_date(v: &str) -> Option<u64> {
    let w: Vec<&str> = v.split_whitespace().collect();
    let (d, m, y, t) = match w.as_slice() {
        [d, m, y, t] | [d, m, y, t, "utc"] => (d, m, y, t),
        _ => return None,
    };
    let (d, m, y): (u32, u32, i64) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    let hms: Vec<u32> = t.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let [hh, mm, ss] = hms[..] else { return None };
    if !(1..=12).contains(&m) || !(1970..=9999).contains(&y) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if d == 0 || d > days_in[m as usize - 1] {
        return None;
    }
    // Days since 1970-01-01 (the civil-from-days inverse, Howard Hinnant's algorithm).
    let (yy, mm_) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm_ as i64 + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_blocks() {
        assert_eq!(hex_block(["3082 01", "0A"]).unwrap(), vec![0x30, 0x82, 0x01, 0x0a]);
        assert_eq!(hex_block(["308"]).unwrap_err(), "3 hex digits: not a whole number of bytes");
        assert_eq!(hex_block(["30 8G"]).unwrap_err(), "line 1 of the certificate data: `8G` is not hexadecimal");
        assert_eq!(hex_block(Vec::<&str>::new()).unwrap_err(), "no certificate data");
        assert!(
            decode(&hex_block(["3082022B 30820194 A0030201"]).unwrap())
                .unwrap_err()
                .starts_with("not an X.509 certificate")
        );
    }

    /// The CA certificate of `golden/transcripts/ios/pki.golden`, as typed there.
    fn golden_ca() -> Vec<u8> {
        let t = include_str!("../../../golden/transcripts/ios/pki.golden");
        let lines: Vec<&str> = t
            .lines()
            .skip_while(|l| !l.ends_with("#certificate ca 01"))
            .skip(1)
            .take_while(|l| !l.ends_with("#quit"))
            .map(|l| l.split_once('#').map_or(l, |x| x.1))
            .collect();
        hex_block(lines).unwrap()
    }

    #[test]
    fn the_golden_ca_decodes() {
        let c = decode(&golden_ca()).unwrap();
        assert_eq!(
            (c.serial_hex.as_str(), c.version, &c.key, c.is_ca, c.key_usage),
            ("01", 3, &PublicKey::Rsa { bits: 2048 }, Some(true), Some(0b110_0001))
        );
        assert_eq!(
            c.subject,
            vec![
                ("cn".into(), "Edgesh Golden Root CA".into()),
                ("o".into(), "Edgesh Golden".into()),
                ("c".into(), "US".into())
            ]
        );
        assert_eq!(
            (ios_date(c.not_before), ios_date(c.not_after)),
            ("00:00:00 UTC Jan 1 2026".into(), "00:00:00 UTC Jan 1 2036".into())
        );
    }

    proptest::proptest! {
        #[test]
        fn a_damaged_certificate_decodes_or_errs_without_panic(at in 0usize..900, byte in proptest::num::u8::ANY, cut in 0usize..900) {
            let mut b = golden_ca();
            let n = b.len();
            b[at % n] = byte;
            b.truncate(n - cut % n);
            let _ = decode(&b);
        }


        #[test]
        fn any_bytes_decode_without_panic(b in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = decode(&b);
        }

        #[test]
        fn any_text_is_a_hex_block_or_an_error(t in "[0-9A-Fa-fxyz \\n]{0,200}") {
            if let Ok(b) = hex_block(t.lines()) {
                proptest::prop_assert!(!b.is_empty());
                let _ = decode(&b);
            }
        }
    }

    /// The hex lines of a `certificate` block, as IOS prints them (8 words of 8 digits).
    pub(crate) fn hex_lines(der: &[u8]) -> String {
        let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
        let words: Vec<&str> = hex.as_bytes().chunks(8).map(|c| std::str::from_utf8(c).unwrap()).collect();
        words.chunks(8).map(|l| format!("  {}\n", l.join(" "))).collect()
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        edgesh_engine::pki::pem_blocks(pem, "CERTIFICATE").unwrap().remove(0)
    }

    fn ios_cert_config(auth: &str, revocation: &str) -> String {
        let ca = pem_der(include_str!("../../../engine/src/pki/testdata/ca.pem"));
        let me = pem_der(include_str!("../../../engine/src/pki/testdata/left-rsa.pem"));
        let serial = |d: &[u8]| decode(d).unwrap().serial_hex;
        format!(
            "hostname left\ncrypto pki trustpoint TP\n enrollment terminal\n revocation-check {revocation}\n rsakeypair LEFTKEY\ncrypto pki certificate chain TP\n certificate {}\n{} quit\n certificate ca {}\n{} quit\n\
crypto ikev2 proposal P1\n encryption aes-cbc-128\n integrity sha1\n group 14\ncrypto ikev2 policy POL\n proposal P1\n\
crypto ikev2 profile PROF\n match identity remote address 192.0.2.2 255.255.255.255\n identity local address 192.0.2.1\n authentication local {auth}\n authentication remote {auth}\n pki trustpoint TP\n\
crypto ipsec transform-set TS esp-aes esp-sha-hmac\n mode tunnel\naccess-list 101 permit ip host 198.51.100.1 host 203.0.113.1\n\
crypto map VPN 10 ipsec-isakmp\n set peer 192.0.2.2\n set transform-set TS\n set ikev2-profile PROF\n match address 101\n\
interface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map VPN\n",
            serial(&me),
            hex_lines(&me),
            serial(&ca),
            hex_lines(&ca)
        )
    }

    fn load(text: &str) -> IosDoc {
        use crate::session::{Router, Session, SessionOptions};
        use std::sync::{Arc, Mutex};
        let r = Arc::new(Mutex::new(Router::new(
            edgesh_engine::Config::new("x"),
            edgesh_engine::driver::Clock::Virtual(0),
            1,
            std::env::temp_dir(),
        )));
        let (_, rejected, msgs) = super::super::apply_text(&r, text, "t");
        assert_eq!(rejected, 0, "{msgs:?}");
        let _ = Session::new(r.clone(), SessionOptions { dialect: crate::Dialect::Ios, ..Default::default() });

        r.lock().unwrap().ios_doc.clone()
    }

    /// A configuration with `crypto pki authenticate TP` and no certificate after
    /// it: the next line ends the paste with an error (counted as rejected,
    /// reported at that line) and runs, so nothing after it is lost.
    #[test]
    fn an_unfinished_certificate_paste_loses_no_line() {
        let r = std::sync::Arc::new(std::sync::Mutex::new(crate::session::Router::new(
            edgesh_engine::Config::new("x"),
            edgesh_engine::driver::Clock::Virtual(0),
            1,
            std::env::temp_dir(),
        )));
        let text = "hostname R\ncrypto pki trustpoint TP\n enrollment url http://192.0.2.9:80\ncrypto pki authenticate TP\n\
crypto ikev2 proposal P1\n encryption aes-cbc-128\ncrypto ikev2 profile PROF\n identity local dn\nend\n";
        let (_, rejected, msgs) = super::super::apply_text(&r, text, "t");
        assert_eq!(rejected, 1, "{msgs:?}");
        assert_eq!(msgs[0], "t:5: crypto ikev2 proposal P1");
        assert!(
            msgs[1].contains("Certificate paste for trustpoint TP ended by a line that is not base 64"),
            "{msgs:?}"
        );
        let mut out = crate::out::VecOut::default();
        r.lock().unwrap().ios_doc.render(&mut out);
        let kept = out.0.join("\n");
        for l in
            ["crypto ikev2 proposal P1", " encryption aes-cbc-128", "crypto ikev2 profile PROF", " identity local dn"]
        {
            assert!(kept.contains(l), "{l} lost:\n{kept}");
        }
    }

    #[test]
    fn trustpoints_reach_the_engine() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!(
            "edgesh-ios-pki-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let doc = load(&ios_cert_config("rsa-sig", "crl"));
        let conf = || edgesh_engine::ike::conf::EngineConf::from_config(&super::super::compile::compile(&doc).config);
        // No key file yet: the tunnel is told why it cannot sign.
        let mut c = conf();
        attach(&doc, &mut c, &dir);
        let pki = c.peers[0].pki.clone().expect("pki attached");
        assert_eq!(
            (pki.local, pki.remote, pki.certs.len(), pki.key.is_none(), pki.trust.anchors.len(), pki.trust.check_crl),
            (edgesh_engine::pki::AuthBy::Signature, edgesh_engine::pki::AuthBy::Signature, 1, true, 1, true)
        );
        assert!(
            c.notes.iter().any(|n| n.starts_with("tunnel VPN-10: trustpoint TP: key pair LEFTKEY:")),
            "{:?}",
            c.notes
        );
        // The key in place (0600), and a CRL: both are used.
        std::fs::create_dir_all(dir.join("pki/keys")).unwrap();
        std::fs::create_dir_all(dir.join("pki/crl")).unwrap();
        let kp = dir.join("pki/keys/LEFTKEY.pem");
        std::fs::write(&kp, include_str!("../../../engine/src/pki/testdata/left-rsa.key")).unwrap();
        std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(dir.join("pki/crl/ca.crl"), include_str!("../../../engine/src/pki/testdata/crl.pem")).unwrap();
        let mut c = conf();
        attach(&doc, &mut c, &dir);
        let pki = c.peers[0].pki.clone().unwrap();
        assert!(pki.signer().is_some(), "{:?}", c.notes);
        assert_eq!(pki.trust.crls.len(), 1);
        assert_eq!(pki.certs[0].subject, "C=US,O=Edgesh Test,CN=left");
        // The key of another certificate is refused.
        std::fs::write(&kp, include_str!("../../../engine/src/pki/testdata/left-ec.key")).unwrap();
        let mut c = conf();
        attach(&doc, &mut c, &dir);
        assert!(c.peers[0].pki.as_ref().unwrap().key.is_none());
        assert!(
            c.notes
                .iter()
                .any(|n| n == "tunnel VPN-10: trustpoint TP: key pair LEFTKEY is not the key of its certificate"),
            "{:?}",
            c.notes
        );
        // `revocation-check none`; a pre-shared profile gets nothing.
        let doc2 = load(&ios_cert_config("rsa-sig", "none"));
        let mut c = edgesh_engine::ike::conf::EngineConf::from_config(&super::super::compile::compile(&doc2).config);
        attach(&doc2, &mut c, &dir);
        assert!(!c.peers[0].pki.as_ref().unwrap().trust.check_crl);
        let doc3 = load(&ios_cert_config("pre-share key k", "crl"));
        let mut c = edgesh_engine::ike::conf::EngineConf::from_config(&super::super::compile::compile(&doc3).config);
        attach(&doc3, &mut c, &dir);
        assert!(c.peers[0].pki.is_none());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn dates() {
        assert_eq!(ios_date(0), "00:00:00 UTC Jan 1 1970");
        assert_eq!(ios_date(1_771_718_918), "00:08:38 UTC Feb 22 2026");
        assert_eq!(ios_date(951_782_400), "00:00:00 UTC Feb 29 2000");
    }
}
