//! Informational exchanges (RFC 2408 4.8, RFC 3706): sending notifies and
//! deletes (protected once phase 1 has keys), receiving them (DPD
//! R-U-THERE and its ACK, INITIAL-CONTACT, deletes of IKE and IPsec SAs), and
//! removing an IKE SA.

use crate::ike::endpoint::*;
use crate::ike::events::*;
use crate::ike::sa::*;
use crate::ike::v1::*;
use crate::ike::wire::{self, Builder, DeleteRepr, Header, NotifyRepr, exchange, notify, payload, proto};
use rand::RngExt;

impl Endpoint {
    /// Send an informational exchange: protected (HASH) when the SA has keys.
    pub(in crate::ike) fn send_info(&mut self, idx: SaHandle, kind: u8, body: Vec<u8>) {
        let msgid: u32 = self.ctx.rng.random::<u32>() | 1;
        let sa = &self.sas[idx];
        let (dgram, protected) = match (&sa.keys, sa.hash, sa.cipher) {
            (Some(k), Some(h), Some(c)) if !sa.p1_last.is_empty() => {
                let mut rest = Builder::new();
                rest.push(kind, body.clone());
                let rest_chain = rest.chain();
                let hash = h.prf(&k.a, &[&msgid.to_be_bytes(), &rest_chain]);
                let mut b = Builder::new();
                b.push(payload::HASH, hash).push(kind, body);
                let iv = h.hash(&[&sa.p1_last, &msgid.to_be_bytes()])[..c.block_size()].to_vec();
                (Self::frame(sa, exchange::INFORMATIONAL, msgid, payload::HASH, &b.chain(), Some(&iv)).0, true)
            }
            _ => {
                let mut b = Builder::new();
                b.push(kind, body);
                (Self::frame(sa, exchange::INFORMATIONAL, msgid, kind, &b.chain(), None).0, false)
            }
        };
        let (src, dst, conn) = (sa.local, sa.remote, sa.conn);
        let t = sa.tunnel.clone();
        self.tunnel_stats.entry(t).or_default().tx_packets += 1;
        self.ctx.events.push_back(Event::Sent { conn, peer: dst, exchange: exchange::INFORMATIONAL, msgid, payloads: if protected { vec![payload::HASH, kind] } else { vec![kind] }, retransmit: false });
        self.send_raw(src, dst, dgram);
        let _ = protected;
    }

    pub(in crate::ike) fn send_notify(&mut self, idx: SaHandle, kind: u16, protocol: u8, spi: Vec<u8>, data: Vec<u8>) {
        let sa = &self.sas[idx];
        let protected = sa.keys.is_some() && !sa.p1_last.is_empty();
        let (conn, peer) = (sa.conn, *sa.remote.ip());
        let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol, kind, spi, data };
        self.send_info(idx, payload::NOTIFY, n.emit());
        self.stats.notifies_tx += 1;
        self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().notifies_tx += 1;
        self.ctx.events.push_back(Event::NotifySent { conn, peer, kind, protected });
    }

    pub(in crate::ike) fn send_delete_child(&mut self, idx: SaHandle, c: &ChildSa) {
        let protocol = if c.esp.is_some() { proto::ESP } else { proto::AH };
        let d = DeleteRepr { doi: wire::DOI_IPSEC, protocol, spis: vec![c.spi_in.to_be_bytes().to_vec()] };
        let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
        self.send_info(idx, payload::DELETE, d.emit());
        self.stats.deletes_tx += 1;
        self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().deletes_tx += 1;
        self.ctx.events.push_back(Event::DeleteSent { conn, peer, protocol, spis: d.spis });
    }

    pub(in crate::ike) fn informational(&mut self, now: Millis, idx: SaHandle, hdr: &Header, data: &[u8]) {
        let (remote, conn) = (self.sas[idx].remote, self.sas[idx].conn);
        let peer = *remote.ip();
        let protected = hdr.flags & wire::flags::ENCRYPTION != 0;
        let mut plain = Vec::new();
        let msg = if protected {
            let iv = self.qm_iv(idx, hdr.msgid);
            let Some(Protected { msg, hash, rest, prf, ka, .. }) = self.open_protected(idx, hdr, data, iv, &mut plain, false) else { return };
            // HASH(1) = prf(SKEYID_a, M-ID | rest).
            if !self.hash_ok(idx, &prf.prf(&ka, &[&hdr.msgid.to_be_bytes(), &rest]), hash) {
                return;
            }
            msg
        } else {
            let list = match self.open(idx, hdr, data, None, &mut plain) {
                Ok((l, _)) => l,
                Err(e) => {
                    self.stats.rx_malformed += 1;
                    self.ctx.events.push_back(Event::Malformed { peer: remote, error: e, answered: None });
                    return;
                }
            };
            let msg = Msg { list };
            self.ctx.events.push_back(Event::Received { conn, peer: remote, exchange: exchange::INFORMATIONAL, msgid: hdr.msgid, payloads: msg.kinds() });
            if self.sas[idx].is_established() {
                // Unprotected notifies on an established SA are logged, never acted on.
                for n in msg.all(payload::NOTIFY).filter_map(|p| NotifyRepr::parse(p.body).ok()) {
                    self.ctx.events.push_back(Event::NotifyReceived { conn, peer, kind: n.kind, protocol: n.protocol, spi: n.spi, protected: false });
                }
                return;
            }
            msg
        };
        for p in &msg.list {
            match p.kind {
                payload::NOTIFY => {
                    let Ok(n) = NotifyRepr::parse(p.body) else { continue };
                    self.stats.notifies_rx += 1;
                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().notifies_rx += 1;
                    match n.kind {
                        notify::R_U_THERE => {
                            let ack = NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind: notify::R_U_THERE_ACK, spi: n.spi.clone(), data: n.data.clone() };
                            self.send_info(idx, payload::NOTIFY, ack.emit());
                        }
                        notify::R_U_THERE_ACK => {
                            let sa = &mut self.sas[idx];
                            sa.dpd_outstanding = 0;
                            sa.dpd_timer = Some(now + DPD_INTERVAL);
                        }
                        _ => {
                            self.ctx.events.push_back(Event::NotifyReceived { conn, peer, kind: n.kind, protocol: n.protocol, spi: n.spi.clone(), protected });
                            // Before keys exist an error notify ends the negotiation; an unprotected
                            // one after the key exchange could be forged: log it and keep retransmitting.
                            if n.kind < 16384 && !self.sas[idx].is_established() && (protected || self.sas[idx].keys.is_none()) {
                                self.fail_p1(idx, DownReason::PeerNotify(n.kind));
                                return;
                            }
                            if n.kind < 16384 {
                                // A phase-2 error: the quick mode in progress failed.
                                let q: Vec<u32> = self.sas[idx].quick.iter().filter(|q| q.role == Role::Initiator).map(|q| q.msgid).collect();
                                if !q.is_empty() {
                                    self.stats.p2_failed += q.len() as u64;
                                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().p2_failed += q.len() as u64;
                                    self.sas[idx].quick.retain(|q| q.role != Role::Initiator);
                                }
                            }
                        }
                    }
                }
                payload::DELETE => {
                    let Ok(d) = DeleteRepr::parse(p.body) else { continue };
                    self.stats.deletes_rx += 1;
                    self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().deletes_rx += 1;
                    self.ctx.events.push_back(Event::DeleteReceived { conn, peer, protocol: d.protocol, spis: d.spis.clone() });
                    if d.protocol == proto::ISAKMP {
                        if d.spis.iter().any(|s| s.len() == 16 && s[..8] == self.sas[idx].icookie && s[8..] == self.sas[idx].rcookie) {
                            self.remove_sa(now, idx, false, DownReason::DeletedByPeer);
                            return;
                        }
                    } else {
                        for s in d.spis {
                            let Ok(spi) = <[u8; 4]>::try_from(s.as_slice()).map(u32::from_be_bytes) else { continue };
                            if let Some(ci) = self.children.iter().position(|c| c.spi_out == spi && c.remote.ip() == &peer) {
                                let c = self.remove_child(ci);
                                let tunnel = c.tunnel.clone();
                                let child = c.child;
                                self.ctx.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::DeletedByPeer });
                                // A static tunnel is kept up: negotiate the pair again (unless a newer one exists).
                                let replaced = self.children.iter().any(|x| x.tunnel == tunnel && x.child == child);
                                if !replaced && self.pc(&tunnel).is_some_and(|p| p.auto_start && p.may_initiate()) {
                                    self.initiate(now, &tunnel);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// INITIAL-CONTACT: forget every other SA between these two addresses.
    pub(in crate::ike) fn initial_contact(&mut self, now: Millis, idx: SaHandle) {
        let (conn, peer, local) = (self.sas[idx].conn, *self.sas[idx].remote.ip(), *self.sas[idx].local.ip());
        let old: Vec<u32> = self.sas.conns_where(|s| s.conn != conn && s.remote.ip() == &peer && s.local.ip() == &local);
        for c in old {
            if let Some(i) = self.sa_index(c) {
                self.remove_sa(now, i, false, DownReason::InitialContact);
            }
        }
        let gone: Vec<usize> = (0..self.children.len()).rev().filter(|&i| self.children[i].remote.ip() == &peer && self.children[i].local.ip() == &local).collect();
        for i in gone {
            let c = self.remove_child(i);
            self.ctx.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::InitialContact });
        }
    }

    /// Remove an IKE SA, telling the peer when `notify` (and the SA has keys).
    pub(in crate::ike) fn remove_sa(&mut self, _now: Millis, idx: SaHandle, notify_peer: bool, reason: DownReason) {
        if notify_peer && self.sas[idx].is_established() {
            let d = DeleteRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, spis: vec![Self::cookies(&self.sas[idx])] };
            let (conn, peer) = (self.sas[idx].conn, *self.sas[idx].remote.ip());
            self.send_info(idx, payload::DELETE, d.emit());
            self.stats.deletes_tx += 1;
            self.tunnel_stats.entry(self.sas[idx].tunnel.clone()).or_default().deletes_tx += 1;
            self.ctx.events.push_back(Event::DeleteSent { conn, peer, protocol: proto::ISAKMP, spis: d.spis });
        }
        let sa = self.take_sa(idx);
        let established = sa.is_established();
        self.ctx.events.push_back(Event::Phase1Down { conn: sa.conn, peer: *sa.remote.ip(), tunnel: sa.tunnel, reason, established });
    }

    /// DPD (RFC 3706) on an SA whose DPD timer may be due: send the next
    /// R-U-THERE, or declare the peer dead after [`DPD_TRIES`] unanswered ones
    /// (the SA and its children go). False when the SA is gone.
    pub(in crate::ike) fn dpd_timeout(&mut self, now: Millis, h: SaHandle) -> bool {
        let s = &mut self.sas[h];
        if s.dpd_timer.is_some_and(|t| t <= now) {
            if s.dpd_outstanding >= DPD_TRIES {
                let (conn, peer, tunnel) = (s.conn, *s.remote.ip(), s.tunnel.clone());
                self.ctx.events.push_back(Event::DpdDead { conn, peer, tunnel: tunnel.clone() });
                self.take_sa(h);
                self.ctx.events.push_back(Event::Phase1Down { conn, peer, tunnel: tunnel.clone(), reason: DownReason::PeerDead, established: true });
                let gone: Vec<usize> = (0..self.children.len()).rev().filter(|&c| self.children[c].tunnel == tunnel).collect();
                for c in gone {
                    let c = self.remove_child(c);
                    self.ctx.events.push_back(Event::ChildDown { tunnel: c.tunnel, peer, spi_in: c.spi_in, spi_out: c.spi_out, reason: DownReason::PeerDead });
                }
                self.schedule_retry(&tunnel);
                return false;
            }
            s.dpd_seq = s.dpd_seq.wrapping_add(1);
            s.dpd_outstanding += 1;
            s.dpd_timer = Some(now + DPD_RETRY);
            let n = NotifyRepr { doi: wire::DOI_IPSEC, protocol: proto::ISAKMP, kind: notify::R_U_THERE, spi: Self::cookies(s), data: s.dpd_seq.to_be_bytes().to_vec() };
            self.send_info(h, payload::NOTIFY, n.emit());
        }
        true
    }
}
