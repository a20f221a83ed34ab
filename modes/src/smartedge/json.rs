//! `| json` for the SmartEdge shows (see `crate::json`): a schema of our
//! own in the style of Genie's (lower-case keys with underscores, objects
//! keyed by name), each state built from the configuration and the engine,
//! the same data `show.rs` and `show_sa.rs` render; documented with an
//! example each in `docs/json.md`. Keys never appear: a pre-shared or
//! manual key is `"configured"`.

use crate::json::value;
use crate::session::{Args, Router, Session};
use edgesh_engine::Config;
use edgesh_engine::config::{Tunnel, TunnelEntry};
use edgesh_engine::ike::events::Role;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

/// The JSON state of the SmartEdge show declared as `spec`.
pub fn show_json(s: &mut Session, spec: &str, a: &Args) -> Option<Result<Value, String>> {
    Some(match spec {
        "show tunnel ipsec [name NAME | remote A.B.C.D] [detail | on-demand]" => tunnels(s, a),
        "show ike [card SLOT/PORT] {policy | proposal} [NAME]" => ike_config(s, a),
        "show ipsec [card SLOT/PORT] {access-list | policy | profile | proposal | security-association} [NAME]" => ipsec_config(s, a),
        "show version" => {
            let r = s.router();
            value(&serde_json::json!({
                "version": {
                    "os": "SmartEdge OS dialect",
                    "version": format!("edgesh-{}-Release", env!("CARGO_PKG_VERSION")),
                    "uptime_seconds": r.now().saturating_sub(r.boot_time),
                    "uptime": super::show::uptime(r.now().saturating_sub(r.boot_time)),
                }
            }))
        }
        "show clock" => value(&serde_json::json!({ "clock": crate::time::date_time(s.router().now()), "epoch_seconds": s.router().now() })),
        "show history" => value(&serde_json::json!({ "history": s.history.iter().enumerate().map(|(i, h)| ((i + 1).to_string(), h.clone())).collect::<IndexMap<_, _>>() })),
        "show log" => value(&serde_json::json!({ "log": s.router().log.iter().collect::<Vec<_>>() })),
        "show configuration commits" => {
            let r = s.router();
            let commits: IndexMap<String, Value> = r
                .history
                .iter()
                .rev()
                .map(|c| {
                    let (added, deleted) = c.line_counts();
                    (c.id.to_string(), serde_json::json!({ "time": crate::time::date_time(c.time), "user": c.user, "lines_added": added, "lines_deleted": deleted, "comment": c.comment }))
                })
                .collect();
            let pending = r.pending_confirm.as_ref().map(|p| serde_json::json!({ "commit_id": p.commit_id, "rollback_at": crate::time::date_time(p.deadline) }));
            value(&serde_json::json!({ "commits": commits, "unconfirmed": pending }))
        }
        _ => return None,
    })
}

/// `show tunnel ipsec ...`: `tunnels` / name.
#[derive(Serialize)]
pub struct Tunnels {
    tunnels: IndexMap<String, TunnelState>,
    total: usize,
    up: usize,
    down: usize,
}

#[derive(Serialize)]
struct TunnelState {
    #[serde(rename = "type")]
    kind: &'static str,
    context: String,
    local: Option<String>,
    remote: Option<String>,
    remote_id: Option<String>,
    state: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    down_reasons: Vec<String>,
    ike_policy: Option<String>,
    bound_to: Option<String>,
    entries: IndexMap<String, String>,
    ike_sas_up: usize,
    ipsec_sa_pairs: usize,
    ike_sa: IndexMap<String, IkeSaState>,
    ipsec_sa: IndexMap<String, IpsecSaState>,
}

#[derive(Serialize)]
struct IkeSaState {
    version: &'static str,
    state: String,
    role: &'static str,
    local: String,
    remote: String,
    nat_traversal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    remaining_seconds: Option<u64>,
}

#[derive(Serialize)]
struct IpsecSaState {
    policy: String,
    proposal: String,
    inbound_spi: String,
    outbound_spi: String,
    pfs_group: Option<u16>,
    remaining_seconds: u64,
    remaining_kilobytes: Option<u64>,
    packets_in: u64,
    packets_out: u64,
    bytes_in: u64,
    bytes_out: u64,
    local_selector: String,
    remote_selector: String,
    udp_encapsulation: bool,
}

fn sel(s: &edgesh_engine::ike::conf::Selector) -> String {
    format!("{}/{}", s.net.network(), s.net.len)
}

fn tunnel_state(r: &Router, cfg: &Config, problems: &[edgesh_engine::validate::Problem], sas: &super::show::TunnelSas, n: &str, t: &Tunnel) -> TunnelState {
    let now = r.now_ms();
    let (state, down_reasons) = super::show::live_state(cfg, problems, sas, n, t);
    let (ike_up, pairs) = super::show_sa::tunnel_counts(r, n);
    let mut ike_sa = IndexMap::new();
    for s in r.ike().ike_sas().iter().filter(|s| s.tunnel == n) {
        ike_sa.insert(
            s.conn.to_string(),
            IkeSaState {
                version: "IKEv1",
                state: s.state.to_string(),
                role: if s.role == Role::Initiator { "initiator" } else { "responder" },
                local: s.local.to_string(),
                remote: s.remote.to_string(),
                nat_traversal: s.nat_local || s.nat_remote,
                remaining_seconds: s.is_established().then(|| s.expires().saturating_sub(now) / 1000),
            },
        );
    }
    for s in r.ike().v2().sas().iter().filter(|s| s.tunnel == n) {
        ike_sa.insert(
            s.conn.to_string(),
            IkeSaState {
                version: "IKEv2",
                state: s.state.name().to_string(),
                role: if s.role == Role::Initiator { "initiator" } else { "responder" },
                local: s.local.to_string(),
                remote: s.remote.to_string(),
                nat_traversal: s.nat_local || s.nat_remote,
                remaining_seconds: s.is_established().then(|| s.expires().saturating_sub(now) / 1000),
            },
        );
    }
    let mut ipsec_sa = IndexMap::new();
    for c in r.ike().child_sas().iter().filter(|c| c.tunnel == n) {
        ipsec_sa.insert(
            c.id.to_string(),
            IpsecSaState {
                policy: c.policy.clone(),
                proposal: c.proposal.clone(),
                inbound_spi: format!("0x{:08x}", c.spi_in),
                outbound_spi: format!("0x{:08x}", c.spi_out),
                pfs_group: c.pfs,
                remaining_seconds: c.remaining_seconds(now),
                remaining_kilobytes: c.remaining_kbytes(),
                packets_in: c.packets_in,
                packets_out: c.packets_out,
                bytes_in: c.bytes_in,
                bytes_out: c.bytes_out,
                local_selector: sel(&c.local_ts),
                remote_selector: sel(&c.remote_ts),
                udp_encapsulation: c.encap,
            },
        );
    }
    TunnelState {
        kind: t.kind.word(),
        context: t.ike_context().to_string(),
        local: t.local.map(|a| a.to_string()),
        remote: t.remote.map(|a| a.to_string()),
        remote_id: t.remote_id.as_ref().map(|i| i.to_string()),
        state,
        down_reasons,
        ike_policy: t.ike_policy.clone(),
        bound_to: t.bind_interface.as_ref().map(|(i, c)| format!("{i} (context {})", c.as_deref().unwrap_or(t.ike_context()))),
        entries: t
            .entries
            .iter()
            .map(|(seq, e)| {
                let v = match e {
                    TunnelEntry::Policy(p) => format!("ipsec-policy {}{}", p.policy, p.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()),
                    TunnelEntry::ManualSa { sa, access_group } => format!("security-association {sa}{}", access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()),
                };
                (seq.to_string(), v)
            })
            .collect(),
        ike_sas_up: ike_up,
        ipsec_sa_pairs: pairs,
        ike_sa,
        ipsec_sa,
    }
}

fn tunnels(s: &mut Session, a: &Args) -> Result<Value, String> {
    let mut cfg = (*s.view()).clone();
    if a.has("on-demand") {
        cfg.tunnels.retain(|_, t| t.kind == edgesh_engine::config::TunnelKind::OnDemand);
    }
    let name = a.get("NAME");
    let remote: Option<std::net::Ipv4Addr> = a.get("A.B.C.D").and_then(|r| r.parse().ok());
    let problems = edgesh_engine::validate::validate(&cfg);
    let r = s.router();
    let sas: super::show::TunnelSas = cfg
        .tunnels
        .keys()
        .map(|n| {
            let (ike, ipsec) = super::show_sa::tunnel_counts(&r, n);
            (n.clone(), (ike, ipsec, Vec::new()))
        })
        .collect();
    let mut out = Tunnels { tunnels: IndexMap::new(), total: 0, up: 0, down: 0 };
    for (n, t) in cfg.tunnels.iter().filter(|(n, _)| name.is_none_or(|x| x == n.as_str())).filter(|(_, t)| remote.is_none_or(|x| t.remote == Some(x))) {
        let st = tunnel_state(&r, &cfg, &problems, &sas, n, t);
        out.total += 1;
        if st.ipsec_sa_pairs > 0 {
            out.up += 1;
        }
        out.tunnels.insert(n.clone(), st);
    }
    out.down = out.total - out.up;
    value(&out)
}

/// A configuration object as JSON, its keys replaced by `"configured"`.
fn masked<S: Serialize>(x: &S, secret_fields: &[&str]) -> Result<Value, String> {
    let mut v = value(x)?;
    if let Value::Object(m) = &mut v {
        for f in secret_fields {
            if let Some(x) = m.get_mut(*f) {
                if !x.is_null() {
                    *x = Value::String("configured".into());
                }
            }
        }
    }
    Ok(v)
}

fn pick<T: Serialize>(kind: &str, map: impl Iterator<Item = (String, T)>, name: Option<&str>, secrets: &[&str]) -> Result<Value, String> {
    let mut out = serde_json::Map::new();
    for (n, x) in map {
        if name.is_none_or(|w| w == n) {
            out.insert(n, masked(&x, secrets)?);
        }
    }
    if let Some(n) = name {
        if out.is_empty() {
            return Err(format!("{kind} {n} not found"));
        }
    }
    Ok(Value::Object(out))
}

fn ike_config(s: &mut Session, a: &Args) -> Result<Value, String> {
    let cfg = s.view();
    let name = a.get("NAME");
    if a.has("policy") {
        let ctx = s.exec_context.clone();
        let c = cfg.contexts.get(&ctx).ok_or_else(|| format!("Context {ctx} not found"))?;
        let v = pick("IKE policy", c.ike_policies.iter().map(|(n, p)| (n.clone(), p)), name, &["pre_shared_key"])?;
        Ok(serde_json::json!({ "context": ctx, "ike_policy": v }))
    } else {
        let v = pick("IKE proposal", cfg.ike_proposals.iter().map(|(n, p)| (n.clone(), p)), name, &[])?;
        Ok(serde_json::json!({ "ike_proposal": v }))
    }
}

fn ipsec_config(s: &mut Session, a: &Args) -> Result<Value, String> {
    let cfg = s.view();
    let name = a.get("NAME");
    let ctx = s.exec_context.clone();
    let c = cfg.contexts.get(&ctx);
    if a.has("access-list") {
        let c = c.ok_or_else(|| format!("Context {ctx} not found"))?;
        Ok(serde_json::json!({ "context": ctx, "ipsec_access_list": pick("IPsec access list", c.ipsec_acls.iter().map(|(n, p)| (n.clone(), p)), name, &[])? }))
    } else if a.has("profile") {
        let c = c.ok_or_else(|| format!("Context {ctx} not found"))?;
        Ok(serde_json::json!({ "context": ctx, "ipsec_profile": pick("IPsec profile", c.ipsec_profiles.iter().map(|(n, p)| (n.clone(), p)), name, &[])? }))
    } else if a.has("proposal") {
        Ok(serde_json::json!({ "ipsec_proposal": pick("IPsec proposal", cfg.ipsec_proposals.iter().map(|(n, p)| (n.clone(), p)), name, &[])? }))
    } else if a.has("security-association") {
        // Manual SAs: SPIs and algorithms, never their keys.
        let sas = cfg.ipsec_sas.iter().map(|(n, sa)| {
            let dirs: IndexMap<String, Value> = sa
                .dirs
                .iter()
                .map(|(d, k)| {
                    let d = serde_json::to_value(d).ok().and_then(|v| v.as_str().map(str::to_lowercase)).unwrap_or_default();
                    (d, serde_json::json!({
                        "esp_spi": k.esp_spi,
                        "esp_encryption": k.esp_encr.as_ref().map(|e| e.0),
                        "esp_authentication": k.esp_auth.as_ref().map(|e| e.0),
                        "ah_spi": k.ah_spi,
                        "ah_authentication": k.ah.as_ref().map(|e| e.0),
                    }))
                })
                .collect();
            (n.clone(), serde_json::json!({ "description": sa.description, "anti_replay_window": sa.anti_replay_window, "ip_comp": sa.ip_comp, "direction": dirs }))
        });
        Ok(serde_json::json!({ "ipsec_security_association": pick("IPsec SA", sas, name, &[])? }))
    } else {
        Ok(serde_json::json!({ "ipsec_policy": pick("IPsec policy", cfg.ipsec_policies.iter().map(|(n, p)| (n.clone(), p)), name, &[])? }))
    }
}
