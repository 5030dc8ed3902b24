//! Typed capabilities. Fields are private and the constructors are `Services` methods, so
//! holding a scope is proof that the permission table of DESIGN.md was checked.

use omnia_store::{ApplicationRow, EmployerId, OfficeId, Role, Tx, UnitRow, UserId};

use crate::{Principal, ServiceError, Services};

/// Permission to act for one employer: its own user, or an intermediary with a delegation
/// valid today.
#[derive(Debug, Clone)]
pub struct EmployerScope {
    employer_id: EmployerId,
    actor: UserId,
}

impl EmployerScope {
    pub fn employer_id(&self) -> EmployerId {
        self.employer_id
    }
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

/// Permission to examine and decide the applications of one office (operator).
#[derive(Debug, Clone)]
pub struct OfficeScope {
    office_id: OfficeId,
    actor: UserId,
}

impl OfficeScope {
    pub fn office_id(&self) -> OfficeId {
        self.office_id
    }
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

/// Permission over reference data and the audit log (administrator).
#[derive(Debug, Clone)]
pub struct AdminScope {
    actor: UserId,
}

impl AdminScope {
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

impl Services {
    /// Checks that `p` may act for `employer`. Anything else — another employer, no valid
    /// delegation, an operator or an administrator — is `NotFound`, as if the employer did
    /// not exist.
    pub async fn employer_scope(
        &self,
        p: &Principal,
        employer: EmployerId,
    ) -> Result<EmployerScope, ServiceError> {
        let mut tx = self.db().read().await?;
        self.employer_scope_in(&mut tx, p, employer).await
    }

    pub(crate) async fn employer_scope_in(
        &self,
        tx: &mut Tx,
        p: &Principal,
        employer: EmployerId,
    ) -> Result<EmployerScope, ServiceError> {
        let allowed = match p.role {
            Role::EmployerUser => p.employer_id == Some(employer),
            Role::Intermediary => {
                tx.delegation_valid(p.user_id, employer, self.today())
                    .await?
            }
            Role::Operator | Role::Administrator => false,
        };
        if allowed {
            Ok(EmployerScope {
                employer_id: employer,
                actor: p.user_id,
            })
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// `Forbidden` unless `p` is an operator (with an office).
    pub fn office_scope(&self, p: &Principal) -> Result<OfficeScope, ServiceError> {
        match (p.role, p.office_id) {
            (Role::Operator, Some(office_id)) => Ok(OfficeScope {
                office_id,
                actor: p.user_id,
            }),
            _ => Err(ServiceError::Forbidden),
        }
    }

    /// `Forbidden` unless `p` is an administrator.
    pub fn admin_scope(&self, p: &Principal) -> Result<AdminScope, ServiceError> {
        match p.role {
            Role::Administrator => Ok(AdminScope { actor: p.user_id }),
            _ => Err(ServiceError::Forbidden),
        }
    }
}

/// Whether an operator's office may see an application: its UP is served by the office,
/// and it has been submitted at some point (drafts, including drafts withdrawn without ever
/// being submitted, are the employer's business).
pub(crate) fn office_sees(o: &OfficeScope, app: &ApplicationRow, unit: &UnitRow) -> bool {
    unit.office_id == o.office_id && app.submitted_at.is_some()
}
