//! The IKEv1 and IKEv2 message parsers on arbitrary bytes: every payload
//! parser of both versions, the headers, and the IKEv2 message walk.
#![no_main]

use edgesh_engine::ike::{v2, wire};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = wire::Header::parse(data);
    let _ = wire::SaRepr::parse(data);
    let _ = wire::IdRepr::parse(data);
    let _ = wire::NotifyRepr::parse(data);
    let _ = wire::DeleteRepr::parse(data);
    let _ = wire::parse_attrs_pub(data);
    if let Some((first, rest)) = data.split_first() {
        let _ = wire::payloads(*first, rest);
        let _ = v2::wire::Msg::parse(*first, rest);
    }
    let _ = v2::wire::Header::parse(data);
});
