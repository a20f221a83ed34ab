//! IKEv1 phase 1 with RSA signatures (RFC 2409 5.1, auth method 3): owns
//! what changes when the chosen transform says `RSA sig`: SKEYID =
//! prf(Ni_b | Nr_b, g^xy), CERTREQ payloads naming the trusted CAs (their
//! DNs, RFC 2408 3.10) beside KE, and in main mode's messages 5 and 6
//! (aggressive mode's 2 and 3) a CERT and a SIG payload (HASH_I / HASH_R
//! signed with PKCS#1 v1.5, no DigestInfo, as RFC 2409 and strongSwan do)
//! in place of HASH; the peer's certificate is
//! validated to the trust anchors ([`crate::pki`]) and must carry its ID.
//! ECDSA (RFC 4754, `ecdsa-signature`): the method is 9 (P-256, SHA-256) or
//! 10 (P-384, SHA-384) from our key's curve, the peer's key must be on the
//! same curve, and SIG is r | s at the curve's size (not DER); 11 (P-521)
//! is refused as an unsupported method (no P-521 in our crates). No dialect
//! selects `ecdsa-signature` for IKEv1 (IOS's ISAKMP policy, SmartEdge's IKE
//! proposal and the ASA's ikev1 policy have no ECDSA method): the tests below
//! run it between two engines.

use crate::config::AuthMethod;
use crate::ike::conf::PeerConf;
use crate::ike::context::Ctx;
use crate::ike::events::Event;
use crate::ike::sa::IkeSa;
use crate::ike::v1::Msg;
use crate::ike::v1::auth_hash::hash_auth;
use crate::ike::wire::{IdRepr, payload};
use crate::pki::{AuthBy, Cert, CertFailure, Hash, PrivateKey, PublicKey, SigAlg};

/// The ECDSA method (RFC 4754 4) our key's curve gives: 9 for P-256 (SHA-256),
/// 10 for P-384 (SHA-384); 9 when we hold no EC key (signing then fails and says why).
pub(in crate::ike) fn ecdsa_method(pc: &PeerConf) -> u16 {
    match pc.pki.as_ref().and_then(|k| k.key.as_deref()) {
        Some(PrivateKey::P384(_)) => 10,
        _ => 9,
    }
}

/// The IKEv1 authentication method value of the SA's chosen transform.
fn chosen_method(sa: &IkeSa, pc: &PeerConf) -> u8 {
    match sa.chosen.as_ref().map(|c| c.auth) {
        Some(AuthMethod::EcdsaSignature) => ecdsa_method(pc) as u8,
        Some(AuthMethod::PreSharedKey) => 1,
        _ => 3,
    }
}

/// CERT and CERTREQ encoding 4: X.509 certificate, signature.
const X509_SIGNATURE: u8 = 4;

/// The CERTREQ payload bodies: one per trust anchor, its subject DN.
pub(in crate::ike) fn certreqs(pc: &PeerConf) -> Vec<Vec<u8>> {
    let Some(k) = &pc.pki else { return vec![] };
    k.trust.anchors.iter().map(|a| [&[X509_SIGNATURE][..], &a.subject_der].concat()).collect()
}

/// The CERT and SIG payloads of message 5 (`initiator`) or 6 over our ID payload body.
pub(in crate::ike) fn sign(
    cx: &mut Ctx,
    sa: &IkeSa,
    pc: &PeerConf,
    initiator: bool,
    id_b: &[u8],
) -> Result<Vec<(u8, Vec<u8>)>, CertFailure> {
    let k = pc.pki.as_ref().ok_or(CertFailure::NoLocalKey("no certificate configured".into()))?;
    let Some((cert, key)) = k.signer() else {
        return Err(CertFailure::NoLocalKey(
            k.notes.first().cloned().unwrap_or_else(|| "no certificate or key".into()),
        ));
    };
    let hash = hash_auth(sa, initiator, id_b);
    let method = chosen_method(sa, pc);
    let alg = match (method, key) {
        (3, PrivateKey::Rsa(_)) => SigAlg::RsaPkcs1Raw,
        (9, PrivateKey::P256(_)) => SigAlg::EcdsaRaw(Hash::Sha256),
        (10, PrivateKey::P384(_)) => SigAlg::EcdsaRaw(Hash::Sha384),
        _ => return Err(CertFailure::Method(method)),
    };
    let sig = key.sign(alg, &[&hash], &mut cx.rng).ok_or(CertFailure::Method(method))?;
    let mut v = vec![(payload::CERT, [&[X509_SIGNATURE][..], &cert.der].concat())];
    for ca in k.certs.iter().skip(1) {
        v.push((payload::CERT, [&[X509_SIGNATURE][..], &ca.der].concat()));
    }
    v.push((payload::SIG, sig));
    Ok(v)
}

/// Check the peer's message 5 (`initiator`: it is the initiator's) or 6:
/// its certificate, that it carries the ID, and the signature of its HASH.
/// `Ok(true)`: the certificate also settles who the peer is, so a received
/// identity other than the configured one is no mismatch: a certificate map
/// of the tunnel admitted it, or the certificate carries the configured
/// remote identity (IOS: a crypto map's peer is named by its address, and a
/// peer that names itself by its DN, `crypto isakmp identity dn` or the ASA's
/// `auto`, is taken when its certificate carries that address).
pub(in crate::ike) fn verify(
    cx: &mut Ctx,
    sa: &IkeSa,
    pc: &PeerConf,
    initiator: bool,
    msg: &Msg,
    id: &IdRepr,
    id_b: &[u8],
) -> Result<bool, CertFailure> {
    let (conn, peer) = (sa.conn, *sa.remote.ip());
    let r = check(cx.now / 1000, sa, pc, initiator, msg, id, id_b);
    match &r {
        Ok((c, trustpoint, revocation_checked, _)) => cx.event(Event::CertAccepted {
            conn,
            peer,
            version: 1,
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            serial: c.serial.clone(),
            trustpoint: trustpoint.clone(),
            revocation_checked: *revocation_checked,
        }),
        Err(f) => cx.event(Event::CertAuthFailed {
            conn,
            peer,
            version: 1,
            id: Some(crate::pki::ident::id_text(id.id_type, &id.data)),
            failure: f.clone(),
        }),
    }
    r.map(|(_, _, _, settled)| settled)
}

fn check(
    now: u64,
    sa: &IkeSa,
    pc: &PeerConf,
    initiator: bool,
    msg: &Msg,
    id: &IdRepr,
    id_b: &[u8],
) -> Result<(Cert, Option<String>, bool, bool), CertFailure> {
    let k = pc.pki.as_ref().filter(|k| k.remote == AuthBy::Signature).ok_or(CertFailure::Method(3))?;
    let mut certs = Vec::new();
    for p in msg.all(payload::CERT) {
        let Some((&enc, der)) = p.body.split_first() else { continue };
        if enc != X509_SIGNATURE {
            continue;
        }
        match Cert::from_der(der) {
            Ok(c) => certs.push(c),
            Err(e) if certs.is_empty() => return Err(CertFailure::Invalid(e.into())),
            Err(_) => {}
        }
    }
    let Some((end, rest)) = certs.split_first() else { return Err(CertFailure::NoCert) };
    let v = k.trust.validate_path(end, rest, now).map_err(CertFailure::Invalid)?;
    let (trustpoint, revocation_checked) = (k.trust.anchor_name(v.anchor).map(str::to_string), v.revocation_checked);
    if k.check_identity && !end.has_identity(id.id_type, &id.data) {
        return Err(CertFailure::IdentityNotInCert {
            id_type: id.id_type,
            id: crate::pki::ident::id_text(id.id_type, &id.data),
            cert_ids: end.identities().iter().map(|c| (c.ike().0, c.text())).collect(),
        });
    }
    // The tunnel's certificate maps, if it has any (IOS `match certificate`).
    let by_id = crate::ike::matching::identity_match(&pc.remote_id, id);
    if !k.cert_maps.is_empty() && k.admits(Some(end), by_id, matches!(pc.remote_id, crate::config::Identity::Any)) == 0
    {
        return Err(CertFailure::NoMapMatch { maps: k.map_names() });
    }
    let method = chosen_method(sa, pc);
    let sig = msg.get(payload::SIG).ok_or(CertFailure::BadSignature { method })?;
    let hash = hash_auth(sa, initiator, id_b);
    // The method names the scheme, and for ECDSA the curve the peer's key must be on (RFC 4754 4).
    let alg = match (method, &end.key) {
        (3, PublicKey::Rsa(_)) => SigAlg::RsaPkcs1Raw,
        (9, PublicKey::P256(_)) => SigAlg::EcdsaRaw(Hash::Sha256),
        (10, PublicKey::P384(_)) => SigAlg::EcdsaRaw(Hash::Sha384),
        _ => return Err(CertFailure::BadSignature { method }),
    };
    if !end.key.verify(alg, &[&hash], sig.body) {
        return Err(CertFailure::BadSignature { method });
    }
    let conf_in_cert = !matches!(pc.remote_id, crate::config::Identity::Any) && {
        let want = crate::ike::v1::proposals::identity_id(&pc.remote_id);
        end.has_identity(want.id_type, &want.data)
    };
    Ok((end.clone(), trustpoint, revocation_checked, !k.cert_maps.is_empty() || conf_in_cert))
}

#[cfg(test)]
mod tests {
    use crate::config::AuthMethod;
    use crate::ike::conf::EngineConf;
    use crate::ike::endpoint::Endpoint;
    use crate::ike::endpoint::tests::{Pair, mirror, peer};
    use crate::ike::events::Event;
    use crate::pki::tests::{NOW, peer_pki};
    use crate::pki::{CertError, CertFailure};
    use std::sync::Arc;

    /// Main mode with RSA signatures between two endpoints, A with `a`'s certificate, B with `b`'s.

    /// Two endpoints with these tunnels, run until quiet.
    fn run_pair(a: crate::ike::conf::PeerConf, b: crate::ike::conf::PeerConf) -> Pair {
        let now = NOW * 1000;
        let (mut pa, mut pb) = (Endpoint::new(1), Endpoint::new(2));
        pb.set_config(now, EngineConf { peers: vec![b], ..Default::default() });
        pa.set_config(now, EngineConf { peers: vec![a], ..Default::default() });
        let mut p = Pair { a: pa, b: pb, now, drop_to_b: false };
        p.run();
        p
    }
    fn pair(a_cert: &str, b_cert: &str) -> Pair {
        pair_in(crate::config::ExchangeMode::Main, a_cert, b_cert)
    }

    fn pair_in(mode: crate::config::ExchangeMode, a_cert: &str, b_cert: &str) -> Pair {
        let mut a = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "unused", 14);
        a.psk = None;
        a.mode = mode;
        a.proposals[0].auth = AuthMethod::RsaSignature;
        let mut b = mirror(&a, "tb");
        b.mode = mode;
        a.pki = Some(Arc::new(peer_pki(a_cert)));
        b.pki = Some(Arc::new(peer_pki(b_cert)));
        run_pair(a, b)
    }

    fn accepted(evs: &[Event]) -> Vec<String> {
        evs.iter()
            .filter_map(|e| {
                if let Event::CertAccepted { subject, version: 1, .. } = e { Some(subject.clone()) } else { None }
            })
            .collect()
    }

    #[test]
    fn main_mode_with_rsa_signatures() {
        let mut p = pair("left-rsa", "right-rsa");
        assert_eq!(p.a.child_sas().len(), 1, "{:?}", Pair::events(&mut p.a));
        assert_eq!(p.b.child_sas().len(), 1);
        assert_eq!(p.a.child_sas()[0].spi_out, p.b.child_sas()[0].spi_in);
        assert_eq!(accepted(&Pair::events(&mut p.a)), ["C=US,O=Edgesh Test,CN=right"]);
        assert_eq!(accepted(&Pair::events(&mut p.b)), ["C=US,O=Edgesh Test,CN=left"]);
    }

    #[test]
    fn aggressive_mode_with_rsa_signatures_and_its_refusals() {
        use crate::config::ExchangeMode::Aggressive;
        let mut p = pair_in(Aggressive, "left-rsa", "right-rsa");
        assert_eq!(p.a.child_sas().len(), 1, "{:?}", Pair::events(&mut p.a));
        assert_eq!(p.a.child_sas()[0].spi_out, p.b.child_sas()[0].spi_in);
        let ev = Pair::events(&mut p.a);
        // AM2 came with CERT and SIG, and no HASH.
        let am2: Vec<u8> = ev
            .iter()
            .find_map(|e| {
                if let Event::Received { exchange: crate::ike::wire::exchange::AGGRESSIVE, payloads, .. } = e {
                    Some(payloads.clone())
                } else {
                    None
                }
            })
            .expect("AM2");
        assert!(
            am2.contains(&crate::ike::wire::payload::CERT)
                && am2.contains(&crate::ike::wire::payload::SIG)
                && !am2.contains(&crate::ike::wire::payload::HASH),
            "{am2:?}"
        );
        assert_eq!(accepted(&ev), ["C=US,O=Edgesh Test,CN=right"]);
        assert_eq!(accepted(&Pair::events(&mut p.b)), ["C=US,O=Edgesh Test,CN=left"]);
        // AM2's certificate expired: the initiator refuses it.
        let mut p = pair_in(Aggressive, "left-rsa", "right-expired");
        assert!(p.a.child_sas().is_empty() && p.b.child_sas().is_empty());
        let f: Vec<CertFailure> = Pair::events(&mut p.a)
            .into_iter()
            .filter_map(
                |e| if let Event::CertAuthFailed { failure, version: 1, .. } = e { Some(failure) } else { None },
            )
            .collect();
        assert!(matches!(f.as_slice(), [CertFailure::Invalid(CertError::Expired { .. })]), "{f:?}");
        // AM3's is revoked: the responder refuses it.
        let mut p = pair_in(Aggressive, "right-revoked", "right-rsa");
        assert!(p.b.child_sas().is_empty());
        let f: Vec<CertFailure> = Pair::events(&mut p.b)
            .into_iter()
            .filter_map(
                |e| if let Event::CertAuthFailed { failure, version: 1, .. } = e { Some(failure) } else { None },
            )
            .collect();
        assert!(matches!(f.as_slice(), [CertFailure::Invalid(CertError::Revoked { .. })]), "{f:?}");
    }

    /// Main mode: a peer whose identity is not the configured one is refused as
    /// an identity mismatch (no certificate map involved); with certificate maps
    /// (IOS `match certificate` in an ISAKMP profile) the map decides; a DN
    /// identity (`crypto isakmp identity dn`) goes as ID_DER_ASN1_DN.
    #[test]
    fn main_mode_identities_and_certificate_maps() {
        use crate::config::Identity;
        use crate::pki::certmap::{CertMap, Field, Op, Rule, Value};
        let map = |v: &str| CertMap {
            name: "M".into(),
            entries: vec![(10, vec![Rule { field: Field::SubjectName, op: Op::Co, value: Value::Text(v.into()) }])],
        };
        let run = |edit: &dyn Fn(&mut crate::ike::conf::PeerConf, &mut crate::ike::conf::PeerConf)| {
            let mut a = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "unused", 14);
            a.psk = None;
            a.proposals[0].auth = AuthMethod::RsaSignature;
            let mut b = mirror(&a, "tb");
            a.pki = Some(Arc::new(peer_pki("left-rsa")));
            b.pki = Some(Arc::new(peer_pki("right-rsa")));
            edit(&mut a, &mut b);
            run_pair(a, b)
        };
        let failures = |p: &mut Pair| -> Vec<CertFailure> {
            Pair::events(&mut p.b)
                .into_iter()
                .filter_map(|e| if let Event::CertAuthFailed { failure, .. } = e { Some(failure) } else { None })
                .collect()
        };
        // Another identity configured, no maps: an identity mismatch, not a certificate failure.
        let mut p = run(&|_, b| b.remote_id = Identity::Fqdn("someone-else.example".into()));
        assert!(p.b.child_sas().is_empty());
        let ev = Pair::events(&mut p.b);
        assert!(ev.iter().any(|e| matches!(e, Event::IdMismatch { by_signature: true, .. })), "{ev:?}");
        assert!(!ev.iter().any(|e| matches!(e, Event::CertAuthFailed { .. })), "{ev:?}");
        // Admitted by a map; refused by one that takes nobody.
        let with_map = |b: &mut crate::ike::conf::PeerConf, m: CertMap| {
            b.remote_id = Identity::Any;
            Arc::make_mut(b.pki.as_mut().unwrap()).cert_maps = vec![m];
        };
        let p = run(&|_, b| with_map(b, map("cn=left")));
        assert_eq!(p.b.child_sas().len(), 1);
        let mut p = run(&|_, b| with_map(b, map("cn=nobody")));
        assert!(p.b.child_sas().is_empty());
        assert_eq!(failures(&mut p), vec![CertFailure::NoMapMatch { maps: vec!["M".into()] }]);
        // DN identities both ways.
        let dn = |c: &str| Identity::Dn(crate::pki::tests::pem(c).subject_der.clone());
        let mut p = run(&|a, b| {
            a.local_id = dn("left-rsa");
            b.remote_id = dn("left-rsa");
            b.local_id = dn("right-rsa");
            a.remote_id = dn("right-rsa");
        });
        assert_eq!(p.a.child_sas().len(), 1, "{:?}", Pair::events(&mut p.a));
        let id = p.b.ike_sas().scan().find_map(|s| s.peer_id.clone()).expect("peer id");
        assert_eq!(id.id_type, crate::ike::wire::id_type::DER_ASN1_DN);
        // A peer named by its address (an IOS crypto map's `set peer`) that names itself by
        // its DN: taken, as its certificate carries the address.
        let p = run(&|a, _| a.local_id = dn("left-rsa"));
        assert_eq!(p.b.child_sas().len(), 1);
    }

    /// Table 5 row 8: dial-in (on-demand) tunnels with certificates, and an
    /// aggressive-mode identity none of them takes: INVALID_ID_INFORMATION.
    #[test]
    fn dial_in_identity_no_on_demand_tunnel_takes() {
        use crate::config::{ExchangeMode, Identity, TunnelKind};
        let mut a = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "unused", 14);
        a.psk = None;
        a.mode = ExchangeMode::Aggressive;
        a.proposals[0].auth = AuthMethod::RsaSignature;
        let mut b = mirror(&a, "tb");
        b.kind = TunnelKind::OnDemand;
        b.remote = None;
        b.remote_id = Identity::Fqdn("dialin.example".into());
        a.pki = Some(Arc::new(peer_pki("left-rsa")));
        b.pki = Some(Arc::new(peer_pki("right-rsa")));
        let now = NOW * 1000;
        let mut p = run_pair(a.clone(), b.clone());
        assert!(p.b.child_sas().is_empty());
        let ev = Pair::events(&mut p.b);
        let ids: Vec<(u8, bool, bool)> = ev
            .iter()
            .filter_map(|e| {
                if let Event::IdMismatch { id, by_signature, dial_in, .. } = e {
                    Some((id.id_type, *by_signature, *dial_in))
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(ids.first(), Some(&(crate::ike::wire::id_type::IPV4_ADDR, true, true)), "{ev:?}");
        assert!(
            ev.iter()
                .any(|e| matches!(e, Event::NotifySent { kind: crate::ike::wire::notify::INVALID_ID_INFORMATION, .. })),
            "{ev:?}"
        );
        // The same tunnel with a pre-shared key is not row 8: no certificates, no such check.
        let mut b2 = b.clone();
        b2.pki = None;
        b2.psk = Some(b"k".to_vec());
        let mut pb = Endpoint::new(3);
        pb.set_config(now, EngineConf { peers: vec![b2], ..Default::default() });
        let mut p = Pair { a: Endpoint::new(4), b: pb, now, drop_to_b: false };
        p.a.set_config(now, EngineConf { peers: vec![a], ..Default::default() });
        p.run();
        assert!(!Pair::events(&mut p.b).iter().any(|e| matches!(e, Event::IdMismatch { dial_in: true, .. })));
    }

    /// IKEv1 setups per second in-process (both ends in this thread, phase 1
    /// and one quick mode, DH 14): pre-shared key against RSA-2048
    /// signatures, main and aggressive mode. `cargo test -p edgesh-engine
    /// --lib v1_setups_per_second -- --ignored --nocapture` (README "Certificates").
    #[test]
    #[ignore]
    fn v1_setups_per_second() {
        use crate::config::ExchangeMode::{Aggressive, Main};
        let n = 20;
        let time = |f: &dyn Fn() -> Pair| {
            let t0 = std::time::Instant::now();
            for _ in 0..n {
                let p = f();
                assert_eq!(p.a.child_sas().len(), 1);
            }
            n as f64 / t0.elapsed().as_secs_f64()
        };
        let psk = time(&|| {
            let a = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "s3cret", 14);
            let b = mirror(&a, "tb");
            run_pair(a, b)
        });
        let mm = time(&|| pair_in(Main, "left-rsa", "right-rsa"));
        let am = time(&|| pair_in(Aggressive, "left-rsa", "right-rsa"));
        println!(
            "IKEv1 setups/s (phase 1 + quick mode, DH 14, both ends in one thread): PSK main mode {psk:.1}, RSA-2048 main mode {mm:.1}, RSA-2048 aggressive mode {am:.1}"
        );
    }

    /// A CA made here (P-256) and certificates it issues with `left`'s or
    /// `right`'s subject and addresses on the curve asked for (the CA of
    /// `testdata/` signs no P-384 left nor P-256 right).
    mod ec_ca {
        use crate::pki::keys::KeyKind;
        use crate::pki::{AuthBy, Cert, PeerPki, PrivateKey, TrustStore};
        use std::str::FromStr;
        use std::sync::Arc;
        use std::time::Duration;
        use x509_cert::TbsCertificate;
        use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
        use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectAltName, name::GeneralName};
        use x509_cert::ext::{Extension, ToExtension};
        use x509_cert::name::Name;
        use x509_cert::spki::{SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
        use x509_cert::time::{Time, Validity};

        struct Prof {
            issuer: Name,
            subject: Name,
            ca: bool,
            ip: Option<std::net::Ipv4Addr>,
        }
        impl BuilderProfile for Prof {
            fn get_issuer(&self, _: &Name) -> Name {
                self.issuer.clone()
            }
            fn get_subject(&self) -> Name {
                self.subject.clone()
            }
            fn build_extensions(
                &self,
                _: SubjectPublicKeyInfoRef<'_>,
                _: SubjectPublicKeyInfoRef<'_>,
                _: &TbsCertificate,
            ) -> x509_cert::builder::Result<Vec<Extension>> {
                let mut v = vec![
                    (&BasicConstraints { ca: self.ca, path_len_constraint: None }).to_extension(&self.subject, &[])?,
                ];
                let ku = if self.ca {
                    KeyUsages::KeyCertSign | KeyUsages::CRLSign
                } else {
                    KeyUsages::DigitalSignature.into()
                };
                v.push((&KeyUsage(ku)).to_extension(&self.subject, &[])?);
                if let Some(ip) = self.ip {
                    v.push(
                        (&SubjectAltName(vec![GeneralName::from(std::net::IpAddr::V4(ip))]))
                            .to_extension(&self.subject, &[])?,
                    );
                }
                Ok(v)
            }
        }

        fn sign(p: Prof, serial: u32, key: &PrivateKey, by: &PrivateKey) -> Cert {
            let t = |s: u64| Time::try_from(std::time::UNIX_EPOCH + Duration::from_secs(s)).unwrap();
            let now = crate::pki::tests::NOW;
            let spki = SubjectPublicKeyInfo::try_from(key.public_key_der().as_slice()).unwrap();
            let b = CertificateBuilder::new(p, serial.into(), Validity::new(t(now - 86_400), t(now + 86_400)), spki)
                .unwrap();
            let c = match by {
                PrivateKey::P256(s) => b.build::<_, p256::ecdsa::DerSignature>(s).unwrap(),
                _ => unreachable!(),
            };
            Cert::from_der(&der::Encode::to_der(&c).unwrap()).unwrap()
        }

        /// Both ends' PKI: `left` on curve `l`, `right` on curve `r`, one fresh CA.
        pub fn pair(l: KeyKind, r: KeyKind) -> (PeerPki, PeerPki) {
            let mut rng = crate::pki::keys::key_rng(Some([7; 32]));
            let ca_key = PrivateKey::generate(KeyKind::P256, &mut rng).unwrap();
            let ca_name = Name::from_str("C=US,O=Edgesh Test,CN=Edgesh EC Test CA").unwrap();
            let ca = sign(
                Prof { issuer: ca_name.clone(), subject: ca_name.clone(), ca: true, ip: None },
                1,
                &ca_key,
                &ca_key,
            );
            let trust = Arc::new(TrustStore { anchors: vec![ca], ..TrustStore::default() });
            let mut one = |kind: KeyKind, cn: &str, ip: [u8; 4], serial: u32| {
                let key = PrivateKey::generate(kind, &mut rng).unwrap();
                let cert = sign(
                    Prof {
                        issuer: ca_name.clone(),
                        subject: Name::from_str(&format!("C=US,O=Edgesh Test,CN={cn}")).unwrap(),
                        ca: false,
                        ip: Some(ip.into()),
                    },
                    serial,
                    &key,
                    &ca_key,
                );
                PeerPki {
                    local: AuthBy::Signature,
                    remote: AuthBy::Signature,
                    certs: vec![cert],
                    key: Some(Arc::new(key)),
                    trust: trust.clone(),
                    check_identity: true,
                    notes: vec![],
                    cert_maps: vec![],
                }
            };
            let a = one(l, "left", [192, 0, 2, 1], 2);
            let b = one(r, "right", [192, 0, 2, 2], 3);
            (a, b)
        }
    }

    /// `mode` between A and B with ECDSA certificates (`ecdsa-signature`) on curves `l` and `r`.
    fn ecdsa_pair(
        mode: crate::config::ExchangeMode,
        l: crate::pki::keys::KeyKind,
        r: crate::pki::keys::KeyKind,
    ) -> Pair {
        let mut a = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "unused", 14);
        a.psk = None;
        a.mode = mode;
        a.proposals[0].auth = AuthMethod::EcdsaSignature;
        let mut b = mirror(&a, "tb");
        b.mode = mode;
        let (ka, kb) = ec_ca::pair(l, r);
        a.pki = Some(Arc::new(ka));
        b.pki = Some(Arc::new(kb));
        run_pair(a, b)
    }

    #[test]
    fn main_and_aggressive_mode_with_ecdsa_p256_and_p384_signatures() {
        use crate::config::ExchangeMode::{Aggressive, Main};
        use crate::pki::keys::KeyKind::{P256, P384};
        for (mode, kind, method) in
            [(Main, P256, 9u64), (Main, P384, 10), (Aggressive, P256, 9), (Aggressive, P384, 10)]
        {
            let mut p = ecdsa_pair(mode, kind, kind);
            let ev = Pair::events(&mut p.a);
            assert_eq!(p.a.child_sas().len(), 1, "{mode:?} {kind:?}: {ev:?}");
            assert_eq!(p.b.child_sas().len(), 1);
            assert_eq!(p.a.child_sas()[0].spi_out, p.b.child_sas()[0].spi_in);
            assert_eq!(accepted(&ev), ["C=US,O=Edgesh Test,CN=right"]);
            let evb = Pair::events(&mut p.b);
            assert_eq!(accepted(&evb), ["C=US,O=Edgesh Test,CN=left"]);
            assert!(!evb.iter().chain(&ev).any(|e| matches!(e, Event::CertAuthFailed { .. })));
            // The transform says RFC 4754's method for the key's curve: 9 for P-256, 10 for P-384.
            let pki = ec_ca::pair(kind, kind).0;
            let mut pc = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "unused", 14);
            pc.proposals[0].auth = AuthMethod::EcdsaSignature;
            pc.pki = Some(Arc::new(pki));
            let t = super::super::proposals::p1_transform(1, &pc.proposals[0], super::ecdsa_method(&pc));
            assert_eq!(super::super::proposals::auth_value(&t), method);
            assert_eq!(super::super::proposals::offered_p1(&t).unwrap().auth, Ok(AuthMethod::EcdsaSignature));
        }
        // Method 11 (P-521) is not one we take: the offer names it as unsupported.
        let mut t = super::super::proposals::p1_transform(
            1,
            &peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "k", 14).proposals[0],
            9,
        );
        t.attrs.iter_mut().filter(|a| a.kind == 3).for_each(|a| *a = crate::ike::wire::Attr::basic(3, 11));
        assert_eq!(super::super::proposals::offered_p1(&t).unwrap().auth, Err(11));
    }

    /// RFC 4754: the method names the curve, both ends sign on it. A P-256
    /// initiator offers 9; a P-384 responder cannot sign for 9 and takes no transform.
    #[test]
    fn ecdsa_on_different_curves_is_refused_at_the_proposal() {
        use crate::pki::keys::KeyKind::{P256, P384};
        let mut p = ecdsa_pair(crate::config::ExchangeMode::Main, P256, P384);
        assert!(p.a.child_sas().is_empty() && p.b.child_sas().is_empty());
        let evb = Pair::events(&mut p.b);
        let checks: Vec<_> = evb
            .iter()
            .filter_map(|e| {
                if let Event::P1Check { offered, result, .. } = e { Some((offered.auth, result.is_ok())) } else { None }
            })
            .collect();
        assert_eq!(checks, [(Err(9), false)], "{evb:?}");
        // The same reading of a transform a responder chose (MM2, AM2): a P-384 initiator takes 10, not 9.
        let mut pc = peer("ta", [192, 0, 2, 1], [192, 0, 2, 2], "unused", 14);
        pc.proposals[0].auth = AuthMethod::EcdsaSignature;
        pc.pki = Some(Arc::new(ec_ca::pair(P384, P384).0));
        let read = |v: u16| {
            crate::ike::matching::offered_p1_for(&super::super::proposals::p1_transform(1, &pc.proposals[0], v), &pc)
                .unwrap()
                .auth
        };
        assert_eq!((read(9), read(10)), (Err(9), Ok(AuthMethod::EcdsaSignature)));
    }

    #[test]
    fn main_mode_refuses_bad_certificates_on_both_sides() {
        // The responder's certificate expired: the initiator refuses it in MM6.
        let mut p = pair("left-rsa", "right-expired");
        assert!(p.a.child_sas().is_empty());
        let f: Vec<CertFailure> = Pair::events(&mut p.a)
            .into_iter()
            .filter_map(
                |e| if let Event::CertAuthFailed { failure, version: 1, .. } = e { Some(failure) } else { None },
            )
            .collect();
        assert!(matches!(f.as_slice(), [CertFailure::Invalid(CertError::Expired { .. })]), "{f:?}");
        // The initiator's is revoked: the responder refuses it in MM5 and says AUTHENTICATION-FAILED.
        let mut p = pair("right-revoked", "right-rsa");
        assert!(p.b.child_sas().is_empty() && p.a.child_sas().is_empty());
        let f: Vec<CertFailure> = Pair::events(&mut p.b)
            .into_iter()
            .filter_map(
                |e| if let Event::CertAuthFailed { failure, version: 1, .. } = e { Some(failure) } else { None },
            )
            .collect();
        assert!(matches!(f.as_slice(), [CertFailure::Invalid(CertError::Revoked { .. })]), "{f:?}");
    }
}
