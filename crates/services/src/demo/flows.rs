//! Demo payment-data flows (issue 5), so that the flow and payment pages show something on a
//! fresh start: for a CIGO application of Meccanica Padana paid directly by INPS (the flows
//! are only for direct payment, R-FLO, CP10: the demo's other applications, filed with the
//! one-shot form, are conguaglio by default and have an offset code), filed through the
//! wizard's sections and authorised here, one refused flow (a worker who is not a
//! beneficiary: CP04) kept with its report, one accepted flow with its amounts, and the
//! payment batch of its records, marked paid.

use chrono::{Datelike, NaiveDate, TimeDelta};
use omnia_domain::benefit::Benefit;
use omnia_flows::generate::{Format, Plan, PlanEmployer, PlanWorker, generate_plan};

use super::internal;
use crate::drafts::WorkerEntry;
use crate::flows::{FlowFormat, FlowSpool, FlowUpload, NewPaymentBatch};
use crate::{ApplicationState, ApplicationView, Decision, ServiceError, Services};

/// The flows written: (flows stored, payment batches paid).
pub(super) async fn demo_flows(s: &Services) -> Result<(usize, usize), ServiceError> {
    let p = user(s, "datore.meccanica").await?;
    let op = user(s, "operatore.milano").await?;
    let office = s.office_scope(&op)?;
    let employer = p
        .employer_id
        .ok_or_else(|| internal("datore.meccanica has no employer"))?;
    let scope = s.employer_scope(&p, employer).await?;
    let detail = s.employer_detail(&scope).await?;
    // The UP of the demo's authorised (conguaglio) CIGO application: Sesto San Giovanni, not
    // the first UP by name that the browser tests file for.
    let mut unit = None;
    for a in s.applications_for(&p).await? {
        if a.state == ApplicationState::Authorised && a.benefit == Benefit::Cigo {
            unit = Some(s.application(&p, a.id).await?.unit.id);
            break;
        }
    }
    let unit = unit.ok_or_else(|| internal("no authorised demo application for the flows"))?;
    // Two weeks from the Monday of last week: on time (R-APP-3); its workers (below) are in
    // no other demo application of these weeks (R-APP-5).
    let today = s.today();
    let start = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()) + 7);
    let end = start + TimeDelta::days(13);
    let workers: Vec<WorkerEntry> = detail
        .workers
        .iter()
        .filter(|w| w.unit_id == unit && w.eligible && w.hire_date + chrono::Months::new(2) < start)
        // Past the last six (the demo's other applications of this UP, filed from the end of
        // the surname order) and far from the first ones (left to whoever tries the product).
        .rev()
        .skip(6)
        .take(3)
        .map(|w| WorkerEntry::new(w.id, Benefit::Cigo, 40.min(w.weekly_hours * 2)))
        .collect();
    let submitted =
        super::submit_direct_payment_cigo(s, &p, &scope, unit, (start, end), workers).await?;
    let app = s
        .decide(&office, submitted.id, Decision::authorised_in_full())
        .await?;

    let mut refused = plan(&app)?;
    // A worker who is not a beneficiary of the authorisation (CP04, blocking).
    if let Some(w) = refused.employers[0].workers.last_mut() {
        w.cf = "RSSMRA80A01H501U".into();
    }
    submit(s, &p, &refused).await?;
    let accepted = submit(s, &p, &plan(&app)?).await?;
    if !accepted {
        return Err(internal("the demo flow was not accepted"));
    }

    let batch = s
        .create_payment_batch(&office, NewPaymentBatch::default())
        .await?;
    s.mark_batch_paid(&office, &batch.id).await?;
    Ok((2, 1))
}

async fn user(s: &Services, username: &str) -> Result<crate::Principal, ServiceError> {
    s.principal_by_username(username)
        .await?
        .ok_or_else(|| internal(username))
}

/// 16 hours for each beneficiary in the month holding the middle of the authorised period.
fn plan(a: &ApplicationView) -> Result<Plan, ServiceError> {
    let mid = a.start + TimeDelta::days((a.end - a.start).num_days() / 2);
    let month = NaiveDate::from_ymd_opt(mid.year(), mid.month(), 1)
        .ok_or_else(|| internal("flow month"))?;
    Ok(Plan {
        sender: a.employer.cf.clone(),
        month: month.format("%Y-%m").to_string(),
        employers: vec![PlanEmployer {
            cf: a.employer.cf.clone(),
            matricola: None,
            authorisation: a
                .authorisation_number
                .clone()
                .ok_or_else(|| internal("authorisation number"))?,
            ticket: None,
            benefit: a.benefit,
            start: a.start,
            end: a.end,
            workers: a
                .workers
                .iter()
                .map(|w| PlanWorker {
                    cf: w.cf.clone(),
                    name: Some(w.name.clone()),
                    hours: "16".into(),
                    weekly_hours: None,
                    hourly_wage: Some("9.50".into()),
                    iban: None,
                    qualifiche: None,
                    replacement: false,
                })
                .collect(),
        }],
    })
}

/// Sends the flow of `plan` as `p`; whether it was accepted.
async fn submit(s: &Services, p: &crate::Principal, plan: &Plan) -> Result<bool, ServiceError> {
    let mut body = Vec::new();
    generate_plan(plan, Format::Xml, &mut body).map_err(internal)?;
    let mut spool = FlowSpool::new(u64::MAX).map_err(internal)?;
    spool.write(&body).await.map_err(internal)?;
    let f = s
        .submit_flow(
            p,
            spool,
            FlowUpload {
                format: FlowFormat::Xml,
                confirm_note: None,
            },
        )
        .await?;
    Ok(f.accepted)
}
