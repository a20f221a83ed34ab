//! Kernel XFRM, the SA half (issue 19): the XFRM netlink messages of one
//! engine child SA pair and the installer that keeps the kernel's SAD/SPD
//! equal to the engine's child SAs when `--dataplane kernel` found a kernel
//! that accepts ESP ([`crate::xfrm`] probes it at start).
//!
//! Each ESP child (negotiated or manual-key) becomes two tunnel-mode states
//! (inbound: peer → us with our SPI; outbound: us → peer with the peer's),
//! with the negotiated algorithms under the kernel's crypto names
//! ([`kernel_algs`]), ESP in UDP (`UDP_ENCAP_ESPINUDP` and the ports of
//! the two ends) when NAT-T found a NAT, and the child's configured replay
//! window (a bitmap replay attribute: the legacy field stops at 32; none
//! for a child without anti-replay). Its
//! selectors become three policies (out, in, fwd) whose template names the
//! two ends and a `reqid` per (tunnel, selectors), so a rekey's new SA pair
//! shares the policies of the old one. The installer adds the new states
//! before it deletes the old ones, and deletes a policy only when no child
//! uses its selectors any more; reqids count from [`REQID_BASE`], and the
//! first round removes what an earlier run left with such reqids, as does
//! the end of edgesh ([`ExitGuard`]). The kernel's counts of each state
//! reach the engine once a second ([`Installer::traffic`]). AH
//! children stay in the userspace dataplane
//! ([`kernel_carries`] says which SAs the kernel carries). Keys go to the
//! kernel only: no message is ever logged.
//!
//! Messages are built with `netlink-packet-xfrm` (never by hand); their
//! tests check the attributes and the kernel algorithm names per suite, and
//! `tests/xfrm_netns.rs` has the kernel of a fresh network namespace parse
//! the policies (`ip xfrm policy` reads them back).

use crate::xfrm::{ACTIVE, AF_INET, name, request, socket};
use edgesh_engine::config::{EspAuth, EspEncr};
use edgesh_engine::ike::conf::Selector as EngineSelector;
use edgesh_engine::ike::sa::ChildSa;
use edgesh_engine::ike::types::SaKeys;
use netlink_packet_core_xfrm::{NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NetlinkMessage, NetlinkPayload};
use netlink_packet_xfrm::policy::{DelGetMessage as PolicyDelGetMessage, ModifyMessage as PolicyModifyMessage};
use netlink_packet_xfrm::state::{
    DelGetMessage as StateDelGetMessage, GetDumpMessage, ModifyMessage as StateModifyMessage,
};
use netlink_packet_xfrm::{
    Address, Alg, AlgAead, AlgAuth, EncapTmpl, IPPROTO_ESP, Id, ReplayEsn, Selector, UDP_ENCAP_ESPINUDP, UserPolicyId,
    UserPolicyInfo, UserSaId, UserSaInfo, UserTemplate, XFRM_INF, XFRM_MODE_TUNNEL, XFRM_POLICY_ALLOW, XFRM_POLICY_FWD,
    XFRM_POLICY_IN, XFRM_POLICY_OUT, XfrmAttrs, XfrmMessage,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddrV4;
use std::sync::atomic::Ordering;

/// What the kernel needs of a child SA pair.
#[derive(Clone, PartialEq, Eq)]
pub struct SaSpec {
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    /// ESP in UDP (NAT-T found a NAT).
    pub encap: bool,
    pub local_ts: EngineSelector,
    pub remote_ts: EngineSelector,
    pub spi_in: u32,
    pub spi_out: u32,
    pub encr: EspEncr,
    pub auth: Option<EspAuth>,
    pub keys_in: SaKeys,
    pub keys_out: SaKeys,
    /// The inbound anti-replay window in packets (0: no check), as the child has it.
    pub replay_window: u32,
    /// Extended Sequence Numbers negotiated (the kernel's XFRM_STATE_ESN).
    pub esn: bool,
}

impl std::fmt::Debug for SaSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SaSpec({} <-> {}, in 0x{:08x}, out 0x{:08x}, {:?}/{:?}, <keys>)",
            self.local, self.remote, self.spi_in, self.spi_out, self.encr, self.auth
        )
    }
}

impl SaSpec {
    /// The kernel part of an engine child: tunnel-mode ESP alone (AH and
    /// transport mode stay in userspace: the states here are tunnel mode).
    pub fn of(c: &ChildSa) -> Option<SaSpec> {
        let (encr, auth) = c.esp?;
        if c.ah.is_some() || c.ah_part.is_some() || c.transport {
            return None;
        }
        Some(SaSpec {
            local: c.local,
            remote: c.remote,
            encap: c.encap,
            local_ts: c.local_ts,
            remote_ts: c.remote_ts,
            spi_in: c.spi_in,
            spi_out: c.spi_out,
            encr,
            auth,
            keys_in: c.keys_in.clone(),
            keys_out: c.keys_out.clone(),
            replay_window: c.replay_window,
            esn: c.esn,
        })
    }
}

/// Does the kernel carry this child (so the userspace dataplane leaves it)?
pub fn kernel_carries(c: &ChildSa) -> bool {
    ACTIVE.load(Ordering::Relaxed) && SaSpec::of(c).is_some()
}

/// The kernel crypto names of an ESP suite: (encryption or AEAD, integrity, its truncation in bits).
pub fn kernel_names(encr: EspEncr, auth: Option<EspAuth>) -> (&'static str, Option<(&'static str, u32)>) {
    let e = match encr {
        EspEncr::Null => "ecb(cipher_null)",
        EspEncr::DesCbc => "cbc(des)",
        EspEncr::TripleDesCbc => "cbc(des3_ede)",
        EspEncr::Aes128Cbc | EspEncr::Aes192Cbc | EspEncr::Aes256Cbc => "cbc(aes)",
        EspEncr::Aes128Gcm | EspEncr::Aes192Gcm | EspEncr::Aes256Gcm => "rfc4106(gcm(aes))",
    };
    let a = auth.map(|a| match a {
        EspAuth::HmacMd5_96 => ("hmac(md5)", 96),
        EspAuth::HmacSha1_96 => ("hmac(sha1)", 96),
        EspAuth::HmacAesXcbc => ("xcbc(aes)", 96),
        EspAuth::HmacSha256_128 => ("hmac(sha256)", 128),
        EspAuth::HmacSha384_192 => ("hmac(sha384)", 192),
        EspAuth::HmacSha512_256 => ("hmac(sha512)", 256),
    });
    (e, a)
}

/// The algorithm attributes of one direction's keys.
pub fn kernel_algs(encr: EspEncr, auth: Option<EspAuth>, keys: &SaKeys) -> Vec<XfrmAttrs> {
    let (e, a) = kernel_names(encr, auth);
    let bits = |k: &[u8]| (k.len() * 8) as u32;
    if encr.is_aead() {
        // RFC 4106 keying: key || 4-octet salt, as the kernel's rfc4106() takes it; 16-octet ICV.
        return vec![XfrmAttrs::EncryptionAlgAead(AlgAead {
            alg_name: name(e),
            alg_key_len: bits(&keys.encr),
            alg_icv_len: 128,
            alg_key: keys.encr.clone(),
        })];
    }
    let mut v = vec![XfrmAttrs::EncryptionAlg(Alg {
        alg_name: name(e),
        alg_key_len: bits(&keys.encr),
        alg_key: keys.encr.clone(),
    })];
    if let Some((n, trunc)) = a {
        v.push(XfrmAttrs::AuthenticationAlgTrunc(AlgAuth {
            alg_name: name(n),
            alg_key_len: bits(&keys.auth),
            alg_trunc_len: trunc,
            alg_key: keys.auth.clone(),
        }));
    }
    v
}

/// A traffic selector from `src` to `dst` (prefixes, protocol, ports).
pub fn selector(src: &EngineSelector, dst: &EngineSelector) -> Selector {
    let mut s = Selector { family: AF_INET, ..Default::default() };
    s.saddr = Address::from_ipv4(&src.net.network());
    s.daddr = Address::from_ipv4(&dst.net.network());
    s.prefixlen_s = src.net.len.min(32);
    s.prefixlen_d = dst.net.len.min(32);
    s.proto = if src.proto != 0 { src.proto } else { dst.proto };
    if src.port != 0 {
        (s.sport, s.sport_mask) = (src.port, 0xffff);
    }
    if dst.port != 0 {
        (s.dport, s.dport_mask) = (dst.port, 0xffff);
    }
    s
}

/// One direction's state: from `src` to `dst`, SPI `spi`, these keys.
fn state(sa: &SaSpec, inbound: bool, reqid: u32) -> StateModifyMessage {
    let (src, dst, spi, keys) = if inbound {
        (sa.remote, sa.local, sa.spi_in, &sa.keys_in)
    } else {
        (sa.local, sa.remote, sa.spi_out, &sa.keys_out)
    };
    let mut info = UserSaInfo { selector: Selector { family: AF_INET, ..Default::default() }, ..Default::default() };
    info.id = Id { daddr: Address::from_ipv4(dst.ip()), spi, proto: IPPROTO_ESP };
    info.saddr = Address::from_ipv4(src.ip());
    info.family = AF_INET;
    info.mode = XFRM_MODE_TUNNEL;
    info.reqid = reqid;
    // The window goes in the replay attribute (the u8 field must stay 0 with it).
    info.replay_window = 0;
    for l in [
        &mut info.lifetime_cfg.soft_byte_limit,
        &mut info.lifetime_cfg.hard_byte_limit,
        &mut info.lifetime_cfg.soft_packet_limit,
        &mut info.lifetime_cfg.hard_packet_limit,
    ] {
        *l = XFRM_INF;
    }
    let mut nlas = kernel_algs(sa.encr, sa.auth, keys);
    // The configured window as a bitmap of whole 32-bit words (the kernel
    // refuses a window wider than its bitmap); without anti-replay none,
    // and the kernel checks no sequence number (a window of 0). ESN: the
    // state's flag, and the replay attribute always (the kernel keeps the
    // high halves there, and refuses an ESN state without it).
    if sa.esn {
        info.flags |= netlink_packet_xfrm::XFRM_STATE_ESN;
    }
    if sa.replay_window != 0 || sa.esn {
        let words = sa.replay_window.div_ceil(32);
        nlas.push(XfrmAttrs::ReplayStateEsn(ReplayEsn {
            bmp_len: words,
            oseq: 0,
            seq: 0,
            oseq_hi: 0,
            seq_hi: 0,
            replay_window: sa.replay_window,
            bmp: vec![0; words as usize],
        }));
    }
    if sa.encap {
        nlas.push(XfrmAttrs::EncapsulationTemplate(EncapTmpl {
            encap_type: UDP_ENCAP_ESPINUDP,
            encap_sport: src.port(),
            encap_dport: dst.port(),
            encap_oa: Address::default(),
        }));
    }
    StateModifyMessage { user_sa_info: info, nlas }
}

/// The states of a pair: inbound, outbound (a direction without an SPI,
/// as a one-way manual SA has, has none).
pub fn states(sa: &SaSpec, reqid: u32) -> Vec<StateModifyMessage> {
    [(sa.spi_in, true), (sa.spi_out, false)]
        .into_iter()
        .filter(|&(spi, _)| spi != 0)
        .map(|(_, inbound)| state(sa, inbound, reqid))
        .collect()
}

/// Delete one state (our SPI towards us, or the peer's towards the peer).
pub fn delete_states(sa: &SaSpec) -> Vec<StateDelGetMessage> {
    let del = |dst: &SocketAddrV4, spi| StateDelGetMessage {
        user_sa_id: UserSaId { daddr: Address::from_ipv4(dst.ip()), spi, family: AF_INET, proto: IPPROTO_ESP },
        nlas: vec![],
    };
    [(&sa.local, sa.spi_in), (&sa.remote, sa.spi_out)]
        .into_iter()
        .filter(|&(_, spi)| spi != 0)
        .map(|(d, spi)| del(d, spi))
        .collect()
}

/// The policy directions of a pair: out with an outbound SA, in and fwd with an inbound one.
fn directions(sa: &SaSpec) -> Vec<u8> {
    let mut d = Vec::new();
    if sa.spi_out != 0 {
        d.push(XFRM_POLICY_OUT);
    }
    if sa.spi_in != 0 {
        d.extend([XFRM_POLICY_IN, XFRM_POLICY_FWD]);
    }
    d
}

/// The policies of a pair's selectors: out (local → remote), in and fwd (remote → local).
pub fn policies(sa: &SaSpec, reqid: u32) -> Vec<PolicyModifyMessage> {
    let prio = policy_priority(&sa.local_ts, &sa.remote_ts);
    let one = |dir: u8| {
        let (sel, src, dst) = if dir == XFRM_POLICY_OUT {
            (selector(&sa.local_ts, &sa.remote_ts), sa.local, sa.remote)
        } else {
            (selector(&sa.remote_ts, &sa.local_ts), sa.remote, sa.local)
        };
        let mut info = UserPolicyInfo {
            selector: sel,
            priority: prio,
            direction: dir,
            action: XFRM_POLICY_ALLOW,
            ..Default::default()
        };
        for l in [
            &mut info.lifetime_cfg.soft_byte_limit,
            &mut info.lifetime_cfg.hard_byte_limit,
            &mut info.lifetime_cfg.soft_packet_limit,
            &mut info.lifetime_cfg.hard_packet_limit,
        ] {
            *l = XFRM_INF;
        }
        let tmpl = UserTemplate {
            id: Id { daddr: Address::from_ipv4(dst.ip()), spi: 0, proto: IPPROTO_ESP },
            family: AF_INET,
            saddr: Address::from_ipv4(src.ip()),
            reqid,
            mode: XFRM_MODE_TUNNEL,
            aalgos: u32::MAX,
            ealgos: u32::MAX,
            calgos: u32::MAX,
            ..Default::default()
        };
        PolicyModifyMessage { user_policy_info: info, nlas: vec![XfrmAttrs::Template(vec![tmpl])] }
    };
    directions(sa).into_iter().map(one).collect()
}

/// The three policy ids of a pair's selectors, to delete them.
pub fn delete_policies(sa: &SaSpec) -> Vec<PolicyDelGetMessage> {
    let id = |dir: u8| {
        let sel = if dir == XFRM_POLICY_OUT {
            selector(&sa.local_ts, &sa.remote_ts)
        } else {
            selector(&sa.remote_ts, &sa.local_ts)
        };
        PolicyDelGetMessage { user_policy_id: UserPolicyId { selector: sel, index: 0, direction: dir }, nlas: vec![] }
    };
    directions(sa).into_iter().map(id).collect()
}

/// More specific selectors first (a lower number wins in XFRM): 2000 less
/// the two prefix lengths, less one for a protocol and one per port.
pub fn policy_priority(l: &EngineSelector, r: &EngineSelector) -> u32 {
    let spec = u32::from(l.net.len.min(32))
        + u32::from(r.net.len.min(32))
        + u32::from(l.proto != 0 || r.proto != 0)
        + u32::from(l.port != 0)
        + u32::from(r.port != 0);
    2000 - spec
}

/// edgesh's reqids: this base and a counter, so a later start finds (and
/// removes) what an earlier run left in the kernel and nothing else.
pub const REQID_BASE: u32 = 0xedd5_0000;

/// Is this reqid one of edgesh's?
pub fn is_ours(reqid: u32) -> bool {
    reqid & 0xffff_0000 == REQID_BASE
}

/// The policy key of a pair: its tunnel, selectors and ends.
type PolicyKey = (String, EngineSelector, EngineSelector, SocketAddrV4, SocketAddrV4);

/// Held by `cli::run`: when edgesh ends, the kernel stops carrying its SAs
/// (the states and policies with edgesh's reqids go; nobody would rekey
/// them). The net thread stops installing first.
pub struct ExitGuard;

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if ACTIVE.swap(false, Ordering::Relaxed)
            && let Err(e) = Installer::new().clean_stale()
        {
            eprintln!("% dataplane kernel: cannot remove edgesh's XFRM states and policies: {e}");
        }
    }
}

/// Let the kernel take ESP in UDP off a port-4500 socket
/// (`UDP_ENCAP_ESPINUDP`, as IKE daemons do for kernel SAs): datagrams with
/// the zero non-ESP marker (IKE) still reach edgesh, the others go to XFRM.
pub fn encap_socket(s: &std::net::UdpSocket) -> std::io::Result<()> {
    use nix::libc;
    use std::os::fd::AsRawFd;
    let v = libc::c_int::from(UDP_ENCAP_ESPINUDP);
    // SAFETY: `s` stays open for the call; the option value is a c_int and its size is the one passed.
    let r = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_UDP,
            libc::UDP_ENCAP,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// Keeps the kernel's XFRM states and policies equal to the engine's ESP children.
#[derive(Default)]
pub struct Installer {
    sock: Option<netlink_sys::Socket>,
    seq: u32,
    /// Installed pairs by (spi_in, spi_out), with their policy key.
    sas: BTreeMap<(u32, u32), (SaSpec, PolicyKey)>,
    /// Installed policies and their reqid.
    reqids: BTreeMap<PolicyKey, u32>,
    next_reqid: u32,
    /// Pairs the kernel refused (logged once).
    refused: BTreeSet<(u32, u32)>,
    /// What an earlier run left has been removed.
    cleaned: bool,
    /// The kernel's counts of each state (SPI, inbound) when last read: (bytes, packets).
    counted: BTreeMap<(u32, bool), (u64, u64)>,
    /// When the counts were last read.
    read_at: Option<std::time::Instant>,
    /// Tests: the messages, recorded instead of sent.
    #[cfg(test)]
    record: Option<Vec<XfrmMessage>>,
}

impl Installer {
    pub fn new() -> Installer {
        Installer { next_reqid: REQID_BASE + 1, ..Default::default() }
    }

    fn send(&mut self, m: XfrmMessage, flags: u16) -> std::io::Result<()> {
        #[cfg(test)]
        if let Some(r) = &mut self.record {
            r.push(m);
            return Ok(());
        }
        if self.sock.is_none() {
            self.sock = Some(socket()?);
        }
        self.seq = self.seq.wrapping_add(1);
        request(self.sock.as_ref().expect("opened above"), m, flags, self.seq)
    }

    /// Everything a request (a dump, or a get) returns.
    fn exchange(&mut self, m: XfrmMessage, flags: u16) -> std::io::Result<Vec<XfrmMessage>> {
        if self.sock.is_none() {
            self.sock = Some(socket()?);
        }
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let sock = self.sock.as_ref().expect("opened above");
        sock.send(&crate::xfrm::encode(m, flags, seq), 0)?;
        let mut got = Vec::new();
        loop {
            let (buf, _) = sock.recv_from_full()?;
            let mut off = 0;
            while off + 16 <= buf.len() {
                let m = NetlinkMessage::<XfrmMessage>::deserialize(&buf[off..])
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
                let len = m.header.length as usize;
                if len < 16 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "a netlink message shorter than its header",
                    ));
                }
                off += (len + 3) & !3;
                if m.header.sequence_number != seq {
                    continue;
                }
                match m.payload {
                    NetlinkPayload::Done(_) => return Ok(got),
                    NetlinkPayload::Error(e) => match e.code {
                        Some(c) => return Err(std::io::Error::from_raw_os_error(-c.get())),
                        None => return Ok(got),
                    },
                    NetlinkPayload::InnerMessage(x) => got.push(x),
                    _ => {}
                }
            }
        }
    }

    /// Remove what an earlier run left in the kernel: the states and
    /// policies with edgesh's reqids (others' are left alone). Returns how
    /// many states and policies went.
    pub fn clean_stale(&mut self) -> std::io::Result<(usize, usize)> {
        let mut states = 0;
        for m in self.exchange(XfrmMessage::GetDumpSa(GetDumpMessage::default()), NLM_F_DUMP)? {
            if let XfrmMessage::AddSa(s) = m
                && is_ours(s.user_sa_info.reqid)
            {
                let i = &s.user_sa_info;
                let d = StateDelGetMessage {
                    user_sa_id: UserSaId { daddr: i.id.daddr, spi: i.id.spi, family: i.family, proto: i.id.proto },
                    nlas: vec![],
                };
                self.send(XfrmMessage::DeleteSa(d), 0)?;
                states += 1;
            }
        }
        let mut policies = 0;
        for m in self.exchange(XfrmMessage::GetPolicy(PolicyDelGetMessage::default()), NLM_F_DUMP)? {
            if let XfrmMessage::AddPolicy(p) = m
                && p.nlas.iter().any(|n| matches!(n, XfrmAttrs::Template(t) if t.iter().any(|t| is_ours(t.reqid))))
            {
                let i = &p.user_policy_info;
                let d = PolicyDelGetMessage {
                    user_policy_id: UserPolicyId { selector: i.selector, index: 0, direction: i.direction },
                    nlas: vec![],
                };
                self.send(XfrmMessage::DeletePolicy(d), 0)?;
                policies += 1;
            }
        }
        Ok((states, policies))
    }

    /// The policies of a pair's selectors (created once per tunnel,
    /// selectors and ends; a rekey's pair finds them): their reqid, and
    /// whether they were made now.
    pub fn install_policies(&mut self, tunnel: &str, sa: &SaSpec) -> std::io::Result<(u32, bool)> {
        let key: PolicyKey = (tunnel.to_string(), sa.local_ts, sa.remote_ts, sa.local, sa.remote);
        if let Some(&r) = self.reqids.get(&key) {
            return Ok((r, false));
        }
        let r = self.next_reqid;
        for p in policies(sa, r) {
            if let Err(e) = self.send(XfrmMessage::UpdatePolicy(p), NLM_F_CREATE) {
                let _ = self.send_deletes(&delete_policies(sa));
                return Err(e);
            }
        }
        self.next_reqid += 1;
        self.reqids.insert(key, r);
        Ok((r, true))
    }

    /// Remove the policies of a pair's selectors (whoever uses them).
    pub fn remove_policies(&mut self, tunnel: &str, sa: &SaSpec) -> std::io::Result<()> {
        self.reqids.remove(&(tunnel.to_string(), sa.local_ts, sa.remote_ts, sa.local, sa.remote));
        self.send_deletes(&delete_policies(sa))
    }

    /// Send deletes, all of them; the first error.
    fn send_deletes(&mut self, d: &[PolicyDelGetMessage]) -> std::io::Result<()> {
        let mut first = Ok(());
        for m in d {
            let r = self.send(XfrmMessage::DeletePolicy(m.clone()), 0);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Install one pair: its policies (unless a pair with the same
    /// selectors has them) and its two states. When the kernel refuses a
    /// state, what this call added is taken back (an outbound policy
    /// without its state would hold the traffic).
    pub fn install(&mut self, tunnel: &str, sa: &SaSpec) -> std::io::Result<()> {
        let (reqid, new) = self.install_policies(tunnel, sa)?;
        for (n, s) in states(sa, reqid).into_iter().enumerate() {
            if let Err(e) = self.send(XfrmMessage::AddSa(s), NLM_F_CREATE | NLM_F_EXCL) {
                for d in delete_states(sa).into_iter().take(n) {
                    let _ = self.send(XfrmMessage::DeleteSa(d), 0);
                }
                if new {
                    let _ = self.remove_policies(tunnel, sa);
                }
                return Err(e);
            }
        }
        let key: PolicyKey = (tunnel.to_string(), sa.local_ts, sa.remote_ts, sa.local, sa.remote);
        self.sas.insert((sa.spi_in, sa.spi_out), (sa.clone(), key));
        Ok(())
    }

    /// Remove one pair: its states, and its policies when no other pair uses them.
    pub fn remove(&mut self, spis: (u32, u32)) -> std::io::Result<()> {
        let Some((sa, key)) = self.sas.remove(&spis) else { return Ok(()) };
        let mut first = Ok(());
        for d in delete_states(&sa) {
            let r = self.send(XfrmMessage::DeleteSa(d), 0);
            if first.is_ok() {
                first = r;
            }
        }
        if !self.sas.values().any(|(_, k)| *k == key) {
            let r = self.remove_policies(&key.0, &sa);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Follow the engine's children: new pairs first (a rekey's new SA is in
    /// before the old one goes), then the gone ones. Returns what to log.
    pub fn sync_children(&mut self, children: &[ChildSa]) -> Vec<String> {
        self.sync_specs(children.iter().map(|c| (c.tunnel.as_str(), (c.spi_in, c.spi_out), SaSpec::of(c))).collect())
    }

    /// [`Installer::sync_children`] on (tunnel, SPIs, what the kernel carries of the pair).
    fn sync_specs(&mut self, children: Vec<(&str, (u32, u32), Option<SaSpec>)>) -> Vec<String> {
        let mut log = Vec::new();
        let now: BTreeSet<(u32, u32)> = children.iter().map(|c| c.1).collect();
        for (tunnel, spis, sa) in children {
            if self.sas.contains_key(&spis) || self.refused.contains(&spis) {
                continue;
            }
            let Some(sa) = sa else { continue };
            if let Err(e) = self.install(tunnel, &sa) {
                log.push(format!("dataplane kernel: tunnel {tunnel}: SA 0x{:08x}: the kernel refused it: {e}", spis.0));
                self.refused.insert(spis);
            }
        }
        self.refused.retain(|s| now.contains(s));
        let gone: Vec<(u32, u32)> = self.sas.keys().filter(|s| !now.contains(s)).copied().collect();
        for spis in gone {
            if let Err(e) = self.remove(spis) {
                log.push(format!("dataplane kernel: SA 0x{:08x}: removing it: {e}", spis.0));
            }
        }
        log
    }

    /// With the router held: follow its children when the kernel carries
    /// them (the first time, after removing what an earlier run left).
    pub fn sync(&mut self, r: &mut edgesh_modes::Router) {
        if !ACTIVE.load(Ordering::Relaxed) {
            return;
        }
        if !self.cleaned {
            self.cleaned = true;
            match self.clean_stale() {
                Ok((0, 0)) => {}
                Ok((s, p)) => {
                    r.crypto_log(
                        5,
                        "DATAPLANE",
                        &format!("dataplane kernel: removed {s} states and {p} policies an earlier run left"),
                    );
                }
                Err(e) => {
                    r.crypto_log(
                        3,
                        "DATAPLANE",
                        &format!("dataplane kernel: cannot list the kernel's XFRM states and policies: {e}"),
                    );
                }
            }
        }
        for l in self.sync_children(r.engine.endpoint().child_sas()) {
            r.crypto_log(3, "DATAPLANE", &l);
        }
        // The kernel's byte counts reach the engine (shows, kilobyte
        // lifetimes) once a second, as the userspace dataplane's do: one
        // call per SA with its packets and bytes.
        if self.read_at.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1)) {
            self.read_at = Some(std::time::Instant::now());
            for (spi, inbound, bytes, packets) in self.traffic() {
                if packets > 0 {
                    r.engine.account_packets(spi, inbound, packets, bytes);
                }
            }
        }
    }

    /// The kernel's (bytes, packets) of one state.
    pub fn state_counts(&mut self, dst: &SocketAddrV4, spi: u32) -> std::io::Result<(u64, u64)> {
        let m = XfrmMessage::GetSa(StateDelGetMessage {
            user_sa_id: UserSaId { daddr: Address::from_ipv4(dst.ip()), spi, family: AF_INET, proto: IPPROTO_ESP },
            nlas: vec![],
        });
        for r in self.exchange(m, 0)? {
            if let XfrmMessage::AddSa(s) = r {
                return Ok((s.user_sa_info.lifetime_cur.bytes, s.user_sa_info.lifetime_cur.packets));
            }
        }
        Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "no state in the kernel's answer"))
    }

    /// What a state carried since its counts were last seen: (bytes, packets), if anything.
    fn delta(&mut self, key: (u32, bool), now: (u64, u64)) -> Option<(u64, u64)> {
        let before = self.counted.insert(key, now).unwrap_or((0, 0));
        // Counts that went down belong to a state made again: all of them are new.
        let d = if now.0 < before.0 || now.1 < before.1 { now } else { (now.0 - before.0, now.1 - before.1) };
        (d.1 > 0).then_some(d)
    }

    /// The traffic the kernel carried on edgesh's states since the last
    /// call: (SPI, inbound, bytes, packets).
    pub fn traffic(&mut self) -> Vec<(u32, bool, u64, u64)> {
        let want: Vec<((u32, bool), SocketAddrV4)> = self
            .sas
            .values()
            .flat_map(|(sa, _)| [((sa.spi_in, true), sa.local), ((sa.spi_out, false), sa.remote)])
            .filter(|((spi, _), _)| *spi != 0)
            .collect();
        self.counted.retain(|k, _| want.iter().any(|(w, _)| w == k));
        let mut out = Vec::new();
        for (key, dst) in want {
            if let Ok(now) = self.state_counts(&dst, key.0)
                && let Some((bytes, packets)) = self.delta(key, now)
            {
                out.push((key.0, key.1, bytes, packets));
            }
        }
        out
    }

    /// The pairs installed, by (spi_in, spi_out).
    pub fn installed(&self) -> Vec<(u32, u32)> {
        self.sas.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::config::Prefix4;
    use netlink_packet_core_xfrm::{Emitable, Parseable};
    use std::net::Ipv4Addr;

    fn ts(a: [u8; 4], len: u8) -> EngineSelector {
        EngineSelector { net: Prefix4 { addr: Ipv4Addr::from(a), len }, proto: 0, port: 0 }
    }

    fn sa(encr: EspEncr, auth: Option<EspAuth>, encap: bool, elen: usize, alen: usize) -> SaSpec {
        let port = if encap { 4500 } else { 500 };
        SaSpec {
            local: SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), port),
            remote: SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), if encap { 31000 } else { 500 }),
            encap,
            local_ts: ts([10, 1, 0, 0], 24),
            remote_ts: ts([10, 2, 0, 0], 16),
            spi_in: 0xc000_0001,
            spi_out: 0xd000_0002,
            encr,
            auth,
            keys_in: SaKeys { encr: vec![0x11; elen], auth: vec![0x22; alen] },
            keys_out: SaKeys { encr: vec![0x33; elen], auth: vec![0x44; alen] },
            replay_window: 64,
            esn: false,
        }
    }

    fn roundtrip_state(m: &StateModifyMessage) -> StateModifyMessage {
        let mut buf = vec![0u8; m.buffer_len()];
        m.emit(&mut buf);
        let back = StateModifyMessage::parse(&buf[..]).unwrap();
        assert_eq!(&back, m);
        back
    }

    fn cstr(n: &[u8]) -> &str {
        std::str::from_utf8(&n[..n.iter().position(|&b| b == 0).unwrap()]).unwrap()
    }

    /// (encryption or AEAD name, key bits, ICV bits) and (auth name, key bits, trunc bits) of a state.
    fn algs(m: &StateModifyMessage) -> (Option<(String, u32, u32)>, Option<(String, u32, u32)>) {
        let mut e = None;
        let mut a = None;
        for n in &m.nlas {
            match n {
                XfrmAttrs::EncryptionAlg(x) => e = Some((cstr(&x.alg_name).to_string(), x.alg_key_len, 0)),
                XfrmAttrs::EncryptionAlgAead(x) => {
                    e = Some((cstr(&x.alg_name).to_string(), x.alg_key_len, x.alg_icv_len))
                }
                XfrmAttrs::AuthenticationAlgTrunc(x) => {
                    a = Some((cstr(&x.alg_name).to_string(), x.alg_key_len, x.alg_trunc_len))
                }
                _ => {}
            }
        }
        (e, a)
    }

    #[test]
    fn every_esp_suite_has_its_kernel_names_and_key_lengths() {
        use EspAuth::*;
        use EspEncr::*;
        // (suite, encryption key octets (GCM: with the salt), auth key octets, expected enc, expected auth)
        let cases: &[(EspEncr, Option<EspAuth>, usize, usize, (&str, u32, u32), Option<(&str, u32, u32)>)] = &[
            (Aes128Cbc, Some(HmacSha1_96), 16, 20, ("cbc(aes)", 128, 0), Some(("hmac(sha1)", 160, 96))),
            (Aes192Cbc, Some(HmacSha256_128), 24, 32, ("cbc(aes)", 192, 0), Some(("hmac(sha256)", 256, 128))),
            (Aes256Cbc, Some(HmacSha384_192), 32, 48, ("cbc(aes)", 256, 0), Some(("hmac(sha384)", 384, 192))),
            (Aes256Cbc, Some(HmacSha512_256), 32, 64, ("cbc(aes)", 256, 0), Some(("hmac(sha512)", 512, 256))),
            (TripleDesCbc, Some(HmacMd5_96), 24, 16, ("cbc(des3_ede)", 192, 0), Some(("hmac(md5)", 128, 96))),
            (DesCbc, Some(HmacSha1_96), 8, 20, ("cbc(des)", 64, 0), Some(("hmac(sha1)", 160, 96))),
            (Aes128Cbc, Some(HmacAesXcbc), 16, 16, ("cbc(aes)", 128, 0), Some(("xcbc(aes)", 128, 96))),
            (Null, Some(HmacSha1_96), 0, 20, ("ecb(cipher_null)", 0, 0), Some(("hmac(sha1)", 160, 96))),
            (Aes128Gcm, None, 20, 0, ("rfc4106(gcm(aes))", 160, 128), None),
            (Aes192Gcm, None, 28, 0, ("rfc4106(gcm(aes))", 224, 128), None),
            (Aes256Gcm, None, 36, 0, ("rfc4106(gcm(aes))", 288, 128), None),
            (Aes128Cbc, None, 16, 0, ("cbc(aes)", 128, 0), None),
        ];
        for &(e, a, el, al, want_e, want_a) in cases {
            let s = sa(e, a, false, el, al);
            for (i, m) in states(&s, 7).iter().enumerate() {
                let back = roundtrip_state(m);
                let (ge, ga) = algs(&back);
                assert_eq!(ge, Some((want_e.0.to_string(), want_e.1, want_e.2)), "{e:?}/{a:?}");
                assert_eq!(ga, want_a.map(|(n, k, t)| (n.to_string(), k, t)), "{e:?}/{a:?}");
                // The right direction's keys.
                let key = back.nlas.iter().find_map(|n| match n {
                    XfrmAttrs::EncryptionAlg(x) => Some(x.alg_key.clone()),
                    XfrmAttrs::EncryptionAlgAead(x) => Some(x.alg_key.clone()),
                    _ => None,
                });
                assert_eq!(key.unwrap(), if i == 0 { s.keys_in.encr.clone() } else { s.keys_out.encr.clone() });
                // The AEAD alone, never an extra integrity algorithm.
                assert_eq!(back.nlas.iter().any(|n| matches!(n, XfrmAttrs::AuthenticationAlgTrunc(_))), a.is_some());
            }
        }
    }

    #[test]
    fn states_are_tunnel_mode_with_reqid_replay_window_and_the_right_ends() {
        let s = sa(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), false, 16, 20);
        let [i, o] = &states(&s, 9)[..] else { panic!() };
        let (i, o) = (i.clone(), o.clone());
        let (ii, oi) = (&i.user_sa_info, &o.user_sa_info);
        assert_eq!(
            (ii.id.spi, ii.saddr.to_ipv4(), ii.id.daddr.to_ipv4()),
            (0xc000_0001, Ipv4Addr::new(198, 51, 100, 2), Ipv4Addr::new(192, 0, 2, 1))
        );
        assert_eq!(
            (oi.id.spi, oi.saddr.to_ipv4(), oi.id.daddr.to_ipv4()),
            (0xd000_0002, Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(198, 51, 100, 2))
        );
        for m in [&i, &o] {
            let info = &m.user_sa_info;
            assert_eq!((info.id.proto, info.mode, info.reqid, info.family, info.replay_window), (50, 1, 9, 2, 0));
            let r =
                m.nlas.iter().find_map(|n| if let XfrmAttrs::ReplayStateEsn(r) = n { Some(r) } else { None }).unwrap();
            assert_eq!((r.replay_window, r.bmp_len, r.bmp.len()), (64, 2, 2));
            assert!(!m.nlas.iter().any(|n| matches!(n, XfrmAttrs::EncapsulationTemplate(_))), "no NAT: raw ESP");
        }
    }

    #[test]
    fn states_carry_the_configured_replay_window_or_none() {
        let replay = |w: u32| {
            let s = SaSpec { replay_window: w, ..sa(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), false, 16, 20) };
            let m = roundtrip_state(&states(&s, 1)[0]);
            assert_eq!(m.user_sa_info.replay_window, 0);
            m.nlas.iter().find_map(|n| if let XfrmAttrs::ReplayStateEsn(r) = n { Some(r.clone()) } else { None })
        };
        let got = |w| replay(w).map(|r| (r.replay_window, r.bmp_len, r.bmp.len()));
        assert_eq!(got(128), Some((128, 4, 4)));
        assert_eq!(got(1024), Some((1024, 32, 32)));
        assert_eq!(got(100), Some((100, 4, 4)), "SmartEdge allows any size: whole words of bitmap");
        assert_eq!(got(0), None, "no anti-replay (IOS manual SAs): no replay attribute, window 0");
    }

    #[test]
    fn esn_states_carry_the_flag_and_the_replay_attribute() {
        for (w, esn) in [(64, true), (0, true), (64, false)] {
            let s = SaSpec { replay_window: w, esn, ..sa(EspEncr::Aes128Gcm, None, false, 20, 0) };
            for m in states(&s, 1).iter().map(roundtrip_state) {
                assert_eq!(m.user_sa_info.flags & netlink_packet_xfrm::XFRM_STATE_ESN != 0, esn);
                let r = m.nlas.iter().find_map(|n| if let XfrmAttrs::ReplayStateEsn(r) = n { Some(r) } else { None });
                assert_eq!(r.map(|r| (r.replay_window, r.bmp_len)), (esn || w != 0).then_some((w, w / 32)));
            }
        }
    }

    #[test]
    fn nat_t_states_carry_udp_encapsulation_with_both_ports() {
        let s = sa(EspEncr::Aes256Gcm, None, true, 36, 0);
        let [i, o] = &states(&s, 3)[..] else { panic!() };
        let encap = |m: &StateModifyMessage| {
            m.nlas
                .iter()
                .find_map(|n| if let XfrmAttrs::EncapsulationTemplate(e) = n { Some(*e) } else { None })
                .unwrap()
        };
        let (ei, eo) = (encap(&roundtrip_state(i)), encap(&roundtrip_state(o)));
        assert_eq!(
            (ei.encap_type, ei.encap_sport, ei.encap_dport),
            (2, 31000, 4500),
            "inbound: from the peer's floated port to ours"
        );
        assert_eq!((eo.encap_type, eo.encap_sport, eo.encap_dport), (2, 4500, 31000));
        // On the wire the ports are in network order.
        let mut buf = vec![0u8; XfrmAttrs::EncapsulationTemplate(eo).buffer_len()];
        XfrmAttrs::EncapsulationTemplate(eo).emit(&mut buf);
        assert_eq!(&buf[4..10], &[2, 0, 0x11, 0x94, 0x79, 0x18]);
    }

    #[test]
    fn policies_out_in_fwd_with_selectors_template_and_reqid() {
        let mut s = sa(EspEncr::Aes128Gcm, None, false, 20, 0);
        s.local_ts.proto = 6;
        s.remote_ts.proto = 6;
        s.remote_ts.port = 443;
        let ps = policies(&s, 5);
        let dirs: Vec<u8> = ps.iter().map(|p| p.user_policy_info.direction).collect();
        assert_eq!(dirs, vec![XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD]);
        for p in &ps {
            let mut buf = vec![0u8; p.buffer_len()];
            p.emit(&mut buf);
            assert_eq!(&PolicyModifyMessage::parse(&buf[..]).unwrap(), p);
            let i = &p.user_policy_info;
            let out = i.direction == XFRM_POLICY_OUT;
            let sel = &i.selector;
            let (src, dst) = if out {
                (Ipv4Addr::new(10, 1, 0, 0), Ipv4Addr::new(10, 2, 0, 0))
            } else {
                (Ipv4Addr::new(10, 2, 0, 0), Ipv4Addr::new(10, 1, 0, 0))
            };
            assert_eq!((sel.saddr.to_ipv4(), sel.daddr.to_ipv4(), sel.proto), (src, dst, 6));
            assert_eq!((sel.prefixlen_s, sel.prefixlen_d), if out { (24, 16) } else { (16, 24) });
            assert_eq!(
                if out {
                    (sel.dport, sel.dport_mask, sel.sport_mask)
                } else {
                    (sel.sport, sel.sport_mask, sel.dport_mask)
                },
                (443, 0xffff, 0)
            );
            assert_eq!(i.priority, 2000 - 24 - 16 - 1 - 1);
            let [XfrmAttrs::Template(t)] = &p.nlas[..] else { panic!("{:?}", p.nlas) };
            let t = &t[0];
            let (ts, td) = if out {
                (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(198, 51, 100, 2))
            } else {
                (Ipv4Addr::new(198, 51, 100, 2), Ipv4Addr::new(192, 0, 2, 1))
            };
            assert_eq!(
                (t.saddr.to_ipv4(), t.id.daddr.to_ipv4(), t.id.proto, t.id.spi, t.reqid, t.mode),
                (ts, td, 50, 0, 5, 1)
            );
        }
        let d = delete_policies(&s);
        assert_eq!(d.iter().map(|p| p.user_policy_id.direction).collect::<Vec<_>>(), dirs);
        assert_eq!(d[0].user_policy_id.selector, ps[0].user_policy_info.selector);
        assert_eq!(d[2].user_policy_id.selector, ps[2].user_policy_info.selector);
    }

    /// What an installer sent: (kind, SPI or policy direction).
    fn kinds(i: &mut Installer) -> Vec<(&'static str, u32)> {
        i.record
            .as_mut()
            .unwrap()
            .drain(..)
            .map(|m| match m {
                XfrmMessage::AddSa(s) => ("add-sa", s.user_sa_info.id.spi),
                XfrmMessage::DeleteSa(d) => ("del-sa", d.user_sa_id.spi),
                XfrmMessage::UpdatePolicy(p) => ("policy", u32::from(p.user_policy_info.direction)),
                XfrmMessage::DeletePolicy(p) => ("del-policy", u32::from(p.user_policy_id.direction)),
                m => panic!("{m:?}"),
            })
            .collect()
    }

    #[test]
    fn a_rekey_installs_the_new_pair_before_the_old_goes_and_keeps_the_policies() {
        let mut i = Installer { record: Some(Vec::new()), ..Installer::new() };
        let old = sa(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), false, 16, 20);
        let new = SaSpec { spi_in: 0xc000_0011, spi_out: 0xd000_0012, ..old.clone() };
        assert!(i.sync_specs(vec![("Tunnel1", (old.spi_in, old.spi_out), Some(old.clone()))]).is_empty());
        assert_eq!(
            kinds(&mut i),
            vec![("policy", 1), ("policy", 0), ("policy", 2), ("add-sa", 0xc000_0001), ("add-sa", 0xd000_0002)]
        );
        // The rekey: the new pair replaces the old in one round; same reqid, the policies stay.
        i.sync_specs(vec![("Tunnel1", (new.spi_in, new.spi_out), Some(new.clone()))]);
        assert_eq!(
            kinds(&mut i),
            vec![("add-sa", 0xc000_0011), ("add-sa", 0xd000_0012), ("del-sa", 0xc000_0001), ("del-sa", 0xd000_0002)]
        );
        assert_eq!(i.installed(), vec![(0xc000_0011, 0xd000_0012)]);
        // An AH child (nothing for the kernel) changes nothing; the last pair going takes the policies.
        i.sync_specs(vec![("Tunnel1", (new.spi_in, new.spi_out), Some(new.clone())), ("Tunnel2", (5, 6), None)]);
        assert_eq!(kinds(&mut i), vec![]);
        i.sync_specs(vec![]);
        assert_eq!(
            kinds(&mut i),
            vec![
                ("del-sa", 0xc000_0011),
                ("del-sa", 0xd000_0012),
                ("del-policy", 1),
                ("del-policy", 0),
                ("del-policy", 2)
            ]
        );
        // A new pair afterwards gets policies with a new reqid.
        i.sync_specs(vec![("Tunnel1", (old.spi_in, old.spi_out), Some(old.clone()))]);
        let reqids: Vec<u32> = i
            .record
            .as_ref()
            .unwrap()
            .iter()
            .filter_map(|m| if let XfrmMessage::AddSa(s) = m { Some(s.user_sa_info.reqid) } else { None })
            .collect();
        assert_eq!(reqids, vec![REQID_BASE + 2, REQID_BASE + 2]);
    }

    #[test]
    fn a_one_way_manual_sa_gets_the_state_and_policies_of_its_direction_only() {
        let out_only = SaSpec { spi_in: 0, ..sa(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), true, 16, 20) };
        assert_eq!(states(&out_only, 1).iter().map(|m| m.user_sa_info.id.spi).collect::<Vec<_>>(), vec![0xd000_0002]);
        assert_eq!(delete_states(&out_only).iter().map(|m| m.user_sa_id.spi).collect::<Vec<_>>(), vec![0xd000_0002]);
        assert_eq!(
            policies(&out_only, 1).iter().map(|p| p.user_policy_info.direction).collect::<Vec<_>>(),
            vec![XFRM_POLICY_OUT]
        );
        let in_only = SaSpec { spi_in: 0xc000_0001, spi_out: 0, ..out_only.clone() };
        assert_eq!(states(&in_only, 1).iter().map(|m| m.user_sa_info.id.spi).collect::<Vec<_>>(), vec![0xc000_0001]);
        assert_eq!(
            delete_policies(&in_only).iter().map(|p| p.user_policy_id.direction).collect::<Vec<_>>(),
            vec![XFRM_POLICY_IN, XFRM_POLICY_FWD]
        );
    }

    #[test]
    fn the_kernel_counts_reach_the_engine_as_differences() {
        let mut i = Installer::new();
        assert_eq!(i.delta((7, true), (0, 0)), None, "nothing carried yet");
        assert_eq!(i.delta((7, true), (1500, 10)), Some((1500, 10)));
        assert_eq!(i.delta((7, true), (1500, 10)), None);
        assert_eq!(i.delta((7, true), (2000, 12)), Some((500, 2)));
        assert_eq!(i.delta((8, false), (100, 1)), Some((100, 1)), "per state");
        // A state that was made again counts from zero: all of its counts are new, never negative.
        assert_eq!(i.delta((7, true), (40, 1)), Some((40, 1)));
    }

    #[test]
    fn a_port_4500_socket_hands_esp_in_udp_to_the_kernel() {
        use nix::libc;
        use std::os::fd::AsRawFd;
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        encap_socket(&s).unwrap();
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `s` is open; `v` and `len` are a c_int and its size.
        let r = unsafe {
            libc::getsockopt(
                s.as_raw_fd(),
                libc::SOL_UDP,
                libc::UDP_ENCAP,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!((r, v), (0, 2), "UDP_ENCAP_ESPINUDP");
    }

    #[test]
    fn the_debug_form_shows_no_key() {
        let s = sa(EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), false, 16, 20);
        let d = format!("{s:?}");
        assert!(!d.contains("17") && !d.contains("0x11") && d.contains("<keys>"), "{d}");
    }
}
