//! `POST /api/v1/flows`: the report as JSON, the size limit and the media types
//! (R-FLO-1; bad input stores nothing and leaves the server fine).

mod common;

use common::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn a_refused_flow_answers_422_with_every_finding_and_stores_no_record() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FlussoCig versione=\"1\">\n  <Intestazione>\n    <CFMittente>01234567897</CFMittente>\n";
    let r = app
        .client
        .post(app.url("/api/v1/flows"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["type"], "/problems/flow-refused");
    let v = p["flow"].clone();
    assert_eq!(v["status"], "refused", "{v}");
    assert_eq!(v["records"], 0);
    let f = &v["report"]["findings"][0];
    assert_eq!(f["code"], "FO01", "{v}");
    for key in ["class", "severity", "level", "line", "element", "message"] {
        assert!(!f[key].is_null(), "{key} in {f}");
    }
    // Next to the Italian message, the check's title in both languages (docs/flows/checks.md).
    assert_eq!(f["title_it"], "File non ben formato o troncato", "{f}");
    assert_eq!(f["title_en"], "File not well-formed or truncated", "{f}");
    // Stored with its report, visible to the sender.
    let id = v["id"].as_str().unwrap();
    let (status, got) = app.get(&token, &format!("/api/v1/flows/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["report"]["outcome"]["outcome"], "refused");
    assert_eq!(
        got["report"]["findings"][0]["title_en"],
        "File not well-formed or truncated"
    );
    let (_, recs) = app
        .get(&token, &format!("/api/v1/flows/{id}/records"))
        .await;
    assert_eq!(recs["items"].as_array().unwrap().len(), 0);
    // Another employer does not see it.
    let other = app.login("datore.bottega").await;
    assert_eq!(app.get(&other, &format!("/api/v1/flows/{id}")).await.0, 404);
}

#[tokio::test]
async fn other_media_types_are_415_and_a_confirmation_needs_a_note() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let r = app
        .client
        .post(app.url("/api/v1/flows"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let r = app
        .client
        .post(app.url("/api/v1/flows?confirm=true"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("H;1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], "note_required");
    // Operators do not send flows.
    let op = app.login("operatore.milano").await;
    let r = app
        .client
        .post(app.url("/api/v1/flows"))
        .bearer_auth(&op)
        .header("content-type", "text/csv")
        .body("H;1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

/// The XML flow of an authorised application: 8 hours for each worker at 9.00 €/h, in
/// the month holding the middle of the authorised period.
fn flow_of(a: &omnia_services::ApplicationView) -> Vec<u8> {
    let mid = a.start + chrono::TimeDelta::days(14);
    let plan: omnia_flows::generate::Plan = serde_json::from_value(serde_json::json!({
        "sender": a.employer.cf,
        "month": mid.format("%Y-%m").to_string(),
        "employers": [{
            "cf": a.employer.cf,
            "authorisation": a.authorisation_number,
            "benefit": "cigo",
            "start": a.start,
            "end": a.end,
            "workers": a.workers.iter().map(|w| serde_json::json!({
                "cf": w.cf, "name": w.name, "hours": "8", "hourly_wage": "9.00"
            })).collect::<Vec<_>>(),
        }],
    }))
    .unwrap();
    let mut out = Vec::new();
    omnia_flows::generate::generate_plan(&plan, omnia_flows::generate::Format::Xml, &mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn operators_read_the_flows_of_their_office_and_nothing_else() {
    let app = spawn_app().await;
    let a = omnia_services::testing::authorised_cigo_application(&app.services).await;
    let token = app.login("datore.meccanica").await;
    let r = app
        .client
        .post(app.url("/api/v1/flows"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(flow_of(&a))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let flow: Value = r.json().await.unwrap();
    let id = flow["id"].as_str().unwrap();
    // The office that serves the UP (and decided the authorisation): read-only access.
    let milano = app.login("operatore.milano").await;
    let (status, list) = app.get(&milano, "/api/v1/flows").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["id"], id, "{list}");
    let (status, got) = app.get(&milano, &format!("/api/v1/flows/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["status"], "accepted");
    let (status, recs) = app
        .get(&milano, &format!("/api/v1/flows/{id}/records"))
        .await;
    assert_eq!(status, 200);
    let recs = recs["items"].as_array().unwrap().clone();
    assert_eq!(recs.len(), a.workers.len());
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/flows/{id}/records/{}", recs[0]["id"])))
        .bearer_auth(&milano)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "operators delete nothing");
    // Another office, another employer, the administrator: not theirs.
    let roma = app.login("operatore.roma").await;
    let (status, list) = app.get(&roma, "/api/v1/flows").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    let other = app.login("datore.bottega").await;
    for t in [&roma, &other] {
        assert_eq!(app.get(t, &format!("/api/v1/flows/{id}")).await.0, 404);
        assert_eq!(
            app.get(t, &format!("/api/v1/flows/{id}/records")).await.0,
            404
        );
    }
    let admin = app.login("admin").await;
    assert_eq!(app.get(&admin, "/api/v1/flows").await.0, 403);
    assert_eq!(app.get(&admin, &format!("/api/v1/flows/{id}")).await.0, 404);
    // The records are untouched for their employer.
    let (_, mine) = app
        .get(&token, &format!("/api/v1/flows/{id}/records"))
        .await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "accepted")
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_the_server_goes_on() {
    let db = omnia_store::testing::fresh_db().await;
    let services = omnia_services::Services::new((*db).clone());
    omnia_services::demo::load(&services).await.unwrap();
    let config = omnia_web::WebConfig {
        flow_max_bytes: 1000,
        ..omnia_web::WebConfig::default()
    };
    let state = omnia_web::AppState::new(services, config, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, omnia_web::app(state)).await.unwrap();
    });
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("http://{addr}/api/v1/sessions"))
        .json(&serde_json::json!({"username": "datore.meccanica", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let r = client
        .post(format!("http://{addr}/api/v1/flows"))
        .bearer_auth(&token)
        .header("content-type", "application/xml")
        .body(vec![b' '; 5000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let r = client
        .get(format!("http://{addr}/api/v1/flows"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "nothing stored");
}

#[tokio::test]
async fn a_body_cut_mid_upload_stores_nothing_and_frees_the_sender_for_the_next_flow() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let example = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/flows/examples/flusso-esempio.xml"
    ))
    .unwrap();
    // Declares the whole file, sends half of it, then the connection drops.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/flows HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
        example.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(&example[..example.len() / 2])
        .await
        .unwrap();
    stream.flush().await.unwrap();
    drop(stream);

    // The server is fine and nothing was stored (R-FLO-1: a flow is all or nothing). The
    // sender's lock is released, so the next flow is checked, not refused with 409 (let the
    // server notice the dropped connection first).
    let mut outcome = 409;
    for _ in 0..50 {
        let (status, list) = app.get(&token, "/api/v1/flows").await;
        assert_eq!(status, 200);
        assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
        let r = app
            .client
            .post(app.url("/api/v1/flows"))
            .bearer_auth(&token)
            .header("content-type", "application/xml")
            .body(example.clone())
            .send()
            .await
            .unwrap();
        outcome = r.status().as_u16();
        if outcome != 409 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        matches!(outcome, 201 | 422),
        "the whole file is checked once the cut upload is gone: {outcome}"
    );
}
