//! Every SmartEdge command: its spec (see `grammar/src/grammars/spec.pest`),
//! its help strings (one per word of the spec) and what it does.
//!
//! Sections of seed 004: 6.2 IKE proposals, 6.3 keepalive, 6.4 IKE policies,
//! 8.1 IPsec proposals, 8.2 IPsec policies, 8.3 IPsec SAs, 8.4 IPsec ACLs,
//! 8.5 QoS, 9 tunnels, 12/13 the sample configurations (contexts, interfaces,
//! routes, administrators, ASPs, cards, ports, logging, services).
//!
//! This file is the registry: `build` maps every mode (`ModeKind`) to the
//! function that declares its graph, plus the helpers the mode files share
//! (`add`, `hidden`, the common help strings, `frame`, `ctx_of`, `push`, ...).
//! One file per family of modes; each declares its commands and their handlers:
//!
//! | modes | file |
//! |---|---|
//! | exec | `exec.rs` |
//! | every configuration mode (`exit`, `end`, `commit`, ...) | `common.rs` |
//! | global configuration | `config.rs` |
//! | context, interface | `context.rs` |
//! | administrator, ASP pool, ASP group, port, card | `admin.rs` |
//! | IKE (v1/v2) proposal and policy | `ike.rs` |
//! | IPsec proposal, policy, SA, SA SPI, ACL, profile, QoS | `ipsec.rs` |
//! | tunnel | `tunnel.rs` |
//!
//! The `show` commands, added to every mode, are in `../show.rs`.
//!
//! How a command is declared: a parameter the handler reads has a label
//! (`lifetime seconds <300-99999999>:seconds`) and is read typed
//! (`a.u32("seconds")`), never by its spec text; a command with a `no` form
//! is one `add_no` (the `no` form's spec after `no`, its help taken from the
//! command's) with one handler, whose `a.negated()` branch sets the default
//! a new object holds (`IkeProposal::new(p.version).lifetime`) or removes.

mod admin;
mod common;
mod config;
mod context;
mod exec;
mod ike;
mod ipsec;
mod tunnel;

use super::{Frame, ModeKind, show};
use crate::out::Out;
use crate::passwords;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::config::*;
use edgesh_grammar::Graph;

type G = Graph<Handler>;
/// A command handler.
type F = fn(&mut Session, &Args, &mut dyn Out) -> CmdResult;

/// Add a command; a bad spec is a programming error caught by the tests.
fn add(g: &mut G, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}
/// Add a command and its `no` form in one declaration: `no_spec` is what
/// follows `no`, `no_help` the help of its last leading keyword when it
/// differs from the command's; `f` runs for both (`a.negated()` tells them
/// apart; a `no` form sets the default or removes).
fn add_no(
    g: &mut G,
    spec: &str,
    helps: &[&str],
    no_spec: &str,
    no_help: Option<&str>,
    f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult,
) {
    if let Err(e) =
        g.add_negatable(spec, helps, edgesh_grammar::NoForm { no_help: NO, spec: no_spec, help: no_help }, Handler(f))
    {
        panic!("{e}");
    }
}
fn hidden(g: &mut G, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add_hidden(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}

const NO: &str = "Negate a command or set its defaults";
const DESC: &str = "Configure a description";
const DESC_TEXT: &str = "Description text";
const SEQ: &str = "Configure a sequenced entry";
const SEQ_NUM: &str = "Sequence number";
const DH: &[&str] = &[
    "DH group 1 (768-bit MODP)",
    "DH group 2 (1024-bit MODP)",
    "DH group 5 (1536-bit MODP)",
    "DH group 14 (2048-bit MODP)",
];

pub fn build(k: ModeKind) -> G {
    let mut g = G::new();
    match k {
        ModeKind::Exec => exec::exec(&mut g),
        ModeKind::Config => config::config(&mut g),
        ModeKind::Ctx => context::context(&mut g),
        ModeKind::Iface => context::interface(&mut g),
        ModeKind::Admin => admin::administrator(&mut g),
        ModeKind::IkeProposal => ike::ike_proposal(&mut g, false),
        ModeKind::Ike2Proposal => ike::ike_proposal(&mut g, true),
        ModeKind::IkePolicy => ike::ike_policy(&mut g, false),
        ModeKind::Ike2Policy => ike::ike_policy(&mut g, true),
        ModeKind::IpsecProposal => ipsec::ipsec_proposal(&mut g),
        ModeKind::IpsecPolicy => ipsec::ipsec_policy(&mut g),
        ModeKind::IpsecSa => ipsec::ipsec_sa(&mut g),
        ModeKind::IpsecSaSpi => ipsec::ipsec_sa_spi(&mut g),
        ModeKind::IpsecAcl => ipsec::ipsec_acl(&mut g),
        ModeKind::IpsecProfile => ipsec::ipsec_profile(&mut g),
        ModeKind::QosPq => ipsec::qos(&mut g),
        ModeKind::Tunnel => tunnel::tunnel(&mut g),
        ModeKind::AspPool => admin::asp_pool(&mut g),
        ModeKind::AspGroup => admin::asp_group(&mut g),
        ModeKind::Port => admin::port(&mut g),
        ModeKind::Card => {}
    }
    if k != ModeKind::Exec {
        common::common_config(&mut g, k);
    }
    show::add_show_commands(&mut g);
    super::diagnose::register(&mut g);
    super::show_route::register(&mut g);
    super::pki::add_show(&mut g);
    g
}

// ---------------------------------------------------------------- helpers

fn frame(s: &Session) -> Frame {
    s.stack.last().cloned().unwrap_or(Frame::Config)
}

/// The context whose configuration mode we are in (from the stack).
fn ctx_of(s: &Session) -> String {
    for f in s.stack.iter().rev() {
        match f {
            Frame::Ctx(c) => return c.clone(),
            Frame::Iface { ctx, .. }
            | Frame::Admin { ctx, .. }
            | Frame::IkePolicy { ctx, .. }
            | Frame::IpsecAcl { ctx, .. }
            | Frame::IpsecProfile { ctx, .. } => {
                return ctx.clone();
            }
            _ => {}
        }
    }
    "local".into()
}

fn context_mut(s: &mut Session) -> Result<&mut Context, String> {
    let c = ctx_of(s);
    s.cand()?.contexts.get_mut(&c).ok_or_else(|| format!("context {c} no longer exists"))
}

fn push(s: &mut Session, f: Frame) {
    s.stack.push(f);
}

fn gone(what: &str) -> String {
    format!("{what} no longer exists in the candidate configuration")
}

fn desc(a: &Args) -> Option<String> {
    if a.negated() { None } else { a.get("LINE").map(str::to_string) }
}

/// Add a sequenced entry: a new number counts against `max`; a number in use
/// with another value is refused (remove it first with `no seq N`); the same
/// value again changes nothing.
fn put_seq<V: PartialEq>(
    map: &mut edgesh_engine::config::SeqMap<V>,
    seq: u32,
    v: V,
    max: usize,
    what: &str,
) -> CmdResult {
    match map.get(&seq) {
        Some(old) if *old == v => Ok(()),
        Some(_) => Err(format!("Sequence number {seq} is already in use; remove it first with no seq {seq}")),
        None if map.len() >= max => Err(format!("At most {max} {what} are allowed")),
        None => {
            map.insert(seq, v);
            Ok(())
        }
    }
}

fn dh(a: &Args) -> Option<u16> {
    ["1", "2", "5", "14"].iter().find(|g| a.has(g)).and_then(|g| g.parse().ok())
}

fn pick<T: Copy>(a: &Args, all: &[T], word: fn(T) -> &'static str) -> Option<T> {
    all.iter().copied().find(|v| a.has(word(*v)))
}

fn slot_port(v: &str) -> Result<(u32, u32), String> {
    let (a, b) = v.split_once('/').ok_or_else(|| format!("Invalid slot/port {v}"))?;
    Ok((a.parse().map_err(|_| format!("Invalid slot {a}"))?, b.parse().map_err(|_| format!("Invalid port {b}"))?))
}
