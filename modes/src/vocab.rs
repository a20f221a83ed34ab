//! A dialect's vocabulary of the commands it keeps verbatim (shared by the
//! Cisco dialects: `ios/vocabulary.rs`, `asa/vocabulary.rs` hold their
//! tables): for each configuration mode, the leading keywords of the
//! commands the device has there that edgesh does not model, the sub-modes
//! they open and the words that leave them; and ([`Syntax`]) the whole-line
//! syntax of those commands where it is known. A line is kept only if it
//! is a command of its mode, so a typo is refused, never stored.
//!
//! The table format, one mode after the other:
//!
//! ```text
//! @family prompt-tag
//! keyword words, more words, NUM, ...        (commands, comma separated)
//! > sub-mode keywords => child-family         (`$` last: nothing may follow)
//! < exit-word inside|after                    (leaves the mode, printed)
//! = keywords, keywords * words, ...           (settings a block has once)
//! DATA                                        (lines of hex data are kept as typed)
//! ```
//!
//! `NUM` stands for a number, `RANGE` for a list of numbers (`200,300-310`),
//! `HEX` for a word of hexadecimal data, `WORD` for any word (a name).
//!
//! A `=` line lists the kept commands that are one setting of their block,
//! as IOS stores them: a new `load-interval 60` replaces `load-interval 30`
//! in place, `keepalive 5` replaces `no keepalive`. A pattern's words are
//! keywords, `NUM`/`WORD` (part of what names the setting: `standby NUM
//! priority` is one setting per group) or `*` (a value word inside the
//! pattern: `hold-queue * in`); the words after the pattern are the value.

use std::collections::{HashMap, HashSet};

/// One mode of the tree.
#[derive(Debug, Default)]
pub struct Family {
    pub name: &'static str,
    pub prompt: &'static str,
    /// Commands (their leading keywords).
    pub words: Vec<Vec<&'static str>>,
    /// Commands that open a sub-mode: (leading keywords, the sub-mode).
    pub children: Vec<(Vec<&'static str>, &'static str)>,
    /// Commands that leave the mode and are printed by the device: (word,
    /// printed inside the block (`quit`) rather than after it (`exit-address-family`)).
    pub exits: Vec<(&'static str, bool)>,
    /// Lines of data (certificate hex) are kept as typed, repeated or not.
    pub data: bool,
    /// Settings the block has once (`=` lines): patterns of their leading words.
    pub singles: Vec<Vec<&'static str>>,
    /// Every keyword of the mode's commands: a typed word that is one is not
    /// an abbreviation of another here (`ip` is not `ipv6`). A keyword of
    /// another mode may be (`crypto pki trust VPN_TP`: `trust` is an
    /// interface keyword, and a real IOSv reads `trustpoint` here).
    pub keywords: HashSet<&'static str>,
}

/// A parsed table.
#[derive(Debug, Default)]
pub struct Vocabulary {
    pub families: HashMap<&'static str, Family>,
}

impl Vocabulary {
    /// Parse a table (see the module documentation). A malformed sub-mode line panics: the tables are static.
    pub fn parse(table: &'static str) -> Vocabulary {
        let mut families: HashMap<&'static str, Family> = HashMap::new();
        let mut cur: Option<Family> = None;
        for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix('@') {
                if let Some(f) = cur.take() {
                    families.insert(f.name, f);
                }
                let mut w = rest.split_whitespace();
                let name = w.next().unwrap_or("");
                let prompt = w.next().unwrap_or("");
                cur = Some(Family { name, prompt, data: false, ..Default::default() });
            } else if let Some(rest) = line.strip_prefix('>') {
                let (k, v) = rest.split_once("=>").expect("sub-mode line");
                if let Some(f) = cur.as_mut() {
                    f.children.push((k.split_whitespace().collect(), v.trim()));
                }
            } else if let Some(rest) = line.strip_prefix('<') {
                let mut w = rest.split_whitespace();
                let word = w.next().unwrap_or("");
                let inside = w.next() == Some("inside");
                if let Some(f) = cur.as_mut() {
                    f.exits.push((word, inside));
                }
            } else if let Some(rest) = line.strip_prefix('=') {
                if let Some(f) = cur.as_mut() {
                    let pats = rest.split(',').map(str::trim).filter(|e| !e.is_empty());
                    f.singles.extend(pats.map(|e| e.split_whitespace().collect::<Vec<_>>()));
                }
            } else if let Some(f) = cur.as_mut() {
                for e in line.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                    // `DATA`: lines of hexadecimal data, kept as typed, repeated or not.
                    if e == "DATA" {
                        f.data = true;
                        continue;
                    }
                    f.words.push(e.split_whitespace().collect());
                }
            }
        }
        if let Some(f) = cur.take() {
            families.insert(f.name, f);
        }
        for f in families.values_mut() {
            f.keywords =
                f.words.iter().flatten().chain(f.children.iter().flat_map(|(k, _)| k.iter())).copied().collect();
        }
        Vocabulary { families }
    }

    /// Words a family takes only whole (the first words of the commands a
    /// dialect models in that mode): a typed `object` is the ASA's `object
    /// network|service`, never an abbreviation of the kept
    /// `object-group-search`. The words live as long as the table (leaked
    /// once, when the static vocabulary is built).
    pub fn add_keywords(&mut self, family: &str, words: impl IntoIterator<Item = String>) {
        if let Some(f) = self.families.get_mut(family) {
            for w in words {
                if !f.keywords.contains(w.as_str()) {
                    f.keywords.insert(Box::leak(w.into_boxed_str()));
                }
            }
        }
    }

    /// Does a typed word match a vocabulary word? Exactly, or (`abbrev`) as
    /// Cisco abbreviates: a prefix.
    fn word_matches(kw: &HashSet<&'static str>, typed: &str, vocab: &str, abbrev: bool) -> bool {
        match vocab {
            "NUM" => typed.chars().all(|c| c.is_ascii_digit()) && !typed.is_empty(),
            // A list of numbers (`vlan 200,300-310`).
            "RANGE" => {
                typed.starts_with(|c: char| c.is_ascii_digit())
                    && typed.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '-')
            }
            // A name (a server group, a tunnel-group, `(inside)`): any word.
            "WORD" => !typed.is_empty(),
            "HEX" => {
                !typed.is_empty() && typed.chars().all(|c| c.is_ascii_hexdigit() || c == '.' || c == '/' || c == ':')
            }
            v if !abbrev || kw.contains(typed) => v.eq_ignore_ascii_case(typed),
            v => {
                !typed.is_empty()
                    && v.len() >= typed.len()
                    && v.as_bytes()[..typed.len()].eq_ignore_ascii_case(typed.as_bytes())
            }
        }
    }

    /// Do the line's words start with these keywords (`$` at the end: and
    /// nothing after them)?
    pub fn starts_with(&self, family: &str, words: &[&str], keys: &[&str], abbrev: bool) -> bool {
        self.family(family).is_some_and(|f| Self::starts_in(f, words, keys, abbrev))
    }

    fn starts_in(f: &Family, words: &[&str], keys: &[&str], abbrev: bool) -> bool {
        let (keys, end) = match keys.split_last() {
            Some((&"$", k)) => (k, true),
            _ => (keys, false),
        };
        keys.len() <= words.len()
            && (!end || keys.len() == words.len())
            && keys.iter().zip(words).all(|(k, w)| Self::word_matches(&f.keywords, w, k, abbrev))
    }

    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }

    /// Is the line a command of this mode (a `no` or `default` form too)?
    pub fn knows(&self, family: &str, line: &str, abbrev: bool) -> bool {
        let Some(f) = self.family(family) else { return false };
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if matches!(words.first(), Some(&"no") | Some(&"default")) && words.len() > 1 {
            words.remove(0);
        }
        if words.is_empty() {
            return false;
        }
        if f.data && words.iter().all(|w| Self::word_matches(&f.keywords, w, "HEX", false)) {
            return true;
        }
        f.words.iter().any(|k| Self::starts_in(f, &words, k, abbrev))
            || f.children.iter().any(|(k, _)| Self::starts_in(f, &words, child_keys(k), abbrev))
    }

    /// How many keywords of this mode's longest command the line has in full
    /// (after `no`/`default`; a sub-mode's keywords count too), 0 when the
    /// mode does not know the line: `logging event link-status` is 2 words
    /// of the interface's `logging event`. A line two modes know belongs to
    /// the one that names more of it (see `ios/modes_tree.rs`).
    pub fn match_len(&self, family: &str, line: &str, abbrev: bool) -> usize {
        let Some(f) = self.family(family) else { return 0 };
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if matches!(words.first(), Some(&"no") | Some(&"default")) && words.len() > 1 {
            words.remove(0);
        }
        if words.is_empty() {
            return 0;
        }
        if f.data && words.iter().all(|w| Self::word_matches(&f.keywords, w, "HEX", false)) {
            return 1;
        }
        let keys = f.words.iter().map(|k| k.as_slice()).chain(f.children.iter().map(|(k, _)| k.as_slice()));
        keys.filter(|k| Self::starts_in(f, &words, k, abbrev)).map(|k| child_keys(k).len()).max().unwrap_or(0)
    }

    /// How many leading words of the line (after `no`/`default`) are keywords
    /// of a command of this mode that the line then leaves: `qos banana`
    /// matches one word of `qos queue-softmax-multiplier`; IOS puts its caret
    /// on the word after them. 0 when no command's first keyword matches.
    pub fn keyword_prefix(&self, family: &str, line: &str, abbrev: bool) -> usize {
        let Some(f) = self.family(family) else { return 0 };
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let skip = usize::from(matches!(words.first(), Some(&"no") | Some(&"default")) && words.len() > 1);
        words.drain(..skip);
        let keys = f.words.iter().map(|k| k.as_slice()).chain(f.children.iter().map(|(k, _)| child_keys(k)));
        keys.map(|k| k.iter().zip(&words).take_while(|(k, w)| Self::word_matches(&f.keywords, w, k, abbrev)).count())
            .max()
            .map(|n| if n == 0 { 0 } else { n + skip })
            .unwrap_or(0)
    }

    /// The sub-mode a line opens in this mode (the longest match). A
    /// sub-mode is opened by its keywords and a name or number after them
    /// (`$`: or nothing).
    pub fn child(&self, family: &str, line: &str, abbrev: bool) -> Option<&'static str> {
        self.child_match(family, line, abbrev).map(|(c, _)| c)
    }

    /// [`Self::child`] with the number of keywords (and name places) that
    /// open it.
    pub fn child_match(&self, family: &str, line: &str, abbrev: bool) -> Option<(&'static str, usize)> {
        let f = self.family(family)?;
        let words: Vec<&str> = line.split_whitespace().collect();
        f.children
            .iter()
            .filter(|(k, _)| {
                let keys = child_keys(k);
                let optional = k.last() == Some(&"$") || matches!(keys.last(), Some(&"NUM" | &"RANGE"));
                Self::starts_in(f, &words, keys, abbrev) && (optional || words.len() > keys.len())
            })
            .max_by_key(|(k, _)| k.len())
            .map(|(k, c)| (*c, child_keys(k).len()))
            .filter(|(c, _)| *c != "none")
    }

    /// The first word of the line (after `no`/`default`, counted from 0)
    /// that abbreviates two different keywords of this mode's commands at
    /// its place and is neither, both of whose commands can take the words
    /// after it: `crypto pki trustp policy` (`trustpoint` named `policy`, or
    /// `trustpool policy`). The device says `Ambiguous command` there.
    /// `crypto pki trust VPN_TP` is a trustpoint (`trustpool` wants
    /// `policy`): a real IOSv capture enters `(ca-trustpoint)` on it. Walked
    /// as a tree: a keyword counts only under the words before it.
    pub fn ambiguous_word(&self, family: &str, line: &str) -> Option<usize> {
        let f = self.family(family)?;
        let mut words: Vec<&str> = line.split_whitespace().collect();
        let skip = usize::from(matches!(words.first(), Some(&"no") | Some(&"default")) && words.len() > 1);
        words.drain(..skip);
        let mut alive: Vec<&[&str]> =
            f.words.iter().map(|k| k.as_slice()).chain(f.children.iter().map(|(k, _)| child_keys(k))).collect();
        for (i, w) in words.iter().enumerate() {
            let here: Vec<&str> = alive.iter().filter_map(|k| k.get(i).copied()).filter(|k| *k != "$").collect();
            let exact = here.iter().any(|k| Self::word_matches(&f.keywords, w, k, false));
            if !exact {
                // A keyword counts only if its command can take the words after it (a real
                // IOSv takes `crypto pki trust VPN_TP` for `trustpoint`: `trustpool` wants `policy`).
                let takes_rest = |k: &[&str]| {
                    let rest: Vec<&str> = k.iter().skip(i + 1).copied().filter(|x| *x != "$").collect();
                    rest.iter().enumerate().all(|(j, kk)| {
                        words.get(i + 1 + j).is_none_or(|w| Self::word_matches(&f.keywords, w, kk, true))
                    })
                };
                let mut hits: Vec<&str> = alive
                    .iter()
                    .filter(|k| takes_rest(k))
                    .filter_map(|k| k.get(i).copied())
                    .filter(|k| *k != "$" && !is_placeholder(k) && Self::word_matches(&f.keywords, w, k, true))
                    .collect();
                hits.sort_unstable();
                hits.dedup();
                if hits.len() > 1 {
                    return Some(i + skip);
                }
            }
            alive.retain(|k| k.get(i).is_some_and(|k| Self::word_matches(&f.keywords, w, k, !exact)));
            if alive.is_empty() {
                return None;
            }
        }
        None
    }

    /// `Ambiguous command` at the word [`Self::ambiguous_word`] finds.
    pub fn ambiguous(&self, family: &str, line: &str) -> Option<edgesh_grammar::ParseError> {
        let i = self.ambiguous_word(family, line)?;
        let mut off = 0;
        for (n, w) in line.split_whitespace().enumerate() {
            let at = line[off..].find(w).map(|x| x + off)?;
            if n == i {
                return Some(edgesh_grammar::ParseError::Ambiguous {
                    offset: at,
                    word: w.to_string(),
                    candidates: Vec::new(),
                });
            }
            off = at + w.len();
        }
        None
    }

    /// A line the mode knows by its full keywords that opens a sub-mode when
    /// its words are read as abbreviations, by more keywords
    /// (`crypto pki trustp TP`: the global `crypto pki` line, or the
    /// trustpoint `crypto pki trustpoint TP` abbreviated). IOS and the ASA
    /// take the longer command: the line must wait for the abbreviation pass.
    pub fn opens_when_abbreviated(&self, family: &str, line: &str) -> bool {
        self.child_match(family, line, true).is_some_and(|(_, n)| n > self.match_len(family, line, false))
    }

    /// Are `old` and `new`, kept lines of one block of this family with their
    /// keywords in full, the same one-valued setting (a `=` pattern both
    /// match, equal in every word but the `*` ones)? `old` may be the
    /// setting's `no` form: `no keepalive` then `keepalive 5`.
    pub fn same_setting(&self, family: &str, old: &str, new: &str) -> bool {
        let Some(f) = self.family(family) else { return false };
        let n: Vec<&str> = new.split_whitespace().collect();
        if n.first() == Some(&"no") || n.first() == Some(&"default") {
            return false;
        }
        let o: Vec<&str> = old.split_whitespace().collect();
        let o = match o.as_slice() {
            ["no", rest @ ..] => rest,
            all => all,
        };
        let fits = |p: &[&str], w: &[&str]| {
            p.len() <= w.len()
                && p.iter().zip(w).all(|(k, w)| *k == "*" || Self::word_matches(&f.keywords, w, k, false))
        };
        f.singles.iter().any(|p| {
            fits(p, &n)
                && fits(p, o)
                && p.iter().zip(o.iter().zip(&n)).all(|(k, (a, b))| *k == "*" || a.eq_ignore_ascii_case(b))
        })
    }

    /// A kept line typed with abbreviated keywords, as IOS and the ASA print it: the
    /// keywords in full (`router eig NAME` is `router eigrp NAME`). A word
    /// that abbreviates different keywords of the mode's commands stays as
    /// typed, and so do the other words (names, numbers, blanks).
    pub fn full_keywords(&self, fam: &str, line: &str) -> String {
        let Some(f) = self.family(fam) else { return line.to_string() };
        // The words with their byte spans.
        let mut spans = Vec::new();
        let mut off = 0;
        for w in line.split_whitespace() {
            let at = line[off..].find(w).map(|i| i + off).unwrap_or(off);
            spans.push((at, w));
            off = at + w.len();
        }
        let skip = usize::from(matches!(spans.first(), Some((_, "no" | "default"))) && spans.len() > 1);
        let words: Vec<&str> = spans[skip..].iter().map(|(_, w)| *w).collect();
        let is_key = |k: &str| !is_placeholder(k) && k != "$";
        let abbreviates = |typed: &str, k: &str| {
            is_key(k) && k.len() >= typed.len() && k.as_bytes()[..typed.len()].eq_ignore_ascii_case(typed.as_bytes())
        };
        let matching: Vec<Vec<&str>> = f
            .words
            .iter()
            .chain(f.children.iter().map(|(k, _)| k))
            .map(|k| k.iter().copied().filter(|k| *k != "$").collect::<Vec<_>>())
            .filter(|k| k.len() <= words.len() && k.iter().zip(&words).all(|(k, w)| abbreviates(w, k) || !is_key(k)))
            .collect();
        let mut out = line.to_string();
        // From the last word back, so the spans before stay right.
        for i in (0..words.len()).rev() {
            let full: Vec<&str> = matching
                .iter()
                .filter_map(|k| k.get(i).copied())
                .filter(|k| is_key(k) && abbreviates(words[i], k))
                .collect();
            let Some(first) = full.first() else { continue };
            if full.iter().all(|k| k == first) && !first.eq_ignore_ascii_case(words[i]) {
                let (at, w) = spans[skip + i];
                out.replace_range(at..at + w.len(), first);
            }
        }
        out
    }

    /// Is the line a word that leaves this mode? (word, printed inside the block)
    pub fn exit(&self, family: &str, line: &str) -> Option<(&'static str, bool)> {
        let f = self.family(family)?;
        let t = line.trim();
        f.exits.iter().find(|(w, _)| *w == t).copied()
    }

    /// Words per mode (entries, sub-modes, exits), for the documentation.
    pub fn counts(&self) -> Vec<(&'static str, &'static str, usize)> {
        let mut v: Vec<_> = self
            .families
            .values()
            .filter(|f| f.name != "none")
            .map(|f| (f.name, f.prompt, f.words.len() + f.children.len() + f.exits.len()))
            .collect();
        v.sort();
        v
    }
}

/// The whole-line syntax of kept commands, per family: a dialect's table in
/// the command graph's spec language (`{a | b}`, `[x]`, `<1-100>`,
/// `A.B.C.D`, `IFNAME`, `WORD`, `LINE` for arguments kept as typed), one
/// command per line under `@family` (`@a+b`: both families); `@family
/// complete` lists every command the family keeps, so its lines are
/// checked from the first keyword on. A spec checks every line of the kept
/// command it details ([`Syntax::parse`]): `neighbor {A.B.C.D | WORD}
/// {...}` every `neighbor` line, `ip ospf cost <1-65535>` every `ip ospf`
/// line (the vocabulary keeps `ip ospf`), so the specs of one command list
/// all its forms; a spec may start with a choice of commands
/// (`{dns-server | wins-server} {value LINE | none}`).
#[derive(Default)]
pub struct Syntax {
    families: HashMap<&'static str, (edgesh_grammar::Graph<()>, Vec<Vec<&'static str>>)>,
}

impl Syntax {
    /// Parse a table against the dialect's vocabulary. A spec checks the
    /// lines of the vocabulary command it details: its head is the longest
    /// command of the family's vocabulary its leading keywords start with
    /// (`speed` for `speed {10 | 100 | ...}`, `ip ospf` for `ip ospf cost
    /// <1-65535>`), else its leading keywords; so the specs under one head
    /// list every form of that command. A spec that does not compile
    /// panics: the tables are static.
    pub fn parse(table: &'static str, v: &Vocabulary) -> Syntax {
        let mut m: HashMap<&'static str, (edgesh_grammar::Graph<()>, Vec<Vec<&'static str>>)> = HashMap::new();
        let mut fams: Vec<&'static str> = Vec::new();
        let mut complete = false;
        for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
            // `@family [complete]`; `@a+b`: the specs below are both families'.
            if let Some(f) = line.strip_prefix('@') {
                let mut w = f.split_whitespace();
                fams = w.next().unwrap_or("").split('+').collect();
                complete = w.next() == Some("complete");
                continue;
            }
            for &fam in &fams {
                Self::add_spec(&mut m, v, fam, complete, line);
            }
        }
        Syntax { families: m }
    }

    /// One spec of a family: into its graph, and its heads.
    fn add_spec(
        m: &mut HashMap<&'static str, (edgesh_grammar::Graph<()>, Vec<Vec<&'static str>>)>,
        v: &Vocabulary,
        fam: &'static str,
        complete: bool,
        line: &'static str,
    ) {
        let (g, heads) = m.entry(fam).or_default();
        // One empty help per atom (these graphs only check syntax).
        let atoms = match g.add(line, &[], ()) {
            Err(edgesh_grammar::SpecError::HelpCount { atoms, .. }) => atoms,
            Ok(()) => 0,
            Err(e) => panic!("{e}"),
        };
        if atoms > 0 {
            g.add(line, &vec![""; atoms], ()).unwrap_or_else(|e| panic!("{e}"));
        }
        let is_keyword = |w: &str| w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        // A spec that starts with a choice of keywords (`{dns-server | wins-server} ...`)
        // details each of them.
        if let Some(first) = line.strip_prefix('{').and_then(|r| r.split_once('}')).map(|(a, _)| a) {
            let alts: Vec<&'static str> = first.split('|').map(str::trim).collect();
            assert!(alts.iter().all(|a| !a.is_empty() && is_keyword(a)), "{line}: a leading choice of keywords only");
            heads.extend(alts.into_iter().map(|a| vec![a]));
            return;
        }
        let keywords: Vec<&'static str> = line.split_whitespace().take_while(|w| is_keyword(w)).collect();
        assert!(!keywords.is_empty() || complete, "{line}: a spec starts with a keyword");
        let command = v.family(fam).and_then(|f| {
            f.words
                .iter()
                .chain(f.children.iter().map(|(k, _)| k))
                .map(|k| k.iter().copied().filter(|w| *w != "$").collect::<Vec<_>>())
                .filter(|k| !k.is_empty() && k.len() <= keywords.len() && k[..] == keywords[..k.len()])
                .max_by_key(|k| k.len())
        });
        heads.push(match command {
            _ if complete => keywords.into_iter().take(1).collect(),
            Some(k) => k,
            None => keywords,
        });
    }

    /// How many families have specs.
    pub fn families(&self) -> usize {
        self.families.len()
    }

    /// Check a line the family keeps (after its vocabulary took it) when
    /// it starts with the keywords of a spec of the family: the error, its
    /// offset in `line`, if a word is wrong. `no` and `default` forms may
    /// stop early.
    pub fn check(
        &self,
        v: &Vocabulary,
        family: &str,
        line: &str,
        abbrev: bool,
    ) -> Result<(), edgesh_grammar::ParseError> {
        use edgesh_grammar::ParseError;
        let Some((g, heads)) = self.families.get(family) else { return Ok(()) };
        let lead = line.len() - line.trim_start().len();
        let mut body = line.trim_start();
        let mut off = lead;
        let mut negated = false;
        for p in ["no ", "default "] {
            if let Some(r) = body.strip_prefix(p) {
                let r2 = r.trim_start();
                off += body.len() - r2.len();
                body = r2;
                negated = true;
                break;
            }
        }
        let words: Vec<&str> = body.split_whitespace().collect();
        if v.family(family).is_none() || !heads.iter().any(|h| v.starts_with(family, &words, h, abbrev)) {
            return Ok(());
        }
        match g.parse(body) {
            Ok(_) => Ok(()),
            Err(ParseError::Incomplete) if negated => Ok(()),
            Err(ParseError::Invalid { offset, detail }) => Err(ParseError::Invalid { offset: offset + off, detail }),
            Err(ParseError::Syntax { offset, message }) => Err(ParseError::Syntax { offset: offset + off, message }),
            Err(ParseError::Ambiguous { offset, word, candidates }) => {
                Err(ParseError::Ambiguous { offset: offset + off, word, candidates })
            }
            Err(e) => Err(e),
        }
    }
}

/// A word of the table that stands for a typed value, not a keyword.
fn is_placeholder(k: &str) -> bool {
    matches!(k, "NUM" | "HEX" | "WORD" | "RANGE")
}

/// A sub-mode's keywords without the `$` marker.
fn child_keys<'a>(k: &'a [&'static str]) -> &'a [&'static str] {
    match k.split_last() {
        Some((&"$", rest)) => rest,
        _ => k,
    }
}
