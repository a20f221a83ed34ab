//! The rtnetlink socket edgesh's route installer (`routes.rs`) and the
//! tunnel devices (`dataplane/tunif.rs`) talk to the kernel through: one
//! request, its answer or the kernel's error. It owns the framing
//! (`netlink-packet-core`) and nothing of what is asked.

use netlink_packet_core::{NLM_F_ACK, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::link::{LinkFlags, LinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use std::io;

/// The serialized netlink request.
pub fn encode(msg: RouteNetlinkMessage, flags: u16, seq: u32) -> Vec<u8> {
    let mut h = NetlinkHeader::default();
    h.flags = flags;
    h.sequence_number = seq;
    let mut nl = NetlinkMessage::new(h, NetlinkPayload::InnerMessage(msg));
    nl.finalize();
    let mut buf = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut buf);
    buf
}

/// A request/answer rtnetlink socket.
pub struct Netlink {
    sock: Socket,
    seq: u32,
}

impl Netlink {
    pub fn open() -> io::Result<Netlink> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        Ok(Netlink { sock, seq: 1 })
    }

    /// Send a request; the messages of the answer (a dump's), or the kernel's error.
    pub fn request(&mut self, msg: RouteNetlinkMessage, flags: u16) -> io::Result<Vec<RouteNetlinkMessage>> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.sock.send(&encode(msg, flags | NLM_F_REQUEST | NLM_F_ACK, seq), 0)?;
        let mut got = Vec::new();
        loop {
            let (buf, _) = self.sock.recv_from_full()?;
            let mut off = 0;
            while off < buf.len() {
                let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&buf[off..])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                let len = m.header.length as usize;
                if len == 0 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "netlink message of length 0"));
                }
                off += len;
                if m.header.sequence_number != seq {
                    continue;
                }
                match m.payload {
                    NetlinkPayload::Error(e) => {
                        return match e.code {
                            Some(c) => Err(io::Error::from_raw_os_error(-c.get())),
                            None => Ok(got),
                        };
                    }
                    NetlinkPayload::Done(_) => return Ok(got),
                    NetlinkPayload::InnerMessage(i) => got.push(i),
                    _ => {}
                }
            }
        }
    }

    /// Set the device of `index` administratively up.
    pub fn set_up(&mut self, index: u32) -> io::Result<()> {
        let mut l = LinkMessage::default();
        l.header.index = index;
        l.header.flags = LinkFlags::Up;
        l.header.change_mask = LinkFlags::Up;
        self.request(RouteNetlinkMessage::SetLink(l), 0).map(|_| ())
    }
}
