//! Worker eligibility (R-ELIG-1/2/3).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::benefit::{Benefit, FundCode};
use crate::findings::{Finding, Severity};
use crate::ids::CodiceFiscale;
use crate::reference::{Causale, Reference};
use crate::simulation::{WorkerKind, WorkerRequest};

/// Eligibility of one worker of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkerEligibility {
    pub codice_fiscale: CodiceFiscale,
    pub eligible: bool,
    /// Why not (or notes), each with its rule ID.
    pub reasons: Vec<Finding>,
}

/// Date from which apprentices of every type and home workers are covered (R-ELIG-1).
pub fn apprentices_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Evaluates one worker. `pointer` is the JSON pointer of the worker in the input.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_worker(
    w: &WorkerRequest,
    pointer: &str,
    benefit: Benefit,
    fund: Option<FundCode>,
    causale: &Causale,
    period_start: NaiveDate,
    submission: NaiveDate,
    r: &Reference,
) -> WorkerEligibility {
    let mut reasons = Vec::new();
    let mut no = |rule: &str, code: &str, msg: String, field: &str| {
        reasons.push(
            Finding::new(rule, Severity::Blocking, code, msg).at(format!("{pointer}{field}")),
        );
    };
    let params = r.parameters_on(submission);
    let regimes: Vec<_> = r
        .regimes_on(benefit, period_start)
        .filter(|g| g.causali.is_empty() || g.causali.contains(&causale.code))
        .collect();
    match (benefit, w.kind) {
        (_, WorkerKind::Dirigente) if fund != Some(FundCode::Bolzano) => no(
            "R-ELIG-1",
            "dirigente_excluded",
            "dirigenti are excluded (only the Bolzano fund covers them)".into(),
            "/kind",
        ),
        (_, WorkerKind::Apprendista | WorkerKind::LavoranteADomicilio)
            if period_start < apprentices_from() =>
        {
            no(
                "R-ELIG-1",
                "covered_only_from_2022",
                "apprentices of every type and home workers are covered for periods from 2022-01-01".into(),
                "/kind",
            )
        }
        (Benefit::Cisoa, WorkerKind::Operaio | WorkerKind::LavoranteADomicilio) => no(
            "R-ELIG-3",
            "cisoa_worker_kind",
            "CISOA covers OTI, impiegati, quadri and apprentices: state oti or otd for agricultural operai".into(),
            "/kind",
        ),
        (Benefit::Cisoa, WorkerKind::Otd) if !regimes.iter().any(|g| g.covers_otd) => no(
            "R-ELIG-3",
            "otd_excluded",
            "fixed-term agricultural workers (OTD) are covered only under a derogation regime".into(),
            "/kind",
        ),
        (b, WorkerKind::Oti | WorkerKind::Otd) if b != Benefit::Cisoa => no(
            "R-ELIG-1",
            "agricultural_worker_kind",
            "OTI/OTD are agricultural workers: they are covered by CISOA only".into(),
            "/kind",
        ),
        _ => {}
    }
    if benefit == Benefit::Cisoa {
        let waived = regimes.iter().any(|g| g.waives_181_days);
        if !waived {
            let days = w.agricultural_days_in_year.unwrap_or(0);
            if days < params.cisoa_min_days {
                no(
                    "R-ELIG-3",
                    "cisoa_days_in_year",
                    format!(
                        "CISOA requires at least {} days of work in the year at the employer, found {days}",
                        params.cisoa_min_days
                    ),
                    "/agricultural_days_in_year",
                );
            }
        }
    } else if !causale.eone {
        let days = w.effective_work_days.unwrap_or(0);
        if days < params.seniority_days {
            no(
                "R-ELIG-2",
                "seniority",
                format!(
                    "at least {} days of actual work at the UP are required at the submission date, found {days}",
                    params.seniority_days
                ),
                "/effective_work_days",
            );
        }
    }
    let eligible = reasons.is_empty();
    if eligible && causale.eone && benefit != Benefit::Cisoa {
        reasons.push(
            Finding::new(
                "R-ELIG-2",
                Severity::Info,
                "seniority_not_required_eone",
                "no seniority is required for an EONE causale",
            )
            .at(format!("{pointer}/effective_work_days")),
        );
    }
    WorkerEligibility {
        codice_fiscale: w.codice_fiscale.clone(),
        eligible,
        reasons,
    }
}
