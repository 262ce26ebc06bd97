//! Store: SQLite (embedded default) or PostgreSQL, one code path.
//!
//! sqlx's `Any` driver runs the same runtime queries on both backends, so every query is
//! written once in portable SQL (`$1` placeholders work on both) and lives as a `const`
//! beside the function that runs it. Timestamps are Unix seconds in BIGINT/INTEGER columns
//! for the same reason. Per-backend branches exist only where the databases truly differ
//! (SQLite pragmas, `BEGIN IMMEDIATE`, PostgreSQL advisory locks).
//!
//! SQLite allows one writer at a time, and a connection that finds the write lock taken
//! sleeps in SQLite's busy handler; with many polls writing at once that sleeping, not the
//! work, dominates. So on SQLite every write goes through a one-connection writer pool:
//! writers queue in async code, readers use the main pool and never wait (WAL).
//!
//! Dedup is the database's job: `UNIQUE (brand, item_key)` and `ON CONFLICT DO NOTHING`
//! make re-polling idempotent; tombstones keep deleted mentions deleted.

pub mod access;
pub mod accounts;
pub mod dashboard;
pub mod inbox;
pub mod kpi;
mod mentions;
mod migrate;
mod outbox;
mod sources;
mod tombstone;
pub mod triage;
mod workers;

pub use mentions::{MentionFilter, MentionRow, NewMention, insert_mentions};
pub use outbox::{
    AlertRow, NewAlert, NewOutbox, OutboxRow, admit_budget, claim_alerts, insert_alerts,
    queue_message, queue_notification,
};
pub use sources::{PollOutcome, PollRecord, SourceRow, SourceState};
pub use workers::{HEARTBEAT_PERIOD, LIVE_WINDOW, WorkerCounters, WorkerId, WorkerRow};

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};

/// SQLite waits this long for a lock before reporting "database is locked".
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(15);
/// Connections kept by the pool.
pub const MAX_CONNECTIONS: u32 = 8;
/// How long a query waits for a connection by default (`[database] acquire_timeout`).
/// While the database is down (a PostgreSQL restart), the pool keeps reconnecting with
/// backoff for this long before the caller sees an error; the worker's loops log it and
/// try again on their next round.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(60);

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, single process.
    Sqlite,
    /// Shared by several processes.
    Postgres,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names a database vigia does not support.
    #[error("unsupported database URL \"{0}\": use sqlite://FILE or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// The database could not be reached or refused a query.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed; the database is left at the last good version.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    /// Another `vigia run` already works on this SQLite file.
    #[error(
        "another vigia worker is already running on {0}: SQLite serves one worker; stop it, or use PostgreSQL to run several"
    )]
    SecondWorker(std::path::PathBuf),
    /// The single-worker lock file could not be used.
    #[error("cannot use the lock file {path}: {detail}")]
    Lock {
        path: std::path::PathBuf,
        detail: String,
    },
    /// A stored value could not be read back.
    #[error("corrupt stored value in {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

/// The database handle shared by every step. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// The SQLite file, when the store is one (for the single-worker lock).
    sqlite_path: Option<std::path::PathBuf>,
    pool: AnyPool,
    /// Where writes go: a one-connection pool on SQLite, the main pool on PostgreSQL.
    writer: AnyPool,
    backend: Backend,
    /// The worker whose name leases are taken in ([`Store::for_worker`]).
    worker: Option<WorkerId>,
}

impl Store {
    /// Open (creating an SQLite file if needed) and migrate to the latest schema.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, ACQUIRE_TIMEOUT).await
    }

    /// [`Store::connect`] with the `[database]` settings.
    pub async fn open(config: &crate::config::DatabaseConfig) -> Result<Store, StoreError> {
        let timeout = config.acquire_timeout.unwrap_or(ACQUIRE_TIMEOUT);
        Store::connect_with(&config.url, timeout).await
    }

    /// [`Store::connect`], queries waiting at most `acquire_timeout` for a connection.
    pub async fn connect_with(url: &str, acquire_timeout: Duration) -> Result<Store, StoreError> {
        install_default_drivers();
        let (backend, url) = normalize_url(url)?;
        let options = |max| {
            // test_before_acquire: a connection the server closed (restart, failover, idle
            // timeout) is found dead when taken from the pool and replaced, instead of
            // failing the query that gets it.
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(acquire_timeout)
                .test_before_acquire(true)
        };
        let store = match backend {
            Backend::Sqlite => {
                let sqlite = |max| {
                    options(max).after_connect(|conn, _meta| {
                        Box::pin(async move {
                            let busy = SQLITE_BUSY_TIMEOUT.as_millis();
                            conn.execute(
                                format!("{SQLITE_PRAGMAS} PRAGMA busy_timeout = {busy};").as_str(),
                            )
                            .await?;
                            Ok(())
                        })
                    })
                };
                // The writer first: it creates the file and switches it to WAL.
                let writer = sqlite(1).connect(&url).await?;
                let pool = sqlite(MAX_CONNECTIONS).connect(&url).await?;
                Store {
                    sqlite_path: sqlite_file(&url),
                    pool,
                    writer,
                    backend,
                    worker: None,
                }
            }
            Backend::Postgres => {
                let pool = options(MAX_CONNECTIONS).connect(&url).await?;
                Store {
                    sqlite_path: None,
                    writer: pool.clone(),
                    pool,
                    backend,
                    worker: None,
                }
            }
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for writes (one connection on SQLite).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Start a transaction that will write after reading: `BEGIN IMMEDIATE` on SQLite takes
    /// the write lock up front, so a concurrent writer cannot make the upgrade fail.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        })
    }

    /// SQLite serves one worker: take an exclusive lock on `<file>.lock` for as long as the
    /// returned file is held, or say plainly that another worker has it. PostgreSQL needs
    /// no lock (workers share it through leases) and gets `None`.
    pub fn lock_single_worker(&self) -> Result<Option<std::fs::File>, StoreError> {
        let Some(path) = &self.sqlite_path else {
            return Ok(None);
        };
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        let lock_path = std::path::PathBuf::from(lock_path);
        let io = |e: std::io::Error| StoreError::Lock {
            path: lock_path.clone(),
            detail: e.to_string(),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::SecondWorker(path.clone())),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// Drop every source and outbox lease. Only for the holder of the SQLite single-worker
    /// lock: no one else can hold a lease, so a crashed predecessor's leases are stale and
    /// its work is picked up at once instead of when the leases end.
    pub async fn release_leases(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE sources SET lease_until = NULL WHERE lease_until IS NOT NULL")
            .execute(&self.writer)
            .await?;
        sqlx::query("UPDATE outbox SET lease_until = NULL WHERE lease_until IS NOT NULL")
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Close the pool, waiting for connections to return.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// WAL lets readers work while the worker writes; NORMAL sync is safe in WAL mode.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// Accept `sqlite://file`, `sqlite:file`, `postgres://…` and `postgresql://…`; SQLite files
/// are created on first use.
fn normalize_url(url: &str) -> Result<(Backend, String), StoreError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    if lower.starts_with("sqlite:") {
        let mut url = url.to_string();
        if !url.contains("mode=") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
        return Ok((Backend::Sqlite, url));
    }
    Err(StoreError::UnsupportedUrl(redact(url)))
}

/// The file of an SQLite URL (`sqlite://path?…` or `sqlite:path`).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// A URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The current time as stored: Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_classified_and_sqlite_files_created() {
        let (b, u) = normalize_url("sqlite://vigia.db").unwrap();
        assert_eq!(b, Backend::Sqlite);
        assert_eq!(u, "sqlite://vigia.db?mode=rwc");
        let (b, _) = normalize_url("postgres://u@localhost/db").unwrap();
        assert_eq!(b, Backend::Postgres);
        assert!(normalize_url("mysql://x").is_err());
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        let e = normalize_url("mysql://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
        assert!(redact("postgres://u:secret@h/db").contains("***"));
    }
}
