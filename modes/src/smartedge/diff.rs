//! `show configuration changes`: the candidate against running, line by line,
//! each changed line shown under the block headers it belongs to (as
//! `show | compare` does on other routers).

use crate::out::Out;
use similar::{ChangeTag, TextDiff};

fn indent(l: &str) -> usize {
    l.len() - l.trim_start().len()
}

/// Lines added and removed going from `a` to `b`, counted as multisets of
/// lines (linear time: a first commit of 32,000 tunnels must not run a
/// quadratic diff).
pub fn count(a: &[String], b: &[String]) -> (usize, usize) {
    let mut m: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for l in a.iter().filter(|l| !is_filler(l)) {
        *m.entry(l.as_str()).or_default() -= 1;
    }
    for l in b.iter().filter(|l| !is_filler(l)) {
        *m.entry(l.as_str()).or_default() += 1;
    }
    let add = m.values().filter(|v| **v > 0).sum::<i64>() as usize;
    let del = m.values().filter(|v| **v < 0).map(|v| -v).sum::<i64>() as usize;
    (add, del)
}

fn is_filler(l: &str) -> bool {
    let t = l.trim();
    t == "!" || t.starts_with("! ")
}

/// Print the changes; returns false when there are none.
pub fn show(running: &[String], candidate: &[String], out: &mut dyn Out) -> bool {
    let old = running.join("\n");
    let new = candidate.join("\n");
    let diff = TextDiff::configure().timeout(std::time::Duration::from_secs(2)).diff_lines(&old, &new);
    // Headers of the block each line of each side belongs to.
    let parents = |lines: &[String], idx: usize| -> Vec<String> {
        let mut want = indent(&lines[idx]);
        let mut out = Vec::new();
        for l in lines[..idx].iter().rev() {
            if want == 0 {
                break;
            }
            let t = l.trim_start();
            if t.is_empty() || t.starts_with('!') {
                continue;
            }
            if indent(l) < want {
                out.push(l.clone());
                want = indent(l);
            }
        }
        out.reverse();
        out
    };
    let mut shown_headers: Vec<String> = Vec::new();
    let mut any = false;
    for change in diff.iter_all_changes() {
        let (lines, idx, sign) = match change.tag() {
            ChangeTag::Equal => continue,
            ChangeTag::Delete => (running, change.old_index().unwrap_or(0), '-'),
            ChangeTag::Insert => (candidate, change.new_index().unwrap_or(0), '+'),
        };
        if idx >= lines.len() || is_filler(&lines[idx]) {
            continue;
        }
        any = true;
        let hs = parents(lines, idx);
        let common = hs.iter().zip(shown_headers.iter()).take_while(|(a, b)| a == b).count();
        for h in &hs[common..] {
            out.line(&format!("  {h}"));
        }
        shown_headers = hs;
        shown_headers.push(lines[idx].clone());
        out.line(&format!("{sign} {}", lines[idx]));
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::VecOut;
    fn v(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }
    #[test]
    fn changes_under_headers() {
        let a = v("context local\n  interface x\n    ip address 1.1.1.1/32\n!\nend");
        let b = v("context local\n  interface x\n    ip address 2.2.2.2/32\n!\nend");
        let mut o = VecOut::default();
        assert!(show(&a, &b, &mut o));
        assert_eq!(
            o.text(),
            "  context local\n    interface x\n-     ip address 1.1.1.1/32\n+     ip address 2.2.2.2/32\n"
        );
        assert_eq!(count(&a, &b), (1, 1));
        assert!(!show(&a, &a, &mut VecOut::default()));
    }
}
