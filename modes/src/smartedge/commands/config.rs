//! Global configuration mode (`ModeKind::Config`, `(config)#`): `context`,
//! `ike proposal`/`ike2 proposal` (entering the proposal modes), `ipsec proposal|
//! policy|security-association|qos`, `tunnel ipsec`, `asp pool|group`, `card`,
//! `port ethernet`, `logging`, `boot configuration`, `system hostname`, `service`.

use super::*;

// ---------------------------------------------------------------- global configuration

pub(super) fn config(g: &mut G) {
    hidden(g, "configure", &["Enter configuration mode"], |_, _, _| Ok(()));
    add_no(
        g,
        "context NAME",
        &["Configure a context", "Context name"],
        "context NAME",
        Some("Remove a context"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                if n == "local" {
                    return Err("Context local cannot be removed".into());
                }
                s.cand()?.contexts.remove(n).map(|_| ()).ok_or_else(|| format!("Context {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.contexts.entry(n.clone()).or_default();
                push(s, Frame::Ctx(n));
                Ok(())
            }
        },
    );
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
        let f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult =
            if v2 { |s, a, _| ike_proposal_enter(s, a, true) } else { |s, a, _| ike_proposal_enter(s, a, false) };
        add(g, &spec, &[help, "Configure an IKE proposal", "Proposal name"], f);
        add(g, &format!("no {spec}"), &[NO, help, "Remove an IKE proposal", "Proposal name"], |s, a, _| {
            let n = a.req("NAME")?;
            s.cand()?.ike_proposals.remove(n).map(|_| ()).ok_or_else(|| format!("IKE proposal {n} does not exist"))
        });
    }
    add_no(
        g,
        "ipsec proposal NAME",
        &["Configure IPsec", "Configure an IPsec proposal", "Proposal name"],
        "ipsec proposal NAME",
        Some("Remove an IPsec proposal"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?
                    .ipsec_proposals
                    .remove(n)
                    .map(|_| ())
                    .ok_or_else(|| format!("IPsec proposal {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.ipsec_proposals.entry(n.clone()).or_insert_with(IpsecProposal::new);
                push(s, Frame::IpsecProposal(n));
                Ok(())
            }
        },
    );
    add_no(
        g,
        "ipsec policy NAME",
        &["Configure IPsec", "Configure an IPsec policy", "Policy name"],
        "ipsec policy NAME",
        Some("Remove an IPsec policy"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?.ipsec_policies.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec policy {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.ipsec_policies.entry(n.clone()).or_default();
                push(s, Frame::IpsecPolicy(n));
                Ok(())
            }
        },
    );
    add_no(
        g,
        "ipsec security-association NAME",
        &["Configure IPsec", "Configure a manual IPsec SA", "SA name"],
        "ipsec security-association NAME",
        Some("Remove a manual IPsec SA"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?
                    .ipsec_sas
                    .remove(n)
                    .map(|_| ())
                    .ok_or_else(|| format!("IPsec security-association {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.ipsec_sas.entry(n.clone()).or_default();
                push(s, Frame::IpsecSa(n));
                Ok(())
            }
        },
    );
    add_no(
        g,
        "ipsec qos policy NAME pq",
        &[
            "Configure IPsec",
            "Configure an IPsec QoS policy",
            "Configure a QoS policy",
            "Policy name",
            "Priority queuing",
        ],
        "ipsec qos policy NAME [pq]",
        Some("Remove a QoS policy"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?.ipsec_qos.remove(n).map(|_| ()).ok_or_else(|| format!("IPsec QoS policy {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.ipsec_qos.entry(n.clone()).or_insert(QosPolicy { num_queues: 1 });
                push(s, Frame::QosPq(n));
                Ok(())
            }
        },
    );
    add_no(
        g,
        "tunnel ipsec NAME [on-demand | manual] [economical]",
        &[
            "Configure a tunnel",
            "Configure an IPsec tunnel",
            "Tunnel name",
            "On-demand auto key tunnel (unknown remote peer)",
            "Manual key tunnel",
            "Economical mode (no line card circuit)",
        ],
        "tunnel ipsec NAME",
        Some("Remove an IPsec tunnel"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?.tunnels.remove(n).map(|_| ()).ok_or_else(|| format!("Tunnel {n} does not exist"))
            } else {
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
                            return Err(format!(
                                "Tunnel {n} exists as a {} tunnel; remove it first to change its kind",
                                t.kind.proto_name()
                            ));
                        }
                        if eco && !t.economical {
                            return Err(format!(
                                "Tunnel {n} exists in circuit-based mode; remove it first to make it economical"
                            ));
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
            }
        },
    );
    add_no(
        g,
        "asp pool NAME service security",
        &["Configure ASPs", "Configure an ASP pool", "Pool name", "Service of the pool", "Security service"],
        "asp pool NAME [service security]",
        Some("Remove an ASP pool"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?.asp_pools.remove(n).map(|_| ()).ok_or_else(|| format!("ASP pool {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.asp_pools.entry(n.clone()).or_default().service_security = true;
                push(s, Frame::AspPool(n));
                Ok(())
            }
        },
    );
    add_no(
        g,
        "asp group NAME",
        &["Configure ASPs", "Configure an ASP group", "Group name"],
        "asp group NAME",
        Some("Remove an ASP group"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                s.cand()?.asp_groups.remove(n).map(|_| ()).ok_or_else(|| format!("ASP group {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                s.cand()?.asp_groups.entry(n.clone()).or_default();
                push(s, Frame::AspGroup(n));
                Ok(())
            }
        },
    );
    add(
        g,
        "card WORD:type <1-16>:slot",
        &["Configure a card", "Card type (ase, ge-10-port, ether-12-port, ...)", "Slot"],
        |s, a, _| {
            let slot = a.u32("slot").unwrap_or(1);
            let ty = a.req("type")?.to_string();
            if !ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!("Invalid card type {ty}"));
            }
            s.cand()?.cards.insert(slot, ty);
            push(s, Frame::Card(slot));
            Ok(())
        },
    );
    add(g, "no card WORD:type <1-16>:slot", &[NO, "Remove a card", "Card type", "Slot"], |s, a, _| {
        let slot = a.u32("slot").unwrap_or(0);
        s.cand()?.cards.remove(&slot).map(|_| ()).ok_or_else(|| format!("No card is configured in slot {slot}"))
    });
    add(g, "port ethernet SLOT/PORT", &["Configure a port", "Ethernet port", "Slot/port"], |s, a, _| {
        let (sl, p) = slot_port(a.req("SLOT/PORT")?)?;
        s.cand()?.ports.entry((sl, p)).or_default();
        push(s, Frame::Port(sl, p));
        Ok(())
    });
    add(
        g,
        "no port ethernet SLOT/PORT",
        &[NO, "Remove a port configuration", "Ethernet port", "Slot/port"],
        |s, a, _| {
            let k = slot_port(a.req("SLOT/PORT")?)?;
            s.cand()?
                .ports
                .remove(&k)
                .map(|_| ())
                .ok_or_else(|| format!("Port ethernet {}/{} is not configured", k.0, k.1))
        },
    );
    add_no(
        g,
        "logging active",
        &["Configure logging", "Log to the active controller buffer"],
        "logging active",
        None,
        |s, a, _| {
            s.cand()?.logging.active = !a.negated();
            Ok(())
        },
    );
    add_no(
        g,
        "logging standby short",
        &["Configure logging", "Log to the standby controller", "Short format"],
        "logging standby [short]",
        None,
        |s, a, _| {
            s.cand()?.logging.standby_short = !a.negated();
            Ok(())
        },
    );
    add_no(
        g,
        "logging tdm console",
        &["Configure logging", "Time-division multiplexing messages", "To the console"],
        "logging tdm [console]",
        None,
        |s, a, _| {
            s.cand()?.logging.tdm_console = !a.negated();
            Ok(())
        },
    );
    const SERVICES: &str = "{console-break | crash-dump-dram | auto-system-recovery | multiple-contexts}";
    const SVC_HELP: [&str; 4] = [
        "Break to the boot ROM from the console",
        "Save crash dumps of DRAM",
        "Recover the system automatically",
        "Allow multiple contexts",
    ];
    let mut h = vec!["Configure system services"];
    h.extend(SVC_HELP);
    add(g, &format!("service {SERVICES}"), &h, |s, a, _| set_service(s, a));
    let mut h = vec![NO, "Configure system services"];
    h.extend(SVC_HELP);
    add(g, &format!("no service {SERVICES}"), &h, |s, a, _| set_service(s, a));
    add_no(
        g,
        "boot configuration WORD:file",
        &["Boot parameters", "Configuration file loaded at boot", "File name"],
        "boot configuration [WORD:file]",
        None,
        |s, a, _| {
            s.cand()?.boot_configuration = if a.negated() { None } else { Some(a.req("file")?.to_string()) };
            Ok(())
        },
    );
}

fn set_service(s: &mut Session, a: &Args) -> CmdResult {
    let name = ["console-break", "crash-dump-dram", "auto-system-recovery", "multiple-contexts"]
        .into_iter()
        .find(|n| a.has(n))
        .unwrap_or("");
    let on = !a.negated();
    s.cand()?.services.insert(name.to_string(), on);
    Ok(())
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
