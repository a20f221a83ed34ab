//! Output pipes: `| include`, `| exclude`, `| begin`, `| count`, `| section`
//! (and `| grep`, as SmartEdge users type it), chained left to right, each
//! with a regular expression, applied line by line as the output streams;
//! and `| json`, the last of a chain, which prints the command's state as
//! one JSON document instead of its text (`edgesh_modes::json`): filters
//! before it filter nothing, nothing may follow it (`docs/json.md`).

use edgesh_grammar::HelpItem;
use edgesh_modes::Out;
use regex::Regex;

#[derive(Debug)]
pub enum Filter {
    Include(Regex),
    Exclude(Regex),
    Begin(Regex, bool),
    Count(Option<Regex>, usize),
    /// Matching lines and the lines indented under them.
    Section(Regex, Option<usize>),
    /// IOS: whole top-level sections (a line and the lines indented under
    /// it) in which any line matches; (pattern, section so far, matched).
    IosSection(Regex, Vec<String>, bool),
    /// `| json`: the state as JSON (always the last of a chain).
    Json,
}

const PIPES: &[(&str, &str)] = &[
    ("begin", "Begin with the line that matches"),
    ("count", "Count the lines that match"),
    ("exclude", "Exclude lines that match"),
    ("grep", "Include lines that match (same as include)"),
    ("include", "Include lines that match"),
    ("json", "The command's state as one JSON document (the last pipe)"),
    ("section", "Include sections (a line and the lines indented under it) that match"),
];

/// Split a command line at its first `|` outside quotes.
pub fn split(line: &str) -> (&str, Option<&str>) {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '|' if !quoted => return (&line[..i], Some(&line[i + 1..])),
            _ => {}
        }
    }
    (line, None)
}

fn pipe_word(w: &str) -> Result<&'static str, String> {
    let w = w.to_ascii_lowercase();
    let m: Vec<&str> = PIPES.iter().map(|p| p.0).filter(|p| p.starts_with(&w)).collect();
    match m.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("Invalid pipe command: {w}")),
        _ => Err(format!("Ambiguous pipe command: {w}")),
    }
}

/// Split chained filters: at a ` |` followed by a pipe command word, so a
/// bar inside a regular expression (`^ |^!`, `a|b`) stays alternation.
fn chain(spec: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut from = 0;
    while let Some(i) = spec[from..].find(" |").map(|i| i + from) {
        let next = spec[i + 2..].trim_start();
        let word = next.split_whitespace().next().unwrap_or("");
        if !word.is_empty() && PIPES.iter().any(|p| p.0.starts_with(&word.to_ascii_lowercase())) {
            parts.push(&spec[start..i]);
            start = i + 2;
        }
        from = i + 2;
    }
    parts.push(&spec[start..]);
    parts
}

/// IOS's `| section`: whole sections in which any line matches.
pub fn ios_sections(filters: Vec<Filter>) -> Vec<Filter> {
    filters
        .into_iter()
        .map(|f| if let Filter::Section(r, _) = f { Filter::IosSection(r, Vec::new(), false) } else { f })
        .collect()
}

/// Parse `include foo | count` (the text after the first `|`).
pub fn parse(spec: &str) -> Result<Vec<Filter>, String> {
    let mut out = Vec::new();
    for part in chain(spec) {
        let part = part.trim();
        let (w, rest) = part.split_once(char::is_whitespace).unwrap_or((part, ""));
        if w.is_empty() {
            return Err("Missing pipe command after |".into());
        }
        let kind = pipe_word(w)?;
        // A regular expression may be quoted: `| include "ip route"`.
        let rest = rest.trim();
        let rest = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(rest);
        let re = |r: &str| -> Result<Regex, String> {
            if r.is_empty() {
                return Err(format!("{kind}: missing regular expression"));
            }
            Regex::new(r)
                .map_err(|e| format!("Invalid regular expression {r}: {}", e.to_string().lines().last().unwrap_or("")))
        };
        if kind == "json" {
            if !rest.is_empty() {
                return Err(format!("json takes no argument: {rest}"));
            }
            out.push(Filter::Json);
            continue;
        }
        if out.last().is_some_and(|f| matches!(f, Filter::Json)) {
            return Err("Nothing may follow | json".into());
        }
        out.push(match kind {
            "include" | "grep" => Filter::Include(re(rest)?),
            "exclude" => Filter::Exclude(re(rest)?),
            "begin" => Filter::Begin(re(rest)?, false),
            "section" => Filter::Section(re(rest)?, None),
            _ => Filter::Count(if rest.is_empty() { None } else { Some(re(rest)?) }, 0),
        });
    }
    Ok(out)
}

/// Does the chain end in `| json` (the whole output is the JSON state)?
pub fn is_json(filters: &[Filter]) -> bool {
    matches!(filters.last(), Some(Filter::Json))
}

/// `?` after a `|`.
pub fn help(spec: &str) -> Vec<HelpItem> {
    let last = chain(spec).last().copied().unwrap_or("").trim_start();
    if last.split_whitespace().next().is_some_and(|w| w.len() >= 2 && "json".starts_with(&w.to_ascii_lowercase()))
        && last.contains(char::is_whitespace)
    {
        return vec![HelpItem { name: "<cr>".into(), help: String::new() }];
    }
    if last.contains(char::is_whitespace) {
        return vec![HelpItem { name: "LINE".into(), help: "Regular expression".into() }];
    }
    PIPES
        .iter()
        .filter(|p| p.0.starts_with(&last.to_ascii_lowercase()))
        .map(|p| HelpItem { name: p.0.into(), help: p.1.into() })
        .collect()
}

/// An [`Out`] that filters lines before passing them on.
pub struct Piped<'a> {
    pub filters: Vec<Filter>,
    pub inner: &'a mut dyn Out,
}

impl Piped<'_> {
    /// Run `line` through the filters from index `from`; lines held back by
    /// an IOS section come out later through `emit`.
    fn run(&mut self, from: usize, line: &str) {
        let mut held: Vec<String> = Vec::new();
        if let Some(Filter::IosSection(..)) = self.filters.get(from) {
            let Some(Filter::IosSection(r, buf, matched)) = self.filters.get_mut(from) else { return };
            let top = !line.starts_with(char::is_whitespace);
            if top {
                if *matched {
                    held.append(buf);
                }
                buf.clear();
                *matched = false;
            }
            if r.is_match(line) {
                *matched = true;
            }
            buf.push(line.to_string());
            for l in held {
                self.run(from + 1, &l);
            }
            return;
        }
        if Self::pass(&mut self.filters[from..], line) {
            self.inner.line(line);
        }
    }

    fn pass(filters: &mut [Filter], line: &str) -> bool {
        for f in filters.iter_mut() {
            let keep = match f {
                Filter::IosSection(..) | Filter::Json => true,
                Filter::Include(r) => r.is_match(line),
                Filter::Exclude(r) => !r.is_match(line),
                Filter::Begin(r, started) => {
                    if !*started && r.is_match(line) {
                        *started = true;
                    }
                    *started
                }
                Filter::Count(r, n) => {
                    if r.as_ref().is_none_or(|r| r.is_match(line)) {
                        *n += 1;
                    }
                    false
                }
                Filter::Section(r, cur) => {
                    let ind = line.len() - line.trim_start().len();
                    if let Some(c) = *cur {
                        // `!` lines do not end a section (SmartEdge closes a
                        // context with `! ** End Context **`).
                        let comment = line.trim_start().starts_with('!');
                        if comment {
                            // Keep the section open, leave the separator out.
                            return false;
                        }
                        if ind > c && !line.trim().is_empty() {
                            continue;
                        }
                        *cur = None;
                    }
                    if r.is_match(line) {
                        *cur = Some(ind);
                        true
                    } else {
                        false
                    }
                }
            };
            if !keep {
                return false;
            }
        }
        true
    }

    /// Flush held sections, then print what `count` counted.
    pub fn finish(&mut self) {
        for i in 0..self.filters.len() {
            if let Filter::IosSection(_, buf, matched) = &mut self.filters[i] {
                let lines: Vec<String> = if *matched { std::mem::take(buf) } else { Vec::new() };
                buf.clear();
                *matched = false;
                for l in lines {
                    self.run(i + 1, &l);
                }
            }
        }
        if let Some(pos) = self.filters.iter().position(|f| matches!(f, Filter::Count(..))) {
            let n = match &self.filters[pos] {
                Filter::Count(_, n) => *n,
                _ => 0,
            };
            self.inner.line(&format!("Number of lines which match regexp = {n}"));
        }
    }
}

impl Out for Piped<'_> {
    fn line(&mut self, s: &str) {
        // An IOS section filter anywhere in the chain holds lines back.
        match self.filters.iter().position(|f| matches!(f, Filter::IosSection(..))) {
            Some(i) => {
                let mut pre = true;
                if i > 0 {
                    pre = Self::pass(&mut self.filters[..i], s);
                }
                if pre {
                    self.run(i, s);
                }
            }
            None => {
                if Self::pass(&mut self.filters, s) {
                    self.inner.line(s);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_modes::VecOut;

    fn run(spec: &str, input: &str) -> String {
        let mut v = VecOut::default();
        {
            let mut p = Piped { filters: parse(spec).unwrap(), inner: &mut v };
            for l in input.lines() {
                p.line(l);
            }
            p.finish();
        }
        v.text()
    }

    #[test]
    fn filters() {
        let t = "a\n  b\nc\n  d\n  e\nf";
        assert_eq!(run("inc c|d", t), "c\n  d\n");
        assert_eq!(run("ex ^\\s", t), "a\nc\nf\n");
        assert_eq!(run("be ^c", t), "c\n  d\n  e\nf\n");
        assert_eq!(run("count ^\\s", t), "Number of lines which match regexp = 3\n");
        assert_eq!(run("sec ^c", t), "c\n  d\n  e\n");
        assert_eq!(run("sec ^c | inc e", t), "  e\n");
        assert_eq!(run("ex ^ |^a", t), "c\nf\n");
        let mut v = VecOut::default();
        {
            let mut p = Piped { filters: ios_sections(parse("sec e | inc .").unwrap()), inner: &mut v };
            for l in t.lines() {
                p.line(l);
            }
            p.finish();
        }
        assert_eq!(v.text(), "c\n  d\n  e\n");
        assert!(parse("include [").is_err());
        assert!(parse("zz x").is_err());
        assert!(parse("include").is_err());
        assert_eq!(split("show x | inc a|b"), ("show x ", Some(" inc a|b")));
        assert_eq!(split("description \"a|b\""), ("description \"a|b\"", None));
    }

    #[test]
    fn json_is_the_last_pipe() {
        assert!(is_json(&parse(" json").unwrap()));
        assert!(is_json(&parse(" js").unwrap()));
        // Filters before it are accepted (and filter nothing: the state is whole).
        assert!(is_json(&parse(" include peer | json").unwrap()));
        assert!(!is_json(&parse(" include peer").unwrap()));
        assert_eq!(parse(" json | include x").unwrap_err(), "Nothing may follow | json");
        assert_eq!(parse(" json pretty").unwrap_err(), "json takes no argument: pretty");
        // `j` alone is unique; the help lists it and says nothing follows.
        assert!(help(" j").iter().any(|h| h.name == "json"));
        assert_eq!(help(" json ").iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), ["<cr>"]);
    }
}
