//! The CLI's own file systems and secrets at rest (issue 14, items 7, 8, 9):
//! `copy`, `configure replace`, `save configuration` and `import pki` never
//! reach a host file; saved configurations are 0600 in a 0700 directory;
//! keys are masked in `show history`; stale temporary files are removed at
//! start.

use edgesh_modes::{Dialect, Session, SessionOptions};
use edgesh_shell::cli::{Options, build_router, run_piped};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

fn state(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgesh-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

fn run(dir: &PathBuf, dialect: Dialect, input: &str) -> String {
    let opts = Options {
        state_dir: Some(dir.clone()),
        virtual_clock: Some(0),
        seed: Some(1),
        dialect,
        dialect_given: true,
        ..Default::default()
    };
    let (r, _) = build_router(&opts, &mut Vec::new());
    let mut out = Vec::new();
    run_piped(Session::new(r, SessionOptions { dialect, ..Default::default() }), input.as_bytes(), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn mode(p: PathBuf) -> u32 {
    std::fs::metadata(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

#[test]
fn ios_copy_and_configure_replace_stay_in_flash() {
    let dir = state("ios");
    let host = dir.parent().unwrap().join(format!("edgesh-files-host-{}.cfg", std::process::id()));
    std::fs::write(&host, "root:HASH:0:0\nhostname Stolen\n").unwrap();
    std::fs::write(dir.join("a.cfg"), "hostname FromFlash\n").unwrap();
    let t = run(
        &dir,
        Dialect::Ios,
        &format!(
            "enable\ncopy {h} running-config\nconfigure replace ../{n}\ncopy flash:../{n} running-config\ncopy tftp://x/y running-config\nshow running-config unsupported\ncopy flash:a.cfg running-config\nshow running-config | include hostname\n",
            h = host.display(),
            n = host.file_name().unwrap().to_string_lossy()
        ),
    );
    assert_eq!(t.matches("Invalid path").count(), 4, "{t}");
    assert!(t.contains("files are in flash:, nvram:, bootflash:"), "{t}");
    assert!(!t.contains("root:HASH") && !t.contains("Stolen"), "{t}");
    assert!(t.contains("hostname FromFlash"), "{t}");
    let _ = std::fs::remove_file(&host);
}

#[test]
fn ios_startup_config_is_private() {
    let dir = state("ios2");
    let t = run(
        &dir,
        Dialect::Ios,
        "enable\nconfigure terminal\ncrypto isakmp key 0 Sup3rSecretPSK address 192.0.2.1\nend\nwrite memory\n",
    );
    assert!(t.contains("[OK]"), "{t}");
    assert_eq!(mode(dir.join("startup-config")), 0o600);
    assert_eq!(mode(dir.clone()), 0o700);
    // The IOS history has no `show history`; the masking is the same (modes keymask tests).
    assert!(
        edgesh_modes::session::mask_secrets("crypto isakmp key 0 Sup3rSecretPSK address 192.0.2.1")
            .contains("key 0 *****")
    );
}

#[test]
fn smartedge_save_configuration_stays_in_flash_and_md_and_is_private() {
    let dir = state("se");
    let t = run(
        &dir,
        Dialect::SmartEdge,
        "configure\ncontext a\nike policy p\npre-shared-key Sup3rSecretPSK\ncommit\nend\nsave configuration ../escape.cfg\nsave configuration /tmp/escape.cfg\nsave configuration\nsave configuration /md/b.cfg\nsave configuration /flash/c.cfg\nimport pki certificate trusted rsa file /etc/passwd\nshow history\n",
    );
    assert_eq!(t.matches("Invalid path").count(), 3, "{t}");
    assert!(!dir.parent().unwrap().join("escape.cfg").exists());
    for f in ["edgesh.cfg", "md/b.cfg", "c.cfg"] {
        assert_eq!(mode(dir.join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(dir.clone()), 0o700);
    assert_eq!(mode(dir.join("md")), 0o700);
    let hist = t.split("#show history").nth(1).unwrap();
    assert!(hist.contains("pre-shared-key *****") && !hist.contains("Sup3rSecretPSK"), "{t}");
}

#[test]
fn stale_temporary_files_are_removed_at_start() {
    let dir = state("tmp");
    // Left by a save killed with -9 (its process is gone) or by a full disk.
    std::fs::write(dir.join(".edgesh.cfg.tmp999999999"), vec![b'x'; 4096]).unwrap();
    std::fs::write(dir.join(".startup-config.tmp"), "x").unwrap();
    std::fs::write(dir.join("keep.cfg"), "x").unwrap();
    let opts = Options { state_dir: Some(dir.clone()), virtual_clock: Some(0), ..Default::default() };
    let mut err = Vec::new();
    let _ = build_router(&opts, &mut err);
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["keep.cfg".to_string()]);
    assert!(String::from_utf8_lossy(&err).contains("Removed 2 temporary files"), "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_key_pair_file_that_is_not_pem_says_so_whole() {
    let dir = state("pem");
    std::fs::write(dir.join("k.txt"), "not pem\n").unwrap();
    let t = run(&dir, Dialect::SmartEdge, "import pki key-pair k rsa file k.txt\n");
    assert!(t.contains("% k.txt is not a PEM file\n") || t.contains("k.txt is not a PEM file\n"), "{t}");
    assert!(!t.contains("holding a \n"), "{t}");
}
