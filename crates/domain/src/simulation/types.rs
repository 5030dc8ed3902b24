//! Input and output of a simulation (`POST /api/v1/simulations`, `omnia simulate`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::application::{Period, ReductionKind};
use crate::benefit::{Benefit, FundCode};
use crate::calendar::WorkPattern;
use crate::evaluation::amounts::AmountsOutcome;
use crate::evaluation::deadlines::DeadlineOutcome;
use crate::evaluation::eligibility::WorkerEligibility;
use crate::evaluation::limits::LimitStatus;
use crate::evaluation::selection::SelectionOutcome;
use crate::findings::Finding;
use crate::ids::CodiceFiscale;
use crate::reference::WeekCounting;

// ---------------------------------------------------------------- input

/// Everything the engine needs: employer, UP and its history, and the proposed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimulationInput {
    #[serde(default)]
    pub settings: Settings,
    pub employer: Employer,
    pub unit: Unit,
    /// Past requests / authorisations / uses of the UP (the ledger).
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    pub request: ProposedRequest,
}

/// Configurable policies (R-LIM-7).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SimulationSettings))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Week counting policy; default from the reference parameters (`day_based`).
    #[serde(default)]
    pub week_counting: Option<WeekCounting>,
}

/// Economic sector of the employer's classification (first digit of the CSC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// CSC 1: industria.
    Industria,
    /// CSC 4: artigianato.
    Artigianato,
    /// CSC 7: terziario / commercio / servizi.
    Terziario,
    /// Agricultural contribution system.
    Agricoltura,
    /// Anything else (e.g. public-law bodies).
    Altro,
}

/// Autonomous province of a territorial fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Province {
    Trento,
    Bolzano,
}

/// Share of staff working in an autonomous province (R-SEL-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProvinceShare {
    pub province: Province,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub percent: Decimal,
}

/// The employer's classification (*inquadramento*) (R-SEL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = EmployerClassification))]
#[serde(deny_unknown_fields)]
pub struct Classification {
    pub sector: Sector,
    /// Codice statistico contributivo (5 digits; first digit = sector).
    #[serde(default)]
    pub csc: Option<String>,
    #[serde(default)]
    pub ateco: Option<String>,
    /// Codici di autorizzazione, e.g. `0J` (FIS), `7B` (FSBA), `6P` (Bolzano).
    #[serde(default)]
    pub authorisation_codes: Vec<String>,
    /// Other employers in the CIGO scope of art. 10 (production coops, …).
    #[serde(default)]
    pub cigo_scope: bool,
    /// Agricultural coop (L. 240/1984) processing its members' produce → CIGO.
    #[serde(default)]
    pub agricultural_coop_processing: bool,
    /// Sector solidarity fund the employer belongs to, if any.
    #[serde(default)]
    pub fund: Option<FundCode>,
    #[serde(default)]
    pub province_share: Option<ProvinceShare>,
}

/// Average headcount of the previous semester for one contractual weekly-hours band (R-LIM-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeadcountBand {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub weekly_hours: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub average_workers: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SimulationEmployer))]
#[serde(deny_unknown_fields)]
pub struct Employer {
    #[serde(default)]
    pub codice_fiscale: Option<CodiceFiscale>,
    pub classification: Classification,
    /// Construction or stone employer (art. 10 letters m, n, o).
    #[serde(default)]
    pub edile_lapideo: bool,
    /// Average workforce of the previous semester by weekly hours.
    pub headcount: Vec<HeadcountBand>,
    /// R-AMT-3 reduced rates: no integration in the previous 24 months.
    /// `null` = derive it from the history.
    #[serde(default)]
    pub no_integration_previous_24_months: Option<bool>,
}

/// The productive unit (UP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SimulationUnit))]
#[serde(deny_unknown_fields)]
pub struct Unit {
    #[serde(default)]
    pub id: Option<String>,
    /// 5 or 6.
    pub working_days_per_week: WorkPattern,
}

/// What a history entry counts as (includes CIGS, which only matters for R-LIM-6 and R-AMT-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LedgerBenefit {
    Cigo,
    Cigs,
    AisFis,
    AisFondo,
    Cisoa,
}

impl LedgerBenefit {
    pub fn as_benefit(self) -> Option<Benefit> {
        match self {
            LedgerBenefit::Cigo => Some(Benefit::Cigo),
            LedgerBenefit::Cigs => None,
            LedgerBenefit::AisFis => Some(Benefit::AisFis),
            LedgerBenefit::AisFondo => Some(Benefit::AisFondo),
            LedgerBenefit::Cisoa => Some(Benefit::Cisoa),
        }
    }
}

/// Stage of a history entry (R-LIM-7: requested → authorised → used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    Requested,
    Authorised,
    Rejected,
    Withdrawn,
}

/// Actual use (fruito) from flows or declarations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = HistoryUse))]
#[serde(deny_unknown_fields)]
pub struct Used {
    /// Days with at least one worker with at least one hour of integration.
    pub days: Vec<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DecimalString>))]
    pub hours: Option<Decimal>,
}

/// Per-worker days of a history entry (CISOA yearly counter, R-LIM-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkerDays {
    pub codice_fiscale: CodiceFiscale,
    pub days: Vec<NaiveDate>,
}

/// A past request, authorisation or use of the UP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    #[serde(default)]
    pub id: Option<String>,
    pub benefit: LedgerBenefit,
    #[serde(default)]
    pub fund: Option<FundCode>,
    /// Causale code (required except for CIGS).
    #[serde(default)]
    pub causale: Option<String>,
    pub status: EntryStatus,
    /// Requested period (if `requested`) or authorised period.
    pub period: Period,
    /// Days of integration inside the period; default: every working day of the UP.
    #[serde(default)]
    pub days: Option<Vec<NaiveDate>>,
    /// Hours requested (if `requested`) or authorised, all workers together.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub hours: Decimal,
    #[serde(default)]
    pub used: Option<Used>,
    #[serde(default)]
    pub workers: Vec<WorkerDays>,
    /// For an extension (*proroga*): the `id` of the history entry it extends. The chain
    /// of extensions counts towards the CIGO weeks reachable by extensions (R-LIM-1).
    #[serde(default)]
    pub extends: Option<String>,
}

/// Kind of worker (R-ELIG-1, R-ELIG-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkerKind {
    Operaio,
    Impiegato,
    Quadro,
    Dirigente,
    Apprendista,
    LavoranteADomicilio,
    /// Agricultural worker with an open-ended contract.
    Oti,
    /// Agricultural worker with a fixed-term contract.
    Otd,
}

/// Hours of integration on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DayHours {
    pub date: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub hours: Decimal,
}

/// A worker named in the proposed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkerRequest {
    pub codice_fiscale: CodiceFiscale,
    pub kind: WorkerKind,
    /// Contractual weekly hours (1–48).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub weekly_hours: Decimal,
    /// Retribuzione globale per hour.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub hourly_wage: Decimal,
    /// Total hours of integration requested; default for a sospensione:
    /// weekly hours ÷ working days per week × days of the request.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DecimalString>))]
    pub hours: Option<Decimal>,
    /// Hours per day (alternative to `hours`).
    #[serde(default)]
    pub hours_by_day: Option<Vec<DayHours>>,
    /// CISOA only: whole days requested (alternative to `hours`), taken as the first
    /// days of the request (`docs/rules.md` P27); each worth the contractual daily hours.
    #[serde(default)]
    pub days: Option<u32>,
    /// Days of actual work at the UP at the submission date (R-ELIG-2).
    #[serde(default)]
    pub effective_work_days: Option<u32>,
    /// CISOA: days worked in the year at the same employer (R-ELIG-3).
    #[serde(default)]
    pub agricultural_days_in_year: Option<u32>,
}

/// The application being evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProposedRequest {
    pub benefit: Benefit,
    #[serde(default)]
    pub fund: Option<FundCode>,
    pub causale: String,
    pub kind: ReductionKind,
    pub period: Period,
    pub submission_date: NaiveDate,
    /// EONE: dates of the events (the first one starts the term).
    #[serde(default)]
    pub event_dates: Vec<NaiveDate>,
    /// For an extension (*proroga*): the `id` of the history entry it extends, whose chain
    /// of extensions counts with this request (R-LIM-1).
    #[serde(default)]
    pub extends: Option<String>,
    /// Days of integration inside the period; default: every working day of the UP.
    #[serde(default)]
    pub days: Option<Vec<NaiveDate>>,
    /// CISOA: half-day reduction (only under a derogation regime).
    #[serde(default)]
    pub half_day: bool,
    pub workers: Vec<WorkerRequest>,
}

// ---------------------------------------------------------------- output

/// Overall verdict of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Authorisable as requested (warnings may exist).
    Authorisable,
    /// Authorisable only in part (a limit binds or part of the period is uncovered).
    PartiallyAuthorisable,
    /// Not authorisable (a blocking finding).
    NotAuthorisable,
}

/// Maximum authorisable for the proposed request (R-LIM-10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaxAuthorisable {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub requested_weeks: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub weeks: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub requested_hours: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub hours: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DecimalString>))]
    pub requested_days: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DecimalString>))]
    pub days: Option<Decimal>,
}

/// The verdict of `simulate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimulationOutput {
    pub reference_version: String,
    pub week_counting: WeekCounting,
    pub verdict: Verdict,
    pub selection: SelectionOutcome,
    pub deadline: DeadlineOutcome,
    pub eligibility: Vec<WorkerEligibility>,
    /// Every applicable limit of §5, keyed by rule ID.
    pub limits: BTreeMap<String, LimitStatus>,
    /// Rule ID of the limit that binds first (R-LIM-10).
    pub binding_limit: Option<String>,
    pub max_authorisable: MaxAuthorisable,
    /// First date a blocked UP may apply again (R-LIM-10), if blocked.
    pub may_apply_again_from: Option<NaiveDate>,
    pub amounts: AmountsOutcome,
    pub findings: Vec<Finding>,
}

/// Bad input: names the field with a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{pointer}: {message}")]
pub struct SimulationError {
    /// JSON pointer of the offending field, e.g. `/request/workers/0/hours`.
    pub pointer: String,
    pub message: String,
}

impl SimulationError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}
