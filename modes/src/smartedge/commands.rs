//! Every SmartEdge command: its spec (see `grammar/src/grammars/spec.pest`),
//! its help strings (one per word of the spec) and what it does.
//!
//! Sections of seed 004: 6.2 IKE proposals, 6.3 keepalive, 6.4 IKE policies,
//! 8.1 IPsec proposals, 8.2 IPsec policies, 8.3 IPsec SAs, 8.4 IPsec ACLs,
//! 8.5 QoS, 9 tunnels, 12/13 the sample configurations (contexts, interfaces,
//! routes, administrators, ASPs, cards, ports, logging, services).

use super::{Frame, ModeKind, show};
use crate::out::Out;
use crate::passwords;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_engine::config::*;
use edgesh_grammar::Graph;

type G = Graph<Handler>;

/// Add a command; a bad spec is a programming error caught by the tests.
fn add(g: &mut G, spec: &str, helps: &[&str], f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
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
const DH: &[&str] = &["DH group 1 (768-bit MODP)", "DH group 2 (1024-bit MODP)", "DH group 5 (1536-bit MODP)", "DH group 14 (2048-bit MODP)"];

pub fn build(k: ModeKind) -> G {
    let mut g = G::new();
    match k {
        ModeKind::Exec => exec(&mut g),
        ModeKind::Config => config(&mut g),
        ModeKind::Ctx => context(&mut g),
        ModeKind::Iface => interface(&mut g),
        ModeKind::Admin => administrator(&mut g),
        ModeKind::IkeProposal => ike_proposal(&mut g, false),
        ModeKind::Ike2Proposal => ike_proposal(&mut g, true),
        ModeKind::IkePolicy => ike_policy(&mut g, false),
        ModeKind::Ike2Policy => ike_policy(&mut g, true),
        ModeKind::IpsecProposal => ipsec_proposal(&mut g),
        ModeKind::IpsecPolicy => ipsec_policy(&mut g),
        ModeKind::IpsecSa => ipsec_sa(&mut g),
        ModeKind::IpsecSaSpi => ipsec_sa_spi(&mut g),
        ModeKind::IpsecAcl => ipsec_acl(&mut g),
        ModeKind::IpsecProfile => ipsec_profile(&mut g),
        ModeKind::QosPq => qos(&mut g),
        ModeKind::Tunnel => tunnel(&mut g),
        ModeKind::AspPool => asp_pool(&mut g),
        ModeKind::AspGroup => asp_group(&mut g),
        ModeKind::Port => port(&mut g),
        ModeKind::Card => {}
    }
    if k != ModeKind::Exec {
        common_config(&mut g, k);
    }
    show::add_show_commands(&mut g);
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
            Frame::Iface { ctx, .. } | Frame::Admin { ctx, .. } | Frame::IkePolicy { ctx, .. } | Frame::IpsecAcl { ctx, .. } | Frame::IpsecProfile { ctx, .. } => {
                return ctx.clone();
            }
            _ => {}
        }
    }
    "local".into()
}

fn context_mut<'a>(s: &'a mut Session) -> Result<&'a mut Context, String> {
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
fn put_seq<V: PartialEq>(map: &mut edgesh_engine::config::SeqMap<V>, seq: u32, v: V, max: usize, what: &str) -> CmdResult {
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

// ---------------------------------------------------------------- exec

const SHOW_HELP: &str = "Display information";

fn exec(g: &mut G) {
    super::pki::add_exec(g);
    add(g, "enable [<1-15>]", &["Raise the privilege level", "Level (default 15)"], |s, a, o| {
        // Without a level: as high as the administrator's `privilege max` allows.
        let level = a.num("<1-15>").map(|n| n as u8).unwrap_or(if s.authenticated { s.max_privilege.clamp(1, 15) } else { 15 });
        s.request_enable(level, o)
    });
    add(g, "disable [<1-15>]", &["Lower the privilege level", "Level (default 1)"], |s, a, _| {
        s.disable(a.num("<1-15>").map(|n| n as u8));
        Ok(())
    });
    add(g, "show users", &[SHOW_HELP, "Logged-in administrators and their sessions"], |s, _, o| {
        crate::auth::show_users(s, o);
        Ok(())
    });
    add(g, "show administrators", &[SHOW_HELP, "Logged-in administrators and their sessions"], |s, _, o| {
        crate::auth::show_users(s, o);
        Ok(())
    });
    hidden(g, "show sessions", &[SHOW_HELP, "Logged-in administrators and their sessions"], |s, _, o| {
        crate::auth::show_users(s, o);
        Ok(())
    });
    add(g, "clear session <1-4294967295>", &["Clear operational state", "Close another administrator's session", "Session id (show users)"], |s, a, o| crate::auth::clear_line(s, a.num("<1-4294967295>").unwrap_or(0), o));
    add(g, "configure", &["Enter configuration mode"], |s, _, _| {
        s.enter_config();
        Ok(())
    });
    hidden(g, "configure terminal", &["Enter configuration mode", "From the terminal"], |s, _, _| {
        s.enter_config();
        Ok(())
    });
    add(g, "context NAME", &["Change the current context", "Context name"], |s, a, _| {
        let name = a.req("NAME")?.to_string();
        if !s.router().running.contexts.contains_key(&name) {
            return Err(format!("Context {name} does not exist"));
        }
        s.exec_context = name;
        Ok(())
    });
    add(g, "exit", &["Exit the session"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    hidden(g, "quit", &["Exit the session"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(g, "terminal length <0-512>", &["Set terminal parameters", "Lines on the screen (0 for no paging)", "Number of lines"], |s, a, _| {
        let n = a.num("<0-512>").unwrap_or(0) as usize;
        s.terminal_length = (n > 0).then_some(n);
        Ok(())
    });
    add(g, "terminal width <0-512>", &["Set terminal parameters", "Columns on the screen", "Number of columns"], |s, a, _| {
        s.terminal_width = a.num("<0-512>").unwrap_or(80) as usize;
        Ok(())
    });
    add(g, "terminal monitor", &["Set terminal parameters", "Show log messages in this session"], |s, _, _| {
        s.monitor = true;
        Ok(())
    });
    add(g, "no terminal monitor", &[NO, "Set terminal parameters", "Show log messages in this session"], |s, _, _| {
        s.monitor = false;
        Ok(())
    });
    add(
        g,
        "clear {ike | ipsec} sa [tunnel NAME]",
        &["Clear operational state", "IKE", "IPsec", "Security associations (a delete is sent to the peer)", "Of one tunnel", "Tunnel name"],
        |s, a, o| {
            let mut r = s.router();
            let name = a.get("NAME").map(|x| x.to_string());
            if let Some(n) = &name {
                if !r.running.tunnels.contains_key(n) {
                    return Err(format!("Tunnel {n} does not exist"));
                }
            }
            let line = if a.has("ike") {
                format!("{} IKE SA(s) cleared", r.engine.clear_ike(name.as_deref(), None))
            } else {
                format!("{} IPsec SA pair(s) cleared", r.engine.clear_ipsec(name.as_deref(), None))
            };
            r.engine_drain();
            o.line(&line);
            Ok(())
        },
    );
    add(g, "debug ike", &["Debugging", "IKE messages, state changes and proposal checks (to this session)"], |s, _, o| {
        s.monitor = true;
        s.router().debug.isakmp = true;
        o.line("IKE debugging is on");
        Ok(())
    });
    add(g, "no debug ike", &[NO, "Debugging", "IKE"], |s, _, o| {
        s.router().debug = Default::default();
        o.line("IKE debugging is off");
        Ok(())
    });
    add(g, "show ike keys tshark", &["Display information", "IKE information", "Session keys of the current SAs (edgesh; privileged)", "As tshark -o options"], |s, _, o| {
        for l in crate::engine::tshark_lines(&s.router()) {
            o.line(&l);
        }
        Ok(())
    });
    add(
        g,
        "save configuration [WORD:file]",
        &["Save information", "Save the running configuration", "File name (/flash/NAME or a relative name: the state directory; /md/NAME)"],
        |s, a, o| {
            let cfg = s.router().running.clone();
            let dir = s.router().state_dir.clone();
            let path = match a.get("file") {
                Some(f) => crate::statefs::resolve(&dir, crate::session::Dialect::SmartEdge, f)?,
                None => dir.join(crate::session::STARTUP_FILE),
            };
            crate::smartedge::candidate::save_atomically(&path, &cfg).map_err(|e| format!("Could not save {}: {e}", path.display()))?;
            o.line(&format!("Configuration saved to {}", a.get("file").unwrap_or(crate::session::STARTUP_FILE)));
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- common to every configuration mode

fn common_config(g: &mut G, k: ModeKind) {
    add(g, "exit", &["Exit to the previous mode (leaving configuration mode commits pending changes)"], |s, _, o| {
        if s.stack.len() <= 1 {
            if !s.end(o) {
                return Err(String::new());
            }
        } else {
            s.stack.pop();
        }
        Ok(())
    });
    add(g, "end", &["Commit configuration changes and return to exec mode"], |s, _, o| if s.end(o) { Ok(()) } else { Err(String::new()) });
    add(g, "top", &["Return to global configuration mode"], |s, _, _| {
        s.stack.truncate(1);
        Ok(())
    });
    add(g, "abort", &["Discard configuration changes and return to exec mode"], |s, _, o| {
        let had = s.has_changes();
        s.abort();
        o.line(if had { "Transaction aborted" } else { "Transaction aborted (no changes)" });
        Ok(())
    });
    add(
        g,
        "commit [confirmed [<1-60>]] [comment LINE]",
        &["Commit the candidate configuration", "Roll back unless confirmed by another commit", "Minutes before the rollback", "Record a comment", "Comment text"],
        |s, a, o| {
            let minutes = a.has("confirmed").then(|| a.num("<1-60>").unwrap_or(10));
            let comment = a.get("LINE").map(|c| c.trim_matches('"').to_string());
            if s.commit(o, minutes, comment) { Ok(()) } else { Err(String::new()) }
        },
    );
    if k == ModeKind::Config {
        add(g, "rollback <0-4294967295>", &["Load the configuration of an earlier commit into the candidate", "Commit id (see show configuration commits)"], |s, a, o| {
            let id = a.num("<0-4294967295>").unwrap_or(0);
            let cfg = s.router().history.iter().find(|c| c.id == id).map(|c| (*c.config).clone());
            let cfg = cfg.ok_or_else(|| format!("Commit {id} is not in the commit history"))?;
            s.candidate = Some(cfg);
            o.line(&format!("Candidate configuration replaced by commit {id}; commit to apply it"));
            Ok(())
        });
    }
}

// ---------------------------------------------------------------- global configuration

fn config(g: &mut G) {
    hidden(g, "configure", &["Enter configuration mode"], |_, _, _| Ok(()));
    add(g, "context NAME", &["Configure a context", "Context name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.contexts.entry(n.clone()).or_default();
        push(s, Frame::Ctx(n));
        Ok(())
    });
    add(g, "no context NAME", &[NO, "Remove a context", "Context name"], |s, a, _| {
        let n = a.req("NAME")?;
        if n == "local" {
            return Err("Context local cannot be removed".into());
        }
        s.cand()?.contexts.remove(n).map(|_| ()).ok_or_else(|| format!("Context {n} does not exist"))
    });
    add(g, "system hostname NAME", &["System parameters", "Set the host name", "Host name"], |s, a, _| {
        let n = a.req("NAME")?;
        if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
            return Err(format!("Invalid host name {n}"));
        }
        s.cand()?.hostname = n.to_string();
        Ok(())
    });
    for (v2, kw, help) in [(false, "ike", "Configure IKEv1"), (true, "ike2", "Configure IKEv2")] {
        let spec = format!("{kw} proposal NAME");
        let f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult = if v2 { |s, a, _| ike_proposal_enter(s, a, true) } else { |s, a, _| ike_proposal_enter(s, a, false) };
        add(g, &spec, &[help, "Configure an IKE proposal", "Proposal name"], f);
        add(g, &format!("no {spec}"), &[NO, help, "Remove an IKE proposal", "Proposal name"], |s, a, _| {
            let n = a.req("NAME")?;
            s.cand()?.ike_proposals.remove(n).map(|_| ()).ok_or_else(|| format!("IKE proposal {n} does not exist"))
        });
    }
    add(g, "ipsec proposal NAME", &["Configure IPsec", "Configure an IPsec proposal", "Proposal name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.ipsec_proposals.entry(n.clone()).or_insert_with(IpsecProposal::new);
        push(s, Frame::IpsecProposal(n));
        Ok(())
    });
    add(g, "no ipsec proposal NAME", &[NO, "Configure IPsec", "Remove an IPsec proposal", "Proposal name"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.ipsec_proposals.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec proposal {n} does not exist"))
    });
    add(g, "ipsec policy NAME", &["Configure IPsec", "Configure an IPsec policy", "Policy name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.ipsec_policies.entry(n.clone()).or_default();
        push(s, Frame::IpsecPolicy(n));
        Ok(())
    });
    add(g, "no ipsec policy NAME", &[NO, "Configure IPsec", "Remove an IPsec policy", "Policy name"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.ipsec_policies.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec policy {n} does not exist"))
    });
    add(g, "ipsec security-association NAME", &["Configure IPsec", "Configure a manual IPsec SA", "SA name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.ipsec_sas.entry(n.clone()).or_default();
        push(s, Frame::IpsecSa(n));
        Ok(())
    });
    add(g, "no ipsec security-association NAME", &[NO, "Configure IPsec", "Remove a manual IPsec SA", "SA name"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.ipsec_sas.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec security-association {n} does not exist"))
    });
    add(g, "ipsec qos policy NAME pq", &["Configure IPsec", "Configure an IPsec QoS policy", "Configure a QoS policy", "Policy name", "Priority queuing"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.ipsec_qos.entry(n.clone()).or_insert(QosPolicy { num_queues: 1 });
        push(s, Frame::QosPq(n));
        Ok(())
    });
    add(g, "no ipsec qos policy NAME [pq]", &[NO, "Configure IPsec", "Configure an IPsec QoS policy", "Remove a QoS policy", "Policy name", "Priority queuing"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.ipsec_qos.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec QoS policy {n} does not exist"))
    });
    add(
        g,
        "tunnel ipsec NAME [on-demand | manual] [economical]",
        &["Configure a tunnel", "Configure an IPsec tunnel", "Tunnel name", "On-demand auto key tunnel (unknown remote peer)", "Manual key tunnel", "Economical mode (no line card circuit)"],
        |s, a, _| {
            let n = a.req("NAME")?.to_string();
            let kind = if a.has("on-demand") {
                Some(TunnelKind::OnDemand)
            } else if a.has("manual") {
                Some(TunnelKind::Manual)
            } else {
                None
            };
            let eco = a.has("economical");
            let cand = s.cand()?;
            match cand.tunnels.get_mut(&n) {
                Some(t) => {
                    let want = kind.unwrap_or(t.kind);
                    if want != t.kind {
                        return Err(format!("Tunnel {n} exists as a {} tunnel; remove it first to change its kind", t.kind.proto_name()));
                    }
                    if eco && !t.economical {
                        return Err(format!("Tunnel {n} exists in circuit-based mode; remove it first to make it economical"));
                    }
                }
                None => {
                    if cand.tunnels.len() >= MAX_TUNNELS {
                        return Err(format!("At most {MAX_TUNNELS} IPsec tunnels are supported"));
                    }
                    cand.tunnels.insert(n.clone(), Tunnel::new(kind.unwrap_or(TunnelKind::Static), eco));
                }
            }
            push(s, Frame::Tunnel(n));
            Ok(())
        },
    );
    add(g, "no tunnel ipsec NAME", &[NO, "Configure a tunnel", "Remove an IPsec tunnel", "Tunnel name"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.tunnels.remove(n).map(|_| ()).ok_or_else(|| format!("Tunnel {n} does not exist"))
    });
    add(g, "asp pool NAME service security", &["Configure ASPs", "Configure an ASP pool", "Pool name", "Service of the pool", "Security service"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.asp_pools.entry(n.clone()).or_default().service_security = true;
        push(s, Frame::AspPool(n));
        Ok(())
    });
    add(g, "no asp pool NAME [service security]", &[NO, "Configure ASPs", "Remove an ASP pool", "Pool name", "Service of the pool", "Security service"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.asp_pools.remove(n).map(|_| ()).ok_or_else(|| format!("ASP pool {n} does not exist"))
    });
    add(g, "asp group NAME", &["Configure ASPs", "Configure an ASP group", "Group name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        s.cand()?.asp_groups.entry(n.clone()).or_default();
        push(s, Frame::AspGroup(n));
        Ok(())
    });
    add(g, "no asp group NAME", &[NO, "Configure ASPs", "Remove an ASP group", "Group name"], |s, a, _| {
        let n = a.req("NAME")?;
        s.cand()?.asp_groups.remove(n).map(|_| ()).ok_or_else(|| format!("ASP group {n} does not exist"))
    });
    add(g, "card WORD:type <1-16>", &["Configure a card", "Card type (ase, ge-10-port, ether-12-port, ...)", "Slot"], |s, a, _| {
        let slot = a.num("<1-16>").unwrap_or(1) as u32;
        let ty = a.req("type")?.to_string();
        if !ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("Invalid card type {ty}"));
        }
        s.cand()?.cards.insert(slot, ty);
        push(s, Frame::Card(slot));
        Ok(())
    });
    add(g, "no card WORD:type <1-16>", &[NO, "Remove a card", "Card type", "Slot"], |s, a, _| {
        let slot = a.num("<1-16>").unwrap_or(0) as u32;
        s.cand()?.cards.remove(&slot).map(|_| ()).ok_or_else(|| format!("No card is configured in slot {slot}"))
    });
    add(g, "port ethernet SLOT/PORT", &["Configure a port", "Ethernet port", "Slot/port"], |s, a, _| {
        let (sl, p) = slot_port(a.req("SLOT/PORT")?)?;
        s.cand()?.ports.entry((sl, p)).or_default();
        push(s, Frame::Port(sl, p));
        Ok(())
    });
    add(g, "no port ethernet SLOT/PORT", &[NO, "Remove a port configuration", "Ethernet port", "Slot/port"], |s, a, _| {
        let k = slot_port(a.req("SLOT/PORT")?)?;
        s.cand()?.ports.remove(&k).map(|_| ()).ok_or_else(|| format!("Port ethernet {}/{} is not configured", k.0, k.1))
    });
    add(g, "logging active", &["Configure logging", "Log to the active controller buffer"], |s, a, _| {
        s.cand()?.logging.active = !a.negated();
        Ok(())
    });
    add(g, "no logging active", &[NO, "Configure logging", "Log to the active controller buffer"], |s, a, _| {
        s.cand()?.logging.active = !a.negated();
        Ok(())
    });
    add(g, "logging standby short", &["Configure logging", "Log to the standby controller", "Short format"], |s, a, _| {
        s.cand()?.logging.standby_short = !a.negated();
        Ok(())
    });
    add(g, "no logging standby [short]", &[NO, "Configure logging", "Log to the standby controller", "Short format"], |s, a, _| {
        s.cand()?.logging.standby_short = !a.negated();
        Ok(())
    });
    add(g, "logging tdm console", &["Configure logging", "Time-division multiplexing messages", "To the console"], |s, a, _| {
        s.cand()?.logging.tdm_console = !a.negated();
        Ok(())
    });
    add(g, "no logging tdm [console]", &[NO, "Configure logging", "Time-division multiplexing messages", "To the console"], |s, a, _| {
        s.cand()?.logging.tdm_console = !a.negated();
        Ok(())
    });
    const SERVICES: &str = "{console-break | crash-dump-dram | auto-system-recovery | multiple-contexts}";
    const SVC_HELP: [&str; 4] = ["Break to the boot ROM from the console", "Save crash dumps of DRAM", "Recover the system automatically", "Allow multiple contexts"];
    let mut h = vec!["Configure system services"];
    h.extend(SVC_HELP);
    add(g, &format!("service {SERVICES}"), &h, |s, a, _| set_service(s, a));
    let mut h = vec![NO, "Configure system services"];
    h.extend(SVC_HELP);
    add(g, &format!("no service {SERVICES}"), &h, |s, a, _| set_service(s, a));
    add(g, "boot configuration WORD:file", &["Boot parameters", "Configuration file loaded at boot", "File name"], |s, a, _| {
        s.cand()?.boot_configuration = Some(a.req("file")?.to_string());
        Ok(())
    });
    add(g, "no boot configuration [WORD:file]", &[NO, "Boot parameters", "Configuration file loaded at boot", "File name"], |s, _, _| {
        s.cand()?.boot_configuration = None;
        Ok(())
    });
}

fn set_service(s: &mut Session, a: &Args) -> CmdResult {
    let name = ["console-break", "crash-dump-dram", "auto-system-recovery", "multiple-contexts"].into_iter().find(|n| a.has(n)).unwrap_or("");
    let on = !a.negated();
    s.cand()?.services.insert(name.to_string(), on);
    Ok(())
}

fn slot_port(v: &str) -> Result<(u32, u32), String> {
    let (a, b) = v.split_once('/').ok_or_else(|| format!("Invalid slot/port {v}"))?;
    Ok((a.parse().map_err(|_| format!("Invalid slot {a}"))?, b.parse().map_err(|_| format!("Invalid port {b}"))?))
}

fn ike_proposal_enter(s: &mut Session, a: &Args, v2: bool) -> CmdResult {
    let n = a.req("NAME")?.to_string();
    let version = if v2 { IkeVersion::V2 } else { IkeVersion::V1 };
    let cand = s.cand()?;
    match cand.ike_proposals.get(&n) {
        Some(p) if p.version != version => {
            return Err(format!("IKE proposal {n} exists as an {} proposal", p.version.proto_name()));
        }
        Some(_) => {}
        None => {
            cand.ike_proposals.insert(n.clone(), IkeProposal::new(version));
        }
    }
    push(s, Frame::IkeProposal { name: n, v2 });
    Ok(())
}

// ---------------------------------------------------------------- context

fn context(g: &mut G) {
    add(
        g,
        "interface NAME [loopback | ipsec [multibind]]",
        &["Configure an interface", "Interface name", "Loopback interface", "IPsec tunnel interface", "Multibind interface for on-demand tunnels"],
        |s, a, _| {
            let n = a.req("NAME")?.to_string();
            let kind = if a.has("loopback") {
                InterfaceKind::Loopback
            } else if a.has("multibind") {
                InterfaceKind::IpsecMultibind
            } else if a.has("ipsec") {
                InterfaceKind::Ipsec
            } else {
                InterfaceKind::Plain
            };
            let ctx = ctx_of(s);
            let c = context_mut(s)?;
            match c.interfaces.get_mut(&n) {
                Some(i) if i.kind != kind && kind != InterfaceKind::Plain => {
                    return Err(format!("Interface {n} exists with another type; remove it first"));
                }
                Some(_) => {}
                None => {
                    c.interfaces.insert(n.clone(), Interface { kind, description: None, address: None, secondary: Vec::new(), unnumbered: None });
                }
            }
            push(s, Frame::Iface { ctx, name: n });
            Ok(())
        },
    );
    add(g, "no interface NAME", &[NO, "Remove an interface", "Interface name"], |s, a, _| {
        let n = a.req("NAME")?;
        context_mut(s)?.interfaces.remove(n).map(|_| ()).ok_or_else(|| format!("Interface {n} does not exist"))
    });
    add(
        g,
        "ip route A.B.C.D/M {A.B.C.D:hop | NAME:ifname} [cost <0-255>]",
        &["IP configuration", "Configure a static route", "Destination prefix", "Next-hop address", "Outgoing interface", "Route cost (distance)", "Cost"],
        |s, a, _| {
            let prefix: Prefix4 = a.req("A.B.C.D/M")?.parse()?;
            let next_hop = match a.get("hop") {
                Some(h) => NextHop::Address(h.parse().map_err(|_| format!("Invalid next hop {h}"))?),
                None => NextHop::Interface(a.req("ifname")?.to_string()),
            };
            let cost = a.num("<0-255>").map(|c| c as u32);
            let c = context_mut(s)?;
            // Kept sorted; one route per (prefix, next hop).
            match c.routes.binary_search_by(|r| (&r.prefix, &r.next_hop).cmp(&(&prefix, &next_hop))) {
                Ok(i) => c.routes[i].cost = cost,
                Err(i) => c.routes.insert(i, Route { prefix, next_hop, cost }),
            }
            Ok(())
        },
    );
    add(
        g,
        "no ip route A.B.C.D/M [A.B.C.D:hop | NAME:ifname] [cost <0-255>]",
        &[NO, "IP configuration", "Remove a static route", "Destination prefix", "Next-hop address", "Outgoing interface", "Route cost", "Cost"],
        |s, a, _| {
            let prefix: Prefix4 = a.req("A.B.C.D/M")?.parse()?;
            let hop = a.get("hop").map(|h| h.to_string()).or(a.get("ifname").map(str::to_string));
            let c = context_mut(s)?;
            let before = c.routes.len();
            c.routes.retain(|r| !(r.prefix == prefix && hop.as_ref().is_none_or(|h| r.next_hop.to_string() == *h)));
            if c.routes.len() == before { Err(format!("No route to {prefix} is configured")) } else { Ok(()) }
        },
    );
    add(g, "ip domain-lookup", &["IP configuration", "Resolve host names with DNS"], |s, _, _| {
        context_mut(s)?.domain_lookup = true;
        Ok(())
    });
    add(g, "no ip domain-lookup", &[NO, "IP configuration", "Resolve host names with DNS"], |s, _, _| {
        context_mut(s)?.domain_lookup = false;
        Ok(())
    });
    add(
        g,
        "administrator NAME {password WORD:pw | encrypted 1 WORD:hash}",
        &["Configure an administrator", "Administrator name", "Clear-text password (stored hashed)", "Password", "Encrypted password", "MD5-crypt", "The $1$ hash"],
        |s, a, _| {
            let n = a.req("NAME")?.to_string();
            let hash = match a.get("pw") {
                Some(pw) => {
                    let salt = passwords::salt_from(s.router().random());
                    passwords::md5_crypt(pw, &salt)
                }
                None => {
                    let h = a.req("hash")?;
                    if !passwords::is_md5_crypt(h) {
                        return Err("Invalid encrypted password (expected $1$salt$hash)".into());
                    }
                    h.to_string()
                }
            };
            let ctx = ctx_of(s);
            let c = context_mut(s)?;
            c.administrators
                .entry(n.clone())
                .and_modify(|x| x.hash = hash.clone())
                .or_insert(Administrator { hash, privilege_start: None, privilege_max: None, idle_timeout: IdleTimeout::Default, ssh_keys: Vec::new() });
            push(s, Frame::Admin { ctx, name: n });
            Ok(())
        },
    );
    add(g, "no administrator NAME", &[NO, "Remove an administrator", "Administrator name"], |s, a, _| {
        let n = a.req("NAME")?;
        context_mut(s)?.administrators.remove(n).map(|_| ()).ok_or_else(|| format!("Administrator {n} does not exist"))
    });
    add(
        g,
        "ssh server listen A.B.C.D [port <1-65535>]",
        &["Configure the SSH server", "The SSH server of this router (edgesh)", "Listen for SSH connections (context local only)", "IPv4 address to listen on", "TCP port (default 22)", "Port"],
        |s, a, _| {
            let ctx = ctx_of(s);
            if ctx != "local" {
                return Err(format!("The SSH server is configured in context local, not in context {ctx}"));
            }
            let ip: std::net::Ipv4Addr = a.req("A.B.C.D")?.parse().map_err(|_| "Invalid address".to_string())?;
            let port = a.num("<1-65535>").unwrap_or(22) as u16;
            context_mut(s)?.ssh_listen = Some(std::net::SocketAddr::from((ip, port)));
            Ok(())
        },
    );
    add(g, "no ssh server listen [A.B.C.D] [port <1-65535>]", &[NO, "Configure the SSH server", "The SSH server of this router (edgesh)", "Stop listening for SSH connections", "IPv4 address", "TCP port", "Port"], |s, _, _| {
        context_mut(s)?.ssh_listen = None;
        Ok(())
    });
    add(g, "logging console", &["Configure logging", "Log to the console"], |s, _, _| {
        context_mut(s)?.logging_console = Some(true);
        Ok(())
    });
    add(g, "no logging console", &[NO, "Configure logging", "Log to the console"], |s, _, _| {
        context_mut(s)?.logging_console = Some(false);
        Ok(())
    });
    add(g, "asp-group NAME service security", &["Associate an ASP group with this context", "ASP group name", "Service", "Security service"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        context_mut(s)?.asp_group = Some(n);
        Ok(())
    });
    add(g, "no asp-group [NAME] [service security]", &[NO, "Associate an ASP group with this context", "ASP group name", "Service", "Security service"], |s, _, _| {
        context_mut(s)?.asp_group = None;
        Ok(())
    });
    add(g, "ike keepalive", &["Configure IKE", "Send dead peer detection messages"], |s, _, _| {
        context_mut(s)?.ike_keepalive = true;
        Ok(())
    });
    add(g, "no ike keepalive", &[NO, "Configure IKE", "Send dead peer detection messages"], |s, _, _| {
        context_mut(s)?.ike_keepalive = false;
        Ok(())
    });
    for (v2, kw, help) in [(false, "ike", "Configure IKEv1"), (true, "ike2", "Configure IKEv2")] {
        let f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult = if v2 { |s, a, _| ike_policy_enter(s, a, true) } else { |s, a, _| ike_policy_enter(s, a, false) };
        add(g, &format!("{kw} policy NAME"), &[help, "Configure an IKE policy", "Policy name"], f);
        add(g, &format!("no {kw} policy NAME"), &[NO, help, "Remove an IKE policy", "Policy name"], |s, a, _| {
            let n = a.req("NAME")?;
            context_mut(s)?.ike_policies.remove(n).map(|_| ()).ok_or_else(|| format!("IKE policy {n} does not exist"))
        });
    }
    add(g, "ipsec access-list NAME", &["Configure IPsec", "Configure an IPsec access list", "Access list name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        let ctx = ctx_of(s);
        context_mut(s)?.ipsec_acls.entry(n.clone()).or_default();
        push(s, Frame::IpsecAcl { ctx, name: n });
        Ok(())
    });
    add(g, "no ipsec access-list NAME", &[NO, "Configure IPsec", "Remove an IPsec access list", "Access list name"], |s, a, _| {
        let n = a.req("NAME")?;
        context_mut(s)?.ipsec_acls.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec access-list {n} does not exist"))
    });
    add(g, "ipsec profile NAME", &["Configure IPsec", "Configure an IPsec profile (named after its on-demand tunnel)", "Profile name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        let ctx = ctx_of(s);
        context_mut(s)?.ipsec_profiles.entry(n.clone()).or_default();
        push(s, Frame::IpsecProfile { ctx, name: n });
        Ok(())
    });
    add(g, "no ipsec profile NAME", &[NO, "Configure IPsec", "Remove an IPsec profile", "Profile name"], |s, a, _| {
        let n = a.req("NAME")?;
        context_mut(s)?.ipsec_profiles.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec profile {n} does not exist"))
    });
}

fn ike_policy_enter(s: &mut Session, a: &Args, v2: bool) -> CmdResult {
    let n = a.req("NAME")?.to_string();
    let version = if v2 { IkeVersion::V2 } else { IkeVersion::V1 };
    let ctx = ctx_of(s);
    let c = context_mut(s)?;
    match c.ike_policies.get(&n) {
        Some(p) if p.version != version => return Err(format!("IKE policy {n} exists as an {} policy", p.version.proto_name())),
        Some(_) => {}
        None => {
            c.ike_policies.insert(n.clone(), IkePolicy::new(version));
        }
    }
    push(s, Frame::IkePolicy { ctx, name: n, v2 });
    Ok(())
}

// ---------------------------------------------------------------- interface

fn iface_mut(s: &mut Session) -> Result<&mut Interface, String> {
    let Frame::Iface { name, .. } = frame(s) else { return Err("not in interface mode".into()) };
    context_mut(s)?.interfaces.get_mut(&name).ok_or_else(|| gone(&format!("interface {name}")))
}

fn interface(g: &mut G) {
    add(g, "ip address A.B.C.D/M [secondary]", &["IP configuration", "Set the interface address", "Address and prefix length", "A secondary address"], |s, a, _| {
        let p: Prefix4 = a.req("A.B.C.D/M")?.parse()?;
        let i = iface_mut(s)?;
        if i.kind == InterfaceKind::IpsecMultibind {
            return Err("An ipsec multibind interface is unnumbered (section 9.3.1): use ip unnumbered".into());
        }
        if i.unnumbered.is_some() {
            return Err("The interface is unnumbered; remove ip unnumbered first".into());
        }
        if a.has("secondary") {
            if !i.secondary.contains(&p) {
                i.secondary.push(p);
            }
        } else {
            i.address = Some(p);
        }
        Ok(())
    });
    add(g, "no ip address [A.B.C.D/M] [secondary]", &[NO, "IP configuration", "Remove an interface address", "Address and prefix length", "A secondary address"], |s, a, _| {
        let p = a.get("A.B.C.D/M").map(|p| p.parse::<Prefix4>()).transpose()?;
        let i = iface_mut(s)?;
        if a.has("secondary") {
            i.secondary.retain(|x| p.is_some_and(|p| p != *x));
        } else {
            i.address = None;
            i.secondary.clear();
        }
        Ok(())
    });
    add(g, "ip unnumbered NAME", &["IP configuration", "Borrow the address of another interface", "Interface name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        let i = iface_mut(s)?;
        if i.address.is_some() {
            return Err("The interface has an address; remove ip address first".into());
        }
        i.unnumbered = Some(n);
        Ok(())
    });
    add(g, "no ip unnumbered [NAME]", &[NO, "IP configuration", "Borrow the address of another interface", "Interface name"], |s, _, _| {
        iface_mut(s)?.unnumbered = None;
        Ok(())
    });
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        iface_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        iface_mut(s)?.description = None;
        Ok(())
    });
}

// ---------------------------------------------------------------- administrator

fn admin_mut(s: &mut Session) -> Result<&mut Administrator, String> {
    let Frame::Admin { name, .. } = frame(s) else { return Err("not in administrator mode".into()) };
    context_mut(s)?.administrators.get_mut(&name).ok_or_else(|| gone(&format!("administrator {name}")))
}

fn administrator(g: &mut G) {
    add(g, "privilege start <0-15>", &["Privilege levels", "Level at login", "Level"], |s, a, _| {
        let v = a.num("<0-15>").map(|v| v as u8);
        let ad = admin_mut(s)?;
        if let (Some(st), Some(mx)) = (v, ad.privilege_max) {
            if st > mx {
                return Err(format!("The start level {st} is above the maximum level {mx}"));
            }
        }
        ad.privilege_start = v;
        Ok(())
    });
    add(g, "privilege max <0-15>", &["Privilege levels", "Highest level reachable with enable", "Level"], |s, a, _| {
        let v = a.num("<0-15>").map(|v| v as u8);
        let ad = admin_mut(s)?;
        if let (Some(mx), Some(st)) = (v, ad.privilege_start) {
            if st > mx {
                return Err(format!("The maximum level {mx} is below the start level {st}"));
            }
        }
        ad.privilege_max = v;
        Ok(())
    });
    add(g, "no privilege {start | max}", &[NO, "Privilege levels", "Level at login", "Highest level"], |s, a, _| {
        let ad = admin_mut(s)?;
        if a.has("start") {
            ad.privilege_start = None;
        } else {
            ad.privilege_max = None;
        }
        Ok(())
    });
    add(
        g,
        "ssh public-key WORD:type WORD:key [LINE]",
        &["SSH login of this administrator", "A public key that logs this administrator in", "Key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 ...)", "The key, base64 as in authorized_keys", "Comment"],
        |s, a, _| {
            let text = format!("{} {} {}", a.req("type")?, a.req("key")?, a.get("LINE").unwrap_or("")).trim().to_string();
            let k = crate::sshconf::ConfKey::parse(&text)?;
            let line = k.openssh();
            let ad = admin_mut(s)?;
            // One line per key: the same key again replaces its comment.
            ad.ssh_keys.retain(|x| crate::sshconf::ConfKey::parse(x).map(|o| o.blob != k.blob).unwrap_or(true));
            ad.ssh_keys.push(line);
            Ok(())
        },
    );
    add(g, "no ssh public-key [WORD:type] [WORD:key] [LINE]", &[NO, "SSH login of this administrator", "Remove a public key (all keys when none is given)", "Key type", "The key", "Comment"], |s, a, _| {
        let key = a.get("key").map(str::to_string);
        let ad = admin_mut(s)?;
        match key {
            None => ad.ssh_keys.clear(),
            Some(k) => {
                let before = ad.ssh_keys.len();
                ad.ssh_keys.retain(|x| x.split_whitespace().nth(1) != Some(k.as_str()));
                if ad.ssh_keys.len() == before {
                    return Err("No such public key for this administrator".into());
                }
            }
        }
        Ok(())
    });
    add(g, "timeout session idle <1-1440>", &["Session timeouts", "Session timeout", "Idle time", "Minutes"], |s, a, _| {
        admin_mut(s)?.idle_timeout = IdleTimeout::Minutes(a.num("<1-1440>").unwrap_or(1) as u32);
        Ok(())
    });
    add(g, "no timeout session idle", &[NO, "Session timeouts", "Session timeout", "Never time out idle sessions"], |s, _, _| {
        admin_mut(s)?.idle_timeout = IdleTimeout::Never;
        Ok(())
    });
}

// ---------------------------------------------------------------- IKE proposal (section 6.2)

fn ike_prop_mut(s: &mut Session) -> Result<&mut IkeProposal, String> {
    let Frame::IkeProposal { name, .. } = frame(s) else { return Err("not in IKE proposal mode".into()) };
    s.cand()?.ike_proposals.get_mut(&name).ok_or_else(|| gone(&format!("IKE proposal {name}")))
}

fn ike_proposal(g: &mut G, v2: bool) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        ike_prop_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        ike_prop_mut(s)?.description = None;
        Ok(())
    });
    let mut h = vec!["Diffie-Hellman group for IKE key exchanges"];
    h.extend(DH);
    add(g, "dh-group {1 | 2 | 5 | 14}", &h, |s, a, _| {
        ike_prop_mut(s)?.dh_group = dh(a).unwrap_or(DEFAULT_DH_GROUP);
        Ok(())
    });
    add(g, "no dh-group [1 | 2 | 5 | 14]", &[NO, "Set the DH group to its default (1)", DH[0], DH[1], DH[2], DH[3]], |s, _, _| {
        ike_prop_mut(s)?.dh_group = DEFAULT_DH_GROUP;
        Ok(())
    });
    add(g, "authentication algorithm {hmac-md5-96 | hmac-sha1-96}", &["Authentication", "Integrity algorithm", "HMAC-MD5-96", "HMAC-SHA1-96"], |s, a, _| {
        ike_prop_mut(s)?.auth_alg = pick(a, IkeAuthAlg::ALL, IkeAuthAlg::word).unwrap_or(IkeAuthAlg::HmacSha1_96);
        Ok(())
    });
    add(g, "no authentication algorithm [hmac-md5-96 | hmac-sha1-96]", &[NO, "Authentication", "Set the default (hmac-sha1-96)", "HMAC-MD5-96", "HMAC-SHA1-96"], |s, _, _| {
        ike_prop_mut(s)?.auth_alg = IkeAuthAlg::HmacSha1_96;
        Ok(())
    });
    if !v2 {
        add(g, "authentication {pre-shared-key | rsa-signature}", &["Authentication", "Peers authenticate with a pre-shared key", "Peers authenticate with RSA signatures"], |s, a, _| {
            ike_prop_mut(s)?.auth_method = if a.has("rsa-signature") { AuthMethod::RsaSignature } else { AuthMethod::PreSharedKey };
            Ok(())
        });
        add(g, "no authentication [pre-shared-key | rsa-signature]", &[NO, "Set the default (pre-shared-key)", "Pre-shared key", "RSA signatures"], |s, _, _| {
            ike_prop_mut(s)?.auth_method = AuthMethod::PreSharedKey;
            Ok(())
        });
        add(g, "lifetime seconds <300-99999999>", &["IKE SA lifetime", "In seconds", "Seconds"], |s, a, _| {
            ike_prop_mut(s)?.lifetime = a.num("<300-99999999>").map_or(DEFAULT_LIFETIME, |n| n as u32);
            Ok(())
        });
        add(g, "no lifetime [seconds] [<300-99999999>]", &[NO, "Set the default lifetime (86400 seconds)", "In seconds", "Seconds"], |s, _, _| {
            ike_prop_mut(s)?.lifetime = DEFAULT_LIFETIME;
            Ok(())
        });
    } else {
        add(
            g,
            "pseudo-random-function {hmac-md5 | hmac-sha1 | aes-128-xcbc}",
            &["Pseudo random function for keying material", "HMAC-MD5", "HMAC-SHA1", "AES-XCBC-PRF-128"],
            |s, a, _| {
                ike_prop_mut(s)?.prf = pick(a, Prf::ALL, Prf::word).unwrap_or(Prf::HmacSha1);
                Ok(())
            },
        );
        add(g, "no pseudo-random-function [hmac-md5 | hmac-sha1 | aes-128-xcbc]", &[NO, "Set the default (hmac-sha1)", "HMAC-MD5", "HMAC-SHA1", "AES-XCBC-PRF-128"], |s, _, _| {
            ike_prop_mut(s)?.prf = Prf::HmacSha1;
            Ok(())
        });
    }
    add(
        g,
        "encryption algorithm {aes-128-cbc | aes-192-cbc | aes-256-cbc | des-cbc | 3des-cbc}",
        &["Encryption", "Encryption algorithm", "AES-CBC 128-bit", "AES-CBC 192-bit", "AES-CBC 256-bit", "DES-CBC", "Triple DES-CBC"],
        |s, a, _| {
            ike_prop_mut(s)?.encryption = pick(a, IkeEncr::ALL, IkeEncr::word).unwrap_or(IkeEncr::Aes128Cbc);
            Ok(())
        },
    );
    add(g, "no encryption algorithm [aes-128-cbc | aes-192-cbc | aes-256-cbc | des-cbc | 3des-cbc]", &[NO, "Encryption", "Set the default (aes-128-cbc)", "AES-CBC 128-bit", "AES-CBC 192-bit", "AES-CBC 256-bit", "DES-CBC", "Triple DES-CBC"], |s, _, _| {
        ike_prop_mut(s)?.encryption = IkeEncr::Aes128Cbc;
        Ok(())
    });
}

// ---------------------------------------------------------------- IKE policy (section 6.4)

fn ike_pol_mut(s: &mut Session) -> Result<&mut IkePolicy, String> {
    let Frame::IkePolicy { name, .. } = frame(s) else { return Err("not in IKE policy mode".into()) };
    context_mut(s)?.ike_policies.get_mut(&name).ok_or_else(|| gone(&format!("IKE policy {name}")))
}

fn identity(a: &Args) -> Option<Identity> {
    if let Some(v) = a.get("addr") {
        return v.parse().ok().map(Identity::Ipv4);
    }
    if let Some(v) = a.get("fqdn") {
        return Some(Identity::Fqdn(v.to_string()));
    }
    if let Some(v) = a.get("ufqdn") {
        return Some(Identity::UserFqdn(v.to_string()));
    }
    a.has("any").then_some(Identity::Any)
}

fn set_psk(s: &mut Session, a: &Args) -> CmdResult {
    let k = if a.has("use-aaa") {
        PreSharedKey::UseAaa
    } else if let Some(h) = a.get("HEX") {
        PreSharedKey::Key(Key::Hex(h.to_string()))
    } else {
        let k = a.req("key")?;
        if k.len() > 256 {
            return Err("Pre-shared key too long (at most 256 characters)".into());
        }
        PreSharedKey::Key(Key::Ascii(k.to_string()))
    };
    ike_pol_mut(s)?.pre_shared_key = Some(k);
    Ok(())
}

fn ike_policy(g: &mut G, v2: bool) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        ike_pol_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        ike_pol_mut(s)?.description = None;
        Ok(())
    });
    add(g, "connection-type {initiator-only | responder-only | both}", &["Which side may start negotiations", "Only initiate", "Only respond", "Initiate and respond"], |s, a, _| {
        ike_pol_mut(s)?.connection_type = pick(a, ConnectionType::ALL, ConnectionType::word).unwrap_or(ConnectionType::Both);
        Ok(())
    });
    add(g, "no connection-type [initiator-only | responder-only | both]", &[NO, "Set the default (both)", "Only initiate", "Only respond", "Initiate and respond"], |s, _, _| {
        ike_pol_mut(s)?.connection_type = ConnectionType::Both;
        Ok(())
    });
    add(g, "validate-certificate-identity", &["Check the remote identity against the peer certificate"], |s, _, _| {
        ike_pol_mut(s)?.validate_certificate_identity = true;
        Ok(())
    });
    add(g, "no validate-certificate-identity", &[NO, "Check the remote identity against the peer certificate"], |s, _, _| {
        ike_pol_mut(s)?.validate_certificate_identity = false;
        Ok(())
    });
    add(
        g,
        "identity local {A.B.C.D:addr | fqdn WORD:fqdn | user-fqdn WORD:ufqdn}",
        &["IKE identity", "Local identity", "IPv4 address", "Fully qualified domain name", "FQDN", "User FQDN (user@domain)", "User FQDN"],
        |s, a, _| {
            ike_pol_mut(s)?.identity_local = identity(a);
            Ok(())
        },
    );
    add(
        g,
        "identity remote {A.B.C.D:addr | fqdn WORD:fqdn | user-fqdn WORD:ufqdn | any}",
        &["IKE identity", "Remote identity", "IPv4 address", "Fully qualified domain name (*.example.com for a partial match)", "FQDN", "User FQDN (user@domain)", "User FQDN", "Any remote identity (wildcard)"],
        |s, a, _| {
            ike_pol_mut(s)?.identity_remote = identity(a);
            Ok(())
        },
    );
    add(g, "no identity {local | remote}", &[NO, "IKE identity", "Local identity", "Remote identity"], |s, a, _| {
        let p = ike_pol_mut(s)?;
        if a.has("local") {
            p.identity_local = None;
        } else {
            p.identity_remote = None;
        }
        Ok(())
    });
    let psk_help = ["Pre-shared key for the remote peers", "Hexadecimal key", "Key in hexadecimal (0x...)", "Fetch the key from AAA (on-demand tunnels)", "Key (ASCII)"];
    add(g, "pre-shared-key {hex HEX | use-aaa | WORD:key}", &psk_help, |s, a, _| set_psk(s, a));
    hidden(g, "preshared-key {hex HEX | use-aaa | WORD:key}", &psk_help, |s, a, _| set_psk(s, a));
    add(g, "no pre-shared-key", &[NO, "Remove the pre-shared key"], |s, _, _| {
        ike_pol_mut(s)?.pre_shared_key = None;
        Ok(())
    });
    hidden(g, "no preshared-key", &[NO, "Remove the pre-shared key"], |s, _, _| {
        ike_pol_mut(s)?.pre_shared_key = None;
        Ok(())
    });
    add(g, "seq <1-65535> proposal NAME", &[SEQ, SEQ_NUM, "Reference an IKE proposal", "Proposal name"], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(1) as u32;
        let n = a.req("NAME")?.to_string();
        let p = ike_pol_mut(s)?;
        put_seq(&mut p.proposals, seq, n, MAX_POLICY_PROPOSALS, "proposals per IKE policy")
    });
    add(g, "no seq <1-65535> [proposal] [NAME]", &[NO, SEQ, SEQ_NUM, "Reference an IKE proposal", "Proposal name"], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(0) as u32;
        ike_pol_mut(s)?.proposals.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
    if v2 {
        add(g, "authentication {pre-shared-key | rsa-signature}", &["Peer authentication method", "Pre-shared key", "RSA signatures"], |s, a, _| {
            ike_pol_mut(s)?.authentication = if a.has("rsa-signature") { AuthMethod::RsaSignature } else { AuthMethod::PreSharedKey };
            Ok(())
        });
        add(g, "no authentication [pre-shared-key | rsa-signature]", &[NO, "Set the default (pre-shared-key)", "Pre-shared key", "RSA signatures"], |s, _, _| {
            ike_pol_mut(s)?.authentication = AuthMethod::PreSharedKey;
            Ok(())
        });
        add(g, "address-allocation aaa", &["Address allocation for remote access clients", "From the AAA server"], |s, _, _| {
            ike_pol_mut(s)?.address_allocation_aaa = true;
            Ok(())
        });
        add(g, "no address-allocation [aaa]", &[NO, "Address allocation for remote access clients", "From the AAA server"], |s, _, _| {
            ike_pol_mut(s)?.address_allocation_aaa = false;
            Ok(())
        });
        add(g, "lifetime [seconds] <300-99999999>", &["IKE SA lifetime", "In seconds", "Seconds"], |s, a, _| {
            ike_pol_mut(s)?.lifetime = a.num("<300-99999999>").map_or(DEFAULT_LIFETIME, |n| n as u32);
            Ok(())
        });
        add(g, "no lifetime [seconds] [<300-99999999>]", &[NO, "Set the default lifetime (86400 seconds)", "In seconds", "Seconds"], |s, _, _| {
            ike_pol_mut(s)?.lifetime = DEFAULT_LIFETIME;
            Ok(())
        });
    } else {
        add(g, "mode {main | aggressive}", &["Key exchange mode", "Main mode (6 messages, identity protected)", "Aggressive mode (3 messages)"], |s, a, _| {
            ike_pol_mut(s)?.mode = if a.has("aggressive") { ExchangeMode::Aggressive } else { ExchangeMode::Main };
            Ok(())
        });
        add(g, "no mode [main | aggressive]", &[NO, "Set the default (main)", "Main mode", "Aggressive mode"], |s, _, _| {
            ike_pol_mut(s)?.mode = ExchangeMode::Main;
            Ok(())
        });
    }
}

// ---------------------------------------------------------------- IPsec proposal (section 8.1)

fn ipsec_prop_mut(s: &mut Session) -> Result<&mut IpsecProposal, String> {
    let Frame::IpsecProposal(name) = frame(s) else { return Err("not in IPsec proposal mode".into()) };
    s.cand()?.ipsec_proposals.get_mut(&name).ok_or_else(|| gone(&format!("IPsec proposal {name}")))
}

const AUTH_ALGS: &str = "{hmac-md5-96 | hmac-sha1-96 | hmac-aes-xcbc}";
const AUTH_HELP: [&str; 3] = ["HMAC-MD5-96", "HMAC-SHA1-96", "AES-XCBC-MAC-96"];
const ENCR_ALGS: &str = "{null | des-cbc | 3des-cbc | aes-128-cbc | aes-192-cbc | aes-256-cbc}";
const ENCR_HELP: [&str; 6] = ["No encryption", "DES-CBC", "Triple DES-CBC", "AES-CBC 128-bit", "AES-CBC 192-bit", "AES-CBC 256-bit"];

fn helps(head: &[&'static str], tail: &[&'static str]) -> Vec<&'static str> {
    head.iter().chain(tail.iter()).copied().collect()
}

fn ipsec_proposal(g: &mut G) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        ipsec_prop_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        ipsec_prop_mut(s)?.description = None;
        Ok(())
    });
    add(g, "ip-comp", &["Enable IP payload compression"], |s, _, _| {
        ipsec_prop_mut(s)?.ip_comp = true;
        Ok(())
    });
    add(g, "no ip-comp", &[NO, "Disable IP payload compression"], |s, _, _| {
        ipsec_prop_mut(s)?.ip_comp = false;
        Ok(())
    });
    add(g, &format!("ah {AUTH_ALGS}"), &helps(&["AH authentication algorithm"], &AUTH_HELP), |s, a, _| {
        ipsec_prop_mut(s)?.ah = pick(a, EspAuth::ALL, EspAuth::word);
        Ok(())
    });
    add(g, "no ah", &[NO, "Remove AH"], |s, _, _| {
        ipsec_prop_mut(s)?.ah = None;
        Ok(())
    });
    add(g, &format!("esp authentication {AUTH_ALGS}"), &helps(&["ESP", "ESP authentication algorithm"], &AUTH_HELP), |s, a, _| {
        ipsec_prop_mut(s)?.esp_auth = pick(a, EspAuth::ALL, EspAuth::word);
        Ok(())
    });
    add(g, "no esp authentication", &[NO, "ESP", "Remove the ESP authentication configuration"], |s, _, _| {
        ipsec_prop_mut(s)?.esp_auth = None;
        Ok(())
    });
    add(g, &format!("esp encryption {ENCR_ALGS}"), &helps(&["ESP", "ESP encryption algorithm"], &ENCR_HELP), |s, a, _| {
        ipsec_prop_mut(s)?.esp_encr = pick(a, EspEncr::ALL, EspEncr::word);
        Ok(())
    });
    add(g, "no esp encryption", &[NO, "ESP", "Remove the ESP encryption configuration"], |s, _, _| {
        ipsec_prop_mut(s)?.esp_encr = None;
        Ok(())
    });
    add(g, "lifetime seconds <300-99999999>", &["IPsec SA lifetime", "In seconds", "Seconds"], |s, a, _| {
        ipsec_prop_mut(s)?.lifetime_seconds = a.num("<300-99999999>").map_or(DEFAULT_LIFETIME, |n| n as u32);
        Ok(())
    });
    add(g, "lifetime kbytes <1-4294967295>", &["IPsec SA lifetime", "In kilobytes of traffic", "Kilobytes"], |s, a, _| {
        ipsec_prop_mut(s)?.lifetime_kbytes = a.num("<1-4294967295>");
        Ok(())
    });
    add(g, "no lifetime {seconds | kbytes}", &[NO, "IPsec SA lifetime", "Set the default (86400 seconds)", "No traffic limit"], |s, a, _| {
        let p = ipsec_prop_mut(s)?;
        if a.has("seconds") {
            p.lifetime_seconds = DEFAULT_LIFETIME;
        } else {
            p.lifetime_kbytes = None;
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- IPsec policy (section 8.2)

fn ipsec_pol_mut(s: &mut Session) -> Result<&mut IpsecPolicy, String> {
    let Frame::IpsecPolicy(name) = frame(s) else { return Err("not in IPsec policy mode".into()) };
    s.cand()?.ipsec_policies.get_mut(&name).ok_or_else(|| gone(&format!("IPsec policy {name}")))
}

fn ipsec_policy(g: &mut G) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        ipsec_pol_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        ipsec_pol_mut(s)?.description = None;
        Ok(())
    });
    add(g, "anti-replay-window <0-1024>", &["Anti-replay window size (0 disables the check)", "Packets"], |s, a, _| {
        ipsec_pol_mut(s)?.anti_replay_window = a.num("<0-1024>").unwrap_or(64) as u32;
        Ok(())
    });
    add(g, "no anti-replay-window [<0-1024>]", &[NO, "Set the default (64 packets)", "Packets"], |s, _, _| {
        ipsec_pol_mut(s)?.anti_replay_window = 64;
        Ok(())
    });
    add(g, "perfect-forward-secrecy dh-group {1 | 2 | 5 | 14}", &helps(&["Perfect forward secrecy", "DH group for PFS"], DH), |s, a, _| {
        ipsec_pol_mut(s)?.pfs_group = dh(a);
        Ok(())
    });
    add(g, "no perfect-forward-secrecy [dh-group] [1 | 2 | 5 | 14]", &helps(&[NO, "Disable perfect forward secrecy", "DH group for PFS"], DH), |s, _, _| {
        ipsec_pol_mut(s)?.pfs_group = None;
        Ok(())
    });
    add(g, "seq <1-65535> proposal NAME", &[SEQ, SEQ_NUM, "Reference an IPsec proposal", "Proposal name"], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(1) as u32;
        let n = a.req("NAME")?.to_string();
        let p = ipsec_pol_mut(s)?;
        put_seq(&mut p.proposals, seq, n, MAX_POLICY_PROPOSALS, "proposals per IPsec policy")
    });
    add(g, "no seq <1-65535> [proposal] [NAME]", &[NO, SEQ, SEQ_NUM, "Reference an IPsec proposal", "Proposal name"], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(0) as u32;
        ipsec_pol_mut(s)?.proposals.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
}

// ---------------------------------------------------------------- IPsec SA (section 8.3)

fn sa_mut(s: &mut Session) -> Result<&mut IpsecSa, String> {
    let name = match frame(s) {
        Frame::IpsecSa(n) | Frame::IpsecSaSpi(n, _) => n,
        _ => return Err("not in IPsec SA mode".into()),
    };
    s.cand()?.ipsec_sas.get_mut(&name).ok_or_else(|| gone(&format!("IPsec security-association {name}")))
}

fn ipsec_sa(g: &mut G) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        sa_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        sa_mut(s)?.description = None;
        Ok(())
    });
    add(g, "anti-replay-window <0-1024>", &["Anti-replay window size (0 disables the check)", "Packets"], |s, a, _| {
        sa_mut(s)?.anti_replay_window = a.num("<0-1024>").unwrap_or(64) as u32;
        Ok(())
    });
    add(g, "no anti-replay-window [<0-1024>]", &[NO, "Set the default (64 packets)", "Packets"], |s, _, _| {
        sa_mut(s)?.anti_replay_window = 64;
        Ok(())
    });
    add(g, "ip-comp", &["Enable IP payload compression"], |s, _, _| {
        sa_mut(s)?.ip_comp = true;
        Ok(())
    });
    add(g, "no ip-comp", &[NO, "Disable IP payload compression"], |s, _, _| {
        sa_mut(s)?.ip_comp = false;
        Ok(())
    });
    add(g, "{both | in | out}", &["Attributes of bidirectional SAs", "Attributes of the inbound SA", "Attributes of the outbound SA"], |s, a, _| {
        let dir = pick(a, SaDir::ALL, SaDir::word).unwrap_or(SaDir::Both);
        let Frame::IpsecSa(name) = frame(s) else { return Err("not in IPsec SA mode".into()) };
        let sa = sa_mut(s)?;
        let conflict = match dir {
            SaDir::Both => sa.dirs.contains_key(&SaDir::In) || sa.dirs.contains_key(&SaDir::Out),
            _ => sa.dirs.contains_key(&SaDir::Both),
        };
        if conflict {
            return Err("The both command cannot be used with either the in or out command".into());
        }
        sa.dirs.entry(dir).or_default();
        push(s, Frame::IpsecSaSpi(name, dir));
        Ok(())
    });
    add(g, "no {both | in | out}", &[NO, "Bidirectional SAs", "Inbound SA", "Outbound SA"], |s, a, _| {
        let dir = pick(a, SaDir::ALL, SaDir::word).unwrap_or(SaDir::Both);
        sa_mut(s)?.dirs.remove(&dir).map(|_| ()).ok_or_else(|| format!("{dir} is not configured"))
    });
}

fn spi_mut(s: &mut Session) -> Result<&mut ManualSaKeys, String> {
    let Frame::IpsecSaSpi(_, dir) = frame(s) else { return Err("not in IPsec SA SPI mode".into()) };
    sa_mut(s)?.dirs.get_mut(&dir).ok_or_else(|| gone(&format!("SA direction {dir}")))
}

fn key_of(a: &Args) -> Result<Key, String> {
    match (a.get("key"), a.get("HEX")) {
        (Some(k), _) => Ok(Key::Ascii(k.to_string())),
        (None, Some(h)) => Ok(Key::Hex(h.to_string())),
        _ => Err("missing key".into()),
    }
}

fn ipsec_sa_spi(g: &mut G) {
    add(g, "esp spi <256-4294967295>", &["ESP", "Security parameter index", "SPI value"], |s, a, _| {
        spi_mut(s)?.esp_spi = a.num("<256-4294967295>").map(|v| v as u32);
        Ok(())
    });
    add(g, "no esp spi", &[NO, "ESP", "Security parameter index"], |s, _, _| {
        spi_mut(s)?.esp_spi = None;
        Ok(())
    });
    add(
        g,
        &format!("esp authentication [{}] {{key WORD:key | hex HEX}}", AUTH_ALGS.trim_matches(|c| c == '{' || c == '}')),
        &helps(&["ESP", "ESP authentication algorithm and key"], &[AUTH_HELP[0], AUTH_HELP[1], AUTH_HELP[2], "Key (ASCII or 0x-prefixed hexadecimal)", "Key", "Hexadecimal key", "Key in hexadecimal"]),
        |s, a, _| {
            let alg = pick(a, EspAuth::ALL, EspAuth::word).unwrap_or(EspAuth::HmacSha1_96);
            let k = key_of(a)?;
            spi_mut(s)?.esp_auth = Some((alg, k));
            Ok(())
        },
    );
    add(g, "no esp authentication", &[NO, "ESP", "Remove ESP authentication"], |s, _, _| {
        spi_mut(s)?.esp_auth = None;
        Ok(())
    });
    add(g, "esp encryption null", &["ESP", "ESP encryption algorithm and key", "No encryption"], |s, _, _| {
        spi_mut(s)?.esp_encr = Some((EspEncr::Null, None));
        Ok(())
    });
    add(
        g,
        "esp encryption [des-cbc | 3des-cbc | aes-128-cbc | aes-192-cbc | aes-256-cbc] {key WORD:key | hex HEX}",
        &helps(&["ESP", "ESP encryption algorithm and key"], &[ENCR_HELP[1], ENCR_HELP[2], ENCR_HELP[3], ENCR_HELP[4], ENCR_HELP[5], "Key (ASCII)", "Key", "Hexadecimal key", "Key in hexadecimal"]),
        |s, a, _| {
            let alg = pick(a, &EspEncr::ALL[1..], EspEncr::word).unwrap_or(EspEncr::Aes128Cbc);
            let k = key_of(a)?;
            spi_mut(s)?.esp_encr = Some((alg, Some(k)));
            Ok(())
        },
    );
    add(g, "no esp encryption", &[NO, "ESP", "Remove ESP encryption"], |s, _, _| {
        spi_mut(s)?.esp_encr = None;
        Ok(())
    });
    add(g, "ah spi <256-4294967295>", &["AH", "Security parameter index", "SPI value"], |s, a, _| {
        spi_mut(s)?.ah_spi = a.num("<256-4294967295>").map(|v| v as u32);
        Ok(())
    });
    add(g, "no ah spi", &[NO, "AH", "Security parameter index"], |s, _, _| {
        spi_mut(s)?.ah_spi = None;
        Ok(())
    });
    add(
        g,
        &format!("ah [{}] {{key WORD:key | hex HEX}}", AUTH_ALGS.trim_matches(|c| c == '{' || c == '}')),
        &helps(&["AH authentication algorithm and key"], &[AUTH_HELP[0], AUTH_HELP[1], AUTH_HELP[2], "Key (ASCII)", "Key", "Hexadecimal key", "Key in hexadecimal"]),
        |s, a, _| {
            let alg = pick(a, EspAuth::ALL, EspAuth::word).unwrap_or(EspAuth::HmacSha1_96);
            let k = key_of(a)?;
            spi_mut(s)?.ah = Some((alg, k));
            Ok(())
        },
    );
    add(g, "no ah", &[NO, "Remove AH"], |s, _, _| {
        spi_mut(s)?.ah = None;
        Ok(())
    });
}

// ---------------------------------------------------------------- IPsec ACL (section 8.4)

fn acl_mut(s: &mut Session) -> Result<&mut IpsecAcl, String> {
    let Frame::IpsecAcl { name, .. } = frame(s) else { return Err("not in IPsec access-list mode".into()) };
    context_mut(s)?.ipsec_acls.get_mut(&name).ok_or_else(|| gone(&format!("IPsec access-list {name}")))
}

/// Walk the bindings of an ACL rule in order: protocol, source, port, destination, port.
fn acl_rule(a: &Args) -> Result<AclRule, String> {
    let mut it = a.bindings.get(2..).unwrap_or(&[]).iter().peekable(); // after `seq N`
    let mut protocol = None;
    if let Some(b) = it.peek() {
        let p = match (b.keyword, &*b.value) {
            (true, "tcp") => Some(6),
            (true, "udp") => Some(17),
            (true, "icmp") => Some(1),
            (false, v) if b.key == "proto" => Some(v.parse::<u8>().map_err(|_| format!("Invalid protocol {v}"))?),
            _ => None,
        };
        if p.is_some() {
            protocol = p;
            it.next();
        }
    }
    let addr = |it: &mut std::iter::Peekable<std::slice::Iter<'_, edgesh_grammar::Binding<'static>>>| -> Result<Option<AclAddr>, String> {
        match it.peek() {
            Some(b) if b.keyword && b.value == "any" => {
                it.next();
                Ok(Some(AclAddr::Any))
            }
            Some(b) if b.key == "src" || b.key == "dst" => {
                let p: Prefix4 = b.value.parse()?;
                it.next();
                Ok(Some(AclAddr::Prefix(p)))
            }
            _ => Ok(None),
        }
    };
    let port = |it: &mut std::iter::Peekable<std::slice::Iter<'_, edgesh_grammar::Binding<'static>>>| -> Option<(PortOp, u16)> {
        let op = it.peek().filter(|b| b.keyword).and_then(|b| PortOp::from_word(&b.value))?;
        it.next();
        let v = it.next()?.value.parse().ok()?;
        Some((op, v))
    };
    let src = addr(&mut it)?.ok_or("missing source")?;
    let src_port = port(&mut it);
    let dst = addr(&mut it)?;
    let dst_port = port(&mut it);
    if (src_port.is_some() || dst_port.is_some()) && !matches!(protocol, Some(6) | Some(17)) {
        return Err("Port conditions need protocol tcp or udp".into());
    }
    Ok(AclRule { protocol, src, src_port, dst, dst_port })
}

fn ipsec_acl(g: &mut G) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        acl_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        acl_mut(s)?.description = None;
        Ok(())
    });
    add(
        g,
        "seq <1-65535> [tcp | udp | icmp | <0-255>:proto] {A.B.C.D/M:src | any} [{eq | neq | lt | gt} <0-65535>:sport] [{A.B.C.D/M:dst | any} [{eq | neq | lt | gt} <0-65535>:dport]]",
        &[
            SEQ, SEQ_NUM, "TCP", "UDP", "ICMP", "IP protocol number", "Source prefix", "Any source", "Port equal to", "Port not equal to", "Port less than",
            "Port greater than", "Source port", "Destination prefix", "Any destination", "Port equal to", "Port not equal to", "Port less than", "Port greater than", "Destination port",
        ],
        |s, a, _| {
            let seq = a.num("<1-65535>").unwrap_or(1) as u32;
            let r = acl_rule(a)?;
            put_seq(&mut acl_mut(s)?.rules, seq, r, usize::MAX, "rules")
        },
    );
    add(g, "no seq <1-65535>", &[NO, SEQ, SEQ_NUM], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(0) as u32;
        acl_mut(s)?.rules.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
}

// ---------------------------------------------------------------- IPsec profile (section 9.3.3)

fn profile_mut(s: &mut Session) -> Result<&mut IpsecProfile, String> {
    let Frame::IpsecProfile { name, .. } = frame(s) else { return Err("not in IPsec profile mode".into()) };
    context_mut(s)?.ipsec_profiles.get_mut(&name).ok_or_else(|| gone(&format!("IPsec profile {name}")))
}

fn ipsec_profile(g: &mut G) {
    add(g, "df-bit {set | clear}", &["Don't Fragment bit of the outer header", "Always set", "Always clear"], |s, a, _| {
        profile_mut(s)?.df_bit = Some(if a.has("set") { DfBit::Set } else { DfBit::Clear });
        Ok(())
    });
    add(g, "no df-bit [set | clear]", &[NO, "Don't Fragment bit of the outer header", "Always set", "Always clear"], |s, _, _| {
        profile_mut(s)?.df_bit = None;
        Ok(())
    });
    add(g, "mtu <256-16384>", &["MTU of packets sent in the tunnel", "Bytes"], |s, a, _| {
        profile_mut(s)?.mtu = a.num("<256-16384>").map(|v| v as u32);
        Ok(())
    });
    add(g, "no mtu [<256-16384>]", &[NO, "MTU of packets sent in the tunnel", "Bytes"], |s, _, _| {
        profile_mut(s)?.mtu = None;
        Ok(())
    });
    add(
        g,
        "seq <1-65535> ipsec-policy NAME:policy [access-group NAME:acl]",
        &[SEQ, SEQ_NUM, "Reference an IPsec policy", "IPsec policy name", "Restrict to an IPsec access list", "Access list name"],
        |s, a, _| {
            let seq = a.num("<1-65535>").unwrap_or(1) as u32;
            let e = PolicyEntry { policy: a.req("policy")?.to_string(), access_group: a.get("acl").map(str::to_string) };
            let p = profile_mut(s)?;
            put_seq(&mut p.entries, seq, e, MAX_TUNNEL_ENTRIES, "ipsec-policy entries per profile")
        },
    );
    add(g, "no seq <1-65535>", &[NO, SEQ, SEQ_NUM], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(0) as u32;
        profile_mut(s)?.entries.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
}

// ---------------------------------------------------------------- IPsec QoS (section 8.5)

fn qos(g: &mut G) {
    add(g, "num-queues {1 | 4}", &["Number of priority queues per SA", "One queue (no priority queuing)", "Four strict-priority queues"], |s, a, _| {
        let Frame::QosPq(name) = frame(s) else { return Err("not in QoS policy mode".into()) };
        let n = if a.has("4") { 4 } else { 1 };
        s.cand()?.ipsec_qos.get_mut(&name).ok_or_else(|| gone(&format!("ipsec qos policy {name}")))?.num_queues = n;
        Ok(())
    });
}

// ---------------------------------------------------------------- tunnel (section 9)

fn tunnel_mut(s: &mut Session) -> Result<&mut Tunnel, String> {
    let Frame::Tunnel(name) = frame(s) else { return Err("not in tunnel mode".into()) };
    s.cand()?.tunnels.get_mut(&name).ok_or_else(|| gone(&format!("tunnel {name}")))
}

fn tunnel_entry(s: &mut Session, a: &Args, e: TunnelEntry) -> CmdResult {
    let seq = a.num("<1-65535>").unwrap_or(1) as u32;
    let t = tunnel_mut(s)?;
    put_seq(&mut t.entries, seq, e, MAX_TUNNEL_ENTRIES, "sequenced entries per tunnel")
}

fn tunnel(g: &mut G) {
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        tunnel_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        tunnel_mut(s)?.description = None;
        Ok(())
    });
    add(g, "shutdown", &["Administratively disable the tunnel"], |s, _, _| {
        tunnel_mut(s)?.shutdown = true;
        Ok(())
    });
    add(g, "no shutdown", &[NO, "Enable the tunnel"], |s, _, _| {
        tunnel_mut(s)?.shutdown = false;
        Ok(())
    });
    add(g, "bind interface NAME:ifname [NAME:ctx]", &["Bind the tunnel", "To an interface", "Interface name", "Context of the interface"], |s, a, _| {
        let b = (a.req("ifname")?.to_string(), a.get("ctx").map(str::to_string));
        tunnel_mut(s)?.bind_interface = Some(b);
        Ok(())
    });
    add(g, "no bind interface [NAME:ifname] [NAME:ctx]", &[NO, "Bind the tunnel", "To an interface", "Interface name", "Context of the interface"], |s, _, _| {
        tunnel_mut(s)?.bind_interface = None;
        Ok(())
    });
    add(g, "df-bit {propagate | set | clear}", &["Don't Fragment bit of the outer header", "Copy it from the inner header (default)", "Always set", "Always clear"], |s, a, _| {
        tunnel_mut(s)?.df_bit = pick(a, DfBit::ALL, DfBit::word).unwrap_or(DfBit::Propagate);
        Ok(())
    });
    add(g, "no df-bit [propagate | set | clear]", &[NO, "Set the default (propagate)", "Copy", "Set", "Clear"], |s, _, _| {
        tunnel_mut(s)?.df_bit = DfBit::Propagate;
        Ok(())
    });
    add(g, "ike-policy NAME", &["IKE policy used to negotiate with the peer", "IKE policy name"], |s, a, _| {
        tunnel_mut(s)?.ike_policy = Some(a.req("NAME")?.to_string());
        Ok(())
    });
    // Example 10 of the guide writes `ike policy NAME`.
    hidden(g, "ike policy NAME", &["IKE", "IKE policy used to negotiate with the peer", "IKE policy name"], |s, a, _| {
        tunnel_mut(s)?.ike_policy = Some(a.req("NAME")?.to_string());
        Ok(())
    });
    add(g, "no ike-policy [NAME]", &[NO, "IKE policy used to negotiate with the peer", "IKE policy name"], |s, _, _| {
        tunnel_mut(s)?.ike_policy = None;
        Ok(())
    });
    add(g, "qos policy queuing NAME", &["Quality of service", "QoS policy", "Priority queuing policy", "IPsec QoS policy name"], |s, a, _| {
        tunnel_mut(s)?.qos_policy = Some(a.req("NAME")?.to_string());
        Ok(())
    });
    add(g, "no qos policy queuing [NAME]", &[NO, "Quality of service", "QoS policy", "Priority queuing policy", "IPsec QoS policy name"], |s, _, _| {
        tunnel_mut(s)?.qos_policy = None;
        Ok(())
    });
    add(g, "ip route traffic-selector-guided", &["IP configuration", "Routes", "Add routes to the networks in the negotiated traffic selectors"], |s, _, _| {
        tunnel_mut(s)?.ts_guided_routes = true;
        Ok(())
    });
    add(g, "no ip route traffic-selector-guided", &[NO, "IP configuration", "Routes", "Traffic-selector guided routes"], |s, _, _| {
        tunnel_mut(s)?.ts_guided_routes = false;
        Ok(())
    });
    add(
        g,
        "peer-end-point local A.B.C.D:local [remote A.B.C.D:remote] [context NAME:ctx]",
        &["Tunnel end points", "Local end point", "Local address (a loopback address)", "Remote end point", "Remote address", "Context of the local end", "Context name"],
        |s, a, _| {
            let local = a.req("local")?.parse().map_err(|_| "Invalid local address".to_string())?;
            let remote = a.get("remote").map(|r| r.parse()).transpose().map_err(|_| "Invalid remote address".to_string())?;
            let ctx = a.get("ctx").map(str::to_string);
            let t = tunnel_mut(s)?;
            if t.kind == TunnelKind::OnDemand && remote.is_some() {
                return Err("An on-demand tunnel has no remote end point".into());
            }
            t.local = Some(local);
            t.remote = remote;
            t.context = ctx;
            Ok(())
        },
    );
    add(g, "no peer-end-point [LINE]", &[NO, "Tunnel end points", "The end points (ignored)"], |s, _, _| {
        let t = tunnel_mut(s)?;
        t.local = None;
        t.remote = None;
        t.context = None;
        Ok(())
    });
    add(g, "remote-id WORD", &["Identity of the remote peer (address, FQDN or user@FQDN)", "Remote identity"], |s, a, _| {
        tunnel_mut(s)?.remote_id = Some(Identity::parse_loose(a.req("WORD")?));
        Ok(())
    });
    add(g, "no remote-id [WORD]", &[NO, "Identity of the remote peer", "Remote identity"], |s, _, _| {
        tunnel_mut(s)?.remote_id = None;
        Ok(())
    });
    add(g, "mtu <256-16384>", &["MTU of packets sent in the tunnel", "Bytes"], |s, a, _| {
        tunnel_mut(s)?.mtu = a.num("<256-16384>").map(|v| v as u32);
        Ok(())
    });
    add(g, "no mtu [<256-16384>]", &[NO, "MTU of packets sent in the tunnel", "Bytes"], |s, _, _| {
        tunnel_mut(s)?.mtu = None;
        Ok(())
    });
    add(g, "max-tunnels <1-8000>", &["Most remote peers of this on-demand tunnel", "Tunnels"], |s, a, _| {
        let t = tunnel_mut(s)?;
        if t.kind != TunnelKind::OnDemand {
            return Err("max-tunnels applies to on-demand tunnels only".into());
        }
        t.max_tunnels = a.num("<1-8000>").map(|v| v as u32);
        Ok(())
    });
    add(g, "no max-tunnels [<1-8000>]", &[NO, "Most remote peers of this on-demand tunnel", "Tunnels"], |s, _, _| {
        tunnel_mut(s)?.max_tunnels = None;
        Ok(())
    });
    add(
        g,
        "seq <1-65535> ipsec-policy NAME:policy [access-group NAME:acl]",
        &[SEQ, SEQ_NUM, "Reference an IPsec policy", "IPsec policy name", "Restrict to an IPsec access list", "Access list name"],
        |s, a, _| {
            let e = TunnelEntry::Policy(PolicyEntry { policy: a.req("policy")?.to_string(), access_group: a.get("acl").map(str::to_string) });
            tunnel_entry(s, a, e)
        },
    );
    add(
        g,
        "seq <1-65535> security-association NAME:sa [access-group NAME:acl]",
        &[SEQ, SEQ_NUM, "Reference a manual IPsec SA", "SA name", "Restrict to an IPsec access list (first rule)", "Access list name"],
        |s, a, _| {
            let e = TunnelEntry::ManualSa { sa: a.req("sa")?.to_string(), access_group: a.get("acl").map(str::to_string) };
            tunnel_entry(s, a, e)
        },
    );
    // Example 12 of the guide writes `security association` as two words.
    hidden(
        g,
        "seq <1-65535> security association NAME:sa [access-group NAME:acl]",
        &[SEQ, SEQ_NUM, "Security", "Reference a manual IPsec SA", "SA name", "Restrict to an IPsec access list", "Access list name"],
        |s, a, _| {
            let e = TunnelEntry::ManualSa { sa: a.req("sa")?.to_string(), access_group: a.get("acl").map(str::to_string) };
            tunnel_entry(s, a, e)
        },
    );
    add(g, "no seq <1-65535>", &[NO, SEQ, SEQ_NUM], |s, a, _| {
        let seq = a.num("<1-65535>").unwrap_or(0) as u32;
        tunnel_mut(s)?.entries.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
}

// ---------------------------------------------------------------- ASP pools and groups, ports

fn asp_pool(g: &mut G) {
    add(g, "asp SLOT/PORT", &["Enroll an ASP in the pool", "Slot/ASP"], |s, a, _| {
        let Frame::AspPool(name) = frame(s) else { return Err("not in ASP pool mode".into()) };
        let k = slot_port(a.req("SLOT/PORT")?)?;
        let p = s.cand()?.asp_pools.get_mut(&name).ok_or_else(|| gone(&format!("asp pool {name}")))?;
        if !p.asps.contains(&k) {
            p.asps.push(k);
            p.asps.sort();
        }
        Ok(())
    });
    add(g, "no asp SLOT/PORT", &[NO, "Remove an ASP from the pool", "Slot/ASP"], |s, a, _| {
        let Frame::AspPool(name) = frame(s) else { return Err("not in ASP pool mode".into()) };
        let k = slot_port(a.req("SLOT/PORT")?)?;
        let p = s.cand()?.asp_pools.get_mut(&name).ok_or_else(|| gone(&format!("asp pool {name}")))?;
        p.asps.retain(|x| *x != k);
        Ok(())
    });
}

fn asp_group(g: &mut G) {
    fn grp(s: &mut Session) -> Result<&mut AspGroup, String> {
        let Frame::AspGroup(name) = frame(s) else { return Err("not in ASP group mode".into()) };
        s.cand()?.asp_groups.get_mut(&name).ok_or_else(|| gone(&format!("asp group {name}")))
    }
    add(g, "pool NAME", &["Use an ASP pool", "Pool name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        let gr = grp(s)?;
        if !gr.pools.contains(&n) {
            gr.pools.push(n);
        }
        Ok(())
    });
    add(g, "no pool NAME", &[NO, "Use an ASP pool", "Pool name"], |s, a, _| {
        let n = a.req("NAME")?.to_string();
        grp(s)?.pools.retain(|p| *p != n);
        Ok(())
    });
    add(g, "asp-count <1-8>", &["Number of ASPs of the group", "Count"], |s, a, _| {
        grp(s)?.asp_count = a.num("<1-8>").map(|v| v as u32);
        Ok(())
    });
    add(g, "no asp-count [<1-8>]", &[NO, "Number of ASPs of the group", "Count"], |s, _, _| {
        grp(s)?.asp_count = None;
        Ok(())
    });
}

fn port(g: &mut G) {
    fn port_mut(s: &mut Session) -> Result<&mut Port, String> {
        let Frame::Port(sl, p) = frame(s) else { return Err("not in port mode".into()) };
        s.cand()?.ports.get_mut(&(sl, p)).ok_or_else(|| gone(&format!("port ethernet {sl}/{p}")))
    }
    add(g, "shutdown", &["Disable the port"], |s, _, _| {
        port_mut(s)?.shutdown = true;
        Ok(())
    });
    add(g, "no shutdown", &[NO, "Enable the port"], |s, _, _| {
        port_mut(s)?.shutdown = false;
        Ok(())
    });
    add(g, "bind interface NAME:ifname NAME:ctx", &["Bind the port", "To an interface", "Interface name", "Context name"], |s, a, _| {
        let b = (a.req("ifname")?.to_string(), a.req("ctx")?.to_string());
        port_mut(s)?.bind = Some(b);
        Ok(())
    });
    add(g, "no bind interface [NAME:ifname] [NAME:ctx]", &[NO, "Bind the port", "To an interface", "Interface name", "Context name"], |s, _, _| {
        port_mut(s)?.bind = None;
        Ok(())
    });
    add(g, "description LINE", &[DESC, DESC_TEXT], |s, a, _| {
        port_mut(s)?.description = desc(a);
        Ok(())
    });
    add(g, "no description [LINE]", &[NO, DESC, DESC_TEXT], |s, _, _| {
        port_mut(s)?.description = None;
        Ok(())
    });
}
