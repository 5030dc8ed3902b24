//! Issue 5 acceptance, end to end through the real `omnia` binary and the HTTP API:
//! authorise an application → `omnia flow generate --plan` → `omnia flow send` → accepted
//! → amounts as computed by hand (R-AMT) → payment batch → pain.001 valid against the
//! ISO 20022 XSD → paid (R-FLO-4). On the backend of `OMNIA_TEST_DATABASE_URL`.

#[path = "../../web/tests/common/mod.rs"]
mod common;
mod support;

use common::{PASSWORD, spawn_app};
use serde_json::{Value, json};
use support::{authorised_application, generate, omnia, plan, text};

#[tokio::test(flavor = "multi_thread")]
async fn an_authorised_application_is_paid_from_a_flow_sent_with_the_cli() {
    let app = spawn_app().await;
    let a = authorised_application(&app.services).await;
    let dir = tempfile::tempdir().unwrap();

    // 20 hours for each of the three workers at 9.50 €/h.
    let flow = generate(dir.path(), "flusso.xml", &plan(&a, "20", "9.50")).await;
    let o = omnia(
        vec![
            "flow".into(),
            "send".into(),
            flow.display().to_string(),
            "--server".into(),
            app.base.clone(),
            "--user".into(),
            "datore.meccanica".into(),
            "--json".into(),
        ],
        vec![("OMNIA_PASSWORD", PASSWORD.to_owned())],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let sent: Value = serde_json::from_slice(&o.stdout).expect("--json prints the flow");
    assert_eq!(sent["status"], "accepted", "{sent}");
    assert_eq!(sent["records"], 3);
    let flow_id = sent["id"].as_str().unwrap().to_owned();

    // R-AMT-1 by hand: 80 % × 9.50 €/h = 7.60 €/h, under the hourly cap of the 2026
    // massimale (1,423.69 € ÷ (40 × 52 / 12) h = 8.21 €/h); × 20 h = 152.00 € gross.
    // Net of 5.84 %: 152.00 × 0.9416 = 143.1232 → 143.12 € (R-AMT-4, half-up at the end).
    // R-AMT-3: CIGO first band, 9 % of the wage for the hours not worked: 9 % × 190.00 = 17.10 €.
    let employer = app.login("datore.meccanica").await;
    let (status, recs) = app
        .get(&employer, &format!("/api/v1/flows/{flow_id}/records"))
        .await;
    assert_eq!(status, 200, "{recs}");
    let recs = recs["items"].as_array().unwrap().clone();
    assert_eq!(recs.len(), 3);
    for r in &recs {
        assert_eq!(r["hours"], "20.00", "{r}");
        assert_eq!(r["gross"], "152.00", "{r}");
        assert_eq!(r["net"], "143.12", "{r}");
        assert_eq!(r["addizionale"], "17.10", "{r}");
        assert_eq!(r["state"], "accepted", "{r}");
    }

    // R-FLO-4: the operator batches the records, downloads pain.001 and marks it paid.
    let op = app.login("operatore.milano").await;
    let (status, batch) = app.post(&op, "/api/v1/payment-batches", &json!({})).await;
    assert_eq!(status, 201, "{batch}");
    assert_eq!(batch["records"], 3);
    let batch_id = batch["id"].as_str().unwrap().to_owned();
    let r = app
        .client
        .get(app.url(&format!("/api/v1/payment-batches/{batch_id}/pain001")))
        .bearer_auth(&op)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let pain = r.bytes().await.unwrap();
    // Three transfers of 143.12 € each: 429.36 € in the control sum.
    let pain_s = String::from_utf8(pain.to_vec()).unwrap();
    assert!(pain_s.contains("<CtrlSum>429.36</CtrlSum>"), "{pain_s}");
    let path = dir.path().join("pain001.xml");
    std::fs::write(&path, &pain).unwrap();
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/sepa/pain.001.001.09.xsd"
    );
    let v = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(&path)
        .output()
        .expect("xmllint runs");
    assert!(v.status.success(), "{}", text(&v.stderr));

    let (status, paid) = app
        .post(
            &op,
            &format!("/api/v1/payment-batches/{batch_id}/paid"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "paid");
    // The employer sees its workers paid.
    let (_, recs) = app
        .get(&employer, &format!("/api/v1/flows/{flow_id}/records"))
        .await;
    for r in recs["items"].as_array().unwrap() {
        assert_eq!(r["state"], "paid", "{r}");
    }
}
