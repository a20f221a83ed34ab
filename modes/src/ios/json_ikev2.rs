//! `| json` for IOS-XE's IKEv2 shows: `show crypto ikev2 sa [detail]`,
//! `show crypto ikev2 session [detail]`, `show crypto ikev2 stats`, each
//! with exactly the keys of Genie's iosxe parser for the same text
//! (`ShowCryptoIkev2Sa`, `...SaDetail`, `ShowCryptoIkev2Session`,
//! `ShowCryptoIkev2Stats`). The words and counts come from `show_ikev2.rs`,
//! which renders the text (one source of truth); this module only arranges
//! them as Genie does. Called from the dispatch in `json.rs`; it imports
//! nothing from there.

use crate::ios::show_ikev2::{active_secs, dpd_config, nat_words, session_status, suite, tunnel_id, v2_counts, vrfs};
use crate::session::Router;
use edgesh_engine::ike::events::Role;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

// ------------------------------------------------ show crypto ikev2 sa

/// Genie `ShowCryptoIkev2Sa`: `ipv4` / tunnel-id, `ipv6`.
#[derive(Serialize, Default)]
pub struct Ikev2Sa {
    ipv4: IndexMap<String, Ikev2Row>,
    ipv6: IndexMap<String, Ikev2Row>,
}

#[derive(Serialize)]
struct Ikev2Row {
    tunnel_id: u32,
    local_ip: String,
    local_port: u16,
    remote_ip: String,
    remote_port: u16,
    fvrf: String,
    ivrf: String,
    status: &'static str,
    encryption: &'static str,
    keysize: usize,
    prf: &'static str,
    hash: &'static str,
    dh_group: u16,
    auth_sign: &'static str,
    auth_verify: &'static str,
    life_time: u32,
    active_time: u64,
}

pub fn ikev2_sa(r: &Router) -> Ikev2Sa {
    let now = r.now_ms();
    let mut st = Ikev2Sa::default();
    for s in r.ike().v2().sas() {
        let v = vrfs(r, &s.tunnel);
        let (fvrf, ivrf) = v.split_once('/').unwrap_or(("none", "none"));
        let (encryption, keysize, prf, hash, dh_group) = words(s);
        st.ipv4.insert(
            tunnel_id(s).to_string(),
            Ikev2Row {
                tunnel_id: tunnel_id(s),
                local_ip: s.local.ip().to_string(),
                local_port: s.local.port(),
                remote_ip: s.remote.ip().to_string(),
                remote_port: s.remote.port(),
                fvrf: fvrf.to_string(),
                ivrf: ivrf.to_string(),
                status: s.state.name(),
                encryption,
                keysize,
                prf,
                hash,
                dh_group,
                auth_sign: crate::ios::show_ikev2::auth_words(s).0,
                auth_verify: crate::ios::show_ikev2::auth_words(s).1,
                life_time: s.lifetime,
                active_time: active_secs(s, now),
            },
        );
    }
    st
}

/// Genie `ShowCryptoIkev2SaDetail`: `tunnel_id` / id, its values lower-case as Genie gives them.
pub fn ikev2_sa_detail(r: &Router) -> Value {
    use crate::ios::show_ikev2::{hex8, local_id_text, remote_id_text, status_description};
    let now = r.now_ms();
    let mut m = serde_json::Map::new();
    for s in r.ike().v2().sas() {
        let v = vrfs(r, &s.tunnel);
        let (fvrf, ivrf) = v.split_once('/').unwrap_or(("none", "none"));
        let (encryption, keysize, prf, hash, dh) = words(s);
        let (lspi, rspi) = s.spis();
        let (next, peer, _) = s.msg_ids();
        let (dpd_time, retry) = dpd_config(r, s);
        m.insert(
            tunnel_id(s).to_string(),
            serde_json::json!({
                "local": format!("{}/{}", s.local.ip(), s.local.port()),
                "remote": format!("{}/{}", s.remote.ip(), s.remote.port()),
                "fvrf": fvrf,
                "ivrf": ivrf,
                "status": s.state.name().to_lowercase(),
                "remote_subnets": [],
                "encryption": encryption.to_lowercase(),
                "keysize": keysize,
                "prf": prf.to_lowercase(),
                "hash": hash.to_lowercase(),
                "dh_grp": dh,
                "auth_sign": crate::ios::show_ikev2::auth_words(s).0.to_lowercase(),
                "auth_verify": crate::ios::show_ikev2::auth_words(s).1.to_lowercase(),
                "life_time": s.lifetime,
                "active_time": active_secs(s, now),
                "ce_id": 0,
                "session_id": tunnel_id(s),
                "local_spi": hex8(&lspi),
                "remote_spi": hex8(&rspi),
                "status_description": status_description(s).to_lowercase(),
                "local_id": local_id_text(r, s),
                "remote_id": remote_id_text(s),
                "local_reg_msg_id": next,
                "remote_req_msg_id": peer,
                "local_next_msg_id": next,
                "remote_next_msg_id": peer,
                "local_req_queued": next,
                "remote_req_queued": peer,
                "local_window": 1,
                "remote_window": 1,
                "dpd_configured_time": dpd_time,
                "retry": retry,
                "fragmentation": "not  configured",
                "dynamic_route_update": "disabled",
                "extended_authentication": "not configured",
                "nat_t": nat_words(s),
                "cisco_trust_security_sgt": "disabled",
                "initiator_of_sa": if s.role == Role::Initiator { "yes" } else { "no" },
            }),
        );
    }
    if m.is_empty() {
        return serde_json::json!({});
    }
    serde_json::json!({ "tunnel_id": m })
}

/// (encryption, key size, PRF, integrity, DH group) as IOS-XE names them
/// (`show_ikev2::suite`); `Unknown` before IKE_SA_INIT has chosen them.
fn words(s: &edgesh_engine::ike::v2::Sa) -> (&'static str, usize, &'static str, &'static str, u16) {
    suite(s).unwrap_or(("Unknown", 0, "Unknown", "None", 0))
}
// ------------------------------------------------ show crypto ikev2 session, stats

/// Genie `ShowCryptoIkev2Session`: `ikev2_session` / `IPv4` / session id.
#[derive(Serialize, Default)]
pub struct Ikev2Session {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    ikev2_session: IndexMap<&'static str, IndexMap<String, Value>>,
}

pub fn ikev2_session(r: &Router, detail: bool) -> Ikev2Session {
    let now = r.now_ms();
    let mut rows = IndexMap::new();
    let kids = r.ike().v2().child_sas();
    for s in r.ike().v2().sas() {
        let mine: Vec<_> = kids.iter().filter(|c| c.ike == s.conn).collect();
        let status = session_status(s, mine.len());
        let v = vrfs(r, &s.tunnel);
        let (fvrf, ivrf) = v.split_once('/').unwrap_or(("none", "none"));
        let (encryption, key_length, prf, hash_algo, dh_group) = words(s);
        let child_sa: IndexMap<String, Value> = mine
            .iter()
            .enumerate()
            .map(|(i, c)| {
                use crate::ios::show_ikev2::ts_range;
                let (esp_in, esp_out) = if c.esp.is_some() { (c.spi_in, c.spi_out) } else { (0, 0) };
                let v = if detail {
                    let (ah_in, ah_out) =
                        if c.esp.is_none() && c.ah.is_some() { (c.spi_in, c.spi_out) } else { (0, 0) };
                    let (encr, bits, hmac) = crate::ios::show_ikev2::esp_names(c);
                    serde_json::json!({
                        "local_selectors": [],
                        "remote_selectors": [],
                        "traffic_selectors": [format!("{}    ->    {}", ts_range(&c.local_ts), ts_range(&c.remote_ts))],
                        "esp_spi_in": format!("0x{esp_in:X}"),
                        "esp_spi_out": format!("0x{esp_out:X}"),
                        "ah_spi_in": format!("0x{ah_in:X}"),
                        "ah_spi_out": format!("0x{ah_out:X}"),
                        "cpi_in": "0x0",
                        "cpi_out": "0x0",
                        "child_encr": encr,
                        "keysize": bits,
                        "esp_hmac": hmac,
                        "ah_hmac": c.ah.map(crate::ios::show_ikev2::auth_name).unwrap_or("None"),
                        "compression": "IPCOMP_NONE",
                        "mode": "tunnel",
                    })
                } else {
                    serde_json::json!({
                        "local_selectors": [ts_range(&c.local_ts)],
                        "remote_selectors": [ts_range(&c.remote_ts)],
                        "esp_spi_in": format!("0x{esp_in:X}"),
                        "esp_spi_out": format!("0x{esp_out:X}"),
                    })
                };
                ((i + 1).to_string(), v)
            })
            .collect();
        let mut row = serde_json::json!({
            "session_id": tunnel_id(s),
            "status": status,
            "ike_count": 1,
            "child_count": mine.len(),
            "tunnel_id": tunnel_id(s),
            "local_ip": s.local.ip().to_string(),
            "local_port": s.local.port(),
            "remote_ip": s.remote.ip().to_string(),
            "remote_port": s.remote.port(),
            "fvrf": fvrf,
            "ivrf": ivrf,
            "session_status": s.state.name(),
            "encryption": encryption,
            "key_length": key_length,
            "prf": prf,
            "hash_algo": hash_algo,
            "dh_group": dh_group,
            "auth_sign": crate::ios::show_ikev2::auth_words(s).0,
            "auth_verify": crate::ios::show_ikev2::auth_words(s).1,
            "lifetime": s.lifetime,
            "activetime": active_secs(s, now),
        });
        if detail {
            use crate::ios::show_ikev2::{hex8, local_id_text, remote_id_text};
            let (lspi, rspi) = s.spis();
            let (next, peer, _) = s.msg_ids();
            let (dpd_time, retry) = dpd_config(r, s);
            let extra = serde_json::json!({
                "ce_id": 0,
                "id": tunnel_id(s),
                "local_spi": hex8(&lspi),
                "remote_spi": hex8(&rspi),
                "local_id": local_id_text(r, s),
                "remote_id": remote_id_text(s),
                "local_mesg_id": next,
                "remote_mesg_id": peer,
                "local_next_id": next,
                "remote_next_id": peer,
                "local_queued": next,
                "remote_queued": peer,
                "local_window": 1,
                "remote_window": 1,
                "dpd_time": dpd_time,
                "dpd_retry": retry,
                "fragmentation": "no",
                "dynamic_route": "disabled",
                "nat_detected": if s.nat_local || s.nat_remote { "yes" } else { "no" },
                "cts_sgt": "disabled",
                "initiator_of_sa": if s.role == Role::Initiator { "Yes" } else { "No" },
            });
            if let (Some(o), Value::Object(e)) = (row.as_object_mut(), extra) {
                o.extend(e);
            }
        }
        if !child_sa.is_empty() {
            row["child_sa"] = serde_json::to_value(child_sa).unwrap_or_default();
        }
        rows.insert(tunnel_id(s).to_string(), row);
    }
    let mut st = Ikev2Session::default();
    if !rows.is_empty() {
        st.ikev2_session.insert("IPv4", rows);
    }
    st
}

/// Genie `ShowCryptoIkev2Stats`: the counters the text prints.
pub fn ikev2_stats(r: &Router) -> Value {
    let c = v2_counts(r);
    serde_json::json!({
        "ikev2_statistics": {
            "system_resource_limit": 0,
            "max_sa": 0,
            "max_in_nego": c.max_nego,
            "max_out_nego": c.max_nego,
            "total_incoming_sa": c.in_n,
            "total_incoming_sa_active": c.in_up,
            "total_incoming_sa_negotiating": c.in_neg,
            "total_outgoing_sa": c.out_n,
            "total_outgoing_sa_active": c.out_up,
            "total_outgoing_sa_negotiating": c.out_neg,
            "incoming_v2_requests": c.rx,
            "incoming_requests_accept": c.rx - c.rejected,
            "incoming_requests_reject": c.rejected,
            "outgoing_v2_requests": c.tx,
            "outgoing_requests_accept": c.tx - c.resent,
            "outgoing_requests_reject": c.resent,
            "rejected_v2_requests": c.rejected,
            "rejected_requests_rsrclow": 0,
            "rejected_requests_salimit": 0,
            "ikev2_packet_drop": c.dropped,
            "incoming_requests_drop_lowq": 0,
            "incoming_cookie_challenge": {
                "incoming_challenge_requests": c.cookies,
                "incoming_challenge_accept": c.cookies_accepted,
                "incoming_challenge_reject": 0,
                "incoming_challenge_no_cookie": 0
            },
            "deleted_sessions_cert_revoke": 0
        }
    })
}
