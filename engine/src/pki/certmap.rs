//! Certificate maps: owns the rules that pick a peer's configuration by the
//! fields of the certificate it authenticates with (IOS `crypto pki
//! certificate map LABEL SEQ` and a profile's `match certificate LABEL`),
//! and the text of a name those rules compare.
//!
//! A map is a list of entries, tried in sequence order; an entry matches when
//! every one of its rules does, and the map matches when one entry does
//! (Cisco: "the tests of all of the fields within the ACL must succeed";
//! "ACLs with the same label are processed from the lowest to the highest
//! sequence number. When an ACL is matched, the processing stops"). A map
//! without entries matches nothing.
//!
//! Names are compared as IOS prints them: the attributes most significant
//! last (RFC 4514 order), lower-case short keys (`cn`, `ou`, `o`, `c`,
//! `hostname` for PKCS#9 unstructuredName, `ea` for emailAddress,
//! `serialnumber`), `=` between key and value, `+` within an RDN and `,`
//! between RDNs (a real IOS `show crypto ikev2 sa detailed`: `Local id:
//! hostname=R13.R13.local,cn=R13`). Values compare without case (IOS keeps
//! the values of a map's lines in lower case: a real running-config shows
//! `issuer-name co cisco manufacturing ca` for Cisco's own `Cisco
//! Manufacturing CA`), and blanks around `=` and `,` do not count: real
//! configurations write `subject-name co ou = green` against certificates
//! whose name reads `ou=green` (an inference from working labs; no Cisco text
//! says it).

use super::{Cert, San};
use der::Decode;

/// What a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The subject's whole name.
    SubjectName,
    /// The issuer's whole name.
    IssuerName,
    /// The subject's unstructuredName values (IOS: the router's host name).
    UnstructuredSubjectName,
    /// The subjectAltName entries, each on its own.
    AltSubjectName,
    /// Each attribute value of the subject ("any subject name field").
    Name,
    /// The serial number in hex.
    SerialNumber,
    /// notBefore and notAfter.
    ValidStart,
    ExpiresOn,
}

impl Field {
    pub fn is_date(self) -> bool {
        matches!(self, Field::ValidStart | Field::ExpiresOn)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    /// Contains, does not contain (names only).
    Co,
    Nc,
    /// Before, at or after (dates only).
    Lt,
    Ge,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Text(String),
    /// Seconds since the epoch.
    Time(u64),
}

/// One line of an entry: `subject-name co ou=green`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

/// A certificate map: its entries by sequence number, each its rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CertMap {
    pub name: String,
    pub entries: Vec<(u32, Vec<Rule>)>,
}

impl CertMap {
    /// The sequence number of the first entry the certificate matches.
    pub fn matches(&self, c: &Cert) -> Option<u32> {
        self.matches_fields(&Fields::of(c))
    }

    /// [`CertMap::matches`] with the certificate's fields already read.
    pub fn matches_fields(&self, f: &Fields) -> Option<u32> {
        self.entries.iter().filter(|(_, rules)| rules.iter().all(|r| r.holds_for(f))).map(|(seq, _)| *seq).min()
    }
}

/// A certificate's fields as rules compare them ([`normal`] texts), read
/// once however many maps and rules look at them.
#[derive(Clone, Debug)]
pub struct Fields {
    subject: String,
    issuer: String,
    unstructured: Vec<String>,
    names: Vec<String>,
    alt: Vec<String>,
    serial: String,
    not_before: u64,
    not_after: u64,
}

impl Fields {
    pub fn of(c: &Cert) -> Fields {
        let subject_attrs = attrs(&c.subject_der);
        Fields {
            subject: normal(&name_text(&c.subject_der)),
            issuer: normal(&name_text(&c.issuer_der)),
            unstructured: subject_attrs.iter().filter(|(k, _)| k == "hostname").map(|(_, v)| normal(v)).collect(),
            names: subject_attrs.iter().map(|(_, v)| normal(v)).collect(),
            alt: c
                .sans
                .iter()
                .map(|s| match s {
                    San::Dns(d) => normal(d),
                    San::Email(e) => normal(e),
                    San::Ip(a) => a.to_string(),
                })
                .collect(),
            serial: c.serial.iter().map(|b| format!("{b:02x}")).collect(),
            not_before: c.not_before,
            not_after: c.not_after,
        }
    }
}

impl Rule {
    /// Whether the certificate passes this rule.
    pub fn holds(&self, c: &Cert) -> bool {
        self.holds_for(&Fields::of(c))
    }

    fn holds_for(&self, f: &Fields) -> bool {
        match &self.value {
            Value::Time(t) => {
                let at = if self.field == Field::ValidStart { f.not_before } else { f.not_after };
                match self.op {
                    Op::Eq => at == *t,
                    Op::Ne => at != *t,
                    Op::Lt => at < *t,
                    Op::Ge => at >= *t,
                    Op::Co | Op::Nc => false,
                }
            }
            Value::Text(v) => {
                let want = normal(v);
                let texts: &[String] = match self.field {
                    Field::SubjectName => std::slice::from_ref(&f.subject),
                    Field::IssuerName => std::slice::from_ref(&f.issuer),
                    Field::UnstructuredSubjectName => &f.unstructured,
                    Field::Name => &f.names,
                    Field::AltSubjectName => &f.alt,
                    Field::SerialNumber => std::slice::from_ref(&f.serial),
                    Field::ValidStart | Field::ExpiresOn => return false,
                };
                let same = |t: &String| {
                    *t == want
                        || self.field == Field::SerialNumber
                            && t.trim_start_matches('0') == want.trim_start_matches('0')
                };
                match self.op {
                    Op::Eq => texts.iter().any(same),
                    Op::Ne => !texts.iter().any(same),
                    Op::Co => texts.iter().any(|t| t.contains(&want)),
                    Op::Nc => !texts.iter().any(|t| t.contains(&want)),
                    Op::Lt | Op::Ge => false,
                }
            }
        }
    }
}

/// A text as rules compare it: lower case, no blanks around `=` and `,`, trimmed.
pub fn normal(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == ' ' {
            // Drop a run of blanks before `=`/`,` or after one.
            let mut run = 1;
            while chars.peek() == Some(&' ') {
                chars.next();
                run += 1;
            }
            let after_sep = out.ends_with('=') || out.ends_with(',');
            let before_sep = matches!(chars.peek(), Some('=') | Some(','));
            if !after_sep && !before_sep {
                out.extend(std::iter::repeat_n(' ', run));
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// A DER name's attributes, most significant last, as (IOS key, value):
/// `cn`, `ou`, `o`, `c`, `l`, `st`, `hostname` (unstructuredName), `ea`
/// (emailAddress), `serialNumber`, `ipaddress` (unstructuredAddress); other
/// attributes by their lower-case short name or dotted OID.
pub fn attrs(der: &[u8]) -> Vec<(String, String)> {
    x509_cert::name::Name::from_der(der).map(|n| name_attrs(&n)).unwrap_or_default()
}

/// [`attrs`] of a decoded name.
pub fn name_attrs(n: &x509_cert::name::Name) -> Vec<(String, String)> {
    rdns(n).into_iter().flatten().collect()
}

/// The name's RDNs most significant last, each its attributes as (IOS key, value).
fn rdns(n: &x509_cert::name::Name) -> Vec<Vec<(String, String)>> {
    let oid = der::oid::ObjectIdentifier::new_unwrap;
    let (hostname, email, serial, address) =
        (oid("1.2.840.113549.1.9.2"), oid("1.2.840.113549.1.9.1"), oid("2.5.4.5"), oid("1.2.840.113549.1.9.8"));
    let mut v = Vec::new();
    for rdn in n.as_ref().iter() {
        let mut one = Vec::new();
        for atv in rdn.as_ref().iter() {
            let text = atv.to_string();
            let (k, val) = text.split_once('=').unwrap_or(("", &text));
            let key = if atv.oid == hostname {
                "hostname".to_string()
            } else if atv.oid == email {
                "ea".to_string()
            } else if atv.oid == serial {
                "serialNumber".to_string()
            } else if atv.oid == address {
                "ipaddress".to_string()
            } else {
                k.to_ascii_lowercase()
            };
            one.push((key, plain_value(atv, val)));
        }
        v.push(one);
    }
    v.reverse();
    v
}

/// An attribute's value as text: the string itself when it is one (x509-cert
/// prints PKCS#9 strings as `#hex`), else as x509-cert prints it, unescaped.
fn plain_value(atv: &x509_cert::attr::AttributeTypeAndValue, printed: &str) -> String {
    use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
    if let Ok(s) = atv.value.decode_as::<Utf8StringRef>() {
        return s.as_str().to_string();
    }
    if let Ok(s) = atv.value.decode_as::<PrintableStringRef>() {
        return s.as_str().to_string();
    }
    if let Ok(s) = atv.value.decode_as::<Ia5StringRef>() {
        return s.as_str().to_string();
    }
    printed.replace("\\ ", " ").replace("\\,", ",").replace("\\+", "+")
}

/// A DER name as IOS prints it: `hostname=R13.R13.local,cn=R13` (RDNs most
/// significant last, `+` joining the attributes of one RDN).
pub fn name_text(der: &[u8]) -> String {
    let Ok(n) = x509_cert::name::Name::from_der(der) else { return "(bad DN)".into() };
    let rdn = |a: Vec<(String, String)>| a.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("+");
    rdns(&n).into_iter().map(rdn).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(pem: &str) -> Cert {
        Cert::from_der(&crate::pki::pem_blocks(pem, "CERTIFICATE").unwrap().remove(0)).unwrap()
    }

    fn right() -> Cert {
        cert(include_str!("testdata/right-rsa.pem"))
    }

    fn rule(field: Field, op: Op, v: &str) -> Rule {
        Rule { field, op, value: Value::Text(v.into()) }
    }

    #[test]
    fn names_read_as_ios_prints_them() {
        let c = right();
        // Encoded CN, O, C: printed last RDN first.
        assert_eq!(name_text(&c.subject_der), "c=US,o=Edgesh Test,cn=right");
        assert_eq!(name_text(&c.issuer_der), "c=US,o=Edgesh Test,cn=Edgesh Test CA");
    }

    #[test]
    fn blanks_and_case_do_not_count() {
        assert_eq!(normal("  OU = Green , CN =R1 "), "ou=green,cn=r1");
        assert_eq!(normal("cisco manufacturing  ca"), "cisco manufacturing  ca");
        let c = right();
        for (op, v, want) in [
            (Op::Co, "o = edgesh test", true),
            (Op::Co, "CN=RIGHT", true),
            (Op::Eq, "c = us, o = edgesh test, cn = right", true),
            (Op::Eq, "cn=right", false),
            (Op::Ne, "cn=right", true),
            (Op::Nc, "o=edgesh", false),
            (Op::Nc, "ou=sales", true),
        ] {
            assert_eq!(rule(Field::SubjectName, op, v).holds(&c), want, "{op:?} {v}");
        }
        assert!(rule(Field::IssuerName, Op::Co, "edgesh test ca").holds(&c));
        assert!(rule(Field::Name, Op::Eq, "right").holds(&c));
        assert!(!rule(Field::Name, Op::Eq, "righ").holds(&c));
    }

    #[test]
    fn an_entry_needs_every_rule_and_a_map_one_entry() {
        let c = right();
        let m = CertMap {
            name: "M".into(),
            entries: vec![
                (20, vec![rule(Field::SubjectName, Op::Co, "cn=right")]),
                (10, vec![rule(Field::SubjectName, Op::Co, "cn=right"), rule(Field::IssuerName, Op::Co, "other ca")]),
            ],
        };
        assert_eq!(m.matches(&c), Some(20));
        let none = CertMap { name: "N".into(), entries: vec![(10, vec![rule(Field::SubjectName, Op::Co, "x")])] };
        assert_eq!(none.matches(&c), None);
        assert_eq!(CertMap::default().matches(&c), None);
        // An entry without rules matches anything (IOS: a map sequence with no lines).
        let empty_entry = CertMap { name: "E".into(), entries: vec![(10, vec![])] };
        assert_eq!(empty_entry.matches(&c), Some(10));
    }

    #[test]
    fn dates_and_serials() {
        let c = right();
        let at = |f, op, t| Rule { field: f, op, value: Value::Time(t) }.holds(&c);
        assert!(at(Field::ValidStart, Op::Eq, c.not_before));
        assert!(at(Field::ExpiresOn, Op::Lt, c.not_after + 1));
        assert!(!at(Field::ExpiresOn, Op::Lt, c.not_after));
        assert!(at(Field::ExpiresOn, Op::Ge, c.not_after));
        assert!(!at(Field::ValidStart, Op::Co, c.not_before));
        let hex: String = c.serial.iter().map(|b| format!("{b:02X}")).collect();
        assert!(rule(Field::SerialNumber, Op::Eq, &hex).holds(&c));
        assert!(rule(Field::SerialNumber, Op::Eq, &format!("00{hex}")).holds(&c));
        assert!(!rule(Field::SerialNumber, Op::Lt, &hex).holds(&c));
    }

    proptest::proptest! {
        /// Any value, field and operator is decided, and the normal form is idempotent.
        #[test]
        fn any_rule_is_decided_without_panic(v in "\\PC{0,60}", field in 0usize..8, op in 0usize..6, t in 0u64..4_000_000_000) {
            let c = right();
            let fields = [Field::SubjectName, Field::IssuerName, Field::UnstructuredSubjectName, Field::AltSubjectName,
                Field::Name, Field::SerialNumber, Field::ValidStart, Field::ExpiresOn];
            let ops = [Op::Eq, Op::Ne, Op::Co, Op::Nc, Op::Lt, Op::Ge];
            let _ = rule(fields[field], ops[op], &v).holds(&c);
            let _ = Rule { field: fields[field], op: ops[op], value: Value::Time(t) }.holds(&c);
            proptest::prop_assert_eq!(normal(&normal(&v)), normal(&v));
        }
    }
}
