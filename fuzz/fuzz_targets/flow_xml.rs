//! Fuzz target: the xml reader and the checker must never panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnia_flows::check::{CheckOptions, Hooks, check_flow};

fuzz_target!(|data: &[u8]| {
    let auths = omnia_flows::Authorisations::new();
    let opts = CheckOptions::new(chrono::NaiveDate::from_ymd_opt(2025, 4, 20).expect("date"));
    let mut reader = omnia_flows::XmlReader::new(std::io::Cursor::new(data));
    let report = check_flow(&mut reader, &auths, &opts, Hooks::default());
    // Whatever happened, the report is serialisable.
    let _ = report.decide();
});
