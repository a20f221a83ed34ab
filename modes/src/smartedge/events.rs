//! SmartEdge's log and debug lines for the engine's events (Table 5 of the
//! guide where it has one: `%IKE-SEV-MNEMONIC: text`).

use crate::monitor::DebugFlags;
use edgesh_engine::config::{AuthMethod, EspAuth, EspEncr, IkeAuthAlg, IkeEncr};
use edgesh_engine::ike::Event;
use edgesh_engine::ike::events::*;
use edgesh_engine::ike::wire::{IdRepr, WireError, exchange, id_type, notify, payload, proto};

// ------------------------------------------------------------ names

fn se_esp_name(e: Option<EspEncr>) -> &'static str {
    match e {
        Some(EspEncr::DesCbc) => "ESP_DES",
        Some(EspEncr::TripleDesCbc) => "ESP_3DES",
        Some(EspEncr::Null) => "ESP_NULL",
        Some(EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc) => "ESP_AES",
        Some(EspEncr::Aes128Gcm | EspEncr::Aes192Gcm | EspEncr::Aes256Gcm) => "ESP_AES_GCM",
        None => "UNKNOWN",
    }
}

fn se_auth_name(a: Option<EspAuth>) -> &'static str {
    match a {
        Some(EspAuth::HmacMd5_96) => "MD5",
        Some(EspAuth::HmacSha1_96) => "SHA1",
        Some(EspAuth::HmacAesXcbc) => "AES_XCBC",
        Some(EspAuth::HmacSha256_128) => "SHA2_256",
        Some(EspAuth::HmacSha384_192) => "SHA2_384",
        Some(EspAuth::HmacSha512_256) => "SHA2_512",
        None => "NONE",
    }
}

fn p1_encr_name<E: Copy>(e: Result<IkeEncr, E>) -> String
where
    E: std::fmt::Display,
{
    match e {
        Ok(x) => x.proto_name().to_string(),
        Err(v) => format!("UNKNOWN({v})"),
    }
}

fn p1_hash_name(h: Result<IkeAuthAlg, u16>) -> String {
    match h {
        Ok(x) => x.proto_name().to_string(),
        Err(v) => format!("UNKNOWN({v})"),
    }
}

fn p1_auth_name(a: Result<AuthMethod, u16>) -> String {
    match a {
        Ok(x) => x.proto_name().to_string(),
        Err(v) => format!("UNKNOWN({v})"),
    }
}

fn se_selector(id: &IdRepr) -> String {
    match id.id_type {
        id_type::IPV4_ADDR => format!("IPADDR, {}, proto {}, port {}", id.data_text(), id.protocol, id.port),
        id_type::IPV4_ADDR_SUBNET => {
            format!("IPADDR_SUBNET, {}, proto {}, port {}", id.data_text(), id.protocol, id.port)
        }
        id_type::IPV4_ADDR_RANGE => {
            format!("IPADDR_RANGE, {}, proto {}, port {}", id.data_text(), id.protocol, id.port)
        }
        t => format!("{}, {}, proto {}, port {}", id_type::name(t), id.data_text(), id.protocol, id.port),
    }
}

/// At most this many `MISMATCHED_...` lines for one refused SA payload.
const MAX_MISMATCH_LINES: usize = 8;

/// A transform as the Table 6 lines spell it (`AES-32`, `3DES`, `HMAC-MD5`, `AUTH_NONE`, group and ESN numbers).
fn v2_transform_word(k: u8, t: &edgesh_engine::ike::v2::wire::TransformRepr) -> String {
    use edgesh_engine::ike::v2::wire::transform as tf;
    match (k, t.id, t.key_len) {
        (tf::ENCR, tf::ENCR_AES_CBC, Some(l)) => format!("AES-{l}"),
        (tf::ENCR, tf::ENCR_AES_GCM_16, Some(l)) => format!("AES-GCM-{l}"),
        (tf::ENCR, tf::ENCR_3DES, _) => "3DES".into(),
        (tf::ENCR, 2, _) => "DES".into(),
        (tf::ENCR, tf::ENCR_NULL, _) => "NULL".into(),
        (tf::INTEG, 0, _) => "AUTH_NONE".into(),
        (tf::INTEG, tf::AUTH_HMAC_MD5_96, _) => "HMAC-MD5".into(),
        (tf::INTEG, tf::AUTH_HMAC_SHA1_96, _) => "HMAC-SHA1".into(),
        (tf::INTEG, tf::AUTH_AES_XCBC_96, _) => "AES-XCBC".into(),
        (tf::INTEG, tf::AUTH_HMAC_SHA2_256_128, _) => "HMAC-SHA2-256".into(),
        (tf::INTEG, tf::AUTH_HMAC_SHA2_384_192, _) => "HMAC-SHA2-384".into(),
        (tf::INTEG, tf::AUTH_HMAC_SHA2_512_256, _) => "HMAC-SHA2-512".into(),
        (_, id, _) => id.to_string(),
    }
}

/// The Table 6 line for one offered IKEv2 proposal that matched nothing: the first attribute
/// (number of security protocols, ESP encryption, integrity, PFS group, ESN) on which it
/// differs from the first configured proposal of its protocol; `None` when there is no such
/// configured proposal or no difference among these attributes.
fn v2_mismatch(
    p: &edgesh_engine::ike::v2::wire::ProposalRepr,
    offered: &[edgesh_engine::ike::v2::wire::ProposalRepr],
    configured: &[edgesh_engine::ike::v2::wire::ProposalRepr],
) -> Option<String> {
    use edgesh_engine::ike::v2::wire::{proto as v2proto, transform as tf};
    let c = configured.iter().find(|c| c.protocol == p.protocol)?;
    let n = p.number;
    // Security protocols carried under one proposal number (RFC 7296 allows one; an IKEv1-style bundle repeats the number).
    let (po, pc) =
        (offered.iter().filter(|o| o.number == n).count(), configured.iter().filter(|x| x.number == c.number).count());
    if po != pc {
        return Some(format!("MISMATCHED_NUMBER_OF_SECURITY_PROTOCOLS:{po} configured:{pc} in PROPOSAL_{n}"));
    }
    let none = |k: u8| if k == tf::INTEG { "AUTH_NONE".to_string() } else { "NONE".to_string() };
    let words = |x: &edgesh_engine::ike::v2::wire::ProposalRepr, k: u8| {
        let w: Vec<String> = x.of(k).map(|t| v2_transform_word(k, t)).filter(|w| !(k == tf::DH && w == "0")).collect();
        if w.is_empty() { vec![none(k)] } else { w }
    };
    let integ = if p.protocol == v2proto::AH { "MISMATCHED_AH_AUTH_ALG:" } else { "MISMATCHED_ESP_AUTH_ALG:" };
    for (k, head) in [
        (tf::ENCR, "MISMATCHED_ESP_ENCRYPTION_ALG:"),
        (tf::INTEG, integ),
        (tf::DH, "MISMATCHED_PFS_GROUP RECEIVED:"),
        (tf::ESN, "MISMATCHED_ESN:"),
    ] {
        if k == tf::ENCR && p.protocol == v2proto::AH {
            continue;
        }
        let (wo, wc) = (words(p, k), words(c, k));
        if !wo.iter().any(|w| wc.contains(w)) {
            return Some(format!("{head}{} configured:{} in PROPOSAL_{n}", wo[0], wc[0]));
        }
    }
    None
}

fn proto_word(p: u8) -> &'static str {
    match p {
        proto::ISAKMP => "ISAKMP",
        proto::AH => "AH",
        proto::ESP => "ESP",
        proto::IPCOMP => "IPCOMP",
        _ => "UNKNOWN",
    }
}

fn se_notify_name(kind: u16) -> String {
    match kind {
        notify::INVALID_EXCHANGE_TYPE => "UNSUPPORTED_EXCHANGE_TYPE".into(),
        // Table 5 row 14: the guide's name for RFC 2408's SITUATION-NOT-SUPPORTED (3).
        notify::SITUATION_NOT_SUPPORTED => "INVALID_NOTIFY_TYPE".into(),
        k => notify::name(k),
    }
}

// ------------------------------------------------------------ SmartEdge

/// The SmartEdge log lines of an event (Table 5 of the guide where it has one).
pub fn smartedge_log(e: &Event) -> Vec<(u8, &'static str, String)> {
    let mut v = Vec::new();
    match e {
        Event::P1Check { result: Err(m), .. } => v.push((
            4,
            "PROPOSAL",
            match m {
                P1Mismatch::Group { offered, configured } => format!("Mismatching DH Group({offered}) detected, configured is ({configured}) in IKE phase-I 1st message"),
                P1Mismatch::Hash { offered, configured } => {
                    format!("Mismatching Authentication algorithm ({}) detected, configured is ({}) in IKE phase-I 1st message.", p1_hash_name(*offered), configured.proto_name())
                }
                P1Mismatch::Encryption { offered, configured } => {
                    format!("Mismatching Encryption algorithm ({}) detected, configured is ({}) in IKE phase-I 1st message.", p1_encr_name(*offered), configured.proto_name())
                }
                P1Mismatch::AuthMethod { offered, configured } => {
                    format!("Mismatching Authentication method ({}) detected, configured is ({}) in phase-I message agent=IKE.", p1_auth_name(*offered), configured.proto_name())
                }
            },
        )),
        // An ESN difference (RFC 4304): the guide quotes no SmartEdge line for it, so none is made up.
        Event::P2Check { result: Err(P2Mismatch::Esn { .. }), .. } => {}
        Event::P2Check { result: Err(m), .. } => v.push((
            4,
            "PROPOSAL",
            match m {
                P2Mismatch::Pfs { offered, configured } => format!(
                    "Mismatching DH Group({}) detected, configured is({}) in IKE phase-II 1st message.",
                    offered.map(|g| g.to_string()).unwrap_or("0".into()),
                    configured.map(|g| g.to_string()).unwrap_or("0".into())
                ),
                P2Mismatch::Auth { offered, configured } => {
                    format!("Mismatching Authentication algorithm ({}) detected, configured is ({}), in IKE phase-II 1st message .", se_auth_name(*offered), se_auth_name(*configured))
                }
                P2Mismatch::Encryption { offered, configured } => {
                    format!("Mismatching Encryption algorithm ({}) detected, configured is ({}) in IKE phase-II message.", se_esp_name(*offered), se_esp_name(*configured))
                }
                // SmartEdge runs tunnel mode only (Table 7's wording for the same difference).
                P2Mismatch::Mode { offered_transport: true } => "Encapsulation mode differs. Received in Transport mode, where expected in Tunnel mode.".into(),
                P2Mismatch::Mode { offered_transport: false } => "Encapsulation mode differs. Received in Tunnel mode, where expected in Transport mode.".into(),
                // Taken by the arm above (no line).
                P2Mismatch::Esn { .. } => String::new(),
                P2Mismatch::Protocols { ah_offered, ah_configured, esp_offered, esp_configured } => {
                    if ah_offered != ah_configured {
                        format!("Mismatching number of AH protocols received({ah_offered}), configured number of AH protocols: {ah_configured} in IKE phase-II 1st message")
                    } else {
                        format!("Mismatching number of ESP protocols received({esp_offered}), configured number of ESP protocols: {esp_configured} in IKE phase-II 1st message")
                    }
                }
            },
        )),
        Event::Selectors { sent, initiator, responder, .. } => {
            let w = if *sent { "sent" } else { "received" };
            v.push((6, "SELECTORS", format!("Initiator SPD selectors {w}: {}", se_selector(initiator))));
            v.push((6, "SELECTORS", format!("Responder SPD selectors {w}: {}", se_selector(responder))));
        }
        Event::ProxyIdMismatch { .. } | Event::InvalidProxyIds { .. } | Event::P2PeerNotFound { .. } => v.push((4, "SELECTORS", "No matching SPD policy for the selectors received in IKE phase-II message.".into())),
        // Table 5 row 9 (pre-shared keys); row 7 with certificates (its INVALID_ID_INFORMATION line is the NotifySent event's).
        Event::IdMismatch { id, by_signature: false, .. } => v.push((4, "ID", format!("Mismatching ID type ({}) and ID: {} with the configured IKE policy", id_type::name(id.id_type), id.data_text()))),
        Event::IdMismatch { id, by_signature: true, dial_in, .. } => {
            let data = if id.id_type == edgesh_engine::pki::ident::ID_DER_ASN1_DN { edgesh_engine::pki::ident::dn_oneline(&id.data).unwrap_or_else(|| id.data_text()) } else { id.data_text() };
            let which = if *dial_in { "any of the configured IKE policies" } else { "the configured IKE policies" };
            v.push((4, "ID", format!("ID type ({}) and ID data {data} not matching with {which}", id_type::name(id.id_type))));
        }
        // A peer certificate that did not validate (expired, unknown CA, revoked ...): no Table 5 row.
        Event::CertAuthFailed { peer, failure: edgesh_engine::pki::CertFailure::Invalid(e), .. } => v.push((4, "CERT", crate::smartedge::wording::cert_error(*peer, e))),
        // Table 5 rows 7 and 10: a peer authenticating with a certificate.
        // Table 6 "Certificate payload errors": a CERT of an encoding the parser knows but edgesh does not take
        // (one RFC 7296 does not define is refused by the parser with the same line, `wording::v2_wire_error`).
        Event::CertAuthFailed { failure: edgesh_engine::pki::CertFailure::Encoding(e), .. } => v.push((3, "PACKET", format!("INVALID_CERT_ENCODING_TYPE_ERROR {e} in CERT payload"))),
        Event::CertAuthFailed { failure: edgesh_engine::pki::CertFailure::NoCert, .. } => v.push((4, "ID", "NO CERT found that matches with at least 1 remoteid configured in IKE policy".into())),
        Event::CertAuthFailed { failure: edgesh_engine::pki::CertFailure::IdentityNotInCert { id_type: t, id, cert_ids }, .. } => {
            // The certificate's identity of the same type (else its first alternative name, else its DN).
            let (ct, cid) = cert_ids.iter().find(|(k, _)| k == t).or(cert_ids.get(1)).or(cert_ids.first()).cloned().unwrap_or_default();
            v.push((4, "ID", format!("ID type ({}) and ID data: {id} mismatching with matching Cert ID type ({}) and Cert ID: {cid}", id_type::name(*t), id_type::name(ct))));
        }
        Event::NoPeer { peer, local, reason } => {
            let t = match reason {
                NoPeerReason::Exchange { received, configured } => {
                    format!("Mismatching Xchange Type ({}) detected, configured is ({}) in IKE phase-I 1st message", exchange::name(*received), exchange::name(*configured))
                }
                NoPeerReason::NotFound => format!("No IKE policy found for peer {peer} on {local}"),
                NoPeerReason::NoKey => format!("No pre-shared key configured for peer {peer}"),
                NoPeerReason::BadLocalAddress => format!("IKE message for {local} from {peer}: no tunnel has this local end point"),
                NoPeerReason::InitiatorOnly => format!("IKE policy for peer {peer} is initiator-only; not responding"),
                NoPeerReason::MaxTunnels(m) => format!("On-demand tunnel limit ({m}) reached; refusing peer {peer}"),
            };
            v.push((4, "POLICY", t));
        }
        Event::KeyMismatch { error, message, .. } => {
            if let WireError::PayloadLength { length, available, .. } = error {
                v.push((3, "PAYLOAD", format!("Payload Length({length}) is greater than the supported length({available})")));
            }
            v.push((3, "KEY", format!("Possibly Mismatching Keys detected in IKE phase-I {}th message", if *message == 5 { "5" } else { "6" })));
        }
        Event::AuthFailed { peer, .. } => v.push((3, "AUTH", format!("Hash verification failed for peer {peer}: possibly mismatching keys"))),
        Event::Malformed { error, .. } => v.push((3, "PACKET", crate::smartedge::wording::wire_error(error))),
        // IKEv2: Table 6 for rejected packets; the common failures as the box logs them.
        Event::V2Malformed { error, .. } => v.push((3, "PACKET", crate::smartedge::wording::v2_wire_error(error))),
        Event::V2NoProposal { offered, configured, .. } => {
            // Table 6 "Mismatched attribute errors": one line per offered proposal (at most
            // MAX_MISMATCH_LINES) naming its first attribute that the first configured
            // proposal of the same protocol does not take.
            for p in offered.iter().take(MAX_MISMATCH_LINES) {
                if let Some(line) = v2_mismatch(p, offered, configured) {
                    v.push((4, "PROPOSAL", line));
                }
            }
        }
        Event::V2AuthFailed { peer, .. } => v.push((3, "AUTH", format!("IKEv2 AUTHENTICATION_FAILED for peer {peer}: possibly mismatching keys"))),
        Event::V2TsUnacceptable { peer, .. } => v.push((4, "SELECTORS", format!("No matching SPD policy for the traffic selectors received from {peer}: TS_UNACCEPTABLE"))),
        Event::V2InvalidKe { offered, requested, sent: true, .. } => v.push((4, "PROPOSAL", format!("Mismatching DH Group({offered}) detected, configured is ({requested}): INVALID_KE_PAYLOAD sent"))),
        Event::NotifySent { kind, conn, .. } => {
            if *kind == notify::UNEQUAL_PAYLOAD_LENGTHS && *conn == 0 {
                // Table 5 row 28 spells it singular when answering a first message (no SA);
                // row 1 (keys mismatch, within an SA) plural.
                v.push((4, "NOTIFY", "Sending phase-I notify of type UNEQUAL_PAYLOAD_LENGTH".into()));
            } else if *kind < 16384 {
                v.push((4, "NOTIFY", format!("Sending phase-I notify of type {}", se_notify_name(*kind))));
            }
        }
        Event::NotifyReceived { kind, protected, .. } => {
            if *kind == notify::RESPONDER_LIFETIME {
                v.push((6, "NOTIFY", "Notify payload of notify type RESPONDER_LIFETIME with protocol ESP or AH received".into()));
            } else if *protected {
                v.push((4, "NOTIFY", format!("received NOTIFY PAYLOAD of notify type {}.", se_notify_name(*kind))));
            } else {
                v.push((4, "NOTIFY", format!("received unprotected message of notify type {}", se_notify_name(*kind))));
            }
        }
        // IKEv2: the peer refused our child SA (the IKE SA stays): Table 5 row 11's words for a
        // protected notify received, the guide's only sentence for one (Table 6 has none).
        Event::V2ChildRefused { kind, .. } => v.push((4, "NOTIFY", format!("received NOTIFY PAYLOAD of notify type {}.", edgesh_engine::ike::v2::wire::notify::name(*kind)))),
        Event::ResponderLifetime { seconds, kbytes, .. } => {
            if let Some(s) = seconds {
                v.push((6, "NOTIFY", format!("Received Notify Type RESPOND_NOTIFY with {s} seconds")));
            }
            if let Some(k) = kbytes {
                v.push((6, "NOTIFY", format!("Received Notify Type RESPOND_NOTIFY with {k} Kilo Bytes")));
            }
        }
        Event::DeleteReceived { protocol, spis, .. } => {
            for s in spis {
                if *protocol == proto::ISAKMP {
                    v.push((6, "DELETE", "Received DELETE PAYLOAD of protocol ISAKMP".to_string()));
                } else {
                    v.push((6, "DELETE", format!("Received DELETE PAYLOAD of protocol {} detected with SPI : 0x{}", proto_word(*protocol), edgesh_engine::ike::crypto::hex(s))));
                }
            }
        }
        Event::Phase1Up { peer, tunnel, .. } => v.push((6, "SA_UP", format!("IKE phase-I SA established with {} for tunnel {tunnel}", peer.ip()))),
        Event::Phase1Down { peer, tunnel, reason, .. } => v.push((6, "SA_DOWN", format!("IKE phase-I SA with {peer} for tunnel {tunnel} deleted: {}", crate::smartedge::wording::down_reason(reason)))),
        Event::ChildUp { tunnel, spi_in, spi_out, rekey, .. } => {
            v.push((6, "IPSEC_UP", format!("IPsec SAs {}for tunnel {tunnel}: inbound SPI 0x{spi_in:08x}, outbound SPI 0x{spi_out:08x}", if *rekey { "rekeyed " } else { "established " })))
        }
        Event::ChildDown { tunnel, spi_in, spi_out, reason, .. } => {
            v.push((6, "IPSEC_DOWN", format!("IPsec SAs for tunnel {tunnel} deleted (inbound SPI 0x{spi_in:08x}, outbound SPI 0x{spi_out:08x}): {}", crate::smartedge::wording::down_reason(reason))))
        }
        Event::GiveUp { peer, tunnel, state, .. } => v.push((3, "TIMEOUT", format!("No response from peer {peer} for tunnel {tunnel} in state {state}; giving up after retransmissions"))),
        Event::V2GiveUp { peer, tunnel, exchange, .. } => v.push((3, "TIMEOUT", format!("No response from peer {peer} for tunnel {tunnel} in IKEv2 {}; giving up after retransmissions", edgesh_engine::ike::v2::wire::exchange::name(*exchange)))),
        Event::V2Narrowed { tunnel, agreed: (l, r), .. } => v.push((6, "SELECTORS", format!("Traffic selectors narrowed for tunnel {tunnel}: {}/{} === {}/{}", l.net.network(), l.net.len, r.net.network(), r.net.len))),
        Event::DpdDead { peer, tunnel, .. } => v.push((3, "DPD", format!("Peer {peer} of tunnel {tunnel} is not responding to keepalives (DPD); SAs deleted"))),
        _ => {}
    }
    v
}

pub fn smartedge_debug(e: &Event, _f: &DebugFlags) -> Vec<String> {
    match e {
        Event::Sent { peer, exchange: x, msgid, payloads, .. } => {
            vec![format!("IKE: sent {} message id 0x{msgid:08x} to {peer} [ {} ]", exchange::name(*x), names(payloads))]
        }
        Event::Received { peer, exchange: x, msgid, payloads, .. } => vec![format!(
            "IKE: received {} message id 0x{msgid:08x} from {peer} [ {} ]",
            exchange::name(*x),
            names(payloads)
        )],
        Event::State { peer, old, new, .. } => vec![format!("IKE: SA with {peer}: {old} -> {new}")],
        // Everything else is already a log line, which debugging sessions see.
        _ => vec![],
    }
}

fn names(p: &[u8]) -> String {
    p.iter().map(|k| payload::name(*k)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::smartedge_log;
    use edgesh_engine::ike::Event;
    use edgesh_engine::ike::v2::wire::{ProposalRepr, TransformRepr, proto, transform as tf};

    fn t(kind: u8, id: u16, key_len: Option<u16>) -> TransformRepr {
        TransformRepr { kind, id, key_len }
    }
    fn prop(number: u8, protocol: u8, transforms: Vec<TransformRepr>) -> ProposalRepr {
        ProposalRepr { number, protocol, spi: vec![1, 2, 3, 4], transforms }
    }
    fn esp(number: u8, encr: TransformRepr, integ: u16, dh: u16, esn: u16) -> ProposalRepr {
        prop(number, proto::ESP, vec![encr, t(tf::INTEG, integ, None), t(tf::DH, dh, None), t(tf::ESN, esn, None)])
    }
    fn lines(protocol: u8, offered: Vec<ProposalRepr>, configured: Vec<ProposalRepr>) -> Vec<String> {
        let e = Event::V2NoProposal { conn: 1, peer: "192.0.2.2".parse().unwrap(), protocol, offered, configured };
        smartedge_log(&e).into_iter().map(|(sev, mn, text)| format!("{sev} {mn} {text}")).collect()
    }

    #[test]
    fn v2_child_refused_by_the_peer() {
        use edgesh_engine::ike::v2::wire::notify;
        let peer = "192.0.2.2".parse().unwrap();
        for (kind, want) in [
            (notify::NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN"),
            (notify::TS_UNACCEPTABLE, "TS_UNACCEPTABLE"),
            (notify::INVALID_SYNTAX, "INVALID_SYNTAX"),
        ] {
            let e = Event::V2ChildRefused { conn: 1, peer, tunnel: "t1".into(), kind };
            let l: Vec<String> =
                smartedge_log(&e).into_iter().map(|(sev, mn, text)| format!("{sev} {mn} {text}")).collect();
            assert_eq!(l, [format!("4 NOTIFY received NOTIFY PAYLOAD of notify type {want}.")]);
        }
    }

    #[test]
    fn table6_cert_encoding_not_taken() {
        let e = Event::CertAuthFailed {
            conn: 1,
            peer: "192.0.2.2".parse().unwrap(),
            version: 2,
            id: None,
            failure: edgesh_engine::pki::CertFailure::Encoding(12),
        };
        let l: Vec<String> =
            smartedge_log(&e).into_iter().map(|(sev, mn, text)| format!("{sev} {mn} {text}")).collect();
        assert_eq!(l, ["3 PACKET INVALID_CERT_ENCODING_TYPE_ERROR 12 in CERT payload"]);
    }

    #[test]
    fn table6_mismatched_attribute_lines() {
        let des3 = || t(tf::ENCR, tf::ENCR_3DES, None);
        let aes = |l| t(tf::ENCR, tf::ENCR_AES_CBC, Some(l));
        let conf = vec![esp(1, des3(), tf::AUTH_HMAC_MD5_96, 1, 5)];
        // Encryption first, then PFS group, then ESN, each proposal with its own number.
        let offered = vec![
            esp(5, aes(32), tf::AUTH_HMAC_MD5_96, 2, 10),
            esp(6, des3(), tf::AUTH_HMAC_MD5_96, 2, 10),
            esp(7, des3(), tf::AUTH_HMAC_MD5_96, 1, 10),
        ];
        assert_eq!(
            lines(proto::ESP, offered, conf.clone()),
            [
                "4 PROPOSAL MISMATCHED_ESP_ENCRYPTION_ALG:AES-32 configured:3DES in PROPOSAL_5",
                "4 PROPOSAL MISMATCHED_PFS_GROUP RECEIVED:2 configured:1 in PROPOSAL_6",
                "4 PROPOSAL MISMATCHED_ESN:10 configured:5 in PROPOSAL_7",
            ]
        );
        // ESP integrity before the group.
        assert_eq!(
            lines(proto::ESP, vec![esp(2, des3(), tf::AUTH_HMAC_SHA1_96, 2, 5)], conf.clone()),
            ["4 PROPOSAL MISMATCHED_ESP_AUTH_ALG:HMAC-SHA1 configured:HMAC-MD5 in PROPOSAL_2"]
        );
        // AH: no integrity transform offered against HMAC-MD5 configured.
        let ah_conf = vec![prop(1, proto::AH, vec![t(tf::INTEG, tf::AUTH_HMAC_MD5_96, None), t(tf::ESN, 0, None)])];
        let ah_off = vec![prop(5, proto::AH, vec![t(tf::ESN, 0, None)])];
        assert_eq!(
            lines(proto::AH, ah_off, ah_conf),
            ["4 PROPOSAL MISMATCHED_AH_AUTH_ALG:AUTH_NONE configured:HMAC-MD5 in PROPOSAL_5"]
        );
        // Number of security protocols: a bundle repeating proposal number 5 (ESP and AH) against ESP alone.
        let bundle = vec![
            esp(5, des3(), tf::AUTH_HMAC_MD5_96, 1, 5),
            prop(5, proto::AH, vec![t(tf::INTEG, tf::AUTH_HMAC_MD5_96, None)]),
        ];
        assert_eq!(
            lines(proto::ESP, bundle, conf.clone()),
            ["4 PROPOSAL MISMATCHED_NUMBER_OF_SECURITY_PROTOCOLS:2 configured:1 in PROPOSAL_5"]
        );
        // An offered transform among several configured ones is not a mismatch; the next attribute is named.
        let conf2 = vec![prop(
            1,
            proto::ESP,
            vec![des3(), aes(256), t(tf::INTEG, tf::AUTH_HMAC_MD5_96, None), t(tf::ESN, 0, None)],
        )];
        assert_eq!(
            lines(
                proto::ESP,
                vec![prop(
                    3,
                    proto::ESP,
                    vec![aes(256), t(tf::INTEG, tf::AUTH_HMAC_MD5_96, None), t(tf::DH, 14, None), t(tf::ESN, 0, None)]
                )],
                conf2
            ),
            ["4 PROPOSAL MISMATCHED_PFS_GROUP RECEIVED:14 configured:NONE in PROPOSAL_3"]
        );
        // Bounded: at most 8 lines however many proposals are offered.
        let many: Vec<_> = (1..=20).map(|n| esp(n, aes(128), tf::AUTH_HMAC_MD5_96, 1, 5)).collect();
        assert_eq!(lines(proto::ESP, many, conf).len(), 8);
    }
}
