//! `cargo bench`: configuration load + commit, `?`/TAB latency with a large
//! configuration loaded, and `show configuration` rendering. The 32,000-tunnel
//! figures (and peak memory) come from `cargo run --release --example scale`;
//! the IOS crypto map figures for 1,000 and 10,000 entries (each step of the
//! commit) from `cargo run --example ios_scale`.

use criterion::{Criterion, criterion_group, criterion_main};
use edgesh_engine::Config;
use edgesh_modes::{Clock, Router, Session, SessionOptions, VecOut};
use std::hint::black_box;
use std::sync::{Arc, Mutex};

// The allocator the edgesh binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn router() -> Arc<Mutex<Router>> {
    Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Real, 1, std::env::temp_dir())))
}

fn load(c: &mut Criterion) {
    let text = edgesh_shell::scale::scale_config(4000);
    let mut g = c.benchmark_group("config");
    g.sample_size(10);
    g.bench_function("load+commit 4000 tunnels (60k lines)", |b| {
        b.iter(|| {
            let r = router();
            let rep = edgesh_shell::load::load_config(&r, &text, "bench.cfg");
            black_box(rep.lines)
        })
    });
    let r = router();
    edgesh_shell::load::load_config(&r, &text, "bench.cfg");
    g.bench_function("render show configuration 4000 tunnels", |b| {
        b.iter(|| {
            let mut sink = edgesh_modes::out::WriteOut(std::io::sink());
            edgesh_modes::smartedge::render::render(
                &r.lock().unwrap().running,
                &edgesh_modes::smartedge::render::Selection::all(),
                &mut sink,
            );
        })
    });
    g.finish();
}

fn cli(c: &mut Criterion) {
    let r = router();
    edgesh_shell::load::load_config(&r, &edgesh_shell::scale::scale_config(32_000), "bench.cfg");
    let mut s = Session::new(r, SessionOptions::default());
    s.enter_config();
    s.execute("tunnel ipsec t-7", &mut VecOut::default());
    c.bench_function("? help in tunnel mode, 32000 tunnels loaded", |b| {
        b.iter(|| black_box(s.help("seq 10 ipsec-policy ipsec-pol ")))
    });
    c.bench_function("TAB completion in tunnel mode, 32000 tunnels loaded", |b| {
        b.iter(|| black_box(s.complete("seq 10 ipsec-policy ipsec-pol acc")))
    });
    c.bench_function("parse+run one tunnel line", |b| {
        b.iter(|| black_box(s.execute("mtu 1400", &mut VecOut::default())))
    });
}

/// An IOS configuration of crypto map entries loaded and taken by the engine
/// (`load_ios` ends with the commit: compile, engine configuration, PKI attach).
fn ios_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("ios");
    g.sample_size(10);
    for n in [1_000, 10_000] {
        let text = edgesh_shell::scale::ios_scale_config(n);
        g.bench_function(format!("load+commit {n} crypto map entries"), |b| {
            b.iter(|| {
                let r = router();
                r.lock().unwrap().dialect = edgesh_modes::Dialect::Ios;
                let rep = edgesh_shell::load::load_ios(&r, &text, "bench.cfg");
                assert_eq!(rep.rejected, 0);
                black_box(rep.lines)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, load, ios_load, cli);
criterion_main!(benches);
