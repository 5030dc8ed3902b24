//! `GET /api/v1/employers` and `GET /api/v1/employers/{employer_id}`.

use axum::Json;
use axum::extract::{Path, State};
use omnia_services::{EmployerDetail, EmployerId, EmployerSummary};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct EmployerList {
    pub items: Vec<EmployerSummary>,
}

/// The employers the caller may act for (its own, or those that delegated it).
///
/// Delegations count only inside their validity period.
#[utoipa::path(get, path = "/api/v1/employers", tag = "employers", operation_id = "listEmployers",
    security(("bearer" = [])),
    responses((status = 200, description = "Datori accessibili", body = EmployerList)))]
async fn list_employers(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
) -> Result<Json<EmployerList>, ApiError> {
    let items = state.services.employers_for(&principal).await?;
    Ok(Json(EmployerList { items }))
}

/// One employer with its classification, productive units and workers.
///
/// Answers 404 for an employer the caller may not act for.
#[utoipa::path(get, path = "/api/v1/employers/{employer_id}", tag = "employers", operation_id = "employerDetail",
    params(("employer_id" = i64, Path, format = Int64, description = "Identificativo del datore di lavoro")),
    security(("bearer" = [])),
    responses((status = 200, description = "Datore di lavoro", body = EmployerDetail)))]
async fn get_employer(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(employer_id): Path<i64>,
) -> Result<Json<EmployerDetail>, ApiError> {
    let scope = state
        .services
        .employer_scope(&principal, EmployerId(employer_id))
        .await?;
    Ok(Json(state.services.employer_detail(&scope).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_employers))
        .routes(routes!(get_employer))
}
