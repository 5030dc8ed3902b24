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
use omnia_domain::quantity::QuantityUnit;
use omnia_services::{
    ApplicationId, ApplicationState, ApplicationSummary, ApplicationView, Decision, EmployerId,
    Outcome, Role, ServiceError,
};
use serde::Deserialize;

use super::layout::Lang;
use super::{
    PageContext, application_id, context, not_found, not_found_page, render, service_error_page,
};
use crate::AppState;
use crate::auth::WebUser;

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
        Err(e) => service_error_page(e),
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
        Err(e) => service_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    datore: Option<i64>,
    prestazione: Option<String>,
    /// Set when the start of a draft was refused for a missing confirmation.
    conferma: Option<String>,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "applications/choose_employer.html")]
struct ChooseEmployerPage {
    ctx: PageContext,
    employers: Vec<Choice>,
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
    /// A non-compatible benefit was chosen without confirming it.
    confirm_needed: bool,
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
                Err(e) => return service_error_page(e),
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
                                })
                                .collect(),
                        },
                    );
                }
            }
        }
    };
    // Step 2: which benefit, with suggerita / non compatibile from the classification;
    // choosing it starts the guided draft (`wizard::start`).
    let chosen = q.prestazione.as_deref().and_then(Benefit::parse);
    let scope = match state
        .services
        .employer_scope(&user.principal, EmployerId(employer_id))
        .await
    {
        Ok(s) => s,
        Err(e) => return service_error_page(e),
    };
    let detail = match state.services.employer_detail(&scope).await {
        Ok(d) => d,
        Err(e) => return service_error_page(e),
    };
    let preselected = chosen.or_else(|| {
        detail
            .benefits
            .iter()
            .find(|b| b.suggested)
            .map(|b| b.benefit)
    });
    render(
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
                    selected: Some(b.benefit) == preselected,
                })
                .collect(),
            confirm_needed: q.conferma.is_some(),
        },
    )
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
    /// Conguaglio route (R-FLO-4): the offset code issued with the authorisation.
    offset_code: Option<String>,
    /// The FIS and the funds also quote it in their fruito declarations (not CIGO, CISOA).
    offset_declarable: bool,
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
    /// CISOA: requested and authorised in whole days (R-LIM-9).
    days: bool,
    can_submit: bool,
    can_withdraw: bool,
    can_decide: bool,
    decision_error: Option<String>,
    /// A guided draft: its sections are edited in the wizard.
    can_continue: bool,
    has_receipt: bool,
    can_duplicate: bool,
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
    let days = QuantityUnit::of(view.benefit) == QuantityUnit::Days;
    let stamp = |t: chrono::DateTime<chrono::Utc>| {
        // Stored in UTC, shown in Rome time.
        omnia_domain::calendar::rome_time(t)
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
        offset_code: view.offset_code.clone(),
        offset_declarable: view.benefit.is_ais(),
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
                requested: match w.days_requested {
                    Some(d) if days => d.to_string(),
                    _ => w.hours_requested.to_string(),
                },
                authorised: match (w.days_authorised, w.hours_authorised) {
                    (Some(d), _) if days => d.to_string(),
                    (_, Some(h)) if !days => h.to_string(),
                    _ => "—".into(),
                },
            })
            .collect(),
        total_hours: if days {
            view.workers
                .iter()
                .filter_map(|w| w.days_requested)
                .sum::<i64>()
                .to_string()
        } else {
            view.total_hours_requested.to_string()
        },
        days,
        can_submit: applicant && view.state == ApplicationState::Draft,
        can_withdraw: applicant
            && matches!(
                view.state,
                ApplicationState::Draft | ApplicationState::Submitted
            ),
        can_decide: operator && view.state == ApplicationState::Submitted,
        decision_error,
        can_continue: applicant && view.state == ApplicationState::Draft && view.content.is_some(),
        has_receipt: view.has_receipt,
        can_duplicate: applicant && view.state != ApplicationState::Draft,
    }
}

pub async fn detail(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let Some(id) = application_id(&id) else {
        return not_found_page();
    };
    match state.services.application(&user.principal, id).await {
        Ok(view) => render(
            StatusCode::OK,
            &detail_page(&user, &view, flash_for(q.esito.as_deref()), None),
        ),
        Err(e) => service_error_page(e),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf_token: String,
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
    if let Err(r) = user.check_form(headers, csrf_token) {
        return r.into_response();
    }
    let Some(id) = application_id(id) else {
        return not_found_page();
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
                Err(e) => service_error_page(e),
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
                Err(e) => service_error_page(e),
            }
        }
        Err(e) => service_error_page(e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields: HashMap<String, String> = fields
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect();
    let token = fields.get("csrf_token").cloned().unwrap_or_default();
    // A guided draft is submitted from its review, with the notes of forceable warnings.
    if user.check_form(&headers, &token).is_ok()
        && let Some(app_id) = application_id(&id)
        && let Ok(view) = state.services.application(&user.principal, app_id).await
        && view.state == ApplicationState::Draft
        && view.content.is_some()
    {
        return super::wizard::submit_guided(&state, &user, &view, &fields).await;
    }
    let services = state.services.clone();
    let principal = user.principal.clone();
    transition(
        &state,
        &user,
        &headers,
        &token,
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
        return not_found_page();
    };
    let outcome = match form.esito.as_str() {
        "autorizzata" => Some(Outcome::Authorised),
        "respinta" => Some(Outcome::Rejected),
        _ => None,
    };
    let motivation = Some(form.motivazione.trim().to_owned()).filter(|m| !m.is_empty());
    let services = state.services.clone();
    let Some(outcome) = outcome else {
        let Some(app_id) = application_id(&id) else {
            return not_found_page();
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
            Err(e) => service_error_page(e),
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
                        days: None,
                    },
                )
                .await
        },
    )
    .await
}
