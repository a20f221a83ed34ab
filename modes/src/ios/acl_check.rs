//! The checks of an IOS access-list entry's words (standard and extended:
//! protocol, addresses and wildcards, object-groups, ports) before the
//! entry is stored.

use crate::cisco_acl::AceSyntax;
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

/// IOS's extended access-list entry: its protocols, `object-group` names, wildcard masks, checked port numbers.
pub const SYNTAX: AceSyntax = AceSyntax {
    protocols: &["ip", "tcp", "udp", "icmp", "esp", "ahp", "gre", "igmp", "ospf", "eigrp", "pim", "ipinip", "nos", "pcp", "sctp"],
    named_protocols: &["object-group"],
    any: &["any"],
    named_addresses: &["object-group"],
    mask: "wildcard mask",
    prefix: "",
    incomplete: "Incomplete command.",
    port_range: false,
    port_numbers_checked: true,
    port_missing: "port missing",
};

/// Check an access-list entry's protocol, addresses and wildcards, ports.
pub fn check_ace(rest: &str) -> CmdResult {
    crate::cisco_acl::check_ace(&SYNTAX, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ios_entries_are_checked_in_ios_words() {
        assert!(check_ace("ip 10.1.0.0 0.0.255.255 host 10.2.0.1").is_ok());
        assert!(check_ace("tcp object-group A any eq 443").is_ok());
        assert!(check_ace("object-group SVC any any").is_ok());
        assert_eq!(check_ace("ipp any any"), Err("Invalid protocol ipp".into()));
        assert_eq!(check_ace("ip 10.1.0.0 any"), Err("10.1.0.0 needs a wildcard mask".into()));
        assert_eq!(check_ace("tcp any any eq 70000"), Err("Invalid port 70000 (0-65535)".into()));
        assert_eq!(check_ace("tcp any any eq"), Err("port missing".into()));
        assert_eq!(check_ace("ip any"), Err("Incomplete command.".into()));
        assert_eq!(check_ace("ip object X any"), Err("Invalid address object".into()));
    }
}
