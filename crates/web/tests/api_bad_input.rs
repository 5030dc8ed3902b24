//! Bad input gets a clear, specific problem+json answer and writes nothing.

mod common;

use common::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn raw_post(app: &TestApp, token: &str, path: &str, body: &str) -> (u16, String, Value) {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    (status, ct, r.json().await.unwrap_or(Value::Null))
}

async fn application_count(app: &TestApp, token: &str) -> usize {
    app.get(token, "/api/v1/applications").await.1["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn wrong_credentials_are_refused_without_saying_which_part_was_wrong() {
    let app = spawn_app().await;
    for (user, password) in [("datore.meccanica", "wrong"), ("nobody", "Omnia2026!")] {
        let r = app
            .client
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["type"], "/problems/invalid-credentials");
    }
}

#[tokio::test]
async fn missing_or_unknown_tokens_get_401_problem() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, p) = app.get("not-a-token", "/api/v1/applications").await;
    assert_eq!(status, 401);
    assert_eq!(p["type"], "/problems/unauthenticated");
}

#[tokio::test]
async fn malformed_json_unknown_fields_and_wrong_types_are_400_and_write_nothing() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let path = format!("/api/v1/employers/{}/applications", employer["id"]);
    let before = application_count(&app, &token).await;

    let (status, ct, p) = raw_post(&app, &token, &path, "{\"unit_id\": 1,").await;
    assert_eq!((status, ct.as_str()), (400, "application/problem+json"));
    assert_eq!(p["type"], "/problems/malformed-body");

    let mut body = TestApp::cigo_application(&employer);
    body["colour"] = json!("blue");
    let (status, _, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 400);
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");

    let mut body = TestApp::cigo_application(&employer);
    body["workers"][0]["hours"] = json!(-3);
    let (status, _, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 400, "{p}");

    assert_eq!(application_count(&app, &token).await, before);
}

#[tokio::test]
async fn an_invalid_codice_fiscale_is_named_in_the_error() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let path = format!("/api/v1/employers/{}/applications", employer["id"]);
    let mut body = TestApp::cigo_application(&employer);
    body["workers"][1]["cf"] = json!("RSSMRA80A01F205Z");
    let (status, _, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 400, "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("workers[1].cf"), "{detail}");
}

#[tokio::test]
async fn rule_violations_are_422_with_a_pointer_per_field() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let path = format!("/api/v1/employers/{}/applications", employer["id"]);
    let before = application_count(&app, &token).await;
    let mut body = TestApp::cigo_application(&employer);
    body["end"] = json!("2026-12-01");
    let (status, ct, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(
        (status, ct.as_str()),
        (422, "application/problem+json"),
        "{p}"
    );
    assert_eq!(p["type"], "/problems/validation");
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["pointer"] == "/end"),
        "{p}"
    );
    assert_eq!(application_count(&app, &token).await, before);
}

#[tokio::test]
async fn oversized_bodies_are_413_problem() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let huge = format!(
        "{{\"username\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let (status, ct, p) = raw_post(&app, &token, "/api/v1/sessions", &huge).await;
    assert_eq!(
        (status, ct.as_str()),
        (413, "application/problem+json"),
        "{p}"
    );
}

#[tokio::test]
async fn every_api_error_is_problem_json_even_outside_the_handlers() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    for (method, path) in [
        ("GET", "/api/v1/nothing-here"),
        ("GET", "/api/v1/applications/not-a-uuid"),
        ("PUT", "/api/v1/applications"),
        ("GET", "/api/v1/employers/abc"),
    ] {
        let r = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{method} {path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{method} {path}"
        );
    }
}

/// A one-shot CISOA application in the unit of its benefit: `days`, not `hours` (R-LIM-9).
fn cisoa_application(employer: &Value, quantity: Value) -> Value {
    let unit = &employer["units"][0];
    let worker = employer["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["unit_id"] == unit["id"] && w["qualifica"] != "dirigente")
        .expect("the demo farm has workers");
    let mut line = json!({"cf": worker["cf"]});
    for (k, v) in quantity.as_object().unwrap() {
        line[k] = v.clone();
    }
    json!({
        "unit_id": unit["id"],
        "benefit": "cisoa",
        "causale": "01",
        "kind": "sospensione",
        "start": "2026-12-07",
        "end": "2026-12-11",
        "workers": [line],
    })
}

#[tokio::test]
async fn r_lim_9_a_one_shot_cisoa_application_is_in_whole_days_and_refuses_hours() {
    let app = spawn_app().await;
    let token = app.login("azienda.agricola").await;
    let employer = app.employer_named(&token, "Agricola").await;
    let path = format!("/api/v1/employers/{}/applications", employer["id"]);
    let before = application_count(&app, &token).await;

    let body = cisoa_application(&employer, json!({"hours": 16}));
    let (status, _, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/workers/0/hours", "{p}");
    assert_eq!(p["errors"][0]["code"], "cisoa_in_days", "{p}");

    // 7–11 December 2026 has four working days (the 8th is the Immacolata): five are too many.
    let body = cisoa_application(&employer, json!({"days": 5}));
    let (status, _, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/workers/0/days", "{p}");
    assert_eq!(p["errors"][0]["code"], "days_out_of_range", "{p}");
    assert_eq!(application_count(&app, &token).await, before);

    let body = cisoa_application(&employer, json!({"days": 3}));
    let (status, _, view) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["workers"][0]["days_requested"], 3, "{view}");
    assert_eq!(application_count(&app, &token).await, before + 1);
}

#[tokio::test]
async fn r_lim_9_days_are_only_for_cisoa() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let path = format!("/api/v1/employers/{}/applications", employer["id"]);
    let mut body = TestApp::cigo_application(&employer);
    body["workers"][0] = json!({"cf": body["workers"][0]["cf"], "days": 5});
    let (status, _, p) = raw_post(&app, &token, &path, &body.to_string()).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/workers/0/days", "{p}");
    assert_eq!(p["errors"][0]["code"], "days_only_for_cisoa", "{p}");
}
