//! `show vpn-sessiondb [detail] l2l`: one LAN-to-LAN session per
//! established IKE SA (IKEv1 and IKEv2), named by the tunnel-group that
//! answered it (`Connection`), built once as typed state (`L2lSession`)
//! that the text layouts and `| json` (`json.rs`) both read.
//!
//! Layouts: IKEv1 as the ASA 8.x/9.x captures the dialect started from;
//! IKEv2 as the ASA 9.x capture of the corpus
//! (`../shared/corpus/outputs/asa/show_vpn-sessiondb_detail_l2l/*l2l4.raw`:
//! `Protocol : IKEv2 IPsec`, `IKEv2 Tunnels: 1`, `IKEv2:` / `IPsec:` blocks
//! with `Tunnel ID : N.1`, `Rem Auth Mode`, `PRF`, `Rekey Int (D)`, `Idle
//! Time Out`). ntc-templates' `cisco_asa_show_vpn-sessiondb_detail_l2l`
//! reads both (`shell/tests/asa_corpus.rs`).
//!
//! `show vpn-sessiondb` (the summary) counts the sessions and tunnels up
//! now, and, from the engine's events as they come ([`tally`]), how many
//! have come up since the start and the most up at once; its layout is the
//! corpus's two captures' (`show_vpn-sessiondb/`), and ntc-templates'
//! template reads it (`lab_vpn_sessiondb_summary_parses_with_ntc_templates`).

use super::words::{asa_time, esp_hash_word, esp_word, ike_encr_word, ike_hash_word};
use crate::out::Out;
use crate::session::Router;
use edgesh_engine::config::{ExchangeMode, Prf};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::endpoint::ChildSa;
use serde::Serialize;
use std::net::Ipv4Addr;

/// The IKE side of a session.
#[derive(Serialize, Clone, Debug)]
pub struct IkeTunnel {
    pub session_id: u32,
    pub udp_src_port: u16,
    pub udp_dst_port: u16,
    /// IKEv1: `Main` or `Aggressive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiation_mode: Option<&'static str>,
    pub auth_mode: &'static str,
    pub encryption: String,
    pub hashing: String,
    /// IKEv2: the PRF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prf: Option<String>,
    pub dh_group: u16,
    pub rekey_interval_seconds: u32,
    pub rekey_left_seconds: u64,
}

/// One IPsec SA pair of a session.
#[derive(Serialize, Clone, Debug)]
pub struct IpsecTunnel {
    pub session_id: u32,
    pub local_network: Ipv4Addr,
    pub local_mask: Ipv4Addr,
    pub local_protocol: u8,
    pub local_port: u16,
    pub remote_network: Ipv4Addr,
    pub remote_mask: Ipv4Addr,
    pub remote_protocol: u8,
    pub remote_port: u16,
    pub encryption: &'static str,
    pub hashing: &'static str,
    pub encapsulation: &'static str,
    pub nat_t: bool,
    pub pfs_group: Option<u16>,
    pub rekey_interval_seconds: u32,
    pub rekey_left_seconds: u64,
    pub rekey_interval_kbytes: Option<u64>,
    pub rekey_left_kbytes: Option<u64>,
    pub bytes_tx: u64,
    pub bytes_rx: u64,
    pub packets_tx: u64,
    pub packets_rx: u64,
}

/// One LAN-to-LAN session.
#[derive(Serialize, Clone, Debug)]
pub struct L2lSession {
    /// The tunnel-group that answered (the peer's address, `DefaultL2LGroup`, or the identity it is named by).
    pub connection: String,
    pub index: usize,
    pub ip_address: Ipv4Addr,
    pub ike_version: u8,
    pub bytes_tx: u64,
    pub bytes_rx: u64,
    /// Seconds since the epoch (the router's clock).
    pub login_time: u64,
    pub duration_seconds: u64,
    pub ike: IkeTunnel,
    pub ipsec: Vec<IpsecTunnel>,
}

impl L2lSession {
    /// `IPsec` or, when the ESP is carried in UDP (NAT-T), `IPsecOverNatT`.
    fn ipsec_word(&self) -> &'static str {
        if self.ipsec.iter().any(|c| c.nat_t) { "IPsecOverNatT" } else { "IPsec" }
    }
}

fn ipsec_of(c: &ChildSa, now: u64, id: u32) -> IpsecTunnel {
    let sel = |t: &Selector| (t.net.network(), t.mask(), t.proto, t.port);
    let (ln, lm, lp, lpo) = sel(&c.local_ts);
    let (rn, rm, rp, rpo) = sel(&c.remote_ts);
    IpsecTunnel {
        session_id: id,
        local_network: ln,
        local_mask: lm,
        local_protocol: lp,
        local_port: lpo,
        remote_network: rn,
        remote_mask: rm,
        remote_protocol: rp,
        remote_port: rpo,
        encryption: esp_word(c.esp.map(|e| e.0)),
        hashing: esp_hash_word(c.esp.and_then(|e| e.1)),
        encapsulation: "Tunnel",
        nat_t: c.encap,
        pfs_group: c.pfs,
        rekey_interval_seconds: c.lifetime_seconds,
        rekey_left_seconds: c.remaining_seconds(now),
        rekey_interval_kbytes: c.lifetime_kbytes,
        rekey_left_kbytes: c.remaining_kbytes(),
        bytes_tx: c.bytes_out,
        bytes_rx: c.bytes_in,
        packets_tx: c.packets_out,
        packets_rx: c.packets_in,
    }
}

/// The bytes (in, out) of a session's IPsec SAs up now.
fn live(kids: &[&ChildSa]) -> (u64, u64) {
    (kids.iter().map(|c| c.bytes_in).sum(), kids.iter().map(|c| c.bytes_out).sum())
}

/// The sessions: IKEv1 then IKEv2, each with its IPsec SAs. A session's
/// bytes are all its IPsec SAs carried since it came up (the engine's
/// record of the IKE SA, gone pairs included, as `113019` reports them);
/// each IPsec block's are its own pair's.
pub fn sessions(r: &Router) -> Vec<L2lSession> {
    use edgesh_engine::ike::crypto::{CipherAlg, HashAlg};
    use edgesh_engine::ike::v2::keys::Encr;
    let now = r.now_ms();
    let model = r.asa.model.clone();
    let group = |tunnel: &str, peer: Ipv4Addr| {
        model.tunnels.get(tunnel).and_then(|t| t.description.clone()).unwrap_or_else(|| peer.to_string())
    };
    let mut out = Vec::new();
    let ike = r.ike();
    for s in ike.ike_sas().iter().filter(|s| s.is_established()) {
        let peer = *s.remote.ip();
        let kids: Vec<&ChildSa> = ike.child_sas().iter().filter(|c| c.ike == s.conn).collect();
        let since = s.established.unwrap_or(s.created);
        let p = s.chosen.as_ref();
        let (rx, tx) = ike.carried(s.conn).unwrap_or_else(|| live(&kids));
        out.push(L2lSession {
            connection: group(&s.tunnel, peer),
            index: out.len() + 1,
            ip_address: peer,
            ike_version: 1,
            bytes_tx: tx,
            bytes_rx: rx,
            login_time: since / 1000,
            duration_seconds: now.saturating_sub(since) / 1000,
            ike: IkeTunnel {
                session_id: s.conn,
                udp_src_port: s.remote.port(),
                udp_dst_port: s.local.port(),
                negotiation_mode: Some(if s.mode == ExchangeMode::Main { "Main" } else { "Aggressive" }),
                auth_mode: super::words::ike_auth_words(p.map(|p| p.auth)).1,
                encryption: p.map(|p| ike_encr_word(p.encr)).unwrap_or("none").to_string(),
                hashing: p.map(|p| ike_hash_word(p.hash)).unwrap_or("none").to_string(),
                prf: None,
                dh_group: p.map(|p| p.group).unwrap_or(0),
                rekey_interval_seconds: s.lifetime,
                rekey_left_seconds: s.expires().saturating_sub(now) / 1000,
            },
            ipsec: kids.iter().map(|c| ipsec_of(c, now, c.id)).collect(),
        });
    }
    let v2 = ike.v2();
    for s in v2.sas().iter().filter(|s| s.is_established()) {
        let peer = *s.remote.ip();
        let kids: Vec<&ChildSa> = v2.child_sas().iter().filter(|c| c.ike == s.conn).collect();
        let since = s.established.unwrap_or(s.created);
        let index = out.len() + 1;
        let hash_word = |h: HashAlg| match h {
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA1",
            HashAlg::Sha256 => "SHA256",
            HashAlg::Sha384 => "SHA384",
            HashAlg::Sha512 => "SHA512",
        };
        let (encryption, hashing, prf, group_no) = match &s.suite {
            Some(su) => (
                match su.encr {
                    Encr::Cbc(CipherAlg::Aes(k)) => format!("AES{}", k * 8),
                    Encr::Cbc(CipherAlg::TripleDes) => "3DES".into(),
                    Encr::Cbc(CipherAlg::Des) => "DES".into(),
                    Encr::Gcm(k) => format!("AES-GCM-{}", k * 8),
                },
                su.integ.map(|i| hash_word(i.hash)).unwrap_or("none").to_string(),
                Some(
                    match su.prf {
                        Prf::HmacMd5 => "MD5",
                        Prf::HmacSha1 => "SHA1",
                        Prf::HmacSha256 => "SHA256",
                        Prf::HmacSha384 => "SHA384",
                        Prf::HmacSha512 => "SHA512",
                        Prf::Aes128Xcbc => "AES-XCBC",
                    }
                    .to_string(),
                ),
                su.group,
            ),
            None => ("none".into(), "none".into(), None, 0),
        };
        let (rx, tx) = ike.carried(s.conn).unwrap_or_else(|| live(&kids));
        out.push(L2lSession {
            connection: group(&s.tunnel, peer),
            index,
            ip_address: peer,
            ike_version: 2,
            bytes_tx: tx,
            bytes_rx: rx,
            login_time: since / 1000,
            duration_seconds: now.saturating_sub(since) / 1000,
            ike: IkeTunnel {
                session_id: 1,
                udp_src_port: s.remote.port(),
                udp_dst_port: s.local.port(),
                negotiation_mode: None,
                auth_mode: "preSharedKeys",
                encryption,
                hashing,
                prf,
                dh_group: group_no,
                rekey_interval_seconds: s.lifetime,
                rekey_left_seconds: (since + u64::from(s.lifetime) * 1000).saturating_sub(now) / 1000,
            },
            // The ASA numbers a session's tunnels N.1 (IKE), N.2, N.3 ... (IPsec).
            ipsec: kids.iter().enumerate().map(|(k, c)| ipsec_of(c, now, k as u32 + 2)).collect(),
        });
    }
    out
}

/// `0h:05m:12s`, `52d 6h:35m:23s`.
pub(super) fn duration(secs: u64) -> String {
    let d = secs / 86_400;
    let hms = format!("{}h:{:02}m:{:02}s", secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 { format!("{d}d {hms}") } else { hms }
}

/// `show vpn-sessiondb [detail] l2l`.
pub fn render(r: &Router, detail: bool, out: &mut dyn Out) {
    let list = sessions(r);
    if list.is_empty() {
        out.line("INFO: There are presently no active sessions of the type specified");
        return;
    }
    out.line("");
    out.line(&format!("Session Type: LAN-to-LAN{}", if detail { " Detailed" } else { "" }));
    out.line("");
    for x in &list {
        match (x.ike_version, detail) {
            (1, true) => v1_detail(x, out),
            (_, true) => v2_detail(x, out),
            _ => summary(x, out),
        }
    }
}

/// The summary of a session (both IKE versions).
fn summary(x: &L2lSession, out: &mut dyn Out) {
    let v = format!("IKEv{}", x.ike_version);
    let n = x.ipsec.len();
    let (esp_enc, esp_hash) = x.ipsec.first().map(|c| (c.encryption, c.hashing)).unwrap_or(("none", "none"));
    let ipsec = x.ipsec_word();
    out.line(&format!("Connection   : {}", x.connection));
    out.line(&format!("Index        : {:<23}IP Addr      : {}", x.index, x.ip_address));
    out.line(&format!("Protocol     : {v} {ipsec}"));
    out.line(&format!("Encryption   : {v}: (1){}  {ipsec}: ({n}){esp_enc}", x.ike.encryption));
    out.line(&format!("Hashing      : {v}: (1){}  {ipsec}: ({n}){esp_hash}", x.ike.hashing));
    out.line(&format!("Bytes Tx     : {:<23}Bytes Rx     : {}", x.bytes_tx, x.bytes_rx));
    out.line(&format!("Login Time   : {}", asa_time(x.login_time)));
    out.line(&format!("Duration     : {}", duration(x.duration_seconds)));
    out.line("");
}

/// The IKEv1 detail layout.
fn v1_detail(x: &L2lSession, out: &mut dyn Out) {
    let peer = x.ip_address;
    let esp_enc = x.ipsec.first().map(|c| c.encryption).unwrap_or("none");
    out.line(&format!(" Connection   : {}", x.connection));
    out.line(&format!(" Index        : {:<23}IP Addr      : {peer}", x.index));
    out.line(&format!(" Protocol     : {:<23}Encryption   : {esp_enc}", "IPSecLAN2LAN"));
    out.line(&format!(" Bytes Tx     : {:<23}Bytes Rx     : {}", x.bytes_tx, x.bytes_rx));
    out.line(&format!(" Login Time   : {}", asa_time(x.login_time)));
    let d = x.duration_seconds;
    out.line(&format!(" Duration     : {}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60));
    out.line(" Filter Name  :");
    out.line("  ");
    out.line(&format!(" IKE Sessions: 1 IPSec Sessions: {}", x.ipsec.len()));
    out.line("  ");
    out.line(" IKE:");
    out.line(&format!("   Session ID   : {}", x.ike.session_id));
    out.line(&format!("   UDP Src Port : {:<23}UDP Dst Port : {}", x.ike.udp_src_port, x.ike.udp_dst_port));
    out.line(&format!(
        "   IKE Neg Mode : {:<23}Auth Mode    : {}",
        x.ike.negotiation_mode.unwrap_or("Main"),
        x.ike.auth_mode
    ));
    out.line(&format!("   Encryption   : {:<23}Hashing      : {}", x.ike.encryption, x.ike.hashing));
    out.line(&format!(
        "   Rekey Int (T): {:<23}Rekey Left(T): {} Seconds",
        format!("{} Seconds", x.ike.rekey_interval_seconds),
        x.ike.rekey_left_seconds
    ));
    out.line(&format!("   D/H Group    : {}", x.ike.dh_group));
    for c in &x.ipsec {
        out.line("  ");
        out.line(" IPSec:");
        out.line(&format!("   Session ID   : {}", c.session_id));
        out.line(&format!("   Local Addr   : {}/{}", c.local_network, c.local_mask));
        out.line(&format!("   Remote Addr  : {}/{}", c.remote_network, c.remote_mask));
        out.line(&format!("   Encryption   : {:<23}Hashing      : {}", c.encryption, c.hashing));
        // Without PFS the ASA prints no PFS Group.
        match c.pfs_group {
            Some(g) => out.line(&format!("   Encapsulation: {:<23}PFS Group    : {g}", c.encapsulation)),
            None => out.line(&format!("   Encapsulation: {}", c.encapsulation)),
        }
        out.line(&format!(
            "   Rekey Int (T): {:<23}Rekey Left(T): {} Seconds",
            format!("{} Seconds", c.rekey_interval_seconds),
            c.rekey_left_seconds
        ));
        out.line(&format!("   Bytes Tx     : {:<23}Bytes Rx     : {}", c.bytes_tx, c.bytes_rx));
        out.line(&format!("   Pkts Tx      : {:<23}Pkts Rx      : {}", c.packets_tx, c.packets_rx));
    }
    out.line("");
}

/// The IKEv2 detail layout (the ASA 9.x capture of the corpus).
fn v2_detail(x: &L2lSession, out: &mut dyn Out) {
    let ipsec = x.ipsec_word();
    let n = x.ipsec.len();
    let (esp_enc, esp_hash) = x.ipsec.first().map(|c| (c.encryption, c.hashing)).unwrap_or(("none", "none"));
    out.line(&format!("Connection   : {}", x.connection));
    out.line(&format!("Index        : {:<23}IP Addr      : {}", x.index, x.ip_address));
    out.line(&format!("Protocol     : IKEv2 {ipsec}"));
    out.line(&format!("Encryption   : IKEv2: (1){}  {ipsec}: ({n}){esp_enc}", x.ike.encryption));
    out.line(&format!("Hashing      : IKEv2: (1){}  {ipsec}: ({n}){esp_hash}", x.ike.hashing));
    out.line(&format!("Bytes Tx     : {:<23}Bytes Rx     : {}", x.bytes_tx, x.bytes_rx));
    out.line(&format!("Login Time   : {}", asa_time(x.login_time)));
    out.line(&format!("Duration     : {}", duration(x.duration_seconds)));
    out.line("");
    out.line("IKEv2 Tunnels: 1");
    out.line(&format!("{ipsec} Tunnels: {n}"));
    out.line("");
    out.line("IKEv2:");
    out.line(&format!("  Tunnel ID    : {}.{}", x.index, x.ike.session_id));
    out.line(&format!("  UDP Src Port : {:<23}UDP Dst Port : {}", x.ike.udp_src_port, x.ike.udp_dst_port));
    out.line(&format!("  Rem Auth Mode: {}", x.ike.auth_mode));
    out.line(&format!("  Loc Auth Mode: {}", x.ike.auth_mode));
    out.line(&format!("  Encryption   : {:<23}Hashing      : {}", x.ike.encryption, x.ike.hashing));
    out.line(&format!(
        "  Rekey Int (T): {:<23}Rekey Left(T): {} Seconds",
        format!("{} Seconds", x.ike.rekey_interval_seconds),
        x.ike.rekey_left_seconds
    ));
    out.line(&format!(
        "  PRF          : {:<23}D/H Group    : {}",
        x.ike.prf.as_deref().unwrap_or("none"),
        x.ike.dh_group
    ));
    out.line("  Filter Name  :");
    for c in &x.ipsec {
        out.line("");
        out.line(&format!("{ipsec}:"));
        out.line(&format!("  Tunnel ID    : {}.{}", x.index, c.session_id));
        out.line(&format!(
            "  Local Addr   : {}/{}/{}/{}",
            c.local_network, c.local_mask, c.local_protocol, c.local_port
        ));
        out.line(&format!(
            "  Remote Addr  : {}/{}/{}/{}",
            c.remote_network, c.remote_mask, c.remote_protocol, c.remote_port
        ));
        out.line(&format!("  Encryption   : {:<23}Hashing      : {}", c.encryption, c.hashing));
        match c.pfs_group {
            Some(g) => out.line(&format!("  Encapsulation: {:<23}PFS Group    : {g}", c.encapsulation)),
            None => out.line(&format!("  Encapsulation: {}", c.encapsulation)),
        }
        out.line(&format!(
            "  Rekey Int (T): {:<23}Rekey Left(T): {} Seconds",
            format!("{} Seconds", c.rekey_interval_seconds),
            c.rekey_left_seconds
        ));
        if let (Some(k), Some(left)) = (c.rekey_interval_kbytes, c.rekey_left_kbytes) {
            out.line(&format!("  Rekey Int (D): {:<23}Rekey Left(D): {left} K-Bytes", format!("{k} K-Bytes")));
        }
        // edgesh has no idle time-out: 0, as the ASA prints for a group without one.
        out.line(&format!("  Idle Time Out: {:<23}Idle TO Left : 0 Minutes", "0 Minutes"));
        out.line(&format!("  Bytes Tx     : {:<23}Bytes Rx     : {}", c.bytes_tx, c.bytes_rx));
        out.line(&format!("  Pkts Tx      : {:<23}Pkts Rx      : {}", c.packets_tx, c.packets_rx));
    }
    out.line("");
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_as_the_asa_prints_them() {
        assert_eq!(duration(312), "0h:05m:12s");
        assert_eq!(duration(52 * 86_400 + 6 * 3600 + 35 * 60 + 23), "52d 6h:35m:23s");
    }
}

/// The active counts of `show vpn-sessiondb`'s rows from the sessions up
/// now: (LAN-to-LAN IKEv1, IKEv2, IPsec SAs in ESP, in UDP).
fn active(list: &[L2lSession]) -> [u64; 4] {
    let v = |n: u8| list.iter().filter(|x| x.ike_version == n).count() as u64;
    let kids = |natt: bool| list.iter().flat_map(|x| &x.ipsec).filter(|c| c.nat_t == natt).count() as u64;
    [v(1), v(2), kids(false), kids(true)]
}

/// Count an engine event into the cumulative and peak figures of `show
/// vpn-sessiondb`: a phase 1 (IKEv1 or IKEv2) come up is a new LAN-to-LAN
/// session and IKE tunnel, an IPsec SA pair come up (rekeys too) a new
/// IPsec tunnel; peaks follow the sessions up after the event.
pub fn tally(r: &Router, e: &edgesh_engine::ike::Event) {
    use edgesh_engine::ike::Event;
    let up = match e {
        Event::Phase1Up { conn, .. } => {
            if edgesh_engine::ike::v2::is_v2(*conn) {
                1
            } else {
                0
            }
        }
        Event::ChildUp { spi_in, .. } => {
            let ike = r.ike();
            let natt = ike.child_sas().iter().chain(ike.v2().child_sas()).any(|c| c.spi_in == *spi_in && c.encap);
            if natt { 3 } else { 2 }
        }
        _ => return,
    };
    let now = active(&sessions(r));
    let Ok(mut guard) = r.asa.tallies.lock() else { return };
    let t = &mut *guard;
    let rows = [&mut t.l2l_v1, &mut t.l2l_v2, &mut t.ipsec, &mut t.ipsec_natt];
    for (i, row) in rows.into_iter().enumerate() {
        if i == up {
            row.cumulative += 1;
        }
        row.peak = row.peak.max(now[i]);
    }
}

/// What `show vpn-sessiondb` gives as the device's capacity: edgesh has no
/// platform licence; this is the figure of the corpus's site-to-site
/// capture (`ntc-cisco_asa_show_vpn-sessiondb2.raw`: `Device Total VPN
/// Capacity    :    750`).
pub const VPN_CAPACITY: u64 = 750;

/// One row of `show vpn-sessiondb`.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct SummaryRow {
    pub name: &'static str,
    pub active: u64,
    pub cumulative: u64,
    pub peak_concurrent: u64,
}

/// `show vpn-sessiondb` as typed state (the text and `| json` read it):
/// rows for what has been up since the start (cumulative above 0), as the
/// captures list only those.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// `Site-to-Site VPN`, then `  IKEv2 IPsec` / `  IKEv1 IPsec` (names as printed).
    pub sessions: Vec<SummaryRow>,
    pub total_active_and_inactive: u64,
    pub total_cumulative: u64,
    pub device_total_vpn_capacity: u64,
    pub device_load_percent: u64,
    /// `IKEv1`, `IKEv2`, `IPsec`, `IPsecOverNatT`.
    pub tunnels: Vec<SummaryRow>,
    pub totals_active: u64,
    pub totals_cumulative: u64,
}

pub fn summary_of(r: &Router) -> Summary {
    let now = active(&sessions(r));
    let t = r.asa.tallies.lock().map(|t| *t).unwrap_or_default();
    let row = |name, active, x: super::state::Tally| SummaryRow {
        name,
        active,
        cumulative: x.cumulative,
        peak_concurrent: x.peak,
    };
    let (l2l_now, l2l_cum) = (now[0] + now[1], t.l2l_v1.cumulative + t.l2l_v2.cumulative);
    let mut sessions = Vec::new();
    if l2l_cum > 0 {
        // The site-to-site peak: at least each version's, the sum of the two at most.
        let peak = t.l2l_v1.peak.max(t.l2l_v2.peak).max(l2l_now);
        sessions.push(SummaryRow {
            name: "Site-to-Site VPN",
            active: l2l_now,
            cumulative: l2l_cum,
            peak_concurrent: peak,
        });
        for (i, name, x) in [(1, "  IKEv2 IPsec", t.l2l_v2), (0, "  IKEv1 IPsec", t.l2l_v1)] {
            if x.cumulative > 0 {
                sessions.push(row(name, now[i], x));
            }
        }
    }
    let all = [("IKEv1", t.l2l_v1), ("IKEv2", t.l2l_v2), ("IPsec", t.ipsec), ("IPsecOverNatT", t.ipsec_natt)];
    let tunnels: Vec<SummaryRow> =
        all.iter().enumerate().filter(|(_, (_, x))| x.cumulative > 0).map(|(i, (n, x))| row(n, now[i], *x)).collect();
    Summary {
        sessions,
        total_active_and_inactive: l2l_now,
        total_cumulative: l2l_cum,
        device_total_vpn_capacity: VPN_CAPACITY,
        device_load_percent: (l2l_now * 100).div_ceil(VPN_CAPACITY),
        totals_active: now.iter().sum(),
        totals_cumulative: all.iter().map(|(_, x)| x.cumulative).sum(),
        tunnels,
    }
}

/// `show vpn-sessiondb`: the session and tunnel summaries in the layout of
/// the corpus's ASA captures (`../shared/corpus/outputs/asa/show_vpn-sessiondb/`,
/// ntc-templates' fixtures).
pub fn render_summary(r: &Router, out: &mut dyn Out) {
    let x = summary_of(r);
    let rule = "-".repeat(75);
    // A table: its title between rules, its column heads, its rows (the peak column `pw` wide).
    let table = |out: &mut dyn Out, title: &str, heads: &str, rows: &[SummaryRow], pw: usize| {
        for l in [rule.as_str(), title, rule.as_str(), heads] {
            out.line(l);
        }
        out.line("                             ----------------------------------------------");
        for w in rows {
            out.line(&format!("{:<29}: {:>6} : {:>10} : {:>pw$}", w.name, w.active, w.cumulative, w.peak_concurrent));
        }
        out.line(&rule);
    };
    let heads = "                               Active : Cumulative : Peak Concur : Inactive";
    table(out, "VPN Session Summary", heads, &x.sessions, 11);
    out.line(&format!(
        "{:<29}: {:>6}             Total Cumulative : {}",
        "Total Active and Inactive", x.total_active_and_inactive, x.total_cumulative
    ));
    out.line(&format!("{:<29}: {:>6}", "Device Total VPN Capacity", x.device_total_vpn_capacity));
    out.line(&format!("{:<29}: {:>5}%", "Device Load", x.device_load_percent));
    out.line(&rule);
    let heads = "                               Active : Cumulative : Peak Concurrent";
    table(out, "Tunnels Summary", heads, &x.tunnels, 15);
    out.line(&format!("{:<29}: {:>6} : {:>10}", "Totals", x.totals_active, x.totals_cumulative));
    out.line(&rule);
}
