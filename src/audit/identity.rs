//! The identity of a secret across an organisation: a keyed hash (HMAC-SHA256) of its
//! value, which shows two findings hold the same secret without revealing it. The key is
//! the team's (`AKSCAN_AUDIT_KEY`, the same on every worker); without one, each run draws a
//! random key, so its identities group only within that run.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The environment variable holding the audit key.
pub const KEY_VAR: &str = "AKSCAN_AUDIT_KEY";

/// Shortest key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 16;

/// A key for secret identities.
pub struct Key {
    bytes: Vec<u8>,
    /// Names the key without revealing it, so a merge can tell shards run with different
    /// keys (whose identities cannot be compared); `unkeyed-…` for a per-run random key.
    pub id: String,
    /// Whether the key is the team's (identities compare across runs and shards).
    pub keyed: bool,
}

fn mac(key: &[u8], parts: &[&[u8]]) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Key {
    /// The team's key.
    pub fn new(bytes: &[u8]) -> Result<Key, String> {
        if bytes.len() < MIN_KEY_LEN {
            return Err(format!(
                "{KEY_VAR} is {} bytes long: use at least {MIN_KEY_LEN} random bytes (for \
                 example `openssl rand -hex 32`), the same on every worker",
                bytes.len()
            ));
        }
        Ok(Key {
            bytes: bytes.to_vec(),
            id: mac(bytes, &[b"akscan-audit-key-id-v1"])[..16].to_string(),
            keyed: true,
        })
    }

    /// A random key for this run only.
    pub fn random() -> Result<Key, String> {
        let mut bytes = [0u8; 32];
        let mut id = [0u8; 8];
        getrandom::fill(&mut bytes)
            .and_then(|_| getrandom::fill(&mut id))
            .map_err(|e| format!("cannot draw a random key: {e}"))?;
        Ok(Key {
            bytes: bytes.to_vec(),
            id: format!(
                "unkeyed-{}",
                id.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ),
            keyed: false,
        })
    }

    /// `AKSCAN_AUDIT_KEY` when set, else a random key for this run.
    pub fn from_env() -> Result<Key, String> {
        match std::env::var_os(KEY_VAR) {
            Some(v) if !v.is_empty() => {
                #[cfg(unix)]
                let bytes = std::os::unix::ffi::OsStrExt::as_bytes(v.as_os_str()).to_vec();
                #[cfg(not(unix))]
                let bytes = v.to_string_lossy().into_owned().into_bytes();
                Key::new(&bytes)
            }
            _ => Key::random(),
        }
    }

    /// The identity of a secret value (128 bits, hex).
    pub fn secret_id(&self, value: &str) -> String {
        mac(&self.bytes, &[b"akscan-secret-v1\0", value.as_bytes()])[..32].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_depend_on_the_value_and_the_key() {
        let a = Key::new(b"0123456789abcdef-team-key").unwrap();
        let b = Key::new(b"0123456789abcdef-team-key").unwrap();
        let c = Key::new(b"another-key-of-the-team-0001").unwrap();
        let v = "a value to identify, 0001";
        assert_eq!(a.secret_id(v), b.secret_id(v));
        assert_eq!(a.id, b.id);
        assert_ne!(a.secret_id(v), c.secret_id(v));
        assert_ne!(a.id, c.id);
        assert_ne!(a.secret_id(v), a.secret_id("a value to identify, 0002"));
        assert!(!a.secret_id(v).contains("identify"));
        assert_eq!(a.secret_id(v).len(), 32);
        let r1 = Key::random().unwrap();
        let r2 = Key::random().unwrap();
        assert!(!r1.keyed && r1.id.starts_with("unkeyed-"));
        assert_ne!(r1.id, r2.id);
        assert_ne!(r1.secret_id(v), r2.secret_id(v));
        assert!(Key::new(b"short").is_err());
    }
}
