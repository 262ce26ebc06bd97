//! Schema migrations, embedded in the binary and applied at start.
//!
//! One folder per backend (`migrations/sqlite`, `migrations/postgres`) with parallel
//! numbering; an applied migration is never edited, a change is a new file. We run them
//! ourselves (a version table and one transaction per file) instead of sqlx's `migrate!`
//! macro, which would pull in the compile-time macro stack for a dozen lines of logic.
//! On PostgreSQL an advisory lock makes concurrent starts of several workers safe.

use sqlx::Executor;

use super::{Backend, Store, StoreError, now};

/// One embedded migration.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every migration, in order. Add new files here.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "failed_body",
        sqlite: include_str!("../../migrations/sqlite/0002_failed_body.sql"),
        postgres: include_str!("../../migrations/postgres/0002_failed_body.sql"),
    },
    Migration {
        version: 3,
        name: "alerts",
        sqlite: include_str!("../../migrations/sqlite/0003_alerts.sql"),
        postgres: include_str!("../../migrations/postgres/0003_alerts.sql"),
    },
    Migration {
        version: 4,
        name: "triage",
        sqlite: include_str!("../../migrations/sqlite/0004_triage.sql"),
        postgres: include_str!("../../migrations/postgres/0004_triage.sql"),
    },
    Migration {
        version: 5,
        name: "workers",
        sqlite: include_str!("../../migrations/sqlite/0005_workers.sql"),
        postgres: include_str!("../../migrations/postgres/0005_workers.sql"),
    },
];

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS vigia_migrations (\
     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
const SELECT_APPLIED: &str = "SELECT COUNT(*) FROM vigia_migrations WHERE version = $1";
const INSERT_APPLIED: &str =
    "INSERT INTO vigia_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
/// Any constant works; it only has to be the same in every vigia process.
const PG_MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7316912004)";

/// Apply every migration the database has not seen yet.
pub(super) async fn run(store: &Store) -> Result<(), StoreError> {
    store.writer.execute(CREATE_VERSIONS).await?;
    for m in MIGRATIONS {
        let fail = |source| StoreError::Migration {
            version: m.version,
            name: m.name,
            source,
        };
        let mut tx = store.begin_write().await?;
        if store.backend == Backend::Postgres {
            tx.execute(PG_MIGRATION_LOCK).await.map_err(fail)?;
        }
        let applied: i64 = sqlx::query_scalar(SELECT_APPLIED)
            .bind(m.version)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        if applied > 0 {
            continue;
        }
        let sql = match store.backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(fail)?;
        sqlx::query(INSERT_APPLIED)
            .bind(m.version)
            .bind(m.name)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
