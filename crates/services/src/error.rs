use serde::Serialize;

/// One problem with one input field. `pointer` addresses the JSON input (RFC 6901),
/// `field` the HTML form field, so both the API and the pages can show it in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer into the request body, e.g. `/workers/0/hours`.
    pub pointer: String,
    /// Name of the form field, e.g. `data_fine`, `ore_17`.
    pub field: String,
    /// Stable machine-readable code, e.g. `period_too_long`.
    pub code: &'static str,
    pub message_it: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(
        pointer: impl Into<String>,
        field: impl Into<String>,
        code: &'static str,
        message_it: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            pointer: pointer.into(),
            field: field.into(),
            code,
            message_it: message_it.into(),
            message_en: message_en.into(),
        }
    }
}

/// What can go wrong in a use case. The web layer maps each variant to one status and one
/// problem `type`; `Internal` details are logged, never shown.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// Does not exist, or belongs to someone the principal may not see (never distinguished).
    #[error("not found")]
    NotFound,
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The role cannot do this at all (e.g. an employer user asking for the office queue).
    #[error("forbidden")]
    Forbidden,
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        message_it: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn conflict(code: &'static str, message_it: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            message_it: message_it.into(),
        }
    }

    pub fn field(e: FieldError) -> Self {
        ServiceError::Validation(vec![e])
    }
}

impl From<omnia_store::Error> for ServiceError {
    fn from(e: omnia_store::Error) -> Self {
        tracing::error!(error = %e, "store error");
        ServiceError::Internal(e.to_string())
    }
}
