//! What one `vigia run` process does (`--role`).
//!
//! One process runs everything by default. To scale out, several `--role worker`
//! processes share one PostgreSQL (polling, alerts and delivery are leased, so they split
//! the work) while one or more `--role web` processes serve the dashboard and need no
//! worker lock, so a web process can sit beside the single SQLite worker.

/// The role of a `vigia run` process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Role {
    /// Everything in one process: polling, alerts, delivery and the web dashboard.
    #[default]
    All,
    /// Polling, alerts and delivery, no web server; run several on one PostgreSQL.
    Worker,
    /// The web dashboard only: polls nothing and takes no SQLite worker lock.
    Web,
}

impl Role {
    /// The name stored in the `workers` table and accepted by `--role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Worker => "worker",
            Role::Web => "web",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
