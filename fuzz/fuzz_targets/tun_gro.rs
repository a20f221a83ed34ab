//! The GRO that glues opened packets before dp-rx writes them to a TUN
//! device (tun-rs `handle_gro`, as `shell/src/dataplane/rx.rs` calls it
//! through `send_multiple`): a batch of arbitrary IPv4 packets from the
//! hosts behind an authenticated peer, each in a buffer with the headroom
//! and the 64 KB of room dp-rx gives it (`GRO_CAP`). Input: packets as
//! `[len u16 LE][bytes]`; those under 20 bytes are left out, as dp-rx
//! never hands on an inner packet without an IPv4 header.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// `GRO_CAP` of `shell/src/dataplane/rx.rs`.
const GRO_CAP: usize = 65_535 + 2 * tun_rs::VIRTIO_NET_HDR_LEN;

fuzz_target!(|data: &[u8]| {
    let mut bufs: Vec<Vec<u8>> = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && bufs.len() < tun_rs::IDEAL_BATCH_SIZE {
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let p = &rest[2..2 + len.min(rest.len() - 2)];
        rest = &rest[2 + p.len()..];
        if p.len() < 20 {
            continue;
        }
        let mut b = Vec::with_capacity(GRO_CAP);
        b.resize(tun_rs::VIRTIO_NET_HDR_LEN, 0);
        b.extend_from_slice(p);
        bufs.push(b);
    }
    if bufs.is_empty() {
        return;
    }
    let mut writes = Vec::new();
    let r = tun_rs::handle_gro(
        &mut bufs,
        tun_rs::VIRTIO_NET_HDR_LEN,
        &mut Default::default(),
        &mut Default::default(),
        false,
        &mut writes,
    );
    assert!(r.is_ok());
    for &w in &writes {
        assert!(bufs[w].len() <= GRO_CAP);
    }
});
