//! Uploaded-PDF checks against fixtures made here: a real PDF (our receipt), truncated, encrypted
//! (by qpdf and by hand), a PNG renamed, an empty file, an oversized one, and hand-made PDFs with
//! JavaScript or launch actions.

mod common;

use std::process::Command;

use common::*;
use omnia_documents::pdf_check::{self, ActiveContent, Limits, PdfRejection};
use omnia_documents::receipt;

const MAX: usize = 10 * 1024 * 1024;

fn receipt_pdf() -> Vec<u8> {
    receipt::render(&receipt_with_accents())
}

/// A minimal PDF from object bodies (object n is `objects[n-1]`), with a correct xref table.
/// `trailer_extra` is added to the trailer dictionary.
fn hand_made(objects: &[&str], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A one-page document whose catalog carries `catalog_extra`.
fn one_page(catalog_extra: &str) -> Vec<u8> {
    let catalog = format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>");
    hand_made(
        &[
            &catalog,
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
        "",
    )
}

fn code(r: Result<pdf_check::PdfInfo, PdfRejection>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn qpdf(args: &[&str], input: &[u8]) -> Vec<u8> {
    require_tool("qpdf");
    let dir = tempfile::tempdir().unwrap();
    let (i, o) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
    std::fs::write(&i, input).unwrap();
    let status = Command::new("qpdf")
        .args(args)
        .arg(&i)
        .arg(&o)
        .status()
        .unwrap();
    // Exit code 3 means "succeeded with warnings".
    assert!(
        matches!(status.code(), Some(0) | Some(3)),
        "qpdf {args:?} failed"
    );
    std::fs::read(&o).unwrap()
}

#[test]
fn our_receipt_is_accepted_with_its_facts() {
    let pdf = receipt_pdf();
    let info = pdf_check::inspect(&pdf, MAX).unwrap();
    assert_eq!(info.pages, 1);
    assert_eq!(info.size, pdf.len());
    assert_eq!(info.version, "1.7");
    assert!(!info.repaired && !info.has_embedded_files && !info.has_actions && !info.has_form);
}

#[test]
fn a_hand_made_minimal_pdf_is_accepted() {
    let info = pdf_check::inspect(&one_page(""), MAX).unwrap();
    assert_eq!(info.pages, 1);
}

#[test]
fn a_pdf_rewritten_with_object_streams_is_accepted() {
    let pdf = qpdf(&["--object-streams=generate"], &receipt_pdf());
    assert_eq!(pdf_check::inspect(&pdf, MAX).unwrap().pages, 1);
}

#[test]
fn empty_file_is_refused() {
    let e = pdf_check::inspect(b"", MAX).unwrap_err();
    assert_eq!(e, PdfRejection::Empty);
    assert_eq!(e.code(), "pdf.empty");
    assert_eq!(e.message(), "Il file è vuoto.");
}

#[test]
fn oversized_file_is_refused_before_anything_else() {
    let pdf = receipt_pdf();
    let e = pdf_check::inspect(&pdf, pdf.len() - 1).unwrap_err();
    assert_eq!(e.code(), "pdf.too_large");
    assert!(e.message().contains("troppo grande"), "{}", e.message());
    // Exactly at the limit is fine.
    assert!(pdf_check::inspect(&pdf, pdf.len()).is_ok());
    // Oversized garbage is still "too large", not "not a PDF": the size cap comes first.
    assert_eq!(
        code(pdf_check::inspect(&vec![0u8; 2048], 1024)),
        "pdf.too_large"
    );
}

#[test]
fn png_renamed_pdf_is_refused_as_not_a_pdf() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relazione.pdf");
    std::fs::write(&path, &png).unwrap();
    let e = pdf_check::inspect(&std::fs::read(&path).unwrap(), MAX).unwrap_err();
    assert_eq!(
        e,
        PdfRejection::NotPdf {
            detected: Some("PNG")
        }
    );
    assert_eq!(e.code(), "pdf.not_pdf");
    assert!(e.message().contains("PNG"));
    assert_eq!(
        code(pdf_check::inspect(b"Gentile INPS, ...", MAX)),
        "pdf.not_pdf"
    );
}

#[test]
fn truncated_pdf_is_refused() {
    let pdf = receipt_pdf();
    let e = pdf_check::inspect(&pdf[..pdf.len() / 2], MAX).unwrap_err();
    assert_eq!(e, PdfRejection::Truncated);
    assert_eq!(e.code(), "pdf.truncated");
}

#[test]
fn garbage_between_header_and_eof_is_corrupt() {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    bytes.extend_from_slice(b"\n%%EOF\n");
    let e = pdf_check::inspect(&bytes, MAX).unwrap_err();
    assert_eq!(e.code(), "pdf.corrupt", "{e:?}");
    assert!(e.message().contains("danneggiato"));
}

#[test]
fn a_pdf_with_its_middle_cut_out_is_not_accepted_as_is() {
    let pdf = receipt::render(&receipt_with_workers(120));
    let mut cut = pdf[..pdf.len() / 3].to_vec();
    cut.extend_from_slice(&pdf[pdf.len() - 600..]);
    match pdf_check::inspect(&cut, MAX) {
        // Lenient loading may rebuild the cross-reference table from what is left: then it says so.
        Ok(info) => assert!(info.repaired, "{info:?}"),
        Err(e) => assert!(matches!(e.code(), "pdf.corrupt" | "pdf.no_pages"), "{e:?}"),
    }
}

#[test]
fn pdf_without_pages_is_refused() {
    let pdf = hand_made(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [] /Count 0 >>",
        ],
        "",
    );
    assert_eq!(code(pdf_check::inspect(&pdf, MAX)), "pdf.no_pages");
}

#[test]
fn too_many_pages_are_refused() {
    let pdf = receipt::render(&receipt_with_workers(120));
    let e = pdf_check::inspect_with(
        &pdf,
        Limits {
            max_bytes: MAX,
            max_pages: 2,
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, PdfRejection::TooManyPages { pages, max: 2 } if pages > 2),
        "{e:?}"
    );
}

#[test]
fn encrypted_by_qpdf_with_a_password_to_open_is_refused() {
    let pdf = qpdf(
        &["--encrypt", "segreta", "proprietario", "256", "--"],
        &receipt_pdf(),
    );
    let e = pdf_check::inspect(&pdf, MAX).unwrap_err();
    assert_eq!(e, PdfRejection::Encrypted);
    assert_eq!(e.code(), "pdf.encrypted");
    assert!(e.message().contains("password"));
}

#[test]
fn encrypted_by_qpdf_without_a_password_to_open_is_refused_too() {
    // AES-256, and AES-128 (qpdf refuses RC4 without --allow-weak-crypto).
    for key in [&["256"][..], &["128", "--use-aes=y"][..]] {
        let mut args = vec!["--encrypt", "", "proprietario"];
        args.extend_from_slice(key);
        args.push("--");
        let pdf = qpdf(&args, &receipt_pdf());
        assert_eq!(
            code(pdf_check::inspect(&pdf, MAX)),
            "pdf.encrypted",
            "{key:?}"
        );
    }
}

#[test]
fn hand_made_encrypted_pdf_is_refused() {
    // A standard security handler dictionary with made-up keys: it cannot be opened without them.
    let pdf = hand_made(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 \
             /O <0000000000000000000000000000000000000000000000000000000000000000> \
             /U <1111111111111111111111111111111111111111111111111111111111111111> >>",
        ],
        "/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]",
    );
    assert_eq!(code(pdf_check::inspect(&pdf, MAX)), "pdf.encrypted");
}

#[test]
fn javascript_open_action_is_refused() {
    let pdf = one_page("/OpenAction << /S /JavaScript /JS (app.alert\\('ciao'\\)) >>");
    let e = pdf_check::inspect(&pdf, MAX).unwrap_err();
    assert_eq!(
        e,
        PdfRejection::ActiveContent {
            found: vec![ActiveContent::JavaScript]
        }
    );
    assert_eq!(e.code(), "pdf.active_content");
    assert!(e.message().contains("JavaScript"));
}

#[test]
fn document_level_javascript_name_tree_is_refused() {
    let pdf = hand_made(
        &[
            "<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            "<< /Names [(init) 5 0 R] >>",
            "<< /S /JavaScript /JS (this.print\\(\\)) >>",
        ],
        "",
    );
    assert_eq!(code(pdf_check::inspect(&pdf, MAX)), "pdf.active_content");
}

#[test]
fn javascript_spelled_with_hex_escapes_is_still_found() {
    let pdf = one_page("/OpenAction << /S /J#61vaScript /J#53 (1) >>");
    assert_eq!(code(pdf_check::inspect(&pdf, MAX)), "pdf.active_content");
}

#[test]
fn launch_action_on_a_page_is_refused() {
    let pdf = hand_made(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
             /AA << /O << /S /Launch /F (cmd.exe) >> >> >>",
        ],
        "",
    );
    let e = pdf_check::inspect(&pdf, MAX).unwrap_err();
    assert_eq!(
        e,
        PdfRejection::ActiveContent {
            found: vec![ActiveContent::Launch]
        }
    );
    assert!(e.message().contains("avviano programmi"));
}

#[test]
fn javascript_hidden_in_a_compressed_object_stream_is_found() {
    // The action is object 4; qpdf then packs every object into compressed object streams.
    let with_action = hand_made(
        &[
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            "<< /S /JavaScript /JS (app.launchURL\\('x'\\)) >>",
        ],
        "",
    );
    let packed = qpdf(
        &["--object-streams=generate", "--compress-streams=y"],
        &with_action,
    );
    assert!(
        !packed
            .windows(b"/JavaScript".len())
            .any(|w| w == b"/JavaScript"),
        "the fixture should hide the action inside a compressed object stream"
    );
    assert_eq!(code(pdf_check::inspect(&packed, MAX)), "pdf.active_content");
}

#[test]
fn harmless_open_action_and_attachments_are_reported_not_refused() {
    let pdf = one_page("/OpenAction [3 0 R /Fit] /AcroForm << /Fields [] >>");
    let info = pdf_check::inspect(&pdf, MAX).unwrap();
    assert!(info.has_actions && info.has_form && !info.has_embedded_files);
}

#[test]
fn arbitrary_bytes_after_the_header_never_panic_out() {
    // A cheap, deterministic fuzz: mutate the receipt and make sure inspect always answers.
    let pdf = receipt_pdf();
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..300 {
        let mut m = pdf.clone();
        for _ in 0..20 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = 16 + (state as usize) % (m.len() - 1100);
            m[i] = (state >> 32) as u8;
        }
        let _ = pdf_check::inspect(&m, MAX);
    }
}
