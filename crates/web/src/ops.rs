//! Operations: `/healthz`, `/readyz`, `/metrics`, request metrics and spans, and the
//! safety net that turns any bare error of the API into problem+json.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;
use crate::error::{PROBLEM_JSON, Problem, problem_response};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Installs the process-wide Prometheus recorder (once per process).
pub fn install_metrics_recorder() -> Option<PrometheusHandle> {
    PrometheusBuilder::new().install_recorder().ok()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.services.db().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "metrics disabled").into_response(),
    }
}

pub async fn openapi_json(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.as_str().to_owned(),
    )
        .into_response()
}

/// Counts requests and their duration by route template (never by raw path: ids
/// would explode the cardinality and leak identifiers into metrics).
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("omnia_http_requests_total", &labels).increment(1);
    metrics::histogram!("omnia_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Span of a request: method, route template and request id; no query strings or
/// bodies, which may carry personal data.
pub fn make_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or("unmatched");
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", method = %req.method(), route, request_id)
}

/// Errors produced outside our handlers (path parsing, unknown methods, body limits,
/// timeouts) come as plain text; the API promises problem+json for every error.
pub async fn problem_for_bare_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let (slug, title) = match status {
        StatusCode::NOT_FOUND => ("not-found", "Risorsa non trovata"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Metodo non consentito"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", "Richiesta troppo grande"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "Tipo di contenuto non supportato")
        }
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
            ("unavailable", "Servizio non disponibile")
        }
        s if s.is_server_error() => ("internal", "Errore interno"),
        _ => ("bad-request", "Richiesta non valida"),
    };
    let detail = if status.is_client_error() {
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        (!text.is_empty()).then_some(text)
    } else {
        None
    };
    let mut out = problem_response(&Problem {
        r#type: format!("/problems/{slug}"),
        title: title.into(),
        status: status.as_u16(),
        detail,
        errors: Vec::new(),
    });
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}
