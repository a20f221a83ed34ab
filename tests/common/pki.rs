//! Test helpers for certificates that both the IOS PKI tests
//! (`shell/tests/ios_pki.rs`, `shell/tests/pki_keys.rs`) and the interop
//! tests (`tests/interop_certs.rs`) use: running openssl, the test PKI of
//! `tests/pki/make-test-ca.sh`, a certificate as IOS types it in `crypto
//! pki certificate chain`, and a key put in a state directory's key store
//! as edgesh keeps it (0600 in 0700). Included with `#[path]` (it needs
//! nothing but std and `edgesh_engine`).
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// Run openssl in `dir`; its standard output. Fails the test if openssl does.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let o =
        Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs (Debian's openssl package)");
    assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether openssl can be run at all.
pub fn have_openssl() -> bool {
    Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success())
}

/// `tests/pki/make-test-ca.sh DIR`: the CA, the peers' certificates and the CRL (its header lists them).
pub fn make_test_ca(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    // This file is in the workspace root's tests/; the crate including it may be a member.
    let script =
        Path::new(file!()).parent().and_then(Path::parent).map(|t| t.join("pki/make-test-ca.sh")).expect("tests/");
    let script = if script.is_absolute() { script } else { workspace_root().join(script) };
    let o = Command::new("bash").arg(script).arg(dir).output().expect("running make-test-ca.sh");
    assert!(
        o.status.success(),
        "make-test-ca.sh: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The workspace root (`file!()` paths are relative to it).
fn workspace_root() -> std::path::PathBuf {
    let m = Path::new(env!("CARGO_MANIFEST_DIR"));
    if m.join("tests/common/pki.rs").exists() {
        m.to_path_buf()
    } else {
        m.parent().expect("a member's parent").to_path_buf()
    }
}

/// DER as IOS prints it in a chain: 8 words of 4 bytes a line, indented two spaces.
pub fn ios_hex(der: &[u8]) -> Vec<String> {
    der.chunks(32)
        .map(|line| {
            format!(
                "  {}",
                line.chunks(4)
                    .map(|w| w.iter().map(|b| format!("{b:02X}")).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
        .collect()
}

/// A `certificate [ca ]SERIAL` block of `crypto pki certificate chain`:
/// the serial (hex, as the certificate carries it), the hex lines, `quit`.
/// `role` is "" or "ca ".
pub fn ios_block(role: &str, der: &[u8]) -> String {
    let cert = edgesh_engine::pki::Cert::from_der(der).expect("certificate");
    let serial: String = cert.serial.iter().map(|b| format!("{b:02X}")).collect();
    let lines: String = ios_hex(der).iter().map(|l| format!("{l}\n")).collect();
    format!(" certificate {role}{serial}\n{lines}  quit\n")
}

/// A certificate's serial as IOS and the PKI messages print it (hex, no leading zero bytes).
pub fn serial_text(der: &[u8]) -> String {
    edgesh_engine::pki::Cert::from_der(der)
        .expect("certificate")
        .serial
        .iter()
        .skip_while(|b| **b == 0)
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Put `pem` in `state_dir`'s key store as `label` the way edgesh keeps
/// keys (`<state>/pki/keys/<label>.pem`, 0600 in a 0700 directory).
pub fn install_key(state_dir: &Path, label: &str, pem: &str) {
    let keys = state_dir.join("pki/keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::set_permissions(state_dir.join("pki"), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700)).unwrap();
    let kp = keys.join(format!("{label}.pem"));
    std::fs::write(&kp, pem).unwrap();
    std::fs::set_permissions(&kp, std::fs::Permissions::from_mode(0o600)).unwrap();
}
