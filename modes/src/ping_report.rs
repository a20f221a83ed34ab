//! The result of IOS's and ASA's `ping`: five echoes, one mark each
//! (`!` answered, the dialect's mark for a lost one), then IOS's summary
//! line, `Success rate is P percent (N/5), round-trip min/avg/max =
//! A/B/C ms` (the round trip only when something came back). The echoes
//! themselves are the host's ([`crate::session::Pinger`], 2 s each).

use crate::out::Out;
use crate::session::Pinger;
use std::net::Ipv4Addr;
use std::time::Duration;

/// IOS's default count and timeout.
const COUNT: u16 = 5;
const TIMEOUT: Duration = Duration::from_secs(2);

/// Send the five echoes through `pinger` (none: all lost, as in the lab) and print the marks and the summary.
pub fn five(pinger: Option<&Pinger>, src: Option<Ipv4Addr>, dst: Ipv4Addr, lost: char, o: &mut dyn Out) {
    let rtts: Vec<Option<Duration>> =
        (0..COUNT).map(|seq| pinger.and_then(|p| (p.0)(src, dst, seq, TIMEOUT))).collect();
    for l in report(&rtts, lost) {
        o.line(&l);
    }
}

/// The marks line and the summary line for the echoes' round trips.
fn report(rtts: &[Option<Duration>], lost: char) -> [String; 2] {
    let marks: String = rtts.iter().map(|r| if r.is_some() { '!' } else { lost }).collect();
    let ms: Vec<u128> = rtts.iter().flatten().map(Duration::as_millis).collect();
    let n = rtts.len().max(1);
    let mut summary = format!("Success rate is {} percent ({}/{})", ms.len() * 100 / n, ms.len(), rtts.len());
    if let (Some(min), Some(max)) = (ms.iter().min(), ms.iter().max()) {
        let avg = ms.iter().sum::<u128>() / ms.len() as u128;
        summary.push_str(&format!(", round-trip min/avg/max = {min}/{avg}/{max} ms"));
    }
    [marks, summary]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_as_ios_does() {
        let ms = |v: u64| Some(Duration::from_micros(v));
        assert_eq!(report(&[None; 5], '.'), [".....".to_string(), "Success rate is 0 percent (0/5)".into()]);
        assert_eq!(
            report(&[None, ms(1_400), ms(2_900), ms(1_100), ms(4_000)], '.'),
            [".!!!!".to_string(), "Success rate is 80 percent (4/5), round-trip min/avg/max = 1/2/4 ms".into()]
        );
        assert_eq!(
            report(&[ms(300); 5], '?'),
            ["!!!!!".to_string(), "Success rate is 100 percent (5/5), round-trip min/avg/max = 0/0/0 ms".into()]
        );
        assert_eq!(report(&[None, None, ms(1_000), None, None], '?')[0], "??!??");
    }

    #[test]
    fn asks_the_pinger_for_each_echo() {
        use std::sync::{Arc, Mutex};
        let asked = Arc::new(Mutex::new(Vec::new()));
        let a2 = asked.clone();
        let p = Pinger(Arc::new(move |src, dst, seq, t| {
            a2.lock().unwrap().push((src, dst, seq, t));
            (seq > 0).then_some(Duration::from_millis(3))
        }));
        let mut o = crate::out::VecOut::default();
        let src = Some(Ipv4Addr::new(198, 51, 100, 1));
        let dst = Ipv4Addr::new(203, 0, 113, 1);
        five(Some(&p), src, dst, '.', &mut o);
        assert_eq!(o.0, [".!!!!", "Success rate is 80 percent (4/5), round-trip min/avg/max = 3/3/3 ms"]);
        let asked = asked.lock().unwrap();
        assert_eq!(asked.iter().map(|a| a.2).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        assert!(asked.iter().all(|a| a.0 == src && a.1 == dst && a.3 == Duration::from_secs(2)));
    }
}
