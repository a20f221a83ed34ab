//! Installs the engine's route table (`edgesh_engine::routes`) into the
//! routing table of the network namespace edgesh runs in, through rtnetlink
//! (`netlink-packet-route` messages on a `netlink-sys` socket). It owns only
//! that: which routes exist is the engine's; this keeps the kernel's main
//! table equal to [`edgesh_engine::routes::kernel_routes`] of it.
//!
//! Every route edgesh installs carries the rtnetlink protocol number
//! [`PROTOCOL`] (`ip route` shows `proto 237`), so edgesh finds its own and
//! never touches a route it did not make (a delete names the protocol, which
//! the kernel matches). At start every route of that protocol is removed (a
//! previous run's, stale); then routes are added and removed as the table
//! changes (a commit, an SA up or down). Routes into the dataplane wait until
//! its device (`edgesh0`) exists, and the device is set up. Routes into a
//! route-based tunnel go to its own device (`dataplane/tunif.rs`, which sets
//! it up while the tunnel has an SA): they wait for it to exist and be up. A route the
//! kernel refuses is logged once with the kernel's reason, never retried in
//! a loop. Netlink sockets are per network namespace: nothing is installed
//! outside the one edgesh runs in.

use crate::rtnl::Netlink;
pub use crate::rtnl::encode;
use edgesh_engine::config::Prefix4;
use edgesh_engine::routes::{KernelHop, KernelRoute, kernel_routes};
use edgesh_modes::Router;
use netlink_packet_core::{NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::time::{Duration, Instant};

/// The rtnetlink protocol number of edgesh's routes (unassigned in the
/// kernel's and iproute2's lists).
pub const PROTOCOL: u8 = 237;

/// `--no-routes`: install nothing.
pub static DISABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The route message for one kernel route (add or delete), on the
/// dataplane device `oif` when the route goes there.
pub fn route_message(k: &KernelRoute, oif: Option<u32>, with_src: bool) -> RouteMessage {
    let mut m = RouteMessage::default();
    m.header.address_family = AddressFamily::Inet;
    m.header.destination_prefix_length = k.dst.len;
    m.header.table = RouteHeader::RT_TABLE_MAIN;
    m.header.protocol = RouteProtocol::from(PROTOCOL);
    m.header.kind = RouteType::Unicast;
    m.header.scope = match k.hop {
        KernelHop::Dataplane | KernelHop::Device(_) => RouteScope::Link,
        KernelHop::Gateway(_) => RouteScope::Universe,
    };
    m.attributes.push(RouteAttribute::Destination(RouteAddress::Inet(k.dst.network())));
    match k.hop {
        KernelHop::Dataplane | KernelHop::Device(_) => {
            if let Some(i) = oif {
                m.attributes.push(RouteAttribute::Oif(i));
            }
        }
        KernelHop::Gateway(g) => m.attributes.push(RouteAttribute::Gateway(RouteAddress::Inet(g))),
    }
    m.attributes.push(RouteAttribute::Priority(k.metric));
    if let (Some(s), true) = (k.src, with_src) {
        m.attributes.push(RouteAttribute::PrefSource(RouteAddress::Inet(s)));
    }
    m
}

/// edgesh's routes in the main table (a previous run's included).
fn ours(nl: &mut Netlink) -> io::Result<Vec<RouteMessage>> {
    let mut q = RouteMessage::default();
    q.header.address_family = AddressFamily::Inet;
    let all = nl.request(RouteNetlinkMessage::GetRoute(q), NLM_F_DUMP)?;
    Ok(all
        .into_iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewRoute(r)
                if r.header.protocol == RouteProtocol::from(PROTOCOL)
                    && r.header.table == RouteHeader::RT_TABLE_MAIN =>
            {
                Some(r)
            }
            _ => None,
        })
        .collect())
}

fn if_index(name: &str) -> Option<u32> {
    nix::net::if_::if_nametoindex(name).ok().filter(|i| *i != 0)
}

/// Keeps the namespace's routes equal to the engine's table.
#[derive(Default)]
pub struct Installer {
    nl: Option<Netlink>,
    /// Opening the socket failed (reported once): nothing is installed.
    failed: bool,
    /// Routes of a previous run removed.
    cleaned: bool,
    /// What is installed, by (destination, metric), with the device it went to.
    installed: BTreeMap<(Prefix4, u32), (KernelRoute, Option<u32>)>,
    /// The table version and device state last synced.
    synced: Option<(u64, Option<u32>, Vec<(String, u32)>)>,
    /// The tunnel devices' indexes (those the table's routes name and that exist).
    dev_oifs: BTreeMap<String, u32>,
    /// A route into a tunnel device was refused (not there or not up yet): try again soon.
    retry: bool,
    /// The dataplane device's index, once it exists.
    oif: Option<u32>,
    looked: Option<Instant>,
    /// Routes of the table wait for the device.
    waiting_dev: bool,
    /// Problems already logged.
    said: BTreeSet<String>,
}

impl Installer {
    pub fn new() -> Installer {
        Installer::default()
    }

    fn say(&mut self, r: &mut Router, msg: String) {
        if self.said.insert(msg.clone()) {
            r.crypto_log(4, "ROUTE", &msg);
        }
    }

    /// With the router held: bring the kernel's routes in line with the
    /// engine's table (cheap when neither the table nor the device changed).
    pub fn sync(&mut self, r: &mut Router) {
        if self.failed || DISABLED.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if self.nl.is_none() {
            match Netlink::open() {
                Ok(n) => self.nl = Some(n),
                Err(e) => {
                    self.failed = true;
                    let msg = format!("cannot open rtnetlink ({e}): edgesh installs no routes");
                    self.say(r, msg);
                    return;
                }
            }
        }
        if !self.cleaned {
            self.cleaned = true;
            let nl = self.nl.as_mut().expect("opened above");
            match ours(nl) {
                Ok(stale) => {
                    for m in stale {
                        let _ = nl.request(RouteNetlinkMessage::DelRoute(m), 0);
                    }
                }
                Err(e) => {
                    let msg = format!("cannot list the routing table ({e})");
                    self.say(r, msg);
                }
            }
        }
        let version = r.engine.routes().version();
        let devs_now = |d: &BTreeMap<String, u32>| d.iter().map(|(n, i)| (n.clone(), *i)).collect::<Vec<_>>();
        // Nothing changed, unless routes wait for a device.
        let waiting = (self.waiting_dev && self.oif.is_none()) || self.retry;
        if self.synced.as_ref() == Some(&(version, self.oif, devs_now(&self.dev_oifs))) && !waiting {
            return;
        }
        if waiting
            && self.synced.as_ref().is_some_and(|(v, ..)| *v == version)
            && self.looked.is_some_and(|t| t.elapsed() < Duration::from_millis(200))
        {
            return;
        }
        let (want, _left) = kernel_routes(r.engine.routes().entries(), &r.ike().conf().routes);
        let needs_dev = want.iter().any(|k| k.hop == KernelHop::Dataplane);
        self.waiting_dev = needs_dev;
        if needs_dev && self.oif.is_none() && self.looked.is_none_or(|t| t.elapsed() >= Duration::from_millis(200)) {
            self.looked = Some(Instant::now());
            if let Some(i) = if_index(crate::dataplane::DEVICE) {
                self.oif = Some(i);
                if let Err(e) = self.nl.as_mut().expect("opened above").set_up(i) {
                    let msg = format!("cannot set {} up ({e})", crate::dataplane::DEVICE);
                    self.say(r, msg);
                }
            }
        }
        // The tunnel devices the routes name, looked up each time (made and removed with the configuration).
        self.dev_oifs = want
            .iter()
            .filter_map(|k| if let KernelHop::Device(d) = &k.hop { if_index(d).map(|i| (d.clone(), i)) } else { None })
            .collect();
        self.looked = Some(Instant::now());
        let key = (version, self.oif, devs_now(&self.dev_oifs));
        if self.synced.as_ref() == Some(&key) && !self.retry {
            return;
        }
        self.synced = Some(key);
        let oif_of = |k: &KernelRoute, dp: Option<u32>, devs: &BTreeMap<String, u32>| match &k.hop {
            KernelHop::Dataplane => dp,
            KernelHop::Device(d) => devs.get(d).copied(),
            KernelHop::Gateway(_) => None,
        };
        // A tunnel device that does not exist yet: looked for again in 200 ms.
        self.retry = want.iter().any(|k| matches!(&k.hop, KernelHop::Device(d) if !self.dev_oifs.contains_key(d)));
        // Routes into a device wait for it; via a gateway they go at once.
        let want: BTreeMap<(Prefix4, u32), (KernelRoute, Option<u32>)> = want
            .into_iter()
            .map(|k| (oif_of(&k, self.oif, &self.dev_oifs), k))
            .filter(|(oif, k)| oif.is_some() || matches!(k.hop, KernelHop::Gateway(_)))
            .map(|(oif, k)| ((k.dst, k.metric), (k, oif)))
            .collect();
        let gone: Vec<(KernelRoute, Option<u32>)> =
            self.installed.iter().filter(|(key, k)| want.get(key) != Some(k)).map(|(_, k)| k.clone()).collect();
        let mut problems = Vec::new();
        let nl = self.nl.as_mut().expect("opened above");
        for (k, oif) in gone {
            self.installed.remove(&(k.dst, k.metric));
            if let Err(e) = nl.request(RouteNetlinkMessage::DelRoute(route_message(&k, oif, false)), 0) {
                // Already gone (its device went, someone removed it) is fine.
                if e.raw_os_error() != Some(libc_esrch()) {
                    problems.push(format!("cannot remove route {} ({e})", k.dst));
                }
            }
        }
        for (key, (k, oif)) in want {
            if self.installed.contains_key(&key) {
                continue;
            }
            let mut res =
                nl.request(RouteNetlinkMessage::NewRoute(route_message(&k, oif, true)), NLM_F_CREATE | NLM_F_EXCL);
            // A source address the host does not have: the route without it.
            if k.src.is_some() && res.as_ref().err().and_then(|e| e.raw_os_error()) == Some(22) {
                res =
                    nl.request(RouteNetlinkMessage::NewRoute(route_message(&k, oif, false)), NLM_F_CREATE | NLM_F_EXCL);
            }
            match res {
                Ok(_) => {
                    self.installed.insert(key, (k, oif));
                }
                // A tunnel device not up yet (its SA came with this table): again in 200 ms.
                Err(e)
                    if matches!(k.hop, KernelHop::Device(_))
                        && e.raw_os_error() == Some(nix::errno::Errno::ENETDOWN as i32) =>
                {
                    self.retry = true
                }
                Err(e) => {
                    problems.push(format!("cannot install route {} {} metric {} ({e})", k.dst, hop_word(&k), k.metric))
                }
            }
        }
        for p in problems {
            self.say(r, p);
        }
    }
}

fn libc_esrch() -> i32 {
    nix::errno::Errno::ESRCH as i32
}

fn hop_word(k: &KernelRoute) -> String {
    match &k.hop {
        KernelHop::Dataplane => format!("dev {}", crate::dataplane::DEVICE),
        KernelHop::Device(d) => format!("dev {d}"),
        KernelHop::Gateway(g) => format!("via {g}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{Emitable, NLM_F_ACK, NLM_F_REQUEST, Parseable};
    use netlink_packet_route::route::RouteMessageBuffer;

    #[test]
    fn a_dataplane_route_carries_our_protocol_device_metric_and_source() {
        let k = KernelRoute {
            dst: "203.0.113.0/24".parse().unwrap(),
            hop: KernelHop::Dataplane,
            metric: 5,
            src: Some("198.51.100.1".parse().unwrap()),
        };
        let m = route_message(&k, Some(7), true);
        let mut buf = vec![0u8; m.buffer_len()];
        m.emit(&mut buf);
        // The rtmsg header as the kernel reads it (struct rtmsg).
        assert_eq!(
            &buf[..12],
            &[2, 24, 0, 0, 254, PROTOCOL, 253, 1, 0, 0, 0, 0],
            "family inet, /24, main table, proto 237, scope link, unicast"
        );
        let back = RouteMessage::parse(&RouteMessageBuffer::new(&buf)).unwrap();
        assert_eq!(
            back.attributes,
            vec![
                RouteAttribute::Destination(RouteAddress::Inet("203.0.113.0".parse().unwrap())),
                RouteAttribute::Oif(7),
                RouteAttribute::Priority(5),
                RouteAttribute::PrefSource(RouteAddress::Inet("198.51.100.1".parse().unwrap())),
            ]
        );
        let g = KernelRoute {
            dst: "0.0.0.0/0".parse().unwrap(),
            hop: KernelHop::Gateway("192.0.2.254".parse().unwrap()),
            metric: 0,
            src: None,
        };
        let m = route_message(&g, None, true);
        assert_eq!(m.header.scope, RouteScope::Universe);
        assert_eq!(m.attributes[1], RouteAttribute::Gateway(RouteAddress::Inet("192.0.2.254".parse().unwrap())));
    }

    #[test]
    fn requests_are_framed_with_their_flags_and_sequence() {
        let k = KernelRoute { dst: "203.0.113.1/32".parse().unwrap(), hop: KernelHop::Dataplane, metric: 0, src: None };
        let b = encode(
            RouteNetlinkMessage::NewRoute(route_message(&k, Some(3), false)),
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            9,
        );
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, b.len());
        assert_eq!(u16::from_ne_bytes(b[4..6].try_into().unwrap()), 24, "RTM_NEWROUTE");
        assert_eq!(u16::from_ne_bytes(b[6..8].try_into().unwrap()), 0x605, "REQUEST|ACK|EXCL|CREATE");
        assert_eq!(u32::from_ne_bytes(b[8..12].try_into().unwrap()), 9);
    }
}
