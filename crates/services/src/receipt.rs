//! The receipt PDF (R-APP-6), rendered from the submitted snapshot with
//! `omnia_documents::receipt`.

use omnia_documents::receipt::{self, Receipt, ReceiptWorker};
use omnia_domain::application::ReductionKind;
use omnia_domain::quantity::QuantityUnit;
use rust_decimal::Decimal;

use crate::ApplicationView;
use crate::drafts::{PaymentMode, RequestKind};

/// Renders the receipt of a submitted application view (its snapshot).
pub(crate) fn render_from_snapshot(v: &ApplicationView) -> Vec<u8> {
    let content = v.content.as_ref();
    let request_kind = match content.and_then(|c| c.request.request_kind) {
        Some(RequestKind::Proroga) => "Proroga",
        _ => "Prima richiesta",
    };
    let payment_mode = match content.and_then(|c| c.declarations.payment_mode) {
        Some(PaymentMode::PagamentoDiretto) => "Pagamento diretto",
        _ => "Conguaglio",
    };
    let mut extra = vec![("Sede INPS".to_owned(), v.office.name.clone())];
    // R-LIM-9: CISOA is requested in whole days; the others in hours.
    let days = QuantityUnit::of(v.benefit) == QuantityUnit::Days;
    if days {
        extra.push((
            "Unità di misura".to_owned(),
            "giornate intere (CISOA)".to_owned(),
        ));
    }
    if let Some(c) = content {
        if c.benefit_non_compatible_confirmed {
            extra.push((
                "Prestazione".to_owned(),
                "non compatibile con l'inquadramento, scelta confermata (R-SEL-1)".to_owned(),
            ));
        }
        for (code, note) in &c.notes {
            extra.push((format!("Nota ({code})"), note.clone()));
        }
    }
    let r = Receipt {
        protocol_number: v.protocol_number.clone().unwrap_or_default(),
        ticket: v.ticket.clone().unwrap_or_default(),
        submitted_at: v
            .submitted_at
            .map(|t| {
                // Stored in UTC, printed in Rome time.
                omnia_domain::calendar::rome_time(t)
                    .format("%d/%m/%Y %H:%M (ora di Roma)")
                    .to_string()
            })
            .unwrap_or_default(),
        employer_name: v.employer.name.clone(),
        employer_tax_code: v.employer.cf.clone(),
        unit_name: v.unit.name.clone(),
        unit_address: format!("{}, {}", v.unit.address, v.unit.comune),
        benefit: v.benefit_label.clone(),
        causale: format!("{} — {}", v.causale.code, v.causale.label),
        request_kind: request_kind.to_owned(),
        period_start: v.start,
        period_end: v.end,
        reduction: match v.kind {
            ReductionKind::Sospensione => "Sospensione",
            ReductionKind::Riduzione => "Riduzione",
        }
        .to_owned(),
        payment_mode: payment_mode.to_owned(),
        unit: QuantityUnit::of(v.benefit),
        workers: v
            .workers
            .iter()
            .map(|w| ReceiptWorker {
                tax_code: w.cf.clone(),
                name: w.name.clone(),
                requested: Decimal::from(match w.days_requested {
                    Some(d) if days => d,
                    _ => w.hours_requested,
                }),
            })
            .collect(),
        extra,
        footer: "Ricevuta generata da OMNIA IS al momento della presentazione; il contenuto della domanda inviata è conservato immutabile.".to_owned(),
    };
    receipt::render(&r)
}
