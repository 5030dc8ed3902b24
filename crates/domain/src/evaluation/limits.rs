//! Limits and counters (R-LIM-1 … R-LIM-10).
//!
//! Every counter is computed from the UP history (the ledger) for a window
//! that ends with the last ISO week of the proposed request. Residuals are
//! never negative.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::application::Period;
use crate::benefit::{Benefit, FundCode};
use crate::calendar::{WorkPattern, monday_of, window_ending};
use crate::ids::CodiceFiscale;
use crate::reference::{Causale, Reference, WeekCounting};
use crate::simulation::{EntryStatus, HistoryEntry, LedgerBenefit};

/// Key in the map of limits of the R-LIM-1 counter of an extension's chain (its `rule`
/// stays `R-LIM-1`; the per-request counter keeps the key `R-LIM-1`).
pub const EXTENSION_CHAIN_KEY: &str = "R-LIM-1-proroga";

/// Unit of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    Weeks,
    Hours,
    Days,
}

/// One worker's status under a per-worker limit (R-LIM-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkerLimit {
    pub codice_fiscale: CodiceFiscale,
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub used: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub requested: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub residual: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub authorisable: Decimal,
}

/// Used / limit / residual of one limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LimitStatus {
    pub rule: String,
    pub label: String,
    pub unit: LimitUnit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Period>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub limit: Decimal,
    /// Used before the request (history only).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub used: Decimal,
    /// What the request adds.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub requested: Decimal,
    /// `max(0, limit - used)`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub residual: Decimal,
    /// `max(0, limit - used - requested)`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub residual_after: Decimal,
    pub exceeded: bool,
    /// `min(requested, residual)`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub authorisable: Decimal,
    /// First date the UP may apply again when `residual` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_worker: Vec<WorkerLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl LimitStatus {
    fn new(
        rule: &str,
        label: &str,
        unit: LimitUnit,
        window: Option<Period>,
        limit: Decimal,
        used: Decimal,
        requested: Decimal,
    ) -> Self {
        let residual = (limit - used).max(Decimal::ZERO);
        let residual_after = (limit - used - requested).max(Decimal::ZERO);
        LimitStatus {
            rule: rule.into(),
            label: label.into(),
            unit,
            window,
            limit: tidy(limit),
            used: tidy(used),
            requested: tidy(requested),
            residual: tidy(residual),
            residual_after: tidy(residual_after),
            exceeded: used + requested > limit,
            authorisable: tidy(requested.min(residual)),
            free_from: None,
            per_worker: Vec::new(),
            note: None,
        }
    }

    /// Share of the request that is authorisable under this limit (0..=1).
    pub fn fraction(&self) -> Decimal {
        if self.requested <= Decimal::ZERO {
            Decimal::ONE
        } else {
            (self.authorisable / self.requested).min(Decimal::ONE)
        }
    }

    /// Headroom after the request relative to the limit (negative when exceeded);
    /// the smallest one binds first (R-LIM-10).
    pub fn headroom(&self) -> Decimal {
        if self.limit <= Decimal::ZERO {
            return Decimal::MAX;
        }
        (self.limit - self.used - self.requested) / self.limit
    }
}

/// Rounds a counter to 2 decimals (half-up) and drops trailing zeros.
pub fn tidy(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// One day of integration in the ledger.
#[derive(Debug, Clone)]
pub struct LedgerDay {
    pub date: NaiveDate,
    pub benefit: LedgerBenefit,
    pub fund: Option<FundCode>,
    /// Neutral for the CIGO week limits (R-LIM-4).
    pub neutral_cigo: bool,
    pub entry: usize,
}

/// Days counted for a history entry (R-LIM-7): used days once known (fruito),
/// otherwise the explicit days, otherwise every working day of the UP in the
/// period. Rejected and withdrawn entries count nothing.
pub fn entry_days(e: &HistoryEntry, pattern: WorkPattern) -> Vec<NaiveDate> {
    match e.status {
        EntryStatus::Rejected | EntryStatus::Withdrawn => Vec::new(),
        _ => {
            let mut v = if let Some(u) = &e.used {
                u.days.clone()
            } else if let Some(d) = &e.days {
                d.clone()
            } else {
                pattern.working_days(&e.period)
            };
            v.sort();
            v.dedup();
            v
        }
    }
}

/// Everything the limit computations need.
pub struct LimitContext<'a> {
    pub reference: &'a Reference,
    pub pattern: WorkPattern,
    pub policy: WeekCounting,
    pub edile_lapideo: bool,
    pub history: &'a [HistoryEntry],
    pub benefit: Benefit,
    pub fund: Option<FundCode>,
    pub causale: &'a Causale,
    /// The request as filed.
    pub request_period: Period,
    /// Days of the request that are covered (R-APP-4) and counted.
    pub request_days: Vec<NaiveDate>,
    /// Hours requested for eligible workers on covered days.
    pub requested_hours: Decimal,
    /// Σ average workers of the previous semester.
    pub headcount: Decimal,
    /// Σ average workers × weekly hours.
    pub weekly_workable_hours: Decimal,
    /// CISOA: per worker, the requested days.
    pub worker_days: Vec<(CodiceFiscale, Vec<NaiveDate>)>,
    pub half_day: bool,
    /// For an extension (*proroga*): the history entry it extends (R-LIM-1 chain).
    pub extends: Option<&'a str>,
    /// Ledger days, computed once.
    pub cache: std::cell::OnceCell<Vec<LedgerDay>>,
}

/// R-LIM-4: is a day of this causale neutral for the CIGO week limits?
/// EONE days are neutral, except for construction/stone employers, except
/// again under a regime that makes them neutral for everyone.
pub fn is_neutral_cigo(
    r: &Reference,
    causale: Option<&Causale>,
    date: NaiveDate,
    edile_lapideo: bool,
) -> bool {
    let Some(c) = causale else { return false };
    if !c.eone {
        return false;
    }
    if !edile_lapideo {
        return true;
    }
    r.regimes_on(Benefit::Cigo, date)
        .any(|g| g.eone_neutral_for_all && (g.causali.is_empty() || g.causali.contains(&c.code)))
}

/// R-LIM-9 derogation: is a CISOA day neutral for the yearly days?
pub fn is_neutral_cisoa(r: &Reference, causale: Option<&str>, date: NaiveDate) -> bool {
    let Some(code) = causale else { return false };
    r.regimes_on(Benefit::Cisoa, date).any(|g| {
        g.neutral_for_yearly_days && (g.causali.is_empty() || g.causali.iter().any(|c| c == code))
    })
}

/// Weeks represented by a set of days inside a window (R-LIM-7).
pub fn weeks_of(
    days: &BTreeSet<NaiveDate>,
    window: &Period,
    policy: WeekCounting,
    pattern: WorkPattern,
) -> Decimal {
    let in_window = days.range(window.start()..=window.end());
    match policy {
        WeekCounting::DayBased => {
            Decimal::from(in_window.count()) / Decimal::from(pattern.days_per_week())
        }
        WeekCounting::WholeWeek => {
            let weeks: BTreeSet<NaiveDate> = in_window.map(|d| monday_of(*d)).collect();
            Decimal::from(weeks.len())
        }
    }
}

/// [`weeks_of`] over days sorted ascending without duplicates: a binary search
/// instead of a walk of the window (the `free_from` search evaluates hundreds
/// of windows over the same days).
fn weeks_of_sorted(
    days: &[NaiveDate],
    window: &Period,
    policy: WeekCounting,
    pattern: WorkPattern,
) -> Decimal {
    let from = days.partition_point(|d| *d < window.start());
    let to = days.partition_point(|d| *d <= window.end());
    let in_window = &days[from..to.max(from)];
    match policy {
        WeekCounting::DayBased => {
            Decimal::from(in_window.len()) / Decimal::from(pattern.days_per_week())
        }
        WeekCounting::WholeWeek => {
            // Sorted days: each new Monday is a new week.
            let mut weeks = 0usize;
            let mut last = None;
            for d in in_window {
                let m = monday_of(*d);
                if last != Some(m) {
                    weeks += 1;
                    last = Some(m);
                }
            }
            Decimal::from(weeks)
        }
    }
}

impl LimitContext<'_> {
    fn ledger(&self) -> &[LedgerDay] {
        self.cache.get_or_init(|| {
            let mut out = Vec::new();
            for (i, e) in self.history.iter().enumerate() {
                let causale = self.causale_of(e.causale.as_deref());
                for d in entry_days(e, self.pattern) {
                    out.push(LedgerDay {
                        date: d,
                        benefit: e.benefit,
                        fund: e.fund,
                        neutral_cigo: e.benefit == LedgerBenefit::Cigo
                            && is_neutral_cigo(self.reference, causale, d, self.edile_lapideo),
                        entry: i,
                    });
                }
            }
            out
        })
    }

    fn causale_of(&self, code: Option<&str>) -> Option<&Causale> {
        code.and_then(|c| self.reference.causale(c))
    }

    fn last_day(&self) -> NaiveDate {
        self.request_days
            .last()
            .copied()
            .unwrap_or(self.request_period.end())
    }

    /// CIGO days that count for R-LIM-2/3 (non-neutral).
    fn cigo_counting_days(&self, ledger: &[LedgerDay]) -> BTreeSet<NaiveDate> {
        ledger
            .iter()
            .filter(|l| l.benefit == LedgerBenefit::Cigo && !l.neutral_cigo)
            .map(|l| l.date)
            .collect()
    }

    fn request_counting_days_cigo(&self) -> BTreeSet<NaiveDate> {
        self.request_days
            .iter()
            .copied()
            .filter(|d| {
                !is_neutral_cigo(self.reference, Some(self.causale), *d, self.edile_lapideo)
            })
            .collect()
    }

    /// Window limit with incremental request weeks; also finds `free_from`.
    #[allow(clippy::too_many_arguments)]
    fn window_limit(
        &self,
        rule: &str,
        label: &str,
        hist: &BTreeSet<NaiveDate>,
        req: &BTreeSet<NaiveDate>,
        window_weeks: u32,
        limit: u32,
    ) -> LimitStatus {
        let window = window_ending(self.last_day(), window_weeks);
        let used = weeks_of(hist, &window, self.policy, self.pattern);
        let union: BTreeSet<NaiveDate> = hist.union(req).copied().collect();
        let total = weeks_of(&union, &window, self.policy, self.pattern);
        let limit_d = Decimal::from(limit);
        let mut s = LimitStatus::new(
            rule,
            label,
            LimitUnit::Weeks,
            Some(window),
            limit_d,
            used,
            total - used,
        );
        if used >= limit_d {
            // first Monday whose window (ending with that week) has room again
            let sorted: Vec<NaiveDate> = hist.iter().copied().collect();
            let mut m = monday_of(self.request_period.start());
            for _ in 0..(window_weeks * 3) {
                let w = window_ending(m, window_weeks);
                if weeks_of_sorted(&sorted, &w, self.policy, self.pattern) < limit_d {
                    s.free_from = Some(m);
                    break;
                }
                m = m + Days::new(7);
            }
        }
        s
    }

    /// R-LIM-1: CIGO at most 13 weeks per request (91 calendar days, our policy).
    fn per_request(&self, max_weeks: u32) -> LimitStatus {
        let weeks = Decimal::from(self.request_period.len_days()) / Decimal::from(7);
        let mut s = LimitStatus::new(
            "R-LIM-1",
            "CIGO weeks per request",
            LimitUnit::Weeks,
            Some(self.request_period),
            Decimal::from(max_weeks),
            Decimal::ZERO,
            weeks,
        );
        s.note = Some("calendar days of the request ÷ 7".into());
        s
    }

    /// R-LIM-1: an extension (*proroga*) counts with the applications it extends — the
    /// entry named by `extends`, the one that entry extends, and so on — and the chain may
    /// reach `max_weeks`. Each link counts its calendar days ÷ 7, like the request (P9);
    /// rejected and withdrawn links count nothing. `None` for a first request.
    fn extension_chain(&self, max_weeks: u32) -> Option<LimitStatus> {
        let mut next = Some(self.extends?);
        let mut seen = BTreeSet::new();
        let mut days = 0u32;
        let mut links = 0usize;
        let mut first = self.request_period.start();
        while let Some(id) = next.filter(|id| seen.insert(*id)) {
            let Some(e) = self.history.iter().find(|h| h.id.as_deref() == Some(id)) else {
                break;
            };
            if !matches!(e.status, EntryStatus::Rejected | EntryStatus::Withdrawn) {
                days += e.period.len_days();
                links += 1;
                first = first.min(e.period.start());
            }
            next = e.extends.as_deref();
        }
        let mut s = LimitStatus::new(
            "R-LIM-1",
            "CIGO weeks of the request and of the applications it extends",
            LimitUnit::Weeks,
            Period::new(first, self.request_period.end()).ok(),
            Decimal::from(max_weeks),
            Decimal::from(days) / Decimal::from(7),
            Decimal::from(self.request_period.len_days()) / Decimal::from(7),
        );
        s.note = Some(format!(
            "extension of a chain of {links} application(s): calendar days ÷ 7"
        ));
        Some(s)
    }

    /// R-LIM-3: 52 consecutive weeks, then 52 weeks of normal activity.
    fn consecutive(&self, hist_days: &BTreeSet<NaiveDate>, max: u32, normal: u32) -> LimitStatus {
        let hist: BTreeSet<NaiveDate> = hist_days.iter().map(|d| monday_of(*d)).collect();
        let req: BTreeSet<NaiveDate> = self
            .request_counting_days_cigo()
            .iter()
            .map(|d| monday_of(*d))
            .collect();
        let first = req
            .first()
            .copied()
            .unwrap_or(monday_of(self.request_period.start()));
        let week = Days::new(7);
        // runs of consecutive weeks in the history before the request
        let mut runs: Vec<(NaiveDate, NaiveDate, u32)> = Vec::new();
        for &m in hist.iter().filter(|m| **m < first) {
            match runs.last_mut() {
                Some((_, end, len)) if *end + week == m => {
                    *end = m;
                    *len += 1;
                }
                _ => runs.push((m, m, 1)),
            }
        }
        let max_d = Decimal::from(max);
        let requested = Decimal::from(req.len());
        // a completed run of `max` weeks blocks the UP for `normal` weeks
        let block = runs
            .iter()
            .filter(|(_, _, len)| *len >= max)
            .map(|(_, end, _)| *end + Days::new(7 * (1 + normal as u64)))
            .max();
        let run_before = runs
            .last()
            .filter(|(_, end, _)| *end + week == first)
            .map(|r| r.2)
            .unwrap_or(0);
        let mut s = match block {
            Some(until) if first < until => {
                let mut s = LimitStatus::new(
                    "R-LIM-3",
                    "CIGO consecutive weeks",
                    LimitUnit::Weeks,
                    None,
                    max_d,
                    max_d,
                    requested,
                );
                s.free_from = Some(until);
                s.note = Some(format!(
                    "{max} consecutive weeks reached: {normal} weeks of normal activity needed"
                ));
                s
            }
            _ => {
                let used = Decimal::from(run_before.min(max));
                let mut s = LimitStatus::new(
                    "R-LIM-3",
                    "CIGO consecutive weeks",
                    LimitUnit::Weeks,
                    None,
                    max_d,
                    used,
                    requested,
                );
                if run_before >= max {
                    s.free_from = Some(first + Days::new(7 * normal as u64));
                }
                s
            }
        };
        s.window = Period::new(first, first + Days::new(7 * req.len().max(1) as u64 - 1)).ok();
        s
    }

    /// R-LIM-5: hours authorised in the biennio ≤ 1/3 of workable hours.
    fn one_third(&self, window_weeks: u32, divisor: u32) -> LimitStatus {
        let window = window_ending(self.last_day(), window_weeks);
        let cap = (self.weekly_workable_hours * Decimal::from(window_weeks)
            / Decimal::from(divisor))
        .floor();
        let mut used = Decimal::ZERO;
        for e in self
            .history
            .iter()
            .filter(|e| e.benefit == LedgerBenefit::Cigo)
        {
            let days = entry_days(e, self.pattern);
            if days.is_empty() {
                continue;
            }
            let inside = days.iter().filter(|d| window.contains(**d)).count();
            used += e.hours * Decimal::from(inside) / Decimal::from(days.len());
        }
        let mut s = LimitStatus::new(
            "R-LIM-5",
            "CIGO hours: one third of workable hours in the biennio",
            LimitUnit::Hours,
            Some(window),
            cap,
            used,
            self.requested_hours,
        );
        s.note = Some(format!(
            "{} workable hours/week × {window_weeks} ÷ {divisor}, rounded down",
            tidy(self.weekly_workable_hours)
        ));
        s
    }

    /// R-LIM-9: CISOA days per worker per calendar year.
    fn cisoa_days(&self, per_year: u32) -> LimitStatus {
        let limit = Decimal::from(per_year);
        let mut per_worker = Vec::new();
        for (cf, days) in &self.worker_days {
            let mut req_by_year: BTreeMap<i32, Decimal> = BTreeMap::new();
            for d in days {
                let neutral = is_neutral_cisoa(self.reference, Some(&self.causale.code), *d);
                let v = if neutral {
                    Decimal::ZERO
                } else if self.half_day {
                    Decimal::new(5, 1)
                } else {
                    Decimal::ONE
                };
                *req_by_year.entry(d.year()).or_default() += v;
            }
            for (year, requested) in req_by_year {
                let mut used_days: BTreeSet<NaiveDate> = BTreeSet::new();
                for e in self.history {
                    if e.benefit != LedgerBenefit::Cisoa
                        || matches!(e.status, EntryStatus::Rejected | EntryStatus::Withdrawn)
                    {
                        continue;
                    }
                    for wd in e.workers.iter().filter(|w| &w.codice_fiscale == cf) {
                        for d in wd.days.iter().filter(|d| d.year() == year) {
                            if !is_neutral_cisoa(self.reference, e.causale.as_deref(), *d) {
                                used_days.insert(*d);
                            }
                        }
                    }
                }
                let used = Decimal::from(used_days.len());
                let residual = (limit - used).max(Decimal::ZERO);
                per_worker.push(WorkerLimit {
                    codice_fiscale: cf.clone(),
                    year,
                    used,
                    requested: tidy(requested),
                    residual,
                    authorisable: tidy(requested.min(residual)),
                });
            }
        }
        let worst = per_worker
            .iter()
            .min_by_key(|w| w.residual - w.requested)
            .cloned();
        let (used, requested) = worst
            .as_ref()
            .map(|w| (w.used, w.requested))
            .unwrap_or_default();
        let mut s = LimitStatus::new(
            "R-LIM-9",
            "CISOA days per worker per calendar year",
            LimitUnit::Days,
            None,
            limit,
            used,
            requested,
        );
        s.requested = tidy(per_worker.iter().map(|w| w.requested).sum());
        s.authorisable = tidy(per_worker.iter().map(|w| w.authorisable).sum());
        s.exceeded = per_worker.iter().any(|w| w.requested > w.residual);
        if let Some(w) = &worst {
            s.note = Some(format!(
                "tightest worker {} in {}: used {}, requested {}",
                w.codice_fiscale, w.year, w.used, w.requested
            ));
            if w.residual <= Decimal::ZERO {
                s.free_from = NaiveDate::from_ymd_opt(w.year + 1, 1, 1);
            }
        }
        s.per_worker = per_worker;
        s
    }

    /// Evaluates every limit applicable to the request.
    pub fn evaluate(&self) -> BTreeMap<String, LimitStatus> {
        let r = self.reference;
        let p = r.parameters_on(self.request_period.start());
        let ledger = self.ledger();
        let mut out = BTreeMap::new();
        let mut put = |s: LimitStatus| {
            out.insert(s.rule.clone(), s);
        };
        match self.benefit {
            Benefit::Cigo => {
                let cigo_days = self.cigo_counting_days(ledger);
                let req = self.request_counting_days_cigo();
                put(self.per_request(p.cigo_weeks_per_request));
                let mut b = self.window_limit(
                    "R-LIM-2",
                    "CIGO weeks in the biennio mobile",
                    &cigo_days,
                    &req,
                    p.biennio_window_weeks,
                    p.cigo_biennio_weeks,
                );
                if req.len() < self.request_days.len() {
                    b.note = Some("EONE days of the request are neutral (R-LIM-4)".into());
                }
                put(b);
                put(self.consecutive(
                    &cigo_days,
                    p.cigo_consecutive_weeks,
                    p.normal_activity_weeks,
                ));
                put(self.one_third(p.biennio_window_weeks, p.one_third_divisor));
            }
            Benefit::AisFis | Benefit::AisFondo => {
                let lb = if self.benefit == Benefit::AisFis {
                    LedgerBenefit::AisFis
                } else {
                    LedgerBenefit::AisFondo
                };
                let hist: BTreeSet<NaiveDate> = ledger
                    .iter()
                    .filter(|l| l.benefit == lb && l.fund == self.fund)
                    .map(|l| l.date)
                    .collect();
                let req: BTreeSet<NaiveDate> = self.request_days.iter().copied().collect();
                let entry = r.catalogue_entry(self.benefit, self.fund, self.request_period.start());
                let (limit, note) = match entry {
                    Some(e) if self.headcount <= Decimal::from(e.small_max_employees) => (
                        e.biennio_weeks_small,
                        format!("average headcount ≤ {}", e.small_max_employees),
                    ),
                    Some(e) => (
                        e.biennio_weeks_large,
                        format!("average headcount > {}", e.small_max_employees),
                    ),
                    None => (0, "benefit not in the catalogue on this date".into()),
                };
                let mut s = self.window_limit(
                    "R-LIM-8",
                    "AIS weeks in the biennio mobile",
                    &hist,
                    &req,
                    p.biennio_window_weeks,
                    limit,
                );
                s.note = Some(note);
                put(s);
            }
            Benefit::Cisoa => {
                let per_year = r
                    .catalogue_entry(Benefit::Cisoa, None, self.request_period.start())
                    .and_then(|e| e.days_per_year)
                    .unwrap_or(90);
                put(self.cisoa_days(per_year));
            }
        }
        if self.benefit != Benefit::Cisoa {
            let hist: BTreeSet<NaiveDate> = ledger
                .iter()
                .filter(|l| l.benefit != LedgerBenefit::Cisoa)
                .map(|l| l.date)
                .collect();
            let req: BTreeSet<NaiveDate> = self.request_days.iter().copied().collect();
            let limit = if self.edile_lapideo {
                p.quinquennio_weeks_construction
            } else {
                p.quinquennio_weeks
            };
            let mut s = self.window_limit(
                "R-LIM-6",
                "CIGO + CIGS + AIS weeks in the quinquennio mobile",
                &hist,
                &req,
                p.quinquennio_window_weeks,
                limit,
            );
            s.note = Some(format!(
                "{} months at 13/3 weeks per month",
                Decimal::from(limit) * Decimal::from(3) / Decimal::from(13)
            ));
            put(s);
        }
        // Beside the per-request R-LIM-1 (a map key per counter, both citing R-LIM-1).
        if self.benefit == Benefit::Cigo
            && let Some(s) = self.extension_chain(p.cigo_max_extension_weeks)
        {
            out.insert(EXTENSION_CHAIN_KEY.to_owned(), s);
        }
        out
    }

    /// Weeks used in the quinquennio by CIGO and CIGS before the request
    /// (R-AMT-3 bands).
    pub fn quinquennio_cig_weeks(&self) -> Decimal {
        let p = self.reference.parameters_on(self.request_period.start());
        let window = window_ending(self.last_day(), p.quinquennio_window_weeks);
        let days: BTreeSet<NaiveDate> = self
            .ledger()
            .iter()
            .filter(|l| matches!(l.benefit, LedgerBenefit::Cigo | LedgerBenefit::Cigs))
            .map(|l| l.date)
            .collect();
        weeks_of(&days, &window, self.policy, self.pattern)
    }

    /// True if the history has no integration of the same family in the
    /// `months` before the request start (R-AMT-3 reduced rates).
    pub fn idle_for_months(&self, months: u32) -> bool {
        let start = self.request_period.start();
        let from = start
            .checked_sub_months(chrono::Months::new(months))
            .unwrap_or(NaiveDate::MIN);
        let family = |b: LedgerBenefit| match self.benefit {
            Benefit::Cigo => matches!(b, LedgerBenefit::Cigo | LedgerBenefit::Cigs),
            Benefit::AisFis | Benefit::AisFondo => {
                matches!(b, LedgerBenefit::AisFis | LedgerBenefit::AisFondo)
            }
            Benefit::Cisoa => b == LedgerBenefit::Cisoa,
        };
        !self
            .ledger()
            .iter()
            .any(|l| family(l.benefit) && l.date >= from && l.date < start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary-search count agrees with the plain one on every window.
    #[test]
    fn weeks_of_sorted_matches_weeks_of() {
        let base = NaiveDate::from_ymd_opt(2023, 12, 25).expect("date");
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200 {
            let mut days = BTreeSet::new();
            for _ in 0..(seed % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                days.insert(base + Days::new(seed % 400));
            }
            let sorted: Vec<NaiveDate> = days.iter().copied().collect();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let last = base + Days::new(seed % 420);
            for weeks in [1, 4, 13, 52] {
                let w = window_ending(last, weeks);
                for policy in [WeekCounting::DayBased, WeekCounting::WholeWeek] {
                    for pattern in [WorkPattern::FiveDays, WorkPattern::SixDays] {
                        assert_eq!(
                            weeks_of(&days, &w, policy, pattern),
                            weeks_of_sorted(&sorted, &w, policy, pattern),
                            "{w} {policy:?} {pattern:?}"
                        );
                    }
                }
            }
        }
    }
}
