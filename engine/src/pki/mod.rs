//! Public-key infrastructure: private keys and their store on disk
//! ([`keys`]), PKCS#10 certificate requests ([`csr`]).

pub mod csr;
pub mod keys;
