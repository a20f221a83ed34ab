//! Exec mode (`ModeKind::Exec`, `[local]host#`): `configure`, `context`,
//! `enable`/`disable`, `exit`/`quit`, `terminal`, `debug ike`, `clear session`,
//! `clear ike ...`, `save configuration`, `show users|administrators|sessions`,
//! `show ike ...` and the exec `pki` commands (`../pki.rs`). The `show` commands
//! added to every mode are in `../show.rs`.

use super::*;

// ---------------------------------------------------------------- exec

const SHOW_HELP: &str = "Display information";

pub(super) fn exec(g: &mut G) {
    crate::smartedge::pki::add_exec(g);
    add(g, "enable [<1-15>:level]", &["Raise the privilege level", "Level (default 15)"], |s, a, o| {
        // Without a level: as high as the administrator's `privilege max` allows.
        let level = a.u8("level").unwrap_or(if s.authenticated { s.max_privilege.clamp(1, 15) } else { 15 });
        s.request_enable(level, o)
    });
    add(g, "disable [<1-15>:level]", &["Lower the privilege level", "Level (default 1)"], |s, a, _| {
        s.disable(a.u8("level"));
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
    add(
        g,
        "clear session <1-4294967295>:id",
        &["Clear operational state", "Close another administrator's session", "Session id (show users)"],
        |s, a, o| crate::auth::clear_line(s, a.num("id").unwrap_or(0), o),
    );
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
    add(
        g,
        "terminal length <0-512>:lines",
        &["Set terminal parameters", "Lines on the screen (0 for no paging)", "Number of lines"],
        |s, a, _| {
            let n = a.num("lines").unwrap_or(0) as usize;
            s.terminal_length = (n > 0).then_some(n);
            Ok(())
        },
    );
    add(
        g,
        "terminal width <0-512>:columns",
        &["Set terminal parameters", "Columns on the screen", "Number of columns"],
        |s, a, _| {
            s.terminal_width = a.num("columns").unwrap_or(80) as usize;
            Ok(())
        },
    );
    add_no(
        g,
        "terminal monitor",
        &["Set terminal parameters", "Show log messages in this session"],
        "terminal monitor",
        None,
        |s, a, _| {
            s.monitor = !a.negated();
            Ok(())
        },
    );
    add(
        g,
        "clear {ike | ipsec} sa [tunnel NAME]",
        &[
            "Clear operational state",
            "IKE",
            "IPsec",
            "Security associations (a delete is sent to the peer)",
            "Of one tunnel",
            "Tunnel name",
        ],
        |s, a, o| {
            let mut r = s.router();
            let name = a.get("NAME").map(|x| x.to_string());
            if let Some(n) = &name
                && !r.running.tunnels.contains_key(n)
            {
                return Err(format!("Tunnel {n} does not exist"));
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
    add_no(
        g,
        "debug ike",
        &["Debugging", "IKE messages, state changes and proposal checks (to this session)"],
        "debug ike",
        Some("IKE"),
        |s, a, o| {
            if a.negated() {
                s.router().debug = Default::default();
                o.line("IKE debugging is off");
                Ok(())
            } else {
                s.monitor = true;
                s.router().debug.isakmp = true;
                o.line("IKE debugging is on");
                Ok(())
            }
        },
    );
    add(
        g,
        "show ike keys tshark",
        &[
            "Display information",
            "IKE information",
            "Session keys of the current SAs (edgesh; privileged)",
            "As tshark -o options",
        ],
        |s, _, o| {
            for l in crate::engine::tshark_lines(&s.router()) {
                o.line(&l);
            }
            Ok(())
        },
    );
    add(
        g,
        "save configuration [WORD:file]",
        &[
            "Save information",
            "Save the running configuration",
            "File name (/flash/NAME or a relative name: the state directory; /md/NAME)",
        ],
        |s, a, o| {
            let cfg = s.router().running.clone();
            let dir = s.router().state_dir.clone();
            let path = match a.get("file") {
                Some(f) => crate::statefs::resolve(&dir, crate::session::Dialect::SmartEdge, f)?,
                None => dir.join(crate::smartedge::STARTUP_FILE),
            };
            crate::smartedge::candidate::save_atomically(&path, &cfg)
                .map_err(|e| format!("Could not save {}: {e}", path.display()))?;
            o.line(&format!("Configuration saved to {}", a.get("file").unwrap_or(crate::smartedge::STARTUP_FILE)));
            Ok(())
        },
    );
}
