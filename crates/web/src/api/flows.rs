//! Payment-data flows (R-FLO) and payment batches (R-FLO-4):
//! `POST/GET /api/v1/flows`, `GET /api/v1/flows/{flow_id}` (with the report),
//! `GET /api/v1/flows/{flow_id}/records`, `DELETE /api/v1/flows/{flow_id}/records/{record_id}`,
//! `POST/GET /api/v1/payment-batches`, `GET …/{batch_id}`, `GET …/{batch_id}/pain001`,
//! `POST …/{batch_id}/paid`.
//!
//! The upload is read frame by frame into a spool file (never whole in memory) with its own
//! size limit (`OMNIA_FLOW_MAX_BYTES`) and time limit; the ingest then runs in its own task,
//! so a client that disconnects does not cut a load in half.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use omnia_services::flows::{
    FlowFormat, FlowRecordView, FlowSpool, FlowUpload, FlowView, NewPaymentBatch, PaymentBatchView,
    SpoolError,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{ApiJson, created, json_with_status};
use crate::auth::ApiCaller;
use crate::error::ApiError;

/// Paths whose POST is a streaming upload (own size and time limits).
pub fn is_upload_path(path: &str) -> bool {
    path == "/api/v1/flows"
}

/// A refused flow (or one waiting for a confirmation), as RFC 9457 problem details with
/// the stored flow and its report in `flow`.
#[derive(Serialize, ToSchema)]
pub struct FlowRefused {
    /// `/problems/flow-refused`.
    pub r#type: String,
    pub title: String,
    #[schema(format = Int32, example = 422)]
    pub status: u16,
    pub detail: String,
    /// The stored flow with its report (`flow.report.findings`).
    pub flow: FlowView,
}

#[derive(Serialize, ToSchema)]
pub struct FlowList {
    pub items: Vec<FlowView>,
}

#[derive(Serialize, ToSchema)]
pub struct FlowRecordList {
    pub items: Vec<FlowRecordView>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentBatchList {
    pub items: Vec<PaymentBatchView>,
}

/// Confirmation of the forceable findings (R-FLO-1).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// `true` to accept the forceable findings; needs `note`.
    #[serde(default)]
    pub confirm: bool,
    /// The sender's note that goes with the confirmation (stored with the flow).
    #[serde(default)]
    pub note: Option<String>,
}

fn format_of(headers: &HeaderMap) -> Result<FlowFormat, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "application/xml" | "text/xml" => Ok(FlowFormat::Xml),
        "text/csv" => Ok(FlowFormat::Csv),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// Upload a payment-data flow (XML, or CSV with `Content-Type: text/csv`).
///
/// The body is streamed and checked synchronously: every finding at once, each with code,
/// class, severity, level, line, element and worker (R-FLO-1). Accepted (201): the records
/// are stored atomically with their amounts (R-AMT) and posted to the *fruito* ledger.
/// Refused (422, same body): only the flow and its report are kept, no record. Forceable
/// findings are accepted when the flow is sent again with `confirm=true` and a `note`.
/// A second flow of the same sender while one is processed gets 409; a body over the
/// configured limit gets 413.
#[utoipa::path(post, path = "/api/v1/flows", tag = "flows", operation_id = "submitFlow",
    params(UploadParams),
    request_body(description = "Il flusso: XML (schema docs/flows/flow.xsd) o CSV",
        content(("application/xml"), ("text/csv"))),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Flusso accettato: record memorizzati", body = FlowView,
            headers(("Location" = String, description = "Indirizzo del flusso"))),
        (status = 422, description = "Flusso respinto o da confermare: il rapporto con ogni rilievo in `flow.report`", body = FlowRefused, content_type = "application/problem+json"),
        (status = 403, description = "Riservato a datori di lavoro e intermediari", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Un altro flusso dello stesso mittente è in elaborazione, o un record da sostituire è già in pagamento", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn submit_flow(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let format = format_of(&headers)?;
    let max = state.config.flow_max_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(ApiError::PayloadTooLarge);
    }
    let confirm_note = if params.confirm {
        match params.note.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => Some(n.to_owned()),
            _ => {
                return Err(ApiError::Validation(vec![crate::error::FieldProblem {
                    pointer: "/note".into(),
                    code: "note_required".into(),
                    detail: "La conferma dei rilievi forzabili richiede una nota (R-FLO-1).".into(),
                }]));
            }
        }
    } else {
        None
    };
    let mut spool = FlowSpool::new(max).map_err(|e| {
        tracing::error!(error = %e, "flow spool");
        ApiError::Internal
    })?;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::MalformedBody(format!(
                "Invio interrotto: il corpo della richiesta non è arrivato per intero ({e})."
            ))
        })?;
        if let Ok(data) = frame.into_data() {
            spool.write(&data).await.map_err(|e| match e {
                SpoolError::TooLarge { .. } => ApiError::PayloadTooLarge,
                SpoolError::Io(e) => {
                    tracing::error!(error = %e, "flow spool");
                    ApiError::Internal
                }
            })?;
        }
    }
    if spool.is_empty() {
        return Err(ApiError::MalformedBody("Il flusso è vuoto.".into()));
    }
    // The ingest runs to its end even if the client goes away meanwhile.
    let services = state.services.clone();
    let upload = FlowUpload {
        format,
        confirm_note,
    };
    let submitted =
        tokio::spawn(async move { services.submit_flow(&principal, spool, upload).await })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "flow ingest task");
                ApiError::Internal
            })??;
    if submitted.accepted {
        return Ok(created(
            &submitted.flow,
            &format!("/api/v1/flows/{}", submitted.flow.id),
        ));
    }
    let refused = FlowRefused {
        r#type: "/problems/flow-refused".into(),
        title: "Flusso respinto".into(),
        status: 422,
        detail: "Il flusso non è stato acquisito: vedere i rilievi in `flow.report`; i rilievi \
                 forzabili si confermano reinviando con `confirm=true` e una nota."
            .into(),
        flow: submitted.flow,
    };
    let mut r = json_with_status(StatusCode::UNPROCESSABLE_ENTITY, &refused);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::error::PROBLEM_JSON),
    );
    Ok(r)
}

/// The caller's flows, newest first (without the reports).
///
/// The flows it uploaded, and those holding records of the employers it may act for; for an
/// operator (read-only), the flows holding records of the productive units its office serves.
#[utoipa::path(get, path = "/api/v1/flows", tag = "flows", operation_id = "listFlows",
    security(("bearer" = [])),
    responses((status = 200, description = "Flussi", body = FlowList),
        (status = 403, description = "Riservato a datori di lavoro, intermediari e operatori", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn list_flows(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
) -> Result<Json<FlowList>, ApiError> {
    Ok(Json(FlowList {
        items: state.services.flows_for(&principal).await?,
    }))
}

/// One flow with its check report.
///
/// Answers 404 for a flow the caller neither uploaded nor has records in (for an operator:
/// with no record of the productive units its office serves).
#[utoipa::path(get, path = "/api/v1/flows/{flow_id}", tag = "flows", operation_id = "getFlow",
    params(("flow_id" = String, Path, description = "Identificativo del flusso (UUID)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Flusso con il rapporto dei controlli", body = FlowView)))]
async fn get_flow(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(flow_id): Path<String>,
) -> Result<Json<FlowView>, ApiError> {
    Ok(Json(state.services.flow(&principal, &flow_id).await?))
}

/// The records of a flow with their amounts per worker (R-AMT).
///
/// Only the records of the employers the caller may act for today; for an operator, those
/// of the productive units its office serves.
#[utoipa::path(get, path = "/api/v1/flows/{flow_id}/records", tag = "flows", operation_id = "listFlowRecords",
    params(("flow_id" = String, Path, description = "Identificativo del flusso (UUID)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Record con importi", body = FlowRecordList)))]
async fn list_flow_records(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(flow_id): Path<String>,
) -> Result<Json<FlowRecordList>, ApiError> {
    Ok(Json(FlowRecordList {
        items: state.services.flow_records(&principal, &flow_id).await?,
    }))
}

/// Delete an accepted record (eliminazione, R-FLO-2).
///
/// Its hours are reversed in the fruito ledger; the record can then be sent again. Refused
/// with 409 once the record is in a payment batch, or when already deleted or replaced.
#[utoipa::path(delete, path = "/api/v1/flows/{flow_id}/records/{record_id}", tag = "flows",
    operation_id = "deleteFlowRecord",
    params(("flow_id" = String, Path, description = "Identificativo del flusso (UUID)"),
        ("record_id" = i64, Path, format = Int64, description = "Identificativo del record")),
    security(("bearer" = [])),
    responses((status = 200, description = "Record eliminato", body = FlowRecordView),
        (status = 409, description = "Record già in pagamento, eliminato o sostituito", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn delete_flow_record(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path((flow_id, record_id)): Path<(String, i64)>,
) -> Result<Json<FlowRecordView>, ApiError> {
    Ok(Json(
        state
            .services
            .delete_flow_record(&principal, &flow_id, record_id)
            .await?,
    ))
}

/// Create a payment batch with the office's accepted records (operators).
///
/// The records move to `in_payment`: from then on they cannot be deleted or replaced.
#[utoipa::path(post, path = "/api/v1/payment-batches", tag = "payments", operation_id = "createPaymentBatch",
    request_body = NewPaymentBatch,
    security(("bearer" = [])),
    responses((status = 201, description = "Lotto creato", body = PaymentBatchView,
            headers(("Location" = String, description = "Indirizzo del lotto"))),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nessun record da pagare", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn create_batch(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    ApiJson(input): ApiJson<NewPaymentBatch>,
) -> Result<Response, ApiError> {
    let office = state.services.office_scope(&principal)?;
    let b = state.services.create_payment_batch(&office, input).await?;
    Ok(created(&b, &format!("/api/v1/payment-batches/{}", b.id)))
}

/// The office's payment batches, newest first (operators).
#[utoipa::path(get, path = "/api/v1/payment-batches", tag = "payments", operation_id = "listPaymentBatches",
    security(("bearer" = [])),
    responses((status = 200, description = "Lotti", body = PaymentBatchList),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn list_batches(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
) -> Result<Json<PaymentBatchList>, ApiError> {
    let office = state.services.office_scope(&principal)?;
    Ok(Json(PaymentBatchList {
        items: state.services.payment_batches(&office).await?,
    }))
}

/// One payment batch of the office (operators).
#[utoipa::path(get, path = "/api/v1/payment-batches/{batch_id}", tag = "payments", operation_id = "getPaymentBatch",
    params(("batch_id" = String, Path, description = "Identificativo del lotto (UUID)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Lotto", body = PaymentBatchView),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn get_batch(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(batch_id): Path<String>,
) -> Result<Json<PaymentBatchView>, ApiError> {
    let office = state.services.office_scope(&principal)?;
    Ok(Json(
        state.services.payment_batch(&office, &batch_id).await?,
    ))
}

/// The batch as a SEPA credit transfer file, ISO 20022 `pain.001.001.09` (operators).
#[utoipa::path(get, path = "/api/v1/payment-batches/{batch_id}/pain001", tag = "payments", operation_id = "downloadPain001",
    params(("batch_id" = String, Path, description = "Identificativo del lotto (UUID)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Bonifici SEPA pain.001.001.09", content_type = "application/xml", body = String),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn download_pain001(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(batch_id): Path<String>,
) -> Result<Response, ApiError> {
    let office = state.services.office_scope(&principal)?;
    let xml = state
        .services
        .payment_batch_pain001(&office, &batch_id)
        .await?;
    let disposition = format!("attachment; filename=\"pain001-{batch_id}.xml\"");
    let mut r = (StatusCode::OK, xml).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Mark a batch paid once the bank has executed it (operators).
///
/// Its records become `paid`; the employer sees it on the records.
#[utoipa::path(post, path = "/api/v1/payment-batches/{batch_id}/paid", tag = "payments", operation_id = "markPaymentBatchPaid",
    params(("batch_id" = String, Path, description = "Identificativo del lotto (UUID)")),
    security(("bearer" = [])),
    responses((status = 200, description = "Lotto pagato", body = PaymentBatchView),
        (status = 403, description = "Riservato agli operatori di sede", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Lotto già pagato", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn mark_paid(
    State(state): State<AppState>,
    ApiCaller(principal): ApiCaller,
    Path(batch_id): Path<String>,
) -> Result<Json<PaymentBatchView>, ApiError> {
    let office = state.services.office_scope(&principal)?;
    Ok(Json(
        state.services.mark_batch_paid(&office, &batch_id).await?,
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit_flow, list_flows))
        .routes(routes!(get_flow))
        .routes(routes!(list_flow_records))
        .routes(routes!(delete_flow_record))
        .routes(routes!(create_batch, list_batches))
        .routes(routes!(get_batch))
        .routes(routes!(download_pain001))
        .routes(routes!(mark_paid))
}
