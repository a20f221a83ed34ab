//! Commands common to every configuration mode (added to every graph but exec
//! by `build`): `exit`, `end`, `top`, `abort`, `commit`, `rollback`.

use super::*;

// ---------------------------------------------------------------- common to every configuration mode

pub(super) fn common_config(g: &mut G, k: ModeKind) {
    add(g, "exit", &["Exit to the previous mode (leaving configuration mode commits pending changes)"], |s, _, o| {
        if s.stack.len() <= 1 {
            if !s.end(o) {
                return Err(String::new());
            }
        } else {
            s.stack.pop();
        }
        Ok(())
    });
    add(g, "end", &["Commit configuration changes and return to exec mode"], |s, _, o| {
        if s.end(o) { Ok(()) } else { Err(String::new()) }
    });
    add(g, "top", &["Return to global configuration mode"], |s, _, _| {
        s.stack.truncate(1);
        Ok(())
    });
    add(g, "abort", &["Discard configuration changes and return to exec mode"], |s, _, o| {
        let had = s.has_changes();
        s.abort();
        o.line(if had { "Transaction aborted" } else { "Transaction aborted (no changes)" });
        Ok(())
    });
    add(
        g,
        "commit [confirmed [<1-60>:minutes]] [comment LINE]",
        &[
            "Commit the candidate configuration",
            "Roll back unless confirmed by another commit",
            "Minutes before the rollback",
            "Record a comment",
            "Comment text",
        ],
        |s, a, o| {
            let minutes = a.has("confirmed").then(|| a.num("minutes").unwrap_or(10));
            let comment = a.get("LINE").map(|c| c.trim_matches('"').to_string());
            if s.commit(o, minutes, comment) { Ok(()) } else { Err(String::new()) }
        },
    );
    if k == ModeKind::Config {
        add(
            g,
            "rollback <0-4294967295>:id",
            &[
                "Load the configuration of an earlier commit into the candidate",
                "Commit id (see show configuration commits)",
            ],
            |s, a, o| {
                let id = a.num("id").unwrap_or(0);
                let cfg = s.router().history.iter().find(|c| c.id == id).map(|c| (*c.config).clone());
                let cfg = cfg.ok_or_else(|| format!("Commit {id} is not in the commit history"))?;
                s.candidate = Some(cfg);
                o.line(&format!("Candidate configuration replaced by commit {id}; commit to apply it"));
                Ok(())
            },
        );
    }
}
