//! IOS's log (`%CRYPTO-SEV-MNEMONIC`) and `debug crypto isakmp|ipsec`
//! lines for the engine's events (seed 002's traces).

use crate::monitor::DebugFlags;
use edgesh_engine::config::{AuthMethod, EspAuth, EspEncr, IkeAuthAlg, IkeEncr};
use edgesh_engine::ike::Event;
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::events::*;
use edgesh_engine::ike::wire::{IdRepr, exchange, id_type, notify, payload, proto};

// ------------------------------------------------------------ IOS

fn ios_encr(e: Result<IkeEncr, u16>) -> (String, Option<u16>) {
    match e {
        Ok(IkeEncr::DesCbc) => ("DES-CBC".into(), None),
        Ok(IkeEncr::TripleDesCbc) => ("3DES-CBC".into(), None),
        Ok(IkeEncr::Aes128Cbc) => ("AES-CBC".into(), Some(128)),
        Ok(IkeEncr::Aes192Cbc) => ("AES-CBC".into(), Some(192)),
        Ok(IkeEncr::Aes256Cbc) => ("AES-CBC".into(), Some(256)),
        // IKEv1 offers are read into these only from AES-CBC, DES and 3DES.
        Ok(IkeEncr::Aes128Gcm16) => ("AES-GCM".into(), Some(128)),
        Ok(IkeEncr::Aes256Gcm16) => ("AES-GCM".into(), Some(256)),
        Err(v) => (format!("{v}"), None),
    }
}

fn ios_hash(h: Result<IkeAuthAlg, u16>) -> String {
    match h {
        Ok(IkeAuthAlg::HmacMd5_96) => "MD5".into(),
        Ok(IkeAuthAlg::HmacSha1_96) => "SHA".into(),
        Ok(IkeAuthAlg::HmacSha256) => "SHA256".into(),
        Ok(IkeAuthAlg::HmacSha384) => "SHA384".into(),
        Ok(IkeAuthAlg::HmacSha512) => "SHA512".into(),
        Err(v) => format!("{v}"),
    }
}

/// An ISAKMP policy's priority from its engine name (`isakmp-10`), else its position.
fn priority(name: &str, index: usize) -> String {
    name.strip_prefix("isakmp-").map(|p| p.to_string()).unwrap_or_else(|| (index + 1).to_string())
}

fn ios_id(id: &IdRepr) -> String {
    format!("{} {} prot {} port {}", id_type::name(id.id_type), id.data_text(), id.protocol, id.port)
}

/// IOS's transform set words for an SA.
pub fn ios_transform(esp: Option<(EspEncr, Option<EspAuth>)>, ah: Option<EspAuth>) -> String {
    let mut w = Vec::new();
    if let Some(a) = ah {
        w.push(match a {
            EspAuth::HmacMd5_96 => "ah-md5-hmac",
            EspAuth::HmacSha1_96 => "ah-sha-hmac",
            EspAuth::HmacSha256_128 => "ah-sha256-hmac",
            EspAuth::HmacSha384_192 => "ah-sha384-hmac",
            EspAuth::HmacSha512_256 => "ah-sha512-hmac",
            EspAuth::HmacAesXcbc => "ah-aes-xcbc-mac",
        });
    }
    if let Some((e, a)) = esp {
        w.push(match e {
            EspEncr::DesCbc => "esp-des",
            EspEncr::TripleDesCbc => "esp-3des",
            EspEncr::Null => "esp-null",
            EspEncr::Aes128Cbc => "esp-aes",
            EspEncr::Aes192Cbc => "esp-192-aes",
            EspEncr::Aes256Cbc => "esp-256-aes",
            EspEncr::Aes128Gcm => "esp-gcm",
            EspEncr::Aes192Gcm => "esp-192-gcm",
            EspEncr::Aes256Gcm => "esp-256-gcm",
        });
        if let Some(a) = a {
            w.push(match a {
                EspAuth::HmacMd5_96 => "esp-md5-hmac",
                EspAuth::HmacSha1_96 => "esp-sha-hmac",
                EspAuth::HmacSha256_128 => "esp-sha256-hmac",
                EspAuth::HmacSha384_192 => "esp-sha384-hmac",
                EspAuth::HmacSha512_256 => "esp-sha512-hmac",
                EspAuth::HmacAesXcbc => "esp-aes-xcbc-mac",
            });
        }
    }
    w.join(" ")
}

/// The `%CRYPTO-` messages of an event (severity, mnemonic, text).
pub fn ios_log(e: &Event) -> Vec<(u8, &'static str, String)> {
    match e {
        Event::KeyMismatch { peer, .. } | Event::AuthFailed { peer, .. } => {
            vec![(4, "IKMP_BAD_MESSAGE", format!("IKE message from {peer} failed its sanity check or is malformed"))]
        }
        Event::Malformed { peer, .. } => vec![(
            4,
            "IKMP_BAD_MESSAGE",
            format!("IKE message from {} failed its sanity check or is malformed", peer.ip()),
        )],
        // After the debug's `SA not acceptable!` (seed 002): the responder's failure, then the initiator's.
        Event::Phase1Failed { remote, exchange: x, .. } => vec![(
            6,
            "IKMP_MODE_FAILURE",
            format!(
                "Processing of {} failed with peer at {}",
                if *x == exchange::AGGRESSIVE { "Aggressive Mode" } else { "Main Mode" },
                remote.ip()
            ),
        )],
        Event::Phase1Down { peer, reason: DownReason::TransformNotOffered, established: false, .. } => {
            vec![(6, "IKMP_MODE_FAILURE", format!("Processing of Main Mode failed with peer at {peer}"))]
        }
        Event::NoPeer { peer, reason: NoPeerReason::Exchange { received, .. }, .. } => {
            vec![(
                6,
                "IKMP_MODE_FAILURE",
                format!(
                    "Processing of {} failed with peer at {peer}",
                    if *received == exchange::MAIN { "Main Mode" } else { "Aggressive Mode" }
                ),
            )]
        }
        Event::Phase1Up { peer, .. } => vec![(
            5,
            "SESSION_STATUS",
            format!("Crypto tunnel is UP  .  Peer {}:{}       Id: {}", peer.ip(), peer.port(), peer.ip()),
        )],
        Event::Phase1Down { peer, reason, established: true, .. } if crate::ios::wording::logs_tunnel_down(reason) => {
            vec![(5, "SESSION_STATUS", format!("Crypto tunnel is DOWN. Peer {peer}:500       Id: {peer}"))]
        }
        Event::GiveUp { peer, .. } => {
            vec![(6, "IKMP_MODE_FAILURE", format!("Processing of Main Mode failed with peer at {peer}"))]
        }
        Event::V2GiveUp { peer, exchange, .. } => vec![(
            6,
            "IKMP_MODE_FAILURE",
            format!(
                "Processing of IKEv2 {} failed with peer at {peer}",
                edgesh_engine::ike::v2::wire::exchange::name(*exchange)
            ),
        )],
        Event::V2AuthFailed { peer, .. } | Event::V2Integrity { peer, .. } => {
            vec![(4, "IKMP_BAD_MESSAGE", format!("IKE message from {peer} failed its sanity check or is malformed"))]
        }
        // A refused certificate: IOS's PKI message (issue 18).
        Event::CertAuthFailed { failure: f @ edgesh_engine::pki::CertFailure::Invalid(_), .. } => {
            crate::ios::wording::cert_log(f).into_iter().collect()
        }
        // A certificate that validated, but whose identities are not the peer's ID, or whose key
        // did not make the AUTH signature: the peer's AUTH did not verify, which IOS logs as it
        // logs a pre-shared key's MIC that does not (seed 002's line).
        Event::CertAuthFailed {
            peer,
            failure:
                edgesh_engine::pki::CertFailure::IdentityNotInCert { .. }
                | edgesh_engine::pki::CertFailure::BadSignature { .. },
            ..
        } => {
            vec![(4, "IKMP_BAD_MESSAGE", format!("IKE message from {peer} failed its sanity check or is malformed"))]
        }
        Event::V2Malformed { peer, .. } => vec![(
            4,
            "IKMP_BAD_MESSAGE",
            format!("IKE message from {} failed its sanity check or is malformed", peer.ip()),
        )],
        Event::DpdDead { peer, .. } => vec![(
            5,
            "SESSION_STATUS",
            format!("Crypto tunnel is DOWN. Peer {peer}:500       Id: {peer} (DPD: peer not responding)"),
        )],
        _ => vec![],
    }
}

/// The `debug crypto isakmp` / `debug crypto ipsec` lines of an event (seed 002).
pub fn ios_debug(e: &Event, f: &DebugFlags) -> Vec<String> {
    let mut v = Vec::new();
    match e {
        // The packet lines as IOS 12.4 and later print them: ports, and the
        // SA's role and state (`(R) MM_SA_SETUP`; a first message `(N) NEW SA`).
        Event::Received { conn, peer, msgid, payloads, sa_state, local_port, .. } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): received packet from {} dport {local_port} sport {} Global {}", peer.ip(), peer.port(), sa_text(*sa_state)));
            for p in payloads {
                if *p != payload::HASH || *msgid == 0 {
                    v.push(format!("ISAKMP (0:{conn}): processing {} payload. message ID = {msgid}", payload::name(*p)));
                }
            }
        }
        Event::Sent { conn, peer, retransmit, sa_state, local_port, .. } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): {}sending packet to {} my_port {local_port} peer_port {} {}", if *retransmit { "re" } else { "" }, peer.ip(), peer.port(), sa_text(*sa_state)));
        }
        // IOS's debug prints its IKE state machine's steps (`IKE_READY`,
        // `IKE_I_MM1` ... `IKE_R_MM5`, `IKE_P1_COMPLETE`), as in a public
        // IOS-XE `debug crypto isakmp` capture; the MM_ names are those of
        // `show crypto isakmp sa` and the packet lines. Main mode; aggressive
        // mode keeps the state change below (no public capture of its steps found).
        Event::P1Step { conn, role, number, sent, .. } if f.isakmp => v.extend(mm_step(*conn, *role, *number, *sent)),
        Event::State { conn, old, new, .. } if f.isakmp && (*old == P1State::AgInitExch || *new == P1State::AgInitExch) => v.push(format!("ISAKMP (0:{conn}): Old State = {old}  New State = {new}")),
        // A certificate no `match certificate` map of the tunnel's ISAKMP profile takes (real IOS-XE debugs).
        Event::CertAuthFailed { conn, version: 1, failure: edgesh_engine::pki::CertFailure::NoMapMatch { .. }, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): peer matches *none* of the profiles")),
        // Seed 002: a peer with no certificate where one is needed, and no key either.
        Event::CertAuthFailed { peer, version: 1, failure: edgesh_engine::pki::CertFailure::NoCert, .. } if f.isakmp => v.push(format!("ISAKMP: No cert, and no keys (public or pre-shared) with remote peer {peer}")),
        Event::P1Check { conn, transform, proposal, priority: prio, offered, result, more, .. } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): Checking ISAKMP transform {transform} against priority {} policy", priority(proposal, *prio)));
            let (en, kl) = ios_encr(offered.encr);
            v.push(format!("ISAKMP:      encryption {en}"));
            if let Some(k) = kl {
                v.push(format!("ISAKMP:      keylength of {k}"));
            }
            v.push(format!("ISAKMP:      hash {}", ios_hash(offered.hash)));
            v.push(format!("ISAKMP:      default group {}", offered.group));
            v.push(format!(
                "ISAKMP:      auth {}",
                match offered.auth {
                    Ok(AuthMethod::PreSharedKey) => "pre-share".to_string(),
                    Ok(AuthMethod::RsaSignature) => "RSA sig".to_string(),
                    // RFC 4754 methods 9/10; the IOS wording for them is not in our sources.
                    Ok(AuthMethod::EcdsaSignature) => "ECDSA sig".to_string(),
                    Err(x) => x.to_string(),
                }
            ));
            v.push("ISAKMP:      life type in seconds".into());
            v.push(format!("ISAKMP:      life duration {}", life_duration(offered.lifetime)));
            let next = if *more { 3 } else { 0 };
            match result {
                Ok(()) => v.push(format!("ISAKMP (0:{conn}): atts are acceptable. Next payload is {next}")),
                Err(m) => {
                    v.push(format!(
                        "ISAKMP (0:{conn}): {}",
                        match m {
                            P1Mismatch::Encryption { .. } => "Encryption algorithm offered does not match policy!",
                            P1Mismatch::Hash { .. } => "Hash algorithm offered does not match policy!",
                            P1Mismatch::AuthMethod { .. } => "Auth method offered does not match policy!",
                            P1Mismatch::Group { .. } => "Diffie-Hellman group offered does not match policy!",
                        }
                    ));
                    v.push(format!("ISAKMP (0:{conn}): atts are not acceptable. Next payload is {next}"));
                }
            }
        }
        Event::P1NoneAcceptable { conn, .. } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): no offers accepted!"));
            v.push(format!("ISAKMP (0:{conn}): phase 1 SA not acceptable!"));
        }
        Event::P2Check { conn, proposal, transform, offered, result, more, .. } if f.isakmp || f.ipsec => {
            v.push(format!("ISAKMP : Checking IPSec proposal {proposal}"));
            let tname = if offered.protocol == proto::ESP {
                match offered.esp {
                    Some(EspEncr::DesCbc) => "ESP_DES".to_string(),
                    Some(EspEncr::TripleDesCbc) => "ESP_3DES".into(),
                    Some(EspEncr::Null) => "ESP_NULL".into(),
                    Some(EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc) => "ESP_AES".into(),
                    Some(_) => "ESP_GCM".into(),
                    None => format!("{}", offered.transform_id),
                }
            } else {
                match offered.auth {
                    Some(EspAuth::HmacMd5_96) => "AH_MD5".into(),
                    Some(EspAuth::HmacSha1_96) => "AH_SHA".into(),
                    _ => format!("AH_{}", offered.transform_id),
                }
            };
            v.push(format!("ISAKMP: transform {transform}, {tname}"));
            v.push("ISAKMP:   attributes in transform:".into());
            v.push(format!("ISAKMP:      encaps is {}", offered.encap));
            if let Some(s) = offered.lifetime_seconds {
                v.push("ISAKMP:      SA life type in seconds".into());
                v.push(format!("ISAKMP:      SA life duration {}", life_duration(s)));
            }
            if let Some(k) = offered.lifetime_kbytes {
                v.push("ISAKMP:      SA life type in kilobytes".into());
                v.push(format!("ISAKMP:      SA life duration {}", life_duration(k)));
            }
            if let Some(a) = offered.auth.filter(|_| offered.protocol == proto::ESP) {
                v.push(format!(
                    "ISAKMP:      authenticator is {}",
                    match a {
                        EspAuth::HmacMd5_96 => "HMAC-MD5",
                        EspAuth::HmacSha1_96 => "HMAC-SHA",
                        EspAuth::HmacSha256_128 => "HMAC-SHA256",
                        EspAuth::HmacSha384_192 => "HMAC-SHA384",
                        EspAuth::HmacSha512_256 => "HMAC-SHA512",
                        EspAuth::HmacAesXcbc => "AES-XCBC-MAC",
                    }
                ));
            }
            match offered.esp {
                Some(EspEncr::Aes128Cbc | EspEncr::Aes128Gcm) => v.push("ISAKMP:      key length is 128".into()),
                Some(EspEncr::Aes192Cbc | EspEncr::Aes192Gcm) => v.push("ISAKMP:      key length is 192".into()),
                Some(EspEncr::Aes256Cbc | EspEncr::Aes256Gcm) => v.push("ISAKMP:      key length is 256".into()),
                _ => {}
            }
            if let Some(g) = offered.group {
                v.push(format!("ISAKMP:      group is {g}"));
            }
            match result {
                Ok(()) => v.push(format!("ISAKMP (0:{conn}): atts are acceptable.")),
                Err(P2Mismatch::Pfs { .. }) => {
                    v.push("IPSEC(validate_proposal_request): proposal part #1: PFS group mismatch".into());
                    v.push(format!("ISAKMP (0:{conn}): atts not acceptable. Next payload is {}", if *more { 3 } else { 0 }));
                }
                Err(_) => {
                    v.push(format!("IPSEC(validate_proposal): transform proposal (prot {}, trans {}, hmac_alg {}) not supported", offered.protocol, offered.transform_id, offered.auth_raw));
                    v.push(format!("ISAKMP (0:{conn}): atts not acceptable. Next payload is {}", if *more { 3 } else { 0 }));
                }
            }
        }
        Event::P2NoneAcceptable { conn, .. } if f.isakmp || f.ipsec => v.push(format!("ISAKMP (0:{conn}): SA not acceptable!")),
        Event::ProxyIdMismatch { conn, .. } if f.isakmp || f.ipsec => {
            v.push("IPSEC(validate_transform_proposal): proxy identities not supported".into());
            v.push("ISAKMP: IPSec policy invalidated proposal".into());
            v.push(format!("ISAKMP (0:{conn}): SA not acceptable!"));
        }
        // Seed 002: "IPSEC(initialize_sas): invalid proxy IDs" after the proposal request.
        Event::InvalidProxyIds { .. } if f.ipsec => v.push("IPSEC(initialize_sas): invalid proxy IDs".into()),
        Event::Selectors { conn, sent: false, initiator, responder, .. } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): {}", ios_id(initiator).replacen(' ', " src ", 1)));
            v.push(format!("ISAKMP (0:{conn}): {}", ios_id(responder).replacen(' ', " dst ", 1)));
        }
        Event::NoPeer { peer, local, reason } if f.isakmp || f.ipsec => match reason {
            NoPeerReason::NoKey | NoPeerReason::NotFound => v.push(format!("ISAKMP: No cert, and no keys (public or pre-shared) with remote peer {peer}")),
            NoPeerReason::BadLocalAddress => v.push(format!("IPSEC(validate_proposal): invalid local address {local}")),
            NoPeerReason::InitiatorOnly => v.push(format!("ISAKMP: peer address {peer} not found")),
            NoPeerReason::MaxTunnels(_) => v.push(format!("ISAKMP: SA limit reached; rejecting {peer}")),
            NoPeerReason::Exchange { .. } => v.push(format!("ISAKMP: exchange mode mismatch with {peer}")),
        },
        // Seed 002's "Reserved Not Zero on Payload 5": keys that differ, seen
        // as a decrypted payload whose RESERVED octet is not zero (the first
        // check IOS makes; MM5 and MM6 start with ID, payload 5). Other
        // garbage, and a HASH that does not verify, have no debug text of
        // their own in the public material: the router's
        // %CRYPTO-4-IKMP_BAD_MESSAGE line (seed 002) is what shows for them.
        Event::KeyMismatch { conn, reserved: Some((payload, _)), .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): Reserved Not Zero on Payload {payload}")),
        Event::NotifyReceived { conn, kind, protocol, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): processing NOTIFY {} protocol {protocol}", notify::name(*kind))),
        Event::NotifySent { conn, kind, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): sending NOTIFY {} protocol 1", notify::name(*kind))),
        Event::DeleteReceived { conn, protocol, spis, .. } if f.isakmp => {
            for s in spis {
                v.push(format!("ISAKMP (0:{conn}): processing DELETE payload. protocol {protocol}, spi 0x{}", edgesh_engine::ike::crypto::hex(s)));
            }
        }
        Event::DeleteSent { conn, protocol, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): sending DELETE protocol {protocol}")),
        Event::NatDetected { conn, local_behind, remote_behind, .. } if f.isakmp => {
            if *local_behind {
                v.push(format!("ISAKMP (0:{conn}): NAT found, we are behind NAT"));
            }
            if *remote_behind {
                v.push(format!("ISAKMP (0:{conn}): NAT found, the peer is behind NAT"));
            }
        }
        Event::Phase1Up { conn, peer, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): SA has been authenticated with {}", peer.ip())),
        Event::Phase1Down { conn, peer, reason, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): deleting SA reason \"{}\" (peer {peer})", crate::ios::wording::down_reason(reason))),
        Event::PeerKeyFound { conn, peer } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): found peer pre-shared key matching {peer}")),
        Event::SkeyidGenerated { conn, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): SKEYID state generated")),
        Event::P2Accepted { peer, local, part, local_id, remote_id, esp, ah, protocol, .. } if f.ipsec => {
            let tr = if *protocol == proto::AH { ios_transform(None, *ah) } else { ios_transform(*esp, None) };
            v.push(format!(
                "IPSEC(validate_proposal_request): proposal part #{part},\n  (key eng. msg.) dest= {local}, src= {peer},\n    dest_proxy= {},\n    src_proxy= {},\n    protocol= {}, transform= {tr} ,\n    lifedur= 0s and 0kb,\n    spi= 0x0(0), conn_id= 0, keysize= 0, flags= 0x4",
                id_proxy(local_id),
                id_proxy(remote_id),
                if *protocol == proto::AH { "AH" } else { "ESP" }
            ));
        }
        Event::P2PeerNotFound { conn, peer, .. } if f.isakmp || f.ipsec => {
            v.push(format!("IPSEC(validate_transform_proposal): peer address {peer} not found"));
            v.push(format!("ISAKMP (0:{conn}): SA not acceptable!"));
        }
        Event::SpiAllocated { peer, local, protocols, spi, .. } if f.ipsec => {
            v.push("IPSEC(key_engine): got a queue event...".into());
            for p in protocols {
                v.push(format!("IPSEC(spi_response): getting spi {spi} for SA\n      from {peer} to {local} for prot {p}"));
            }
        }
        Event::ChildInstalled(c) if f.ipsec => v.extend(key_engine_install(c)),
        Event::ChildDown { peer, spi_in, spi_out, reason, .. } if f.ipsec => {
            v.push(format!("IPSEC(delete_sa): deleting SA, (sa) sa_dest= {peer}, sa_proto= 50, sa_spi= 0x{spi_out:X}({spi_out}), inbound sa_spi= 0x{spi_in:X}({spi_in}): {}", crate::ios::wording::down_reason(reason)))
        }
        Event::Retransmit { conn, count, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): retransmitting phase 1 (retransmission {count})...")),
        Event::GiveUp { conn, peer, state, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): deleting SA reason \"Death by retransmission P1\" state (I) {state} (peer {peer})")),
        Event::DpdDead { conn, peer, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): DPD: peer {peer} is not responding, deleting SAs")),
        _ => {}
    }
    v.extend(super::debug_ikev2::lines(e, f));
    v
}

/// An SA's role and state as IOS's packet lines print them: `(I) MM_NO_STATE`, `(N) NEW SA`.
/// IOS pads QM_IDLE there to 13 characters (`(R) QM_IDLE      `, as captured).
fn sa_text(s: Option<(Role, P1State)>) -> String {
    let st = |st: P1State| if st == P1State::QmIdle { "QM_IDLE      ".to_string() } else { st.to_string() };
    match s {
        Some((Role::Initiator, s)) => format!("(I) {}", st(s)),
        Some((Role::Responder, s)) => format!("(R) {}", st(s)),
        None => "(N) NEW SA".into(),
    }
}

/// IOS's state-machine lines for main-mode message `number` sent or taken
/// in by `role`: the input, then `Old State = X  New State = Y ` (the
/// trailing blank is IOS's).
fn mm_step(conn: u32, role: Role, number: u8, sent: bool) -> Vec<String> {
    let r = if role == Role::Initiator { 'I' } else { 'R' };
    let input = match (sent, number) {
        (true, 1) => "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM",
        (true, _) => "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE",
        (false, _) => "IKE_MESG_FROM_PEER, IKE_MM_EXCH",
    };
    let old = if number <= 1 { "IKE_READY".to_string() } else { format!("IKE_{r}_MM{}", number - 1) };
    let new = if number == 6 && role == Role::Responder {
        "IKE_P1_COMPLETE".to_string()
    } else {
        format!("IKE_{r}_MM{number}")
    };
    let mut v = vec![
        format!("ISAKMP (0:{conn}): Input = {input}"),
        format!("ISAKMP (0:{conn}): Old State = {old}  New State = {new} "),
    ];
    if number == 6 && role == Role::Initiator {
        v.push(format!("ISAKMP (0:{conn}): Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"));
        v.push(format!("ISAKMP (0:{conn}): Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE "));
    }
    v
}

/// A lifetime attribute as IOS's debug prints it: `(basic) of N`, or the
/// four bytes of a variable-length value (`(VPI) of  0x0 0x46 0x50 0x0`, seed 002).
fn life_duration(v: impl Into<u64>) -> String {
    let v: u64 = v.into();
    if v <= 0xffff {
        return format!("(basic) of {v}");
    }
    let b = (v.min(u64::from(u32::MAX)) as u32).to_be_bytes();
    format!("(VPI) of  0x{:x} 0x{:x} 0x{:x} 0x{:x}", b[0], b[1], b[2], b[3])
}

/// A selector in the key engine's `addr/mask/prot/port (type=N)` form (1 a host, 4 a subnet).
fn sel_proxy(s: &Selector) -> String {
    let t = if s.net.len == 32 {
        edgesh_engine::ike::wire::id_type::IPV4_ADDR
    } else {
        edgesh_engine::ike::wire::id_type::IPV4_ADDR_SUBNET
    };
    format!("{}/{}/{}/{} (type={t})", s.net.network(), s.mask(), s.proto, s.port)
}

/// A quick-mode ID in the key engine's form (its own type).
fn id_proxy(id: &IdRepr) -> String {
    match edgesh_engine::ike::matching::id_selector(id) {
        Some(s) => {
            let s = Selector { proto: id.protocol, port: id.port, ..s };
            // The address as received (seed 002: `10.1.1.1/255.255.255.0/0/0 (type=4)`), a range's network.
            let addr = if id.id_type == edgesh_engine::ike::wire::id_type::IPV4_ADDR_RANGE { None } else { id.addr(0) };
            format!("{}/{}/{}/{} (type={})", addr.unwrap_or(s.net.network()), s.mask(), s.proto, s.port, id.id_type)
        }
        None => format!("{}/{}/{} (type={})", id.data_text(), id.protocol, id.port, id.id_type),
    }
}

/// IOS's key engine installing an SA pair (seed 002's `debug crypto ipsec`):
/// the two `initialize_sas` messages (inbound, outbound) and a `create_sa`
/// per SA (AH before ESP).
fn key_engine_install(c: &ChildInfo) -> Vec<String> {
    let mut v = vec!["IPSEC(key_engine): got a queue event...".to_string()];
    let tr = ios_transform(c.esp, c.ah);
    let keysize = match c.esp.map(|e| e.0) {
        Some(EspEncr::Aes128Cbc | EspEncr::Aes128Gcm) => 128,
        Some(EspEncr::Aes192Cbc | EspEncr::Aes192Gcm) => 192,
        Some(EspEncr::Aes256Cbc | EspEncr::Aes256Gcm) => 256,
        _ => 0,
    };
    let protocol = if c.esp.is_some() { "ESP" } else { "AH" };
    let life = format!("lifedur= {}s and {}kb", c.lifetime_seconds, c.lifetime_kbytes.unwrap_or(0));
    let (lp, rp) = (sel_proxy(&c.local_ts), sel_proxy(&c.remote_ts));
    v.push(format!(
        "IPSEC(initialize_sas): ,\n  (key eng. msg.) dest= {}, src= {},\n    dest_proxy= {lp},\n    src_proxy= {rp},\n    protocol= {protocol}, transform= {tr} ,\n    {life},\n    spi= 0x{:X}({}), conn_id= {}, keysize= {keysize}, flags= 0x4",
        c.local, c.peer, c.spi_in, c.spi_in, c.conn_in
    ));
    v.push(format!(
        "IPSEC(initialize_sas): ,\n  (key eng. msg.) src= {}, dest= {},\n    src_proxy= {lp},\n    dest_proxy= {rp},\n    protocol= {protocol}, transform= {tr} ,\n    {life},\n    spi= 0x{:X}({}), conn_id= {}, keysize= {keysize}, flags= 0x4",
        c.local, c.peer, c.spi_out, c.spi_out, c.conn_out
    ));
    let mut prots = Vec::new();
    if c.ah.is_some() {
        prots.push((51, ios_transform(None, c.ah)));
    }
    if c.esp.is_some() {
        prots.push((50, ios_transform(c.esp, None)));
    }
    for (dest, spi, id) in [(c.local, c.spi_in, c.conn_in), (c.peer, c.spi_out, c.conn_out)] {
        for (p, t) in &prots {
            v.push(format!("IPSEC(create_sa): sa created,\n  (sa) sa_dest= {dest}, sa_prot= {p},\n    sa_spi= 0x{spi:X}({spi}),\n    sa_trans= {t} , sa_conn_id= {id}"));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::config::Prefix4;

    fn sel(a: [u8; 4], len: u8) -> Selector {
        Selector { net: Prefix4 { addr: a.into(), len }, proto: 0, port: 0 }
    }

    fn on() -> DebugFlags {
        DebugFlags { isakmp: true, ipsec: true, ..Default::default() }
    }

    #[test]
    fn lifetimes_print_basic_or_as_the_four_bytes_of_seed_002() {
        assert_eq!(life_duration(3600u32), "(basic) of 3600");
        assert_eq!(life_duration(4_608_000u32), "(VPI) of  0x0 0x46 0x50 0x0");
        assert_eq!(life_duration(86_400u32), "(VPI) of  0x0 0x1 0x51 0x80");
    }

    /// Seed 002's `debug crypto ipsec`: initialize_sas inbound then outbound,
    /// then one create_sa per SA; with AH and ESP four (AH first on each end).
    #[test]
    fn key_engine_install_in_seed_002_layout() {
        let c = ChildInfo {
            conn: 1,
            local: [12, 1, 1, 2].into(),
            peer: [12, 1, 1, 1].into(),
            conn_in: 5,
            conn_out: 6,
            spi_in: 194838793,
            spi_out: 233638580,
            esp: Some((EspEncr::DesCbc, Some(EspAuth::HmacSha1_96))),
            ah: Some(EspAuth::HmacMd5_96),
            lifetime_seconds: 3600,
            lifetime_kbytes: Some(4_608_000),
            local_ts: sel([10, 1, 1, 0], 24),
            remote_ts: sel([20, 1, 1, 0], 24),
            encap: false,
        };
        let v = ios_debug(&Event::ChildInstalled(Box::new(c.clone())), &on());
        assert_eq!(v[0], "IPSEC(key_engine): got a queue event...");
        assert_eq!(
            v[1],
            "IPSEC(initialize_sas): ,\n  (key eng. msg.) dest= 12.1.1.2, src= 12.1.1.1,\n    dest_proxy= 10.1.1.0/255.255.255.0/0/0 (type=4),\n    src_proxy= 20.1.1.0/255.255.255.0/0/0 (type=4),\n    protocol= ESP, transform= ah-md5-hmac esp-des esp-sha-hmac ,\n    lifedur= 3600s and 4608000kb,\n    spi= 0xB9D0109(194838793), conn_id= 5, keysize= 0, flags= 0x4"
        );
        assert!(v[2].starts_with("IPSEC(initialize_sas): ,\n  (key eng. msg.) src= 12.1.1.2, dest= 12.1.1.1,\n    src_proxy= 10.1.1.0/255.255.255.0/0/0 (type=4),"));
        assert_eq!(
            v[3],
            "IPSEC(create_sa): sa created,\n  (sa) sa_dest= 12.1.1.2, sa_prot= 51,\n    sa_spi= 0xB9D0109(194838793),\n    sa_trans= ah-md5-hmac , sa_conn_id= 5"
        );
        assert_eq!(
            v[4],
            "IPSEC(create_sa): sa created,\n  (sa) sa_dest= 12.1.1.2, sa_prot= 50,\n    sa_spi= 0xB9D0109(194838793),\n    sa_trans= esp-des esp-sha-hmac , sa_conn_id= 5"
        );
        assert_eq!(
            v[6],
            "IPSEC(create_sa): sa created,\n  (sa) sa_dest= 12.1.1.1, sa_prot= 50,\n    sa_spi= 0xDED0AB4(233638580),\n    sa_trans= esp-des esp-sha-hmac , sa_conn_id= 6"
        );
        assert_eq!(v.len(), 7);
        // Only with `debug crypto ipsec`.
        let c2 = ChildInfo { ah: None, ..c };
        assert!(
            ios_debug(&Event::ChildInstalled(Box::new(c2)), &DebugFlags { isakmp: true, ..Default::default() })
                .is_empty()
        );
    }

    /// Seed 002's error samples that the lab does not reach: a wrong local
    /// address, no key for the peer, mismatched keys (log and debug), and a
    /// transform set the responder does not have.
    #[test]
    fn seed_002_error_samples() {
        use edgesh_engine::ike::wire::WireError;
        let (peer, local): (std::net::Ipv4Addr, std::net::Ipv4Addr) = ([150, 150, 150, 1].into(), [12, 2, 6, 2].into());
        assert_eq!(
            ios_debug(&Event::NoPeer { peer, local, reason: NoPeerReason::BadLocalAddress }, &on()),
            ["IPSEC(validate_proposal): invalid local address 12.2.6.2"]
        );
        assert_eq!(
            ios_debug(&Event::NoPeer { peer: [150, 150, 150, 2].into(), local, reason: NoPeerReason::NoKey }, &on()),
            ["ISAKMP: No cert, and no keys (public or pre-shared) with remote peer 150.150.150.2"]
        );
        let km = Event::KeyMismatch {
            conn: 1,
            peer,
            message: 5,
            error: WireError::PayloadLength { payload: 5, length: 19136, available: 263 },
            reserved: Some((5, 0x11)),
        };
        assert_eq!(
            ios_log(&km),
            [(
                4,
                "IKMP_BAD_MESSAGE",
                "IKE message from 150.150.150.1 failed its sanity check or is malformed".to_string()
            )]
        );
        assert_eq!(ios_debug(&km, &on()), ["ISAKMP (0:1): Reserved Not Zero on Payload 5"]);
        // Garbage whose RESERVED octet happens to be zero, and a HASH that does not verify: the log line only.
        let km0 = Event::KeyMismatch {
            conn: 1,
            peer,
            message: 5,
            error: WireError::PayloadLength { payload: 5, length: 19136, available: 263 },
            reserved: None,
        };
        assert_eq!(ios_debug(&km0, &on()), Vec::<String>::new());
        let af = Event::AuthFailed { conn: 1, peer };
        assert_eq!((ios_debug(&af, &on()), ios_log(&af).len()), (Vec::<String>::new(), 1));
        let offered = OfferedP2 {
            protocol: proto::ESP,
            transform_id: 2,
            esp: Some(EspEncr::DesCbc),
            auth: Some(EspAuth::HmacSha1_96),
            auth_raw: 2,
            group: None,
            encap: 1,
            lifetime_seconds: None,
            lifetime_kbytes: None,
            esn: false,
        };
        let c = Event::P2Check {
            conn: 2,
            peer,
            proposal: 1,
            transform: 1,
            offered,
            result: Err(P2Mismatch::Encryption {
                offered: Some(EspEncr::DesCbc),
                configured: Some(EspEncr::TripleDesCbc),
            }),
            more: false,
        };
        let v = ios_debug(&c, &on());
        assert_eq!(
            v[v.len() - 2..],
            [
                "IPSEC(validate_proposal): transform proposal (prot 3, trans 2, hmac_alg 2) not supported",
                "ISAKMP (0:2): atts not acceptable. Next payload is 0"
            ]
        );
    }

    #[test]
    fn spi_response_and_the_isakmp_lines_of_seed_002() {
        let p: std::net::Ipv4Addr = [12, 1, 1, 1].into();
        let v = ios_debug(
            &Event::SpiAllocated {
                conn: 1,
                peer: p,
                local: [12, 1, 1, 2].into(),
                protocols: vec![proto::ESP],
                spi: 203563166,
            },
            &on(),
        );
        assert_eq!(
            v,
            [
                "IPSEC(key_engine): got a queue event...",
                "IPSEC(spi_response): getting spi 203563166 for SA\n      from 12.1.1.1 to 12.1.1.2 for prot 3"
            ]
        );
        assert_eq!(
            ios_debug(&Event::PeerKeyFound { conn: 1, peer: [209, 165, 200, 227].into() }, &on()),
            ["ISAKMP (0:1): found peer pre-shared key matching 209.165.200.227"]
        );
        assert_eq!(
            ios_debug(&Event::SkeyidGenerated { conn: 1, peer: p }, &on()),
            ["ISAKMP (0:1): SKEYID state generated"]
        );
        let failed = Event::Phase1Failed {
            conn: 1,
            local: "10.1.1.2:500".parse().unwrap(),
            remote: "150.150.150.1:500".parse().unwrap(),
            role: Role::Responder,
            state: P1State::MmNoState,
            exchange: exchange::MAIN,
        };
        assert_eq!(
            ios_log(&failed),
            [(6, "IKMP_MODE_FAILURE", "Processing of Main Mode failed with peer at 150.150.150.1".to_string())]
        );
        let nf = Event::P2PeerNotFound {
            conn: 3,
            peer: [198, 174, 236, 6].into(),
            initiator: IdRepr::ipv4([10, 0, 0, 76].into()),
            responder: IdRepr::ipv4([198, 174, 238, 203].into()),
        };
        assert_eq!(
            ios_debug(&nf, &on()),
            [
                "IPSEC(validate_transform_proposal): peer address 198.174.236.6 not found",
                "ISAKMP (0:3): SA not acceptable!"
            ]
        );
    }

    /// Seed 002's "Invalid Proxy IDs" case: the proposal request with the
    /// peer's host-specific subnet proxy, then the key engine's refusal.
    #[test]
    fn invalid_proxy_ids_as_in_seed_002() {
        let subnet = |a: [u8; 4], m: [u8; 4]| IdRepr {
            id_type: edgesh_engine::ike::wire::id_type::IPV4_ADDR_SUBNET,
            protocol: 0,
            port: 0,
            data: [a, m].concat(),
        };
        let (local_id, remote_id) =
            (subnet([10, 1, 1, 1], [255, 255, 255, 0]), subnet([20, 1, 1, 1], [255, 255, 255, 0]));
        let acc = Event::P2Accepted {
            conn: 1,
            peer: [192, 1, 1, 2].into(),
            local: [192, 1, 1, 1].into(),
            part: 1,
            local_id: local_id.clone(),
            remote_id: remote_id.clone(),
            protocol: proto::ESP,
            esp: Some((EspEncr::DesCbc, Some(EspAuth::HmacMd5_96))),
            ah: None,
        };
        let v = ios_debug(&acc, &on());
        assert!(v[0].starts_with("IPSEC(validate_proposal_request): proposal part #1,\n  (key eng. msg.) dest= 192.1.1.1, src= 192.1.1.2,\n    dest_proxy= 10.1.1.1/255.255.255.0/0/0 (type=4),\n    src_proxy= 20.1.1.1/255.255.255.0/0/0 (type=4)"), "{v:?}");
        let bad =
            Event::InvalidProxyIds { conn: 1, peer: [192, 1, 1, 2].into(), initiator: remote_id, responder: local_id };
        assert_eq!(ios_debug(&bad, &on()), ["IPSEC(initialize_sas): invalid proxy IDs"]);
        assert!(ios_debug(&bad, &DebugFlags { ipsec: false, ..on() }).is_empty(), "a debug crypto ipsec line");
    }

    /// The main-mode steps as a public IOS-XE `debug crypto isakmp` capture
    /// prints them, both roles (IKE_READY -> IKE_I_MM1 ... IKE_P1_COMPLETE).
    #[test]
    fn main_mode_steps_in_ios_state_machine_names() {
        let step = |role, number, sent| {
            ios_debug(&Event::P1Step { conn: 1003, peer: [103, 1, 1, 1].into(), role, number, sent }, &on())
        };
        assert_eq!(
            step(Role::Responder, 1, false),
            [
                "ISAKMP (0:1003): Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH",
                "ISAKMP (0:1003): Old State = IKE_READY  New State = IKE_R_MM1 "
            ]
        );
        assert_eq!(
            step(Role::Responder, 2, true),
            [
                "ISAKMP (0:1003): Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE",
                "ISAKMP (0:1003): Old State = IKE_R_MM1  New State = IKE_R_MM2 "
            ]
        );
        assert_eq!(
            step(Role::Responder, 6, true)[1],
            "ISAKMP (0:1003): Old State = IKE_R_MM5  New State = IKE_P1_COMPLETE "
        );
        assert_eq!(
            step(Role::Initiator, 1, true),
            [
                "ISAKMP (0:1003): Input = IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM",
                "ISAKMP (0:1003): Old State = IKE_READY  New State = IKE_I_MM1 "
            ]
        );
        assert_eq!(
            step(Role::Initiator, 4, false)[1],
            "ISAKMP (0:1003): Old State = IKE_I_MM3  New State = IKE_I_MM4 "
        );
        assert_eq!(
            step(Role::Initiator, 6, false)[1..],
            [
                "ISAKMP (0:1003): Old State = IKE_I_MM5  New State = IKE_I_MM6 ",
                "ISAKMP (0:1003): Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE",
                "ISAKMP (0:1003): Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE "
            ]
        );
        // The packet lines of the same capture: ports, role and MM_ state.
        let peer: std::net::SocketAddrV4 = "103.1.1.1:512".parse().unwrap();
        let rx = Event::Received {
            conn: 0,
            peer,
            exchange: exchange::MAIN,
            msgid: 0,
            payloads: vec![],
            sa_state: None,
            local_port: 500,
        };
        assert_eq!(
            ios_debug(&rx, &on()),
            ["ISAKMP (0:0): received packet from 103.1.1.1 dport 500 sport 512 Global (N) NEW SA"]
        );
        let tx = Event::Sent {
            conn: 0,
            peer,
            exchange: exchange::MAIN,
            msgid: 0,
            payloads: vec![],
            retransmit: false,
            sa_state: Some((Role::Responder, P1State::MmSaSetup)),
            local_port: 500,
        };
        assert_eq!(
            ios_debug(&tx, &on()),
            ["ISAKMP (0:0): sending packet to 103.1.1.1 my_port 500 peer_port 512 (R) MM_SA_SETUP"]
        );
        let qm = Event::Received {
            conn: 1003,
            peer,
            exchange: exchange::QUICK,
            msgid: 7,
            payloads: vec![],
            sa_state: Some((Role::Responder, P1State::QmIdle)),
            local_port: 4500,
        };
        assert_eq!(
            ios_debug(&qm, &on()),
            ["ISAKMP (0:1003): received packet from 103.1.1.1 dport 4500 sport 512 Global (R) QM_IDLE      "]
        );
        let mm =
            Event::State { conn: 1, peer: [103, 1, 1, 1].into(), old: P1State::MmSaSetup, new: P1State::MmKeyExch };
        assert!(ios_debug(&mm, &on()).is_empty(), "main mode: the steps, not MM_ names");
    }
}
