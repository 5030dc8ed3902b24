//! The simulation: a pure function from a described situation (employer, UP,
//! history, proposed request) to a verdict with every counter, deadline,
//! eligibility and amount, each finding citing its rule ID.

mod types;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use types::*;

use crate::application::ReductionKind;
use crate::benefit::Benefit;
use crate::evaluation::amounts::{
    self, AdditionalContributionOutcome, AmountsOutcome, cents, hours_by_year, massimale_for,
};
use crate::evaluation::limits::{LimitContext, LimitUnit, tidy, weeks_of};
use crate::evaluation::selection::Suggestion;
use crate::evaluation::{deadlines, eligibility, selection};
use crate::findings::{Finding, Severity};
use crate::quantity;
use crate::reference::{Causale, Reference};

/// Parses a JSON document into a [`SimulationInput`], naming the offending
/// field (JSON pointer) on error.
pub fn parse_input(json: &str) -> Result<SimulationInput, SimulationError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(path_error)
}

/// Like [`parse_input`], from an already parsed JSON value (the web API,
/// whose extractor has checked the syntax). Messages carry no line/column.
pub fn parse_value(value: serde_json::Value) -> Result<SimulationInput, SimulationError> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

/// A deserialization error with its path, as a JSON pointer (RFC 6901).
fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> SimulationError {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for seg in e.path().iter() {
        match seg {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                pointer.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    SimulationError::new(pointer, e.into_inner().to_string())
}

/// `parse_input` followed by [`simulate`].
pub fn simulate_json(json: &str, r: &Reference) -> Result<SimulationOutput, SimulationError> {
    simulate(&parse_input(json)?, r)
}

fn err<T>(pointer: impl Into<String>, message: impl Into<String>) -> Result<T, SimulationError> {
    Err(SimulationError::new(pointer, message))
}

fn check_days_inside(
    days: &[NaiveDate],
    period: &crate::application::Period,
    pointer: &str,
) -> Result<(), SimulationError> {
    for (i, d) in days.iter().enumerate() {
        if !period.contains(*d) {
            return err(
                format!("{pointer}/{i}"),
                format!("day {d} is outside the period {period}"),
            );
        }
    }
    Ok(())
}

/// Largest accepted magnitudes (keep decimal arithmetic far from overflow).
const MAX_WORKERS: i64 = 1_000_000;
const MAX_WAGE: i64 = 100_000;
const MAX_HOURS: i64 = 1_000_000_000;
/// Longest accepted period (about 10 years) and accepted years.
const MAX_PERIOD_DAYS: u32 = 3_660;
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

fn check_period(p: &crate::application::Period, pointer: &str) -> Result<(), SimulationError> {
    use chrono::Datelike;
    if !YEARS.contains(&p.start().year()) || !YEARS.contains(&p.end().year()) {
        return err(
            pointer,
            format!(
                "dates must be between {} and {}",
                YEARS.start(),
                YEARS.end()
            ),
        );
    }
    if p.len_days() > MAX_PERIOD_DAYS {
        return err(
            pointer,
            format!("period longer than {MAX_PERIOD_DAYS} days"),
        );
    }
    Ok(())
}

/// Checks the input for values the types cannot rule out.
fn validate(input: &SimulationInput, r: &Reference) -> Result<(), SimulationError> {
    let e = &input.employer;
    if e.headcount.is_empty() {
        return err(
            "/employer/headcount",
            "at least one headcount band is required",
        );
    }
    let mut total = Decimal::ZERO;
    let mut seen = HashSet::new();
    for (i, b) in e.headcount.iter().enumerate() {
        let p = format!("/employer/headcount/{i}");
        if b.weekly_hours <= Decimal::ZERO || b.weekly_hours > Decimal::from(48) {
            return err(
                format!("{p}/weekly_hours"),
                "weekly hours must be in 1..=48",
            );
        }
        if b.average_workers > Decimal::from(MAX_WORKERS) {
            return err(
                format!("{p}/average_workers"),
                "average workers out of range",
            );
        }
        if b.average_workers < Decimal::ZERO {
            return err(
                format!("{p}/average_workers"),
                "average workers cannot be negative",
            );
        }
        if !seen.insert(b.weekly_hours.normalize()) {
            return err(
                format!("{p}/weekly_hours"),
                "inconsistent headcount: weekly-hours band repeated",
            );
        }
        total += b.average_workers;
    }
    if total <= Decimal::ZERO {
        return err(
            "/employer/headcount",
            "inconsistent headcount: no workers in the previous semester",
        );
    }
    let c = &e.classification;
    if let Some(csc) = &c.csc {
        if csc.len() != 5 || !csc.bytes().all(|b| b.is_ascii_digit()) {
            return err("/employer/classification/csc", "CSC must be 5 digits");
        }
        let expected = match c.sector {
            Sector::Industria => Some('1'),
            Sector::Artigianato => Some('4'),
            Sector::Terziario => Some('7'),
            _ => None,
        };
        if let Some(x) = expected
            && !csc.starts_with(x)
        {
            return err(
                "/employer/classification/csc",
                format!("CSC {csc} is inconsistent with sector (expected first digit {x})"),
            );
        }
    }
    if let Some(s) = &c.province_share
        && (s.percent < Decimal::ZERO || s.percent > Decimal::from(100))
    {
        return err(
            "/employer/classification/province_share/percent",
            "percent must be in 0..=100",
        );
    }
    for (i, h) in input.history.iter().enumerate() {
        let p = format!("/history/{i}");
        match &h.causale {
            Some(code) if r.causale(code).is_none() => {
                return err(format!("{p}/causale"), format!("unknown causale '{code}'"));
            }
            None if h.benefit != LedgerBenefit::Cigs => {
                return err(format!("{p}/causale"), "causale is required");
            }
            _ => {}
        }
        if h.hours < Decimal::ZERO {
            return err(format!("{p}/hours"), "hours cannot be negative");
        }
        if h.hours > Decimal::from(MAX_HOURS) {
            return err(format!("{p}/hours"), "hours out of range");
        }
        check_period(&h.period, &format!("{p}/period"))?;
        if let Some(d) = &h.days {
            check_days_inside(d, &h.period, &format!("{p}/days"))?;
        }
        if let Some(u) = &h.used {
            check_days_inside(&u.days, &h.period, &format!("{p}/used/days"))?;
            if u.hours
                .is_some_and(|x| x < Decimal::ZERO || x > Decimal::from(MAX_HOURS))
            {
                return err(format!("{p}/used/hours"), "hours cannot be negative");
            }
        }
        for (j, w) in h.workers.iter().enumerate() {
            check_days_inside(&w.days, &h.period, &format!("{p}/workers/{j}/days"))?;
        }
        if h.fund.is_some() && h.benefit != LedgerBenefit::AisFondo {
            return err(
                format!("{p}/fund"),
                "a fund is only valid with benefit ais_fondo",
            );
        }
    }
    let q = &input.request;
    check_period(&q.period, "/request/period")?;
    if !YEARS.contains(&chrono::Datelike::year(&q.submission_date)) {
        return err("/request/submission_date", "date out of range");
    }
    if r.causale(&q.causale).is_none() {
        return err(
            "/request/causale",
            format!("unknown causale '{}'", q.causale),
        );
    }
    match (q.benefit, q.fund) {
        (Benefit::AisFondo, None) => {
            return err("/request/fund", "benefit ais_fondo requires a fund");
        }
        (b, Some(_)) if b != Benefit::AisFondo => {
            return err(
                "/request/fund",
                "a fund is only valid with benefit ais_fondo",
            );
        }
        _ => {}
    }
    if q.half_day && q.benefit != Benefit::Cisoa {
        return err(
            "/request/half_day",
            "half-day reductions exist only for CISOA",
        );
    }
    if let Some(d) = &q.days {
        if d.is_empty() {
            return err("/request/days", "list of days is empty");
        }
        check_days_inside(d, &q.period, "/request/days")?;
    }
    for (i, d) in q.event_dates.iter().enumerate() {
        if *d > q.period.end() {
            return err(
                format!("/request/event_dates/{i}"),
                "event after the end of the period",
            );
        }
    }
    // R-LIM-1: an extension names the history entry it extends, of the same benefit.
    let entry = |id: &str| input.history.iter().find(|h| h.id.as_deref() == Some(id));
    for (i, h) in input.history.iter().enumerate() {
        if let Some(x) = &h.extends
            && (entry(x).is_none() || h.id.as_deref() == Some(x.as_str()))
        {
            return err(
                format!("/history/{i}/extends"),
                format!("no other history entry has id '{x}'"),
            );
        }
    }
    if let Some(x) = &q.extends {
        match entry(x) {
            None => {
                return err("/request/extends", format!("no history entry has id '{x}'"));
            }
            Some(h) if h.benefit.as_benefit() != Some(q.benefit) => {
                return err(
                    "/request/extends",
                    format!("history entry '{x}' is not of the request's benefit"),
                );
            }
            Some(_) => {}
        }
    }
    if q.workers.is_empty() {
        return err("/request/workers", "at least one worker is required");
    }
    let mut cfs = HashSet::new();
    for (i, w) in q.workers.iter().enumerate() {
        let p = format!("/request/workers/{i}");
        if !cfs.insert(w.codice_fiscale.as_str()) {
            return err(format!("{p}/codice_fiscale"), "worker listed twice");
        }
        if !w.codice_fiscale.is_person() {
            return err(
                format!("{p}/codice_fiscale"),
                "a worker needs a person's codice fiscale (16 characters)",
            );
        }
        if w.weekly_hours <= Decimal::ZERO || w.weekly_hours > Decimal::from(48) {
            return err(
                format!("{p}/weekly_hours"),
                "weekly hours must be in 1..=48",
            );
        }
        if w.hourly_wage > Decimal::from(MAX_WAGE) {
            return err(format!("{p}/hourly_wage"), "hourly wage out of range");
        }
        if w.hourly_wage < Decimal::ZERO {
            return err(format!("{p}/hourly_wage"), "hourly wage cannot be negative");
        }
        if w.hours.is_some() && w.hours_by_day.is_some() {
            return err(
                format!("{p}/hours_by_day"),
                "give either hours or hours_by_day, not both",
            );
        }
        if let Some(d) = w.days {
            if q.benefit != Benefit::Cisoa {
                return err(
                    format!("{p}/days"),
                    "days are requested only for CISOA: send hours (days_only_for_cisoa)",
                );
            }
            if w.hours.is_some() || w.hours_by_day.is_some() {
                return err(format!("{p}/days"), "give either days or hours, not both");
            }
            if d == 0 {
                return err(format!("{p}/days"), "days must be at least 1");
            }
        }
        if let Some(h) = w.hours
            && h < Decimal::ZERO
        {
            return err(format!("{p}/hours"), "hours cannot be negative");
        }
        if let Some(list) = &w.hours_by_day {
            let mut dates = HashSet::new();
            for (j, dh) in list.iter().enumerate() {
                let pj = format!("{p}/hours_by_day/{j}");
                if dh.hours < Decimal::ZERO {
                    return err(format!("{pj}/hours"), "hours cannot be negative");
                }
                if dh.hours > Decimal::from(24) {
                    return err(format!("{pj}/hours"), "more than 24 hours in a day");
                }
                if !q.period.contains(dh.date) {
                    return err(
                        format!("{pj}/date"),
                        format!("day {} is outside the period", dh.date),
                    );
                }
                if !dates.insert(dh.date) {
                    return err(format!("{pj}/date"), "day listed twice");
                }
            }
        }
        if q.kind == ReductionKind::Riduzione
            && w.hours.is_none()
            && w.hours_by_day.is_none()
            && q.benefit != Benefit::Cisoa
        {
            return err(
                format!("{p}/hours"),
                "a riduzione needs the hours requested per worker",
            );
        }
    }
    Ok(())
}

/// Requested hours of a worker: (all days, covered days per year).
struct WorkerHours {
    total: Decimal,
    covered_by_year: BTreeMap<i32, Decimal>,
    covered: Decimal,
    /// Covered days of the worker (R-LIM-9 counts them).
    covered_days: Vec<NaiveDate>,
    /// Days of the request the worker is named for.
    days: usize,
}

#[allow(clippy::too_many_arguments)]
fn worker_hours(
    w: &WorkerRequest,
    pointer: &str,
    req: &ProposedRequest,
    days: &[NaiveDate],
    covered: &[NaiveDate],
    dpw: u32,
    max_weekly: Decimal,
    findings: &mut Vec<Finding>,
) -> Result<WorkerHours, SimulationError> {
    let n = Decimal::from(days.len());
    let daily_contract = quantity::daily_hours(w.weekly_hours.min(max_weekly), dpw);
    let day_factor = if req.half_day {
        Decimal::new(5, 1)
    } else {
        Decimal::ONE
    };
    if let Some(nd) = w.days {
        // CISOA whole days: the first `nd` days of the request (P27).
        let Some(mine) = days.get(..nd as usize) else {
            return err(
                format!("{pointer}/days"),
                format!(
                    "{nd} days requested but the request has {} working days",
                    days.len()
                ),
            );
        };
        let per_day = daily_contract * day_factor;
        let cov: Vec<NaiveDate> = mine
            .iter()
            .copied()
            .filter(|d| covered.contains(d))
            .collect();
        let cov_hours = per_day * Decimal::from(cov.len());
        return Ok(WorkerHours {
            total: per_day * Decimal::from(nd),
            covered_by_year: hours_by_year(&cov, cov_hours),
            covered: cov_hours,
            covered_days: cov,
            days: nd as usize,
        });
    }
    if let Some(list) = &w.hours_by_day {
        let mut total = Decimal::ZERO;
        let mut by_year: BTreeMap<i32, Decimal> = BTreeMap::new();
        let mut cov = Decimal::ZERO;
        let covered: BTreeSet<_> = covered.iter().collect();
        for dh in list {
            let h = dh.hours.min(daily_contract);
            total += dh.hours;
            if covered.contains(&dh.date) {
                use chrono::Datelike;
                *by_year.entry(dh.date.year()).or_default() += h;
                cov += h;
            }
        }
        if list.iter().any(|dh| dh.hours > daily_contract) {
            findings.push(
                Finding::new(
                    "R-AMT-1",
                    Severity::Warning,
                    "hours_above_contract",
                    "hours above the contractual daily hours (max 40 per week) are not integrated",
                )
                .at(format!("{pointer}/hours_by_day")),
            );
        }
        return Ok(WorkerHours {
            total,
            covered_by_year: by_year,
            covered: cov,
            covered_days: covered.iter().map(|d| **d).collect(),
            days: days.len(),
        });
    }
    let total = match w.hours {
        Some(h) => h,
        None => daily_contract * n * day_factor,
    };
    if n > Decimal::ZERO && total / n > Decimal::from(24) {
        return err(
            format!("{pointer}/hours"),
            "more than 24 hours in a day on average",
        );
    }
    let cap = daily_contract * n;
    let eff = if total > cap {
        findings.push(
            Finding::new(
                "R-AMT-1",
                Severity::Warning,
                "hours_above_contract",
                format!(
                    "{} hours requested exceed the contractual hours of the days ({}): the excess is not integrated",
                    tidy(total),
                    tidy(cap)
                ),
            )
            .at(format!("{pointer}/hours")),
        );
        cap
    } else {
        total
    };
    let cov_share = if n > Decimal::ZERO {
        eff * Decimal::from(covered.len()) / n
    } else {
        Decimal::ZERO
    };
    Ok(WorkerHours {
        total,
        covered_by_year: hours_by_year(covered, cov_share),
        covered: cov_share,
        covered_days: covered.to_vec(),
        days: days.len(),
    })
}

fn causale_findings(
    c: &Causale,
    q: &ProposedRequest,
    e: &Employer,
    headcount: Decimal,
    r: &Reference,
    out: &mut Vec<Finding>,
) {
    let f = "/request/causale";
    if !c.accepts(q.benefit) {
        out.push(
            Finding::new(
                "R-CAUS-1",
                Severity::Blocking,
                "causale_not_for_benefit",
                format!(
                    "causale {} is not accepted by {}",
                    c.code,
                    q.benefit.label_en()
                ),
            )
            .at(f),
        );
    }
    if !c.is_valid_on(q.period.start()) {
        out.push(
            Finding::new(
                "R-CAUS-1",
                Severity::Blocking,
                "causale_not_valid_on_date",
                format!("causale {} is not valid on {}", c.code, q.period.start()),
            )
            .at(f),
        );
    }
    if r.is_replaced(&c.code, q.benefit, q.period.start()) {
        out.push(
            Finding::new(
                "R-CAUS-1",
                Severity::Blocking,
                "causale_replaced_by_regime",
                format!(
                    "causale {} may not be used while a derogation regime is in force",
                    c.code
                ),
            )
            .at(f),
        );
    }
    if c.construction_only && !e.edile_lapideo {
        out.push(
            Finding::new(
                "R-CAUS-1",
                Severity::Blocking,
                "causale_construction_only",
                format!(
                    "causale {} is for construction/stone employers only",
                    c.code
                ),
            )
            .at(f),
        );
    }
    if let Some(max) = c.max_employees
        && headcount > Decimal::from(max)
    {
        out.push(
            Finding::new(
                "R-CAUS-1",
                Severity::Blocking,
                "extraordinary_causale_headcount",
                format!(
                    "extraordinary causale {} only up to {max} employees (average {}): larger employers use CIGS",
                    c.code,
                    tidy(headcount)
                ),
            )
            .at(f),
        );
    }
    if c.eone {
        out.push(Finding::new(
            "R-CAUS-2",
            Severity::Info,
            "eone",
            format!(
                "causale {} is an EONE (evento oggettivamente non evitabile)",
                c.code
            ),
        ));
    }
    if !c.report_fields.is_empty() {
        let names: Vec<String> = c
            .report_fields
            .iter()
            .map(|f| {
                serde_json::to_value(f)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            })
            .collect();
        out.push(Finding::new(
            "R-APP-1",
            Severity::Info,
            "report_fields_required",
            format!("technical report fields required: {}", names.join(", ")),
        ));
    }
    if c.requires_indicators {
        out.push(Finding::new(
            "R-APP-2",
            Severity::Info,
            "indicators_required",
            "economic-financial indicators required for the two previous years (per year or per quarter)",
        ));
    }
}

/// Runs every evaluation on the input. Pure: the same input and reference
/// always give the same output.
pub fn simulate(
    input: &SimulationInput,
    r: &Reference,
) -> Result<SimulationOutput, SimulationError> {
    validate(input, r)?;
    let q = &input.request;
    let e = &input.employer;
    let causale = r
        .causale(&q.causale)
        .ok_or_else(|| SimulationError::new("/request/causale", "unknown causale"))?;
    let params = r.parameters_on(q.period.start());
    let pattern = input.unit.working_days_per_week;
    let dpw = pattern.days_per_week();
    let policy = input.settings.week_counting.unwrap_or(params.week_counting);
    let headcount: Decimal = e.headcount.iter().map(|b| b.average_workers).sum();
    let workable: Decimal = e
        .headcount
        .iter()
        .map(|b| b.average_workers * b.weekly_hours)
        .sum();
    let mut findings = Vec::new();

    // R-SEL
    let sel = selection::evaluate(
        &e.classification,
        e.edile_lapideo,
        headcount,
        q.submission_date,
        (q.benefit, q.fund),
        r,
    );
    if sel.requested == Suggestion::NonCompatibile {
        findings.push(
            Finding::new(
                "R-SEL-1",
                Severity::Warning,
                "benefit_non_compatibile",
                format!(
                    "{} is not compatible with the employer classification (suggested: {})",
                    q.benefit.label_en(),
                    sel.suggested.map_or("none", |b| b.code())
                ),
            )
            .at("/request/benefit"),
        );
    }
    if let Some(o) = &sel.outside_inps {
        findings.push(Finding::new(
            "R-SEL-2",
            Severity::Info,
            "outside_inps",
            format!("the employer belongs to {o}, a fund not managed by INPS: apply there"),
        ));
    }
    match r.catalogue_entry(q.benefit, q.fund, q.submission_date) {
        Some(entry)
            if entry
                .on_platform_from
                .is_some_and(|d| d <= q.submission_date) => {}
        Some(entry) => findings.push(
            Finding::new(
                "R-SEL-3",
                Severity::Warning,
                "not_on_platform",
                match entry.on_platform_from {
                    Some(d) => format!(
                        "{} can be requested on the platform from {d}",
                        entry.label_en
                    ),
                    None => format!("{} is not yet available on the platform", entry.label_en),
                },
            )
            .at("/request/benefit"),
        ),
        None => findings.push(
            Finding::new(
                "R-SEL-3",
                Severity::Blocking,
                "benefit_not_in_catalogue",
                "the benefit (or fund) is not in the catalogue on the submission date",
            )
            .at("/request/fund"),
        ),
    }

    // R-CAUS
    causale_findings(causale, q, e, headcount, r, &mut findings);

    // R-APP-3/4
    let first_event = q.event_dates.iter().min().copied();
    let deadline = deadlines::evaluate(
        q.benefit,
        causale.eone,
        &q.period,
        first_event,
        q.submission_date,
        r.parameters_on(q.submission_date).filing_days,
        params.ais_earliest_days_before,
    );
    if deadline.too_early {
        findings.push(
            Finding::new(
                "R-APP-3",
                Severity::Blocking,
                "filed_too_early",
                format!(
                    "FIS/fund applications may not be filed before {} (30 days before the start)",
                    deadline
                        .earliest_day
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            )
            .at("/request/submission_date"),
        );
    }
    if !deadline.on_time {
        let msg = match (&deadline.covered, &deadline.uncovered) {
            (Some(c), Some(u)) => format!(
                "late filing (last day {}): covered from {}; {} not covered — the employer owes the workers the equivalent amount",
                deadline.last_day,
                c.start(),
                u
            ),
            (Some(c), None) => format!(
                "late filing (last day {}): covered from {}",
                deadline.last_day,
                c.start()
            ),
            (None, _) => format!(
                "late filing (last day {}): no day of the period is covered",
                deadline.last_day
            ),
        };
        let sev = if deadline.covered.is_none() {
            Severity::Blocking
        } else {
            Severity::Warning
        };
        findings
            .push(Finding::new("R-APP-4", sev, "late_filing", msg).at("/request/submission_date"));
    }

    // days of the request
    let mut days: Vec<NaiveDate> = match &q.days {
        Some(d) => d.clone(),
        None => pattern.working_days(&q.period),
    };
    days.sort();
    days.dedup();
    if days.is_empty() {
        return err(
            "/request/period",
            "the period contains no working day of the UP",
        );
    }
    let covered: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|d| deadline.covered.is_some_and(|c| c.contains(*d)))
        .collect();

    // CISOA half day (R-LIM-9)
    if q.half_day {
        let allowed = r.regimes_on(Benefit::Cisoa, q.period.start()).any(|g| {
            g.half_day_allowed && (g.causali.is_empty() || g.causali.contains(&causale.code))
        });
        if !allowed {
            findings.push(
                Finding::new(
                    "R-LIM-9",
                    Severity::Blocking,
                    "half_day_not_allowed",
                    "CISOA pays whole days only: half-day reductions need a derogation regime and its causale",
                )
                .at("/request/half_day"),
            );
        }
    }

    // R-ELIG + hours
    let mut elig = Vec::new();
    let mut requested_hours_all = Decimal::ZERO;
    let mut eligible_covered_hours = Decimal::ZERO;
    let mut per_worker_hours = Vec::new();
    for (i, w) in q.workers.iter().enumerate() {
        let p = format!("/request/workers/{i}");
        let we = eligibility::evaluate_worker(
            w,
            &p,
            q.benefit,
            q.fund,
            causale,
            q.period.start(),
            q.submission_date,
            r,
        );
        let wh = worker_hours(
            w,
            &p,
            q,
            &days,
            &covered,
            dpw,
            params.max_weekly_hours,
            &mut findings,
        )?;
        requested_hours_all += wh.total;
        if we.eligible {
            eligible_covered_hours += wh.covered;
        }
        per_worker_hours.push((we.eligible, wh));
        elig.push(we);
    }
    let n_eligible = elig.iter().filter(|w| w.eligible).count();
    if n_eligible < elig.len() {
        findings.push(Finding::new(
            "R-ELIG-1",
            if n_eligible == 0 {
                Severity::Blocking
            } else {
                Severity::Warning
            },
            "workers_not_eligible",
            format!(
                "{} of {} workers are not eligible (see eligibility)",
                elig.len() - n_eligible,
                elig.len()
            ),
        ));
    }

    // R-LIM
    let worker_days = q
        .workers
        .iter()
        .zip(&per_worker_hours)
        .filter(|(_, (eligible, _))| *eligible)
        .map(|(w, (_, wh))| (w.codice_fiscale.clone(), wh.covered_days.clone()))
        .collect();
    // R-LIM-9: the days each worker is named for (all of the request unless `days`).
    let counted_days: usize = per_worker_hours
        .iter()
        .filter(|(eligible, _)| *eligible)
        .map(|(_, wh)| wh.covered_days.len())
        .sum();
    let named_days: usize = per_worker_hours.iter().map(|(_, wh)| wh.days).sum();
    let ctx = LimitContext {
        reference: r,
        pattern,
        policy,
        edile_lapideo: e.edile_lapideo,
        history: &input.history,
        benefit: q.benefit,
        fund: q.fund,
        causale,
        request_period: q.period,
        request_days: covered.clone(),
        requested_hours: eligible_covered_hours,
        headcount,
        weekly_workable_hours: workable,
        worker_days,
        half_day: q.half_day,
        extends: q.extends.as_deref(),
        cache: Default::default(),
    };
    let limits = ctx.evaluate();
    for s in limits.values() {
        if s.exceeded {
            let sev = if s.authorisable <= Decimal::ZERO {
                Severity::Blocking
            } else {
                Severity::Warning
            };
            let unit = match s.unit {
                LimitUnit::Weeks => "weeks",
                LimitUnit::Hours => "hours",
                LimitUnit::Days => "days",
            };
            let mut msg = format!(
                "{}: used {} + requested {} > limit {} {unit}; authorisable {}",
                s.label, s.used, s.requested, s.limit, s.authorisable
            );
            if let Some(f) = s.free_from {
                msg.push_str(&format!("; the UP may apply again from {f}"));
            }
            findings.push(Finding::new(&s.rule, sev, "limit_exceeded", msg));
        }
    }
    if q.benefit == Benefit::Cigo && causale.eone {
        let neutral = crate::evaluation::limits::is_neutral_cigo(
            r,
            Some(causale),
            q.period.start(),
            e.edile_lapideo,
        );
        findings.push(Finding::new(
            "R-LIM-4",
            Severity::Info,
            if neutral {
                "eone_neutral"
            } else {
                "eone_counts_construction"
            },
            if neutral {
                "EONE weeks are neutral for the biennio and consecutive-weeks limits".to_string()
            } else {
                "EONE weeks count for construction/stone employers".to_string()
            },
        ));
    }

    let binding_limit = limits
        .values()
        .min_by(|a, b| a.headroom().cmp(&b.headroom()))
        .map(|s| s.rule.clone());
    let week_fraction = limits
        .values()
        .filter(|s| s.unit == LimitUnit::Weeks)
        .map(|s| s.fraction())
        .min()
        .unwrap_or(Decimal::ONE);
    let all_days: BTreeSet<NaiveDate> = days.iter().copied().collect();
    let cov_days: BTreeSet<NaiveDate> = covered.iter().copied().collect();
    let requested_weeks = weeks_of(&all_days, &q.period, policy, pattern);
    let covered_weeks = weeks_of(&cov_days, &q.period, policy, pattern);
    let mut max_weeks = covered_weeks * week_fraction;
    let mut max_hours = eligible_covered_hours * week_fraction;
    if let Some(ot) = limits.get("R-LIM-5") {
        max_hours = max_hours.min(ot.residual);
    }
    let (mut req_days, mut max_days) = (None, None);
    if let Some(c) = limits.get("R-LIM-9") {
        let per = if q.half_day {
            Decimal::new(5, 1)
        } else {
            Decimal::ONE
        };
        let requested = Decimal::from(counted_days) * per;
        let excess: Decimal = c
            .per_worker
            .iter()
            .map(|w| (w.requested - w.residual).max(Decimal::ZERO))
            .sum();
        req_days = Some(Decimal::from(named_days) * per);
        max_days = Some((requested - excess).max(Decimal::ZERO));
    }
    let blocking = findings.iter().any(|f| f.severity == Severity::Blocking);
    if blocking {
        max_weeks = Decimal::ZERO;
        max_hours = Decimal::ZERO;
        max_days = max_days.map(|_| Decimal::ZERO);
    }
    let hours_fraction = if q.benefit == Benefit::Cisoa {
        match (limits.get("R-LIM-9"), blocking) {
            (_, true) => Decimal::ZERO,
            (Some(_), false) => match (max_days, req_days) {
                (Some(m), Some(_)) if counted_days > 0 => {
                    let per = if q.half_day {
                        Decimal::new(5, 1)
                    } else {
                        Decimal::ONE
                    };
                    (m / (Decimal::from(counted_days) * per)).min(Decimal::ONE)
                }
                _ => Decimal::ONE,
            },
            _ => Decimal::ONE,
        }
    } else if eligible_covered_hours > Decimal::ZERO {
        (max_hours / eligible_covered_hours).min(Decimal::ONE)
    } else {
        Decimal::ZERO
    };
    if q.benefit == Benefit::Cisoa {
        max_hours = eligible_covered_hours * hours_fraction;
    }
    let partial = !blocking
        && (max_hours < requested_hours_all
            || max_weeks < requested_weeks
            || max_days.zip(req_days).is_some_and(|(m, r)| m < r));
    let verdict = if blocking {
        Verdict::NotAuthorisable
    } else if partial {
        Verdict::PartiallyAuthorisable
    } else {
        Verdict::Authorisable
    };
    let may_apply_again_from = limits
        .values()
        .filter(|s| s.residual <= Decimal::ZERO)
        .filter_map(|s| s.free_from)
        .max();

    // R-AMT
    let construction_weather = e.edile_lapideo && causale.weather;
    let mut massimali = BTreeMap::new();
    for y in per_worker_hours
        .iter()
        .flat_map(|(_, wh)| wh.covered_by_year.keys())
    {
        if let Some(m) = massimale_for(r, *y, construction_weather) {
            if m.published_year != *y {
                findings.push(Finding::new(
                    "R-AMT-2",
                    Severity::Warning,
                    "massimale_not_published",
                    format!(
                        "massimale for {y} not published: the {} values are used",
                        m.published_year
                    ),
                ));
            }
            massimali.insert(*y, m);
        }
    }
    let mut workers = Vec::new();
    let mut base = Decimal::ZERO;
    for ((eligible, wh), w) in per_worker_hours.iter().zip(&q.workers) {
        let f = if *eligible {
            hours_fraction
        } else {
            Decimal::ZERO
        };
        let hy: BTreeMap<i32, Decimal> = wh
            .covered_by_year
            .iter()
            .map(|(y, h)| (*y, *h * f))
            .collect();
        let a = amounts::worker_amount(
            &w.codice_fiscale,
            &hy,
            w.weekly_hours,
            w.hourly_wage,
            &massimali,
            params,
        );
        base += w.hourly_wage * hy.values().copied().sum::<Decimal>();
        workers.push(a);
    }
    let total_gross = workers.iter().map(|w| w.gross).sum();
    let total_net = workers.iter().map(|w| w.net).sum();
    let additional_contribution = if causale.eone {
        AdditionalContributionOutcome {
            rule: "R-AMT-3".into(),
            base: cents(base),
            amount: cents(Decimal::ZERO),
            reduced_rates: false,
            bands: vec![],
            note: Some("no additional contribution for EONE causali".into()),
        }
    } else {
        match r.additional_contribution_on(q.benefit, q.fund, q.period.start()) {
            Some(rec) => {
                let idle = e
                    .no_integration_previous_24_months
                    .unwrap_or_else(|| ctx.idle_for_months(params.reduced_rate_idle_months));
                let size_ok = rec
                    .reduced_max_employees
                    .is_none_or(|m| headcount <= Decimal::from(m));
                let reduced = idle && size_ok && rec.reduced_bands.is_some();
                let bands = if reduced {
                    rec.reduced_bands.as_deref().unwrap_or(&rec.bands)
                } else {
                    &rec.bands
                };
                let (used, req_w) = if q.benefit == Benefit::Cigo {
                    (ctx.quinquennio_cig_weeks(), max_weeks)
                } else {
                    (Decimal::ZERO, Decimal::ZERO)
                };
                let (amount, applied) = amounts::additional_contribution(base, bands, used, req_w);
                AdditionalContributionOutcome {
                    rule: "R-AMT-3".into(),
                    base: cents(base),
                    amount,
                    reduced_rates: reduced,
                    bands: applied,
                    note: (q.benefit == Benefit::Cigo).then(|| {
                        format!(
                            "{} weeks of CIGO/CIGS already in the quinquennio",
                            tidy(used)
                        )
                    }),
                }
            }
            None => AdditionalContributionOutcome {
                rule: "R-AMT-3".into(),
                base: cents(base),
                amount: cents(Decimal::ZERO),
                reduced_rates: false,
                bands: vec![],
                note: Some("no additional-contribution rate in the reference data".into()),
            },
        }
    };
    let amounts = AmountsOutcome {
        rule: "R-AMT-1".into(),
        massimali: massimali.into_values().collect(),
        workers,
        total_gross,
        total_net,
        additional_contribution,
    };

    Ok(SimulationOutput {
        reference_version: r.version.clone(),
        week_counting: policy,
        verdict,
        selection: sel,
        deadline,
        eligibility: elig,
        limits,
        binding_limit,
        max_authorisable: MaxAuthorisable {
            requested_weeks: tidy(requested_weeks),
            weeks: tidy(max_weeks),
            requested_hours: tidy(requested_hours_all),
            hours: tidy(max_hours),
            requested_days: req_days.map(tidy),
            days: max_days.map(tidy),
        },
        may_apply_again_from,
        amounts,
        findings,
    })
}
