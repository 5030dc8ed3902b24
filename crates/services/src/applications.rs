//! Applications (domande): draft → submitted → authorised / partially authorised /
//! rejected, or withdrawn (R-IST-1, R-APP-6, R-IST-3). Every state change and its audit
//! event are written in one transaction.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::evaluation::selection::Suggestion;
use omnia_domain::ids::{AuthorisationNumber, OffsetCode, ProtocolNumber, Ticket};
use omnia_domain::quantity::{QuantityError, QuantityUnit, Requested};
use omnia_domain::reference::Reference;
use omnia_store::applications::{ApplicationListRow, NewApplicationRow};
use omnia_store::audit::NewAuditEvent;
use omnia_store::{
    ApplicationId, ApplicationRow, ApplicationState, ApplicationWorkerRow, EmployerId, OfficeId,
    Qualifica, Role, Tx, UnitId, UserId, WorkerId,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::scope::office_sees;
use crate::{EmployerScope, FieldError, OfficeScope, Principal, ServiceError, Services};

/// R-LIM-1: a CIGO request covers at most 13 weeks.
pub const CIGO_MAX_WEEKS: i64 = 13;
/// Bound on the workers of one application (bounded work per request; the largest demo UP
/// has 30).
pub const MAX_WORKERS: usize = 2000;
/// Bound on a motivation's length (characters).
pub const MAX_MOTIVATION: usize = 4000;

// ---- inputs --------------------------------------------------------------------------

/// A new application (draft). Field names are the JSON names; form fields are mapped in
/// the `field` of each [`FieldError`].
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub unit_id: UnitId,
    #[schema(value_type = String, example = "cigo")]
    pub benefit: Benefit,
    /// Causale code from the reference data, e.g. `MLC`.
    pub causale: String,
    #[schema(value_type = String, example = "sospensione")]
    pub kind: ReductionKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub workers: Vec<RequestedWorker>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestedWorker {
    pub worker_id: WorkerId,
    /// Hours of integration requested for the whole period (every benefit but CISOA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
    /// Whole days requested for the whole period (CISOA only, R-LIM-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

impl RequestedWorker {
    /// `h` hours for the whole period (every benefit but CISOA).
    pub fn hours(worker_id: WorkerId, h: u32) -> Self {
        RequestedWorker {
            worker_id,
            hours: Some(h),
            days: None,
        }
    }

    /// `d` whole days for the whole period (CISOA, R-LIM-9).
    pub fn days(worker_id: WorkerId, d: u32) -> Self {
        RequestedWorker {
            worker_id,
            hours: None,
            days: Some(d),
        }
    }

    /// `amount` in the unit of `benefit` (R-LIM-9).
    pub fn in_unit_of(benefit: Benefit, worker_id: WorkerId, amount: u32) -> Self {
        match QuantityUnit::of(benefit) {
            QuantityUnit::Hours => Self::hours(worker_id, amount),
            QuantityUnit::Days => Self::days(worker_id, amount),
        }
    }

    /// The same line as the guided drafts keep it, so that both paths share one check.
    fn entry(&self) -> crate::drafts::WorkerEntry {
        crate::drafts::WorkerEntry {
            worker_id: self.worker_id,
            hours: self.hours.map(i64::from),
            days: self.days.map(i64::from),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Authorised,
    Rejected,
}

/// An operator's decision (R-IST-3). `hours` (CISOA: `days`, R-LIM-9) lists what is
/// authorised per worker for a partial authorisation (workers not listed get 0); `None`
/// authorises everything requested.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub outcome: Outcome,
    /// Mandatory for a rejection or a partial authorisation.
    pub motivation: Option<String>,
    #[schema(value_type = Option<Vec<Vec<i64>>>)]
    pub hours: Option<Vec<(WorkerId, u32)>>,
    /// CISOA only: whole days authorised per worker.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Vec<i64>>>)]
    pub days: Option<Vec<(WorkerId, u32)>>,
}

impl Decision {
    /// Everything requested is authorised (R-IST-3), no motivation needed.
    pub fn authorised_in_full() -> Self {
        Decision {
            outcome: Outcome::Authorised,
            motivation: None,
            hours: None,
            days: None,
        }
    }
}

// ---- views ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmployerRef {
    pub id: EmployerId,
    pub cf: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: UnitId,
    pub name: String,
    pub comune: String,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OfficeRef {
    pub id: OfficeId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CausaleRef {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkerLine {
    pub worker_id: WorkerId,
    pub cf: String,
    /// "Surname Name".
    pub name: String,
    /// CISOA: the hours the days stand for (days × contractual daily hours, P27).
    pub hours_requested: i64,
    pub hours_authorised: Option<i64>,
    /// CISOA only: whole days (R-LIM-9).
    pub days_requested: Option<i64>,
    pub days_authorised: Option<i64>,
}

/// Everything a page needs about one application.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub ticket: Option<String>,
    pub protocol_number: Option<String>,
    pub authorisation_number: Option<String>,
    pub state: ApplicationState,
    pub state_label: String,
    pub employer: EmployerRef,
    pub unit: UnitRef,
    pub office: OfficeRef,
    #[schema(value_type = String, example = "cigo")]
    pub benefit: Benefit,
    pub benefit_label: String,
    /// R-SEL-1: the benefit is coherent with the employer's classification today. A
    /// non-compatible choice may be filed; the operator sees this flag.
    pub benefit_suggested: bool,
    pub causale: CausaleRef,
    #[schema(value_type = String, example = "sospensione")]
    pub kind: ReductionKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub workers: Vec<WorkerLine>,
    pub total_hours_requested: i64,
    pub total_hours_authorised: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub motivation: Option<String>,
    /// Optimistic-concurrency version (changes with every state change and every save).
    pub version: i64,
    /// Guided intake: every section as typed (`None` for applications filed with the
    /// one-shot form). For a draft, `unit`, `causale`, `kind`, `start`, `end` above are
    /// the last *valid* values (placeholders — first UP, empty causale, creation date —
    /// until the request section is saved); the form shows `content.request`.
    pub content: Option<crate::drafts::DraftContent>,
    /// Indicators per year (as entered, or totals of the quarters; R-APP-2).
    pub indicator_totals: Vec<crate::drafts::YearIndicators>,
    /// The registry's headcount of the latest semester (the pre-filled answer).
    pub headcount_registry: Vec<crate::drafts::HeadcountEntry>,
    /// A receipt PDF exists (`GET …/receipt`).
    pub has_receipt: bool,
    /// Conguaglio route (R-FLO-4): the offset code issued with the authorisation,
    /// `CG` + office + year + sequence of the authorisation number + check letter
    /// (`CG490020250000007K`); quoted in the fruito declarations. `None` for direct
    /// payment and before an authorisation.
    #[schema(example = "CG490020250000007K")]
    pub offset_code: Option<String>,
}

/// A row of an application list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationSummary {
    pub id: ApplicationId,
    pub employer: EmployerRef,
    pub unit_id: UnitId,
    pub unit_name: String,
    #[schema(value_type = String, example = "cigo")]
    pub benefit: Benefit,
    pub causale: String,
    #[schema(value_type = String, example = "sospensione")]
    pub kind: ReductionKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub state: ApplicationState,
    pub state_label: String,
    pub protocol_number: Option<String>,
    pub authorisation_number: Option<String>,
    pub total_hours_requested: i64,
    pub total_hours_authorised: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub(crate) fn internal(what: &str) -> ServiceError {
    ServiceError::Internal(what.to_owned())
}

pub(crate) fn parse_benefit(s: &str) -> Result<Benefit, ServiceError> {
    Benefit::parse(s).ok_or_else(|| internal("stored benefit"))
}

pub(crate) fn kind_code(k: ReductionKind) -> &'static str {
    match k {
        ReductionKind::Sospensione => "sospensione",
        ReductionKind::Riduzione => "riduzione",
    }
}

pub(crate) fn parse_kind(s: &str) -> Result<ReductionKind, ServiceError> {
    match s {
        "sospensione" => Ok(ReductionKind::Sospensione),
        "riduzione" => Ok(ReductionKind::Riduzione),
        _ => Err(internal("stored reduction kind")),
    }
}

impl TryFrom<ApplicationListRow> for ApplicationSummary {
    type Error = ServiceError;
    fn try_from(r: ApplicationListRow) -> Result<Self, ServiceError> {
        Ok(ApplicationSummary {
            id: r.id,
            employer: EmployerRef {
                id: r.employer_id,
                cf: r.employer_cf,
                name: r.employer_name,
            },
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            benefit: parse_benefit(&r.benefit)?,
            causale: r.causale,
            kind: parse_kind(&r.kind)?,
            start: r.start_date,
            end: r.end_date,
            state_label: r.state.label_it().to_owned(),
            state: r.state,
            protocol_number: r.protocol_number,
            authorisation_number: r.authorisation_number,
            total_hours_requested: r.hours_requested,
            total_hours_authorised: r.hours_authorised,
            created_at: r.created_at,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
        })
    }
}

fn summaries(rows: Vec<ApplicationListRow>) -> Result<Vec<ApplicationSummary>, ServiceError> {
    rows.into_iter().map(ApplicationSummary::try_from).collect()
}

/// Weeks touched by a period counted as ceil(days / 7): 13 weeks = at most 91 days.
fn weeks_of(start: NaiveDate, end: NaiveDate) -> i64 {
    let days = (end - start).num_days() + 1;
    (days + 6) / 7
}

/// Loads the full view of an application inside `tx`.
/// `today` dates the R-SEL judgement.
async fn load_view(
    tx: &mut Tx,
    app: &ApplicationRow,
    today: NaiveDate,
) -> Result<ApplicationView, ServiceError> {
    let employer = tx
        .employer(app.employer_id)
        .await?
        .ok_or_else(|| internal("employer of application"))?;
    let unit = tx
        .unit(app.unit_id)
        .await?
        .ok_or_else(|| internal("unit of application"))?;
    let office = tx
        .office(unit.office_id)
        .await?
        .ok_or_else(|| internal("office of unit"))?;
    let workers: Vec<WorkerLine> = tx
        .application_worker_lines(app.id)
        .await?
        .into_iter()
        .map(|l| WorkerLine {
            worker_id: l.worker_id,
            cf: l.cf,
            name: format!("{} {}", l.surname, l.name),
            hours_requested: l.hours_requested,
            hours_authorised: l.hours_authorised,
            days_requested: l.days_requested,
            days_authorised: l.days_authorised,
        })
        .collect();
    let total_hours_requested = workers.iter().map(|w| w.hours_requested).sum();
    let total_hours_authorised = if workers.iter().any(|w| w.hours_authorised.is_some()) {
        Some(workers.iter().filter_map(|w| w.hours_authorised).sum())
    } else {
        None
    };
    let benefit = parse_benefit(&app.benefit)?;
    let codes = tx.authorisation_codes(employer.id).await?;
    let headcount = tx.headcount(employer.id).await?;
    let benefit_suggested = crate::registry::select_benefits(&employer, &codes, &headcount, today)
        .benefits
        .iter()
        .any(|b| b.benefit == benefit && b.status == Suggestion::Suggerita);
    let content = app
        .content
        .as_deref()
        .map(crate::drafts::DraftContent::parse)
        .transpose()?;
    let causale_label = Reference::builtin()
        .causale(&app.causale)
        .map(|c| c.label_it.clone())
        .unwrap_or_else(|| app.causale.clone());
    Ok(ApplicationView {
        id: app.id,
        ticket: app.ticket.clone(),
        protocol_number: app.protocol_number.clone(),
        authorisation_number: app.authorisation_number.clone(),
        state: app.state,
        state_label: app.state.label_it().to_owned(),
        employer: EmployerRef {
            id: employer.id,
            cf: employer.cf,
            name: employer.name,
        },
        unit: UnitRef {
            id: unit.id,
            name: unit.name,
            comune: unit.comune,
            address: unit.address,
        },
        office: OfficeRef {
            id: office.id,
            code: office.code,
            name: office.name,
        },
        benefit,
        benefit_label: benefit.label_it().to_owned(),
        benefit_suggested,
        causale: CausaleRef {
            code: app.causale.clone(),
            label: causale_label,
        },
        kind: parse_kind(&app.kind)?,
        start: app.start_date,
        end: app.end_date,
        workers,
        total_hours_requested,
        total_hours_authorised,
        created_at: app.created_at,
        submitted_at: app.submitted_at,
        decided_at: app.decided_at,
        motivation: app.motivation.clone(),
        version: app.version,
        indicator_totals: content
            .as_ref()
            .and_then(|c| c.indicators.as_ref())
            .map(|i| i.yearly_totals())
            .unwrap_or_default(),
        content,
        headcount_registry: crate::drafts::headcount_prefill(&headcount),
        has_receipt: app.receipt_blob.is_some(),
        offset_code: app.offset_code.clone(),
    })
}

pub(crate) async fn reload(
    tx: &mut Tx,
    id: ApplicationId,
    today: NaiveDate,
) -> Result<ApplicationView, ServiceError> {
    let app = tx
        .application(id)
        .await?
        .ok_or_else(|| internal("application vanished"))?;
    load_view(tx, &app, today).await
}

pub(crate) fn audit(
    actor: UserId,
    on_behalf_of: Option<EmployerId>,
    action: &str,
    id: ApplicationId,
    details: serde_json::Value,
) -> NewAuditEvent {
    NewAuditEvent {
        actor: Some(actor),
        on_behalf_of,
        action: action.into(),
        target_type: "application".into(),
        target_id: id.to_string(),
        details,
    }
}

impl Services {
    /// Creates a draft after checking every field; all problems are reported at once and
    /// nothing is written unless all pass.
    pub async fn create_draft(
        &self,
        s: &EmployerScope,
        input: NewApplication,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let errors = self.validate_new(&mut tx, s, &input).await?;
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let id = ApplicationId::new_v7();
        let now = self.now();
        tx.insert_application(&NewApplicationRow {
            id,
            employer_id: s.employer_id(),
            unit_id: input.unit_id,
            benefit: input.benefit.code().to_owned(),
            causale: input.causale.clone(),
            kind: kind_code(input.kind).to_owned(),
            start_date: input.start,
            end_date: input.end,
            created_by: s.actor(),
            created_at: now,
            content: None,
        })
        .await?;
        let staff = tx.workers_of_employer(s.employer_id()).await?;
        for w in &input.workers {
            // Validated above: a worker of this employer with a positive quantity in range.
            let line = staff
                .iter()
                .find(|st| st.id == w.worker_id)
                .and_then(|st| crate::drafts::projected_line(input.benefit, &w.entry(), st));
            if let Some((worker, hours, days)) = line {
                tx.insert_application_worker(id, worker, hours, days)
                    .await?;
            }
        }
        tx.append_audit(audit(
            s.actor(),
            Some(s.employer_id()),
            "application.create",
            id,
            serde_json::json!({ "benefit": input.benefit.code(), "causale": input.causale, "unit_id": input.unit_id }),
        ))
        .await?;
        let view = reload(&mut tx, id, self.today()).await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn validate_new(
        &self,
        tx: &mut Tx,
        s: &EmployerScope,
        input: &NewApplication,
    ) -> Result<Vec<FieldError>, ServiceError> {
        let mut errors = Vec::new();
        let unit = tx
            .unit(input.unit_id)
            .await?
            .filter(|u| u.employer_id == s.employer_id());
        if unit.is_none() {
            // Same answer for another employer's UP as for a nonexistent one.
            errors.push(FieldError::new(
                "/unit_id",
                "unita_produttiva",
                "unknown_unit",
                "Unità produttiva non trovata tra quelle del datore di lavoro.",
                "Productive unit not found among the employer's units.",
            ));
        }

        let period_ok = input.start <= input.end;
        if !period_ok {
            errors.push(FieldError::new(
                "/end",
                "data_fine",
                "end_before_start",
                "La data di fine precede la data di inizio.",
                "The end date is before the start date.",
            ));
        }
        let weeks = if period_ok {
            weeks_of(input.start, input.end)
        } else {
            0
        };
        if period_ok && input.benefit == Benefit::Cigo && weeks > CIGO_MAX_WEEKS {
            errors.push(FieldError::new(
                "/end",
                "data_fine",
                "period_too_long",
                format!(
                    "Una domanda di CIGO copre al massimo {CIGO_MAX_WEEKS} settimane (R-LIM-1); il periodo indicato ne copre {weeks}."
                ),
                format!("A CIGO application covers at most {CIGO_MAX_WEEKS} weeks (R-LIM-1); this period covers {weeks}."),
            ));
        }

        let reference = Reference::builtin();
        match reference.causale(&input.causale) {
            None => errors.push(FieldError::new(
                "/causale",
                "causale",
                "unknown_causale",
                format!(
                    "Causale «{}» inesistente.",
                    input.causale.chars().take(20).collect::<String>()
                ),
                format!(
                    "Unknown causale {:?}.",
                    input.causale.chars().take(20).collect::<String>()
                ),
            )),
            Some(c) => {
                let usable = reference
                    .causali_for(input.benefit, input.start)
                    .iter()
                    .any(|x| x.code == c.code);
                if !usable {
                    errors.push(FieldError::new(
                        "/causale",
                        "causale",
                        "causale_not_for_benefit",
                        format!(
                            "La causale «{}» non è ammessa per {} alla data di inizio {}.",
                            c.label_it,
                            input.benefit.label_it(),
                            input.start.format("%d/%m/%Y")
                        ),
                        format!(
                            "Causale {} is not accepted for {} on the start date {}.",
                            c.code,
                            input.benefit.label_en(),
                            input.start
                        ),
                    ));
                }
            }
        }

        if input.workers.is_empty() {
            errors.push(FieldError::new(
                "/workers",
                "lavoratori",
                "no_workers",
                "Indicare almeno un lavoratore.",
                "List at least one worker.",
            ));
        }
        if input.workers.len() > MAX_WORKERS {
            errors.push(FieldError::new(
                "/workers",
                "lavoratori",
                "too_many_workers",
                format!("Al massimo {MAX_WORKERS} lavoratori per domanda."),
                format!("At most {MAX_WORKERS} workers per application."),
            ));
            return Ok(errors);
        }
        let staff = tx.workers_of_employer(s.employer_id()).await?;
        let mut seen = HashSet::new();
        for (i, rw) in input.workers.iter().enumerate() {
            let ptr = format!("/workers/{i}/worker_id");
            let field = format!("lavoratore_{}", rw.worker_id);
            let worker = staff
                .iter()
                .find(|w| w.id == rw.worker_id && unit.as_ref().is_none_or(|u| u.id == w.unit_id));
            let Some(worker) = worker else {
                errors.push(FieldError::new(
                    ptr,
                    field,
                    "unknown_worker",
                    "Lavoratore non trovato nell'unità produttiva indicata.",
                    "Worker not found in the given productive unit.",
                ));
                continue;
            };
            if !seen.insert(rw.worker_id) {
                errors.push(FieldError::new(
                    ptr,
                    field,
                    "duplicate_worker",
                    "Lavoratore indicato più di una volta.",
                    "Worker listed more than once.",
                ));
                continue;
            }
            if worker.qualifica == Qualifica::Dirigente {
                errors.push(FieldError::new(
                    ptr,
                    field,
                    "dirigente_excluded",
                    format!(
                        "{} {} è un dirigente: i dirigenti sono esclusi (R-ELIG-1).",
                        worker.surname, worker.name
                    ),
                    format!(
                        "{} {} is a dirigente: executives are excluded (R-ELIG-1).",
                        worker.surname, worker.name
                    ),
                ));
                continue;
            }
            // R-LIM-9: CISOA in whole days, the others in hours; within the period.
            let entry = rw.entry();
            let quantity = entry.quantity(input.benefit);
            let (max, unit) = match QuantityUnit::of(input.benefit) {
                QuantityUnit::Days => (
                    period_ok.then(|| {
                        crate::drafts::max_days(worker, Some(input.start), Some(input.end))
                    }),
                    QuantityUnit::Days,
                ),
                QuantityUnit::Hours => (
                    period_ok.then(|| {
                        crate::drafts::max_hours(worker, Some(input.start), Some(input.end))
                    }),
                    QuantityUnit::Hours,
                ),
            };
            match quantity {
                Err(e @ (QuantityError::CisoaInDays | QuantityError::DaysOnlyForCisoa)) => {
                    errors.push(FieldError::new(
                        format!("/workers/{i}/{}", e.field()),
                        format!("{}_{}", crate::drafts::quantity_field(unit), rw.worker_id),
                        e.code(),
                        e.message_it(),
                        e.message_en(),
                    ));
                }
                Ok(q) if max.is_none_or(|m| i64::from(q.amount()) <= m) => {}
                _ => {
                    let max = max.unwrap_or(0);
                    let (code, it, en) = match unit {
                        QuantityUnit::Days => (
                            "days_out_of_range",
                            format!(
                                "Le giornate devono essere tra 1 e {max} (giornate lavorative settimanali {} × settimane del periodo).",
                                worker.working_days_per_week
                            ),
                            format!(
                                "Days must be between 1 and {max} (working days per week {} × weeks of the period).",
                                worker.working_days_per_week
                            ),
                        ),
                        QuantityUnit::Hours => (
                            "hours_out_of_range",
                            format!(
                                "Le ore devono essere tra 1 e {max} (orario contrattuale settimanale {} × settimane del periodo).",
                                worker.weekly_hours
                            ),
                            format!(
                                "Hours must be between 1 and {max} (weekly contractual hours {} × weeks of the period).",
                                worker.weekly_hours
                            ),
                        ),
                    };
                    errors.push(FieldError::new(
                        format!("/workers/{i}/{}", unit.field()),
                        format!("{}_{}", crate::drafts::quantity_field(unit), rw.worker_id),
                        code,
                        it,
                        en,
                    ));
                }
            }
        }
        Ok(errors)
    }

    /// Applications of every employer `p` may act for, newest first. Operators and
    /// administrators get an empty list (operators use [`Services::office_queue`]).
    pub async fn applications_for(
        &self,
        p: &Principal,
    ) -> Result<Vec<ApplicationSummary>, ServiceError> {
        let mut tx = self.db().read().await?;
        let rows = match (p.role, p.employer_id) {
            (Role::EmployerUser, Some(e)) => tx.applications_of_employer(e).await?,
            (Role::Intermediary, _) => {
                tx.applications_of_intermediary(p.user_id, self.today())
                    .await?
            }
            _ => vec![],
        };
        summaries(rows)
    }

    /// Applications of one employer (for a page scoped to it).
    pub async fn applications_of(
        &self,
        s: &EmployerScope,
    ) -> Result<Vec<ApplicationSummary>, ServiceError> {
        let mut tx = self.db().read().await?;
        summaries(tx.applications_of_employer(s.employer_id()).await?)
    }

    /// One application, for the employer side (its user or a delegated intermediary) or an
    /// operator of the office serving its UP (once submitted). `NotFound` otherwise.
    pub async fn application(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().read().await?;
        let app = tx.application(id).await?.ok_or(ServiceError::NotFound)?;
        let visible = match p.role {
            Role::EmployerUser | Role::Intermediary => self
                .employer_scope_in(&mut tx, p, app.employer_id)
                .await
                .is_ok(),
            Role::Operator => match self.office_scope(p) {
                Ok(o) => {
                    let unit = tx
                        .unit(app.unit_id)
                        .await?
                        .ok_or_else(|| internal("unit"))?;
                    office_sees(&o, &app, &unit)
                }
                Err(_) => false,
            },
            Role::Administrator => false,
        };
        if !visible {
            return Err(ServiceError::NotFound);
        }
        load_view(&mut tx, &app, self.today()).await
    }

    /// The audit trail of one application (oldest first), visible to whoever may see the
    /// application.
    pub async fn application_history(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<Vec<crate::AuditEventView>, ServiceError> {
        self.application(p, id).await?;
        let mut tx = self.db().read().await?;
        Ok(tx
            .audit_list_for("application", &id.to_string())
            .await?
            .into_iter()
            .map(crate::AuditEventView::from)
            .collect())
    }

    /// Loads an application for an employer-side state change, resolving the scope.
    pub(crate) async fn employer_side(
        &self,
        tx: &mut Tx,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<(EmployerScope, ApplicationRow), ServiceError> {
        let app = tx.application(id).await?.ok_or(ServiceError::NotFound)?;
        let scope = self.employer_scope_in(tx, p, app.employer_id).await?;
        Ok((scope, app))
    }

    /// draft → submitted without notes (see [`Services::submit_with`]).
    pub async fn submit(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<ApplicationView, ServiceError> {
        self.submit_with(p, id, crate::drafts::SubmitInput::default())
            .await
    }

    /// draft → submitted: protocol number (per office and year), a new ticket, the
    /// submission time, an immutable JSON snapshot of what was submitted and the receipt
    /// PDF in the blob store (R-APP-6).
    ///
    /// Guided drafts run every check of [`crate::checks`]: blocking findings refuse the
    /// submission (a `Validation` error per finding, pointer into `content`); each
    /// forceable finding needs a note in `input.notes` (else `note_required` at
    /// `/notes/<code>`); notes are stored with the content and in the snapshot.
    /// Applications filed with the one-shot form keep their checks (R-ELIG-2, R-APP-5).
    pub async fn submit_with(
        &self,
        p: &Principal,
        id: ApplicationId,
        input: crate::drafts::SubmitInput,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let (scope, app) = self.employer_side(&mut tx, p, id).await?;
        match app.state {
            ApplicationState::Draft => {}
            ApplicationState::Submitted
            | ApplicationState::Authorised
            | ApplicationState::PartiallyAuthorised
            | ApplicationState::Rejected => {
                return Err(ServiceError::conflict(
                    "already_submitted",
                    "La domanda è già stata inviata.",
                ));
            }
            ApplicationState::Withdrawn => {
                return Err(ServiceError::conflict(
                    "withdrawn",
                    "La domanda è stata ritirata e non può essere inviata.",
                ));
            }
        }
        let now = self.now();
        // Two submissions of the same employer must not both pass the overlap check.
        tx.lock_employer(app.employer_id).await?;
        let mut findings = Vec::new();
        let mut content_json = None;
        if let Some(c) = &app.content {
            let mut content = crate::drafts::DraftContent::parse(c)?;
            let review = self
                .evaluate(&mut tx, &app, &content, now.date_naive())
                .await?;
            let mut errors = Vec::new();
            let mut notes = std::collections::BTreeMap::new();
            for f in &review.findings {
                match f.severity {
                    crate::CheckSeverity::Blocking => errors.push(FieldError::new(
                        f.pointer.clone(),
                        f.field.clone(),
                        f.code,
                        f.message_it.clone(),
                        f.message_en.clone(),
                    )),
                    crate::CheckSeverity::Forceable => {
                        match input
                            .notes
                            .get(f.code)
                            .map(|n| n.trim())
                            .filter(|n| !n.is_empty())
                        {
                            Some(n) if n.chars().count() <= MAX_MOTIVATION => {
                                notes.insert(f.code.to_owned(), n.to_owned());
                            }
                            Some(_) => errors.push(FieldError::new(
                                format!("/notes/{}", f.code),
                                format!("nota_{}", f.code),
                                "note_too_long",
                                format!("La nota supera i {MAX_MOTIVATION} caratteri."),
                                format!("The note exceeds {MAX_MOTIVATION} characters."),
                            )),
                            None => errors.push(FieldError::new(
                                format!("/notes/{}", f.code),
                                format!("nota_{}", f.code),
                                "note_required",
                                format!(
                                    "Per procedere nonostante l'avviso serve una nota: {}",
                                    f.message_it
                                ),
                                format!(
                                    "A note is needed to proceed despite the warning: {}",
                                    f.message_en
                                ),
                            )),
                        }
                    }
                    crate::CheckSeverity::Info => {}
                }
            }
            if !errors.is_empty() {
                // Same pointer may come from several findings; keep them all (each is
                // one problem), in severity order.
                return Err(ServiceError::Validation(errors));
            }
            findings = review
                .findings
                .into_iter()
                .map(|mut f| {
                    f.note = notes.get(f.code).cloned();
                    f
                })
                .collect();
            content.notes = notes;
            content_json = Some(content.to_json()?);
        } else {
            self.check_seniority(&mut tx, &app, now.date_naive())
                .await?;
            check_overlaps(&mut tx, &app).await?;
        }
        if let Some(c) = &content_json {
            // The notes become part of what is submitted (same version guard as below).
            let projection = omnia_store::applications::DraftProjection {
                unit_id: app.unit_id,
                causale: app.causale.clone(),
                kind: app.kind.clone(),
                start_date: app.start_date,
                end_date: app.end_date,
            };
            if !tx.save_draft(id, app.version, c, &projection, now).await? {
                return Err(concurrent());
            }
        }
        let app = tx
            .application(id)
            .await?
            .ok_or_else(|| internal("application vanished"))?;
        let year = now.year();
        let unit = tx
            .unit(app.unit_id)
            .await?
            .ok_or_else(|| internal("unit"))?;
        let office = tx
            .office(unit.office_id)
            .await?
            .ok_or_else(|| internal("office"))?;
        let seq = tx.next_counter("protocol", &office.code, year).await?;
        let protocol = ProtocolNumber::new(&office.code, year, to_u32(seq)?)
            .map_err(|e| ServiceError::Internal(format!("protocol number: {e}")))?;
        let tseq = tx.next_counter("ticket", "", year).await?;
        let ticket = Ticket::new(year, to_u32(tseq)?)
            .map_err(|e| ServiceError::Internal(format!("ticket: {e}")))?;

        // The snapshot is the view as submitted: later reads of the live rows may show
        // decisions, never different contents.
        let mut snapshot = load_view(&mut tx, &app, self.today()).await?;
        snapshot.state = ApplicationState::Submitted;
        snapshot.state_label = ApplicationState::Submitted.label_it().to_owned();
        snapshot.protocol_number = Some(protocol.as_str().to_owned());
        snapshot.ticket = Some(ticket.as_str().to_owned());
        snapshot.submitted_at = Some(now);
        snapshot.version = app.version + 1;
        let snapshot_json = serde_json::to_string(
            &serde_json::json!({ "schema": 2, "application": snapshot, "findings": findings }),
        )
        .map_err(|e| ServiceError::Internal(e.to_string()))?;

        let ok = tx
            .mark_submitted(
                id,
                app.version,
                ticket.as_str(),
                protocol.as_str(),
                now,
                &snapshot_json,
            )
            .await?;
        if !ok {
            return Err(concurrent());
        }
        tx.append_audit(audit(
            scope.actor(),
            Some(scope.employer_id()),
            "application.submit",
            id,
            serde_json::json!({ "protocol_number": protocol.as_str(), "ticket": ticket.as_str() }),
        ))
        .await?;
        // The receipt is rendered from the snapshot; the blob is written before the commit
        // (an orphan blob after a failed commit is harmless; a receipt-less submission is
        // not).
        let pdf = crate::receipt::render_from_snapshot(&snapshot);
        let key =
            omnia_documents::blobs::BlobKey::parse(&format!("receipts/{}.pdf", protocol.as_str()))
                .map_err(|e| ServiceError::Internal(format!("blob key: {e:?}")))?;
        self.blobs()
            .put(&key, pdf)
            .await
            .map_err(|e| ServiceError::Internal(format!("receipt blob: {e}")))?;
        tx.set_receipt_blob(id, key.as_str()).await?;
        let view = reload(&mut tx, id, self.today()).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// R-ELIG-2: at the submission date every worker needs `seniority_days` (30) of work at
    /// the UP, except with an EONE causale. Our policy until attendance data exists: days
    /// since the hire date. CISOA has its own rule (R-ELIG-3, 181 days in the year), not yet
    /// checked here. Checked at submission, not at drafting: a draft may wait until the
    /// worker qualifies.
    async fn check_seniority(
        &self,
        tx: &mut Tx,
        app: &ApplicationRow,
        submission: NaiveDate,
    ) -> Result<(), ServiceError> {
        let reference = Reference::builtin();
        let eone = reference.causale(&app.causale).is_some_and(|c| c.eone);
        if eone || app.benefit == Benefit::Cisoa.code() {
            return Ok(());
        }
        let required = i64::from(reference.parameters_on(submission).seniority_days);
        let mut errors = Vec::new();
        // Pointers index the `workers` of the ApplicationView (same order).
        let lines = tx.application_worker_lines(app.id).await?;
        for (i, l) in lines.iter().enumerate() {
            let Some(w) = tx.worker(l.worker_id).await? else {
                continue;
            };
            let days = (submission - w.hire_date).num_days();
            if days < required {
                errors.push(FieldError::new(
                    format!("/workers/{i}/worker_id"),
                    format!("lavoratore_{}", w.id),
                    "seniority",
                    format!(
                        "{} {}: servono almeno {required} giorni di lavoro presso l'unità produttiva alla data di invio (R-ELIG-2); assunto/a il {}, {days} giorni.",
                        w.surname,
                        w.name,
                        w.hire_date.format("%d/%m/%Y")
                    ),
                    format!(
                        "{} {}: at least {required} days of work at the productive unit are required at submission (R-ELIG-2); hired {}, {days} days.",
                        w.surname, w.name, w.hire_date
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(errors))
        }
    }

    /// The immutable snapshot taken at submission (JSON), for the employer side or the
    /// serving office. `None` for drafts.
    pub async fn submitted_snapshot(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        // Visibility is exactly that of `application`.
        self.application(p, id).await?;
        let mut tx = self.db().read().await?;
        let app = tx.application(id).await?.ok_or(ServiceError::NotFound)?;
        app.snapshot
            .map(|s| serde_json::from_str(&s).map_err(|e| ServiceError::Internal(e.to_string())))
            .transpose()
    }

    /// Withdrawal (rinuncia) before the decision: from draft or submitted.
    pub async fn withdraw(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let (scope, app) = self.employer_side(&mut tx, p, id).await?;
        match app.state {
            ApplicationState::Draft | ApplicationState::Submitted => {}
            ApplicationState::Withdrawn => {
                return Err(ServiceError::conflict(
                    "already_withdrawn",
                    "La domanda è già stata ritirata.",
                ));
            }
            ApplicationState::Authorised
            | ApplicationState::PartiallyAuthorised
            | ApplicationState::Rejected => {
                return Err(ServiceError::conflict(
                    "already_decided",
                    "La domanda è già stata decisa e non può essere ritirata.",
                ));
            }
        }
        let now = self.now();
        if !tx.mark_withdrawn(id, app.version, now).await? {
            return Err(concurrent());
        }
        tx.append_audit(audit(
            scope.actor(),
            Some(scope.employer_id()),
            "application.withdraw",
            id,
            serde_json::json!({ "from_state": app.state.as_str() }),
        ))
        .await?;
        let view = reload(&mut tx, id, self.today()).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Submitted applications awaiting a decision whose UP the office serves, oldest first.
    pub async fn office_queue(
        &self,
        o: &OfficeScope,
    ) -> Result<Vec<ApplicationSummary>, ServiceError> {
        let mut tx = self.db().read().await?;
        summaries(
            tx.applications_of_office(o.office_id(), ApplicationState::Submitted)
                .await?,
        )
    }

    /// The office's most recent decisions.
    pub async fn office_decisions(
        &self,
        o: &OfficeScope,
        limit: i64,
    ) -> Result<Vec<ApplicationSummary>, ServiceError> {
        let mut tx = self.db().read().await?;
        summaries(
            tx.decided_by_office(o.office_id(), limit.clamp(1, 500))
                .await?,
        )
    }

    /// Decides a submitted application of the office (R-IST-3): authorisation number for
    /// (partial) authorisations, hours per worker, motivation mandatory for partial and
    /// rejected. Another office's application is `NotFound`.
    pub async fn decide(
        &self,
        o: &OfficeScope,
        id: ApplicationId,
        d: Decision,
    ) -> Result<ApplicationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let app = tx.application(id).await?.ok_or(ServiceError::NotFound)?;
        let unit = tx
            .unit(app.unit_id)
            .await?
            .ok_or_else(|| internal("unit"))?;
        if !office_sees(o, &app, &unit) {
            return Err(ServiceError::NotFound);
        }
        match app.state {
            ApplicationState::Submitted => {}
            ApplicationState::Withdrawn => {
                return Err(ServiceError::conflict(
                    "withdrawn",
                    "La domanda è stata ritirata dal richiedente.",
                ));
            }
            _ => {
                return Err(ServiceError::conflict(
                    "already_decided",
                    "La domanda è già stata decisa.",
                ));
            }
        }
        let lines = tx.application_workers(id).await?;
        let motivation = d
            .motivation
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let mut errors = Vec::new();

        // Hours per worker (CISOA: whole days, R-LIM-9), validated against the request.
        let unit = QuantityUnit::of(parse_benefit(&app.benefit)?);
        let requested_of = |l: &ApplicationWorkerRow| match unit {
            QuantityUnit::Hours => l.hours_requested,
            QuantityUnit::Days => l.days_requested.unwrap_or(0),
        };
        let (list, other, field) = match unit {
            QuantityUnit::Hours => (&d.hours, &d.days, "ore_autorizzate"),
            QuantityUnit::Days => (&d.days, &d.hours, "giorni_autorizzati"),
        };
        if other.is_some() {
            let e = match unit {
                QuantityUnit::Hours => QuantityError::DaysOnlyForCisoa,
                QuantityUnit::Days => QuantityError::CisoaInDays,
            };
            errors.push(FieldError::new(
                format!("/{}", e.field()),
                field,
                e.code(),
                e.message_it(),
                e.message_en(),
            ));
        }
        let ptr = unit.field();
        let mut authorised: Vec<(WorkerId, i64)> = match (d.outcome, list) {
            (Outcome::Rejected, _) => lines.iter().map(|l| (l.worker_id, 0)).collect(),
            (Outcome::Authorised, None) => lines
                .iter()
                .map(|l| (l.worker_id, requested_of(l)))
                .collect(),
            (Outcome::Authorised, Some(amounts)) => {
                let mut seen = HashSet::new();
                for (i, (w, h)) in amounts.iter().enumerate() {
                    match lines.iter().find(|l| l.worker_id == *w) {
                        None => errors.push(FieldError::new(
                            format!("/{ptr}/{i}/0"),
                            format!("{field}_{w}"),
                            "unknown_worker",
                            "Lavoratore non compreso nella domanda.",
                            "Worker not included in the application.",
                        )),
                        Some(_) if !seen.insert(*w) => errors.push(FieldError::new(
                            format!("/{ptr}/{i}/0"),
                            format!("{field}_{w}"),
                            "duplicate_worker",
                            "Lavoratore indicato più di una volta.",
                            "Worker listed more than once.",
                        )),
                        Some(l) if i64::from(*h) > requested_of(l) => errors.push(FieldError::new(
                            format!("/{ptr}/{i}/1"),
                            format!("{field}_{w}"),
                            match unit {
                                QuantityUnit::Hours => "hours_above_requested",
                                QuantityUnit::Days => "days_above_requested",
                            },
                            format!(
                                "Le {} autorizzate non possono superare quelle richieste ({}).",
                                unit.label_it(),
                                requested_of(l)
                            ),
                            format!(
                                "Authorised {} cannot exceed the requested ones ({}).",
                                unit.label_en(),
                                requested_of(l)
                            ),
                        )),
                        Some(_) => {}
                    }
                }
                lines
                    .iter()
                    .map(|l| {
                        let h = amounts
                            .iter()
                            .find(|(w, _)| *w == l.worker_id)
                            .map(|(_, h)| i64::from(*h))
                            .unwrap_or(0);
                        (l.worker_id, h.min(requested_of(l)))
                    })
                    .collect()
            }
        };
        let total: i64 = authorised.iter().map(|(_, h)| h).sum();
        let full = lines.iter().all(|l| {
            authorised
                .iter()
                .any(|(w, h)| *w == l.worker_id && *h == requested_of(l))
        });
        let state = match d.outcome {
            Outcome::Rejected => ApplicationState::Rejected,
            Outcome::Authorised if full => ApplicationState::Authorised,
            Outcome::Authorised => ApplicationState::PartiallyAuthorised,
        };
        if d.outcome == Outcome::Authorised && total == 0 && errors.is_empty() {
            errors.push(FieldError::new(
                "/hours",
                "ore_autorizzate",
                "nothing_authorised",
                "Nessuna ora autorizzata: per non autorizzare la domanda, respingerla con motivazione.",
                "No hours authorised: to refuse the application, reject it with a motivation.",
            ));
        }
        if state != ApplicationState::Authorised && motivation.is_none() {
            errors.push(FieldError::new(
                "/motivation",
                "motivazione",
                "motivation_required",
                "La motivazione è obbligatoria per il rigetto e l'autorizzazione parziale (R-IST-3).",
                "A motivation is required for a rejection or a partial authorisation (R-IST-3).",
            ));
        }
        if motivation.is_some_and(|m| m.chars().count() > MAX_MOTIVATION) {
            errors.push(FieldError::new(
                "/motivation",
                "motivazione",
                "motivation_too_long",
                format!("La motivazione supera i {MAX_MOTIVATION} caratteri."),
                format!("The motivation exceeds {MAX_MOTIVATION} characters."),
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }

        let now = self.now();
        let office = tx
            .office(o.office_id())
            .await?
            .ok_or_else(|| internal("office"))?;
        let number = if state == ApplicationState::Rejected {
            None
        } else {
            let seq = tx
                .next_counter("authorisation", &office.code, now.year())
                .await?;
            let n = AuthorisationNumber::new(&office.code, now.year(), to_u32(seq)?)
                .map_err(|e| ServiceError::Internal(format!("authorisation number: {e}")))?;
            Some(n)
        };
        if !tx
            .mark_decided(
                id,
                app.version,
                state,
                number.as_ref().map(AuthorisationNumber::as_str),
                now,
                o.actor(),
                motivation,
            )
            .await?
        {
            return Err(concurrent());
        }
        // R-FLO-4: the conguaglio route (the default payment mode, R-APP) gets its offset
        // code with the authorisation; direct payment is paid from the flows instead.
        let offset_code = match &number {
            Some(n) if pays_by_conguaglio(&app)? => {
                let code = OffsetCode::for_authorisation(n);
                tx.set_offset_code(id, code.as_str()).await?;
                Some(code.as_str().to_owned())
            }
            _ => None,
        };
        authorised.sort();
        let staff = tx.workers_of_employer(app.employer_id).await?;
        for (w, a) in &authorised {
            // CISOA: the days, and the hours they stand for (P27) for the flows' checks.
            let (hours, days) = match unit {
                QuantityUnit::Hours => (*a, None),
                QuantityUnit::Days => {
                    let hours = staff.iter().find(|s| s.id == *w).map_or(0, |s| {
                        Requested::Days(u32::try_from(*a).unwrap_or(0)).whole_hours(
                            Decimal::from(s.weekly_hours),
                            u32::try_from(s.working_days_per_week).unwrap_or(0),
                        )
                    });
                    (hours, Some(*a))
                }
            };
            tx.set_hours_authorised(id, *w, hours, days).await?;
        }
        tx.append_audit(audit(
            o.actor(),
            None,
            "application.decide",
            id,
            serde_json::json!({
                "employer_id": app.employer_id,
                "outcome": state.as_str(),
                "authorisation_number": number.as_ref().map(AuthorisationNumber::as_str),
                "offset_code": offset_code,
                unit.field(): total,
            }),
        ))
        .await?;
        let view = reload(&mut tx, id, self.today()).await?;
        tx.commit().await?;
        Ok(view)
    }
}

/// Payment mode of an application (R-APP): conguaglio unless the content declares direct
/// payment (applications filed with the one-shot form carry no declaration: the default).
pub(crate) fn pays_by_conguaglio(app: &ApplicationRow) -> Result<bool, ServiceError> {
    content_pays_by_conguaglio(app.content.as_deref())
}

/// [`pays_by_conguaglio`] from an application's stored content (`None`: the one-shot form).
pub(crate) fn content_pays_by_conguaglio(content: Option<&str>) -> Result<bool, ServiceError> {
    let content = content
        .map(crate::drafts::DraftContent::parse)
        .transpose()?;
    Ok(!matches!(
        content.and_then(|c| c.declarations.payment_mode),
        Some(crate::drafts::PaymentMode::PagamentoDiretto)
    ))
}

/// R-APP-5: a worker cannot be in two live applications for the same days. Checked at
/// submission (drafts may overlap: they are work in progress). Pointers index the
/// `workers` of the ApplicationView.
async fn check_overlaps(tx: &mut Tx, app: &ApplicationRow) -> Result<(), ServiceError> {
    let overlaps = tx
        .overlapping_applications(app.id, app.start_date, app.end_date)
        .await?;
    if overlaps.is_empty() {
        return Ok(());
    }
    let lines = tx.application_worker_lines(app.id).await?;
    let mut errors = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(o) = overlaps.iter().find(|o| o.worker_id == l.worker_id) else {
            continue;
        };
        let other = o
            .protocol_number
            .clone()
            .unwrap_or_else(|| o.application_id.to_string());
        errors.push(FieldError::new(
            format!("/workers/{i}/worker_id"),
            format!("lavoratore_{}", l.worker_id),
            "overlapping_application",
            format!(
                "{} {} è già compreso/a nella domanda {other} per il periodo {} – {}, che si sovrappone (R-APP-5).",
                l.surname,
                l.name,
                o.start_date.format("%d/%m/%Y"),
                o.end_date.format("%d/%m/%Y")
            ),
            format!(
                "{} {} is already in application {other} for {} – {}, which overlaps (R-APP-5).",
                l.surname, l.name, o.start_date, o.end_date
            ),
        ));
    }
    Err(ServiceError::Validation(errors))
}

fn to_u32(n: i64) -> Result<u32, ServiceError> {
    u32::try_from(n).map_err(|_| internal("counter overflow"))
}

pub(crate) fn concurrent() -> ServiceError {
    ServiceError::conflict(
        "concurrent_update",
        "La domanda è stata modificata da un'altra operazione: ricaricare la pagina.",
    )
}
