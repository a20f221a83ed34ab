//! Manual-key SAs (issue 19), the engine half: a [`ManualSa`] of the
//! configuration becomes a [`ChildSa`] in the endpoint's one list of child
//! SAs, so the dataplane installs it through the same SA feed as a
//! negotiated pair, counts its traffic and the shows list it. A manual
//! child belongs to no IKE SA (`ike` is [`MANUAL_CONN`]), has no lifetime
//! (no timer: it stays until the configuration changes) and is made again
//! at once when cleared (SmartEdge section 11: "new manual SAs are created
//! immediately").
//!
//! Carrying: no NAT-T without IKE, so ESP goes on IP protocol 50 and AH
//! (alone, or over ESP) on 51, as IOS carries manual SAs.

use super::Millis;
use super::conf::Selector;
use super::sa::{AhPart, ChildSa, SaKeys};
use super::types::Role;
use crate::manual_conf::{ManualSa, Sel};
use std::net::SocketAddrV4;

/// The `ike` (connection id) of a manual child: no IKE SA has it.
pub const MANUAL_CONN: u32 = 0;

/// A manual child SA (not an IKE one).
pub fn is_manual(conn: u32) -> bool {
    conn == MANUAL_CONN
}

fn selector(s: Sel) -> Selector {
    Selector { net: s.0, proto: s.1, port: s.2 }
}

/// The child SA pair of `m`, numbered `id`, made at `now`.
pub fn child_sa(m: &ManualSa, id: u32, now: Millis) -> ChildSa {
    let (keys_in, keys_out, ah_part) = match (m.esp, m.ah) {
        (Some(_), None) => (
            SaKeys { encr: m.inbound.enc_key.clone(), auth: m.inbound.auth_key.clone() },
            SaKeys { encr: m.outbound.enc_key.clone(), auth: m.outbound.auth_key.clone() },
            None,
        ),
        (None, _) => (
            SaKeys { encr: Vec::new(), auth: m.inbound.ah_key.clone() },
            SaKeys { encr: Vec::new(), auth: m.outbound.ah_key.clone() },
            None,
        ),
        (Some(_), Some(_)) => (
            SaKeys { encr: m.inbound.enc_key.clone(), auth: m.inbound.auth_key.clone() },
            SaKeys { encr: m.outbound.enc_key.clone(), auth: m.outbound.auth_key.clone() },
            Some(AhPart {
                spi_out: m.outbound.ah_spi.unwrap_or(0),
                key_in: m.inbound.ah_key.clone(),
                key_out: m.outbound.ah_key.clone(),
            }),
        ),
    };
    ChildSa {
        id,
        ike: MANUAL_CONN,
        tunnel: m.tunnel.clone(),
        policy: m.sa.clone(),
        child: m.child,
        local: SocketAddrV4::new(m.local, 0),
        remote: SocketAddrV4::new(m.remote, 0),
        encap: false,
        transport: false,
        local_ts: selector(m.local_ts),
        remote_ts: selector(m.remote_ts),
        spi_in: m.spi_in(),
        spi_out: m.spi_out(),
        proposal: m.sa.clone(),
        esp: m.esp,
        ah: m.ah,
        ah_part,
        pfs: None,
        lifetime_seconds: 0,
        lifetime_kbytes: None,
        created: now,
        role: Role::Responder,
        keys_in,
        keys_out,
        bytes_in: 0,
        bytes_out: 0,
        packets_in: 0,
        packets_out: 0,
        replay_window: m.replay_window,
        esn: false,
        rekeyed: false,
    }
}

/// `c` is the child of `m` (same ends, selectors, algorithms, SPIs and keys).
pub fn is_child_of(c: &ChildSa, m: &ManualSa) -> bool {
    is_manual(c.ike) && {
        let n = child_sa(m, c.id, c.created);
        c.tunnel == n.tunnel
            && c.policy == n.policy
            && c.child == n.child
            && c.local == n.local
            && c.remote == n.remote
            && c.local_ts == n.local_ts
            && c.remote_ts == n.remote_ts
            && c.spi_in == n.spi_in
            && c.spi_out == n.spi_out
            && c.esp == n.esp
            && c.ah == n.ah
            && c.ah_part == n.ah_part
            && c.keys_in == n.keys_in
            && c.keys_out == n.keys_out
            && c.replay_window == n.replay_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EspAuth, EspEncr, Prefix4};
    use crate::esp::{EspSa, NEXT_HEADER_IPV4};
    use crate::ike::{Endpoint, EngineConf};
    use crate::manual_conf::ManualDir;
    use std::net::Ipv4Addr;

    fn dir(spi: u32, k: u8) -> ManualDir {
        ManualDir { esp_spi: Some(spi), enc_key: vec![k; 16], auth_key: vec![k + 1; 20], ..Default::default() }
    }

    /// Router A's SA; B's is the mirror (its inbound is A's outbound).
    fn manual(mirror: bool) -> ManualSa {
        let (a, b) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2));
        let (ta, tb) = (
            (Prefix4 { addr: Ipv4Addr::new(10, 1, 0, 0), len: 16 }, 0, 0),
            (Prefix4 { addr: Ipv4Addr::new(10, 2, 0, 0), len: 16 }, 0, 0),
        );
        let (i, o) = (dir(0x300, 1), dir(0x301, 7));
        let (local, remote, local_ts, remote_ts, inbound, outbound) =
            if mirror { (b, a, tb, ta, o, i) } else { (a, b, ta, tb, i, o) };
        ManualSa {
            tunnel: "T".into(),
            sa: "S".into(),
            child: 0,
            local,
            remote,
            local_ts,
            remote_ts,
            esp: Some((EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96))),
            ah: None,
            inbound,
            outbound,
            replay_window: 64,
        }
    }

    #[test]
    fn configured_pairs_are_children_without_ike_that_a_clear_makes_again_and_a_removal_ends() {
        let mut e = Endpoint::new(1);
        e.set_config(1000, EngineConf { manual: vec![manual(false)], ..Default::default() });
        let c = &e.child_sas()[0];
        assert_eq!((e.child_sas().len(), c.ike, c.spi_in, c.spi_out, c.encap), (1, MANUAL_CONN, 0x300, 0x301, false));
        assert!(e.local_addrs().is_empty(), "no IKE socket for a manual SA");
        assert_eq!(e.poll_timeout(), None, "a manual SA has no lifetime");
        e.check_index();
        e.account(2000, 0x300, true, 100);
        assert_eq!(e.child_sas()[0].packets_in, 1);
        // The same configuration again changes nothing (the counters stay).
        e.set_config(3000, EngineConf { manual: vec![manual(false)], ..Default::default() });
        assert_eq!(e.child_sas()[0].packets_in, 1);
        assert_eq!(e.clear_ipsec(4000, None, None), 1);
        let c = &e.child_sas()[0];
        assert_eq!((e.child_sas().len(), c.packets_in, c.created), (1, 0, 4000), "cleared and made again at once");
        // Other keys: the old pair goes, the new one comes; no configuration: none.
        let mut other = manual(false);
        other.outbound.enc_key = vec![9; 16];
        e.set_config(5000, EngineConf { manual: vec![other], ..Default::default() });
        assert_eq!((e.child_sas().len(), e.child_sas()[0].keys_out.encr[0]), (1, 9));
        e.set_config(6000, EngineConf::default());
        assert!(e.child_sas().is_empty());
        assert!(e.poll_transmit().is_none(), "a manual SA sends no IKE");
    }

    /// IOS `crypto map M 10 ipsec-manual` before `M 20 ipsec-isakmp` whose
    /// ACL covers entry 10's: entry 10's manual SA carries its traffic; with
    /// the manual entry after it (seq 30), entry 20 decides and, having no
    /// SA, carries nothing (its negotiation starts).
    #[test]
    fn manual_entries_take_their_place_in_the_crypto_map_order() {
        let mut broad = crate::ike::endpoint::tests::peer("M-20", [192, 0, 2, 1], [192, 0, 2, 2], "k", 14);
        broad.auto_start = false;
        broad.children[0].local_ts =
            Selector { net: Prefix4 { addr: Ipv4Addr::new(10, 0, 0, 0), len: 8 }, proto: 0, port: 0 };
        broad.children[0].remote_ts = broad.children[0].local_ts;
        let conf = |manual_seq: u32| EngineConf {
            peers: vec![broad.clone()],
            manual: vec![manual(false)],
            map_entries: [
                ("T".to_string(), ("M".to_string(), manual_seq)),
                ("M-20".to_string(), ("M".to_string(), 20)),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        let (src, dst) = (Ipv4Addr::new(10, 1, 0, 5), Ipv4Addr::new(10, 2, 0, 5));
        let mut e = Endpoint::new(1);
        e.set_config(0, conf(10));
        assert_eq!(e.conf().policies().iter().map(|p| p.0).collect::<Vec<_>>(), ["T", "M-20"]);
        assert_eq!(e.child_for(src, dst).map(|c| (c.tunnel.as_str(), c.ike)), Some(("T", MANUAL_CONN)));
        e.set_config(0, conf(30));
        assert_eq!(e.conf().policies().iter().map(|p| p.0).collect::<Vec<_>>(), ["M-20", "T"]);
        assert!(e.child_for(src, dst).is_none(), "entry 20 first, without an SA");
    }

    #[test]
    fn the_mirrored_configurations_of_two_routers_open_each_others_packets() {
        let (a, b) = (child_sa(&manual(false), 1, 0), child_sa(&manual(true), 1, 0));
        assert_eq!((a.spi_out, b.spi_in), (b.spi_in, a.spi_out));
        let mut a_out = EspSa::new(a.spi_out, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &a.keys_out).unwrap();
        let mut b_in = EspSa::new(b.spi_in, EspEncr::Aes128Cbc, Some(EspAuth::HmacSha1_96), &b.keys_in).unwrap();
        let inner = vec![0x45u8; 40];
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
        let sealed = a_out.seal(NEXT_HEADER_IPV4, &inner, &mut rng).unwrap();
        assert_eq!(b_in.open(&sealed).unwrap(), (NEXT_HEADER_IPV4, inner));
    }
}
