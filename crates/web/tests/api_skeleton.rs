//! The walking skeleton through the API: an employer files a CIGO application, an
//! operator of the office serving the UP authorises it, the employer sees it.

mod common;

use common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn employer_files_operator_authorises_employer_reads_authorised_state() {
    let app = spawn_app().await;

    // Employer user logs in and files a draft (R-APP: UP, causale, period, workers and hours).
    let employer_token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&employer_token, "Meccanica").await;
    let draft = app.create_draft(&employer_token, &employer).await;
    assert_eq!(draft["state"], "draft");
    let id = draft["id"].as_str().unwrap().to_owned();

    // Submission gives a protocol number (R-APP-6).
    let (status, submitted) = app
        .post(
            &employer_token,
            &format!("/api/v1/applications/{id}/submission"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["state"], "submitted");
    let protocol = submitted["protocol_number"].as_str().unwrap().to_owned();
    assert!(protocol.starts_with("INPS."), "{protocol}");

    // The operator of the office that serves the UP sees it in the queue…
    let operator = app.login("operatore.milano").await;
    let (status, queue) = app.get(&operator, "/api/v1/office/applications").await;
    assert_eq!(status, 200);
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str()),
        "queue contains the application: {queue}"
    );

    // …and authorises it: an authorisation number is issued.
    let (status, decided) = app
        .post(
            &operator,
            &format!("/api/v1/applications/{id}/decision"),
            &json!({"outcome": "authorised"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["state"], "authorised");
    assert!(decided["authorisation_number"].as_str().is_some());

    // The employer reads the new state.
    let (status, read) = app
        .get(&employer_token, &format!("/api/v1/applications/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(read["state"], "authorised");
    assert_eq!(read["protocol_number"], protocol.as_str());
    assert_eq!(
        read["authorisation_number"],
        decided["authorisation_number"]
    );
    let (_, list) = app.get(&employer_token, "/api/v1/applications").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str() && a["state"] == "authorised")
    );
}

#[tokio::test]
async fn a_delegated_intermediary_does_the_employers_part() {
    let app = spawn_app().await;
    let intermediary = app.login("consulente.rossi").await;
    let employer = app.employer_named(&intermediary, "Meccanica").await;
    let draft = app.create_draft(&intermediary, &employer).await;
    let id = draft["id"].as_str().unwrap();
    let (status, submitted) = app
        .post(
            &intermediary,
            &format!("/api/v1/applications/{id}/submission"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["state"], "submitted");
}

#[tokio::test]
async fn submission_is_idempotent_with_an_idempotency_key() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let draft = app.create_draft(&token, &employer).await;
    let id = draft["id"].as_str().unwrap();
    let submit = |key: &'static str, id: String| {
        app.client
            .post(app.url(&format!("/api/v1/applications/{id}/submission")))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .send()
    };
    let first = submit("k-1", id.to_owned()).await.unwrap();
    assert_eq!(first.status(), 200);
    let first: serde_json::Value = first.json().await.unwrap();
    let again = submit("k-1", id.to_owned()).await.unwrap();
    assert_eq!(again.status(), 200, "a retry gets the first answer");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(first["protocol_number"], again["protocol_number"]);

    // Without a key, a second submission is a conflict, not a second protocol.
    let (status, problem) = app
        .post(
            &token,
            &format!("/api/v1/applications/{id}/submission"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["type"], "/problems/conflict");

    // The same key on another request is refused.
    let other = app.create_draft(&token, &employer).await;
    let reused = submit("k-1", other["id"].as_str().unwrap().to_owned())
        .await
        .unwrap();
    assert_eq!(reused.status(), 409);
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let (status, _) = app.get(&token, "/api/v1/me").await;
    assert_eq!(status, 200);
    let r = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, problem) = app.get(&token, "/api/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(problem["type"], "/problems/unauthenticated");
}
