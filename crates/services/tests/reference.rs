//! Reference data versions (issue 3, point 3): an administrator publishes a version with an
//! effective date; simulations use it from that date on (R-AMT-2), it is audited, and
//! nothing is stored when it is refused. On the backend of `OMNIA_TEST_DATABASE_URL`
//! (SQLite when unset).

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use omnia_domain::reference::Reference;
use omnia_domain::simulation::{SimulationOutput, parse_input, simulate};
use omnia_services::demo;
use omnia_services::*;
use omnia_store::testing::{TestDb, fresh_db};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

struct World {
    _db: TestDb,
    s: Services,
}

/// Demo data, with "today" fixed at 2 November 2026.
async fn world() -> World {
    let db = fresh_db().await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
    ));
    let s = Services::with_clock(db.db().clone(), clock);
    demo::load(&s).await.expect("demo data");
    s.load_reference_versions().await.unwrap();
    World { _db: db, s }
}

async fn admin(s: &Services) -> AdminScope {
    let p = s.principal_by_username("admin").await.unwrap().unwrap();
    s.admin_scope(&p).unwrap()
}

/// The built-in reference data with a different 2026 massimale, as the JSON of a request
/// (no `version` / `effective_from`: taken from the request).
fn document_with_2026_massimale(gross: &str, net: &str) -> Value {
    let mut v = serde_json::to_value(Reference::builtin()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("version");
    o.remove("effective_from");
    for m in o["massimali"].as_array_mut().unwrap() {
        if m["year"] == 2026 {
            m["gross"] = json!(gross);
            m["net"] = json!(net);
            m["source"] = json!("test: mid-year correction");
        }
    }
    v
}

/// CIGO for one worker over three weeks of December 2026 whose amount is capped by the
/// massimale, filed on `submitted`.
fn simulation(s: &Services, submitted: &str) -> SimulationOutput {
    let input = json!({
        "employer": {
            "codice_fiscale": "12345678903",
            "classification": { "sector": "industria", "csc": "11101" },
            "headcount": [{ "weekly_hours": "40", "average_workers": "20" }],
            "no_integration_previous_24_months": false
        },
        "unit": { "id": "UP-1", "working_days_per_week": 5 },
        "history": [],
        "request": {
            "benefit": "cigo",
            "causale": "MLC",
            "kind": "riduzione",
            "period": { "start": "2026-12-07", "end": "2026-12-23" },
            "submission_date": submitted,
            "workers": [{
                "codice_fiscale": "CBXMRA81A02F205W",
                "kind": "operaio",
                "weekly_hours": "40",
                "hourly_wage": "20.00",
                "effective_work_days": 300,
                "hours": "100"
            }]
        }
    });
    let input = parse_input(&input.to_string()).unwrap();
    let reference = s.reference_in_force(input.request.submission_date);
    simulate(&input, &reference).unwrap()
}

fn massimale_2026(out: &SimulationOutput) -> Value {
    let v = serde_json::to_value(&out.amounts).unwrap();
    let m = v["massimali"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["year"] == 2026)
        .cloned()
        .unwrap_or(Value::Null);
    m["gross"].clone()
}

async fn stored_versions(s: &Services) -> usize {
    let a = admin(s).await;
    s.list_reference_versions(&a)
        .await
        .unwrap()
        .iter()
        .filter(|v| v.source == ReferenceSource::Published)
        .count()
}

#[tokio::test]
async fn a_new_massimale_applies_from_its_effective_date_and_is_audited_r_amt_2() {
    let w = world().await;
    let a = admin(&w.s).await;
    let builtin = Reference::builtin().massimale(2026).unwrap().gross;
    assert_eq!(
        massimale_2026(&simulation(&w.s, "2026-12-09")),
        json!(builtin)
    );

    let doc = document_with_2026_massimale("1500.00", "1412.40");
    let view =
        w.s.publish_reference_version(&a, "2026.2", d("2026-12-01"), &doc.to_string())
            .await
            .unwrap();
    assert_eq!(view.label, "2026.2");
    assert_eq!(view.effective_from, d("2026-12-01"));
    assert!(!view.in_force_today);

    // Before the effective date: the old massimale; from it on: the new one (R-AMT-2).
    let before = simulation(&w.s, "2026-11-30");
    assert_eq!(before.reference_version, "2026.1");
    assert_eq!(massimale_2026(&before), json!(builtin));
    let after = simulation(&w.s, "2026-12-09");
    assert_eq!(after.reference_version, "2026.2");
    assert_eq!(massimale_2026(&after), json!(Decimal::new(150000, 2)));
    assert!(after.amounts.total_gross > before.amounts.total_gross);

    // Listed, with the built-in version still in force today.
    let list = w.s.list_reference_versions(&a).await.unwrap();
    let labels: Vec<_> = list.iter().map(|v| v.label.as_str()).collect();
    assert_eq!(labels, ["2026.1", "2026.2"]);
    assert!(list[0].in_force_today && !list[1].in_force_today);
    assert_eq!(list[1].published_by_username.as_deref(), Some("admin"));

    // Audited in the same transaction, with the document's digest.
    let audit = w.s.audit_log(&a, 5).await.unwrap();
    let e = audit
        .iter()
        .find(|e| e.action == "reference.publish")
        .expect("reference.publish in the audit log");
    assert_eq!(e.target_type, "reference_version");
    assert_eq!(e.details["label"], "2026.2");
    assert_eq!(e.details["effective_from"], "2026-12-01");
    assert_eq!(e.details["sha256"], json!(view.sha256));
    assert!(w.s.verify_audit_chain(&a).await.unwrap().is_intact());

    // Another node (or a restart) loads the same versions from the database.
    let other = Services::new(w.s.db().clone());
    assert_eq!(other.reference_versions().versions().len(), 1);
    other.load_reference_versions().await.unwrap();
    assert_eq!(other.reference_in_force(d("2026-12-01")).version, "2026.2");
    assert_eq!(other.reference_in_force(d("2026-11-30")).version, "2026.1");
}

#[tokio::test]
async fn only_administrators_may_publish_or_list() {
    let w = world().await;
    for user in ["datore.meccanica", "operatore.milano"] {
        let Some(p) = w.s.principal_by_username(user).await.unwrap() else {
            continue;
        };
        assert!(matches!(w.s.admin_scope(&p), Err(ServiceError::Forbidden)));
    }
}

#[tokio::test]
async fn refused_publications_store_nothing_and_name_the_field() {
    let w = world().await;
    let a = admin(&w.s).await;
    let good = document_with_2026_massimale("1500.00", "1412.40").to_string();
    let fails = |r: Result<ReferenceVersionView, ServiceError>| match r {
        Err(ServiceError::Validation(errors)) => errors,
        other => panic!("expected a validation error, got {other:?}"),
    };

    // Net above gross: the exact element is named.
    let bad = document_with_2026_massimale("1000.00", "1412.40").to_string();
    let errors = fails(
        w.s.publish_reference_version(&a, "2026.2", d("2026-12-01"), &bad)
            .await,
    );
    let i = Reference::builtin()
        .massimali
        .iter()
        .position(|m| m.year == 2026)
        .unwrap();
    assert_eq!(errors[0].pointer, format!("/document/massimali/{i}/net"));
    assert_eq!(errors[0].code, "invalid_reference_document");

    // A wrong type deep inside the document.
    let mut v = document_with_2026_massimale("1500.00", "1412.40");
    v["parameters"][0]["one_third_divisor"] = json!("three");
    let errors = fails(
        w.s.publish_reference_version(&a, "2026.2", d("2026-12-01"), &v.to_string())
            .await,
    );
    assert_eq!(
        errors[0].pointer,
        "/document/parameters/0/one_third_divisor"
    );

    // A missing section.
    let mut v = document_with_2026_massimale("1500.00", "1412.40");
    v.as_object_mut().unwrap().remove("causali");
    let errors = fails(
        w.s.publish_reference_version(&a, "2026.2", d("2026-12-01"), &v.to_string())
            .await,
    );
    assert!(errors[0].message_en.contains("causali"), "{errors:?}");

    // Today and the past are refused (from tomorrow at the earliest); so is a bad label.
    for (label, date, pointer, code) in [
        (
            "2026.2",
            "2026-11-02",
            "/effective_from",
            "effective_date_not_future",
        ),
        (
            "2026.2",
            "2026-01-01",
            "/effective_from",
            "effective_date_not_future",
        ),
        ("", "2026-12-01", "/label", "invalid_label"),
        ("2026 bis", "2026-12-01", "/label", "invalid_label"),
    ] {
        let errors = fails(
            w.s.publish_reference_version(&a, label, d(date), &good)
                .await,
        );
        assert_eq!(
            (errors[0].pointer.as_str(), errors[0].code),
            (pointer, code)
        );
    }

    // A document whose own version disagrees with the label.
    let mut v = document_with_2026_massimale("1500.00", "1412.40");
    v["version"] = json!("2027.1");
    let errors = fails(
        w.s.publish_reference_version(&a, "2026.2", d("2026-12-01"), &v.to_string())
            .await,
    );
    assert_eq!(errors[0].pointer, "/document/version");

    assert_eq!(stored_versions(&w.s).await, 0);
    let audit = w.s.audit_log(&a, 50).await.unwrap();
    assert!(audit.iter().all(|e| e.action != "reference.publish"));
    assert_eq!(w.s.reference_versions().versions().len(), 1);

    // Tomorrow is accepted; the same label twice (or the built-in one) is a conflict.
    w.s.publish_reference_version(&a, "2026.2", d("2026-11-03"), &good)
        .await
        .unwrap();
    for label in ["2026.2", "2026.1"] {
        let r =
            w.s.publish_reference_version(&a, label, d("2026-12-01"), &good)
                .await;
        assert!(
            matches!(
                r,
                Err(ServiceError::Conflict {
                    code: "reference_version_exists",
                    ..
                })
            ),
            "{label}: {r:?}"
        );
    }
    assert_eq!(stored_versions(&w.s).await, 1);
    assert_eq!(w.s.reference_versions().versions().len(), 2);
}
