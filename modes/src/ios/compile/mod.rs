//! Compile the IOS configuration document into the engine model
//! (`engine::config::Config`), so that a tunnel configured the IOS way and
//! one configured the SmartEdge way are the same thing to the engine. The
//! mapping is written down in `docs/dialects.md`.
//!
//! Each IOS VRF is a context of the same name (the global table is
//! `local`). IKEv2 (`crypto ikev2 ...`) compiles into IKEv2 proposals and
//! policies (`ikev2.rs`). Anything the engine cannot express is reported in
//! the notes, never silently dropped.
//!
//! One file per step: `gather.rs` reads every line once, `proposals.rs`
//! (transform sets, ISAKMP policies), `acl.rs` (ACLs as selectors),
//! `keys.rs` (the longest-match pre-shared key), `crypto_map.rs` (crypto map
//! and dynamic map entries), `vti.rs` (tunnel interfaces), `../manual.rs`
//! (manual-key entries); this file orders them.

mod acl;
mod crypto_map;
mod gather;
mod keys;
mod proposals;
#[cfg(test)]
mod tests;
mod vti;

use super::IosDoc;
use super::names::{interface_name, words};
use edgesh_engine::Config;
use edgesh_engine::config::*;
use gather::Gathered;
use keys::Keys;
use proposals::replay_setting;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// The result of a compile: the model and what could not be expressed.
#[derive(Debug)]
pub struct Compiled {
    pub config: Config,
    pub notes: Vec<String>,
}

/// What the steps after the first pass share.
struct Env<'a> {
    doc: &'a IosDoc,
    g: &'a Gathered<'a>,
    /// The global anti-replay window: every entry's without its own.
    global_replay: u32,
    /// The engine's IKEv1 proposals, by ISAKMP policy priority, then the default.
    isakmp_names: &'a [String],
    psk: Keys<'a>,
}

impl Env<'_> {
    /// The context (VRF) of an interface.
    fn ctx_of_if(&self, i: &str) -> String {
        self.g.if_vrf.get(i).cloned().unwrap_or_else(|| LOCAL.into())
    }

    /// An address, or the address of the interface so named.
    fn addr_of(&self, x: &str) -> Option<Ipv4Addr> {
        x.parse::<Ipv4Addr>().ok().or_else(|| self.g.if_addr.get(&interface_name(x)).copied())
    }

    /// The router's FQDN identity (`hostname.domain`).
    fn fqdn(&self) -> Identity {
        Identity::Fqdn(match &self.g.domain {
            Some(d) => format!("{}.{d}", self.doc.hostname),
            None => self.doc.hostname.clone(),
        })
    }
}

/// Compile the document.
pub fn compile(doc: &IosDoc) -> Compiled {
    let mut cfg = Config::new(&doc.hostname);
    let mut notes = Vec::new();
    let g = Gathered::read(doc, &mut cfg, &mut notes);
    let Gathered { vrfs, vrf_refs, routes, acls, aggressive_disabled, keepalive, .. } = &g;
    let mut isakmp = g.isakmp.clone();
    // Every VRF is a context of the same name (the global table is `local`).
    for v in vrf_refs.iter().filter(|v| !vrfs.contains(*v)) {
        notes.push(format!("VRF {v} is used but not defined (ip vrf / vrf definition): context {v} made for it"));
    }
    for v in vrfs.iter().chain(vrf_refs.iter()) {
        cfg.contexts.entry(v.clone()).or_default();
    }
    for (vrf, r) in routes.iter().cloned() {
        cfg.contexts.entry(vrf.unwrap_or_else(|| LOCAL.into())).or_default().routes.push(r);
    }
    // The global anti-replay window: every entry's without its own.
    let global_replay = doc
        .root
        .iter()
        .filter_map(|n| replay_setting(&words(&n.text)))
        .next_back()
        .unwrap_or(IpsecPolicy::default().anti_replay_window);
    // Global IPsec SA lifetimes apply to every transform set.
    for n in &doc.root {
        match words(&n.text).as_slice() {
            ["crypto", "ipsec", "security-association", "lifetime", "seconds", v] => {
                if let Ok(v) = v.parse() {
                    cfg.ipsec_proposals.values_mut().for_each(|p| p.lifetime_seconds = v);
                }
            }
            ["crypto", "ipsec", "security-association", "lifetime", "kilobytes", v] => {
                if let Ok(v) = v.parse() {
                    cfg.ipsec_proposals.values_mut().for_each(|p| p.lifetime_kbytes = Some(v));
                }
            }
            _ => {}
        }
    }
    // IKE proposals: every ISAKMP policy by priority, then the default 65535.
    isakmp.sort_by_key(|(p, _)| *p);
    let mut default = IkeProposal::new(IkeVersion::V1);
    default.encryption = IkeEncr::DesCbc;
    default.auth_method = AuthMethod::RsaSignature;
    isakmp.push((65535, default));
    for (prio, p) in &isakmp {
        cfg.ike_proposals.insert(format!("isakmp-{prio}"), p.clone());
    }
    let isakmp_names: Vec<String> = isakmp.iter().map(|(prio, _)| format!("isakmp-{prio}")).collect();
    // IOS access lists are global: they are in `local`, and copied into the
    // context of each tunnel's local end point that uses them (the engine
    // reads a tunnel's selectors there).
    cfg.contexts.entry(LOCAL.into()).or_default().ipsec_acls.extend(acls.clone());
    let env = Env { doc, g: &g, global_replay, isakmp_names: &isakmp_names, psk: Keys::new(&g.all_keys) };
    crypto_map::static_entries(&env, &mut cfg, &mut notes);
    // Manual-key entries: a manual key tunnel each (`manual.rs`).
    let map_if = |m: &str| g.map_if(m);
    super::manual::compile(
        &mut cfg,
        &mut notes,
        &g.manual_entries,
        &super::manual::Env { map_if: &map_if, if_addr: &g.if_addr, acls: &g.acls },
    );
    crypto_map::dynamic_entries(&env, &mut cfg, &mut notes);
    vti::vtis(&env, &mut cfg, &mut notes);
    cfg.ikev1_aggressive_responder = !aggressive_disabled;
    // `crypto isakmp keepalive` is global: DPD in every context.
    for c in cfg.contexts.values_mut() {
        c.ike_keepalive |= keepalive;
    }
    // A note about a shared object (a proposal, a profile) is said once.
    let mut seen = BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    Compiled { config: cfg, notes }
}

/// The context of the global routing table.
pub(super) const LOCAL: &str = "local";

/// A context name as IOS says it: `the global table` for `local`, else `VRF NAME`.
fn vrf_word(ctx: &str) -> String {
    if ctx == LOCAL { "the global table".into() } else { format!("VRF {ctx}") }
}
