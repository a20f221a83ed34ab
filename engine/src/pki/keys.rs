//! Private keys: generation (RSA 1024..4096 bits, ECDSA P-256/P-384),
//! PKCS#8 PEM encoding and decoding, and the key store on disk.
//!
//! Owns the storage convention the dialects and the certificate code share:
//! a key labelled `L` is `<state dir>/pki/keys/L.pem`, PKCS#8 PEM, the file
//! mode 0600 in a directory of mode 0700; the file's modification time is
//! when the key was generated (on the router's clock, real or virtual).
//! A key generated exportable (IOS `crypto key generate ... exportable`)
//! has an empty marker file `L.exportable` beside it (mode 0600); the key
//! file itself is the same either way.
//! A private key is never printed, logged or put in a configuration: its
//! `Debug` says only what kind of key it is.
//!
//! Randomness comes from the caller ([`key_rng`]): from the operating
//! system, or from a seed when the router's clock is virtual (the lab and
//! the golden transcripts), so that a replay makes the same keys. The
//! primitives are RustCrypto's (`rsa`, `p256`, `p384`, `pkcs8`).

use rand::rngs::ChaCha20Rng;
use rand::{CryptoRng, SeedableRng};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The RSA moduli edgesh generates (the `rsa` crate refuses smaller ones,
/// and IOS 15.1 and later stop at 4096).
pub const RSA_MIN_BITS: u32 = 1024;
pub const RSA_MAX_BITS: u32 = 4096;

/// What kind of key to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa(u32),
    P256,
    P384,
}

impl KeyKind {
    /// The size in bits (the RSA modulus, or the curve's).
    pub fn bits(self) -> u32 {
        match self {
            KeyKind::Rsa(b) => b,
            KeyKind::P256 => 256,
            KeyKind::P384 => 384,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// An RSA modulus outside [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`].
    Size(u32),
    /// A label that cannot name a file (empty, `/`, `..`, control characters).
    Label(String),
    /// Not a private key in a PEM form edgesh reads (PKCS#8, PKCS#1 RSA, SEC1 EC).
    NotAKey(String),
    NotFound(String),
    /// A key file others may read (its path, its mode): refused, as ssh refuses such keys.
    Exposed(String, u32),
    Io(String),
    Generate(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Size(b) => write!(f, "RSA modulus of {b} bits is outside {RSA_MIN_BITS} to {RSA_MAX_BITS}"),
            KeyError::Label(l) => write!(f, "{l:?} cannot name a key"),
            KeyError::NotAKey(why) => write!(f, "not a private key ({why})"),
            KeyError::NotFound(l) => write!(f, "no key named {l}"),
            KeyError::Exposed(p, m) => write!(f, "{p} is readable by others (mode {m:o}); expected 0600"),
            KeyError::Io(e) => write!(f, "{e}"),
            KeyError::Generate(e) => write!(f, "key generation failed: {e}"),
        }
    }
}

pub use super::sig::PrivateKey;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

/// The size of an RSA private key's modulus (PKCS#1 `RSAPrivateKey` DER),
/// read before the `rsa` crate sees the key: it refuses moduli under 1024
/// bits with an error that does not say so.
fn rsa_bits(pkcs1_der: &[u8]) -> Result<u32, KeyError> {
    use der::Decode;
    let k = rsa::pkcs1::RsaPrivateKey::from_der(pkcs1_der).map_err(|e| KeyError::NotAKey(format!("PKCS#1: {e}")))?;
    let m = k.modulus.as_bytes();
    let m = &m[m.iter().take_while(|b| **b == 0).count()..];
    Ok(match m.first() {
        Some(f) => (m.len() as u32 - 1) * 8 + (8 - f.leading_zeros()),
        None => 0,
    })
}

fn rsa_checked(pkcs1_der: &[u8]) -> Result<(), KeyError> {
    let bits = rsa_bits(pkcs1_der)?;
    if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) { Ok(()) } else { Err(KeyError::Size(bits)) }
}

/// The random source for key generation: seeded (`Some`, a virtual clock:
/// replays make the same keys) or from the operating system (`None`).
pub fn key_rng(seed: Option<[u8; 32]>) -> ChaCha20Rng {
    match seed {
        Some(s) => ChaCha20Rng::from_seed(s),
        None => rand::make_rng::<ChaCha20Rng>(),
    }
}

impl PrivateKey {
    /// Generate a key. RSA moduli must be 1024 to 4096 bits; a 2048-bit
    /// RSA key takes seconds in a debug build.
    pub fn generate<R: CryptoRng + ?Sized>(kind: KeyKind, rng: &mut R) -> Result<PrivateKey, KeyError> {
        use p256::elliptic_curve::Generate;
        match kind {
            KeyKind::Rsa(bits) => {
                if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                    return Err(KeyError::Size(bits));
                }
                rsa::RsaPrivateKey::new(rng, bits as usize)
                    .map(PrivateKey::Rsa)
                    .map_err(|e| KeyError::Generate(e.to_string()))
            }
            KeyKind::P256 => {
                Ok(PrivateKey::P256(p256::ecdsa::SigningKey::from(p256::SecretKey::generate_from_rng(rng))))
            }
            KeyKind::P384 => {
                Ok(PrivateKey::P384(p384::ecdsa::SigningKey::from(p384::SecretKey::generate_from_rng(rng))))
            }
        }
    }

    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::Rsa(k) => KeyKind::Rsa(rsa::traits::PublicKeyParts::size(k) as u32 * 8),
            PrivateKey::P256(_) => KeyKind::P256,
            PrivateKey::P384(_) => KeyKind::P384,
        }
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), LF line ends. The text
    /// is wiped from memory when dropped.
    pub fn to_pkcs8_pem(&self) -> Result<zeroize::Zeroizing<String>, KeyError> {
        let r = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P384(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        r.map_err(|e| KeyError::Io(e.to_string()))
    }

    /// A PKCS#8 private key (DER): RSA of 1024 to 4096 bits, or EC P-256/P-384.
    pub fn from_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        use der::Decode;
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::NotAKey(format!("PKCS#8: {e}")))?;
        match info.algorithm.oid.to_string().as_str() {
            OID_RSA => {
                rsa_checked(info.private_key.as_bytes())?;
                rsa::RsaPrivateKey::from_pkcs8_der(der)
                    .map(PrivateKey::Rsa)
                    .map_err(|e| KeyError::NotAKey(format!("RSA: {e}")))
            }
            OID_EC => {
                let curve = info
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<der::oid::ObjectIdentifier>().ok())
                    .map(|o| o.to_string());
                match curve.as_deref() {
                    Some(OID_P256) => p256::ecdsa::SigningKey::from_pkcs8_der(der)
                        .map(PrivateKey::P256)
                        .map_err(|e| KeyError::NotAKey(format!("P-256: {e}"))),
                    Some(OID_P384) => p384::ecdsa::SigningKey::from_pkcs8_der(der)
                        .map(PrivateKey::P384)
                        .map_err(|e| KeyError::NotAKey(format!("P-384: {e}"))),
                    other => {
                        Err(KeyError::NotAKey(format!("elliptic curve {} not supported", other.unwrap_or("(none)"))))
                    }
                }
            }
            other => Err(KeyError::NotAKey(format!("algorithm {other} not supported"))),
        }
    }

    /// Read a private key from PEM: PKCS#8 (`PRIVATE KEY`, RSA or EC
    /// P-256/P-384), PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`).
    /// Encrypted keys are refused, and RSA keys under 1024 bits (or over 4096).
    pub fn from_pem(text: &str) -> Result<PrivateKey, KeyError> {
        let label =
            text.lines().find_map(|l| l.trim().strip_prefix("-----BEGIN ")?.strip_suffix("-----")).unwrap_or("");
        let der = || {
            let blocks = super::pem_blocks(text, label).map_err(|e| KeyError::NotAKey(e.0))?;
            blocks
                .into_iter()
                .next()
                .map(zeroize::Zeroizing::new)
                .ok_or_else(|| KeyError::NotAKey("no PEM block".into()))
        };
        match label {
            "PRIVATE KEY" => PrivateKey::from_der(&der()?),
            "RSA PRIVATE KEY" => {
                let d = der()?;
                rsa_checked(&d)?;
                rsa::RsaPrivateKey::from_pkcs1_der(&d)
                    .map(PrivateKey::Rsa)
                    .map_err(|e| KeyError::NotAKey(format!("PKCS#1: {e}")))
            }
            "EC PRIVATE KEY" => {
                if let Ok(k) = p256::SecretKey::from_sec1_pem(text) {
                    return Ok(PrivateKey::P256(k.into()));
                }
                p384::SecretKey::from_sec1_pem(text)
                    .map(|k| PrivateKey::P384(k.into()))
                    .map_err(|_| KeyError::NotAKey("an EC key not on P-256 or P-384".into()))
            }
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::NotAKey("encrypted".into())),
            "" => Err(KeyError::NotAKey("no PEM block".into())),
            other => Err(KeyError::NotAKey(format!("a PEM block of {other}"))),
        }
    }

    /// The public key as DER SubjectPublicKeyInfo (what IOS prints as `Key Data:`).
    pub fn public_key_der(&self) -> Vec<u8> {
        let d = match self {
            PrivateKey::Rsa(k) => rsa::RsaPublicKey::from(k).to_public_key_der(),
            PrivateKey::P256(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::P384(k) => k.verifying_key().to_public_key_der(),
        };
        // Encoding a well-formed public key cannot fail; an empty result would show as no data.
        d.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// The key `label` of the router whose state directory is `state_dir`
    /// ([`KeyStore::load`]), its errors worded `key pair LABEL: why`.
    pub fn load(state_dir: &Path, label: &str) -> Result<PrivateKey, String> {
        KeyStore::new(state_dir).load(label).map(|k| k.key).map_err(|e| format!("key pair {label}: {e}"))
    }
}

/// A key as the store holds it.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub label: String,
    pub key: PrivateKey,
    /// When it was generated or imported, seconds since the epoch.
    pub created: u64,
    /// Generated exportable (the `L.exportable` marker is present).
    pub exportable: bool,
}

/// The keys under `<state dir>/pki/keys/`.
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: PathBuf,
}

/// Can `label` name a key file? Printable, no `/`, not `.` or `..`, at most 128 bytes.
pub fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 128
        && label != "."
        && label != ".."
        && !label.starts_with('.')
        && label.chars().all(|c| c.is_ascii_graphic() && c != '/' && c != '\\')
}

impl KeyStore {
    /// The store of a router whose state directory is `state_dir`.
    pub fn new(state_dir: &Path) -> KeyStore {
        KeyStore { dir: state_dir.join("pki").join("keys") }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the key `label`.
    pub fn path(&self, label: &str) -> Result<PathBuf, KeyError> {
        if !valid_label(label) {
            return Err(KeyError::Label(label.to_string()));
        }
        Ok(self.dir.join(format!("{label}.pem")))
    }

    fn ensure_dir(&self) -> Result<(), KeyError> {
        let io = |e: std::io::Error| KeyError::Io(format!("{}: {e}", self.dir.display()));
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.dir).map_err(io)?;
        // A directory made earlier (or by someone else's umask) is closed to others too.
        std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700)).map_err(io)
    }

    /// Write `key` as `label` (replacing one of that name), mode 0600, with
    /// `created` as its time. Written to a temporary file first and renamed,
    /// so a reader never sees half a key.
    pub fn save(&self, label: &str, key: &PrivateKey, created: u64) -> Result<(), KeyError> {
        let path = self.path(label)?;
        self.ensure_dir()?;
        let pem = key.to_pkcs8_pem()?;
        let tmp = self.dir.join(format!(".{label}.pem.tmp"));
        let io = |e: std::io::Error| KeyError::Io(format!("{}: {e}", path.display()));
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io)?;
        f.write_all(pem.as_bytes()).map_err(io)?;
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(created)).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// The key `label`. A file others may read (group or world bits) is
    /// refused, and so is an RSA key under 1024 bits.
    pub fn load(&self, label: &str) -> Result<StoredKey, KeyError> {
        let path = self.path(label)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => zeroize::Zeroizing::new(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyError::NotFound(label.to_string())),
            Err(e) => return Err(KeyError::Io(format!("{}: {e}", path.display()))),
        };
        let mode = std::fs::metadata(&path)
            .map_err(|e| KeyError::Io(format!("{}: {e}", path.display())))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed(path.display().to_string(), mode));
        }
        let key = PrivateKey::from_pem(&text)?;
        let created = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let exportable = self.exportable_path(label).is_ok_and(|p| p.is_file());
        Ok(StoredKey { label: label.to_string(), key, created, exportable })
    }

    fn exportable_path(&self, label: &str) -> Result<PathBuf, KeyError> {
        self.path(label)?;
        Ok(self.dir.join(format!("{label}.exportable")))
    }

    /// Mark the key `label` exportable or not (the marker file, mode 0600).
    pub fn set_exportable(&self, label: &str, exportable: bool) -> Result<(), KeyError> {
        let path = self.exportable_path(label)?;
        let io = |e: std::io::Error| KeyError::Io(format!("{}: {e}", path.display()));
        if !exportable {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            };
        }
        self.ensure_dir()?;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map(|_| ())
            .map_err(io)
    }

    pub fn exists(&self, label: &str) -> bool {
        self.path(label).is_ok_and(|p| p.is_file())
    }

    /// Remove the key `label` (and its exportable marker); false if there was none.
    pub fn remove(&self, label: &str) -> Result<bool, KeyError> {
        let path = self.path(label)?;
        self.set_exportable(label, false)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(KeyError::Io(format!("{}: {e}", path.display()))),
        }
    }

    /// The labels held, sorted.
    pub fn labels(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut v: Vec<String> = rd
            .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".pem").map(str::to_string))
            .filter(|l| valid_label(l))
            .collect();
        v.sort();
        v
    }

    /// Every key held, by label (a file that does not read as a key is skipped).
    pub fn all(&self) -> Vec<StoredKey> {
        self.labels().iter().filter_map(|l| self.load(l).ok()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("edgesh-keys-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn seeded_generation_is_repeatable_and_sized() {
        let a = PrivateKey::generate(KeyKind::Rsa(1024), &mut key_rng(Some([7; 32]))).unwrap();
        let b = PrivateKey::generate(KeyKind::Rsa(1024), &mut key_rng(Some([7; 32]))).unwrap();
        let c = PrivateKey::generate(KeyKind::Rsa(1024), &mut key_rng(Some([8; 32]))).unwrap();
        assert_eq!(a.kind(), KeyKind::Rsa(1024));
        assert_eq!(a.public_key_der(), b.public_key_der());
        assert_ne!(a.public_key_der(), c.public_key_der());
        // SubjectPublicKeyInfo of a 1024-bit key: 162 bytes, starting 30819F30 0D06092A 864886F7 0D010101 (as IOS shows it).
        let der = a.public_key_der();
        assert_eq!(der.len(), 162);
        assert_eq!(
            &der[..16],
            &[0x30, 0x81, 0x9F, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
        );
        let p = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([7; 32]))).unwrap();
        assert_eq!(p.kind(), KeyKind::P256);
        assert_eq!(p.public_key_der().len(), 91);
        let q = PrivateKey::generate(KeyKind::P384, &mut key_rng(None)).unwrap();
        assert_eq!(q.kind(), KeyKind::P384);
        assert_eq!(q.public_key_der().len(), 120);
    }

    #[test]
    fn sizes_outside_the_range_are_refused() {
        for bits in [512, 1023, 4097, 8192] {
            assert_eq!(
                PrivateKey::generate(KeyKind::Rsa(bits), &mut key_rng(Some([1; 32]))).unwrap_err(),
                KeyError::Size(bits)
            );
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let k = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([3; 32]))).unwrap();
        assert_eq!(format!("{k:?}"), "PrivateKey(ECDSA, 256 bits)");
        let pem = k.to_pkcs8_pem().unwrap();
        let body = pem.lines().nth(1).unwrap();
        assert!(!format!("{k:?}").contains(body));
    }

    #[test]
    fn store_writes_0600_in_a_0700_dir_and_reads_back() {
        let d = tmp("store");
        let st = KeyStore::new(&d);
        let k = PrivateKey::generate(KeyKind::P384, &mut key_rng(Some([4; 32]))).unwrap();
        st.save("R1.example.net", &k, 1_795_358_264).unwrap();
        let path = d.join("pki/keys/R1.example.net.pem");
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(d.join("pki/keys")).unwrap().permissions().mode() & 0o777, 0o700);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{}", &text[..30]);
        let back = st.load("R1.example.net").unwrap();
        assert_eq!(back.created, 1_795_358_264);
        assert_eq!(back.key.public_key_der(), k.public_key_der());
        assert_eq!(st.labels(), vec!["R1.example.net".to_string()]);
        // A directory made open beforehand is closed again.
        std::fs::set_permissions(d.join("pki/keys"), std::fs::Permissions::from_mode(0o755)).unwrap();
        st.save("second", &k, 1).unwrap();
        assert_eq!(std::fs::metadata(d.join("pki/keys")).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(!st.load("second").unwrap().exportable);
        st.set_exportable("second", true).unwrap();
        assert!(st.load("second").unwrap().exportable);
        assert_eq!(
            std::fs::metadata(d.join("pki/keys/second.exportable")).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(st.labels(), vec!["R1.example.net".to_string(), "second".to_string()]);
        assert!(st.remove("second").unwrap());
        assert!(!d.join("pki/keys/second.exportable").exists());
        assert!(!st.remove("second").unwrap());
        assert_eq!(st.load("second").unwrap_err(), KeyError::NotFound("second".into()));
        for bad in ["", "..", "a/b", ".hidden", "sp ace"] {
            assert!(matches!(st.save(bad, &k, 1), Err(KeyError::Label(_))), "{bad:?}");
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn pem_forms_are_read_and_others_refused() {
        let k = PrivateKey::generate(KeyKind::Rsa(1024), &mut key_rng(Some([5; 32]))).unwrap();
        let PrivateKey::Rsa(r) = &k else { unreachable!() };
        let pkcs1 = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(r, LineEnding::LF).unwrap();
        assert_eq!(PrivateKey::from_pem(&pkcs1).unwrap().public_key_der(), k.public_key_der());
        assert_eq!(PrivateKey::from_pem(&k.to_pkcs8_pem().unwrap()).unwrap().public_key_der(), k.public_key_der());
        let e = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([5; 32]))).unwrap();
        let PrivateKey::P256(s) = &e else { unreachable!() };
        let sec1 = p256::SecretKey::from(s.as_nonzero_scalar()).to_sec1_pem(LineEnding::LF).unwrap();
        assert_eq!(PrivateKey::from_pem(&sec1).unwrap().public_key_der(), e.public_key_der());
        assert!(matches!(
            PrivateKey::from_pem("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"),
            Err(KeyError::NotAKey(_))
        ));
        assert!(matches!(PrivateKey::from_pem("hello"), Err(KeyError::NotAKey(_))));
        assert!(matches!(
            PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            Err(KeyError::NotAKey(_))
        ));
    }

    #[test]
    fn rsa_keys_under_1024_bits_are_refused_clearly() {
        // openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512, in PKCS#8 and PKCS#1 forms.
        for pem in [include_str!("testdata/rsa-512.key"), include_str!("testdata/rsa-512.trad.key")] {
            let e = PrivateKey::from_pem(pem).unwrap_err();
            assert_eq!(e, KeyError::Size(512));
            assert_eq!(e.to_string(), "RSA modulus of 512 bits is outside 1024 to 4096");
        }
        // Through the store, as IKE loads a trustpoint's or key pair's key.
        let d = tmp("small");
        let st = KeyStore::new(&d);
        let k = PrivateKey::generate(KeyKind::P256, &mut key_rng(Some([6; 32]))).unwrap();
        st.save("SMALL", &k, 1).unwrap();
        std::fs::write(d.join("pki/keys/SMALL.pem"), include_str!("testdata/rsa-512.key")).unwrap();
        assert_eq!(
            PrivateKey::load(&d, "SMALL").unwrap_err(),
            "key pair SMALL: RSA modulus of 512 bits is outside 1024 to 4096"
        );
        // A file others may read is refused before it is read as a key.
        std::fs::set_permissions(d.join("pki/keys/SMALL.pem"), std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(
            st.load("SMALL").unwrap_err(),
            KeyError::Exposed(d.join("pki/keys/SMALL.pem").display().to_string(), 0o640)
        );
        assert_eq!(
            PrivateKey::load(&d, "SMALL").unwrap_err(),
            format!(
                "key pair SMALL: {}/pki/keys/SMALL.pem is readable by others (mode 640); expected 0600",
                d.display()
            )
        );
        assert_eq!(PrivateKey::load(&d, "none").unwrap_err(), "key pair none: no key named none");
        let _ = std::fs::remove_dir_all(&d);
        // 1024 bits is the least that loads.
        let k = PrivateKey::generate(KeyKind::Rsa(1024), &mut key_rng(Some([5; 32]))).unwrap();
        assert_eq!(PrivateKey::from_pem(&k.to_pkcs8_pem().unwrap()).unwrap().kind(), KeyKind::Rsa(1024));
    }
}
