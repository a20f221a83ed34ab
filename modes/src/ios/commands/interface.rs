//! `interface NAME` and the interface mode: addresses, tunnels (`tunnel
//! source|destination|mode|protection`), `crypto map`, MTU, descriptions.

use super::*;

/// An interface named in two words (`int tun 1`, `interface Serial 2/0`,
/// `tunnel source serial 2/0`): IOS takes the type and the number apart.
pub(super) fn joined_interface(a: &Args) -> Option<String> {
    let ty = a.get("WORD")?;
    let num = a.get("num")?;
    (ty.chars().all(|c| c.is_ascii_alphabetic() || c == '-') && num.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| format!("{ty}{num}"))
}

/// An interface type and number typed apart that name no interface
/// (`interface tunnel x9`): IOS's caret at the number.
pub(super) fn bad_interface_number(s: &Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let w = a.get("num").unwrap_or("");
    let col = super::super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
    o.line(&format!("{}^", " ".repeat(col)));
    o.line("% Invalid input detected at '^' marker.");
    o.line("");
    Err(String::new())
}

pub(super) fn b_if(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let joined = joined_interface(a);
    if a.get("num").is_some() && joined.is_none() {
        return bad_interface_number(s, a, o);
    }
    let raw = joined.as_deref().unwrap_or(a.req("WORD")?);
    // An interface name is a type and a number (`<NameOfYourOutsideInterface>`
    // from a template is not): IOS refuses it with the caret.
    if !raw.starts_with(|c: char| c.is_ascii_alphabetic())
        || !raw.contains(|c: char| c.is_ascii_digit())
        || raw.contains(['<', '>', '{', '}', '$'])
    {
        let col = "interface ".len()
            + a.line.find(raw).map(|i| i - a.line.find("interface").unwrap_or(0) - "interface ".len()).unwrap_or(0);
        o.line(&format!("{}^", " ".repeat(col)));
        o.line("% Invalid input detected at '^' marker.");
        o.line("");
        return Err(String::new());
    }
    let name = interface_name(raw);
    // A subinterface's link type is part of its header, as IOS prints it.
    // Typed again without it, the same subinterface.
    let kind = ["point-to-point", "multipoint"].into_iter().find(|k| a.has(k) && name.contains('.')).or_else(|| {
        ["point-to-point", "multipoint"]
            .into_iter()
            .find(|k| s.router().ios_doc.root.iter().any(|n| n.text == format!("interface {name} {k}")))
    });
    match kind {
        Some(k) => enter_block(s, &format!("interface {name} {k}"), IosMode::Interface),
        None => enter_block(s, &format!("interface {name}"), IosMode::Interface),
    }
    Ok(())
}

/// `ip address A M [secondary]`, `ip address dhcp`: a primary replaces the
/// primary (or DHCP), a secondary is added after the primary, as IOS keeps
/// them (and prints the primary first).
pub(super) fn ip_address(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let text = canon(a);
    let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
    let mut r = s.router();
    let Some(list) = r.ios_doc.at_mut(&path) else { return Ok(()) };
    let is_addr = |n: &super::super::Node| n.text.starts_with("ip address ");
    let node = super::super::Node { text: text.clone(), ..Default::default() };
    if text.ends_with(" secondary") {
        if !list.iter().any(|n| n.text == text) {
            let at = list.iter().rposition(is_addr).map(|i| i + 1).unwrap_or(list.len());
            list.insert(at, node);
        }
    } else {
        let dhcp = text.split_whitespace().nth(2).is_none_or(|w| w.parse::<std::net::Ipv4Addr>().is_err());
        // DHCP has no secondaries on IOS: they go with it.
        if dhcp {
            list.retain(|n| !n.text.ends_with(" secondary") || !is_addr(n));
        }
        match list.iter().position(|n| is_addr(n) && !n.text.ends_with(" secondary")) {
            Some(i) => list[i] = node,
            None => {
                let at = list.iter().position(is_addr).unwrap_or(list.len());
                list.insert(at, node);
            }
        }
    }
    Ok(())
}

/// The `Interface` mode.
pub(super) fn interface_mode(g: &mut G) {
    add(
        g,
        "ip vrf forwarding WORD",
        &[
            "Interface Internet Protocol config commands",
            "VPN Routing/Forwarding parameters on the interface",
            "Configure forwarding table",
            "VRF name",
        ],
        vrf_forwarding,
    );
    add(
        g,
        "vrf forwarding WORD",
        &["VPN Routing/Forwarding parameters on the interface", "Configure forwarding table", "VRF name"],
        vrf_forwarding,
    );
    add(g, "tunnel vrf WORD", &["protocol-over-protocol tunneling", "set tunnel vrf membership", "VRF name"], leaf2);
    add(
        g,
        "ip address A.B.C.D:addr A.B.C.D:mask [secondary]",
        &[
            "Interface Internet Protocol config commands",
            "Set the IP address of an interface",
            "IP address",
            "IP subnet mask",
            "Make this IP address a secondary address",
        ],
        ip_address,
    );
    add(
        g,
        "ip address {dhcp [client-id WORD] | negotiated [previous]}",
        &[
            "Interface Internet Protocol config commands",
            "Set the IP address of an interface",
            "IP Address negotiated via DHCP",
            "Specify client-id to use",
            "Use this interface's MAC address or name",
            "IP Address negotiated over PPP",
            "IPCP attempts to negotiate previous address",
        ],
        ip_address,
    );
    add(g, "ip mtu <68-9216>", &["IP", "Set IP Maximum Transmission Unit", "MTU (bytes)"], leaf2);
    add(g, "ip tcp adjust-mss <500-1460>", &["IP", "TCP", "Adjust the MSS", "Bytes"], leaf3);
    add(
        g,
        "description LINE",
        &["Interface specific description", "Up to 240 characters describing this interface"],
        leaf1,
    );
    add(g, "shutdown", &["Shutdown the selected interface"], leaf1);
    add(g, "crypto map WORD", &["Encryption/Decryption commands", "Assign a Crypto Map", "Crypto Map tag"], leaf2);
    add(
        g,
        "tunnel source {A.B.C.D | WORD [WORD:num]}",
        &[
            "protocol-over-protocol tunneling",
            "source of tunnel packets",
            "IP address",
            "Interface (or type)",
            "Interface number",
        ],
        |s, a, o| {
            // An interface is stored by its full name, as IOS prints it.
            match (a.get("A.B.C.D"), joined_interface(a).or_else(|| a.get("WORD").map(str::to_string))) {
                (None, Some(i)) if a.get("num").is_none() || joined_interface(a).is_some() => {
                    set_line(s, "tunnel source", &format!("tunnel source {}", interface_name(&i)));
                    Ok(())
                }
                (None, _) => {
                    let w = a.get("num").unwrap_or("");
                    let col = super::super::prompt(s).chars().count() + a.line.rfind(w).unwrap_or(0);
                    o.line(&format!("{}^", " ".repeat(col)));
                    o.line("% Invalid input detected at '^' marker.");
                    o.line("");
                    Err(String::new())
                }
                _ => leaf2(s, a, o),
            }
        },
    );
    add(
        g,
        "tunnel destination {A.B.C.D | WORD}",
        &["protocol-over-protocol tunneling", "destination of tunnel", "IP address", "Host name"],
        leaf2,
    );
    add(
        g,
        "tunnel mode {ipsec {ipv4 | ipv6} | gre {ip | ipv6 | multipoint [ipv6]} | ipip [decapsulate-any] | ipv6ip [6to4 | auto-tunnel | isatap] | ipv6 | mpls traffic-eng | vxlan-gpe ipv4 | vxlan ipv4 | l2tpv3 | udp | rbscp}",
        &[
            "protocol-over-protocol tunneling",
            "tunnel encapsulation method",
            "IPSEC tunnel encapsulation",
            "over IPv4",
            "over IPv6",
            "generic route encapsulation protocol",
            "over IP",
            "over IPv6",
            "over IPv4 (multipoint)",
            "over IPv6 (multipoint)",
            "IP over IP encapsulation",
            "decapsulate any IP-in-IP packet",
            "IPv6 over IP encapsulation",
            "IPv6 automatic tunnelling using 6to4",
            "IPv6 automatic tunnelling using IPv4 compatible addresses",
            "IPv6 automatic tunnelling using ISATAP",
            "Generic packet tunneling in IPv6",
            "MPLS encapsulations",
            "RSVP Traffic Engineering",
            "VXLAN-GPE encapsulation",
            "over IPv4",
            "VXLAN encapsulation",
            "over IPv4",
            "L2TPv3 encapsulation",
            "UDP encapsulation",
            "RBSCP in IP tunnel",
        ],
        |s, a, _| {
            // `tunnel mode gre ip` is IOS's default: IOS does not print it.
            remove_line(s, "tunnel mode");
            let text = canon(a);
            if text != "tunnel mode gre ip" {
                set_line(s, "tunnel mode", &text);
            }
            Ok(())
        },
    );
    add(
        g,
        "tunnel protection ipsec profile WORD [shared] [isakmp-profile WORD:isakmp | ikev2-profile WORD:ikev2]",
        &[
            "protocol-over-protocol tunneling",
            "Enable tunnel protection",
            "IPsec",
            "Profile",
            "Name",
            "Shared",
            "Determine the ISAKMP profile to use",
            "ISAKMP profile name",
            "Determine the IKEv2 profile to use",
            "IKEv2 profile name",
        ],
        leaf2,
    );
    add(g, "no shutdown", &[NO, "Enable the interface"], |s, _, _| {
        remove_line(s, "shutdown");
        Ok(())
    });
}

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
    add(
        g,
        "interface WORD [WORD:num] [point-to-point | multipoint]",
        &[
            "Select an interface to configure",
            "Interface name (or type)",
            "Interface number",
            "Treat as a point-to-point link (a subinterface)",
            "Treat as a multipoint link (a subinterface)",
        ],
        b_if,
    );
}
