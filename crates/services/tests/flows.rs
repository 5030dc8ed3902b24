//! Accepting payment-data flows (R-FLO-1, R-FLO-2, R-AMT): atomic loads, bad input that
//! stores nothing, the per-sender lock, eliminazione and replacement, payment batches.
//! Each test gets a fresh database with the demo data, on the backend of
//! `OMNIA_TEST_DATABASE_URL` (SQLite when unset).

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use omnia_domain::benefit::Benefit;
use omnia_flows::generate::{Format, Plan, PlanEmployer, PlanWorker, generate_plan};
use omnia_services::demo;
use omnia_services::flows::{FlowFormat, FlowSpool, FlowUpload, NewPaymentBatch, SpoolError};
use omnia_services::*;
use omnia_store::testing::{TestDb, fresh_db};
use omnia_store::{FlowStatus, RecordState};
use rust_decimal::Decimal;

struct World {
    db: TestDb,
    s: Services,
}

/// An authorised CIGO application of `datore.meccanica` with three workers.
struct Authorised {
    app: ApplicationView,
    employer_cf: String,
}

impl World {
    async fn new() -> World {
        let db = fresh_db().await;
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let s = Services::with_clock(db.db().clone(), clock);
        demo::load(&s).await.expect("demo data loads");
        World { db, s }
    }

    async fn who(&self, username: &str) -> Principal {
        self.s
            .principal_by_username(username)
            .await
            .unwrap()
            .expect(username)
    }

    async fn authorised(&self) -> Authorised {
        let app = omnia_services::testing::authorised_cigo_application(&self.s).await;
        Authorised {
            employer_cf: app.employer.cf.clone(),
            app,
        }
    }

    /// Sends the XML flow of `plan` as `datore.meccanica`.
    async fn send(&self, plan: &Plan) -> Result<flows::SubmittedFlow, ServiceError> {
        self.submit("datore.meccanica", &xml(plan), FlowFormat::Xml, None)
            .await
    }

    async fn count(&self, sql: &str) -> i64 {
        let mut tx = self.db.read().await.unwrap();
        tx.count_for_tests(sql).await.unwrap()
    }

    async fn submit(
        &self,
        username: &str,
        body: &[u8],
        format: FlowFormat,
        note: Option<&str>,
    ) -> Result<flows::SubmittedFlow, ServiceError> {
        let p = self.who(username).await;
        let mut spool = FlowSpool::new(1 << 26).unwrap();
        // In small chunks, as the network delivers it.
        for chunk in body.chunks(1000) {
            spool.write(chunk).await.unwrap();
        }
        self.s
            .submit_flow(
                &p,
                spool,
                FlowUpload {
                    format,
                    confirm_note: note.map(str::to_owned),
                },
            )
            .await
    }
}

/// The month holding the middle of the authorised period (at least two weeks of it).
fn flow_month(a: &ApplicationView) -> NaiveDate {
    let mid = a.start + TimeDelta::days(14);
    NaiveDate::from_ymd_opt(mid.year(), mid.month(), 1).unwrap()
}

/// A plan for the authorisation: `hours` for each of its workers, wage 9.00 €/h, 40 h/week.
fn plan(a: &Authorised, hours: &str) -> Plan {
    Plan {
        sender: a.employer_cf.clone(),
        month: flow_month(&a.app).format("%Y-%m").to_string(),
        employers: vec![PlanEmployer {
            cf: a.employer_cf.clone(),
            matricola: None,
            authorisation: a.app.authorisation_number.clone().unwrap(),
            ticket: None,
            benefit: Benefit::Cigo,
            start: a.app.start,
            end: a.app.end,
            workers: a
                .app
                .workers
                .iter()
                .map(|w| PlanWorker {
                    cf: w.cf.clone(),
                    name: Some(w.name.clone()),
                    hours: hours.into(),
                    weekly_hours: None,
                    hourly_wage: Some("9.00".into()),
                    iban: None,
                    qualifiche: None,
                    replacement: false,
                })
                .collect(),
        }],
    }
}

fn xml(p: &Plan) -> Vec<u8> {
    let mut out = Vec::new();
    generate_plan(p, Format::Xml, &mut out).unwrap();
    out
}

fn assert_conflict(e: &ServiceError, expected: &str) {
    assert!(
        matches!(e, ServiceError::Conflict { code, .. } if *code == expected),
        "{e:?}"
    );
}

fn codes(f: &flows::SubmittedFlow) -> Vec<String> {
    f.flow.report.as_ref().unwrap()["counts"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

const RECORDS: &str = "SELECT COUNT(*) FROM flow_records";
const LEDGER: &str = "SELECT COUNT(*) FROM fruito_ledger";

#[tokio::test]
async fn an_accepted_flow_stores_its_records_amounts_and_ledger_postings() {
    let w = World::new().await;
    let a = w.authorised().await;
    let f = w.send(&plan(&a, "16")).await.unwrap();
    assert!(f.accepted, "{:?}", f.flow.report);
    assert_eq!(f.flow.records, 3);
    // R-AMT-1: 80 % × 9.00 € × 16 h = 115.20 € (under the hourly cap of the massimale,
    // 1,423.69 € ÷ 173.33 h × 16 h ≈ 131.42 €); net 115.20 × (1 − 5.84 %) = 108.47232 → 108.47.
    assert_eq!(f.flow.total_gross, Decimal::new(3 * 11520, 2));
    assert_eq!(f.flow.total_net, Decimal::new(3 * 10847, 2));
    let p = w.who("datore.meccanica").await;
    let records = w.s.flow_records(&p, &f.flow.id).await.unwrap();
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r.gross, Decimal::new(11520, 2));
        assert_eq!(r.net, Decimal::new(10847, 2));
        // R-AMT-3: CIGO first band 9 % of the wage for the hours not worked: 9 % × 144.00.
        assert_eq!(r.addizionale, Decimal::new(1296, 2));
        assert_eq!(r.hours, Decimal::new(1600, 2));
        assert_eq!(r.state, RecordState::Accepted);
        // R-FLO-2: the ledger has the 16 hours of the worker.
        assert_eq!(
            w.s.fruito_balance(a.app.id, &r.worker_cf).await.unwrap(),
            1600
        );
    }
    assert_eq!(w.count(LEDGER).await, 3);
    // The hours used count at the next upload: 30 more hours exceed the 40 authorised (CA01).
    let again = w.send(&plan(&a, "30")).await.unwrap();
    assert!(!again.accepted);
    let c = codes(&again);
    assert!(c.contains(&"CA01".to_owned()), "{c:?}");
    assert!(c.contains(&"CO08".to_owned()), "{c:?}");
    assert_eq!(w.count(RECORDS).await, 3);
}

#[tokio::test]
async fn an_accepted_flow_keeps_the_period_of_its_header_and_a_refused_one_none() {
    let w = World::new().await;
    let a = w.authorised().await;
    // The header covers two months (PeriodoDa, PeriodoA); the records are in the first.
    let from = flow_month(&a.app);
    let to = from + chrono::Months::new(1);
    let (from, to) = (
        from.format("%Y-%m").to_string(),
        to.format("%Y-%m").to_string(),
    );
    let body = String::from_utf8(xml(&plan(&a, "8"))).unwrap();
    let two_months = body.replace(
        &format!("<PeriodoA>{from}</PeriodoA>"),
        &format!("<PeriodoA>{to}</PeriodoA>"),
    );
    assert_ne!(body, two_months);
    let f = w
        .submit(
            "datore.meccanica",
            two_months.as_bytes(),
            FlowFormat::Xml,
            None,
        )
        .await
        .unwrap();
    assert!(f.accepted, "{:?}", f.flow.report);
    let expected = Some(flows::FlowPeriod {
        from: from.clone(),
        to,
    });
    assert_eq!(f.flow.period, expected);
    // The list carries it with each flow (no report, no records to read).
    let p = w.who("datore.meccanica").await;
    let listed = w.s.flows_for(&p).await.unwrap();
    assert_eq!(listed[0].id, f.flow.id);
    assert_eq!(listed[0].period, expected);
    // A refused flow's header is not known to be right: no period.
    let refused = w.send(&plan(&a, "70")).await.unwrap();
    assert!(!refused.accepted);
    assert_eq!(refused.flow.period, None);
    assert_eq!(w.s.flow(&p, &refused.flow.id).await.unwrap().period, None);
    // A CSV flow carries the same header (here replacing the records just accepted).
    let mut replacing = plan(&a, "8");
    for wk in &mut replacing.employers[0].workers {
        wk.replacement = true;
    }
    let mut csv = Vec::new();
    generate_plan(&replacing, Format::Csv, &mut csv).unwrap();
    let c = w
        .submit("datore.meccanica", &csv, FlowFormat::Csv, None)
        .await
        .unwrap();
    assert!(c.accepted, "{:?}", c.flow.report);
    assert_eq!(
        c.flow.period,
        Some(flows::FlowPeriod {
            from: from.clone(),
            to: from,
        })
    );
}

#[tokio::test]
async fn a_flow_with_one_blocking_error_stores_only_its_report() {
    let w = World::new().await;
    let a = w.authorised().await;
    let mut p = plan(&a, "16");
    // One worker who is not a beneficiary of the authorisation (CP04).
    p.employers[0].workers[2].cf = "RSSMRA80A01H501U".into();
    let f = w.send(&p).await.unwrap();
    assert!(!f.accepted);
    assert_eq!(f.flow.status, FlowStatus::Refused);
    assert_eq!(f.flow.records, 0);
    assert_eq!(codes(&f), vec!["CP04".to_owned()]);
    assert_eq!(w.count(RECORDS).await, 0);
    assert_eq!(w.count(LEDGER).await, 0);
    // The refused flow is kept with its report.
    let pr = w.who("datore.meccanica").await;
    let stored = w.s.flow(&pr, &f.flow.id).await.unwrap();
    assert_eq!(stored.status, FlowStatus::Refused);
    assert_eq!(
        stored.report.unwrap()["outcome"]["outcome"],
        serde_json::json!("refused")
    );
}

/// R-FLO: the flows are only for direct payment. A flow for an authorisation on the
/// conguaglio route (the one-shot form's default) is refused with CP10 on every record and
/// stores nothing; the same flow for the direct-payment authorisation is accepted.
#[tokio::test]
async fn a_flow_for_a_conguaglio_authorisation_is_refused_and_stores_nothing() {
    let w = World::new().await;
    let direct = w.authorised().await;
    let app = omnia_services::testing::authorised_conguaglio_cigo_application(&w.s).await;
    assert!(app.offset_code.is_some(), "conguaglio: an offset code");
    assert_eq!(direct.app.offset_code, None, "direct payment: none");
    let conguaglio = Authorised {
        employer_cf: app.employer.cf.clone(),
        app,
    };
    let f = w.send(&plan(&conguaglio, "16")).await.unwrap();
    assert!(!f.accepted);
    assert_eq!(f.flow.status, FlowStatus::Refused);
    assert_eq!(f.flow.records, 0);
    assert_eq!(codes(&f), vec!["CP10".to_owned()]);
    let report = f.flow.report.clone().unwrap();
    assert_eq!(report["counts"]["CP10"], 3, "one per record: {report}");
    let number = conguaglio.app.authorisation_number.clone().unwrap();
    assert!(report.to_string().contains(&number), "{report}");
    assert_eq!(w.count(RECORDS).await, 0);
    assert_eq!(w.count(LEDGER).await, 0);
    let ok = w.send(&plan(&direct, "16")).await.unwrap();
    assert!(ok.accepted, "{:?}", ok.flow.report);
    assert_eq!(w.count(RECORDS).await, 3);
}

#[tokio::test]
async fn a_crash_in_the_middle_of_the_load_leaves_nothing_and_the_next_upload_works() {
    let w = World::new().await;
    let a = w.authorised().await;
    let body = xml(&plan(&a, "16"));
    *flows::FAIL_AFTER_ROWS.lock().unwrap() = Some(1);
    let e = w
        .submit("datore.meccanica", &body, FlowFormat::Xml, None)
        .await
        .unwrap_err();
    *flows::FAIL_AFTER_ROWS.lock().unwrap() = None;
    assert!(matches!(e, ServiceError::Internal(_)), "{e:?}");
    assert_eq!(w.count(RECORDS).await, 0);
    assert_eq!(w.count(LEDGER).await, 0);
    assert_eq!(
        w.count("SELECT COUNT(*) FROM flows").await,
        0,
        "lock released"
    );
    let f = w
        .submit("datore.meccanica", &body, FlowFormat::Xml, None)
        .await
        .unwrap();
    assert!(f.accepted);
    assert_eq!(w.count(RECORDS).await, 3);
}

#[tokio::test]
async fn a_second_flow_of_the_same_sender_while_one_is_processed_is_a_conflict() {
    let w = World::new().await;
    let a = w.authorised().await;
    let p = w.who("datore.meccanica").await;
    let mut tx = w.db.begin().await.unwrap();
    tx.insert_processing_flow(
        "00000000-0000-7000-8000-000000000001",
        &a.employer_cf,
        p.user_id,
        Utc::now(),
        "xml",
        10,
        Utc::now() - TimeDelta::hours(2),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let e = w.send(&plan(&a, "16")).await.unwrap_err();
    assert_conflict(&e, "flow_in_progress");
    assert_eq!(w.count(RECORDS).await, 0);
}

#[tokio::test]
async fn bad_input_gets_a_located_finding_and_stores_nothing() {
    let w = World::new().await;
    let a = w.authorised().await;
    let good = xml(&plan(&a, "16"));
    let good_s = String::from_utf8(good.clone()).unwrap();
    let billion_laughs = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n<FlussoCig versione=\"1\">&lol2;</FlussoCig>\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "FO01"),
        (
            "malformed",
            good_s.replacen("</Nominativo>", "</Nome>", 1).into_bytes(),
            "FO01",
        ),
        ("dtd", billion_laughs.as_bytes().to_vec(), "FO02"),
        (
            "wrong encoding",
            good_s.replacen("UTF-8", "ISO-8859-1", 1).into_bytes(),
            "FO03",
        ),
        (
            "control totals",
            good_s
                .replacen("<NumeroRecord>3<", "<NumeroRecord>4<", 1)
                .into_bytes(),
            "CO01",
        ),
        (
            "hours total",
            good_s
                .replacen("<OreTotali>48.00<", "<OreTotali>47.00<", 1)
                .into_bytes(),
            "CO02",
        ),
    ];
    for (what, body, code) in cases {
        let f = w
            .submit("datore.meccanica", &body, FlowFormat::Xml, None)
            .await
            .unwrap();
        assert!(!f.accepted, "{what}");
        let c = codes(&f);
        assert!(c.contains(&code.to_owned()), "{what}: {c:?}");
        let first = &f.flow.report.as_ref().unwrap()["findings"][0];
        assert!(
            first["line"].as_u64().unwrap() > 0 || code.starts_with("CO"),
            "{what}: {first}"
        );
    }
    // The same worker twice (CO07).
    let mut p = plan(&a, "8");
    let dup = p.employers[0].workers[0].clone();
    p.employers[0].workers.push(dup);
    let f = w.send(&p).await.unwrap();
    assert!(codes(&f).contains(&"CO07".to_owned()));
    assert_eq!(w.count(RECORDS).await, 0);
    assert_eq!(w.count(LEDGER).await, 0);
    // Nothing is left locked: the good flow goes through.
    assert!(
        w.submit("datore.meccanica", &good, FlowFormat::Xml, None)
            .await
            .unwrap()
            .accepted
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_while_it_arrives() {
    let mut spool = FlowSpool::new(1000).unwrap();
    spool.write(&[b' '; 600]).await.unwrap();
    let e = spool.write(&[b' '; 600]).await.unwrap_err();
    assert!(matches!(e, SpoolError::TooLarge { max: 1000 }), "{e:?}");
}

#[tokio::test]
async fn csv_flows_are_accepted_like_xml() {
    let w = World::new().await;
    let a = w.authorised().await;
    let mut body = Vec::new();
    generate_plan(&plan(&a, "8"), Format::Csv, &mut body).unwrap();
    let f = w
        .submit("datore.meccanica", &body, FlowFormat::Csv, None)
        .await
        .unwrap();
    assert!(f.accepted, "{:?}", f.flow.report);
    assert_eq!(f.flow.records, 3);
}

#[tokio::test]
async fn operators_read_the_flows_with_records_of_their_office_and_change_nothing() {
    let w = World::new().await;
    let a = w.authorised().await;
    let f = w.send(&plan(&a, "8")).await.unwrap();
    assert!(f.accepted, "{:?}", f.flow.report);
    // A refused flow holds no record: no office to show it to.
    let refused = w.send(&plan(&a, "70")).await.unwrap();
    assert!(!refused.accepted);
    // Milano serves the UP of the authorisation (it decided it): list, report, records.
    let milano = w.who("operatore.milano").await;
    let listed = w.s.flows_for(&milano).await.unwrap();
    assert_eq!(
        listed.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        vec![f.flow.id.as_str()]
    );
    let seen = w.s.flow(&milano, &f.flow.id).await.unwrap();
    assert!(seen.report.is_some());
    assert_eq!(
        w.s.flow_records(&milano, &f.flow.id).await.unwrap().len(),
        3
    );
    assert!(matches!(
        w.s.flow(&milano, &refused.flow.id).await,
        Err(ServiceError::NotFound)
    ));
    // Read-only: no eliminazione, no upload.
    let record = w.s.flow_records(&milano, &f.flow.id).await.unwrap()[0].id;
    assert!(matches!(
        w.s.delete_flow_record(&milano, &f.flow.id, record).await,
        Err(ServiceError::NotFound)
    ));
    let sent = w
        .submit(
            "operatore.milano",
            &xml(&plan(&a, "8")),
            FlowFormat::Xml,
            None,
        )
        .await;
    assert!(matches!(sent, Err(ServiceError::Forbidden)), "{sent:?}");
    // Roma serves none of its UPs: nothing listed, the flow is not found.
    let roma = w.who("operatore.roma").await;
    assert!(w.s.flows_for(&roma).await.unwrap().is_empty());
    for r in [
        w.s.flow(&roma, &f.flow.id).await.map(|_| ()),
        w.s.flow_records(&roma, &f.flow.id).await.map(|_| ()),
    ] {
        assert!(matches!(r, Err(ServiceError::NotFound)), "{r:?}");
    }
    // Administrators have no flow view.
    let admin = w.who("admin").await;
    assert!(matches!(
        w.s.flows_for(&admin).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        w.s.flow(&admin, &f.flow.id).await,
        Err(ServiceError::NotFound)
    ));
}

#[tokio::test]
async fn another_employer_cannot_send_or_see_a_flow_for_this_authorisation() {
    let w = World::new().await;
    let a = w.authorised().await;
    let body = xml(&plan(&a, "8"));
    // Another employer's user: the authorisation is not theirs (CP01/CP02), nothing stored.
    let f = w
        .submit("datore.bottega", &body, FlowFormat::Xml, None)
        .await
        .unwrap();
    assert!(!f.accepted);
    assert_eq!(w.count(RECORDS).await, 0);
    let ok = w
        .submit("datore.meccanica", &body, FlowFormat::Xml, None)
        .await
        .unwrap();
    let other = w.who("datore.bottega").await;
    assert!(matches!(
        w.s.flow(&other, &ok.flow.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.flow_records(&other, &ok.flow.id).await,
        Err(ServiceError::NotFound)
    ));
    // Nor does an operator of an office that serves none of its UPs.
    let op = w.who("operatore.roma").await;
    assert!(w.s.flows_for(&op).await.unwrap().is_empty());
    let _ = NewPaymentBatch::default();
}

#[tokio::test]
async fn records_can_be_deleted_or_replaced_until_they_are_in_payment_then_paid() {
    let w = World::new().await;
    let a = w.authorised().await;
    let f = w.send(&plan(&a, "16")).await.unwrap();
    let p = w.who("datore.meccanica").await;
    let recs = w.s.flow_records(&p, &f.flow.id).await.unwrap();
    // R-FLO-2 eliminazione: the record is deleted and its hours reversed in the ledger.
    let del =
        w.s.delete_flow_record(&p, &f.flow.id, recs[0].id)
            .await
            .unwrap();
    assert_eq!(del.state, RecordState::Deleted);
    assert_eq!(
        w.s.fruito_balance(a.app.id, &recs[0].worker_cf)
            .await
            .unwrap(),
        0
    );
    // Replacement: the second worker re-sent with tipo S supersedes the earlier record.
    let mut rp = plan(&a, "8");
    rp.employers[0].workers = vec![rp.employers[0].workers[1].clone()];
    rp.employers[0].workers[0].replacement = true;
    let r = w.send(&rp).await.unwrap();
    assert!(r.accepted, "{:?}", r.flow.report);
    assert_eq!(
        w.s.fruito_balance(a.app.id, &recs[1].worker_cf)
            .await
            .unwrap(),
        800
    );
    let old = w.s.flow_records(&p, &f.flow.id).await.unwrap();
    assert_eq!(old[1].state, RecordState::Replaced);
    // R-FLO-4: the operator pays the live records (worker 2's replacement, worker 3).
    let op = w.who("operatore.milano").await;
    let office = w.s.office_scope(&op).unwrap();
    let b =
        w.s.create_payment_batch(&office, NewPaymentBatch::default())
            .await
            .unwrap();
    assert_eq!(b.records, 2);
    let xml_out = w.s.payment_batch_pain001(&office, &b.id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pain001.xml");
    std::fs::write(&path, &xml_out).unwrap();
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/sepa/pain.001.001.09.xsd"
    );
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(&path)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // In payment: neither deletion nor replacement any more.
    let e =
        w.s.delete_flow_record(&p, &f.flow.id, recs[2].id)
            .await
            .unwrap_err();
    assert_conflict(&e, "record_in_payment");
    let mut rp3 = plan(&a, "8");
    rp3.employers[0].workers = vec![rp3.employers[0].workers[2].clone()];
    rp3.employers[0].workers[0].replacement = true;
    let e = w.send(&rp3).await.unwrap_err();
    assert_conflict(&e, "record_in_payment");
    let paid = w.s.mark_batch_paid(&office, &b.id).await.unwrap();
    assert_eq!(paid.status, omnia_store::BatchStatus::Paid);
    let now = w.s.flow_records(&p, &f.flow.id).await.unwrap();
    assert_eq!(now[2].state, RecordState::Paid, "the employer sees it paid");
}

#[tokio::test]
async fn the_demo_served_on_a_fresh_start_has_an_accepted_and_a_refused_flow_and_a_paid_batch() {
    let db = fresh_db().await;
    let s = Services::new(db.db().clone());
    let report = demo::load_with_flows(&s).await.expect("demo data loads");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!((report.flows, report.payment_batches), (2, 1));
    let p = s
        .principal_by_username("datore.meccanica")
        .await
        .unwrap()
        .unwrap();
    let flows = s.flows_for(&p).await.unwrap();
    let status: Vec<FlowStatus> = flows.iter().map(|f| f.status).collect();
    assert!(status.contains(&FlowStatus::Accepted), "{status:?}");
    assert!(status.contains(&FlowStatus::Refused), "{status:?}");
    let refused = flows
        .iter()
        .find(|f| f.status == FlowStatus::Refused)
        .unwrap();
    let refused = s.flow(&p, &refused.id).await.unwrap();
    let report = refused.report.unwrap();
    assert!(report["counts"].get("CP04").is_some(), "{report}");
    let accepted = flows
        .iter()
        .find(|f| f.status == FlowStatus::Accepted)
        .unwrap();
    // R-FLO-4: the batch is paid and the employer sees its workers paid.
    for r in s.flow_records(&p, &accepted.id).await.unwrap() {
        assert_eq!(r.state, RecordState::Paid);
    }
    let op = s
        .principal_by_username("operatore.milano")
        .await
        .unwrap()
        .unwrap();
    let batches = s
        .payment_batches(&s.office_scope(&op).unwrap())
        .await
        .unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].status, omnia_store::BatchStatus::Paid);
}
