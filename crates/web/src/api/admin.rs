//! Administrators: the audit log and its integrity check.

use axum::Json;
use axum::extract::{Query, State};
use omnia_services::AuditEventView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many of the most recent events (1–1000, default 100).
    #[param(format = Int64, minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventList {
    pub items: Vec<AuditEventView>,
    /// Whether the hash chain of the whole log verifies (no event altered or removed).
    pub chain_intact: bool,
}

/// The most recent audit events, newest first, and whether the hash chain is intact.
///
/// Every state change appends an event (actor, on behalf of which employer, action, target, time), chained by SHA-256 so that tampering is detectable.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "admin", operation_id = "listAuditEvents",
    params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "Eventi di audit", body = AuditEventList),
        (status = 403, description = "Riservato agli amministratori", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn list_audit_events(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditEventList>, ApiError> {
    let admin = state.services.admin_scope(&principal)?;
    let items = state
        .services
        .audit_log(&admin, q.limit.unwrap_or(100))
        .await?;
    let chain = state.services.verify_audit_chain(&admin).await?;
    Ok(Json(AuditEventList {
        items,
        chain_intact: chain.is_intact(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_events))
}
