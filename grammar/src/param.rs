//! Typed parameters of the spec language and how a word is checked against them.

use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Any word (`WORD`, `NAME`, or any other upper-case placeholder).
    Word,
    /// The rest of the line.
    Line,
    /// A decimal number in a range: `<lo-hi>`.
    Range(u64, u64),
    /// `A.B.C.D`
    Ipv4,
    /// `A.B.C.D/M`
    Ipv4Prefix,
    /// `X:X:X:X::X`: an IPv6 address in any RFC 4291 text form.
    Ipv6,
    /// `HEX`: hexadecimal digits, with or without `0x`.
    Hex,
    /// `SLOT/PORT`: two numbers such as `3/1`.
    SlotPort,
    /// `X:X:X:X::X/M`: an IPv6 prefix.
    Ipv6Prefix,
    /// `IFNAME`: an interface named in one word, its type then its number
    /// (`Loopback0`, `GigabitEthernet0/0/1.100`, `Tunnel10`): letters, then
    /// digits, `/`, `.` and `:` starting with a digit.
    IfName,
    /// `IFNUM`: an interface's number typed apart from its type
    /// (`Loopback 0`: `0`, `0/0/1.100`).
    IfNum,
}

impl ParamKind {
    /// Recognise a parameter atom of the spec language.
    pub fn from_spec(s: &str) -> Option<ParamKind> {
        match s {
            "LINE" => return Some(ParamKind::Line),
            "A.B.C.D" => return Some(ParamKind::Ipv4),
            "A.B.C.D/M" => return Some(ParamKind::Ipv4Prefix),
            "X:X:X:X::X" => return Some(ParamKind::Ipv6),
            "HEX" => return Some(ParamKind::Hex),
            "SLOT/PORT" => return Some(ParamKind::SlotPort),
            "X:X:X:X::X/M" => return Some(ParamKind::Ipv6Prefix),
            "IFNAME" => return Some(ParamKind::IfName),
            "IFNUM" => return Some(ParamKind::IfNum),
            _ => {}
        }
        if let Some(r) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            let (lo, hi) = r.split_once('-')?;
            return Some(ParamKind::Range(lo.parse().ok()?, hi.parse().ok()?));
        }
        let upper = s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
        (upper && s.chars().any(|c| c.is_ascii_uppercase())).then_some(ParamKind::Word)
    }

    /// Typed parameters win over keywords matched by prefix and over `WORD`.
    pub fn is_typed(&self) -> bool {
        !matches!(self, ParamKind::Word | ParamKind::Line)
    }

    /// Check a word; on failure, optionally say why (for the error line).
    pub fn check(&self, w: &str) -> Result<(), Option<String>> {
        match self {
            ParamKind::Word | ParamKind::Line => Ok(()),
            ParamKind::Range(lo, hi) => {
                if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(None);
                }
                match w.parse::<u64>() {
                    Ok(v) if v >= *lo && v <= *hi => Ok(()),
                    _ => Err(Some(format!("value out of range <{lo}-{hi}>"))),
                }
            }
            ParamKind::Ipv4 => ipv4(w).map(|_| ()).ok_or(None),
            ParamKind::Ipv4Prefix => {
                let (a, m) = w.split_once('/').ok_or(None)?;
                ipv4(a).ok_or(None)?;
                if m.is_empty() || m.len() > 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(None);
                }
                match m.parse::<u8>() {
                    Ok(l) if l <= 32 => Ok(()),
                    _ => Err(Some("prefix length out of range <0-32>".into())),
                }
            }
            ParamKind::Ipv6 => (w.contains(':') && w.parse::<Ipv6Addr>().is_ok()).then_some(()).ok_or(None),
            ParamKind::Hex => {
                let h = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")).unwrap_or(w);
                (!h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(()).ok_or(None)
            }
            ParamKind::SlotPort => {
                let (a, b) = w.split_once('/').ok_or(None)?;
                let ok = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
                (ok(a) && ok(b)).then_some(()).ok_or(None)
            }
            ParamKind::Ipv6Prefix => {
                let (a, m) = w.split_once('/').ok_or(None)?;
                let len_ok = !m.is_empty() && m.len() <= 3 && m.bytes().all(|b| b.is_ascii_digit());
                if !(a.contains(':') && a.parse::<Ipv6Addr>().is_ok() && len_ok) {
                    return Err(None);
                }
                match m.parse::<u8>() {
                    Ok(l) if l <= 128 => Ok(()),
                    _ => Err(Some("prefix length out of range <0-128>".into())),
                }
            }
            ParamKind::IfName => {
                let at = w.find(|c: char| c.is_ascii_digit()).ok_or(None)?;
                let (ty, num) = w.split_at(at);
                let ty_ok = ty.len() >= 2
                    && ty.starts_with(|c: char| c.is_ascii_alphabetic())
                    && ty.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
                (ty_ok && if_number(num)).then_some(()).ok_or(None)
            }
            ParamKind::IfNum => if_number(w).then_some(()).ok_or(None),
        }
    }

    /// Could a word that starts with `p` still become a valid value? (For `?` after a partial word.)
    pub fn could_start(&self, p: &str) -> bool {
        match self {
            ParamKind::Word | ParamKind::Line => true,
            ParamKind::Range(_, hi) => {
                p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u64>().is_ok_and(|v| v <= *hi)
            }
            ParamKind::Ipv4 => p.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
            ParamKind::Ipv4Prefix => p.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'/'),
            ParamKind::Ipv6 => p.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.'),
            ParamKind::Hex => p.bytes().all(|b| b.is_ascii_hexdigit() || b == b'x' || b == b'X'),
            ParamKind::SlotPort => p.bytes().all(|b| b.is_ascii_digit() || b == b'/'),
            ParamKind::Ipv6Prefix => p.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.' || b == b'/'),
            ParamKind::IfName => p.bytes().all(|b| b.is_ascii_alphanumeric() || b"-/.:".contains(&b)),
            ParamKind::IfNum => p.bytes().all(|b| b.is_ascii_digit() || b"/.:".contains(&b)),
        }
    }
}

/// An interface number: digits, with `/`, `.` and `:` between them
/// (`0`, `0/0/1.100`, `1/0:1`).
fn if_number(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_digit() || b"/.:".contains(&b))
        && !s.contains("//")
        && !s.contains("..")
}

/// Strict dotted quad: four decimal octets, no leading `+`, no empty parts.
pub(crate) fn ipv4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        o[i] = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn kinds() {
        assert_eq!(ParamKind::from_spec("<1-16>"), Some(ParamKind::Range(1, 16)));
        assert_eq!(ParamKind::from_spec("NAME"), Some(ParamKind::Word));
        assert_eq!(ParamKind::from_spec("proposal"), None);
        assert!(ParamKind::Ipv4.check("1.2.3.4").is_ok());
        assert!(ParamKind::Ipv4.check("1.2.3.256").is_err());
        assert!(ParamKind::Ipv4.check("1.2.3").is_err());
        assert!(ParamKind::Ipv4Prefix.check("10.0.0.0/8").is_ok());
        assert_eq!(ParamKind::Ipv4Prefix.check("10.0.0.0/33"), Err(Some("prefix length out of range <0-32>".into())));
        assert!(ParamKind::Range(300, 99_999_999).check("299").is_err());
        assert!(ParamKind::Range(300, 99_999_999).check("99999999").is_ok());
        assert!(ParamKind::Range(300, 99_999_999).check("999999999999999999999999").is_err());
        assert!(ParamKind::Hex.check("0x4d79").is_ok());
        assert!(ParamKind::Hex.check("0xzz").is_err());
        assert!(ParamKind::SlotPort.check("3/11").is_ok());
        assert_eq!(ParamKind::from_spec("X:X:X:X::X"), Some(ParamKind::Ipv6));
        assert!(ParamKind::Ipv6.check("::1").is_ok());
        assert!(ParamKind::Ipv6.check("2001:db8::1").is_ok());
        assert!(ParamKind::Ipv6.check("::ffff:192.0.2.1").is_ok());
        assert!(ParamKind::Ipv6.check("2001:db8::1::2").is_err());
        assert!(ParamKind::Ipv6.check("2001:db8:g::1").is_err());
        assert!(ParamKind::Ipv6.check("1.2.3.4").is_err());
        assert!(ParamKind::Ipv6.check("[::1]").is_err());
        assert!(ParamKind::Ipv6.could_start("2001:db8:"));
        assert!(!ParamKind::Ipv6.could_start("fe80::1%eth0"));
        assert!(ParamKind::Ipv6Prefix.check("2001:db8::/32").is_ok());
        assert!(ParamKind::Ipv6Prefix.check("2001:db8::/129").is_err());
        assert!(ParamKind::Ipv6Prefix.check("10.0.0.0/8").is_err());
    }

    #[test]
    fn interface_names() {
        let ok = |k: &ParamKind, w: &str| k.check(w).is_ok();
        for w in ["Loopback0", "GigabitEthernet0/0/1.100", "Tunnel10", "Gi0/1", "Serial1/0:1", "Port-channel1"] {
            assert!(ok(&ParamKind::IfName, w), "{w}");
        }
        for w in ["default", "defalt", "Loopback", "0/1", "L0", "Gi0//1", "Gi0/1.", "Gi0/1x"] {
            assert!(!ok(&ParamKind::IfName, w), "{w}");
        }
        assert!(ok(&ParamKind::IfNum, "0/0/1.100"));
        assert!(!ok(&ParamKind::IfNum, "x"));
        assert_eq!(ParamKind::from_spec("IFNAME"), Some(ParamKind::IfName));
    }
}
#[cfg(test)]
mod ipv6_prefix_atom {
    /// `X:X:X:X::X/M` is one typed atom (its colons are no label), and an
    /// IPv4 prefix is not one.
    #[test]
    fn the_ipv6_prefix_atom_is_typed() {
        let mut g: crate::Graph<()> = crate::Graph::default();
        let spec = "range {A.B.C.D A.B.C.D | X:X:X:X::X/M} [advertise]";
        let n = match g.add(spec, &[], ()) {
            Err(crate::SpecError::HelpCount { atoms, .. }) => atoms,
            _ => 0,
        };
        g.add(spec, &vec![""; n], ()).unwrap();
        assert!(g.parse("range 10.0.0.0/16").is_err());
        assert!(g.parse("range 2001:db8::/32 advertise").is_ok());
        assert!(g.parse("range 10.0.0.0 255.255.0.0").is_ok());
    }
}
