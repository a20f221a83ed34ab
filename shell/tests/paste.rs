//! Pastes that are not typed on a terminal (issue 14, item 2): a line's bytes
//! end at its end, invalid bytes are reported on their own line, and control
//! bytes are refused with the line number instead of acting as editing keys.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions};
use edgesh_shell::cli::run_piped;
use edgesh_shell::terminal::Terminal;
use std::sync::{Arc, Mutex};

fn session(dialect: Dialect) -> Session {
    let dir = std::env::temp_dir().join(format!("edgesh-paste-{}", std::process::id()));
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, dir)));
    Session::new(r, SessionOptions { dialect, ..Default::default() })
}

fn piped(dialect: Dialect, input: &[u8]) -> (i32, String) {
    let mut out = Vec::new();
    let code = run_piped(session(dialect), input, &mut out);
    (code, String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn ios_incomplete_utf8_does_not_eat_the_next_line() {
    let (code, t) = piped(
        Dialect::Ios,
        b"enable\nconfigure terminal\ninterface GigabitEthernet0/1\n description Caf\xE9\n ip address 10.1.1.1 255.255.255.0\nend\nshow running-config interface GigabitEthernet0/1\n",
    );
    assert_eq!(code, 1, "{t}");
    assert!(t.contains("% (input line 4 rejected)"), "{t}");
    assert!(t.contains("% 1 of 7 input lines rejected: 4"), "{t}");
    assert!(t.contains("(not UTF-8)"), "{t}");
    let shown = t.split("show running-config").last().unwrap();
    assert!(shown.contains(" ip address 10.1.1.1 255.255.255.0"), "{t}");
    assert!(!t.contains("\u{fffd}ip address"), "{t}");
}

#[test]
fn smartedge_incomplete_utf8_at_line_ends_loses_no_line() {
    let mut input = b"configure\n".to_vec();
    for i in 0..200 {
        input.extend_from_slice(format!("ike proposal p{i}\n").as_bytes());
        input.extend_from_slice(b" description x\xE9\n");
        input.extend_from_slice(b" dh-group 14\n");
    }
    input.extend_from_slice(b"end\nshow configuration ike\n");
    let (_, t) = piped(Dialect::SmartEdge, &input);
    assert!(t.contains("% 200 of 603 input lines rejected: 3, 6, 9"), "{}", &t[t.len().saturating_sub(2000)..]);
    let shown = t.split("show configuration ike").last().unwrap();
    assert_eq!(shown.matches("dh-group 14").count(), 200, "{shown}");
}

#[test]
fn a_utf8_sequence_split_across_reads_is_kept() {
    let mut t = Terminal::new(session(Dialect::SmartEdge), Vec::new(), true);
    t.paste = true;
    t.paste_numbers = true;
    t.feed(b"configure\nike proposal caf");
    t.feed(b"\xC3");
    t.feed(b"\xA9\nend\nshow configuration ike\n");
    let out = String::from_utf8_lossy(t.writer()).into_owned();
    assert!(t.rejected_lines.is_empty(), "{out}");
    assert!(out.contains("ike proposal café"), "{out}");
}

#[test]
fn control_bytes_in_a_paste_are_refused_with_the_line_number() {
    // ^C used to drop the line uncounted and run the rest (`c` = commit).
    let (code, t) = piped(Dialect::SmartEdge, b"configure\nike proposal ctl\x03c\nike proposal a\x08b\nike proposal u\x15v\nike proposal n\x00\n\x1a\nbogus\nike proposal ok\nend\nshow configuration ike\n");
    assert_eq!(code, 1, "{t}");
    assert!(!t.contains("ike proposal ctl\n"), "{t}");
    assert!(t.contains("ike proposal ctl^Cc"), "{t}");
    assert!(t.contains("(control character ^C)"), "{t}");
    assert!(t.contains("% 6 of 10 input lines rejected: 2, 3, 4, 5, 6, 7"), "{t}");
    let shown = t.split("show configuration ike").last().unwrap();
    assert!(shown.contains("ike proposal ok"), "{t}");
    for p in
        ["ike proposal c\n", "ike proposal b", "ike proposal ab", "ike proposal v", "ike proposal uv", "ike proposal n"]
    {
        assert!(!shown.contains(p), "{p}: {t}");
    }
    // Only `end` committed, once, after the refused lines.
    assert_eq!(t.matches("Transaction committed").count(), 1, "{t}");
}

#[test]
fn a_secret_line_counts_as_an_input_line() {
    let (_, t) = piped(Dialect::Ios, b"disable\nenable\nwrong\x03\nbogus\n");
    assert!(t.contains("% (input line 4 rejected)"), "{t}");
}

#[test]
fn a_line_too_long_reports_its_true_length() {
    let mut input = vec![b'x'; 1_000_013];
    input.push(b'\n');
    let (_, t) = piped(Dialect::SmartEdge, &input);
    assert!(t.contains("% Line too long (1000013 characters, at most 4096)"), "{}", &t[t.len().saturating_sub(500)..]);
}

/// Issue 14.12: an exec line between the terminal's limit and the old 8 KiB
/// buffer (4,097 to 8,191 characters) is refused with its reason, in both dialects.
#[test]
fn a_long_exec_line_is_refused_with_its_reason() {
    for dialect in [Dialect::SmartEdge, Dialect::Ios] {
        for n in [4_097usize, 6_000, 8_191] {
            let mut input = b"show ".to_vec();
            input.extend(std::iter::repeat_n(b'x', n - 5));
            input.push(b'\n');
            let (_, t) = piped(dialect, &input);
            assert!(
                t.contains(&format!("% Line too long ({n} characters, at most 4096)")),
                "{dialect:?} {n}: {}",
                &t[t.len().saturating_sub(300)..]
            );
        }
    }
}

#[test]
fn on_a_terminal_control_keys_still_edit() {
    let mut t = Terminal::new(session(Dialect::SmartEdge), Vec::new(), true);
    t.feed(b"configure\nike proposal ab\x08c\nike proposal zz\x15ike proposal d\nend\nshow configuration ike\n");
    let out = String::from_utf8_lossy(t.writer()).into_owned();
    assert!(t.rejected_lines.is_empty(), "{out}");
    assert!(out.contains("ike proposal ac") && out.contains("ike proposal d"), "{out}");
}

/// A comment line in another encoding (a real ASA 9.1 configuration's `!
/// What<0x92>s up`, Windows-1252) is let go as any comment: no configuration
/// is lost or refused; a configuration line with such a byte still is.
#[test]
fn a_comment_in_another_encoding_is_a_comment() {
    let (code, t) = piped(
        Dialect::Asa,
        b"enable\nconfigure terminal\n!  What\x92s up\nhostname fw1\nend\nshow running-config | include hostname\n",
    );
    assert_eq!(code, 0, "{t}");
    assert!(!t.contains("not UTF-8"), "{t}");
    assert!(t.contains("\nhostname fw1"), "{t}");
    let (code, t) = piped(Dialect::Asa, b"enable\nconfigure terminal\nhostname fw\x921\n");
    assert_eq!(code, 1, "{t}");
    assert!(t.contains("(not UTF-8)"), "{t}");
}
