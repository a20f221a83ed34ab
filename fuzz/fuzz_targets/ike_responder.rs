//! The IOS responder of `fuzz/harness.rs` fed the datagrams of the input
//! (IKEv1 and IKEv2 on ports 500 and 4500, from three peers and a NAT'd one,
//! with time passing): no input may panic it.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use edgesh_engine::ike::EngineConf;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static CONF: OnceLock<EngineConf> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let conf = CONF.get_or_init(|| harness::conf_of(harness::RESPONDER));
    let _ = harness::run(conf, data);
});
