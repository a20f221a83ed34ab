//! The bridge between the router and its engine driver
//! (`edgesh_engine::driver::Driver`): the configuration the engine runs
//! from (each dialect's compiled model), taking it when it is committed,
//! running the timers, and turning the engine's events into each dialect's
//! log and debug lines (the wording lives in `smartedge/events.rs` and
//! `ios/events.rs`). Also the dialect-neutral `debug crypto` switches and
//! the SA keys for tshark.

use crate::session::Router;
use edgesh_engine::config::{EspAuth, EspEncr};
use edgesh_engine::ike::EngineConf;

pub use crate::monitor::DebugFlags;

impl Router {
    /// What the engine runs from: the dialect's running configuration in
    /// the engine model.
    pub fn engine_conf(&mut self) -> EngineConf {
        self.dialect.ops().engine_conf(self)
    }

    /// A log line in the router's dialect (SmartEdge `%IKE-`, IOS `*time: %CRYPTO-`), kept in the log buffer.
    pub fn crypto_log(&mut self, sev: u8, mnemonic: &str, text: &str) -> String {
        self.dialect.ops().crypto_log(self, sev, mnemonic, text)
    }

    /// Give the engine the current configuration (a commit, or IOS changes
    /// when configuration mode is left): it takes it at once.
    pub fn engine_sync(&mut self) {
        let conf = self.engine_conf();
        if &conf == self.ike().conf() {
            return;
        }
        // Tunnels the engine cannot run are said so in the log, once per change.
        // (A set of the old ones: 10,000 entries without an interface are 10,000 notes.)
        let old: std::collections::HashSet<&String> = self.ike().conf().notes.iter().collect();
        let new_notes: Vec<String> = conf.notes.iter().filter(|n| !old.contains(n)).cloned().collect();
        drop(old);
        for n in new_notes {
            let line = self.crypto_log(4, "CONFIG", &format!("{n}: not negotiated"));
            self.push_monitor(line, false);
        }
        self.engine.set_config(conf);
        self.engine_drain();
    }

    /// Run the engine's timers that are due.
    pub fn engine_tick(&mut self) {
        self.engine.handle_timeout();
        self.engine_drain();
    }

    /// Turn engine events into log and debug lines.
    pub fn engine_drain(&mut self) {
        let events = self.engine.drain_events();
        let any = !events.is_empty();
        for e in events {
            let peer = e.peer();
            let now = self.now_ms();
            self.diag.record(now, &e);
            let ops = self.dialect.ops();
            let logs = ops.event_log_at(self, &e);
            for (sev, mn, text) in logs {
                let line = self.crypto_log(sev, mn, &text);
                self.push_monitor(line, false);
            }
            crate::esp_drops::log_drops(self, &e);
            let wanted = self.debug.peers.is_empty() || peer.is_some_and(|p| self.debug.peers.contains(&p));
            if self.debug.any() && wanted {
                let stamp = ops.debug_stamp(self);
                let lines = ops.event_debug_at(self, &e, &self.debug);
                for l in lines {
                    // A message of several lines (IKEv2) is stamped on its first line.
                    let mut parts = l.split('\n');
                    let first = parts.next().unwrap_or_default();
                    self.push_monitor(format!("{stamp}{first}"), true);
                    for p in parts {
                        self.push_monitor(p.to_string(), true);
                    }
                }
            }
        }
        if any {
            let ops = self.dialect.ops();
            for (sev, mn, text) in ops.after_events(self) {
                let line = self.crypto_log(sev, mn, &text);
                self.push_monitor(line, false);
            }
        }
    }
}

/// The session keys of the current SAs, as tshark takes them (also the
/// `| json` state of the keys shows). Privileged: secrets.
#[derive(serde::Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct TsharkKeys {
    /// `uat:ikev1_decryption_table` rows: initiator cookie, encryption key (hex).
    pub ikev1_decryption_table: Vec<Ikev1KeyRow>,
    /// `uat:esp_sa` rows, one per direction of each IPsec SA.
    pub esp_sa: Vec<EspKeyRow>,
}

#[derive(serde::Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Ikev1KeyRow {
    pub initiator_cookie: String,
    pub encryption_key: String,
}

#[derive(serde::Serialize, Debug, Clone, PartialEq, Eq)]
pub struct EspKeyRow {
    pub protocol: &'static str,
    pub source: String,
    pub destination: String,
    pub spi: String,
    pub encryption: &'static str,
    pub encryption_key: String,
    pub authentication: &'static str,
    pub authentication_key: String,
}

/// The SA keys in tshark's terms: `ikev1_decryption_table` rows for IKEv1
/// SAs and `esp_sa` rows for IPsec SAs.
pub fn tshark_keys(r: &Router) -> TsharkKeys {
    use edgesh_engine::ike::crypto::hex;
    let mut k = TsharkKeys::default();
    for s in r.ike().ike_sas() {
        if let Some((ic, key)) = s.tshark_key() {
            k.ikev1_decryption_table.push(Ikev1KeyRow { initiator_cookie: ic, encryption_key: key });
        }
    }
    for c in r.ike().child_sas() {
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
        for (src, dst, spi, keys) in
            [(c.remote.ip(), c.local.ip(), c.spi_in, &c.keys_in), (c.local.ip(), c.remote.ip(), c.spi_out, &c.keys_out)]
        {
            k.esp_sa.push(EspKeyRow {
                protocol: "IPv4",
                source: src.to_string(),
                destination: dst.to_string(),
                spi: format!("0x{spi:08x}"),
                encryption: enc,
                encryption_key: format!("0x{}", hex(&keys.encr)),
                authentication: auth,
                authentication_key: format!("0x{}", hex(&keys.auth)),
            });
        }
    }
    k
}

/// The SA keys as tshark options (`show crypto keys tshark`, `show ike keys tshark`).
pub fn tshark_lines(r: &Router) -> Vec<String> {
    let k = tshark_keys(r);
    let mut v: Vec<String> = k
        .ikev1_decryption_table
        .iter()
        .map(|x| format!("-o 'uat:ikev1_decryption_table:{},{}'", x.initiator_cookie, x.encryption_key))
        .collect();
    for x in &k.esp_sa {
        v.push(format!(
            "-o 'uat:esp_sa:\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\",\"{}\"'",
            x.protocol,
            x.source,
            x.destination,
            x.spi,
            x.encryption,
            x.encryption_key,
            x.authentication,
            x.authentication_key
        ));
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
    use edgesh_engine::ike::conf::{ChildConf, EspProp, IkeProp, PeerConf, Selector};
    use std::net::Ipv4Addr;
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
            proposals: vec![IkeProp {
                name: "p1".into(),
                encr: IkeEncr::TripleDesCbc,
                hash: IkeAuthAlg::HmacSha1_96,
                group,
                auth: AuthMethod::PreSharedKey,
                lifetime: 86400,
                prf: Prf::HmacSha1,
            }],
            children: vec![ChildConf {
                policy: "pol".into(),
                local_ts: Selector::ANY,
                remote_ts: Selector::ANY,
                proposals: vec![EspProp {
                    name: "e".into(),
                    ah: None,
                    esp: Some((EspEncr::TripleDesCbc, Some(EspAuth::HmacSha1_96))),
                    lifetime_seconds: 3600,
                    lifetime_kbytes: None,
                    transport: None,
                }],
                pfs: None,
                replay_window: 64,
                esn: Default::default(),
            }],
            dpd: false,
            auto_start: auto,
            max_tunnels: None,
            dynamic: false,
            pki: None,
            force_encap: false,
        }
    }

    /// A SmartEdge router responding on 192.0.2.2, and a genuine first main mode message from 192.0.2.1.
    fn setup() -> (Router, Vec<u8>, SocketAddrV4, SocketAddrV4) {
        let (a, b) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2));
        let mut r = Router::new(Config::new("r2"), Clock::Virtual(1_795_358_264), 1, std::env::temp_dir());
        r.engine.set_config(EngineConf { peers: vec![peer(b, a, 2, false)], notes: vec![], ..Default::default() });
        let mut i = Endpoint::new(7);
        i.set_config(0, EngineConf { peers: vec![peer(a, b, 2, true)], notes: vec![], ..Default::default() });
        let t = i.poll_transmit().expect("MM1");
        (r, t.data, t.src, t.dst)
    }

    fn feed(r: &mut Router, pkt: &[u8], from: SocketAddrV4, to: SocketAddrV4) -> String {
        r.log.clear();
        r.engine.handle_datagram(to, from, pkt);
        r.engine_drain();
        r.log.iter().map(|l| l.split_once(": %").map(|x| x.1).unwrap_or(l).to_string()).collect::<Vec<_>>().join("\n")
    }

    /// Table 6 of the SmartEdge guide: each rejected IKEv2 packet is logged
    /// with the table's exact text (payloads in an IKE_SA_INIT request).
    #[test]
    fn table6_rejected_ikev2_packets() {
        use edgesh_engine::ike::v2::wire::{Builder, Header, payload as pl};
        let (mut r, _, from, to) = setup();
        let hdr = Header {
            spi_i: [1; 8],
            spi_r: [0; 8],
            next: 0,
            major: 2,
            minor: 0,
            exchange: 34,
            flags: 0x08,
            msgid: 0,
            length: 0,
        };
        let msg = |b: Builder| b.message(hdr);
        // A message whose first payload is `kind` with the critical bit set.
        let critical = |kind: u8| {
            let mut m = Builder::new().message(hdr);
            m[16] = kind;
            m.extend_from_slice(&[0, 0x80, 0, 8, 1, 2, 3, 4]);
            let n = m.len() as u32;
            m[24..28].copy_from_slice(&n.to_be_bytes());
            m
        };
        let mut ts = vec![1, 0, 0, 0, 5, 0, 0, 16];
        ts.extend_from_slice(&[0; 12]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (critical(6), "UNSUPPORTED PAYLOAD TYPE: 06, Critical Bit set"),
            (critical(pl::VID), "VENDOR ID PAYLOAD:Critical Bit Set"),
            (msg(Builder::new().raw(pl::TSI, vec![0, 0, 0, 0])), "ZERO_TRAFFIC_SELECTORS in TRAFFIC_SELECTOR_PAYLOAD"),
            (msg(Builder::new().raw(pl::TSR, ts)), "INVALID_TRAFFIC_SELECTOR_TYPE:5"),
            (
                msg(Builder::new().raw(pl::DELETE, vec![1, 4, 0, 1, 0, 0, 0, 0])),
                "DELETE_PAYLOAD:FOR IKE SA SPI SIZE IS NONZERO",
            ),
            (msg(Builder::new().raw(pl::DELETE, vec![15, 4, 0, 0])), "DELETE_PAYLOAD:INVALID_PROTOCOL_ID:15"),
            (msg(Builder::new().raw(pl::NOTIFY, vec![5, 0, 0, 1])), "NOTIFY PAYLOAD:INVALID_NOTIFY_PROTOCOL_ID:5"),
            (msg(Builder::new().raw(pl::NOTIFY, vec![1, 4, 0, 1])), "NOTIFY PAYLOAD:FOR IKE SA SPI SIZE IS NONZERO"),
            (msg(Builder::new().raw(pl::NOTIFY, vec![0, 0])), "NOTIFY PAYLOAD:INCOMPLETE_DATA_RECEIVED:2 bytes"),
            (msg(Builder::new().raw(pl::IDI, vec![99, 0, 0, 0, 1])), "INVALID_ID_TYPE_ERROR:99"),
            (msg(Builder::new().raw(pl::IDI, vec![1, 0])), "ID PAYLOAD:Incomplete data received:2 bytes"),
            (msg(Builder::new().raw(pl::AUTH, vec![0x0c, 0, 0, 0, 1])), "AUTH_PAYLOAD:Invalid AuthMethod Type:C"),
            (msg(Builder::new().raw(pl::AUTH, vec![2])), "AUTH_PAYLOAD:Incomplete data received:1"),
            (msg(Builder::new().raw(pl::KE, vec![0, 14])), "KEY EXCHANGE PAYLOAD:Incomplete data received:2 bytes"),
            (
                msg(Builder::new().raw(pl::NONCE, vec![7; 296])),
                "MAX_NONCE_PAYLOAD_LENGTH_ERROR:300,Maximum Nonce Payload size: 256+4",
            ),
            (msg(Builder::new().raw(pl::NONCE, vec![7; 8])), "NONCE PAYLOAD:INCOMPLETE_DATA_RECEIVED:8 bytes"),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 16, 5, 4, 0, 1, 0, 0, 0, 8, 1, 0, 0, 12])),
                "INVALID_PROTOCOL_ID 4 in PROPOSAL_5,",
            ),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 11, 6, 3, 3, 1, 1, 2, 3])),
                "INVALID_SPI_SIZE 0x3 in PROPOSAL_6",
            ),
            (msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 8, 6, 1, 0, 0])), "ZERO_TRANSFORM received in PROPOSAL_6"),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 4, 0, 1, 1, 0, 1, 0, 0, 0, 8, 1, 0, 0, 12])),
                "PROPOSAL_PAYLOAD_LENGTH_ERROR : 1024, received bytes:16,",
            ),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 12, 1, 1, 0, 1, 0, 0, 0, 8])),
                "INCOMPLETE_XFORM_PAYLOAD received :4",
            ),
            (
                msg(Builder::new()
                    .raw(pl::SA, vec![0, 0, 0, 20, 5, 1, 0, 1, 0, 0, 0, 12, 1, 0, 0, 12, 0x80, 12, 0, 128])),
                "INVALID_XFORM_ATTRIB_TYPE:12 Prop Num:5",
            ),
            (
                msg(Builder::new().raw(pl::SK, vec![0; 20]).raw(pl::NONCE, vec![7; 16])),
                "ENCRYPTED PAYLOAD:Encrypted payload MUST not be nested",
            ),
        ];
        // A payload whose generic header claims `len` octets where the message holds 12 (4 + 8).
        let long = |kind: u8, len: u16| {
            let mut m = msg(Builder::new().raw(kind, vec![0; 8]));
            m[30..32].copy_from_slice(&len.to_be_bytes());
            m
        };
        let mut cases = cases;
        cases.extend([
            (long(pl::AUTH, 1024), "AUTH_PAYLOAD_LENGTH_ERROR :1024 bytes,received 12 bytes"),
            (long(pl::CERT, 200), "CERT_PAYLOAD_LENGTH_ERROR:200bytes,received 12 bytes"),
            (long(pl::CERTREQ, 200), "CERT_REQ_PAYLOAD_LENGTH_ERROR:200bytes,received 12 bytes"),
            (long(pl::DELETE, 1024), "DELETE_PAYLOAD_LENGTH_ERROR:1024 received 12 bytes"),
            (long(pl::EAP, 512), "EAP_PAYLOAD_LENGTH_ERROR:Invalid payload length:512 bytes"),
            (long(pl::IDI, 1024), "ID_PAYLOAD_LENGTH_ERROR: usPayloadLen 1024 bytes, ulMsgLen 12 bytes:"),
            (long(pl::KE, 200), "KEY_EXCHANGE_PAYLOAD_LENGTH_ERROR:200 bytes, received:12 bytes"),
            (long(pl::NOTIFY, 1024), "NOTIFY_PAYLOAD_LENGTH_ERROR:1024, received 12 bytes:"),
            (long(pl::SA, 1024), "SA_PAYLOAD_LENGTH_ERROR:1024, received 12 bytes"),
            (long(pl::VID, 512), "VENDOR_ID_PAYLOAD_LENGTH_ERROR:512 bytes"),
            (long(pl::CP, 2048), "DEFAULT_PAYLOAD:Invalid Length received:2048 bytes"),
            (long(pl::AUTH, 2), "IKEV2_GENERIC_HEADER_LENGTH_ERROR:2"),
            (msg(Builder::new().raw(pl::CERT, vec![])), "CERT_PAYLOAD:Incomplete data received:0 bytes"),
            (msg(Builder::new().raw(pl::CP, vec![1, 0])), "CP_PAYLOAD:Incomplete data received:2 bytes"),
            (msg(Builder::new().raw(pl::EAP, vec![1, 7, 0])), "EAP PAYLOAD:Incomplete data received:3 bytes"),
            // The seed's encoding 22 (none RFC 7296 defines), before a DER certificate's first octets.
            (
                msg(Builder::new().raw(pl::CERT, vec![22, 0x30, 0x82, 0x01, 0x0a])),
                "INVALID_CERT_ENCODING_TYPE_ERROR 22 in CERT payload",
            ),
            (msg(Builder::new().raw(pl::SA, vec![0, 0, 0])), "SA PAYLOAD:Incomplete data received:3 bytes"),
            (
                msg(Builder::new().raw(pl::TSI, vec![1, 0, 0, 0, 7, 0, 0, 16])),
                "Ikev2TSNtoH:INCOMPLETE_TRAFFIC_SELECTOR received:4 bytes",
            ),
            (
                msg(Builder::new()
                    .raw(pl::TSI, vec![1, 0, 0, 0, 7, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
                "INVALID_TRAFFIC_SELECTOR_LENGTH:20",
            ),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 16, 1, 1, 0, 1, 0, 0, 0, 99, 1, 0, 0, 12])),
                "XFORM_PAYLOAD_LENGTH_ERROR :99 received bytes;8",
            ),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 20, 1, 1, 0, 1, 0, 0, 0, 12, 1, 0, 0, 12, 0, 14, 0, 0])),
                "XFORM_ATTRIB_AF_Bit Set",
            ),
            (
                msg(Builder::new().raw(pl::SA, vec![0, 0, 0, 20, 1, 1, 0, 1, 0, 0, 0, 12, 1, 0, 0, 12, 0, 14, 0, 50])),
                "XFORM_ATTRIB_LENGTH_ERROR :54 bytes of Attribute Received:4",
            ),
        ]);
        for (i, (m, want)) in cases.iter().enumerate() {
            // A fresh router every case: the log keeps at most 20 lines of a kind per source.
            let (mut r, _, _, _) = setup();
            let log = feed(&mut r, m, from, to);
            assert!(log.contains(want), "case {i}: want {want:?} in\n{log}");
        }
        // The header rows.
        let mut m = msg(Builder::new().raw(pl::NONCE, vec![7; 16]));
        m[0..8].copy_from_slice(&[0; 8]);
        assert!(feed(&mut r, &m, from, to).contains("IKEV2 HEADER:Zero Init SPI received"));
        let mut m = msg(Builder::new().raw(pl::NONCE, vec![7; 16]));
        m[24..28].copy_from_slice(&110u32.to_be_bytes());
        let n = m.len();
        assert!(
            feed(&mut r, &m, from, to)
                .contains(&format!("IKEV2_TOTAL_LENGTH_RCVD_ERROR:{n} bytes IKE_HDR_TOTAL_LENGTH:110"))
        );
        let mut m = msg(Builder::new().raw(pl::NONCE, vec![7; 16]));
        m[16] = 200;
        m[17] = 0x20;
        // An unknown payload type without the critical bit is skipped (RFC 7296 2.5), not refused.
        let l = feed(&mut r, &m, from, to);
        assert!(!l.is_empty() && !l.contains("INVALID_NEXT_PAYLOAD"), "{l}");
        // A datagram too short for the header (IKEv2 by its version and exchange octets).
        let (mut r, _, _, _) = setup();
        let m = msg(Builder::new().raw(pl::NONCE, vec![7; 16]));
        assert!(feed(&mut r, &m[..20], from, to).contains("IKEV2 HEADER:Incomplete data received:20 bytes"));
    }

    /// Table 5 of the SmartEdge guide: each malformed first message is detected,
    /// logged with the table's text, and answered with the table's notify.
    #[test]
    fn table5_malformed_first_messages() {
        let (mut r, mm1, from, to) = setup();
        // Offsets: header 28; SA body: DOI 32, situation 36, proposal 40, transform 52.
        let cases: Vec<(Box<dyn Fn(&mut Vec<u8>)>, &[&str])> = vec![
            (
                Box::new(|p| p[17] = 0x20),
                &[
                    "Invalid Major Version (0x20) detected in IKE message",
                    "Sending phase-I notify of type INVALID_MAJOR_VERSION",
                ],
            ),
            (
                Box::new(|p| p[17] = 0x12),
                &[
                    "Invalid Minor Version (0x2) detected in IKE message",
                    "Sending phase-I notify of type INVALID_MINOR_VERSION",
                ],
            ),
            (
                Box::new(|p| p[19] = 0xf0),
                &["Invalid Flags(0xf0) detected in IKE message", "Sending phase-I notify of type INVALID_FLAGS"],
            ),
            (
                Box::new(|p| p[16] = 0x99),
                &[
                    "Invalid Next Payload type(0x99) detected in IKE message",
                    "Sending phase-I notify of type INVALID_PAYLOAD_TYPE",
                ],
            ),
            (
                Box::new(|p| p[20..24].copy_from_slice(&0x100100u32.to_be_bytes())),
                &[
                    "Invalid Message ID(0x100100) detected in IKE phase-I message",
                    "Sending phase-I notify of type INVALID_MESSAGE_ID",
                ],
            ),
            (
                Box::new(|p| p[32..36].copy_from_slice(&0x4001u32.to_be_bytes())),
                &[
                    "Invalid DOI (0x4001) detected in IKE phase-I 1st message",
                    "Sending phase-I notify of type DOI_NOT_SUPPORTED",
                ],
            ),
            (
                Box::new(|p| p[36..40].copy_from_slice(&0x4001u32.to_be_bytes())),
                &["Situation (0x4001) is not supported", "Sending phase-I notify of type INVALID_NOTIFY_TYPE"],
            ),
            (Box::new(|p| p[0..8].copy_from_slice(&[0; 8])), &["Invalid Initiator Cookie detected in IKE message."]),
            (Box::new(|p| p[18] = 0x20), &["Invalid Xchange Type (0x20) detected for non-existing IKE SA."]),
            (
                Box::new(|p| p[45] = 0xff),
                &["Invalid Protocol ID(0xff) detected.", "Sending phase-I notify of type INVALID_PROTOCOL_ID"],
            ),
            (
                Box::new(|p| p[29] = 0x11),
                &[
                    "Invalid Reserved field (0x11) detected in IKE phase-1 1st message",
                    "Sending phase-I notify of type PAYLOAD_MALFORMED",
                ],
            ),
            (Box::new(|p| p[26..28].copy_from_slice(&500u16.to_be_bytes())), &["is greater than the supported length"]),
        ];
        for (i, (mutate, want)) in cases.iter().enumerate() {
            let mut p = mm1.clone();
            mutate(&mut p);
            let log = feed(&mut r, &p, from, to);
            for w in *want {
                assert!(log.contains(w), "case {i}: want {w:?} in\n{log}");
            }
            assert!(r.ike().ike_sas().is_empty(), "case {i}: no SA from a malformed packet");
        }
        // The genuine message is accepted.
        let log = feed(&mut r, &mm1, from, to);
        assert_eq!(r.ike().ike_sas().len(), 1, "{log}");
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
        r.engine.set_config(EngineConf {
            peers: vec![peer(*to.ip(), *from.ip(), 5, false)],
            notes: vec![],
            ..Default::default()
        });
        let log = feed(&mut r, &mm1, from, to);
        assert!(
            log.contains("Mismatching DH Group(2) detected, configured is (5) in IKE phase-I 1st message"),
            "{log}"
        );
        assert!(log.contains("Sending phase-I notify of type NO_PROPOSAL_CHOSEN"), "{log}");
    }

    /// Datagrams back and forth between the router and another box until both are quiet;
    /// the router's log lines (SmartEdge wording, without the time stamp and `%IKE-N-X: `).
    fn pump(r: &mut Router, i: &mut Endpoint) -> String {
        r.log.clear();
        for _ in 0..40 {
            let mut moved = false;
            while let Some(t) = i.poll_transmit() {
                r.engine.handle_datagram(t.dst, t.src, &t.data);
                moved = true;
            }
            while let Some(t) = r.engine.poll_transmit() {
                i.handle(0, t.dst, t.src, &t.data);
                moved = true;
            }
            if !moved {
                break;
            }
        }
        r.engine_drain();
        r.log.iter().map(|l| l.split_once(": %").map(|x| x.1).unwrap_or(l).to_string()).collect::<Vec<_>>().join("\n")
    }

    /// Table 5 of the SmartEdge guide ("Log Messages Resulting from Rejected IKEv1
    /// Packets"), every row edgesh emits, each fed the packet (or the peer) the row
    /// describes and rendered through the SmartEdge dialect. Rows 7, 8 and 10
    /// (certificates) are not here; docs/seed-messages.md lists every row.
    #[test]
    fn table5_rejected_ikev1_packets_every_row() {
        let (a, b) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2));
        // Router `r` (responder on b unless `r_starts`) against box `i` on a; each edits its side.
        let pair = |edit_r: &dyn Fn(&mut PeerConf),
                    edit_i: &dyn Fn(&mut PeerConf),
                    r_starts: bool|
         -> (Router, Endpoint, String) {
            let mut r = Router::new(Config::new("r2"), Clock::Virtual(1_795_358_264), 1, std::env::temp_dir());
            let mut rc = peer(b, a, 2, r_starts);
            edit_r(&mut rc);
            let mut ic = peer(a, b, 2, !r_starts);
            edit_i(&mut ic);
            let mut i = Endpoint::new(7);
            i.set_config(0, EngineConf { peers: vec![ic], notes: vec![], ..Default::default() });
            r.engine.set_config(EngineConf { peers: vec![rc], notes: vec![], ..Default::default() });
            let log = pump(&mut r, &mut i);
            (r, i, log)
        };
        let none = |_: &mut PeerConf| {};
        let want = |row: u32, log: &str, lines: &[&str]| {
            for w in lines {
                assert!(log.contains(w), "Table 5 row {row}: want {w:?} in\n{log}");
            }
        };
        // Row 1: mismatched pre-shared key.
        let (_, _, log) = pair(&none, &|c| c.psk = Some(b"other".to_vec()), false);
        want(
            1,
            &log,
            &[
                "is greater than the supported length(",
                "Possibly Mismatching Keys detected in IKE phase-I ",
                "Sending phase-I notify of type UNEQUAL_PAYLOAD_LENGTHS",
            ],
        );
        // Row 2: mismatched DH group (phase 1).
        let (_, _, log) = pair(&|c| c.proposals[0].group = 5, &none, false);
        want(2, &log, &["Mismatching DH Group(2) detected, configured is (5) in IKE phase-I 1st message"]);
        // Row 3: mismatched exchange type, as responder and as initiator.
        let (_, _, log) = pair(&|c| c.mode = ExchangeMode::Aggressive, &none, false);
        want(
            3,
            &log,
            &[
                "Mismatching Xchange Type (MAIN_MODE) detected, configured is (AGGRESSIVE_MODE) in IKE phase-I 1st message",
            ],
        );
        let (_, _, log) = pair(&none, &|c| c.mode = ExchangeMode::Aggressive, true);
        want(3, &log, &["received unprotected message of notify type UNSUPPORTED_EXCHANGE_TYPE"]);
        // Row 4: authentication (hash) algorithm.
        let (_, _, log) = pair(&none, &|c| c.proposals[0].hash = IkeAuthAlg::HmacMd5_96, false);
        want(
            4,
            &log,
            &[
                "Mismatching Authentication algorithm (IKE_MD5) detected, configured is (IKE_SHA) in IKE phase-I 1st message.",
            ],
        );
        // Row 5: encryption algorithm.
        let (_, _, log) =
            pair(&|c| c.proposals[0].encr = IkeEncr::TripleDesCbc, &|c| c.proposals[0].encr = IkeEncr::DesCbc, false);
        want(
            5,
            &log,
            &[
                "Mismatching Encryption algorithm (DES_CBC) detected, configured is (TRIPLE_DES_CBC) in IKE phase-I 1st message.",
            ],
        );
        // Row 6: authentication method (the seed's "PRE_SHARE DKEY" is PRE_SHARED_KEY mangled by conversion).
        let (_, _, log) = pair(&|c| c.proposals[0].auth = AuthMethod::RsaSignature, &none, false);
        want(
            6,
            &log,
            &[
                "Mismatching Authentication method (PRE_SHARED_KEY) detected, configured is (RSA_SIGN) in phase-I message agent=IKE.",
            ],
        );
        // Row 9: ID data with a pre-shared key.
        let (_, _, log) = pair(
            &|c| c.remote_id = Identity::Fqdn("peer.example".into()),
            &|c| c.local_id = Identity::Fqdn("dkoop.com".into()),
            false,
        );
        want(9, &log, &["Mismatching ID type (ID_FQDN) and ID: dkoop.com with the configured IKE policy"]);
        // Row 11: the peer refuses our IDs (quick mode proxy IDs it has no policy for: a protected notify).
        let host = |ip: Ipv4Addr| Selector { net: Prefix4 { addr: ip, len: 32 }, proto: 1, port: 0 };
        let (_, _, log) = pair(
            &|c| c.children[0].local_ts = host(Ipv4Addr::new(172, 16, 5, 99)),
            &|c| c.children[0].remote_ts = host(Ipv4Addr::new(172, 16, 5, 72)),
            true,
        );
        want(11, &log, &["received NOTIFY PAYLOAD of notify type INVALID_ID_INFORMATION."]);
        // Rows 12-28: a malformed first main mode message.
        // Offsets: header 28; SA payload at 28 (length 30..32), DOI 32, situation 36, proposal 40, transform 48.
        let t_at = 28 + 4 + 8 + 8;
        let cases: Vec<(u32, Box<dyn Fn(&mut Vec<u8>)>, &[&str])> = vec![
            (
                12,
                Box::new(|p| p[16] = 0x99),
                &[
                    "Invalid Next Payload type(0x99) detected in IKE message",
                    "Sending phase-I notify of type INVALID_PAYLOAD_TYPE",
                ],
            ),
            (
                13,
                Box::new(|p| p[32..36].copy_from_slice(&0x4001u32.to_be_bytes())),
                &[
                    "Invalid DOI (0x4001) detected in IKE phase-I 1st message",
                    "Sending phase-I notify of type DOI_NOT_SUPPORTED",
                ],
            ),
            (
                14,
                Box::new(|p| p[36..40].copy_from_slice(&0x4001u32.to_be_bytes())),
                &["Situation (0x4001) is not supported", "Sending phase-I notify of type INVALID_NOTIFY_TYPE"],
            ),
            (
                15,
                Box::new(|p| p[0..8].copy_from_slice(&[0; 8])),
                &["Invalid Initiator Cookie detected in IKE message."],
            ),
            (
                16,
                Box::new(|p| p[17] = 0x20),
                &[
                    "Invalid Major Version (0x20) detected in IKE message",
                    "Sending phase-I notify of type INVALID_MAJOR_VERSION",
                ],
            ),
            (
                17,
                Box::new(|p| p[17] = 0x12),
                &[
                    "Invalid Minor Version (0x2) detected in IKE message",
                    "Sending phase-I notify of type INVALID_MINOR_VERSION",
                ],
            ),
            (18, Box::new(|p| p[18] = 0x20), &["Invalid Xchange Type (0x20) detected for non-existing IKE SA."]),
            (
                19,
                Box::new(|p| p[19] = 0xf0),
                &["Invalid Flags(0xf0) detected in IKE message", "Sending phase-I notify of type INVALID_FLAGS"],
            ),
            (
                20,
                Box::new(|p| p[20..24].copy_from_slice(&0x100100u32.to_be_bytes())),
                &[
                    "Invalid Message ID(0x100100) detected in IKE phase-I message",
                    "Sending phase-I notify of type INVALID_MESSAGE_ID",
                ],
            ),
            (21, Box::new(|p| p[45] = 0xff), &["Invalid Protocol ID(0xff) detected."]),
            (
                22,
                Box::new(move |p| p[t_at + 5] = 17),
                &[
                    "Invalid Xform ID(17) detected in IKE phase-I 1st message",
                    "Sending phase-I notify of type INVALID_TRANSFORM_ID",
                ],
            ),
            (
                23,
                Box::new(move |p| p[t_at + 8..t_at + 10].copy_from_slice(&(0x8000u16 | 4099).to_be_bytes())),
                &[
                    "Unsupported attribute(4099) detected in IKE phase-I 1st message",
                    "Sending phase-I notify of type ATTRIBUTES_NOT_SUPPORTED",
                ],
            ),
            (
                25,
                Box::new(move |p| p[t_at + 6..t_at + 8].copy_from_slice(&0x11u16.to_be_bytes())),
                &["Invalid Reserved field value(0x11) detected", "Sending phase-I notify of type BAD_PROPOSAL_SYNTAX"],
            ),
            (
                26,
                Box::new(|p| p[29] = 0x11),
                &[
                    "Invalid Reserved field (0x11) detected in IKE phase-1 1st message",
                    "Sending phase-I notify of type PAYLOAD_MALFORMED",
                ],
            ),
            (27, Box::new(|p| p[18] = 1), &["Unsupported XchgType detected."]),
            (
                28,
                Box::new(|p| {
                    // The proposal payload's length (42..44) says 12 bytes more than the SA payload holds.
                    let l = u16::from_be_bytes([p[42], p[43]]) + 12;
                    p[42..44].copy_from_slice(&l.to_be_bytes());
                }),
                &[
                    "is greater than SA + Proposal + Xform + Attributes size(",
                    "Sending phase-I notify of type UNEQUAL_PAYLOAD_LENGTH",
                ],
            ),
        ];
        for (row, mutate, lines) in &cases {
            let (mut r, mm1, from, to) = setup();
            let mut p = mm1.clone();
            mutate(&mut p);
            let log = feed(&mut r, &p, from, to);
            want(*row, &log, lines);
            assert!(r.ike().ike_sas().is_empty(), "row {row}: no SA from a malformed packet");
        }
        // Row 28's notify is the singular spelling; row 1's (within an SA) the plural.
        let (mut r, mut p, from, to) = setup();
        let l = u16::from_be_bytes([p[42], p[43]]) + 12;
        p[42..44].copy_from_slice(&l.to_be_bytes());
        assert!(!feed(&mut r, &p, from, to).contains("UNEQUAL_PAYLOAD_LENGTHS"));
        // Row 24: a mismatching proposal (3DES offered, DES configured).
        let (_, _, log) = pair(&|c| c.proposals[0].encr = IkeEncr::DesCbc, &none, false);
        want(
            24,
            &log,
            &[
                "Mismatching Encryption algorithm (TRIPLE_DES_CBC) detected, configured is (DES_CBC) in IKE phase-I 1st message",
                "Sending phase-I notify of type NO_PROPOSAL_CHOSEN",
            ],
        );
        // Rows 29-31, 35: phase II proposal mismatches.
        let (_, _, log) = pair(&|c| c.children[0].pfs = Some(5), &|c| c.children[0].pfs = Some(2), false);
        want(29, &log, &["Mismatching DH Group(2) detected, configured is(5) in IKE phase-II 1st message."]);
        let (_, _, log) = pair(
            &none,
            &|c| c.children[0].proposals[0].esp = Some((EspEncr::TripleDesCbc, Some(EspAuth::HmacMd5_96))),
            false,
        );
        want(
            30,
            &log,
            &[
                "Mismatching Authentication algorithm (MD5) detected, configured is (SHA1), in IKE phase-II 1st message .",
            ],
        );
        let (_, _, log) = pair(
            &|c| c.children[0].proposals[0].esp = Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))),
            &|c| c.children[0].proposals[0].esp = Some((EspEncr::DesCbc, Some(EspAuth::HmacSha1_96))),
            false,
        );
        want(
            31,
            &log,
            &["Mismatching Encryption algorithm (ESP_DES) detected, configured is (ESP_AES) in IKE phase-II message."],
        );
        let (_, _, log) = pair(
            &none,
            &|c| {
                c.children[0].proposals[0].esp = None;
                c.children[0].proposals[0].ah = Some(EspAuth::HmacSha1_96);
            },
            false,
        );
        want(
            35,
            &log,
            &[
                "Mismatching number of AH protocols received(1), configured number of AH protocols: 0 in IKE phase-II 1st message",
            ],
        );
        // Rows 32, 33: selectors sent (router initiates) and received (router responds).
        let (_, _, log) = pair(
            &|c| {
                c.children[0].local_ts = host(Ipv4Addr::new(172, 16, 5, 153));
                c.children[0].remote_ts = host(Ipv4Addr::new(172, 16, 5, 72));
            },
            &|c| {
                c.children[0].local_ts = host(Ipv4Addr::new(172, 16, 5, 72));
                c.children[0].remote_ts = host(Ipv4Addr::new(172, 16, 5, 153));
            },
            true,
        );
        want(
            32,
            &log,
            &[
                "Initiator SPD selectors sent: IPADDR, 172.16.5.153, proto 1, port 0",
                "Responder SPD selectors sent: IPADDR, 172.16.5.72, proto 1, port 0",
            ],
        );
        let (_, _, log) = pair(
            &|c| {
                c.children[0].local_ts = host(Ipv4Addr::new(172, 16, 5, 153));
                c.children[0].remote_ts = host(Ipv4Addr::new(172, 16, 5, 72));
            },
            &|c| {
                c.children[0].local_ts = host(Ipv4Addr::new(172, 16, 5, 72));
                c.children[0].remote_ts = host(Ipv4Addr::new(172, 16, 5, 153));
            },
            false,
        );
        want(
            33,
            &log,
            &[
                "Initiator SPD selectors received: IPADDR, 172.16.5.72, proto 1, port 0",
                "Responder SPD selectors received: IPADDR, 172.16.5.153, proto 1, port 0",
            ],
        );
        // Row 34: selectors that match no policy.
        let (_, _, log) = pair(
            &|c| c.children[0].remote_ts = host(Ipv4Addr::new(172, 16, 5, 72)),
            &|c| c.children[0].local_ts = host(Ipv4Addr::new(172, 16, 5, 99)),
            false,
        );
        want(34, &log, &["No matching SPD policy for the selectors received in IKE phase-II message."]);
        // Rows 36, 37: the responder shortens the lifetime (seconds, kilobytes).
        let (_, _, log) = pair(
            &none,
            &|c| {
                c.children[0].proposals[0].lifetime_seconds = 300;
                c.children[0].proposals[0].lifetime_kbytes = Some(5);
            },
            true,
        );
        want(
            36,
            &log,
            &[
                "Notify payload of notify type RESPONDER_LIFETIME with protocol ESP or AH received",
                "Received Notify Type RESPOND_NOTIFY with 300 seconds",
            ],
        );
        want(37, &log, &["Received Notify Type RESPOND_NOTIFY with 5 Kilo Bytes"]);
        // Row 38: the peer deletes the IPsec SA.
        let (mut r, mut i, log) = pair(&none, &none, false);
        assert!(log.contains("IPsec SAs established"), "{log}");
        assert!(i.clear_ipsec(0, None, None) > 0);
        let log = pump(&mut r, &mut i);
        want(38, &log, &["Received DELETE PAYLOAD of protocol ESP detected with SPI : 0x"]);
    }
}
