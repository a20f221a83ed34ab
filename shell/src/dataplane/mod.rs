//! The userspace ESP dataplane (Linux): a TUN device, `edgesh0`, carries the
//! cleartext side; ESP in UDP 4500 (RFC 3948) on the IKE sockets carries the
//! protected side. A packet the host routes into `edgesh0` is matched to the
//! newest child SA whose selectors cover its source and destination, sealed
//! with [`EspSa`] and sent to the peer; an ESP datagram that arrives on port
//! 4500 is opened by the SA of its SPI, checked against that SA's selectors
//! (RFC 4301 inbound policy check) and written to `edgesh0`. Both directions
//! report their byte counts to the engine, which runs kilobyte lifetimes on
//! them and shows them in `show crypto ipsec sa` / `show tunnel ipsec`.
//!
//! The device is created when the first IPsec SA comes up, or as soon as a
//! crypto map waits for traffic to start its negotiation (so a router that
//! negotiates nothing creates nothing); without the right to create it
//! (CAP_NET_ADMIN) edgesh says so once in the log and carries on with IKE.
//! Routing the protected prefixes into `edgesh0` is the host's part (README,
//! "Carrying traffic").
//!
//! The encapsulation is the one negotiated: ESP in UDP 4500 when NAT-T found
//! a NAT (RFC 3948), else ESP straight on IP protocol 50 (RFC 4303), over a
//! raw socket opened with the first such SA (CAP_NET_RAW; without it edgesh
//! says so once in the log). The outbound SA of a packet is found by its
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

use edgesh_engine::config::{ConnectionType, TunnelKind};
use edgesh_engine::driver::{SaChange, SaFeed};
use edgesh_engine::ah::AhSa;
use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
use edgesh_engine::esp_drops::{DropKind, EspDrop};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::Millis;
use edgesh_modes::Router;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

pub mod io;
pub mod raw;
pub mod table;
pub mod tunif;

/// The name of the TUN device.
pub const DEVICE: &str = "edgesh0";

/// A datagram to send on an IKE socket: (local, remote, payload).
pub type Datagram = (SocketAddrV4, SocketAddrV4, Vec<u8>);

/// An outbound SA: where its packets go and which traffic it carries.
struct Outbound {
    /// ESP (in UDP, or on IP protocol 50; under AH in a bundle), and AH (raw IP protocol 51).
    esp: Option<EspSa>,
    /// ESP in UDP 4500 (a NAT was found), else on IP protocol 50.
    encap: bool,
    ah: Option<AhSa>,
    local: SocketAddrV4,
    remote: SocketAddrV4,
    local_ts: Selector,
    remote_ts: Selector,
    created: Millis,
    /// Transport mode (`edgesh_engine::esp_transport`): the packet's own header stays outside.
    transport: bool,
}

/// The dataplane. Its per-packet methods ([`Dataplane::from_tun`],
/// [`Dataplane::from_udp`]) take no lock: the SAs come from the engine
/// driver's SA feed, and what the engine must hear (byte counts, traffic
/// that starts a negotiation, problems) waits for [`Dataplane::settle`],
/// which the network thread calls when it holds the router anyway.
pub struct Dataplane {
    tun: Option<tun_rs::SyncDevice>,
    /// The device has the kernel's offloads (`IFF_VNET_HDR`): it hands over
    /// TCP segments of up to 64 KB, cut here to its MTU, and takes segments
    /// glued back together (GRO) in a batch.
    offload: bool,
    /// Batch buffers: a read from the device, its segments and their sizes.
    tun_read: Vec<u8>,
    tun_segs: Vec<Vec<u8>>,
    tun_sizes: Vec<usize>,
    /// Opened packets waiting for [`Dataplane::flush`] (after headroom for
    /// the virtio header), spare buffers, and the GRO state.
    to_tun: Vec<Vec<u8>>,
    spare: Vec<Vec<u8>>,
    gro: tun_rs::GROTable,
    /// Set once creating the device failed (reported once).
    tun_failed: bool,
    feed: Option<SaFeed>,
    /// By SPI: the SA and the selectors (remote, local) its packets must fit.
    inbound: HashMap<u32, (EspSa, Selector, Selector)>,
    /// The outbound SAs by selectors (SPIs into `outbound`).
    index: table::SelectorIndex,
    /// Inbound AH SAs by SPI, with the ESP SA under it in a bundle.
    ah_in: HashMap<u32, AhIn>,
    outbound: HashMap<u32, Outbound>,
    /// Transport-mode inbound SAs by SPI: the (peer, local) ends their packets are rebuilt with.
    transport_in: HashMap<u32, (Ipv4Addr, Ipv4Addr)>,
    /// The packet a transport-mode SA's payload was rebuilt into (from `classify` to `deliver`).
    transport_rebuilt: Option<Vec<u8>>,
    /// The raw IP protocol 51 socket AH travels on, once an AH SA is up.
    raw_ah: raw::RawSocket,
    /// The raw IP protocol 50 socket ESP without NAT travels on, once such an SA is up.
    raw_esp: raw::RawSocket,
    /// ESP packets (outer header included) for the raw socket, sent in one batch after a read.
    raw_out: Vec<(Ipv4Addr, Vec<u8>)>,
    /// Identification of the next outer header sent on a raw socket.
    ident: u16,
    /// Packets and bytes carried since the engine last heard, by (SPI, inbound).
    counts: HashMap<(u32, bool), (u64, u64)>,
    /// Traffic no SA covers: (source, destination), for the engine.
    uncovered: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// Problems to log.
    problems: Vec<String>,
    /// Inbound packets dropped since the engine last heard, by (SPI, kind).
    drops: crate::dataplane_drops::Pending,
    /// When the configuration was last searched for crypto maps.
    looked: Option<std::time::Instant>,
    rng: rand::rngs::StdRng,
    /// The route-based tunnels' own devices (`tunif.rs`).
    tunif: tunif::Devices,
}

/// An inbound AH SA: the ESP SA under it (an AH+ESP bundle) and the
/// selectors (remote, local) its packets must fit.
struct AhIn {
    ah: AhSa,
    esp: Option<EspSa>,
    remote_ts: Selector,
    local_ts: Selector,
}

/// Why an inbound packet was dropped, with its inner (source, destination,
/// protocol) when it was opened.
type Refusal = (DropKind, Option<(Ipv4Addr, Ipv4Addr, u8)>);

/// What an opened packet carried (`next` header, `inner` payload): a
/// tunnel-mode IPv4 packet inside the SA's selectors (true), a dummy packet
/// (false: authenticated, then discarded without a word, RFC 4303 2.6), or
/// why not.
fn check_inner(next: u8, inner: &[u8], remote_ts: &Selector, local_ts: &Selector) -> Result<bool, Refusal> {
    if next == 59 {
        return Ok(false);
    }
    if next != NEXT_HEADER_IPV4 {
        // A transport-mode payload (TCP, UDP, ICMP ...) where a tunnel-mode inner packet is expected.
        return Err((if next == 41 { DropKind::Malformed } else { DropKind::TransportMode }, Some((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, next))));
    }
    let Some((src, dst)) = ipv4_ends(inner) else { return Err((DropKind::Malformed, None)) };
    // The inner packet must be one this SA protects (RFC 4301 5.2).
    if !(remote_ts.contains(src) && local_ts.contains(dst)) {
        return Err((DropKind::Selector, Some((src, dst, inner[9]))));
    }
    Ok(true)
}

fn ipv4_ends(p: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr)> {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return None;
    }
    Some((Ipv4Addr::new(p[12], p[13], p[14], p[15]), Ipv4Addr::new(p[16], p[17], p[18], p[19])))
}

impl Dataplane {
    pub fn new() -> Dataplane {
        Dataplane {
            tun: None,
            offload: false,
            tun_read: vec![0; tun_rs::VIRTIO_NET_HDR_LEN + 65536],
            tun_segs: vec![vec![0; 1500]; tun_rs::IDEAL_BATCH_SIZE],
            tun_sizes: vec![0; tun_rs::IDEAL_BATCH_SIZE],
            to_tun: Vec::new(),
            spare: Vec::new(),
            gro: tun_rs::GROTable::default(),
            tun_failed: false,
            feed: None,
            inbound: HashMap::new(),
            ah_in: HashMap::new(),
            index: table::SelectorIndex::default(),
            outbound: HashMap::new(),
            transport_in: HashMap::new(),
            transport_rebuilt: None,
            raw_ah: raw::RawSocket::new(edgesh_engine::ah::PROTOCOL),
            raw_esp: raw::RawSocket::new(edgesh_engine::esp::PROTOCOL),
            raw_out: Vec::new(),
            ident: 0,
            counts: HashMap::new(),
            uncovered: Vec::new(),
            problems: Vec::new(),
            drops: Default::default(),
            looked: None,
            rng: rand::rngs::StdRng::from_rng(&mut rand::rng()),
            tunif: tunif::Devices::default(),
        }
    }

    /// The device and the AH socket, to wait on (once they exist).
    pub fn fds(&self) -> Vec<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.tun.as_ref().map(|t| t.as_fd()).into_iter().chain(self.raw_ah.fd()).chain(self.raw_esp.fd()).chain(self.tunif.fds()).collect()
    }

    /// Does the engine have something to hear from the dataplane?
    pub fn has_news(&self) -> bool {
        !self.uncovered.is_empty() || !self.problems.is_empty()
    }

    /// Traffic the engine has not been told about yet.
    pub fn has_counts(&self) -> bool {
        !self.counts.is_empty()
    }

    /// Follow the engine's SA installs and removals (no lock: a channel).
    pub fn follow(&mut self) {
        let Some(feed) = self.feed.take() else { return };
        while let Ok(c) = feed.try_recv() {
            match c {
                SaChange::Install(c) => {
                    if let Err(e) = self.install(&c) {
                        self.problems.push(format!("cannot carry traffic: tunnel {}: SA 0x{:08x}: {e}", c.tunnel, c.spi_in));
                    }
                }
                SaChange::Remove { spi_in, spi_out } => {
                    self.inbound.remove(&spi_in);
                    self.ah_in.remove(&spi_in);
                    let on_device = self.tunif.release(spi_in, spi_out);
                    if let Some(o) = self.outbound.remove(&spi_out).filter(|_| !on_device) {
                        self.index.remove(&o.local_ts, &o.remote_ts, spi_out);
                    }
                    self.transport_in.remove(&spi_in);
                }
            }
        }
        self.feed = Some(feed);
    }

    /// The SAs of an engine child SA pair: ESP (in UDP when NAT-T found a
    /// NAT, else on IP protocol 50), or AH (alone, or over ESP) on IP
    /// protocol 51.
    fn install(&mut self, c: &edgesh_engine::ike::sa::ChildSa) -> Result<(), String> {
        if crate::xfrm_sa::kernel_carries(c) {
            return Ok(()); // the kernel's XFRM carries it (`xfrm_sa.rs`)
        }
        // Anti-replay as the SA has it (off: IOS manual SAs).
        let esp = |spi, keys| c.esp.map(|(e, a)| EspSa::new(spi, e, a, keys).map(|mut s| (s.set_anti_replay(c.replay_window > 0), s).1)).transpose().map_err(|e| e.to_string());
        // A route-based tunnel's SA: looked up by its device, not by edgesh0's selectors.
        let on_device = self.tunif.claim(c);
        let Some(auth) = c.ah else {
            let (Some(i), Some(o)) = (esp(c.spi_in, &c.keys_in)?, esp(c.spi_out, &c.keys_out)?) else { return Ok(()) };
            self.inbound.insert(c.spi_in, (i, c.remote_ts, c.local_ts));
            self.add_outbound(c.spi_out, (&c.tunnel, c.child), Outbound { esp: Some(o), encap: c.encap, ah: None, local: c.local, remote: c.remote, local_ts: c.local_ts, remote_ts: c.remote_ts, created: c.created, transport: c.transport }, on_device);
            if c.transport {
                self.transport_in.insert(c.spi_in, (*c.remote.ip(), *c.local.ip()));
            }
            if !c.encap {
                self.raw_esp.wanted = true;
            }
            return Ok(());
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
        ah_i.set_anti_replay(c.replay_window > 0);
        let ah_o = AhSa::new(ah_out, auth, key_out).map_err(|e| e.to_string())?;
        let (esp_i, esp_o) = if c.ah_part.is_some() { (esp(c.spi_in, &c.keys_in)?, esp(c.spi_out, &c.keys_out)?) } else { (None, None) };
        self.ah_in.insert(c.spi_in, AhIn { ah: ah_i, esp: esp_i, remote_ts: c.remote_ts, local_ts: c.local_ts });
        self.add_outbound(c.spi_out, (&c.tunnel, c.child), Outbound { esp: esp_o, encap: false, ah: Some(ah_o), local: c.local, remote: c.remote, local_ts: c.local_ts, remote_ts: c.remote_ts, created: c.created, transport: false }, on_device);
        self.raw_ah.wanted = true;
        Ok(())
    }

    /// An outbound SA of policy `policy` (tunnel, child), in `edgesh0`'s
    /// selector index unless its tunnel has its own device.
    fn add_outbound(&mut self, spi: u32, policy: (&str, usize), o: Outbound, on_device: bool) {
        if let Some(old) = self.outbound.remove(&spi) {
            self.index.remove(&old.local_ts, &old.remote_ts, spi);
        }
        if !on_device {
            self.index.insert(&o.local_ts, &o.remote_ts, o.created, spi, policy);
        }
        self.outbound.insert(spi, o);
    }

    /// With the router held (once per network round that needs it): take
    /// the SA feed, tell the engine the byte counts and the traffic that
    /// starts negotiations, log problems, create the device when needed.
    pub fn settle(&mut self, r: &mut Router) {
        if self.feed.is_none() {
            self.feed = Some(r.engine.sa_feed());
        }
        // The devices first: an SA installed next finds its tunnel's device.
        self.tunif.sync(r);
        self.follow();
        self.tunif.set_states();
        // The outbound lookup follows the configuration's policy order.
        self.index.follow_policies(r.engine.conf_generation(), || r.ike().conf().policies());
        for ((spi, inbound), (packets, bytes)) in self.counts.drain() {
            // The engine counts packets one call each (the bytes with the first).
            if r.engine.account(spi, inbound, bytes) {
                for _ in 1..packets {
                    r.engine.account(spi, inbound, 0);
                }
            }
        }
        if !self.drops.is_empty() {
            r.engine.report_drops(self.drops.take());
        }
        for (src, dst) in std::mem::take(&mut self.uncovered) {
            r.engine.initiate_for_traffic(src, dst);
        }
        for p in std::mem::take(&mut self.problems) {
            r.crypto_log(3, "DATAPLANE", &p);
        }
        self.ensure_device(r);
        for raw in [&mut self.raw_ah, &mut self.raw_esp] {
            if let Some(why) = raw.ensure() {
                r.crypto_log(3, "DATAPLANE", &why);
            }
        }
    }

    /// Packets from the raw sockets (at most `max` from each): AH and ESP
    /// (with no NAT) opened and handed to the host, or dropped and counted.
    /// Returns how many were read.
    pub fn from_raw(&mut self, max: usize) -> usize {
        let mut buf = vec![0u8; 65536];
        let mut n = 0;
        for proto in [edgesh_engine::ah::PROTOCOL, edgesh_engine::esp::PROTOCOL] {
            for _ in 0..max {
                let sock = if proto == edgesh_engine::ah::PROTOCOL { &self.raw_ah } else { &self.raw_esp };
                let Some(len) = sock.recv(&mut buf) else { break };
                n += 1;
                if proto == edgesh_engine::ah::PROTOCOL {
                    let _ = self.receive_ah(&buf[..len]);
                } else if let Some((ihl, peer, local)) = raw::outer(&buf[..len]) {
                    let _ = self.receive_mut(local, peer, &mut buf[ihl..len]);
                }
            }
        }
        n
    }

    /// An IPv4 packet carrying AH (outer header included): opened and
    /// handed to the host, or dropped, counted by kind and the kind returned.
    pub fn receive_ah(&mut self, packet: &[u8]) -> Result<(), DropKind> {
        let ihl = packet.first().map(|b| usize::from(b & 0x0f) * 4).unwrap_or(0);
        let (peer, local) = ipv4_ends(packet).unwrap_or((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED));
        let (spi, seq) = crate::dataplane_drops::spi_seq(packet.get(ihl + 4..).unwrap_or_default());
        let r = self.classify_ah(packet, ihl, spi);
        let r = r.as_ref().map(|(ok, inner)| (*ok, &inner[..])).map_err(|e| *e);
        self.deliver(edgesh_engine::ah::PROTOCOL, (spi, seq), (peer, local), r)
    }

    fn classify_ah(&mut self, packet: &[u8], ihl: usize, spi: u32) -> Result<(bool, Vec<u8>), Refusal> {
        if ihl < 20 || packet.len() < ihl + edgesh_engine::ah::HEADER_LEN || packet[0] >> 4 != 4 {
            return Err((DropKind::Malformed, None));
        }
        let Some(e) = self.ah_in.get_mut(&spi) else { return Err((DropKind::UnknownSpi, None)) };
        let (next, payload) = e.ah.open(packet).map_err(|x| (DropKind::of(&x), None))?;
        let (next, inner) = match (&mut e.esp, next) {
            // A bundle: the ESP packet under AH, opened by the bundle's ESP SA (and no other).
            (Some(esp), edgesh_engine::esp::PROTOCOL) => esp.open(&payload).map_err(|x| (DropKind::of(&x), None))?,
            // A bundle's packet must carry ESP under its AH.
            (Some(_), _) => return Err((DropKind::Malformed, None)),
            (None, _) => (next, payload),
        };
        Ok((check_inner(next, &inner, &e.remote_ts, &e.local_ts)?, inner))
    }

    /// What became of an inbound packet of `proto` (ESP or AH) with `(spi,
    /// seq)` from `peer` to `local`: its inner packet counted and handed to
    /// the host, a dummy packet dropped without a word, or a refusal
    /// counted by kind (for the engine's counters and log lines, at the
    /// next [`Dataplane::settle`]) and its kind returned.
    fn deliver(&mut self, proto: u8, (spi, seq): (u32, u32), (peer, local): (Ipv4Addr, Ipv4Addr), r: Result<(bool, &[u8]), Refusal>) -> Result<(), DropKind> {
        match r {
            Ok((false, _)) => Ok(()),
            Ok((true, inner)) => {
                let c = self.counts.entry((spi, true)).or_default();
                *c = (c.0 + 1, c.1 + inner.len() as u64);
                if let Some(d) = self.tunif.device_of_sa(spi) {
                    self.tunif.queue(d, inner, &mut self.spare);
                } else if self.tun.is_some() {
                    let mut b = self.spare.pop().unwrap_or_default();
                    b.clear();
                    b.resize(tun_rs::VIRTIO_NET_HDR_LEN, 0);
                    b.extend_from_slice(inner);
                    self.to_tun.push(b);
                    if self.to_tun.len() >= tun_rs::IDEAL_BATCH_SIZE {
                        self.flush();
                    }
                }
                Ok(())
            }
            Err((kind, inner)) => {
                let inner = if kind == DropKind::TransportMode { inner.map(|(_, _, p)| (peer, local, p)) } else { inner };
                self.drops.add(EspDrop { spi, proto, kind, peer, local, packets: 1, seq, inner, more: Vec::new() });
                Err(kind)
            }
        }
    }

    fn ensure_device(&mut self, r: &mut Router) {
        if self.tun.is_some() || self.tun_failed {
            return;
        }
        // The device is needed once an SA is up, or before, where traffic
        // is what starts the negotiation (IOS crypto maps): looked for in the
        // configuration at most once a second.
        // SAs of route-based tunnels have their own devices (`tunif`): they need no edgesh0.
        let sas = self.inbound.keys().chain(self.ah_in.keys()).any(|spi| self.tunif.device_of_sa(*spi).is_none());
        if !sas && self.looked.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1)) {
            return;
        }
        self.looked = Some(std::time::Instant::now());
        let on_traffic = r.ike().conf().peers.iter().any(|p| p.kind == TunnelKind::Static && !p.auto_start && !p.dynamic && p.connection != ConnectionType::ResponderOnly);
        if sas || on_traffic {
            // With the kernel's offloads where it has them, else without.
            let made = tun_rs::DeviceBuilder::new().name(DEVICE).mtu(1400).offload(true).build_sync().map(|d| (d, true)).or_else(|_| tun_rs::DeviceBuilder::new().name(DEVICE).mtu(1400).build_sync().map(|d| (d, false)));
            match made {
                Ok((d, offload)) => {
                    let _ = d.set_nonblocking(true);
                    self.tun = Some(d);
                    self.offload = offload;
                }
                Err(e) => {
                    self.tun_failed = true;
                    r.crypto_log(3, "DATAPLANE", &format!("cannot create TUN device {DEVICE} ({e}): IPsec SAs are negotiated but carry no traffic"));
                }
            }
        }
    }

    /// Packets the host routed into the device, sealed for their SA's peer.
    /// Traffic no SA covers yet is kept for the engine (IOS crypto maps
    /// start on it).
    pub fn from_tun(&mut self, out: &mut Vec<Datagram>) {
        // Up to 16 reads (with offloads each may be a 64 KB TCP segment cut into 45 packets).
        for _ in 0..16 {
            let Some(tun) = &self.tun else { break };
            let Ok(n) = tun.recv_multiple(&mut self.tun_read, &mut self.tun_segs, &mut self.tun_sizes, 0) else { break };
            for i in 0..n {
                self.seal_one(i, out, None);
            }
        }
        // The route-based tunnels' devices: each read's packets go to that device's SAs.
        for d in 0..self.tunif.len() {
            for _ in 0..16 {
                let Some(n) = self.tunif.recv(d, &mut self.tun_read, &mut self.tun_segs, &mut self.tun_sizes) else { break };
                for i in 0..n {
                    self.seal_one(i, out, Some(d));
                }
            }
        }
        if !self.raw_out.is_empty() {
            self.raw_esp.send_batch(&mut self.raw_out);
        }
    }

    /// Seal the `i`th packet read from `edgesh0` (`dev` None) or from a
    /// tunnel interface's device (by that device's SAs only).
    fn seal_one(&mut self, i: usize, out: &mut Vec<Datagram>, dev: Option<usize>) {
        {
            let p = &self.tun_segs[i][..self.tun_sizes[i]];
            let Some((src, dst)) = ipv4_ends(p) else { return };
            let found = match dev {
                None => self.index.lookup(src, dst),
                Some(d) => self.tunif.lookup(d, src, dst),
            };
            let Some((spi, o)) = found.and_then(|spi| Some(spi).zip(self.outbound.get_mut(&spi))) else {
                // A device's tunnel negotiates by itself (not on traffic): nothing to start.
                if dev.is_none() && self.uncovered.len() < 64 && !self.uncovered.contains(&(src, dst)) {
                    self.uncovered.push((src, dst));
                }
                return;
            };
            let sealed = match (&mut o.esp, &mut o.ah) {
                (Some(esp), None) => {
                    // Transport mode (`edgesh_engine::esp_transport`): the payload after the packet's own header.
                    let (next, payload) = if o.transport {
                        match edgesh_engine::esp_transport::outbound(p, *o.local.ip(), *o.remote.ip()) {
                            Ok(x) => x,
                            Err(_) => return,
                        }
                    } else {
                        (NEXT_HEADER_IPV4, p)
                    };
                    if o.encap {
                        esp.seal(next, payload, &mut self.rng).map(|d| (d, None))
                    } else {
                        // ESP on IP protocol 50: sealed after the outer header it goes out with.
                        self.ident = self.ident.wrapping_add(1);
                        let mut d = raw::header(*o.local.ip(), *o.remote.ip(), self.ident, edgesh_engine::esp::PROTOCOL).to_vec();
                        match esp.seal_append(next, payload, &mut self.rng, &mut d) {
                            Ok(()) => {
                                let c = self.counts.entry((spi, false)).or_default();
                                *c = (c.0 + 1, c.1 + p.len() as u64);
                                self.raw_out.push((*o.remote.ip(), raw::finish(d)));
                                return;
                            }
                            Err(e) => Err(e),
                        }
                    }
                }
                (esp, Some(ah)) => {
                    self.ident = self.ident.wrapping_add(1);
                    let under = match esp {
                        Some(esp) => esp.seal(NEXT_HEADER_IPV4, p, &mut self.rng).map(|d| (edgesh_engine::esp::PROTOCOL, d)),
                        None => Ok((NEXT_HEADER_IPV4, p.to_vec())),
                    };
                    under.and_then(|(next, d)| ah.seal(*o.local.ip(), *o.remote.ip(), self.ident, next, &d)).map(|d| (d, Some(&self.raw_ah)))
                }
                (None, None) => return,
            };
            match sealed {
                Ok((data, raw)) => {
                    let c = self.counts.entry((spi, false)).or_default();
                    *c = (c.0 + 1, c.1 + p.len() as u64);
                    match raw {
                        None => out.push((o.local, o.remote, data)),
                        Some(r) => r.send(*o.remote.ip(), &data),
                    }
                }
                Err(e) => {
                    if self.problems.len() < 64 {
                        self.problems.push(format!("outbound SA 0x{spi:08x}: {e}"));
                    }
                }
            }
        }
    }

    /// Write the opened packets to the device: with offloads in one batch,
    /// TCP segments of a flow glued together (GRO), else one write each.
    pub fn flush(&mut self) {
        self.tunif.flush(&mut self.spare);
        if self.to_tun.is_empty() {
            return;
        }
        if let Some(t) = &self.tun {
            if self.offload {
                let _ = t.send_multiple(&mut self.gro, &mut self.to_tun, tun_rs::VIRTIO_NET_HDR_LEN);
            } else {
                for b in &self.to_tun {
                    let _ = t.send(&b[tun_rs::VIRTIO_NET_HDR_LEN..]);
                }
            }
        }
        self.spare.extend(self.to_tun.drain(..).take(tun_rs::IDEAL_BATCH_SIZE));
        self.spare.truncate(tun_rs::IDEAL_BATCH_SIZE);
    }

    /// An ESP datagram from UDP 4500 (no non-ESP marker): open it and hand
    /// the inner packet to the host. Returns false when it was dropped.
    pub fn from_udp(&mut self, data: &[u8]) -> bool {
        self.receive(Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, data).is_ok()
    }

    /// An ESP packet from `peer` to `local` (from UDP 4500 or IP protocol
    /// 50): opened and handed to the host, or dropped, counted by kind and
    /// the kind returned.
    pub fn receive(&mut self, local: Ipv4Addr, peer: Ipv4Addr, data: &[u8]) -> Result<(), DropKind> {
        self.receive_mut(local, peer, &mut data.to_vec())
    }

    /// [`Dataplane::receive`] decrypting in the caller's buffer (no copy).
    pub fn receive_mut(&mut self, local: Ipv4Addr, peer: Ipv4Addr, data: &mut [u8]) -> Result<(), DropKind> {
        let id = crate::dataplane_drops::spi_seq(data);
        match self.classify(data) {
            Ok((ok, inner)) => match self.transport_rebuilt.take() {
                Some(p) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &p))),
                None => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Ok((ok, &data[inner]))),
            },
            Err(e) => self.deliver(edgesh_engine::esp::PROTOCOL, id, (peer, local), Err(e)),
        }
    }

    /// Open an ESP packet in place with the SA of its SPI and check what is
    /// inside: whether to hand it on and where the inner packet lies, or why
    /// not (with the inner ends and protocol when it was opened).
    fn classify(&mut self, data: &mut [u8]) -> Result<(bool, std::ops::Range<usize>), Refusal> {
        let Some(spi) = edgesh_engine::esp::spi_of(data).filter(|_| data.len() >= edgesh_engine::esp::HEADER_LEN) else { return Err((DropKind::Malformed, None)) };
        let Some((sa, remote_ts, local_ts)) = self.inbound.get_mut(&spi) else { return Err((DropKind::UnknownSpi, None)) };
        let (next, inner) = sa.open_in_place(data).map_err(|e| (DropKind::of(&e), None))?;
        if let Some(&(peer, local)) = self.transport_in.get(&spi) {
            // Transport mode: the payload rebuilt under the outer ends (selectors checked on them).
            if next == 59 {
                return Ok((false, inner));
            }
            let p = edgesh_engine::esp_transport::inbound(next, &data[inner.clone()], peer, local).map_err(|_| (DropKind::Malformed, None))?;
            let ok = check_inner(NEXT_HEADER_IPV4, &p, remote_ts, local_ts)?;
            self.transport_rebuilt = Some(p);
            return Ok((ok, inner));
        }
        Ok((check_inner(next, &data[inner.clone()], remote_ts, local_ts)?, inner))
    }
}

impl Default for Dataplane {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
impl Dataplane {
    /// An engine child SA pair, as the SA feed installs it.
    pub(crate) fn install_child(&mut self, c: &edgesh_engine::ike::sa::ChildSa) -> Result<(), String> {
        self.install(c)
    }

    /// An inbound SA with its selectors (remote, local), as an install would add it.
    pub(crate) fn insert_inbound(&mut self, sa: EspSa, remote_ts: Selector, local_ts: Selector) {
        self.inbound.insert(sa.spi(), (sa, remote_ts, local_ts));
    }

    /// An inbound AH SA (over `esp` in a bundle) with its selectors (remote, local).
    pub(crate) fn insert_ah_inbound(&mut self, ah: AhSa, esp: Option<EspSa>, remote_ts: Selector, local_ts: Selector) {
        self.ah_in.insert(ah.spi(), AhIn { ah, esp, remote_ts, local_ts });
    }

    pub(crate) fn pending_drops(&mut self) -> Vec<EspDrop> {
        self.drops.take()
    }
}
