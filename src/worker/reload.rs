//! Reloading the config without a restart (`SIGHUP`, `systemctl reload vigia`): people
//! add brands, sources and rules often, and a restart should not be the price.
//!
//! A reload reads the file again and checks it exactly as a start would. If it has an
//! error, the running config stays in force and the error (with `file:line`) is logged
//! (C04): a typo never stops monitoring. If it is good, the running role is stopped the
//! way `SIGTERM` stops it (polls in flight finish, the worker row is marked stopped) and
//! started again on the new config, in the same process and on the same database; the
//! dashboard is back within a second. The database URL cannot change on a reload: moving
//! a live worker between databases is a restart.

use std::path::Path;

use tokio::sync::{mpsc, watch};

use super::{Role, WorkerError, run_as};
use crate::config::{Config, ConfigError};
use crate::store::Store;

/// Why a reload was refused (the running config stays).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The file does not load.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// It names another database.
    #[error(
        "[database] url changed: a reload cannot move a running worker to another database; restart vigia for that"
    )]
    Database,
}

/// The config at `path` if it may replace `running`.
pub fn reloadable(path: &Path, running: &Config) -> Result<Config, ReloadError> {
    let new = Config::load(path)?;
    if new.database.url != running.database.url {
        return Err(ReloadError::Database);
    }
    Ok(new)
}

/// Run `role` until `shutdown` turns true, reloading the config from `path` whenever
/// `reload` receives (see the module documentation).
pub async fn run_reloading(
    path: &Path,
    mut config: Config,
    store: Store,
    role: Role,
    mut shutdown: watch::Receiver<bool>,
    mut reload: mpsc::Receiver<()>,
) -> Result<(), WorkerError> {
    loop {
        let (stop, stopped) = watch::channel(false);
        let running = {
            let (config, store) = (config.clone(), store.clone());
            tokio::spawn(async move { run_as(&config, store, role, stopped).await })
        };
        tokio::pin!(running);
        let next = loop {
            tokio::select! {
                ended = &mut running => return joined(ended),
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        let _ = stop.send(true);
                        return joined(running.await);
                    }
                }
                Some(()) = reload.recv() => match reloadable(path, &config) {
                    Ok(new) => break new,
                    Err(e) => {
                        tracing::error!(error = %e, "config reload refused; the running config stays in force");
                        eprintln!("vigia: reload refused, still running the previous config: {e}");
                    }
                },
            }
        };
        let _ = stop.send(true);
        joined(running.await)?;
        eprintln!(
            "vigia: config reloaded from {}: {} brands, {} sources, {} rules",
            path.display(),
            next.brands.len(),
            next.sources.len(),
            next.rules.len()
        );
        tracing::info!(path = %path.display(), "config reloaded");
        config = next;
    }
}

fn joined(
    ended: Result<Result<(), WorkerError>, tokio::task::JoinError>,
) -> Result<(), WorkerError> {
    match ended {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Ok(()),
    }
}
