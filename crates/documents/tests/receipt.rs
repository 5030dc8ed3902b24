//! The receipt PDF, checked with the tools a reader of it would use: qpdf, pdftotext, pdfinfo.

mod common;

use common::*;
use omnia_documents::receipt::{self, QuantityUnit};

fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    f
}

/// Collapses runs of spaces (pdftotext -layout pads columns).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn receipt_passes_qpdf_and_extracts_every_key_field_with_accents() {
    let r = receipt_with_accents();
    let pdf = receipt::render(&r);
    let f = write(&pdf);
    let check = qpdf_check(f.path());
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );

    let text = pdftotext(f.path());
    let flat = squash(&text);
    for needle in [
        "Ricevuta di presentazione della domanda",
        "INPS.4701.2026.0001234",
        "T-7Q4K-2M9X",
        "12/03/2026 alle 10:15:02",
        "Società Cooperativa Più Lavoro a r.l.",
        "01234567890",
        "Stabilimento di Forlì",
        "Via Giosuè Carducci 12, 47121 Forlì (FC)",
        "CIGO – Cassa integrazione guadagni ordinaria (industria)",
        "Mancanza di lavoro o di commesse",
        "dal 02/03/2026 al 28/03/2026",
        "Sospensione a zero ore",
        "Conguaglio",
        "Forlì-Cesena",
        "RSSMRA80A01D704X Rossi Mario 40",
        "BNCLCU85M41H199Z Bianchi Lucia 32,5",
        "DLCNCL90C12D704K De Luca Niccolò 1.200",
        "Ferrari Giosuè Ilarià 8",
        "Totale (4 lavoratori) 1.280,5",
        "Pagina 1 di 1",
    ] {
        assert!(
            flat.contains(needle),
            "{needle:?} not in the extracted text:\n{text}"
        );
    }
}

#[test]
fn receipt_metadata_language_tags_and_page_size() {
    let pdf = receipt::render(&receipt_with_accents());
    let f = write(&pdf);
    let info = pdfinfo(f.path());
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(':')))
            .map(str::trim)
            .unwrap_or_default()
    };
    assert_eq!(
        field("Title"),
        "Ricevuta di presentazione della domanda",
        "{info}"
    );
    assert_eq!(field("Tagged"), "yes", "{info}");
    assert_eq!(field("Page size"), "595.276 x 841.89 pts (A4)", "{info}");
    assert_eq!(field("Pages"), "1", "{info}");
    assert_eq!(field("JavaScript"), "no", "{info}");
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/Lang (it-IT)"));
    assert!(raw.contains("/DisplayDocTitle true"));
    assert!(raw.contains("/MarkInfo") && raw.contains("/Marked true"));
    assert!(raw.contains("/Type /StructTreeRoot"));
    for role in [
        "/S /Document",
        "/S /H1",
        "/S /H2",
        "/S /Table",
        "/S /TH",
        "/S /TD",
        "/Scope /Column",
    ] {
        assert!(raw.contains(role), "{role} missing from the structure tree");
    }
    assert!(raw.contains("/Encoding /WinAnsiEncoding"));
}

#[test]
fn many_workers_continue_over_pages_with_the_header_repeated() {
    let r = receipt_with_workers(120);
    let pdf = receipt::render(&r);
    let f = write(&pdf);
    qpdf_check(f.path());
    let info = pdfinfo(f.path());
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        pages >= 3,
        "120 workers should take several pages, got {pages}"
    );

    let text = pdftotext(f.path());
    let page_texts: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(page_texts.len(), pages);
    for (i, page) in page_texts.iter().enumerate() {
        let flat = squash(page);
        assert!(
            flat.contains(&format!("Pagina {} di {pages}", i + 1)),
            "page {}: {flat}",
            i + 1
        );
        if i > 0 {
            assert!(
                flat.contains("INPS.4701.2026.0001234"),
                "running head on page {}",
                i + 1
            );
            if i < pages - 1 || flat.contains("WRK") {
                assert!(
                    flat.contains("Codice fiscale Cognome e nome Ore richieste"),
                    "header on page {}",
                    i + 1
                );
            }
        }
    }
    let flat = squash(&text);
    for i in 1..=120 {
        assert!(
            flat.contains(&format!("WRK{i:05}A01H501Z")),
            "worker {i} missing"
        );
    }
    assert!(
        flat.contains("Totale (120 lavoratori) 960"),
        "total missing"
    );
    // The repeated headers are artifacts: the structure tree has one header row only.
    let raw = String::from_utf8_lossy(&pdf);
    assert_eq!(raw.matches("/Scope /Column").count(), 4);
}

#[test]
fn cisoa_receipts_count_days() {
    let mut r = receipt_with_accents();
    r.unit = QuantityUnit::Days;
    let f = write(&receipt::render(&r));
    assert!(
        squash(&pdftotext(f.path())).contains("Codice fiscale Cognome e nome Giornate richieste")
    );
}

#[test]
fn rendering_is_deterministic_and_accepted_by_the_upload_check() {
    let r = receipt_with_workers(60);
    let a = receipt::render(&r);
    assert_eq!(a, receipt::render(&r));
    let info = omnia_documents::pdf_check::inspect(&a, 10 << 20).unwrap();
    assert!(info.pages >= 2);
}

#[test]
fn quantities_and_dates_are_formatted_the_italian_way() {
    use rust_decimal_macros::dec;
    assert_eq!(receipt::format_quantity(dec!(1234567.50)), "1.234.567,5");
    assert_eq!(receipt::format_quantity(dec!(40.00)), "40");
    assert_eq!(receipt::format_quantity(dec!(0.25)), "0,25");
    assert_eq!(receipt::format_quantity(dec!(-1000)), "-1.000");
    let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    assert_eq!(receipt::format_date(d), "05/01/2026");
}
