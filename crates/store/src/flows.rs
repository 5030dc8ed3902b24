//! Payment-data flows (R-FLO): uploads with their report, accepted records with their
//! amounts, the append-only *fruito* ledger, payment batches and fruito declarations.
//!
//! Accepted records are bulk-loaded from a spool file of COPY text lines
//! ([`NewFlowRecord::write_copy_line`]): PostgreSQL streams the file into `COPY … FROM
//! STDIN`, SQLite parses it back and inserts in multi-row batches. Either way it happens in
//! the caller's transaction, so a failure leaves nothing behind.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::io::AsyncBufReadExt;

use crate::{
    ApplicationId, BatchStatus, EmployerId, Error, FlowStatus, OfficeId, RecordState, Result, Tx,
    TxInner, UnitId, UserId, on,
};

/// A flow row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlowRow {
    pub id: String,
    pub sender: String,
    pub uploaded_by: UserId,
    pub received_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: FlowStatus,
    pub format: String,
    pub bytes: i64,
    pub records: i64,
    pub total_gross_cents: i64,
    pub total_net_cents: i64,
    pub report: Option<String>,
    pub confirmation_note: Option<String>,
    /// First and last month of competence of the header (`YYYY-MM`), set on acceptance.
    pub period_from: Option<String>,
    pub period_to: Option<String>,
}

/// A stored worker record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlowRecordRow {
    pub id: i64,
    pub flow_id: String,
    pub line: i64,
    pub employer_id: EmployerId,
    pub matricola: String,
    pub worker_cf: String,
    pub worker_name: Option<String>,
    pub month: String,
    pub qualifiche: String,
    pub unit_code: String,
    pub application_id: ApplicationId,
    pub authorisation_number: String,
    pub benefit: String,
    pub iban: String,
    pub hours_centi: i64,
    pub paid_hours_centi: i64,
    pub hourly_wage: String,
    pub gross_cents: i64,
    pub net_cents: i64,
    pub addizionale_cents: i64,
    pub capped: bool,
    pub kind: String,
    pub replaces: Option<i64>,
    pub state: RecordState,
    pub batch_id: Option<String>,
    pub state_changed_at: DateTime<Utc>,
}

/// A record to load (one COPY line of the spool file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFlowRecord {
    pub line: i64,
    pub employer_id: EmployerId,
    pub matricola: String,
    pub worker_cf: String,
    pub worker_name: Option<String>,
    pub month: String,
    pub qualifiche: String,
    pub unit_code: String,
    pub application_id: ApplicationId,
    pub authorisation_number: String,
    pub benefit: String,
    pub iban: String,
    pub hours_centi: i64,
    pub paid_hours_centi: i64,
    pub hourly_wage: String,
    pub gross_cents: i64,
    pub net_cents: i64,
    pub addizionale_cents: i64,
    pub capped: bool,
    pub replacement: bool,
}

/// Columns of a loaded record, in COPY-line order (`flow_id`, `state` and
/// `state_changed_at` are added by the loader). The one list of them: the COPY, the
/// staging table, both inserts and the SELECT of a stored record are built from it.
macro_rules! record_columns {
    () => {
        "line, employer_id, matricola, worker_cf, worker_name, month, qualifiche, unit_code, \
         application_id, authorisation_number, benefit, iban, hours_centi, paid_hours_centi, \
         hourly_wage, gross_cents, net_cents, addizionale_cents, capped, kind"
    };
}
const RECORD_COLUMNS: &str = record_columns!();
const N_COPY_FIELDS: usize = 20;

/// COPY text escaping: backslash, tab, newline and carriage return.
fn escape(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl NewFlowRecord {
    /// Appends this record as one line of PostgreSQL COPY text format.
    pub fn write_copy_line(&self, out: &mut Vec<u8>) {
        let ints = |out: &mut Vec<u8>, v: i64| {
            out.extend_from_slice(v.to_string().as_bytes());
            out.push(b'\t');
        };
        ints(out, self.line);
        ints(out, self.employer_id.0);
        for s in [&self.matricola, &self.worker_cf] {
            escape(out, s);
            out.push(b'\t');
        }
        match &self.worker_name {
            Some(n) => escape(out, n),
            None => out.extend_from_slice(b"\\N"),
        }
        out.push(b'\t');
        for s in [&self.month, &self.qualifiche, &self.unit_code] {
            escape(out, s);
            out.push(b'\t');
        }
        escape(out, &self.application_id.to_string());
        out.push(b'\t');
        for s in [&self.authorisation_number, &self.benefit, &self.iban] {
            escape(out, s);
            out.push(b'\t');
        }
        ints(out, self.hours_centi);
        ints(out, self.paid_hours_centi);
        escape(out, &self.hourly_wage);
        out.push(b'\t');
        ints(out, self.gross_cents);
        ints(out, self.net_cents);
        ints(out, self.addizionale_cents);
        out.extend_from_slice(if self.capped { b"t\t" } else { b"f\t" });
        out.extend_from_slice(if self.replacement {
            b"replacement\n"
        } else {
            b"new\n"
        });
    }

    /// Parses a line written by [`NewFlowRecord::write_copy_line`].
    pub fn parse_copy_line(line: &str) -> Result<NewFlowRecord> {
        let bad = || Error::Corrupt(format!("spooled record line: {line:?}"));
        let f: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
        if f.len() != N_COPY_FIELDS {
            return Err(bad());
        }
        let int = |s: &str| s.parse::<i64>().map_err(|_| bad());
        Ok(NewFlowRecord {
            line: int(f[0])?,
            employer_id: EmployerId(int(f[1])?),
            matricola: unescape(f[2]),
            worker_cf: unescape(f[3]),
            worker_name: (f[4] != "\\N").then(|| unescape(f[4])),
            month: unescape(f[5]),
            qualifiche: unescape(f[6]),
            unit_code: unescape(f[7]),
            application_id: f[8].parse().map_err(|_| bad())?,
            authorisation_number: unescape(f[9]),
            benefit: unescape(f[10]),
            iban: unescape(f[11]),
            hours_centi: int(f[12])?,
            paid_hours_centi: int(f[13])?,
            hourly_wage: unescape(f[14]),
            gross_cents: int(f[15])?,
            net_cents: int(f[16])?,
            addizionale_cents: int(f[17])?,
            capped: f[18] == "t",
            replacement: f[19] == "replacement",
        })
    }
}

/// A fruito declaration of the conguaglio route (its lines are in the ledger).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FruitoDeclarationRow {
    pub id: String,
    pub unit_id: UnitId,
    pub submitted_by: UserId,
    pub submitted_at: DateTime<Utc>,
    pub lines: i64,
    pub hours_centi: i64,
}

/// An authorisation the flows of an employer are checked against.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlowAuthorisationRow {
    pub application_id: ApplicationId,
    pub employer_id: EmployerId,
    pub unit_id: UnitId,
    pub employer_cf: String,
    pub benefit: String,
    pub causale: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub authorisation_number: String,
    pub ticket: Option<String>,
    pub decided_at: DateTime<Utc>,
    pub offset_code: Option<String>,
    /// The guided form's content (its declared payment mode); `None` for the one-shot form.
    pub content: Option<String>,
}

/// A beneficiary of an authorisation with the hours used so far (ledger balance).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlowGrantRow {
    pub application_id: ApplicationId,
    pub worker_cf: String,
    /// Whole hours, as decided.
    pub hours_authorised: i64,
    /// Hundredths of hours, from the ledger.
    pub used_centi: i64,
}

/// A live record (for the replacement rules): worker, month, qualifiche.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveRecordKey {
    pub worker_cf: String,
    pub month: String,
    pub qualifiche: String,
}

/// A payment batch row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentBatchRow {
    pub id: String,
    pub message_id: String,
    pub office_id: OfficeId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub execution_date: NaiveDate,
    pub status: BatchStatus,
    pub records: i64,
    pub total_cents: i64,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_by: Option<UserId>,
}

/// A fruito ledger line for a declaration.
#[derive(Debug, Clone)]
pub struct NewDeclarationPosting {
    pub application_id: ApplicationId,
    pub worker_cf: String,
    pub month: String,
    pub hours_centi: i64,
}

const FLOW_COLUMNS: &str = "id, sender, uploaded_by, received_at, finished_at, status, format, \
    bytes, records, total_gross_cents, total_net_cents, report, confirmation_note, period_from, \
    period_to";
const RECORD_SELECT: &str = concat!(
    "SELECT id, flow_id, ",
    record_columns!(),
    ", replaces, state, batch_id, state_changed_at FROM flow_records "
);
const BATCH_SELECT: &str = "SELECT id, message_id, office_id, created_by, created_at, \
    execution_date, status, records, total_cents, paid_at, paid_by FROM payment_batches ";

const INSERT_PROCESSING: &str = "INSERT INTO flows (id, sender, uploaded_by, received_at, \
    status, format, bytes) VALUES ($1, $2, $3, $4, 'processing', $5, $6)";
const DELETE_STALE: &str = "DELETE FROM flows WHERE status = 'processing' AND sender = $1 \
    AND received_at < $2";
const DELETE_PROCESSING: &str = "DELETE FROM flows WHERE id = $1 AND status = 'processing'";
const FINISH_FLOW: &str = "UPDATE flows SET status = $2, finished_at = $3, records = $4, \
    total_gross_cents = $5, total_net_cents = $6, report = $7, confirmation_note = $8, \
    period_from = $9, period_to = $10 WHERE id = $1 AND status = 'processing'";

// Authorised applications of an employer, with what the checks need. Decided = authorised.
const SELECT_AUTHORISATIONS: &str = "SELECT a.id AS application_id, a.employer_id, a.unit_id, \
    e.cf AS employer_cf, a.benefit, a.causale, a.start_date, a.end_date, a.authorisation_number, \
    a.ticket, a.decided_at, a.offset_code, a.content FROM applications a JOIN employers e ON e.id = a.employer_id \
    WHERE a.employer_id = $1 AND a.state IN ('authorised', 'partially_authorised') \
    AND a.authorisation_number IS NOT NULL AND a.decided_at IS NOT NULL ORDER BY a.decided_at, a.id";
// SUM over BIGINT is NUMERIC on PostgreSQL: the cast keeps it i64 on both backends.
const SELECT_GRANTS: &str = "SELECT aw.application_id, w.cf AS worker_cf, \
    COALESCE(aw.hours_authorised, 0) AS hours_authorised, \
    CAST(COALESCE((SELECT SUM(l.hours_centi) FROM fruito_ledger l \
      WHERE l.application_id = aw.application_id AND l.worker_cf = w.cf), 0) AS BIGINT) AS used_centi \
    FROM application_workers aw JOIN workers w ON w.id = aw.worker_id \
    JOIN applications a ON a.id = aw.application_id \
    WHERE a.employer_id = $1 AND a.state IN ('authorised', 'partially_authorised') \
    AND COALESCE(aw.hours_authorised, 0) > 0 ORDER BY aw.application_id, w.cf";
const SELECT_LIVE_KEYS: &str = "SELECT worker_cf, month, qualifiche FROM flow_records \
    WHERE employer_id = $1 AND state IN ('accepted', 'in_payment', 'paid')";

// Replacement (R-FLO-2): a `replacement` record supersedes the live record of the same
// employer, worker, month and qualifiche loaded by an earlier flow.
const REPLACED_IN_PAYMENT: &str = "SELECT n.worker_cf, n.month FROM flow_records n \
    JOIN flow_records o ON o.employer_id = n.employer_id AND o.worker_cf = n.worker_cf \
    AND o.month = n.month AND o.qualifiche = n.qualifiche AND o.flow_id <> n.flow_id \
    WHERE n.flow_id = $1 AND n.kind = 'replacement' AND o.state IN ('in_payment', 'paid') \
    ORDER BY n.line LIMIT 1";
const LINK_REPLACED: &str = "UPDATE flow_records SET replaces = (SELECT o.id FROM flow_records o \
    WHERE o.employer_id = flow_records.employer_id AND o.worker_cf = flow_records.worker_cf \
    AND o.month = flow_records.month AND o.qualifiche = flow_records.qualifiche \
    AND o.flow_id <> flow_records.flow_id AND o.state = 'accepted') \
    WHERE flow_id = $1 AND kind = 'replacement'";
const POST_REPLACED: &str = "INSERT INTO fruito_ledger (application_id, worker_cf, month, \
    hours_centi, source, flow_id, record_id, posted_at) \
    SELECT o.application_id, o.worker_cf, o.month, -o.hours_centi, 'replacement', $1, o.id, $2 \
    FROM flow_records o WHERE o.id IN (SELECT n.replaces FROM flow_records n \
    WHERE n.flow_id = $1 AND n.replaces IS NOT NULL)";
const MARK_REPLACED: &str = "UPDATE flow_records SET state = 'replaced', state_changed_at = $2 \
    WHERE id IN (SELECT n.replaces FROM flow_records n WHERE n.flow_id = $1 \
    AND n.replaces IS NOT NULL)";
const POST_FLOW: &str = "INSERT INTO fruito_ledger (application_id, worker_cf, month, \
    hours_centi, source, flow_id, record_id, posted_at) \
    SELECT application_id, worker_cf, month, hours_centi, 'flow', flow_id, id, $2 \
    FROM flow_records WHERE flow_id = $1";

const DELETE_RECORD: &str = "UPDATE flow_records SET state = 'deleted', state_changed_at = $2 \
    WHERE id = $1 AND state = 'accepted'";
const POST_DELETION: &str = "INSERT INTO fruito_ledger (application_id, worker_cf, month, \
    hours_centi, source, flow_id, record_id, posted_at) \
    SELECT application_id, worker_cf, month, -hours_centi, 'deletion', flow_id, id, $2 \
    FROM flow_records WHERE id = $1";

const INSERT_BATCH: &str = "INSERT INTO payment_batches (id, message_id, office_id, created_by, \
    created_at, execution_date, status, records, total_cents) \
    VALUES ($1, $2, $3, $4, $5, $6, 'in_payment', 0, 0)";
// The office's accepted records, optionally of one flow, go into the batch.
const FILL_BATCH: &str = "UPDATE flow_records SET state = 'in_payment', batch_id = $1, \
    state_changed_at = $3 WHERE state = 'accepted' AND net_cents > 0 \
    AND ($4 = '' OR flow_id = $4) AND application_id IN (SELECT a.id FROM applications a \
    JOIN productive_units u ON u.id = a.unit_id WHERE u.office_id = $2)";
const BATCH_TOTALS: &str = "UPDATE payment_batches SET records = \
    (SELECT COUNT(*) FROM flow_records r WHERE r.batch_id = $1), \
    total_cents = CAST(COALESCE((SELECT SUM(r.net_cents) FROM flow_records r \
    WHERE r.batch_id = $1), 0) AS BIGINT) WHERE id = $1";
const MARK_BATCH_PAID: &str = "UPDATE payment_batches SET status = 'paid', paid_at = $2, \
    paid_by = $3 WHERE id = $1 AND status = 'in_payment'";
const MARK_RECORDS_PAID: &str = "UPDATE flow_records SET state = 'paid', state_changed_at = $2 \
    WHERE batch_id = $1 AND state = 'in_payment'";

/// Rows per multi-row INSERT on SQLite (20 columns + 3: under the 32,766 variables limit).
const SQLITE_BATCH: usize = 500;

impl Tx {
    /// Takes the per-sender lock by inserting the flow as `processing`; a unique violation
    /// ([`Error::is_unique_violation`]) means another flow of the sender is in progress.
    /// Processing rows older than `stale_before` (an upload that died with its process)
    /// are dropped first.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_processing_flow(
        &mut self,
        id: &str,
        sender: &str,
        uploaded_by: UserId,
        received_at: DateTime<Utc>,
        format: &str,
        bytes: i64,
        stale_before: DateTime<Utc>,
    ) -> Result<()> {
        on!(self, |c| {
            sqlx::query(DELETE_STALE)
                .bind(sender)
                .bind(stale_before)
                .execute(&mut *c)
                .await?;
            sqlx::query(INSERT_PROCESSING)
                .bind(id)
                .bind(sender)
                .bind(uploaded_by)
                .bind(received_at)
                .bind(format)
                .bind(bytes)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Releases the lock of a flow that could not be processed (nothing else was stored).
    pub async fn delete_processing_flow(&mut self, id: &str) -> Result<()> {
        on!(self, |c| sqlx::query(DELETE_PROCESSING)
            .bind(id)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Ends a `processing` flow as accepted or refused, with the header's period (first
    /// and last month, `YYYY-MM`) of an accepted one. False if it was not processing.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_flow(
        &mut self,
        id: &str,
        status: FlowStatus,
        finished_at: DateTime<Utc>,
        records: i64,
        gross_cents: i64,
        net_cents: i64,
        report: &str,
        note: Option<&str>,
        period: Option<(&str, &str)>,
    ) -> Result<bool> {
        let (from, to) = period.unzip();
        let n = on!(self, |c| sqlx::query(FINISH_FLOW)
            .bind(id)
            .bind(status)
            .bind(finished_at)
            .bind(records)
            .bind(gross_cents)
            .bind(net_cents)
            .bind(report)
            .bind(note)
            .bind(from)
            .bind(to)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    pub async fn flow(&mut self, id: &str) -> Result<Option<FlowRow>> {
        let sql = format!("SELECT {FLOW_COLUMNS} FROM flows WHERE id = $1");
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    /// Flows uploaded by `user`, or holding live records of one of `employers`; newest first.
    pub async fn flows_visible(
        &mut self,
        user: UserId,
        employers: &[EmployerId],
    ) -> Result<Vec<FlowRow>> {
        let list = id_list(employers);
        let sql = format!(
            "SELECT {FLOW_COLUMNS} FROM flows f WHERE f.uploaded_by = $1 OR EXISTS \
             (SELECT 1 FROM flow_records r WHERE r.flow_id = f.id AND r.employer_id IN ({list})) \
             ORDER BY f.received_at DESC, f.id DESC LIMIT 500"
        );
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user)
            .fetch_all(c)
            .await?))
    }

    /// Records of a flow, restricted to `employers` when given; in file order.
    pub async fn flow_records(
        &mut self,
        flow_id: &str,
        employers: Option<&[EmployerId]>,
    ) -> Result<Vec<FlowRecordRow>> {
        let filter = match employers {
            Some(e) => format!(" AND employer_id IN ({})", id_list(e)),
            None => String::new(),
        };
        let sql = format!("{RECORD_SELECT}WHERE flow_id = $1{filter} ORDER BY line, id");
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(flow_id)
            .fetch_all(c)
            .await?))
    }

    /// Flows holding records of the applications whose UP `office` serves (the operators'
    /// read-only view; the same records its payment batches take); newest first.
    pub async fn flows_of_office(&mut self, office: OfficeId) -> Result<Vec<FlowRow>> {
        let sql = format!(
            "SELECT {FLOW_COLUMNS} FROM flows f WHERE EXISTS (SELECT 1 FROM flow_records r \
             JOIN applications a ON a.id = r.application_id \
             JOIN productive_units u ON u.id = a.unit_id \
             WHERE r.flow_id = f.id AND u.office_id = $1) \
             ORDER BY f.received_at DESC, f.id DESC LIMIT 500"
        );
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(office)
            .fetch_all(c)
            .await?))
    }

    /// Records of a flow for applications whose UP `office` serves; in file order.
    pub async fn flow_records_of_office(
        &mut self,
        flow_id: &str,
        office: OfficeId,
    ) -> Result<Vec<FlowRecordRow>> {
        let sql = format!(
            "{RECORD_SELECT}WHERE flow_id = $1 AND application_id IN (SELECT a.id \
             FROM applications a JOIN productive_units u ON u.id = a.unit_id \
             WHERE u.office_id = $2) ORDER BY line, id"
        );
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(flow_id)
            .bind(office)
            .fetch_all(c)
            .await?))
    }

    pub async fn flow_record(&mut self, id: i64) -> Result<Option<FlowRecordRow>> {
        let sql = format!("{RECORD_SELECT}WHERE id = $1");
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn flow_authorisations(
        &mut self,
        employer: EmployerId,
    ) -> Result<Vec<FlowAuthorisationRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_AUTHORISATIONS)
            .bind(employer)
            .fetch_all(c)
            .await?))
    }

    pub async fn flow_grants(&mut self, employer: EmployerId) -> Result<Vec<FlowGrantRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_GRANTS)
            .bind(employer)
            .fetch_all(c)
            .await?))
    }

    pub async fn live_record_keys(&mut self, employer: EmployerId) -> Result<Vec<LiveRecordKey>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_LIVE_KEYS)
            .bind(employer)
            .fetch_all(c)
            .await?))
    }

    /// Loads the spooled records of `flow_id` (state `accepted`); returns how many.
    pub async fn load_flow_records(
        &mut self,
        flow_id: &str,
        spool: &Path,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        match &mut self.inner {
            TxInner::Pg(t) => {
                let c: &mut sqlx::PgConnection = t;
                copy_pg(c, flow_id, spool, now).await
            }
            TxInner::Lite(t) => {
                let c: &mut sqlx::SqliteConnection = t;
                insert_lite(c, flow_id, spool, now).await
            }
        }
    }

    /// The first replacement record of the flow whose predecessor is already in payment
    /// or paid: `(worker_cf, month)`.
    pub async fn replacement_in_payment(
        &mut self,
        flow_id: &str,
    ) -> Result<Option<(String, String)>> {
        Ok(on!(self, |c| sqlx::query_as(REPLACED_IN_PAYMENT)
            .bind(flow_id)
            .fetch_optional(c)
            .await?))
    }

    /// Links replacements to their predecessors, supersedes them with reversing ledger
    /// postings, and posts the flow's hours to the ledger.
    pub async fn post_flow(&mut self, flow_id: &str, now: DateTime<Utc>) -> Result<()> {
        on!(self, |c| {
            for sql in [LINK_REPLACED] {
                sqlx::query(sql).bind(flow_id).execute(&mut *c).await?;
            }
            for sql in [POST_REPLACED, MARK_REPLACED, POST_FLOW] {
                sqlx::query(sql)
                    .bind(flow_id)
                    .bind(now)
                    .execute(&mut *c)
                    .await?;
            }
        });
        Ok(())
    }

    /// Eliminazione: the record becomes `deleted` and its hours are reversed in the ledger.
    /// False when it is not `accepted` any more.
    pub async fn delete_flow_record(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(DELETE_RECORD)
            .bind(id)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected());
        if n == 1 {
            on!(self, |c| sqlx::query(POST_DELETION)
                .bind(id)
                .bind(now)
                .execute(c)
                .await?
                .rows_affected());
        }
        Ok(n == 1)
    }

    /// Ledger balance (hundredths) of a worker in an authorisation.
    pub async fn ledger_balance(
        &mut self,
        application: ApplicationId,
        worker_cf: &str,
    ) -> Result<i64> {
        const SQL: &str = "SELECT CAST(COALESCE(SUM(hours_centi), 0) AS BIGINT) FROM fruito_ledger \
            WHERE application_id = $1 AND worker_cf = $2";
        Ok(on!(self, |c| sqlx::query_scalar(SQL)
            .bind(application)
            .bind(worker_cf)
            .fetch_one(c)
            .await?))
    }

    /// Creates a batch with the office's accepted records (of one flow if given); returns
    /// the number of records put in it.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_payment_batch(
        &mut self,
        id: &str,
        message_id: &str,
        office: OfficeId,
        by: UserId,
        now: DateTime<Utc>,
        execution_date: NaiveDate,
        flow_id: Option<&str>,
    ) -> Result<i64> {
        on!(self, |c| {
            sqlx::query(INSERT_BATCH)
                .bind(id)
                .bind(message_id)
                .bind(office)
                .bind(by)
                .bind(now)
                .bind(execution_date)
                .execute(&mut *c)
                .await?;
            sqlx::query(FILL_BATCH)
                .bind(id)
                .bind(office)
                .bind(now)
                .bind(flow_id.unwrap_or(""))
                .execute(&mut *c)
                .await?;
            sqlx::query(BATCH_TOTALS).bind(id).execute(&mut *c).await?;
        });
        Ok(self
            .payment_batch(id)
            .await?
            .map(|b| b.records)
            .unwrap_or(0))
    }

    pub async fn payment_batch(&mut self, id: &str) -> Result<Option<PaymentBatchRow>> {
        let sql = format!("{BATCH_SELECT}WHERE id = $1");
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn payment_batches_of_office(
        &mut self,
        office: OfficeId,
    ) -> Result<Vec<PaymentBatchRow>> {
        let sql = format!("{BATCH_SELECT}WHERE office_id = $1 ORDER BY created_at DESC, id DESC");
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(office)
            .fetch_all(c)
            .await?))
    }

    pub async fn batch_records(&mut self, batch: &str) -> Result<Vec<FlowRecordRow>> {
        let sql = format!("{RECORD_SELECT}WHERE batch_id = $1 ORDER BY id");
        Ok(on!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(batch)
            .fetch_all(c)
            .await?))
    }

    /// `in_payment` → `paid` for the batch and its records. False if it was not in payment.
    pub async fn mark_batch_paid(
        &mut self,
        batch: &str,
        now: DateTime<Utc>,
        by: UserId,
    ) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(MARK_BATCH_PAID)
            .bind(batch)
            .bind(now)
            .bind(by)
            .execute(&mut *c)
            .await?
            .rows_affected());
        if n == 1 {
            on!(self, |c| sqlx::query(MARK_RECORDS_PAID)
                .bind(batch)
                .bind(now)
                .execute(c)
                .await?
                .rows_affected());
        }
        Ok(n == 1)
    }

    /// Stores the offset code of the conguaglio route for an authorised application.
    pub async fn set_offset_code(&mut self, application: ApplicationId, code: &str) -> Result<()> {
        on!(self, |c| sqlx::query(
            "UPDATE applications SET offset_code = $2 WHERE id = $1"
        )
        .bind(application)
        .bind(code)
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The fruito declarations of a UP, newest first.
    pub async fn fruito_declarations(&mut self, unit: UnitId) -> Result<Vec<FruitoDeclarationRow>> {
        Ok(on!(self, |c| sqlx::query_as(
            "SELECT id, unit_id, submitted_by, submitted_at, lines, hours_centi \
             FROM fruito_declarations WHERE unit_id = $1 ORDER BY submitted_at DESC, id DESC"
        )
        .bind(unit)
        .fetch_all(c)
        .await?))
    }

    /// Records a fruito declaration and posts its lines to the ledger.
    pub async fn insert_fruito_declaration(
        &mut self,
        id: &str,
        unit: UnitId,
        by: UserId,
        now: DateTime<Utc>,
        postings: &[NewDeclarationPosting],
    ) -> Result<()> {
        let total: i64 = postings.iter().map(|p| p.hours_centi).sum();
        on!(self, |c| {
            sqlx::query(
                "INSERT INTO fruito_declarations (id, unit_id, submitted_by, submitted_at, \
                 lines, hours_centi) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(unit)
            .bind(by)
            .bind(now)
            .bind(postings.len() as i64)
            .bind(total)
            .execute(&mut *c)
            .await?;
            for p in postings {
                sqlx::query(
                    "INSERT INTO fruito_ledger (application_id, worker_cf, month, hours_centi, \
                     source, declaration_id, posted_at) VALUES ($1, $2, $3, $4, 'declaration', $5, $6)",
                )
                .bind(p.application_id)
                .bind(&p.worker_cf)
                .bind(&p.month)
                .bind(p.hours_centi)
                .bind(id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }
}

/// Ids are integers we produced: safe to inline (no bind arrays that differ per backend).
fn id_list(ids: &[EmployerId]) -> String {
    if ids.is_empty() {
        return "NULL".into();
    }
    ids.iter()
        .map(|i| i.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

async fn copy_pg(
    c: &mut sqlx::PgConnection,
    flow_id: &str,
    spool: &Path,
    now: DateTime<Utc>,
) -> Result<u64> {
    // COPY cannot take constants: load into a temporary staging table with the spool's
    // columns (and their types, taken from `flow_records`), then move the rows with one
    // INSERT … SELECT (still one transaction).
    sqlx::query(concat!(
        "CREATE TEMPORARY TABLE IF NOT EXISTS flow_records_stage ON COMMIT DELETE ROWS AS \
         SELECT ",
        record_columns!(),
        " FROM flow_records WITH NO DATA"
    ))
    .execute(&mut *c)
    .await?;
    sqlx::query("TRUNCATE flow_records_stage")
        .execute(&mut *c)
        .await?;
    let file = tokio::fs::File::open(spool)
        .await
        .map_err(|e| Error::Corrupt(format!("spool file: {e}")))?;
    let mut copy = c
        .copy_in_raw(&format!(
            "COPY flow_records_stage ({RECORD_COLUMNS}) FROM STDIN"
        ))
        .await?;
    copy.read_from(tokio::io::BufReader::with_capacity(1 << 16, file))
        .await?;
    copy.finish().await?;
    let n = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO flow_records (flow_id, state, state_changed_at, {RECORD_COLUMNS}) \
         SELECT $1, 'accepted', $2, {RECORD_COLUMNS} FROM flow_records_stage ORDER BY line"
    )))
    .bind(flow_id)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n)
}

async fn insert_lite(
    c: &mut sqlx::SqliteConnection,
    flow_id: &str,
    spool: &Path,
    now: DateTime<Utc>,
) -> Result<u64> {
    let file = tokio::fs::File::open(spool)
        .await
        .map_err(|e| Error::Corrupt(format!("spool file: {e}")))?;
    let mut lines = tokio::io::BufReader::with_capacity(1 << 16, file).lines();
    let mut batch = Vec::with_capacity(SQLITE_BATCH);
    let mut total = 0u64;
    loop {
        let line = lines
            .next_line()
            .await
            .map_err(|e| Error::Corrupt(format!("spool file: {e}")))?;
        let done = line.is_none();
        if let Some(l) = line {
            batch.push(NewFlowRecord::parse_copy_line(&l)?);
        }
        if batch.len() == SQLITE_BATCH || (done && !batch.is_empty()) {
            total += insert_lite_batch(c, flow_id, &batch, now).await?;
            batch.clear();
        }
        if done {
            return Ok(total);
        }
    }
}

async fn insert_lite_batch(
    c: &mut sqlx::SqliteConnection,
    flow_id: &str,
    rows: &[NewFlowRecord],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut qb: sqlx::QueryBuilder<sqlx::Sqlite> = sqlx::QueryBuilder::new(format!(
        "INSERT INTO flow_records (flow_id, state, state_changed_at, {RECORD_COLUMNS}) "
    ));
    qb.push_values(rows, |mut b, r| {
        b.push_bind(flow_id.to_owned())
            .push_bind(RecordState::Accepted)
            .push_bind(now)
            .push_bind(r.line)
            .push_bind(r.employer_id)
            .push_bind(r.matricola.clone())
            .push_bind(r.worker_cf.clone())
            .push_bind(r.worker_name.clone())
            .push_bind(r.month.clone())
            .push_bind(r.qualifiche.clone())
            .push_bind(r.unit_code.clone())
            .push_bind(r.application_id)
            .push_bind(r.authorisation_number.clone())
            .push_bind(r.benefit.clone())
            .push_bind(r.iban.clone())
            .push_bind(r.hours_centi)
            .push_bind(r.paid_hours_centi)
            .push_bind(r.hourly_wage.clone())
            .push_bind(r.gross_cents)
            .push_bind(r.net_cents)
            .push_bind(r.addizionale_cents)
            .push_bind(r.capped)
            .push_bind(if r.replacement { "replacement" } else { "new" });
    });
    Ok(qb.build().execute(c).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_round_trip_with_escapes() {
        let r = NewFlowRecord {
            line: 12,
            employer_id: EmployerId(3),
            matricola: "4900000001".into(),
            worker_cf: "RSSMRA80A01H501U".into(),
            worker_name: Some("D'Amico\tBack\\slash\nX".into()),
            month: "2026-03".into(),
            qualifiche: "1FI".into(),
            unit_code: "1".into(),
            application_id: ApplicationId::new_v7(),
            authorisation_number: "AUT.4900.2026.0000001".into(),
            benefit: "cigo".into(),
            iban: "IT60X0542811101000000123456".into(),
            hours_centi: 1600,
            paid_hours_centi: 1600,
            hourly_wage: "12.5".into(),
            gross_cents: 16000,
            net_cents: 15066,
            addizionale_cents: 1800,
            capped: false,
            replacement: true,
        };
        let mut out = Vec::new();
        r.write_copy_line(&mut out);
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.matches('\n').count(), 1, "one line per record");
        assert_eq!(NewFlowRecord::parse_copy_line(&s).unwrap(), r);
        let r2 = NewFlowRecord {
            worker_name: None,
            ..r
        };
        let mut out = Vec::new();
        r2.write_copy_line(&mut out);
        assert_eq!(
            NewFlowRecord::parse_copy_line(std::str::from_utf8(&out).unwrap()).unwrap(),
            r2
        );
    }
}
