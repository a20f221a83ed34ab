//! IKEv1 SAs that failed phase 1 on their first message, kept for a while
//! after the endpoint dropped them: IOS lists such an SA in `show crypto
//! isakmp sa` as `MM_NO_STATE ... ACTIVE (deleted)` until it is purged
//! (seed 002: "A show crypto isakmp sa command shows the ISAKMP SA to be in
//! MM_NO_STATE"). Fed from the drained [`Event::Phase1Failed`] events.

use crate::ike::events::{P1State, Role};
use crate::ike::{Event, Millis};
use std::net::SocketAddrV4;

/// How long a failed SA stays listed (milliseconds).
pub const FAILED_P1_KEPT_MS: Millis = 60_000;
/// At most this many are kept (a flood of bad first messages stays bounded).
pub const FAILED_P1_MAX: usize = 64;

/// A phase-1 SA that failed, as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedP1 {
    pub conn: u32,
    pub local: SocketAddrV4,
    pub remote: SocketAddrV4,
    pub role: Role,
    pub state: P1State,
    pub at: Millis,
}

/// The failed SAs still listed (bounded by [`FAILED_P1_MAX`]); the
/// driver owns one and feeds it the events it drains.
#[derive(Clone, Debug, Default)]
pub struct FailedP1s {
    list: Vec<FailedP1>,
}

impl FailedP1s {
    /// Note the failures among drained events (and forget the old ones).
    pub fn note(&mut self, now: Millis, events: &[Event]) {
        self.list.retain(|f| f.at + FAILED_P1_KEPT_MS > now);
        for e in events {
            if let Event::Phase1Failed { conn, local, remote, role, state, .. } = e {
                self.list.push(FailedP1 {
                    conn: *conn,
                    local: *local,
                    remote: *remote,
                    role: *role,
                    state: *state,
                    at: now,
                });
                if self.list.len() > FAILED_P1_MAX {
                    self.list.remove(0);
                }
            }
        }
    }

    /// The failed phase-1 SAs still listed at `now`, oldest first.
    pub fn listed(&self, now: Millis) -> Vec<&FailedP1> {
        self.list.iter().filter(|f| f.at + FAILED_P1_KEPT_MS > now).collect()
    }

    /// `clear crypto isakmp`: the failed SAs go too.
    pub fn clear(&mut self) {
        self.list.clear();
    }
}
