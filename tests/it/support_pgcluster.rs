//! A PostgreSQL cluster of the tests' own, for S02 (restart during polling).
//!
//! The shared server on 127.0.0.1:5432 serves every other PostgreSQL test in parallel, so
//! S02 must not restart it. It creates (once) and starts a dedicated cluster `vigia_chaos`
//! on port [`CHAOS_PORT`] with the Debian/Ubuntu `postgresql-common` tools, which needs
//! root (or the cluster owner). A file lock serialises S02 across test processes so two
//! runs never restart the cluster under each other. Lacking the tools or the rights fails
//! the test under `CI=true`, and skips it loudly elsewhere.

use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::support::{self, DbGuard};

/// The dedicated cluster's name.
pub const CHAOS_CLUSTER: &str = "vigia_chaos";
/// The dedicated cluster's port on 127.0.0.1.
pub const CHAOS_PORT: u16 = 5439;

/// The running dedicated cluster, held for one test.
pub struct ChaosCluster {
    version: String,
    _lock: std::fs::File,
}

impl ChaosCluster {
    /// Create the cluster if missing and start it; `None` (after saying why) when the
    /// PostgreSQL half is off, or when this machine cannot run it outside CI.
    pub fn running() -> Option<ChaosCluster> {
        support::postgres_admin()?;
        match Self::try_start() {
            Ok(cluster) => Some(cluster),
            Err(why) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "S02 cannot run its own PostgreSQL cluster, and CI=true: {why}"
                );
                eprintln!("SKIPPED S02 (PostgreSQL restart): {why}");
                None
            }
        }
    }

    fn try_start() -> Result<ChaosCluster, String> {
        let lock_path = std::env::temp_dir().join("vigia_chaos_cluster.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        lock.lock()
            .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
        let uid = run("id", &["-u"])?;
        if uid.trim() != "0" {
            return Err(format!(
                "creating, starting and restarting a PostgreSQL cluster needs root \
                 (running as uid {}); run the suite as root, as in CI",
                uid.trim()
            ));
        }
        let version = std::fs::read_dir("/etc/postgresql")
            .map_err(|e| {
                format!("no /etc/postgresql ({e}): the postgresql-common tools are missing")
            })?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|v| Some((v.parse::<u32>().ok()?, v)))
            .max()
            .map(|(_, v)| v)
            .ok_or("no PostgreSQL version under /etc/postgresql")?;
        let clusters = run("pg_lsclusters", &["--no-header"])?;
        let known = clusters.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 1 && f[0] == version && f[1] == CHAOS_CLUSTER
        });
        if !known {
            let port = CHAOS_PORT.to_string();
            run(
                "pg_createcluster",
                &[
                    "--start-conf=manual",
                    &version,
                    CHAOS_CLUSTER,
                    "--port",
                    &port,
                    "--",
                    "--auth-local=trust",
                    "--auth-host=trust",
                ],
            )?;
        }
        let cluster = ChaosCluster {
            version,
            _lock: lock,
        };
        if !cluster.online()? {
            cluster.ctl("start")?;
        }
        cluster.wait_ready(Duration::from_secs(30))?;
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{CHAOS_PORT}/postgres")
    }

    /// A fresh database on the cluster, dropped with the guard.
    pub async fn fresh_db(&self) -> (String, DbGuard) {
        support::fresh_pg_db(&self.admin_url()).await
    }

    /// Restart the cluster (fast mode: sessions are cut, committed work survives) and wait
    /// until it accepts connections again.
    pub fn restart(&self) {
        self.ctl("restart").unwrap_or_else(|e| panic!("{e}"));
        self.wait_ready(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Stop the cluster (fast mode); connections are refused until [`ChaosCluster::start`].
    pub fn stop(&self) {
        self.ctl("stop").unwrap_or_else(|e| panic!("{e}"));
    }

    /// Start the stopped cluster and wait until it accepts connections.
    pub fn start(&self) {
        self.ctl("start").unwrap_or_else(|e| panic!("{e}"));
        self.wait_ready(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// When the server process started (Unix seconds, fractional): changes on restart.
    pub async fn started_at(&self) -> f64 {
        let mut conn = sqlx::PgConnection::connect(&self.admin_url())
            .await
            .unwrap();
        sqlx::query_scalar("SELECT EXTRACT(EPOCH FROM pg_postmaster_start_time())::float8")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }

    fn online(&self) -> Result<bool, String> {
        let out = run(
            "pg_lsclusters",
            &["--no-header", &self.version, CHAOS_CLUSTER],
        )?;
        Ok(out.contains("online"))
    }

    fn ctl(&self, action: &str) -> Result<String, String> {
        run(
            "pg_ctlcluster",
            &[
                "--skip-systemctl-redirect",
                &self.version,
                CHAOS_CLUSTER,
                action,
            ],
        )
    }

    fn wait_ready(&self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        let port = CHAOS_PORT.to_string();
        while Instant::now() < deadline {
            let ready = Command::new("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &port, "-q"])
                .status()
                .map_err(|e| format!("cannot run pg_isready: {e}"))?;
            if ready.success() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "the {CHAOS_CLUSTER} cluster did not accept connections on port {CHAOS_PORT} within {within:?}"
        ))
    }
}

/// Run a tool, returning its stdout, or a message naming it and what it said.
fn run(tool: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(tool).args(args).output().map_err(|e| {
        format!("cannot run {tool} ({e}): S02 needs the postgresql-common tools (pg_createcluster, pg_ctlcluster, pg_lsclusters) and root")
    })?;
    if !out.status.success() {
        return Err(format!(
            "{tool} {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
