//! The typos the corpus tests make in real configuration lines: one keyword
//! after the first word (four or more lower-case letters and hyphens)
//! misspelt, a letter dropped before its last, or its second and third
//! letters swapped where dropping would leave an abbreviation of it (which
//! the device takes); the keyword chosen by a seeded generator.

/// A seeded source of typos (the same lines give the same typos).
pub struct Misspeller(u64);

impl Misspeller {
    pub fn new() -> Misspeller {
        Misspeller(0)
    }

    /// The line with one keyword misspelt, or `None` when it has none to misspell.
    pub fn line(&mut self, line: &str) -> Option<String> {
        let w: Vec<&str> = line.split_whitespace().collect();
        let keywords: Vec<usize> = (1..w.len())
            .filter(|&i| w[i].len() >= 4 && w[i].bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
            .collect();
        if keywords.is_empty() {
            return None;
        }
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let i = keywords[(self.0 >> 33) as usize % keywords.len()];
        let x = w[i];
        let mut typo = format!("{}{}", &x[..x.len() - 2], &x[x.len() - 1..]);
        if x.starts_with(&typo) {
            typo = format!("{}{}{}{}", &x[..1], &x[2..3], &x[1..2], &x[3..]);
        }
        if typo == x {
            return None;
        }
        let mut m = w.clone();
        m[i] = &typo;
        Some(m.join(" "))
    }
}

/// One paste of typo lines, each under its block's headers and followed by
/// `exit` back to global configuration: the text, and the line number of
/// each typo (counted from `first`, the number of the line before the paste).
pub fn paste_text(blocks: &[(Vec<String>, String)], first: usize) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut at = Vec::new();
    let mut line = first;
    for (parents, typo) in blocks {
        for (d, p) in parents.iter().enumerate() {
            text.push_str(&format!("{}{p}\n", " ".repeat(d)));
            line += 1;
        }
        text.push_str(&format!("{}{typo}\n", " ".repeat(parents.len())));
        line += 1;
        at.push(line);
        for _ in parents {
            text.push_str("exit\n");
            line += 1;
        }
    }
    (text, at)
}
