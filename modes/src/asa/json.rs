//! `| json` for the ASA shows (see `crate::json`, `docs/json.md`): one typed
//! state per show, built from the same rows the text renders read
//! (`show_sa.rs`: `ipsec_rows`, `ikev2_rows`; `sessiondb.rs`: `sessions`).
//! `show crypto ikev2 sa` has exactly the keys and nesting of Genie's asa
//! `ShowCryptoIkev2Sa` (`shell/tests/asa_corpus.rs` compares the two); the
//! other SA shows have a schema of our own in the same style. The
//! configuration listings are the document's nodes (the same ones the text
//! prints, `AsaDoc::section`) as the tree Genie's `Config(text).tree()`
//! makes of the text.

use super::doc::{AsaDoc, Node};
use super::show_sa::{encr_word, hash_word, ikev2_rows, ipsec_rows, state};
use crate::json::value;
use crate::session::{Args, Router, Session};
use edgesh_engine::ike::endpoint::IkeSa;
use edgesh_engine::ike::events::{P1State, Role};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// ASA shows without a JSON form yet (they say so); `crate::json` tests that
/// every other show has one. None left.
pub const NOT_YET: &[&str] = &[];

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
        "show interface ip brief" | "show nameif" | "show route" => {
            let r = s.router();
            let ifs = super::show_ip::interfaces(&r.asa.doc, r.asa.startup.as_ref());
            Ok(match spec {
                "show interface ip brief" => super::show_ip::ip_brief_json(&ifs),
                "show nameif" => super::show_ip::nameif_json(&ifs),
                _ => super::show_ip::route_json(&super::show_ip::routes(&ifs, &r.asa.doc)),
            })
        }
        "show access-list [WORD]" => {
            let doc = s.router().asa.doc.clone();
            Ok(super::show_acl::json(&super::show_acl::listings(&doc, a.get("WORD"))))
        }
        "show vpn-sessiondb" => {
            synced(s);
            value(&super::sessiondb::summary_of(&s.router()))
        }
        "show crypto ca certificates [WORD]" => {
            value(&json!({ "certificates": super::pki_show::certificates(&s.router().asa.doc, a.get("WORD")) }))
        }
        "show crypto keys tshark" => {
            synced(s);
            value(&crate::engine::tshark_keys(&s.router()))
        }
        "show vpn-sessiondb [detail] l2l" => {
            synced(s);
            let list = super::sessiondb::sessions(&s.router());
            value(&json!({ "session_type": "LAN-to-LAN", "sessions": list }))
        }
        // The configuration listings: the tree Genie's `Config(text).tree()`
        // makes of the text (each line a key, the lines under it its object;
        // keys as `*****`), without the `:` comment lines.
        "show running-config" => Ok(config_tree(&s.router().asa.doc)),
        "show running-config all" => Ok(config_tree(&s.router().asa.doc.with_defaults())),
        "show running-config all crypto [map]" => {
            let doc = s.router().asa.doc.with_defaults();
            Ok(section_tree(&doc, if a.has("map") { &["crypto", "map"] } else { &["crypto"] }))
        }
        super::commands::exec::SHOW_RUN_SECTIONS => {
            let words = super::commands::section_words(a);
            let doc = s.router().asa.doc.clone();
            if words == ["hostname"] {
                Ok(json!({ format!("hostname {}", doc.hostname): {} }))
            } else {
                Ok(section_tree(&doc, &words.iter().map(String::as_str).collect::<Vec<_>>()))
            }
        }
        "show startup-config" => Ok(s.router().asa.startup.as_ref().map(config_tree).unwrap_or_else(|| json!({}))),
        "show version" => {
            let r = s.router();
            let up = r.now().saturating_sub(r.boot_time);
            Ok(json!({ "version": {
                "hostname": r.asa.doc.hostname,
                "asa_version": super::doc::VERSION.trim_start_matches("ASA Version "),
                "edgesh_version": env!("CARGO_PKG_VERSION"),
                "uptime": format!("{} mins {} secs", up / 60, up % 60),
                "uptime_seconds": up,
            }}))
        }
        "show clock" => {
            let now = s.router().now();
            Ok(json!({ "clock": super::show_sa::asa_time(now).replacen(' ', ".000 ", 1), "epoch_seconds": now }))
        }
        "show logging" => {
            let r = s.router();
            Ok(
                json!({ "syslog_logging": "enabled", "buffer_logging": { "level": "debugging", "messages_logged": r.log.len() }, "log": r.log.iter().collect::<Vec<_>>() }),
            )
        }
        "show asp drop [frame | flow]" => {
            synced(s);
            let only = super::asp::section_of(a);
            Ok(super::asp::drop_json(&s.router(), only))
        }
        "show asp table vpn-context detail" => {
            synced(s);
            value(&json!({ "contexts": super::asp::contexts(&s.router()) }))
        }
        "show debug" => {
            let r = s.router();
            let (l1, l2) = r.asa.debug_levels;
            Ok(json!({ "crypto_ikev1": r.debug.isakmp.then_some(l1), "crypto_ipsec": r.debug.ipsec.then_some(l2) }))
        }
        _ => return None,
    })
}

/// A whole configuration as a tree: `ASA Version ...`, `hostname X`, then
/// each top-level line.
fn config_tree(doc: &AsaDoc) -> Value {
    let mut m = Map::new();
    m.insert(super::doc::VERSION.to_string(), json!({}));
    m.insert(format!("hostname {}", doc.hostname), json!({}));
    tree(doc.root.iter(), &mut m);
    Value::Object(m)
}

/// The lines of one section (`show running-config crypto map`) as a tree.
fn section_tree(doc: &AsaDoc, words: &[&str]) -> Value {
    let mut m = Map::new();
    tree(doc.section(words).into_iter(), &mut m);
    Value::Object(m)
}

/// Each line a key (keys masked as the text masks them), the lines under
/// it its object; the same line twice: one key, the lines under both.
fn tree<'a>(nodes: impl Iterator<Item = &'a Node>, m: &mut Map<String, Value>) {
    for n in nodes {
        let text = super::doc::mask(&n.text);
        let mut lines = text.split('\n');
        let head = lines.next().unwrap_or_default().trim_end().to_string();
        let mut sub = Map::new();
        for l in lines {
            sub.insert(l.trim_end().to_string(), json!({}));
        }
        tree(n.children.iter(), &mut sub);
        match m.get_mut(&head) {
            Some(Value::Object(old)) => old.extend(sub),
            _ => {
                m.insert(head, Value::Object(sub));
            }
        }
    }
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
                auth: detail.then(|| super::words::ike_auth_words(c.map(|c| c.auth)).0),
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
            "authentication_sign": x.auth_sign,
            "authentication_verify": x.auth_verify,
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
