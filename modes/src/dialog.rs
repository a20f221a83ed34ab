//! Questions a command asks, answered by the lines typed next: SmartEdge's
//! `add pki certificate-request` (`Enter the Common name:` ...), IOS's
//! `crypto pki enroll` (`[yes/no]`) and the PEM pasted after
//! `crypto pki import` / `authenticate`.
//!
//! A command that asks sets `Session::dialog`; while it is set, the
//! session's prompt is the question and each line typed (an empty one too)
//! goes to the dialog instead of the command parser, and is not kept in
//! `show history` (answers may be pasted certificates). The dialog returns
//! itself for the next question, or nothing when it is done. A line the
//! dialog cannot take (`Dialog::takes`: a command where a certificate's
//! base64 was expected) ends it with an error and runs as a command.

use crate::out::Out;

/// Questions over a session `S` (the CLI's `Session`; generic so that this
/// module does not import the session that holds it).
pub trait Dialog<S: ?Sized>: Send {
    /// The question, printed as the prompt (the typed answer follows it).
    fn prompt(&self) -> String;
    /// Take one typed line; `Some` while more questions follow.
    fn answer(self: Box<Self>, s: &mut S, line: &str, out: &mut dyn Out) -> Option<Box<dyn Dialog<S>>>;
    /// Whether `line` answers the dialog. A line that cannot (a
    /// configuration command after a paste that never ended, in a pasted
    /// configuration) ends the dialog ([`Dialog::abandon`]) and runs as a
    /// command, so that no line of a paste is lost silently.
    fn takes(&self, _line: &str) -> bool {
        true
    }
    /// The dialog ends unanswered, at a line it does not take: say so.
    fn abandon(self: Box<Self>, _s: &mut S, _out: &mut dyn Out) {}
}
