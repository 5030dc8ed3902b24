//! A user never sees another tenant's data: every endpoint that returns employer
//! data answers 404 — exactly as for a missing resource — to users of other
//! employers and to intermediaries without a valid delegation (DESIGN.md, actors table).

mod common;

use common::{TestApp, spawn_app};
use serde_json::{Value, json};

/// What must never appear in an answer to an outsider.
fn traces(employer: &Value, application: &Value) -> Vec<String> {
    [
        &employer["name"],
        &employer["cf"],
        &application["ticket"],
        &application["protocol_number"],
        &application["workers"][0]["cf"],
    ]
    .into_iter()
    .filter_map(|v| v.as_str().map(str::to_owned))
    .collect()
}

async fn assert_hidden(app: &TestApp, outsider: &str, employer: &Value, application: &Value) {
    let token = app.login(outsider).await;
    let employer_id = employer["id"].as_i64().unwrap();
    let app_id = application["id"].as_str().unwrap();
    let secrets = traces(employer, application);
    let missing_id = "01900000-0000-7000-8000-000000000000";

    let attempts: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/v1/employers/{employer_id}"), None),
        (
            "POST",
            format!("/api/v1/employers/{employer_id}/applications"),
            Some(TestApp::cigo_application(employer)),
        ),
        ("GET", format!("/api/v1/applications/{app_id}"), None),
        (
            "POST",
            format!("/api/v1/applications/{app_id}/submission"),
            Some(json!({})),
        ),
        (
            "POST",
            format!("/api/v1/applications/{app_id}/withdrawal"),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in attempts {
        let request = match method {
            "GET" => app.client.get(app.url(&path)),
            _ => app.client.post(app.url(&path)).json(&body.unwrap()),
        };
        let r = request.bearer_auth(&token).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(status, 404, "{outsider} {method} {path}: {text}");
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{outsider} {method} {path} leaks {secret}"
            );
        }
        // Indistinguishable from a resource that does not exist at all.
        let missing = path.replace(app_id, missing_id);
        if missing != path {
            let r = app
                .client
                .get(app.url(&format!("/api/v1/applications/{missing_id}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
        }
    }
    for list in ["/api/v1/employers", "/api/v1/applications"] {
        let (status, body) = app.get(&token, list).await;
        assert_eq!(status, 200);
        let text = body.to_string();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{outsider} {list} leaks {secret}"
            );
        }
    }
}

async fn submitted_meccanica_application(app: &TestApp) -> (Value, Value) {
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let draft = app.create_draft(&token, &employer).await;
    let id = draft["id"].as_str().unwrap();
    let (status, submitted) = app
        .post(
            &token,
            &format!("/api/v1/applications/{id}/submission"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    (employer, submitted)
}

#[tokio::test]
async fn another_employers_user_gets_404_and_nothing_of_the_data() {
    let app = spawn_app().await;
    let (employer, application) = submitted_meccanica_application(&app).await;
    assert_hidden(&app, "datore.commercio", &employer, &application).await;
    assert_hidden(&app, "azienda.agricola", &employer, &application).await;
}

#[tokio::test]
async fn a_non_delegated_intermediary_gets_404_and_nothing_of_the_data() {
    let app = spawn_app().await;
    let token = app.login("studio.associato").await;
    let studio = app.employer_named(&token, "Studio").await;
    let draft = app.create_draft_for_any_benefit(&token, &studio).await;
    // consulente.rossi's delegation from the studio has expired.
    assert_hidden(&app, "consulente.rossi", &studio, &draft).await;
}

#[tokio::test]
async fn an_operator_of_another_office_cannot_see_or_decide() {
    let app = spawn_app().await;
    let (_, application) = submitted_meccanica_application(&app).await;
    let id = application["id"].as_str().unwrap();
    let roma = app.login("operatore.roma").await;
    let (status, _) = app.get(&roma, &format!("/api/v1/applications/{id}")).await;
    assert_eq!(status, 404);
    let (status, body) = app
        .post(
            &roma,
            &format!("/api/v1/applications/{id}/decision"),
            &json!({"outcome": "authorised"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (_, queue) = app.get(&roma, "/api/v1/office/applications").await;
    assert!(!queue.to_string().contains(id));
    // The application is still waiting for the right office.
    let milano = app.login("operatore.milano").await;
    let (status, still) = app
        .get(&milano, &format!("/api/v1/applications/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(still["state"], "submitted");
}

#[tokio::test]
async fn applicants_cannot_decide_and_operators_cannot_file() {
    let app = spawn_app().await;
    let (employer, application) = submitted_meccanica_application(&app).await;
    let id = application["id"].as_str().unwrap();
    let employer_token = app.login("datore.meccanica").await;
    let (status, _) = app
        .post(
            &employer_token,
            &format!("/api/v1/applications/{id}/decision"),
            &json!({"outcome": "authorised"}),
        )
        .await;
    assert_eq!(status, 403);
    let operator = app.login("operatore.milano").await;
    let employer_id = employer["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &operator,
            &format!("/api/v1/employers/{employer_id}/applications"),
            &TestApp::cigo_application(&employer),
        )
        .await;
    assert_eq!(status, 404);
}
