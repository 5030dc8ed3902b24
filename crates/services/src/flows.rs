//! Accepting payment-data flows (R-FLO), eliminazione and replacement, payment batches
//! (R-FLO-4) and the conguaglio route.
//!
//! An upload goes: body spooled to a temporary file ([`FlowSpool`], memory bounded) →
//! per-sender lock (the flow row inserted as `processing`; a second flow of the same
//! sender meanwhile gets `flow_in_progress`) → the checks of `omnia_flows` on a blocking
//! thread, against the authorisations of the employers the caller may act for (with the
//! hours already posted to the *fruito* ledger) → if the report accepts it, one
//! transaction loads the records (PostgreSQL `COPY`, SQLite multi-row inserts from the
//! same spool of COPY lines), supersedes replaced records and posts the ledger; a refused
//! flow keeps only its row and report. Any failure rolls the transaction back and
//! releases the lock: nothing is half-stored.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use omnia_domain::application::Period;
use omnia_domain::benefit::Benefit;
use omnia_domain::evaluation::amounts::cents;
use omnia_domain::ids::{AuthorisationNumber, CodiceFiscale, Iban, Ticket};
use omnia_domain::reference::Reference;
use omnia_flows::check::{CheckOptions, Hooks, Outcome, RecordAmount, Report};
use omnia_flows::{Authorisation, Authorisations, FlowReader, PaymentRoute, XmlReader, check_flow};
use omnia_store::audit::NewAuditEvent;
use omnia_store::flows::{FlowRecordRow, FlowRow, NewFlowRecord, PaymentBatchRow};
use omnia_store::{
    ApplicationId, BatchStatus, EmployerId, FlowStatus, OfficeId, RecordState, Role, Tx, UserId,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::applications::content_pays_by_conguaglio;
use crate::{EmployerScope, OfficeScope, Principal, ServiceError, Services};

/// Default largest flow body: 1 GiB (about 800,000 records of 10 days in XML).
pub const DEFAULT_FLOW_MAX_BYTES: u64 = 1 << 30;

/// A `processing` flow older than this is an upload whose process died: its lock is
/// dropped when the sender uploads again.
const STALE_PROCESSING: TimeDelta = TimeDelta::hours(2);

/// Format of an uploaded flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlowFormat {
    Xml,
    Csv,
}

impl FlowFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowFormat::Xml => "xml",
            FlowFormat::Csv => "csv",
        }
    }
}

/// Why a body could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the flow exceeds the limit of {max} bytes")]
    TooLarge { max: u64 },
    #[error("spool file: {0}")]
    Io(#[from] std::io::Error),
}

/// The body of an upload, written to a temporary file as it arrives (memory stays
/// bounded by the chunk size), deleted when dropped.
pub struct FlowSpool {
    file: tokio::io::BufWriter<tokio::fs::File>,
    path: tempfile::TempPath,
    len: u64,
    max: u64,
}

impl FlowSpool {
    /// A new empty spool that refuses more than `max` bytes.
    pub fn new(max: u64) -> Result<FlowSpool, SpoolError> {
        let (f, path) = tempfile::Builder::new()
            .prefix("omnia-flow-")
            .tempfile()?
            .into_parts();
        Ok(FlowSpool {
            file: tokio::io::BufWriter::with_capacity(1 << 16, tokio::fs::File::from_std(f)),
            path,
            len: 0,
            max,
        })
    }

    /// Appends a chunk; `TooLarge` as soon as the limit is passed (nothing more is kept).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        self.len += chunk.len() as u64;
        if self.len > self.max {
            return Err(SpoolError::TooLarge { max: self.max });
        }
        self.file.write_all(chunk).await?;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    async fn finish(mut self) -> Result<(tempfile::TempPath, u64), SpoolError> {
        self.file.flush().await?;
        self.file.get_mut().sync_data().await.ok();
        Ok((self.path, self.len))
    }
}

/// Options of an upload.
#[derive(Debug, Clone)]
pub struct FlowUpload {
    pub format: FlowFormat,
    /// Confirmation of the forceable findings with this note (R-FLO-1).
    pub confirm_note: Option<String>,
}

/// A flow as shown to its sender and to the employers it concerns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlowView {
    /// UUIDv7 of the flow.
    pub id: String,
    /// `CFMittente` of the header (the uploader's username when unreadable).
    pub sender: String,
    pub uploaded_by: UserId,
    pub received_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: FlowStatus,
    pub format: String,
    pub bytes: i64,
    /// Records stored (0 for a refused flow).
    pub records: i64,
    /// Total gross benefit of the stored records, euro.
    #[schema(value_type = String, example = "1234.56")]
    pub total_gross: Decimal,
    /// Total net benefit of the stored records, euro.
    #[schema(value_type = String, example = "1162.46")]
    pub total_net: Decimal,
    pub confirmation_note: Option<String>,
    /// Refused only for forceable findings: accepted if sent again with a confirmation
    /// and a note (R-FLO-1).
    pub awaiting_confirmation: bool,
    /// Months of competence of the header, for an accepted flow (`None` otherwise).
    pub period: Option<FlowPeriod>,
    /// The check report (summary, counts, findings, outcome); in the detail only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
}

/// The months of competence a flow's header covers (`PeriodoDa`, `PeriodoA`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FlowPeriod {
    /// First month, `YYYY-MM`.
    #[schema(example = "2025-03")]
    pub from: String,
    /// Last month, `YYYY-MM` (the same as `from` for a flow of one month).
    #[schema(example = "2025-03")]
    pub to: String,
}

impl FlowPeriod {
    /// The header's months, if both are `YYYY-MM` and in order.
    fn parse(from: &str, to: &str) -> Option<Self> {
        let month = |m: &str| {
            NaiveDate::parse_from_str(&format!("{}-01", m.trim()), "%Y-%m-%d")
                .ok()
                .map(|d| d.format("%Y-%m").to_string())
        };
        let (from, to) = (month(from)?, month(to)?);
        (from <= to).then_some(FlowPeriod { from, to })
    }
}

/// An accepted worker record with its amounts (R-AMT), as the employer sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlowRecordView {
    pub id: i64,
    pub flow_id: String,
    /// Line of the record in the file.
    pub line: i64,
    pub employer_id: EmployerId,
    pub matricola: String,
    pub worker_cf: String,
    pub worker_name: Option<String>,
    /// Month of competence, `YYYY-MM`.
    pub month: String,
    /// Qualifica 1, 2 and 3, e.g. `1FI`.
    pub qualifiche: String,
    pub unit_code: String,
    pub application_id: ApplicationId,
    pub authorisation_number: String,
    pub benefit: String,
    pub iban: String,
    /// Integrated hours of the record (posted to the fruito ledger).
    #[schema(value_type = String, example = "16.00")]
    pub hours: Decimal,
    /// Hours paid (within the contractual hours).
    #[schema(value_type = String, example = "16.00")]
    pub paid_hours: Decimal,
    #[schema(value_type = String, example = "12.50")]
    pub hourly_wage: String,
    #[schema(value_type = String, example = "160.00")]
    pub gross: Decimal,
    #[schema(value_type = String, example = "150.66")]
    pub net: Decimal,
    /// Additional contribution owed by the employer (R-AMT-3).
    #[schema(value_type = String, example = "18.00")]
    pub addizionale: Decimal,
    /// The massimale limited the amount (R-AMT-2).
    pub capped: bool,
    /// `new` or `replacement`.
    pub kind: String,
    /// The record this one replaced.
    pub replaces: Option<i64>,
    pub state: RecordState,
    pub batch_id: Option<String>,
    pub state_changed_at: DateTime<Utc>,
}

/// What an upload produced: the stored flow with its report.
#[derive(Debug, Clone)]
pub struct SubmittedFlow {
    pub flow: FlowView,
    pub accepted: bool,
}

/// A payment batch (R-FLO-4).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentBatchView {
    pub id: String,
    /// `MsgId` of the pain.001 message.
    pub message_id: String,
    pub office_id: OfficeId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub execution_date: NaiveDate,
    pub status: BatchStatus,
    pub records: i64,
    /// Sum of the net amounts, euro.
    #[schema(value_type = String, example = "15066.00")]
    pub total: Decimal,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_by: Option<UserId>,
}

/// Input of a new payment batch.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentBatch {
    /// Only the records of this flow (default: every accepted record of the office).
    #[serde(default)]
    pub flow_id: Option<String>,
    /// Requested execution date (default: the next day).
    #[serde(default)]
    pub execution_date: Option<NaiveDate>,
}

/// The agency's paying account written as debtor of the pain.001 files. Our policy until
/// treasury configuration exists: a fixed, documented account.
pub const PAYER_NAME: &str = "Istituto Nazionale della Previdenza Sociale";
pub const PAYER_IBAN: &str = "IT60X0542811101000000123456";
pub const PAYER_BIC: &str = "BPPIITRRXXX";

fn money(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn to_cents(d: Decimal) -> i64 {
    (cents(d) * Decimal::ONE_HUNDRED)
        .to_i64()
        .unwrap_or(i64::MAX)
}

fn internal(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(what.to_string())
}

impl From<&FlowRow> for FlowView {
    fn from(r: &FlowRow) -> Self {
        FlowView {
            id: r.id.clone(),
            sender: r.sender.clone(),
            uploaded_by: r.uploaded_by,
            received_at: r.received_at,
            finished_at: r.finished_at,
            status: r.status,
            format: r.format.clone(),
            bytes: r.bytes,
            records: r.records,
            total_gross: money(r.total_gross_cents),
            total_net: money(r.total_net_cents),
            confirmation_note: r.confirmation_note.clone(),
            // The stored report is compact JSON whose last key is the outcome; a string value
            // cannot hold this unescaped text, so a substring test is exact and spares
            // parsing every report of a list.
            awaiting_confirmation: r.status == FlowStatus::Refused
                && r.report
                    .as_deref()
                    .is_some_and(|j| j.contains("\"outcome\":{\"outcome\":\"needs_confirmation\"")),
            period: match (&r.period_from, &r.period_to) {
                (Some(from), Some(to)) => Some(FlowPeriod {
                    from: from.clone(),
                    to: to.clone(),
                }),
                _ => None,
            },
            report: None,
        }
    }
}

impl From<FlowRecordRow> for FlowRecordView {
    fn from(r: FlowRecordRow) -> Self {
        FlowRecordView {
            id: r.id,
            flow_id: r.flow_id,
            line: r.line,
            employer_id: r.employer_id,
            matricola: r.matricola,
            worker_cf: r.worker_cf,
            worker_name: r.worker_name,
            month: r.month,
            qualifiche: r.qualifiche,
            unit_code: r.unit_code,
            application_id: r.application_id,
            authorisation_number: r.authorisation_number,
            benefit: r.benefit,
            iban: r.iban,
            hours: money(r.hours_centi),
            paid_hours: money(r.paid_hours_centi),
            hourly_wage: r.hourly_wage,
            gross: money(r.gross_cents),
            net: money(r.net_cents),
            addizionale: money(r.addizionale_cents),
            capped: r.capped,
            kind: r.kind,
            replaces: r.replaces,
            state: r.state,
            batch_id: r.batch_id,
            state_changed_at: r.state_changed_at,
        }
    }
}

impl From<PaymentBatchRow> for PaymentBatchView {
    fn from(b: PaymentBatchRow) -> Self {
        PaymentBatchView {
            id: b.id,
            message_id: b.message_id,
            office_id: b.office_id,
            created_by: b.created_by,
            created_at: b.created_at,
            execution_date: b.execution_date,
            status: b.status,
            records: b.records,
            total: money(b.total_cents),
            paid_at: b.paid_at,
            paid_by: b.paid_by,
        }
    }
}

/// Who reads flows (DESIGN.md's permission table): the senders' side sees its own
/// flows and its employers' records; an operator reads, without changing anything, the
/// flows holding records of the UPs its office serves, as it examines their applications
/// (and as its payment batches take their records).
enum FlowAudience {
    Senders {
        user: UserId,
        employers: Vec<EmployerId>,
    },
    Office(OfficeScope),
}

/// What the amount hook needs to turn a checked record into a stored one.
#[derive(Clone)]
struct AuthInfo {
    application_id: ApplicationId,
    employer_id: EmployerId,
    /// Rate of the additional contribution (R-AMT-3, first band; 0 for EONE).
    addizionale_rate: Decimal,
}

/// The authorisations of the caller's employers, indexed for the checker and the loader.
struct Loaded {
    auths: Authorisations,
    by_number: HashMap<String, AuthInfo>,
}

/// Fault injection for the atomicity tests (`testing` feature): the ingest fails once
/// this many records have been loaded, inside the transaction.
#[cfg(feature = "testing")]
pub static FAIL_AFTER_ROWS: std::sync::Mutex<Option<u64>> = std::sync::Mutex::new(None);

fn injected_fault(loaded: u64) -> Result<(), ServiceError> {
    #[cfg(feature = "testing")]
    {
        let limit = *FAIL_AFTER_ROWS.lock().unwrap_or_else(|e| e.into_inner());
        if limit.is_some_and(|n| loaded >= n) {
            return Err(internal(format!("fault injected after {loaded} rows")));
        }
    }
    let _ = loaded;
    Ok(())
}

/// Our policy for R-AMT-3 on a flow record: the first (standard) band of the benefit's
/// rates in force on the first day of the month; none for an EONE causale.
fn addizionale_rate(r: &Reference, benefit: Benefit, causale: &str, on: NaiveDate) -> Decimal {
    if r.causale(causale).is_some_and(|c| c.eone) {
        return Decimal::ZERO;
    }
    r.additional_contribution_on(benefit, None, on)
        .and_then(|a| a.bands.first())
        .map_or(Decimal::ZERO, |b| b.rate)
}

/// Adds to each finding of a report the title of its check in Italian and English
/// (`title_it`, `title_en`, from the catalogue): the `message` is Italian only, written by
/// the checker with the values it found. Done when the report is shown, so reports
/// stored before the English titles existed get them too.
fn with_titles(mut report: serde_json::Value) -> serde_json::Value {
    if let Some(findings) = report
        .get_mut("findings")
        .and_then(serde_json::Value::as_array_mut)
    {
        for f in findings {
            let Some(code) = f
                .get("code")
                .and_then(serde_json::Value::as_str)
                .and_then(omnia_flows::Code::parse)
            else {
                continue;
            };
            if let Some(f) = f.as_object_mut() {
                f.insert("title_it".into(), code.title_it().into());
                f.insert("title_en".into(), code.title_en().into());
            }
        }
    }
    report
}

/// What the header says before the checks: the `CFMittente` (the per-sender lock key) and
/// the period, each if readable.
#[derive(Default)]
struct HeaderPeek {
    sender: Option<String>,
    period: Option<FlowPeriod>,
}

/// Reads the header of the spooled flow with the flow's own reader.
fn peek_header(path: &Path, format: FlowFormat) -> HeaderPeek {
    use omnia_flows::model::{H_FROM, H_SENDER, H_TO, Item};
    let Ok(f) = std::fs::File::open(path) else {
        return HeaderPeek::default();
    };
    let input = BufReader::with_capacity(1 << 14, f);
    fn first_header<R: FlowReader>(mut r: R) -> HeaderPeek {
        let mut issues = Vec::new();
        for _ in 0..4 {
            match r.next_item(&mut issues) {
                Ok(Item::Header) => {
                    let f = &r.header().fields;
                    return HeaderPeek {
                        sender: f[H_SENDER]
                            .get()
                            .map(|s| s.to_ascii_uppercase())
                            .filter(|s| {
                                !s.is_empty()
                                    && s.len() <= 16
                                    && s.bytes().all(|b| b.is_ascii_alphanumeric())
                            }),
                        period: f[H_FROM]
                            .get()
                            .zip(f[H_TO].get())
                            .and_then(|(from, to)| FlowPeriod::parse(from, to)),
                    };
                }
                Ok(Item::End) | Err(_) => return HeaderPeek::default(),
                Ok(_) => {}
            }
        }
        HeaderPeek::default()
    }
    match format {
        FlowFormat::Xml => first_header(XmlReader::new(input)),
        FlowFormat::Csv => first_header(omnia_flows::csv::CsvReader::new(input)),
    }
}

/// The check, run on a blocking thread: the report, and the spool of the records to load.
struct Checked {
    report: Report,
    records: tempfile::TempPath,
    spooled: u64,
}

fn run_check(
    path: &Path,
    format: FlowFormat,
    loaded: &Loaded,
    today: NaiveDate,
) -> Result<Checked, ServiceError> {
    let f = std::fs::File::open(path).map_err(|e| internal(format!("spool: {e}")))?;
    let input = BufReader::with_capacity(1 << 18, f);
    let (out, records) = tempfile::Builder::new()
        .prefix("omnia-records-")
        .tempfile()
        .map_err(|e| internal(format!("records spool: {e}")))?
        .into_parts();
    let mut w = BufWriter::with_capacity(1 << 18, out);
    let mut line = Vec::with_capacity(512);
    let mut spooled = 0u64;
    let mut failure: Option<String> = None;
    let mut sink = |r: &RecordAmount<'_>| {
        let Some(info) = loaded.by_number.get(r.authorisation.as_str()) else {
            failure.get_or_insert_with(|| format!("authorisation {} not loaded", r.authorisation));
            return;
        };
        let base = r.hourly_wage * r.amount.hours;
        let rec = NewFlowRecord {
            line: r.line as i64,
            employer_id: info.employer_id,
            matricola: r.matricola.to_owned(),
            worker_cf: r.worker.as_str().to_owned(),
            worker_name: r.name.map(str::to_owned),
            month: r.month.clone(),
            qualifiche: String::from_utf8_lossy(&r.qualifiche).into_owned(),
            unit_code: r.unit.to_owned(),
            application_id: info.application_id,
            authorisation_number: r.authorisation.as_str().to_owned(),
            benefit: r.benefit.code().to_owned(),
            iban: r.iban.as_str().to_owned(),
            hours_centi: r.hours_centi as i64,
            paid_hours_centi: to_cents(r.amount.hours),
            hourly_wage: r.hourly_wage.round_dp(4).normalize().to_string(),
            gross_cents: to_cents(r.amount.gross),
            net_cents: to_cents(r.amount.net),
            addizionale_cents: to_cents(base * info.addizionale_rate),
            capped: r.amount.capped,
            replacement: r.replacement,
        };
        line.clear();
        rec.write_copy_line(&mut line);
        if let Err(e) = w.write_all(&line) {
            failure.get_or_insert_with(|| format!("records spool: {e}"));
        }
        spooled += 1;
    };
    let opts = CheckOptions::new(today);
    let hooks = Hooks {
        progress: None,
        amount: Some(&mut sink),
    };
    let report = match format {
        FlowFormat::Xml => threaded_check(XmlReader::new(input), &loaded.auths, &opts, hooks),
        FlowFormat::Csv => threaded_check(
            omnia_flows::csv::CsvReader::new(input),
            &loaded.auths,
            &opts,
            hooks,
        ),
    }?;
    if let Some(f) = failure {
        return Err(internal(f));
    }
    w.flush()
        .map_err(|e| internal(format!("records spool: {e}")))?;
    Ok(Checked {
        report,
        records,
        spooled,
    })
}

fn threaded_check<R: FlowReader + Send + 'static>(
    reader: R,
    auths: &Authorisations,
    opts: &CheckOptions,
    hooks: Hooks<'_>,
) -> Result<Report, ServiceError> {
    let mut threaded = omnia_flows::pipeline::Threaded::spawn(reader)
        .map_err(|e| internal(format!("reader thread: {e}")))?;
    Ok(check_flow(&mut threaded, auths, opts, hooks))
}

impl Services {
    /// The employers `p` may send flows for (its own, or those that delegated it today).
    async fn flow_employers(&self, p: &Principal) -> Result<Vec<EmployerId>, ServiceError> {
        match p.role {
            Role::EmployerUser | Role::Intermediary => Ok(self
                .employers_for(p)
                .await?
                .into_iter()
                .map(|e| e.id)
                .collect()),
            Role::Operator | Role::Administrator => Err(ServiceError::Forbidden),
        }
    }

    /// Builds the checker's authorisations from the database: the authorised applications
    /// of `employers`, their beneficiaries with the hours already in the ledger, and the
    /// live records (for the replacement rules).
    async fn load_authorisations(&self, employers: &[EmployerId]) -> Result<Loaded, ServiceError> {
        let reference = Reference::builtin();
        let mut tx = self.db().read().await?;
        let mut auths = Authorisations::new();
        let mut by_number = HashMap::new();
        for &e in employers {
            let rows = tx.flow_authorisations(e).await?;
            let grants = tx.flow_grants(e).await?;
            let mut index = HashMap::new();
            for a in &rows {
                let benefit = Benefit::parse(&a.benefit)
                    .ok_or_else(|| internal(format!("benefit {}", a.benefit)))?;
                let total: i64 = grants
                    .iter()
                    .filter(|g| g.application_id == a.application_id)
                    .map(|g| g.hours_authorised)
                    .sum();
                let id = auths
                    .add(Authorisation {
                        number: AuthorisationNumber::parse(&a.authorisation_number)
                            .map_err(|e| internal(format!("authorisation number: {e}")))?,
                        ticket: a.ticket.as_deref().and_then(|t| Ticket::parse(t).ok()),
                        employer_cf: CodiceFiscale::parse(&a.employer_cf)
                            .map_err(|e| internal(format!("employer cf: {e}")))?,
                        benefit,
                        period: Period::new(a.start_date, a.end_date)
                            .map_err(|e| internal(format!("period: {e:?}")))?,
                        authorised_on: a.decided_at.date_naive(),
                        total_centi: Some(u64::try_from(total).unwrap_or(0) * 100),
                        // R-FLO: flows only for direct payment (CP10 otherwise).
                        payment: if content_pays_by_conguaglio(a.content.as_deref())? {
                            PaymentRoute::Conguaglio
                        } else {
                            PaymentRoute::Direct
                        },
                    })
                    .map_err(|e| internal(e.to_string()))?;
                index.insert(a.application_id, id);
                let first = NaiveDate::from_ymd_opt(a.start_date.year(), a.start_date.month(), 1)
                    .unwrap_or(a.start_date);
                by_number.insert(
                    a.authorisation_number.clone(),
                    AuthInfo {
                        application_id: a.application_id,
                        employer_id: a.employer_id,
                        addizionale_rate: addizionale_rate(reference, benefit, &a.causale, first),
                    },
                );
            }
            for g in &grants {
                let Some(&id) = index.get(&g.application_id) else {
                    continue;
                };
                let cf = CodiceFiscale::parse(&g.worker_cf)
                    .map_err(|e| internal(format!("worker cf: {e}")))?;
                auths
                    .add_worker(
                        id,
                        &cf,
                        u64::try_from(g.hours_authorised).unwrap_or(0) * 100,
                        u64::try_from(g.used_centi).unwrap_or(0),
                    )
                    .map_err(|e| internal(e.to_string()))?;
            }
            for k in tx.live_record_keys(e).await? {
                let cf = CodiceFiscale::parse(&k.worker_cf)
                    .map_err(|e| internal(format!("worker cf: {e}")))?;
                auths
                    .add_accepted_record(&cf, &k.month, &k.qualifiche)
                    .map_err(|e| internal(e.to_string()))?;
            }
        }
        Ok(Loaded { auths, by_number })
    }

    /// Checks and, if the report accepts it, stores a flow (see the module docs).
    /// `Conflict(flow_in_progress)` while another flow of the same sender is processed;
    /// `Conflict(record_in_payment)` when a replacement targets a record already in a
    /// payment batch (nothing is stored).
    pub async fn submit_flow(
        &self,
        p: &Principal,
        spool: FlowSpool,
        upload: FlowUpload,
    ) -> Result<SubmittedFlow, ServiceError> {
        let employers = self.flow_employers(p).await?;
        let (path, bytes) = spool
            .finish()
            .await
            .map_err(|e| internal(format!("spool: {e}")))?;
        let path: PathBuf = path.to_path_buf().clone();
        let format = upload.format;
        let header = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || peek_header(&path, format))
                .await
                .map_err(|e| internal(format!("peek: {e}")))?
        };
        let sender = header.sender.unwrap_or_else(|| p.username.clone());

        // The per-sender lock.
        let id = uuid::Uuid::now_v7().to_string();
        let received_at = self.now();
        let mut tx = self.db().begin().await?;
        match tx
            .insert_processing_flow(
                &id,
                &sender,
                p.user_id,
                received_at,
                format.as_str(),
                i64::try_from(bytes).unwrap_or(i64::MAX),
                received_at - STALE_PROCESSING,
            )
            .await
        {
            Ok(()) => tx.commit().await?,
            Err(e) if e.is_unique_violation() => {
                return Err(ServiceError::conflict(
                    "flow_in_progress",
                    format!(
                        "Un altro flusso del mittente {sender} è in elaborazione: riprovare al termine."
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        let result = self
            .check_and_store(
                p,
                &id,
                &path,
                &employers,
                upload,
                received_at,
                header.period,
            )
            .await;
        if result.is_err() {
            // Whatever failed, the load was rolled back: release the lock.
            if let Ok(mut tx) = self.db().begin().await {
                let _ = tx.delete_processing_flow(&id).await;
                let _ = tx.commit().await;
            }
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn check_and_store(
        &self,
        p: &Principal,
        id: &str,
        path: &Path,
        employers: &[EmployerId],
        upload: FlowUpload,
        received_at: DateTime<Utc>,
        period: Option<FlowPeriod>,
    ) -> Result<SubmittedFlow, ServiceError> {
        let loaded = self.load_authorisations(employers).await?;
        let today = received_at.date_naive();
        let path_owned = path.to_path_buf();
        let format = upload.format;
        let checked =
            tokio::task::spawn_blocking(move || run_check(&path_owned, format, &loaded, today))
                .await
                .map_err(|e| internal(format!("check thread: {e}")))??;
        let Checked {
            mut report,
            records,
            spooled,
        } = checked;
        let note = upload
            .confirm_note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        report.outcome = match note {
            Some(n) => report.accepted_with_confirmation(n),
            None => report.decide(),
        };
        let accepted = matches!(
            report.outcome,
            Outcome::Accepted | Outcome::AcceptedWithConfirmation { .. }
        );
        if accepted && spooled != report.summary.records {
            return Err(internal(format!(
                "accepted flow with {} records but {spooled} amounts",
                report.summary.records
            )));
        }
        let report_json =
            serde_json::to_string(&report).map_err(|e| internal(format!("report: {e}")))?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let (status, gross, net, n) = if accepted {
            let n = tx.load_flow_records(id, &records, now).await?;
            injected_fault(n)?;
            if let Some((cf, month)) = tx.replacement_in_payment(id).await? {
                tx.rollback().await?;
                return Err(ServiceError::conflict(
                    "record_in_payment",
                    format!(
                        "Il record di {cf} per {month} è già in pagamento: non può essere sostituito (R-FLO-2)."
                    ),
                ));
            }
            tx.post_flow(id, now).await?;
            (
                FlowStatus::Accepted,
                to_cents(report.summary.total_gross),
                to_cents(report.summary.total_net),
                i64::try_from(n).unwrap_or(i64::MAX),
            )
        } else {
            (FlowStatus::Refused, 0, 0, 0)
        };
        let confirmation = match &report.outcome {
            Outcome::AcceptedWithConfirmation { note, .. } => Some(note.as_str()),
            _ => None,
        };
        // The header's period is kept for an accepted flow only: a refused one is not
        // known to be what it says.
        let period = period
            .as_ref()
            .filter(|_| accepted)
            .map(|p| (p.from.as_str(), p.to.as_str()));
        if !tx
            .finish_flow(
                id,
                status,
                now,
                n,
                gross,
                net,
                &report_json,
                confirmation,
                period,
            )
            .await?
        {
            return Err(internal("flow lock lost"));
        }
        tx.append_audit(NewAuditEvent {
            actor: Some(p.user_id),
            on_behalf_of: None,
            action: "flow.submit".into(),
            target_type: "flow".into(),
            target_id: id.to_owned(),
            details: serde_json::json!({
                "status": status.as_str(),
                "records": n,
                "findings": report.counts.values().sum::<u64>(),
            }),
        })
        .await?;
        let row = tx.flow(id).await?.ok_or_else(|| internal("flow row"))?;
        tx.commit().await?;
        drop(records);
        let mut flow = FlowView::from(&row);
        flow.report = serde_json::to_value(&report).ok().map(with_titles);
        Ok(SubmittedFlow { flow, accepted })
    }

    /// Who reads flows, and so which flows and records it sees (`Forbidden` for an
    /// administrator).
    async fn flow_audience(&self, p: &Principal) -> Result<FlowAudience, ServiceError> {
        match p.role {
            Role::Operator => Ok(FlowAudience::Office(self.office_scope(p)?)),
            _ => Ok(FlowAudience::Senders {
                user: p.user_id,
                employers: self.flow_employers(p).await?,
            }),
        }
    }

    /// The caller's flows, newest first: for employer users and intermediaries those it
    /// uploaded or holding records of its employers; for an operator those holding records
    /// of the UPs its office serves.
    pub async fn flows_for(&self, p: &Principal) -> Result<Vec<FlowView>, ServiceError> {
        let audience = self.flow_audience(p).await?;
        let mut tx = self.db().read().await?;
        let rows = match &audience {
            FlowAudience::Senders { user, employers } => tx.flows_visible(*user, employers).await?,
            FlowAudience::Office(o) => tx.flows_of_office(o.office_id()).await?,
        };
        Ok(rows.iter().map(FlowView::from).collect())
    }

    /// The records of a flow `audience` may see, in file order.
    async fn audience_records(
        tx: &mut Tx,
        audience: &FlowAudience,
        id: &str,
    ) -> Result<Vec<FlowRecordRow>, ServiceError> {
        Ok(match audience {
            FlowAudience::Senders { employers, .. } => tx.flow_records(id, Some(employers)).await?,
            FlowAudience::Office(o) => tx.flow_records_of_office(id, o.office_id()).await?,
        })
    }

    /// Resolves a flow the caller may see, with who it is reading it. Another tenant's
    /// flow is `NotFound`, like a missing one.
    async fn visible_flow(
        &self,
        tx: &mut Tx,
        p: &Principal,
        id: &str,
    ) -> Result<(FlowRow, FlowAudience), ServiceError> {
        let audience = self.flow_audience(p).await.map_err(|e| match e {
            ServiceError::Forbidden => ServiceError::NotFound,
            other => other,
        })?;
        let row = tx.flow(id).await?.ok_or(ServiceError::NotFound)?;
        if matches!(&audience, FlowAudience::Senders { user, .. } if row.uploaded_by == *user) {
            return Ok((row, audience));
        }
        if Self::audience_records(tx, &audience, id).await?.is_empty() {
            return Err(ServiceError::NotFound);
        }
        Ok((row, audience))
    }

    /// One flow with its report.
    pub async fn flow(&self, p: &Principal, id: &str) -> Result<FlowView, ServiceError> {
        let mut tx = self.db().read().await?;
        let (row, _) = self.visible_flow(&mut tx, p, id).await?;
        let mut v = FlowView::from(&row);
        v.report = row
            .report
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .map(with_titles);
        Ok(v)
    }

    /// The records of a flow with their amounts: those of the employers the caller may act
    /// for today, or, for an operator, those of the UPs its office serves.
    pub async fn flow_records(
        &self,
        p: &Principal,
        id: &str,
    ) -> Result<Vec<FlowRecordView>, ServiceError> {
        let mut tx = self.db().read().await?;
        let (_, audience) = self.visible_flow(&mut tx, p, id).await?;
        Ok(Self::audience_records(&mut tx, &audience, id)
            .await?
            .into_iter()
            .map(FlowRecordView::from)
            .collect())
    }

    /// Eliminazione (R-FLO-2): the record leaves the payable ones and its hours are
    /// reversed in the ledger; refused once it is in payment.
    pub async fn delete_flow_record(
        &self,
        p: &Principal,
        flow_id: &str,
        record_id: i64,
    ) -> Result<FlowRecordView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let rec = tx
            .flow_record(record_id)
            .await?
            .filter(|r| r.flow_id == flow_id)
            .ok_or(ServiceError::NotFound)?;
        let scope: EmployerScope = self.employer_scope_in(&mut tx, p, rec.employer_id).await?;
        match rec.state {
            RecordState::Accepted => {}
            RecordState::InPayment | RecordState::Paid => {
                return Err(ServiceError::conflict(
                    "record_in_payment",
                    "Il record è già in pagamento: non può essere eliminato (R-FLO-2).",
                ));
            }
            RecordState::Deleted | RecordState::Replaced => {
                return Err(ServiceError::conflict(
                    "record_not_live",
                    "Il record è già stato eliminato o sostituito.",
                ));
            }
        }
        let now = self.now();
        if !tx.delete_flow_record(record_id, now).await? {
            return Err(ServiceError::conflict(
                "record_not_live",
                "Il record è stato modificato da un'altra operazione.",
            ));
        }
        tx.append_audit(NewAuditEvent {
            actor: Some(scope.actor()),
            on_behalf_of: Some(scope.employer_id()),
            action: "flow.record.delete".into(),
            target_type: "flow_record".into(),
            target_id: record_id.to_string(),
            details: serde_json::json!({
                "flow_id": flow_id,
                "worker_cf": rec.worker_cf,
                "month": rec.month,
                "hours_centi": rec.hours_centi,
            }),
        })
        .await?;
        let row = tx
            .flow_record(record_id)
            .await?
            .ok_or_else(|| internal("record"))?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Ledger balance (hours used) of a worker in an authorisation, hundredths.
    pub async fn fruito_balance(
        &self,
        application: ApplicationId,
        worker_cf: &str,
    ) -> Result<i64, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx.ledger_balance(application, worker_cf).await?)
    }

    /// A payment batch with the office's accepted records (R-FLO-4); they move to
    /// `in_payment`. `Conflict(no_records)` when there is nothing to pay.
    pub async fn create_payment_batch(
        &self,
        o: &OfficeScope,
        input: NewPaymentBatch,
    ) -> Result<PaymentBatchView, ServiceError> {
        let now = self.now();
        let execution = input
            .execution_date
            .unwrap_or_else(|| now.date_naive() + TimeDelta::days(1));
        if execution < now.date_naive() {
            return Err(ServiceError::field(crate::FieldError::new(
                "/execution_date",
                "data_esecuzione",
                "execution_date_past",
                "La data di esecuzione non può essere nel passato.",
                "The execution date cannot be in the past.",
            )));
        }
        let mut tx = self.db().begin().await?;
        let office = tx
            .office(o.office_id())
            .await?
            .ok_or_else(|| internal("office"))?;
        let seq = tx
            .next_counter("payment_batch", &office.code, now.year())
            .await?;
        let message_id = format!("OMNIA-{}-{}-{seq:07}", office.code, now.year());
        let id = uuid::Uuid::now_v7().to_string();
        let n = tx
            .create_payment_batch(
                &id,
                &message_id,
                o.office_id(),
                o.actor(),
                now,
                execution,
                input.flow_id.as_deref(),
            )
            .await?;
        if n == 0 {
            tx.rollback().await?;
            return Err(ServiceError::conflict(
                "no_records",
                "Nessun record accettato da pagare per la sede.",
            ));
        }
        let b = tx
            .payment_batch(&id)
            .await?
            .ok_or_else(|| internal("batch"))?;
        tx.append_audit(NewAuditEvent {
            actor: Some(o.actor()),
            on_behalf_of: None,
            action: "payment_batch.create".into(),
            target_type: "payment_batch".into(),
            target_id: id.clone(),
            details: serde_json::json!({"records": b.records, "total_cents": b.total_cents}),
        })
        .await?;
        tx.commit().await?;
        Ok(b.into())
    }

    async fn office_batch(
        &self,
        tx: &mut Tx,
        o: &OfficeScope,
        id: &str,
    ) -> Result<PaymentBatchRow, ServiceError> {
        tx.payment_batch(id)
            .await?
            .filter(|b| b.office_id == o.office_id())
            .ok_or(ServiceError::NotFound)
    }

    pub async fn payment_batches(
        &self,
        o: &OfficeScope,
    ) -> Result<Vec<PaymentBatchView>, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx
            .payment_batches_of_office(o.office_id())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn payment_batch(
        &self,
        o: &OfficeScope,
        id: &str,
    ) -> Result<PaymentBatchView, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(self.office_batch(&mut tx, o, id).await?.into())
    }

    /// The records of a batch of the office with their amounts per worker (R-AMT).
    pub async fn payment_batch_records(
        &self,
        o: &OfficeScope,
        id: &str,
    ) -> Result<Vec<FlowRecordView>, ServiceError> {
        let mut tx = self.db().read().await?;
        self.office_batch(&mut tx, o, id).await?;
        Ok(tx
            .batch_records(id)
            .await?
            .into_iter()
            .map(FlowRecordView::from)
            .collect())
    }

    /// The batch as a SEPA credit transfer `pain.001.001.09` (one transaction per record,
    /// net amount).
    pub async fn payment_batch_pain001(
        &self,
        o: &OfficeScope,
        id: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        use omnia_flows::sepa::{Debtor, Payment, PaymentBatch};
        let mut tx = self.db().read().await?;
        let b = self.office_batch(&mut tx, o, id).await?;
        let records = tx.batch_records(id).await?;
        let payments = records
            .iter()
            .map(|r| {
                Ok(Payment {
                    end_to_end_id: format!("R{}", r.id),
                    amount: money(r.net_cents),
                    creditor_name: r.worker_name.clone().unwrap_or_else(|| r.worker_cf.clone()),
                    creditor_iban: Iban::parse(&r.iban)
                        .map_err(|e| internal(format!("stored iban: {e}")))?,
                    remittance: format!(
                        "{} {} {} {}",
                        r.benefit, r.authorisation_number, r.month, r.worker_cf
                    ),
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        let batch = PaymentBatch {
            message_id: b.message_id.clone(),
            created_at: b.created_at.naive_utc(),
            execution_date: b.execution_date,
            initiating_party: PAYER_NAME.into(),
            debtor: Debtor {
                name: PAYER_NAME.into(),
                iban: Iban::parse(PAYER_IBAN).map_err(|e| internal(format!("payer: {e}")))?,
                bic: Some(PAYER_BIC.into()),
            },
            payments,
        };
        let mut out = Vec::new();
        batch
            .write_pain001(&mut out)
            .map_err(|e| internal(format!("pain.001: {e}")))?;
        Ok(out)
    }

    /// The bank confirmed the batch: it and its records become `paid`.
    pub async fn mark_batch_paid(
        &self,
        o: &OfficeScope,
        id: &str,
    ) -> Result<PaymentBatchView, ServiceError> {
        let mut tx = self.db().begin().await?;
        self.office_batch(&mut tx, o, id).await?;
        let now = self.now();
        if !tx.mark_batch_paid(id, now, o.actor()).await? {
            return Err(ServiceError::conflict(
                "already_paid",
                "Il lotto risulta già pagato.",
            ));
        }
        tx.append_audit(NewAuditEvent {
            actor: Some(o.actor()),
            on_behalf_of: None,
            action: "payment_batch.paid".into(),
            target_type: "payment_batch".into(),
            target_id: id.to_owned(),
            details: serde_json::json!({}),
        })
        .await?;
        let b = tx
            .payment_batch(id)
            .await?
            .ok_or_else(|| internal("batch"))?;
        tx.commit().await?;
        Ok(b.into())
    }
}
