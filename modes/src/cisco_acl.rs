//! The check of an extended access-list entry's words after `permit|deny`
//! (protocol or a named protocol group, source and destination, port
//! operators and their ports) that both Cisco dialects run before storing
//! an entry, and the ports by name (`PortNames`: which words name a port of
//! a protocol, how a port is printed). Each dialect states its own syntax,
//! wording and port names (IOS: `ios/acl_check.rs`, ASA:
//! `asa/commands/interfaces.rs` and `asa/ports.rs`).

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
    /// The port names (a port is a number 0-65535 or one of these).
    pub ports: &'static PortNames,
    /// A port operator without its port.
    pub port_missing: &'static str,
}

fn is_addr(w: &str) -> bool {
    w.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Why an entry was refused: a message, or the byte offset (in the words
/// checked) of the word the dialect's parser stops at, for its caret.
#[derive(Debug, PartialEq)]
pub enum AceError {
    Message(String),
    At(usize),
}

/// Check an extended access-list entry (the words after `permit|deny`).
pub fn check_ace(syn: &AceSyntax, rest: &str) -> Result<(), AceError> {
    check_ace_named(syn, rest, &|_| false)
}

/// [`check_ace`] where a word `is_name` says is a host name (the ASA's
/// `name A NAME`) stands for an address.
pub fn check_ace_named(syn: &AceSyntax, rest: &str, is_name: &dyn Fn(&str) -> bool) -> Result<(), AceError> {
    let is_addr = |w: &str| is_addr(w) || is_name(w);
    let w: Vec<&str> = rest.split_whitespace().collect();
    let at = |i: usize| AceError::At(w[i].as_ptr() as usize - rest.as_ptr() as usize);
    let p = syn.prefix;
    let msg = |m: String| AceError::Message(m);
    let incomplete = || msg(syn.incomplete.to_string());
    let proto = *w.first().ok_or_else(incomplete)?;
    let mut i = if syn.named_protocols.contains(&proto) {
        w.get(1).ok_or_else(incomplete)?;
        2
    } else if syn.protocols.contains(&proto) || proto.parse::<u8>().is_ok() {
        1
    } else {
        return Err(msg(format!("{p}Invalid protocol {proto}")));
    };
    // A port word is a number 0-65535 or a name of the protocol's ports.
    let port_ok = |k: usize| syn.ports.number(proto, w[k]).is_some();
    for _ in 0..2 {
        match w.get(i).copied() {
            Some(a) if syn.any.contains(&a) => i += 1,
            Some(a) if syn.named_addresses.contains(&a) => {
                w.get(i + 1).ok_or_else(incomplete)?;
                i += 2;
            }
            Some("host") => {
                w.get(i + 1).filter(|x| is_addr(x)).ok_or_else(|| msg(format!("{p}host needs an IPv4 address")))?;
                i += 2;
            }
            Some(a) if is_addr(a) => {
                w.get(i + 1).filter(|x| is_addr(x)).ok_or_else(|| msg(format!("{p}{a} needs a {}", syn.mask)))?;
                i += 2;
            }
            Some(x) => return Err(msg(format!("{p}Invalid address {x}"))),
            None => return Err(incomplete()),
        }
        match w.get(i).copied() {
            Some("eq" | "neq" | "lt" | "gt") => {
                w.get(i + 1).ok_or_else(|| msg(syn.port_missing.to_string()))?;
                if !port_ok(i + 1) {
                    return Err(at(i + 1));
                }
                i += 2;
            }
            Some("range") if syn.port_range => {
                w.get(i + 2).ok_or_else(incomplete)?;
                if let Some(k) = [i + 1, i + 2].into_iter().find(|k| !port_ok(*k)) {
                    return Err(at(k));
                }
                i += 3;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A refused entry as the handler's result: a message, or the caret under
/// the word the entry's `rest` (the tail of the command line) has at the
/// error's offset, with the dialect's `words`.
pub fn refuse(
    e: AceError,
    s: &crate::session::Session,
    a: &crate::session::Args,
    rest: &str,
    words: &crate::cisco_common::ErrorWords,
    o: &mut dyn crate::out::Out,
) -> CmdResult {
    match e {
        AceError::Message(m) => Err(m),
        AceError::At(off) => {
            let offset = a.line.rfind(rest).unwrap_or(0) + off;
            let err = edgesh_grammar::ParseError::Invalid { offset, detail: None };
            crate::cisco_common::report(&err, &a.line, s.line_col, words, o);
            Err(String::new())
        }
    }
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

/// How many port words follow a port operator (`eq`, `neq`, `lt`, `gt`:
/// one; `range`: two); 0 for another word.
pub fn port_operands(word: &str) -> usize {
    match word {
        "eq" | "neq" | "lt" | "gt" => 1,
        "range" => 2,
        _ => 0,
    }
}

/// Port names with their numbers.
pub type Ports = &'static [(&'static str, u16)];

/// A dialect's port names: the names its `eq ?` offers for a TCP and for a
/// UDP port, and the names it takes but prints as another (the ASA's
/// `http`, printed `www`). A name means a port of the protocols whose list
/// has it; the ASA's `tcp-udp` takes a name both lists have.
pub struct PortNames {
    pub tcp: Ports,
    pub udp: Ports,
    /// `(typed, printed)`.
    pub aliases: &'static [(&'static str, &'static str)],
}

impl PortNames {
    /// The names of `protocol`'s ports with their numbers (`tcp-udp`: the
    /// names both lists give the same port; another protocol: either list's).
    fn named(&self, protocol: &str) -> impl Iterator<Item = (&'static str, u16)> + '_ {
        let both = protocol == "tcp-udp";
        let (a, b): (Ports, Ports) = match protocol {
            "tcp" | "tcp-udp" => (self.tcp, &[]),
            "udp" => (self.udp, &[]),
            _ => (self.tcp, self.udp),
        };
        a.iter().chain(b).copied().filter(move |(n, p)| !both || self.udp.contains(&(*n, *p)))
    }

    /// The port `word` names under `protocol`: a number 0-65535, or a name
    /// (or alias) of that protocol's ports. `None`: neither.
    pub fn number(&self, protocol: &str, word: &str) -> Option<u16> {
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return word.parse().ok();
        }
        let word = self.aliases.iter().find(|(a, _)| *a == word).map_or(word, |(_, n)| *n);
        self.named(protocol).find(|(n, _)| *n == word).map(|(_, p)| p)
    }

    /// A port word as the dialect prints it under `protocol` (`tcp`, `udp`,
    /// `tcp-udp`): a number the protocol names once, by that name (`80` is
    /// `www`); an alias by its name; anything else unchanged (a number with
    /// no name, or with two: the ASA's TCP 514 is both `cmd` and `rsh`).
    pub fn shown(&self, protocol: &str, word: &str) -> String {
        if !matches!(protocol, "tcp" | "udp" | "tcp-udp") {
            return word.to_string();
        }
        if let Some((_, name)) = self.aliases.iter().find(|(a, _)| *a == word) {
            return name.to_string();
        }
        let Ok(port) = word.parse::<u16>() else { return word.to_string() };
        let mut names = self.named(protocol).filter(|(_, p)| *p == port).map(|(n, _)| n);
        match (names.next(), names.next()) {
            (Some(n), None) => n.to_string(),
            _ => word.to_string(),
        }
    }

    /// The index among `words` of the first port word (after a port
    /// operator) that names no port of `protocol`.
    pub fn bad_port_word(&self, protocol: &str, words: &[&str]) -> Option<usize> {
        let mut i = 0;
        while i < words.len() {
            let n = port_operands(words[i]);
            if let Some(k) = (i + 1..(i + 1 + n).min(words.len())).find(|k| self.number(protocol, words[*k]).is_none())
            {
                return Some(k);
            }
            i += 1 + n;
        }
        None
    }

    /// `words` with each port after a port operator (`eq`, `neq`, `lt`,
    /// `gt`: one; `range`: two) as the dialect prints it under `protocol`.
    pub fn shown_words(&self, protocol: &str, words: &[&str]) -> Vec<String> {
        let mut out = Vec::with_capacity(words.len());
        let mut i = 0;
        while i < words.len() {
            out.push(words[i].to_string());
            let n = port_operands(words[i]);
            for p in words.iter().skip(i + 1).take(n) {
                out.push(self.shown(protocol, p));
            }
            i += 1 + n.min(words.len() - i - 1);
        }
        out
    }
}
