//! API tokens: how they are made, kept and checked.
//!
//! A token is `sloop_` followed by 40 random hex digits (160 bits from the
//! operating system's generator). The server keeps only its SHA-256, so a
//! leaked database or backup opens nothing. A plain hash (no salt, no slow
//! KDF) is enough because the secret is random and long: there is no
//! dictionary to attack, and checking a request costs one hash.
//!
//! Every token belongs to one tenant (organisation) and has a [`Scope`]:
//! `read` < `write` < `admin`. A request sees only its token's tenant.

use sha2::{Digest, Sha256};
use sloop_store::{Catalog, Scope, StoreError, TokenRecord};

/// The prefix of every token, so secret scanners can spot one.
pub const TOKEN_PREFIX: &str = "sloop_";

/// The tenant of tokens created without one, and of unauthenticated reads
/// on a server started with `--public-read`.
pub const DEFAULT_TENANT: &str = "default";

/// Who is calling: the tenant whose data the request sees, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant.
    pub tenant: String,
    /// What the token allows.
    pub scope: Scope,
    /// The token's id, or `None` for an anonymous public read.
    pub token_id: Option<String>,
}

/// A token just made: the secret, shown once, and the record kept.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The whole secret, to hand to the client.
    pub secret: String,
    /// What the catalog keeps.
    pub record: TokenRecord,
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The operating system gave no randomness.
    #[error("cannot read random bytes for a token: {0}")]
    Random(String),
    /// The tenant or name is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The catalog refused it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The SHA-256 of a secret, in lowercase hex.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

fn random_hex(bytes: usize) -> Result<String, TokenError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `name` can name a tenant: 1 to 64 of `a-z 0-9 - _ .`, starting
/// with a letter or digit.
pub fn valid_tenant(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// Makes a token for `tenant` with `scope` and records it in `catalog`.
pub fn create_token(
    catalog: &dyn Catalog,
    tenant: &str,
    name: &str,
    scope: Scope,
    now: i64,
) -> Result<NewToken, TokenError> {
    if !valid_tenant(tenant) {
        return Err(TokenError::Invalid(format!(
            "{tenant:?} is not a tenant name: use 1 to 64 lowercase letters, digits, '-', '_' or '.', \
             starting with a letter or digit"
        )));
    }
    if name.len() > 200 {
        return Err(TokenError::Invalid("a token's name is at most 200 bytes".into()));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(20)?);
    let record = TokenRecord {
        id: format!("tok_{}", random_hex(6)?),
        tenant: tenant.to_string(),
        name: name.to_string(),
        scope,
        hash: hash_secret(&secret),
        created_at: now,
    };
    catalog.create_token(&record)?;
    Ok(NewToken { secret, record })
}

/// The caller a secret stands for, if the catalog knows it.
pub fn authenticate(catalog: &dyn Catalog, secret: &str) -> Result<Option<Caller>, StoreError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(catalog.token_by_hash(&hash_secret(secret))?.map(|t| Caller {
        tenant: t.tenant,
        scope: t.scope,
        token_id: Some(t.id),
    }))
}

#[cfg(test)]
mod tests {
    use sloop_store::SqliteStore;

    use super::*;

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_created_token_authenticates_and_its_secret_is_not_stored() {
        let store = SqliteStore::in_memory().unwrap();
        let t = create_token(&store, "acme", "ci", Scope::Write, 5).unwrap();
        assert!(t.secret.starts_with("sloop_") && t.secret.len() == 46, "{}", t.secret);
        let caller = authenticate(&store, &t.secret).unwrap().unwrap();
        assert_eq!((caller.tenant.as_str(), caller.scope), ("acme", Scope::Write));
        let kept = store.tokens(Some("acme")).unwrap();
        assert_eq!(kept.len(), 1);
        assert_ne!(kept[0].hash, t.secret);
        assert!(authenticate(&store, "sloop_0000000000000000000000000000000000000000").unwrap().is_none());
        assert!(authenticate(&store, &t.record.hash).unwrap().is_none(), "the hash is not a token");
        let other = create_token(&store, "acme", "ci", Scope::Write, 5).unwrap();
        assert_ne!(other.secret, t.secret, "every token is new");
    }

    #[test]
    fn tenant_names_are_checked() {
        assert!(valid_tenant("acme-eu.1"));
        for bad in ["", "Acme", "-x", "a b", &"x".repeat(65)] {
            assert!(!valid_tenant(bad), "{bad:?}");
        }
        let store = SqliteStore::in_memory().unwrap();
        assert!(matches!(create_token(&store, "No", "", Scope::Read, 0), Err(TokenError::Invalid(_))));
    }
}
