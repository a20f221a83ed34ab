//! Every command registered in a dialect's command graphs is typed in at
//! least one golden transcript of that dialect.
//!
//! A transcript line counts for a command when the line typed after a prompt
//! parses, in that dialect's graphs, to that command: abbreviations count as
//! the runner and the router accept them. The prompt's mode tag picks the
//! graph tried first; a line the mode does not know is tried in the other
//! modes of the dialect (as the router runs it in the parent mode that knows
//! it). `| pipes` after a show command and IOS `do` are taken off first.
//! Lines ending in `?` (help) or abandoned with `<^C>` run nothing and do not
//! count; `<TAB>` markers are dropped (the completed text follows them).
//!
//! A command is its spec text (`ike proposal NAME`): one registered in
//! several modes (show commands, `exit`, ...) needs one line in any of them.
//! SmartEdge lines come from `smartedge/` and from the SmartEdge routers of
//! `lab/`; IOS lines from `ios/` and the IOS routers of `lab/`.
//!
//! Commands no transcript types yet are listed in `uncovered_commands.txt`
//! (`smartedge: SPEC` / `ios: SPEC`, one a line). That list may only
//! shrink: a listed command that a transcript now types, or one that is no
//! longer registered, fails the test too, so it is taken off the list.

use edgesh_golden::{Transcript, split_parts};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dialect {
    SmartEdge,
    Ios,
    Asa,
}

impl Dialect {
    fn name(self) -> &'static str {
        match self {
            Dialect::SmartEdge => "smartedge",
            Dialect::Ios => "ios",
            Dialect::Asa => "asa",
        }
    }
}

/// One mode's graph: the prompt tag (`config-ike-policy`; "" for exec), the
/// mode's name for reports, and its commands as (spec, parse of a line).
struct Mode {
    tag: &'static str,
    name: String,
    specs: Vec<String>,
    parse: Box<dyn Fn(&str) -> Option<String>>,
}

/// The modes of a dialect and their graphs. This is the one place that knows
/// where the dialects keep their command graphs.
fn modes(d: Dialect) -> Vec<Mode> {
    // Each dialect module has a mode enum with `ALL` and `prompt()`, and
    // `graphs().get(mode)`.
    macro_rules! modes_of {
        ($m:ident, $kind:ident) => {{
            use edgesh_modes::$m::{graphs, $kind};
            $kind::ALL
                .iter()
                .map(|&k| Mode {
                    tag: k.prompt(),
                    name: format!("{k:?}"),
                    specs: graphs().get(k).commands().map(|c| c.spec.clone()).collect(),
                    parse: Box::new(move |l| graphs().get(k).parse(l).ok().map(|x| x.command.spec.clone())),
                })
                .collect()
        }};
    }
    match d {
        Dialect::SmartEdge => modes_of!(smartedge, ModeKind),
        Dialect::Ios => modes_of!(ios, IosMode),
        Dialect::Asa => modes_of!(asa, AsaMode),
    }
}

fn se_prompt() -> Regex {
    Regex::new(r"^\[[^\]\s]+\][^\s\[\]#>()]+(?:\(([a-z0-9-]+)\))?([#>])").expect("regex")
}
fn ios_prompt() -> Regex {
    Regex::new(r"^[A-Za-z0-9][^\s\[\]#>()]*(?:\(([a-z0-9-]+)\))?([#>])").expect("regex")
}
/// The ASA's prompt ends with a space (`ciscoasa(config)# `).
fn asa_prompt() -> Regex {
    Regex::new(r"^[A-Za-z0-9][^\s\[\]#>()]*(?:\(([a-z0-9-]+)\))?([#>]) ").expect("regex")
}

/// A typed line: the dialect, the prompt's mode tag, exec at `>`, the text.
struct Typed {
    dialect: Dialect,
    tag: String,
    user_exec: bool,
    text: String,
}

fn typed_lines(path: &Path) -> Vec<Typed> {
    let text = std::fs::read_to_string(path).expect("transcript");
    let (se, ios, asa) = (se_prompt(), ios_prompt(), asa_prompt());
    let mut out = Vec::new();
    for (_, part) in split_parts(&text) {
        let t = Transcript::parse(path, part);
        let lab = !t.devices.is_empty();
        let is_ios = t.args.windows(2).any(|w| w[0] == "--dialect" && w[1] == "ios");
        let is_asa = t.args.windows(2).any(|w| w[0] == "--dialect" && w[1] == "asa");
        // The lab's ASA devices: their names.
        let asa_devs: Vec<&str> = t
            .devices
            .iter()
            .filter(|(_, a)| a.windows(2).any(|w| w[0] == "--dialect" && w[1] == "asa"))
            .map(|(n, _)| n.as_str())
            .collect();
        for line in t.body.split('\n') {
            let m = if lab {
                se.captures(line)
                    .map(|c| (Dialect::SmartEdge, c))
                    .or_else(|| {
                        asa.captures(line)
                            .filter(|_| asa_devs.iter().any(|d| line.starts_with(d)))
                            .map(|c| (Dialect::Asa, c))
                    })
                    .or_else(|| ios.captures(line).map(|c| (Dialect::Ios, c)))
            } else if is_asa {
                asa.captures(line).map(|c| (Dialect::Asa, c))
            } else if is_ios {
                ios.captures(line).map(|c| (Dialect::Ios, c))
            } else {
                se.captures(line).map(|c| (Dialect::SmartEdge, c))
            };
            let Some((dialect, c)) = m else { continue };
            let typed = &line[c.get(0).map_or(0, |x| x.end())..];
            if typed.ends_with('?') || typed.contains("<^C>") || typed.contains("<^Z>") || typed.starts_with("@@") {
                continue;
            }
            let typed = typed.replace("<TAB>", "");
            if typed.trim().is_empty() {
                continue;
            }
            out.push(Typed {
                dialect,
                tag: c.get(1).map_or("", |x| x.as_str()).to_string(),
                user_exec: c.get(2).is_some_and(|x| x.as_str() == ">"),
                text: typed,
            });
        }
    }
    out
}

/// The spec of the command a typed line runs, if any.
fn command_of(t: &Typed, modes: &[Mode]) -> Option<String> {
    let mut forms = vec![t.text.clone()];
    // `show ... | include X`: the command is what comes before the pipe.
    if let Some((cmd, _)) = t.text.split_once('|') {
        forms.push(cmd.trim_end().to_string());
    }
    // IOS `do show ...` in configuration mode.
    if let Some(rest) = t.text.trim_start().strip_prefix("do ") {
        forms.push(rest.to_string());
        if let Some((cmd, _)) = rest.split_once('|') {
            forms.push(cmd.trim_end().to_string());
        }
    }
    // The prompt's own mode first (at `Router>` IOS user exec, which shares
    // its tag with exec), then every other mode.
    let mut order: Vec<&Mode> = modes.iter().filter(|m| m.tag == t.tag).collect();
    if t.dialect == Dialect::Ios && t.tag.is_empty() && t.user_exec {
        order.sort_by_key(|m| m.name != "UserExec");
    }
    order.extend(modes.iter().filter(|m| m.tag != t.tag));
    forms.iter().find_map(|f| order.iter().find_map(|m| (m.parse)(f)))
}

fn transcripts() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    edgesh_golden::collect(&[dir])
}

fn allow_list() -> BTreeSet<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/uncovered_commands.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (d, spec) =
                l.split_once(": ").unwrap_or_else(|| panic!("{}: `DIALECT: SPEC` expected, not {l:?}", path.display()));
            (d.to_string(), spec.to_string())
        })
        .collect()
}

#[test]
fn every_registered_command_is_in_a_transcript() {
    let files = transcripts();
    assert!(!files.is_empty(), "no transcripts");
    let typed: Vec<Typed> = files.iter().flat_map(|f| typed_lines(f)).collect();
    let allowed = allow_list();
    let mut missing = Vec::new();
    let mut now_covered = Vec::new();
    let mut registered_all = BTreeSet::new();
    for d in [Dialect::SmartEdge, Dialect::Ios, Dialect::Asa] {
        let modes = modes(d);
        // spec -> the modes that register it.
        let mut registered: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in &modes {
            for s in &m.specs {
                let v = registered.entry(s.clone()).or_default();
                if !v.contains(&m.name) {
                    v.push(m.name.clone());
                }
            }
        }
        let covered: BTreeSet<String> =
            typed.iter().filter(|t| t.dialect == d).filter_map(|t| command_of(t, &modes)).collect();
        for (spec, in_modes) in &registered {
            registered_all.insert((d.name().to_string(), spec.clone()));
            let listed = allowed.contains(&(d.name().to_string(), spec.clone()));
            match (covered.contains(spec), listed) {
                (false, false) => missing.push(format!("{}: {spec}    (modes: {})", d.name(), in_modes.join(", "))),
                (true, true) => now_covered.push(format!("{}: {spec}", d.name())),
                _ => {}
            }
        }
    }
    let stale: Vec<String> =
        allowed.iter().filter(|e| !registered_all.contains(*e)).map(|(d, s)| format!("{d}: {s}")).collect();
    let mut report = String::new();
    if !missing.is_empty() {
        report.push_str(&format!("{} registered commands are typed in no golden transcript of their dialect (add a case to golden/transcripts/):\n", missing.len()));
        for m in &missing {
            report.push_str(&format!("  {m}\n"));
        }
    }
    if !now_covered.is_empty() {
        report.push_str("now typed in a transcript: take them off golden/tests/uncovered_commands.txt:\n");
        for m in &now_covered {
            report.push_str(&format!("  {m}\n"));
        }
    }
    if !stale.is_empty() {
        report.push_str("no longer registered: take them off golden/tests/uncovered_commands.txt:\n");
        for m in &stale {
            report.push_str(&format!("  {m}\n"));
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// The matching itself: abbreviations, pipes, `do`, help and abandoned lines.
#[test]
fn typed_lines_are_matched_as_the_router_reads_them() {
    let dir = std::env::temp_dir().join(format!("edgesh-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let f = dir.join("x.golden");
    std::fs::write(
        &f,
        "[local]edgesh#sh conf | inc ike\n[local]edgesh#conf\n[local]edgesh(config)#ike pro<TAB>posal p1\n[local]edgesh(config-ike-proposal)#dh-group ?\n[local]edgesh(config-ike-proposal)#abort<^C>\n[local]edgesh(config-ike-proposal)#",
    )
    .expect("write");
    let lines = typed_lines(&f);
    let se = modes(Dialect::SmartEdge);
    let specs: Vec<Option<String>> = lines.iter().map(|t| command_of(t, &se)).collect();
    assert_eq!(lines.len(), 3, "help and abandoned lines run nothing");
    assert!(specs.iter().all(Option::is_some), "{specs:?}");
    assert!(specs[2].as_deref().is_some_and(|s| s.starts_with("ike proposal")), "{specs:?}");
    std::fs::write(
        &f,
        "#! --dialect ios\nRouter>en\nRouter#conf t\nRouter(config)#do sh run | section crypto\nRouter(config)#",
    )
    .expect("write");
    let lines = typed_lines(&f);
    let ios = modes(Dialect::Ios);
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|t| t.dialect == Dialect::Ios));
    assert!(
        lines.iter().all(|t| command_of(t, &ios).is_some()),
        "{:?}",
        lines.iter().map(|t| (&t.text, command_of(t, &ios))).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
