//! Guided intake (issue 4) at the service level: saves keep what was typed, and each check
//! fires for the rule it cites. Fresh demo database per test, on the backend of
//! `OMNIA_TEST_DATABASE_URL` (SQLite when unset).

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use omnia_documents::blobs::{BlobStore, MemoryStore};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_services::*;
use omnia_store::testing::{TestDb, fresh_db};

struct World {
    _db: TestDb,
    s: Services,
    clock: Arc<ManualClock>,
    blobs: Arc<MemoryStore>,
}

impl World {
    async fn new() -> World {
        let db = fresh_db().await;
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let blobs = Arc::new(MemoryStore::new());
        let s = Services::with_clock(db.db().clone(), clock.clone()).blobs_in(blobs.clone());
        demo::load(&s).await.expect("demo data loads");
        World {
            _db: db,
            s,
            clock,
            blobs,
        }
    }

    async fn who(&self, username: &str) -> Principal {
        self.s
            .principal_by_username(username)
            .await
            .unwrap()
            .expect(username)
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    fn next_monday(&self) -> NaiveDate {
        let mut d = self.today() + TimeDelta::days(1);
        while d.weekday() != Weekday::Mon {
            d += TimeDelta::days(1);
        }
        d
    }

    /// A guided draft of `username`'s employer for `benefit` on its first UP.
    async fn draft(
        &self,
        username: &str,
        benefit: Benefit,
    ) -> (Principal, EmployerDetail, ApplicationView) {
        let p = self.who(username).await;
        let scope = self
            .s
            .employer_scope(&p, p.employer_id.unwrap())
            .await
            .unwrap();
        let detail = self.s.employer_detail(&scope).await.unwrap();
        let view = self
            .s
            .start_draft(
                &scope,
                StartDraft {
                    benefit,
                    unit_id: Some(detail.units[0].id),
                    confirm_non_compatible: false,
                },
            )
            .await
            .unwrap();
        (p, detail, view)
    }

    async fn request(
        &self,
        p: &Principal,
        v: &ApplicationView,
        causale: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> ApplicationView {
        self.s
            .save_request(
                p,
                v.id,
                v.version,
                RequestSection {
                    unit_id: Some(v.unit.id),
                    causale: Some(causale.into()),
                    request_kind: Some(RequestKind::PrimaRichiesta),
                    kind: Some(ReductionKind::Sospensione),
                    start: Some(start),
                    effective_start: Some(start),
                    end: Some(end),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }

    /// A submitted CIGO application of `v`'s UP for `start..=end`, extending `extends` when
    /// given. Written straight to the store: past periods cannot be filed any more
    /// (R-APP-4), and filing through the wizard is walked by the other tests.
    async fn submitted_cigo(
        &self,
        p: &Principal,
        v: &ApplicationView,
        start: NaiveDate,
        end: NaiveDate,
        extends: Option<ApplicationId>,
    ) -> ApplicationId {
        let content = DraftContent {
            request: RequestSection {
                unit_id: Some(v.unit.id),
                causale: Some("MLC".into()),
                request_kind: Some(if extends.is_some() {
                    RequestKind::Proroga
                } else {
                    RequestKind::PrimaRichiesta
                }),
                extends,
                kind: Some(ReductionKind::Sospensione),
                start: Some(start),
                end: Some(end),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = ApplicationId::new_v7();
        let mut tx = self._db.db().begin().await.unwrap();
        tx.insert_application(&omnia_store::applications::NewApplicationRow {
            id,
            employer_id: v.employer.id,
            unit_id: v.unit.id,
            benefit: "cigo".into(),
            causale: "MLC".into(),
            kind: "sospensione".into(),
            start_date: start,
            end_date: end,
            created_by: p.user_id,
            created_at: self.clock.now(),
            content: Some(serde_json::to_string(&content).unwrap()),
        })
        .await
        .unwrap();
        let version = tx.application(id).await.unwrap().unwrap().version;
        let n = id.0.simple().to_string();
        assert!(
            tx.mark_submitted(id, version, &n, &n, self.clock.now(), "{}")
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        id
    }

    async fn codes(
        &self,
        p: &Principal,
        v: &ApplicationView,
    ) -> Vec<(&'static str, CheckSeverity, String)> {
        self.s
            .checks(p, v.id)
            .await
            .unwrap()
            .into_iter()
            .map(|f| (f.code, f.severity, f.rule))
            .collect()
    }
}

fn has(codes: &[(&'static str, CheckSeverity, String)], code: &str) -> bool {
    codes.iter().any(|(c, ..)| *c == code)
}

#[tokio::test]
async fn a_save_keeps_what_was_typed_and_the_checks_report_the_rule() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let start = w.next_monday();
    // End before start: stored as typed, reported by the checks.
    let v2 = w
        .request(&p, &v, "MLC", start, start - TimeDelta::days(3))
        .await;
    let content = v2.content.clone().unwrap();
    assert_eq!(content.request.end, Some(start - TimeDelta::days(3)));
    assert!(v2.version > v.version);
    assert!(has(&w.codes(&p, &v2).await, "end_before_start"));
    // Zero hours and an unknown worker are kept too.
    let v3 =
        w.s.save_workers(
            &p,
            v.id,
            v2.version,
            vec![WorkerEntry {
                worker_id: WorkerId(999_999),
                hours: Some(0),
                days: None,
            }],
        )
        .await
        .unwrap();
    assert_eq!(v3.content.as_ref().unwrap().workers.len(), 1);
    assert!(has(&w.codes(&p, &v3).await, "unknown_worker"));
    // A stale version is refused: optimistic concurrency.
    let stale = w.s.save_headcount(&p, v.id, v2.version, vec![]).await;
    assert!(
        matches!(
            stale,
            Err(ServiceError::Conflict {
                code: "concurrent_update",
                ..
            })
        ),
        "{stale:?}"
    );
}

/// Autosave: saving what is already saved writes nothing — no new version, no audit event —
/// so a save of a field that only lost focus cannot make a concurrent save stale.
#[tokio::test]
async fn an_unchanged_save_writes_nothing() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let start = w.next_monday();
    let v = w
        .request(&p, &v, "MLC", start, start + TimeDelta::days(4))
        .await;
    let again = w
        .request(&p, &v, "MLC", start, start + TimeDelta::days(4))
        .await;
    assert_eq!(again.version, v.version);
    let changed = w
        .request(&p, &v, "MLC", start, start + TimeDelta::days(3))
        .await;
    assert!(changed.version > v.version);
}

#[tokio::test]
async fn r_app_4_late_filing_is_forceable_and_names_the_covered_start() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    // Started five weeks ago, still running: the 15 days are over (R-APP-3).
    let start = w.today() - TimeDelta::days(35);
    let v = w
        .request(&p, &v, "MLC", start, w.today() + TimeDelta::days(20))
        .await;
    let findings = w.s.checks(&p, v.id).await.unwrap();
    let late = findings
        .iter()
        .find(|f| f.code == "late_filing")
        .expect("late_filing");
    assert_eq!(late.severity, CheckSeverity::Forceable);
    assert_eq!(late.rule, "R-APP-4");
    let cover = omnia_domain::evaluation::deadlines::late_cover_start(w.today());
    assert!(
        late.message_it
            .contains(&cover.format("%d/%m/%Y").to_string()),
        "{}",
        late.message_it
    );
    let review = w.s.review(&p, v.id).await.unwrap();
    assert_eq!(review.deadline.unwrap()["on_time"], false);
}

#[tokio::test]
async fn r_app_3_fis_cannot_be_filed_more_than_30_days_before_the_start() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.commercio", Benefit::AisFis).await;
    let start = w.today() + TimeDelta::days(45);
    let v = w
        .request(&p, &v, "GMM", start, start + TimeDelta::days(6))
        .await;
    let codes = w.codes(&p, &v).await;
    assert!(codes.iter().any(|(c, s, r)| *c == "filing_too_early"
        && *s == CheckSeverity::Blocking
        && r == "R-APP-3"));
}

#[tokio::test]
async fn r_lim_1_a_cigo_request_above_13_weeks_exceeds_and_the_counters_come_back() {
    let w = World::new().await;
    let (p, detail, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let start = w.next_monday();
    let v = w
        .request(
            &p,
            &v,
            "MLC",
            start,
            start + TimeDelta::weeks(20) - TimeDelta::days(1),
        )
        .await;
    let worker = detail
        .workers
        .iter()
        .find(|x| x.unit_id == v.unit.id && x.eligible)
        .unwrap();
    let v =
        w.s.save_workers(
            &p,
            v.id,
            v.version,
            vec![WorkerEntry {
                worker_id: worker.id,
                hours: Some(40),
                days: None,
            }],
        )
        .await
        .unwrap();
    let review = w.s.review(&p, v.id).await.unwrap();
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.code == "limit_exceeded" && f.rule == "R-LIM-1"),
        "{:?}",
        review.findings
    );
    assert!(
        review.limits.get("R-LIM-2").is_some(),
        "biennio counter shown: {}",
        review.limits
    );
}

#[tokio::test]
async fn r_lim_1_a_proroga_links_a_submitted_application_of_the_same_up() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let other = w.s.applications_for(&p).await.unwrap();
    let submitted = other
        .iter()
        .find(|a| a.protocol_number.is_some())
        .expect("demo has a submitted application")
        .clone();
    let unit = submitted.unit_id;
    let save = |extends| {
        let s = w.s.clone();
        let p = p.clone();
        async move {
            let cur = s.application(&p, v.id).await.unwrap();
            s.save_request(
                &p,
                v.id,
                cur.version,
                RequestSection {
                    unit_id: Some(unit),
                    request_kind: Some(RequestKind::Proroga),
                    extends,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    save(None).await;
    assert!(has(&w.codes(&p, &v).await, "extends_required"));
    save(Some(v.id)).await;
    assert!(has(&w.codes(&p, &v).await, "extends_invalid"));
    save(Some(submitted.id)).await;
    let codes = w.codes(&p, &v).await;
    assert!(
        !has(&codes, "extends_invalid") && !has(&codes, "extends_required"),
        "{codes:?}"
    );
}

/// R-LIM-1: a CIGO request covers at most 13 weeks, and extensions (proroghe) reach at most
/// 52: a proroga counts with the chain of applications it extends; a first request does not.
#[tokio::test]
async fn r_lim_1_a_proroga_counts_with_the_chain_it_extends_a_first_request_does_not() {
    let w = World::new().await;
    let (p, detail, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let start = w.next_monday();
    let weeks = |n: i64| TimeDelta::weeks(n);
    // Four 13-week applications of the UP, back to back, each extending the one before.
    let mut chain = Vec::new();
    for k in (1..=4).rev() {
        let from = start - weeks(13 * k);
        let id = w
            .submitted_cigo(
                &p,
                &v,
                from,
                from + weeks(13) - TimeDelta::days(1),
                chain.last().copied(),
            )
            .await;
        chain.push(id);
    }
    let worker = detail
        .workers
        .iter()
        .find(|x| x.unit_id == v.unit.id && x.eligible)
        .unwrap();
    let v =
        w.s.save_workers(
            &p,
            v.id,
            v.version,
            vec![WorkerEntry {
                worker_id: worker.id,
                hours: Some(40),
                days: None,
            }],
        )
        .await
        .unwrap();
    // 13 more weeks: within the per-request limit in every case.
    let request = |kind, extends| RequestSection {
        unit_id: Some(v.unit.id),
        causale: Some("MLC".into()),
        request_kind: Some(kind),
        extends,
        kind: Some(ReductionKind::Sospensione),
        start: Some(start),
        end: Some(start + weeks(13) - TimeDelta::days(1)),
        ..Default::default()
    };
    let review_with = |section: RequestSection| {
        let (s, p) = (w.s.clone(), p.clone());
        async move {
            let cur = s.application(&p, v.id).await.unwrap();
            s.save_request(&p, v.id, cur.version, section)
                .await
                .unwrap();
            s.review(&p, v.id).await.unwrap()
        }
    };
    let r_lim_1 = |r: &Review| {
        r.findings
            .iter()
            .filter(|f| f.code == "limit_exceeded" && f.rule == "R-LIM-1")
            .map(|f| f.severity)
            .collect::<Vec<_>>()
    };

    // Extending the fourth: 52 weeks already in the chain + 13 > 52.
    let review = review_with(request(RequestKind::Proroga, Some(chain[3]))).await;
    assert_eq!(
        review.limits["R-LIM-1-proroga"]["used"], "52",
        "{}",
        review.limits
    );
    assert_eq!(review.limits["R-LIM-1-proroga"]["exceeded"], true);
    assert_eq!(
        review.limits["R-LIM-1"]["exceeded"], false,
        "13 weeks per request"
    );
    assert_eq!(r_lim_1(&review), vec![CheckSeverity::Blocking]);

    // Extending the second: its chain is 26 weeks, 26 + 13 fits.
    let review = review_with(request(RequestKind::Proroga, Some(chain[1]))).await;
    assert_eq!(review.limits["R-LIM-1-proroga"]["used"], "26");
    assert_eq!(review.limits["R-LIM-1-proroga"]["residual_after"], "13");
    assert!(r_lim_1(&review).is_empty(), "{:?}", review.findings);

    // The same period as a first request: no chain, no R-LIM-1 finding.
    let review = review_with(request(RequestKind::PrimaRichiesta, Some(chain[3]))).await;
    assert!(
        review.limits.get("R-LIM-1-proroga").is_none(),
        "{}",
        review.limits
    );
    assert!(r_lim_1(&review).is_empty(), "{:?}", review.findings);
}

#[tokio::test]
async fn union_procedure_is_asked_for_industry_not_for_construction_first_requests_nor_cisoa() {
    let w = World::new().await;
    for (user, benefit, causale, asked) in [
        ("datore.meccanica", Benefit::Cigo, "MLC", true),
        ("datore.edile", Benefit::Cigo, "MLC", false),
        ("azienda.agricola", Benefit::Cisoa, "90", false),
    ] {
        let (p, _, v) = w.draft(user, benefit).await;
        let start = w.next_monday();
        let v = w
            .request(&p, &v, causale, start, start + TimeDelta::days(4))
            .await;
        assert_eq!(
            has(&w.codes(&p, &v).await, "union_declaration_required"),
            asked,
            "{user}"
        );
    }
}

/// R-APP: construction asks for the union procedure only on extensions beyond 13 weeks, and
/// an extension's weeks are those of its whole chain (R-LIM-1).
#[tokio::test]
async fn construction_asks_the_union_procedure_once_the_chain_passes_13_weeks() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.edile", Benefit::Cigo).await;
    let start = w.next_monday();
    let day = TimeDelta::days(1);
    let a = w
        .submitted_cigo(
            &p,
            &v,
            start - TimeDelta::weeks(12),
            start - TimeDelta::weeks(4) - day,
            None,
        )
        .await;
    let b = w
        .submitted_cigo(&p, &v, start - TimeDelta::weeks(4), start - day, Some(a))
        .await;
    let asked = |extends| {
        let (s, p) = (w.s.clone(), p.clone());
        async move {
            let cur = s.application(&p, v.id).await.unwrap();
            let section = RequestSection {
                unit_id: Some(v.unit.id),
                causale: Some("MLC".into()),
                request_kind: Some(RequestKind::Proroga),
                extends: Some(extends),
                kind: Some(ReductionKind::Sospensione),
                start: Some(start),
                end: Some(start + TimeDelta::weeks(2) - day),
                ..Default::default()
            };
            let v = s
                .save_request(&p, v.id, cur.version, section)
                .await
                .unwrap();
            let findings = s.checks(&p, v.id).await.unwrap();
            assert!(
                !findings.iter().any(|f| f.code == "extends_invalid"),
                "{findings:?}"
            );
            findings
                .iter()
                .any(|f| f.code == "union_declaration_required")
        }
    };
    assert!(!asked(a).await, "8 + 2 weeks");
    assert!(asked(b).await, "8 + 4 + 2 weeks");
}

#[tokio::test]
async fn direct_payment_needs_the_difficulty_declaration() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let decl = |difficulty| DeclarationsSection {
        payment_mode: Some(PaymentMode::PagamentoDiretto),
        financial_difficulty: difficulty,
        ..Default::default()
    };
    let v =
        w.s.save_declarations(&p, v.id, v.version, decl(false))
            .await
            .unwrap();
    assert!(has(
        &w.codes(&p, &v).await,
        "difficulty_declaration_required"
    ));
    let v =
        w.s.save_declarations(&p, v.id, v.version, decl(true))
            .await
            .unwrap();
    assert!(!has(
        &w.codes(&p, &v).await,
        "difficulty_declaration_required"
    ));
}

#[test]
fn r_app_2_quarters_sum_to_yearly_totals_only_when_complete() {
    let q = |year, quarter, f| QuarterIndicators {
        year,
        quarter,
        values: IndicatorValues {
            fatturato: Some(f),
            risultato_operativo: Some(1),
            risultato_impresa: Some(1),
            indebitamento: Some(1),
        },
    };
    let ind = IndicatorsSection {
        granularity: IndicatorsGranularity::Quarterly,
        years: vec![],
        quarters: vec![
            q(2024, 1, 10),
            q(2024, 2, 20),
            q(2024, 3, 30),
            q(2024, 4, 40),
            q(2025, 1, 5),
        ],
    };
    let t = ind.yearly_totals();
    assert_eq!(t[0].year, 2024);
    assert_eq!(t[0].values.fatturato, Some(100));
    assert!(t[0].values.is_complete());
    assert_eq!(
        t[1].values.fatturato, None,
        "a year with one quarter has no total"
    );
}

#[tokio::test]
async fn r_app_6_one_shot_submission_still_works_and_stores_a_receipt() {
    let w = World::new().await;
    let before = w.blobs.len();
    let p = w.who("datore.meccanica").await;
    // The demo's one-shot draft (the guided demo draft has a content).
    let mut draft = None;
    for a in w.s.applications_for(&p).await.unwrap() {
        let v = w.s.application(&p, a.id).await.unwrap();
        if v.state == ApplicationState::Draft && v.content.is_none() {
            draft = Some(v);
        }
    }
    if let Some(d) = draft {
        let v = w.s.submit(&p, d.id).await.unwrap();
        assert!(v.has_receipt);
        assert_eq!(w.blobs.len(), before + 1);
        let pdf = w.s.receipt_pdf(&p, d.id).await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let key = omnia_documents::blobs::BlobKey::parse(&format!(
            "receipts/{}.pdf",
            v.protocol_number.unwrap()
        ))
        .unwrap();
        assert_eq!(w.blobs.get(&key).await.unwrap(), pdf);
    }
}

/// R-CAUS-1 with date-effective reference data: the checks use the version in force on the
/// submission day. A published version that closes a causale from tomorrow makes the same
/// draft fail that check once tomorrow comes, and not before.
#[tokio::test]
async fn r_caus_1_checks_use_the_reference_version_in_force_on_the_submission_day() {
    let w = World::new().await;
    let (p, _, v) = w.draft("datore.meccanica", Benefit::Cigo).await;
    let start = w.next_monday() + TimeDelta::days(7);
    let v = w
        .request(&p, &v, "MLC", start, start + TimeDelta::days(4))
        .await;
    assert!(!has(&w.codes(&p, &v).await, "causale_not_for_benefit"));

    let today = w.today();
    let mut document = serde_json::to_value(omnia_domain::reference::Reference::builtin()).unwrap();
    let o = document.as_object_mut().unwrap();
    o.remove("version");
    o.remove("effective_from");
    for c in o["causali"].as_array_mut().unwrap() {
        if c["code"] == "MLC" {
            c["valid_to"] = serde_json::json!(today);
        }
    }
    let admin = w.who("admin").await;
    let admin = w.s.admin_scope(&admin).unwrap();
    w.s.publish_reference_version(
        &admin,
        "test-mlc-closed",
        today + TimeDelta::days(1),
        &document.to_string(),
    )
    .await
    .expect("published");
    assert!(
        !has(&w.codes(&p, &v).await, "causale_not_for_benefit"),
        "today the built-in version is still in force"
    );

    w.clock.advance(TimeDelta::days(2));
    assert!(
        has(&w.codes(&p, &v).await, "causale_not_for_benefit"),
        "from its effective date the published version decides"
    );
}

/// R-LIM-9, P27: the operator authorises CISOA in whole days; the hours column follows as
/// days × the worker's contractual daily hours, and hours sent for CISOA are refused by name.
#[tokio::test]
async fn a_cisoa_decision_authorises_whole_days_and_the_hours_they_stand_for() {
    use omnia_domain::quantity::Requested;
    use rust_decimal::Decimal;
    let w = World::new().await;
    let (p, detail, v) = w.draft("azienda.agricola", Benefit::Cisoa).await;
    let worker = detail
        .workers
        .iter()
        .find(|x| x.unit_id == v.unit.id && x.eligible)
        .unwrap();
    let hours_of = |days: u32| {
        Requested::Days(days).whole_hours(
            Decimal::from(worker.weekly_hours),
            u32::try_from(worker.working_days_per_week).unwrap(),
        )
    };
    let start = w.next_monday();
    let id = ApplicationId::new_v7();
    let mut tx = w._db.db().begin().await.unwrap();
    tx.insert_application(&omnia_store::applications::NewApplicationRow {
        id,
        employer_id: v.employer.id,
        unit_id: v.unit.id,
        benefit: "cisoa".into(),
        causale: "90".into(),
        kind: "sospensione".into(),
        start_date: start,
        end_date: start + TimeDelta::days(5),
        created_by: p.user_id,
        created_at: w.clock.now(),
        content: None,
    })
    .await
    .unwrap();
    tx.insert_application_worker(id, worker.id, hours_of(3), Some(3))
        .await
        .unwrap();
    let version = tx.application(id).await.unwrap().unwrap().version;
    let n = id.0.simple().to_string();
    assert!(
        tx.mark_submitted(id, version, &n, &n, w.clock.now(), "{}")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    let op = w.who("operatore.roma").await;
    let office = w.s.office_scope(&op).unwrap();
    let in_hours =
        w.s.decide(
            &office,
            id,
            Decision {
                outcome: Outcome::Authorised,
                motivation: Some("Autorizzate due giornate.".into()),
                hours: Some(vec![(worker.id, 8)]),
                days: None,
            },
        )
        .await;
    match in_hours {
        Err(ServiceError::Validation(errors)) => {
            assert!(
                errors.iter().any(|e| e.code == "cisoa_in_days"),
                "{errors:?}"
            )
        }
        other => panic!("hours for CISOA must be refused: {other:?}"),
    }
    let decided =
        w.s.decide(
            &office,
            id,
            Decision {
                outcome: Outcome::Authorised,
                motivation: Some("Autorizzate due giornate su tre.".into()),
                hours: None,
                days: Some(vec![(worker.id, 2)]),
            },
        )
        .await
        .unwrap();
    assert_eq!(decided.state, ApplicationState::PartiallyAuthorised);
    assert_eq!(decided.workers[0].days_requested, Some(3));
    assert_eq!(decided.workers[0].days_authorised, Some(2));
    assert_eq!(decided.workers[0].hours_authorised, Some(hours_of(2)));
}
