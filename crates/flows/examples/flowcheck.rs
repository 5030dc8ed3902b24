//! Profiling helper: `cargo run --release -p omnia-flows --example flowcheck -- FLOW.xml [AUTH.json]`
//! prints the load and check times and the summary (the CLI is `omnia flow check`).
//! Default: as `omnia flow check` (two parts at once when the file is large,
//! `omnia_flows::split`); `THREADED=1`: one pass, reader on its own thread;
//! `SINGLE=1`: one pass on one thread; `PARSE_ONLY=1`: the reader alone.

use std::io::BufReader;
use std::time::Instant;

use omnia_flows::check::{CheckOptions, Hooks, check_flow};
use omnia_flows::model::Item;
use omnia_flows::pipeline::Threaded;
use omnia_flows::split::check_xml_file;
use omnia_flows::{Authorisations, FlowReader, XmlReader};

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
    let mut reader = XmlReader::new(BufReader::with_capacity(1 << 18, f));
    if std::env::var_os("PARSE_ONLY").is_some() {
        let mut issues = Vec::new();
        let mut n = 0u64;
        while let Ok(item) = reader.next_item(&mut issues) {
            n += 1;
            if item == Item::End {
                break;
            }
        }
        eprintln!("parse only: {n} items in {:?}", t.elapsed());
        return;
    }
    let r = if std::env::var_os("SINGLE").is_some() {
        check_flow(&mut reader, &auths, &opts, Hooks::default())
    } else if std::env::var_os("THREADED").is_some() {
        let mut threaded = Threaded::spawn(reader).expect("thread");
        check_flow(&mut threaded, &auths, &opts, Hooks::default())
    } else {
        let (r, passes) =
            check_xml_file(args[1].as_ref(), &auths, &opts, Hooks::default()).expect("flow");
        eprintln!("{passes:?}");
        r
    };
    eprintln!("check: {:?}", t.elapsed());
    eprintln!("{}", serde_json::to_string(&r.summary).expect("json"));
    eprintln!("{:?}", r.counts);
}
