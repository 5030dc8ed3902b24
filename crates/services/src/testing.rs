//! Fixtures the integration tests of several crates share (feature `testing`).

use chrono::{TimeDelta, Utc};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;

use crate::{
    ApplicationState, ApplicationView, Decision, NewApplication, RequestedWorker, Services,
};

/// A CIGO application of the demo's `datore.meccanica` for three workers of its first UP,
/// 40 hours each, starting in two days for four weeks, submitted and authorised in full by
/// `operatore.milano` (R-IST-3). Needs the demo data loaded.
pub async fn authorised_cigo_application(s: &Services) -> ApplicationView {
    let p = s
        .principal_by_username("datore.meccanica")
        .await
        .unwrap()
        .unwrap();
    let scope = s.employer_scope(&p, p.employer_id.unwrap()).await.unwrap();
    let d = s.employer_detail(&scope).await.unwrap();
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
            .take(3)
            .map(|w| RequestedWorker::hours(w.id, 40))
            .collect(),
    };
    let draft = s.create_draft(&scope, input).await.unwrap();
    s.submit(&p, draft.id).await.unwrap();
    let op = s
        .principal_by_username("operatore.milano")
        .await
        .unwrap()
        .unwrap();
    let office = s.office_scope(&op).unwrap();
    let app = s
        .decide(&office, draft.id, Decision::authorised_in_full())
        .await
        .unwrap();
    assert_eq!(app.state, ApplicationState::Authorised);
    app
}
