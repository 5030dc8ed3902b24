//! Checking a large XML flow on two cores: the file is cut at an `<Azienda>`
//! near the middle, each part is read and checked on its own thread, and the
//! second part's results are appended to the first's exactly as one pass
//! would have found them (findings in file order with their lines and
//! context, counts, summary, control totals checked on the sums).
//!
//! What one part cannot know of the other is checked before merging: a worker
//! present in both parts (duplicates, replacements, overlapping days and
//! cumulative hours per grant depend on what came before) or an authorisation
//! whose total is exceeded across both. Then, or when the cut is not a clean
//! element boundary, or the first part stops on a syntax error, the file is
//! checked again in one pass: the report is always the one-pass report.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc;

use crate::authorisations::Authorisations;
use crate::check::{CheckOptions, Checker, Hooks, Report, check_flow};
use crate::model::{FlowReader, Item, RawHeader};
use crate::pipeline::Threaded;
use crate::xml::XmlReader;

/// How a file was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Passes {
    /// In two parts, cut at byte `cut`.
    Two { cut: u64 },
    /// In one pass, and why.
    One(&'static str),
}

/// Bytes searched for a cut, from the middle of the file on.
const WINDOW: usize = 1 << 20;

/// Checks the XML flow in `path` as [`check_flow`] would, on two threads, in
/// two parts when it can (see the module documentation). The amounts hook
/// needs the records in file order: with it, the file is read in one pass.
pub fn check_xml_file(
    path: &Path,
    auths: &Authorisations,
    opts: &CheckOptions,
    mut hooks: Hooks<'_>,
) -> std::io::Result<(Report, Passes)> {
    let why = match plan(path, opts, &hooks)? {
        Ok((cut, header)) => match two_parts(path, cut, &header, auths, opts, &mut hooks)? {
            Ok(report) => return Ok((report, Passes::Two { cut })),
            Err(why) => why,
        },
        Err(why) => why,
    };
    let reader = XmlReader::new(BufReader::with_capacity(1 << 16, File::open(path)?));
    let mut threaded = Threaded::spawn(reader)?;
    Ok((
        check_flow(&mut threaded, auths, opts, hooks),
        Passes::One(why),
    ))
}

/// Where to cut, and the header (the second part does not read it).
#[allow(clippy::type_complexity)]
fn plan(
    path: &Path,
    opts: &CheckOptions,
    hooks: &Hooks<'_>,
) -> std::io::Result<Result<(u64, RawHeader), &'static str>> {
    if hooks.amount.is_some() {
        return Ok(Err("importi richiesti nell'ordine del file"));
    }
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len < opts.split_min_bytes.max(2) {
        return Ok(Err("file piccolo"));
    }
    let Some(cut) = find_cut(&mut file, len / 2)? else {
        return Ok(Err("nessun <Azienda> a inizio riga dopo la metà del file"));
    };
    file.seek(SeekFrom::Start(0))?;
    let mut reader = XmlReader::new(BufReader::new(file.take(cut)));
    let mut issues = Vec::new();
    match reader.next_item(&mut issues) {
        Ok(Item::Header) => Ok(Ok((cut, reader.header().clone()))),
        _ => Ok(Err("l'intestazione non è il primo elemento")),
    }
}

/// The start of the first line at or after `from` whose first tag is an
/// `<Azienda>`.
fn find_cut(file: &mut File, from: u64) -> std::io::Result<Option<u64>> {
    file.seek(SeekFrom::Start(from))?;
    let mut window = Vec::with_capacity(WINDOW);
    file.by_ref().take(WINDOW as u64).read_to_end(&mut window)?;
    for nl in memchr::memchr_iter(b'\n', &window) {
        let line = &window[nl + 1..];
        let indent = line
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r'))
            .unwrap_or(line.len());
        let rest = &line[indent..];
        if rest.len() > 8
            && rest.starts_with(b"<Azienda")
            && matches!(rest[8], b'>' | b' ' | b'\t' | b'\r' | b'\n')
        {
            return Ok(Some(from + nl as u64 + 1));
        }
    }
    Ok(None)
}

type Part<'a> = (Checker<'a>, crate::check::RunEnd, u64);

/// Both parts at once; `Err` when they cannot be merged exactly.
fn two_parts(
    path: &Path,
    cut: u64,
    header: &RawHeader,
    auths: &Authorisations,
    opts: &CheckOptions,
    hooks: &mut Hooks<'_>,
) -> std::io::Result<Result<Report, &'static str>> {
    let first_in = BufReader::new(File::open(path)?.take(cut));
    let mut second_file = File::open(path)?;
    second_file.seek(SeekFrom::Start(cut))?;
    let second_in = BufReader::new(second_file);
    let (tx, rx) = mpsc::channel::<(usize, u64)>();
    let (first, second) = std::thread::scope(|s| {
        let tx1 = tx.clone();
        let first = std::thread::Builder::new()
            .name("flow-part-1".into())
            .spawn_scoped(s, move || {
                let mut reader = XmlReader::first_part(first_in);
                let mut c = Checker::new(auths, opts);
                let mut progress = |b: u64| {
                    let _ = tx1.send((0, b));
                };
                let run = c.run(
                    &mut reader,
                    &mut Hooks {
                        progress: Some(&mut progress),
                        amount: None,
                    },
                );
                let lines = reader.part_lines();
                ((c, run, reader.bytes_read()), lines)
            });
        let tx2 = tx.clone();
        let second = std::thread::Builder::new()
            .name("flow-part-2".into())
            .spawn_scoped(s, move || {
                let mut reader = XmlReader::second_part(second_in, cut);
                let mut c = Checker::new(auths, opts);
                c.take_period_of(header);
                let mut progress = |b: u64| {
                    let _ = tx2.send((1, b - cut));
                };
                let run = c.run(
                    &mut reader,
                    &mut Hooks {
                        progress: Some(&mut progress),
                        amount: None,
                    },
                );
                (c, run, reader.bytes_read())
            });
        drop(tx);
        let mut done = [0u64; 2];
        for (part, bytes) in rx {
            done[part] = bytes;
            if let Some(p) = hooks.progress.as_deref_mut() {
                p(done[0] + done[1]);
            }
        }
        (first.map(|h| h.join()), second.map(|h| h.join()))
    });
    let ((mut c1, run1, _), lines): (Part<'_>, Option<u64>) =
        first?.map_err(|_| std::io::Error::other("verifica della prima parte interrotta"))?;
    let (c2, run2, bytes): Part<'_> =
        second?.map_err(|_| std::io::Error::other("verifica della seconda parte interrotta"))?;
    let Some(lines) = lines.filter(|_| !run1.stopped) else {
        return Ok(Err("la prima parte non termina tra due <Azienda>"));
    };
    // The period and the control totals come from the one header, read by
    // the first part.
    if run1.headers != 1 || run2.headers != 0 {
        return Ok(Err("più di un'intestazione"));
    }
    if let Some(why) = c1.crosses(&c2) {
        return Ok(Err(why));
    }
    c1.absorb(c2, lines);
    if !run2.stopped {
        c1.finish(header);
    }
    Ok(Ok(c1.report(run2.stopped, bytes)))
}
