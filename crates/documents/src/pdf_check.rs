//! Checks on a PDF uploaded by a user (e.g. the technical report of an application) before it is
//! stored: [`inspect`] answers with what it learned ([`PdfInfo`]) or why the file is refused
//! ([`PdfRejection`], with a stable [`code`](PdfRejection::code) and an Italian
//! [`message`](PdfRejection::message) for the user).
//!
//! Two stages, cheapest first:
//! 1. on the raw bytes: size cap, not empty, `%PDF-` header in the first KiB, `%%EOF` in the last KiB;
//! 2. a full parse with `lopdf` (≥ 0.42, past RUSTSEC-2026-0187; stream inflation bounded), inside
//!    `catch_unwind` so a parser panic becomes [`PdfRejection::Corrupt`]: refuses encrypted files,
//!    files whose structure cannot be read, files with no pages or too many, and files with
//!    JavaScript or launch actions anywhere in their object graph (including object streams).
//!
//! ⚠️ `catch_unwind` cannot stop an abort (a huge allocation, a stack overflow). Untrusted uploads
//! in production should run [`inspect`] in a child process with memory/CPU limits and a timeout:
//! [`crate::pdf_isolated`] has both halves.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{Dictionary, Document, LoadOptions, Object};

/// The most pages an uploaded document may have by default.
pub const DEFAULT_MAX_PAGES: u32 = 2_000;

/// How far from the start the `%PDF-` header may be (readers accept leading junk up to 1 KiB).
const HEADER_WINDOW: usize = 1024;
/// How far from the end the `%%EOF` marker may be (trailing whitespace or junk).
const EOF_WINDOW: usize = 1024;
/// Largest stream that may inflate while loading (object and xref streams).
const MAX_INFLATED: usize = 64 * 1024 * 1024;
/// Depth limit when walking nested dictionaries and arrays.
const MAX_DEPTH: usize = 64;

/// Limits for [`inspect_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Most pages accepted.
    pub max_pages: u32,
}

/// What a PDF that passed the checks looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfInfo {
    /// Size in bytes.
    pub size: usize,
    /// Version from the header (or the catalog when it overrides it), e.g. `1.7`.
    pub version: String,
    /// Number of pages (at least 1).
    pub pages: u32,
    /// The cross-reference data was damaged and had to be rebuilt to read the file: it is readable,
    /// but some viewers may complain.
    pub repaired: bool,
    /// The document carries embedded files (attachments inside the PDF). Allowed, reported.
    pub has_embedded_files: bool,
    /// The document has an `/OpenAction` or additional actions (`/AA`) other than JavaScript or
    /// launch (those are refused): typically "open at page N". Allowed, reported.
    pub has_actions: bool,
    /// The document has interactive form fields (`/AcroForm`). Allowed, reported.
    pub has_form: bool,
}

/// Kind of active content that makes a PDF refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActiveContent {
    /// JavaScript (`/JS`, `/JavaScript` actions or name trees).
    JavaScript,
    /// A launch action, which asks the viewer to run a program or open a file (`/S /Launch`).
    Launch,
}

impl ActiveContent {
    fn italian(self) -> &'static str {
        match self {
            ActiveContent::JavaScript => "codice JavaScript",
            ActiveContent::Launch => "azioni che avviano programmi o aprono file esterni",
        }
    }
}

/// Why an upload is not accepted as a PDF. [`code`](Self::code) is stable (APIs and tests match
/// on it); [`message`](Self::message) is for the user, in Italian.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfRejection {
    /// Larger than allowed.
    #[error("{}", self.message())]
    TooLarge {
        /// Size of the upload.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Zero bytes.
    #[error("{}", self.message())]
    Empty,
    /// No `%PDF-` header: some other kind of file.
    #[error("{}", self.message())]
    NotPdf {
        /// The kind of file recognised from its first bytes, if any (e.g. `PNG`).
        detected: Option<&'static str>,
    },
    /// Starts like a PDF but has no `%%EOF` near the end: cut short, usually by an interrupted upload.
    #[error("{}", self.message())]
    Truncated,
    /// Protected by encryption (with or without a password to open it).
    #[error("{}", self.message())]
    Encrypted,
    /// The structure cannot be read.
    #[error("{}", self.message())]
    Corrupt {
        /// Technical detail for logs (not for the user).
        detail: String,
    },
    /// Readable, but without any page.
    #[error("{}", self.message())]
    NoPages,
    /// More pages than allowed.
    #[error("{}", self.message())]
    TooManyPages {
        /// Pages found.
        pages: u32,
        /// The limit.
        max: u32,
    },
    /// Contains JavaScript or launch actions.
    #[error("{}", self.message())]
    ActiveContent {
        /// What was found, sorted, without duplicates.
        found: Vec<ActiveContent>,
    },
}

impl PdfRejection {
    /// Stable code, e.g. `pdf.encrypted`.
    pub fn code(&self) -> &'static str {
        match self {
            PdfRejection::TooLarge { .. } => "pdf.too_large",
            PdfRejection::Empty => "pdf.empty",
            PdfRejection::NotPdf { .. } => "pdf.not_pdf",
            PdfRejection::Truncated => "pdf.truncated",
            PdfRejection::Encrypted => "pdf.encrypted",
            PdfRejection::Corrupt { .. } => "pdf.corrupt",
            PdfRejection::NoPages => "pdf.no_pages",
            PdfRejection::TooManyPages { .. } => "pdf.too_many_pages",
            PdfRejection::ActiveContent { .. } => "pdf.active_content",
        }
    }

    /// What to tell the user, in Italian.
    pub fn message(&self) -> String {
        match self {
            PdfRejection::TooLarge { size, max } => format!(
                "Il file è troppo grande ({}): la dimensione massima consentita è {}.",
                human_size(*size),
                human_size(*max)
            ),
            PdfRejection::Empty => "Il file è vuoto.".to_string(),
            PdfRejection::NotPdf {
                detected: Some(kind),
            } => format!(
                "Il file non è un PDF (sembra un file {kind}): caricare un documento in formato PDF."
            ),
            PdfRejection::NotPdf { detected: None } => {
                "Il file non è un PDF: caricare un documento in formato PDF.".to_string()
            }
            PdfRejection::Truncated => "Il file PDF è incompleto (manca la parte finale): \
                 potrebbe essersi interrotto il caricamento. Riprovare."
                .to_string(),
            PdfRejection::Encrypted => "Il PDF è cifrato o protetto da password: \
                 caricare una copia senza protezione."
                .to_string(),
            PdfRejection::Corrupt { .. } => "Il file PDF è danneggiato e non può essere letto: \
                 generarlo di nuovo e ricaricarlo."
                .to_string(),
            PdfRejection::NoPages => "Il PDF non contiene pagine.".to_string(),
            PdfRejection::TooManyPages { pages, max } => {
                format!("Il PDF ha troppe pagine ({pages}): il massimo consentito è {max}.")
            }
            PdfRejection::ActiveContent { found } => {
                let what: Vec<&str> = found.iter().map(|a| a.italian()).collect();
                format!(
                    "Il PDF contiene contenuti attivi non ammessi ({}): \
                     salvarlo o stamparlo di nuovo come PDF senza script e ricaricarlo.",
                    what.join(", ")
                )
            }
        }
    }
}

fn human_size(bytes: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / MIB).replace('.', ",")
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} byte")
    }
}

/// Inspects an uploaded file: accepts it as a PDF of at most `max_bytes` bytes and
/// [`DEFAULT_MAX_PAGES`] pages, or says why not.
pub fn inspect(bytes: &[u8], max_bytes: usize) -> Result<PdfInfo, PdfRejection> {
    inspect_with(
        bytes,
        Limits {
            max_bytes,
            max_pages: DEFAULT_MAX_PAGES,
        },
    )
}

/// [`inspect`] with explicit limits.
pub fn inspect_with(bytes: &[u8], limits: Limits) -> Result<PdfInfo, PdfRejection> {
    precheck(bytes, limits.max_bytes)?;
    let parsed = catch_unwind(AssertUnwindSafe(|| parse(bytes, limits.max_pages)));
    match parsed {
        Ok(result) => result,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic in the PDF parser".to_string());
            Err(PdfRejection::Corrupt {
                detail: format!("parser panicked: {detail}"),
            })
        }
    }
}

/// The cheap checks on the raw bytes: size, header, end marker.
pub fn precheck(bytes: &[u8], max_bytes: usize) -> Result<(), PdfRejection> {
    if bytes.len() > max_bytes {
        return Err(PdfRejection::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(PdfRejection::Empty);
    }
    let head = &bytes[..bytes.len().min(HEADER_WINDOW)];
    if find(head, b"%PDF-").is_none() {
        return Err(PdfRejection::NotPdf {
            detected: sniff(bytes),
        });
    }
    let tail = &bytes[bytes.len().saturating_sub(EOF_WINDOW)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(PdfRejection::Truncated);
    }
    Ok(())
}

/// Recognises a few kinds of file commonly uploaded by mistake.
const SNIFFED: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xFF\xD8\xFF", "JPEG"),
    (b"GIF8", "GIF"),
    (b"II*\0", "TIFF"),
    (b"MM\0*", "TIFF"),
    (b"PK\x03\x04", "ZIP, DOCX o ODT"),
    (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "DOC o XLS"),
    (b"{\\rtf", "RTF"),
    (b"<?xml", "XML"),
    (b"MZ", "eseguibile Windows"),
    (b"\x7FELF", "eseguibile"),
];

fn sniff(bytes: &[u8]) -> Option<&'static str> {
    SNIFFED
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, kind)| kind)
}

/// The `&'static` name of a kind [`sniff`] can recognise, for answers coming back from a child process.
pub(crate) fn known_kind(name: &str) -> Option<&'static str> {
    SNIFFED
        .iter()
        .map(|&(_, kind)| kind)
        .find(|&kind| kind == name)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(bytes: &[u8], max_pages: u32) -> Result<PdfInfo, PdfRejection> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_INFLATED),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(e) => {
            // A file encrypted with a password to open it does not load at all; tell it apart from
            // a broken one by its trailer's /Encrypt entry.
            if find(bytes, b"/Encrypt").is_some() {
                return Err(PdfRejection::Encrypted);
            }
            return Err(PdfRejection::Corrupt {
                detail: e.to_string(),
            });
        }
    };
    // Loaded with the empty password (encrypted only against changes): still refused, the
    // archive must be able to read and convert it without keys.
    if doc.was_encrypted() || doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(PdfRejection::Encrypted);
    }
    let catalog = doc.catalog().map_err(|e| PdfRejection::Corrupt {
        detail: format!("no catalog: {e}"),
    })?;

    let pages = doc.page_iter().take(max_pages as usize + 1).count() as u32;
    if pages == 0 {
        return Err(PdfRejection::NoPages);
    }
    if pages > max_pages {
        // Count the rest only for the message, still bounded by the object count.
        let pages = doc.get_pages().len() as u32;
        return Err(PdfRejection::TooManyPages {
            pages,
            max: max_pages,
        });
    }

    let mut scan = Scan::default();
    scan.dict(&doc.trailer, 0);
    for object in doc.objects.values() {
        scan.object(object, 0);
    }
    if !scan.active.is_empty() {
        let mut found: Vec<ActiveContent> = scan.active;
        found.sort();
        found.dedup();
        return Err(PdfRejection::ActiveContent { found });
    }

    let version = catalog
        .get(b"Version")
        .ok()
        .and_then(|v| v.as_name().ok())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_else(|| doc.version.clone());
    Ok(PdfInfo {
        size: bytes.len(),
        version,
        pages,
        repaired: doc.xref_recovery.is_some(),
        has_embedded_files: scan.embedded_files,
        has_actions: scan.actions || catalog.has(b"OpenAction"),
        has_form: catalog.has(b"AcroForm"),
    })
}

/// Walks every object looking for active content.
#[derive(Default)]
struct Scan {
    active: Vec<ActiveContent>,
    embedded_files: bool,
    actions: bool,
}

impl Scan {
    fn object(&mut self, object: &Object, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match object {
            Object::Dictionary(d) => self.dict(d, depth),
            Object::Stream(s) => self.dict(&s.dict, depth),
            Object::Array(items) => {
                for item in items {
                    self.object(item, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn dict(&mut self, d: &Dictionary, depth: usize) {
        for (key, value) in d.iter() {
            match key.as_slice() {
                // An action's script, or the document-level JavaScript name tree.
                b"JS" | b"JavaScript" => self.active.push(ActiveContent::JavaScript),
                b"S" => match value.as_name() {
                    Ok(b"JavaScript") => self.active.push(ActiveContent::JavaScript),
                    Ok(b"Launch") => self.active.push(ActiveContent::Launch),
                    _ => {}
                },
                b"EmbeddedFiles" | b"EF" => self.embedded_files = true,
                b"Type" if matches!(value.as_name(), Ok(b"EmbeddedFile")) => {
                    self.embedded_files = true
                }
                b"AA" | b"OpenAction" => self.actions = true,
                _ => {}
            }
            self.object(value, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_the_italian_way() {
        assert_eq!(human_size(10 * 1024 * 1024), "10,0 MB");
        assert_eq!(human_size(1500), "2 KB");
        assert_eq!(human_size(12), "12 byte");
    }

    #[test]
    fn every_rejection_has_a_code_and_a_message() {
        let all = [
            PdfRejection::TooLarge { size: 2, max: 1 },
            PdfRejection::Empty,
            PdfRejection::NotPdf { detected: None },
            PdfRejection::Truncated,
            PdfRejection::Encrypted,
            PdfRejection::Corrupt {
                detail: String::new(),
            },
            PdfRejection::NoPages,
            PdfRejection::TooManyPages { pages: 3, max: 2 },
            PdfRejection::ActiveContent {
                found: vec![ActiveContent::JavaScript],
            },
        ];
        let mut codes: Vec<&str> = all.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for r in &all {
            assert!(r.code().starts_with("pdf."));
            assert!(!r.message().is_empty());
            assert_eq!(r.to_string(), r.message());
        }
    }

    #[test]
    fn header_may_follow_some_junk_and_eof_may_precede_some() {
        let mut bytes = b"junk\n%PDF-1.4\n".to_vec();
        bytes.extend_from_slice(b"%%EOF\n\n\n");
        assert!(precheck(&bytes, 1000).is_ok());
    }
}
