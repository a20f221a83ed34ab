//! Binary garbage on standard input: no panic, every bad line rejected with a
//! `%` message, exit status 1.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Router, Session, SessionOptions};
use edgesh_shell::cli::run_piped;
use proptest::prelude::*;
use std::sync::{Arc, Mutex};

fn session() -> Session {
    let r = Arc::new(Mutex::new(Router::new(
        Config::new("edgesh"),
        Clock::Virtual(0),
        1,
        std::env::temp_dir().join("edgesh-garbage"),
    )));
    Session::new(r, SessionOptions::default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut input = b"configure\n".to_vec();
        input.extend_from_slice(&bytes);
        let mut out = Vec::new();
        let _code = run_piped(session(), &input[..], &mut out);
    }
}

#[test]
fn garbage_is_rejected_and_reported() {
    let mut out = Vec::new();
    let code = run_piped(
        session(),
        &b"configure\n\xff\xfe\x01garbage\x00\nike proposal ok\nend\nshow configuration ike\n"[..],
        &mut out,
    );
    let t = String::from_utf8_lossy(&out);
    assert_eq!(code, 1, "{t}");
    assert!(t.contains("% Invalid input at '^' marker"), "{t}");
    assert!(t.contains("% (input line 2 rejected)"), "{t}");
    assert!(t.contains("ike proposal ok"), "{t}");
    assert!(t.contains("% 1 of 5 input lines rejected: 2"), "{t}");
}
