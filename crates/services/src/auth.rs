//! Authentication (argon2id passwords), sessions and idempotency records.
//!
//! Session policy:
//! - **web**: sliding idle timeout of 30 minutes, capped at 8 hours from login (a working
//!   day); activity is recorded at most once a minute so that page views do not turn into a
//!   stream of writes on SQLite's single writer.
//! - **api**: 1 hour from creation, not sliding; clients log in again.
//!
//! Only the SHA-256 of a token is stored. A token resolves only for its own kind, so a web
//! cookie cannot be replayed as an API bearer token (which skips CSRF checks) or vice versa.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use omnia_store::audit::NewAuditEvent;
use omnia_store::{
    EmployerId, IdempotencyRow, OfficeId, Role, SessionKind, SessionRow, UserId, UserRow,
};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{ServiceError, Services};

pub const WEB_IDLE_TIMEOUT: TimeDelta = TimeDelta::minutes(30);
pub const WEB_ABSOLUTE_TIMEOUT: TimeDelta = TimeDelta::hours(8);
pub const API_TIMEOUT: TimeDelta = TimeDelta::hours(1);
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Who is acting: the authenticated user with the attributes access control needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Principal {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Set for employer users: the one employer they belong to.
    pub employer_id: Option<EmployerId>,
    /// Set for operators: the office they work in.
    pub office_id: Option<OfficeId>,
}

impl From<&UserRow> for Principal {
    fn from(u: &UserRow) -> Self {
        Principal {
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            employer_id: u.employer_id,
            office_id: u.office_id,
        }
    }
}

/// A freshly opened session. `token` is shown once (cookie or bearer token) and never stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A resolved session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionContext {
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A response stored under an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Fingerprint of the request that produced it; a replay with a different body is a
    /// client error (the web layer decides how to answer).
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// Hashes a password with argon2id and the crate's default (OWASP) parameters, returning the
/// PHC string. CPU-heavy: call from `spawn_blocking` on request paths.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of a random password, verified against for unknown users so that the
/// answer takes as long as for a known user with a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut pw = [0u8; 24];
        rand::rng().fill_bytes(&mut pw);
        hash_password(&hex::encode(pw)).unwrap_or_default()
    })
}

/// Random secret, hex-encoded (32 bytes = 256 bits from the thread CSPRNG).
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

impl Services {
    /// Checks a username and password. Unknown user, inactive user and wrong password are
    /// the same `InvalidCredentials`, after the same argon2 work. Success and failure are
    /// audited.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Principal, ServiceError> {
        let user = {
            let mut tx = self.db().read().await?;
            tx.user_by_username(username).await?
        };
        // The dummy hash is chosen (and, the first time, computed) inside the blocking task
        // too: argon2 never runs on the async workers.
        let phc = match &user {
            Some(u) if u.active => Some(u.password_hash.clone()),
            _ => None,
        };
        let pw = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            let verified = verify_password(&pw, phc.as_deref().unwrap_or_else(|| dummy_hash()));
            verified && phc.is_some()
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut tx = self.db().begin().await?;
        match user {
            Some(u) if ok && u.active => {
                tx.append_audit(NewAuditEvent {
                    actor: Some(u.id),
                    on_behalf_of: None,
                    action: "auth.login".into(),
                    target_type: "user".into(),
                    target_id: u.id.to_string(),
                    details: serde_json::json!({ "username": u.username }),
                })
                .await?;
                tx.commit().await?;
                Ok(Principal::from(&u))
            }
            _ => {
                tx.append_audit(NewAuditEvent {
                    actor: None,
                    on_behalf_of: None,
                    action: "auth.login_failed".into(),
                    target_type: "user".into(),
                    target_id: username.chars().take(100).collect(),
                    details: serde_json::json!({}),
                })
                .await?;
                tx.commit().await?;
                Err(ServiceError::InvalidCredentials)
            }
        }
    }

    /// Opens a session for an authenticated principal. Each login gets a new token (the
    /// web layer must not reuse a pre-login session id).
    pub async fn open_session(
        &self,
        p: &Principal,
        kind: SessionKind,
    ) -> Result<NewSession, ServiceError> {
        let now = self.now();
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = match kind {
            SessionKind::Web => now + WEB_IDLE_TIMEOUT,
            SessionKind::Api => now + API_TIMEOUT,
        };
        let mut tx = self.db().begin().await?;
        // Housekeeping piggybacks on logins: cheap (indexed) and needs no job runner.
        tx.delete_expired_sessions(now).await?;
        tx.insert_session(&SessionRow {
            token_hash: sha256_hex(&token),
            user_id: p.user_id,
            kind,
            csrf_token: csrf_token.clone(),
            created_at: now,
            expires_at,
            last_seen_at: now,
        })
        .await?;
        tx.commit().await?;
        Ok(NewSession {
            token,
            csrf_token,
            expires_at,
        })
    }

    /// Resolves a token of `kind`. Unknown, expired, other-kind tokens and tokens of
    /// deactivated users give `None`; expired sessions are deleted. Web sessions slide.
    pub async fn resolve_session(
        &self,
        token: &str,
        kind: SessionKind,
    ) -> Result<Option<SessionContext>, ServiceError> {
        let now = self.now();
        let hash = sha256_hex(token);
        let (session, user) = {
            let mut tx = self.db().read().await?;
            let Some(s) = tx.session(&hash).await? else {
                return Ok(None);
            };
            let u = tx.user(s.user_id).await?;
            (s, u)
        };
        if session.kind != kind {
            return Ok(None);
        }
        if session.expires_at <= now {
            let mut tx = self.db().begin().await?;
            tx.delete_session(&hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let Some(user) = user.filter(|u| u.active) else {
            return Ok(None);
        };
        let mut expires_at = session.expires_at;
        if kind == SessionKind::Web && now - session.last_seen_at >= TOUCH_EVERY {
            expires_at = (now + WEB_IDLE_TIMEOUT).min(session.created_at + WEB_ABSOLUTE_TIMEOUT);
            let mut tx = self.db().begin().await?;
            tx.touch_session(&hash, now, expires_at).await?;
            tx.commit().await?;
        }
        Ok(Some(SessionContext {
            principal: Principal::from(&user),
            csrf_token: session.csrf_token,
            expires_at,
        }))
    }

    /// Ends a session (logout). Unknown tokens are fine (idempotent).
    pub async fn close_session(&self, token: &str) -> Result<(), ServiceError> {
        let hash = sha256_hex(token);
        let mut tx = self.db().begin().await?;
        if let Some(s) = tx.session(&hash).await? {
            tx.delete_session(&hash).await?;
            tx.append_audit(NewAuditEvent {
                actor: Some(s.user_id),
                on_behalf_of: None,
                action: "auth.logout".into(),
                target_type: "user".into(),
                target_id: s.user_id.to_string(),
                details: serde_json::json!({ "kind": s.kind.as_str() }),
            })
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored response for `key` of this principal, if any.
    pub async fn idempotency_lookup(
        &self,
        p: &Principal,
        key: &str,
    ) -> Result<Option<StoredResponse>, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx
            .idempotency_get(p.user_id, key)
            .await?
            .map(|r| StoredResponse {
                request_hash: r.request_hash,
                status: u16::try_from(r.response_status).unwrap_or(500),
                body: r.response_body,
            }))
    }

    /// Stores the response for `key`; `false` if another request stored one first.
    pub async fn idempotency_store(
        &self,
        p: &Principal,
        key: &str,
        request_hash: &str,
        status: u16,
        body: &str,
    ) -> Result<bool, ServiceError> {
        let mut tx = self.db().begin().await?;
        let stored = tx
            .idempotency_put(&IdempotencyRow {
                user_id: p.user_id,
                idem_key: key.to_owned(),
                request_hash: request_hash.to_owned(),
                response_status: i64::from(status),
                response_body: body.to_owned(),
                created_at: self.now(),
            })
            .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The principal of a username without a password check: for trusted callers only
    /// (the CLI's admin commands, tests), never for request handlers.
    pub async fn principal_by_username(
        &self,
        username: &str,
    ) -> Result<Option<Principal>, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx
            .user_by_username(username)
            .await?
            .filter(|u| u.active)
            .map(|u| Principal::from(&u)))
    }

    /// The principal of a user id (e.g. for admin tools), if the user is active.
    pub async fn principal(&self, user: UserId) -> Result<Option<Principal>, ServiceError> {
        let mut tx = self.db().read().await?;
        Ok(tx
            .user(user)
            .await?
            .filter(|u| u.active)
            .map(|u| Principal::from(&u)))
    }
}
