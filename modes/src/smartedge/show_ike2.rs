//! SmartEdge's IKEv2 SA lines (Table 4's IKEv2 rows): the IKEv2 core's SAs
//! in `show tunnel ipsec ... detail`, `show tunnel ipsec name X statistics
//! ike detail` and the "IKE SAs" counts, and `show ike card S/A statistics
//! global ike2`.

use crate::session::Router;
use edgesh_engine::ike::crypto::{CipherAlg, HashAlg, hex};
use edgesh_engine::ike::events::Role;
use edgesh_engine::ike::v2::keys::Encr;

fn integ_name(h: HashAlg) -> &'static str {
    match h {
        HashAlg::Md5 => "AUTH_HMAC_MD5_96",
        HashAlg::Sha1 => "AUTH_HMAC_SHA1_96",
        HashAlg::Sha256 => "AUTH_HMAC_SHA2_256_128",
        HashAlg::Sha384 => "AUTH_HMAC_SHA2_384_192",
        HashAlg::Sha512 => "AUTH_HMAC_SHA2_512_256",
    }
}

fn encr_name(e: Encr) -> String {
    match e {
        Encr::Cbc(CipherAlg::Aes(k)) => format!("ENCR_AES_CBC_{}", k * 8),
        Encr::Cbc(CipherAlg::TripleDes) => "ENCR_3DES".into(),
        Encr::Cbc(CipherAlg::Des) => "ENCR_DES".into(),
        Encr::Gcm(k) => format!("ENCR_AES_GCM_16_{}", k * 8),
    }
}

/// The IKEv2 SA lines of a tunnel (same keys as the IKEv1 ones).
pub fn tunnel_v2_sas(r: &Router, tunnel: &str, out: &mut Vec<String>) {
    let now = r.now_ms();
    for s in r.ike().v2().sas().iter().filter(|s| s.tunnel == tunnel) {
        out.push(format!("  IKE SA {} (IKEv2)", s.conn));
        out.push(format!("    {:<24}: {}", "State", s.state.name()));
        out.push(format!("    {:<24}: {}", "Role", if s.role == Role::Initiator { "initiator" } else { "responder" }));
        out.push(format!(
            "    {:<24}: {}:{} -> {}:{}",
            "Addresses",
            s.local.ip(),
            s.local.port(),
            s.remote.ip(),
            s.remote.port()
        ));
        out.push(format!("    {:<24}: {} {}", "SPIs", hex(&s.spi_i), hex(&s.spi_r)));
        if let Some(su) = &s.suite {
            let integ = su.integ.map(|i| integ_name(i.hash)).unwrap_or("-");
            out.push(format!(
                "    {:<24}: {} {} {} DH group {} {}",
                "Proposal",
                encr_name(su.encr),
                su.prf.proto_name(),
                integ,
                su.group,
                s.proposal
            ));
        }
        if s.is_established() {
            out.push(format!("    {:<24}: {} seconds", "Remaining lifetime", s.expires().saturating_sub(now) / 1000));
        }
        out.push(format!(
            "    {:<24}: {}",
            "NAT traversal",
            if s.nat_local || s.nat_remote { "yes (UDP 4500)" } else { "no" }
        ));
    }
}

/// IKEv2 SAs up for a tunnel.
pub fn v2_up(r: &Router, tunnel: &str) -> usize {
    r.ike().v2().sas().iter().filter(|s| s.tunnel == tunnel && s.is_established()).count()
}

/// `show ike card S/A statistics global ike2`.
pub fn ike2_global(r: &Router, asp: &str, out: &mut Vec<String>) {
    out.push(format!("IKEv2 statistics for ASP {asp}"));
    for (k, v) in ike2_global_rows(r) {
        out.push(format!("  {k:<42}: {v}"));
    }
}

/// The rows of `show ike card S/A statistics global ike2` (also its `| json`).
pub fn ike2_global_rows(r: &Router) -> Vec<(&'static str, u64)> {
    let v2 = r.ike().v2();
    let up = v2.sas().iter().filter(|s| s.is_established()).count();
    let st = &v2.stats;
    let rows: Vec<(&str, u64)> = vec![
        ("IKE SAs established now", up as u64),
        ("IKE SAs negotiating now", (v2.sas().len() - up) as u64),
        ("Child SA pairs now", v2.child_sas().len() as u64),
        ("IKE SAs established", st.ike_established),
        ("IKE SA negotiations failed", st.ike_failed),
        ("Child SA pairs established", st.child_established),
        ("Child SA negotiations failed", st.child_failed),
        ("Packets received", st.rx_packets),
        ("Packets sent", st.tx_packets),
        ("Requests received", st.rx_requests),
        ("Requests sent", st.tx_requests),
        ("Retransmissions", st.retransmits),
        ("Duplicate requests answered", st.rx_duplicates),
        ("Malformed packets dropped", st.rx_malformed),
        ("Integrity check failures", st.rx_integrity),
        ("Cookies sent", st.cookies_sent),
    ];
    rows
}

/// The counter rows of `show tunnel ipsec name T statistics ike` for an
/// IKEv2 tunnel (None for an IKEv1 one): the IKEv2 core's per-tunnel counts.
pub fn tunnel_rows(r: &Router, tunnel: &str) -> Option<Vec<(&'static str, u64)>> {
    let v2 = r.ike().v2();
    if !v2.peers().iter().any(|p| p.name == tunnel) {
        return None;
    }
    let st = v2.tunnel_stats.get(tunnel).cloned().unwrap_or_default();
    Some(vec![
        ("IKE SAs established", st.ike_established),
        ("IKE negotiations failed", st.ike_failed),
        ("Child SA pairs established", st.child_established),
        ("Messages received", st.rx_messages),
        ("Messages sent", st.tx_messages),
        ("Retransmissions", st.retransmits),
        ("Notifies received", st.notifies_rx),
        ("Notifies sent", st.notifies_tx),
        ("Deletes received", st.deletes_rx),
        ("Deletes sent", st.deletes_tx),
    ])
}
