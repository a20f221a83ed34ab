//! Owns the IKE engine's shared parameters: the time unit, the ports, the
//! retransmission, half-open, DPD, rekey and pacing limits both IKE versions
//! run by, and the [`Transmit`] every core hands out. A leaf: it imports
//! nothing of the engine, so the SA table, the timer table and the exchanges
//! take these from here without going through the endpoint.

use std::net::SocketAddrV4;

pub type Millis = u64;
pub const IKE_PORT: u16 = 500;
pub const NATT_PORT: u16 = 4500;

/// First retransmission after this long, doubling each time.
pub const RETRANSMIT_BASE: Millis = 4_000;
pub const RETRANSMIT_TRIES: u32 = 5;
/// Half-open (not yet authenticated) responder SAs allowed per peer address and overall.
pub const MAX_HALF_OPEN_PER_PEER: usize = 32;
pub const MAX_HALF_OPEN: usize = 8_192;
/// A responder SA that answered a first message and heard nothing back
/// goes after this long (strongSwan's half-open timeout).
pub const HALF_OPEN_TIMEOUT: Millis = 30_000;
pub const DPD_INTERVAL: Millis = 10_000;
pub const DPD_RETRY: Millis = 2_000;
pub const DPD_TRIES: u32 = 5;
/// Rekey a child SA when this share of its lifetime has passed (per mille).
pub const REKEY_AT: u64 = 900;
/// A static tunnel whose negotiation failed is tried again after this long.
pub const RETRY_INTERVAL: Millis = 30_000;
/// IKEv1 tunnels that start at commit (or retry) are started while fewer
/// than this many phase-1 negotiations this side began are unfinished, the
/// rest waiting in order, as IKEv2's `v2::INIT_LIMIT` paces IKE_SA_INITs: a
/// thousand main-mode first messages at once overflow a peer's socket (its
/// drops cost retransmissions and failed tunnels).
pub const V1_INIT_LIMIT: usize = 32;
/// Quick modes (new child SAs and rekeys) are started while fewer than
/// this many this side began are unfinished, the rest waiting in order:
/// ten thousand QM1s at once overflow the IKE sockets of both sides as
/// phase-1 bursts do.
pub const V1_QUICK_LIMIT: usize = 32;
/// While tunnels wait for a slot, they are looked at again at least this often.
pub const START_INTERVAL: Millis = 50;

/// A datagram to send. `data` already carries the non-ESP marker on port 4500.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub data: Vec<u8>,
}
