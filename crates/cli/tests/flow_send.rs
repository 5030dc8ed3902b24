//! `omnia flow send` (issue 5, item 6) against a spawned server with the demo data: each
//! outcome has its own documented exit code, and the summary is `flow check`'s.

#[path = "../../web/tests/common/mod.rs"]
mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{TimeDelta, Utc};
use common::{PASSWORD, TestApp, spawn_app, spawn_app_with};
use support::{authorised_application, generate, plan, text};

/// The exit codes of `omnia flow send`, as `omnia flow send --help` and docs/flows/README.md say.
const ACCEPTED: i32 = 0;
const REFUSED: i32 = 1;
const USAGE: i32 = 2;
const NEEDS_CONFIRMATION: i32 = 3;
const TOO_LARGE: i32 = 4;
const AUTH: i32 = 5;
const NETWORK: i32 = 6;
const IN_PROGRESS: i32 = 7;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/flows/examples")
        .join(name)
}

/// Runs `omnia flow send` with exactly these arguments and environment.
async fn send(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    let mut all = vec!["flow".to_owned(), "send".to_owned()];
    all.extend(args);
    support::omnia(all, env).await
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit code, not a signal")
}

fn args(file: &Path, app: &TestApp, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        file.display().to_string(),
        "--server".to_owned(),
        app.base.clone(),
    ];
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    a
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_exits_with_the_authentication_code() {
    let app = spawn_app().await;
    let o = send(
        args(
            &example("flusso-esempio.xml"),
            &app,
            &["--user", "datore.meccanica"],
        ),
        vec![("OMNIA_PASSWORD", "sbagliata".to_owned())],
    )
    .await;
    assert_eq!(code(&o), AUTH, "stderr: {}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("login refused"),
        "{}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_does_not_answer_exits_with_the_network_code() {
    // A port that was free a moment ago and has nobody listening now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = send(
        vec![
            example("flusso-esempio.xml").display().to_string(),
            "--server".into(),
            format!("http://127.0.0.1:{port}"),
        ],
        vec![("OMNIA_TOKEN", "qualsiasi".to_owned())],
    )
    .await;
    assert_eq!(code(&o), NETWORK, "stderr: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("cannot reach") || text(&o.stderr).contains("upload failed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_a_missing_file_and_an_empty_note_are_usage_errors() {
    let app = spawn_app().await;
    let o = send(args(&example("flusso-esempio.xml"), &app, &[]), vec![]).await;
    assert_eq!(code(&o), USAGE);
    assert!(
        text(&o.stderr).contains("missing credentials"),
        "{}",
        text(&o.stderr)
    );

    let o = send(
        args(&example("non-esiste.xml"), &app, &[]),
        vec![("OMNIA_TOKEN", "x".to_owned())],
    )
    .await;
    assert_eq!(code(&o), USAGE);
    assert!(
        text(&o.stderr).contains("cannot open"),
        "{}",
        text(&o.stderr)
    );

    let o = send(
        args(&example("flusso-esempio.xml"), &app, &["--confirm", "  "]),
        vec![("OMNIA_TOKEN", "x".to_owned())],
    )
    .await;
    assert_eq!(code(&o), USAGE);
    assert!(text(&o.stderr).contains("--confirm needs a note"));

    let o = send(
        vec![
            example("flusso-esempio.xml").display().to_string(),
            "--server".into(),
            "omnia.example.it".into(),
        ],
        vec![("OMNIA_TOKEN", "x".to_owned())],
    )
    .await;
    assert_eq!(code(&o), USAGE);
}

/// Logged in as `datore.meccanica` through OMNIA_USER and OMNIA_PASSWORD.
fn employer_login() -> Vec<(&'static str, String)> {
    vec![
        ("OMNIA_USER", "datore.meccanica".to_owned()),
        ("OMNIA_PASSWORD", PASSWORD.to_owned()),
    ]
}

async fn flow_records(app: &TestApp) -> usize {
    let token = app.login("datore.meccanica").await;
    let (status, list) = app.get(&token, "/api/v1/flows").await;
    assert_eq!(status, 200);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["records"].as_u64().unwrap() as usize)
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_flow_exits_1_with_its_findings_and_a_clean_one_exits_0() {
    let app = spawn_app().await;
    let a = authorised_application(&app.services).await;
    let dir = tempfile::tempdir().unwrap();
    // R-FLO-1 CP04: a worker who is not a beneficiary of the authorisation.
    let mut bad = plan(&a, "16", "9.00");
    bad["employers"][0]["workers"][2]["cf"] = "RSSMRA80A01H501U".into();
    let file = generate(dir.path(), "respinto.xml", &bad).await;
    let o = send(args(&file, &app, &[]), employer_login()).await;
    assert_eq!(code(&o), REFUSED, "stderr: {}", text(&o.stderr));
    assert!(text(&o.stdout).contains("CP04"), "{}", text(&o.stdout));
    assert_eq!(flow_records(&app).await, 0, "nothing stored");

    let file = generate(dir.path(), "buono.xml", &plan(&a, "16", "9.00")).await;
    let o = send(args(&file, &app, &[]), employer_login()).await;
    assert_eq!(code(&o), ACCEPTED, "stderr: {}", text(&o.stderr));
    assert_eq!(flow_records(&app).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn forceable_findings_exit_3_until_sent_again_with_a_confirmation_note() {
    let app = spawn_app().await;
    let a = authorised_application(&app.services).await;
    let dir = tempfile::tempdir().unwrap();
    // R-FLO-1 CG05 (forceable): an hourly wage under 5 €.
    let file = generate(dir.path(), "anomalo.xml", &plan(&a, "16", "4.00")).await;
    let o = send(args(&file, &app, &[]), employer_login()).await;
    assert_eq!(code(&o), NEEDS_CONFIRMATION, "stderr: {}", text(&o.stderr));
    assert!(text(&o.stdout).contains("CG05"), "{}", text(&o.stdout));
    assert_eq!(flow_records(&app).await, 0);

    let o = send(
        args(
            &file,
            &app,
            &["--confirm", "apprendisti, retribuzione corretta"],
        ),
        employer_login(),
    )
    .await;
    assert_eq!(code(&o), ACCEPTED, "stderr: {}", text(&o.stderr));
    assert_eq!(flow_records(&app).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_over_the_servers_limit_exits_4_and_stores_nothing() {
    let app = spawn_app_with(omnia_web::WebConfig {
        flow_max_bytes: 1000,
        ..omnia_web::WebConfig::default()
    })
    .await;
    let o = send(
        args(&example("flusso-esempio.xml"), &app, &[]),
        employer_login(),
    )
    .await;
    assert_eq!(code(&o), TOO_LARGE, "stderr: {}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("size limit"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(flow_records(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_of_the_same_sender_in_progress_exits_7() {
    let app = spawn_app().await;
    let a = authorised_application(&app.services).await;
    // The sender's lock row, as an upload being processed holds it.
    let p = app
        .services
        .principal_by_username("datore.meccanica")
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.services.db().begin().await.unwrap();
    tx.insert_processing_flow(
        "00000000-0000-7000-8000-000000000001",
        &a.employer.cf,
        p.user_id,
        Utc::now(),
        "xml",
        10,
        Utc::now() - TimeDelta::hours(2),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = generate(dir.path(), "flusso.xml", &plan(&a, "16", "9.00")).await;
    let o = send(args(&file, &app, &[]), employer_login()).await;
    assert_eq!(code(&o), IN_PROGRESS, "stderr: {}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("in progress"),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_exits_with_the_authentication_code() {
    let app = spawn_app().await;
    let token = app.login("datore.meccanica").await;
    let r = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let o = send(
        args(&example("flusso-esempio.xml"), &app, &[]),
        vec![("OMNIA_TOKEN", token)],
    )
    .await;
    assert_eq!(code(&o), AUTH, "stderr: {}", text(&o.stderr));
    assert!(o.stdout.is_empty());
}
