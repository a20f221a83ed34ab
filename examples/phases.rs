use edgesh_engine::Config;
use edgesh_modes::{Clock, Router, Session, SessionOptions, VecOut};
use std::sync::{Arc, Mutex};
use std::time::Instant;
fn main() {
    let text = edgesh_shell::scale::scale_config(32000);
    let t = Instant::now();
    let lines = edgesh_grammar::config_lines(&text);
    println!("config_lines: {:?}", t.elapsed());
    let r = Arc::new(Mutex::new(Router::new(Config::new("edgesh"), Clock::Real, 1, std::env::temp_dir())));
    let mut s = Session::new(r.clone(), SessionOptions::default());
    s.record_history = false;
    s.enter_config();
    let t = Instant::now();
    let mut out = VecOut::default();
    for l in &lines {
        if l.text == "end" {
            break;
        }
        s.execute_with_caret(l.text, 0, &mut out);
    }
    println!("execute: {:?}", t.elapsed());
    let t = Instant::now();
    let p = edgesh_engine::validate::validate(s.candidate.as_ref().unwrap());
    println!("validate: {:?} {}", t.elapsed(), p.len());
    let t = Instant::now();
    let c = s.candidate.clone().unwrap();
    println!("clone: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = c == *r.lock().unwrap().running;
    println!("compare: {:?}", t.elapsed());
    let t = Instant::now();
    let toks: usize = lines.iter().map(|l| edgesh_grammar::tokenize(l.text).map(|t| t.len()).unwrap_or(0)).sum();
    println!("tokenize: {:?} {toks}", t.elapsed());
    let t = Instant::now();
    for l in &lines {
        std::hint::black_box(s.prompt());
        let _ = l;
    }
    println!("prompt x n: {:?}", t.elapsed());
}
