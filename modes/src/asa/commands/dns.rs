//! DNS server groups: `dns server-group NAME` (the ASA's
//! `(config-dns-server-group)` mode) and what it holds, `name-server` (up
//! to six servers and the interface to reach them by), `domain-name`,
//! `timeout`, `retries`, `poll-timer minutes` and `expire-entry-timer
//! minutes`, with the ASA's ranges (timeout 1-30 s and retries 0-10 as
//! Cisco's FMC guide gives them, the two timers 1-65535 minutes as Cisco
//! Security Manager's). Kept in the running document; edgesh resolves no
//! names with them. The other `dns ...` lines (`dns domain-lookup`)
//! are in the vocabulary.

use super::*;

/// `dns server-group` (configuration mode).
pub(super) fn global(g: &mut G) {
    add(
        g,
        "dns server-group WORD",
        &["Configure DNS", "Configure a DNS server group", "DNS server group name"],
        b_dns_group,
    );
}

/// `dns server-group` mode.
pub(super) fn server_group(g: &mut G) {
    add(
        g,
        "name-server LINE",
        &["Specify DNS servers", "Up to 6 IP addresses of DNS servers, then the interface to reach them by"],
        |s, a, o| {
            let names = s.router().asa.doc.names();
            let is_name = |w: &str| names.contains_key(w);
            check_servers(&a.line, a.get("LINE").unwrap_or(""), s.line_col, &is_name, o)?;
            add_line(s, &canon(a));
            Ok(())
        },
    );
    add(g, "domain-name WORD", &["Specify the default domain name", "Domain name"], leaf1);
    add(g, "timeout <1-30>", &["Specify the timeout before trying the next server", "Seconds"], leaf1);
    add(g, "retries <0-10>", &["Specify the number of retries of the server list", "Retries"], leaf1);
    add(
        g,
        "poll-timer minutes <1-65535>",
        &["Specify the polling cycle for FQDN objects", "In minutes", "Minutes"],
        leaf1,
    );
    add(
        g,
        "expire-entry-timer minutes <1-65535>",
        &["Specify when an expired DNS entry is removed", "In minutes", "Minutes"],
        leaf1,
    );
}

/// `name-server A [B ... F] [IF]`: one to six addresses (IPv4 or IPv6, or
/// host names `is_name` knows: `name A NAME`), then at most an interface
/// name. A wrong word gets the caret (`indent`: the screen column where
/// `line` starts).
fn check_servers(line: &str, rest: &str, indent: usize, is_name: &dyn Fn(&str) -> bool, o: &mut dyn Out) -> CmdResult {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let addrs = words.iter().take_while(|w| w.parse::<std::net::IpAddr>().is_ok() || is_name(w)).count();
    let bad = if addrs == 0 || addrs > 6 {
        Some(words.get(addrs.min(6)).copied().unwrap_or(""))
    } else if words.len() > addrs + 1 {
        Some(words[addrs + 1])
    } else {
        words.get(addrs).copied().filter(|w| !w.starts_with(|c: char| c.is_ascii_alphabetic()))
    };
    let Some(word) = bad else { return Ok(()) };
    let after = line.len() - rest.len();
    // The word's column; after the line's end when a server is missing.
    let (at, past) = match line[after..].find(word).filter(|_| !word.is_empty()) {
        Some(i) => (after + i, 0),
        None => (line.trim_end().len(), 1),
    };
    o.line(&format!("{}^", " ".repeat(indent + line[..at].chars().count() + past)));
    o.line("ERROR: % Invalid input detected at '^' marker.");
    Err(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::VecOut;

    fn check(line: &str) -> Result<(), String> {
        let rest = line.trim_start().strip_prefix("name-server ").unwrap();
        let mut o = VecOut::default();
        check_servers(line, rest, 0, &|w| w == "Machine01", &mut o).map_err(|_| o.text())
    }

    #[test]
    fn up_to_six_servers_then_an_interface() {
        assert!(check("name-server 192.0.2.10").is_ok());
        assert!(check("name-server 192.0.2.10 192.0.2.11 management").is_ok());
        assert!(check("name-server 2001:db8::53 outside").is_ok());
        assert!(check("name-server 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 inside").is_ok());
        // A seventh server, a bad address, two interfaces, no server: the caret under the word.
        assert_eq!(
            check("name-server 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7").unwrap_err(),
            format!("{}^\nERROR: % Invalid input detected at '^' marker.\n", " ".repeat(60))
        );
        assert!(check("name-server 192.0.2.300").unwrap_err().starts_with(&format!("{}^", " ".repeat(12))));
        assert!(
            check("name-server 192.0.2.1 inside outside").unwrap_err().starts_with(&format!("{}^", " ".repeat(29)))
        );
        assert!(check("name-server inside").is_err());
        assert!(check("name-server 192.0.2.1 10.0.0.300").is_err());
        // A host name `name` gave is an address (ciscoconfparse's sample ASA configuration).
        assert!(check("name-server Machine01").is_ok());
        assert!(check("name-server Machine01 192.0.2.1 inside").is_ok());
        assert!(check("name-server Machine02").is_err());
    }
}
