//! Splitting a configuration file into command lines (pest grammar `grammars/config.pest`).

use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "grammars/config.pest"]
struct ConfigParser;

/// One non-blank, non-comment line of a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigLine {
    /// 1-based line number in the file.
    pub number: usize,
    /// Columns of indentation (a tab counts as 8).
    pub indent: usize,
    /// The command, trimmed.
    pub text: String,
}

/// The command lines of a configuration file; comments (`!`) and blank lines are skipped.
pub fn config_lines(text: &str) -> Vec<ConfigLine> {
    // The grammar accepts every input (any line is indent + optional comment
    // or command), so a parse failure cannot happen; fall back to plain
    // splitting rather than panicking if it ever does.
    let parsed = ConfigParser::parse(Rule::file, text);
    let mut out = Vec::new();
    match parsed {
        Ok(mut pairs) => {
            let Some(file) = pairs.next() else { return out };
            for (n, line) in file.into_inner().filter(|p| p.as_rule() == Rule::line).enumerate() {
                let mut indent = 0;
                let mut text = None;
                for part in line.into_inner() {
                    match part.as_rule() {
                        Rule::indent => indent = part.as_str().chars().map(|c| if c == '\t' { 8 } else { 1 }).sum(),
                        Rule::command => text = Some(part.as_str().trim().to_string()),
                        _ => {}
                    }
                }
                if let Some(text) = text.filter(|t| !t.is_empty()) {
                    out.push(ConfigLine { number: n + 1, indent, text });
                }
            }
        }
        Err(_) => {
            for (n, l) in text.lines().enumerate() {
                let t = l.trim();
                if !t.is_empty() && !t.starts_with('!') {
                    out.push(ConfigLine { number: n + 1, indent: l.len() - l.trim_start().len(), text: t.to_string() });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn lines_numbers_and_comments() {
        let l = config_lines("!\ncontext local\n  ! note\n  interface x\r\n\n   ip address 1.1.1.1/32  \nend");
        assert_eq!(l.len(), 4);
        assert_eq!(l[0], ConfigLine { number: 2, indent: 0, text: "context local".into() });
        assert_eq!(l[1].number, 4);
        assert_eq!(l[1].text, "interface x");
        assert_eq!(l[2], ConfigLine { number: 6, indent: 3, text: "ip address 1.1.1.1/32".into() });
        assert_eq!(l[3].number, 7);
    }
}
