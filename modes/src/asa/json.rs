//! `| json` for the ASA shows (see `crate::json`, `docs/json.md`): one typed
//! state per show, built from the same rows the text renders read
//! (`show_sa.rs`: `ipsec_rows`, `ikev2_rows`; `sessiondb.rs`: `sessions`).
//! `show crypto ikev2 sa` has exactly the keys and nesting of Genie's asa
//! `ShowCryptoIkev2Sa` (`shell/tests/asa_corpus.rs` compares the two); the
//! other SA shows have a schema of our own in the same style.

use super::show_sa::{encr_word, hash_word, ikev2_rows, ipsec_rows, state};
use crate::json::value;
use crate::session::{Args, Router, Session};
use edgesh_engine::ike::endpoint::IkeSa;
use edgesh_engine::ike::events::{P1State, Role};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};

/// ASA shows without a JSON form yet (they say so); `crate::json` tests that
/// every other show has one.
pub const NOT_YET: &[&str] = &[
    "show running-config",
    "show running-config all",
    "show running-config all crypto [map]",
    "show running-config {crypto [map | ikev1 | ikev2 | ipsec | dynamic-map] | ipsec | tunnel-group [WORD] | access-list [WORD] | interface [WORD] | object [network] | object-group | group-policy [WORD] | hostname | username}",
    "show startup-config",
    "show version",
    "show clock",
    "show logging",
    "show debug",
];

/// The JSON state of the ASA show declared as `spec`.
pub fn show_json(s: &mut Session, spec: &str, a: &Args) -> Option<Result<Value, String>> {
    let detail = a.has("detail");
    let synced = |s: &mut Session| {
        super::sync(&mut s.router());
    };
    Some(match spec {
        "show crypto isakmp sa [detail]" | "show crypto ikev1 sa [detail]" => {
            synced(s);
            let r = s.router();
            let mut v = ikev1_sa(&r, detail);
            if spec.contains("isakmp") {
                v["ikev2"] = ikev2_sa(&r);
            }
            Ok(v)
        }
        "show crypto ikev2 sa" => {
            synced(s);
            Ok(ikev2_sa(&s.router()))
        }
        "show crypto ipsec sa [peer A.B.C.D]" => {
            synced(s);
            let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            ipsec_sa(&s.router(), peer)
        }
        "show vpn-sessiondb [detail] l2l" => {
            synced(s);
            let list = super::sessiondb::sessions(&s.router());
            value(&json!({ "session_type": "LAN-to-LAN", "sessions": list }))
        }
        _ => return None,
    })
}

/// One IKEv1 SA of `show crypto isakmp|ikev1 sa [detail]`.
#[derive(Serialize)]
struct Ikev1Sa {
    peer: std::net::Ipv4Addr,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    rekey: bool,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime: Option<u32>,
}

/// `{"ikev1": {"active_sa": N, "rekey_sa": 0, "total_ike_sa": N, "sas": {"1": {...}}}}`.
fn ikev1_sa(r: &Router, detail: bool) -> Value {
    let sas: Vec<&IkeSa> = r.ike().ike_sas().iter().filter(|s| s.state != P1State::Deleted).collect();
    let mut m: IndexMap<String, Ikev1Sa> = IndexMap::new();
    for (i, s) in sas.iter().enumerate() {
        let c = s.chosen.as_ref();
        m.insert(
            (i + 1).to_string(),
            Ikev1Sa {
                peer: *s.remote.ip(),
                kind: "L2L",
                role: if s.role == Role::Initiator { "initiator" } else { "responder" },
                rekey: false,
                state: state(s),
                encryption: detail.then(|| c.map(|c| encr_word(c.encr)).unwrap_or("none")),
                hash: detail.then(|| c.map(|c| hash_word(c.hash)).unwrap_or("none")),
                auth: detail.then_some("preshrd"),
                lifetime: detail.then_some(s.lifetime),
            },
        );
    }
    json!({ "ikev1": { "active_sa": sas.len(), "rekey_sa": 0, "total_ike_sa": sas.len(), "sas": m } })
}

/// Genie's asa `show crypto ikev2 sa` schema: `sessions` by id, `tunnels`
/// by `LOCAL-REMOTE`, `child_sa` by index (counted over the whole show, as
/// Genie counts them).
fn ikev2_sa(r: &Router) -> Value {
    let mut sessions = serde_json::Map::new();
    let mut child_index = 0;
    for x in ikev2_rows(r) {
        let mut t = json!({
            "tunnel_id": x.session_id,
            "local": x.local,
            "remote": x.remote,
            "status": x.state,
            "role": x.role,
            "encryption_algorithm": x.encryption,
            "hashing_algorithm": x.hash,
            "dh_group": x.dh_group,
            "authentication_sign": "PSK",
            "authentication_verify": "PSK",
            "lifetime_secs": x.lifetime,
            "activetime_secs": x.active_secs,
        });
        if let Some(k) = x.key_size {
            t["key_size"] = json!(k);
        }
        let mut kids = serde_json::Map::new();
        for (l, rm, si, so) in &x.children {
            kids.insert(child_index.to_string(), json!({ "local_selector": l, "remote_selector": rm, "esp_in": format!("0x{si:08x}"), "esp_out": format!("0x{so:08x}") }));
            child_index += 1;
        }
        if !kids.is_empty() {
            t["child_sa"] = Value::Object(kids);
        }
        sessions.insert(
            x.session_id.to_string(),
            json!({ "status": x.status, "ike_count": 1, "child_sa_count": x.child_count, "tunnels": { format!("{}-{}", x.local, x.remote): t } }),
        );
    }
    json!({ "sessions": sessions })
}

/// `{"interfaces": {"outside": {"sas": [...]}}}`, one entry per IPsec SA pair.
fn ipsec_sa(r: &Router, peer: Option<std::net::Ipv4Addr>) -> Result<Value, String> {
    let mut by_if: IndexMap<String, Vec<Value>> = IndexMap::new();
    for x in ipsec_rows(r, peer) {
        by_if.entry(x.interface.clone()).or_default().push(value(&x)?);
    }
    let m: IndexMap<String, Value> = by_if.into_iter().map(|(k, v)| (k, json!({ "sas": v }))).collect();
    Ok(json!({ "interfaces": m }))
}
