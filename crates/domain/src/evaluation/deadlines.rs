//! Filing deadlines (R-APP-3, R-APP-3a) and late filing (R-APP-4).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::application::Period;
use crate::benefit::Benefit;
use crate::calendar::{end_of_next_month, monday_of, roll_forward};

/// Outcome of the deadline check of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeadlineOutcome {
    /// `R-APP-3` (ordinary) or `R-APP-3-EONE`-style explanation via `basis`.
    pub rule: String,
    /// `start_plus_days` or `end_of_month_after_event`.
    pub basis: String,
    /// Day from which the term is counted (start, or first EONE event).
    pub counted_from: NaiveDate,
    /// Last valid day for filing (after R-APP-3a roll-forward).
    pub last_day: NaiveDate,
    /// FIS/funds: first day an application may be filed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_day: Option<NaiveDate>,
    pub submission_date: NaiveDate,
    pub on_time: bool,
    /// Filed before `earliest_day` (inadmissible).
    pub too_early: bool,
    /// Covered part of the period (R-APP-4); `None` if nothing is covered.
    pub covered: Option<Period>,
    /// Uncovered part of the period, owed by the employer (R-APP-4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<Period>,
}

/// Last valid filing day (R-APP-3, R-APP-3a).
///
/// - ordinary causali and CISOA: start + `filing_days` (start day not counted);
/// - EONE (except CISOA, our policy): last day of the month after the first event;
/// - a last day on a Sunday or national holiday moves to the next day that is neither.
pub fn last_filing_day(
    benefit: Benefit,
    eone: bool,
    start: NaiveDate,
    first_event: Option<NaiveDate>,
    filing_days: u32,
) -> (NaiveDate, NaiveDate, &'static str) {
    if eone && benefit != Benefit::Cisoa {
        let event = first_event.unwrap_or(start);
        let raw = end_of_next_month(event).unwrap_or(event);
        (event, roll_forward(raw), "end_of_month_after_event")
    } else {
        let raw = start
            .checked_add_days(Days::new(filing_days as u64))
            .unwrap_or(start);
        (start, roll_forward(raw), "start_plus_days")
    }
}

/// First day of cover for an application filed on `submission` (R-APP-4):
/// the Monday of the week before the submission date.
pub fn late_cover_start(submission: NaiveDate) -> NaiveDate {
    monday_of(submission)
        .checked_sub_days(Days::new(7))
        .unwrap_or(submission)
}

/// Full deadline evaluation.
pub fn evaluate(
    benefit: Benefit,
    eone: bool,
    period: &Period,
    first_event: Option<NaiveDate>,
    submission: NaiveDate,
    filing_days: u32,
    ais_earliest_days_before: u32,
) -> DeadlineOutcome {
    let (counted_from, last_day, basis) =
        last_filing_day(benefit, eone, period.start(), first_event, filing_days);
    let earliest_day = benefit.is_ais().then(|| {
        period
            .start()
            .checked_sub_days(Days::new(ais_earliest_days_before as u64))
            .unwrap_or(period.start())
    });
    let too_early = earliest_day.is_some_and(|e| submission < e);
    let on_time = submission <= last_day;
    let (covered, uncovered) = if on_time {
        (Some(*period), None)
    } else {
        let from = late_cover_start(submission);
        if from <= period.start() {
            (Some(*period), None)
        } else {
            let covered = Period::new(from, period.end()).ok();
            let uncovered = from
                .pred_opt()
                .and_then(|to| Period::new(period.start(), to.min(period.end())).ok());
            (covered, uncovered)
        }
    };
    DeadlineOutcome {
        rule: if on_time { "R-APP-3" } else { "R-APP-4" }.to_string(),
        basis: basis.to_string(),
        counted_from,
        last_day,
        earliest_day,
        submission_date: submission,
        on_time,
        too_early,
        covered,
        uncovered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn domain_examples() {
        // R-APP-3a: start Monday 2025-03-03 → last day Tuesday 2025-03-18
        assert_eq!(
            last_filing_day(Benefit::Cigo, false, d(2025, 3, 3), None, 15).1,
            d(2025, 3, 18)
        );
        // EONE event 2025-07-10 → 2025-08-31 is a Sunday → Monday 2025-09-01
        assert_eq!(
            last_filing_day(
                Benefit::Cigo,
                true,
                d(2025, 7, 28),
                Some(d(2025, 7, 10)),
                15
            )
            .1,
            d(2025, 9, 1)
        );
        // R-APP-4: start 2025-03-03, submitted Wednesday 2025-03-26 → covered from 2025-03-17
        let p = Period::new(d(2025, 3, 3), d(2025, 4, 30)).unwrap();
        let o = evaluate(Benefit::Cigo, false, &p, None, d(2025, 3, 26), 15, 30);
        assert!(!o.on_time);
        assert_eq!(o.covered.unwrap().start(), d(2025, 3, 17));
        assert_eq!(
            o.uncovered.unwrap(),
            Period::new(d(2025, 3, 3), d(2025, 3, 16)).unwrap()
        );
    }
}
