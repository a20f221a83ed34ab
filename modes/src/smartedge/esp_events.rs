//! SmartEdge's log lines for rejected ESP packets: Table 7 of the IPsec
//! guide (seed 004, "Log Messages Resulting from Rejected ESP Packets"),
//! each row's sample message in its situation. Logged by the IPSEC agent
//! (the guide's `agent=IPSEC`), as `%IPSEC-SEV-MNEMONIC: text`.

use crate::esp_drops::DropLine;
use crate::session::Router;
use edgesh_engine::esp_drops::DropKind;
use edgesh_engine::ike::Event;

/// (severity, mnemonic, text) of a drop kind; `None`: counted, not logged.
pub fn smartedge_drop_text(e: &Event) -> Option<(u8, &'static str, String)> {
    let Event::EspDropped {
        kind, inner, spi, ..
    } = e
    else {
        return None;
    };
    Some(match kind {
        // Table 7: mismatched integrity check value in the ESP (or AH) header.
        DropKind::BadIcv => (4, "AUTH", "Authentication failure. Possibly mis-matching keys.".into()),
        // Table 7: mismatched authentication algorithm (the guide's sample, with its `agent=IPSEC`).
        DropKind::AuthAlgorithm => (4, "AUTH", "Authentication failure. Possibly mis-matching keys agent=IPSEC.".into()),
        // Table 7: mismatched encapsulation mode.
        DropKind::TransportMode => (4, "MODE", "Encapsulation mode differs. Received in Transport mode, where expected in Tunnel mode.".into()),
        // Table 7: an ESP packet resent with the previous SPI (informational).
        DropKind::UnknownSpi => (6, "NO_SA", "No Inbound SA Found.".into()),
        // Table 7: late packet received with an offset greater than the anti-replay window.
        DropKind::Late => (6, "REPLAY", "Late Packet falling out of window.".into()),
        // Table 7: repeated packet received.
        DropKind::Replay => (6, "REPLAY", "Repeated/duplicate packet.".into()),
        // Not in Table 7 (edgesh's wording, in the guide's style): the inner packet is outside the SA's selectors.
        DropKind::Selector => {
            let (s, d, p) = inner.unwrap_or((std::net::Ipv4Addr::UNSPECIFIED, std::net::Ipv4Addr::UNSPECIFIED, 0));
            (4, "SELECTOR", format!("Inner packet {s} -> {d} protocol {p} does not match the selectors of SA with SPI : 0x{spi:08x}"))
        }
        DropKind::Malformed => return None,
    })
}

pub fn smartedge_drop_log(r: &Router, e: &Event) -> Option<DropLine> {
    let (sev, mn, text) = smartedge_drop_text(e)?;
    let line = format!(
        "{}: %IPSEC-{sev}-{mn}: {text}",
        crate::time::log_time(r.now())
    );
    Some(DropLine {
        kind: format!("IPSEC-{mn}"),
        text,
        line,
    })
}
