//! The worker's heartbeat task: every [`HEARTBEAT_PERIOD`] it writes the process's
//! cumulative counters to its `workers` row (see [`crate::store::Store::heartbeat`]).
//!
//! It runs until the worker has finished everything, not merely until shutdown is asked
//! for: a worker still finishing its in-flight polls must keep looking alive, or the
//! others would take over its leases and fetch the same sources again. A failed write is
//! logged and the next one tried on schedule; a database outage never stops the worker.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::store::{HEARTBEAT_PERIOD, Store, WorkerCounters, WorkerId};

/// A running heartbeat; [`Heartbeat::stop`] ends it and marks the worker stopped.
pub(super) struct Heartbeat {
    store: Store,
    id: WorkerId,
    counters: Arc<WorkerCounters>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Heartbeat {
    /// Start beating for worker `id` (already registered).
    pub(super) fn start(store: Store, id: WorkerId, counters: Arc<WorkerCounters>) -> Heartbeat {
        let (stop, mut stopping) = watch::channel(false);
        let task = {
            let (store, id, counters) = (store.clone(), id.clone(), counters.clone());
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(HEARTBEAT_PERIOD) => {}
                        _ = stopping.changed() => break,
                    }
                    if let Err(e) = store.heartbeat(&id, &counters).await {
                        tracing::warn!(worker = %id, error = %e, "heartbeat failed; retrying");
                    }
                }
            })
        };
        Heartbeat {
            store,
            id,
            counters,
            stop,
            task,
        }
    }

    /// Stop beating, write the final counters and mark the worker stopped.
    pub(super) async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let last = async {
            self.store.heartbeat(&self.id, &self.counters).await?;
            self.store.stopped(&self.id).await
        };
        if let Err(e) = last.await {
            tracing::warn!(worker = %self.id, error = %e, "could not mark the worker stopped; it will look dead once its heartbeat is old");
        }
    }
}
