//! Pages of the payment-data flows (R-FLO) and of the payment batches (R-FLO-4):
//! `/flussi` (list), `/flussi/invio` (upload), `/flussi/{id}` (outcome, findings, records
//! with their amounts, eliminazione), `/pagamenti` (batches, operators only).
//!
//! The upload is a plain multipart form streamed into the same spool and service as the
//! API (`submit_flow`); `omnia.js` only adds a progress bar (XHR) on top of it.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use omnia_flows::catalogue::Code;
use omnia_services::flows::{
    FlowFormat, FlowPeriod, FlowRecordView, FlowSpool, FlowUpload, FlowView, NewPaymentBatch,
    PaymentBatchView, SpoolError,
};
use omnia_services::{Role, ServiceError};
use omnia_store::{BatchStatus, FlowStatus, RecordState};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::layout::Lang;
use super::{PageContext, context, encode_query_value, not_found_page, render, service_error_page};
use crate::AppState;
use crate::auth::WebUser;

/// Findings shown per page of the findings table.
const FINDINGS_PER_PAGE: usize = 50;

// ---- formatting ------------------------------------------------------------------------

/// Euro the Italian way: `1.234,56 €` (a no-break space keeps the sign with the number).
fn euro(d: Decimal) -> String {
    let d = d.round_dp(2);
    let negative = d.is_sign_negative() && !d.is_zero();
    let text = format!("{:.2}", d.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{}{grouped},{frac}\u{a0}€", if negative { "-" } else { "" })
}

/// Hours the Italian way: `16,00`.
fn hours(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2)).replace('.', ",")
}

/// A stored instant in Rome time (the platform's legal time).
fn rome(t: DateTime<Utc>) -> String {
    omnia_domain::calendar::rome_time(t)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `2026-12` → `12/2026`.
fn month(m: &str) -> String {
    match m.split_once('-') {
        Some((y, mm)) => format!("{mm}/{y}"),
        None => m.to_owned(),
    }
}

/// The months a flow covers: `03/2025`, or `03/2025 – 05/2025`.
fn period(p: &FlowPeriod) -> String {
    if p.from == p.to {
        month(&p.from)
    } else {
        format!("{} – {}", month(&p.from), month(&p.to))
    }
}

/// The outcome of a flow as the pages call it (Italian; translated in the template).
fn flow_outcome(f: &FlowView) -> &'static str {
    match f.status {
        FlowStatus::Accepted => "accettato",
        FlowStatus::Processing => "in elaborazione",
        FlowStatus::Refused if f.awaiting_confirmation => "in attesa di conferma",
        FlowStatus::Refused => "rifiutato",
    }
}

fn record_state(s: RecordState) -> &'static str {
    match s {
        RecordState::Accepted => "accettato",
        RecordState::Deleted => "eliminato",
        RecordState::Replaced => "sostituito",
        RecordState::InPayment => "in pagamento",
        RecordState::Paid => "pagato",
    }
}

fn batch_state(s: BatchStatus) -> &'static str {
    match s {
        BatchStatus::InPayment => "in pagamento",
        BatchStatus::Paid => "pagato",
    }
}

fn severity_label(s: &str) -> &'static str {
    match s {
        "blocking" => "bloccante",
        "forceable" => "forzabile",
        _ => "informativo",
    }
}

fn is_applicant(user: &WebUser) -> bool {
    matches!(user.principal.role, Role::EmployerUser | Role::Intermediary)
}

/// Operators read the flows of their office's UPs; they neither send nor delete.
fn is_operator(user: &WebUser) -> bool {
    user.principal.role == Role::Operator
}

/// A flow id from a path segment (anything but a UUID is "not found").
fn flow_id(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id).ok().map(|u| u.to_string())
}

// ---- list ------------------------------------------------------------------------------

struct FlowRow {
    id: String,
    received: String,
    sender: String,
    period: String,
    format: String,
    records: i64,
    outcome: &'static str,
}

#[derive(Template)]
#[template(path = "flows/list.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<FlowRow>,
    /// An operator reads the flows of its office's UPs; it sends none.
    operator: bool,
}

/// `GET /flussi`: the flows the user sent, or holding records of its employers; for an
/// operator, the flows holding records of the UPs its office serves (read-only).
pub async fn list(State(state): State<AppState>, user: WebUser) -> Response {
    if !is_applicant(&user) && !is_operator(&user) {
        return not_found_page();
    }
    let flows = match state.services.flows_for(&user.principal).await {
        Ok(f) => f,
        Err(e) => return service_error_page(e),
    };
    let rows = flows
        .iter()
        .map(|f| FlowRow {
            id: f.id.clone(),
            received: rome(f.received_at),
            sender: f.sender.clone(),
            period: f.period.as_ref().map(period).unwrap_or_default(),
            format: f.format.to_uppercase(),
            records: f.records,
            outcome: flow_outcome(f),
        })
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            ctx: context(&user, "flussi"),
            rows,
            operator: is_operator(&user),
        },
    )
}

// ---- upload ----------------------------------------------------------------------------

/// What was typed in the upload form, and what is wrong with it.
#[derive(Default)]
struct UploadForm {
    confirm: bool,
    note: String,
    file_error: Option<String>,
    note_error: Option<String>,
    /// The flow being confirmed (shown with its findings above the form).
    confirming: Option<String>,
}

#[derive(Template)]
#[template(path = "flows/upload.html")]
struct UploadPage {
    ctx: PageContext,
    form: UploadForm,
    max_label: String,
}

fn max_label(max: u64) -> String {
    if max >= 1 << 30 && max.is_multiple_of(1 << 30) {
        format!("{} GB", max >> 30)
    } else if max >= 1 << 20 {
        format!("{} MB", max >> 20)
    } else if max >= 1 << 10 {
        format!("{} KB", max >> 10)
    } else {
        format!("{max} byte")
    }
}

fn upload_page(state: &AppState, user: &WebUser, status: StatusCode, form: UploadForm) -> Response {
    render(
        status,
        &UploadPage {
            ctx: context(user, "flussi"),
            form,
            max_label: max_label(state.config.flow_max_bytes),
        },
    )
}

#[derive(Deserialize)]
pub struct UploadQuery {
    /// The flow whose forceable findings are being confirmed.
    conferma: Option<String>,
}

/// `GET /flussi/invio`: the upload form (`?conferma=ID` to re-send with a confirmation).
pub async fn upload_form(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<UploadQuery>,
) -> Response {
    if !is_applicant(&user) {
        return not_found_page();
    }
    let form = UploadForm {
        confirm: q.conferma.is_some(),
        confirming: q.conferma.as_deref().and_then(flow_id),
        ..UploadForm::default()
    };
    upload_page(&state, &user, StatusCode::OK, form)
}

/// The format from the file's name or declared type; `None` for anything else.
fn format_of(file_name: Option<&str>, content_type: Option<&str>) -> Option<FlowFormat> {
    let name = file_name.unwrap_or("").to_ascii_lowercase();
    if name.ends_with(".xml") {
        return Some(FlowFormat::Xml);
    }
    if name.ends_with(".csv") {
        return Some(FlowFormat::Csv);
    }
    match content_type.unwrap_or("").to_ascii_lowercase().as_str() {
        "application/xml" | "text/xml" => Some(FlowFormat::Xml),
        "text/csv" => Some(FlowFormat::Csv),
        _ => None,
    }
}

/// `POST /flussi/invio` (multipart: `csrf_token`, `conferma`, `nota`, `flusso`): the file is
/// streamed to a spool with the API's size limit, then checked by `submit_flow`. A checked
/// flow (accepted or not) leads to its page; bad input comes back next to the field.
pub async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !is_applicant(&user) {
        return not_found_page();
    }
    let max = state.config.flow_max_bytes;
    let mut token = String::new();
    let mut form = UploadForm::default();
    let mut spooled: Option<(FlowSpool, Option<FlowFormat>)> = None;
    let mut file_error: Option<String> = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                file_error = Some(
                    "Il file non è arrivato per intero (invio interrotto o non leggibile): riprovare."
                        .into(),
                );
                break;
            }
        };
        match field.name().unwrap_or("") {
            "csrf_token" => token = field.text().await.unwrap_or_default(),
            "conferma" => form.confirm = true,
            "nota" => form.note = field.text().await.unwrap_or_default(),
            "flusso_confermato" => {
                form.confirming = flow_id(&field.text().await.unwrap_or_default())
            }
            "flusso" => {
                let format = format_of(field.file_name(), field.content_type());
                let mut spool = match FlowSpool::new(max) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(error = %e, "flow spool");
                        return crate::auth::PageRejection::Internal.into_response();
                    }
                };
                let mut failed = false;
                let mut too_large = false;
                loop {
                    match field.chunk().await {
                        // Past the limit the rest is read and dropped, so that the browser
                        // gets the answer instead of a connection reset mid-upload.
                        Ok(Some(_)) if too_large => {}
                        Ok(Some(chunk)) => match spool.write(&chunk).await {
                            Ok(()) => {}
                            Err(SpoolError::TooLarge { max }) => {
                                file_error = Some(format!(
                                    "Il file supera la dimensione massima ammessa ({}).",
                                    max_label(max)
                                ));
                                too_large = true;
                            }
                            Err(SpoolError::Io(e)) => {
                                tracing::error!(error = %e, "flow spool");
                                return crate::auth::PageRejection::Internal.into_response();
                            }
                        },
                        Ok(None) => break,
                        Err(_) => {
                            file_error = Some(
                                "Il file non è arrivato per intero (invio interrotto): riprovare."
                                    .into(),
                            );
                            failed = true;
                            break;
                        }
                    }
                }
                if failed {
                    break;
                }
                if too_large {
                    continue;
                }
                spooled = Some((spool, format));
            }
            _ => {}
        }
    }
    if let Err(r) = user.check_form(&headers, &token) {
        return r.into_response();
    }
    let note = form.note.trim().to_owned();
    if form.confirm && note.is_empty() {
        form.note_error =
            Some("La conferma dei rilievi forzabili richiede una nota (R-FLO-1).".into());
    }
    if file_error.is_none() {
        file_error = match &spooled {
            None => Some("Scegliere il file del flusso da inviare.".into()),
            Some((s, _)) if s.is_empty() => Some("Il file scelto è vuoto.".into()),
            Some((_, None)) => {
                Some("Tipo di file non ammesso: caricare un flusso XML (.xml) o CSV (.csv).".into())
            }
            Some(_) => None,
        };
    }
    form.file_error = file_error;
    if form.file_error.is_some() || form.note_error.is_some() {
        return upload_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form);
    }
    let Some((spool, Some(format))) = spooled else {
        return upload_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form);
    };
    let upload = FlowUpload {
        format,
        confirm_note: form.confirm.then_some(note),
    };
    // As on the API: the check and the load run to their end even if the browser goes away.
    let services = state.services.clone();
    let principal = user.principal.clone();
    let submitted =
        tokio::spawn(async move { services.submit_flow(&principal, spool, upload).await }).await;
    match submitted {
        Ok(Ok(s)) => Redirect::to(&format!("/flussi/{}", s.flow.id)).into_response(),
        Ok(Err(ServiceError::Conflict { message_it, .. })) => {
            form.file_error = Some(message_it);
            upload_page(&state, &user, StatusCode::CONFLICT, form)
        }
        Ok(Err(e)) => service_error_page(e),
        Err(e) => {
            tracing::error!(error = %e, "flow ingest task");
            crate::auth::PageRejection::Internal.into_response()
        }
    }
}

// ---- detail ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct SummaryDoc {
    employers: u64,
    records: u64,
    days: u64,
    hours: String,
    records_ok: u64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutcomeDoc {
    outcome: String,
    note: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FindingDoc {
    code: String,
    severity: String,
    message: String,
    line: u64,
    element: String,
    employer: Option<String>,
    matricola: Option<String>,
    worker: Option<String>,
    month: Option<String>,
}

/// The stored report as the page reads it (`omnia_flows::check::Report` serialised).
#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportDoc {
    summary: SummaryDoc,
    counts: BTreeMap<String, u64>,
    findings: Vec<FindingDoc>,
    truncated: bool,
    stopped: bool,
    outcome: OutcomeDoc,
}

/// The filter of the findings table, from the query string (works without JavaScript).
#[derive(Deserialize, Default)]
pub struct FindingsQuery {
    /// `blocking`, `forceable`, `info` or empty.
    #[serde(default)]
    gravita: String,
    #[serde(default)]
    codice: String,
    /// Text searched in the employer, matricola and worker of each finding.
    #[serde(default)]
    testo: String,
    #[serde(default)]
    pagina: Option<usize>,
    #[serde(default)]
    eliminato: Option<String>,
}

struct CountRow {
    code: String,
    title: String,
    severity: &'static str,
    count: u64,
}

struct FindingRow {
    code: String,
    severity: &'static str,
    severity_class: &'static str,
    line: u64,
    element: String,
    employer: String,
    matricola: String,
    worker: String,
    month: String,
    message: String,
    /// On English pages, the check's English title: the message itself is Italian (the
    /// checker writes it with the values found), so it follows, marked as Italian.
    title_en: Option<&'static str>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct RecordRow {
    id: i64,
    worker_cf: String,
    worker_name: String,
    matricola: String,
    month: String,
    authorisation: String,
    hours: String,
    paid_hours: String,
    gross: String,
    net: String,
    addizionale: String,
    capped: bool,
    state: &'static str,
    deletable: bool,
    /// The payment batch holding the record (R-FLO-4).
    batch_id: Option<String>,
}

impl RecordRow {
    fn new(r: &FlowRecordView) -> Self {
        Self {
            id: r.id,
            worker_cf: r.worker_cf.clone(),
            worker_name: r.worker_name.clone().unwrap_or_default(),
            matricola: r.matricola.clone(),
            month: month(&r.month),
            authorisation: r.authorisation_number.clone(),
            hours: hours(r.hours),
            paid_hours: hours(r.paid_hours),
            gross: euro(r.gross),
            net: euro(r.net),
            addizionale: euro(r.addizionale),
            capped: r.capped,
            state: record_state(r.state),
            deletable: r.state == RecordState::Accepted,
            batch_id: r.batch_id.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "flows/detail.html")]
struct DetailPage {
    ctx: PageContext,
    id: String,
    outcome: &'static str,
    outcome_class: &'static str,
    received: String,
    sender: String,
    /// Months of competence of an accepted flow's header.
    period: Option<String>,
    format: String,
    bytes: i64,
    records: i64,
    total_gross: String,
    total_net: String,
    confirmation_note: Option<String>,
    awaiting_confirmation: bool,
    summary_records: u64,
    summary_records_ok: u64,
    summary_employers: u64,
    summary_days: u64,
    summary_hours: String,
    stopped: bool,
    truncated: bool,
    counts: Vec<CountRow>,
    total_findings: usize,
    matching: usize,
    findings: Vec<FindingRow>,
    severities: Vec<Choice>,
    codes: Vec<Choice>,
    text: String,
    page: usize,
    pages: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    record_rows: Vec<RecordRow>,
    /// Read-only view of an operator: no eliminazione, no re-send; records link to their
    /// payment batch.
    operator: bool,
    /// The re-send form of a flow waiting for a confirmation.
    form: UploadForm,
    max_label: String,
}

fn matches_text(f: &FindingDoc, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    [&f.employer, &f.matricola, &f.worker]
        .iter()
        .filter_map(|v| v.as_deref())
        .any(|v| v.to_lowercase().contains(needle))
}

/// `GET /flussi/{id}`: outcome, counts per code, the findings (filtered and paginated on
/// the server from `?gravita=&codice=&testo=&pagina=`) and the records with their amounts.
pub async fn detail(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<FindingsQuery>,
) -> Response {
    let Some(id) = flow_id(&id) else {
        return not_found_page();
    };
    let flow = match state.services.flow(&user.principal, &id).await {
        Ok(f) => f,
        Err(e) => return service_error_page(e),
    };
    let records = match state.services.flow_records(&user.principal, &id).await {
        Ok(r) => r,
        Err(e) => return service_error_page(e),
    };
    let report: ReportDoc = flow
        .report
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();

    let severity = match q.gravita.as_str() {
        s @ ("blocking" | "forceable" | "info") => s,
        _ => "",
    };
    let code = if report.counts.contains_key(q.codice.as_str()) {
        q.codice.as_str()
    } else {
        ""
    };
    let text = q.testo.trim().to_owned();
    let needle = text.to_lowercase();
    let text_q = text.clone();
    let matching: Vec<&FindingDoc> = report
        .findings
        .iter()
        .filter(|f| severity.is_empty() || f.severity == severity)
        .filter(|f| code.is_empty() || f.code == code)
        .filter(|f| matches_text(f, &needle))
        .collect();
    let pages = matching.len().div_ceil(FINDINGS_PER_PAGE).max(1);
    let page = q.pagina.unwrap_or(1).clamp(1, pages);
    let href = |p: usize| {
        format!(
            "/flussi/{id}?gravita={}&codice={}&testo={}&pagina={p}#rilievi",
            encode_query_value(severity),
            encode_query_value(code),
            encode_query_value(&text_q)
        )
    };
    let findings = matching
        .iter()
        .skip((page - 1) * FINDINGS_PER_PAGE)
        .take(FINDINGS_PER_PAGE)
        .map(|f| FindingRow {
            code: f.code.clone(),
            severity: severity_label(&f.severity),
            severity_class: match f.severity.as_str() {
                "blocking" => "danger",
                "forceable" => "warning",
                _ => "secondary",
            },
            line: f.line,
            element: f.element.clone(),
            employer: f.employer.clone().unwrap_or_default(),
            matricola: f.matricola.clone().unwrap_or_default(),
            worker: f.worker.clone().unwrap_or_default(),
            month: f.month.as_deref().map(month).unwrap_or_default(),
            message: f.message.clone(),
            title_en: Code::parse(&f.code)
                .filter(|_| user.lang == Lang::En)
                .map(Code::title_en),
        })
        .collect();
    let counts = report
        .counts
        .iter()
        .map(|(c, n)| {
            let known = Code::parse(c);
            CountRow {
                code: c.clone(),
                title: known
                    .map(|k| user.lang.pick(k.title_it(), k.title_en()).to_owned())
                    .unwrap_or_default(),
                severity: known
                    .map(|k| match k.severity() {
                        omnia_flows::catalogue::Severity::Blocking => "bloccante",
                        omnia_flows::catalogue::Severity::Forceable => "forzabile",
                        omnia_flows::catalogue::Severity::Info => "informativo",
                    })
                    .unwrap_or(""),
                count: *n,
            }
        })
        .collect();
    let severities = [
        ("", "Tutte"),
        ("blocking", "bloccante"),
        ("forceable", "forzabile"),
        ("info", "informativo"),
    ]
    .iter()
    .map(|(v, l)| Choice {
        value: (*v).to_owned(),
        label: user.lang.t(l).to_owned(),
        selected: *v == severity,
    })
    .collect();
    let mut codes = vec![Choice {
        value: String::new(),
        label: user.lang.t("Tutti").to_owned(),
        selected: code.is_empty(),
    }];
    codes.extend(report.counts.keys().map(|c| Choice {
        value: c.clone(),
        label: match Code::parse(c) {
            Some(k) => format!("{c} — {}", user.lang.pick(k.title_it(), k.title_en())),
            None => c.clone(),
        },
        selected: c == code,
    }));
    let outcome = flow_outcome(&flow);
    let mut ctx = context(&user, "flussi");
    if q.eliminato.is_some() {
        ctx.flash = Some("Record eliminato: le sue ore sono state stornate.".into());
    }
    let page_view = DetailPage {
        ctx,
        id: flow.id.clone(),
        outcome,
        outcome_class: match outcome {
            "accettato" => "success",
            "in attesa di conferma" => "warning",
            "rifiutato" => "danger",
            _ => "info",
        },
        received: rome(flow.received_at),
        sender: flow.sender.clone(),
        period: flow.period.as_ref().map(period),
        format: flow.format.to_uppercase(),
        bytes: flow.bytes,
        records: flow.records,
        total_gross: euro(flow.total_gross),
        total_net: euro(flow.total_net),
        confirmation_note: flow
            .confirmation_note
            .clone()
            .or(report.outcome.note.clone()),
        awaiting_confirmation: is_applicant(&user)
            && (flow.awaiting_confirmation || report.outcome.outcome == "needs_confirmation"),
        summary_records: report.summary.records,
        summary_records_ok: report.summary.records_ok,
        summary_employers: report.summary.employers,
        summary_days: report.summary.days,
        summary_hours: report.summary.hours.replace('.', ","),
        stopped: report.stopped,
        truncated: report.truncated,
        counts,
        total_findings: report.findings.len(),
        matching: matching.len(),
        findings,
        severities,
        codes,
        text,
        page,
        pages,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
        record_rows: records.iter().map(RecordRow::new).collect(),
        operator: is_operator(&user),
        form: UploadForm {
            confirm: true,
            confirming: Some(flow.id.clone()),
            ..UploadForm::default()
        },
        max_label: max_label(state.config.flow_max_bytes),
    };
    render(StatusCode::OK, &page_view)
}

// ---- eliminazione ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "flows/delete.html")]
struct DeletePage {
    ctx: PageContext,
    flow_id: String,
    record: RecordRow,
    error: Option<String>,
}

async fn record_of(
    state: &AppState,
    user: &WebUser,
    id: &str,
    record_id: i64,
) -> Result<(String, FlowRecordView), Response> {
    // Eliminazione is the senders' (R-FLO-2): operators read flows only.
    if !is_applicant(user) {
        return Err(not_found_page());
    }
    let Some(id) = flow_id(id) else {
        return Err(not_found_page());
    };
    let records = state
        .services
        .flow_records(&user.principal, &id)
        .await
        .map_err(service_error_page)?;
    match records.into_iter().find(|r| r.id == record_id) {
        Some(r) => Ok((id, r)),
        None => Err(not_found_page()),
    }
}

/// `GET /flussi/{id}/record/{rid}/elimina`: asks to confirm the eliminazione (R-FLO-2).
pub async fn delete_form(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, record_id)): Path<(String, i64)>,
) -> Response {
    match record_of(&state, &user, &id, record_id).await {
        Ok((flow_id, r)) => render(
            StatusCode::OK,
            &DeletePage {
                ctx: context(&user, "flussi"),
                flow_id,
                record: RecordRow::new(&r),
                error: None,
            },
        ),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /flussi/{id}/record/{rid}/elimina`: deletes the record while it is not in payment.
pub async fn delete(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path((id, record_id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = user.check_form(&headers, &form.csrf_token) {
        return r.into_response();
    }
    let (flow_id, record) = match record_of(&state, &user, &id, record_id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match state
        .services
        .delete_flow_record(&user.principal, &flow_id, record_id)
        .await
    {
        Ok(_) => Redirect::to(&format!("/flussi/{flow_id}?eliminato=1#record")).into_response(),
        Err(ServiceError::Conflict { message_it, .. }) => render(
            StatusCode::CONFLICT,
            &DeletePage {
                ctx: context(&user, "flussi"),
                flow_id,
                record: RecordRow::new(&record),
                error: Some(message_it),
            },
        ),
        Err(e) => service_error_page(e),
    }
}

// ---- payment batches -------------------------------------------------------------------

struct BatchRow {
    id: String,
    message_id: String,
    created: String,
    execution: String,
    records: i64,
    total: String,
    state: &'static str,
    paid: bool,
}

impl BatchRow {
    fn new(b: &PaymentBatchView) -> Self {
        Self {
            id: b.id.clone(),
            message_id: b.message_id.clone(),
            created: rome(b.created_at),
            execution: b.execution_date.format("%d/%m/%Y").to_string(),
            records: b.records,
            total: euro(b.total),
            state: batch_state(b.status),
            paid: b.status == BatchStatus::Paid,
        }
    }
}

#[derive(Template)]
#[template(path = "payments/list.html")]
struct BatchesPage {
    ctx: PageContext,
    rows: Vec<BatchRow>,
    flow: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct BatchesQuery {
    #[serde(default)]
    creato: Option<String>,
}

async fn batches_page(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    flash: Option<String>,
    flow: String,
    error: Option<String>,
) -> Response {
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found_page();
    };
    match state.services.payment_batches(&office).await {
        Ok(list) => {
            let mut ctx = context(user, "pagamenti");
            ctx.flash = flash;
            render(
                status,
                &BatchesPage {
                    ctx,
                    rows: list.iter().map(BatchRow::new).collect(),
                    flow,
                    error,
                },
            )
        }
        Err(e) => service_error_page(e),
    }
}

/// `GET /pagamenti`: the office's payment batches (operators, as on the API).
pub async fn batches(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<BatchesQuery>,
) -> Response {
    let flash = q.creato.map(|_| "Lotto di pagamento creato.".to_owned());
    batches_page(&state, &user, StatusCode::OK, flash, String::new(), None).await
}

#[derive(Deserialize)]
pub struct NewBatchForm {
    #[serde(default)]
    csrf_token: String,
    /// Only the records of this flow (empty: every accepted record of the office).
    #[serde(default)]
    flusso: String,
}

/// `POST /pagamenti`: a batch with the office's accepted records (operators).
pub async fn create_batch(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Form(form): Form<NewBatchForm>,
) -> Response {
    if let Err(r) = user.check_form(&headers, &form.csrf_token) {
        return r.into_response();
    }
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found_page();
    };
    let flow = form.flusso.trim().to_owned();
    let flow_filter = if flow.is_empty() {
        None
    } else {
        match flow_id(&flow) {
            Some(f) => Some(f),
            None => {
                return batches_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    flow,
                    Some(
                        "Identificativo del flusso non valido: indicare un UUID o lasciare vuoto."
                            .into(),
                    ),
                )
                .await;
            }
        }
    };
    match state
        .services
        .create_payment_batch(
            &office,
            NewPaymentBatch {
                flow_id: flow_filter,
                execution_date: None,
            },
        )
        .await
    {
        Ok(b) => Redirect::to(&format!("/pagamenti/{}", b.id)).into_response(),
        Err(ServiceError::Conflict { message_it, .. }) => {
            batches_page(
                &state,
                &user,
                StatusCode::CONFLICT,
                None,
                flow,
                Some(message_it),
            )
            .await
        }
        Err(e) => service_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "payments/detail.html")]
struct BatchPage {
    ctx: PageContext,
    batch: BatchRow,
    paid_at: String,
    record_rows: Vec<RecordRow>,
    error: Option<String>,
}

async fn batch_page(
    state: &AppState,
    user: &WebUser,
    id: &str,
    status: StatusCode,
    flash: Option<String>,
    error: Option<String>,
) -> Response {
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found_page();
    };
    let Some(id) = flow_id(id) else {
        return not_found_page();
    };
    let b = match state.services.payment_batch(&office, &id).await {
        Ok(b) => b,
        Err(e) => return service_error_page(e),
    };
    let records = match state.services.payment_batch_records(&office, &id).await {
        Ok(r) => r,
        Err(e) => return service_error_page(e),
    };
    let mut ctx = context(user, "pagamenti");
    ctx.flash = flash;
    render(
        status,
        &BatchPage {
            ctx,
            batch: BatchRow::new(&b),
            paid_at: b.paid_at.map(rome).unwrap_or_default(),
            record_rows: records.iter().map(RecordRow::new).collect(),
            error,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct BatchQuery {
    #[serde(default)]
    pagato: Option<String>,
}

/// `GET /pagamenti/{id}`: a batch with its per-worker amounts.
pub async fn batch(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Query(q): Query<BatchQuery>,
) -> Response {
    let flash = q.pagato.map(|_| "Lotto segnato come pagato.".to_owned());
    batch_page(&state, &user, &id, StatusCode::OK, flash, None).await
}

/// `GET /pagamenti/{id}/pain001.xml`: the SEPA credit transfer file.
pub async fn pain001(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found_page();
    };
    let Some(id) = flow_id(&id) else {
        return not_found_page();
    };
    match state.services.payment_batch_pain001(&office, &id).await {
        Ok(xml) => {
            let mut r = (StatusCode::OK, xml).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"pain001-{id}.xml\""))
            {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        Err(e) => service_error_page(e),
    }
}

/// `POST /pagamenti/{id}/pagato`: the bank executed the batch (operators).
pub async fn mark_paid(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = user.check_form(&headers, &form.csrf_token) {
        return r.into_response();
    }
    let Ok(office) = state.services.office_scope(&user.principal) else {
        return not_found_page();
    };
    let Some(batch_id) = flow_id(&id) else {
        return not_found_page();
    };
    match state.services.mark_batch_paid(&office, &batch_id).await {
        Ok(_) => Redirect::to(&format!("/pagamenti/{batch_id}?pagato=1")).into_response(),
        Err(ServiceError::Conflict { message_it, .. }) => {
            batch_page(
                &state,
                &user,
                &batch_id,
                StatusCode::CONFLICT,
                None,
                Some(message_it),
            )
            .await
        }
        Err(e) => service_error_page(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euro_amounts_are_written_the_italian_way() {
        assert_eq!(euro(Decimal::new(123456, 2)), "1.234,56\u{a0}€");
        assert_eq!(euro(Decimal::new(11520, 2)), "115,20\u{a0}€");
        assert_eq!(euro(Decimal::new(100000000, 2)), "1.000.000,00\u{a0}€");
        assert_eq!(euro(Decimal::ZERO), "0,00\u{a0}€");
    }

    #[test]
    fn the_size_limit_reads_in_the_largest_whole_unit() {
        assert_eq!(max_label(1 << 30), "1 GB");
        assert_eq!(max_label(10 << 20), "10 MB");
        assert_eq!(max_label(1000), "1000 byte");
    }

    #[test]
    fn the_format_comes_from_the_name_or_the_declared_type() {
        assert_eq!(format_of(Some("f.XML"), None), Some(FlowFormat::Xml));
        assert_eq!(format_of(Some("f.csv"), None), Some(FlowFormat::Csv));
        assert_eq!(
            format_of(Some("f"), Some("text/csv")),
            Some(FlowFormat::Csv)
        );
        assert_eq!(format_of(Some("f.pdf"), Some("application/pdf")), None);
    }
}
