//! `cargo run --example ios_scale [N...]`: load an IOS configuration of N
//! crypto map entries (`edgesh_shell::scale::ios_scale_config`; default
//! 1,000 and 10,000) and report the time of the load (which ends with the
//! engine taking the configuration) and of each step of that commit:
//! compile to the engine model, the engine configuration, the PKI attach.

use edgesh_engine::Config;
use edgesh_modes::{Clock, Router};
use std::sync::{Arc, Mutex};
use std::time::Instant;

// The allocator the edgesh binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut ns: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if ns.is_empty() {
        ns = vec![1_000, 10_000];
    }
    for n in ns {
        let text = edgesh_shell::scale::ios_scale_config(n);
        println!("config: {n} crypto map entries, {} lines", text.lines().count());
        let r = Arc::new(Mutex::new(Router::new(Config::new("scale"), Clock::Real, 1, std::env::temp_dir())));
        r.lock().unwrap().dialect = edgesh_modes::Dialect::Ios;
        let t = Instant::now();
        let rep = edgesh_shell::load::load_ios(&r, &text, "ios-scale.cfg");
        let load = t.elapsed().as_secs_f64();
        assert_eq!(rep.rejected, 0, "{:?}", &rep.messages[..rep.messages.len().min(5)]);
        let r = r.lock().unwrap();
        let peers = r.ike().conf().peers.len();
        assert_eq!(peers, n, "every entry reaches the engine");
        println!("  load + commit: {load:.3} s ({} lines, {peers} engine peers)", rep.lines);
        let t = Instant::now();
        let model = edgesh_modes::ios::compile::compile(&r.ios_doc).config;
        let compile = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut conf = edgesh_engine::ike::conf::EngineConf::from_config(&model);
        let engine = t.elapsed().as_secs_f64();
        let t = Instant::now();
        edgesh_modes::ios::pki::attach(&r.ios_doc, &mut conf, &r.state_dir);
        let attach = t.elapsed().as_secs_f64();
        println!("  commit steps: compile {compile:.3} s, engine conf {engine:.3} s, pki attach {attach:.3} s");
    }
}
