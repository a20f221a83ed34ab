//! INFORMATIONAL (RFC 7296 1.4, 2.4): owns deleting child SAs (answered
//! with the SPIs of our side of each pair) and the IKE SA, liveness checks
//! (an empty request, used as DPD: a peer that answers nothing after every
//! retransmission is dead), and notifies received in this exchange.

use super::wire::{Builder, DeleteRepr, Header, Repr, exchange, proto};
use super::{Core, State, What};
use crate::ike::events::{DownReason, DpdStep, Event};
use crate::ike::params::Millis;

impl Core {
    /// Delete child pairs (by child id): our inbound SPIs go to the peer.
    pub(crate) fn send_delete_children(&mut self, i: usize, ids: &[u32]) -> bool {
        let conn = self.sas[i].conn;
        let mut spis = Vec::new();
        let mut gone = Vec::new();
        for id in ids {
            if let Some(ci) = self.children.iter().position(|c| c.id == *id && c.ike == conn) {
                let c = self.children.remove(ci);
                spis.push(c.spi_in.to_be_bytes().to_vec());
                gone.push(c);
            }
        }
        // Children already gone locally (expired) are still announced by their SPI.
        if spis.is_empty() {
            return false;
        }
        let peer = *self.sas[i].remote.ip();
        for c in gone {
            self.emit(Event::ChildDown {
                tunnel: c.tunnel,
                peer,
                spi_in: c.spi_in,
                spi_out: c.spi_out,
                reason: if c.rekeyed { DownReason::Rekeyed } else { DownReason::Cleared },
            });
        }
        self.emit(Event::DeleteSent { conn, peer, protocol: proto::ESP, spis: spis.clone() });
        let b = Builder::new().add(&Repr::Delete(DeleteRepr { protocol: proto::ESP, spis }));
        self.send_request(i, exchange::INFORMATIONAL, b, What::DeleteChildren);
        true
    }

    pub(crate) fn send_delete_ike(&mut self, i: usize) {
        let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
        self.sas[i].state = State::Deleting;
        self.emit(Event::DeleteSent { conn, peer, protocol: proto::IKE, spis: vec![] });
        let b = Builder::new().add(&Repr::Delete(DeleteRepr { protocol: proto::IKE, spis: vec![] }));
        // The window may hold another request: deleting the SA takes over.
        self.sas[i].pending = None;
        self.send_request(i, exchange::INFORMATIONAL, b, What::DeleteIke);
    }

    /// Responder: an INFORMATIONAL request.
    pub(crate) fn info_request(&mut self, _now: Millis, i: usize, hdr: &Header, data: &[u8]) {
        let Some(msg) = self.open(i, hdr, data) else { return };
        let (conn, remote) = (self.sas[i].conn, self.sas[i].remote);
        let peer = *remote.ip();
        let ev = self.msg_event(i, hdr.exchange, hdr.msgid, false, false, msg.kinds(), msg.notify_types(), false);
        self.emit(ev);
        if msg.kinds().is_empty() {
            // An empty INFORMATIONAL request: the peer's liveness check (answered below).
            self.emit(Event::Dpd { conn, peer, v2: true, step: DpdStep::PeerAsked, seq: hdr.msgid });
        }
        for n in msg.notifies() {
            self.emit(Event::V2Notify { conn, peer, kind: n.kind, sent: false });
        }
        let mut ours = Vec::new();
        let mut delete_ike = false;
        for d in msg.deletes() {
            self.emit(Event::DeleteReceived { conn, peer, protocol: d.protocol, spis: d.spis.clone() });
            match d.protocol {
                proto::IKE => delete_ike = true,
                proto::ESP | proto::AH => {
                    for s in &d.spis {
                        let Ok(spi) = <[u8; 4]>::try_from(s.as_slice()).map(u32::from_be_bytes) else { continue };
                        if let Some(ci) = self.children.iter().position(|c| c.ike == conn && c.spi_out == spi) {
                            let c = self.children.remove(ci);
                            ours.push(c.spi_in.to_be_bytes().to_vec());
                            self.emit(Event::ChildDown {
                                tunnel: c.tunnel,
                                peer,
                                spi_in: c.spi_in,
                                spi_out: c.spi_out,
                                reason: DownReason::DeletedByPeer,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        let mut b = Builder::new();
        if !ours.is_empty() && !delete_ike {
            b.push(&Repr::Delete(DeleteRepr { protocol: proto::ESP, spis: ours }));
        }
        self.send_response(i, exchange::INFORMATIONAL, hdr.msgid, b, data);
        if delete_ike {
            // The redundant SA of a simultaneous start (see `resolve_duplicate`),
            // deleted by the peer before this side saw both up: the tunnel
            // stays up on the other SA, so no tunnel-down is reported.
            let (tunnel, me, role) = (self.sas[i].tunnel.clone(), self.sas[i].conn, self.sas[i].role);
            if self.sas.iter().any(|s| {
                s.conn != me
                    && s.role != role
                    && s.tunnel == tunnel
                    && *s.remote.ip() == peer
                    && s.rekey_from.is_none()
                    && matches!(s.state, State::AuthSent | State::Established)
            }) && self.sas[i].rekey_from.is_none()
            {
                self.sas[i].state = State::Deleting;
            }
            self.drop_sa(i, DownReason::DeletedByPeer, true);
        }
    }
}
