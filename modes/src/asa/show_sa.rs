//! The ASA's VPN exec commands, from the engine's state: `show crypto
//! isakmp sa` / `show crypto ikev1 sa [detail]`, `show crypto ipsec sa
//! [peer A]`, `show vpn-sessiondb [detail] l2l`, `clear crypto ipsec sa
//! [peer A]`, `clear crypto isakmp|ikev1 sa`, `debug crypto ikev1|ipsec
//! [LEVEL]`, `undebug all`, `show logging`, `terminal monitor`, `ping`.
//! Layouts: the ASA 9.x captures of the corpus (`../shared/corpus/outputs/asa`)
//! and of public write-ups; ntc-templates' ASA templates read them.

use crate::out::Out;
use crate::session::{Args, CmdResult, Router, Session};
use edgesh_engine::config::{EspAuth, EspEncr, ExchangeMode, IkeAuthAlg, IkeEncr};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::endpoint::{ChildSa, IkeSa};
use edgesh_engine::ike::events::Role;
use std::net::Ipv4Addr;

use crate::cisco_common::{G, add};
const SH: &str = "Show running system information";
const CR: &str = "Show crypto information";


/// The ASA's state of an IKEv1 SA: `MM_ACTIVE` / `AM_ACTIVE` once up, else the exchange's wait state.
fn state(s: &IkeSa) -> &'static str {
    use edgesh_engine::ike::events::P1State::*;
    let main = s.mode == ExchangeMode::Main;
    match (s.state, s.role) {
        (QmIdle, _) if main => "MM_ACTIVE",
        (QmIdle, _) => "AM_ACTIVE",
        (MmNoState | MmSaSetup, Role::Initiator) => "MM_WAIT_MSG2",
        (MmNoState | MmSaSetup, Role::Responder) => "MM_WAIT_MSG3",
        (MmKeyExch, Role::Initiator) => "MM_WAIT_MSG4",
        (MmKeyExch, Role::Responder) => "MM_WAIT_MSG5",
        (AgInitExch, Role::Initiator) => "AM_WAIT_MSG2",
        (AgInitExch, Role::Responder) => "AM_WAIT_MSG3",
        (Deleted, _) => "MM_NO_STATE",
    }
}

fn encr_word(e: IkeEncr) -> &'static str {
    match e {
        IkeEncr::DesCbc => "des",
        IkeEncr::TripleDesCbc => "3des",
        IkeEncr::Aes128Cbc => "aes",
        IkeEncr::Aes192Cbc => "aes192",
        IkeEncr::Aes256Cbc => "aes256",
    }
}

fn hash_word(h: IkeAuthAlg) -> &'static str {
    match h {
        IkeAuthAlg::HmacMd5_96 => "MD5",
        IkeAuthAlg::HmacSha1_96 => "SHA",
        IkeAuthAlg::HmacSha256 => "SHA256",
        IkeAuthAlg::HmacSha384 => "SHA384",
        IkeAuthAlg::HmacSha512 => "SHA512",
    }
}

/// `show crypto isakmp sa` / `show crypto ikev1 sa [detail]` (`v2_line`: the isakmp form also says there are no IKEv2 SAs).
pub fn ikev1_sa(r: &Router, detail: bool, v2_line: bool, out: &mut dyn Out) {
    let sas: Vec<&IkeSa> = r.ike().ike_sas().iter().filter(|s| s.state != edgesh_engine::ike::events::P1State::Deleted).collect();
    out.line("");
    if sas.is_empty() {
        out.line("There are no IKEv1 SAs");
    } else {
        out.line("IKEv1 SAs:");
        out.line("");
        out.line(&format!("   Active SA: {}", sas.len()));
        out.line("    Rekey SA: 0 (A tunnel will report 1 Active and 1 Rekey SA during rekey)");
        out.line(&format!("Total IKE SA: {}", sas.len()));
        out.line("");
        for (i, s) in sas.iter().enumerate() {
            if detail {
                // The tabular detail layout of the corpus's capture (ntc-templates reads it).
                let (enc, hash, life) = s.chosen.as_ref().map(|c| (encr_word(c.encr), hash_word(c.hash), s.lifetime)).unwrap_or(("none", "none", s.lifetime));
                out.line("IKE Peer      Type  Dir   Rky  State      Encrypt Hash  Auth    Lifetime");
                out.line(&format!(
                    "{} {} L2L   {}  No   {:<10} {:<7} {:<5} preshrd {life}",
                    i + 1,
                    s.remote.ip(),
                    if s.role == Role::Initiator { "Init" } else { "Resp" },
                    state(s),
                    enc,
                    hash
                ));
            } else {
                out.line(&format!("{:<4}IKE Peer: {}", i + 1, s.remote.ip()));
                out.line(&format!("    Type    : {:<16}Role    : {} ", "L2L", if s.role == Role::Initiator { "initiator" } else { "responder" }));
                out.line(&format!("    Rekey   : {:<16}State   : {} ", "no", state(s)));
            }
        }
    }
    if v2_line {
        ikev2_sa(r, out);
    }
}

/// `show crypto ikev2 sa` in the ASA layout (Genie's asa `ShowCryptoIkev2Sa` reads it).
pub fn ikev2_sa(r: &Router, out: &mut dyn Out) {
    use edgesh_engine::ike::crypto::{CipherAlg, HashAlg};
    use edgesh_engine::ike::v2::State;
    use edgesh_engine::ike::v2::keys::Encr;
    let now = r.now_ms();
    let v2 = r.ike().v2();
    let sas: Vec<_> = v2.sas().iter().filter(|s| s.state != State::Deleting).collect();
    out.line("");
    if sas.is_empty() {
        out.line("There are no IKEv2 SAs");
        return;
    }
    out.line("IKEv2 SAs:");
    out.line("");
    for s in sas {
        let kids: Vec<&ChildSa> = v2.child_sas().iter().filter(|c| c.ike == s.conn).collect();
        let up = s.state == State::Established;
        let status = match (up, kids.is_empty()) {
            (true, false) => "UP-ACTIVE",
            (true, true) => "UP-IDLE",
            _ => "DOWN-NEGOTIATING",
        };
        let id = s.conn.saturating_sub(edgesh_engine::ike::v2::CONN_BASE);
        out.line(&format!("Session-id:{id}, Status:{status}, IKE count:1, CHILD count:{}", kids.len()));
        out.line("");
        out.line("Tunnel-id Local                                               Remote                                                  Status         Role");
        let local = format!("{}/{}", s.local.ip(), s.local.port());
        let remote = format!("{}/{}", s.remote.ip(), s.remote.port());
        let state = if up { "READY" } else { "NEGOTIATING" };
        let role = if s.role == Role::Initiator { "INITIATOR" } else { "RESPONDER" };
        out.line(&format!("{id:>9} {local:<52}{remote:<57}{state:<9}{role}"));
        let suite = match &s.suite {
            Some(su) => {
                let encr = match su.encr {
                    Encr::Cbc(CipherAlg::Aes(k)) => format!("AES-CBC, keysize: {}", k * 8),
                    Encr::Cbc(CipherAlg::TripleDes) => "3DES".into(),
                    Encr::Cbc(CipherAlg::Des) => "DES".into(),
                    Encr::Gcm(k) => format!("AES-GCM, keysize: {}", k * 8),
                };
                let hash = match su.integ.map(|i| i.hash) {
                    None => "None",
                    Some(HashAlg::Md5) => "MD596",
                    Some(HashAlg::Sha1) => "SHA96",
                    Some(HashAlg::Sha256) => "SHA256",
                    Some(HashAlg::Sha384) => "SHA384",
                    Some(HashAlg::Sha512) => "SHA512",
                };
                format!("Encr: {encr}, Hash: {hash}, DH Grp:{}, Auth sign: PSK, Auth verify: PSK", su.group)
            }
            None => "Encr: Unknown, Hash: None, DH Grp:0, Auth sign: PSK, Auth verify: PSK".into(),
        };
        out.line(&format!("      {suite}"));
        out.line(&format!("      Life/Active Time: {}/{} sec", s.lifetime, now.saturating_sub(s.established.unwrap_or(s.created)) / 1000));
        for c in kids {
            let range = |t: &Selector| {
                let lo = t.net.network();
                let hi = std::net::Ipv4Addr::from(u32::from(lo) | !u32::from(t.mask()));
                let (plo, phi) = if t.port == 0 { (0, 65535) } else { (t.port, t.port) };
                format!("{lo}/{plo} - {hi}/{phi}")
            };
            out.line(&format!("Child sa: local selector  {}", range(&c.local_ts)));
            out.line(&format!("          remote selector {}", range(&c.remote_ts)));
            out.line(&format!("          ESP spi in/out: 0x{:08x}/0x{:08x}", c.spi_in, c.spi_out));
        }
    }
}

fn dotted(s: &Selector) -> String {
    format!("({}/{}/{}/{})", s.net.network(), s.mask(), s.proto, s.port)
}

/// An ACE's address as the ASA prints it: `host A`, `any4` or `A MASK`.
fn ace_addr(s: &Selector) -> String {
    match s.net.len {
        32 => format!("host {}", s.net.addr),
        0 => "any4".into(),
        _ => format!("{} {}", s.net.network(), s.mask()),
    }
}

/// The ASA's transform words of an SA (`esp-aes-256 esp-sha-hmac`).
fn transform(esp: Option<(EspEncr, Option<EspAuth>)>) -> String {
    let Some((e, a)) = esp else { return String::new() };
    let e = match e {
        EspEncr::Null => "esp-null",
        EspEncr::DesCbc => "esp-des",
        EspEncr::TripleDesCbc => "esp-3des",
        EspEncr::Aes128Cbc => "esp-aes",
        EspEncr::Aes192Cbc => "esp-aes-192",
        EspEncr::Aes256Cbc => "esp-aes-256",
        EspEncr::Aes128Gcm => "esp-aes-gcm",
        EspEncr::Aes192Gcm => "esp-aes-gcm-192",
        EspEncr::Aes256Gcm => "esp-aes-gcm-256",
    };
    let a = match a {
        Some(EspAuth::HmacMd5_96) => "esp-md5-hmac",
        Some(EspAuth::HmacSha1_96) => "esp-sha-hmac",
        Some(EspAuth::HmacSha256_128) => "esp-sha-256-hmac",
        Some(EspAuth::HmacSha384_192) => "esp-sha-384-hmac",
        Some(EspAuth::HmacSha512_256) => "esp-sha-512-hmac",
        Some(EspAuth::HmacAesXcbc) => "esp-aes-xcbc-mac",
        None => "esp-none",
    };
    format!("{e} {a}")
}

fn iv_size(esp: Option<(EspEncr, Option<EspAuth>)>) -> usize {
    match esp.map(|e| e.0) {
        Some(EspEncr::DesCbc | EspEncr::TripleDesCbc) => 8,
        Some(EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc) => 16,
        Some(EspEncr::Null) | None => 0,
        Some(_) => 8,
    }
}

/// The crypto map tag and sequence of a tunnel `MAP-SEQ` (a dynamic map's: `MAP-SEQ[-DSEQ]`).
fn map_of(tunnel: &str) -> (String, String) {
    let mut parts: Vec<&str> = tunnel.rsplitn(3, '-').collect();
    parts.reverse();
    match parts.as_slice() {
        [m, s, d] if s.parse::<u32>().is_ok() && d.parse::<u32>().is_ok() => (m.to_string(), s.to_string()),
        [a, b, s] if s.parse::<u32>().is_ok() => (format!("{a}-{b}"), s.to_string()),
        [m, s] => (m.to_string(), s.to_string()),
        _ => (tunnel.to_string(), "0".into()),
    }
}

/// `show crypto ipsec sa [peer A]` in the ASA 9 layout (the corpus capture, ntc-templates' template).
pub fn ipsec_sa(r: &Router, peer: Option<Ipv4Addr>, out: &mut dyn Out) {
    let model = r.asa.model.clone();
    let now = r.now_ms();
    let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| peer.is_none_or(|p| *c.remote.ip() == p)).collect();
    if kids.is_empty() {
        out.line("");
        out.line(&match peer {
            Some(p) => format!("There are no ipsec sas for peer {p}"),
            None => "There are no ipsec sas".to_string(),
        });
        return;
    }
    // Per interface, the SAs (newest of each selector pair), in the order of their tunnels.
    let mut by_if: Vec<(String, Vec<&ChildSa>)> = Vec::new();
    for c in kids {
        let t = model.tunnels.get(&c.tunnel);
        let nameif = t.and_then(|t| t.bind_interface.as_ref()).map(|b| b.0.clone()).unwrap_or_else(|| "outside".into());
        match by_if.iter_mut().find(|x| x.0 == nameif) {
            Some(x) => x.1.push(c),
            None => by_if.push((nameif, vec![c])),
        }
    }
    for (nameif, list) in by_if {
        out.line(&format!("interface: {nameif}"));
        for c in list {
            let (tag, seq) = map_of(&c.tunnel);
            let acl = model.tunnels.get(&c.tunnel).and_then(|t| t.entries.iter().next()).and_then(|(_, e)| match e {
                edgesh_engine::config::TunnelEntry::Policy(p) => p.access_group.clone(),
                _ => None,
            });
            let local = c.local.ip();
            let remote = c.remote.ip();
            out.line(&format!("    Crypto map tag: {tag}, seq num: {seq}, local addr: {local}"));
            out.line("");
            let proto = if c.local_ts.proto == 0 { "ip".to_string() } else { c.local_ts.proto.to_string() };
            out.line(&format!("      access-list {} extended permit {proto} {} {} ", acl.unwrap_or_default(), ace_addr(&c.local_ts), ace_addr(&c.remote_ts)));
            out.line(&format!("      local ident (addr/mask/prot/port): {}", dotted(&c.local_ts)));
            out.line(&format!("      remote ident (addr/mask/prot/port): {}", dotted(&c.remote_ts)));
            out.line(&format!("      current_peer: {remote}"));
            out.line("");
            out.line("");
            let authed = c.esp.is_some_and(|(e, a)| a.is_some() || e.is_aead());
            let (pin, pout) = (c.packets_in, c.packets_out);
            let (din, dout) = if authed { (pin, pout) } else { (0, 0) };
            let drops = r.engine.esp_drops(c.spi_in).total();
            out.line(&format!("      #pkts encaps: {pout}, #pkts encrypt: {pout}, #pkts digest: {dout}"));
            out.line(&format!("      #pkts decaps: {pin}, #pkts decrypt: {pin}, #pkts verify: {din}"));
            out.line("      #pkts compressed: 0, #pkts decompressed: 0");
            out.line(&format!("      #pkts not compressed: {pout}, #pkts comp failed: 0, #pkts decomp failed: 0"));
            out.line("      #pre-frag successes: 0, #pre-frag failures: 0, #fragments created: 0");
            out.line("      #PMTUs sent: 0, #PMTUs rcvd: 0, #decapsulated frgs needing reassembly: 0");
            out.line("      #TFC rcvd: 0, #TFC sent: 0");
            out.line("      #Valid ICMP Errors rcvd: 0, #Invalid ICMP Errors rcvd: 0");
            out.line(&format!("      #send errors: 0, #recv errors: {drops}"));
            out.line("");
            out.line(&format!("      local crypto endpt.: {local}/{}, remote crypto endpt.: {remote}/{}", c.local.port(), c.remote.port()));
            let iv = iv_size(c.esp);
            // ESP overhead: SPI and sequence (8), IV, pad and trailer (up to 17 with a 16-byte block), ICV (12 or 16), new IP header (20); UDP 8 more when encapsulated.
            let icv = match c.esp.and_then(|e| e.1) {
                Some(EspAuth::HmacSha256_128) => 16,
                Some(EspAuth::HmacSha384_192) => 24,
                Some(EspAuth::HmacSha512_256) => 32,
                Some(_) => 12,
                None if c.esp.is_some_and(|e| e.0.is_aead()) => 16,
                None => 0,
            };
            let esp_part = 8 + iv + 17 + icv;
            let overhead = esp_part + 20 + if c.encap { 8 } else { 0 };
            out.line(&format!("      path mtu 1500, ipsec overhead {overhead}({esp_part}), media mtu 1500"));
            out.line("      PMTU time remaining (sec): 0, DF policy: copy-df");
            out.line("      ICMP error validation: disabled, TFC packets: disabled");
            out.line(&format!("      current outbound spi: {:08X}", c.spi_out));
            out.line(&format!("      current inbound spi : {:08X}", c.spi_in));
            out.line("");
            let v = if c.ike >= edgesh_engine::ike::v2::CONN_BASE { "IKEv2" } else { "IKEv1" };
            let settings = if c.encap { format!("{{L2L, Tunnel,  NAT-T-Encaps, {v}, }}") } else { format!("{{L2L, Tunnel, {v}, }}") };
            for (dir, spi) in [("inbound", c.spi_in), ("outbound", c.spi_out)] {
                out.line(&format!("    {dir} esp sas:"));
                out.line(&format!("      spi: 0x{spi:08X} ({spi})"));
                out.line("         SA State: active");
                out.line(&format!("         transform: {} no compression", transform(c.esp)));
                out.line(&format!("         in use settings ={settings}"));
                out.line(&format!("         slot: 0, conn_id: {}, crypto-map: {tag}", c.ike));
                out.line(&format!("         sa timing: remaining key lifetime (kB/sec): ({}/{})", c.remaining_kbytes().unwrap_or(4_608_000), c.remaining_seconds(now)));
                out.line(&format!("         IV size: {iv} bytes"));
                out.line("         replay detection support: Y");
                out.line("         Anti replay bitmap:");
                out.line("          0x00000000 0x00000001");
            }
            out.line("");
        }
    }
}

fn esp_word(e: Option<EspEncr>) -> &'static str {
    match e {
        Some(EspEncr::DesCbc) => "DES",
        Some(EspEncr::TripleDesCbc) => "3DES",
        Some(EspEncr::Aes128Cbc) => "AES128",
        Some(EspEncr::Aes192Cbc) => "AES192",
        Some(EspEncr::Aes256Cbc) => "AES256",
        Some(EspEncr::Aes128Gcm) => "AES-GCM-128",
        Some(EspEncr::Aes192Gcm) => "AES-GCM-192",
        Some(EspEncr::Aes256Gcm) => "AES-GCM-256",
        Some(EspEncr::Null) | None => "none",
    }
}

fn ike_encr_word(e: IkeEncr) -> &'static str {
    match e {
        IkeEncr::DesCbc => "DES",
        IkeEncr::TripleDesCbc => "3DES",
        IkeEncr::Aes128Cbc => "AES128",
        IkeEncr::Aes192Cbc => "AES192",
        IkeEncr::Aes256Cbc => "AES256",
    }
}

fn ike_hash_word(h: IkeAuthAlg) -> &'static str {
    match h {
        IkeAuthAlg::HmacMd5_96 => "MD5",
        IkeAuthAlg::HmacSha1_96 => "SHA1",
        IkeAuthAlg::HmacSha256 => "SHA256",
        IkeAuthAlg::HmacSha384 => "SHA384",
        IkeAuthAlg::HmacSha512 => "SHA512",
    }
}

fn esp_hash_word(a: Option<EspAuth>) -> &'static str {
    match a {
        Some(EspAuth::HmacMd5_96) => "MD5",
        Some(EspAuth::HmacSha1_96) => "SHA1",
        Some(EspAuth::HmacSha256_128) => "SHA256",
        Some(EspAuth::HmacSha384_192) => "SHA384",
        Some(EspAuth::HmacSha512_256) => "SHA512",
        Some(EspAuth::HmacAesXcbc) => "AES-XCBC",
        None => "none",
    }
}

/// A time as the ASA prints it (`Login Time`, `show clock`): `14:37:44 UTC Sun Nov 22 2026`.
pub fn asa_time(secs: u64) -> String {
    let d = crate::time::date_time(secs);
    // date_time is `Sun Nov 22 14:37:44 2026 UTC`.
    let w: Vec<&str> = d.split_whitespace().collect();
    match w.as_slice() {
        [wd, mon, day, time, year, tz] => format!("{time} {tz} {wd} {mon} {} {year}", day.trim_start_matches('0')),
        _ => d,
    }
}

fn duration(secs: u64) -> String {
    format!("{}h:{:02}m:{:02}s", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `show vpn-sessiondb [detail] l2l`: one session per peer with an IKE SA.
pub fn sessiondb(r: &Router, detail: bool, out: &mut dyn Out) {
    let now = r.now_ms();
    let ikes: Vec<&IkeSa> = r.ike().ike_sas().iter().filter(|s| s.is_established()).collect();
    if ikes.is_empty() {
        out.line("INFO: There are presently no active sessions of the type specified");
        return;
    }
    out.line("");
    out.line(&format!("Session Type: LAN-to-LAN{}", if detail { " Detailed" } else { "" }));
    out.line("");
    for (i, s) in ikes.iter().enumerate() {
        let peer = *s.remote.ip();
        let kids: Vec<&ChildSa> = r.ike().child_sas().iter().filter(|c| c.ike == s.conn).collect();
        let (btx, brx) = kids.iter().fold((0u64, 0u64), |a, c| (a.0 + c.bytes_out, a.1 + c.bytes_in));
        let since = s.established.unwrap_or(s.created);
        let p = s.chosen.as_ref();
        let enc = p.map(|p| ike_encr_word(p.encr)).unwrap_or("none");
        let esp_enc = kids.first().map(|c| esp_word(c.esp.map(|e| e.0))).unwrap_or("none");
        let hash = p.map(|p| ike_hash_word(p.hash)).unwrap_or("none");
        let esp_hash = kids.first().map(|c| esp_hash_word(c.esp.and_then(|e| e.1))).unwrap_or("none");
        if detail {
            out.line(&format!(" Connection   : {peer}"));
            out.line(&format!(" Index        : {:<23}IP Addr      : {peer}", i + 1));
            out.line(&format!(" Protocol     : {:<23}Encryption   : {esp_enc}", "IPSecLAN2LAN"));
            out.line(&format!(" Bytes Tx     : {btx:<23}Bytes Rx     : {brx}"));
            out.line(&format!(" Login Time   : {}", asa_time(since / 1000)));
            let d = now.saturating_sub(since) / 1000;
            out.line(&format!(" Duration     : {}:{:02}:{:02}", d / 3600, d / 60 % 60, d % 60));
            out.line(" Filter Name  :");
            out.line("  ");
            out.line(&format!(" IKE Sessions: 1 IPSec Sessions: {}", kids.len()));
            out.line("  ");
            out.line(" IKE:");
            out.line(&format!("   Session ID   : {}", s.conn));
            out.line(&format!("   UDP Src Port : {:<23}UDP Dst Port : {}", s.remote.port(), s.local.port()));
            out.line(&format!("   IKE Neg Mode : {:<23}Auth Mode    : preSharedKeys", if s.mode == ExchangeMode::Main { "Main" } else { "Aggressive" }));
            out.line(&format!("   Encryption   : {enc:<23}Hashing      : {hash}"));
            let left = s.expires().saturating_sub(now) / 1000;
            out.line(&format!("   Rekey Int (T): {:<23}Rekey Left(T): {left} Seconds", format!("{} Seconds", s.lifetime)));
            out.line(&format!("   D/H Group    : {}", p.map(|p| p.group).unwrap_or(0)));
            for c in &kids {
                out.line("  ");
                out.line(" IPSec:");
                out.line(&format!("   Session ID   : {}", c.id));
                out.line(&format!("   Local Addr   : {}/{}", c.local_ts.net.network(), c.local_ts.mask()));
                out.line(&format!("   Remote Addr  : {}/{}", c.remote_ts.net.network(), c.remote_ts.mask()));
                out.line(&format!("   Encryption   : {:<23}Hashing      : {}", esp_word(c.esp.map(|e| e.0)), esp_hash_word(c.esp.and_then(|e| e.1))));
                // Without PFS the ASA prints no PFS Group.
                match c.pfs {
                    Some(g) => out.line(&format!("   Encapsulation: {:<23}PFS Group    : {g}", "Tunnel")),
                    None => out.line("   Encapsulation: Tunnel"),
                }
                out.line(&format!("   Rekey Int (T): {:<23}Rekey Left(T): {} Seconds", format!("{} Seconds", c.lifetime_seconds), c.remaining_seconds(now)));
                out.line(&format!("   Bytes Tx     : {:<23}Bytes Rx     : {}", c.bytes_out, c.bytes_in));
                out.line(&format!("   Pkts Tx      : {:<23}Pkts Rx      : {}", c.packets_out, c.packets_in));
            }
            out.line("");
        } else {
            out.line(&format!("Connection   : {peer}"));
            out.line(&format!("Index        : {:<23}IP Addr      : {peer}", i + 1));
            out.line("Protocol     : IKEv1 IPsec");
            out.line(&format!("Encryption   : IKEv1: (1){enc}  IPsec: ({}){esp_enc}", kids.len()));
            out.line(&format!("Hashing      : IKEv1: (1){hash}  IPsec: ({}){esp_hash}", kids.len()));
            out.line(&format!("Bytes Tx     : {btx:<23}Bytes Rx     : {brx}"));
            out.line(&format!("Login Time   : {}", asa_time(since / 1000)));
            out.line(&format!("Duration     : {}", duration(now.saturating_sub(since) / 1000)));
            out.line("");
        }
    }
}

fn synced(s: &mut Session) -> std::sync::MutexGuard<'_, Router> {
    let mut r = s.router();
    super::sync(&mut r);
    r
}

/// Register the VPN exec commands in the privileged exec graph.
pub fn register(g: &mut G) {
    for v in ["isakmp", "ikev1"] {
        let spec = format!("show crypto {v} sa [detail]");
        let f: fn(&mut Session, &Args, &mut dyn Out) -> CmdResult = if v == "isakmp" {
            |s, a, o| {
                ikev1_sa(&synced(s), a.has("detail"), true, o);
                Ok(())
            }
        } else {
            |s, a, o| {
                ikev1_sa(&synced(s), a.has("detail"), false, o);
                Ok(())
            }
        };
        add(g, &spec, &[SH, CR, if v == "isakmp" { "Show ISAKMP information" } else { "Show IKEv1 information" }, "Show security associations", "Show detailed information"], f);
    }
    add(g, "show crypto ikev2 sa", &[SH, CR, "Show IKEv2 information", "Show security associations"], |s, _, o| {
        ikev2_sa(&synced(s), o);
        Ok(())
    });
    add(g, "show crypto ipsec sa [peer A.B.C.D]", &[SH, CR, "Show IPsec information", "Show IPsec security associations", "Of one peer", "Peer address"], |s, a, o| {
        let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
        ipsec_sa(&synced(s), peer, o);
        Ok(())
    });
    add(g, "show vpn-sessiondb [detail] l2l", &[SH, "Show VPN session database", "Show detailed information", "LAN-to-LAN sessions"], |s, a, o| {
        sessiondb(&synced(s), a.has("detail"), o);
        Ok(())
    });
    add(g, "clear crypto ipsec sa [peer A.B.C.D]", &["Reset functions", "Clear crypto information", "IPsec", "Security associations (a delete is sent to the peer)", "Of one peer", "Peer address"], |s, a, _| {
        let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
        let mut r = synced(s);
        r.engine.clear_ipsec(None, peer);
        r.engine_drain();
        Ok(())
    });
    for v in ["isakmp", "ikev1"] {
        add(g, &format!("clear crypto {v} sa [A.B.C.D]"), &["Reset functions", "Clear crypto information", "IKEv1", "Security associations (a delete is sent to the peer)", "Of one peer"], |s, a, _| {
            let peer = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            let mut r = synced(s);
            r.engine.clear_ike(None, peer);
            r.engine_drain();
            Ok(())
        });
    }
    add(g, "debug crypto ikev1 [<1-255>]", &["Debugging functions", "Crypto debugging", "IKEv1", "Level"], |s, a, _| {
        s.monitor = true;
        let mut r = s.router();
        r.debug.isakmp = true;
        r.asa.debug_levels.0 = a.num("<1-255>").unwrap_or(1) as u8;
        Ok(())
    });
    add(g, "debug crypto ipsec [<1-255>]", &["Debugging functions", "Crypto debugging", "IPsec", "Level"], |s, a, _| {
        s.monitor = true;
        let mut r = s.router();
        r.debug.ipsec = true;
        r.asa.debug_levels.1 = a.num("<1-255>").unwrap_or(1) as u8;
        Ok(())
    });
    for (spec, helps) in [("undebug all", &["Disable debugging functions", "All debugging"][..]), ("no debug all", &["Negate a command", "Debugging functions", "All debugging"][..])] {
        add(g, spec, helps, |s, _, _| {
            s.router().debug = Default::default();
            Ok(())
        });
    }
    add(g, "show debug", &[SH, "Debug settings"], |s, _, o| {
        let (d, (l1, l2)) = {
            let r = s.router();
            (r.debug.clone(), r.asa.debug_levels)
        };
        if d.isakmp {
            o.line(&format!("debug crypto ikev1 enabled at level {l1}"));
        }
        if d.ipsec {
            o.line(&format!("debug crypto ipsec enabled at level {l2}"));
        }
        Ok(())
    });
    add(g, "terminal monitor", &["Set terminal line parameters", "Syslog monitoring"], |s, _, _| {
        s.monitor = true;
        Ok(())
    });
    add(g, "terminal no monitor", &["Set terminal line parameters", "Negate", "Syslog monitoring"], |s, _, _| {
        s.monitor = false;
        Ok(())
    });
    add(g, "show logging", &[SH, "Show the logging buffer"], |s, _, o| {
        let r = s.router();
        o.line("Syslog logging: enabled");
        o.line(&format!("    Buffer logging: level debugging, {} messages logged", r.log.len()));
        o.line("");
        for l in &r.log {
            o.line(l);
        }
        Ok(())
    });
    add(g, "ping WORD:if A.B.C.D", &["Test connectivity from specified interface to an IP address", "Source interface (nameif)", "Destination address"], |s, a, o| {
        let nameif = a.req("if")?.to_string();
        let dst: Ipv4Addr = a.req("A.B.C.D")?.parse().map_err(|_| "% Invalid destination address".to_string())?;
        let mut r = synced(s);
        let src = r.asa.model.contexts.get("local").and_then(|c| c.interfaces.get(&nameif)).and_then(|i| i.address).map(|p| p.addr);
        let Some(src) = src else { return Err(format!("% Invalid source interface {nameif}")) };
        o.line("Type escape sequence to abort.");
        o.line(&format!("Sending 5, 100-byte ICMP Echos to {dst}, timeout is 2 seconds:"));
        // Traffic from the interface that matches a crypto map's access list starts the negotiation.
        if r.ike().child_for(src, dst).is_none() {
            r.engine.initiate_for_traffic(src, dst);
        }
        r.engine_drain();
        // Echoes are not carried (the dataplane is the TUN device's).
        o.line("?????");
        o.line("Success rate is 0 percent (0/5)");
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypto_map_tags_of_tunnel_names() {
        assert_eq!(map_of("outside_map-10"), ("outside_map".into(), "10".into()));
        assert_eq!(map_of("outside-map-10"), ("outside-map".into(), "10".into()));
        assert_eq!(map_of("dyn_map-65535-20"), ("dyn_map".into(), "65535".into()));
    }
}
