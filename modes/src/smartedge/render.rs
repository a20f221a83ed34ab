//! `show configuration` in canonical SmartEdge order and indentation.
//!
//! The order follows the guide's saved configurations (Examples 13 and 14):
//! ASP pools and groups, each context (interfaces, administrators, routes,
//! IKE policies, IPsec access lists and profiles) closed by
//! `! ** End Context **`, global logging, tunnels, IKE and IPsec proposals
//! and policies, cards, ports, boot configuration, services, `end`. Lines are
//! written one at a time to an [`Out`], so a 32,000-tunnel configuration
//! streams. Pasting the output back into configuration mode gives the same
//! configuration (tested on every sample of the guide).
//!
//! A value equal to its default is not written; the default is what a new
//! object holds (`IkeProposal::new`, `IkePolicy::new`, `IpsecProposal::new`,
//! `IpsecPolicy::default`, ...: the guide's Tables 1 to 3, stated once in
//! `engine::config`), the same value a `no` form sets.

use crate::out::{Out, VecOut};
use edgesh_engine::Config;
use edgesh_engine::config::*;

/// Which parts to render.
#[derive(Clone, Debug)]
pub struct Selection {
    pub other: bool,
    pub ike: bool,
    pub ipsec: bool,
    pub tunnel: bool,
    /// Only this context (and the tunnels whose local end is in it); `None` for all.
    pub context: Option<String>,
    /// Also print values left at their defaults.
    pub verbose: bool,
    /// A whole configuration (ends with `end`).
    pub whole: bool,
}

impl Selection {
    pub fn all() -> Self {
        Selection { other: true, ike: true, ipsec: true, tunnel: true, context: None, verbose: false, whole: true }
    }
}

/// Quote a word that would not survive tokenizing.
pub fn word(s: &str) -> String {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '"') {
        format!("\"{}\"", s.replace('"', "'"))
    } else {
        s.to_string()
    }
}

fn key(k: &Key) -> String {
    match k {
        Key::Ascii(s) => format!("key {}", word(s)),
        Key::Hex(h) => format!("hex {h}"),
    }
}

fn identity(i: &Identity) -> String {
    match i {
        Identity::Ipv4(a) => a.to_string(),
        Identity::Fqdn(f) => format!("fqdn {}", word(f)),
        Identity::UserFqdn(f) => format!("user-fqdn {}", word(f)),
        // Never from a SmartEdge document (its `remote-id` has no DN form).
        Identity::Dn(_) => format!("dn {}", word(&i.to_string())),
        Identity::Any => "any".into(),
    }
}

fn port_cond(p: &Option<(PortOp, u16)>) -> String {
    p.map(|(op, v)| format!(" {} {v}", op.word())).unwrap_or_default()
}

pub fn acl_rule(r: &AclRule) -> String {
    let proto = match r.protocol {
        None => String::new(),
        Some(6) => "tcp ".into(),
        Some(17) => "udp ".into(),
        Some(1) => "icmp ".into(),
        Some(n) => format!("{n} "),
    };
    let dst = r.dst.as_ref().map(|d| format!(" {d}{}", port_cond(&r.dst_port))).unwrap_or_default();
    format!("{proto}{}{}{dst}", r.src, port_cond(&r.src_port))
}

pub fn tunnel_header(name: &str, t: &Tunnel) -> String {
    let kind = match t.kind {
        TunnelKind::Static => "",
        TunnelKind::OnDemand => " on-demand",
        TunnelKind::Manual => " manual",
    };
    format!("tunnel ipsec {name}{kind}{}", if t.economical { " economical" } else { "" })
}

pub fn render(cfg: &Config, sel: &Selection, out: &mut dyn Out) {
    let v = sel.verbose;
    out.line("!");
    if sel.other {
        out.line(&format!("system hostname {}", cfg.hostname));
        out.line("!");
        for (n, p) in &cfg.asp_pools {
            out.line(&format!("asp pool {n}{}", if p.service_security { " service security" } else { "" }));
            for (s, a) in &p.asps {
                out.line(&format!("  asp {s}/{a}"));
            }
        }
        for (n, g) in &cfg.asp_groups {
            out.line(&format!("asp group {n}"));
            for p in &g.pools {
                out.line(&format!("  pool {p}"));
            }
            if let Some(c) = g.asp_count {
                out.line(&format!("  asp-count {c}"));
            }
        }
        if !cfg.asp_pools.is_empty() || !cfg.asp_groups.is_empty() {
            out.line("!");
        }
    }
    for name in cfg.context_names() {
        if sel.context.as_deref().is_some_and(|c| c != name) {
            continue;
        }
        if sel.whole {
            render_context(name, &cfg.contexts[name], sel, out);
        } else {
            // A section view leaves out contexts with nothing of that section.
            let mut v = VecOut::default();
            render_context(name, &cfg.contexts[name], sel, &mut v);
            if v.0.len() > 4 {
                for l in &v.0 {
                    out.line(l);
                }
            }
        }
    }
    if sel.other {
        let l = &cfg.logging;
        if l.tdm_console {
            out.line("logging tdm console");
        }
        if l.active {
            out.line("logging active");
        }
        if l.standby_short {
            out.line("logging standby short");
        }
        if l.tdm_console || l.active || l.standby_short {
            out.line("!");
        }
    }
    if sel.tunnel {
        for (name, t) in &cfg.tunnels {
            if sel.context.as_deref().is_some_and(|c| c != t.ike_context()) {
                continue;
            }
            render_tunnel(name, t, v, out);
            out.line("!");
        }
    }
    if sel.ike {
        for (name, p) in &cfg.ike_proposals {
            render_ike_proposal(name, p, v, out);
            out.line("!");
        }
    }
    if sel.ipsec {
        render_ipsec_global(cfg, v, out);
    }
    if sel.other {
        for (slot, ty) in &cfg.cards {
            out.line(&format!("card {ty} {slot}"));
            out.line("!");
        }
        for ((s, p), port) in &cfg.ports {
            out.line(&format!("port ethernet {s}/{p}"));
            if let Some(d) = &port.description {
                out.line(&format!("  description {d}"));
            }
            if !port.shutdown {
                out.line("  no shutdown");
            } else if v {
                out.line("  shutdown");
            }
            if let Some((i, c)) = &port.bind {
                out.line(&format!("  bind interface {i} {c}"));
            }
            out.line("!");
        }
        if let Some(b) = &cfg.boot_configuration {
            out.line(&format!("boot configuration {}", word(b)));
            out.line("!");
        }
        for (s, on) in &cfg.services {
            out.line(&format!("{}service {s}", if *on { "" } else { "no " }));
            out.line("!");
        }
    }
    if sel.whole {
        out.line("end");
    }
}

fn render_context(name: &str, c: &Context, sel: &Selection, out: &mut dyn Out) {
    let v = sel.verbose;
    out.line(&format!("context {name}"));
    out.line("!");
    if sel.other {
        if !c.domain_lookup {
            out.line("  no ip domain-lookup");
            out.line("!");
        } else if v {
            out.line("  ip domain-lookup");
            out.line("!");
        }
        for (n, i) in &c.interfaces {
            let kind = match i.kind {
                InterfaceKind::Plain => String::new(),
                k => format!(" {}", k.word()),
            };
            out.line(&format!("  interface {n}{kind}"));
            if let Some(d) = &i.description {
                out.line(&format!("    description {d}"));
            }
            if let Some(a) = &i.address {
                out.line(&format!("    ip address {a}"));
            }
            for a in &i.secondary {
                out.line(&format!("    ip address {a} secondary"));
            }
            if let Some(u) = &i.unnumbered {
                out.line(&format!("    ip unnumbered {u}"));
            }
            out.line("!");
        }
        for (n, a) in &c.administrators {
            out.line(&format!("  administrator {n} encrypted 1 {}", a.hash));
            if let Some(p) = a.privilege_start {
                out.line(&format!("    privilege start {p}"));
            }
            if let Some(p) = a.privilege_max {
                out.line(&format!("    privilege max {p}"));
            }
            match a.idle_timeout {
                IdleTimeout::Default => {}
                IdleTimeout::Never => out.line("    no timeout session idle"),
                IdleTimeout::Minutes(m) => out.line(&format!("    timeout session idle {m}")),
            }
            for k in &a.ssh_keys {
                out.line(&format!("    ssh public-key {k}"));
            }
            out.line("!");
        }
        if let Some(l) = c.ssh_listen {
            let port = if l.port() == 22 { String::new() } else { format!(" port {}", l.port()) };
            out.line(&format!("  ssh server listen {}{port}", l.ip()));
            out.line("!");
        }
        for r in &c.routes {
            let cost = r.cost.map(|c| format!(" cost {c}")).unwrap_or_default();
            out.line(&format!("  ip route {} {}{cost}", r.prefix, r.next_hop));
        }
        if !c.routes.is_empty() {
            out.line("!");
        }
        match c.logging_console {
            Some(true) => out.line("  logging console"),
            Some(false) => out.line("  no logging console"),
            None => {}
        }
        if let Some(g) = &c.asp_group {
            out.line(&format!("  asp-group {g} service security"));
        }
        if c.logging_console.is_some() || c.asp_group.is_some() {
            out.line("!");
        }
    }
    if sel.ike {
        if c.ike_keepalive {
            out.line("  ike keepalive");
            out.line("!");
        } else if v {
            out.line("  no ike keepalive");
            out.line("!");
        }
        for (n, p) in &c.ike_policies {
            render_ike_policy(n, p, v, out);
            out.line("!");
        }
    }
    if sel.ipsec {
        for (n, a) in &c.ipsec_acls {
            out.line(&format!("  ipsec access-list {n}"));
            if let Some(d) = &a.description {
                out.line(&format!("    description {d}"));
            }
            for (seq, r) in &a.rules {
                out.line(&format!("    seq {seq} {}", acl_rule(r)));
            }
            out.line("!");
        }
        for (n, p) in &c.ipsec_profiles {
            out.line(&format!("  ipsec profile {n}"));
            if let Some(d) = p.df_bit {
                out.line(&format!("    df-bit {d}"));
            }
            if let Some(m) = p.mtu {
                out.line(&format!("    mtu {m}"));
            }
            for (seq, e) in &p.entries {
                let acl = e.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default();
                out.line(&format!("    seq {seq} ipsec-policy {}{acl}", e.policy));
            }
            out.line("!");
        }
    }
    out.line("! ** End Context **");
    out.line("!");
}

fn render_ike_policy(n: &str, p: &IkePolicy, v: bool, out: &mut dyn Out) {
    let v2 = p.version == IkeVersion::V2;
    let d = IkePolicy::new(p.version);
    out.line(&format!("  {} policy {n}", p.version.word()));
    if let Some(d) = &p.description {
        out.line(&format!("    description {d}"));
    }
    if v || p.connection_type != d.connection_type {
        out.line(&format!("    connection-type {}", p.connection_type));
    }
    if !v2 && (v || p.mode != d.mode) {
        out.line(&format!("    mode {}", p.mode));
    }
    if v2 && (v || p.authentication != d.authentication) {
        out.line(&format!("    authentication {}", p.authentication));
    }
    if p.address_allocation_aaa {
        out.line("    address-allocation aaa");
    }
    if p.validate_certificate_identity {
        out.line("    validate-certificate-identity");
    }
    if let Some(i) = &p.identity_local {
        out.line(&format!("    identity local {}", identity(i)));
    }
    match &p.pre_shared_key {
        Some(PreSharedKey::Key(Key::Ascii(k))) => out.line(&format!("    pre-shared-key {}", word(k))),
        Some(PreSharedKey::Key(Key::Hex(h))) => out.line(&format!("    pre-shared-key hex {h}")),
        Some(PreSharedKey::UseAaa) => out.line("    pre-shared-key use-aaa"),
        None => {}
    }
    if let Some(i) = &p.identity_remote {
        out.line(&format!("    identity remote {}", identity(i)));
    }
    if v2 && (v || p.lifetime != d.lifetime) {
        out.line(&format!("    lifetime seconds {}", p.lifetime));
    }
    for (seq, prop) in &p.proposals {
        out.line(&format!("    seq {seq} proposal {prop}"));
    }
}

pub fn render_ike_proposal(n: &str, p: &IkeProposal, v: bool, out: &mut dyn Out) {
    let v2 = p.version == IkeVersion::V2;
    let d = IkeProposal::new(p.version);
    out.line(&format!("{} proposal {n}", p.version.word()));
    if let Some(d) = &p.description {
        out.line(&format!("  description {d}"));
    }
    if v || p.auth_alg != d.auth_alg {
        out.line(&format!("  authentication algorithm {}", p.auth_alg));
    }
    if !v2 && (v || p.auth_method != d.auth_method) {
        out.line(&format!("  authentication {}", p.auth_method));
    }
    if v || p.encryption != d.encryption {
        out.line(&format!("  encryption algorithm {}", p.encryption));
    }
    if v2 && (v || p.prf != d.prf) {
        out.line(&format!("  pseudo-random-function {}", p.prf));
    }
    if v || p.dh_group != d.dh_group {
        out.line(&format!("  dh-group {}", p.dh_group));
    }
    if !v2 && (v || p.lifetime != d.lifetime) {
        out.line(&format!("  lifetime seconds {}", p.lifetime));
    }
}

fn render_ipsec_global(cfg: &Config, v: bool, out: &mut dyn Out) {
    for (n, p) in &cfg.ipsec_proposals {
        out.line(&format!("ipsec proposal {n}"));
        if let Some(d) = &p.description {
            out.line(&format!("  description {d}"));
        }
        if p.ip_comp {
            out.line("  ip-comp");
        }
        if v {
            let e = p.effective();
            if let Some((enc, auth)) = e.esp {
                out.line(&format!("  esp encryption {enc}"));
                if let Some(a) = auth {
                    out.line(&format!("  esp authentication {a}"));
                }
            }
            if let Some(a) = e.ah {
                out.line(&format!("  ah {a}"));
            }
        } else {
            if let Some(e) = p.esp_encr {
                out.line(&format!("  esp encryption {e}"));
            }
            if let Some(a) = p.esp_auth {
                out.line(&format!("  esp authentication {a}"));
            }
            if let Some(a) = p.ah {
                out.line(&format!("  ah {a}"));
            }
        }
        if v || p.lifetime_seconds != IpsecProposal::new().lifetime_seconds {
            out.line(&format!("  lifetime seconds {}", p.lifetime_seconds));
        }
        if let Some(k) = p.lifetime_kbytes {
            out.line(&format!("  lifetime kbytes {k}"));
        }
        out.line("!");
    }
    for (n, p) in &cfg.ipsec_policies {
        out.line(&format!("ipsec policy {n}"));
        if let Some(d) = &p.description {
            out.line(&format!("  description {d}"));
        }
        if v || p.anti_replay_window != IpsecPolicy::default().anti_replay_window {
            out.line(&format!("  anti-replay-window {}", p.anti_replay_window));
        }
        if let Some(g) = p.pfs_group {
            out.line(&format!("  perfect-forward-secrecy dh-group {g}"));
        }
        for (seq, prop) in &p.proposals {
            out.line(&format!("  seq {seq} proposal {prop}"));
        }
        out.line("!");
    }
    for (n, sa) in &cfg.ipsec_sas {
        out.line(&format!("ipsec security-association {n}"));
        if let Some(d) = &sa.description {
            out.line(&format!("  description {d}"));
        }
        if v || sa.anti_replay_window != IpsecSa::default().anti_replay_window {
            out.line(&format!("  anti-replay-window {}", sa.anti_replay_window));
        }
        if sa.ip_comp {
            out.line("  ip-comp");
        }
        for (dir, k) in &sa.dirs {
            out.line(&format!("  {dir}"));
            if let Some(s) = k.esp_spi {
                out.line(&format!("    esp spi {s}"));
            }
            if let Some((a, kk)) = &k.esp_auth {
                out.line(&format!("    esp authentication {a} {}", key(kk)));
            }
            match &k.esp_encr {
                Some((EspEncr::Null, _)) => out.line("    esp encryption null"),
                Some((e, Some(kk))) => out.line(&format!("    esp encryption {e} {}", key(kk))),
                _ => {}
            }
            if let Some(s) = k.ah_spi {
                out.line(&format!("    ah spi {s}"));
            }
            if let Some((a, kk)) = &k.ah {
                out.line(&format!("    ah {a} {}", key(kk)));
            }
        }
        out.line("!");
    }
    for (n, q) in &cfg.ipsec_qos {
        out.line(&format!("ipsec qos policy {n} pq"));
        if v || q.num_queues != 1 {
            out.line(&format!("  num-queues {}", q.num_queues));
        }
        out.line("!");
    }
}

fn render_tunnel(name: &str, t: &Tunnel, v: bool, out: &mut dyn Out) {
    out.line(&tunnel_header(name, t));
    if let Some(d) = &t.description {
        out.line(&format!("  description {d}"));
    }
    if let Some(l) = t.local {
        let r = t.remote.map(|r| format!(" remote {r}")).unwrap_or_default();
        let c = t.context.as_ref().map(|c| format!(" context {c}")).unwrap_or_default();
        out.line(&format!("  peer-end-point local {l}{r}{c}"));
    }
    if let Some((i, c)) = &t.bind_interface {
        out.line(&format!("  bind interface {i}{}", c.as_ref().map(|c| format!(" {c}")).unwrap_or_default()));
    }
    if let Some(r) = &t.remote_id {
        out.line(&format!("  remote-id {}", word(&r.to_string())));
    }
    if let Some(p) = &t.ike_policy {
        out.line(&format!("  ike-policy {p}"));
    }
    if v || t.df_bit != DfBit::Propagate {
        out.line(&format!("  df-bit {}", t.df_bit));
    }
    if let Some(q) = &t.qos_policy {
        out.line(&format!("  qos policy queuing {q}"));
    }
    if t.ts_guided_routes {
        out.line("  ip route traffic-selector-guided");
    }
    if let Some(m) = t.mtu {
        out.line(&format!("  mtu {m}"));
    }
    if let Some(m) = t.max_tunnels {
        out.line(&format!("  max-tunnels {m}"));
    }
    if t.shutdown {
        out.line("  shutdown");
    }
    for (seq, e) in &t.entries {
        match e {
            TunnelEntry::Policy(p) => {
                let acl = p.access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default();
                out.line(&format!("  seq {seq} ipsec-policy {}{acl}", p.policy));
            }
            TunnelEntry::ManualSa { sa, access_group } => {
                let acl = access_group.as_ref().map(|a| format!(" access-group {a}")).unwrap_or_default();
                out.line(&format!("  seq {seq} security-association {sa}{acl}"));
            }
        }
    }
}

/// The rendering as lines.
pub fn to_lines(cfg: &Config, sel: &Selection) -> Vec<String> {
    let mut o = VecOut::default();
    render(cfg, sel, &mut o);
    o.0
}
