//! The checks of an IOS access-list entry's words (standard and extended:
//! protocol, addresses and wildcards, object-groups, ports) before the
//! entry is stored.

use crate::cisco_acl::{AceError, AceSyntax, PortNames};
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

/// IOS's TCP port names, as `show running-config` prints a port typed as a
/// number (`eq 80` is `eq www`), from the keyword lists of IOS's `permit
/// tcp any any eq ?` help (captures in public repositories: an IOS 15
/// router's list has `drip` and `onep-plain|tls`); a port without a name
/// stays a number (`eq 443`).
const TCP_PORTS: &[(&str, u16)] = &[
    ("bgp", 179),
    ("chargen", 19),
    ("cmd", 514),
    ("daytime", 13),
    ("discard", 9),
    ("domain", 53),
    ("drip", 3949),
    ("echo", 7),
    ("exec", 512),
    ("finger", 79),
    ("ftp", 21),
    ("ftp-data", 20),
    ("gopher", 70),
    ("hostname", 101),
    ("ident", 113),
    ("irc", 194),
    ("klogin", 543),
    ("kshell", 544),
    ("login", 513),
    ("lpd", 515),
    ("msrpc", 135),
    ("nntp", 119),
    ("onep-plain", 15001),
    ("onep-tls", 15002),
    ("pim-auto-rp", 496),
    ("pop2", 109),
    ("pop3", 110),
    ("smtp", 25),
    ("sunrpc", 111),
    ("tacacs", 49),
    ("talk", 517),
    ("telnet", 23),
    ("time", 37),
    ("uucp", 540),
    ("whois", 43),
    ("www", 80),
];

/// IOS's UDP port names (`permit udp any any eq ?`).
const UDP_PORTS: &[(&str, u16)] = &[
    ("biff", 512),
    ("bootpc", 68),
    ("bootps", 67),
    ("discard", 9),
    ("dnsix", 195),
    ("domain", 53),
    ("echo", 7),
    ("isakmp", 500),
    ("mobile-ip", 434),
    ("nameserver", 42),
    ("netbios-dgm", 138),
    ("netbios-ns", 137),
    ("netbios-ss", 139),
    ("non500-isakmp", 4500),
    ("ntp", 123),
    ("pim-auto-rp", 496),
    ("rip", 520),
    ("ripv6", 521),
    ("snmp", 161),
    ("snmptrap", 162),
    ("sunrpc", 111),
    ("syslog", 514),
    ("tacacs", 49),
    ("talk", 517),
    ("tftp", 69),
    ("time", 37),
    ("who", 513),
    ("xdmcp", 177),
];

/// IOS's port names: a port is a number or one of these (`eq htps` is refused at its caret).
pub const PORTS: PortNames = PortNames { tcp: TCP_PORTS, udp: UDP_PORTS, aliases: &[] };

/// IOS's extended access-list entry: its protocols, `object-group` names, wildcard masks, port names.
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
    port_range: true,
    ports: &PORTS,
    port_missing: "port missing",
};

/// Check an access-list entry's protocol, addresses and wildcards, ports.
pub fn check_ace(rest: &str) -> Result<(), AceError> {
    crate::cisco_acl::check_ace(&SYNTAX, rest)
}

/// A service object-group member (`tcp eq www`, `udp source range 1 2 eq
/// ntp`, `tcp-udp eq domain`): the byte offset in `line` of its first port
/// word that names no port of the member's protocol (`tcp-udp`: a name of
/// both), where IOS puts its caret. Other members are not checked here.
pub fn service_member_bad_port(line: &str) -> Option<usize> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let (proto, rest) = w.split_first()?;
    if !matches!(*proto, "tcp" | "udp" | "tcp-udp") {
        return None;
    }
    let k = PORTS.bad_port_word(proto, rest)?;
    Some(rest[k].as_ptr() as usize - line.as_ptr() as usize)
}

/// An access-list line as IOS stores and prints it: each `ADDRESS
/// WILDCARD` pair with the address's bits under the wildcard cleared
/// (`permit ip 10.1.1.1 0.0.0.255 any` is kept, shown and matched as
/// `permit ip 10.1.1.0 0.0.0.255 any`), `A 0.0.0.0` as `host A` (a standard
/// list's `A`), `0.0.0.0 255.255.255.255` as `any`, and a TCP or UDP port
/// typed as a number by its IOS name where it has one (`eq 80` is `eq www`,
/// `eq 500` of UDP `eq isakmp`); the other words unchanged. A `no` form is
/// matched against the entries in this form.
pub fn masked(line: &str) -> String {
    let w: Vec<&str> = line.split(' ').collect();
    let addr = |x: &str| x.parse::<std::net::Ipv4Addr>().ok();
    // A numbered standard list (1-99, 1300-1999): a host is its address alone.
    let standard = matches!(w.as_slice(), ["access-list", n, ..]
        if n.parse::<u32>().is_ok_and(|n| (1..=99).contains(&n) || (1300..=1999).contains(&n)));
    let action = w.iter().position(|x| *x == "permit" || *x == "deny");
    let protocol = action.and_then(|i| w.get(i + 1)).copied().unwrap_or("");
    let mut out: Vec<String> = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        let after_action = action.is_some_and(|a| i > a);
        match (addr(w[i]), w.get(i + 1).and_then(|x| addr(x))) {
            _ if w[i] == "host" => {
                out.extend(w[i..(i + 2).min(w.len())].iter().map(|x| x.to_string()));
                i += 2;
            }
            (Some(a), Some(m)) if after_action => {
                let a = std::net::Ipv4Addr::from(u32::from(a) & !u32::from(m));
                if m == std::net::Ipv4Addr::BROADCAST {
                    out.push("any".into());
                } else if m.is_unspecified() {
                    if !standard {
                        out.push("host".into());
                    }
                    out.push(a.to_string());
                } else {
                    out.push(a.to_string());
                    out.push(w[i + 1].to_string());
                }
                i += 2;
            }
            _ if after_action && matches!(w[i], "eq" | "neq" | "lt" | "gt" | "range") => {
                out.push(w[i].to_string());
                let n = if w[i] == "range" { 2 } else { 1 };
                for p in w.iter().skip(i + 1).take(n) {
                    out.push(PORTS.shown(protocol, p));
                }
                i += 1 + n;
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
        let msg = |m: &str| Err(AceError::Message(m.into()));
        assert_eq!(check_ace("ipp any any"), msg("Invalid protocol ipp"));
        assert_eq!(check_ace("ip 10.1.0.0 any"), msg("10.1.0.0 needs a wildcard mask"));
        assert_eq!(check_ace("tcp any any eq"), msg("port missing"));
        assert_eq!(check_ace("ip any"), msg("Incomplete command."));
        assert_eq!(check_ace("ip object X any"), msg("Invalid address object"));
        // A port is a number 0-65535 or a name of the protocol's ports: else IOS's caret under it.
        assert_eq!(check_ace("tcp any any eq 70000"), Err(AceError::At(15)));
        assert_eq!(check_ace("tcp any any eq htps"), Err(AceError::At(15)));
        assert_eq!(check_ace("tcp any any eq ntp"), Err(AceError::At(15)));
        assert_eq!(check_ace("udp any range 1 ntpx any"), Err(AceError::At(16)));
        assert!(check_ace("udp any any eq ntp").is_ok());
        assert!(check_ace("tcp any eq drip any range ftp-data 8080").is_ok());
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

    #[test]
    fn a_service_group_member_names_ports_of_its_protocol() {
        assert_eq!(service_member_bad_port(" tcp eq www"), None);
        assert_eq!(service_member_bad_port("udp source range 1 2 eq ntp"), None);
        assert_eq!(service_member_bad_port("tcp-udp eq domain"), None);
        assert_eq!(service_member_bad_port("tcp eq htps"), Some(7));
        assert_eq!(service_member_bad_port("tcp-udp eq ntp"), Some(11));
        assert_eq!(service_member_bad_port("tcp source eq 70000"), Some(14));
        assert_eq!(service_member_bad_port("icmp echo"), None);
    }

    /// Batfish's `ios-crypto-map` entries and IOS's printing of them.
    #[test]
    fn hosts_any_and_port_names_are_printed_as_ios_prints_them() {
        assert_eq!(masked("permit ip 1.1.1.1 0.0.0.0 0.0.0.0 255.255.255.255"), "permit ip host 1.1.1.1 any");
        assert_eq!(masked("access-list 10 permit 10.0.0.1 0.0.0.0"), "access-list 10 permit 10.0.0.1");
        assert_eq!(masked("access-list 10 deny 0.0.0.0 255.255.255.255"), "access-list 10 deny any");
        assert_eq!(masked("access-list 101 permit tcp any any eq 80"), "access-list 101 permit tcp any any eq www");
        assert_eq!(
            masked("permit udp host 192.0.2.1 eq 500 any eq 4500"),
            "permit udp host 192.0.2.1 eq isakmp any eq non500-isakmp"
        );
        assert_eq!(
            masked("10 permit tcp any range 20 21 any eq 443"),
            "10 permit tcp any range ftp-data ftp any eq 443"
        );
        assert_eq!(masked("permit udp any any eq 53"), "permit udp any any eq domain");
        // A UDP 80 has no name; a TCP 514 is `cmd`, a UDP 514 `syslog`.
        assert_eq!(masked("permit udp any any eq 80"), "permit udp any any eq 80");
        assert_eq!(masked("permit tcp any any eq 514"), "permit tcp any any eq cmd");
        assert_eq!(masked("permit udp any any eq 514"), "permit udp any any eq syslog");
        assert_eq!(masked("remark eq 80 stays"), "remark eq 80 stays");
    }
}
