//! `| json` over an SSH exec channel (issue 16): `ssh router 'show crypto
//! ipsec sa | json'` gives a script one JSON document on standard output,
//! nothing to scrape, in both dialects; a line that may not end in json is
//! refused with exit status 1. Driven by OpenSSH's `ssh` client, the
//! password through `SSH_ASKPASS` (as tests/ssh.rs does).

use std::process::Output;

mod sshsrv;

use sshsrv::*;

/// Standard output as one JSON document (nothing before or after it).
fn document(o: &Output) -> serde_json::Value {
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{o:?}");
    serde_json::from_str(&t).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{t}"))
}

const IOS: &str = "hostname R1
username admin privilege 15 secret 0 cisco
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 14
crypto isakmp key lab-secret address 192.0.2.2
crypto ipsec transform-set TS esp-aes esp-sha-hmac
 mode tunnel
access-list 110 permit ip 198.51.100.0 0.0.0.255 203.0.113.0 0.0.0.255
crypto map VPN 10 ipsec-isakmp
 set peer 192.0.2.2
 set transform-set TS
 set pfs group14
 match address 110
interface GigabitEthernet0/0
 ip address 192.0.2.1 255.255.255.0
 crypto map VPN
line vty 0 4
 login local
";

#[test]
fn ios_show_crypto_ipsec_sa_json_over_ssh_exec() {
    if !have_ssh() {
        return;
    }
    let s = start("json-ios", "ios", IOS);
    let doc = document(&s.exec("admin", "cisco", "show crypto ipsec sa | json"));
    let ident = &doc["interface"]["GigabitEthernet0/0"]["ident"]["1"];
    assert_eq!(doc["interface"]["GigabitEthernet0/0"]["crypto_map_tag"], "VPN", "{doc:#}");
    assert_eq!(ident["local_ident"]["addr"], "198.51.100.0", "{doc:#}");
    assert_eq!(ident["remote_ident"]["mask"], "255.255.255.0", "{doc:#}");
    assert_eq!(ident["peer_ip"], "192.0.2.2", "{doc:#}");
    assert_eq!(ident["pfs"], "Y", "{doc:#}");
    assert_eq!(ident["dh_group"], "group14", "{doc:#}");
    assert_eq!(ident["inbound_esp_sas"], serde_json::json!({}), "no SA yet: {doc:#}");
    // The same document through `do`-less abbreviations and a filter before it.
    assert_eq!(document(&s.exec("admin", "cisco", "sh cry ips sa | include peer | js")), doc);
    let doc = document(&s.exec("admin", "cisco", "show ip interface brief | json"));
    assert_eq!(doc["interface"]["GigabitEthernet0/0"]["ip_address"], "192.0.2.1", "{doc:#}");
    // Nothing may follow | json: refused, exit status 1.
    let o = s.exec("admin", "cisco", "show crypto ipsec sa | json | include x");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("% Nothing may follow | json"), "{o:?}");
}

const SMARTEDGE: &str = "context local
 administrator admin password s3cret
 administrator viewer password viewpw
  privilege start 1
  privilege max 1
  ike policy to-r1
    pre-shared-key lab-secret
    identity local 192.0.2.2
    identity remote 192.0.2.1
!
tunnel ipsec t1
  peer-end-point local 192.0.2.2 remote 192.0.2.1 context local
  ike-policy to-r1
";

#[test]
fn smartedge_show_tunnel_json_over_ssh_exec() {
    if !have_ssh() {
        return;
    }
    let s = start("json-se", "smartedge", SMARTEDGE);
    let doc = document(&s.exec("admin", "s3cret", "show tunnel ipsec name t1 | json"));
    let t = &doc["tunnels"]["t1"];
    assert_eq!(t["remote"], "192.0.2.1", "{doc:#}");
    assert_eq!(t["ike_policy"], "to-r1", "{doc:#}");
    assert_eq!(doc["total"], 1, "{doc:#}");
    let doc = document(&s.exec("admin", "s3cret", "show ike policy | json"));
    assert_eq!(doc["ike_policy"]["to-r1"]["pre_shared_key"], "configured", "{doc:#}");
    assert!(!doc.to_string().contains("lab-secret"), "the key never appears: {doc:#}");
    // The command's own checks apply: a level-1 user is refused as without the pipe.
    let o = s.exec("viewer", "viewpw", "show configuration | json");
    assert!(String::from_utf8_lossy(&o.stdout).contains("% Permission denied"), "{o:?}");
}
