//! IOS certificate chains (issue 18): a CA and a router certificate made by
//! openssl at test time, pasted as IOS hex blocks into `crypto pki
//! certificate chain`, shown back byte-exact by `show running-config`, and
//! decoded by `show crypto pki certificates [verbose]` / `show crypto pki
//! trustpoints` (the expected values come from openssl's own reading of
//! the certificates). A malformed block is reported and kept.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions, VecOut};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[path = "../../tests/common/pki.rs"]
mod pki_common;
use pki_common::{ios_hex, openssl};

fn session() -> Session {
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(0), 1, std::env::temp_dir())));
    let mut s = Session::new(r, SessionOptions { dialect: Dialect::Ios, ..Default::default() });
    for l in ["enable", "configure terminal"] {
        assert!(s.execute(l, &mut VecOut::default()));
    }
    s
}

/// Run lines; the text printed.
fn run(s: &mut Session, lines: &str) -> String {
    let mut out = VecOut::default();
    for l in lines.lines() {
        s.execute(l, &mut out);
    }
    out.text()
}

const CNF: &str = "[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = .\ndatabase = ./index.txt\nnew_certs_dir = .\nserial = ./serial\ndefault_md = sha256\npolicy = pol\nunique_subject = no\nemail_in_dn = no\n\
[pol]\ncountryName = optional\norganizationName = optional\ncommonName = supplied\n\
[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier = hash\n\
[v3_leaf]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nsubjectAltName = IP:192.0.2.1,DNS:r1.example.net\n\
[v3_ss]\nkeyUsage = digitalSignature,keyEncipherment\n";

/// A CA (RSA 2048, serial 01) and a router certificate it signs (ECDSA P-256, serial 02).
fn make_pki(dir: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    if !pki_common::have_openssl() {
        return None;
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("c.cnf"), CNF).unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    openssl(dir, &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ca.key"]);
    openssl(
        dir,
        &["req", "-new", "-key", "ca.key", "-subj", "/C=US/O=Edgesh Test/CN=Edgesh Test CA", "-out", "ca.csr"],
    );
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "c.cnf",
            "-selfsign",
            "-keyfile",
            "ca.key",
            "-in",
            "ca.csr",
            "-out",
            "ca.pem",
            "-startdate",
            "260101000000Z",
            "-enddate",
            "360101000000Z",
            "-extensions",
            "v3_ca",
            "-notext",
        ],
    );
    openssl(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "r1.key"]);
    openssl(dir, &["req", "-new", "-key", "r1.key", "-subj", "/O=Edgesh Test/CN=r1.example.net", "-out", "r1.csr"]);
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "c.cnf",
            "-cert",
            "ca.pem",
            "-keyfile",
            "ca.key",
            "-in",
            "r1.csr",
            "-out",
            "r1.pem",
            "-startdate",
            "260601123000Z",
            "-enddate",
            "270601123000Z",
            "-extensions",
            "v3_leaf",
            "-notext",
        ],
    );
    openssl(dir, &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"]);
    openssl(dir, &["x509", "-in", "r1.pem", "-outform", "DER", "-out", "r1.der"]);
    Some((std::fs::read(dir.join("ca.der")).unwrap(), std::fs::read(dir.join("r1.der")).unwrap()))
}

/// openssl's fingerprint (`md5 Fingerprint=AB:CD:...`) in IOS's groups of 4 bytes.
fn fingerprint(dir: &Path, file: &str, md: &str) -> String {
    let t = openssl(dir, &["x509", "-in", file, "-noout", "-fingerprint", md]);
    let hex: String = t.trim().split('=').nth(1).unwrap().replace(':', "");
    hex.as_bytes().chunks(8).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

#[test]
fn openssl_certificates_load_show_and_decode() {
    let dir = std::env::temp_dir().join(format!("edgesh-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let Some((ca, r1)) = make_pki(&dir) else {
        eprintln!("!!! SKIPPED: openssl is not installed: the test-time CA cannot be made");
        return;
    };
    let mut chain = vec![
        "crypto pki trustpoint TP".to_string(),
        " enrollment terminal".into(),
        " revocation-check none".into(),
        "crypto pki certificate chain TP".into(),
        " certificate 02".into(),
    ];
    chain.extend(ios_hex(&r1));
    chain.push("  quit".into());
    chain.push(" certificate ca 01".into());
    chain.extend(ios_hex(&ca));
    chain.push("  quit".into());
    let mut s = session();
    let printed = run(&mut s, &chain.join("\n"));
    assert_eq!(printed, "", "a good chain loads silently");
    run(&mut s, "end");

    // Byte-exact in the running configuration.
    let running = run(&mut s, "show running-config");
    let want = chain[3..].join("\n");
    assert!(running.contains(&format!("{want}\n")), "{running}");

    let certs = run(&mut s, "show crypto pki certificates");
    let want = "\
Certificate
  Status: Available
  Certificate Serial Number (hex): 02
  Certificate Usage: General Purpose
  Issuer:
    cn=Edgesh Test CA
    o=Edgesh Test
    c=US
  Subject:
    Name: r1.example.net
    cn=r1.example.net
    o=Edgesh Test
  Validity Date:
    start date: 12:30:00 UTC Jun 1 2026
    end   date: 12:30:00 UTC Jun 1 2027
  Associated Trustpoints: TP 
  Storage: nvram:EdgeshTestCA#2.cer

CA Certificate
  Status: Available
  Certificate Serial Number (hex): 01
  Certificate Usage: Signature
  Issuer:
    cn=Edgesh Test CA
    o=Edgesh Test
    c=US
  Subject:
    cn=Edgesh Test CA
    o=Edgesh Test
    c=US
  Validity Date:
    start date: 00:00:00 UTC Jan 1 2026
    end   date: 00:00:00 UTC Jan 1 2036
  Associated Trustpoints: TP 
  Storage: nvram:EdgeshTestCA#1CA.cer

";
    assert_eq!(certs, want);

    let verbose = run(&mut s, "show crypto pki certificates verbose TP");
    let (md5_r1, sha1_r1) = (fingerprint(&dir, "r1.pem", "-md5"), fingerprint(&dir, "r1.pem", "-sha1"));
    let (md5_ca, sha1_ca) = (fingerprint(&dir, "ca.pem", "-md5"), fingerprint(&dir, "ca.pem", "-sha1"));
    let want = format!(
        "\
Certificate
  Status: Available
  Version: 3
  Certificate Serial Number (hex): 02
  Certificate Usage: General Purpose
  Issuer:
    cn=Edgesh Test CA
    o=Edgesh Test
    c=US
  Subject:
    Name: r1.example.net
    cn=r1.example.net
    o=Edgesh Test
  Validity Date:
    start date: 12:30:00 UTC Jun 1 2026
    end   date: 12:30:00 UTC Jun 1 2027
  Subject Key Info:
    Public Key Algorithm: id-ecPublicKey
    EC Public Key: (256 bit)
  Signature Algorithm: SHA256 with RSA Encryption
  Fingerprint MD5: {md5_r1}
  Fingerprint SHA1: {sha1_r1}
  X509v3 extensions:
    X509v3 Key Usage: A0000000
      Digital Signature
      Key Encipherment
    X509v3 Subject Alternative Name:
        IP Address : 192.0.2.1
        r1.example.net
    X509v3 Basic Constraints:
        CA: FALSE
  Associated Trustpoints: TP 
  Storage: nvram:EdgeshTestCA#2.cer

CA Certificate
  Status: Available
  Version: 3
  Certificate Serial Number (hex): 01
  Certificate Usage: Signature
  Issuer:
    cn=Edgesh Test CA
    o=Edgesh Test
    c=US
  Subject:
    cn=Edgesh Test CA
    o=Edgesh Test
    c=US
  Validity Date:
    start date: 00:00:00 UTC Jan 1 2026
    end   date: 00:00:00 UTC Jan 1 2036
  Subject Key Info:
    Public Key Algorithm: rsaEncryption
    RSA Public Key: (2048 bit)
  Signature Algorithm: SHA256 with RSA Encryption
  Fingerprint MD5: {md5_ca}
  Fingerprint SHA1: {sha1_ca}
  X509v3 extensions:
    X509v3 Key Usage: 86000000
      Digital Signature
      Key Cert Sign
      CRL Signature
    X509v3 Basic Constraints:
        CA: TRUE
  Associated Trustpoints: TP 
  Storage: nvram:EdgeshTestCA#1CA.cer

"
    );
    assert_eq!(verbose, want);

    let tps = run(&mut s, "show crypto pki trustpoints");
    assert_eq!(
        tps,
        "Trustpoint TP:\n    Subject Name: \n    cn=Edgesh Test CA\n    o=Edgesh Test\n    c=US\n          Serial Number (hex): 01\n    Certificate configured.\n\n"
    );

    // A router's self-signed certificate (serial 03, as `enrollment selfsigned` makes).
    openssl(&dir, &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "ss.key"]);
    openssl(
        &dir,
        &["req", "-new", "-key", "ss.key", "-subj", "/CN=IOS-Self-Signed-Certificate-1234", "-out", "ss.csr"],
    );
    openssl(
        &dir,
        &[
            "ca",
            "-batch",
            "-config",
            "c.cnf",
            "-selfsign",
            "-keyfile",
            "ss.key",
            "-in",
            "ss.csr",
            "-out",
            "ss.pem",
            "-startdate",
            "261122143744Z",
            "-enddate",
            "300101000000Z",
            "-extensions",
            "v3_ss",
            "-notext",
        ],
    );
    openssl(&dir, &["x509", "-in", "ss.pem", "-outform", "DER", "-out", "ss.der"]);
    let mut block = vec![
        "crypto pki trustpoint TP-self-signed-1234".to_string(),
        " enrollment selfsigned".into(),
        "crypto pki certificate chain TP-self-signed-1234".into(),
        " certificate self-signed 03".into(),
    ];
    block.extend(ios_hex(&std::fs::read(dir.join("ss.der")).unwrap()));
    block.push("  quit".into());
    run(&mut s, "configure terminal");
    assert_eq!(run(&mut s, &block.join("\n")), "");
    run(&mut s, "end");
    assert_eq!(
        run(&mut s, "show crypto pki certificates TP-self-signed-1234"),
        "\
Router Self-Signed Certificate
  Status: Available
  Certificate Serial Number (hex): 03
  Certificate Usage: General Purpose
  Issuer:
    cn=IOS-Self-Signed-Certificate-1234
  Subject:
    Name: IOS-Self-Signed-Certificate-1234
    cn=IOS-Self-Signed-Certificate-1234
  Validity Date:
    start date: 14:37:44 UTC Nov 22 2026
    end   date: 00:00:00 UTC Jan 1 2030
  Associated Trustpoints: TP-self-signed-1234 
  Storage: nvram:IOS-Self-Sig#3.cer

"
    );
    assert_eq!(run(&mut s, "show crypto pki trustpoints TP-self-signed-1234"), "Trustpoint TP-self-signed-1234:\n\n");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_malformed_block_is_reported_and_kept() {
    let mut s = session();
    // 01: hex, but cut short; 02: a word that is not hex (refused by the
    // mode, as any typo is), the rest not a certificate; 03: half a byte.
    let lines = "crypto pki certificate chain BAD\n certificate ca 01\n  3082022B 30820194 A00302\n  quit\n certificate 02\n  3082\n  3082 XYZ1\n  quit\n certificate 03\n  308\n  quit";
    let printed = run(&mut s, lines);
    assert_eq!(
        printed,
        "% Certificate 01 of trustpoint BAD not used: not an X.509 certificate (ASN.1 DER message is incomplete: expected 12, actual 11 at DER byte 11); the lines are kept as typed\n".to_string()
            + &" ".repeat(24)
            + "^\n% Invalid input detected at '^' marker.\n\n\
% Certificate 02 of trustpoint BAD not used: not an X.509 certificate (ASN.1 DER message is incomplete: expected 3, actual 2 at DER byte 2); the lines are kept as typed\n\
% Certificate 03 of trustpoint BAD not used: 3 hex digits: not a whole number of bytes; the lines are kept as typed\n"
    );
    // A serial that is not the certificate's: the certificate is not used.
    let dir = std::env::temp_dir().join(format!("edgesh-pki-serial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Some((ca, _)) = make_pki(&dir) {
        let mut block = vec![" certificate ca 0A".to_string()];
        block.extend(ios_hex(&ca));
        block.push("  quit".into());
        assert_eq!(
            run(&mut s, &block.join("\n")),
            "% Certificate 0A of trustpoint BAD not used: the certificate's serial number is 01; the lines are kept as typed\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    run(&mut s, "end");
    let running = run(&mut s, "show running-config");
    let kept = lines.replace("  3082 XYZ1\n", "");
    assert!(running.contains(&format!("{kept}\n")), "{running}");
    // Nothing decoded, nothing shown; the trustpoint is listed without a certificate.
    assert_eq!(run(&mut s, "show crypto pki certificates"), "");
    assert_eq!(run(&mut s, "show crypto pki trustpoints"), "Trustpoint BAD:\n\n");
}
