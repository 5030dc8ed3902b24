//! What is requested per worker: hours, or whole days for CISOA (R-LIM-9).
//!
//! CISOA is requested, counted (90 days per worker per calendar year) and authorised in
//! whole days; every other benefit in hours. Where something downstream needs hours (the
//! payment flows' cumulative check, amounts, the hours column of lists) a CISOA day is
//! worth the worker's contractual daily hours: weekly hours ÷ working days per week
//! (`docs/rules.md`, P27).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::benefit::Benefit;

/// The unit a benefit is requested in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuantityUnit {
    Hours,
    /// Whole days (CISOA).
    Days,
}

impl QuantityUnit {
    /// R-LIM-9: CISOA in whole days, every other benefit in hours.
    pub fn of(benefit: Benefit) -> Self {
        match benefit {
            Benefit::Cisoa => QuantityUnit::Days,
            _ => QuantityUnit::Hours,
        }
    }

    /// The JSON field that carries the quantity (`hours` or `days`).
    pub fn field(self) -> &'static str {
        match self {
            QuantityUnit::Hours => "hours",
            QuantityUnit::Days => "days",
        }
    }

    pub fn label_it(self) -> &'static str {
        match self {
            QuantityUnit::Hours => "ore",
            QuantityUnit::Days => "giornate",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            QuantityUnit::Hours => "hours",
            QuantityUnit::Days => "days",
        }
    }
}

/// A positive whole quantity requested (or authorised) for one worker, in the unit of its
/// benefit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requested {
    Hours(u32),
    Days(u32),
}

/// Why a requested quantity is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    /// Hours sent for CISOA, which is requested in whole days.
    CisoaInDays,
    /// Days sent for a benefit other than CISOA.
    DaysOnlyForCisoa,
    /// Neither hours nor days (or 0).
    Missing(QuantityUnit),
    /// Not a positive whole number.
    NotPositive(QuantityUnit),
}

impl QuantityError {
    /// Stable code (problem+json and check codes).
    pub fn code(self) -> &'static str {
        match self {
            QuantityError::CisoaInDays => "cisoa_in_days",
            QuantityError::DaysOnlyForCisoa => "days_only_for_cisoa",
            QuantityError::Missing(_) => "quantity_missing",
            QuantityError::NotPositive(QuantityUnit::Hours) => "hours_not_positive_integer",
            QuantityError::NotPositive(QuantityUnit::Days) => "days_not_positive_integer",
        }
    }

    /// The field at fault (`hours` or `days`).
    pub fn field(self) -> &'static str {
        match self {
            QuantityError::CisoaInDays => "hours",
            QuantityError::DaysOnlyForCisoa => "days",
            QuantityError::Missing(u) | QuantityError::NotPositive(u) => u.field(),
        }
    }

    pub fn message_it(self) -> &'static str {
        match self {
            QuantityError::CisoaInDays => {
                "La CISOA si chiede a giornate intere: indicare le giornate (days), non le ore."
            }
            QuantityError::DaysOnlyForCisoa => {
                "Le giornate si indicano solo per la CISOA: per questa prestazione indicare le ore."
            }
            QuantityError::Missing(QuantityUnit::Hours) => "Indicare le ore richieste.",
            QuantityError::Missing(QuantityUnit::Days) => "Indicare le giornate richieste.",
            QuantityError::NotPositive(QuantityUnit::Hours) => {
                "Le ore devono essere un numero intero positivo."
            }
            QuantityError::NotPositive(QuantityUnit::Days) => {
                "Le giornate devono essere un numero intero positivo."
            }
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            QuantityError::CisoaInDays => "CISOA is requested in whole days: send days, not hours.",
            QuantityError::DaysOnlyForCisoa => {
                "Days are only for CISOA: send hours for this benefit."
            }
            QuantityError::Missing(QuantityUnit::Hours) => "State the hours requested.",
            QuantityError::Missing(QuantityUnit::Days) => "State the days requested.",
            QuantityError::NotPositive(QuantityUnit::Hours) => {
                "Hours must be a positive whole number."
            }
            QuantityError::NotPositive(QuantityUnit::Days) => {
                "Days must be a positive whole number."
            }
        }
    }
}

impl std::fmt::Display for QuantityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message_en())
    }
}

impl std::error::Error for QuantityError {}

impl Requested {
    /// The quantity for `benefit` from the two optional fields of a worker line: CISOA
    /// takes `days` only, the others `hours` only.
    pub fn for_benefit(
        benefit: Benefit,
        hours: Option<i64>,
        days: Option<i64>,
    ) -> Result<Self, QuantityError> {
        let unit = QuantityUnit::of(benefit);
        let positive = |v: i64| {
            u32::try_from(v)
                .ok()
                .filter(|v| *v > 0)
                .ok_or(QuantityError::NotPositive(unit))
        };
        match (unit, hours, days) {
            (QuantityUnit::Days, Some(_), _) => Err(QuantityError::CisoaInDays),
            (QuantityUnit::Hours, _, Some(_)) => Err(QuantityError::DaysOnlyForCisoa),
            (QuantityUnit::Days, None, Some(d)) => positive(d).map(Requested::Days),
            (QuantityUnit::Hours, Some(h), None) => positive(h).map(Requested::Hours),
            (_, None, None) => Err(QuantityError::Missing(unit)),
        }
    }

    pub fn unit(self) -> QuantityUnit {
        match self {
            Requested::Hours(_) => QuantityUnit::Hours,
            Requested::Days(_) => QuantityUnit::Days,
        }
    }

    pub fn amount(self) -> u32 {
        match self {
            Requested::Hours(v) | Requested::Days(v) => v,
        }
    }

    /// The hours this quantity stands for (P27): hours as they are, days × the worker's
    /// contractual daily hours, rounded half-up to the whole hour.
    pub fn whole_hours(self, weekly_hours: Decimal, working_days_per_week: u32) -> i64 {
        match self {
            Requested::Hours(h) => i64::from(h),
            Requested::Days(d) => {
                whole_hours(hours_for_days(d, weekly_hours, working_days_per_week))
            }
        }
    }
}

/// Contractual daily hours: weekly hours ÷ working days per week (0 working days → 0).
pub fn daily_hours(weekly_hours: Decimal, working_days_per_week: u32) -> Decimal {
    if working_days_per_week == 0 {
        return Decimal::ZERO;
    }
    weekly_hours / Decimal::from(working_days_per_week)
}

/// Hours of `days` whole days (P27).
pub fn hours_for_days(days: u32, weekly_hours: Decimal, working_days_per_week: u32) -> Decimal {
    daily_hours(weekly_hours, working_days_per_week) * Decimal::from(days)
}

/// Rounds hours half-up to the whole hour (the hours columns are whole hours).
pub fn whole_hours(hours: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    hours
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_lim_9_cisoa_is_requested_in_whole_days_the_others_in_hours() {
        assert_eq!(QuantityUnit::of(Benefit::Cisoa), QuantityUnit::Days);
        for b in [Benefit::Cigo, Benefit::AisFis, Benefit::AisFondo] {
            assert_eq!(QuantityUnit::of(b), QuantityUnit::Hours);
        }
        assert_eq!(
            Requested::for_benefit(Benefit::Cisoa, None, Some(3)),
            Ok(Requested::Days(3))
        );
        assert_eq!(
            Requested::for_benefit(Benefit::Cigo, Some(16), None),
            Ok(Requested::Hours(16))
        );
    }

    #[test]
    fn r_lim_9_hours_for_cisoa_and_days_for_the_others_are_refused_by_name() {
        let e = Requested::for_benefit(Benefit::Cisoa, Some(16), None).unwrap_err();
        assert_eq!((e.code(), e.field()), ("cisoa_in_days", "hours"));
        let e = Requested::for_benefit(Benefit::AisFis, None, Some(2)).unwrap_err();
        assert_eq!((e.code(), e.field()), ("days_only_for_cisoa", "days"));
        let e = Requested::for_benefit(Benefit::Cisoa, None, Some(0)).unwrap_err();
        assert_eq!((e.code(), e.field()), ("days_not_positive_integer", "days"));
        let e = Requested::for_benefit(Benefit::Cigo, Some(-4), None).unwrap_err();
        assert_eq!(e.code(), "hours_not_positive_integer");
        let e = Requested::for_benefit(Benefit::Cisoa, None, None).unwrap_err();
        assert_eq!((e.code(), e.field()), ("quantity_missing", "days"));
    }

    #[test]
    fn p27_a_cisoa_day_is_worth_the_contractual_daily_hours() {
        // 39 hours on 6 days: 6.5 hours a day; 3 days = 19.5 → 20 whole hours.
        assert_eq!(daily_hours(Decimal::from(39), 6), Decimal::new(65, 1));
        assert_eq!(Requested::Days(3).whole_hours(Decimal::from(39), 6), 20);
        assert_eq!(Requested::Days(5).whole_hours(Decimal::from(40), 5), 40);
        assert_eq!(Requested::Hours(7).whole_hours(Decimal::from(40), 5), 7);
        assert_eq!(daily_hours(Decimal::from(40), 0), Decimal::ZERO);
    }
}
