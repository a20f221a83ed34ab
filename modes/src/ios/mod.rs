//! The Cisco IOS dialect (seeds 002 and 003): `Router>`/`Router#`, `enable`,
//! `configure terminal`, each line applied as it is entered (no commit), a
//! global command typed in a sub-mode running at the global level, `do`,
//! `show running-config`, `write memory`.
//!
//! The running configuration is an ordered document of lines and blocks
//! ([`IosDoc`]). Lines of the crypto configuration are checked by this
//! dialect's command graphs (`commands/`): a wrong value is rejected with
//! `% Invalid input detected at '^' marker.` and changes nothing. Lines
//! edgesh does not model (routing protocols, QoS, certificates ...) are kept
//! verbatim in their place and listed by `show running-config unsupported`,
//! so `show running-config` gives the user's whole configuration back.
//!
//! `compile.rs` compiles the document into the engine model
//! (`engine::config`) that the SmartEdge dialect feeds; see `docs/dialects.md`.

pub mod acl_check;
pub mod blockindex;
pub mod commands;
pub mod commit;
pub mod compile;
pub mod debug_ikev2;
pub mod defaults;
pub mod diagnose;
pub mod dialect;
pub mod doc;
pub mod esp_events;
pub mod events;
pub mod ikev2;
pub mod json;
pub mod json_ikev2;
pub mod manual;
pub mod modes_tree;
pub mod names;
pub mod pki;
pub mod pki_keys;
pub mod questions;
pub mod range;
pub mod show_acl;
pub mod show_archive;
pub mod show_config;
pub mod show_crypto;
pub mod show_if;
pub mod show_ikev2;
pub mod show_ikev2_conf;
pub mod show_pki;
pub mod show_sa;
pub mod state;
pub mod users;
pub mod vocabulary;
pub mod wording;

pub use doc::{IosDoc, IosFrame, IosMode, Node};
pub use state::IosSession;

/// The file `write memory` writes and the next start loads, in the state directory (`nvram:startup-config`).
pub const STARTUP_FILE: &str = "startup-config";

use crate::out::Out;
use crate::session::Session;
use edgesh_grammar::ParseError;
use std::sync::OnceLock;

/// IOS's command graphs, one per mode.
pub type IosGraphs = crate::cisco_common::ModeGraphs<IosMode>;

pub fn graphs() -> &'static IosGraphs {
    static G: OnceLock<IosGraphs> = OnceLock::new();
    G.get_or_init(|| IosGraphs::build(IosMode::ALL, commands::build))
}

pub fn mode(s: &Session) -> IosMode {
    match s.ios.stack.last() {
        Some(f) => f.mode,
        None if s.ios.privileged => IosMode::Exec,
        None => IosMode::UserExec,
    }
}

pub fn prompt(s: &Session) -> String {
    if let Some(p) = &s.ios.confirm {
        return p.prompt.clone();
    }
    let host = s.router().ios_doc.hostname.clone();
    match mode(s) {
        IosMode::UserExec => format!("{host}>"),
        IosMode::Exec => format!("{host}#"),
        IosMode::Verbatim => format!("{host}({})#", modes_tree::prompt_of(s).unwrap_or("config-unmodelled")),
        IosMode::Interface if range::active(s) => format!("{host}(config-if-range)#"),
        IosMode::Interface if subinterface(s) => format!("{host}(config-subif)#"),
        m => format!("{host}({})#", m.prompt()),
    }
}

/// Is the interface being configured a subinterface (`GigabitEthernet0/0.10`)?
/// IOS's prompt is then `(config-subif)#`.
fn subinterface(s: &Session) -> bool {
    let Some((last, parent)) = s.ios.stack.last().and_then(|f| f.path.split_last()) else { return false };
    let r = s.router();
    r.ios_doc
        .at(parent)
        .and_then(|l| l.get(*last))
        .is_some_and(|n| n.text.split_whitespace().nth(1).is_some_and(|name| name.contains('.')))
}

/// IOS's words for a bad line.
pub const ERROR_WORDS: crate::cisco_common::ErrorWords = crate::cisco_common::ErrorWords {
    invalid: "% Invalid input detected at '^' marker.",
    blank_after_invalid: true,
    ambiguous_prefix: "% ",
    incomplete: "% Incomplete command.",
};

/// IOS's error for a bad line, under its caret.
pub fn report(err: &ParseError, line: &str, indent: usize, out: &mut dyn Out) {
    crate::cisco_common::report(err, line, indent, &ERROR_WORDS, out)
}

/// Run one line in the IOS dialect.
pub fn execute(s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
    range::execute(s, line, indent, out, execute_one)
}

/// Run one line in the current mode (under one interface of a range).
fn execute_one(s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
    if s.ios.confirm.is_some() {
        return questions::answer(s, line, indent, out);
    }
    let m = mode(s);
    if m == IosMode::SshPubkeyData {
        return key_data_line(s, line, out);
    }
    if s.ios.banner.is_some() {
        banner_line(s, line);
        return true;
    }
    // `do` runs an exec command from any configuration mode.
    if m != IosMode::Exec && m != IosMode::UserExec {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("do ").filter(|_| t.len() > 3) {
            let off = line.len() - rest.len();
            return run_in(s, IosMode::Exec, rest, indent + off, out).unwrap_or_else(|e| {
                report(&e, rest, indent + off, out);
                false
            });
        }
    }
    // `no X`: run where X is known (this mode or one above), else refused.
    if m != IosMode::Exec && m != IosMode::UserExec {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("no ").map(str::trim).filter(|r| !r.is_empty()) {
            match modes_tree::no_level(s, rest, line.starts_with(char::is_whitespace)) {
                Some(lvl) => s.ios.stack.truncate(lvl + 1),
                None => {
                    let off = line.len() - rest.len();
                    report(&ParseError::Invalid { offset: off, detail: None }, line, indent, out);
                    s.rejected += 1;
                    return false;
                }
            }
            let m = mode(s);
            return run_in(s, m, line, indent, out).unwrap_or_else(|e| {
                report(&e, line, indent, out);
                s.rejected += 1;
                false
            });
        }
    }
    match run_in(s, m, line, indent, out) {
        Ok(ok) => ok,
        // A trailing `!comment` (seen in configs from other tools): try without it.
        Err(_)
            if line.contains(" !")
                && run_in(s, m, &line[..line.find(" !").unwrap_or(line.len())], indent, out).is_ok() =>
        {
            true
        }
        Err(err) => {
            let in_config = !s.ios.stack.is_empty();
            // A trailing `!comment` (configs from other tools): the line without it.
            if in_config && let Some(i) = line.find(" !").filter(|&i| !line[..i].trim().is_empty()) {
                return execute_one(s, &line[..i], indent, out);
            }
            // Not a command of this mode's graph: an unmodelled sub-mode, a
            // word of the mode's vocabulary, or a command of a mode above
            // (IOS's mode tree, `modes_tree.rs`); else refused.
            if in_config
                && !matches!(err, ParseError::Syntax { .. })
                && (!modes_tree::value_error(m, line, &err) || modes_tree::vocabulary_names_first_word(s, line))
                && let Some(done) = modes_tree::place(s, line, indent, out)
            {
                return done;
            }
            // The caret at the first word no command of this mode or one above takes, as IOS puts it.
            let err = match (err, if in_config { modes_tree::caret(s, line) } else { None }) {
                (ParseError::Invalid { offset, detail }, Some(at)) if at > offset => {
                    ParseError::Invalid { offset: at, detail }
                }
                (e, _) => e,
            };
            if in_config || !unknown_host(s, line, &err, out) {
                report(&err, line, indent, out);
            }
            s.rejected += 1;
            false
        }
    }
}

/// A single word no exec command takes, at `Router>` or `Router#`: IOS
/// takes it for a host name to telnet to and looks it up, printing
/// `Translating "WORD"...domain server (255.255.255.255)` (the broadcast;
/// the configured `ip name-server` addresses instead) or, after
/// `no ip domain lookup`, `Translating "WORD"`, then
/// `% Unknown command or computer name, or unable to find computer address`.
/// edgesh has no resolver, so the name is never found. Several words
/// (`shwo ip route`) keep the caret, and an address is not a name.
fn unknown_host(s: &Session, line: &str, err: &ParseError, out: &mut dyn Out) -> bool {
    let word = line.trim();
    let first_word_refused =
        matches!(err, ParseError::Invalid { offset, .. } if *offset <= line.len() - line.trim_start().len());
    if !first_word_refused
        || word.is_empty()
        || word.contains(char::is_whitespace)
        || word.parse::<std::net::Ipv4Addr>().is_ok()
    {
        return false;
    }
    let r = s.router();
    let root = &r.ios_doc.root;
    let lookup = !root.iter().any(|n| n.text == "no ip domain lookup" || n.text == "no ip domain-lookup");
    if lookup {
        // `ip name-server A [B ...]` (one line or several; `vrf NAME` lines are for other tables).
        let servers: Vec<&str> = root
            .iter()
            .filter_map(|n| n.text.strip_prefix("ip name-server "))
            .filter(|rest| !rest.starts_with("vrf "))
            .flat_map(str::split_whitespace)
            .collect();
        let servers = if servers.is_empty() {
            "(255.255.255.255)".to_string()
        } else {
            servers.iter().map(|a| format!("({a})")).collect::<Vec<_>>().join(" ")
        };
        out.line(&format!("Translating \"{word}\"...domain server {servers}"));
    } else {
        out.line(&format!("Translating \"{word}\""));
    }
    out.line("% Unknown command or computer name, or unable to find computer address");
    true
}

/// `banner TYPE <d>text<d>`: the delimiter is the first character (`^C`
/// as IOS prints it counts as one delimiter); without the closing one, the
/// following lines are the banner's text until a line that has it.
pub fn banner_start(s: &mut Session, head: &str, rest: &str) {
    let delim = if rest.starts_with("^C") {
        "^C".to_string()
    } else {
        rest.chars().next().map(String::from).unwrap_or_default()
    };
    let text = &rest[delim.len()..];
    match text.find(delim.as_str()) {
        Some(end) if !delim.is_empty() => banner_store(s, head, &text[..end]),
        _ => s.ios.banner = Some((head.to_string(), delim, vec![text.to_string()])),
    }
}

fn banner_line(s: &mut Session, line: &str) {
    let Some((head, delim, mut lines)) = s.ios.banner.take() else { return };
    match line.find(delim.as_str()) {
        Some(end) => {
            lines.push(line[..end].to_string());
            banner_store(s, &head, &lines.join("\n"));
        }
        None => {
            lines.push(line.to_string());
            s.ios.banner = Some((head, delim, lines));
        }
    }
}

/// Store a banner as IOS prints it: `banner motd ^C` text `^C` (the text's
/// lines after the first are printed as they are, unindented).
fn banner_store(s: &mut Session, head: &str, body: &str) {
    let text = format!("{head} ^C{body}^C");
    let global = std::mem::take(&mut s.ios.stack);
    s.ios.stack = vec![IosFrame { mode: IosMode::Config, path: Vec::new() }];
    set_line(s, head, &text);
    s.ios.stack = global;
}

/// A line of `key-string` data: base64 (in as many lines as wanted, an
/// OpenSSH `TYPE BASE64 COMMENT` line too) until `exit` (or `end`), which
/// stores the key as IOS does: `key-hash TYPE MD5-HEX [COMMENT]`.
fn key_data_line(s: &mut Session, line: &str, out: &mut dyn Out) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return true;
    }
    if t != "exit" && t != "end" && t != "quit" {
        // An RSA key of 16384 bits is under 3 KiB of base64: 16 KiB is plenty.
        if s.ios.key_data.iter().map(String::len).sum::<usize>() + t.len() > 16 * 1024 {
            out.line("% Key data too long");
            s.rejected += 1;
            return false;
        }
        s.ios.key_data.push(t.to_string());
        return true;
    }
    let data = std::mem::take(&mut s.ios.key_data);
    let user = s.ios.key_user.take();
    s.ios.stack.pop();
    let ok = match (data.is_empty(), user) {
        (true, _) | (_, None) => true,
        (false, Some(user)) => match parse_key_string(&data) {
            Ok(k) => {
                let key = format!("key-hash {} {}", k.algorithm, k.md5_hex());
                let text = if k.comment.is_empty() { key.clone() } else { format!("{key} {}", k.comment) };
                // The line goes in the `username` block the data was typed under.
                let cur = std::mem::replace(&mut s.ios.stack, vec![user]);
                set_line(s, &key, &text);
                s.ios.stack = cur;
                true
            }
            Err(e) => {
                out.line(&format!("% {e}; the key was not stored"));
                s.rejected += 1;
                false
            }
        },
    };
    if t == "end" {
        s.ios.stack.clear();
    }
    ok
}

/// The words of `key-string` data as one key: an optional type, base64 split
/// over any number of lines, an optional comment.
pub fn parse_key_string(lines: &[String]) -> Result<crate::sshconf::ConfKey, String> {
    let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
    let (ty, rest) = match words.split_first() {
        Some((t, r)) if crate::sshconf::KEY_TYPES.contains(t) || t.starts_with("ssh-") => (Some(*t), r),
        _ => (None, &words[..]),
    };
    let mut last = Err("Invalid key data".to_string());
    // The shortest run of words that decodes to a whole key is the key; what follows is the comment.
    for n in 1..=rest.len() {
        let b64: String = rest[..n].concat();
        let text = format!("{} {b64} {}", ty.unwrap_or(""), rest[n..].join(" "));
        match crate::sshconf::ConfKey::parse(text.trim()) {
            Ok(k) => return Ok(k),
            Err(e) => last = Err(e),
        }
    }
    last
}

/// Commands whose every word edgesh models, typed in global configuration
/// or an interface: a word it does not know there is an error, not an
/// unmodelled feature. An interface's own `authentication ...` (802.1X:
/// `authentication port-control auto`) is not the ISAKMP policy's.
fn strict(m: IosMode, line: &str) -> bool {
    let t = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if m == IosMode::Interface && (t == "authentication" || t.starts_with("authentication ")) {
        return false;
    }
    // A radio interface's WEP settings (Aironet `interface Dot11Radio0`).
    if m == IosMode::Interface
        && ["encryption mode ", "encryption vlan ", "encryption key "].iter().any(|p| t.starts_with(p))
    {
        return false;
    }
    [
        "crypto ipsec transform-set",
        "crypto isakmp policy",
        "crypto isakmp key",
        "access-list",
        "encryption",
        "encr",
        "hash",
        "group",
        "authentication",
        "lifetime",
        "integrity",
        "prf",
        "set pfs",
        "set peer",
        "set transform-set",
        "match address",
        "mode",
        "pre-shared-key",
        "ip address",
        "tunnel mode",
        "tunnel source",
        "tunnel destination",
        "tunnel protection",
        "hostname",
        "crypto isakmp identity",
        "crypto isakmp keepalive",
        "crypto isakmp nat keepalive",
        "initiate mode",
        "self-identity",
    ]
    .iter()
    .any(|p| t == *p || t.starts_with(&format!("{p} ")))
}

fn run_in(s: &mut Session, m: IosMode, line: &str, _indent: usize, out: &mut dyn Out) -> Result<bool, ParseError> {
    crate::cisco_common::run_parsed(graphs().get(m), s, line, "% ", out)
}

/// Enter (or create) a block under the current frame's node and push its mode.
pub fn enter_block(s: &mut Session, header: &str, mode: IosMode) {
    let parent_path = match s.ios.stack.last() {
        Some(f) if f.mode != IosMode::Config => f.path.clone(),
        _ => Vec::new(),
    };
    let mut index = std::mem::take(&mut s.ios.blocks);
    let idx = {
        let mut r = s.router();
        let Some(list) = r.ios_doc.at_mut(&parent_path) else { return };
        let found =
            if parent_path.is_empty() { index.find(list, header) } else { list.iter().position(|n| n.text == header) };
        match found {
            Some(i) => i,
            None => {
                list.push(Node { text: header.to_string(), ..Default::default() });
                if parent_path.is_empty() {
                    index.sync(list);
                }
                list.len() - 1
            }
        }
    };
    s.ios.blocks = index;
    let mut path = parent_path;
    path.push(idx);
    s.ios.stack.push(IosFrame { mode, path });
}

/// Set a line of the current block: a line with the same `key` (the
/// command's leading words) is replaced, as IOS does.
pub fn set_line(s: &mut Session, key: &str, text: &str) {
    let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
    let mode = s.ios.stack.last().map(|f| f.mode);
    let global = mode.is_none_or(|m| m == IosMode::Config);
    let mut r = s.router();
    let list = if global { Some(&mut r.ios_doc.root) } else { r.ios_doc.at_mut(&path) };
    let Some(list) = list else { return };
    crate::cisco_doc::set_in(list, key, text, false);
    // An ISAKMP policy's lines in IOS's order, whatever the order typed:
    // `encr`, `hash`, `authentication`, `group`, `lifetime`.
    if mode == Some(IosMode::IsakmpPolicy) {
        let rank = |t: &str| match t.split_whitespace().next() {
            Some("encr" | "encryption") => 0,
            Some("hash") => 1,
            Some("authentication") => 2,
            Some("group") => 3,
            Some("lifetime") => 4,
            _ => 5,
        };
        list.sort_by_key(|n| rank(&n.text));
    }
}

/// Does the current block have a line that starts with `prefix`?
pub fn block_has_line(s: &Session, prefix: &str) -> bool {
    let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
    let global = s.ios.stack.last().is_none_or(|f| f.mode == IosMode::Config);
    let r = s.router();
    let list = if global { Some(&r.ios_doc.root) } else { r.ios_doc.at(&path) };
    list.is_some_and(|l| l.iter().any(|n| n.text.starts_with(prefix)))
}

/// Remove lines of the current block that start with `key` (a `no` command).
pub fn remove_line(s: &mut Session, key: &str) -> bool {
    let path = s.ios.stack.last().map(|f| f.path.clone()).unwrap_or_default();
    let global = s.ios.stack.last().is_none_or(|f| f.mode == IosMode::Config);
    let mut r = s.router();
    let list = if global { Some(&mut r.ios_doc.root) } else { r.ios_doc.at_mut(&path) };
    let Some(list) = list else { return false };
    crate::cisco_doc::remove_in(list, key)
}

/// Apply the lines of a configuration text as IOS does (each line on its
/// own; a bad line reported and skipped). Returns (lines, rejected, messages).
pub fn apply_text(
    router: &std::sync::Arc<std::sync::Mutex<crate::session::Router>>,
    text: &str,
    file: &str,
) -> (usize, usize, Vec<String>) {
    let mut s = Session::new(
        router.clone(),
        crate::session::SessionOptions {
            user: "boot".into(),
            dialect: crate::session::Dialect::Ios,
            ..Default::default()
        },
    );
    s.record_history = false;
    s.ios.privileged = true;
    s.ios.stack = vec![IosFrame { mode: IosMode::Config, path: Vec::new() }];
    let (mut lines, mut rejected, mut msgs) = (0, 0, Vec::new());
    for l in edgesh_grammar::config_lines_iter(text) {
        lines += 1;
        if l.text == "end" {
            break;
        }
        // The header of a saved `show running-config` is not configuration.
        if l.text.starts_with("Building configuration")
            || l.text.starts_with("Current configuration :")
            || (l.text.starts_with("Using ") && l.text.ends_with(" bytes"))
        {
            continue;
        }
        let raw = format!("{}{}", " ".repeat(l.indent), l.text);
        let mut out = crate::out::VecOut::default();
        let abandoned = s.abandoned;
        let ok = s.execute_with_caret(&raw, 0, &mut out);
        if !ok || s.abandoned > abandoned {
            // A paste that never ended (the line ended it and ran) is reported at that line.
            rejected += 1;
            msgs.push(format!("{file}:{}: {}", l.number, l.text));
            msgs.extend(out.0.into_iter().filter(|m| !m.is_empty()).map(|m| format!("{file}:{}: {m}", l.number)));
        }
        if s.ios.stack.is_empty() {
            s.ios.stack = vec![IosFrame { mode: IosMode::Config, path: Vec::new() }];
        }
    }
    // The loaded configuration is running: the engine takes it now.
    drop(s);
    (lines, rejected, msgs)
}

/// A file name of `copy` / `configure replace`: in flash:, nvram: or bootflash: (the state directory; see `crate::statefs`).
pub fn state_file(s: &Session, name: &str) -> Result<std::path::PathBuf, String> {
    let dir = s.router().state_dir.clone();
    crate::statefs::resolve(&dir, crate::session::Dialect::Ios, name)
}

/// `show running-config` with IOS's header.
pub fn show_running(s: &Session, out: &mut dyn Out) {
    let doc = s.router().ios_doc.clone();
    let mut body = crate::out::VecOut::default();
    doc.render(&mut body);
    let bytes: usize = body.0.iter().map(|l| l.len() + 1).sum();
    out.line("Building configuration...");
    out.line("");
    out.line(&format!("Current configuration : {bytes} bytes"));
    for l in &body.0 {
        out.line(l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_mode_builds() {
        for m in IosMode::ALL {
            let _ = commands::build(*m);
        }
    }
}
