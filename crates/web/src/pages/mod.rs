//! Server-rendered pages. Every page template extends `templates/base.html`
//! and carries a [`PageContext`] in a field named `ctx`.
//!
//! Every form works without JavaScript (POST, then redirect); errors are shown next
//! to the field they concern and what the user typed is kept.

mod admin;
mod applications;
mod flows;
pub mod i18n;
pub mod layout;
mod login;
mod wizard;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
pub use layout::PageContext;
use omnia_services::Role;

use crate::AppState;
use crate::auth::{MaybeWebUser, WebUser};
use layout::UserBadge;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lingua", get(switch_language))
        .route("/domande", get(applications::list))
        .route("/domande/nuova", get(applications::new_form))
        .route("/domande/{id}", get(applications::detail))
        .route("/domande/{id}/invio", post(applications::submit))
        .route("/domande/bozze", post(wizard::start))
        .route(
            "/domande/{id}/compila/richiesta",
            get(wizard::request_form).post(wizard::request_save),
        )
        .route(
            "/domande/{id}/compila/lavoratori",
            get(wizard::workers_form).post(wizard::workers_save),
        )
        .route(
            "/domande/{id}/compila/dichiarazioni",
            get(wizard::declarations_form).post(wizard::declarations_save),
        )
        .route(
            "/domande/{id}/compila/forza",
            get(wizard::headcount_form).post(wizard::headcount_save),
        )
        .route(
            "/domande/{id}/compila/relazione",
            get(wizard::report_form).post(wizard::report_save),
        )
        .route(
            "/domande/{id}/compila/indicatori",
            get(wizard::indicators_form).post(wizard::indicators_save),
        )
        .route(
            "/domande/{id}/relazione-pdf",
            post(wizard::report_pdf_upload),
        )
        .route(
            "/domande/{id}/relazione.pdf",
            get(wizard::report_pdf_download),
        )
        .route("/domande/{id}/compila/riepilogo", get(wizard::review))
        .route("/domande/{id}/lavoratori-csv", post(wizard::workers_csv))
        .route("/domande/{id}/ricevuta.pdf", get(wizard::receipt))
        .route("/domande/{id}/anteprima", get(wizard::preview))
        .route("/domande/{id}/duplica", post(wizard::duplicate))
        .route("/domande/{id}/ritiro", post(applications::withdraw))
        .route("/domande/{id}/decisione", post(applications::decide))
        .route("/istruttoria", get(applications::queue))
        .route("/flussi", get(flows::list))
        .route(
            "/flussi/invio",
            // The flow has its own size limit (`flow_max_bytes`), enforced while it streams.
            get(flows::upload_form)
                .post(flows::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/flussi/{id}", get(flows::detail))
        .route(
            "/flussi/{id}/record/{rid}/elimina",
            get(flows::delete_form).post(flows::delete),
        )
        .route("/pagamenti", get(flows::batches).post(flows::create_batch))
        .route("/pagamenti/{id}", get(flows::batch))
        .route("/pagamenti/{id}/pain001.xml", get(flows::pain001))
        .route("/pagamenti/{id}/pagato", post(flows::mark_paid))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/utenti", get(admin::users))
}

/// The layout data for a signed-in user.
pub fn context(user: &WebUser, nav: &'static str) -> PageContext {
    let role = user.principal.role;
    PageContext {
        user: Some(UserBadge {
            display_name: user.principal.display_name.clone(),
            role_label: role.label_it().to_owned(),
        }),
        csrf_token: user.csrf_token.clone(),
        lang: user.lang,
        nav,
        flash: None,
        is_operator: role == Role::Operator,
        is_applicant: matches!(role, Role::EmployerUser | Role::Intermediary),
        is_admin: role == Role::Administrator,
    }
}

/// Renders a template, or a plain error page if rendering fails.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Errore interno").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: PageContext,
    title: &'a str,
    message: &'a str,
}

/// A page that only says what went wrong (no data of anyone).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            ctx: PageContext::default(),
            title,
            message,
        },
    )
}

/// The page for a service error: another tenant's resource looks exactly like a missing
/// one; anything unexpected is logged and shown as an internal error, without details.
pub fn service_error_page(e: omnia_services::ServiceError) -> Response {
    use omnia_services::ServiceError;
    match e {
        ServiceError::NotFound | ServiceError::Forbidden => not_found_page(),
        other => {
            tracing::error!(error = ?other, "page failed");
            crate::auth::PageRejection::Internal.into_response()
        }
    }
}

/// An application id from a path segment (anything else is "not found").
pub fn application_id(id: &str) -> Option<omnia_services::ApplicationId> {
    uuid::Uuid::parse_str(id)
        .ok()
        .map(omnia_services::ApplicationId)
}

pub fn not_found_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Pagina non trovata",
        "La pagina richiesta non esiste o non è accessibile con l'utenza in uso.",
    )
}

/// Unknown paths: a problem+json under `/api/`, a page elsewhere.
pub async fn fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::NotFound.into_response();
    }
    not_found().await
}

pub async fn not_found() -> Response {
    not_found_page()
}

/// Percent-encodes a value for a query string.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageContext,
    role_label: String,
}

async fn home(MaybeWebUser(user): MaybeWebUser) -> Response {
    let Some(user) = user else {
        return Redirect::to("/login").into_response();
    };
    match user.principal.role {
        Role::EmployerUser | Role::Intermediary => Redirect::to("/domande").into_response(),
        Role::Operator => Redirect::to("/istruttoria").into_response(),
        Role::Administrator => render(
            StatusCode::OK,
            &HomePage {
                ctx: context(&user, "home"),
                role_label: user.principal.role.label_it().to_owned(),
            },
        ),
    }
}

#[derive(serde::Deserialize)]
pub struct LanguageQuery {
    l: String,
    next: Option<String>,
}

/// `GET /lingua?l=en&next=/domande`: remembers the language and goes back.
async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(q): axum::extract::Query<LanguageQuery>,
) -> Response {
    let lang = i18n::Lang::from_code(&q.l).unwrap_or_default();
    // Back to the page the switch was clicked on (its path only: never another site).
    let referer_path = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()));
    let next = login::safe_next(q.next.as_deref().or(referer_path.as_deref()).unwrap_or("/"));
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        axum::http::header::SET_COOKIE,
        crate::auth::set_cookie(
            i18n::LANG_COOKIE,
            lang.code(),
            365 * 24 * 3600,
            state.config.secure_cookies,
        ),
    );
    response
}
