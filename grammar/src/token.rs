//! Splitting a command line into words, with byte offsets for the caret.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The word, without quotes (borrowed from the line unless it was quoted).
    pub text: std::borrow::Cow<'a, str>,
    /// Byte offset of the word (of its opening quote, if quoted) in the line.
    pub start: usize,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenizeError {
    pub offset: usize,
    pub message: String,
}

/// Words are separated by blanks; `"two words"` is one word.
pub fn tokenize(line: &str) -> Result<Vec<Token<'_>>, TokenizeError> {
    let mut out = Vec::new();
    let mut it = line.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        if c.is_whitespace() {
            it.next();
            continue;
        }
        if c == '"' {
            it.next();
            let mut text = String::new();
            let mut closed = false;
            for (_, c) in it.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                text.push(c);
            }
            if !closed {
                return Err(TokenizeError { offset: i, message: "unterminated quoted string".into() });
            }
            out.push(Token { text: text.into(), start: i, quoted: true });
            continue;
        }
        let mut end = line.len();
        while let Some(&(j, c)) = it.peek() {
            if c.is_whitespace() {
                end = j;
                break;
            }
            it.next();
        }
        out.push(Token { text: line[i..end].into(), start: i, quoted: false });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn words_and_quotes() {
        let t = tokenize("  seq 10  \"a b\" x").unwrap();
        assert_eq!(t.iter().map(|t| &*t.text).collect::<Vec<_>>(), ["seq", "10", "a b", "x"]);
        assert_eq!(t[2].start, 10);
        assert!(tokenize("a \"b").is_err());
    }
}
