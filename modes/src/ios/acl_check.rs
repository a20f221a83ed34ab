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
    protocols: &[
        "ip", "tcp", "udp", "icmp", "esp", "ahp", "gre", "igmp", "ospf", "eigrp", "pim", "ipinip", "nos", "pcp", "sctp",
    ],
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

/// An access-list line as IOS stores it: each `ADDRESS WILDCARD` pair with
/// the address's bits under the wildcard cleared (`permit ip 10.1.1.1
/// 0.0.0.255 any` is kept, shown and matched as `permit ip 10.1.1.0
/// 0.0.0.255 any`); `host A` and the other words unchanged.
pub fn masked(line: &str) -> String {
    let w: Vec<&str> = line.split(' ').collect();
    let addr = |x: &str| x.parse::<std::net::Ipv4Addr>().ok();
    let mut out: Vec<String> = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        match (addr(w[i]), w.get(i + 1).and_then(|x| addr(x))) {
            _ if w[i] == "host" => {
                out.extend(w[i..(i + 2).min(w.len())].iter().map(|x| x.to_string()));
                i += 2;
            }
            (Some(a), Some(m)) => {
                out.push(std::net::Ipv4Addr::from(u32::from(a) & !u32::from(m)).to_string());
                out.push(w[i + 1].to_string());
                i += 2;
            }
            _ => {
                out.push(w[i].to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
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

    #[test]
    fn host_bits_under_the_wildcard_are_cleared_as_ios_stores_the_entry() {
        assert_eq!(
            masked("permit ip 10.1.1.1 0.0.0.255 10.2.2.77 0.0.0.255"),
            "permit ip 10.1.1.0 0.0.0.255 10.2.2.0 0.0.0.255"
        );
        // A real IOS capture: `192.168.2.0 255.255.255.0` (a subnet mask typed as the wildcard) became `0.0.0.0 255.255.255.0`.
        assert_eq!(
            masked("10 permit tcp host 192.168.1.44 192.168.2.0 255.255.255.0 eq 44818"),
            "10 permit tcp host 192.168.1.44 0.0.0.0 255.255.255.0 eq 44818"
        );
        assert_eq!(
            masked("access-list 10 permit 172.16.5.9 0.0.255.255"),
            "access-list 10 permit 172.16.0.0 0.0.255.255"
        );
        assert_eq!(masked("access-list 10 permit 172.16.5.9"), "access-list 10 permit 172.16.5.9");
        assert_eq!(masked("permit ip any host 10.9.9.9"), "permit ip any host 10.9.9.9");
        // Non-contiguous wildcards too: the address AND NOT the wildcard.
        assert_eq!(masked("permit ip 10.1.7.3 0.0.255.1 any"), "permit ip 10.1.0.2 0.0.255.1 any");
    }
}
