//! The conguaglio route (R-FLO-4): `POST/GET /api/v1/units/{unit_id}/fruito-declarations`,
//! the hours actually used (*fruito*) declared per UP for the FIS and the solidarity funds,
//! quoting the offset code issued with the authorisation (`offset_code` on the application).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use omnia_services::UnitId;
use omnia_services::conguaglio::FruitoDeclarationView;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::created;
use crate::auth::ApiCaller;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct FruitoDeclarationList {
    pub items: Vec<FruitoDeclarationView>,
}

/// Declare the hours used (fruito) of a UP's conguaglio authorisations (FIS and funds).
///
/// CSV body (`text/csv`, UTF-8, `;`-separated), header `riferimento;codice_fiscale;mese;ore`,
/// then one line per worker and month: the offset code (or the authorisation number), the
/// worker's codice fiscale, the month `YYYY-MM`, the hours (up to two decimals, `.` or `,`).
/// Every bad line is reported at once in `errors` (pointer `/lines/{n}`, with a code and the
/// reason) and nothing is stored; a clean declaration is posted to the fruito ledger.
/// Authorisations of CIGO and CISOA are refused line by line (`benefit_not_declarable`).
#[utoipa::path(post, path = "/api/v1/units/{unit_id}/fruito-declarations", tag = "conguaglio",
    operation_id = "submitFruitoDeclaration",
    params(("unit_id" = i64, Path, format = Int64, description = "Unità produttiva")),
    request_body(description = "Dichiarazione di fruito in CSV (docs/flows/README.md)",
        content(("text/csv"))),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Dichiarazione acquisita e registrata nel ledger del fruito", body = FruitoDeclarationView,
            headers(("Location" = String, description = "Elenco delle dichiarazioni dell'unità produttiva"))),
        (status = 422, description = "Righe errate, ciascuna con numero e motivo: nulla è memorizzato", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Riservato a datori di lavoro e intermediari", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unità produttiva inesistente o di un datore non accessibile", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn submit_declaration(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(unit_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.trim().to_ascii_lowercase().starts_with("text/csv") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let csv = std::str::from_utf8(&body).map_err(|e| {
        ApiError::MalformedBody(format!(
            "La dichiarazione deve essere in UTF-8: byte non valido alla posizione {}.",
            e.valid_up_to() + 1
        ))
    })?;
    let unit = UnitId(unit_id);
    let d = state
        .services
        .submit_fruito_declaration(&principal, unit, csv)
        .await?;
    Ok(created(
        &d,
        &format!("/api/v1/units/{unit_id}/fruito-declarations"),
    ))
}

/// The fruito declarations of a UP, newest first.
#[utoipa::path(get, path = "/api/v1/units/{unit_id}/fruito-declarations", tag = "conguaglio",
    operation_id = "listFruitoDeclarations",
    params(("unit_id" = i64, Path, format = Int64, description = "Unità produttiva")),
    security(("bearer" = [])),
    responses((status = 200, description = "Dichiarazioni di fruito", body = FruitoDeclarationList),
        (status = 403, description = "Riservato a datori di lavoro e intermediari", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unità produttiva inesistente o di un datore non accessibile", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn list_declarations(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(unit_id): Path<i64>,
) -> Result<Json<FruitoDeclarationList>, ApiError> {
    Ok(Json(FruitoDeclarationList {
        items: state
            .services
            .fruito_declarations(&principal, UnitId(unit_id))
            .await?,
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit_declaration, list_declarations))
}
