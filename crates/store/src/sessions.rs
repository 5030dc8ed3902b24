//! Sessions (web cookies and API bearer tokens). Only the SHA-256 of a token is stored.

use chrono::{DateTime, Utc};

use crate::{Result, SessionRow, Tx, UserId, on};

const INSERT_SESSION: &str = "INSERT INTO sessions \
    (token_hash, user_id, kind, csrf_token, created_at, expires_at, last_seen_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";
const SELECT_SESSION: &str = "SELECT token_hash, user_id, kind, csrf_token, created_at, expires_at, \
    last_seen_at FROM sessions WHERE token_hash = $1";
const TOUCH_SESSION: &str =
    "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";
const DELETE_SESSIONS_OF_USER: &str = "DELETE FROM sessions WHERE user_id = $1";
const DELETE_EXPIRED: &str = "DELETE FROM sessions WHERE expires_at <= $1";

impl Tx {
    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        on!(self, |c| sqlx::query(INSERT_SESSION)
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(s.kind)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(s.last_seen_at)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn session(&mut self, token_hash: &str) -> Result<Option<SessionRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_SESSION)
            .bind(token_hash)
            .fetch_optional(c)
            .await?))
    }

    /// Slides a session: records activity and the new expiry.
    pub async fn touch_session(
        &mut self,
        token_hash: &str,
        last_seen_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on!(self, |c| sqlx::query(TOUCH_SESSION)
            .bind(token_hash)
            .bind(last_seen_at)
            .bind(expires_at)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Returns whether a session was deleted.
    pub async fn delete_session(&mut self, token_hash: &str) -> Result<bool> {
        let r = on!(self, |c| sqlx::query(DELETE_SESSION)
            .bind(token_hash)
            .execute(c)
            .await?
            .rows_affected());
        Ok(r > 0)
    }

    pub async fn delete_sessions_of_user(&mut self, user: UserId) -> Result<u64> {
        Ok(on!(self, |c| sqlx::query(DELETE_SESSIONS_OF_USER)
            .bind(user)
            .execute(c)
            .await?
            .rows_affected()))
    }

    /// Housekeeping: removes sessions expired at `now`.
    pub async fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<u64> {
        Ok(on!(self, |c| sqlx::query(DELETE_EXPIRED)
            .bind(now)
            .execute(c)
            .await?
            .rows_affected()))
    }
}
