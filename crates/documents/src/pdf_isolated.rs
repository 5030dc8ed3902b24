//! Running [`pdf_check::inspect`](crate::pdf_check::inspect) in a child process, so that a parser
//! abort (huge allocation, stack overflow) or a hang kills only the child.
//!
//! The child is any program that calls [`child_main`] (e.g. an `omnia inspect-pdf` subcommand): it
//! reads the file from stdin and prints one line starting with [`MARKER`]. The parent calls
//! [`inspect_in_child`] with the command to run — wrap it in `prlimit --as=… --cpu=…` to bound
//! memory and CPU — and a wall-clock timeout; a child that crashes, times out or answers nonsense
//! gives [`PdfRejection::Corrupt`].

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::pdf_check::{self, ActiveContent, PdfInfo, PdfRejection};

/// Marker of the child's answer line; the answer is what follows it (anything before it on the
/// line, and any other line on stdout, is ignored).
pub const MARKER: &str = "omnia-pdf-check:";

/// Body of the child: reads stdin (at most `max_bytes` + 1 bytes), inspects it, prints the answer.
/// Returns the process exit code (0 whether the PDF was accepted or refused: the answer says which).
pub fn child_main(max_bytes: usize) -> i32 {
    let mut bytes = Vec::new();
    let limit = max_bytes as u64 + 1;
    if let Err(e) = std::io::stdin().take(limit).read_to_end(&mut bytes) {
        eprintln!("inspect-pdf: cannot read stdin: {e}");
        return 2;
    }
    println!("{}", encode(&pdf_check::inspect(&bytes, max_bytes)));
    0
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

fn encode(r: &Result<PdfInfo, PdfRejection>) -> String {
    match r {
        Ok(i) => format!(
            "{MARKER}ok\t{}\t{}\t{}\t{}{}{}{}",
            i.size,
            i.version.replace(['\t', '\n'], " "),
            i.pages,
            flag(i.repaired),
            flag(i.has_embedded_files),
            flag(i.has_actions),
            flag(i.has_form)
        ),
        Err(e) => {
            let extra = match e {
                PdfRejection::TooLarge { size, max } => format!("{size}\t{max}"),
                PdfRejection::NotPdf { detected } => detected.unwrap_or("").to_string(),
                PdfRejection::Corrupt { detail } => detail.replace(['\t', '\n'], " "),
                PdfRejection::TooManyPages { pages, max } => format!("{pages}\t{max}"),
                PdfRejection::ActiveContent { found } => found
                    .iter()
                    .map(|a| match a {
                        ActiveContent::JavaScript => "js",
                        ActiveContent::Launch => "launch",
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                _ => String::new(),
            };
            format!("{MARKER}{}\t{extra}", e.code())
        }
    }
}

fn corrupt(detail: impl Into<String>) -> PdfRejection {
    PdfRejection::Corrupt {
        detail: detail.into(),
    }
}

fn decode(line: &str) -> Result<PdfInfo, PdfRejection> {
    let bad = || corrupt(format!("unreadable answer from the child: {line:?}"));
    let f: Vec<&str> = line.split('\t').collect();
    let num = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok()).ok_or_else(bad);
    match f[0] {
        "ok" => {
            let flags = f.get(4).map(|s| s.as_bytes()).unwrap_or_default();
            if flags.len() != 4 {
                return Err(bad());
            }
            Ok(PdfInfo {
                size: num(1)? as usize,
                version: f.get(2).ok_or_else(bad)?.to_string(),
                pages: num(3)? as u32,
                repaired: flags[0] == b'1',
                has_embedded_files: flags[1] == b'1',
                has_actions: flags[2] == b'1',
                has_form: flags[3] == b'1',
            })
        }
        "pdf.too_large" => Err(PdfRejection::TooLarge {
            size: num(1)? as usize,
            max: num(2)? as usize,
        }),
        "pdf.empty" => Err(PdfRejection::Empty),
        "pdf.not_pdf" => Err(PdfRejection::NotPdf {
            // Only the names `sniff` can produce survive the trip (they are &'static str).
            detected: pdf_check::known_kind(f.get(1).copied().unwrap_or("")),
        }),
        "pdf.truncated" => Err(PdfRejection::Truncated),
        "pdf.encrypted" => Err(PdfRejection::Encrypted),
        "pdf.corrupt" => Err(corrupt(f.get(1).copied().unwrap_or(""))),
        "pdf.no_pages" => Err(PdfRejection::NoPages),
        "pdf.too_many_pages" => Err(PdfRejection::TooManyPages {
            pages: num(1)? as u32,
            max: num(2)? as u32,
        }),
        "pdf.active_content" => Err(PdfRejection::ActiveContent {
            found: f
                .get(1)
                .unwrap_or(&"")
                .split(',')
                .filter_map(|s| match s {
                    "js" => Some(ActiveContent::JavaScript),
                    "launch" => Some(ActiveContent::Launch),
                    _ => None,
                })
                .collect(),
        }),
        _ => Err(bad()),
    }
}

/// Inspects `bytes` in the child started by `command` (stdin, stdout and stderr are set here),
/// killing it after `timeout`. The size cap is also checked here first, so an oversized upload
/// never reaches the child.
pub fn inspect_in_child(
    mut command: Command,
    bytes: &[u8],
    max_bytes: usize,
    timeout: Duration,
) -> Result<PdfInfo, PdfRejection> {
    pdf_check::precheck(bytes, max_bytes)?;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| corrupt(format!("cannot start the PDF inspector: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that dies early closes the pipe: the write error does not matter.
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.by_ref().take(64 * 1024).read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = writer.join();
                return Err(corrupt(format!(
                    "PDF inspector timed out after {timeout:?}"
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(corrupt(format!("PDF inspector wait failed: {e}"))),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(corrupt(format!("PDF inspector failed: {status}")));
    }
    let line = out
        .lines()
        .find_map(|l| l.find(MARKER).map(|i| &l[i + MARKER.len()..]))
        .ok_or_else(|| {
            let start: String = out.chars().take(200).collect();
            corrupt(format!("PDF inspector gave no answer: {start:?}"))
        })?;
    decode(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_survive_the_round_trip() {
        let cases: Vec<Result<PdfInfo, PdfRejection>> = vec![
            Ok(PdfInfo {
                size: 1234,
                version: "1.7".into(),
                pages: 3,
                repaired: true,
                has_embedded_files: false,
                has_actions: true,
                has_form: false,
            }),
            Err(PdfRejection::TooLarge { size: 9, max: 8 }),
            Err(PdfRejection::Empty),
            Err(PdfRejection::NotPdf {
                detected: Some("PNG"),
            }),
            Err(PdfRejection::NotPdf { detected: None }),
            Err(PdfRejection::Truncated),
            Err(PdfRejection::Encrypted),
            Err(PdfRejection::Corrupt {
                detail: "bad xref".into(),
            }),
            Err(PdfRejection::NoPages),
            Err(PdfRejection::TooManyPages { pages: 5, max: 2 }),
            Err(PdfRejection::ActiveContent {
                found: vec![ActiveContent::JavaScript, ActiveContent::Launch],
            }),
        ];
        for case in cases {
            let line = encode(&case);
            let back = decode(line.strip_prefix(MARKER).unwrap());
            assert_eq!(back, case, "{line}");
        }
        assert_eq!(decode("nonsense").unwrap_err().code(), "pdf.corrupt");
    }
}
