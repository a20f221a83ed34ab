//! The check of an extended access-list entry's words after `permit|deny`
//! (protocol or a named protocol group, source and destination, port
//! operators) that both Cisco dialects run before storing an entry. Each
//! dialect states its own syntax and wording in an `AceSyntax` (IOS:
//! `ios/acl_check.rs`, ASA: `asa/commands/interfaces.rs`).

use crate::session::CmdResult;

/// What a dialect accepts in an extended access-list entry, and its words for what it refuses.
pub struct AceSyntax {
    /// Protocol keywords (a number 0-255 is a protocol too).
    pub protocols: &'static [&'static str],
    /// Words that take a name in place of the protocol (`object-group SVC`).
    pub named_protocols: &'static [&'static str],
    /// Words for any address (`any`, `any4`).
    pub any: &'static [&'static str],
    /// Words that take a name in place of an address (`object-group NET`, `object X`, `interface IF`).
    pub named_addresses: &'static [&'static str],
    /// What follows an address (`wildcard mask` / `network mask`).
    pub mask: &'static str,
    /// Before the messages that name a word (`% ` on the ASA).
    pub prefix: &'static str,
    /// A line that ends too early.
    pub incomplete: &'static str,
    /// `range LOW HIGH` after an address.
    pub port_range: bool,
    /// A port given as a number must be 0-65535.
    pub port_numbers_checked: bool,
    /// A port operator without its port.
    pub port_missing: &'static str,
}

fn is_addr(w: &str) -> bool {
    w.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Check an extended access-list entry (the words after `permit|deny`).
pub fn check_ace(syn: &AceSyntax, rest: &str) -> CmdResult {
    check_ace_named(syn, rest, &|_| false)
}

/// [`check_ace`] where a word `is_name` says is a host name (the ASA's
/// `name A NAME`) stands for an address.
pub fn check_ace_named(syn: &AceSyntax, rest: &str, is_name: &dyn Fn(&str) -> bool) -> CmdResult {
    let is_addr = |w: &str| is_addr(w) || is_name(w);
    let w: Vec<&str> = rest.split_whitespace().collect();
    let p = syn.prefix;
    let incomplete = || syn.incomplete.to_string();
    let proto = *w.first().ok_or_else(incomplete)?;
    let mut i = if syn.named_protocols.contains(&proto) {
        w.get(1).ok_or_else(incomplete)?;
        2
    } else if syn.protocols.contains(&proto) || proto.parse::<u8>().is_ok() {
        1
    } else {
        return Err(format!("{p}Invalid protocol {proto}"));
    };
    for _ in 0..2 {
        match w.get(i).copied() {
            Some(a) if syn.any.contains(&a) => i += 1,
            Some(a) if syn.named_addresses.contains(&a) => {
                w.get(i + 1).ok_or_else(incomplete)?;
                i += 2;
            }
            Some("host") => {
                w.get(i + 1).filter(|x| is_addr(x)).ok_or_else(|| format!("{p}host needs an IPv4 address"))?;
                i += 2;
            }
            Some(a) if is_addr(a) => {
                w.get(i + 1).filter(|x| is_addr(x)).ok_or_else(|| format!("{p}{a} needs a {}", syn.mask))?;
                i += 2;
            }
            Some(x) => return Err(format!("{p}Invalid address {x}")),
            None => return Err(incomplete()),
        }
        match w.get(i).copied() {
            Some("eq" | "neq" | "lt" | "gt") => {
                let port = w.get(i + 1).ok_or_else(|| syn.port_missing.to_string())?;
                // A number is a port (0-65535); a word is a port name (www, bgp ...).
                if syn.port_numbers_checked
                    && port.starts_with(|c: char| c.is_ascii_digit())
                    && port.parse::<u16>().is_err()
                {
                    return Err(format!("{p}Invalid port {port} (0-65535)"));
                }
                i += 2;
            }
            Some("range") if syn.port_range => {
                w.get(i + 2).ok_or_else(incomplete)?;
                i += 3;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The IP protocol of an entry's protocol word (`ip`: any protocol; AH is
/// `ahp` on IOS, `ah` on the ASA, each dialect's check lets only its own
/// through); `None` for a word that is neither a name here nor a number.
pub fn protocol(word: &str) -> Option<Option<u8>> {
    Some(match word {
        "ip" => None,
        "tcp" => Some(6),
        "udp" => Some(17),
        "icmp" => Some(1),
        "esp" => Some(50),
        "ah" | "ahp" => Some(51),
        "gre" => Some(47),
        n => Some(n.parse().ok()?),
    })
}

/// IOS's TCP port names, as `show running-config` prints a port typed as a
/// number (`eq 80` is `eq www`), from the keyword lists of IOS's `permit
/// tcp any any eq ?` help; a port without a name stays a number (`eq 443`).
const TCP_PORTS: &[(&str, u16)] = &[
    ("bgp", 179),
    ("chargen", 19),
    ("cmd", 514),
    ("daytime", 13),
    ("discard", 9),
    ("domain", 53),
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

/// The name IOS prints for a port of `tcp` or `udp`, if it has one.
pub fn port_name(protocol: &str, port: u16) -> Option<&'static str> {
    let table = match protocol {
        "tcp" => TCP_PORTS,
        "udp" => UDP_PORTS,
        _ => return None,
    };
    table.iter().find(|(_, n)| *n == port).map(|(name, _)| *name)
}

/// The number of a port typed as a number or by its IOS name (a name means
/// the same port under TCP and UDP wherever both have it).
pub fn port_number(word: &str) -> Option<u16> {
    word.parse().ok().or_else(|| TCP_PORTS.iter().chain(UDP_PORTS).find(|(n, _)| *n == word).map(|(_, p)| *p))
}
