//! Where section 6.1's material lives outside the in-memory store: the key
//! pair `NAME` of context `CTX` is the key labelled `NAME@CTX` in the
//! router's key store (`crate::keystore`), and the files the PKI commands
//! read and write are paths under the state directory (`/flash/...`).

/// The key store label of key pair `name` in context `ctx`.
pub fn key_label(ctx: &str, name: &str) -> String {
    format!("{name}@{ctx}")
}

/// A file name the PKI commands take, as a path under the state directory.
pub fn path_of(s: &crate::session::Session, file: &str) -> Result<std::path::PathBuf, String> {
    // `/flash/...` (the router's flash partition) is the state directory.
    let dir = s.router().state_dir.clone();
    crate::statefs::resolve(&dir, crate::session::Dialect::SmartEdge, file)
}

/// The key pair `name` of context `ctx`, read from the key store.
pub fn key_pair(
    s: &crate::session::Session,
    ctx: &str,
    name: &str,
) -> Result<edgesh_engine::pki::keys::StoredKey, String> {
    crate::keystore::store(s).load(&key_label(ctx, name)).map_err(|e| match e {
        edgesh_engine::pki::keys::KeyError::NotFound(_) | edgesh_engine::pki::keys::KeyError::Label(_) => {
            format!("Key pair {name} does not exist")
        }
        e => format!("Key pair {name}: {e}"),
    })
}

/// The key pairs of context `ctx`: (name, key), by name.
pub fn key_pairs(s: &crate::session::Session, ctx: &str) -> Vec<(String, edgesh_engine::pki::keys::StoredKey)> {
    let suffix = format!("@{ctx}");
    crate::keystore::store(s)
        .all()
        .into_iter()
        .filter_map(|k| Some((k.label.strip_suffix(&suffix)?.to_string(), k)))
        .filter(|(n, _)| !n.contains('@'))
        .collect()
}
