//! Questions a command asks, answered by the lines typed next: SmartEdge's
//! `add pki certificate-request` (`Enter the Common name:` ...), IOS's
//! `crypto pki enroll` (`[yes/no]`) and the PEM pasted after
//! `crypto pki import` / `authenticate`.
//!
//! A command that asks sets `Session::dialog`; while it is set, the
//! session's prompt is the question and each line typed (an empty one too)
//! goes to the dialog instead of the command parser, and is not kept in
//! `show history` (answers may be pasted certificates). The dialog returns
//! itself for the next question, or nothing when it is done.

use crate::out::Out;
use crate::session::Session;

pub trait Dialog: Send {
    /// The question, printed as the prompt (the typed answer follows it).
    fn prompt(&self) -> String;
    /// Take one typed line; `Some` while more questions follow.
    fn answer(self: Box<Self>, s: &mut Session, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog>>;
}

/// Run one line typed while a dialog is open.
pub fn answer(s: &mut Session, line: &str, out: &mut dyn Out) -> bool {
    let Some(d) = s.dialog.take() else { return true };
    s.dialog = d.answer(s, line, out);
    true
}
