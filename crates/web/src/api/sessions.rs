//! `POST /api/v1/sessions` (log in), `DELETE /api/v1/sessions/current` (log out), `GET /api/v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use omnia_services::{Principal, Role, SessionKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, json_with_status};
use crate::AppState;
use crate::auth::{ApiCaller, bearer_token};
use crate::error::ApiError;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "datore.meccanica")]
    pub username: String,
    #[schema(example = "Omnia2026!", format = Password)]
    pub password: String,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    #[schema(example = "datore.meccanica")]
    pub username: String,
    #[schema(example = "Mario Bianchi")]
    pub display_name: String,
    pub role: Role,
    /// For employer users: the employer they belong to.
    #[schema(format = Int64)]
    pub employer_id: Option<i64>,
    /// For operators: their office (sede).
    #[schema(format = Int64)]
    pub office_id: Option<i64>,
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Self {
        Self {
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            role: p.role,
            employer_id: p.employer_id.map(|id| id.0),
            office_id: p.office_id.map(|id| id.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    /// Opaque token to send as `Authorization: Bearer <token>`.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// Log in with username and password; returns a bearer token.
///
/// The token expires after one hour of inactivity; only its hash is stored. Wrong username or password give the same answer.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", operation_id = "createSession",
    request_body = LoginRequest,
    responses(
        (status = 201, description = "Sessione aperta", body = SessionCreated),
        (status = 401, description = "Credenziali non valide", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
async fn create_session(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let principal = state
        .services
        .authenticate(&body.username, &body.password)
        .await?;
    let session = state
        .services
        .open_session(&principal, SessionKind::Api)
        .await?;
    Ok(json_with_status(
        StatusCode::CREATED,
        &SessionCreated {
            token: session.token,
            token_type: "Bearer".into(),
            expires_at: session.expires_at,
            user: Me::from(&principal),
        },
    ))
}

/// Log out: the token stops working at once.
///
/// Revokes the token used for this request.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", operation_id = "closeCurrentSession",
    security(("bearer" = [])),
    responses((status = 204, description = "Sessione chiusa")))]
async fn delete_session(
    State(state): State<AppState>,
    _caller: ApiCaller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = bearer_token(&headers) {
        state.services.close_session(token).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Who am I.
///
/// The user the bearer token belongs to, with its role and, where relevant, its employer or office.
#[utoipa::path(get, path = "/api/v1/me", tag = "sessions", operation_id = "currentUser",
    security(("bearer" = [])),
    responses((status = 200, description = "Utente autenticato", body = Me)))]
async fn me(ApiCaller(principal): ApiCaller) -> Json<Me> {
    Json(Me::from(&principal))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_session))
        .routes(routes!(delete_session))
        .routes(routes!(me))
}
