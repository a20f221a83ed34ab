//! Exec (`Router>` / `Router#`) commands: `enable`, `configure terminal`,
//! `show running-config|startup-config|...`, `copy`, `write`, `clear logging`,
//! `ping`, `terminal`, ... (the IKE engine's exec commands are in `crypto_exec.rs`).

use super::*;

pub(super) fn exec(g: &mut G, privileged: bool) {
    super::acl::shows(g);
    add(g, "enable [<0-15>:level]", &["Turn on privileged commands", "Enable level"], |s, a, o| {
        let level = a.u8("level").unwrap_or(15);
        s.request_enable(level, o)
    });
    add(g, "disable [<0-15>:level]", &["Turn off privileged commands", "Privilege level to go to"], |s, a, _| {
        s.disable(a.u8("level"));
        Ok(())
    });
    add(
        g,
        "show users",
        &["Show running system information", "Display information about terminal lines"],
        |s, _, o| {
            crate::auth::show_users(s, o);
            Ok(())
        },
    );
    add(
        g,
        "show sessions",
        &["Show running system information", "Information about Telnet/SSH connections"],
        |s, _, o| {
            crate::auth::show_users(s, o);
            Ok(())
        },
    );
    add(g, "exit", &["Exit from the EXEC"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(
        g,
        "terminal length <0-512>:lines",
        &[
            "Set terminal line parameters",
            "Set number of lines on a screen",
            "Number of lines on screen (0 for no pausing)",
        ],
        |s, a, _| {
            let n = a.num("lines").unwrap_or(0) as usize;
            s.terminal_length = (n > 0).then_some(n);
            Ok(())
        },
    );
    add(
        g,
        "terminal width <0-512>:columns",
        &["Set terminal line parameters", "Set width of the display terminal", "Number of characters on a screen line"],
        |s, a, _| {
            s.terminal_width = a.num("columns").unwrap_or(80) as usize;
            Ok(())
        },
    );
    add(g, "show version", &["Show running system information", "System hardware and software status"], |s, _, o| {
        let r = s.router();
        let up = r.now().saturating_sub(r.boot_time);
        o.line(&format!(
            "Cisco IOS Software, edgesh Software (edgesh-IOS-DIALECT), Version {}, RELEASE SOFTWARE",
            env!("CARGO_PKG_VERSION")
        ));
        o.line("edgesh: a software router in Rust with an IKE/IPsec engine (Cisco IOS dialect)");
        o.line("");
        o.line(&format!("{} uptime is {} minutes", r.ios_doc.hostname, up / 60));
        o.line("Configuration register is 0x2102");
        Ok(())
    });
    add(g, "show clock", &["Show running system information", "Display the system clock"], |s, _, o| {
        o.line(&format!("*{}", crate::time::date_time(s.router().now())));
        Ok(())
    });
    add(g, "show privilege", &["Show running system information", "Show current privilege level"], |s, _, o| {
        o.line(&format!("Current privilege level is {}", s.privilege));
        Ok(())
    });
    if !privileged {
        return;
    }
    add(
        g,
        "clear line [vty] <0-4294967295>:line",
        &["Reset functions", "Reset a terminal line", "Virtual terminal", "Line number"],
        |s, a, o| crate::auth::clear_line(s, a.num("line").unwrap_or(0), o),
    );
    add(g, "configure terminal", &["Enter configuration mode", "Configure from the terminal"], |s, _, o| {
        o.line("Enter configuration commands, one per line.  End with CNTL/Z.");
        s.ios.stack = vec![super::super::IosFrame { mode: IosMode::Config, path: Vec::new() }];
        Ok(())
    });
    add(
        g,
        "show running-config",
        &["Show running system information", "Current operating configuration"],
        |s, _, o| {
            show_running(s, o);
            Ok(())
        },
    );
    add(
        g,
        "copy WORD:file running-config",
        &[
            "Copy from one file to another",
            "Source file (flash:, nvram:, bootflash: in the state directory)",
            "Merge into the current system configuration",
        ],
        |s, a, o| copy_in(s, a, o, false),
    );
    add(
        g,
        "configure replace WORD:file [force]",
        &[
            "Enter configuration mode",
            "Replace the running-config with a new config file",
            "The file",
            "Do not ask for confirmation",
        ],
        |s, a, o| copy_in(s, a, o, true),
    );
    add(
        g,
        "show running-config interface WORD",
        &[
            "Show running system information",
            "Current operating configuration",
            "Show interface configuration",
            "Interface name",
        ],
        |s, a, o| {
            let name = format!("interface {}", interface_name(a.req("WORD")?));
            let doc = s.router().ios_doc.clone();
            let Some(n) = doc.root.iter().find(|n| n.text == name) else {
                return Err(format!("{} does not exist", &name[10..]));
            };
            let mut body = vec![n.text.clone()];
            body.extend(n.children.iter().map(|c| format!(" {}", c.text)));
            let bytes: usize = body.iter().map(|l| l.len() + 1).sum::<usize>() + 6;
            o.line("Building configuration...");
            o.line("");
            o.line(&format!("Current configuration : {bytes} bytes"));
            o.line("!");
            for l in &body {
                o.line(l);
            }
            o.line("end");
            Ok(())
        },
    );
    add(
        g,
        "show crypto isakmp policy",
        &[
            "Show running system information",
            "Encryption module",
            "Show ISAKMP information",
            "Show ISAKMP protection suite policies",
        ],
        |s, _, o| {
            let doc = s.router().ios_doc.clone();
            super::super::show_config::isakmp_policy(&doc, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto ipsec transform-set",
        &["Show running system information", "Encryption module", "Show IPSEC information", "Crypto transform sets"],
        |s, _, o| {
            let doc = s.router().ios_doc.clone();
            super::super::show_config::transform_set(&doc, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto map [tag WORD]",
        &[
            "Show running system information",
            "Encryption module",
            "Crypto maps",
            "Crypto maps with a given tag",
            "Crypto map tag",
        ],
        |s, a, o| {
            let doc = s.router().ios_doc.clone();
            super::super::show_config::crypto_map(&doc, a.get("WORD"), o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto map interface WORD [WORD:num]",
        &[
            "Show running system information",
            "Encryption module",
            "Crypto maps",
            "Crypto maps for an interface",
            "Interface name (or type)",
            "Interface number",
        ],
        |s, a, o| {
            let Some(name) = crypto_map_interface(a) else {
                return super::interface::bad_interface_number(s, a, o);
            };
            let doc = s.router().ios_doc.clone();
            super::super::show_config::render_crypto_map(
                &super::super::show_config::crypto_map_entries_on(&doc, &name),
                o,
            );
            Ok(())
        },
    );
    add(
        g,
        "show ip interface brief",
        &[
            "Show running system information",
            "IP information",
            "IP interface status and configuration",
            "Brief summary of IP status and configuration",
        ],
        |s, _, o| {
            let (doc, links) = {
                let r = s.router();
                (r.ios_doc.clone(), super::super::show_if::link_states(&r))
            };
            super::super::show_config::ip_interface_brief(&doc, &links, o);
            Ok(())
        },
    );
    add(
        g,
        "show running-config unsupported",
        &[
            "Show running system information",
            "Current operating configuration",
            "Lines kept verbatim: edgesh does not model them",
        ],
        |s, _, o| {
            for l in s.router().ios_doc.unsupported() {
                o.line(&l);
            }
            Ok(())
        },
    );
    crypto_exec(g);
    add(
        g,
        "show startup-config",
        &["Show running system information", "Contents of startup configuration"],
        |s, _, o| {
            let st = s.router().ios_startup.clone();
            match st {
                Some(d) => d.render(o),
                None => o.line("startup-config is not present"),
            }
            Ok(())
        },
    );
    for spec in ["write memory", "write", "copy running-config startup-config"] {
        let helps: &[&str] = match spec {
            "write" => &["Write running configuration to memory, network, or terminal"],
            "write memory" => &["Write running configuration to memory, network, or terminal", "Write to NV memory"],
            _ => &[
                "Copy from one file to another",
                "Copy from current system configuration",
                "Copy to startup configuration",
            ],
        };
        add(g, spec, helps, |s, _, o| {
            o.line("Building configuration...");
            let doc = s.router().ios_doc.clone();
            let dir = s.router().state_dir.clone();
            let mut text = crate::out::VecOut::default();
            doc.render(&mut text);
            let path = dir.join(super::super::STARTUP_FILE);
            let res = crate::statefs::write_private(&path, |w| std::io::Write::write_all(w, text.text().as_bytes()));
            match res {
                Ok(()) => {
                    s.router().ios_startup = Some(doc.clone());
                    o.line("[OK]");
                    // `archive` / `write-memory`: each save is archived too.
                    if super::super::show_archive::conf(&doc).is_some_and(|c| c.write_memory) {
                        super::super::show_archive::archive_config(s)?;
                    }
                    Ok(())
                }
                Err(e) => Err(format!("Error writing startup-config: {e}")),
            }
        });
    }
}

pub(super) fn copy_in(s: &mut Session, a: &Args, o: &mut dyn Out, replace: bool) -> CmdResult {
    let name = a.req("file")?.to_string();
    let path = super::super::state_file(s, &name).map_err(|e| format!("Error opening {name} ({e})"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("Error opening {name} ({e})"))?;
    let router = s.router_handle();
    let before = s.router().ios_doc.clone();
    if replace {
        let host = before.hostname.clone();
        s.router().ios_doc = super::super::IosDoc::new(&host);
    }
    let (lines, rejected, msgs) = super::super::apply_text(&router, &text, &name);
    for m in &msgs {
        o.line(m);
    }
    if replace && rejected > 0 {
        // configure replace is all or nothing.
        s.router().ios_doc = before;
        return Err(format!(
            "Rollback aborted: {rejected} of {lines} lines of {name} were rejected; the running configuration is unchanged"
        ));
    }
    o.line(&format!(
        "{} lines applied from {name}{}",
        lines - rejected,
        if rejected > 0 { format!(", {rejected} rejected") } else { String::new() }
    ));
    if rejected > 0 { Err(String::new()) } else { Ok(()) }
}

/// The interface `show crypto map interface TYPE [NUM]` names, in IOS's full
/// form (`Gi0/0`, `GigabitEthernet 0/0`); `None` when a number typed apart
/// names no interface type.
pub(crate) fn crypto_map_interface(a: &Args) -> Option<String> {
    super::interface::joined_interface(a)
        .or_else(|| a.get("WORD").filter(|_| a.get("num").is_none()).map(str::to_string))
        .map(|n| crate::ios::names::interface_name(&n))
}
