//! Loading a whole SmartEdge configuration file at start (`--config`, the
//! saved `edgesh.cfg`): every line is tried, a bad line is reported with its
//! file and line number and the rest still loads; then the whole is
//! validated and installed (objects with errors stay down and say why).

use crate::out::VecOut;
use crate::session::{LoadReport, Router, Session, SessionOptions};
use edgesh_engine::validate::{Severity, validate};
use edgesh_grammar::config_lines_iter;
use std::sync::{Arc, Mutex};

/// Load `text` into the router as its running configuration.
pub fn load_config(router: &Arc<Mutex<Router>>, text: &str, file: &str) -> LoadReport {
    let mut rep = LoadReport::default();
    let mut s = Session::new(router.clone(), SessionOptions { user: "boot".into(), ..Default::default() });
    s.record_history = false;
    s.enter_config();
    let lines = config_lines_iter(text);
    let mut header_lines: Vec<(usize, &str)> = Vec::new();
    for l in lines {
        rep.lines += 1;
        let word = l.text.split_whitespace().next().unwrap_or("");
        // `end` closes a saved configuration; `exit` at the top would leave configuration mode.
        if word == "end" {
            break;
        }
        if s.stack.len() <= 1 && word == "exit" {
            continue;
        }
        if l.indent <= 2 {
            header_lines.push((l.number, l.text));
        }
        let mut out = VecOut::default();
        if !s.execute_with_caret(l.text, 0, &mut out) {
            rep.rejected += 1;
            rep.messages.push(format!("{file}:{}: {}", l.number, l.text));
            rep.messages.extend(out.0.into_iter().map(|m| format!("{file}:{}: {m}", l.number)));
        }
        if !s.in_config() {
            // A line such as `end` inside a block left configuration mode; go on loading.
            s.enter_config();
        }
    }
    let Some(cand) = s.candidate.take() else { return rep };
    let problems = validate(&cand);
    for p in &problems {
        // Name the line that starts the object, when we can find it.
        let object = super::wording::object(&p.object);
        let tail = object.rsplit_once(" policy ").map(|(_, n)| n).unwrap_or("");
        let line = header_lines
            .iter()
            .find(|(_, t)| {
                object.ends_with(*t)
                    || t.starts_with(&object)
                    || (!tail.is_empty() && t.ends_with(&format!("policy {tail}")))
            })
            .map(|(n, _)| format!("{n}"))
            .unwrap_or_else(|| "-".into());
        rep.messages.push(format!("{file}:{line}: {}", super::wording::problem(p)));
        if p.severity == Severity::Error {
            rep.commit_errors += 1;
        }
    }
    // At boot there is no earlier configuration to keep: install what loaded;
    // objects with errors stay down and say why in `show`.
    let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
    if cand != *r.running {
        r.install_checked(cand, problems, "boot", Some(format!("loaded from {file}")));
        r.engine_sync();
    }
    rep
}

/// `--hostname`: the running configuration's host name (a commit by `boot`
/// when the loaded file named another).
pub fn set_hostname(r: &mut Router, name: &str) {
    if r.running.hostname != name {
        let mut c = (*r.running).clone();
        c.hostname = name.to_string();
        r.install(c, "boot", Some("--hostname".into()));
        r.engine_sync();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Clock;
    use edgesh_engine::Config;

    #[test]
    fn bad_lines_are_reported_and_the_rest_loads() {
        let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, std::env::temp_dir())));
        let rep = load_config(
            &r,
            "ike proposal p1\n  dh-group 3\n  dh-group 2\nipsec proposl x\nend\nbogus after end\n",
            "t.cfg",
        );
        assert_eq!(rep.rejected, 2);
        assert!(rep.messages[0].starts_with("t.cfg:2: dh-group 3"), "{:?}", rep.messages);
        assert!(rep.messages.iter().any(|m| m.starts_with("t.cfg:4: ipsec proposl x")));
        assert_eq!(r.lock().unwrap().running.ike_proposals["p1"].dh_group, 2);
    }
}
