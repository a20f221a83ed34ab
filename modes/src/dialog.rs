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

/// Questions over a session `S` (the CLI's `Session`; generic so that this
/// module does not import the session that holds it).
pub trait Dialog<S: ?Sized>: Send {
    /// The question, printed as the prompt (the typed answer follows it).
    fn prompt(&self) -> String;
    /// Take one typed line; `Some` while more questions follow.
    fn answer(self: Box<Self>, s: &mut S, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<S>>>;
}
