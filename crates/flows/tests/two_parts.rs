//! A large flow checked in two parts at once (`omnia_flows::split`) gives
//! exactly the report of one pass (R-FLO-1: every finding of the file, in file
//! order, with its line and context; control totals CO01/CO02; duplicates
//! CO07 and cumulative hours CA01/CA02 across the whole file), and falls back
//! to one pass when the parts cannot be merged exactly.

mod common;

use std::io::Cursor;

use common::*;
use omnia_flows::check::{CheckOptions, Hooks, Report, check_flow};
use omnia_flows::generate::{GenerateOptions, generate};
use omnia_flows::split::{Passes, check_xml_file};
use omnia_flows::{Authorisations, XmlReader};

struct Flow {
    xml: String,
    auths: String,
}

fn generated(records: u64, seed: u64, error_rate: f64, per_employer: u64) -> Flow {
    let mut o = GenerateOptions::new(
        records,
        omnia_flows::values::parse_month("2025-03").unwrap(),
    );
    o.seed = seed;
    o.error_rate = error_rate;
    o.workers_per_employer = per_employer;
    let (mut xml, mut auths) = (Vec::new(), Vec::new());
    generate(&o, &mut xml, Some(&mut auths)).expect("generate");
    Flow {
        xml: String::from_utf8(xml).unwrap(),
        auths: String::from_utf8(auths).unwrap(),
    }
}

fn options(max_findings: usize) -> CheckOptions {
    let mut o = CheckOptions::new(today());
    o.max_findings = max_findings;
    // Every test file is split, however small.
    o.split_min_bytes = 0;
    o
}

fn json(r: &Report) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

/// Checks `f` in one pass and from a file in two parts; the reports must be
/// equal. Returns how the file was checked.
fn same_report(f: &Flow, max_findings: usize) -> (Passes, Report) {
    let a = Authorisations::from_json_reader(f.auths.as_bytes()).expect("authorisations");
    let opts = options(max_findings);
    let one = check_flow(
        &mut XmlReader::new(Cursor::new(f.xml.as_bytes())),
        &a,
        &opts,
        Hooks::default(),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow.xml");
    std::fs::write(&path, &f.xml).unwrap();
    let mut last_progress = 0;
    let mut progress = |b: u64| last_progress = b;
    let hooks = Hooks {
        progress: Some(&mut progress),
        amount: None,
    };
    let (two, passes) = check_xml_file(&path, &a, &opts, hooks).expect("check");
    let (j1, j2) = (json(&one), json(&two));
    if j1 != j2 {
        for (k, v) in j1.as_object().unwrap() {
            assert_eq!(
                v, &j2[k],
                "{k} differs ({passes:?}): one pass {v:#}, two parts {:#}",
                j2[k]
            );
        }
    }
    assert!(last_progress <= f.xml.len() as u64);
    (passes, one)
}

fn assert_two(p: &Passes, what: &str) {
    assert!(matches!(p, Passes::Two { .. }), "{what}: {p:?}");
}

#[test]
fn generated_flows_give_the_one_pass_report() {
    for (records, seed, rate, per_employer) in [
        (400, 1, 0.0, 7),
        (600, 2, 0.1, 13),
        (800, 3, 0.5, 25),
        (300, 4, 1.0, 3),
        (1000, 5, 0.05, 250),
    ] {
        let f = generated(records, seed, rate, per_employer);
        let (p, r) = same_report(&f, 10_000);
        assert_two(&p, &format!("seed {seed}"));
        assert!(r.summary.records >= records);
    }
}

#[test]
fn the_findings_cap_is_applied_across_the_parts() {
    let f = generated(600, 6, 0.5, 11);
    for cap in [0, 3, 40, 150] {
        let (p, r) = same_report(&f, cap);
        assert_two(&p, "cap");
        assert!(r.truncated);
    }
}

/// The `<Azienda>` where the file is cut, and the byte offset of the cut.
fn cut_of(f: &Flow) -> usize {
    let a = Authorisations::from_json_reader(f.auths.as_bytes()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow.xml");
    std::fs::write(&path, &f.xml).unwrap();
    match check_xml_file(&path, &a, &options(10), Hooks::default())
        .unwrap()
        .1
    {
        Passes::Two { cut } => cut as usize,
        p => panic!("not cut: {p:?}"),
    }
}

/// The first `<DenunciaIndividuale>…</DenunciaIndividuale>` at or after `from`.
fn record_at(xml: &str, from: usize) -> (usize, usize) {
    let s = from + xml[from..].find("      <DenunciaIndividuale>").unwrap();
    let e =
        s + xml[s..].find("</DenunciaIndividuale>\n").unwrap() + "</DenunciaIndividuale>\n".len();
    (s, e)
}

#[test]
fn a_worker_in_both_parts_is_checked_in_one_pass() {
    // R-FLO-1 CO07: the second record of a worker is a duplicate wherever the
    // first one is.
    let mut f = generated(600, 7, 0.0, 10);
    let cut = cut_of(&f);
    let (s, e) = record_at(&f.xml, 0);
    let first = f.xml[s..e].to_owned();
    let (at, _) = record_at(&f.xml, cut);
    f.xml.insert_str(at, &first);
    let (p, r) = same_report(&f, 10_000);
    assert_eq!(p, Passes::One("lo stesso lavoratore in entrambe le parti"));
    assert_eq!(r.count(omnia_flows::Code::CO07), 1);
    assert_eq!(
        r.count(omnia_flows::Code::CO01),
        1,
        "NumeroRecord no longer matches"
    );
}

/// Moves the worker of the first record after the cut under the first
/// authorisation of the file (as beneficiary, with `extra_total` more hours
/// authorised in total, or a total of 1 hour), so that one authorisation is
/// used in both parts.
fn authorisation_in_both_parts(extra_total: Option<u64>) -> Flow {
    let mut f = generated(600, 8, 0.0, 10);
    let cut = cut_of(&f);
    let (s, e) = record_at(&f.xml, cut);
    let rec = f.xml[s..e].to_owned();
    let cf = &rec[rec.find("<CFLavoratore>").unwrap() + 14..rec.find("</CFLavoratore>").unwrap()];
    let number_at = f.auths.find("\"number\": \"").unwrap() + 11;
    let number = f.auths[number_at..number_at + 21].to_owned();
    let total_at = f.auths.find("\"total_hours\": \"").unwrap() + 16;
    let total_end = total_at + f.auths[total_at..].find('"').unwrap();
    let total: f64 = f.auths[total_at..total_end].parse().unwrap();
    let workers_at = f.auths.find("\"workers\": {").unwrap() + 12;
    let mut auths = f.auths.clone();
    auths.insert_str(workers_at, &format!("\"{cf}\": \"200\", "));
    let new_total = extra_total.map_or(1.0, |x| total + x as f64);
    auths.replace_range(total_at..total_end, &format!("{new_total:.2}"));
    let auth_line = |r: &str| {
        let s = r
            .find("        <Ticket>")
            .or_else(|| r.find("        <NumeroAutorizzazione>"))
            .unwrap();
        let e = s + r[s..].find('\n').unwrap() + 1;
        (s, e)
    };
    let (a, b) = auth_line(&rec);
    let mut moved = rec.clone();
    moved.replace_range(
        a..b,
        &format!("        <NumeroAutorizzazione>{number}</NumeroAutorizzazione>\n"),
    );
    f.xml.replace_range(s..e, &moved);
    f.auths = auths;
    f
}

#[test]
fn an_authorisation_used_in_both_parts() {
    // Under its total: each part's CA02 state is exact, the parts merge.
    let (p, r) = same_report(&authorisation_in_both_parts(Some(1_000)), 10_000);
    assert_two(&p, "under the total");
    assert_eq!(r.count(omnia_flows::Code::CA02), 0);
    assert!(
        r.count(omnia_flows::Code::CP02) >= 1,
        "employer of another authorisation"
    );
    // Over it: CA02 is reported once, where the total is first exceeded, which
    // only one pass knows.
    let (p, r) = same_report(&authorisation_in_both_parts(None), 10_000);
    assert_eq!(
        p,
        Passes::One("un'autorizzazione oltre il totale in entrambe le parti")
    );
    assert_eq!(r.count(omnia_flows::Code::CA02), 1);
}

#[test]
fn broken_files_give_the_one_pass_report() {
    let f = generated(600, 9, 0.1, 12);
    let cut = cut_of(&f);
    // Truncated in the second part: stopped there, no control totals.
    let mut t = Flow {
        xml: f.xml[..cut + (f.xml.len() - cut) / 2].to_owned(),
        auths: f.auths.clone(),
    };
    let (p, r) = same_report(&t, 10_000);
    assert_two(&p, "truncated");
    assert!(r.stopped);
    // A syntax error in the first part: one pass.
    t.xml = f.xml.clone();
    let (s, _) = record_at(&t.xml, cut / 2);
    t.xml.insert_str(s, "<Rotto a=\"1\" <");
    let (p, r) = same_report(&t, 10_000);
    assert!(matches!(p, Passes::One(_)), "{p:?}");
    assert!(r.stopped);
    // Structure errors on both sides of the cut, and a comment hiding the cut.
    t.xml = f.xml.clone();
    let (s, _) = record_at(&t.xml, cut);
    t.xml.insert_str(s, "<Ignoto>x</Ignoto>testo\n");
    t.xml.insert_str(cut - 1, "\n<!-- commento");
    let end = cut + 40 + t.xml[cut + 40..].find("\n").unwrap();
    t.xml.insert_str(end, " -->");
    let (p, _) = same_report(&t, 10_000);
    let _ = p;
    // Text before the first employer of the second part carries the context
    // of the last record of the first part.
    t.xml = f.xml.clone();
    let at = cut + t.xml[cut..].find("<CFAzienda>").unwrap();
    t.xml.insert_str(at, "<Sconosciuto/>");
    let (p, r) = same_report(&t, 10_000);
    assert_two(&p, "unknown element before the first employer");
    assert!(
        r.findings
            .iter()
            .any(|x| x.element == "Sconosciuto" && x.worker.is_some())
    );
}

#[test]
fn the_example_is_too_small_to_cut() {
    let a = auths(&example_auths());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flow.xml");
    std::fs::write(&path, example_xml()).unwrap();
    let (r, p) = check_xml_file(&path, &a, &CheckOptions::new(today()), Hooks::default()).unwrap();
    assert_eq!(p, Passes::One("file piccolo"));
    assert_eq!(json(&r), json(&check_xml(&example_xml(), &example_auths())));
}
