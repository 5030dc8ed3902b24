//! `omnia flow check` (issue 5, item 6): the offline check of a generated flow, with the
//! exit codes `omnia flow check --help` and docs/flows/README.md document (those of
//! `flow send`), the readable summary and the `--json` report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ACCEPTED: i32 = 0;
const REFUSED: i32 = 1;
const UNREADABLE: i32 = 2;
const NEEDS_CONFIRMATION: i32 = 3;

fn omnia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_omnia"))
        .args(args)
        .output()
        .expect("run omnia")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit code, not a signal")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A generated flow of `records` records for March 2025 and its authorisations.
fn generated(dir: &Path, records: &str, error_rate: &str) -> (PathBuf, PathBuf) {
    let flow = dir.join("flow.xml");
    let auths = dir.join("auth.json");
    let o = omnia(&[
        "flow",
        "generate",
        "--records",
        records,
        "--seed",
        "5",
        "--month",
        "2025-03",
        "--error-rate",
        error_rate,
        "--out",
        flow.to_str().unwrap(),
        "--authorisations-out",
        auths.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "generate: {}", text(&o.stderr));
    (flow, auths)
}

/// `flow check FLOW --authorisations AUTHS --today 2025-04-20` plus `extra`.
fn check(flow: &Path, auths: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "flow",
        "check",
        flow.to_str().unwrap(),
        "--authorisations",
        auths.to_str().unwrap(),
        "--today",
        "2025-04-20",
    ];
    args.extend_from_slice(extra);
    omnia(&args)
}

fn outcome(o: &Output) -> Value {
    let report: Value = serde_json::from_slice(&o.stdout).expect("--json prints the report");
    report["outcome"].clone()
}

#[test]
fn a_clean_generated_flow_is_accepted_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let (flow, auths) = generated(dir.path(), "60", "0");
    let o = check(&flow, &auths, &[]);
    assert_eq!(code(&o), ACCEPTED, "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("60 record"), "{out}");
    assert!(out.contains("esito: ACCETTATO"), "{out}");
}

#[test]
fn blocking_findings_refuse_the_flow_with_exit_1_even_with_a_confirmation() {
    // R-FLO-1: a blocking finding cannot be forced.
    let dir = tempfile::tempdir().unwrap();
    let (flow, auths) = generated(dir.path(), "60", "0.5");
    let o = check(&flow, &auths, &["--json"]);
    assert_eq!(code(&o), REFUSED, "{}", text(&o.stderr));
    assert_eq!(outcome(&o)["outcome"], "refused", "{}", outcome(&o));
    let o = check(&flow, &auths, &["--confirm", "verificato"]);
    assert_eq!(code(&o), REFUSED, "{}", text(&o.stdout));
}

#[test]
fn forceable_findings_only_wait_for_a_confirmation_with_exit_3_then_exit_0() {
    // R-FLO-1: a forceable finding (CG05, hourly pay outside 5–150 €) is accepted when the
    // sender confirms it with a note.
    let dir = tempfile::tempdir().unwrap();
    let (flow, auths) = generated(dir.path(), "60", "0");
    let xml = std::fs::read_to_string(&flow).unwrap();
    let (before, after) = xml.split_once("<RetribTeorica>").expect("a monthly pay");
    let (_, rest) = after.split_once("</RetribTeorica>").unwrap();
    std::fs::write(
        &flow,
        format!("{before}<RetribTeorica>99999.00</RetribTeorica>{rest}"),
    )
    .unwrap();

    let o = check(&flow, &auths, &["--json"]);
    assert_eq!(code(&o), NEEDS_CONFIRMATION, "{}", text(&o.stdout));
    let waiting = outcome(&o);
    assert_eq!(waiting["outcome"], "needs_confirmation", "{waiting}");
    assert_eq!(
        waiting["forceable"],
        serde_json::json!(["CG05"]),
        "{waiting}"
    );
    let o = check(&flow, &auths, &["--json", "--confirm", "paga verificata"]);
    assert_eq!(code(&o), ACCEPTED, "{}", text(&o.stdout));
    let accepted = outcome(&o);
    assert_eq!(
        accepted["outcome"], "accepted_with_confirmation",
        "{accepted}"
    );
    assert_eq!(accepted["note"], "paga verificata", "{accepted}");
}

#[test]
fn a_missing_file_or_bad_authorisations_exit_2_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (flow, auths) = generated(dir.path(), "5", "0");
    let o = check(&dir.path().join("assente.xml"), &auths, &[]);
    assert_eq!(code(&o), UNREADABLE);
    assert!(
        text(&o.stderr).contains("cannot open"),
        "{}",
        text(&o.stderr)
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"authorisations\": [").unwrap();
    let o = check(&flow, &bad, &[]);
    assert_eq!(code(&o), UNREADABLE);
    assert!(o.stdout.is_empty());
    assert!(!text(&o.stderr).is_empty());
}
