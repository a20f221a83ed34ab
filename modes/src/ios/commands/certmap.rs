//! Certificate maps: `crypto pki certificate map LABEL SEQ` and its
//! `(ca-certificate-map)` lines (`subject-name co ou=green`), which IKEv2
//! and ISAKMP profiles name with `match certificate LABEL`. The engine's
//! matching is `edgesh_engine::pki::certmap`; the compile is `../pki.rs`.
//!
//! The words are Cisco's (the IOS XE YANG model `Cisco-IOS-XE-crypto.yang`
//! describes each field, and a Common Criteria guide the operators): name
//! fields take `eq`, `ne`, `co`, `nc`; the two date fields `eq`, `ne`, `lt`,
//! `ge` with a date `DD MM YYYY HH:MM:SS [utc]`. IOS keeps a name value in
//! lower case (real running-configs show `issuer-name co cisco manufacturing
//! ca`), and a field may appear more than once in an entry.

use super::*;

use edgesh_engine::pki::certmap::{Field, Op};

const NAME_FIELDS: [(&str, &str, Field); 6] = [
    ("alt-subject-name", "Alternate subject name", Field::AltSubjectName),
    ("issuer-name", "Certificate issuer name", Field::IssuerName),
    ("name", "Any subject name field", Field::Name),
    ("serial-number", "Certificate serial number (hexadecimal)", Field::SerialNumber),
    ("subject-name", "Certificate subject name", Field::SubjectName),
    ("unstructured-subject-name", "Unstructured subject name", Field::UnstructuredSubjectName),
];
const DATE_FIELDS: [(&str, &str, Field); 2] = [
    ("expires-on", "Expiration date/time", Field::ExpiresOn),
    ("valid-start", "Valid after date/time", Field::ValidStart),
];
const OPS: [(&str, Op); 6] =
    [("co", Op::Co), ("eq", Op::Eq), ("nc", Op::Nc), ("ne", Op::Ne), ("lt", Op::Lt), ("ge", Op::Ge)];

/// The engine's field a map line's first word names (`subject-name`).
pub(crate) fn field(word: &str) -> Option<Field> {
    NAME_FIELDS.iter().chain(&DATE_FIELDS).find(|(w, _, _)| *w == word).map(|(_, _, f)| *f)
}

/// The engine's operator a map line's second word names (`co`).
pub(crate) fn op(word: &str) -> Option<Op> {
    OPS.iter().find(|(w, _)| *w == word).map(|(_, o)| *o)
}

/// The `CertMap` mode.
pub(super) fn cert_map_mode(g: &mut G) {
    for (field, help, _) in NAME_FIELDS {
        add(
            g,
            &format!("{field} {{co | eq | nc | ne}} LINE"),
            &[help, "Contains", "Equal", "Does not contain", "Not Equal", "Value"],
            name_line,
        );
    }
    for (field, help, _) in DATE_FIELDS {
        add(
            g,
            &format!("{field} {{eq | ge | lt | ne}} LINE"),
            &[help, "Equal", "Greater than or equal", "Less Than", "Not Equal", "dd mm yyyy hh:mm:ss [utc]"],
            date_line,
        );
    }
}

/// A name field's line, its value in lower case; the same line twice is one.
fn name_line(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    add_unique(s, &stored(&canon(a)));
    Ok(())
}

/// A map line as IOS keeps it: a name field's value (after the field and
/// the operator) in lower case.
pub(super) fn stored(line: &str) -> String {
    let w: Vec<&str> = line.split_whitespace().collect();
    let is_name = NAME_FIELDS.iter().any(|(f, _, _)| w.first() == Some(f));
    if !is_name || w.len() < 3 {
        return line.to_string();
    }
    format!("{} {} {}", w[0], w[1], w[2..].join(" ").to_lowercase())
}

/// A date field's line: the date must be `DD MM YYYY HH:MM:SS [utc]`, else IOS's caret under it.
fn date_line(s: &mut Session, a: &Args, o: &mut dyn Out) -> CmdResult {
    let value = a.get("LINE").unwrap_or("");
    if crate::ios::pki::parse_date(value).is_none() {
        let col = super::super::prompt(s).chars().count() + a.line.rfind(value).unwrap_or(0);
        o.line(&format!("{}^", " ".repeat(col)));
        o.line("% Invalid input detected at '^' marker.");
        o.line("");
        return Err(String::new());
    }
    add_unique(s, &canon(a));
    Ok(())
}

fn add_unique(s: &mut Session, text: &str) {
    let here = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
    let have = s.router().ios_doc.at(&here).is_some_and(|l| l.iter().any(|n| n.text == text));
    if !have {
        set_line(s, "", text);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(crate::ios::pki::parse_date("01 01 1970 00:00:00"), Some(0));
        assert_eq!(crate::ios::pki::parse_date("29 02 2024 12:00:00 utc"), Some(1_709_208_000));
        assert_eq!(crate::ios::pki::parse_date("31 12 2030 23:59:59"), Some(1_924_991_999));
        for bad in ["30 02 2024 00:00:00", "01 13 2024 00:00:00", "01 01 2024", "01 01 2024 24:00:00", "x"] {
            assert_eq!(crate::ios::pki::parse_date(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_date_text_is_a_date_or_none(t in "[0-9: utcx]{0,40}") {
            let _ = crate::ios::pki::parse_date(&t);
        }
    }
}
