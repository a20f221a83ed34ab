//! Context mode (`ModeKind::Ctx`, `(config-ctx)#`): `interface`, `ip route`,
//! `ip domain-lookup`, `administrator`, `ike policy`/`ike2 policy` (entering the
//! policy modes), `ike keepalive`, `ipsec access-list|profile`, `asp-group`,
//! `ssh server`, `logging console`, `description`; and interface mode
//! (`ModeKind::Iface`, `(config-if)#`): `ip address`, `ip unnumbered`, ...

use super::*;

// ---------------------------------------------------------------- context

pub(super) fn context(g: &mut G) {
    add_no(
        g,
        "interface NAME [loopback | ipsec [multibind]]",
        &[
            "Configure an interface",
            "Interface name",
            "Loopback interface",
            "IPsec tunnel interface",
            "Multibind interface for on-demand tunnels",
        ],
        "interface NAME",
        Some("Remove an interface"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                context_mut(s)?.interfaces.remove(n).map(|_| ()).ok_or_else(|| format!("Interface {n} does not exist"))
            } else {
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
                        c.interfaces.insert(
                            n.clone(),
                            Interface {
                                kind,
                                description: None,
                                address: None,
                                secondary: Vec::new(),
                                unnumbered: None,
                            },
                        );
                    }
                }
                push(s, Frame::Iface { ctx, name: n });
                Ok(())
            }
        },
    );
    add(
        g,
        "ip route A.B.C.D/M {A.B.C.D:hop | NAME:ifname} [cost <0-255>:cost]",
        &[
            "IP configuration",
            "Configure a static route",
            "Destination prefix",
            "Next-hop address",
            "Outgoing interface",
            "Route cost (distance)",
            "Cost",
        ],
        |s, a, _| {
            let prefix: Prefix4 = a.req("A.B.C.D/M")?.parse()?;
            let next_hop = match a.get("hop") {
                Some(h) => NextHop::Address(h.parse().map_err(|_| format!("Invalid next hop {h}"))?),
                None => NextHop::Interface(a.req("ifname")?.to_string()),
            };
            let cost = a.u32("cost");
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
        "no ip route A.B.C.D/M [A.B.C.D:hop | NAME:ifname] [cost <0-255>:cost]",
        &[
            NO,
            "IP configuration",
            "Remove a static route",
            "Destination prefix",
            "Next-hop address",
            "Outgoing interface",
            "Route cost",
            "Cost",
        ],
        |s, a, _| {
            let prefix: Prefix4 = a.req("A.B.C.D/M")?.parse()?;
            let hop = a.get("hop").map(|h| h.to_string()).or(a.get("ifname").map(str::to_string));
            let c = context_mut(s)?;
            let before = c.routes.len();
            c.routes.retain(|r| !(r.prefix == prefix && hop.as_ref().is_none_or(|h| r.next_hop.to_string() == *h)));
            if c.routes.len() == before { Err(format!("No route to {prefix} is configured")) } else { Ok(()) }
        },
    );
    add_no(
        g,
        "ip domain-lookup",
        &["IP configuration", "Resolve host names with DNS"],
        "ip domain-lookup",
        None,
        |s, a, _| {
            context_mut(s)?.domain_lookup = !a.negated();
            Ok(())
        },
    );
    add_no(
        g,
        "administrator NAME {password WORD:pw | encrypted 1 WORD:hash}",
        &[
            "Configure an administrator",
            "Administrator name",
            "Clear-text password (stored hashed)",
            "Password",
            "Encrypted password",
            "MD5-crypt",
            "The $1$ hash",
        ],
        "administrator NAME",
        Some("Remove an administrator"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                context_mut(s)?
                    .administrators
                    .remove(n)
                    .map(|_| ())
                    .ok_or_else(|| format!("Administrator {n} does not exist"))
            } else {
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
                c.administrators.entry(n.clone()).and_modify(|x| x.hash = hash.clone()).or_insert(Administrator {
                    hash,
                    privilege_start: None,
                    privilege_max: None,
                    idle_timeout: IdleTimeout::Default,
                    ssh_keys: Vec::new(),
                });
                push(s, Frame::Admin { ctx, name: n });
                Ok(())
            }
        },
    );
    add(
        g,
        "ssh server listen {A.B.C.D:addr | X:X:X:X::X:addr} [port <1-65535>:port]",
        &[
            "Configure the SSH server",
            "The SSH server of this router (edgesh)",
            "Listen for SSH connections (context local only)",
            "IPv4 address to listen on",
            "IPv6 address to listen on",
            "TCP port (default 22)",
            "Port",
        ],
        |s, a, _| {
            let ctx = ctx_of(s);
            if ctx != "local" {
                return Err(format!("The SSH server is configured in context local, not in context {ctx}"));
            }
            let ip: std::net::IpAddr = a.req("addr")?.parse().map_err(|_| "Invalid address".to_string())?;
            let port = a.u16("port").unwrap_or(22);
            context_mut(s)?.ssh_listen = Some(std::net::SocketAddr::from((ip, port)));
            Ok(())
        },
    );
    add(
        g,
        "no ssh server listen [A.B.C.D | X:X:X:X::X] [port <1-65535>:port]",
        &[
            NO,
            "Configure the SSH server",
            "The SSH server of this router (edgesh)",
            "Stop listening for SSH connections",
            "IPv4 address",
            "IPv6 address",
            "TCP port",
            "Port",
        ],
        |s, _, _| {
            context_mut(s)?.ssh_listen = None;
            Ok(())
        },
    );
    add_no(g, "logging console", &["Configure logging", "Log to the console"], "logging console", None, |s, a, _| {
        context_mut(s)?.logging_console = Some(!a.negated());
        Ok(())
    });
    add_no(
        g,
        "asp-group NAME service security",
        &["Associate an ASP group with this context", "ASP group name", "Service", "Security service"],
        "asp-group [NAME] [service security]",
        None,
        |s, a, _| {
            if a.negated() {
                context_mut(s)?.asp_group = None;
                Ok(())
            } else {
                let n = a.req("NAME")?.to_string();
                context_mut(s)?.asp_group = Some(n);
                Ok(())
            }
        },
    );
    add_no(
        g,
        "ike keepalive",
        &["Configure IKE", "Send dead peer detection messages"],
        "ike keepalive",
        None,
        |s, a, _| {
            context_mut(s)?.ike_keepalive = !a.negated();
            Ok(())
        },
    );
    for (v2, kw, help) in [(false, "ike", "Configure IKEv1"), (true, "ike2", "Configure IKEv2")] {
        let f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult =
            if v2 { |s, a, _| ike_policy_enter(s, a, true) } else { |s, a, _| ike_policy_enter(s, a, false) };
        add(g, &format!("{kw} policy NAME"), &[help, "Configure an IKE policy", "Policy name"], f);
        add(g, &format!("no {kw} policy NAME"), &[NO, help, "Remove an IKE policy", "Policy name"], |s, a, _| {
            let n = a.req("NAME")?;
            context_mut(s)?.ike_policies.remove(n).map(|_| ()).ok_or_else(|| format!("IKE policy {n} does not exist"))
        });
    }
    add_no(
        g,
        "ipsec access-list NAME",
        &["Configure IPsec", "Configure an IPsec access list", "Access list name"],
        "ipsec access-list NAME",
        Some("Remove an IPsec access list"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                context_mut(s)?
                    .ipsec_acls
                    .remove(n)
                    .map(|_| ())
                    .ok_or_else(|| format!("IPsec access-list {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                let ctx = ctx_of(s);
                context_mut(s)?.ipsec_acls.entry(n.clone()).or_default();
                push(s, Frame::IpsecAcl { ctx, name: n });
                Ok(())
            }
        },
    );
    add_no(
        g,
        "ipsec profile NAME",
        &["Configure IPsec", "Configure an IPsec profile (named after its on-demand tunnel)", "Profile name"],
        "ipsec profile NAME",
        Some("Remove an IPsec profile"),
        |s, a, _| {
            if a.negated() {
                let n = a.req("NAME")?;
                context_mut(s)?
                    .ipsec_profiles
                    .remove(n)
                    .map(|_| ())
                    .ok_or_else(|| format!("IPsec profile {n} does not exist"))
            } else {
                let n = a.req("NAME")?.to_string();
                let ctx = ctx_of(s);
                context_mut(s)?.ipsec_profiles.entry(n.clone()).or_default();
                push(s, Frame::IpsecProfile { ctx, name: n });
                Ok(())
            }
        },
    );
}

fn ike_policy_enter(s: &mut Session, a: &Args, v2: bool) -> CmdResult {
    let n = a.req("NAME")?.to_string();
    let version = if v2 { IkeVersion::V2 } else { IkeVersion::V1 };
    let ctx = ctx_of(s);
    let c = context_mut(s)?;
    match c.ike_policies.get(&n) {
        Some(p) if p.version != version => {
            return Err(format!("IKE policy {n} exists as an {} policy", p.version.proto_name()));
        }
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

pub(super) fn interface(g: &mut G) {
    add_no(
        g,
        "ip address A.B.C.D/M [secondary]",
        &["IP configuration", "Set the interface address", "Address and prefix length", "A secondary address"],
        "ip address [A.B.C.D/M] [secondary]",
        Some("Remove an interface address"),
        |s, a, _| {
            if a.negated() {
                let p = a.get("A.B.C.D/M").map(|p| p.parse::<Prefix4>()).transpose()?;
                let i = iface_mut(s)?;
                if a.has("secondary") {
                    i.secondary.retain(|x| p.is_some_and(|p| p != *x));
                } else {
                    i.address = None;
                    i.secondary.clear();
                }
                Ok(())
            } else {
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
            }
        },
    );
    add_no(
        g,
        "ip unnumbered NAME",
        &["IP configuration", "Borrow the address of another interface", "Interface name"],
        "ip unnumbered [NAME]",
        None,
        |s, a, _| {
            if a.negated() {
                iface_mut(s)?.unnumbered = None;
                Ok(())
            } else {
                let n = a.req("NAME")?.to_string();
                let i = iface_mut(s)?;
                if i.address.is_some() {
                    return Err("The interface has an address; remove ip address first".into());
                }
                i.unnumbered = Some(n);
                Ok(())
            }
        },
    );
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        iface_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
}
