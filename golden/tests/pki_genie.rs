//! `show crypto pki certificates` and `show crypto pki trustpoints` of
//! `transcripts/ios/pki.golden` (checked byte for byte by the golden tests)
//! through Genie's iosxe parsers (`ShowCryptoPkiCertificates`,
//! `ShowCryptoPkiTrustpoints`), via `genie_parse.py`: what Genie reads must
//! be the certificates the transcript loaded. Needs the Python venv
//! (`EDGESH_PYVENV`, default target/pyvenv); without it the test says so
//! LOUDLY and passes, unless `EDGESH_REQUIRE_PARSERS` is set.

use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("EDGESH_PYVENV").map(PathBuf::from).unwrap_or_else(|| root().join("target/pyvenv"));
    let py = p.join("bin/python");
    py.exists().then_some(py)
}

/// The output of `R1#COMMAND` in the transcript.
fn output(cmd: &str) -> String {
    let text = std::fs::read_to_string(root().join("golden/transcripts/ios/pki.golden")).expect("pki.golden");
    let mut lines = text.lines().skip_while(|l| *l != format!("R1#{cmd}")).skip(1);
    let mut out = String::new();
    for l in lines.by_ref().take_while(|l| !l.starts_with("R1#")) {
        out.push_str(l);
        out.push('\n');
    }
    assert!(!out.is_empty(), "{cmd}: not in pki.golden");
    out
}

#[test]
fn pki_shows_parse_with_genie() {
    let Some(py) = python() else {
        if std::env::var("EDGESH_REQUIRE_PARSERS").is_ok() {
            panic!("parser checks required but the venv (target/pyvenv) is missing");
        }
        eprintln!(
            "\n!!! SKIPPING the Genie checks of show crypto pki: no Python venv at target/pyvenv (see .ci/run)\n"
        );
        return;
    };
    let cases = [
        ("show crypto pki certificates", output("show crypto pki certificates")),
        ("show crypto pki trustpoints", output("show crypto pki trustpoints")),
    ];
    let input = serde_json::Value::Array(cases.iter().map(|(c, t)| json!({ "command": c, "text": t })).collect());
    let mut child = Command::new(&py)
        .arg(root().join("golden/tests/genie_parse.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "genie_parse.py failed");
    let res: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("genie_parse.py output");
    let certs = &res[0]["parsed"];
    assert_eq!(
        certs,
        &json!({"trustpoints": {"GOLDEN": {"associated_trustpoints": {
            "certificate": [{
                "status": "Available", "serial_number_in_hex": "02", "usage": "General Purpose",
                "issuer": {"cn": "Edgesh Golden Root CA", "o": "Edgesh Golden"},
                "subject": {"name": "R1.example.net", "cn": "R1.example.net", "o": "Edgesh Golden"},
                "validity_date": {"start_date": "12:30:00 UTC Jun 1 2026", "end_date": "12:30:00 UTC Jun 1 2027"},
                "storage": "nvram:EdgeshGolden#2.cer"
            }],
            "ca_certificate": [{
                "status": "Available", "serial_number_in_hex": "01", "usage": "Signature",
                "issuer": {"cn": "Edgesh Golden Root CA", "o": "Edgesh Golden"},
                "subject": {"cn": "Edgesh Golden Root CA", "o": "Edgesh Golden"},
                "validity_date": {"start_date": "00:00:00 UTC Jan 1 2026", "end_date": "00:00:00 UTC Jan 1 2036"},
                "storage": "nvram:EdgeshGolden#1CA.cer"
            }]
        }}}}),
        "Genie's parse of\n{}",
        cases[0].1
    );
    // `| json` is Genie's parse of the text (issue 16): field for field.
    let as_json = |cmd: &str| -> serde_json::Value {
        serde_json::from_str(&output(&format!("{cmd} | json"))).expect("| json is one JSON document")
    };
    assert_eq!(&as_json("show crypto pki certificates"), certs, "| json against Genie's parse");
    let tps = &res[1]["parsed"];
    // Genie's trustpoints parse puts the lines it does not know in a
    // `comment`; apart from it, `| json` is Genie's parse.
    let mut genie_tps = tps.clone();
    genie_tps["trustpoints"]["GOLDEN"].as_object_mut().unwrap().remove("comment");
    assert_eq!(as_json("show crypto pki trustpoints"), genie_tps, "| json against Genie's parse");
    assert_eq!(
        tps["trustpoints"]["GOLDEN"]["issuing_ca"]["subject"],
        json!({"cn": "Edgesh Golden Root CA", "o": "Edgesh Golden"}),
        "{tps}"
    );
    assert_eq!(tps["trustpoints"]["GOLDEN"]["serial_number_in_hex"], "01", "{tps}");
    // Genie knows only the cn= and o= lines of a subject: the c= line lands in its comment.
    assert_eq!(tps["trustpoints"]["GOLDEN"]["comment"], "c=US \n Certificate configured.", "{tps}");
    assert!(tps["trustpoints"]["BROKEN"].is_object(), "{tps}");
}
