//! `GET/POST /api/v1/reference-versions`: administrators publish reference data with an
//! effective date; `POST /api/v1/simulations` uses the version in force on the request's
//! submission date (R-AMT-2); others are refused; bad documents give 422 naming the field.

mod common;

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use common::spawn_app;
use omnia_domain::reference::Reference;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/reference-versions";

/// The built-in data with the massimale of `years` set to `gross`/`net` (added if missing).
fn document(years: &[i32], gross: &str, net: &str) -> Value {
    let mut v = serde_json::to_value(Reference::builtin()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("version");
    o.remove("effective_from");
    let list = o["massimali"].as_array_mut().unwrap();
    for &y in years {
        let entry = json!({
            "year": y, "gross": gross, "net": net,
            "construction_weather_gross": null, "construction_weather_net": null,
            "source": "test"
        });
        match list.iter_mut().find(|m| m["year"] == y) {
            Some(m) => *m = entry,
            None => list.push(entry),
        }
    }
    v
}

fn simulation_input(submitted: NaiveDate, start: NaiveDate) -> Value {
    json!({
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
            "period": { "start": start, "end": start + TimeDelta::days(13) },
            "submission_date": submitted,
            "workers": [{
                "codice_fiscale": "CBXMRA81A02F205W",
                "kind": "operaio",
                "weekly_hours": "40",
                "hourly_wage": "20.00",
                "effective_work_days": 300,
                "hours": "80"
            }]
        }
    })
}

#[tokio::test]
async fn a_published_version_is_used_by_simulations_from_its_effective_date() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let today = Utc::now().date_naive();
    let from = today + TimeDelta::days(10);
    let doc = document(&[from.year(), from.year() + 1], "1999.99", "1882.79");
    let body = json!({ "label": "2099.1", "effective_from": from, "document": doc });
    let (status, view) = app.post(&admin, PATH, &body).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["label"], "2099.1");
    assert_eq!(view["source"], "published");
    assert_eq!(view["in_force_today"], false);
    assert_eq!(view["published_by_username"], "admin");

    let start = from + TimeDelta::days(2);
    let sim = |submitted: NaiveDate| simulation_input(submitted, start);
    let (status, before) = app
        .post(
            &admin,
            "/api/v1/simulations",
            &sim(from - TimeDelta::days(1)),
        )
        .await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["reference_version"], Reference::builtin().version);
    let (status, after) = app.post(&admin, "/api/v1/simulations", &sim(from)).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["reference_version"], "2099.1");
    assert!(
        after["amounts"]["massimali"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["gross"] == "1999.99"),
        "{}",
        after["amounts"]
    );

    let (status, list) = app.get(&admin, PATH).await;
    assert_eq!(status, 200);
    let labels: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        labels,
        [Reference::builtin().version.clone(), "2099.1".into()]
    );

    let (_, audit) = app.get(&admin, "/api/v1/audit-events?limit=5").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "reference.publish" && e["details"]["label"] == "2099.1"),
        "{audit}"
    );

    // The same label again: 409.
    let (status, problem) = app.post(&admin, PATH, &body).await;
    assert_eq!(status, 409, "{problem}");
}

#[tokio::test]
async fn only_administrators_see_or_publish_versions() {
    let app = spawn_app().await;
    let from = Utc::now().date_naive() + TimeDelta::days(10);
    let body = json!({ "label": "2099.1", "effective_from": from,
        "document": document(&[], "1", "1") });
    for user in ["datore.meccanica", "operatore.milano"] {
        let token = app.login(user).await;
        let (status, _) = app.get(&token, PATH).await;
        assert!(status == 403 || status == 404, "{user}: {status}");
        let (status, _) = app.post(&token, PATH, &body).await;
        assert!(status == 403 || status == 404, "{user}: {status}");
    }
    let r = app.client.get(app.url(PATH)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let admin = app.login("admin").await;
    let (_, list) = app.get(&admin, PATH).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn an_invalid_document_gives_422_naming_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let from = Utc::now().date_naive() + TimeDelta::days(10);
    let mut doc = document(&[], "1", "1");
    doc["massimali"][0]["net"] = json!("99999.00");
    let (status, problem) = app
        .post(
            &admin,
            PATH,
            &json!({ "label": "2099.1", "effective_from": from, "document": doc }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["type"], "/problems/validation");
    assert_eq!(problem["errors"][0]["pointer"], "/document/massimali/0/net");

    let mut doc = document(&[], "1", "1");
    doc["causali"][0]["benefits"] = json!(["nessuna"]);
    let (status, problem) = app
        .post(
            &admin,
            PATH,
            &json!({ "label": "2099.1", "effective_from": from, "document": doc }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/document/causali/0/benefits/0"
    );

    // Today is not in the future.
    let (status, problem) = app
        .post(
            &admin,
            PATH,
            &json!({ "label": "2099.1", "effective_from": Utc::now().date_naive(),
                     "document": document(&[], "1", "1") }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/effective_from");

    let (_, list) = app.get(&admin, PATH).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let (_, audit) = app.get(&admin, "/api/v1/audit-events?limit=50").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "reference.publish")
    );
}

#[tokio::test]
async fn the_openapi_document_describes_both_operations() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    let item = &doc["paths"]["/reference-versions"];
    assert_eq!(item["get"]["operationId"], "listReferenceVersions");
    assert_eq!(item["post"]["operationId"], "publishReferenceVersion");
    for op in [&item["get"], &item["post"]] {
        assert!(op["summary"].is_string() && op["description"].is_string());
        assert!(op["security"][0]["bearer"].is_array());
        assert!(op["responses"]["403"].is_object());
    }
    for code in ["201", "409", "422"] {
        assert!(item["post"]["responses"][code].is_object(), "{code}");
    }
    let view = &doc["components"]["schemas"]["ReferenceVersionView"];
    let id_format = view["properties"]["id"]["format"].clone();
    assert_eq!(id_format, "int64", "{view}");
}
