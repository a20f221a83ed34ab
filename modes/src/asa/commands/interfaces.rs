//! Interfaces, network objects and object groups, and access lists:
//! `interface` (its `nameif`, `security-level`, `ip address`), `object
//! network`, `object-group network|service`, `access-list` (the extended
//! entries checked with the ASA's syntax), and `hostname`.

use super::*;
use crate::asa::ports;
use crate::cisco_acl::{AceError, AceSyntax};

/// ASA interface names in full: `g0/0` is `GigabitEthernet0/0`.
pub fn interface_name(n: &str) -> String {
    const TYPES: &[&str] = &[
        "GigabitEthernet",
        "TenGigabitEthernet",
        "Management",
        "Ethernet",
        "Port-channel",
        "Redundant",
        "Vlan",
        "BVI",
        "Tunnel",
    ];
    let split = n.find(|c: char| c.is_ascii_digit()).unwrap_or(n.len());
    let (ty, num) = n.split_at(split);
    if ty.is_empty() || num.is_empty() {
        return n.to_string();
    }
    let lower = ty.to_ascii_lowercase();
    match (
        lower.as_str(),
        TYPES.iter().filter(|t| t.to_ascii_lowercase().starts_with(&lower)).collect::<Vec<_>>().as_slice(),
    ) {
        ("g" | "gi", _) => format!("GigabitEthernet{num}"),
        ("m", _) => format!("Management{num}"),
        (_, [one]) => format!("{one}{num}"),
        _ => n.to_string(),
    }
}

fn b_if(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let raw = a.req("WORD")?;
    if !raw.starts_with(|c: char| c.is_ascii_alphabetic())
        || !raw.contains(|c: char| c.is_ascii_digit())
        || raw.contains(['<', '>', '{', '}', '$'])
    {
        let col = s.line_col + a.line[..a.line.find(raw).unwrap_or(0)].chars().count();
        o.line(&format!("{}^", " ".repeat(col)));
        o.line("ERROR: % Invalid input detected at '^' marker.");
        return Err(String::new());
    }
    enter_block(s, &format!("interface {}", interface_name(raw)), AsaMode::Interface);
    Ok(())
}

/// `hostname`, `interface`, `access-list`, `object network`, `object-group` (configuration mode).
pub(super) fn global(g: &mut G) {
    add(g, "hostname WORD", &["Change host name of the system", "This system's network name"], |s, a, o| {
        // Up to 63 characters, letters, digits and hyphens, a letter or digit
        // first and last (ASA command reference, `hostname`): `host
        // 10.0.0.1` (an object's line, its header refused) is no hostname.
        let h = a.req("WORD")?;
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if h.len() > 63
            || !alnum(h.chars().next())
            || !alnum(h.chars().last())
            || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            let at = a.line.split_whitespace().nth(1).map_or(a.line.len(), |w| offset_in(&a.line, w));
            return caret(s, a, at, o);
        }
        s.router().asa.doc.hostname = h.to_string();
        Ok(())
    });
    add(g, "interface WORD", &["Select an interface to configure", "Interface name"], b_if);
    add(
        g,
        "access-list WORD extended {permit | deny} LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Configure an access policy for filtering traffic",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination",
        ],
        |s, a, o| {
            checked_ace(s, a, o)?;
            add_line(s, &ports::shown_line(&canon(a), None));
            Ok(())
        },
    );
    add(
        g,
        "access-list WORD line <1-2147483647> {extended {permit | deny} LINE | remark LINE}",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Use this to specify line number at which ACE should be entered",
            "Line number",
            "Configure an access policy for filtering traffic",
            "Specify packets to forward",
            "Specify packets to reject",
            "Protocol, source, destination",
            "Specify a comment (remark) for the access list",
            "Comment",
        ],
        |s, a, o| {
            if a.has("extended") {
                checked_ace(s, a, o)?;
            }
            // Stored without `line N`: the line's place in the list says it.
            let full = canon(a);
            let words: Vec<&str> = full.split_whitespace().collect();
            let text = ports::shown_line(&[&words[..2], &words[4..]].concat().join(" "), None);
            let name = words[1].to_string();
            let at = a.num("<1-2147483647>").unwrap_or(1) as usize;
            insert_acl_line(&mut s.router().asa.doc.root, &name, at, &text);
            Ok(())
        },
    );
    add(
        g,
        "access-list WORD remark LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Specify a comment (remark) for the access list",
            "Comment",
        ],
        |s, a, _| {
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(
        g,
        "access-list WORD standard {permit | deny} LINE",
        &[
            "Configure an access control element",
            "Access list identifier",
            "Configure a standard access list",
            "Specify packets to forward",
            "Specify packets to reject",
            "Destination",
        ],
        |s, a, _| {
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(g, "object network WORD", &["Configure an object", "Specify a network object", "Object name"], b_object);
    add(g, "object service WORD", &["Configure an object", "Specify a service object", "Object name"], b_object_svc);
    add(
        g,
        "object-group network WORD",
        &["Create an object group", "Specify a group of host or subnet IP addresses", "Object group name"],
        b_group_net,
    );
    add(
        g,
        "object-group service WORD [tcp | udp | tcp-udp]",
        &[
            "Create an object group",
            "Specify a group of TCP/UDP ports or services",
            "Object group name",
            "TCP",
            "UDP",
            "TCP and UDP",
        ],
        b_group_svc,
    );
}

/// Interface configuration mode.
pub(super) fn interface(g: &mut G) {
    add(g, "nameif WORD", &["Assign name to interface", "Interface name (up to 48 characters)"], leaf1);
    add(g, "security-level <0-100>", &["Specify the security level of this interface", "Security level"], leaf1);
    add(
        g,
        "ip address A.B.C.D:addr A.B.C.D:mask [standby A.B.C.D:standby]",
        &[
            "Configure the IP address",
            "Configure the IP address",
            "IP address",
            "IP subnet mask",
            "Specify IP address for standby unit",
            "Standby IP address",
        ],
        leaf2,
    );
    add(
        g,
        "ip address dhcp [setroute]",
        &[
            "Configure the IP address",
            "Configure the IP address",
            "Obtain the address from DHCP",
            "Obtain the default route too",
        ],
        leaf2,
    );
    add(g, "description LINE", &["Interface specific description", "Up to 200 characters"], leaf1);
    add(g, "shutdown", &["Shutdown the selected interface"], leaf1);
    // Unset, each is a line of the interface as the ASA shows an interface
    // without a name, level or address (`no nameif`, `no security-level`,
    // `no ip address`); the setting typed again replaces it in place.
    add(g, "no nameif [WORD]", &[NEGATE, "Assign name to interface", "Interface name"], |s, _, _| {
        unset_line(s, "nameif");
        Ok(())
    });
    add(
        g,
        "no security-level [<0-100>]",
        &[NEGATE, "Specify the security level of this interface", "Security level"],
        |s, _, _| {
            unset_line(s, "security-level");
            Ok(())
        },
    );
    let no_address = |s: &mut Session, _: &Args, _: &mut dyn Out| {
        unset_line(s, "ip address");
        Ok(())
    };
    let help = [NEGATE, "Configure the IP address", "Configure the IP address"];
    add(g, "no ip address", &help, no_address);
    add(
        g,
        "no ip address A.B.C.D:addr A.B.C.D:mask [standby A.B.C.D:standby]",
        &[&help[..], &["IP address", "IP subnet mask", "Specify IP address for standby unit", "Standby IP address"]]
            .concat(),
        no_address,
    );
    add(
        g,
        "no ip address dhcp [setroute]",
        &[&help[..], &["Obtain the address from DHCP", "Obtain the default route too"]].concat(),
        no_address,
    );
}

/// The help of `no`.
const NEGATE: &str = "Negate a command or set its defaults";

/// `object network` mode.
pub(super) fn object_network(g: &mut G) {
    add(g, "host A.B.C.D", &["Enter this keyword to specify a single host object", "IP address"], object_value);
    add(
        g,
        "subnet A.B.C.D:net A.B.C.D:mask",
        &["Enter this keyword to specify a subnet", "Network address", "Network mask"],
        object_value,
    );
    add(
        g,
        "range A.B.C.D:first A.B.C.D:last",
        &["Enter this keyword to specify a range", "First address", "Last address"],
        object_value,
    );
    add(g, "fqdn [v4 | v6] WORD", &["Enter this keyword to specify an FQDN", "IPv4", "IPv6", "Name"], object_value);
    add(g, "description LINE", &["Specify a description for this object", "Up to 200 characters"], leaf1);
}

/// `object-group network` mode.
pub(super) fn object_group_network(g: &mut G) {
    add(
        g,
        "network-object {host {A.B.C.D | NAME:host} | {A.B.C.D:net | NAME:net} A.B.C.D:mask | object WORD}",
        &[
            "Add a network object",
            "Host address",
            "IP address",
            "Host name (`name A NAME`)",
            "Network address",
            "Network name (`name A NAME`)",
            "Network mask",
            "A network object",
            "Object name",
        ],
        |s, a, o| {
            // A name in place of an address must be one `name` gave.
            let w: Vec<&str> = a.line.split_whitespace().collect();
            let addr = match w.get(1..) {
                Some(["host", x, ..]) => Some(*x),
                Some(["object", ..]) | None => None,
                Some([x, ..]) => Some(*x),
                Some([]) => None,
            };
            if let Some(n) = addr.filter(|x| x.parse::<std::net::Ipv4Addr>().is_err()) {
                let names = s.router().asa.doc.names();
                if !names.contains_key(n) {
                    let at = a.line.find(&format!(" {n}")).map_or(0, |i| i + 1);
                    o.line(&format!("{}^", " ".repeat(s.line_col + a.line[..at].chars().count())));
                    o.line("ERROR: % Invalid input detected at '^' marker.");
                    return Err(String::new());
                }
            }
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(g, "group-object WORD", &["Add a group object", "Object group name"], |s, a, _| {
        add_line(s, &canon(a));
        Ok(())
    });
    add(g, "description LINE", &["Specify a description for this object group", "Up to 200 characters"], leaf1);
}

/// `object-group service` mode.
pub(super) fn object_group_service(g: &mut G) {
    add(
        g,
        "port-object {eq WORD | range WORD:lo WORD:hi}",
        &["Add a port object", "Port", "Port number or name", "Range", "First port", "Last port"],
        |s, a, o| {
            let group = ports::group_protocol(s);
            checked_ports(s, a, group.as_deref(), o)?;
            add_line(s, &ports::shown_line(&canon(a), group.as_deref()));
            Ok(())
        },
    );
    add(g, "service-object LINE", &["Add a service object", "Protocol, [source and] destination ports"], |s, a, o| {
        checked_service(s, a, o)?;
        add_line(s, &ports::shown_line(&canon(a), None));
        Ok(())
    });
    add(g, "group-object WORD", &["Add a group object", "Object group name"], |s, a, _| {
        add_line(s, &canon(a));
        Ok(())
    });
    add(g, "description LINE", &["Specify a description for this object group", "Up to 200 characters"], leaf1);
}

/// Put `text` (a line of access list `name`) at line `at` of the list
/// (remarks count), the lines from there on moving down; past the end, at
/// the end (after the list's last line, or of the configuration for a new
/// list). A line the list already has stays where it is.
fn insert_acl_line(root: &mut Vec<crate::cisco_doc::Node>, name: &str, at: usize, text: &str) {
    if root.iter().any(|n| n.text == text) {
        return;
    }
    let head = format!("access-list {name} ");
    let lines: Vec<usize> =
        root.iter().enumerate().filter(|(_, n)| n.text.starts_with(&head)).map(|(i, _)| i).collect();
    let pos = match (lines.get(at.saturating_sub(1)), lines.last()) {
        (Some(&i), _) => i,
        (None, Some(&last)) => last + 1,
        (None, None) => root.len(),
    };
    root.insert(pos, crate::cisco_doc::Node { text: text.to_string(), ..Default::default() });
}

/// `object service` mode: its one `service` (typed again, it replaces the
/// last) and a description.
pub(super) fn object_service(g: &mut G) {
    add(
        g,
        "service LINE",
        &["Enter this keyword to specify a service", "Protocol, [source and] destination ports"],
        |s, a, o| {
            checked_service(s, a, o)?;
            set_line(s, "service", &ports::shown_line(&canon(a), None));
            Ok(())
        },
    );
    add(g, "description LINE", &["Specify a description for this object", "Up to 200 characters"], leaf1);
}

/// A `service` or `service-object` line: its protocol (a name the ASA's
/// entries take, `tcp-udp`, or a number 0-255) and its ports, the first
/// wrong word refused at the ASA's caret.
fn checked_service(s: &Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let proto = a.get("LINE").unwrap_or("").split_whitespace().next().unwrap_or("");
    let known =
        ACE_SYNTAX.protocols.contains(&proto) || matches!(proto, "tcp-udp" | "object") || proto.parse::<u8>().is_ok();
    if !known {
        return caret(s, a, a.line.split_whitespace().nth(1).map(|w| offset_in(&a.line, w)).unwrap_or(a.line.len()), o);
    }
    checked_ports(s, a, None, o)
}

/// The byte offset of `word` (a slice of `line`) in `line`.
fn offset_in(line: &str, word: &str) -> usize {
    word.as_ptr() as usize - line.as_ptr() as usize
}

/// The ASA's caret under the byte `offset` of the line.
fn caret(s: &Session, a: &Args, offset: usize, o: &mut dyn Out) -> CmdResult {
    let err = edgesh_grammar::ParseError::Invalid { offset, detail: None };
    crate::cisco_common::report(&err, &a.line, s.line_col, &crate::asa::ERROR_WORDS, o);
    Err(String::new())
}

/// A line's ports: a word that names no port of its protocol is refused
/// with the ASA's caret under it (`port-object eq htps`).
fn checked_ports(s: &Session, a: &Args, group: Option<&str>, o: &mut dyn Out) -> CmdResult {
    let Some(k) = ports::bad_port(&canon(a), group) else { return Ok(()) };
    caret(s, a, a.line.split_whitespace().nth(k).map_or(0, |w| offset_in(&a.line, w)), o)
}

/// An object's value (`host`, `subnet`, `range`, `fqdn`): one per object.
fn object_value(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    for k in ["host", "subnet", "range", "fqdn"] {
        remove_line(s, k);
    }
    set_line(s, "", &canon(a));
    Ok(())
}

/// The ASA's extended access-list entry: its protocols, `object` and
/// `object-group` names (and `interface IF`), network masks, `range` ports.
pub const ACE_SYNTAX: AceSyntax = AceSyntax {
    protocols: &[
        "ip", "tcp", "udp", "icmp", "esp", "ah", "gre", "igmp", "ospf", "eigrp", "pim", "sctp", "icmp6", "ipsec",
        "pptp", "snp", "nos", "pcp", "ipinip",
    ],
    named_protocols: &["object", "object-group"],
    any: &["any", "any4", "any6"],
    named_addresses: &["object", "object-group", "interface"],
    mask: "network mask",
    prefix: "% ",
    incomplete: "Incomplete command",
    port_range: true,
    ports: &ports::PORTS,
    port_missing: "Incomplete command",
};

/// Check an extended access-list entry after `permit|deny`: protocol (or a
/// service object/object-group), source, destination (`any`, `any4`, `host
/// A`, `A MASK`, `object NAME`, `object-group NAME`, `interface NAME`), ports.
pub fn check_ace(rest: &str) -> Result<(), AceError> {
    crate::cisco_acl::check_ace(&ACE_SYNTAX, rest)
}

/// The entry after `permit|deny` (`LINE`) checked, a refusal reported in the ASA's words.
fn checked_ace(s: &Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let rest = a.get("LINE").unwrap_or("");
    check_ace_in(s, rest).or_else(|e| crate::cisco_acl::refuse(e, s, a, rest, &crate::asa::ERROR_WORDS, o))
}

/// [`check_ace`] with the running configuration's host names (`name A NAME`) standing for addresses.
pub fn check_ace_in(s: &Session, rest: &str) -> Result<(), AceError> {
    let names = s.router().asa.doc.names();
    crate::cisco_acl::check_ace_named(&ACE_SYNTAX, rest, &|w| names.contains_key(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_list_entries_are_checked() {
        assert!(check_ace("ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0").is_ok());
        assert!(check_ace("ip object X object Y").is_ok());
        assert!(check_ace("tcp any host 192.0.2.1 eq 443").is_ok());
        assert!(check_ace("ip 10.1.0.0 10.2.0.0 255.255.255.0").is_err());
        assert!(check_ace("ipp any any").is_err());
        assert!(check_ace("ip any").is_err());
    }

    #[test]
    fn interface_names_in_full() {
        assert_eq!(interface_name("g0/0"), "GigabitEthernet0/0");
        assert_eq!(interface_name("GigabitEthernet1/1"), "GigabitEthernet1/1");
        assert_eq!(interface_name("m0/0"), "Management0/0");
        assert_eq!(interface_name("Port-channel1.100"), "Port-channel1.100");
    }
}
