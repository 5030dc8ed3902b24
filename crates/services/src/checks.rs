//! The synchronous checks of a draft (issue 4, review page): every finding has a stable
//! code, a severity (blocking / forceable / info), the rule ID it enforces and the
//! section/field it concerns. The catalogue is [`CATALOGUE`], documented in
//! `docs/checks.md` (a test keeps the two in step).
//!
//! Blocking findings stop the submission; forceable ones need a note each
//! ([`crate::SubmitInput`]); info findings are shown only.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use omnia_domain::application::Period;
use omnia_domain::benefit::Benefit;
use omnia_domain::calendar::WorkPattern;
use omnia_domain::evaluation::deadlines;
use omnia_domain::quantity::{QuantityError, QuantityUnit, Requested};
use omnia_domain::reference::Causale;
use omnia_domain::simulation;
use omnia_store::{ApplicationId, ApplicationRow, ApplicationState, Qualifica, Tx};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::drafts::{DraftContent, IndicatorsGranularity, PaymentMode, ReportMode, RequestKind};
use crate::{Principal, ServiceError, Services};

/// How a finding affects the submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckSeverity {
    /// Stops the submission until corrected.
    Blocking,
    /// May be overridden with a note, stored and shown to the operator.
    Forceable,
    /// Shown only.
    Info,
}

impl CheckSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckSeverity::Blocking => "blocking",
            CheckSeverity::Forceable => "forceable",
            CheckSeverity::Info => "info",
        }
    }
}

/// The wizard section a finding belongs to (the page that fixes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Start,
    Request,
    Workers,
    Headcount,
    Report,
    Indicators,
    Declarations,
}

/// One check result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    /// Stable code (see `docs/checks.md`).
    pub code: &'static str,
    pub severity: CheckSeverity,
    /// Rule ID of DOMAIN.md, e.g. `R-LIM-2`.
    pub rule: String,
    pub section: Section,
    /// JSON pointer into the application's `content`, e.g. `/request/start`.
    pub pointer: String,
    /// Page field name, e.g. `data_inizio`.
    pub field: String,
    pub message_it: String,
    pub message_en: String,
    /// For forceable findings of a submitted application: the note given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The review of a draft: findings plus the figures the request page shows (deadline,
/// counters with residuals for this UP).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub findings: Vec<Finding>,
    /// R-APP-3/3a/4: the domain's `DeadlineOutcome` (last day, covered/uncovered period).
    #[schema(value_type = Option<Object>)]
    pub deadline: Option<serde_json::Value>,
    /// R-LIM counters keyed by rule ID (the domain's `LimitStatus`: limit, used,
    /// requested, residual, residual_after, exceeded…).
    #[schema(value_type = Object)]
    pub limits: serde_json::Value,
    #[schema(format = Int32)]
    pub blocking: u32,
    #[schema(format = Int32)]
    pub forceable: u32,
    #[schema(format = Int32)]
    pub info: u32,
}

use CheckSeverity::{Blocking, Forceable, Info};

/// Every check: code, severity, rule ID, section.
pub const CATALOGUE: &[(&str, CheckSeverity, &str, Section)] = &[
    // start
    (
        "benefit_non_compatible",
        Forceable,
        "R-SEL-1",
        Section::Start,
    ),
    (
        "benefit_non_compatible_confirmed",
        Info,
        "R-SEL-1",
        Section::Start,
    ),
    // request
    ("unit_required", Blocking, "R-APP", Section::Request),
    ("unknown_unit", Blocking, "R-APP", Section::Request),
    ("causale_required", Blocking, "R-CAUS-1", Section::Request),
    ("unknown_causale", Blocking, "R-CAUS-1", Section::Request),
    (
        "causale_not_for_benefit",
        Blocking,
        "R-CAUS-1",
        Section::Request,
    ),
    (
        "causale_construction_only",
        Blocking,
        "R-CAUS-1",
        Section::Request,
    ),
    ("request_kind_required", Blocking, "R-APP", Section::Request),
    ("extends_required", Blocking, "R-LIM-1", Section::Request),
    ("extends_invalid", Blocking, "R-LIM-1", Section::Request),
    ("kind_required", Blocking, "R-APP", Section::Request),
    ("start_required", Blocking, "R-APP", Section::Request),
    ("end_required", Blocking, "R-APP", Section::Request),
    ("end_before_start", Blocking, "R-APP", Section::Request),
    (
        "effective_start_required",
        Blocking,
        "R-APP-3",
        Section::Request,
    ),
    (
        "effective_start_after_start",
        Blocking,
        "R-APP-3",
        Section::Request,
    ),
    ("filing_deadline", Info, "R-APP-3", Section::Request),
    ("late_filing", Forceable, "R-APP-4", Section::Request),
    ("nothing_covered", Blocking, "R-APP-4", Section::Request),
    ("filing_too_early", Blocking, "R-APP-3", Section::Request),
    ("limit_exceeded", Blocking, "R-LIM", Section::Request),
    ("limit_near", Info, "R-LIM-10", Section::Request),
    ("limits_unavailable", Info, "R-LIM-10", Section::Request),
    // workers
    ("workers_required", Blocking, "R-APP", Section::Workers),
    ("unknown_worker", Blocking, "R-ELIG-1", Section::Workers),
    ("duplicate_worker", Blocking, "R-APP-5", Section::Workers),
    ("dirigente_excluded", Blocking, "R-ELIG-1", Section::Workers),
    ("hours_out_of_range", Blocking, "R-APP", Section::Workers),
    ("cisoa_in_days", Blocking, "R-LIM-9", Section::Workers),
    ("days_only_for_cisoa", Blocking, "R-LIM-9", Section::Workers),
    ("days_out_of_range", Blocking, "R-LIM-9", Section::Workers),
    ("seniority", Blocking, "R-ELIG-2", Section::Workers),
    ("cisoa_181_days", Blocking, "R-ELIG-3", Section::Workers),
    (
        "cisoa_days_unverified",
        Forceable,
        "R-ELIG-3",
        Section::Workers,
    ),
    (
        "overlapping_application",
        Blocking,
        "R-APP-5",
        Section::Workers,
    ),
    // headcount
    (
        "headcount_required",
        Blocking,
        "R-LIM-5",
        Section::Headcount,
    ),
    ("headcount_invalid", Blocking, "R-LIM-5", Section::Headcount),
    // report
    (
        "report_field_required",
        Blocking,
        "R-APP-1",
        Section::Report,
    ),
    ("report_pdf_required", Blocking, "R-APP-1", Section::Report),
    // indicators
    (
        "indicators_required",
        Blocking,
        "R-APP-2",
        Section::Indicators,
    ),
    (
        "indicators_incomplete",
        Blocking,
        "R-APP-2",
        Section::Indicators,
    ),
    // declarations
    (
        "union_declaration_required",
        Blocking,
        "R-APP",
        Section::Declarations,
    ),
    (
        "union_details_required",
        Blocking,
        "R-APP",
        Section::Declarations,
    ),
    (
        "payment_mode_required",
        Blocking,
        "R-APP",
        Section::Declarations,
    ),
    (
        "difficulty_declaration_required",
        Blocking,
        "R-APP",
        Section::Declarations,
    ),
];

fn entry(code: &'static str) -> (CheckSeverity, &'static str, Section) {
    CATALOGUE
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|(_, s, r, sec)| (*s, *r, *sec))
        .unwrap_or_else(|| {
            debug_assert!(false, "check code {code} missing from CATALOGUE");
            (Info, "R-APP", Section::Request)
        })
}

fn f(
    code: &'static str,
    pointer: impl Into<String>,
    field: impl Into<String>,
    it: impl Into<String>,
    en: impl Into<String>,
) -> Finding {
    let (severity, rule, section) = entry(code);
    Finding {
        code,
        severity,
        rule: rule.to_owned(),
        section,
        pointer: pointer.into(),
        field: field.into(),
        message_it: it.into(),
        message_en: en.into(),
        note: None,
    }
}

fn it_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn blank(s: Option<&String>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

/// Italian label of a report field key (for messages).
pub fn report_field_label(key: &str) -> &str {
    match key {
        "attivita_in_corso" => "attività o fase lavorativa in corso",
        "evento_e_conseguenze" => "evento e sue conseguenze",
        "andamento_negativo" => "andamento negativo del lavoro o delle commesse",
        "contesto_mercato" => "contesto di mercato dei due anni precedenti",
        "continuita_aziendale" => "elementi di continuità aziendale",
        "previsione_ripresa" => "previsione di ripresa dell'attività",
        "commesse" => "commesse in portafoglio",
        "consumi_energetici" => "andamento dei consumi energetici",
        "cantiere_tipo_ubicazione" => "tipo e ubicazione del cantiere",
        "provvedimento_autorita" => "provvedimento dell'autorità",
        _ => key,
    }
}

fn report_field_key(f: &omnia_domain::reference::ReportField) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// States of an application that count in the UP's history and may be extended.
fn counts(state: ApplicationState) -> bool {
    matches!(
        state,
        ApplicationState::Submitted
            | ApplicationState::Authorised
            | ApplicationState::PartiallyAuthorised
    )
}

/// Longest chain of extensions followed (a guard: real chains reach 52 weeks in 4 links).
const MAX_CHAIN: usize = 60;

/// R-LIM-1: the application `first` that `app` extends, then the one `first` extends, and
/// so on — each of the same employer and UP, submitted or authorised. Empty when `first`
/// cannot be extended by `app` (the `extends_invalid` check).
async fn extension_chain(
    tx: &mut Tx,
    app: &ApplicationRow,
    unit: Option<omnia_store::UnitId>,
    first: ApplicationId,
) -> Result<Vec<ApplicationRow>, ServiceError> {
    let mut chain: Vec<ApplicationRow> = Vec::new();
    let mut next = Some(first);
    while let Some(id) = next {
        if id == app.id || chain.len() >= MAX_CHAIN || chain.iter().any(|c| c.id == id) {
            break;
        }
        let Some(row) = tx.application(id).await? else {
            break;
        };
        if row.employer_id != app.employer_id || Some(row.unit_id) != unit || !counts(row.state) {
            break;
        }
        next = row
            .content
            .as_deref()
            .and_then(|c| DraftContent::parse(c).ok())
            .filter(|c| c.request.request_kind == Some(RequestKind::Proroga))
            .and_then(|c| c.request.extends);
        chain.push(row);
    }
    Ok(chain)
}

impl Services {
    /// Every synchronous check of an application (see `docs/checks.md`), for whoever may
    /// see it.
    pub async fn checks(
        &self,
        p: &Principal,
        id: ApplicationId,
    ) -> Result<Vec<Finding>, ServiceError> {
        Ok(self.review(p, id).await?.findings)
    }

    /// The review: findings, deadline and counters. For a submitted application the
    /// findings are those stored at submission, with their notes.
    pub async fn review(&self, p: &Principal, id: ApplicationId) -> Result<Review, ServiceError> {
        self.application(p, id).await?;
        let mut tx = self.db().read().await?;
        let app = tx.application(id).await?.ok_or(ServiceError::NotFound)?;
        let content = match &app.content {
            Some(c) => DraftContent::parse(c)?,
            None => crate::drafts::legacy_content(&mut tx, &app).await?,
        };
        // A submitted application is judged as of its submission day, with its notes.
        let day = app
            .submitted_at
            .map(|t| t.date_naive())
            .unwrap_or_else(|| self.today());
        let mut review = self.evaluate(&mut tx, &app, &content, day).await?;
        for f in &mut review.findings {
            f.note = content.notes.get(f.code).cloned();
        }
        Ok(review)
    }

    /// Runs every check of `content` as if submitted on `submission`.
    pub(crate) async fn evaluate(
        &self,
        tx: &mut Tx,
        app: &ApplicationRow,
        content: &DraftContent,
        submission: NaiveDate,
    ) -> Result<Review, ServiceError> {
        // The reference data in force on the submission day (published versions included).
        let reference = self.reference_in_force(submission);
        let mut out = Vec::new();
        let benefit = Benefit::parse(&app.benefit)
            .ok_or_else(|| ServiceError::Internal("stored benefit".into()))?;
        let employer = tx
            .employer(app.employer_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("employer".into()))?;
        let r = &content.request;

        // R-SEL-1
        if content.benefit_non_compatible_confirmed {
            out.push(f(
                "benefit_non_compatible_confirmed",
                "/benefit_non_compatible_confirmed",
                "prestazione",
                format!("{}: scelta non compatibile con l'inquadramento, confermata; l'operatore di sede lo vedrà.", benefit.label_it()),
                format!("{}: not compatible with the classification, confirmed; the office operator will see it.", benefit.label_en()),
            ));
        } else {
            let codes = tx.authorisation_codes(employer.id).await?;
            let hc = tx.headcount(employer.id).await?;
            let suggested = crate::registry::select_benefits(&employer, &codes, &hc, submission)
                .benefits
                .iter()
                .any(|b| {
                    b.benefit == benefit
                        && b.status == omnia_domain::evaluation::selection::Suggestion::Suggerita
                });
            if !suggested {
                out.push(f(
                    "benefit_non_compatible",
                    "/benefit_non_compatible_confirmed",
                    "prestazione",
                    format!(
                        "{} non è compatibile con l'inquadramento del datore di lavoro (R-SEL-1).",
                        benefit.label_it()
                    ),
                    format!(
                        "{} is not compatible with the employer's classification (R-SEL-1).",
                        benefit.label_en()
                    ),
                ));
            }
        }

        // ---- request ----
        let unit = match r.unit_id {
            None => {
                out.push(f(
                    "unit_required",
                    "/request/unit_id",
                    "unita_produttiva",
                    "Indicare l'unità produttiva.",
                    "Choose the productive unit.",
                ));
                None
            }
            Some(u) => match tx.unit(u).await?.filter(|x| x.employer_id == employer.id) {
                Some(unit) => Some(unit),
                None => {
                    out.push(f(
                        "unknown_unit",
                        "/request/unit_id",
                        "unita_produttiva",
                        "Unità produttiva non trovata tra quelle del datore di lavoro.",
                        "Productive unit not found among the employer's units.",
                    ));
                    None
                }
            },
        };
        let causale: Option<&Causale> = match r.causale.as_deref().filter(|c| !c.is_empty()) {
            None => {
                out.push(f(
                    "causale_required",
                    "/request/causale",
                    "causale",
                    "Indicare la causale.",
                    "Choose the causale.",
                ));
                None
            }
            Some(code) => match reference.causale(code) {
                None => {
                    out.push(f(
                        "unknown_causale",
                        "/request/causale",
                        "causale",
                        format!("Causale «{code}» inesistente."),
                        format!("Unknown causale {code:?}."),
                    ));
                    None
                }
                Some(c) => {
                    let on = r.start.unwrap_or(submission);
                    if !reference
                        .causali_for(benefit, on)
                        .iter()
                        .any(|x| x.code == c.code)
                    {
                        out.push(f(
                            "causale_not_for_benefit",
                            "/request/causale",
                            "causale",
                            format!(
                                "La causale «{}» non è ammessa per {} alla data {}.",
                                c.label_it,
                                benefit.label_it(),
                                it_date(on)
                            ),
                            format!(
                                "Causale {} is not accepted for {} on {}.",
                                c.code,
                                benefit.label_en(),
                                on
                            ),
                        ));
                    }
                    if c.construction_only && !employer.edile_lapideo {
                        out.push(f(
                            "causale_construction_only",
                            "/request/causale",
                            "causale",
                            format!(
                                "La causale «{}» è riservata alle imprese edili e lapidee.",
                                c.label_it
                            ),
                            format!(
                                "Causale {} is reserved to construction and stone employers.",
                                c.code
                            ),
                        ));
                    }
                    Some(c)
                }
            },
        };
        let eone = causale.is_some_and(|c| c.eone);
        // R-LIM-1: for a valid proroga, the applications it extends, nearest first.
        let mut chain = Vec::new();
        match r.request_kind {
            None => out.push(f(
                "request_kind_required",
                "/request/request_kind",
                "tipo_richiesta",
                "Indicare se è una prima richiesta o una proroga.",
                "Say whether this is a first request or an extension.",
            )),
            Some(RequestKind::PrimaRichiesta) => {}
            Some(RequestKind::Proroga) => match r.extends {
                None => out.push(f(
                    "extends_required",
                    "/request/extends",
                    "domanda_prorogata",
                    "Per una proroga indicare la domanda che si proroga.",
                    "For an extension, name the application it extends.",
                )),
                Some(x) => {
                    chain = extension_chain(tx, app, r.unit_id, x).await?;
                    if chain.is_empty() {
                        out.push(f(
                            "extends_invalid",
                            "/request/extends",
                            "domanda_prorogata",
                            "La domanda prorogata deve essere una domanda inviata o autorizzata dello stesso datore di lavoro e della stessa unità produttiva.",
                            "The extended application must be a submitted or authorised application of the same employer and productive unit.",
                        ));
                    }
                }
            },
        }
        // The union procedure of construction counts the weeks of the whole chain.
        let extended_weeks: i64 = chain
            .iter()
            .map(|p| ((p.end_date - p.start_date).num_days() + 7) / 7)
            .sum();
        if r.kind.is_none() {
            out.push(f(
                "kind_required",
                "/request/kind",
                "tipo_riduzione",
                "Indicare sospensione o riduzione.",
                "Choose suspension or reduction.",
            ));
        }
        if r.start.is_none() {
            out.push(f(
                "start_required",
                "/request/start",
                "data_inizio",
                "Indicare la data di inizio.",
                "Give the start date.",
            ));
        }
        if r.end.is_none() {
            out.push(f(
                "end_required",
                "/request/end",
                "data_fine",
                "Indicare la data di fine.",
                "Give the end date.",
            ));
        }
        let period = match (r.start, r.end) {
            (Some(s), Some(e)) if e < s => {
                out.push(f(
                    "end_before_start",
                    "/request/end",
                    "data_fine",
                    "La data di fine precede la data di inizio.",
                    "The end date is before the start date.",
                ));
                None
            }
            (Some(s), Some(e)) => Period::new(s, e).ok(),
            _ => None,
        };
        if eone && benefit != Benefit::Cisoa {
            match (r.effective_start, r.start) {
                (None, _) => out.push(f(
                    "effective_start_required",
                    "/request/effective_start",
                    "data_inizio_effettivo",
                    "Causale EONE: indicare la data di inizio effettivo (giorno dell'evento).",
                    "EONE causale: give the effective start date (day of the event).",
                )),
                (Some(ev), Some(s)) if ev > s => out.push(f(
                    "effective_start_after_start",
                    "/request/effective_start",
                    "data_inizio_effettivo",
                    "La data dell'evento non può seguire la data di inizio.",
                    "The event date cannot follow the start date.",
                )),
                _ => {}
            }
        }

        // R-APP-3/3a/4
        let params = reference.parameters_on(submission);
        let mut deadline_json = None;
        if let Some(period) = &period {
            let first_event = if eone { r.effective_start } else { None };
            let d = deadlines::evaluate(
                benefit,
                eone,
                period,
                first_event,
                submission,
                params.filing_days,
                params.ais_earliest_days_before,
            );
            out.push(f(
                "filing_deadline",
                "/request/start",
                "data_inizio",
                format!(
                    "Termine di presentazione: {} (R-APP-3).",
                    it_date(d.last_day)
                ),
                format!("Filing deadline: {} (R-APP-3).", d.last_day),
            ));
            if d.too_early {
                let e = d.earliest_day.unwrap_or(period.start());
                out.push(f(
                    "filing_too_early",
                    "/request/start",
                    "data_inizio",
                    format!("Per FIS e fondi la domanda non può essere presentata prima di {} (30 giorni prima dell'inizio).", it_date(e)),
                    format!("For FIS and funds the application cannot be filed before {e} (30 days before the start)."),
                ));
            }
            if !d.on_time {
                match (&d.covered, &d.uncovered) {
                    (None, _) => out.push(f(
                        "nothing_covered",
                        "/request/start",
                        "data_inizio",
                        format!("Domanda tardiva: termine scaduto il {}; nessun giorno del periodo sarebbe coperto (R-APP-4).", it_date(d.last_day)),
                        format!("Late application: the deadline was {}; no day of the period would be covered (R-APP-4).", d.last_day),
                    )),
                    (Some(c), u) => {
                        let (u_it, u_en) = match u {
                            Some(u) => (
                                format!(" I giorni dal {} al {} ({}) non sono coperti: il datore di lavoro deve ai lavoratori l'importo corrispondente.", it_date(u.start()), it_date(u.end()), u.len_days()),
                                format!(" Days {} – {} ({}) are not covered: the employer owes the workers the equivalent amount.", u.start(), u.end(), u.len_days()),
                            ),
                            None => (String::new(), String::new()),
                        };
                        out.push(f(
                            "late_filing",
                            "/request/start",
                            "data_inizio",
                            format!("Domanda tardiva (termine {}): il periodo è coperto dal {} (R-APP-4).{u_it}", it_date(d.last_day), it_date(c.start())),
                            format!("Late application (deadline {}): the period is covered from {} (R-APP-4).{u_en}", d.last_day, c.start()),
                        ));
                    }
                }
            }
            deadline_json = serde_json::to_value(&d).ok();
        }

        // ---- workers ----
        let staff = tx.workers_of_employer(employer.id).await?;
        if content.workers.is_empty() {
            out.push(f(
                "workers_required",
                "/workers",
                "lavoratori",
                "Indicare almeno un lavoratore.",
                "List at least one worker.",
            ));
        }
        let bolzano = employer.fund_code.as_deref() == Some("bolzano");
        let mut seen = HashSet::new();
        for (i, we) in content.workers.iter().enumerate() {
            let ptr = format!("/workers/{i}/worker_id");
            let field = format!("lavoratore_{}", we.worker_id);
            let Some(w) = staff
                .iter()
                .find(|w| w.id == we.worker_id && r.unit_id.is_none_or(|u| u == w.unit_id))
            else {
                out.push(f(
                    "unknown_worker",
                    ptr,
                    field,
                    "Lavoratore non trovato nell'unità produttiva indicata.",
                    "Worker not found in the given productive unit.",
                ));
                continue;
            };
            let who = format!("{} {}", w.surname, w.name);
            if !seen.insert(we.worker_id) {
                out.push(f(
                    "duplicate_worker",
                    ptr,
                    field,
                    format!("{who}: indicato/a più di una volta."),
                    format!("{who}: listed more than once."),
                ));
                continue;
            }
            if w.qualifica == Qualifica::Dirigente && !bolzano {
                out.push(f(
                    "dirigente_excluded",
                    ptr.clone(),
                    field.clone(),
                    format!("{who} è un dirigente: i dirigenti sono esclusi (R-ELIG-1)."),
                    format!("{who} is a dirigente: executives are excluded (R-ELIG-1)."),
                ));
            }
            // R-LIM-9: CISOA in whole days, the others in hours; within the period.
            let unit = QuantityUnit::of(benefit);
            let qptr = format!("/workers/{i}/{}", unit.field());
            let qfield = format!("{}_{}", crate::drafts::quantity_field(unit), we.worker_id);
            match we.quantity(benefit) {
                Err(e @ (QuantityError::CisoaInDays | QuantityError::DaysOnlyForCisoa)) => {
                    out.push(f(
                        e.code(),
                        format!("/workers/{i}/{}", e.field()),
                        qfield.clone(),
                        format!("{who}: {}", e.message_it()),
                        format!("{who}: {}", e.message_en()),
                    ));
                }
                Ok(Requested::Days(d))
                    if i64::from(d) <= crate::drafts::max_days(w, r.start, r.end) => {}
                Ok(Requested::Hours(h))
                    if i64::from(h) <= crate::drafts::max_hours(w, r.start, r.end) => {}
                _ if unit == QuantityUnit::Days => {
                    let max = crate::drafts::max_days(w, r.start, r.end);
                    out.push(f(
                        "days_out_of_range",
                        qptr.clone(),
                        qfield.clone(),
                        format!("{who}: le giornate devono essere tra 1 e {max} (giornate lavorative settimanali {} × settimane del periodo).", w.working_days_per_week),
                        format!("{who}: days must be between 1 and {max} (working days per week {} × weeks of the period).", w.working_days_per_week),
                    ));
                }
                _ => {
                    let max = crate::drafts::max_hours(w, r.start, r.end);
                    out.push(f(
                        "hours_out_of_range",
                        qptr.clone(),
                        qfield.clone(),
                        format!("{who}: le ore devono essere tra 1 e {max} (orario settimanale {} × settimane del periodo).", w.weekly_hours),
                        format!("{who}: hours must be between 1 and {max} (weekly hours {} × weeks of the period).", w.weekly_hours),
                    ));
                }
            }
            if benefit == Benefit::Cisoa {
                // R-ELIG-3: 181 days in the year at the same employer. Without attendance
                // data: impossible if hired this year less than 181 days ago, otherwise
                // unverified (the user confirms with a note).
                let min = i64::from(params.cisoa_min_days);
                let year_start =
                    NaiveDate::from_ymd_opt(submission.year(), 1, 1).unwrap_or(submission);
                let possible = (submission - w.hire_date.max(year_start)).num_days() + 1;
                if w.hire_date >= year_start && possible < min {
                    out.push(f(
                        "cisoa_181_days",
                        ptr,
                        field,
                        format!("{who}: assunto/a il {}, non può avere {min} giornate di lavoro nell'anno (R-ELIG-3).", it_date(w.hire_date)),
                        format!("{who}: hired {}, cannot have {min} days of work in the year (R-ELIG-3).", w.hire_date),
                    ));
                } else {
                    out.push(f(
                        "cisoa_days_unverified",
                        ptr,
                        field,
                        format!("{who}: le {min} giornate di lavoro nell'anno (R-ELIG-3) non sono verificabili dai dati disponibili: confermare con una nota."),
                        format!("{who}: the {min} days of work in the year (R-ELIG-3) cannot be verified from the available data: confirm with a note."),
                    ));
                }
            } else if !eone {
                let required = i64::from(params.seniority_days);
                let days = (submission - w.hire_date).num_days();
                if days < required {
                    out.push(f(
                        "seniority",
                        ptr,
                        field,
                        format!("{who}: servono almeno {required} giorni di lavoro presso l'unità produttiva alla data di invio (R-ELIG-2); assunto/a il {}, {days} giorni.", it_date(w.hire_date)),
                        format!("{who}: at least {required} days of work at the productive unit are required at submission (R-ELIG-2); hired {}, {days} days.", w.hire_date),
                    ));
                }
            }
        }
        // R-APP-5 (on the projected lines and the projected period)
        if let (Some(p), true) = (&period, app.state == ApplicationState::Draft) {
            let overlaps = tx
                .overlapping_applications(app.id, p.start(), p.end())
                .await?;
            for o in overlaps {
                let Some(i) = content
                    .workers
                    .iter()
                    .position(|w| w.worker_id == o.worker_id)
                else {
                    continue;
                };
                let other = o
                    .protocol_number
                    .clone()
                    .unwrap_or_else(|| o.application_id.to_string());
                out.push(f(
                    "overlapping_application",
                    format!("/workers/{i}/worker_id"),
                    format!("lavoratore_{}", o.worker_id),
                    format!("Il lavoratore è già compreso nella domanda {other} per il periodo {} – {}, che si sovrappone (R-APP-5).", it_date(o.start_date), it_date(o.end_date)),
                    format!("The worker is already in application {other} for {} – {}, which overlaps (R-APP-5).", o.start_date, o.end_date),
                ));
            }
        }

        // ---- headcount ----
        if benefit != Benefit::Cisoa {
            match &content.headcount {
                None => out.push(f(
                    "headcount_required",
                    "/headcount",
                    "organico",
                    "Indicare l'organico medio del semestre precedente per orario contrattuale.",
                    "Give the average workforce of the previous semester by contractual hours.",
                )),
                Some(h) if h.is_empty() => out.push(f(
                    "headcount_required",
                    "/headcount",
                    "organico",
                    "Indicare l'organico medio del semestre precedente per orario contrattuale.",
                    "Give the average workforce of the previous semester by contractual hours.",
                )),
                Some(h) => {
                    for (i, row) in h.iter().enumerate() {
                        if !(1..=48).contains(&row.weekly_hours) || row.avg_workers_hundredths < 0 {
                            out.push(f(
                                "headcount_invalid",
                                format!("/headcount/{i}"),
                                format!("organico_{i}"),
                                "Orario settimanale tra 1 e 48 ore e numero medio di lavoratori non negativo.",
                                "Weekly hours between 1 and 48 and a non-negative average number of workers.",
                            ));
                        }
                    }
                }
            }
        }

        // ---- report (R-APP-1) ----
        match content.report.mode {
            ReportMode::Pdf => {
                if content.report_pdf.is_none() {
                    out.push(f(
                        "report_pdf_required",
                        "/report_pdf",
                        "relazione_pdf",
                        "Allegare la relazione tecnica in PDF, o compilarla nei campi strutturati.",
                        "Attach the technical report as a PDF, or fill in the structured fields.",
                    ));
                }
            }
            ReportMode::Structured => {
                if let Some(c) = causale {
                    for rf in &c.report_fields {
                        let key = report_field_key(rf);
                        if blank(content.report.fields.get(&key)) {
                            out.push(f(
                                "report_field_required",
                                format!("/report/fields/{key}"),
                                format!("relazione_{key}"),
                                format!(
                                    "Relazione tecnica: compilare «{}» (R-APP-1).",
                                    report_field_label(&key)
                                ),
                                format!("Technical report: fill in {key} (R-APP-1)."),
                            ));
                        }
                    }
                }
            }
        }

        // ---- indicators (R-APP-2) ----
        if causale.is_some_and(|c| c.requires_indicators) {
            let base = r.start.unwrap_or(submission).year();
            let needed = [base - 2, base - 1];
            match &content.indicators {
                None => out.push(f(
                    "indicators_required",
                    "/indicators",
                    "indicatori",
                    format!("La causale richiede gli indicatori economico-finanziari del {} e del {} (R-APP-2).", needed[0], needed[1]),
                    format!("The causale requires the economic-financial indicators of {} and {} (R-APP-2).", needed[0], needed[1]),
                )),
                Some(ind) => {
                    let totals = ind.yearly_totals();
                    for y in needed {
                        let complete = totals
                            .iter()
                            .any(|t| t.year == y && t.values.is_complete());
                        if !complete {
                            let (ptr, it_how) = match ind.granularity {
                                IndicatorsGranularity::Yearly => ("/indicators/years", "l'anno"),
                                IndicatorsGranularity::Quarterly => {
                                    ("/indicators/quarters", "i quattro trimestri del")
                                }
                            };
                            out.push(f(
                                "indicators_incomplete",
                                ptr,
                                format!("indicatori_{y}"),
                                format!("Indicatori incompleti: servono fatturato, risultato operativo, risultato d'impresa e indebitamento per {it_how} {y} (R-APP-2)."),
                                format!("Incomplete indicators: turnover, operating result, business result and debt are needed for {y} (R-APP-2)."),
                            ));
                        }
                    }
                }
            }
        }

        // ---- declarations ----
        let d = &content.declarations;
        let request_weeks = period
            .as_ref()
            .map(|p| (p.len_days() as i64 + 6) / 7)
            .unwrap_or(0);
        let union_needed = benefit != Benefit::Cisoa
            && (!employer.edile_lapideo
                || (r.request_kind == Some(RequestKind::Proroga)
                    && extended_weeks + request_weeks > 13));
        if union_needed {
            if d.union_done != Some(true) {
                out.push(f(
                    "union_declaration_required",
                    "/declarations/union_done",
                    "informativa_sindacale",
                    "Dichiarare di aver svolto l'informazione e consultazione sindacale.",
                    "Declare that the union information and consultation took place.",
                ));
            } else if d.union_date.is_none() || blank(d.union_with.as_ref()) {
                out.push(f(
                    "union_details_required",
                    if d.union_date.is_none() {
                        "/declarations/union_date"
                    } else {
                        "/declarations/union_with"
                    },
                    if d.union_date.is_none() {
                        "data_informativa"
                    } else {
                        "sindacati"
                    },
                    "Indicare data e destinatari dell'informazione e consultazione sindacale.",
                    "Give the date and the recipients of the union information and consultation.",
                ));
            }
        }
        match d.payment_mode {
            None => out.push(f(
                "payment_mode_required",
                "/declarations/payment_mode",
                "modalita_pagamento",
                "Indicare la modalità di pagamento.",
                "Choose the payment mode.",
            )),
            Some(PaymentMode::PagamentoDiretto) if !d.financial_difficulty => out.push(f(
                "difficulty_declaration_required",
                "/declarations/financial_difficulty",
                "difficolta_finanziaria",
                "Il pagamento diretto richiede la dichiarazione di difficoltà finanziaria.",
                "Direct payment requires the declaration of financial difficulty.",
            )),
            Some(_) => {}
        }

        // ---- counters (R-LIM) ----
        let mut limits = serde_json::Value::Object(Default::default());
        if let (Some(p), Some(c), Some(unit)) = (&period, causale, &unit) {
            match self
                .simulate_limits(
                    tx, app, content, &employer, unit, benefit, c, p, submission, &chain,
                )
                .await?
            {
                Ok(map) => {
                    for (key, st) in &map {
                        let rule = st
                            .get("rule")
                            .and_then(|v| v.as_str())
                            .unwrap_or(key)
                            .to_owned();
                        let label = st.get("label").and_then(|v| v.as_str()).unwrap_or("");
                        let num = |k: &str| {
                            st.get(k)
                                .and_then(|v| {
                                    v.as_str()
                                        .map(str::to_owned)
                                        .or_else(|| Some(v.to_string()))
                                })
                                .and_then(|s| s.parse::<Decimal>().ok())
                                .unwrap_or_default()
                        };
                        let (limit, used, requested, residual_after) = (
                            num("limit"),
                            num("used"),
                            num("requested"),
                            num("residual_after"),
                        );
                        let exceeded = st
                            .get("exceeded")
                            .and_then(|v| v.as_bool())
                            .unwrap_or(false);
                        let unit_s = st.get("unit").and_then(|v| v.as_str()).unwrap_or("");
                        if exceeded {
                            let mut x = f(
                                "limit_exceeded",
                                "/request/end",
                                "data_fine",
                                format!(
                                    "{rule} ({label}): limite {limit} {unit_s}, già utilizzati {used}, richiesti {requested}: limite superato."
                                ),
                                format!(
                                    "{rule} ({label}): limit {limit} {unit_s}, already used {used}, requested {requested}: limit exceeded."
                                ),
                            );
                            x.rule = rule;
                            out.push(x);
                        } else if limit > Decimal::ZERO
                            && residual_after * Decimal::from(10) <= limit
                        {
                            let mut x = f(
                                "limit_near",
                                "/request/end",
                                "data_fine",
                                format!(
                                    "{rule} ({label}): dopo questa domanda restano {residual_after} {unit_s} su {limit}."
                                ),
                                format!(
                                    "{rule} ({label}): after this application {residual_after} {unit_s} of {limit} remain."
                                ),
                            );
                            x.rule = rule;
                            out.push(x);
                        }
                    }
                    limits = serde_json::to_value(&map).unwrap_or(limits);
                }
                Err(message) => out.push(f(
                    "limits_unavailable",
                    "/request",
                    "richiesta",
                    format!("Contatori non calcolabili con i dati inseriti: {message}"),
                    format!("Counters cannot be computed from the data entered: {message}"),
                )),
            }
        }

        out.sort_by_key(|x| x.severity);
        let count = |s: CheckSeverity| {
            u32::try_from(out.iter().filter(|x| x.severity == s).count()).unwrap_or(u32::MAX)
        };
        Ok(Review {
            blocking: count(Blocking),
            forceable: count(Forceable),
            info: count(Info),
            findings: out,
            deadline: deadline_json,
            limits,
        })
    }

    /// The R-LIM counters of this request for its UP, from the UP's history in the database
    /// (submitted and authorised applications), through the domain's `simulate`.
    #[allow(clippy::too_many_arguments)]
    async fn simulate_limits(
        &self,
        tx: &mut Tx,
        app: &ApplicationRow,
        content: &DraftContent,
        employer: &omnia_store::EmployerRow,
        unit: &omnia_store::UnitRow,
        benefit: Benefit,
        causale: &Causale,
        period: &Period,
        submission: NaiveDate,
        chain: &[ApplicationRow],
    ) -> Result<Result<BTreeMap<String, serde_json::Value>, String>, ServiceError> {
        let codes = tx.authorisation_codes(employer.id).await?;
        let classification = crate::registry::classification(employer, &codes);
        // CISOA asks no headcount (its limit is per worker, R-LIM-9) but the simulation
        // needs a band: the registry's, else the UP's staff at 40 hours.
        let mut bands = content.headcount.clone().unwrap_or_default();
        if bands.is_empty() {
            bands = crate::drafts::headcount_prefill(&tx.headcount(employer.id).await?);
        }
        if bands.is_empty() {
            let staff = tx.workers_of_employer(employer.id).await?;
            let n = staff.iter().filter(|w| w.unit_id == unit.id).count().max(1);
            bands.push(crate::drafts::HeadcountEntry {
                weekly_hours: 40,
                avg_workers_hundredths: i64::try_from(n).unwrap_or(1) * 100,
            });
        }
        let headcount: Vec<serde_json::Value> = bands
            .iter()
            .map(|h| {
                serde_json::json!({
                    "weekly_hours": h.weekly_hours.to_string(),
                    "average_workers": (Decimal::from(h.avg_workers_hundredths) / Decimal::from(100)).to_string(),
                })
            })
            .collect();
        let staff = tx.workers_of_employer(employer.id).await?;
        let mut history = Vec::new();
        // R-LIM-1: each link of the proroga's chain extends the next one.
        let extends_of = |id: ApplicationId| {
            chain
                .iter()
                .position(|c| c.id == id)
                .and_then(|i| chain.get(i + 1))
                .map(|c| c.id.to_string())
        };
        for row in tx.applications_of_employer(employer.id).await? {
            if row.id == app.id || row.unit_id != unit.id || !counts(row.state) {
                continue;
            }
            let status = match row.state {
                ApplicationState::Submitted => "requested",
                _ => "authorised",
            };
            let extends = extends_of(row.id);
            let hours = row.hours_authorised.unwrap_or(row.hours_requested);
            let mut entry = serde_json::json!({
                "id": row.id.to_string(),
                "benefit": row.benefit,
                "fund": if row.benefit == "ais_fondo" { serde_json::to_value(classification.fund).unwrap_or_default() } else { serde_json::Value::Null },
                "causale": row.causale,
                "status": status,
                "period": { "start": row.start_date, "end": row.end_date },
                "hours": hours.to_string(),
                "extends": extends,
            });
            if row.benefit == Benefit::Cisoa.code() {
                entry["workers"] = cisoa_history_days(tx, &row, unit.working_days_per_week, &staff)
                    .await?
                    .into();
            }
            history.push(entry);
        }
        let mut workers = Vec::new();
        let mut seen = HashSet::new();
        for we in &content.workers {
            let Some(w) = staff.iter().find(|w| w.id == we.worker_id) else {
                continue;
            };
            let Ok(q) = we.quantity(benefit) else {
                continue;
            };
            // Days beyond the period are a finding (`days_out_of_range`); the counters
            // are computed without them rather than not at all.
            if matches!(q, Requested::Days(d) if i64::from(d) > crate::drafts::max_days(w, content.request.start, content.request.end))
            {
                continue;
            }
            if !seen.insert(w.id) {
                continue;
            }
            let kind = if benefit == Benefit::Cisoa {
                "oti"
            } else {
                w.qualifica.as_str()
            };
            let mut line = serde_json::json!({
                "codice_fiscale": w.cf,
                "kind": kind,
                "weekly_hours": w.weekly_hours.to_string(),
                "hourly_wage": (Decimal::from(w.hourly_wage_cents) / Decimal::from(100)).to_string(),
            });
            // CISOA in whole days (R-LIM-9): the engine counts them and derives the hours.
            match q {
                Requested::Hours(h) => line["hours"] = h.to_string().into(),
                Requested::Days(d) => line["days"] = d.into(),
            }
            if benefit == Benefit::Cisoa {
                // The 181 days (R-ELIG-3) are checked above from the registry and confirmed
                // with a note; the counters count the worker as declared.
                line["agricultural_days_in_year"] = self
                    .reference_in_force(submission)
                    .parameters_on(submission)
                    .cisoa_min_days
                    .into();
            }
            workers.push(line);
        }
        let r = &content.request;
        let input = serde_json::json!({
            "employer": {
                "codice_fiscale": employer.cf,
                "classification": classification,
                "edile_lapideo": employer.edile_lapideo,
                "headcount": headcount,
            },
            "unit": { "id": unit.id.to_string(), "working_days_per_week": unit.working_days_per_week },
            "history": history,
            "request": {
                "benefit": benefit.code(),
                "fund": if benefit == Benefit::AisFondo { serde_json::to_value(classification.fund).unwrap_or_default() } else { serde_json::Value::Null },
                "causale": causale.code,
                "kind": crate::applications::kind_code(r.kind.unwrap_or(omnia_domain::application::ReductionKind::Sospensione)),
                "period": { "start": period.start(), "end": period.end() },
                "submission_date": submission,
                "event_dates": r.effective_start.filter(|_| causale.eone).map(|d| vec![d]).unwrap_or_default(),
                "extends": chain.first().map(|c| c.id.to_string()),
                "workers": workers,
            }
        });
        let parsed = match simulation::parse_value(input) {
            Ok(i) => i,
            Err(e) => return Ok(Err(format!("{} ({})", e.message, e.pointer))),
        };
        match simulation::simulate(&parsed, &self.reference_in_force(submission)) {
            Ok(out) => {
                let map = out
                    .limits
                    .iter()
                    .filter_map(|(k, v)| serde_json::to_value(v).ok().map(|v| (k.clone(), v)))
                    .collect();
                Ok(Ok(map))
            }
            Err(e) => Ok(Err(format!("{} ({})", e.message, e.pointer))),
        }
    }
}

/// The days per worker of a past CISOA application (R-LIM-9): its authorised (else requested)
/// whole days, placed on the first working days of its period (P27).
async fn cisoa_history_days(
    tx: &mut Tx,
    row: &omnia_store::applications::ApplicationListRow,
    working_days_per_week: i64,
    staff: &[omnia_store::WorkerRow],
) -> Result<Vec<serde_json::Value>, ServiceError> {
    let Some(pattern) = u64::try_from(working_days_per_week)
        .ok()
        .and_then(WorkPattern::from_days)
    else {
        return Ok(Vec::new());
    };
    let Ok(period) = Period::new(row.start_date, row.end_date) else {
        return Ok(Vec::new());
    };
    let working = pattern.working_days(&period);
    Ok(tx
        .application_workers(row.id)
        .await?
        .into_iter()
        .filter_map(|l| {
            let n = l.days_authorised.or(l.days_requested)?;
            let cf = &staff.iter().find(|w| w.id == l.worker_id)?.cf;
            let days: Vec<NaiveDate> = working
                .iter()
                .copied()
                .take(usize::try_from(n).unwrap_or(0))
                .collect();
            Some(serde_json::json!({ "codice_fiscale": cf, "days": days }))
        })
        .collect())
}
