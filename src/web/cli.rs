//! The bodies of the dashboard's commands (`vigia serve`, `vigia user add|token|list|
//! disable|enable|role|password|revoke`, `vigia demo --serve`), kept here so `main.rs`
//! stays a thin list of flags.
//!
//! Passwords are never taken as a flag (shell history, `ps`): they are prompted without
//! echo on a terminal, or read as the first line of stdin when piped.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use super::{AppState, WebError};
use crate::config::{Config, DEFAULT_WEB_LISTEN};
use crate::store::accounts::{AccountError, MIN_PASSWORD_CHARS, Role};
use crate::store::{Store, StoreError, now};

/// Why a dashboard command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An account could not be created or changed.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server failed.
    #[error(transparent)]
    Web(#[from] WebError),
    /// The demo failed.
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    /// The demo's config could not be read back.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The password could not be read.
    #[error("cannot read the password: {0}")]
    Password(std::io::Error),
}

/// `vigia serve`: the dashboard alone, until Ctrl-C or SIGTERM.
pub async fn serve(config: &Config, store: Store) -> Result<(), CliError> {
    let listen = config.web.listen.as_deref().unwrap_or(DEFAULT_WEB_LISTEN);
    eprintln!(
        "vigia: dashboard on http://{listen}/ (public address: {}); Ctrl-C to stop",
        config.web.base_url.as_deref().unwrap_or("not set")
    );
    super::serve(config, store, stop_signal()).await?;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn stop_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// `vigia user add EMAIL [--role …]`: the password is prompted (twice) on a terminal, or
/// read from the first line of stdin.
pub async fn user_add(store: &Store, email: &str, role: &str) -> Result<String, CliError> {
    let role: Role = role.parse()?;
    let password = read_password()?;
    let user = store.create_user(email, &password, role, now()).await?;
    Ok(format!(
        "created {} ({}); they can log in to the dashboard now",
        user.email,
        user.role.as_str()
    ))
}

/// `vigia user token EMAIL --name NAME`: a new API token, printed once.
pub async fn user_token(store: &Store, email: &str, name: &str) -> Result<String, CliError> {
    Ok(store.create_api_token(email, name, now()).await?)
}

/// `vigia user list`: one line per account.
pub async fn user_list(store: &Store) -> Result<String, CliError> {
    use std::fmt::Write as _;
    let accounts = store.accounts(now()).await?;
    let mut out = format!(
        "{:<36} {:<7} {:<9} {:>8} {:>6}\n",
        "email", "role", "state", "sessions", "tokens"
    );
    for a in &accounts {
        let state = if a.disabled { "disabled" } else { "enabled" };
        let _ = writeln!(
            out,
            "{:<36} {:<7} {:<9} {:>8} {:>6}",
            a.email,
            a.role.as_str(),
            state,
            a.sessions,
            a.tokens
        );
    }
    if accounts.is_empty() {
        out.push_str("(no accounts yet: create one with `vigia user add EMAIL`)\n");
    }
    Ok(out)
}

/// `vigia user disable|enable EMAIL`.
pub async fn user_disable(store: &Store, email: &str, disabled: bool) -> Result<String, CliError> {
    store.set_disabled(email, disabled).await?;
    Ok(if disabled {
        format!("disabled {email}: their sessions are ended and their API tokens refused")
    } else {
        format!("enabled {email}: they can log in again")
    })
}

/// `vigia user role EMAIL ROLE`.
pub async fn user_role(store: &Store, email: &str, role: &str) -> Result<String, CliError> {
    let role: Role = role.parse()?;
    store.set_role(email, role).await?;
    Ok(format!("{email} is now {}", role.as_str()))
}

/// `vigia user password EMAIL`: prompted like `user add`.
pub async fn user_password(store: &Store, email: &str) -> Result<String, CliError> {
    let password = read_password()?;
    store.reset_password(email, &password).await?;
    Ok(format!(
        "new password set for {email}; their sessions are ended"
    ))
}

/// `vigia user revoke EMAIL --name NAME`.
pub async fn user_revoke(store: &Store, email: &str, name: &str) -> Result<String, CliError> {
    match store.revoke_api_tokens_named(email, name, now()).await? {
        0 => Err(AccountError::Invalid(format!(
            "{email} has no live API token called \"{name}\" (see Settings in the dashboard)"
        ))
        .into()),
        n => Ok(format!("revoked {n} API token(s) \"{name}\" of {email}")),
    }
}

fn read_password() -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password(format!(
            "Password (at least {MIN_PASSWORD_CHARS} characters): "
        ))
        .map_err(CliError::Password)?;
        let again =
            rpassword::prompt_password("Same password again: ").map_err(CliError::Password)?;
        if first != again {
            return Err(AccountError::Invalid("the two passwords differ".into()).into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(CliError::Password)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// `vigia demo --serve`: run the demo, give it a little triage history and a login, then
/// serve the dashboard on its data until Ctrl-C.
pub async fn demo_serve(dir: Option<&Path>) -> Result<(), CliError> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!(
            "vigia-demo-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_millis()
        )),
    };
    let summary = crate::demo::run(Some(&dir)).await?;
    print!("{summary}");
    let config = Config::load(&dir.join("vigia.toml"))?;
    let store = Store::connect(&config.database.url).await?;
    let login = super::demo::prepare(&store).await?;
    let listener = match tokio::net::TcpListener::bind(DEFAULT_WEB_LISTEN).await {
        Ok(l) => l,
        Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|source| WebError::Bind {
                addr: "127.0.0.1:0".into(),
                source,
            })?,
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(8080);
    let mut config = config;
    // Links and the origin check follow the address actually served.
    config.web.base_url = Some(format!("http://127.0.0.1:{port}"));
    println!(
        "\nDashboard: http://127.0.0.1:{port}/\n  log in as {}  password {}\n  (a member account too: {} with the same password)\n  Ctrl-C to stop.",
        login.admin, login.password, login.member
    );
    super::serve_on(listener, AppState::new(config, store), stop_signal()).await?;
    Ok(())
}
