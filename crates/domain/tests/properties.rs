//! Property tests for the invariants of the rules engine.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use omnia_domain::calendar::window_ending;
use omnia_domain::reference::Reference;
use omnia_domain::simulation::{SimulationInput, simulate, simulate_json};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn day(offset: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 2).expect("date") + Days::new(offset as u64)
}

fn base(
    history: Vec<Value>,
    start: i64,
    len: i64,
    edile: bool,
    dpw: u8,
    week_counting: &str,
) -> Value {
    json!({
        "settings": {"week_counting": week_counting},
        "employer": {
            "classification": {"sector": "industria"},
            "edile_lapideo": edile,
            "headcount": [{"weekly_hours": "40", "average_workers": "12"}]
        },
        "unit": {"working_days_per_week": dpw},
        "history": history,
        "request": {
            "benefit": "cigo", "causale": "MLC", "kind": "sospensione",
            "period": {"start": day(start), "end": day(start + len)},
            "submission_date": day(start + 2),
            "workers": [{"codice_fiscale": "MRTMTT25D09F205Z", "kind": "operaio",
                         "weekly_hours": "40", "hourly_wage": "18.50", "effective_work_days": 400}]
        }
    })
}

fn entry(start: i64, len: i64, eone: bool, hours: u32) -> Value {
    json!({
        "benefit": "cigo", "causale": if eone { "MET" } else { "MLC" }, "status": "authorised",
        "period": {"start": day(start), "end": day(start + len)}, "hours": hours.to_string()
    })
}

fn history_strategy() -> impl Strategy<Value = Vec<(i64, i64, bool, u32)>> {
    prop::collection::vec((0i64..900, 0i64..90, any::<bool>(), 0u32..5000), 0..8)
}

fn run(v: &Value) -> omnia_domain::simulation::SimulationOutput {
    let input: SimulationInput = serde_json::from_value(v.clone()).expect("valid input");
    simulate(&input, Reference::builtin()).expect("simulate")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// R-LIM-10: residuals are never negative and never more is authorisable than requested.
    #[test]
    fn residuals_never_negative(h in history_strategy(), start in 900i64..1100, len in 0i64..120,
                                edile in any::<bool>(), six in any::<bool>(), whole in any::<bool>()) {
        let hist = h.iter().map(|(s, l, e, hr)| entry(*s, *l, *e, *hr)).collect();
        let v = base(hist, start, len, edile, if six { 6 } else { 5 }, if whole { "whole_week" } else { "day_based" });
        let Ok(input) = serde_json::from_value::<SimulationInput>(v) else { return Ok(()) };
        let Ok(out) = simulate(&input, Reference::builtin()) else { return Ok(()) };
        for (rule, l) in &out.limits {
            prop_assert!(l.residual >= Decimal::ZERO, "{rule} residual");
            prop_assert!(l.residual_after >= Decimal::ZERO, "{rule} residual_after");
            prop_assert!(l.authorisable <= l.requested, "{rule} authorisable");
            prop_assert!(l.residual <= l.limit, "{rule} residual ≤ limit");
        }
        prop_assert!(out.max_authorisable.weeks <= out.max_authorisable.requested_weeks);
        prop_assert!(out.max_authorisable.hours <= out.max_authorisable.requested_hours);
    }

    /// R-LIM-7: adding history never decreases a counter.
    #[test]
    fn counters_monotonic_in_history(h in history_strategy(), extra in (0i64..900, 0i64..90, any::<bool>(), 0u32..5000),
                                     edile in any::<bool>()) {
        let mut hist: Vec<Value> = h.iter().map(|(s, l, e, hr)| entry(*s, *l, *e, *hr)).collect();
        let before = run(&base(hist.clone(), 1000, 27, edile, 5, "day_based"));
        hist.push(entry(extra.0, extra.1, extra.2, extra.3));
        let after = run(&base(hist, 1000, 27, edile, 5, "day_based"));
        for (rule, l) in &before.limits {
            if rule == "R-LIM-3" { continue; } // a run length, not a window counter
            prop_assert!(after.limits[rule].used >= l.used, "{rule}: {} < {}", after.limits[rule].used, l.used);
        }
    }

    /// Windows end on the Sunday of the given day's week, last exactly n weeks
    /// and move by one week when the day moves by one week.
    #[test]
    fn windows_move_correctly(offset in 0i64..4000, weeks in 1u32..300) {
        let d = day(offset);
        let w = window_ending(d, weeks);
        prop_assert_eq!(w.end().weekday(), Weekday::Sun);
        prop_assert_eq!(w.start().weekday(), Weekday::Mon);
        prop_assert!(w.contains(d));
        prop_assert_eq!(w.len_days(), weeks * 7);
        let next = window_ending(d + Days::new(7), weeks);
        prop_assert_eq!(next.start(), w.start() + Days::new(7));
    }

    /// R-AMT-1: the benefit never exceeds the cap (massimale × hours ÷ monthly hours),
    /// net never exceeds gross.
    #[test]
    fn amounts_never_above_cap(wage in 1u32..6000, hours in 1u32..160, weekly in 8u32..48, month in 0i64..1000) {
        let mut v = base(vec![], month, 27, false, 5, "day_based");
        v["request"]["kind"] = json!("riduzione");
        v["request"]["workers"][0]["hourly_wage"] = json!(format!("{}.{:02}", wage / 100, wage % 100));
        v["request"]["workers"][0]["hours"] = json!(hours.to_string());
        v["request"]["workers"][0]["weekly_hours"] = json!(weekly.to_string());
        let out = run(&v);
        let r = Reference::builtin();
        for w in &out.amounts.workers {
            let weekly_cap = Decimal::from(weekly.min(40));
            let monthly = weekly_cap * Decimal::from(52) / Decimal::from(12);
            let max_m = out.amounts.massimali.iter().map(|m| m.gross).max().unwrap_or(Decimal::ZERO);
            let cap = max_m * w.hours / monthly + Decimal::new(1, 2);
            prop_assert!(w.gross <= cap, "gross {} > cap {}", w.gross, cap);
            prop_assert!(w.net <= w.gross);
            prop_assert!(w.gross <= w.uncapped_gross);
        }
        let _ = r;
    }

    /// Bad input: random JSON never panics.
    #[test]
    fn random_json_never_panics(v in arb_json()) {
        let _ = simulate_json(&v.to_string(), Reference::builtin());
    }

    /// Bad input: a valid input with one field replaced by random JSON never panics.
    #[test]
    fn mutated_input_never_panics(ptr in prop::sample::select(POINTERS.to_vec()), v in arb_json()) {
        let mut input = base(vec![entry(100, 20, false, 300)], 1000, 27, false, 5, "day_based");
        if let Some(slot) = input.pointer_mut(ptr) { *slot = v; }
        let _ = simulate_json(&input.to_string(), Reference::builtin());
    }
}

const POINTERS: &[&str] = &[
    "/settings",
    "/employer/headcount",
    "/employer/headcount/0/weekly_hours",
    "/employer/headcount/0/average_workers",
    "/employer/classification",
    "/employer/edile_lapideo",
    "/unit/working_days_per_week",
    "/history/0/period",
    "/history/0/hours",
    "/history/0/causale",
    "/request/period/start",
    "/request/period/end",
    "/request/submission_date",
    "/request/causale",
    "/request/benefit",
    "/request/workers/0/hours",
    "/request/workers/0/weekly_hours",
    "/request/workers/0/hourly_wage",
    "/request/workers/0/codice_fiscale",
    "/request/days",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[0-9.\\-]{0,12}".prop_map(Value::String),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]".prop_map(Value::String),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
