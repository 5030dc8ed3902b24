//! Runs a simulation file through `simulate` and prints the JSON verdict:
//! `cargo run -p omnia-domain --example simulate -- FILE` (or `-` for stdin).

use std::io::Read;

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let mut json = String::new();
    let read = if arg == "-" {
        std::io::stdin().read_to_string(&mut json).map(|_| ())
    } else {
        std::fs::read_to_string(&arg).map(|s| json = s)
    };
    if let Err(e) = read {
        eprintln!("cannot read {arg}: {e}");
        std::process::exit(2);
    }
    let r = omnia_domain::reference::Reference::builtin();
    match omnia_domain::simulation::simulate_json(&json, r) {
        Ok(out) => println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default()),
        Err(e) => {
            println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default());
            std::process::exit(1);
        }
    }
}
