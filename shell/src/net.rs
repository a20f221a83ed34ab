//! The real network: UDP sockets on ports 500 and 4500 of every address the
//! configuration gives a tunnel's local end, driving the router's sans-IO
//! IKE engine. edgesh never binds a wildcard address: an address the
//! configuration does not name is never used, and an address the host does
//! not have is reported in the log (`show log` / `show logging`), not
//! silently replaced.
//!
//! Interface names in the configuration are not Linux device names: edgesh
//! uses the addresses they carry. Run it in a network namespace whose
//! devices carry those addresses (see README, "Running on a network").

use edgesh_engine::ike::endpoint::{IKE_PORT, NATT_PORT};
use edgesh_modes::{Dialect, Router};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Sockets {
    bound: BTreeMap<SocketAddrV4, UdpSocket>,
    /// Addresses that failed to bind (reported once).
    failed: BTreeMap<SocketAddrV4, String>,
}

impl Sockets {
    fn sync(&mut self, r: &mut Router) {
        let want: Vec<SocketAddrV4> = r.ike.local_addrs().into_iter().flat_map(|a| [SocketAddrV4::new(a, IKE_PORT), SocketAddrV4::new(a, NATT_PORT)]).collect();
        self.bound.retain(|a, _| want.contains(a));
        self.failed.retain(|a, _| want.contains(a));
        for a in want {
            if self.bound.contains_key(&a) || self.failed.contains_key(&a) {
                continue;
            }
            match UdpSocket::bind(a).and_then(|s| s.set_nonblocking(true).map(|_| s)) {
                Ok(s) => {
                    self.bound.insert(a, s);
                }
                Err(e) => {
                    let msg = format!("cannot use {a} for IKE: {e}");
                    let mnemonic = if r.dialect == Dialect::Ios { "IKMP_SOCKET" } else { "BIND" };
                    r.crypto_log(3, mnemonic, &msg);
                    self.failed.insert(a, msg);
                }
            }
        }
    }
}

/// Start the network driver thread.
///
/// Each round reads a batch of datagrams without the router lock, then
/// takes the lock once to run them and the timers, and sends what the
/// engine produced after releasing it, so consoles and SSH sessions are
/// never starved while hundreds of negotiations run.
pub fn spawn(router: Arc<Mutex<Router>>) -> std::thread::JoinHandle<()> {
    router.lock().unwrap_or_else(|e| e.into_inner()).net_attached = true;
    std::thread::Builder::new()
        .name("ike-net".into())
        .spawn(move || {
            let mut socks = Sockets { bound: BTreeMap::new(), failed: BTreeMap::new() };
            let mut dp = crate::dataplane::Dataplane::new();
            let mut buf = vec![0u8; 65536];
            loop {
                let mut batch: Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)> = Vec::new();
                for (local, s) in &socks.bound {
                    while batch.len() < 64 {
                        match s.recv_from(&mut buf) {
                            Ok((n, SocketAddr::V4(from))) => batch.push((*local, from, buf[..n].to_vec())),
                            Ok(_) => continue,
                            Err(_) => break,
                        }
                    }
                }
                let mut esp_out: Vec<crate::dataplane::Datagram> = Vec::new();
                let out: Vec<_> = {
                    let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
                    // A pending commit first, so its addresses are bound before its first messages go.
                    r.engine_tick();
                    socks.sync(&mut r);
                    for (local, from, data) in &batch {
                        // On 4500, ESP (a non-zero SPI) rather than IKE (the zero non-ESP marker).
                        if local.port() == NATT_PORT && data.len() >= 8 && data[..4] != [0; 4] {
                            dp.from_udp(&mut r, data);
                            continue;
                        }
                        let now = r.now_ms();
                        r.ike.handle(now, *local, *from, data);
                    }
                    r.engine_tick();
                    dp.sync(&mut r);
                    dp.from_tun(&mut r, &mut esp_out);
                    std::iter::from_fn(|| r.ike.poll_transmit()).collect()
                };
                let busy = !batch.is_empty() || !out.is_empty() || !esp_out.is_empty();
                for t in out {
                    if let Some(s) = socks_get(&socks.bound, t.src) {
                        let _ = s.send_to(&t.data, t.dst);
                    }
                }
                for (local, remote, data) in esp_out {
                    if let Some(s) = socks_get(&socks.bound, local) {
                        let _ = s.send_to(&data, remote);
                    }
                }
                // Let other threads at the router between rounds; when idle,
                // sleep until a datagram or a packet for the tunnel arrives
                // (at most 10 ms: timers and commits need the loop too).
                if busy {
                    std::thread::sleep(Duration::from_micros(200));
                } else {
                    wait_readable(&socks, &dp, Duration::from_millis(10));
                }
            }
        })
        .expect("spawning the network thread")
}

/// Wait until a socket or the TUN device has something to read, or `max`.
fn wait_readable(socks: &Sockets, dp: &crate::dataplane::Dataplane, max: Duration) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let mut fds: Vec<PollFd> = socks.bound.values().map(|s| PollFd::new(s.as_fd(), PollFlags::POLLIN)).collect();
    fds.extend(dp.fd().map(|f| PollFd::new(f, PollFlags::POLLIN)));
    if fds.is_empty() {
        std::thread::sleep(max);
        return;
    }
    let ms = u16::try_from(max.as_millis()).unwrap_or(u16::MAX);
    let _ = poll(&mut fds, PollTimeout::from(ms));
}

fn socks_get(b: &BTreeMap<SocketAddrV4, UdpSocket>, a: SocketAddrV4) -> Option<&UdpSocket> {
    b.get(&a).or_else(|| b.get(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, a.port())))
}
