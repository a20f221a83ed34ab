//! What the two Cisco dialects (IOS in `ios/`, ASA in `asa/`) share, so that
//! neither folder imports the other: the command graphs by mode, the canonical text of a parsed line, the
//! caret report of a bad line (each dialect passes its own wording), running
//! a parsed line's handler, and the test of a value typed wrong. The
//! access-list entry checks are in `cisco_acl.rs`, the running document's
//! node and its edits in `cisco_doc.rs`, the vocabulary table in `vocab.rs`.

use crate::out::Out;
use crate::session::{Args, CmdResult, Handler, Session};
use edgesh_grammar::{Graph, ParseError};

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
        fn $name(
            s: &mut $crate::session::Session,
            a: &$crate::session::Args,
            _: &mut dyn $crate::out::Out,
        ) -> $crate::session::CmdResult {
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
        fn $name(
            s: &mut $crate::session::Session,
            a: &$crate::session::Args,
            _: &mut dyn $crate::out::Out,
        ) -> $crate::session::CmdResult {
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
        ParseError::Ambiguous { .. } => {
            out.line(&format!("{}Ambiguous command:  \"{}\"", words.ambiguous_prefix, line.trim()))
        }
        ParseError::Incomplete => out.line(words.incomplete),
        ParseError::Empty => {}
    }
}

/// Parse a line against a graph and run its handler; a handler's error is
/// printed after `prefix` (`% ` / `ERROR: `) and counted as a rejected line.
pub fn run_parsed(
    g: &'static Graph<Handler>,
    s: &mut Session,
    line: &str,
    prefix: &str,
    out: &mut dyn Out,
) -> Result<bool, ParseError> {
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
        ParseError::Invalid { offset, detail: None } if *offset > 0 => match g.help(&line[..(*offset).min(line.len())])
        {
            Ok(items) => {
                !items.is_empty()
                    && items.iter().all(|i| {
                        i.name != "<cr>" && (i.name.starts_with('<') || i.name.chars().any(|c| c.is_ascii_uppercase()))
                    })
            }
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
