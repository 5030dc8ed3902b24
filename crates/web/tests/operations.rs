//! Operations endpoints and the published API description.

mod common;

use common::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    for (path, body) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.text().await.unwrap(), body);
    }
    let r = app
        .client
        .get(app.url("/api/v1/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_the_problem_type() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/status",
        "/sessions",
        "/applications",
        "/applications/{application_id}/submission",
        "/applications/{application_id}/decision",
        "/employers/{employer_id}/applications",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(
        doc["servers"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1")
    );
    // Errors are documented as problem+json on every operation.
    let decide = &doc["paths"]["/applications/{application_id}/decision"]["post"]["responses"];
    for code in ["401", "404", "422"] {
        assert!(decide[code].is_object(), "decision documents {code}");
    }
    let r = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/login")).send().await.unwrap();
    let h = r.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("x-request-id"));
}

#[tokio::test]
async fn every_state_change_is_audited_and_only_administrators_read_the_log() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let draft = app.create_draft(&token, &employer).await;
    let id = draft["id"].as_str().unwrap();
    app.post(
        &token,
        &format!("/api/v1/applications/{id}/submission"),
        &serde_json::json!({}),
    )
    .await;

    let (status, _) = app.get(&token, "/api/v1/audit-events").await;
    assert_eq!(status, 403, "applicants do not read the audit log");

    let admin = app.login("admin").await;
    let (status, log) = app.get(&admin, "/api/v1/audit-events?limit=50").await;
    assert_eq!(status, 200);
    assert_eq!(log["chain_intact"], true);
    let events = log["items"].as_array().unwrap();
    for action in ["application.create", "application.submit"] {
        let event = events
            .iter()
            .find(|e| e["action"] == action && e["target_id"] == id)
            .unwrap_or_else(|| panic!("{action} audited: {log}"));
        assert_eq!(event["actor_username"], "datore.meccanica");
        assert_eq!(event["on_behalf_of_employer"], employer["id"]);
    }
}
