//! Guided drafts of the demo data (issue 4): one per benefit family, filled in step by step
//! through the same calls as the wizard's pages, with every section complete so that the
//! review (`Riepilogo e invio`) shows a realistic application at once. They stay drafts:
//! nothing is submitted, so they take nothing from the UP's counters (R-LIM) and no worker
//! from another application (R-APP-5).
//!
//! | user | employer | benefit | causale | shows |
//! |---|---|---|---|---|
//! | `datore.meccanica` | Meccanica Padana | CIGO | MLC | report, indicators per year, union procedure |
//! | `datore.commercio` | Commercio Tuscolano | AIS FIS | MLC | indicators per quarter (yearly totals computed) |
//! | `studio.associato` | Studio Associato Verdi & Neri | AIS of the fund | CRM | the fund's AIS |
//! | `azienda.agricola` | Azienda Agricola Il Poggio | CISOA | 01 | whole days, no union procedure, the 181 days to confirm with a note |

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Weekday};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::Benefit;
use omnia_domain::quantity::QuantityUnit;

use super::{Loaded, internal, pick_causale, principal};
use crate::drafts::{
    DeclarationsSection, IndicatorValues, IndicatorsGranularity, IndicatorsSection, PaymentMode,
    QuarterIndicators, ReportMode, ReportSection, RequestKind, RequestSection, StartDraft,
    SubmitInput, WorkerEntry, YearIndicators,
};
use crate::{ApplicationView, CheckSeverity, EmployerScope, Principal, ServiceError, Services};
use omnia_store::UnitId;

/// Indicators of the two years before the start, in euro: (fatturato, risultato operativo,
/// risultato d'impresa, indebitamento) for the older year, then for the newer one.
type Indicators = [(i64, i64, i64, i64); 2];

enum Figures {
    None,
    Yearly(Indicators),
    /// The same years given per quarter: each year's figures spread over its quarters.
    Quarterly(Indicators),
}

struct GuidedSpec {
    by: &'static str,
    /// Index into the demo employers and their units.
    employer: usize,
    unit: usize,
    benefit: Benefit,
    causali: &'static [&'static str],
    kind: ReductionKind,
    /// Start: days from today, moved to the following Monday when `monday`.
    start: i64,
    monday: bool,
    days: i64,
    workers: usize,
    /// Per worker: hours, or whole days for CISOA (capped by the worker's weekly hours —
    /// working days — × weeks of the period).
    amount: i64,
    union_with: Option<&'static str>,
    figures: Figures,
    /// The technical report, field by field (keys of the causale's `report_fields`).
    report: &'static [(&'static str, &'static str)],
}

const GUIDED: &[GuidedSpec] = &[
    GuidedSpec {
        by: "datore.meccanica",
        employer: 0,
        unit: 0,
        benefit: Benefit::Cigo,
        causali: &["MLC"],
        kind: ReductionKind::Riduzione,
        start: 21,
        monday: true,
        days: 28,
        workers: 5,
        amount: 64,
        union_with: Some("RSU aziendale; FIOM-CGIL, FIM-CISL e UILM-UIL di Milano"),
        figures: Figures::Yearly([
            (18_400_000, 920_000, 610_000, 4_200_000),
            (15_150_000, -310_000, -480_000, 5_350_000),
        ]),
        report: &[
            (
                "andamento_negativo",
                "Gli ordini del settore automotive sono calati del 28 % nell'ultimo semestre: due clienti tedeschi hanno rinviato i lotti di componenti stampati previsti per il trimestre.",
            ),
            (
                "commesse",
                "Portafoglio ordini a 6 settimane (contro le 14 abituali); la commessa Brenner Gmbh riparte a regime dal mese successivo al periodo richiesto.",
            ),
            (
                "consumi_energetici",
                "Consumi elettrici del reparto presse in calo del 31 % rispetto allo stesso periodo dell'anno precedente, coerente con la minore produzione.",
            ),
            (
                "continuita_aziendale",
                "Nessun licenziamento previsto; investimento in corso sulla nuova linea di saldatura e nuovi clienti nel settore ferroviario.",
            ),
            (
                "previsione_ripresa",
                "Ripresa dell'orario pieno attesa al termine del periodo, con l'avvio delle consegne della commessa ferroviaria.",
            ),
        ],
    },
    GuidedSpec {
        by: "datore.commercio",
        employer: 2,
        unit: 1,
        benefit: Benefit::AisFis,
        causali: &["MLC"],
        kind: ReductionKind::Riduzione,
        start: 7,
        monday: true,
        days: 14,
        workers: 3,
        amount: 24,
        union_with: Some("FILCAMS-CGIL, FISASCAT-CISL e UILTuCS di Latina"),
        figures: Figures::Quarterly([
            (3_120_000, 148_000, 96_000, 410_000),
            (2_640_000, -42_000, -71_000, 560_000),
        ]),
        report: &[
            (
                "andamento_negativo",
                "Calo delle vendite del punto vendita di Latina del 18 % dopo l'apertura di un centro commerciale nelle vicinanze; gli incassi del trimestre non coprono il costo del personale a orario pieno.",
            ),
            (
                "commesse",
                "Non si lavora su commessa: le vendite settimanali medie sono passate da 21.000 a 17.200 euro.",
            ),
            (
                "consumi_energetici",
                "Orario di apertura ridotto dal lunedì al mercoledì; consumi di energia in linea con la riduzione.",
            ),
            (
                "continuita_aziendale",
                "Rinnovo dell'assortimento e apertura del canale di vendita online in corso; nessuna chiusura prevista.",
            ),
            (
                "previsione_ripresa",
                "Rientro all'orario pieno previsto con la stagione delle vendite estive.",
            ),
        ],
    },
    GuidedSpec {
        by: "studio.associato",
        employer: 4,
        unit: 0,
        benefit: Benefit::AisFondo,
        causali: &["CRM", "MLC"],
        kind: ReductionKind::Riduzione,
        start: 7,
        monday: true,
        days: 21,
        workers: 3,
        amount: 30,
        union_with: Some("Rappresentanze territoriali FILCAMS-CGIL e FISASCAT-CISL di Roma"),
        figures: Figures::Yearly([
            (1_380_000, 210_000, 165_000, 120_000),
            (1_090_000, 35_000, 12_000, 185_000),
        ]),
        report: &[
            (
                "contesto_mercato",
                "Nei due anni precedenti il mercato della consulenza fiscale alle piccole imprese si è contratto: molti clienti sono passati a servizi telematici a basso costo.",
            ),
            (
                "andamento_negativo",
                "Perdita di 40 clienti su 310 nell'ultimo anno; le pratiche mensili sono scese del 22 %.",
            ),
            (
                "continuita_aziendale",
                "Lo studio ha avviato un servizio di consulenza sulla finanza agevolata, con i primi incarichi già firmati.",
            ),
            (
                "previsione_ripresa",
                "Ritorno all'orario pieno previsto con le scadenze dichiarative di giugno.",
            ),
        ],
    },
    GuidedSpec {
        by: "azienda.agricola",
        employer: 5,
        unit: 0,
        benefit: Benefit::Cisoa,
        causali: &["01", "17", "90"],
        kind: ReductionKind::Sospensione,
        // The week of a hailstorm, which started three days before today.
        start: -3,
        monday: false,
        days: 6,
        workers: 4,
        // Two whole days (R-LIM-9; 6.5 hours a day at 39 hours over 6 days).
        amount: 2,
        union_with: None,
        figures: Figures::None,
        report: &[
            (
                "attivita_in_corso",
                "Potatura verde e trattamenti nei vigneti della tenuta (18 ettari); raccolta delle nocciole in preparazione.",
            ),
            (
                "evento_e_conseguenze",
                "Grandinata sui vigneti del versante nord: filari danneggiati e terreno impraticabile per i mezzi; sospese le lavorazioni in campo per due giornate.",
            ),
        ],
    },
];

/// `day` itself if a Monday, else the Monday after it.
fn monday_from(day: NaiveDate) -> NaiveDate {
    let mut d = day;
    while d.weekday() != Weekday::Mon {
        d += TimeDelta::days(1);
    }
    d
}

/// Euro → euro-cents.
fn euro(v: i64) -> Option<i64> {
    Some(v * 100)
}

impl GuidedSpec {
    /// The structured technical report (R-APP-1).
    fn report_section(&self) -> ReportSection {
        ReportSection {
            mode: ReportMode::Structured,
            fields: self
                .report
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// The indicators of the two years before `start`, by year or by quarter (R-APP-2).
    fn indicators_before(&self, start: NaiveDate) -> Option<IndicatorsSection> {
        let years = [start.year() - 2, start.year() - 1];
        match &self.figures {
            Figures::None => None,
            Figures::Yearly(f) => Some(IndicatorsSection {
                granularity: IndicatorsGranularity::Yearly,
                years: years
                    .iter()
                    .zip(f)
                    .map(|(y, v)| YearIndicators {
                        year: *y,
                        values: values(*v),
                    })
                    .collect(),
                quarters: vec![],
            }),
            Figures::Quarterly(f) => Some(IndicatorsSection {
                granularity: IndicatorsGranularity::Quarterly,
                years: vec![],
                quarters: years
                    .iter()
                    .zip(f)
                    .flat_map(|(y, v)| quarters(*y, *v))
                    .collect(),
            }),
        }
    }
}

fn values((f, ro, ri, ind): (i64, i64, i64, i64)) -> IndicatorValues {
    IndicatorValues {
        fatturato: euro(f),
        risultato_operativo: euro(ro),
        risultato_impresa: euro(ri),
        indebitamento: euro(ind),
    }
}

/// A year's figures over its four quarters (uneven, as sales are): the quarters add up to
/// the year exactly, so the computed totals equal the yearly figures (R-APP-2).
fn quarters(year: i32, y: (i64, i64, i64, i64)) -> Vec<QuarterIndicators> {
    const SHARE: [i64; 4] = [22, 24, 27, 27];
    let part = |v: i64, q: usize| {
        if q == 3 {
            v - SHARE[..3].iter().map(|s| v * s / 100).sum::<i64>()
        } else {
            v * SHARE[q] / 100
        }
    };
    (0..4)
        .map(|q| QuarterIndicators {
            year,
            quarter: q as i32 + 1,
            values: values((part(y.0, q), part(y.1, q), part(y.2, q), part(y.3, q))),
        })
        .collect()
}

/// A CIGO application (causale MLC, riduzione) paid directly by INPS (pagamento diretto,
/// with the declaration of financial difficulty the rules require), filled in with the
/// wizard's calls like the Meccanica Padana guided draft (its report and indicators) and
/// submitted, with a note for each forceable finding. The payment-data flows are only for
/// direct payment (R-FLO, CP10): the demo's flows and the flow tests' fixture
/// ([`crate::testing::authorised_cigo_application`]) are sent for such an application.
pub(crate) async fn submit_direct_payment_cigo(
    s: &Services,
    p: &Principal,
    scope: &EmployerScope,
    unit_id: UnitId,
    (start, end): (NaiveDate, NaiveDate),
    workers: Vec<WorkerEntry>,
) -> Result<ApplicationView, ServiceError> {
    let g = &GUIDED[0];
    let view = s
        .start_draft(
            scope,
            StartDraft {
                benefit: Benefit::Cigo,
                unit_id: Some(unit_id),
                confirm_non_compatible: false,
            },
        )
        .await?;
    let view = s
        .save_request(
            p,
            view.id,
            view.version,
            RequestSection {
                unit_id: Some(unit_id),
                causale: Some(pick_causale(Benefit::Cigo, start, g.causali)?),
                request_kind: Some(RequestKind::PrimaRichiesta),
                extends: None,
                kind: Some(ReductionKind::Riduzione),
                start: Some(start),
                effective_start: Some(start),
                end: Some(end),
            },
        )
        .await?;
    let view = s.save_workers(p, view.id, view.version, workers).await?;
    let view = s
        .save_report(p, view.id, view.version, g.report_section())
        .await?;
    let indicators = g
        .indicators_before(start)
        .ok_or_else(|| internal("the Meccanica Padana guided draft has indicators"))?;
    let view = s
        .save_indicators(p, view.id, view.version, indicators)
        .await?;
    let view = s
        .save_declarations(
            p,
            view.id,
            view.version,
            DeclarationsSection {
                union_done: Some(true),
                union_date: Some(start.min(s.today()) - TimeDelta::days(4)),
                union_with: g.union_with.map(str::to_owned),
                payment_mode: Some(PaymentMode::PagamentoDiretto),
                financial_difficulty: true,
            },
        )
        .await?;
    let notes = s
        .checks(p, view.id)
        .await?
        .into_iter()
        .filter(|f| f.severity == CheckSeverity::Forceable)
        .map(|f| {
            (
                f.code.to_owned(),
                "Confermato dal datore di lavoro.".to_owned(),
            )
        })
        .collect();
    s.submit_with(p, view.id, SubmitInput { notes }).await
}

/// Files every guided draft; returns how many were made and why the others were not.
pub(super) async fn guided_drafts(
    s: &Services,
    loaded: &Loaded,
    today: NaiveDate,
) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut skipped = vec![];
    for (i, g) in GUIDED.iter().enumerate() {
        match guided_draft(s, loaded, today, g).await {
            Ok(()) => n += 1,
            Err(e) => {
                tracing::warn!(guided_draft = i, by = g.by, error = %e, "demo guided draft skipped");
                skipped.push(format!("guided #{i} ({}): {e}", g.by));
            }
        }
    }
    (n, skipped)
}

async fn guided_draft(
    s: &Services,
    loaded: &Loaded,
    today: NaiveDate,
    g: &GuidedSpec,
) -> Result<(), ServiceError> {
    let p = principal(s, loaded, g.by).await?;
    let (employer_id, units) = &loaded.employers[g.employer];
    let unit_id = *units.get(g.unit).ok_or_else(|| internal("unit"))?;
    let scope = s.employer_scope(&p, *employer_id).await?;
    let detail = s.employer_detail(&scope).await?;
    let start = today + TimeDelta::days(g.start);
    let start = if g.monday { monday_from(start) } else { start };
    let end = start + TimeDelta::days(g.days - 1);
    let weeks = (g.days + 6) / 7;

    // 1. Start: employer and the suggested benefit (R-SEL-1).
    let view = s
        .start_draft(
            &scope,
            StartDraft {
                benefit: g.benefit,
                unit_id: Some(unit_id),
                confirm_non_compatible: false,
            },
        )
        .await?;
    // 2. Request.
    let causale = pick_causale(g.benefit, start, g.causali)?;
    let view = s
        .save_request(
            &p,
            view.id,
            view.version,
            RequestSection {
                unit_id: Some(unit_id),
                causale: Some(causale.clone()),
                request_kind: Some(RequestKind::PrimaRichiesta),
                extends: None,
                kind: Some(g.kind),
                start: Some(start),
                // EONE causali: the day of the event starts the term (R-APP-3).
                effective_start: Some(start),
                end: Some(end),
            },
        )
        .await?;
    // 3. Workers: from the end of the surname order, like the other demo applications, so
    //    the first workers of each UP stay free for whoever tries the product; hired well
    //    before the start (R-ELIG-2).
    let workers = detail
        .workers
        .iter()
        .filter(|w| w.unit_id == unit_id && w.eligible && w.hire_date + Months::new(2) < start)
        .rev()
        .take(g.workers)
        .map(|w| {
            let cap = match QuantityUnit::of(g.benefit) {
                QuantityUnit::Hours => w.weekly_hours * weeks,
                QuantityUnit::Days => w.working_days_per_week * weeks,
            };
            WorkerEntry::new(w.id, g.benefit, g.amount.min(cap))
        })
        .collect();
    let view = s.save_workers(&p, view.id, view.version, workers).await?;
    // 4. The headcount of the previous semester stays as pre-filled from the registry.
    // 5. Technical report, structured (R-APP-1).
    let view = s
        .save_report(&p, view.id, view.version, g.report_section())
        .await?;
    // 6. Indicators of the two years before the start (R-APP-2).
    let view = match g.indicators_before(start) {
        Some(i) => s.save_indicators(&p, view.id, view.version, i).await?,
        None => view,
    };
    // 7. Declarations: union information and consultation (not for CISOA), conguaglio.
    s.save_declarations(
        &p,
        view.id,
        view.version,
        DeclarationsSection {
            union_done: Some(g.union_with.is_some()),
            union_date: g.union_with.map(|_| today - TimeDelta::days(4)),
            union_with: g.union_with.map(str::to_owned),
            payment_mode: Some(PaymentMode::Conguaglio),
            financial_difficulty: false,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R-APP-2: quarters given for the demo add up to the yearly figures.
    #[test]
    fn quarters_add_up_to_the_year() {
        let y = (3_120_000, -42_001, 7, 410_000);
        let q = quarters(2025, y);
        let sum = |f: fn(&IndicatorValues) -> Option<i64>| -> i64 {
            q.iter().filter_map(|x| f(&x.values)).sum()
        };
        assert_eq!(sum(|v| v.fatturato), 312_000_000);
        assert_eq!(sum(|v| v.risultato_operativo), -4_200_100);
        assert_eq!(sum(|v| v.risultato_impresa), 700);
        assert_eq!(q.len(), 4);
    }
}
