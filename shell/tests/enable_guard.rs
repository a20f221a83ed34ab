//! `enable` brute force from a privilege-1 session (issue 14.4): each failed
//! secret is logged as IOS does (`%SYS-5-PRIV_AUTH_FAIL`), counted per user
//! across sessions, and the terminal takes no input for a growing delay
//! (what is typed meanwhile waits, it is not lost).

use edgesh_engine::Config;
use edgesh_modes::auth::LoginUser;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions};
use edgesh_shell::terminal::Terminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn router() -> Arc<Mutex<Router>> {
    let dir = std::env::temp_dir().join(format!("edgesh-enable-{}", std::process::id()));
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Real, 1, dir)));
    let mut s = Session::new(r.clone(), SessionOptions { dialect: Dialect::Ios, ..Default::default() });
    let mut out = edgesh_modes::VecOut::default();
    for l in [
        "enable",
        "configure terminal",
        "hostname R1",
        "enable secret 0 en4ble",
        "username ops password 0 opspw",
        "end",
    ] {
        assert!(s.execute(l, &mut out), "{l}: {:?}", out.0);
    }
    r
}

fn ops_terminal(r: &Arc<Mutex<Router>>, from: &str) -> Terminal<Vec<u8>> {
    let mut s =
        Session::new(r.clone(), SessionOptions { dialect: Dialect::Ios, user: "ops".into(), ..Default::default() });
    s.login(&LoginUser { name: "ops".into(), privilege: 1, max_privilege: 1, context: "local".into() }, true, from);
    Terminal::new(s, Vec::new(), true)
}

fn screen(t: &mut Terminal<Vec<u8>>) -> String {
    String::from_utf8_lossy(&std::mem::take(t.writer())).into_owned()
}

#[test]
fn a_failed_enable_is_logged_counted_and_delayed() {
    let r = router();
    let mut t = ops_terminal(&r, "192.0.2.9:40000");
    screen(&mut t);
    t.feed(b"enable\nwrong\nen4ble\nshow privilege\n");
    let s = screen(&mut t);
    assert!(!s.contains("R1#"), "input was taken during the delay: {s}");
    let wait = t.hold_remaining().expect("a delay after a failed secret");
    assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1), "{wait:?}");
    let log = r.lock().unwrap().log.iter().cloned().collect::<Vec<_>>().join("\n");
    assert!(
        log.contains("%SYS-5-PRIV_AUTH_FAIL: Authentication to Privilege level 15 failed by ops on vty1 (192.0.2.9)"),
        "{log}"
    );
    assert_eq!(edgesh_modes::privauth::failures(&r.lock().unwrap(), "ops"), 1);
    // What was typed waited, and runs once the delay is over.
    std::thread::sleep(wait);
    t.release_held();
    let s = screen(&mut t);
    assert!(s.contains("Current privilege level is 15"), "{s}");
    assert_eq!(edgesh_modes::privauth::failures(&r.lock().unwrap(), "ops"), 0, "a success forgets");
}

#[test]
fn failures_count_across_sessions_and_the_delay_grows() {
    let r = router();
    let mut a = ops_terminal(&r, "192.0.2.9:40000");
    let mut b = ops_terminal(&r, "192.0.2.10:40001");
    a.feed(b"enable\nx\n");
    b.feed(b"enable\ny\n");
    assert_eq!(edgesh_modes::privauth::failures(&r.lock().unwrap(), "ops"), 2);
    let wb = b.hold_remaining().expect("held");
    assert!(wb > Duration::from_millis(1500), "the second failure of the user waits 2 s: {wb:?}");
    // 72 guesses a second are no longer possible: typing on waits.
    let t0 = Instant::now();
    let mut tries = 0;
    while t0.elapsed() < Duration::from_millis(300) {
        b.feed(b"z\n");
        tries += 1;
    }
    assert_eq!(
        edgesh_modes::privauth::failures(&r.lock().unwrap(), "ops"),
        2,
        "{tries} lines typed during the delay were not tried"
    );
}

#[test]
fn smartedge_enable_reaches_privilege_max() {
    let dir = std::env::temp_dir().join(format!("edgesh-enable-se-{}", std::process::id()));
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, dir)));
    let mut s = Session::new(r.clone(), SessionOptions::default());
    s.login(
        &LoginUser { name: "oper".into(), privilege: 1, max_privilege: 5, context: "local".into() },
        false,
        "console",
    );
    let mut out = edgesh_modes::VecOut::default();
    assert!(s.execute("enable", &mut out), "{:?}", out.0);
    assert_eq!(s.privilege, 5, "{:?}", out.0);
    assert!(!s.execute("enable 15", &mut out));
    assert!(out.0.iter().any(|l| l.contains("highest privilege level for oper is 5")), "{:?}", out.0);
}
