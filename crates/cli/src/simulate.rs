//! `omnia simulate FILE` (or `-` for standard input): the rules-engine verdict
//! of `POST /api/v1/simulations`, without a server or a database.
//!
//! Prints the verdict as pretty JSON on standard output and exits 0. On bad
//! input prints `{"pointer": …, "message": …}` on standard error and exits 1
//! (the pointer names the offending field); exits 2 if the file cannot be read
//! or the database of `--database-url` cannot be used.
//!
//! The reference data is the version in force on `request.submission_date`:
//! among the built-in one and, with `--database-url`, the versions published
//! there (as the server does).

use std::io::{Read, Write};
use std::path::Path;

use omnia_domain::reference::ReferenceVersions;
use omnia_domain::simulation::{SimulationError, parse_input, simulate};

/// Runs the simulation and returns the process exit code.
pub async fn run(input: &Path, database_url: Option<&str>) -> i32 {
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
    let versions = match database_url {
        None => std::sync::Arc::new(ReferenceVersions::with_builtin()),
        Some(url) => match published_versions(url).await {
            Ok(v) => v,
            Err(e) => {
                report(&SimulationError::new(
                    "",
                    format!("cannot read the reference data versions: {e}"),
                ));
                return 2;
            }
        },
    };
    let verdict = parse_input(&json).and_then(|input| {
        let date = input.request.submission_date;
        let reference = versions
            .in_force(date)
            .ok_or_else(|| SimulationError::new("", "no reference data"))?;
        simulate(&input, reference)
    });
    match verdict {
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

/// The built-in version plus those published in the database (not migrated: a
/// read-only command; run `omnia migrate` first).
async fn published_versions(url: &str) -> anyhow::Result<std::sync::Arc<ReferenceVersions>> {
    let db = omnia_store::Db::connect(url).await?;
    let services = omnia_services::Services::new(db.clone());
    services.load_reference_versions().await?;
    let versions = services.reference_versions();
    db.close().await;
    Ok(versions)
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
