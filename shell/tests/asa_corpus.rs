//! Every ASA configuration of the corpus (../shared/corpus/configs/asa) and
//! of `golden/configs/asa-public/` loads with no rejected line; every line
//! is in the running configuration; pasting `more system:running-config`
//! back gives the same document; the document compiles into the engine
//! model; and where the corpus has ntc-templates' expected parse of a
//! `show running-config ...` section, edgesh's output of that section
//! parses to it (Python venv: EDGESH_PYVENV or target/pyvenv).

use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, VecOut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn router() -> Arc<Mutex<Router>> {
    let mut r = Router::new(Config::new("ciscoasa"), Clock::Virtual(0), 1, std::env::temp_dir());
    r.dialect = Dialect::Asa;
    Arc::new(Mutex::new(r))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn configs() -> Vec<PathBuf> {
    let near = root().join("../shared/corpus/configs/asa");
    let dir = if near.exists() { near } else { PathBuf::from("/work/shared/corpus/configs/asa") };
    let mut v: Vec<PathBuf> = Vec::new();
    for d in [dir, root().join("golden/configs/asa-public")] {
        v.extend(std::fs::read_dir(&d).map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "cfg")).collect::<Vec<_>>()).unwrap_or_default());
    }
    v.sort();
    v
}

fn running(r: &Arc<Mutex<Router>>, masked: bool) -> String {
    let mut o = VecOut::default();
    r.lock().unwrap().asa.doc.render(masked, &mut o);
    o.text()
}

fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("EDGESH_PYVENV").map(PathBuf::from).unwrap_or_else(|| root().join("target/pyvenv"));
    let py = venv.join("bin/python");
    py.exists().then_some(py)
}

#[test]
fn corpus_loads_round_trips_and_compiles() {
    let files = configs();
    assert!(files.len() >= 7, "the ASA corpus is missing: {files:?}");
    let mut report = String::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let r = router();
        let (_, rejected, msgs) = edgesh_modes::asa::apply_text(&r, &text, &f.display().to_string());
        if rejected > 0 {
            report.push_str(&format!("{}: {rejected} rejected\n{}\n", f.display(), msgs.join("\n")));
            continue;
        }
        let run = running(&r, false);
        let norm = |x: &str| x.split_whitespace().collect::<Vec<_>>().join(" ");
        let have: std::collections::BTreeSet<String> = run.lines().map(norm).collect();
        for l in text.lines().map(str::trim) {
            if l.is_empty() || l == "end" || l.starts_with('!') || l.starts_with(':') || l.starts_with("ASA Version") || l.starts_with("hostname ") {
                continue;
            }
            if !have.contains(&norm(l)) {
                report.push_str(&format!("{}: line lost: {l}\n", f.display()));
            }
        }
        // Pasted back, the same document.
        let r2 = router();
        let (_, rejected2, msgs2) = edgesh_modes::asa::apply_text(&r2, &run, "running-config");
        assert_eq!(rejected2, 0, "{}: the running configuration does not load back: {msgs2:?}", f.display());
        assert_eq!(r.lock().unwrap().asa.doc, r2.lock().unwrap().asa.doc, "{}: round trip", f.display());
        let c = edgesh_modes::asa::compile::compile(&r.lock().unwrap().asa.doc);
        eprintln!("{}: {} tunnels, {} notes", f.display(), c.config.tunnels.len(), c.notes.len());
    }
    assert!(report.is_empty(), "{report}");
}

/// ntc-templates' parse of edgesh's `show running-config SECTION` after
/// loading each corpus configuration that has an expected parse.
#[test]
fn running_config_sections_parse_with_ntc_templates_as_the_corpus_expects() {
    let Some(py) = python() else {
        if std::env::var("EDGESH_REQUIRE_PARSERS").is_ok() {
            panic!("parser checks required but no Python venv");
        }
        eprintln!("\n!!! SKIPPING ntc-templates checks of the ASA sections: no Python venv (EDGESH_PYVENV or target/pyvenv)\n");
        return;
    };
    let mut checked = 0;
    for f in configs() {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let expected = f.with_file_name(format!("{stem}.expected.yml"));
        let Some(cmd) = stem.strip_prefix("ntc-cisco_asa_").filter(|_| expected.exists()) else { continue };
        // `show_running-config_all_crypto_map` is the command `show running-config all crypto map`;
        // edgesh's section keeps the lines as configured (the corpus lists the defaults explicitly).
        let cmd = cmd.trim_end_matches('2').replace('_', " ");
        let words: Vec<&str> = cmd.split_whitespace().skip(2).filter(|w| *w != "all").collect();
        let section: Vec<&str> = match words.as_slice() {
            ["ipsec"] => vec!["crypto", "ipsec"],
            w => w.to_vec(),
        };
        let r = router();
        let (_, rejected, msgs) = edgesh_modes::asa::apply_text(&r, &std::fs::read_to_string(&f).unwrap(), "corpus");
        assert_eq!(rejected, 0, "{msgs:?}");
        let mut o = VecOut::default();
        r.lock().unwrap().asa.doc.render_section(&section, true, &mut o);
        let out = std::env::temp_dir().join(format!("edgesh-asa-{}-{stem}.txt", std::process::id()));
        std::fs::write(&out, o.text()).unwrap();
        let script = r#"
import sys, json, yaml
from ntc_templates.parse import parse_output
got = parse_output(platform="cisco_asa", command=sys.argv[1], data=open(sys.argv[2]).read())
want = yaml.safe_load(open(sys.argv[3]))["parsed_sample"]
if got != want:
    print(json.dumps({"got": got, "want": want}, indent=1))
    sys.exit(1)
"#;
        let st = std::process::Command::new(&py).args(["-c", script, &cmd, &out.display().to_string(), &expected.display().to_string()]).output().unwrap();
        assert!(st.status.success(), "{stem}: ntc-templates' parse differs:\n{}{}", String::from_utf8_lossy(&st.stdout), String::from_utf8_lossy(&st.stderr));
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} sections checked");
}
