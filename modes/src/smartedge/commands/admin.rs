//! Administrator mode (`ModeKind::Admin`, `(config-administrator)#`),
//! ASP pool and group modes (`ModeKind::AspPool`, `ModeKind::AspGroup`) and
//! port mode (`ModeKind::Port`). Card mode (`ModeKind::Card`) has only the
//! common configuration commands.

use super::*;

// ---------------------------------------------------------------- administrator

fn admin_mut(s: &mut Session) -> Result<&mut Administrator, String> {
    let Frame::Admin { name, .. } = frame(s) else { return Err("not in administrator mode".into()) };
    context_mut(s)?.administrators.get_mut(&name).ok_or_else(|| gone(&format!("administrator {name}")))
}

pub(super) fn administrator(g: &mut G) {
    add(g, "privilege start <0-15>:level", &["Privilege levels", "Level at login", "Level"], |s, a, _| {
        let v = a.u8("level");
        let ad = admin_mut(s)?;
        if let (Some(st), Some(mx)) = (v, ad.privilege_max)
            && st > mx
        {
            return Err(format!("The start level {st} is above the maximum level {mx}"));
        }
        ad.privilege_start = v;
        Ok(())
    });
    add(
        g,
        "privilege max <0-15>:level",
        &["Privilege levels", "Highest level reachable with enable", "Level"],
        |s, a, _| {
            let v = a.u8("level");
            let ad = admin_mut(s)?;
            if let (Some(mx), Some(st)) = (v, ad.privilege_start)
                && st > mx
            {
                return Err(format!("The maximum level {mx} is below the start level {st}"));
            }
            ad.privilege_max = v;
            Ok(())
        },
    );
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
        &[
            "SSH login of this administrator",
            "A public key that logs this administrator in",
            "Key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256 ...)",
            "The key, base64 as in authorized_keys",
            "Comment",
        ],
        |s, a, _| {
            let text =
                format!("{} {} {}", a.req("type")?, a.req("key")?, a.get("LINE").unwrap_or("")).trim().to_string();
            let k = crate::sshconf::ConfKey::parse(&text)?;
            let line = k.openssh();
            let ad = admin_mut(s)?;
            // One line per key: the same key again replaces its comment.
            ad.ssh_keys.retain(|x| crate::sshconf::ConfKey::parse(x).map(|o| o.blob != k.blob).unwrap_or(true));
            ad.ssh_keys.push(line);
            Ok(())
        },
    );
    add(
        g,
        "no ssh public-key [WORD:type] [WORD:key] [LINE]",
        &[
            NO,
            "SSH login of this administrator",
            "Remove a public key (all keys when none is given)",
            "Key type",
            "The key",
            "Comment",
        ],
        |s, a, _| {
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
        },
    );
    add_no(
        g,
        "timeout session idle <1-1440>:minutes",
        &["Session timeouts", "Session timeout", "Idle time", "Minutes"],
        "timeout session idle",
        Some("Never time out idle sessions"),
        |s, a, _| {
            admin_mut(s)?.idle_timeout =
                if a.negated() { IdleTimeout::Never } else { IdleTimeout::Minutes(a.u32("minutes").unwrap_or(1)) };
            Ok(())
        },
    );
}

// ---------------------------------------------------------------- ASP pools and groups, ports

pub(super) fn asp_pool(g: &mut G) {
    add_no(
        g,
        "asp SLOT/PORT",
        &["Enroll an ASP in the pool", "Slot/ASP"],
        "asp SLOT/PORT",
        Some("Remove an ASP from the pool"),
        |s, a, _| {
            if a.negated() {
                let Frame::AspPool(name) = frame(s) else { return Err("not in ASP pool mode".into()) };
                let k = slot_port(a.req("SLOT/PORT")?)?;
                let p = s.cand()?.asp_pools.get_mut(&name).ok_or_else(|| gone(&format!("asp pool {name}")))?;
                p.asps.retain(|x| *x != k);
                Ok(())
            } else {
                let Frame::AspPool(name) = frame(s) else { return Err("not in ASP pool mode".into()) };
                let k = slot_port(a.req("SLOT/PORT")?)?;
                let p = s.cand()?.asp_pools.get_mut(&name).ok_or_else(|| gone(&format!("asp pool {name}")))?;
                if !p.asps.contains(&k) {
                    p.asps.push(k);
                    p.asps.sort();
                }
                Ok(())
            }
        },
    );
}

pub(super) fn asp_group(g: &mut G) {
    fn grp(s: &mut Session) -> Result<&mut AspGroup, String> {
        let Frame::AspGroup(name) = frame(s) else { return Err("not in ASP group mode".into()) };
        s.cand()?.asp_groups.get_mut(&name).ok_or_else(|| gone(&format!("asp group {name}")))
    }
    add_no(g, "pool NAME", &["Use an ASP pool", "Pool name"], "pool NAME", None, |s, a, _| {
        if a.negated() {
            let n = a.req("NAME")?.to_string();
            grp(s)?.pools.retain(|p| *p != n);
            Ok(())
        } else {
            let n = a.req("NAME")?.to_string();
            let gr = grp(s)?;
            if !gr.pools.contains(&n) {
                gr.pools.push(n);
            }
            Ok(())
        }
    });
    add_no(
        g,
        "asp-count <1-8>:count",
        &["Number of ASPs of the group", "Count"],
        "asp-count [<1-8>:count]",
        None,
        |s, a, _| {
            grp(s)?.asp_count = if a.negated() { None } else { a.u32("count") };
            Ok(())
        },
    );
}

pub(super) fn port(g: &mut G) {
    fn port_mut(s: &mut Session) -> Result<&mut Port, String> {
        let Frame::Port(sl, p) = frame(s) else { return Err("not in port mode".into()) };
        s.cand()?.ports.get_mut(&(sl, p)).ok_or_else(|| gone(&format!("port ethernet {sl}/{p}")))
    }
    add_no(g, "shutdown", &["Disable the port"], "shutdown", Some("Enable the port"), |s, a, _| {
        port_mut(s)?.shutdown = !a.negated();
        Ok(())
    });
    add_no(
        g,
        "bind interface NAME:ifname NAME:ctx",
        &["Bind the port", "To an interface", "Interface name", "Context name"],
        "bind interface [NAME:ifname] [NAME:ctx]",
        None,
        |s, a, _| {
            if a.negated() {
                port_mut(s)?.bind = None;
                Ok(())
            } else {
                let b = (a.req("ifname")?.to_string(), a.req("ctx")?.to_string());
                port_mut(s)?.bind = Some(b);
                Ok(())
            }
        },
    );
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        port_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
}
