//! Three-way merge of SmartEdge candidates: when another session committed
//! after this session's candidate was started, this session's changes
//! (base -> candidate) are applied onto the new running configuration, object
//! by object (a context's interfaces, IKE policies, ACLs, ...; global
//! proposals, tunnels, ...). An object both sides changed differently is a
//! conflict, and the commit is refused.

use edgesh_engine::Config;
use edgesh_engine::config::Context;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

fn key_name<K: Debug>(k: &K) -> String {
    let s = format!("{k:?}");
    s.trim_matches('"').to_string()
}

fn merge_map<K: Ord + Clone + Debug, V: Clone + PartialEq>(
    what: &str,
    b: &BTreeMap<K, V>,
    m: &BTreeMap<K, V>,
    t: &BTreeMap<K, V>,
    out: &mut BTreeMap<K, V>,
    c: &mut Vec<String>,
) {
    let keys: BTreeSet<&K> = b.keys().chain(m.keys()).collect();
    for k in keys {
        let (bv, mv, tv) = (b.get(k), m.get(k), t.get(k));
        if bv == mv {
            continue;
        }
        if bv == tv || mv == tv {
            match mv {
                Some(v) => {
                    out.insert(k.clone(), v.clone());
                }
                None => {
                    out.remove(k);
                }
            }
        } else {
            c.push(format!("{what} {}", key_name(k)));
        }
    }
}

fn merge_val<V: Clone + PartialEq>(what: &str, b: &V, m: &V, t: &V, out: &mut V, c: &mut Vec<String>) {
    if b != m {
        if b == t || m == t {
            *out = m.clone();
        } else {
            c.push(what.to_string());
        }
    }
}

fn merge_context(name: &str, b: &Context, m: &Context, t: &Context, out: &mut Context, c: &mut Vec<String>) {
    let w = |x: &str| format!("context {name} {x}");
    merge_val(&w("domain-lookup"), &b.domain_lookup, &m.domain_lookup, &t.domain_lookup, &mut out.domain_lookup, c);
    merge_val(
        &w("logging console"),
        &b.logging_console,
        &m.logging_console,
        &t.logging_console,
        &mut out.logging_console,
        c,
    );
    merge_map(&w("interface"), &b.interfaces, &m.interfaces, &t.interfaces, &mut out.interfaces, c);
    merge_map(&w("administrator"), &b.administrators, &m.administrators, &t.administrators, &mut out.administrators, c);
    merge_val(&w("ip routes"), &b.routes, &m.routes, &t.routes, &mut out.routes, c);
    merge_val(&w("ssh server listen"), &b.ssh_listen, &m.ssh_listen, &t.ssh_listen, &mut out.ssh_listen, c);
    merge_val(&w("asp-group"), &b.asp_group, &m.asp_group, &t.asp_group, &mut out.asp_group, c);
    merge_val(&w("ike keepalive"), &b.ike_keepalive, &m.ike_keepalive, &t.ike_keepalive, &mut out.ike_keepalive, c);
    merge_map(&w("ike policy"), &b.ike_policies, &m.ike_policies, &t.ike_policies, &mut out.ike_policies, c);
    merge_map(&w("ipsec access-list"), &b.ipsec_acls, &m.ipsec_acls, &t.ipsec_acls, &mut out.ipsec_acls, c);
    merge_map(&w("ipsec profile"), &b.ipsec_profiles, &m.ipsec_profiles, &t.ipsec_profiles, &mut out.ipsec_profiles, c);
}

/// Apply `mine`'s changes from `base` onto `theirs`. `Err` lists the
/// objects both changed.
pub fn merge(base: &Config, mine: &Config, theirs: &Config) -> Result<Config, Vec<String>> {
    let (b, m, t) = (base, mine, theirs);
    let mut out = t.clone();
    let mut c = Vec::new();
    merge_val("hostname", &b.hostname, &m.hostname, &t.hostname, &mut out.hostname, &mut c);
    let names: BTreeSet<&String> = b.contexts.keys().chain(m.contexts.keys()).collect();
    for n in names {
        let (bc, mc, tc) = (b.contexts.get(n), m.contexts.get(n), t.contexts.get(n));
        if bc == mc {
            continue;
        }
        match (bc, mc, tc) {
            (_, Some(mc), Some(tc)) => {
                let empty = Context::default();
                let bc = bc.unwrap_or(&empty);
                let mut merged = tc.clone();
                merge_context(n, bc, mc, tc, &mut merged, &mut c);
                out.contexts.insert(n.clone(), merged);
            }
            (_, Some(mc), None) if bc.is_none() => {
                out.contexts.insert(n.clone(), mc.clone());
            }
            (Some(bc), None, Some(tc)) if bc == tc => {
                out.contexts.remove(n);
            }
            (_, None, None) => {}
            _ => c.push(format!("context {n}")),
        }
    }
    merge_map("asp pool", &b.asp_pools, &m.asp_pools, &t.asp_pools, &mut out.asp_pools, &mut c);
    merge_map("asp group", &b.asp_groups, &m.asp_groups, &t.asp_groups, &mut out.asp_groups, &mut c);
    merge_map("card", &b.cards, &m.cards, &t.cards, &mut out.cards, &mut c);
    merge_map("port ethernet", &b.ports, &m.ports, &t.ports, &mut out.ports, &mut c);
    merge_map("ike proposal", &b.ike_proposals, &m.ike_proposals, &t.ike_proposals, &mut out.ike_proposals, &mut c);
    merge_map(
        "ipsec proposal",
        &b.ipsec_proposals,
        &m.ipsec_proposals,
        &t.ipsec_proposals,
        &mut out.ipsec_proposals,
        &mut c,
    );
    merge_map("ipsec policy", &b.ipsec_policies, &m.ipsec_policies, &t.ipsec_policies, &mut out.ipsec_policies, &mut c);
    merge_map("ipsec sa", &b.ipsec_sas, &m.ipsec_sas, &t.ipsec_sas, &mut out.ipsec_sas, &mut c);
    merge_map("qos policy", &b.ipsec_qos, &m.ipsec_qos, &t.ipsec_qos, &mut out.ipsec_qos, &mut c);
    merge_map("tunnel", &b.tunnels, &m.tunnels, &t.tunnels, &mut out.tunnels, &mut c);
    merge_val("logging", &b.logging, &m.logging, &t.logging, &mut out.logging, &mut c);
    merge_map("service", &b.services, &m.services, &t.services, &mut out.services, &mut c);
    merge_val(
        "boot configuration",
        &b.boot_configuration,
        &m.boot_configuration,
        &t.boot_configuration,
        &mut out.boot_configuration,
        &mut c,
    );
    if !c.is_empty() {
        return Err(c);
    }
    // A field this merge does not know (added to the model later) must not
    // lose a change silently: every line either side added must be there.
    let sel = crate::smartedge::render::Selection::all();
    let lines = |x: &Config| crate::smartedge::render::to_lines(x, &sel).into_iter().collect::<BTreeSet<String>>();
    let (lb, lm, lt, lo) = (lines(b), lines(m), lines(t), lines(&out));
    let lost: Vec<String> = lm
        .difference(&lb)
        .chain(lt.difference(&lb))
        .filter(|l| !lo.contains(*l))
        .map(|l| l.trim().to_string())
        .collect();
    if !lost.is_empty() {
        return Err(lost);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disjoint_changes_merge_and_overlapping_ones_conflict() {
        let base = Config::new("r");
        let mut mine = base.clone();
        mine.contexts.insert("a".into(), Context::default());
        mine.services.insert("x".into(), true);
        let mut theirs = base.clone();
        theirs.contexts.insert("b".into(), Context::default());
        let m = merge(&base, &mine, &theirs).expect("disjoint");
        assert!(m.contexts.contains_key("a") && m.contexts.contains_key("b") && m.services.contains_key("x"));
        let mut theirs2 = base.clone();
        theirs2.services.insert("x".into(), false);
        assert_eq!(merge(&base, &mine, &theirs2).unwrap_err(), vec!["service x".to_string()]);
        let mut mine3 = base.clone();
        mine3.hostname = "a".into();
        let mut theirs3 = base.clone();
        theirs3.hostname = "b".into();
        assert!(merge(&base, &mine3, &theirs3).is_err());
    }
}
