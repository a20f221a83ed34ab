//! What a parsed command bound, as its handler reads it.
//!
//! A handler names what it reads by the parameter's label: `lifetime
//! seconds <300-99999999>:seconds` binds `seconds`, read as the type the
//! spec already checked (`a.u32("seconds")`, `a.ipv4("peer")`,
//! `a.prefix("net")`). Keywords are bound under their own text
//! (`a.has("confirmed")`). An unlabelled parameter is bound under its spec
//! text (`NAME`, `<1-65535>`); a handler should not spell a range or a
//! format: label it instead, so the spec can change without the handler
//! silently reading nothing.

use crate::Binding;
use std::net::Ipv4Addr;

/// The bindings of one parsed line and the line itself.
#[derive(Clone, Debug, Default)]
pub struct Args<'g> {
    pub bindings: Vec<Binding<'g>>,
    pub line: String,
}

/// The binding of `key`: a parameter with that label wins over a keyword of the same text.
pub(crate) fn lookup<'a, 'g>(bindings: &'a [Binding<'g>], key: &str) -> Option<&'a Binding<'g>> {
    bindings.iter().find(|b| b.key == key && !b.keyword).or_else(|| bindings.iter().find(|b| b.key == key))
}

impl Args<'_> {
    /// The text bound to `key`, as typed (a keyword: in full).
    pub fn get(&self, key: &str) -> Option<&str> {
        lookup(&self.bindings, key).map(|b| &*b.value)
    }

    /// The text of `key`, which the spec requires.
    pub fn req(&self, key: &str) -> Result<&str, String> {
        self.get(key).ok_or_else(|| format!("missing {key}"))
    }

    /// Was `key` (a keyword or a parameter) given?
    pub fn has(&self, key: &str) -> bool {
        self.bindings.iter().any(|b| b.key == key)
    }

    /// Every value bound to `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.bindings.iter().filter(|b| b.key == key).map(|b| &*b.value).collect()
    }

    /// A number (`<lo-hi>`: the spec checked the range).
    pub fn num(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// A number that fits 32 bits (`None` when absent or wider).
    pub fn u32(&self, key: &str) -> Option<u32> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// A number that fits 16 bits.
    pub fn u16(&self, key: &str) -> Option<u16> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// A number that fits 8 bits.
    pub fn u8(&self, key: &str) -> Option<u8> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// An address (`A.B.C.D`).
    pub fn ipv4(&self, key: &str) -> Option<Ipv4Addr> {
        self.get(key).and_then(crate::param::ipv4)
    }

    /// A prefix (`A.B.C.D/M`): the address as typed and the length.
    pub fn prefix(&self, key: &str) -> Option<(Ipv4Addr, u8)> {
        let (a, m) = self.get(key)?.split_once('/')?;
        Some((crate::param::ipv4(a)?, m.parse().ok().filter(|m| *m <= 32)?))
    }

    /// The line starts with the keyword `no`.
    pub fn negated(&self) -> bool {
        self.bindings.first().is_some_and(|b| b.keyword && b.value == "no")
    }
}

#[cfg(test)]
mod tests {
    use crate::Graph;

    #[test]
    fn typed_and_labelled() {
        let mut g: Graph<()> = Graph::new();
        g.add(
            "route A.B.C.D/M:net A.B.C.D:hop [cost <0-255>:cost] [tag <1-4294967295>]",
            &["r", "n", "h", "c", "c", "t", "t"],
            (),
        )
        .unwrap();
        g.add("no route [A.B.C.D/M:net]", &["no", "r", "n"], ()).unwrap();
        let a = g.parse("ro 10.1.0.0/16 192.0.2.1 cost 7 tag 4000000000").unwrap().into_args("x");
        assert_eq!(a.prefix("net"), Some(("10.1.0.0".parse().unwrap(), 16)));
        assert_eq!(a.ipv4("hop"), Some("192.0.2.1".parse().unwrap()));
        assert_eq!((a.u8("cost"), a.u16("cost"), a.u32("cost")), (Some(7), Some(7), Some(7)));
        assert_eq!((a.u32("<1-4294967295>"), a.u16("<1-4294967295>")), (Some(4_000_000_000), None));
        assert!(a.has("cost") && !a.negated());
        assert_eq!(a.u32("nothing"), None);
        assert_eq!(a.req("nothing"), Err("missing nothing".into()));
        let n = g.parse("no route").unwrap().into_args("no route");
        assert!(n.negated() && n.prefix("net").is_none());
    }
}

#[cfg(test)]
mod no_form_tests {
    use crate::{Graph, NoForm};

    #[test]
    fn a_no_form_is_declared_with_its_command() {
        let mut g: Graph<u8> = Graph::new();
        let no = NoForm {
            no_help: "Negate",
            spec: "lifetime [seconds] [<300-99999999>:s]",
            help: Some("Set the default (86400 seconds)"),
        };
        g.add_negatable("lifetime seconds <300-99999999>:s", &["SA lifetime", "In seconds", "Seconds"], no, 7).unwrap();
        let cmds: Vec<_> = g.commands().collect();
        assert_eq!(cmds[1].spec, "no lifetime [seconds] [<300-99999999>:s]");
        let helps: Vec<String> = Graph::atom_helps(cmds[1]).into_iter().map(|h| h.1).collect();
        assert_eq!(helps, ["Negate", "Set the default (86400 seconds)", "In seconds", "Seconds"]);
        let a = g.parse("no life").unwrap();
        assert_eq!(a.command.payload, 7);
        assert!(a.into_args("no life").negated());
        assert!(!g.parse("lifetime seconds 300").unwrap().into_args("").negated());
        assert!(g.parse("lifetime").is_err(), "the command itself still needs its value");
        // An atom the command does not have is a mistake in the declaration.
        let bad = NoForm { no_help: "Negate", spec: "lifetime [minutes]", help: None };
        assert!(g.add_negatable("lifetime seconds <300-99999999>:s", &["a", "b", "c"], bad, 1).is_err());
    }
}
