//! User and privileged exec: `enable`, `show version|clock|running-config
//! ...`, `configure terminal`, `write memory`.

use super::*;

/// `show running-config SECTION` (its `| json` form is keyed by it: `asa/json.rs`).
pub(crate) const SHOW_RUN_SECTIONS: &str = "show running-config {crypto [map | ikev1 | ikev2 | ipsec | dynamic-map] | ipsec | tunnel-group [WORD] | access-list [WORD] | interface [WORD] | object [network | service] | object-group [network | service | protocol | icmp-type] | access-group | group-policy [WORD] | hostname | username | passwd}";

pub(super) fn exec(g: &mut G, privileged: bool) {
    add(g, "enable [<0-15>]", &["Turn on privileged commands", "Enable level"], |s, a, o| {
        let level = a.num("<0-15>").unwrap_or(15) as u8;
        s.request_enable(level, o)
    });
    add(g, "exit", &["Exit from the EXEC"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(g, "quit", &["Exit from the EXEC"], |s, _, _| {
        s.wants_exit = true;
        Ok(())
    });
    add(g, "show version", &[SH, "Display the system software version"], |s, _, o| {
        let r = s.router();
        let up = r.now().saturating_sub(r.boot_time);
        o.line("");
        o.line(&format!(
            "Cisco Adaptive Security Appliance Software Version 9.8(4) (edgesh {})",
            env!("CARGO_PKG_VERSION")
        ));
        o.line("edgesh: a software router in Rust with an IKE/IPsec engine (Cisco ASA dialect)");
        o.line("");
        o.line(&format!("{} up {} mins {} secs", r.asa.doc.hostname, up / 60, up % 60));
        Ok(())
    });
    add(g, "show clock", &[SH, "Display the system clock"], |s, _, o| {
        let now = s.router().now();
        let t = super::super::show_sa::asa_time(now);
        // `14:37:44.000 UTC Sun Nov 22 2026`
        o.line(&t.replacen(' ', ".000 ", 1));
        Ok(())
    });
    if !privileged {
        return;
    }
    // From a configuration mode too (exec commands run there): the session
    // leaves configuration as it leaves privileged mode, at `ciscoasa>`.
    add(g, "disable", &["Turn off privileged commands"], |s, _, _| {
        s.asa.stack.clear();
        s.disable(None);
        Ok(())
    });
    add(g, "configure terminal", &["Configure using various methods", "Configure from the terminal"], |s, _, _| {
        s.asa.stack = vec![super::super::AsaFrame { mode: AsaMode::Config, path: Vec::new(), family: "global" }];
        Ok(())
    });
    add(
        g,
        "terminal width <24-511>",
        &["Set terminal line parameters", "Set terminal width", "Characters per line"],
        |s, a, _| {
            s.terminal_width = a.num("<24-511>").unwrap_or(80) as usize;
            Ok(())
        },
    );
    add(
        g,
        "terminal pager <0-2147483647>",
        &["Set terminal line parameters", "Control page length for pagination", "Lines per page (0: no paging)"],
        |s, a, _| {
            let n = a.num("<0-2147483647>").unwrap_or(0) as usize;
            s.terminal_length = (n > 0).then_some(n);
            Ok(())
        },
    );
    add(
        g,
        "show interface ip brief",
        &[SH, "Show interface status and information", "IP information", "Brief summary"],
        |s, _, o| {
            let r = s.router();
            crate::asa::show_ip::render_ip_brief(
                &crate::asa::show_ip::interfaces(&r.asa.doc, r.asa.startup.as_ref()),
                o,
            );
            Ok(())
        },
    );
    add(g, "show nameif", &[SH, "Show interface names and security levels"], |s, _, o| {
        let r = s.router();
        crate::asa::show_ip::render_nameif(&crate::asa::show_ip::interfaces(&r.asa.doc, r.asa.startup.as_ref()), o);
        Ok(())
    });
    add(g, "show route", &[SH, "Show routing table"], |s, _, o| {
        let r = s.router();
        let ifs = crate::asa::show_ip::interfaces(&r.asa.doc, r.asa.startup.as_ref());
        crate::asa::show_ip::render_route(&crate::asa::show_ip::routes(&ifs, &r.asa.doc), o);
        Ok(())
    });
    add(g, "show access-list [WORD]", &[SH, "Show hit counters for access policies", "Access list name"], |s, a, o| {
        let doc = s.router().asa.doc.clone();
        let lists = crate::asa::show_acl::listings(&doc, a.get("WORD"));
        if let (Some(name), true) = (a.get("WORD"), lists.is_empty()) {
            return Err(format!("access-list <{name}> does not exist"));
        }
        crate::asa::show_acl::render(&lists, o);
        Ok(())
    });
    add(g, "show running-config", &[SH, "Show the current operating configuration"], |s, _, o| {
        super::super::show_running(s, true, o);
        Ok(())
    });
    add(
        g,
        "show running-config all",
        &[SH, "Show the current operating configuration", "Configuration with defaults"],
        |s, _, o| {
            let doc = s.router().asa.doc.with_defaults();
            doc.render(true, o);
            Ok(())
        },
    );
    add(
        g,
        "show running-config all crypto [map]",
        &[
            SH,
            "Show the current operating configuration",
            "Configuration with defaults",
            "Show crypto configuration",
            "Crypto maps",
        ],
        |s, a, o| {
            let doc = s.router().asa.doc.with_defaults();
            doc.render_section(if a.has("map") { &["crypto", "map"] } else { &["crypto"] }, true, o);
            Ok(())
        },
    );
    add(
        g,
        "more system:running-config",
        &["Display the contents of a file", "The running configuration, keys in clear"],
        |s, _, o| {
            super::super::show_running(s, false, o);
            Ok(())
        },
    );
    add(
        g,
        SHOW_RUN_SECTIONS,
        &[
            SH,
            "Show the current operating configuration",
            "Show crypto configuration",
            "Crypto maps",
            "IKEv1",
            "IKEv2",
            "IPsec",
            "Dynamic crypto maps",
            "Show IPsec configuration (crypto ipsec)",
            "Show tunnel-group configuration",
            "Tunnel group name",
            "Show access-list configuration",
            "Access list name",
            "Show interface configuration",
            "Interface name",
            "Show object configuration",
            "Network objects",
            "Service objects",
            "Show object-group configuration",
            "Network object-groups",
            "Service object-groups",
            "Protocol object-groups",
            "ICMP type object-groups",
            "Show access-group configuration",
            "Show group-policy configuration",
            "Group policy name",
            "Show the host name",
            "Show the local users",
            "Show the login password (hashed)",
        ],
        |s, a, o| {
            let words = section_words(a);
            if words == ["hostname"] {
                o.line(&format!("hostname {}", s.router().asa.doc.hostname));
                return Ok(());
            }
            let doc = s.router().asa.doc.clone();
            doc.render_section(&words.iter().map(String::as_str).collect::<Vec<_>>(), true, o);
            Ok(())
        },
    );
    add(g, "show startup-config", &[SH, "Show the startup configuration"], |s, _, o| {
        match s.router().asa.startup.clone() {
            Some(d) => d.render(true, o),
            None => o.line("ERROR: Startup configuration file does not exist"),
        }
        Ok(())
    });
    for spec in ["write memory", "copy running-config startup-config"] {
        let helps: &[&str] = if spec == "write memory" {
            &["Write config to memory, network or terminal", "Write configuration to memory"]
        } else {
            &[
                "Copy from one file to another",
                "Copy from the running configuration",
                "Copy to the startup configuration",
            ]
        };
        add(g, spec, helps, write_memory);
    }
    super::super::show_sa::register(g);
    super::super::asp::register(g);
}

/// The section `show running-config {crypto [map] | ipsec | interface X
/// ...}` lists, as the leading words of its top-level lines (`ipsec`:
/// `crypto ipsec`; `object`: network and service objects; an interface name in full);
/// `["hostname"]`: the host name line alone.
pub fn section_words(a: &Args) -> Vec<String> {
    let mut w: Vec<String> = a.bindings.iter().skip(2).map(|b| b.value.to_string()).collect();
    if w.len() == 2 && w[0] == "interface" {
        w[1] = interface_name(&w[1]);
    }
    if w == ["ipsec"] {
        w = vec!["crypto".into(), "ipsec".into()];
    }
    w
}

/// `write memory`: the running configuration (keys in clear) to the startup file.
fn write_memory(s: &mut Session, _: &Args, o: &mut dyn Out) -> CmdResult {
    use md5::Digest;
    o.line("Building configuration...");
    let doc = s.router().asa.doc.clone();
    let dir = s.router().state_dir.clone();
    let mut text = crate::out::VecOut::default();
    doc.render(false, &mut text);
    let body = text.text();
    let sum = md5::Md5::digest(body.as_bytes());
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    o.line(&format!("Cryptochecksum: {} {} {} {} ", &hex[0..8], &hex[8..16], &hex[16..24], &hex[24..32]));
    o.line("");
    let path = dir.join(super::super::STARTUP_FILE);
    crate::statefs::write_private(&path, |w| std::io::Write::write_all(w, body.as_bytes()))
        .map_err(|e| format!("Error writing startup configuration: {e}"))?;
    s.router().asa.startup = Some(doc);
    o.line(&format!("{} bytes copied in 0.10 secs", body.len()));
    o.line("[OK]");
    Ok(())
}
