//! Embedded static assets (Bootstrap Italia, htmx, Swagger UI, our own CSS/JS) served under `/static`.
//!
//! `build.rs` installs the npm packages pinned by `frontend/package-lock.json` and embeds only the
//! files the pages use. Templates reference them through [`url`], which returns a versioned URL
//! `/static/<hash>/<path>`: the hash changes whenever any asset changes, so those responses are
//! cached for a year (`immutable`). The unversioned `/static/<path>` also works, revalidated by ETag.
//!
//! Everything here runs under a strict Content-Security-Policy (see [`CONTENT_SECURITY_POLICY`]):
//! no inline script or style anywhere; the Swagger UI initializer is a separate file.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

pub use generated::ASSET_HASH;

/// The Content-Security-Policy the HTML pages (and `/api/docs`) work under.
///
/// `style-src` needs no `'unsafe-inline'`: Bootstrap Italia, Popper and Swagger UI set styles through
/// the CSSOM (`element.style`), which CSP does not restrict; the inline `<style>` elements that
/// Bootstrap Italia's font loader and htmx would inject are replaced by `omnia.css` and switched off
/// by the `htmx-config` meta tag. Bootstrap Italia's JavaScript is its plain build with Popper, not
/// the "bundle" (whose video.js injects `<style>` elements at start-up). `img-src data:` is for the
/// small SVG icons Bootstrap Italia's and Swagger UI's CSS embed as data URLs; the one data: font
/// (video.js icons) is stripped from the stylesheet at build time.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
base-uri 'none'; object-src 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Every embedded asset: `(path, content type, etag, bytes)`, sorted by path.
pub fn all() -> &'static [(&'static str, &'static str, &'static str, &'static [u8])] {
    generated::ASSETS
}

fn find(path: &str) -> Option<&'static (&'static str, &'static str, &'static str, &'static [u8])> {
    let assets = generated::ASSETS;
    assets
        .binary_search_by(|(p, ..)| (*p).cmp(path))
        .ok()
        .map(|i| &assets[i])
}

/// Versioned URL of an embedded asset, e.g. `url("omnia/omnia.css")` →
/// `/static/1a2b3c4d/omnia/omnia.css`. An unknown path (a bug) yields an unversioned URL
/// that answers 404, and a warning in the log.
pub fn url(path: &str) -> &'static str {
    static URLS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    let urls = URLS.get_or_init(|| {
        generated::ASSETS
            .iter()
            .map(|(p, ..)| (*p, format!("/static/{ASSET_HASH}/{p}")))
            .collect()
    });
    match urls.get(path) {
        Some(url) => url.as_str(),
        None => {
            tracing::warn!(asset = path, "unknown static asset referenced");
            "/static/unknown-asset"
        }
    }
}

/// Routes: `GET /static/{*path}` (embedded assets) and `GET /api/docs` (Swagger UI).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/static/{*path}", get(serve))
        .route("/api/docs", get(api_docs))
}

async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let (path, cache) = match path.split_once('/') {
        Some((hash, rest)) if hash == ASSET_HASH => (rest, IMMUTABLE),
        _ => (path.as_str(), REVALIDATE),
    };
    let Some(&(_, content_type, etag, bytes)) = find(path) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Risorsa non trovata",
        )
            .into_response();
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (header::ETAG, HeaderValue::from_static(etag)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if not_modified {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response()
}

/// `GET /api/docs`: Swagger UI over `/api/v1/openapi.json`, with no inline script or style.
pub async fn api_docs() -> impl IntoResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| {
        format!(
            r#"<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API — OMNIA IS</title>
<link rel="icon" href="{favicon}" type="image/svg+xml">
<link rel="stylesheet" href="{swagger_css}">
<link rel="stylesheet" href="{omnia_css}">
</head>
<body>
<header class="omnia-api-docs-header">
<h1>API di OMNIA IS</h1>
<p><a href="/">OMNIA IS — Integrazioni salariali</a> · documento <a href="/api/v1/openapi.json">OpenAPI 3</a></p>
</header>
<div id="swagger-ui"><p>Caricamento della documentazione…</p></div>
<script src="{swagger_js}"></script>
<script src="{init_js}"></script>
</body>
</html>
"#,
            favicon = url("omnia/favicon.svg"),
            swagger_css = url("swagger-ui/swagger-ui.css"),
            omnia_css = url("omnia/omnia.css"),
            swagger_js = url("swagger-ui/swagger-ui-bundle.js"),
            init_js = url("omnia/swagger-init.js"),
        )
    });
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        )],
        Html(page.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_lean() {
        let assets = all();
        assert!(assets.windows(2).all(|w| w[0].0 < w[1].0));
        let total: usize = assets.iter().map(|a| a.3.len()).sum();
        assert!(
            total < 6 * 1024 * 1024,
            "embedded assets grew to {total} bytes"
        );
    }

    #[test]
    fn versioned_urls() {
        let css = url("bootstrap-italia/css/bootstrap-italia.min.css");
        assert_eq!(
            css,
            format!("/static/{ASSET_HASH}/bootstrap-italia/css/bootstrap-italia.min.css")
        );
        assert!(find("omnia/omnia.css").is_some());
        assert!(find("htmx/htmx.min.js").is_some());
        assert!(find("bootstrap-italia/svg/sprites.svg").is_some());
        assert_eq!(url("nope.css"), "/static/unknown-asset");
    }

    #[test]
    fn no_data_fonts_left_for_the_csp_to_refuse() {
        let (_, _, _, css) = find("bootstrap-italia/css/bootstrap-italia.min.css").unwrap();
        let css = String::from_utf8_lossy(css);
        assert!(css.len() > 100_000);
        assert!(!css.contains("url(data:application/font-woff"));
    }

    #[test]
    fn omnia_css_fonts_exist() {
        let (_, _, _, css) = find("omnia/omnia.css").unwrap();
        let css = std::str::from_utf8(css).unwrap();
        for part in css.split("url(\"../").skip(1) {
            let target = part.split('"').next().unwrap();
            assert!(
                find(target).is_some(),
                "omnia.css references missing {target}"
            );
        }
    }
}

#[cfg(test)]
mod layout_tests {
    use askama::Template;

    use crate::pages::PageContext;
    use crate::pages::layout::UserBadge;

    #[derive(Template)]
    #[template(
        ext = "html",
        source = r#"{% extends "base.html" %}{% import "partials/forms.html" as forms %}
{% block title %}Prova{% endblock %}
{% block content %}<h1>Prova</h1>
<form method="post" action="/x">{% call forms::csrf(ctx.csrf_token) %}{% endcall %}
{% call forms::input("data_fine", "Data di fine", "date", data_fine, error) %}{% endcall %}
{% call forms::textarea("motivazione", "Motivazione", "", None::<String>) %}{% endcall %}
<input class="form-control" id="ore" name="ore"{% call forms::invalid_attrs("ore", error) %}{% endcall %}>{% call forms::field_error("ore", error) %}{% endcall %}
</form>{% endblock %}"#
    )]
    struct Page {
        ctx: PageContext,
        data_fine: String,
        error: Option<String>,
    }

    fn ctx(user: bool) -> PageContext {
        PageContext {
            user: user.then(|| UserBadge {
                display_name: "Mario <Rossi>".into(),
                role_label: "Intermediario".into(),
            }),
            csrf_token: "tok123".into(),
            lang: crate::pages::layout::Lang::It,
            nav: "domande",
            flash: Some("Domanda salvata".into()),
            is_operator: false,
            is_applicant: true,
            is_admin: false,
        }
    }

    #[test]
    fn base_layout_renders_header_nav_and_errors() {
        let html = Page {
            ctx: ctx(true),
            data_fine: "2026-01-01".into(),
            error: Some("La data di fine precede quella di inizio".into()),
        }
        .render()
        .unwrap();
        assert!(html.contains(r#"<html lang="it">"#));
        assert!(html.contains("<title>Prova — OMNIA IS</title>"));
        assert!(html.contains("Mario &#60;Rossi&#62;") || html.contains("Mario &lt;Rossi&gt;"));
        assert!(html.contains(r#"action="/logout""#));
        assert!(html.contains(r#"name="csrf_token" value="tok123""#));
        assert!(html.contains(r#"href="/domande" aria-current="page""#));
        assert!(!html.contains(r#"href="/istruttoria""#));
        assert!(html.contains(r#"aria-describedby="data_fine-error""#));
        assert!(html.contains(r#"id="data_fine-error""#));
        assert!(html.contains(r#"aria-describedby="ore-error""#));
        assert!(html.contains("Domanda salvata"));
        assert!(html.contains(&format!("/static/{}/", super::ASSET_HASH)));
        assert!(!html.contains("style="), "inline styles break the CSP");
        assert_eq!(html.matches("<h1").count(), 1);
    }

    #[test]
    fn anonymous_layout_offers_login() {
        let html = Page {
            ctx: PageContext {
                user: None,
                flash: None,
                ..ctx(false)
            },
            data_fine: String::new(),
            error: None,
        }
        .render()
        .unwrap();
        assert!(html.contains(r#"href="/login""#));
        assert!(!html.contains("/logout"));
        assert!(!html.contains("aria-invalid"));
    }
}
