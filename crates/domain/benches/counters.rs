//! Counters for a UP with 10 years of history (500 requests): time per
//! `simulate` call. A dependency-free benchmark (criterion is not vendored):
//! `cargo bench -p omnia-domain --bench counters`.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use omnia_domain::reference::Reference;
use omnia_domain::simulation::{SimulationInput, simulate};
use serde_json::json;

fn main() {
    let start = NaiveDate::from_ymd_opt(2015, 1, 5).expect("date");
    let history: Vec<_> = (0..500)
        .map(|i| {
            let s = start + Days::new(i * 7);
            json!({"benefit": if i % 7 == 0 { "cigs" } else { "cigo" },
                   "causale": if i % 7 == 0 { serde_json::Value::Null } else if i % 5 == 0 { json!("MET") } else { json!("MLC") },
                   "status": "authorised", "period": {"start": s, "end": s + Days::new(4)}, "hours": "320"})
        })
        .map(|mut v| {
            if v["causale"].is_null() {
                v.as_object_mut().expect("object").remove("causale");
            }
            v
        })
        .collect();
    let input: SimulationInput = serde_json::from_value(json!({
        "employer": {"classification": {"sector": "industria"}, "edile_lapideo": true,
                     "headcount": [{"weekly_hours": "40", "average_workers": "50"}]},
        "unit": {"working_days_per_week": 5},
        "history": history,
        "request": {"benefit": "cigo", "causale": "MLC", "kind": "sospensione",
                    "period": {"start": "2024-09-02", "end": "2024-11-29"}, "submission_date": "2024-09-03",
                    "workers": [{"codice_fiscale": "MRTMTT25D09F205Z", "kind": "operaio", "weekly_hours": "40",
                                 "hourly_wage": "15", "effective_work_days": 900}]}
    }))
    .expect("input");
    let r = Reference::builtin();
    for _ in 0..20 {
        std::hint::black_box(simulate(&input, r).ok());
    }
    let mut times = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        std::hint::black_box(simulate(&input, r).ok());
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "simulate with 500 history entries: mean {:.0} µs, median {:.0} µs, p99 {:.0} µs",
        mean,
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}
