//! What both targets share: the checker run against the example authorisations, so that
//! fuzzed records reach the checks against the authorisations and the amounts (R-AMT),
//! not only the formal checks.

use std::sync::OnceLock;

use omnia_flows::check::{CheckOptions, Hooks, Outcome, RecordAmount, check_flow};
use omnia_flows::{Authorisations, FlowReader};

/// The authorisations the seed examples were written for (docs/flows/examples).
fn example_auths() -> &'static Authorisations {
    static AUTHS: OnceLock<Authorisations> = OnceLock::new();
    AUTHS.get_or_init(|| {
        Authorisations::from_json_reader(
            &include_bytes!("../../docs/flows/examples/autorizzazioni-esempio.json")[..],
        )
        .expect("the example authorisations load")
    })
}

/// Runs the whole checker; panics (a crash for libFuzzer) on any broken invariant.
pub fn check_all<R: FlowReader>(mut reader: R) {
    // The date of receipt the examples are written for: inside the deadline (R-FLO-3).
    let opts = CheckOptions::new(chrono::NaiveDate::from_ymd_opt(2025, 4, 20).expect("date"));
    let mut computed = 0u64;
    let mut on_amount = |r: &RecordAmount<'_>| {
        computed += 1;
        assert!(r.amount.gross >= r.amount.net, "net above gross: {r:?}");
    };
    let hooks = Hooks {
        progress: None,
        amount: Some(&mut on_amount),
    };
    let report = check_flow(&mut reader, example_auths(), &opts, hooks);
    assert_eq!(computed, report.summary.records_computed);
    assert!(report.summary.records_ok <= report.summary.records);
    let total: u64 = report.counts.values().sum();
    assert!(report.findings.len() as u64 <= total);
    assert_eq!(report.truncated, (report.findings.len() as u64) < total);
    if report.stopped {
        assert!(matches!(report.outcome, Outcome::Refused { .. }));
    }
    // The report is what the API and `flow check --json` serialise.
    serde_json::to_vec(&report).expect("the report serialises");
    let _ = report.accepted_with_confirmation("nota di conferma");
}
