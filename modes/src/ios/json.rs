//! `| json` for the IOS shows (see `crate::json`): one typed state per show,
//! built from the engine and the running document, the same data the text
//! renders (`show_sa.rs`, `show_ikev2.rs`, `show_config.rs`, `commands/`)
//! read (the IKEv2 shows' states are in `json_ikev2.rs`). Where Genie has
//! an iosxe parser for the command, the state has exactly Genie's keys and
//! nesting (what `device.parse()` returns for the text of the same show), so automation written for Genie reads `| json`
//! unchanged; `golden/tests/json_genie.rs` compares the two field for field.
//! The other shows have a schema of our own in the same style
//! (`docs/json.md`).

use crate::ios::json_ikev2::{ikev2_sa, ikev2_sa_detail, ikev2_session, ikev2_stats};
use crate::ios::show_ikev2::tunnel_id;
use crate::ios::show_sa::{acl_addr, hms, ios_map_of, iv_size};
use crate::json::value;
use crate::session::{Args, Router, Session};
use edgesh_engine::esp_drops::DropKind;
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::endpoint::{ChildSa, IkeSa};
use edgesh_engine::ike::events::Role;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

/// IOS shows without a JSON form yet (they say so); every other show has
/// one (`crate::json` tests that the two lists cover every show).
pub const NOT_YET: &[&str] = &[];

/// The JSON state of the IOS show declared as `spec`.
pub fn show_json(s: &mut Session, spec: &str, a: &Args) -> Option<Result<Value, String>> {
    let detail = a.has("detail");
    Some(match spec {
        "show crypto isakmp sa [detail]" => {
            crate::ios::commit::sync(&mut s.router());
            let r = s.router();
            if detail { value(&isakmp_sa_detail(&r)) } else { value(&isakmp_sa(&r)) }
        }
        "show crypto ipsec sa [detail]" => {
            crate::ios::commit::sync(&mut s.router());
            value(&ipsec_sa(&s.router(), detail))
        }
        "show crypto session [detail]" => {
            crate::ios::commit::sync(&mut s.router());
            value(&session(&s.router(), detail))
        }
        "show crypto ikev2 sa [detail | detailed]" if !(detail || a.has("detailed")) => {
            crate::ios::commit::sync(&mut s.router());
            value(&ikev2_sa(&s.router()))
        }
        "show crypto ikev2 sa [detail | detailed]" => {
            crate::ios::commit::sync(&mut s.router());
            Ok(ikev2_sa_detail(&s.router()))
        }
        "show version" => value(&version(&s.router())),
        "show crypto ikev2 session [detail | detailed]" => {
            crate::ios::commit::sync(&mut s.router());
            value(&ikev2_session(&s.router(), detail || a.has("detailed")))
        }
        "show crypto ikev2 proposal [WORD]" => {
            Ok(crate::ios::show_ikev2_conf::proposals_json(&s.router().ios_doc, a.get("WORD")))
        }
        "show crypto ikev2 profile [WORD]" => {
            Ok(crate::ios::show_ikev2_conf::profiles_json(&s.router().ios_doc, a.get("WORD")))
        }
        "show crypto ikev2 stats" => {
            crate::ios::commit::sync(&mut s.router());
            Ok(ikev2_stats(&s.router()))
        }
        "show crypto diagnose peer A.B.C.D"
        | "show crypto diagnose map WORD <1-65535>"
        | "show crypto diagnose interface WORD" => crate::ios::diagnose::state(s, a),
        "show ip interface brief" => value(&ip_interface_brief(&s.router())),
        "show object-group [name WORD]" => {
            let doc = s.router().ios_doc.clone();
            Ok(crate::ios::show_acl::object_groups_json(&crate::ios::show_acl::object_groups(&doc, a.get("WORD"))))
        }
        "show ip access-lists [WORD]" | "show access-lists [WORD]" => {
            let doc = s.router().ios_doc.clone();
            Ok(crate::ios::show_acl::json(&crate::ios::show_acl::listings(&doc, a.get("WORD"))))
        }
        "show crypto pki certificates [verbose] [WORD]" => {
            let doc = s.router().ios_doc.clone();
            Ok(crate::ios::show_pki::certificates_json(&crate::ios::pki::chains(&doc), a.get("WORD")))
        }
        "show crypto pki trustpoints [WORD]" => {
            let doc = s.router().ios_doc.clone();
            Ok(crate::ios::show_pki::trustpoints_json(
                &crate::ios::pki::trustpoints(&doc),
                &crate::ios::pki::chains(&doc),
                a.get("WORD"),
            ))
        }
        "show users" | "show sessions" => crate::json::users(s),
        "show crypto isakmp key" => {
            let keys = crate::ios::show_crypto::isakmp_keys(&s.router().ios_doc);
            let mut m: IndexMap<String, IndexMap<String, Value>> = IndexMap::new();
            for k in keys {
                m.entry(k.keyring)
                    .or_default()
                    .insert(k.address, serde_json::json!({ "mask": k.mask, "preshared_key": k.key }));
            }
            value(&serde_json::json!({ "keyring": m }))
        }
        "show crypto ipsec profile" => {
            let ps = crate::ios::show_crypto::ipsec_profiles(&s.router().ios_doc);
            let m: IndexMap<String, Value> = ps
                .into_iter()
                .map(|p| {
                    (
                        p.name,
                        serde_json::json!({
                            "ikev2_profile": p.ikev2_profile,
                            "isakmp_profile": p.isakmp_profile,
                            "sa_lifetime_kilobytes": p.kilobytes,
                            "sa_lifetime_seconds": p.seconds,
                            "responder_only": p.responder_only,
                            "pfs": p.pfs,
                            "transform_set": p.transform_sets.into_iter().collect::<IndexMap<_, _>>(),
                        }),
                    )
                })
                .collect();
            value(&serde_json::json!({ "ipsec_profile": m }))
        }
        "show crypto engine connections active" => {
            crate::ios::commit::sync(&mut s.router());
            let rows = crate::ios::show_crypto::engine_connections(&s.router());
            let m: IndexMap<String, Value> = rows
                .into_iter()
                .map(|c| (c.id.to_string(), serde_json::json!({ "type": c.kind, "algorithm": c.algorithm, "encrypt": c.encrypt, "decrypt": c.decrypt, "last_seq": c.last_seq, "ip_address": c.address })))
                .collect();
            value(&serde_json::json!({ "connection": m }))
        }
        "show interfaces [WORD [WORD:num]]" => {
            crate::ios::commit::sync(&mut s.router());
            // `show interfaces tunnel 18`: the type and the number apart, as the text's handler takes them.
            let joined = match (a.get("WORD"), a.get("num")) {
                (Some(t), Some(n)) => Some(format!("{t}{n}")),
                (w, None) => w.map(str::to_string),
                _ => None,
            };
            let name = joined.as_deref().map(crate::ios::names::interface_name);
            let ifs = crate::ios::show_if::interfaces(&s.router(), name.as_deref()).unwrap_or_default();
            let m: IndexMap<String, Value> = ifs
                .into_iter()
                .map(|i| {
                    (i.name, serde_json::json!({
                        "enabled": !i.shutdown,
                        "description": i.description,
                        "ipv4": i.addresses.iter().map(|(a, l)| format!("{a}/{l}")).collect::<Vec<_>>(),
                        "dhcp": i.dhcp,
                        "mac_address": i.mac,
                        "mtu": i.mtu,
                        "vrf": i.vrf,
                        "tunnel": i.tunnel.map(|t| serde_json::json!({ "source": t.source, "source_interface": t.source_if, "destination": t.destination, "protocol": t.protocol, "protection": t.protection, "vrf": t.vrf })),
                        "counters": { "in_pkts": i.packets_in, "in_octets": i.bytes_in, "out_pkts": i.packets_out, "out_octets": i.bytes_out },
                    }))
                })
                .collect();
            value(&serde_json::json!({ "interface": m }))
        }
        "show ip route [vrf WORD]" => {
            crate::ios::commit::sync(&mut s.router());
            let t = crate::ios::show_if::route_table(&s.router(), a.get("WORD"));
            let m: IndexMap<String, Value> = t
                .routes
                .iter()
                .map(|r| (format!("{}/{}", r.net, r.len), serde_json::json!({ "code": r.code, "distance": r.distance, "next_hop": r.via.map(|v| v.to_string()), "outgoing_interface": r.interface })))
                .collect();
            value(&serde_json::json!({ "vrf": t.vrf.unwrap_or_else(|| "default".into()), "route": m }))
        }
        "show debugging" => {
            let d = s.router().debug.clone();
            value(
                &serde_json::json!({ "crypto_isakmp": d.isakmp, "crypto_ipsec": d.ipsec, "condition_peers": d.peers.iter().map(|p| p.to_string()).collect::<Vec<_>>() }),
            )
        }
        "show logging" => {
            let r = s.router();
            value(
                &serde_json::json!({ "header": crate::logbuf::ios_header(&r), "log": r.log.iter().collect::<Vec<_>>() }),
            )
        }
        "show archive" => value(&archive(&crate::ios::show_archive::state(s))),
        "show crypto ipsec transform-set" => {
            let mut sets = vec![("default".to_string(), "esp-aes esp-sha-hmac".to_string(), true)];
            sets.extend(crate::ios::show_config::transform_sets(&s.router().ios_doc));
            let m: IndexMap<String, Value> = sets
                .into_iter()
                .map(|(n, t, transport)| {
                    (n, serde_json::json!({ "transforms": t, "mode": if transport { "Transport" } else { "Tunnel" } }))
                })
                .collect();
            value(&serde_json::json!({ "transform_set": m }))
        }
        "show running-config" => Ok(config_tree(&s.router().ios_doc)),
        "show startup-config" => {
            Ok(s.router().ios_startup.as_ref().map(config_tree).unwrap_or_else(|| serde_json::json!({})))
        }
        "show running-config interface WORD" => {
            let name = format!("interface {}", crate::ios::names::interface_name(a.get("WORD").unwrap_or_default()));
            let doc = s.router().ios_doc.clone();
            match doc.root.iter().find(|n| n.text == name) {
                Some(n) => Ok(Value::Object(tree(std::slice::from_ref(n)))),
                None => Err(format!("{} does not exist", &name[10..])),
            }
        }
        "show running-config unsupported" => {
            let v: Vec<Value> = s
                .router()
                .ios_doc
                .unsupported_entries()
                .into_iter()
                .map(|(block, line)| serde_json::json!({ "block": block, "line": line }))
                .collect();
            value(&serde_json::json!({ "unsupported": v }))
        }
        "show crypto isakmp policy" => value(&isakmp_policy(&s.router().ios_doc)),
        "show crypto map [tag WORD]" => {
            value(&crypto_map(&crate::ios::show_config::crypto_map_entries(&s.router().ios_doc, a.get("WORD"))))
        }
        "show crypto map interface WORD [WORD:num]" => {
            let name = crate::ios::commands::crypto_map_interface(a).unwrap_or_default();
            value(&crypto_map(&crate::ios::show_config::crypto_map_entries_on(&s.router().ios_doc, &name)))
        }
        "show crypto keys tshark" => {
            crate::ios::commit::sync(&mut s.router());
            value(&crate::engine::tshark_keys(&s.router()))
        }
        "show crypto key mypubkey {rsa | ec} [WORD]" => Ok(crate::ios::pki_keys::mypubkey_json(s, a)),
        "show clock" => {
            value(&serde_json::json!({ "clock": format!("*{}", crate::time::date_time(s.router().now())) }))
        }
        "show privilege" => value(&serde_json::json!({ "privilege_level": s.privilege })),
        _ => return None,
    })
}

// ------------------------------------------------ show crypto isakmp sa

/// Genie `ShowCryptoIsakmpSa`: `isakmp_stats` / `IPv4` / row number.
#[derive(Serialize, Default)]
pub struct IsakmpSa {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    isakmp_stats: IndexMap<&'static str, IndexMap<String, IsakmpRow>>,
}

#[derive(Serialize)]
struct IsakmpRow {
    destination: String,
    source: String,
    session_state: String,
    conn_id: u32,
    status: &'static str,
    /// `deleted` for an SA that failed phase 1 (`ACTIVE (deleted)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    current_status: Option<&'static str>,
}

/// `(dst, src)` as IOS writes them: the initiator's view.
fn dst_src(s: &IkeSa) -> (String, String) {
    let (d, sr) = if s.role == Role::Initiator { (s.remote.ip(), s.local.ip()) } else { (s.local.ip(), s.remote.ip()) };
    (d.to_string(), sr.to_string())
}

pub fn isakmp_sa(r: &Router) -> IsakmpSa {
    // In the text's order: by conn-id, failed SAs (`ACTIVE (deleted)`) among the others.
    let mut all: Vec<IsakmpRow> = r
        .ike()
        .ike_sas()
        .iter()
        .map(|s| {
            let (destination, source) = dst_src(s);
            IsakmpRow {
                destination,
                source,
                session_state: s.state.name().to_string(),
                conn_id: s.conn,
                status: "ACTIVE",
                current_status: None,
            }
        })
        .collect();
    for f in r.engine.failed_p1() {
        let (d, sr) =
            if f.role == Role::Initiator { (f.remote.ip(), f.local.ip()) } else { (f.local.ip(), f.remote.ip()) };
        all.push(IsakmpRow {
            destination: d.to_string(),
            source: sr.to_string(),
            session_state: f.state.name().to_string(),
            conn_id: f.conn,
            status: "ACTIVE",
            current_status: Some("deleted"),
        });
    }
    all.sort_by_key(|x| x.conn_id);
    let mut rows = IndexMap::new();
    for (i, row) in all.into_iter().enumerate() {
        rows.insert((i + 1).to_string(), row);
    }
    let mut st = IsakmpSa::default();
    if !rows.is_empty() {
        st.isakmp_stats.insert("IPv4", rows);
    }
    st
}

/// Genie `ShowCryptoIsakmpSaDetail`.
#[derive(Serialize, Default)]
pub struct IsakmpSaDetail {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    isakmp_stats: IndexMap<&'static str, IndexMap<String, IsakmpDetailRow>>,
}

#[derive(Serialize)]
struct IsakmpDetailRow {
    c_id: u32,
    local_ip: String,
    remote_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ivrf: Option<String>,
    status: &'static str,
    encr_algo: &'static str,
    hash_algo: &'static str,
    auth_type: &'static str,
    dh_group: u16,
    lifetime: String,
    capabilities: String,
    engine_id: &'static str,
    conn_id: u32,
}

/// From the typed rows the text render prints (`show_crypto::isakmp_sa_detail`).
pub fn isakmp_sa_detail(r: &Router) -> IsakmpSaDetail {
    let mut rows = IndexMap::new();
    for (i, s) in crate::ios::show_crypto::isakmp_sa_detail(r).into_iter().enumerate() {
        rows.insert(
            (i + 1).to_string(),
            IsakmpDetailRow {
                c_id: s.conn,
                local_ip: s.local,
                remote_ip: s.remote,
                ivrf: (!s.ivrf.is_empty()).then_some(s.ivrf),
                status: s.status,
                encr_algo: s.encr,
                hash_algo: s.hash,
                auth_type: s.auth,
                dh_group: s.dh,
                lifetime: hms(s.lifetime),
                capabilities: s.caps,
                engine_id: "SW",
                conn_id: s.conn % 1000,
            },
        );
    }
    let mut st = IsakmpSaDetail::default();
    if !rows.is_empty() {
        st.isakmp_stats.insert("IPv4", rows);
    }
    st
}

// ------------------------------------------------ show crypto ipsec sa

/// Genie `ShowCryptoIpsecSa`: `interface` / name / `ident` / number.
#[derive(Serialize, Default)]
pub struct IpsecSa {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    interface: IndexMap<String, IpsecInterface>,
}

#[derive(Serialize)]
struct IpsecInterface {
    crypto_map_tag: String,
    local_addr: String,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    ident: IndexMap<String, IpsecIdent>,
}

#[derive(Serialize)]
struct Ident {
    addr: String,
    mask: String,
    prot: String,
    port: String,
}

fn ident(s: &Selector) -> Ident {
    Ident {
        addr: s.net.network().to_string(),
        mask: s.mask().to_string(),
        prot: s.proto.to_string(),
        port: s.port.to_string(),
    }
}

#[derive(Serialize)]
struct IpsecIdent {
    protected_vrf: &'static str,
    local_ident: Ident,
    remote_ident: Ident,
    peer_ip: String,
    port: u16,
    action: &'static str,
    acl: &'static str,
    pkts_encaps: u64,
    pkts_encrypt: u64,
    pkts_digest: u64,
    pkts_decaps: u64,
    pkts_decrypt: u64,
    pkts_verify: u64,
    pkts_compressed: u64,
    pkts_decompressed: u64,
    pkts_not_compressed: u64,
    pkts_compr_failed: u64,
    pkts_not_decompressed: u64,
    pkts_decompress_failed: u64,
    #[serde(flatten)]
    errors: IpsecErrors,
    local_crypto_endpt: String,
    remote_crypto_endpt: String,
    plaintext_mtu: u32,
    path_mtu: u32,
    ip_mtu: u32,
    ip_mtu_idb: String,
    current_outbound_spi: String,
    pfs: &'static str,
    dh_group: String,
    inbound_esp_sas: SaList,
    inbound_ah_sas: SaList,
    inbound_pcp_sas: SaList,
    outbound_esp_sas: SaList,
    outbound_ah_sas: SaList,
    outbound_pcp_sas: SaList,
}

/// The error counters: two in the brief show, the detail's list otherwise
/// (Genie's detail parse has no keys for the `encaps failed`, `invalid len`
/// and `replay window size` lines, so neither has this).
#[derive(Serialize)]
#[serde(untagged)]
enum IpsecErrors {
    Brief {
        send_errors: u64,
        recv_errors: u64,
    },
    Detail {
        pkts_no_sa_send: u64,
        pkts_invalid_sa_rcv: u64,
        pkts_invalid_prot_recv: u64,
        pkts_verify_failed: u64,
        pkts_invalid_identity_recv: u64,
        pkts_replay_rollover_send: u64,
        pkts_replay_rollover_rcv: u64,
        pkts_replay_failed_rcv: u64,
        pkts_tagged_send: u64,
        pkts_untagged_rcv: u64,
        pkts_not_tagged_send: u64,
        pkts_not_untagged_rcv: u64,
        pkts_internal_err_send: u64,
        pkts_internal_err_recv: u64,
    },
}

#[derive(Serialize, Default)]
struct SaList {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    spi: IndexMap<String, SaEntry>,
}

#[derive(Serialize)]
struct SaEntry {
    transform: String,
    in_use_settings: String,
    conn_id: u32,
    flow_id: &'static str,
    flow_id_val: u32,
    sibling_flags: &'static str,
    crypto_map: String,
    remaining_key_lifetime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    iv_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replay_detection_support: Option<&'static str>,
    status: &'static str,
}

pub fn ipsec_sa(r: &Router, detail: bool) -> IpsecSa {
    let compiled = r.ios_model.clone();
    let now = r.now_ms();
    let conf = r.ike().conf();
    let mut st = IpsecSa::default();
    for p in &conf.peers {
        let iface = compiled.tunnels.get(&p.name).and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone()));
        let (ifname, tag) = ios_map_of(&p.name, iface.as_deref());
        // The text groups peers by (interface, tag); Genie keys by interface.
        let kids: Vec<(usize, Option<&ChildSa>)> = if p.dynamic {
            r.ike().child_sas().iter().filter(|c| c.tunnel == p.name).map(|c| (c.child, Some(c))).collect()
        } else {
            (0..p.children.len())
                .map(|i| {
                    (
                        i,
                        r.ike()
                            .child_sas()
                            .iter()
                            .filter(|c| c.tunnel == p.name && c.child == i)
                            .max_by_key(|c| c.created),
                    )
                })
                .collect()
        };
        let entry = st.interface.entry(ifname.clone()).or_insert_with(|| IpsecInterface {
            crypto_map_tag: tag.clone(),
            local_addr: p.local.to_string(),
            ident: IndexMap::new(),
        });
        for (ci, sa) in kids {
            let cc = &p.children[ci];
            let peer = sa.map(|s| s.remote).unwrap_or_else(|| {
                std::net::SocketAddrV4::new(p.remote.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED), 500)
            });
            let (lts, rts) = sa.map(|s| (s.local_ts, s.remote_ts)).unwrap_or((cc.local_ts, cc.remote_ts));
            let (pin, pout) = sa.map(|s| (s.packets_in, s.packets_out)).unwrap_or((0, 0));
            let authed = sa.is_some_and(|s| s.ah.is_some() || s.esp.is_some_and(|(e, a)| a.is_some() || e.is_aead()));
            let (din, dout) = if authed { (pin, pout) } else { (0, 0) };
            let dr = sa.map(|s| r.engine.esp_drops(s.spi_in)).unwrap_or_default();
            let errors = if detail {
                IpsecErrors::Detail {
                    pkts_no_sa_send: 0,
                    pkts_invalid_sa_rcv: dr.get(DropKind::UnknownSpi),
                    pkts_invalid_prot_recv: dr.get(DropKind::TransportMode),
                    pkts_verify_failed: dr.get(DropKind::BadIcv) + dr.get(DropKind::AuthAlgorithm),
                    pkts_invalid_identity_recv: dr.get(DropKind::Selector),
                    pkts_replay_rollover_send: 0,
                    pkts_replay_rollover_rcv: 0,
                    pkts_replay_failed_rcv: dr.get(DropKind::Replay) + dr.get(DropKind::Late),
                    pkts_tagged_send: 0,
                    pkts_untagged_rcv: 0,
                    pkts_not_tagged_send: 0,
                    pkts_not_untagged_rcv: 0,
                    pkts_internal_err_send: 0,
                    pkts_internal_err_recv: 0,
                }
            } else {
                IpsecErrors::Brief { send_errors: 0, recv_errors: dr.total() }
            };
            let overhead = if sa.is_some() { 62 } else { 0 };
            let spo = sa.map(|s| s.spi_out).unwrap_or(0);
            let mut lists: [SaList; 4] = Default::default();
            for (di, inbound) in [true, false].into_iter().enumerate() {
                let Some(s) = sa else { continue };
                let (spi, conn) = if inbound { (s.spi_in, s.id) } else { (s.spi_out, s.id + 1) };
                let remaining = format!(
                    "({}/{})",
                    s.remaining_kbytes().unwrap_or(super::defaults::IPSEC_SA_KILOBYTES),
                    s.remaining_seconds(now)
                );
                if s.esp.is_some() {
                    lists[di * 2].spi.insert(
                        format!("0x{spi:X}({spi})"),
                        SaEntry {
                            transform: crate::ios::events::ios_transform(s.esp, None),
                            in_use_settings: format!("{}, ", if s.encap { "Tunnel UDP-Encaps" } else { "Tunnel" }),
                            conn_id: conn,
                            flow_id: "SW",
                            flow_id_val: conn % 1000,
                            sibling_flags: "80000040",
                            crypto_map: tag.clone(),
                            remaining_key_lifetime: remaining.clone(),
                            iv_size: Some(format!("{} bytes", iv_size(s.esp))),
                            replay_detection_support: (!detail).then_some("Y"),
                            status: "ACTIVE(ACTIVE)",
                        },
                    );
                }
                if s.ah.is_some() {
                    lists[di * 2 + 1].spi.insert(
                        format!("0x{spi:X}({spi})"),
                        SaEntry {
                            transform: crate::ios::events::ios_transform(None, s.ah),
                            in_use_settings: "Tunnel, ".into(),
                            conn_id: conn,
                            flow_id: "SW",
                            flow_id_val: conn % 1000,
                            sibling_flags: "80000040",
                            crypto_map: tag.clone(),
                            remaining_key_lifetime: remaining,
                            iv_size: None,
                            replay_detection_support: Some("Y"),
                            status: "ACTIVE(ACTIVE)",
                        },
                    );
                }
            }
            let [in_esp, in_ah, out_esp, out_ah] = lists;
            let n = entry.ident.len() + 1;
            entry.ident.insert(
                n.to_string(),
                IpsecIdent {
                    protected_vrf: "(none)",
                    local_ident: ident(&lts),
                    remote_ident: ident(&rts),
                    peer_ip: peer.ip().to_string(),
                    port: peer.port(),
                    action: "PERMIT",
                    acl: "origin_is_acl,",
                    pkts_encaps: pout,
                    pkts_encrypt: pout,
                    pkts_digest: dout,
                    pkts_decaps: pin,
                    pkts_decrypt: pin,
                    pkts_verify: din,
                    pkts_compressed: 0,
                    pkts_decompressed: 0,
                    pkts_not_compressed: 0,
                    pkts_compr_failed: 0,
                    pkts_not_decompressed: 0,
                    pkts_decompress_failed: 0,
                    errors,
                    local_crypto_endpt: p.local.to_string(),
                    remote_crypto_endpt: peer.ip().to_string(),
                    plaintext_mtu: 1500 - overhead,
                    path_mtu: 1500,
                    ip_mtu: 1500,
                    ip_mtu_idb: ifname.clone(),
                    current_outbound_spi: format!("0x{spo:X}({spo})"),
                    pfs: if cc.pfs.is_some() { "Y" } else { "N" },
                    dh_group: cc.pfs.map(|g| format!("group{g}")).unwrap_or_else(|| "none".into()),
                    inbound_esp_sas: in_esp,
                    inbound_ah_sas: in_ah,
                    inbound_pcp_sas: SaList::default(),
                    outbound_esp_sas: out_esp,
                    outbound_ah_sas: out_ah,
                    outbound_pcp_sas: SaList::default(),
                },
            );
        }
    }
    st
}

// ------------------------------------------------ show crypto session

/// Genie `ShowCryptoSession[Detail]`: `interface` / name / `peer` / address / `port` / port.
#[derive(Serialize, Default)]
pub struct CryptoSession {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    interface: IndexMap<String, SessionInterface>,
}

#[derive(Serialize, Default)]
struct SessionInterface {
    #[serde(skip_serializing_if = "Option::is_none")]
    uptime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    session_status: &'static str,
    peer: IndexMap<String, SessionPeer>,
}

#[derive(Serialize, Default)]
struct SessionPeer {
    port: IndexMap<String, SessionPort>,
}

#[derive(Serialize, Default)]
struct SessionPort {
    #[serde(skip_serializing_if = "Option::is_none")]
    fvrf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ivrf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phase1_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<&'static str>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    ike_sa: IndexMap<String, SessionIkeSa>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    ipsec_flow: IndexMap<String, SessionFlow>,
}

#[derive(Serialize)]
struct SessionIkeSa {
    local: String,
    local_port: String,
    version: &'static str,
    session_id: String,
    remote: String,
    remote_port: String,
    sa_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conn_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capabilities: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime: Option<String>,
}

#[derive(Serialize)]
struct SessionFlow {
    active_sas: usize,
    origin: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    counts: Option<FlowCounts>,
}

#[derive(Serialize)]
struct FlowCounts {
    inbound_pkts_decrypted: u64,
    inbound_pkts_drop: u64,
    inbound_life_kb: String,
    inbound_life_secs: String,
    outbound_pkts_encrypted: u64,
    outbound_pkts_drop: u64,
    outbound_life_kb: String,
    outbound_life_secs: String,
}

/// `(none)` as Genie reads it: the word inside the parentheses.
fn unparen(s: &str) -> String {
    s.strip_prefix('(').and_then(|x| x.strip_suffix(')')).unwrap_or(s).to_string()
}

pub fn session(r: &Router, detail: bool) -> CryptoSession {
    let compiled = r.ios_model.clone();
    let now = r.now_ms();
    let mut st = CryptoSession::default();
    for p in &r.ike().conf().peers {
        let iface = compiled
            .tunnels
            .get(&p.name)
            .and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone()))
            .unwrap_or_else(|| "(none)".into());
        let ike: Vec<&IkeSa> = r.ike().ike_sas().iter().filter(|s| s.tunnel == p.name).collect();
        let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| c.tunnel == p.name).collect();
        let (v2_up, v2_since, v2_port) = crate::ios::show_ikev2::established(r, &p.name);
        let up = ike.iter().any(|s| s.is_established()) || v2_up;
        // Crypto-map entries to one peer are one session: its status is the group's (as the text's).
        let group = crate::ios::show_sa::session_groups(r).into_iter().find(|g| g.2.iter().any(|x| x.name == p.name));
        let status = match &group {
            Some((_, _, ts)) if ts.len() > 1 => {
                let gike =
                    r.ike().ike_sas().iter().filter(|s| ts.iter().any(|x| x.name == s.tunnel)).collect::<Vec<_>>();
                let gup = gike.iter().any(|s| s.is_established())
                    || ts.iter().any(|x| crate::ios::show_ikev2::established(r, &x.name).0);
                let gkids = r.ike().child_sas().iter().any(|c| ts.iter().any(|x| x.name == c.tunnel));
                crate::ios::show_sa::session_status(gup, !gkids, gike.is_empty())
            }
            _ => crate::ios::show_sa::session_status(up, kids.is_empty(), ike.is_empty()),
        };
        let port =
            ike.first().map(|s| s.remote.port()).or(v2_port).or(kids.first().map(|c| c.remote.port())).unwrap_or(500);
        let peer =
            p.remote.or(ike.first().map(|s| *s.remote.ip())).map(|a| a.to_string()).unwrap_or_else(|| "0.0.0.0".into());
        let ie = st.interface.entry(iface).or_default();
        if detail {
            if let Some(t) = ike.iter().filter_map(|s| s.established).chain(v2_since).min() {
                ie.uptime = Some(hms(now.saturating_sub(t) / 1000));
            }
            ie.profile = crate::ios::show_sa::session_profile(&r.ios_doc, &p.name);
        }
        ie.session_status = status;
        let pe = ie.peer.entry(peer).or_default().port.entry(port.to_string()).or_default();
        if detail {
            let (fvrf, ivrf) = crate::ios::show_ikev2::session_vrfs(r, &p.name);
            pe.fvrf = Some(unparen(&fvrf));
            pe.ivrf = Some(unparen(&ivrf));
            let id = ike
                .iter()
                .find_map(|s| s.peer_id.as_ref())
                .map(crate::ios::show_ikev2::v1_id_text)
                .or_else(|| crate::ios::show_ikev2::phase1_id(r, &p.name))
                .unwrap_or_else(|| "(none)".into());
            pe.phase1_id = Some(id);
            pe.desc = Some("none");
        }
        for s in &ike {
            let caps =
                format!("{}{}", if s.peer_dpd { "D" } else { "" }, if s.nat_local || s.nat_remote { "N" } else { "" });
            let n = pe.ike_sa.len() + 1;
            pe.ike_sa.insert(
                n.to_string(),
                SessionIkeSa {
                    local: s.local.ip().to_string(),
                    local_port: s.local.port().to_string(),
                    version: "IKEv1",
                    session_id: "0".into(),
                    remote: s.remote.ip().to_string(),
                    remote_port: s.remote.port().to_string(),
                    sa_status: if s.is_established() { "Active" } else { "Inactive" },
                    conn_id: detail.then(|| s.conn.to_string()),
                    capabilities: detail.then(|| if caps.is_empty() { "none".to_string() } else { caps }),
                    lifetime: detail.then(|| hms(s.expires().saturating_sub(now) / 1000)),
                },
            );
        }
        for s in r.ike().v2().sas().iter().filter(|s| s.tunnel == p.name) {
            let caps = crate::ios::show_ikev2::caps(r, s);
            let n = pe.ike_sa.len() + 1;
            pe.ike_sa.insert(
                n.to_string(),
                SessionIkeSa {
                    local: s.local.ip().to_string(),
                    local_port: s.local.port().to_string(),
                    version: "IKEv2",
                    session_id: tunnel_id(s).to_string(),
                    remote: s.remote.ip().to_string(),
                    remote_port: s.remote.port().to_string(),
                    sa_status: if s.is_established() { "Active" } else { "Inactive" },
                    conn_id: detail.then(|| tunnel_id(s).to_string()),
                    capabilities: detail.then(|| if caps.is_empty() { "none".to_string() } else { caps }),
                    lifetime: detail.then(|| hms(s.expires().saturating_sub(now) / 1000)),
                },
            );
        }
        let flows: Vec<(usize, Selector, Selector)> = if p.dynamic {
            kids.iter().map(|c| (c.child, c.local_ts, c.remote_ts)).collect()
        } else {
            p.children.iter().enumerate().map(|(i, c)| (i, c.local_ts, c.remote_ts)).collect()
        };
        for (ci, lts, rts) in flows {
            let n = kids
                .iter()
                .filter(|c| c.child == ci && (!p.dynamic || (c.local_ts == lts && c.remote_ts == rts)))
                .count()
                * 2;
            let proto = if lts.proto == 0 { "ip".to_string() } else { lts.proto.to_string() };
            let counts = detail.then(|| {
                let newest = kids.iter().filter(|c| c.child == ci).max_by_key(|c| c.created);
                let life = newest
                    .map(|c| {
                        (c.remaining_kbytes().unwrap_or(super::defaults::IPSEC_SA_KILOBYTES), c.remaining_seconds(now))
                    })
                    .unwrap_or((0, 0));
                let (pin, pout) = newest.map(|c| (c.packets_in, c.packets_out)).unwrap_or((0, 0));
                let drops = newest.map(|c| r.engine.esp_drops(c.spi_in).total()).unwrap_or(0);
                FlowCounts {
                    inbound_pkts_decrypted: pin,
                    inbound_pkts_drop: drops,
                    inbound_life_kb: life.0.to_string(),
                    inbound_life_secs: life.1.to_string(),
                    outbound_pkts_encrypted: pout,
                    outbound_pkts_drop: 0,
                    outbound_life_kb: life.0.to_string(),
                    outbound_life_secs: life.1.to_string(),
                }
            });
            pe.ipsec_flow.insert(
                format!("permit {proto} {} {}", acl_addr(&lts), acl_addr(&rts)),
                SessionFlow { active_sas: n, origin: "crypto map", counts },
            );
        }
    }
    st
}

/// Genie `ShowArchive`: `archive` / number, the most recent file, the counts.
fn archive(st: &crate::ios::show_archive::ArchiveState) -> Value {
    use crate::ios::show_archive::ArchiveState;
    match st {
        ArchiveState::NotEnabled => serde_json::json!({ "archive": { "error": "Archive feature not enabled" } }),
        ArchiveState::Files { maximum, files, .. } => {
            let mut m = serde_json::Map::new();
            m.insert("max_archive_configurations".into(), (*maximum).into());
            m.insert("total".into(), files.len().into());
            for (i, f) in files.iter().enumerate() {
                m.insert((i + 1).to_string(), serde_json::json!({ "file": f }));
            }
            if let Some(f) = files.last() {
                m.insert("most_recent_file".into(), f.clone().into());
            }
            serde_json::json!({ "archive": m })
        }
    }
}

// ------------------------------------------------ show version, show ip interface brief

/// Genie `ShowVersion` (the keys its parse of edgesh's text gives).
#[derive(Serialize)]
pub struct Version {
    version: VersionInner,
}

#[derive(Serialize)]
struct VersionInner {
    version_short: String,
    os: &'static str,
    platform: &'static str,
    version: String,
    image_id: &'static str,
    label: &'static str,
    hostname: String,
    uptime: String,
    #[serde(rename = "curr_config_register")]
    config_register: &'static str,
}

pub fn version(r: &Router) -> Version {
    let v = env!("CARGO_PKG_VERSION");
    let up = r.now().saturating_sub(r.boot_time);
    Version {
        version: VersionInner {
            version_short: v.rsplit_once('.').map(|x| x.0).unwrap_or(v).to_string(),
            os: "IOS",
            platform: "edgesh",
            version: v.to_string(),
            image_id: "edgesh-IOS-DIALECT",
            label: "RELEASE SOFTWARE",
            hostname: r.ios_doc.hostname.clone(),
            uptime: format!("{} minutes", up / 60),
            config_register: "0x2102",
        },
    }
}

/// Genie `ShowIpInterfaceBrief`: `interface` / name.
#[derive(Serialize, Default)]
pub struct IpInterfaceBrief {
    interface: IndexMap<String, BriefRow>,
}

#[derive(Serialize)]
struct BriefRow {
    ip_address: String,
    interface_is_ok: &'static str,
    method: String,
    status: String,
    protocol: String,
}

pub fn ip_interface_brief(r: &Router) -> IpInterfaceBrief {
    let mut st = IpInterfaceBrief::default();
    for row in crate::ios::show_config::ip_interface_rows(&r.ios_doc, &crate::ios::show_if::link_states(r)) {
        st.interface.insert(
            row.name,
            BriefRow {
                ip_address: row.address,
                interface_is_ok: "YES",
                method: row.method.to_string(),
                status: row.status.to_string(),
                protocol: row.protocol.to_string(),
            },
        );
    }
    st
}

// ------------------------------------------------ configuration listings

/// A configuration as the tree Genie's `Config(text).tree()` (what
/// `device.learn('config')` gives) makes of its text: each line a key, the
/// lines under it its object; `!` separators, the `Building configuration`
/// header and `end` are not configuration. A banner's text lines are the
/// objects under its `banner` line (Genie, reading the text, files them at
/// the top level).
pub fn config_tree(doc: &crate::ios::doc::IosDoc) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(format!("hostname {}", doc.hostname), Value::Object(serde_json::Map::new()));
    m.extend(tree(&doc.root));
    Value::Object(m)
}

fn tree(nodes: &[crate::ios::doc::Node]) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for n in nodes {
        let mut lines = n.text.split('\n');
        let head = lines.next().unwrap_or_default().to_string();
        let mut sub = serde_json::Map::new();
        for l in lines {
            sub.insert(l.to_string(), Value::Object(serde_json::Map::new()));
        }
        sub.extend(tree(&n.children));
        // The same line twice in a block: one key, the lines under both.
        match m.get_mut(&head) {
            Some(Value::Object(old)) => old.extend(sub),
            _ => {
                m.insert(head, Value::Object(sub));
            }
        }
    }
    m
}

/// `show crypto isakmp policy`: the keys of Genie's
/// `ShowCryptoIsakmpDefaultPolicy` (Genie has no parser for this command):
/// `policies` / priority (`default` for the default suite) / the five
/// values as the text words them.
#[derive(Serialize)]
pub struct IsakmpPolicy {
    policies: IndexMap<String, PolicySuite>,
}

#[derive(Serialize)]
struct PolicySuite {
    encryption_algorithm: String,
    hash_algorithm: String,
    authentication_method: String,
    diffie_hellman_group: String,
    lifetime: String,
}

pub fn isakmp_policy(doc: &crate::ios::doc::IosDoc) -> IsakmpPolicy {
    let policies = crate::ios::show_config::isakmp_suites(doc)
        .into_iter()
        .map(|x| {
            let key = x.priority.map(|p| p.to_string()).unwrap_or_else(|| "default".into());
            (
                key,
                PolicySuite {
                    encryption_algorithm: x.encryption,
                    hash_algorithm: x.hash,
                    authentication_method: x.authentication,
                    diffie_hellman_group: x.group,
                    lifetime: format!("{} seconds, no volume limit", x.lifetime),
                },
            )
        })
        .collect();
    IsakmpPolicy { policies }
}

/// Genie `ShowCryptoMap`: `ipv4` / `crypto_map_tag` / the tag lower-cased
/// (as Genie keys it) / the entry. Genie's schema holds one entry per tag;
/// the entries after a tag's first are under `TAG SEQ` (Genie, reading the
/// text, merges them into one). `access_list_ss_dynamic` and `dualstack`
/// (IOS-XE lines the IOS 15 text has not) are what they are on edgesh:
/// no site-to-site dynamic ACL, IPv4 only.
#[derive(Serialize, Default)]
pub struct CryptoMap {
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    ipv4: IndexMap<&'static str, IndexMap<String, MapEntryState>>,
}

#[derive(Serialize)]
struct MapEntryState {
    sequence_number: u32,
    ipsec: String,
    peer: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ikev2_profile: Option<String>,
    access_list_ss_dynamic: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_ip_access_list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_peer: Option<String>,
    security_association_lifetime: SaLifetime,
    dualstack: bool,
    responder_only: bool,
    pfs: bool,
    mixed_mode: &'static str,
    transform_sets: IndexMap<String, Vec<String>>,
    interfaces_crypto_map: MapInterfaces,
}

#[derive(Serialize)]
struct SaLifetime {
    kilobytes: u64,
    seconds: u64,
}

#[derive(Serialize)]
struct MapInterfaces {
    crypto_map_tag: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    interfaces: Vec<String>,
}

pub fn crypto_map(entries: &[crate::ios::show_config::MapEntry]) -> CryptoMap {
    let mut tags: IndexMap<String, MapEntryState> = IndexMap::new();
    for e in entries {
        let tag = e.map.to_lowercase();
        let key = if tags.contains_key(&tag) { format!("{tag} {}", e.seq) } else { tag };
        tags.insert(
            key,
            MapEntryState {
                sequence_number: e.seq,
                ipsec: e.kind.clone(),
                peer: e.peers.clone(),
                ikev2_profile: e.ikev2_profile.clone(),
                access_list_ss_dynamic: "False",
                extended_ip_access_list: e.acl.clone(),
                current_peer: e.peers.first().cloned(),
                security_association_lifetime: SaLifetime {
                    kilobytes: e.kilobytes,
                    seconds: e.seconds.parse().unwrap_or(0),
                },
                dualstack: false,
                responder_only: false,
                pfs: e.pfs.is_some(),
                mixed_mode: "Disabled",
                transform_sets: e
                    .transform_sets
                    .iter()
                    .map(|(n, t)| (n.to_lowercase(), t.split_whitespace().map(str::to_string).collect()))
                    .collect(),
                interfaces_crypto_map: MapInterfaces {
                    crypto_map_tag: e.map.clone(),
                    interfaces: e.interfaces.clone(),
                },
            },
        );
    }
    let mut m = CryptoMap::default();
    if !tags.is_empty() {
        m.ipv4.insert("crypto_map_tag", tags);
    }
    m
}
