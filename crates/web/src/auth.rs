//! Who is calling: bearer tokens for the API, a session cookie for the pages,
//! and the CSRF checks of state-changing forms.
//!
//! Both kinds of credential are opaque random tokens whose SHA-256 is stored by
//! `omnia_services`; a login always issues a fresh token, so the session id rotates.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use omnia_services::{Principal, SessionKind};

use crate::AppState;
use crate::error::ApiError;

/// Cookie carrying the page session when served over plain HTTP (development).
const SESSION_COOKIE: &str = "omnia_session";
/// Over TLS the `__Host-` prefix pins the cookie to this host, path `/`, Secure.
const SESSION_COOKIE_SECURE: &str = "__Host-omnia_session";
/// Double-submit token protecting the login form, before any session exists.
pub const LOGIN_CSRF_COOKIE: &str = "omnia_login_csrf";

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SESSION_COOKIE_SECURE
    } else {
        SESSION_COOKIE
    }
}

/// Value of one cookie of the request, if present.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` header value with the attributes every cookie of ours carries.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie names and tokens are ASCII")
}

/// A random token for CSRF double-submit cookies.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Rejects cross-site form posts: when the browser says where the request comes
/// from (`Origin`), it must be this host. Complements the per-session token.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority == host)
}

/// The authenticated caller of an API endpoint (`Authorization: Bearer <token>`).
pub struct ApiCaller(pub Principal);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        match state
            .services
            .resolve_session(token, SessionKind::Api)
            .await?
        {
            Some(ctx) => Ok(Self(ctx.principal)),
            None => Err(ApiError::Unauthenticated),
        }
    }
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The signed-in user of a page.
#[derive(Clone)]
pub struct WebUser {
    pub principal: Principal,
    pub csrf_token: String,
    pub token: String,
    /// The language the visitor chose (Italian unless they switched).
    pub lang: crate::pages::layout::Lang,
}

impl WebUser {
    /// Checks a state-changing form: posted from this site (`Origin`) and carrying this
    /// session's hidden `csrf_token`.
    pub fn check_form(&self, headers: &HeaderMap, submitted: &str) -> Result<(), PageRejection> {
        if same_origin(headers) && constant_time_eq(submitted, &self.csrf_token) {
            Ok(())
        } else {
            Err(PageRejection::Csrf)
        }
    }
}

/// Why a page cannot be served to this visitor.
pub enum PageRejection {
    /// Not signed in, or the session expired: go to the login page, then come back.
    Login {
        next: String,
    },
    /// A form without a valid CSRF token or posted from another site.
    Csrf,
    Internal,
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Login { next } => {
                let next = crate::pages::encode_query_value(&next);
                Redirect::to(&format!("/login?scaduta=1&next={next}")).into_response()
            }
            Self::Csrf => crate::pages::error_page(
                axum::http::StatusCode::FORBIDDEN,
                "Richiesta non valida",
                "Il modulo è scaduto o non proviene da questo sito. Ricaricare la pagina e riprovare.",
            ),
            Self::Internal => crate::pages::error_page(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Errore interno",
                "Si è verificato un errore imprevisto. Riprovare più tardi.",
            ),
        }
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let login = || PageRejection::Login {
            next: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        };
        let Some(token) = cookie(
            &parts.headers,
            session_cookie_name(state.config.secure_cookies),
        ) else {
            return Err(login());
        };
        match state
            .services
            .resolve_session(token, SessionKind::Web)
            .await
        {
            Ok(Some(ctx)) => Ok(Self {
                principal: ctx.principal,
                csrf_token: ctx.csrf_token,
                token: token.to_owned(),
                lang: crate::pages::layout::Lang::from_headers(&parts.headers),
            }),
            Ok(None) => Err(login()),
            Err(e) => {
                tracing::error!(error = ?e, "session lookup failed");
                Err(PageRejection::Internal)
            }
        }
    }
}

/// A visitor who may or may not be signed in.
pub struct MaybeWebUser(pub Option<WebUser>);

impl FromRequestParts<AppState> for MaybeWebUser {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match WebUser::from_request_parts(parts, state).await {
            Ok(user) => Ok(Self(Some(user))),
            Err(PageRejection::Login { .. }) => Ok(Self(None)),
            Err(e) => Err(e),
        }
    }
}
