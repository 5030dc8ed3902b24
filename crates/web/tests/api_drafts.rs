//! Guided intake through the API (issue 4): one complete path per benefit family, the
//! checks (blocking, forceable with a note, info), idempotent submission, the receipt PDF,
//! the beneficiaries CSV and the PDF report.

mod common;

use chrono::{Datelike, Days, Utc, Weekday};
use common::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Monday of next week: on time for every deadline (R-APP-3) and within the FIS/fund
/// 30-day window.
fn next_monday() -> chrono::NaiveDate {
    let today = Utc::now().date_naive();
    let mut d = today.checked_add_days(Days::new(1)).unwrap();
    while d.weekday() != Weekday::Mon {
        d = d.succ_opt().unwrap();
    }
    d
}

struct Draft<'a> {
    app: &'a TestApp,
    token: String,
    id: String,
    version: i64,
    view: Value,
}

impl<'a> Draft<'a> {
    async fn start(app: &'a TestApp, token: &str, employer: &Value, body: Value) -> Draft<'a> {
        let eid = employer["id"].as_i64().unwrap();
        let (status, view) = app
            .post(token, &format!("/api/v1/employers/{eid}/drafts"), &body)
            .await;
        assert_eq!(status, 201, "draft started: {view}");
        Draft {
            app,
            token: token.to_owned(),
            id: view["id"].as_str().unwrap().to_owned(),
            version: view["version"].as_i64().unwrap(),
            view,
        }
    }

    async fn put(&mut self, section: &str, body: Value) -> (u16, Value) {
        let r = self
            .app
            .client
            .put(
                self.app
                    .url(&format!("/api/v1/applications/{}/{section}", self.id)),
            )
            .bearer_auth(&self.token)
            .header("if-match", format!("\"{}\"", self.version))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if status == 200 {
            self.version = v["version"].as_i64().unwrap();
            self.view = v.clone();
        }
        (status, v)
    }

    async fn save(&mut self, section: &str, body: Value) {
        let (status, v) = self.put(section, body).await;
        assert_eq!(status, 200, "{section} saved: {v}");
    }

    async fn checks(&self) -> Value {
        let (status, v) = self
            .app
            .get(
                &self.token,
                &format!("/api/v1/applications/{}/checks", self.id),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v
    }

    async fn submit(&self, body: Value) -> (u16, Value) {
        self.app
            .post(
                &self.token,
                &format!("/api/v1/applications/{}/submission", self.id),
                &body,
            )
            .await
    }

    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        ctype: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let r = self
            .app
            .client
            .request(
                method,
                self.app
                    .url(&format!("/api/v1/applications/{}/{path}", self.id)),
            )
            .bearer_auth(&self.token)
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

fn codes(review: &Value, severity: &str) -> Vec<String> {
    review["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == severity)
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Workers of the UP who can be included today (not dirigenti, eligible in the registry).
fn eligible_workers(employer: &Value, unit: &Value, n: usize) -> Vec<Value> {
    employer["workers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| {
            w["unit_id"] == unit["id"] && w["qualifica"] != "dirigente" && w["eligible"] == true
        })
        .take(n)
        .cloned()
        .collect()
}

/// Fills every structured report field the checks ask for (R-APP-1).
async fn fill_report(d: &mut Draft<'_>) {
    let review = d.checks().await;
    let mut fields = serde_json::Map::new();
    for f in review["findings"].as_array().unwrap() {
        if f["code"] == "report_field_required" {
            let key = f["pointer"].as_str().unwrap().rsplit('/').next().unwrap();
            fields.insert(key.into(), json!(format!("Descrizione: {key}.")));
        }
    }
    assert!(
        !fields.is_empty(),
        "the causale requires report fields: {review}"
    );
    d.save("report", json!({"mode": "structured", "fields": fields}))
        .await;
}

fn qpdf_and_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("omnia-receipt-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let q = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf installed");
    assert!(
        q.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&q.stdout)
    );
    let t = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext installed");
    assert!(t.status.success());
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&t.stdout).into_owned()
}

/// A complete path: start → request → workers → report (→ indicators) → declarations →
/// checks → submission with a note per forceable finding → receipt.
async fn complete_path(
    user: &str,
    employer_name: &str,
    benefit: &str,
    causale: &str,
    // `hours`, or `days` for CISOA (R-LIM-9), per worker.
    (quantity, amount): (&str, i64),
) -> (TestApp, Value) {
    let app = spawn_app().await;
    let token = app.login(user).await;
    let employer = app.employer_named(&token, employer_name).await;
    let unit = employer["units"][0].clone();
    let workers = eligible_workers(&employer, &unit, 2);
    assert!(!workers.is_empty(), "demo UP has eligible workers");
    let mut d = Draft::start(
        &app,
        &token,
        &employer,
        json!({"benefit": benefit, "unit_id": unit["id"]}),
    )
    .await;
    assert_eq!(d.view["state"], "draft");
    let start = next_monday();
    let end = start.checked_add_days(Days::new(11)).unwrap();
    d.save(
        "request",
        json!({"unit_id": unit["id"], "causale": causale, "request_kind": "prima_richiesta",
               "kind": "sospensione", "start": start, "end": end, "effective_start": start}),
    )
    .await;
    let entries: Vec<Value> = workers
        .iter()
        .map(|w| {
            let mut line = json!({"worker_id": w["id"]});
            line[quantity] = json!(amount);
            line
        })
        .collect();
    d.save("workers", json!({"workers": entries})).await;
    if quantity == "days" {
        // R-LIM-9: the counter counts the days requested, not every day of the period.
        let review = d.checks().await;
        let n = i64::try_from(workers.len()).unwrap();
        assert_eq!(
            review["limits"]["R-LIM-9"]["requested"],
            json!((n * amount).to_string()),
            "{review}"
        );
    }
    fill_report(&mut d).await;
    let review = d.checks().await;
    if codes(&review, "blocking")
        .iter()
        .any(|c| c == "indicators_required")
    {
        // R-APP-2 by quarter: 8 quarters, yearly totals computed.
        let mut quarters = vec![];
        for year in [start.year() - 2, start.year() - 1] {
            for q in 1..=4 {
                quarters.push(json!({"year": year, "quarter": q, "fatturato": 10_000_000_i64,
                    "risultato_operativo": 500_000_i64, "risultato_impresa": 200_000_i64, "indebitamento": 3_000_000_i64}));
            }
        }
        d.save(
            "indicators",
            json!({"granularity": "quarterly", "quarters": quarters}),
        )
        .await;
        assert_eq!(
            d.view["indicator_totals"][0]["fatturato"], 40_000_000_i64,
            "{}",
            d.view
        );
    }
    d.save(
        "declarations",
        json!({"union_done": true, "union_date": start.checked_sub_days(Days::new(3)).unwrap(),
               "union_with": "RSU aziendale", "payment_mode": "conguaglio"}),
    )
    .await;
    let review = d.checks().await;
    assert!(
        codes(&review, "blocking").is_empty(),
        "no blocking finding: {review}"
    );
    // The counters of R-LIM are computed for this UP (residuals shown on the request page).
    assert!(
        !codes(&review, "info").contains(&"limits_unavailable".to_owned()),
        "counters computed: {review}"
    );
    assert!(
        review["limits"].as_object().is_some_and(|m| !m.is_empty()),
        "{review}"
    );
    let forceable = codes(&review, "forceable");
    if let Some(code) = forceable.first() {
        // A forceable finding without its note stops the submission.
        let (status, refused) = d.submit(json!({})).await;
        assert_eq!(status, 422, "{refused}");
        assert!(
            refused["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["code"] == "note_required" && e["pointer"] == format!("/notes/{code}")),
            "{refused}"
        );
    }
    let notes: serde_json::Map<String, Value> = forceable
        .into_iter()
        .map(|c| (c, json!("Verificato con il consulente del lavoro.")))
        .collect();
    let (status, submitted) = d.submit(json!({"notes": notes})).await;
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["state"], "submitted");
    assert!(submitted["has_receipt"].as_bool().unwrap());
    let protocol = submitted["protocol_number"].as_str().unwrap().to_owned();

    // R-APP-6: the receipt is a valid PDF whose text shows the protocol number.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/applications/{}/receipt", d.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let text = qpdf_and_text(&r.bytes().await.unwrap());
    assert!(text.contains(&protocol), "receipt shows {protocol}: {text}");
    assert!(text.contains(submitted["ticket"].as_str().unwrap()));
    // Stored in UTC, printed in Rome time (P28).
    let at = chrono::DateTime::parse_from_rfc3339(submitted["submitted_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let rome = omnia_domain::calendar::rome_time(at)
        .format("%d/%m/%Y %H:%M (ora di Roma)")
        .to_string();
    assert!(text.contains(&rome), "receipt time {rome} in Rome: {text}");
    if quantity == "days" {
        assert!(
            text.contains("Giornate richieste"),
            "receipt in days: {text}"
        );
        assert_eq!(submitted["workers"][0]["days_requested"], amount);
    }
    (app, submitted)
}

#[tokio::test]
async fn cigo_industry_complete_path_with_quarterly_indicators() {
    let (_, v) = complete_path(
        "datore.meccanica",
        "Meccanica",
        "cigo",
        "MLC",
        ("hours", 40),
    )
    .await;
    assert_eq!(v["benefit"], "cigo");
}

#[tokio::test]
async fn ais_fis_complete_path() {
    let (_, v) = complete_path(
        "datore.commercio",
        "Commercio",
        "ais_fis",
        "GMM",
        ("hours", 40),
    )
    .await;
    assert_eq!(v["benefit"], "ais_fis");
}

#[tokio::test]
async fn ais_fund_complete_path() {
    let (_, v) = complete_path(
        "studio.associato",
        "Studio",
        "ais_fondo",
        "GMM",
        ("hours", 40),
    )
    .await;
    assert_eq!(v["benefit"], "ais_fondo");
}

#[tokio::test]
async fn cisoa_complete_path_confirms_the_181_days_with_a_note() {
    // R-ELIG-3: without attendance data the 181 days are a forceable warning; whole days.
    let (app, v) = complete_path("azienda.agricola", "Agricola", "cisoa", "90", ("days", 3)).await;
    assert_eq!(v["benefit"], "cisoa");
    assert!(
        v["content"]["notes"]["cisoa_days_unverified"].is_string(),
        "the note is stored for the operator: {v}"
    );
    // The provincial commission's decision is recorded in whole days (R-LIM-9, R-IST-4).
    let operator = app.login("operatore.roma").await;
    let decision = format!(
        "/api/v1/applications/{}/decision",
        v["id"].as_str().unwrap()
    );
    let worker = v["workers"][0]["worker_id"].clone();
    let (status, refused) = app
        .post(
            &operator,
            &decision,
            &json!({"outcome": "authorised", "motivation": "Due giornate.",
                    "hours": [{"worker_id": worker, "hours": 8}]}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "cisoa_in_days", "{refused}");
    let (status, decided) = app
        .post(
            &operator,
            &decision,
            &json!({"outcome": "authorised", "motivation": "Due giornate su tre per il primo lavoratore.",
                    "days": [{"worker_id": worker, "days": 2}]}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["state"], "partially_authorised");
    assert_eq!(decided["workers"][0]["days_authorised"], 2);
    assert_eq!(decided["workers"][1]["days_authorised"], 0);
}

#[tokio::test]
async fn non_compatible_benefit_needs_confirmation_and_stays_flagged() {
    // R-SEL-1: CISOA is not compatible with an industrial employer.
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let eid = employer["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &token,
            &format!("/api/v1/employers/{eid}/drafts"),
            &json!({"benefit": "cisoa"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "benefit_not_confirmed");
    let d = Draft::start(
        &app,
        &token,
        &employer,
        json!({"benefit": "cisoa", "confirm_non_compatible": true}),
    )
    .await;
    assert_eq!(d.view["content"]["benefit_non_compatible_confirmed"], true);
    let review = d.checks().await;
    assert!(codes(&review, "info").contains(&"benefit_non_compatible_confirmed".to_owned()));
    // The UP was not chosen yet: the checks ask for it.
    assert!(codes(&review, "blocking").contains(&"unit_required".to_owned()));
}

#[tokio::test]
async fn blocking_error_then_corrected_and_idempotent_submission() {
    let app = spawn_app().await;
    let token = app.login("datore.commercio").await;
    let employer = app.employer_named(&token, "Commercio").await;
    let unit = employer["units"][0].clone();
    let w = eligible_workers(&employer, &unit, 1);
    let mut d = Draft::start(
        &app,
        &token,
        &employer,
        json!({"benefit": "ais_fis", "unit_id": unit["id"]}),
    )
    .await;
    let start = next_monday();
    // A save keeps what was typed even when a rule is violated: end before start.
    d.save(
        "request",
        json!({"unit_id": unit["id"], "causale": "GMM", "request_kind": "prima_richiesta",
        "kind": "riduzione", "start": start, "end": start.checked_sub_days(Days::new(2)).unwrap()}),
    )
    .await;
    assert_eq!(
        d.view["content"]["request"]["end"],
        json!(start.checked_sub_days(Days::new(2)).unwrap())
    );
    let review = d.checks().await;
    assert!(
        codes(&review, "blocking").contains(&"end_before_start".to_owned()),
        "{review}"
    );

    // A stale version is refused (optimistic concurrency).
    let stale = d.version - 1;
    let r = app
        .client
        .put(app.url(&format!("/api/v1/applications/{}/request", d.id)))
        .bearer_auth(&token)
        .header("if-match", stale.to_string())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("concurrent_update"),
        "{body}"
    );

    d.save(
        "request",
        json!({"unit_id": unit["id"], "causale": "GMM", "request_kind": "prima_richiesta",
        "kind": "riduzione", "start": start, "end": start.checked_add_days(Days::new(4)).unwrap()}),
    )
    .await;
    d.save(
        "workers",
        json!({"workers": [{"worker_id": w[0]["id"], "hours": 10}]}),
    )
    .await;
    fill_report(&mut d).await;
    // Direct payment without the declaration of financial difficulty: blocking.
    d.save(
        "declarations",
        json!({"union_done": true, "union_date": start, "union_with": "FILCAMS",
        "payment_mode": "pagamento_diretto"}),
    )
    .await;
    let (status, refused) = d.submit(json!({})).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "difficulty_declaration_required"
                && e["pointer"] == "/declarations/financial_difficulty"),
        "{refused}"
    );
    // Corrected.
    d.save(
        "declarations",
        json!({"union_done": true, "union_date": start, "union_with": "FILCAMS",
        "payment_mode": "pagamento_diretto", "financial_difficulty": true}),
    )
    .await;
    let review = d.checks().await;
    let notes: serde_json::Map<String, Value> = codes(&review, "forceable")
        .into_iter()
        .map(|c| (c, json!("ok")))
        .collect();
    let send = || async {
        let r = app
            .client
            .post(app.url(&format!("/api/v1/applications/{}/submission", d.id)))
            .bearer_auth(&token)
            .header("idempotency-key", "wizard-submit-1")
            .json(&json!({"notes": notes}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let (s1, first) = send().await;
    assert_eq!(s1, 200, "{first}");
    let (s2, second) = send().await;
    assert_eq!(s2, 200);
    assert_eq!(
        first["protocol_number"], second["protocol_number"],
        "same answer on retry"
    );

    // A submitted application is never edited (R-APP-6)…
    let (status, _) = d.put("workers", json!({"workers": []})).await;
    assert_eq!(status, 409);
    // …but it can be duplicated into a new draft.
    let (status, dup) = app
        .post(
            &token,
            &format!("/api/v1/applications/{}/duplicate", d.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{dup}");
    assert_eq!(dup["state"], "draft");
    assert_eq!(dup["content"]["duplicated_from"], json!(d.id));
    assert!(dup["ticket"].is_null());
}

#[tokio::test]
async fn csv_with_bad_lines_is_refused_whole_or_keeps_the_good_lines() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let unit = employer["units"][0].clone();
    let w = eligible_workers(&employer, &unit, 2);
    let dirigente = employer["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["unit_id"] == unit["id"] && x["qualifica"] == "dirigente")
        .cloned();
    let mut d = Draft::start(
        &app,
        &token,
        &employer,
        json!({"benefit": "cigo", "unit_id": unit["id"]}),
    )
    .await;
    let start = next_monday();
    d.save(
        "request",
        json!({"unit_id": unit["id"], "causale": "MLC", "start": start,
        "end": start.checked_add_days(Days::new(4)).unwrap()}),
    )
    .await;
    let mut csv = format!(
        "codice_fiscale;ore\n{};16\nRSSMRA80A01F205Y;8\n{};0\n{};16\n{};999\nsolo-una-colonna\n",
        w[0]["cf"].as_str().unwrap(),
        w[1]["cf"].as_str().unwrap(),
        w[0]["cf"].as_str().unwrap(),
        w[1]["cf"].as_str().unwrap(),
    );
    if let Some(x) = &dirigente {
        csv.push_str(&format!("{};8\n", x["cf"].as_str().unwrap()));
    }
    let (status, refused) = d
        .raw(
            reqwest::Method::POST,
            "workers-csv",
            "text/csv",
            csv.clone().into_bytes(),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let errors = refused["errors"].as_array().unwrap();
    let at = |line: u32| {
        errors
            .iter()
            .find(|e| e["pointer"] == format!("/lines/{line}"))
            .map(|e| e["code"].as_str().unwrap().to_owned())
    };
    assert_eq!(at(3).as_deref(), Some("invalid_cf"));
    assert_eq!(at(4).as_deref(), Some("hours_not_positive_integer"));
    assert_eq!(at(5).as_deref(), Some("duplicate_worker"));
    assert_eq!(at(6).as_deref(), Some("too_many_hours"));
    assert_eq!(at(7).as_deref(), Some("bad_columns"));
    if dirigente.is_some() {
        assert_eq!(at(8).as_deref(), Some("dirigente_excluded"));
    }
    // Nothing imported.
    let (_, view) = app
        .get(&token, &format!("/api/v1/applications/{}", d.id))
        .await;
    assert_eq!(view["content"]["workers"], json!([]));

    let (status, report) = d
        .raw(
            reqwest::Method::POST,
            "workers-csv?keep_good_lines=true",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["imported"], 1);
    assert!(report["rejected"].as_array().unwrap().len() >= 5);
    assert_eq!(report["application"]["content"]["workers"][0]["hours"], 16);
}

#[tokio::test]
async fn pdf_report_upload_refusals_and_download() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let employer = app.employer_named(&token, "Meccanica").await;
    let d = Draft::start(&app, &token, &employer, json!({"benefit": "cigo"})).await;

    // Not a PDF.
    let png = b"\x89PNG\r\n\x1a\n0000000000000000".to_vec();
    let (status, body) = d
        .raw(reqwest::Method::PUT, "report-pdf", "application/pdf", png)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["code"], "pdf.not_pdf");
    // Too large (above 10 MiB).
    let big = vec![b'%'; 10 * 1024 * 1024 + 10];
    let (status, _) = d
        .raw(reqwest::Method::PUT, "report-pdf", "application/pdf", big)
        .await;
    assert_eq!(status, 413);
    // Wrong media type.
    let (status, _) = d
        .raw(
            reqwest::Method::PUT,
            "report-pdf",
            "text/plain",
            b"x".to_vec(),
        )
        .await;
    assert_eq!(status, 415);

    // A real PDF (the receipt of a demo submission) is accepted and downloadable.
    let subs = app
        .services
        .applications_for(
            &app.services
                .principal_by_username("datore.meccanica")
                .await
                .unwrap()
                .unwrap(),
        )
        .await
        .unwrap();
    let submitted = subs
        .iter()
        .find(|s| s.protocol_number.is_some())
        .expect("demo has a submitted application");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/applications/{}/receipt", submitted.id.0)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap().to_vec();
    let (status, view) = d
        .raw(
            reqwest::Method::PUT,
            "report-pdf",
            "application/pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["content"]["report"]["mode"], "pdf");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/applications/{}/report-pdf", d.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
}

#[test]
fn every_check_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checks.md"))
        .unwrap();
    for (code, severity, rule, _) in omnia_services::checks::CATALOGUE {
        assert!(
            doc.contains(&format!("`{code}`")),
            "docs/checks.md lists {code}"
        );
        let line = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{code}` |")))
            .unwrap();
        assert!(
            line.contains(severity.as_str()) && line.contains(rule),
            "{code}: {line}"
        );
    }
    // And the other way round: the table of checks lists nothing the catalogue lacks.
    let table = doc
        .split("| code | severity | rule | section | when |")
        .nth(1)
        .expect("the table of checks");
    let documented: Vec<&str> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    let catalogue: Vec<&str> = omnia_services::checks::CATALOGUE
        .iter()
        .map(|(code, ..)| *code)
        .collect();
    let mut a = documented.clone();
    let mut b = catalogue.clone();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "docs/checks.md lists exactly the catalogue");
}

#[tokio::test]
async fn another_tenant_gets_404_on_every_draft_endpoint_and_an_intermediary_may_start_one() {
    let app = spawn_app().await;
    // The delegated consultant files for the employer (issue 4, start step).
    let rossi = app.login("consulente.rossi").await;
    let employer = app.employer_named(&rossi, "Meccanica").await;
    let d = Draft::start(&app, &rossi, &employer, json!({"benefit": "cigo"})).await;

    let other = app.login("datore.commercio").await;
    let mut intruder = Draft {
        app: &app,
        token: other.clone(),
        id: d.id.clone(),
        version: d.version,
        view: Value::Null,
    };
    for section in [
        "request",
        "workers",
        "headcount",
        "report",
        "indicators",
        "declarations",
    ] {
        let body = match section {
            "workers" => json!({"workers": []}),
            "headcount" => json!({"headcount": []}),
            _ => json!({}),
        };
        let (status, _) = intruder.put(section, body).await;
        assert_eq!(status, 404, "{section}");
    }
    for path in ["checks", "receipt", "report-pdf"] {
        let (status, _) = app
            .get(&other, &format!("/api/v1/applications/{}/{path}", d.id))
            .await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = intruder
        .raw(
            reqwest::Method::POST,
            "workers-csv",
            "text/csv",
            b"x;1\n".to_vec(),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post(
            &other,
            &format!("/api/v1/applications/{}/duplicate", d.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    // Operators never see drafts.
    let operator = app.login("operatore.milano").await;
    let (status, _) = app
        .get(&operator, &format!("/api/v1/applications/{}/checks", d.id))
        .await;
    assert_eq!(status, 404);
}

/// R-LIM-9: CISOA is requested in whole days and only CISOA in days; the wrong unit is
/// refused by name, with the pointer of the field at fault.
#[tokio::test]
async fn cisoa_takes_days_and_the_others_hours() {
    let app = spawn_app().await;
    let farm = app.login("azienda.agricola").await;
    let employer = app.employer_named(&farm, "Agricola").await;
    let unit = employer["units"][0].clone();
    let w = eligible_workers(&employer, &unit, 1);
    let mut d = Draft::start(
        &app,
        &farm,
        &employer,
        json!({"benefit": "cisoa", "unit_id": unit["id"]}),
    )
    .await;
    let (status, refused) = d
        .put(
            "workers",
            json!({"workers": [{"worker_id": w[0]["id"], "hours": 13}]}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "cisoa_in_days", "{refused}");
    assert_eq!(refused["errors"][0]["pointer"], "/workers/0/hours");
    d.save(
        "workers",
        json!({"workers": [{"worker_id": w[0]["id"], "days": 2}]}),
    )
    .await;
    assert_eq!(d.view["content"]["workers"][0]["days"], 2);

    let shop = app.login("datore.commercio").await;
    let employer = app.employer_named(&shop, "Commercio").await;
    let unit = employer["units"][0].clone();
    let w = eligible_workers(&employer, &unit, 1);
    let mut d = Draft::start(
        &app,
        &shop,
        &employer,
        json!({"benefit": "ais_fis", "unit_id": unit["id"]}),
    )
    .await;
    let (status, refused) = d
        .put(
            "workers",
            json!({"workers": [{"worker_id": w[0]["id"], "days": 2}]}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["errors"][0]["code"], "days_only_for_cisoa",
        "{refused}"
    );
    assert_eq!(refused["errors"][0]["pointer"], "/workers/0/days");
}

/// R-LIM-9: the CISOA beneficiaries CSV has a `giorni` column; every bad line is reported
/// with its number and reason, and a file headed `ore` is refused before any line is read.
#[tokio::test]
async fn cisoa_csv_in_whole_days_reports_every_bad_line() {
    let app = spawn_app().await;
    let token = app.login("azienda.agricola").await;
    let employer = app.employer_named(&token, "Agricola").await;
    let unit = employer["units"][0].clone();
    let w = eligible_workers(&employer, &unit, 2);
    let mut d = Draft::start(
        &app,
        &token,
        &employer,
        json!({"benefit": "cisoa", "unit_id": unit["id"]}),
    )
    .await;
    let start = next_monday();
    d.save(
        "request",
        json!({"unit_id": unit["id"], "causale": "90", "start": start,
        "end": start.checked_add_days(Days::new(5)).unwrap()}),
    )
    .await;
    let cf = |i: usize| w[i]["cf"].as_str().unwrap().to_owned();
    let csv = format!(
        "codice_fiscale;giorni\n{};2\n{};1,5\n{};40\n",
        cf(0),
        cf(1),
        cf(1)
    );
    let (status, refused) = d
        .raw(
            reqwest::Method::POST,
            "workers-csv",
            "text/csv",
            csv.clone().into_bytes(),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let at = |line: u32| {
        refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["pointer"] == format!("/lines/{line}"))
            .map(|e| e["code"].as_str().unwrap().to_owned())
    };
    assert_eq!(at(3).as_deref(), Some("days_not_positive_integer"));
    assert_eq!(at(4).as_deref(), Some("too_many_days"));
    assert_eq!(at(2), None);
    let (status, report) = d
        .raw(
            reqwest::Method::POST,
            "workers-csv?keep_good_lines=true",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["application"]["content"]["workers"][0]["days"], 2);

    let hours = format!("codice_fiscale;ore\n{};13\n", cf(0));
    let (status, refused) = d
        .raw(
            reqwest::Method::POST,
            "workers-csv",
            "text/csv",
            hours.into_bytes(),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "cisoa_in_days");
    assert_eq!(refused["errors"][0]["pointer"], "/lines/1");
}
