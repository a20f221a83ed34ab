//! The ASA's syslog messages for rejected ESP packets (the dataplane's
//! typed `EspDropped` events), in the wording of the Cisco ASA / PIX system
//! log message guides:
//!
//! * `%ASA-4-402101: decaps: rec'd IPSEC packet has invalid spi for
//!   destaddr=A, prot=esp|ah, spi=0xHEX` (no SA has the SPI);
//! * `%ASA-4-402119: IPSEC: Received an ESP packet (SPI= 0xHEX, sequence
//!   number= 0xHEX) from P (user= P) to A that failed anti-replay checking.`
//! * `%ASA-4-402120: IPSEC: Received an ESP packet (SPI= 0xHEX, sequence
//!   number= 0xHEX) from P (user= P) to A that failed authentication.`
//! * `%ASA-4-402116: IPSEC: Received an ESP packet (SPI= 0xHEX, sequence
//!   number= 0xHEX) from P (user= P) to A. The decapsulated inner packet
//!   doesn't match the negotiated policy in the SA. The packet specifies its
//!   destination as D, its source as S, and its protocol as N. The SA
//!   specifies its local proxy as A/M/P/P and its remote_proxy as A/M/P/P.`
//!   (`remote_proxy` as a real ASA 8.0(3) log prints it, quoted in
//!   ipsec-tools bug 71 on SourceForge: `%ASA-4-402116: IPSEC: Received an
//!   ESP packet (SPI= 0x47068DBF, sequence number= 0x2D) from ... The SA
//!   specifies its local proxy as ... and its remote_proxy as ...`).
//!
//! A malformed or transport-mode packet is counted (`#recv errors`), not logged.
//!
//! Rate limits: 402119 and 402120 are "rate limited to no more than one
//! message every five seconds" (the Cisco ASA syslog guide's explanation of
//! both, [`every_ms`]); the packets in between are counted as suppressed.
//! The guide states no limit of the ASA's own for 402101 and 402116: they
//! have the log buffer's (`crate::esp_drops`: 20 lines of a kind per SA
//! per window, the rest counted).

use crate::esp_drops::DropLine;
use crate::session::Router;
use edgesh_engine::esp_drops::DropKind;
use edgesh_engine::ike::Event;
use edgesh_engine::ike::conf::Selector;

fn proxy(s: &Selector) -> String {
    format!("{}/{}/{}/{}", s.net.network(), s.mask(), s.proto, s.port)
}

/// (severity, message ID, text) of a drop; `None`: counted, not logged.
pub fn asa_drop_text(r: &Router, e: &Event) -> Option<(u8, &'static str, String)> {
    let Event::EspDropped { peer, local, spi, proto, kind, seq, inner, .. } = e else { return None };
    let (prot, name) = if *proto == 51 { ("ah", "AH") } else { ("esp", "ESP") };
    let head = format!(
        "IPSEC: Received an {name} packet (SPI= 0x{spi:08X}, sequence number= 0x{seq:X}) from {peer} (user= {peer}) to {local}"
    );
    Some(match kind {
        DropKind::UnknownSpi => (
            4,
            "402101",
            format!("decaps: rec'd IPSEC packet has invalid spi for destaddr={local}, prot={prot}, spi=0x{spi:08X}"),
        ),
        DropKind::Replay | DropKind::Late => (4, "402119", format!("{head} that failed anti-replay checking.")),
        DropKind::BadIcv | DropKind::AuthAlgorithm => (4, "402120", format!("{head} that failed authentication.")),
        DropKind::Selector => {
            let sa = r.ike().child_sas().iter().find(|c| c.spi_in == *spi)?;
            (4, "402116", selector_text(&head, (*inner)?, &sa.local_ts, &sa.remote_ts))
        }
        DropKind::TransportMode | DropKind::Malformed => return None,
    })
}

/// The ASA's own rate limit of a drop message (`ASA-ID`), in milliseconds:
/// one 402119 or 402120 every five seconds.
pub fn every_ms(kind: &str) -> Option<u64> {
    matches!(kind, "ASA-402119" | "ASA-402120").then_some(5_000)
}

/// 402116's text after the packet's head: the inner packet's addresses and
/// protocol against the SA's proxies.
fn selector_text(
    head: &str,
    (s, d, p): (std::net::Ipv4Addr, std::net::Ipv4Addr, u8),
    local: &Selector,
    remote: &Selector,
) -> String {
    format!(
        "{head}. The decapsulated inner packet doesn't match the negotiated policy in the SA. The packet specifies its destination as {d}, its source as {s}, and its protocol as {p}. The SA specifies its local proxy as {} and its remote_proxy as {}.",
        proxy(local),
        proxy(remote)
    )
}

pub fn asa_drop_log(r: &Router, e: &Event) -> Option<DropLine> {
    let (sev, id, text) = asa_drop_text(r, e)?;
    let line = format!("%ASA-{sev}-{id}: {text}");
    Some(DropLine { kind: format!("ASA-{id}"), text, line })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Clock, Dialect};
    use edgesh_engine::Config;

    #[test]
    fn unknown_spi_bad_icv_and_replay_in_asa_words() {
        let mut r = Router::new(Config::new("a"), Clock::Virtual(1_700_000_000), 1, std::env::temp_dir());
        r.dialect = Dialect::Asa;
        let ev = |kind| Event::EspDropped {
            conn: 0,
            peer: "198.51.100.2".parse().unwrap(),
            local: "192.0.2.1".parse().unwrap(),
            spi: 0x1A2B3C4D,
            proto: 50,
            kind,
            packets: 1,
            seq: 7,
            inner: None,
            more: Vec::new(),
        };
        assert_eq!(
            asa_drop_log(&r, &ev(DropKind::UnknownSpi)).unwrap().line,
            "%ASA-4-402101: decaps: rec'd IPSEC packet has invalid spi for destaddr=192.0.2.1, prot=esp, spi=0x1A2B3C4D"
        );
        let ah = Event::EspDropped {
            conn: 0,
            peer: "198.51.100.2".parse().unwrap(),
            local: "192.0.2.1".parse().unwrap(),
            spi: 0x1A2B3C4D,
            proto: 51,
            kind: DropKind::UnknownSpi,
            packets: 1,
            seq: 7,
            inner: None,
            more: Vec::new(),
        };
        assert_eq!(
            asa_drop_log(&r, &ah).unwrap().line,
            "%ASA-4-402101: decaps: rec'd IPSEC packet has invalid spi for destaddr=192.0.2.1, prot=ah, spi=0x1A2B3C4D"
        );
        assert_eq!(
            asa_drop_log(&r, &ev(DropKind::BadIcv)).unwrap().line,
            "%ASA-4-402120: IPSEC: Received an ESP packet (SPI= 0x1A2B3C4D, sequence number= 0x7) from 198.51.100.2 (user= 198.51.100.2) to 192.0.2.1 that failed authentication."
        );
        assert_eq!(asa_drop_log(&r, &ev(DropKind::Replay)).unwrap().kind, "ASA-402119");
        // Without the SA the selector message cannot name the proxies: not logged.
        assert!(asa_drop_log(&r, &ev(DropKind::Selector)).is_none());
        assert!(asa_drop_log(&r, &ev(DropKind::Malformed)).is_none());
    }

    /// 402116 in the words of a real ASA log (`remote_proxy`).
    #[test]
    fn a_packet_outside_the_proxies_in_asa_words() {
        let sel = |s: &str| Selector { net: s.parse().unwrap(), proto: 0, port: 0 };
        let head = "IPSEC: Received an ESP packet (SPI= 0x47068DBF, sequence number= 0x2D) from 192.0.2.2 (user= 192.0.2.2) to 192.0.2.1";
        assert_eq!(
            selector_text(
                head,
                ("10.9.9.9".parse().unwrap(), "10.1.0.7".parse().unwrap(), 1),
                &sel("10.1.0.0/24"),
                &sel("10.2.0.0/24")
            ),
            "IPSEC: Received an ESP packet (SPI= 0x47068DBF, sequence number= 0x2D) from 192.0.2.2 (user= 192.0.2.2) to 192.0.2.1. The decapsulated inner packet doesn't match the negotiated policy in the SA. The packet specifies its destination as 10.1.0.7, its source as 10.9.9.9, and its protocol as 1. The SA specifies its local proxy as 10.1.0.0/255.255.255.0/0/0 and its remote_proxy as 10.2.0.0/255.255.255.0/0/0."
        );
    }

    /// 402119 and 402120: one line every five seconds, the rest counted;
    /// 402101 only under the log buffer's window (20 per SA).
    #[test]
    fn anti_replay_and_authentication_lines_one_every_five_seconds() {
        use crate::esp_drops::testing::{drop, router};
        let mut r = router(Dialect::Asa);
        let count = |r: &Router, id: &str| r.log.iter().filter(|l| l.contains(id)).count();
        r.engine.report_drops(vec![drop(DropKind::BadIcv, 3), drop(DropKind::Replay, 2)]);
        r.engine_drain();
        assert_eq!((count(&r, "402120"), count(&r, "402119")), (1, 1));
        assert_eq!(r.logctl.suppressed, 3);
        r.advance(4);
        r.engine.report_drops(vec![drop(DropKind::BadIcv, 1)]);
        r.engine_drain();
        assert_eq!(count(&r, "402120"), 1);
        r.advance(1);
        r.engine.report_drops(vec![drop(DropKind::BadIcv, 1)]);
        r.engine_drain();
        assert_eq!(count(&r, "402120"), 2);
        r.engine.report_drops(vec![drop(DropKind::UnknownSpi, 25)]);
        r.engine_drain();
        assert_eq!(count(&r, "402101"), 20);
    }
}
