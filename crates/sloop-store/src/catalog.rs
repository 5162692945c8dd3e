//! What a shared server keeps besides measurements: the objectives synced to
//! it and the API tokens that may use it, both per tenant.
//!
//! A [`Catalog`] is small and read often: a few thousand objectives, a few
//! hundred tokens. Objectives are kept as manifest text (sloop's own
//! format, one objective per manifest), exactly as the server validated it;
//! the server parses them back into the model. Tokens are kept only as the
//! SHA-256 of their secret, so a copy of the database does not hand out
//! access.
//!
//! Every implementation passes [`crate::conformance::catalog`].

use std::fmt::{self, Debug};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// An objective as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObjective {
    /// The tenant (organisation) it belongs to.
    pub tenant: String,
    /// Its service.
    pub service: String,
    /// Its name, unique within the service.
    pub name: String,
    /// The manifest that declares it (sloop/v1 YAML, this one objective).
    pub manifest: String,
    /// When it was created or last changed, unix seconds.
    pub updated_at: i64,
}

impl StoredObjective {
    /// `service/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.service, self.name)
    }
}

/// What [`Catalog::put_objective`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Put {
    /// There was no objective of that key.
    Created,
    /// There was one, with another manifest; it is replaced.
    Updated,
    /// There was one with the same manifest; nothing changed.
    Unchanged,
}

/// What a token may do. Each scope includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read objectives, reports and the dashboard.
    Read,
    /// Also push indicators and sync objectives.
    Write,
    /// Also create and revoke tokens of its tenant.
    Admin,
}

impl Scope {
    /// Every scope, weakest first.
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    /// `read`, `write` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// Whether a token of this scope may do what `needed` allows.
    pub fn allows(self, needed: Scope) -> bool {
        self >= needed
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}; expected read, write or admin"))
    }
}

/// A token as the catalog keeps it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// A public identifier, shown in listings and used to revoke it.
    pub id: String,
    /// The tenant whose data it opens.
    pub tenant: String,
    /// What it is for, as its creator said (`ci`, `agent-eu-1`).
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// The SHA-256 of the secret, in lowercase hex.
    pub hash: String,
    /// When it was made, unix seconds.
    pub created_at: i64,
}

/// Objectives and tokens, per tenant. Synchronous, like [`Store`].
pub trait Catalog: Send + Sync + Debug {
    /// Creates or replaces the objective `service/name` of `tenant`: an
    /// idempotent sync. `updated_at` changes only when the manifest does.
    fn put_objective(&self, objective: &StoredObjective) -> Result<Put, StoreError>;

    /// One objective, if `tenant` has it.
    fn objective(&self, tenant: &str, service: &str, name: &str) -> Result<Option<StoredObjective>, StoreError>;

    /// Every objective of `tenant`, by service then name.
    fn objectives(&self, tenant: &str) -> Result<Vec<StoredObjective>, StoreError>;

    /// Deletes an objective; whether there was one. Its measurements stay:
    /// they belong to label sets, not to objectives.
    fn delete_objective(&self, tenant: &str, service: &str, name: &str) -> Result<bool, StoreError>;

    /// Records a new token. Its `id` and `hash` must be new.
    fn create_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    /// The token whose secret hashes to `hash`.
    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// The tokens of `tenant`, or of every tenant, oldest first.
    fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRecord>, StoreError>;

    /// Deletes the token `id` of `tenant`; whether there was one.
    fn revoke_token(&self, tenant: &str, id: &str) -> Result<bool, StoreError>;

    /// A number that changes whenever an objective of `tenant` is put (with
    /// a change) or deleted, so a server can keep parsed objectives and
    /// re-read them only when another replica changed them. The default
    /// fingerprints every manifest; implementations keep a counter.
    fn revision(&self, tenant: &str) -> Result<u64, StoreError> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for o in self.objectives(tenant)? {
            (o.service, o.name, o.manifest).hash(&mut h);
        }
        Ok(h.finish())
    }

    /// Checks that the database answers (for `/readyz`).
    fn ping(&self) -> Result<(), StoreError>;
}

/// A database that keeps both measurements and the catalog: what a server
/// runs on. Every type that is both is one.
pub trait Database: Store + Catalog {}

impl<T: Store + Catalog + ?Sized> Database for T {}
