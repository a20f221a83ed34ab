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
        }
    }
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
    }
}
