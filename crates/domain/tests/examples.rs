//! Runs every worked example of `docs/rules/examples/` through `simulate` and
//! compares the verdict (or the input error) with `NAME.expected.json`.
//!
//! To regenerate the expected files after a reviewed change of the rules:
//! `UPDATE_EXAMPLES=1 cargo test -p omnia-domain --test examples`.

use std::path::Path;

use omnia_domain::reference::Reference;
use omnia_domain::simulation::simulate_json;
use serde_json::Value;

#[test]
fn worked_examples() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules/examples");
    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".input.json"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "at least 10 worked examples");
    let mut failures = Vec::new();
    for input in inputs {
        let name = input.to_string_lossy().replace(".input.json", "");
        let expected_path = format!("{name}.expected.json");
        let json = std::fs::read_to_string(&input).expect("read input");
        let actual = match simulate_json(&json, Reference::builtin()) {
            Ok(out) => serde_json::to_value(out).expect("serialize"),
            Err(e) => serde_json::to_value(e).expect("serialize"),
        };
        if update {
            let text = serde_json::to_string_pretty(&actual).expect("pretty") + "\n";
            std::fs::write(&expected_path, text).expect("write expected");
            continue;
        }
        let expected: Value = std::fs::read_to_string(&expected_path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        if expected != actual {
            failures.push(format!(
                "{name}: differs from {expected_path}\n{}",
                serde_json::to_string_pretty(&actual).unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
