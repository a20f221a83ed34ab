//! The ASA's syslog messages (`%ASA-SEV-ID: text`) and `debug crypto
//! ikev1|ipsec` lines for the engine's typed events. The texts are the
//! ASA's (public captures of ASA 9.x logs and the Cisco ASA syslog
//! reference):
//!
//! * `%ASA-5-713119: Group = G, IP = P, PHASE 1 COMPLETED`
//! * `%ASA-3-713061: Group = G, IP = P, Rejecting IPSec tunnel: no matching
//!   crypto map entry for remote proxy A/M/P/P local proxy B/M/P/P on
//!   interface NAMEIF` (seed 000; in `debug crypto ikev1` output the same
//!   text comes as `[IKEv1]Group = G, IP = P, Rejecting IPSec tunnel: ...`)
//! * `%ASA-6-602303: IPSEC: An inbound|outbound LAN-to-LAN SA (SPI= 0x..)
//!   between A and B (user= G) has been created.` and `602304 ... deleted.`
//! * `%ASA-3-713902: Group = G, IP = P, All IPSec SA proposals found
//!   unacceptable!` (phase 2), `IP = P, All SA proposals found unacceptable`
//!   (phase 1)
//! * `%ASA-4-713903: IP = P, Received encrypted Oakley Main Mode packet with
//!   invalid payloads, MessID = 0` (the pre-shared keys differ). 713902,
//!   713903 and 713904 are the ASA's level-3, -4 and -5 free-text IKE
//!   messages: `%ASA-4-713903: ` then a sentence with the `IP = P, ` /
//!   `Group = G, IP = P, ` prefix (real ASA 8.0 logs kept in a public
//!   GitHub repository, tunnelsup/tunnelsup.github.io,
//!   `l2l-tunnel-failed-at-mm_wait_msg4`: `%ASA-4-713903: IP = P,
//!   Information Exchange processing failed`, `%ASA-5-713904: IP = P,
//!   Received an un-encrypted INVALID_COOKIE notify message, dropping`;
//!   other logs: `IKE Receiver: Runt ISAKMP packet discarded on Port 4500
//!   from A:P`, `Group = G, IP = P, Error: Unable to remove PeerTblEntry`).
//!   The ID, level and prefix are the ASA's; this exact sentence for a key
//!   mismatch was not found in the stored public material (searched again
//!   2026-12-02, twice: the page, documentation, issue and code stores for
//!   `had problems decrypting packet`, `mismatched pre-shared key`, `Oakley
//!   Main Mode packet with invalid payloads`, `713903`/`713904` with a key
//!   mismatch: no real capture of either sentence) and stays as the debug
//!   text ASA write-ups quote. Searched a third time (issue 17's last
//!   bullet), in places that ship real logs as test data: elastic/integrations
//!   `packages/cisco_asa/data_stream/log/_dev/test/pipeline/test-additional-messages.log`
//!   (its 713901..713905 lines all read `All IPSec SA proposals found
//!   unacceptable!` at level 6: a parser fixture, not a capture; no key
//!   mismatch), elastic/beats `x-pack/filebeat/module/cisco/asa/test/`
//!   (listed), the whole of tunnelsup/tunnelsup.github.io (fetched: only the
//!   two lines above and the AWS post's `%ASA-3-713902: Group = G, IP = P,
//!   QM FSM error (P2 struct &0x..., mess id 0x...)!`), exact-string lookups
//!   over the code index (`ASA-4-713903`, `ASA-5-713904`, `ASA-3-713902`,
//!   `713903: IP =`, `713904: IP =`, `713903: Group =`, `713904: Group =`,
//!   `invalid payloads, MessID`, `problems decrypting packet`, `mismatched
//!   pre-shared key`, `Received encrypted packet with no matching SA`) and
//!   the page store (Cisco's ASA IKEv1 debug notes 113574 and 113595,
//!   petenetlive KB 0000216). Real lines found: a PIX 7 syslog sample in a
//!   public syslog recorder, `%PIX-5-713904: IP = P, Received encrypted packet
//!   with no matching SA, dropping`, and a logstash note's `%ASA-4-713903: IKE
//!   Receiver: Runt ISAKMP packet discarded on Port 4500 from A:P`; neither is
//!   tied to a key mismatch. The 713903/713904 key-mismatch lines that do
//!   appear (SIEM generators, a troubleshooting game, a blog's `%ASA-5-713904:
//!   ..., All IKE SA proposals found unacceptable!` under "PSK diferente")
//!   are made up, not captures. Searched a fifth time (2026-12-03: the page
//!   and documentation stores for the guide's 713903 entry and for `had
//!   problems decrypting packet`, Cisco's ASA IKEv1 main-mode debug notes,
//!   the code index for `%ASA-4-713903:`): the same real lines only (`IP =
//!   P, Information Exchange processing failed`, `IKE Receiver: Runt ISAKMP
//!   packet discarded on Port 4500 from A:P`, `Group = G, IP = P, Error:
//!   Unable to remove PeerTblEntry`), none for a key mismatch. Searched a
//!   sixth time, differently (2026-12-03: exact strings of the other lines
//!   an ASA prints around a failed main mode, over the code index:
//!   `Duplicate Phase 1 packet detected`, `Error processing payload:
//!   Payload ID`, `Hash verification failed`; the page store for a main
//!   mode stuck at MM_WAIT_MSG5 with a key mismatch; and copies of Cisco's
//!   syslog guide chapters in the code index, whose 713902/713903/713904
//!   entries are free text): `%ASA-3-713048: Error processing payload:
//!   Payload ID: 1` appears only in the made-up "PSK diferente" lines, so
//!   nothing real. So the sentence stays as it was. A socket
//!   edgesh cannot bind is logged at level 3, so under 713902.
//!
//! A tunnel's end (the Cisco ASA syslog reference, and public ASA/PIX logs
//! for the exact spacing and the L2L forms):
//!
//! * `%ASA-5-713050: Group = G, IP = P, Connection terminated for peer P.
//!   Reason: R  Remote Proxy A, Local Proxy B` for each IPsec SA pair that
//!   goes (a PIX 7 capture: `Connection terminated for peer 78.188.164.121.
//!   Reason: IPSec SA Idle Timeout  Remote Proxy 172.28.104.0, Local Proxy
//!   0.0.0.0`, two spaces before `Reason` and `Remote`, the proxies as
//!   addresses), after its two 602304 lines.
//! * `%ASA-4-113019: Group = G, Username = P, IP = P, Session disconnected.
//!   Session Type: LAN-to-LAN, Duration: 0h:00m:00s, Bytes xmt: N, Bytes
//!   rcv: N, Reason: R` when the session (its IKE SA) ends, from the
//!   engine's [`Event::SessionEnd`]: the real duration and the bytes its
//!   IPsec SAs carried (an ASA 9.2 capture of an L2L session: `Group =
//!   77.88.99.100, Username = 77.88.99.100, IP = 77.88.99.100, Session
//!   disconnected. Session Type: LAN-to-LAN, Duration: 0h:00m:00s, Bytes
//!   xmt: 0, Bytes rcv: 0, Reason: crypto map policy not found`: an L2L
//!   session's user name is the peer's address).
//! * `%ASA-5-713259: Group = G, IP = P, Session is being torn down. Reason:
//!   R` just before each 113019, with the same reason (the same ASA 9.2
//!   capture: `Group = 77.88.99.100, IP = 77.88.99.100, Session is being
//!   torn down. Reason: crypto map policy not found`, then its 113019).
//! * `%ASA-3-713123: Group = G, IP = P, IKE lost contact with remote peer,
//!   deleting connection (keepalive type: DPD)` when DPD declares the peer
//!   dead.
//!
//! An L2L session is its IPsec tunnels: `clear crypto ipsec sa [peer A]`
//! ends the session of each peer it leaves without any (its IKE SA is
//! cleared too: `show_sa::clear_ipsec`), so it logs 713259 and 113019 as
//! `clear crypto isakmp sa` does.
//!
//! The reasons ([`end_reason`]): `Administrator Reset` for `clear crypto
//! ...` (in the reference's list of 713050 reasons, and a RADIUS
//! termination cause the ASA's session reasons follow), `Peer Terminate`
//! (713050's list) and `User Requested` (113019: public captures of
//! sessions their far end closed) for the peer's delete, `Lost Service`
//! (113019 captures; the RADIUS cause for a lost connection) for a dead
//! peer. The reference's 113019 list itself was not in the stored public
//! material (searched 2026-12-03: the guide's 113019 entry, `Reason:
//! Administrator Reset`, `Reason: Peer Terminate`); other ends (lifetimes,
//! rekeys) are not logged as a session's end.
//!
//! Every cause the engine gives an established IKE SA's end
//! ([`Event::SessionEnd`]), and its 113019 (checked variant by variant in
//! `every_engine_end_has_its_113019_or_none`):
//!
//! | engine cause | 113019 `Reason:` | why |
//! |---|---|---|
//! | `Cleared` (`clear crypto ...`, `vpn-sessiondb logoff`) | `Administrator Reset` | 713050's list |
//! | `DeletedByPeer` | `User Requested` | real ASA captures of sessions their far end closed (`Session Type: IKEv1, ... Reason: User Requested`, ASA 2014; an FTD's SSL session) |
//! | `PeerDead` (DPD) | `Lost Service` | public captures |
//! | `Rekeyed` | none | not an end: the session goes on over the new SA |
//! | `LifetimeExpired` (phase 1 ran out unrenewed) | none | no real reason string found |
//! | `InitialContact` (the peer came back) | none | no real reason string found |
//! | `RemovedFromConfig` | none | no real reason string found |
//! | `PeerNotify(n)`, `NoResponse`, `NegotiationTimedOut`, the failures | none | no real reason string found (the failures end SAs not yet up: no session) |
//!
//! `Idle Timeout` is a real reason (an FTD 113019 sample) but the engine has
//! no idle timeout on its SAs, so nothing maps to it. Cisco's syslog guide
//! (a copy of its 713xxx chapter in the code index) lists 713259's reasons
//! as RADIUS termination causes (`Port Preempted`, `Idle Timeout`, `Max
//! Time Exceeded`, `Administrator Reset`) and 713050's as `IPsec SA Idle
//! Timeout`, `IPsec SA Max Time Exceeded`, `Administrator Reset`,
//! `Administrator Reboot`, `Administrator Shutdown`, `Session
//! Disconnected`, `Session Error Terminated`, `Peer Terminate`: none names
//! an IKE SA's lifetime running out, a peer's INITIAL-CONTACT or a
//! configuration change (`Max Time Exceeded` is the session's maximum
//! connect time, which edgesh does not have). Searched for the
//! others (2026-12-03, the code index): `Reason: SA Expired`, `Reason: IKE
//! Delete`, `Reason: Peer Reconnected`, `Session Type: LAN-to-LAN`,
//! `Session Type: IKEv1`: only `crypto map policy not found` (a phase 2
//! that found no map, which the engine reports as a proxy mismatch before
//! any session) and `User Requested`.
//!
//! A peer's certificate that validated ([`Event::CertAccepted`]):
//! `%ASA-7-717029: Identified client certificate within certificate chain.
//! serial number: S, subject name: N.` and `%ASA-6-717022: Certificate was
//! successfully validated. serial number: S, subject name:  N.`: the texts
//! of the Cisco ASA syslog guide (`Identified client certificate within
//! certificate chain. serial_number.`, `Certificate was successfully
//! validated. certificate_identifiers.`) with the identifiers as a real ASA
//! 9 log in a public repository prints them (`serial number:
//! 4E819769406A4BEE8D9825C9E1052208, subject name: c=US,st=MD,...`, two
//! spaces after 717022's `subject name:`; [`asa_name`]). Between them, as
//! that log has it, `%ASA-7-717030: Found a suitable trustpoint TP to
//! validate certificate.` (TP: the trustpoint holding the CA the chain
//! reached, the event's `trustpoint`: `pki.rs` names the anchors), and after
//! them, when the event says revocation was not checked (`revocation-check
//! none`, or no CRL of an issuer held), `%ASA-6-717028: Certificate chain
//! was successfully validated with warning, revocation status was not
//! checked.` (the same log; the guide: `Certificate chain was successfully
//! validated _additional_info_.`, "with warning" when no CRL check was
//! performed). A chain whose revocation was checked has no 717028: the
//! words of its `additional_info` were not found. A refused certificate has
//! no 717009/717027 line: the guide (`%ASA-3-717009: Certificate validation
//! failed. _reason_string_.`, `%ASA-3-717027: Certificate chain failed
//! validation. _reason_string_.`) gives their reasons as free text, and the
//! ASA's own reason strings were not found (searched again 2026-12-03: a
//! copy of the guide's 715001-717xxx chapter in the code index has the
//! templates only).
//!
//! The group (`Group = G`, `user= G`) is the tunnel-group the peer's phase
//! 1 landed on: the one named by the peer's address, `DefaultL2LGroup` for
//! a peer a dynamic map answered, or the identity a group is named by. The
//! same public logs show it (`IP = P, Connection landed on tunnel_group G`,
//! then `Group = G, IP = P, ...` on every later line, up to `PHASE 1
//! COMPLETED` and the quick mode; `debug-messages-from-successful-l2l-tunnel`).
//! Phase 1 up and the SA lines name their tunnel; the quick-mode rejections
//! (713061, 713902) find the IKE SA's tunnel by its connection id
//! ([`TunnelOf`]); phase-1 failures, before any group, have only `IP = P, `.
//! What an event does not carry (the name of the peer's interface, the
//! local address) comes from the router's compiled model ([`Ctx`]).

use crate::monitor::DebugFlags;
use edgesh_engine::ike::Event;
use edgesh_engine::ike::events::DownReason;
use edgesh_engine::ike::wire::{IdRepr, id_type};
use std::net::Ipv4Addr;

/// What the router's compiled model says of a peer: the nameif of the
/// interface its tunnel is on and the tunnel's local address (a peer no
/// static tunnel names is answered by a dynamic map's tunnel).
pub struct Ctx {
    pub nameif: String,
    pub local: String,
}

impl Ctx {
    pub fn of(model: &edgesh_engine::Config, peer: Ipv4Addr) -> Ctx {
        let t = model
            .tunnels
            .values()
            .find(|t| t.remote == Some(peer))
            .or_else(|| model.tunnels.values().find(|t| t.dynamic_map));
        Ctx {
            nameif: t.and_then(|t| t.bind_interface.as_ref()).map(|b| b.0.clone()).unwrap_or_else(|| "outside".into()),
            local: t.and_then(|t| t.local).map(|a| a.to_string()).unwrap_or_else(|| "0.0.0.0".into()),
        }
    }
}

/// A proxy identity as the ASA prints it: `addr/mask/prot/port`.
pub fn proxy(id: &IdRepr) -> String {
    let (a, m) = match id.id_type {
        id_type::IPV4_ADDR => (id.addr(0).unwrap_or(Ipv4Addr::UNSPECIFIED), Ipv4Addr::BROADCAST),
        id_type::IPV4_ADDR_SUBNET => {
            (id.addr(0).unwrap_or(Ipv4Addr::UNSPECIFIED), id.addr(1).unwrap_or(Ipv4Addr::UNSPECIFIED))
        }
        // A range has no mask: its first address and the range's end.
        _ => (id.addr(0).unwrap_or(Ipv4Addr::UNSPECIFIED), id.addr(1).unwrap_or(Ipv4Addr::UNSPECIFIED)),
    };
    format!("{a}/{m}/{}/{}", id.protocol, id.port)
}

/// The tunnel (engine name) of an IKE SA by its connection id: how a
/// quick-mode event finds the tunnel-group its phase 1 landed on.
pub type TunnelOf<'a> = &'a dyn Fn(u32) -> Option<String>;

/// `Group = G, IP = P, `: G is the tunnel-group the IKE SA `conn` landed on
/// (`DefaultL2LGroup`, a group named by the peer's identity), else the
/// group named by the peer's address (real ASA 8.0 logs: `IP = P,
/// Connection landed on tunnel_group G` and from then on `Group = G, IP =
/// P, ...`).
fn group(model: &edgesh_engine::Config, tunnel_of: TunnelOf, conn: u32, peer: Ipv4Addr) -> String {
    let g = tunnel_of(conn).map(|t| group_of(model, &t, peer)).unwrap_or_else(|| peer.to_string());
    format!("Group = {g}, IP = {peer}, ")
}

/// The tunnel-group that answered on `tunnel` (`DefaultL2LGroup`, a group
/// named by an identity; the compile keeps it as the tunnel's description),
/// else the peer's address.
fn group_of(model: &edgesh_engine::Config, tunnel: &str, peer: Ipv4Addr) -> String {
    model.tunnels.get(tunnel).and_then(|t| t.description.clone()).unwrap_or_else(|| peer.to_string())
}

fn rejecting(c: &Ctx, group: &str, initiator: &IdRepr, responder: &IdRepr) -> String {
    // The peer initiated: its initiator identity is our remote proxy.
    format!(
        "{group}Rejecting IPSec tunnel: no matching crypto map entry for remote proxy {} local proxy {} on interface {}",
        proxy(initiator),
        proxy(responder),
        c.nameif
    )
}

/// The `%ASA-` messages of an event (severity, message ID, text).
pub fn asa_log(model: &edgesh_engine::Config, tunnel_of: TunnelOf, e: &Event) -> Vec<(u8, &'static str, String)> {
    let ctx = |p: &Ipv4Addr| Ctx::of(model, *p);
    match e {
        Event::Phase1Up { peer, tunnel, .. } => vec![(
            5,
            "713119",
            format!("Group = {}, IP = {}, PHASE 1 COMPLETED", group_of(model, tunnel, *peer.ip()), peer.ip()),
        )],
        Event::ProxyIdMismatch { conn, peer, initiator, responder } => {
            vec![(3, "713061", rejecting(&ctx(peer), &group(model, tunnel_of, *conn, *peer), initiator, responder))]
        }
        Event::ChildUp { peer, spi_in, spi_out, tunnel, .. } => {
            let (l, user) = (ctx(peer).local, group_of(model, tunnel, *peer));
            vec![
                (
                    6,
                    "602303",
                    format!(
                        "IPSEC: An outbound LAN-to-LAN SA (SPI= 0x{spi_out:08X}) between {l} and {peer} (user= {user}) has been created."
                    ),
                ),
                (
                    6,
                    "602303",
                    format!(
                        "IPSEC: An inbound LAN-to-LAN SA (SPI= 0x{spi_in:08X}) between {peer} and {l} (user= {user}) has been created."
                    ),
                ),
            ]
        }
        Event::ChildDown { peer, spi_in, spi_out, tunnel, .. } => {
            let (l, user) = (ctx(peer).local, group_of(model, tunnel, *peer));
            vec![
                (
                    6,
                    "602304",
                    format!(
                        "IPSEC: An outbound LAN-to-LAN SA (SPI= 0x{spi_out:08X}) between {l} and {peer} (user= {user}) has been deleted."
                    ),
                ),
                (
                    6,
                    "602304",
                    format!(
                        "IPSEC: An inbound LAN-to-LAN SA (SPI= 0x{spi_in:08X}) between {peer} and {l} (user= {user}) has been deleted."
                    ),
                ),
            ]
        }
        Event::P1NoneAcceptable { peer, .. } => {
            vec![(3, "713902", format!("IP = {peer}, All SA proposals found unacceptable"))]
        }
        Event::P2NoneAcceptable { conn, peer } => vec![(
            3,
            "713902",
            format!("{}All IPSec SA proposals found unacceptable!", group(model, tunnel_of, *conn, *peer)),
        )],
        Event::KeyMismatch { peer, .. } => vec![(
            4,
            "713903",
            format!("IP = {peer}, Received encrypted Oakley Main Mode packet with invalid payloads, MessID = 0"),
        )],
        Event::DpdDead { peer, tunnel, .. } => vec![(
            3,
            "713123",
            format!(
                "Group = {}, IP = {peer}, IKE lost contact with remote peer, deleting connection (keepalive type: DPD)",
                group_of(model, tunnel, *peer)
            ),
        )],
        Event::CertAccepted { subject, serial, trustpoint, revocation_checked, .. } => {
            let (serial, subject) = (serial.iter().map(|b| format!("{b:02X}")).collect::<String>(), asa_name(subject));
            let mut v = vec![(
                7,
                "717029",
                format!(
                    "Identified client certificate within certificate chain. serial number: {serial}, subject name: {subject}."
                ),
            )];
            if let Some(tp) = trustpoint {
                v.push((7, "717030", format!("Found a suitable trustpoint {tp} to validate certificate.")));
            }
            v.push((
                6,
                "717022",
                format!("Certificate was successfully validated. serial number: {serial}, subject name:  {subject}."),
            ));
            if !revocation_checked {
                v.push((
                    6,
                    "717028",
                    "Certificate chain was successfully validated with warning, revocation status was not checked."
                        .to_string(),
                ));
            }
            v
        }
        Event::SessionEnd { peer, tunnel, reason, duration_ms, bytes_in, bytes_out, .. } => {
            let Some(why) = end_reason(reason, false) else { return Vec::new() };
            let g = group_of(model, tunnel, *peer);
            vec![
                (5, "713259", format!("Group = {g}, IP = {peer}, Session is being torn down. Reason: {why}")),
                (
                    4,
                    "113019",
                    format!(
                        "Group = {g}, Username = {peer}, IP = {peer}, Session disconnected. Session Type: LAN-to-LAN, Duration: {}, Bytes xmt: {bytes_out}, Bytes rcv: {bytes_in}, Reason: {why}",
                        super::sessiondb::duration(duration_ms / 1000)
                    ),
                ),
            ]
        }
        _ => Vec::new(),
    }
}

/// A distinguished name as the ASA's 717xxx messages print it: the RDNs in
/// encoding order (the RFC 4514 text's reversed), attribute names in lower
/// case, `,` between them (`c=US,st=MD,l=Fort Meade,o=Military,ou=NEC,cn=...`
/// in a public ASA log).
pub fn asa_name(rfc4514: &str) -> String {
    let mut rdns = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for ch in rfc4514.chars() {
        match ch {
            _ if escaped => {
                cur.push(ch);
                escaped = false;
            }
            '\\' => {
                cur.push(ch);
                escaped = true;
            }
            ',' => rdns.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    rdns.push(cur);
    let lower = |rdn: &str| {
        rdn.split('+')
            .map(|ava| match ava.split_once('=') {
                Some((k, v)) => format!("{}={v}", k.trim().to_ascii_lowercase()),
                None => ava.to_string(),
            })
            .collect::<Vec<_>>()
            .join("+")
    };
    rdns.iter().rev().map(|r| lower(r)).collect::<Vec<_>>().join(",")
}

/// The ASA's words for why a tunnel ended (see the module's notes), None
/// for the ends it does not log as a tunnel's end: 113019's, or with
/// `ipsec` 713050's.
pub fn end_reason(r: &DownReason, ipsec: bool) -> Option<&'static str> {
    Some(match r {
        DownReason::Cleared => "Administrator Reset",
        DownReason::DeletedByPeer if ipsec => "Peer Terminate",
        DownReason::DeletedByPeer => "User Requested",
        DownReason::PeerDead => "Lost Service",
        _ => return None,
    })
}

/// `%ASA-5-713050` for an IPsec SA pair that went: its proxies are those
/// its `ChildUp` carried, kept by inbound SPI in the router's ASA state.
pub fn proxies_log(r: &crate::session::Router, e: &Event) -> Vec<(u8, &'static str, String)> {
    let Ok(mut kept) = r.asa.proxies.lock() else { return Vec::new() };
    match e {
        Event::ChildUp { spi_in, local_ts, remote_ts, .. } => {
            kept.insert(*spi_in, (local_ts.net.network(), remote_ts.net.network()));
            Vec::new()
        }
        Event::ChildDown { tunnel, peer, spi_in, reason, .. } => {
            let Some((local, remote)) = kept.remove(spi_in) else { return Vec::new() };
            let Some(why) = end_reason(reason, true) else { return Vec::new() };
            vec![(
                5,
                "713050",
                format!(
                    "Group = {}, IP = {peer}, Connection terminated for peer {peer}.  Reason: {why}  Remote Proxy {remote}, Local Proxy {local}",
                    group_of(&r.asa.model, tunnel, *peer)
                ),
            )]
        }
        _ => Vec::new(),
    }
}

/// The `debug crypto ikev1` / `debug crypto ipsec` lines of an event: the
/// ASA prints its IKEv1 debug messages as `[IKEv1]` followed by the text.
pub fn asa_debug(model: &edgesh_engine::Config, tunnel_of: TunnelOf, e: &Event, f: &DebugFlags) -> Vec<String> {
    let mut v = Vec::new();
    match e {
        Event::ProxyIdMismatch { conn, peer, initiator, responder } if f.isakmp => v.push(format!("[IKEv1]{}", rejecting(&Ctx::of(model, *peer), &group(model, tunnel_of, *conn, *peer), initiator, responder))),
        Event::Phase1Up { peer, tunnel, .. } if f.isakmp => v.push(format!("[IKEv1]Group = {}, IP = {}, PHASE 1 COMPLETED", group_of(model, tunnel, *peer.ip()), peer.ip())),
        Event::P1NoneAcceptable { peer, .. } if f.isakmp => v.push(format!("[IKEv1]IP = {peer}, All SA proposals found unacceptable")),
        Event::P2NoneAcceptable { conn, peer } if f.isakmp || f.ipsec => v.push(format!("[IKEv1]{}All IPSec SA proposals found unacceptable!", group(model, tunnel_of, *conn, *peer))),
        Event::KeyMismatch { peer, .. } if f.isakmp => v.push(format!("[IKEv1]IP = {peer}, Received encrypted Oakley Main Mode packet with invalid payloads, MessID = 0")),
        Event::ChildUp { peer, spi_in, spi_out, tunnel, .. } if f.isakmp || f.ipsec => {
            v.push(format!("[IKEv1]Group = {}, IP = {peer}, PHASE 2 COMPLETED (inbound SPI = 0x{spi_in:08x}, outbound SPI = 0x{spi_out:08x})", group_of(model, tunnel, *peer)))
        }
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(a: [u8; 4], m: [u8; 4]) -> IdRepr {
        let mut data = a.to_vec();
        data.extend(m);
        IdRepr { id_type: id_type::IPV4_ADDR_SUBNET, protocol: 0, port: 0, data }
    }

    /// A session's end: 713259 then 113019, with the ASA's reason for each
    /// engine cause; the ends the ASA does not log as a session's end
    /// (a rekey, a lifetime) log nothing.
    #[test]
    fn a_sessions_end_in_the_asa_words() {
        let model = edgesh_engine::Config::new("asa");
        let end = |reason| Event::SessionEnd {
            conn: 1,
            peer: "198.51.100.2".parse().unwrap(),
            tunnel: "outside_map-10".into(),
            reason,
            duration_ms: 3_723_000,
            bytes_in: 500,
            bytes_out: 700,
        };
        let logs = asa_log(&model, &|_| None, &end(DownReason::Cleared));
        assert_eq!(
            logs,
            vec![
                (
                    5,
                    "713259",
                    "Group = 198.51.100.2, IP = 198.51.100.2, Session is being torn down. Reason: Administrator Reset"
                        .to_string()
                ),
                (
                    4,
                    "113019",
                    "Group = 198.51.100.2, Username = 198.51.100.2, IP = 198.51.100.2, Session disconnected. Session Type: LAN-to-LAN, Duration: 1h:02m:03s, Bytes xmt: 700, Bytes rcv: 500, Reason: Administrator Reset".to_string()
                ),
            ]
        );
        let why = |r| asa_log(&model, &|_| None, &end(r)).last().map(|l| l.2.rsplit(": ").next().unwrap().to_string());
        assert_eq!(why(DownReason::DeletedByPeer).as_deref(), Some("User Requested"));
        assert_eq!(why(DownReason::PeerDead).as_deref(), Some("Lost Service"));
        assert_eq!(why(DownReason::Rekeyed), None);
        assert_eq!(why(DownReason::LifetimeExpired { kilobytes: false }), None);
        assert_eq!(end_reason(&DownReason::DeletedByPeer, true), Some("Peer Terminate"));
    }

    /// Each engine cause of a session's end and its 113019 reason (or
    /// none), as the module's table says; a new cause fails to compile here
    /// until it is decided.
    #[test]
    fn every_engine_end_has_its_113019_or_none() {
        let expect = |r: &DownReason| -> Option<&'static str> {
            match r {
                DownReason::Cleared => Some("Administrator Reset"),
                DownReason::DeletedByPeer => Some("User Requested"),
                DownReason::PeerDead => Some("Lost Service"),
                DownReason::RemovedFromConfig
                | DownReason::NoResponse
                | DownReason::NegotiationTimedOut
                | DownReason::LifetimeExpired { .. }
                | DownReason::AuthenticationFailed
                | DownReason::IdentityMismatch
                | DownReason::PeerNotify(_)
                | DownReason::TransformNotOffered
                | DownReason::BadKeyExchange
                | DownReason::DhFailed
                | DownReason::DhGroupChanged
                | DownReason::InitialContact
                | DownReason::Rekeyed => None,
            }
        };
        let all = [
            DownReason::Cleared,
            DownReason::RemovedFromConfig,
            DownReason::NoResponse,
            DownReason::NegotiationTimedOut,
            DownReason::PeerDead,
            DownReason::LifetimeExpired { kilobytes: false },
            DownReason::LifetimeExpired { kilobytes: true },
            DownReason::AuthenticationFailed,
            DownReason::IdentityMismatch,
            DownReason::PeerNotify(1),
            DownReason::TransformNotOffered,
            DownReason::BadKeyExchange,
            DownReason::DhFailed,
            DownReason::DhGroupChanged,
            DownReason::InitialContact,
            DownReason::Rekeyed,
            DownReason::DeletedByPeer,
        ];
        let model = edgesh_engine::Config::new("asa");
        for r in all {
            let e = Event::SessionEnd {
                conn: 1,
                peer: "198.51.100.2".parse().unwrap(),
                tunnel: "t".into(),
                reason: r,
                duration_ms: 0,
                bytes_in: 0,
                bytes_out: 0,
            };
            let logs = asa_log(&model, &|_| None, &e);
            let got = logs.iter().find(|l| l.1 == "113019").map(|l| l.2.rsplit("Reason: ").next().unwrap().to_string());
            assert_eq!(got.as_deref(), expect(&r), "{r:?}");
            assert_eq!(logs.is_empty(), expect(&r).is_none(), "{r:?}: 713259 goes with 113019");
        }
    }

    /// A validated peer certificate: 717029, 717030, 717022, 717028 as a public ASA log
    /// prints them (serial in hex, the name in encoding order, lower-case
    /// attribute names; two spaces after 717022's `subject name:`).
    #[test]
    fn a_validated_certificate_in_the_asa_words() {
        assert_eq!(
            asa_name("CN=RYAN.WOLFE.9101161615,OU=NEC,O=Military,L=Fort Meade,ST=MD,C=US"),
            "c=US,st=MD,l=Fort Meade,o=Military,ou=NEC,cn=RYAN.WOLFE.9101161615"
        );
        assert_eq!(asa_name("CN=a\\,b,O=X+OU=Y"), "o=X+ou=Y,cn=a\\,b");
        let e = |trustpoint: Option<&str>, revocation_checked| Event::CertAccepted {
            conn: 1,
            peer: "198.51.100.2".parse().unwrap(),
            version: 1,
            subject: "CN=r2.lab.example,O=Edgesh Lab,C=US".into(),
            issuer: "CN=Edgesh Lab Test CA,O=Edgesh Lab,C=US".into(),
            serial: vec![0x4e, 0x81, 0x97],
            trustpoint: trustpoint.map(str::to_string),
            revocation_checked,
        };
        let model = edgesh_engine::Config::new("asa");
        let identified = (
            7,
            "717029",
            "Identified client certificate within certificate chain. serial number: 4E8197, subject name: c=US,o=Edgesh Lab,cn=r2.lab.example.".to_string(),
        );
        let validated = (
            6,
            "717022",
            "Certificate was successfully validated. serial number: 4E8197, subject name:  c=US,o=Edgesh Lab,cn=r2.lab.example.".to_string(),
        );
        assert_eq!(
            asa_log(&model, &|_| None, &e(Some("LAB"), false)),
            vec![
                identified.clone(),
                (7, "717030", "Found a suitable trustpoint LAB to validate certificate.".to_string()),
                validated.clone(),
                (
                    6,
                    "717028",
                    "Certificate chain was successfully validated with warning, revocation status was not checked."
                        .to_string()
                ),
            ]
        );
        // Revocation checked: no 717028 (its words not found); no trustpoint named: no 717030.
        assert_eq!(asa_log(&model, &|_| None, &e(None, true)), vec![identified, validated]);
    }

    /// Seed 000's message, word for word.
    #[test]
    fn the_seed_000_rejection() {
        let e = Event::ProxyIdMismatch {
            conn: 1,
            peer: "198.51.100.2".parse().unwrap(),
            initiator: subnet([10, 2, 0, 0], [255, 255, 255, 0]),
            responder: subnet([10, 1, 0, 0], [255, 255, 255, 128]),
        };
        let mut model = edgesh_engine::Config::new("asa");
        let mut t = edgesh_engine::config::Tunnel::new(edgesh_engine::config::TunnelKind::Static, false);
        t.remote = Some("198.51.100.2".parse().unwrap());
        t.bind_interface = Some(("outside".into(), None));
        model.tunnels.insert("outside_map-10".into(), t);
        let logs = asa_log(&model, &|_| None, &e);
        assert_eq!(logs.len(), 1);
        assert_eq!((logs[0].0, logs[0].1), (3, "713061"));
        assert_eq!(
            logs[0].2,
            "Group = 198.51.100.2, IP = 198.51.100.2, Rejecting IPSec tunnel: no matching crypto map entry for remote proxy 10.2.0.0/255.255.255.0/0/0 local proxy 10.1.0.0/255.255.255.128/0/0 on interface outside"
        );
        let f = DebugFlags { isakmp: true, ..Default::default() };
        assert_eq!(
            asa_debug(&model, &|_| None, &e, &f)[0],
            "[IKEv1]Group = 198.51.100.2, IP = 198.51.100.2, Rejecting IPSec tunnel: no matching crypto map entry for remote proxy 10.2.0.0/255.255.255.0/0/0 local proxy 10.1.0.0/255.255.255.128/0/0 on interface outside"
        );
    }

    /// After phase 1, `Group = G` names the tunnel-group the IKE SA landed
    /// on (here `DefaultL2LGroup`, answering through a dynamic map), not the
    /// peer's address; before any IKE SA, the group named by the address.
    #[test]
    fn quick_mode_messages_name_the_tunnel_group_of_the_ike_sa() {
        let peer: Ipv4Addr = "198.51.100.2".parse().unwrap();
        let e = Event::ProxyIdMismatch {
            conn: 7,
            peer,
            initiator: subnet([10, 2, 0, 0], [255, 255, 255, 0]),
            responder: subnet([10, 1, 0, 0], [255, 255, 255, 0]),
        };
        let mut model = edgesh_engine::Config::new("asa");
        let mut t = edgesh_engine::config::Tunnel::new(edgesh_engine::config::TunnelKind::Static, false);
        t.dynamic_map = true;
        t.description = Some("DefaultL2LGroup".into());
        t.bind_interface = Some(("outside".into(), None));
        model.tunnels.insert("outside_map-65535".into(), t);
        let landed = |c: u32| (c == 7).then(|| "outside_map-65535".to_string());
        assert_eq!(
            asa_log(&model, &landed, &e)[0].2,
            "Group = DefaultL2LGroup, IP = 198.51.100.2, Rejecting IPSec tunnel: no matching crypto map entry for remote proxy 10.2.0.0/255.255.255.0/0/0 local proxy 10.1.0.0/255.255.255.0/0/0 on interface outside"
        );
        let p2 = Event::P2NoneAcceptable { conn: 7, peer };
        assert_eq!(
            asa_log(&model, &landed, &p2)[0],
            (
                3,
                "713902",
                "Group = DefaultL2LGroup, IP = 198.51.100.2, All IPSec SA proposals found unacceptable!".to_string()
            )
        );
        let f = DebugFlags { isakmp: true, ..Default::default() };
        assert_eq!(
            asa_debug(&model, &landed, &p2, &f)[0],
            "[IKEv1]Group = DefaultL2LGroup, IP = 198.51.100.2, All IPSec SA proposals found unacceptable!"
        );
        // No IKE SA known for the connection: the group named by the address.
        assert_eq!(
            asa_log(&model, &|_| None, &p2)[0].2,
            "Group = 198.51.100.2, IP = 198.51.100.2, All IPSec SA proposals found unacceptable!"
        );
    }
}
