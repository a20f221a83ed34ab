//! The inbound anti-replay window of an IPsec SA (RFC 4303 3.4.3, ESP and
//! AH alike): which sequence numbers may still be accepted, of any
//! configured size from 1 to [`MAX_WINDOW`] packets (SmartEdge
//! `anti-replay-window <0-1024>`, IOS `... replay window-size {64 | 128 |
//! 256 | 512 | 1024}`), or none at all (size 0: anti-replay disabled).
//!
//! The window is the bitmap of RFC 4303 Appendix A2 kept as a ring of
//! 64-bit blocks (the layout of RFC 6479): the bit of sequence number `s`
//! is bit `s % 64` of block `(s / 64) % blocks`, and the ring has one block
//! more than the window needs, so that sliding it right only clears the
//! blocks the new top enters (no bit shifting, at most `blocks` words
//! cleared on a jump). The blocks live inline (no allocation, per packet
//! or per SA): the dataplane checks every inbound packet here.
//!
//! Sequence numbers are kept as 64 bits: an SA without Extended Sequence
//! Numbers uses the low 32 only (its high half stays 0), one with ESN
//! (RFC 4303 2.2.1) gets the whole number of a packet, whose header carries
//! only the low half, from [`ReplayWindow::infer`] (RFC 4303 Appendix A2.2:
//! the high half is that of the window's top, or the one after it, or the
//! one before it, by where the low half falls against the window).

/// Why a sequence number is refused (the ESP and AH transforms turn it into
/// their own error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Sequence number 0, or seen before inside the window.
    Replay,
    /// Left of the window (too late to tell whether it was seen).
    Late,
}

/// The largest window (packets): what both dialects allow.
pub const MAX_WINDOW: u32 = 1024;
/// The default window (RFC 4303 3.4.3 asks for at least 32; IOS and SmartEdge use 64).
pub const DEFAULT_WINDOW: u32 = 64;

/// Blocks of the largest ring: a window of [`MAX_WINDOW`] spans up to
/// `MAX_WINDOW / 64 + 1` blocks, rounded up to a power of two (the block
/// index is then a mask).
const MAX_BLOCKS: usize = ((MAX_WINDOW / 64 + 1) as usize).next_power_of_two();

/// The sliding window of an inbound SA, or none: a receiver that does not
/// enable anti-replay checks no sequence number (RFC 4303 3.4.3; manual
/// SAs on IOS, whose peer restarts its counter at 1 whenever it restarts:
/// RFC 4303 3.3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Highest sequence number accepted (0: none yet). A disabled window
    /// keeps it too (ESN needs it to infer the high half).
    top: u64,
    /// Window size in packets (0: anti-replay off).
    size: u32,
    /// Blocks of the ring in use, less one (a power of two less one).
    mask: u32,
    /// The ring: bit `s % 64` of block `(s / 64) & mask` is set when `s`
    /// (within the window) was accepted.
    bits: [u64; MAX_BLOCKS],
}

impl Default for ReplayWindow {
    /// The default 64-packet window.
    fn default() -> ReplayWindow {
        ReplayWindow::new(DEFAULT_WINDOW)
    }
}

impl ReplayWindow {
    /// A window of `size` packets (0: disabled; above [`MAX_WINDOW`]: the maximum).
    pub fn new(size: u32) -> ReplayWindow {
        let size = size.min(MAX_WINDOW);
        // A window of w packets touches at most ceil((w - 1) / 64) + 1 blocks.
        let blocks = (size.div_ceil(64) + 1).next_power_of_two();
        ReplayWindow { top: 0, size, mask: blocks - 1, bits: [0; MAX_BLOCKS] }
    }

    /// A window that checks nothing (anti-replay disabled).
    pub fn disabled() -> ReplayWindow {
        ReplayWindow::new(0)
    }

    /// Whether sequence numbers are checked.
    pub fn enabled(&self) -> bool {
        self.size != 0
    }

    /// The window size in packets (0: disabled).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The ring block of block number `i` (the second mask lets the
    /// compiler drop the bounds check: `mask` is below `MAX_BLOCKS`).
    #[inline]
    fn block(&self, i: u64) -> usize {
        (i & u64::from(self.mask)) as usize & (MAX_BLOCKS - 1)
    }

    #[inline]
    fn slot(&self, seq: u64) -> (usize, u64) {
        (self.block(seq >> 6), 1u64 << (seq & 63))
    }

    /// The highest sequence number accepted (0: none yet).
    pub fn top(&self) -> u64 {
        self.top
    }

    /// The whole sequence number of an ESN packet whose header carries the
    /// low 32 bits `lo` (RFC 4303 Appendix A2.2), before its ICV is checked
    /// (the ICV covers the high half, so a wrong guess fails it). `W` is the
    /// window size (a disabled window infers as the default one does):
    /// when the window lies within one 2^32 subspace (case A), a `lo` at or
    /// right of the window's bottom is in the top's subspace, one left of it
    /// in the next; when the window spans a boundary (case B), a `lo` at or
    /// right of the bottom (as a 32-bit number) is in the previous subspace,
    /// one left of it in the top's. `None`: before sequence number 1 or past
    /// the last one (the packet is refused as late).
    #[inline]
    pub fn infer(&self, lo: u32) -> Option<u64> {
        let w = if self.size == 0 { DEFAULT_WINDOW } else { self.size };
        let (tl, th) = (self.top as u32, (self.top >> 32) as u32);
        let hi = if tl >= w - 1 {
            if lo >= tl - (w - 1) { th } else { th.checked_add(1)? }
        } else if lo >= tl.wrapping_sub(w - 1) {
            th.checked_sub(1)?
        } else {
            th
        };
        Some(u64::from(hi) << 32 | u64::from(lo))
    }

    /// May a packet with this sequence number be accepted (before its ICV is checked)?
    #[inline]
    pub fn check(&self, seq: u64) -> bool {
        self.verdict(seq).is_ok()
    }

    /// Why a packet with this sequence number may not be accepted: a
    /// duplicate (or 0) is [`Refused::Replay`], one left of the window
    /// [`Refused::Late`].
    #[inline]
    pub fn verdict(&self, seq: u64) -> Result<(), Refused> {
        // Right of the window first: the common case (a disabled window checks nothing).
        if seq > self.top || self.size == 0 {
            return Ok(());
        }
        if seq == 0 {
            return Err(Refused::Replay);
        }
        if self.top - seq >= u64::from(self.size) {
            return Err(Refused::Late);
        }
        let (b, m) = self.slot(seq);
        if self.bits[b] & m == 0 { Ok(()) } else { Err(Refused::Replay) }
    }

    /// Record an accepted sequence number (after its ICV was checked; one
    /// that [`ReplayWindow::verdict`] refuses changes nothing).
    #[inline]
    pub fn accept(&mut self, seq: u64) {
        if seq == 0 {
            return;
        }
        if self.size == 0 {
            self.top = self.top.max(seq);
            return;
        }
        if seq > self.top {
            // Clear the blocks the new top enters (all of them on a jump of a ring or more).
            let (old, new) = (self.top >> 6, seq >> 6);
            if new != old {
                if new - old > u64::from(self.mask) {
                    self.bits = [0; MAX_BLOCKS];
                } else {
                    for i in old + 1..=new {
                        let b = self.block(i);
                        self.bits[b] = 0;
                    }
                }
            }
            self.top = seq;
        } else if self.top - seq >= u64::from(self.size) {
            return;
        }
        let (b, m) = self.slot(seq);
        self.bits[b] |= m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    const SIZES: [u32; 9] = [1, 32, 64, 100, 128, 256, 512, 1000, 1024];

    /// The reference: every accepted number, and the window's definition.
    struct Naive {
        size: u32,
        top: u32,
        seen: HashSet<u32>,
    }

    impl Naive {
        fn verdict(&self, seq: u32) -> Result<(), Refused> {
            if self.size == 0 {
                Ok(())
            } else if seq == 0 || self.seen.contains(&seq) && self.top - seq < self.size {
                Err(Refused::Replay)
            } else if seq <= self.top && self.top - seq >= self.size {
                Err(Refused::Late)
            } else {
                Ok(())
            }
        }
        fn accept(&mut self, seq: u32) {
            if self.verdict(seq).is_ok() && self.size != 0 {
                self.seen.insert(seq);
                self.top = self.top.max(seq);
            }
        }
    }

    #[test]
    fn window_edges_for_each_size() {
        for size in SIZES {
            let mut w = ReplayWindow::new(size);
            assert_eq!(w.size(), size);
            w.accept(5000);
            assert_eq!(w.verdict(5000), Err(Refused::Replay), "{size}: the top again");
            assert!(w.check(5001), "{size}: one ahead");
            if size > 1 {
                assert!(w.check(u64::from(5000 - (size - 1))), "{size}: size-1 behind is in the window");
                w.accept(u64::from(5000 - (size - 1)));
                assert_eq!(w.verdict(u64::from(5000 - (size - 1))), Err(Refused::Replay));
            }
            assert_eq!(w.verdict(u64::from(5000 - size)), Err(Refused::Late), "{size}: exactly size behind");
            // Far ahead: the whole window moves; the old top is late unless within it.
            w.accept(u64::from(5000 + 10 * size + 3000));
            assert_eq!(w.verdict(5000), Err(Refused::Late), "{size}: after a far jump");
            let top = 5000 + 10 * size + 3000;
            assert!((1..size).all(|b| w.check(u64::from(top - b))), "{size}: a fresh window after the jump");
            assert_eq!(w.verdict(u64::from(top - size)), Err(Refused::Late));
        }
    }

    #[test]
    fn every_number_in_the_window_is_accepted_once_in_any_order() {
        for size in SIZES {
            let mut w = ReplayWindow::new(size);
            let top = 3 * size + 777;
            w.accept(u64::from(top));
            // Descending, then each again.
            for s in (top - size + 1..top).rev() {
                assert!(w.check(u64::from(s)), "{size}: {s} first time");
                w.accept(u64::from(s));
            }
            for s in top - size + 1..=top {
                assert_eq!(w.verdict(u64::from(s)), Err(Refused::Replay), "{size}: {s} a duplicate");
            }
            // Sliding by one forgets exactly the leftmost.
            w.accept(u64::from(top + 1));
            assert_eq!(w.verdict(u64::from(top + 1 - size)), Err(Refused::Late));
            assert_eq!(w.verdict(u64::from(top + 2 - size)), Err(Refused::Replay));
        }
    }

    #[test]
    fn zero_the_end_of_the_space_and_the_maximum() {
        let mut w = ReplayWindow::default();
        assert_eq!(w.size(), 64);
        assert_eq!(w.verdict(0), Err(Refused::Replay), "sequence number 0 is never sent");
        w.accept(u64::from(u32::MAX));
        assert!(!w.check(u64::from(u32::MAX)) && w.check(u64::from(u32::MAX - 1)));
        assert_eq!(ReplayWindow::new(5000).size(), MAX_WINDOW, "clamped");
        let mut off = ReplayWindow::disabled();
        assert!(!off.enabled());
        off.accept(7);
        assert!(off.check(7) && off.check(0), "no check at all");
    }

    #[test]
    fn a_late_packet_does_not_disturb_the_ring() {
        // 64 packets: a ring of 128 bits. 822 is late and shares its bit with 950, in the window.
        let mut w = ReplayWindow::new(64);
        assert_eq!((w.mask + 1) * 64, 128);
        w.accept(1000);
        assert_eq!(w.verdict(822), Err(Refused::Late));
        w.accept(822);
        assert!(w.check(950), "950 was never accepted");
        assert!((937..1000).all(|s| w.check(s)));
    }

    #[test]
    fn entering_a_block_forgets_what_it_held_a_ring_ago() {
        // 64 packets: a ring of two blocks; block 2 reuses block 0's bits.
        let mut w = ReplayWindow::new(64);
        (1..=64).for_each(|s| w.accept(s));
        w.accept(130);
        assert_eq!(w.verdict(129), Ok(()), "1 was block 0's, 129 is new");
        assert_eq!(w.verdict(66), Err(Refused::Late));
        assert_eq!(w.verdict(67), Ok(()));
    }

    /// RFC 4303 Appendix A2.2 across the 2^32 boundary, cases A and B, each side.
    #[test]
    fn esn_high_half_is_inferred_across_the_boundary() {
        const B: u64 = 1 << 32;
        let mut w = ReplayWindow::new(64);
        // Fresh: the first subspace; a low half "left of 1" would be before the SA began.
        assert_eq!(w.infer(1), Some(1));
        assert_eq!(w.infer(u32::MAX), None, "before sequence number 1");
        // Case A, the top at 2^32 - 10: in and right of the window stay in subspace 0 ...
        w.accept(B - 10);
        assert_eq!(w.infer(u32::MAX - 9), Some(B - 10));
        assert_eq!(w.infer(u32::MAX - 72), Some(B - 73), "the window's bottom");
        assert_eq!(w.infer(u32::MAX), Some(B - 1));
        // ... a low half left of the window has wrapped: subspace 1.
        assert_eq!(w.infer(0), Some(B), "sequence number 2^32, low half 0");
        assert_eq!(w.infer(5), Some(B + 5));
        assert_eq!(w.infer(u32::MAX - 74), Some(2 * B - 75), "far left: taken as wrapped (its ICV decides)");
        // The window crosses: the top is 2^32 + 3 (case B).
        w.accept(B + 3);
        assert_eq!(w.infer(3), Some(B + 3));
        assert_eq!(w.infer(10), Some(B + 10), "ahead, in the top's subspace");
        assert_eq!(w.infer(u32::MAX), Some(B - 1), "late, in the window, from the previous subspace");
        assert_eq!(w.infer(u32::MAX - 59), Some(B - 60), "the window's bottom (top - 63)");
        assert_eq!(w.infer(u32::MAX - 60), Some(2 * B - 61), "left of the bottom: the top's subspace");
        // What it infers the window then judges: a duplicate across the boundary, and a late one.
        w.accept(B - 1);
        assert_eq!(w.verdict(w.infer(u32::MAX).unwrap()), Err(Refused::Replay));
        assert_eq!(w.verdict(w.infer(u32::MAX - 1).unwrap()), Ok(()));
        assert_eq!(w.verdict(B - 61), Err(Refused::Late));
        // Ascending through the boundary packet by packet, each low half as sent.
        let mut w = ReplayWindow::new(128);
        for s in B - 300..B + 300 {
            let got = w.infer(s as u32).unwrap();
            assert_eq!(got, s, "in order");
            assert_eq!(w.verdict(got), Ok(()));
            w.accept(got);
        }
        // Lost packets: a gap of 2^31 - 1 is still inferred right, a wrapped one too.
        let top = w.top();
        assert_eq!(w.infer((top + (1 << 31)) as u32), Some(top + (1 << 31)));
        // The last subspace: nothing past 2^64 - 1.
        let mut w = ReplayWindow::new(64);
        w.accept(u64::MAX - 5);
        assert_eq!(w.infer(u32::MAX), Some(u64::MAX));
        assert_eq!(w.infer(0), None, "would wrap the 64-bit counter");
        // A disabled window infers as the default one does.
        let mut off = ReplayWindow::disabled();
        off.accept(B - 1);
        assert_eq!(off.infer(2), Some(B + 2));
        assert!(off.check(u64::from(1u32)), "and still checks nothing");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        /// Against the naive model over random sequences (in order, reordered, jumps, duplicates).
        #[test]
        fn matches_a_set_of_every_accepted_number(
            size in prop_oneof![Just(0u32), Just(1), Just(64), Just(128), Just(256), Just(512), Just(1024), 1u32..=1024],
            start in prop_oneof![Just(1u32), 1u32..100_000, Just(u32::MAX - 5000)],
            steps in proptest::collection::vec((0u8..10, 0u32..3000), 1..400),
        ) {
            let mut w = ReplayWindow::new(size);
            let mut n = Naive { size, top: 0, seen: HashSet::new() };
            let mut cur = start;
            for (kind, d) in steps {
                // Mostly near the top (reordering and duplicates), sometimes far ahead or behind.
                let seq = match kind {
                    0..=2 => cur.saturating_add(d % 4),
                    3 => cur.saturating_add(d % 200),
                    4..=6 => cur.saturating_sub(d % (size.max(1) + 70)),
                    7 => cur.saturating_add(d * 5),
                    8 => n.top,
                    _ => cur.saturating_sub(d),
                };
                cur = cur.max(seq);
                prop_assert_eq!(w.verdict(u64::from(seq)), n.verdict(seq), "seq {}", seq);
                if w.check(u64::from(seq)) {
                    w.accept(u64::from(seq));
                    n.accept(seq);
                } else if kind == 9 {
                    // accept() on a refused number is harmless.
                    w.accept(u64::from(seq));
                }
                if size != 0 {
                    prop_assert_eq!(w.top, u64::from(n.top));
                }
            }
        }
    }
}
