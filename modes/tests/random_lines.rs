//! Random and hostile command lines never panic, and a rejected line changes
//! nothing in the candidate.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Router, Session, SessionOptions, VecOut};
use proptest::prelude::*;
use std::sync::{Arc, Mutex};

fn session() -> Session {
    let r = Arc::new(Mutex::new(Router::new(
        Config::new("edgesh"),
        Clock::Virtual(0),
        7,
        std::env::temp_dir().join("edgesh-prop"),
    )));
    Session::new(r, SessionOptions::default())
}

const WORDS: &[&str] = &[
    "configure",
    "context",
    "vpn",
    "local",
    "interface",
    "ike",
    "ike2",
    "proposal",
    "policy",
    "ipsec",
    "tunnel",
    "seq",
    "10",
    "17",
    "1",
    "14",
    "dh-group",
    "no",
    "exit",
    "end",
    "top",
    "abort",
    "commit",
    "confirmed",
    "show",
    "configuration",
    "changes",
    "peer-end-point",
    "remote",
    "1.1.1.1",
    "10.0.0.0/8",
    "300",
    "0",
    "99999999999999999999",
    "any",
    "tcp",
    "eq",
    "both",
    "in",
    "out",
    "esp",
    "spi",
    "key",
    "hex",
    "0xzz",
    "security-association",
    "access-list",
    "profile",
    "\"",
    "\"a b\"",
    "|",
    "include",
    "?",
    "rollback",
    "administrator",
    "password",
    "x",
    "encrypted",
    "$1$abc$",
    "on-demand",
    "manual",
    "economical",
    "pre-shared-key",
    "use-aaa",
    "mode",
    "aggressive",
    "ip",
    "route",
    "cost",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(proptest::sample::select(WORDS), 0..9).prop_map(|w| w.join(" ")),
        "\\PC{0,120}",
        proptest::collection::vec(any::<u8>(), 0..60).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_never_panic(lines in proptest::collection::vec(line(), 1..30)) {
        let mut s = session();
        s.enter_config();
        for l in &lines {
            let before = s.candidate.clone();
            let mut out = VecOut::default();
            let ok = s.execute(l, &mut out);
            let _ = s.help(l);
            let _ = s.complete(l);
            if !ok && s.in_config() && before.is_some() && s.candidate.is_some() {
                // A rejected line leaves the candidate as it was (a failed commit included).
                prop_assert_eq!(&before, &s.candidate, "line {:?} changed the candidate", l);
            }
            if !s.in_config() {
                s.enter_config();
            }
        }
    }
}

#[test]
fn a_very_long_line_is_refused() {
    let mut s = session();
    let mut out = VecOut::default();
    let long = format!("show {}", "x".repeat(5000));
    assert!(!s.execute(&long, &mut out));
    assert!(out.text().starts_with("% Line too long"), "{}", out.text());
}

#[test]
fn control_characters_are_refused_with_a_caret() {
    let mut s = session();
    let mut out = VecOut::default();
    assert!(!s.execute("show \u{7}version", &mut out));
    assert_eq!(out.text(), "                   ^\n% Invalid input at '^' marker (control character).\n");
}

const IOS_WORDS: &[&str] = &[
    "enable",
    "configure",
    "terminal",
    "crypto",
    "isakmp",
    "policy",
    "10",
    "encr",
    "aes",
    "256",
    "hash",
    "sha",
    "group",
    "14",
    "map",
    "CM",
    "ipsec-isakmp",
    "set",
    "peer",
    "198.51.100.1",
    "transform-set",
    "TS",
    "esp-aes",
    "esp-sha-hmac",
    "mode",
    "tunnel",
    "access-list",
    "101",
    "permit",
    "ip",
    "any",
    "host",
    "0.0.0.255",
    "interface",
    "Gi0/0",
    "no",
    "router",
    "bgp",
    "exit",
    "end",
    "do",
    "show",
    "running-config",
    "|",
    "section",
    "?",
    "\"",
    "ikev2",
    "keyring",
    "peer",
    "pre-shared-key",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_ios_sessions_never_panic(lines in proptest::collection::vec(prop_oneof![
        proptest::collection::vec(proptest::sample::select(IOS_WORDS), 0..9).prop_map(|w| w.join(" ")),
        "\\PC{0,100}",
    ], 1..30)) {
        let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 7, std::env::temp_dir().join("edgesh-prop-ios"))));
        let mut s = Session::new(r.clone(), SessionOptions { dialect: edgesh_modes::Dialect::Ios, ..Default::default() });
        s.ios.privileged = true;
        for l in &lines {
            let before = r.lock().unwrap().ios_doc.clone();
            let mut out = VecOut::default();
            let ok = s.execute(l, &mut out);
            let _ = s.help(l);
            let _ = s.complete(l);
            if !ok {
                // A rejected line changes nothing.
                prop_assert_eq!(&before, &r.lock().unwrap().ios_doc, "line {:?} changed the configuration", l);
            }
            if l.contains("write") {
                // Keep the property test away from the file system.
                let _ = 0;
            }
        }
    }
}
