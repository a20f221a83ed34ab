//! The send thread of the dataplane (`dp-tx`): it owns the outbound SAs
//! (each with its sequence number, touched by no other thread) and their
//! selector indexes ([`super::table::SelectorIndex`]: one for `edgesh0`,
//! one per route-based tunnel device), reads the packets the host routes
//! into the TUN devices (TSO super-packets cut to the MTU), finds each
//! one's SA (a tunnel device's packets only among its tunnel's SAs, their
//! selectors still checked), seals it and sends it: ESP in UDP 4500 with UDP GSO
//! on the network thread's sockets, ESP on IP protocol 50 and AH on 51 in
//! `sendmmsg` batches. SA installs and removals arrive on its channel from
//! the network thread (`Dataplane::follow`) and are applied before each
//! batch, so a removed SA seals nothing after that.

use super::shared::{Count, Device, EDGESH0, Shared};
use super::table::SelectorIndex;
use edgesh_engine::ah::AhSa;
use edgesh_engine::esp::{EspSa, NEXT_HEADER_IPV4};
use edgesh_engine::ike::Millis;
use edgesh_engine::ike::conf::Selector;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

/// What the network thread tells the send thread.
pub enum TxMsg {
    /// An outbound SA by its SPI.
    Install(u32, Box<Outbound>),
    /// The outbound SA of this SPI is gone.
    Remove(u32),
    /// The outbound SA of this SPI is now carried for this device (its
    /// tunnel's device came or went).
    Move(u32, u64),
    /// The configuration's policies (tunnel, child, local, remote) in match
    /// order, for `edgesh0`'s lookup (a tunnel device's packets are its
    /// tunnel's whatever the order).
    Policies(Vec<(String, usize, Selector, Selector)>),
}

/// An outbound SA: where its packets go and which traffic it carries.
pub struct Outbound {
    /// ESP (in UDP, or on IP protocol 50; under AH in a bundle), and AH (raw IP protocol 51).
    pub esp: Option<EspSa>,
    /// ESP in UDP 4500 (a NAT was found), else on IP protocol 50.
    pub encap: bool,
    pub ah: Option<AhSa>,
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub local_ts: Selector,
    pub remote_ts: Selector,
    pub created: Millis,
    /// Transport mode (`edgesh_engine::esp_transport`): the packet's own header stays outside.
    pub transport: bool,
    pub count: Arc<Count>,
    /// The device whose packets it carries: a route-based tunnel's, or
    /// [`EDGESH0`] (where the selectors alone choose).
    pub dev: u64,
    /// The policy (tunnel, child) it belongs to: its rank in match order.
    pub policy: (String, usize),
}

/// Reads of a device per round: many, as a UDP datagram is a read of its
/// own (the TUN offloads glue TCP only) and the sealed packets of a round
/// leave in few `sendmmsg` calls.
const READS: usize = 64;
/// Packets read from a device per round at most (16 reads of TCP
/// super-packets: what a round took before UDP got [`READS`]).
const ROUND_PACKETS: usize = 720;
/// Sealed packets that are sent at once, before the round's reads end.
const SEND_BATCH: usize = 256;

/// The outbound half of the dataplane, owned by the send thread.
pub struct Sealer {
    outbound: foldhash::HashMap<u32, Outbound>,
    /// The outbound SAs by device, then by selectors (SPIs into `outbound`).
    index: foldhash::HashMap<u64, SelectorIndex>,
    /// Batch buffers: a read from a device, its segments and their sizes.
    tun_read: Vec<u8>,
    tun_segs: Vec<Vec<u8>>,
    tun_sizes: Vec<usize>,
    /// ESP in UDP to send after a read: (local, remote, length), the
    /// datagrams themselves sealed back to back into `esp_buf` (a GSO run's
    /// bytes are sent from it as they are, no copy).
    esp_out: Vec<(SocketAddrV4, SocketAddrV4, usize)>,
    esp_buf: Vec<u8>,
    /// ESP packets (outer header included) for the raw socket, sent in one batch after a read.
    raw_out: Vec<(Ipv4Addr, Vec<u8>)>,
    /// AH packets (outer header included, alone or over ESP), likewise for protocol 51.
    ah_out: Vec<(Ipv4Addr, Vec<u8>)>,
    /// Identification of the next outer header sent on a raw socket.
    ident: u16,
    /// Traffic no SA covers (at most [`super::shared::UNCOVERED`] pairs) and problems (at most 64), for the engine.
    uncovered: indexmap::IndexSet<(Ipv4Addr, Ipv4Addr)>,
    problems: Vec<String>,
    sender: super::io::Sender,
    rng: rand::rngs::StdRng,
}

impl Sealer {
    fn new() -> Sealer {
        Sealer {
            outbound: HashMap::default(),
            index: HashMap::default(),
            tun_read: vec![0; tun_rs::VIRTIO_NET_HDR_LEN + 65536],
            tun_segs: vec![vec![0; 1500]; tun_rs::IDEAL_BATCH_SIZE],
            tun_sizes: vec![0; tun_rs::IDEAL_BATCH_SIZE],
            esp_out: Vec::new(),
            esp_buf: Vec::new(),
            raw_out: Vec::new(),
            ah_out: Vec::new(),
            ident: 0,
            uncovered: indexmap::IndexSet::new(),
            problems: Vec::new(),
            sender: super::io::Sender::default(),
            rng: rand::rngs::StdRng::from_rng(&mut rand::rng()),
        }
    }

    fn take(&mut self, m: TxMsg) {
        match m {
            TxMsg::Install(spi, o) => {
                self.unindex(spi);
                self.index.entry(o.dev).or_default().insert(
                    &o.local_ts,
                    &o.remote_ts,
                    o.created,
                    spi,
                    (&o.policy.0, o.policy.1),
                );
                self.outbound.insert(spi, *o);
            }
            TxMsg::Remove(spi) => {
                self.unindex(spi);
                self.outbound.remove(&spi);
            }
            TxMsg::Policies(p) => {
                self.index
                    .entry(EDGESH0)
                    .or_default()
                    .set_policies(p.iter().map(|(t, c, l, r)| (t.as_str(), *c, *l, *r)));
            }
            TxMsg::Move(spi, dev) => {
                self.unindex(spi);
                if let Some(o) = self.outbound.get_mut(&spi) {
                    o.dev = dev;
                    self.index.entry(dev).or_default().insert(
                        &o.local_ts,
                        &o.remote_ts,
                        o.created,
                        spi,
                        (&o.policy.0, o.policy.1),
                    );
                }
            }
        }
    }

    /// Take the SA of `spi` out of its device's index.
    fn unindex(&mut self, spi: u32) {
        let Some(o) = self.outbound.get(&spi) else { return };
        if let Some(ix) = self.index.get_mut(&o.dev) {
            ix.remove(&o.local_ts, &o.remote_ts, spi);
        }
    }

    /// Packets the host routed into `dev`, sealed for their SA's peer and
    /// sent: up to [`READS`] reads (with offloads each may be a 64 KB TCP
    /// segment cut into 45 packets; a UDP datagram is one read each) or
    /// [`ROUND_PACKETS`] packets, sent whenever [`SEND_BATCH`] wait. Returns
    /// how many packets were read, and whether the reads stopped at their
    /// cap (more may wait) rather than at an empty device.
    fn from_tun(
        &mut self,
        dev: &Device,
        shared: &Shared,
        udp: &HashMap<SocketAddrV4, Arc<UdpSocket>>,
    ) -> (usize, bool) {
        let mut n = 0;
        for _ in 0..READS {
            let Ok(k) = dev.tun.recv_multiple(&mut self.tun_read, &mut self.tun_segs, &mut self.tun_sizes, 0) else {
                return (n, false);
            };
            for i in 0..k {
                self.seal_one(i, dev.id);
            }
            n += k;
            if self.esp_out.len() + self.raw_out.len() + self.ah_out.len() >= SEND_BATCH {
                self.send(shared, udp);
            }
            if n >= ROUND_PACKETS {
                break;
            }
        }
        (n, true)
    }

    /// Seal the `i`th packet read from device `dev` (`edgesh0`, or a
    /// tunnel interface's: by that device's SAs only).
    fn seal_one(&mut self, i: usize, dev: u64) {
        let p = &self.tun_segs[i][..self.tun_sizes[i]];
        let Some((src, dst)) = super::ipv4_ends(p) else { return };
        let found = self.index.get(&dev).and_then(|ix| ix.lookup(src, dst));
        let Some((spi, o)) = found.and_then(|spi| Some(spi).zip(self.outbound.get_mut(&spi))) else {
            // A device's tunnel negotiates by itself (not on traffic): nothing to start.
            if dev == EDGESH0 && self.uncovered.len() < super::shared::UNCOVERED {
                self.uncovered.insert((src, dst));
            }
            return;
        };
        let sealed: Result<Vec<u8>, _> = match (&mut o.esp, &mut o.ah) {
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
                    // ESP in UDP: sealed straight into the send buffer, after the datagrams before it.
                    let at = self.esp_buf.len();
                    match esp.seal_append(next, payload, &mut self.rng, &mut self.esp_buf) {
                        Ok(()) => {
                            o.count.add(p.len());
                            self.esp_out.push((o.local, o.remote, self.esp_buf.len() - at));
                            return;
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    // ESP on IP protocol 50: sealed after the outer header it goes out with.
                    self.ident = self.ident.wrapping_add(1);
                    // Room for the header, the ESP overhead (at most 64 bytes: IV, padding, ICV) and the packet: one allocation.
                    let mut d = Vec::with_capacity(20 + 64 + payload.len());
                    d.extend_from_slice(&super::raw::header(
                        *o.local.ip(),
                        *o.remote.ip(),
                        self.ident,
                        edgesh_engine::esp::PROTOCOL,
                    ));
                    match esp.seal_append(next, payload, &mut self.rng, &mut d) {
                        Ok(()) => {
                            o.count.add(p.len());
                            self.raw_out.push((*o.remote.ip(), super::raw::finish(d)));
                            return;
                        }
                        Err(e) => Err(e),
                    }
                }
            }
            (esp, Some(ah)) => {
                self.ident = self.ident.wrapping_add(1);
                let under = match esp {
                    Some(esp) => {
                        esp.seal(NEXT_HEADER_IPV4, p, &mut self.rng).map(|d| (edgesh_engine::esp::PROTOCOL, d))
                    }
                    None => Ok((NEXT_HEADER_IPV4, p.to_vec())),
                };
                under.and_then(|(next, d)| ah.seal(*o.local.ip(), *o.remote.ip(), self.ident, next, &d))
            }
            (None, None) => return,
        };
        match sealed {
            // Only AH (on its own or over ESP) gets here: ESP alone was sent above.
            Ok(data) => {
                o.count.add(p.len());
                self.ah_out.push((*o.remote.ip(), data));
            }
            Err(e) => {
                if self.problems.len() < 64 {
                    self.problems.push(format!("outbound SA 0x{spi:08x}: {e}"));
                }
            }
        }
    }

    /// Send what the batch sealed: ESP in UDP in runs by local address (UDP
    /// GSO glues a run's equal-sized datagrams), ESP on IP protocol 50 with
    /// `sendmmsg`.
    fn send(&mut self, shared: &Shared, udp: &HashMap<SocketAddrV4, Arc<UdpSocket>>) {
        let (mut i, mut at) = (0, 0);
        while i < self.esp_out.len() {
            let local = self.esp_out[i].0;
            let j = i + self.esp_out[i..].iter().take_while(|d| d.0 == local).count();
            let run: Vec<(SocketAddrV4, usize)> = self.esp_out[i..j].iter().map(|&(_, r, l)| (r, l)).collect();
            let len: usize = run.iter().map(|r| r.1).sum();
            if let Some(s) =
                udp.get(&local).or_else(|| udp.get(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, local.port())))
            {
                let bytes = self.esp_buf.get(at..at + len).unwrap_or_default();
                self.sender.send(s, bytes, &run);
            }
            at += len;
            i = j;
        }
        self.esp_out.clear();
        self.esp_buf.clear();
        // By the link layer where the next hop is known, the rest by the raw sockets.
        for (out, raw) in [(&mut self.raw_out, &shared.raw_esp), (&mut self.ah_out, &shared.raw_ah)] {
            if !out.is_empty() {
                shared.link.send_batch(out);
                if !out.is_empty() {
                    raw.send_batch(out);
                }
            }
        }
        if !self.uncovered.is_empty() || !self.problems.is_empty() {
            let (u, p) = (std::mem::take(&mut self.uncovered), std::mem::take(&mut self.problems));
            shared.tell(|n| {
                for x in u {
                    if n.uncovered.len() < super::shared::UNCOVERED {
                        n.uncovered.insert(x);
                    }
                }
                n.problems.extend(p.into_iter().take(64usize.saturating_sub(n.problems.len())));
            });
        }
    }
}

/// The send thread: until the dataplane goes (its channel closes).
pub fn run(shared: Arc<Shared>, msgs: Receiver<TxMsg>) {
    let mut s = Sealer::new();
    let mut generation = u64::MAX;
    let mut devices: Vec<Arc<Device>> = Vec::new();
    let mut udp = Arc::new(HashMap::new());
    let mut carried = false;
    // Which devices to read this round: all after a change of the list, then the readable ones.
    let mut ready: Vec<bool> = Vec::new();
    loop {
        if shared.generation() != generation {
            generation = shared.generation();
            devices = shared.devices();
            udp = shared.udp();
            ready = vec![true; devices.len()];
        }
        // SA changes first: a removed SA seals nothing read after this.
        loop {
            match msgs.try_recv() {
                Ok(m) => s.take(m),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let mut work = 0;
        for (d, r) in devices.iter().zip(ready.iter_mut()) {
            if *r {
                let n;
                (n, *r) = s.from_tun(d, &shared, &udp);
                work += n;
            }
        }
        s.send(&shared, &udp);
        use std::os::fd::AsFd;
        let fds: Vec<_> = devices.iter().map(|d| Some(d.tun.as_fd())).collect();
        if !shared.end_round(work, false, &mut carried, &shared.wake_tx, &fds, &mut ready) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgesh_engine::config::{EspAuth, EspEncr, Prefix4};
    use edgesh_engine::ike::endpoint::SaKeys;

    fn sel(s: &str) -> Selector {
        let (a, l) = s.split_once('/').unwrap();
        Selector { net: Prefix4 { addr: a.parse().unwrap(), len: l.parse().unwrap() }, proto: 0, port: 0 }
    }

    fn outbound(spi: u32, local_ts: &str, remote_ts: &str, dev: u64) -> Box<Outbound> {
        let keys = SaKeys { encr: vec![7; 16], auth: vec![9; 20] };
        let end = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 4500);
        let esp = EspSa::new(spi, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &keys).unwrap();
        Box::new(Outbound {
            esp: Some(esp),
            encap: true,
            ah: None,
            local: end,
            remote: end,
            local_ts: sel(local_ts),
            remote_ts: sel(remote_ts),
            created: Default::default(),
            transport: false,
            count: Default::default(),
            dev,
            policy: (format!("t{spi}"), 0),
        })
    }

    fn lookup(s: &Sealer, dev: u64, src: &str, dst: &str) -> Option<u32> {
        s.index.get(&dev).and_then(|ix| ix.lookup(src.parse().unwrap(), dst.parse().unwrap()))
    }

    /// Traffic no SA covers: every distinct host pair of a burst reaches the
    /// engine once, in the order it came (a bring-up of thousands of crypto
    /// map entries sends one first packet each: with the old bound of 64
    /// most were lost and the bring-up stalled), and never more than
    /// [`super::super::shared::UNCOVERED`] pairs.
    #[test]
    fn each_distinct_uncovered_pair_of_a_burst_is_told_once_and_the_list_is_bounded() {
        use super::super::shared::UNCOVERED;
        let shared = Shared::new().unwrap();
        let udp = HashMap::new();
        let mut s = Sealer::new();
        let pair =
            |k: usize| (Ipv4Addr::new(198, 51, 100, 1), Ipv4Addr::new(10, (k >> 16) as u8, (k >> 8) as u8, k as u8));
        let read = |s: &mut Sealer, k: usize| {
            let (src, dst) = pair(k);
            let p = &mut s.tun_segs[0];
            p[..20].fill(0);
            p[0] = 0x45;
            p[12..16].copy_from_slice(&src.octets());
            p[16..20].copy_from_slice(&dst.octets());
            s.tun_sizes[0] = 20;
            s.seal_one(0, EDGESH0);
        };
        // 500 pairs, each twice, over two batches.
        for k in (0..500).chain(0..500) {
            read(&mut s, k);
            if k == 250 {
                s.send(&shared, &udp);
            }
        }
        s.send(&shared, &udp);
        let told: Vec<_> = shared.take_news().uncovered.into_iter().collect();
        assert_eq!(told, (0..500).map(pair).collect::<Vec<_>>());
        // A flood of distinct pairs: bounded, the first ones kept.
        for k in 0..UNCOVERED + 1000 {
            read(&mut s, k);
        }
        s.send(&shared, &udp);
        let told = shared.take_news().uncovered;
        assert_eq!(told.len(), UNCOVERED);
        assert_eq!(told.first(), Some(&pair(0)));
        assert!(!told.contains(&pair(UNCOVERED)));
    }

    /// Two route-based tunnels with any/any selectors are told apart by the
    /// device a packet is read from; neither is seen from `edgesh0`; a move
    /// (the tunnel's device went) and a removal reach the right index.
    #[test]
    fn each_device_seals_with_its_own_tunnels_sas_only() {
        let mut s = Sealer::new();
        s.take(TxMsg::Install(0x101, outbound(0x101, "0.0.0.0/0", "0.0.0.0/0", 1)));
        s.take(TxMsg::Install(0x202, outbound(0x202, "0.0.0.0/0", "0.0.0.0/0", 2)));
        s.take(TxMsg::Install(0x303, outbound(0x303, "10.1.0.0/16", "10.2.0.0/16", EDGESH0)));
        assert_eq!(lookup(&s, 1, "10.9.0.1", "10.8.0.1"), Some(0x101));
        assert_eq!(lookup(&s, 2, "10.9.0.1", "10.8.0.1"), Some(0x202));
        assert_eq!(lookup(&s, EDGESH0, "10.9.0.1", "10.8.0.1"), None);
        assert_eq!(lookup(&s, EDGESH0, "10.1.0.1", "10.2.0.1"), Some(0x303));
        s.take(TxMsg::Move(0x101, EDGESH0));
        assert_eq!(lookup(&s, 1, "10.9.0.1", "10.8.0.1"), None);
        assert_eq!(lookup(&s, EDGESH0, "10.9.0.1", "10.8.0.1"), Some(0x101));
        s.take(TxMsg::Remove(0x202));
        assert_eq!(lookup(&s, 2, "10.9.0.1", "10.8.0.1"), None);
        assert!(!s.outbound.contains_key(&0x202));
    }
}
