//! `cargo run --release --example scale [N]`: load and commit N static tunnels
//! (default 32,000, the SmartEdge per-router maximum) and report times and
//! peak memory; then `?`/TAB latency with that configuration loaded and the
//! time to stream `show configuration`.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Router, Session, SessionOptions, VecOut};
use std::sync::{Arc, Mutex};
use std::time::Instant;

// The allocator the edgesh binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time used so far (user + system), from /proc (10 ms resolution):
/// steadier than wall time on a busy machine.
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s.rsplit_once(')').map(|x| x.1).unwrap_or("").split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| f.get(i).and_then(|v| v.parse::<f64>().ok())).sum();
    ticks / 100.0
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(32_000);
    let text = edgesh_shell::scale::scale_config(n);
    println!("config: {n} tunnels, {} lines, {} bytes", text.lines().count(), text.len());
    let base = rss_kib("VmRSS:");
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Real, 1, std::env::temp_dir())));
    let (t, cpu) = (Instant::now(), cpu_s());
    let rep = edgesh_shell::load::load_config(&r, &text, "scale.cfg");
    let load = t.elapsed();
    assert_eq!(rep.rejected, 0, "{:?}", &rep.messages[..rep.messages.len().min(5)]);
    println!(
        "load + commit: {:.3} s, {:.2} s of CPU ({} lines, {} messages)",
        load.as_secs_f64(),
        cpu_s() - cpu,
        rep.lines,
        rep.messages.len()
    );
    {
        // Of which: deriving the engine's peers from the committed configuration.
        let running = r.lock().unwrap().running.clone();
        let t = Instant::now();
        let problems = edgesh_engine::validate::validate(&running);
        println!(
            "  of which whole-configuration validation: {:.3} s ({} problems)",
            t.elapsed().as_secs_f64(),
            problems.len()
        );
        let t = Instant::now();
        let ec = edgesh_engine::ike::EngineConf::from_config(&running);
        println!("  engine peers derived: {} in {:.3} s", ec.peers.len(), t.elapsed().as_secs_f64());
    }
    println!(
        "resident: {} MiB now, {} MiB peak (process start {} MiB)",
        rss_kib("VmRSS:") / 1024,
        rss_kib("VmHWM:") / 1024,
        base / 1024
    );
    if std::env::args().any(|a| a == "--load-only") {
        return;
    }
    assert_eq!(r.lock().unwrap().running.tunnels.len(), n);

    let mut s = Session::new(r.clone(), SessionOptions::default());
    let t = Instant::now();
    s.enter_config();
    println!("enter configuration mode (candidate copy): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut o = VecOut::default();
    s.execute("tunnel ipsec t-7", &mut o);
    for line in
        ["seq 10 ipsec-policy ipsec-pol acc", "peer-end-point local 192.0.2.1 re", "ip route traffic-selector-guided "]
    {
        let t = Instant::now();
        let iters = 1000;
        for _ in 0..iters {
            std::hint::black_box(s.help(line).ok());
            std::hint::black_box(s.complete(line));
        }
        println!("? + TAB on {line:?}: {:.1} us", t.elapsed().as_secs_f64() * 1e6 / iters as f64);
    }
    let t = Instant::now();
    let mut sink = edgesh_modes::out::WriteOut(std::io::sink());
    edgesh_modes::smartedge::render::render(
        &r.lock().unwrap().running,
        &edgesh_modes::smartedge::render::Selection::all(),
        &mut sink,
    );
    println!("show configuration streamed to a sink: {:.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    s.execute("mtu 1400", &mut o);
    let ok = s.commit(&mut o, None, None);
    println!("one-line change + commit with {n} tunnels: {:.3} s (ok={ok})", t.elapsed().as_secs_f64());
    println!("peak resident: {} MiB", rss_kib("VmHWM:") / 1024);
}
