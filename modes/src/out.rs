//! Where command output goes: one line at a time, so pipes and the pager can
//! work on lines and a long `show configuration` streams without being built
//! in memory first.

pub trait Out {
    /// Write one line (without its newline).
    fn line(&mut self, s: &str);
}

/// Collects lines.
#[derive(Default, Debug)]
pub struct VecOut(pub Vec<String>);

impl Out for VecOut {
    fn line(&mut self, s: &str) {
        self.0.push(s.to_string());
    }
}

impl VecOut {
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.0 {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// Writes lines to any `std::io::Write`, ignoring write errors (a closed pipe
/// must not bring the router down).
pub struct WriteOut<W: std::io::Write>(pub W);

impl<W: std::io::Write> Out for WriteOut<W> {
    fn line(&mut self, s: &str) {
        let _ = self.0.write_all(s.as_bytes());
        let _ = self.0.write_all(b"\n");
    }
}
