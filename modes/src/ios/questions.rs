//! IOS's questions (`[confirm]`, `[yes/no]`): how the next line typed or
//! pasted answers a pending question, and the action a yes carries out.

use super::remove_line;
use crate::out::Out;
use crate::session::Session;

/// The answer to a pending question (`[confirm]`: the first character of
/// the line, `n` cancels and the rest of the line is read as typed after it;
/// `[yes/no]`: the line, `y`/`ye`/`yes` or `n`/`no`, anything else asked
/// again), as IOS reads it from a terminal or a paste.
pub fn answer(s: &mut Session, line: &str, indent: usize, out: &mut dyn Out) -> bool {
    let Some(p) = s.ios.confirm.take() else { return true };
    if p.yes_no {
        let t = line.trim().to_ascii_lowercase();
        let yes = !t.is_empty() && "yes".starts_with(&t);
        let no = !t.is_empty() && "no".starts_with(&t);
        if !yes && !no {
            out.line("% Please answer 'yes' or 'no'.");
            s.ios.confirm = Some(p);
            return true;
        }
        if yes {
            run_pending(s, &p.action, out);
        }
        return true;
    }
    let mut chars = line.chars();
    let first = chars.next();
    let rest: String = chars.collect();
    if !matches!(first, Some('n' | 'N')) {
        run_pending(s, &p.action, out);
    }
    if rest.trim().is_empty() { true } else { super::execute(s, &rest, indent + 1, out) }
}

fn run_pending(s: &mut Session, action: &super::state::PendingAction, out: &mut dyn Out) {
    use super::state::PendingAction;
    let root_gone = |s: &mut Session, heads: &[String]| {
        let mut r = s.router();
        r.ios_doc.root.retain(|n| !heads.contains(&n.text));
        drop(r);
        // Top-level blocks went: the header index starts afresh.
        s.ios.blocks = Default::default();
    };
    match action {
        PendingAction::Negate(rest) => {
            remove_line(s, rest);
            s.ios.blocks = Default::default();
        }
        PendingAction::RemoveTrustpoint(name) => {
            let heads: Vec<String> = [
                "crypto pki trustpoint",
                "crypto ca trustpoint",
                "crypto pki certificate chain",
                "crypto ca certificate chain",
            ]
            .iter()
            .map(|h| format!("{h} {name}"))
            .collect();
            root_gone(s, &heads);
            out.line("% Be sure to ask the CA administrator to revoke your certificates.");
        }
        PendingAction::ClearLogging => s.router().log.clear(),
        PendingAction::EraseStartup => {
            let path = s.router().state_dir.join("startup-config");
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    out.line(&format!("%Error erasing nvram: ({e})"));
                    return;
                }
            }
            s.router().ios_startup = None;
            out.line("[OK]");
            out.line("Erase of nvram: complete");
        }
    }
}
