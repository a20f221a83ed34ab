//! IOS `debug crypto ikev2`: owns the IKEv2 debug lines IOS-XE prints
//! (`IKEv2:(SESSION ID = n,SA ID = 1):...`), worded from the engine's typed
//! IKEv2 events: every packet sent and received with its addresses, SPIs,
//! message ID, exchange and payloads (`Sending Packet [To A:500/From
//! B:500/VRF i0:f0]`, `Payload contents:`), the payloads put inside SK
//! before encryption (`Building packet for encryption.`), retransmissions,
//! and the outcomes the engine knows for certain (peer's authentication data
//! FAILED, no matching policy, IPsec SA deletes, the ACK of an informational
//! exchange). The layouts follow public IOS-XE 16 captures, trailing blanks
//! included. A message IOS prints over several lines is one string with
//! newlines, so the time stamp goes on its first line only. The session ID
//! is the one `show crypto ikev2 sa detail` prints (`Session-id`).

use crate::monitor::DebugFlags;
use edgesh_engine::ike::Event;
use edgesh_engine::ike::v2::CONN_BASE;
use edgesh_engine::ike::v2::wire::{exchange, notify, payload};

/// The `IKEv2:(SESSION ID = n,SA ID = 1):` prefix (just `IKEv2:` before an SA exists).
fn prefix(conn: u32) -> String {
    if conn >= CONN_BASE { format!("IKEv2:(SESSION ID = {},SA ID = 1):", conn - CONN_BASE) } else { "IKEv2:".into() }
}

/// A notify type as IOS names it in `Payload contents:`.
fn notify_name(t: u16) -> String {
    match t {
        notify::ESP_TFC_PADDING_NOT_SUPPORTED => "ESP_TFC_NO_SUPPORT".into(),
        notify::NON_FIRST_FRAGMENTS_ALSO => "NON_FIRST_FRAGS".into(),
        t if notify::name(t) == "UNKNOWN" => format!("Unknown - {t}"),
        t => notify::name(t).into(),
    }
}

/// The payload list line: ` SA KE N NOTIFY(...) ` (a single blank when empty).
fn contents(kinds: &[u8], notifies: &[u16]) -> String {
    let mut n = notifies.iter();
    let mut s = String::from(" ");
    for k in kinds {
        let name = match *k {
            payload::NONCE => "N".to_string(),
            payload::VID => "VID".into(),
            payload::DELETE => "DELETE".into(),
            payload::CP => "CFG".into(),
            payload::SK => "ENCR".into(),
            payload::SKF => "ENCR_FRAG".into(),
            payload::NOTIFY => format!("NOTIFY({})", n.next().map(|t| notify_name(*t)).unwrap_or_default()),
            k => payload::name(k).into(),
        };
        s.push_str(&name);
        s.push(' ');
    }
    s
}

fn spi(b: &[u8; 8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// The lines of an event for `debug crypto ikev2` (empty when it is off).
pub fn lines(e: &Event, f: &DebugFlags) -> Vec<String> {
    let mut v = Vec::new();
    match e {
        Event::V2Message { .. } if !f.ikev2 => {}
        Event::V2Message {
            conn,
            peer,
            local,
            spis,
            exchange: x,
            msgid,
            response,
            sent,
            payloads,
            notifies,
            retransmit,
        } => {
            let p = prefix(*conn);
            let kind =
                format!("IKEv2 {} Exchange {} ", exchange::name(*x), if *response { "RESPONSE" } else { "REQUEST" });
            let ids =
                format!("Initiator SPI : {} - Responder SPI : {} Message id: {msgid}", spi(&spis.0), spi(&spis.1));
            let clear = *x == exchange::IKE_SA_INIT;
            if *sent {
                if *retransmit {
                    v.push(format!("{p}Retransmitting packet \n"));
                } else if !clear {
                    v.push(format!(
                        "{p}Building packet for encryption.  \nPayload contents: \n{}\n",
                        contents(payloads, notifies)
                    ));
                }
                let on_wire = if clear { contents(payloads, notifies) } else { " ENCR ".into() };
                v.push(format!("{p}Sending Packet [To {peer}/From {local}/VRF i0:f0] \n{ids}\n{kind}\nPayload contents: \n{on_wire}\n"));
            } else {
                v.push(format!(
                    "{p}Received Packet [From {peer}/To {local}/VRF i0:f0] \n{ids}\n{kind}\nPayload contents: \n{}\n",
                    contents(payloads, notifies)
                ));
                match (*x, *response) {
                    (exchange::IKE_SA_INIT, _) => v.push(format!("{p}Processing IKE_SA_INIT message")),
                    (exchange::INFORMATIONAL, true) => v.push(format!("{p}Processing ACK to informational exchange")),
                    _ => {}
                }
            }
        }
        _ if !f.ikev2 && !f.ikev2_error => {}
        Event::V2AuthFailed { conn, id: Some(_), identity_mismatch: false, .. } => {
            v.push(format!("{}Verification of peer's authentication data FAILED", prefix(*conn)))
        }
        // A certificate no `match certificate` map takes: the profile lookup fails (a real IOS
        // debug, Cisco TAC document 117337; IOS prints it where the responder looks up its
        // profile, edgesh on either side).
        Event::CertAuthFailed {
            conn, version: 2, failure: edgesh_engine::pki::CertFailure::NoMapMatch { .. }, ..
        } => {
            v.push("IKEv2:%Profile could not be found by peer certificate.".into());
            v.push("IKEv2:% IKEv2 profile not found".into());
            v.push(format!("{}: Failed to locate an item in the database", prefix(*conn)));
        }
        // A certificate-authenticated peer refused (issue 18): its signature, or its certificate.
        Event::CertAuthFailed { conn, version: 2, id: Some(_), .. } => {
            v.push(format!("{}Verification of peer's authentication data FAILED", prefix(*conn)))
        }
        Event::V2NoProposal { conn, protocol: edgesh_engine::ike::v2::wire::proto::IKE, .. } => {
            v.push(format!("{}Failed to find a matching policy", prefix(*conn)))
        }
        Event::DeleteSent { conn, protocol: edgesh_engine::ike::v2::wire::proto::ESP, spis, .. }
            if *conn >= CONN_BASE && f.ikev2 =>
        {
            for s in spis {
                if let Ok(b) = <[u8; 4]>::try_from(s.as_slice()) {
                    v.push(format!(
                        "{}Sending DELETE INFO message for IPsec SA [SPI: 0x{:08X}]",
                        prefix(*conn),
                        u32::from_be_bytes(b)
                    ));
                }
            }
        }
        _ => {}
    }
    v
}

/// `show debugging` lines for IKEv2.
pub fn show_debugging(f: &DebugFlags) -> Vec<String> {
    let mut v = Vec::new();
    if f.ikev2 {
        v.push("  IKEv2 default debugging is on".to_string());
    }
    if f.ikev2_error {
        v.push("  IKEv2 error debugging is on".to_string());
    }
    v
}

use crate::cisco_common::{G, add};

/// `debug crypto ikev2 [error]` (IOS-XE's confirmations).
pub fn register(g: &mut G) {
    add(
        g,
        "debug crypto ikev2 [error]",
        &["Debugging functions", "Cryptographic subsystem", "Crypto IKEv2 debugging", "IKEv2 Error debugging"],
        |s, a, o| {
            s.monitor = true;
            let mut r = s.router();
            if a.has("error") {
                r.debug.ikev2_error = true;
                o.line("IKEv2 error debugging is on");
            } else {
                r.debug.ikev2 = true;
                o.line("IKEv2 default debugging is on");
            }
            Ok(())
        },
    );
}
