//! The compile tests: IOS configurations in, the engine model and notes out.

use super::super::ikev2::TYPE6;
use super::acl::{acl_rule, expand_entry, object_groups};
use super::keys::KeyTable;
use super::*;
use crate::session::{Clock, Dialect, Router, Session, SessionOptions};
use edgesh_engine::validate::{InContext, ObjectRef, Severity, validate};
use std::sync::{Arc, Mutex};

fn load(text: &str) -> IosDoc {
    let r = Arc::new(Mutex::new(Router::new(Config::new("x"), Clock::Virtual(0), 1, std::env::temp_dir())));
    let (_, rejected, msgs) = super::super::apply_text(&r, text, "t");
    assert_eq!(rejected, 0, "{msgs:?}");
    let _ = Session::new(r.clone(), SessionOptions { dialect: Dialect::Ios, ..Default::default() });

    r.lock().unwrap().ios_doc.clone()
}

const SEED003: &str = "hostname r2
crypto isakmp policy 10
 encr aes 256
 authentication pre-share
 group 2
 lifetime 28800
crypto keyring MY_KEYRING
 pre-shared-key address 198.51.100.2 key test
crypto ipsec transform-set MY_SET esp-3des esp-sha-hmac
access-list 100 permit ip 192.0.2.0 0.0.0.255 any
crypto map MY_CRYPTO_MAP 100 ipsec-isakmp
 set peer 198.51.100.2
 set transform-set MY_SET
 set pfs group14
 match address 100
interface Ethernet1/0
 ip address 198.51.100.1 255.255.255.0
 crypto map MY_CRYPTO_MAP
";

#[test]
fn a_crypto_map_becomes_a_tunnel() {
    let c = compile(&load(SEED003));
    let cfg = &c.config;
    let t = &cfg.tunnels["MY_CRYPTO_MAP-100"];
    assert_eq!(t.local, Some("198.51.100.1".parse().unwrap()));
    assert_eq!(t.remote, Some("198.51.100.2".parse().unwrap()));
    let p = &cfg.ike_proposals["isakmp-10"];
    assert_eq!(
        (p.encryption, p.dh_group, p.lifetime, p.auth_method),
        (IkeEncr::Aes256Cbc, 2, 28800, AuthMethod::PreSharedKey)
    );
    assert!(cfg.ike_proposals.contains_key("isakmp-65535"));
    let pol = &cfg.contexts["local"].ike_policies["MY_CRYPTO_MAP-100-ike"];
    assert_eq!(pol.pre_shared_key, Some(PreSharedKey::Key(Key::Ascii("test".into()))));
    assert_eq!(cfg.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].pfs_group, Some(14));
    let ts = cfg.ipsec_proposals["MY_SET"].effective();
    assert_eq!(ts.esp, Some((EspEncr::TripleDesCbc, Some(EspAuth::HmacSha1_96))));
    let acl = &cfg.contexts["local"].ipsec_acls["100"];
    assert_eq!(acl.rules[&10].src, AclAddr::Prefix("192.0.2.0/24".parse().unwrap()));
    // The compiled model passes the engine's whole-configuration checks.
    let errors: Vec<_> = validate(cfg).into_iter().filter(|p| p.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

/// `crypto ipsec security-association replay window-size` sets every
/// entry's window; an entry's `set security-association replay` wins.
#[test]
fn replay_windows_global_and_per_entry_reach_the_engine() {
    let entry = |seq: u32, peer: u8, extra: &str| {
        format!(
            "crypto map MY_CRYPTO_MAP {seq} ipsec-isakmp\n set peer 198.51.100.{peer}\n set transform-set MY_SET\n match address 100\n{extra}"
        )
    };
    let text = format!(
        "crypto ipsec security-association replay window-size 1024\n{SEED003}{}{}{}",
        entry(200, 3, " set security-association replay window-size 128\n"),
        entry(300, 4, " set security-association replay disable\n"),
        entry(400, 5, " set security-association replay window-size\n"),
    );
    let c = compile(&load(&text));
    let w = |n: &str| c.config.ipsec_policies[&format!("MY_CRYPTO_MAP-{n}-ipsec")].anti_replay_window;
    assert_eq!((w("100"), w("200"), w("300"), w("400")), (1024, 128, 0, 64));
    let e = edgesh_engine::ike::conf::EngineConf::from_config(&c.config);
    let child = |n: &str| e.peer(&format!("MY_CRYPTO_MAP-{n}")).unwrap().children[0].replay_window;
    assert_eq!((child("100"), child("200"), child("300")), (1024, 128, 0));
    // Without the global line: IOS's default 64; `replay disable` globally: none.
    assert_eq!(compile(&load(SEED003)).config.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].anti_replay_window, 64);
    let off = compile(&load(&format!("crypto ipsec security-association replay disable\n{SEED003}")));
    assert_eq!(off.config.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].anti_replay_window, 0);
}

/// Global crypto lines pasted right after an interface's lines (no `!`
/// or `exit` between) are not the interface's: IOS leaves the interface
/// and runs them globally, so they reach the engine.
#[test]
fn global_crypto_lines_pasted_after_an_interface_run_globally() {
    let text = format!(
        "{SEED003}crypto ipsec security-association replay window-size 128\n\
         crypto ipsec security-association lifetime seconds 3600\n\
         crypto ipsec transform-set LATE esp-aes 256 esp-sha-hmac\n\
         crypto isakmp keepalive 30 5\n\
         interface Ethernet1/1\n ip address 203.0.113.1 255.255.255.0\n\
         service timestamps log datetime msec\n"
    );
    let doc = load(&text);
    let top: Vec<&str> = doc.root.iter().map(|n| n.text.as_str()).collect();
    for l in [
        "crypto ipsec security-association replay window-size 128",
        "crypto ipsec security-association lifetime seconds 3600",
        "crypto ipsec transform-set LATE esp-aes 256 esp-sha-hmac",
        "crypto isakmp keepalive 30 5",
        "service timestamps log datetime msec",
    ] {
        assert!(top.contains(&l), "{l} not global: {top:?}");
    }
    assert_eq!(
        kids_of(&doc, "interface Ethernet1/0"),
        ["ip address 198.51.100.1 255.255.255.0", "crypto map MY_CRYPTO_MAP"]
    );
    assert_eq!(kids_of(&doc, "interface Ethernet1/1"), ["ip address 203.0.113.1 255.255.255.0"]);
    let c = compile(&doc);
    assert_eq!(c.config.ipsec_policies["MY_CRYPTO_MAP-100-ipsec"].anti_replay_window, 128);
    assert_eq!(c.config.ipsec_proposals["MY_SET"].lifetime_seconds, 3600);
    let e = edgesh_engine::ike::conf::EngineConf::from_config(&c.config);
    assert_eq!(e.peer("MY_CRYPTO_MAP-100").unwrap().children[0].replay_window, 128);
    // The interface's own `crypto ipsec df-bit` stays in the interface.
    let doc = load(&format!("{SEED003} crypto ipsec df-bit clear\n"));
    assert_eq!(
        kids_of(&doc, "interface Ethernet1/0"),
        ["ip address 198.51.100.1 255.255.255.0", "crypto map MY_CRYPTO_MAP", "crypto ipsec df-bit clear"]
    );
}

/// The words interfaces and global configuration share (`mpls`,
/// `ethernet`, `platform`, `crypto engine`, `dialer`, `xconnect`,
/// `frame-relay`, `mls`, `mka`) are listed by their real forms in each
/// mode: a global one pasted right after an interface's lines leaves the
/// interface, the interface's own stay, and a form of neither is refused.
#[test]
fn global_lines_sharing_an_interface_word_run_globally() {
    let global = [
        "mpls ldp router-id Loopback0 force",
        "mpls label range 100 199",
        "mpls ip propagate-ttl",
        "mpls traffic-eng reoptimize timers frequency 60",
        "platform console serial",
        "platform qfp utilization monitor load 80",
        "ethernet cfm ieee",
        "ethernet cfm global",
        "ethernet cfm mip auto-create level 7 vlan 100",
        "crypto engine accelerator",
        "dialer watch-list 1 ip 203.0.113.9 255.255.255.255",
        "frame-relay switching",
        "mls qos",
        "mls qos map cos-dscp 0 8 16 24 32 46 48 56",
        "xconnect logging pseudowire status",
        "dialer-list 1 protocol ip permit",
    ];
    let own = [
        "mpls ip",
        "mpls mtu 1508",
        "mpls label protocol ldp",
        "mpls ldp discovery transport-address interface",
        "ethernet cfm mip level 7",
        "mls qos trust dscp",
        "mka policy MKA-P",
        "crypto engine slot 1/0 inside",
        "dialer pool 1",
        "frame-relay lmi-type ansi",
        "xconnect 192.0.2.9 100 encapsulation mpls",
    ];
    let text = format!(
        "{SEED003}{}\n{}\ninterface Ethernet1/1\n ip address 203.0.113.1 255.255.255.0\n{}\n",
        own.map(|l| format!(" {l}")).join("\n"),
        global.join("\n"),
        global.join("\n")
    );
    let doc = load(&text);
    let top: Vec<&str> = doc.root.iter().map(|n| n.text.as_str()).collect();
    for l in global {
        assert!(top.contains(&l), "{l} not global: {top:?}");
    }
    let mut want = vec!["ip address 198.51.100.1 255.255.255.0", "crypto map MY_CRYPTO_MAP"];
    want.extend(own);
    assert_eq!(kids_of(&doc, "interface Ethernet1/0"), want);
    assert_eq!(kids_of(&doc, "interface Ethernet1/1"), ["ip address 203.0.113.1 255.255.255.0"]);
    // The interface's forms are not global ones (and the reverse): refused.
    let v = super::super::vocabulary::vocabulary();
    for (fam, l) in [
        ("global", "mpls mtu 1500"),
        ("global", "platform banana"),
        ("global", "ethernet cfm mep domain D mpid 1 port"),
        ("global", "crypto engine slot 1/0"),
        ("global", "mls qos trust dscp"),
        ("interface", "mpls ldp router-id Loopback0"),
        ("interface", "platform console serial"),
        ("interface", "mls qos"),
        ("interface", "frame-relay switching"),
        ("interface", "xconnect logging pseudowire status"),
    ] {
        assert!(!v.knows(fam, l, false), "{fam} keeps {l}");
    }
}

#[test]
fn the_key_table_takes_the_longest_prefix_and_the_last_of_equal_ones() {
    let mut t = KeyTable::default();
    let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
    t.insert(a("0.0.0.0"), 0, 0);
    t.insert(a("198.51.100.0"), 24, 1);
    t.insert(a("198.51.100.77"), 24, 2); // host bits: the same prefix, the later key
    t.insert(a("198.51.100.9"), 32, 3);
    assert_eq!(t.longest(a("198.51.100.9")), Some(3));
    assert_eq!(t.longest(a("198.51.100.10")), Some(2));
    assert_eq!(t.longest(a("203.0.113.1")), Some(0));
    assert_eq!(KeyTable::default().longest(a("203.0.113.1")), None);
}

fn kids_of(doc: &IosDoc, name: &str) -> Vec<String> {
    doc.root.iter().find(|n| n.text == name).unwrap().children.iter().map(|n| n.text.clone()).collect()
}

#[test]
fn an_entry_with_host_bits_selects_its_network() {
    // The handlers store entries masked; a document built otherwise is compiled the same way.
    let mut doc = load(SEED003);
    let n = doc.root.iter_mut().find(|n| n.text.starts_with("access-list 100 ")).expect("access-list 100");
    n.text = "access-list 100 permit ip 192.0.2.77 0.0.0.255 203.0.113.5 0.0.0.255".into();
    let acl = &compile(&doc).config.contexts["local"].ipsec_acls["100"];
    assert_eq!(acl.rules[&10].src, AclAddr::Prefix("192.0.2.0/24".parse().unwrap()));
    assert_eq!(acl.rules[&10].dst, Some(AclAddr::Prefix("203.0.113.0/24".parse().unwrap())));
}

#[test]
fn the_same_tunnel_in_both_dialects_is_the_same_to_the_engine() {
    // The SmartEdge way: the same proposals, policy and selector.
    let ios = compile(&load(SEED003)).config;
    let t = &ios.tunnels["MY_CRYPTO_MAP-100"];
    let mut se = edgesh_engine::Config::new("r2");
    let mut p = IkeProposal::new(IkeVersion::V1);
    p.encryption = IkeEncr::Aes256Cbc;
    p.dh_group = 2;
    p.lifetime = 28800;
    assert_eq!(&p, &ios.ike_proposals["isakmp-10"]);
    let mut ip = IpsecProposal::new();
    ip.esp_encr = Some(EspEncr::TripleDesCbc);
    ip.esp_auth = Some(EspAuth::HmacSha1_96);
    assert_eq!(ip.effective(), ios.ipsec_proposals["MY_SET"].effective());
    let mut tun = Tunnel::new(TunnelKind::Static, false);
    tun.local = Some("198.51.100.1".parse().unwrap());
    tun.remote = Some("198.51.100.2".parse().unwrap());
    se.tunnels.insert("x".into(), tun);
    let s = &se.tunnels["x"];
    assert_eq!((s.kind, s.local, s.remote), (t.kind, t.local, t.remote));
}

#[test]
fn isakmp_profiles_give_the_key_identity_local_address_and_mode() {
    let c = compile(&load(
        "hostname hub\nip domain-name example.net\ncrypto isakmp policy 10\n authentication pre-share\ncrypto isakmp key global-key address 0.0.0.0 0.0.0.0\ncrypto keyring R\n pre-shared-key address 203.0.113.0 255.255.255.0 key ring-key\ncrypto isakmp profile P\n keyring R\n self-identity fqdn\n match identity host spoke.example.net\n local-address Loopback2\n initiate mode aggressive\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\naccess-list 101 permit ip 192.0.2.0 0.0.0.255 any\ncrypto map M 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set isakmp-profile P\n match address 101\ninterface Loopback2\n ip address 198.51.100.7 255.255.255.255\ninterface GigabitEthernet0/0\n ip address 198.51.100.1 255.255.255.0\n crypto map M\n",
    ));
    let t = &c.config.tunnels["M-10"];
    assert_eq!(t.local, Some("198.51.100.7".parse().unwrap()), "the profile's local-address");
    assert_eq!(t.remote_id, Some(Identity::Fqdn("spoke.example.net".into())));
    let pol = &c.config.contexts["local"].ike_policies["M-10-ike"];
    assert_eq!(
        pol.pre_shared_key,
        Some(PreSharedKey::Key(Key::Ascii("ring-key".into()))),
        "the keyring's longest match"
    );
    assert_eq!(pol.identity_local, Some(Identity::Fqdn("hub.example.net".into())));
    assert_eq!(pol.mode, ExchangeMode::Aggressive);
}

#[test]
fn each_vti_is_a_device_with_its_address_and_its_static_routes() {
    use edgesh_engine::route_conf::RouteConf;
    let vti = |n: u8, mode: &str| {
        format!(
            "interface Tunnel{n}\n ip address 10.{n}.{n}.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n{mode} tunnel destination 192.0.2.{}\n tunnel protection ipsec profile P\n",
            n + 1
        )
    };
    let text = format!(
        "crypto isakmp key k1 address 0.0.0.0 0.0.0.0\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\ncrypto ipsec profile P\n set transform-set T\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n{}{}{}ip route 203.0.113.0 255.255.255.0 Tunnel1\nip route 198.51.100.0 255.255.255.0 Tunnel2\n",
        vti(1, " tunnel mode ipsec ipv4\n"),
        vti(2, " tunnel mode ipsec ipv4\n"),
        vti(3, "")
    );
    let c = compile(&load(&text));
    let rc = RouteConf::from_config(&c.config);
    // Tunnel3 is GRE over IPsec (IOS's default mode): the host's GRE device, not one of ours.
    let got: Vec<String> = rc
        .interfaces
        .iter()
        .map(|i| {
            format!(
                "{} {} {} {:?} {:?}",
                i.context,
                i.name,
                i.device,
                i.addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
                i.tunnels
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            r#"local Tunnel1 Tunnel1 ["10.1.1.1/30"] ["Tunnel1"]"#,
            r#"local Tunnel2 Tunnel2 ["10.2.2.1/30"] ["Tunnel2"]"#
        ]
    );
    // The static routes name them (the engine's table sends them to the devices: `routes::tests`).
    let st: Vec<String> = rc.statics.iter().map(|s| format!("{} {:?} {:?}", s.prefix, s.hop, s.tunnels)).collect();
    assert_eq!(
        st,
        vec![r#"203.0.113.0/24 Tunnel("Tunnel1") ["Tunnel1"]"#, r#"198.51.100.0/24 Tunnel("Tunnel2") ["Tunnel2"]"#]
    );
}

/// A type 6 key (`6 CIPHERTEXT`) is kept as typed but never the
/// pre-shared key: the ciphertext is not the secret, and edgesh cannot
/// decrypt it. The tunnel has no key (a note says why); a type 0 key
/// beside it still works.
#[test]
fn a_type_6_key_is_kept_but_never_used_as_the_key() {
    let vti = |key: &str| {
        format!(
            "{key}\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile P\n set transform-set T\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n"
        )
    };
    let psk = |c: &Compiled| c.config.contexts["local"].ike_policies["Tunnel1-ike"].pre_shared_key.clone();
    let cipher = "FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB";
    let doc = load(&vti(&format!("crypto isakmp key 6 {cipher} address 203.0.113.9")));
    assert!(doc.root.iter().any(|n| n.text == format!("crypto isakmp key 6 {cipher} address 203.0.113.9")));
    let c = compile(&doc);
    assert_eq!(psk(&c), None);
    assert!(c.notes.contains(&format!("crypto isakmp key for 203.0.113.9: {TYPE6}")), "{:?}", c.notes);
    let c = compile(&load(&vti(&format!(
        "crypto keyring R\n pre-shared-key address 203.0.113.9 key 6 {cipher}\ncrypto isakmp profile IP\n keyring R\n match identity address 203.0.113.9 255.255.255.255"
    ))));
    assert_eq!(psk(&c), None);
    assert!(c.notes.contains(&format!("keyring R: pre-shared-key address 203.0.113.9: {TYPE6}")), "{:?}", c.notes);
    // Type 0 is the key as typed.
    let c = compile(&load(&vti("crypto isakmp key 0 plain-key address 203.0.113.9")));
    assert_eq!(psk(&c), Some(PreSharedKey::Key(Key::Ascii("plain-key".into()))));
}

#[test]
fn a_vti_becomes_a_route_based_tunnel() {
    let c = compile(&load(
        "crypto isakmp key k1 address 203.0.113.9\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile P\n set transform-set T\n set pfs group14\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n",
    ));
    let t = &c.config.tunnels["Tunnel1"];
    assert_eq!((t.local, t.remote), (Some("192.0.2.1".parse().unwrap()), Some("203.0.113.9".parse().unwrap())));
    assert_eq!(t.bind_interface, Some(("Tunnel1".to_string(), None)));
    assert_eq!(c.config.ipsec_policies["Tunnel1-ipsec"].pfs_group, Some(14));
    assert_eq!(c.config.ipsec_policies["Tunnel1-ipsec"].anti_replay_window, 64, "IOS's default window");
    // The profile's `set security-association replay window-size` reaches the VTI's policy.
    let c = compile(&load(
        "crypto isakmp key k1 address 203.0.113.9\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile P\n set transform-set T\n set security-association replay window-size 256\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n",
    ));
    assert_eq!(c.config.ipsec_policies["Tunnel1-ipsec"].anti_replay_window, 256);
    assert_eq!(
        c.config.contexts["local"].ike_policies["Tunnel1-ike"].pre_shared_key,
        Some(PreSharedKey::Key(Key::Ascii("k1".into())))
    );
    assert_eq!(
        c.config.ipsec_proposals["T"].effective().esp,
        Some((EspEncr::Aes256Cbc, Some(EspAuth::HmacSha256_128)))
    );
}

fn no_errors(cfg: &Config) {
    let errors: Vec<_> = validate(cfg).into_iter().filter(|p| p.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

fn problems_of(cfg: &Config, tunnel: &str) -> Vec<String> {
    validate(cfg)
        .into_iter()
        .filter(|p| match &p.object {
            ObjectRef::Tunnel(t) => t == tunnel,
            ObjectRef::Context { object: InContext::IkePolicy { name, .. }, .. } => {
                name.starts_with(&format!("{tunnel}-ike"))
            }
            _ => false,
        })
        .map(|p| format!("{:?}: {:?}", p.object, p.issue))
        .collect()
}

const IKEV2_MAP: &str = "hostname hub
crypto ikev2 proposal P1
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy POL
 proposal P1
crypto ikev2 keyring KR
 peer wide
  address 203.0.113.0 255.255.255.0
  pre-shared-key wide-key
 peer exact
  address 203.0.113.9
  pre-shared-key exact-key
crypto ikev2 profile PROF
 match identity remote address 203.0.113.9 255.255.255.255
 identity local fqdn hub.example.net
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
 lifetime 3600
 dpd 10 3 periodic
crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac
access-list 101 permit ip 192.0.2.0 0.0.0.255 198.51.100.0 0.0.0.255
crypto map CM 10 ipsec-isakmp
 set peer 203.0.113.9
 set transform-set T
 set ikev2-profile PROF
 match address 101
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map CM
";

#[test]
fn an_ikev2_crypto_map_takes_its_profile_keyring_and_policy() {
    let c = compile(&load(IKEV2_MAP));
    let cfg = &c.config;
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    let pol = &cfg.contexts["local"].ike_policies["CM-10-ike"];
    assert_eq!(pol.version, IkeVersion::V2);
    assert_eq!(pol.proposals.values().collect::<Vec<_>>(), ["ikev2-P1"]);
    let p = &cfg.ike_proposals["ikev2-P1"];
    assert_eq!(
        (p.version, p.encryption, p.auth_alg, p.prf, p.dh_group),
        (IkeVersion::V2, IkeEncr::Aes256Cbc, IkeAuthAlg::HmacSha256, Prf::HmacSha256, 14)
    );
    assert_eq!(
        pol.pre_shared_key,
        Some(PreSharedKey::Key(Key::Ascii("exact-key".into()))),
        "the keyring peer with the longest match"
    );
    assert_eq!(pol.identity_local, Some(Identity::Fqdn("hub.example.net".into())));
    assert_eq!(pol.identity_remote, Some(Identity::Ipv4("203.0.113.9".parse().unwrap())));
    assert_eq!((pol.lifetime, pol.authentication), (3600, AuthMethod::PreSharedKey));
    assert!(cfg.contexts["local"].ike_keepalive, "dpd");
    let t = &cfg.tunnels["CM-10"];
    assert_eq!(
        (t.local, t.remote, t.context.as_deref()),
        (Some("192.0.2.1".parse().unwrap()), Some("203.0.113.9".parse().unwrap()), None)
    );
    no_errors(cfg);
    assert!(problems_of(cfg, "CM-10").is_empty(), "{:?}", problems_of(cfg, "CM-10"));
    // The engine negotiates the tunnel with IKEv2.
    let ec = edgesh_engine::ike::conf::EngineConf::from_config(cfg);
    let p = ec.peer("CM-10").expect("an IKEv2 peer");
    assert_eq!(p.version, IkeVersion::V2);
    assert!(ec.notes.is_empty(), "{:?}", ec.notes);
    // A peer the keyring only covers with its /24 gets that key.
    let c = compile(&load(
        &IKEV2_MAP
            .replace("203.0.113.9", "203.0.113.77")
            .replace("  address 203.0.113.77\n", "  address 203.0.113.9\n"),
    ));
    assert_eq!(
        c.config.contexts["local"].ike_policies["CM-10-ike"].pre_shared_key,
        Some(PreSharedKey::Key(Key::Ascii("wide-key".into())))
    );
}

/// `crypto ikev2 cookie-challenge N` and `crypto ikev2 fragmentation [mtu N]`
/// reach the IKEv2 core through the engine configuration.
#[test]
fn ikev2_cookie_challenge_and_fragmentation_mtu_are_configuration() {
    let cfg = compile(&load(IKEV2_MAP)).config;
    let ec = edgesh_engine::ike::conf::EngineConf::from_config(&cfg);
    assert_eq!((ec.v2_cookie_threshold, ec.v2_fragment_size), (None, None));
    let text = IKEV2_MAP.replacen(
        "crypto ikev2",
        "crypto ikev2 cookie-challenge 10\ncrypto ikev2 fragmentation mtu 400\ncrypto ikev2",
        1,
    );
    let c = compile(&load(&text));
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert_eq!((c.config.ikev2_cookie_challenge, c.config.ikev2_fragment_mtu), (Some(10), Some(400)));
    let ec = edgesh_engine::ike::conf::EngineConf::from_config(&c.config);
    assert_eq!((ec.v2_cookie_threshold, ec.v2_fragment_size), (Some(10), Some(400)));
    let c = compile(&load(&IKEV2_MAP.replacen("crypto ikev2", "crypto ikev2 fragmentation\ncrypto ikev2", 1)));
    assert_eq!(c.config.ikev2_fragment_mtu, Some(576), "IOS's default fragment MTU");
}

#[test]
fn an_ikev2_vti_with_ios_defaults() {
    let c = compile(&load(
        "crypto ikev2 keyring KR\n peer any\n  address 0.0.0.0 0.0.0.0\n  pre-shared-key ring-key\ncrypto ikev2 profile PROF\n match identity remote address 203.0.113.9 255.255.255.255\n authentication local pre-share key profile-key\n authentication remote pre-share key profile-key\n keyring local KR\ncrypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\ncrypto ipsec profile IPP\n set transform-set T\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile IPP\n",
    ));
    let cfg = &c.config;
    let pol = &cfg.contexts["local"].ike_policies["Tunnel1-ike"];
    assert_eq!(pol.version, IkeVersion::V2);
    assert_eq!(
        pol.pre_shared_key,
        Some(PreSharedKey::Key(Key::Ascii("profile-key".into()))),
        "the profile's own key wins over the keyring"
    );
    // No ikev2 policy: IOS's default policy and default proposal
    // (AES-CBC-256/192/128 x SHA512/384/256/SHA1/MD5 x groups 5/2 = 30 combinations).
    assert_eq!((1..=30).filter(|i| cfg.ike_proposals.contains_key(&format!("ikev2-default-{i}"))).count(), 30);
    assert_eq!(pol.proposals.len(), MAX_POLICY_PROPOSALS);
    let first = &cfg.ike_proposals[&pol.proposals[&1]];
    assert_eq!(
        (first.encryption, first.auth_alg, first.prf, first.dh_group),
        (IkeEncr::Aes256Cbc, IkeAuthAlg::HmacSha512, Prf::HmacSha512, 5)
    );
    let second = &cfg.ike_proposals[&pol.proposals[&2]];
    assert_eq!(second.dh_group, 2);
    let last = &cfg.ike_proposals["ikev2-default-30"];
    assert_eq!(
        (last.encryption, last.auth_alg, last.prf, last.dh_group),
        (IkeEncr::Aes128Cbc, IkeAuthAlg::HmacMd5_96, Prf::HmacMd5, 2)
    );
    assert!(c.notes.iter().any(|n| n.contains("30 algorithm combinations")), "the cut is said: {:?}", c.notes);
    // IOS defaults: identity local address, lifetime 86400.
    assert_eq!(pol.identity_local, Some(Identity::Ipv4("192.0.2.1".parse().unwrap())));
    assert_eq!(pol.lifetime, 86_400);
    let t = &cfg.tunnels["Tunnel1"];
    assert_eq!(t.bind_interface, Some(("Tunnel1".to_string(), None)));
    no_errors(cfg);
    assert!(problems_of(cfg, "Tunnel1").is_empty(), "{:?}", problems_of(cfg, "Tunnel1"));
}

#[test]
fn an_ikev2_proposal_with_aes_gcm_has_prfs_and_no_integrity() {
    let text = "crypto ikev2 proposal G\n encryption aes-gcm-256 aes-gcm-128\n prf sha384\n group 19 20\ncrypto ikev2 policy POL\n proposal G\ncrypto ikev2 profile PROF\n match identity remote address 203.0.113.9 255.255.255.255\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec transform-set T esp-gcm 256\n mode tunnel\ncrypto map CM 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set ikev2-profile PROF\n match address 101\naccess-list 101 permit ip 10.0.0.0 0.0.0.255 10.1.0.0 0.0.0.255\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map CM\n";
    let c = compile(&load(text));
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    let pol = &c.config.contexts["local"].ike_policies["CM-10-ike"];
    let got: Vec<(IkeEncr, Prf, u16)> =
        pol.proposals.values().map(|n| &c.config.ike_proposals[n]).map(|p| (p.encryption, p.prf, p.dh_group)).collect();
    assert_eq!(
        got,
        [
            (IkeEncr::Aes256Gcm16, Prf::HmacSha384, 19),
            (IkeEncr::Aes256Gcm16, Prf::HmacSha384, 20),
            (IkeEncr::Aes128Gcm16, Prf::HmacSha384, 19),
            (IkeEncr::Aes128Gcm16, Prf::HmacSha384, 20)
        ]
    );
    no_errors(&c.config);
    // Without a prf the proposal is incomplete for GCM, and said so.
    let c = compile(&load(&text.replace(" prf sha384\n", "")));
    assert!(
        c.notes.iter().any(|n| n == "crypto ikev2 proposal G is incomplete (AES-GCM needs a prf): not used"),
        "{:?}",
        c.notes
    );
}

#[test]
fn the_ikev2_policy_matching_the_local_address_wins() {
    let text = "crypto ikev2 proposal A\n encryption aes-cbc-128\n integrity sha1\n group 2\ncrypto ikev2 proposal B\n encryption 3des des\n integrity md5\n group 5\n prf sha1\ncrypto ikev2 policy ANY\n match fvrf any\n proposal A\ncrypto ikev2 policy HERE\n match address local 192.0.2.1\n proposal B\ncrypto ikev2 profile PROF\n match identity remote fqdn peer.example.net\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\ncrypto map CM 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map CM\n";
    let c = compile(&load(text));
    let pol = &c.config.contexts["local"].ike_policies["CM-10-ike"];
    assert_eq!(pol.proposals.values().collect::<Vec<_>>(), ["ikev2-B-1", "ikev2-B-2"]);
    let b2 = &c.config.ike_proposals["ikev2-B-2"];
    assert_eq!(
        (b2.encryption, b2.auth_alg, b2.prf, b2.dh_group),
        (IkeEncr::DesCbc, IkeAuthAlg::HmacMd5_96, Prf::HmacSha1, 5)
    );
    assert_eq!(pol.identity_remote, Some(Identity::Fqdn("peer.example.net".into())));
    assert_eq!(c.config.tunnels["CM-10"].remote_id, Some(Identity::Fqdn("peer.example.net".into())));
    no_errors(&c.config);
    // From another address, the fvrf-any policy applies.
    let c = compile(&load(&text.replace(" ip address 192.0.2.1 255", " ip address 192.0.2.2 255")));
    assert_eq!(
        c.config.contexts["local"].ike_policies["CM-10-ike"].proposals.values().collect::<Vec<_>>(),
        ["ikev2-A"]
    );
}

/// `match identity remote fqdn domain D` / `email domain D`: any identity under
/// D (the engine's suffix patterns), not any identity at all.
#[test]
fn identity_domains_are_suffix_patterns() {
    let text = "crypto ikev2 profile PROF\n match identity remote fqdn domain example.net\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\ncrypto map CM 10 ipsec-isakmp\n set peer 203.0.113.9\n set transform-set T\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n ip address 192.0.2.1 255.255.255.0\n crypto map CM\n";
    let c = compile(&load(text));
    assert_eq!(c.config.tunnels["CM-10"].remote_id, Some(Identity::Fqdn("*.example.net".into())));
    assert!(!c.notes.iter().any(|n| n.contains("domain")), "{:?}", c.notes);
    let c = compile(&load(&text.replace("fqdn domain example.net", "email domain example.net")));
    assert_eq!(c.config.tunnels["CM-10"].remote_id, Some(Identity::UserFqdn("*@example.net".into())));
}

#[test]
fn a_front_door_vrf_and_an_inside_vrf() {
    let c = compile(&load(
        "ip vrf INET
 rd 65000:1
vrf definition Sales
 rd 65000:2
 address-family ipv4
 exit-address-family
crypto keyring KR-INET vrf INET
 pre-shared-key address 203.0.113.9 key inet-key
crypto isakmp key global-key address 203.0.113.9
crypto isakmp policy 10
 authentication pre-share
crypto isakmp profile IKE-Sales
 vrf Sales
 keyring KR-INET
 match identity address 203.0.113.9 255.255.255.255 INET
crypto ipsec transform-set T esp-aes esp-sha-hmac
access-list 101 permit ip 10.1.0.0 0.0.255.255 10.2.0.0 0.0.255.255
crypto map SALES 10 ipsec-isakmp
 set peer 203.0.113.9
 set transform-set T
 set isakmp-profile IKE-Sales
 match address 101
interface GigabitEthernet0/0
 ip vrf forwarding INET
 ip address 192.0.2.1 255.255.255.0
 crypto map SALES
interface GigabitEthernet0/1
 vrf forwarding Sales
 ip address 10.1.0.1 255.255.0.0
ip route vrf INET 0.0.0.0 0.0.0.0 192.0.2.254
ip route vrf Sales 10.3.0.0 255.255.0.0 10.1.0.254 5
ip route 198.51.100.0 255.255.255.0 GigabitEthernet0/2
",
    ));
    let cfg = &c.config;
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    // The local end point, its IKE policy and the crypto ACL are in the front-door VRF.
    let t = &cfg.tunnels["SALES-10"];
    assert_eq!(t.context.as_deref(), Some("INET"));
    assert_eq!(t.local, Some("192.0.2.1".parse().unwrap()));
    let pol = &cfg.contexts["INET"].ike_policies["SALES-10-ike"];
    assert_eq!(
        pol.pre_shared_key,
        Some(PreSharedKey::Key(Key::Ascii("inet-key".into()))),
        "the INET keyring's key, not the global one"
    );
    assert!(!cfg.contexts["local"].ike_policies.contains_key("SALES-10-ike"));
    assert!(cfg.contexts["INET"].ipsec_acls.contains_key("101"));
    assert_eq!(cfg.contexts["INET"].interfaces["GigabitEthernet0/0"].address, Some("192.0.2.1/24".parse().unwrap()));
    assert!(!cfg.contexts["local"].interfaces.contains_key("GigabitEthernet0/0"));
    // The inside VRF holds the tunnel's bound interface and the inside interfaces.
    assert_eq!(t.bind_interface, Some(("GigabitEthernet0/0".to_string(), Some("Sales".to_string()))));
    assert_eq!(cfg.contexts["Sales"].interfaces["GigabitEthernet0/0"].kind, InterfaceKind::Ipsec);
    assert!(cfg.contexts["Sales"].interfaces.contains_key("GigabitEthernet0/1"));
    // Routes in their VRF's context.
    assert_eq!(
        cfg.contexts["INET"].routes,
        vec![Route {
            prefix: "0.0.0.0/0".parse().unwrap(),
            next_hop: NextHop::Address("192.0.2.254".parse().unwrap()),
            cost: None
        }]
    );
    assert_eq!(cfg.contexts["Sales"].routes[0].cost, Some(5));
    assert_eq!(cfg.contexts["local"].routes[0].next_hop, NextHop::Interface("GigabitEthernet0/2".into()));
    no_errors(cfg);
    assert!(problems_of(cfg, "SALES-10").is_empty(), "{:?}", problems_of(cfg, "SALES-10"));
    // The engine negotiates it from the front-door VRF.
    let ec = edgesh_engine::ike::conf::EngineConf::from_config(cfg);
    let p = ec.peer("SALES-10").expect("a peer");
    assert_eq!(
        (p.context.as_str(), p.local, p.psk.as_deref()),
        ("INET", "192.0.2.1".parse().unwrap(), Some(&b"inet-key"[..]))
    );
    assert_eq!(p.children.len(), 1);
}

#[test]
fn an_ikev2_vti_between_vrfs() {
    let c = compile(&load(
        "vrf definition INET\n address-family ipv4\n exit-address-family\nvrf definition Sales\n address-family ipv4\n exit-address-family\ncrypto ikev2 keyring KR\n peer p\n  address 203.0.113.9\n  pre-shared-key k\ncrypto ikev2 profile PROF\n match fvrf INET\n match identity remote address 203.0.113.9 255.255.255.255\n authentication local pre-share\n authentication remote pre-share\n keyring local KR\ncrypto ikev2 policy V\n match fvrf INET\n proposal default\ncrypto ipsec profile IPP\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n vrf forwarding INET\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n vrf forwarding Sales\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel vrf INET\n tunnel protection ipsec profile IPP\n",
    ));
    let cfg = &c.config;
    let t = &cfg.tunnels["Tunnel1"];
    assert_eq!(t.context.as_deref(), Some("INET"));
    assert_eq!(t.bind_interface, Some(("Tunnel1".to_string(), Some("Sales".to_string()))));
    let pol = &cfg.contexts["INET"].ike_policies["Tunnel1-ike"];
    assert_eq!(
        (pol.version, pol.pre_shared_key.clone()),
        (IkeVersion::V2, Some(PreSharedKey::Key(Key::Ascii("k".into()))))
    );
    assert_eq!(pol.proposals[&1], "ikev2-default-1");
    assert!(cfg.contexts["Sales"].interfaces.contains_key("Tunnel1"));
    assert!(!c.notes.iter().any(|n| n.contains("front door")), "{:?}", c.notes);
    no_errors(cfg);
    assert!(problems_of(cfg, "Tunnel1").is_empty(), "{:?}", problems_of(cfg, "Tunnel1"));
    // The profile without `match fvrf` matches the global table only: said.
    let c = compile(&load(&"vrf definition INET\ncrypto ikev2 profile PROF\n match identity remote address 203.0.113.9\n authentication local pre-share key k\n authentication remote pre-share key k\ncrypto ipsec profile IPP\n set ikev2-profile PROF\ninterface GigabitEthernet0/0\n vrf forwarding INET\n ip address 192.0.2.1 255.255.255.0\ninterface Tunnel1\n ip address 169.254.0.1 255.255.255.252\n tunnel source GigabitEthernet0/0\n tunnel destination 203.0.113.9\n tunnel protection ipsec profile IPP\n".to_string()));
    assert!(
        c.notes.iter().any(|n| n.contains("matches front-door the global table, the tunnel's front door is VRF INET")),
        "{:?}",
        c.notes
    );
    assert_eq!(c.config.tunnels["Tunnel1"].context.as_deref(), Some("INET"), "the tunnel source's VRF");
}

#[test]
fn vrf_forwarding_needs_the_vrf() {
    let r = Arc::new(Mutex::new(Router::new(Config::new("x"), Clock::Virtual(0), 1, std::env::temp_dir())));
    let (_, rejected, msgs) = super::super::apply_text(
        &r,
        "interface GigabitEthernet0/0\n ip vrf forwarding NOPE\n ip address 192.0.2.1 255.255.255.0\n",
        "t",
    );
    assert_eq!(rejected, 1, "{msgs:?}");
    assert!(msgs.iter().any(|m| m.ends_with("% VRF NOPE not configured.")), "{msgs:?}");
    let doc = r.lock().unwrap().ios_doc.clone();
    assert!(!doc.root[0].children.iter().any(|c| c.text.contains("vrf")));
    // One VRF per interface: the second form replaces the first.
    let (_, rejected, msgs) = super::super::apply_text(
        &r,
        "ip vrf A\nvrf definition B\ninterface GigabitEthernet0/0\n ip vrf forwarding A\n vrf forwarding B\n",
        "t",
    );
    assert_eq!(rejected, 0, "{msgs:?}");
    let doc = r.lock().unwrap().ios_doc.clone();
    let i = doc.root.iter().find(|n| n.text == "interface GigabitEthernet0/0").unwrap();
    assert_eq!(
        i.children.iter().filter(|c| c.text.contains("vrf forwarding")).map(|c| c.text.as_str()).collect::<Vec<_>>(),
        ["vrf forwarding B"]
    );
}

#[test]
fn what_the_engine_cannot_express_is_noted() {
    let c = compile(&load(
        "crypto ipsec transform-set T esp-seal esp-sha-hmac\naccess-list 101 deny ip any any\ncrypto map M 10 ipsec-isakmp\n set transform-set T\n",
    ));
    assert!(c.notes.iter().any(|n| n.contains("esp-seal")), "{:?}", c.notes);
    assert!(c.notes.iter().any(|n| n.contains("deny")), "{:?}", c.notes);
    assert!(c.notes.iter().any(|n| n.contains("no peer")), "{:?}", c.notes);
}

#[test]
fn object_groups_in_a_crypto_acl_become_selectors() {
    let c = compile(&load(
        "object-group network BRANCH\n host 10.2.0.1\n 10.1.0.0 255.255.0.0\nobject-group network HQ\n group-object BRANCH\nobject-group service WEB\n tcp eq 443\n udp eq 53\nip access-list extended VPN\n permit ip object-group HQ any\n permit object-group WEB any host 192.0.2.9\naccess-list 101 permit ip object-group BRANCH host 192.0.2.1\n",
    ));
    let _ = &c;
    let groups = object_groups(&load("object-group network BRANCH\n host 10.2.0.1\n 10.1.0.0 255.255.0.0\n"));
    assert_eq!(
        groups["BRANCH"].1,
        Some(vec![vec!["host".to_string(), "10.2.0.1".into()], vec!["10.1.0.0".into(), "0.0.255.255".into()]])
    );
    let doc = load(
        "object-group network BRANCH\n host 10.2.0.1\n 10.1.0.0 255.255.0.0\nobject-group network HQ\n group-object BRANCH\nobject-group service WEB\n tcp eq 443\n udp eq 53\n",
    );
    let g = object_groups(&doc);
    let e = expand_entry(&["object-group", "WEB", "object-group", "HQ", "host", "192.0.2.9"], &g).unwrap();
    assert_eq!(e.len(), 4, "{e:?}");
    assert!(
        e.contains(&"tcp host 10.2.0.1 host 192.0.2.9 eq 443".split(' ').map(String::from).collect::<Vec<_>>()),
        "{e:?}"
    );
    let r = acl_rule(&e[0].iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    assert_eq!(r.protocol, Some(6));
    assert!(expand_entry(&["ip", "object-group", "NOPE", "any"], &g).is_none());
}

#[test]
fn gre_over_ipsec_protects_gre_between_the_end_points_and_a_secondary_can_be_the_source() {
    let text = "vrf definition INET\n address-family ipv4\n exit-address-family\ncrypto isakmp key k address 203.0.113.9\ncrypto ipsec transform-set T esp-aes esp-sha-hmac\n mode transport\ncrypto ipsec profile P\n set transform-set T\ninterface GigabitEthernet0/0\n vrf forwarding INET\n ip address 192.0.2.1 255.255.255.0\n ip address 198.51.100.1 255.255.255.0 secondary\ninterface Tunnel0\n ip address 172.16.0.1 255.255.255.0\n tunnel source 198.51.100.1\n tunnel destination 203.0.113.9\n tunnel vrf INET\n tunnel protection ipsec profile P\n";
    let doc = load(text);
    let gi = doc.root.iter().find(|n| n.text == "interface GigabitEthernet0/0").unwrap();
    assert_eq!(gi.children.iter().filter(|c| c.text.starts_with("ip address")).count(), 2, "the secondary is kept");
    let c = compile(&doc);
    let t = &c.config.tunnels["Tunnel0"];
    assert_eq!(t.local, Some("198.51.100.1".parse().unwrap()));
    assert_eq!(t.context.as_deref(), Some("INET"));
    let Some(TunnelEntry::Policy(p)) = t.entries.get(&10) else { panic!() };
    let acl = &c.config.contexts["INET"].ipsec_acls[p.access_group.as_deref().unwrap()];
    let r = acl.rules.values().next().unwrap();
    assert_eq!(r.protocol, Some(47));
    // A VTI (`tunnel mode ipsec ipv4`) stays any/any.
    let c = compile(&load(&text.replace(" tunnel vrf INET\n", " tunnel vrf INET\n tunnel mode ipsec ipv4\n")));
    let Some(TunnelEntry::Policy(p)) = c.config.tunnels["Tunnel0"].entries.get(&10) else { panic!() };
    assert!(p.access_group.is_none());
    // mGRE: said.
    let c = compile(&load(&text.replace(" tunnel vrf INET\n", " tunnel vrf INET\n tunnel mode gre multipoint\n")));
    assert!(c.notes.iter().any(|n| n.contains("NHRP")), "{:?}", c.notes);
}

/// A crypto map applied to an interface with an address and one without
/// (Batfish's `ios-crypto-map`): the tunnels use the addressed one, whichever
/// comes last; applied to two addressed interfaces, the first, with a note.
#[test]
fn a_crypto_map_on_several_interfaces_uses_one_with_an_address() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../golden/configs/ios-public/batfish-ios-crypto-map.cfg"
    ))
    .unwrap();
    let c = compile(&load(&text));
    let t = &c.config.tunnels["mymap-20"];
    assert_eq!(t.local, Some("2.3.4.6".parse().unwrap()));
    assert_eq!(t.bind_interface, Some(("TenGigabitEthernet0/0".to_string(), None)));
    assert!(!c.notes.iter().any(|n| n.contains("no local end point")), "{:?}", c.notes);
    let two = "interface GigabitEthernet1\n ip address 192.0.2.1 255.255.255.0\n crypto map M\n\
               interface GigabitEthernet2\n ip address 198.51.100.1 255.255.255.0\n crypto map M\n\
               crypto isakmp key k address 203.0.113.2\naccess-list 101 permit ip any any\n\
               crypto ipsec transform-set T esp-aes esp-sha-hmac\n\
               crypto map M 10 ipsec-isakmp\n set peer 203.0.113.2\n set transform-set T\n match address 101\n";
    let c = compile(&load(two));
    assert_eq!(c.config.tunnels["M-10"].local, Some("192.0.2.1".parse().unwrap()));
    assert!(
        c.notes.contains(&"crypto map M is applied to GigabitEthernet1, GigabitEthernet2: its tunnels use GigabitEthernet1's address (crypto map M local-address names the interface)".to_string()),
        "{:?}",
        c.notes
    );
}
