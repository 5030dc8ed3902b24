//! The guided intake (issue 4): a draft is created as soon as employer and benefit are
//! chosen, then filled section by section — every save keeps what the user typed — and
//! submitted from the review, where forceable warnings are confirmed with a note.
//!
//! Sections: request, workers (with the CSV upload), technical report
//! (structured fields or PDF), indicators (per year or per quarter), declarations and the
//! review, and the headcount of the previous semester (pre-filled from the registry).

// The error side of these helpers is the page to show instead: a Response, returned at
// once by the handler; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::quantity::QuantityUnit;
use omnia_domain::reference::Reference;
use omnia_services::drafts::{
    DeclarationsSection, ImportMode, IndicatorsGranularity, IndicatorsSection, PaymentMode,
    ReportMode, ReportSection, RequestKind, RequestSection, StartDraft, SubmitInput, WorkerEntry,
    quantity_field,
};
use omnia_services::{
    ApplicationId, ApplicationState, ApplicationView, EmployerId, ServiceError, UnitId, WorkerId,
};
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::{counter_label, counter_unit};
use super::layout::Lang;
use super::{PageContext, application_id, context, error_page, render, service_error_page};
use crate::AppState;
use crate::auth::WebUser;

/// The steps of the wizard, in order: (path segment, Italian label).
const STEPS: [(&str, &str); 7] = [
    ("richiesta", "Richiesta"),
    ("lavoratori", "Lavoratori"),
    ("forza", "Forza aziendale"),
    ("relazione", "Relazione tecnica"),
    ("indicatori", "Indicatori"),
    ("dichiarazioni", "Dichiarazioni"),
    ("riepilogo", "Riepilogo e invio"),
];

struct Step {
    href: String,
    label: &'static str,
    current: bool,
}

/// What every wizard page shows above its section.
struct Header {
    id: String,
    /// Where the step's form posts (also its autosave).
    action: String,
    version: i64,
    employer: String,
    benefit: String,
    steps: Vec<Step>,
}

impl Header {
    fn new(view: &ApplicationView, current: &str, lang: Lang) -> Self {
        let id = view.id.0.to_string();
        Self {
            steps: STEPS
                .iter()
                .map(|(seg, label)| Step {
                    href: format!("/domande/{id}/compila/{seg}"),
                    label,
                    current: *seg == current,
                })
                .collect(),
            action: format!("/domande/{id}/compila/{current}"),
            id,
            version: view.version,
            employer: view.employer.name.clone(),
            benefit: lang
                .pick(view.benefit.label_it(), view.benefit.label_en())
                .to_owned(),
        }
    }
}

/// The draft, or the page that explains why it cannot be edited.
async fn editable_draft(
    state: &AppState,
    user: &WebUser,
    id: &str,
) -> Result<ApplicationView, Response> {
    let id = application_id(id).ok_or_else(|| service_error_page(ServiceError::NotFound))?;
    let view = state
        .services
        .application(&user.principal, id)
        .await
        .map_err(service_error_page)?;
    if view.state != ApplicationState::Draft || view.content.is_none() {
        return Err(Redirect::to(&format!("/domande/{}", view.id.0)).into_response());
    }
    Ok(view)
}

/// How a step form was posted, which decides the answer.
///
/// With JavaScript each step saves itself while the user types (htmx posts the form with
/// `salvataggio=automatico` after a pause or a change: [`Posted::Autosave`]), and the
/// buttons post through htmx too ([`Posted::Htmx`]). Both are queued on the form
/// (`hx-sync`), so a button pressed while an autosave is in flight waits for it and sends
/// the version that autosave returned, never a stale one (`concurrent_update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Posted {
    /// A plain form POST (no JavaScript): redirect after a save, the page on an error.
    Plain,
    /// A button through htmx: `HX-Redirect` after a save, the page for `#main` on an error.
    Htmx,
    /// The autosave: whatever parses is saved; the answer is the status line for
    /// `#salvataggio` with the new version (and on the request step the counters) out of
    /// band. It never answers with a page of errors: the buttons show those.
    Autosave,
}

impl Posted {
    fn of(headers: &HeaderMap, typed: &HashMap<String, String>) -> Self {
        if typed.get("salvataggio").map(String::as_str) == Some("automatico") {
            Self::Autosave
        } else if headers.get("hx-request").is_some_and(|v| v == "true") {
            Self::Htmx
        } else {
            Self::Plain
        }
    }

    fn autosave(self) -> bool {
        self == Self::Autosave
    }

    /// The step's page (with its errors) as the answer: through htmx it replaces the
    /// content of `<main>` (what the user typed is in it, nothing is lost).
    fn page(self, page: Response) -> Response {
        let mut page = page;
        if self != Self::Plain {
            let h = page.headers_mut();
            h.insert("hx-retarget", HeaderValue::from_static("#main"));
            h.insert("hx-reselect", HeaderValue::from_static("#main > *"));
            h.insert("hx-reswap", HeaderValue::from_static("innerHTML"));
        }
        page
    }
}

/// What a step save starts from: the form's fields, how they came, and the draft.
struct StepPost {
    typed: HashMap<String, String>,
    posted: Posted,
    view: ApplicationView,
}

/// The common start of every step save: the form's fields, checked against CSRF, and the
/// draft it saves into (or the page that says why it cannot be edited).
async fn open_step(
    state: &AppState,
    user: &WebUser,
    headers: &HeaderMap,
    id: &str,
    fields: Vec<(String, String)>,
) -> Result<StepPost, Response> {
    let typed = form_map(fields);
    let token = typed.get("csrf_token").map(String::as_str).unwrap_or("");
    user.check_form(headers, token)
        .map_err(IntoResponse::into_response)?;
    let view = editable_draft(state, user, id).await?;
    Ok(StepPost {
        posted: Posted::of(headers, &typed),
        typed,
        view,
    })
}

#[derive(Template)]
#[template(path = "wizard/_autosaved.html")]
struct Autosaved {
    ctx: PageContext,
    /// "HH:MM" of the save, local time.
    time: String,
    version: i64,
    /// Some typed values did not parse and kept their saved value.
    skipped: bool,
    problem: Option<String>,
    /// The request step: deadline and counters recomputed from what was just saved.
    counters: Option<Evaluation>,
}

/// The answer to an autosave that stored the draft.
fn autosaved(
    user: &WebUser,
    view: &ApplicationView,
    skipped: bool,
    counters: Option<Evaluation>,
) -> Response {
    render(
        StatusCode::OK,
        &Autosaved {
            ctx: context(user, "domande"),
            time: omnia_domain::calendar::rome_time(chrono::Utc::now())
                .format("%H:%M")
                .to_string(),
            version: view.version,
            skipped,
            problem: None,
            counters,
        },
    )
}

/// The answer to an autosave that could not store the draft: the reason in the status line
/// (e.g. the draft was changed in another window), or the error page of a service error.
fn autosave_failed(user: &WebUser, view: &ApplicationView, e: ServiceError) -> Response {
    match save_problem(e, user.lang) {
        Ok(problem) => render(
            StatusCode::OK,
            &Autosaved {
                ctx: context(user, "domande"),
                time: String::new(),
                version: view.version,
                skipped: false,
                problem: Some(problem),
                counters: None,
            },
        ),
        Err(r) => r,
    }
}

/// A form field that is a concurrent-save or state problem shows as a message on top.
fn save_problem(e: ServiceError, lang: Lang) -> Result<String, Response> {
    match e {
        ServiceError::Conflict { message_it, .. } => Ok(message_it),
        ServiceError::Validation(errors) => Ok(errors
            .iter()
            .map(|e| lang.pick(&e.message_it, &e.message_en).to_owned())
            .collect::<Vec<_>>()
            .join(" ")),
        other => Err(service_error_page(other)),
    }
}

/// One counter of R-LIM for this UP, as the rules engine computed it.
struct CounterRow {
    rule: String,
    label: String,
    limit: String,
    used: String,
    requested: String,
    residual_after: String,
    exceeded: bool,
}

/// What the rules engine says about the draft as saved: the deadline, the covered start,
/// the counters of the UP, and the findings of one section keyed by page field.
struct Evaluation {
    deadline: Option<String>,
    covered_from: Option<String>,
    counters: Vec<CounterRow>,
    by_field: HashMap<String, String>,
}

async fn evaluate(
    state: &AppState,
    user: &WebUser,
    view: &ApplicationView,
    section: omnia_services::checks::Section,
) -> Evaluation {
    let Ok(review) = state.services.review(&user.principal, view.id).await else {
        return Evaluation {
            deadline: None,
            covered_from: None,
            counters: Vec::new(),
            by_field: HashMap::new(),
        };
    };
    let date = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|d| d.format("%d/%m/%Y").to_string())
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let counters = review
        .limits
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(key, l)| CounterRow {
                    rule: text(&l["rule"]),
                    // Stable keys, never the engine's English labels (issue 4 polish).
                    label: counter_label(key)
                        .map(|(it, en)| user.lang.pick(it, en).to_owned())
                        .unwrap_or_else(|| text(&l["label"])),
                    limit: format!(
                        "{} {}",
                        text(&l["limit"]),
                        counter_unit(&text(&l["unit"]))
                            .map(|(it, en)| user.lang.pick(it, en).to_owned())
                            .unwrap_or_else(|| text(&l["unit"]))
                    ),
                    used: text(&l["used"]),
                    requested: text(&l["requested"]),
                    residual_after: text(&l["residual_after"]),
                    exceeded: l["exceeded"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut by_field = HashMap::new();
    for f in review.findings.iter().filter(|f| {
        f.section == section && f.severity != omnia_services::checks::CheckSeverity::Info
    }) {
        let field = f.field.replacen(
            "lavoratore_",
            &format!("{}_", quantity_field(QuantityUnit::of(view.benefit))),
            1,
        );
        by_field
            .entry(field)
            .or_insert_with(|| user.lang.pick(&f.message_it, &f.message_en).to_owned());
    }
    Evaluation {
        deadline: review.deadline.as_ref().and_then(|d| date(&d["last_day"])),
        covered_from: review
            .deadline
            .as_ref()
            .and_then(|d| date(&d["covered"]["start"])),
        counters,
        by_field,
    }
}

// ---- start ---------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct StartForm {
    csrf_token: String,
    datore: i64,
    prestazione: String,
    #[serde(default)]
    conferma_prestazione: Option<String>,
}

/// `POST /domande/bozze`: employer and benefit chosen → a new draft.
pub async fn start(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    if let Err(r) = user.check_form(&headers, &form.csrf_token) {
        return r.into_response();
    }
    let Some(benefit) = Benefit::parse(&form.prestazione) else {
        return service_error_page(ServiceError::NotFound);
    };
    let scope = match state
        .services
        .employer_scope(&user.principal, EmployerId(form.datore))
        .await
    {
        Ok(s) => s,
        Err(e) => return service_error_page(e),
    };
    let input = StartDraft {
        benefit,
        unit_id: None,
        confirm_non_compatible: form.conferma_prestazione.as_deref() == Some("1"),
    };
    match state.services.start_draft(&scope, input).await {
        Ok(view) => {
            Redirect::to(&format!("/domande/{}/compila/richiesta", view.id.0)).into_response()
        }
        // Not confirmed: back to the choice, which asks for the confirmation.
        Err(ServiceError::Validation(_)) => Redirect::to(&format!(
            "/domande/nuova?datore={}&prestazione={}&conferma=richiesta",
            form.datore,
            benefit.code()
        ))
        .into_response(),
        Err(e) => service_error_page(e),
    }
}

// ---- request -------------------------------------------------------------------------

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "wizard/request.html")]
struct RequestPage {
    ctx: PageContext,
    head: Header,
    units: Vec<Choice>,
    causali: Vec<Choice>,
    kinds: Vec<Choice>,
    request_kinds: Vec<Choice>,
    extendable: Vec<Choice>,
    dates: Vec<DateField>,
    problem: Option<String>,
    eval: Evaluation,
    /// Rule findings of this section, next to their fields (after what cannot be parsed).
    rule_errors: HashMap<String, String>,
}

impl RequestPage {
    fn rule_error(&self, field: &str) -> Option<&str> {
        self.rule_errors.get(field).map(String::as_str)
    }
}

struct DateField {
    field: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

async fn request_page(
    state: &AppState,
    user: &WebUser,
    view: &ApplicationView,
    typed: Option<&HashMap<String, String>>,
    errors: HashMap<String, String>,
    problem: Option<String>,
) -> Response {
    let scope = match state
        .services
        .employer_scope(&user.principal, view.employer.id)
        .await
    {
        Ok(s) => s,
        Err(e) => return service_error_page(e),
    };
    let detail = match state.services.employer_detail(&scope).await {
        Ok(d) => d,
        Err(e) => return service_error_page(e),
    };
    let saved = view
        .content
        .as_ref()
        .map(|c| c.request.clone())
        .unwrap_or_default();
    let value = |field: &str, saved: String| -> String {
        typed.and_then(|t| t.get(field).cloned()).unwrap_or(saved)
    };
    let unita = value(
        "unita",
        saved.unit_id.map(|u| u.0.to_string()).unwrap_or_default(),
    );
    let causale = value("causale", saved.causale.clone().unwrap_or_default());
    let tipo = value(
        "tipo",
        match saved.kind {
            Some(ReductionKind::Sospensione) => "sospensione".into(),
            Some(ReductionKind::Riduzione) => "riduzione".into(),
            None => String::new(),
        },
    );
    let tipo_richiesta = value(
        "tipo_richiesta",
        match saved.request_kind {
            Some(RequestKind::Proroga) => "proroga".into(),
            _ => "prima_richiesta".into(),
        },
    );
    let proroga_di = value(
        "proroga_di",
        saved.extends.map(|a| a.0.to_string()).unwrap_or_default(),
    );
    let data_inizio = value("data_inizio", date_text(saved.start));
    let lang = user.lang;
    let on = NaiveDate::parse_from_str(&data_inizio, "%Y-%m-%d")
        .unwrap_or_else(|_| omnia_domain::calendar::rome_time(chrono::Utc::now()).date());
    let others = state
        .services
        .applications_for(&user.principal)
        .await
        .unwrap_or_default();
    let eval = evaluate(state, user, view, omnia_services::checks::Section::Request).await;
    let rule_errors = if typed.is_some() {
        HashMap::new()
    } else {
        eval.by_field.clone()
    };
    let mut errors = errors;
    for (field, message) in &rule_errors {
        if field.starts_with("data_") {
            errors
                .entry(field.clone())
                .or_insert_with(|| message.clone());
        }
    }
    render(
        StatusCode::OK,
        &RequestPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "richiesta", lang),
            units: detail
                .units
                .iter()
                .map(|u| Choice {
                    value: u.id.0.to_string(),
                    label: format!("{} — {}", u.name, u.comune),
                    selected: u.id.0.to_string() == unita,
                })
                .collect(),
            causali: Reference::builtin()
                .causali_for(view.benefit, on)
                .into_iter()
                .map(|c| Choice {
                    value: c.code.clone(),
                    label: format!("{} — {}", c.code, lang.pick(&c.label_it, &c.label_en)),
                    selected: c.code == causale,
                })
                .collect(),
            kinds: [
                ("sospensione", "Sospensione (zero ore)"),
                ("riduzione", "Riduzione di orario"),
            ]
            .into_iter()
            .map(|(v, l)| Choice {
                value: v.into(),
                label: l.into(),
                selected: tipo == v,
            })
            .collect(),
            request_kinds: [
                ("prima_richiesta", "Prima richiesta"),
                ("proroga", "Proroga"),
            ]
            .into_iter()
            .map(|(v, l)| Choice {
                value: v.into(),
                label: l.into(),
                selected: tipo_richiesta == v,
            })
            .collect(),
            extendable: others
                .iter()
                .filter(|a| a.employer.id == view.employer.id && a.id != view.id)
                .filter_map(|a| {
                    a.protocol_number.as_ref().map(|p| Choice {
                        value: a.id.0.to_string(),
                        label: format!("{p} — {} ({} – {})", a.unit_name, a.start, a.end),
                        selected: a.id.0.to_string() == proroga_di,
                    })
                })
                .collect(),
            dates: vec![
                DateField {
                    field: "data_inizio",
                    label: "Data di inizio",
                    error: errors.get("data_inizio").cloned(),
                    value: data_inizio,
                },
                DateField {
                    field: "data_inizio_effettivo",
                    label: "Data di inizio effettivo (eventi non evitabili)",
                    error: errors.get("data_inizio_effettivo").cloned(),
                    value: value("data_inizio_effettivo", date_text(saved.effective_start)),
                },
                DateField {
                    field: "data_fine",
                    label: "Data di fine",
                    error: errors.get("data_fine").cloned(),
                    value: value("data_fine", date_text(saved.end)),
                },
            ],
            problem,
            eval,
            rule_errors,
        },
    )
}

pub async fn request_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => request_page(&state, &user, &view, None, HashMap::new(), None).await,
        Err(r) => r,
    }
}

fn form_map(fields: Vec<(String, String)>) -> HashMap<String, String> {
    fields
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
}

/// A date field: empty is "not given yet"; anything else must be a date.
fn optional_date(
    typed: &HashMap<String, String>,
    field: &str,
    errors: &mut HashMap<String, String>,
) -> Option<NaiveDate> {
    let value = typed.get(field).map(String::as_str).unwrap_or("");
    if value.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.insert(
            field.into(),
            "Data non valida: usare il formato AAAA-MM-GG.".into(),
        );
    }
    parsed
}

pub async fn request_save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let StepPost {
        typed,
        posted,
        view,
    } = match open_step(&state, &user, &headers, &id, fields).await {
        Ok(step) => step,
        Err(r) => return r,
    };
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let saved = view
        .content
        .as_ref()
        .map(|c| c.request.clone())
        .unwrap_or_default();
    let mut errors = HashMap::new();
    let mut date = |field: &str, saved: Option<NaiveDate>| {
        let before = errors.len();
        let parsed = optional_date(&typed, field, &mut errors);
        // The autosave keeps the saved date while the typed one does not parse.
        if errors.len() > before { saved } else { parsed }
    };
    let (start, effective_start, end) = (
        date("data_inizio", saved.start),
        date("data_inizio_effettivo", saved.effective_start),
        date("data_fine", saved.end),
    );
    let section = RequestSection {
        unit_id: get("unita").parse::<i64>().ok().map(UnitId),
        causale: Some(get("causale")).filter(|c| !c.is_empty()),
        request_kind: Some(if get("tipo_richiesta") == "proroga" {
            RequestKind::Proroga
        } else {
            RequestKind::PrimaRichiesta
        }),
        extends: Uuid::parse_str(&get("proroga_di")).ok().map(ApplicationId),
        kind: match get("tipo").as_str() {
            "sospensione" => Some(ReductionKind::Sospensione),
            "riduzione" => Some(ReductionKind::Riduzione),
            _ => None,
        },
        start,
        effective_start,
        end,
    };
    if !errors.is_empty() && !posted.autosave() {
        return posted.page(request_page(&state, &user, &view, Some(&typed), errors, None).await);
    }
    let version = get("versione").parse().unwrap_or(view.version);
    match state
        .services
        .save_request(&user.principal, view.id, version, section)
        .await
    {
        // The filing deadline and the counters follow the dates as they are typed
        // (R-APP-3, R-LIM-10).
        Ok(view) if posted.autosave() => {
            let eval = evaluate(
                &state,
                &user,
                &view,
                omnia_services::checks::Section::Request,
            )
            .await;
            autosaved(&user, &view, !errors.is_empty(), Some(eval))
        }
        Ok(view) => next_step(&view, &typed, "lavoratori", posted),
        Err(e) if posted.autosave() => autosave_failed(&user, &view, e),
        Err(e) => match save_problem(e, user.lang) {
            Ok(problem) => posted.page(
                request_page(&state, &user, &view, Some(&typed), errors, Some(problem)).await,
            ),
            Err(r) => r,
        },
    }
}

/// After a save: the next step, or the same one when "Salva" (not "Salva e continua").
/// Through htmx the browser is sent there with `HX-Redirect`.
fn next_step(
    view: &ApplicationView,
    typed: &HashMap<String, String>,
    next: &str,
    posted: Posted,
) -> Response {
    let stay = typed.get("azione").map(String::as_str) == Some("salva");
    let current = typed.get("sezione").cloned().unwrap_or_default();
    let target = if stay && !current.is_empty() {
        format!("/domande/{}/compila/{current}?salvato=1", view.id.0)
    } else {
        format!("/domande/{}/compila/{next}", view.id.0)
    };
    match (posted, HeaderValue::from_str(&target)) {
        (Posted::Htmx, Ok(location)) => ([("hx-redirect", location)], "").into_response(),
        _ => Redirect::to(&target).into_response(),
    }
}

// ---- workers -------------------------------------------------------------------------

struct WorkerRow {
    field: String,
    name: String,
    cf: String,
    qualifica: String,
    weekly_hours: String,
    value: String,
    error: Option<String>,
}

struct CsvProblem {
    line: u32,
    message: String,
}

#[derive(Template)]
#[template(path = "wizard/workers.html")]
struct WorkersPage {
    ctx: PageContext,
    head: Header,
    unit_name: String,
    days: bool,
    workers: Vec<WorkerRow>,
    csv_problems: Vec<CsvProblem>,
    csv_imported: Option<u32>,
    problem: Option<String>,
}

async fn workers_page(
    state: &AppState,
    user: &WebUser,
    view: &ApplicationView,
    typed: Option<&HashMap<String, String>>,
    errors: HashMap<String, String>,
    csv: Option<(u32, Vec<CsvProblem>)>,
    problem: Option<String>,
) -> Response {
    let scope = match state
        .services
        .employer_scope(&user.principal, view.employer.id)
        .await
    {
        Ok(s) => s,
        Err(e) => return service_error_page(e),
    };
    let detail = match state.services.employer_detail(&scope).await {
        Ok(d) => d,
        Err(e) => return service_error_page(e),
    };
    let content = view.content.clone().unwrap_or_default();
    let unit = content.request.unit_id;
    let saved: HashMap<WorkerId, i64> = content
        .workers
        .iter()
        .map(|w| (w.worker_id, w.amount()))
        .collect();
    let prefix = quantity_field(QuantityUnit::of(view.benefit));
    let mut staff: Vec<_> = detail
        .workers
        .iter()
        .filter(|w| w.eligible && unit.is_none_or(|u| u == w.unit_id))
        .collect();
    staff.sort_by(|a, b| (&a.surname, &a.name).cmp(&(&b.surname, &b.name)));
    let lang = user.lang;
    let (csv_imported, csv_problems) = match csv {
        Some((n, p)) => (Some(n), p),
        None => (None, Vec::new()),
    };
    render(
        StatusCode::OK,
        &WorkersPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "lavoratori", lang),
            unit_name: unit
                .and_then(|u| detail.units.iter().find(|x| x.id == u))
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            days: view.benefit == Benefit::Cisoa,
            workers: staff
                .into_iter()
                .map(|w| {
                    let field = format!("{prefix}_{}", w.id.0);
                    WorkerRow {
                        value: typed
                            .and_then(|t| t.get(&field).cloned())
                            .or_else(|| saved.get(&w.id).map(|h| h.to_string()))
                            .unwrap_or_default(),
                        error: errors.get(&field).cloned(),
                        field,
                        name: format!("{} {}", w.surname, w.name),
                        cf: w.cf.clone(),
                        qualifica: w.qualifica.label_it().to_owned(),
                        weekly_hours: w.weekly_hours.to_string(),
                    }
                })
                .collect(),
            csv_problems,
            csv_imported,
            problem,
        },
    )
}

pub async fn workers_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => workers_page(&state, &user, &view, None, HashMap::new(), None, None).await,
        Err(r) => r,
    }
}

pub async fn workers_save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let StepPost {
        typed,
        posted,
        view,
    } = match open_step(&state, &user, &headers, &id, fields).await {
        Ok(step) => step,
        Err(r) => return r,
    };
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let saved: HashMap<WorkerId, i64> = view
        .content
        .as_ref()
        .map(|c| {
            c.workers
                .iter()
                .map(|w| (w.worker_id, w.amount()))
                .collect()
        })
        .unwrap_or_default();
    // R-LIM-9: CISOA in whole days (`giorni_{id}`), the others in hours (`ore_{id}`).
    let unit = QuantityUnit::of(view.benefit);
    let prefix = format!("{}_", quantity_field(unit));
    let mut errors = HashMap::new();
    let mut entries = Vec::new();
    for (field, value) in &typed {
        let Some(worker) = field
            .strip_prefix(prefix.as_str())
            .and_then(|w| w.parse::<i64>().ok())
        else {
            continue;
        };
        if value.is_empty() || value == "0" {
            continue;
        }
        match value.parse::<i64>() {
            Ok(amount) if amount > 0 => {
                entries.push(WorkerEntry::new(WorkerId(worker), view.benefit, amount))
            }
            _ => {
                errors.insert(
                    field.clone(),
                    match unit {
                        QuantityUnit::Hours => {
                            "Indicare un numero intero di ore (0 per escludere il lavoratore)."
                        }
                        QuantityUnit::Days => {
                            "Indicare un numero intero di giornate: la CISOA si chiede a giornate intere (0 per escludere il lavoratore)."
                        }
                    }
                    .into(),
                );
                // The autosave keeps the saved quantity while the typed one does not parse.
                if let Some(amount) = saved.get(&WorkerId(worker)) {
                    entries.push(WorkerEntry::new(WorkerId(worker), view.benefit, *amount));
                }
            }
        }
    }
    if !errors.is_empty() && !posted.autosave() {
        return posted
            .page(workers_page(&state, &user, &view, Some(&typed), errors, None, None).await);
    }
    entries.sort_by_key(|e| e.worker_id.0);
    let version = get("versione").parse().unwrap_or(view.version);
    match state
        .services
        .save_workers(&user.principal, view.id, version, entries)
        .await
    {
        Ok(view) if posted.autosave() => autosaved(&user, &view, !errors.is_empty(), None),
        Ok(view) => next_step(&view, &typed, "forza", posted),
        Err(e) if posted.autosave() => autosave_failed(&user, &view, e),
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => posted.page(
                workers_page(&state, &user, &view, Some(&typed), errors, None, Some(p)).await,
            ),
            Err(r) => r,
        },
    }
}

/// `POST /domande/{id}/lavoratori-csv` (multipart): the beneficiaries from a CSV file;
/// every bad line is listed, nothing is imported unless the file is clean or the user
/// asked to keep only the good lines.
pub async fn workers_csv(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let mut token = String::new();
    let mut keep_good = false;
    let mut bytes = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                match name.as_str() {
                    "csrf_token" => token = field.text().await.unwrap_or_default(),
                    "solo_righe_valide" => keep_good = true,
                    "csv" => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Richiesta non valida",
                    "Il file non è stato ricevuto per intero: riprovare.",
                );
            }
        }
    }
    if let Err(r) = user.check_form(&headers, &token) {
        return r.into_response();
    }
    let view = match editable_draft(&state, &user, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mode = if keep_good {
        ImportMode::KeepGoodLines
    } else {
        ImportMode::AllOrNothing
    };
    match state
        .services
        .import_workers_csv(&user.principal, view.id, &bytes, mode)
        .await
    {
        Ok(report) => {
            let problems = report
                .rejected
                .iter()
                .map(|l| CsvProblem {
                    line: l.line,
                    message: user.lang.pick(&l.message_it, &l.message_en).to_owned(),
                })
                .collect();
            workers_page(
                &state,
                &user,
                &report.application,
                None,
                HashMap::new(),
                Some((report.imported, problems)),
                None,
            )
            .await
        }
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => workers_page(&state, &user, &view, None, HashMap::new(), None, Some(p)).await,
            Err(r) => r,
        },
    }
}

// ---- declarations --------------------------------------------------------------------

#[derive(Template)]
#[template(path = "wizard/declarations.html")]
struct DeclarationsPage {
    ctx: PageContext,
    head: Header,
    cisoa: bool,
    union_done: bool,
    union_date: String,
    union_with: String,
    direct: bool,
    financial_difficulty: bool,
    errors: HashMap<String, String>,
    problem: Option<String>,
}

impl DeclarationsPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

fn declarations_page(
    user: &WebUser,
    view: &ApplicationView,
    typed: Option<&HashMap<String, String>>,
    errors: HashMap<String, String>,
    problem: Option<String>,
) -> Response {
    let saved = view
        .content
        .as_ref()
        .map(|c| c.declarations.clone())
        .unwrap_or_default();
    let (union_done, union_date, union_with, direct, financial_difficulty) = match typed {
        Some(t) => (
            t.get("sindacale").is_some(),
            t.get("data_sindacale").cloned().unwrap_or_default(),
            t.get("sindacati").cloned().unwrap_or_default(),
            t.get("pagamento").map(String::as_str) == Some("pagamento_diretto"),
            t.get("difficolta_finanziaria").is_some(),
        ),
        None => (
            saved.union_done.unwrap_or(false),
            date_text(saved.union_date),
            saved.union_with.clone().unwrap_or_default(),
            saved.payment_mode == Some(PaymentMode::PagamentoDiretto),
            saved.financial_difficulty,
        ),
    };
    render(
        StatusCode::OK,
        &DeclarationsPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "dichiarazioni", user.lang),
            cisoa: view.benefit == Benefit::Cisoa,
            union_done,
            union_date,
            union_with,
            direct,
            financial_difficulty,
            errors,
            problem,
        },
    )
}

pub async fn declarations_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => declarations_page(&user, &view, None, HashMap::new(), None),
        Err(r) => r,
    }
}

pub async fn declarations_save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let StepPost {
        typed,
        posted,
        view,
    } = match open_step(&state, &user, &headers, &id, fields).await {
        Ok(step) => step,
        Err(r) => return r,
    };
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let mut errors = HashMap::new();
    let union_date = optional_date(&typed, "data_sindacale", &mut errors);
    let section = DeclarationsSection {
        union_done: Some(typed.contains_key("sindacale")),
        // The autosave keeps the saved date while the typed one does not parse.
        union_date: if errors.is_empty() {
            union_date
        } else {
            view.content
                .as_ref()
                .and_then(|c| c.declarations.union_date)
        },
        union_with: Some(get("sindacati")).filter(|s| !s.is_empty()),
        payment_mode: Some(if get("pagamento") == "pagamento_diretto" {
            PaymentMode::PagamentoDiretto
        } else {
            PaymentMode::Conguaglio
        }),
        financial_difficulty: typed.contains_key("difficolta_finanziaria"),
    };
    if !errors.is_empty() && !posted.autosave() {
        return posted.page(declarations_page(&user, &view, Some(&typed), errors, None));
    }
    let version = get("versione").parse().unwrap_or(view.version);
    match state
        .services
        .save_declarations(&user.principal, view.id, version, section)
        .await
    {
        Ok(view) if posted.autosave() => autosaved(&user, &view, !errors.is_empty(), None),
        Ok(view) => next_step(&view, &typed, "riepilogo", posted),
        Err(e) if posted.autosave() => autosave_failed(&user, &view, e),
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => posted.page(declarations_page(
                &user,
                &view,
                Some(&typed),
                errors,
                Some(p),
            )),
            Err(r) => r,
        },
    }
}

// ---- review and submission -----------------------------------------------------------

struct FindingGroup {
    title: &'static str,
    id: &'static str,
    badge: &'static str,
    rows: Vec<FindingRow>,
}

struct FindingRow {
    code: String,
    rule: String,
    severity: &'static str,
    message: String,
    section_href: String,
    note_field: String,
    note: String,
    note_error: Option<String>,
    /// The note is asked once per code (a code may be found for several workers).
    asks_note: bool,
}

#[derive(Template)]
#[template(path = "wizard/review.html")]
struct ReviewPage {
    ctx: PageContext,
    head: Header,
    groups: Vec<FindingGroup>,
    eval: Evaluation,
    problem: Option<String>,
}

fn section_segment(section: omnia_services::checks::Section) -> &'static str {
    use omnia_services::checks::Section;
    match section {
        Section::Start | Section::Request => "richiesta",
        Section::Workers => "lavoratori",
        Section::Declarations => "dichiarazioni",
        Section::Report => "relazione",
        Section::Indicators => "indicatori",
        Section::Headcount => "forza",
    }
}

async fn review_page(
    state: &AppState,
    user: &WebUser,
    view: &ApplicationView,
    notes: &BTreeMap<String, String>,
    note_errors: &HashMap<String, String>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let review = match state.services.review(&user.principal, view.id).await {
        Ok(r) => r,
        Err(e) => return service_error_page(e),
    };
    let lang = user.lang;
    let (mut blocking, mut forceable, mut info) = (Vec::new(), Vec::new(), Vec::new());
    let mut asked = std::collections::HashSet::new();
    for f in &review.findings {
        let asks_note =
            f.severity == omnia_services::checks::CheckSeverity::Forceable && asked.insert(f.code);
        let row = FindingRow {
            code: f.code.to_owned(),
            rule: f.rule.clone(),
            severity: match f.severity {
                omnia_services::checks::CheckSeverity::Blocking => "Bloccante",
                omnia_services::checks::CheckSeverity::Forceable => "Forzabile",
                omnia_services::checks::CheckSeverity::Info => "Informativo",
            },
            message: lang.pick(&f.message_it, &f.message_en).to_owned(),
            section_href: format!(
                "/domande/{}/compila/{}",
                view.id.0,
                section_segment(f.section)
            ),
            note_field: format!("nota_{}", f.code),
            note: notes.get(f.code).cloned().unwrap_or_default(),
            note_error: note_errors.get(f.code).cloned(),
            asks_note,
        };
        match f.severity {
            omnia_services::checks::CheckSeverity::Blocking => blocking.push(row),
            omnia_services::checks::CheckSeverity::Forceable => forceable.push(row),
            omnia_services::checks::CheckSeverity::Info => info.push(row),
        }
    }
    let groups = [
        ("Errori bloccanti", "bloccanti", "bg-danger", blocking),
        (
            "Avvisi forzabili (servono una nota)",
            "forzabili",
            "bg-warning text-dark",
            forceable,
        ),
        ("Informazioni", "informazioni", "bg-secondary", info),
    ]
    .into_iter()
    .filter(|g| !g.3.is_empty())
    .map(|(title, id, badge, rows)| FindingGroup {
        title,
        id,
        badge,
        rows,
    })
    .collect();
    let eval = evaluate(state, user, view, omnia_services::checks::Section::Request).await;
    render(
        status,
        &ReviewPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "riepilogo", lang),
            groups,
            eval,
            problem,
        },
    )
}

pub async fn review(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => {
            review_page(
                &state,
                &user,
                &view,
                &BTreeMap::new(),
                &HashMap::new(),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(r) => r,
    }
}

/// `POST /domande/{id}/invio` for a guided draft: the notes of the forceable findings
/// come with it; blocking findings or a missing note bring the review back.
pub async fn submit_guided(
    state: &AppState,
    user: &WebUser,
    view: &ApplicationView,
    fields: &HashMap<String, String>,
) -> Response {
    let notes: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("nota_")
                .filter(|_| !v.is_empty())
                .map(|code| (code.to_owned(), v.clone()))
        })
        .collect();
    match state
        .services
        .submit_with(
            &user.principal,
            view.id,
            SubmitInput {
                notes: notes.clone(),
            },
        )
        .await
    {
        Ok(view) => Redirect::to(&format!("/domande/{}?esito=inviata", view.id.0)).into_response(),
        Err(ServiceError::Validation(errors)) => {
            let note_errors: HashMap<String, String> = errors
                .iter()
                .filter_map(|e| {
                    e.pointer.strip_prefix("/notes/").map(|code| {
                        (
                            code.to_owned(),
                            user.lang.pick(&e.message_it, &e.message_en).to_owned(),
                        )
                    })
                })
                .collect();
            review_page(
                state,
                user,
                view,
                &notes,
                &note_errors,
                Some("La domanda non è stata inviata: vedere le segnalazioni.".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => {
                review_page(
                    state,
                    user,
                    view,
                    &notes,
                    &HashMap::new(),
                    Some(p),
                    StatusCode::CONFLICT,
                )
                .await
            }
            Err(r) => r,
        },
    }
}

// ---- documents and duplicate ---------------------------------------------------------

fn pdf(bytes: Vec<u8>, filename: &str) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// `GET /domande/{id}/ricevuta.pdf`: the submission receipt.
pub async fn receipt(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = application_id(&id) else {
        return service_error_page(ServiceError::NotFound);
    };
    match state.services.receipt_pdf(&user.principal, id).await {
        Ok(bytes) => pdf(bytes, "ricevuta.pdf"),
        Err(e) => service_error_page(e),
    }
}

/// `POST /domande/{id}/duplica`: a new draft with the same content (new ticket at submission).
pub async fn duplicate(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<super::applications::CsrfOnly>,
) -> Response {
    if let Err(r) = user.check_form(&headers, &form.csrf_token) {
        return r.into_response();
    }
    let Some(id) = application_id(&id) else {
        return service_error_page(ServiceError::NotFound);
    };
    match state.services.duplicate(&user.principal, id).await {
        Ok(view) => {
            Redirect::to(&format!("/domande/{}/compila/richiesta", view.id.0)).into_response()
        }
        Err(e) => service_error_page(e),
    }
}

// ---- technical report ----------------------------------------------------------------

struct ReportFieldRow {
    name: String,
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "wizard/report.html")]
struct ReportPage {
    ctx: PageContext,
    head: Header,
    pdf_mode: bool,
    fields: Vec<ReportFieldRow>,
    pdf_name: Option<String>,
    problem: Option<String>,
}

fn report_page(user: &WebUser, view: &ApplicationView, problem: Option<String>) -> Response {
    let content = view.content.clone().unwrap_or_default();
    let keys: Vec<String> = content
        .request
        .causale
        .as_deref()
        .and_then(|c| Reference::builtin().causale(c))
        .map(|c| {
            c.report_fields
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &ReportPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "relazione", user.lang),
            pdf_mode: content.report.mode == ReportMode::Pdf,
            fields: keys
                .into_iter()
                .map(|k| ReportFieldRow {
                    label: omnia_services::checks::report_field_label(&k).to_owned(),
                    value: content.report.fields.get(&k).cloned().unwrap_or_default(),
                    name: k,
                })
                .collect(),
            pdf_name: content.report_pdf.as_ref().map(|p| p.filename.clone()),
            problem,
        },
    )
}

pub async fn report_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => report_page(&user, &view, None),
        Err(r) => r,
    }
}

pub async fn report_save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let StepPost {
        typed,
        posted,
        view,
    } = match open_step(&state, &user, &headers, &id, fields).await {
        Ok(step) => step,
        Err(r) => return r,
    };
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let section = ReportSection {
        mode: if get("modalita") == "pdf" {
            ReportMode::Pdf
        } else {
            ReportMode::Structured
        },
        fields: typed
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("rt_")
                    .filter(|_| !v.is_empty())
                    .map(|k| (k.to_owned(), v.clone()))
            })
            .collect(),
    };
    let version = get("versione").parse().unwrap_or(view.version);
    match state
        .services
        .save_report(&user.principal, view.id, version, section)
        .await
    {
        Ok(view) if posted.autosave() => autosaved(&user, &view, false, None),
        Ok(view) => next_step(&view, &typed, "indicatori", posted),
        Err(e) if posted.autosave() => autosave_failed(&user, &view, e),
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => posted.page(report_page(&user, &view, Some(p))),
            Err(r) => r,
        },
    }
}

/// `POST /domande/{id}/relazione-pdf` (multipart): the technical report as a PDF,
/// checked to be a real, unencrypted PDF before it is stored.
pub async fn report_pdf_upload(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let mut token = String::new();
    let mut filename = String::from("relazione.pdf");
    let mut bytes = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or("") {
                "csrf_token" => token = field.text().await.unwrap_or_default(),
                "pdf" => {
                    if let Some(name) = field.file_name() {
                        filename = name.to_owned();
                    }
                    bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return error_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Richiesta non valida",
                    "Il file non è stato ricevuto per intero: riprovare.",
                );
            }
        }
    }
    if let Err(r) = user.check_form(&headers, &token) {
        return r.into_response();
    }
    let view = match editable_draft(&state, &user, &id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .services
        .attach_report_pdf(&user.principal, view.id, &filename, bytes)
        .await
    {
        Ok(view) => report_page(&user, &view, None),
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => report_page(&user, &view, Some(p)),
            Err(r) => r,
        },
    }
}

/// `GET /domande/{id}/relazione.pdf`: the uploaded report.
pub async fn report_pdf_download(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = application_id(&id) else {
        return service_error_page(ServiceError::NotFound);
    };
    match state.services.report_pdf(&user.principal, id).await {
        Ok((_, bytes)) => pdf(bytes, "relazione.pdf"),
        Err(e) => service_error_page(e),
    }
}

// ---- indicators ----------------------------------------------------------------------

const INDICATORS: [(&str, &str); 4] = [
    ("fatturato", "Fatturato"),
    ("risultato_operativo", "Risultato operativo"),
    ("risultato_impresa", "Risultato d'impresa"),
    ("indebitamento", "Indebitamento"),
];

struct IndicatorCell {
    name: String,
    label: String,
    value: String,
}

struct IndicatorRow {
    period: String,
    cells: Vec<IndicatorCell>,
}

struct IndicatorTable {
    caption: &'static str,
    rows: Vec<IndicatorRow>,
}

#[derive(Template)]
#[template(path = "wizard/indicators.html")]
struct IndicatorsPage {
    ctx: PageContext,
    head: Header,
    quarterly: bool,
    tables: Vec<IndicatorTable>,
    totals: Vec<IndicatorRow>,
    /// Change from the first to the second year, per indicator ("+12,5 %"), R-APP-2.
    trend: Vec<String>,
    errors: Vec<String>,
    problem: Option<String>,
}

fn euro(cents: Option<i64>) -> String {
    cents
        .map(|c| format!("{}.{:02}", c / 100, (c % 100).abs()))
        .unwrap_or_default()
}

/// Euro as typed ("1.234,56", "1234.56", "-300") → cents; `Err` when not a number.
fn cents(text: &str) -> Result<Option<i64>, ()> {
    let t = text.trim().replace(' ', "");
    if t.is_empty() {
        return Ok(None);
    }
    let normalised = if t.contains(',') {
        t.replace('.', "").replace(',', ".")
    } else {
        t
    };
    let value: rust_decimal::Decimal = normalised.parse().map_err(|_| ())?;
    (value * rust_decimal::Decimal::ONE_HUNDRED)
        .round()
        .try_into()
        .map(Some)
        .map_err(|_| ())
}

fn indicator_years(view: &ApplicationView) -> [i32; 2] {
    use chrono::Datelike;
    let year = view
        .content
        .as_ref()
        .and_then(|c| c.request.start)
        .unwrap_or_else(|| omnia_domain::calendar::rome_time(chrono::Utc::now()).date())
        .year();
    [year - 2, year - 1]
}

fn value_of(v: &omnia_services::drafts::IndicatorValues, key: &str) -> Option<i64> {
    match key {
        "fatturato" => v.fatturato,
        "risultato_operativo" => v.risultato_operativo,
        "risultato_impresa" => v.risultato_impresa,
        _ => v.indebitamento,
    }
}

fn indicators_page(
    user: &WebUser,
    view: &ApplicationView,
    typed: Option<&HashMap<String, String>>,
    errors: Vec<String>,
    problem: Option<String>,
) -> Response {
    let saved = view
        .content
        .as_ref()
        .and_then(|c| c.indicators.clone())
        .unwrap_or_default();
    let cell = |name: String, label: &str, saved: Option<i64>| IndicatorCell {
        value: typed
            .and_then(|t| t.get(&name).cloned())
            .unwrap_or_else(|| euro(saved)),
        label: label.to_owned(),
        name,
    };
    let years = indicator_years(view);
    let year_rows = years
        .iter()
        .map(|y| {
            let values = saved.years.iter().find(|r| r.year == *y).map(|r| r.values);
            IndicatorRow {
                period: y.to_string(),
                cells: INDICATORS
                    .iter()
                    .map(|(k, l)| {
                        cell(
                            format!("a_{y}_{k}"),
                            l,
                            values.and_then(|v| value_of(&v, k)),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let quarter_rows = years
        .iter()
        .flat_map(|y| (1..=4).map(move |q| (*y, q)))
        .map(|(y, q)| {
            let values = saved
                .quarters
                .iter()
                .find(|r| r.year == y && r.quarter == q)
                .map(|r| r.values);
            IndicatorRow {
                period: format!("{q}° trimestre {y}"),
                cells: INDICATORS
                    .iter()
                    .map(|(k, l)| {
                        cell(
                            format!("t_{y}_{q}_{k}"),
                            l,
                            values.and_then(|v| value_of(&v, k)),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let totals = view
        .indicator_totals
        .iter()
        .map(|t| IndicatorRow {
            period: t.year.to_string(),
            cells: INDICATORS
                .iter()
                .map(|(k, l)| IndicatorCell {
                    name: String::new(),
                    label: (*l).to_owned(),
                    value: euro(value_of(&t.values, k)),
                })
                .collect(),
        })
        .collect();
    let quarterly = match typed {
        Some(t) => t.get("granularita").map(String::as_str) == Some("trimestrale"),
        None => saved.granularity == IndicatorsGranularity::Quarterly,
    };
    // The trend compares the two years: the computed totals when given by quarter.
    let yearly: Vec<_> = if saved.granularity == IndicatorsGranularity::Quarterly {
        view.indicator_totals.iter().map(|t| t.values).collect()
    } else {
        saved.years.iter().map(|y| y.values).collect()
    };
    let trend = INDICATORS
        .iter()
        .map(|(k, _)| match yearly.as_slice() {
            [a, b] => match (value_of(a, k), value_of(b, k)) {
                (Some(a), Some(b)) if a != 0 => {
                    let pct = (b - a) as f64 * 100.0 / (a as f64).abs();
                    format!("{pct:+.1} %").replace('.', ",")
                }
                _ => "—".to_owned(),
            },
            _ => "—".to_owned(),
        })
        .collect();
    render(
        StatusCode::OK,
        &IndicatorsPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "indicatori", user.lang),
            quarterly,
            tables: vec![
                IndicatorTable {
                    caption: "Valori annui",
                    rows: year_rows,
                },
                IndicatorTable {
                    caption: "Valori trimestrali",
                    rows: quarter_rows,
                },
            ],
            totals,
            trend,
            errors,
            problem,
        },
    )
}

pub async fn indicators_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => indicators_page(&user, &view, None, Vec::new(), None),
        Err(r) => r,
    }
}

pub async fn indicators_save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    use omnia_services::drafts::{IndicatorValues, QuarterIndicators, YearIndicators};
    let StepPost {
        typed,
        posted,
        view,
    } = match open_step(&state, &user, &headers, &id, fields).await {
        Ok(step) => step,
        Err(r) => return r,
    };
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let saved = view
        .content
        .as_ref()
        .and_then(|c| c.indicators.clone())
        .unwrap_or_default();
    let mut errors = Vec::new();
    // `before`: the saved values, which the autosave keeps while a typed amount does not parse.
    let mut read = |prefix: String, before: Option<IndicatorValues>| -> IndicatorValues {
        let before = before.unwrap_or_default();
        let mut one = |key: &str| match cents(&get(&format!("{prefix}_{key}"))) {
            Ok(v) => v,
            Err(()) => {
                errors.push(format!("{prefix}_{key}"));
                value_of(&before, key)
            }
        };
        IndicatorValues {
            fatturato: one("fatturato"),
            risultato_operativo: one("risultato_operativo"),
            risultato_impresa: one("risultato_impresa"),
            indebitamento: one("indebitamento"),
        }
    };
    let years = indicator_years(&view);
    let quarterly = get("granularita") == "trimestrale";
    let section = IndicatorsSection {
        granularity: if quarterly {
            IndicatorsGranularity::Quarterly
        } else {
            IndicatorsGranularity::Yearly
        },
        years: years
            .iter()
            .map(|y| YearIndicators {
                year: *y,
                values: read(
                    format!("a_{y}"),
                    saved.years.iter().find(|r| r.year == *y).map(|r| r.values),
                ),
            })
            .collect(),
        quarters: years
            .iter()
            .flat_map(|y| (1..=4).map(move |q| (*y, q)))
            .map(|(y, q)| QuarterIndicators {
                year: y,
                quarter: q,
                values: read(
                    format!("t_{y}_{q}"),
                    saved
                        .quarters
                        .iter()
                        .find(|r| r.year == y && r.quarter == q)
                        .map(|r| r.values),
                ),
            })
            .collect(),
    };
    if !errors.is_empty() && !posted.autosave() {
        let message =
            "Importi non validi: usare cifre, con la virgola per i decimali (es. 1.234,56).";
        return posted.page(indicators_page(
            &user,
            &view,
            Some(&typed),
            errors,
            Some(message.into()),
        ));
    }
    let version = get("versione").parse().unwrap_or(view.version);
    match state
        .services
        .save_indicators(&user.principal, view.id, version, section)
        .await
    {
        Ok(view) if posted.autosave() => autosaved(&user, &view, !errors.is_empty(), None),
        Ok(view) => next_step(&view, &typed, "dichiarazioni", posted),
        Err(e) if posted.autosave() => autosave_failed(&user, &view, e),
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => posted.page(indicators_page(
                &user,
                &view,
                Some(&typed),
                Vec::new(),
                Some(p),
            )),
            Err(r) => r,
        },
    }
}

// ---- headcount -----------------------------------------------------------------------

struct HeadcountRow {
    index: usize,
    weekly_hours: String,
    workers: String,
    hours_invalid: bool,
    workers_invalid: bool,
}

#[derive(Template)]
#[template(path = "wizard/headcount.html")]
struct HeadcountPage {
    ctx: PageContext,
    head: Header,
    rows: Vec<HeadcountRow>,
    problem: Option<String>,
}

/// Rows shown: what was saved (pre-filled from the registry) plus two empty ones.
fn headcount_page(
    user: &WebUser,
    view: &ApplicationView,
    typed: Option<&HashMap<String, String>>,
    invalid: Vec<String>,
    problem: Option<String>,
) -> Response {
    let saved = view
        .content
        .as_ref()
        .and_then(|c| c.headcount.clone())
        .unwrap_or_default();
    let count = saved.len() + 2;
    let rows = (0..count)
        .map(|i| {
            let (hours, workers) = saved
                .get(i)
                .map(|e| {
                    (
                        e.weekly_hours.to_string(),
                        format!(
                            "{},{:02}",
                            e.avg_workers_hundredths / 100,
                            e.avg_workers_hundredths % 100
                        ),
                    )
                })
                .unwrap_or_default();
            let typed_or = |field: String, saved: String| {
                typed.and_then(|t| t.get(&field).cloned()).unwrap_or(saved)
            };
            HeadcountRow {
                index: i,
                weekly_hours: typed_or(format!("orario_{i}"), hours),
                workers: typed_or(format!("addetti_{i}"), workers),
                hours_invalid: invalid.contains(&format!("orario_{i}")),
                workers_invalid: invalid.contains(&format!("addetti_{i}")),
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &HeadcountPage {
            ctx: context(user, "domande"),
            head: Header::new(view, "forza", user.lang),
            rows,
            problem,
        },
    )
}

pub async fn headcount_form(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    match editable_draft(&state, &user, &id).await {
        Ok(view) => headcount_page(&user, &view, None, Vec::new(), None),
        Err(r) => r,
    }
}

pub async fn headcount_save(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    use omnia_services::drafts::HeadcountEntry;
    let StepPost {
        typed,
        posted,
        view,
    } = match open_step(&state, &user, &headers, &id, fields).await {
        Ok(step) => step,
        Err(r) => return r,
    };
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let saved = view
        .content
        .as_ref()
        .and_then(|c| c.headcount.clone())
        .unwrap_or_default();
    let mut invalid = Vec::new();
    let mut entries = Vec::new();
    for i in 0..64 {
        let (hours_field, workers_field) = (format!("orario_{i}"), format!("addetti_{i}"));
        if !typed.contains_key(&hours_field) {
            break;
        }
        let (hours, workers) = (get(&hours_field), get(&workers_field));
        if hours.is_empty() && workers.is_empty() {
            continue;
        }
        let parsed_hours = hours.parse::<i32>().ok().filter(|h| (1..=48).contains(h));
        // The average is a number of workers with up to two decimals (cents of a worker).
        let parsed_workers = cents(&workers).ok().flatten().filter(|w| *w >= 0);
        match (parsed_hours, parsed_workers) {
            (Some(weekly_hours), Some(avg_workers_hundredths)) => entries.push(HeadcountEntry {
                weekly_hours,
                avg_workers_hundredths,
            }),
            (h, w) => {
                if h.is_none() {
                    invalid.push(hours_field);
                }
                if w.is_none() {
                    invalid.push(workers_field);
                }
                // The autosave keeps the saved row (rows are shown in saved order) while
                // the typed one does not parse.
                entries.extend(saved.get(i).cloned());
            }
        }
    }
    if !invalid.is_empty() && !posted.autosave() {
        let message = "Controllare le righe segnalate: orario settimanale da 1 a 48 ore, numero medio di lavoratori con al massimo due decimali.";
        return posted.page(headcount_page(
            &user,
            &view,
            Some(&typed),
            invalid,
            Some(message.into()),
        ));
    }
    let version = get("versione").parse().unwrap_or(view.version);
    match state
        .services
        .save_headcount(&user.principal, view.id, version, entries)
        .await
    {
        Ok(view) if posted.autosave() => autosaved(&user, &view, !invalid.is_empty(), None),
        Ok(view) => next_step(&view, &typed, "relazione", posted),
        Err(e) if posted.autosave() => autosave_failed(&user, &view, e),
        Err(e) => match save_problem(e, user.lang) {
            Ok(p) => posted.page(headcount_page(
                &user,
                &view,
                Some(&typed),
                Vec::new(),
                Some(p),
            )),
            Err(r) => r,
        },
    }
}

// ---- print preview -------------------------------------------------------------------

struct Line {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "wizard/preview.html")]
struct PreviewPage {
    ctx: PageContext,
    id: String,
    title: String,
    state: String,
    general: Vec<Line>,
    /// CISOA: the quantities are whole days (R-LIM-9).
    days: bool,
    workers: Vec<(String, String, String)>,
    headcount: Vec<(String, String)>,
    report: Vec<(String, String)>,
    report_pdf: Option<String>,
    indicators: Vec<(String, Vec<String>)>,
    declarations: Vec<Line>,
    notes: Vec<(String, String)>,
}

/// `GET /domande/{id}/anteprima`: everything the application says, on one printable page
/// (the layout's print stylesheet drops the navigation).
pub async fn preview(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = application_id(&id) else {
        return service_error_page(ServiceError::NotFound);
    };
    let view = match state.services.application(&user.principal, id).await {
        Ok(v) => v,
        Err(e) => return service_error_page(e),
    };
    let lang = user.lang;
    let c = view.content.clone().unwrap_or_default();
    let names: HashMap<WorkerId, (String, String)> = view
        .workers
        .iter()
        .map(|w| (w.worker_id, (w.cf.clone(), w.name.clone())))
        .collect();
    let date = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "—".into())
    };
    let yes_no = |b: bool| if b { "sì" } else { "no" }.to_owned();
    let mut general = vec![
        Line {
            label: "Datore di lavoro",
            value: format!("{} (CF {})", view.employer.name, view.employer.cf),
        },
        Line {
            label: "Unità produttiva",
            value: format!("{} — {}", view.unit.name, view.unit.comune),
        },
        Line {
            label: "Ticket",
            value: view.ticket.clone().unwrap_or_else(|| "—".into()),
        },
        Line {
            label: "Protocollo",
            value: view.protocol_number.clone().unwrap_or_else(|| "—".into()),
        },
        Line {
            label: "Autorizzazione",
            value: view
                .authorisation_number
                .clone()
                .unwrap_or_else(|| "—".into()),
        },
    ];
    // R-FLO-4: the conguaglio route's offset code, once issued with the authorisation.
    if let Some(code) = &view.offset_code {
        general.push(Line {
            label: "Codice di conguaglio",
            value: code.clone(),
        });
    }
    general.extend([
        Line {
            label: "Causale",
            value: c
                .request
                .causale
                .clone()
                .unwrap_or_else(|| view.causale.code.clone()),
        },
        Line {
            label: "Tipo di richiesta",
            value: match c.request.request_kind {
                Some(RequestKind::Proroga) => "Proroga".into(),
                _ => "Prima richiesta".into(),
            },
        },
        Line {
            label: "Data di inizio",
            value: date(c.request.start.or(Some(view.start))),
        },
        Line {
            label: "Data di fine",
            value: date(c.request.end.or(Some(view.end))),
        },
    ]);
    let workers = if c.workers.is_empty() {
        view.workers
            .iter()
            .map(|w| {
                let amount = w.days_requested.unwrap_or(w.hours_requested);
                (w.cf.clone(), w.name.clone(), amount.to_string())
            })
            .collect()
    } else {
        c.workers
            .iter()
            .map(|w| {
                let (cf, name) = names.get(&w.worker_id).cloned().unwrap_or_default();
                (cf, name, w.amount().to_string())
            })
            .collect()
    };
    let indicators = view
        .indicator_totals
        .iter()
        .map(|t| {
            (
                t.year.to_string(),
                INDICATORS
                    .iter()
                    .map(|(k, _)| euro(value_of(&t.values, k)))
                    .collect(),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &PreviewPage {
            ctx: context(&user, "domande"),
            days: QuantityUnit::of(view.benefit) == QuantityUnit::Days,
            id: view.id.0.to_string(),
            title: lang
                .pick(view.benefit.label_it(), view.benefit.label_en())
                .to_owned(),
            state: view.state_label.clone(),
            general,
            workers,
            headcount: c
                .headcount
                .unwrap_or_default()
                .iter()
                .map(|h| {
                    (
                        h.weekly_hours.to_string(),
                        format!(
                            "{},{:02}",
                            h.avg_workers_hundredths / 100,
                            h.avg_workers_hundredths % 100
                        ),
                    )
                })
                .collect(),
            report: c
                .report
                .fields
                .iter()
                .map(|(k, v)| {
                    (
                        omnia_services::checks::report_field_label(k).to_owned(),
                        v.clone(),
                    )
                })
                .collect(),
            report_pdf: c.report_pdf.map(|p| p.filename),
            indicators,
            declarations: vec![
                Line {
                    label: "Informazione e consultazione sindacale",
                    value: format!(
                        "{} — {} — {}",
                        yes_no(c.declarations.union_done.unwrap_or(false)),
                        date(c.declarations.union_date),
                        c.declarations.union_with.clone().unwrap_or_default()
                    ),
                },
                Line {
                    label: "Modalità di pagamento",
                    value: match c.declarations.payment_mode {
                        Some(PaymentMode::PagamentoDiretto) => "Pagamento diretto".into(),
                        _ => "Conguaglio".into(),
                    },
                },
            ],
            notes: c.notes.into_iter().collect(),
        },
    )
}
