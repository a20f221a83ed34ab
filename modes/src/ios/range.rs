//! `interface range`: one interface configuration mode for several
//! interfaces (`interface range Ethernet 0/0 - 3`, `int range tun 0-1`,
//! `interface range Gi1/0/1 - 2 , Gi1/0/5`).
//!
//! As on IOS, the range is not configuration of its own: entering it
//! creates (or selects) each member's `interface NAME` block, and every
//! line typed in `(config-if-range)` runs under each member, so
//! `show running-config` prints the members, each with the lines, and
//! `tunnel protection ipsec profile P` typed once protects every tunnel of
//! the range. A line refused under the first member is refused once and
//! applied to none. A range IOS would not take (`interface range macro M`,
//! an unknown form) is left to the mode tree.

use super::names::interface_name;
use super::{IosFrame, IosMode, enter_block};
use crate::out::{Out, VecOut};
use crate::session::Session;

/// Members at most in one range (IOS takes ranges of ports of one module).
const MAX_MEMBERS: usize = 512;

/// The members of a range specification (the words after `range`), in
/// order: `None` if it is not one.
pub fn members(spec: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        // Blanks do not matter inside a part: `Ethernet 0/0 - 3` is `Ethernet0/0-3`.
        let p: String = part.split_whitespace().collect();
        if p.is_empty() {
            return None;
        }
        // The range's dash follows a digit (`Port-channel1-3`: the second dash).
        let dash = p.char_indices().rev().find(|&(i, c)| c == '-' && i > 0 && p.as_bytes()[i - 1].is_ascii_digit());
        let (left, last) = match dash {
            Some((i, _)) => (&p[..i], Some(p[i + 1..].parse::<u32>().ok()?)),
            None => (&p[..], None),
        };
        let digits = left.find(|c: char| c.is_ascii_digit())?;
        let (ty, num) = left.split_at(digits);
        if ty.is_empty() || !ty.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            return None;
        }
        let cut = num.rfind(['/', '.', ':']).map(|i| i + 1).unwrap_or(0);
        let (prefix, first) = num.split_at(cut);
        let first: u32 = first.parse().ok()?;
        if !prefix.chars().all(|c| c.is_ascii_digit() || matches!(c, '/' | '.' | ':')) {
            return None;
        }
        let last = last.unwrap_or(first);
        if last < first || out.len() + (last - first) as usize >= MAX_MEMBERS {
            return None;
        }
        for i in first..=last {
            let name = interface_name(&format!("{ty}{prefix}{i}"));
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `interface range SPEC` (the keywords abbreviated or not), if the line is one.
fn range_spec(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let (first, rest) = t.split_once(char::is_whitespace)?;
    if first.len() < 3 || !"interface".starts_with(&first.to_ascii_lowercase()) {
        return None;
    }
    let rest = rest.trim_start();
    let (second, spec) = rest.split_once(char::is_whitespace)?;
    (second.len() >= 2 && "range".starts_with(&second.to_ascii_lowercase())).then_some(spec.trim())
}

/// Run a configuration line, with `interface range` handled here: `run`
/// is the dialect's line handler for one interface.
pub fn execute(
    s: &mut Session,
    line: &str,
    indent: usize,
    out: &mut dyn Out,
    run: fn(&mut Session, &str, usize, &mut dyn Out) -> bool,
) -> bool {
    // The range is over once its mode is left.
    let active = match &s.ios.range {
        Some((first, rest)) if s.ios.stack.last() == Some(first) => Some((first.clone(), rest.clone())),
        _ => {
            s.ios.range = None;
            None
        }
    };
    let in_config = !s.ios.stack.is_empty() && s.ios.confirm.is_none() && s.ios.banner.is_none();
    if in_config && let Some(names) = range_spec(line).and_then(members) {
        enter(s, &names);
        return true;
    }
    let ok = run(s, line, indent, out);
    let Some((first, rest)) = active else { return ok };
    if !ok || s.ios.stack.last() != Some(&first) {
        return ok;
    }
    // The line stayed in the range's mode: the same under every other member.
    let saved = s.ios.stack.clone();
    for frame in rest {
        s.ios.stack = saved.clone();
        if let Some(top) = s.ios.stack.last_mut() {
            *top = frame;
        }
        run(s, line, indent, &mut VecOut::default());
    }
    s.ios.stack = saved;
    ok
}

/// Enter the range from any configuration mode: `interface` is a global
/// command, so the mode goes up to global configuration first.
fn enter(s: &mut Session, names: &[String]) {
    s.ios.stack.truncate(1);
    let mut frames = Vec::new();
    for n in names {
        enter_block(s, &format!("interface {n}"), IosMode::Interface);
        if let Some(f) = s.ios.stack.pop() {
            frames.push(f);
        }
    }
    let mut frames = frames.into_iter();
    let Some(first) = frames.next() else { return };
    s.ios.stack.push(first.clone());
    s.ios.range = Some((first, frames.collect::<Vec<IosFrame>>()));
}

/// Is the session in a range's mode (its prompt is `(config-if-range)`)?
pub fn active(s: &Session) -> bool {
    matches!(&s.ios.range, Some((first, _)) if s.ios.stack.last() == Some(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_specifications() {
        assert_eq!(members("Ethernet 0/0 - 3").unwrap(), ["Ethernet0/0", "Ethernet0/1", "Ethernet0/2", "Ethernet0/3"]);
        assert_eq!(members("tun 0-1").unwrap(), ["Tunnel0", "Tunnel1"]);
        assert_eq!(
            members("Gi1/0/1 - 2 , Gi1/0/5").unwrap(),
            ["GigabitEthernet1/0/1", "GigabitEthernet1/0/2", "GigabitEthernet1/0/5"]
        );
        assert_eq!(members("Port-channel1-2").unwrap(), ["Port-channel1", "Port-channel2"]);
        assert_eq!(members("GigabitEthernet0/1").unwrap(), ["GigabitEthernet0/1"]);
        for bad in ["macro M", "Ethernet 0/3 - 1", "0/0 - 3", "Ethernet 0/0 - x", "", "Ethernet 0/0 - 9999"] {
            assert!(members(bad).is_none(), "{bad}");
        }
        assert_eq!(range_spec("int range tun 0-1"), Some("tun 0-1"));
        assert_eq!(range_spec(" interface range Ethernet 0/0 - 3"), Some("Ethernet 0/0 - 3"));
        assert_eq!(range_spec("interface Ethernet0/0"), None);
    }
}
