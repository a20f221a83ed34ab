//! The IOS show outputs of `transcripts/lab/parsers.golden` (checked byte
//! for byte by the golden tests) through the parsers automation uses:
//! Genie's iosxe/ios parsers and ntc-templates' TextFSM templates, via
//! `../shared/clients/parse_check.py`. Needs a Python venv with textfsm,
//! ntc-templates, pyats and genie (`.ci/run` makes one in `target/pyvenv`);
//! without it the test says so LOUDLY and passes, unless
//! `EDGESH_REQUIRE_PARSERS` is set (CI).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("EDGESH_PYVENV").map(PathBuf::from).unwrap_or_else(|| root().join("target/pyvenv"));
    let py = p.join("bin/python");
    py.exists().then_some(py)
}

fn checker() -> Option<PathBuf> {
    [root().join("../shared/clients/parse_check.py"), PathBuf::from("/work/shared/clients/parse_check.py")].into_iter().find(|p| p.exists())
}

/// The output of each `r1#COMMAND` in the transcript.
fn outputs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("golden/transcripts/lab/parsers.golden")).expect("parsers.golden");
    let mut out: Vec<(String, String)> = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for l in text.lines() {
        let is_prompt = l.starts_with("r1#") || l.starts_with("r1>") || l.starts_with("r1(") || l.starts_with("[local]r2");
        if is_prompt {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            if let Some(cmd) = l.strip_prefix("r1#").filter(|c| c.starts_with("show crypto")) {
                cur = Some((cmd.to_string(), String::new()));
            }
        } else if let Some((_, body)) = cur.as_mut() {
            body.push_str(l);
            body.push('\n');
        }
    }
    out.extend(cur);
    out
}

#[test]
fn ios_outputs_parse_with_genie_and_ntc_templates() {
    let (Some(py), Some(chk)) = (python(), checker()) else {
        if std::env::var("EDGESH_REQUIRE_PARSERS").is_ok() {
            panic!("parser checks required but the venv (target/pyvenv) or parse_check.py is missing");
        }
        eprintln!("\n!!! SKIPPING Genie/ntc-templates parser checks: no Python venv at target/pyvenv (see .ci/run) or no parse_check.py\n");
        return;
    };
    let outs = outputs();
    assert!(outs.len() >= 5, "{outs:?}");
    let dir = std::env::temp_dir().join(format!("edgesh-parsers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // (command, parser family, extra args, text that must be in the structured result)
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        ("show crypto isakmp sa", "genie", &["--genie-os", "iosxe"], &["QM_IDLE", "192.0.2.2", "1001"]),
        ("show crypto ipsec sa", "genie", &["--genie-os", "iosxe"], &["GigabitEthernet0/0", "esp-aes esp-sha-hmac", "192.0.2.2"]),
        ("show crypto ipsec sa detail", "ntc", &[], &["GigabitEthernet0/0", "ACTIVE(ACTIVE)", "198.51.100.0"]),
        ("show crypto session", "genie", &["--genie-os", "iosxe", "ios"], &["UP-ACTIVE", "192.0.2.2"]),
        ("show crypto session detail", "ntc", &[], &["UP-ACTIVE", "192.0.2.2"]),
        ("show crypto session detail", "genie", &["--genie-os", "iosxe"], &["UP-ACTIVE"]),
    ];
    let mut failures = Vec::new();
    for (cmd, family, extra, want) in cases {
        let Some((_, text)) = outs.iter().find(|(c, _)| c == cmd) else {
            failures.push(format!("{cmd}: not in parsers.golden"));
            continue;
        };
        let f = dir.join(cmd.replace(' ', "_"));
        std::fs::write(&f, text).unwrap();
        let o = Command::new(&py).arg(&chk).arg(cmd).arg(&f).args(["--only", family, "--json", "--limit", "0"]).args(*extra).output().expect("running parse_check.py");
        let so = String::from_utf8_lossy(&o.stdout);
        let missing: Vec<&&str> = want.iter().filter(|w| !so.contains(**w)).collect();
        if !o.status.success() || !missing.is_empty() {
            failures.push(format!("{cmd} ({family}): exit {:?}, missing {missing:?}\n{so}\n{}", o.status.code(), String::from_utf8_lossy(&o.stderr)));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
