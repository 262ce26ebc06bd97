//! Dashboard accounts: people, their sessions and their API tokens.
//!
//! Passwords are stored as Argon2id PHC strings. A login for an address that does not
//! exist still verifies a password against a fixed dummy hash, so "no such user" and
//! "wrong password" cost the same time and get the same answer (W04).
//!
//! Sessions and API tokens are random 256-bit secrets handed to the client once; the
//! database keeps only their SHA-256, so a copy of the database opens no session. A
//! session slides: each use pushes its end `ttl` further, written at most once a minute so
//! that reading pages does not turn into a stream of writes. Logout deletes the row.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};

/// Shortest password `vigia user add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// A session's last-seen time is written at most this often (seconds).
const TOUCH_EVERY_SECS: i64 = 60;
/// API tokens start with this, so a leaked one is easy to recognise (and grep for).
pub const API_TOKEN_PREFIX: &str = "vigia_";

/// What a person may do on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Triages mentions.
    Member,
    /// Also retries dead letters.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = AccountError;

    fn from_str(s: &str) -> Result<Role, AccountError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "member" => Ok(Role::Member),
            "admin" => Ok(Role::Admin),
            other => Err(AccountError::Invalid(format!(
                "unknown role \"{other}\": use admin, member or viewer"
            ))),
        }
    }
}

/// A dashboard user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Store id.
    pub id: i64,
    /// Login address, lowercase.
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Interface language (`en`, `es`); `None` follows the browser.
    pub lang: Option<String>,
    /// IANA timezone for dates; `None` is UTC.
    pub timezone: Option<String>,
}

/// A live session, as found from its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Who is logged in.
    pub user: User,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// When it ends unless used (Unix seconds).
    pub expires_at: i64,
}

/// A new session's secrets: the cookie value and the CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// Goes into the cookie; never stored.
    pub token: String,
    /// Goes into forms.
    pub csrf: String,
    /// When it ends unless used (Unix seconds).
    pub expires_at: i64,
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The input is not acceptable (bad address, short password, unknown role).
    #[error("{0}")]
    Invalid(String),
    /// The address already has an account.
    #[error("a user {0} already exists")]
    Exists(String),
    /// No account has this address.
    #[error("no user {0}: create one with `vigia user add {0}`")]
    NoSuchUser(String),
    /// Hashing failed (should not happen with valid parameters).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Store(e.into())
    }
}

/// A fresh random 256-bit secret, hex.
pub fn random_secret() -> String {
    hex(&rand::random::<[u8; 32]>())
}

/// SHA-256 of a secret, hex: what the database keeps.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Argon2id PHC string for `password` (default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// True when `password` matches the PHC string (false for a malformed one).
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Verified instead of a real hash when the address is unknown, so both cases take as long.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password(&random_secret()).unwrap_or_else(|_| {
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000"
            .into()
    })
});

/// Lowercase, trimmed address, or why it is not one.
pub fn normalise_email(email: &str) -> Result<String, AccountError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@')
            .is_some_and(|(local, host)| !local.is_empty() && host.contains('.'));
    if ok {
        Ok(e)
    } else {
        Err(AccountError::Invalid(format!(
            "\"{}\" is not an email address",
            email.trim()
        )))
    }
}

const USER_COLUMNS: &str = "u.id, u.email, u.role, u.lang, u.timezone";

fn user_row(r: &AnyRow) -> Result<User, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        role: role
            .parse()
            .map_err(|e: AccountError| StoreError::Corrupt {
                what: "users.role",
                detail: e.to_string(),
            })?,
        lang: r.try_get("lang")?,
        timezone: r.try_get("timezone")?,
    })
}

impl Store {
    /// Create a user; the password is hashed here (on a blocking thread: Argon2 is slow on
    /// purpose).
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        role: Role,
        now: i64,
    ) -> Result<User, AccountError> {
        const SQL: &str = "INSERT INTO users (email, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id";
        let email = normalise_email(email)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AccountError::Invalid(format!(
                "the password needs at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        let phc = hash_blocking(password.to_owned()).await?;
        let id: Option<i64> = sqlx::query_scalar(SQL)
            .bind(&email)
            .bind(phc)
            .bind(role.as_str())
            .bind(now)
            .fetch_optional(self.writer())
            .await?;
        let id = id.ok_or_else(|| AccountError::Exists(email.clone()))?;
        Ok(User {
            id,
            email,
            role,
            lang: None,
            timezone: None,
        })
    }

    /// Replace a user's password.
    pub async fn set_password(&self, email: &str, password: &str) -> Result<(), AccountError> {
        const SQL: &str = "UPDATE users SET password_hash = $2 WHERE email = $1";
        let email = normalise_email(email)?;
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AccountError::Invalid(format!(
                "the password needs at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        let phc = hash_blocking(password.to_owned()).await?;
        let done = sqlx::query(SQL)
            .bind(&email)
            .bind(phc)
            .execute(self.writer())
            .await?;
        if done.rows_affected() == 0 {
            return Err(AccountError::NoSuchUser(email));
        }
        Ok(())
    }

    /// The user whose password this is, or `None` (unknown address, wrong password, or a
    /// disabled account: the caller cannot tell which, and neither can a timer).
    pub async fn verify_login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.disabled FROM users u WHERE u.email = $1"
        );
        let email = email.trim().to_lowercase();
        let row = sqlx::query(&sql)
            .bind(&email)
            .fetch_optional(self.pool())
            .await?;
        let (phc, user) = match &row {
            Some(r) => (
                r.try_get::<String, _>("password_hash")?,
                Some((user_row(r)?, r.try_get::<i64, _>("disabled")? != 0)),
            ),
            None => (DUMMY_HASH.clone(), None),
        };
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_password(&phc, &password))
            .await
            .unwrap_or(false);
        Ok(match user {
            Some((user, disabled)) if ok && !disabled => Some(user),
            _ => None,
        })
    }

    /// Start a session for `user_id`; returns the secrets to hand to the browser.
    pub async fn create_session(
        &self,
        user_id: i64,
        ttl_secs: i64,
        now: i64,
    ) -> Result<NewSession, StoreError> {
        const SQL: &str = "INSERT INTO sessions (token_hash, user_id, csrf, created_at, \
             last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)";
        let session = NewSession {
            token: random_secret(),
            csrf: random_secret(),
            expires_at: now + ttl_secs,
        };
        sqlx::query(SQL)
            .bind(secret_hash(&session.token))
            .bind(user_id)
            .bind(&session.csrf)
            .bind(now)
            .bind(session.expires_at)
            .execute(self.writer())
            .await?;
        Ok(session)
    }

    /// The live session for a cookie token, sliding its end; `None` when unknown, expired
    /// or the account is disabled.
    pub async fn session(
        &self,
        token: &str,
        ttl_secs: i64,
        now: i64,
    ) -> Result<Option<SessionInfo>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf, s.expires_at, s.last_seen_at FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
        );
        const TOUCH: &str =
            "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1";
        let hash = secret_hash(token);
        let Some(row) = sqlx::query(&sql)
            .bind(&hash)
            .bind(now)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let mut info = SessionInfo {
            user: user_row(&row)?,
            csrf: row.try_get("csrf")?,
            expires_at: row.try_get("expires_at")?,
        };
        if now - row.try_get::<i64, _>("last_seen_at")? >= TOUCH_EVERY_SECS {
            info.expires_at = now + ttl_secs;
            sqlx::query(TOUCH)
                .bind(&hash)
                .bind(now)
                .bind(info.expires_at)
                .execute(self.writer())
                .await?;
        }
        Ok(Some(info))
    }

    /// End a session (logout, or the old session at login); true if it existed.
    pub async fn delete_session(&self, token: &str) -> Result<bool, StoreError> {
        const SQL: &str = "DELETE FROM sessions WHERE token_hash = $1";
        let done = sqlx::query(SQL)
            .bind(secret_hash(token))
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Drop sessions that ended before `now`; returns how many.
    pub async fn purge_sessions(&self, now: i64) -> Result<u64, StoreError> {
        const SQL: &str = "DELETE FROM sessions WHERE expires_at <= $1";
        Ok(sqlx::query(SQL)
            .bind(now)
            .execute(self.writer())
            .await?
            .rows_affected())
    }

    /// A new API token for a user, returned once (only its hash is kept).
    pub async fn create_api_token(
        &self,
        email: &str,
        name: &str,
        now: i64,
    ) -> Result<String, AccountError> {
        const SQL: &str = "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
             SELECT id, $2, $3, $4 FROM users WHERE email = $1 RETURNING id";
        let email = normalise_email(email)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AccountError::Invalid(
                "a token needs a name of 1 to 100 characters (what it is for)".into(),
            ));
        }
        let token = format!("{API_TOKEN_PREFIX}{}", random_secret());
        let id: Option<i64> = sqlx::query_scalar(SQL)
            .bind(&email)
            .bind(name)
            .bind(secret_hash(&token))
            .bind(now)
            .fetch_optional(self.writer())
            .await?;
        id.ok_or(AccountError::NoSuchUser(email))?;
        Ok(token)
    }

    /// The user an API token belongs to (not revoked, account enabled).
    pub async fn api_token_user(&self, token: &str, now: i64) -> Result<Option<User>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id, t.last_used_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0"
        );
        const TOUCH: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1";
        let Some(row) = sqlx::query(&sql)
            .bind(secret_hash(token))
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let last: Option<i64> = row.try_get("last_used_at")?;
        if last.is_none_or(|l| now - l >= TOUCH_EVERY_SECS) {
            sqlx::query(TOUCH)
                .bind(row.try_get::<i64, _>("token_id")?)
                .bind(now)
                .execute(self.writer())
                .await?;
        }
        Ok(Some(user_row(&row)?))
    }

    /// Save a user's language and timezone (`None` = follow the browser / UTC).
    pub async fn set_preferences(
        &self,
        user_id: i64,
        lang: Option<&str>,
        timezone: Option<&str>,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE users SET lang = $2, timezone = $3 WHERE id = $1";
        sqlx::query(SQL)
            .bind(user_id)
            .bind(lang.map(str::to_owned))
            .bind(timezone.map(str::to_owned))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Every enabled user, by address (for the assignee list).
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u WHERE u.disabled = 0 ORDER BY u.email");
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(user_row).collect()
    }
}

async fn hash_blocking(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_to_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password(&phc, "correct horse battery"));
        assert!(!verify_password(&phc, "correct horse batterz"));
        assert!(!verify_password("not a hash", "x"));
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
    }

    #[test]
    fn secrets_are_256_bit_and_only_hashes_are_kept() {
        let a = random_secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_secret());
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email(" Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        assert!(normalise_email("ana").is_err());
        assert!(normalise_email("a b@x.com").is_err());
        assert!("owner".parse::<Role>().is_err());
        assert!(Role::Admin > Role::Member && Role::Member > Role::Viewer);
    }
}
