//! The published XSD validates the examples and generated flows (so the
//! reader and the schema cannot drift apart), and the SEPA writer produces
//! `pain.001.001.09` files valid against the ISO 20022 schema in `../shared/sepa/`.

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use common::*;
use omnia_domain::ids::Iban;
use omnia_flows::check::{CheckOptions, Hooks, Outcome, RecordAmount, check_flow};
use omnia_flows::generate::{Format, GenerateOptions, generate};
use omnia_flows::sepa::{Debtor, Payment, PaymentBatch, sepa_text};
use omnia_flows::{Code, XmlReader};
use rust_decimal::Decimal;

const FLOW_XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/flows/flow.xsd");
const SEPA_XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/sepa/pain.001.001.09.xsd"
);

fn validate(xsd: &str, file: &Path) -> Result<(), String> {
    let out = Command::new(xmllint())
        .args(["--noout", "--schema", xsd])
        .arg(file)
        .output()
        .expect("xmllint runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_xsd_validates_the_example_and_generated_flows() {
    let dir = tempfile::tempdir().unwrap();
    validate(
        FLOW_XSD,
        Path::new(&format!("{ROOT}/docs/flows/examples/flusso-esempio.xml")),
    )
    .unwrap();
    for (rate, seed) in [(0.0, 1), (0.3, 2)] {
        let mut o = GenerateOptions::new(300, omnia_flows::values::parse_month("2025-03").unwrap());
        o.seed = seed;
        o.error_rate = rate;
        o.workers_per_employer = 40;
        let path = dir.path().join(format!("g{seed}.xml"));
        let mut auth = Vec::new();
        let mut f = std::fs::File::create(&path).unwrap();
        let stats = generate(&o, &mut f, Some(&mut auth)).unwrap();
        drop(f);
        validate(FLOW_XSD, &path).unwrap();
        // The checker agrees with what the generator injected.
        let a = omnia_flows::Authorisations::from_json_reader(auth.as_slice()).unwrap();
        let xml = std::fs::read(&path).unwrap();
        let r = check_flow(
            &mut XmlReader::new(Cursor::new(xml)),
            &a,
            &CheckOptions::new(today()),
            Hooks::default(),
        );
        assert_eq!(r.summary.records, stats.records);
        assert_eq!(r.count(Code::CO01) + r.count(Code::CO02), 0);
        if rate == 0.0 {
            assert!(matches!(r.outcome, Outcome::Accepted), "{:#?}", r.findings);
        } else {
            for (code, n) in &stats.injected {
                let c = Code::parse(code).unwrap();
                assert!(
                    r.count(c) >= *n,
                    "{code}: injected {n}, found {}",
                    r.count(c)
                );
            }
        }
        // The CSV variant of the same data gives the same report.
        o.format = Format::Csv;
        let mut csv = Vec::new();
        generate(&o, &mut csv, None).unwrap();
        let rc = check_flow(
            &mut omnia_flows::csv::CsvReader::new(Cursor::new(csv)),
            &a,
            &CheckOptions::new(today()),
            Hooks::default(),
        );
        assert_eq!(rc.counts, r.counts);
        assert_eq!(rc.summary.total_net, r.summary.total_net);
    }
    // The schema rejects what the reader rejects structurally.
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        rep(
            &example_xml(),
            "<IBAN>IT48Z0139733482000000000001</IBAN>",
            "",
        ),
    )
    .unwrap();
    assert!(validate(FLOW_XSD, &bad).is_err());
}

#[test]
fn amounts_of_the_example_match_the_hand_computation_and_pay_by_sepa() {
    assert!(
        Path::new(SEPA_XSD).exists(),
        "missing {SEPA_XSD}: the shared folder must sit beside the clone (../shared/sepa/)"
    );
    let a = auths(&example_auths());
    let mut payments = Vec::new();
    let mut sink = |r: &RecordAmount<'_>| {
        payments.push(Payment {
            end_to_end_id: format!("OMNIA-{}-{}", r.month, r.line),
            amount: r.amount.net,
            creditor_name: r.name.map_or_else(|| r.worker.to_string(), str::to_owned),
            creditor_iban: r.iban.clone(),
            remittance: format!(
                "{} {} {} {}",
                r.benefit.code(),
                r.authorisation,
                r.month,
                r.worker
            ),
        });
    };
    let xml = example_xml();
    let r = check_flow(
        &mut XmlReader::new(Cursor::new(xml.as_bytes())),
        &a,
        &CheckOptions::new(today()),
        Hooks {
            progress: None,
            amount: Some(&mut sink),
        },
    );
    assert_eq!(r.outcome, Outcome::Accepted);
    let nets: Vec<String> = payments.iter().map(|p| p.amount.to_string()).collect();
    // Hand computation (R-AMT-1, massimale 2025 1,404.03 / 1,322.05, monthly hours 40 × 52 / 12):
    // 1) 2370 / 173.33 = 13.673 €/h × 40 h × 80 % = 437.54 > cap 1404.03 × 40 / 173.33 = 324.01;
    //    net cap 1322.05 × 40 / 173.33 = 305.09.
    // 2) part-time 50 %: 12.50 × 12 h × 80 % = 120.00 gross, × 0.9416 = 112.99 net.
    // 3) 10.00 × 16 h × 80 % = 128.00 gross, × 0.9416 = 120.52 net.
    assert_eq!(nets, ["305.09", "112.99", "120.52"]);
    assert_eq!(r.summary.total_gross, Decimal::new(57201, 2));

    let batch = PaymentBatch {
        message_id: "OMNIA-2025-03-0001".into(),
        created_at: NaiveDate::from_ymd_opt(2025, 4, 21)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap(),
        execution_date: NaiveDate::from_ymd_opt(2025, 4, 23).unwrap(),
        initiating_party: "INPS – Direzione centrale".into(),
        debtor: Debtor {
            name: "Istituto Nazionale della Previdenza Sociale".into(),
            iban: Iban::parse("IT60X0542811101000000123456").unwrap(),
            bic: Some("BPPIITRRXXX".into()),
        },
        payments,
    };
    assert_eq!(batch.control_sum().to_string(), "538.60");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pain.xml");
    let mut out = Vec::new();
    batch.write_pain001(&mut out).unwrap();
    std::fs::write(&path, &out).unwrap();
    validate(SEPA_XSD, &path).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&out)));
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("<NbOfTxs>3</NbOfTxs>") && text.contains("<CtrlSum>538.60</CtrlSum>"));
    assert!(text.contains("<Nm>Gallo Giulia</Nm>") && text.contains("<Nm>AABAAA95C49A944O</Nm>"));

    // Without a BIC, and with awkward names.
    let mut b2 = batch.clone();
    b2.debtor.bic = None;
    b2.payments.truncate(1);
    b2.payments[0].creditor_name = "Nicolò D'Annunzio & <Figli>".into();
    let mut out = Vec::new();
    b2.write_pain001(&mut out).unwrap();
    std::fs::write(&path, &out).unwrap();
    validate(SEPA_XSD, &path).unwrap();
    assert_eq!(
        sepa_text("Nicolò D'Annunzio & <Figli>", 70),
        "Nicolo D'Annunzio Figli"
    );
    b2.payments.clear();
    assert!(b2.write_pain001(&mut Vec::new()).is_err());
}
