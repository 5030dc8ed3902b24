//! Guided intake (issue 4): a draft is created once employer and benefit are chosen, then
//! its sections are saved independently (autosave). A save never loses what the user typed:
//! everything that parses is stored, business rules are reported by the checks
//! ([`crate::checks`]) and enforced only at submission. Only ownership problems, a stale
//! `version` (`concurrent_update`) or a non-draft state refuse a save.
//!
//! The sections live in `applications.content` (one JSON document, [`DraftContent`]); the
//! UP, causale, kind and period are also projected to their columns (lists, counters,
//! overlaps) whenever they are valid, and the worker lines to `application_workers`.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use omnia_documents::blobs::BlobKey;
use omnia_documents::pdf_check;
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::evaluation::selection::Suggestion;
use omnia_domain::ids::CodiceFiscale;
use omnia_domain::quantity::{QuantityError, QuantityUnit, Requested};
use omnia_store::applications::{DraftProjection, NewApplicationRow};
use omnia_store::{
    ApplicationId, ApplicationRow, ApplicationState, Qualifica, Tx, UnitId, WorkerId, WorkerRow,
};
use serde::{Deserialize, Serialize};

use crate::applications::{ApplicationView, MAX_WORKERS, audit, concurrent, kind_code, reload};
use crate::{EmployerScope, FieldError, Principal, ServiceError, Services};

/// Largest accepted PDF report (10 MiB).
pub const REPORT_PDF_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Bound on one free-text field of the report (characters).
pub const MAX_REPORT_TEXT: usize = 20_000;
/// Bound on short text fields (names, causale codes…).
pub const MAX_SHORT_TEXT: usize = 500;

// ---- content model -------------------------------------------------------------------

/// *Prima richiesta* or *proroga* (R-APP content; a proroga links the application it
/// extends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    PrimaRichiesta,
    Proroga,
}

/// The request section, as typed. Every field is optional: a draft may be incomplete.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RequestSection {
    pub unit_id: Option<UnitId>,
    /// Causale code from the reference data (e.g. `MLC`).
    pub causale: Option<String>,
    pub request_kind: Option<RequestKind>,
    /// For a proroga: the application it extends (same employer and UP).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub extends: Option<ApplicationId>,
    #[schema(value_type = Option<String>, example = "sospensione")]
    pub kind: Option<ReductionKind>,
    pub start: Option<NaiveDate>,
    /// EONE causali: the day of the event (*data inizio effettivo*), which starts the
    /// deadline of R-APP-3.
    pub effective_start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

/// One worker with what is requested for the whole period, in the unit of the benefit
/// ([`QuantityUnit::of`]): `hours`, or for CISOA whole `days` (R-LIM-9). Exactly one of the
/// two; the other is refused at save (`cisoa_in_days`, `days_only_for_cisoa`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerEntry {
    pub worker_id: WorkerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub hours: Option<i64>,
    /// CISOA only: whole days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub days: Option<i64>,
}

impl WorkerEntry {
    /// A line of `amount` in the unit of `benefit`.
    pub fn new(worker_id: WorkerId, benefit: Benefit, amount: i64) -> Self {
        match QuantityUnit::of(benefit) {
            QuantityUnit::Hours => WorkerEntry {
                worker_id,
                hours: Some(amount),
                days: None,
            },
            QuantityUnit::Days => WorkerEntry {
                worker_id,
                hours: None,
                days: Some(amount),
            },
        }
    }

    /// The quantity, if it is the benefit's unit and positive.
    pub fn quantity(&self, benefit: Benefit) -> Result<Requested, QuantityError> {
        Requested::for_benefit(benefit, self.hours, self.days)
    }

    /// The number typed, whatever its unit (pages show it back as typed).
    pub fn amount(&self) -> i64 {
        self.days.or(self.hours).unwrap_or(0)
    }
}

/// Average workforce of the previous semester for one weekly contractual schedule
/// (input of R-LIM-5 and R-LIM-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadcountEntry {
    #[schema(format = Int32, example = 40)]
    pub weekly_hours: i32,
    /// Average number of workers in hundredths (1250 = 12.5 workers).
    #[schema(format = Int64, example = 1250)]
    pub avg_workers_hundredths: i64,
}

/// How the technical report is given (R-APP-1). Structured is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportMode {
    #[default]
    Structured,
    Pdf,
}

/// The technical report: the structured fields (keys are the reference data's
/// `report_fields`, e.g. `andamento_negativo`) or the PDF mode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSection {
    pub mode: ReportMode,
    pub fields: BTreeMap<String, String>,
}

/// Indicators per whole year or per quarter (R-APP-2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorsGranularity {
    #[default]
    Yearly,
    Quarterly,
}

/// The four economic-financial indicators, in euro-cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorValues {
    #[schema(format = Int64)]
    pub fatturato: Option<i64>,
    #[schema(format = Int64)]
    pub risultato_operativo: Option<i64>,
    #[schema(format = Int64)]
    pub risultato_impresa: Option<i64>,
    #[schema(format = Int64)]
    pub indebitamento: Option<i64>,
}

impl IndicatorValues {
    pub fn is_complete(&self) -> bool {
        self.fatturato.is_some()
            && self.risultato_operativo.is_some()
            && self.risultato_impresa.is_some()
            && self.indebitamento.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearIndicators {
    #[schema(format = Int32, example = 2025)]
    pub year: i32,
    #[serde(flatten)]
    pub values: IndicatorValues,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuarterIndicators {
    #[schema(format = Int32, example = 2025)]
    pub year: i32,
    /// 1…4.
    #[schema(format = Int32, minimum = 1, maximum = 4)]
    pub quarter: i32,
    #[serde(flatten)]
    pub values: IndicatorValues,
}

/// Indicators of the two years before the start (R-APP-2): per year, or 8 quarters whose
/// yearly totals the view computes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorsSection {
    pub granularity: IndicatorsGranularity,
    pub years: Vec<YearIndicators>,
    pub quarters: Vec<QuarterIndicators>,
}

impl IndicatorsSection {
    /// Yearly values: as entered, or summed from the quarters (a year is complete only if
    /// its four quarters carry the value).
    pub fn yearly_totals(&self) -> Vec<YearIndicators> {
        match self.granularity {
            IndicatorsGranularity::Yearly => {
                let mut y = self.years.clone();
                y.sort_by_key(|y| y.year);
                y
            }
            IndicatorsGranularity::Quarterly => {
                let years: std::collections::BTreeSet<i32> =
                    self.quarters.iter().map(|q| q.year).collect();
                years
                    .into_iter()
                    .map(|year| {
                        let qs: Vec<&QuarterIndicators> = self
                            .quarters
                            .iter()
                            .filter(|q| q.year == year && (1..=4).contains(&q.quarter))
                            .collect();
                        let distinct: HashSet<i32> = qs.iter().map(|q| q.quarter).collect();
                        let sum = |f: fn(&IndicatorValues) -> Option<i64>| {
                            if distinct.len() != 4 || qs.len() != 4 {
                                return None;
                            }
                            qs.iter()
                                .map(|q| f(&q.values))
                                .try_fold(0i64, |acc, v| v.and_then(|v| acc.checked_add(v)))
                        };
                        YearIndicators {
                            year,
                            values: IndicatorValues {
                                fatturato: sum(|v| v.fatturato),
                                risultato_operativo: sum(|v| v.risultato_operativo),
                                risultato_impresa: sum(|v| v.risultato_impresa),
                                indebitamento: sum(|v| v.indebitamento),
                            },
                        }
                    })
                    .collect()
            }
        }
    }
}

/// Payment mode: conguaglio (default) or pagamento diretto, which needs the declaration of
/// financial difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    Conguaglio,
    PagamentoDiretto,
}

/// Union information/consultation and payment mode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DeclarationsSection {
    /// The union information/consultation was done.
    pub union_done: Option<bool>,
    pub union_date: Option<NaiveDate>,
    /// With whom (unions, RSU…).
    pub union_with: Option<String>,
    pub payment_mode: Option<PaymentMode>,
    /// Declaration of financial difficulty (required for pagamento diretto).
    pub financial_difficulty: bool,
}

/// An uploaded PDF report kept in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredPdf {
    pub key: String,
    pub sha256: String,
    #[schema(format = Int64)]
    pub size: i64,
    pub filename: String,
    #[schema(format = Int32)]
    pub pages: i32,
}

/// Everything typed into a draft (stored as JSON in `applications.content`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DraftContent {
    /// R-SEL-1: the user confirmed a non-compatible benefit; the operator sees it.
    pub benefit_non_compatible_confirmed: bool,
    pub request: RequestSection,
    pub workers: Vec<WorkerEntry>,
    /// `None` until saved; pre-filled at start from the registry.
    pub headcount: Option<Vec<HeadcountEntry>>,
    pub report: ReportSection,
    pub indicators: Option<IndicatorsSection>,
    pub declarations: DeclarationsSection,
    /// Notes given at submission for forceable findings (finding code → note).
    pub notes: BTreeMap<String, String>,
    pub report_pdf: Option<StoredPdf>,
    /// The application this draft was duplicated from.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub duplicated_from: Option<ApplicationId>,
}

impl DraftContent {
    pub(crate) fn parse(s: &str) -> Result<Self, ServiceError> {
        serde_json::from_str(s).map_err(|e| ServiceError::Internal(format!("draft content: {e}")))
    }
    pub(crate) fn to_json(&self) -> Result<String, ServiceError> {
        serde_json::to_string(self).map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

// ---- inputs --------------------------------------------------------------------------

/// Starting a draft: the benefit (R-SEL-1: a non-compatible one needs the confirmation)
/// and, optionally, the UP (it can also be given with the request section).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartDraft {
    #[schema(value_type = String, example = "cigo")]
    pub benefit: Benefit,
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    #[serde(default)]
    pub confirm_non_compatible: bool,
}

/// Submission of a guided draft: one note per forceable finding (code → note).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SubmitInput {
    pub notes: BTreeMap<String, String>,
}

/// CSV import mode: refuse the whole file while any line is bad, or keep the good lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    AllOrNothing,
    KeepGoodLines,
}

/// A refused CSV line (1-based line number in the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CsvLineError {
    #[schema(format = Int32)]
    pub line: u32,
    pub code: &'static str,
    pub message_it: String,
    pub message_en: String,
}

/// Outcome of a CSV import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Workers now in the application (the import replaces the list).
    #[schema(format = Int32)]
    pub imported: u32,
    /// Lines left out (only with [`ImportMode::KeepGoodLines`]).
    pub rejected: Vec<CsvLineError>,
    pub application: ApplicationView,
}

/// A blob read: a missing blob (e.g. a memory store after a restart) is logged and answered
/// as `NotFound`; any other failure is internal.
pub(crate) fn blob_read_error(e: omnia_documents::blobs::BlobError) -> ServiceError {
    match e {
        omnia_documents::blobs::BlobError::NotFound(key) => {
            tracing::warn!(%key, "referenced blob is missing from the store");
            ServiceError::NotFound
        }
        other => ServiceError::Internal(format!("blob get: {other}")),
    }
}

fn too_long(pointer: &str, field: &str, max: usize) -> FieldError {
    FieldError::new(
        pointer,
        field,
        "text_too_long",
        format!("Il testo supera i {max} caratteri."),
        format!("The text exceeds {max} characters."),
    )
}

fn check_len(
    errors: &mut Vec<FieldError>,
    v: Option<&str>,
    pointer: &str,
    field: &str,
    max: usize,
) {
    if v.is_some_and(|v| v.chars().count() > max) {
        errors.push(too_long(pointer, field, max));
    }
}

/// Content of an application filed with the one-shot form (no `content`): its columns.
pub(crate) async fn legacy_content(
    tx: &mut Tx,
    app: &ApplicationRow,
) -> Result<DraftContent, ServiceError> {
    let workers = tx
        .application_workers(app.id)
        .await?
        .into_iter()
        .map(|w| WorkerEntry {
            worker_id: w.worker_id,
            hours: w.days_requested.is_none().then_some(w.hours_requested),
            days: w.days_requested,
        })
        .collect();
    Ok(DraftContent {
        request: RequestSection {
            unit_id: Some(app.unit_id),
            causale: Some(app.causale.clone()),
            request_kind: Some(RequestKind::PrimaRichiesta),
            kind: crate::applications::parse_kind(&app.kind).ok(),
            start: Some(app.start_date),
            end: Some(app.end_date),
            ..Default::default()
        },
        workers,
        declarations: DeclarationsSection {
            payment_mode: Some(PaymentMode::Conguaglio),
            ..Default::default()
        },
        ..Default::default()
    })
}

/// The registry's headcount of the latest semester, as the pre-filled answer.
pub(crate) fn headcount_prefill(rows: &[omnia_store::HeadcountRow]) -> Vec<HeadcountEntry> {
    let latest = rows.iter().map(|h| h.semester.as_str()).max();
    rows.iter()
        .filter(|h| Some(h.semester.as_str()) == latest)
        .map(|h| HeadcountEntry {
            weekly_hours: i32::try_from(h.weekly_hours).unwrap_or(40),
            avg_workers_hundredths: h.avg_workers_hundredths,
        })
        .collect()
}

/// The page's field prefix of a worker's quantity (`ore_{id}` or `giorni_{id}`).
pub fn quantity_field(unit: QuantityUnit) -> &'static str {
    match unit {
        QuantityUnit::Hours => "ore",
        QuantityUnit::Days => "giorni",
    }
}

/// Maximum hours for a worker over a period: weekly contractual hours × weeks (at least 1).
pub(crate) fn max_hours(w: &WorkerRow, start: Option<NaiveDate>, end: Option<NaiveDate>) -> i64 {
    let weeks = match (start, end) {
        (Some(s), Some(e)) if s <= e => ((e - s).num_days() + 7) / 7,
        _ => crate::applications::CIGO_MAX_WEEKS,
    };
    w.weekly_hours * weeks.max(1)
}

/// Maximum whole days for a worker over a period (CISOA): the working days of the period
/// on the worker's 5- or 6-day week, public holidays excluded (13 weeks' worth while the
/// period is unknown).
pub(crate) fn max_days(w: &WorkerRow, start: Option<NaiveDate>, end: Option<NaiveDate>) -> i64 {
    let pattern = u64::try_from(w.working_days_per_week)
        .ok()
        .and_then(omnia_domain::calendar::WorkPattern::from_days);
    match (
        pattern,
        start
            .zip(end)
            .and_then(|(s, e)| omnia_domain::application::Period::new(s, e).ok()),
    ) {
        (Some(pattern), Some(period)) => {
            i64::try_from(pattern.working_days(&period).len()).unwrap_or(i64::MAX)
        }
        _ => w.working_days_per_week * crate::applications::CIGO_MAX_WEEKS,
    }
}

/// The line of `application_workers` a worker entry projects to: the hours (CISOA: what the
/// days stand for, P27) and the days. `None` when it cannot be a line (wrong unit, not
/// positive).
pub(crate) fn projected_line(
    benefit: Benefit,
    entry: &WorkerEntry,
    worker: &WorkerRow,
) -> Option<(WorkerId, i64, Option<i64>)> {
    let q = entry.quantity(benefit).ok()?;
    let hours = q.whole_hours(
        rust_decimal::Decimal::from(worker.weekly_hours),
        u32::try_from(worker.working_days_per_week).unwrap_or(0),
    );
    let days = matches!(q, Requested::Days(_)).then(|| i64::from(q.amount()));
    (hours > 0).then_some((entry.worker_id, hours, days))
}

impl Services {
    /// Creates a guided draft for the scope's employer (R-SEL-1: a non-compatible benefit
    /// needs `confirm_non_compatible`, and the flag stays on the application).
    pub async fn start_draft(
        &self,
        s: &EmployerScope,
        input: StartDraft,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let employer = tx
            .employer(s.employer_id())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let codes = tx.authorisation_codes(employer.id).await?;
        let headcount = tx.headcount(employer.id).await?;
        let suggested =
            crate::registry::select_benefits(&employer, &codes, &headcount, self.today())
                .benefits
                .iter()
                .any(|b| b.benefit == input.benefit && b.status == Suggestion::Suggerita);
        if !suggested && !input.confirm_non_compatible {
            return Err(ServiceError::field(FieldError::new(
                "/confirm_non_compatible",
                "conferma_non_compatibile",
                "benefit_not_confirmed",
                format!(
                    "{} non è compatibile con l'inquadramento del datore di lavoro (R-SEL-1): confermare la scelta per procedere.",
                    input.benefit.label_it()
                ),
                format!(
                    "{} is not compatible with the employer's classification (R-SEL-1): confirm the choice to proceed.",
                    input.benefit.label_en()
                ),
            )));
        }
        let units = tx.units_of_employer(employer.id).await?;
        let unit = match input.unit_id {
            Some(u) => units.iter().find(|x| x.id == u).ok_or_else(|| {
                ServiceError::field(FieldError::new(
                    "/unit_id",
                    "unita_produttiva",
                    "unknown_unit",
                    "Unità produttiva non trovata tra quelle del datore di lavoro.",
                    "Productive unit not found among the employer's units.",
                ))
            })?,
            // The column needs a UP; until the user picks one the first is a placeholder
            // (the content keeps `unit_id: null` and the checks ask for it).
            None => units.first().ok_or_else(|| {
                ServiceError::field(FieldError::new(
                    "/unit_id",
                    "unita_produttiva",
                    "no_units",
                    "Il datore di lavoro non ha unità produttive registrate.",
                    "The employer has no registered productive unit.",
                ))
            })?,
        };
        let content = DraftContent {
            benefit_non_compatible_confirmed: !suggested,
            request: RequestSection {
                unit_id: input.unit_id,
                request_kind: Some(RequestKind::PrimaRichiesta),
                ..Default::default()
            },
            headcount: (input.benefit != Benefit::Cisoa).then(|| headcount_prefill(&headcount)),
            declarations: DeclarationsSection {
                payment_mode: Some(PaymentMode::Conguaglio),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = ApplicationId::new_v7();
        let now = self.now();
        let today = self.today();
        tx.insert_application(&NewApplicationRow {
            id,
            employer_id: employer.id,
            unit_id: unit.id,
            benefit: input.benefit.code().to_owned(),
            causale: String::new(),
            kind: kind_code(ReductionKind::Sospensione).to_owned(),
            start_date: today,
            end_date: today,
            created_by: s.actor(),
            created_at: now,
            content: Some(content.to_json()?),
        })
        .await?;
        tx.append_audit(audit(
            s.actor(),
            Some(s.employer_id()),
            "application.create",
            id,
            serde_json::json!({ "benefit": input.benefit.code(), "guided": true, "non_compatible_confirmed": !suggested }),
        ))
        .await?;
        let view = reload(&mut tx, id, today).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Loads a guided draft for a save: employer side, state draft, expected version.
    async fn draft_for_save(
        &self,
        tx: &mut Tx,
        p: &Principal,
        id: ApplicationId,
        version: Option<i64>,
    ) -> Result<(EmployerScope, ApplicationRow, DraftContent), ServiceError> {
        let (scope, app) = self.employer_side(tx, p, id).await?;
        match app.state {
            ApplicationState::Draft => {}
            ApplicationState::Withdrawn => {
                return Err(ServiceError::conflict(
                    "withdrawn",
                    "La domanda è stata ritirata e non può essere modificata.",
                ));
            }
            _ => {
                return Err(ServiceError::conflict(
                    "already_submitted",
                    "La domanda è già stata inviata e non può essere modificata (R-APP-6).",
                ));
            }
        }
        if version.is_some_and(|v| v != app.version) {
            return Err(concurrent());
        }
        let content = match &app.content {
            Some(c) => DraftContent::parse(c)?,
            None => legacy_content(tx, &app).await?,
        };
        Ok((scope, app, content))
    }

    /// Writes `content` (and its projections) in place of the draft's, then reloads.
    async fn store_draft(
        &self,
        mut tx: Tx,
        scope: &EmployerScope,
        app: &ApplicationRow,
        content: &DraftContent,
        section: &str,
        workers_changed: bool,
    ) -> Result<ApplicationView, ServiceError> {
        let r = &content.request;
        let unit_id = match r.unit_id {
            Some(u) => match tx.unit(u).await? {
                Some(unit) if unit.employer_id == app.employer_id => u,
                _ => app.unit_id,
            },
            None => app.unit_id,
        };
        let (start_date, end_date) = match (r.start, r.end) {
            (Some(s), Some(e)) if s <= e => (s, e),
            _ => (app.start_date, app.end_date),
        };
        let projection = DraftProjection {
            unit_id,
            causale: r.causale.clone().unwrap_or_default(),
            kind: kind_code(r.kind.unwrap_or(ReductionKind::Sospensione)).to_owned(),
            start_date,
            end_date,
        };
        let json = content.to_json()?;
        // Nothing new (e.g. the autosave of a field that lost focus after its last pause):
        // no write, no audit event, the version stays.
        if app.content.as_deref() == Some(json.as_str()) {
            return reload(&mut tx, app.id, self.today()).await;
        }
        let now = self.now();
        if !tx
            .save_draft(app.id, app.version, &json, &projection, now)
            .await?
        {
            return Err(concurrent());
        }
        if workers_changed {
            // Only lines that can exist in the table (a worker of this employer, a positive
            // quantity in the benefit's unit, once each); the content keeps every line as typed.
            let staff = tx.workers_of_employer(app.employer_id).await?;
            let benefit = crate::applications::parse_benefit(&app.benefit)?;
            let mut seen = HashSet::new();
            let lines: Vec<(WorkerId, i64, Option<i64>)> = content
                .workers
                .iter()
                .filter_map(|w| {
                    let s = staff.iter().find(|s| s.id == w.worker_id)?;
                    projected_line(benefit, w, s)
                })
                .filter(|l| seen.insert(l.0))
                .collect();
            tx.replace_application_workers(app.id, &lines).await?;
        }
        tx.append_audit(audit(
            scope.actor(),
            Some(scope.employer_id()),
            "application.update",
            app.id,
            serde_json::json!({ "section": section }),
        ))
        .await?;
        let view = reload(&mut tx, app.id, self.today()).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Saves the request section (UP, causale, prima richiesta/proroga, kind, dates).
    pub async fn save_request(
        &self,
        p: &Principal,
        id: ApplicationId,
        version: i64,
        section: RequestSection,
    ) -> Result<ApplicationView, ServiceError> {
        let mut errors = Vec::new();
        check_len(
            &mut errors,
            section.causale.as_deref(),
            "/causale",
            "causale",
            20,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, Some(version)).await?;
        content.request = section;
        self.store_draft(tx, &scope, &app, &content, "request", false)
            .await
    }

    /// Saves the workers and their hours (replaces the list).
    pub async fn save_workers(
        &self,
        p: &Principal,
        id: ApplicationId,
        version: i64,
        workers: Vec<WorkerEntry>,
    ) -> Result<ApplicationView, ServiceError> {
        if workers.len() > MAX_WORKERS {
            return Err(ServiceError::field(FieldError::new(
                "/workers",
                "lavoratori",
                "too_many_workers",
                format!("Al massimo {MAX_WORKERS} lavoratori per domanda."),
                format!("At most {MAX_WORKERS} workers per application."),
            )));
        }
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, Some(version)).await?;
        // R-LIM-9: the unit is the benefit's (CISOA whole days, the others hours).
        let benefit = crate::applications::parse_benefit(&app.benefit)?;
        let errors: Vec<FieldError> = workers
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                // A wrong unit is refused; a quantity out of range is kept and reported by
                // the checks, like every other typed value.
                let e = w
                    .quantity(benefit)
                    .err()
                    .filter(|e| !matches!(e, QuantityError::NotPositive(_)))?;
                Some(FieldError::new(
                    format!("/workers/{i}/{}", e.field()),
                    format!(
                        "{}_{}",
                        quantity_field(QuantityUnit::of(benefit)),
                        w.worker_id
                    ),
                    e.code(),
                    e.message_it(),
                    e.message_en(),
                ))
            })
            .collect();
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        content.workers = workers;
        self.store_draft(tx, &scope, &app, &content, "workers", true)
            .await
    }

    /// Saves the average workforce of the previous semester.
    pub async fn save_headcount(
        &self,
        p: &Principal,
        id: ApplicationId,
        version: i64,
        headcount: Vec<HeadcountEntry>,
    ) -> Result<ApplicationView, ServiceError> {
        if headcount.len() > 50 {
            return Err(ServiceError::field(FieldError::new(
                "/headcount",
                "organico",
                "too_many_rows",
                "Al massimo 50 righe di organico.",
                "At most 50 headcount rows.",
            )));
        }
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, Some(version)).await?;
        content.headcount = Some(headcount);
        self.store_draft(tx, &scope, &app, &content, "headcount", false)
            .await
    }

    /// Saves the technical report (structured fields, or the PDF mode).
    pub async fn save_report(
        &self,
        p: &Principal,
        id: ApplicationId,
        version: i64,
        report: ReportSection,
    ) -> Result<ApplicationView, ServiceError> {
        let mut errors = Vec::new();
        if report.fields.len() > 30 {
            errors.push(FieldError::new(
                "/fields",
                "relazione",
                "too_many_fields",
                "Troppi campi nella relazione tecnica.",
                "Too many report fields.",
            ));
        }
        for (k, v) in &report.fields {
            check_len(&mut errors, Some(k), "/fields", "relazione", 64);
            check_len(
                &mut errors,
                Some(v),
                &format!("/fields/{k}"),
                &format!("relazione_{k}"),
                MAX_REPORT_TEXT,
            );
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, Some(version)).await?;
        content.report = report;
        self.store_draft(tx, &scope, &app, &content, "report", false)
            .await
    }

    /// Saves the economic-financial indicators (per year or per quarter).
    pub async fn save_indicators(
        &self,
        p: &Principal,
        id: ApplicationId,
        version: i64,
        indicators: IndicatorsSection,
    ) -> Result<ApplicationView, ServiceError> {
        if indicators.years.len() > 10 || indicators.quarters.len() > 40 {
            return Err(ServiceError::field(FieldError::new(
                "/",
                "indicatori",
                "too_many_rows",
                "Troppe righe di indicatori.",
                "Too many indicator rows.",
            )));
        }
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, Some(version)).await?;
        content.indicators = Some(indicators);
        self.store_draft(tx, &scope, &app, &content, "indicators", false)
            .await
    }

    /// Saves the declarations (union information/consultation, payment mode).
    pub async fn save_declarations(
        &self,
        p: &Principal,
        id: ApplicationId,
        version: i64,
        declarations: DeclarationsSection,
    ) -> Result<ApplicationView, ServiceError> {
        let mut errors = Vec::new();
        check_len(
            &mut errors,
            declarations.union_with.as_deref(),
            "/union_with",
            "sindacati",
            MAX_SHORT_TEXT,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, Some(version)).await?;
        content.declarations = declarations;
        self.store_draft(tx, &scope, &app, &content, "declarations", false)
            .await
    }

    /// Imports the beneficiaries from CSV (`docs/csv.md`): `codice_fiscale;ore`, optional
    /// header line. The import replaces the worker list. With
    /// [`ImportMode::AllOrNothing`] any bad line refuses the whole file (a `Validation`
    /// error per line, pointer `/lines/N`); with [`ImportMode::KeepGoodLines`] the good
    /// lines are imported and the bad ones reported.
    pub async fn import_workers_csv(
        &self,
        p: &Principal,
        id: ApplicationId,
        bytes: &[u8],
        mode: ImportMode,
    ) -> Result<ImportReport, ServiceError> {
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, None).await?;
        let staff = tx.workers_of_employer(app.employer_id).await?;
        let unit = content.request.unit_id.unwrap_or(app.unit_id);
        let benefit = crate::applications::parse_benefit(&app.benefit)?;
        let (good, bad) = parse_csv(
            bytes,
            &staff,
            unit,
            benefit,
            content.request.start,
            content.request.end,
        );
        if !bad.is_empty() && mode == ImportMode::AllOrNothing {
            return Err(ServiceError::Validation(
                bad.into_iter()
                    .map(|e| {
                        FieldError::new(
                            format!("/lines/{}", e.line),
                            "file_csv",
                            e.code,
                            format!("Riga {}: {}", e.line, e.message_it),
                            format!("Line {}: {}", e.line, e.message_en),
                        )
                    })
                    .collect(),
            ));
        }
        content.workers = good;
        let imported = u32::try_from(content.workers.len()).unwrap_or(u32::MAX);
        let view = self
            .store_draft(tx, &scope, &app, &content, "workers_csv", true)
            .await?;
        Ok(ImportReport {
            imported,
            rejected: bad,
            application: view,
        })
    }

    /// Attaches the technical report as a PDF (R-APP-1, traditional route): checked with
    /// `pdf_check::inspect` (at most [`REPORT_PDF_MAX_BYTES`]), stored in the blob store;
    /// the report switches to the PDF mode.
    pub async fn attach_report_pdf(
        &self,
        p: &Principal,
        id: ApplicationId,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<ApplicationView, ServiceError> {
        // Ownership and state first: an outsider learns nothing from the PDF check.
        {
            let mut tx = self.db().read().await?;
            self.draft_for_save(&mut tx, p, id, None).await?;
        }
        let (bytes, checked) = tokio::task::spawn_blocking(move || {
            let r = pdf_check::inspect(&bytes, REPORT_PDF_MAX_BYTES);
            (bytes, r)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("pdf check: {e}")))?;
        let info = checked.map_err(|rejection| {
            ServiceError::field(FieldError::new(
                "/report/pdf",
                "relazione_pdf",
                rejection.code(),
                rejection.message(),
                format!("The PDF was refused ({}).", rejection.code()),
            ))
        })?;
        let sha = omnia_documents::blobs::sha256_hex(&bytes);
        let key = BlobKey::parse(&format!("reports/{}/{sha}.pdf", id.0))
            .map_err(|e| ServiceError::Internal(format!("blob key: {e:?}")))?;
        let blob = self
            .blobs()
            .put(&key, bytes)
            .await
            .map_err(|e| ServiceError::Internal(format!("blob put: {e}")))?;
        let filename: String = filename
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(200)
            .collect();
        let mut tx = self.db().begin().await?;
        let (scope, app, mut content) = self.draft_for_save(&mut tx, p, id, None).await?;
        content.report.mode = ReportMode::Pdf;
        content.report_pdf = Some(StoredPdf {
            key: blob.key.as_str().to_owned(),
            sha256: blob.sha256,
            size: i64::try_from(blob.size).unwrap_or(i64::MAX),
            filename: if filename.is_empty() {
                "relazione.pdf".into()
            } else {
                filename
            },
            pages: i32::try_from(info.pages).unwrap_or(i32::MAX),
        });
        self.store_draft(tx, &scope, &app, &content, "report_pdf", false)
            .await
    }

    /// The uploaded PDF report: `(filename, bytes)`, for whoever may see the application.
    pub async fn report_pdf(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let view = self.application(p, id).await?;
        let pdf = view
            .content
            .and_then(|c| c.report_pdf)
            .ok_or(ServiceError::NotFound)?;
        let key = BlobKey::parse(&pdf.key).map_err(|e| ServiceError::Internal(format!("{e:?}")))?;
        let bytes = self.blobs().get(&key).await.map_err(blob_read_error)?;
        Ok((pdf.filename, bytes))
    }

    /// The receipt PDF rendered at submission (R-APP-6).
    pub async fn receipt_pdf(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<Vec<u8>, ServiceError> {
        self.application(p, id).await?;
        let key = {
            let mut tx = self.db().read().await?;
            let app = tx.application(id).await?.ok_or(ServiceError::NotFound)?;
            app.receipt_blob.ok_or(ServiceError::NotFound)?
        };
        let key = BlobKey::parse(&key).map_err(|e| ServiceError::Internal(format!("{e:?}")))?;
        self.blobs().get(&key).await.map_err(blob_read_error)
    }

    /// Copies a submitted (or decided, or withdrawn) application into a new guided draft
    /// of the same employer; it gets its own ticket when submitted.
    pub async fn duplicate(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let (scope, app) = self.employer_side(&mut tx, p, id).await?;
        if app.state == ApplicationState::Draft {
            return Err(ServiceError::conflict(
                "not_submitted",
                "Si duplicano le domande già inviate; una bozza si modifica direttamente.",
            ));
        }
        let mut content = match &app.content {
            Some(c) => DraftContent::parse(c)?,
            None => legacy_content(&mut tx, &app).await?,
        };
        content.notes.clear();
        content.duplicated_from = Some(app.id);
        let new_id = ApplicationId::new_v7();
        let now = self.now();
        tx.insert_application(&NewApplicationRow {
            id: new_id,
            employer_id: app.employer_id,
            unit_id: app.unit_id,
            benefit: app.benefit.clone(),
            causale: app.causale.clone(),
            kind: app.kind.clone(),
            start_date: app.start_date,
            end_date: app.end_date,
            created_by: scope.actor(),
            created_at: now,
            content: Some(content.to_json()?),
        })
        .await?;
        for w in tx.application_workers(app.id).await? {
            tx.insert_application_worker(new_id, w.worker_id, w.hours_requested, w.days_requested)
                .await?;
        }
        tx.append_audit(audit(
            scope.actor(),
            Some(scope.employer_id()),
            "application.duplicate",
            new_id,
            serde_json::json!({ "from": app.id }),
        ))
        .await?;
        let view = reload(&mut tx, new_id, self.today()).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// Parses the beneficiaries CSV against the employer's staff. The second column is in the
/// benefit's unit: `ore`, or `giorni` (whole days) for CISOA (R-LIM-9).
fn parse_csv(
    bytes: &[u8],
    staff: &[WorkerRow],
    unit: UnitId,
    benefit: Benefit,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> (Vec<WorkerEntry>, Vec<CsvLineError>) {
    let days = QuantityUnit::of(benefit) == QuantityUnit::Days;
    let column = if days { "giorni" } else { "ore" };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let err = |line: usize, code: &'static str, it: String, en: String| CsvLineError {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        code,
        message_it: it,
        message_en: en,
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        bad.push(err(
            1,
            "csv_encoding",
            "Il file non è in UTF-8.".into(),
            "The file is not UTF-8.".into(),
        ));
        return (good, bad);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut seen: HashSet<WorkerId> = HashSet::new();
    let mut header_done = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if !header_done {
            header_done = true;
            let header = line.to_ascii_lowercase();
            if header.starts_with("codice_fiscale") {
                // A header naming the other unit would import days as hours or vice versa.
                let named = header.split(';').nth(1).map(str::trim).unwrap_or(column);
                if named != column {
                    let (code, it, en) = if days {
                        (
                            "cisoa_in_days",
                            "la CISOA si chiede a giornate intere: la seconda colonna è «giorni» (codice_fiscale;giorni).".to_owned(),
                            "CISOA is requested in whole days: the second column is 'giorni' (codice_fiscale;giorni).".to_owned(),
                        )
                    } else {
                        (
                            "days_only_for_cisoa",
                            format!(
                                "le giornate si indicano solo per la CISOA: la seconda colonna è «ore», trovata «{named}»."
                            ),
                            format!(
                                "days are only for CISOA: the second column is 'ore', found {named:?}."
                            ),
                        )
                    };
                    bad.push(err(n, code, it, en));
                    return (good, bad);
                }
                continue;
            }
        }
        if good.len() + bad.len() >= MAX_WORKERS {
            bad.push(err(
                n,
                "too_many_lines",
                format!("Al massimo {MAX_WORKERS} lavoratori per domanda."),
                format!("At most {MAX_WORKERS} workers per application."),
            ));
            break;
        }
        let cols: Vec<&str> = line.split(';').map(str::trim).collect();
        if cols.len() != 2 {
            bad.push(err(
                n,
                "bad_columns",
                format!(
                    "attese 2 colonne separate da «;» (codice_fiscale;{column}), trovate {}.",
                    cols.len()
                ),
                format!(
                    "expected 2 columns separated by ';' (codice_fiscale;{column}), found {}.",
                    cols.len()
                ),
            ));
            continue;
        }
        let cf = match CodiceFiscale::parse(&cols[0].to_ascii_uppercase()) {
            Ok(cf) => cf,
            Err(e) => {
                bad.push(err(
                    n,
                    "invalid_cf",
                    format!("codice fiscale non valido: {}", e.message_it()),
                    format!("invalid codice fiscale: {e}"),
                ));
                continue;
            }
        };
        let Some(w) = staff
            .iter()
            .find(|w| w.cf == cf.as_str() && w.unit_id == unit)
        else {
            bad.push(err(
                n,
                "unknown_worker",
                format!(
                    "{} non è un lavoratore dell'unità produttiva della domanda.",
                    cf.as_str()
                ),
                format!(
                    "{} is not a worker of the application's productive unit.",
                    cf.as_str()
                ),
            ));
            continue;
        };
        if w.qualifica == Qualifica::Dirigente {
            bad.push(err(
                n,
                "dirigente_excluded",
                format!(
                    "{} {} è un dirigente: i dirigenti sono esclusi (R-ELIG-1).",
                    w.surname, w.name
                ),
                format!(
                    "{} {} is a dirigente: executives are excluded (R-ELIG-1).",
                    w.surname, w.name
                ),
            ));
            continue;
        }
        let amount = match cols[1].parse::<i64>() {
            Ok(h) if h > 0 => h,
            _ => {
                let found = cols[1].chars().take(20).collect::<String>();
                let (code, it, en) = if days {
                    (
                        "days_not_positive_integer",
                        format!(
                            "le giornate devono essere un numero intero positivo (la CISOA si chiede a giornate intere), trovato «{found}»."
                        ),
                        format!(
                            "days must be a positive whole number (CISOA is requested in whole days), found {found:?}."
                        ),
                    )
                } else {
                    (
                        "hours_not_positive_integer",
                        format!(
                            "le ore devono essere un numero intero positivo, trovato «{found}»."
                        ),
                        format!("hours must be a positive integer, found {found:?}."),
                    )
                };
                bad.push(err(n, code, it, en));
                continue;
            }
        };
        if days {
            let max = max_days(w, start, end);
            if amount > max {
                bad.push(err(
                    n,
                    "too_many_days",
                    format!(
                        "{amount} giornate superano il massimo di {max} (giornate lavorative settimanali {} × settimane del periodo).",
                        w.working_days_per_week
                    ),
                    format!(
                        "{amount} days exceed the maximum of {max} (working days per week {} × weeks of the period).",
                        w.working_days_per_week
                    ),
                ));
                continue;
            }
        }
        let hours = amount;
        let max = max_hours(w, start, end);
        if !days && hours > max {
            bad.push(err(
                n,
                "too_many_hours",
                format!(
                    "{hours} ore superano il massimo di {max} (orario settimanale {} × settimane del periodo).",
                    w.weekly_hours
                ),
                format!(
                    "{hours} hours exceed the maximum of {max} (weekly hours {} × weeks of the period).",
                    w.weekly_hours
                ),
            ));
            continue;
        }
        if !seen.insert(w.id) {
            bad.push(err(
                n,
                "duplicate_worker",
                format!("{} compare più di una volta nel file.", cf.as_str()),
                format!("{} appears more than once in the file.", cf.as_str()),
            ));
            continue;
        }
        good.push(WorkerEntry::new(w.id, benefit, amount));
    }
    (good, bad)
}
