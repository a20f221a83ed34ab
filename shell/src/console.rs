//! The interactive console: rustyline reads the line (history, editing,
//! TAB through the session's command graph, `?` and Ctrl-Z rebound), and the
//! same [`Terminal`] as everywhere else runs it, pages it and prints it.

use crate::terminal::Terminal;
use edgesh_grammar::Completion;
use edgesh_modes::Session;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, ConditionalEventHandler, Context, Editor, Event, EventContext, EventHandler, Helper, KeyEvent, RepeatCount,
};
use std::cell::RefCell;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    None,
    Help,
    CtrlZ,
}

/// TAB completion of the session as it stands in its current mode (in its
/// dialect), taken before each line is read.
type CompleteFn = Box<dyn Fn(&str) -> Completion + Send + Sync>;

struct ConsoleHelper {
    complete: RefCell<CompleteFn>,
}

impl Completer for ConsoleHelper {
    type Candidate = Pair;
    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        match (self.complete.borrow())(head) {
            Completion::Insert(s) => Ok((pos, vec![Pair { display: s.clone(), replacement: s }])),
            Completion::Choices(items) => {
                let start = head.rfind(char::is_whitespace).map(|i| i + 1).unwrap_or(0);
                Ok((
                    start,
                    items
                        .into_iter()
                        .map(|i| Pair { display: i.name.clone(), replacement: format!("{} ", i.name) })
                        .collect(),
                ))
            }
            Completion::None => Ok((pos, Vec::new())),
        }
    }
}
impl Hinter for ConsoleHelper {
    type Hint = String;
}
impl Highlighter for ConsoleHelper {}
impl Validator for ConsoleHelper {}
impl Helper for ConsoleHelper {}

struct Mark(Arc<Mutex<(Special, String)>>, Special);

impl ConditionalEventHandler for Mark {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        if let Ok(mut m) = self.0.lock() {
            *m = (self.1, ctx.line()[..ctx.pos()].to_string());
        }
        Some(Cmd::AcceptLine)
    }
}

/// Read one key in raw mode (for the pager).
fn read_key() -> u8 {
    use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let Ok(saved) = tcgetattr(&stdin) else { return b'q' };
    let mut raw = saved.clone();
    cfmakeraw(&mut raw);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &raw);
    let mut b = [0u8; 1];
    let n = stdin.lock().read(&mut b).unwrap_or(0);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    if n == 0 { b'q' } else { b[0] }
}

/// Run the console until `exit` or end of input. Returns the number of rejected commands.
pub fn run(session: Session) -> usize {
    let mut term = Terminal::new(session, std::io::stdout(), false);
    term.draw_prompt = false;
    term.crlf = false;
    // A terminal pages by default, as the box does; `terminal length 0` turns it off.
    if term.session.terminal_length.is_none() {
        term.session.terminal_length = Some(24);
    }
    let helper = ConsoleHelper { complete: RefCell::new(Box::new(term.session.completer())) };
    let Ok(mut rl) = Editor::<ConsoleHelper, DefaultHistory>::new() else {
        eprintln!("% cannot open the terminal");
        return 1;
    };
    rl.set_helper(Some(helper));
    let mark = Arc::new(Mutex::new((Special::None, String::new())));
    rl.bind_sequence(KeyEvent::from('?'), EventHandler::Conditional(Box::new(Mark(mark.clone(), Special::Help))));
    rl.bind_sequence(KeyEvent::ctrl('Z'), EventHandler::Conditional(Box::new(Mark(mark.clone(), Special::CtrlZ))));
    let mut initial = String::new();
    loop {
        for m in term.session.poll() {
            println!("{m}");
        }
        if let Some(h) = rl.helper() {
            *h.complete.borrow_mut() = Box::new(term.session.completer());
        }
        let prompt = term.session.prompt();
        let r = rl.readline_with_initial(&prompt, (&initial, ""));
        initial.clear();
        let special = mark
            .lock()
            .map(|mut m| std::mem::replace(&mut *m, (Special::None, String::new())))
            .unwrap_or((Special::None, String::new()));
        match (special.0, r) {
            (Special::Help, _) => {
                let line = special.1;
                term.print_help(&line);
                initial = line;
            }
            (Special::CtrlZ, _) => {
                println!("^Z");
                if term.session.in_config() {
                    term.run_line("end");
                }
            }
            (_, Ok(line)) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                term.run_line(&line);
                while term.at_more() {
                    let _ = std::io::stdout().flush();
                    let k = read_key();
                    term.feed(&[k]);
                }
                if term.closed {
                    break;
                }
            }
            (_, Err(ReadlineError::Interrupted)) => continue,
            (_, Err(_)) => break,
        }
    }
    term.session.rejected
}
