//! Calendar: ISO weeks, rolling windows, Italian public holidays and the
//! working pattern of a productive unit.

use chrono::{Datelike, Days, IsoWeek, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::application::Period;

/// Working days per week of a productive unit (UP): 5 (Mon–Fri) or 6 (Mon–Sat).
/// Serialized as the number `5` or `6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WorkPattern {
    #[default]
    FiveDays,
    SixDays,
}

impl WorkPattern {
    pub fn days_per_week(self) -> u32 {
        match self {
            WorkPattern::FiveDays => 5,
            WorkPattern::SixDays => 6,
        }
    }
    pub fn from_days(n: u64) -> Option<Self> {
        match n {
            5 => Some(WorkPattern::FiveDays),
            6 => Some(WorkPattern::SixDays),
            _ => None,
        }
    }
    /// True if `d` is a working day of the pattern (public holidays excluded).
    pub fn is_working_day(self, d: NaiveDate) -> bool {
        let wd = d.weekday().num_days_from_monday();
        wd < self.days_per_week() && !is_public_holiday(d)
    }
    /// Working days of the pattern in a period.
    pub fn working_days(self, p: &Period) -> Vec<NaiveDate> {
        p.days().filter(|d| self.is_working_day(*d)).collect()
    }
}

impl Serialize for WorkPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.days_per_week())
    }
}

impl<'de> Deserialize<'de> for WorkPattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        WorkPattern::from_days(n).ok_or_else(|| {
            serde::de::Error::custom(format!("working days per week must be 5 or 6, found {n}"))
        })
    }
}

/// Easter Sunday (Gregorian calendar, anonymous algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Italian national public holidays of a year, with their names.
///
/// Includes Easter Sunday and Easter Monday (Lunedì dell'Angelo) and, from
/// 2026, 4 October (San Francesco, restored as a national holiday by
/// L. 151/2025). Local patron saints are not national holidays.
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let fixed: &[(u32, u32, &str)] = &[
        (1, 1, "Capodanno"),
        (1, 6, "Epifania"),
        (4, 25, "Festa della Liberazione"),
        (5, 1, "Festa del Lavoro"),
        (6, 2, "Festa della Repubblica"),
        (8, 15, "Ferragosto"),
        (11, 1, "Ognissanti"),
        (12, 8, "Immacolata Concezione"),
        (12, 25, "Natale"),
        (12, 26, "Santo Stefano"),
    ];
    let mut out: Vec<(NaiveDate, &str)> = fixed
        .iter()
        .filter_map(|(m, d, n)| NaiveDate::from_ymd_opt(year, *m, *d).map(|x| (x, *n)))
        .collect();
    if year >= 2026
        && let Some(d) = NaiveDate::from_ymd_opt(year, 10, 4)
    {
        out.push((d, "San Francesco d'Assisi"));
    }
    if let Some(e) = easter_sunday(year) {
        out.push((e, "Pasqua"));
        if let Some(m) = e.succ_opt() {
            out.push((m, "Lunedì dell'Angelo"));
        }
    }
    out.sort();
    out
}

/// True for a national public holiday.
pub fn is_public_holiday(d: NaiveDate) -> bool {
    let fixed = matches!(
        (d.month(), d.day()),
        (1, 1)
            | (1, 6)
            | (4, 25)
            | (5, 1)
            | (6, 2)
            | (8, 15)
            | (11, 1)
            | (12, 8)
            | (12, 25)
            | (12, 26)
    );
    if fixed || (d.year() >= 2026 && d.month() == 10 && d.day() == 4) {
        return true;
    }
    // Easter Sunday falls between 22 March and 25 April, Easter Monday up to 26 April.
    if !(3..=4).contains(&d.month()) {
        return false;
    }
    easter_sunday(d.year()).is_some_and(|e| d == e || e.succ_opt() == Some(d))
}

/// R-APP-3a: a last valid day on a Sunday or national holiday moves to the
/// next day that is neither.
pub fn roll_forward(mut d: NaiveDate) -> NaiveDate {
    while d.weekday() == Weekday::Sun || is_public_holiday(d) {
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    d
}

/// Monday of the ISO week of `d`.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Days::new(d.weekday().num_days_from_monday() as u64)
}

/// Sunday of the ISO week of `d`.
pub fn sunday_of(d: NaiveDate) -> NaiveDate {
    monday_of(d) + Days::new(6)
}

/// Monday of an ISO week given as (ISO year, week number).
pub fn week_monday(iso_year: i32, week: u32) -> Option<NaiveDate> {
    NaiveDate::from_isoywd_opt(iso_year, week, Weekday::Mon)
}

/// Number of ISO weeks in an ISO year (52 or 53).
pub fn iso_weeks_in_year(iso_year: i32) -> u32 {
    if NaiveDate::from_isoywd_opt(iso_year, 53, Weekday::Mon).is_some() {
        53
    } else {
        52
    }
}

/// Last calendar day of the month after the month of `d`.
pub fn end_of_next_month(d: NaiveDate) -> Option<NaiveDate> {
    let first = d.with_day(1)?;
    let first_after_next = first.checked_add_months(Months::new(2))?;
    first_after_next.pred_opt()
}

/// Rolling window of `weeks` ISO weeks ending with the ISO week containing
/// `last_day` (Monday of the first week … Sunday of the last week).
/// The biennio mobile is 104 weeks, the quinquennio 260.
pub fn window_ending(last_day: NaiveDate, weeks: u32) -> Period {
    let end = sunday_of(last_day);
    let start = monday_of(last_day) - Days::new(7 * (weeks.saturating_sub(1)) as u64);
    Period::new(start, end).unwrap_or_else(|_| Period::day(end))
}

/// Distinct ISO weeks of a set of days, in order.
pub fn distinct_weeks(days: impl IntoIterator<Item = NaiveDate>) -> Vec<IsoWeek> {
    let mut w: Vec<IsoWeek> = days.into_iter().map(|d| d.iso_week()).collect();
    w.sort();
    w.dedup();
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn fast_check_matches_the_list() {
        for y in 2015..2035 {
            let list = public_holidays(y);
            let mut d = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
            while d.year() == y {
                assert_eq!(
                    is_public_holiday(d),
                    list.iter().any(|(h, _)| *h == d),
                    "{d}"
                );
                d = d.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn easter() {
        assert_eq!(easter_sunday(2024), Some(d(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(d(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(d(2026, 4, 5)));
        assert!(is_public_holiday(d(2025, 4, 21)));
    }

    #[test]
    fn windows() {
        let w = window_ending(d(2025, 3, 30), 104);
        assert_eq!(w.end(), d(2025, 3, 30));
        assert_eq!(w.len_days(), 104 * 7);
        assert_eq!(w.start().weekday(), Weekday::Mon);
    }

    #[test]
    fn month_after() {
        assert_eq!(end_of_next_month(d(2025, 7, 10)), Some(d(2025, 8, 31)));
        assert_eq!(end_of_next_month(d(2024, 1, 31)), Some(d(2024, 2, 29)));
        assert_eq!(end_of_next_month(d(2025, 12, 5)), Some(d(2026, 1, 31)));
    }
}

/// Local time in Rome (Europe/Rome) of an instant stored in UTC: CET (UTC+1), or CEST
/// (UTC+2) from 01:00 UTC of the last Sunday of March to 01:00 UTC of the last Sunday of
/// October (the EU rule in force since 1996; users see every time this way).
pub fn rome_time(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    let year = t.year();
    let last_sunday = |month: u32| {
        let first_next = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap_or(NaiveDate::MAX);
        let last = first_next.pred_opt().unwrap_or(first_next);
        last - Days::new(u64::from(last.weekday().num_days_from_sunday()))
    };
    let at_one = |d: NaiveDate| d.and_hms_opt(1, 0, 0).unwrap_or_default();
    let utc = t.naive_utc();
    let summer = utc >= at_one(last_sunday(3)) && utc < at_one(last_sunday(10));
    utc + chrono::TimeDelta::hours(if summer { 2 } else { 1 })
}

#[cfg(test)]
mod rome_tests {
    use chrono::{TimeZone, Utc};

    use super::rome_time;

    fn rome(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> String {
        rome_time(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    }

    #[test]
    fn times_are_shown_in_rome_winter_and_summer() {
        assert_eq!(rome(2026, 1, 15, 9, 30), "15/01/2026 10:30");
        assert_eq!(rome(2026, 7, 1, 22, 30), "02/07/2026 00:30");
        assert_eq!(rome(2026, 12, 31, 23, 30), "01/01/2027 00:30");
    }

    #[test]
    fn the_clock_changes_at_one_utc_on_the_last_sundays_of_march_and_october() {
        // 2026: 29 March and 25 October.
        assert_eq!(rome(2026, 3, 29, 0, 59), "29/03/2026 01:59");
        assert_eq!(rome(2026, 3, 29, 1, 0), "29/03/2026 03:00");
        assert_eq!(rome(2026, 10, 25, 0, 59), "25/10/2026 02:59");
        assert_eq!(rome(2026, 10, 25, 1, 0), "25/10/2026 02:00");
    }
}
