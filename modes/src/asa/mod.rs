//! The Cisco ASA dialect (seeds 000 and 002; issue 17): `ciscoasa>`,
//! `ciscoasa#`, `ciscoasa(config)#` and the ASA's sub-modes, `enable`,
//! `configure terminal`, each line applied as it is entered, exec commands
//! (`show ...`) in every mode, `write memory`, `show running-config [crypto
//! | tunnel-group | access-list ...]` with keys as `*****`, and the ASA's
//! `ERROR: %` wording under its caret.
//!
//! The running configuration is an ordered document of lines and blocks
//! (`doc.rs`). Lines edgesh models (interfaces, objects, access lists, the
//! crypto configuration, tunnel-groups: `commands/`) are checked by the
//! command graphs; lines it does not model are kept verbatim in their place
//! when they are commands of their mode (`vocabulary.rs`, in the table
//! format shared with IOS: `crate::vocab`), and refused otherwise.
//!
//! `compile.rs` compiles the document into the engine model
//! (`engine::config`, the one both other dialects feed); `events.rs` words
//! the engine's events as `%ASA-` syslog messages; `pki.rs` gives the
//! tunnel-groups that authenticate with certificates their trustpoints'
//! certificates and keys; `show_sa.rs` prints the SA shows in the ASA's
//! layouts. Nothing here imports another dialect.

pub mod asp;
pub mod commands;
pub mod compile;
pub mod dialect;
pub mod doc;
pub mod esp_events;
pub mod events;
pub mod json;
pub mod pki;
pub mod pki_show;
pub mod pki_terminal;
pub mod ports;
pub mod sessiondb;
pub mod show_acl;
pub mod show_ip;
pub mod show_sa;
pub mod state;
pub mod users;
pub mod vocabulary;
pub mod words;

pub use doc::{AsaDoc, AsaFrame, AsaMode, Node};
pub use state::{AsaRouter, AsaSession};

use crate::out::Out;
use crate::session::{Router, Session};
use edgesh_grammar::ParseError;
use std::sync::{Arc, Mutex, OnceLock};
use vocabulary::vocabulary;

/// The file `write memory` saves to and a start loads, in the state directory.
pub const STARTUP_FILE: &str = "asa-startup-config";

/// The ASA's command graphs, one per mode.
pub type AsaGraphs = crate::cisco_common::ModeGraphs<AsaMode>;

pub fn graphs() -> &'static AsaGraphs {
    static G: OnceLock<AsaGraphs> = OnceLock::new();
    G.get_or_init(|| AsaGraphs::build(AsaMode::ALL, commands::build))
}

pub fn mode(s: &Session) -> AsaMode {
    match s.asa.stack.last() {
        Some(f) => f.mode,
        None if s.privilege >= 15 => AsaMode::Exec,
        None => AsaMode::UserExec,
    }
}

/// The exec mode of the session (exec commands run from every mode, as on the ASA).
pub fn exec_mode(s: &Session) -> AsaMode {
    if s.privilege >= 15 { AsaMode::Exec } else { AsaMode::UserExec }
}

/// The prompt: the ASA ends it with a space (`ciscoasa(config)# `).
pub fn prompt(s: &Session) -> String {
    let host = s.router().asa.doc.hostname.clone();
    match s.asa.stack.last() {
        None if s.privilege >= 15 => format!("{host}# "),
        None => format!("{host}> "),
        Some(f) if f.mode == AsaMode::Verbatim => {
            let tag = vocabulary()
                .family(f.family)
                .map(|x| x.prompt)
                .filter(|p| !p.is_empty())
                .unwrap_or("config-unmodelled");
            format!("{host}({tag})# ")
        }
        Some(f) => format!("{host}({})# ", f.mode.prompt()),
    }
}

/// The ASA's words for a bad line (`ERROR: % Invalid input detected at '^' marker.`).
pub const ERROR_WORDS: crate::cisco_common::ErrorWords = crate::cisco_common::ErrorWords {
    invalid: "ERROR: % Invalid input detected at '^' marker.",
    blank_after_invalid: false,
    ambiguous_prefix: "ERROR: % ",
    incomplete: "ERROR: % Incomplete command",
};

/// The ASA's error for a bad line, under its caret.
pub fn report(err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) {
    crate::cisco_common::report(err, line, indent, &ERROR_WORDS, out)
}

/// Run one line in the ASA dialect.
pub fn execute(s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
    let m = mode(s);
    if matches!(m, AsaMode::Exec | AsaMode::UserExec) {
        return match run_in(s, m, line, out) {
            Ok(ok) => ok,
            Err(e) => refuse(s, &e, line, indent, out),
        };
    }
    let t = line.trim();
    // What frames a pasted `show running-config` (`: Saved`, `ASA Version
    // 9.1(7)`, `Cryptochecksum:...`, `: end`) is not configuration: taken
    // and let go in every configuration mode, as a loaded file takes it.
    if is_listing_frame(t) {
        return true;
    }
    // `no X`: remove what X names in the innermost mode that has it; a `no`
    // form of a command of the mode is kept as configuration (`no crypto
    // map M 10 set tfc-packets`); anything else is refused.
    if let Some(rest) = t.strip_prefix("no ").map(str::trim).filter(|r| !r.is_empty()) {
        return negate(s, rest, line, indent, out);
    }
    // A word that is a whole command of an enclosing mode but only the start
    // of one here (`name` in a DNS server group, where `name-server` is) is
    // that command: the enclosing mode takes the line. Public ASAv setup
    // scripts rely on it (AWS's ASAv notes paste `DNS server-group
    // DefaultDNS`, `name-server A`, then `name A time-a.nist.gov`, unindented).
    if shadowed(s, m, t)
        && let Ok(done) = place(s, line, out)
    {
        return done;
    }
    match run_in(s, m, line, out) {
        Ok(ok) => ok,
        Err(err) => {
            // A kept command typed wrong (`logging bufferd`): its own error.
            let mut err = err;
            if !matches!(err, ParseError::Syntax { .. }) && !value_error(m, line, &err) {
                match place(s, line, out) {
                    Ok(done) => return done,
                    Err(Some(kept)) => err = kept,
                    Err(None) => {}
                }
            }
            // Exec commands (`show ...`) run in every configuration mode.
            if let Ok(ok) = run_in(s, exec_mode(s), line, out) {
                return ok;
            }
            // A word that abbreviates two keywords of the mode's kept commands.
            let fam = family_at(s, s.asa.stack.len().saturating_sub(1));
            let err = match (&err, vocabulary().ambiguous(fam, line)) {
                (ParseError::Invalid { .. }, Some(amb)) if !s.asa.stack.is_empty() => amb,
                _ => err,
            };
            refuse(s, &err, line, indent, out)
        }
    }
}

/// Is the first word of `t` no command of mode `m` (only a prefix of one)
/// but a whole command word of an enclosing mode (its graph or vocabulary)?
fn shadowed(s: &Session, m: AsaMode, t: &str) -> bool {
    let Some(word) = t.split_whitespace().next().map(str::to_ascii_lowercase) else { return false };
    let exact = |g: AsaMode| first_words(g).contains(&word);
    let depth = s.asa.stack.len();
    depth > 1
        && !exact(m)
        && !vocabulary().knows(family_at(s, depth - 1), t, false)
        && (0..depth - 1).any(|lvl| exact(s.asa.stack[lvl].mode) || vocabulary().knows(family_at(s, lvl), t, false))
}

/// The first words of a mode's commands (its graph's), computed once.
fn first_words(m: AsaMode) -> &'static std::collections::HashSet<String> {
    static W: OnceLock<std::collections::HashMap<AsaMode, std::collections::HashSet<String>>> = OnceLock::new();
    static NONE: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    W.get_or_init(|| {
        AsaMode::ALL
            .iter()
            .map(|&m| {
                (m, graphs().get(m).help("").map(|v| v.into_iter().map(|i| i.name).collect()).unwrap_or_default())
            })
            .collect()
    })
    .get(&m)
    .unwrap_or_else(|| NONE.get_or_init(Default::default))
}

fn refuse(s: &mut Session, err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) -> bool {
    report(err, line, indent, out);
    s.rejected += 1;
    false
}

/// Did the line fail on a value where only a value fits, or end too early?
/// Then it is a modelled command typed wrong, refused whatever the vocabulary holds.
fn value_error(m: AsaMode, line: &str, err: &ParseError) -> bool {
    crate::cisco_common::value_error(graphs().get(m), line, err)
}

/// The vocabulary family of the frame at `level`.
fn family_at(s: &Session, level: usize) -> &'static str {
    s.asa
        .stack
        .get(level)
        .map(|f| if f.mode == AsaMode::Verbatim { f.family } else { f.mode.family() })
        .unwrap_or("none")
}

/// Place a line no graph of the current mode accepts: a modelled command of
/// an enclosing mode runs there (and the mode becomes that one, as on the
/// ASA); a command of a mode's vocabulary is kept in that mode's block, a
/// sub-mode of it is entered. `Err`: refuse it, with the error of a kept
/// command whose words after its keywords are wrong (`ssh version 3`).
fn place(s: &mut Session, line: &str, out: &mut dyn Out) -> Result<bool, Option<ParseError>> {
    let v = vocabulary();
    let t = line.trim();
    let mut bad = None;
    'pass: for abbrev in [false, true] {
        let depth = s.asa.stack.len();
        for lvl in (0..depth).rev() {
            let pm = s.asa.stack[lvl].mode;
            if lvl + 1 < depth && graphs().get(pm).parse(line).is_ok() {
                let saved = s.asa.stack.clone();
                s.asa.stack.truncate(lvl + 1);
                return match run_in(s, pm, line, out) {
                    Ok(ok) => Ok(ok),
                    Err(_) => {
                        s.asa.stack = saved;
                        Err(None)
                    }
                };
            }
            let fam = family_at(s, lvl);
            if let Some((word, inside)) = v.exit(fam, t) {
                s.asa.stack.truncate(lvl + 1);
                if inside {
                    keep_line(s, word, false);
                }
                let closed = s.asa.stack.pop();
                // `exit-address-family`: the ASA prints it in the enclosing block, right after the block it closes.
                if let (false, Some(at)) = (inside, closed.and_then(|f| f.path.last().copied())) {
                    with_current(s, |list| {
                        if list.get(at + 1).is_none_or(|n| n.text != word) {
                            list.insert((at + 1).min(list.len()), Node::verbatim(word));
                        }
                    });
                }
                return Ok(true);
            }
            if !abbrev && v.opens_when_abbreviated(fam, t) {
                continue 'pass;
            }
            if abbrev && v.ambiguous_word(fam, t).is_some() {
                continue;
            }
            // An abbreviated line is kept with its keywords in full, as the ASA prints it.
            if let Some(child) = v.child(fam, t, abbrev) {
                if let Err(e) = vocabulary::check_line(fam, line, abbrev) {
                    bad.get_or_insert(e);
                    continue;
                }
                s.asa.stack.truncate(lvl + 1);
                let full = if abbrev { v.full_keywords(fam, t) } else { t.to_string() };
                enter_verbatim(s, &full, child);
                return Ok(true);
            }
            // An indented line of a pasted block that the block does not know
            // is refused there, not taken for a global command that the
            // vocabulary knows by its first keywords (as in the IOS dialect).
            if lvl == 0 && depth > 1 && line.starts_with(char::is_whitespace) {
                continue;
            }
            if v.knows(fam, t, abbrev) {
                // The whole line, where the command's syntax is known.
                if let Err(e) = vocabulary::check_line(fam, line, abbrev) {
                    bad.get_or_insert(e);
                    continue;
                }
                s.asa.stack.truncate(lvl + 1);
                let data = v.family(fam).is_some_and(|f| f.data);
                let full = if abbrev && !data { v.full_keywords(fam, t) } else { t.to_string() };
                // A one-valued setting replaces its old value; `X` takes the place of `no X`.
                let set = !data
                    && with_current(s, |list| {
                        crate::cisco_doc::undo_negation(list, &full)
                            || crate::cisco_doc::replace_setting(list, v, fam, &full)
                    })
                    .unwrap_or(false);
                if !set {
                    // Banner lines repeat as typed (two `banner motd` lines with no text are two
                    // empty lines of the banner), as data lines do.
                    let repeats = data || full.split_whitespace().next() == Some("banner");
                    keep_line(s, &full, repeats);
                }
                return Ok(true);
            }
        }
    }
    Err(bad)
}

/// `no X` in configuration mode.
fn negate(s: &mut Session, rest: &str, line: &str, indent: usize, out: &mut dyn Out) -> bool {
    let v = vocabulary();
    // A `no` form the mode models itself (an interface's `no nameif`,
    // which the ASA shows as a line of the interface).
    let m = mode(s);
    if graphs().get(m).parse(line).is_ok_and(|p| p.command.spec.starts_with("no ")) {
        return match run_in(s, m, line, out) {
            Ok(ok) => ok,
            Err(e) => refuse(s, &e, line, indent, out),
        };
    }
    // An entry with a port is stored with the port as the ASA prints it (`eq 443` is `eq https`).
    let group = ports::group_protocol(s);
    // `no access-list NAME line N ...` names the entry without its line number.
    let w: Vec<&str> = rest.split_whitespace().collect();
    let unlined = match w.as_slice() {
        ["access-list", name, "line", n, tail @ ..] if n.parse::<u32>().is_ok() => {
            format!("access-list {name} {}", tail.join(" "))
        }
        _ => rest.to_string(),
    };
    let shown = ports::shown_line(&unlined, group.as_deref());
    for lvl in (0..s.asa.stack.len()).rev() {
        let saved = s.asa.stack.clone();
        s.asa.stack.truncate(lvl + 1);
        if remove_line(s, rest) || (shown != rest && remove_line(s, &shown)) {
            return true;
        }
        let m = s.asa.stack[lvl].mode;
        let known = graphs().get(m).parse(rest).is_ok_and(|p| !p.command.spec.starts_with("no "))
            || v.knows(family_at(s, lvl), rest, false);
        if known {
            keep_line(s, &format!("no {rest}"), false);
            return true;
        }
        s.asa.stack = saved;
    }
    let off = line.len() - line.trim_start().len() + 3;
    // The caret under the first wrong word: past `no` when the mode has `no` forms of that command.
    let err = match graphs().get(m).parse(line) {
        Err(e @ ParseError::Invalid { offset, .. }) if offset > off => e,
        _ => ParseError::Invalid { offset: off, detail: None },
    };
    refuse(s, &err, line, indent, out)
}

pub(crate) fn run_in(s: &mut Session, m: AsaMode, line: &str, out: &mut dyn Out) -> Result<bool, ParseError> {
    crate::cisco_common::run_parsed(graphs().get(m), s, line, "ERROR: ", out)
}

/// The block list the top frame edits (the document's root in global configuration).
fn with_current<R>(s: &mut Session, f: impl FnOnce(&mut Vec<Node>) -> R) -> Option<R> {
    let top = s.asa.stack.last().cloned();
    let mut r = s.router();
    let list = match &top {
        Some(AsaFrame { mode: AsaMode::Config, .. }) | None => Some(&mut r.asa.doc.root),
        Some(fr) => r.asa.doc.at_mut(&fr.path),
    };
    list.map(f)
}

/// Enter (or create) a block under the current frame's node and push its mode.
pub fn enter_block(s: &mut Session, header: &str, mode: AsaMode) {
    enter(s, Node { text: header.to_string(), ..Default::default() }, mode, mode.family());
}

/// Enter (or re-enter) an unmodelled sub-mode of the current block.
fn enter_verbatim(s: &mut Session, header: &str, family: &'static str) {
    enter(s, Node::verbatim(header), AsaMode::Verbatim, family);
}

/// Enter the block `node` names in the current block (added if it is not there).
fn enter(s: &mut Session, node: Node, mode: AsaMode, family: &'static str) {
    let parent = match s.asa.stack.last() {
        Some(f) if f.mode != AsaMode::Config => f.path.clone(),
        _ => Vec::new(),
    };
    let idx = with_current(s, |list| match list.iter().position(|n| n.text == node.text) {
        Some(i) => i,
        None => {
            list.push(node);
            list.len() - 1
        }
    });
    if let Some(i) = idx {
        let mut path = parent;
        path.push(i);
        s.asa.stack.push(AsaFrame { mode, path, family });
    }
}

/// Set a line of the current block: a line with the same `key` (the
/// command's leading words) is replaced in place; without a key the line is
/// added (once).
pub fn set_line(s: &mut Session, key: &str, text: &str) {
    with_current(s, |list| {
        // The ASA's shown `no KEY` (`no nameif`) is the same setting unset: replaced in place.
        let unset = format!("no {key}");
        match list.iter().position(|n| !key.is_empty() && n.text == unset) {
            Some(i) => list[i] = Node { text: text.to_string(), ..Default::default() },
            None => crate::cisco_doc::set_in(list, key, text, true),
        }
    });
}

/// Unset the setting `key` of the current block as the ASA shows it: its
/// line (or an earlier `no KEY`) becomes `no KEY` in place, else `no KEY`
/// is added (an interface's `no nameif`, `no security-level`, `no ip address`).
pub fn unset_line(s: &mut Session, key: &str) {
    let unset = format!("no {key}");
    with_current(s, |list| {
        let at = list.iter().position(|n| n.text == unset || crate::cisco_doc::keyed(&n.text, key));
        let node = Node { text: unset.clone(), ..Default::default() };
        match at {
            Some(i) => list[i] = node,
            None => list.push(node),
        }
    });
}

/// Add a line to the current block (once: `access-list` entries are kept once).
pub fn add_line(s: &mut Session, text: &str) {
    set_line(s, "", text);
}

/// Keep a verbatim line in the current block (once, unless it is data).
pub fn keep_line(s: &mut Session, text: &str, data: bool) {
    with_current(s, |list| {
        if data || !list.iter().any(|n| n.text == text) {
            list.push(Node::verbatim(text));
        }
    });
}

/// Remove the lines of the current block that start with `key` (a `no` command).
pub fn remove_line(s: &mut Session, key: &str) -> bool {
    with_current(s, |list| crate::cisco_doc::remove_in(list, key)).unwrap_or(false)
}

/// The header of the block the top frame edits (`None` in global configuration).
pub fn current_header(s: &Session) -> Option<String> {
    let f = s.asa.stack.last().filter(|f| f.mode != AsaMode::Config)?;
    let (last, parent) = f.path.split_last()?;
    s.router().asa.doc.at(parent)?.get(*last).map(|n| n.text.clone())
}

/// Does the running document have a top-level line `text`?
pub fn has_top(r: &Router, text: &str) -> bool {
    r.asa.doc.root.iter().any(|n| n.text == text)
}

/// The engine takes the running document when it changed since it last did
/// (leaving configuration mode, loading a file, a crypto show).
pub fn sync(r: &mut Router) {
    if r.asa.compiled.as_ref() != Some(&r.asa.doc) {
        r.asa.compiled = Some(r.asa.doc.clone());
        r.engine_sync();
    }
}

/// A line `show running-config` prints around the configuration: a `:`
/// comment (`: Saved`, `: Hardware: ...`, `: end`), the version line, the
/// checksum.
pub fn is_listing_frame(t: &str) -> bool {
    t.starts_with(':')
        || t.starts_with("ASA Version ")
        || t.starts_with("PIX Version ")
        || t.starts_with("Cryptochecksum:")
}

/// Apply the lines of a configuration text as the ASA does (each line on its
/// own; a bad line reported and skipped; an unindented line is a global
/// command, or when it is none, a command of the mode the previous line
/// left). Returns (lines, rejected, messages).
pub fn apply_text(router: &Arc<Mutex<Router>>, text: &str, file: &str) -> (usize, usize, Vec<String>) {
    let mut s = Session::new(
        router.clone(),
        crate::session::SessionOptions {
            user: "boot".into(),
            dialect: crate::session::Dialect::Asa,
            ..Default::default()
        },
    );
    s.record_history = false;
    s.privilege = 15;
    let global = || vec![AsaFrame { mode: AsaMode::Config, path: Vec::new(), family: "global" }];
    s.asa.stack = global();
    let (mut lines, mut rejected, mut msgs) = (0, 0, Vec::new());
    for l in edgesh_grammar::config_lines_iter(text) {
        lines += 1;
        let t = l.text.trim();
        // What `show running-config` prints around the configuration is not configuration.
        if is_listing_frame(t) || t == "end" {
            continue;
        }
        let before = s.asa.stack.clone();
        if l.indent == 0 {
            s.asa.stack = global();
        }
        let mut out = crate::out::VecOut::default();
        let abandoned = s.abandoned;
        let mut ok = s.execute_with_caret(t, 0, &mut out);
        // A script written to be pasted at the terminal (the cloud providers'
        // ASA templates) leaves sub-mode lines unindented (`group-policy G
        // attributes` then `vpn-filter value A`): a line that is no global
        // command is read in the mode the previous line left, as the ASA's
        // modal CLI reads it.
        if !ok && l.indent == 0 && before.len() > 1 {
            s.asa.stack = before;
            ok = s.execute_with_caret(t, 0, &mut crate::out::VecOut::default());
            if !ok {
                s.asa.stack = global();
            }
        }
        // A paste that never ended (the line ended it and ran) is reported at that line.
        if !ok || s.abandoned > abandoned {
            rejected += 1;
            msgs.push(format!("{file}:{}: {}", l.number, l.text));
            msgs.extend(out.0.into_iter().filter(|m| !m.is_empty()).map(|m| format!("{file}:{}: {m}", l.number)));
        }
        if s.asa.stack.is_empty() {
            s.asa.stack = global();
        }
    }
    s.asa.stack.clear();
    drop(s);
    if let Ok(mut r) = router.lock() {
        sync(&mut r);
    }
    (lines, rejected, msgs)
}

/// `show running-config` / `more system:running-config` (keys in clear).
pub fn show_running(s: &Session, masked: bool, out: &mut dyn Out) {
    let doc = s.router().asa.doc.clone();
    doc.render(masked, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_mode_builds() {
        for m in AsaMode::ALL {
            let _ = commands::build(*m);
        }
    }
}
