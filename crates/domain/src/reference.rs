//! Date-effective reference data: causali, massimali, contribution rates, the
//! catalogue of benefits and funds, derogation regimes and policy parameters.
//!
//! The built-in version is the JSON file `crates/domain/data/reference.json`,
//! embedded at compile time and parsed once ([`Reference::builtin`]). Other
//! versions (e.g. one an administrator publishes with a new effective date)
//! are loaded with [`Reference::from_json`], which validates them.
//! Every item carries `valid_from` / `valid_to` (inclusive; `null` = open).

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::benefit::{Benefit, FundCode};

const BUILTIN_JSON: &str = include_str!("../data/reference.json");

/// Used only if a hand-built `Reference` has no parameters (never after `validate`).
static FALLBACK_PARAMETERS: LazyLock<Parameters> = LazyLock::new(|| Parameters {
    valid_from: NaiveDate::MIN,
    seniority_days: 30,
    cisoa_min_days: 181,
    filing_days: 15,
    ais_earliest_days_before: 30,
    cigo_weeks_per_request: 13,
    cigo_max_extension_weeks: 52,
    cigo_biennio_weeks: 52,
    cigo_consecutive_weeks: 52,
    normal_activity_weeks: 52,
    biennio_window_weeks: 104,
    quinquennio_window_weeks: 260,
    quinquennio_weeks: 104,
    quinquennio_weeks_construction: 130,
    one_third_divisor: 3,
    benefit_rate: Decimal::new(80, 2),
    social_deduction_rate: Decimal::new(584, 4),
    max_weekly_hours: Decimal::new(40, 0),
    reduced_rate_idle_months: 24,
    week_counting: WeekCounting::DayBased,
    fis_extraordinary_max_employees: 15,
    territorial_fund_min_share_pct: 75,
});

static BUILTIN: LazyLock<Reference> = LazyLock::new(|| match Reference::from_json(BUILTIN_JSON) {
    Ok(r) => r,
    // The embedded file is checked by the test suite; reaching this is a build defect.
    Err(e) => panic!("embedded reference data is invalid: {e}"),
});

/// Structured fields of the technical report (relazione tecnica) a causale may require (R-APP-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportField {
    /// Activity or work phase in progress when the event occurred.
    AttivitaInCorso,
    /// The event and its consequences.
    EventoEConseguenze,
    /// Negative trend of work or orders.
    AndamentoNegativo,
    /// Market context of the two previous years.
    ContestoMercato,
    /// Evidence that the business continues on the market.
    ContinuitaAziendale,
    /// Why a return to normal activity is expected.
    PrevisioneRipresa,
    /// Orders (commesse) in portfolio.
    Commesse,
    /// Energy consumption trend.
    ConsumiEnergetici,
    /// Construction: type and location of the site and how work is done.
    CantiereTipoUbicazione,
    /// Public-authority order (reference and date).
    ProvvedimentoAutorita,
    /// Reorganisation programme (extraordinary causale).
    ProgrammaRiorganizzazione,
    /// Recovery plan (extraordinary causale "crisi aziendale").
    PianoRisanamento,
    /// Solidarity agreement (extraordinary causale "contratto di solidarietà").
    AccordoSolidarieta,
}

/// A reason code for the suspension or reduction (R-CAUS-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Causale {
    pub code: String,
    pub label_it: String,
    pub label_en: String,
    /// Evento oggettivamente non evitabile (R-CAUS-2).
    pub eone: bool,
    /// Benefits that accept this causale.
    pub benefits: Vec<Benefit>,
    /// Economic-financial indicators required (R-APP-2).
    pub requires_indicators: bool,
    /// Structured report fields required (R-APP-1).
    pub report_fields: Vec<ReportField>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Weather event: enables the +20 % construction massimale (R-AMT-2).
    #[serde(default)]
    pub weather: bool,
    /// Only for construction/stone employers (e.g. fine cantiere).
    #[serde(default)]
    pub construction_only: bool,
    /// Extraordinary causale: only employers up to this headcount (FIS, ≤ 15).
    #[serde(default)]
    pub max_employees: Option<u32>,
    /// CISOA: half-day reductions are allowed with this causale.
    #[serde(default)]
    pub half_day: bool,
}

impl Causale {
    pub fn is_valid_on(&self, d: NaiveDate) -> bool {
        in_range(d, self.valid_from, self.valid_to)
    }
    pub fn accepts(&self, b: Benefit) -> bool {
        self.benefits.contains(&b)
    }
}

/// Monthly cap of the benefit for a calendar year (R-AMT-2), published values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Massimale {
    pub year: i32,
    pub gross: Decimal,
    pub net: Decimal,
    /// Construction and stone, seasonal weather (+20 %); `None` if not published.
    pub construction_weather_gross: Option<Decimal>,
    pub construction_weather_net: Option<Decimal>,
    pub source: String,
}

/// One band of the additional contribution: rate applied while the weeks used
/// in the quinquennio are at most `up_to_weeks` (`None` = no upper bound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateBand {
    pub up_to_weeks: Option<u32>,
    pub rate: Decimal,
}

/// Additional contribution (contributo addizionale) rates for a benefit (R-AMT-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdditionalContribution {
    pub benefit: Benefit,
    /// `None`: every fund of the benefit (or the benefit itself).
    pub fund: Option<FundCode>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub bands: Vec<RateBand>,
    /// Reduced bands for employers with no integration in the previous 24 months.
    pub reduced_bands: Option<Vec<RateBand>>,
    /// The reduced bands apply only up to this average headcount (FIS: 5).
    pub reduced_max_employees: Option<u32>,
    pub source: String,
}

/// Ordinary contribution rate (informational; financing of the benefit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdinaryContribution {
    pub benefit: Benefit,
    pub fund: Option<FundCode>,
    pub description: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub rate: Decimal,
}

/// A benefit (or a fund's AIS) in the platform catalogue (R-SEL-3, R-LIM-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntry {
    pub benefit: Benefit,
    pub fund: Option<FundCode>,
    pub label_it: String,
    pub label_en: String,
    /// Date applications can be filed on the platform; `None` = not yet.
    pub on_platform_from: Option<NaiveDate>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Weeks per request (CIGO 13); `None` = only the biennio limit.
    pub weeks_per_request: Option<u32>,
    /// Weeks in the biennio mobile for employers with average headcount ≤ `small_max_employees`.
    pub biennio_weeks_small: u32,
    /// Weeks in the biennio mobile for larger employers.
    pub biennio_weeks_large: u32,
    pub small_max_employees: u32,
    /// Counts towards the quinquennio limit (R-LIM-6).
    pub counts_for_quinquennio: bool,
    /// Days per calendar year per worker (CISOA 90).
    pub days_per_year: Option<u32>,
}

/// A date-ranged derogation regime (R-LIM-4, R-LIM-9, R-ELIG-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DerogationRegime {
    pub id: String,
    pub label_it: String,
    pub label_en: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub benefits: Vec<Benefit>,
    /// Causali the regime applies to (empty = every causale of the benefits).
    #[serde(default)]
    pub causali: Vec<String>,
    /// Causali that may not be used while the regime is in force.
    #[serde(default)]
    pub replaces_causali: Vec<String>,
    /// EONE weeks are neutral for R-LIM-2/3/6 also for construction/stone.
    #[serde(default)]
    pub eone_neutral_for_all: bool,
    /// CISOA: half-day reductions allowed.
    #[serde(default)]
    pub half_day_allowed: bool,
    /// CISOA: days do not count towards the yearly limit.
    #[serde(default)]
    pub neutral_for_yearly_days: bool,
    /// CISOA: fixed-term workers (OTD) covered.
    #[serde(default)]
    pub covers_otd: bool,
    /// CISOA: the 181-day requirement is waived.
    #[serde(default)]
    pub waives_181_days: bool,
    pub source: String,
}

/// How a week is counted for the week limits (R-LIM-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WeekCounting {
    /// Used days ÷ working days per week of the UP (our default).
    #[default]
    DayBased,
    /// Any use in an ISO week counts the whole week.
    WholeWeek,
}

/// Policy parameters, effective from `valid_from` until the next record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    pub valid_from: NaiveDate,
    /// R-ELIG-2: days of actual work at the UP.
    pub seniority_days: u32,
    /// R-ELIG-3: CISOA days in the year.
    pub cisoa_min_days: u32,
    /// R-APP-3: days from the start.
    pub filing_days: u32,
    /// R-APP-3: FIS/funds, not earlier than this many days before the start.
    pub ais_earliest_days_before: u32,
    /// R-LIM-1.
    pub cigo_weeks_per_request: u32,
    /// R-LIM-1: a run of consecutive requests (extensions) may reach this many weeks.
    pub cigo_max_extension_weeks: u32,
    /// R-LIM-2.
    pub cigo_biennio_weeks: u32,
    /// R-LIM-3: consecutive weeks that block the UP …
    pub cigo_consecutive_weeks: u32,
    /// … until this many weeks of normal activity have passed.
    pub normal_activity_weeks: u32,
    /// Biennio window length in weeks.
    pub biennio_window_weeks: u32,
    /// Quinquennio window length in weeks.
    pub quinquennio_window_weeks: u32,
    /// R-LIM-6 (24 months = 104 weeks by our 13/3 policy).
    pub quinquennio_weeks: u32,
    /// R-LIM-6 for construction/stone (30 months = 130 weeks).
    pub quinquennio_weeks_construction: u32,
    /// R-LIM-5: divisor of the workable hours.
    pub one_third_divisor: u32,
    /// R-AMT-1.
    pub benefit_rate: Decimal,
    /// R-AMT-1: social deduction (5.84 %).
    pub social_deduction_rate: Decimal,
    /// R-AMT-1: weekly hours cap.
    pub max_weekly_hours: Decimal,
    /// R-AMT-3: months without integration that give the reduced rates.
    pub reduced_rate_idle_months: u32,
    /// R-LIM-7 default.
    pub week_counting: WeekCounting,
    /// FIS: extraordinary causali only up to this headcount.
    pub fis_extraordinary_max_employees: u32,
    /// R-SEL-2: share of staff in the province for the Trento/Bolzano funds (percent).
    pub territorial_fund_min_share_pct: u32,
}

/// Errors in a reference data file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("reference data is not valid JSON for the schema: {0}")]
    Parse(String),
    #[error("reference data: {0}")]
    Invalid(String),
}

/// A complete, validated version of the reference data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Version label, e.g. `2026.1`.
    pub version: String,
    /// Date this version takes effect.
    pub effective_from: NaiveDate,
    pub causali: Vec<Causale>,
    pub massimali: Vec<Massimale>,
    pub additional_contribution: Vec<AdditionalContribution>,
    pub ordinary_contribution: Vec<OrdinaryContribution>,
    pub catalogue: Vec<CatalogueEntry>,
    pub regimes: Vec<DerogationRegime>,
    pub parameters: Vec<Parameters>,
}

pub(crate) fn in_range(d: NaiveDate, from: NaiveDate, to: Option<NaiveDate>) -> bool {
    from <= d && to.is_none_or(|t| d <= t)
}

impl Reference {
    /// The reference data shipped with this build (parsed once).
    pub fn builtin() -> &'static Reference {
        &BUILTIN
    }

    /// Parses and validates a reference data file.
    pub fn from_json(json: &str) -> Result<Reference, ReferenceError> {
        let r: Reference =
            serde_json::from_str(json).map_err(|e| ReferenceError::Parse(e.to_string()))?;
        r.validate()?;
        Ok(r)
    }

    /// Checks internal consistency: unique codes, ordered validity ranges,
    /// parameters present, rates in 0..1.
    pub fn validate(&self) -> Result<(), ReferenceError> {
        let bad = |m: String| Err(ReferenceError::Invalid(m));
        let mut codes = HashSet::new();
        for c in &self.causali {
            if !codes.insert(c.code.as_str()) {
                return bad(format!("causale code '{}' is duplicated", c.code));
            }
            if c.valid_to.is_some_and(|t| t < c.valid_from) {
                return bad(format!("causale '{}' ends before it starts", c.code));
            }
            if c.benefits.is_empty() {
                return bad(format!("causale '{}' accepts no benefit", c.code));
            }
        }
        let mut years = HashSet::new();
        for m in &self.massimali {
            if !years.insert(m.year) {
                return bad(format!("massimale for {} is duplicated", m.year));
            }
            if m.net > m.gross || m.gross <= Decimal::ZERO {
                return bad(format!(
                    "massimale for {}: net must be ≤ gross and gross > 0",
                    m.year
                ));
            }
        }
        for a in &self.additional_contribution {
            let all = a.bands.iter().chain(a.reduced_bands.iter().flatten());
            for b in all {
                if b.rate < Decimal::ZERO || b.rate >= Decimal::ONE {
                    return bad(format!(
                        "additional contribution rate {} out of 0..1",
                        b.rate
                    ));
                }
            }
            if a.bands.last().is_none_or(|b| b.up_to_weeks.is_some()) {
                return bad(format!(
                    "additional contribution for {} must end with an open band",
                    a.benefit
                ));
            }
        }
        if self.parameters.is_empty() {
            return bad("no parameters record".into());
        }
        let mut ids = HashSet::new();
        for g in &self.regimes {
            if !ids.insert(g.id.as_str()) {
                return bad(format!("regime id '{}' is duplicated", g.id));
            }
            for c in g.causali.iter().chain(&g.replaces_causali) {
                if !codes.contains(c.as_str()) {
                    return bad(format!("regime '{}' refers to unknown causale '{c}'", g.id));
                }
            }
        }
        for p in &self.parameters {
            if p.one_third_divisor == 0 {
                return bad("one_third_divisor must be > 0".into());
            }
        }
        Ok(())
    }

    /// A causale by code, whatever its validity.
    pub fn causale(&self, code: &str) -> Option<&Causale> {
        self.causali.iter().find(|c| c.code == code)
    }

    /// Causali usable for `benefit` on `date`: valid on that date, accepting
    /// the benefit and not replaced by a derogation regime in force.
    pub fn causali_for(&self, benefit: Benefit, date: NaiveDate) -> Vec<&Causale> {
        self.causali
            .iter()
            .filter(|c| c.accepts(benefit) && c.is_valid_on(date))
            .filter(|c| !self.is_replaced(&c.code, benefit, date))
            .collect()
    }

    /// True if a regime in force on `date` forbids `code` for `benefit`.
    pub fn is_replaced(&self, code: &str, benefit: Benefit, date: NaiveDate) -> bool {
        self.regimes_on(benefit, date)
            .any(|g| g.replaces_causali.iter().any(|c| c == code))
    }

    /// Massimale for a calendar year.
    pub fn massimale(&self, year: i32) -> Option<&Massimale> {
        self.massimali.iter().find(|m| m.year == year)
    }

    /// Massimale in force on a date (by calendar year).
    pub fn massimale_on(&self, date: NaiveDate) -> Option<&Massimale> {
        self.massimale(date.year())
    }

    /// Parameters in force on a date (the latest record with `valid_from <= date`;
    /// the earliest record for dates before every record).
    pub fn parameters_on(&self, date: NaiveDate) -> &Parameters {
        self.parameters
            .iter()
            .filter(|p| p.valid_from <= date)
            .max_by_key(|p| p.valid_from)
            .or_else(|| self.parameters.iter().min_by_key(|p| p.valid_from))
            .unwrap_or(&FALLBACK_PARAMETERS)
    }

    /// Derogation regimes in force on a date for a benefit.
    pub fn regimes_on(
        &self,
        benefit: Benefit,
        date: NaiveDate,
    ) -> impl Iterator<Item = &DerogationRegime> {
        self.regimes.iter().filter(move |g| {
            g.benefits.contains(&benefit) && in_range(date, g.valid_from, g.valid_to)
        })
    }

    /// Catalogue entry of a benefit (and fund) valid on a date.
    pub fn catalogue_entry(
        &self,
        benefit: Benefit,
        fund: Option<FundCode>,
        date: NaiveDate,
    ) -> Option<&CatalogueEntry> {
        let matching =
            |e: &&CatalogueEntry| e.benefit == benefit && in_range(date, e.valid_from, e.valid_to);
        self.catalogue
            .iter()
            .filter(matching)
            .find(|e| e.fund == fund)
            .or_else(|| {
                self.catalogue
                    .iter()
                    .filter(matching)
                    .find(|e| e.fund.is_none())
            })
    }

    /// Additional-contribution record for a benefit/fund on a date.
    pub fn additional_contribution_on(
        &self,
        benefit: Benefit,
        fund: Option<FundCode>,
        date: NaiveDate,
    ) -> Option<&AdditionalContribution> {
        let matching = |a: &&AdditionalContribution| {
            a.benefit == benefit && in_range(date, a.valid_from, a.valid_to)
        };
        self.additional_contribution
            .iter()
            .filter(matching)
            .find(|a| a.fund.is_some() && a.fund == fund)
            .or_else(|| {
                self.additional_contribution
                    .iter()
                    .filter(matching)
                    .find(|a| a.fund.is_none())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn builtin_parses_and_validates() {
        let r = Reference::from_json(BUILTIN_JSON).unwrap();
        assert!(!r.causali.is_empty());
        assert_eq!(Reference::builtin().version, r.version);
    }

    #[test]
    fn causali_lookup() {
        let r = Reference::builtin();
        let met = r.causale("MET").unwrap();
        assert!(met.eone && met.weather);
        assert!(r.causale("NOPE").is_none());
        let cigo = r.causali_for(Benefit::Cigo, d(2025, 3, 3));
        assert!(cigo.iter().any(|c| c.code == "MLC"));
        assert!(!cigo.iter().any(|c| c.code == "RIO"));
        let fis = r.causali_for(Benefit::AisFis, d(2025, 3, 3));
        assert!(fis.iter().any(|c| c.code == "RIO"));
    }

    #[test]
    fn cisoa_2025_regime_replaces_causale_01() {
        let r = Reference::builtin();
        let before = r.causali_for(Benefit::Cisoa, d(2025, 6, 30));
        assert!(before.iter().any(|c| c.code == "01"));
        assert!(!before.iter().any(|c| c.code == "17"));
        let during = r.causali_for(Benefit::Cisoa, d(2025, 8, 1));
        assert!(!during.iter().any(|c| c.code == "01"));
        assert!(during.iter().any(|c| c.code == "17") && during.iter().any(|c| c.code == "18"));
        let after = r.causali_for(Benefit::Cisoa, d(2026, 1, 2));
        assert!(after.iter().any(|c| c.code == "01"));
    }

    #[test]
    fn massimali_published_values() {
        let r = Reference::builtin();
        let m = r.massimale(2025).unwrap();
        assert_eq!(m.gross.to_string(), "1404.03");
        assert_eq!(m.net.to_string(), "1322.05");
        assert_eq!(
            r.massimale(2026)
                .unwrap()
                .construction_weather_gross
                .unwrap()
                .to_string(),
            "1708.44"
        );
    }

    #[test]
    fn parameters_by_date() {
        let r = Reference::builtin();
        assert_eq!(r.parameters_on(d(2021, 6, 1)).seniority_days, 90);
        assert_eq!(r.parameters_on(d(2022, 1, 1)).seniority_days, 30);
        assert_eq!(r.parameters_on(d(1990, 1, 1)).seniority_days, 90);
    }

    #[test]
    fn invalid_files_are_rejected() {
        assert!(matches!(
            Reference::from_json("{}"),
            Err(ReferenceError::Parse(_))
        ));
        let mut r = Reference::builtin().clone();
        r.causali.push(r.causali[0].clone());
        assert!(r.validate().is_err());
    }
}

/// Every published version of the reference data; the one in force on a date
/// is the latest whose `effective_from` is not after it (R-CAUS-1, R-AMT-2:
/// administrators publish a new version with an effective date).
#[derive(Debug, Clone, Default)]
pub struct ReferenceVersions {
    versions: Vec<Reference>,
}

impl ReferenceVersions {
    /// Starts from the built-in version.
    pub fn with_builtin() -> Self {
        Self {
            versions: vec![Reference::builtin().clone()],
        }
    }

    /// Adds a validated version; a version label may be published only once.
    pub fn publish(&mut self, r: Reference) -> Result<(), ReferenceError> {
        r.validate()?;
        if self.versions.iter().any(|v| v.version == r.version) {
            return Err(ReferenceError::Invalid(format!(
                "version '{}' already published",
                r.version
            )));
        }
        self.versions.push(r);
        self.versions.sort_by_key(|v| v.effective_from);
        Ok(())
    }

    /// The version in force on `date` (the earliest one for older dates).
    pub fn in_force(&self, date: NaiveDate) -> Option<&Reference> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.effective_from <= date)
            .or_else(|| self.versions.first())
    }

    pub fn versions(&self) -> &[Reference] {
        &self.versions
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn a_new_version_takes_effect_on_its_date() {
        let mut all = ReferenceVersions::with_builtin();
        let mut next = Reference::builtin().clone();
        next.version = "2027.1".into();
        next.effective_from = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
        all.publish(next.clone()).unwrap();
        assert!(all.publish(next).is_err());
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(all.in_force(d(2027, 1, 31)).unwrap().version, "2026.1");
        assert_eq!(all.in_force(d(2027, 2, 1)).unwrap().version, "2027.1");
    }
}
