//! The running document of the Cisco dialects (IOS, ASA): one line with
//! the lines under it, its walks, the verbatim lines it keeps, and the edits
//! of a block's lines (replace by leading words, remove). A leaf of the
//! dialects: it imports nothing of the session, so each dialect's document
//! can use it without an import circle.

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
    let replaces = |n: &Node| n.text == text || (!key.is_empty() && keyed(&n.text, key));
    match list.iter().position(replaces) {
        Some(i) => list[i] = Node { children: std::mem::take(&mut list[i].children), ..node },
        None => list.push(node),
    }
}

/// Is the line `text` the command `key`: `key` itself or `key` and more words?
pub fn keyed(text: &str, key: &str) -> bool {
    text == key || text.strip_prefix(key).is_some_and(|r| r.starts_with(' '))
}

/// Keep a one-valued setting (a vocabulary `=` pattern: `load-interval 60`
/// after `load-interval 30`, `keepalive 5` after `no keepalive`): the new
/// line takes the first old one's place, other old ones go. False when the
/// line is no such setting, or the block has none of it yet.
pub fn replace_setting(list: &mut Vec<Node>, v: &crate::vocab::Vocabulary, fam: &str, text: &str) -> bool {
    if v.family(fam).is_none_or(|f| f.singles.is_empty()) || !v.same_setting(fam, text, text) {
        return false;
    }
    let hits: Vec<usize> =
        list.iter().enumerate().filter(|(_, n)| v.same_setting(fam, &n.text, text)).map(|(i, _)| i).collect();
    let Some((&first, rest)) = hits.split_first() else { return false };
    list[first].text = text.to_string();
    for &i in rest.iter().rev() {
        list.remove(i);
    }
    true
}

/// `X` kept where the block has `no X` (`arp permit-nonconnected` after
/// `no arp permit-nonconnected`): `X` takes the `no` line's place. Where X
/// is the device's default it would not print it, but which commands'
/// defaults are printed differs by platform (`ip http server`), so the line
/// that says what the user set stays. False when there is no such `no` line.
pub fn undo_negation(list: &mut [Node], text: &str) -> bool {
    let neg = format!("no {text}");
    match list.iter_mut().find(|n| n.text == neg) {
        Some(n) => {
            n.text = text.to_string();
            true
        }
        None => false,
    }
}

/// Remove the lines of a block that are `key` or start with its words (a `no` command).
pub fn remove_in(list: &mut Vec<Node>, key: &str) -> bool {
    let before = list.len();
    list.retain(|n| !keyed(&n.text, key));
    list.len() != before
}

/// Test documents: top-level lines, each with its block's lines.
#[cfg(test)]
pub fn nodes(lines: &[(&str, &[&str])]) -> Vec<Node> {
    lines
        .iter()
        .map(|(h, kids)| Node {
            text: h.to_string(),
            children: kids.iter().map(|k| Node { text: k.to_string(), ..Default::default() }).collect(),
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(l: &[Node]) -> Vec<&str> {
        l.iter().map(|n| n.text.as_str()).collect()
    }

    #[test]
    fn a_keyed_line_replaces_in_place_and_keeps_sub_lines() {
        let mut l = vec![
            Node { text: "hostname a".into(), ..Default::default() },
            Node { text: "interface X".into(), children: vec![Node::verbatim("shutdown")], ..Default::default() },
        ];
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
        let mut l = vec![
            Node::verbatim("crypto map M 10 set peer 1.1.1.1"),
            Node::verbatim("crypto map M 100 set peer 2.2.2.2"),
        ];
        assert!(remove_in(&mut l, "crypto map M 10"));
        assert_eq!(texts(&l), ["crypto map M 100 set peer 2.2.2.2"]);
        assert!(!remove_in(&mut l, "crypto map M 10"));
    }

    #[test]
    fn unsupported_lines_name_their_block() {
        let root = vec![Node {
            text: "router bgp 1".into(),
            unsupported: true,
            children: vec![Node::verbatim("neighbor 1.1.1.1 remote-as 2")],
            ..Default::default()
        }];
        assert_eq!(unsupported(&root), ["router bgp 1", "router bgp 1 / neighbor 1.1.1.1 remote-as 2"]);
    }
}
