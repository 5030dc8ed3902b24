//! Errors as RFC 9457 `application/problem+json`, one stable `type` per kind of error.
//!
//! Every API failure goes through [`ApiError`]; the page handlers render their own
//! messages next to the fields but reuse the same classification.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnia_services::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of every error answer of the API.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A field-level error inside a validation problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// JSON pointer (RFC 6901) to the offending member of the request body.
    #[schema(example = "/end")]
    pub pointer: String,
    /// Stable machine-readable code of the error.
    #[schema(example = "end_before_start")]
    pub code: String,
    /// Human-readable explanation, in Italian.
    #[schema(example = "La data di fine precede la data di inizio.")]
    pub detail: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference identifying the kind of problem; stable, documented in `docs/API.md`.
    #[schema(example = "/problems/validation")]
    pub r#type: String,
    /// Short summary of the kind of problem.
    #[schema(example = "Dati non validi")]
    pub title: String,
    /// HTTP status code.
    #[schema(format = Int32, example = 422)]
    pub status: u16,
    /// Explanation specific to this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Field errors, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldProblem>,
}

/// Everything an API handler can fail with.
#[derive(Debug)]
pub enum ApiError {
    NotFound,
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    Validation(Vec<FieldProblem>),
    /// The request body is not acceptable JSON (syntax, unknown field, wrong type).
    MalformedBody(String),
    Conflict {
        code: &'static str,
        detail: String,
    },
    PayloadTooLarge,
    UnsupportedMediaType,
    Internal,
    /// A dependency (the database) does not answer.
    Unavailable,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found", "Risorsa non trovata"),
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Autenticazione richiesta",
            ),
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Credenziali non valide",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Operazione non consentita",
            ),
            Self::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Dati non validi",
            ),
            Self::MalformedBody(_) => (
                StatusCode::BAD_REQUEST,
                "malformed-body",
                "Corpo della richiesta non valido",
            ),
            Self::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflitto di stato"),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Richiesta troppo grande",
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Tipo di contenuto non supportato",
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Servizio non disponibile",
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Errore interno",
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let (detail, errors) = match self {
            Self::Validation(errors) => (
                Some("Uno o più campi non sono validi: vedere `errors`.".to_owned()),
                errors.clone(),
            ),
            Self::MalformedBody(d) => (Some(d.clone()), Vec::new()),
            Self::Conflict { code, detail } => (Some(format!("{detail} ({code})")), Vec::new()),
            Self::Unauthenticated => (
                Some("Sessione assente o scaduta: autenticarsi con POST /api/v1/sessions.".into()),
                Vec::new(),
            ),
            _ => (None, Vec::new()),
        };
        Problem {
            r#type: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// Serialises a problem with the right media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(&self.problem())
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::NotFound,
            ServiceError::InvalidCredentials => Self::InvalidCredentials,
            ServiceError::Forbidden => Self::Forbidden,
            ServiceError::Validation(errors) => Self::Validation(
                errors
                    .into_iter()
                    .map(|f| FieldProblem {
                        pointer: f.pointer,
                        code: f.code.to_string(),
                        detail: f.message_it,
                    })
                    .collect(),
            ),
            ServiceError::Conflict { code, message_it } => Self::Conflict {
                code,
                detail: message_it,
            },
            ServiceError::Internal(message) => {
                tracing::error!(%message, "internal error");
                Self::Internal
            }
        }
    }
}
