//! Applications (domande), their workers, and the per-office/year counters that number
//! protocols and authorisations.
//!
//! State changes use optimistic concurrency: every update names the `version` it read and
//! bumps it, so two racing transitions (operator decides while the employer withdraws)
//! cannot both win, on either backend, without row locks.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    ApplicationId, ApplicationRow, ApplicationState, ApplicationWorkerRow, EmployerId, OfficeId,
    Result, Tx, UnitId, UserId, WorkerId, on,
};

#[derive(Debug, Clone)]
pub struct NewApplicationRow {
    pub id: ApplicationId,
    pub employer_id: EmployerId,
    pub unit_id: UnitId,
    pub benefit: String,
    pub causale: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// The typed sections (guided intake); `None` for the one-shot form.
    pub content: Option<String>,
}

/// A worker line of an application joined with the worker's identity.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationWorkerLine {
    pub worker_id: WorkerId,
    pub cf: String,
    pub surname: String,
    pub name: String,
    pub hours_requested: i64,
    pub hours_authorised: Option<i64>,
    pub days_requested: Option<i64>,
    pub days_authorised: Option<i64>,
}

/// Another live application that covers one of the same workers on overlapping days.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverlapRow {
    pub worker_id: WorkerId,
    pub application_id: ApplicationId,
    pub protocol_number: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

/// A list row: an application joined with what a list page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationListRow {
    pub id: ApplicationId,
    pub employer_id: EmployerId,
    pub employer_cf: String,
    pub employer_name: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub office_id: OfficeId,
    pub benefit: String,
    pub causale: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub state: ApplicationState,
    pub protocol_number: Option<String>,
    pub authorisation_number: Option<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub hours_requested: i64,
    pub hours_authorised: Option<i64>,
}

macro_rules! app_select {
    () => {
        "SELECT id, employer_id, unit_id, benefit, causale, kind, start_date, end_date, state, \
         ticket, protocol_number, submitted_at, authorisation_number, decided_at, decided_by, \
         motivation, created_by, snapshot, created_at, updated_at, version, content, receipt_blob, \
         offset_code FROM applications "
    };
}

// SUM over BIGINT is NUMERIC on PostgreSQL: the casts keep it i64 on both backends.
macro_rules! list_select {
    () => {
        "SELECT a.id, a.employer_id, e.cf AS employer_cf, e.name AS employer_name, a.unit_id, \
         u.name AS unit_name, u.office_id, a.benefit, a.causale, a.kind, a.start_date, a.end_date, \
         a.state, a.protocol_number, a.authorisation_number, a.created_at, a.submitted_at, \
         a.decided_at, \
         (SELECT CAST(COALESCE(SUM(w.hours_requested), 0) AS BIGINT) FROM application_workers w \
          WHERE w.application_id = a.id) AS hours_requested, \
         (SELECT CAST(SUM(w.hours_authorised) AS BIGINT) FROM application_workers w \
          WHERE w.application_id = a.id) AS hours_authorised \
         FROM applications a JOIN employers e ON e.id = a.employer_id \
         JOIN productive_units u ON u.id = a.unit_id "
    };
}

const INSERT_APPLICATION: &str = "INSERT INTO applications \
    (id, employer_id, unit_id, benefit, causale, kind, start_date, end_date, state, created_by, \
     created_at, updated_at, version, content) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $10, 1, $11)";
const INSERT_APP_WORKER: &str = "INSERT INTO application_workers \
    (application_id, worker_id, hours_requested, days_requested) VALUES ($1, $2, $3, $4)";
const SELECT_APPLICATION: &str = concat!(app_select!(), "WHERE id = $1");
const SELECT_APP_WORKERS: &str = "SELECT application_id, worker_id, hours_requested, \
    hours_authorised, days_requested, days_authorised FROM application_workers WHERE application_id = $1 ORDER BY worker_id";
const SELECT_APP_WORKER_LINES: &str = "SELECT aw.worker_id, w.cf, w.surname, w.name, \
    aw.hours_requested, aw.hours_authorised, aw.days_requested, aw.days_authorised \
    FROM application_workers aw JOIN workers w ON w.id = aw.worker_id WHERE aw.application_id = $1 \
    ORDER BY w.surname, w.name, aw.worker_id";
// R-APP-5: live = submitted or authorised with hours for that worker. Drafts, withdrawn and
// rejected applications, and workers authorised for 0 hours, do not block.
const SELECT_OVERLAPS: &str = "SELECT aw.worker_id, a.id AS application_id, a.protocol_number, \
    a.start_date, a.end_date FROM application_workers aw \
    JOIN applications a ON a.id = aw.application_id \
    WHERE aw.worker_id IN (SELECT x.worker_id FROM application_workers x WHERE x.application_id = $1) \
    AND a.id <> $1 AND a.state IN ('submitted', 'authorised', 'partially_authorised') \
    AND (aw.hours_authorised IS NULL OR aw.hours_authorised > 0) \
    AND a.start_date <= $3 AND a.end_date >= $2 ORDER BY aw.worker_id, a.start_date";
const LIST_FOR_EMPLOYER: &str = concat!(
    list_select!(),
    "WHERE a.employer_id = $1 ORDER BY a.created_at DESC, a.id DESC"
);
const LIST_FOR_INTERMEDIARY: &str = concat!(
    list_select!(),
    "WHERE a.employer_id IN (SELECT d.employer_id FROM delegations d WHERE d.intermediary_id = $1 \
     AND d.valid_from <= $2 AND (d.valid_to IS NULL OR d.valid_to >= $2)) \
     ORDER BY a.created_at DESC, a.id DESC"
);
const LIST_FOR_OFFICE: &str = concat!(
    list_select!(),
    "WHERE u.office_id = $1 AND a.state = $2 ORDER BY a.submitted_at, a.id"
);
const LIST_DECIDED_BY_OFFICE: &str = concat!(
    list_select!(),
    "WHERE u.office_id = $1 AND a.decided_at IS NOT NULL ORDER BY a.decided_at DESC, a.id DESC \
     LIMIT $2"
);

const MARK_SUBMITTED: &str = "UPDATE applications SET state = 'submitted', ticket = $3, \
    protocol_number = $4, submitted_at = $5, snapshot = $6, updated_at = $5, \
    version = version + 1 WHERE id = $1 AND version = $2 AND state = 'draft'";
const MARK_WITHDRAWN: &str = "UPDATE applications SET state = 'withdrawn', updated_at = $3, \
    version = version + 1 WHERE id = $1 AND version = $2";
const MARK_DECIDED: &str = "UPDATE applications SET state = $3, authorisation_number = $4, \
    decided_at = $5, decided_by = $6, motivation = $7, updated_at = $5, version = version + 1 \
    WHERE id = $1 AND version = $2 AND state = 'submitted'";
const SET_HOURS_AUTHORISED: &str = "UPDATE application_workers SET hours_authorised = $3, \
    days_authorised = $4 WHERE application_id = $1 AND worker_id = $2";
// Saving a section of a draft: the typed content plus the columns it projects to (UP,
// causale, kind, period), guarded by the version the caller read and by the draft state.
const SAVE_DRAFT: &str = "UPDATE applications SET content = $3, unit_id = $4, causale = $5, \
    kind = $6, start_date = $7, end_date = $8, updated_at = $9, version = version + 1 \
    WHERE id = $1 AND version = $2 AND state = 'draft'";
const SET_RECEIPT_BLOB: &str = "UPDATE applications SET receipt_blob = $2 WHERE id = $1 \
    AND receipt_blob IS NULL";
const DELETE_APP_WORKERS: &str = "DELETE FROM application_workers WHERE application_id = $1";
const NEXT_COUNTER: &str = "INSERT INTO counters (kind, scope, year, last_value) \
    VALUES ($1, $2, $3, 1) ON CONFLICT (kind, scope, year) \
    DO UPDATE SET last_value = counters.last_value + 1 RETURNING last_value";

/// The columns a draft's content projects to (see [`Tx::save_draft`]).
#[derive(Debug, Clone)]
pub struct DraftProjection {
    pub unit_id: UnitId,
    pub causale: String,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

impl Tx {
    /// Stores a draft's content and its projected columns. Returns `false` if the row
    /// changed since `version` was read or is no longer a draft.
    pub async fn save_draft(
        &mut self,
        id: ApplicationId,
        version: i64,
        content: &str,
        p: &DraftProjection,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(SAVE_DRAFT)
            .bind(id)
            .bind(version)
            .bind(content)
            .bind(p.unit_id)
            .bind(&p.causale)
            .bind(&p.kind)
            .bind(p.start_date)
            .bind(p.end_date)
            .bind(at)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// Replaces the worker lines of an application (drafts only: the caller checks).
    pub async fn replace_application_workers(
        &mut self,
        app: ApplicationId,
        lines: &[(WorkerId, i64, Option<i64>)],
    ) -> Result<()> {
        on!(self, |c| sqlx::query(DELETE_APP_WORKERS)
            .bind(app)
            .execute(c)
            .await?
            .rows_affected());
        for (w, h, d) in lines {
            self.insert_application_worker(app, *w, *h, *d).await?;
        }
        Ok(())
    }

    /// Records the receipt's blob key once (a submission renders exactly one receipt).
    pub async fn set_receipt_blob(&mut self, id: ApplicationId, key: &str) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(SET_RECEIPT_BLOB)
            .bind(id)
            .bind(key)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    pub async fn insert_application(&mut self, a: &NewApplicationRow) -> Result<()> {
        on!(self, |c| sqlx::query(INSERT_APPLICATION)
            .bind(a.id)
            .bind(a.employer_id)
            .bind(a.unit_id)
            .bind(&a.benefit)
            .bind(&a.causale)
            .bind(&a.kind)
            .bind(a.start_date)
            .bind(a.end_date)
            .bind(a.created_by)
            .bind(a.created_at)
            .bind(&a.content)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn insert_application_worker(
        &mut self,
        app: ApplicationId,
        worker: WorkerId,
        hours_requested: i64,
        days_requested: Option<i64>,
    ) -> Result<()> {
        on!(self, |c| sqlx::query(INSERT_APP_WORKER)
            .bind(app)
            .bind(worker)
            .bind(hours_requested)
            .bind(days_requested)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn application(&mut self, id: ApplicationId) -> Result<Option<ApplicationRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_APPLICATION)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn application_workers(
        &mut self,
        id: ApplicationId,
    ) -> Result<Vec<ApplicationWorkerRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_APP_WORKERS)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    /// The workers of an application with their names, in one query.
    pub async fn application_worker_lines(
        &mut self,
        id: ApplicationId,
    ) -> Result<Vec<ApplicationWorkerLine>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_APP_WORKER_LINES)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    /// Live applications sharing a worker with `id` on days overlapping `start..=end`.
    pub async fn overlapping_applications(
        &mut self,
        id: ApplicationId,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<OverlapRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_OVERLAPS)
            .bind(id)
            .bind(start)
            .bind(end)
            .fetch_all(c)
            .await?))
    }

    /// Serialises check-then-write sequences that span several rows of one employer (e.g.
    /// the R-APP-5 overlap check at submission) until the end of the transaction.
    /// Dialect-specific: a transaction-scoped advisory lock on PostgreSQL; nothing on
    /// SQLite, where the `BEGIN IMMEDIATE` writer is already exclusive.
    pub async fn lock_employer(&mut self, employer: EmployerId) -> Result<()> {
        match &mut self.inner {
            crate::TxInner::Pg(t) => {
                // Namespace 1 = employer locks (two-key form keeps other lock users apart).
                sqlx::query("SELECT pg_advisory_xact_lock(1, CAST($1 AS INTEGER))")
                    .bind(employer.0)
                    .execute(&mut **t)
                    .await?;
            }
            crate::TxInner::Lite(_) => {}
        }
        Ok(())
    }

    pub async fn applications_of_employer(
        &mut self,
        e: EmployerId,
    ) -> Result<Vec<ApplicationListRow>> {
        Ok(on!(self, |c| sqlx::query_as(LIST_FOR_EMPLOYER)
            .bind(e)
            .fetch_all(c)
            .await?))
    }

    /// Applications of every employer that delegates `intermediary` on `day`.
    pub async fn applications_of_intermediary(
        &mut self,
        intermediary: UserId,
        day: NaiveDate,
    ) -> Result<Vec<ApplicationListRow>> {
        Ok(on!(self, |c| sqlx::query_as(LIST_FOR_INTERMEDIARY)
            .bind(intermediary)
            .bind(day)
            .fetch_all(c)
            .await?))
    }

    /// Applications in `state` whose UP is served by `office`, oldest submission first.
    pub async fn applications_of_office(
        &mut self,
        office: OfficeId,
        state: ApplicationState,
    ) -> Result<Vec<ApplicationListRow>> {
        Ok(on!(self, |c| sqlx::query_as(LIST_FOR_OFFICE)
            .bind(office)
            .bind(state)
            .fetch_all(c)
            .await?))
    }

    /// The office's latest decisions.
    pub async fn decided_by_office(
        &mut self,
        office: OfficeId,
        limit: i64,
    ) -> Result<Vec<ApplicationListRow>> {
        Ok(on!(self, |c| sqlx::query_as(LIST_DECIDED_BY_OFFICE)
            .bind(office)
            .bind(limit)
            .fetch_all(c)
            .await?))
    }

    /// draft → submitted. Returns `false` if the row changed since `version` was read.
    #[allow(clippy::too_many_arguments)]
    pub async fn mark_submitted(
        &mut self,
        id: ApplicationId,
        version: i64,
        ticket: &str,
        protocol_number: &str,
        at: DateTime<Utc>,
        snapshot: &str,
    ) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(MARK_SUBMITTED)
            .bind(id)
            .bind(version)
            .bind(ticket)
            .bind(protocol_number)
            .bind(at)
            .bind(snapshot)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// → withdrawn. The caller checks that the state allows it.
    pub async fn mark_withdrawn(
        &mut self,
        id: ApplicationId,
        version: i64,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(MARK_WITHDRAWN)
            .bind(id)
            .bind(version)
            .bind(at)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    /// submitted → authorised / partially authorised / rejected.
    #[allow(clippy::too_many_arguments)]
    pub async fn mark_decided(
        &mut self,
        id: ApplicationId,
        version: i64,
        state: ApplicationState,
        authorisation_number: Option<&str>,
        at: DateTime<Utc>,
        by: UserId,
        motivation: Option<&str>,
    ) -> Result<bool> {
        let n = on!(self, |c| sqlx::query(MARK_DECIDED)
            .bind(id)
            .bind(version)
            .bind(state)
            .bind(authorisation_number)
            .bind(at)
            .bind(by)
            .bind(motivation)
            .execute(c)
            .await?
            .rows_affected());
        Ok(n == 1)
    }

    pub async fn set_hours_authorised(
        &mut self,
        app: ApplicationId,
        worker: WorkerId,
        hours: i64,
        days: Option<i64>,
    ) -> Result<()> {
        on!(self, |c| sqlx::query(SET_HOURS_AUTHORISED)
            .bind(app)
            .bind(worker)
            .bind(hours)
            .bind(days)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Next value of a per-year counter (`kind` e.g. `protocol`, `authorisation`,
    /// `ticket`; `scope` an office code, or `""` for platform-wide sequences). Allocated inside the caller's transaction: on PostgreSQL the
    /// upserted row stays locked until commit, on SQLite the writer is exclusive, so
    /// numbers are unique and a rollback leaves no gap.
    pub async fn next_counter(&mut self, kind: &str, scope: &str, year: i32) -> Result<i64> {
        Ok(on!(self, |c| sqlx::query_scalar(NEXT_COUNTER)
            .bind(kind)
            .bind(scope)
            .bind(i64::from(year))
            .fetch_one(c)
            .await?))
    }
}
