//! `omnia flow send FILE --server URL`: uploads a flow to `POST /api/v1/flows` (issue 5,
//! item 6) and prints the server's report like `omnia flow check` prints its own.
//!
//! The file is streamed (never read whole into memory) with its length declared, so the
//! server can refuse an oversized flow at once. Authentication is the API's: a bearer token
//! (`--token` / `OMNIA_TOKEN`), or a user and password (`--user` / `OMNIA_USER`,
//! `OMNIA_PASSWORD`) exchanged for a session token that is closed again at the end.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use clap::Args;
use omnia_flows::generate::Format;
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, ReadBuf};

use crate::flow::{FormatArg, format_of, print_summary};

/// Exit codes of `omnia flow send` (documented in `docs/flows/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum SendExit {
    /// The flow was accepted (with or without a confirmation).
    Accepted = 0,
    /// The flow was refused: blocking findings.
    Refused = 1,
    /// Bad arguments, an unreadable file, or a request the server calls malformed.
    Usage = 2,
    /// Only forceable findings: re-send with `--confirm "nota"`.
    NeedsConfirmation = 3,
    /// The file is over the server's size limit (413).
    TooLarge = 4,
    /// Wrong or missing credentials, or a user not allowed to send flows (401, 403).
    Auth = 5,
    /// The server could not be reached, broke the connection, or failed (5xx, unexpected answer).
    Network = 6,
    /// The same sender has a flow in progress (409): retry when it is done.
    InProgress = 7,
}

#[derive(Args)]
pub struct SendArgs {
    /// Flow file (`.xml` or `.csv`).
    file: PathBuf,
    /// Base URL of the omnia server, e.g. https://omnia.example.it
    #[arg(long, env = "OMNIA_SERVER")]
    server: String,
    /// Bearer token of an API session (takes precedence over --user).
    #[arg(long, env = "OMNIA_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// User name to log in with (the password comes from OMNIA_PASSWORD or --password).
    #[arg(long, env = "OMNIA_USER")]
    user: Option<String>,
    /// Password (prefer the OMNIA_PASSWORD variable: a flag is visible to other local users).
    #[arg(long, env = "OMNIA_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Print the server's full report as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// File format; default from the extension.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Confirm the forceable findings with this note (as `flow check --confirm`).
    #[arg(long)]
    confirm: Option<String>,
}

/// A failure before a report: what to say and the exit code.
struct Failure(SendExit, String);

pub async fn send(a: SendArgs) -> i32 {
    match send_inner(&a).await {
        Ok(code) => code as i32,
        Err(Failure(code, message)) => {
            eprintln!("omnia flow send: {message}");
            code as i32
        }
    }
}

enum Credentials {
    Token(String),
    Login { user: String, password: String },
}

fn credentials(a: &SendArgs) -> Result<Credentials, Failure> {
    if let Some(t) = a.token.as_deref().filter(|t| !t.trim().is_empty()) {
        return Ok(Credentials::Token(t.trim().to_owned()));
    }
    match (&a.user, &a.password) {
        (Some(u), Some(p)) if !u.trim().is_empty() && !p.is_empty() => Ok(Credentials::Login {
            user: u.trim().to_owned(),
            password: p.clone(),
        }),
        (Some(_), _) => Err(Failure(
            SendExit::Usage,
            "missing password: set OMNIA_PASSWORD (or --password)".into(),
        )),
        _ => Err(Failure(
            SendExit::Usage,
            "missing credentials: --token (OMNIA_TOKEN), or --user (OMNIA_USER) with OMNIA_PASSWORD"
                .into(),
        )),
    }
}

fn base_url(server: &str) -> Result<Url, Failure> {
    let bad = |why: String| Failure(SendExit::Usage, format!("--server {server:?}: {why}"));
    let mut url = Url::parse(server.trim()).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("expected an http:// or https:// URL".into()));
    }
    // A base with a path prefix (a reverse proxy) keeps it: `join` needs the trailing slash.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn network(what: &str, e: reqwest::Error) -> Failure {
    // The chain of causes says what happened (connection refused, reset, TLS…).
    let mut msg = format!("{what}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    Failure(SendExit::Network, msg)
}

/// The `title: detail` of an RFC 9457 problem answer, or the raw body.
fn problem_text(status: StatusCode, body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(p) if p.get("title").is_some() => {
            let title = p["title"].as_str().unwrap_or_default();
            match p["detail"].as_str() {
                Some(d) => format!("{} {title}: {d}", status.as_u16()),
                None => format!("{} {title}", status.as_u16()),
            }
        }
        _ => format!("{status}: {}", body.chars().take(300).collect::<String>()),
    }
}

async fn login(
    client: &reqwest::Client,
    base: &Url,
    user: &str,
    pw: &str,
) -> Result<String, Failure> {
    let r = client
        .post(join(base, "api/v1/sessions"))
        .json(&json!({"username": user, "password": pw}))
        .send()
        .await
        .map_err(|e| network("cannot reach the server", e))?;
    let status = r.status();
    let body = r.text().await.map_err(|e| network("login", e))?;
    match status {
        StatusCode::CREATED | StatusCode::OK => serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["token"].as_str().map(str::to_owned))
            .ok_or_else(|| Failure(SendExit::Network, "login: answer without a token".into())),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Failure(
            SendExit::Auth,
            format!("login refused: {}", problem_text(status, &body)),
        )),
        _ => Err(Failure(
            SendExit::Network,
            format!("login: {}", problem_text(status, &body)),
        )),
    }
}

fn join(base: &Url, path: &str) -> Url {
    base.join(path).expect("a relative path joins an http URL")
}

async fn send_inner(a: &SendArgs) -> Result<SendExit, Failure> {
    let base = base_url(&a.server)?;
    let creds = credentials(a)?;
    if let Some(note) = &a.confirm
        && note.trim().is_empty()
    {
        return Err(Failure(
            SendExit::Usage,
            "--confirm needs a note saying why the forceable findings are confirmed".into(),
        ));
    }
    let file = tokio::fs::File::open(&a.file).await.map_err(|e| {
        Failure(
            SendExit::Usage,
            format!("cannot open {}: {e}", a.file.display()),
        )
    })?;
    let len = file
        .metadata()
        .await
        .map_err(|e| Failure(SendExit::Usage, format!("{}: {e}", a.file.display())))?
        .len();
    let content_type = match format_of(&a.file, a.format) {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xml => "application/xml",
    };

    let client = reqwest::Client::builder()
        .user_agent(concat!("omnia-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| network("cannot start the HTTP client", e))?;
    let (token, logged_in) = match creds {
        Credentials::Token(t) => (t, false),
        Credentials::Login { user, password } => {
            (login(&client, &base, &user, &password).await?, true)
        }
    };

    let mut url = join(&base, "api/v1/flows");
    if let Some(note) = &a.confirm {
        url.query_pairs_mut()
            .append_pair("confirm", "true")
            .append_pair("note", note.trim());
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "invio {bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
        Progress {
            inner: file,
            bar: bar.clone(),
        },
        1 << 16,
    ));
    let sent = client
        .post(url)
        .bearer_auth(&token)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .header(reqwest::header::CONTENT_LENGTH, len)
        .body(body)
        .send()
        .await;
    if let Some(b) = &bar {
        // The upload is done; the server still checks the flow.
        b.finish_and_clear();
    }
    let result = match sent {
        Ok(r) => answer(a, r).await,
        Err(e) => Err(network("upload failed", e)),
    };
    if logged_in {
        // Best effort: an expired or revoked token changes nothing for the result.
        let _ = client
            .delete(join(&base, "api/v1/sessions/current"))
            .bearer_auth(&token)
            .send()
            .await;
    }
    result
}

/// Reads the server's answer: prints the report, or says why there is none.
async fn answer(a: &SendArgs, r: reqwest::Response) -> Result<SendExit, Failure> {
    let status = r.status();
    let body = r
        .text()
        .await
        .map_err(|e| network("reading the answer", e))?;
    let fail = |code: SendExit, what: &str| {
        Failure(code, format!("{what}: {}", problem_text(status, &body)))
    };
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(fail(
                SendExit::TooLarge,
                "file over the server's size limit",
            ));
        }
        StatusCode::UNAUTHORIZED => return Err(fail(SendExit::Auth, "not authenticated")),
        StatusCode::FORBIDDEN => return Err(fail(SendExit::Auth, "not allowed")),
        StatusCode::CONFLICT => {
            return Err(fail(
                SendExit::InProgress,
                "a flow of the same sender is still in progress",
            ));
        }
        StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            return Err(fail(SendExit::Usage, "request refused"));
        }
        _ => {}
    }
    let value: Option<Value> = serde_json::from_str(&body).ok();
    let report = value
        .as_ref()
        .and_then(report_of)
        .filter(|_| status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY);
    let Some(report) = report else {
        let code = if status == StatusCode::UNPROCESSABLE_ENTITY {
            SendExit::Refused
        } else {
            SendExit::Network
        };
        return Err(fail(code, "unexpected answer"));
    };
    let mut out = std::io::stdout().lock();
    let written = if a.json {
        serde_json::to_writer_pretty(&mut out, value.as_ref().unwrap_or(report))
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        let mut label = a.file.display().to_string();
        if let Some(id) = value.as_ref().and_then(flow_id) {
            label.push_str(&format!(" (flusso {id})"));
        }
        print_summary(&mut out, &label, report)
    };
    if let Err(e) = written {
        return Err(Failure(
            SendExit::Usage,
            format!("cannot write the report: {e}"),
        ));
    }
    Ok(
        match report["outcome"]["outcome"].as_str().unwrap_or_default() {
            "accepted" | "accepted_with_confirmation" if status.is_success() => SendExit::Accepted,
            "needs_confirmation" => SendExit::NeedsConfirmation,
            _ => SendExit::Refused,
        },
    )
}

/// The check report inside the answer: the answer itself, its `report` member (201), or
/// `flow.report` (the 422 problem of a refused flow or one to confirm).
fn report_of(v: &Value) -> Option<&Value> {
    [
        v.get("report"),
        v.get("flow").and_then(|f| f.get("report")),
        Some(v),
    ]
    .into_iter()
    .flatten()
    .find(|r| r.get("outcome").is_some() && r.get("summary").is_some())
}

fn flow_id(v: &Value) -> Option<String> {
    [&v["id"], &v["flow"]["id"], &v["flow_id"]]
        .into_iter()
        .find_map(|id| match id {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
}

/// The file as it is read for the upload, moving the progress bar.
struct Progress {
    inner: tokio::fs::File,
    bar: Option<indicatif::ProgressBar>,
}

impl AsyncRead for Progress {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Some(b) = &self.bar {
            b.inc((buf.filled().len() - before) as u64);
        }
        poll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_url_keeps_its_path_prefix() {
        let base = base_url("https://example.it/omnia")
            .map_err(|f| f.1)
            .unwrap();
        assert_eq!(
            join(&base, "api/v1/flows").as_str(),
            "https://example.it/omnia/api/v1/flows"
        );
        let base = base_url("http://127.0.0.1:8080").map_err(|f| f.1).unwrap();
        assert_eq!(
            join(&base, "api/v1/flows").as_str(),
            "http://127.0.0.1:8080/api/v1/flows"
        );
        assert!(base_url("ftp://example.it").is_err());
        assert!(base_url("example.it").is_err());
    }

    #[test]
    fn the_report_is_found_at_the_top_or_under_report() {
        let r = json!({"summary": {}, "outcome": {"outcome": "accepted"}});
        assert!(report_of(&r).is_some());
        let wrapped = json!({"id": 7, "report": r});
        assert_eq!(report_of(&wrapped), Some(&r));
        assert_eq!(flow_id(&wrapped).as_deref(), Some("7"));
        let refused = json!({"type": "/problems/flow-refused", "flow": {"id": "f", "report": r}});
        assert_eq!(report_of(&refused), Some(&r));
        assert_eq!(flow_id(&refused).as_deref(), Some("f"));
        assert!(report_of(&json!({"title": "Non trovato", "status": 404})).is_none());
    }
}
