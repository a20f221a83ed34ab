//! Golden transcripts: a file of what a terminal shows, replayed and compared
//! byte for byte.
//!
//! # Format (`*.golden`)
//!
//! ```text
//! # Lines starting with `#` at the top are comments.
//! #! --hostname edgesh --config ../configs/example13.cfg
//! [local]edgesh#configure
//! [local]edgesh(config)#ike proposal p1
//! [local]edgesh(config-ike-proposal)#dh-group ?
//!   1   DH group 1 (768-bit MODP)
//! ...
//! [local]edgesh(config-ike-proposal)#dh-group 2
//! ```
//!
//! * The header: leading lines starting with `#`; a `#!` line holds
//!   command-line options for the device (as `edgesh` takes them). Every
//!   transcript runs on a virtual clock starting at 2026-11-22 14:37:44 UTC,
//!   with seed 1 and a fresh state directory, so it is deterministic.
//! * The body is the screen: prompt lines carry what was typed after the
//!   prompt; everything else is output. The runner types the text after each
//!   prompt (and after the current line, when a prompt is redrawn after `?`).
//! * Special keys are written as markers: `?` (help), `<TAB>` (completion; the
//!   completed text follows the marker), `<^C>`, `<^Z>`; at a `---(more)---`
//!   (IOS: ` --More-- `)
//!   pager prompt `<SPACE>`, `<CR>` or `q`. After `?` (or a TAB that lists
//!   choices) the prompt is redrawn with the line typed so far, and the next
//!   prompt line continues it. A line that ends right after `<TAB>` is
//!   entered as completed; to abandon a line, end it with `<^C>`.
//! * To write a new transcript, write only the prompt lines with what is
//!   typed (any prompt text will do) and run `edgesh golden run --bless`:
//!   it fills in the prompts and the output; read them before committing.
//! * `@@ advance SECONDS` typed at a prompt is a runner directive: it moves
//!   the virtual clock (timers such as `commit confirmed` fire) instead of
//!   being sent to the device. In a lab, `@@ traffic SRC DST [N]` carries N
//!   (5) 100-byte echo requests from SRC to DST and their replies through
//!   the routers' ESP SAs (sealed and opened with the negotiated keys; the
//!   engines count them as the dataplane would), or, with no SA to carry
//!   them, starts the negotiation a crypto map waits for (`lab.rs`);
//!   `@@ traffic SRC DST N tamper` (a bit of each request's ICV flipped)
//!   and `@@ traffic SRC DST N spi HEX` (an SPI the receiver has no SA
//!   for) carry requests the receiver refuses and counts as drops.
//! * A question (IOS `... [confirm]`, `... [yes/no]: `, `... [no]: `,
//!   `modulus [2048]: `; SmartEdge `Enter the ...: `, `... (y/n): `) is a
//!   prompt: the text after it on its line was typed (the answer). After
//!   IOS's `End with a blank line or the word "quit" on a line by itself`
//!   and the empty line under it, the lines up to a blank one or `quit`
//!   were typed (a pasted certificate); after the ASA's `End with the word
//!   "quit" on a line by itself`, the lines up to `quit`.
//! * `<*>` in an expected line matches any text (for values that may vary).
//! * Secrets: at a `Password: ` prompt (`enable` asking for the enable
//!   secret, the login dialog) the device echoes nothing; the transcript
//!   writes what is typed as `Password: <secret:TEXT>` (`<secret:>` for an
//!   empty one). The runner types TEXT and Enter, and fails if the device is
//!   not waiting for a secret there.
//! * `#! --login` starts the device with the console login dialog, as
//!   `edgesh --login` does: `Username: NAME` lines (echoed), then a
//!   `Password: <secret:TEXT>` line.
//! * The last line is the prompt the device is left at; when it carries
//!   typed text, that line is typed too: a command that ends the session
//!   (`quit`, `logout`), after which the device shows no prompt.
//! * `#! file [DEVICE] DEST SRC` puts a copy of the file SRC (relative to
//!   the transcript, like `--config`) at DEST in the device's state
//!   directory (its `/flash`; DEST relative, without `..`) before the device
//!   starts, so the boot configuration finds it: a private key in
//!   `pki/keys/LABEL.pem`, a CRL in `pki/crl/`, a PEM file for SmartEdge's
//!   `import pki ...`. The copy is mode 0600 in directories of mode 0700 (the
//!   router refuses keys others can read). DEVICE names a lab's device (`#!
//!   device NAME ...`); a one-device transcript leaves it out.
//! * Parts: a file may hold several transcripts of one command family. A
//!   line starting with `#===` (for instance `#=== part 2: IKEv2 policies`)
//!   ends the part before it; what follows is a new transcript with its own
//!   `#` header and a fresh device (new state directory, clock and seed).

use edgesh_shell::cli::{Options, build_router, build_router_with, parse_args};

pub mod lab;
use edgesh_modes::{Session, SessionOptions};
use edgesh_shell::terminal::Terminal;
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Start time of every transcript: Sun Nov 22 14:37:44 2026 UTC.
pub const EPOCH: u64 = 1_795_358_264;

#[derive(Debug, Clone)]
pub struct Transcript {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub args: Vec<String>,
    /// Lab transcripts: `#! device NAME ARGS...` lines, one per router.
    pub devices: Vec<(String, Vec<String>)>,
    /// `#! file [DEVICE] DEST SRC` lines: (device, DEST, SRC) placed before the devices start.
    pub files: Vec<(Option<String>, String, String)>,
    pub body: String,
}

fn prompt_re(ios: bool) -> &'static Regex {
    static SE: OnceLock<Regex> = OnceLock::new();
    static IOS: OnceLock<Regex> = OnceLock::new();
    if ios {
        IOS.get_or_init(|| {
            Regex::new(r"^([A-Za-z0-9][^\s\[\]#>()]*(\([a-z0-9+-]+\))?[#>]|---\(more\)---| --More-- )")
                .expect("static regex")
        })
    } else {
        SE.get_or_init(|| {
            Regex::new(r"^(\[[^\]\s]+\][^\s\[\]#>()]+(\([a-z0-9+-]+\))?[#>]|---\(more\)---)").expect("static regex")
        })
    }
}

/// The ASA's prompt ends with a space (`ciscoasa(config)# `).
fn asa_prompt_re() -> &'static Regex {
    static ASA: OnceLock<Regex> = OnceLock::new();
    ASA.get_or_init(|| {
        Regex::new(r"^([A-Za-z0-9][^\s\[\]#>()]*(\([a-z0-9+-]+\))?[#>] |<--- More --->)").expect("static regex")
    })
}

impl Transcript {
    pub fn parse(path: &Path, text: &str) -> Transcript {
        let mut header = Vec::new();
        let mut args = Vec::new();
        let mut devices = Vec::new();
        let mut files = Vec::new();
        let mut rest = text;
        while rest.starts_with('#') {
            let (line, tail) = rest.split_once('\n').unwrap_or((rest, ""));
            if let Some(a) = line.strip_prefix("#!") {
                let w: Vec<String> = a.split_whitespace().map(str::to_string).collect();
                match w.split_first() {
                    Some((d, rest)) if d == "device" && !rest.is_empty() => {
                        devices.push((rest[0].clone(), rest[1..].to_vec()))
                    }
                    Some((f, rest)) if f == "file" => match rest {
                        [dest, src] => files.push((None, dest.clone(), src.clone())),
                        [dev, dest, src] => files.push((Some(dev.clone()), dest.clone(), src.clone())),
                        // Reported when the transcript runs.
                        _ => files.push((None, String::new(), line.to_string())),
                    },
                    _ => args.extend(w),
                }
            }
            header.push(line.to_string());
            rest = tail;
        }
        Transcript {
            path: path.to_path_buf(),
            header,
            args,
            devices,
            files,
            body: rest.strip_suffix('\n').unwrap_or(rest).to_string(),
        }
    }

    pub fn load(path: &Path) -> std::io::Result<Transcript> {
        Ok(Transcript::parse(path, &std::fs::read_to_string(path)?))
    }

    /// Every part of a file (see "Parts" above), each parsed on its own.
    pub fn load_parts(path: &Path) -> std::io::Result<Vec<Transcript>> {
        let text = std::fs::read_to_string(path)?;
        Ok(split_parts(&text).into_iter().map(|(_, t)| Transcript::parse(path, t)).collect())
    }

    /// What typed text each prompt line carries, in order.
    fn entries(&self) -> Vec<String> {
        // The last line is the prompt the device waits at, not a typed line,
        // unless something is typed on it: a command that ends the session
        // (`quit`, `logout`), after which no prompt comes.
        let (body, last) = self.body.rsplit_once('\n').unwrap_or(("", self.body.as_str()));
        let ios = self.args.windows(2).any(|w| w[0] == "--dialect" && w[1] == "ios");
        let asa = self.args.windows(2).any(|w| w[0] == "--dialect" && w[1] == "asa");
        let lab = !self.devices.is_empty();
        let ios_or_lab = |l: &str| -> Option<String> {
            let m = if lab {
                prompt_re(false).find(l).or_else(|| asa_prompt_re().find(l)).or_else(|| prompt_re(true).find(l))
            } else if asa {
                asa_prompt_re().find(l)
            } else {
                prompt_re(ios).find(l)
            }?;
            Some(if m.as_str() == "---(more)---" || m.as_str() == " --More-- " {
                format!("\0{}", &l[m.end()..])
            } else {
                l[m.end()..].to_string()
            })
        };
        // IOS's certificate paste (`crypto pki import`): after `End with a
        // blank line or the word "quit" on a line by itself` and the empty
        // line under it, every line up to a blank one or `quit` was typed;
        // the ASA's (`crypto ca import`): after `End with the word "quit" on
        // a line by itself`, every line up to `quit`.
        let mut paste = 0u8;
        body.split('\n')
            .filter_map(|l| {
                match paste {
                    1 => {
                        paste = 2;
                        return None;
                    }
                    2 => {
                        if l.is_empty() || l == "quit" {
                            paste = 0;
                        }
                        return Some(l.to_string());
                    }
                    // The ASA's paste: every line up to `quit` (blank ones too).
                    3 => {
                        if l == "quit" {
                            paste = 0;
                        }
                        return Some(l.to_string());
                    }
                    _ if l == "End with a blank line or the word \"quit\" on a line by itself" => {
                        paste = 1;
                        return None;
                    }
                    _ if l == "End with the word \"quit\" on a line by itself" => {
                        paste = 3;
                        return None;
                    }
                    _ => {}
                }
                if let Some(t) = l.strip_prefix("Password: ") {
                    return Some(format!("\x01{t}"));
                }
                if let Some(t) = l.strip_prefix("Username: ") {
                    return Some(format!("\x02{t}"));
                }
                // A question is a prompt too: what follows it was typed
                // (IOS `[confirm]`, `[yes/no]: `, `[no]: `; SmartEdge's
                // certificate request `Enter the ...: `, `(y/n): `).
                if let Some(i) = l.strip_prefix("Enter the ").and_then(|r| r.find(": ")) {
                    return Some(l["Enter the ".len() + i + 2..].to_string());
                }
                for q in ["[confirm]", "[yes/no]: ", "[no]: ", "(y/n): ", "modulus [2048]: ", "IP Address[]: "] {
                    if let Some(i) = l.find(q) {
                        return Some(l[i + q.len()..].to_string());
                    }
                }
                ios_or_lab(l)
            })
            .chain(ios_or_lab(last).filter(|e| !e.is_empty() && !e.starts_with('\0')))
            .collect()
    }
}

/// Split a file into its parts: (the `#===` line that opens the part, or ""
/// for the first part; the part's text, header included).
pub fn split_parts(text: &str) -> Vec<(&str, &str)> {
    let mut parts = Vec::new();
    let mut sep = "";
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("#===") {
            parts.push((sep, &text[start..pos]));
            sep = line.strip_suffix('\n').unwrap_or(line);
            start = pos + line.len();
        }
        pos += line.len();
    }
    parts.push((sep, &text[start..]));
    parts
}

/// The result of replaying one transcript.
#[derive(Debug)]
pub struct Outcome {
    pub rendered: String,
    pub matches: bool,
    /// Problems replaying (input that could not be typed as written).
    pub notes: Vec<String>,
}

const MARKERS: &[(&str, u8)] = &[("<TAB>", b'\t'), ("<^C>", 0x03), ("<^Z>", 0x1a), ("<SPACE>", b' '), ("<CR>", b'\r')];

/// Split typed text at its first special key: (plain text, the key byte, the rest).
fn next_special(s: &str) -> (&str, Option<(u8, &str)>) {
    let mut best: Option<(usize, usize, u8)> = None;
    if let Some(i) = s.find('?') {
        best = Some((i, 1, b'?'));
    }
    for (m, b) in MARKERS {
        if let Some(i) = s.find(m)
            && best.is_none_or(|(j, _, _)| i < j)
        {
            best = Some((i, m.len(), *b));
        }
    }
    match best {
        Some((i, len, b)) => (&s[..i], Some((b, &s[i + len..]))),
        None => (s, None),
    }
}

fn take(t: &mut Terminal<Vec<u8>>, rendered: &mut String) -> String {
    let bytes = std::mem::take(t.writer());
    let s = String::from_utf8_lossy(&bytes).into_owned();
    rendered.push_str(&s);
    s
}

/// One device of a transcript.
struct Device {
    name: String,
    /// Start at the login dialog (`#! --login`).
    login: bool,
    router: std::sync::Arc<std::sync::Mutex<edgesh_modes::Router>>,
    term: Terminal<Vec<u8>>,
}

/// Put the `#! file` copies in a state directory before the device starts.
fn place_files(files: &[(&str, &str)], dir: &Path, state_dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    for (dest, src) in files {
        let rel = Path::new(dest);
        let plain = rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if dest.is_empty() || !plain {
            return Err(format!(
                "bad #! file: {src} (#! file [DEVICE] DEST SRC, DEST relative to the state directory, without ..)"
            ));
        }
        let from = if Path::new(src).is_absolute() { PathBuf::from(src) } else { dir.join(src) };
        let data = std::fs::read(&from).map_err(|e| format!("#! file {dest} {src}: {e}"))?;
        let to = state_dir.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(|e| format!("#! file {dest}: {e}"))?;
        }
        std::fs::write(&to, data).map_err(|e| format!("#! file {dest}: {e}"))?;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("#! file {dest}: {e}"))?;
    }
    Ok(())
}

/// Build a device from its command-line arguments (virtual clock, seed 1 unless given).
#[allow(clippy::too_many_arguments)]
fn device(
    name: &str,
    seed: u64,
    args: &[String],
    files: &[(&str, &str)],
    dir: &Path,
    tmp: &Path,
    lab: bool,
    rendered: &mut String,
) -> Result<Device, String> {
    let mut args = args.to_vec();
    // Relative --config paths are relative to the transcript.
    for i in 0..args.len() {
        if args[i] == "--config" && i + 1 < args.len() && !Path::new(&args[i + 1]).is_absolute() {
            args[i + 1] = dir.join(&args[i + 1]).display().to_string();
        }
    }
    let mut o: Options = parse_args(&args).map_err(|e| format!("bad #! options: {e}"))?;
    o.virtual_clock = o.virtual_clock.or(Some(EPOCH));
    // Each lab device has its own random sequence (seed 1, 2, ... in header order).
    o.seed = o.seed.or(Some(seed));
    o.state_dir = o.state_dir.or(Some(tmp.join(name)));
    o.network = Some(false);
    if let Some(sd) = &o.state_dir {
        place_files(files, dir, sd)?;
    }
    let mut load_msgs = Vec::new();
    let (router, _) = if lab {
        // The lab carries datagrams from the first commit on.
        build_router_with(&o, &mut load_msgs, |r| r.engine.attach())
    } else {
        build_router(&o, &mut load_msgs)
    };
    if !load_msgs.is_empty() {
        // Load messages go to standard error; a transcript shows them first.
        let m = String::from_utf8_lossy(&load_msgs).replace(&format!("{}/", dir.display()), "");
        rendered.push_str(&m);
    }
    let session = Session::new(router.clone(), SessionOptions { dialect: o.dialect, ..Default::default() });
    Ok(Device { name: name.to_string(), login: o.login, router, term: Terminal::new(session, Vec::new(), true) })
}

/// Replay a transcript and compare.
pub fn run(t: &Transcript) -> Outcome {
    let mut notes = Vec::new();
    let dir = t.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let tmp = std::env::temp_dir().join(format!("edgesh-golden-{}-{}", std::process::id(), unique()));
    let mut rendered = String::new();
    let lab = !t.devices.is_empty();
    let specs: Vec<(String, Vec<String>)> =
        if lab { t.devices.clone() } else { vec![("device".into(), t.args.clone())] };
    let mut devs = Vec::new();
    for (dev, dest, src) in &t.files {
        if dest.is_empty() {
            return Outcome {
                rendered: String::new(),
                matches: false,
                notes: vec![format!("bad {src}: #! file [DEVICE] DEST SRC")],
            };
        }
        let known = match dev {
            Some(d) => specs.iter().any(|(n, _)| n == d),
            None => !lab,
        };
        if !known {
            let what = dev.as_ref().map_or("a lab's #! file line needs its DEVICE".to_string(), |d| {
                format!("#! file names no device of this transcript: {d}")
            });
            return Outcome { rendered: String::new(), matches: false, notes: vec![format!("{what} ({src})")] };
        }
    }
    for (i, (name, args)) in specs.iter().enumerate() {
        let files: Vec<(&str, &str)> = t
            .files
            .iter()
            .filter(|(d, _, _)| d.as_deref().is_none_or(|d| d == name))
            .map(|(_, dest, src)| (dest.as_str(), src.as_str()))
            .collect();
        match device(name, i as u64 + 1, args, &files, &dir, &tmp, lab, &mut rendered) {
            Ok(d) => devs.push(d),
            Err(e) => return Outcome { rendered: String::new(), matches: false, notes: vec![e] },
        }
    }
    let mut cur = 0;
    if lab {
        lab::deliver(&devs.iter().map(|d| d.router.clone()).collect::<Vec<_>>());
    }
    for d in devs.iter_mut() {
        if d.login {
            d.term.begin_login();
        }
    }
    if !devs[cur].login {
        devs[cur].term.prompt();
    }
    take(&mut devs[cur].term, &mut rendered);
    for entry in t.entries() {
        let routers: Vec<_> = devs.iter().map(|d| d.router.clone()).collect();
        let term = &mut devs[cur].term;
        if term.closed {
            notes.push("input after the session ended".into());
            break;
        }
        if let Some(t) = entry.strip_prefix('\x01') {
            // A secret: typed without echo; the transcript shows the marker.
            let Some(pw) = t.strip_prefix("<secret:").and_then(|x| x.strip_suffix('>')) else {
                notes.push(format!("a Password: line must hold <secret:TEXT>, not {t:?}"));
                break;
            };
            if !term.at_secret() {
                notes.push("a Password: line, but the device is not asking for a secret".into());
                break;
            }
            rendered.push_str(t);
            term.feed(pw.as_bytes());
            term.feed(b"\n");
            take(term, &mut rendered);
            continue;
        }
        if let Some(t) = entry.strip_prefix('\x02') {
            if !term.at_username() {
                notes.push("a Username: line, but the device is not asking for one".into());
                break;
            }
            term.feed(t.as_bytes());
            term.feed(b"\n");
            take(term, &mut rendered);
            continue;
        }
        let (at_more, text) = match entry.strip_prefix('\0') {
            Some(t) => (true, t.to_string()),
            None => (false, entry),
        };
        if at_more != term.at_more() {
            notes.push(format!(
                "expected {} but the device is at {}",
                if at_more { "a pager prompt" } else { "a command prompt" },
                if term.at_more() { "a pager prompt" } else { "a command prompt" }
            ));
            break;
        }
        if at_more {
            let (_, sp) = next_special(&text);
            let key = match (sp, text.as_str()) {
                (Some((b, _)), _) => b,
                (None, "q") => b'q',
                _ => b'q',
            };
            term.feed(&[key]);
            take(term, &mut rendered);
            continue;
        }
        if let Some(d) = text.strip_prefix("@@") {
            rendered.push_str(&text);
            rendered.push('\n');
            let w: Vec<&str> = d.split_whitespace().collect();
            if let ["device", name] = w.as_slice() {
                match devs.iter().position(|x| x.name == *name) {
                    Some(i) => cur = i,
                    None => notes.push(format!("no device {name} in this transcript")),
                }
            } else if lab {
                lab::directive(d.trim(), &routers, &mut notes);
            } else {
                directive(d.trim(), &devs[cur].router, &mut notes);
            }
            let term = &mut devs[cur].term;
            for m in term.session.poll() {
                rendered.push_str(&m);
                rendered.push('\n');
            }
            term.prompt();
            take(term, &mut rendered);
            continue;
        }
        // The line typed so far (kept after `?`) is already on the screen.
        let cur_line = term.line().to_string();
        let mut rest = match text.strip_prefix(cur_line.as_str()) {
            Some(r) => r.to_string(),
            None => {
                notes.push(format!("a prompt line does not continue the current line {cur_line:?}: {text:?}"));
                term.feed(&[0x15]);
                text.clone()
            }
        };
        loop {
            let (plain, sp) = next_special(&rest);
            term.feed(plain.as_bytes());
            take(term, &mut rendered);
            match sp {
                None => {
                    if lab {
                        // Run the command, let the network settle, then show the prompt's messages.
                        term.feed(b"\n");
                        let out = take(term, &mut rendered);
                        let _ = out;
                        lab::deliver(&routers);
                    } else {
                        term.feed(b"\n");
                        take(term, &mut rendered);
                    }
                    break;
                }
                Some((key, after)) => {
                    term.feed(&[key]);
                    let echoed = take(term, &mut rendered);
                    if key == b'\t' && !echoed.contains('\n') && after.is_empty() {
                        // The line ends right after an inline completion: Enter.
                        term.feed(b"\n");
                        take(term, &mut rendered);
                        break;
                    }
                    if key != b'\t' || echoed.contains('\n') || after.is_empty() {
                        if !after.is_empty() {
                            notes.push(format!("text after a special key on one line: {after:?}"));
                        }
                        break;
                    }
                    // Inline completion: skip the completed text the device echoed.
                    let inserted = echoed.strip_prefix("<TAB>").unwrap_or(&echoed);
                    rest = match after.strip_prefix(inserted) {
                        Some(r) => r.to_string(),
                        None => {
                            notes.push(format!("completion inserted {inserted:?}, the transcript has {after:?}"));
                            after.to_string()
                        }
                    };
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let matches = notes.is_empty() && same(&t.body, &rendered);
    Outcome { rendered, matches, notes }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn directive(d: &str, router: &std::sync::Arc<std::sync::Mutex<edgesh_modes::Router>>, notes: &mut Vec<String>) {
    let w: Vec<&str> = d.split_whitespace().collect();
    match w.as_slice() {
        ["advance", n] => match n.parse::<u64>() {
            Ok(n) => router.lock().unwrap_or_else(|e| e.into_inner()).advance(n),
            Err(_) => notes.push(format!("bad directive: @@ {d}")),
        },
        _ => notes.push(format!("unknown directive: @@ {d}")),
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    if !expected.contains("<*>") {
        return expected == actual;
    }
    let pat = expected.split("<*>").map(regex::escape).collect::<Vec<_>>().join(".*");
    Regex::new(&format!("^{pat}$")).is_ok_and(|r| r.is_match(actual))
}

/// Compare line by line, honouring `<*>`.
pub fn same(expected: &str, actual: &str) -> bool {
    let a = actual.strip_suffix('\n').unwrap_or(actual);
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = a.split('\n').collect();
    e.len() == a.len() && e.iter().zip(&a).all(|(e, a)| line_matches(e, a))
}

/// The new file text for `--bless`: header, then the rendered body, keeping
/// expected lines with `<*>` that still match.
pub fn blessed(t: &Transcript, rendered: &str) -> String {
    let r = rendered.strip_suffix('\n').unwrap_or(rendered);
    let old: Vec<&str> = t.body.split('\n').collect();
    let mut out = String::new();
    for h in &t.header {
        out.push_str(h);
        out.push('\n');
    }
    for (i, l) in r.split('\n').enumerate() {
        match old.get(i) {
            Some(o) if o.contains("<*>") && line_matches(o, l) => out.push_str(o),
            _ => out.push_str(l),
        }
        out.push('\n');
    }
    out
}

/// A unified-style report of the first differences.
pub fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.strip_suffix('\n').unwrap_or(actual).split('\n').collect();
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        let same = matches!((x, y), (Some(x), Some(y)) if line_matches(x, y));
        if !same {
            out.push_str(&format!(
                "line {}:\n  expected: {}\n  actual:   {}\n",
                i + 1,
                x.unwrap_or("<end>"),
                y.unwrap_or("<end>")
            ));
            shown += 1;
            if shown >= 5 {
                out.push_str("  ...\n");
                break;
            }
        }
    }
    out
}

/// All `*.golden` files under the given paths.
pub fn collect(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> =
                std::fs::read_dir(p).into_iter().flatten().flatten().map(|e| e.path()).collect();
            entries.sort();
            out.extend(collect(&entries));
        } else if p.extension().is_some_and(|e| e == "golden") || p.is_file() && paths.len() == 1 {
            out.push(p.clone());
        }
    }
    out
}

/// Run (or bless) transcripts; prints one line per file. Returns the failures.
pub fn run_paths(paths: &[PathBuf], bless: bool, out: &mut dyn std::io::Write) -> usize {
    let mut failed = 0;
    let files = collect(paths);
    for f in &files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(out, "FAIL {}: {e}", f.display());
                failed += 1;
                continue;
            }
        };
        let parts = split_parts(&text);
        let several = parts.len() > 1;
        let mut new_text = String::new();
        let mut file_ok = true;
        let mut file_blessed = false;
        let mut report = String::new();
        for (i, (sep, part)) in parts.iter().enumerate() {
            if !sep.is_empty() {
                new_text.push_str(sep);
                new_text.push('\n');
            }
            let t = Transcript::parse(f, part);
            let o = run(&t);
            let name = match (several, sep.trim_start_matches("#===").trim()) {
                (false, _) => String::new(),
                (true, "") => format!(" (part {})", i + 1),
                (true, s) => format!(" ({s})"),
            };
            if o.matches {
                new_text.push_str(part);
                continue;
            }
            if bless && o.notes.is_empty() {
                let b = blessed(&t, &o.rendered);
                // Keep the separator layout: a part that is followed by another ends with a newline.
                new_text.push_str(&b);
                file_blessed = true;
                continue;
            }
            new_text.push_str(part);
            file_ok = false;
            report.push_str(&format!("  in{name}\n"));
            for n in &o.notes {
                report.push_str(&format!("  {n}\n"));
            }
            report.push_str(&diff(&t.body, &o.rendered));
        }
        if !file_ok {
            failed += 1;
            let _ = writeln!(out, "FAIL {}", f.display());
            let _ = write!(out, "{report}");
            continue;
        }
        if file_blessed {
            match std::fs::write(f, &new_text) {
                Ok(()) => {
                    let _ = writeln!(out, "blessed {}", f.display());
                }
                Err(e) => {
                    let _ = writeln!(out, "FAIL {}: {e}", f.display());
                    failed += 1;
                }
            }
            continue;
        }
        let _ = writeln!(out, "ok   {}", f.display());
    }
    if files.is_empty() {
        let _ = writeln!(out, "no transcripts found");
        return 1;
    }
    failed
}

/// `edgesh golden run [--bless] PATH...`
pub fn cli(args: &[String]) -> i32 {
    let mut bless = false;
    let mut paths = Vec::new();
    match args.first().map(String::as_str) {
        Some("run") => {}
        _ => {
            eprintln!("usage: edgesh golden run [--bless] PATH...");
            return 2;
        }
    }
    for a in &args[1..] {
        match a.as_str() {
            "--bless" => bless = true,
            p => paths.push(PathBuf::from(p)),
        }
    }
    if paths.is_empty() {
        eprintln!("usage: edgesh golden run [--bless] PATH...");
        return 2;
    }
    let failed = run_paths(&paths, bless, &mut std::io::stdout());
    i32::from(failed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn specials_and_masks() {
        assert_eq!(next_special("ike pro<TAB>posal x"), ("ike pro", Some((b'\t', "posal x"))));
        assert_eq!(next_special("show ?"), ("show ", Some((b'?', ""))));
        assert_eq!(next_special("abc"), ("abc", None));
        assert!(line_matches("Up <*> secs", "Up 5 secs"));
        assert!(!line_matches("Up <*> secs", "Down 5"));
    }

    #[test]
    fn parts_split_at_separator_lines() {
        let text = "# one\n[local]edgesh#\n#=== part 2\n# two\n[local]edgesh#show clock\nX\n[local]edgesh#\n";
        let p = split_parts(text);
        assert_eq!(
            p,
            vec![
                ("", "# one\n[local]edgesh#\n"),
                ("#=== part 2", "# two\n[local]edgesh#show clock\nX\n[local]edgesh#\n")
            ]
        );
        assert_eq!(split_parts("[local]edgesh#\n"), vec![("", "[local]edgesh#\n")]);
    }

    #[test]
    fn a_command_on_the_last_line_is_typed() {
        let t = Transcript::parse(
            Path::new("x.golden"),
            "[local]edgesh#show clock\nSun Nov 22 14:37:44 2026 UTC\n[local]edgesh#quit\n",
        );
        let o = run(&t);
        assert!(o.matches, "{:?} {}", o.notes, o.rendered);
        assert!(o.rendered.ends_with("#quit\n"));
    }

    #[test]
    fn file_lines_put_files_in_the_state_directory_before_the_device_starts() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("edgesh-golden-files-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("boot.cfg"), "hostname placed\n").unwrap();
        std::fs::write(dir.join("ca.pem"), include_str!("../pki/ca.pem")).unwrap();
        let path = dir.join("x.golden");
        // SmartEdge's /flash is the state directory: the import finds the file placed there.
        let t = Transcript::parse(
            &path,
            "#! file ca.pem ca.pem\n[local]edgesh#import pki certificate trusted rsa file /flash/ca.pem\n[local]edgesh#show pki certificate trusted rsa | include Subject\n  Subject                   : C=US,O=Edgesh Lab,CN=Edgesh Lab Test CA\n[local]edgesh#",
        );
        assert_eq!(t.files, vec![(None, "ca.pem".to_string(), "ca.pem".to_string())]);
        assert!(t.args.iter().all(|a| a != "file"), "{:?}", t.args);
        let sd = dir.join("state");
        let files = [("sub/boot.cfg", "boot.cfg")];
        place_files(&files, &dir, &sd).unwrap();
        assert_eq!(std::fs::read_to_string(sd.join("sub/boot.cfg")).unwrap(), "hostname placed\n");
        assert_eq!(std::fs::metadata(sd.join("sub/boot.cfg")).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(sd.join("sub")).unwrap().permissions().mode() & 0o777, 0o700);
        let o = run(&t);
        assert!(o.matches, "{:?} {}", o.notes, o.rendered);
        // Refused: a DEST that leaves the state directory, a missing SRC, a lab line without its device.
        assert!(place_files(&[("../x", "boot.cfg")], &dir, &sd).unwrap_err().starts_with("bad #! file"));
        assert!(place_files(&[("/etc/x", "boot.cfg")], &dir, &sd).is_err());
        assert!(place_files(&[("x", "missing.pem")], &dir, &sd).unwrap_err().starts_with("#! file x missing.pem: "));
        let lab = Transcript::parse(&path, "#! device r1 --hostname r1\n#! file nosuch x boot.cfg\n[local]r1#");
        assert_eq!(run(&lab).notes, vec!["#! file names no device of this transcript: nosuch (boot.cfg)".to_string()]);
        let bad = Transcript::parse(&path, "#! file onlyone\n[local]edgesh#");
        assert_eq!(run(&bad).notes, vec!["bad #! file onlyone: #! file [DEVICE] DEST SRC".to_string()]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_wrong_transcript_fails() {
        let t = Transcript::parse(
            Path::new("x.golden"),
            "[local]edgesh#show clock\nMon Jan 01 00:00:00 2001 UTC\n[local]edgesh#",
        );
        let o = run(&t);
        assert!(!o.matches);
        assert!(o.rendered.contains("Sun Nov 22 14:37:44 2026 UTC"));
        let fixed = blessed(&t, &o.rendered);
        let o2 = run(&Transcript::parse(Path::new("x.golden"), &fixed));
        assert!(o2.matches, "{}", o2.rendered);
    }
}
