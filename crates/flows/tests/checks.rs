//! Every check code: a fixture that triggers it and a near miss that does
//! not (both derived from the annotated example in `docs/flows/examples/`).

mod common;

use common::*;
use omnia_flows::Code;
use omnia_flows::check::Outcome;

type Mutation = fn(String, String) -> (String, String);

struct Case {
    code: Code,
    trigger: Mutation,
    near_miss: Mutation,
}

const R1_DAY1: &str = r#"<Giorno data="2025-03-10" ore="8.00" evento="CIGO"/>"#;
const R3_HEAD: &str = r#"<DenunciaIndividuale tipo="N">"#;

fn record(xml: &str, n: usize) -> String {
    let start = xml.match_indices("<DenunciaIndividuale").nth(n).unwrap().0;
    let end = xml[start..].find("</DenunciaIndividuale>").unwrap()
        + start
        + "</DenunciaIndividuale>".len();
    xml[start..end].to_owned()
}

/// Adds a record (copy of record `n`, transformed) after record 3 and fixes
/// the control totals.
fn add_record(
    xml: &str,
    n: usize,
    f: impl Fn(String) -> String,
    extra_hours: &str,
    records: u32,
) -> String {
    let r = f(record(xml, n));
    let x = rep(
        xml,
        "</DenunciaIndividuale>\n    </PosContributiva>\n  </Azienda>\n</FlussoCig>",
        &format!("</DenunciaIndividuale>\n{r}\n    </PosContributiva>\n  </Azienda>\n</FlussoCig>"),
    );
    let x = rep(
        &x,
        "<NumeroRecord>3</NumeroRecord>",
        &format!("<NumeroRecord>{records}</NumeroRecord>"),
    );
    rep(
        &x,
        "<OreTotali>68.00</OreTotali>",
        &format!("<OreTotali>{extra_hours}</OreTotali>"),
    )
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            code: Code::FO01,
            trigger: |x, j| (x[..x.len() / 2].to_owned(), j),
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::FO02,
            trigger: |x, j| {
                (
                    rep(&x, "<Nominativo>Gallo Giulia", "<Nominativo>Gallo &giulia;"),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<Nominativo>Gallo Giulia",
                        "<Nominativo>Gallo &amp; Giulia &#233;",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::FO03,
            trigger: |x, j| (rep(&x, "encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""), j),
            near_miss: |x, j| (rep(&x, "encoding=\"UTF-8\"", "encoding=\"utf-8\""), j),
        },
        Case {
            code: Code::FO04,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<Competenza>2025-03</Competenza>",
                        "<Competenza>2025-03</Competenza><Colore>blu</Colore>",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<Competenza>2025-03</Competenza>",
                        "<Competenza>2025-03</Competenza><!-- nota -->",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::FO05,
            trigger: |x, j| (rep(&x, "<IBAN>IT48Z0139733482000000000001</IBAN>", ""), j),
            near_miss: |x, j| (rep(&x, "<Nominativo>Gallo Giulia</Nominativo>", ""), j),
        },
        Case {
            code: Code::FO06,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<Competenza>2025-03</Competenza>",
                        "<Competenza>2025-3</Competenza>",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<Competenza>2025-03</Competenza>",
                        "<Competenza> 2025-03 </Competenza>",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::FO07,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<CFAzienda>00010000370</CFAzienda>",
                        "<CFAzienda>00010000371</CFAzienda>",
                    ),
                    j,
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::FO08,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<Matricola>4900000000</Matricola>",
                        "<Matricola>49000A0000</Matricola>",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<Matricola>4900000000</Matricola>",
                        "<Matricola>0000000001</Matricola>",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::FO09,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<CFLavoratore>AAAAAA62S04F205M",
                        "<CFLavoratore>AAAAAA62S04F205N",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<CFLavoratore>AAAAAA62S04F205M",
                        "<CFLavoratore>aaaaaa62s04f205m",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::FO10,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "IT48Z0139733482000000000001",
                        "IT48Z0139733482000000000010",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "IT48Z0139733482000000000001",
                        "IT 48 Z013 9733 4820 0000 0000 001",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::FO11,
            trigger: |x, j| {
                (
                    rep(&x, "<Ticket>TK202500000001S", "<Ticket>TK202500000001X"),
                    j,
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::FO12,
            trigger: |x, j| {
                (
                    rep(&x, "<CFMittente>01234567897", "<CFMittente>01234567890"),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<CFMittente>01234567897",
                        "<CFMittente>AAAAAA62S04F205M",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::CO01,
            trigger: |x, j| (rep(&x, "<NumeroRecord>3<", "<NumeroRecord>4<"), j),
            near_miss: |x, j| (rep(&x, "<NumeroRecord>3<", "<NumeroRecord>03<"), j),
        },
        Case {
            code: Code::CO02,
            trigger: |x, j| (rep(&x, "<OreTotali>68.00<", "<OreTotali>68.50<"), j),
            near_miss: |x, j| (rep(&x, "<OreTotali>68.00<", "<OreTotali>68<"), j),
        },
        Case {
            code: Code::CO03,
            trigger: |x, j| {
                (
                    rep(
                        &rep(&x, "<PeriodoDa>2025-03", "<PeriodoDa>2025-04"),
                        "<PeriodoA>2025-03",
                        "<PeriodoA>2025-04",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &rep(&x, "<PeriodoDa>2025-03", "<PeriodoDa>2025-02"),
                        "<PeriodoA>2025-03",
                        "<PeriodoA>2025-04",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::CO04,
            trigger: |x, j| (rep(&x, "data=\"2025-03-10\"", "data=\"2025-04-10\""), j),
            near_miss: |x, j| (rep(&x, "data=\"2025-03-10\"", "data=\"2025-03-03\""), j),
        },
        Case {
            code: Code::CO05,
            trigger: |x, j| (rep(&x, "data=\"2025-03-10\"", "data=\"2025-03-11\""), j),
            near_miss: |x, j| (rep(&x, "data=\"2025-03-10\"", "data=\"2025-03-07\""), j),
        },
        Case {
            code: Code::CO06,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<RetribTeorica>2370.00",
                        "<PercPartTime>80</PercPartTime><RetribTeorica>2370.00",
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<RetribTeorica>2370.00",
                        "<PercPartTime>100</PercPartTime><RetribTeorica>2370.00",
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::CO07,
            trigger: |x, j| (add_record(&x, 2, |r| r, "84.00", 4), j),
            near_miss: |x, j| {
                (
                    add_record(
                        &x,
                        2,
                        |r| rep(&r, "<Qualifica1>1", "<Qualifica1>2"),
                        "84.00",
                        4,
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::CO08,
            trigger: |x, j| {
                (
                    x,
                    rep(&j, "\"month\": \"2025-02\"", "\"month\": \"2025-03\""),
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        "<DenunciaIndividuale>",
                        "<DenunciaIndividuale tipo=\"S\">",
                    ),
                    rep(&j, "\"month\": \"2025-02\"", "\"month\": \"2025-03\""),
                )
            },
        },
        Case {
            code: Code::CO09,
            trigger: |x, j| (rep(&x, R3_HEAD, "<DenunciaIndividuale tipo=\"S\">"), j),
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CG01,
            trigger: |x, j| {
                (
                    rep(&x, "<OrarioContrattuale>40.00", "<OrarioContrattuale>48.50"),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(&x, "<OrarioContrattuale>40.00", "<OrarioContrattuale>48"),
                    j,
                )
            },
        },
        Case {
            code: Code::CG02,
            trigger: |x, j| (rep(&x, "<PercPartTime>50.00", "<PercPartTime>0.50"), j),
            near_miss: |x, j| (rep(&x, "<PercPartTime>50.00", "<PercPartTime>1"), j),
        },
        Case {
            code: Code::CG03,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        R1_DAY1,
                        r#"<Giorno data="2025-03-10" ore="8.01" evento="CIGO"/>"#,
                    ),
                    j,
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CG04,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        R1_DAY1,
                        r#"<Giorno data="2025-03-10" ore="0.00" evento="CIGO"/>"#,
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                (
                    rep(
                        &x,
                        R1_DAY1,
                        r#"<Giorno data="2025-03-10" ore="0.01" evento="CIGO"/>"#,
                    ),
                    j,
                )
            },
        },
        Case {
            code: Code::CG05,
            trigger: |x, j| (rep(&x, "<PagaOraria>10.00", "<PagaOraria>4.99"), j),
            near_miss: |x, j| (rep(&x, "<PagaOraria>10.00", "<PagaOraria>5.00"), j),
        },
        Case {
            code: Code::CG06,
            trigger: |x, j| {
                (
                    rep(&x, "IT48Z0139733482000000000001", "DE89370400440532013000"),
                    j,
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CG07,
            trigger: |x, j| (rep(&x, "data=\"2025-03-10\"", "data=\"2025-03-16\""), j),
            near_miss: |x, j| (rep(&x, "data=\"2025-03-10\"", "data=\"2025-03-17\""), j),
        },
        Case {
            code: Code::CP01,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<NumeroAutorizzazione>AUT.4900.2025.0000001",
                        "<NumeroAutorizzazione>AUT.4900.2025.0000099",
                    ),
                    j,
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CP02,
            trigger: |x, j| {
                (
                    x,
                    rep(
                        &j,
                        "\"employer_cf\": \"00010000370\"",
                        "\"employer_cf\": \"00010000008\"",
                    ),
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CP03,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        R1_DAY1,
                        r#"<Giorno data="2025-03-10" ore="8.00" evento="AISF"/>"#,
                    ),
                    j,
                )
            },
            near_miss: |x, j| {
                let mut x = x;
                for _ in 0..8 {
                    x = rep(&x, "evento=\"CIGO\"", "evento=\"AISF\"");
                }
                (
                    x,
                    rep(&j, "\"benefit\": \"cigo\"", "\"benefit\": \"ais_fis\""),
                )
            },
        },
        Case {
            code: Code::CP04,
            trigger: |x, j| {
                (
                    x,
                    rep(
                        &j,
                        "\"AABAAA95C49A944O\": \"40\"",
                        "\"AAAAAA80A01H501R\": \"40\"",
                    ),
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CP05,
            trigger: |x, j| {
                (
                    x,
                    rep(&j, "\"start\": \"2025-03-01\"", "\"start\": \"2025-03-11\""),
                )
            },
            near_miss: |x, j| {
                (
                    x,
                    rep(&j, "\"start\": \"2025-03-01\"", "\"start\": \"2025-03-10\""),
                )
            },
        },
        Case {
            code: Code::CP06,
            trigger: |x, j| (cp06_flow(&x, "2025-03-10"), cp06_auths(&j)),
            near_miss: |x, j| (cp06_flow(&x, "2025-03-03"), cp06_auths(&j)),
        },
        Case {
            code: Code::CP07,
            trigger: |x, j| {
                (
                    rep(
                        &x,
                        "<NumeroAutorizzazione>AUT.4900.2025.0000002",
                        "<NumeroAutorizzazione>AUT.4900.2025.0000001",
                    ),
                    j,
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CP08,
            trigger: |x, j| {
                (
                    x,
                    rep_nth(&j, "\"benefit\": \"cigo\"", "\"benefit\": \"cisoa\"", 1),
                )
            },
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CP09,
            trigger: |x, j| (x, j),
            near_miss: |x, j| (x, j),
        },
        Case {
            code: Code::CP10,
            trigger: |x, j| {
                (
                    x,
                    rep(
                        &j,
                        "\"total_hours\": \"120\",",
                        "\"total_hours\": \"120\", \"payment\": \"conguaglio\",",
                    ),
                )
            },
            near_miss: |x, j| {
                (
                    x,
                    rep(
                        &j,
                        "\"total_hours\": \"120\",",
                        "\"total_hours\": \"120\", \"payment\": \"direct\",",
                    ),
                )
            },
        },
        Case {
            code: Code::CA01,
            trigger: |x, j| {
                (
                    x,
                    rep(
                        &j,
                        "\"AAAAAA62S04F205M\": \"80\"",
                        "\"AAAAAA62S04F205M\": \"55.99\"",
                    ),
                )
            },
            near_miss: |x, j| {
                (
                    x,
                    rep(
                        &j,
                        "\"AAAAAA62S04F205M\": \"80\"",
                        "\"AAAAAA62S04F205M\": \"56\"",
                    ),
                )
            },
        },
        Case {
            code: Code::CA02,
            trigger: |x, j| {
                (
                    x,
                    rep(&j, "\"total_hours\": \"120\"", "\"total_hours\": \"67.99\""),
                )
            },
            near_miss: |x, j| {
                (
                    x,
                    rep(&j, "\"total_hours\": \"120\"", "\"total_hours\": \"68\""),
                )
            },
        },
        Case {
            code: Code::CA03,
            trigger: |x, j| (x, j),
            near_miss: |x, j| {
                (
                    rep(&x, "<RetribTeorica>2370.00", "<RetribTeorica>1500.00"),
                    j,
                )
            },
        },
    ]
}

/// A second record for worker 1 in March, other classification, under a
/// second authorisation (AIS FIS) of the same employer, from `first_day` on.
fn cp06_flow(x: &str, first_day: &str) -> String {
    let days = if first_day == "2025-03-10" {
        ["2025-03-10", "2025-03-11"]
    } else {
        ["2025-03-03", "2025-03-04"]
    };
    let rec = format!(
        "      <DenunciaIndividuale>\n        <CFLavoratore>AAAAAA62S04F205M</CFLavoratore>\n        <Competenza>2025-03</Competenza>\n        <Qualifica1>2</Qualifica1><Qualifica2>F</Qualifica2><Qualifica3>I</Qualifica3>\n        <TipoContribuzione>00</TipoContribuzione><UnitaProduttiva>1</UnitaProduttiva>\n        <OrarioContrattuale>40</OrarioContrattuale><PagaOraria>12</PagaOraria>\n        <NumeroAutorizzazione>AUT.4900.2025.0000003</NumeroAutorizzazione>\n        <IBAN>IT48Z0139733482000000000001</IBAN>\n        <Giorno data=\"{}\" ore=\"2\" evento=\"AISF\"/><Giorno data=\"{}\" ore=\"2\" evento=\"AISF\"/>\n      </DenunciaIndividuale>\n",
        days[0], days[1]
    );
    let x = rep(
        x,
        "    </PosContributiva>\n  </Azienda>\n\n  <Azienda>",
        &format!("{rec}    </PosContributiva>\n  </Azienda>\n\n  <Azienda>"),
    );
    let x = rep(&x, "<NumeroRecord>3<", "<NumeroRecord>4<");
    rep(&x, "<OreTotali>68.00<", "<OreTotali>72.00<")
}

fn cp06_auths(j: &str) -> String {
    rep(
        j,
        "  ],\n  \"accepted_records\"",
        ",\n    {\"number\": \"AUT.4900.2025.0000003\", \"employer_cf\": \"00010000008\", \"benefit\": \"ais_fis\", \"period\": {\"start\": \"2025-03-01\", \"end\": \"2025-03-31\"}, \"authorised_on\": \"2025-04-05\", \"workers\": {\"AAAAAA62S04F205M\": 40}}\n  ],\n  \"accepted_records\"",
    )
}

#[test]
fn the_example_is_accepted_with_only_the_massimale_info() {
    let r = check_xml(&example_xml(), &example_auths());
    assert_eq!(
        r.counts.keys().copied().collect::<Vec<_>>(),
        vec![Code::CA03],
        "{:#?}",
        r.findings
    );
    assert_eq!(r.outcome, Outcome::Accepted);
    assert_eq!(r.summary.records, 3);
    assert_eq!(r.summary.hours, "68.00");
    let c = check_csv(&example_csv(), &example_auths());
    assert_eq!(c.counts, r.counts);
    assert_eq!(c.summary.total_net, r.summary.total_net);
    assert_eq!(c.summary.total_gross, r.summary.total_gross);
    assert_eq!(c.summary.days, r.summary.days);
}

#[test]
fn every_code_has_a_triggering_fixture_and_a_near_miss() {
    let cases = cases();
    let covered: Vec<Code> = cases.iter().map(|c| c.code).collect();
    assert_eq!(covered, Code::ALL, "one case per catalogue code, in order");
    for case in cases {
        let day = if case.code == Code::CP09 {
            chrono::NaiveDate::from_ymd_opt(2025, 6, 5).unwrap()
        } else {
            today()
        };
        let (x, j) = (case.trigger)(example_xml(), example_auths());
        let r = check_xml_at(x.as_bytes(), &j, day);
        assert!(
            r.count(case.code) > 0,
            "{} not triggered: {:#?}",
            case.code,
            r.findings
        );
        let f = r.findings.iter().find(|f| f.code == case.code).unwrap();
        assert!(
            f.line > 0 && !f.element.is_empty() && !f.message.is_empty(),
            "{} unlocated: {f:?}",
            case.code
        );
        let near_today = if case.code == Code::CP09 {
            chrono::NaiveDate::from_ymd_opt(2025, 6, 4).unwrap()
        } else {
            today()
        };
        let (x, j) = (case.near_miss)(example_xml(), example_auths());
        let r = check_xml_at(x.as_bytes(), &j, near_today);
        assert_eq!(
            r.count(case.code),
            0,
            "{} triggered by the near miss: {:#?}",
            case.code,
            r.findings
        );
    }
}

#[test]
fn findings_carry_worker_month_and_element() {
    let x = rep(
        &example_xml(),
        R1_DAY1,
        r#"<Giorno data="2025-03-10" ore="9.00" evento="CIGO"/>"#,
    );
    let r = check_xml(&x, &example_auths());
    let f = r.findings.iter().find(|f| f.code == Code::CG03).unwrap();
    assert_eq!(f.worker.as_deref(), Some("AAAAAA62S04F205M"));
    assert_eq!(f.month.as_deref(), Some("2025-03"));
    assert_eq!(f.employer.as_deref(), Some("00010000008"));
    assert_eq!(f.element, "Giorno");
    let line = example_xml()
        .lines()
        .position(|l| l.contains("data=\"2025-03-10\""))
        .unwrap() as u64
        + 1;
    assert_eq!(f.line, line);
    assert_eq!(f.column, 9);
}

#[test]
fn all_findings_in_one_pass() {
    let mut x = example_xml();
    x = rep(
        &x,
        "<CFLavoratore>AAAAAA62S04F205M",
        "<CFLavoratore>AAAAAA62S04F205N",
    );
    x = rep(&x, "<OrarioContrattuale>40.00", "<OrarioContrattuale>60");
    x = rep(
        &x,
        "IT86P0465983929000000000003",
        "IT86P0465983929000000000004",
    );
    x = rep(&x, "<NumeroRecord>3<", "<NumeroRecord>7<");
    let r = check_xml(&x, &example_auths());
    for c in [Code::FO09, Code::CG01, Code::FO10, Code::CO01] {
        assert!(r.count(c) > 0, "{c} missing: {:#?}", r.findings);
    }
    assert!(matches!(r.outcome, Outcome::Refused { .. }));
}

#[test]
fn forceable_findings_need_a_confirmation_with_a_note() {
    let x = rep(&example_xml(), "<PagaOraria>10.00", "<PagaOraria>3.00");
    let r = check_xml(&x, &example_auths());
    assert_eq!(
        r.outcome,
        Outcome::NeedsConfirmation {
            forceable: vec![Code::CG05]
        }
    );
    assert_eq!(r.accepted_with_confirmation("  "), r.outcome);
    assert_eq!(
        r.accepted_with_confirmation("apprendista, paga da contratto"),
        Outcome::AcceptedWithConfirmation {
            note: "apprendista, paga da contratto".into(),
            forced: vec![Code::CG05]
        }
    );
    // Blocking findings cannot be confirmed away.
    let x = rep(&x, "<NumeroRecord>3<", "<NumeroRecord>2<");
    let r = check_xml(&x, &example_auths());
    assert!(matches!(
        r.accepted_with_confirmation("nota"),
        Outcome::Refused { .. }
    ));
}

#[test]
fn the_deadline_is_the_later_of_two_months_and_sixty_days() {
    // Authorised on 2025-04-05: 60 days → 2025-06-04, later than 2025-05-31.
    let ok = check_xml_at(
        example_xml().as_bytes(),
        &example_auths(),
        chrono::NaiveDate::from_ymd_opt(2025, 6, 4).unwrap(),
    );
    assert_eq!(ok.count(Code::CP09), 0);
    let late = rep(
        &example_auths(),
        "\"authorised_on\": \"2025-04-05\"",
        "\"authorised_on\": \"2025-03-20\"",
    );
    // 2025-03-20 + 60 = 2025-05-19 < 2025-05-31: the month rule wins.
    let r = check_xml_at(
        example_xml().as_bytes(),
        &late,
        chrono::NaiveDate::from_ymd_opt(2025, 5, 31).unwrap(),
    );
    assert_eq!(r.count(Code::CP09), 0);
    let r = check_xml_at(
        example_xml().as_bytes(),
        &late,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
    );
    assert_eq!(r.count(Code::CP09), 2, "both records of authorisation 1");
}

#[test]
fn the_catalogue_is_documented() {
    let doc = read("docs/flows/checks.md");
    for c in Code::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", c.as_str())))
            .unwrap_or_else(|| panic!("{c} missing from docs/flows/checks.md"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let j = |v: &dyn erased::Ser| v.json();
        assert_eq!(cells[2], j(&c.class()), "{c} class");
        assert_eq!(cells[3], j(&c.severity()), "{c} severity");
        assert_eq!(cells[4], j(&c.level()), "{c} level");
        assert_eq!(cells[5], c.title_it(), "{c} title");
        assert_eq!(cells[6], c.title_en(), "{c} English title");
    }
}

mod erased {
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_value(self)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        }
    }
}

#[test]
fn the_threaded_reader_gives_the_same_report() {
    use omnia_flows::check::{CheckOptions, Hooks, check_flow};
    use omnia_flows::pipeline::Threaded;
    let mut o = omnia_flows::generate::GenerateOptions::new(
        2_000,
        omnia_flows::values::parse_month("2025-03").unwrap(),
    );
    o.error_rate = 0.2;
    let mut xml = Vec::new();
    let mut auth = Vec::new();
    omnia_flows::generate::generate(&o, &mut xml, Some(&mut auth)).unwrap();
    let a = omnia_flows::Authorisations::from_json_reader(auth.as_slice()).unwrap();
    let opts = CheckOptions::new(today());
    let direct = check_flow(
        &mut omnia_flows::XmlReader::new(std::io::Cursor::new(xml.clone())),
        &a,
        &opts,
        Hooks::default(),
    );
    let mut t = Threaded::spawn(omnia_flows::XmlReader::new(std::io::Cursor::new(
        xml.clone(),
    )))
    .unwrap();
    let threaded = check_flow(&mut t, &a, &opts, Hooks::default());
    assert_eq!(
        serde_json::to_value(&direct).unwrap(),
        serde_json::to_value(&threaded).unwrap()
    );
    assert!(direct.count(Code::CO07) > 0);
    // Truncated input: the fatal error crosses the thread too.
    let cut = xml[..xml.len() / 2].to_vec();
    let mut t = Threaded::spawn(omnia_flows::XmlReader::new(std::io::Cursor::new(cut))).unwrap();
    let r = check_flow(&mut t, &a, &opts, Hooks::default());
    assert!(r.stopped && r.count(Code::FO01) == 1);
}
