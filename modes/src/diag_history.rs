//! The typed engine events of each peer, kept per peer and bounded: what
//! `show crypto diagnose` / `show tunnel ipsec name T diagnose` read
//! (`diagnose.rs`). Fed by `Router::engine_drain`; knows nothing of the
//! router or the dialects.

use edgesh_engine::ike::Event;
use std::collections::VecDeque;
use std::net::Ipv4Addr;

/// Events kept per peer (the oldest go first).
pub const EVENTS_PER_PEER: usize = 96;
/// Peers kept (the one heard of least recently goes first).
pub const PEERS: usize = 256;
/// DPD steps kept per peer, apart from the other events (a tunnel that is
/// up exchanges one every 10 s; they must not push a failure out).
pub const DPD_STEPS_PER_PEER: usize = 32;

/// One peer's record.
#[derive(Default, Debug, Clone)]
pub struct PeerRecord {
    /// (time in ms, event), oldest first; messages sent and received are counted, not kept.
    pub events: VecDeque<(u64, Event)>,
    pub sent: u64,
    pub received: u64,
    pub retransmits: u64,
    pub last_received: Option<u64>,
    /// IKEv2 messages received (a peer speaking IKEv2 to an IKEv1 tunnel).
    pub v2_received: u64,
    /// (time in ms, `Event::Dpd` or `Event::DpdDead`), oldest first.
    pub dpd: VecDeque<(u64, Event)>,
}

/// The events of every peer, bounded.
#[derive(Default, Debug, Clone)]
pub struct History {
    peers: indexmap::IndexMap<Ipv4Addr, PeerRecord>,
}

impl History {
    /// Keep what `e` says about its peer.
    pub fn record(&mut self, now_ms: u64, e: &Event) {
        let Some(peer) = e.peer() else { return };
        // A session's end only sums up the Phase1Down before it.
        if matches!(
            e,
            Event::EspDropped { .. } | Event::Malformed { .. } | Event::V2Malformed { .. } | Event::SessionEnd { .. }
        ) {
            return;
        }
        let mut rec = self.peers.shift_remove(&peer).unwrap_or_default();
        match e {
            // A retransmission: IKEv1 reports it only as `Retransmit`; IKEv2
            // as `Retransmit` and the message sent again.
            Event::Sent { .. } | Event::V2Message { sent: true, .. } => rec.sent += 1,
            Event::Retransmit { conn, .. } => {
                rec.retransmits += 1;
                if *conn < edgesh_engine::ike::v2::CONN_BASE {
                    rec.sent += 1;
                }
            }
            Event::Received { .. } | Event::V2Message { sent: false, .. } => {
                rec.received += 1;
                rec.last_received = Some(now_ms);
                if matches!(e, Event::V2Message { .. }) {
                    rec.v2_received += 1;
                }
            }
            Event::Dpd { .. } => {
                rec.dpd.push_back((now_ms, e.clone()));
                while rec.dpd.len() > DPD_STEPS_PER_PEER {
                    rec.dpd.pop_front();
                }
            }
            _ => {
                if matches!(e, Event::DpdDead { .. }) {
                    rec.dpd.push_back((now_ms, e.clone()));
                    while rec.dpd.len() > DPD_STEPS_PER_PEER {
                        rec.dpd.pop_front();
                    }
                }
                rec.events.push_back((now_ms, e.clone()));
                while rec.events.len() > EVENTS_PER_PEER {
                    rec.events.pop_front();
                }
            }
        }
        self.peers.insert(peer, rec);
        while self.peers.len() > PEERS {
            self.peers.shift_remove_index(0);
        }
    }

    /// How many peers are kept.
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    pub fn peer(&self, peer: Ipv4Addr) -> Option<&PeerRecord> {
        self.peers.get(&peer)
    }
}
