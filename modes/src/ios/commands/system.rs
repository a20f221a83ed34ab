//! System lines: `hostname`, `logging` (buffered, hosts), banners.

use super::*;

/// `logging buffered ...`, `logging host ...`: kept as typed, and followed by the log buffer.
pub(super) fn logging(s: &mut Session, a: &Args, _: &mut dyn Out) -> CmdResult {
    let line = canon(a);
    let key = if line.starts_with("logging buffered") { "logging buffered" } else { "" };
    set_line(s, key, &line);
    crate::logbuf::from_ios_doc(&mut s.router());
    Ok(())
}

pub(super) const LOG_LEVELS: &str =
    "[emergencies | alerts | critical | errors | warnings | notifications | informational | debugging]";

/// Its global configuration commands.
pub(super) fn global(g: &mut G) {
    add(
        g,
        &format!("logging buffered [<4096-2147483647>] {LOG_LEVELS}"),
        &[
            "Modify message logging facilities",
            "Set buffered logging parameters",
            "Logging buffer size (bytes)",
            "System is unusable",
            "Immediate action needed",
            "Critical conditions",
            "Error conditions",
            "Warning conditions",
            "Normal but significant conditions",
            "Informational messages",
            "Debugging messages",
        ],
        logging,
    );
    add(
        g,
        "logging host A.B.C.D [transport udp port <1-65535>]",
        &[
            "Modify message logging facilities",
            "Set syslog server IP address and parameters",
            "IP address of the syslog server",
            "Specify the transport protocol",
            "UDP",
            "Specify the UDP port",
            "Port",
        ],
        logging,
    );
    add(g, "logging A.B.C.D", &["Modify message logging facilities", "IP address of the logging host"], logging);
    add(g, "config-register WORD", &["Define the configuration register", "Config register number"], |s, a, o| {
        // A 16-bit number, in hex (`0x2102`) or decimal: `conf t` typed in
        // configuration mode is not a value.
        let v = a.req("WORD")?;
        let ok = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
            Some(h) => !h.is_empty() && h.len() <= 4 && h.chars().all(|c| c.is_ascii_hexdigit()),
            None => v.parse::<u16>().is_ok(),
        };
        if !ok {
            let col = super::super::prompt(s).chars().count() + a.line.rfind(v).unwrap_or(0);
            o.line(&format!("{}^", " ".repeat(col)));
            o.line("% Invalid input detected at '^' marker.");
            o.line("");
            return Err(String::new());
        }
        set_line(s, "config-register", &canon(a));
        Ok(())
    });
    add(g, "hostname WORD", &["Set system's network name", "This system's network name"], |s, a, _| {
        let h = a.req("WORD")?.to_string();
        s.router().ios_doc.hostname = h;
        Ok(())
    });
    add(
        g,
        "banner {motd | login | exec | incoming | slip-ppp | prompt-timeout | config-save} LINE",
        &[
            "Define a login banner",
            "Set Message of the Day banner",
            "Set login banner",
            "Set EXEC process creation banner",
            "Set incoming terminal line banner",
            "Set Message for SLIP/PPP",
            "Set Message for login authentication timeout",
            "Set message for saving configuration",
            "c banner-text c, where 'c' is a delimiting character",
        ],
        |s, a, _| {
            let head = key_words(a, 2);
            super::super::banner_start(s, &head, a.get("LINE").unwrap_or("").trim_start());
            Ok(())
        },
    );
}
