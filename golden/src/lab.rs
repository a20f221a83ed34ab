//! The simulated lab: several routers in one process joined by one
//! simulated segment. A datagram goes to the router whose IKE engine uses
//! its destination address as a tunnel's local end (nothing else is
//! reachable, like a network with only these routers on it). Time is
//! virtual and shared: `@@ advance N` runs every timer that falls due, in
//! order, so transcripts replay byte for byte. Each router's engine is
//! moved through its driver (`edgesh_engine::driver::Driver`), as the
//! network thread moves it on a real network. `@@ traffic SRC DST [N]`
//! carries echo requests and replies through the routers' ESP SAs (RFC 4303
//! with the SAs' negotiated keys, [`traffic`]), so the SA counters shows
//! print are counts of packets that were sealed and opened. `@@ traffic
//! SRC DST N tamper` flips a bit of each request's ICV on the way, `@@
//! traffic SRC DST N spi HEX` gives the requests that SPI instead of the
//! SA's: the receiver refuses them and its engine hears of each drop as
//! the dataplane tells it (drop counters, log lines).

use edgesh_engine::esp_drops::{DropKind, EspDrop};
use edgesh_modes::Router;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard};

type R = Arc<Mutex<Router>>;

fn lock(r: &R) -> MutexGuard<'_, Router> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

/// Carry datagrams between the routers until the network is quiet.
pub fn deliver(routers: &[R]) {
    for _ in 0..100_000 {
        let mut moved = false;
        for r in routers {
            let out: Vec<_> = {
                let mut g = lock(r);
                std::iter::from_fn(|| g.engine.poll_transmit()).collect()
            };
            for t in out {
                moved = true;
                let to =
                    routers.iter().find(|x| !Arc::ptr_eq(x, r) && lock(x).ike().local_addrs().contains(t.dst.ip()));
                if let Some(to) = to {
                    let mut g = lock(to);
                    g.engine.handle_datagram(t.dst, t.src, &t.data);
                    g.engine_drain();
                }
            }
        }
        if !moved {
            return;
        }
    }
}

fn set_time(r: &R, ms: u64) {
    lock(r).engine.set_clock(edgesh_modes::Clock::Virtual(ms / 1000), ms % 1000);
}

/// Advance the shared clock by `secs`, firing timers in order.
pub fn advance(routers: &[R], secs: u64) {
    let Some(start) = routers.first().map(|r| lock(r).now_ms()) else { return };
    let end = start + secs * 1000;
    for _ in 0..1_000_000 {
        let next = routers.iter().filter_map(|r| lock(r).engine.poll_timeout()).min();
        match next {
            Some(t) if t <= end => {
                let t = t.max(start);
                for r in routers {
                    set_time(r, t);
                    lock(r).engine_tick();
                }
                deliver(routers);
            }
            _ => break,
        }
    }
    for r in routers {
        set_time(r, end);
        lock(r).engine_tick();
    }
    deliver(routers);
}

/// Size of each echo packet `@@ traffic` carries (a whole IPv4 packet, as
/// the `100-byte ICMP Echos` of a router's ping).
pub const ECHO_BYTES: usize = 100;

/// An ICMP echo request (or reply) of [`ECHO_BYTES`] bytes from `src` to `dst`.
fn echo(src: Ipv4Addr, dst: Ipv4Addr, seq: u16, reply: bool) -> Vec<u8> {
    let mut p = vec![0u8; ECHO_BYTES];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(ECHO_BYTES as u16).to_be_bytes());
    p[8] = 255;
    p[9] = 1;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    let sum = |b: &[u8]| {
        let mut s: u32 = b.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    };
    let h = sum(&p[..20]);
    p[10..12].copy_from_slice(&h.to_be_bytes());
    p[20] = if reply { 0 } else { 8 };
    p[26..28].copy_from_slice(&seq.to_be_bytes());
    let c = sum(&p[20..]);
    p[22..24].copy_from_slice(&c.to_be_bytes());
    p
}

/// One inner packet from `src` to `dst` through the lab: sealed by the
/// router whose SA covers it, opened by the router holding that SA's
/// inbound half and checked against its selectors (RFC 4301 inbound
/// policy), both engines told the packet and its bytes as the dataplane
/// tells them. No covering SA: the traffic starts the negotiation where a
/// policy covers it (a crypto map) and the packet is lost. Returns whether
/// it arrived.
fn carry(routers: &[R], src: Ipv4Addr, dst: Ipv4Addr, packet: &[u8]) -> Result<bool, String> {
    carry_as(routers, src, dst, packet, Fault::None)
}

/// What `@@ traffic ... tamper|spi HEX` does to each sealed packet on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// One bit of the last byte (the ICV) flipped: the receiver's check fails.
    Tamper,
    /// The SPI replaced by this one (an SA the receiver does not have).
    Spi(u32),
}

/// [`carry`] with a [`Fault`]. A packet the receiver refuses is reported to
/// its engine as the dataplane reports it (kind, SPI, peer), so the drop
/// counters and log lines follow.
fn carry_as(routers: &[R], src: Ipv4Addr, dst: Ipv4Addr, packet: &[u8], fault: Fault) -> Result<bool, String> {
    use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
    use rand::SeedableRng;
    let Some((from, out)) = routers.iter().find_map(|r| lock(r).ike().child_for(src, dst).cloned().map(|c| (r, c)))
    else {
        for r in routers {
            let mut g = lock(r);
            let covered = g.ike().conf().policies().iter().any(|(_, _, l, rm)| l.contains(src) && rm.contains(dst));
            if covered {
                g.engine.initiate_for_traffic(src, dst);
                g.engine_drain();
            }
        }
        deliver(routers);
        return Ok(false);
    };
    let Some((encr, auth)) = out.esp else { return Err(format!("the SA {:08X} is not ESP", out.spi_out)) };
    let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(out.spi_out));
    let mut sealed = EspSa::new(out.spi_out, encr, auth, &out.keys_out)
        .and_then(|mut s| {
            s.set_esn(out.esn);
            s.seal(NEXT_HEADER_IPV4, packet, &mut rng)
        })
        .map_err(|e| e.to_string())?;
    match fault {
        Fault::None => {}
        Fault::Tamper => {
            if let Some(b) = sealed.last_mut() {
                *b ^= 1;
            }
        }
        Fault::Spi(spi) => sealed[..4].copy_from_slice(&spi.to_be_bytes()),
    }
    let spi = u32::from_be_bytes([sealed[0], sealed[1], sealed[2], sealed[3]]);
    let to = routers
        .iter()
        .filter(|r| !Arc::ptr_eq(r, from))
        .find_map(|r| lock(r).ike().child_sas().iter().find(|c| c.spi_in == out.spi_out).cloned().map(|c| (r, c)));
    let bytes = packet.len() as u64;
    {
        let mut g = lock(from);
        g.engine.account_packets(out.spi_out, false, 1, bytes);
        g.engine_drain();
    }
    let Some((to, inb)) = to else { return Ok(false) };
    let opened = if spi == inb.spi_in {
        EspSa::new(inb.spi_in, encr, auth, &inb.keys_in)
            .and_then(|mut s| {
                s.set_esn(inb.esn);
                s.open(&sealed)
            })
            .map_err(|e| DropKind::of(&e))
    } else {
        Err(DropKind::UnknownSpi)
    };
    let refused = match opened {
        Ok((NEXT_HEADER_IPV4, inner)) if inb.remote_ts.contains(src) && inb.local_ts.contains(dst) => {
            (inner != packet).then_some(DropKind::Malformed)
        }
        Ok((NEXT_HEADER_IPV4, _)) => Some(DropKind::Selector),
        Ok(_) => Some(DropKind::TransportMode),
        Err(k) => Some(k),
    };
    let mut g = lock(to);
    match refused {
        None => g.engine.account_packets(inb.spi_in, true, 1, bytes),
        Some(kind) => {
            let inner = (kind == DropKind::Selector).then_some((src, dst, packet[9]));
            let (peer, local) = (*inb.remote.ip(), *inb.local.ip());
            let more = Vec::new();
            g.engine.report_drops(vec![EspDrop { spi, proto: 50, kind, peer, local, packets: 1, seq: 1, inner, more }]);
            false
        }
    };
    g.engine_drain();
    drop(g);
    let arrived = refused.is_none();
    deliver(routers);
    Ok(arrived)
}

/// `@@ traffic SRC DST [N]`: N (5 unless told) echo requests from SRC to
/// DST, each answered by an echo reply from DST to SRC when it arrived.
pub fn traffic(routers: &[R], src: Ipv4Addr, dst: Ipv4Addr, n: u16, fault: Fault) -> Result<(), String> {
    for seq in 1..=n {
        if carry_as(routers, src, dst, &echo(src, dst, seq, false), fault)? {
            carry(routers, dst, src, &echo(dst, src, seq, true))?;
        }
    }
    Ok(())
}

/// Lab directives: `advance SECONDS`, `traffic SRC DST [N]`.
pub fn directive(d: &str, routers: &[R], notes: &mut Vec<String>) {
    let w: Vec<&str> = d.split_whitespace().collect();
    match w.as_slice() {
        ["advance", n] => match n.parse::<u64>() {
            Ok(n) => advance(routers, n),
            Err(_) => notes.push(format!("bad directive: @@ {d}")),
        },
        ["traffic", src, dst, rest @ ..] if rest.len() <= 3 => {
            let n = rest.first().map_or(Ok(5), |n| n.parse::<u16>());
            let fault = match &rest.get(1..).unwrap_or_default() {
                [] => Some(Fault::None),
                ["tamper"] => Some(Fault::Tamper),
                ["spi", x] => u32::from_str_radix(x.trim_start_matches("0x"), 16).ok().map(Fault::Spi),
                _ => None,
            };
            match (src.parse(), dst.parse(), n, fault) {
                (Ok(s), Ok(t), Ok(n), Some(fault)) => {
                    if let Err(e) = traffic(routers, s, t, n, fault) {
                        notes.push(format!("@@ {d}: {e}"));
                    }
                }
                _ => notes.push(format!("bad directive: @@ {d}")),
            }
        }
        _ => notes.push(format!("unknown directive: @@ {d}")),
    }
}
