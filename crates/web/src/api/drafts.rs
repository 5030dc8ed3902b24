//! Guided intake (issue 4): start a draft, save its sections (with the version read in
//! `If-Match`), upload the beneficiaries CSV and the PDF report, review the checks,
//! download the receipt, duplicate.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnia_services::drafts::REPORT_PDF_MAX_BYTES;
use omnia_services::{
    ApplicationId, ApplicationView, DeclarationsSection, EmployerId, HeadcountEntry, ImportMode,
    ImportReport, IndicatorsSection, ReportSection, RequestSection, Review, StartDraft,
    WorkerEntry,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ApiJson, json_with_status};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

/// Largest beneficiaries CSV (1 MiB: far above 2000 lines).
const CSV_MAX_BYTES: usize = 1024 * 1024;

/// The version the client read (`If-Match: "7"`, `If-Match: 7` or `W/"7"`).
fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::MalformedBody(
                "Intestazione If-Match obbligatoria: indicare la versione letta della domanda (campo `version`, es. If-Match: \"3\")."
                    .into(),
            )
        })
}

/// The view with its version as `ETag`.
fn view_response(status: StatusCode, view: &ApplicationView) -> Response {
    let mut r = json_with_status(status, view);
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", view.version)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::MalformedBody(r.body_text())
        }
    })
}

fn require_type(headers: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    let ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected));
    if ok {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

fn pdf_response(bytes: Vec<u8>, filename: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Start a guided draft for an employer once the benefit is chosen.
///
/// The rules engine marks each benefit suggested or not compatible with the employer's classification (R-SEL-1): a non-compatible benefit needs `confirm_non_compatible: true` (else 422 `benefit_not_confirmed`) and stays flagged for the operator. The UP may be given now or with the request section. Answers the new draft with its `version` (also as `ETag`).
#[utoipa::path(post, path = "/api/v1/employers/{employer_id}/drafts", tag = "applications",
    operation_id = "startDraft",
    params(("employer_id" = i64, Path, format = Int64, description = "Identificativo del datore di lavoro")),
    request_body = StartDraft,
    security(("bearer" = [])),
    responses((status = 201, description = "Bozza creata", body = ApplicationView,
        headers(("Location" = String, description = "Indirizzo della nuova domanda")))))]
async fn start_draft(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(employer_id): Path<i64>,
    ApiJson(input): ApiJson<StartDraft>,
) -> Result<Response, ApiError> {
    let scope = state
        .services
        .employer_scope(&principal, EmployerId(employer_id))
        .await?;
    let view = state.services.start_draft(&scope, input).await?;
    let mut response = view_response(StatusCode::CREATED, &view);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/applications/{}", view.id.0)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Save the request section of a draft.
///
/// UP, causale, first request or extension (with the application it extends), suspension or reduction, start, effective start (EONE) and end. Everything that parses is stored even if a rule is violated: the rules are reported by `GET …/checks`. The `If-Match` header carries the version read; a stale version answers 409 `concurrent_update`.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/request", tag = "applications",
    operation_id = "saveDraftRequest",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("If-Match" = String, Header, description = "Versione letta della domanda (campo `version` o `ETag`)")),
    request_body = RequestSection,
    security(("bearer" = [])),
    responses((status = 200, description = "Sezione salvata", body = ApplicationView),
        (status = 409, description = "Versione superata o domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn save_request(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<RequestSection>,
) -> Result<Response, ApiError> {
    let v = if_match(&headers)?;
    let view = state
        .services
        .save_request(&principal, ApplicationId(id), v, input)
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

/// The workers of a draft with the hours requested.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkersInput {
    pub workers: Vec<WorkerEntry>,
}

/// Save the workers of a draft (replaces the list).
///
/// Each worker of the registry with what is requested for the whole period: `hours`, or for CISOA whole `days` (R-LIM-9; hours for CISOA are refused with `cisoa_in_days`, days for the other benefits with `days_only_for_cisoa`, pointer `/workers/N/hours` or `/workers/N/days`). Unknown workers, dirigenti, duplicates and quantities out of range are stored and reported by the checks. `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/workers", tag = "applications",
    operation_id = "saveDraftWorkers",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("If-Match" = String, Header, description = "Versione letta della domanda")),
    request_body = WorkersInput,
    security(("bearer" = [])),
    responses((status = 200, description = "Sezione salvata", body = ApplicationView),
        (status = 409, description = "Versione superata o domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn save_workers(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<WorkersInput>,
) -> Result<Response, ApiError> {
    let v = if_match(&headers)?;
    let view = state
        .services
        .save_workers(&principal, ApplicationId(id), v, input.workers)
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

/// The average workforce of the previous semester.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadcountInput {
    pub headcount: Vec<HeadcountEntry>,
}

/// Save the average workforce of the previous semester.
///
/// One row per weekly contractual schedule, with the average number of workers in hundredths (input of the one-third rule R-LIM-5 and of the FIS/fund limits). Pre-filled from the registry at start. `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/headcount", tag = "applications",
    operation_id = "saveDraftHeadcount",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("If-Match" = String, Header, description = "Versione letta della domanda")),
    request_body = HeadcountInput,
    security(("bearer" = [])),
    responses((status = 200, description = "Sezione salvata", body = ApplicationView),
        (status = 409, description = "Versione superata o domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn save_headcount(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<HeadcountInput>,
) -> Result<Response, ApiError> {
    let v = if_match(&headers)?;
    let view = state
        .services
        .save_headcount(&principal, ApplicationId(id), v, input.headcount)
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

/// Save the technical report (structured fields or PDF mode).
///
/// The structured fields are keyed by the reference data's `report_fields` of the causale (R-APP-1), e.g. `andamento_negativo`; with `mode: pdf` the report is the PDF uploaded with `PUT …/report-pdf`. `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/report", tag = "applications",
    operation_id = "saveDraftReport",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("If-Match" = String, Header, description = "Versione letta della domanda")),
    request_body = ReportSection,
    security(("bearer" = [])),
    responses((status = 200, description = "Sezione salvata", body = ApplicationView),
        (status = 409, description = "Versione superata o domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn save_report(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ReportSection>,
) -> Result<Response, ApiError> {
    let v = if_match(&headers)?;
    let view = state
        .services
        .save_report(&principal, ApplicationId(id), v, input)
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

/// Save the economic-financial indicators.
///
/// Fatturato, risultato operativo, risultato d'impresa and indebitamento in euro-cents for the two years before the start, per whole year or per quarter (8 quarters, yearly totals computed in `indicator_totals`) (R-APP-2). `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/indicators", tag = "applications",
    operation_id = "saveDraftIndicators",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("If-Match" = String, Header, description = "Versione letta della domanda")),
    request_body = IndicatorsSection,
    security(("bearer" = [])),
    responses((status = 200, description = "Sezione salvata", body = ApplicationView),
        (status = 409, description = "Versione superata o domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn save_indicators(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<IndicatorsSection>,
) -> Result<Response, ApiError> {
    let v = if_match(&headers)?;
    let view = state
        .services
        .save_indicators(&principal, ApplicationId(id), v, input)
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

/// Save the declarations (union procedure, payment mode).
///
/// Union information/consultation (date, with whom; not asked for CISOA, for construction only on extensions beyond 13 weeks) and payment mode (conguaglio, or pagamento diretto with the declaration of financial difficulty). `If-Match` carries the version read.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/declarations", tag = "applications",
    operation_id = "saveDraftDeclarations",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("If-Match" = String, Header, description = "Versione letta della domanda")),
    request_body = DeclarationsSection,
    security(("bearer" = [])),
    responses((status = 200, description = "Sezione salvata", body = ApplicationView),
        (status = 409, description = "Versione superata o domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn save_declarations(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<DeclarationsSection>,
) -> Result<Response, ApiError> {
    let v = if_match(&headers)?;
    let view = state
        .services
        .save_declarations(&principal, ApplicationId(id), v, input)
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvParams {
    /// Import the good lines and report the bad ones (default: nothing is imported while any line is bad).
    #[serde(default)]
    pub keep_good_lines: bool,
}

/// Upload the beneficiaries as CSV (replaces the worker list).
///
/// Lines `codice_fiscale;ore` (CISOA: `codice_fiscale;giorni`, whole days, R-LIM-9), UTF-8, with an optional header line naming the columns (see docs/csv.md). Every bad line is reported with its line number and reason (invalid codice fiscale, unknown worker, dirigente, duplicate, hours or days not a positive integer, too many hours or days, a header in the wrong unit). By default nothing is imported while any line is bad (422, one error per line at `/lines/N`); with `keep_good_lines=true` the good lines are imported and the bad ones listed in `rejected`.
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/workers-csv", tag = "applications",
    operation_id = "importDraftWorkersCsv",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"), CsvParams),
    request_body(content = String, content_type = "text/csv", description = "Righe codice_fiscale;ore"),
    security(("bearer" = [])),
    responses((status = 200, description = "Lavoratori importati", body = ImportReport),
        (status = 409, description = "Domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn import_csv(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    Query(params): Query<CsvParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    require_type(&headers, "text/csv")?;
    let body = body_bytes(body)?;
    if body.len() > CSV_MAX_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let mode = if params.keep_good_lines {
        ImportMode::KeepGoodLines
    } else {
        ImportMode::AllOrNothing
    };
    Ok(Json(
        state
            .services
            .import_workers_csv(&principal, ApplicationId(id), &body, mode)
            .await?,
    ))
}

/// Upload the technical report as a PDF (at most 10 MiB).
///
/// The file must be a real, complete, unencrypted PDF without active content; a refusal is a 422 whose error code says why (`pdf.not_pdf`, `pdf.encrypted`, `pdf.truncated`, `pdf.corrupt`, `pdf.active_content`, …); a body above 10 MiB is a 413. The report switches to the PDF mode. The optional `Report-Filename` header names the file.
#[utoipa::path(put, path = "/api/v1/applications/{application_id}/report-pdf", tag = "applications",
    operation_id = "uploadDraftReportPdf",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda"),
        ("Report-Filename" = Option<String>, Header, description = "Nome del file")),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "Relazione tecnica in PDF"),
    security(("bearer" = [])),
    responses((status = 200, description = "Relazione allegata", body = ApplicationView),
        (status = 409, description = "Domanda non più in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn upload_report_pdf(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    require_type(&headers, "application/pdf")?;
    let body = body_bytes(body)?;
    let filename = headers
        .get("report-filename")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("relazione.pdf")
        .to_owned();
    let view = state
        .services
        .attach_report_pdf(&principal, ApplicationId(id), &filename, body.to_vec())
        .await?;
    Ok(view_response(StatusCode::OK, &view))
}

/// Download the PDF technical report.
///
/// For the applicant side and, once submitted, the operators of the serving office.
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/report-pdf", tag = "applications",
    operation_id = "downloadReportPdf",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    security(("bearer" = [])),
    responses((status = 200, description = "Relazione tecnica", content_type = "application/pdf", body = Vec<u8>)))]
async fn download_report_pdf(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let (name, bytes) = state
        .services
        .report_pdf(&principal, ApplicationId(id))
        .await?;
    Ok(pdf_response(bytes, &name))
}

/// Every synchronous check of an application (the review).
///
/// Each finding has a stable code (docs/checks.md), a severity (`blocking` stops the submission, `forceable` needs a note at submission, `info`), the rule ID it enforces, the section and the JSON pointer into `content`, and Italian and English messages. Also the filing deadline (R-APP-3/4) and the counters with residuals for this UP (R-LIM).
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/checks", tag = "applications",
    operation_id = "applicationChecks",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    security(("bearer" = [])),
    responses((status = 200, description = "Esito dei controlli", body = Review)))]
async fn checks(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Json<Review>, ApiError> {
    Ok(Json(
        state.services.review(&principal, ApplicationId(id)).await?,
    ))
}

/// Download the receipt of a submitted application (PDF).
///
/// Rendered at submission from the immutable snapshot: protocol number, ticket, timestamp, employer, UP, period, workers and hours (R-APP-6).
#[utoipa::path(get, path = "/api/v1/applications/{application_id}/receipt", tag = "applications",
    operation_id = "downloadReceipt",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    security(("bearer" = [])),
    responses((status = 200, description = "Ricevuta di presentazione", content_type = "application/pdf", body = Vec<u8>)))]
async fn receipt(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let bytes = state
        .services
        .receipt_pdf(&principal, ApplicationId(id))
        .await?;
    Ok(pdf_response(bytes, &format!("ricevuta-{id}.pdf")))
}

/// Duplicate a submitted application into a new draft.
///
/// The new draft carries the same sections (without the submission notes) and gets its own ticket when submitted. Drafts cannot be duplicated (409 `not_submitted`).
#[utoipa::path(post, path = "/api/v1/applications/{application_id}/duplicate", tag = "applications",
    operation_id = "duplicateApplication",
    params(("application_id" = Uuid, Path, description = "Identificativo della domanda")),
    security(("bearer" = [])),
    responses((status = 201, description = "Nuova bozza", body = ApplicationView,
        headers(("Location" = String, description = "Indirizzo della nuova domanda"))),
        (status = 409, description = "La domanda è ancora in bozza", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn duplicate(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let view = state
        .services
        .duplicate(&principal, ApplicationId(id))
        .await?;
    let mut response = view_response(StatusCode::CREATED, &view);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/applications/{}", view.id.0)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub fn router() -> OpenApiRouter<AppState> {
    // The PDF upload has its own body limit (the app's default is far smaller).
    let pdf = OpenApiRouter::new()
        .routes(routes!(upload_report_pdf, download_report_pdf))
        .layer(DefaultBodyLimit::max(REPORT_PDF_MAX_BYTES));
    let csv = OpenApiRouter::new()
        .routes(routes!(import_csv))
        .layer(DefaultBodyLimit::max(CSV_MAX_BYTES));
    OpenApiRouter::new()
        .routes(routes!(start_draft))
        .routes(routes!(save_request))
        .routes(routes!(save_workers))
        .routes(routes!(save_headcount))
        .routes(routes!(save_report))
        .routes(routes!(save_indicators))
        .routes(routes!(save_declarations))
        .routes(routes!(checks))
        .routes(routes!(receipt))
        .routes(routes!(duplicate))
        .merge(pdf)
        .merge(csv)
}
