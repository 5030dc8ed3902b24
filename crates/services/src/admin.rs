//! Administration (AdminScope): users and delegations. Reference data proper (causali,
//! parameters) is versioned in the domain crate for now.

use chrono::NaiveDate;
use omnia_store::audit::NewAuditEvent;
use omnia_store::users::NewUser;
use omnia_store::{DelegationRow, EmployerId, OfficeId, Role, Tx, UserId, UserRow};
use serde::{Deserialize, Serialize};

use crate::applications::{EmployerRef, OfficeRef};
use crate::auth::hash_password;
use crate::{AdminScope, FieldError, ServiceError, Services};

/// Minimum password length for accounts created by an administrator.
pub const MIN_PASSWORD_LEN: usize = 10;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: String,
    pub employer_id: Option<EmployerId>,
    pub office_id: Option<OfficeId>,
    pub active: bool,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            role_label: u.role.label_it().to_owned(),
            employer_id: u.employer_id,
            office_id: u.office_id,
            active: u.active,
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// Required for employer users, forbidden otherwise.
    pub employer_id: Option<EmployerId>,
    /// Required for operators, forbidden otherwise.
    pub office_id: Option<OfficeId>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDelegation {
    pub intermediary_id: UserId,
    pub employer_id: EmployerId,
    pub valid_from: NaiveDate,
    /// `None`: open-ended.
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DelegationView {
    pub id: i64,
    pub intermediary_id: UserId,
    pub intermediary_username: String,
    pub employer: EmployerRef,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Valid on the server's current date.
    pub valid_today: bool,
}

fn err(pointer: &str, field: &str, code: &'static str, it: &str, en: &str) -> FieldError {
    FieldError::new(pointer, field, code, it, en)
}

impl Services {
    /// The offices (reference data, visible to everyone authenticated).
    pub async fn offices(&self) -> Result<Vec<OfficeRef>, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx
            .offices()
            .await?
            .into_iter()
            .map(|o| OfficeRef {
                id: o.id,
                code: o.code,
                name: o.name,
            })
            .collect())
    }

    pub async fn users(&self, _a: &AdminScope) -> Result<Vec<UserView>, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx.users().await?.iter().map(UserView::from).collect())
    }

    /// Creates a user. The role decides which of employer/office must be set.
    pub async fn create_user(
        &self,
        a: &AdminScope,
        input: NewUserInput,
    ) -> Result<UserView, ServiceError> {
        let mut errors = Vec::new();
        let username = input.username.trim().to_owned();
        let valid_username = (3..=64).contains(&username.len())
            && username
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !valid_username {
            errors.push(err(
                "/username",
                "username",
                "invalid_username",
                "Nome utente di 3–64 caratteri: lettere minuscole, cifre, punto, trattino, trattino basso.",
                "Username of 3–64 characters: lowercase letters, digits, dot, dash, underscore.",
            ));
        }
        if input.display_name.trim().is_empty() || input.display_name.len() > 200 {
            errors.push(err(
                "/display_name",
                "nome_visualizzato",
                "invalid_display_name",
                "Indicare un nome (massimo 200 caratteri).",
                "Give a name (at most 200 characters).",
            ));
        }
        if input.password.chars().count() < MIN_PASSWORD_LEN {
            errors.push(FieldError::new(
                "/password",
                "password",
                "password_too_short",
                format!("La password deve avere almeno {MIN_PASSWORD_LEN} caratteri."),
                format!("The password must have at least {MIN_PASSWORD_LEN} characters."),
            ));
        }
        let mut tx = self.db().begin().await?;
        match (input.role, input.employer_id) {
            (Role::EmployerUser, None) => errors.push(err(
                "/employer_id",
                "datore",
                "employer_required",
                "Un utente datore di lavoro deve indicare il datore.",
                "An employer user needs an employer.",
            )),
            (Role::EmployerUser, Some(e)) if tx.employer(e).await?.is_none() => errors.push(err(
                "/employer_id",
                "datore",
                "unknown_employer",
                "Datore di lavoro inesistente.",
                "Unknown employer.",
            )),
            (r, Some(_)) if r != Role::EmployerUser => errors.push(err(
                "/employer_id",
                "datore",
                "employer_not_allowed",
                "Solo gli utenti datore di lavoro appartengono a un datore.",
                "Only employer users belong to an employer.",
            )),
            _ => {}
        }
        match (input.role, input.office_id) {
            (Role::Operator, None) => errors.push(err(
                "/office_id",
                "sede",
                "office_required",
                "Un operatore deve indicare la sede.",
                "An operator needs an office.",
            )),
            (Role::Operator, Some(o)) if tx.office(o).await?.is_none() => errors.push(err(
                "/office_id",
                "sede",
                "unknown_office",
                "Sede inesistente.",
                "Unknown office.",
            )),
            (r, Some(_)) if r != Role::Operator => errors.push(err(
                "/office_id",
                "sede",
                "office_not_allowed",
                "Solo gli operatori appartengono a una sede.",
                "Only operators belong to an office.",
            )),
            _ => {}
        }
        if valid_username && tx.user_by_username(&username).await?.is_some() {
            return Err(ServiceError::conflict(
                "username_taken",
                "Nome utente già in uso.",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        drop(tx); // do not hold the writer while hashing
        let pw = input.password.clone();
        let phc = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
        let mut tx = self.db().begin().await?;
        let id = match tx
            .insert_user(&NewUser {
                username: username.clone(),
                display_name: input.display_name.trim().to_owned(),
                password_hash: phc,
                role: input.role,
                employer_id: input.employer_id,
                office_id: input.office_id,
            })
            .await
        {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                return Err(ServiceError::conflict(
                    "username_taken",
                    "Nome utente già in uso.",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        tx.append_audit(NewAuditEvent {
            actor: Some(a.actor()),
            on_behalf_of: input.employer_id,
            action: "user.create".into(),
            target_type: "user".into(),
            target_id: id.to_string(),
            details: serde_json::json!({ "username": username, "role": input.role.as_str() }),
        })
        .await?;
        let row = tx
            .user(id)
            .await?
            .ok_or_else(|| ServiceError::Internal("user vanished".into()))?;
        tx.commit().await?;
        Ok(UserView::from(&row))
    }

    /// Activates or deactivates a user; deactivation also ends every session of the user.
    pub async fn set_user_active(
        &self,
        a: &AdminScope,
        user: UserId,
        active: bool,
    ) -> Result<UserView, ServiceError> {
        let mut tx = self.db().begin().await?;
        if tx.user(user).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        tx.set_user_active(user, active).await?;
        if !active {
            tx.delete_sessions_of_user(user).await?;
        }
        tx.append_audit(NewAuditEvent {
            actor: Some(a.actor()),
            on_behalf_of: None,
            action: if active {
                "user.activate"
            } else {
                "user.deactivate"
            }
            .into(),
            target_type: "user".into(),
            target_id: user.to_string(),
            details: serde_json::json!({}),
        })
        .await?;
        let row = tx.user(user).await?.ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        Ok(UserView::from(&row))
    }

    pub async fn delegations(&self, _a: &AdminScope) -> Result<Vec<DelegationView>, ServiceError> {
        let mut tx = self.db().read().await?;
        let rows = tx.delegations().await?;
        let mut out = Vec::with_capacity(rows.len());
        for d in rows {
            out.push(self.delegation_view(&mut tx, d).await?);
        }
        Ok(out)
    }

    async fn delegation_view(
        &self,
        tx: &mut Tx,
        d: DelegationRow,
    ) -> Result<DelegationView, ServiceError> {
        let today = self.today();
        let user = tx.user(d.intermediary_id).await?;
        let employer = tx.employer(d.employer_id).await?;
        let employer =
            employer.ok_or_else(|| ServiceError::Internal("delegation employer".into()))?;
        Ok(DelegationView {
            id: d.id,
            intermediary_id: d.intermediary_id,
            intermediary_username: user.map(|u| u.username).unwrap_or_default(),
            employer: EmployerRef {
                id: employer.id,
                cf: employer.cf,
                name: employer.name,
            },
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            valid_today: d.valid_from <= today && d.valid_to.is_none_or(|t| today <= t),
        })
    }

    /// Records a delegation (delega) from an employer to an intermediary.
    pub async fn grant_delegation(
        &self,
        a: &AdminScope,
        input: NewDelegation,
    ) -> Result<DelegationView, ServiceError> {
        let mut tx = self.db().begin().await?;
        let mut errors = Vec::new();
        let is_intermediary = tx
            .user(input.intermediary_id)
            .await?
            .is_some_and(|u| u.role == Role::Intermediary);
        if !is_intermediary {
            errors.push(err(
                "/intermediary_id",
                "intermediario",
                "not_an_intermediary",
                "L'utente indicato non è un intermediario.",
                "The given user is not an intermediary.",
            ));
        }
        if tx.employer(input.employer_id).await?.is_none() {
            errors.push(err(
                "/employer_id",
                "datore",
                "unknown_employer",
                "Datore di lavoro inesistente.",
                "Unknown employer.",
            ));
        }
        if input.valid_to.is_some_and(|t| t < input.valid_from) {
            errors.push(err(
                "/valid_to",
                "valida_al",
                "end_before_start",
                "La data di fine precede la data di inizio.",
                "The end date is before the start date.",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let id = tx
            .insert_delegation(
                input.intermediary_id,
                input.employer_id,
                input.valid_from,
                input.valid_to,
            )
            .await?;
        tx.append_audit(NewAuditEvent {
            actor: Some(a.actor()),
            on_behalf_of: Some(input.employer_id),
            action: "delegation.grant".into(),
            target_type: "delegation".into(),
            target_id: id.to_string(),
            details: serde_json::json!({
                "intermediary_id": input.intermediary_id,
                "valid_from": input.valid_from,
                "valid_to": input.valid_to,
            }),
        })
        .await?;
        let row = tx
            .delegation(id)
            .await?
            .ok_or_else(|| ServiceError::Internal("delegation vanished".into()))?;
        let view = self.delegation_view(&mut tx, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Housekeeping: expired sessions and idempotency records older than 24 hours.
    pub async fn purge_expired(&self) -> Result<(u64, u64), ServiceError> {
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let sessions = tx.delete_expired_sessions(now).await?;
        let keys = tx
            .idempotency_purge(now - chrono::TimeDelta::hours(24))
            .await?;
        tx.commit().await?;
        Ok((sessions, keys))
    }
}
