//! What the two Cisco dialects (IOS in `ios/`, ASA in `asa/`) share, so that
//! neither folder imports the other: the running document's node and its
//! walks, the edits of a block's lines (replace by leading words, remove),
//! the command graphs by mode, the canonical text of a parsed line, the
//! caret report of a bad line (each dialect passes its own wording), running
//! a parsed line's handler, and the test of a value typed wrong. The
//! access-list entry checks are in `cisco_acl.rs`, the vocabulary table in
//! `vocab.rs`.

use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_grammar::{Graph, ParseError};

/// One line of a Cisco configuration with the lines under it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Node {
    pub text: String,
    pub children: Vec<Node>,
    /// Not modelled by edgesh: kept verbatim.
    pub unsupported: bool,
    /// Indentation it was pasted with (IOS; 0 everywhere today).
    pub indent: usize,
}

impl Node {
    /// A line edgesh keeps verbatim.
    pub fn verbatim(text: &str) -> Node {
        Node { text: text.to_string(), unsupported: true, ..Default::default() }
    }
}

/// The children at a path of child indices.
pub fn list_at<'a>(root: &'a Vec<Node>, path: &[usize]) -> Option<&'a Vec<Node>> {
    let mut cur = root;
    for &i in path {
        cur = &cur.get(i)?.children;
    }
    Some(cur)
}

/// The children at a path of child indices, to edit.
pub fn list_at_mut<'a>(root: &'a mut Vec<Node>, path: &[usize]) -> Option<&'a mut Vec<Node>> {
    let mut cur = root;
    for &i in path {
        cur = &mut cur.get_mut(i)?.children;
    }
    Some(cur)
}

/// Every verbatim line, with the top-level block it is in (`router bgp 1 / neighbor ...`).
pub fn unsupported(root: &[Node]) -> Vec<String> {
    unsupported_entries(root).into_iter().map(|(b, l)| b.map(|b| format!("{b} / {l}")).unwrap_or(l)).collect()
}

/// Every verbatim line: (the top-level block it is in, the line).
pub fn unsupported_entries(root: &[Node]) -> Vec<(Option<String>, String)> {
    let mut v = Vec::new();
    fn walk(n: &Node, parent: Option<&str>, v: &mut Vec<(Option<String>, String)>) {
        if n.unsupported {
            v.push((parent.map(str::to_string), n.text.clone()));
        }
        let p = parent.unwrap_or(&n.text);
        for c in &n.children {
            walk(c, Some(p), v);
        }
    }
    for n in root {
        walk(n, None, &mut v);
    }
    v
}

/// Set a line of a block: a line with the same `key` (the command's leading
/// words) or the same text is replaced in place, keeping its sub-lines.
/// Without a key the line is added; `once`: unless the same text is there.
pub fn set_in(list: &mut Vec<Node>, key: &str, text: &str, once: bool) {
    let node = Node { text: text.to_string(), ..Default::default() };
    // Without a key and not once the line is added: no need to look (a paste stays linear).
    if key.is_empty() && !once {
        list.push(node);
        return;
    }
    let replaces = |n: &Node| n.text == text || (!key.is_empty() && (n.text == key || n.text.strip_prefix(key).is_some_and(|r| r.starts_with(' '))));
    match list.iter().position(replaces) {
        Some(i) => list[i] = Node { children: std::mem::take(&mut list[i].children), ..node },
        None => list.push(node),
    }
}

/// Remove the lines of a block that are `key` or start with its words (a `no` command).
pub fn remove_in(list: &mut Vec<Node>, key: &str) -> bool {
    let before = list.len();
    list.retain(|n| !(n.text == key || n.text.strip_prefix(key).is_some_and(|r| r.starts_with(' '))));
    list.len() != before
}

/// A dialect's command graphs, one per mode.
pub struct ModeGraphs<M> {
    graphs: Vec<(M, Graph<Handler>)>,
}

impl<M: Copy + PartialEq> ModeGraphs<M> {
    pub fn build(all: &[M], f: impl Fn(M) -> Graph<Handler>) -> Self {
        ModeGraphs { graphs: all.iter().map(|m| (*m, f(*m))).collect() }
    }

    /// The graph of a mode (the first mode's for one without a graph).
    pub fn get(&self, m: M) -> &Graph<Handler> {
        &self.graphs.iter().find(|(k, _)| *k == m).unwrap_or(&self.graphs[0]).1
    }
}

pub type G = Graph<Handler>;
pub type F = fn(&mut Session, &Args, &mut dyn Out) -> CmdResult;

/// Declare a command; a spec that does not parse is a bug of the declaring table.
pub fn add(g: &mut G, spec: &str, helps: &[&str], f: F) {
    if let Err(e) = g.add(spec, helps, Handler(f)) {
        panic!("{e}");
    }
}

/// The canonical text of a parsed line: keywords in full, values as typed.
pub fn canon(a: &Args) -> String {
    a.bindings.iter().map(|b| b.value.to_string()).collect::<Vec<_>>().join(" ")
}

/// The first `n` words of a parsed line's canonical text (the key a later line replaces by).
pub fn key_words(a: &Args, n: usize) -> String {
    a.bindings.iter().take(n).map(|b| b.value.to_string()).collect::<Vec<_>>().join(" ")
}

/// `leaf!(name, N, set_line)`: a handler that stores the line's canonical
/// text in the current block, replacing the line with the same first N words
/// (`set_line` is the dialect's).
macro_rules! leaf {
    ($name:ident, $n:expr, $set:path) => {
        fn $name(s: &mut $crate::session::Session, a: &$crate::session::Args, _: &mut dyn $crate::out::Out) -> $crate::session::CmdResult {
            $set(s, &$crate::cisco_common::key_words(a, $n), &$crate::cisco_common::canon(a));
            Ok(())
        }
    };
}
pub(crate) use leaf;

/// `block!(name, MODE, enter_block)`: a handler that enters (or creates) the
/// block the line heads and pushes MODE (`enter_block` is the dialect's).
macro_rules! block {
    ($name:ident, $mode:expr, $enter:path) => {
        fn $name(s: &mut $crate::session::Session, a: &$crate::session::Args, _: &mut dyn $crate::out::Out) -> $crate::session::CmdResult {
            $enter(s, &$crate::cisco_common::canon(a), $mode);
            Ok(())
        }
    };
}
pub(crate) use block;

/// A dialect's words for a bad line.
pub struct ErrorWords {
    /// Under the caret (`% Invalid input detected at '^' marker.`).
    pub invalid: &'static str,
    /// An empty line after it (IOS).
    pub blank_after_invalid: bool,
    /// Before `Ambiguous command:  "LINE"` (`% ` or `ERROR: % `).
    pub ambiguous_prefix: &'static str,
    pub incomplete: &'static str,
}

/// Report a bad line: the caret under the offending word and the dialect's words.
pub fn report(err: &ParseError, line: &str, indent: usize, words: &ErrorWords, out: &mut dyn Out) {
    let col = |off: usize| indent + line[..off.min(line.len())].chars().count();
    match err {
        ParseError::Invalid { offset, .. } | ParseError::Syntax { offset, .. } => {
            out.line(&format!("{}^", " ".repeat(col(*offset))));
            out.line(words.invalid);
            if words.blank_after_invalid {
                out.line("");
            }
        }
        ParseError::Ambiguous { .. } => out.line(&format!("{}Ambiguous command:  \"{}\"", words.ambiguous_prefix, line.trim())),
        ParseError::Incomplete => out.line(words.incomplete),
        ParseError::Empty => {}
    }
}

/// Parse a line against a graph and run its handler; a handler's error is
/// printed after `prefix` (`% ` / `ERROR: `) and counted as a rejected line.
pub fn run_parsed(g: &'static Graph<Handler>, s: &mut Session, line: &str, prefix: &str, out: &mut dyn Out) -> Result<bool, ParseError> {
    let parsed = g.parse(line)?;
    let args = Args { bindings: parsed.bindings, line: line.trim().to_string() };
    let h = parsed.command.payload;
    match (h.0)(s, &args, out) {
        Ok(()) => Ok(true),
        Err(msg) => {
            if !msg.is_empty() {
                out.line(&format!("{prefix}{msg}"));
            }
            s.rejected += 1;
            Ok(false)
        }
    }
}

/// Did the line fail on a value where only a value fits (`ip ssh server
/// listen 300.0.0.1`), or end too early? Then it is a modelled command typed
/// wrong, refused whatever the vocabulary holds.
pub fn value_error(g: &Graph<Handler>, line: &str, err: &ParseError) -> bool {
    match err {
        ParseError::Incomplete => true,
        ParseError::Invalid { detail: Some(_), .. } => true,
        ParseError::Invalid { offset, detail: None } if *offset > 0 => match g.help(&line[..(*offset).min(line.len())]) {
            Ok(items) => !items.is_empty() && items.iter().all(|i| i.name != "<cr>" && (i.name.starts_with('<') || i.name.chars().any(|c| c.is_ascii_uppercase()))),
            Err(_) => false,
        },
        _ => false,
    }
}

/// The ESP integrity of a Cisco transform word (`esp-sha-hmac` ...), the same in IOS and ASA transform sets.
pub fn esp_hmac(word: &str) -> Option<edgesh_engine::config::EspAuth> {
    use edgesh_engine::config::EspAuth;
    Some(match word {
        "esp-md5-hmac" => EspAuth::HmacMd5_96,
        "esp-sha-hmac" => EspAuth::HmacSha1_96,
        "esp-sha256-hmac" => EspAuth::HmacSha256_128,
        "esp-sha384-hmac" => EspAuth::HmacSha384_192,
        "esp-sha512-hmac" => EspAuth::HmacSha512_256,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(l: &[Node]) -> Vec<&str> {
        l.iter().map(|n| n.text.as_str()).collect()
    }

    #[test]
    fn a_keyed_line_replaces_in_place_and_keeps_sub_lines() {
        let mut l = vec![Node { text: "hostname a".into(), ..Default::default() }, Node { text: "interface X".into(), children: vec![Node::verbatim("shutdown")], ..Default::default() }];
        set_in(&mut l, "hostname", "hostname b", false);
        assert_eq!(texts(&l), ["hostname b", "interface X"]);
        set_in(&mut l, "interface X", "interface X", false);
        assert_eq!(l[1].children.len(), 1);
        // `hostnamex` does not start with the words `hostname`.
        set_in(&mut l, "hostnam", "hostnam z", false);
        assert_eq!(texts(&l), ["hostname b", "interface X", "hostnam z"]);
    }

    #[test]
    fn unkeyed_lines_are_added_or_kept_once() {
        let mut l = Vec::new();
        set_in(&mut l, "", "access-list A permit ip any any", false);
        set_in(&mut l, "", "access-list A permit ip any any", false);
        assert_eq!(l.len(), 2);
        set_in(&mut l, "", "access-list B permit ip any any", true);
        set_in(&mut l, "", "access-list B permit ip any any", true);
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn remove_takes_whole_words_only() {
        let mut l = vec![Node::verbatim("crypto map M 10 set peer 1.1.1.1"), Node::verbatim("crypto map M 100 set peer 2.2.2.2")];
        assert!(remove_in(&mut l, "crypto map M 10"));
        assert_eq!(texts(&l), ["crypto map M 100 set peer 2.2.2.2"]);
        assert!(!remove_in(&mut l, "crypto map M 10"));
    }

    #[test]
    fn unsupported_lines_name_their_block() {
        let root = vec![Node { text: "router bgp 1".into(), unsupported: true, children: vec![Node::verbatim("neighbor 1.1.1.1 remote-as 2")], ..Default::default() }];
        assert_eq!(unsupported(&root), ["router bgp 1", "router bgp 1 / neighbor 1.1.1.1 remote-as 2"]);
    }
}
