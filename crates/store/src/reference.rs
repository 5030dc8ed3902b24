//! Published versions of the reference data (issue 3, point 3). The document is the JSON
//! text exactly as validated by the domain; the built-in version is not stored here.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Tx, UserId, on};

/// One published version, with the username of its publisher for lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferenceVersionRow {
    pub id: i64,
    pub label: String,
    pub effective_from: NaiveDate,
    /// The reference JSON document (`omnia_domain::reference::Reference`).
    pub document: String,
    pub published_by: UserId,
    pub published_by_username: Option<String>,
    pub published_at: DateTime<Utc>,
}

/// A version to store; the caller has validated `document` and checked the label.
#[derive(Debug, Clone)]
pub struct NewReferenceVersion<'a> {
    pub label: &'a str,
    pub effective_from: NaiveDate,
    pub document: &'a str,
    pub published_by: UserId,
    pub published_at: DateTime<Utc>,
}

const SELECT_VERSIONS: &str = "SELECT r.id, r.label, r.effective_from, r.document, \
    r.published_by, u.username AS published_by_username, r.published_at \
    FROM reference_versions r LEFT JOIN users u ON u.id = r.published_by \
    ORDER BY r.effective_from, r.id";
const SELECT_VERSION: &str = "SELECT r.id, r.label, r.effective_from, r.document, \
    r.published_by, u.username AS published_by_username, r.published_at \
    FROM reference_versions r LEFT JOIN users u ON u.id = r.published_by WHERE r.id = $1";
const INSERT_VERSION: &str = "INSERT INTO reference_versions \
    (label, effective_from, document, published_by, published_at) \
    VALUES ($1, $2, $3, $4, $5) RETURNING id";
const LABEL_EXISTS: &str = "SELECT COUNT(*) FROM reference_versions WHERE label = $1";

impl Tx {
    /// Every published version, oldest effective date first (then in publication order).
    pub async fn reference_versions(&mut self) -> Result<Vec<ReferenceVersionRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_VERSIONS)
            .fetch_all(c)
            .await?))
    }

    /// One version by id.
    pub async fn reference_version(&mut self, id: i64) -> Result<Option<ReferenceVersionRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_VERSION)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    /// Whether a version with this label has been published.
    pub async fn reference_label_exists(&mut self, label: &str) -> Result<bool> {
        let n: i64 = on!(self, |c| sqlx::query_scalar(LABEL_EXISTS)
            .bind(label)
            .fetch_one(c)
            .await?);
        Ok(n > 0)
    }

    /// Stores a version; a duplicate label is a unique violation.
    pub async fn insert_reference_version(&mut self, v: &NewReferenceVersion<'_>) -> Result<i64> {
        Ok(on!(self, |c| sqlx::query_scalar(INSERT_VERSION)
            .bind(v.label)
            .bind(v.effective_from)
            .bind(v.document)
            .bind(v.published_by)
            .bind(v.published_at)
            .fetch_one(c)
            .await?))
    }
}
