//! Table-driven scenarios, one file per rule family in `tests/scenarios/`.
//!
//! Each file has a readable `base` situation and a list of scenarios. A
//! scenario cites its rule ID, describes the case in words, changes the base
//! with a JSON merge patch (RFC 7386: objects merge, arrays and values replace,
//! `null` removes) and states what the engine must answer, as JSON pointers
//! into the output (`"/limits/R-LIM-2/used": "34"`). Special keys:
//! `$error` (the JSON pointer the input error must name), `$has_finding` and
//! `$no_finding` (findings matched by their fields). Files whose scenarios
//! carry an `op` test a library function directly (identifiers, calendar).
//!
//! Run: `cargo test -p omnia-domain --test scenarios -- --nocapture`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use omnia_domain::benefit::Benefit;
use omnia_domain::calendar;
use omnia_domain::evaluation::deadlines;
use omnia_domain::ids::{CodiceFiscale, Iban, Matricola, PartitaIva, ProtocolNumber, Ticket};
use omnia_domain::reference::Reference;
use omnia_domain::simulation::simulate_json;
use serde_json::{Value, json};

fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn matches_subset(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|x| matches_subset(x, v))),
        _ => actual == expected,
    }
}

fn date(v: &Value) -> NaiveDate {
    v.as_str().and_then(|s| s.parse().ok()).expect("date")
}

/// Library calls for `op` scenarios; returns the actual value to compare.
fn run_op(s: &Value) -> Value {
    let arg = |k: &str| s.get(k).cloned().unwrap_or(Value::Null);
    let op = s["op"].as_str().unwrap_or_default();
    let id_result = |r: Result<String, String>| match r {
        Ok(v) => json!({"valid": true, "value": v}),
        Err(e) => json!({"valid": false, "error": e}),
    };
    match op {
        "codice_fiscale" => {
            let r = CodiceFiscale::parse(arg("value").as_str().unwrap_or_default());
            match r {
                Ok(cf) => {
                    let reference = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
                    json!({"valid": true, "value": cf.as_str(), "is_person": cf.is_person(),
                        "sex": cf.sex(), "birth_date": cf.birth_date(reference), "birth_place": cf.birth_place(),
                        "omocodic": cf.is_omocodic()})
                }
                Err(e) => json!({"valid": false, "error": e.to_string()}),
            }
        }
        "partita_iva" => id_result(
            PartitaIva::parse(arg("value").as_str().unwrap_or_default())
                .map(|v| v.to_string())
                .map_err(|e| e.to_string()),
        ),
        "matricola" => id_result(
            Matricola::parse(arg("value").as_str().unwrap_or_default())
                .map(|v| v.to_string())
                .map_err(|e| e.to_string()),
        ),
        "iban" => id_result(
            Iban::parse(arg("value").as_str().unwrap_or_default())
                .map(|v| v.to_string())
                .map_err(|e| e.to_string()),
        ),
        "ticket" => id_result(
            Ticket::parse(arg("value").as_str().unwrap_or_default())
                .map(|v| v.to_string())
                .map_err(|e| e.to_string()),
        ),
        "protocol" => id_result(
            ProtocolNumber::parse(arg("value").as_str().unwrap_or_default())
                .map(|v| v.to_string())
                .map_err(|e| e.to_string()),
        ),
        "is_public_holiday" => json!(calendar::is_public_holiday(date(&arg("date")))),
        "easter_monday" => json!(
            calendar::easter_sunday(arg("year").as_i64().unwrap_or_default() as i32)
                .and_then(|d| d.succ_opt())
        ),
        "iso_weeks_in_year" => json!(calendar::iso_weeks_in_year(
            arg("year").as_i64().unwrap_or_default() as i32
        )),
        "iso_week" => {
            let w = date(&arg("date")).iso_week();
            json!(format!("{}-W{:02}", w.year(), w.week()))
        }
        "window_ending" => {
            let w = calendar::window_ending(
                date(&arg("date")),
                arg("weeks").as_u64().unwrap_or(104) as u32,
            );
            json!({"start": w.start(), "end": w.end()})
        }
        "working_days" => {
            let pattern =
                calendar::WorkPattern::from_days(arg("days_per_week").as_u64().unwrap_or(5))
                    .expect("pattern");
            let p = omnia_domain::application::Period::new(date(&arg("start")), date(&arg("end")))
                .expect("period");
            json!(pattern.working_days(&p).len())
        }
        "last_filing_day" => {
            let benefit: Benefit = serde_json::from_value(arg("benefit")).expect("benefit");
            let ev = s.get("event").map(date);
            let (_, last, _) = deadlines::last_filing_day(
                benefit,
                arg("eone").as_bool().unwrap_or(false),
                date(&arg("start")),
                ev,
                15,
            );
            json!(last)
        }
        other => json!(format!("unknown op {other}")),
    }
}

#[test]
fn scenarios() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let r = Reference::builtin();
    let mut failures = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&f).expect("read"))
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let family = doc["family"].as_str().unwrap_or("?").to_string();
        let base = doc.get("base").cloned().unwrap_or(Value::Null);
        for s in doc["scenarios"].as_array().expect("scenarios array") {
            let id = s["id"].as_str().unwrap_or("?");
            assert!(
                s["rule"].as_str().is_some_and(|r| r.starts_with("R-")
                    || r.starts_with("ID-")
                    || r.starts_with("CAL-")),
                "{id}: every scenario cites a rule ID"
            );
            *counts.entry(family.clone()).or_default() += 1;
            let expect = s["expect"].as_object().expect("expect object");
            if s.get("op").is_some() {
                let actual = run_op(s);
                let want = &s["expect"]["result"];
                if !matches_subset(&actual, want) {
                    failures.push(format!("{id}: expected {want}, got {actual}"));
                }
                continue;
            }
            let mut input = base.clone();
            if let Some(p) = s.get("patch") {
                merge_patch(&mut input, p);
            }
            let result = simulate_json(&input.to_string(), r);
            if let Some(ptr) = expect.get("$error") {
                match result {
                    Err(e) if Some(e.pointer.as_str()) == ptr.as_str() => {}
                    Err(e) => failures.push(format!("{id}: expected error at {ptr}, got {e}")),
                    Ok(_) => failures.push(format!("{id}: expected error at {ptr}, got a verdict")),
                }
                continue;
            }
            let out = match result {
                Ok(o) => serde_json::to_value(o).expect("serialize"),
                Err(e) => {
                    failures.push(format!("{id}: unexpected error {e}"));
                    continue;
                }
            };
            for (k, want) in expect {
                match k.as_str() {
                    "$has_finding" | "$no_finding" => {
                        for w in want.as_array().into_iter().flatten() {
                            let found = out["findings"]
                                .as_array()
                                .is_some_and(|fs| fs.iter().any(|f| matches_subset(f, w)));
                            if found != (k == "$has_finding") {
                                failures.push(format!(
                                    "{id}: {k} {w} not satisfied; findings {}",
                                    out["findings"]
                                ));
                            }
                        }
                    }
                    ptr => {
                        let got = out.pointer(ptr).cloned().unwrap_or(Value::Null);
                        if !matches_subset(&got, want) {
                            failures.push(format!("{id}: {ptr} expected {want}, got {got}"));
                        }
                    }
                }
            }
        }
    }
    let total: usize = counts.values().sum();
    println!("scenarios per family: {counts:?} (total {total})");
    assert!(
        failures.is_empty(),
        "{} failing scenarios:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 150, "at least 150 scenarios, found {total}");
}
