//! The bridge between the router and its IKE engine: the engine runs from
//! the committed configuration (SmartEdge) or the compiled running
//! configuration (IOS); its events become the log messages of each dialect
//! (SmartEdge Table 5, IOS `%CRYPTO-` messages) and the `debug crypto`
//! traces of seed 002; its SAs are what the `show` commands print.

use crate::session::{Dialect, Router};
use crate::smartedge::show::log_time;
use edgesh_engine::config::{AuthMethod, EspAuth, EspEncr, IkeAuthAlg, IkeEncr};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::endpoint::{ChildSa, IkeSa};
use edgesh_engine::ike::events::*;
use edgesh_engine::ike::wire::{IdRepr, WireError, exchange, id_type, notify, payload, proto};
use edgesh_engine::ike::{EngineConf, Event};
use std::net::Ipv4Addr;

/// `debug crypto ...` switches (router-wide, as on IOS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugFlags {
    pub isakmp: bool,
    pub ipsec: bool,
    /// `debug crypto condition peer ipv4 A`: only events with these peers.
    pub peers: Vec<Ipv4Addr>,
}

impl DebugFlags {
    pub fn any(&self) -> bool {
        self.isakmp || self.ipsec
    }
}

/// Lines kept for sessions that watch the log (`terminal monitor`, debug).
pub const MONITOR_LINES: usize = 4096;

impl Router {
    /// Milliseconds on the router's clock (real or virtual).
    pub fn now_ms(&self) -> u64 {
        match self.clock {
            crate::session::Clock::Real => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
            crate::session::Clock::Virtual(t) => t * 1000 + self.virtual_ms,
        }
    }

    /// What the engine runs from: the running configuration (IOS: the running
    /// document compiled into the same model, kept for the show commands).
    pub fn engine_conf(&mut self) -> EngineConf {
        match self.dialect {
            Dialect::SmartEdge => EngineConf::from_config(&self.running),
            Dialect::Ios => {
                let model = crate::ios::compile::compile(&self.ios_doc).config;
                let conf = EngineConf::from_config(&model);
                self.ios_model = std::sync::Arc::new(model);
                conf
            }
        }
    }

    /// A log line in the router's dialect (SmartEdge `%IKE-`, IOS `*time: %CRYPTO-`), kept in the log buffer.
    pub fn crypto_log(&mut self, sev: u8, mnemonic: &str, text: &str) -> String {
        match self.dialect {
            Dialect::SmartEdge => self.log("IKE", sev, mnemonic, text),
            Dialect::Ios => {
                let l = format!("*{}.{:03}: %CRYPTO-{sev}-{mnemonic}: {text}", log_time(self.now()), self.now_ms() % 1000);
                self.log.push_back(l.clone());
                while self.log.len() > 1000 {
                    self.log.pop_front();
                }
                l
            }
        }
    }

    /// Give the engine the current configuration (after a commit, or an IOS change).
    pub fn engine_sync(&mut self) {
        let conf = self.engine_conf();
        if &conf == self.ike.conf() {
            return;
        }
        // Tunnels the engine cannot run are said so in the log, once per change.
        let new_notes: Vec<String> = conf.notes.iter().filter(|n| !self.ike.conf().notes.contains(n)).cloned().collect();
        for n in new_notes {
            let line = self.crypto_log(4, "CONFIG", &format!("{n}: not negotiated"));
            self.push_monitor(line, false);
        }
        let now = self.now_ms();
        self.ike.set_config(now, conf);
        self.engine_drain();
    }

    /// IOS applies lines as they are typed: recompile when the document changed.
    pub fn ios_sync(&mut self) {
        if self.dialect == Dialect::Ios && self.ios_compiled.as_ref() != Some(&self.ios_doc) {
            self.ios_compiled = Some(self.ios_doc.clone());
            self.engine_sync();
        }
    }

    /// Run the engine's timers that are due.
    pub fn engine_tick(&mut self) {
        if std::mem::take(&mut self.engine_dirty) {
            self.engine_sync();
        }
        let now = self.now_ms();
        if self.ike.poll_timeout().is_some_and(|t| t <= now) {
            self.ike.handle_timeout(now);
        }
        self.engine_drain();
    }

    /// Turn engine events into log and debug lines. Without a network
    /// attached, datagrams have nowhere to go and are dropped.
    pub fn engine_drain(&mut self) {
        if !self.net_attached {
            while self.ike.poll_transmit().is_some() {}
        }
        while let Some(e) = self.ike.poll_event() {
            let peer = event_peer(&e);
            let logs: Vec<(u8, &'static str, String)> = match self.dialect {
                Dialect::SmartEdge => smartedge_log(&e),
                Dialect::Ios => ios_log(&e),
            };
            for (sev, mn, text) in logs {
                let line = self.crypto_log(sev, mn, &text);
                self.push_monitor(line, false);
            }
            let wanted = self.debug.peers.is_empty() || peer.is_some_and(|p| self.debug.peers.contains(&p));
            if self.debug.any() && wanted {
                let stamp = format!("*{}.{:03}: ", log_time(self.now()), self.now_ms() % 1000);
                let lines = match self.dialect {
                    Dialect::Ios => ios_debug(&e, &self.debug),
                    Dialect::SmartEdge => smartedge_debug(&e, &self.debug),
                };
                for l in lines {
                    self.push_monitor(format!("{stamp}{l}"), true);
                }
            }
        }
    }

    pub(crate) fn push_monitor(&mut self, line: String, debug: bool) {
        self.monitor_seq += 1;
        self.monitor.push_back((self.monitor_seq, debug, line));
        while self.monitor.len() > MONITOR_LINES {
            self.monitor.pop_front();
        }
    }

    /// Lines after `seen` for a session (debug lines only when asked).
    pub fn monitor_since(&self, seen: u64, logs: bool) -> (u64, Vec<String>) {
        let lines = self.monitor.iter().filter(|(n, d, _)| *n > seen && (*d || logs)).map(|(_, _, l)| l.clone()).collect();
        (self.monitor_seq, lines)
    }
}

fn event_peer(e: &Event) -> Option<Ipv4Addr> {
    Some(match e {
        Event::Sent { peer, .. } | Event::Received { peer, .. } | Event::Malformed { peer, .. } | Event::Phase1Up { peer, .. } => *peer.ip(),
        Event::V2Message { peer, .. } | Event::V2Malformed { peer, .. } | Event::V2Cookie { peer, .. } => *peer.ip(),
        Event::V2Integrity { peer, .. }
        | Event::V2NoProposal { peer, .. }
        | Event::V2InvalidKe { peer, .. }
        | Event::V2AuthFailed { peer, .. }
        | Event::V2TsUnacceptable { peer, .. }
        | Event::V2Narrowed { peer, .. }
        | Event::V2Notify { peer, .. }
        | Event::V2GiveUp { peer, .. }
        | Event::V2IkeRekeyed { peer, .. } => *peer,
        Event::State { peer, .. }
        | Event::P1Check { peer, .. }
        | Event::P1NoneAcceptable { peer, .. }
        | Event::P2Check { peer, .. }
        | Event::P2NoneAcceptable { peer, .. }
        | Event::ProxyIdMismatch { peer, .. }
        | Event::Selectors { peer, .. }
        | Event::IdMismatch { peer, .. }
        | Event::NoPeer { peer, .. }
        | Event::KeyMismatch { peer, .. }
        | Event::AuthFailed { peer, .. }
        | Event::NotifyReceived { peer, .. }
        | Event::NotifySent { peer, .. }
        | Event::DeleteReceived { peer, .. }
        | Event::DeleteSent { peer, .. }
        | Event::NatDetected { peer, .. }
        | Event::Phase1Down { peer, .. }
        | Event::ChildUp { peer, .. }
        | Event::ChildDown { peer, .. }
        | Event::Retransmit { peer, .. }
        | Event::GiveUp { peer, .. }
        | Event::DpdDead { peer, .. }
        | Event::ResponderLifetime { peer, .. } => *peer,
    })
}

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
        id_type::IPV4_ADDR_SUBNET => format!("IPADDR_SUBNET, {}, proto {}, port {}", id.data_text(), id.protocol, id.port),
        id_type::IPV4_ADDR_RANGE => format!("IPADDR_RANGE, {}, proto {}, port {}", id.data_text(), id.protocol, id.port),
        t => format!("{}, {}, proto {}, port {}", id_type::name(t), id.data_text(), id.protocol, id.port),
    }
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
        Event::ProxyIdMismatch { .. } => v.push((4, "SELECTORS", "No matching SPD policy for the selectors received in IKE phase-II message.".into())),
        Event::IdMismatch { id, .. } => v.push((4, "ID", format!("Mismatching ID type ({}) and ID: {} with the configured IKE policy", id_type::name(id.id_type), id.data_text()))),
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
        Event::NotifySent { kind, .. } => {
            if *kind < 16384 {
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
        Event::DpdDead { peer, tunnel, .. } => v.push((3, "DPD", format!("Peer {peer} of tunnel {tunnel} is not responding to keepalives (DPD); SAs deleted"))),
        _ => {}
    }
    v
}

fn smartedge_debug(e: &Event, _f: &DebugFlags) -> Vec<String> {
    match e {
        Event::Sent { peer, exchange: x, msgid, payloads, .. } => vec![format!("IKE: sent {} message id 0x{msgid:08x} to {peer} [ {} ]", exchange::name(*x), names(payloads))],
        Event::Received { peer, exchange: x, msgid, payloads, .. } => vec![format!("IKE: received {} message id 0x{msgid:08x} from {peer} [ {} ]", exchange::name(*x), names(payloads))],
        Event::State { peer, old, new, .. } => vec![format!("IKE: SA with {peer}: {old} -> {new}")],
        // Everything else is already a log line, which debugging sessions see.
        _ => vec![],
    }
}

fn names(p: &[u8]) -> String {
    p.iter().map(|k| payload::name(*k)).collect::<Vec<_>>().join(" ")
}

// ------------------------------------------------------------ IOS

fn ios_encr(e: Result<IkeEncr, u16>) -> (String, Option<u16>) {
    match e {
        Ok(IkeEncr::DesCbc) => ("DES-CBC".into(), None),
        Ok(IkeEncr::TripleDesCbc) => ("3DES-CBC".into(), None),
        Ok(IkeEncr::Aes128Cbc) => ("AES-CBC".into(), Some(128)),
        Ok(IkeEncr::Aes192Cbc) => ("AES-CBC".into(), Some(192)),
        Ok(IkeEncr::Aes256Cbc) => ("AES-CBC".into(), Some(256)),
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
        Event::KeyMismatch { peer, .. } | Event::AuthFailed { peer, .. } => vec![(4, "IKMP_BAD_MESSAGE", format!("IKE message from {peer} failed its sanity check or is malformed"))],
        Event::Malformed { peer, .. } => vec![(4, "IKMP_BAD_MESSAGE", format!("IKE message from {} failed its sanity check or is malformed", peer.ip()))],
        Event::P1NoneAcceptable { peer, .. } => vec![(6, "IKMP_MODE_FAILURE", format!("Processing of Main Mode failed with peer at {peer}"))],
        Event::NoPeer { peer, reason: NoPeerReason::Exchange { received, .. }, .. } => {
            vec![(6, "IKMP_MODE_FAILURE", format!("Processing of {} failed with peer at {peer}", if *received == exchange::MAIN { "Main Mode" } else { "Aggressive Mode" }))]
        }
        Event::Phase1Up { peer, .. } => vec![(5, "SESSION_STATUS", format!("Crypto tunnel is UP  .  Peer {}:{}       Id: {}", peer.ip(), peer.port(), peer.ip()))],
        Event::Phase1Down { peer, reason, .. } if crate::ios::wording::logs_tunnel_down(reason) => vec![(5, "SESSION_STATUS", format!("Crypto tunnel is DOWN. Peer {peer}:500       Id: {peer}"))],
        Event::GiveUp { peer, .. } => vec![(6, "IKMP_MODE_FAILURE", format!("Processing of Main Mode failed with peer at {peer}"))],
        Event::DpdDead { peer, .. } => vec![(5, "SESSION_STATUS", format!("Crypto tunnel is DOWN. Peer {peer}:500       Id: {peer} (DPD: peer not responding)"))],
        _ => vec![],
    }
}

/// The `debug crypto isakmp` / `debug crypto ipsec` lines of an event (seed 002).
pub fn ios_debug(e: &Event, f: &DebugFlags) -> Vec<String> {
    let mut v = Vec::new();
    match e {
        Event::Received { conn, peer, exchange: x, msgid, payloads } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): received packet from {} sport {} Global ({})", peer.ip(), peer.port(), exchange::name(*x)));
            for p in payloads {
                if *p != payload::HASH || *msgid == 0 {
                    v.push(format!("ISAKMP (0:{conn}): processing {} payload. message ID = {msgid}", payload::name(*p)));
                }
            }
        }
        Event::Sent { conn, peer, exchange: x, retransmit, .. } if f.isakmp => {
            v.push(format!("ISAKMP (0:{conn}): {}sending packet to {} peer_port {} ({})", if *retransmit { "re" } else { "" }, peer.ip(), peer.port(), exchange::name(*x)));
        }
        Event::State { conn, old, new, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): Old State = {old}  New State = {new}")),
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
                    Err(x) => x.to_string(),
                }
            ));
            v.push("ISAKMP:      life type in seconds".into());
            if offered.lifetime > 0xffff {
                let b = offered.lifetime.to_be_bytes();
                v.push(format!("ISAKMP:      life duration (VPI) of  0x{:x} 0x{:x} 0x{:x} 0x{:x}", b[0], b[1], b[2], b[3]));
            } else {
                v.push(format!("ISAKMP:      life duration (basic) of {}", offered.lifetime));
            }
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
                v.push(format!("ISAKMP:      SA life duration (basic) of {s}"));
            }
            if let Some(k) = offered.lifetime_kbytes {
                v.push("ISAKMP:      SA life type in kilobytes".into());
                v.push(format!("ISAKMP:      SA life duration (VPI) of  {k}"));
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
        Event::KeyMismatch { conn, peer, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): Reserved Not Zero on payload from {peer}: possibly mismatching pre-shared keys")),
        Event::AuthFailed { conn, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): Hash of the peer's message does not verify")),
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
        Event::ChildUp { peer, spi_in, spi_out, local_ts, remote_ts, .. } if f.ipsec => {
            v.push("IPSEC(create_sa): sa created,".into());
            v.push(format!("  (sa) sa_dest= {peer}, sa_proto= 50, sa_spi= 0x{spi_out:X}({spi_out}), local_proxy= {}, remote_proxy= {}", proxy(local_ts), proxy(remote_ts)));
            v.push("IPSEC(create_sa): sa created,".into());
            v.push(format!("  (sa) sa_dest= local, sa_proto= 50, sa_spi= 0x{spi_in:X}({spi_in})"));
        }
        Event::ChildDown { peer, spi_in, spi_out, reason, .. } if f.ipsec => {
            v.push(format!("IPSEC(delete_sa): deleting SA, (sa) sa_dest= {peer}, sa_proto= 50, sa_spi= 0x{spi_out:X}({spi_out}), inbound sa_spi= 0x{spi_in:X}({spi_in}): {}", crate::ios::wording::down_reason(reason)))
        }
        Event::Retransmit { conn, count, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): retransmitting phase 1 (retransmission {count})...")),
        Event::GiveUp { conn, peer, state, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): deleting SA reason \"Death by retransmission P1\" state (I) {state} (peer {peer})")),
        Event::DpdDead { conn, peer, .. } if f.isakmp => v.push(format!("ISAKMP (0:{conn}): DPD: peer {peer} is not responding, deleting SAs")),
        _ => {}
    }
    v
}

fn proxy(s: &Selector) -> String {
    format!("{}/{}/{}/{}", s.net.network(), s.mask(), s.proto, s.port)
}

// ------------------------------------------------------------ show (IOS)

fn dotted(s: &Selector) -> String {
    format!("({}/{}/{}/{})", s.net.network(), s.mask(), s.proto, s.port)
}

/// `show crypto isakmp sa`: Genie's iosxe parser needs both headers.
pub fn ios_isakmp_sa(sas: &[IkeSa], out: &mut Vec<String>) {
    out.push("IPv4 Crypto ISAKMP SA".into());
    out.push("dst             src             state          conn-id status".into());
    for s in sas {
        let (dst, src) = if s.role == Role::Initiator { (s.remote.ip(), s.local.ip()) } else { (s.local.ip(), s.remote.ip()) };
        out.push(format!("{:<16}{:<16}{:<15}{:>7} ACTIVE", dst.to_string(), src.to_string(), s.state.name(), s.conn));
    }
    out.push(String::new());
    out.push("IPv6 Crypto ISAKMP SA".into());
    out.push(String::new());
}

/// The IOS interface and crypto map tag of a tunnel (a crypto map entry `MAP-SEQ` or a VTI).
fn ios_map_of(tunnel: &str, iface: Option<&str>) -> (String, String) {
    match iface {
        Some(i) if i.starts_with("Tunnel") => (i.to_string(), format!("{i}-head-0")),
        Some(i) => (i.to_string(), tunnel.rsplit_once('-').map(|x| x.0).unwrap_or(tunnel).to_string()),
        None => ("(none)".to_string(), tunnel.rsplit_once('-').map(|x| x.0).unwrap_or(tunnel).to_string()),
    }
}

fn iv_size(esp: Option<(EspEncr, Option<EspAuth>)>) -> usize {
    match esp.map(|e| e.0) {
        Some(EspEncr::DesCbc | EspEncr::TripleDesCbc) => 8,
        Some(EspEncr::Null) | None => 0,
        Some(EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc) => 16,
        Some(_) => 8,
    }
}

/// `show crypto ipsec sa [detail]` in the IOS layout (ntc-templates' detail template reads it).
pub fn ios_ipsec_sa(r: &Router, detail: bool, out: &mut Vec<String>) {
    let compiled = r.ios_model.clone();
    let now = r.now_ms();
    let conf = r.ike.conf();
    // Per interface and map: (peer, child, the SA pair shown); a dynamic map shows each negotiated pair.
    #[allow(clippy::type_complexity)]
    let mut by_if: Vec<(String, String, std::net::Ipv4Addr, Vec<(&edgesh_engine::ike::PeerConf, usize, Option<&ChildSa>)>)> = Vec::new();
    for p in &conf.peers {
        let iface = compiled.tunnels.get(&p.name).and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone()));
        let (ifname, tag) = ios_map_of(&p.name, iface.as_deref());
        let entry = match by_if.iter_mut().position(|x| x.0 == ifname && x.1 == tag) {
            Some(i) => &mut by_if[i],
            None => {
                by_if.push((ifname, tag, p.local, Vec::new()));
                by_if.last_mut().expect("just pushed")
            }
        };
        if p.dynamic {
            for c in r.ike.child_sas().iter().filter(|c| c.tunnel == p.name) {
                entry.3.push((p, c.child, Some(c)));
            }
        } else {
            for i in 0..p.children.len() {
                let sa = r.ike.child_sas().iter().filter(|c| c.tunnel == p.name && c.child == i).max_by_key(|c| c.created);
                entry.3.push((p, i, sa));
            }
        }
    }
    for (ifname, tag, local, kids) in by_if {
        out.push(format!("interface: {ifname}"));
        out.push(format!("    Crypto map tag: {tag}, local addr {local}"));
        out.push(String::new());
        for (p, ci, sa) in kids {
            let cc = &p.children[ci];
            let peer = sa.map(|s| s.remote).unwrap_or_else(|| std::net::SocketAddrV4::new(p.remote.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED), 500));
            let (lts, rts) = sa.map(|s| (s.local_ts, s.remote_ts)).unwrap_or((cc.local_ts, cc.remote_ts));
            out.push("   protected vrf: (none)".into());
            out.push(format!("   local  ident (addr/mask/prot/port): {}", dotted(&lts)));
            out.push(format!("   remote ident (addr/mask/prot/port): {}", dotted(&rts)));
            out.push(format!("   current_peer {} port {}", peer.ip(), peer.port()));
            out.push("     PERMIT, flags={origin_is_acl,}".into());
            // Counts the dataplane reported on this SA pair (digest/verify only with an authenticator).
            let (pin, pout) = sa.map(|s| (s.packets_in, s.packets_out)).unwrap_or((0, 0));
            let authed = sa.is_some_and(|s| s.ah.is_some() || s.esp.is_some_and(|(e, a)| a.is_some() || e.is_aead()));
            let (din, dout) = if authed { (pin, pout) } else { (0, 0) };
            out.push(format!("    #pkts encaps: {pout}, #pkts encrypt: {pout}, #pkts digest: {dout}"));
            out.push(format!("    #pkts decaps: {pin}, #pkts decrypt: {pin}, #pkts verify: {din}"));
            out.push("    #pkts compressed: 0, #pkts decompressed: 0".into());
            out.push("    #pkts not compressed: 0, #pkts compr. failed: 0".into());
            out.push("    #pkts not decompressed: 0, #pkts decompress failed: 0".into());
            if detail {
                out.push("    #pkts no sa (send) 0, #pkts invalid sa (rcv) 0".into());
                out.push("    #pkts encaps failed (send) 0, #pkts decaps failed (rcv) 0".into());
                out.push("    #pkts invalid prot (recv) 0, #pkts verify failed: 0".into());
                out.push("    #pkts invalid identity (recv) 0, #pkts invalid len (rcv) 0".into());
                out.push("    #pkts replay rollover (send): 0, #pkts replay rollover (rcv) 0".into());
                out.push("    ##pkts replay failed (rcv): 0".into());
                out.push("    #pkts tagged (send): 0, #pkts untagged (rcv): 0".into());
                out.push("    #pkts not tagged (send): 0, #pkts not untagged (rcv): 0".into());
                out.push("    #pkts internal err (send): 0, #pkts internal err (recv) 0".into());
            } else {
                out.push("    #send errors 0, #recv errors 0".into());
            }
            out.push(String::new());
            out.push(format!("     local crypto endpt.: {}, remote crypto endpt.: {}", p.local, peer.ip()));
            let overhead = if sa.is_some() { 62 } else { 0 };
            out.push(format!("     plaintext mtu {}, path mtu 1500, ip mtu 1500, ip mtu idb {ifname}", 1500 - overhead));
            let spo = sa.map(|s| s.spi_out).unwrap_or(0);
            out.push(format!("     current outbound spi: 0x{spo:X}({spo})"));
            match cc.pfs {
                Some(g) => out.push(format!("     PFS (Y/N): Y, DH group: group{g}")),
                None => out.push("     PFS (Y/N): N, DH group: none".into()),
            }
            out.push(String::new());
            for dir in ["inbound", "outbound"] {
                out.push(format!("     {dir} esp sas:"));
                if let Some(s) = sa.filter(|s| s.esp.is_some()) {
                    let (spi, conn) = if dir == "inbound" { (s.spi_in, s.id) } else { (s.spi_out, s.id + 1) };
                    out.push(format!("      spi: 0x{spi:X}({spi})"));
                    out.push(format!("        transform: {} ,", ios_transform(s.esp, None)));
                    out.push(format!("        in use settings ={{{}, }}", if s.encap { "Tunnel UDP-Encaps" } else { "Tunnel" }));
                    out.push(format!("        conn id: {conn}, flow_id: SW:{}, sibling_flags 80000040, crypto map: {tag}", conn % 1000));
                    out.push(format!("        sa timing: remaining key lifetime (k/sec): ({}/{})", s.remaining_kbytes().unwrap_or(4_608_000), s.remaining_seconds(now)));
                    out.push(format!("        IV size: {} bytes", iv_size(s.esp)));
                    if detail {
                        out.push("        replay detection support: Y  replay window size: 64".into());
                    } else {
                        out.push("        replay detection support: Y".into());
                    }
                    out.push("        Status: ACTIVE(ACTIVE)".into());
                }
                out.push(String::new());
                out.push(format!("     {dir} ah sas:"));
                if let Some(s) = sa.filter(|s| s.ah.is_some()) {
                    let (spi, conn) = if dir == "inbound" { (s.spi_in, s.id) } else { (s.spi_out, s.id + 1) };
                    out.push(format!("      spi: 0x{spi:X}({spi})"));
                    out.push(format!("        transform: {} ,", ios_transform(None, s.ah)));
                    out.push("        in use settings ={Tunnel, }".into());
                    out.push(format!("        conn id: {conn}, flow_id: SW:{}, sibling_flags 80000040, crypto map: {tag}", conn % 1000));
                    out.push(format!("        sa timing: remaining key lifetime (k/sec): ({}/{})", s.remaining_kbytes().unwrap_or(4_608_000), s.remaining_seconds(now)));
                    out.push("        replay detection support: Y".into());
                    out.push("        Status: ACTIVE(ACTIVE)".into());
                }
                out.push(String::new());
                out.push(format!("     {dir} pcp sas:"));
                out.push(String::new());
            }
        }
    }
}

/// `show crypto session [detail]`.
pub fn ios_session(r: &Router, detail: bool, out: &mut Vec<String>) {
    let compiled = r.ios_model.clone();
    let now = r.now_ms();
    out.push("Crypto session current status".into());
    out.push(String::new());
    if detail {
        out.push("Code: C - IKE Configuration mode, D - Dead Peer Detection     ".into());
        out.push("K - Keepalives, N - NAT-traversal, T - cTCP encapsulation     ".into());
        out.push("X - IKE Extended Authentication, F - IKE Fragmentation".into());
        out.push("R - IKE Auto Reconnect".into());
        out.push(String::new());
    }
    for p in &r.ike.conf().peers {
        let iface = compiled.tunnels.get(&p.name).and_then(|t| t.bind_interface.as_ref().map(|b| b.0.clone())).unwrap_or_else(|| "(none)".into());
        let ike: Vec<&IkeSa> = r.ike.ike_sas().iter().filter(|s| s.tunnel == p.name).collect();
        let kids: Vec<&ChildSa> = r.ike.child_sas().iter().filter(|c| c.tunnel == p.name).collect();
        let up = ike.iter().any(|s| s.is_established());
        let status = match (up, kids.is_empty()) {
            (true, false) => "UP-ACTIVE",
            (true, true) => "UP-IDLE",
            (false, false) => "UP-NO-IKE",
            (false, true) if !ike.is_empty() => "DOWN-NEGOTIATING",
            _ => "DOWN",
        };
        let port = ike.first().map(|s| s.remote.port()).or(kids.first().map(|c| c.remote.port())).unwrap_or(500);
        let peer = p.remote.or(ike.first().map(|s| *s.remote.ip())).map(|a| a.to_string()).unwrap_or_else(|| "0.0.0.0".into());
        out.push(format!("Interface: {iface}"));
        if detail {
            if let Some(t) = ike.iter().filter_map(|s| s.established).min() {
                out.push(format!("Uptime: {}", hms(now.saturating_sub(t) / 1000)));
            }
        }
        out.push(format!("Session status: {status}"));
        if detail {
            out.push(format!("Peer: {peer} port {port} fvrf: (none) ivrf: (none)"));
            out.push(format!("      Phase1_id: {}", ike.iter().find_map(|s| s.peer_id.as_ref()).map(|i| i.data_text()).unwrap_or_else(|| "(none)".into())));
            out.push("      Desc: (none)".into());
        } else {
            out.push(format!("Peer: {peer} port {port} "));
        }
        for s in &ike {
            out.push("  Session ID: 0  ".into());
            out.push(format!("  IKEv1 SA: local {}/{} remote {}/{} {}", s.local.ip(), s.local.port(), s.remote.ip(), s.remote.port(), if s.is_established() { "Active" } else { "Inactive" }));
            if detail {
                let caps = format!("{}{}", if s.peer_dpd { "D" } else { "" }, if s.nat_local || s.nat_remote { "N" } else { "" });
                out.push(format!("          Capabilities:{} connid:{} lifetime:{}", if caps.is_empty() { "(none)".to_string() } else { caps }, s.conn, hms(s.expires().saturating_sub(now) / 1000)));
            }
        }
        let flows: Vec<(usize, Selector, Selector)> = if p.dynamic {
            kids.iter().map(|c| (c.child, c.local_ts, c.remote_ts)).collect()
        } else {
            p.children.iter().enumerate().map(|(i, c)| (i, c.local_ts, c.remote_ts)).collect()
        };
        for (ci, lts, rts) in flows {
            let n = kids.iter().filter(|c| c.child == ci && (!p.dynamic || (c.local_ts == lts && c.remote_ts == rts))).count() * 2;
            let proto = if lts.proto == 0 { "ip".to_string() } else { lts.proto.to_string() };
            out.push(format!("  IPSEC FLOW: permit {proto} {} {}", acl_addr(&lts), acl_addr(&rts)));
            out.push(format!("        Active SAs: {n}, origin: crypto map"));
            if detail {
                let newest = kids.iter().filter(|c| c.child == ci).max_by_key(|c| c.created);
                let life = newest.map(|c| (c.remaining_kbytes().unwrap_or(4_608_000), c.remaining_seconds(now))).unwrap_or((0, 0));
                let (pin, pout) = newest.map(|c| (c.packets_in, c.packets_out)).unwrap_or((0, 0));
                out.push(format!("        Inbound:  #pkts dec'ed {pin} drop 0 life (KB/Sec) {}/{}", life.0, life.1));
                out.push(format!("        Outbound: #pkts enc'ed {pout} drop 0 life (KB/Sec) {}/{}", life.0, life.1));
            }
        }
        out.push(String::new());
    }
}

/// A flow end as `show crypto session` prints it: `host A` or `A/MASK`.
fn acl_addr(s: &Selector) -> String {
    match s.net.len {
        32 => format!("host {}", s.net.addr),
        _ => format!("{}/{}", s.net.network(), s.mask()),
    }
}

fn hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

// ------------------------------------------------------------ show (SmartEdge)

/// The SA lines of `show tunnel ipsec name X detail`.
pub fn smartedge_tunnel_sas(r: &Router, tunnel: &str, out: &mut Vec<String>) {
    let now = r.now_ms();
    for s in r.ike.ike_sas().iter().filter(|s| s.tunnel == tunnel) {
        out.push(format!("  IKE SA {}", s.conn));
        out.push(format!("    {:<24}: {}", "State", s.state));
        out.push(format!("    {:<24}: {}", "Role", if s.role == Role::Initiator { "initiator" } else { "responder" }));
        out.push(format!("    {:<24}: {}:{} -> {}:{}", "Addresses", s.local.ip(), s.local.port(), s.remote.ip(), s.remote.port()));
        out.push(format!("    {:<24}: {} {}", "Cookies", edgesh_engine::ike::crypto::hex(&s.icookie), edgesh_engine::ike::crypto::hex(&s.rcookie)));
        if let Some(c) = &s.chosen {
            out.push(format!("    {:<24}: {} {} DH group {} {}", "Proposal", c.encr.proto_name(), c.hash.proto_name(), c.group, c.auth.proto_name()));
        }
        if s.is_established() {
            out.push(format!("    {:<24}: {} seconds", "Remaining lifetime", s.expires().saturating_sub(now) / 1000));
        }
        out.push(format!("    {:<24}: {}", "NAT traversal", if s.nat_local || s.nat_remote { "yes (UDP 4500)" } else { "no" }));
    }
    for c in r.ike.child_sas().iter().filter(|c| c.tunnel == tunnel) {
        out.push(format!("  IPsec SA pair {} (policy {}, proposal {})", c.id, c.policy, c.proposal));
        out.push(format!("    {:<24}: 0x{:08x}", "Inbound SPI", c.spi_in));
        out.push(format!("    {:<24}: 0x{:08x}", "Outbound SPI", c.spi_out));
        let alg = match (c.esp, c.ah) {
            (Some((e, a)), _) => format!("ESP {} {}", e.proto_name(), a.map(|a| a.proto_name()).unwrap_or("no authentication")),
            (None, Some(a)) => format!("AH {}", a.proto_name()),
            _ => "-".into(),
        };
        out.push(format!("    {:<24}: {alg}", "Algorithms"));
        out.push(format!("    {:<24}: {}", "PFS group", c.pfs.map(|g| g.to_string()).unwrap_or_else(|| "none".into())));
        out.push(format!("    {:<24}: {} seconds", "Remaining lifetime", c.remaining_seconds(now)));
        if let Some(kb) = c.remaining_kbytes() {
            out.push(format!("    {:<24}: {kb} kilobytes", "Remaining volume"));
        }
        out.push(format!("    {:<24}: {}/{} packets, {}/{} bytes", "Traffic in/out", c.packets_in, c.packets_out, c.bytes_in, c.bytes_out));
        out.push(format!("    {:<24}: {} === {}", "Selectors", sel_text(&c.local_ts), sel_text(&c.remote_ts)));
        out.push(format!("    {:<24}: {}", "Encapsulation", if c.encap { "tunnel, UDP 4500" } else { "tunnel" }));
    }
}

fn sel_text(s: &Selector) -> String {
    let mut t = format!("{}/{}", s.net.network(), s.net.len);
    if s.proto != 0 {
        t.push_str(&format!(" proto {}", s.proto));
    }
    if s.port != 0 {
        t.push_str(&format!(" port {}", s.port));
    }
    t
}

/// (IKE SAs up, IPsec SA pairs) of a tunnel.
pub fn tunnel_counts(r: &Router, tunnel: &str) -> (usize, usize) {
    (r.ike.ike_sas().iter().filter(|s| s.tunnel == tunnel && s.is_established()).count(), r.ike.child_sas().iter().filter(|c| c.tunnel == tunnel).count())
}

/// The SA keys as tshark options: `ikev1_decryption_table` rows for IKEv1
/// SAs and `esp_sa` rows for IPsec SAs. Privileged: it prints secrets.
pub fn tshark_lines(r: &Router) -> Vec<String> {
    use edgesh_engine::ike::crypto::hex;
    let mut v = Vec::new();
    for s in r.ike.ike_sas() {
        if let Some((ic, key)) = s.tshark_key() {
            v.push(format!("-o 'uat:ikev1_decryption_table:{ic},{key}'"));
        }
    }
    for c in r.ike.child_sas() {
        let Some((e, a)) = c.esp else { continue };
        let enc = match e {
            EspEncr::Null => "NULL",
            EspEncr::DesCbc => "DES-CBC [RFC2405]",
            EspEncr::TripleDesCbc => "TripleDES-CBC [RFC2451]",
            EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc => "AES-CBC [RFC3602]",
            EspEncr::Aes128Gcm | EspEncr::Aes192Gcm | EspEncr::Aes256Gcm => "AES-GCM with 16 octet ICV [RFC4106]",
        };
        let auth = match a {
            None => "NULL",
            Some(EspAuth::HmacMd5_96) => "HMAC-MD5-96 [RFC2403]",
            Some(EspAuth::HmacSha1_96) => "HMAC-SHA-1-96 [RFC2404]",
            Some(EspAuth::HmacSha256_128) => "HMAC-SHA-256-128 [RFC4868]",
            Some(EspAuth::HmacSha384_192) => "HMAC-SHA-384-192 [RFC4868]",
            Some(EspAuth::HmacSha512_256) => "HMAC-SHA-512-256 [RFC4868]",
            Some(EspAuth::HmacAesXcbc) => "ANY 96 bit authentication [no checking]",
        };
        for (src, dst, spi, k) in [(c.remote.ip(), c.local.ip(), c.spi_in, &c.keys_in), (c.local.ip(), c.remote.ip(), c.spi_out, &c.keys_out)] {
            v.push(format!("-o 'uat:esp_sa:\"IPv4\",\"{src}\",\"{dst}\",\"0x{spi:08x}\",\"{enc}\",\"0x{}\",\"{auth}\",\"0x{}\"'", hex(&k.encr), hex(&k.auth)));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Clock;
    use edgesh_engine::Config;
    use edgesh_engine::config::*;
    use edgesh_engine::ike::Endpoint;
    use edgesh_engine::ike::conf::{ChildConf, EspProp, IkeProp, PeerConf};
    use std::net::SocketAddrV4;

    fn peer(local: Ipv4Addr, remote: Ipv4Addr, group: u16, auto: bool) -> PeerConf {
        PeerConf {
            version: IkeVersion::V1,
            name: "t1".into(),
            context: "local".into(),
            kind: TunnelKind::Static,
            local,
            remote: Some(remote),
            local_id: Identity::Ipv4(local),
            remote_id: Identity::Ipv4(remote),
            mode: ExchangeMode::Main,
            connection: ConnectionType::Both,
            psk: Some(b"k".to_vec()),
            proposals: vec![IkeProp { name: "p1".into(), encr: IkeEncr::TripleDesCbc, hash: IkeAuthAlg::HmacSha1_96, group, auth: AuthMethod::PreSharedKey, lifetime: 86400, prf: Prf::HmacSha1 }],
            children: vec![ChildConf {
                policy: "pol".into(),
                local_ts: Selector::ANY,
                remote_ts: Selector::ANY,
                proposals: vec![EspProp { name: "e".into(), ah: None, esp: Some((EspEncr::TripleDesCbc, Some(EspAuth::HmacSha1_96))), lifetime_seconds: 3600, lifetime_kbytes: None }],
                pfs: None,
            }],
            dpd: false,
            auto_start: auto,
            max_tunnels: None,
            dynamic: false,
        }
    }

    /// A SmartEdge router responding on 192.0.2.2, and a genuine first main mode message from 192.0.2.1.
    fn setup() -> (Router, Vec<u8>, SocketAddrV4, SocketAddrV4) {
        let (a, b) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2));
        let mut r = Router::new(Config::new("r2"), Clock::Virtual(1_795_358_264), 1, std::env::temp_dir());
        r.ike.set_config(0, EngineConf { peers: vec![peer(b, a, 2, false)], notes: vec![] });
        let mut i = Endpoint::new(7);
        i.set_config(0, EngineConf { peers: vec![peer(a, b, 2, true)], notes: vec![] });
        let t = i.poll_transmit().expect("MM1");
        (r, t.data, t.src, t.dst)
    }

    fn feed(r: &mut Router, pkt: &[u8], from: SocketAddrV4, to: SocketAddrV4) -> String {
        r.log.clear();
        r.ike.handle(0, to, from, pkt);
        r.engine_drain();
        r.log.iter().map(|l| l.split_once(": %").map(|x| x.1).unwrap_or(l).to_string()).collect::<Vec<_>>().join("\n")
    }

    /// Table 5 of the SmartEdge guide: each malformed first message is detected,
    /// logged with the table's text, and answered with the table's notify.
    #[test]
    fn table5_malformed_first_messages() {
        let (mut r, mm1, from, to) = setup();
        // Offsets: header 28; SA body: DOI 32, situation 36, proposal 40, transform 52.
        let cases: Vec<(Box<dyn Fn(&mut Vec<u8>)>, &[&str])> = vec![
            (Box::new(|p| p[17] = 0x20), &["Invalid Major Version (0x20) detected in IKE message", "Sending phase-I notify of type INVALID_MAJOR_VERSION"]),
            (Box::new(|p| p[17] = 0x12), &["Invalid Minor Version (0x2) detected in IKE message", "Sending phase-I notify of type INVALID_MINOR_VERSION"]),
            (Box::new(|p| p[19] = 0xf0), &["Invalid Flags(0xf0) detected in IKE message", "Sending phase-I notify of type INVALID_FLAGS"]),
            (Box::new(|p| p[16] = 0x99), &["Invalid Next Payload type(0x99) detected in IKE message", "Sending phase-I notify of type INVALID_PAYLOAD_TYPE"]),
            (Box::new(|p| p[20..24].copy_from_slice(&0x100100u32.to_be_bytes())), &["Invalid Message ID(0x100100) detected in IKE phase-I message", "Sending phase-I notify of type INVALID_MESSAGE_ID"]),
            (Box::new(|p| p[32..36].copy_from_slice(&0x4001u32.to_be_bytes())), &["Invalid DOI (0x4001) detected in IKE phase-I 1st message", "Sending phase-I notify of type DOI_NOT_SUPPORTED"]),
            (Box::new(|p| p[36..40].copy_from_slice(&0x4001u32.to_be_bytes())), &["Situation (0x4001) is not supported", "Sending phase-I notify of type SITUATION_NOT_SUPPORTED"]),
            (Box::new(|p| p[0..8].copy_from_slice(&[0; 8])), &["Invalid Initiator Cookie detected in IKE message."]),
            (Box::new(|p| p[18] = 0x20), &["Invalid Xchange Type (0x20) detected for non-existing IKE SA."]),
            (Box::new(|p| p[45] = 0xff), &["Invalid Protocol ID(0xff) detected.", "Sending phase-I notify of type INVALID_PROTOCOL_ID"]),
            (Box::new(|p| p[29] = 0x11), &["Invalid Reserved field (0x11) detected in IKE phase-1 1st message", "Sending phase-I notify of type PAYLOAD_MALFORMED"]),
            (Box::new(|p| p[26..28].copy_from_slice(&500u16.to_be_bytes())), &["is greater than the supported length"]),
        ];
        for (i, (mutate, want)) in cases.iter().enumerate() {
            let mut p = mm1.clone();
            mutate(&mut p);
            let log = feed(&mut r, &p, from, to);
            for w in *want {
                assert!(log.contains(w), "case {i}: want {w:?} in\n{log}");
            }
            assert!(r.ike.ike_sas().is_empty(), "case {i}: no SA from a malformed packet");
        }
        // The genuine message is accepted.
        let log = feed(&mut r, &mm1, from, to);
        assert_eq!(r.ike.ike_sas().len(), 1, "{log}");
    }

    #[test]
    fn transform_id_and_attribute_errors_and_dh_mismatch() {
        let (mut r, mm1, from, to) = setup();
        // The first transform's ID (offset 28+4+8+8+4+1 = 53 is the proposal's protocol; transform ID at 28+4+8+8+4+1).
        let sa_at = 28 + 4 + 8;
        let t_at = sa_at + 8; // first transform payload
        let mut p = mm1.clone();
        p[t_at + 5] = 17;
        let log = feed(&mut r, &p, from, to);
        assert!(log.contains("Invalid Xform ID(17) detected in IKE phase-I 1st message"), "{log}");
        assert!(log.contains("Sending phase-I notify of type INVALID_TRANSFORM_ID"), "{log}");
        let mut p = mm1.clone();
        // First attribute type (encryption, TV) becomes 4099 (0x1003).
        p[t_at + 8..t_at + 10].copy_from_slice(&(0x8000u16 | 4099).to_be_bytes());
        let log = feed(&mut r, &p, from, to);
        assert!(log.contains("Unsupported attribute(4099) detected in IKE phase-I 1st message"), "{log}");
        assert!(log.contains("Sending phase-I notify of type ATTRIBUTES_NOT_SUPPORTED"), "{log}");
        // A DH group 5 router receiving group 2.
        r.ike.set_config(0, EngineConf { peers: vec![peer(*to.ip(), *from.ip(), 5, false)], notes: vec![] });
        let log = feed(&mut r, &mm1, from, to);
        assert!(log.contains("Mismatching DH Group(2) detected, configured is (5) in IKE phase-I 1st message"), "{log}");
        assert!(log.contains("Sending phase-I notify of type NO_PROPOSAL_CHOSEN"), "{log}");
    }
}
