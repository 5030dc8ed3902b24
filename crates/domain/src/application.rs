//! Building blocks of an application (domanda): the kind of reduction and the
//! period it covers.

use chrono::{Datelike, Days, IsoWeek, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Sospensione (zero hours) or riduzione (reduced hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReductionKind {
    Sospensione,
    Riduzione,
}

impl ReductionKind {
    pub fn label_it(self) -> &'static str {
        match self {
            ReductionKind::Sospensione => "sospensione",
            ReductionKind::Riduzione => "riduzione di orario",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            ReductionKind::Sospensione => "suspension",
            ReductionKind::Riduzione => "reduction of hours",
        }
    }
}

/// A period ends before it starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("period ends ({end}) before it starts ({start})")]
pub struct PeriodError {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl PeriodError {
    pub fn message_it(&self) -> String {
        format!(
            "il periodo termina ({}) prima di iniziare ({})",
            self.end, self.start
        )
    }
}

/// A closed range of calendar days `start..=end`, with `start <= end`
/// guaranteed by construction (also when deserialized).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    start: NaiveDate,
    end: NaiveDate,
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawPeriod::deserialize(d)?;
        Period::new(raw.start, raw.end).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…{}", self.start, self.end)
    }
}

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, PeriodError> {
        if start > end {
            return Err(PeriodError { start, end });
        }
        Ok(Self { start, end })
    }
    /// A single-day period.
    pub fn day(d: NaiveDate) -> Self {
        Self { start: d, end: d }
    }
    pub fn start(&self) -> NaiveDate {
        self.start
    }
    pub fn end(&self) -> NaiveDate {
        self.end
    }
    /// Number of calendar days, both ends included.
    pub fn len_days(&self) -> u32 {
        (self.end - self.start).num_days() as u32 + 1
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start <= other.end && other.start <= self.end
    }
    pub fn intersection(&self, other: &Period) -> Option<Period> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        Period::new(start, end).ok()
    }
    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }
    /// The ISO weeks (Monday–Sunday) touched by the period, in order.
    pub fn iso_weeks(&self) -> Vec<IsoWeek> {
        let mut out = Vec::new();
        let mut monday = self.start - Days::new(self.start.weekday().num_days_from_monday() as u64);
        while monday <= self.end {
            out.push(monday.iso_week());
            match monday.checked_add_days(Days::new(7)) {
                Some(next) => monday = next,
                None => break,
            }
        }
        out
    }
    /// Number of ISO weeks touched by the period.
    pub fn iso_week_count(&self) -> u32 {
        self.iso_weeks().len() as u32
    }
    /// The same period with each end clamped to `[lo, hi]`, if they overlap.
    pub fn clamp(&self, lo: NaiveDate, hi: NaiveDate) -> Option<Period> {
        Period::new(lo, hi).ok().and_then(|p| self.intersection(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn period_validation() {
        assert!(Period::new(d(2025, 3, 3), d(2025, 3, 2)).is_err());
        let p = Period::new(d(2025, 12, 29), d(2026, 1, 4)).unwrap();
        assert_eq!(p.len_days(), 7);
        assert_eq!(p.iso_week_count(), 1);
        assert_eq!(p.days().count(), 7);
        let e = serde_json::from_str::<Period>(r#"{"start":"2025-03-03","end":"2025-03-01"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("before it starts"), "{e}");
        assert!(
            serde_json::from_str::<Period>(r#"{"start":"2025-02-30","end":"2025-03-01"}"#).is_err()
        );
    }

    #[test]
    fn weeks_across_new_year() {
        let p = Period::new(d(2026, 12, 28), d(2027, 1, 10)).unwrap();
        let w = p.iso_weeks();
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].year(), w[0].week()), (2026, 53));
        assert_eq!((w[1].year(), w[1].week()), (2027, 1));
    }
}
