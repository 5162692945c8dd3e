//! The catalog (objectives and tokens) in the same SQLite file as the
//! measurements: one file is a whole server's state.

use rusqlite::{ErrorCode, OptionalExtension, Row, params};

use super::SqliteStore;
use crate::StoreError;
use crate::catalog::{Catalog, Put, Scope, StoredObjective, TokenRecord};

fn objective_row(row: &Row<'_>) -> rusqlite::Result<StoredObjective> {
    Ok(StoredObjective {
        tenant: row.get(0)?,
        service: row.get(1)?,
        name: row.get(2)?,
        manifest: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

fn token_row(row: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    let scope: String = row.get(3)?;
    Ok(TokenRecord {
        id: row.get(0)?,
        tenant: row.get(1)?,
        name: row.get(2)?,
        // The column is only ever written from a `Scope`; anything else is
        // a hand-edited database, read as the weakest scope.
        scope: scope.parse().unwrap_or(Scope::Read),
        hash: row.get(4)?,
        created_at: row.get(5)?,
    })
}

/// Counts a change to `tenant`'s objectives, in the transaction that makes it.
fn bump_revision(conn: &rusqlite::Connection, tenant: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog_revisions (tenant, revision) VALUES (?1, 1)
         ON CONFLICT (tenant) DO UPDATE SET revision = revision + 1",
    )?
    .execute([tenant])
    .map(|_| ())
}

const OBJECTIVE_COLUMNS: &str = "tenant, service, name, manifest, updated_at";
const TOKEN_COLUMNS: &str = "id, tenant, name, scope, hash, created_at";

impl Catalog for SqliteStore {
    fn put_objective(&self, o: &StoredObjective) -> Result<Put, StoreError> {
        let mut conn = self.write_connection();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        let existing: Option<String> = tx
            .prepare_cached("SELECT manifest FROM objectives WHERE tenant = ?1 AND service = ?2 AND name = ?3")
            .and_then(|mut s| s.query_row(params![o.tenant, o.service, o.name], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))?;
        let put = match existing {
            Some(m) if m == o.manifest => Put::Unchanged,
            Some(_) => Put::Updated,
            None => Put::Created,
        };
        if put != Put::Unchanged {
            tx.prepare_cached(
                "INSERT INTO objectives (tenant, service, name, manifest, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tenant, service, name) DO UPDATE SET manifest = excluded.manifest,
                                                                  updated_at = excluded.updated_at",
            )
            .and_then(|mut s| s.execute(params![o.tenant, o.service, o.name, o.manifest, o.updated_at]))
            .map_err(|e| self.error(e))?;
            bump_revision(&tx, &o.tenant).map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(put)
    }

    fn objective(&self, tenant: &str, service: &str, name: &str) -> Result<Option<StoredObjective>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {OBJECTIVE_COLUMNS} FROM objectives WHERE tenant = ?1 AND service = ?2 AND name = ?3"
            ))
            .and_then(|mut s| s.query_row(params![tenant, service, name], objective_row).optional())
            .map_err(|e| self.error(e))
        })
    }

    fn objectives(&self, tenant: &str) -> Result<Vec<StoredObjective>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {OBJECTIVE_COLUMNS} FROM objectives WHERE tenant = ?1 ORDER BY service, name"
            ))
            .and_then(|mut s| s.query_map([tenant], objective_row)?.collect())
            .map_err(|e| self.error(e))
        })
    }

    fn delete_objective(&self, tenant: &str, service: &str, name: &str) -> Result<bool, StoreError> {
        let mut conn = self.write_connection();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        let deleted = tx
            .prepare_cached("DELETE FROM objectives WHERE tenant = ?1 AND service = ?2 AND name = ?3")
            .and_then(|mut s| s.execute(params![tenant, service, name]))
            .map_err(|e| self.error(e))?
            > 0;
        if deleted {
            bump_revision(&tx, tenant).map_err(|e| self.error(e))?;
        }
        tx.commit().map_err(|e| self.error(e))?;
        Ok(deleted)
    }

    fn revision(&self, tenant: &str) -> Result<u64, StoreError> {
        self.read(|conn| {
            conn.prepare_cached("SELECT revision FROM catalog_revisions WHERE tenant = ?1")
                .and_then(|mut s| s.query_row([tenant], |r| r.get::<_, i64>(0)).optional())
                .map(|r| r.map_or(0, |r| r.unsigned_abs()))
                .map_err(|e| self.error(e))
        })
    }

    fn create_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        let conn = self.write_connection();
        conn.prepare_cached(&format!("INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"))
            .and_then(|mut s| s.execute(params![t.id, t.tenant, t.name, t.scope.as_str(), t.hash, t.created_at]))
            .map(|_| ())
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => {
                    StoreError::Conflict { message: format!("a token with id {:?} or the same secret exists", t.id) }
                }
                _ => self.error(e),
            })
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1"))
                .and_then(|mut s| s.query_row([hash], token_row).optional())
                .map_err(|e| self.error(e))
        })
    }

    fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE ?1 IS NULL OR tenant = ?1 ORDER BY created_at, id"
            ))
            .and_then(|mut s| s.query_map([tenant], token_row)?.collect())
            .map_err(|e| self.error(e))
        })
    }

    fn revoke_token(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let conn = self.write_connection();
        conn.prepare_cached("DELETE FROM tokens WHERE tenant = ?1 AND id = ?2")
            .and_then(|mut s| s.execute(params![tenant, id]))
            .map(|n| n > 0)
            .map_err(|e| self.error(e))
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(|e| self.error(e)))
    }
}
