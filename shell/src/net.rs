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
use edgesh_modes::Router;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Sockets {
    /// Shared with the dataplane's send thread (ESP in UDP leaves on the port 4500 ones).
    bound: BTreeMap<SocketAddrV4, Arc<UdpSocket>>,
    /// The port 4500 sockets the kernel glues received ESP datagrams on (UDP GRO).
    gro: std::collections::BTreeSet<SocketAddrV4>,
    /// Addresses that failed to bind (reported once).
    failed: BTreeMap<SocketAddrV4, String>,
}

impl Sockets {
    fn sync(&mut self, r: &mut Router) {
        let want: Vec<SocketAddrV4> = r
            .ike()
            .local_addrs()
            .iter()
            .flat_map(|&a| [SocketAddrV4::new(a, IKE_PORT), SocketAddrV4::new(a, NATT_PORT)])
            .collect();
        self.bound.retain(|a, _| want.contains(a));
        self.gro.retain(|a| want.contains(a));
        self.failed.retain(|a, _| want.contains(a));
        for a in want {
            if self.bound.contains_key(&a) || self.failed.contains_key(&a) {
                continue;
            }
            match UdpSocket::bind(a).and_then(|s| s.set_nonblocking(true).map(|_| s)) {
                Ok(s) => {
                    if a.port() == NATT_PORT
                        && crate::xfrm::ACTIVE.load(std::sync::atomic::Ordering::Relaxed)
                        && let Err(e) = crate::xfrm_sa::encap_socket(&s)
                    {
                        r.crypto_log(
                            3,
                            "DATAPLANE",
                            &format!("dataplane kernel: {a}: ESP in UDP stays with edgesh: {e}"),
                        );
                    }
                    // Room for bursts (ESP on port 4500; on both ports the IKE of thousands of
                    // tunnels coming up at once, which the default 208 KB dropped: docs/speed.md, "SA scale").
                    let s2 = socket2::SockRef::from(&s);
                    let _ = s2.set_recv_buffer_size(4 << 20);
                    let _ = s2.set_send_buffer_size(4 << 20);
                    if a.port() == NATT_PORT {
                        // ESP glued together where the kernel can.
                        if crate::dataplane::io::enable_gro(&s) {
                            self.gro.insert(a);
                        }
                    }
                    self.bound.insert(a, Arc::new(s));
                }
                Err(e) => {
                    let msg = format!("cannot use {a} for IKE: {e}");
                    let mnemonic = r.dialect.ops().socket_mnemonic();
                    r.crypto_log(3, mnemonic, &msg);
                    self.failed.insert(a, msg);
                }
            }
        }
    }
}

/// How often the network thread takes the router when nothing asks for it
/// sooner: the engine's timers, commits' first messages and the
/// dataplane's byte counts wait at most this long.
const ROUND: Duration = Duration::from_millis(10);

/// Start the network thread: the I/O shell around the router's engine
/// driver and the dataplane.
///
/// Each round reads a batch of datagrams without the router lock; ESP in
/// UDP among them goes to the dataplane's receive thread (the dataplane's
/// own threads do the per-packet work, `dataplane/mod.rs`). Once that
/// thread runs it reads port 4500 itself and hands the IKE it finds there
/// to this thread (`Dataplane::take_ike`), so ESP in UDP no longer passes here. The lock is
/// taken once when IKE datagrams arrived, the dataplane has something for
/// the engine (traffic that starts a negotiation, a problem to log), or a
/// round ([`ROUND`]) has passed (byte counts then reach the engine): the
/// driver takes the datagrams and runs its timers, and what it produced is
/// sent after the lock is released, so consoles and SSH sessions are never
/// starved while hundreds of negotiations run.
pub fn spawn(router: Arc<Mutex<Router>>) -> std::thread::JoinHandle<()> {
    router.lock().unwrap_or_else(|e| e.into_inner()).engine.attach();
    std::thread::Builder::new()
        .name("ike-net".into())
        .spawn(move || {
            let mut socks = Sockets { bound: BTreeMap::new(), gro: Default::default(), failed: BTreeMap::new() };
            let mut dp = crate::dataplane::Dataplane::new();
            let mut routes = crate::routes::Installer::new();
            let mut xfrm = crate::xfrm_sa::Installer::new();
            let mut buf = vec![0u8; 65536];
            let mut last: Option<Instant> = None;
            loop {
                let mut batch: Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)> = Vec::new();
                let mut esp_in = 0usize;
                dp.follow();
                // What dp-rx read on port 4500 that is not ESP (when it reads those sockets).
                batch.extend(dp.take_ike());
                let rx_reads_4500 = dp.udp_read_by_rx();
                for (local, s) in &socks.bound {
                    if rx_reads_4500 && local.port() == NATT_PORT {
                        continue;
                    }
                    let gro = socks.gro.contains(local);
                    while batch.len() < 64 && esp_in < 256 {
                        let Some((from, n, seg)) = crate::dataplane::io::recv(s, &mut buf, gro) else { break };
                        // On 4500, ESP (a non-zero SPI) rather than IKE (the zero non-ESP marker):
                        // GRO glues datagrams of one flow only, so one look tells.
                        let data = &buf[..n];
                        if local.port() == NATT_PORT && crate::dataplane::io::is_esp(data) {
                            dp.from_udp(*local.ip(), *from.ip(), data, seg);
                            esp_in += n.div_ceil(seg.max(1));
                        } else {
                            batch.extend(data.chunks(seg.max(1)).map(|d| (*local, from, d.to_vec())));
                        }
                    }
                }
                let due = last.is_none_or(|t| t.elapsed() >= ROUND);
                let mut out = Vec::new();
                let locked = due || !batch.is_empty() || dp.has_news();
                if locked {
                    last = Some(Instant::now());
                    let mut r = router.lock().unwrap_or_else(|e| e.into_inner());
                    socks.sync(&mut r);
                    dp.set_udp(
                        socks
                            .bound
                            .iter()
                            .filter(|(a, _)| a.port() == NATT_PORT)
                            .map(|(a, s)| (*a, s.clone()))
                            .collect(),
                    );
                    for (local, from, data) in &batch {
                        r.engine.handle_datagram(*local, *from, data);
                    }
                    dp.settle(&mut r);
                    r.engine_tick();
                    routes.sync(&mut r);
                    xfrm.sync(&mut r);
                    out.extend(std::iter::from_fn(|| r.engine.poll_transmit()));
                }
                dp.follow();
                let busy = !batch.is_empty() || !out.is_empty() || esp_in > 0;
                for t in out {
                    if let Some(s) = socks_get(&socks.bound, t.src) {
                        let _ = s.send_to(&t.data, t.dst);
                    }
                }
                // When idle, sleep until a datagram arrives, at most until the next round.
                if busy && locked {
                    // Let sessions at the router between negotiation rounds.
                    std::thread::sleep(Duration::from_micros(200));
                } else if !busy {
                    let left = last.map(|t| ROUND.saturating_sub(t.elapsed())).unwrap_or_default();
                    wait_readable(&socks, &dp, left.max(Duration::from_millis(1)));
                }
            }
        })
        .expect("spawning the network thread")
}

/// Wait until a socket has something to read, the dataplane has news, or `max`.
fn wait_readable(socks: &Sockets, dp: &crate::dataplane::Dataplane, max: Duration) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    // Port 4500 is dp-rx's to read once it has the sockets (IKE from there wakes this thread).
    let rx_reads_4500 = dp.udp_read_by_rx();
    let mut fds: Vec<PollFd> = socks
        .bound
        .iter()
        .filter(|(a, _)| !(rx_reads_4500 && a.port() == NATT_PORT))
        .map(|(_, s)| PollFd::new(s.as_fd(), PollFlags::POLLIN))
        .collect();
    fds.push(PollFd::new(dp.wake_fd(), PollFlags::POLLIN));
    let ms = u16::try_from(max.as_millis()).unwrap_or(u16::MAX);
    let _ = poll(&mut fds, PollTimeout::from(ms));
    dp.woken();
}

fn socks_get(b: &BTreeMap<SocketAddrV4, Arc<UdpSocket>>, a: SocketAddrV4) -> Option<&Arc<UdpSocket>> {
    b.get(&a).or_else(|| b.get(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, a.port())))
}
