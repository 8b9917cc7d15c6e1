//! Bearer tokens: how they are made and the form the store keeps (API.md: opaque, 256
//! random bits; only the SHA-256 is stored, so a leaked database does not leak tokens).

use sha2::{Digest, Sha256};

/// A new token: `cpl_` and 64 hex digits from the OS random source.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("cpl_{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
