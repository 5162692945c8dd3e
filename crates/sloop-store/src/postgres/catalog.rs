//! The catalog (objectives, tokens, revisions) in the same database as the
//! measurements: the database is a whole server's state, shared by its
//! replicas.
//!
//! Each change is one statement or one short transaction, so two replicas
//! syncing the same objective at once both succeed: one creates it, the
//! other finds it unchanged (or updates it, if its manifest differs).

use postgres::Row;
use postgres::error::SqlState;

use super::PostgresStore;
use super::pool::Conn;
use crate::StoreError;
use crate::catalog::{Catalog, Put, Scope, StoredObjective, TokenRecord};

/// Creates or replaces an objective, and says which. A conflicting row is
/// updated only when its manifest differs, and no row comes back when
/// nothing changed. `xmax` is zero exactly in a row version that was
/// inserted, not updated: the usual way to tell the two apart in an
/// upsert's result (a property of PostgreSQL's row versions rather than a
/// documented interface, stable since upserts exist). A separate read
/// first would race with another replica's insert.
const PUT_OBJECTIVE: &str = "
    INSERT INTO objectives (tenant, service, name, manifest, updated_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (tenant, service, name) DO UPDATE
        SET manifest = excluded.manifest, updated_at = excluded.updated_at
        WHERE objectives.manifest IS DISTINCT FROM excluded.manifest
    RETURNING (xmax = 0) AS created";

/// Counts a change to a tenant's objectives, in the transaction that makes
/// it. The row lock orders concurrent bumps: none is lost.
const BUMP_REVISION: &str = "
    INSERT INTO catalog_revisions (tenant, revision) VALUES ($1, 1)
    ON CONFLICT (tenant) DO UPDATE SET revision = catalog_revisions.revision + 1";

const GET_OBJECTIVE: &str = "SELECT tenant, service, name, manifest, updated_at FROM objectives
                             WHERE tenant = $1 AND service = $2 AND name = $3";
const LIST_OBJECTIVES: &str = "SELECT tenant, service, name, manifest, updated_at FROM objectives
                               WHERE tenant = $1 ORDER BY service, name";
const DELETE_OBJECTIVE: &str = "DELETE FROM objectives WHERE tenant = $1 AND service = $2 AND name = $3";
const CREATE_TOKEN: &str =
    "INSERT INTO tokens (id, tenant, name, scope, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
const TOKEN_BY_HASH: &str = "SELECT id, tenant, name, scope, hash, created_at FROM tokens WHERE hash = $1";
const LIST_TOKENS: &str = "SELECT id, tenant, name, scope, hash, created_at FROM tokens
                           WHERE $1::text IS NULL OR tenant = $1 ORDER BY created_at, id";
const REVOKE_TOKEN: &str = "DELETE FROM tokens WHERE tenant = $1 AND id = $2";
const REVISION: &str = "SELECT revision FROM catalog_revisions WHERE tenant = $1";

fn objective_row(row: &Row) -> Result<StoredObjective, postgres::Error> {
    Ok(StoredObjective {
        tenant: row.try_get(0)?,
        service: row.try_get(1)?,
        name: row.try_get(2)?,
        manifest: row.try_get(3)?,
        updated_at: row.try_get(4)?,
    })
}

fn token_row(row: &Row) -> Result<TokenRecord, postgres::Error> {
    let scope: String = row.try_get(3)?;
    Ok(TokenRecord {
        id: row.try_get(0)?,
        tenant: row.try_get(1)?,
        name: row.try_get(2)?,
        // The column is only ever written from a `Scope`; anything else is
        // a hand-edited database, read as the weakest scope.
        scope: scope.parse().unwrap_or(Scope::Read),
        hash: row.try_get(4)?,
        created_at: row.try_get(5)?,
    })
}

impl PostgresStore {
    /// Runs a change on a pooled connection. Unlike reads, changes are not
    /// retried on a broken connection: the change may have been made.
    fn change<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, postgres::Error>) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        f(&mut conn).map_err(|e| self.error(&e))
    }
}

impl Catalog for PostgresStore {
    fn put_objective(&self, o: &StoredObjective) -> Result<Put, StoreError> {
        self.change(|conn| {
            let Conn { client, statements } = conn;
            let mut tx = client.transaction()?;
            let put = statements.get(&mut tx, PUT_OBJECTIVE)?;
            let row = tx.query_opt(&put, &[&o.tenant, &o.service, &o.name, &o.manifest, &o.updated_at])?;
            let put = match row {
                None => Put::Unchanged,
                Some(row) if row.try_get::<_, bool>(0)? => Put::Created,
                Some(_) => Put::Updated,
            };
            if put != Put::Unchanged {
                let bump = statements.get(&mut tx, BUMP_REVISION)?;
                tx.execute(&bump, &[&o.tenant])?;
            }
            tx.commit()?;
            Ok(put)
        })
    }

    fn objective(&self, tenant: &str, service: &str, name: &str) -> Result<Option<StoredObjective>, StoreError> {
        self.read(|conn| {
            let statement = conn.statements.get(&mut conn.client, GET_OBJECTIVE)?;
            conn.client.query_opt(&statement, &[&tenant, &service, &name])?.as_ref().map(objective_row).transpose()
        })
    }

    fn objectives(&self, tenant: &str) -> Result<Vec<StoredObjective>, StoreError> {
        self.read(|conn| {
            let statement = conn.statements.get(&mut conn.client, LIST_OBJECTIVES)?;
            conn.client.query(&statement, &[&tenant])?.iter().map(objective_row).collect()
        })
    }

    fn delete_objective(&self, tenant: &str, service: &str, name: &str) -> Result<bool, StoreError> {
        self.change(|conn| {
            let Conn { client, statements } = conn;
            let mut tx = client.transaction()?;
            let delete = statements.get(&mut tx, DELETE_OBJECTIVE)?;
            let deleted = tx.execute(&delete, &[&tenant, &service, &name])? > 0;
            if deleted {
                let bump = statements.get(&mut tx, BUMP_REVISION)?;
                tx.execute(&bump, &[&tenant])?;
            }
            tx.commit()?;
            Ok(deleted)
        })
    }

    fn revision(&self, tenant: &str) -> Result<u64, StoreError> {
        self.read(|conn| {
            let statement = conn.statements.get(&mut conn.client, REVISION)?;
            let revision: Option<i64> = match conn.client.query_opt(&statement, &[&tenant])? {
                Some(row) => Some(row.try_get(0)?),
                None => None,
            };
            Ok(revision.map_or(0, i64::unsigned_abs))
        })
    }

    fn create_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let Conn { client, statements } = &mut *conn;
        let result = statements.get(client, CREATE_TOKEN).and_then(|statement| {
            client.execute(&statement, &[&t.id, &t.tenant, &t.name, &t.scope.as_str(), &t.hash, &t.created_at])
        });
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                Err(StoreError::Conflict { message: format!("a token with id {:?} or the same secret exists", t.id) })
            }
            Err(e) => Err(self.error(&e)),
        }
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.read(|conn| {
            let statement = conn.statements.get(&mut conn.client, TOKEN_BY_HASH)?;
            conn.client.query_opt(&statement, &[&hash])?.as_ref().map(token_row).transpose()
        })
    }

    fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        self.read(|conn| {
            let statement = conn.statements.get(&mut conn.client, LIST_TOKENS)?;
            conn.client.query(&statement, &[&tenant])?.iter().map(token_row).collect()
        })
    }

    fn revoke_token(&self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        self.change(|conn| {
            let statement = conn.statements.get(&mut conn.client, REVOKE_TOKEN)?;
            Ok(conn.client.execute(&statement, &[&tenant, &id])? > 0)
        })
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| conn.client.simple_query("SELECT 1").map(|_| ()))
    }
}
