//! Small allocation-free parsers for the hot path: hours in hundredths,
//! months, dates.

use chrono::{Datelike, NaiveDate};

/// Parses a non-negative decimal with at most two decimals (`.` or `,`)
/// into hundredths. `None` for anything else.
pub fn parse_centi(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 15 {
        return None;
    }
    let mut int: u64 = 0;
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        int = int * 10 + u64::from(b[i] - b'0');
        i += 1;
        digits += 1;
    }
    if digits == 0 {
        return None;
    }
    let mut frac = 0;
    if i < b.len() {
        if b[i] != b'.' && b[i] != b',' {
            return None;
        }
        i += 1;
        let mut n = 0;
        while i < b.len() && b[i].is_ascii_digit() && n < 2 {
            frac = frac * 10 + u64::from(b[i] - b'0');
            i += 1;
            n += 1;
        }
        if n == 0 || i != b.len() {
            return None;
        }
        if n == 1 {
            frac *= 10;
        }
    }
    Some(int * 100 + frac)
}

/// Formats hundredths as `123.45`.
pub fn fmt_centi(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// Hundredths as a decimal.
pub fn centi_decimal(c: u64) -> rust_decimal::Decimal {
    rust_decimal::Decimal::new(c as i64, 2)
}

/// Parses `YYYY-MM` into a month index (`year * 12 + month - 1`).
pub fn parse_month(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[5..7])?;
    if !(2000..=2999).contains(&y) || !(1..=12).contains(&m) {
        return None;
    }
    Some(y * 12 + m - 1)
}

pub fn month_year(idx: u32) -> (i32, u32) {
    ((idx / 12) as i32, idx % 12 + 1)
}

pub fn fmt_month(idx: u32) -> String {
    let (y, m) = month_year(idx);
    format!("{y:04}-{m:02}")
}

pub fn first_of_month(idx: u32) -> NaiveDate {
    let (y, m) = month_year(idx);
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid month index")
}

pub fn last_of_month(idx: u32) -> NaiveDate {
    first_of_month(idx + 1).pred_opt().expect("valid date")
}

pub fn month_of(d: NaiveDate) -> u32 {
    d.year() as u32 * 12 + d.month0()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centi() {
        assert_eq!(parse_centi("8"), Some(800));
        assert_eq!(parse_centi("7.5"), Some(750));
        assert_eq!(parse_centi("7,25"), Some(725));
        assert_eq!(parse_centi("0.01"), Some(1));
        for bad in ["", ".5", "1.", "1.234", "-1", "1e3", " 1", "abc"] {
            assert_eq!(parse_centi(bad), None, "{bad}");
        }
        assert_eq!(fmt_centi(12345), "123.45");
    }

    #[test]
    fn months_and_dates() {
        let m = parse_month("2025-03").unwrap();
        assert_eq!(fmt_month(m), "2025-03");
        assert_eq!(last_of_month(m).to_string(), "2025-03-31");
        assert_eq!(parse_month("2025-13"), None);
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(
            month_of(parse_date("2024-02-29").unwrap()),
            parse_month("2024-02").unwrap()
        );
    }
}
