//! `omnia flow send` (issue 5, item 6) against a spawned server with the demo data: each
//! outcome has its own documented exit code, and the summary is `flow check`'s.

#[path = "../../web/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{PASSWORD, TestApp, spawn_app};

/// The exit codes of `omnia flow send`, as `omnia flow send --help` and docs/flows/README.md say.
const ACCEPTED: i32 = 0;
const REFUSED: i32 = 1;
const USAGE: i32 = 2;
const NEEDS_CONFIRMATION: i32 = 3;
const TOO_LARGE: i32 = 4;
const AUTH: i32 = 5;
const NETWORK: i32 = 6;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/flows/examples")
        .join(name)
}

/// Runs `omnia flow send` with exactly these arguments and environment (none inherited
/// from the OMNIA_* variables of the caller).
async fn send(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_omnia"));
        c.args(["flow", "send"]).args(&args);
        for v in [
            "OMNIA_SERVER",
            "OMNIA_TOKEN",
            "OMNIA_USER",
            "OMNIA_PASSWORD",
        ] {
            c.env_remove(v);
        }
        c.envs(env);
        c.output().expect("omnia runs")
    })
    .await
    .expect("the command finishes")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit code, not a signal")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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

// Used by the tests of the upload itself.
#[allow(dead_code)]
const _CODES: [i32; 4] = [ACCEPTED, REFUSED, NEEDS_CONFIRMATION, TOO_LARGE];
#[allow(dead_code)]
const _PASSWORD: &str = PASSWORD;
