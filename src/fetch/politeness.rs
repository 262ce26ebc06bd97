//! Per-host politeness: a concurrency cap, a minimum spacing between request
//! starts, and pauses ordered by a server's Retry-After.
//!
//! The gate is keyed by host name (not port, not scheme): politeness is about
//! not hammering one machine, and two sources on one site share it. The
//! scheduler never sleeps on a pause; [`Hosts::paused_until`] answers at once
//! and the scheduler moves the source's `next_check_at` instead. Spacing is a
//! reservation ("my start is the later of now and the last start + spacing"),
//! taken while holding a concurrency permit, so fifty sources polled at once
//! start one after the other without a busy loop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// The politeness state of one host.
struct HostGate {
    /// Requests in flight to this host.
    permits: Arc<Semaphore>,
    /// The cap the semaphore was made with.
    concurrency: usize,
    /// Minimum time between two request starts.
    spacing: Duration,
    /// Times of the next allowed start and the end of a pause, if any.
    times: Mutex<HostTimes>,
}

#[derive(Default)]
struct HostTimes {
    next_start: Option<Instant>,
    paused_until: Option<Instant>,
}

/// All hosts this fetcher has talked to.
pub(crate) struct Hosts {
    gates: Mutex<HashMap<String, Arc<HostGate>>>,
    concurrency: usize,
    spacing: Duration,
}

/// Held while a request to a host is in flight; dropping it frees the slot.
pub(crate) struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

/// The politeness key of a URL: its host, lower-case.
pub(crate) fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_ascii_lowercase()
}

impl HostGate {
    fn new(concurrency: usize, spacing: Duration) -> Arc<HostGate> {
        Arc::new(HostGate {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            concurrency: concurrency.max(1),
            spacing,
            times: Mutex::new(HostTimes::default()),
        })
    }
}

impl Hosts {
    /// A registry with the given per-host cap (at least 1) and spacing.
    pub(crate) fn new(concurrency: usize, spacing: Duration) -> Hosts {
        Hosts {
            gates: Mutex::new(HashMap::new()),
            concurrency: concurrency.max(1),
            spacing,
        }
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            gates
                .entry(host.to_owned())
                .or_insert_with(|| HostGate::new(self.concurrency, self.spacing)),
        )
    }

    /// Give one host its own cap and spacing (a recipe's politeness settings); the
    /// stricter of this and any earlier policy for the host wins.
    pub(crate) fn set_policy(&self, host: &str, concurrency: usize, spacing: Duration) {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let (concurrency, spacing) = match gates.get(host) {
            Some(old) => (
                concurrency.max(1).min(old.concurrency),
                spacing.max(old.spacing),
            ),
            None => (concurrency, spacing),
        };
        gates.insert(host.to_owned(), HostGate::new(concurrency, spacing));
    }

    /// Waits for a free slot on the host and for its spacing, then returns the slot.
    pub(crate) async fn acquire(&self, host: &str) -> HostPermit {
        let gate = self.gate(host);
        let permit = Arc::clone(&gate.permits)
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("host semaphores are never closed"));
        let start = {
            let mut times = gate.times.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let start = times.next_start.map_or(now, |t| t.max(now));
            times.next_start = Some(start + gate.spacing);
            start
        };
        tokio::time::sleep_until(start.into()).await;
        HostPermit { _permit: permit }
    }

    /// Pauses the host for `wait` (a longer existing pause is kept).
    pub(crate) fn pause(&self, host: &str, wait: Duration) {
        let gate = self.gate(host);
        let mut times = gate.times.lock().unwrap_or_else(PoisonError::into_inner);
        let until = Instant::now() + wait;
        times.paused_until = Some(times.paused_until.map_or(until, |t| t.max(until)));
    }

    /// When the host's pause ends, if it is paused now.
    pub(crate) fn paused_until(&self, host: &str) -> Option<SystemTime> {
        let gate = self.gate(host);
        let times = gate.times.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        times
            .paused_until
            .filter(|until| *until > now)
            .map(|until| SystemTime::now() + (until - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pause_is_per_host_and_keeps_the_longer_one() {
        let hosts = Hosts::new(2, Duration::ZERO);
        hosts.pause("a.example", Duration::from_secs(60));
        hosts.pause("a.example", Duration::from_secs(5));
        let until = hosts.paused_until("a.example").expect("paused");
        let left = until.duration_since(SystemTime::now()).unwrap_or_default();
        assert!(left > Duration::from_secs(50));
        assert!(hosts.paused_until("b.example").is_none());
        hosts.pause("c.example", Duration::ZERO);
        assert!(hosts.paused_until("c.example").is_none());
    }

    #[tokio::test]
    async fn f16_a_host_policy_sets_its_own_spacing() {
        let hosts = Hosts::new(4, Duration::ZERO);
        hosts.set_policy("slow.example", 1, Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..3 {
            drop(hosts.acquire("slow.example").await);
        }
        assert!(
            start.elapsed() >= Duration::from_millis(400),
            "three starts need two gaps"
        );
        let start = Instant::now();
        for _ in 0..3 {
            drop(hosts.acquire("fast.example").await);
        }
        assert!(
            start.elapsed() < Duration::from_millis(200),
            "other hosts keep the default"
        );
    }

    #[test]
    fn host_key_ignores_port_and_case() {
        let a = Url::parse("http://Example.COM:8080/a").unwrap();
        let b = Url::parse("https://example.com/b").unwrap();
        assert_eq!(host_key(&a), host_key(&b));
    }
}
