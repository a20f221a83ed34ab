//! The userspace ESP dataplane (Linux): a TUN device, `edgesh0`, carries the
//! cleartext side; ESP (on IP protocol 50, or in UDP 4500 behind a NAT) and
//! AH carry the protected side. A packet the host routes into `edgesh0` is
//! matched to the newest child SA whose selectors cover its source and
//! destination, sealed with [`EspSa`] and sent to the peer; an ESP packet
//! that arrives is opened by the SA of its SPI, checked against that SA's
//! selectors (RFC 4301 inbound policy check) and written to `edgesh0`. Both
//! directions report their byte counts to the engine, which runs kilobyte
//! lifetimes on them and shows them in `show crypto ipsec sa` / `show
//! tunnel ipsec`.
//!
//! Threads: the per-packet work runs on threads of its own, one per
//! direction, never under the router lock and never on the network (IKE)
//! thread:
//! * `dp-tx` ([`tx`]) owns the outbound SAs: it reads every TUN device of
//!   the device list ([`shared::Shared::add_device`]: `edgesh0` and the
//!   route-based tunnels' devices) that `poll` found readable (up to 64
//!   reads a round: a UDP datagram is a read of its own), seals (a tunnel
//!   device's packets with its tunnel's SAs) and sends (UDP GSO,
//!   `sendmmsg` on the raw sockets, every 256 packets and at the round's
//!   end). `edgesh0`'s transmit queue is [`TX_QUEUE_LEN`] packets, room
//!   for a UDP burst while dp-tx seals.
//! * `dp-rx` ([`rx`]) owns the inbound SAs and their anti-replay windows: it
//!   reads the raw ESP/AH sockets (`recvmmsg`, up to 32 packets per
//!   call) and the port 4500 UDP sockets (UDP GRO: a read gives up to 64 KB
//!   of datagrams glued together), opens and writes to the device of the
//!   SA's tunnel (its own, or `edgesh0`) in GRO batches. Port 4500 also
//!   carries IKE and NAT-T keepalives (no SPI: the zero non-ESP marker, or
//!   a single byte): dp-rx queues those for the network thread and wakes
//!   it ([`shared::Shared::ike_in`]). Until dp-rx has a new socket list
//!   ([`shared::Shared::udp_read_by_rx`]), the network thread reads port
//!   4500 itself and hands ESP on through the channel.
//! * The network thread keeps this [`Dataplane`], the control side: it takes
//!   the engine driver's SA feed ([`SaFeed`]), builds each SA's keyed state
//!   once and sends each half to the thread that owns it (install and
//!   removal in order on a channel, with a wake-up), creates the devices
//!   (`edgesh0`, and with [`tunif`] the tunnel interfaces': a device that
//!   comes or goes is fanned out like an SA change) and raw sockets, and
//!   with the router held ([`Dataplane::settle`]) tells the engine the byte
//!   counts (per-SA atomic [`shared::Count`]s, every 10 ms or as soon as a
//!   thread finds the traffic paused for a millisecond; and before each
//!   command line, through [`edgesh_modes::session::Router::pending_counts`]),
//!   the dropped packets, and the traffic
//!   no SA covers (which starts IOS crypto maps).
//!
//! The device is created when the first IPsec SA comes up, or as soon as a
//! crypto map waits for traffic to start its negotiation (so a router that
//! negotiates nothing creates nothing); without the right to create it
//! (CAP_NET_ADMIN) edgesh says so once in the log and carries on with IKE.
//!
//! The encapsulation is the one negotiated: ESP in UDP 4500 when NAT-T found
//! a NAT (RFC 3948), else ESP straight on IP protocol 50 (RFC 4303), over a
//! raw socket opened with the first such SA (CAP_NET_RAW; without it edgesh
//! says so once in the log). Where the peer's next hop is known, dp-tx
//! hands those packets (and AH's) to the interface through an `AF_PACKET`
//! socket instead (about 1.5x the packets per second; the thread
//! `dp-hops` follows the routes, MTUs and neighbours, [`link`]); a packet
//! over its route's MTU leaves in fragments ([`raw::fragments`]). The
//! outbound SA of a packet is found by its
//! selectors in [`table::SelectorIndex`], whose cost does not grow with the
//! number of SAs; inbound SAs are found by SPI.
//!
//! AH (RFC 4302, [`AhSa`]) cannot be carried in UDP: a child with AH
//! (IOS `ah-sha-hmac`/`ah-sha256-hmac`, SmartEdge `ah authentication`),
//! alone or bundled over ESP (outer header | AH | ESP | inner packet), goes
//! over a raw IP protocol 51 socket, opened with the first such SA (it
//! needs CAP_NET_RAW; without it edgesh says so once in the log). Its
//! rejected packets are counted and logged with the ESP ones.
//!
//! Route-based tunnels (IOS VTIs, SmartEdge tunnel interfaces) have a
//! device each instead of `edgesh0` ([`tunif`]): the device a packet is
//! read from chooses the tunnel's SAs, and what their SAs open is written
//! to it.

use edgesh_engine::ah::AhSa;
use edgesh_engine::config::{ConnectionType, TunnelKind};
use edgesh_engine::driver::{SaChange, SaFeed};
use edgesh_engine::esp::EspSa;
use edgesh_modes::Router;
use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

pub mod io;
pub(crate) mod link;
pub mod raw;
pub(crate) mod rx;
pub(crate) mod shared;
pub mod table;
pub(crate) mod tunif;
pub(crate) mod tx;

use shared::{Count, EDGESH0, Shared};

/// The name of the TUN device.
pub const DEVICE: &str = "edgesh0";

/// `edgesh0`'s transmit queue, in packets (the kernel's default for a TUN
/// device is 500, which a UDP burst at 800 Mbit/s overflows while dp-tx
/// seals): what the host may queue for dp-tx to read.
pub const TX_QUEUE_LEN: u32 = 5000;

fn ipv4_ends(p: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr)> {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return None;
    }
    Some((Ipv4Addr::new(p[12], p[13], p[14], p[15]), Ipv4Addr::new(p[16], p[17], p[18], p[19])))
}

/// The dataplane's control side, on the network thread (see the module
/// header for the threads it feeds).
pub struct Dataplane {
    shared: Arc<Shared>,
    to_tx: Sender<tx::TxMsg>,
    to_rx: Sender<rx::RxMsg>,
    /// The receiving ends, until the threads start (with the first SA or device).
    pending: Option<(std::sync::mpsc::Receiver<tx::TxMsg>, std::sync::mpsc::Receiver<rx::RxMsg>)>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// Set once creating the device failed (reported once).
    tun_failed: bool,
    feed: Option<SaFeed>,
    /// The inbound SPIs of the SAs the threads carry.
    live: HashSet<u32>,
    /// The byte counters of the SAs by (SPI, inbound), and those of removed
    /// SAs, read one last time at the next settle (the others are read when
    /// they are on the dirty list, [`Shared::dirty`]).
    counts: HashMap<(u32, bool), Arc<Count>>,
    retired: Vec<Arc<Count>>,
    /// Problems of the control side to log.
    problems: Vec<String>,
    /// When the configuration was last searched for crypto maps.
    looked: Option<std::time::Instant>,
    /// The configuration generation whose policies dp-tx has.
    policy_generation: Option<u64>,
    /// The route-based tunnels' own devices (`tunif.rs`).
    tunif: tunif::Devices,
}

impl Dataplane {
    pub fn new() -> Dataplane {
        let (to_tx, tx_rx) = channel();
        let (to_rx, rx_rx) = channel();
        Dataplane {
            shared: Arc::new(Shared::new().expect("a socket pair for the dataplane's wake-ups")),
            to_tx,
            to_rx,
            pending: Some((tx_rx, rx_rx)),
            threads: Vec::new(),
            tun_failed: false,
            feed: None,
            live: HashSet::new(),
            counts: HashMap::new(),
            retired: Vec::new(),
            problems: Vec::new(),
            looked: None,
            policy_generation: None,
            tunif: tunif::Devices::default(),
        }
    }

    /// Does the engine have something to hear from the dataplane?
    pub fn has_news(&self) -> bool {
        !self.problems.is_empty() || self.shared.has_news()
    }

    /// What the network thread polls besides its sockets: the dataplane
    /// threads wake it when traffic pauses (byte counts to report).
    pub fn wake_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.shared.wake_net.fd()
    }

    /// After a wait on [`Dataplane::wake_fd`]: empty it.
    pub fn woken(&self) {
        self.shared.wake_net.drain();
    }

    /// The port 4500 sockets ESP in UDP leaves on (the network thread's).
    pub fn set_udp(&self, socks: HashMap<SocketAddrV4, Arc<UdpSocket>>) {
        self.shared.set_udp(socks);
    }

    /// Does dp-rx read the port 4500 sockets (all of those last given to
    /// [`Dataplane::set_udp`])? Then the network thread neither reads nor
    /// polls them, and takes the IKE that arrives there from [`Dataplane::take_ike`].
    pub fn udp_read_by_rx(&self) -> bool {
        self.shared.udp_read_by_rx()
    }

    /// IKE datagrams and NAT-T keepalives dp-rx read on port 4500: (local, sender, datagram).
    pub fn take_ike(&self) -> Vec<(SocketAddrV4, SocketAddrV4, Vec<u8>)> {
        self.shared.take_ike()
    }

    /// ESP in UDP read on port 4500 by the network thread (`data` holds
    /// datagrams of `seg` bytes but the last): to the receive thread.
    pub fn from_udp(&self, local: Ipv4Addr, peer: Ipv4Addr, data: &[u8], seg: usize) {
        if self.to_rx.send(rx::RxMsg::Udp(local, peer, data.to_vec(), seg)).is_ok() {
            self.shared.wake_rx.wake();
        }
    }

    /// Follow the engine's SA installs and removals (no lock: a channel).
    pub fn follow(&mut self) {
        let Some(feed) = self.feed.take() else { return };
        let (mut wake_tx, mut wake_rx) = (false, false);
        while let Ok(c) = feed.try_recv() {
            match c {
                SaChange::Install(c) => match self.install(&c) {
                    Ok(true) => (wake_tx, wake_rx) = (true, true),
                    Ok(false) => {}
                    Err(e) => {
                        self.tunif.release(c.spi_in, c.spi_out);
                        self.problems
                            .push(format!("cannot carry traffic: tunnel {}: SA 0x{:08x}: {e}", c.tunnel, c.spi_in));
                    }
                },
                SaChange::Remove { spi_in, spi_out } => {
                    self.tunif.release(spi_in, spi_out);
                    if self.live.remove(&spi_in) {
                        let _ = self.to_rx.send(rx::RxMsg::Remove(spi_in));
                        let _ = self.to_tx.send(tx::TxMsg::Remove(spi_out));
                        (wake_tx, wake_rx) = (true, true);
                    }
                    for k in [(spi_in, true), (spi_out, false)] {
                        if let Some(c) = self.counts.remove(&k) {
                            self.retired.push(c);
                        }
                    }
                }
            }
        }
        self.feed = Some(feed);
        if wake_tx {
            self.shared.wake_tx.wake();
        }
        if wake_rx {
            self.shared.wake_rx.wake();
        }
    }

    /// A fresh counter for (SPI, inbound); a replaced one is read once more.
    fn counter(&mut self, key: (u32, bool)) -> Arc<Count> {
        let c = Arc::new(Count::new(key, self.shared.dirty.clone()));
        if let Some(old) = self.counts.insert(key, c.clone()) {
            self.retired.push(old);
        }
        c
    }

    /// The SAs of an engine child SA pair, to the threads: ESP (in UDP when
    /// NAT-T found a NAT, else on IP protocol 50), or AH (alone, or over
    /// ESP) on IP protocol 51. False when the userspace dataplane does not
    /// carry it.
    fn install(&mut self, c: &edgesh_engine::ike::sa::ChildSa) -> Result<bool, String> {
        if crate::xfrm_sa::kernel_carries(c) {
            return Ok(false); // the kernel's XFRM carries it (`xfrm_sa.rs`)
        }
        let esp = |spi, keys| esp_sa(c, spi, keys);
        // A route-based tunnel's SA: carried for its device, not by edgesh0's selectors.
        let dev = self.tunif.claim(c);
        let outbound = |esp, ah, encap, transport, count| tx::Outbound {
            esp,
            encap,
            ah,
            local: c.local,
            remote: c.remote,
            local_ts: c.local_ts,
            remote_ts: c.remote_ts,
            created: c.created,
            transport,
            count,
            dev,
            policy: (c.tunnel.clone(), c.child),
        };
        let Some(auth) = c.ah else {
            let (Some(i), Some(o)) = (esp(c.spi_in, &c.keys_in)?, esp(c.spi_out, &c.keys_out)?) else {
                self.tunif.release(c.spi_in, c.spi_out);
                return Ok(false);
            };
            let transport = c.transport.then_some((*c.remote.ip(), *c.local.ip()));
            let count = self.counter((c.spi_in, true));
            let _ = self.to_rx.send(rx::RxMsg::Esp(
                c.spi_in,
                Box::new(rx::InEsp { sa: i, remote_ts: c.remote_ts, local_ts: c.local_ts, transport, count, dev }),
            ));
            let count = self.counter((c.spi_out, false));
            let _ = self
                .to_tx
                .send(tx::TxMsg::Install(c.spi_out, Box::new(outbound(Some(o), None, c.encap, c.transport, count))));
            if !c.encap {
                self.shared.raw_esp.want();
                self.shared.link.want(*c.remote.ip());
            }
            self.live.insert(c.spi_in);
            return Ok(true);
        };
        if c.encap {
            return Err("AH cannot cross a NAT (RFC 3948 encapsulates ESP only)".into());
        }
        // A bundle's AH has its own outbound SPI and keys; AH alone uses the child's.
        let (ah_out, key_in, key_out) = match &c.ah_part {
            Some(p) => (p.spi_out, &p.key_in, &p.key_out),
            None => (c.spi_out, &c.keys_in.auth, &c.keys_out.auth),
        };
        let mut ah_i = AhSa::new(c.spi_in, auth, key_in).map_err(|e| e.to_string())?;
        ah_i.set_replay_window(c.replay_window);
        ah_i.set_esn(c.esn);
        let mut ah_o = AhSa::new(ah_out, auth, key_out).map_err(|e| e.to_string())?;
        ah_o.set_esn(c.esn);
        let (esp_i, esp_o) =
            if c.ah_part.is_some() { (esp(c.spi_in, &c.keys_in)?, esp(c.spi_out, &c.keys_out)?) } else { (None, None) };
        let count = self.counter((c.spi_in, true));
        let _ = self.to_rx.send(rx::RxMsg::Ah(
            c.spi_in,
            Box::new(rx::AhIn { ah: ah_i, esp: esp_i, remote_ts: c.remote_ts, local_ts: c.local_ts, count, dev }),
        ));
        let count = self.counter((c.spi_out, false));
        let _ =
            self.to_tx.send(tx::TxMsg::Install(c.spi_out, Box::new(outbound(esp_o, Some(ah_o), false, false, count))));
        self.shared.raw_ah.want();
        self.shared.link.want(*c.remote.ip());
        self.live.insert(c.spi_in);
        Ok(true)
    }

    /// With the router held (once per network round that needs it): take
    /// the SA feed, tell the engine the byte counts, the dropped packets
    /// and the traffic that starts negotiations, log problems, create the
    /// device and raw sockets when needed, start the threads.
    pub fn settle(&mut self, r: &mut Router) {
        if self.feed.is_none() {
            self.feed = Some(r.engine.sa_feed());
            // A command line reports the counts first (a show after a ping sees its replies).
            let dirty = self.shared.dirty.clone();
            r.pending_counts =
                Some(edgesh_modes::session::CountFlush(Arc::new(move |e| report_counts(e, &dirty.take()))));
        }
        // The devices first: an SA installed next finds its tunnel's device.
        let moved = self.tunif.sync(r, &self.shared);
        for &(spi_in, spi_out, dev) in &moved {
            if self.live.contains(&spi_in) {
                let _ = self.to_rx.send(rx::RxMsg::Move(spi_in, dev));
                let _ = self.to_tx.send(tx::TxMsg::Move(spi_out, dev));
            }
        }
        if !moved.is_empty() {
            self.shared.wake_tx.wake();
            self.shared.wake_rx.wake();
        }
        self.follow();
        self.tunif.set_states();
        // The outbound lookup follows the configuration's policy order (dp-tx holds the index).
        if self.policy_generation != Some(r.engine.conf_generation()) {
            self.policy_generation = Some(r.engine.conf_generation());
            let policies =
                r.ike().conf().policies().into_iter().map(|(t, c, l, rm)| (t.to_string(), c, l, rm)).collect();
            let _ = self.to_tx.send(tx::TxMsg::Policies(policies));
            self.shared.wake_tx.wake();
        }
        if self.shared.has_news() {
            let news = self.shared.take_news();
            if !news.drops.is_empty() {
                let mut d = news.drops;
                r.engine.report_drops(d.take());
            }
            for (src, dst) in news.uncovered {
                r.engine.initiate_for_traffic(src, dst);
            }
            self.problems.extend(news.problems);
        }
        // After the news: a pause signalled from now on is reported at the next round.
        // Only the counters that moved (the dirty list), and the removed SAs'
        // one last time: one call per SA with its packets and bytes, the
        // engine finding the SA by its SPI index.
        let mut moved = self.shared.dirty.take();
        moved.append(&mut self.retired);
        report_counts(&mut r.engine, &moved);
        for p in std::mem::take(&mut self.problems) {
            r.crypto_log(3, "DATAPLANE", &p);
        }
        self.ensure_device(r);
        let mut opened = false;
        for raw in [&self.shared.raw_ah, &self.shared.raw_esp] {
            match raw.ensure() {
                Some(Ok(())) => opened = true,
                Some(Err(why)) => {
                    r.crypto_log(3, "DATAPLANE", &why);
                }
                None => {}
            }
        }
        if opened {
            self.shared.wake_rx.wake();
        }
        // The link-layer path once the raw socket is open (the same privilege); tried once.
        if (self.shared.raw_esp.fd().is_some() || self.shared.raw_ah.fd().is_some())
            && let Some(e) = self.shared.link.open()
        {
            r.crypto_log(
                3,
                "DATAPLANE",
                &format!("cannot open an AF_PACKET socket ({e}): ESP without NAT and AH are sent by the raw sockets"),
            );
        }
        if !self.live.is_empty() || self.shared.has_devices() {
            self.start_threads();
        }
    }

    fn start_threads(&mut self) {
        let Some((tx_msgs, rx_msgs)) = self.pending.take() else { return };
        let (s1, s2, s3) = (self.shared.clone(), self.shared.clone(), self.shared.clone());
        for (name, f) in [
            ("dp-tx", Box::new(move || tx::run(s1, tx_msgs)) as Box<dyn FnOnce() + Send>),
            ("dp-rx", Box::new(move || rx::run(s2, rx_msgs))),
            ("dp-hops", Box::new(move || link::run(s3))),
        ] {
            match std::thread::Builder::new().name(name.into()).spawn(f) {
                Ok(h) => self.threads.push(h),
                Err(e) => {
                    self.problems.push(format!("cannot start the dataplane thread {name} ({e}): no traffic is carried"))
                }
            }
        }
    }

    fn ensure_device(&mut self, r: &mut Router) {
        if self.shared.has_device(EDGESH0) || self.tun_failed {
            return;
        }
        // The device is needed once an SA is up, or before, where traffic
        // is what starts the negotiation (IOS crypto maps): looked for in the
        // configuration at most once a second.
        // SAs of route-based tunnels have their own devices (`tunif`): they need no edgesh0.
        let sas = self.live.iter().any(|spi| !self.tunif.on_device(*spi));
        if !sas && self.looked.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1)) {
            return;
        }
        self.looked = Some(std::time::Instant::now());
        let on_traffic = r.ike().conf().peers.iter().any(|p| {
            p.kind == TunnelKind::Static && !p.auto_start && !p.dynamic && p.connection != ConnectionType::ResponderOnly
        });
        if sas || on_traffic {
            // With the kernel's offloads where it has them, else without.
            let made = tun_rs::DeviceBuilder::new()
                .name(DEVICE)
                .mtu(1400)
                .offload(true)
                .build_sync()
                .map(|d| (d, true))
                .or_else(|_| tun_rs::DeviceBuilder::new().name(DEVICE).mtu(1400).build_sync().map(|d| (d, false)));
            match made {
                Ok((tun, offload)) => {
                    let _ = tun.set_nonblocking(true);
                    // Room for a UDP burst while dp-tx is busy (each datagram is a read of its own).
                    let _ = tun.set_tx_queue_len(TX_QUEUE_LEN);
                    self.shared.add_device(Arc::new(shared::Device { id: EDGESH0, tun, offload }));
                }
                Err(e) => {
                    self.tun_failed = true;
                    r.crypto_log(
                        3,
                        "DATAPLANE",
                        &format!(
                            "cannot create TUN device {DEVICE} ({e}): IPsec SAs are negotiated but carry no traffic"
                        ),
                    );
                }
            }
        }
    }
}

/// Tell the engine each counter's packets and bytes since its last take
/// (one call per SA, the engine finding it by its SPI index).
fn report_counts(engine: &mut edgesh_engine::driver::Driver, counts: &[Arc<shared::Count>]) {
    for c in counts {
        let (packets, bytes) = c.take();
        if packets > 0 {
            engine.account_packets(c.key.0, c.key.1, packets, bytes);
        }
    }
}

impl Drop for Dataplane {
    fn drop(&mut self) {
        self.shared.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.shared.wake_tx.wake();
        self.shared.wake_rx.wake();
        for h in self.threads.drain(..) {
            let _ = h.join();
        }
        // The listed counters hold the list (a cycle): emptied.
        self.shared.dirty.take();
    }
}

/// The ESP SA of one direction of an engine child SA pair, with
/// anti-replay as the SA has it (off: IOS manual SAs) and its ESN.
pub(crate) fn esp_sa(
    c: &edgesh_engine::ike::sa::ChildSa,
    spi: u32,
    keys: &edgesh_engine::ike::sa::SaKeys,
) -> Result<Option<EspSa>, String> {
    c.esp
        .map(|(e, a)| {
            EspSa::new(spi, e, a, keys).map(|mut s| {
                s.set_replay_window(c.replay_window);
                s.set_esn(c.esn);
                s
            })
        })
        .transpose()
        .map_err(|e| e.to_string())
}

impl Default for Dataplane {
    fn default() -> Self {
        Self::new()
    }
}
