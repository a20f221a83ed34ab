//! IKEv2 (RFC 7296): owns the IKEv2 protocol core beside the IKEv1 one.
//! [`wire`] parses and builds messages, [`keys`] derives and applies the keys.
pub mod keys;
pub mod wire;

/// Constant-time comparison of MACs.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
