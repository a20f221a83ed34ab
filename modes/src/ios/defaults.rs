//! IOS's defaults, stated once: what a line left out means. The compile
//! into the engine model (`compile.rs`, `ikev2.rs`), the shows read from the
//! document (`show_config.rs`, `show_crypto.rs`) and the SA shows
//! (`show_sa.rs`, `json.rs`) read them from here.

/// What a `crypto isakmp policy N` block without lines means, written as
/// the lines that would state it: the classic defaults (DES, SHA, RSA
/// signatures, group 1, 86,400 seconds; `show crypto isakmp policy`'s
/// "Default protection suite"). A block's own lines are read after these.
pub const ISAKMP_POLICY: &[&str] =
    &["encryption des", "hash sha", "authentication rsa-sig", "group 1", "lifetime 86400"];

/// An IPsec SA's lifetime without `crypto ipsec security-association
/// lifetime` or `set security-association lifetime`: seconds, kilobytes.
pub const IPSEC_SA_SECONDS: u32 = 3600;
pub const IPSEC_SA_KILOBYTES: u64 = 4_608_000;

/// An IKEv2 profile's SA lifetime without `lifetime` (seconds).
pub const IKEV2_SA_SECONDS: u32 = 86_400;

#[cfg(test)]
mod tests {
    /// The default suite compiles to the engine proposal the document's
    /// show prints, from the same lines.
    #[test]
    fn the_default_isakmp_policy() {
        let doc = crate::ios::IosDoc::new("R");
        let mut out = crate::out::VecOut::default();
        crate::ios::show_config::isakmp_policy(&doc, &mut out);
        let text = out.0.join("\n");
        for l in [
            "DES - Data Encryption Standard (56 bit keys).",
            "Rivest-Shamir-Adleman Signature",
            "#1 (768 bit)",
            "86400 seconds, no volume limit",
        ] {
            assert!(text.contains(l), "{l}: {text}");
        }
    }
}
