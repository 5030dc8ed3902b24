//! Store tests; they run on the backend of `OMNIA_TEST_DATABASE_URL` (SQLite when unset).

use chrono::NaiveDate;
use omnia_store::audit::NewAuditEvent;
use omnia_store::registry::{NewEmployer, NewUnit};
use omnia_store::testing::{self, fresh_db};
use omnia_store::users::NewUser;
use omnia_store::{Backend, Role};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A migration added to one backend only must fail CI: after migrating both, the tables and
/// columns must be the same. Needs PostgreSQL, so it only runs when the URL is given.
#[tokio::test]
async fn schemas_of_both_backends_have_the_same_tables_and_columns() {
    let Ok(url) = std::env::var(testing::ENV_URL) else {
        eprintln!("skipped: {} not set", testing::ENV_URL);
        return;
    };
    let pg = testing::fresh_pg(&url).await.unwrap();
    let lite = testing::fresh_sqlite().await.unwrap();
    assert_eq!(pg.backend(), Backend::Postgres);
    assert_eq!(lite.backend(), Backend::Sqlite);
    let pg_cols = pg.schema_columns().await.unwrap();
    let lite_cols = lite.schema_columns().await.unwrap();
    assert!(pg_cols.len() > 50, "{pg_cols:?}");
    let only_pg: Vec<_> = pg_cols.iter().filter(|c| !lite_cols.contains(c)).collect();
    let only_lite: Vec<_> = lite_cols.iter().filter(|c| !pg_cols.contains(c)).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "only on PostgreSQL: {only_pg:?}; only on SQLite: {only_lite:?}"
    );
}

#[tokio::test]
async fn ping_and_backend_follow_the_environment() {
    let db = fresh_db().await;
    db.ping().await.unwrap();
    let expected = if std::env::var(testing::ENV_URL).is_ok() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    assert_eq!(db.backend(), expected);
}

#[tokio::test]
async fn registry_round_trips_types_on_both_backends() {
    let db = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    let office = tx.insert_office("4900", "Sede di Milano").await.unwrap();
    let employer = tx
        .insert_employer(&NewEmployer {
            cf: "01234567890".into(),
            name: "Prova S.r.l.".into(),
            csc: "11101".into(),
            ateco: "25.62.00".into(),
            authorisation_codes: vec!["0J".into(), "3N".into()],
            edile_lapideo: true,
            agricultural: false,
            fund_code: None,
            matricole: vec!["4900123456".into()],
        })
        .await
        .unwrap();
    let unit = tx
        .insert_unit(&NewUnit {
            employer_id: employer,
            name: "Stabilimento".into(),
            address: "Via Roma 1".into(),
            comune: "Milano".into(),
            province: "MI".into(),
            working_days_per_week: 5,
            office_id: office,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut r = db.read().await.unwrap();
    let e = r.employer(employer).await.unwrap().unwrap();
    assert!(e.edile_lapideo && !e.agricultural && e.fund_code.is_none());
    assert_eq!(
        r.authorisation_codes(employer).await.unwrap(),
        vec!["0J", "3N"]
    );
    assert_eq!(
        r.matricole(employer).await.unwrap()[0].matricola,
        "4900123456"
    );
    let u = r.unit(unit).await.unwrap().unwrap();
    assert_eq!((u.office_id, u.working_days_per_week), (office, 5));
}

#[tokio::test]
async fn delegations_are_valid_only_inside_their_dates() {
    let db = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    let e = tx
        .insert_employer(&NewEmployer {
            cf: "01234567890".into(),
            name: "Prova".into(),
            csc: "70101".into(),
            ateco: "47.11.00".into(),
            authorisation_codes: vec![],
            edile_lapideo: false,
            agricultural: false,
            fund_code: None,
            matricole: vec![],
        })
        .await
        .unwrap();
    let u = tx
        .insert_user(&NewUser {
            username: "c".into(),
            display_name: "C".into(),
            password_hash: "x".into(),
            role: Role::Intermediary,
            employer_id: None,
            office_id: None,
        })
        .await
        .unwrap();
    tx.insert_delegation(u, e, d("2025-01-01"), Some(d("2025-06-30")))
        .await
        .unwrap();
    assert!(!tx.delegation_valid(u, e, d("2024-12-31")).await.unwrap());
    assert!(tx.delegation_valid(u, e, d("2025-01-01")).await.unwrap());
    assert!(tx.delegation_valid(u, e, d("2025-06-30")).await.unwrap());
    assert!(!tx.delegation_valid(u, e, d("2025-07-01")).await.unwrap());
    assert_eq!(
        tx.delegating_employers(u, d("2025-03-01"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        tx.delegating_employers(u, d("2025-07-01"))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn counters_are_per_office_and_year_and_roll_back_with_the_transaction() {
    let db = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    tx.insert_office("4900", "Milano").await.unwrap();
    tx.insert_office("7000", "Roma").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.next_counter("protocol", "4900", 2026).await.unwrap(), 1);
    assert_eq!(tx.next_counter("protocol", "4900", 2026).await.unwrap(), 2);
    assert_eq!(tx.next_counter("protocol", "7000", 2026).await.unwrap(), 1);
    assert_eq!(tx.next_counter("protocol", "4900", 2027).await.unwrap(), 1);
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.next_counter("protocol", "4900", 2026).await.unwrap(), 3);
    tx.rollback().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.next_counter("protocol", "4900", 2026).await.unwrap(),
        3,
        "a rollback leaves no gap"
    );
}

fn ev(action: &str, details: serde_json::Value) -> NewAuditEvent {
    NewAuditEvent {
        actor: None,
        on_behalf_of: None,
        action: action.into(),
        target_type: "test".into(),
        target_id: "1".into(),
        details,
    }
}

#[tokio::test]
async fn audit_chain_verifies_and_detects_tampering() {
    let db = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    for i in 0..5 {
        tx.append_audit(ev(
            "test.event",
            serde_json::json!({ "i": i, "text": "àèì \"quoted\"" }),
        ))
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let report = db.read().await.unwrap().verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events, 5);

    // An event appended in a rolled-back transaction leaves no trace.
    let mut tx = db.begin().await.unwrap();
    tx.append_audit(ev("test.rolled_back", serde_json::json!({})))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert!(
        db.read()
            .await
            .unwrap()
            .verify_audit_chain()
            .await
            .unwrap()
            .is_intact()
    );

    db.execute_raw("UPDATE audit_events SET details = '{\"i\":99}' WHERE seq = 3")
        .await
        .unwrap();
    let report = db.read().await.unwrap().verify_audit_chain().await.unwrap();
    assert_eq!(report.broken_at, Some(3), "{report:?}");
}

#[tokio::test]
async fn audit_chain_detects_a_deleted_event_and_a_truncated_tail() {
    let db = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    for i in 0..4 {
        tx.append_audit(ev("test.event", serde_json::json!({ "i": i })))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    db.execute_raw("DELETE FROM audit_events WHERE seq = 4")
        .await
        .unwrap();
    let report = db.read().await.unwrap().verify_audit_chain().await.unwrap();
    assert!(
        !report.is_intact(),
        "truncating the tail is detected via the head row"
    );
    db.execute_raw("DELETE FROM audit_events WHERE seq = 2")
        .await
        .unwrap();
    let report = db.read().await.unwrap().verify_audit_chain().await.unwrap();
    assert_eq!(report.broken_at, Some(2));
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    for url in [
        "mysql://localhost/x",
        "sqlite::memory:",
        "sqlite://x.db?mode=memory",
        "",
    ] {
        assert!(
            matches!(
                omnia_store::Db::connect(url).await,
                Err(omnia_store::Error::UnsupportedUrl)
            ),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_sqlite_file_is_created_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("new.db").display());
    let db = omnia_store::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    db.ping().await.unwrap();
    // The writer and the read-only pool see the same file.
    let mut tx = db.begin().await.unwrap();
    tx.insert_office("4900", "Sede di Milano").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.read().await.unwrap().offices().await.unwrap().len(), 1);
    db.close().await;
}

#[tokio::test]
async fn every_migration_file_is_embedded() {
    // A new migration must reach the binary (see build.rs): the last one adds this index.
    let db = fresh_db().await;
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'audit_events_target'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'audit_events_target'"
        }
    };
    let mut tx = db.read().await.unwrap();
    assert_eq!(tx.count_for_tests(sql).await.unwrap(), 1);
}

/// Flows accepted before migration 0007 get a period from their records: the header was
/// not kept, and the records' months lie inside it (R-FLO-1). Refused flows stay NULL.
/// SQLite only (the statements are the same on PostgreSQL): the database is migrated up
/// to 0006, given an old accepted and an old refused flow, then migrated to the end.
#[tokio::test]
async fn migration_0007_backfills_the_period_of_accepted_flows_from_their_records() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("up-to-0006");
    std::fs::create_dir(&before).unwrap();
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0007" {
            std::fs::copy(&path, before.join(name)).unwrap();
        }
    }
    // The old rows only need their own columns: foreign keys off for this connection.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join("old.db"))
                .create_if_missing(true)
                .foreign_keys(false),
        )
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(before.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for (id, status) in [("accepted-flow", "accepted"), ("refused-flow", "refused")] {
        sqlx::query(
            "INSERT INTO flows (id, sender, uploaded_by, received_at, status, format, bytes) \
             VALUES ($1, 'MCCPDN80A01F205X', 1, '2025-05-02T10:00:00Z', $2, 'xml', 100)",
        )
        .bind(id)
        .bind(status)
        .execute(&pool)
        .await
        .unwrap();
    }
    for (line, month) in [(10, "2025-04"), (20, "2025-03"), (30, "2025-04")] {
        sqlx::query(
            "INSERT INTO flow_records (flow_id, line, employer_id, matricola, worker_cf, month, \
             qualifiche, unit_code, application_id, authorisation_number, benefit, iban, \
             hours_centi, paid_hours_centi, hourly_wage, gross_cents, net_cents, \
             addizionale_cents, capped, kind, state, state_changed_at) VALUES ('accepted-flow', \
             $1, 1, '4900000000', 'RSSMRA80A01H501U', $2, '1FI', 'UP1', 'app', \
             'AUT.4900.2025.0000001', 'cigo', 'IT60X0542811101000000123456', 800, 800, '9.00', \
             5760, 5424, 648, 0, 'new', 'accepted', '2025-05-02T10:00:00Z')",
        )
        .bind(line)
        .bind(month)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::migrate!("migrations/sqlite")
        .run(&pool)
        .await
        .unwrap();
    let periods: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, period_from, period_to FROM flows ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        periods,
        vec![
            (
                "accepted-flow".to_owned(),
                Some("2025-03".to_owned()),
                Some("2025-04".to_owned())
            ),
            ("refused-flow".to_owned(), None, None),
        ]
    );
}
