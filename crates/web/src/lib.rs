//! HTTP layer: HTML pages (askama + Bootstrap Italia), the JSON API under `/api/v1`
//! with its OpenAPI document, authentication, CSRF and operations endpoints.
//!
//! Handlers never see sqlx: they call `omnia_services`, whose functions take typed
//! capabilities (`EmployerScope`, `OfficeScope`, `AdminScope`) so a forgotten
//! permission check does not compile.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
mod ops;
pub mod pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use omnia_services::Services;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use ops::install_metrics_recorder;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Serve cookies with `Secure` and the `__Host-` prefix (set when behind TLS).
    pub secure_cookies: bool,
    /// Largest accepted request body for ordinary endpoints, in bytes.
    pub body_limit: usize,
    /// Time allowed to answer an ordinary request.
    pub request_timeout: Duration,
    /// Largest accepted flow upload (`POST /api/v1/flows`), in bytes (`OMNIA_FLOW_MAX_BYTES`).
    pub flow_max_bytes: u64,
    /// Time allowed for a flow upload: receiving, checking and storing a large file.
    pub upload_timeout: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            body_limit: 256 * 1024,
            request_timeout: Duration::from_secs(30),
            flow_max_bytes: omnia_services::flows::DEFAULT_FLOW_MAX_BYTES,
            upload_timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub config: Arc<WebConfig>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// The OpenAPI document, rendered once at start-up.
    pub openapi_json: Arc<String>,
}

impl AppState {
    pub fn new(
        services: Services,
        config: WebConfig,
        metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    ) -> Self {
        let (_, doc) = api::router();
        Self {
            services,
            config: Arc::new(config),
            metrics,
            openapi_json: Arc::new(
                doc.to_pretty_json()
                    .expect("the OpenAPI document serialises"),
            ),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_routes, _) = api::router();
    let api = Router::new()
        .merge(api_routes)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(ops::openapi_json),
        )
        .layer(axum::middleware::from_fn(ops::problem_for_bare_errors));

    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];

    let mut router = Router::new()
        .merge(pages::router())
        .merge(api)
        .merge(assets::router())
        .merge(ops::router())
        .fallback(pages::fallback)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            route_timeout,
        ));
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    let request_id = HeaderName::from_static("x-request-id");
    router
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError::Internal.into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(ops::make_span))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Per-route time limit: flow uploads get [`WebConfig::upload_timeout`], everything else
/// [`WebConfig::request_timeout`]; past it the answer is 503.
async fn route_timeout(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = if api::is_upload(req.method(), req.uri().path()) {
        state.config.upload_timeout
    } else {
        state.config.request_timeout
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
