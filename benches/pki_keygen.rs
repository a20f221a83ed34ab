//! `cargo bench --bench pki_keygen`: key generation (RSA 2048, ECDSA P-256)
//! and signing a PKCS#10 request, what `add pki key-pair`, `crypto key
//! generate` and `crypto pki enroll` spend. RSA generation time varies a
//! lot with the primes drawn, so each sample uses another seed.
//! (Debug builds, as the tests run: about 0.18 s for RSA 1024 and 1.4 s
//! for RSA 2048; the tests and the golden transcripts use 1024-bit keys.)

use criterion::{Criterion, criterion_group, criterion_main};
use edgesh_engine::pki::csr::{NameAttr, Request};
use edgesh_engine::pki::keys::{KeyKind, PrivateKey, key_rng};
use std::hint::black_box;

fn keygen(c: &mut Criterion) {
    let mut g = c.benchmark_group("pki");
    g.sample_size(10);
    let mut seed = 0u8;
    g.bench_function("generate RSA 2048", |b| {
        b.iter(|| {
            seed = seed.wrapping_add(1);
            black_box(PrivateKey::generate(KeyKind::Rsa(2048), &mut key_rng(Some([seed; 32]))).unwrap())
        })
    });
    g.bench_function("generate ECDSA P-256", |b| {
        b.iter(|| black_box(PrivateKey::generate(KeyKind::P256, &mut key_rng(None)).unwrap()))
    });
    let req = Request {
        subject: vec![(NameAttr::Organization, "Example".into()), (NameAttr::CommonName, "r1.example.net".into())],
        ..Default::default()
    };
    for (name, kind) in
        [("build+sign request RSA 2048", KeyKind::Rsa(2048)), ("build+sign request P-256", KeyKind::P256)]
    {
        let key = PrivateKey::generate(kind, &mut key_rng(Some([7; 32]))).unwrap();
        g.bench_function(name, |b| b.iter(|| black_box(edgesh_engine::pki::csr::build(&key, &req).unwrap())));
    }
    g.finish();
}

criterion_group!(benches, keygen);
criterion_main!(benches);
