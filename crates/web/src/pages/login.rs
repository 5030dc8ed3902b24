//! Login and logout pages.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use omnia_services::{ServiceError, SessionKind};
use serde::Deserialize;

use super::layout::Lang;
use super::{PageContext, render};
use crate::AppState;
use crate::auth::{
    LOGIN_CSRF_COOKIE, MaybeWebUser, PageRejection, WebUser, constant_time_eq, cookie,
    random_token, same_origin, session_cookie_name, set_cookie,
};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageContext,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    next: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    scaduta: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf_token: String,
    #[serde(default)]
    next: String,
}

/// Only local paths: an open redirect would let a phishing link use our login page.
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn login_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    next: String,
) -> Response {
    let token = random_token();
    let mut response = render(
        status,
        &LoginPage {
            ctx: PageContext {
                csrf_token: token.clone(),
                lang,
                ..PageContext::default()
            },
            username,
            error,
            notice,
            next,
        },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.config.secure_cookies),
    );
    response
}

pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    MaybeWebUser(user): MaybeWebUser,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    if user.is_some() {
        return Redirect::to(&next).into_response();
    }
    let notice = q
        .scaduta
        .map(|_| "La sessione è scaduta o non è attiva: accedere per continuare.".to_owned());
    login_page(
        &state,
        lang,
        StatusCode::OK,
        String::new(),
        None,
        notice,
        next,
    )
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    MaybeWebUser(previous): MaybeWebUser,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(&form.next);
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty()
        || !constant_time_eq(expected, &form.csrf_token)
        || !same_origin(&headers)
    {
        return login_page(
            &state,
            lang,
            StatusCode::FORBIDDEN,
            form.username,
            Some("Il modulo di accesso è scaduto: riprovare.".into()),
            None,
            next,
        );
    }
    let principal = match state
        .services
        .authenticate(&form.username, &form.password)
        .await
    {
        Ok(p) => p,
        Err(ServiceError::InvalidCredentials) => {
            return login_page(
                &state,
                lang,
                StatusCode::UNAUTHORIZED,
                form.username,
                Some("Nome utente o password non corretti.".into()),
                None,
                next,
            );
        }
        Err(e) => {
            tracing::error!(error = ?e, "login failed");
            return PageRejection::Internal.into_response();
        }
    };
    // A login always starts a new session: the old id (if any) dies here.
    if let Some(old) = previous {
        let _ = state.services.close_session(&old.token).await;
    }
    let session = match state
        .services
        .open_session(&principal, SessionKind::Web)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = ?e, "cannot open session");
            return PageRejection::Internal.into_response();
        }
    };
    let max_age = (session.expires_at - chrono::Utc::now())
        .num_seconds()
        .max(60);
    let secure = state.config.secure_cookies;
    let mut response = Redirect::to(&next).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(secure), &session.token, max_age, secure),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
    );
    response
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf_token: String,
}

pub async fn logout(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageRejection> {
    user.check_form(&headers, &form.csrf_token)?;
    state
        .services
        .close_session(&user.token)
        .await
        .map_err(|_| PageRejection::Internal)?;
    let secure = state.config.secure_cookies;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(secure), "", 0, secure),
    );
    Ok(response)
}
