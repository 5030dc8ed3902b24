//! Applications: create (draft), read, list, submit (idempotent), withdraw;
//! the office's queue and the decision.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::ids::CodiceFiscale;
use omnia_services::{
    ApplicationId, ApplicationSummary, ApplicationView, Decision, EmployerId, NewApplication,
    Outcome, Principal, RequestedWorker, SubmitInput, WorkerId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ApiJson, created, json_with_status};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, FieldProblem};

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationSummary>,
}

/// A worker of the application, identified by codice fiscale.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestedWorkerInput {
    /// Codice fiscale of the worker.
    #[schema(value_type = String, example = "RSSMRA80A01F205X")]
    pub cf: CodiceFiscale,
    /// Hours of integration requested for the whole period (every benefit but CISOA).
    #[serde(default)]
    #[schema(format = Int32, minimum = 1, example = 80)]
    pub hours: Option<u32>,
    /// Whole days requested for the whole period: CISOA only, which is requested in days
    /// (R-LIM-9; `cisoa_in_days` if hours are sent for it, `days_only_for_cisoa` the other way).
    #[serde(default)]
    #[schema(format = Int32, minimum = 1, example = 5)]
    pub days: Option<u32>,
}

/// A new application (saved as a draft).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// Productive unit (UP) of the employer.
    #[schema(format = Int64, example = 1)]
    pub unit_id: i64,
    #[schema(value_type = String, example = "cigo")]
    pub benefit: Benefit,
    /// Causale code, from the reference data.
    #[schema(example = "CIGO-MLC")]
    pub causale: String,
    #[schema(value_type = String, example = "sospensione")]
    pub kind: ReductionKind,
    #[schema(example = "2026-12-07")]
    pub start: NaiveDate,
    #[schema(example = "2026-12-18")]
    pub end: NaiveDate,
    pub workers: Vec<RequestedWorkerInput>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeInput {
    Authorised,
    Rejected,
}

/// The operator's decision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub outcome: OutcomeInput,
    /// Mandatory for a rejection or a partial authorisation.
    pub motivation: Option<String>,
    /// Partial authorisation: hours per worker (workers not listed get 0). Not for CISOA.
    #[serde(default)]
    pub hours: Option<Vec<AuthorisedHours>>,
    /// Partial authorisation of a CISOA application: whole days per worker (R-LIM-9).
    #[serde(default)]
    pub days: Option<Vec<AuthorisedDays>>,
}

/// Hours authorised for one worker.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisedHours {
    #[schema(value_type = i64)]
    pub worker_id: WorkerId,
    pub hours: u32,
}

/// Whole days authorised for one worker (CISOA).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisedDays {
    #[schema(value_type = i64)]
    pub worker_id: WorkerId,
    pub days: u32,
}

/// Applications of every employer the caller may act for.
///
/// An employer user sees its own; an intermediary those of every employer whose delegation is valid today.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", operation_id = "listApplications",
    security(("bearer" = [])),
    responses((status = 200, description = "Domande", body = ApplicationList)))]
async fn list_applications(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
) -> Result<Json<ApplicationList>, ApiError> {
    let items = state.services.applications_for(&principal).await?;
    Ok(Json(ApplicationList { items }))
}

/// Create a draft application for an employer.
///
/// Workers are named by codice fiscale; the checks of R-APP, R-LIM-1 and R-ELIG-1 run at once and every failing field is reported with a JSON pointer. Nothing is written when a check fails.
#[utoipa::path(post, path = "/api/v1/employers/{employer_id}/applications", tag = "applications",
    operation_id = "createApplication",
    params(("employer_id" = i64, Path, format = Int64, description = "Identificativo del datore di lavoro")),
    request_body = ApplicationInput,
    security(("bearer" = [])),
    responses((status = 201, description = "Bozza creata", body = ApplicationView,
        headers(("Location" = String, description = "Indirizzo della nuova domanda")))))]
async fn create_application(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(employer_id): Path<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> Result<Response, ApiError> {
    let scope = state
        .services
        .employer_scope(&principal, EmployerId(employer_id))
        .await?;
    let detail = state.services.employer_detail(&scope).await?;
    // The API names workers by codice fiscale, the services by id.
    let mut workers = Vec::with_capacity(input.workers.len());
    let mut unknown = Vec::new();
    for (i, w) in input.workers.iter().enumerate() {
        match detail.workers.iter().find(|dw| dw.cf == w.cf.as_str()) {
            Some(dw) => workers.push(RequestedWorker {
                worker_id: dw.id,
                hours: w.hours,
                days: w.days,
            }),
            None => unknown.push(FieldProblem {
                pointer: format!("/workers/{i}/cf"),
                code: "unknown_worker".into(),
                detail: format!(
                    "Il codice fiscale {} non corrisponde a un lavoratore del datore di lavoro.",
                    w.cf
                ),
            }),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    let view = state
        .services
        .create_draft(
            &scope,
            NewApplication {
                unit_id: omnia_services::UnitId(input.unit_id),
                benefit: input.benefit,
                causale: input.causale,
                kind: input.kind,
                start: input.start,
                end: input.end,
                workers,
            },
        )
        .await?;
    Ok(created(
        &view,
        &format!("/api/v1/applications/{}", view.id.0),
    ))
}

/// One application (applicant side, or operator of the office that examines it).
///
/// Another tenant's application answers 404, exactly like a missing one.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}", tag = "applications",
    operation_id = "applicationDetail",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    security(("bearer" = [])),
    responses((status = 200, description = "Domanda", body = ApplicationView)))]
async fn get_application(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        state
            .services
            .application(&principal, ApplicationId(id))
            .await?,
    ))
}

/// Submit a draft: protocol number, new ticket, timestamp, immutable snapshot, receipt.
///
/// Every check of `GET …/checks` runs again: blocking findings answer 422 (one error per finding); each forceable finding needs a note in `notes` (code → note), else 422 `note_required` at `/notes/<code>`. The notes are stored and shown to the operator. The body may be empty. With an `Idempotency-Key`, a retry of the same request returns the first answer.
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/submission", tag = "applications",
    operation_id = "submitApplication",
    params(
        ("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("Idempotency-Key" = Option<String>, Header, description = "Chiave scelta dal client (max 255 caratteri) per ripetere la richiesta senza effetti doppi"),
    ),
    request_body(content = Option<SubmitInput>, description = "Note per gli avvisi forzabili (facoltativo)"),
    security(("bearer" = [])),
    responses((status = 200, description = "Domanda inviata", body = ApplicationView)))]
async fn submit_application(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // An empty body (the walking skeleton's clients) means "no notes".
    let input: SubmitInput = if body.iter().all(u8::is_ascii_whitespace) {
        SubmitInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedBody(e.to_string()))?
    };
    let fingerprint = format!("POST /api/v1/applications/{id}/submission");
    idempotent(&state, &principal, &headers, &fingerprint, async {
        let view = state
            .services
            .submit_with(&principal, ApplicationId(id), input)
            .await?;
        Ok(json_with_status(StatusCode::OK, &view))
    })
    .await
}

/// Withdraw (rinuncia) an application before the decision.
///
/// Allowed for drafts and submitted applications not yet decided (R-APP-6).
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/withdrawal", tag = "applications",
    operation_id = "withdrawApplication",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    security(("bearer" = [])),
    responses((status = 200, description = "Domanda ritirata", body = ApplicationView)))]
async fn withdraw_application(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        state
            .services
            .withdraw(&principal, ApplicationId(id))
            .await?,
    ))
}

/// The operator's work queue: submitted applications of the office's productive units.
///
/// Only applications of the productive units served by the operator's office (sede), oldest first.
#[utoipa::path(get, path = "/api/v1/office/applications", tag = "office", operation_id = "officeQueue",
    security(("bearer" = [])),
    responses((status = 200, description = "Domande da esaminare", body = ApplicationList),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn office_queue(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
) -> Result<Json<ApplicationList>, ApiError> {
    let office = state.services.office_scope(&principal)?;
    let items = state.services.office_queue(&office).await?;
    Ok(Json(ApplicationList { items }))
}

/// Record the decision on a submitted application (operators of the serving office).
///
/// Issues the authorisation number; a rejection needs a motivation (R-IST-3). An operator of another office gets 404.
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/decision", tag = "office",
    operation_id = "decideApplication",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    request_body = DecisionInput,
    security(("bearer" = [])),
    responses((status = 200, description = "Decisione registrata", body = ApplicationView),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn decide_application(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<ApplicationView>, ApiError> {
    let office = state.services.office_scope(&principal)?;
    let decision = Decision {
        outcome: match input.outcome {
            OutcomeInput::Authorised => Outcome::Authorised,
            OutcomeInput::Rejected => Outcome::Rejected,
        },
        motivation: input.motivation,
        hours: input
            .hours
            .map(|l| l.into_iter().map(|a| (a.worker_id, a.hours)).collect()),
        days: input
            .days
            .map(|l| l.into_iter().map(|a| (a.worker_id, a.days)).collect()),
    };
    Ok(Json(
        state
            .services
            .decide(&office, ApplicationId(id), decision)
            .await?,
    ))
}

/// Runs `work` at most once per `Idempotency-Key` of this user: a retry with the same
/// key and request gets the stored answer; the same key on another request is refused.
async fn idempotent(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    fingerprint: &str,
    work: impl Future<Output = Result<Response, ApiError>>,
) -> Result<Response, ApiError> {
    let Some(key) = headers.get("idempotency-key") else {
        return work.await;
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::MalformedBody(
                "L'intestazione Idempotency-Key deve contenere da 1 a 255 caratteri visibili."
                    .into(),
            )
        })?;
    if let Some(stored) = state.services.idempotency_lookup(principal, key).await? {
        if stored.request_hash != fingerprint {
            return Err(ApiError::Conflict {
                code: "idempotency_key_reused",
                detail: "La chiave Idempotency-Key è già stata usata per una richiesta diversa."
                    .into(),
            });
        }
        let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
        let mut response = (status, stored.body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return Ok(response);
    }
    let response = work.await?;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|_| ApiError::Internal)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    state
        .services
        .idempotency_store(principal, key, fingerprint, parts.status.as_u16(), &text)
        .await?;
    Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_applications))
        .routes(routes!(create_application))
        .routes(routes!(get_application))
        .routes(routes!(submit_application))
        .routes(routes!(withdraw_application))
        .routes(routes!(office_queue))
        .routes(routes!(decide_application))
}
