//! IKE_AUTH (RFC 7296 1.2, 2.15): owns authenticating the IKE SA with a
//! pre-shared key (AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <message octets
//! | peer's nonce | prf(SK_p, ID body)>)) or a signature over the same octets
//! with a certificate's key (issue 18: RFC 7427 method 14 when the peer sent
//! SIGNATURE_HASH_ALGORITHMS, else RSA method 1 and ECDSA methods 9/10),
//! CERT and CERTREQ payloads (the CA key hashes of RFC 7296 3.7), the peer's
//! certificate validated to the trust anchors ([`crate::pki`]) and its
//! identity found in it, identities (IPv4 address, FQDN, user-FQDN, key-id)
//! checked against the configured remote identity, AUTHENTICATION_FAILED
//! both ways, and the first child SA carried in the exchange (its errors
//! keep the IKE SA, as 1.2 says).

use super::cert_init::{OUR_HASHES, can_answer, local_sig, remote_sig};
use super::child::{Selected, esp_sa, narrow};
use super::keys;
use super::wire::{
    self, AUTH_SHARED_KEY_MIC, AuthRepr, Builder, CertRepr, Header, IdRepr, Msg, NotifyRepr, Repr, TsRepr, exchange,
    notify,
};
use super::{ChildNeg, Core, State, What, id_matches, id_of, sel_to_ts};
use crate::config::Prf;
use crate::ike::conf::PeerConf;
use crate::ike::events::{DownReason, Event, Role};
use crate::ike::params::Millis;
use crate::pki::{AuthBy, CertFailure, Hash, PrivateKey, SigAlg};

/// The hashes the peer announced in its IKE_SA_INIT message (`data`, stored whole).
fn peer_hashes(data: &[u8]) -> Vec<Hash> {
    let Ok(h) = Header::parse(data) else { return vec![] };
    let Ok(m) = Msg::parse(h.next, data.get(wire::HEADER_LEN..).unwrap_or(&[])) else { return vec![] };
    m.notify(wire::SIGNATURE_HASH_ALGORITHMS)
        .map(|n| wire::signature_hashes(&n.data).into_iter().filter_map(Hash::from_ike_id).collect())
        .unwrap_or_default()
}

/// The octets a side signs (RFC 7296 2.15): its first message, the peer's nonce, prf(SK_p, ID body).
fn signed_octets(prf: Prf, message: &[u8], nonce: &[u8], sk_p: &[u8], id_body: &[u8]) -> [Vec<u8>; 3] {
    [message.to_vec(), nonce.to_vec(), prf.prf(sk_p, &[id_body])]
}

/// The AUTH payload this key makes: method 14 with an RFC 7427 algorithm when the
/// peer announced hashes we make, else the classic method of the key.
fn sign_auth(
    key: &PrivateKey,
    peer_hashes: &[Hash],
    octets: &[Vec<u8>; 3],
    rng: &mut impl rand::CryptoRng,
) -> Option<AuthRepr> {
    let parts: [&[u8]; 3] = [&octets[0], &octets[1], &octets[2]];
    let ours: Vec<Hash> = peer_hashes.iter().copied().filter(|h| OUR_HASHES.contains(h)).collect();
    if !ours.is_empty() {
        let alg = key.default_alg(&ours);
        let algid = alg.to_x509_der()?;
        let sig = key.sign(alg, &parts, rng)?;
        let mut data = vec![u8::try_from(algid.len()).ok()?];
        data.extend_from_slice(&algid);
        data.extend_from_slice(&sig);
        return Some(AuthRepr { method: wire::AUTH_DIGITAL_SIGNATURE, data });
    }
    let (method, alg) = match key {
        PrivateKey::Rsa(_) => (wire::AUTH_RSA_SIG, SigAlg::RsaPkcs1(Hash::Sha1)),
        PrivateKey::P256(_) => (wire::AUTH_ECDSA_256, SigAlg::EcdsaRaw(Hash::Sha256)),
        PrivateKey::P384(_) => (wire::AUTH_ECDSA_384, SigAlg::EcdsaRaw(Hash::Sha384)),
    };
    Some(AuthRepr { method, data: key.sign(alg, &parts, rng)? })
}

/// The signature scheme of a received AUTH payload for `key`, and the signature.
fn auth_alg<'a>(auth: &'a AuthRepr, key: &crate::pki::PublicKey) -> Option<(SigAlg, &'a [u8])> {
    use crate::pki::PublicKey as K;
    match (auth.method, key) {
        (wire::AUTH_RSA_SIG, K::Rsa(_)) => Some((SigAlg::RsaPkcs1(Hash::Sha1), &auth.data)),
        (wire::AUTH_ECDSA_256, K::P256(_)) => Some((SigAlg::EcdsaRaw(Hash::Sha256), &auth.data)),
        (wire::AUTH_ECDSA_384, K::P384(_)) => Some((SigAlg::EcdsaRaw(Hash::Sha384), &auth.data)),
        (wire::AUTH_DIGITAL_SIGNATURE, _) => {
            let (algid, sig) = wire::split_digital_signature(&auth.data)?;
            let ai = <spki::AlgorithmIdentifierOwned as der::Decode>::from_der(algid).ok()?;
            Some((SigAlg::from_x509(&ai)?, sig))
        }
        _ => None,
    }
}

/// What a peer's AUTH payload proved, or why it did not.
enum Verdict {
    /// The pre-shared key's MIC matched.
    Psk,
    /// The signature verified with a certificate that validated.
    Cert(CertOk),
    PskFailed,
    CertFailed(CertFailure),
}

/// A certificate that validated and whose key verified the AUTH: what
/// [`Event::CertAccepted`] says of it, and its key's kind.
struct CertOk {
    subject: String,
    issuer: String,
    serial: Vec<u8>,
    kind: super::sa::AuthKind,
    trustpoint: Option<String>,
    revocation_checked: bool,
}

impl CertOk {
    fn event(self, conn: u32, peer: std::net::Ipv4Addr) -> Event {
        let CertOk { subject, issuer, serial, trustpoint, revocation_checked, .. } = self;
        Event::CertAccepted { conn, peer, version: 2, subject, issuer, serial, trustpoint, revocation_checked }
    }
}

/// The CERT/AUTH path for the fuzz target (`fuzz/`, feature
/// `fuzzing`): `chain` parsed as IKE_AUTH's payload chain (its first
/// payload IDi), then its certificates validated and its AUTH verified for
/// a tunnel whose PKI is `pki` (it wants a signature) over `octets`, as a responder
/// does. True when accepted.
#[cfg(feature = "fuzzing")]
pub fn fuzz_verify(pki: &crate::pki::PeerPki, chain: &[u8], octets: &[Vec<u8>; 3], now_secs: u64) -> bool {
    let Ok(msg) = Msg::parse(super::wire::payload::IDI, chain) else { return false };
    let (Some(idi), Some(a)) = (msg.idi(), msg.auth()) else { return false };
    matches!(verify_with(Some(pki), &msg, idi, a, octets, None, now_secs), Verdict::Cert(_))
}

/// Check the peer's AUTH against `p`: its pre-shared key, or its certificate
/// (validated at `now` seconds, identity `id` in it) and signature.
fn verify_peer(
    p: &PeerConf,
    msg: &Msg,
    id: &IdRepr,
    auth: &AuthRepr,
    octets: &[Vec<u8>; 3],
    psk_want: Option<Vec<u8>>,
    now_secs: u64,
) -> Verdict {
    verify_with(p.pki.as_deref(), msg, id, auth, octets, psk_want, now_secs)
}

fn verify_with(
    pki: Option<&crate::pki::PeerPki>,
    msg: &Msg,
    id: &IdRepr,
    auth: &AuthRepr,
    octets: &[Vec<u8>; 3],
    psk_want: Option<Vec<u8>>,
    now_secs: u64,
) -> Verdict {
    let Some(k) = pki.filter(|k| k.remote == AuthBy::Signature) else {
        return match psk_want {
            Some(w) if auth.method == AUTH_SHARED_KEY_MIC && super::ct_eq(&w, &auth.data) => Verdict::Psk,
            _ => Verdict::PskFailed,
        };
    };
    if auth.method == AUTH_SHARED_KEY_MIC {
        return Verdict::CertFailed(CertFailure::Method(auth.method));
    }
    // The first CERT carries the AUTH key (RFC 7296 3.6); others of an encoding we do not take are passed over.
    if let Some(c) = msg.certs().next().filter(|c| c.encoding != wire::CERT_X509_SIGNATURE) {
        return Verdict::CertFailed(CertFailure::Encoding(c.encoding));
    }
    let mut certs = Vec::new();
    for c in msg.certs().filter(|c| c.encoding == wire::CERT_X509_SIGNATURE) {
        match crate::pki::Cert::from_der(&c.data) {
            Ok(c) => certs.push(c),
            Err(e) if certs.is_empty() => return Verdict::CertFailed(CertFailure::Invalid(e.into())),
            // A CA certificate sent along that we cannot read is not used.
            Err(_) => {}
        }
    }
    let Some((end, rest)) = certs.split_first() else { return Verdict::CertFailed(CertFailure::NoCert) };
    let (trustpoint, revocation_checked) = match k.trust.validate_path(end, rest, now_secs) {
        Ok(v) => (k.trust.anchor_name(v.anchor).map(str::to_string), v.revocation_checked),
        Err(e) => return Verdict::CertFailed(CertFailure::Invalid(e)),
    };
    if k.check_identity && !end.has_identity(id.kind, &id.data) {
        let cert_ids = end.identities().iter().map(|c| (c.ike().0, c.text())).collect();
        return Verdict::CertFailed(CertFailure::IdentityNotInCert { id_type: id.kind, id: id_text(id), cert_ids });
    }
    let Some((alg, sig)) = auth_alg(auth, &end.key) else {
        return Verdict::CertFailed(CertFailure::Method(auth.method));
    };
    let parts: [&[u8]; 3] = [&octets[0], &octets[1], &octets[2]];
    if !end.key.verify(alg, &parts, sig) {
        return Verdict::CertFailed(CertFailure::BadSignature { method: auth.method });
    }
    Verdict::Cert(CertOk {
        subject: end.subject.clone(),
        issuer: end.issuer.clone(),
        serial: end.serial.clone(),
        kind: super::sa::AuthKind::of_key(&end.key),
        trustpoint,
        revocation_checked,
    })
}

/// The peer's certificate (its first CERT), decoded once per message.
fn peer_cert(msg: &Msg) -> Option<crate::pki::Cert> {
    msg.certs().next().and_then(|c| crate::pki::Cert::from_der(&c.data).ok())
}

/// Whether the peer's certificate carries the configured remote identity
/// (a peer that names itself by its DN while the tunnel names it by address).
fn cert_has_conf_id(p: &PeerConf, cert: Option<&crate::pki::Cert>) -> bool {
    let Some(c) = cert else { return false };
    let want = id_of(&p.remote_id, std::net::Ipv4Addr::UNSPECIFIED);
    !p.remote_id.is_pattern() && c.has_identity(want.kind, &want.data)
}

/// How well the peer fits tunnel `p` (0: not at all): its identity against
/// the configured one (or the configured identity in its certificate), and
/// its certificate against the tunnel's certificate maps ([`crate::pki::PeerPki::admits`]).
fn peer_fit(p: &PeerConf, id: &IdRepr, cert: Option<&crate::pki::Cert>) -> u8 {
    let by_id = id_matches(&p.remote_id, id).max(u8::from(remote_sig(p) && cert_has_conf_id(p, cert)));
    match p.pki.as_ref().filter(|k| !k.cert_maps.is_empty()) {
        None => by_id,
        Some(k) => k.admits(cert, by_id, matches!(p.remote_id, crate::config::Identity::Any)),
    }
}

/// An identity in text (DNs in RFC 4514 form).
fn id_text(id: &IdRepr) -> String {
    crate::pki::ident::id_text(id.kind, &id.data)
}

impl Core {
    /// Initiator: send IKE_AUTH with the first wanted child.
    pub(crate) fn send_auth(&mut self, i: usize) {
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        let (Some(suite), Some(k)) = (self.sas[i].suite, self.sas[i].keys.clone()) else { return };
        let idi = id_of(&p.local_id, p.local);
        let sa = &self.sas[i];
        // Our AUTH: a signature with the certificate's key, or the pre-shared key's MIC.
        let (auth, certs) = if let Some(pki) = p.pki.clone().filter(|_| local_sig(&p)) {
            let Some((cert, key)) = pki.signer() else {
                let why = pki.notes.first().cloned().unwrap_or_else(|| "no certificate or key".into());
                let (conn, peer) = (sa.conn, *sa.remote.ip());
                self.emit(Event::CertAuthFailed {
                    conn,
                    peer,
                    version: 2,
                    id: None,
                    failure: CertFailure::NoLocalKey(why),
                });
                self.stats.ike_failed += 1;
                return self.drop_sa(i, DownReason::AuthenticationFailed, true);
            };
            let octets = signed_octets(suite.prf, &sa.init_req, &sa.nr, &k.pi, &idi.body());
            let hashes = peer_hashes(&sa.init_resp);
            let Some(a) = sign_auth(key, &hashes, &octets, &mut self.rng) else { return };
            self.sas[i].auth_sign = super::sa::AuthKind::of_key(&cert.key);
            let certs: Vec<Repr> = std::iter::once(cert)
                .chain(pki.certs.iter().skip(1))
                .map(|c| Repr::Cert(CertRepr { encoding: wire::CERT_X509_SIGNATURE, data: c.der.clone() }))
                .collect();
            (a, certs)
        } else {
            let Some(psk) = p.psk.clone() else { return };
            (
                AuthRepr {
                    method: AUTH_SHARED_KEY_MIC,
                    data: keys::psk_auth(suite.prf, &psk, &sa.init_req, &sa.nr, &k.pi, &idi.body()),
                },
                vec![],
            )
        };
        let sa = &self.sas[i];
        let mut b = Builder::new().add(&Repr::Idi(idi));
        for c in &certs {
            b.push(c);
        }
        // CERTREQ: the CAs we trust, so that the responder sends its certificate (RFC 7296 3.7).
        if let Some(pk) = p.pki.as_ref().filter(|k| k.remote == AuthBy::Signature && !k.trust.anchors.is_empty()) {
            b.push(&Repr::CertReq(CertRepr { encoding: wire::CERT_X509_SIGNATURE, data: pk.trust.ca_hashes() }));
        }
        // INITIAL_CONTACT (RFC 7296 3.16) only when we hold no other IKE SA with
        // this peer, in any state: when both ends start at once each has the
        // other's SA in negotiation, and a contact notify would make the peer
        // silently drop an SA this side keeps.
        let (me, peer) = (sa.conn, *sa.remote.ip());
        if !self.sas.iter().any(|s| s.conn != me && *s.remote.ip() == peer) {
            b.push(&Repr::Notify(NotifyRepr::new(notify::INITIAL_CONTACT, vec![])));
        }
        // IDr names the responder we want: not when only a pattern is configured.
        if !p.remote_id.is_pattern() && p.remote.is_some() {
            b.push(&Repr::Idr(id_of(&p.remote_id, p.remote.unwrap_or(p.local))));
        }
        b.push(&Repr::Auth(auth));
        let mut neg = None;
        if let Some(c) = self.sas[i].want.pop_front()
            && let Some(cc) = p.children.get(c)
        {
            let spi_in = self.spi4();
            if super::child::wants_transport(cc) {
                b.push(&Repr::Notify(NotifyRepr::new(notify::USE_TRANSPORT_MODE, vec![])));
            }
            b.push(&Repr::Sa(esp_sa(cc, spi_in, None)));
            b.push(&Repr::Tsi(TsRepr { selectors: vec![sel_to_ts(&cc.local_ts)] }));
            b.push(&Repr::Tsr(TsRepr { selectors: vec![sel_to_ts(&cc.remote_ts)] }));
            neg = Some(ChildNeg {
                tunnel: p.name.clone(),
                child: c,
                spi_in,
                ni: self.sas[i].ni.clone(),
                dh: None,
                rekey_of: None,
            });
        }
        self.send_request(i, exchange::IKE_AUTH, b, What::Auth(neg));
    }

    fn established(&mut self, now: Millis, i: usize) {
        let sa = &mut self.sas[i];
        sa.state = State::Established;
        sa.established = Some(now);
        sa.dh = None;
        let (conn, peer, tunnel, role) = (sa.conn, sa.remote, sa.tunnel.clone(), sa.role);
        self.stats.ike_established += 1;
        self.retry_at.remove(&tunnel);
        self.emit(Event::Phase1Up { conn, peer, tunnel, role });
    }

    /// Initiator: the IKE_AUTH response.
    pub(crate) fn auth_response(&mut self, now: Millis, i: usize, msg: &Msg, neg: Option<ChildNeg>) {
        let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
        if msg.notify(notify::AUTHENTICATION_FAILED).is_some() {
            self.emit(Event::V2AuthFailed { conn, peer, id: None, identity_mismatch: false });
            self.stats.ike_failed += 1;
            return self.drop_sa(i, DownReason::PeerNotify(notify::AUTHENTICATION_FAILED), true);
        }
        let Some(p) = self.pc(&self.sas[i].tunnel).cloned() else { return };
        let (Some(idr), Some(auth)) = (msg.idr(), msg.auth()) else {
            if let Some(n) = msg.error_notify() {
                let reason = DownReason::PeerNotify(n.kind);
                self.stats.ike_failed += 1;
                return self.drop_sa(i, reason, true);
            }
            self.emit(Event::V2Malformed {
                peer: self.sas[i].remote,
                error: wire::Error::Missing(wire::payload::AUTH),
                answered: None,
            });
            return self.drop_sa(i, DownReason::AuthenticationFailed, true);
        };
        let (Some(suite), Some(k)) = (self.sas[i].suite, self.sas[i].keys.clone()) else { return };
        let sa = &self.sas[i];
        let want = p.psk.as_ref().map(|psk| keys::psk_auth(suite.prf, psk, &sa.init_resp, &sa.ni, &k.pr, &idr.body()));
        let octets = signed_octets(suite.prf, &sa.init_resp, &sa.ni, &k.pr, &idr.body());
        let id_ok = peer_fit(&p, idr, peer_cert(msg).as_ref()) > 0;
        let verdict = verify_peer(&p, msg, idr, auth, &octets, want, self.now / 1000);
        match verdict {
            Verdict::CertFailed(failure) => {
                self.emit(Event::CertAuthFailed { conn, peer, version: 2, id: Some(id_text(idr)), failure });
                self.stats.ike_failed += 1;
                return self.drop_sa(i, DownReason::AuthenticationFailed, true);
            }
            Verdict::PskFailed => {
                self.emit(Event::V2AuthFailed { conn, peer, id: Some(idr.clone()), identity_mismatch: !id_ok });
                self.stats.ike_failed += 1;
                return self.drop_sa(
                    i,
                    if id_ok { DownReason::AuthenticationFailed } else { DownReason::IdentityMismatch },
                    true,
                );
            }
            _ if !id_ok && p.pki.as_ref().is_some_and(|k| !k.cert_maps.is_empty()) => {
                let maps = p.pki.as_ref().map(|k| k.map_names()).unwrap_or_default();
                let failure = CertFailure::NoMapMatch { maps };
                self.emit(Event::CertAuthFailed { conn, peer, version: 2, id: Some(id_text(idr)), failure });
                self.stats.ike_failed += 1;
                return self.drop_sa(i, DownReason::IdentityMismatch, true);
            }
            _ if !id_ok => {
                self.emit(Event::V2AuthFailed { conn, peer, id: Some(idr.clone()), identity_mismatch: true });
                self.stats.ike_failed += 1;
                return self.drop_sa(i, DownReason::IdentityMismatch, true);
            }
            Verdict::Cert(c) => {
                self.sas[i].auth_verify = c.kind;
                self.emit(c.event(conn, peer))
            }
            Verdict::Psk => {}
        }
        self.sas[i].peer_id = Some(idr.clone());
        self.established(now, i);
        if let Some(neg) = neg {
            self.child_result(now, i, msg, neg, None);
        }
        // The other wanted children come in CREATE_CHILD_SA exchanges.
        let tunnel = self.sas[i].tunnel.clone();
        let rest: Vec<usize> = self.sas[i].want.drain(..).collect();
        for c in rest {
            self.sas[i].queue.push_back(super::Req::Child { tunnel: tunnel.clone(), child: c, rekey_of: None });
        }
        self.resolve_duplicate(conn);
    }

    /// Responder: an IKE_AUTH request.
    pub(crate) fn auth_request(&mut self, now: Millis, i: usize, hdr: &Header, data: &[u8]) {
        let Some(msg) = self.open(i, hdr, data) else { return };
        let (conn, remote) = (self.sas[i].conn, self.sas[i].remote);
        let peer = *remote.ip();
        let ev = self.msg_event(i, hdr.exchange, hdr.msgid, false, false, msg.kinds(), msg.notify_types(), false);
        self.emit(ev);
        let (Some(idi), Some(auth)) = (msg.idi(), msg.auth()) else {
            self.emit(Event::V2Malformed {
                peer: remote,
                error: wire::Error::Missing(if msg.idi().is_none() { wire::payload::IDI } else { wire::payload::AUTH }),
                answered: Some(notify::INVALID_SYNTAX),
            });
            let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(notify::INVALID_SYNTAX, vec![])));
            self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
            return self.drop_sa(i, DownReason::AuthenticationFailed, false);
        };
        // The tunnel: among those with this peer, the one whose remote
        // identity matches best; among equals (several tunnels to one peer),
        // one with a child the request's traffic selectors fit, so the IKE
        // SA is filed under the tunnel of its first child.
        let local = *self.sas[i].local.ip();
        let ts_fit = |p: &PeerConf| match (msg.tsi(), msg.tsr()) {
            (Some(tsi), Some(tsr)) => p.children.iter().any(|c| {
                narrow(&tsi.selectors, &c.remote_ts).is_some() && narrow(&tsr.selectors, &c.local_ts).is_some()
            }),
            _ => false,
        };
        // The certificate is decoded once, not once per tunnel (a peer's IKE_AUTH
        // costs one decode however many tunnels may take it).
        let cert = peer_cert(&msg);
        let reachable = |p: &&PeerConf| p.local == local && p.remote.is_none_or(|r| r == peer) && can_answer(p);
        let mut cands: Vec<_> = self
            .peers
            .iter()
            .filter(reachable)
            .map(|p| (peer_fit(p, idi, cert.as_ref()), p.clone()))
            .filter(|(s, _)| *s > 0)
            .collect();
        // No tunnel takes the peer, and some would by a certificate map: its certificate matched none.
        let mut maps: Vec<String> = if cands.is_empty() {
            self.peers.iter().filter(reachable).filter_map(|p| p.pki.as_ref()).flat_map(|k| k.map_names()).collect()
        } else {
            Vec::new()
        };
        maps.sort();
        maps.dedup();
        cands.sort_by_key(|(s, p)| (std::cmp::Reverse(*s), !ts_fit(p)));
        let (Some(suite), Some(k)) = (self.sas[i].suite, self.sas[i].keys.clone()) else { return };
        let sa = &self.sas[i];
        let octets = signed_octets(suite.prf, &sa.init_req, &sa.nr, &k.pi, &idi.body());
        let (mut ok, mut first_fail) = (None, None);
        for (_, p) in &cands {
            let want =
                p.psk.as_ref().map(|psk| keys::psk_auth(suite.prf, psk, &sa.init_req, &sa.nr, &k.pi, &idi.body()));
            match verify_peer(p, &msg, idi, auth, &octets, want, self.now / 1000) {
                v @ (Verdict::Psk | Verdict::Cert(_)) => {
                    ok = Some((p.clone(), v));
                    break;
                }
                v => {
                    first_fail.get_or_insert(v);
                }
            }
        }
        let Some((pc, verdict)) = ok else {
            match first_fail {
                None if !maps.is_empty() => {
                    let failure = CertFailure::NoMapMatch { maps };
                    self.emit(Event::CertAuthFailed { conn, peer, version: 2, id: Some(id_text(idi)), failure })
                }
                Some(Verdict::CertFailed(failure)) => {
                    self.emit(Event::CertAuthFailed { conn, peer, version: 2, id: Some(id_text(idi)), failure })
                }
                _ => self.emit(Event::V2AuthFailed {
                    conn,
                    peer,
                    id: Some(idi.clone()),
                    identity_mismatch: cands.is_empty(),
                }),
            }
            self.emit(Event::V2Notify { conn, peer, kind: notify::AUTHENTICATION_FAILED, sent: true });
            let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(notify::AUTHENTICATION_FAILED, vec![])));
            self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
            self.stats.ike_failed += 1;
            return self.drop_sa(i, DownReason::AuthenticationFailed, false);
        };
        if let Verdict::Cert(c) = verdict {
            self.sas[i].auth_verify = c.kind;
            self.emit(c.event(conn, peer));
        }
        let idr = id_of(&pc.local_id, pc.local);
        // Our AUTH: signed with our certificate's key, or the pre-shared key's MIC.
        let sa = &self.sas[i];
        let mine = if let Some(pki) = pc.pki.clone().filter(|_| local_sig(&pc)) {
            let octets = signed_octets(suite.prf, &sa.init_resp, &sa.ni, &k.pr, &idr.body());
            let hashes = peer_hashes(&sa.init_req);
            match pki.signer() {
                Some((cert, key)) => sign_auth(key, &hashes, &octets, &mut self.rng)
                    .map(|a| {
                        (
                            a,
                            super::sa::AuthKind::of_key(&cert.key),
                            std::iter::once(cert)
                                .chain(pki.certs.iter().skip(1))
                                .map(|c| c.der.clone())
                                .collect::<Vec<_>>(),
                        )
                    })
                    .ok_or_else(|| "the key cannot make this signature".to_string()),
                None => Err(pki.notes.first().cloned().unwrap_or_else(|| "no certificate or key".into())),
            }
        } else {
            Ok((
                AuthRepr {
                    method: AUTH_SHARED_KEY_MIC,
                    data: keys::psk_auth(
                        suite.prf,
                        pc.psk.as_deref().unwrap_or(&[]),
                        &sa.init_resp,
                        &sa.ni,
                        &k.pr,
                        &idr.body(),
                    ),
                },
                super::sa::AuthKind::Psk,
                vec![],
            ))
        };
        let (my_auth, my_kind, my_certs) = match mine {
            Ok(m) => m,
            Err(why) => {
                self.emit(Event::CertAuthFailed {
                    conn,
                    peer,
                    version: 2,
                    id: None,
                    failure: CertFailure::NoLocalKey(why),
                });
                self.emit(Event::V2Notify { conn, peer, kind: notify::AUTHENTICATION_FAILED, sent: true });
                let b = Builder::new().add(&Repr::Notify(NotifyRepr::new(notify::AUTHENTICATION_FAILED, vec![])));
                self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
                self.stats.ike_failed += 1;
                return self.drop_sa(i, DownReason::AuthenticationFailed, false);
            }
        };
        let sa = &mut self.sas[i];
        sa.tunnel = pc.name.clone();
        sa.peer_id = Some(idi.clone());
        sa.auth_sign = my_kind;
        sa.lifetime = pc.proposals.first().map(|p| p.lifetime).unwrap_or(sa.lifetime);
        let mut b = Builder::new().add(&Repr::Idr(idr));
        for c in my_certs {
            b.push(&Repr::Cert(CertRepr { encoding: wire::CERT_X509_SIGNATURE, data: c }));
        }
        b.push(&Repr::Auth(my_auth));
        // INITIAL_CONTACT: older SAs with this peer and identity go (RFC 7296 2.4).
        if msg.notify(notify::INITIAL_CONTACT).is_some() {
            let old: Vec<u32> = self
                .sas
                .iter()
                .filter(|s| {
                    s.conn != conn && s.remote.ip() == &peer && s.peer_id.as_ref() == Some(idi) && s.is_established()
                })
                .map(|s| s.conn)
                .collect();
            for c in old {
                if let Some(j) = self.index(c) {
                    // Told to the peer too: a contact notify sent while this
                    // side finished its own SA (both ends starting at once)
                    // must not leave that SA on the peer alone.
                    self.tell_delete(j);
                    self.drop_sa(j, DownReason::InitialContact, false);
                }
            }
        }
        let Some(i) = self.index(conn) else { return };
        let mut install: Option<(Selected, Vec<u8>)> = None;
        if msg.sa().is_some() {
            match self.select_child(i, &msg, None, None) {
                Ok(sel) => {
                    let spi_in = self.spi4();
                    if sel.transport {
                        b.push(&Repr::Notify(NotifyRepr::new(notify::USE_TRANSPORT_MODE, vec![])));
                    }
                    b.push(&Repr::Sa(super::child::chosen_sa(&sel, spi_in)));
                    b.push(&Repr::Tsi(TsRepr { selectors: vec![sel_to_ts(&sel.remote)] }));
                    b.push(&Repr::Tsr(TsRepr { selectors: vec![sel_to_ts(&sel.local)] }));
                    install = Some((Selected { spi_in, ..sel }, Vec::new()));
                }
                Err((n, _)) => {
                    self.emit(Event::V2Notify { conn, peer, kind: n, sent: true });
                    self.stats.child_failed += 1;
                    b.push(&Repr::Notify(NotifyRepr::new(n, vec![])));
                }
            }
        }
        self.send_response(i, exchange::IKE_AUTH, hdr.msgid, b, data);
        self.established(now, i);
        if let Some((sel, _)) = install {
            let (ni, nr) = (self.sas[i].ni.clone(), self.sas[i].nr.clone());
            self.install_child(now, i, &sel, &ni, &nr, None, Role::Responder, None);
        }
        self.resolve_duplicate(conn);
    }

    /// Both ends started the same tunnel at once (each initiated while the
    /// other did): two IKE SAs, each with its children, now established for
    /// one tunnel. RFC 7296 leaves this case open; as for rekey collisions
    /// (2.8.1, 2.8.2) the SA made with the lowest of its nonces is the
    /// redundant one, both ends compute the same, and its original initiator
    /// deletes it with its children; its responder lets it carry nothing new
    /// meanwhile (and logs no tunnel down when it goes). One IKE SA and one
    /// set of children remain, the same on both sides.
    pub(crate) fn resolve_duplicate(&mut self, conn: u32) {
        let Some(i) = self.index(conn) else { return };
        let sa = &self.sas[i];
        if !sa.is_established() || sa.rekey_from.is_some() {
            return;
        }
        let low = |s: &super::Sa| if s.ni <= s.nr { s.ni.clone() } else { s.nr.clone() };
        let (tunnel, peer) = (sa.tunnel.clone(), *sa.remote.ip());
        // Only an SA of the other role: two the peer started on purpose (several
        // of its tunnels sharing our one) are not duplicates.
        let role = sa.role;
        let Some(j) = self.sas.iter().position(|s| {
            s.conn != conn
                && s.role != role
                && s.is_established()
                && s.rekey_from.is_none()
                && s.tunnel == tunnel
                && *s.remote.ip() == peer
        }) else {
            return;
        };
        let loser = if low(&self.sas[i]) < low(&self.sas[j]) { i } else { j };
        if self.sas[loser].role == Role::Initiator {
            self.send_delete_ike(loser);
        } else {
            self.sas[loser].state = State::Deleting;
        }
    }
}

#[cfg(test)]
#[path = "cert_tests.rs"]
mod cert_tests;
