//! IKE fragmentation, receiving side (RFC 7383 2.6): owns the bounded
//! reassembly of SKF fragments, each checked and decrypted on its own.

use super::*;

/// The fragments of one message received so far (RFC 7383 2.6), bounded by
/// [`MAX_FRAGMENTS`] and [`MAX_REASSEMBLY`], dropped after [`REASSEMBLY_TIMEOUT`].
pub(crate) struct Reasm {
    pub msgid: u32,
    pub response: bool,
    pub total: u16,
    pub have: u16,
    pub size: usize,
    pub first: u8,
    pub started: Millis,
    pub parts: Vec<Option<Vec<u8>>>,
}

impl Core {
    /// Take one fragment of a message (RFC 7383 2.6): checked and decrypted on
    /// its own, kept until all are there. True when this one completed the
    /// message (then [`Core::open`] returns it).
    pub(crate) fn fragment(&mut self, i: usize, hdr: &Header, data: &[u8]) -> bool {
        let now = self.now;
        if !self.sas[i].frag {
            self.stats.rx_fragments_dropped += 1;
            return false;
        }
        let r = match self.sas[i].in_keys() {
            Some(k) => keys::open_fragment(data, k),
            None => return false,
        };
        let f = match r {
            Ok(f) => f,
            Err(keys::SkError::Integrity) => {
                self.stats.rx_integrity += 1;
                let (conn, peer) = (self.sas[i].conn, *self.sas[i].remote.ip());
                self.emit(Event::V2Integrity { conn, peer, exchange: hdr.exchange, msgid: hdr.msgid });
                return false;
            }
            Err(_) => {
                self.stats.rx_fragments_dropped += 1;
                return false;
            }
        };
        self.stats.rx_fragments += 1;
        if f.total as usize > MAX_FRAGMENTS {
            self.stats.rx_fragments_dropped += 1;
            return false;
        }
        let response = hdr.is_response();
        let sa = &mut self.sas[i];
        sa.reasm.retain(|r| now < r.started + REASSEMBLY_TIMEOUT);
        let fresh = || Reasm {
            msgid: hdr.msgid,
            response,
            total: f.total,
            have: 0,
            size: 0,
            first: 0,
            started: now,
            parts: vec![None; f.total as usize],
        };
        let slot = match sa.reasm.iter().position(|r| r.response == response) {
            Some(p) if sa.reasm[p].msgid == hdr.msgid && sa.reasm[p].total == f.total => p,
            // Fewer fragments than already seen for this message: an older copy (2.6).
            Some(p) if sa.reasm[p].msgid == hdr.msgid && f.total < sa.reasm[p].total => {
                self.stats.rx_fragments_dropped += 1;
                return false;
            }
            // Another message, or the same one fragmented again into more pieces: start over.
            Some(p) => {
                sa.reasm[p] = fresh();
                p
            }
            None => {
                sa.reasm.push(fresh());
                sa.reasm.len() - 1
            }
        };
        let r = &mut sa.reasm[slot];
        let n = f.number as usize - 1;
        if r.parts[n].is_some() {
            self.stats.rx_fragments_dropped += 1;
            self.stats.rx_duplicates += 1;
            return false;
        }
        if r.size + f.data.len() > MAX_REASSEMBLY {
            sa.reasm.remove(slot);
            self.stats.rx_fragments_dropped += 1;
            return false;
        }
        r.size += f.data.len();
        if f.number == 1 {
            r.first = f.next;
        }
        r.parts[n] = Some(f.data);
        r.have += 1;
        if r.have < r.total {
            return false;
        }
        let r = sa.reasm.remove(slot);
        let chain: Vec<u8> = r.parts.into_iter().flatten().flatten().collect();
        sa.reassembled = Some((hdr.msgid, response, r.first, chain));
        self.stats.rx_reassembled += 1;
        true
    }
}
