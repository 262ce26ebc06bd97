//! Scheduler: which sources to poll now, how many at once, and when to poll them next.
//!
//! The database is the queue (Miniflux's model): a source is due when `next_check_at` has
//! passed, so a restart loses nothing and needs no in-memory state. A fixed number of polls
//! run at once. After a success the next check is the interval (or the server's max-age if
//! longer) plus jitter so sources do not fire in lockstep; after a failure it backs off
//! geometrically with jitter, capped, and honours Retry-After. A failing source is never
//! disabled: at worst it is tried every [`MAX_BACKOFF`]. Due sources are claimed with a
//! lease, so several workers on one PostgreSQL share them and fetch each once.
//!
//! The database may go away (a PostgreSQL restart, a failover): the loop never stops for
//! it. A failed claim is logged and tried again on the next tick; a poll whose result could
//! not be stored gets its lease shortened to [`STORE_RETRY`] once the database answers
//! again, so the source is polled again soon instead of when its lease ends; storing is
//! idempotent, so nothing is lost or doubled.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::poll::{Pipeline, PollReport, PollResult};
use crate::store::{self, StoreError, WorkerCounters};

/// Longest wait between two tries of a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// Backoff grows by this factor per consecutive failure.
pub const BACKOFF_FACTOR: u32 = 2;
/// Jitter added after a success, as a fraction of the interval.
pub const SUCCESS_JITTER: f64 = 0.1;
/// Jitter around a failure delay (± this fraction).
pub const FAILURE_JITTER: f64 = 0.2;
/// How often the scheduler looks for due sources when idle.
pub const TICK: Duration = Duration::from_millis(250);
/// A claimed source belongs to this worker for this long (longer than any poll can take:
/// a few pages at the total timeout each); a crashed worker's sources come back after it.
pub const SOURCE_LEASE: Duration = Duration::from_secs(300);
/// How long shutdown waits for in-flight polls.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// A source whose poll could not be stored (the database failed) is due again this long
/// after the database answers, instead of when its lease ends.
pub const STORE_RETRY: Duration = Duration::from_secs(10);

/// Delay until the next poll after a success: the interval, or the server's max-age when
/// longer, plus up to 10 % jitter.
pub fn delay_after_success(interval_secs: i64, max_age: Option<Duration>) -> Duration {
    let interval = Duration::from_secs(interval_secs.max(1) as u64);
    let base = max_age.map_or(interval, |m| m.min(MAX_BACKOFF).max(interval));
    let jitter = rand::rng().random_range(0.0..=SUCCESS_JITTER);
    base + base.mul_f64(jitter)
}

/// Delay after the `failures`-th consecutive failure: interval × 2^(failures−1), capped at
/// [`MAX_BACKOFF`] (or the interval when that is longer), ±20 % jitter, never shorter than
/// the server's Retry-After.
pub fn delay_after_failure(
    interval_secs: i64,
    failures: i64,
    retry_after: Option<Duration>,
) -> Duration {
    let interval = Duration::from_secs(interval_secs.max(1) as u64);
    let cap = MAX_BACKOFF.max(interval);
    let base = backoff(interval, failures, cap);
    let jitter = rand::rng().random_range(-FAILURE_JITTER..=FAILURE_JITTER);
    let delay = base.mul_f64(1.0 + jitter).min(cap);
    retry_after.map_or(delay, |r| delay.max(r))
}

/// The geometric part of a backoff, without jitter: `first` × 2^(failures−1), capped.
/// Shared by source polling and alert delivery, which each add their own jitter.
pub fn backoff(first: Duration, failures: i64, cap: Duration) -> Duration {
    let exp = failures.clamp(1, 32) as u32 - 1;
    first
        .checked_mul(BACKOFF_FACTOR.saturating_pow(exp))
        .unwrap_or(cap)
        .min(cap)
}

/// Poll every active source once, `concurrency` at a time (`vigia run --once`).
pub async fn run_once(
    pipeline: Arc<Pipeline>,
    concurrency: usize,
) -> Result<Vec<PollReport>, StoreError> {
    let sources = pipeline.store.list_sources().await?;
    let reports: Vec<Result<PollReport, StoreError>> = futures_util::stream::iter(sources)
        .map(|s| {
            let p = pipeline.clone();
            async move { p.poll(&s).await }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out = reports.into_iter().collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| a.source.cmp(&b.source));
    Ok(out)
}

/// Poll due sources until `shutdown` turns true, then let in-flight polls finish. Every
/// finished poll is counted in `counters`.
pub async fn run(
    pipeline: Arc<Pipeline>,
    concurrency: usize,
    counters: &WorkerCounters,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let concurrency = concurrency.max(1);
    let mut tasks: JoinSet<(i64, Result<PollReport, StoreError>)> = JoinSet::new();
    let mut polls = InFlight::default();
    while !*shutdown.borrow() {
        polls.retry_unstored(&pipeline.store).await;
        let free = concurrency - tasks.len();
        if free > 0 {
            let at = store::now();
            let lease = SOURCE_LEASE.as_secs() as i64;
            match pipeline
                .store
                .claim_due_sources(at, lease, free as i64)
                .await
            {
                Ok(due) => {
                    let fresh: Vec<_> = due
                        .into_iter()
                        .filter(|s| !polls.leases.contains_key(&s.id))
                        .take(free)
                        .collect();
                    for source in fresh {
                        polls.leases.insert(source.id, at + lease);
                        let p = pipeline.clone();
                        tasks.spawn(async move { (source.id, p.poll(&source).await) });
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not claim due sources; retrying"),
            }
        }
        tokio::select! {
            Some(done) = tasks.join_next(), if !tasks.is_empty() => polls.finish(done, counters),
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!(
        in_flight = tasks.len(),
        "shutting down: finishing in-flight polls"
    );
    let drain = async {
        while let Some(done) = tasks.join_next().await {
            polls.finish(done, counters);
        }
        polls.retry_unstored(&pipeline.store).await;
    };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::warn!(
            "in-flight polls did not finish in time; they will be retried at next start"
        );
    }
    Ok(())
}

/// The scheduler's own bookkeeping: the leases of polls in flight, and those of polls
/// whose result could not be stored.
#[derive(Default)]
struct InFlight {
    /// Source id → when the lease this worker took on it ends.
    leases: HashMap<i64, i64>,
    /// Polls that failed to store: (source id, lease end), to be shortened.
    unstored: Vec<(i64, i64)>,
}

impl InFlight {
    fn finish(
        &mut self,
        done: Result<(i64, Result<PollReport, StoreError>), tokio::task::JoinError>,
        counters: &WorkerCounters,
    ) {
        let (id, result) = match done {
            Ok(done) => done,
            Err(e) => {
                // The poll's source stays leased until the lease ends; nothing else to do.
                tracing::error!(error = %e, "a poll task panicked");
                return;
            }
        };
        let lease_until = self.leases.remove(&id);
        WorkerCounters::add(&counters.polls, 1);
        match result {
            Ok(report) => {
                match &report.outcome {
                    PollResult::Fetched(p) => {
                        WorkerCounters::add(&counters.mentions_new, p.new as i64)
                    }
                    PollResult::Failed { .. } => WorkerCounters::add(&counters.poll_errors, 1),
                    PollResult::NotModified | PollResult::Deferred { .. } => {}
                }
                tracing::debug!(source = %report.source, outcome = ?report.outcome, "polled");
            }
            Err(e) => {
                WorkerCounters::add(&counters.poll_errors, 1);
                tracing::error!(source_id = id, error = %e, "could not store a poll's result; will poll again");
                self.unstored.extend(lease_until.map(|until| (id, until)));
            }
        }
    }

    /// Shorten the leases of polls that could not be stored, so their sources come back
    /// after [`STORE_RETRY`]. Stops at the first failure (the database is still away).
    async fn retry_unstored(&mut self, store: &store::Store) {
        while let Some(&(id, lease_until)) = self.unstored.last() {
            let until = store::now() + STORE_RETRY.as_secs() as i64;
            match store.shorten_lease(id, lease_until, until).await {
                Ok(_) => {
                    self.unstored.pop();
                }
                Err(e) => {
                    tracing::warn!(error = %e, waiting = self.unstored.len(), "database still unavailable");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_waits_the_interval_plus_bounded_jitter() {
        for _ in 0..100 {
            let d = delay_after_success(900, None);
            assert!(
                d >= Duration::from_secs(900) && d <= Duration::from_secs(990),
                "{d:?}"
            );
        }
        let d = delay_after_success(60, Some(Duration::from_secs(600)));
        assert!(
            d >= Duration::from_secs(600),
            "max-age longer than interval wins"
        );
    }

    #[test]
    fn f15_failures_back_off_geometrically_capped_with_jitter() {
        let mut last = Duration::ZERO;
        for n in 1..=5 {
            let d = delay_after_failure(60, n, None);
            let base = 60.0 * 2f64.powi(n as i32 - 1);
            assert!(
                d.as_secs_f64() >= base * 0.8 - 0.001 && d.as_secs_f64() <= base * 1.2 + 0.001,
                "n={n} {d:?}"
            );
            assert!(d > last.mul_f64(0.8 / 1.2), "grows");
            last = d;
        }
        for _ in 0..50 {
            assert!(delay_after_failure(60, 40, None) <= MAX_BACKOFF, "capped");
        }
        let a: std::collections::HashSet<u128> = (0..20)
            .map(|_| delay_after_failure(60, 3, None).as_millis())
            .collect();
        assert!(a.len() > 1, "jittered");
    }

    #[test]
    fn f13_retry_after_is_a_floor() {
        let d = delay_after_failure(60, 1, Some(Duration::from_secs(3600)));
        assert!(d >= Duration::from_secs(3600));
    }
}
