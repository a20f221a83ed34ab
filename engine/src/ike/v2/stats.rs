//! IKEv2 counters: owns the core's global [`Stats`] and the per-tunnel
//! [`TunnelStats`] (SmartEdge `show tunnel ipsec name T statistics ike`),
//! counted from the typed events as the core emits them, so every exchange
//! module is counted the same way.

use super::*;

/// Counters of one tunnel's IKEv2 SAs (the tunnel of the IKE SA at the time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TunnelStats {
    pub ike_established: u64,
    /// IKE SAs that went before they were established (refused, timed out).
    pub ike_failed: u64,
    pub child_established: u64,
    pub rx_messages: u64,
    pub tx_messages: u64,
    pub retransmits: u64,
    pub notifies_rx: u64,
    pub notifies_tx: u64,
    pub deletes_rx: u64,
    pub deletes_tx: u64,
}

impl Core {
    /// Queue an event, counting it for its tunnel.
    pub(crate) fn emit(&mut self, e: Event) {
        let by_conn = |c: &u32| self.index(*c).map(|i| self.sas[i].tunnel.clone());
        let tunnel = match &e {
            Event::Phase1Up { tunnel, .. } | Event::Phase1Down { tunnel, .. } | Event::ChildUp { tunnel, .. } => {
                Some(tunnel.clone())
            }
            Event::V2Message { conn, .. }
            | Event::Retransmit { conn, .. }
            | Event::V2Notify { conn, .. }
            | Event::DeleteSent { conn, .. }
            | Event::DeleteReceived { conn, .. } => by_conn(conn),
            _ => None,
        };
        if let Some(t) = tunnel {
            let s = self.tunnel_stats.entry(t).or_default();
            match &e {
                Event::Phase1Up { .. } => s.ike_established += 1,
                Event::Phase1Down { established: false, reason, .. } if *reason != DownReason::Cleared => {
                    s.ike_failed += 1
                }
                Event::ChildUp { .. } => s.child_established += 1,
                Event::V2Message { sent: true, .. } => s.tx_messages += 1,
                Event::V2Message { sent: false, .. } => s.rx_messages += 1,
                Event::Retransmit { .. } => s.retransmits += 1,
                Event::V2Notify { sent: true, .. } => s.notifies_tx += 1,
                Event::V2Notify { sent: false, .. } => s.notifies_rx += 1,
                Event::DeleteSent { .. } => s.deletes_tx += 1,
                Event::DeleteReceived { .. } => s.deletes_rx += 1,
                _ => {}
            }
        }
        self.events.push_back(e);
    }
}
