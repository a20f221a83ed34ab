//! The log buffer's guard against flooding (issue 14.6).
//!
//! * Rate limit: a message kind (`FACILITY-MNEMONIC`) from one source (the
//!   first IPv4 address in its text) is kept at most 20 times in 10
//!   seconds, and a kind from all sources together at most 100 times; the
//!   others are counted, not kept. When such a window ends, one line says
//!   how many were suppressed (`%SYS-4-LOG_SUPPRESSED: 19900 messages
//!   %IKE-...: No IKE policy found ... suppressed in the last 10 s`), so a
//!   flood of spoofed packets cannot push the tunnel history out of the
//!   buffer.
//! * Counts that stay true: messages logged, suppressed (IOS `show
//!   logging`'s "dropped") and pushed out of the full buffer ("overruns").
//! * Size: 131,072 bytes by default (about 1,000 lines); IOS `logging
//!   buffered SIZE` (bytes, 4096 to 2147483647) sets it.
//! * Destinations beside the buffer: IOS `logging host A.B.C.D [transport
//!   udp port N]` sends each kept line as a syslog datagram (RFC 3164
//!   priority, facility local7), with the real clock only.

pub use crate::logctl::LogControl;
use crate::logctl::Window;
use crate::session::{Clock, Router};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

/// The rate limit's window, in milliseconds.
pub const WINDOW_MS: u64 = 10_000;
/// Lines of one kind from one source kept per window.
pub const PER_SOURCE: u32 = 20;
/// Lines of one kind from all sources kept per window.
pub const PER_KIND: u32 = 100;
/// The buffer's size by default (no `logging buffered SIZE`).
pub const DEFAULT_BYTES: usize = 131_072;
/// Rate-limit windows remembered at most.
const MAX_WINDOWS: usize = 4096;

/// The first IPv4 address in a message (its source, for the rate limit).
pub fn source_of(text: &str) -> String {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.parse::<Ipv4Addr>().is_ok())
        .unwrap_or("")
        .to_string()
}

/// Offer a log line of `kind` (`FACILITY-MNEMONIC`) with message `text`:
/// kept in the buffer (and sent to the `logging host`s), or counted as
/// suppressed. Returns whether it was kept.
pub fn offer(r: &mut Router, kind: &str, text: &str, line: &str) -> bool {
    let now = r.now_ms();
    let src = r.logctl.source_hint.clone().unwrap_or_else(|| source_of(text));
    let mut summaries = Vec::new();
    let ctl = &mut r.logctl;
    if ctl.windows.len() >= MAX_WINDOWS {
        let old: Vec<(String, String)> = ctl
            .windows
            .iter()
            .filter(|(_, w)| now.saturating_sub(w.start) >= WINDOW_MS)
            .map(|(k, _)| k.clone())
            .collect();
        for k in old {
            if let Some(w) = ctl.windows.remove(&k)
                && w.suppressed > 0
            {
                summaries.push(summary(&k.0, &k.1, &w));
            }
        }
    }
    let mut keep = true;
    // The kind from every source.
    let kw = ctl.kinds.entry(kind.to_string()).or_default();
    if now.saturating_sub(kw.start) >= WINDOW_MS {
        if kw.suppressed > 0 {
            summaries.push(summary(kind, "", kw));
        }
        *kw = Window { start: now, ..Default::default() };
    }
    // The kind from this source.
    let full = ctl.windows.len() >= MAX_WINDOWS;
    let sw = if full { None } else { Some(ctl.windows.entry((kind.to_string(), src.clone())).or_default()) };
    if let Some(sw) = sw {
        if now.saturating_sub(sw.start) >= WINDOW_MS {
            if sw.suppressed > 0 {
                summaries.push(summary(kind, &src, sw));
            }
            *sw = Window { start: now, ..Default::default() };
        }
        if sw.kept >= PER_SOURCE {
            keep = false;
            if sw.suppressed == 0 {
                sw.sample = text.to_string();
            }
            sw.suppressed += 1;
        } else {
            sw.kept += 1;
        }
    }
    let kw = ctl.kinds.get_mut(kind).expect("just made");
    if keep {
        if kw.kept >= PER_KIND {
            keep = false;
            if kw.suppressed == 0 {
                kw.sample = text.to_string();
            }
            kw.suppressed += 1;
        } else {
            kw.kept += 1;
        }
    }
    if !keep {
        ctl.suppressed += 1;
    }
    for s in summaries {
        let l = format!("{}: %SYS-4-LOG_SUPPRESSED: {s}", crate::time::log_time(r.now()));
        store(r, l);
    }
    r.logctl.last_kept = keep;
    r.logctl.last_dropped = (!keep).then(|| line.to_string());
    if keep {
        store(r, line.to_string());
    }
    keep
}

fn summary(kind: &str, src: &str, w: &Window) -> String {
    let from = if src.is_empty() { String::new() } else { format!(" from {src}") };
    let sample: String = w.sample.chars().take(80).collect();
    format!(
        "{} message{} %{kind}{from} suppressed in the last {} s (first: {sample})",
        w.suppressed,
        if w.suppressed == 1 { "" } else { "s" },
        WINDOW_MS / 1000
    )
}

/// Put a line in the buffer, pushing the oldest out when full, and send it
/// to the `logging host`s.
pub fn store(r: &mut Router, line: String) {
    if !r.logctl.hosts.is_empty() && matches!(r.engine.clock(), Clock::Real) {
        send(&mut r.logctl, &line);
    }
    if r.log.is_empty() {
        r.logctl.bytes = 0;
    }
    r.logctl.bytes += line.len() + 1;
    r.logctl.logged += 1;
    r.log.push_back(line);
    trim(r);
}

/// Keep the buffer within its size.
pub fn trim(r: &mut Router) {
    loop {
        let max = r.logctl.max_bytes.unwrap_or(DEFAULT_BYTES);
        let over = r.logctl.bytes > max && r.log.len() > 1;
        if !over {
            break;
        }
        if let Some(old) = r.log.pop_front() {
            r.logctl.bytes = r.logctl.bytes.saturating_sub(old.len() + 1);
            r.logctl.overruns += 1;
        }
    }
}

/// IOS `logging buffered [SIZE]` (`None`: back to the default size).
pub fn set_size(r: &mut Router, bytes: Option<usize>) {
    r.logctl.max_bytes = bytes;
    r.logctl.bytes = r.log.iter().map(|l| l.len() + 1).sum();
    trim(r);
}

fn send(ctl: &mut LogControl, line: &str) {
    if ctl.socket.is_none() {
        ctl.socket = UdpSocket::bind("0.0.0.0:0").ok();
        if let Some(s) = &ctl.socket {
            let _ = s.set_nonblocking(true);
        }
    }
    let Some(s) = &ctl.socket else { return };
    // Facility local7 (23), severity from the line's %FAC-SEV-MNEMONIC.
    let sev = line
        .split_once('%')
        .and_then(|(_, rest)| rest.split('-').nth(1))
        .and_then(|x| x.parse::<u8>().ok())
        .unwrap_or(6)
        .min(7);
    let msg = format!("<{}>{line}", 23 * 8 + u32::from(sev));
    for h in &ctl.hosts {
        let _ = s.send_to(msg.as_bytes(), h);
    }
}

/// Follow the IOS configuration's `logging buffered [SIZE]` and `logging
/// host A.B.C.D [transport udp port N]` / `logging A.B.C.D` lines.
pub fn from_ios_doc(r: &mut Router) {
    let mut size = None;
    let mut hosts = Vec::new();
    for n in &r.ios_doc.root {
        let w: Vec<&str> = n.text.split_whitespace().collect();
        match w.as_slice() {
            ["logging", "buffered", rest @ ..] => {
                size = Some(rest.first().and_then(|x| x.parse::<usize>().ok()).filter(|b| *b >= 4096).unwrap_or(4096))
            }
            ["logging", "host", ip, rest @ ..] | ["logging", ip, rest @ ..] => {
                let Ok(ip) = ip.parse::<Ipv4Addr>() else { continue };
                let port = match rest {
                    ["transport", "udp", "port", p, ..] => p.parse().unwrap_or(514),
                    _ => 514,
                };
                hosts.push(SocketAddr::from((ip, port)));
            }
            _ => {}
        }
    }
    r.logctl.hosts = hosts;
    if size != r.logctl.max_bytes {
        set_size(r, size);
    }
}

/// The `show logging` header lines (IOS).
pub fn ios_header(r: &Router) -> Vec<String> {
    let c = &r.logctl;
    let size = c.max_bytes.unwrap_or(DEFAULT_BYTES);
    let mut v = vec![
        format!("Syslog logging: enabled ({} messages dropped, 0 flushes, {} overruns)", c.suppressed, c.overruns),
        format!("    Buffer logging: level debugging, {} messages logged", c.logged),
    ];
    for h in &c.hosts {
        v.push(format!("    Logging to {} (udp port {})", h.ip(), h.port()));
    }
    v.push(String::new());
    v.push(format!("Log Buffer ({size} bytes):"));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::Config;

    fn router() -> Router {
        Router::new(Config::new("r"), Clock::Virtual(1_700_000_000), 1, std::env::temp_dir())
    }

    #[test]
    fn a_flood_is_rate_limited_and_the_history_stays() {
        let mut r = router();
        r.log("IKE", 5, "TUNNEL_UP", "tunnel to 192.0.2.1 up");
        // 20,000 spoofed first messages from 2,000 addresses within a second.
        for i in 0..20_000u32 {
            let ip = format!("10.{}.{}.1", (i % 2000) / 250, i % 250);
            r.log("IKE", 4, "NO_POLICY", &format!("No IKE policy found for {ip}"));
        }
        assert!(r.log.iter().any(|l| l.contains("TUNNEL_UP")), "the history was pushed out");
        assert_eq!(r.logctl.suppressed, 20_000 - u64::from(PER_KIND));
        assert!(r.log.len() <= 110, "{}", r.log.len());
        // The next window says how many were suppressed.
        r.engine.advance((WINDOW_MS + 1).div_ceil(1000));
        r.log("IKE", 4, "NO_POLICY", "No IKE policy found for 10.9.9.9");
        let s = r.log.iter().find(|l| l.contains("LOG_SUPPRESSED")).expect("a summary line").clone();
        assert!(s.contains("19900 messages %IKE-NO_POLICY suppressed"), "{s}");
    }

    #[test]
    fn one_source_cannot_use_up_its_kind() {
        let mut r = router();
        for _ in 0..1000 {
            r.log("IKE", 4, "NO_POLICY", "No IKE policy found for 10.0.0.1");
        }
        r.log("IKE", 4, "NO_POLICY", "No IKE policy found for 192.0.2.7");
        assert_eq!(r.log.iter().filter(|l| l.contains("10.0.0.1")).count(), PER_SOURCE as usize);
        assert!(r.log.iter().any(|l| l.contains("192.0.2.7")));
        assert_eq!(r.logctl.suppressed, 1000 - u64::from(PER_SOURCE));
    }

    #[test]
    fn overruns_are_counted_and_the_size_is_bytes() {
        let mut r = router();
        set_size(&mut r, Some(4096));
        for i in 0..500 {
            r.log("SYS", 5, &format!("K{i}"), "x");
        }
        let bytes: usize = r.log.iter().map(|l| l.len() + 1).sum();
        assert!(bytes <= 4096, "{bytes}");
        assert_eq!(r.logctl.logged, 500);
        assert_eq!(r.logctl.overruns, 500 - r.log.len() as u64);
        assert!(ios_header(&r)[0].contains(&format!("0 messages dropped, 0 flushes, {} overruns", r.logctl.overruns)));
    }

    #[test]
    fn sources() {
        assert_eq!(source_of("No IKE policy found for 192.0.2.9:500"), "192.0.2.9");
        assert_eq!(source_of("commit 3 by admin"), "");
    }
}
