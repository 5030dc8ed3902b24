//! Profiling helper: `cargo run --release -p omnia-flows --example flowcheck -- FLOW.xml [AUTH.json]`
//! prints the load and check times and the summary (the CLI is `omnia flow check`).

use std::io::BufReader;
use std::time::Instant;

use omnia_flows::check::{CheckOptions, Hooks, check_flow};
use omnia_flows::{Authorisations, XmlReader};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = Instant::now();
    let auths = match args.get(2) {
        Some(p) => Authorisations::from_json_file(p.as_ref()).expect("authorisations"),
        None => Authorisations::new(),
    };
    eprintln!("authorisations: {:?}", t.elapsed());
    let t = Instant::now();
    let f = std::fs::File::open(&args[1]).expect("flow");
    let opts = CheckOptions::new(chrono::NaiveDate::from_ymd_opt(2025, 4, 20).expect("date"));
    let r = check_flow(
        &mut XmlReader::new(BufReader::with_capacity(1 << 18, f)),
        &auths,
        &opts,
        Hooks::default(),
    );
    eprintln!("check: {:?}", t.elapsed());
    eprintln!("{}", serde_json::to_string(&r.summary).expect("json"));
    eprintln!("{:?}", r.counts);
}
