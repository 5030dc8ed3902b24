//! The check in a child process: this test binary re-runs itself as the child.

mod common;

use std::process::Command;
use std::time::Duration;

use omnia_documents::pdf_isolated::{child_main, inspect_in_child};
use omnia_documents::receipt;

const MAX: usize = 10 * 1024 * 1024;
const CHILD_ENV: &str = "OMNIA_DOCUMENTS_TEST_CHILD";

/// Not a real test: the body of the child when the binary is re-run with CHILD_ENV set.
#[test]
fn child_entry() {
    match std::env::var(CHILD_ENV).as_deref() {
        Ok("inspect") => std::process::exit(child_main(MAX)),
        Ok("hang") => std::thread::sleep(Duration::from_secs(60)),
        Ok("crash") => std::process::abort(),
        _ => {}
    }
}

fn child(mode: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode);
    c
}

#[test]
fn a_child_process_accepts_a_good_pdf_and_refuses_a_bad_one() {
    let pdf = receipt::render(&common::receipt_with_workers(80));
    let info = inspect_in_child(child("inspect"), &pdf, MAX, Duration::from_secs(30)).unwrap();
    assert!(info.pages >= 2);
    assert_eq!(info.size, pdf.len());

    let js = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (1) >> >> endobj\n\
               2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
               3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >> endobj\n\
               trailer << /Root 1 0 R >>\n%%EOF\n";
    let e = inspect_in_child(child("inspect"), js, MAX, Duration::from_secs(30)).unwrap_err();
    assert_eq!(e.code(), "pdf.active_content");

    let e = inspect_in_child(
        child("inspect"),
        &pdf[..pdf.len() / 2],
        MAX,
        Duration::from_secs(30),
    )
    .unwrap_err();
    assert_eq!(e.code(), "pdf.truncated");
}

#[test]
fn a_child_that_hangs_or_aborts_means_corrupt() {
    let pdf = receipt::render(&common::receipt_with_accents());
    let e = inspect_in_child(child("hang"), &pdf, MAX, Duration::from_millis(500)).unwrap_err();
    assert_eq!(e.code(), "pdf.corrupt");
    assert!(format!("{e:?}").contains("timed out"), "{e:?}");
    let e = inspect_in_child(child("crash"), &pdf, MAX, Duration::from_secs(30)).unwrap_err();
    assert_eq!(e.code(), "pdf.corrupt");
    let e = inspect_in_child(
        Command::new("/nonexistent/inspector"),
        &pdf,
        MAX,
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert_eq!(e.code(), "pdf.corrupt");
}
