//! Worker: turns a config and a store into a running pipeline (`vigia run`).
//!
//! Kept apart from the scheduler so that the scheduler only decides *when* to poll, and
//! this file only decides *what with* (fetch settings from config, sources synced to the
//! store), which is also what the demo and the tests reuse.
//!
//! A running worker registers itself in the `workers` table and keeps a heartbeat with its
//! counters there ([`heartbeat`]), so readiness and metrics can be read by any process and
//! a crashed worker's leases come back as soon as its heartbeat stops. No database error
//! ends a running worker: each loop logs it and tries again (see [`crate::scheduler`] and
//! [`crate::notify::sender`]); only a database that is unreachable at start is fatal.

mod heartbeat;
pub mod reload;
mod role;

pub use role::Role;

use std::fmt::Write as _;
use std::sync::Arc;

use tokio::sync::watch;

use crate::alerts::live::{Live, LiveError};
use crate::config::{Config, FetchConfig};
use crate::fetch::{self, FetchError, FetchSettings, Fetcher};
use crate::notify::sender::{Delivered, Sender};
use crate::poll::{Pipeline, PollReport, PollResult};
use crate::scheduler;
use crate::store::{Store, StoreError, WorkerCounters};

/// Why the worker could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built from the `[fetch]` settings.
    #[error("cannot set up fetching: {0}")]
    Fetch(#[from] FetchError),
    /// The alert rules or delivery could not be set up.
    #[error("alerts: {0}")]
    Alerts(#[from] LiveError),
    /// The SMTP or webhook settings are unusable.
    #[error("delivery: {0}")]
    Notify(#[from] crate::notify::NotifyError),
    /// The dashboard could not start or stopped with an error.
    #[error("dashboard: {0}")]
    Web(#[from] crate::web::WebError),
}

/// Fetch settings from the `[fetch]` table, library defaults for what it leaves out.
pub fn fetch_settings(cfg: &FetchConfig) -> FetchSettings {
    let defaults = FetchSettings::default();
    FetchSettings {
        allow_private_networks: cfg.allow_private_networks,
        allowed_private: cfg.allowed_private.clone(),
        user_agent: fetch::user_agent(cfg.contact_url.as_deref()),
        total_timeout: cfg.timeout.unwrap_or(defaults.total_timeout),
        max_body_bytes: cfg.max_body_bytes.unwrap_or(defaults.max_body_bytes),
        per_host_concurrency: cfg
            .per_host_concurrency
            .unwrap_or(defaults.per_host_concurrency),
        min_host_spacing: cfg.min_host_spacing.unwrap_or(defaults.min_host_spacing),
        respect_robots: cfg.respect_robots,
        ..defaults
    }
}

/// Sync the config's sources into the store and build the shared pipeline, with live
/// alerting warmed from the store when the config has rules. Exclusion terms added from
/// the dashboard ("not about us") join the brands' `exclude` here, so they apply from the
/// next start of the worker.
pub async fn pipeline(config: &Config, store: Store) -> Result<Arc<Pipeline>, WorkerError> {
    store.sync_sources(&config.sources).await?;
    let config = with_exclusions(config, &store.brand_exclusions().await?);
    let p = build(&config, store)?;
    if let Some(live) = &p.alerts {
        live.warm(&p.store, chrono::Utc::now()).await?;
    }
    Ok(p)
}

/// The config with `(brand, term)` exclusions added to the brands they name (brands no
/// longer configured are skipped, terms already there are not repeated).
pub fn with_exclusions(config: &Config, exclusions: &[(String, String)]) -> Config {
    let mut config = config.clone();
    for (brand, term) in exclusions {
        if let Some(b) = config.brands.iter_mut().find(|b| &b.name == brand)
            && !b.exclude.contains(term)
        {
            b.exclude.push(term.clone());
        }
    }
    config
}

/// Build the pipeline without touching the store (`vigia check`).
pub fn build(config: &Config, store: Store) -> Result<Arc<Pipeline>, WorkerError> {
    let settings = fetch_settings(&config.fetch);
    let fetcher = Fetcher::new(settings.clone())?;
    for source in config
        .sources
        .iter()
        .filter(|_| config.fetch.recipe_politeness)
    {
        let p = source.politeness();
        if (p.min_spacing.is_some() || p.per_host_concurrency.is_some())
            && let Ok(url) = url::Url::parse(source.poll_url())
        {
            let concurrency = p
                .per_host_concurrency
                .unwrap_or(settings.per_host_concurrency);
            let spacing = p.min_spacing.unwrap_or(settings.min_host_spacing);
            fetcher.set_host_policy(&url, concurrency, spacing);
        }
    }
    let alerts = Live::new(config)?.map(Arc::new);
    Ok(Pipeline::new(config, store, fetcher, alerts))
}

/// Poll every source once (`vigia run --once`), then notify and deliver what is due.
pub async fn run_once(config: &Config, store: Store) -> Result<Vec<PollReport>, WorkerError> {
    let p = pipeline(config, store).await?;
    let reports = scheduler::run_once(p.clone(), config.fetch.concurrency).await?;
    if p.alerts.is_some() {
        let sender = Sender::new(config)?;
        alert_round(&p, &sender).await?;
    }
    Ok(reports)
}

/// One round of the alert loop: source-failure rules, alerts a dead worker left behind,
/// unanswered negatives, due groups into the outbox, then delivery of due outbox rows.
pub async fn alert_round(p: &Pipeline, sender: &Sender) -> Result<Delivered, WorkerError> {
    if let Some(live) = &p.alerts {
        live.source_states(&p.store, chrono::Utc::now()).await?;
        live.adopt_orphans(&p.store, chrono::Utc::now()).await?;
        live.unanswered(&p.store, chrono::Utc::now()).await?;
    }
    notify_and_deliver(p, sender).await
}

/// Due groups into the outbox, then delivery of due outbox rows.
async fn notify_and_deliver(p: &Pipeline, sender: &Sender) -> Result<Delivered, WorkerError> {
    let now = chrono::Utc::now();
    if let Some(live) = &p.alerts {
        live.notify_due(&p.store, now).await?;
    }
    Ok(sender.deliver_due(&p.store, now.timestamp()).await?)
}

/// The alert loop beside the scheduler: a round every [`ALERT_TICK`] until shutdown; with
/// `digests` (a config that has `[[digest]]`s), the digests that fell due are queued once a
/// [`DIGEST_CHECK`] and go out with the round's deliveries. A failed round (the database is
/// away) is logged and the next one tried on schedule.
async fn alert_loop(
    p: Arc<Pipeline>,
    sender: Sender,
    digests: Option<Config>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Source health changes on a scale of minutes: reading every source on every tick
    // would put a full table scan on the fast loop.
    let mut last_source_check: Option<std::time::Instant> = None;
    let mut last_digest_check: Option<std::time::Instant> = None;
    while !*shutdown.borrow() {
        if let Some(config) = &digests
            && last_digest_check.is_none_or(|t| t.elapsed() >= DIGEST_CHECK)
        {
            last_digest_check = Some(std::time::Instant::now());
            if let Err(e) = crate::digest::queue_due(&p.store, config, chrono::Utc::now()).await {
                tracing::error!(error = %e, "queueing due digests failed; retrying");
            }
        }
        let check_sources = last_source_check.is_none_or(|t| t.elapsed() >= SOURCE_CHECK);
        let round = if check_sources {
            last_source_check = Some(std::time::Instant::now());
            alert_round(&p, &sender).await
        } else {
            notify_and_deliver(&p, &sender).await
        };
        if let Err(e) = round {
            tracing::error!(error = %e, "alert round failed; retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(ALERT_TICK) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// How often the continuous loop evaluates source-failure rules.
pub const SOURCE_CHECK: std::time::Duration = std::time::Duration::from_secs(15);
/// How often the continuous loop looks for digests whose cron fired (one indexed lookup
/// per recipient when nothing is due).
pub const DIGEST_CHECK: std::time::Duration = std::time::Duration::from_secs(60);
/// How often due notifications and outbox rows are looked at.
pub const ALERT_TICK: std::time::Duration = std::time::Duration::from_millis(500);

/// Poll due sources and deliver alerts until `shutdown` turns true (`vigia run --role
/// worker`).
pub async fn run(
    config: &Config,
    store: Store,
    shutdown: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
    run_as(config, store, Role::Worker, shutdown).await
}

/// Run `role` until `shutdown` turns true (`vigia run --role ROLE`): `worker` polls and
/// delivers, `web` serves the dashboard (and never takes the SQLite worker lock), `all`
/// does both in one process; if the dashboard cannot bind its address the process stops
/// instead of running half of what was asked.
pub async fn run_as(
    config: &Config,
    store: Store,
    role: Role,
    shutdown: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
    match role {
        Role::Worker => work(config, store, role, shutdown).await,
        Role::Web => web(config, store, shutdown).await,
        Role::All => {
            tokio::try_join!(
                work(config, store.clone(), role, shutdown.clone()),
                web(config, store, shutdown)
            )?;
            Ok(())
        }
    }
}

/// The dashboard until `shutdown` turns true.
async fn web(
    config: &Config,
    store: Store,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
    let stop = async move {
        while !*shutdown.borrow_and_update() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    };
    Ok(crate::web::serve(config, store, stop).await?)
}

/// The polling half: single-worker lock (SQLite), registration and heartbeat, then the
/// scheduler and the alert loop until shutdown; the worker is marked stopped at the end.
async fn work(
    config: &Config,
    store: Store,
    role: Role,
    shutdown: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
    let lock = store.lock_single_worker()?;
    if lock.is_some() {
        store.release_leases().await?;
    }
    let id = store.register(role.as_str()).await?;
    tracing::info!(worker = %id, %role, "registered");
    let store = store.for_worker(id.clone());
    let counters = Arc::new(WorkerCounters::default());
    let heartbeat = heartbeat::Heartbeat::start(store.clone(), id, counters.clone());
    let result = async {
        let p = pipeline(config, store).await?;
        let sender = Sender::new(config)?.count_into(counters.clone());
        let digests = (!config.digests.is_empty()).then(|| config.clone());
        let alerts = tokio::spawn(alert_loop(p.clone(), sender, digests, shutdown.clone()));
        scheduler::run(p, config.fetch.concurrency, &counters, shutdown).await?;
        let _ = alerts.await;
        Ok(())
    }
    .await;
    heartbeat.stop().await;
    drop(lock);
    result
}

/// One line per source: what a pass did.
pub fn summarize(reports: &[PollReport]) -> String {
    let width = reports.iter().map(|r| r.source.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in reports {
        let what = match &r.outcome {
            PollResult::Fetched(p) => format!(
                "ok       {} items, {} brand mentions, {} new{}",
                p.items,
                p.matched,
                p.new,
                if p.warnings.is_empty() {
                    String::new()
                } else {
                    format!(" ({} warnings)", p.warnings.len())
                }
            ),
            PollResult::NotModified => "ok       not modified".to_string(),
            PollResult::Deferred { seconds } => {
                format!("waiting  host asked us to wait {seconds}s")
            }
            PollResult::Failed { state, error } => format!("{:<8} {error}", state.as_str()),
        };
        let _ = writeln!(out, "{:<width$}  {what}", r.source);
    }
    out
}
