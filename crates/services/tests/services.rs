//! Service-level tests: they read like the rules they check. Each test gets a fresh
//! database with the demo data, on the backend of `OMNIA_TEST_DATABASE_URL` (SQLite when
//! unset).

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta, Utc};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::ids::CodiceFiscale;
use omnia_services::demo::{self, DEMO_PASSWORD};
use omnia_services::*;
use omnia_store::testing::{TestDb, fresh_db};

struct World {
    db: TestDb,
    s: Services,
    clock: Arc<ManualClock>,
}

impl World {
    async fn new() -> World {
        let db = fresh_db().await;
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let s = Services::with_clock(db.db().clone(), clock.clone());
        let report = demo::load(&s).await.expect("demo data loads");
        assert!(report.loaded);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.applications, 7);
        assert_eq!(report.guided_drafts, 4);
        World { db, s, clock }
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

    async fn employer_of(&self, username: &str) -> EmployerScope {
        let p = self.who(username).await;
        self.s
            .employer_scope(&p, p.employer_id.unwrap())
            .await
            .unwrap()
    }

    /// A valid CIGO request for the first UP of `username`'s employer: 4 weeks from next
    /// Monday-ish, `n` eligible workers with 40 hours each.
    async fn cigo_input(&self, scope: &EmployerScope, n: usize) -> NewApplication {
        let d = self.s.employer_detail(scope).await.unwrap();
        let unit = d.units[0].id;
        let start = self.today() + TimeDelta::days(2);
        NewApplication {
            unit_id: unit,
            benefit: Benefit::Cigo,
            causale: "MLC".into(),
            kind: ReductionKind::Riduzione,
            start,
            end: start + TimeDelta::days(27),
            workers: d
                .workers
                .iter()
                .filter(|w| w.unit_id == unit && w.eligible)
                .take(n)
                .map(|w| RequestedWorker::hours(w.id, 40))
                .collect(),
        }
    }

    async fn submitted_meccanica_application(&self) -> ApplicationView {
        let scope = self.employer_of("datore.meccanica").await;
        let input = self.cigo_input(&scope, 3).await;
        let draft = self.s.create_draft(&scope, input).await.unwrap();
        let p = self.who("datore.meccanica").await;
        self.s.submit(&p, draft.id).await.unwrap()
    }

    async fn count_rows(&self) -> (usize, i64) {
        let mut tx = self.db.read().await.unwrap();
        let apps: usize = {
            let mut n = 0;
            for e in tx.employers().await.unwrap() {
                n += tx.applications_of_employer(e.id).await.unwrap().len();
            }
            n
        };
        let audit = tx.verify_audit_chain().await.unwrap().events;
        (apps, audit)
    }
}

fn codes(e: &ServiceError) -> Vec<(&str, &'static str)> {
    match e {
        ServiceError::Validation(v) => v.iter().map(|f| (f.pointer.as_str(), f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// ---- demo data ---------------------------------------------------------------------------

#[tokio::test]
async fn demo_data_loads_once_with_valid_codici_fiscali() {
    let w = World::new().await;
    let again = demo::load(&w.s).await.unwrap();
    assert!(!again.loaded, "a second load is a no-op");

    let mut tx = w.db.read().await.unwrap();
    let employers = tx.employers().await.unwrap();
    assert_eq!(employers.len(), 6);
    for e in &employers {
        CodiceFiscale::parse(&e.cf).unwrap_or_else(|err| panic!("{}: {err}", e.name));
        let workers = tx.workers_of_employer(e.id).await.unwrap();
        assert!(
            (5..=50).contains(&workers.len()),
            "{}: {} workers",
            e.name,
            workers.len()
        );
    }
    let cfs = tx.all_worker_cfs().await.unwrap();
    assert!(cfs.len() > 80);
    for cf in &cfs {
        let parsed = CodiceFiscale::parse(cf).unwrap_or_else(|err| panic!("{cf}: {err}"));
        assert!(parsed.is_person());
    }
    assert!(employers.iter().any(|e| e.edile_lapideo));
    assert!(employers.iter().any(|e| e.agricultural));
    assert!(
        employers
            .iter()
            .any(|e| e.fund_code.as_deref() == Some("attivita_professionali"))
    );

    // Some workers were hired less than 30 days ago; some are dirigenti.
    let today = w.today();
    let mut recent = 0;
    let mut dirigenti = 0;
    for e in &employers {
        for wk in tx.workers_of_employer(e.id).await.unwrap() {
            recent += usize::from((today - wk.hire_date).num_days() < 30);
            dirigenti += usize::from(wk.qualifica == Qualifica::Dirigente);
        }
    }
    assert!(recent > 0 && dirigenti > 0);

    // Every demo user logs in with the documented password.
    for u in tx.users().await.unwrap() {
        assert!(
            w.s.authenticate(&u.username, DEMO_PASSWORD).await.is_ok(),
            "{}",
            u.username
        );
    }
}

/// A newcomer finds a guided draft of each benefit family (issue 4) filled up to the review:
/// every section given, no blocking finding (R-APP-1/2 report and indicators included); the
/// CISOA one asks to confirm the 181 days with a note (R-ELIG-3), as a real one would.
#[tokio::test]
async fn demo_has_a_guided_draft_per_benefit_family_ready_for_the_review() {
    let w = World::new().await;
    for (user, benefit, forceable) in [
        ("datore.meccanica", Benefit::Cigo, false),
        ("datore.commercio", Benefit::AisFis, false),
        ("studio.associato", Benefit::AisFondo, false),
        ("azienda.agricola", Benefit::Cisoa, true),
    ] {
        let p = w.who(user).await;
        let mut guided = Vec::new();
        for a in w.s.applications_for(&p).await.unwrap() {
            let v = w.s.application(&p, a.id).await.unwrap();
            if v.state == ApplicationState::Draft && v.content.is_some() && v.benefit == benefit {
                guided.push(v);
            }
        }
        assert_eq!(guided.len(), 1, "{user}: one guided draft");
        let v = &guided[0];
        let c = v.content.as_ref().unwrap();
        assert!(
            c.request.causale.is_some() && c.request.start.is_some(),
            "{user}"
        );
        assert!(
            !c.workers.is_empty() && !c.report.fields.is_empty(),
            "{user}"
        );
        let review = w.s.review(&p, v.id).await.unwrap();
        let blocking: Vec<_> = review
            .findings
            .iter()
            .filter(|f| f.severity == CheckSeverity::Blocking)
            .map(|f| (f.code, f.message_it.clone()))
            .collect();
        assert!(blocking.is_empty(), "{user}: {blocking:?}");
        assert_eq!(
            review.forceable > 0,
            forceable,
            "{user}: {:?}",
            review.findings
        );
        assert!(review.deadline.is_some(), "{user}: the deadline is shown");
    }
    // The quarterly indicators of the FIS draft give the yearly totals (R-APP-2).
    let p = w.who("datore.commercio").await;
    for a in w.s.applications_for(&p).await.unwrap() {
        let v = w.s.application(&p, a.id).await.unwrap();
        if v.state == ApplicationState::Draft {
            assert_eq!(v.indicator_totals.len(), 2);
            assert!(v.indicator_totals.iter().all(|t| t.values.is_complete()));
        }
    }
}

#[tokio::test]
async fn demo_bottega_is_the_fis_employer_with_at_most_five_employees() {
    let w = World::new().await;
    let scope = w.employer_of("datore.bottega").await;
    let d = w.s.employer_detail(&scope).await.unwrap();
    let last = &d.headcount[0].semester;
    let total: i64 = d
        .headcount
        .iter()
        .filter(|h| &h.semester == last)
        .map(|h| h.avg_workers_hundredths)
        .sum();
    assert!(total <= 500, "{total}");
    let scope = w.employer_of("datore.commercio").await;
    let d = w.s.employer_detail(&scope).await.unwrap();
    let last = &d.headcount[0].semester;
    let total: i64 = d
        .headcount
        .iter()
        .filter(|h| &h.semester == last)
        .map(|h| h.avg_workers_hundredths)
        .sum();
    assert!(total > 500, "{total}");
}

// ---- authentication and sessions ------------------------------------------------------------

#[tokio::test]
async fn wrong_password_and_unknown_user_are_the_same_invalid_credentials_and_are_audited() {
    let w = World::new().await;
    assert!(matches!(
        w.s.authenticate("datore.meccanica", "sbagliata").await,
        Err(ServiceError::InvalidCredentials)
    ));
    assert!(matches!(
        w.s.authenticate("nessuno", DEMO_PASSWORD).await,
        Err(ServiceError::InvalidCredentials)
    ));
    let p =
        w.s.authenticate("datore.meccanica", DEMO_PASSWORD)
            .await
            .unwrap();
    assert_eq!(p.role, Role::EmployerUser);

    let admin = w.s.admin_scope(&w.who("admin").await).unwrap();
    let log = w.s.audit_log(&admin, 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[..3],
        &["auth.login", "auth.login_failed", "auth.login_failed"]
    );
}

#[tokio::test]
async fn sessions_resolve_for_their_kind_only_and_expire() {
    let w = World::new().await;
    let p = w.who("datore.meccanica").await;
    let web = w.s.open_session(&p, SessionKind::Web).await.unwrap();
    let api = w.s.open_session(&p, SessionKind::Api).await.unwrap();
    assert_ne!(web.token, api.token);
    assert_eq!(web.token.len(), 64);

    let ctx =
        w.s.resolve_session(&web.token, SessionKind::Web)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(ctx.principal, p);
    assert_eq!(ctx.csrf_token, web.csrf_token);
    assert!(
        w.s.resolve_session(&web.token, SessionKind::Api)
            .await
            .unwrap()
            .is_none(),
        "a cookie is not a bearer token"
    );
    assert!(
        w.s.resolve_session("not-a-token", SessionKind::Web)
            .await
            .unwrap()
            .is_none()
    );

    // Web: sliding idle timeout of 30 minutes...
    w.clock.advance(TimeDelta::minutes(20));
    assert!(
        w.s.resolve_session(&web.token, SessionKind::Web)
            .await
            .unwrap()
            .is_some()
    );
    w.clock.advance(TimeDelta::minutes(20));
    assert!(
        w.s.resolve_session(&web.token, SessionKind::Web)
            .await
            .unwrap()
            .is_some(),
        "activity slid the expiry"
    );
    // ...and API tokens are gone after one hour regardless of use.
    w.clock.advance(TimeDelta::minutes(25));
    assert!(
        w.s.resolve_session(&api.token, SessionKind::Api)
            .await
            .unwrap()
            .is_none()
    );
    // Idle for more than 30 minutes: expired, and deleted.
    w.clock.advance(TimeDelta::minutes(31));
    assert!(
        w.s.resolve_session(&web.token, SessionKind::Web)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn web_sessions_end_after_eight_hours_even_when_active() {
    let w = World::new().await;
    let p = w.who("operatore.milano").await;
    let web = w.s.open_session(&p, SessionKind::Web).await.unwrap();
    for _ in 0..(8 * 60 / 20) {
        w.clock.advance(TimeDelta::minutes(20));
        let _ =
            w.s.resolve_session(&web.token, SessionKind::Web)
                .await
                .unwrap();
    }
    w.clock.advance(TimeDelta::minutes(1));
    assert!(
        w.s.resolve_session(&web.token, SessionKind::Web)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let w = World::new().await;
    let p = w.who("datore.edile").await;
    let web = w.s.open_session(&p, SessionKind::Web).await.unwrap();
    w.s.close_session(&web.token).await.unwrap();
    assert!(
        w.s.resolve_session(&web.token, SessionKind::Web)
            .await
            .unwrap()
            .is_none()
    );
    w.s.close_session(&web.token).await.unwrap(); // idempotent
}

// ---- tenant isolation -------------------------------------------------------------------

#[tokio::test]
async fn an_employer_cannot_read_submit_or_withdraw_another_employers_application() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let draft =
        w.s.create_draft(&scope, w.cigo_input(&scope, 2).await)
            .await
            .unwrap();
    let other = w.who("datore.edile").await;
    assert!(matches!(
        w.s.application(&other, draft.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.submit(&other, draft.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.withdraw(&other, draft.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.employer_scope(&other, scope.employer_id()).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        w.s.applications_for(&other)
            .await
            .unwrap()
            .iter()
            .all(|a| a.id != draft.id)
    );
    // Same answer as for an id that does not exist at all.
    assert!(matches!(
        w.s.application(&other, ApplicationId::new_v7()).await,
        Err(ServiceError::NotFound)
    ));
}

#[tokio::test]
async fn an_intermediary_acts_only_for_employers_with_a_delegation_valid_today() {
    let w = World::new().await;
    let rossi = w.who("consulente.rossi").await;
    let mut names: Vec<String> =
        w.s.employers_for(&rossi)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| !n.contains("Studio") && !n.contains("Agricola"))
    );

    // Delegated: may draft and submit for meccanica.
    let mecc = w.who("datore.meccanica").await.employer_id.unwrap();
    let scope = w.s.employer_scope(&rossi, mecc).await.unwrap();
    let draft =
        w.s.create_draft(&scope, w.cigo_input(&scope, 1).await)
            .await
            .unwrap();
    let submitted = w.s.submit(&rossi, draft.id).await.unwrap();
    assert_eq!(submitted.state, ApplicationState::Submitted);

    // Never delegated (farm) and expired delegation (studio): NotFound, data included.
    for owner in ["azienda.agricola", "studio.associato"] {
        let p = w.who(owner).await;
        assert!(
            matches!(
                w.s.employer_scope(&rossi, p.employer_id.unwrap()).await,
                Err(ServiceError::NotFound)
            ),
            "{owner}"
        );
        let scope = w.employer_of(owner).await;
        let d = w.s.employer_detail(&scope).await.unwrap();
        let start = w.today() + TimeDelta::days(3);
        let benefit = if owner == "azienda.agricola" {
            Benefit::Cisoa
        } else {
            Benefit::AisFondo
        };
        let causale = w.s.causali_for(benefit, start)[0].code.clone();
        let app =
            w.s.create_draft(
                &scope,
                NewApplication {
                    unit_id: d.units[0].id,
                    benefit,
                    causale,
                    kind: ReductionKind::Sospensione,
                    start,
                    end: start + TimeDelta::days(6),
                    workers: vec![RequestedWorker::in_unit_of(
                        benefit,
                        d.workers.iter().find(|x| x.eligible).unwrap().id,
                        1,
                    )],
                },
            )
            .await
            .unwrap();
        assert!(
            matches!(
                w.s.application(&rossi, app.id).await,
                Err(ServiceError::NotFound)
            ),
            "{owner}"
        );
        assert!(
            matches!(
                w.s.submit(&rossi, app.id).await,
                Err(ServiceError::NotFound)
            ),
            "{owner}"
        );
        assert!(
            w.s.applications_for(&rossi)
                .await
                .unwrap()
                .iter()
                .all(|a| a.id != app.id)
        );
    }
}

#[tokio::test]
async fn an_operator_of_another_office_cannot_see_or_decide() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await; // UP served by Milano
    let roma = w.who("operatore.roma").await;
    let roma_office = w.s.office_scope(&roma).unwrap();
    assert!(matches!(
        w.s.application(&roma, app.id).await,
        Err(ServiceError::NotFound)
    ));
    let d = Decision::authorised_in_full();
    assert!(matches!(
        w.s.decide(&roma_office, app.id, d).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        w.s.office_queue(&roma_office)
            .await
            .unwrap()
            .iter()
            .all(|a| a.id != app.id)
    );

    let milano = w.who("operatore.milano").await;
    let milano_office = w.s.office_scope(&milano).unwrap();
    assert!(
        w.s.office_queue(&milano_office)
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == app.id)
    );
    assert!(w.s.application(&milano, app.id).await.is_ok());
}

#[tokio::test]
async fn drafts_are_invisible_to_operators_and_roles_get_only_their_scope() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let draft =
        w.s.create_draft(&scope, w.cigo_input(&scope, 1).await)
            .await
            .unwrap();
    let milano = w.who("operatore.milano").await;
    assert!(matches!(
        w.s.application(&milano, draft.id).await,
        Err(ServiceError::NotFound)
    ));
    let office = w.s.office_scope(&milano).unwrap();
    let d = Decision::authorised_in_full();
    assert!(matches!(
        w.s.decide(&office, draft.id, d).await,
        Err(ServiceError::NotFound)
    ));

    // Withdrawn without ever being submitted: still nothing for the office.
    w.s.withdraw(&w.who("datore.meccanica").await, draft.id)
        .await
        .unwrap();
    assert!(matches!(
        w.s.application(&milano, draft.id).await,
        Err(ServiceError::NotFound)
    ));

    let admin = w.who("admin").await;
    assert!(matches!(
        w.s.application(&admin, draft.id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.employer_scope(&admin, scope.employer_id()).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.employer_scope(&milano, scope.employer_id()).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        w.s.office_scope(&admin),
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        w.s.office_scope(&w.who("datore.meccanica").await),
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        w.s.admin_scope(&milano),
        Err(ServiceError::Forbidden)
    ));
    assert!(w.s.employers_for(&milano).await.unwrap().is_empty());
    assert!(w.s.employers_for(&admin).await.unwrap().is_empty());
}

// ---- the walking skeleton and the state machine ---------------------------------------------

#[tokio::test]
async fn employer_files_operator_authorises_employer_sees_it() {
    let w = World::new().await;
    let employer = w.who("datore.meccanica").await;
    let scope =
        w.s.employer_scope(&employer, employer.employer_id.unwrap())
            .await
            .unwrap();
    let draft =
        w.s.create_draft(&scope, w.cigo_input(&scope, 3).await)
            .await
            .unwrap();
    assert_eq!(draft.state, ApplicationState::Draft);
    assert_eq!(draft.total_hours_requested, 120);
    assert!(draft.protocol_number.is_none() && draft.ticket.is_none());

    let submitted = w.s.submit(&employer, draft.id).await.unwrap();
    assert_eq!(submitted.state, ApplicationState::Submitted);
    let protocol = submitted.protocol_number.clone().unwrap();
    assert!(protocol.starts_with("INPS.4900."), "{protocol}");
    assert!(submitted.ticket.as_deref().unwrap().starts_with("TK"));
    assert!(submitted.submitted_at.is_some());
    let again = w.s.submit(&employer, draft.id).await.unwrap_err();
    assert!(
        matches!(
            again,
            ServiceError::Conflict {
                code: "already_submitted",
                ..
            }
        ),
        "{again:?}"
    );

    let op = w.who("operatore.milano").await;
    let office = w.s.office_scope(&op).unwrap();
    assert!(
        w.s.office_queue(&office)
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == draft.id)
    );
    let decided =
        w.s.decide(&office, draft.id, Decision::authorised_in_full())
            .await
            .unwrap();
    assert_eq!(decided.state, ApplicationState::Authorised);
    assert!(
        decided
            .authorisation_number
            .as_deref()
            .unwrap()
            .starts_with("AUT.4900.")
    );
    assert_eq!(decided.total_hours_authorised, Some(120));
    assert!(
        w.s.office_queue(&office)
            .await
            .unwrap()
            .iter()
            .all(|a| a.id != draft.id)
    );

    let seen = w.s.application(&employer, draft.id).await.unwrap();
    assert_eq!(seen.state, ApplicationState::Authorised);
    assert_eq!(seen.protocol_number.as_deref(), Some(protocol.as_str()));

    // The snapshot is what was submitted, not what happened later.
    let snap =
        w.s.submitted_snapshot(&employer, draft.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(snap["application"]["state"], "submitted");
    assert_eq!(snap["application"]["protocol_number"], protocol.as_str());

    // Decided: no second decision, no withdrawal.
    let d = Decision {
        outcome: Outcome::Rejected,
        motivation: Some("x".into()),
        hours: None,
        days: None,
    };
    assert!(matches!(
        w.s.decide(&office, draft.id, d).await,
        Err(ServiceError::Conflict {
            code: "already_decided",
            ..
        })
    ));
    assert!(matches!(
        w.s.withdraw(&employer, draft.id).await,
        Err(ServiceError::Conflict {
            code: "already_decided",
            ..
        })
    ));
}

#[tokio::test]
async fn protocol_numbers_are_sequential_per_office() {
    let w = World::new().await;
    let a = w.submitted_meccanica_application().await;
    // Same workers, the following period: no overlap (R-APP-5).
    let scope = w.employer_of("datore.meccanica").await;
    let mut input = w.cigo_input(&scope, 3).await;
    input.start = a.end + TimeDelta::days(1);
    input.end = input.start + TimeDelta::days(13);
    let draft = w.s.create_draft(&scope, input).await.unwrap();
    let b =
        w.s.submit(&w.who("datore.meccanica").await, draft.id)
            .await
            .unwrap();
    let seq = |v: &ApplicationView| {
        v.protocol_number
            .as_deref()
            .unwrap()
            .rsplit('.')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    assert_eq!(seq(&b), seq(&a) + 1);
    assert_ne!(a.ticket, b.ticket);
}

#[tokio::test]
async fn a_worker_cannot_be_in_two_live_applications_for_the_same_days() {
    let w = World::new().await;
    let first = w.submitted_meccanica_application().await;
    let p = w.who("datore.meccanica").await;
    let scope = w.employer_of("datore.meccanica").await;

    // Overlapping drafts are allowed; submitting one is not.
    let mut input = w.cigo_input(&scope, 3).await;
    input.start = first.end - TimeDelta::days(2);
    input.end = input.start + TimeDelta::days(6);
    for x in &mut input.workers {
        x.hours = Some(8);
    }
    let draft = w.s.create_draft(&scope, input).await.unwrap();
    let e = w.s.submit(&p, draft.id).await.unwrap_err();
    let c = codes(&e);
    assert_eq!(c.len(), 3, "{c:?}");
    assert!(c.iter().all(|(_, code)| *code == "overlapping_application"));
    if let ServiceError::Validation(v) = &e {
        assert!(
            v[0].message_it
                .contains(first.protocol_number.as_deref().unwrap())
        );
    }

    // Other workers of the same UP in parallel are fine.
    let d = w.s.employer_detail(&scope).await.unwrap();
    let taken: Vec<WorkerId> = first.workers.iter().map(|l| l.worker_id).collect();
    let others: Vec<RequestedWorker> = d
        .workers
        .iter()
        .filter(|x| x.unit_id == first.unit.id && x.eligible && !taken.contains(&x.id))
        .filter(|x| (w.today() - x.hire_date).num_days() >= 30)
        .take(2)
        .map(|x| RequestedWorker::hours(x.id, 8))
        .collect();
    let mut parallel = w.cigo_input(&scope, 1).await;
    parallel.workers = others;
    let parallel = w.s.create_draft(&scope, parallel).await.unwrap();
    assert!(w.s.submit(&p, parallel.id).await.is_ok());

    // Once the first is withdrawn, its workers are free again.
    w.s.withdraw(&p, first.id).await.unwrap();
    assert!(w.s.submit(&p, draft.id).await.is_ok());
}

#[tokio::test]
async fn a_withdrawn_application_cannot_be_submitted_or_decided() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await;
    let employer = w.who("datore.meccanica").await;
    let withdrawn = w.s.withdraw(&employer, app.id).await.unwrap();
    assert_eq!(withdrawn.state, ApplicationState::Withdrawn);
    assert!(matches!(
        w.s.withdraw(&employer, app.id).await,
        Err(ServiceError::Conflict {
            code: "already_withdrawn",
            ..
        })
    ));
    assert!(matches!(
        w.s.submit(&employer, app.id).await,
        Err(ServiceError::Conflict {
            code: "withdrawn",
            ..
        })
    ));
    let office = w.s.office_scope(&w.who("operatore.milano").await).unwrap();
    let d = Decision::authorised_in_full();
    assert!(matches!(
        w.s.decide(&office, app.id, d).await,
        Err(ServiceError::Conflict {
            code: "withdrawn",
            ..
        })
    ));
}

#[tokio::test]
async fn partial_authorisation_and_rejection_need_a_motivation() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await;
    let office = w.s.office_scope(&w.who("operatore.milano").await).unwrap();
    let first = app.workers[0].worker_id;

    let no_motivation = Decision {
        outcome: Outcome::Rejected,
        motivation: Some("  ".into()),
        hours: None,
        days: None,
    };
    let e =
        w.s.decide(&office, app.id, no_motivation)
            .await
            .unwrap_err();
    assert_eq!(codes(&e), vec![("/motivation", "motivation_required")]);

    let partial = Decision {
        outcome: Outcome::Authorised,
        motivation: None,
        hours: Some(vec![(first, 10)]),
        days: None,
    };
    let e = w.s.decide(&office, app.id, partial).await.unwrap_err();
    assert_eq!(codes(&e), vec![("/motivation", "motivation_required")]);

    let too_many = Decision {
        outcome: Outcome::Authorised,
        motivation: Some("m".into()),
        hours: Some(vec![(first, 41)]),
        days: None,
    };
    let e = w.s.decide(&office, app.id, too_many).await.unwrap_err();
    assert_eq!(codes(&e), vec![("/hours/0/1", "hours_above_requested")]);

    let partial = Decision {
        outcome: Outcome::Authorised,
        motivation: Some("Autorizzate le sole ore documentate.".into()),
        hours: Some(vec![(first, 10)]),
        days: None,
    };
    let v = w.s.decide(&office, app.id, partial).await.unwrap();
    assert_eq!(v.state, ApplicationState::PartiallyAuthorised);
    assert_eq!(v.total_hours_authorised, Some(10));
    assert!(v.authorisation_number.is_some());
    assert_eq!(
        v.motivation.as_deref(),
        Some("Autorizzate le sole ore documentate.")
    );
}

#[tokio::test]
async fn a_rejection_has_no_authorisation_number() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await;
    let office = w.s.office_scope(&w.who("operatore.milano").await).unwrap();
    let d = Decision {
        outcome: Outcome::Rejected,
        motivation: Some("Causale non documentata.".into()),
        hours: None,
        days: None,
    };
    let v = w.s.decide(&office, app.id, d).await.unwrap();
    assert_eq!(v.state, ApplicationState::Rejected);
    assert!(v.authorisation_number.is_none());
    assert_eq!(v.total_hours_authorised, Some(0));
}

// ---- validation and atomicity ------------------------------------------------------------

#[tokio::test]
async fn every_problem_of_a_draft_is_reported_with_its_pointer_and_nothing_is_written() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let d = w.s.employer_detail(&scope).await.unwrap();
    let dirigente = d
        .workers
        .iter()
        .find(|x| x.qualifica == Qualifica::Dirigente)
        .expect("a dirigente");
    let unit = dirigente.unit_id;
    let in_unit: Vec<_> = d.workers.iter().filter(|x| x.unit_id == unit).collect();
    let ok = in_unit.iter().find(|x| x.eligible).unwrap();
    let other_unit_worker = d.workers.iter().find(|x| x.unit_id != unit).unwrap();
    let foreign =
        w.s.employer_detail(&w.employer_of("datore.edile").await)
            .await
            .unwrap()
            .workers[0]
            .id;
    let before = w.count_rows().await;

    let start = w.today();
    let input = NewApplication {
        unit_id: unit,
        benefit: Benefit::Cigo,
        causale: "MLC".into(),
        kind: ReductionKind::Sospensione,
        start,
        end: start + TimeDelta::days(7 * 14 - 1), // 14 weeks (R-LIM-1 allows 13)
        workers: vec![
            RequestedWorker::hours(ok.id, 0),
            RequestedWorker::hours(dirigente.id, 8),
            RequestedWorker::hours(ok.id, 8),
            RequestedWorker::hours(foreign, 8),
            RequestedWorker::hours(other_unit_worker.id, 8),
        ],
    };
    let e = w.s.create_draft(&scope, input).await.unwrap_err();
    assert_eq!(
        codes(&e),
        vec![
            ("/end", "period_too_long"),
            ("/workers/0/hours", "hours_out_of_range"),
            ("/workers/1/worker_id", "dirigente_excluded"),
            ("/workers/2/worker_id", "duplicate_worker"),
            ("/workers/3/worker_id", "unknown_worker"),
            ("/workers/4/worker_id", "unknown_worker"),
        ]
    );
    if let ServiceError::Validation(v) = &e {
        assert!(
            v.iter().all(|f| !f.message_it.is_empty()
                && !f.message_en.is_empty()
                && !f.field.is_empty())
        );
        assert!(v[0].message_it.contains("R-LIM-1"));
        assert_eq!(v[1].field, format!("ore_{}", ok.id));
    }
    assert_eq!(
        w.count_rows().await,
        before,
        "a failing validation writes nothing"
    );
}

#[tokio::test]
async fn causale_unit_period_and_workers_are_checked() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let edile_unit =
        w.s.employer_detail(&w.employer_of("datore.edile").await)
            .await
            .unwrap()
            .units[0]
            .id;
    let start = w.today();
    let mk = |unit_id, causale: &str, benefit, end| NewApplication {
        unit_id,
        benefit,
        causale: causale.into(),
        kind: ReductionKind::Sospensione,
        start,
        end,
        workers: vec![],
    };
    let e =
        w.s.create_draft(
            &scope,
            mk(edile_unit, "XXX", Benefit::Cigo, start - TimeDelta::days(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(
        codes(&e),
        vec![
            ("/unit_id", "unknown_unit"),
            ("/end", "end_before_start"),
            ("/causale", "unknown_causale"),
            ("/workers", "no_workers")
        ]
    );
    let own_unit = w.s.employer_detail(&scope).await.unwrap().units[0].id;
    // A CISOA causale is not accepted for CIGO.
    let e =
        w.s.create_draft(&scope, mk(own_unit, "01", Benefit::Cigo, start))
            .await
            .unwrap_err();
    assert!(
        codes(&e).contains(&("/causale", "causale_not_for_benefit")),
        "{e:?}"
    );
}

#[tokio::test]
async fn hours_are_capped_by_contractual_hours_times_weeks() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let mut input = w.cigo_input(&scope, 1).await; // 4 weeks
    let d = w.s.employer_detail(&scope).await.unwrap();
    let weekly = d
        .workers
        .iter()
        .find(|x| x.id == input.workers[0].worker_id)
        .unwrap()
        .weekly_hours;
    input.workers[0].hours = Some(u32::try_from(weekly * 4).unwrap());
    assert!(w.s.create_draft(&scope, input.clone()).await.is_ok());
    input.workers[0].hours = input.workers[0].hours.map(|h| h + 1);
    let e = w.s.create_draft(&scope, input).await.unwrap_err();
    assert_eq!(codes(&e), vec![("/workers/0/hours", "hours_out_of_range")]);
}

// ---- audit --------------------------------------------------------------------------------

#[tokio::test]
async fn every_state_change_is_audited_and_the_chain_detects_tampering() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await;
    let admin = w.s.admin_scope(&w.who("admin").await).unwrap();
    let log = w.s.audit_log(&admin, 5).await.unwrap();
    assert_eq!(log[0].action, "application.submit");
    assert_eq!(log[0].target_id, app.id.to_string());
    assert_eq!(log[0].on_behalf_of_employer, Some(app.employer.id));
    assert_eq!(log[0].actor_username.as_deref(), Some("datore.meccanica"));
    assert_eq!(log[1].action, "application.create");

    let report = w.s.verify_audit_chain(&admin).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    let victim = log[1].seq;
    w.db.execute_raw(&format!(
        "UPDATE audit_events SET actor_user_id = NULL WHERE seq = {victim}"
    ))
    .await
    .unwrap();
    let report = w.s.verify_audit_chain(&admin).await.unwrap();
    assert_eq!(report.broken_at, Some(victim), "{report:?}");
}

#[tokio::test]
async fn the_audit_log_is_for_administrators_only() {
    let w = World::new().await;
    for u in ["datore.meccanica", "consulente.rossi", "operatore.milano"] {
        assert!(
            matches!(
                w.s.admin_scope(&w.who(u).await),
                Err(ServiceError::Forbidden)
            ),
            "{u}"
        );
    }
}

// ---- idempotency --------------------------------------------------------------------------

#[tokio::test]
async fn idempotency_keys_are_per_user_and_first_writer_wins() {
    let w = World::new().await;
    let a = w.who("datore.meccanica").await;
    let b = w.who("datore.edile").await;
    assert!(w.s.idempotency_lookup(&a, "k1").await.unwrap().is_none());
    assert!(
        w.s.idempotency_store(&a, "k1", "h1", 201, "{\"ok\":true}")
            .await
            .unwrap()
    );
    assert!(
        !w.s.idempotency_store(&a, "k1", "h2", 500, "{}")
            .await
            .unwrap()
    );
    let stored = w.s.idempotency_lookup(&a, "k1").await.unwrap().unwrap();
    assert_eq!(
        (
            stored.status,
            stored.request_hash.as_str(),
            stored.body.as_str()
        ),
        (201, "h1", "{\"ok\":true}")
    );
    assert!(
        w.s.idempotency_lookup(&b, "k1").await.unwrap().is_none(),
        "keys of another user are invisible"
    );
}

// ---- concurrency --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_racing_submissions_give_one_protocol_number() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let draft =
        w.s.create_draft(&scope, w.cigo_input(&scope, 2).await)
            .await
            .unwrap();
    let employer = w.who("datore.meccanica").await;
    let rossi = w.who("consulente.rossi").await;
    let (a, b) = tokio::join!(
        w.s.submit(&employer, draft.id),
        w.s.submit(&rossi, draft.id)
    );
    let oks = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(oks, 1, "{a:?} / {b:?}");
    let err = a.err().or(b.err()).unwrap();
    assert!(
        matches!(
            err,
            ServiceError::Conflict {
                code: "already_submitted" | "concurrent_update",
                ..
            }
        ),
        "{err:?}"
    );
    let admin = w.s.admin_scope(&w.who("admin").await).unwrap();
    assert!(w.s.verify_audit_chain(&admin).await.unwrap().is_intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_racing_a_withdrawal_lets_exactly_one_win() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await;
    let employer = w.who("datore.meccanica").await;
    let office = w.s.office_scope(&w.who("operatore.milano").await).unwrap();
    let d = Decision::authorised_in_full();
    let (decided, withdrawn) = tokio::join!(
        w.s.decide(&office, app.id, d),
        w.s.withdraw(&employer, app.id)
    );
    assert!(
        decided.is_ok() != withdrawn.is_ok(),
        "{decided:?} / {withdrawn:?}"
    );
    let final_state = w.s.application(&employer, app.id).await.unwrap().state;
    if decided.is_ok() {
        assert_eq!(final_state, ApplicationState::Authorised);
    } else {
        assert_eq!(final_state, ApplicationState::Withdrawn);
    }
}

#[tokio::test]
async fn the_history_of_an_application_follows_its_visibility() {
    let w = World::new().await;
    let app = w.submitted_meccanica_application().await;
    let employer = w.who("datore.meccanica").await;
    let history = w.s.application_history(&employer, app.id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["application.create", "application.submit"]);
    assert!(
        w.s.application_history(&w.who("operatore.milano").await, app.id)
            .await
            .is_ok()
    );
    for outsider in ["datore.edile", "operatore.roma", "admin"] {
        let r =
            w.s.application_history(&w.who(outsider).await, app.id)
                .await;
        assert!(matches!(r, Err(ServiceError::NotFound)), "{outsider}");
    }
}

// ---- administration -----------------------------------------------------------------------

#[tokio::test]
async fn an_administrator_creates_users_and_delegations_and_they_take_effect() {
    let w = World::new().await;
    let admin = w.s.admin_scope(&w.who("admin").await).unwrap();
    let farm = w.who("azienda.agricola").await.employer_id.unwrap();

    let bad = NewUserInput {
        username: "Bad Name".into(),
        display_name: " ".into(),
        password: "short".into(),
        role: Role::Operator,
        employer_id: Some(farm),
        office_id: None,
    };
    let e = w.s.create_user(&admin, bad).await.unwrap_err();
    assert_eq!(
        codes(&e),
        vec![
            ("/username", "invalid_username"),
            ("/display_name", "invalid_display_name"),
            ("/password", "password_too_short"),
            ("/employer_id", "employer_not_allowed"),
            ("/office_id", "office_required"),
        ]
    );
    let taken = NewUserInput {
        username: "admin".into(),
        display_name: "X".into(),
        password: "abbastanza-lunga".into(),
        role: Role::Administrator,
        employer_id: None,
        office_id: None,
    };
    assert!(matches!(
        w.s.create_user(&admin, taken).await,
        Err(ServiceError::Conflict {
            code: "username_taken",
            ..
        })
    ));

    let new =
        w.s.create_user(
            &admin,
            NewUserInput {
                username: "consulente.bianchi".into(),
                display_name: "Dott.ssa Bianchi".into(),
                password: "Password-lunga-1".into(),
                role: Role::Intermediary,
                employer_id: None,
                office_id: None,
            },
        )
        .await
        .unwrap();
    let p =
        w.s.authenticate("consulente.bianchi", "Password-lunga-1")
            .await
            .unwrap();
    assert!(w.s.employers_for(&p).await.unwrap().is_empty());

    let d =
        w.s.grant_delegation(
            &admin,
            NewDelegation {
                intermediary_id: new.id,
                employer_id: farm,
                valid_from: w.today(),
                valid_to: None,
            },
        )
        .await
        .unwrap();
    assert!(d.valid_today);
    assert!(w.s.employer_scope(&p, farm).await.is_ok());
    assert_eq!(w.s.delegations(&admin).await.unwrap().len(), 6);

    // A delegation to a non-intermediary is refused.
    let e =
        w.s.grant_delegation(
            &admin,
            NewDelegation {
                intermediary_id: w.who("operatore.roma").await.user_id,
                employer_id: farm,
                valid_from: w.today(),
                valid_to: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(codes(&e), vec![("/intermediary_id", "not_an_intermediary")]);

    // Deactivation ends the sessions and blocks logins.
    let session = w.s.open_session(&p, SessionKind::Api).await.unwrap();
    w.s.set_user_active(&admin, new.id, false).await.unwrap();
    assert!(
        w.s.resolve_session(&session.token, SessionKind::Api)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        w.s.authenticate("consulente.bianchi", "Password-lunga-1")
            .await,
        Err(ServiceError::InvalidCredentials)
    ));
    assert_eq!(w.s.offices().await.unwrap().len(), 2);
}

// ---- eligibility at submission ------------------------------------------------------------

async fn draft_with_a_recent_hire(w: &World, causale: &str) -> (ApplicationView, WorkerId) {
    let scope = w.employer_of("datore.meccanica").await;
    let d = w.s.employer_detail(&scope).await.unwrap();
    let recent = d
        .workers
        .iter()
        .find(|x| x.eligible && (w.today() - x.hire_date).num_days() < 30)
        .expect("the demo has recent hires");
    let veteran = d
        .workers
        .iter()
        .find(|x| {
            x.eligible && x.unit_id == recent.unit_id && (w.today() - x.hire_date).num_days() > 60
        })
        .unwrap();
    let start = w.today();
    let input = NewApplication {
        unit_id: recent.unit_id,
        benefit: Benefit::Cigo,
        causale: causale.into(),
        kind: ReductionKind::Sospensione,
        start,
        end: start + TimeDelta::days(13),
        workers: vec![
            RequestedWorker::hours(veteran.id, 16),
            RequestedWorker::hours(recent.id, 16),
        ],
    };
    (w.s.create_draft(&scope, input).await.unwrap(), recent.id)
}

#[tokio::test]
async fn workers_hired_less_than_30_days_ago_block_the_submission_but_not_the_draft() {
    let w = World::new().await;
    let (draft, recent) = draft_with_a_recent_hire(&w, "MLC").await;
    let p = w.who("datore.meccanica").await;
    let e = w.s.submit(&p, draft.id).await.unwrap_err();
    let at = draft
        .workers
        .iter()
        .position(|l| l.worker_id == recent)
        .unwrap();
    assert_eq!(
        codes(&e),
        vec![(format!("/workers/{at}/worker_id").as_str(), "seniority")]
    );
    assert_eq!(
        w.s.application(&p, draft.id).await.unwrap().state,
        ApplicationState::Draft
    );

    // Thirty days later the same draft goes through.
    w.clock.advance(TimeDelta::days(30));
    assert_eq!(
        w.s.submit(&p, draft.id).await.unwrap().state,
        ApplicationState::Submitted
    );
}

#[tokio::test]
async fn no_seniority_is_required_for_an_eone_causale() {
    let w = World::new().await;
    let (draft, _) = draft_with_a_recent_hire(&w, "MET").await;
    let p = w.who("datore.meccanica").await;
    assert_eq!(
        w.s.submit(&p, draft.id).await.unwrap().state,
        ApplicationState::Submitted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_overlapping_applications_racing_to_submission_let_one_through() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let p = w.who("datore.meccanica").await;
    let a =
        w.s.create_draft(&scope, w.cigo_input(&scope, 2).await)
            .await
            .unwrap();
    let b =
        w.s.create_draft(&scope, w.cigo_input(&scope, 2).await)
            .await
            .unwrap();
    let (ra, rb) = tokio::join!(w.s.submit(&p, a.id), w.s.submit(&p, b.id));
    assert!(ra.is_ok() != rb.is_ok(), "{ra:?} / {rb:?}");
    let err = ra.err().or(rb.err()).unwrap();
    assert!(
        codes(&err)
            .iter()
            .all(|(_, c)| *c == "overlapping_application")
    );
}

/// Guards what people trying the product (and the web tests) rely on: the first two
/// workers of every UP, in the order the employer detail lists them, can be put in an
/// application today.
#[tokio::test]
async fn demo_the_first_workers_of_every_unit_are_free_and_eligible_today() {
    let w = World::new().await;
    for owner in [
        "datore.meccanica",
        "datore.edile",
        "datore.commercio",
        "datore.bottega",
        "studio.associato",
        "azienda.agricola",
    ] {
        let scope = w.employer_of(owner).await;
        let d = w.s.employer_detail(&scope).await.unwrap();
        let apps = w.s.applications_of(&scope).await.unwrap();
        let mut busy = Vec::new();
        for a in apps.iter().filter(|a| {
            matches!(
                a.state,
                ApplicationState::Submitted
                    | ApplicationState::Authorised
                    | ApplicationState::PartiallyAuthorised
            )
        }) {
            let v = w.s.application(&w.who(owner).await, a.id).await.unwrap();
            busy.extend(
                v.workers
                    .iter()
                    .filter(|l| l.hours_authorised != Some(0))
                    .map(|l| l.worker_id),
            );
        }
        for u in &d.units {
            let first: Vec<_> = d
                .workers
                .iter()
                .filter(|x| x.unit_id == u.id && x.eligible)
                .take(2)
                .collect();
            assert_eq!(first.len(), 2, "{owner} {}", u.name);
            for x in first {
                assert!(
                    !busy.contains(&x.id),
                    "{owner} {}: {} {} is busy",
                    u.name,
                    x.surname,
                    x.name
                );
                assert!(
                    (w.today() - x.hire_date).num_days() >= 30,
                    "{owner}: {} {}",
                    x.surname,
                    x.name
                );
            }
        }
    }
}

#[tokio::test]
async fn each_demo_employer_gets_the_benefit_its_classification_suggests() {
    let w = World::new().await;
    for (owner, expected) in [
        ("datore.meccanica", Benefit::Cigo),
        ("datore.edile", Benefit::Cigo),
        ("datore.commercio", Benefit::AisFis),
        ("datore.bottega", Benefit::AisFis),
        ("studio.associato", Benefit::AisFondo),
        ("azienda.agricola", Benefit::Cisoa),
    ] {
        let d =
            w.s.employer_detail(&w.employer_of(owner).await)
                .await
                .unwrap();
        let suggested: Vec<Benefit> = d
            .benefits
            .iter()
            .filter(|b| b.suggested)
            .map(|b| b.benefit)
            .collect();
        assert_eq!(suggested, vec![expected], "{owner}: {}", d.selection_reason);
        assert_eq!(d.benefits.len(), 4);
    }
}

#[tokio::test]
async fn a_non_compatible_benefit_may_be_filed_and_is_flagged() {
    let w = World::new().await;
    let scope = w.employer_of("datore.meccanica").await;
    let ok =
        w.s.create_draft(&scope, w.cigo_input(&scope, 1).await)
            .await
            .unwrap();
    assert!(ok.benefit_suggested);
    let mut fis = w.cigo_input(&scope, 1).await;
    fis.benefit = Benefit::AisFis;
    let flagged = w.s.create_draft(&scope, fis).await.unwrap();
    assert!(
        !flagged.benefit_suggested,
        "industry → CIGO, not FIS (R-SEL-1)"
    );
}

#[tokio::test]
async fn the_audit_log_records_every_kind_of_change_with_actor_and_employer() {
    let w = World::new().await;
    let employer = w.who("datore.meccanica").await;
    let app = w.submitted_meccanica_application().await;
    let office = w.s.office_scope(&w.who("operatore.milano").await).unwrap();
    let d = Decision::authorised_in_full();
    w.s.decide(&office, app.id, d).await.unwrap();
    let scope = w.employer_of("datore.meccanica").await;
    let draft =
        w.s.create_draft(&scope, w.cigo_input(&scope, 1).await)
            .await
            .unwrap();
    w.s.withdraw(&employer, draft.id).await.unwrap();
    let _ = w.s.authenticate("datore.meccanica", "wrong").await;
    let p =
        w.s.authenticate("datore.meccanica", DEMO_PASSWORD)
            .await
            .unwrap();
    let session = w.s.open_session(&p, SessionKind::Web).await.unwrap();
    w.s.close_session(&session.token).await.unwrap();

    let admin = w.s.admin_scope(&w.who("admin").await).unwrap();
    let log = w.s.audit_log(&admin, 1000).await.unwrap();
    for action in [
        "application.create",
        "application.submit",
        "application.decide",
        "application.withdraw",
        "auth.login",
        "auth.login_failed",
        "auth.logout",
    ] {
        assert!(log.iter().any(|e| e.action == action), "{action} missing");
    }
    let decide = log
        .iter()
        .find(|e| e.action == "application.decide" && e.target_id == app.id.to_string())
        .unwrap();
    assert_eq!(decide.actor_username.as_deref(), Some("operatore.milano"));
    assert_eq!(decide.details["outcome"], "authorised");
    let withdraw = log
        .iter()
        .find(|e| e.action == "application.withdraw")
        .unwrap();
    assert_eq!(withdraw.on_behalf_of_employer, Some(scope.employer_id()));
    assert!(
        log.windows(2).all(|p| p[0].seq > p[1].seq),
        "most recent first"
    );
    assert!(w.s.verify_audit_chain(&admin).await.unwrap().is_intact());
}
