//! SmartEdge's configuration sessions: the per-session candidate, `commit`
//! (the whole candidate validated, all or nothing, merged onto a commit
//! another session made meanwhile), `abort`, `end`, the line counts of the
//! commit history and the atomic save of `save configuration`.

use crate::out::Out;
use crate::session::{CommitRecord, PendingConfirm, Session};
use crate::smartedge::modes::Frame;
use crate::smartedge::{diff, render};
use edgesh_engine::Config;
use edgesh_engine::validate::{Problem, Severity, validate};
use std::sync::Arc;

impl CommitRecord {
    /// Lines added and removed by this commit (computed when asked: a commit
    /// of 32,000 tunnels must not render the configuration twice).
    pub fn line_counts(&self) -> (usize, usize) {
        let Some(prev) = &self.previous else { return (0, 0) };
        let sel = render::Selection::all();
        diff::count(&render::to_lines(prev, &sel), &render::to_lines(&self.config, &sel))
    }
}

impl Session {
    /// Enter configuration mode.
    pub fn enter_config(&mut self) {
        if self.candidate.is_none() {
            let running = self.router().running.clone();
            self.candidate = Some((*running).clone());
            self.base = Some(running);
        }
        self.stack = vec![Frame::Config];
    }

    /// Does the candidate differ from running?
    pub fn has_changes(&self) -> bool {
        match (&self.candidate, &self.base) {
            // Against what the candidate started from: another session's
            // commit is not this session's change.
            (Some(c), Some(b)) => *c != **b,
            (Some(c), None) => *c != *self.router().running,
            (None, _) => false,
        }
    }

    /// Validate and install the candidate. Prints warnings, errors and the
    /// result; on failure nothing changes (running and candidate stay as they were).
    pub fn commit(&mut self, out: &mut dyn Out, confirmed_minutes: Option<u64>, comment: Option<String>) -> bool {
        // One commit at a time; should running still change under it (an
        // automatic rollback), try again on the new running configuration.
        let gate = self.router().commit_gate.clone();
        let _one_at_a_time = gate.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..5 {
            if let Some(done) = self.try_commit(out, confirmed_minutes, comment.clone()) {
                return done;
            }
        }
        out.line("% Commit failed: the running configuration keeps changing; try again");
        false
    }

    /// One commit attempt; `None` when running changed under it (try again).
    fn try_commit(
        &mut self,
        out: &mut dyn Out,
        confirmed_minutes: Option<u64>,
        comment: Option<String>,
    ) -> Option<bool> {
        let Some(mut cand) = self.candidate.clone() else {
            out.line("% Not in configuration mode");
            return Some(false);
        };
        let seen = self.router().running.clone();
        // Another session committed since this candidate was started: apply
        // this session's changes onto the new running configuration, or
        // refuse (candidate kept) when both changed the same object.
        if let Some(base) = self.base.clone()
            && !Arc::ptr_eq(&base, &seen)
            && *base != *seen
        {
            match crate::merge::merge(&base, &cand, &seen) {
                Ok(m) => {
                    cand = m;
                    self.candidate = Some(cand.clone());
                    self.base = Some(seen.clone());
                }
                Err(conflicts) => {
                    let by = self
                        .router()
                        .history
                        .back()
                        .map(|h| format!("commit {} by {}", h.id, h.user))
                        .unwrap_or_default();
                    let sel = render::Selection::all();
                    let (old, new) = (render::to_lines(&base, &sel), render::to_lines(&seen, &sel));
                    out.line(&format!(
                        "% Commit refused: another session changed what this candidate changes ({by}): {}",
                        conflicts.join(", ")
                    ));
                    out.line("% Their changes since this candidate was started:");
                    diff::show(&old, &new, out);
                    out.line("% The candidate is kept: `commit` again to make it running as it is (undoing the changes above that it lacks), or `abort`");
                    // The next commit is checked against what the user has now seen.
                    self.base = Some(seen);
                    return Some(false);
                }
            }
        }
        let problems = validate(&cand);
        let errors: Vec<&Problem> = problems.iter().filter(|p| p.severity == Severity::Error).collect();
        if !errors.is_empty() {
            for p in &errors {
                out.line(&crate::smartedge::wording::problem(p));
            }
            out.line(&format!(
                "% Commit failed: {} error{}; the running configuration is unchanged and the candidate is kept",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ));
            return Some(false);
        }
        let user = self.user.clone();
        let rh = self.router_handle();
        let mut r = rh.lock().unwrap_or_else(|e| e.into_inner());
        if !Arc::ptr_eq(&r.running, &seen) {
            return None;
        }
        for p in problems.iter().filter(|p| p.severity == Severity::Warning) {
            out.line(&crate::smartedge::wording::problem(p));
        }
        let changed = cand != *r.running;
        if changed {
            let previous = r.running.clone();
            let id = r.install_checked(cand, problems, &user, comment);
            r.log("SYSTEM", 5, "CONFIG", &format!("commit {id} by {user}"));
            // The engine takes the commit now: a commit reaches it because it was committed.
            r.engine_sync();
            if let Some(m) = confirmed_minutes {
                let deadline = r.now() + m * 60;
                // A second confirmed commit keeps the oldest configuration to return to.
                let previous = r.pending_confirm.take().map(|p| p.previous).unwrap_or(previous);
                r.pending_confirm = Some(PendingConfirm { deadline, commit_id: id, previous });
                self.base = Some(r.running.clone());
                drop(r);
                out.line("Transaction committed");
                out.line(&format!("Commit confirmed ,it will be rolled back within {m} minutes unless confirmed"));
                return Some(true);
            }
        }
        self.base = Some(r.running.clone());
        if confirmed_minutes.is_none() && r.pending_confirm.take().is_some() {
            drop(r);
            out.line("% Commit confirmed; automatic rollback cancelled");
        } else {
            drop(r);
        }
        out.line("Transaction committed");
        Some(true)
    }

    /// Discard the candidate and leave configuration mode.
    pub fn abort(&mut self) {
        self.base = None;
        self.candidate = None;
        self.stack.clear();
    }

    /// Leave configuration mode, committing pending changes first (SmartEdge `end`).
    /// Returns false (and stays) if the commit failed.
    pub fn end(&mut self, out: &mut dyn Out) -> bool {
        if self.has_changes() && !self.commit(out, None, None) {
            return false;
        }
        self.candidate = None;
        self.base = None;
        self.stack.clear();
        true
    }
}

/// Write the configuration so that a crash leaves either the old file or the
/// new one, never a torn one, readable by its owner only
/// ([`crate::statefs::write_private`]).
pub fn save_atomically(path: &std::path::Path, cfg: &Config) -> std::io::Result<()> {
    crate::statefs::write_private(path, |w| {
        let mut out = crate::statefs::CheckedOut::new(w);
        render::render(cfg, &render::Selection::all(), &mut out);
        out.result()
    })
}
