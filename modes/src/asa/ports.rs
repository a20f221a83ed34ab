//! The ASA's port names: which words name a TCP or UDP port (in an
//! access-list entry, a service object-group's `port-object`, a
//! `service-object`), and how the ASA prints a port (`eq 443` is `eq
//! https`, `eq http` is `eq www`).
//!
//! The names and their protocols are Cisco's ASA 9.8 configuration guide's
//! "TCP and UDP Ports" reference table, as copies of it in public
//! repositories give it (two agree name for name: a Python ASA parser
//! citing the 9.8 page, a Go ASA tool; an older copy lacks `cifs`, `http`,
//! `nfs`, `rsh`, `rtsp`, `sip`, `vxlan` and lists `www` as TCP only).
//! That a port typed as a number is printed by its name, per protocol, is
//! what real `show running-config` output shows: under a UDP group
//! `port-object range nameserver nameserver`, under a TCP group `port-object
//! range 42 42` (42 names a UDP port only); and no public ASA
//! configuration read prints `eq http` (25 print `eq www`).

use crate::cisco_acl::PortNames;

/// Names of TCP ports (the table's TCP and TCP,UDP rows).
const TCP: &[(&str, u16)] = &[
    ("aol", 5190),
    ("bgp", 179),
    ("chargen", 19),
    ("cifs", 3020),
    ("citrix-ica", 1494),
    ("cmd", 514),
    ("ctiqbe", 2748),
    ("daytime", 13),
    ("discard", 9),
    ("domain", 53),
    ("echo", 7),
    ("exec", 512),
    ("finger", 79),
    ("ftp", 21),
    ("ftp-data", 20),
    ("gopher", 70),
    ("h323", 1720),
    ("hostname", 101),
    ("https", 443),
    ("ident", 113),
    ("imap4", 143),
    ("irc", 194),
    ("kerberos", 750),
    ("klogin", 543),
    ("kshell", 544),
    ("ldap", 389),
    ("ldaps", 636),
    ("login", 513),
    ("lotusnotes", 1352),
    ("lpd", 515),
    ("netbios-ssn", 139),
    ("nfs", 2049),
    ("nntp", 119),
    ("pcanywhere-data", 5631),
    ("pim-auto-rp", 496),
    ("pop2", 109),
    ("pop3", 110),
    ("pptp", 1723),
    ("rsh", 514),
    ("rtsp", 554),
    ("sip", 5060),
    ("smtp", 25),
    ("sqlnet", 1521),
    ("ssh", 22),
    ("sunrpc", 111),
    ("tacacs", 49),
    ("talk", 517),
    ("telnet", 23),
    ("uucp", 540),
    ("whois", 43),
    ("www", 80),
];

/// Names of UDP ports (the table's UDP and TCP,UDP rows).
const UDP: &[(&str, u16)] = &[
    ("biff", 512),
    ("bootpc", 68),
    ("bootps", 67),
    ("cifs", 3020),
    ("discard", 9),
    ("dnsix", 195),
    ("domain", 53),
    ("echo", 7),
    ("isakmp", 500),
    ("kerberos", 750),
    ("mobile-ip", 434),
    ("nameserver", 42),
    ("netbios-dgm", 138),
    ("netbios-ns", 137),
    ("nfs", 2049),
    ("ntp", 123),
    ("pcanywhere-status", 5632),
    ("pim-auto-rp", 496),
    ("radius", 1645),
    ("radius-acct", 1646),
    ("rip", 520),
    ("secureid-udp", 5510),
    ("sip", 5060),
    ("snmp", 161),
    ("snmptrap", 162),
    ("sunrpc", 111),
    ("syslog", 514),
    ("tacacs", 49),
    ("talk", 517),
    ("tftp", 69),
    ("time", 37),
    ("vxlan", 4789),
    ("who", 513),
    ("www", 80),
    ("xdmcp", 177),
];

/// The ASA's port names; `http` is taken and printed `www`.
pub const PORTS: PortNames = PortNames { tcp: TCP, udp: UDP, aliases: &[("http", "www")] };

/// The protocol of the service object-group being edited (`object-group
/// service NAME tcp|udp|tcp-udp`; `None` elsewhere, and for a group of
/// `service-object`s).
pub fn group_protocol(s: &crate::session::Session) -> Option<String> {
    let h = super::current_header(s)?;
    match h.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["object-group", "service", _, proto] => Some(proto.to_string()),
        _ => None,
    }
}

/// The protocol whose ports a line of the current block names: a service
/// object-group's (`object-group service NAME tcp|udp|tcp-udp`) for its
/// `port-object` lines; a `service-object`'s or an entry's own protocol
/// word otherwise (`""`: none known, either list's names).
fn protocol_of<'a>(w: &[&'a str], group: Option<&'a str>) -> (&'a str, usize) {
    match w {
        ["port-object", ..] => (group.unwrap_or(""), 1),
        ["service-object" | "service", proto, ..] => (proto, 2),
        // `access-list NAME [line N] extended permit|deny PROTO ...` (not a remark's words).
        ["access-list", ..] => match w.iter().position(|x| *x == "extended") {
            Some(i) if i + 2 < w.len() && matches!(w[i + 1], "permit" | "deny") => (w[i + 2], i + 3),
            _ => ("", w.len()),
        },
        _ => ("", w.len()),
    }
}

/// A line (`access-list ... extended ...`, `port-object ...`,
/// `service-object ...`) with its ports as the ASA prints them; `group`:
/// the protocol of the service object-group the line is in.
pub fn shown_line(line: &str, group: Option<&str>) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let (proto, from) = protocol_of(&w, group);
    let mut out: Vec<String> = w[..from].iter().map(|x| x.to_string()).collect();
    let ports = PORTS.shown_words(proto, &w[from..]);
    if matches!(w.first(), Some(&"service-object" | &"service")) && matches!(proto, "tcp" | "udp" | "tcp-udp" | "sctp")
    {
        out.extend(with_destination(ports));
    } else {
        out.extend(ports);
    }
    out.join(" ")
}

/// A service's ports with `destination` before an operator that has
/// neither `source` nor `destination` before it: optional when typed
/// (`service-object udp eq 1235`), printed by the ASA (83 of 84 TCP/UDP
/// `service-object` lines of the public ASA configurations read say
/// `destination`; Batfish's ASA tests: "destination is optional on command
/// entry", even after a source).
fn with_destination(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len() + 1);
    let mut i = 0;
    while i < words.len() {
        let n = crate::cisco_acl::port_operands(words[i].as_str());
        if n > 0 && !matches!(out.last().map(String::as_str), Some("source" | "destination")) {
            out.push("destination".to_string());
        }
        out.extend(words[i..(i + 1 + n).min(words.len())].iter().cloned());
        i += 1 + n;
    }
    out
}

/// The index among `line`'s words of its first port word (after `eq`,
/// `neq`, `lt`, `gt`, `range`) that names no port of the line's protocol.
pub fn bad_port(line: &str, group: Option<&str>) -> Option<usize> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let (proto, from) = protocol_of(&w, group);
    PORTS.bad_port_word(proto, &w[from..]).map(|k| k + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_is_printed_by_its_name_under_its_protocol() {
        let l = "access-list A extended permit tcp any any eq 443";
        assert_eq!(shown_line(l, None), "access-list A extended permit tcp any any eq https");
        assert_eq!(
            shown_line("access-list A extended permit tcp any any eq http", None),
            "access-list A extended permit tcp any any eq www"
        );
        // UDP 42 has a name, TCP 42 none (a real ASA 8.4's groups).
        assert_eq!(shown_line("port-object range 42 42", Some("udp")), "port-object range nameserver nameserver");
        assert_eq!(shown_line("port-object range 42 42", Some("tcp")), "port-object range 42 42");
        // TCP 514 is both `cmd` and `rsh`: the number stays.
        assert_eq!(shown_line("port-object eq 514", Some("tcp")), "port-object eq 514");
        assert_eq!(shown_line("port-object eq 514", Some("udp")), "port-object eq syslog");
        // tcp-udp: a name both lists give the port.
        assert_eq!(shown_line("port-object eq 53", Some("tcp-udp")), "port-object eq domain");
        assert_eq!(shown_line("port-object eq 443", Some("tcp-udp")), "port-object eq 443");
        assert_eq!(
            shown_line("service-object udp source eq 500 destination eq 4500", None),
            "service-object udp source eq isakmp destination eq 4500"
        );
        // `destination` is optional when typed, printed always.
        assert_eq!(shown_line("service-object udp eq 1235", None), "service-object udp destination eq 1235");
        assert_eq!(
            shown_line("service-object udp source eq 3 eq 1236", None),
            "service-object udp source eq 3 destination eq 1236"
        );
        assert_eq!(shown_line("service tcp range 1 5", None), "service tcp destination range 1 5");
        assert_eq!(shown_line("service-object icmp echo", None), "service-object icmp echo");
        assert_eq!(shown_line("service password-recovery", None), "service password-recovery");
        // The access-list's name, a remark and the other lines have no ports.
        assert_eq!(
            shown_line("access-list eq extended permit ip any any", None),
            "access-list eq extended permit ip any any"
        );
        assert_eq!(shown_line("access-list A remark permit tcp eq 80", None), "access-list A remark permit tcp eq 80");
        assert_eq!(shown_line(" range 10.0.0.1 10.0.0.5", None), "range 10.0.0.1 10.0.0.5");
    }

    #[test]
    fn a_word_that_names_no_port_of_the_protocol_is_found() {
        assert_eq!(bad_port("access-list A extended permit tcp any any eq htps", None), Some(8));
        assert_eq!(bad_port("access-list A extended permit tcp any any eq 70000", None), Some(8));
        assert_eq!(bad_port("access-list A extended permit tcp any any eq ntp", None), Some(8));
        assert_eq!(bad_port("access-list A extended permit udp any any eq ntp", None), None);
        assert_eq!(bad_port("port-object range 1 snmp", Some("tcp")), Some(3));
        assert_eq!(bad_port("port-object eq https", Some("tcp-udp")), Some(2));
        assert_eq!(bad_port("port-object eq domain", Some("tcp-udp")), None);
        assert_eq!(bad_port("service-object tcp destination eq ssh", None), None);
    }
}
