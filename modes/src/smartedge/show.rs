//! Show commands of the SmartEdge dialect (Table 4 of seed 004, plus the
//! configuration-session commands users of other routers rely on).
//!
//! The guide gives no layouts for these commands; they are designed in the
//! IPOS house style (`Key   : value` blocks, plain column tables) and kept
//! stable: golden transcripts pin every one of them. Pre-shared keys and
//! manual keys never appear here (only in `show configuration`, as the
//! dialect prints them there).

use super::render::{self, Selection};
use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use crate::time::date_time;
use edgesh_engine::Config;
use edgesh_engine::config::*;
use edgesh_engine::validate::{Severity, object_problems, validate};
use edgesh_grammar::Graph;

fn add(g: &mut Graph<Handler>, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}

const SHOW: &str = "Display information";

pub fn add_show_commands(g: &mut Graph<Handler>) {
    add(
        g,
        "show configuration [ike | ipsec | tunnel] [all-contexts] [verbose]",
        &[
            SHOW,
            "The configuration (the candidate in configuration mode)",
            "IKE configuration",
            "IPsec configuration",
            "Tunnel configuration",
            "All contexts",
            "Include default values",
        ],
        |s, a, o| {
            let cfg = s.view();
            render::render(&cfg, &selection(a, &s.exec_context), o);
            Ok(())
        },
    );
    add(
        g,
        "show configuration changes",
        &[SHOW, "The configuration", "Differences between the candidate and the running configuration"],
        |s, _, o| {
            let Some(c) = &s.candidate else {
                o.line("% No candidate configuration (not in configuration mode)");
                return Ok(());
            };
            let run = render::to_lines(&s.router().running, &Selection::all());
            let cand = render::to_lines(c, &Selection::all());
            if !super::diff::show(&run, &cand, o) {
                o.line("% No changes");
            }
            Ok(())
        },
    );
    add(
        g,
        "show configuration commits",
        &[SHOW, "The configuration", "The commit history (ids for rollback)"],
        |s, _, o| {
            let r = s.router();
            let mut rows = Vec::new();
            for c in r.history.iter().rev() {
                rows.push(vec![
                    c.id.to_string(),
                    date_time(c.time),
                    c.user.clone(),
                    {
                        let (a, d) = c.line_counts();
                        format!("+{a} -{d}")
                    },
                    c.comment.clone().unwrap_or_default(),
                ]);
            }
            if let Some(p) = &r.pending_confirm {
                o.line(&format!(
                    "Commit {} is not confirmed; it is rolled back at {}",
                    p.commit_id,
                    date_time(p.deadline)
                ));
            }
            table(&["Id", "Time", "User", "Lines", "Comment"], rows, o);
            Ok(())
        },
    );
    add(
        g,
        "show ike [card SLOT/PORT] {policy | proposal} [NAME]",
        &[
            SHOW,
            "IKE information",
            "For an ASP",
            "Slot/ASP",
            "IKE policies of the current context",
            "IKE proposals",
            "Name",
        ],
        |s, a, o| {
            let cfg = s.view();
            if a.has("policy") {
                show_ike_policy(&cfg, &s.exec_context, a.get("NAME"), o)
            } else {
                show_ike_proposal(&cfg, a.get("NAME"), o)
            }
        },
    );
    add(
        g,
        "show tunnel ipsec name NAME statistics ike [detail]",
        &[
            SHOW,
            "Tunnel information",
            "IPsec tunnels",
            "One tunnel",
            "Tunnel name",
            "Counters",
            "IKE counters",
            "With the tunnel's SAs",
        ],
        |s, a, o| {
            let name = a.req("NAME")?.to_string();
            if !s.view().tunnels.contains_key(&name) {
                return not_found("Tunnel", &name);
            }
            let r = s.router();
            let st = r.ike().tunnel_stats.get(&name).cloned().unwrap_or_default();
            let v2_rows = crate::smartedge::show_ike2::tunnel_rows(&r, &name);
            let (ike, ipsec) = crate::smartedge::show_sa::tunnel_counts(&r, &name);
            let mut lines = Vec::new();
            if a.has("detail") {
                crate::smartedge::show_sa::smartedge_tunnel_sas(&r, &name, &mut lines);
            }
            drop(r);
            o.line(&format!("Tunnel ipsec {name} IKE statistics"));
            let mut rows = vec![("IKE SAs up", ike as u64), ("IPsec SA pairs up", ipsec as u64)];
            rows.extend(v2_rows.unwrap_or_else(|| ike_counter_rows(&st, false)));
            for (k, v) in rows {
                o.line(&format!("  {k:<30}: {v}"));
            }
            for l in lines {
                o.line(&l);
            }
            Ok(())
        },
    );
    add(
        g,
        "show ike card SLOT/PORT statistics global {ike1 | ike2}",
        &[SHOW, "IKE information", "For an ASP", "Slot/ASP", "Counters", "For the whole ASP", "IKEv1", "IKEv2"],
        |s, a, o| {
            let r = s.router();
            let st = r.ike().stats.clone();
            let (p1_up, p2_up) =
                (r.ike().ike_sas().iter().filter(|x| x.is_established()).count(), r.ike().child_sas().len());
            let half = r.ike().ike_sas().len() - p1_up;
            if a.has("ike2") {
                let mut v = Vec::new();
                crate::smartedge::show_ike2::ike2_global(&r, a.get("SLOT/PORT").unwrap_or("-"), &mut v);
                v.iter().for_each(|l| o.line(l));
                return Ok(());
            }
            drop(r);
            o.line(&format!("IKEv1 statistics for ASP {}", a.get("SLOT/PORT").unwrap_or("-")));
            let mut rows = vec![
                ("Phase-I SAs established now", p1_up as u64),
                ("Phase-I SAs negotiating now", half as u64),
                ("IPsec SA pairs now", p2_up as u64),
            ];
            rows.extend(ike_counter_rows(&st, true));
            for (k, v) in rows {
                o.line(&format!("  {k:<42}: {v}"));
            }
            Ok(())
        },
    );
    add(
        g,
        "show ipsec [card SLOT/PORT] {access-list | policy | profile | proposal | security-association} [NAME]",
        &[
            SHOW,
            "IPsec information",
            "For an ASP",
            "Slot/ASP",
            "IPsec access lists of the current context",
            "IPsec policies",
            "IPsec profiles of the current context",
            "IPsec proposals",
            "Manual IPsec SAs",
            "Name",
        ],
        |s, a, o| {
            let cfg = s.view();
            let n = a.get("NAME");
            let ctx = s.exec_context.clone();
            if a.has("access-list") {
                show_ipsec_acl(&cfg, &ctx, n, o)
            } else if a.has("profile") {
                show_ipsec_profile(&cfg, &ctx, n, o)
            } else if a.has("proposal") {
                show_ipsec_proposal(&cfg, n, o)
            } else if a.has("security-association") {
                show_ipsec_sa(&cfg, n, o)
            } else {
                show_ipsec_policy(&cfg, n, o)
            }
        },
    );
    add(
        g,
        "show ipsec card SLOT/PORT statistics global context NAME",
        &[
            SHOW,
            "IPsec information",
            "For an ASP",
            "Slot/ASP",
            "Counters",
            "For the whole ASP",
            "Of one context",
            "Context name",
        ],
        |s, a, o| {
            let ctx = a.req("NAME")?.to_string();
            let cfg = s.view();
            if !cfg.contexts.contains_key(&ctx) {
                return not_found("Context", &ctx);
            }
            let tunnels: Vec<String> =
                cfg.tunnels.iter().filter(|(_, t)| t.ike_context() == ctx).map(|(n, _)| n.clone()).collect();
            let mut v = Vec::new();
            crate::smartedge::esp_stats::card_statistics(
                &s.router(),
                a.get("SLOT/PORT").unwrap_or("-"),
                &ctx,
                &tunnels,
                &mut v,
            );
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show tunnel ipsec NAME [on-demand] statistics [detail]",
        &[
            SHOW,
            "Tunnel information",
            "IPsec tunnels",
            "Tunnel name",
            "An on-demand tunnel",
            "Counters",
            "With each SA pair",
        ],
        |s, a, o| {
            let name = a.req("NAME")?.to_string();
            let cfg = s.view();
            let Some(t) = cfg.tunnels.get(&name) else { return not_found("Tunnel", &name) };
            if a.has("on-demand") && t.kind != TunnelKind::OnDemand {
                return Err(format!("Tunnel {name} is not an on-demand tunnel"));
            }
            let mut v = Vec::new();
            crate::smartedge::esp_stats::tunnel_statistics(&s.router(), &name, a.has("detail"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show tunnel ipsec [name NAME | remote A.B.C.D] [detail | on-demand]",
        &[
            SHOW,
            "Tunnel information",
            "IPsec tunnels",
            "One tunnel",
            "Tunnel name",
            "Tunnels to a remote end point",
            "Remote address",
            "Detailed information",
            "On-demand tunnels only",
        ],
        |s, a, o| {
            let mut cfg = (*s.view()).clone();
            if a.has("on-demand") {
                cfg.tunnels.retain(|_, t| t.kind == TunnelKind::OnDemand);
                if let Some(n) = a.get("NAME")
                    && !cfg.tunnels.contains_key(n)
                {
                    return Err(format!("Tunnel {n} is not an on-demand tunnel"));
                }
            }
            let sas = {
                let r = s.router();
                cfg.tunnels
                    .keys()
                    .map(|n| {
                        let (ike, ipsec) = crate::smartedge::show_sa::tunnel_counts(&r, n);
                        let mut lines = Vec::new();
                        crate::smartedge::show_sa::smartedge_tunnel_sas(&r, n, &mut lines);
                        (n.clone(), (ike, ipsec, lines))
                    })
                    .collect::<std::collections::BTreeMap<_, _>>()
            };
            show_tunnels(&cfg, &sas, a.get("NAME"), a.get("A.B.C.D"), a.has("detail"), o)
        },
    );
    add(g, "show version", &[SHOW, "Software version"], |s, _, o| {
        let r = s.router();
        o.line("");
        o.line(&format!("edgesh SmartEdge OS dialect Version edgesh-{}-Release", env!("CARGO_PKG_VERSION")));
        o.line("Built by the edgesh project (a software router in Rust with an IKE/IPsec engine)");
        // What Netmiko's autodetect looks for (`ericsson_ipos`): this CLI follows the IPOS conventions.
        o.line("CLI compatible with Ericsson IPOS Version 13.1 (SmartEdge OS) automation");
        o.line("Copyright (C) 2026, the edgesh authors. Licensed under Apache-2.0.");
        o.line(&format!("Router Up Time - {}", uptime(r.now().saturating_sub(r.boot_time))));
        Ok(())
    });
    add(g, "show clock", &[SHOW, "The system clock"], |s, _, o| {
        o.line(&date_time(s.router().now()));
        Ok(())
    });
    add(g, "show history", &[SHOW, "Commands typed in this session"], |s, _, o| {
        for (i, h) in s.history.iter().enumerate() {
            o.line(&format!("{:>5}  {h}", i + 1));
        }
        Ok(())
    });
    add(g, "show log", &[SHOW, "The log buffer"], |s, _, o| {
        for l in s.router().log.iter() {
            o.line(l);
        }
        Ok(())
    });
}

/// A plain column table: header, dashes, rows; columns two spaces apart.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>, out: &mut dyn Out) {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.force_no_tty();
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for r in rows {
        t.add_row(r);
    }
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    let widths: Vec<usize> = t.column_max_content_widths().iter().map(|w| *w as usize).collect();
    let mut first = true;
    for l in t.lines() {
        let l = l.trim_end().to_string();
        if l.is_empty() {
            continue;
        }
        out.line(&l);
        if first {
            out.line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  ").trim_end());
            first = false;
        }
    }
}

fn kv(out: &mut dyn Out, k: &str, v: impl std::fmt::Display) {
    out.line(&format!("  {k:<26}: {v}"));
}

fn or_dash(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

fn not_found(what: &str, name: &str) -> CmdResult {
    Err(format!("{what} {name} not found"))
}

fn show_ike_proposal(cfg: &Config, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    match name {
        None => {
            let rows = cfg
                .ike_proposals
                .iter()
                .map(|(n, p)| {
                    let v1 = p.version == IkeVersion::V1;
                    vec![
                        n.clone(),
                        p.version.proto_name().into(),
                        p.encryption.to_string(),
                        p.auth_alg.to_string(),
                        p.dh_group.to_string(),
                        if v1 { p.auth_method.to_string() } else { "-".into() },
                        if v1 { "-".into() } else { p.prf.to_string() },
                        if v1 { p.lifetime.to_string() } else { "-".into() },
                    ]
                })
                .collect();
            table(&["Proposal", "Version", "Encryption", "Authentication", "DH", "Method", "PRF", "Lifetime"], rows, o);
        }
        Some(n) => {
            let Some(p) = cfg.ike_proposals.get(n) else { return not_found("IKE proposal", n) };
            let v1 = p.version == IkeVersion::V1;
            o.line(&format!("IKE proposal {n}"));
            kv(o, "Version", p.version.proto_name());
            kv(o, "Description", or_dash(p.description.as_ref()));
            kv(o, "Encryption algorithm", p.encryption);
            kv(o, "Authentication algorithm", p.auth_alg);
            kv(o, "DH group", p.dh_group);
            if v1 {
                kv(o, "Authentication method", p.auth_method);
                kv(o, "Lifetime", format!("{} seconds", p.lifetime));
            } else {
                kv(o, "Pseudo random function", p.prf);
            }
        }
    }
    Ok(())
}

fn show_ike_policy(cfg: &Config, ctx: &str, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    let Some(c) = cfg.contexts.get(ctx) else { return Err(format!("Context {ctx} not found")) };
    match name {
        None => {
            let rows = c
                .ike_policies
                .iter()
                .map(|(n, p)| {
                    vec![
                        n.clone(),
                        p.version.proto_name().into(),
                        if p.version == IkeVersion::V1 { p.mode.to_string() } else { "-".into() },
                        p.connection_type.to_string(),
                        or_dash(p.identity_local.as_ref()),
                        or_dash(p.identity_remote.as_ref()),
                        p.proposals.values().cloned().collect::<Vec<_>>().join(","),
                    ]
                })
                .collect();
            o.line(&format!("Context: {ctx}"));
            table(&["Policy", "Version", "Mode", "Connection", "Local ID", "Remote ID", "Proposals"], rows, o);
        }
        Some(n) => {
            let Some(p) = c.ike_policies.get(n) else { return not_found("IKE policy", n) };
            let problems = validate(cfg);
            o.line(&format!("IKE policy {n} (context {ctx})"));
            kv(o, "Version", p.version.proto_name());
            kv(o, "Description", or_dash(p.description.as_ref()));
            kv(o, "Connection type", p.connection_type);
            if p.version == IkeVersion::V1 {
                kv(o, "Exchange mode", p.mode);
            } else {
                kv(o, "Authentication", p.authentication);
                kv(o, "Lifetime", format!("{} seconds", p.lifetime));
                kv(o, "Address allocation", if p.address_allocation_aaa { "aaa" } else { "-" });
            }
            kv(o, "Validate cert identity", if p.validate_certificate_identity { "yes" } else { "no" });
            kv(
                o,
                "Local identity",
                p.identity_local.as_ref().map(|i| format!("{i} ({})", i.id_type())).unwrap_or("-".into()),
            );
            kv(
                o,
                "Remote identity",
                p.identity_remote.as_ref().map(|i| format!("{i} ({})", i.id_type())).unwrap_or("-".into()),
            );
            let psk = match &p.pre_shared_key {
                None => "not configured",
                Some(PreSharedKey::UseAaa) => "from AAA",
                Some(PreSharedKey::Key(Key::Hex(_))) => "configured (hex, not shown)",
                Some(PreSharedKey::Key(Key::Ascii(_))) => "configured (not shown)",
            };
            kv(o, "Pre-shared key", psk);
            if p.proposals.is_empty() {
                kv(o, "Proposals", "-");
            }
            for (seq, prop) in &p.proposals {
                let st = match cfg.ike_proposals.get(prop) {
                    None => "missing".to_string(),
                    Some(x) if x.version != p.version => format!("wrong version ({})", x.version.proto_name()),
                    Some(x) => format!("{}/{}/group {}", x.encryption, x.auth_alg, x.dh_group),
                };
                kv(o, &format!("Proposal seq {seq}"), format!("{prop} ({st})"));
            }
            let obj = edgesh_engine::validate::ObjectRef::ike_policy(ctx, p.version, n);
            for pr in object_problems(&problems, &obj) {
                kv(
                    o,
                    if pr.severity == Severity::Error { "Error" } else { "Warning" },
                    super::wording::issue(&pr.issue),
                );
            }
        }
    }
    Ok(())
}

fn show_ipsec_proposal(cfg: &Config, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    let transforms = |p: &IpsecProposal| {
        let e = p.effective();
        let mut v = Vec::new();
        if let Some((enc, auth)) = e.esp {
            v.push(format!("esp {enc}"));
            if let Some(a) = auth {
                v.push(format!("esp {a}"));
            }
        }
        if let Some(a) = e.ah {
            v.push(format!("ah {a}"));
        }
        v.join(", ")
    };
    match name {
        None => {
            let rows = cfg
                .ipsec_proposals
                .iter()
                .map(|(n, p)| {
                    vec![
                        n.clone(),
                        transforms(p),
                        if p.ip_comp { "yes".into() } else { "no".into() },
                        p.lifetime_seconds.to_string(),
                        or_dash(p.lifetime_kbytes),
                    ]
                })
                .collect();
            table(&["Proposal", "Transforms", "IPComp", "Lifetime(s)", "Lifetime(KB)"], rows, o);
        }
        Some(n) => {
            let Some(p) = cfg.ipsec_proposals.get(n) else { return not_found("IPsec proposal", n) };
            let e = p.effective();
            o.line(&format!("IPsec proposal {n}"));
            kv(o, "Description", or_dash(p.description.as_ref()));
            kv(o, "ESP encryption", e.esp.map(|x| x.0.to_string()).unwrap_or("-".into()));
            kv(o, "ESP authentication", e.esp.and_then(|x| x.1).map(|a| a.to_string()).unwrap_or("-".into()));
            kv(o, "AH authentication", or_dash(e.ah));
            kv(o, "IP compression", if p.ip_comp { "enabled" } else { "disabled" });
            kv(o, "Lifetime", format!("{} seconds", p.lifetime_seconds));
            kv(o, "Lifetime traffic", p.lifetime_kbytes.map(|k| format!("{k} kbytes")).unwrap_or("no limit".into()));
        }
    }
    Ok(())
}

fn show_ipsec_policy(cfg: &Config, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    match name {
        None => {
            let rows = cfg
                .ipsec_policies
                .iter()
                .map(|(n, p)| {
                    vec![
                        n.clone(),
                        p.anti_replay_window.to_string(),
                        or_dash(p.pfs_group),
                        p.proposals.values().cloned().collect::<Vec<_>>().join(","),
                    ]
                })
                .collect();
            table(&["Policy", "Replay window", "PFS group", "Proposals"], rows, o);
        }
        Some(n) => {
            let Some(p) = cfg.ipsec_policies.get(n) else { return not_found("IPsec policy", n) };
            o.line(&format!("IPsec policy {n}"));
            kv(o, "Description", or_dash(p.description.as_ref()));
            kv(o, "Anti-replay window", p.anti_replay_window);
            kv(o, "PFS DH group", p.pfs_group.map(|g| g.to_string()).unwrap_or("none".into()));
            if p.proposals.is_empty() {
                kv(o, "Proposals", "-");
            }
            for (seq, prop) in &p.proposals {
                let st = if cfg.ipsec_proposals.contains_key(prop) { "" } else { " (missing)" };
                kv(o, &format!("Proposal seq {seq}"), format!("{prop}{st}"));
            }
        }
    }
    Ok(())
}

fn show_ipsec_sa(cfg: &Config, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    let names: Vec<&String> = match name {
        Some(n) if !cfg.ipsec_sas.contains_key(n) => return not_found("IPsec security-association", n),
        Some(n) => cfg.ipsec_sas.keys().filter(|k| k.as_str() == n).collect(),
        None => cfg.ipsec_sas.keys().collect(),
    };
    if name.is_none() {
        let rows = names
            .iter()
            .map(|n| {
                let sa = &cfg.ipsec_sas[*n];
                let dirs = sa.dirs.keys().map(|d| d.to_string()).collect::<Vec<_>>().join(",");
                let spis = sa
                    .dirs
                    .values()
                    .flat_map(|k| k.esp_spi.iter().chain(k.ah_spi.iter()))
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                vec![n.to_string(), dirs, spis, sa.anti_replay_window.to_string()]
            })
            .collect();
        table(&["SA", "Directions", "SPIs", "Replay window"], rows, o);
        return Ok(());
    }
    for n in names {
        let sa = &cfg.ipsec_sas[n];
        o.line(&format!("IPsec security-association {n}"));
        kv(o, "Description", or_dash(sa.description.as_ref()));
        kv(o, "Anti-replay window", sa.anti_replay_window);
        kv(o, "IP compression", if sa.ip_comp { "enabled" } else { "disabled" });
        for (dir, k) in &sa.dirs {
            kv(o, "Direction", dir.proto_name());
            kv(o, "  ESP SPI", or_dash(k.esp_spi));
            kv(
                o,
                "  ESP authentication",
                k.esp_auth.as_ref().map(|(a, _)| format!("{a} (key not shown)")).unwrap_or("-".into()),
            );
            kv(
                o,
                "  ESP encryption",
                match &k.esp_encr {
                    None => "-".to_string(),
                    Some((EspEncr::Null, _)) => "null".into(),
                    Some((e, _)) => format!("{e} (key not shown)"),
                },
            );
            kv(o, "  AH SPI", or_dash(k.ah_spi));
            kv(
                o,
                "  AH authentication",
                k.ah.as_ref().map(|(a, _)| format!("{a} (key not shown)")).unwrap_or("-".into()),
            );
        }
    }
    Ok(())
}

fn show_ipsec_acl(cfg: &Config, ctx: &str, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    let Some(c) = cfg.contexts.get(ctx) else { return Err(format!("Context {ctx} not found")) };
    if let Some(n) = name
        && !c.ipsec_acls.contains_key(n)
    {
        return not_found("IPsec access-list", n);
    }
    o.line(&format!("Context: {ctx}"));
    if c.ipsec_acls.is_empty() {
        o.line("  (no IPsec access lists)");
    }
    for (n, a) in c.ipsec_acls.iter().filter(|(n, _)| name.is_none_or(|x| x == n.as_str())) {
        o.line(&format!(
            "IPsec access-list {n}{}",
            a.description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
        ));
        if a.rules.is_empty() {
            o.line("  (no rules: matches all traffic)");
        }
        for (seq, r) in &a.rules {
            o.line(&format!("  seq {seq} {}", render::acl_rule(r)));
        }
    }
    Ok(())
}

fn show_ipsec_profile(cfg: &Config, ctx: &str, name: Option<&str>, o: &mut dyn Out) -> CmdResult {
    let Some(c) = cfg.contexts.get(ctx) else { return Err(format!("Context {ctx} not found")) };
    if let Some(n) = name
        && !c.ipsec_profiles.contains_key(n)
    {
        return not_found("IPsec profile", n);
    }
    o.line(&format!("Context: {ctx}"));
    if c.ipsec_profiles.is_empty() {
        o.line("  (no IPsec profiles)");
    }
    for (n, p) in c.ipsec_profiles.iter().filter(|(n, _)| name.is_none_or(|x| x == n.as_str())) {
        o.line(&format!("IPsec profile {n}"));
        kv(o, "DF bit", p.df_bit.map(|d| d.to_string()).unwrap_or("propagate".into()));
        kv(o, "MTU", or_dash(p.mtu));
        let tunnel = cfg.tunnels.get(n).filter(|t| t.kind == TunnelKind::OnDemand).map(|_| n.clone());
        kv(o, "On-demand tunnel", tunnel.unwrap_or("- (no on-demand tunnel of this name)".into()));
        for (seq, e) in &p.entries {
            kv(
                o,
                &format!("Seq {seq}"),
                format!(
                    "ipsec-policy {}{}",
                    e.policy,
                    e.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()
                ),
            );
        }
    }
    Ok(())
}

/// The state of a tunnel and why it is down (from the configuration checks).
pub fn tunnel_state(
    cfg: &Config,
    problems: &[edgesh_engine::validate::Problem],
    name: &str,
    t: &Tunnel,
) -> (String, Vec<String>) {
    if t.shutdown {
        return ("Admin down".into(), vec!["shutdown".into()]);
    }
    let obj = edgesh_engine::validate::ObjectRef::tunnel(name);
    let mut reasons: Vec<String> = object_problems(problems, &obj).map(|p| super::wording::issue(&p.issue)).collect();
    if let Some(p) = t
        .ike_policy
        .as_ref()
        .and_then(|p| cfg.contexts.get(t.ike_context()).and_then(|c| c.ike_policies.get(p)).map(|x| (p, x)))
    {
        let pobj = edgesh_engine::validate::ObjectRef::ike_policy(t.ike_context(), p.1.version, p.0);
        reasons.extend(
            object_problems(problems, &pobj)
                .map(|x| format!("ike policy {}: {}", p.0, super::wording::issue(&x.issue))),
        );
    }
    if t.kind == TunnelKind::OnDemand {
        // The profile named after the tunnel, in the context of its interface.
        let pctx =
            t.bind_interface.as_ref().and_then(|(_, c)| c.clone()).unwrap_or_else(|| t.ike_context().to_string());
        let pobj = edgesh_engine::validate::ObjectRef::ipsec_profile(&pctx, name);
        reasons.extend(
            object_problems(problems, &pobj)
                .map(|x| format!("ipsec profile {name}: {}", super::wording::issue(&x.issue))),
        );
    }
    if reasons.is_empty() {
        reasons.push(if t.kind == TunnelKind::OnDemand {
            "waiting for remote peers".into()
        } else {
            "no IKE SA established".into()
        });
    }
    ("Down".into(), reasons)
}

/// The engine's counters as `show ... statistics` lists them; the global
/// view adds what only the whole ASP counts (malformed packets, half-open drops).
pub(crate) fn ike_counter_rows(st: &edgesh_engine::ike::endpoint::Stats, global: bool) -> Vec<(&'static str, u64)> {
    let mut v = vec![
        ("Phase-I SAs established", st.p1_established),
        ("Phase-I negotiations failed", st.p1_failed),
        ("Phase-II SA pairs established", st.p2_established),
        ("Phase-II negotiations failed", st.p2_failed),
        ("Packets received", st.rx_packets),
        ("Packets sent", st.tx_packets),
    ];
    if global {
        v.push(("Malformed packets received", st.rx_malformed));
    }
    v.extend([
        ("Retransmissions", st.retransmits),
        ("Notifies received", st.notifies_rx),
        ("Notifies sent", st.notifies_tx),
        ("Deletes received", st.deletes_rx),
        ("Deletes sent", st.deletes_tx),
    ]);
    if global {
        v.push(("First messages dropped (half-open limit)", st.half_open_dropped));
    }
    v
}

/// Engine state per tunnel: (IKE SAs up, IPsec SA pairs, SA detail lines).
pub(crate) type TunnelSas = std::collections::BTreeMap<String, (usize, usize, Vec<String>)>;

fn show_tunnels(
    cfg: &Config,
    sas: &TunnelSas,
    name: Option<&str>,
    remote: Option<&str>,
    detail: bool,
    o: &mut dyn Out,
) -> CmdResult {
    if let Some(n) = name
        && !cfg.tunnels.contains_key(n)
    {
        return not_found("Tunnel", n);
    }
    let remote: Option<std::net::Ipv4Addr> = remote.and_then(|r| r.parse().ok());
    let problems = validate(cfg);
    let sel: Vec<(&String, &Tunnel)> = cfg
        .tunnels
        .iter()
        .filter(|(n, _)| name.is_none_or(|x| x == n.as_str()))
        .filter(|(_, t)| remote.is_none_or(|r| t.remote == Some(r)))
        .collect();
    if !detail {
        let rows = sel
            .iter()
            .map(|(n, t)| {
                let (state, _) = live_state(cfg, &problems, sas, n, t);
                vec![
                    n.to_string(),
                    t.kind.word().to_string(),
                    t.ike_context().to_string(),
                    or_dash(t.local),
                    or_dash(t.remote),
                    or_dash(t.remote_id.as_ref().or(None)),
                    state,
                ]
            })
            .collect();
        table(&["Tunnel", "Type", "Context", "Local", "Remote", "Remote ID", "State"], rows, o);
        let up = sel.iter().filter(|(n, _)| sas.get(n.as_str()).is_some_and(|x| x.1 > 0)).count();
        o.line(&format!("Total tunnels: {}, up: {up}, down: {}", sel.len(), sel.len() - up));
        return Ok(());
    }
    for (n, t) in sel {
        let (state, reasons) = live_state(cfg, &problems, sas, n, t);
        o.line(&format!("Tunnel ipsec {n}"));
        kv(o, "Type", t.kind.proto_name());
        kv(o, "Mode", if t.economical { "economical" } else { "circuit-based" });
        kv(o, "Description", or_dash(t.description.as_ref()));
        kv(o, "State", &state);
        for r in &reasons {
            kv(o, "Down reason", r);
        }
        kv(o, "Context", t.ike_context());
        kv(o, "Local end point", or_dash(t.local));
        kv(o, "Remote end point", or_dash(t.remote));
        kv(o, "Remote ID", or_dash(t.remote_id.as_ref()));
        kv(
            o,
            "Bound to",
            t.bind_interface
                .as_ref()
                .map(|(i, c)| format!("{i} (context {})", c.as_deref().unwrap_or(t.ike_context())))
                .unwrap_or("-".into()),
        );
        kv(o, "IKE policy", or_dash(t.ike_policy.as_ref()));
        kv(o, "DF bit", t.df_bit);
        kv(o, "MTU", or_dash(t.mtu));
        kv(o, "QoS policy", or_dash(t.qos_policy.as_ref()));
        kv(o, "TS-guided routes", if t.ts_guided_routes { "enabled" } else { "disabled" });
        if t.kind == TunnelKind::OnDemand {
            kv(o, "Max tunnels", or_dash(t.max_tunnels));
        }
        for (seq, e) in &t.entries {
            let v = match e {
                TunnelEntry::Policy(p) => format!(
                    "ipsec-policy {}{}",
                    p.policy,
                    p.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()
                ),
                TunnelEntry::ManualSa { sa, access_group } => {
                    format!(
                        "security-association {sa}{}",
                        access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default()
                    )
                }
            };
            kv(o, &format!("Seq {seq}"), v);
        }
        let (ike, ipsec, lines) = sas.get(n.as_str()).cloned().unwrap_or_default();
        kv(o, "IKE SAs", ike);
        kv(o, "IPsec SAs", ipsec);
        for l in lines {
            o.line(&l);
        }
    }
    Ok(())
}

/// The configured state, overridden by the engine: a tunnel with IPsec SAs is up.
pub(crate) fn live_state(
    cfg: &Config,
    problems: &[edgesh_engine::validate::Problem],
    sas: &TunnelSas,
    name: &str,
    t: &Tunnel,
) -> (String, Vec<String>) {
    let (state, reasons) = tunnel_state(cfg, problems, name, t);
    match sas.get(name) {
        Some((_, n, _)) if *n > 0 && !t.shutdown => ("Up".into(), Vec::new()),
        Some((i, 0, _)) if *i > 0 && !t.shutdown => ("Down".into(), vec!["IKE SA up, no IPsec SA established".into()]),
        _ => (state, reasons),
    }
}

pub(crate) fn uptime(secs: u64) -> String {
    format!("{} days, {} hours {} minutes {} secs", secs / 86_400, (secs / 3600) % 24, (secs / 60) % 60, secs % 60)
}

/// What `show configuration [ike | ipsec | tunnel] [all-contexts] [verbose]` lists.
pub fn selection(a: &crate::session::Args, context: &str) -> Selection {
    let verbose = a.has("verbose");
    match ["ike", "ipsec", "tunnel"].into_iter().find(|p| a.has(p)) {
        None => Selection { verbose, ..Selection::all() },
        Some(p) => Selection {
            other: false,
            ike: p == "ike",
            ipsec: p == "ipsec",
            tunnel: p == "tunnel",
            context: (!a.has("all-contexts")).then(|| context.to_string()),
            verbose,
            whole: false,
        },
    }
}
