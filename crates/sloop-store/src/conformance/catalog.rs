//! The behaviour every [`Catalog`] must have: idempotent objective sync,
//! tenant isolation, and tokens found by hash only.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::catalog::{Catalog, Put, Scope, StoredObjective, TokenRecord};

/// Makes a fresh, empty catalog.
pub type MakeCatalog<'a> = dyn Fn() -> Box<dyn Catalog> + 'a;

/// One behaviour of a catalog.
pub type CatalogCheck = fn(&MakeCatalog<'_>);

/// Every catalog check, by name.
pub const CHECKS: &[(&str, CatalogCheck)] = &[
    ("putting an objective is idempotent", put_is_idempotent),
    ("objectives are isolated by tenant and sorted", objectives_by_tenant),
    ("deleting an objective removes only it", delete_removes_one),
    ("tokens are found by hash, listed and revoked per tenant", tokens_round_trip),
    ("a token id or hash cannot be reused", token_conflicts),
    ("the revision changes with every change, and only then", revision_tracks_changes),
];

/// Runs every check of [`CHECKS`] on fresh catalogs from `make`, and panics
/// at the end naming the ones that failed.
pub fn run_all(make: &MakeCatalog<'_>) {
    let failed: Vec<&str> = CHECKS
        .iter()
        .filter(|(name, check)| {
            let bad = catch_unwind(AssertUnwindSafe(|| check(make))).is_err();
            if bad {
                eprintln!("catalog conformance: check failed: {name}");
            }
            bad
        })
        .map(|(name, _)| *name)
        .collect();
    assert!(failed.is_empty(), "catalog conformance: {} checks failed: {}", failed.len(), failed.join("; "));
}

fn objective(tenant: &str, service: &str, name: &str, manifest: &str, at: i64) -> StoredObjective {
    StoredObjective {
        tenant: tenant.into(),
        service: service.into(),
        name: name.into(),
        manifest: manifest.into(),
        updated_at: at,
    }
}

fn token(id: &str, tenant: &str, scope: Scope, hash: &str, at: i64) -> TokenRecord {
    TokenRecord {
        id: id.into(),
        tenant: tenant.into(),
        name: format!("{id}-name"),
        scope,
        hash: hash.into(),
        created_at: at,
    }
}

fn put_is_idempotent(make: &MakeCatalog<'_>) {
    let c = make();
    let first = objective("acme", "checkout", "availability", "v1", 100);
    assert_eq!(c.put_objective(&first).unwrap(), Put::Created, "a new objective is created");
    let again = objective("acme", "checkout", "availability", "v1", 200);
    assert_eq!(c.put_objective(&again).unwrap(), Put::Unchanged, "the same manifest again changes nothing");
    let got = c.objective("acme", "checkout", "availability").unwrap().expect("the objective is there");
    assert_eq!(got.updated_at, 100, "an unchanged put keeps the old time");
    let changed = objective("acme", "checkout", "availability", "v2", 300);
    assert_eq!(c.put_objective(&changed).unwrap(), Put::Updated, "another manifest updates");
    assert_eq!(c.objective("acme", "checkout", "availability").unwrap(), Some(changed), "the update is read back");
    assert_eq!(c.objectives("acme").unwrap().len(), 1, "still one objective");
}

fn objectives_by_tenant(make: &MakeCatalog<'_>) {
    let c = make();
    for (t, s, n) in [("b", "web", "latency"), ("a", "web", "z"), ("a", "api", "y"), ("a", "web", "a")] {
        c.put_objective(&objective(t, s, n, &format!("{t}{s}{n}"), 1)).unwrap();
    }
    let keys: Vec<String> = c.objectives("a").unwrap().iter().map(StoredObjective::id).collect();
    assert_eq!(keys, ["api/y", "web/a", "web/z"], "tenant a's objectives, by service then name");
    assert_eq!(c.objectives("b").unwrap().len(), 1, "tenant b sees only its own");
    assert!(c.objectives("nobody").unwrap().is_empty(), "an unknown tenant has none");
    assert_eq!(c.objective("b", "web", "z").unwrap(), None, "tenant b cannot read tenant a's objective");
}

fn delete_removes_one(make: &MakeCatalog<'_>) {
    let c = make();
    c.put_objective(&objective("a", "web", "x", "m", 1)).unwrap();
    c.put_objective(&objective("b", "web", "x", "m", 1)).unwrap();
    assert!(!c.delete_objective("a", "web", "nope").unwrap(), "deleting a missing objective says so");
    assert!(c.delete_objective("a", "web", "x").unwrap(), "deleting an objective says so");
    assert!(c.objective("a", "web", "x").unwrap().is_none(), "it is gone");
    assert!(c.objective("b", "web", "x").unwrap().is_some(), "the other tenant's objective of the same key stays");
}

fn tokens_round_trip(make: &MakeCatalog<'_>) {
    let c = make();
    let t1 = token("t1", "a", Scope::Write, "h1", 10);
    let t2 = token("t2", "b", Scope::Admin, "h2", 20);
    let t3 = token("t3", "a", Scope::Read, "h3", 30);
    for t in [&t1, &t2, &t3] {
        c.create_token(t).unwrap();
    }
    c.ping().unwrap();
    assert_eq!(c.token_by_hash("h2").unwrap(), Some(t2.clone()), "a token is found by its hash");
    assert_eq!(c.token_by_hash("t2").unwrap(), None, "not by its id");
    assert_eq!(c.tokens(Some("a")).unwrap(), vec![t1.clone(), t3.clone()], "tenant a's tokens, oldest first");
    assert_eq!(c.tokens(None).unwrap().len(), 3, "every tenant's tokens");
    assert!(!c.revoke_token("b", "t1").unwrap(), "a tenant cannot revoke another's token");
    assert!(c.revoke_token("a", "t1").unwrap(), "revoking says so");
    assert_eq!(c.token_by_hash("h1").unwrap(), None, "a revoked token no longer opens anything");
}

fn token_conflicts(make: &MakeCatalog<'_>) {
    let c = make();
    c.create_token(&token("t1", "a", Scope::Read, "h1", 1)).unwrap();
    assert!(c.create_token(&token("t1", "a", Scope::Read, "other", 2)).is_err(), "a reused id is refused");
    assert!(c.create_token(&token("t9", "a", Scope::Read, "h1", 2)).is_err(), "a reused hash is refused");
    assert_eq!(c.tokens(None).unwrap().len(), 1, "nothing was added by the refused ones");
}

fn revision_tracks_changes(make: &MakeCatalog<'_>) {
    let c = make();
    let r0 = c.revision("a").unwrap();
    c.put_objective(&objective("a", "web", "x", "m1", 1)).unwrap();
    let r1 = c.revision("a").unwrap();
    assert_ne!(r0, r1, "a created objective changes the revision");
    c.put_objective(&objective("a", "web", "x", "m1", 2)).unwrap();
    assert_eq!(c.revision("a").unwrap(), r1, "an unchanged put does not");
    let rb = c.revision("b").unwrap();
    c.put_objective(&objective("a", "web", "x", "m2", 3)).unwrap();
    let r2 = c.revision("a").unwrap();
    assert!(r2 != r1 && r2 != r0, "an update changes it");
    assert_eq!(c.revision("b").unwrap(), rb, "another tenant's revision is untouched");
    c.delete_objective("a", "web", "x").unwrap();
    let r3 = c.revision("a").unwrap();
    assert!(r3 != r2 && r3 != r1, "a delete changes it");
    c.delete_objective("a", "web", "x").unwrap();
    assert_eq!(c.revision("a").unwrap(), r3, "deleting nothing does not");
}
