//! What the CLI tests share: an application authorised through the services (as an
//! operator would), the plan `omnia flow generate --plan` writes a flow from, and
//! running the built `omnia` binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use chrono::{Datelike, NaiveDate, TimeDelta};
use omnia_services::{ApplicationView, Services};
use serde_json::{Value, json};

/// A CIGO application authorised in full (the shared fixture of the services).
pub async fn authorised_application(s: &Services) -> ApplicationView {
    omnia_services::testing::authorised_cigo_application(s).await
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
