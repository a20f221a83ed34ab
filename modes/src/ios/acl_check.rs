//! The checks of an IOS access-list entry's words (standard and extended:
//! protocol, addresses and wildcards, object-groups, ports) before the
//! entry is stored.

use crate::session::CmdResult;

fn is_wild(w: &str) -> bool {
    w.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A standard access-list entry: `any`, `host A`, or `A [WILDCARD]`.
pub fn check_standard(rest: &str) -> CmdResult {
    let w: Vec<&str> = rest.split_whitespace().collect();
    match w.as_slice() {
        ["any", ..] => Ok(()),
        ["host", a, ..] if is_wild(a) => Ok(()),
        [a] | [a, ..] if is_wild(a) && w.get(1).is_none_or(|m| is_wild(m) || *m == "log") => Ok(()),
        _ => Err(format!("Invalid source {rest}")),
    }
}

/// Check an access-list entry's protocol, addresses and wildcards, ports.
pub fn check_ace(rest: &str) -> CmdResult {
    let w: Vec<&str> = rest.split_whitespace().collect();
    let mut i = 0;
    let proto = w.get(i).ok_or("Incomplete command.")?;
    // `object-group SVC`: a service object-group in place of the protocol (and ports).
    if *proto == "object-group" {
        w.get(i + 1).ok_or("Incomplete command.")?;
        i += 1;
    } else if !["ip", "tcp", "udp", "icmp", "esp", "ahp", "gre", "igmp", "ospf", "eigrp", "pim", "ipinip", "nos", "pcp", "sctp"].contains(proto) && proto.parse::<u8>().is_err() {
        return Err(format!("Invalid protocol {proto}"));
    }
    i += 1;
    for _ in 0..2 {
        match w.get(i).copied() {
            Some("any") => i += 1,
            // A network object-group.
            Some("object-group") => {
                w.get(i + 1).ok_or("Incomplete command.")?;
                i += 2;
            }
            Some("host") => {
                w.get(i + 1).filter(|x| is_wild(x)).ok_or("host needs an IPv4 address")?;
                i += 2;
            }
            Some(a) if is_wild(a) => {
                let m = w.get(i + 1).filter(|x| is_wild(x)).ok_or_else(|| format!("{a} needs a wildcard mask"))?;
                let _ = m;
                i += 2;
            }
            Some(x) => return Err(format!("Invalid address {x}")),
            None => return Err("Incomplete command.".into()),
        }
        if matches!(w.get(i).copied(), Some("eq" | "neq" | "lt" | "gt")) {
            let p = w.get(i + 1).ok_or("port missing")?;
            // A number is a port (0-65535); a word is a port name (www, bgp ...).
            if p.starts_with(|c: char| c.is_ascii_digit()) && p.parse::<u16>().is_err() {
                return Err(format!("Invalid port {p} (0-65535)"));
            }
            i += 2;
        }
    }
    Ok(())
}
