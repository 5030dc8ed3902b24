//! What the CLI tests share: an application authorised through the services (as an
//! operator would), the plan `omnia flow generate --plan` writes a flow from, and
//! running the built `omnia` binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_services::{
    ApplicationState, ApplicationView, Decision, NewApplication, Outcome, RequestedWorker, Services,
};
use serde_json::{Value, json};

/// A CIGO application of `datore.meccanica` for three workers of its first UP, 40 hours
/// each, starting in two days for four weeks, submitted and authorised in full by
/// `operatore.milano` (R-IST-3).
pub async fn authorised_application(s: &Services) -> ApplicationView {
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
        .decide(
            &office,
            draft.id,
            Decision {
                outcome: Outcome::Authorised,
                motivation: None,
                hours: None,
                days: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(app.state, ApplicationState::Authorised);
    app
}

/// The month holding the middle of the authorised period (at least two weeks of it).
pub fn flow_month(a: &ApplicationView) -> NaiveDate {
    let mid = a.start + TimeDelta::days(14);
    NaiveDate::from_ymd_opt(mid.year(), mid.month(), 1).unwrap()
}

/// The plan (docs/flows/README.md, "Plan mode") of a flow for every worker of the
/// authorisation: `hours` each at `hourly_wage` €/h, 40 h/week.
pub fn plan(a: &ApplicationView, hours: &str, hourly_wage: &str) -> Value {
    json!({
        "sender": a.employer.cf,
        "month": flow_month(a).format("%Y-%m").to_string(),
        "employers": [{
            "cf": a.employer.cf,
            "authorisation": a.authorisation_number.clone().expect("authorised"),
            "benefit": "cigo",
            "start": a.start,
            "end": a.end,
            "workers": a.workers.iter().map(|w| json!({
                "cf": w.cf,
                "name": w.name,
                "hours": hours,
                "hourly_wage": hourly_wage,
            })).collect::<Vec<_>>(),
        }],
    })
}

/// Runs the built `omnia` with exactly these arguments and environment (none of the
/// caller's OMNIA_* variables).
pub async fn omnia(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_omnia"));
        c.args(&args);
        for v in [
            "OMNIA_SERVER",
            "OMNIA_TOKEN",
            "OMNIA_USER",
            "OMNIA_PASSWORD",
            "OMNIA_FLOW_MAX_BYTES",
        ] {
            c.env_remove(v);
        }
        c.envs(env);
        c.output().expect("omnia runs")
    })
    .await
    .expect("the command finishes")
}

/// `omnia flow generate --plan` of `plan` into `dir/name`; returns the flow's path.
pub async fn generate(dir: &Path, name: &str, plan: &Value) -> std::path::PathBuf {
    let plan_path = dir.join(format!("{name}.plan.json"));
    std::fs::write(&plan_path, serde_json::to_vec_pretty(plan).unwrap()).unwrap();
    let out = dir.join(name);
    let o = omnia(
        vec![
            "flow".into(),
            "generate".into(),
            "--plan".into(),
            plan_path.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert!(
        o.status.success(),
        "flow generate: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
