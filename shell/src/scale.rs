//! A generated configuration of many static tunnels, each with its own IKE
//! policy, IPsec access list and tunnel interface (for benchmarks and the
//! scale tests).

use std::fmt::Write;

/// `n` static tunnels in context `vpn` (at most 65,000), in SmartEdge syntax.
pub fn scale_config(n: usize) -> String {
    let mut s = String::with_capacity(n * 420);
    s.push_str("ike proposal ike-prop\n  encryption algorithm aes-256-cbc\n  dh-group 14\n!\n");
    s.push_str("ipsec proposal ipsec-prop\n  esp encryption aes-256-cbc\n  esp authentication hmac-sha1-96\n!\n");
    s.push_str("ipsec policy ipsec-pol\n  perfect-forward-secrecy dh-group 14\n  seq 10 proposal ipsec-prop\n!\n");
    s.push_str("context vpn\n  interface gw loopback\n    ip address 192.0.2.1/32\n");
    for i in 0..n {
        let (a, b) = ((i >> 8) & 0xff, i & 0xff);
        let _ = write!(
            s,
            "  interface tun-{i} ipsec\n    ip address 10.{a}.{b}.1/30\n  ike policy pol-{i}\n    identity local 192.0.2.1\n    pre-shared-key key-{i}-secret\n    identity remote 198.51.{a}.{b}\n    seq 10 proposal ike-prop\n  ipsec access-list acl-{i}\n    seq 10 10.{a}.{b}.0/24 172.16.0.0/12\n"
        );
    }
    s.push_str("!\n");
    for i in 0..n {
        let (a, b) = ((i >> 8) & 0xff, i & 0xff);
        let _ = write!(
            s,
            "tunnel ipsec t-{i}\n  peer-end-point local 192.0.2.1 remote 198.51.{a}.{b} context vpn\n  bind interface tun-{i} vpn\n  remote-id 198.51.{a}.{b}\n  ike-policy pol-{i}\n  seq 10 ipsec-policy ipsec-pol access-group acl-{i}\n"
        );
    }
    s.push_str("end\n");
    s
}
