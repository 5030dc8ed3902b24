//! Shared fixtures: sample receipts and the external PDF tools the tests drive.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use omnia_documents::receipt::{QuantityUnit, Receipt, ReceiptWorker};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// A receipt with accented names (employer, place, workers).
pub fn receipt_with_accents() -> Receipt {
    Receipt {
        protocol_number: "INPS.4701.2026.0001234".into(),
        ticket: "T-7Q4K-2M9X".into(),
        submitted_at: "12/03/2026 alle 10:15:02".into(),
        employer_name: "Società Cooperativa Più Lavoro a r.l.".into(),
        employer_tax_code: "01234567890".into(),
        unit_name: "Stabilimento di Forlì".into(),
        unit_address: "Via Giosuè Carducci 12, 47121 Forlì (FC)".into(),
        benefit: "CIGO – Cassa integrazione guadagni ordinaria (industria)".into(),
        causale: "Mancanza di lavoro o di commesse".into(),
        request_kind: "Prima richiesta".into(),
        period_start: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        period_end: NaiveDate::from_ymd_opt(2026, 3, 28).unwrap(),
        reduction: "Sospensione a zero ore".into(),
        payment_mode: "Conguaglio".into(),
        unit: QuantityUnit::Hours,
        workers: vec![
            worker("RSSMRA80A01D704X", "Rossi Mario", dec!(40)),
            worker("BNCLCU85M41H199Z", "Bianchi Lucia", dec!(32.5)),
            worker("DLCNCL90C12D704K", "De Luca Niccolò", dec!(1200)),
            worker("FRRGSE75T10H501Y", "Ferrari Giosuè Ilarià", dec!(8)),
        ],
        extra: vec![("Sede INPS competente".into(), "Forlì-Cesena".into())],
        footer: "La presente ricevuta attesta la presentazione della domanda; non costituisce \
                 autorizzazione. Verificabile con numero di protocollo e ticket."
            .into(),
    }
}

pub fn worker(cf: &str, name: &str, requested: Decimal) -> ReceiptWorker {
    ReceiptWorker {
        tax_code: cf.into(),
        name: name.into(),
        requested,
    }
}

/// A receipt with `n` workers, 8 hours each except every seventh with a long name.
pub fn receipt_with_workers(n: usize) -> Receipt {
    let mut r = receipt_with_accents();
    r.workers = (1..=n)
        .map(|i| {
            let name = if i % 7 == 0 {
                format!(
                    "Lavoratrice Numero {i} con un cognome molto lungo che va a capo nella tabella"
                )
            } else {
                format!("Lavoratore Numero {i}")
            };
            worker(&format!("WRK{i:05}A01H501Z"), &name, dec!(8))
        })
        .collect();
    r
}

/// Fails (never skips) when a tool is missing: CI installs them.
pub fn require_tool(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is required by this test and was not found: install it with \
         `apt-get install qpdf poppler-utils` (CI installs them)"
    );
}

/// Runs `qpdf --check` on a file and returns its output; panics if the check fails.
pub fn qpdf_check(path: &Path) -> String {
    require_tool("qpdf");
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "qpdf --check failed:\n{text}");
    text
}

/// Text of a PDF file as `pdftotext -layout` extracts it.
pub fn pdftotext(path: &Path) -> String {
    require_tool("pdftotext");
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext -enc UTF-8 gives UTF-8")
}

/// `pdfinfo` output.
pub fn pdfinfo(path: &Path) -> String {
    require_tool("pdfinfo");
    let out = Command::new("pdfinfo").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}
