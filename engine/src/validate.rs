//! Whole-configuration checks run at commit.
//!
//! Errors are values and combinations that can never work (an IKEv1 policy
//! that references an IKEv2 proposal, a 17th proposal, `both` with `in`):
//! they fail the commit. Warnings are references to objects that do not exist
//! (yet): configurations are pasted in any order and the real box accepts
//! them, so the commit goes through and the object stays down with the reason
//! shown by `show` (see [`object_problems`]).

use crate::config::*;
use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// The configuration object a problem concerns. Each dialect names it in its
/// own syntax (`modes/src/smartedge/wording.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    AspGroup(String),
    IpsecPolicy(String),
    IpsecProposal(String),
    /// A manual IPsec SA.
    IpsecSa(String),
    Port {
        slot: u32,
        port: u32,
    },
    /// A context, or an object inside it.
    Context {
        context: String,
        object: InContext,
    },
    /// The set of all tunnels (their number).
    Tunnels,
    Tunnel(String),
}

/// An object inside a context.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InContext {
    /// The context itself.
    Itself,
    IkePolicy {
        version: IkeVersion,
        name: String,
    },
    Interface(String),
    Route(Prefix4),
    IpsecProfile(String),
}

impl ObjectRef {
    pub fn context(context: &str, object: InContext) -> ObjectRef {
        ObjectRef::Context { context: context.to_string(), object }
    }
    pub fn ike_policy(context: &str, version: IkeVersion, name: &str) -> ObjectRef {
        ObjectRef::context(context, InContext::IkePolicy { version, name: name.to_string() })
    }
    pub fn ipsec_profile(context: &str, name: &str) -> ObjectRef {
        ObjectRef::context(context, InContext::IpsecProfile(name.to_string()))
    }
    pub fn tunnel(name: &str) -> ObjectRef {
        ObjectRef::Tunnel(name.to_string())
    }
}

/// Problems are listed by object in the order the objects appear in the
/// configuration text (kinds in this order, names as text).
impl Ord for ObjectRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn rank(o: &ObjectRef) -> u8 {
            match o {
                ObjectRef::AspGroup(_) => 0,
                ObjectRef::Context { .. } => 1,
                ObjectRef::IpsecPolicy(_) => 2,
                ObjectRef::IpsecProposal(_) => 3,
                ObjectRef::IpsecSa(_) => 4,
                ObjectRef::Port { .. } => 5,
                ObjectRef::Tunnels => 6,
                ObjectRef::Tunnel(_) => 7,
            }
        }
        fn inner(o: &InContext) -> (u8, String) {
            match o {
                InContext::Itself => (0, String::new()),
                InContext::IkePolicy { version: IkeVersion::V1, name } => (1, name.clone()),
                InContext::IkePolicy { version: IkeVersion::V2, name } => (2, name.clone()),
                InContext::Interface(n) => (3, n.clone()),
                InContext::Route(p) => (4, p.to_string()),
                InContext::IpsecProfile(n) => (5, n.clone()),
            }
        }
        use ObjectRef::*;
        match (self, other) {
            (AspGroup(a), AspGroup(b))
            | (IpsecPolicy(a), IpsecPolicy(b))
            | (IpsecProposal(a), IpsecProposal(b))
            | (IpsecSa(a), IpsecSa(b))
            | (Tunnel(a), Tunnel(b)) => a.cmp(b),
            (Port { slot: s1, port: p1 }, Port { slot: s2, port: p2 }) => {
                format!("{s1}/{p1}").cmp(&format!("{s2}/{p2}"))
            }
            (Context { context: c1, object: o1 }, Context { context: c2, object: o2 }) => {
                c1.cmp(c2).then_with(|| inner(o1).cmp(&inner(o2)))
            }
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl PartialOrd for ObjectRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What is wrong, with the values concerned. The dialect words it
/// (`modes/src/smartedge/wording.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    AspPoolMissing(String),
    TooManyProposals(usize),
    IpsecProposalMissing { seq: u32, name: String },
    NullEspNeedsAuth,
    ContextMissing(String),
    InterfaceMissingIn { interface: String, context: String },
    BothWithInOrOut,
    UnpairedSas,
    NoSaAttributes,
    NoSecurityProtocol(SaDir),
    EspNeedsSpi(SaDir),
    EspNeedsKey(SaDir),
    AhNeedsSpi(SaDir),
    AhNeedsKey(SaDir),
    ProtocolsDiffer,
    AspGroupMissing(String),
    UnnumberedInterfaceMissing(String),
    InterfaceMissing(String),
    IkeProposalMissing { seq: u32, version: IkeVersion, name: String },
    ProposalVersion { seq: u32, policy: IkeVersion, name: String, proposal: IkeVersion },
    NoProposal,
    NoPreSharedKey,
    AaaNeedsResponderOnly,
    TooManyProfileEntries(usize),
    IpsecPolicyMissing { seq: u32, name: String },
    AclMissingIn { seq: u32, acl: String, context: String },
    TooManyTunnels(usize),
    EndPointContextMissing(String),
    TooManyTunnelEntries(usize),
    NoEndPoint,
    LocalNotOwned { local: Ipv4Addr, context: String },
    NotBound,
    BindContextMissing(String),
    BindInterfaceMissing { interface: String, context: String },
    OnDemandNeedsMultibind(String),
    QosPolicyMissing(String),
    ManualWithIkePolicy,
    ManualWithTsRoutes,
    MaxTunnelsNotOnDemand,
    ManualNeedsRemote,
    StaticNeedsRemote,
    OnDemandHasRemote,
    NoIkePolicy,
    IkePolicyMissing { name: String, context: String },
    OnDemandNeedsAggressive(String),
    UseAaaNotOnDemand(String),
    ProfileMissing { name: String, context: String },
    ManualWithPolicyEntry { seq: u32, policy: String },
    SaEntryNeedsManual { seq: u32, sa: String },
    AclMissing { seq: u32, acl: String },
    IpsecSaMissing { seq: u32, sa: String },
    NoEntry,
    RemoteIdTaken { remote_id: String, context: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// The object concerned.
    pub object: ObjectRef,
    pub issue: Issue,
}

struct Checker {
    out: Vec<Problem>,
}

impl Checker {
    fn err(&mut self, object: &ObjectRef, issue: Issue) {
        self.out.push(Problem { severity: Severity::Error, object: object.clone(), issue });
    }
    fn warn(&mut self, object: &ObjectRef, issue: Issue) {
        self.out.push(Problem { severity: Severity::Warning, object: object.clone(), issue });
    }
}

/// Check the whole configuration. The result is sorted: errors first, then by object.
pub fn validate(cfg: &Config) -> Vec<Problem> {
    let mut c = Checker { out: Vec::new() };
    check_global(cfg, &mut c);
    for name in cfg.context_names() {
        check_context(cfg, name, &cfg.contexts[name], &mut c);
    }
    check_tunnels(cfg, &mut c);
    c.out.sort_by(|a, b| (a.severity, &a.object).cmp(&(b.severity, &b.object)));
    c.out
}

/// The problems that concern one object (for the "down reason" of `show`).
pub fn object_problems<'a>(problems: &'a [Problem], object: &ObjectRef) -> impl Iterator<Item = &'a Problem> {
    let object = object.clone();
    problems.iter().filter(move |p| p.object == object)
}

fn check_global(cfg: &Config, c: &mut Checker) {
    for (name, g) in &cfg.asp_groups {
        for p in &g.pools {
            if !cfg.asp_pools.contains_key(p) {
                c.warn(&ObjectRef::AspGroup(name.clone()), Issue::AspPoolMissing(p.clone()));
            }
        }
    }
    for (name, p) in &cfg.ipsec_policies {
        let obj = ObjectRef::IpsecPolicy(name.clone());
        if p.proposals.len() > MAX_POLICY_PROPOSALS {
            c.err(&obj, Issue::TooManyProposals(p.proposals.len()));
        }
        for (seq, prop) in &p.proposals {
            if !cfg.ipsec_proposals.contains_key(prop) {
                c.warn(&obj, Issue::IpsecProposalMissing { seq: *seq, name: prop.clone() });
            }
        }
    }
    for (name, p) in &cfg.ipsec_proposals {
        // RFC 4303: ESP provides confidentiality, integrity or both, never neither.
        if p.effective().esp == Some((EspEncr::Null, None)) {
            c.err(&ObjectRef::IpsecProposal(name.clone()), Issue::NullEspNeedsAuth);
        }
    }
    for (name, sa) in &cfg.ipsec_sas {
        check_manual_sa(name, sa, c);
    }
    for ((slot, port), p) in &cfg.ports {
        let obj = ObjectRef::Port { slot: *slot, port: *port };
        if let Some((ifname, ctx)) = &p.bind {
            match cfg.contexts.get(ctx) {
                None => c.warn(&obj, Issue::ContextMissing(ctx.clone())),
                Some(cx) if !cx.interfaces.contains_key(ifname) => {
                    c.warn(&obj, Issue::InterfaceMissingIn { interface: ifname.clone(), context: ctx.clone() })
                }
                _ => {}
            }
        }
    }
}

fn check_manual_sa(name: &str, sa: &IpsecSa, c: &mut Checker) {
    let obj = ObjectRef::IpsecSa(name.to_string());
    let has = |d| sa.dirs.contains_key(&d);
    if has(SaDir::Both) && (has(SaDir::In) || has(SaDir::Out)) {
        c.err(&obj, Issue::BothWithInOrOut);
    }
    if has(SaDir::In) != has(SaDir::Out) {
        c.err(&obj, Issue::UnpairedSas);
    }
    if sa.dirs.is_empty() {
        c.warn(&obj, Issue::NoSaAttributes);
    }
    let proto = |k: &ManualSaKeys| {
        (k.esp_spi.is_some() || k.esp_auth.is_some() || k.esp_encr.is_some(), k.ah_spi.is_some() || k.ah.is_some())
    };
    for (dir, k) in &sa.dirs {
        let (esp, ah) = proto(k);
        if !esp && !ah {
            c.err(&obj, Issue::NoSecurityProtocol(*dir));
        }
        if esp && k.esp_spi.is_none() {
            c.err(&obj, Issue::EspNeedsSpi(*dir));
        }
        if esp && k.esp_auth.is_none() && k.esp_encr.is_none() {
            c.err(&obj, Issue::EspNeedsKey(*dir));
        }
        if ah && k.ah_spi.is_none() {
            c.err(&obj, Issue::AhNeedsSpi(*dir));
        }
        if ah && k.ah.is_none() {
            c.err(&obj, Issue::AhNeedsKey(*dir));
        }
    }
    if let (Some(i), Some(o)) = (sa.dirs.get(&SaDir::In), sa.dirs.get(&SaDir::Out))
        && proto(i) != proto(o)
    {
        c.err(&obj, Issue::ProtocolsDiffer);
    }
}

fn check_context(cfg: &Config, name: &str, ctx: &Context, c: &mut Checker) {
    if let Some(g) = &ctx.asp_group
        && !cfg.asp_groups.contains_key(g)
    {
        c.warn(&ObjectRef::context(name, InContext::Itself), Issue::AspGroupMissing(g.clone()));
    }
    for (ifname, i) in &ctx.interfaces {
        if let Some(u) = &i.unnumbered
            && !ctx.interfaces.contains_key(u)
        {
            c.warn(
                &ObjectRef::context(name, InContext::Interface(ifname.clone())),
                Issue::UnnumberedInterfaceMissing(u.clone()),
            );
        }
    }
    for r in &ctx.routes {
        if let NextHop::Interface(i) = &r.next_hop
            && !ctx.interfaces.contains_key(i)
        {
            c.warn(&ObjectRef::context(name, InContext::Route(r.prefix)), Issue::InterfaceMissing(i.clone()));
        }
    }
    for (pname, p) in &ctx.ike_policies {
        let obj = || ObjectRef::ike_policy(name, p.version, pname);
        if p.proposals.len() > MAX_POLICY_PROPOSALS {
            c.err(&obj(), Issue::TooManyProposals(p.proposals.len()));
        }
        let mut needs_psk = p.version == IkeVersion::V2 && p.authentication == AuthMethod::PreSharedKey;
        for (seq, prop) in &p.proposals {
            match cfg.ike_proposals.get(prop) {
                None => c.warn(&obj(), Issue::IkeProposalMissing { seq: *seq, version: p.version, name: prop.clone() }),
                Some(pr) if pr.version != p.version => c.err(
                    &obj(),
                    Issue::ProposalVersion { seq: *seq, policy: p.version, name: prop.clone(), proposal: pr.version },
                ),
                Some(pr) => {
                    if p.version == IkeVersion::V1 && pr.auth_method == AuthMethod::PreSharedKey {
                        needs_psk = true;
                    }
                }
            }
        }
        if p.proposals.is_empty() {
            c.warn(&obj(), Issue::NoProposal);
        }
        if needs_psk && p.pre_shared_key.is_none() {
            c.warn(&obj(), Issue::NoPreSharedKey);
        }
        if p.address_allocation_aaa && p.connection_type != ConnectionType::ResponderOnly {
            c.err(&obj(), Issue::AaaNeedsResponderOnly);
        }
    }
    for (aname, a) in &ctx.ipsec_profiles {
        let obj = || ObjectRef::ipsec_profile(name, aname);
        if a.entries.len() > MAX_TUNNEL_ENTRIES {
            c.err(&obj(), Issue::TooManyProfileEntries(a.entries.len()));
        }
        for (seq, e) in &a.entries {
            if !cfg.ipsec_policies.contains_key(&e.policy) {
                c.warn(&obj(), Issue::IpsecPolicyMissing { seq: *seq, name: e.policy.clone() });
            }
            if let Some(acl) = &e.access_group
                && !ctx.ipsec_acls.contains_key(acl)
            {
                c.warn(&obj(), Issue::AclMissingIn { seq: *seq, acl: acl.clone(), context: name.to_string() });
            }
        }
    }
}

fn check_tunnels(cfg: &Config, c: &mut Checker) {
    if cfg.tunnels.len() > MAX_TUNNELS {
        c.err(&ObjectRef::Tunnels, Issue::TooManyTunnels(cfg.tunnels.len()));
    }
    // Lookups only (hash sets); what is reported is iterated in name order.
    let mut static_ids: HashSet<(&str, String)> = HashSet::with_capacity(cfg.tunnels.len());
    let mut ondemand_ids: BTreeMap<(&str, String), &str> = BTreeMap::new();
    // The interface addresses of each context, looked up once (not per tunnel).
    let mut owned: HashSet<(&str, std::net::Ipv4Addr)> = HashSet::new();
    for (cn, cx) in &cfg.contexts {
        for i in cx.interfaces.values() {
            for a in i.address.iter().chain(i.secondary.iter()) {
                owned.insert((cn.as_str(), a.addr));
            }
        }
    }
    for (name, t) in &cfg.tunnels {
        let obj = || ObjectRef::tunnel(name);
        let ctxname = t.ike_context();
        let ctx = cfg.contexts.get(ctxname);
        if t.context.is_some() && ctx.is_none() {
            c.warn(&obj(), Issue::EndPointContextMissing(ctxname.to_string()));
        }
        if t.entries.len() > MAX_TUNNEL_ENTRIES {
            c.err(&obj(), Issue::TooManyTunnelEntries(t.entries.len()));
        }
        match t.local {
            None => c.warn(&obj(), Issue::NoEndPoint),
            Some(l) => {
                if ctx.is_some() && !owned.contains(&(ctxname, l)) {
                    c.warn(&obj(), Issue::LocalNotOwned { local: l, context: ctxname.to_string() });
                }
            }
        }
        // The tunnel interface: the named context, else the end point's.
        let bind_ctx: Option<&str> = t.bind_interface.as_ref().map(|(_, bc)| bc.as_deref().unwrap_or(ctxname));
        match &t.bind_interface {
            None => c.warn(&obj(), Issue::NotBound),
            Some((ifname, _)) => {
                let bc = bind_ctx.unwrap_or_default();
                match cfg.contexts.get(bc) {
                    None => c.warn(&obj(), Issue::BindContextMissing(bc.to_string())),
                    Some(cx) => match cx.interfaces.get(ifname) {
                        None => c.warn(
                            &obj(),
                            Issue::BindInterfaceMissing { interface: ifname.clone(), context: bc.to_string() },
                        ),
                        Some(i) => {
                            if t.kind == TunnelKind::OnDemand && i.kind != InterfaceKind::IpsecMultibind {
                                c.err(&obj(), Issue::OnDemandNeedsMultibind(ifname.clone()));
                            }
                        }
                    },
                }
            }
        }
        if let Some(q) = &t.qos_policy
            && !cfg.ipsec_qos.contains_key(q)
        {
            c.warn(&obj(), Issue::QosPolicyMissing(q.clone()));
        }
        let acl_exists = |acl: &str| {
            bind_ctx.and_then(|b| cfg.contexts.get(b)).is_some_and(|cx| cx.ipsec_acls.contains_key(acl))
                || ctx.is_some_and(|cx| cx.ipsec_acls.contains_key(acl))
        };
        match t.kind {
            TunnelKind::Manual => {
                if t.ike_policy.is_some() {
                    c.err(&obj(), Issue::ManualWithIkePolicy);
                }
                if t.ts_guided_routes {
                    c.err(&obj(), Issue::ManualWithTsRoutes);
                }
                if t.max_tunnels.is_some() {
                    c.err(&obj(), Issue::MaxTunnelsNotOnDemand);
                }
                if t.local.is_some() && t.remote.is_none() {
                    c.err(&obj(), Issue::ManualNeedsRemote);
                }
            }
            TunnelKind::Static | TunnelKind::OnDemand => {
                if t.kind == TunnelKind::Static {
                    if t.max_tunnels.is_some() {
                        c.err(&obj(), Issue::MaxTunnelsNotOnDemand);
                    }
                    if t.local.is_some() && t.remote.is_none() {
                        c.err(&obj(), Issue::StaticNeedsRemote);
                    }
                } else if t.remote.is_some() {
                    c.err(&obj(), Issue::OnDemandHasRemote);
                }
                match &t.ike_policy {
                    None => c.warn(&obj(), Issue::NoIkePolicy),
                    Some(p) => match ctx.and_then(|cx| cx.ike_policies.get(p)) {
                        None => {
                            c.warn(&obj(), Issue::IkePolicyMissing { name: p.clone(), context: ctxname.to_string() })
                        }
                        Some(pol) => {
                            if t.kind == TunnelKind::OnDemand
                                && pol.version == IkeVersion::V1
                                && pol.mode != ExchangeMode::Aggressive
                            {
                                c.err(&obj(), Issue::OnDemandNeedsAggressive(p.clone()));
                            }
                            if t.kind == TunnelKind::Static && pol.pre_shared_key == Some(PreSharedKey::UseAaa) {
                                c.err(&obj(), Issue::UseAaaNotOnDemand(p.clone()));
                            }
                        }
                    },
                }
                if t.kind == TunnelKind::OnDemand {
                    let profile_ctx = bind_ctx.unwrap_or(ctxname);
                    if !cfg.contexts.get(profile_ctx).is_some_and(|cx| cx.ipsec_profiles.contains_key(name)) {
                        c.warn(
                            &obj(),
                            Issue::ProfileMissing { name: name.to_string(), context: profile_ctx.to_string() },
                        );
                    }
                }
            }
        }
        for (seq, e) in &t.entries {
            match (e, t.kind) {
                (TunnelEntry::Policy(p), TunnelKind::Manual) => {
                    c.err(&obj(), Issue::ManualWithPolicyEntry { seq: *seq, policy: p.policy.clone() })
                }
                (TunnelEntry::ManualSa { sa, .. }, TunnelKind::Static | TunnelKind::OnDemand) => {
                    c.err(&obj(), Issue::SaEntryNeedsManual { seq: *seq, sa: sa.clone() })
                }
                (TunnelEntry::Policy(p), _) => {
                    if !cfg.ipsec_policies.contains_key(&p.policy) {
                        c.warn(&obj(), Issue::IpsecPolicyMissing { seq: *seq, name: p.policy.clone() });
                    }
                    if let Some(a) = &p.access_group
                        && !acl_exists(a)
                    {
                        c.warn(&obj(), Issue::AclMissing { seq: *seq, acl: a.clone() });
                    }
                }
                (TunnelEntry::ManualSa { sa, access_group }, _) => {
                    if !cfg.ipsec_sas.contains_key(sa) {
                        c.warn(&obj(), Issue::IpsecSaMissing { seq: *seq, sa: sa.clone() });
                    }
                    if let Some(a) = access_group
                        && !acl_exists(a)
                    {
                        c.warn(&obj(), Issue::AclMissing { seq: *seq, acl: a.clone() });
                    }
                }
            }
        }
        if t.entries.is_empty() && t.kind != TunnelKind::OnDemand {
            c.warn(&obj(), Issue::NoEntry);
        }
        // Uniqueness across tunnels. Static tunnels may share their end
        // points: the guide restricts remote IKE IDs (section 9.3), not end
        // points, and several tunnels to one peer with different access
        // groups are what IOS's crypto-map entries to one peer compile to;
        // the engine files each child under the tunnel whose selectors it
        // matches (issue 12).
        let rid = t.remote_id.as_ref().map(|i| i.to_string()).or(t.remote.map(|r| r.to_string()));
        match t.kind {
            TunnelKind::Static | TunnelKind::Manual => {
                if let Some(rid) = rid {
                    static_ids.insert((ctxname, rid));
                }
            }
            TunnelKind::OnDemand => {
                if let Some(rid) = rid {
                    ondemand_ids.insert((ctxname, rid), name);
                }
            }
        }
    }
    for (key, name) in ondemand_ids {
        if static_ids.contains(&key) {
            c.err(
                &ObjectRef::tunnel(name),
                Issue::RemoteIdTaken { remote_id: key.1.clone(), context: key.0.to_string() },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Config {
        let mut c = Config::new("r");
        let mut p = IkeProposal::new(IkeVersion::V1);
        p.dh_group = 2;
        c.ike_proposals.insert("p1".into(), p);
        c.ike_proposals.insert("p2".into(), IkeProposal::new(IkeVersion::V2));
        c
    }

    #[test]
    fn version_mismatch_is_an_error_missing_is_a_warning() {
        let mut c = base();
        let mut pol = IkePolicy::new(IkeVersion::V1);
        pol.proposals.insert(10, "p2".into());
        pol.proposals.insert(20, "nope".into());
        pol.pre_shared_key = Some(PreSharedKey::Key(Key::Ascii("k".into())));
        c.contexts.get_mut("local").unwrap().ike_policies.insert("pol".into(), pol);
        let p = validate(&c);
        assert_eq!(p[0].severity, Severity::Error);
        assert!(
            matches!(&p[0].issue, Issue::ProposalVersion { name, proposal: IkeVersion::V2, .. } if name == "p2"),
            "{p:?}"
        );
        assert!(p.iter().any(|x| x.severity == Severity::Warning
            && matches!(&x.issue, Issue::IkeProposalMissing { name, .. } if name == "nope")));
    }

    #[test]
    fn manual_sa_rules() {
        let mut c = base();
        let mut sa = IpsecSa::default();
        sa.dirs.insert(
            SaDir::Both,
            ManualSaKeys { esp_spi: Some(300), esp_encr: Some((EspEncr::Null, None)), ..Default::default() },
        );
        sa.dirs.insert(SaDir::In, ManualSaKeys::default());
        c.ipsec_sas.insert("s".into(), sa);
        let p = validate(&c);
        assert!(p.iter().any(|x| x.issue == Issue::BothWithInOrOut));
        assert!(p.iter().any(|x| x.issue == Issue::UnpairedSas));
    }

    #[test]
    fn static_tunnels_may_share_their_end_points() {
        // Several tunnels to one peer with different selectors (issue 12):
        // the second tunnel has no problem the first has not.
        let mut c = base();
        let mut pol = IkePolicy::new(IkeVersion::V1);
        pol.proposals.insert(10, "p1".into());
        pol.pre_shared_key = Some(PreSharedKey::Key(Key::Ascii("k".into())));
        c.contexts.get_mut("local").unwrap().ike_policies.insert("pol".into(), pol);
        for n in ["t1", "t2"] {
            let mut t = Tunnel::new(TunnelKind::Static, false);
            t.ike_policy = Some("pol".into());
            t.local = Some("192.0.2.1".parse().unwrap());
            t.remote = Some("192.0.2.2".parse().unwrap());
            c.tunnels.insert(n.into(), t);
        }
        let p = validate(&c);
        let issues = |n: &str| {
            object_problems(&p, &ObjectRef::tunnel(n)).map(|x| (x.severity, x.issue.clone())).collect::<Vec<_>>()
        };
        assert_eq!(issues("t1"), issues("t2"), "{p:?}");
    }

    #[test]
    fn on_demand_rules() {
        let mut c = base();
        let mut pol = IkePolicy::new(IkeVersion::V1);
        pol.proposals.insert(10, "p1".into());
        pol.pre_shared_key = Some(PreSharedKey::UseAaa);
        c.contexts.get_mut("local").unwrap().ike_policies.insert("pol".into(), pol);
        let mut t = Tunnel::new(TunnelKind::OnDemand, false);
        t.ike_policy = Some("pol".into());
        t.local = Some("1.1.1.1".parse().unwrap());
        c.tunnels.insert("od".into(), t);
        let p = validate(&c);
        assert!(
            p.iter().any(|x| x.severity == Severity::Error && matches!(x.issue, Issue::OnDemandNeedsAggressive(_))),
            "{p:?}"
        );
        assert!(p.iter().any(|x| matches!(&x.issue, Issue::ProfileMissing { name, .. } if name == "od")));
    }
}
