//! Users, roles and delegations (intermediary ↔ employer, with validity dates).

use chrono::NaiveDate;

use crate::{
    DelegationRow, EmployerId, EmployerRow, OfficeId, Result, Role, Tx, UserId, UserRow, now, on,
};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// Argon2 PHC string; the store never sees a password.
    pub password_hash: String,
    pub role: Role,
    pub employer_id: Option<EmployerId>,
    pub office_id: Option<OfficeId>,
}

const INSERT_USER: &str = "INSERT INTO users \
    (username, display_name, password_hash, role, employer_id, office_id, active, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7) RETURNING id";
const SELECT_USER: &str = "SELECT id, username, display_name, password_hash, role, employer_id, \
    office_id, active, created_at FROM users WHERE id = $1";
const SELECT_USER_BY_USERNAME: &str = "SELECT id, username, display_name, password_hash, role, \
    employer_id, office_id, active, created_at FROM users WHERE username = $1";
const SELECT_USERS: &str = "SELECT id, username, display_name, password_hash, role, employer_id, \
    office_id, active, created_at FROM users ORDER BY username";
const COUNT_USERS: &str = "SELECT COUNT(*) FROM users";
const SET_USER_ACTIVE: &str = "UPDATE users SET active = $2 WHERE id = $1";
const SET_PASSWORD_HASH: &str = "UPDATE users SET password_hash = $2 WHERE id = $1";

const INSERT_DELEGATION: &str = "INSERT INTO delegations \
    (intermediary_id, employer_id, valid_from, valid_to, created_at) \
    VALUES ($1, $2, $3, $4, $5) RETURNING id";
const SELECT_DELEGATIONS_OF: &str = "SELECT id, intermediary_id, employer_id, valid_from, valid_to, \
    created_at FROM delegations WHERE intermediary_id = $1 ORDER BY valid_from, id";
const SELECT_ALL_DELEGATIONS: &str = "SELECT id, intermediary_id, employer_id, valid_from, valid_to, \
    created_at FROM delegations ORDER BY intermediary_id, valid_from, id";
const SELECT_DELEGATION: &str = "SELECT id, intermediary_id, employer_id, valid_from, valid_to, \
    created_at FROM delegations WHERE id = $1";
// Validity is inclusive at both ends; an open end (NULL) never expires.
const DELEGATION_VALID: &str = "SELECT COUNT(*) FROM delegations \
    WHERE intermediary_id = $1 AND employer_id = $2 \
    AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $3)";
const DELEGATING_EMPLOYERS: &str = "SELECT e.id, e.cf, e.name, e.csc, e.ateco, e.edile_lapideo, \
    e.agricultural, e.fund_code, e.created_at FROM employers e \
    WHERE e.id IN (SELECT d.employer_id FROM delegations d WHERE d.intermediary_id = $1 \
                   AND d.valid_from <= $2 AND (d.valid_to IS NULL OR d.valid_to >= $2)) \
    ORDER BY e.name";

impl Tx {
    pub async fn insert_user(&mut self, u: &NewUser) -> Result<UserId> {
        Ok(on!(self, |c| sqlx::query_scalar(INSERT_USER)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.role)
            .bind(u.employer_id)
            .bind(u.office_id)
            .bind(now())
            .fetch_one(c)
            .await?))
    }

    pub async fn user(&mut self, id: UserId) -> Result<Option<UserRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_USER)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<UserRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_USER_BY_USERNAME)
            .bind(username)
            .fetch_optional(c)
            .await?))
    }

    pub async fn users(&mut self) -> Result<Vec<UserRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_USERS)
            .fetch_all(c)
            .await?))
    }

    pub async fn count_users(&mut self) -> Result<i64> {
        Ok(on!(self, |c| sqlx::query_scalar(COUNT_USERS)
            .fetch_one(c)
            .await?))
    }

    pub async fn set_user_active(&mut self, id: UserId, active: bool) -> Result<()> {
        on!(self, |c| sqlx::query(SET_USER_ACTIVE)
            .bind(id)
            .bind(active)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn set_password_hash(&mut self, id: UserId, phc: &str) -> Result<()> {
        on!(self, |c| sqlx::query(SET_PASSWORD_HASH)
            .bind(id)
            .bind(phc)
            .execute(c)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn insert_delegation(
        &mut self,
        intermediary: UserId,
        employer: EmployerId,
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
    ) -> Result<i64> {
        Ok(on!(self, |c| sqlx::query_scalar(INSERT_DELEGATION)
            .bind(intermediary)
            .bind(employer)
            .bind(valid_from)
            .bind(valid_to)
            .bind(now())
            .fetch_one(c)
            .await?))
    }

    pub async fn delegations_of(&mut self, intermediary: UserId) -> Result<Vec<DelegationRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_DELEGATIONS_OF)
            .bind(intermediary)
            .fetch_all(c)
            .await?))
    }

    pub async fn delegations(&mut self) -> Result<Vec<DelegationRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_ALL_DELEGATIONS)
            .fetch_all(c)
            .await?))
    }

    pub async fn delegation(&mut self, id: i64) -> Result<Option<DelegationRow>> {
        Ok(on!(self, |c| sqlx::query_as(SELECT_DELEGATION)
            .bind(id)
            .fetch_optional(c)
            .await?))
    }

    /// Whether `intermediary` holds a delegation from `employer` valid on `day`.
    pub async fn delegation_valid(
        &mut self,
        intermediary: UserId,
        employer: EmployerId,
        day: NaiveDate,
    ) -> Result<bool> {
        let n: i64 = on!(self, |c| sqlx::query_scalar(DELEGATION_VALID)
            .bind(intermediary)
            .bind(employer)
            .bind(day)
            .fetch_one(c)
            .await?);
        Ok(n > 0)
    }

    /// Employers that delegate `intermediary` on `day`.
    pub async fn delegating_employers(
        &mut self,
        intermediary: UserId,
        day: NaiveDate,
    ) -> Result<Vec<EmployerRow>> {
        Ok(on!(self, |c| sqlx::query_as(DELEGATING_EMPLOYERS)
            .bind(intermediary)
            .bind(day)
            .fetch_all(c)
            .await?))
    }
}
