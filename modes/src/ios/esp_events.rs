//! IOS's log lines for rejected ESP packets, in real IOS wording:
//!
//! * `%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=N`:
//!   seed 002 ("Replay Check Failed"), for a duplicate and for a packet left
//!   of the window alike (IOS has one message for both).
//! * `%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi
//!   for destaddr=A, prot=50, spi=0xHEX(DEC), srcaddr=B`: Cisco tech note
//!   115801 "IPsec %RECVD_PKT_INV_SPI Errors and Invalid SPI Recovery"
//!   (cisco.com/c/en/us/support/docs/security-vpn/ipsec-negotiation-ike-protocols/115801-ipsec-spi-errors-technologies-tech-note-00.html)
//!   and a router's log quoted on NANOG, December 2017.
//! * `%CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for connection
//!   id=N local=A remote=B spi=HEX seqno=HEX`: Cisco tech note 116085
//!   "Syslog %CRYPTO-4-RECVD_PKT_MAC_ERR Error Message with Ping Loss Over
//!   IPsec Tunnel" (…/116085-troubleshooting-pingloss-00.html).
//! * `%CRYPTO-4-RECVD_PKT_NOT_IPSEC: Rec'd packet not an IPSEC packet. (ip)
//!   vrf/dest_addr= /A, src_addr= B, prot= N`: the Cisco IOS system message
//!   guide's CRYPTO messages (the search tool found no page quoting it; the
//!   layout is that guide's). Used for a transport-mode payload where a
//!   tunnel-mode packet is expected.
//! * `%CRYPTO-4-RECVD_PKT_INV_IDENTITY: [chars] (ip) dest_addr= A, src_addr=
//!   B, prot= N`: the Error Message Decoder's format, quoted on
//!   forums.cabling-design.com ("IPSec Error"): "A decapsulated IPSec packet
//!   does not match its negotiated identity". For a selector mismatch; the
//!   `[chars]` part is edgesh's (`decaps: inner packet not in the SA's proxy identities`).
//!
//! A truncated or malformed packet is counted (`#pkts invalid len (rcv)`), not logged.

use crate::esp_drops::DropLine;
use crate::session::Router;
use edgesh_engine::esp_drops::DropKind;
use edgesh_engine::ike::Event;

/// (severity, mnemonic, text) of a drop kind; `None`: counted, not logged.
pub fn ios_drop_text(e: &Event) -> Option<(u8, &'static str, String)> {
    let Event::EspDropped { conn, peer, local, spi, proto, kind, seq, inner, .. } = e else {
        return None;
    };
    Some(match kind {
        DropKind::Replay | DropKind::Late => {
            (4, "PKT_REPLAY_ERR", format!("decrypt: replay check failed connection id={conn}"))
        }
        DropKind::UnknownSpi => (
            4,
            "RECVD_PKT_INV_SPI",
            format!(
                "decaps: rec'd IPSEC packet has invalid spi for destaddr={local}, prot={proto}, spi=0x{spi:X}({spi}), srcaddr={peer}"
            ),
        ),
        // IOS has one message for a failed ICV, whatever the cause (keys or algorithm).
        DropKind::BadIcv | DropKind::AuthAlgorithm => (
            4,
            "RECVD_PKT_MAC_ERR",
            format!(
                "decrypt: mac verify failed for connection id={conn} local={local} remote={peer} spi={spi:08X} seqno={seq:08X}"
            ),
        ),
        DropKind::TransportMode => {
            let p = inner.map(|i| i.2).unwrap_or(0);
            (
                4,
                "RECVD_PKT_NOT_IPSEC",
                format!("Rec'd packet not an IPSEC packet. (ip) vrf/dest_addr= /{local}, src_addr= {peer}, prot= {p}"),
            )
        }
        DropKind::Selector => {
            let (s, d, p) = inner.unwrap_or((std::net::Ipv4Addr::UNSPECIFIED, std::net::Ipv4Addr::UNSPECIFIED, 0));
            (
                4,
                "RECVD_PKT_INV_IDENTITY",
                format!(
                    "decaps: inner packet not in the SA's proxy identities (ip) dest_addr= {d}, src_addr= {s}, prot= {p}"
                ),
            )
        }
        DropKind::Malformed => return None,
    })
}

pub fn ios_drop_log(r: &Router, e: &Event) -> Option<DropLine> {
    let (sev, mn, text) = ios_drop_text(e)?;
    let line = format!("*{}.{:03}: %CRYPTO-{sev}-{mn}: {text}", crate::time::log_time(r.now()), r.now_ms() % 1000);
    Some(DropLine { kind: format!("CRYPTO-{mn}"), text, line })
}

#[cfg(test)]
mod tests {
    use crate::esp_drops::testing::*;

    #[test]
    fn ios_lines() {
        for (k, want) in [
            (DropKind::Replay, "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=0"),
            (DropKind::Late, "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed connection id=0"),
            (
                DropKind::UnknownSpi,
                "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr=192.0.2.1, prot=50, spi=0xC0DE0042(3235774530), srcaddr=192.0.2.2",
            ),
            (
                DropKind::BadIcv,
                "%CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for connection id=0 local=192.0.2.1 remote=192.0.2.2 spi=C0DE0042 seqno=00071328",
            ),
            (
                DropKind::TransportMode,
                "%CRYPTO-4-RECVD_PKT_NOT_IPSEC: Rec'd packet not an IPSEC packet. (ip) vrf/dest_addr= /192.0.2.1, src_addr= 192.0.2.2, prot= 17",
            ),
            (
                DropKind::Selector,
                "%CRYPTO-4-RECVD_PKT_INV_IDENTITY: decaps: inner packet not in the SA's proxy identities (ip) dest_addr= 10.1.0.7, src_addr= 10.9.0.5, prot= 6",
            ),
        ] {
            let l = lines_of(Dialect::Ios, k);
            assert_eq!(l.len(), 1, "{k:?}: {l:?}");
            assert!(l[0].starts_with('*') && l[0].ends_with(&format!(": {want}")), "{k:?}: {}", l[0]);
        }
    }

    /// An AH packet with an SPI no SA has names protocol 51, as IOS does.
    #[test]
    fn an_unknown_ah_spi_says_prot_51() {
        let mut r = router(Dialect::Ios);
        r.engine.report_drops(vec![edgesh_engine::esp_drops::EspDrop { proto: 51, ..drop(DropKind::UnknownSpi, 1) }]);
        r.engine_drain();
        let l: Vec<String> = r.log.iter().cloned().collect();
        assert_eq!(l.len(), 1, "{l:?}");
        assert!(l[0].ends_with(": %CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr=192.0.2.1, prot=51, spi=0xC0DE0042(3235774530), srcaddr=192.0.2.2"), "{}", l[0]);
    }
}
