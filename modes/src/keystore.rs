//! The router's private keys, for both dialects: the store under the state
//! directory (`engine::pki::keys::KeyStore`: `<state>/pki/keys/<label>.pem`,
//! 0600 in 0700), the random source (seeded from the router's seed when its
//! clock is virtual, so the lab and the golden transcripts replay the same
//! keys; the operating system's otherwise), and generation done without
//! holding the router's lock (an RSA key takes a while; the network thread
//! goes on meanwhile).

use crate::session::Session;
use edgesh_engine::driver::Clock;
pub use edgesh_engine::pki::keys::{KeyKind, KeyStore, PrivateKey, StoredKey};

/// The key store of the router `s` runs on.
pub fn store(s: &Session) -> KeyStore {
    KeyStore::new(&s.router().state_dir)
}

/// A generated key, saved as `label`, and how long it took on the router's
/// clock (seconds; 0 on a virtual clock).
pub fn generate(s: &Session, label: &str, kind: KeyKind) -> Result<(PrivateKey, u64), String> {
    let (mut rng, store, start) = {
        let mut r = s.router();
        let seed = match r.engine.clock() {
            Clock::Virtual(_) => {
                let mut seed = [0u8; 32];
                for chunk in seed.chunks_mut(8) {
                    chunk.copy_from_slice(&r.random().to_be_bytes());
                }
                Some(seed)
            }
            Clock::Real => None,
        };
        (edgesh_engine::pki::keys::key_rng(seed), KeyStore::new(&r.state_dir), r.now())
    };
    let key = PrivateKey::generate(kind, &mut rng).map_err(|e| e.to_string())?;
    let end = s.router().now();
    store.save(label, &key, end).map_err(|e| e.to_string())?;
    // A new key is not exportable unless its command says so (the caller marks it).
    store.set_exportable(label, false).map_err(|e| e.to_string())?;
    Ok((key, end.saturating_sub(start)))
}

/// Save a key read from a file as `label`, dated now.
pub fn import(s: &Session, label: &str, key: &PrivateKey) -> Result<(), String> {
    let (store, now) = {
        let r = s.router();
        (KeyStore::new(&r.state_dir), r.now())
    };
    store.save(label, key, now).map_err(|e| e.to_string())
}
