//! Kernel XFRM (issue 19): the kernel of a fresh network namespace parses
//! the policies edgesh builds for a child SA, and `ip xfrm policy` reads
//! back what edgesh meant. States need ESP in the kernel's XFRM: on a
//! kernel without it (this project's machines) the test asserts the refusal
//! is the one expected ("Protocol not supported") and that nothing of the
//! refused pair stays behind; on a kernel with ESP it reads the states back.
//! A later start removes what an earlier run left (edgesh's reqids only).
//! Needs root (CAP_NET_ADMIN, `ip netns`): without it the test says so
//! LOUDLY and passes; `EDGESH_REQUIRE_INTEROP=1` makes that a failure.

use edgesh_engine::config::{EspAuth, EspEncr, Prefix4};
use edgesh_engine::ike::conf::Selector;
use edgesh_engine::ike::types::SaKeys;
use edgesh_shell::xfrm_sa::{Installer, SaSpec};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::Command;

/// A network namespace of this test, deleted at the end.
struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Option<Netns> {
        let name = format!("edgesh-xfrm-{tag}-{}", std::process::id());
        let ok = Command::new("ip").args(["netns", "add", &name]).status().map(|s| s.success()).unwrap_or(false);
        ok.then_some(Netns(name))
    }
    /// Run `f` on a thread inside the namespace (netlink sockets it opens are the namespace's).
    fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/run/netns/{}", self.0);
        std::thread::spawn(move || {
            let fd = std::fs::File::open(&path).expect("the namespace file");
            nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
            f()
        })
        .join()
        .expect("the namespace thread")
    }
    fn ip(&self, args: &[&str]) -> String {
        let o = Command::new("ip").args(["netns", "exec", &self.0, "ip"]).args(args).output().expect("ip");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ts(a: [u8; 4], len: u8, proto: u8, port: u16) -> Selector {
    Selector { net: Prefix4 { addr: Ipv4Addr::from(a), len }, proto, port }
}

fn spec(local_ts: Selector, remote_ts: Selector, encr: EspEncr, auth: Option<EspAuth>, encap: bool) -> SaSpec {
    let (elen, alen) = match (encr, auth) {
        (EspEncr::Aes128Gcm, _) => (20, 0),
        _ => (16, 20),
    };
    SaSpec {
        local: SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), if encap { 4500 } else { 500 }),
        remote: SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), if encap { 31000 } else { 500 }),
        encap,
        local_ts,
        remote_ts,
        spi_in: 0xc0000001,
        spi_out: 0xd0000002,
        encr,
        auth,
        keys_in: SaKeys { encr: vec![0x11; elen], auth: vec![0x22; alen] },
        keys_out: SaKeys { encr: vec![0x33; elen], auth: vec![0x44; alen] },
        replay_window: 64,
        esn: false,
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

#[test]
fn policies_read_back_with_ip_xfrm_and_states_need_esp() {
    if !is_root() {
        assert!(std::env::var("EDGESH_REQUIRE_INTEROP").is_err(), "the XFRM policy test needs root");
        eprintln!("\n!!! SKIPPING the XFRM policy test: not root (it needs a network namespace)\n");
        return;
    }
    let ns = Netns::new("pol").expect("ip netns add");
    let esp_in_kernel = matches!(ns.run(edgesh_shell::xfrm::probe), edgesh_shell::xfrm::Probe::Accepted);

    // A subnet pair, and a host pair limited to TCP to port 443.
    let a = spec(
        ts([10, 1, 0, 0], 24, 0, 0),
        ts([10, 2, 0, 0], 16, 0, 0),
        EspEncr::Aes128Cbc,
        Some(EspAuth::HmacSha1_96),
        false,
    );
    let b = spec(ts([10, 1, 0, 5], 32, 6, 0), ts([10, 2, 0, 9], 32, 6, 443), EspEncr::Aes128Gcm, None, true);
    let (ra, rb) = ns.run({
        let (a, b) = (a.clone(), b.clone());
        move || {
            let mut i = Installer::new();
            (
                i.install_policies("Tunnel1", &a).map_err(|e| e.to_string()),
                i.install_policies("Tunnel2", &b).map_err(|e| e.to_string()),
            )
        }
    });
    assert_eq!((ra, rb), (Ok((0xedd5_0001, true)), Ok((0xedd5_0002, true))));
    let got = ns.ip(&["xfrm", "policy"]);
    let want = "\
src 10.2.0.9/32 dst 10.1.0.5/32 proto tcp sport 443 
\tdir fwd priority 1934 ptype main 
\ttmpl src 198.51.100.2 dst 192.0.2.1
\t\tproto esp reqid 3990159362 mode tunnel
src 10.2.0.9/32 dst 10.1.0.5/32 proto tcp sport 443 
\tdir in priority 1934 ptype main 
\ttmpl src 198.51.100.2 dst 192.0.2.1
\t\tproto esp reqid 3990159362 mode tunnel
src 10.1.0.5/32 dst 10.2.0.9/32 proto tcp dport 443 
\tdir out priority 1934 ptype main 
\ttmpl src 192.0.2.1 dst 198.51.100.2
\t\tproto esp reqid 3990159362 mode tunnel
src 10.2.0.0/16 dst 10.1.0.0/24 
\tdir fwd priority 1960 ptype main 
\ttmpl src 198.51.100.2 dst 192.0.2.1
\t\tproto esp reqid 3990159361 mode tunnel
src 10.2.0.0/16 dst 10.1.0.0/24 
\tdir in priority 1960 ptype main 
\ttmpl src 198.51.100.2 dst 192.0.2.1
\t\tproto esp reqid 3990159361 mode tunnel
src 10.1.0.0/24 dst 10.2.0.0/16 
\tdir out priority 1960 ptype main 
\ttmpl src 192.0.2.1 dst 198.51.100.2
\t\tproto esp reqid 3990159361 mode tunnel
";
    assert_eq!(got, want);

    // A whole pair (policies and states) with other selectors and a
    // 1024-packet window (IOS `replay window-size 1024`).
    let c = SaSpec {
        replay_window: 1024,
        ..spec(
            ts([10, 3, 0, 0], 24, 0, 0),
            ts([10, 4, 0, 0], 24, 0, 0),
            EspEncr::Aes128Cbc,
            Some(EspAuth::HmacSha1_96),
            false,
        )
    };
    let (rc, installed) = ns.run({
        let c = c.clone();
        move || {
            let mut i = Installer::new();
            let r = i.install("Tunnel3", &c);
            (r.map_err(|e| e.raw_os_error()), i.installed())
        }
    });
    if esp_in_kernel {
        assert_eq!(rc, Ok(()));
        assert_eq!(installed, vec![(0xc0000001, 0xd0000002)]);
        let st = ns.ip(&["xfrm", "state"]);
        assert!(
            st.contains("src 198.51.100.2 dst 192.0.2.1\n\tproto esp spi 0xc0000001 reqid 3990159361 mode tunnel"),
            "{st}"
        );
        assert!(
            st.contains("src 192.0.2.1 dst 198.51.100.2\n\tproto esp spi 0xd0000002 reqid 3990159361 mode tunnel"),
            "{st}"
        );
        assert!(st.contains("replay_window 1024, bitmap-length 32"), "the configured window: {st}");
    } else {
        // Documented skip of the states: this kernel has no ESP in XFRM. The
        // refusal must be the one the start-up probe reports (EPROTONOSUPPORT).
        eprintln!("states: skipped, the kernel has no ESP in XFRM (refused with EPROTONOSUPPORT as expected)");
        assert_eq!(rc, Err(Some(93)), "Protocol not supported");
        assert!(installed.is_empty());
        // AES-GCM with NAT-T encapsulation: the kernel looks the AEAD up
        // before the protocol, so a kernel without `rfc4106(gcm(aes))` (this
        // one) answers ENOSYS ("Requested AEAD algorithm not found" in `ip
        // xfrm`), one with it EPROTONOSUPPORT; nothing else, and nothing stays.
        let d = spec(ts([10, 5, 0, 0], 24, 0, 0), ts([10, 6, 0, 0], 24, 0, 0), EspEncr::Aes128Gcm, None, true);
        let rd = ns.run(move || Installer::new().install("Tunnel4", &d).map_err(|e| e.raw_os_error()));
        assert!(matches!(rd, Err(Some(38 | 93))), "{rd:?}");
        assert_eq!(ns.ip(&["xfrm", "policy"]), want);
        // The refused pair's policies were taken back; the others stay.
        let now = ns.ip(&["xfrm", "policy"]);
        assert_eq!(now, want);
        assert_eq!(ns.ip(&["xfrm", "state"]), "");
        // The counters' query parses (no such state: ESRCH, not EINVAL).
        let q = ns.run(|| {
            Installer::new()
                .state_counts(&SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 500), 0xc0000001)
                .map_err(|e| e.raw_os_error())
        });
        assert_eq!(q, Err(Some(3)));
    }

    // Removing the policies leaves the kernel as it was.
    let gone = ns.run({
        let (a, b) = (a.clone(), b.clone());
        move || {
            let mut i = Installer::new();
            (
                i.remove_policies("Tunnel1", &a).map_err(|e| e.to_string()),
                i.remove_policies("Tunnel2", &b).map_err(|e| e.to_string()),
            )
        }
    });
    assert_eq!(gone, (Ok(()), Ok(())));
    if !esp_in_kernel {
        assert_eq!(ns.ip(&["xfrm", "policy"]), "");
    }

    // What a run left behind is removed at the next start (edgesh's reqids
    // only): a policy of someone else's stays.
    ns.ip(&[
        "xfrm",
        "policy",
        "add",
        "src",
        "10.8.0.0/24",
        "dst",
        "10.9.0.0/24",
        "dir",
        "out",
        "tmpl",
        "src",
        "192.0.2.7",
        "dst",
        "192.0.2.8",
        "proto",
        "esp",
        "reqid",
        "5",
        "mode",
        "tunnel",
    ]);
    let cleaned = ns.run({
        let (a, b) = (a.clone(), b.clone());
        move || {
            let mut run1 = Installer::new();
            run1.install_policies("Tunnel1", &a).unwrap();
            run1.install_policies("Tunnel2", &b).unwrap();
            drop(run1);
            Installer::new().clean_stale().map_err(|e| e.to_string())
        }
    });
    assert_eq!(cleaned, Ok((0, 6)));
    assert_eq!(
        ns.ip(&["xfrm", "policy"]),
        "src 10.8.0.0/24 dst 10.9.0.0/24 \n\tdir out priority 0 ptype main \n\ttmpl src 192.0.2.7 dst 192.0.2.8\n\t\tproto esp reqid 5 mode tunnel\n"
    );

    // When edgesh ends (with the kernel carrying its SAs), its policies go; the other one stays.
    let foreign = ns.ip(&["xfrm", "policy"]);
    ns.run({
        let a = a.clone();
        move || {
            let guard = edgesh_shell::xfrm_sa::ExitGuard;
            Installer::new().install_policies("Tunnel1", &a).unwrap();
            edgesh_shell::xfrm::ACTIVE.store(true, std::sync::atomic::Ordering::Relaxed);
            drop(guard);
            assert!(!edgesh_shell::xfrm::ACTIVE.load(std::sync::atomic::Ordering::Relaxed));
        }
    });
    assert_eq!(ns.ip(&["xfrm", "policy"]), foreign);
}
