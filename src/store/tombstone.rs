//! Deleting a mention: the row goes, a tombstone stays (S04).
//!
//! Feeds keep items for weeks, so a mention the team deleted (spam, not about us, a
//! duplicate story) would come straight back on the next poll if deleting only removed the
//! row. Instead the delete writes a tombstone for (brand, item key) in the same
//! transaction, and [`super::insert_mentions`] skips tombstoned keys. The tombstone keeps
//! who deleted it and when; the mention's triage history goes with the row.

use sqlx::Row;

use super::{Store, StoreError, now};

impl Store {
    /// Delete mention `id` for good on behalf of `actor` (a user name, or `vigia`): the row
    /// and its triage history go, and a tombstone keeps the same item from being stored
    /// again for its brand. Returns false when there is no such mention.
    pub async fn delete_mention(&self, id: i64, actor: &str) -> Result<bool, StoreError> {
        const SELECT: &str = "SELECT brand, item_key FROM mentions WHERE id = $1";
        const TOMBSTONE: &str = "INSERT INTO tombstones (brand, item_key, deleted_at, \
             deleted_by) VALUES ($1, $2, $3, $4) ON CONFLICT (brand, item_key) DO NOTHING";
        const EVENTS: &str = "DELETE FROM mention_events WHERE mention_id = $1";
        const DELETE: &str = "DELETE FROM mentions WHERE id = $1";
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(SELECT)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let (brand, item_key): (String, String) = (row.try_get("brand")?, row.try_get("item_key")?);
        sqlx::query(TOMBSTONE)
            .bind(&brand)
            .bind(&item_key)
            .bind(now())
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        // Explicit rather than relying on ON DELETE CASCADE, which SQLite only honours on
        // connections with foreign keys switched on.
        sqlx::query(EVENTS).bind(id).execute(&mut *tx).await?;
        sqlx::query(DELETE).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Who deleted the mention of `brand` with `item_key`, and when (Unix seconds), if it
    /// was deleted.
    pub async fn tombstone(
        &self,
        brand: &str,
        item_key: &str,
    ) -> Result<Option<(Option<String>, i64)>, StoreError> {
        const SQL: &str =
            "SELECT deleted_by, deleted_at FROM tombstones WHERE brand = $1 AND item_key = $2";
        let row = sqlx::query(SQL)
            .bind(brand)
            .bind(item_key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("deleted_by")?, r.try_get("deleted_at")?)))
            .transpose()
    }
}
