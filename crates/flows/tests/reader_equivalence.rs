//! The production XML reader (hand-written lexer) against the quick-xml
//! reader it replaced, kept as the reference: on fixtures, generated flows
//! and mutated or truncated inputs both must hand the checker the same items
//! (with the same field values and locations) and the same structural issues,
//! and stop on the same kind of fatal error (R-FLO-1: every finding located,
//! malformed input refused with a clear error).

mod common;

use std::io::Cursor;

use common::*;
use omnia_flows::generate::{GenerateOptions, generate};
use omnia_flows::model::{Field, Item};
use omnia_flows::xml::lexer::MAX_TOKEN;
use omnia_flows::{Code, FlowReader, Location, QuickXmlReader, XmlReader};
use proptest::prelude::*;

/// A location as compared: with the column, or (for inputs whose tags may
/// span lines, where the reference reports column 1) line and offset only.
fn at(l: Location, columns: bool) -> String {
    if columns {
        format!("{}:{}@{}", l.line, l.column, l.offset)
    } else {
        format!("{}@{}", l.line, l.offset)
    }
}

fn field(out: &mut Vec<String>, name: &str, f: &Field, c: bool) {
    if f.present {
        out.push(format!("  {name}={:?} {}", f.value, at(f.loc, c)));
    }
}

/// Everything a reader hands the checker, as lines; a fatal error by its code.
fn stream<R: FlowReader>(mut r: R, c: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for _ in 0..1_000_000 {
        let item = r.next_item(&mut issues);
        for i in issues.drain(..) {
            // Stray text: the reference locates it two bytes early (it derives
            // locations from tag lengths), ours at its first character; the
            // line is the same.
            // Likewise at an end tag (the missing children of the root), one
            // byte late in the reference.
            let loc = if i.detail.starts_with("testo non previsto")
                || i.detail.ends_with("mancante in <FlussoCig>")
            {
                format!("line {}", i.loc.line)
            } else {
                at(i.loc, c)
            };
            out.push(format!(
                "  issue {} {loc} <{}> {}",
                i.code, i.element, i.detail
            ));
        }
        match item {
            Ok(Item::Header) => {
                let h = r.header();
                out.push(format!("header {}", at(h.loc, c)));
                for (i, f) in h.fields.iter().enumerate() {
                    field(&mut out, &i.to_string(), f, c);
                }
            }
            Ok(Item::Employer) => {
                let e = r.employer();
                out.push(format!("employer {}", at(e.loc, c)));
                field(&mut out, "cf", &e.cf, c);
            }
            Ok(Item::Position) => {
                let p = r.position();
                out.push(format!("position {}", at(p.loc, c)));
                field(&mut out, "matricola", &p.matricola, c);
            }
            Ok(Item::Record) => {
                let rec = r.record();
                out.push(format!("record {}", at(rec.loc, c)));
                field(&mut out, "tipo", &rec.kind, c);
                for (i, f) in rec.fields.iter().enumerate() {
                    field(&mut out, &i.to_string(), f, c);
                }
                for d in rec.days() {
                    out.push(format!("  day {}", at(d.loc, c)));
                    field(&mut out, "data", &d.date, c);
                    field(&mut out, "ore", &d.hours, c);
                    field(&mut out, "evento", &d.event, c);
                }
            }
            Ok(Item::End) => {
                out.push(format!("end at byte {}", r.bytes_read()));
                return out;
            }
            Err(f) => {
                out.push(format!("fatal {}", f.code));
                return out;
            }
        }
    }
    panic!("reader does not end");
}

fn assert_same(bytes: &[u8], what: &str) {
    assert_same_at(bytes, what, true);
}

fn assert_same_at(bytes: &[u8], what: &str, columns: bool) {
    let ours = stream(XmlReader::new(Cursor::new(bytes)), columns);
    let reference = stream(QuickXmlReader::new(Cursor::new(bytes)), columns);
    if ours != reference {
        let at = ours
            .iter()
            .zip(&reference)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(reference.len()));
        panic!(
            "{what}: readers differ at line {at}\n ours: {:?}\n  ref: {:?}\ninput: {:?}",
            ours.get(at),
            reference.get(at),
            String::from_utf8_lossy(&bytes[tail_from(&ours, &reference, at, bytes.len())..])
        );
    }
}

/// Where to start showing the input: a little before the last location both agree on.
fn tail_from(a: &[String], b: &[String], at: usize, len: usize) -> usize {
    let off = a[..at.min(a.len()).min(b.len())]
        .iter()
        .rev()
        .find_map(|l| {
            l.rsplit('@')
                .next()?
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    off.saturating_sub(100).min(len)
}

fn generated(records: u64, seed: u64, error_rate: f64) -> Vec<u8> {
    let mut o = GenerateOptions::new(
        records,
        omnia_flows::values::parse_month("2025-03").unwrap(),
    );
    o.seed = seed;
    o.error_rate = error_rate;
    o.workers_per_employer = 7;
    let mut out = Vec::new();
    generate(&o, &mut out, None).expect("generate");
    out
}

#[test]
fn the_example_and_generated_flows_read_the_same() {
    assert_same(example_xml().as_bytes(), "example");
    for (seed, rate) in [(1, 0.0), (2, 0.2), (3, 1.0)] {
        assert_same(
            &generated(300, seed, rate),
            &format!("generated seed {seed}"),
        );
    }
}

#[test]
fn a_flow_larger_than_the_reading_buffer_reads_the_same() {
    // Several MiB: records straddle the end of the 1 MiB buffer, where the
    // whole-record fast path gives way to the token path.
    let flow = generated(5_000, 4, 0.1);
    assert!(flow.len() > 3 * MAX_TOKEN, "{} bytes", flow.len());
    assert_same(&flow, "generated, 5,000 records");
}

#[test]
fn every_truncation_of_the_example_reads_the_same() {
    let x = example_xml().into_bytes();
    for n in 0..x.len() {
        assert_same(&x[..n], &format!("truncated at {n}"));
    }
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FlussoCig versione=\"1\">\n<Intestazione><CFMittente>01234567897</CFMittente><PeriodoDa>2025-03</PeriodoDa><PeriodoA>2025-03</PeriodoA><NumeroRecord>1</NumeroRecord><OreTotali>8</OreTotali></Intestazione>\n";

#[test]
fn edge_cases_of_the_syntax_read_the_same() {
    let bodies = [
        // References, CDATA, comments, processing instructions inside leaves.
        "<Azienda><CFAzienda> &#x30;1234567897 </CFAzienda><PosContributiva><Matricola><![CDATA[12]]>34<!-- c -->567890</Matricola><DenunciaIndividuale tipo='S'><CFLavoratore>RSS&amp;MRA</CFLavoratore><?pi x?><Giorno data=\"2025-03-03\" ore = '8' evento=\"CI&#71;O\"></Giorno></DenunciaIndividuale></PosContributiva></Azienda>",
        // Unknown, nested unknown and repeated elements, text where none is expected.
        "<Azienda>testo<Ignoto><A><B/></A></Ignoto><CFAzienda>x</CFAzienda><CFAzienda>y</CFAzienda><PosContributiva><Matricola>1<X/></Matricola><DenunciaIndividuale><Giorno data=\"1\">t</Giorno><IBAN>I</IBAN></DenunciaIndividuale></PosContributiva></Azienda>",
        // Empty containers and attributes out of place.
        "<Azienda/><Azienda x=\"1\"><PosContributiva/></Azienda><Azienda><CFAzienda/><PosContributiva><DenunciaIndividuale/></PosContributiva></Azienda >",
        // Attribute values with whitespace and references, a tab in the tag.
        "<Azienda><PosContributiva><DenunciaIndividuale><Giorno\tdata=\"2025-03-03\" ore=\"&#32;8&#9;\" evento=\"a&#10;b\"/></DenunciaIndividuale></PosContributiva></Azienda>",
        // `Giorno` near the usual form (which has a fast path): trailing
        // spaces, empty or spaced values, '>' in a value, an attribute more,
        // repeated, reordered or missing, single quotes, two spaces.
        "<Azienda><PosContributiva><DenunciaIndividuale><Giorno data=\"2025-03-03\" ore=\"8\" evento=\"CIGO\"  /><Giorno data=\"\" ore=\" 8 \" evento=\"C>G\"/><Giorno data=\"2025-03-04\" ore=\"8\" evento=\"CIGO\" x=\"1\"/><Giorno data=\"2025-03-05\" ore=\"8\" ore=\"9\"/><Giorno ore=\"8\" data=\"2025-03-06\" evento=\"CIGO\"/><Giorno data=\"2025-03-07\" ore=\"8\"/><Giorno data='2025-03-10' ore=\"8\" evento=\"CIGO\"/><Giorno  data=\"2025-03-11\" ore=\"8\" evento=\"CIGO\"/><Giorno data=\"2025-03-12\" ore=\"8\" evento=\"CIGO\">x</Giorno></DenunciaIndividuale></PosContributiva></Azienda>",
        // Worker records near the usual form (read whole by a fast path):
        // empty fields, fields out of order, repeated or after a day, a
        // reference, a comment, CDATA, an attribute on a field, text between
        // fields, an unknown child, spaces in tags, a `Giorno` with content.
        "<Azienda><CFAzienda>1</CFAzienda><PosContributiva><Matricola>2</Matricola>\n<DenunciaIndividuale>\n  <CFLavoratore></CFLavoratore><Nominativo/>\n</DenunciaIndividuale><DenunciaIndividuale><Competenza>x</Competenza><CFLavoratore>y</CFLavoratore></DenunciaIndividuale><DenunciaIndividuale><CFLavoratore>a</CFLavoratore><CFLavoratore>b</CFLavoratore></DenunciaIndividuale><DenunciaIndividuale><Giorno data=\"1\" ore=\"2\" evento=\"3\"/><IBAN>z</IBAN></DenunciaIndividuale><DenunciaIndividuale><Nominativo>A &amp; B</Nominativo></DenunciaIndividuale><DenunciaIndividuale><Nominativo>A<!-- c -->B</Nominativo></DenunciaIndividuale><DenunciaIndividuale><Nominativo><![CDATA[A]]></Nominativo></DenunciaIndividuale><DenunciaIndividuale><Nominativo x=\"1\">A</Nominativo></DenunciaIndividuale><DenunciaIndividuale>t<IBAN>z</IBAN></DenunciaIndividuale><DenunciaIndividuale><Altro>q</Altro></DenunciaIndividuale><DenunciaIndividuale><IBAN >z</IBAN ></DenunciaIndividuale><DenunciaIndividuale><IBAN>z</IBAN><Giorno data=\"1\" ore=\"2\" evento=\"3\"> </Giorno></DenunciaIndividuale><DenunciaIndividuale>\r\n\t<Nominativo>  à b  </Nominativo>\r\n\t<Giorno data=\"1\" ore=\"2\" evento=\"3\"  />\r\n</DenunciaIndividuale ></PosContributiva></Azienda>",
    ];
    for b in bodies {
        assert_same(format!("{HEAD}{b}\n</FlussoCig>\n").as_bytes(), b);
    }
    let whole = [
        "",
        "   ",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><FlussoCig/>",
        "<?xml version=\"1.0\"?><FlussoCig/>",
        "<FlussoCig/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE x [<!ENTITY a \"b\">]><FlussoCig/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Altro/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig versione=\"2\"></FlussoCig><Dopo/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig></FlussoCig>testo",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig>&ent;</FlussoCig>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig><A></B></FlussoCig>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig><!-- a -- b --></FlussoCig>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig><!-- a ---></FlussoCig>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig a=\"1\" a=\"2\"/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig><?xml version=\"1.0\"?></FlussoCig>",
    ];
    for w in whole {
        assert_same(w.as_bytes(), w);
    }
    // A byte order mark is accepted (the reference does not count its three
    // bytes in offsets; ours are file offsets).
    let bom = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><FlussoCig versione=\"1\"/>";
    let ours = stream(XmlReader::new(Cursor::new(bom.as_bytes())), true);
    assert!(ours.last().unwrap().starts_with("end"), "{ours:?}");
    let mut bad_utf8 = HEAD.as_bytes().to_vec();
    bad_utf8.extend_from_slice(b"<Azienda><CFAzienda>\xff\xfe</CFAzienda></Azienda></FlussoCig>");
    assert_same(&bad_utf8, "bad utf-8");
}

/// A token longer than the limit stops the reading (memory stays bounded)
/// instead of growing the buffer.
#[test]
fn a_token_over_the_limit_is_refused() {
    let mut x = HEAD.to_owned();
    x.push_str("<Azienda><CFAzienda>");
    x.push_str(&"A".repeat(MAX_TOKEN + 10));
    x.push_str("</CFAzienda></Azienda></FlussoCig>\n");
    let mut r = XmlReader::new(Cursor::new(x.as_bytes()));
    let mut issues = Vec::new();
    let err = loop {
        match r.next_item(&mut issues) {
            Ok(Item::End) => panic!("read a token over the limit"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert_eq!(err.code, Code::FO01);
    assert!(err.message.contains("KiB"), "{}", err.message);
    assert_eq!(err.loc.line, 4, "{err}");
    // Just under the limit is read.
    let mut ok = HEAD.to_owned();
    ok.push_str("<Azienda><CFAzienda>");
    ok.push_str(&"A".repeat(MAX_TOKEN - 10));
    ok.push_str("</CFAzienda><PosContributiva/></Azienda></FlussoCig>\n");
    assert_same(ok.as_bytes(), "long token under the limit");
}

fn mutate(base: &[u8], ops: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    const SPECIAL: &[u8] = b"<>/&;\"'= \n!?-[]x\xc3";
    let mut b = base.to_vec();
    for (i, op, v) in ops {
        if b.is_empty() {
            break;
        }
        let k = i.index(b.len());
        match op % 5 {
            0 => b[k] = SPECIAL[*v as usize % SPECIAL.len()],
            1 => {
                let n = (*v as usize % 16).min(b.len() - k);
                b.drain(k..k + n);
            }
            2 => {
                let n = (*v as usize % 40).min(b.len() - k);
                let dup = b[k..k + n].to_vec();
                b.splice(k..k, dup);
            }
            3 => b.insert(k, SPECIAL[*v as usize % SPECIAL.len()]),
            _ => b.truncate(k),
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_flows_read_the_same(ops in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>()), 1..6)) {
        // The declaration is kept intact: its own variants are the fixed cases
        // above (the reference rejects malformed pseudo-attributes with a
        // syntax error, we with the encoding error FO03).
        let base = example_xml().into_bytes();
        let decl = base.iter().position(|c| *c == b'\n').unwrap() + 1;
        let mut b = base[..decl].to_vec();
        b.extend(mutate(&base[decl..], &ops));
        assert_same_at(&b, "mutated example", false);
    }
}
