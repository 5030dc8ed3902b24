//! Administrator pages: the audit log with its integrity check, users and delegations.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{PageContext, context, not_found, render};
use crate::AppState;
use crate::auth::WebUser;

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    employer: String,
    action: String,
    target: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: PageContext,
    rows: Vec<AuditRow>,
    intact: bool,
    events: i64,
    broken_at: String,
}

pub async fn audit(State(state): State<AppState>, user: WebUser) -> Response {
    let Ok(admin) = state.services.admin_scope(&user.principal) else {
        return not_found().await;
    };
    let (events, chain) = match tokio::try_join!(
        state.services.audit_log(&admin, 200),
        state.services.verify_audit_chain(&admin)
    ) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = ?e, "audit page");
            return crate::auth::PageRejection::Internal.into_response();
        }
    };
    let rows = events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            // Stored in UTC, shown in Rome time.
            at: omnia_domain::calendar::rome_time(e.at)
                .format("%d/%m/%Y %H:%M:%S")
                .to_string(),
            actor: e.actor_username.unwrap_or_else(|| "—".into()),
            employer: e
                .on_behalf_of_employer
                .map(|id| id.0.to_string())
                .unwrap_or_else(|| "—".into()),
            action: e.action,
            target: format!("{} {}", e.target_type, e.target_id),
        })
        .collect();
    render(
        StatusCode::OK,
        &AuditPage {
            ctx: context(&user, "admin"),
            rows,
            intact: chain.is_intact(),
            events: chain.events,
            broken_at: chain.broken_at.map(|s| s.to_string()).unwrap_or_default(),
        },
    )
}

struct UserRow {
    username: String,
    display_name: String,
    role: String,
    active: bool,
}

struct DelegationRow {
    intermediary: String,
    employer: String,
    from: String,
    to: String,
    valid_today: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: PageContext,
    users: Vec<UserRow>,
    delegations: Vec<DelegationRow>,
}

pub async fn users(State(state): State<AppState>, user: WebUser) -> Response {
    let Ok(admin) = state.services.admin_scope(&user.principal) else {
        return not_found().await;
    };
    let (users, delegations) = match tokio::try_join!(
        state.services.users(&admin),
        state.services.delegations(&admin)
    ) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = ?e, "users page");
            return crate::auth::PageRejection::Internal.into_response();
        }
    };
    let date = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    render(
        StatusCode::OK,
        &UsersPage {
            ctx: context(&user, "admin"),
            users: users
                .into_iter()
                .map(|u| UserRow {
                    username: u.username,
                    display_name: u.display_name,
                    role: u.role_label,
                    active: u.active,
                })
                .collect(),
            delegations: delegations
                .into_iter()
                .map(|d| DelegationRow {
                    intermediary: d.intermediary_username,
                    employer: d.employer.name,
                    from: date(d.valid_from),
                    to: d.valid_to.map(date).unwrap_or_else(|| "—".into()),
                    valid_today: d.valid_today,
                })
                .collect(),
        },
    )
}
