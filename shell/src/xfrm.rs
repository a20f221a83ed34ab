//! Kernel XFRM (issue 19): which dataplane carries the traffic, and why.
//! `--dataplane kernel|userspace` (default `userspace`, the TUN + ESP
//! dataplane of `dataplane/`). With `kernel`, edgesh asks the kernel of
//! its namespace at start whether it accepts an ESP state: it adds a
//! throwaway tunnel-mode ESP state (documentation addresses, AES-CBC with
//! HMAC-SHA1) through XFRM netlink and deletes it again. The messages are
//! built with `netlink-packet-xfrm` (rust-netlink), the kernel's own parser
//! answers. Where it accepts, the kernel carries the ESP child SAs
//! (negotiated and manual-key): `xfrm_sa.rs` installs their states and
//! policies and removes them when the SAs go, and the userspace dataplane
//! leaves them alone (AH children stay there). Many kernels (this
//! project's machines among them) are built without ESP in XFRM and answer
//! "Protocol not supported", the error `ip xfrm state add ... proto esp`
//! reports there: then the log says so once and the userspace dataplane
//! carries everything.

use netlink_packet_core_xfrm::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_xfrm::state::{DelGetMessage as StateDelGetMessage, ModifyMessage as StateModifyMessage};
use netlink_packet_xfrm::{
    Address, AlgAuth, IPPROTO_ESP, Id, Selector, UserSaId, UserSaInfo, XFRM_INF, XFRM_MODE_TUNNEL, XfrmAttrs,
    XfrmMessage,
};
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::AtomicBool;

/// `--dataplane kernel`: probe the kernel at start.
pub static KERNEL_ASKED: AtomicBool = AtomicBool::new(false);

/// The kernel carries ESP child SAs (`--dataplane kernel` and the probe
/// succeeded): `xfrm_sa` installs them and the userspace dataplane leaves them.
pub static ACTIVE: AtomicBool = AtomicBool::new(false);

pub(crate) const AF_INET: u16 = 2;

pub(crate) fn name<const N: usize>(s: &str) -> [u8; N] {
    let mut n = [0u8; N];
    let s = &s[..s.len().min(N - 1)];
    n[..s.len()].copy_from_slice(s.as_bytes());
    n
}

/// A tunnel-mode ESP state (AES-CBC, HMAC-SHA1-96) from `src` to `dst`.
pub fn esp_state(src: Ipv4Addr, dst: Ipv4Addr, spi: u32, enc_key: &[u8], auth_key: &[u8]) -> StateModifyMessage {
    let mut info = UserSaInfo { selector: Selector::default(), ..Default::default() };
    info.selector.family = AF_INET;
    info.id = Id { daddr: Address::from_ipv4(&dst), spi, proto: IPPROTO_ESP };
    info.saddr = Address::from_ipv4(&src);
    info.family = AF_INET;
    info.mode = XFRM_MODE_TUNNEL;
    info.replay_window = 32;
    info.lifetime_cfg.soft_byte_limit = XFRM_INF;
    info.lifetime_cfg.hard_byte_limit = XFRM_INF;
    info.lifetime_cfg.soft_packet_limit = XFRM_INF;
    info.lifetime_cfg.hard_packet_limit = XFRM_INF;
    let enc = netlink_packet_xfrm::Alg {
        alg_name: name("cbc(aes)"),
        alg_key_len: (enc_key.len() * 8) as u32,
        alg_key: enc_key.to_vec(),
    };
    let auth = AlgAuth {
        alg_name: name("hmac(sha1)"),
        alg_key_len: (auth_key.len() * 8) as u32,
        alg_trunc_len: 96,
        alg_key: auth_key.to_vec(),
    };
    StateModifyMessage {
        user_sa_info: info,
        nlas: vec![XfrmAttrs::EncryptionAlg(enc), XfrmAttrs::AuthenticationAlgTrunc(auth)],
    }
}

/// Delete the ESP state of `spi` towards `dst`.
pub fn delete_state(dst: Ipv4Addr, spi: u32) -> StateDelGetMessage {
    StateDelGetMessage {
        user_sa_id: UserSaId { daddr: Address::from_ipv4(&dst), spi, family: AF_INET, proto: IPPROTO_ESP },
        nlas: vec![],
    }
}

/// The serialized request.
pub fn encode(msg: XfrmMessage, flags: u16, seq: u32) -> Vec<u8> {
    let mut h = NetlinkHeader::default();
    h.flags = flags | NLM_F_REQUEST | NLM_F_ACK;
    h.sequence_number = seq;
    let mut nl = NetlinkMessage::new(h, NetlinkPayload::InnerMessage(msg));
    nl.finalize();
    let mut buf = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut buf);
    buf
}

pub(crate) fn request(sock: &netlink_sys::Socket, msg: XfrmMessage, flags: u16, seq: u32) -> io::Result<()> {
    sock.send(&encode(msg, flags, seq), 0)?;
    loop {
        let (buf, _) = sock.recv_from_full()?;
        let m = NetlinkMessage::<XfrmMessage>::deserialize(&buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        if m.header.sequence_number != seq {
            continue;
        }
        return match m.payload {
            NetlinkPayload::Error(e) => match e.code {
                Some(c) => Err(io::Error::from_raw_os_error(-c.get())),
                None => Ok(()),
            },
            _ => Ok(()),
        };
    }
}

/// What the kernel said to an ESP state.
#[derive(Debug)]
pub enum Probe {
    /// It took one (and it was removed again).
    Accepted,
    /// It refused it (no ESP in XFRM: "Protocol not supported").
    Refused(io::Error),
    /// No XFRM netlink (no permission, no XFRM at all).
    NoXfrm(io::Error),
}

/// An XFRM netlink socket of this namespace.
pub(crate) fn socket() -> io::Result<netlink_sys::Socket> {
    let mut s = netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_XFRM)?;
    s.bind_auto()?;
    s.connect(&netlink_sys::SocketAddr::new(0, 0))?;
    Ok(s)
}

/// Ask the kernel of this namespace whether it accepts an ESP state.
pub fn probe() -> Probe {
    let sock = match socket() {
        Ok(s) => s,
        Err(e) => return Probe::NoXfrm(e),
    };
    let (src, dst, spi) = (Ipv4Addr::new(192, 0, 2, 254), Ipv4Addr::new(192, 0, 2, 253), 0xedd5_0001);
    match request(
        &sock,
        XfrmMessage::AddSa(esp_state(src, dst, spi, &[0x11; 16], &[0x22; 20])),
        NLM_F_CREATE | NLM_F_EXCL,
        1,
    ) {
        Ok(()) => {
            let _ = request(&sock, XfrmMessage::DeleteSa(delete_state(dst, spi)), 0, 2);
            Probe::Accepted
        }
        Err(e) if e.raw_os_error() == Some(1) => Probe::NoXfrm(e),
        Err(e) => Probe::Refused(e),
    }
}

/// Probe, set [`ACTIVE`] when the kernel accepts ESP, and
/// say which dataplane runs and why (the one log line).
pub fn start() -> String {
    let p = probe();
    ACTIVE.store(matches!(p, Probe::Accepted), std::sync::atomic::Ordering::Relaxed);
    explain(&p)
}

/// The log line that says which dataplane runs and why.
pub fn explain(p: &Probe) -> String {
    match p {
        Probe::Accepted => "dataplane kernel: the kernel accepts ESP states: it carries the ESP SAs (XFRM states and policies); AH SAs stay in the userspace dataplane (edgesh0)".into(),
        Probe::Refused(e) => format!("dataplane kernel: the kernel refuses an ESP state ({e}; no ESP in its XFRM): the userspace dataplane (edgesh0) carries the traffic"),
        Probe::NoXfrm(e) => format!("dataplane kernel: no XFRM netlink ({e}): the userspace dataplane (edgesh0) carries the traffic"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core_xfrm::{Emitable, Parseable};

    #[test]
    fn an_esp_state_is_what_ip_xfrm_would_send() {
        let m = esp_state(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2), 0xc0ffee01, &[1; 16], &[2; 20]);
        let mut buf = vec![0u8; m.buffer_len()];
        m.emit(&mut buf);
        let back = StateModifyMessage::parse(&buf[..]).unwrap();
        assert_eq!(back, m);
        let i = &back.user_sa_info;
        assert_eq!(i.id.proto, 50);
        assert_eq!(i.id.daddr.to_ipv4(), Ipv4Addr::new(192, 0, 2, 2));
        assert_eq!(i.saddr.to_ipv4(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!((i.family, i.mode), (2, 1), "inet, tunnel mode");
        // The SPI goes on the wire in network order (struct xfrm_id's __be32 spi).
        let id_at = 56; // after struct xfrm_selector
        assert_eq!(&buf[id_at..id_at + 4], &[192, 0, 2, 2]);
        assert_eq!(&buf[id_at + 16..id_at + 20], &[0xc0, 0xff, 0xee, 0x01]);
        assert_eq!(buf[id_at + 20], 50);
        match &back.nlas[..] {
            [XfrmAttrs::EncryptionAlg(e), XfrmAttrs::AuthenticationAlgTrunc(a)] => {
                assert!(e.alg_name.starts_with(b"cbc(aes)\0"));
                assert_eq!(e.alg_key_len, 128);
                assert!(a.alg_name.starts_with(b"hmac(sha1)\0"));
                assert_eq!((a.alg_key_len, a.alg_trunc_len), (160, 96));
            }
            n => panic!("{n:?}"),
        }
        let b = encode(XfrmMessage::AddSa(m), NLM_F_CREATE | NLM_F_EXCL, 7);
        assert_eq!(u16::from_ne_bytes(b[4..6].try_into().unwrap()), 16, "XFRM_MSG_NEWSA");
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, b.len());
    }

    #[test]
    fn the_log_says_why_userspace_carries_the_traffic() {
        let e = io::Error::from_raw_os_error(93);
        assert_eq!(
            explain(&Probe::Refused(e)),
            "dataplane kernel: the kernel refuses an ESP state (Protocol not supported (os error 93); no ESP in its XFRM): the userspace dataplane (edgesh0) carries the traffic"
        );
        assert_eq!(
            explain(&Probe::Accepted),
            "dataplane kernel: the kernel accepts ESP states: it carries the ESP SAs (XFRM states and policies); AH SAs stay in the userspace dataplane (edgesh0)"
        );
    }
}
