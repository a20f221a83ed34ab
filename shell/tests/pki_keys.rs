//! Key pairs and certificate requests end to end (issue 18), in both
//! dialects: a key generated in edgesh, a PKCS#10 request made by edgesh
//! (SmartEdge's questions, IOS's `crypto pki enroll`), signed at test time
//! by a CA that openssl makes, the certificate imported back and shown; the
//! key file 0600 in a 0700 directory, readable by the certificate code
//! (`engine::pki::keys`, the one key loader), and the key never in a
//! configuration, a saved file or the history.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Dialect, Router, Session, SessionOptions, VecOut};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use x509_cert::der::{DecodePem, Encode};

#[path = "../../tests/common/pki.rs"]
mod pki_common;
use pki_common::openssl;

const NOW: u64 = 1_795_358_264;

fn state_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgesh-pki-keys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn session(dir: &Path, dialect: Dialect) -> Session {
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Virtual(NOW), 1, dir.to_path_buf())));
    Session::new(r, SessionOptions { dialect, ..Default::default() })
}

/// Type lines; what was printed.
fn run(s: &mut Session, lines: &[&str]) -> String {
    let mut out = VecOut::default();
    for l in lines {
        s.execute(l, &mut out);
    }
    out.text()
}

/// A CA made by openssl in `dir`: ca.pem, ca.key.
fn make_ca(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/O=Test CA/CN=Test Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// Sign `csr` (a file in `dir`) with the CA, its extensions copied: the certificate's file name.
fn sign(dir: &Path, csr: &str, out: &str) {
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "7",
            "-days",
            "365",
            "-copy_extensions",
            "copyall",
            "-out",
            out,
        ],
    );
}

/// Every base64 line of a PEM text (the key's body).
fn body_lines(pem: &str) -> Vec<String> {
    pem.lines().filter(|l| !l.starts_with("-----") && l.len() > 16).map(str::to_string).collect()
}

fn assert_private(dir: &Path, label: &str) -> String {
    let keys = dir.join("pki/keys");
    assert_eq!(std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o700);
    let f = keys.join(format!("{label}.pem"));
    assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
    let pem = std::fs::read_to_string(&f).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    // The certificate code reads it (the interface between the two halves of the PKI work).
    edgesh_engine::pki::PrivateKey::load(dir, label).expect("the key loads");
    pem
}

fn assert_absent(what: &str, text: &str, key_pem: &str) {
    assert!(!text.contains("PRIVATE KEY"), "{what} names a private key:\n{text}");
    for l in body_lines(key_pem) {
        assert!(!text.contains(&l[..16]), "{what} holds a line of the key:\n{text}");
    }
}

#[test]
fn smartedge_key_request_signed_by_openssl_imported_and_shown() {
    let dir = state_dir("se");
    let mut s = session(&dir, Dialect::SmartEdge);
    assert_eq!(run(&mut s, &["add pki key-pair k1 rsa 1024", "add pki key-pair k2 rsa 1024"]), "");
    let key = assert_private(&dir, "k1@local");
    let asked = run(
        &mut s,
        &[
            "add pki certificate-request rsa r1 file /flash/r1.csr",
            "k1",
            "r1.example.net",
            "VPN",
            "Example",
            "My City",
            "XY",
            "98765",
            "ZZ",
            "192.0.2.1",
            "192.0.2.1",
            "2001:db8::1",
            "2001:db8::1",
            "r1.example.net",
            "r1.example.net",
            "noc@example.net",
            "noc@example.net",
            "y",
            "y",
            "n",
            "y",
            "n",
            "n",
            "n",
            "n",
        ],
    );
    assert_eq!(asked, "% SUBJECT ALTERNATIVE NAMES\n");
    // The request, read back with x509-cert and checked by openssl.
    let csr_pem = std::fs::read_to_string(dir.join("r1.csr")).unwrap();
    let csr = edgesh_engine::pki::csr::from_pem(&csr_pem).unwrap();
    assert!(edgesh_engine::pki::csr::verify(&csr));
    assert_eq!(
        csr.info.subject.to_string(),
        "CN=r1.example.net,OU=VPN,O=Example,POSTALCODE=98765,L=My City,ST=XY,C=ZZ"
    );
    let (alts, ku) = edgesh_engine::pki::csr::extensions_of(&csr);
    assert_eq!(
        format!("{alts:?}"),
        r#"[Ip(192.0.2.1), Ip(2001:db8::1), Dns("r1.example.net"), Email("noc@example.net")]"#
    );
    assert_eq!(ku.map(|k| k.bits()), Some(0b101));
    let text = openssl(&dir, &["req", "-in", "r1.csr", "-noout", "-verify", "-text"]);
    assert!(
        text.contains(
            "IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1, DNS:r1.example.net, email:noc@example.net"
        ),
        "{text}"
    );
    assert!(text.contains("Digital Signature, Key Encipherment"), "{text}");
    // Signed by a CA, imported, shown.
    make_ca(&dir);
    sign(&dir, "r1.csr", "r1.pem");
    assert_eq!(
        run(
            &mut s,
            &[
                "import pki certificate trusted rsa file /flash/ca.pem",
                "import pki certificate self rsa key-pair k1 file /flash/r1.pem"
            ]
        ),
        ""
    );
    let wrong = run(&mut s, &["import pki certificate self rsa key-pair k2 file /flash/r1.pem"]);
    assert_eq!(wrong, "% The certificate in /flash/r1.pem is not for key pair k2 (its public key differs)\n");
    let cert = x509_cert::Certificate::from_pem(std::fs::read(dir.join("r1.pem")).unwrap()).unwrap();
    let nb = cert.tbs_certificate().validity().not_before.to_unix_duration().as_secs();
    let na = cert.tbs_certificate().validity().not_after.to_unix_duration().as_secs();
    let shown = run(&mut s, &["show pki certificate self rsa"]);
    let want = format!(
        "Context: local\nCertificate handle 2 (self, from /flash/r1.pem)\n  Subject                   : CN=r1.example.net,OU=VPN,O=Example,POSTALCODE=98765,L=My City,ST=XY,C=ZZ\n  Issuer                    : CN=Test Root,O=Test CA\n  Serial number             : 07\n  Valid from                : {}\n  Valid until               : {}\n  Alternative names         : IP 192.0.2.1, IP 2001:db8::1, DNS r1.example.net, e-mail noc@example.net\n  Key pair                  : k1\n",
        edgesh_modes::time::date_time(nb),
        edgesh_modes::time::date_time(na)
    );
    assert_eq!(shown, want);
    assert_eq!(run(&mut s, &["show pki certificate self rsa identity 192.0.2.1"]), want);
    assert_eq!(run(&mut s, &["show pki certificate self rsa identity nobody"]), "Context: local\n");
    // The key is nowhere else.
    let conf = run(&mut s, &["show configuration", "save configuration saved.cfg", "show history", "show log"]);
    assert_absent("the shows", &conf, &key);
    assert_absent("a saved configuration", &std::fs::read_to_string(dir.join("saved.cfg")).unwrap(), &key);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ios_key_enrolment_signed_by_openssl_imported_and_shown() {
    let dir = state_dir("ios");
    make_ca(&dir);
    let ca = x509_cert::Certificate::from_pem(std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    let ca_der = ca.to_der().unwrap();
    let ca_serial: String =
        ca.tbs_certificate().serial_number().as_bytes().iter().map(|b| format!("{b:02X}")).collect();
    let ca_line = format!("certificate ca {ca_serial}");
    let ca_hex = edgesh_modes::ios::pki_keys::hex_lines(&ca_der, "");
    let mut s = session(&dir, Dialect::Ios);
    let made = run(
        &mut s,
        &[
            "enable",
            "configure terminal",
            "hostname R1",
            "ip domain-name example.net",
            "crypto key generate rsa label VPN modulus 1024",
        ],
    );
    assert!(made.ends_with("The name for the keys will be: VPN\n% The key modulus size is 1024 bits\n% Generating 1024 bit RSA keys, keys will be non-exportable...\n[OK] (elapsed time was 0 seconds)\n"), "{made}");
    let key = assert_private(&dir, "VPN");
    let mut lines = vec![
        "crypto pki trustpoint TP",
        "enrollment terminal",
        "subject-name cn=r1.example.net,o=Example",
        "rsakeypair VPN",
        "revocation-check none",
        "crypto pki certificate chain TP",
        ca_line.as_str(),
    ];
    lines.extend(ca_hex.iter().map(String::as_str));
    lines.extend(["quit", "exit"]);
    assert_eq!(run(&mut s, &lines), "");
    let enrol = run(&mut s, &["crypto pki enroll TP", "no", "", "yes", "no"]);
    // `enrollment terminal`: the base64 between the blank lines, no PEM lines.
    let (_, after) = enrol.split_once("Certificate Request follows:\n\n").expect(&enrol);
    let (b64, rest) =
        after.split_once("\n\n---End - This line not part of the certificate request---\n\n").expect(&enrol);
    assert!(!b64.contains("-----"));
    assert_eq!(rest, "");
    std::fs::write(
        dir.join("r1.csr"),
        format!("-----BEGIN CERTIFICATE REQUEST-----\n{b64}\n-----END CERTIFICATE REQUEST-----\n"),
    )
    .unwrap();
    let text = openssl(&dir, &["req", "-in", "r1.csr", "-noout", "-verify", "-subject"]);
    assert_eq!(text, "subject=O = Example, CN = r1.example.net, unstructuredName = R1.example.net\n");
    sign(&dir, "r1.csr", "r1.pem");
    let pem = std::fs::read_to_string(dir.join("r1.pem")).unwrap();
    let mut paste = vec!["crypto pki import TP certificate"];
    paste.extend(pem.lines());
    paste.push("");
    let imported = run(&mut s, &paste);
    assert_eq!(
        imported,
        "\nEnter the base 64 encoded certificate.\nEnd with a blank line or the word \"quit\" on a line by itself\n\n% Router Certificate successfully imported\n"
    );
    let shown = run(&mut s, &["end", "show crypto pki certificates TP"]);
    assert!(shown.starts_with("Certificate\n  Status: Available\n  Certificate Serial Number (hex): 07\n"), "{shown}");
    assert!(shown.contains("    cn=r1.example.net\n    o=Example\n"), "{shown}");
    // The key is nowhere else: running and startup configuration, history.
    let conf =
        run(&mut s, &["show running-config", "write memory", "show startup-config", "show crypto key mypubkey rsa"]);
    assert!(conf.contains("crypto pki certificate chain TP\n certificate 07\n"), "{conf}");
    assert_absent("the shows", &conf, &key);
    assert!(s.history.iter().all(|h| !h.contains("PRIVATE") && !h.contains("BEGIN")), "{:?}", s.history);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ios_ec_keys_generated_exportable_shown_zeroized_by_kind_and_enrolled() {
    let dir = state_dir("ios-ec");
    make_ca(&dir);
    let mut s = session(&dir, Dialect::Ios);
    let made = run(
        &mut s,
        &[
            "enable",
            "configure terminal",
            "hostname R1",
            "ip domain-name example.net",
            "crypto key generate ec keysize 256",
            "crypto key generate ec keysize 384 exportable label EC384",
            "crypto key generate ec keysize 256 label EC256 exportable",
            "crypto key generate rsa label RSA1 modulus 1024 exportable",
        ],
    );
    assert_eq!(
        made,
        "Enter configuration commands, one per line.  End with CNTL/Z.\nThe name for the keys will be: R1.example.net\nThe name for the keys will be: EC384\nThe name for the keys will be: EC256\nThe name for the keys will be: RSA1\n% The key modulus size is 1024 bits\n% Generating 1024 bit RSA keys, keys will be exportable...\n[OK] (elapsed time was 0 seconds)\n"
    );
    // P-521 is IOS's too, but not edgesh's; a label taken is refused.
    assert_eq!(
        run(&mut s, &["crypto key generate ec keysize 521 label X"]),
        "% edgesh generates no 521 bit EC keys (P-521 is not supported): use keysize 256 or 384\n"
    );
    assert_eq!(
        run(&mut s, &["crypto key generate ec keysize 256 label EC384"]),
        "The name for the keys will be: EC384\n% You already have keys defined named EC384.\n"
    );
    // The exportable mark is a file beside the key, 0600; the key files are 0600 in 0700.
    for l in ["R1.example.net", "EC384", "EC256", "RSA1"] {
        assert_private(&dir, l);
    }
    let marks: Vec<bool> = ["R1.example.net", "EC384", "EC256", "RSA1"]
        .iter()
        .map(|l| dir.join(format!("pki/keys/{l}.exportable")).exists())
        .collect();
    assert_eq!(marks, [false, true, true, true]);
    assert_eq!(std::fs::metadata(dir.join("pki/keys/EC384.exportable")).unwrap().permissions().mode() & 0o777, 0o600);
    let ec = run(&mut s, &["do show crypto key mypubkey ec EC384"]);
    let pubkey = edgesh_engine::pki::keys::KeyStore::new(&dir).load("EC384").unwrap().key.public_key_der();
    assert_eq!(pubkey.len(), 120);
    let hex = edgesh_modes::ios::pki_keys::hex_lines(&pubkey, "  ").join("\n");
    assert_eq!(
        ec,
        format!(
            "% Key pair was generated at: 14:37:44 UTC Nov 22 2026\nKey name: EC384\nKey type: EC KEYS\n Storage Device: private-config\n Usage: Signature Key\n Key is exportable.\n Key Data:\n{hex}\n"
        )
    );
    assert!(
        hex.starts_with("  30763010 06072A86 48CE3D02 0106052B 81040022 03620004"),
        "P-384 SubjectPublicKeyInfo as IOS shows it: {hex}"
    );
    let all = run(&mut s, &["do show crypto key mypubkey ec"]);
    let names: Vec<&str> = all.lines().filter(|l| l.starts_with("Key name") || l.contains("exportable")).collect();
    assert_eq!(
        names,
        [
            "Key name: EC256",
            " Key is exportable.",
            "Key name: EC384",
            " Key is exportable.",
            "Key name: R1.example.net",
            " Key is not exportable."
        ]
    );
    // IOS's IKEv1 policy has no ECDSA method: refused with the caret, the policy keeps its default.
    let refused = run(&mut s, &["crypto isakmp policy 10", "authentication ecdsa-sig", "exit"]);
    assert!(refused.contains("% Invalid input detected at '^' marker."), "{refused}");
    // A trustpoint naming an EC key; enrollment makes an ECDSA request openssl verifies.
    let ca = x509_cert::Certificate::from_pem(std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
    let ca_serial: String =
        ca.tbs_certificate().serial_number().as_bytes().iter().map(|b| format!("{b:02X}")).collect();
    let ca_line = format!("certificate ca {ca_serial}");
    let ca_hex = edgesh_modes::ios::pki_keys::hex_lines(&ca.to_der().unwrap(), "");
    let mut lines = vec![
        "crypto pki trustpoint TPEC",
        "enrollment terminal pem",
        "subject-name cn=r1.example.net",
        "eckeypair EC384",
        "revocation-check none",
        "crypto pki certificate chain TPEC",
        ca_line.as_str(),
    ];
    lines.extend(ca_hex.iter().map(String::as_str));
    lines.extend(["quit", "exit"]);
    assert_eq!(run(&mut s, &lines), "");
    let enrol = run(&mut s, &["crypto pki enroll TPEC", "no", "", "yes", "no"]);
    let begin = enrol.find("-----BEGIN CERTIFICATE REQUEST-----").expect(&enrol);
    let end = enrol.find("-----END CERTIFICATE REQUEST-----").expect(&enrol);
    std::fs::write(dir.join("ec.csr"), format!("{}-----END CERTIFICATE REQUEST-----\n", &enrol[begin..end])).unwrap();
    let text = openssl(&dir, &["req", "-in", "ec.csr", "-noout", "-verify", "-text"]);
    assert!(text.contains("ASN1 OID: secp384r1") && text.contains("Signature Algorithm: ecdsa-with-SHA384"), "{text}");
    sign(&dir, "ec.csr", "ec.pem");
    let pem = std::fs::read_to_string(dir.join("ec.pem")).unwrap();
    let mut paste = vec!["crypto pki import TPEC certificate"];
    paste.extend(pem.lines());
    paste.push("");
    assert!(run(&mut s, &paste).ends_with("% Router Certificate successfully imported\n"));
    // zeroize ec takes the EC keys (and the router certificate issued for EC384), not the RSA key.
    assert_eq!(run(&mut s, &["crypto key zeroize ec RSA1"]), "% EC keypair RSA1 is not present.\n");
    assert_eq!(
        run(&mut s, &["crypto key zeroize ec EC256", "yes"]),
        "% Keys to be removed are named 'EC256'.\n% All router certs issued using these keys will also be removed.\n"
    );
    assert!(!dir.join("pki/keys/EC256.pem").exists() && !dir.join("pki/keys/EC256.exportable").exists());
    assert_eq!(
        run(&mut s, &["crypto key zeroize ec", "yes"]),
        "% All EC keys will be removed.\n% All router certs issued using these keys will also be removed.\n"
    );
    assert_eq!(run(&mut s, &["do show crypto key mypubkey ec"]), "");
    assert!(
        run(&mut s, &["do show crypto key mypubkey rsa"])
            .starts_with("% Key pair was generated at: 14:37:44 UTC Nov 22 2026\nKey name: RSA1\nKey type: RSA KEYS\n")
    );
    let conf = run(&mut s, &["do show running-config"]);
    assert!(conf.contains(" eckeypair EC384\n"), "{conf}");
    assert!(
        conf.contains(&format!("crypto pki certificate chain TPEC\n {ca_line}\n")),
        "the router certificate went with its key:\n{conf}"
    );
    assert!(!conf.contains("crypto key"), "{conf}");
    let _ = std::fs::remove_dir_all(&dir);
}
