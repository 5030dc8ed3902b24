//! Fuzz target: the CSV reader and the checker must never panic, whatever the bytes.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::check_all(omnia_flows::csv::CsvReader::new(std::io::Cursor::new(data)));
});
