//! Applicant and operator pages of the walking skeleton: list, new (employer, then
//! form), detail, submit, withdraw, the office queue and the decision.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::reference::Reference;
use omnia_services::{
    ApplicationId, ApplicationState, ApplicationSummary, ApplicationView, Decision, EmployerId,
    NewApplication, Outcome, RequestedWorker, Role, ServiceError, UnitId,
};
use serde::Deserialize;
use uuid::Uuid;

use super::layout::Lang;
use super::{PageContext, context, error_page, not_found, render};
use crate::AppState;
use crate::auth::{PageRejection, WebUser, same_origin};

/// One row of an application list, ready to print.
struct Row {
    id: String,
    employer: String,
    unit: String,
    benefit: String,
    period: String,
    state: String,
    protocol: String,
}

impl Row {
    fn new(a: &ApplicationSummary, lang: Lang) -> Self {
        Self {
            id: a.id.0.to_string(),
            employer: a.employer.name.clone(),
            unit: a.unit_name.clone(),
            benefit: lang
                .pick(a.benefit.label_it(), a.benefit.label_en())
                .to_owned(),
            period: format!("{} – {}", it_date(a.start), it_date(a.end)),
            state: a.state.label_it().to_owned(),
            protocol: a
                .protocol_number
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        }
    }
}

fn it_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn internal(e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound | ServiceError::Forbidden => not_found_response(),
        other => {
            tracing::error!(error = ?other, "page failed");
            PageRejection::Internal.into_response()
        }
    }
}

fn not_found_response() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Pagina non trovata",
        "La pagina richiesta non esiste o non è accessibile con l'utenza in uso.",
    )
}

#[derive(Template)]
#[template(path = "applications/list.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<Row>,
    can_create: bool,
}

pub async fn list(State(state): State<AppState>, user: WebUser) -> Response {
    if !matches!(user.principal.role, Role::EmployerUser | Role::Intermediary) {
        return not_found().await;
    }
    match state.services.applications_for(&user.principal).await {
        Ok(items) => render(
            StatusCode::OK,
            &ListPage {
                ctx: context(&user, "domande"),
                rows: items.iter().map(|a| Row::new(a, user.lang)).collect(),
                can_create: true,
            },
        ),
        Err(e) => internal(e),
    }
}

#[derive(Template)]
#[template(path = "applications/queue.html")]
struct QueuePage {
    ctx: PageContext,
    rows: Vec<Row>,
}

pub async fn queue(State(state): State<AppState>, user: WebUser) -> Response {
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found().await;
    };
    match state.services.office_queue(&office).await {
        Ok(items) => render(
            StatusCode::OK,
            &QueuePage {
                ctx: context(&user, "istruttoria"),
                rows: items.iter().map(|a| Row::new(a, user.lang)).collect(),
            },
        ),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    datore: Option<i64>,
    prestazione: Option<String>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "applications/choose_employer.html")]
struct ChooseEmployerPage {
    ctx: PageContext,
    employers: Vec<Choice>,
}

/// What the user typed, kept when the form comes back with errors.
#[derive(Default)]
struct FormValues {
    unita: String,
    causale: String,
    tipo: String,
    data_inizio: String,
    data_fine: String,
    conferma_prestazione: bool,
    hours: HashMap<String, String>,
}

struct WorkerLine {
    field: String,
    unit_id: String,
    unit_name: String,
    cf: String,
    name: String,
    qualifica: String,
    weekly_hours: String,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "applications/form.html")]
struct FormPage {
    ctx: PageContext,
    employer_id: i64,
    employer_name: String,
    benefit_value: String,
    benefit_label: String,
    /// `false` when the benefit does not fit the classification (R-SEL-1): the form asks
    /// for an explicit confirmation.
    benefit_suggested: bool,
    confirmed: bool,
    units: Vec<Choice>,
    causali: Vec<Choice>,
    kinds: Vec<Choice>,
    workers: Vec<WorkerLine>,
    values: FormValues,
    errors: HashMap<String, String>,
    general_errors: Vec<String>,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

/// A benefit offered to the employer, with the platform's judgement (R-SEL-1).
struct BenefitChoice {
    value: String,
    label: String,
    suggested: bool,
    selected: bool,
}

#[derive(Template)]
#[template(path = "applications/choose_benefit.html")]
struct ChooseBenefitPage {
    ctx: PageContext,
    employer_id: i64,
    employer_name: String,
    benefits: Vec<BenefitChoice>,
}

pub async fn new_form(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<NewQuery>,
) -> Response {
    // Step 1: which employer (skipped when the user acts for one only).
    let employer_id = match q.datore {
        Some(id) => id,
        None => {
            let employers = match state.services.employers_for(&user.principal).await {
                Ok(e) => e,
                Err(e) => return internal(e),
            };
            match employers.as_slice() {
                [] => return not_found().await,
                [only] => only.id.0,
                _ => {
                    return render(
                        StatusCode::OK,
                        &ChooseEmployerPage {
                            ctx: context(&user, "domande"),
                            employers: employers
                                .iter()
                                .map(|e| Choice {
                                    value: e.id.0.to_string(),
                                    label: format!("{} — CF {}", e.name, e.cf),
                                    selected: false,
                                })
                                .collect(),
                        },
                    );
                }
            }
        }
    };
    // Step 2: which benefit, with suggerita / non compatibile from the classification.
    let Some(benefit) = q.prestazione.as_deref().and_then(Benefit::parse) else {
        let scope = match state
            .services
            .employer_scope(&user.principal, EmployerId(employer_id))
            .await
        {
            Ok(s) => s,
            Err(e) => return internal(e),
        };
        let detail = match state.services.employer_detail(&scope).await {
            Ok(d) => d,
            Err(e) => return internal(e),
        };
        let first_suggested = detail
            .benefits
            .iter()
            .find(|b| b.suggested)
            .map(|b| b.benefit);
        return render(
            StatusCode::OK,
            &ChooseBenefitPage {
                ctx: context(&user, "domande"),
                employer_id,
                employer_name: detail.name.clone(),
                benefits: detail
                    .benefits
                    .iter()
                    .map(|b| BenefitChoice {
                        value: b.benefit.code().to_owned(),
                        label: user
                            .lang
                            .pick(b.benefit.label_it(), b.benefit.label_en())
                            .to_owned(),
                        suggested: b.suggested,
                        selected: Some(b.benefit) == first_suggested,
                    })
                    .collect(),
            },
        );
    };
    // Step 3: the application form.
    form_page(
        &state,
        &user,
        employer_id,
        benefit,
        FormValues::default(),
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    user: &WebUser,
    employer_id: i64,
    benefit: Benefit,
    values: FormValues,
    errors: HashMap<String, String>,
    general_errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let scope = match state
        .services
        .employer_scope(&user.principal, EmployerId(employer_id))
        .await
    {
        Ok(s) => s,
        Err(e) => return internal(e),
    };
    let detail = match state.services.employer_detail(&scope).await {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    let today = chrono::Local::now().date_naive();
    let date = NaiveDate::parse_from_str(&values.data_inizio, "%Y-%m-%d").unwrap_or(today);
    let causali = Reference::builtin()
        .causali_for(benefit, date)
        .into_iter()
        .map(|c| Choice {
            value: c.code.to_string(),
            label: user.lang.pick(&c.label_it, &c.label_en).to_owned(),
            selected: c.code == values.causale,
        })
        .collect();
    let units = detail
        .units
        .iter()
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: format!("{} — {}", u.name, u.comune),
            selected: u.id.0.to_string() == values.unita,
        })
        .collect();
    let kinds = [
        ("sospensione", "Sospensione (zero ore)"),
        ("riduzione", "Riduzione di orario"),
    ]
    .into_iter()
    .map(|(v, l)| Choice {
        value: v.into(),
        label: l.into(),
        selected: values.tipo == v,
    })
    .collect();
    let unit_name = |id: UnitId| {
        detail
            .units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let mut staff: Vec<_> = detail.workers.iter().filter(|w| w.eligible).collect();
    staff.sort_by_key(|w| (w.unit_id.0, w.surname.clone(), w.name.clone()));
    let workers = staff
        .into_iter()
        .map(|w| {
            let field = format!("ore_{}", w.id.0);
            WorkerLine {
                unit_id: w.unit_id.0.to_string(),
                unit_name: unit_name(w.unit_id),
                value: values.hours.get(&field).cloned().unwrap_or_default(),
                error: errors.get(&field).cloned(),
                field,
                cf: w.cf.clone(),
                name: format!("{} {}", w.surname, w.name),
                qualifica: w.qualifica.label_it().to_owned(),
                weekly_hours: w.weekly_hours.to_string(),
            }
        })
        .collect();
    render(
        status,
        &FormPage {
            ctx: context(user, "domande"),
            employer_id,
            employer_name: detail.name.clone(),
            benefit_value: benefit.code().into(),
            benefit_suggested: detail
                .benefits
                .iter()
                .any(|b| b.benefit == benefit && b.suggested),
            confirmed: values.conferma_prestazione,
            benefit_label: user
                .lang
                .pick(benefit.label_it(), benefit.label_en())
                .into(),
            units,
            causali,
            kinds,
            workers,
            values,
            errors,
            general_errors,
        },
    )
}

pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    if !same_origin(&headers) || user.check_csrf(&get("csrf_token")).is_err() {
        return PageRejection::Csrf.into_response();
    }
    let Ok(employer_id) = get("datore").parse::<i64>() else {
        return not_found().await;
    };
    let benefit = Benefit::parse(&get("prestazione")).unwrap_or(Benefit::Cigo);
    let values = FormValues {
        unita: get("unita"),
        causale: get("causale"),
        tipo: get("tipo"),
        data_inizio: get("data_inizio"),
        data_fine: get("data_fine"),
        conferma_prestazione: get("conferma_prestazione") == "1",
        hours: fields
            .iter()
            .filter(|(k, _)| k.starts_with("ore_"))
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect(),
    };

    // Field-level parsing first: each problem is reported next to its field.
    let mut errors = HashMap::new();
    let unit = values.unita.parse::<i64>().ok();
    if unit.is_none() {
        errors.insert("unita".into(), "Selezionare l'unità produttiva.".into());
    }
    if values.causale.is_empty() {
        errors.insert("causale".into(), "Selezionare la causale.".into());
    }
    if get("prestazione_suggerita") == "0" && !values.conferma_prestazione {
        errors.insert(
            "conferma_prestazione".into(),
            "Confermare la scelta di una prestazione non compatibile con l'inquadramento.".into(),
        );
    }
    let kind = match values.tipo.as_str() {
        "sospensione" => Some(ReductionKind::Sospensione),
        "riduzione" => Some(ReductionKind::Riduzione),
        _ => {
            errors.insert(
                "tipo".into(),
                "Indicare se si tratta di sospensione o riduzione.".into(),
            );
            None
        }
    };
    let date = |field: &str, value: &str, errors: &mut HashMap<String, String>| {
        let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.insert(
                field.into(),
                if value.is_empty() {
                    "Indicare la data.".into()
                } else {
                    "Data non valida: usare il formato AAAA-MM-GG.".into()
                },
            );
        }
        parsed
    };
    let start = date("data_inizio", &values.data_inizio, &mut errors);
    let end = date("data_fine", &values.data_fine, &mut errors);
    let mut workers = Vec::new();
    for (field, value) in &values.hours {
        if value.is_empty() || value == "0" {
            continue;
        }
        let Some(id) = field
            .strip_prefix("ore_")
            .and_then(|id| id.parse::<i64>().ok())
        else {
            continue;
        };
        match value.parse::<u32>() {
            Ok(hours) => workers.push(RequestedWorker {
                worker_id: omnia_services::WorkerId(id),
                hours,
            }),
            Err(_) => {
                errors.insert(
                    field.clone(),
                    "Indicare un numero intero di ore (0 per escludere il lavoratore).".into(),
                );
            }
        }
    }
    workers.sort_by_key(|w| w.worker_id.0);

    let (Some(unit), Some(kind), Some(start), Some(end), true) =
        (unit, kind, start, end, errors.is_empty())
    else {
        return form_page(
            &state,
            &user,
            employer_id,
            benefit,
            values,
            errors,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let scope = match state
        .services
        .employer_scope(&user.principal, EmployerId(employer_id))
        .await
    {
        Ok(s) => s,
        Err(e) => return internal(e),
    };
    let input = NewApplication {
        unit_id: UnitId(unit),
        benefit,
        causale: values.causale.clone(),
        kind,
        start,
        end,
        workers,
    };
    match state.services.create_draft(&scope, input).await {
        Ok(view) => Redirect::to(&format!("/domande/{}?esito=bozza", view.id.0)).into_response(),
        Err(ServiceError::Validation(field_errors)) => {
            let mut general = Vec::new();
            for e in field_errors {
                let field = page_field(&e.field);
                if field.is_empty() {
                    general.push(user.lang.pick(&e.message_it, &e.message_en).to_owned());
                } else {
                    errors
                        .entry(field)
                        .or_insert_with(|| user.lang.pick(&e.message_it, &e.message_en).to_owned());
                }
            }
            form_page(
                &state,
                &user,
                employer_id,
                benefit,
                values,
                errors,
                general,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => internal(e),
    }
}

/// Maps a service field name to the form field that shows its error; errors about
/// the list of workers as a whole are shown at the top.
fn page_field(service_field: &str) -> String {
    match service_field {
        "unit_id" | "unita" | "unita_produttiva" => "unita".into(),
        "causale" | "benefit" => "causale".into(),
        "kind" | "tipo" => "tipo".into(),
        "start" | "data_inizio" => "data_inizio".into(),
        "end" | "data_fine" => "data_fine".into(),
        f if f.starts_with("ore_") => f.into(),
        f if f.starts_with("lavoratore_") => f.replacen("lavoratore_", "ore_", 1),
        _ => String::new(),
    }
}

struct WorkerRow {
    cf: String,
    name: String,
    requested: String,
    authorised: String,
}

#[derive(Template)]
#[template(path = "applications/detail.html")]
struct DetailPage {
    ctx: PageContext,
    id: String,
    state_label: String,
    state_value: String,
    ticket: String,
    protocol: Option<String>,
    authorisation: Option<String>,
    employer: String,
    employer_cf: String,
    unit: String,
    office: String,
    benefit: String,
    causale: String,
    kind: String,
    period: String,
    submitted_at: Option<String>,
    decided_at: Option<String>,
    motivation: Option<String>,
    workers: Vec<WorkerRow>,
    total_hours: String,
    can_submit: bool,
    can_withdraw: bool,
    can_decide: bool,
    decision_error: Option<String>,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    esito: Option<String>,
}

fn flash_for(outcome: Option<&str>) -> Option<String> {
    Some(
        match outcome? {
            "bozza" => "Bozza salvata.",
            "inviata" => "Domanda inviata: il numero di protocollo è indicato sotto.",
            "ritirata" => "Domanda ritirata.",
            "decisa" => "Decisione registrata.",
            _ => return None,
        }
        .to_owned(),
    )
}

fn detail_page(
    user: &WebUser,
    view: &ApplicationView,
    flash: Option<String>,
    decision_error: Option<String>,
) -> DetailPage {
    let applicant = matches!(user.principal.role, Role::EmployerUser | Role::Intermediary);
    let operator = user.principal.role == Role::Operator;
    let mut ctx = context(user, if operator { "istruttoria" } else { "domande" });
    ctx.flash = flash;
    let stamp = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&chrono::Local)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    DetailPage {
        ctx,
        id: view.id.0.to_string(),
        state_label: view.state.label_it().to_owned(),
        state_value: format!("{:?}", view.state).to_lowercase(),
        ticket: view.ticket.clone().unwrap_or_default(),
        protocol: view.protocol_number.as_ref().map(|p| p.to_string()),
        authorisation: view.authorisation_number.as_ref().map(|a| a.to_string()),
        employer: view.employer.name.clone(),
        employer_cf: view.employer.cf.clone(),
        unit: format!("{} — {}", view.unit.name, view.unit.comune),
        office: view.office.name.clone(),
        benefit: user
            .lang
            .pick(view.benefit.label_it(), view.benefit.label_en())
            .to_owned(),
        causale: format!("{} — {}", view.causale.code, view.causale.label),
        kind: match view.kind {
            ReductionKind::Sospensione => "Sospensione".into(),
            ReductionKind::Riduzione => "Riduzione".into(),
        },
        period: format!("{} – {}", it_date(view.start), it_date(view.end)),
        submitted_at: view.submitted_at.map(stamp),
        decided_at: view.decided_at.map(stamp),
        motivation: view.motivation.clone(),
        workers: view
            .workers
            .iter()
            .map(|w| WorkerRow {
                cf: w.cf.clone(),
                name: w.name.clone(),
                requested: w.hours_requested.to_string(),
                authorised: w
                    .hours_authorised
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| "—".into()),
            })
            .collect(),
        total_hours: view.total_hours_requested.to_string(),
        can_submit: applicant && view.state == ApplicationState::Draft,
        can_withdraw: applicant
            && matches!(
                view.state,
                ApplicationState::Draft | ApplicationState::Submitted
            ),
        can_decide: operator && view.state == ApplicationState::Submitted,
        decision_error,
    }
}

fn parse_id(id: &str) -> Option<ApplicationId> {
    Uuid::parse_str(id).ok().map(ApplicationId)
}

pub async fn detail(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found_response();
    };
    match state.services.application(&user.principal, id).await {
        Ok(view) => render(
            StatusCode::OK,
            &detail_page(&user, &view, flash_for(q.esito.as_deref()), None),
        ),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

/// Runs a state change posted from the detail page, then shows the page again.
async fn transition(
    state: &AppState,
    user: &WebUser,
    headers: &HeaderMap,
    csrf_token: &str,
    id: &str,
    outcome: &str,
    change: impl AsyncFnOnce(ApplicationId) -> Result<ApplicationView, ServiceError>,
) -> Response {
    if !same_origin(headers) || user.check_csrf(csrf_token).is_err() {
        return PageRejection::Csrf.into_response();
    }
    let Some(id) = parse_id(id) else {
        return not_found_response();
    };
    match change(id).await {
        Ok(view) => {
            Redirect::to(&format!("/domande/{}?esito={outcome}", view.id.0)).into_response()
        }
        // A double click submits twice: the second finds the work already done.
        Err(ServiceError::Conflict { message_it, .. }) => {
            match state.services.application(&user.principal, id).await {
                Ok(view) => render(
                    StatusCode::CONFLICT,
                    &detail_page(user, &view, Some(message_it), None),
                ),
                Err(e) => internal(e),
            }
        }
        Err(ServiceError::Validation(errors)) => {
            let message = errors
                .into_iter()
                .map(|e| e.message_it)
                .collect::<Vec<_>>()
                .join(" ");
            match state.services.application(&user.principal, id).await {
                Ok(view) => render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &detail_page(user, &view, None, Some(message)),
                ),
                Err(e) => internal(e),
            }
        }
        Err(e) => internal(e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let services = state.services.clone();
    let principal = user.principal.clone();
    transition(
        &state,
        &user,
        &headers,
        &form.csrf_token,
        &id,
        "inviata",
        async move |id| services.submit(&principal, id).await,
    )
    .await
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let services = state.services.clone();
    let principal = user.principal.clone();
    transition(
        &state,
        &user,
        &headers,
        &form.csrf_token,
        &id,
        "ritirata",
        async move |id| services.withdraw(&principal, id).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf_token: String,
    #[serde(default)]
    esito: String,
    #[serde(default)]
    motivazione: String,
}

pub async fn decide(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found_response();
    };
    let outcome = match form.esito.as_str() {
        "autorizzata" => Some(Outcome::Authorised),
        "respinta" => Some(Outcome::Rejected),
        _ => None,
    };
    let motivation = Some(form.motivazione.trim().to_owned()).filter(|m| !m.is_empty());
    let services = state.services.clone();
    let Some(outcome) = outcome else {
        let Some(app_id) = parse_id(&id) else {
            return not_found_response();
        };
        return match services.application(&user.principal, app_id).await {
            Ok(view) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail_page(
                    &user,
                    &view,
                    None,
                    Some("Scegliere l'esito della decisione.".into()),
                ),
            ),
            Err(e) => internal(e),
        };
    };
    transition(
        &state,
        &user,
        &headers,
        &form.csrf_token,
        &id,
        "decisa",
        async move |id| {
            services
                .decide(
                    &office,
                    id,
                    Decision {
                        outcome,
                        motivation,
                        hours: None,
                    },
                )
                .await
        },
    )
    .await
}
