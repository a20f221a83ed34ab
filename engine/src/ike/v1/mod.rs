//! IKEv1 (RFC 2407, 2408, 2409, 3947, 3706): what all its exchanges share
//! (received payloads by type, SA creation, framing and encryption of
//! messages, opening received ones, unprotected answers), and one module per
//! exchange: [`phase1`] (what main and aggressive mode share: the
//! responder's first message, keys, authentication, NAT-D), [`main_mode`],
//! [`aggressive`], [`quick`] (child SAs), [`informational`] (notify,
//! delete, DPD).
//!
//! Every exchange is a set of functions over the context and one SA
//! (`(&mut Ctx, &mut IkeSa)`), as strongSwan's tasks work on their
//! `ike_sa_t`: they read and write that SA, queue datagrams and events and
//! count. What reaches beyond the SA (removing it, other SAs, child SAs,
//! timers, the tunnels wanted) they return as a [`Next`] that the
//! endpoint's dispatcher (`endpoint/v1_dispatch.rs`) carries out. Nothing here names
//! the endpoint.

pub mod aggressive;
mod auth_hash;
pub mod informational;
pub mod main_mode;
pub mod phase1;
pub mod proposals;
pub mod quick;
pub mod sig_auth;

use crate::config::*;
use crate::ike::context::Ctx;
use crate::ike::crypto::*;
use crate::ike::events::*;
use crate::ike::params::*;
use crate::ike::sa::*;
use crate::ike::wire::{self, Builder, Header, NotifyRepr, Part, WireError, exchange, payload, proto};
use rand::Rng;
use std::net::SocketAddrV4;

pub(in crate::ike) fn nat_hash(h: HashAlg, ic: &[u8; 8], rc: &[u8; 8], a: SocketAddrV4) -> Vec<u8> {
    h.hash(&[ic, rc, &a.ip().octets(), &a.port().to_be_bytes()])
}

/// The received payloads of one message, by type.
pub(in crate::ike) struct Msg<'a> {
    pub(in crate::ike) list: Vec<wire::Payload<'a>>,
}

impl<'a> Msg<'a> {
    pub(in crate::ike) fn get(&self, kind: u8) -> Option<&wire::Payload<'a>> {
        self.list.iter().find(|p| p.kind == kind)
    }
    pub(in crate::ike) fn all(&self, kind: u8) -> impl Iterator<Item = &wire::Payload<'a>> {
        self.list.iter().filter(move |p| p.kind == kind)
    }
    pub(in crate::ike) fn kinds(&self) -> Vec<u8> {
        self.list.iter().map(|p| p.kind).collect()
    }
}

/// What an exchange asks of the dispatcher once it has done its part on
/// its SA (in the order the original single routine did it).
pub(in crate::ike) enum Next {
    /// Nothing more.
    Done,
    /// Phase 1 failed: the SA goes (counted, logged, the tunnel retried).
    Fail(DownReason),
    /// Phase 1 is up.
    Established,
    /// Main mode's responder checked MM5: the dispatcher removes the other
    /// SAs with this peer when it sent INITIAL-CONTACT, then MM6 goes out
    /// ([`main_mode::send_mm6`]) and phase 1 is up.
    Mm5 { initial_contact: bool },
    /// A quick mode completed: install its child SA pair (`spi_out`: the peer's SPI).
    Install(Box<Quick>, u32),
}

/// A new SA (its connection id from `next_conn`); an initiator draws its cookie.
#[allow(clippy::too_many_arguments)]
pub(in crate::ike) fn new_sa(
    cx: &mut Ctx,
    next_conn: &mut u32,
    now: Millis,
    tunnel: &str,
    role: Role,
    mode: ExchangeMode,
    local: SocketAddrV4,
    remote: SocketAddrV4,
) -> IkeSa {
    let mut icookie = [0u8; 8];
    if role == Role::Initiator {
        cx.rng.fill_bytes(&mut icookie);
    }
    let conn = *next_conn;
    *next_conn += 1;
    IkeSa {
        conn,
        tunnel: tunnel.to_string(),
        role,
        mode,
        icookie,
        rcookie: [0; 8],
        local,
        remote,
        state: if mode == ExchangeMode::Main { P1State::MmNoState } else { P1State::AgInitExch },
        chosen: None,
        created: now,
        established: None,
        nat_local: false,
        nat_remote: false,
        peer_natt: false,
        peer_dpd: false,
        peer_id: None,
        lifetime: DEFAULT_LIFETIME,
        phase: Phase1::Negotiating(Box::default()),
        last_sent: None,
        last_recv: None,
        replay: Replay::default(),
        retries: 0,
        timer: None,
        quick: Vec::new(),
        quick_done: Default::default(),
        dpd_seq: 0,
        dpd_outstanding: 0,
        dpd_timer: None,
        deleting: false,
        initial_contact: false,
        held_mm4: None,
        rekeyed: false,
    }
}

pub(in crate::ike) fn set_state(cx: &mut Ctx, sa: &mut IkeSa, new: P1State) {
    if sa.state != new {
        let old = sa.state;
        sa.state = new;
        cx.event(Event::State { conn: sa.conn, peer: *sa.remote.ip(), old, new });
    }
}

pub(in crate::ike) fn vids(dpd: bool) -> Vec<Vec<u8>> {
    let mut v = vec![wire::vid::NAT_T_RFC3947.to_vec()];
    if dpd {
        v.push(wire::vid::DPD.to_vec());
    }
    v
}

/// Note the peer's vendor IDs (NAT-T RFC 3947, DPD).
pub(in crate::ike) fn peer_vids(sa: &mut IkeSa, msg: &Msg) {
    for v in msg.all(payload::VID) {
        if v.body == wire::vid::NAT_T_RFC3947 {
            sa.peer_natt = true;
        }
        if v.body == wire::vid::DPD {
            sa.peer_dpd = true;
        }
    }
}

/// Frame `chain` behind an ISAKMP header, encrypting it with `iv` when given.
/// Returns the datagram and the last ciphertext block.
pub(in crate::ike) fn frame(
    sa: &IkeSa,
    exch: u8,
    msgid: u32,
    first: u8,
    chain: &[u8],
    iv: Option<&[u8]>,
) -> (Vec<u8>, Vec<u8>) {
    let mut body = chain.to_vec();
    let mut flags = 0;
    let mut last = Vec::new();
    if let (Some(iv), Some(c)) = (iv, sa.cipher()) {
        let bs = c.block_size();
        let pad = (bs - body.len() % bs) % bs;
        body.extend(std::iter::repeat_n(0u8, pad));
        // Key and IV lengths are ours and right; a failure would be a bug: send nothing useful.
        if c.cbc(sa.enc_key(), iv, &mut body, true).is_ok() {
            last = body[body.len() - bs..].to_vec();
        }
        flags |= wire::flags::ENCRYPTION;
    }
    let hdr = Header {
        icookie: sa.icookie,
        rcookie: sa.rcookie,
        next: first,
        major: 1,
        minor: 0,
        exchange: exch,
        flags,
        msgid,
        length: (wire::HEADER_LEN + body.len()) as u32,
    };
    let mut out = Vec::with_capacity(hdr.length as usize);
    hdr.emit(&mut out);
    out.extend_from_slice(&body);
    (out, last)
}

pub(in crate::ike) fn cookies(sa: &IkeSa) -> Vec<u8> {
    let mut v = sa.icookie.to_vec();
    v.extend_from_slice(&sa.rcookie);
    v
}

/// Answer a packet that has no SA (or a broken first message) with an
/// unprotected notify; `conn` is the SA its cookies name (0: none).
pub(in crate::ike) fn answer_unprotected(
    cx: &mut Ctx,
    conn: u32,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    hdr: Option<&Header>,
    kind: u16,
) {
    let (ic, rc) = hdr.map(|h| (h.icookie, h.rcookie)).unwrap_or(([0; 8], [0; 8]));
    if ic == [0; 8] {
        return;
    }
    let mut spi = ic.to_vec();
    spi.extend_from_slice(&rc);
    let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind, spi, data: vec![] };
    let mut b = Builder::new();
    b.push(payload::NOTIFY, n.emit());
    let chain = b.chain();
    let msgid = cx.msgid();
    let hdr = Header {
        icookie: ic,
        rcookie: rc,
        next: payload::NOTIFY,
        major: 1,
        minor: 0,
        exchange: exchange::INFORMATIONAL,
        flags: 0,
        msgid,
        length: (wire::HEADER_LEN + chain.len()) as u32,
    };
    let mut d = Vec::new();
    hdr.emit(&mut d);
    d.extend_from_slice(&chain);
    cx.stats.notifies_tx += 1;
    cx.event(Event::NotifySent { conn, peer: *remote.ip(), kind, protected: false });
    cx.send_raw(local, remote, d);
}

/// The connection an SA's own message names when answered unprotected
/// (its cookies, once the responder's is known).
pub(in crate::ike) fn answer_conn(sa: &IkeSa, hdr: &Header) -> u32 {
    if hdr.icookie == sa.icookie && hdr.rcookie == sa.rcookie && hdr.rcookie != [0; 8] { sa.conn } else { 0 }
}

/// Decrypt (when flagged) and parse a message's payloads. Phase-1 errors after
/// decryption are key mismatches.
pub(in crate::ike) fn open<'a>(
    sa: &IkeSa,
    hdr: &Header,
    data: &'a [u8],
    iv: Option<Vec<u8>>,
    plain: &'a mut Vec<u8>,
) -> Result<(Vec<wire::Payload<'a>>, Vec<u8>), WireError> {
    let body = &data[wire::HEADER_LEN..];
    if hdr.flags & wire::flags::ENCRYPTION == 0 {
        return wire::payloads(hdr.next, body).map(|p| (p, Vec::new()));
    }
    let (Some(c), Some(iv)) = (sa.cipher(), iv) else {
        return Err(WireError::Malformed(Part::EncryptedBeforeKeys));
    };
    let bs = c.block_size();
    if body.is_empty() || !body.len().is_multiple_of(bs) {
        return Err(WireError::Truncated { have: body.len(), need: body.len().div_ceil(bs) * bs });
    }
    *plain = body.to_vec();
    let last = body[body.len() - bs..].to_vec();
    c.cbc(sa.enc_key(), &iv, plain, false).map_err(|_| WireError::Malformed(Part::Ciphertext))?;
    wire::payloads(hdr.next, plain).map(|p| (p, last))
}

/// For a message whose decryption gave garbage (keys that differ): the
/// first payload's type and RESERVED octet (the second plaintext octet),
/// when that octet is not zero.
pub(in crate::ike) fn garbage_reserved(sa: &IkeSa, hdr: &Header, data: &[u8]) -> Option<(u8, u8)> {
    let c = sa.cipher()?;
    let first = data.get(wire::HEADER_LEN..wire::HEADER_LEN + c.block_size())?;
    let mut b = first.to_vec();
    c.cbc(sa.enc_key(), sa.iv(), &mut b, false).ok()?;
    b.get(1).copied().filter(|&r| r != 0).map(|r| (hdr.next, r))
}

/// Open a message of an exchange protected by the phase-1 keys (quick
/// mode, informational), the one way both do it: decrypt with `iv`
/// (a failure is reported as malformed), report it received, and split
/// off its leading HASH(1..3) payload (when missing: reported as
/// malformed if `require_hash`, else silently dropped), ready for
/// [`hash_ok`].
pub(in crate::ike) fn open_protected<'a>(
    cx: &mut Ctx,
    sa: &IkeSa,
    hdr: &Header,
    data: &'a [u8],
    iv: Vec<u8>,
    plain: &'a mut Vec<u8>,
    require_hash: bool,
) -> Option<Protected<'a>> {
    let (remote, conn) = (sa.remote, sa.conn);
    let (list, last) = match open(sa, hdr, data, Some(iv), plain) {
        Ok(x) => x,
        Err(e) => {
            cx.stats.rx_malformed += 1;
            cx.event(Event::Malformed { peer: remote, error: e, answered: None });
            return None;
        }
    };
    let msg = Msg { list };
    cx.event(Event::Received {
        conn,
        peer: remote,
        exchange: hdr.exchange,
        msgid: hdr.msgid,
        payloads: msg.kinds(),
        sa_state: Some((sa.role, sa.state)),
        local_port: sa.local.port(),
    });
    let Some(hash) = msg.list.first().filter(|p| p.kind == payload::HASH).map(|p| p.body) else {
        if require_hash {
            cx.event(Event::Malformed { peer: remote, error: WireError::Malformed(Part::Hash), answered: None });
        }
        return None;
    };
    let rest: Vec<u8> = msg.list[1..].iter().flat_map(|p| p.raw.iter().copied()).collect();
    let (Some(prf), Some(k)) = (sa.hash(), sa.keys()) else { return None };
    let ka = k.a.clone();
    Some(Protected { msg, last, hash, rest, prf, ka })
}

/// Whether a received HASH is the expected one; if not, reported as an
/// authentication failure.
pub(in crate::ike) fn hash_ok(cx: &mut Ctx, sa: &IkeSa, expected: &[u8], received: &[u8]) -> bool {
    if expected == received {
        return true;
    }
    cx.event(Event::AuthFailed { conn: sa.conn, peer: *sa.remote.ip() });
    false
}

/// The IV of a quick-mode or informational exchange (RFC 2409 appendix B):
/// from the last phase-1 CBC block (so far, for an informational exchange
/// before phase 1 is up) and the message ID.
pub(in crate::ike) fn qm_iv(sa: &IkeSa, msgid: u32) -> Vec<u8> {
    let (Some(h), Some(c)) = (sa.hash(), sa.cipher()) else { return Vec::new() };
    h.hash(&[sa.iv(), &msgid.to_be_bytes()])[..c.block_size()].to_vec()
}

/// A protected message opened by [`open_protected`].
pub(in crate::ike) struct Protected<'a> {
    pub(in crate::ike) msg: Msg<'a>,
    /// The last ciphertext block (the next IV of the exchange).
    pub(in crate::ike) last: Vec<u8>,
    /// The body of the leading HASH payload.
    pub(in crate::ike) hash: &'a [u8],
    /// The payloads after the HASH, as received (what HASH(1) and HASH(2) cover).
    pub(in crate::ike) rest: Vec<u8>,
    /// The phase-1 PRF and SKEYID_a.
    pub(in crate::ike) prf: HashAlg,
    pub(in crate::ike) ka: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn phase1_state_owns_what_is_valid_in_it() {
        let mut cx = Ctx::new(3);
        let mut next = 1001;
        let ends =
            (SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 500), SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 500));
        let mut sa = new_sa(&mut cx, &mut next, 0, "t", Role::Initiator, ExchangeMode::Main, ends.0, ends.1);
        assert_eq!((sa.conn, next), (1001, 1002));
        assert!(sa.keys().is_none() && sa.iv().is_empty() && sa.p1_last().is_empty() && sa.enc_key().is_empty());
        assert!(sa.cipher().is_none() && sa.tshark_key().is_none(), "no proposal chosen yet");
        sa.nego_mut().expect("negotiating").ni = vec![7; 20];
        sa.keyed(P1Keys { skeyid: vec![1], d: vec![2], a: vec![3], enc: vec![4; 16] }, vec![5; 16]);
        assert_eq!(sa.nego().ni, vec![7; 20], "keyed: the negotiation stays (the HASHes cover it)");
        assert_eq!((sa.iv(), sa.enc_key()), (&[5u8; 16][..], &[4u8; 16][..]));
        assert!(sa.p1_last().is_empty(), "not up yet (informational exchanges are protected with the IV so far)");
        sa.set_iv(vec![6; 16]);
        sa.establish_keys();
        assert!(sa.nego().ni.is_empty() && sa.nego_mut().is_none(), "up: the negotiation is gone");
        assert_eq!(sa.keys().map(|k| k.d.clone()), Some(vec![2]));
        assert_eq!((sa.p1_last(), sa.iv()), (&[6u8; 16][..], &[6u8; 16][..]), "the last phase-1 block");
        sa.set_iv(vec![9; 16]);
        assert_eq!(sa.p1_last(), &[6u8; 16][..], "fixed once up");
    }

    #[test]
    fn the_exchanges_never_name_the_endpoint() {
        let sources = [
            ("mod.rs", include_str!("mod.rs")),
            ("phase1.rs", include_str!("phase1.rs")),
            ("main_mode.rs", include_str!("main_mode.rs")),
            ("aggressive.rs", include_str!("aggressive.rs")),
            ("quick.rs", include_str!("quick.rs")),
            ("informational.rs", include_str!("informational.rs")),
            ("proposals.rs", include_str!("proposals.rs")),
        ];
        let (a, b) = ("ike::end", "point");
        let (c, d) = ("End", "point");
        for (name, src) in sources {
            for line in src.lines().filter(|l| !l.trim_start().starts_with("//")) {
                assert!(
                    !line.contains(&format!("{a}{b}")) && !line.contains(&format!("{c}{d}")),
                    "{name} names the endpoint: {line}"
                );
            }
        }
    }
}
