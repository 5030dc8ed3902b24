//! Hostile and broken input: a clear, located finding, never a panic, never
//! an entity expansion.

mod common;

use std::io::Cursor;

use common::*;
use omnia_flows::check::{CheckOptions, Hooks, Outcome, check_flow};
use omnia_flows::csv::CsvReader;
use omnia_flows::{Authorisations, Code, XmlReader};
use proptest::prelude::*;

fn only_fatal(bytes: &[u8]) -> omnia_flows::Report {
    check_xml_at(bytes, &example_auths(), today())
}

#[test]
fn billion_laughs_is_refused_without_expansion() {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n",
    );
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        x.push_str(&format!(
            " <!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    x.push_str("]>\n<FlussoCig versione=\"1\"><Intestazione><CFMittente>&lol9;</CFMittente></Intestazione></FlussoCig>\n");
    let t = std::time::Instant::now();
    let r = only_fatal(x.as_bytes());
    assert!(t.elapsed().as_secs() < 2);
    assert!(r.stopped);
    assert_eq!(
        r.counts.keys().copied().collect::<Vec<_>>(),
        vec![Code::FO02]
    );
    assert_eq!(r.findings[0].line, 2);
    assert!(matches!(r.outcome, Outcome::Refused { .. }));
}

#[test]
fn external_dtd_and_undeclared_entities_are_refused() {
    let x = rep(
        &example_xml(),
        "<FlussoCig versione=\"1\">",
        "<!DOCTYPE FlussoCig SYSTEM \"http://example.invalid/x.dtd\">\n<FlussoCig versione=\"1\">",
    );
    assert_eq!(only_fatal(x.as_bytes()).count(Code::FO02), 1);
    let x = rep(
        &example_xml(),
        "<Nominativo>Gallo Giulia",
        "<Nominativo>&xxe;",
    );
    let r = only_fatal(x.as_bytes());
    assert_eq!(r.count(Code::FO02), 1);
    assert_eq!(
        r.findings
            .iter()
            .find(|f| f.code == Code::FO02)
            .unwrap()
            .element,
        "Nominativo"
    );
    let x = rep(&example_xml(), "versione=\"1\"", "versione=\"&xxe;\"");
    assert_eq!(only_fatal(x.as_bytes()).count(Code::FO02), 1);
}

#[test]
fn truncated_files_give_a_located_error() {
    let full = example_xml();
    for cut in [
        10,
        200,
        full.len() / 3,
        full.len() / 2,
        full.len() - 20,
        full.len() - 2,
    ] {
        let r = only_fatal(&full.as_bytes()[..cut]);
        assert!(r.stopped, "cut at {cut}");
        let f = r
            .findings
            .iter()
            .find(|f| matches!(f.code, Code::FO01 | Code::FO03))
            .unwrap_or_else(|| panic!("cut {cut}: {:#?}", r.findings));
        assert!(f.line >= 1, "{f:?}");
        let lines = full[..cut].lines().count() as u64;
        assert!(f.line <= lines + 1, "cut {cut}: line {} of {lines}", f.line);
        assert!(matches!(r.outcome, Outcome::Refused { .. }));
    }
    let cut = full
        .find("  <Azienda>\n    <CFAzienda>00010000370")
        .unwrap();
    let r = only_fatal(&full.as_bytes()[..cut]);
    let f = r.findings.iter().find(|f| f.code == Code::FO01).unwrap();
    assert!(f.message.contains("troncato"), "{f:?}");
    assert_eq!(f.line, full[..cut].lines().count() as u64 + 1);
    assert_eq!(only_fatal(b"").count(Code::FO01), 1);
}

#[test]
fn wrong_encodings_are_refused() {
    // Latin-1 bytes in a file declared UTF-8.
    let mut bytes = example_xml().into_bytes();
    let i = bytes.windows(5).position(|w| w == b"Gallo").unwrap();
    bytes[i + 4] = 0xF2; // 'ò' in ISO-8859-1
    let line = example_xml()
        .lines()
        .position(|l| l.contains("Gallo"))
        .unwrap() as u64
        + 1;
    let r = only_fatal(&bytes);
    assert_eq!(r.count(Code::FO03), 1, "{:#?}", r.findings);
    assert_eq!(r.findings.last().unwrap().line, line);
    // UTF-16 with BOM.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(example_xml().encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let r = only_fatal(&utf16);
    assert!(
        r.stopped && (r.count(Code::FO03) == 1 || r.count(Code::FO01) == 1),
        "{:#?}",
        r.findings
    );
    // No declaration at all.
    let x = example_xml().replacen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "", 1);
    assert_eq!(only_fatal(x.as_bytes()).count(Code::FO03), 1);
    // A UTF-8 BOM is fine.
    let x = format!("\u{feff}{}", example_xml());
    assert_eq!(only_fatal(x.as_bytes()).outcome, Outcome::Accepted);
    // CSV with a Latin-1 byte.
    let mut csv = example_csv().into_bytes();
    let i = csv.windows(5).position(|w| w == b"Gallo").unwrap();
    csv[i + 4] = 0xF2;
    let a = auths(&example_auths());
    let r = check_flow(
        &mut CsvReader::new(Cursor::new(csv)),
        &a,
        &CheckOptions::new(today()),
        Hooks::default(),
    );
    assert_eq!(r.count(Code::FO03), 1);
    assert_eq!(r.findings.last().unwrap().line, 10);
}

#[test]
fn control_totals_and_repeated_workers() {
    let x = rep(
        &rep(&example_xml(), "<NumeroRecord>3<", "<NumeroRecord>30<"),
        "<OreTotali>68.00<",
        "<OreTotali>1<",
    );
    let r = check_xml(&x, &example_auths());
    assert_eq!((r.count(Code::CO01), r.count(Code::CO02)), (1, 1));
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("dichiarato 30, record presenti 3"))
    );
    // The same worker twice (same month and classification), in two positions.
    let x = example_xml();
    let rec_start = x.find("      <DenunciaIndividuale>").unwrap();
    let rec_end = x.find("</DenunciaIndividuale>").unwrap() + "</DenunciaIndividuale>\n".len();
    let rec = &x[rec_start..rec_end];
    let x = rep(
        &x,
        "</PosContributiva>\n  </Azienda>\n</FlussoCig>",
        &format!(
            "</PosContributiva>\n    <PosContributiva>\n      <Matricola>4900000009</Matricola>\n{rec}    </PosContributiva>\n  </Azienda>\n</FlussoCig>"
        ),
    );
    let r = check_xml(&x, &example_auths());
    assert_eq!(r.count(Code::CO07), 1, "{:#?}", r.findings);
    let f = r.findings.iter().find(|f| f.code == Code::CO07).unwrap();
    assert_eq!(f.matricola.as_deref(), Some("4900000009"));
    assert_eq!(f.worker.as_deref(), Some("AAAAAA62S04F205M"));
}

#[test]
fn structure_errors_do_not_stop_the_reading() {
    let mut x = example_xml();
    x = rep(
        &x,
        "<Qualifica1>2</Qualifica1>",
        "<Qualifica1>2</Qualifica1><Qualifica1>2</Qualifica1>",
    );
    x = rep(
        &x,
        "<Matricola>4900000001</Matricola>",
        "<Extra><Nested>1</Nested></Extra><Matricola>4900000001</Matricola>",
    );
    x = rep(
        &x,
        "<IBAN>IT86P0465983929000000000003</IBAN>",
        "<IBAN>IT86P0465983929000000000004</IBAN>",
    );
    let r = check_xml(&x, &example_auths());
    assert!(!r.stopped);
    assert_eq!(r.count(Code::FO04), 2, "{:#?}", r.findings);
    assert_eq!(r.count(Code::FO10), 1);
    assert_eq!(r.summary.records, 3);
}

#[test]
fn the_findings_list_is_capped_but_all_are_counted() {
    let x = example_xml().replace("<OrarioContrattuale>40.00", "<OrarioContrattuale>60");
    let a = auths(&example_auths());
    let mut o = CheckOptions::new(today());
    o.max_findings = 1;
    let r = check_flow(
        &mut XmlReader::new(Cursor::new(x.as_bytes())),
        &a,
        &o,
        Hooks::default(),
    );
    assert_eq!(r.findings.len(), 1);
    assert!(r.truncated);
    assert_eq!(r.count(Code::CG01), 3);
}

#[test]
fn authorisations_files_are_validated() {
    for (bad, why) in [
        (r#"{"authorisations": [{"number": "X"}]}"#, "number"),
        (r#"{"authorisations": [], "extra": 1}"#, "extra"),
        (
            r#"{"authorisations": [{"number": "AUT.4900.2025.0000001", "employer_cf": "00010000008", "benefit": "cigo", "period": {"start": "2025-03-01", "end": "2025-03-31"}, "authorised_on": "2025-04-05", "workers": {"AAAAAA62S04F205M": "1", "AAAAAA62S04F205M": "2"}}]}"#,
            "twice",
        ),
        (
            r#"{"authorisations": [{"number": "AUT.4900.2025.0000001", "employer_cf": "00010000008", "benefit": "cigo", "period": {"start": "2025-03-01", "end": "2025-03-31"}, "authorised_on": "2025-04-05", "workers": {"00010000008": "1"}}]}"#,
            "person",
        ),
    ] {
        let e = Authorisations::from_json_reader(bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains(why), "{e}");
    }
}

#[test]
fn a_ticket_with_a_multibyte_character_is_a_finding_not_a_panic() {
    // Found by scripts/fuzz (flow_csv): 15 characters but 16 bytes, once a panic in
    // Ticket::parse; now FO11 on the record, in both formats.
    let bad = "TK20250000000\u{2eb}2";
    let csv = rep(&example_csv(), "TK202500000002T", bad);
    let r = check_csv(&csv, &example_auths());
    assert_eq!(r.count(Code::FO11), 1, "{:?}", r.counts);
    let xml = rep(
        &example_xml(),
        "<Ticket>TK202500000002T</Ticket>",
        &format!("<Ticket>{bad}</Ticket>"),
    );
    let r = check_xml(&xml, &example_auths());
    assert_eq!(r.count(Code::FO11), 1, "{:?}", r.counts);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let a = Authorisations::new();
        let o = CheckOptions::new(today());
        let _ = check_flow(&mut XmlReader::new(Cursor::new(&bytes)), &a, &o, Hooks::default());
        let _ = check_flow(&mut CsvReader::new(Cursor::new(&bytes)), &a, &o, Hooks::default());
    }

    #[test]
    fn mutated_examples_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let a = auths(&example_auths());
        let o = CheckOptions::new(today());
        for base in [example_xml().into_bytes(), example_csv().into_bytes()] {
            let mut b = base.clone();
            for (i, v) in &flips {
                let k = i.index(b.len());
                b[k] = *v;
            }
            let _ = check_flow(&mut XmlReader::new(Cursor::new(&b)), &a, &o, Hooks::default());
            let _ = check_flow(&mut CsvReader::new(Cursor::new(&b)), &a, &o, Hooks::default());
        }
    }
}
