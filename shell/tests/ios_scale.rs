//! IOS loads are linear in the number of lines (issue 14.10): twenty times the
//! lines of one family (numbered and named ACL entries, ISAKMP keys,
//! policies, crypto map entries, unmodelled lines) take about twenty times as
//! long, from a file and pasted. A quadratic load takes 400 times. The test
//! measures this process's CPU time, not the wall clock: other builds and
//! tests on a 2-core machine stretch the wall clock many times over.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions};
use edgesh_shell::cli::run_piped;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn ip(i: usize) -> String {
    format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256)
}

/// `n` lines of a family.
pub fn family(name: &str, n: usize) -> String {
    let mut v: Vec<String> = Vec::with_capacity(n + 1);
    match name {
        "acl" => {
            v.extend((0..n).map(|i| format!("access-list 101 permit tcp host {} any eq {}", ip(i), 1 + i % 60000)))
        }
        "named-acl" => {
            v.push("ip access-list extended BIG".into());
            v.extend((0..n).map(|i| format!(" permit udp host {} any eq {}", ip(i), 1 + i % 60000)));
        }
        "keys" => v.extend((0..n).map(|i| format!("crypto isakmp key k{i} address {}", ip(i)))),
        "policies" => {
            for i in 0..n / 3 {
                v.extend([
                    format!("crypto isakmp policy {}", 1 + i % 10000),
                    " encryption aes 256".into(),
                    " group 14".into(),
                ]);
            }
        }
        "map-entries" => {
            for i in 0..n / 3 {
                v.extend([
                    format!("crypto map M {} ipsec-isakmp", 1 + i % 65535),
                    format!(" set peer {}", ip(i)),
                    format!(" match address {}", 100 + i % 100),
                ]);
            }
        }
        "unmodelled" => v.extend((0..n).map(|i| format!("snmp-server host {} community{i}", ip(i)))),
        _ => unreachable!(),
    }
    v.join("\n") + "\n"
}

pub const FAMILIES: [&str; 6] = ["acl", "named-acl", "keys", "policies", "map-entries", "unmodelled"];

fn router() -> Arc<Mutex<Router>> {
    Arc::new(Mutex::new(Router::new(
        Config::new("edgesh"),
        Clock::Virtual(0),
        1,
        std::env::temp_dir().join("edgesh-ios-scale"),
    )))
}

/// The CPU time this process has used so far.
fn cpu() -> Duration {
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID).expect("process CPU clock");
    Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32)
}

/// Load from a file (what `--config` does): the CPU time, and lines rejected.
pub fn file_load(text: &str) -> (Duration, usize) {
    let r = router();
    let t = cpu();
    let (_, rejected, _) = edgesh_modes::ios::apply_text(&r, text, "x.cfg");
    (cpu() - t, rejected)
}

/// Paste on standard input: the CPU time, and the exit status.
pub fn paste(text: &str) -> (Duration, i32) {
    let input = format!("enable\nconfigure terminal\n{text}end\n");
    let s = Session::new(router(), SessionOptions { dialect: Dialect::Ios, ..Default::default() });
    let t = cpu();
    let code = run_piped(s, input.as_bytes(), std::io::sink());
    (cpu() - t, code)
}

#[test]
fn twenty_times_the_lines_take_about_twenty_times_as_long() {
    for fam in FAMILIES {
        let (small, big) = (family(fam, 1_000), family(fam, 20_000));
        // The small loads at their best of three, against noise from other builds.
        let best = |f: &dyn Fn() -> Duration| f().min(f()).min(f());
        let fs = best(&|| file_load(&small).0);
        let (fb, rej) = file_load(&big);
        assert_eq!(rej, 0, "{fam}");
        let ps = best(&|| paste(&small).0);
        let (pb, code) = paste(&big);
        assert_eq!(code, 0, "{fam}");
        eprintln!("{fam:12} file 1k {fs:>10.2?} 20k {fb:>10.2?}   paste 1k {ps:>10.2?} 20k {pb:>10.2?}");
        // Linear is 20x; quadratic is 400x (a 20k ACL took 8.4 s). CPU time
        // still varies with cache and memory pressure from other processes.
        assert!(fb < fs * 60 + Duration::from_millis(300), "{fam}: file 1k {fs:?}, 20k {fb:?}");
        assert!(pb < ps * 60 + Duration::from_millis(300), "{fam}: paste 1k {ps:?}, 20k {pb:?}");
    }
}

/// The commit is linear too: `ios_scale_config` crypto map entries (each
/// with its peer, key and access list, applied to an interface) loaded and
/// taken by the engine (compile, engine configuration, PKI attach). The PKI
/// attach scanned the whole document for each entry, the pre-shared key
/// look-up every key: 10,000 entries took minutes.
#[test]
fn ten_times_the_crypto_map_entries_commit_in_about_ten_times_as_long() {
    let load = |n: usize| {
        let text = edgesh_shell::scale::ios_scale_config(n);
        let r = router();
        r.lock().unwrap().dialect = Dialect::Ios;
        let t = cpu();
        let rep = edgesh_shell::load::load_ios(&r, &text, "x.cfg");
        let took = cpu() - t;
        assert_eq!(rep.rejected, 0, "{:?}", rep.messages);
        assert_eq!(r.lock().unwrap().ike().conf().peers.len(), n, "every entry reaches the engine");
        took
    };
    let small = load(200).min(load(200)).min(load(200));
    let big = load(2_000);
    eprintln!("crypto map entries with the commit: 200 {small:.2?}, 2000 {big:.2?}");
    // Linear is 10x; quadratic is 100x.
    assert!(big < small * 30 + Duration::from_millis(300), "200 {small:?}, 2000 {big:?}");
}

/// The README's figures: `cargo test --release -p edgesh-shell --test
/// ios_scale -- --ignored --nocapture` (2k, 20k and 200k lines per family).
#[test]
#[ignore]
fn figures() {
    for fam in FAMILIES {
        let mut row = format!("{fam:12}");
        for n in [2_000, 20_000, 200_000] {
            let text = family(fam, n);
            let (f, rej) = file_load(&text);
            let (p, code) = paste(&text);
            assert!(rej == 0 && code == 0, "{fam} {n}");
            row += &format!("  {n:>7}: file {f:>9.2?} paste {p:>9.2?}");
        }
        eprintln!("{row}");
    }
}
