//! `POST /api/v1/simulations`: the worked examples through the API, bad input
//! as 422 naming the field, and mutated bodies that never cause a 500.

mod common;

use std::path::{Path, PathBuf};

use common::{TestApp, spawn_app};
use omnia_domain::simulation::{SimulationInput, SimulationOutput};
use serde_json::{Value, json};
use utoipa::{PartialSchema, ToSchema};

const PATH: &str = "/api/v1/simulations";

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules/examples")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read example")).expect("json")
}

/// Every `NAME.input.json` with its parsed expected answer.
fn examples() -> Vec<(String, Value, Value)> {
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".input.json"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let dir = examples_dir();
            let input = read_json(&dir.join(format!("{n}.input.json")));
            let expected = read_json(&dir.join(format!("{n}.expected.json")));
            (n, input, expected)
        })
        .collect()
}

/// Posts a raw body without any authentication.
async fn post_raw(app: &TestApp, body: String) -> (u16, String, Value) {
    let r = app
        .client
        .post(app.url(PATH))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn worked_examples_through_the_api_match_their_expected_verdicts() {
    let app = spawn_app().await;
    let mut verdicts = 0;
    for (name, input, expected) in examples() {
        let (status, _, body) = post_raw(&app, input.to_string()).await;
        if expected.get("pointer").is_some() {
            // A bad-input example: 422 naming the same field.
            assert_eq!(status, 422, "{name}: {body}");
            assert_eq!(body["type"], "/problems/validation", "{name}");
            assert_eq!(body["errors"][0]["pointer"], expected["pointer"], "{name}");
        } else {
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(
                body, expected,
                "{name}: the API verdict differs from the expected file"
            );
            verdicts += 1;
        }
    }
    assert!(
        verdicts >= 10,
        "at least 10 worked verdicts, got {verdicts}"
    );
}

#[tokio::test]
async fn bad_input_is_a_422_problem_naming_the_field() {
    let app = spawn_app().await;
    let (_, base, _) = examples()
        .into_iter()
        .find(|(n, _, _)| n == "cigo-one-third-partial")
        .expect("example");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/request/workers/0/hours",
            json!("-8"),
            "/request/workers/0/hours",
        ),
        (
            "/request/period/end",
            json!("2025-02-30"),
            "/request/period/end",
        ),
        ("/request/causale", json!("XYZ"), "/request/causale"),
        (
            "/request/workers/1/codice_fiscale",
            json!("RSSMRA80A01F205A"),
            "/request/workers/1/codice_fiscale",
        ),
        (
            "/unit/working_days_per_week",
            json!(7),
            "/unit/working_days_per_week",
        ),
        ("/request/benefit", json!("cigx"), "/request/benefit"),
        ("/request/unknown_field", json!(1), "/request"),
    ];
    for (at, value, pointer) in cases {
        let mut body = base.clone();
        let (parent, key) = at.rsplit_once('/').unwrap();
        body.pointer_mut(parent).unwrap()[key] = value.clone();
        let (status, ct, problem) = post_raw(&app, body.to_string()).await;
        assert_eq!(status, 422, "{at} = {value}: {problem}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(problem["type"], "/problems/validation");
        assert_eq!(problem["status"], 422);
        let got = problem["errors"][0]["pointer"].as_str().unwrap_or_default();
        assert!(
            got.starts_with(pointer),
            "{at} = {value}: pointer {got} should name {pointer} ({problem})"
        );
        assert!(
            problem["errors"][0]["detail"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
}

#[tokio::test]
async fn syntax_errors_are_400_and_other_media_types_415() {
    let app = spawn_app().await;
    for body in ["{", "{\"employer\": }", "", "nul"] {
        let (status, ct, problem) = post_raw(&app, body.to_owned()).await;
        assert_eq!(status, 400, "{body:?}: {problem}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(problem["type"], "/problems/malformed-body");
    }
    let r = app
        .client
        .post(app.url(PATH))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}

#[tokio::test]
async fn the_operation_is_documented_without_security() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Paths may be published relative to the versioned server URL.
    let paths = &doc["paths"];
    let op = if paths["/simulations"].is_object() {
        &paths["/simulations"]["post"]
    } else {
        &paths[PATH]["post"]
    };
    assert_eq!(op["operationId"], "createSimulation");
    assert!(op["security"].as_array().is_none_or(|s| s.is_empty()));
    assert!(op["responses"]["422"].is_object(), "{op}");
    let schemas = &doc["components"]["schemas"];
    for name in [
        "SimulationInput",
        "SimulationOutput",
        "Decimal",
        "LimitStatus",
        "RuleFinding",
    ] {
        assert!(
            schemas[name].is_object(),
            "schema {name} is in the document"
        );
    }
    // Components are keyed by name: another crate's type with the same name
    // would silently replace one of ours. Every schema the simulation types
    // generate must be in the document exactly as generated.
    let mut generated = vec![
        ("SimulationInput".to_owned(), SimulationInput::schema()),
        ("SimulationOutput".to_owned(), SimulationOutput::schema()),
    ];
    SimulationInput::schemas(&mut generated);
    SimulationOutput::schemas(&mut generated);
    for (name, schema) in generated {
        let expected = serde_json::to_value(schema).unwrap();
        assert_eq!(
            schemas[&name], expected,
            "component {name} of the simulation is replaced by a homonym"
        );
    }
    // The national guidelines: every integer and number carries a format.
    let mut missing = Vec::new();
    fn walk(v: &Value, at: String, missing: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let ty = map.get("type");
                let numeric = |t: &Value| t == "integer" || t == "number";
                let is_numeric = ty.is_some_and(|t| {
                    numeric(t) || t.as_array().is_some_and(|a| a.iter().any(numeric))
                });
                if is_numeric && map.get("format").is_none_or(|f| !f.is_string()) {
                    missing.push(at.clone());
                }
                for (k, child) in map {
                    walk(child, format!("{at}/{k}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    walk(&doc, String::new(), &mut missing);
    assert!(missing.is_empty(), "numbers without a format: {missing:?}");
}

/// Small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn junk(rng: &mut Rng) -> Value {
    let choices = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(7),
        json!(1e308),
        json!(-9_223_372_036_854_775_808i64),
        json!(18_446_744_073_709_551_615u64),
        json!("0.000000000000000000000000001"),
        json!("79228162514264337593543950335"),
        json!("-79228162514264337593543950335"),
        json!("2024-02-29"),
        json!("2023-02-29"),
        json!("9999-12-31"),
        json!("0000-01-01"),
        json!("2025-13-01"),
        json!(""),
        json!("é∆\u{0000}"),
        json!("MET"),
        json!("cisoa"),
        json!("RSSMRA80A01F205X"),
        json!([]),
        json!({}),
        json!([1, "a", null]),
        json!({"start": "2025-01-01", "end": "2035-12-31"}),
        json!({"start": "1990-01-01", "end": "2100-12-31"}),
    ];
    choices[rng.below(choices.len())].clone()
}

/// All JSON pointers of a value.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                pointers(child, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Replaces, removes or duplicates a few members of the body.
fn mutate(base: &Value, rng: &mut Rng) -> Value {
    let mut v = base.clone();
    for _ in 0..1 + rng.below(3) {
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        let at = all[rng.below(all.len())].clone();
        let replacement = match rng.below(4) {
            0 => None,
            1 => {
                let other = all[rng.below(all.len())].clone();
                v.pointer(&other).cloned()
            }
            _ => Some(junk(rng)),
        };
        if at.is_empty() {
            if let Some(r) = replacement {
                v = r;
            }
            continue;
        }
        let (parent, key) = at.rsplit_once('/').unwrap();
        match (v.pointer_mut(parent), replacement) {
            (Some(Value::Object(map)), None) => {
                map.remove(key);
            }
            (Some(Value::Array(items)), None) => {
                if let Ok(i) = key.parse::<usize>() {
                    items.remove(i);
                }
            }
            (Some(Value::Array(items)), Some(r)) if rng.below(3) == 0 => items.push(r),
            (Some(_), Some(r)) => {
                if let Some(slot) = v.pointer_mut(&at) {
                    *slot = r;
                }
            }
            _ => {}
        }
    }
    v
}

#[tokio::test]
async fn mutated_and_random_bodies_never_give_a_server_error() {
    let app = spawn_app().await;
    let bases: Vec<Value> = examples().into_iter().map(|(_, input, _)| input).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..600 {
        let body = if i % 10 == 9 {
            // Random bytes, often not even JSON.
            const ALPHABET: &[u8] = b"{}[]\",:0123456789.-eE truefalsnul\\";
            let len = rng.below(40);
            (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())] as char)
                .collect::<String>()
        } else {
            let base = &bases[rng.below(bases.len())];
            mutate(base, &mut rng).to_string()
        };
        let (status, ct, problem) = post_raw(&app, body.clone()).await;
        *seen.entry(status).or_default() += 1;
        assert!(
            matches!(status, 200 | 400 | 422),
            "status {status} for {body}: {problem}"
        );
        if status != 200 {
            assert_eq!(ct, "application/problem+json", "{body}");
        }
        if status == 422 {
            assert!(
                problem["errors"][0]["pointer"].is_string(),
                "{body}: {problem}"
            );
        }
    }
    assert!(
        seen.get(&422).copied().unwrap_or(0) > 50,
        "mutations reach validation: {seen:?}"
    );
}
