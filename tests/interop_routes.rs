//! Routes edgesh installs itself (issue 19), against a real strongSwan in
//! network namespaces (edgesh in `left`, strongSwan in `right`; the driver
//! is `common/`): with no `ip route` typed by anyone, the protected prefix
//! of a tunnel is routed into `edgesh0` by edgesh (rtnetlink, `proto 237`),
//! a ping from the protected address goes through, and the route goes when
//! the configuration does; a stale route of a previous run is removed at
//! start; IOS `reverse-route` routes come with the SA and go with it.
//!
//! Needs root and strongSwan: without them every test says so LOUDLY and
//! passes; CI sets `EDGESH_REQUIRE_INTEROP=1` so that a missing peer fails.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn left_routes() -> String {
    let o = Command::new("ip").args(["-n", "left", "route", "show"]).output().expect("ip route");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Wait until `ip -n left route` does (or does not) hold `line`.
fn wait_route(e: &Edgesh, line: &str, present: bool, secs: u64) -> String {
    let t0 = Instant::now();
    loop {
        let r = left_routes();
        if r.lines().any(|l| l.trim() == line) == present {
            return r;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "route `{line}` {} after {secs} s:\n{r}\n{}",
            if present { "never came" } else { "never went" },
            e.cmd("show log")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn protected_prefix_is_routed_by_edgesh_and_removed_with_the_configuration() {
    let Some(_g) = ready() else { return };
    start_strongswan(&[
        ("IKE_VERSION", "1"),
        ("IKE_PROPOSAL", "aes128-sha1-modp2048"),
        ("ESP_PROPOSAL", "aes128-sha1-modp2048"),
    ]);
    // A previous run's route (edgesh's protocol number): removed at start.
    let o = Command::new("ip")
        .args(["-n", "left", "route", "add", "203.0.113.77/32", "via", "192.0.2.2", "proto", "237"])
        .output()
        .expect("ip");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A route someone else made is left alone.
    let o = Command::new("ip")
        .args(["-n", "left", "route", "add", "203.0.113.78/32", "via", "192.0.2.2"])
        .output()
        .expect("ip");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e =
        Edgesh::start("smartedge", &smartedge_config("main", 14, Some(14), "interop-test-psk", "203.0.113.1", false));
    e.wait_for("show tunnel ipsec name t1 detail", "Inbound SPI", 20);
    let want = "203.0.113.1 dev edgesh0 proto 237 scope link src 198.51.100.1";
    let routes = wait_route(&e, want, true, 10);
    assert!(!routes.contains("203.0.113.77"), "the stale route stayed:\n{routes}");
    assert!(routes.contains("203.0.113.78 via 192.0.2.2"), "another's route was touched:\n{routes}");
    // No `ip route` by hand: the ping goes through the route edgesh installed.
    let out = peer(&[], &["ping", "left"]);
    assert!(
        out.contains("4 packets transmitted, 4 received"),
        "{out}\n{routes}\n{}\n{}",
        e.cmd("show log"),
        charon_log()
    );
    // The dataplane threads' counts reach the engine at the network thread's next round (at most ~10 ms later).
    let d = e.wait_for("show tunnel ipsec name t1 detail", "4/4 packets", 5);
    assert!(d.contains("Traffic in/out          : 4/4 packets, 336/336 bytes"), "{d}");
    // SmartEdge `show ip route` lists it in context local.
    let sr = e.cmd("show ip route");
    assert!(sr.contains("203.0.113.1/32"), "{sr}");
    // Removing the configuration removes the route.
    e.cmd("configure");
    e.cmd("no tunnel ipsec t1");
    e.cmd("commit");
    e.cmd("end");
    wait_route(&e, want, false, 10);
    assert!(!left_routes().contains("proto 237"), "{}", left_routes());
}

#[test]
fn ios_reverse_route_comes_with_the_sa_and_goes_with_it() {
    let Some(_g) = ready() else { return };
    start_strongswan(&[
        ("IKE_VERSION", "1"),
        ("IKE_PROPOSAL", "aes128-sha1-modp1024"),
        ("ESP_PROPOSAL", "aes128-sha1-modp1024"),
    ]);
    let cfg = ios_config(2, "interop-test-psk").replace(" match address 101\n", " match address 101\n reverse-route\n");
    let e = Edgesh::start("ios", &cfg);
    std::thread::sleep(Duration::from_secs(1));
    assert!(!left_routes().contains("proto 237"), "no SA, no route:\n{}", left_routes());
    // strongSwan starts the tunnel; the SA's remote selector is routed.
    let _ = peer(&[], &["initiate", "right"]);
    e.wait_for("show crypto isakmp sa", "QM_IDLE", 20);
    let want = "203.0.113.1 dev edgesh0 proto 237 scope link src 198.51.100.1";
    wait_route(&e, want, true, 10);
    let out = peer(&[], &["ping", "left"]);
    assert!(out.contains("4 packets transmitted, 4 received"), "{out}\n{}", e.cmd("show logging"));
    let r = e.cmd("show ip route");
    assert!(r.contains("S        203.0.113.1 [1/0] via 192.0.2.2"), "{r}");
    // The SA goes: so does its route.
    e.cmd("clear crypto sa");
    wait_route(&e, want, false, 10);
}
