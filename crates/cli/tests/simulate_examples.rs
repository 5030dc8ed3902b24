//! Every worked example of `docs/rules/examples/` through the built `omnia
//! simulate`: the verdict on stdout (exit 0) or, for bad input, the
//! `{pointer, message}` error on stderr (exit 1), compared as JSON values with
//! `NAME.expected.json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn omnia() -> Command {
    Command::new(env!("CARGO_BIN_EXE_omnia"))
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules/examples")
}

fn parse(bytes: &[u8], what: &str) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "{what} is not JSON ({e}): {}",
            String::from_utf8_lossy(bytes)
        )
    })
}

fn simulate_stdin(input: &str) -> Output {
    let mut child = omnia()
        .args(["simulate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("omnia starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("omnia runs")
}

#[test]
fn every_worked_example_gives_its_expected_json() {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".input.json"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "at least 10 worked examples");
    let mut failures = Vec::new();
    for input in &inputs {
        let name = input.to_string_lossy().replace(".input.json", "");
        let expected = parse(
            &std::fs::read(format!("{name}.expected.json")).expect("expected file"),
            "expected file",
        );
        let out = omnia()
            .arg("simulate")
            .arg(input)
            .output()
            .expect("omnia runs");
        let is_error = expected.get("pointer").is_some();
        let (code, stream) = if is_error {
            (1, &out.stderr)
        } else {
            (0, &out.stdout)
        };
        if out.status.code() != Some(code) {
            failures.push(format!(
                "{name}: exit {:?}, expected {code}; stderr: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let actual = parse(stream, "omnia simulate output");
        if actual != expected {
            failures.push(format!(
                "{name}: differs from the expected file:\n{actual:#}"
            ));
        }
        if is_error {
            assert!(
                out.stdout.is_empty(),
                "{name}: nothing on stdout for bad input"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn standard_input_gives_the_same_verdict_as_the_file() {
    let path = examples_dir().join("cigo-late-filing.input.json");
    let text = std::fs::read_to_string(&path).expect("example");
    let from_file = omnia().arg("simulate").arg(&path).output().expect("runs");
    let from_stdin = simulate_stdin(&text);
    assert_eq!(from_stdin.status.code(), Some(0));
    assert_eq!(
        parse(&from_stdin.stdout, "stdin verdict"),
        parse(&from_file.stdout, "file verdict")
    );
}

#[test]
fn bad_input_names_the_field_on_stderr_and_exits_non_zero() {
    let path = examples_dir().join("cigo-late-filing.input.json");
    let mut input: Value = parse(&std::fs::read(path).expect("example"), "example");
    input["request"]["workers"][0]["hours"] = Value::from("-8");
    let out = simulate_stdin(&input.to_string());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let error = parse(&out.stderr, "stderr");
    assert_eq!(error["pointer"], "/request/workers/0/hours");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));

    let out = simulate_stdin("{ not json");
    assert_eq!(out.status.code(), Some(1));
    assert!(parse(&out.stderr, "stderr")["message"].is_string());

    let out = omnia()
        .args(["simulate", "/nonexistent/omnia-simulation.json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let error = parse(&out.stderr, "stderr");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot read")
    );
}
