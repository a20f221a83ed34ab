//! The byte-stream terminal: keys in, screen bytes out, no I/O of its own.
//!
//! It serves everything that is not the process's own console: piped
//! standard input, golden transcripts and (later) SSH channels. `?` help,
//! TAB completion, history and the pager all come from here and from the
//! session's command graph, which the rustyline console calls too, so both
//! behave the same.
//!
//! In *transcript* mode special keys are drawn as markers (`<TAB>`, `<^C>`,
//! `<^Z>`, `<SPACE>`, `<CR>` at the pager) and lines end in `\n`, so a
//! session can be written down and replayed byte for byte (see `golden/`).

use crate::pipes;
use edgesh_grammar::{Completion, HelpItem};
use edgesh_modes::{Out, Session, VecOut};
use std::collections::VecDeque;
use std::io::Write;

/// Why a line with bytes that are not UTF-8 is refused.
pub const NOT_UTF8: &str = "not UTF-8";

pub struct Terminal<W: Write> {
    pub session: Session,
    out: W,
    buf: String,
    /// Draw special keys as markers and end lines with `\n` only.
    pub transcript: bool,
    /// Report the input line number of rejected lines (a paste or a pipe).
    pub paste_numbers: bool,
    /// The input is not a terminal (piped standard input, an SSH channel
    /// without a pty): control bytes are not editing keys; a line holding
    /// one is refused with its line number, and output is not paged.
    pub paste: bool,
    /// Why the line being typed will be refused when it ends: the column of
    /// the first bad byte and the reason (invalid UTF-8, a control byte in a paste).
    refuse: Option<(usize, String)>,
    /// Characters of the current line beyond what is kept (its true length is reported).
    overflow: usize,
    /// After a failed `enable` secret no input is taken until then
    /// (`edgesh_modes::privauth`); what arrives meanwhile waits in `held`.
    hold_until: Option<std::time::Instant>,
    held: Vec<u8>,
    line_no: usize,
    pub rejected_lines: Vec<usize>,
    more: VecDeque<String>,
    last_cr: bool,
    esc: Vec<u8>,
    utf8: Vec<u8>,
    hist_pos: Option<usize>,
    /// The session asked to leave.
    pub closed: bool,
    /// Draw the prompt after each command (the rustyline console draws its own).
    pub draw_prompt: bool,
    /// End lines with `\r\n` (a raw byte stream such as SSH); off where the
    /// terminal driver adds the `\r` (the console) and in transcripts.
    pub crlf: bool,
    /// Reading a secret (after `enable`'s `Password: `): typed keys are not echoed.
    secret: Option<Vec<u8>>,
    /// The console login dialog ([`Terminal::begin_login`]): the failed
    /// tries, and the user name once typed (then `Password: ` is read).
    login: Option<(u32, Option<String>)>,
    /// Where error carets count from when no prompt precedes the line (an
    /// SSH exec channel: `Some(0)`); by default the prompt's width.
    pub caret_indent: Option<usize>,
}

/// Writes each line to the terminal's output.
struct Direct<'a, W: Write> {
    w: &'a mut W,
    nl: &'static str,
}

impl<W: Write> Out for Direct<'_, W> {
    fn line(&mut self, s: &str) {
        let _ = self.w.write_all(s.as_bytes());
        let _ = self.w.write_all(self.nl.as_bytes());
    }
}

impl<W: Write> Terminal<W> {
    pub fn new(session: Session, out: W, transcript: bool) -> Self {
        Terminal {
            session,
            out,
            buf: String::new(),
            transcript,
            paste_numbers: false,
            paste: false,
            refuse: None,
            overflow: 0,
            hold_until: None,
            held: Vec::new(),
            line_no: 0,
            rejected_lines: Vec::new(),
            more: VecDeque::new(),
            last_cr: false,
            esc: Vec::new(),
            utf8: Vec::new(),
            hist_pos: None,
            closed: false,
            draw_prompt: true,
            crlf: !transcript,
            secret: None,
            login: None,
            caret_indent: None,
        }
    }

    pub fn writer(&mut self) -> &mut W {
        &mut self.out
    }

    pub fn into_writer(self) -> W {
        self.out
    }

    fn nl(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    fn put(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
    }

    fn newline(&mut self) {
        let nl = self.nl();
        self.put(nl);
    }

    fn put_line(&mut self, s: &str) {
        self.put(s);
        self.newline();
    }

    /// Draw the prompt and the line typed so far.
    pub fn prompt(&mut self) {
        if self.closed || !self.draw_prompt {
            return;
        }
        let p = self.session.prompt();
        let b = self.buf.clone();
        self.put(&p);
        self.put(&b);
        let _ = self.out.flush();
    }

    /// Waiting at the pager's `---(more)---` rather than at a command prompt.
    pub fn at_more(&self) -> bool {
        !self.more.is_empty()
    }

    /// The line typed so far.
    pub fn line(&self) -> &str {
        &self.buf
    }

    /// Feed bytes typed by the user.
    pub fn feed(&mut self, bytes: &[u8]) {
        if !self.held.is_empty() {
            let mut all = std::mem::take(&mut self.held);
            all.extend_from_slice(bytes);
            self.feed_now(&all);
        } else {
            self.feed_now(bytes);
        }
    }

    fn feed_now(&mut self, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            if self.closed {
                return;
            }
            if self.hold_remaining().is_some() {
                // Kept for later (at most 1 MiB: a paste, not a flood).
                let rest = &bytes[i..];
                let room = (1usize << 20).saturating_sub(self.held.len());
                self.held.extend_from_slice(&rest[..rest.len().min(room)]);
                break;
            }
            self.byte(b);
        }
        let _ = self.out.flush();
    }

    /// Input waits this much longer (after a failed `enable` secret).
    pub fn hold_remaining(&mut self) -> Option<std::time::Duration> {
        let t = self.hold_until?;
        let now = std::time::Instant::now();
        if now >= t {
            self.hold_until = None;
            return None;
        }
        Some(t - now)
    }

    /// Take the input that waited, once the wait is over.
    pub fn release_held(&mut self) {
        if self.hold_remaining().is_none() && !self.held.is_empty() {
            self.feed(&[]);
        }
    }

    /// Show what arrived while the user was idle at the prompt (monitored
    /// log lines, an automatic rollback), then redraw the prompt and the
    /// line typed so far. The SSH server calls it from time to time.
    pub fn idle_poll(&mut self) {
        self.release_held();
        if self.closed || self.secret.is_some() || self.login.is_some() || !self.more.is_empty() {
            return;
        }
        let msgs = self.session.poll();
        if msgs.is_empty() {
            return;
        }
        self.put("\r\x1b[K");
        for m in msgs {
            self.put_line(&m);
        }
        self.prompt();
    }

    /// Start with the console login dialog, as `--login` does: `Username:`
    /// (echoed), `Password:` (not echoed), three tries, then the prompt at
    /// the user's privilege level. With no user configured nobody gets in.
    pub fn begin_login(&mut self) {
        let r = self.session.router_handle();
        if !self.session.dialect.ops().users_configured(&r.lock().unwrap_or_else(|e| e.into_inner())) {
            self.put_line(edgesh_modes::auth::LOGIN_DISABLED);
            self.closed = true;
            return;
        }
        self.newline();
        self.put_line(edgesh_modes::auth::LOGIN_BANNER);
        self.newline();
        self.put("Username: ");
        self.login = Some((0, None));
    }

    /// At the login dialog's `Username:` prompt.
    pub fn at_username(&self) -> bool {
        matches!(self.login, Some((_, None)))
    }

    fn login_password(&mut self, pw: &str) {
        let Some((tries, Some(user))) = self.login.take() else { return };
        let r = self.session.router_handle();
        let (found, _) = edgesh_modes::auth::console_attempt(
            &mut r.lock().unwrap_or_else(|e| e.into_inner()),
            self.session.dialect,
            &user,
            pw,
        );
        match found {
            Some(u) => {
                self.session.login(&u, false, "console");
                self.prompt();
            }
            None if tries + 1 >= 3 => {
                self.put_line("% Login invalid");
                self.newline();
                self.put_line("% Bad passwords");
                self.closed = true;
            }
            None => {
                self.put_line("% Login invalid");
                self.newline();
                self.put("Username: ");
                self.login = Some((tries + 1, None));
            }
        }
    }

    /// Waiting for a secret typed without echo (`enable`'s `Password: `).
    pub fn at_secret(&self) -> bool {
        self.secret.is_some()
    }

    /// A LF right after a CR ends the same line (clients send CR LF): true to skip it.
    fn lf_after_cr(&mut self, b: u8) -> bool {
        let skip = b == b'\n' && self.last_cr;
        self.last_cr = b == b'\r';
        skip
    }

    fn secret_key(&mut self, b: u8) {
        if self.lf_after_cr(b) {
            return;
        }
        match b {
            b'\r' | b'\n' => {
                self.newline();
                let pw = String::from_utf8_lossy(&self.secret.take().unwrap_or_default()).into_owned();
                // A secret is a line of input too (line numbers stay true).
                self.line_no += 1;
                if self.refuse.take().is_some() {
                    // Refused bytes were kept in the secret, so it fails as typed.
                    self.rejected_lines.push(self.line_no);
                    if self.paste_numbers {
                        let n = self.line_no;
                        self.put_line(&format!("% (input line {n} rejected: control character)"));
                    }
                }
                if self.login.is_some() {
                    self.login_password(&pw);
                    return;
                }
                let nl = self.nl();
                let mut d = Direct { w: &mut self.out, nl };
                let ok = self.session.enter_secret(&pw, &mut d);
                if !ok {
                    // A failed secret: the user's sessions wait before the next key.
                    let h = edgesh_modes::privauth::hold(&self.session.router(), &self.session.user);
                    if !h.is_zero() {
                        self.hold_until = Some(std::time::Instant::now() + h);
                    }
                }
                if !ok && self.session.wants_secret.is_some() {
                    self.put("Password: ");
                    self.secret = Some(Vec::new());
                } else {
                    self.prompt();
                }
            }
            0x03 if self.login.is_some() => {
                // Ctrl-C at the login's Password: starts over at Username:.
                self.secret = None;
                self.newline();
                self.put("Username: ");
                self.login = self.login.take().map(|(t, _)| (t, None));
            }
            0x03 => {
                self.secret = None;
                self.session.wants_secret = None;
                self.newline();
                self.prompt();
            }
            0x7f | 0x08 => {
                if let Some(s) = &mut self.secret {
                    s.pop();
                }
            }
            0x00..=0x1f => {}
            _ => {
                if let Some(s) = &mut self.secret
                    && s.len() < 1024
                {
                    s.push(b);
                }
            }
        }
    }

    fn byte(&mut self, b: u8) {
        // A line's bytes end at its end: an incomplete UTF-8 sequence is
        // invalid on its own line, never completed by the next byte.
        if b < 0x80 && !self.utf8.is_empty() {
            self.utf8.clear();
            self.bad_byte();
        }
        if self.paste && (b < 0x20 || b == 0x7f) && !matches!(b, b'\r' | b'\n' | b'\t') && self.more.is_empty() {
            self.paste_control(b);
            return;
        }
        if self.paste && b == b'\t' && self.secret.is_none() {
            // A tab in a pasted file is indentation, not completion.
            return self.byte(b' ');
        }
        if self.secret.is_some() {
            self.secret_key(b);
            return;
        }
        if !self.more.is_empty() {
            self.more_key(b);
            return;
        }
        if self.at_username() {
            self.username_key(b);
            return;
        }
        if !self.esc.is_empty() || b == 0x1b {
            self.esc.push(b);
            self.escape();
            return;
        }
        if self.lf_after_cr(b) {
            return;
        }
        match b {
            b'\r' | b'\n' => self.enter(),
            b'?' => self.help(),
            b'\t' => self.tab(),
            0x03 => {
                self.put(if self.transcript { "<^C>" } else { "^C" });
                self.newline();
                self.clear_line();
                self.prompt();
            }
            0x1a => {
                self.put(if self.transcript { "<^Z>" } else { "^Z" });
                self.newline();
                self.clear_line();
                if self.session.in_config() {
                    self.run_line("end");
                } else {
                    self.prompt();
                }
            }
            0x7f | 0x08 => {
                if self.overflow > 0 {
                    self.overflow -= 1;
                } else if self.buf.pop().is_some() && !self.transcript {
                    self.put("\x08 \x08");
                }
                let n = self.buf.chars().count();
                if self.refuse.as_ref().is_some_and(|(c, _)| *c >= n) && self.overflow == 0 {
                    self.refuse = None;
                }
            }
            0x15 => {
                let n = self.buf.chars().count();
                self.clear_line();
                if !self.transcript {
                    let s = "\x08 \x08".repeat(n);
                    self.put(&s);
                }
            }
            0x00..=0x1f => {}
            _ => self.utf8_byte(b),
        }
    }

    /// A printable byte: decoded as UTF-8 (a sequence may span calls to `feed`).
    fn utf8_byte(&mut self, b: u8) {
        if b.is_ascii() && self.utf8.is_empty() {
            // The common case, without a decoder (a paste of 200,000 lines).
            let c = [b];
            self.push_text(std::str::from_utf8(&c).unwrap_or("\u{fffd}"));
            return;
        }
        self.utf8.push(b);
        loop {
            match std::str::from_utf8(&self.utf8) {
                Ok(s) => {
                    let s = s.to_string();
                    self.utf8.clear();
                    self.push_text(&s);
                    return;
                }
                Err(e) => match e.error_len() {
                    // Not UTF-8: a visible replacement, and the line is refused;
                    // the bytes after the bad ones start afresh.
                    Some(n) => {
                        self.utf8.drain(..n);
                        self.bad_byte();
                        if self.utf8.is_empty() {
                            return;
                        }
                    }
                    None => return,
                },
            }
        }
    }

    /// Add typed text to the line (beyond twice the longest line, only counted).
    fn push_text(&mut self, s: &str) {
        if self.buf.len() < edgesh_modes::session::MAX_LINE * 2 && self.overflow == 0 {
            self.buf.push_str(s);
            self.put(s);
        } else {
            self.overflow += s.len();
        }
    }

    /// Bytes that are not UTF-8: a replacement character, and the line is
    /// refused (a comment line is let go, see `enter`).
    fn bad_byte(&mut self) {
        let col = self.buf.chars().count();
        if self.refuse.is_none() {
            self.refuse = Some((col, NOT_UTF8.to_string()));
        }
        self.push_text("\u{fffd}");
    }

    /// A control byte in a paste (not a terminal): not an editing key. The
    /// line is refused when it ends, with its number; the byte is echoed as `^X`.
    fn paste_control(&mut self, b: u8) {
        let name = if b == 0x7f { "^?".to_string() } else { format!("^{}", (b + 0x40) as char) };
        if let Some(s) = &mut self.secret {
            // Kept in the secret, so it fails as typed; nothing echoed.
            if s.len() < 1024 {
                s.push(b);
            }
        } else {
            self.put(&name);
        }
        let col = self.buf.chars().count();
        if self.refuse.is_none() {
            self.refuse = Some((col, format!("control character {name}")));
        }
    }

    /// Forget the line typed so far.
    fn clear_line(&mut self) {
        self.buf.clear();
        self.refuse = None;
        self.overflow = 0;
        self.utf8.clear();
    }

    /// A key typed at the login's `Username:` (echoed; no help, no completion).
    fn username_key(&mut self, b: u8) {
        if self.lf_after_cr(b) {
            return;
        }
        match b {
            b'\r' | b'\n' => {
                self.newline();
                self.line_no += 1;
                self.refuse = None;
                let user = std::mem::take(&mut self.buf);
                self.put("Password: ");
                self.secret = Some(Vec::new());
                self.login = self.login.take().map(|(t, _)| (t, Some(user)));
            }
            0x7f | 0x08 if self.buf.pop().is_some() && !self.transcript => {
                self.put("\x08 \x08");
            }
            0x00..=0x1f | 0x80..=0xff => {}
            _ if self.buf.len() < 64 => {
                self.buf.push(b as char);
                let c = [b];
                let _ = self.out.write_all(&c);
            }
            _ => {}
        }
    }

    fn escape(&mut self) {
        let seq = self.esc.clone();
        let done = match seq.as_slice() {
            [0x1b] => false,
            [0x1b, b'[' | b'O'] => false,
            [0x1b, b'[', rest @ ..] if rest.last().is_some_and(|c| c.is_ascii_digit() || *c == b';') => false,
            [0x1b, b'[' | b'O', b'A'] => {
                self.history(-1);
                true
            }
            [0x1b, b'[' | b'O', b'B'] => {
                self.history(1);
                true
            }
            _ => true,
        };
        if done || self.esc.len() > 8 {
            self.esc.clear();
        }
    }

    fn history(&mut self, dir: i32) {
        let h = &self.session.history;
        if h.is_empty() {
            return;
        }
        let pos = match (self.hist_pos, dir) {
            (None, -1) => Some(h.len() - 1),
            (None, _) => None,
            (Some(p), -1) => Some(p.saturating_sub(1)),
            (Some(p), _) if p + 1 < h.len() => Some(p + 1),
            (Some(_), _) => None,
        };
        self.hist_pos = pos;
        self.buf = pos.map(|p| h[p].clone()).unwrap_or_default();
        self.refuse = None;
        self.overflow = 0;
        if !self.transcript {
            self.put("\r\x1b[K");
            self.prompt();
        }
    }

    fn help_items(&self, line: &str) -> Result<Vec<HelpItem>, edgesh_grammar::ParseError> {
        let (cmd, pipe) = pipes::split(line);
        match pipe {
            Some(p) if self.session.is_show(cmd) => Ok(pipes::help(p)),
            _ => self.session.help(line),
        }
    }

    fn print_items(&mut self, items: &[HelpItem]) {
        let w = items.iter().map(|i| i.name.chars().count()).max().unwrap_or(0).max(12);
        for i in items {
            let l = if i.help.is_empty() { format!("  {}", i.name) } else { format!("  {:<w$}  {}", i.name, i.help) };
            self.put_line(&l);
        }
    }

    fn help(&mut self) {
        self.put("?");
        self.newline();
        let line = self.buf.clone();
        self.print_help(&line);
        self.prompt();
    }

    /// Print the `?` listing for `line` (or the error that stops it).
    pub fn print_help(&mut self, line: &str) {
        let indent = self.session.prompt().chars().count();
        match self.help_items(line) {
            Ok(items) => self.print_items(&items),
            Err(e) => {
                let mut v = VecOut::default();
                self.session.report_error(&e, line, indent, &mut v);
                for l in v.0 {
                    self.put_line(&l);
                }
            }
        }
        let _ = self.out.flush();
    }

    fn tab(&mut self) {
        let line = self.buf.clone();
        let (cmd, pipe) = pipes::split(&line);
        let c = match pipe {
            Some(p) if self.session.is_show(cmd) => {
                let items = pipes::help(p);
                let last = p.rsplit('|').next().unwrap_or("").trim_start().to_ascii_lowercase();
                match items.as_slice() {
                    [one] if one.name != "LINE" => {
                        Completion::Insert(format!("{} ", &one.name[last.len().min(one.name.len())..]))
                    }
                    _ => Completion::None,
                }
            }
            _ => self.session.complete(&line),
        };
        if self.transcript {
            self.put("<TAB>");
        }
        match c {
            Completion::Insert(s) => {
                self.buf.push_str(&s);
                self.put(&s);
            }
            Completion::Choices(items) => {
                self.newline();
                self.print_items(&items);
                self.prompt();
            }
            Completion::None => {
                if !self.transcript {
                    self.put("\x07");
                }
            }
        }
    }

    fn enter(&mut self) {
        self.newline();
        let line = std::mem::take(&mut self.buf);
        self.hist_pos = None;
        let refused = self.refuse.take();
        let overflow = std::mem::take(&mut self.overflow);
        if overflow > 0 {
            self.line_no += 1;
            let n = line.len() + overflow;
            self.put_line(&format!("% Line too long ({n} characters, at most {})", edgesh_modes::session::MAX_LINE));
            self.session.rejected += 1;
            self.after(false);
            return;
        }
        if let Some((col, why)) = refused {
            // A comment is no configuration, whatever its bytes (a pasted
            // file's `!` line in another encoding): it is let go as any comment.
            if !(why == NOT_UTF8 && line.trim_start().starts_with('!')) {
                self.refuse_line(col, &why);
                return;
            }
        }
        self.run_line(&line);
    }

    /// Refuse a line that was not typed here (an SSH exec request): the
    /// caret under column `col`, the reason, counted as rejected.
    pub fn refuse_line(&mut self, col: usize, why: &str) {
        self.line_no += 1;
        let indent = self.caret_indent.unwrap_or_else(|| self.session.prompt().chars().count());
        self.put_line(&format!("{}^", " ".repeat(indent + col)));
        self.put_line(&format!("% Invalid input at '^' marker ({why})."));
        self.session.rejected += 1;
        self.after(false);
    }

    /// Run one line as if typed and pressed Enter (the echo was already drawn).
    pub fn run_line(&mut self, line: &str) {
        self.line_no += 1;
        self.session.touch();
        let indent = self.caret_indent.unwrap_or_else(|| self.session.prompt().chars().count());
        let paged = self.session.terminal_length.filter(|_| !self.closed && !self.paste);
        let (cmd, pipe) = pipes::split(line);
        let (cmd, filters) = match pipe {
            Some(p) if self.session.is_show(cmd) && self.session.parses(cmd) => match pipes::parse(p) {
                Ok(f) if self.session.dialect.ops().whole_sections() => (cmd, Some(pipes::ios_sections(f))),
                Ok(f) => (cmd, Some(f)),
                Err(e) => {
                    self.put_line(&format!("% {e}"));
                    self.session.rejected += 1;
                    self.after(false);
                    return;
                }
            },
            _ => (line, None),
        };
        let ok = if let Some(len) = paged {
            let mut v = VecOut::default();
            let ok = run_filtered(&mut self.session, cmd, indent, filters, &mut v);
            let page = len.saturating_sub(1).max(1);
            let mut lines: VecDeque<String> = v.0.into();
            for _ in 0..page {
                match lines.pop_front() {
                    Some(l) => self.put_line(&l),
                    None => break,
                }
            }
            self.more = lines;
            ok
        } else {
            let nl = self.nl();
            let mut d = Direct { w: &mut self.out, nl };
            run_filtered(&mut self.session, cmd, indent, filters, &mut d)
        };
        self.after(ok);
    }

    fn after(&mut self, ok: bool) {
        if !ok {
            self.rejected_lines.push(self.line_no);
            if self.paste_numbers {
                let n = self.line_no;
                self.put_line(&format!("% (input line {n} rejected)"));
            }
        }
        for m in self.session.poll() {
            self.put_line(&m);
        }
        if self.session.wants_exit {
            self.closed = true;
            return;
        }
        if self.session.wants_secret.is_some() {
            self.put("Password: ");
            self.secret = Some(Vec::new());
            return;
        }
        if !self.more.is_empty() {
            self.put(self.more_prompt());
            return;
        }
        self.prompt();
    }

    /// The pager's prompt, the dialect's (SmartEdge's `---(more)---`, IOS's ` --More-- `).
    fn more_prompt(&self) -> &'static str {
        self.session.dialect.ops().more_prompt()
    }

    fn more_key(&mut self, b: u8) {
        let (marker, lines) = match b {
            b' ' => ("<SPACE>", self.session.terminal_length.unwrap_or(24).saturating_sub(1).max(1)),
            b'\r' | b'\n' => ("<CR>", 1),
            b'q' | b'Q' => ("q", 0),
            0x03 => ("<^C>", 0),
            _ => ("", 0),
        };
        if self.transcript {
            self.put(marker);
            self.newline();
        } else {
            self.put("\r            \r");
        }
        if lines == 0 {
            self.more.clear();
        }
        for _ in 0..lines {
            match self.more.pop_front() {
                Some(l) => self.put_line(&l),
                None => break,
            }
        }
        if self.more.is_empty() {
            self.prompt();
        } else {
            self.put(self.more_prompt());
        }
    }

    /// End of input: say what a pasted block left behind.
    pub fn finish(&mut self) {
        if !self.closed {
            self.newline();
        }
        if self.session.has_changes() {
            self.put_line("% Session ended with uncommitted changes; they were discarded");
        }
        if self.paste_numbers && !self.rejected_lines.is_empty() {
            let n = self.rejected_lines.len();
            let list = self.rejected_lines.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
            self.put_line(&format!(
                "% {n} of {} input line{} rejected: {list}",
                self.line_no,
                if self.line_no == 1 { "" } else { "s" }
            ));
        }
        let _ = self.out.flush();
    }
}

fn run_filtered(
    session: &mut Session,
    cmd: &str,
    indent: usize,
    filters: Option<Vec<pipes::Filter>>,
    out: &mut dyn Out,
) -> bool {
    match filters {
        None => session.execute_with_caret(cmd, indent, out),
        Some(f) if pipes::is_json(&f) => edgesh_modes::json::run(session, cmd, indent, out),
        Some(f) => {
            let mut p = pipes::Piped { filters: f, inner: out };
            let ok = session.execute_with_caret(cmd, indent, &mut p);
            p.finish();
            ok
        }
    }
}
