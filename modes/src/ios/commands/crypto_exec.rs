//! Exec commands of the IKE engine: `show crypto ...` state, `clear crypto
//! isakmp|sa|session`, `debug crypto ...`.

use super::*;

/// Exec commands of the IKE engine: state, clearing, debugging, ping.
pub(super) fn crypto_exec(g: &mut G) {
    super::super::show_pki::register(g);
    super::super::pki_keys::register_exec(g);
    const SH: &str = "Show running system information";
    const CR: &str = "Encryption module";
    add(
        g,
        "show crypto isakmp sa [detail]",
        &[SH, CR, "Show ISAKMP information", "Show ISAKMP Security Associations", "Show detailed information"],
        |s, a, o| {
            super::super::commit::sync(&mut s.router());
            if a.has("detail") {
                let rows = crate::ios::show_crypto::isakmp_sa_detail(&s.router());
                crate::ios::show_crypto::render_isakmp_sa_detail(&rows, o);
                return Ok(());
            }
            let mut v = Vec::new();
            let r = s.router();
            crate::ios::show_sa::ios_isakmp_sa(r.ike().ike_sas(), &r.engine.failed_p1(), &mut v);
            drop(r);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show crypto ipsec sa [detail]",
        &[SH, CR, "Show IPSEC info", "IPSEC SA table", "Show detailed information"],
        |s, a, o| {
            super::super::commit::sync(&mut s.router());
            let mut v = Vec::new();
            crate::ios::show_sa::ios_ipsec_sa(&s.router(), a.has("detail"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show crypto session [detail]",
        &[SH, CR, "Crypto session information", "Show detailed information"],
        |s, a, o| {
            super::super::commit::sync(&mut s.router());
            let mut v = Vec::new();
            crate::ios::show_sa::ios_session(&s.router(), a.has("detail"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    crate::ios::show_ikev2::register(g);
    crate::ios::show_ikev2_conf::register(g);
    crate::ios::diagnose::register(g);
    add(
        g,
        "show interfaces [WORD [WORD:num]]",
        &[SH, "Interface status and configuration", "Interface name (or type)", "Interface number"],
        |s, a, o| {
            super::super::commit::sync(&mut s.router());
            // `show interfaces tunnel 18`: the type and the number apart, as IOS takes them.
            let name = joined_interface(a)
                .or_else(|| a.get("WORD").filter(|_| a.get("num").is_none()).map(str::to_string))
                .map(|n| interface_name(&n));
            if a.get("WORD").is_some() && name.is_none() {
                return bad_interface_number(s, a, o);
            }
            let ifs = crate::ios::show_if::interfaces(&s.router(), name.as_deref());
            let Some(ifs) = ifs else {
                // IOS: an interface that does not exist is an invalid word (caret under it).
                let w = a.get("num").or(a.get("WORD")).unwrap_or("");
                let col = super::super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
                o.line(&format!("{}^", " ".repeat(col)));
                o.line("% Invalid input detected at '^' marker.");
                o.line("");
                return Err(String::new());
            };
            crate::ios::show_if::render_interfaces(&ifs, o);
            Ok(())
        },
    );
    add(
        g,
        "show ip route [vrf WORD]",
        &[
            SH,
            "IP information",
            "IP routing table",
            "Display routes from a VPN Routing/Forwarding instance",
            "VPN Routing/Forwarding instance name",
        ],
        |s, a, o| {
            super::super::commit::sync(&mut s.router());
            let vrf = a.get("WORD").map(str::to_string);
            if let Some(v) = &vrf
                && !vrf_defined(s, v)
            {
                o.line(&format!("% IP routing table {v} does not exist"));
                return Err(String::new());
            }
            let t = crate::ios::show_if::route_table(&s.router(), vrf.as_deref());
            crate::ios::show_if::render_route_table(&t, o);
            Ok(())
        },
    );
    add(g, "show archive", &[SH, "Archive functions"], |s, _, o| {
        let st = crate::ios::show_archive::state(s);
        crate::ios::show_archive::render(&st, o);
        Ok(())
    });
    add(g, "archive config", &["manage archive files", "perform rollback confirmation"], |s, _, _| {
        crate::ios::show_archive::archive_config(s)
    });
    add(g, "show crypto isakmp key", &[SH, CR, "Show ISAKMP information", "Show ISAKMP preshared keys"], |s, _, o| {
        let keys = crate::ios::show_crypto::isakmp_keys(&s.router().ios_doc);
        crate::ios::show_crypto::render_isakmp_keys(&keys, o);
        Ok(())
    });
    add(
        g,
        "show crypto ipsec profile",
        &[SH, CR, "Show IPSEC information", "Show ipsec profile information"],
        |s, _, o| {
            let p = crate::ios::show_crypto::ipsec_profiles(&s.router().ios_doc);
            crate::ios::show_crypto::render_ipsec_profiles(&p, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto engine connections active",
        &[SH, CR, "Show crypto engine info", "Show connection information", "Show active connections"],
        |s, _, o| {
            super::super::commit::sync(&mut s.router());
            let rows = crate::ios::show_crypto::engine_connections(&s.router());
            crate::ios::show_crypto::render_engine_connections(&rows, o);
            Ok(())
        },
    );
    add(
        g,
        "show crypto keys tshark",
        &[
            SH,
            CR,
            "Session keys of the current SAs (edgesh; privileged)",
            "As tshark -o options (decrypts captures of edgesh's packets)",
        ],
        |s, _, o| {
            for l in crate::engine::tshark_lines(&s.router()) {
                o.line(&l);
            }
            Ok(())
        },
    );
    add(g, "clear logging", &["Reset functions", "Clear logging buffer"], |s, _, _| {
        s.ios.confirm = Some(super::super::state::Pending {
            yes_no: false,
            prompt: "Clear logging buffer [confirm]".into(),
            action: super::super::state::PendingAction::ClearLogging,
        });
        Ok(())
    });
    for (spec, helps) in [
        ("write erase", &["Write running configuration to memory, network, or terminal", "Erase NV memory"][..]),
        ("erase startup-config", &["Erase a filesystem", "Erase contents of configuration memory"][..]),
    ] {
        add(g, spec, helps, |s, _, _| {
            s.ios.confirm = Some(super::super::state::Pending {
                yes_no: false,
                prompt: "Erasing the nvram filesystem will remove all configuration files! Continue? [confirm]".into(),
                action: super::super::state::PendingAction::EraseStartup,
            });
            Ok(())
        });
    }
    add(
        g,
        "clear crypto isakmp [<1-32766>:conn]",
        &["Reset functions", CR, "ISAKMP SAs (a delete is sent to the peer)", "Connection id"],
        |s, a, _| {
            let mut r = s.router();
            match a.num("conn") {
                Some(c) => {
                    let t = r
                        .ike()
                        .ike_sas()
                        .iter()
                        .find(|x| u64::from(x.conn) == c)
                        .map(|x| (x.tunnel.clone(), *x.remote.ip()));
                    let Some((t, p)) = t else { return Err(format!("ISAKMP SA with connection id {c} not found")) };
                    r.engine.clear_ike(Some(&t), Some(p));
                }
                None => {
                    r.engine.clear_ike(None, None);
                    r.engine.forget_failed_p1();
                }
            }
            r.engine_drain();
            Ok(())
        },
    );
    add(
        g,
        "clear crypto sa [peer A.B.C.D]",
        &["Reset functions", CR, "IPSEC SAs (a delete is sent to the peer)", "Of one peer", "Peer address"],
        |s, a, _| {
            let mut r = s.router();
            let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            r.engine.clear_ipsec(None, peer);
            r.engine_drain();
            Ok(())
        },
    );
    add(
        g,
        "clear crypto session [remote A.B.C.D]",
        &["Reset functions", CR, "Clear crypto session", "Remote IKE Address", "Remote IKE Address (IPv4)"],
        |s, a, _| {
            // A session is a peer's IKE SA and its IPsec SAs (IKEv1 or IKEv2): both go, deletes sent.
            let mut r = s.router();
            let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            r.engine.clear_ipsec(None, peer);
            r.engine.clear_ike(None, peer);
            r.engine_drain();
            Ok(())
        },
    );
    add(g, "debug crypto isakmp", &["Debugging functions", CR, "ISAKMP"], |s, _, o| {
        s.monitor = true;
        s.router().debug.isakmp = true;
        o.line("Crypto ISAKMP debugging is on");
        Ok(())
    });
    add(g, "debug crypto ipsec", &["Debugging functions", CR, "IPSEC"], |s, _, o| {
        s.monitor = true;
        s.router().debug.ipsec = true;
        o.line("Crypto IPSEC debugging is on");
        Ok(())
    });
    add(
        g,
        "debug crypto condition peer ipv4 A.B.C.D",
        &["Debugging functions", CR, "Define debug condition filters", "IKE peer", "IPv4 address", "Peer address"],
        |s, a, _| {
            let p: std::net::Ipv4Addr = a.req("A.B.C.D")?.parse().map_err(|_| "bad address".to_string())?;
            let mut r = s.router();
            if !r.debug.peers.contains(&p) {
                r.debug.peers.push(p);
            }
            Ok(())
        },
    );
    for (spec, helps) in [
        ("undebug all", &["Disable debugging functions (see also 'debug')", "Enable all debugging"][..]),
        (
            "no debug all",
            &[
                "Negate a command or set its defaults",
                "Debugging functions (see also 'undebug')",
                "Enable all debugging",
            ][..],
        ),
    ] {
        add(g, spec, helps, |s, _, o| {
            s.router().debug = Default::default();
            o.line("All possible debugging has been turned off");
            Ok(())
        });
    }
    add(g, "show debugging", &[SH, "State of each debugging option"], |s, _, o| {
        let d = s.router().debug.clone();
        if d.any() {
            o.line("Cryptographic Subsystem:");
            if d.isakmp {
                o.line("  Crypto ISAKMP debugging is on");
            }
            if d.ipsec {
                o.line("  Crypto IPSEC debugging is on");
            }
            crate::ios::debug_ikev2::show_debugging(&d).iter().for_each(|l| o.line(l));
            for p in &d.peers {
                o.line(&format!("  Crypto conditional debug: peer ipv4 {p}"));
            }
        }
        Ok(())
    });
    add(
        g,
        "terminal monitor",
        &["Set terminal line parameters", "Copy debug output to the current terminal line"],
        |s, _, _| {
            s.monitor = true;
            Ok(())
        },
    );
    add(
        g,
        "terminal no monitor",
        &[
            "Set terminal line parameters",
            "Negate a command or set its defaults",
            "Copy debug output to the current terminal line",
        ],
        |s, _, _| {
            s.monitor = false;
            Ok(())
        },
    );
    add(g, "show logging", &[SH, "Show the contents of logging buffers"], |s, _, o| {
        let r = s.router();
        for l in crate::logbuf::ios_header(&r) {
            o.line(&l);
        }
        for l in &r.log {
            o.line(l);
        }
        Ok(())
    });
    add(
        g,
        "ping A.B.C.D [source A.B.C.D:src]",
        &["Send echo messages", "Ping destination address", "Specify source address", "Source address"],
        |s, a, o| {
            super::super::commit::sync(&mut s.router());
            let dst: std::net::Ipv4Addr =
                a.req("A.B.C.D")?.parse().map_err(|_| "% Unrecognized host or address".to_string())?;
            let src: Option<std::net::Ipv4Addr> = a.get("A.B.C.D:src").and_then(|x| x.parse().ok());
            o.line("Type escape sequence to abort.");
            o.line(&format!("Sending 5, 100-byte ICMP Echos to {dst}, timeout is 2 seconds:"));
            let mut r = s.router();
            // A packet that matches a crypto ACL starts the negotiation (IOS drops it meanwhile).
            let src = src.or_else(|| {
                r.ike()
                    .conf()
                    .peers
                    .iter()
                    .flat_map(|p| p.children.iter())
                    .find(|c| c.remote_ts.contains(dst))
                    .map(|c| c.local_ts.net.addr)
            });
            if let Some(src) = src
                && r.ike().child_for(src, dst).is_none()
            {
                r.engine.initiate_for_traffic(src, dst);
            }
            r.engine_drain();
            // The echoes leave by the host's routing (through `edgesh0` where a
            // tunnel covers them); the router is not held while they are out, so
            // a negotiation they start can finish. In the lab nothing answers.
            let pinger = r.pinger.clone();
            drop(r);
            crate::ping_report::five(pinger.as_ref(), src, dst, '.', o);
            Ok(())
        },
    );
}
