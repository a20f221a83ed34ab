//! The command graph of edgesh.
//!
//! One [`Graph`] per mode holds every command that mode accepts, each written
//! in the small spec language of `grammars/spec.pest` (after FRR's
//! `lib/command_graph.c`). Everything the shell does with a command line comes
//! from that one graph: matching with unique-prefix abbreviation
//! ([`Graph::parse`]), the `?` listing ([`Graph::help`]), TAB completion
//! ([`Graph::complete`]) and the position of the caret under a bad token;
//! a handler reads what a line bound through [`Args`] (by label, typed).
//!
//! The spec language is a pest grammar (`grammars/spec.pest`); whole
//! configuration files are split into lines by [`config_lines`].

mod args;
mod config_file;
mod param;
mod spec;
mod token;

pub use args::Args;
pub use config_file::{ConfigLine, config_lines, config_lines_iter};
pub use param::ParamKind;
pub use spec::SpecError;
pub use token::{Token, TokenizeError, tokenize};

use spec::{Atom, AtomKind, Nfa};

/// How well one token matched one atom; higher wins (FRR's precedence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Word = 1,
    PartialKeyword = 2,
    Typed = 3,
    ExactKeyword = 4,
}

/// One command of a mode.
#[derive(Debug)]
pub struct Command<T> {
    pub spec: String,
    pub payload: T,
    pub hidden: bool,
    atoms: Vec<Atom>,
    nfa: Nfa,
}

/// The command graph of one mode.
#[derive(Debug)]
pub struct Graph<T> {
    commands: Vec<Command<T>>,
    /// Every prefix of every first keyword -> the commands (sorted) whose first
    /// keyword it abbreviates, to find the commands a first word can start
    /// without trying every command: one hash lookup per line.
    by_prefix: std::collections::HashMap<String, Vec<usize>>,
    /// Commands that can start with a parameter.
    param_first: Vec<usize>,
}

impl<T> Default for Graph<T> {
    fn default() -> Self {
        Graph { commands: Vec::new(), by_prefix: std::collections::HashMap::new(), param_first: Vec::new() }
    }
}

/// The `no` form of a command, declared with the command
/// ([`Graph::add_negatable`]): one declaration, one handler (which asks
/// [`Args::negated`]), the help written once.
#[derive(Clone, Copy, Debug)]
pub struct NoForm<'a> {
    /// The help of the `no` keyword (the dialect's words).
    pub no_help: &'a str,
    /// What follows `no`: the command's leading keywords, then usually its
    /// values made optional (`lifetime [seconds] [<300-99999999>:seconds]`).
    pub spec: &'a str,
    /// The help of the last leading keyword in the `no` form when it says
    /// something else there (`Set the default (64 packets)`). Every other
    /// atom takes the help of the command's atom written the same way.
    pub help: Option<&'a str>,
}

/// A value bound while matching: a keyword (its full text) or a parameter.
/// Keys and keyword values borrow from the graph, so a parse allocates only
/// for parameter values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding<'g> {
    /// The keyword text, or the parameter label (`NAME`, `A.B.C.D`, or the
    /// label after the colon).
    pub key: &'g str,
    /// The full keyword, or the parameter's text as typed.
    pub value: std::borrow::Cow<'g, str>,
    /// Index of the token this binding consumed.
    pub token: usize,
    /// A keyword rather than a parameter.
    pub keyword: bool,
}

/// A successful parse: which command and what it bound.
#[derive(Debug)]
pub struct Match<'g, T> {
    pub command: &'g Command<T>,
    pub bindings: Vec<Binding<'g>>,
}

impl<'g, T> Match<'g, T> {
    /// The value bound to `key` (a keyword or a parameter label), if any.
    /// A parameter with that label wins over a keyword of the same text.
    pub fn get(&self, key: &str) -> Option<&str> {
        args::lookup(&self.bindings, key).map(|b| &*b.value)
    }
    /// Every value bound to `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.bindings.iter().filter(|b| b.key == key).map(|b| &*b.value).collect()
    }
    pub fn has(&self, key: &str) -> bool {
        self.bindings.iter().any(|b| b.key == key)
    }
    /// A bound number (the spec's `<lo-hi>` already checked the range).
    pub fn num(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
    /// What the command's handler reads: the bindings, typed ([`Args`]), and the line.
    pub fn into_args(self, line: &str) -> Args<'g> {
        Args { bindings: self.bindings, line: line.to_string() }
    }
}

/// Why a line did not parse. Offsets are byte offsets into the line, for the caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// No command in this mode accepts the token at `offset`.
    Invalid { offset: usize, detail: Option<String> },
    /// The token at `offset` is a prefix of several keywords.
    Ambiguous { offset: usize, word: String, candidates: Vec<String> },
    /// The line is a correct beginning of a command but stops too early.
    Incomplete,
    /// Nothing but blanks.
    Empty,
    /// An unterminated quote or similar.
    Syntax { offset: usize, message: String },
}

impl ParseError {
    /// Did the very first token fail? (Then a parent mode may know the line.)
    pub fn at_first_token(&self, line: &str) -> bool {
        let first = line.len() - line.trim_start().len();
        match self {
            ParseError::Invalid { offset, .. } | ParseError::Ambiguous { offset, .. } => *offset == first,
            ParseError::Incomplete | ParseError::Empty | ParseError::Syntax { .. } => false,
        }
    }
}

/// One line of the `?` listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpItem {
    /// What to type: a keyword, a parameter form (`<1-16>`, `WORD`) or `<cr>`.
    pub name: String,
    pub help: String,
}

/// What TAB does to the last word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Text to append to the line (the rest of the word, and a space when unique).
    Insert(String),
    /// Several keywords fit and share nothing more: list them.
    Choices(Vec<HelpItem>),
    /// Nothing fits.
    None,
}

#[derive(Clone, Debug)]
struct Path {
    cmd: usize,
    state: usize,
    /// (atom, token) pairs; turned into [`Binding`]s only for the accepted path.
    /// Inline up to 12 (no allocation per path and token for ordinary lines).
    bindings: smallvec::SmallVec<[(u32, u32); 12]>,
    /// A LINE parameter consumed the rest of the input.
    done: bool,
}

impl<T> Graph<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a command. `helps` gives one help string per atom of the spec, in
    /// the order the atoms are written.
    pub fn add(&mut self, spec: &str, helps: &[&str], payload: T) -> Result<(), SpecError> {
        self.add_full(spec, helps, payload, false)
    }

    /// Add a command that parses but does not appear in `?` or TAB.
    pub fn add_hidden(&mut self, spec: &str, helps: &[&str], payload: T) -> Result<(), SpecError> {
        self.add_full(spec, helps, payload, true)
    }

    /// Add a command and its `no` form (`no` + `no.spec`), both running
    /// `payload`. The `no` form's help comes from the command's.
    pub fn add_negatable(&mut self, spec: &str, helps: &[&str], no: NoForm<'_>, payload: T) -> Result<(), SpecError>
    where
        T: Clone,
    {
        let (texts, _) = spec::atom_texts(spec)?;
        let (no_texts, lead) = spec::atom_texts(no.spec)?;
        let mut no_helps = vec![no.no_help];
        for (i, t) in no_texts.iter().enumerate() {
            let h = match no.help {
                Some(h) if lead > 0 && i + 1 == lead => h,
                _ => match texts.iter().position(|x| x == t) {
                    Some(j) => helps.get(j).copied().unwrap_or(""),
                    None => {
                        return Err(SpecError::Syntax(format!("`no {}`: `{t}` is not an atom of `{spec}`", no.spec)));
                    }
                },
            };
            no_helps.push(h);
        }
        self.add_full(spec, helps, payload.clone(), false)?;
        self.add_full(&format!("no {}", no.spec), &no_helps, payload, false)
    }

    /// The help of each atom of a command, as `?` lists it: (what to type, help).
    pub fn atom_helps(c: &Command<T>) -> Vec<(String, String)> {
        c.atoms.iter().map(|a| (a.display(), a.help.clone())).collect()
    }

    fn add_full(&mut self, spec: &str, helps: &[&str], payload: T, hidden: bool) -> Result<(), SpecError> {
        let (atoms, nfa) = spec::compile(spec, helps)?;
        let mut first = Some(Vec::new());
        for &st in nfa.closure(nfa.start) {
            for &(a, _) in &nfa.states[st].edges {
                match (&atoms[a].kind, first.as_mut()) {
                    (AtomKind::Keyword(k), Some(v)) => v.push(k.clone()),
                    (AtomKind::Param(_), _) => first = None,
                    _ => {}
                }
            }
        }
        let idx = self.commands.len();
        match &first {
            Some(kws) => {
                for k in kws {
                    for (end, _) in k.char_indices().skip(1).chain(std::iter::once((k.len(), ' '))) {
                        let v = self.by_prefix.entry(k[..end].to_string()).or_default();
                        if v.last() != Some(&idx) {
                            v.push(idx);
                        }
                    }
                }
            }
            None => self.param_first.push(idx),
        }
        self.commands.push(Command { spec: spec.to_string(), payload, hidden, atoms, nfa });
        Ok(())
    }

    pub fn commands(&self) -> impl Iterator<Item = &Command<T>> {
        self.commands.iter()
    }

    fn start_paths(&self) -> Vec<Path> {
        self.start_paths_for(None)
    }

    /// Paths for the commands that can start with `first` (all if `None`):
    /// a line is only run through the commands whose first word could match.
    fn start_paths_for(&self, first: Option<&Token>) -> Vec<Path> {
        let mut cmds: Vec<usize> = match first {
            None => (0..self.commands.len()).collect(),
            Some(t) => {
                let w: std::borrow::Cow<'_, str> = if t.text.bytes().any(|b| b.is_ascii_uppercase()) {
                    t.text.to_ascii_lowercase().into()
                } else {
                    std::borrow::Cow::Borrowed(&*t.text)
                };
                let kw: &[usize] = self.by_prefix.get(&*w).map(Vec::as_slice).unwrap_or(&[]);
                let mut v: Vec<usize> = Vec::with_capacity(kw.len() + self.param_first.len());
                v.extend_from_slice(kw);
                if !self.param_first.is_empty() {
                    v.extend_from_slice(&self.param_first);
                    v.sort_unstable();
                    v.dedup();
                }
                v
            }
        };
        cmds.dedup();
        let mut paths = Vec::new();
        for ci in cmds {
            let c = &self.commands[ci];
            for &s in c.nfa.closure(c.nfa.start) {
                paths.push(Path { cmd: ci, state: s, bindings: smallvec::SmallVec::new(), done: false });
            }
        }
        paths
    }

    /// Advance every path over one token; returns the surviving paths or the error.
    fn step(&self, paths: &[Path], tokens: &[Token], i: usize) -> Result<Vec<Path>, ParseError> {
        let tok = &tokens[i];
        let lower: std::borrow::Cow<'_, str> = if tok.text.bytes().any(|b| b.is_ascii_uppercase()) {
            tok.text.to_ascii_lowercase().into()
        } else {
            std::borrow::Cow::Borrowed(&*tok.text)
        };
        // (rank, path index, atom index, next state)
        let mut cands: smallvec::SmallVec<[(Rank, usize, usize, usize); 16]> = smallvec::SmallVec::new();
        let mut detail: Option<String> = None;
        for (pi, p) in paths.iter().enumerate() {
            if p.done {
                continue;
            }
            let c = &self.commands[p.cmd];
            for &(atom_idx, next) in &c.nfa.states[p.state].edges {
                let rank = match &c.atoms[atom_idx].kind {
                    AtomKind::Keyword(k) => {
                        if *lower == **k {
                            Rank::ExactKeyword
                        } else if !lower.is_empty() && k.starts_with(&*lower) && !tok.quoted {
                            Rank::PartialKeyword
                        } else {
                            continue;
                        }
                    }
                    AtomKind::Param(ParamKind::Line) => Rank::Word,
                    AtomKind::Param(kind) => match kind.check(&tok.text) {
                        Ok(()) if kind.is_typed() => Rank::Typed,
                        Ok(()) => Rank::Word,
                        Err(why) => {
                            if detail.is_none() {
                                detail = why;
                            }
                            continue;
                        }
                    },
                };
                cands.push((rank, pi, atom_idx, next));
            }
        }
        let Some(best) = cands.iter().map(|c| c.0).max() else {
            return Err(ParseError::Invalid { offset: tok.start, detail });
        };
        if best == Rank::PartialKeyword {
            let mut words: Vec<&str> = cands
                .iter()
                .filter(|c| c.0 == best)
                .filter_map(|c| match &self.commands[paths[c.1].cmd].atoms[c.2].kind {
                    AtomKind::Keyword(k) => Some(k.as_str()),
                    AtomKind::Param(_) => None,
                })
                .collect();
            words.sort_unstable();
            words.dedup();
            if words.len() > 1 {
                return Err(ParseError::Ambiguous {
                    offset: tok.start,
                    word: tok.text.to_string(),
                    candidates: words.iter().map(|w| w.to_string()).collect(),
                });
            }
        }
        let mut out = Vec::new();
        for (rank, pi, atom_idx, next) in cands {
            if rank != best {
                continue;
            }
            let p = &paths[pi];
            let c = &self.commands[p.cmd];
            let done = matches!(c.atoms[atom_idx].kind, AtomKind::Param(ParamKind::Line));
            for &s in c.nfa.closure(next) {
                let mut bindings = p.bindings.clone();
                bindings.push((atom_idx as u32, i as u32));
                out.push(Path { cmd: p.cmd, state: s, bindings, done });
            }
        }
        Ok(out)
    }

    /// The bindings of an accepted path, as strings.
    fn bind<'g>(&'g self, p: &Path, tokens: &[Token], line: &str) -> Vec<Binding<'g>> {
        let c = &self.commands[p.cmd];
        p.bindings
            .iter()
            .map(|&(a, t)| {
                let atom = &c.atoms[a as usize];
                let tok = &tokens[t as usize];
                let (value, keyword) = match &atom.kind {
                    AtomKind::Keyword(k) => (std::borrow::Cow::Borrowed(k.as_str()), true),
                    AtomKind::Param(ParamKind::Line) => {
                        (std::borrow::Cow::Owned(line[tok.start..].trim_end().to_string()), false)
                    }
                    AtomKind::Param(_) => (std::borrow::Cow::Owned(tok.text.to_string()), false),
                };
                Binding { key: atom.key.as_str(), value, token: t as usize, keyword }
            })
            .collect()
    }

    /// Run the paths over all tokens.
    fn run(&self, tokens: &[Token]) -> Result<Vec<Path>, ParseError> {
        let mut paths = self.start_paths_for(tokens.first().filter(|t| !t.quoted));
        for i in 0..tokens.len() {
            if !paths.is_empty() && paths.iter().all(|p| p.done) {
                break;
            }
            paths = self.step(&paths, tokens, i)?;
        }
        Ok(paths)
    }

    /// Parse a whole line into a command of this mode.
    pub fn parse(&self, line: &str) -> Result<Match<'_, T>, ParseError> {
        let tokens = tokenize(line).map_err(|e| ParseError::Syntax { offset: e.offset, message: e.message })?;
        if tokens.is_empty() {
            return Err(ParseError::Empty);
        }
        let paths = self.run(&tokens)?;
        let accepted =
            paths.iter().filter(|p| p.done || self.commands[p.cmd].nfa.states[p.state].accept).min_by_key(|p| p.cmd);
        match accepted {
            Some(p) => Ok(Match { command: &self.commands[p.cmd], bindings: self.bind(p, &tokens, line) }),
            None => Err(ParseError::Incomplete),
        }
    }

    /// Does the first word of `line` name a command of this mode?
    pub fn knows_first_word(&self, line: &str) -> bool {
        match tokenize(line) {
            Ok(t) if !t.is_empty() => self.step(&self.start_paths(), &t, 0).is_ok(),
            _ => false,
        }
    }

    /// Split `line` into the complete words and the word being typed.
    fn split_partial(line: &str) -> Result<(Vec<Token<'_>>, Option<Token<'_>>), ParseError> {
        let mut tokens = tokenize(line).map_err(|e| ParseError::Syntax { offset: e.offset, message: e.message })?;
        let partial =
            if line.ends_with(|c: char| c.is_whitespace()) || tokens.is_empty() { None } else { tokens.pop() };
        Ok((tokens, partial))
    }

    /// Every atom that may come next after the paths, with its help.
    fn next_items(&self, paths: &[Path], partial: Option<&Token>) -> Vec<HelpItem> {
        let mut kws: Vec<HelpItem> = Vec::new();
        let mut params: Vec<HelpItem> = Vec::new();
        let mut cr = false;
        for p in paths {
            let c = &self.commands[p.cmd];
            if c.hidden {
                continue;
            }
            if p.done {
                continue;
            }
            if c.nfa.states[p.state].accept && partial.is_none() {
                cr = true;
            }
            for &(ai, _) in &c.nfa.states[p.state].edges {
                let a = &c.atoms[ai];
                let item = HelpItem { name: a.display(), help: a.help.clone() };
                match &a.kind {
                    AtomKind::Keyword(k) => {
                        if let Some(t) = partial
                            && !k.starts_with(&t.text.to_ascii_lowercase())
                        {
                            continue;
                        }
                        if !kws.iter().any(|i| i.name == item.name) {
                            kws.push(item);
                        }
                    }
                    AtomKind::Param(kind) => {
                        if let Some(t) = partial
                            && !kind.could_start(&t.text)
                        {
                            continue;
                        }
                        if !params.iter().any(|i| i.name == item.name) {
                            params.push(item);
                        }
                    }
                }
            }
        }
        // Numbers in numeric order (DH groups 1 2 5 14), words alphabetically.
        kws.sort_by_key(|i| (i.name.parse::<u64>().map_or(u64::MAX, |n| n), i.name.clone()));
        params.extend(kws);
        if cr {
            params.push(HelpItem { name: "<cr>".into(), help: String::new() });
        }
        params
    }

    /// The `?` listing for `line` (the text before the `?`).
    pub fn help(&self, line: &str) -> Result<Vec<HelpItem>, ParseError> {
        let (tokens, partial) = Self::split_partial(line)?;
        let paths = self.run(&tokens)?;
        let items = self.next_items(&paths, partial.as_ref());
        if items.is_empty() {
            let offset = partial.as_ref().map(|t| t.start).unwrap_or(line.len());
            if partial.is_none() && paths.iter().all(|p| p.done) {
                return Ok(vec![HelpItem { name: "<cr>".into(), help: String::new() }]);
            }
            return Err(ParseError::Invalid { offset, detail: None });
        }
        Ok(items)
    }

    /// What TAB does at the end of `line`.
    pub fn complete(&self, line: &str) -> Completion {
        let Ok((tokens, partial)) = Self::split_partial(line) else { return Completion::None };
        let Ok(paths) = self.run(&tokens) else { return Completion::None };
        let items = self.next_items(&paths, partial.as_ref());
        let typed = partial.as_ref().map(|t| t.text.to_ascii_lowercase()).unwrap_or_default();
        let words: Vec<&HelpItem> = items.iter().filter(|i| is_keyword_display(&i.name)).collect();
        if words.is_empty() {
            return Completion::None;
        }
        if words.len() == 1 {
            let rest = &words[0].name[typed.len().min(words[0].name.len())..];
            return Completion::Insert(format!("{rest} "));
        }
        let mut common = words[0].name.clone();
        for w in &words[1..] {
            let n = common.chars().zip(w.name.chars()).take_while(|(a, b)| a == b).count();
            common.truncate(n);
        }
        if common.len() > typed.len() {
            return Completion::Insert(common[typed.len()..].to_string());
        }
        Completion::Choices(words.into_iter().cloned().collect())
    }
}

fn is_keyword_display(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('<') && name.chars().all(|c| !c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Graph<u32> {
        let mut g = Graph::new();
        g.add("ike proposal NAME", &["IKE", "IKEv1 proposal", "Proposal name"], 1).unwrap();
        g.add("ike policy NAME", &["IKE", "IKEv1 policy", "Policy name"], 2).unwrap();
        g.add("ike keepalive", &["IKE", "Send DPD"], 3).unwrap();
        g.add(
            "interface NAME [loopback | ipsec multibind]",
            &["Interface", "Name", "Loopback", "IPsec", "Multibind"],
            4,
        )
        .unwrap();
        g.add("dh-group {1|2|5|14}", &["DH", "g1", "g2", "g5", "g14"], 5).unwrap();
        g.add("lifetime seconds <300-99999999>", &["Lifetime", "In seconds", "Seconds"], 6).unwrap();
        g.add("description LINE", &["Description", "Text"], 7).unwrap();
        g.add(
            "peer-end-point local A.B.C.D:local [remote A.B.C.D:remote] [context NAME:ctx]",
            &["Peer", "Local", "Local address", "Remote", "Remote address", "Context", "Context name"],
            8,
        )
        .unwrap();
        g.add(
            "ip route A.B.C.D/M {A.B.C.D:hop | NAME:ifname} [cost <0-255>]",
            &["IP", "Route", "Prefix", "Next hop", "Interface", "Cost", "Cost value"],
            9,
        )
        .unwrap();
        g
    }

    #[test]
    fn abbreviation_and_bindings() {
        let g = g();
        let m = g.parse("ik prop foo").unwrap();
        assert_eq!(m.command.payload, 1);
        assert_eq!(m.get("NAME"), Some("foo"));
        let m = g.parse("int lo0 loop").unwrap();
        assert_eq!(m.command.payload, 4);
        assert!(m.has("loopback"));
        let m = g.parse("peer local 1.1.1.1 rem 2.2.2.2 con vpn").unwrap();
        assert_eq!(m.get("local"), Some("1.1.1.1"));
        assert_eq!(m.get("remote"), Some("2.2.2.2"));
        assert_eq!(m.get("ctx"), Some("vpn"));
        let m = g.parse("ip route 0.0.0.0/0 10.1.1.1").unwrap();
        assert_eq!(m.get("hop"), Some("10.1.1.1"));
        let m = g.parse("ip route 0.0.0.0/0 tun1 cost 5").unwrap();
        assert_eq!(m.get("ifname"), Some("tun1"));
        assert_eq!(m.num("<0-255>"), Some(5));
    }

    #[test]
    fn errors_point_at_the_token() {
        let g = g();
        match g.parse("ike p foo") {
            Err(ParseError::Ambiguous { offset, candidates, .. }) => {
                assert_eq!(offset, 4);
                assert_eq!(candidates, vec!["policy".to_string(), "proposal".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        match g.parse("dh-group 3") {
            Err(ParseError::Invalid { offset, .. }) => assert_eq!(offset, 9),
            other => panic!("{other:?}"),
        }
        match g.parse("lifetime seconds 299") {
            Err(ParseError::Invalid { offset, .. }) => assert_eq!(offset, 17),
            other => panic!("{other:?}"),
        }
        assert!(matches!(g.parse("ike proposal"), Err(ParseError::Incomplete)));
        assert!(matches!(g.parse("   "), Err(ParseError::Empty)));
        assert!(matches!(g.parse("bogus"), Err(ParseError::Invalid { offset: 0, .. })));
    }

    #[test]
    fn line_takes_the_rest() {
        let g = g();
        let m = g.parse("description  two words  here ").unwrap();
        assert_eq!(m.get("LINE"), Some("two words  here"));
    }

    #[test]
    fn help_lists_next_tokens() {
        let g = g();
        let h = g.help("ike ").unwrap();
        let names: Vec<_> = h.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["keepalive", "policy", "proposal"]);
        let h = g.help("ike p").unwrap();
        let names: Vec<_> = h.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["policy", "proposal"]);
        let h = g.help("ike keepalive ").unwrap();
        assert_eq!(h[0].name, "<cr>");
        let h = g.help("lifetime seconds ").unwrap();
        assert_eq!(h[0].name, "<300-99999999>");
        assert!(g.help("ike x").is_err());
    }

    #[test]
    fn tab_completes() {
        let g = g();
        assert_eq!(g.complete("ike pro"), Completion::Insert("posal ".into()));
        match g.complete("ike p") {
            Completion::Choices(c) => assert_eq!(c.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(g.complete("inter"), Completion::Insert("face ".into()));
        assert_eq!(g.complete("lifetime seconds 3"), Completion::None);
    }

    proptest::proptest! {
        #[test]
        fn random_lines_never_panic(s in "\\PC{0,80}") {
            let g = g();
            let _ = g.parse(&s);
            let _ = g.help(&s);
            let _ = g.complete(&s);
        }
        #[test]
        fn random_words_never_panic(words in proptest::collection::vec("(ike|pro|p|1|300|[a-z0-9./-]{1,6}|\"x y\"|\")", 0..8)) {
            let g = g();
            let s = words.join(" ");
            let _ = g.parse(&s);
            let _ = g.help(&s);
            let _ = g.complete(&s);
        }
    }
}
