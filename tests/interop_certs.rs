//! Certificate (signature) authentication against a real strongSwan in
//! network namespaces (issue 18): a test PKI made at test time with openssl
//! (`tests/pki/make-test-ca.sh`), edgesh in the IOS dialect with a
//! trustpoint whose chain is typed as IOS carries it (`crypto pki
//! certificate chain` hex blocks) and its key in `<state dir>/pki/keys/`;
//! IKEv2 with RSA and ECDSA, edgesh initiating and responding, RFC 7427 and
//! the classic methods, and the failures (expired certificate, unknown CA,
//! revoked by a CRL, identity not the certificate's) logged on the receiving side;
//! an IOS EC key generated in edgesh, enrolled and used for IKEv2, and IOS's
//! IKEv1 refusing an ECDSA offer (it has no ECDSA method there).
//!
//! Needs root, strongSwan and openssl: without them every test says so
//! LOUDLY and passes; CI sets `EDGESH_REQUIRE_INTEROP=1`.

mod common;
#[path = "common/pki.rs"]
mod pki_common;

use common::*;
use pki_common::{install_key, ios_block, make_test_ca, openssl, serial_text};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The test PKI, made once per run.
fn pki() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = base().join("test-pki");
        make_test_ca(&dir);
        dir
    })
}

fn read(name: &str) -> String {
    std::fs::read_to_string(pki().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn der(name: &str) -> Vec<u8> {
    std::fs::read(pki().join(format!("{name}.der"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// edgesh's IOS configuration: trustpoint TP with the CA and `cert`, an IKEv2 profile authenticating with `method` both ways.
fn ios_cert_config(cert: &str, method: &str) -> String {
    format!(
        "hostname left
crypto pki trustpoint TP
 enrollment terminal
 revocation-check crl
 rsakeypair LEFTKEY
crypto pki certificate chain TP
{}{}crypto ikev2 proposal P1
 encryption aes-cbc-128
 integrity sha1
 group 14
crypto ikev2 policy POL
 proposal P1
crypto ikev2 profile PROF
 match identity remote address 192.0.2.2 255.255.255.255
 identity local address 192.0.2.1
 authentication local {method}
 authentication remote {method}
 pki trustpoint TP
crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
access-list 101 permit ip host 198.51.100.1 host 203.0.113.1
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set TS
 set pfs group14
 set ikev2-profile PROF
 match address 101
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map VPN
end
",
        ios_block("", &der(cert)),
        ios_block("ca ", &der("ca")),
    )
}

/// edgesh (IOS) in netns `left` with the private key of `cert` at
/// `<state dir>/pki/keys/LEFTKEY.pem` (0600 in a 0700 directory) and the CA's
/// CRL in `<state dir>/pki/crl/`, in place before the boot configuration loads.
fn start_edgesh(cert: &str, method: &str) -> Edgesh {
    start_edgesh_with(cert, &ios_cert_config(cert, method))
}

/// The same with an IKEv1 configuration: ISAKMP policy `authentication rsa-sig`, a crypto map.
fn ios_v1_cert_config(cert: &str) -> String {
    let v2 = ios_cert_config(cert, "rsa-sig");
    let (head, _) = v2.split_once("crypto ikev2 proposal P1").unwrap();
    format!(
        "{head}crypto isakmp policy 10
 encr aes
 hash sha
 authentication rsa-sig
 group 14
crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
access-list 101 permit ip host 198.51.100.1 host 203.0.113.1
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set TS
 set pfs group14
 match address 101
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map VPN
end
"
    )
}

fn start_edgesh_with(cert: &str, config: &str) -> Edgesh {
    start_dialect_with(cert, "ios", config)
}

fn start_dialect_with(cert: &str, dialect: &str, config: &str) -> Edgesh {
    let dir = base().join("edgesh-certs");
    let _ = std::fs::remove_dir_all(&dir);
    install_key(&dir, "LEFTKEY", &read(&format!("{cert}.key")));
    std::fs::create_dir_all(dir.join("pki/crl")).unwrap();
    std::fs::write(dir.join("pki/crl/ca.crl"), read("crl.pem")).unwrap();
    Edgesh::start_prepared("left", &dir, dialect, config)
}

/// strongSwan in `right` with certificate `cert` (its key and the CA in swanctl's directories) and identity `id`.
fn start_strongswan_certs(version: u8, cert: &str, id: &str, extra: &str) {
    start_strongswan_certs_with(version, cert, id, extra, "");
}

/// The same with more lines in swanctl's connection section (`send_cert = never`, `aggressive = yes`).
fn start_strongswan_certs_with(version: u8, cert: &str, id: &str, extra: &str, conn_lines: &str) {
    start_strongswan_certs_ids(version, cert, id, "192.0.2.1", extra, conn_lines);
}

/// The same with the identity strongSwan wants of edgesh (`remote_id`).
fn start_strongswan_certs_ids(version: u8, cert: &str, id: &str, remote_id: &str, extra: &str, conn_lines: &str) {
    fresh_namespaces(&[]);
    let d = base().join("right");
    for sub in ["x509", "x509ca", "x509crl", "rsa", "ecdsa", "private"] {
        let _ = std::fs::remove_dir_all(d.join(sub));
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    std::fs::write(d.join("x509/right.pem"), read(&format!("{cert}.pem"))).unwrap();
    std::fs::write(d.join("x509ca/ca.pem"), read("ca.pem")).unwrap();
    std::fs::write(d.join("x509crl/crl.pem"), read("crl.pem")).unwrap();
    let key = read(&format!("{cert}.trad.key"));
    let kdir = if key.contains("BEGIN EC PRIVATE KEY") { "ecdsa" } else { "rsa" };
    std::fs::write(d.join(kdir).join("right.key"), key).unwrap();
    let conf = base().join("swanctl-certs.conf");
    std::fs::write(
        &conf,
        format!(
            "connections {{
  peer {{
    version = {version}
{conn_lines}    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    proposals = aes128-sha1-modp2048
    local {{
      auth = pubkey
      certs = right.pem
      id = \"{id}\"
    }}
    remote {{
      auth = pubkey
      id = \"{remote_id}\"
    }}
    children {{
      peer-child {{
        mode = tunnel
        local_ts = 203.0.113.1/32
        remote_ts = 198.51.100.1/32
        esp_proposals = aes128-sha1-modp2048
        start_action = none
      }}
    }}
  }}
}}
"
        ),
    )
    .unwrap();
    let out = peer(&[("EXTRA_CHARON_CONF", extra)], &["start-right", conf.to_str().unwrap()]);
    assert!(out.contains("loaded"), "{out}");
}

fn wait_established(e: &Edgesh) {
    let t0 = Instant::now();
    while !list_sas().contains("INSTALLED") {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no IKEv2 child:\n{}\n{}\n{}",
            list_sas(),
            e.cmd("show logging"),
            charon_log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The line of charon's log where it authenticated edgesh.
fn strongswan_authenticated_us() -> String {
    charon_log()
        .lines()
        .find(|l| l.contains("authentication of '192.0.2.1' with") && l.contains("successful"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("strongSwan did not authenticate edgesh:\n{}", charon_log()))
}

#[test]
fn ikev2_rsa_edgesh_initiates_with_rfc7427_signatures() {
    let Some(_g) = ready() else { return };
    start_strongswan_certs(2, "right-rsa", "192.0.2.2", "");
    let e = start_edgesh("left-rsa", "rsa-sig");
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    wait_established(&e);
    assert!(list_sas().contains("ESTABLISHED, IKEv2"), "{}", list_sas());
    // strongSwan verified our RFC 7427 signature (PKCS#1 v1.5 with SHA-256) and our certificate chain.
    let l = strongswan_authenticated_us();
    assert!(l.contains("RSA_EMSA_PKCS1_SHA2_256"), "{l}");
    assert!(charon_log().contains("reached self-signed root ca with a path length of 0"), "{}", charon_log());
    ping_through(&e, "show logging");
}

#[test]
fn ikev2_ecdsa_strongswan_initiates() {
    let Some(_g) = ready() else { return };
    // edgesh P-256, strongSwan P-384: each verifies the other's curve.
    start_strongswan_certs(2, "right-ec", "192.0.2.2", "");
    let e = start_edgesh("left-ec", "ecdsa-sig");
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show logging"));
    let l = strongswan_authenticated_us();
    assert!(l.contains("ECDSA_WITH_SHA256_DER"), "{l}");
    // Our CERTREQ named the CA by its key hash (RFC 7296 3.7), and strongSwan understood it.
    assert!(
        charon_log().contains("received cert request for \"CN=Edgesh Test CA, O=Edgesh Test, C=US\""),
        "{}",
        charon_log()
    );
    ping_through(&e, "show logging");
}

#[test]
fn ikev2_classic_rsa_method_without_rfc7427() {
    let Some(_g) = ready() else { return };
    // strongSwan without RFC 7427: no SIGNATURE_HASH_ALGORITHMS, so both sides use AUTH method 1 (RSA, SHA-1).
    start_strongswan_certs(2, "right-rsa", "192.0.2.2", "  signature_authentication = no");
    let e = start_edgesh("left-rsa", "rsa-sig");
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show logging"));
    let l = strongswan_authenticated_us();
    assert!(l.contains("RSA signature"), "{l}");
}

/// strongSwan initiates with a certificate edgesh must refuse; edgesh logs `want` and no SA comes up.
fn refused(cert: &str, id: &str, want: &str) {
    start_strongswan_certs(2, cert, id, "");
    let e = start_edgesh("left-rsa", "rsa-sig");
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("initiate failed"), "{out}");
    let log = e.wait_for("show logging", want, 10);
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
    drop(log);
    // strongSwan hears AUTHENTICATION_FAILED.
    assert!(charon_log().contains("AUTHENTICATION_FAILED"), "{}", charon_log());
}

#[test]
fn ikev2_refused_certificates_are_logged_on_the_receiving_side() {
    let Some(_g) = ready() else { return };
    let sn = |name: &str| serial_text(&der(name));
    refused(
        "right-expired",
        "192.0.2.2",
        &format!(
            "%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate (SN: {}) has expired. Validity period ended on 00:00:00 UTC Jan 1 2021",
            sn("right-expired")
        ),
    );
    refused(
        "right-revoked",
        "192.0.2.2",
        &format!(
            "%PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has failed. The certificate (SN: {}) is revoked",
            sn("right-revoked")
        ),
    );
    refused("right-unknown", "192.0.2.2", "%PKI-3-CERTIFICATE_INVALID: Certificate chain validation has failed.");
    // A certificate that is not the identity's: strongSwan names itself by the certificate's DN, which is not the configured peer.
    refused(
        "right-wrongid",
        "C=US, O=Edgesh Test, CN=right-wrongid",
        "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 192.0.2.2 failed its sanity check or is malformed",
    );
}

/// edgesh's IKEv2 profile admits the peer by a certificate map only (no
/// `match identity`) and names itself by its certificate's DN (`identity
/// local dn`); strongSwan names itself by its DN and wants edgesh's.
fn ios_cert_map_config(map_line: &str) -> String {
    ios_cert_config("left-rsa", "rsa-sig").replace(
        "crypto ikev2 profile PROF\n match identity remote address 192.0.2.2 255.255.255.255\n identity local address 192.0.2.1\n",
        &format!("crypto pki certificate map RIGHT 10\n {map_line}\ncrypto ikev2 profile PROF\n match certificate RIGHT\n identity local dn\n"),
    )
}

#[test]
fn ikev2_certificate_map_and_dn_identities_both_directions() {
    let Some(_g) = ready() else { return };
    // The test certificates' subjects are encoded CN, O, C: strongSwan's DNs say them in that order.
    const RIGHT_DN: &str = "CN=right, O=Edgesh Test, C=US";
    const LEFT_DN: &str = "CN=left, O=Edgesh Test, C=US";
    // strongSwan initiates: edgesh finds the profile by the certificate's subject.
    start_strongswan_certs_ids(2, "right-rsa", RIGHT_DN, LEFT_DN, "", "");
    let config = ios_cert_map_config("subject-name co o = edgesh test, cn = right");
    assert!(config.contains("match certificate RIGHT") && !config.contains("match identity"), "{config}");
    let e = start_edgesh_with("left-rsa", &config);
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show logging"));
    // strongSwan took our ID_DER_ASN1_DN and found it in our certificate.
    assert!(
        charon_log()
            .lines()
            .any(|l| l.contains(&format!("authentication of '{LEFT_DN}' with")) && l.contains("successful")),
        "{}",
        charon_log()
    );
    let ids = e.cmd("show crypto ikev2 sa detailed | include id:");
    assert!(
        ids.contains("Local id: c=US,o=Edgesh Test,cn=left") && ids.contains("Remote id: c=US,o=Edgesh Test,cn=right"),
        "{ids}"
    );
    // edgesh initiates: it checks the responder's certificate against the same map.
    drop(e);
    start_strongswan_certs_ids(2, "right-rsa", RIGHT_DN, LEFT_DN, "", "");
    let e = start_edgesh_with("left-rsa", &config);
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    wait_established(&e);
    ping_through(&e, "show logging");
    drop(e);
    // A map that takes nobody: strongSwan hears AUTHENTICATION_FAILED, no SA; edgesh's debug says why.
    start_strongswan_certs_ids(2, "right-rsa", RIGHT_DN, LEFT_DN, "", "");
    let e = start_edgesh_with("left-rsa", &ios_cert_map_config("subject-name co cn = nobody"));
    e.cmd("debug crypto ikev2 error");
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("initiate failed"), "{out}");
    assert!(charon_log().contains("AUTHENTICATION_FAILED"), "{}", charon_log());
    e.wait_for("show logging", "IKEv2:%Profile could not be found by peer certificate.", 10);
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
}

#[test]
fn ikev2_strongswan_refuses_our_expired_certificate() {
    let Some(_g) = ready() else { return };
    // The other way: edgesh presents the expired certificate; strongSwan (responder) refuses it.
    start_strongswan_certs(2, "right-rsa", "192.0.2.2", "");
    let e = start_edgesh("left-expired", "rsa-sig");
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    let t0 = Instant::now();
    while !charon_log()
        .contains("subject certificate invalid (valid from Jan 01 00:00:00 2020 to Jan 01 00:00:00 2021)")
    {
        assert!(t0.elapsed() < Duration::from_secs(20), "{}\n{}", charon_log(), e.cmd("show logging"));
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
}

// ------------------------------------------------------------ IKEv1 main mode, RSA signatures

#[test]
fn ikev1_main_mode_rsa_signatures_both_directions() {
    let Some(_g) = ready() else { return };
    // edgesh initiates (traffic on the crypto map), strongSwan answers.
    start_strongswan_certs(1, "right-rsa", "192.0.2.2", "");
    let e = start_edgesh_with("left-rsa", &ios_v1_cert_config("left-rsa"));
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    wait_established(&e);
    assert!(list_sas().contains("ESTABLISHED, IKEv1"), "{}", list_sas());
    let l = strongswan_authenticated_us();
    assert!(l.contains("RSA signature") || l.contains("RSA_EMSA_PKCS1_NULL"), "{l}");
    e.wait_for("show crypto isakmp sa", "QM_IDLE", 10);
    ping_through(&e, "show logging");
    drop(e);
    // strongSwan initiates, edgesh answers.
    start_strongswan_certs(1, "right-rsa", "192.0.2.2", "");
    let e = start_edgesh_with("left-rsa", &ios_v1_cert_config("left-rsa"));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show logging"));
    e.wait_for("show crypto isakmp sa", "QM_IDLE", 10);
}

#[test]
fn ikev1_refused_certificate_is_logged() {
    let Some(_g) = ready() else { return };
    start_strongswan_certs(1, "right-revoked", "192.0.2.2", "");
    let e = start_edgesh_with("left-rsa", &ios_v1_cert_config("left-rsa"));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("initiate failed"), "{out}");
    // edgesh answered AUTHENTICATION-FAILED.
    assert!(charon_log().contains("N(AUTH_FAILED)"), "{}", charon_log());
    let sn = serial_text(&der("right-revoked"));
    e.wait_for(
        "show logging",
        &format!(
            "%PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has failed. The certificate (SN: {sn}) is revoked"
        ),
        10,
    );
}

// ------------------------------------------------------------ the ASA dialect (issue 17)

/// edgesh's ASA configuration: trustpoint TP (`keypair LEFTKEY`, the
/// chain as the ASA carries it), a crypto map entry negotiating IKEv1
/// (`authentication rsa-sig` policy, `ikev1 trust-point TP`) or, with
/// `v2`, IKEv2 (`ikev2 local-authentication certificate TP`, `ikev2
/// remote-authentication certificate`).
fn asa_cert_config(cert: &str, v2: bool) -> String {
    let entry = if v2 { "set ikev2 ipsec-proposal PROP" } else { "set ikev1 transform-set TS" };
    format!(
        "hostname left
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 192.0.2.1 255.255.255.0
access-list VPN extended permit ip host 198.51.100.1 host 203.0.113.1
crypto ipsec ikev1 transform-set TS esp-aes esp-sha-hmac
crypto ipsec ikev2 ipsec-proposal PROP
 protocol esp encryption aes
 protocol esp integrity sha-1
crypto map outside_map 10 match address VPN
crypto map outside_map 10 set peer 192.0.2.2
crypto map outside_map 10 {entry}
crypto map outside_map 10 set pfs group14
crypto map outside_map interface outside
crypto ca trustpoint TP
 enrollment terminal
 keypair LEFTKEY
 revocation-check crl
crypto ca certificate chain TP
{}{}crypto ikev1 enable outside
crypto ikev1 policy 10
 authentication rsa-sig
 encryption aes
 hash sha
 group 14
crypto ikev2 policy 10
 encryption aes
 integrity sha
 group 14
 prf sha
{}tunnel-group 192.0.2.2 type ipsec-l2l
tunnel-group 192.0.2.2 ipsec-attributes
 ikev1 trust-point TP
 ikev2 local-authentication certificate TP
 ikev2 remote-authentication certificate
",
        ios_block("", &der(cert)),
        ios_block("ca ", &der("ca")),
        if v2 { "crypto ikev2 enable outside\n" } else { "" },
    )
}

#[test]
fn asa_tunnel_group_certificates_ikev1_and_ikev2_strongswan_initiates() {
    let Some(_g) = ready() else { return };
    // IKEv1 main mode, RSA signatures both ways; traffic through the SAs. With
    // `crypto isakmp identity auto` (the ASA's default) the ASA names itself by
    // its certificate's DN (the test certificates' subjects are encoded CN, O, C).
    start_strongswan_certs_ids(1, "right-rsa", "192.0.2.2", "CN=left, O=Edgesh Test, C=US", "", "");
    let e = start_dialect_with("left-rsa", "asa", &asa_cert_config("left-rsa", false));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show logging"));
    let l = charon_log()
        .lines()
        .find(|l| l.contains("authentication of 'CN=left, O=Edgesh Test, C=US' with") && l.contains("successful"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("strongSwan did not authenticate the ASA by its DN:\n{}", charon_log()));
    assert!(l.contains("RSA signature") || l.contains("RSA_EMSA_PKCS1_NULL"), "{l}");
    e.wait_for("show crypto ikev1 sa detail", "MM_ACTIVE  aes     SHA   rsa-sig", 10);
    e.wait_for("show vpn-sessiondb detail l2l", "Auth Mode    : rsaCertificate", 10);
    ping_through(&e, "show crypto ipsec sa");
    drop(e);
    // IKEv2, RSA signatures both ways; `crypto isakmp identity address`: the ASA names itself by its address.
    start_strongswan_certs(2, "right-rsa", "192.0.2.2", "");
    let e = start_dialect_with(
        "left-rsa",
        "asa",
        &format!("{}crypto isakmp identity address\n", asa_cert_config("left-rsa", true)),
    );
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show logging"));
    strongswan_authenticated_us();
    e.wait_for("show crypto ikev2 sa", "Auth sign: RSA, Auth verify: RSA", 10);
    // A revoked certificate: the ASA's trustpoint checks the CRL, no SA.
    drop(e);
    start_strongswan_certs(2, "right-revoked", "192.0.2.2", "");
    let e = start_dialect_with("left-rsa", "asa", &asa_cert_config("left-rsa", true));
    let out = peer(&[], &["initiate", "right"]);
    assert!(!out.contains("established successfully"), "{out}");
    assert!(e.cmd("show crypto ikev2 sa").contains("There are no IKEv2 SAs"), "{}", e.cmd("show logging"));
}

// ------------------------------------------------------------ IOS EC key pairs (crypto key generate ec)
//
// The key generated inside edgesh with `crypto key generate ec keysize 256
// label L`, the trustpoint naming it with `eckeypair L`, the CA accepted with
// `crypto pki authenticate`, the request printed by `crypto pki enroll`
// signed by the test CA, the certificate pasted back with `crypto pki
// import`, and IKEv2 `authentication local|remote ecdsa-sig` up with edgesh
// initiating. IKEv1 with ECDSA is not a thing IOS configures: Cisco's IOS XE
// model of `crypto isakmp policy` (`Cisco-IOS-XE-crypto.yang`, grouping
// `crypto-isakmp-policy-grouping`) has `authentication pre-share | rsa-encr
// | rsa-sig` only, so a strongSwan offering IKEv1 with an ECDSA
// certificate (RFC 4754 method 10) to an `rsa-sig` policy gets no SA. (The
// engine does IKEv1 methods 9 and 10 between two engines:
// `engine/src/ike/v1/sig_auth.rs`.)

/// edgesh's IOS configuration of [`ios_cert_config`] with ECDSA both ways and
/// trustpoint TP naming the EC key LEFTEC (generated after boot), no
/// certificates yet, a PEM request with no serial-number or IP question.
fn ios_ec_config() -> String {
    let v2 = ios_cert_config("left-ec", "ecdsa-sig");
    let (_, tail) = v2.split_once("crypto ikev2 proposal P1").unwrap();
    format!(
        "hostname left\nip domain-name example.net\ncrypto pki trustpoint TP\n enrollment terminal pem\n subject-name cn=left\n serial-number none\n ip-address none\n revocation-check none\n eckeypair LEFTEC\ncrypto ikev2 proposal P1{tail}"
    )
}

/// Type `text` (a command and the lines that answer it) and wait until the
/// output since then contains `want` and ends at a prompt; that output.
fn converse(e: &Edgesh, text: &str, want: &str) -> String {
    let start = e.mark();
    e.send(text.as_bytes());
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let o = e.out.lock().unwrap()[start..].to_string();
        if o.contains(want) && o.trim_end().ends_with('#') {
            return o;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no `{want}` after `{text}`:\n{o}");
    }
}

/// The certificate for the request `csr_pem`, signed by the test CA with
/// the SAN IP 192.0.2.1 (the identity strongSwan expects): its PEM.
fn sign_request(csr_pem: &str) -> String {
    let dir = pki();
    std::fs::write(dir.join("left-gen.csr"), csr_pem).unwrap();
    let _ = std::fs::remove_file(dir.join("left-gen.pem"));
    let o = std::process::Command::new("openssl")
        .args([
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "ca.pem",
            "-keyfile",
            "ca.key",
            "-in",
            "left-gen.csr",
            "-out",
            "left-gen.pem",
            "-notext",
            "-extensions",
            "v3_peer",
            "-startdate",
            "20250101000000Z",
            "-enddate",
            "20450101000000Z",
        ])
        .env("CANAME", "ca")
        .env("SAN", "IP:192.0.2.1")
        .current_dir(dir)
        .output()
        .expect("openssl ca");
    assert!(o.status.success(), "openssl ca: {}", String::from_utf8_lossy(&o.stderr));
    read("left-gen.pem")
}

#[test]
fn ios_ec_key_made_in_edgesh_ikev2_edgesh_initiates() {
    let Some(_g) = ready() else { return };
    start_strongswan_certs(2, "right-ec", "192.0.2.2", "");
    // The CA's certificate as a chain block in the boot configuration would do too; typed here as an operator does.
    let dir = base().join("edgesh-eckeys");
    let _ = std::fs::remove_dir_all(&dir);
    let e = Edgesh::start_prepared("left", &dir, "ios", &ios_ec_config());
    assert_eq!(e.load_messages().trim(), "", "the boot configuration loads cleanly");
    e.cmd("configure terminal");
    let made = e.cmd("crypto key generate ec keysize 256 label LEFTEC");
    assert_eq!(made.trim(), "The name for the keys will be: LEFTEC");
    // The key is in the store, 0600, and only its public half is ever shown.
    let key_file = dir.join("pki/keys/LEFTEC.pem");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let key_pem = std::fs::read_to_string(&key_file).unwrap();
    let shown = e.cmd("do show crypto key mypubkey ec LEFTEC");
    assert!(
        shown.contains("Key type: EC KEYS")
            && shown.contains(" Key Data:\n  30593013 06072A86 48CE3D02 0106082A 8648CE3D 03010703 420004"),
        "{shown}"
    );
    let secret_line = key_pem.lines().nth(1).unwrap();
    assert!(!shown.contains(secret_line));
    // The CA, pasted and accepted.
    let ca = read("ca.pem");
    let auth = converse(&e, &format!("crypto pki authenticate TP\n{ca}\nyes\n"), "% Certificate successfully imported");
    assert!(auth.contains("Trustpoint CA certificate accepted."), "{auth}");
    // The request, as IOS prints it for `enrollment terminal pem`.
    let enroll =
        converse(&e, "crypto pki enroll TP\nyes\nno\n", "---End - This line not part of the certificate request---");
    let begin = enroll.find("-----BEGIN CERTIFICATE REQUEST-----").unwrap_or_else(|| panic!("no request:\n{enroll}"));
    let end = enroll.find("-----END CERTIFICATE REQUEST-----").unwrap() + "-----END CERTIFICATE REQUEST-----".len();
    let csr = format!("{}\n", enroll[begin..end].replace('\r', ""));
    // openssl reads it: an ECDSA P-256 key, signed with it (the request verifies).
    std::fs::write(pki().join("left-gen.csr"), &csr).unwrap();
    let text = openssl(pki(), &["req", "-in", "left-gen.csr", "-noout", "-text", "-verify"]);
    assert!(text.contains("ASN1 OID: prime256v1") && text.contains("ecdsa-with-SHA256"), "{text}");
    let cert = sign_request(&csr);
    let import = converse(
        &e,
        &format!("crypto pki import TP certificate\n{cert}\n"),
        "% Router Certificate successfully imported",
    );
    assert!(!import.contains("% The certificate is not for key pair"), "{import}");
    // The running configuration holds the chain (hex blocks) and no key.
    let run = e.cmd("do show running-config");
    assert!(run.contains("crypto pki certificate chain TP") && run.contains(" eckeypair LEFTEC"), "{run}");
    assert!(!run.contains(secret_line) && !run.contains("PRIVATE KEY"));
    let der = openssl(pki(), &["x509", "-in", "left-gen.pem", "-noout", "-serial"]);
    let serial = der.trim().trim_start_matches("serial=").to_string();
    assert!(run.contains(&format!(" certificate {serial}")), "serial {serial}:\n{run}");
    e.cmd("end");
    // edgesh initiates; strongSwan verifies our ECDSA P-256 signature (RFC 7427, SHA-256), we verify its P-384 one.
    e.cmd("ping 203.0.113.1 source 198.51.100.1");
    let t0 = Instant::now();
    while !list_sas().contains("INSTALLED") {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no IKEv2 child:\n{}\n{}\n{}",
            list_sas(),
            e.cmd("show logging"),
            charon_log()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(list_sas().contains("ESTABLISHED, IKEv2"), "{}", list_sas());
    let log = charon_log();
    let ours = log
        .lines()
        .find(|l| l.contains("authentication of '192.0.2.1' with") && l.contains("successful"))
        .unwrap_or_else(|| panic!("strongSwan did not authenticate edgesh:\n{log}"));
    assert!(ours.contains("ECDSA_WITH_SHA256_DER"), "{ours}");
    let sent = log.lines().filter(|l| l.contains("CN=left")).collect::<Vec<_>>().join("\n");
    assert!(
        sent.contains("end entity cert \"CN=left"),
        "the certificate edgesh sent is the one issued for its request:\n{log}"
    );
    ping_through(&e, "show logging");
    // Both sides hold the same ESP SPIs, crosswise.
    ios_spis_agree(&e);
}

#[test]
fn ios_ikev1_has_no_ecdsa_a_strongswan_ecdsa_offer_gets_no_sa() {
    let Some(_g) = ready() else { return };
    start_strongswan_certs(1, "right-ec", "192.0.2.2", "");
    // edgesh holds an RSA certificate: rsa-sig is what IOS's IKEv1 policy can say.
    let e = start_edgesh_with("left-rsa", &ios_v1_cert_config("left-rsa"));
    // An ISAKMP policy has no `authentication ecdsa-sig` (IOS's caret).
    e.cmd("configure terminal");
    e.cmd("crypto isakmp policy 10");
    let refused = e.cmd("authentication ecdsa-sig");
    assert!(refused.contains("% Invalid input detected at '^' marker."), "{refused}");
    e.cmd("end");
    e.cmd("debug crypto isakmp");
    // strongSwan offers IKEv1 main mode with ECDSA (its P-384 key: RFC 4754 method 10); IOS's policy is rsa-sig.
    let out = peer(&[], &["initiate", "right"]);
    assert!(!out.contains("established successfully"), "{out}");
    // edgesh says why not, as IOS's debug does.
    let log = e.cmd("show logging");
    assert!(log.contains("ISAKMP:      auth 10\n"), "{log}");
    assert!(log.contains("Auth method offered does not match policy!"), "{log}");
    assert!(
        log.contains("%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Main Mode failed with peer at 192.0.2.2"),
        "{log}"
    );
    assert!(charon_log().contains("received NO_PROPOSAL_CHOSEN error notify"), "{}", charon_log());
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
}

// ------------------------------------------------------------ SmartEdge (section 6.1 PKI commands)

/// SmartEdge's configuration for certificates: `authentication
/// rsa-signature` (IKEv1: in the `ike proposal`; IKEv2: in the `ike2
/// policy`), no pre-shared key, `validate-certificate-identity`.
fn smartedge_cert_config(version: u8, responder_only: bool) -> String {
    smartedge_cert_config_in("main", version, responder_only)
}

/// The same in IKEv1 `mode` (main or aggressive).
fn smartedge_cert_config_in(mode: &str, version: u8, responder_only: bool) -> String {
    let mut c = if version == 1 {
        smartedge_config(mode, 14, Some(14), "unused", "203.0.113.1", false)
            .replace(
                "  authentication algorithm hmac-sha1-96\n",
                "  authentication algorithm hmac-sha1-96\n  authentication rsa-signature\n",
            )
            .replace("    pre-shared-key unused\n", "    validate-certificate-identity\n")
    } else {
        smartedge_ikev2_config("unused", false).replace(
            "    pre-shared-key unused\n",
            "    authentication rsa-signature\n    validate-certificate-identity\n",
        )
    };
    if responder_only {
        c = c.replace("    seq 10 proposal ss\n", "    seq 10 proposal ss\n    connection-type responder-only\n");
    }
    c
}

/// edgesh (SmartEdge) in netns `left`; the CA, `cert` and its key are
/// files in /flash (its state directory), the CA's CRL in `pki/crl/`, and
/// they are made the context's PKI store with the section 6.1 commands,
/// which print nothing when they succeed (as in the guide).
fn start_smartedge(cert: &str, config: &str) -> Edgesh {
    let dir = base().join("edgesh-se-certs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("pki/crl")).unwrap();
    std::fs::write(dir.join("pki/crl/ca.crl"), read("crl.pem")).unwrap();
    std::fs::write(dir.join("ca.pem"), read("ca.pem")).unwrap();
    std::fs::write(dir.join("router.pem"), read(&format!("{cert}.pem"))).unwrap();
    std::fs::write(dir.join("router.key"), read(&format!("{cert}.trad.key"))).unwrap();
    let e = Edgesh::start_prepared("left", &dir, "smartedge", config);
    for l in [
        "import pki key-pair kp1 rsa file /flash/router.key",
        "import pki certificate trusted rsa file /flash/ca.pem",
        "import pki certificate self rsa key-pair kp1 file /flash/router.pem",
    ] {
        assert_eq!(e.cmd(l), "", "{l}");
    }
    let shown = e.cmd("show pki certificate trusted rsa");
    assert!(shown.starts_with("Context: local\nCertificate handle 1 (trusted, from /flash/ca.pem)\n  Subject                   : C=US,O=Edgesh Test,CN=Edgesh Test CA\n"), "{shown}");
    e
}

#[test]
fn smartedge_ikev1_main_mode_rsa_signatures_both_roles() {
    let Some(_g) = ready() else { return };
    // edgesh initiates (a static tunnel starts once its certificate is imported), strongSwan answers.
    start_strongswan_certs(1, "right-rsa", "192.0.2.2", "");
    let e = start_smartedge("left-rsa", &smartedge_cert_config(1, false));
    wait_established(&e);
    assert!(list_sas().contains("ESTABLISHED, IKEv1"), "{}", list_sas());
    let l = strongswan_authenticated_us();
    assert!(l.contains("RSA signature") || l.contains("RSA_EMSA_PKCS1_NULL"), "{l}");
    let d = e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    let (ss_in, ss_out) = strongswan_spis(&list_sas());
    assert!(d.contains(&format!("Inbound SPI             : 0x{ss_out}")), "{d}");
    assert!(d.contains(&format!("Outbound SPI            : 0x{ss_in}")), "{d}");
    ping_through(&e, "show log");
    drop(e);
    // strongSwan initiates, edgesh (responder-only) answers.
    start_strongswan_certs(1, "right-rsa", "192.0.2.2", "");
    let e = start_smartedge("left-rsa", &smartedge_cert_config(1, true));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show log"));
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    ping_through(&e, "show log");
}

#[test]
fn smartedge_ikev2_rsa_and_ecdsa_peers_both_roles() {
    let Some(_g) = ready() else { return };
    // edgesh (RSA) initiates to strongSwan (RSA).
    start_strongswan_certs(2, "right-rsa", "192.0.2.2", "");
    let e = start_smartedge("left-rsa", &smartedge_cert_config(2, false));
    wait_established(&e);
    assert!(list_sas().contains("ESTABLISHED, IKEv2"), "{}", list_sas());
    assert!(strongswan_authenticated_us().contains("RSA_EMSA_PKCS1_SHA2_256"), "{}", strongswan_authenticated_us());
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    ping_through(&e, "show log");
    drop(e);
    // strongSwan (ECDSA P-384) initiates; edgesh verifies its ECDSA signature and answers with RSA.
    start_strongswan_certs(2, "right-ec", "192.0.2.2", "");
    let e = start_smartedge("left-rsa", &smartedge_cert_config(2, true));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show log"));
    assert!(strongswan_authenticated_us().contains("RSA_EMSA_PKCS1_SHA2_256"), "{}", strongswan_authenticated_us());
    assert!(charon_log().contains("authentication of '192.0.2.2' (myself) with ECDSA"), "{}", charon_log());
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    ping_through(&e, "show log");
}

/// Table 5 row 7 on the receiving side (edgesh, SmartEdge, IKEv1 main mode
/// responder): a peer whose ID is not the policy's `identity remote`, and a
/// peer that sends no certificate.
#[test]
fn smartedge_table_5_row_7_on_the_receiving_side() {
    let Some(_g) = ready() else { return };
    // strongSwan names itself by its certificate's DN (openssl ca puts CN first, as its policy lists it); the policy wants 192.0.2.2.
    start_strongswan_certs(1, "right-wrongid", "CN=right-wrongid, O=Edgesh Test, C=US", "");
    let e = start_smartedge("left-rsa", &smartedge_cert_config(1, true));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("initiate failed") || !out.contains("established"), "{out}");
    e.wait_for("show log", "ID type (ID_DER_ASN1_DN) and ID data /CN=right-wrongid/O=Edgesh Test/C=US not matching with the configured IKE policies", 10);
    let log = e.wait_for("show log", "Sending phase-I notify of type INVALID_ID_INFORMATION", 5);
    // The two lines of the row, one after the other, as the box logs them.
    let lines: Vec<&str> = log.lines().collect();
    let i = lines.iter().position(|l| l.contains("%IKE-4-ID: ")).expect("the ID line");
    assert!(lines[i].ends_with("%IKE-4-ID: ID type (ID_DER_ASN1_DN) and ID data /CN=right-wrongid/O=Edgesh Test/C=US not matching with the configured IKE policies"), "{log}");
    assert!(lines[i + 1].ends_with("%IKE-4-NOTIFY: Sending phase-I notify of type INVALID_ID_INFORMATION"), "{log}");
    // strongSwan hears the notify, encrypted under HASH(1) (the keys exist from MM5 on; RFC 2408 4.8).
    assert!(charon_log().contains("[ HASH N(INVAL_ID) ]"), "{}", charon_log());
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
    drop(e);
    // strongSwan sends no certificate (`send_cert = never`): none is held for it.
    start_strongswan_certs_with(1, "right-rsa", "192.0.2.2", "", "    send_cert = never\n");
    let e = start_smartedge("left-rsa", &smartedge_cert_config(1, true));
    let _ = peer(&[], &["initiate", "right"]);
    let log =
        e.wait_for("show log", "NO CERT found that matches with at least 1 remoteid configured in IKE policy", 10);
    assert!(
        log.lines()
            .any(|l| l
                .ends_with("%IKE-4-ID: NO CERT found that matches with at least 1 remoteid configured in IKE policy")),
        "{log}"
    );
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
}

/// IKEv1 aggressive mode with RSA signatures (RFC 2409 5.1: SIG_R and CERT
/// in the second message, SIG_I in the third), SmartEdge's `mode
/// aggressive`, edgesh initiating, then strongSwan.
#[test]
fn smartedge_ikev1_aggressive_mode_rsa_signatures_both_roles() {
    let Some(_g) = ready() else { return };
    start_strongswan_certs_with(1, "right-rsa", "192.0.2.2", "", "    aggressive = yes\n");
    let e = start_smartedge("left-rsa", &smartedge_cert_config_in("aggressive", 1, false));
    wait_established(&e);
    assert!(list_sas().contains("ESTABLISHED, IKEv1"), "{}", list_sas());
    assert!(charon_log().contains("Aggressive Mode"), "{}", charon_log());
    let l = strongswan_authenticated_us();
    assert!(l.contains("RSA signature") || l.contains("RSA_EMSA_PKCS1_NULL"), "{l}");
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    ping_through(&e, "show log");
    drop(e);
    start_strongswan_certs_with(1, "right-rsa", "192.0.2.2", "", "    aggressive = yes\n");
    let e = start_smartedge("left-rsa", &smartedge_cert_config_in("aggressive", 1, true));
    let out = peer(&[], &["initiate", "right"]);
    assert!(out.contains("established"), "{out}\n{}\n{}", charon_log(), e.cmd("show log"));
    assert!(strongswan_authenticated_us().contains("RSA"), "{}", strongswan_authenticated_us());
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 10);
    ping_through(&e, "show log");
}

/// Table 5 row 8 on the receiving side: an on-demand (dial-in) tunnel with
/// certificates that takes `*.dialin.example` only; strongSwan comes in
/// aggressive mode as 192.0.2.2, which no on-demand tunnel takes.
#[test]
fn smartedge_table_5_row_8_dial_in_on_the_receiving_side() {
    let Some(_g) = ready() else { return };
    let config = "ike proposal ss
  authentication algorithm hmac-sha1-96
  authentication rsa-signature
  encryption algorithm aes-128-cbc
  dh-group 14
ipsec proposal esp1
  esp encryption aes-128-cbc
  esp authentication hmac-sha1-96
ipsec policy pol1
  seq 10 proposal esp1
context local
  interface wan
    ip address 192.0.2.1/24
  interface ipsec_mb ipsec multibind
    ip unnumbered wan
  ike policy dialin
    mode aggressive
    identity local 192.0.2.1
    identity remote fqdn *.dialin.example
    validate-certificate-identity
    seq 10 proposal ss
  ipsec access-list acl1
    seq 10 198.51.100.1/32 203.0.113.1/32
tunnel ipsec od1 on-demand
  peer-end-point local 192.0.2.1 context local
  ike-policy dialin
  bind interface ipsec_mb local
  seq 10 ipsec-policy pol1 access-group acl1
";
    start_strongswan_certs_with(1, "right-rsa", "192.0.2.2", "", "    aggressive = yes\n");
    let e = start_smartedge("left-rsa", config);
    assert_eq!(e.load_messages().lines().filter(|l| l.contains("Error")).count(), 0, "{}", e.load_messages());
    let _ = peer(&[], &["initiate", "right"]);
    let log = e.wait_for("show log", "%IKE-4-ID: ", 10);
    let lines: Vec<&str> = log.lines().collect();
    let i = lines.iter().position(|l| l.contains("%IKE-4-ID: ")).expect("the ID line");
    assert!(lines[i].ends_with("%IKE-4-ID: ID type (ID_IPV4_ADDR) and ID data 192.0.2.2 not matching with any of the configured IKE policies"), "{log}");
    assert!(lines[i + 1].ends_with("%IKE-4-NOTIFY: Sending phase-I notify of type INVALID_ID_INFORMATION"), "{log}");
    assert!(charon_log().contains("[ N(INVAL_ID) ]"), "{}", charon_log());
    assert!(!list_sas().contains("ESTABLISHED"), "{}", list_sas());
}
