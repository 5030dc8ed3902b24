//! The audit log, for administrators.

use chrono::{DateTime, Utc};
use omnia_store::audit::AuditListRow;
use omnia_store::{EmployerId, UserId};
use serde::Serialize;

pub use omnia_store::audit::ChainReport;

use crate::{AdminScope, ServiceError, Services};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    pub actor_username: Option<String>,
    pub on_behalf_of_employer: Option<EmployerId>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub hash: String,
}

impl From<AuditListRow> for AuditEventView {
    fn from(r: AuditListRow) -> Self {
        AuditEventView {
            seq: r.seq,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_username: r.actor_username,
            on_behalf_of_employer: r.on_behalf_of_employer,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            // Stored as JSON text by us; fall back to the raw text rather than fail a page.
            details: serde_json::from_str(&r.details)
                .unwrap_or(serde_json::Value::String(r.details)),
            hash: r.hash,
        }
    }
}

impl Services {
    /// Most recent events first (`limit` clamped to 1..=1000).
    pub async fn audit_log(
        &self,
        _a: &AdminScope,
        limit: i64,
    ) -> Result<Vec<AuditEventView>, ServiceError> {
        let mut tx = self.db().read().await?;
        let rows = tx.recent_audit_list(limit.clamp(1, 1000)).await?;
        Ok(rows.into_iter().map(AuditEventView::from).collect())
    }

    /// Recomputes the hash chain of the whole log.
    pub async fn verify_audit_chain(&self, _a: &AdminScope) -> Result<ChainReport, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx.verify_audit_chain().await?)
    }
}
