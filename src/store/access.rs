//! Taking access away and looking after it: the account list, disabling a person who left,
//! changing a role, resetting a password, and listing and revoking API tokens.
//!
//! Kept apart from [`super::accounts`] (which creates accounts and lets people in) because
//! these are the admin's and the owner's tools. The rule here: a change that reduces
//! someone's access takes effect on their **next request**, not at their session's end.
//! Disabling an account or resetting its password deletes its sessions; the session and
//! token lookups also refuse disabled accounts and revoked tokens, so nothing waits for a
//! cookie to expire.

use serde::Serialize;
use sqlx::Row;

use super::accounts::{AccountError, Role, normalise_email};
use super::{Store, StoreError};

/// One account, for `vigia user list` and the Team page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    /// Store id.
    pub id: i64,
    /// Login address.
    pub email: String,
    /// What they may do.
    #[serde(serialize_with = "role_name")]
    pub role: Role,
    /// Refused at login and on every request.
    pub disabled: bool,
    /// When the account was created (Unix seconds).
    pub created_at: i64,
    /// Sessions not yet expired.
    pub sessions: i64,
    /// API tokens not revoked.
    pub tokens: i64,
}

/// One API token as its owner sees it (never the secret: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRow {
    /// Store id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last used, to within an hour (Unix seconds).
    pub last_used_at: Option<i64>,
    /// Revoked (Unix seconds); a revoked token is refused.
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Every account, enabled or not, by address.
    pub async fn accounts(&self, now: i64) -> Result<Vec<AccountRow>, StoreError> {
        const SQL: &str = "SELECT u.id, u.email, u.role, u.disabled, u.created_at, \
             (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $1) \
               AS sessions, \
             (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) \
               AS tokens \
             FROM users u ORDER BY u.email";
        let rows = sqlx::query(SQL).bind(now).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok(AccountRow {
                    id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    role: role.parse().unwrap_or(Role::Viewer),
                    disabled: r.try_get::<i64, _>("disabled")? != 0,
                    created_at: r.try_get("created_at")?,
                    sessions: r.try_get("sessions")?,
                    tokens: r.try_get("tokens")?,
                })
            })
            .collect()
    }

    /// Disable (or enable again) an account. Disabling ends its sessions at once; its API
    /// tokens stop working while it is disabled and work again if it is enabled. The last
    /// enabled admin cannot be disabled (nobody could retry dead letters or manage the team).
    pub async fn set_disabled(&self, email: &str, disabled: bool) -> Result<(), AccountError> {
        let id = self.user_id(email).await?;
        if disabled {
            self.keep_an_admin(id).await?;
        }
        sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
            .bind(id)
            .bind(i64::from(disabled))
            .execute(self.writer())
            .await?;
        if disabled {
            self.end_sessions(id).await?;
        }
        Ok(())
    }

    /// Change an account's role (from its next request on); the last enabled admin keeps
    /// theirs.
    pub async fn set_role(&self, email: &str, role: Role) -> Result<(), AccountError> {
        let id = self.user_id(email).await?;
        if role != Role::Admin {
            self.keep_an_admin(id).await?;
        }
        sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(id)
            .bind(role.as_str())
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Replace a password and end every session of the account (whoever knew the old one
    /// is logged out).
    pub async fn reset_password(&self, email: &str, password: &str) -> Result<(), AccountError> {
        self.set_password(email, password).await?;
        let id = self.user_id(email).await?;
        self.end_sessions(id).await?;
        Ok(())
    }

    /// A user's API tokens, newest first, revoked ones included.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenRow>, StoreError> {
        const SQL: &str = "SELECT id, name, created_at, last_used_at, revoked_at \
             FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC";
        let rows = sqlx::query(SQL)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revoke one of `user_id`'s own tokens; false when it is not theirs or already revoked.
    pub async fn revoke_api_token(
        &self,
        user_id: i64,
        token_id: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE api_tokens SET revoked_at = $3 \
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL";
        let done = sqlx::query(SQL)
            .bind(token_id)
            .bind(user_id)
            .bind(now)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Revoke every live token of `email` called `name`; how many were revoked.
    pub async fn revoke_api_tokens_named(
        &self,
        email: &str,
        name: &str,
        now: i64,
    ) -> Result<u64, AccountError> {
        const SQL: &str = "UPDATE api_tokens SET revoked_at = $3 \
             WHERE user_id = $1 AND name = $2 AND revoked_at IS NULL";
        let id = self.user_id(email).await?;
        let done = sqlx::query(SQL)
            .bind(id)
            .bind(name.trim())
            .bind(now)
            .execute(self.writer())
            .await
            .map_err(StoreError::from)?;
        Ok(done.rows_affected())
    }

    async fn user_id(&self, email: &str) -> Result<i64, AccountError> {
        let email = normalise_email(email)?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(self.pool())
            .await
            .map_err(StoreError::from)?;
        id.ok_or(AccountError::NoSuchUser(email))
    }

    /// Refuse when `user_id` is the only enabled admin.
    async fn keep_an_admin(&self, user_id: i64) -> Result<(), AccountError> {
        const SQL: &str = "SELECT id FROM users WHERE role = 'admin' AND disabled = 0";
        let admins: Vec<i64> = sqlx::query_scalar(SQL)
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::from)?;
        if admins == [user_id] {
            return Err(AccountError::Invalid(
                "this is the only admin left: make someone else admin first".into(),
            ));
        }
        Ok(())
    }

    async fn end_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected())
    }
}

fn role_name<S: serde::Serializer>(role: &Role, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(role.as_str())
}
