//! The link-layer send path of the raw protocols (ESP on IP protocol 50,
//! AH on 51): an `AF_PACKET` socket that hands the sealed packets (outer
//! IPv4 header included) to the outgoing interface's queue (its qdisc;
//! packet taps such as tcpdump see them), and the table of next hops
//! towards the peers (the route's interface and its MTU, the neighbour's
//! MAC address) that the thread `dp-hops` keeps from rtnetlink. The MTU
//! also serves the raw socket: a packet over it is cut into fragments
//! here, whichever way it then leaves (the raw socket refuses it whole).
//!
//! Why: a raw socket send makes the kernel route, run the IP output path
//! and resolve the neighbour for every packet; on this machine one thread
//! sends 137-142 k packets/s of 1,456 bytes that way and 210-250 k/s
//! through `AF_PACKET` (`bench/raw_ceiling.sh`, `raw50` and `packetq`).
//! What it gives up: the packets skip the namespace's netfilter output and
//! postrouting hooks.
//!
//! Only what the kernel would send the same way takes this path: a peer
//! whose route leaves by an Ethernet interface that is up, whose next hop
//! has a neighbour entry with a MAC address (REACHABLE, STALE, DELAY, PROBE
//! or PERMANENT: the states in which the kernel's own output uses it), and
//! a packet within that interface's MTU. Everything else goes through the
//! raw socket ([`super::raw`]), where the kernel routes and resolves it.
//! The table is a second old at most: for that long after a change a
//! packet may go by the former route or MTU.
//! Packets sent here never touch the neighbour table, so dp-hops does what
//! the kernel's output does on a STALE entry: it marks it used (`NTF_USE`),
//! which makes the kernel probe the neighbour (DELAY, PROBE, then REACHABLE,
//! or FAILED and gone from the table, and the peer's packets back on the
//! raw socket).

use crate::rtnl::Netlink;
use netlink_packet_core::NLM_F_DUMP;
use netlink_packet_route::link::{LinkAttribute, LinkLayerType, LinkMessage};
use netlink_packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState};
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use nix::libc;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

/// Peers the table follows at most (an SA's peer is added when it is installed).
pub const PEERS: usize = 65_536;
/// Route look-ups per round at most: a route is looked up again every
/// `peers / ROUTES_PER_ROUND` rounds (its neighbour every round). The
/// STALE neighbours marked used per round are as many at most.
const ROUTES_PER_ROUND: usize = 256;
/// Packets per `sendmmsg` (as the raw socket's).
const CHUNK: usize = 64;

/// How a peer's packets leave: the MTU of the route's interface and,
/// where this path may carry them, the interface and the neighbour's MAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    pub mtu: usize,
    pub link: Option<Link>,
}

/// An Ethernet next hop: the interface and the neighbour's MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    pub ifindex: u32,
    pub mac: [u8; 6],
}

/// A peer's route as last looked up: its interface and the address whose
/// neighbour entry gives the MAC (the gateway, or the peer when on link).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Route {
    ifindex: u32,
    next: Ipv4Addr,
}

/// The neighbour entries that count: (interface, address) to MAC address and state.
type Neighbours = HashMap<(u32, Ipv4Addr), ([u8; 6], NeighbourState)>;
/// One entry of [`Neighbours`].
type Neighbour = ((u32, Ipv4Addr), ([u8; 6], NeighbourState));

/// The socket, the hop table dp-tx reads and the peers dp-hops resolves.
#[derive(Default)]
pub struct LinkPath {
    sock: OnceLock<OwnedFd>,
    /// Set once opening failed (the raw socket carries everything).
    failed: AtomicBool,
    hops: RwLock<HashMap<Ipv4Addr, Hop>>,
    peers: Mutex<HashSet<Ipv4Addr>>,
}

impl LinkPath {
    /// An SA's packets go to `peer` on protocol 50 or 51: follow its next hop.
    pub fn want(&self, peer: Ipv4Addr) {
        let mut p = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        if p.len() < PEERS {
            p.insert(peer);
        }
    }

    /// Open the socket (once; after the raw socket, which needs the same
    /// privilege, CAP_NET_RAW): the error when it cannot be, after which it
    /// is not tried again.
    pub fn open(&self) -> Option<std::io::Error> {
        if self.sock.get().is_some() || self.failed.load(Ordering::Relaxed) {
            return None;
        }
        // Protocol 0: the socket receives nothing; each packet names ETH_P_IP.
        // SAFETY: socket(2) with constant arguments; the descriptor is owned below.
        let fd =
            unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, 0) };
        if fd < 0 {
            self.failed.store(true, Ordering::Relaxed);
            return Some(std::io::Error::last_os_error());
        }
        // SAFETY: a descriptor just returned to us and owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let buf: libc::c_int = 4 << 20;
        let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: an int option on our socket, pointing at a live int.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                (&buf as *const libc::c_int).cast(),
                len,
            )
        };
        let _ = self.sock.set(fd);
        None
    }

    /// The next hop towards `peer`, when this path may carry its packets.
    #[cfg(test)]
    pub fn hop(&self, peer: Ipv4Addr) -> Option<Hop> {
        self.hops.read().unwrap_or_else(|e| e.into_inner()).get(&peer).copied()
    }

    /// Send the packets (outer IPv4 header included) this path may carry,
    /// their header checksum set here (the raw socket's kernel sets it
    /// there); the others, and any the driver refused, stay in `packets`
    /// for the raw socket. A packet over its route's MTU is cut into
    /// fragments first ([`super::raw::fragments`]), whichever way they go.
    pub fn send_batch(&self, packets: &mut Vec<(Ipv4Addr, Vec<u8>)>) {
        let sock = self.sock.get();
        let mut go: Vec<(Ipv4Addr, libc::sockaddr_ll, Vec<u8>)> = Vec::new();
        {
            let hops = self.hops.read().unwrap_or_else(|e| e.into_inner());
            if hops.is_empty() {
                return;
            }
            let mut keep = Vec::new();
            let mut place = |dst: Ipv4Addr, mut p: Vec<u8>, h: Option<&Hop>| match (h, sock) {
                (Some(Hop { mtu, link: Some(l) }), Some(_)) if p.len() <= *mtu && p.len() >= 20 => {
                    set_checksum(&mut p);
                    go.push((dst, link_address(l), p));
                }
                _ => keep.push((dst, p)),
            };
            for (dst, p) in packets.drain(..) {
                let h = hops.get(&dst);
                match h.and_then(|h| if p.len() > h.mtu { super::raw::fragments(&p, h.mtu) } else { None }) {
                    Some(pieces) => pieces.into_iter().for_each(|f| place(dst, f, h)),
                    None => place(dst, p, h),
                }
            }
            *packets = keep;
        }
        let Some(sock) = sock else { return };
        while !go.is_empty() {
            let k = go.len().min(CHUNK);
            let sent = sendmmsg(sock.as_raw_fd(), &go[..k]);
            // What the driver did not take goes by the raw socket.
            packets.extend(go.drain(..k).skip(sent).map(|(d, _, p)| (d, p)));
        }
    }

    /// One round of dp-hops: the peers' routes (a share of them), every
    /// followed interface's MTU and type, the neighbour table; the hop table
    /// swapped whole.
    fn resolve(&self, nl: &mut Netlink, routes: &mut HashMap<Ipv4Addr, Route>, turn: &mut usize) {
        let peers: Vec<Ipv4Addr> = {
            let mut p: Vec<Ipv4Addr> = self.peers.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().collect();
            p.sort();
            p
        };
        routes.retain(|k, _| peers.binary_search(k).is_ok());
        if peers.is_empty() {
            self.hops.write().unwrap_or_else(|e| e.into_inner()).clear();
            return;
        }
        // New peers first, then a share of the known ones in turn.
        let mut asked = 0;
        for p in &peers {
            if asked < ROUTES_PER_ROUND && !routes.contains_key(p) {
                asked += 1;
                match route(nl, *p) {
                    Some(r) => routes.insert(*p, r),
                    None => routes.remove(p),
                };
            }
        }
        for _ in asked..ROUTES_PER_ROUND.min(peers.len()) {
            *turn = (*turn + 1) % peers.len();
            let p = peers[*turn];
            match route(nl, p) {
                Some(r) => routes.insert(p, r),
                None => routes.remove(&p),
            };
        }
        let links = links(nl).unwrap_or_default();
        let neighbours = neighbours(nl).unwrap_or_default();
        let table = hops_of(routes, &links, &neighbours);
        *self.hops.write().unwrap_or_else(|e| e.into_inner()) = table;
        // The STALE next hops in use are verified, as a packet of the kernel's own would have them.
        let stale: HashSet<(u32, Ipv4Addr)> = routes
            .values()
            .map(|r| (r.ifindex, r.next))
            .filter(|k| neighbours.get(k).is_some_and(|n| n.1 == NeighbourState::Stale))
            .collect();
        for (ifindex, ip) in stale.into_iter().take(ROUTES_PER_ROUND) {
            let _ = mark_used(nl, ifindex, ip);
        }
    }
}

/// The hop of each peer whose route leaves by an interface that is up:
/// its MTU, and its link when the interface is Ethernet and the next hop's
/// neighbour entry counts (see the module's first lines).
fn hops_of(
    routes: &HashMap<Ipv4Addr, Route>,
    links: &HashMap<u32, Iface>,
    neighbours: &Neighbours,
) -> HashMap<Ipv4Addr, Hop> {
    routes
        .iter()
        .filter_map(|(peer, r)| {
            let i = links.get(&r.ifindex)?;
            let link = match neighbours.get(&(r.ifindex, r.next)) {
                Some((mac, _)) if i.ethernet => Some(Link { ifindex: r.ifindex, mac: *mac }),
                _ => None,
            };
            Some((*peer, Hop { mtu: i.mtu, link }))
        })
        .collect()
}

/// The kernel's route to `peer`: its interface and next hop (None for a
/// route that is not unicast, e.g. local or unreachable).
fn route(nl: &mut Netlink, peer: Ipv4Addr) -> Option<Route> {
    let mut q = RouteMessage::default();
    q.header.address_family = AddressFamily::Inet;
    q.header.destination_prefix_length = 32;
    q.attributes.push(RouteAttribute::Destination(RouteAddress::Inet(peer)));
    let answer = nl.request(RouteNetlinkMessage::GetRoute(q), 0).ok()?;
    answer.into_iter().find_map(|m| match m {
        RouteNetlinkMessage::NewRoute(r) => route_of(&r, peer),
        _ => None,
    })
}

fn route_of(r: &RouteMessage, peer: Ipv4Addr) -> Option<Route> {
    if r.header.kind != netlink_packet_route::route::RouteType::Unicast {
        return None;
    }
    let mut ifindex = None;
    let mut next = peer;
    for a in &r.attributes {
        match a {
            RouteAttribute::Oif(i) => ifindex = Some(*i),
            RouteAttribute::Gateway(RouteAddress::Inet(g)) => next = *g,
            _ => {}
        }
    }
    Some(Route { ifindex: ifindex?, next })
}

/// An interface that is up: its MTU, and whether it is Ethernet (has MAC addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Iface {
    mtu: usize,
    ethernet: bool,
}

/// The interfaces that are up, by index.
fn links(nl: &mut Netlink) -> std::io::Result<HashMap<u32, Iface>> {
    let answer = nl.request(RouteNetlinkMessage::GetLink(LinkMessage::default()), NLM_F_DUMP)?;
    Ok(answer
        .into_iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewLink(l) => link_of(&l),
            _ => None,
        })
        .collect())
}

fn link_of(l: &LinkMessage) -> Option<(u32, Iface)> {
    use netlink_packet_route::link::LinkFlags;
    if !l.header.flags.contains(LinkFlags::Up) {
        return None;
    }
    let mtu = l.attributes.iter().find_map(|a| match a {
        LinkAttribute::Mtu(m) => Some(*m as usize),
        _ => None,
    })?;
    Some((l.header.index, Iface { mtu, ethernet: l.header.link_layer_type == LinkLayerType::Ether }))
}

/// The IPv4 neighbour entries whose MAC address the kernel would send to, with their state.
fn neighbours(nl: &mut Netlink) -> std::io::Result<Neighbours> {
    let mut q = NeighbourMessage::default();
    q.header.family = AddressFamily::Inet;
    let answer = nl.request(RouteNetlinkMessage::GetNeighbour(q), NLM_F_DUMP)?;
    Ok(answer
        .into_iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewNeighbour(n) => neighbour_of(&n),
            _ => None,
        })
        .collect())
}

fn neighbour_of(n: &NeighbourMessage) -> Option<Neighbour> {
    use NeighbourState as S;
    if !matches!(n.header.state, S::Reachable | S::Stale | S::Delay | S::Probe | S::Permanent) {
        return None;
    }
    let mut ip = None;
    let mut mac = None;
    for a in &n.attributes {
        match a {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(i)) => ip = Some(*i),
            NeighbourAttribute::LinkLocalAddress(m) => mac = <[u8; 6]>::try_from(m.as_slice()).ok(),
            _ => {}
        }
    }
    Some(((n.header.ifindex, ip?), (mac?, n.header.state)))
}

/// Mark the neighbour entry of `ip` on `ifindex` used (`NTF_USE`): on a
/// STALE entry the kernel starts verifying it (RTM_NEWNEIGH without
/// NLM_F_CREATE: an entry gone meanwhile is not made again).
fn mark_used(nl: &mut Netlink, ifindex: u32, ip: Ipv4Addr) -> std::io::Result<()> {
    use netlink_packet_route::neighbour::NeighbourFlags;
    let mut m = NeighbourMessage::default();
    m.header.family = AddressFamily::Inet;
    m.header.ifindex = ifindex;
    m.header.flags = NeighbourFlags::Use;
    m.attributes.push(NeighbourAttribute::Destination(NeighbourAddress::Inet(ip)));
    nl.request(RouteNetlinkMessage::NewNeighbour(m), 0).map(|_| ())
}

/// dp-hops: a round every second until the dataplane stops.
pub fn run(shared: std::sync::Arc<super::shared::Shared>) {
    let Ok(mut nl) = Netlink::open() else { return };
    let mut routes = HashMap::new();
    let mut turn = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        if shared.raw_esp.fd().is_some() || shared.raw_ah.fd().is_some() {
            shared.link.resolve(&mut nl, &mut routes, &mut turn);
        }
        for _ in 0..20 {
            if shared.stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// The address an `AF_PACKET` send to `h` names: interface, IPv4, MAC.
fn link_address(h: &Link) -> libc::sockaddr_ll {
    // SAFETY: all-zero is a valid sockaddr_ll, filled in below.
    let mut ll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    ll.sll_family = libc::AF_PACKET as u16;
    ll.sll_protocol = (libc::ETH_P_IP as u16).to_be();
    ll.sll_ifindex = h.ifindex as i32;
    ll.sll_halen = 6;
    ll.sll_addr[..6].copy_from_slice(&h.mac);
    ll
}

/// Send each packet to its address in one `sendmmsg`: how many the kernel took.
fn sendmmsg(fd: i32, chunk: &[(Ipv4Addr, libc::sockaddr_ll, Vec<u8>)]) -> usize {
    let mut iovs: Vec<libc::iovec> = chunk
        .iter()
        .map(|(_, _, p)| libc::iovec { iov_base: p.as_ptr() as *mut libc::c_void, iov_len: p.len() })
        .collect();
    let mut msgs: Vec<libc::mmsghdr> = chunk
        .iter()
        .zip(iovs.iter_mut())
        .map(|((_, ll, _), iov)| {
            // SAFETY: all-zero is a valid empty message header.
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_name = (ll as *const libc::sockaddr_ll) as *mut libc::c_void;
            m.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            m
        })
        .collect();
    // SAFETY: every header points at an address, an iovec and a packet that outlive the call.
    let n = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), msgs.len() as libc::c_uint, 0) };
    usize::try_from(n).unwrap_or(0)
}

/// Set the IPv4 header checksum (RFC 791) of a packet.
fn set_checksum(p: &mut [u8]) {
    let ihl = usize::from(p[0] & 0x0f) * 4;
    if ihl < 20 || p.len() < ihl {
        return;
    }
    p[10] = 0;
    p[11] = 0;
    let sum = edgesh_engine::inet::checksum(&p[..ihl]);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_route::link::LinkFlags;
    use netlink_packet_route::route::RouteType;

    const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
    const GW: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 254);
    const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x22];

    #[test]
    fn the_header_checksum_is_rfc_791s() {
        // A well-known header whose checksum is 0xb861.
        let mut p = vec![
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xaa, 0xaa, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7, 0xee,
        ];
        set_checksum(&mut p);
        assert_eq!(&p[10..12], &[0xb8, 0x61]);
        assert_eq!(p[20], 0xee, "the payload is left alone");
        // A header with options: all of it is summed (the sum over it, checksum included, is 0xffff).
        let mut o = crate::dataplane::raw::header(Ipv4Addr::new(10, 0, 0, 1), PEER, 7, 50).to_vec();
        o[0] = 0x46;
        o.extend_from_slice(&[1, 1, 1, 0, 0xab]);
        set_checksum(&mut o);
        let sum: u32 = o[..24].chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
        assert_eq!((sum & 0xffff) + (sum >> 16), 0xffff);
        // Too short for what it says: untouched, no panic.
        let mut short = vec![0x4f, 0, 0, 0];
        set_checksum(&mut short);
        assert_eq!(short, [0x4f, 0, 0, 0]);
    }

    fn route_msg(kind: RouteType, oif: Option<u32>, gw: Option<Ipv4Addr>) -> RouteMessage {
        let mut r = RouteMessage::default();
        r.header.kind = kind;
        r.attributes.push(RouteAttribute::Destination(RouteAddress::Inet(PEER)));
        if let Some(i) = oif {
            r.attributes.push(RouteAttribute::Oif(i));
        }
        if let Some(g) = gw {
            r.attributes.push(RouteAttribute::Gateway(RouteAddress::Inet(g)));
        }
        r
    }

    #[test]
    fn a_route_names_the_interface_and_the_next_hop() {
        assert_eq!(
            route_of(&route_msg(RouteType::Unicast, Some(3), None), PEER),
            Some(Route { ifindex: 3, next: PEER })
        );
        assert_eq!(
            route_of(&route_msg(RouteType::Unicast, Some(3), Some(GW)), PEER),
            Some(Route { ifindex: 3, next: GW })
        );
        // Local, unreachable, or no interface: not this path's.
        assert_eq!(route_of(&route_msg(RouteType::Local, Some(1), None), PEER), None);
        assert_eq!(route_of(&route_msg(RouteType::Unreachable, None, None), PEER), None);
        assert_eq!(route_of(&route_msg(RouteType::Unicast, None, None), PEER), None);
    }

    fn link_msg(kind: LinkLayerType, up: bool, mtu: Option<u32>) -> LinkMessage {
        let mut l = LinkMessage::default();
        l.header.index = 3;
        l.header.link_layer_type = kind;
        if up {
            l.header.flags = LinkFlags::Up;
        }
        if let Some(m) = mtu {
            l.attributes.push(LinkAttribute::Mtu(m));
        }
        l
    }

    #[test]
    fn interfaces_that_are_up_count_with_their_mtu_and_whether_they_are_ethernet() {
        let i = |mtu, ethernet| Some((3, Iface { mtu, ethernet }));
        assert_eq!(link_of(&link_msg(LinkLayerType::Ether, true, Some(1500))), i(1500, true));
        assert_eq!(link_of(&link_msg(LinkLayerType::Ether, false, Some(1500))), None, "down");
        assert_eq!(link_of(&link_msg(LinkLayerType::Loopback, true, Some(65536))), i(65536, false));
        assert_eq!(
            link_of(&link_msg(LinkLayerType::None, true, Some(1400))),
            i(1400, false),
            "a TUN device has no MAC"
        );
        assert_eq!(link_of(&link_msg(LinkLayerType::Ether, true, None)), None);
    }

    fn neigh_msg(state: NeighbourState, ip: Option<Ipv4Addr>, mac: Option<Vec<u8>>) -> NeighbourMessage {
        let mut n = NeighbourMessage::default();
        n.header.ifindex = 3;
        n.header.state = state;
        if let Some(i) = ip {
            n.attributes.push(NeighbourAttribute::Destination(NeighbourAddress::Inet(i)));
        }
        if let Some(m) = mac {
            n.attributes.push(NeighbourAttribute::LinkLocalAddress(m));
        }
        n
    }

    #[test]
    fn a_neighbour_counts_in_the_states_the_kernel_sends_to() {
        use NeighbourState as S;
        for s in [S::Reachable, S::Stale, S::Delay, S::Probe, S::Permanent] {
            assert_eq!(
                neighbour_of(&neigh_msg(s, Some(PEER), Some(MAC.to_vec()))),
                Some(((3, PEER), (MAC, s))),
                "{s:?}"
            );
        }
        for s in [S::Incomplete, S::Failed, S::Noarp, S::None] {
            assert_eq!(neighbour_of(&neigh_msg(s, Some(PEER), Some(MAC.to_vec()))), None, "{s:?}");
        }
        assert_eq!(neighbour_of(&neigh_msg(S::Reachable, Some(PEER), None)), None, "no MAC");
        assert_eq!(neighbour_of(&neigh_msg(S::Reachable, Some(PEER), Some(vec![1, 2, 3]))), None, "not a MAC");
        assert_eq!(neighbour_of(&neigh_msg(S::Reachable, None, Some(MAC.to_vec()))), None, "no address");
    }

    #[test]
    fn a_hop_needs_the_route_the_interface_and_for_the_link_the_neighbour() {
        let tunnel = Ipv4Addr::new(203, 0, 113, 12);
        let routes: HashMap<Ipv4Addr, Route> = [
            (PEER, Route { ifindex: 3, next: PEER }),
            (Ipv4Addr::new(203, 0, 113, 9), Route { ifindex: 3, next: GW }),
            (Ipv4Addr::new(203, 0, 113, 10), Route { ifindex: 4, next: GW }),
            (Ipv4Addr::new(203, 0, 113, 11), Route { ifindex: 3, next: Ipv4Addr::new(192, 0, 2, 253) }),
            (tunnel, Route { ifindex: 5, next: tunnel }),
        ]
        .into();
        let links: HashMap<u32, Iface> =
            [(3, Iface { mtu: 1500, ethernet: true }), (5, Iface { mtu: 1400, ethernet: false })].into();
        let gw_mac = [0x02, 0, 0, 0, 0, 0xfe];
        let neighbours = [
            ((3, PEER), (MAC, NeighbourState::Reachable)),
            ((3, GW), (gw_mac, NeighbourState::Stale)),
            ((5, tunnel), (MAC, NeighbourState::Permanent)),
        ]
        .into_iter()
        .collect();
        let hops = hops_of(&routes, &links, &neighbours);
        let on = |ifindex, mac| Some(Link { ifindex, mac });
        assert_eq!(hops[&PEER], Hop { mtu: 1500, link: on(3, MAC) });
        assert_eq!(hops[&Ipv4Addr::new(203, 0, 113, 9)], Hop { mtu: 1500, link: on(3, gw_mac) }, "by its gateway");
        // The next hop has no entry: the MTU only (the raw socket carries, fragments cut here).
        assert_eq!(hops[&Ipv4Addr::new(203, 0, 113, 11)], Hop { mtu: 1500, link: None });
        assert_eq!(hops[&tunnel], Hop { mtu: 1400, link: None }, "not Ethernet");
        // Interface 4 is down or gone: nothing known.
        assert_eq!(hops.len(), 4, "{hops:?}");
    }

    /// Without the socket, a packet over its route's MTU still leaves in
    /// fragments for the raw socket; one that fits, or to a peer with no
    /// hop, is left as it is.
    #[test]
    fn over_the_mtu_the_raw_socket_gets_fragments() {
        let l = LinkPath::default();
        l.hops.write().unwrap().insert(PEER, Hop { mtu: 1200, link: Some(Link { ifindex: 3, mac: MAC }) });
        let mut big = crate::dataplane::raw::header(Ipv4Addr::new(192, 0, 2, 1), PEER, 9, 50).to_vec();
        big.resize(1456, 0xab);
        let big = crate::dataplane::raw::finish(big);
        let other = Ipv4Addr::new(192, 0, 2, 99);
        let mut packets = vec![(PEER, big.clone()), (PEER, vec![0x45; 100]), (other, big.clone())];
        l.send_batch(&mut packets);
        let lens: Vec<(Ipv4Addr, usize)> = packets.iter().map(|(d, p)| (*d, p.len())).collect();
        assert_eq!(lens, [(PEER, 1196), (PEER, 280), (PEER, 100), (other, 1456)]);
    }

    #[test]
    fn without_a_socket_or_a_hop_the_packets_stay_for_the_raw_socket() {
        let l = LinkPath::default();
        let mut packets = vec![(PEER, vec![0x45; 60])];
        l.send_batch(&mut packets);
        assert_eq!(packets.len(), 1, "no socket");
        assert_eq!(l.hop(PEER), None);
        // The peers followed are bounded.
        for i in 0..(PEERS as u32 + 10) {
            l.want(Ipv4Addr::from(i));
        }
        assert_eq!(l.peers.lock().unwrap().len(), PEERS);
    }
}
