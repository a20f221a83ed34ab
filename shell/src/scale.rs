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

/// `n` crypto map entries (at most 65,000), in IOS syntax: one ISAKMP
/// policy and transform set, and per entry a pre-shared key, an extended
/// access list and a crypto map entry (`VPN` sequence 10, 20, ...), all
/// applied to one interface.
pub fn ios_scale_config(n: usize) -> String {
    let mut s = String::with_capacity(n * 260);
    s.push_str("hostname scale\ncrypto isakmp policy 10\n encr aes 256\n hash sha256\n authentication pre-share\n group 14\n!\n");
    s.push_str("crypto ipsec transform-set TS esp-aes 256 esp-sha-hmac\n mode tunnel\n!\n");
    for i in 0..n {
        let (a, b) = ((i >> 8) & 0xff, i & 0xff);
        let _ = writeln!(s, "crypto isakmp key key-{i}-secret address 198.51.{a}.{b}");
    }
    for i in 0..n {
        let (a, b) = ((i >> 8) & 0xff, i & 0xff);
        let _ =
            write!(s, "ip access-list extended acl-{i}\n permit ip 10.{a}.{b}.0 0.0.0.255 172.16.0.0 0.15.255.255\n");
    }
    for i in 0..n {
        let (a, b) = ((i >> 8) & 0xff, i & 0xff);
        let _ = write!(
            s,
            "crypto map VPN {} ipsec-isakmp\n set peer 198.51.{a}.{b}\n set transform-set TS\n match address acl-{i}\n",
            (i + 1) * 10 % 65536
        );
    }
    s.push_str("interface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map VPN\n!\nend\n");
    s
}

#[cfg(test)]
mod tests {
    use edgesh_modes::{Clock, Dialect, Router};
    use std::sync::{Arc, Mutex};

    /// The generated IOS configuration loads whole, and each entry is a tunnel with its own key.
    #[test]
    fn the_ios_scale_configuration_is_a_tunnel_per_entry_with_its_key() {
        let r = Arc::new(Mutex::new(Router::new(
            edgesh_engine::Config::new("scale"),
            Clock::Virtual(0),
            1,
            std::env::temp_dir(),
        )));
        r.lock().unwrap().dialect = Dialect::Ios;
        let rep = crate::load::load_ios(&r, &super::ios_scale_config(300), "t");
        assert_eq!(rep.rejected, 0, "{:?}", rep.messages);
        let r = r.lock().unwrap();
        let peers = &r.ike().conf().peers;
        assert_eq!(peers.len(), 300);
        let model = &r.ios_model;
        let t = &model.tunnels["VPN-2990"];
        assert_eq!(t.remote, Some("198.51.1.42".parse().unwrap()));
        let key = &model.contexts["local"].ike_policies["VPN-2990-ike"].pre_shared_key;
        assert_eq!(
            key,
            &Some(edgesh_engine::config::PreSharedKey::Key(edgesh_engine::config::Key::Ascii("key-298-secret".into())))
        );
    }
}
