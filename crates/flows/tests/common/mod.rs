#![allow(dead_code)]

use std::io::Cursor;

use chrono::NaiveDate;
use omnia_flows::check::{CheckOptions, Hooks, Report, check_flow};
use omnia_flows::csv::CsvReader;
use omnia_flows::{Authorisations, XmlReader};

pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

pub fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn example_xml() -> String {
    read("docs/flows/examples/flusso-esempio.xml")
}
pub fn example_csv() -> String {
    read("docs/flows/examples/flusso-esempio.csv")
}
pub fn example_auths() -> String {
    read("docs/flows/examples/autorizzazioni-esempio.json")
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 4, 20).unwrap()
}

pub fn auths(json: &str) -> Authorisations {
    Authorisations::from_json_reader(json.as_bytes()).expect("authorisations")
}

pub fn check_xml_at(xml: &[u8], json: &str, today: NaiveDate) -> Report {
    let a = auths(json);
    let opts = CheckOptions::new(today);
    check_flow(
        &mut XmlReader::new(Cursor::new(xml)),
        &a,
        &opts,
        Hooks::default(),
    )
}

pub fn check_xml(xml: &str, json: &str) -> Report {
    check_xml_at(xml.as_bytes(), json, today())
}

pub fn check_csv(csv: &str, json: &str) -> Report {
    let a = auths(json);
    let opts = CheckOptions::new(today());
    check_flow(
        &mut CsvReader::new(Cursor::new(csv.as_bytes())),
        &a,
        &opts,
        Hooks::default(),
    )
}

/// Replaces exactly the first occurrence, failing if absent.
pub fn rep(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "fixture does not contain {from:?}");
    s.replacen(from, to, 1)
}

/// Replaces the `n`-th (0-based) occurrence.
pub fn rep_nth(s: &str, from: &str, to: &str, n: usize) -> String {
    let (i, _) = s
        .match_indices(from)
        .nth(n)
        .unwrap_or_else(|| panic!("no occurrence {n} of {from:?}"));
    format!("{}{}{}", &s[..i], to, &s[i + from.len()..])
}

pub fn xmllint() -> &'static str {
    let ok = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok();
    assert!(
        ok,
        "xmllint not found: install libxml2-utils (apt-get install libxml2-utils)"
    );
    "xmllint"
}
