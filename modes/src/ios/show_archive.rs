//! The configuration archive: `archive` / `path FILE` / `maximum N` /
//! `write-memory` in the configuration, `archive config` (and `write memory`
//! when `write-memory` is set) saving the running configuration as the next
//! archive file, and `show archive` listing them as IOS does.
//!
//! The archive files are real files of the router's file system (the state
//! directory, `flash:`); the list is read back from the files there, so it
//! survives a restart. A file is named as IOS names it: the path with `$h`
//! (host name) and `$t` (time, `Nov-22-14-37-44.000-UTC`) expanded, then
//! `-N`, N counting from 0. Beyond `maximum` (10 by default) the oldest
//! file is deleted.

use super::IosDoc;
use crate::out::Out;
use crate::session::Session;

/// The archive settings of the running configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveConf {
    pub path: String,
    pub maximum: usize,
    pub write_memory: bool,
}

pub fn conf(doc: &IosDoc) -> Option<ArchiveConf> {
    let n = doc.root.iter().find(|n| n.text == "archive")?;
    let mut c = ArchiveConf { path: String::new(), maximum: 10, write_memory: false };
    for k in &n.children {
        let w: Vec<&str> = k.text.split_whitespace().collect();
        match w.as_slice() {
            ["path", p] => c.path = p.to_string(),
            ["maximum", m] => c.maximum = m.parse().unwrap_or(10),
            ["write-memory"] => c.write_memory = true,
            _ => {}
        }
    }
    (!c.path.is_empty()).then_some(c)
}

/// What `show archive` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveState {
    NotEnabled,
    Files { maximum: usize, next: String, files: Vec<String> },
}

fn stamp(now_ms: u64) -> String {
    // `Nov 22 14:37:44` -> `Nov-22-14-37-44.000-UTC`
    let t = crate::time::log_time(now_ms / 1000).replace([' ', ':'], "-");
    format!("{t}.{:03}-UTC", now_ms % 1000)
}

/// The file-system prefix (`flash:`) and the name template after it.
fn split_path(c: &ArchiveConf) -> (String, String) {
    match c.path.find(':') {
        Some(i) => (c.path[..=i].to_string(), c.path[i + 1..].trim_start_matches('/').to_string()),
        None => (String::new(), c.path.clone()),
    }
}

/// Is `t` a time stamp as `$t` writes it (`Nov-22-14-37-44.123-UTC`)?
fn is_stamp(t: &str) -> bool {
    let w: Vec<&str> = t.split('-').collect();
    let num =
        |x: &str, n: std::ops::RangeInclusive<usize>| n.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
    match w.as_slice() {
        [m, d, h, mi, sec, "UTC"] => {
            m.len() == 3
                && m.bytes().all(|b| b.is_ascii_alphabetic())
                && num(d, 1..=2)
                && num(h, 2..=2)
                && num(mi, 2..=2)
                && sec.split_once('.').is_some_and(|(a, b)| num(a, 2..=2) && num(b, 3..=3))
        }
        _ => false,
    }
}

/// The archive number of file `name` made from template `rel`, if it is one.
fn archive_number(name: &str, rel: &str, host: &str) -> Option<u64> {
    let (stem, n) = name.rsplit_once('-')?;
    let n: u64 = n.parse().ok()?;
    let mut rest = stem;
    let mut tpl = rel;
    while !tpl.is_empty() {
        if let Some(t) = tpl.strip_prefix("$h") {
            rest = rest.strip_prefix(host)?;
            tpl = t;
        } else if let Some(t) = tpl.strip_prefix("$t") {
            let end = rest.find("-UTC")? + 4;
            if !is_stamp(&rest[..end]) {
                return None;
            }
            rest = &rest[end..];
            tpl = t;
        } else {
            let lit = &tpl[..tpl.find('$').filter(|&i| i > 0).unwrap_or(tpl.len())];
            rest = rest.strip_prefix(lit)?;
            tpl = &tpl[lit.len()..];
        }
    }
    rest.is_empty().then_some(n)
}

/// The archive files in the state directory, oldest first: (number, name).
fn files(s: &Session, c: &ArchiveConf) -> Vec<(u64, String)> {
    let host = s.router().ios_doc.hostname.clone();
    let (fs, rel) = split_path(c);
    let dir = s.router().state_dir.clone();
    let mut v: Vec<(u64, String)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    let n = archive_number(&name, &rel, &host)?;
                    Some((n, format!("{fs}{name}")))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn next_name(s: &Session, c: &ArchiveConf, files: &[(u64, String)]) -> String {
    let host = s.router().ios_doc.hostname.clone();
    let n = files.last().map(|f| f.0 + 1).unwrap_or(0);
    let now = s.router().now_ms();
    format!("{}-{n}", c.path.replace("$h", &host).replace("$t", &stamp(now)))
}

pub fn state(s: &Session) -> ArchiveState {
    let doc = s.router().ios_doc.clone();
    let Some(c) = conf(&doc) else { return ArchiveState::NotEnabled };
    let f = files(s, &c);
    ArchiveState::Files { maximum: c.maximum, next: next_name(s, &c, &f), files: f.into_iter().map(|x| x.1).collect() }
}

pub fn render(st: &ArchiveState, out: &mut dyn Out) {
    match st {
        ArchiveState::NotEnabled => out.line(" Archive feature not enabled"),
        ArchiveState::Files { maximum, next, files } => {
            out.line(&format!("The maximum archive configurations allowed is {maximum}."));
            out.line(&format!("There are currently {} archive configurations saved.", files.len()));
            out.line(&format!("The next archive file will be named {next}"));
            out.line(" Archive #  Name");
            for i in 1..=(*maximum).max(files.len()) {
                match files.get(i - 1) {
                    Some(f) if i == files.len() => out.line(&format!("   {i:<9}{f} <- Most Recent")),
                    Some(f) => out.line(&format!("   {i:<9}{f}")),
                    None => out.line(&format!("   {i}")),
                }
            }
        }
    }
}

/// `archive config`: save the running configuration as the next archive
/// file (and drop the oldest beyond the maximum).
pub fn archive_config(s: &mut Session) -> Result<(), String> {
    let doc = s.router().ios_doc.clone();
    let Some(c) = conf(&doc) else { return Err("Archive feature not enabled".into()) };
    let f = files(s, &c);
    let name = next_name(s, &c, &f);
    let path = super::state_file(s, &name)?;
    let mut text = crate::out::VecOut::default();
    doc.render(&mut text);
    crate::statefs::write_private(&path, |w| std::io::Write::write_all(w, text.text().as_bytes()))
        .map_err(|e| format!("Error writing {name}: {e}"))?;
    let f = files(s, &c);
    if f.len() > c.maximum {
        for (_, old) in &f[..f.len() - c.maximum] {
            if let Ok(p) = super::state_file(s, old) {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::out::VecOut;

    #[test]
    fn show_archive_lists_the_files_and_the_empty_slots() {
        let st = ArchiveState::Files {
            maximum: 3,
            next: "flash:cfg-2".into(),
            files: vec!["flash:cfg-0".into(), "flash:cfg-1".into()],
        };
        let mut o = VecOut::default();
        render(&st, &mut o);
        assert_eq!(
            o.text(),
            "The maximum archive configurations allowed is 3.\n\
             There are currently 2 archive configurations saved.\n\
             The next archive file will be named flash:cfg-2\n\
             \x20Archive #  Name\n\
             \x20  1        flash:cfg-0\n\
             \x20  2        flash:cfg-1 <- Most Recent\n\
             \x20  3\n"
        );
        let mut o = VecOut::default();
        render(&ArchiveState::NotEnabled, &mut o);
        assert_eq!(o.text(), " Archive feature not enabled\n");
    }

    #[test]
    fn archive_names_expand_host_and_time() {
        assert_eq!(stamp(1_795_358_264_123), "Nov-22-14-37-44.123-UTC");
        let c = ArchiveConf { path: "flash:$h-$t".into(), maximum: 10, write_memory: false };
        let (fs, rel) = split_path(&c);
        assert_eq!(fs, "flash:");
        assert_eq!(archive_number("r1-Nov-22-14-37-44.123-UTC-0", &rel, "r1"), Some(0));
        assert_eq!(archive_number("r1-Nov-2-14-37-44.123-UTC-12", &rel, "r1"), Some(12));
        assert_eq!(archive_number("r2-Nov-22-14-37-44.123-UTC-0", &rel, "r1"), None);
        assert_eq!(archive_number("r1-Nov-22-14-37-44-UTC-0", &rel, "r1"), None);
        assert_eq!(archive_number("cfg-3", "cfg", "r1"), Some(3));
        assert_eq!(archive_number("cfgx-3", "cfg", "r1"), None);
    }
}
