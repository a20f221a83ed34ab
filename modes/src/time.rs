//! Time as both dialects print it: the log stamp and the full date, on the
//! router's clock (seconds since the Unix epoch, UTC).

fn civil(secs: u64) -> (i64, u32, u32, u64, u64, u64, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    let weekday = ((days + 4).rem_euclid(7)) as u32; // 1970-01-01 was a Thursday
    (y, m, d, rem / 3600, (rem / 60) % 60, rem % 60, weekday)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// `Nov 22 14:37:44`: the time stamp of a SmartEdge log line.
pub fn log_time(secs: u64) -> String {
    let (_, m, d, h, mi, s, _) = civil(secs);
    format!("{} {:02} {:02}:{:02}:{:02}", MONTHS[(m - 1) as usize], d, h, mi, s)
}

/// `14:37:44.250`: a time of day with milliseconds, from ms since the epoch.
pub fn clock_ms(ms: u64) -> String {
    let (_, _, _, h, mi, s, _) = civil(ms / 1000);
    format!("{h:02}:{mi:02}:{s:02}.{:03}", ms % 1000)
}

/// `Sun Nov 22 14:37:44 2026 UTC`
pub fn date_time(secs: u64) -> String {
    let (y, m, d, h, mi, s, wd) = civil(secs);
    format!("{} {} {:02} {:02}:{:02}:{:02} {y} UTC", DAYS[wd as usize], MONTHS[(m - 1) as usize], d, h, mi, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dates() {
        assert_eq!(date_time(0), "Thu Jan 01 00:00:00 1970 UTC");
        assert_eq!(date_time(1_795_358_264), "Sun Nov 22 14:37:44 2026 UTC");
        assert_eq!(log_time(1_795_358_264), "Nov 22 14:37:44");
    }
}
