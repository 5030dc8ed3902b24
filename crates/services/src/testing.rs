//! Fixtures the integration tests of several crates share (feature `testing`).

use chrono::{TimeDelta, Utc};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;

use crate::{
    ApplicationState, ApplicationView, Decision, EmployerDetail, EmployerScope, NewApplication,
    Principal, RequestedWorker, Services, WorkerEntry,
};

/// The demo's `datore.meccanica`, its scope and its registry.
async fn meccanica(s: &Services) -> (Principal, EmployerScope, EmployerDetail) {
    let p = s
        .principal_by_username("datore.meccanica")
        .await
        .unwrap()
        .unwrap();
    let scope = s.employer_scope(&p, p.employer_id.unwrap()).await.unwrap();
    let d = s.employer_detail(&scope).await.unwrap();
    (p, scope, d)
}

/// A CIGO application of the demo's `datore.meccanica` for three workers of its first UP,
/// 40 hours each, starting in two days for four weeks, paid directly by INPS (pagamento
/// diretto with the declaration of financial difficulty: the payment-data flows are only
/// for direct payment, CP10), filed through the wizard's sections, submitted and authorised
/// in full by `operatore.milano` (R-IST-3). Needs the demo data loaded.
pub async fn authorised_cigo_application(s: &Services) -> ApplicationView {
    let (p, scope, d) = meccanica(s).await;
    let unit = d.units[0].id;
    let start = Utc::now().date_naive() + TimeDelta::days(2);
    let workers = d
        .workers
        .iter()
        .filter(|w| w.unit_id == unit && w.eligible)
        .take(3)
        .map(|w| WorkerEntry::new(w.id, Benefit::Cigo, 40))
        .collect();
    let submitted = crate::demo::submit_direct_payment_cigo(
        s,
        &p,
        &scope,
        unit,
        (start, start + TimeDelta::days(27)),
        workers,
    )
    .await
    .unwrap();
    assert_eq!(submitted.state, ApplicationState::Submitted);
    authorise(s, &submitted).await
}

/// The same application for the next three workers of the UP, paid by conguaglio (the default of the one-shot form, which
/// declares no payment mode): authorised with an offset code, no flow accepted for it (CP10).
pub async fn authorised_conguaglio_cigo_application(s: &Services) -> ApplicationView {
    let (p, scope, d) = meccanica(s).await;
    let unit = d.units[0].id;
    let start = Utc::now().date_naive() + TimeDelta::days(2);
    let input = NewApplication {
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
            // The next three: both applications can be authorised for the same weeks.
            .skip(3)
            .take(3)
            .map(|w| RequestedWorker::hours(w.id, 40))
            .collect(),
    };
    let draft = s.create_draft(&scope, input).await.unwrap();
    let submitted = s.submit(&p, draft.id).await.unwrap();
    authorise(s, &submitted).await
}

async fn authorise(s: &Services, app: &ApplicationView) -> ApplicationView {
    let op = s
        .principal_by_username("operatore.milano")
        .await
        .unwrap()
        .unwrap();
    let office = s.office_scope(&op).unwrap();
    let app = s
        .decide(&office, app.id, Decision::authorised_in_full())
        .await
        .unwrap();
    assert_eq!(app.state, ApplicationState::Authorised);
    app
}
