//! Registry: offices (sedi), employers with their classification, matricole and headcount
//! history, productive units (UP) and workers.

use chrono::NaiveDate;

use crate::{
    EmployerId, EmployerRow, HeadcountRow, MatricolaRow, OfficeId, OfficeRow, Qualifica, Result,
    Tx, UnitId, UnitRow, WorkerId, WorkerRow, now, on,
};

#[derive(Debug, Clone)]
pub struct NewEmployer {
    pub cf: String,
    pub name: String,
    /// Codice statistico contributivo, 5 digits; the first is the sector (R-SEL-1).
    pub csc: String,
    pub ateco: String,
    /// Codici di autorizzazione (e.g. `0J` FIS member).
    pub authorisation_codes: Vec<String>,
    pub edile_lapideo: bool,
    pub agricultural: bool,
    /// Solidarity fund the employer belongs to, if any.
    pub fund_code: Option<String>,
    pub matricole: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub employer_id: EmployerId,
    pub name: String,
    pub address: String,
    pub comune: String,
    pub province: String,
    pub working_days_per_week: i64,
    pub office_id: OfficeId,
}

#[derive(Debug, Clone)]
pub struct NewWorker {
    pub employer_id: EmployerId,
    pub unit_id: UnitId,
    pub cf: String,
    pub surname: String,
    pub name: String,
    pub hire_date: NaiveDate,
    pub qualifica: Qualifica,
    pub weekly_hours: i64,
    pub working_days_per_week: i64,
    pub hourly_wage_cents: i64,
}

const INSERT_OFFICE: &str = "INSERT INTO offices (code, name) VALUES ($1, $2) RETURNING id";
const SELECT_OFFICE: &str = "SELECT id, code, name FROM offices WHERE id = $1";
const SELECT_OFFICES: &str = "SELECT id, code, name FROM offices ORDER BY code";

const INSERT_EMPLOYER: &str = "INSERT INTO employers \
    (cf, name, csc, ateco, edile_lapideo, agricultural, fund_code, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
const INSERT_AUTH_CODE: &str =
    "INSERT INTO employer_authorisation_codes (employer_id, code) VALUES ($1, $2)";
const INSERT_MATRICOLA: &str =
    "INSERT INTO matricole (employer_id, matricola, description) VALUES ($1, $2, '')";
const SELECT_EMPLOYER: &str = "SELECT id, cf, name, csc, ateco, edile_lapideo, agricultural, \
    fund_code, created_at FROM employers WHERE id = $1";
const SELECT_EMPLOYER_BY_CF: &str = "SELECT id, cf, name, csc, ateco, edile_lapideo, \
    agricultural, fund_code, created_at FROM employers WHERE cf = $1";
const SELECT_EMPLOYERS: &str = "SELECT id, cf, name, csc, ateco, edile_lapideo, agricultural, \
    fund_code, created_at FROM employers ORDER BY name";
const SELECT_AUTH_CODES: &str =
    "SELECT code FROM employer_authorisation_codes WHERE employer_id = $1 ORDER BY code";
const SELECT_MATRICOLE: &str = "SELECT id, employer_id, matricola, description FROM matricole \
    WHERE employer_id = $1 ORDER BY matricola";
const UPSERT_HEADCOUNT: &str = "INSERT INTO employer_headcount \
    (employer_id, semester, weekly_hours, avg_workers_hundredths) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (employer_id, semester, weekly_hours) \
    DO UPDATE SET avg_workers_hundredths = excluded.avg_workers_hundredths";
const SELECT_HEADCOUNT: &str = "SELECT employer_id, semester, weekly_hours, avg_workers_hundredths \
    FROM employer_headcount WHERE employer_id = $1 ORDER BY semester DESC, weekly_hours DESC";

const INSERT_UNIT: &str = "INSERT INTO productive_units \
    (employer_id, name, address, comune, province, working_days_per_week, office_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
const SELECT_UNIT: &str = "SELECT id, employer_id, name, address, comune, province, \
    working_days_per_week, office_id FROM productive_units WHERE id = $1";
const SELECT_UNITS_OF_EMPLOYER: &str = "SELECT id, employer_id, name, address, comune, province, \
    working_days_per_week, office_id FROM productive_units WHERE employer_id = $1 ORDER BY name, id";

const INSERT_WORKER: &str = "INSERT INTO workers \
    (employer_id, unit_id, cf, surname, name, hire_date, qualifica, weekly_hours, \
     working_days_per_week, hourly_wage_cents) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
const SELECT_WORKER: &str = "SELECT id, employer_id, unit_id, cf, surname, name, hire_date, \
    qualifica, weekly_hours, working_days_per_week, hourly_wage_cents FROM workers WHERE id = $1";
const SELECT_WORKERS_OF_EMPLOYER: &str = "SELECT id, employer_id, unit_id, cf, surname, name, \
    hire_date, qualifica, weekly_hours, working_days_per_week, hourly_wage_cents FROM workers \
    WHERE employer_id = $1 ORDER BY surname, name, id";
const SELECT_ALL_WORKER_CFS: &str = "SELECT cf FROM workers ORDER BY id";

impl Tx {
    pub async fn insert_office(&mut self, code: &str, name: &str) -> Result<OfficeId> {
        Ok(on!(self, |c| sqlx::query_scalar(INSERT_OFFICE)
            .bind(code)
            .bind(name)
            .fetch_one(c)
            .await?))
    }

    pub async fn office(&mut self, id: OfficeId) -> Result<Option<OfficeRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_OFFICE)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn offices(&mut self) -> Result<Vec<OfficeRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_OFFICES)
            .fetch_all(c)
            .await?))
    }

    /// Inserts an employer with its codici di autorizzazione and matricole.
    pub async fn insert_employer(&mut self, e: &NewEmployer) -> Result<EmployerId> {
        let at = now();
        let id: EmployerId = on!(self, |c| sqlx::query_scalar(INSERT_EMPLOYER)
            .bind(&e.cf)
            .bind(&e.name)
            .bind(&e.csc)
            .bind(&e.ateco)
            .bind(e.edile_lapideo)
            .bind(e.agricultural)
            .bind(&e.fund_code)
            .bind(at)
            .fetch_one(c)
            .await?);
        for code in &e.authorisation_codes {
            on!(self, |c| sqlx::query(INSERT_AUTH_CODE)
                .bind(id)
                .bind(code)
                .execute(c)
                .await?
                .rows_affected());
        }
        for m in &e.matricole {
            on!(self, |c| sqlx::query(INSERT_MATRICOLA)
                .bind(id)
                .bind(m)
                .execute(c)
                .await?
                .rows_affected());
        }
        Ok(id)
    }

    pub async fn employer(&mut self, id: EmployerId) -> Result<Option<EmployerRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_EMPLOYER)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn employer_by_cf(&mut self, cf: &str) -> Result<Option<EmployerRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_EMPLOYER_BY_CF)
            .bind(cf)
            .fetch_optional(c)
            .await?))
    }

    /// Every employer (administrator views, demo checks).
    pub async fn employers(&mut self) -> Result<Vec<EmployerRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_EMPLOYERS)
            .fetch_all(c)
            .await?))
    }

    pub async fn authorisation_codes(&mut self, id: EmployerId) -> Result<Vec<String>> {
        Ok(on!(self, |c| sqlx::query_scalar(SELECT_AUTH_CODES)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    pub async fn matricole(&mut self, id: EmployerId) -> Result<Vec<MatricolaRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_MATRICOLE)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    /// Records the average workforce of a semester for one weekly-hours band.
    pub async fn upsert_headcount(&mut self, h: &HeadcountRow) -> Result<()> {
        on!(self, |c| sqlx::query(UPSERT_HEADCOUNT)
            .bind(h.employer_id)
            .bind(&h.semester)
            .bind(h.weekly_hours)
            .bind(h.avg_workers_hundredths)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn headcount(&mut self, id: EmployerId) -> Result<Vec<HeadcountRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_HEADCOUNT)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    pub async fn insert_unit(&mut self, u: &NewUnit) -> Result<UnitId> {
        Ok(on!(self, |c| sqlx::query_scalar(INSERT_UNIT)
            .bind(u.employer_id)
            .bind(&u.name)
            .bind(&u.address)
            .bind(&u.comune)
            .bind(&u.province)
            .bind(u.working_days_per_week)
            .bind(u.office_id)
            .fetch_one(c)
            .await?))
    }

    pub async fn unit(&mut self, id: UnitId) -> Result<Option<UnitRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_UNIT)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn units_of_employer(&mut self, id: EmployerId) -> Result<Vec<UnitRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_UNITS_OF_EMPLOYER)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    pub async fn insert_worker(&mut self, w: &NewWorker) -> Result<WorkerId> {
        Ok(on!(self, |c| sqlx::query_scalar(INSERT_WORKER)
            .bind(w.employer_id)
            .bind(w.unit_id)
            .bind(&w.cf)
            .bind(&w.surname)
            .bind(&w.name)
            .bind(w.hire_date)
            .bind(w.qualifica)
            .bind(w.weekly_hours)
            .bind(w.working_days_per_week)
            .bind(w.hourly_wage_cents)
            .fetch_one(c)
            .await?))
    }

    pub async fn worker(&mut self, id: WorkerId) -> Result<Option<WorkerRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_WORKER)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn workers_of_employer(&mut self, id: EmployerId) -> Result<Vec<WorkerRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_WORKERS_OF_EMPLOYER)
            .bind(id)
            .fetch_all(c)
            .await?))
    }

    /// Every worker's codice fiscale (demo-data checks).
    pub async fn all_worker_cfs(&mut self) -> Result<Vec<String>> {
        Ok(on!(self, |c| sqlx::query_scalar(SELECT_ALL_WORKER_CFS)
            .fetch_all(c)
            .await?))
    }
}
