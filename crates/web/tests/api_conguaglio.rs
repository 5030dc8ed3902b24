//! The conguaglio route (R-FLO-4): the offset code issued with the authorisation, and the
//! fruito declarations per UP (`/api/v1/units/{unit_id}/fruito-declarations`) for the FIS
//! and the funds only: every bad line reported with its number, nothing stored unless clean,
//! the clean ones posted to the fruito ledger. On the backend of `OMNIA_TEST_DATABASE_URL`.

mod common;

use chrono::Datelike;
use common::{TestApp, spawn_app};
use omnia_domain::benefit::Benefit;
use omnia_domain::ids::{AuthorisationNumber, OffsetCode};
use omnia_services::{ApplicationView, Decision};
use serde_json::Value;

/// The demo's FIS application of Commercio Tuscolano (waiting in Rome), authorised in full.
async fn authorised_fis(app: &TestApp) -> ApplicationView {
    let s = &app.services;
    let op = s
        .principal_by_username("operatore.roma")
        .await
        .unwrap()
        .unwrap();
    let office = s.office_scope(&op).unwrap();
    let pending = s
        .office_queue(&office)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.benefit == Benefit::AisFis)
        .expect("the demo FIS application waits in Rome");
    s.decide(&office, pending.id, Decision::authorised_in_full())
        .await
        .unwrap()
}

async fn declare(app: &TestApp, token: &str, unit: i64, csv: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/units/{unit}/fruito-declarations")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn month(a: &ApplicationView) -> String {
    format!("{}-{:02}", a.start.year(), a.start.month())
}

#[tokio::test]
async fn a_fis_authorisation_by_conguaglio_gets_an_offset_code_and_its_declarations_reach_the_ledger()
 {
    let app = spawn_app().await;
    let a = authorised_fis(&app).await;
    // R-FLO-4: the offset code comes with the authorisation (conguaglio is the default mode).
    let number = AuthorisationNumber::parse(a.authorisation_number.as_deref().unwrap()).unwrap();
    let code = a.offset_code.clone().expect("an offset code");
    assert_eq!(code, OffsetCode::for_authorisation(&number).as_str());
    let token = app.login("datore.commercio").await;
    let (status, shown) = app
        .get(&token, &format!("/api/v1/applications/{}", a.id))
        .await;
    assert_eq!(status, 200);
    assert_eq!(shown["offset_code"], code.as_str());

    let unit = a.unit.id.0;
    let (w1, w2) = (&a.workers[0].cf, &a.workers[1].cf);
    let m = month(&a);
    // Every bad line at once, with its number; nothing stored.
    let bad = format!(
        "riferimento;codice_fiscale;mese;ore\n\
         {code};{w1};{m};8\n\
         {code};{w1};{m};4\n\
         {code};RSSMRA80A01H501X;{m};8\n\
         {code};{w2};2001-01;8\n\
         {code};{w2};{m};500\n\
         {code};{w2};{m}\n\
         {number};RSSMRA80A01H501U;{m};8\n"
    );
    let (status, p) = declare(&app, &token, unit, &bad).await;
    assert_eq!(status, 422, "{p}");
    let got: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        (3, "duplicate_line"),
        (4, "cf_invalid"),
        (5, "month_outside_period"),
        (6, "hours_above_authorised"),
        (7, "columns"),
        (8, "not_beneficiary"),
    ]
    .iter()
    .map(|(n, c)| (format!("/lines/{n}"), (*c).to_owned()))
    .collect();
    assert_eq!(got, want, "{p}");
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("Riga 3:"),
        "{p}"
    );
    let (_, list) = app
        .get(&token, &format!("/api/v1/units/{unit}/fruito-declarations"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "nothing stored");
    assert_eq!(app.services.fruito_balance(a.id, w1).await.unwrap(), 0);

    // A clean declaration (the authorisation number is a valid reference too).
    let good = format!(
        "riferimento;codice_fiscale;mese;ore\n{code};{w1};{m};8\n{number};{w2};{m};12,50\n"
    );
    let (status, d) = declare(&app, &token, unit, &good).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["lines"], 2);
    assert_eq!(d["hours"], "20.50");
    assert_eq!(app.services.fruito_balance(a.id, w1).await.unwrap(), 800);
    assert_eq!(app.services.fruito_balance(a.id, w2).await.unwrap(), 1250);
    let (_, list) = app
        .get(&token, &format!("/api/v1/units/{unit}/fruito-declarations"))
        .await;
    assert_eq!(list["items"][0]["id"], d["id"]);

    // Cumulative with the ledger: 8 of the worker's authorised hours are used.
    let left = a.workers[0].hours_authorised.unwrap() - 8;
    let over = format!(
        "riferimento;codice_fiscale;mese;ore\n{code};{w1};{m};{}\n",
        left + 1
    );
    let (status, p) = declare(&app, &token, unit, &over).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["code"], "hours_above_authorised");
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("ne restano {left}.00")),
        "{p}"
    );
}

#[tokio::test]
async fn cigo_is_not_declared_and_strangers_operators_and_other_media_types_are_refused() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let p = app
        .services
        .principal_by_username("datore.meccanica")
        .await
        .unwrap()
        .unwrap();
    // Direct payment (declared with the financial difficulty, R-APP): no offset code. The
    // demo's guided CIGO draft of Meccanica Padana, switched to direct payment.
    let mut guided = None;
    for a in app.services.applications_for(&p).await.unwrap() {
        let v = app.services.application(&p, a.id).await.unwrap();
        if v.state == omnia_services::ApplicationState::Draft && v.content.is_some() {
            guided = Some(v);
            break;
        }
    }
    let guided = guided.expect("the demo's guided draft");
    let mut declarations = guided.content.clone().unwrap().declarations;
    declarations.payment_mode = Some(omnia_services::PaymentMode::PagamentoDiretto);
    declarations.financial_difficulty = true;
    let guided = app
        .services
        .save_declarations(&p, guided.id, guided.version, declarations)
        .await
        .unwrap();
    app.services.submit(&p, guided.id).await.unwrap();
    let op = app
        .services
        .principal_by_username("operatore.milano")
        .await
        .unwrap()
        .unwrap();
    let office = app.services.office_scope(&op).unwrap();
    let direct = app
        .services
        .decide(&office, guided.id, Decision::authorised_in_full())
        .await
        .unwrap();
    assert!(direct.authorisation_number.is_some());
    assert_eq!(direct.offset_code, None, "direct payment");
    // A CIGO application filed with the one-shot form: conguaglio, the default (R-APP).
    let employer = app.employer_named(&token, "Meccanica").await;
    let id = app.submit_new_application(&token, &employer).await;
    let a = app
        .services
        .decide(&office, id.parse().unwrap(), Decision::authorised_in_full())
        .await
        .unwrap();
    let code = a.offset_code.clone().expect("offset code");
    let unit = a.unit.id.0;
    let csv = format!(
        "riferimento;codice_fiscale;mese;ore\n{code};{};{};8\n",
        a.workers[0].cf,
        month(&a)
    );
    let (status, p) = declare(&app, &token, unit, &csv).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["code"], "benefit_not_declarable", "{p}");
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("solo per il FIS e i fondi"),
        "{p}"
    );

    // Another employer's UP does not exist for this caller; operators do not declare.
    let other = app.login("datore.bottega").await;
    assert_eq!(declare(&app, &other, unit, &csv).await.0, 404);
    let op = app.login("operatore.milano").await;
    assert_eq!(declare(&app, &op, unit, &csv).await.0, 403);
    assert_eq!(
        app.get(&op, &format!("/api/v1/units/{unit}/fruito-declarations"))
            .await
            .0,
        403
    );
    // A missing header and a JSON body.
    let (status, p) = declare(&app, &token, unit, "a;b;c;d\n").await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["code"], "header");
    let r = app
        .client
        .post(app.url(&format!("/api/v1/units/{unit}/fruito-declarations")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
}
