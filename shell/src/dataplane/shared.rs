//! What the dataplane's threads share (`dataplane/mod.rs` says who runs
//! what): the TUN devices, the raw IP sockets, the port 4500 UDP sockets
//! ESP in UDP leaves on, per-SA byte counters, the news for the engine
//! (traffic no SA covers, problems, dropped packets) and the wake-ups.
//! Everything here is either set once (a socket, a device), swapped whole
//! under a short lock at a generation change (the device and socket
//! lists), or an atomic: no per-packet lock.

use super::raw::RawSocket;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A TUN device of the dataplane: `edgesh0` (id [`EDGESH0`]) or a
/// route-based tunnel interface's (`tunif.rs`, ids from 1), in
/// [`Shared::add_device`]'s list.
pub struct Device {
    /// Which device: what SAs name to be read from and written to it.
    pub id: u64,
    pub tun: tun_rs::SyncDevice,
    /// The kernel's offloads (`IFF_VNET_HDR`): TSO super-packets in, GRO out.
    pub offload: bool,
}

/// The id of `edgesh0`: the device whose packets are matched by selectors alone.
pub const EDGESH0: u64 = 0;

/// Packets and bytes one direction of one SA carried since the engine last
/// heard: bumped by the thread that owns the SA, taken by the network thread.
/// The first packet after a take puts the counter on its [`Dirty`] list, so
/// the network thread visits only the counters that moved, not every SA's.
#[derive(Default)]
pub struct Count {
    packets: AtomicU64,
    bytes: AtomicU64,
    /// On the dirty list (until the network thread takes it).
    queued: AtomicBool,
    /// (SPI, inbound): what the engine is told the counts of.
    pub key: (u32, bool),
    /// Where it goes when it moves (None: counted, never listed; tests).
    dirty: Option<Arc<Dirty>>,
}

/// The counters that moved since the network thread last took them.
#[derive(Default)]
pub struct Dirty(Mutex<Vec<Arc<Count>>>);

impl Dirty {
    /// The counters listed since the last take (each once), the list emptied.
    pub fn take(&self) -> Vec<Arc<Count>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Count {
    pub fn new(key: (u32, bool), dirty: Arc<Dirty>) -> Count {
        Count { key, dirty: Some(dirty), ..Default::default() }
    }

    /// A packet of `bytes`. The counts are added before the flag is looked
    /// at (sequentially consistent, as [`Count::take`] clears the flag before
    /// it takes them): a packet [`Count::take`] misses lists the counter again.
    pub fn add(self: &Arc<Self>, bytes: usize) {
        self.packets.fetch_add(1, Ordering::SeqCst);
        self.bytes.fetch_add(bytes as u64, Ordering::SeqCst);
        if !self.queued.load(Ordering::SeqCst)
            && !self.queued.swap(true, Ordering::SeqCst)
            && let Some(d) = &self.dirty
        {
            d.0.lock().unwrap_or_else(|e| e.into_inner()).push(self.clone());
        }
    }

    /// What was counted since the last take (packets, bytes), zeroed; off
    /// the dirty list (the next packet lists it again).
    pub fn take(&self) -> (u64, u64) {
        self.queued.store(false, Ordering::SeqCst);
        if self.packets.load(Ordering::SeqCst) == 0 && self.bytes.load(Ordering::SeqCst) == 0 {
            return (0, 0);
        }
        (self.packets.swap(0, Ordering::SeqCst), self.bytes.swap(0, Ordering::SeqCst))
    }
}

/// Distinct host pairs of traffic no SA covers the engine hears of per
/// round of the network thread at most (each starts a negotiation). With 64
/// a bring-up of 10,000 crypto map entries, one first packet each, lost
/// most of its first packets while the network thread was busy and stalled
/// (docs/speed.md, "SA scale"); a set, so a flood of distinct pairs costs one hash
/// per packet.
pub const UNCOVERED: usize = 4096;

/// What the engine must hear from the dataplane threads.
#[derive(Default)]
pub struct News {
    /// Traffic no SA covers: (source, destination), at most [`UNCOVERED`]
    /// distinct, in the order they came.
    pub uncovered: indexmap::IndexSet<(Ipv4Addr, Ipv4Addr)>,
    /// Problems to log (at most 64).
    pub problems: Vec<String>,
    /// Inbound packets dropped, by (SPI, kind).
    pub drops: crate::dataplane_drops::Pending,
}

/// A wake-up for a thread asleep in `poll`: a datagram socket pair, the
/// reading end polled by the thread.
pub struct Wake {
    rx: UnixDatagram,
    tx: UnixDatagram,
}

impl Wake {
    fn new() -> std::io::Result<Wake> {
        let (rx, tx) = UnixDatagram::pair()?;
        rx.set_nonblocking(true)?;
        tx.set_nonblocking(true)?;
        Ok(Wake { rx, tx })
    }

    pub fn wake(&self) {
        let _ = self.tx.send(&[1]);
    }

    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.rx.as_fd()
    }

    /// Empty the socket after a wake-up.
    pub fn drain(&self) {
        let mut b = [0u8; 64];
        while self.rx.recv(&mut b).is_ok() {}
    }
}

pub struct Shared {
    /// The devices (`edgesh0` and the tunnel interfaces') and the port 4500 sockets, with
    /// the generation that changes when either list does.
    devices: Mutex<Vec<Arc<Device>>>,
    udp: Mutex<Arc<HashMap<SocketAddrV4, Arc<UdpSocket>>>>,
    generation: AtomicU64,
    /// The version of the port 4500 socket list (bumped when it changes),
    /// and the version dp-rx reads (u64::MAX: none). While they are equal,
    /// dp-rx reads those sockets and the network thread leaves them alone.
    udp_gen: AtomicU64,
    udp_by_rx: AtomicU64,
    /// IKE and NAT-T keepalives dp-rx read on port 4500, for the network
    /// thread: (local, sender, datagram), at most [`IKE_QUEUE`].
    ike: Mutex<Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)>>,
    pub raw_ah: RawSocket,
    pub raw_esp: RawSocket,
    /// ESP on protocol 50 and AH on 51 by `AF_PACKET` where the next hop is known (`link.rs`).
    pub link: super::link::LinkPath,
    news: Mutex<News>,
    has_news: AtomicBool,
    pub wake_tx: Wake,
    pub wake_rx: Wake,
    /// The network thread's wake-up: a thread that counted packets and
    /// found no more for a millisecond (traffic paused) has the counts reported at once.
    pub wake_net: Wake,
    counted: AtomicBool,
    pub stop: AtomicBool,
    /// The SA counters that moved ([`Count`]), for the network thread.
    pub dirty: Arc<Dirty>,
}

impl Shared {
    pub fn new() -> std::io::Result<Shared> {
        Ok(Shared {
            devices: Mutex::new(Vec::new()),
            udp: Mutex::new(Arc::new(HashMap::new())),
            generation: AtomicU64::new(0),
            udp_gen: AtomicU64::new(0),
            udp_by_rx: AtomicU64::new(u64::MAX),
            ike: Mutex::new(Vec::new()),
            raw_ah: RawSocket::new(edgesh_engine::ah::PROTOCOL),
            raw_esp: RawSocket::new(edgesh_engine::esp::PROTOCOL),
            link: Default::default(),
            news: Mutex::new(News::default()),
            has_news: AtomicBool::new(false),
            wake_tx: Wake::new()?,
            wake_rx: Wake::new()?,
            wake_net: Wake::new()?,
            counted: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            dirty: Default::default(),
        })
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn add_device(&self, d: Arc<Device>) {
        self.devices.lock().unwrap_or_else(|e| e.into_inner()).push(d);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.wake_tx.wake();
        self.wake_rx.wake();
    }

    /// A device leaves the list (the threads drop it at their next
    /// generation check; it goes with the last of them).
    pub fn remove_device(&self, id: u64) {
        self.devices.lock().unwrap_or_else(|e| e.into_inner()).retain(|d| d.id != id);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.wake_tx.wake();
        self.wake_rx.wake();
    }

    pub fn devices(&self) -> Vec<Arc<Device>> {
        self.devices.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Is there a device of this id?
    pub fn has_device(&self, id: u64) -> bool {
        self.devices.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|d| d.id == id)
    }

    /// Is there any device?
    pub fn has_devices(&self) -> bool {
        !self.devices.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// The port 4500 sockets by local address (replaced when they changed).
    pub fn set_udp(&self, socks: HashMap<SocketAddrV4, Arc<UdpSocket>>) {
        let mut u = self.udp.lock().unwrap_or_else(|e| e.into_inner());
        let same = u.len() == socks.len() && socks.iter().all(|(a, s)| u.get(a).is_some_and(|t| Arc::ptr_eq(s, t)));
        if !same {
            *u = Arc::new(socks);
            self.udp_gen.fetch_add(1, Ordering::AcqRel);
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    pub fn udp(&self) -> Arc<HashMap<SocketAddrV4, Arc<UdpSocket>>> {
        self.udp.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// For dp-rx: the port 4500 sockets to read, with their version (to
    /// pass to [`Shared::rx_reads_udp`] once it polls them).
    pub fn udp_to_read(&self) -> (u64, Arc<HashMap<SocketAddrV4, Arc<UdpSocket>>>) {
        // The version first: a list replaced after this look leaves the versions unequal.
        let g = self.udp_gen.load(Ordering::Acquire);
        (g, self.udp())
    }

    /// dp-rx reads the port 4500 sockets of version `g` (u64::MAX: none, it stopped).
    pub fn rx_reads_udp(&self, g: u64) {
        self.udp_by_rx.store(g, Ordering::Release);
    }

    /// Does dp-rx read all the port 4500 sockets now listed? (Else the
    /// network thread reads them and hands ESP on with [`super::Dataplane::from_udp`].)
    pub fn udp_read_by_rx(&self) -> bool {
        self.udp_by_rx.load(Ordering::Acquire) == self.udp_gen.load(Ordering::Acquire)
    }

    /// IKE datagrams (and NAT-T keepalives) dp-rx read, for the network
    /// thread, which is woken; beyond [`IKE_QUEUE`] waiting they are dropped
    /// (IKE retransmits).
    pub fn ike_in(&self, got: &mut Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)>) {
        if got.is_empty() {
            return;
        }
        let mut q = self.ike.lock().unwrap_or_else(|e| e.into_inner());
        let room = IKE_QUEUE.saturating_sub(q.len());
        q.extend(got.drain(..).take(room));
        drop(q);
        self.wake_net.wake();
    }

    /// What [`Shared::ike_in`] queued, emptied.
    pub fn take_ike(&self) -> Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        std::mem::take(&mut *self.ike.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Add to the news (under its lock, once per batch).
    pub fn tell(&self, f: impl FnOnce(&mut News)) {
        f(&mut self.news.lock().unwrap_or_else(|e| e.into_inner()));
        self.has_news.store(true, Ordering::Release);
    }

    pub fn has_news(&self) -> bool {
        self.has_news.load(Ordering::Acquire) || self.counted.load(Ordering::Acquire)
    }

    /// A thread carried packets and then found none: wake the network
    /// thread (once until it reports) to tell the engine the counts.
    pub fn paused(&self) {
        if !self.counted.swap(true, Ordering::AcqRel) {
            self.wake_net.wake();
        }
    }

    pub fn take_news(&self) -> News {
        self.counted.store(false, Ordering::Release);
        self.has_news.store(false, Ordering::Release);
        std::mem::take(&mut *self.news.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Shared {
    /// The end of a dataplane thread's round that did `work` packets:
    /// `ready` holds, for each of `fds` (a slot per descriptor, None where
    /// it is not open), whether to read it in the next round; the thread
    /// leaves true where a read stopped at its cap (more waits), and `more`
    /// says it has other work left (a channel read stopped at its cap).
    /// A look without waiting adds what became readable meanwhile; when
    /// there is nothing after a busy spell, the thread keeps looking for
    /// [`SPIN_US`], yielding the core between looks (on the 2-core machine
    /// a packet found so costs no wake-up: ESP on protocol 50 +9-36 %,
    /// docs/speed.md, sixth pass); then the first idle round waits
    /// [`PAUSE_MS`] for more, then wakes the network thread for the counts
    /// ([`Shared::paused`]), and the thread
    /// sleeps until one of `fds` is readable or `wake` fires (at most 100
    /// ms), `ready` then naming the readable ones. Only those are read:
    /// a thread with several devices does not read each one every round.
    /// False once the dataplane stops.
    pub fn end_round(
        &self,
        work: usize,
        more: bool,
        carried: &mut bool,
        wake: &Wake,
        fds: &[Option<std::os::fd::BorrowedFd<'_>>],
        ready: &mut [bool],
    ) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        if work > 0 {
            *carried = true;
        }
        if wait(fds, wake, 0, ready) || more || ready.iter().any(|r| *r) {
            return true;
        }
        if *carried && spin(fds, wake, ready) {
            return !self.stop.load(Ordering::Relaxed);
        }
        if std::mem::take(carried) {
            // A pause of a millisecond first: a packet that comes within
            // it (a ping's reply, the next burst) is carried without the
            // network thread waking and taking the router on the way.
            if wait(fds, wake, PAUSE_MS, ready) {
                *carried = true;
                return !self.stop.load(Ordering::Relaxed);
            }
            self.paused();
        }
        wait(fds, wake, 100, ready);
        !self.stop.load(Ordering::Relaxed)
    }
}

/// At most this many IKE datagrams from dp-rx wait for the network thread.
pub const IKE_QUEUE: usize = 1024;

/// How long traffic must have paused before the counts are reported at
/// once (sooner than the network thread's round).
const PAUSE_MS: u16 = 1;

/// How long a thread that just carried traffic keeps looking (yielding the
/// core between looks) before it sleeps in `poll`.
const SPIN_US: u64 = 50;

/// Look at `fds` again for up to [`SPIN_US`], yielding the core between
/// looks: true when something became readable.
fn spin(fds: &[Option<std::os::fd::BorrowedFd<'_>>], wake: &Wake, ready: &mut [bool]) -> bool {
    let t = std::time::Instant::now();
    while t.elapsed() < std::time::Duration::from_micros(SPIN_US) {
        std::thread::yield_now();
        if wait(fds, wake, 0, ready) {
            return true;
        }
    }
    false
}

/// Wait until one of `fds` is readable, the wake-up fires, or `ms` (0: just
/// look): sets `ready` for the readable descriptors (clears none) and
/// empties the wake-up when it fired. True when anything was readable.
fn wait(fds: &[Option<std::os::fd::BorrowedFd<'_>>], wake: &Wake, ms: u16, ready: &mut [bool]) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut slots = Vec::with_capacity(fds.len() + 1);
    let mut p: Vec<PollFd> = Vec::with_capacity(fds.len() + 1);
    for (i, f) in fds.iter().enumerate() {
        if let Some(f) = f {
            slots.push(i);
            p.push(PollFd::new(*f, PollFlags::POLLIN));
        }
    }
    p.push(PollFd::new(wake.fd(), PollFlags::POLLIN));
    if !matches!(poll(&mut p, PollTimeout::from(ms)), Ok(n) if n > 0) {
        return false;
    }
    let hit = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
    for (k, &i) in slots.iter().enumerate() {
        if hit(&p[k])
            && let Some(r) = ready.get_mut(i)
        {
            *r = true;
        }
    }
    if p.last().is_some_and(hit) {
        wake.drain();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::time::{Duration, Instant};

    /// A round marks only the readable descriptors for the next one; the
    /// first idle round after traffic waits, then wakes the network thread
    /// once for the counts; a wake-up alone ends a sleep; a stop ends the thread.
    #[test]
    fn a_round_reads_only_what_is_readable_and_a_pause_wakes_the_network_thread() {
        let s = Shared::new().unwrap();
        let (a_rx, a_tx) = UnixDatagram::pair().unwrap();
        let (b_rx, _b_tx) = UnixDatagram::pair().unwrap();
        a_rx.set_nonblocking(true).unwrap();
        a_tx.send(&[1]).unwrap();
        let fds = [Some(a_rx.as_fd()), None, Some(b_rx.as_fd())];
        let (mut ready, mut carried) = ([false; 3], false);
        assert!(s.end_round(5, false, &mut carried, &s.wake_tx, &fds, &mut ready));
        assert_eq!(ready, [true, false, false]);
        assert!(carried && !s.has_news());
        // Emptied: no traffic within the pause, so the counts are asked for, once.
        a_rx.recv(&mut [0u8; 8]).unwrap();
        ready = [false; 3];
        assert!(s.end_round(0, false, &mut carried, &s.wake_tx, &fds, &mut ready));
        assert_eq!(ready, [false; 3]);
        assert!(!carried && s.has_news());
        let mut b = [0u8; 8];
        assert!(s.wake_net.rx.recv(&mut b).is_ok());
        assert!(s.wake_net.rx.recv(&mut b).is_err());
        // A wake-up (an SA change on the channel) ends the round at once.
        s.wake_tx.wake();
        let t = Instant::now();
        assert!(s.end_round(0, false, &mut carried, &s.wake_tx, &fds, &mut ready));
        assert!(t.elapsed() < Duration::from_millis(50));
        assert_eq!(ready, [false; 3]);
        s.stop.store(true, Ordering::Relaxed);
        assert!(!s.end_round(0, false, &mut carried, &s.wake_tx, &fds, &mut ready));
    }

    /// After traffic a thread keeps looking for [`SPIN_US`] before it
    /// sleeps: a packet sent meanwhile (from another thread) is found by
    /// the looks, not by a wake-up; with nothing coming the look gives up
    /// after its time, having marked nothing.
    #[test]
    fn after_traffic_a_packet_within_the_spin_is_found_without_sleeping() {
        let s = Shared::new().unwrap();
        let (a_rx, a_tx) = UnixDatagram::pair().unwrap();
        let fds = [Some(a_rx.as_fd())];
        let mut ready = [false];
        let t = Instant::now();
        assert!(!spin(&fds, &s.wake_tx, &mut ready));
        assert!(t.elapsed() >= Duration::from_micros(SPIN_US));
        assert_eq!(ready, [false]);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_micros(SPIN_US / 5));
            a_tx.send(&[1]).unwrap();
        });
        // The look goes on until the datagram is there (spun again if the sender was slow to start).
        let t = Instant::now();
        while !spin(&fds, &s.wake_tx, &mut ready) {
            assert!(t.elapsed() < Duration::from_secs(5));
        }
        assert_eq!(ready, [true]);
        sender.join().unwrap();
    }

    /// Only the counters that moved are listed, each once until taken; a
    /// take lists it again at its next packet; a counter without a list
    /// counts all the same.
    #[test]
    fn the_dirty_list_holds_each_counter_that_moved_once() {
        let d = Arc::new(Dirty::default());
        let c: Vec<Arc<Count>> = (0..1000u32).map(|s| Arc::new(Count::new((s, s % 2 == 0), d.clone()))).collect();
        assert!(d.take().is_empty());
        for _ in 0..3 {
            c[7].add(100);
            c[500].add(10);
        }
        let moved = d.take();
        let keys: Vec<(u32, bool)> = moved.iter().map(|c| c.key).collect();
        assert_eq!(keys, [(7, false), (500, true)]);
        assert_eq!(moved.iter().map(|c| c.take()).collect::<Vec<_>>(), [(3, 300), (3, 30)]);
        assert!(d.take().is_empty(), "taken");
        c[7].add(1);
        assert_eq!(d.take().iter().map(|c| (c.key, c.take())).collect::<Vec<_>>(), [((7, false), (1, 1))]);
        let alone = Arc::new(Count::default());
        alone.add(5);
        assert_eq!(alone.take(), (1, 5));
    }

    /// Two threads count on many SAs while the network side takes the
    /// list over and over: no packet is lost, none counted twice.
    #[test]
    fn no_packet_is_lost_between_the_threads_and_the_takes() {
        let d = Arc::new(Dirty::default());
        let c: Arc<Vec<Arc<Count>>> =
            Arc::new((0..64u32).map(|s| Arc::new(Count::new((s, true), d.clone()))).collect());
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for i in 0..100_000usize {
                        c[(i * 7 + t) % 64].add(3);
                    }
                })
            })
            .collect();
        let (mut packets, mut bytes) = (0, 0);
        let mut sum = |list: Vec<Arc<Count>>| {
            for x in list {
                let (p, b) = x.take();
                packets += p;
                bytes += b;
            }
        };
        while threads.iter().any(|t| !t.is_finished()) {
            sum(d.take());
        }
        for t in threads {
            t.join().unwrap();
        }
        sum(d.take());
        assert_eq!((packets, bytes), (200_000, 600_000));
        assert!(c.iter().all(|x| x.take() == (0, 0)), "nothing left off the list");
    }
}
