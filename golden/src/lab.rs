//! The simulated lab: several routers in one process joined by one
//! simulated segment. A datagram goes to the router whose IKE engine uses
//! its destination address as a tunnel's local end (nothing else is
//! reachable, like a network with only these routers on it). Time is
//! virtual and shared: `@@ advance N` runs every timer that falls due, in
//! order, so transcripts replay byte for byte. Each router's engine is
//! moved through its driver (`edgesh_engine::driver::Driver`), as the
//! network thread moves it on a real network.

use edgesh_modes::Router;
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

/// Lab directives: `advance SECONDS`.
pub fn directive(d: &str, routers: &[R], notes: &mut Vec<String>) {
    let w: Vec<&str> = d.split_whitespace().collect();
    match w.as_slice() {
        ["advance", n] => match n.parse::<u64>() {
            Ok(n) => advance(routers, n),
            Err(_) => notes.push(format!("bad directive: @@ {d}")),
        },
        _ => notes.push(format!("unknown directive: @@ {d}")),
    }
}
