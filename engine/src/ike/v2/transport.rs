//! IKEv2 message transport: owns sealing requests and responses (SK, or SKF
//! fragments over the fragment size, RFC 7383 2.5), the window of size 1
//! (send a request, store a response, send the next queued request) and
//! opening protected messages from the peer.

use super::*;

/// IPv4 and UDP headers, counted in the fragment size.
const IP_UDP: usize = 28;

/// Whether a message is a fragment other than the first (RFC 7383), so a
/// fragmented request is counted once.
pub(crate) fn later_fragment(msg: &[u8]) -> bool {
    msg.get(16) == Some(&wire::payload::SKF) && msg.get(32..34).is_some_and(|n| n != [0, 1])
}

impl Core {
    /// The event of a message sent or received on SA `i` (its addresses and SPIs now).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn msg_event(
        &self,
        i: usize,
        exchange: u8,
        msgid: u32,
        response: bool,
        sent: bool,
        payloads: Vec<u8>,
        notifies: Vec<u16>,
        retransmit: bool,
    ) -> Event {
        let s = &self.sas[i];
        Event::V2Message {
            conn: s.conn,
            peer: s.remote,
            local: s.local,
            spis: (s.spi_i, s.spi_r),
            exchange,
            msgid,
            response,
            sent,
            payloads,
            notifies,
            retransmit,
        }
    }

    pub(crate) fn send_raw(&mut self, src: SocketAddrV4, dst: SocketAddrV4, d: Vec<u8>) {
        let data = if src.port() == NATT_PORT {
            let mut v = Vec::with_capacity(d.len() + 4);
            v.extend_from_slice(&[0, 0, 0, 0]);
            v.extend_from_slice(&d);
            v
        } else {
            d
        };
        self.stats.tx_packets += 1;
        // The header's flags octet (after a non-ESP marker): a request has no Response bit.
        let at = if src.port() == NATT_PORT { 4 } else { 0 };
        self.stats.tx_requests +=
            (data.get(at + 19).is_some_and(|f| f & flags::RESPONSE == 0) && !later_fragment(&data[at..])) as u64;
        self.out.push_back(Transmit { src, dst, data });
    }

    fn header(&self, i: usize, exch: u8, msgid: u32, response: bool) -> Header {
        let sa = &self.sas[i];
        let mut f = if sa.role == Role::Initiator { flags::INITIATOR } else { 0 };
        if response {
            f |= flags::RESPONSE;
        }
        Header {
            spi_i: sa.spi_i,
            spi_r: sa.spi_r,
            next: 0,
            major: 2,
            minor: 0,
            exchange: exch,
            flags: f,
            msgid,
            length: 0,
        }
    }

    /// Protect `inner` in an SK payload, or in SKF payloads when fragmentation
    /// was negotiated and the datagram would exceed the fragment size (RFC 7383 2.5).
    pub(crate) fn seal(
        &mut self,
        i: usize,
        exch: u8,
        msgid: u32,
        response: bool,
        inner: &wire::Builder,
    ) -> Vec<Vec<u8>> {
        let hdr = self.header(i, exch, msgid, response);
        let mut rng = StdRng::seed_from_u64(self.rng.next_u64());
        let size = self.fragment_size;
        let sa = &self.sas[i];
        let ip = IP_UDP + if sa.local.port() == NATT_PORT { 4 } else { 0 };
        let frag = sa.frag;
        let Some(k) = sa.out_keys() else { return Vec::new() };
        let whole = ip + wire::HEADER_LEN + keys::sk_overhead(&k) + inner.chain().len();
        if !frag || whole <= size {
            return vec![keys::seal(hdr, inner, k, &mut rng)];
        }
        // Fragment Number and Total Fragments add 4 octets to each.
        let chunk = size.saturating_sub(ip + wire::HEADER_LEN + keys::sk_overhead(&k) + 4).max(64);
        let frames = keys::seal_fragments(hdr, inner, chunk, k, &mut rng);
        self.stats.tx_fragments += frames.len() as u64;
        frames
    }

    pub(crate) fn send_all(&mut self, src: SocketAddrV4, dst: SocketAddrV4, frames: Vec<Vec<u8>>) {
        for d in frames {
            self.send_raw(src, dst, d);
        }
    }

    /// Send a protected request (now, or when the window opens).
    pub(crate) fn send_request(&mut self, i: usize, exch: u8, inner: wire::Builder, what: What) {
        let msgid = self.sas[i].next_msgid;
        self.sas[i].next_msgid = msgid.wrapping_add(1);
        let data = self.seal(i, exch, msgid, false, &inner);
        let now = self.now;
        let sa = &mut self.sas[i];
        sa.pending =
            Some(Pending { msgid, exchange: exch, data: data.clone(), tries: 0, timer: now + RETRANSMIT_BASE, what });
        let (src, dst) = (sa.local, sa.remote);
        let ev = self.msg_event(i, exch, msgid, false, true, inner.kinds(), inner.notify_types(), false);
        self.emit(ev);
        self.send_all(src, dst, data);
    }

    /// Send a protected response to the request `request` (kept for duplicates).
    pub(crate) fn send_response(&mut self, i: usize, exch: u8, msgid: u32, inner: wire::Builder, request: &[u8]) {
        let data = self.seal(i, exch, msgid, true, &inner);
        let sa = &mut self.sas[i];
        sa.last_resp = Some(LastResponse { msgid, request: request.to_vec(), response: data.clone(), replays: 0 });
        sa.peer_msgid = msgid.wrapping_add(1);
        let (src, dst) = (sa.local, sa.remote);
        let ev = self.msg_event(i, exch, msgid, true, true, inner.kinds(), inner.notify_types(), false);
        self.emit(ev);
        self.send_all(src, dst, data);
    }

    /// Send the next queued request if the window is free.
    pub(crate) fn kick(&mut self, i: usize) {
        if i >= self.sas.len() || self.sas[i].pending.is_some() || !self.sas[i].is_established() {
            return;
        }
        while let Some(r) = self.sas[i].queue.pop_front() {
            let sent = match r {
                Req::Child { tunnel, child, rekey_of } => self.send_create_child(i, &tunnel, child, rekey_of),
                Req::RekeyIke => self.send_rekey_ike(i),
                Req::Dpd => {
                    self.send_request(i, exchange::INFORMATIONAL, wire::Builder::new(), What::Dpd);
                    let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
                    let seq = self.sas[i].pending.as_ref().map(|p| p.msgid).unwrap_or(0);
                    self.emit(Event::Dpd { conn, peer, v2: true, step: crate::ike::events::DpdStep::Asked, seq });
                    true
                }
                Req::DeleteChildren(ids) => self.send_delete_children(i, &ids),
                Req::DeleteExpired(spis) => {
                    let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
                    let spis: Vec<Vec<u8>> = spis.iter().map(|s| s.to_be_bytes().to_vec()).collect();
                    self.emit(Event::DeleteSent { conn, peer, protocol: wire::proto::ESP, spis: spis.clone() });
                    let b = wire::Builder::new()
                        .add(&wire::Repr::Delete(wire::DeleteRepr { protocol: wire::proto::ESP, spis }));
                    self.send_request(i, exchange::INFORMATIONAL, b, What::DeleteChildren);
                    true
                }
            };
            if sent {
                break;
            }
        }
    }

    /// Open a protected message from the peer: the inner payloads, or None (logged).
    pub(crate) fn open(&mut self, i: usize, hdr: &Header, data: &[u8]) -> Option<Msg> {
        let r = if hdr.next == wire::payload::SKF {
            // A fragmented message: checked fragment by fragment, then reassembled.
            match self.sas[i].reassembled.take() {
                Some((m, resp, first, chain)) if m == hdr.msgid && resp == hdr.is_response() => Ok((first, chain)),
                _ => return None,
            }
        } else {
            match self.sas[i].in_keys() {
                Some(k) => keys::open(data, k),
                None => return None,
            }
        };
        let sa = &self.sas[i];
        let (conn, peer, remote) = (sa.conn, *sa.remote.ip(), sa.remote);
        match r {
            Ok((first, chain)) => match Msg::parse(first, &chain) {
                Ok(m) => Some(m),
                Err(error) => {
                    self.stats.rx_malformed += 1;
                    let answered = if hdr.is_response() { None } else { error.notify() };
                    self.emit(Event::V2Malformed { peer: remote, error, answered });
                    None
                }
            },
            Err(_) => {
                self.stats.rx_integrity += 1;
                self.emit(Event::V2Integrity { conn, peer, exchange: hdr.exchange, msgid: hdr.msgid });
                None
            }
        }
    }
}
