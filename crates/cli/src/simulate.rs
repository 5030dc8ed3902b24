//! `omnia simulate FILE` (or `-` for standard input): the rules-engine verdict
//! of `POST /api/v1/simulations`, without a server or a database.
//!
//! Prints the verdict as pretty JSON on standard output and exits 0. On bad
//! input prints `{"pointer": …, "message": …}` on standard error and exits 1
//! (the pointer names the offending field); exits 2 if the file cannot be read.

use std::io::{Read, Write};
use std::path::Path;

use omnia_domain::reference::Reference;
use omnia_domain::simulation::{SimulationError, simulate_json};

/// Runs the simulation and returns the process exit code.
pub fn run(input: &Path) -> i32 {
    let json = match read(input) {
        Ok(json) => json,
        Err(e) => {
            let what = if input == Path::new("-") {
                "standard input".to_owned()
            } else {
                input.display().to_string()
            };
            report(&SimulationError::new(
                "",
                format!("cannot read {what}: {e}"),
            ));
            return 2;
        }
    };
    match simulate_json(&json, Reference::builtin()) {
        Ok(verdict) => {
            let text = serde_json::to_string_pretty(&verdict).unwrap_or_default();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
            0
        }
        Err(e) => {
            report(&e);
            1
        }
    }
}

fn read(input: &Path) -> std::io::Result<String> {
    if input == Path::new("-") {
        let mut json = String::new();
        std::io::stdin().read_to_string(&mut json)?;
        Ok(json)
    } else {
        std::fs::read_to_string(input)
    }
}

fn report(e: &SimulationError) {
    let text = serde_json::to_string(e).unwrap_or_default();
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
