//! A decoded X.509 certificate as the Cisco dialects show it (IOS `show
//! crypto pki certificates`, ASA `show crypto ca certificates`): serial,
//! names (attributes in RFC 4514 order, keys in lower case), validity, public
//! key, signature algorithm, alternative names, key usage, basic
//! constraints, fingerprints. Decoded with RustCrypto's `x509-cert`/`der` (no
//! ASN.1 by hand); no wording of either dialect beyond the words both print.

use x509_cert::Certificate;
use x509_cert::der::asn1::UintRef;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode, Encode, Reader, SliceReader};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectAltName, name::GeneralName};

/// The public key of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    Rsa { bits: usize },
    Ec { curve: &'static str, bits: usize },
    Other(String),
}

/// A decoded X.509 certificate: what `show crypto pki certificates` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    pub version: u8,
    /// The serial number in upper-case hex, as encoded (`01`, `00DC`).
    pub serial_hex: String,
    /// The names' attributes most significant last (RFC 4514 order, as IOS
    /// prints them): (`cn`, `R1`), (`o`, `Example`) ...
    pub subject: Vec<(String, String)>,
    pub issuer: Vec<(String, String)>,
    /// Validity, in seconds since the epoch.
    pub not_before: u64,
    pub not_after: u64,
    pub key: PublicKey,
    /// Signature algorithm, as IOS names it (`SHA256 with RSA Encryption`).
    pub signature: String,
    /// Subject alternative names, typed (`IP Address: 192.0.2.1`, ...).
    pub sans: Vec<San>,
    /// The key usage bits (RFC 5280 order, bit 0 = digitalSignature) if the extension is present.
    pub key_usage: Option<u16>,
    pub is_ca: Option<bool>,
    pub md5: [u8; 16],
    pub sha1: [u8; 20],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum San {
    Dns(String),
    Ip(std::net::IpAddr),
    Email(String),
    Uri(String),
    Other,
}

/// The names of the key usage bits, in IOS's words and bit order.
pub const KEY_USAGE_NAMES: [&str; 9] = [
    "Digital Signature",
    "Non Repudiation",
    "Key Encipherment",
    "Data Encipherment",
    "Key Agreement",
    "Key Cert Sign",
    "CRL Signature",
    "Encipher Only",
    "Decipher Only",
];

fn sig_name(o: &ObjectIdentifier) -> String {
    match o.to_string().as_str() {
        "1.2.840.113549.1.1.4" => "MD5 with RSA Encryption".into(),
        "1.2.840.113549.1.1.5" => "SHA1 with RSA Encryption".into(),
        "1.2.840.113549.1.1.11" => "SHA256 with RSA Encryption".into(),
        "1.2.840.113549.1.1.12" => "SHA384 with RSA Encryption".into(),
        "1.2.840.113549.1.1.13" => "SHA512 with RSA Encryption".into(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        "1.2.840.10045.4.3.2" => "SHA256 with ECDSA".into(),
        "1.2.840.10045.4.3.3" => "SHA384 with ECDSA".into(),
        "1.2.840.10045.4.3.4" => "SHA512 with ECDSA".into(),
        other => other.to_string(),
    }
}

/// Decode a certificate (DER).
pub fn decode(der: &[u8]) -> Result<CertInfo, String> {
    use md5::Digest;
    let cert = Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate ({e})"))?;
    let tbs = cert.tbs_certificate();
    let serial_hex: String = tbs.serial_number().as_bytes().iter().map(|b| format!("{b:02X}")).collect();
    let spki = tbs.subject_public_key_info();
    let key_bytes = spki.subject_public_key.raw_bytes();
    let key = match spki.algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => {
            let n = SliceReader::new(key_bytes)
                .and_then(|mut r| {
                    r.sequence(|r| {
                        let n = UintRef::decode(r)?;
                        let _e = UintRef::decode(r)?;
                        Ok(n.as_bytes().len())
                    })
                })
                .map_err(|e| format!("bad RSA public key ({e})"))?;
            // The modulus's bits: its bytes without leading zeros, less the top byte's leading zero bits.
            let nb = SliceReader::new(key_bytes)
                .and_then(|mut r| {
                    r.sequence(|r| {
                        let n = UintRef::decode(r)?;
                        let _ = UintRef::decode(r)?;
                        Ok(n.as_bytes().first().map(|b| b.leading_zeros() as usize).unwrap_or(0))
                    })
                })
                .unwrap_or(0);
            PublicKey::Rsa { bits: n * 8 - nb }
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .map(|o| o.to_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => PublicKey::Ec { curve: "prime256v1", bits: 256 },
                Some("1.3.132.0.34") => PublicKey::Ec { curve: "secp384r1", bits: 384 },
                Some("1.3.132.0.35") => PublicKey::Ec { curve: "secp521r1", bits: 521 },
                other => PublicKey::Other(format!("EC {}", other.unwrap_or("?"))),
            }
        }
        other => PublicKey::Other(other.to_string()),
    };
    let bad = |what: &str| format!("bad {what} extension");
    let key_usage = tbs.get_extension::<KeyUsage>().map_err(|_| bad("key usage"))?.map(|(_, ku)| ku.0.bits());
    let is_ca = tbs.get_extension::<BasicConstraints>().map_err(|_| bad("basic constraints"))?.map(|(_, bc)| bc.ca);
    let sans = tbs
        .get_extension::<SubjectAltName>()
        .map_err(|_| bad("subject alternative name"))?
        .map(|(_, san)| {
            san.0
                .iter()
                .map(|g| match g {
                    GeneralName::DnsName(s) => San::Dns(s.to_string()),
                    GeneralName::Rfc822Name(s) => San::Email(s.to_string()),
                    GeneralName::UniformResourceIdentifier(s) => San::Uri(s.to_string()),
                    GeneralName::IpAddress(o) => match o.as_bytes().len() {
                        4 => San::Ip(std::net::IpAddr::from(<[u8; 4]>::try_from(o.as_bytes()).unwrap_or_default())),
                        16 => San::Ip(std::net::IpAddr::from(<[u8; 16]>::try_from(o.as_bytes()).unwrap_or_default())),
                        _ => San::Other,
                    },
                    _ => San::Other,
                })
                .collect()
        })
        .unwrap_or_default();
    let version = match tbs.version() {
        x509_cert::certificate::Version::V1 => 1,
        x509_cert::certificate::Version::V2 => 2,
        x509_cert::certificate::Version::V3 => 3,
    };
    // The fingerprints are of the certificate's encoding as held.
    let enc = cert.to_der().map_err(|e| format!("not an X.509 certificate ({e})"))?;
    let md5: [u8; 16] = md5::Md5::digest(&enc).into();
    let sha1: [u8; 20] = sha1::Sha1::digest(&enc).into();
    Ok(CertInfo {
        version,
        serial_hex,
        // Most significant last, keys in IOS's lower case (the certificate maps compare the same text).
        subject: edgesh_engine::pki::certmap::name_attrs(tbs.subject()),
        issuer: edgesh_engine::pki::certmap::name_attrs(tbs.issuer()),
        not_before: tbs.validity().not_before.to_unix_duration().as_secs(),
        not_after: tbs.validity().not_after.to_unix_duration().as_secs(),
        key,
        signature: sig_name(&cert.signature_algorithm().oid),
        sans,
        key_usage,
        is_ca,
        md5,
        sha1,
    })
}

/// The certificate's usage as IOS and the ASA word it (`ca`: held as a CA
/// certificate).
pub fn usage(c: &CertInfo, ca: bool) -> &'static str {
    if ca || c.is_ca == Some(true) {
        return "Signature";
    }
    match c.key_usage {
        None => "General Purpose",
        Some(ku) => {
            let sign = ku & 0b11 != 0;
            let enc = ku & 0b1100 != 0;
            match (sign, enc) {
                (true, false) => "Signature",
                (false, true) => "Encryption",
                _ => "General Purpose",
            }
        }
    }
}

/// `HH:MM:SS UTC Mon D YYYY`, as IOS and the ASA print dates.
pub fn cisco_date(secs: u64) -> String {
    const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since the epoch (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{:02}:{:02}:{:02} UTC {} {d} {y}", rem / 3600, rem % 3600 / 60, rem % 60, MON[(m - 1) as usize])
}
