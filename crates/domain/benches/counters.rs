//! Criterion benchmark: counters for a UP with 10 years of history (500
//! requests), i.e. one `simulate` call that computes every limit of §5 over
//! that ledger, plus the same with JSON parsing (the work of one
//! `POST /api/v1/simulations`).
//!
//! `cargo bench -p omnia-domain --bench counters`
//! (figures in `docs/PERFORMANCE.md`).

use chrono::{Days, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use omnia_domain::reference::Reference;
use omnia_domain::simulation::{SimulationInput, simulate, simulate_json};
use serde_json::{Value, json};

/// 500 weekly entries from January 2015 (one in seven CIGS, one in five
/// weather), then a CIGO request in September 2024.
fn ten_years_of_history() -> Value {
    let start = NaiveDate::from_ymd_opt(2015, 1, 5).expect("date");
    let history: Vec<Value> = (0..500u64)
        .map(|i| {
            let s = start + Days::new(i * 7);
            let mut entry = json!({
                "benefit": if i % 7 == 0 { "cigs" } else { "cigo" },
                "status": "authorised",
                "period": {"start": s, "end": s + Days::new(4)},
                "hours": "320",
            });
            if i % 7 != 0 {
                entry["causale"] = json!(if i % 5 == 0 { "MET" } else { "MLC" });
            }
            entry
        })
        .collect();
    json!({
        "employer": {"classification": {"sector": "industria"}, "edile_lapideo": true,
                     "headcount": [{"weekly_hours": "40", "average_workers": "50"}]},
        "unit": {"working_days_per_week": 5},
        "history": history,
        "request": {"benefit": "cigo", "causale": "MLC", "kind": "sospensione",
                    "period": {"start": "2024-09-02", "end": "2024-11-29"},
                    "submission_date": "2024-09-03",
                    "workers": [{"codice_fiscale": "MRTMTT25D09F205Z", "kind": "operaio",
                                 "weekly_hours": "40", "hourly_wage": "15",
                                 "effective_work_days": 900}]}
    })
}

fn counters(c: &mut Criterion) {
    let value = ten_years_of_history();
    let text = value.to_string();
    let input: SimulationInput = serde_json::from_value(value).expect("input");
    let r = Reference::builtin();
    assert!(simulate(&input, r).is_ok(), "the benchmark input is valid");

    let mut group = c.benchmark_group("counters_10y_500_requests");
    group.bench_function("simulate", |b| {
        b.iter(|| simulate(std::hint::black_box(&input), r))
    });
    group.bench_function("parse_and_simulate_json", |b| {
        b.iter(|| simulate_json(std::hint::black_box(&text), r))
    });
    group.finish();
}

criterion_group!(benches, counters);
criterion_main!(benches);
