//! VRFs (`ip vrf`, `vrf definition` and its address family), an
//! interface's VRF (`ip vrf forwarding`, `vrf forwarding`), static routes
//! (`ip route [vrf V]`).

use super::*;

/// Is VRF `name` defined (`ip vrf NAME` or `vrf definition NAME`)?
pub(super) fn vrf_defined(s: &Session, name: &str) -> bool {
    s.router()
        .ios_doc
        .root
        .iter()
        .any(|n| n.text == format!("ip vrf {name}") || n.text == format!("vrf definition {name}"))
}

/// `ip vrf forwarding NAME` / `vrf forwarding NAME`: the VRF must exist, as on IOS.
pub(super) fn vrf_forwarding(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let name = a.req("WORD")?;
    if !vrf_defined(s, name) {
        return Err(format!("VRF {name} not configured."));
    }
    // One VRF per interface, whichever form sets it.
    remove_line(s, "ip vrf forwarding");
    remove_line(s, "vrf forwarding");
    set_line(s, "", &canon(a));
    Ok(())
}

/// `ip route [vrf V] NET MASK HOP|IF [DIST]`: a contiguous mask that covers
/// the address (IOS: `%Inconsistent address and mask`).
pub(super) fn ip_route(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let net: Option<u32> = a.get("net").and_then(|v| v.parse::<std::net::Ipv4Addr>().ok()).map(u32::from);
    let mask: Option<u32> = a.get("mask").and_then(|v| v.parse::<std::net::Ipv4Addr>().ok()).map(u32::from);
    match (net, mask) {
        (Some(n), Some(m)) if m.leading_ones() + m.trailing_zeros() == 32 && n & !m == 0 => append(s, a, o),
        _ => {
            o.line("%Inconsistent address and mask");
            Err(String::new())
        }
    }
}

/// The `Vrf` mode.
pub(super) fn vrf_mode(g: &mut G) {
    add(g, "rd WORD", &["Specify Route Distinguisher", "ASN:nn or IP-address:nn"], leaf1);
    add(g, "description LINE", &["VRF specific description", "Up to 244 characters describing this VRF"], leaf1);
    add(
        g,
        "route-target {export | import | both} WORD",
        &[
            "Specify Target VPN Extended Communities",
            "Export Target-VPN community",
            "Import Target-VPN community",
            "Both import and export Target-VPN community",
            "ASN:nn or IP-address:nn",
        ],
        append,
    );
    add(
        g,
        "address-family ipv4 [unicast]",
        &["Enter Address Family command mode", "Address family", "Address Family modifier"],
        b_vrfaf,
    );
}

/// The `VrfAf` mode.
pub(super) fn vrf_af_mode(g: &mut G) {
    add(
        g,
        "route-target {export | import | both} WORD",
        &[
            "Specify Target VPN Extended Communities",
            "Export Target-VPN community",
            "Import Target-VPN community",
            "Both import and export Target-VPN community",
            "ASN:nn or IP-address:nn",
        ],
        append,
    );
    add(g, "exit-address-family", &["Exit from Address Family configuration mode"], |s, _, _| {
        // IOS prints the line after the address family, at the VRF's level.
        s.ios.stack.pop();
        set_line(s, "exit-address-family", "exit-address-family");
        Ok(())
    });
}

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
    add(
        g,
        "ip route A.B.C.D:net A.B.C.D:mask {A.B.C.D:hop | WORD:if} [<1-255>]",
        &[
            "Global IP configuration subcommands",
            "Establish static routes",
            "Destination prefix",
            "Destination prefix mask",
            "Forwarding router's address",
            "Interface",
            "Distance metric for this route",
        ],
        ip_route,
    );
    add(
        g,
        "ip route vrf WORD:vrf A.B.C.D:net A.B.C.D:mask {A.B.C.D:hop | WORD:if} [<1-255>]",
        &[
            "Global IP configuration subcommands",
            "Establish static routes",
            "Configure static route for a VPN Routing/Forwarding instance",
            "VPN Routing/Forwarding instance name",
            "Destination prefix",
            "Destination prefix mask",
            "Forwarding router's address",
            "Interface",
            "Distance metric for this route",
        ],
        ip_route,
    );
    add(
        g,
        "ip vrf WORD",
        &[
            "Global IP configuration subcommands",
            "Configure an IP VPN Routing/Forwarding instance",
            "VPN Routing/Forwarding instance name",
        ],
        b_vrf,
    );
    add(g, "vrf definition WORD", &["Configure a VRF", "VRF definition", "VRF name"], b_vrf);
}
