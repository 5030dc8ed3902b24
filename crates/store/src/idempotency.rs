//! Stored responses for `Idempotency-Key` replays (per user and key).

use crate::{IdempotencyRow, Result, Tx, UserId, on};

const SELECT_KEY: &str = "SELECT user_id, idem_key, request_hash, response_status, response_body, \
    created_at FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2";
const INSERT_KEY: &str = "INSERT INTO idempotency_keys \
    (user_id, idem_key, request_hash, response_status, response_body, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, idem_key) DO NOTHING";
const DELETE_OLDER: &str = "DELETE FROM idempotency_keys WHERE created_at < $1";

impl Tx {
    pub async fn idempotency_get(
        &mut self,
        user: UserId,
        key: &str,
    ) -> Result<Option<IdempotencyRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_KEY)
            .bind(user)
            .bind(key)
            .fetch_optional(c)
            .await?))
    }

    /// Stores a response; returns `false` if the key was already taken (first writer wins).
    pub async fn idempotency_put(&mut self, r: &IdempotencyRow) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(INSERT_KEY)
            .bind(r.user_id)
            .bind(&r.idem_key)
            .bind(&r.request_hash)
            .bind(r.response_status)
            .bind(&r.response_body)
            .bind(r.created_at)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n > 0)
    }

    /// Housekeeping: keys are kept for a bounded time (24 h is the usual contract).
    pub async fn idempotency_purge(
        &mut self,
        older_than: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64> {
        Ok(on!(self, |c| sqlx::query(DELETE_OLDER)
            .bind(older_than)
            .execute(c)
            .await?
            .rows_affected()))
    }
}
