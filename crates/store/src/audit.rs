//! Append-only audit log, chained by SHA-256 so that editing, deleting or reordering an
//! event is detectable ([`Tx::verify_audit_chain`]).
//!
//! `hash(n) = SHA-256(prev_hash || "\n" || canonical(n))`, where `canonical` is the JSON
//! array `[seq, at (RFC 3339, µs), actor, on_behalf_of, action, target_type, target_id,
//! details]` — JSON so that no field value can forge a field boundary.

use chrono::SecondsFormat;
use sha2::{Digest, Sha256};

use crate::{AuditRow, EmployerId, Result, Tx, UserId, now, on};

/// An event with the actor's username, for display.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditListRow {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_user_id: Option<UserId>,
    pub actor_username: Option<String>,
    pub on_behalf_of_employer: Option<EmployerId>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub details: String,
    pub hash: String,
}

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub actor: Option<UserId>,
    pub on_behalf_of: Option<EmployerId>,
    /// Dotted verb, e.g. `application.submit`, `auth.login_failed`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub details: serde_json::Value,
}

/// Result of [`Tx::verify_audit_chain`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub events: i64,
    /// First sequence number whose link does not verify, if any.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.broken_at.is_none()
    }
}

const BUMP_HEAD: &str =
    "UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash";
const SET_HEAD_HASH: &str = "UPDATE audit_head SET last_hash = $1 WHERE id = 1";
const SELECT_HEAD: &str = "SELECT last_seq, last_hash FROM audit_head WHERE id = 1";
const INSERT_EVENT: &str = "INSERT INTO audit_events \
    (seq, at, actor_user_id, on_behalf_of_employer, action, target_type, target_id, details, \
     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const SELECT_RECENT: &str = "SELECT seq, at, actor_user_id, on_behalf_of_employer, action, \
    target_type, target_id, details, prev_hash, hash FROM audit_events ORDER BY seq DESC LIMIT $1";
const SELECT_PAGE: &str = "SELECT seq, at, actor_user_id, on_behalf_of_employer, action, \
    target_type, target_id, details, prev_hash, hash FROM audit_events WHERE seq > $1 \
    ORDER BY seq LIMIT $2";
const SELECT_RECENT_WITH_USERNAMES: &str = "SELECT a.seq, a.at, a.actor_user_id, \
    u.username AS actor_username, a.on_behalf_of_employer, a.action, a.target_type, \
    a.target_id, a.details, a.hash FROM audit_events a LEFT JOIN users u ON u.id = a.actor_user_id \
    ORDER BY a.seq DESC LIMIT $1";
const SELECT_FOR_TARGET_WITH_USERNAMES: &str = "SELECT a.seq, a.at, a.actor_user_id, \
    u.username AS actor_username, a.on_behalf_of_employer, a.action, a.target_type, \
    a.target_id, a.details, a.hash FROM audit_events a LEFT JOIN users u ON u.id = a.actor_user_id \
    WHERE a.target_type = $1 AND a.target_id = $2 ORDER BY a.seq";
const SELECT_FOR_TARGET: &str = "SELECT seq, at, actor_user_id, on_behalf_of_employer, action, \
    target_type, target_id, details, prev_hash, hash FROM audit_events \
    WHERE target_type = $1 AND target_id = $2 ORDER BY seq";

/// The chained hash of an event given the previous hash.
pub fn event_hash(prev_hash: &str, e: &AuditRow) -> String {
    let canonical = serde_json::json!([
        e.seq,
        e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor_user_id.map(|u| u.0),
        e.on_behalf_of_employer.map(|x| x.0),
        e.action,
        e.target_type,
        e.target_id,
        e.details,
    ]);
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

impl Tx {
    /// Appends an event in this transaction: it commits or vanishes with the change it
    /// records. Appenders are serialised on the `audit_head` row.
    pub async fn append_audit(&mut self, e: NewAuditEvent) -> Result<AuditRow> {
        let (seq, prev_hash): (i64, String) =
            on!(self, |c| sqlx::query_as(BUMP_HEAD).fetch_one(c).await?);
        let mut row = AuditRow {
            seq,
            at: now(),
            actor_user_id: e.actor,
            on_behalf_of_employer: e.on_behalf_of,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            details: e.details.to_string(),
            prev_hash,
            hash: String::new(),
        };
        row.hash = event_hash(&row.prev_hash, &row);
        on!(self, |c| sqlx::query(INSERT_EVENT)
            .bind(row.seq)
            .bind(row.at)
            .bind(row.actor_user_id)
            .bind(row.on_behalf_of_employer)
            .bind(&row.action)
            .bind(&row.target_type)
            .bind(&row.target_id)
            .bind(&row.details)
            .bind(&row.prev_hash)
            .bind(&row.hash)
            .execute(c)
            .await?
            .rows_affected());
        on!(self, |c| sqlx::query(SET_HEAD_HASH)
            .bind(&row.hash)
            .execute(c)
            .await?
            .rows_affected());
        Ok(row)
    }

    /// Most recent events first.
    pub async fn recent_audit_events(&mut self, limit: i64) -> Result<Vec<AuditRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_RECENT)
            .bind(limit)
            .fetch_all(c)
            .await?))
    }

    /// Most recent events first, with the actors' usernames.
    pub async fn recent_audit_list(&mut self, limit: i64) -> Result<Vec<AuditListRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_RECENT_WITH_USERNAMES)
            .bind(limit)
            .fetch_all(c)
            .await?))
    }

    /// The history of one target, oldest first, with the actors' usernames.
    pub async fn audit_list_for(
        &mut self,
        target_type: &str,
        target_id: &str,
    ) -> Result<Vec<AuditListRow>> {
        Ok(on!(self, |c| sqlx::query_as(
            SELECT_FOR_TARGET_WITH_USERNAMES
        )
        .bind(target_type)
        .bind(target_id)
        .fetch_all(c)
        .await?))
    }

    /// The history of one target (e.g. `application`, its id), oldest first.
    pub async fn audit_events_for(
        &mut self,
        target_type: &str,
        target_id: &str,
    ) -> Result<Vec<AuditRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_FOR_TARGET)
            .bind(target_type)
            .bind(target_id)
            .fetch_all(c)
            .await?))
    }

    /// Recomputes the whole chain (in pages, so memory stays bounded) and checks that the
    /// head row agrees with the last event, so truncating the tail is detected too.
    pub async fn verify_audit_chain(&mut self) -> Result<ChainReport> {
        const PAGE: i64 = 1000;
        let mut prev = GENESIS_HASH.to_owned();
        let mut expected_seq = 1i64;
        let mut count = 0i64;
        let broken = |seq: i64, why: &str, n: i64| ChainReport {
            events: n,
            broken_at: Some(seq),
            reason: Some(why.to_owned()),
        };
        loop {
            let page: Vec<AuditRow> = on!(self, |c| sqlx::query_as(SELECT_PAGE)
                .bind(expected_seq - 1)
                .bind(PAGE)
                .fetch_all(c)
                .await?);
            let n = page.len() as i64;
            for e in page {
                count += 1;
                if e.seq != expected_seq {
                    return Ok(broken(expected_seq, "missing event (sequence gap)", count));
                }
                if e.prev_hash != prev {
                    return Ok(broken(
                        e.seq,
                        "prev_hash does not match the previous event",
                        count,
                    ));
                }
                if event_hash(&prev, &e) != e.hash {
                    return Ok(broken(e.seq, "content does not match its hash", count));
                }
                prev = e.hash;
                expected_seq += 1;
            }
            if n < PAGE {
                break;
            }
        }
        let (last_seq, last_hash): (i64, String) =
            on!(self, |c| sqlx::query_as(SELECT_HEAD).fetch_one(c).await?);
        if last_seq != expected_seq - 1 || last_hash != prev {
            return Ok(broken(
                expected_seq,
                "chain head does not match the last event",
                count,
            ));
        }
        Ok(ChainReport {
            events: count,
            broken_at: None,
            reason: None,
        })
    }
}
