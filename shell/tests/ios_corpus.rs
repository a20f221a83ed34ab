//! Every IOS configuration of the corpus (../shared/corpus/configs/ios)
//! loads; lines edgesh does not model are kept verbatim; and pasting
//! `show running-config` back gives the same running configuration.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions, VecOut};
use edgesh_shell::cli::run_piped;
use edgesh_shell::load::load_ios;
use std::sync::{Arc, Mutex};

fn router() -> Arc<Mutex<Router>> {
    Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, std::env::temp_dir())))
}

fn corpus() -> Vec<std::path::PathBuf> {
    let near = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/configs/ios");
    let dir = if near.exists() { near } else { std::path::PathBuf::from("/work/shared/corpus/configs/ios") };
    let mut v: Vec<_> = std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

fn running_text(r: &Arc<Mutex<Router>>) -> String {
    let mut o = VecOut::default();
    r.lock().unwrap().ios_doc.render(&mut o);
    o.text()
}

#[test]
fn corpus_loads_and_round_trips() {
    let files = corpus();
    if files.is_empty() {
        eprintln!("!!! SKIPPED: the IOS corpus (../shared/corpus/configs/ios) is not on this machine");
        return;
    }
    let mut report = String::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let r = router();
        let rep = load_ios(&r, &text, &f.display().to_string());
        if rep.rejected > 0 {
            report.push_str(&format!("{}: {} rejected\n{}\n", f.display(), rep.rejected, rep.messages.join("\n")));
            continue;
        }
        // Every line of the file is in the running configuration, except
        // commands that are not configuration (`exit`), `no shutdown` (the
        // default, which IOS does not print) and lines a later line of the
        // same command replaced (IOS keeps the last `set pfs`).
        let run = running_text(&r);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, l) in lines.iter().enumerate() {
            if l.is_empty() || l.starts_with('!') || *l == "end" || *l == "exit" || *l == "no shutdown" || l.starts_with("hostname ") {
                continue;
            }
            let words = if l.starts_with("set ") || l.starts_with("match ") { 2 } else { 1 };
            let head: String = l.split_whitespace().take(words).collect::<Vec<_>>().join(" ");
            let replaced = lines[i + 1..].iter().take_while(|x| !x.starts_with('!') && !x.is_empty()).any(|x| x.starts_with(&format!("{head} ")));
            // Blanks collapse, and IOS prints `encryption` of an ISAKMP policy as `encr`.
            let norm = |x: &str| {
                let j = x.split_whitespace().collect::<Vec<_>>().join(" ");
                j.strip_prefix("encryption ").map(|r| format!("encr {r}")).unwrap_or(j)
            };
            // A clear-text `username ... password 0 P` is stored as a type 5 secret.
            if l.starts_with("username ") && l.contains(" password 0 ") {
                let head = l.split(" password 0 ").next().unwrap_or(l);
                if run.lines().any(|x| x.starts_with(&format!("{head} secret 5 $1$"))) {
                    continue;
                }
            }
            if !replaced && !run.lines().any(|x| norm(x) == norm(l)) {
                report.push_str(&format!("{}: line lost: {l}\n", f.display()));
            }
        }
        // It compiles into the engine model without a panic; what the engine
        // cannot express is noted.
        let compiled = edgesh_modes::ios::compile::compile(&r.lock().unwrap().ios_doc);
        eprintln!("{}: {} tunnels, {} notes", f.display(), compiled.config.tunnels.len(), compiled.notes.len());
        // Pasting show running-config back gives the same configuration.
        let r2 = router();
        let mut out = Vec::new();
        let s = Session::new(r2.clone(), SessionOptions { dialect: Dialect::Ios, ..Default::default() });
        let input = format!("enable\nconfigure terminal\n{run}\n");
        let code = run_piped(s, input.as_bytes(), &mut out);
        if code != 0 {
            report.push_str(&format!("{}: re-paste rejected lines:\n{}\n", f.display(), String::from_utf8_lossy(&out).lines().filter(|l| l.starts_with('%')).collect::<Vec<_>>().join("\n")));
        } else if running_text(&r2) != run {
            report.push_str(&format!("{}: re-paste differs\n", f.display()));
        }
    }
    assert!(report.is_empty(), "{report}");
}
