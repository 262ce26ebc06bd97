//! Worker heartbeats: which `vigia run` processes are alive, and what each has done.
//!
//! Several processes share one PostgreSQL with no coordinator of our own, so the database
//! is also where they say they are alive: each process registers a row under a random id
//! at start ([`Store::register`]), rewrites its heartbeat and cumulative counters every
//! [`HEARTBEAT_PERIOD`] ([`Store::heartbeat`]) and marks itself stopped on a clean exit
//! ([`Store::stopped`]). Readiness (`/healthz`) and per-worker metrics (`/metrics`) are read
//! from [`Store::list_workers`]; a row is live while [`WorkerRow::is_live`] says so.
//!
//! Heartbeats also bound how long a crash holds work back. A store opened for a worker
//! ([`Store::for_worker`]) writes its id beside every lease it takes, and a lease whose
//! holder is not live (stopped, or silent for [`LIVE_WINDOW`]) may be claimed at once
//! instead of when it ends: a SIGKILLed worker's sources and messages come back in about
//! 15 seconds, not 5 minutes. Clocks must agree across hosts to within a few seconds
//! (NTP), as they already must for leases.
//!
//! Rows are kept after a stop so that a dashboard can show recent restarts; rows silent
//! for [`PRUNE_AFTER`] are deleted when a new worker registers.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, now};

/// How often a running worker writes its heartbeat.
pub const HEARTBEAT_PERIOD: Duration = Duration::from_secs(5);
/// A worker is live while its last heartbeat is at most this old (three periods, so one
/// slow or failed write does not make it look dead).
pub const LIVE_WINDOW: Duration = Duration::from_secs(3 * HEARTBEAT_PERIOD.as_secs());
/// Rows whose heartbeat is older than this are deleted at the next registration.
pub const PRUNE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A worker's id: random per process, stored in `workers.id` and beside its leases.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerId(Arc<str>);

impl WorkerId {
    /// A fresh random id (16 hex digits).
    pub fn random() -> WorkerId {
        WorkerId(format!("{:016x}", rand::random::<u64>()).into())
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for WorkerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A worker's cumulative counters since it started, updated lock-free by the scheduler
/// (polls) and the sender (notifications) and written with every heartbeat.
#[derive(Debug, Default)]
pub struct WorkerCounters {
    /// Polls finished, whatever their outcome.
    pub polls: AtomicI64,
    /// Polls that failed: the source failed (HTTP, parse, blocked) or its result could not
    /// be stored.
    pub poll_errors: AtomicI64,
    /// Mentions stored for the first time.
    pub mentions_new: AtomicI64,
    /// Outbox messages delivered (emails and webhooks).
    pub notifications_sent: AtomicI64,
}

impl WorkerCounters {
    /// Add `n` to a counter.
    pub fn add(counter: &AtomicI64, n: i64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The current values: (polls, poll_errors, mentions_new, notifications_sent).
    pub fn values(&self) -> (i64, i64, i64, i64) {
        (
            self.polls.load(Ordering::Relaxed),
            self.poll_errors.load(Ordering::Relaxed),
            self.mentions_new.load(Ordering::Relaxed),
            self.notifications_sent.load(Ordering::Relaxed),
        )
    }
}

/// One registered process, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRow {
    /// Random per process.
    pub id: String,
    /// The role it runs (`all`, `worker`, `web`).
    pub role: String,
    /// Host name.
    pub host: String,
    /// Process id on that host.
    pub pid: i64,
    /// When it registered (Unix seconds).
    pub started_at: i64,
    /// Its last heartbeat (Unix seconds).
    pub heartbeat_at: i64,
    /// When it stopped cleanly (Unix seconds); `None` while running or after a crash.
    pub stopped_at: Option<i64>,
    /// Polls finished since start.
    pub polls: i64,
    /// Polls that failed since start.
    pub poll_errors: i64,
    /// New mentions stored since start.
    pub mentions_new: i64,
    /// Messages delivered since start.
    pub notifications_sent: i64,
}

impl WorkerRow {
    /// Whether the process counts as running at `now` (Unix seconds): not stopped, and a
    /// heartbeat within [`LIVE_WINDOW`]. A crashed process turns not-live on its own.
    pub fn is_live(&self, now: i64) -> bool {
        self.stopped_at.is_none() && now - self.heartbeat_at <= LIVE_WINDOW.as_secs() as i64
    }
}

/// The SQL condition "the lease on this row may be taken at `$1`" (`$1` = now): there is
/// none, it ended, or its holder is not live. `table` is `sources` or `outbox`.
pub(super) fn lease_free(table: &str) -> String {
    let window = LIVE_WINDOW.as_secs();
    format!(
        "({table}.lease_until IS NULL OR {table}.lease_until <= $1 \
         OR ({table}.lease_owner IS NOT NULL AND {table}.lease_owner NOT IN \
         (SELECT w.id FROM workers w WHERE w.stopped_at IS NULL \
         AND w.heartbeat_at >= $1 - {window})))"
    )
}

const WORKER_COLUMNS: &str = "id, role, host, pid, started_at, heartbeat_at, stopped_at, polls, \
     poll_errors, mentions_new, notifications_sent";

impl Store {
    /// Register this process as a worker with `role`: a new row under a random id, its
    /// heartbeat set to now. Rows silent for [`PRUNE_AFTER`] are deleted first.
    pub async fn register(&self, role: &str) -> Result<WorkerId, StoreError> {
        const PRUNE: &str = "DELETE FROM workers WHERE heartbeat_at < $1";
        const INSERT: &str = "INSERT INTO workers (id, role, host, pid, started_at, \
             heartbeat_at) VALUES ($1, $2, $3, $4, $5, $5)";
        let id = WorkerId::random();
        let at = now();
        sqlx::query(PRUNE)
            .bind(at - PRUNE_AFTER.as_secs() as i64)
            .execute(&self.writer)
            .await?;
        sqlx::query(INSERT)
            .bind(id.as_str())
            .bind(role)
            .bind(host_name())
            .bind(i64::from(std::process::id()))
            .bind(at)
            .execute(&self.writer)
            .await?;
        Ok(id)
    }

    /// Write a heartbeat with the worker's cumulative counters.
    pub async fn heartbeat(
        &self,
        id: &WorkerId,
        counters: &WorkerCounters,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE workers SET heartbeat_at = $2, polls = $3, poll_errors = $4, \
             mentions_new = $5, notifications_sent = $6 WHERE id = $1";
        let (polls, poll_errors, mentions_new, sent) = counters.values();
        sqlx::query(SQL)
            .bind(id.as_str())
            .bind(now())
            .bind(polls)
            .bind(poll_errors)
            .bind(mentions_new)
            .bind(sent)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Mark the worker stopped (a clean exit): it is no longer live, and whatever it still
    /// leases may be claimed by the others at once.
    pub async fn stopped(&self, id: &WorkerId) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE workers SET stopped_at = $2 WHERE id = $1";
        sqlx::query(SQL)
            .bind(id.as_str())
            .bind(now())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Every registered worker, newest first (live or not: check [`WorkerRow::is_live`]).
    pub async fn list_workers(&self) -> Result<Vec<WorkerRow>, StoreError> {
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers ORDER BY started_at DESC, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(worker_row).collect()
    }

    /// This store, with every lease it takes from now on held in `id`'s name (see the
    /// module doc). Shares the pools.
    pub fn for_worker(&self, id: WorkerId) -> Store {
        Store {
            worker: Some(id),
            ..self.clone()
        }
    }

    /// The worker this store takes leases for, if any.
    pub fn worker_id(&self) -> Option<&WorkerId> {
        self.worker.as_ref()
    }
}

/// The host name, for people reading the workers table.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn worker_row(row: &AnyRow) -> Result<WorkerRow, StoreError> {
    Ok(WorkerRow {
        id: row.try_get("id")?,
        role: row.try_get("role")?,
        host: row.try_get("host")?,
        pid: row.try_get("pid")?,
        started_at: row.try_get("started_at")?,
        heartbeat_at: row.try_get("heartbeat_at")?,
        stopped_at: row.try_get("stopped_at")?,
        polls: row.try_get("polls")?,
        poll_errors: row.try_get("poll_errors")?,
        mentions_new: row.try_get("mentions_new")?,
        notifications_sent: row.try_get("notifications_sent")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(heartbeat_at: i64, stopped_at: Option<i64>) -> WorkerRow {
        WorkerRow {
            id: "w".into(),
            role: "worker".into(),
            host: "h".into(),
            pid: 1,
            started_at: 0,
            heartbeat_at,
            stopped_at,
            polls: 0,
            poll_errors: 0,
            mentions_new: 0,
            notifications_sent: 0,
        }
    }

    #[test]
    fn live_means_a_recent_heartbeat_and_no_stop() {
        assert!(row(100, None).is_live(100));
        assert!(row(100, None).is_live(115), "three periods of grace");
        assert!(!row(100, None).is_live(116), "silent for longer: crashed");
        assert!(!row(100, Some(101)).is_live(101), "stopped cleanly");
    }

    #[test]
    fn ids_are_random_per_process() {
        let (a, b) = (WorkerId::random(), WorkerId::random());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 16);
    }
}
