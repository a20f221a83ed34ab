//! Tunnel mode (`ModeKind::Tunnel`, seed 004 section 9): `(config-tunnel)#`.

use super::*;

// ---------------------------------------------------------------- tunnel (section 9)

fn tunnel_mut(s: &mut Session) -> Result<&mut Tunnel, String> {
    let Frame::Tunnel(name) = frame(s) else { return Err("not in tunnel mode".into()) };
    s.cand()?.tunnels.get_mut(&name).ok_or_else(|| gone(&format!("tunnel {name}")))
}

fn tunnel_entry(s: &mut Session, a: &Args, e: TunnelEntry) -> CmdResult {
    let seq = a.u32("number").unwrap_or(1);
    let t = tunnel_mut(s)?;
    put_seq(&mut t.entries, seq, e, MAX_TUNNEL_ENTRIES, "sequenced entries per tunnel")
}

pub(super) fn tunnel(g: &mut G) {
    add_no(g, "description LINE", &[DESC, DESC_TEXT], "description [LINE]", None, |s, a, _| {
        tunnel_mut(s)?.description = if a.negated() { None } else { desc(a) };
        Ok(())
    });
    add_no(
        g,
        "shutdown",
        &["Administratively disable the tunnel"],
        "shutdown",
        Some("Enable the tunnel"),
        |s, a, _| {
            tunnel_mut(s)?.shutdown = !a.negated();
            Ok(())
        },
    );
    add_no(
        g,
        "bind interface NAME:ifname [NAME:ctx]",
        &["Bind the tunnel", "To an interface", "Interface name", "Context of the interface"],
        "bind interface [NAME:ifname] [NAME:ctx]",
        None,
        |s, a, _| {
            if a.negated() {
                tunnel_mut(s)?.bind_interface = None;
                Ok(())
            } else {
                let b = (a.req("ifname")?.to_string(), a.get("ctx").map(str::to_string));
                tunnel_mut(s)?.bind_interface = Some(b);
                Ok(())
            }
        },
    );
    // The `no` form words its values differently: declared beside it, one handler.
    let f: F = |s, a, _| {
        tunnel_mut(s)?.df_bit =
            if a.negated() { DfBit::Propagate } else { pick(a, DfBit::ALL, DfBit::word).unwrap_or(DfBit::Propagate) };
        Ok(())
    };
    add(
        g,
        "df-bit {propagate | set | clear}",
        &[
            "Don't Fragment bit of the outer header",
            "Copy it from the inner header (default)",
            "Always set",
            "Always clear",
        ],
        f,
    );
    add(g, "no df-bit [propagate | set | clear]", &[NO, "Set the default (propagate)", "Copy", "Set", "Clear"], f);
    add(g, "ike-policy NAME", &["IKE policy used to negotiate with the peer", "IKE policy name"], |s, a, _| {
        tunnel_mut(s)?.ike_policy = Some(a.req("NAME")?.to_string());
        Ok(())
    });
    // Example 10 of the guide writes `ike policy NAME`.
    hidden(
        g,
        "ike policy NAME",
        &["IKE", "IKE policy used to negotiate with the peer", "IKE policy name"],
        |s, a, _| {
            tunnel_mut(s)?.ike_policy = Some(a.req("NAME")?.to_string());
            Ok(())
        },
    );
    add(
        g,
        "no ike-policy [NAME]",
        &[NO, "IKE policy used to negotiate with the peer", "IKE policy name"],
        |s, _, _| {
            tunnel_mut(s)?.ike_policy = None;
            Ok(())
        },
    );
    add_no(
        g,
        "qos policy queuing NAME",
        &["Quality of service", "QoS policy", "Priority queuing policy", "IPsec QoS policy name"],
        "qos policy queuing [NAME]",
        None,
        |s, a, _| {
            tunnel_mut(s)?.qos_policy = if a.negated() { None } else { Some(a.req("NAME")?.to_string()) };
            Ok(())
        },
    );
    add_no(
        g,
        "ip route traffic-selector-guided",
        &["IP configuration", "Routes", "Add routes to the networks in the negotiated traffic selectors"],
        "ip route traffic-selector-guided",
        Some("Traffic-selector guided routes"),
        |s, a, _| {
            tunnel_mut(s)?.ts_guided_routes = !a.negated();
            Ok(())
        },
    );
    add(
        g,
        "peer-end-point local A.B.C.D:local [remote A.B.C.D:remote] [context NAME:ctx]",
        &[
            "Tunnel end points",
            "Local end point",
            "Local address (a loopback address)",
            "Remote end point",
            "Remote address",
            "Context of the local end",
            "Context name",
        ],
        |s, a, _| {
            let local = a.req("local")?.parse().map_err(|_| "Invalid local address".to_string())?;
            let remote =
                a.get("remote").map(|r| r.parse()).transpose().map_err(|_| "Invalid remote address".to_string())?;
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
    add_no(
        g,
        "remote-id WORD",
        &["Identity of the remote peer (address, FQDN or user@FQDN)", "Remote identity"],
        "remote-id [WORD]",
        Some("Identity of the remote peer"),
        |s, a, _| {
            tunnel_mut(s)?.remote_id = if a.negated() { None } else { Some(Identity::parse_loose(a.req("WORD")?)) };
            Ok(())
        },
    );
    add_no(
        g,
        "mtu <256-16384>:bytes",
        &["MTU of packets sent in the tunnel", "Bytes"],
        "mtu [<256-16384>:bytes]",
        None,
        |s, a, _| {
            tunnel_mut(s)?.mtu = if a.negated() { None } else { a.u32("bytes") };
            Ok(())
        },
    );
    add_no(
        g,
        "max-tunnels <1-8000>:tunnels",
        &["Most remote peers of this on-demand tunnel", "Tunnels"],
        "max-tunnels [<1-8000>:tunnels]",
        None,
        |s, a, _| {
            if a.negated() {
                tunnel_mut(s)?.max_tunnels = None;
                Ok(())
            } else {
                let t = tunnel_mut(s)?;
                if t.kind != TunnelKind::OnDemand {
                    return Err("max-tunnels applies to on-demand tunnels only".into());
                }
                t.max_tunnels = a.u32("tunnels");
                Ok(())
            }
        },
    );
    add(
        g,
        "seq <1-65535>:number ipsec-policy NAME:policy [access-group NAME:acl]",
        &[
            SEQ,
            SEQ_NUM,
            "Reference an IPsec policy",
            "IPsec policy name",
            "Restrict to an IPsec access list",
            "Access list name",
        ],
        |s, a, _| {
            let e = TunnelEntry::Policy(PolicyEntry {
                policy: a.req("policy")?.to_string(),
                access_group: a.get("acl").map(str::to_string),
            });
            tunnel_entry(s, a, e)
        },
    );
    add(
        g,
        "seq <1-65535>:number security-association NAME:sa [access-group NAME:acl]",
        &[
            SEQ,
            SEQ_NUM,
            "Reference a manual IPsec SA",
            "SA name",
            "Restrict to an IPsec access list (first rule)",
            "Access list name",
        ],
        |s, a, _| {
            let e =
                TunnelEntry::ManualSa { sa: a.req("sa")?.to_string(), access_group: a.get("acl").map(str::to_string) };
            tunnel_entry(s, a, e)
        },
    );
    // Example 12 of the guide writes `security association` as two words.
    hidden(
        g,
        "seq <1-65535>:number security association NAME:sa [access-group NAME:acl]",
        &[
            SEQ,
            SEQ_NUM,
            "Security",
            "Reference a manual IPsec SA",
            "SA name",
            "Restrict to an IPsec access list",
            "Access list name",
        ],
        |s, a, _| {
            let e =
                TunnelEntry::ManualSa { sa: a.req("sa")?.to_string(), access_group: a.get("acl").map(str::to_string) };
            tunnel_entry(s, a, e)
        },
    );
    add(g, "no seq <1-65535>:number", &[NO, SEQ, SEQ_NUM], |s, a, _| {
        let seq = a.u32("number").unwrap_or(0);
        tunnel_mut(s)?.entries.remove(&seq).map(|_| ()).ok_or_else(|| format!("seq {seq} does not exist"))
    });
}
