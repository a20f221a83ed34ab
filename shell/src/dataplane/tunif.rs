//! Route-based tunnels (issue 19): each tunnel interface of the
//! configuration that the engine lists ([`TunnelIf`]: IOS/ASA `interface
//! TunnelN` with `tunnel mode ipsec ipv4` and `tunnel protection`, a
//! SmartEdge interface tunnels are bound to) is a TUN device of its own.
//! This module owns those devices and which SAs belong to each; the rest
//! of the dataplane (`mod.rs`) seals and opens.
//!
//! - Name: the interface's name where Linux takes it, else `tun-...`
//!   ([`edgesh_engine::route_conf::device_names`], README "Carrying traffic").
//! - Made when the configuration has the interface (a commit), before any
//!   SA: the host can route into it and see its addresses at once; removed
//!   when the interface leaves the configuration. The devices are not
//!   persistent: they go when edgesh exits, so a restart finds no stale one.
//! - Addresses: `ip address` (and secondaries) of the interface, set through
//!   rtnetlink; changed when the configuration changes them.
//! - State: administratively up while one of its tunnels has an SA up,
//!   down otherwise (the kernel's connected route for its address comes and
//!   goes with it), as an IOS VTI's line protocol follows its IPsec SA.
//! - Outbound: a packet read from a device is carried by the newest SA of
//!   that device's tunnels whose selectors cover it (the selectors are
//!   still the policy); the device read, not the selectors, chooses the
//!   tunnel, so two VTIs with any/any selectors are told apart. Inbound: a
//!   packet opened by the SA of a device's tunnel is written to that device.

use super::table::SelectorIndex;
use edgesh_engine::ike::sa::ChildSa;
use edgesh_engine::route_conf::TunnelIf;
use edgesh_modes::Router;
use netlink_packet_core::{NLM_F_CREATE, NLM_F_REPLACE};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};

/// One tunnel interface's device.
struct Dev {
    conf: TunnelIf,
    tun: tun_rs::SyncDevice,
    /// The kernel's offloads (`IFF_VNET_HDR`), as on `edgesh0`.
    offload: bool,
    /// The outbound SAs of its tunnels, by selectors.
    index: SelectorIndex,
    /// Opened packets waiting for [`Devices::flush`] (after headroom for the virtio header).
    to_tun: Vec<Vec<u8>>,
    gro: tun_rs::GROTable,
    /// Set up (an SA of its tunnels is up).
    up: bool,
}

/// An SA pair of a device's tunnel, as installed.
struct Claimed {
    tunnel: String,
    local_ts: edgesh_engine::ike::conf::Selector,
    remote_ts: edgesh_engine::ike::conf::Selector,
    created: edgesh_engine::ike::Millis,
}

/// The tunnel interfaces' devices and the SAs each carries.
#[derive(Default)]
pub struct Devices {
    devs: Vec<Dev>,
    /// The interfaces of the configuration last applied.
    conf: Vec<TunnelIf>,
    /// Tunnel name -> its device (index into `devs`).
    by_tunnel: HashMap<String, usize>,
    /// The SA pairs of device tunnels, by (inbound SPI, outbound SPI).
    claimed: HashMap<(u32, u32), Claimed>,
    /// Inbound SPI -> device.
    sa_in: HashMap<u32, usize>,
    /// What went wrong (logged once each).
    said: BTreeSet<String>,
    problems: Vec<String>,
    nl: Option<crate::rtnl::Netlink>,
}

impl Devices {
    /// How many devices there are (for the read loop).
    pub fn len(&self) -> usize {
        self.devs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.devs.is_empty()
    }

    /// The devices, to wait on.
    pub fn fds(&self) -> impl Iterator<Item = std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.devs.iter().map(|d| d.tun.as_fd())
    }

    /// The device (its host name) that carries the tunnel's traffic, if any.
    pub fn device_of_tunnel(&self, tunnel: &str) -> Option<&str> {
        self.by_tunnel.get(tunnel).map(|&i| self.devs[i].conf.device.as_str())
    }

    /// An SA pair the engine installed: true when its tunnel has a device
    /// (its outbound SA is looked up there, not by `edgesh0`'s selectors).
    pub fn claim(&mut self, c: &ChildSa) -> bool {
        let Some(&d) = self.by_tunnel.get(&c.tunnel) else { return false };
        self.claimed.insert((c.spi_in, c.spi_out), Claimed { tunnel: c.tunnel.clone(), local_ts: c.local_ts, remote_ts: c.remote_ts, created: c.created });
        self.devs[d].index.insert(&c.local_ts, &c.remote_ts, c.created, c.spi_out, (&c.tunnel, c.child));
        self.sa_in.insert(c.spi_in, d);
        true
    }

    /// The pair is gone: true when it was a device tunnel's.
    pub fn release(&mut self, spi_in: u32, spi_out: u32) -> bool {
        let Some(c) = self.claimed.remove(&(spi_in, spi_out)) else { return false };
        if let Some(d) = self.sa_in.remove(&spi_in) {
            self.devs[d].index.remove(&c.local_ts, &c.remote_ts, spi_out);
        }
        true
    }

    /// The outbound SPI for a packet from `src` to `dst` read from device `d`.
    pub fn lookup(&self, d: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Option<u32> {
        self.devs.get(d)?.index.lookup(src, dst)
    }

    /// The device an inbound SA's packets go to.
    pub fn device_of_sa(&self, spi_in: u32) -> Option<usize> {
        self.sa_in.get(&spi_in).copied()
    }

    /// One read from device `d` into the batch buffers: how many packets.
    pub fn recv(&self, d: usize, buf: &mut [u8], segs: &mut [Vec<u8>], sizes: &mut [usize]) -> Option<usize> {
        self.devs.get(d)?.tun.recv_multiple(buf, segs, sizes, 0).ok()
    }

    /// An opened packet for device `d` (written at the next flush).
    pub fn queue(&mut self, d: usize, inner: &[u8], spare: &mut Vec<Vec<u8>>) {
        let Some(dev) = self.devs.get_mut(d) else { return };
        let mut b = spare.pop().unwrap_or_default();
        b.clear();
        b.resize(tun_rs::VIRTIO_NET_HDR_LEN, 0);
        b.extend_from_slice(inner);
        dev.to_tun.push(b);
        if dev.to_tun.len() >= tun_rs::IDEAL_BATCH_SIZE {
            Self::flush_dev(dev, spare);
        }
    }

    /// Write every device's opened packets.
    pub fn flush(&mut self, spare: &mut Vec<Vec<u8>>) {
        for dev in &mut self.devs {
            Self::flush_dev(dev, spare);
        }
    }

    fn flush_dev(dev: &mut Dev, spare: &mut Vec<Vec<u8>>) {
        if dev.to_tun.is_empty() {
            return;
        }
        if dev.offload {
            let _ = dev.tun.send_multiple(&mut dev.gro, &mut dev.to_tun, tun_rs::VIRTIO_NET_HDR_LEN);
        } else {
            for b in &dev.to_tun {
                let _ = dev.tun.send(&b[tun_rs::VIRTIO_NET_HDR_LEN..]);
            }
        }
        spare.extend(dev.to_tun.drain(..).take(tun_rs::IDEAL_BATCH_SIZE));
        spare.truncate(tun_rs::IDEAL_BATCH_SIZE);
    }

    /// With the router held: follow the configuration's tunnel interfaces
    /// (make, remove, address the devices) and log what went wrong once.
    pub fn sync(&mut self, r: &mut Router) {
        let want = &r.ike().conf().routes.interfaces;
        if *want != self.conf {
            let want = want.clone();
            self.apply(&want);
            self.conf = want;
        }
        for p in std::mem::take(&mut self.problems) {
            if self.said.insert(p.clone()) {
                r.crypto_log(3, "DATAPLANE", &p);
            }
        }
        // For `show interfaces` / `show ip interface brief`: each interface's device state.
        if r.host_links.len() != self.devs.len() || self.devs.iter().any(|d| r.host_links.get(&d.conf.name) != Some(&d.up)) {
            r.host_links = self.devs.iter().map(|d| (d.conf.name.clone(), d.up)).collect();
        }
    }

    /// Set each device up while one of its tunnels has an SA, down otherwise
    /// (after the SA changes are followed).
    pub fn set_states(&mut self) {
        if self.devs.is_empty() {
            return;
        }
        let mut has_sa = vec![false; self.devs.len()];
        for &d in self.sa_in.values() {
            has_sa[d] = true;
        }
        for (dev, up) in self.devs.iter_mut().zip(has_sa) {
            if dev.up != up {
                match dev.tun.enabled(up) {
                    Ok(()) => dev.up = up,
                    Err(e) => self.problems.push(format!("cannot set tunnel device {} {} ({e})", dev.conf.device, if up { "up" } else { "down" })),
                }
            }
        }
    }

    /// Make the devices `want` lists (keeping those that stay), remove the
    /// others, and move the SAs to their tunnels' devices.
    fn apply(&mut self, want: &[TunnelIf]) {
        let mut old: HashMap<String, Dev> = self.devs.drain(..).map(|d| (d.conf.device.clone(), d)).collect();
        for w in want {
            let dev = match old.remove(&w.device) {
                Some(mut d) => {
                    if d.conf.addresses != w.addresses {
                        self.set_addresses(&d.tun, &d.conf.device, &d.conf.addresses, &w.addresses);
                    }
                    d.conf = w.clone();
                    d.index = SelectorIndex::default();
                    d
                }
                None => match make(&w.device) {
                    Ok((tun, offload)) => {
                        self.set_addresses(&tun, &w.device, &[], &w.addresses);
                        Dev { conf: w.clone(), tun, offload, index: SelectorIndex::default(), to_tun: Vec::new(), gro: tun_rs::GROTable::default(), up: false }
                    }
                    Err(e) => {
                        self.problems.push(format!("cannot create tunnel device {} for interface {} ({e}): its tunnels carry no traffic", w.device, w.name));
                        continue;
                    }
                },
            };
            self.devs.push(dev);
        }
        // What is left in `old` is dropped: the device goes with its descriptor.
        drop(old);
        self.by_tunnel = self.devs.iter().enumerate().flat_map(|(i, d)| d.conf.tunnels.iter().map(move |t| (t.clone(), i))).collect();
        self.sa_in.clear();
        let by_tunnel = &self.by_tunnel;
        self.claimed.retain(|_, c| by_tunnel.contains_key(&c.tunnel));
        for (&(spi_in, spi_out), c) in &self.claimed {
            let d = self.by_tunnel[&c.tunnel];
            // A device's index holds no policies (the device chose the tunnel): the owner ranks nothing.
            self.devs[d].index.insert(&c.local_ts, &c.remote_ts, c.created, spi_out, (&c.tunnel, 0));
            self.sa_in.insert(spi_in, d);
        }
    }

    /// Replace the device's addresses `had` by `want` (rtnetlink).
    fn set_addresses(&mut self, tun: &tun_rs::SyncDevice, device: &str, had: &[edgesh_engine::config::Prefix4], want: &[edgesh_engine::config::Prefix4]) {
        let index = match tun.if_index() {
            Ok(i) => i,
            Err(e) => {
                self.problems.push(format!("cannot address tunnel device {device} ({e})"));
                return;
            }
        };
        if self.nl.is_none() {
            match crate::rtnl::Netlink::open() {
                Ok(n) => self.nl = Some(n),
                Err(e) => {
                    self.problems.push(format!("cannot open rtnetlink ({e}): tunnel devices get no addresses"));
                    return;
                }
            }
        }
        let nl = self.nl.as_mut().expect("opened above");
        for p in had.iter().filter(|p| !want.contains(p)) {
            let _ = nl.request(RouteNetlinkMessage::DelAddress(address_message(index, p)), 0);
        }
        for p in want.iter().filter(|p| !had.contains(p)) {
            if let Err(e) = nl.request(RouteNetlinkMessage::NewAddress(address_message(index, p)), NLM_F_CREATE | NLM_F_REPLACE) {
                self.problems.push(format!("cannot give tunnel device {device} address {p} ({e})"));
            }
        }
    }
}

/// The rtnetlink message for an address `p` (as typed: host bits kept) on device `index`.
pub fn address_message(index: u32, p: &edgesh_engine::config::Prefix4) -> AddressMessage {
    let mut m = AddressMessage::default();
    m.header.family = AddressFamily::Inet;
    m.header.prefix_len = p.len;
    m.header.index = index;
    m.attributes.push(AddressAttribute::Local(IpAddr::V4(p.addr)));
    m.attributes.push(AddressAttribute::Address(IpAddr::V4(p.addr)));
    m
}

/// A TUN device named `name`, down, with the kernel's offloads where it has them.
fn make(name: &str) -> std::io::Result<(tun_rs::SyncDevice, bool)> {
    let d = tun_rs::DeviceBuilder::new().name(name).mtu(1400).offload(true).enable(false).build_sync().map(|d| (d, true)).or_else(|_| tun_rs::DeviceBuilder::new().name(name).mtu(1400).enable(false).build_sync().map(|d| (d, false)))?;
    let _ = d.0.set_nonblocking(true);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::Emitable;

    #[test]
    fn an_address_message_names_the_device_the_prefix_and_the_address_as_typed() {
        let m = address_message(9, &"10.1.1.1/30".parse().unwrap());
        let mut buf = vec![0u8; m.buffer_len()];
        m.emit(&mut buf);
        // struct ifaddrmsg: family inet, /30, flags 0, scope universe, index 9.
        assert_eq!(&buf[..8], &[2, 30, 0, 0, 9, 0, 0, 0]);
        assert_eq!(m.attributes, vec![AddressAttribute::Local("10.1.1.1".parse().unwrap()), AddressAttribute::Address("10.1.1.1".parse().unwrap())]);
    }
}
