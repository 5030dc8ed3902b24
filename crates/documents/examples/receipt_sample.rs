//! Writes sample receipts to the paths given (or `receipt.pdf`): `cargo run -p omnia-documents
//! --example receipt_sample -- out.pdf [WORKERS]`. Handy to look at the layout.

use chrono::NaiveDate;
use omnia_documents::receipt::{QuantityUnit, Receipt, ReceiptWorker, render};
use rust_decimal::Decimal;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "receipt.pdf".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(12);
    let names = [
        "Rossi Mario",
        "Bianchi Lucia",
        "De Luca Niccolò",
        "Ferrari Giosuè",
        "Esposito Ilarià",
    ];
    let receipt = Receipt {
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
        workers: (0..n)
            .map(|i| ReceiptWorker {
                tax_code: format!("RSSMRA80A{:02}D704X", i % 100),
                name: names[i % names.len()].into(),
                requested: Decimal::new(80 + (i as i64 % 5) * 25, 1),
            })
            .collect(),
        extra: vec![("Sede INPS competente".into(), "Forlì-Cesena".into())],
        footer: "La presente ricevuta attesta la presentazione della domanda e non costituisce \
                 autorizzazione. Documento generato da omnia; verificabile con numero di protocollo e ticket."
            .into(),
    };
    std::fs::write(&path, render(&receipt)).expect("write the PDF");
    eprintln!("wrote {path}");
}
