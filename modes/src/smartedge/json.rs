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

/// SmartEdge shows without a JSON form yet (they say so); every other show
/// has one (`crate::json` tests that the two lists cover every show).
pub const NOT_YET: &[&str] = &[];

/// The JSON state of the SmartEdge show declared as `spec`.
pub fn show_json(s: &mut Session, spec: &str, a: &Args) -> Option<Result<Value, String>> {
    Some(match spec {
        "show tunnel ipsec [name NAME | remote A.B.C.D] [detail | on-demand]" => tunnels(s, a),
        "show ike [card SLOT/PORT] {policy | proposal} [NAME]" => ike_config(s, a),
        "show ipsec [card SLOT/PORT] {access-list | policy | profile | proposal | security-association} [NAME]" => {
            ipsec_config(s, a)
        }
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
        "show tunnel ipsec name NAME diagnose" => super::diagnose::state(s, a),
        "show ip route [all-contexts]" => Ok(super::show_route::json(s, a)),
        "show ipsec card SLOT/PORT statistics global context NAME" => {
            let ctx = a.get("NAME").unwrap_or_default().to_string();
            let cfg = s.view();
            let tunnels: Vec<String> =
                cfg.tunnels.iter().filter(|(_, t)| t.ike_context() == ctx).map(|(n, _)| n.clone()).collect();
            Ok(super::esp_stats::card_statistics_json(&s.router(), a.get("SLOT/PORT").unwrap_or("-"), &ctx, &tunnels))
        }
        "show tunnel ipsec NAME [on-demand] statistics [detail]" => {
            Ok(super::esp_stats::tunnel_statistics_json(&s.router(), a.get("NAME").unwrap_or_default()))
        }
        "show users" | "show administrators" | "show sessions" => crate::json::users(s),
        "show tunnel ipsec name NAME statistics ike [detail]" => {
            let name = a.get("NAME").unwrap_or_default().to_string();
            if !s.view().tunnels.contains_key(&name) {
                return Some(Err(format!("Tunnel {name} not found")));
            }
            let r = s.router();
            let st = r.ike().tunnel_stats.get(&name).cloned().unwrap_or_default();
            let (ike, ipsec) = super::show_sa::tunnel_counts(&r, &name);
            let mut rows = vec![("IKE SAs up", ike as u64), ("IPsec SA pairs up", ipsec as u64)];
            rows.extend(super::show::ike_counter_rows(&st, false));
            value(&serde_json::json!({ "tunnel": name, "statistics": counters(&rows) }))
        }
        "show ike card SLOT/PORT statistics global {ike1 | ike2}" => {
            let r = s.router();
            let rows = if a.has("ike2") {
                super::show_ike2::ike2_global_rows(&r)
            } else {
                let p1_up = r.ike().ike_sas().iter().filter(|x| x.is_established()).count();
                let mut rows = vec![
                    ("Phase-I SAs established now", p1_up as u64),
                    ("Phase-I SAs negotiating now", (r.ike().ike_sas().len() - p1_up) as u64),
                    ("IPsec SA pairs now", r.ike().child_sas().len() as u64),
                ];
                rows.extend(super::show::ike_counter_rows(&r.ike().stats, true));
                rows
            };
            value(
                &serde_json::json!({ "asp": a.get("SLOT/PORT").unwrap_or("-"), "version": if a.has("ike2") { "IKEv2" } else { "IKEv1" }, "statistics": counters(&rows) }),
            )
        }
        "show clock" => value(
            &serde_json::json!({ "clock": crate::time::date_time(s.router().now()), "epoch_seconds": s.router().now() }),
        ),
        "show history" => value(
            &serde_json::json!({ "history": s.history.iter().enumerate().map(|(i, h)| ((i + 1).to_string(), h.clone())).collect::<IndexMap<_, _>>() }),
        ),
        "show log" => value(&serde_json::json!({ "log": s.router().log.iter().collect::<Vec<_>>() })),
        "show configuration [ike | ipsec | tunnel] [all-contexts] [verbose]" => {
            let cfg = s.view();
            let lines = super::render::to_lines(&cfg, &super::show::selection(a, &s.exec_context));
            Ok(Value::Object(config_tree(&lines)))
        }
        "show configuration changes" => {
            let Some(c) = &s.candidate else {
                return Some(value(&serde_json::json!({ "candidate": false, "added": [], "removed": [] })));
            };
            let all = super::render::Selection::all();
            let run = super::render::to_lines(&s.router().running, &all);
            let cand = super::render::to_lines(c, &all);
            let (added, removed) = (lines_not_in(&cand, &run), lines_not_in(&run, &cand));
            value(&serde_json::json!({ "candidate": true, "added": added, "removed": removed }))
        }
        "show ike keys tshark" => value(&crate::engine::tshark_keys(&s.router())),
        "show pki [asp SLOT/PORT] certificate {trusted | self} rsa [identity WORD:id | handle <1-4294967295>:handle]" =>
        {
            let (trusted, h) = (a.has("trusted"), a.u32("handle"));
            let st = s.router().pki.get(&s.exec_context).cloned().unwrap_or_default();
            let certs: IndexMap<String, Value> = st
                .certificates
                .iter()
                .filter(|c| c.trusted == trusted && h.is_none_or(|h| h == c.handle))
                .map(|c| (c.handle.to_string(), serde_json::json!({ "type": if c.trusted { "trusted" } else { "self" }, "file": c.file, "key_pair": c.key_pair })))
                .collect();
            value(&serde_json::json!({ "context": s.exec_context, "certificate": certs }))
        }
        "show pki key-pair [WORD]" => {
            // The key pairs are in the key store (`super::pki`); their keys are never shown.
            let ctx = s.exec_context.clone();
            let pairs: IndexMap<String, Value> = super::pki::key_pairs(s, &ctx)
                .into_iter()
                .filter(|(n, _)| a.get("WORD").is_none_or(|x| x == n.as_str()))
                .map(|(n, k)| {
                    let (kind, bits) = match k.key.kind() {
                        edgesh_engine::pki::keys::KeyKind::Rsa(b) => ("rsa", b),
                        edgesh_engine::pki::keys::KeyKind::P256 => ("ecdsa-p256", 256),
                        edgesh_engine::pki::keys::KeyKind::P384 => ("ecdsa-p384", 384),
                    };
                    (n, serde_json::json!({ "type": kind, "bits": bits, "created": k.created }))
                })
                .collect();
            value(&serde_json::json!({ "context": ctx, "key_pair": pairs }))
        }
        "show pki certificate-request rsa [all]" => {
            let r = s.router();
            let reqs: IndexMap<String, IndexMap<String, String>> = r
                .pki
                .iter()
                .filter(|(c, st)| (a.has("all") || **c == s.exec_context) && !st.requests.is_empty())
                .map(|(c, st)| (c.clone(), st.requests.iter().map(|(n, f)| (n.clone(), f.clone())).collect()))
                .collect();
            value(&serde_json::json!({ "context": reqs }))
        }
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
            let pending = r.pending_confirm.as_ref().map(
                |p| serde_json::json!({ "commit_id": p.commit_id, "rollback_at": crate::time::date_time(p.deadline) }),
            );
            value(&serde_json::json!({ "commits": commits, "unconfirmed": pending }))
        }
        _ => return None,
    })
}

/// Counter rows as an object: the row's words as its key (`Phase-I SAs
/// established` is `phase_i_sas_established`).
fn counters(rows: &[(&str, u64)]) -> IndexMap<String, u64> {
    rows.iter()
        .map(|(k, v)| {
            let key: String =
                k.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
            let key = key.split('_').filter(|w| !w.is_empty()).collect::<Vec<_>>().join("_");
            (key, *v)
        })
        .collect()
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

fn tunnel_state(
    r: &Router,
    cfg: &Config,
    problems: &[edgesh_engine::validate::Problem],
    sas: &super::show::TunnelSas,
    n: &str,
    t: &Tunnel,
) -> TunnelState {
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
        bound_to: t
            .bind_interface
            .as_ref()
            .map(|(i, c)| format!("{i} (context {})", c.as_deref().unwrap_or(t.ike_context()))),
        entries: t
            .entries
            .iter()
            .map(|(seq, e)| {
                let v = match e {
                    TunnelEntry::Policy(p) => format!(
                        "ipsec-policy {}{}",
                        p.policy,
                        p.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()
                    ),
                    TunnelEntry::ManualSa { sa, access_group } => format!(
                        "security-association {sa}{}",
                        access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()
                    ),
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
    for (n, t) in cfg
        .tunnels
        .iter()
        .filter(|(n, _)| name.is_none_or(|x| x == n.as_str()))
        .filter(|(_, t)| remote.is_none_or(|x| t.remote == Some(x)))
    {
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

/// The objects named `name` (all when none) of a map, each through `f`.
fn pick<T>(
    kind: &str,
    map: &std::collections::BTreeMap<String, T>,
    name: Option<&str>,
    f: impl Fn(&T) -> Value,
) -> Result<Value, String> {
    let mut out = serde_json::Map::new();
    for (n, x) in map.iter().filter(|(n, _)| name.is_none_or(|w| w == n.as_str())) {
        out.insert(n.clone(), f(x));
    }
    if let Some(n) = name
        && out.is_empty()
    {
        return Err(format!("{kind} {n} not found"));
    }
    Ok(Value::Object(out))
}

fn seqs<T: std::fmt::Display>(m: impl IntoIterator<Item = (impl ToString, T)>) -> IndexMap<String, String> {
    m.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn ike_config(s: &mut Session, a: &Args) -> Result<Value, String> {
    use edgesh_engine::config::{IkeVersion, Key, PreSharedKey};
    let cfg = s.view();
    let name = a.get("NAME");
    if a.has("policy") {
        let ctx = s.exec_context.clone();
        let c = cfg.contexts.get(&ctx).ok_or_else(|| format!("Context {ctx} not found"))?;
        let v = pick("IKE policy", &c.ike_policies, name, |p| {
            let v1 = p.version == IkeVersion::V1;
            serde_json::json!({
                "version": p.version.proto_name(),
                "description": p.description,
                "connection_type": p.connection_type.word(),
                "exchange_mode": v1.then(|| p.mode.word()),
                "authentication": (!v1).then(|| p.authentication.word()),
                "lifetime": (!v1).then_some(p.lifetime),
                "validate_certificate_identity": p.validate_certificate_identity,
                "local_identity": p.identity_local.as_ref().map(|i| serde_json::json!({ "id": i.to_string(), "type": i.id_type().to_string() })),
                "remote_identity": p.identity_remote.as_ref().map(|i| serde_json::json!({ "id": i.to_string(), "type": i.id_type().to_string() })),
                "pre_shared_key": match &p.pre_shared_key {
                    None => "not configured",
                    Some(PreSharedKey::UseAaa) => "from AAA",
                    Some(PreSharedKey::Key(Key::Hex(_))) => "configured (hex)",
                    Some(PreSharedKey::Key(Key::Ascii(_))) => "configured",
                },
                "proposal": seqs(p.proposals.iter()),
            })
        })?;
        Ok(serde_json::json!({ "context": ctx, "ike_policy": v }))
    } else {
        let v = pick("IKE proposal", &cfg.ike_proposals, name, |p| {
            let v1 = p.version == IkeVersion::V1;
            serde_json::json!({
                "version": p.version.proto_name(),
                "description": p.description,
                "encryption": p.encryption.word(),
                "authentication": p.auth_alg.word(),
                "dh_group": p.dh_group,
                "authentication_method": v1.then(|| p.auth_method.word()),
                "prf": (!v1).then(|| p.prf.word()),
                "lifetime": v1.then_some(p.lifetime),
            })
        })?;
        Ok(serde_json::json!({ "ike_proposal": v }))
    }
}

fn ipsec_config(s: &mut Session, a: &Args) -> Result<Value, String> {
    let cfg = s.view();
    let name = a.get("NAME");
    let ctx = s.exec_context.clone();
    let c = cfg.contexts.get(&ctx);
    let entry = |e: &edgesh_engine::config::PolicyEntry| {
        format!(
            "ipsec-policy {}{}",
            e.policy,
            e.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()
        )
    };
    if a.has("access-list") {
        let c = c.ok_or_else(|| format!("Context {ctx} not found"))?;
        let v = pick(
            "IPsec access-list",
            &c.ipsec_acls,
            name,
            |x| serde_json::json!({ "description": x.description, "rule": x.rules.iter().map(|(k, r)| (k.to_string(), super::render::acl_rule(r))).collect::<IndexMap<_, _>>() }),
        )?;
        Ok(serde_json::json!({ "context": ctx, "ipsec_access_list": v }))
    } else if a.has("profile") {
        let c = c.ok_or_else(|| format!("Context {ctx} not found"))?;
        let v = pick(
            "IPsec profile",
            &c.ipsec_profiles,
            name,
            |p| serde_json::json!({ "df_bit": p.df_bit.map(|d| d.to_string()).unwrap_or("propagate".into()), "mtu": p.mtu, "entry": p.entries.iter().map(|(k, e)| (k.to_string(), entry(e))).collect::<IndexMap<_, _>>() }),
        )?;
        Ok(serde_json::json!({ "context": ctx, "ipsec_profile": v }))
    } else if a.has("proposal") {
        let v = pick("IPsec proposal", &cfg.ipsec_proposals, name, |p| {
            serde_json::json!({
                "description": p.description,
                "esp_encryption": p.esp_encr.map(|e| e.word()),
                "esp_authentication": p.esp_auth.map(|e| e.word()),
                "ah_authentication": p.ah.map(|e| e.word()),
                "ip_comp": p.ip_comp,
                "lifetime_seconds": p.lifetime_seconds,
                "lifetime_kilobytes": p.lifetime_kbytes,
            })
        })?;
        Ok(serde_json::json!({ "ipsec_proposal": v }))
    } else if a.has("security-association") {
        // Manual SAs: SPIs and algorithms, never their keys.
        let v = pick("IPsec security-association", &cfg.ipsec_sas, name, |sa| {
            let dirs: IndexMap<String, Value> = sa
                .dirs
                .iter()
                .map(|(d, k)| {
                    let d = serde_json::to_value(d)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_lowercase))
                        .unwrap_or_default();
                    (
                        d,
                        serde_json::json!({
                            "esp_spi": k.esp_spi,
                            "esp_encryption": k.esp_encr.as_ref().map(|e| e.0.word()),
                            "esp_authentication": k.esp_auth.as_ref().map(|e| e.0.word()),
                            "ah_spi": k.ah_spi,
                            "ah_authentication": k.ah.as_ref().map(|e| e.0.word()),
                        }),
                    )
                })
                .collect();
            serde_json::json!({ "description": sa.description, "anti_replay_window": sa.anti_replay_window, "ip_comp": sa.ip_comp, "direction": dirs })
        })?;
        Ok(serde_json::json!({ "ipsec_security_association": v }))
    } else {
        let v = pick(
            "IPsec policy",
            &cfg.ipsec_policies,
            name,
            |p| serde_json::json!({ "description": p.description, "anti_replay_window": p.anti_replay_window, "pfs_group": p.pfs_group, "proposal": seqs(p.proposals.iter()) }),
        )?;
        Ok(serde_json::json!({ "ipsec_policy": v }))
    }
}

/// The lines of a configuration listing (as the renderer writes it, two
/// spaces a level), each with the block headers above it; `!` comment lines
/// and the closing `end` are not configuration.
fn with_path(lines: &[String]) -> Vec<(Vec<String>, String)> {
    let mut v = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for l in lines {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        // `!` lines are comments (`! ** End Context **`); `end` closes a whole listing.
        if t.is_empty() || t.starts_with('!') || (indent == 0 && t == "end") {
            continue;
        }
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        v.push((stack.iter().map(|(_, x)| x.clone()).collect(), t.to_string()));
        stack.push((indent, t.to_string()));
    }
    v
}

/// A configuration listing as a tree in the shape of Genie's
/// `Config(text).tree()`: each line (without its indentation) a key, the
/// lines under it its object.
pub fn config_tree(lines: &[String]) -> serde_json::Map<String, Value> {
    fn insert(m: &mut serde_json::Map<String, Value>, path: &[String], line: String) {
        match path.split_first() {
            None => {
                m.entry(line).or_insert_with(|| Value::Object(serde_json::Map::new()));
            }
            Some((head, rest)) => {
                if let Value::Object(o) = m.entry(head.clone()).or_insert_with(|| Value::Object(serde_json::Map::new()))
                {
                    insert(o, rest, line);
                }
            }
        }
    }
    let mut root = serde_json::Map::new();
    for (path, line) in with_path(lines) {
        insert(&mut root, &path, line);
    }
    root
}

/// The lines of `a` (with the block headers above each) that `b` has not:
/// `{"line": ..., "under": [headers]}`, in `a`'s order.
fn lines_not_in(a: &[String], b: &[String]) -> Vec<Value> {
    let theirs: std::collections::HashSet<(Vec<String>, String)> = with_path(b).into_iter().collect();
    with_path(a)
        .into_iter()
        .filter(|x| !theirs.contains(x))
        .map(|(under, line)| serde_json::json!({ "line": line, "under": under }))
        .collect()
}
