//! The CLI's own file systems and how files are written there (issue 14,
//! items 7, 8 and 9).
//!
//! * File names given to `copy`, `configure replace`, `save configuration`
//!   and `import pki ... file` name files of the router's own file systems,
//!   all kept under the state directory: IOS `flash:`, `nvram:` and
//!   `bootflash:` (and a name without a file system) are the state
//!   directory itself (so `nvram:startup-config` is the saved startup
//!   configuration); SmartEdge `/flash/NAME` (and a relative name) is the
//!   state directory, `/md/NAME` its `md` directory. Any other absolute
//!   path, another file system (`tftp:`, `system:` ...), a `..` or a
//!   symbolic link on the way is refused: the CLI never reads or writes a
//!   host file.
//! * Files are written atomically (a temporary file, synced, renamed over
//!   the target, the directory synced), mode 0600, in directories made 0700:
//!   saved configurations hold keys and password hashes.
//! * Temporary files are named `.NAME.tmpPID`; one left by a crash (its
//!   process is gone) is removed at the next start, and a failed write
//!   (disk full) removes its own.
//!
//! Which file systems a dialect has and how their names read is the
//! dialect's (`DialectOps::file_systems`, `locate_file`).

use crate::session::Dialect;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

/// The file systems, as `%` messages name them.
pub fn file_systems(dialect: Dialect) -> &'static str {
    dialect.ops().file_systems()
}

/// Where the file `name` of the router's file systems is on the host, or
/// why it is refused. The dialect says which directory its file system
/// names (`DialectOps::locate_file`); the rest is checked here.
pub fn resolve(state_dir: &Path, dialect: Dialect, name: &str) -> Result<PathBuf, String> {
    let refuse = |why: &str| Err(format!("Invalid path {name}: {why} (files are in {})", file_systems(dialect)));
    let (sub, rel) = match dialect.ops().locate_file(name) {
        Ok(found) => found,
        Err(why) => return refuse(why),
    };
    if rel.is_empty() {
        return refuse("no file name");
    }
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) {
        return refuse("it leaves the file system");
    }
    let mut path = state_dir.join(sub);
    // The private keys (`crate::keystore`) are no file of the router's.
    if path.join(rel).starts_with(state_dir.join("pki")) {
        return refuse("the router's keys are not files");
    }
    for c in rel.components() {
        path.push(c);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return refuse("a symbolic link");
        }
    }
    Ok(path)
}

/// Make `dir` (and its missing parents) with mode 0700; an existing `dir`
/// is set to 0700 as well.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let m = std::fs::metadata(dir)?;
    if m.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The temporary file a write of `path` uses.
pub fn temp_path(path: &Path) -> PathBuf {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join(format!(".{}.tmp{}", path.file_name().and_then(|f| f.to_str()).unwrap_or("file"), std::process::id()))
}

/// Write `path` atomically, mode 0600, its directory 0700; on any failure
/// the temporary file is removed and the old file is left as it was.
pub fn write_private(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    private_dir(dir)?;
    let tmp = temp_path(path);
    let res = (|| {
        let _ = std::fs::remove_file(&tmp);
        let f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        fill(&mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
        drop(w);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Lines written to a file, the first write error kept (a full disk is reported).
pub struct CheckedOut<'a> {
    w: &'a mut dyn Write,
    err: Option<std::io::Error>,
}

impl<'a> CheckedOut<'a> {
    pub fn new(w: &'a mut dyn Write) -> Self {
        CheckedOut { w, err: None }
    }

    pub fn result(self) -> std::io::Result<()> {
        self.err.map_or(Ok(()), Err)
    }
}

impl crate::out::Out for CheckedOut<'_> {
    fn line(&mut self, s: &str) {
        if self.err.is_none()
            && let Err(e) = self.w.write_all(s.as_bytes()).and_then(|_| self.w.write_all(b"\n"))
        {
            self.err = Some(e);
        }
    }
}

/// Is this a temporary file of ours whose process is gone? (`.NAME.tmpPID`,
/// or the host key's `NAME.tmp`.)
fn stale_temp(name: &str) -> bool {
    if let Some(i) = name.rfind(".tmp") {
        let pid = &name[i + 4..];
        if pid.is_empty() {
            return name.starts_with('.') || name == "ssh_host_ed25519_key.tmp";
        }
        if name.starts_with('.') && pid.bytes().all(|b| b.is_ascii_digit()) {
            let mine = pid == std::process::id().to_string();
            return !mine && !Path::new("/proc").join(pid).exists();
        }
    }
    false
}

/// Remove the temporary files that crashed writes left in the state
/// directory and its file systems. Returns how many were removed.
pub fn clean_stale_temps(state_dir: &Path) -> usize {
    let mut n = 0;
    for dir in [state_dir.to_path_buf(), state_dir.join("md")] {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if stale_temp(&name) && e.file_type().is_ok_and(|t| t.is_file()) && std::fs::remove_file(e.path()).is_ok() {
                n += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_writes_and_stale_temps() {
        let d = std::env::temp_dir().join(format!("edgesh-statefs-w-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let p = d.join("sub/edgesh.cfg");
        write_private(&p, |w| w.write_all(b"secret\n")).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(d.join("sub")).unwrap().permissions().mode() & 0o777, 0o700);
        // A failed write leaves the old file and no temporary file.
        let err = write_private(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"secret\n");
        assert_eq!(std::fs::read_dir(d.join("sub")).unwrap().count(), 1);
        // Stale temporary files (of a process that is gone) are removed; a
        // live process's, ours included, and other files are not.
        std::fs::write(d.join(".edgesh.cfg.tmp999999999"), "x").unwrap();
        std::fs::write(d.join(".startup-config.tmp"), "x").unwrap();
        std::fs::write(d.join(format!(".edgesh.cfg.tmp{}", std::process::id())), "x").unwrap();
        std::fs::write(d.join(".edgesh.cfg.tmp1"), "x").unwrap();
        std::fs::write(d.join("notes.tmp.txt"), "x").unwrap();
        assert_eq!(clean_stale_temps(&d), 2);
        assert!(d.join("notes.tmp.txt").exists() && d.join(".edgesh.cfg.tmp1").exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
