//! Route-based tunnels (issue 19): each tunnel interface of the
//! configuration that the engine lists ([`TunnelIf`]: IOS/ASA `interface
//! TunnelN` with `tunnel mode ipsec ipv4` and `tunnel protection`, a
//! SmartEdge interface tunnels are bound to) is a TUN device of its own.
//! This module (on the network thread, the dataplane's control side) owns
//! those devices and which SAs belong to each; it puts each device in the
//! shared device list ([`Shared::add_device`]) under an id, and the SAs of
//! its tunnels name that id: the send thread (`tx.rs`) reads every device
//! and seals with its SAs, the receive thread (`rx.rs`) writes what those
//! SAs open to it.
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

use super::shared::{self, EDGESH0, Shared};
use edgesh_engine::ike::sa::ChildSa;
use edgesh_engine::route_conf::TunnelIf;
use edgesh_modes::Router;
use netlink_packet_core::{NLM_F_CREATE, NLM_F_REPLACE};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

/// One tunnel interface's device.
struct Dev {
    conf: TunnelIf,
    /// The device as the threads share it (its id and descriptor).
    dev: Arc<shared::Device>,
    /// Set up (an SA of its tunnels is up).
    up: bool,
}

/// An SA pair of a device's tunnel, as installed.
struct Claimed {
    tunnel: String,
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
    /// The id the next device gets (`edgesh0` is [`EDGESH0`]).
    next_id: u64,
}

impl Devices {
    /// An SA pair the engine installed: the id of its tunnel's device, or
    /// [`EDGESH0`] when it has none (then its outbound SA is looked up by
    /// `edgesh0`'s selectors).
    pub fn claim(&mut self, c: &ChildSa) -> u64 {
        let Some(&d) = self.by_tunnel.get(&c.tunnel) else { return EDGESH0 };
        self.claimed.insert((c.spi_in, c.spi_out), Claimed { tunnel: c.tunnel.clone() });
        self.sa_in.insert(c.spi_in, d);
        self.devs[d].dev.id
    }

    /// The pair is gone: true when it was a device tunnel's.
    pub fn release(&mut self, spi_in: u32, spi_out: u32) -> bool {
        if self.claimed.remove(&(spi_in, spi_out)).is_none() {
            return false;
        }
        self.sa_in.remove(&spi_in);
        true
    }

    /// Is the inbound SA's tunnel one with a device?
    pub fn on_device(&self, spi_in: u32) -> bool {
        self.sa_in.contains_key(&spi_in)
    }

    /// With the router held: follow the configuration's tunnel interfaces
    /// (make, remove, address the devices; in `shared`'s list) and log
    /// what went wrong once. Returns the SA pairs whose device changed:
    /// (inbound SPI, outbound SPI, device id), for the threads.
    pub fn sync(&mut self, r: &mut Router, shared: &Shared) -> Vec<(u32, u32, u64)> {
        let want = &r.ike().conf().routes.interfaces;
        let mut moved = Vec::new();
        if *want != self.conf {
            let want = want.clone();
            moved = self.apply(&want, shared);
            self.conf = want;
        }
        for p in std::mem::take(&mut self.problems) {
            if self.said.insert(p.clone()) {
                r.crypto_log(3, "DATAPLANE", &p);
            }
        }
        // For `show interfaces` / `show ip interface brief`: each interface's device state.
        if r.host_links.len() != self.devs.len()
            || self.devs.iter().any(|d| r.host_links.get(&d.conf.name) != Some(&d.up))
        {
            r.host_links = self.devs.iter().map(|d| (d.conf.name.clone(), d.up)).collect();
        }
        moved
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
                match dev.dev.tun.enabled(up) {
                    Ok(()) => dev.up = up,
                    Err(e) => self.problems.push(format!(
                        "cannot set tunnel device {} {} ({e})",
                        dev.conf.device,
                        if up { "up" } else { "down" }
                    )),
                }
            }
        }
    }

    /// Make the devices `want` lists (keeping those that stay), remove the
    /// others, and move the SAs to their tunnels' devices (those whose
    /// tunnel lost its device to `edgesh0`): the pairs that moved.
    fn apply(&mut self, want: &[TunnelIf], shared: &Shared) -> Vec<(u32, u32, u64)> {
        let before: HashMap<u32, u64> = self.sa_in.iter().map(|(&spi, &d)| (spi, self.devs[d].dev.id)).collect();
        let mut old: HashMap<String, Dev> = self.devs.drain(..).map(|d| (d.conf.device.clone(), d)).collect();
        for w in want {
            let dev = match old.remove(&w.device) {
                Some(mut d) => {
                    if d.conf.addresses != w.addresses {
                        self.set_addresses(&d.dev.tun, &d.conf.device, &d.conf.addresses, &w.addresses);
                    }
                    d.conf = w.clone();
                    d
                }
                None => match make(&w.device) {
                    Ok((tun, offload)) => {
                        self.set_addresses(&tun, &w.device, &[], &w.addresses);
                        self.next_id += 1;
                        let dev = Arc::new(shared::Device { id: self.next_id, tun, offload });
                        shared.add_device(dev.clone());
                        Dev { conf: w.clone(), dev, up: false }
                    }
                    Err(e) => {
                        self.problems.push(format!(
                            "cannot create tunnel device {} for interface {} ({e}): its tunnels carry no traffic",
                            w.device, w.name
                        ));
                        continue;
                    }
                },
            };
            self.devs.push(dev);
        }
        // What is left in `old` leaves the threads' list: the device goes
        // with its descriptor, once they have let go of it too.
        for d in old.into_values() {
            shared.remove_device(d.dev.id);
        }
        self.by_tunnel = self
            .devs
            .iter()
            .enumerate()
            .flat_map(|(i, d)| d.conf.tunnels.iter().map(move |t| (t.clone(), i)))
            .collect();
        self.sa_in.clear();
        let by_tunnel = &self.by_tunnel;
        let mut released = Vec::new();
        self.claimed.retain(|&k, c| {
            by_tunnel.contains_key(&c.tunnel) || {
                released.push(k);
                false
            }
        });
        let mut moved = Vec::new();
        for (&(spi_in, spi_out), c) in &self.claimed {
            let d = self.by_tunnel[&c.tunnel];
            self.sa_in.insert(spi_in, d);
            if before.get(&spi_in) != Some(&self.devs[d].dev.id) {
                moved.push((spi_in, spi_out, self.devs[d].dev.id));
            }
        }
        // Pairs whose tunnel has no device any more: carried by `edgesh0`'s selectors.
        for (spi_in, spi_out) in released {
            moved.push((spi_in, spi_out, EDGESH0));
        }
        moved
    }

    /// Replace the device's addresses `had` by `want` (rtnetlink).
    fn set_addresses(
        &mut self,
        tun: &tun_rs::SyncDevice,
        device: &str,
        had: &[edgesh_engine::config::Prefix4],
        want: &[edgesh_engine::config::Prefix4],
    ) {
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
            if let Err(e) =
                nl.request(RouteNetlinkMessage::NewAddress(address_message(index, p)), NLM_F_CREATE | NLM_F_REPLACE)
            {
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
    let d = tun_rs::DeviceBuilder::new()
        .name(name)
        .mtu(1400)
        .offload(true)
        .enable(false)
        .build_sync()
        .map(|d| (d, true))
        .or_else(|_| {
            tun_rs::DeviceBuilder::new().name(name).mtu(1400).enable(false).build_sync().map(|d| (d, false))
        })?;
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
        assert_eq!(
            m.attributes,
            vec![
                AddressAttribute::Local("10.1.1.1".parse().unwrap()),
                AddressAttribute::Address("10.1.1.1".parse().unwrap())
            ]
        );
    }
}
