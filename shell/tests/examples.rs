//! The guide's sample configurations (Examples 13 to 16 of seed 004, repaired
//! copies in golden/configs; see golden/configs/README.md for what was
//! repaired) load as whole files and pasted, with zero rejected lines, and
//! `show configuration` pasted back gives the identical configuration.

use edgesh_engine::Config;
use edgesh_modes::smartedge::render::{Selection, to_lines};
use edgesh_modes::{Clock, Router, Session, SessionOptions};
use edgesh_shell::cli::run_piped;
use edgesh_shell::load::load_config;
use std::sync::{Arc, Mutex};

fn router() -> Arc<Mutex<Router>> {
    Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(1_795_358_264), 1, std::env::temp_dir())))
}

fn example(n: u32) -> String {
    std::fs::read_to_string(format!("{}/../golden/configs/example{n}.cfg", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn running(r: &Arc<Mutex<Router>>) -> Config {
    (*r.lock().unwrap().running).clone()
}

/// Paste `text` after `configure` through the piped terminal; returns (exit status, transcript).
fn paste(r: &Arc<Mutex<Router>>, text: &str) -> (i32, String) {
    // A saved configuration ends with `end`, which commits; the guide's excerpts do not.
    let has_end = text.lines().any(|l| l.trim() == "end");
    let input = format!("configure\n{text}\n{}", if has_end { "" } else { "end\n" });
    let mut out = Vec::new();
    let s = Session::new(r.clone(), SessionOptions::default());
    let code = run_piped(s, input.as_bytes(), &mut out);
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn examples_load_as_files_with_the_expected_warnings() {
    let expected_warnings = [
        (13, vec!["tunnel ipsec rec_1_1: bind interface: context vpn1 does not exist"]),
        (
            14,
            vec![
                "tunnel ipsec rec_2_1: bind interface: context vpn2 does not exist",
                "tunnel ipsec rec_2_1: ike-policy ike-pol1 does not exist in context vpnEndB",
            ],
        ),
        (15, vec![]),
        (16, vec![]),
    ];
    for (n, warnings) in expected_warnings {
        let r = router();
        let rep = load_config(&r, &example(n), "x.cfg");
        assert_eq!(rep.rejected, 0, "example {n}: {:?}", rep.messages);
        assert_eq!(rep.commit_errors, 0, "example {n}: {:?}", rep.messages);
        let got: Vec<&str> =
            rep.messages.iter().map(|m| m.split_once("% Warning: ").map(|x| x.1).unwrap_or(m)).collect();
        assert_eq!(got, warnings, "example {n}");
    }
}

#[test]
fn examples_model_what_the_guide_says() {
    let r = router();
    load_config(&r, &example(13), "x.cfg");
    let c = running(&r);
    let pol = &c.contexts["vpnEndA"].ike_policies["ike-poll"];
    assert_eq!(pol.mode, edgesh_engine::config::ExchangeMode::Aggressive);
    assert_eq!(pol.proposals[&10], "ike-prop");
    let prop = &c.ike_proposals["ike-prop"];
    assert_eq!(prop.dh_group, 1);
    assert_eq!(prop.encryption, edgesh_engine::config::IkeEncr::DesCbc);
    assert_eq!(c.tunnels["rec_1_1"].context.as_deref(), Some("vpnEndA"));
    assert_eq!(c.contexts["local"].administrators["test"].privilege_start, Some(15));
    assert!(!c.services["console-break"]);
    let r = router();
    load_config(&r, &example(15), "x.cfg");
    let c = running(&r);
    assert_eq!(c.ipsec_policies["ipsec_policy"].pfs_group, Some(2));
    assert_eq!(c.ipsec_proposals["ipsec_proposal"].lifetime_seconds, 1800);
    assert_eq!(c.contexts["vpn"].ike_policies["ike_policy"].version, edgesh_engine::config::IkeVersion::V2);
    let r = router();
    load_config(&r, &example(16), "x.cfg");
    let c = running(&r);
    assert_eq!(c.contexts["C1"].routes.len(), 2);
    assert_eq!(c.contexts["C1"].routes[0].cost, Some(5));
    assert_eq!(c.tunnels.len(), 2);
}

#[test]
fn examples_paste_into_configuration_mode_without_a_rejected_line() {
    for n in [13, 14, 15, 16] {
        let r = router();
        let (code, transcript) = paste(&r, &example(n));
        assert_eq!(code, 0, "example {n}:\n{transcript}");
        assert!(!transcript.contains("% Invalid"), "example {n}:\n{transcript}");
        // The paste and the file load give the same configuration.
        let r2 = router();
        load_config(&r2, &example(n), "x.cfg");
        assert_eq!(running(&r), running(&r2), "example {n}");
    }
}

#[test]
fn show_configuration_pasted_back_is_identical() {
    for n in [13, 14, 15, 16] {
        let r = router();
        load_config(&r, &example(n), "x.cfg");
        let first = to_lines(&running(&r), &Selection::all()).join("\n");
        let r2 = router();
        let (code, transcript) = paste(&r2, &first);
        assert_eq!(code, 0, "example {n}:\n{transcript}");
        assert_eq!(running(&r), running(&r2), "example {n}");
        let second = to_lines(&running(&r2), &Selection::all()).join("\n");
        assert_eq!(first, second, "example {n}");
    }
}

#[test]
fn save_configuration_is_what_starts_next_time() {
    let dir = std::env::temp_dir().join(format!("edgesh-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = edgesh_shell::cli::Options {
        state_dir: Some(dir.clone()),
        virtual_clock: Some(0),
        seed: Some(1),
        ..Default::default()
    };
    let (r, bad) = edgesh_shell::cli::build_router(&opts, &mut Vec::new());
    assert_eq!(bad, 0);
    load_config(&r, &example(16), "x.cfg");
    let mut out = Vec::new();
    let code = run_piped(
        Session::new(r.clone(), SessionOptions::default()),
        &b"save configuration\nsave configuration other.cfg\n"[..],
        &mut out,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    assert!(dir.join("edgesh.cfg").exists() && dir.join("other.cfg").exists());
    // No temporary file is left behind.
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let (r2, bad) = edgesh_shell::cli::build_router(&opts, &mut Vec::new());
    assert_eq!(bad, 0);
    assert_eq!(running(&r), running(&r2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pki_commands_generate_check_and_refuse() {
    let dir = std::env::temp_dir().join(format!("edgesh-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cacert.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
    std::fs::write(dir.join("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n").unwrap();
    std::fs::write(dir.join("notpem.txt"), "hello\n").unwrap();
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, dir.clone())));
    // Piped as a file of lines: the certificate request's answers follow it.
    let input = "import pki certificate trusted rsa file /flash/cacert.pem
add pki key-pair keytest1 rsa 1024
import pki key-pair kp2 rsa file key.pem
import pki certificate self rsa key-pair nosuch file cacert.pem
import pki certificate trusted rsa file notpem.txt
add pki certificate-request rsa test1 file test1
keytest1
An Operator






192.0.2.1
192.0.2.1






n
show pki certificate trusted rsa
show pki key-pair
show pki certificate-request rsa
remove pki certificate 1
";
    let mut out = Vec::new();
    let code = run_piped(Session::new(r, SessionOptions::default()), input.as_bytes(), &mut out);
    let t = String::from_utf8_lossy(&out);
    assert_eq!(code, 1, "{t}");
    for want in [
        "% /flash/cacert.pem holds no X.509 certificate",
        "% key.pem: not a private key",
        "% cacert.pem holds no X.509 certificate",
        "% notpem.txt is not a PEM file holding a certificate",
        "% SUBJECT ALTERNATIVE NAMES",
        "Context: local\n",
        "Key pair keytest1\n  Type                      : rsa\n  Size                      : 1024 bits\n",
        "Context local: request test1, file test1, subject CN=An Operator",
        "% No certificate with handle 1",
        "% 5 of 27 input lines rejected: 1, 3, 4, 5, 27",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
    assert!(!t.contains("Key pair kp2"), "{t}");
    let csr = std::fs::read_to_string(dir.join("test1")).unwrap();
    assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"), "{csr}");
    assert!(!t.contains("MIIE"), "a key leaked:\n{t}");
    let _ = std::fs::remove_dir_all(&dir);
}
