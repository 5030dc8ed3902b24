//! Benefit amounts and the employer's additional contribution (R-AMT-1 … R-AMT-4).
//!
//! Decimal arithmetic throughout; each amount is rounded half-up to the cent
//! only at its end (R-AMT-4).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::ids::CodiceFiscale;
use crate::reference::{Massimale, Parameters, RateBand, Reference};

/// Rounds money half-up to the cent (R-AMT-4).
pub fn cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

/// The massimale applied for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppliedMassimale {
    pub year: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub gross: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub net: Decimal,
    /// +20 % construction/stone weather massimale.
    pub construction_weather: bool,
    /// Year whose published values were used (differs from `year` when not yet published).
    pub published_year: i32,
}

/// Benefit of one worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkerAmount {
    pub codice_fiscale: CodiceFiscale,
    /// Hours paid (covered, authorisable, within contractual hours).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub hours: Decimal,
    /// 80 % of the wage for those hours, before the cap.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub uncapped_gross: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub gross: Decimal,
    /// Gross net of the 5.84 % deduction (capped by the published net massimale).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub net: Decimal,
    pub capped: bool,
}

/// One band of the additional contribution actually applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppliedBand {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub weeks: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub base: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub amount: Decimal,
}

/// The employer's additional contribution (R-AMT-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdditionalContributionOutcome {
    pub rule: String,
    /// Full wage for the hours not worked.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub base: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub amount: Decimal,
    pub reduced_rates: bool,
    pub bands: Vec<AppliedBand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// All amounts of the simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AmountsOutcome {
    pub rule: String,
    pub massimali: Vec<AppliedMassimale>,
    pub workers: Vec<WorkerAmount>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub total_gross: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DecimalString))]
    pub total_net: Decimal,
    pub additional_contribution: AdditionalContributionOutcome,
}

/// Massimale for a year (the latest published one if the year is missing),
/// with the construction weather variant (+20 %, computed from the normal
/// values only when not published).
pub fn massimale_for(
    r: &Reference,
    year: i32,
    construction_weather: bool,
) -> Option<AppliedMassimale> {
    let m: &Massimale = r.massimale(year).or_else(|| {
        r.massimali
            .iter()
            .filter(|m| m.year <= year)
            .max_by_key(|m| m.year)
            .or_else(|| r.massimali.iter().min_by_key(|m| m.year))
    })?;
    let (gross, net) = if construction_weather {
        let k = Decimal::new(12, 1);
        (
            m.construction_weather_gross
                .unwrap_or_else(|| cents(m.gross * k)),
            m.construction_weather_net
                .unwrap_or_else(|| cents(m.net * k)),
        )
    } else {
        (m.gross, m.net)
    };
    Some(AppliedMassimale {
        year,
        gross,
        net,
        construction_weather,
        published_year: m.year,
    })
}

/// R-AMT-1: benefit for `hours_by_year` hours not worked.
///
/// gross = min(80 % × wage × h, massimale_gross × h ÷ monthly hours);
/// net = min(80 % × wage × h × (1 − 5.84 %), massimale_net × h ÷ monthly hours),
/// where monthly hours = min(weekly, 40) × 52 ÷ 12 (our policy for the hourly cap).
pub fn worker_amount(
    cf: &CodiceFiscale,
    hours_by_year: &BTreeMap<i32, Decimal>,
    weekly_hours: Decimal,
    hourly_wage: Decimal,
    massimali: &BTreeMap<i32, AppliedMassimale>,
    p: &Parameters,
) -> WorkerAmount {
    let weekly = weekly_hours.min(p.max_weekly_hours);
    let monthly_hours = weekly * Decimal::from(52) / Decimal::from(12);
    let keep = Decimal::ONE - p.social_deduction_rate;
    let (mut hours, mut uncapped, mut gross, mut net) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut capped = false;
    for (year, h) in hours_by_year {
        let u = p.benefit_rate * hourly_wage * *h;
        let (gcap, ncap) = match massimali.get(year) {
            Some(m) if monthly_hours > Decimal::ZERO => {
                (m.gross * *h / monthly_hours, m.net * *h / monthly_hours)
            }
            _ => (u, u * keep),
        };
        if u > gcap {
            capped = true;
        }
        hours += *h;
        uncapped += u;
        gross += u.min(gcap);
        net += (u * keep).min(ncap);
    }
    WorkerAmount {
        codice_fiscale: cf.clone(),
        hours: super::limits::tidy(hours),
        uncapped_gross: cents(uncapped),
        gross: cents(gross),
        net: cents(net),
        capped,
    }
}

/// R-AMT-3: splits the request's weeks over the rate bands given the weeks
/// already used in the quinquennio, and applies each band's rate to its share
/// of the base.
pub fn additional_contribution(
    base: Decimal,
    bands: &[RateBand],
    used_weeks: Decimal,
    request_weeks: Decimal,
) -> (Decimal, Vec<AppliedBand>) {
    let mut out = Vec::new();
    let mut total = Decimal::ZERO;
    let mut lower = Decimal::ZERO;
    let end = used_weeks + request_weeks;
    for b in bands {
        let upper = b.up_to_weeks.map(Decimal::from);
        let hi = upper.map_or(end, |u| u.min(end));
        let lo = lower.max(used_weeks);
        let weeks = (hi - lo).max(Decimal::ZERO);
        let share_base = if request_weeks > Decimal::ZERO {
            base * weeks / request_weeks
        } else if used_weeks >= lower && upper.is_none_or(|u| used_weeks < u) {
            base
        } else {
            Decimal::ZERO
        };
        if share_base > Decimal::ZERO {
            let amount = share_base * b.rate;
            total += amount;
            out.push(AppliedBand {
                rate: b.rate,
                weeks: super::limits::tidy(weeks),
                base: cents(share_base),
                amount: cents(amount),
            });
        }
        if let Some(u) = upper {
            lower = u;
        }
    }
    (cents(total), out)
}

/// Hours of a worker per calendar year, given the days they fall on
/// (spread evenly over the days when no per-day hours are given).
pub fn hours_by_year(days: &[NaiveDate], total: Decimal) -> BTreeMap<i32, Decimal> {
    use chrono::Datelike;
    let mut out: BTreeMap<i32, Decimal> = BTreeMap::new();
    if days.is_empty() {
        return out;
    }
    let per_day = total / Decimal::from(days.len());
    for d in days {
        *out.entry(d.year()).or_default() += per_day;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn cigo_rules_7_4_reduction_64_hours() {
        let r = Reference::builtin();
        let p = r.parameters_on(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        let cf = CodiceFiscale::parse("MRTMTT25D09F205Z").unwrap();
        let mut m = BTreeMap::new();
        m.insert(2025, massimale_for(r, 2025, false).unwrap());
        let mut h = BTreeMap::new();
        h.insert(2025, dec!(64));
        let a = worker_amount(&cf, &h, dec!(40), dec!(14), &m, p);
        assert_eq!(a.uncapped_gross, dec!(716.80));
        assert_eq!(a.gross, dec!(518.41));
        assert_eq!(a.net, dec!(488.14));
        assert!(a.capped);
    }

    #[test]
    fn bands_split() {
        let bands = vec![
            RateBand {
                up_to_weeks: Some(52),
                rate: dec!(0.09),
            },
            RateBand {
                up_to_weeks: Some(104),
                rate: dec!(0.12),
            },
            RateBand {
                up_to_weeks: None,
                rate: dec!(0.15),
            },
        ];
        assert_eq!(
            additional_contribution(dec!(896), &bands, dec!(0), dec!(4)).0,
            dec!(80.64)
        );
        let (amt, b) = additional_contribution(dec!(1000), &bands, dec!(50), dec!(4));
        assert_eq!(b.len(), 2);
        assert_eq!(amt, dec!(105.00));
    }
}
