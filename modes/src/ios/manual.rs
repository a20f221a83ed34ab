//! IOS manual-key crypto map entries (`crypto map NAME SEQ ipsec-manual`,
//! issue 19) compiled into the engine model: each entry becomes a manual
//! key tunnel `NAME-SEQ` with one manual IPsec SA `NAME-SEQ-manual`, as a
//! SmartEdge `tunnel ipsec NAME manual` with `seq 10 security-association`
//! is. The algorithms are the transform set's (the first one named), the
//! SPIs and keys `set session-key inbound|outbound esp SPI cipher HEX
//! [authenticator HEX]` / `... esp SPI authenticator HEX` / `... ah SPI
//! HEX`, the selectors the first permit of `match address` (any/any
//! without one), the ends the interface the map is applied to (or its
//! `local-address`) and `set peer`. Keys stay in the running configuration
//! as typed, as IOS prints them.

use super::Node;
use super::names::words;
use edgesh_engine::Config;
use edgesh_engine::config::*;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// What the compile of the whole document knows that a manual entry needs.
pub(super) struct Env<'a> {
    /// Crypto map name -> the interface it is applied to (or its local-address interface).
    pub map_if: &'a dyn Fn(&str) -> Option<String>,
    pub if_addr: &'a BTreeMap<String, Ipv4Addr>,
    pub acls: &'a BTreeMap<String, IpsecAcl>,
}

/// The keys of one direction as `set session-key` gives them.
fn session_keys(n: &Node, dir: &str, notes: &mut Vec<String>, what: &str) -> ManualSaKeys {
    let mut k = ManualSaKeys::default();
    let hex = |h: &str, notes: &mut Vec<String>| {
        if !h.chars().all(|c| c.is_ascii_hexdigit()) || h.len() % 2 == 1 {
            notes.push(format!("{what}: session key {h:.4}... is not a hex string of whole octets"));
        }
        Key::Hex(h.to_string())
    };
    for c in &n.children {
        match words(&c.text).as_slice() {
            ["set", "session-key", d, "esp", spi, rest @ ..] if *d == dir => {
                k.esp_spi = spi.parse().ok();
                let mut i = 0;
                while i + 1 < rest.len() {
                    match rest[i] {
                        "cipher" => k.esp_encr = Some((EspEncr::Null, Some(hex(rest[i + 1], notes)))),
                        "authenticator" => k.esp_auth = Some((EspAuth::HmacSha1_96, hex(rest[i + 1], notes))),
                        _ => {}
                    }
                    i += 2;
                }
            }
            ["set", "session-key", d, "ah", spi, key] if *d == dir => {
                k.ah_spi = spi.parse().ok();
                k.ah = Some((EspAuth::HmacSha1_96, hex(key, notes)));
            }
            _ => {}
        }
    }
    k
}

/// Put the transform set's algorithms on keys that `set session-key` gave.
fn with_algorithms(mut k: ManualSaKeys, t: &IpsecProposal) -> ManualSaKeys {
    let eff = t.effective();
    match eff.esp {
        Some((e, a)) => {
            k.esp_encr = match (e, k.esp_encr.take()) {
                (EspEncr::Null, _) => Some((EspEncr::Null, None)),
                (e, Some((_, key))) => Some((e, key)),
                (e, None) => Some((e, None)),
            };
            k.esp_auth = match (a, k.esp_auth.take()) {
                (Some(a), Some((_, key))) => Some((a, key)),
                _ => None,
            };
        }
        None => {
            k.esp_encr = None;
            k.esp_auth = None;
        }
    }
    k.ah = match (eff.ah, k.ah.take()) {
        (Some(a), Some((_, key))) => Some((a, key)),
        _ => None,
    };
    k
}

/// Compile the `ipsec-manual` entries `(map, seq, node)`.
pub(super) fn compile(cfg: &mut Config, notes: &mut Vec<String>, entries: &[(String, u32, &Node)], env: &Env) {
    for (m, seq, n) in entries {
        let what = format!("crypto map {m} {seq}");
        let tname = format!("{m}-{seq}");
        let mut peer: Option<Ipv4Addr> = None;
        let mut tset: Option<String> = None;
        let mut acl: Option<String> = None;
        for c in &n.children {
            match words(&c.text).as_slice() {
                ["set", "peer", a] if peer.is_none() => peer = a.parse().ok(),
                ["set", "transform-set", t, ..] => tset = Some(t.to_string()),
                ["match", "address", a] => acl = Some(a.to_string()),
                _ => {}
            }
        }
        let Some(peer) = peer else {
            notes.push(format!("{what}: no peer (set peer): no tunnel"));
            continue;
        };
        let Some(t) = tset.as_ref().and_then(|t| cfg.ipsec_proposals.get(t)).cloned() else {
            notes.push(format!("{what}: no transform set (set transform-set) that exists: no tunnel"));
            continue;
        };
        let (kin, kout) = (session_keys(n, "inbound", notes, &what), session_keys(n, "outbound", notes, &what));
        if kin == ManualSaKeys::default() || kout == ManualSaKeys::default() {
            notes.push(format!("{what}: a manual entry needs an inbound and an outbound session key: no tunnel"));
            continue;
        }
        let sa_name = format!("{tname}-manual");
        // IOS runs manual SAs without anti-replay (`show crypto ipsec sa`:
        // "replay detection support: N"): with manual keys the peer's
        // counter starts at 1 again whenever it restarts (RFC 4303 3.3.3).
        let mut sa = IpsecSa { anti_replay_window: 0, ..IpsecSa::default() };
        sa.dirs.insert(SaDir::In, with_algorithms(kin, &t));
        sa.dirs.insert(SaDir::Out, with_algorithms(kout, &t));
        cfg.ipsec_sas.insert(sa_name.clone(), sa);
        if let Some(a) = acl.as_ref().and_then(|a| env.acls.get_key_value(a)) {
            cfg.contexts.entry("local".into()).or_default().ipsec_acls.insert(a.0.clone(), a.1.clone());
        }
        let ifname = (env.map_if)(m);
        let mut tun = Tunnel::new(TunnelKind::Manual, false);
        // Its place in the map: outbound traffic meets the entries in sequence order.
        tun.map_entry = Some((m.clone(), *seq));
        tun.local = ifname.as_ref().and_then(|i| env.if_addr.get(i)).copied();
        tun.remote = Some(peer);
        tun.bind_interface = ifname.map(|i| (i, None));
        tun.entries.insert(10, TunnelEntry::ManualSa { sa: sa_name, access_group: acl });
        if tun.local.is_none() {
            notes.push(format!("{what}: not applied to an interface with an address: no local end point"));
        }
        cfg.tunnels.insert(tname, tun);
    }
}
