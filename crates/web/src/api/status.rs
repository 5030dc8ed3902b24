//! `GET /api/v1/status`: the health check the national API guidelines ask for.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct ServiceStatus {
    /// `ok` when the service and its database answer.
    #[schema(example = "ok")]
    pub status: String,
}

/// Whether the API and its database are up.
///
/// Answers 200 with `{"status": "ok"}` when the database answers, 503 with a problem otherwise.
#[utoipa::path(get, path = "/api/v1/status", tag = "status", operation_id = "status",
    responses((status = 200, description = "Servizio attivo", body = ServiceStatus)))]
async fn status(State(state): State<AppState>) -> Result<Json<ServiceStatus>, ApiError> {
    state.services.db().ping().await.map_err(|e| {
        tracing::warn!(error = %e, "database not ready");
        ApiError::Unavailable
    })?;
    Ok(Json(ServiceStatus {
        status: "ok".into(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}
