//! Streaming reader of the XML flow.
//!
//! The production reader, [`XmlReader`], runs a small state machine over a
//! hand-written tokenizer ([`lexer`]): the flow is a fixed, shallow subset of
//! XML, and a general pull parser was the larger half of the check time
//! (`docs/PERFORMANCE.md`). The quick-xml reader it replaced stays as the
//! reference ([`quick::QuickXmlReader`]): `tests/reader_equivalence.rs` feeds
//! both the same inputs (fixtures, generated flows, mutated and truncated
//! ones) and requires the same items and findings.
//!
//! Memory does not grow with the file: one input buffer (bounded by the
//! per-token limit [`lexer::MAX_TOKEN`]) and the raw fields of the current
//! record are reused. A DOCTYPE (hence any DTD or entity declaration) is
//! refused, only the predefined entities and character references are
//! accepted, the XML declaration must name UTF-8 and every byte must be valid
//! UTF-8. Syntax errors stop the reading with a located [`Fatal`]; structural
//! errors (unknown, repeated, out-of-order or missing elements) are reported
//! as [`Issue`]s and reading goes on.

pub mod lexer;
pub mod quick;

use std::io::BufRead;

use lexer::{LexError, Lexer, Tok};

use crate::catalogue::Code;
use crate::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Doc,
    Flusso,
    Header,
    Employer,
    Position,
    Record,
    After,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    ctx: Ctx,
    last: i32,
    emitted: bool,
}

#[derive(Debug, Clone, Copy)]
enum Leaf {
    Header(usize),
    EmployerCf,
    Matricola,
    Record(usize),
}

const GIORNO: i32 = 16;
/// Order index of `Azienda` inside `FlussoCig`.
const AZIENDA: i32 = 1;

fn header_field(name: &str) -> Option<usize> {
    Some(match name {
        "CFMittente" => H_SENDER,
        "PeriodoDa" => H_FROM,
        "PeriodoA" => H_TO,
        "NumeroRecord" => H_RECORDS,
        "OreTotali" => H_HOURS,
        _ => return None,
    })
}

fn record_field(name: &[u8]) -> Option<usize> {
    Some(match name {
        b"CFLavoratore" => R_CF,
        b"Nominativo" => R_NAME,
        b"Competenza" => R_MONTH,
        b"Qualifica1" => R_Q1,
        b"Qualifica2" => R_Q2,
        b"Qualifica3" => R_Q3,
        b"TipoContribuzione" => R_TC,
        b"UnitaProduttiva" => R_UP,
        b"OrarioContrattuale" => R_WEEKLY,
        b"GiorniSettimana" => R_DAYS_PER_WEEK,
        b"PercPartTime" => R_PART_TIME,
        b"RetribTeorica" => R_MONTHLY_PAY,
        b"PagaOraria" => R_HOURLY_PAY,
        b"Ticket" => R_TICKET,
        b"NumeroAutorizzazione" => R_AUTH,
        b"IBAN" => R_IBAN,
        _ => return None,
    })
}

/// A child of a worker record read by the fast path ([`scan_record`]).
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    /// Field index, or [`DAY`] for a `Giorno`.
    what: usize,
    /// Offset of its `<`, relative to where the scan started, and its line.
    at: usize,
    line: Line,
    /// Its value (a field) or its three attribute values (a day), as ranges.
    values: [(usize, usize); 3],
    loc: Location,
}

const DAY: usize = usize::MAX;

/// Where a line starts, relative to where a scan started: newlines seen
/// since, and the offset after the last of them.
#[derive(Debug, Clone, Copy, Default)]
struct Line {
    newlines: u64,
    start: usize,
}

impl Line {
    /// The location of relative offset `at` on this line, given the location
    /// of the scan's start.
    fn loc(self, at: usize, origin: Location) -> Location {
        Location {
            line: origin.line + self.newlines,
            column: if self.newlines == 0 {
                origin.column + at as u64
            } else {
                (at - self.start) as u64 + 1
            },
            offset: origin.offset + at as u64,
        }
    }
}
const RECORD_END: &[u8] = b"</DenunciaIndividuale>";

/// Reads the content of a worker record, after its start tag, when it is
/// written in the usual form: only whitespace between the children; fields
/// as `<Name>text</Name>` (no reference, comment, CDATA or attribute), in
/// schema order, each at most once; then `Giorno` elements as
/// `<Giorno data="…" ore="…" evento="…"/>`; then `</DenunciaIndividuale>`.
/// Newlines are counted as the whitespace is skipped (values with a newline
/// are not the usual form), so each child is located without another scan.
/// Returns the offset and line of that end tag, or `None` as soon as anything differs
/// (or the buffered input ends first): the general path then reads the record
/// and reports whatever is unusual, so the fast path never has to.
fn scan_record(b: &[u8], spans: &mut Vec<Span>) -> Option<(usize, Line)> {
    spans.clear();
    let mut i = 0;
    let mut last: i32 = -1;
    let mut line = Line::default();
    loop {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            if b[i] == b'\n' {
                line.newlines += 1;
                line.start = i + 1;
            }
            i += 1;
        }
        if b.get(i) != Some(&b'<') {
            return None;
        }
        let at = i;
        let rest = &b[i + 1..];
        if rest.starts_with(&RECORD_END[1..]) {
            return Some((at, line));
        }
        if let Some(attrs) = rest.strip_prefix(b"Giorno") {
            if last > GIORNO {
                return None;
            }
            let (v, n) = usual_attributes(attrs, ["data", "ore", "evento"])?;
            let mut j = n;
            while j < attrs.len() && matches!(attrs[j], b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            if attrs.get(j..j + 2) != Some(b"/>") {
                return None;
            }
            let off = at + 1 + b"Giorno".len();
            spans.push(Span {
                what: DAY,
                at,
                line,
                values: v.map(|(s, e)| (off + s, off + e)),
                loc: Location::default(),
            });
            last = GIORNO;
            i = off + j + 2;
            continue;
        }
        let name_len = rest.iter().position(|&c| c == b'>')?;
        let name = &rest[..name_len];
        let idx = record_field(name)?;
        if idx as i32 <= last {
            return None;
        }
        let ts = at + 1 + name_len + 1;
        // Values are short: a byte loop, which also rules out references and
        // newlines, rather than memchr calls.
        let mut te = ts;
        loop {
            match b.get(te)? {
                b'<' => break,
                b'&' | b'\n' => return None,
                _ => te += 1,
            }
        }
        let close = &b[te..];
        if close.get(1) != Some(&b'/')
            || close.get(2..2 + name_len) != Some(name)
            || close.get(2 + name_len) != Some(&b'>')
        {
            return None;
        }
        spans.push(Span {
            what: idx,
            at,
            line,
            values: [(ts, te), (0, 0), (0, 0)],
            loc: Location::default(),
        });
        last = idx as i32;
        i = te + name_len + 3;
    }
}

fn fatal(code: Code, loc: Location, element: &str, message: impl Into<String>) -> Fatal {
    Fatal {
        code,
        loc,
        element: element.to_owned(),
        message: message.into(),
    }
}

fn issue(issues: &mut Vec<Issue>, code: Code, loc: Location, element: &str, detail: String) {
    issues.push(Issue {
        code,
        loc,
        element: element.to_owned(),
        detail,
    });
}

/// Resolves a predefined entity or a character reference.
fn resolve_ref(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = if let Some(h) = n.strip_prefix('x') {
                u32::from_str_radix(h, 16).ok()?
            } else {
                n.parse().ok()?
            };
            char::from_u32(code).filter(|c| *c != '\0')
        }
    }
}

/// A reference that cannot be resolved.
enum BadRef {
    /// `&` without its `;`: not well-formed XML.
    Unterminated(String),
    /// A name other than the predefined entities or a character reference.
    Unknown(String),
}

/// Appends `raw` to `out` (if given) with its references resolved.
fn unescape(raw: &str, mut out: Option<&mut String>) -> Result<(), BadRef> {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        if let Some(o) = out.as_deref_mut() {
            o.push_str(&rest[..amp]);
        }
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            return Err(BadRef::Unterminated(after.chars().take(20).collect()));
        };
        let name = &after[..semi];
        match resolve_ref(name) {
            Some(c) => {
                if let Some(o) = out.as_deref_mut() {
                    o.push(c);
                }
            }
            None => return Err(BadRef::Unknown(name.to_owned())),
        }
        rest = &after[semi + 1..];
    }
    if let Some(o) = out {
        o.push_str(rest);
    }
    Ok(())
}

/// The fatal error of a bad reference.
fn bad_ref(e: BadRef, loc: Location, element: &str, attr: Option<&str>) -> Fatal {
    let place = attr.map_or(String::new(), |a| format!(" nell'attributo {a}"));
    match e {
        // In text a lone '&' is a syntax error; in an attribute value it is
        // reported with the references (as the reference reader does).
        BadRef::Unterminated(after) => fatal(
            if attr.is_some() {
                Code::FO02
            } else {
                Code::FO01
            },
            loc,
            element,
            format!("XML non ben formato: '&' senza ';'{place} ('&{after}')"),
        ),
        BadRef::Unknown(name) => fatal(
            Code::FO02,
            loc,
            element,
            format!("entità '&{name};'{place} non ammessa: solo le entità predefinite XML"),
        ),
    }
}

/// The `encoding` pseudo-attribute of an XML declaration (None if absent or
/// if the pseudo-attributes before it are malformed).
fn decl_encoding(raw: &str) -> Option<&str> {
    let ws = [' ', '\t', '\n', '\r'];
    let mut rest = raw;
    loop {
        let t = rest.trim_start_matches(ws);
        let key_len = t.find(['=', ' ', '\t', '\n', '\r'])?;
        let key = &t[..key_len];
        let after = t[key_len..].trim_start_matches(ws).strip_prefix('=')?;
        let after = after.trim_start_matches(ws);
        let q = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let v = &after[1..];
        let close = v.find(q)?;
        if key == "encoding" {
            return Some(&v[..close]);
        }
        rest = &v[close + 1..];
    }
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The attributes of a start tag, as a tokenizer hands them to the state
/// machine ([`Machine`]): generic, so that the production reader's raw scan
/// stays inlined.
pub(crate) trait Attributes {
    /// Calls `f(name, value)` for each attribute, in order, with the value's
    /// references resolved; a malformed attribute is a fatal error.
    fn each(
        &self,
        loc: Location,
        element: &'static str,
        f: impl FnMut(&str, &str),
    ) -> Result<(), Fatal>;

    /// The values of exactly the attributes `names`, in that order, when the
    /// tag is written in the usual form (one space before each, `="…"`, no
    /// reference): what [`Attributes::each`] would hand over, found without
    /// its general scan. `None` whenever the form differs: then `each` decides.
    fn exactly<const N: usize>(&self, names: [&str; N]) -> Option<[&str; N]> {
        let _ = names;
        None
    }
}

/// The byte ranges of the values of exactly the attributes `names` at the
/// start of `b`, written in the usual form (one space before each, `="…"`, no
/// reference), and where the last value's closing quote ends. Every `Giorno`
/// (ten per worker record) goes through here.
#[inline]
fn usual_attributes<const N: usize>(
    b: &[u8],
    names: [&str; N],
) -> Option<([(usize, usize); N], usize)> {
    let mut out = [(0, 0); N];
    let mut i = 0;
    for (k, name) in names.iter().enumerate() {
        let n = name.as_bytes();
        if b.get(i) != Some(&b' ')
            || b.get(i + 1..i + 1 + n.len()) != Some(n)
            || b.get(i + 1 + n.len()..i + 3 + n.len()) != Some(b"=\"")
        {
            return None;
        }
        let start = i + 3 + n.len();
        let mut close = start;
        while close < b.len() && b[close] != b'"' {
            // (A newline would have to be counted: not the usual form.)
            if matches!(b[close], b'&' | b'\n') {
                return None;
            }
            close += 1;
        }
        if close == b.len() {
            return None;
        }
        out[k] = (start, close);
        i = close + 1;
    }
    Some((out, i))
}

/// The raw text between a start tag's name and its `>` (production lexer).
struct RawAttributes<'a>(&'a str);

impl Attributes for RawAttributes<'_> {
    #[inline]
    fn exactly<const N: usize>(&self, names: [&str; N]) -> Option<[&str; N]> {
        let raw = self.0;
        let b = raw.as_bytes();
        let (values, end) = usual_attributes(b, names)?;
        b[end..]
            .iter()
            .all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            .then(|| values.map(|(s, e)| &raw[s..e]))
    }

    fn each(
        &self,
        loc: Location,
        element: &'static str,
        mut f: impl FnMut(&str, &str),
    ) -> Result<(), Fatal> {
        let raw = self.0;
        let bad = |what: &str| {
            fatal(
                Code::FO01,
                loc,
                element,
                format!("attributo non ben formato: {what}"),
            )
        };
        // Names seen, for duplicates: a few on the stack, more (rare) on the heap.
        let mut keys: [&str; 8] = [""; 8];
        let mut more: Vec<&str> = Vec::new();
        let mut n = 0;
        // Byte-level scan (every `Giorno` has three attributes: this is hot);
        // slices are cut next to ASCII bytes, so on character boundaries.
        let b = raw.as_bytes();
        let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
        let mut i = 0;
        loop {
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            if i == b.len() {
                return Ok(());
            }
            // The name is at least one byte (as quick-xml: `=a="1"` names `=a`).
            let ks = i;
            i += 1;
            while i < b.len() && b[i] != b'=' && !ws(b[i]) {
                i += 1;
            }
            let key = &raw[ks..i];
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            if b.get(i) != Some(&b'=') {
                return Err(bad(&format!("manca '=' dopo {key}")));
            }
            i += 1;
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            let q = match b.get(i) {
                Some(q @ (b'"' | b'\'')) => *q,
                _ => return Err(bad(&format!("valore di {key} senza virgolette"))),
            };
            // Values are short (a date, hours, a code): one byte loop finds
            // the closing quote and any reference, cheaper than two memchr calls.
            let start = i + 1;
            let mut close = start;
            let mut refs = false;
            while close < b.len() && b[close] != q {
                refs |= b[close] == b'&';
                close += 1;
            }
            if close == b.len() {
                return Err(bad(&format!("valore di {key} non chiuso")));
            }
            let value = &raw[start..close];
            i = close + 1;
            if keys[..n.min(8)].contains(&key) || more.contains(&key) {
                return Err(bad(&format!("attributo {key} ripetuto")));
            }
            if n < 8 {
                keys[n] = key;
            } else {
                more.push(key);
            }
            n += 1;
            let decoded;
            let value = if refs {
                // XML attribute-value normalisation: written whitespace
                // characters become spaces, character references stay.
                let mut s = String::with_capacity(value.len());
                let spaced = value.replace(['\t', '\n', '\r'], " ");
                if let Err(e) = unescape(&spaced, Some(&mut s)) {
                    return Err(bad_ref(e, loc, element, Some(key)));
                }
                decoded = s;
                decoded.as_str()
            } else {
                value
            };
            f(key, value);
        }
    }
}

/// Which part of the file a reader sees (a file may be checked in two parts,
/// cut at an `<Azienda>`: see `crate::split`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // the parts are used by the split check (next step)
enum Part {
    Whole,
    /// From the start to the cut: ends cleanly only between two `Azienda`.
    First,
    /// From the cut to the end, inside `FlussoCig`.
    Second,
}

/// The reader's state, apart from the lexer (so that token text borrowed
/// from the lexer can be read while the state changes).
struct Machine {
    stack: Vec<Frame>,
    skip: u32,
    leaf: Option<(Leaf, Location, &'static str)>,
    text: String,
    seen_decl: bool,
    items: Items,
}

/// Streaming reader of the XML format (`docs/flows/flow.xsd`).
pub struct XmlReader<R: BufRead> {
    lx: Lexer<R>,
    m: Machine,
    part: Part,
    /// Lines before the end of a first part that ended cleanly.
    part_lines: Option<u64>,
    /// The children of the record being read by the fast path (reused).
    spans: Vec<Span>,
}

impl<R: BufRead> XmlReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_part(inner, 0, Part::Whole)
    }

    fn with_part(inner: R, at: u64, part: Part) -> Self {
        Self {
            lx: Lexer::new(inner, at),
            m: Machine::new(),
            part,
            part_lines: None,
            spans: Vec::new(),
        }
    }

    /// The first part of a file cut at byte `cut` (`inner` yields the bytes
    /// before it): it ends with [`Item::End`] only if the cut falls between two
    /// `Azienda` of the root element after the header, else with a [`Fatal`].
    #[allow(dead_code)]
    pub(crate) fn first_part(inner: R) -> Self {
        Self::with_part(inner, 0, Part::First)
    }

    /// The second part of a file cut at byte `at`, the start of a line whose
    /// first tag is an `<Azienda>` child of the root. Offsets are those of the
    /// file, lines are counted from the cut (line 1 is the cut's line).
    #[allow(dead_code)]
    pub(crate) fn second_part(inner: R, at: u64) -> Self {
        let mut r = Self::with_part(inner, at, Part::Second);
        r.lx.assume_open("FlussoCig");
        r.m.seen_decl = true;
        r.m.stack.push(Frame {
            ctx: Ctx::Flusso,
            last: AZIENDA,
            emitted: false,
        });
        r
    }

    /// For a first part that ended cleanly, the number of lines before the cut.
    #[allow(dead_code)]
    pub(crate) fn part_lines(&self) -> Option<u64> {
        self.part_lines
    }

    fn lex_error(&mut self, e: LexError) -> Fatal {
        let loc = self.lx.loc(self.lx.err_at);
        let element = self.m.current_element();
        match e {
            LexError::Utf8 => fatal(
                Code::FO03,
                loc,
                element,
                format!("byte non validi in UTF-8: {e}"),
            ),
            LexError::Io(e) => fatal(Code::FO01, loc, element, format!("errore di lettura: {e}")),
            other => fatal(
                Code::FO01,
                loc,
                element,
                format!("XML non ben formato: {other}"),
            ),
        }
    }
}

impl Machine {
    fn new() -> Self {
        Self {
            stack: vec![Frame {
                ctx: Ctx::Doc,
                last: -1,
                emitted: false,
            }],
            skip: 0,
            leaf: None,
            text: String::new(),
            seen_decl: false,
            items: Items::default(),
        }
    }

    /// An end tag (the tokenizer has matched it with its start tag).
    fn end(&mut self, loc: Location, issues: &mut Vec<Issue>) -> Option<Item> {
        if self.skip > 0 {
            self.skip -= 1;
        } else if self.leaf.is_some() {
            self.end_leaf(issues);
        } else {
            return self.end_container(loc, issues);
        }
        None
    }

    /// Text (with its references resolved) or CDATA content: kept only
    /// inside a leaf element.
    fn leaf_text(&mut self) -> Option<&mut String> {
        (self.skip == 0 && self.leaf.is_some()).then_some(&mut self.text)
    }

    fn top(&mut self) -> &mut Frame {
        self.stack.last_mut().expect("stack never empty")
    }

    /// Checks schema order inside a container: `idx` must not go back, and
    /// only `repeatable` may repeat.
    fn order(
        &mut self,
        idx: i32,
        repeatable: bool,
        loc: Location,
        name: &str,
        issues: &mut Vec<Issue>,
    ) {
        let f = self.top();
        if idx < f.last || (idx == f.last && !repeatable) {
            let what = if idx == f.last {
                "ripetuto"
            } else {
                "fuori ordine"
            };
            issue(
                issues,
                Code::FO04,
                loc,
                name,
                format!("elemento <{name}> {what}"),
            );
        } else {
            f.last = idx;
        }
    }

    fn current_element(&self) -> &'static str {
        if let Some((_, _, name)) = self.leaf {
            return name;
        }
        match self.stack.last().map(|f| f.ctx) {
            Some(Ctx::Flusso) => "FlussoCig",
            Some(Ctx::Header) => "Intestazione",
            Some(Ctx::Employer) => "Azienda",
            Some(Ctx::Position) => "PosContributiva",
            Some(Ctx::Record) => "DenunciaIndividuale",
            _ => "documento",
        }
    }

    /// Reads the attributes of an element; unknown ones (`set` returns
    /// false) are issues.
    fn attributes<A: Attributes>(
        attrs: &A,
        loc: Location,
        element: &'static str,
        issues: &mut Vec<Issue>,
        mut set: impl FnMut(&str, &str) -> bool,
    ) -> Result<(), Fatal> {
        attrs.each(loc, element, |key, value| {
            if !set(key, value) {
                issue(
                    issues,
                    Code::FO04,
                    loc,
                    element,
                    format!("attributo {key} non previsto in <{element}>"),
                );
            }
        })
    }

    fn start<A: Attributes>(
        &mut self,
        name: &str,
        attrs: A,
        empty: bool,
        loc: Location,
        issues: &mut Vec<Issue>,
    ) -> Result<Option<Item>, Fatal> {
        if self.skip > 0 {
            if !empty {
                self.skip += 1;
            }
            return Ok(None);
        }
        if let Some((_, _, leaf)) = self.leaf {
            issue(
                issues,
                Code::FO04,
                loc,
                name,
                format!("elemento <{name}> non previsto dentro <{leaf}>"),
            );
            if !empty {
                self.skip = 1;
            }
            return Ok(None);
        }
        let ctx = self.top().ctx;
        let mut push: Option<Ctx> = None;
        let mut item = None;
        match (ctx, name) {
            (Ctx::Doc, "FlussoCig") => {
                let mut version = None;
                Self::attributes(&attrs, loc, "FlussoCig", issues, |k, v| match k {
                    "versione" => {
                        version = Some(v.to_owned());
                        true
                    }
                    _ => k.starts_with("xmlns") || k.starts_with("xsi:"),
                })?;
                match version.as_deref() {
                    Some("1") => {}
                    Some(v) => issue(
                        issues,
                        Code::FO06,
                        loc,
                        "FlussoCig",
                        format!("versione '{v}' non supportata (attesa 1)"),
                    ),
                    None => issue(
                        issues,
                        Code::FO05,
                        loc,
                        "FlussoCig",
                        "attributo versione mancante".into(),
                    ),
                }
                push = Some(Ctx::Flusso);
            }
            (Ctx::Doc, _) => {
                return Err(fatal(
                    Code::FO04,
                    loc,
                    name,
                    format!("elemento radice <{name}>: atteso <FlussoCig>"),
                ));
            }
            (Ctx::After, _) => {
                return Err(fatal(
                    Code::FO01,
                    loc,
                    name,
                    "contenuto dopo la fine dell'elemento radice",
                ));
            }
            (Ctx::Flusso, "Intestazione") => {
                self.order(0, false, loc, name, issues);
                for f in &mut self.items.header.fields {
                    f.clear();
                }
                self.items.header.loc = loc;
                push = Some(Ctx::Header);
            }
            (Ctx::Flusso, "Azienda") => {
                self.order(AZIENDA, true, loc, name, issues);
                self.items.employer.cf.clear();
                self.items.employer.loc = loc;
                push = Some(Ctx::Employer);
            }
            (Ctx::Header, _) => {
                if let Some(i) = header_field(name) {
                    self.order(i as i32, false, loc, name, issues);
                    self.leaf = Some((Leaf::Header(i), loc, HEADER_FIELDS[i]));
                }
            }
            (Ctx::Employer, "CFAzienda") => {
                self.order(0, false, loc, name, issues);
                self.leaf = Some((Leaf::EmployerCf, loc, "CFAzienda"));
            }
            (Ctx::Employer, "PosContributiva") => {
                self.order(1, true, loc, name, issues);
                if !self.top().emitted {
                    self.top().emitted = true;
                    item = Some(Item::Employer);
                }
                self.items.position.matricola.clear();
                self.items.position.loc = loc;
                push = Some(Ctx::Position);
            }
            (Ctx::Position, "Matricola") => {
                self.order(0, false, loc, name, issues);
                self.leaf = Some((Leaf::Matricola, loc, "Matricola"));
            }
            (Ctx::Position, "DenunciaIndividuale") => {
                self.order(1, true, loc, name, issues);
                if !self.top().emitted {
                    self.top().emitted = true;
                    item = Some(Item::Position);
                }
                self.items.record.clear();
                self.items.record.loc = loc;
                let kind = &mut self.items.record.kind;
                Self::attributes(&attrs, loc, "DenunciaIndividuale", issues, |k, v| {
                    if k == "tipo" {
                        kind.set(v, loc);
                        true
                    } else {
                        false
                    }
                })?;
                push = Some(Ctx::Record);
            }
            (Ctx::Record, "Giorno") => {
                self.order(GIORNO, true, loc, name, issues);
                let day = self.items.record.push_day(loc);
                if let Some([date, hours, event]) = attrs.exactly(["data", "ore", "evento"]) {
                    day.date.set(date, loc);
                    day.hours.set(hours, loc);
                    day.event.set(event, loc);
                } else {
                    Self::attributes(&attrs, loc, "Giorno", issues, |k, v| {
                        match k {
                            "data" => day.date.set(v, loc),
                            "ore" => day.hours.set(v, loc),
                            "evento" => day.event.set(v, loc),
                            _ => return false,
                        }
                        true
                    })?;
                    for (field, attr) in [
                        (&day.date, "data"),
                        (&day.hours, "ore"),
                        (&day.event, "evento"),
                    ] {
                        if !field.present {
                            issue(
                                issues,
                                Code::FO05,
                                loc,
                                "Giorno",
                                format!("attributo {attr} mancante in <Giorno>"),
                            );
                        }
                    }
                }
                if !empty {
                    // <Giorno ...></Giorno>: content must be empty.
                    self.leaf = Some((Leaf::Record(usize::MAX), loc, "Giorno"));
                    self.text.clear();
                }
                return Ok(None);
            }
            (Ctx::Record, _) => {
                if let Some(i) = record_field(name.as_bytes()) {
                    self.order(i as i32, false, loc, name, issues);
                    self.leaf = Some((Leaf::Record(i), loc, RECORD_FIELDS[i]));
                }
            }
            _ => {}
        }
        if self.leaf.is_some() {
            self.text.clear();
            if empty {
                self.end_leaf(issues);
            }
        } else if let Some(ctx) = push {
            self.stack.push(Frame {
                ctx,
                last: -1,
                emitted: false,
            });
            if empty {
                return Ok(self.end_container(loc, issues).or(item));
            }
        } else if item.is_none() {
            let parent = self.current_element();
            issue(
                issues,
                Code::FO04,
                loc,
                name,
                format!("elemento <{name}> non previsto in <{parent}>"),
            );
            if !empty {
                self.skip = 1;
            }
        }
        Ok(item)
    }

    /// Text where none is expected (`loc`: its first non-blank character).
    /// Each run of text between references is one issue (outside the root, a
    /// fatal error), in order with the references' errors, as the reference
    /// reader reports them.
    fn stray_text(
        &mut self,
        raw: &str,
        loc: Location,
        issues: &mut Vec<Issue>,
    ) -> Result<(), Fatal> {
        let first = raw.len() - raw.trim_start_matches([' ', '\t', '\n', '\r']).len();
        let el = self.current_element();
        let outside = matches!(self.top().ctx, Ctx::Doc | Ctx::After);
        // Location of byte `k` (not before `first`) of the text.
        let at = |k: usize| {
            let between = &raw.as_bytes()[first..k];
            match memchr::memrchr(b'\n', between) {
                None => Location {
                    column: loc.column + (k - first) as u64,
                    offset: loc.offset + (k - first) as u64,
                    ..loc
                },
                Some(nl) => Location {
                    line: loc.line + memchr::memchr_iter(b'\n', between).count() as u64,
                    column: (k - first - nl) as u64,
                    offset: loc.offset + (k - first) as u64,
                },
            }
        };
        let mut rest = first;
        loop {
            let amp = raw[rest..].find('&').map_or(raw.len(), |i| rest + i);
            let seg = &raw[rest..amp];
            let lead = seg.len() - seg.trim_start_matches([' ', '\t', '\n', '\r']).len();
            if lead < seg.len() {
                let l = at(rest + lead);
                if outside {
                    return Err(fatal(Code::FO01, l, el, "testo fuori dall'elemento radice"));
                }
                issue(
                    issues,
                    Code::FO04,
                    l,
                    el,
                    format!("testo non previsto in <{el}>"),
                );
            }
            if amp == raw.len() {
                return Ok(());
            }
            let after = &raw[amp + 1..];
            let Some(semi) = after.find(';') else {
                return Err(bad_ref(
                    BadRef::Unterminated(after.chars().take(20).collect()),
                    at(amp),
                    el,
                    None,
                ));
            };
            if resolve_ref(&after[..semi]).is_none() {
                return Err(bad_ref(
                    BadRef::Unknown(after[..semi].to_owned()),
                    at(amp),
                    el,
                    None,
                ));
            }
            rest = amp + 1 + semi + 1;
        }
    }

    fn end_leaf(&mut self, issues: &mut Vec<Issue>) {
        let Some((leaf, loc, name)) = self.leaf.take() else {
            return;
        };
        let text = trim(&self.text);
        match leaf {
            Leaf::Header(i) => self.items.header.fields[i].set(text, loc),
            Leaf::EmployerCf => self.items.employer.cf.set(text, loc),
            Leaf::Matricola => self.items.position.matricola.set(text, loc),
            Leaf::Record(usize::MAX) => {
                if !text.is_empty() {
                    issue(
                        issues,
                        Code::FO04,
                        loc,
                        name,
                        "testo non previsto in <Giorno>".into(),
                    );
                }
            }
            Leaf::Record(i) => self.items.record.fields[i].set(text, loc),
        }
    }

    /// End of a container element: required children, items.
    fn end_container(&mut self, loc: Location, issues: &mut Vec<Issue>) -> Option<Item> {
        let frame = self.stack.pop().expect("container frame");
        let missing = |issues: &mut Vec<Issue>, loc: Location, parent: &str, child: &str| {
            issue(
                issues,
                Code::FO05,
                loc,
                child,
                format!("elemento <{child}> mancante in <{parent}>"),
            )
        };
        match frame.ctx {
            Ctx::Flusso => {
                if frame.last < 0 {
                    missing(issues, loc, "FlussoCig", "Intestazione");
                } else if frame.last < 1 {
                    missing(issues, loc, "FlussoCig", "Azienda");
                }
                self.stack.push(Frame {
                    ctx: Ctx::After,
                    last: -1,
                    emitted: false,
                });
                None
            }
            Ctx::Header => {
                for (i, f) in self.items.header.fields.iter().enumerate() {
                    if !f.present {
                        missing(
                            issues,
                            self.items.header.loc,
                            "Intestazione",
                            HEADER_FIELDS[i],
                        );
                    }
                }
                Some(Item::Header)
            }
            Ctx::Employer => {
                if !self.items.employer.cf.present {
                    missing(issues, self.items.employer.loc, "Azienda", "CFAzienda");
                }
                if frame.emitted {
                    None
                } else {
                    missing(
                        issues,
                        self.items.employer.loc,
                        "Azienda",
                        "PosContributiva",
                    );
                    Some(Item::Employer)
                }
            }
            Ctx::Position => {
                if !self.items.position.matricola.present {
                    missing(
                        issues,
                        self.items.position.loc,
                        "PosContributiva",
                        "Matricola",
                    );
                }
                if frame.emitted {
                    None
                } else {
                    missing(
                        issues,
                        self.items.position.loc,
                        "PosContributiva",
                        "DenunciaIndividuale",
                    );
                    Some(Item::Position)
                }
            }
            Ctx::Record => {
                let r = &self.items.record;
                let at = r.loc;
                let req = [
                    R_CF, R_MONTH, R_Q1, R_Q2, R_Q3, R_TC, R_UP, R_WEEKLY, R_IBAN,
                ];
                for i in req {
                    if !r.fields[i].present {
                        missing(issues, at, "DenunciaIndividuale", RECORD_FIELDS[i]);
                    }
                }
                match (
                    r.fields[R_MONTHLY_PAY].present,
                    r.fields[R_HOURLY_PAY].present,
                ) {
                    (false, false) => missing(
                        issues,
                        at,
                        "DenunciaIndividuale",
                        "RetribTeorica o PagaOraria",
                    ),
                    (true, true) => issue(
                        issues,
                        Code::FO04,
                        r.fields[R_HOURLY_PAY].loc,
                        "PagaOraria",
                        "indicare RetribTeorica oppure PagaOraria, non entrambe".into(),
                    ),
                    _ => {}
                }
                if !r.fields[R_TICKET].present && !r.fields[R_AUTH].present {
                    missing(
                        issues,
                        at,
                        "DenunciaIndividuale",
                        "Ticket o NumeroAutorizzazione",
                    );
                }
                if r.days().is_empty() {
                    missing(issues, at, "DenunciaIndividuale", "Giorno");
                }
                Some(Item::Record)
            }
            Ctx::Doc | Ctx::After => None,
        }
    }
}

impl<R: BufRead> FlowReader for XmlReader<R> {
    fn next_item(&mut self, issues: &mut Vec<Issue>) -> Result<Item, Fatal> {
        let mut started = true;
        loop {
            if started && let Some(item) = self.fast_record(issues) {
                return Ok(item);
            }
            let (tok, at) = match self.lx.next_token() {
                Ok(t) => t,
                Err(e) => return Err(self.lex_error(e)),
            };
            started = matches!(tok, Tok::Start { .. });
            let item = self.handle(tok, at, issues)?;
            // After the declaration (a BOM may precede it), whitespace outside
            // leaf elements is skipped by the lexer.
            self.lx.skip_blank = self.m.seen_decl && (self.m.leaf.is_none() || self.m.skip > 0);
            if let Some(item) = item {
                return Ok(item);
            }
        }
    }

    fn items(&self) -> &Items {
        &self.m.items
    }
    fn items_mut(&mut self) -> &mut Items {
        &mut self.m.items
    }
    fn bytes_read(&self) -> u64 {
        self.lx.position()
    }
}

impl<R: BufRead> XmlReader<R> {
    /// Right after the start tag of a worker record, reads the whole record
    /// at once if it is buffered and in the usual form ([`scan_record`]),
    /// with the items, locations and issues the token path would give (the
    /// equivalence tests compare the two); `None` leaves it to that path.
    fn fast_record(&mut self, issues: &mut Vec<Issue>) -> Option<Item> {
        let m = &self.m;
        let fresh_record = matches!(m.stack.last(), Some(f) if f.ctx == Ctx::Record && f.last < 0);
        if !fresh_record || m.skip > 0 || m.leaf.is_some() {
            return None;
        }
        let (ahead, base) = self.lx.ahead();
        let (end_at, end_line) = scan_record(ahead, &mut self.spans)?;
        let origin = self.lx.loc(base);
        for s in &mut self.spans {
            s.loc = s.line.loc(s.at, origin);
        }
        let end_loc = end_line.loc(end_at, origin);
        self.lx.located(end_loc);
        let rec = &mut self.m.items.record;
        for s in &self.spans {
            let [a, b, c] = s.values.map(|(from, to)| self.lx.ahead_str(from..to));
            if s.what == DAY {
                let day = rec.push_day(s.loc);
                day.date.set(a, s.loc);
                day.hours.set(b, s.loc);
                day.event.set(c, s.loc);
            } else {
                rec.fields[s.what].set(a, s.loc);
            }
        }
        self.lx.consume_closing(end_at + RECORD_END.len());
        let item = self.m.end(end_loc, issues);
        self.lx.skip_blank = true;
        item
    }

    fn handle(
        &mut self,
        tok: Tok,
        at: u64,
        issues: &mut Vec<Issue>,
    ) -> Result<Option<Item>, Fatal> {
        // Whitespace between elements carries nothing (and needs no location).
        if let Tok::Text(r) = &tok
            && (self.m.leaf.is_none() || self.m.skip > 0)
            && is_blank(self.lx.str(r.clone()))
        {
            return Ok(None);
        }
        // Inside a leaf, its text and its end tag (most tokens of a flow) need
        // no location: the leaf keeps its start tag's.
        if self.m.skip == 0 && self.m.leaf.is_some() {
            match &tok {
                Tok::End => {
                    self.m.end_leaf(issues);
                    return Ok(None);
                }
                Tok::Text(r) => {
                    let raw = self.lx.str(r.clone());
                    if memchr::memchr(b'&', raw.as_bytes()).is_none() {
                        self.m.text.push_str(raw);
                        return Ok(None);
                    }
                }
                _ => {}
            }
        }
        // Text is located at its first non-blank character.
        let at = match &tok {
            Tok::Text(r) => {
                let raw = self.lx.bytes(r.clone());
                at + raw
                    .iter()
                    .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                    .unwrap_or(0) as u64
            }
            _ => at,
        };
        let loc = self.lx.loc(at);
        let m = &mut self.m;
        if !m.seen_decl {
            match &tok {
                Tok::Decl(r) => {
                    m.seen_decl = true;
                    match decl_encoding(self.lx.str(r.clone())) {
                        Some(enc) if enc.eq_ignore_ascii_case("UTF-8") => {}
                        Some(enc) => {
                            return Err(fatal(
                                Code::FO03,
                                loc,
                                "xml",
                                format!("codifica dichiarata '{enc}': è ammessa solo UTF-8"),
                            ));
                        }
                        _ => {
                            return Err(fatal(
                                Code::FO03,
                                loc,
                                "xml",
                                "la dichiarazione XML deve indicare encoding=\"UTF-8\"",
                            ));
                        }
                    }
                    return Ok(None);
                }
                Tok::Text(r)
                    if at == 0
                        && self
                            .lx
                            .str(r.clone())
                            .trim_start_matches([' ', '\t', '\n', '\r'])
                            .trim_start_matches('\u{feff}')
                            .is_empty() =>
                {
                    // UTF-8 byte order mark before the declaration.
                    return Ok(None);
                }
                Tok::Eof => {
                    return Err(fatal(Code::FO01, loc, "documento", "file vuoto"));
                }
                Tok::Text(r)
                    if {
                        // A lone '&' first: malformed before being undeclared.
                        let t = self
                            .lx
                            .str(r.clone())
                            .trim_start_matches([' ', '\t', '\n', '\r']);
                        t.starts_with('&') && !t.contains(';')
                    } =>
                {
                    return Err(fatal(
                        Code::FO01,
                        loc,
                        "documento",
                        "XML non ben formato: '&' senza ';'",
                    ));
                }
                _ => {
                    return Err(fatal(
                        Code::FO03,
                        loc,
                        "xml",
                        "manca la dichiarazione <?xml version=\"1.0\" encoding=\"UTF-8\"?> all'inizio del file",
                    ));
                }
            }
        }
        match tok {
            Tok::Decl(_) => {
                if at != 0 && m.stack.len() > 1 {
                    return Err(fatal(
                        Code::FO01,
                        loc,
                        "xml",
                        "dichiarazione XML fuori posizione",
                    ));
                }
                Ok(None)
            }
            Tok::DocType => Err(fatal(
                Code::FO02,
                loc,
                "DOCTYPE",
                "DOCTYPE/DTD non ammesso: il flusso non può dichiarare DTD né entità",
            )),
            Tok::Start { name, attrs, empty } => m.start(
                self.lx.str(name),
                RawAttributes(self.lx.str(attrs)),
                empty,
                loc,
                issues,
            ),
            Tok::End => Ok(m.end(loc, issues)),
            Tok::Text(r) => {
                let raw = self.lx.str(r);
                if m.skip == 0 && m.leaf.is_some() {
                    if let Err(e) = unescape(raw, Some(&mut m.text)) {
                        return Err(bad_ref(e, loc, m.current_element(), None));
                    }
                } else if m.skip > 0 {
                    if let Err(e) = unescape(raw, None) {
                        return Err(bad_ref(e, loc, m.current_element(), None));
                    }
                } else {
                    m.stray_text(raw, loc, issues)?;
                }
                Ok(None)
            }
            Tok::CData(r) => {
                if let Some(text) = m.leaf_text() {
                    text.push_str(self.lx.str(r));
                }
                Ok(None)
            }
            Tok::Comment | Tok::Pi => Ok(None),
            Tok::Eof => {
                let ctx = m.top().ctx;
                if ctx == Ctx::After {
                    return Ok(Some(Item::End));
                }
                if self.part == Part::First
                    && ctx == Ctx::Flusso
                    && m.stack.len() == 2
                    && m.top().last == AZIENDA
                    && m.leaf.is_none()
                    && m.skip == 0
                    && self.lx.depth() == 1
                {
                    self.part_lines = Some(loc.line - 1);
                    return Ok(Some(Item::End));
                }
                let el = m.current_element();
                Err(fatal(
                    Code::FO01,
                    loc,
                    el,
                    format!("file troncato: <{el}> non chiuso"),
                ))
            }
        }
    }
}
