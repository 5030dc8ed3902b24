//! The pages of the payment-data flows (R-FLO-1, R-FLO-2, R-AMT) and of the payment batches
//! (R-FLO-4), through plain HTML forms: upload (multipart, no JavaScript), outcome, findings
//! filtered by query string, amounts, eliminazione, batches; scope and CSRF.

mod common;

use common::{PASSWORD, TestApp, spawn_app, spawn_app_with};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

/// A signed-in browser without JavaScript (cookies kept by reqwest, redirects not followed).
struct Browser {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

impl Browser {
    async fn login(app: &TestApp, username: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let html = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = hidden(&html, "csrf_token");
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("username", username),
                ("password", PASSWORD),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "login of {username}");
        let mut b = Browser {
            client,
            base: app.base.clone(),
            csrf: String::new(),
        };
        // The session's token is in every page's forms (logout included).
        let mut html = String::new();
        for page in ["/flussi/invio", "/pagamenti"] {
            let (status, text) = b.get(page).await;
            if status == 200 {
                html = text;
                break;
            }
        }
        b.csrf = hidden(&html, "csrf_token");
        b
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        (r.status().as_u16(), location, r.text().await.unwrap())
    }

    /// The upload form as a browser posts it: the fields, then the file (`name`, bytes).
    async fn upload(
        &self,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> (u16, Option<String>, String) {
        const BOUNDARY: &str = "omnia-test-boundary-5f1c";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"flusso\"; \
                     filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let r = self
            .client
            .post(format!("{}/flussi/invio", self.base))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        (r.status().as_u16(), location, r.text().await.unwrap())
    }
}

/// An authorised CIGO application of `datore.meccanica` (three workers, 40 hours each),
/// paid directly by INPS: the flows are only for direct payment (CP10).
async fn authorised(app: &TestApp) -> Value {
    let view = omnia_services::testing::authorised_cigo_application(&app.services).await;
    serde_json::to_value(view).unwrap()
}

/// The month of the flows: the one holding the middle of the authorised period (at least two
/// weeks of it), `YYYY-MM`.
fn flow_month(a: &Value) -> String {
    let start: chrono::NaiveDate = a["start"].as_str().unwrap().parse().unwrap();
    (start + chrono::TimeDelta::days(14))
        .format("%Y-%m")
        .to_string()
}

/// The XML flow of the authorisation: `hours` for each worker at 9.00 €/h; `iban` for the
/// first worker when given.
fn flow_xml(a: &Value, hours: &str, iban: Option<&str>) -> Vec<u8> {
    let month = flow_month(a);
    let workers: Vec<Value> = a["workers"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut v =
                json!({"cf": w["cf"], "name": w["name"], "hours": hours, "hourly_wage": "9.00"});
            if let (0, Some(iban)) = (i, iban) {
                v["iban"] = json!(iban);
            }
            v
        })
        .collect();
    let plan: omnia_flows::generate::Plan = serde_json::from_value(json!({
        "sender": a["employer"]["cf"],
        "month": month,
        "employers": [{
            "cf": a["employer"]["cf"],
            "authorisation": a["authorisation_number"],
            "benefit": "cigo",
            "start": a["start"],
            "end": a["end"],
            "workers": workers,
        }],
    }))
    .unwrap();
    let mut out = Vec::new();
    omnia_flows::generate::generate_plan(&plan, omnia_flows::generate::Format::Xml, &mut out)
        .unwrap();
    out
}

fn flow_path(location: Option<String>) -> String {
    let path = location.expect("redirect to the flow's page");
    assert!(path.starts_with("/flussi/"), "{path}");
    path
}

#[tokio::test]
async fn an_accepted_upload_shows_the_outcome_and_the_amounts_per_worker() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    let (status, html) = b.get("/flussi/invio").await;
    assert_eq!(status, 200);
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(
        html.contains("<progress"),
        "the progress bar is in the page"
    );
    let (status, location, _) = b
        .upload(
            &[("csrf_token", &b.csrf)],
            Some(("flusso.xml", &flow_xml(&a, "16", None))),
        )
        .await;
    assert_eq!(status, 303);
    let path = flow_path(location);
    let (status, html) = b.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Esito: accettato"), "{html}");
    // R-AMT-1: 80 % × 9.00 € × 16 h = 115,20 € gross; net 108,47 € (5.84 % withheld).
    assert!(html.contains("115,20\u{a0}€"), "gross per worker");
    assert!(html.contains("108,47\u{a0}€"), "net per worker");
    let worker = a["workers"][0]["cf"].as_str().unwrap();
    assert!(html.contains(worker));
    // The list shows it, in Rome time, with the period of its header and its outcome.
    let (_, list) = b.get("/flussi").await;
    assert!(list.contains(&path), "{list}");
    assert!(list.contains("accettato"));
    let month = flow_month(&a);
    let period = format!("<td>{}/{}</td>", &month[5..7], &month[..4]);
    assert!(list.contains(&period), "{period} in {list}");
    assert!(html.contains(&format!("id=\"periodo\">{}/{}<", &month[5..7], &month[..4])));
    // English is available.
    b.get("/lingua?l=en").await;
    let (_, en) = b.get(&path).await;
    assert!(en.contains("Outcome: accepted"), "{en}");
}

#[tokio::test]
async fn a_refused_upload_shows_its_findings_and_stores_no_record() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    // 30 hours more than authorised for each worker (CA01) and a cut file.
    let mut body = flow_xml(&a, "70", None);
    body.truncate(body.len() - 40);
    let (status, location, _) = b
        .upload(&[("csrf_token", &b.csrf)], Some(("flusso.xml", &body)))
        .await;
    assert_eq!(status, 303);
    let path = flow_path(location);
    let (_, html) = b.get(&path).await;
    assert!(html.contains("Esito: rifiutato"), "{html}");
    assert!(html.contains("FO01"), "the located finding is listed");
    assert!(html.contains("id=\"tabella-rilievi\""));
    assert!(!html.contains("id=\"tabella-record\""), "no record stored");
    assert!(html.contains("File non ben formato o troncato"));
    // English pages give the checks' English titles; the checker's message, with the
    // values it found, stays Italian and is marked so.
    b.get("/lingua?l=en").await;
    let (_, en) = b.get(&path).await;
    assert!(en.contains("File not well-formed or truncated"), "{en}");
    assert!(!en.contains("File non ben formato o troncato"), "{en}");
    assert!(
        en.contains("<span class=\"d-block small\" lang=\"it\">"),
        "{en}"
    );
    b.get("/lingua?l=it").await;
    let token = app.login("datore.meccanica").await;
    let id = path.trim_start_matches("/flussi/");
    let (_, recs) = app
        .get(&token, &format!("/api/v1/flows/{id}/records"))
        .await;
    assert_eq!(recs["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn bad_files_are_explained_next_to_the_field() {
    let app = spawn_app().await;
    let b = Browser::login(&app, "datore.meccanica").await;
    let (status, _, html) = b.upload(&[("csrf_token", &b.csrf)], None).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"flusso-error\""), "{html}");
    assert!(html.contains("Scegliere il file del flusso da inviare."));
    let (status, _, html) = b
        .upload(
            &[("csrf_token", &b.csrf)],
            Some(("flusso.pdf", b"%PDF-1.7")),
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("Tipo di file non ammesso"), "{html}");
    let (status, _, html) = b
        .upload(&[("csrf_token", &b.csrf)], Some(("flusso.xml", b"")))
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("Il file scelto è vuoto."), "{html}");
    // Nothing was stored.
    let token = app.login("datore.meccanica").await;
    let (_, list) = app.get(&token, "/api/v1/flows").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_next_to_the_field_and_the_server_goes_on() {
    let app = spawn_app_with(omnia_web::WebConfig {
        flow_max_bytes: 1000,
        ..omnia_web::WebConfig::default()
    })
    .await;
    let b = Browser::login(&app, "datore.meccanica").await;
    let (status, _, html) = b
        .upload(
            &[("csrf_token", &b.csrf)],
            Some(("flusso.xml", &[b' '; 5000])),
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"flusso-error\""), "{html}");
    assert!(
        html.contains("Il file supera la dimensione massima ammessa (1000 byte)."),
        "{html}"
    );
    assert_eq!(b.get("/flussi").await.0, 200);
    let token = app.login("datore.meccanica").await;
    let (_, list) = app.get(&token, "/api/v1/flows").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing stored");
}

#[tokio::test]
async fn forceable_findings_are_accepted_when_confirmed_with_a_note() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    // R-FLO-1: a foreign IBAN (CG06) is forceable.
    let body = flow_xml(&a, "8", Some("DE89370400440532013000"));
    let (_, location, _) = b
        .upload(&[("csrf_token", &b.csrf)], Some(("flusso.xml", &body)))
        .await;
    let path = flow_path(location);
    let (_, html) = b.get(&path).await;
    assert!(html.contains("Esito: in attesa di conferma"), "{html}");
    assert!(html.contains("CG06"));
    // The re-send form is on the page, with the checkbox and the note.
    assert!(html.contains("name=\"conferma\""));
    assert!(html.contains("name=\"nota\""));
    let (_, list) = b.get("/flussi").await;
    assert!(list.contains("in attesa di conferma"));
    // A confirmation without a note is refused next to the note, nothing stored.
    let (status, _, html) = b
        .upload(
            &[("csrf_token", &b.csrf), ("conferma", "si"), ("nota", "  ")],
            Some(("flusso.xml", &body)),
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"nota-error\""), "{html}");
    // With the note the flow is accepted and the note kept.
    let (status, location, _) = b
        .upload(
            &[
                ("csrf_token", &b.csrf),
                ("conferma", "si"),
                ("nota", "Il lavoratore ha un conto in Germania."),
            ],
            Some(("flusso.xml", &body)),
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = b.get(&flow_path(location)).await;
    assert!(html.contains("Esito: accettato"), "{html}");
    assert!(html.contains("Il lavoratore ha un conto in Germania."));
}

#[tokio::test]
async fn the_findings_filter_by_severity_code_and_text_without_javascript() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    // Over the authorised hours (CA01, blocking) and a foreign IBAN for one worker (CG06).
    let body = flow_xml(&a, "70", Some("DE89370400440532013000"));
    let (_, location, _) = b
        .upload(&[("csrf_token", &b.csrf)], Some(("flusso.xml", &body)))
        .await;
    let path = flow_path(location);
    let rows = |html: &str, code: &str| {
        html.matches(&format!("<th scope=\"row\">{code}</th>"))
            .count()
    };
    let (_, all) = b.get(&path).await;
    let table = |html: &str| html[html.find("id=\"tabella-rilievi\"").unwrap()..].to_owned();
    assert!(rows(&table(&all), "CG06") > 0, "{all}");
    assert!(rows(&table(&all), "CA01") > 0);
    let (_, forceable) = b.get(&format!("{path}?gravita=forceable")).await;
    assert!(rows(&table(&forceable), "CG06") > 0);
    assert_eq!(rows(&table(&forceable), "CA01"), 0);
    let (_, by_code) = b.get(&format!("{path}?codice=CA01")).await;
    assert_eq!(rows(&table(&by_code), "CG06"), 0);
    assert!(rows(&table(&by_code), "CA01") > 0);
    // The text matches the worker: only the first worker's findings.
    let first = a["workers"][0]["cf"].as_str().unwrap();
    let second = a["workers"][1]["cf"].as_str().unwrap();
    let (_, by_worker) = b
        .get(&format!("{path}?testo={}", first.to_lowercase()))
        .await;
    let t = table(&by_worker);
    assert!(t.contains(first));
    assert!(!t.contains(second), "{t}");
    let (_, none) = b.get(&format!("{path}?testo=NESSUNO")).await;
    assert!(none.contains("Nessun rilievo corrisponde al filtro."));
}

#[tokio::test]
async fn a_long_findings_list_is_paginated_on_the_server() {
    let app = spawn_app().await;
    let b = Browser::login(&app, "datore.meccanica").await;
    // 120 records of employers and authorisations unknown to the platform: a finding each
    // at least, more than two pages of 50.
    let month = omnia_flows::values::parse_month("2026-10").unwrap();
    let mut body = Vec::new();
    omnia_flows::generate::generate(
        &omnia_flows::generate::GenerateOptions::new(120, month),
        &mut body,
        None,
    )
    .unwrap();
    let (_, location, _) = b
        .upload(&[("csrf_token", &b.csrf)], Some(("flusso.xml", &body)))
        .await;
    let path = flow_path(location);
    let rows = |html: &str| {
        let t = &html[html.find("id=\"tabella-rilievi\"").unwrap()..];
        t[..t.find("</table>").unwrap()].matches("<tr>").count() - 1
    };
    let (_, first) = b.get(&path).await;
    assert!(first.contains("pagina 1 / "), "{first}");
    assert_eq!(rows(&first), 50);
    assert!(
        first.contains("pagina=2#rilievi"),
        "a link to the next page"
    );
    let (_, second) = b.get(&format!("{path}?pagina=2")).await;
    assert!(second.contains("pagina 2 / "));
    // Past the end: the last page.
    let (_, last) = b.get(&format!("{path}?pagina=999")).await;
    assert!(!last.contains("pagina=1000"));
    assert!(rows(&last) >= 1);
}

#[tokio::test]
async fn another_employer_gets_not_found_and_operators_read_the_flows_of_their_office() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    let (_, location, _) = b
        .upload(
            &[("csrf_token", &b.csrf)],
            Some(("flusso.xml", &flow_xml(&a, "8", None))),
        )
        .await;
    let path = flow_path(location);
    let other = Browser::login(&app, "datore.bottega").await;
    assert_eq!(other.get(&path).await.0, 404);
    let (_, list) = other.get("/flussi").await;
    assert!(!list.contains(&path));
    let (_, html) = b.get(&path).await;
    let rid = html
        .split("/record/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        other.get(&format!("{path}/record/{rid}/elimina")).await.0,
        404
    );
    // The operator of the office serving the UP reads the flow, its findings and records,
    // and changes nothing: no upload, no eliminazione.
    let operator = Browser::login(&app, "operatore.milano").await;
    let (status, list) = operator.get("/flussi").await;
    assert_eq!(status, 200);
    assert!(list.contains(&path), "{list}");
    assert!(
        list.contains("href=\"/flussi\" aria-current=\"page\""),
        "in the navigation"
    );
    assert!(
        !list.contains("href=\"/flussi/invio\""),
        "operators send no flow"
    );
    let (status, html) = operator.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Esito: accettato"), "{html}");
    assert!(html.contains("id=\"tabella-record\""));
    assert!(html.contains(a["workers"][0]["cf"].as_str().unwrap()));
    assert!(!html.contains("/elimina"), "read-only: {html}");
    assert_eq!(
        operator
            .get(&format!("{path}/record/{rid}/elimina"))
            .await
            .0,
        404
    );
    let (status, _, _) = operator
        .post(
            &format!("{path}/record/{rid}/elimina"),
            &[("csrf_token", &operator.csrf)],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(operator.get("/flussi/invio").await.0, 404);
    // Another office's operator neither lists it nor opens it.
    let rome = Browser::login(&app, "operatore.roma").await;
    let (status, list) = rome.get("/flussi").await;
    assert_eq!(status, 200);
    assert!(!list.contains(&path));
    assert_eq!(rome.get(&path).await.0, 404);
    // The record is still there for its employer.
    let (_, html) = b.get(&path).await;
    assert!(html.contains(&format!("/record/{rid}/elimina")));
}

#[tokio::test]
async fn every_post_needs_the_csrf_token() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    let body = flow_xml(&a, "8", None);
    let (status, _, _) = b
        .upload(&[("csrf_token", "forged")], Some(("flusso.xml", &body)))
        .await;
    assert_eq!(status, 403);
    let token = app.login("datore.meccanica").await;
    let (_, list) = app.get(&token, "/api/v1/flows").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing stored");
    let (_, location, _) = b
        .upload(&[("csrf_token", &b.csrf)], Some(("flusso.xml", &body)))
        .await;
    let path = flow_path(location);
    let (_, html) = b.get(&path).await;
    let rid = html
        .split("/record/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    let (status, _, _) = b
        .post(
            &format!("{path}/record/{rid}/elimina"),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(status, 403);
    let operator = Browser::login(&app, "operatore.milano").await;
    let (status, _, _) = operator
        .post("/pagamenti", &[("csrf_token", "forged"), ("flusso", "")])
        .await;
    assert_eq!(status, 403);
    let (_, batches) = operator.get("/pagamenti").await;
    assert!(batches.contains("Non ci sono ancora lotti di pagamento."));
}

#[tokio::test]
async fn a_record_is_deleted_after_confirmation_until_it_is_in_payment_then_paid() {
    let app = spawn_app().await;
    let a = authorised(&app).await;
    let b = Browser::login(&app, "datore.meccanica").await;
    let (_, location, _) = b
        .upload(
            &[("csrf_token", &b.csrf)],
            Some(("flusso.xml", &flow_xml(&a, "8", None))),
        )
        .await;
    let path = flow_path(location);
    let (_, html) = b.get(&path).await;
    let rid = html
        .split("/record/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    // R-FLO-2: the eliminazione asks for a confirmation first.
    let (status, confirm) = b.get(&format!("{path}/record/{rid}/elimina")).await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("Conferma l&#39;eliminazione")
            || confirm.contains("Conferma l'eliminazione"),
        "{confirm}"
    );
    let (status, location, _) = b
        .post(
            &format!("{path}/record/{rid}/elimina"),
            &[("csrf_token", &b.csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = b.get(&location.unwrap()).await;
    assert!(html.contains("Record eliminato"), "{html}");
    assert!(html.contains("eliminato"));

    // R-FLO-4: the operator makes a batch of the other record, downloads it, marks it paid.
    let operator = Browser::login(&app, "operatore.milano").await;
    let (status, location, _) = operator
        .post(
            "/pagamenti",
            &[("csrf_token", &operator.csrf), ("flusso", "")],
        )
        .await;
    assert_eq!(status, 303);
    let batch = location.unwrap();
    let (_, html) = operator.get(&batch).await;
    assert!(html.contains("in pagamento"), "{html}");
    // R-AMT-1: 80 % × 9.00 € × 8 h = 57,60 € gross, 54,24 € net, for the record left.
    assert!(html.contains("57,60\u{a0}€"), "per-worker amounts: {html}");
    assert!(html.contains("54,24\u{a0}€"));
    let r = operator
        .client
        .get(format!("{}{batch}/pain001.xml", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let xml = r.text().await.unwrap();
    assert!(xml.contains("pain.001.001.09"));
    // On the flow's page the operator goes from a record in payment to its batch.
    let (_, html) = operator.get(&path).await;
    assert!(
        html.contains(&format!("<a href=\"{batch}\">in pagamento")),
        "{html}"
    );
    // The records in payment can no longer be deleted.
    let (_, html) = b.get(&path).await;
    assert!(
        !html.contains("/pagamenti/"),
        "employers have no batch pages"
    );
    assert!(html.contains("in pagamento"));
    assert!(
        !html.contains("/elimina\""),
        "no delete link once in payment"
    );
    let (status, location, _) = operator
        .post(
            &format!("{batch}/pagato"),
            &[("csrf_token", &operator.csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = operator.get(&location.unwrap()).await;
    assert!(html.contains("Lotto segnato come pagato."));
    let (status, _, _) = operator
        .post(
            &format!("{batch}/pagato"),
            &[("csrf_token", &operator.csrf)],
        )
        .await;
    assert_eq!(status, 409, "already paid");
    // Employers have no batch pages (as on the API).
    assert_eq!(b.get("/pagamenti").await.0, 404);
}
