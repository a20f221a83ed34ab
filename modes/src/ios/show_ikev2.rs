//! IOS-XE's IKEv2 shows (FlexVPN): `show crypto ikev2 sa [detail]`,
//! `show crypto ikev2 session [detail]`, `show crypto ikev2 stats`, and the
//! `IKEv2 SA:` lines of `show crypto session`, from the IKEv2 core's SAs
//! (`Endpoint::v2()`). Layouts as in IOS-XE captures (Genie's iosxe
//! `ShowCryptoIkev2Sa*`, `ShowCryptoIkev2Session`, `ShowCryptoIkev2Stats`).

use crate::session::Router;
use edgesh_engine::config::{Identity, Prf};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::crypto::{CipherAlg, HashAlg};
use edgesh_engine::ike::endpoint::DPD_INTERVAL;
use edgesh_engine::ike::events::Role;
use edgesh_engine::ike::sa::ChildSa;
use edgesh_engine::ike::v2::keys::Encr;
use edgesh_engine::ike::v2::{CONN_BASE, Sa};
use std::net::Ipv4Addr;

/// IOS's tunnel-id (and session-id) of an IKEv2 SA: its number in the core.
pub fn tunnel_id(s: &Sa) -> u32 {
    s.conn.saturating_sub(CONN_BASE)
}

pub(crate) fn hash_name(h: HashAlg) -> &'static str {
    match h {
        HashAlg::Md5 => "MD5",
        HashAlg::Sha1 => "SHA1",
        HashAlg::Sha256 => "SHA256",
        HashAlg::Sha384 => "SHA384",
        HashAlg::Sha512 => "SHA512",
    }
}

/// The PRF as `show crypto ikev2 sa detail` names it (IOS has no AES-XCBC
/// PRF: its `crypto ikev2 proposal` offers md5, sha1 and SHA-2 only).
pub(crate) fn prf_name(p: Prf) -> &'static str {
    match p {
        Prf::HmacMd5 => "MD5",
        Prf::HmacSha1 => "SHA1",
        Prf::HmacSha256 => "SHA256",
        Prf::HmacSha384 => "SHA384",
        Prf::HmacSha512 => "SHA512",
        Prf::Aes128Xcbc => "AES-XCBC",
    }
}

/// An IKE SA's suite in IOS-XE's words: (encryption, key size, PRF,
/// integrity, DH group); `None` until IKE_SA_INIT has chosen one. The one
/// table of these words: the text below and `json_ikev2.rs` both read it.
pub(crate) fn suite(s: &Sa) -> Option<(&'static str, usize, &'static str, &'static str, u16)> {
    let su = s.suite.as_ref()?;
    let (encr, bits) = match su.encr {
        Encr::Cbc(CipherAlg::Aes(k)) => ("AES-CBC", k * 8),
        Encr::Cbc(CipherAlg::TripleDes) => ("3DES", 0),
        Encr::Cbc(CipherAlg::Des) => ("DES", 0),
        Encr::Gcm(k) => ("AES-GCM", k * 8),
    };
    // IOS names the integrity by its truncation for SHA1 and MD5 (SHA96, MD596).
    let integ = match su.integ.map(|i| i.hash) {
        None => "None",
        Some(HashAlg::Md5) => "MD596",
        Some(HashAlg::Sha1) => "SHA96",
        Some(h) => hash_name(h),
    };
    Some((encr, bits, prf_name(su.prf), integ, su.group))
}

/// IOS-XE's words for how this end signed and how the peer was verified
/// (`Auth sign: RSA, Auth verify: RSA` with `rsa-sig`), from what the SA
/// really authenticated with: `PSK`, `RSA`, `ECDSA`.
pub(crate) fn auth_words(s: &Sa) -> (&'static str, &'static str) {
    use edgesh_engine::ike::v2::sa::AuthKind;
    let w = |k: AuthKind| match k {
        AuthKind::Psk => "PSK",
        AuthKind::Rsa => "RSA",
        AuthKind::Ecdsa => "ECDSA",
    };
    (w(s.auth_sign), w(s.auth_verify))
}

/// `Encr: AES-CBC, keysize: 128, PRF: SHA1, Hash: SHA96, DH Grp:14, Auth sign: PSK, Auth verify: PSK`
fn suite_line(s: &Sa) -> String {
    let (sign, verify) = auth_words(s);
    let Some((encr, bits, prf, integ, group)) = suite(s) else {
        return "Encr: Unknown - 0, keysize: 0, PRF: Unknown - 0, Hash: None, DH Grp:0, Auth sign: PSK, Auth verify: PSK".into();
    };
    format!(
        "Encr: {encr}, keysize: {bits}, PRF: {prf}, Hash: {integ}, DH Grp:{group}, Auth sign: {sign}, Auth verify: {verify}"
    )
}

/// `UP-ACTIVE` / `UP-IDLE` / `DOWN-NEGOTIATING` of an IKEv2 session with `children` child SAs.
pub(crate) fn session_status(s: &Sa, children: usize) -> &'static str {
    match (s.is_established(), children == 0) {
        (true, false) => "UP-ACTIVE",
        (true, true) => "UP-IDLE",
        _ => "DOWN-NEGOTIATING",
    }
}

/// (seconds, retries) of `DPD configured for N seconds, retry R`: 0, 0 without DPD.
pub(crate) fn dpd_config(r: &Router, s: &Sa) -> (u64, u64) {
    if dpd_on(r, s) { (DPD_INTERVAL / 1000, edgesh_engine::ike::endpoint::RETRANSMIT_TRIES as u64) } else { (0, 0) }
}

fn dpd_on(r: &Router, s: &Sa) -> bool {
    r.ike().v2().peers().iter().find(|p| p.name == s.tunnel).is_some_and(|p| p.dpd)
}

/// `D` (DPD) and `N` (NAT-T) of `Capabilities:`; empty without either.
pub(crate) fn caps(r: &Router, s: &Sa) -> String {
    format!("{}{}", if dpd_on(r, s) { "D" } else { "" }, if s.nat_local || s.nat_remote { "N" } else { "" })
}

/// What follows `NAT-T is ` (IOS-XE's two spaces before `outside` included).
pub(crate) fn nat_words(s: &Sa) -> &'static str {
    match (s.nat_local, s.nat_remote) {
        (true, _) => "detected inside",
        (false, true) => "detected  outside",
        _ => "not detected",
    }
}

/// The counts of `show crypto ikev2 stats`.
pub(crate) struct V2Counts {
    pub in_n: usize,
    pub in_up: usize,
    pub in_neg: usize,
    pub out_n: usize,
    pub out_up: usize,
    pub out_neg: usize,
    /// Requests (IKEv2 messages without the Response flag) received, and
    /// those dropped as malformed or failing the integrity check.
    pub rx: u64,
    pub rejected: u64,
    /// Requests sent, and those resent unanswered.
    pub tx: u64,
    pub resent: u64,
    pub dropped: u64,
    pub cookies: u64,
    pub cookies_accepted: u64,
    pub max_nego: usize,
}

pub(crate) fn v2_counts(r: &Router) -> V2Counts {
    let v2 = r.ike().v2();
    let st = &v2.stats;
    let count = |role: Role| {
        let all: Vec<&Sa> = v2.sas().iter().filter(|s| s.role == role).collect();
        let up = all.iter().filter(|s| s.is_established()).count();
        (all.len(), up, all.len() - up)
    };
    let (in_n, in_up, in_neg) = count(Role::Responder);
    let (out_n, out_up, out_neg) = count(Role::Initiator);
    let half = in_neg + out_neg;
    V2Counts {
        in_n,
        in_up,
        in_neg,
        out_n,
        out_up,
        out_neg,
        rx: st.rx_requests,
        rejected: (st.rx_malformed + st.rx_integrity).min(st.rx_requests),
        tx: st.tx_requests,
        resent: st.retransmits.min(st.tx_requests),
        dropped: st.rx_duplicates,
        cookies: st.cookies_sent,
        cookies_accepted: st.cookies_sent.min(half as u64 + st.ike_established),
        max_nego: v2.cookie_threshold,
    }
}

pub(crate) fn active_secs(s: &Sa, now: u64) -> u64 {
    now.saturating_sub(s.established.unwrap_or(s.created)) / 1000
}

pub(crate) fn hex8(b: &[u8; 8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// An IKEv1 identity as IOS prints it: a DN as [`remote_id_text`] prints one, else its data.
pub(crate) fn v1_id_text(i: &edgesh_engine::ike::wire::IdRepr) -> String {
    if i.id_type == edgesh_engine::ike::wire::id_type::DER_ASN1_DN {
        edgesh_engine::pki::certmap::name_text(&i.data)
    } else {
        i.data_text()
    }
}

pub(crate) fn remote_id_text(s: &Sa) -> String {
    match &s.peer_id {
        Some(i) if i.data.len() == 4 && i.kind == edgesh_engine::ike::v2::wire::id::IPV4_ADDR => {
            Ipv4Addr::new(i.data[0], i.data[1], i.data[2], i.data[3]).to_string()
        }
        // A DN as IOS prints it (`hostname=R13.R13.local,cn=R13`).
        Some(i) if i.kind == edgesh_engine::ike::v2::wire::id::DER_ASN1_DN => {
            edgesh_engine::pki::certmap::name_text(&i.data)
        }
        Some(i) => String::from_utf8_lossy(&i.data).to_string(),
        None => "none".into(),
    }
}

pub(crate) fn local_id_text(r: &Router, s: &Sa) -> String {
    match r.ike().v2().peers().iter().find(|p| p.name == s.tunnel).map(|p| &p.local_id) {
        Some(Identity::Any) | None => s.local.ip().to_string(),
        Some(Identity::Dn(der)) => edgesh_engine::pki::certmap::name_text(der),
        Some(i) => i.to_string(),
    }
}

pub(crate) fn status_description(s: &Sa) -> &'static str {
    use edgesh_engine::ike::v2::State;
    match s.state {
        State::Established => "Negotiation done",
        State::InitSent => "Initiator sent IKE_SA_INIT",
        State::InitDone => "Responder sent IKE_SA_INIT",
        State::AuthSent => "Initiator sent IKE_AUTH",
        State::Deleting => "Deleting IKE SA",
    }
}

/// `fvrf/ivrf` of a tunnel from the compiled IOS model: the front door VRF
/// (the tunnel's context, `none` for the global table) and the VTI's VRF.
pub(crate) fn vrfs(r: &Router, tunnel: &str) -> String {
    let t = r.ios_model.tunnels.get(tunnel);
    let f = t.and_then(|t| t.context.clone()).filter(|c| c != "local").unwrap_or_else(|| "none".into());
    let i = t.and_then(|t| t.bind_interface.as_ref().and_then(|b| b.1.clone())).unwrap_or_else(|| "none".into());
    format!("{f}/{i}")
}

/// (fvrf, ivrf) as `show crypto session detail` writes them: `(none)` for the global table.
pub fn session_vrfs(r: &Router, tunnel: &str) -> (String, String) {
    let v = vrfs(r, tunnel);
    let (f, i) = v.split_once('/').unwrap_or(("none", "none"));
    let paren = |x: &str| if x == "none" { "(none)".to_string() } else { x.to_string() };
    (paren(f), paren(i))
}

/// The block of one IKE SA (the table row and its indented lines).
fn sa_block(r: &Router, s: &Sa, detail: bool, now: u64, out: &mut Vec<String>) {
    let local = format!("{}/{}", s.local.ip(), s.local.port());
    let remote = format!("{}/{}", s.remote.ip(), s.remote.port());
    out.push(format!("{:<10}{:<22}{:<22}{:<21}{:<7}", tunnel_id(s), local, remote, vrfs(r, &s.tunnel), s.state.name()));
    out.push(format!("      {}", suite_line(s)));
    out.push(format!("      Life/Active Time: {}/{} sec", s.lifetime, active_secs(s, now)));
    if !detail {
        return;
    }
    let (lspi, rspi) = s.spis();
    out.push(format!("      CE id: 0, Session-id: {}", tunnel_id(s)));
    out.push(format!("      Local spi: {:<23}Remote spi: {}", hex8(&lspi), hex8(&rspi)));
    out.push(format!("      Status Description: {}", status_description(s)));
    out.push(format!("      Local id: {}", local_id_text(r, s)));
    out.push(format!("      Remote id: {}", remote_id_text(s)));
    let (next, peer, _) = s.msg_ids();
    out.push(format!("      {:<34}Remote req msg id:  {}", format!("Local req msg id:  {next}"), peer));
    out.push(format!("      {:<34}Remote next msg id: {}", format!("Local next msg id: {next}"), peer));
    out.push(format!("      {:<34}Remote req queued:  {}", format!("Local req queued:  {next}"), peer));
    // edgesh keeps a window of one request each way (RFC 7296 2.3).
    out.push(format!("      {:<34}Remote window:      {}", "Local window:      1", 1));
    let (dpd_secs, dpd_retry) = dpd_config(r, s);
    out.push(format!("      DPD configured for {dpd_secs} seconds, retry {dpd_retry}"));
    out.push("      Fragmentation not  configured.".into());
    out.push("      Dynamic Route Update: disabled".into());
    out.push("      Extended Authentication not configured.".into());
    out.push(format!("      NAT-T is {}", nat_words(s)));
    out.push("      Cisco Trust Security SGT is disabled".into());
    out.push(format!("      Initiator of SA : {}", if s.role == Role::Initiator { "Yes" } else { "No" }));
}

fn table_header(out: &mut Vec<String>) {
    out.push("Tunnel-id Local                 Remote                fvrf/ivrf            Status ".into());
}

/// `show crypto ikev2 sa [detail]`.
pub fn ios_ikev2_sa(r: &Router, detail: bool, out: &mut Vec<String>) {
    let now = r.now_ms();
    out.push(" IPv4 Crypto IKEv2  SA ".into());
    out.push(String::new());
    let sas = r.ike().v2().sas();
    if !sas.is_empty() {
        table_header(out);
    }
    for s in sas {
        sa_block(r, s, detail, now, out);
        out.push(String::new());
    }
    out.push(" IPv6 Crypto IKEv2  SA ".into());
    out.push(String::new());
}

/// `a.b.c.d/0 - a.b.c.d/65535` as IOS writes a traffic selector range.
pub(crate) fn ts_range(s: &Selector) -> String {
    let start = s.net.network();
    let end = Ipv4Addr::from(u32::from(start) | !u32::from(s.mask()));
    let (p0, p1) = if s.port == 0 { (0, 65535) } else { (s.port, s.port) };
    format!("{start}/{p0} - {end}/{p1}")
}

fn child_block(c: &ChildSa, detail: bool, out: &mut Vec<String>) {
    if detail {
        out.push("Child sa:".into());
        out.push("          local selector       ->      remote selector".into());
        out.push(format!("          {}    ->    {}", ts_range(&c.local_ts), ts_range(&c.remote_ts)));
    } else {
        out.push(format!("Child sa: local selector  {}", ts_range(&c.local_ts)));
        out.push(format!("          remote selector {}", ts_range(&c.remote_ts)));
    }
    let (esp_in, esp_out) = if c.esp.is_some() { (c.spi_in, c.spi_out) } else { (0, 0) };
    let (ah_in, ah_out) = if c.esp.is_none() && c.ah.is_some() { (c.spi_in, c.spi_out) } else { (0, 0) };
    out.push(format!("          ESP spi in/out: 0x{esp_in:X}/0x{esp_out:X}  "));
    if detail {
        out.push(format!("          AH spi in/out: 0x{ah_in:X}/0x{ah_out:X}  "));
        out.push("          CPI in/out: 0x0/0x0  ".into());
        let (encr, bits, hmac) = esp_names(c);
        out.push(format!("          Encr: {encr}, keysize: {bits}, esp_hmac: {hmac}"));
        let ah = c.ah.map(auth_name).unwrap_or("None");
        out.push(format!("          ah_hmac: {ah}, comp: IPCOMP_NONE, mode tunnel"));
    }
    out.push(String::new());
}

pub(crate) fn auth_name(a: edgesh_engine::config::EspAuth) -> &'static str {
    use edgesh_engine::config::EspAuth;
    match a {
        EspAuth::HmacMd5_96 => "MD596",
        EspAuth::HmacSha1_96 => "SHA96",
        EspAuth::HmacAesXcbc => "AES-XCBC",
        EspAuth::HmacSha256_128 => "SHA256",
        EspAuth::HmacSha384_192 => "SHA384",
        EspAuth::HmacSha512_256 => "SHA512",
    }
}

pub(crate) fn esp_names(c: &ChildSa) -> (String, u32, &'static str) {
    use edgesh_engine::config::EspEncr;
    let Some((e, a)) = c.esp else { return ("None".into(), 0, "None") };
    let (name, bits) = match e {
        EspEncr::Aes128Cbc => ("AES-CBC", 128),
        EspEncr::Aes192Cbc => ("AES-CBC", 192),
        EspEncr::Aes256Cbc => ("AES-CBC", 256),
        EspEncr::TripleDesCbc => ("3DES", 0),
        EspEncr::DesCbc => ("DES", 0),
        EspEncr::Null => ("NULL", 0),
        EspEncr::Aes128Gcm => ("AES-GCM", 128),
        EspEncr::Aes192Gcm => ("AES-GCM", 192),
        EspEncr::Aes256Gcm => ("AES-GCM", 256),
    };
    (name.into(), bits, a.map(auth_name).unwrap_or("None"))
}

/// `show crypto ikev2 session [detail]`: one session per peer (its IKE SAs
/// and their child SAs).
pub fn ios_ikev2_session(r: &Router, detail: bool, out: &mut Vec<String>) {
    let now = r.now_ms();
    out.push(" IPv4 Crypto IKEv2 Session ".into());
    out.push(String::new());
    let sas = r.ike().v2().sas();
    let kids = r.ike().v2().child_sas();
    for s in sas {
        let mine: Vec<&ChildSa> = kids.iter().filter(|c| c.ike == s.conn).collect();
        out.push(format!(
            "Session-id:{}, Status:{}, IKE count:1, CHILD count:{}",
            tunnel_id(s),
            session_status(s, mine.len()),
            mine.len()
        ));
        out.push(String::new());
        table_header(out);
        sa_block(r, s, detail, now, out);
        if !detail {
            out.push(String::new());
        }
        for c in mine {
            child_block(c, detail, out);
        }
        out.push(String::new());
    }
    out.push(" IPv6 Crypto IKEv2 Session ".into());
    out.push(String::new());
}

/// `show crypto ikev2 stats`.
pub fn ios_ikev2_stats(r: &Router, out: &mut Vec<String>) {
    let c = v2_counts(r);
    let rule = "-".repeat(80);
    out.push(rule.clone());
    out.push("                          Crypto IKEv2 SA Statistics".into());
    out.push(rule);
    out.push(format!(
        "System Resource Limit:   0        Max IKEv2 SAs: 0        Max in nego(in/out): {}/{}",
        c.max_nego, c.max_nego
    ));
    out.push(format!(
        "Total incoming IKEv2 SA Count:    {:<8} active:        {:<8} negotiating: {:<6}",
        c.in_n, c.in_up, c.in_neg
    ));
    out.push(format!(
        "Total outgoing IKEv2 SA Count:    {:<8} active:        {:<8} negotiating: {:<6}",
        c.out_n, c.out_up, c.out_neg
    ));
    out.push(format!(
        "Incoming IKEv2 Requests: {:<8} accepted:      {:<8} rejected:    {:<8}",
        c.rx,
        c.rx - c.rejected,
        c.rejected
    ));
    out.push(format!(
        "Outgoing IKEv2 Requests: {:<8} accepted:      {:<8} rejected:    {:<8}",
        c.tx,
        c.tx - c.resent,
        c.resent
    ));
    out.push(format!("Rejected IKEv2 Requests: {:<8} rsrc low:      0        SA limit:    0       ", c.rejected));
    out.push(format!("IKEv2 packets dropped at dispatch: {:<8}", c.dropped));
    out.push("Incoming Requests dropped as LOW Q limit reached : 0       ".into());
    out.push(format!("Incoming IKEV2 Cookie Challenged Requests: {:<8}", c.cookies));
    out.push(format!("    accepted: {:<8} rejected: 0        rejected no cookie: 0       ", c.cookies_accepted));
    out.push("Total Deleted sessions of Cert Revoked Peers: 0       ".into());
}

/// The `IKEv2 SA:` lines of `show crypto session [detail]` for a tunnel.
pub fn session_lines(r: &Router, tunnel: &str, detail: bool, now: u64, out: &mut Vec<String>) -> usize {
    let mut n = 0;
    for s in r.ike().v2().sas().iter().filter(|s| s.tunnel == tunnel) {
        n += 1;
        out.push(format!("  Session ID: {} ", tunnel_id(s)));
        out.push(format!(
            "  IKEv2 SA: local {}/{} remote {}/{} {}",
            s.local.ip(),
            s.local.port(),
            s.remote.ip(),
            s.remote.port(),
            if s.is_established() { "Active" } else { "Inactive" }
        ));
        if detail {
            let caps = caps(r, s);
            let left = s.expires().saturating_sub(now) / 1000;
            out.push(format!(
                "          Capabilities:{} connid:{} lifetime:{:02}:{:02}:{:02}",
                if caps.is_empty() { "(none)".to_string() } else { caps },
                tunnel_id(s),
                left / 3600,
                left / 60 % 60,
                left % 60
            ));
        }
    }
    n
}

/// The peer's IKEv2 identity for `Phase1_id:` in `show crypto session detail`.
pub fn phase1_id(r: &Router, tunnel: &str) -> Option<String> {
    r.ike().v2().sas().iter().find(|s| s.tunnel == tunnel && s.peer_id.is_some()).map(remote_id_text)
}

/// Whether the tunnel has an established IKEv2 SA, and since when.
pub fn established(r: &Router, tunnel: &str) -> (bool, Option<u64>, Option<u16>) {
    let sas: Vec<&Sa> = r.ike().v2().sas().iter().filter(|s| s.tunnel == tunnel).collect();
    (
        sas.iter().any(|s| s.is_established()),
        sas.iter().filter_map(|s| s.established).min(),
        sas.first().map(|s| s.remote.port()),
    )
}

use crate::cisco_common::{G, add};

/// The exec commands of this file (IOS).
pub fn register(g: &mut G) {
    const SH: &str = "Show running system information";
    const CR: &str = "Encryption module";
    const V2: &str = "Shows ikev2 information";
    add(
        g,
        "show crypto ikev2 sa [detail | detailed]",
        &[SH, CR, V2, "Shows ikev2 SAs", "detail", "detailed"],
        |s, a, o| {
            crate::ios::commit::sync(&mut s.router());
            let mut v = Vec::new();
            ios_ikev2_sa(&s.router(), a.has("detail") || a.has("detailed"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(
        g,
        "show crypto ikev2 session [detail | detailed]",
        &[SH, CR, V2, "Shows ikev2 active sessions", "detail", "detailed"],
        |s, a, o| {
            crate::ios::commit::sync(&mut s.router());
            let mut v = Vec::new();
            ios_ikev2_session(&s.router(), a.has("detail") || a.has("detailed"), &mut v);
            v.iter().for_each(|l| o.line(l));
            Ok(())
        },
    );
    add(g, "show crypto ikev2 stats", &[SH, CR, V2, "Shows ikev2 sa stats"], |s, _, o| {
        crate::ios::commit::sync(&mut s.router());
        let mut v = Vec::new();
        ios_ikev2_stats(&s.router(), &mut v);
        v.iter().for_each(|l| o.line(l));
        Ok(())
    });
    add(
        g,
        "clear crypto ikev2 sa [remote A.B.C.D]",
        &[
            "Reset functions",
            CR,
            "Clear IKEv2 information",
            "Clear IKEv2 SAs (a delete is sent to the peer)",
            "Remote address",
            "Remote IP address",
        ],
        |s, a, _| {
            let mut r = s.router();
            let peer: Option<Ipv4Addr> = a.get("A.B.C.D").and_then(|p| p.parse().ok());
            let mut tunnels: Vec<String> = r
                .ike()
                .v2()
                .sas()
                .iter()
                .filter(|x| peer.is_none_or(|p| *x.remote.ip() == p))
                .map(|x| x.tunnel.clone())
                .collect();
            tunnels.sort();
            tunnels.dedup();
            for t in tunnels {
                r.engine.clear_ike(Some(&t), peer);
            }
            r.engine_drain();
            Ok(())
        },
    );
    crate::ios::debug_ikev2::register(g);
}
