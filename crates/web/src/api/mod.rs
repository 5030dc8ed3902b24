//! The JSON API under `/api/v1`, and its OpenAPI document generated from the handlers.

mod admin;
mod applications;
mod conguaglio;
mod drafts;
mod employers;
mod flows;
mod reference;
mod sessions;
mod simulations;
mod status;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::{ApiError, PROBLEM_JSON, Problem};

/// Base path of this version of the API.
pub const BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OMNIA IS — Integrazioni salariali",
        version = "1.0.0",
        description = "API della piattaforma unica delle integrazioni salariali: domande di CIGO, \
                       assegno di integrazione salariale (FIS e fondi di solidarietà) e CISOA, \
                       istruttoria e decisione. Errori in `application/problem+json` (RFC 9457). \
                       Autenticazione con token `Bearer` ottenuto da `POST /api/v1/sessions`.",
        contact(name = "OMNIA IS", email = "omnia@example.it", url = "https://omnia.example.it"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
        terms_of_service = "https://omnia.example.it/termini"
    ),
    components(schemas(Problem)),
    tags(
        (name = "sessions", description = "Autenticazione"),
        (name = "employers", description = "Anagrafica dei datori di lavoro accessibili"),
        (name = "applications", description = "Domande di integrazione salariale"),
        (name = "office", description = "Istruttoria della sede INPS"),
        (name = "flows", description = "Flussi per il pagamento diretto: invio, esiti, importi, eliminazione"),
        (name = "payments", description = "Lotti di pagamento SEPA della sede"),
        (name = "conguaglio", description = "Conguaglio: dichiarazioni di fruito per unità produttiva (FIS e fondi)"),
        (name = "simulations", description = "Simulatore delle regole (calcolo puro, nulla viene memorizzato)"),
        (name = "status", description = "Stato del servizio"),
        (name = "admin", description = "Amministrazione: registro di audit"),
    )
)]
struct ApiDoc;

/// House conventions applied to every operation, so handlers only declare their
/// success answers: servers, the bearer scheme, and the standard problem answers.
struct Conventions;

impl Conventions {
    /// Applied once every route is registered (a `Modify` runs before the routes are merged).
    fn apply(doc: &mut utoipa::openapi::OpenApi) {
        doc.info.extensions = Some(
            ExtensionsBuilder::new()
                .add(
                    "x-summary",
                    "Domande, istruttoria e decisioni delle integrazioni salariali",
                )
                .add("x-api-id", "omnia-is-v1")
                .build(),
        );
        // Paths are published relative to the versioned base, as the national
        // guidelines expect (`/status`, not `/api/v1/status`).
        let paths = std::mem::take(&mut doc.paths.paths);
        doc.paths.paths = paths
            .into_iter()
            .map(|(path, item)| {
                let relative = path.strip_prefix(BASE).unwrap_or(&path).to_owned();
                (relative, item)
            })
            .collect();
        doc.servers = Some(vec![
            ServerBuilder::new()
                .url(format!("https://omnia.example.it{BASE}"))
                .description(Some("Produzione (dietro il terminatore TLS)"))
                .build(),
        ]);
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let standard = [
            (
                "400",
                "Corpo della richiesta non valido (sintassi JSON, campi sconosciuti, tipi)",
            ),
            ("401", "Autenticazione assente, scaduta o non valida"),
            ("404", "Risorsa inesistente o non accessibile all'utente"),
            (
                "409",
                "La risorsa non è nello stato richiesto dall'operazione",
            ),
            ("413", "Richiesta troppo grande"),
            ("415", "Tipo di contenuto non supportato"),
            (
                "422",
                "Dati non validi: ogni errore indica il campo con un JSON pointer",
            ),
            ("500", "Errore interno"),
            ("503", "Servizio temporaneamente non disponibile"),
        ];
        for (code, description) in standard {
            components.responses.insert(
                code.to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            PROBLEM_JSON,
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            // State transitions can find the resource in another state.
            let transition = ["/submission", "/withdrawal", "/decision"]
                .iter()
                .any(|t| path.ends_with(t));
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let has_body = op.request_body.is_some();
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut codes = vec!["500", "503"];
                if has_body {
                    codes.extend(["400", "413", "415", "422"]);
                }
                if secured {
                    codes.extend(["401", "404"]);
                }
                if transition {
                    codes.push("409");
                }
                for code in codes {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| {
                            RefOr::Ref(Ref::new(format!("#/components/responses/{code}")))
                        });
                }
            }
        }
    }
}

/// The API routes, with the OpenAPI document they describe.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(status::router())
        .merge(sessions::router())
        .merge(employers::router())
        .merge(applications::router())
        .merge(drafts::router())
        .merge(admin::router())
        .merge(reference::router())
        .merge(simulations::router())
        .merge(flows::router())
        .merge(conguaglio::router())
        .split_for_parts();
    Conventions::apply(&mut doc);
    (router, doc)
}

/// Whether a request is a (long, streaming) upload with its own size and time limits.
pub fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    // `/flussi/invio` is the web page's upload of the same flows.
    method == axum::http::Method::POST && (flows::is_upload_path(path) || path == "/flussi/invio")
}

/// `axum::Json` whose rejections are problem+json with a specific message.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
                JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge
                }
                JsonRejection::JsonDataError(e) => ApiError::MalformedBody(e.body_text()),
                JsonRejection::JsonSyntaxError(e) => ApiError::MalformedBody(e.body_text()),
                other => ApiError::MalformedBody(other.body_text()),
            }),
        }
    }
}

/// A JSON answer with a status other than 200.
pub fn json_with_status<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

/// `201 Created` with the JSON of what was created and its `Location` (left out in the
/// impossible case of a path that is not a valid header value).
pub fn created<T: serde::Serialize>(value: &T, location: &str) -> Response {
    let mut r = json_with_status(StatusCode::CREATED, value);
    if let Ok(v) = axum::http::HeaderValue::from_str(location) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}
