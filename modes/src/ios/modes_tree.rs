//! IOS's mode tree for the lines edgesh keeps verbatim.
//!
//! Each configuration frame has a mode family (`vocabulary.rs`): a modelled
//! mode by its kind, an unmodelled block (`router bgp 1`, its
//! `address-family ipv4`, a `class-map` ...) by the chain of sub-mode
//! commands from the top of the document to it. A line no command graph of
//! the current mode accepts is placed as IOS would run it:
//!
//! * a command that opens a sub-mode of the current mode enters it (a new
//!   block, or the existing one with that header);
//! * a command that leaves it (`exit-address-family`, `quit`) is printed
//!   where IOS prints it and the mode goes up one level;
//! * a command of the current mode's vocabulary is kept in the current block;
//! * else the same is tried in each enclosing mode, up to global
//!   configuration (a modelled command there runs there): the line runs
//!   there and the mode becomes that one, as on IOS;
//! * else the line is refused.

use super::vocabulary::vocabulary;
use super::{IosDoc, IosFrame, IosMode, Node, graphs};
use crate::out::Out;
use crate::session::Session;
use edgesh_grammar::ParseError;

/// The family of a modelled mode.
pub fn mode_family(m: IosMode) -> &'static str {
    match m {
        IosMode::Config => "global",
        IosMode::Interface => "interface",
        IosMode::Line => "line",
        IosMode::Vrf => "vrf",
        IosMode::VrfAf => "vrf-af",
        IosMode::ExtAcl => "ext-nacl",
        IosMode::CryptoMap => "crypto-map",
        IosMode::IsakmpProfile => "isakmp-profile",
        IosMode::IpsecProfile => "ipsec-profile",
        IosMode::Keyring => "keyring",
        IosMode::Ikev2Profile => "ikev2-profile",
        IosMode::Ikev2Peer => "ikev2-peer",
        IosMode::Ikev2Policy => "ikev2-policy",
        _ => "none",
    }
}

/// The family of an unmodelled block, from the chain of headers down to it.
pub fn path_family(doc: &IosDoc, path: &[usize]) -> &'static str {
    let v = vocabulary();
    let mut fam = "global";
    let mut list = &doc.root;
    for &i in path {
        let Some(n) = list.get(i) else { return "none" };
        fam = v.child(fam, &n.text, false).or_else(|| v.child(fam, &n.text, true)).unwrap_or("none");
        list = &n.children;
    }
    fam
}

/// The family of the frame at `level` of the session's stack.
pub fn family_at(s: &Session, level: usize) -> &'static str {
    let Some(f) = s.ios.stack.get(level) else { return "none" };
    match f.mode {
        IosMode::Verbatim => path_family(&s.router().ios_doc, &f.path),
        m => mode_family(m),
    }
}

/// Is the line known in the mode at `level` (a command of its graph, an
/// incomplete one, or a word of its vocabulary)?
fn known_at(s: &Session, level: usize, line: &str) -> bool {
    let m = s.ios.stack[level].mode;
    match graphs().get(m).parse(line) {
        Ok(p) => !p.command.spec.starts_with("no "),
        Err(ParseError::Incomplete) => true,
        Err(_) => {
            interface_line(s, level, line, true)
                || vocabulary().knows(family_at(s, level), line, true)
                    && !(matches!(m, IosMode::Config | IosMode::Interface) && super::strict(m, line))
        }
    }
}

/// Is the line a whole modelled interface command typed in an unmodelled
/// block of the interface family (`interface range Ethernet 0/0 - 3`,
/// `template T`)? IOS takes there what it takes under one interface
/// (`no ip address`, `shutdown`), and refuses a typo (`shutdwn`) alike.
/// `incomplete`: a command's leading words are enough (what `no` names).
fn interface_line(s: &Session, level: usize, line: &str, incomplete: bool) -> bool {
    s.ios.stack[level].mode == IosMode::Verbatim
        && family_at(s, level) == "interface"
        && match graphs().get(IosMode::Interface).parse(line) {
            Ok(p) => !p.command.spec.starts_with("no "),
            Err(ParseError::Incomplete) => incomplete,
            Err(_) => false,
        }
}

/// The level at which `no REST` runs: the innermost mode that knows REST or
/// has a line REST removes.
/// A mode that only knows REST (holds no line it removes) gives it up to an
/// enclosing mode that names more of its keywords, as in [`place`]: `no
/// service timestamps ...` typed in an interface is the global command.
///
/// `indented`: the `no` line was typed indented in a block (a paste); as in
/// [`place`], it is not taken for a global command the vocabulary knows only
/// by its first keywords.
pub fn no_level(s: &Session, rest: &str, indented: bool) -> Option<usize> {
    let holds = |lvl: usize| {
        let path = s.ios.stack[lvl].path.clone();
        let global = s.ios.stack[lvl].mode == IosMode::Config;
        let r = s.router();
        let list = if global { Some(&r.ios_doc.root) } else { r.ios_doc.at(&path) };
        list.is_some_and(|l| l.iter().any(|n| n.text == rest || n.text.starts_with(&format!("{rest} "))))
    };
    let depth = s.ios.stack.len();
    let vocabulary_only =
        |lvl: usize| lvl == 0 && indented && depth > 1 && graphs().get(s.ios.stack[0].mode).parse(rest).is_err();
    (0..depth).rev().find(|&lvl| {
        holds(lvl)
            || known_at(s, lvl, rest) && !vocabulary_only(lvl) && {
                let own = claim(s, lvl, rest, true);
                !(0..lvl).any(|up| claim(s, up, rest, true) > own)
            }
    })
}

/// Where IOS's caret goes in a configuration line refused in the current
/// mode: the farthest a command of this mode or of one above it gets, by
/// the command graphs (`crypto ipsec transform-set T esp-foo` typed in a
/// sub-mode: at `esp-foo`) and by the vocabulary of kept commands (the
/// first word after the longest run of a command's keywords: `qos banana`
/// at `banana`). `None` when no mode gets past the first word.
pub fn caret(s: &Session, line: &str) -> Option<usize> {
    let v = vocabulary();
    let graph = (0..s.ios.stack.len())
        .filter_map(|lvl| match graphs().get(s.ios.stack[lvl].mode).parse(line) {
            Err(ParseError::Invalid { offset, .. }) => Some(offset),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let n = (0..s.ios.stack.len()).map(|lvl| v.keyword_prefix(family_at(s, lvl), line, true)).max().unwrap_or(0);
    let mut kept = 0;
    let mut off = 0;
    for (i, w) in line.split_whitespace().enumerate() {
        let Some(at) = line[off..].find(w).map(|x| x + off) else { break };
        if i == n && n > 0 {
            kept = at;
            break;
        }
        off = at + w.len();
    }
    Some(graph.max(kept)).filter(|o| *o > 0)
}

/// Place a line no graph of the current mode accepts. `None`: refuse it.
pub fn place(s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> Option<bool> {
    // The words as typed in full first (a pasted configuration), then as
    // abbreviations (typed by hand): `router bgp 1` in `router ospf` is the
    // global command, not `router-id`.
    let mut bad = None;
    for abbrev in [false, true] {
        if let Some(done) = place_pass(s, line, indent, out, abbrev, &mut bad) {
            return Some(done);
        }
    }
    // A kept command with a wrong word after its keywords: the caret at it.
    let err = bad?;
    super::report(&err, line, indent, out);
    s.rejected += 1;
    Some(false)
}

fn place_pass(
    s: &mut Session,
    line: &str,
    indent: usize,
    out: &mut dyn Out,
    abbrev: bool,
    bad: &mut Option<ParseError>,
) -> Option<bool> {
    let v = vocabulary();
    let t = line.trim();
    let depth = s.ios.stack.len();
    for lvl in (0..depth).rev() {
        let pm = s.ios.stack[lvl].mode;
        if lvl + 1 < depth && graphs().get(pm).parse(line).is_ok() {
            // A modelled command of an enclosing mode: run it there.
            let saved = s.ios.stack.clone();
            s.ios.stack.truncate(lvl + 1);
            match super::run_in(s, pm, line, indent, out) {
                Ok(true) => return Some(true),
                Ok(false) => {
                    s.ios.stack = saved;
                    return Some(false);
                }
                Err(_) => {
                    s.ios.stack = saved;
                    return None;
                }
            }
        }
        let fam = family_at(s, lvl);
        // A line an enclosing mode names by more keywords is that mode's
        // command (`crypto ipsec security-association replay ...` pasted
        // after an interface's lines is global, not the interface's
        // `crypto ipsec df-bit`): IOS leaves the sub-mode and runs it there.
        if lvl > 0 && (0..lvl).any(|up| claim(s, up, line, abbrev) > v.match_len(fam, t, abbrev)) {
            continue;
        }
        if let Some((word, inside)) = v.exit(fam, t) {
            s.ios.stack.truncate(lvl + 1);
            let block = s.ios.stack[lvl].path.clone();
            exit_block(s, word, inside);
            // The end of a certificate's hex data: decoded now, reported if it is not one.
            if fam == "cert-data"
                && let Some(e) = super::pki::check_block(&s.router().ios_doc, &block)
            {
                out.line(&format!("% {e}"));
            }
            return Some(true);
        }
        // A modelled global or interface command must parse (`ip address`, `tunnel mode` ...).
        if matches!(pm, IosMode::Config | IosMode::Interface) && super::strict(pm, t) {
            continue;
        }
        // An interface command in `interface range ...` (or a `template`):
        // kept as typed once the interface graph parses it.
        if interface_line(s, lvl, line, false) {
            s.ios.stack.truncate(lvl + 1);
            keep_line(s, t, false);
            return Some(true);
        }
        if abbrev && let Some(err) = v.ambiguous(fam, line) {
            bad.get_or_insert(err);
            continue;
        }
        if v.child(fam, t, abbrev).is_some() {
            // A sub-mode's header with a known syntax (`route-map RM permt 10`) is checked too.
            if let Err(e) = super::vocabulary::check_line(v, fam, line, abbrev) {
                bad.get_or_insert(e);
                continue;
            }
            s.ios.stack.truncate(lvl + 1);
            let full = if abbrev { v.full_keywords(fam, t) } else { t.to_string() };
            enter_verbatim(s, &full);
            return Some(true);
        }
        if !abbrev && v.opens_when_abbreviated(fam, t) {
            return None;
        }
        // An indented line typed in a block (a pasted configuration) that
        // the block does not know is not taken for a global command its
        // first keywords match: the vocabulary lists global commands by
        // their leading keywords, so it would take lines IOS refuses there
        // (an interface's `ip arp gratuitous request` is not the global
        // `ip arp ...`), and the rest of the block would follow it out.
        // IOS refuses such a line and stays in the block; so does edgesh.
        if lvl == 0 && depth > 1 && line.starts_with(char::is_whitespace) {
            continue;
        }
        if v.knows(fam, t, abbrev) {
            // The whole line, where the command's syntax is known.
            if let Err(e) = super::vocabulary::check_line(v, fam, line, abbrev) {
                bad.get_or_insert(e);
                continue;
            }
            s.ios.stack.truncate(lvl + 1);
            let data = v.family(fam).is_some_and(|f| f.data);
            let full = if abbrev && !data { v.full_keywords(fam, t) } else { t.to_string() };
            keep_line_in(s, &full, data, fam);
            return Some(true);
        }
    }
    None
}

/// How many keywords of the line the mode at `level` names: those of the
/// modelled command it parses as (its leading literal words), else those of
/// its vocabulary's longest command the line starts with; 0: not its command.
fn claim(s: &Session, level: usize, line: &str, abbrev: bool) -> usize {
    let m = s.ios.stack[level].mode;
    match graphs().get(m).parse(line) {
        Ok(p) => spec_keywords(&p.command.spec),
        Err(_) => vocabulary().match_len(family_at(s, level), line.trim(), abbrev),
    }
}

/// The leading literal keywords of a command's spec (`crypto ipsec df-bit
/// {clear | set | copy}`: 3).
fn spec_keywords(spec: &str) -> usize {
    spec.split_whitespace()
        .take_while(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
        .count()
}

/// The list of lines of the block the top frame edits (the document's root
/// in global configuration).
pub(crate) fn with_current<R>(s: &mut Session, f: impl FnOnce(&mut Vec<Node>) -> R) -> Option<R> {
    let top = s.ios.stack.last().cloned();
    let mut r = s.router();
    let list = match &top {
        Some(IosFrame { mode: IosMode::Config, .. }) | None => Some(&mut r.ios_doc.root),
        Some(fr) => r.ios_doc.at_mut(&fr.path),
    };
    list.map(f)
}

/// Is the top frame global configuration (its block is the document's root)?
fn at_root(s: &Session) -> bool {
    s.ios.stack.last().is_none_or(|f| f.mode == IosMode::Config)
}

/// The position of a top-level line, through the session's block index (a
/// paste of thousands of global lines stays linear).
fn root_find(s: &mut Session, text: &str) -> Option<usize> {
    let mut index = std::mem::take(&mut s.ios.blocks);
    let found = index.find(&s.router().ios_doc.root, text);
    s.ios.blocks = index;
    found
}

/// Keep a verbatim line in the current block (once, unless it is data).
pub fn keep_line(s: &mut Session, text: &str, data: bool) {
    if at_root(s) {
        if data || root_find(s, text).is_none() {
            s.router().ios_doc.root.push(Node::verbatim(text));
        }
        return;
    }
    with_current(s, |list| {
        if data || !list.iter().any(|n| n.text == text) {
            list.push(Node::verbatim(text));
        }
    });
}

/// Keep a line in a block of family `fam`: in `router bgp`, before its
/// address families, as IOS prints them (`neighbor ... remote-as` before
/// `address-family`).
pub fn keep_line_in(s: &mut Session, text: &str, data: bool, fam: &str) {
    let v = vocabulary();
    if !data && (undo_negation(s, text) || replace_setting(s, text, fam)) {
        return;
    }
    if data || fam != "router-bgp" || s.ios.stack.last().is_none_or(|f| f.mode == IosMode::Config) {
        return keep_line(s, text, data);
    }
    with_current(s, |list| {
        if !list.iter().any(|n| n.text == text) {
            let at = list.iter().position(|n| v.child(fam, &n.text, false).is_some()).unwrap_or(list.len());
            list.insert(at, Node::verbatim(text));
        }
    });
}

/// `X` where the block has `no X` takes its place (`cisco_doc::undo_negation`;
/// at the top level through the block index, so a long paste stays linear).
fn undo_negation(s: &mut Session, text: &str) -> bool {
    if at_root(s) {
        let Some(i) = root_find(s, &format!("no {text}")) else { return false };
        s.router().ios_doc.root[i].text = text.to_string();
        return true;
    }
    with_current(s, |list| crate::cisco_doc::undo_negation(list, text)).unwrap_or(false)
}

/// A one-valued setting of the block replaces its earlier value (`cisco_doc::replace_setting`).
fn replace_setting(s: &mut Session, text: &str, fam: &str) -> bool {
    with_current(s, |list| crate::cisco_doc::replace_setting(list, vocabulary(), fam, text)).unwrap_or(false)
}

/// Enter (or re-enter) an unmodelled sub-mode of the current block.
pub fn enter_verbatim(s: &mut Session, header: &str) {
    let parent: Vec<usize> = match s.ios.stack.last() {
        Some(f) if f.mode != IosMode::Config => f.path.clone(),
        _ => Vec::new(),
    };
    if at_root(s) {
        let i = match root_find(s, header) {
            Some(i) => i,
            None => {
                let mut r = s.router();
                r.ios_doc.root.push(Node::verbatim(header));
                r.ios_doc.root.len() - 1
            }
        };
        s.ios.stack.push(IosFrame { mode: IosMode::Verbatim, path: vec![i] });
        return;
    }
    let idx = with_current(s, |list| match list.iter().position(|n| n.text == header) {
        Some(i) => i,
        None => {
            list.push(Node::verbatim(header));
            list.len() - 1
        }
    });
    if let Some(i) = idx {
        let mut path = parent;
        path.push(i);
        s.ios.stack.push(IosFrame { mode: IosMode::Verbatim, path });
    }
}

/// Leave the current block with a word IOS prints: `quit` inside the block,
/// `exit-address-family` (and the like) after it, at the parent's level.
pub fn exit_block(s: &mut Session, word: &str, inside: bool) {
    if inside {
        keep_line(s, word, false);
        s.ios.stack.pop();
        return;
    }
    let Some(frame) = s.ios.stack.pop() else { return };
    let Some((&last, parent)) = frame.path.split_last() else { return };
    let mut r = s.router();
    let list = if parent.is_empty() { Some(&mut r.ios_doc.root) } else { r.ios_doc.at_mut(parent) };
    if let Some(list) = list
        && list.get(last + 1).is_none_or(|n| n.text != word)
    {
        list.insert((last + 1).min(list.len()), Node::verbatim(word));
    }
}

/// The prompt tag of an unmodelled mode (`config-router-af` ...).
pub fn prompt_of(s: &Session) -> Option<&'static str> {
    let lvl = s.ios.stack.len().checked_sub(1)?;
    if s.ios.stack[lvl].mode != IosMode::Verbatim {
        return None;
    }
    vocabulary().family(family_at(s, lvl)).map(|f| f.prompt).filter(|p| !p.is_empty() && *p != "-")
}

/// `exit` from an unmodelled mode: up one level; from an address family
/// (and the like), IOS prints its `exit-address-family` all the same.
pub fn exit_mode(s: &mut Session) {
    if let Some(lvl) = s.ios.stack.len().checked_sub(1)
        && s.ios.stack[lvl].mode == IosMode::Verbatim
    {
        let fam = family_at(s, lvl);
        if let Some((word, false)) = vocabulary().family(fam).and_then(|f| f.exits.first().copied()) {
            return exit_block(s, word, false);
        }
    }
    s.ios.stack.pop();
}

/// Did the line fail on a value where only a value fits (`ip ssh server
/// listen 300.0.0.1`), or end too early? (`crate::cisco_common::value_error`.)
/// Is the line's first word, as typed, a keyword of the current mode's
/// vocabulary (`exec` in a line, where the graph's `exec-timeout` takes
/// `exec` as its abbreviation)? IOS takes the whole keyword before an
/// abbreviation, so the line is the vocabulary's, not a bad value of the
/// abbreviated command.
pub fn vocabulary_names_first_word(s: &Session, line: &str) -> bool {
    let Some(w) = line.split_whitespace().next() else { return false };
    let Some(top) = s.ios.stack.last() else { return false };
    // A keyword of the mode's own commands is theirs (`exec-timeout x` stays a bad value).
    if graphs().get(top.mode).help("").is_ok_and(|items| items.iter().any(|i| i.name == w)) {
        return false;
    }
    let fam = family_at(s, s.ios.stack.len() - 1);
    vocabulary()
        .family(fam)
        .is_some_and(|f| f.words.iter().chain(f.children.iter().map(|(k, _)| k)).any(|k| k.first() == Some(&w)))
}

pub fn value_error(m: IosMode, line: &str, err: &ParseError) -> bool {
    crate::cisco_common::value_error(graphs().get(m), line, err)
}
