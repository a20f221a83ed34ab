//! `edgesh --login`: `Username:` / `Password:` before the prompt, the
//! privilege of the user, `enable` asking for the enable secret, and no
//! login at all when no user is configured. Standard input is piped here;
//! on a terminal the password is read without echo.

use std::io::Write;
use std::process::{Command, Stdio};

const IOS: &str = "hostname R1
username admin privilege 15 secret 0 cisco
username ops password 0 opspw
enable secret 0 en4ble
";

fn run(config: &str, input: &str) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("edgesh-login-{}-{}", std::process::id(), input.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("boot.cfg");
    std::fs::write(&cfg, config).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_edgesh"))
        .args([
            "--dialect",
            "ios",
            "--config",
            cfg.to_str().unwrap(),
            "--state-dir",
            dir.join("state").to_str().unwrap(),
            "--login",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = c.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn login_then_privilege_and_enable() {
    let (code, out, err) =
        run(IOS, "admin\nwrong\nops\nopspw\nconfigure terminal\nenable\nnope\nen4ble\nconfigure terminal\nend\n");
    assert!(out.contains("Username: admin\nPassword: \n% Login invalid"), "{out}");
    assert!(out.contains("Username: ops\nPassword: \nR1>configure terminal\n"), "{out}");
    assert!(out.contains("R1>enable\nPassword: \nPassword: \nR1#configure terminal\n"), "{out}");
    assert!(out.contains("R1(config)#end\nR1#"), "{out}");
    assert!(
        !out.contains("opspw") && !out.contains("en4ble") && !out.contains("wrong"),
        "secrets are never shown: {out}"
    );
    assert!(
        err.contains("LOGIN_FAILED: Login failed [user: admin] [Source: console]") && !err.contains("wrong"),
        "{err}"
    );
    assert_eq!(code, 1, "the rejected `configure terminal` at level 1 counts");
}

#[test]
fn three_bad_logins_end_the_session() {
    let (code, out, _) = run(IOS, "a\nb\nc\nd\ne\nf\nshow version\n");
    assert!(out.ends_with("% Bad passwords\n"), "{out}");
    assert!(!out.contains("Cisco IOS Software"));
    assert_eq!(code, 1);
}

#[test]
fn no_user_no_login() {
    let (code, out, _) = run("hostname R2\n", "admin\nadmin\n");
    assert!(out.contains("% Login disabled: no user is configured"), "{out}");
    assert_eq!(code, 1);
}

#[test]
fn console_without_login_asks_the_enable_secret_once_one_is_set() {
    let dir = std::env::temp_dir().join(format!("edgesh-login-noauth-{}", std::process::id()));
    let mut c = Command::new(env!("CARGO_BIN_EXE_edgesh"))
        .args(["--dialect", "ios", "--state-dir", dir.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(b"enable\nconfigure terminal\nenable secret 0 xyz\nend\ndisable\nenable\nbad\nxyz\nshow clock\n")
        .unwrap();
    let out = String::from_utf8_lossy(&c.wait_with_output().unwrap().stdout).into_owned();
    assert!(out.starts_with("Router>enable\nRouter#configure terminal\n"), "no secret yet: {out}");
    assert!(out.contains("Router>enable\nPassword: \nPassword: \nRouter#show clock\n"), "{out}");
}

#[test]
fn type_8_and_9_secrets_from_algorithm_type() {
    let cfg = "hostname R1\nusername a1 algorithm-type scrypt secret pw1\nenable algorithm-type sha256 secret ensec\n";
    let (code, out, _) = run(cfg, "a1\npw1\nenable\nensec\nshow running-config | include secret\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("R1>enable\nPassword: \nR1#show running-config"), "{out}");
    assert!(out.contains("username a1 secret 9 $9$") && out.contains("enable secret 8 $8$"), "{out}");
    assert!(!out.contains("pw1\n") && !out.contains("ensec"), "{out}");
}
