//! Administrators: versions of the reference data (massimali, rates, causali, catalogue,
//! derogation regimes), published with an effective date without a release (issue 3).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use omnia_services::ReferenceVersionView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, created};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct ReferenceVersionList {
    /// The built-in version and every published one, by effective date.
    pub items: Vec<ReferenceVersionView>,
}

/// A new version of the reference data.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferenceVersion {
    /// Version label, unique (letters, digits, `.`, `-`, `_`; at most 64), e.g. `2026.2`.
    #[schema(example = "2026.2", max_length = 64)]
    pub label: String,
    /// First day in force: tomorrow (server date, UTC) at the earliest.
    pub effective_from: NaiveDate,
    /// The complete reference data, in the format of `crates/domain/data/reference.json`
    /// (`causali`, `massimali`, `additional_contribution`, `ordinary_contribution`,
    /// `catalogue`, `regimes`, `parameters`). Its `version` and `effective_from` may be
    /// omitted; if given they must equal `label` and `effective_from`.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

/// The versions of the reference data, by effective date.
///
/// The built-in version shipped with the release and every version published by an administrator, with who published it and when, and which one is in force today. Simulations and checks use, for each date, the latest version whose effective date is not after it.
#[utoipa::path(get, path = "/api/v1/reference-versions", tag = "admin",
    operation_id = "listReferenceVersions",
    security(("bearer" = [])),
    responses((status = 200, description = "Versioni dei dati di riferimento", body = ReferenceVersionList),
        (status = 403, description = "Riservato agli amministratori", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn list_reference_versions(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
) -> Result<Json<ReferenceVersionList>, ApiError> {
    let admin = state.services.admin_scope(&principal)?;
    let items = state.services.list_reference_versions(&admin).await?;
    Ok(Json(ReferenceVersionList { items }))
}

/// Publish a new version of the reference data, in force from a future date.
///
/// The document is validated completely (schema and consistency: unique codes, ordered validity ranges, net massimale not above gross, rates in 0..1, regimes referring to known causali…); any problem gives 422 whose `errors[0].pointer` names the field (`/document/massimali/5/net`). The effective date must be tomorrow or later (422 on `/effective_from`); a label already published gives 409. The version is stored with a `reference.publish` audit event in one transaction and is used from its effective date on, without a restart.
#[utoipa::path(post, path = "/api/v1/reference-versions", tag = "admin",
    operation_id = "publishReferenceVersion",
    request_body = NewReferenceVersion,
    security(("bearer" = [])),
    responses((status = 201, description = "Versione pubblicata", body = ReferenceVersionView,
            headers(("Location" = String, description = "Elenco delle versioni"))),
        (status = 403, description = "Riservato agli amministratori", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Etichetta di versione già pubblicata", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn publish_reference_version(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    ApiJson(body): ApiJson<NewReferenceVersion>,
) -> Result<Response, ApiError> {
    let admin = state.services.admin_scope(&principal)?;
    let document = body.document.to_string();
    let view = state
        .services
        .publish_reference_version(&admin, &body.label, body.effective_from, &document)
        .await?;
    Ok(created(&view, "/api/v1/reference-versions"))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_reference_versions, publish_reference_version))
}
