//! The quick-xml reader of the flow: the reference implementation the
//! production reader ([`super::XmlReader`], hand-written lexer) is tested
//! against (`tests/reader_equivalence.rs`). Same items, issues and errors;
//! not used on the hot path.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use super::{Ctx, Frame, GIORNO, Leaf, fatal, header_field, issue, record_field, resolve_ref};
use crate::catalogue::Code;
use crate::model::*;

/// Counts lines as quick-xml consumes the input, so element locations cost
/// nothing per event (memchr over each consumed chunk).
pub struct Counted<R> {
    inner: R,
    lines: u64,
    line_start: u64,
    pos: u64,
}

impl<R: BufRead> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let src = self.fill_buf()?;
            let n = src.len().min(buf.len());
            buf[..n].copy_from_slice(&src[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            if let Ok(b) = self.inner.fill_buf() {
                let b = &b[..amt.min(b.len())];
                if b.len() < 64 {
                    for (i, c) in b.iter().enumerate() {
                        if *c == b'\n' {
                            self.lines += 1;
                            self.line_start = self.pos + i as u64 + 1;
                        }
                    }
                } else if let Some(last) = memchr::memrchr(b'\n', b) {
                    self.lines += memchr::memchr_iter(b'\n', b).count() as u64;
                    self.line_start = self.pos + last as u64 + 1;
                }
            }
            self.pos += amt as u64;
        }
        self.inner.consume(amt);
    }
}

/// Streaming reader of the XML format (`docs/flows/flow.xsd`).
pub struct QuickXmlReader<R: BufRead> {
    reader: quick_xml::Reader<Counted<R>>,
    buf: Vec<u8>,
    stack: Vec<Frame>,
    skip: u32,
    leaf: Option<(Leaf, Location, &'static str)>,
    text: String,
    seen_decl: bool,
    header: RawHeader,
    employer: RawEmployer,
    position: RawPosition,
    record: RawRecord,
}

impl<R: BufRead> QuickXmlReader<R> {
    pub fn new(inner: R) -> Self {
        let mut reader = quick_xml::Reader::from_reader(Counted {
            inner,
            lines: 0,
            line_start: 0,
            pos: 0,
        });
        let c = reader.config_mut();
        c.check_end_names = true;
        c.check_comments = true;
        c.expand_empty_elements = false;
        // Whitespace between elements is skipped (no events); text inside
        // leaves is read verbatim (see `set_leaf`).
        c.trim_text_start = true;
        c.trim_text_end = false;
        Self {
            reader,
            buf: Vec::with_capacity(4096),
            stack: vec![Frame {
                ctx: Ctx::Doc,
                last: -1,
                emitted: false,
            }],
            skip: 0,
            leaf: None,
            text: String::new(),
            seen_decl: false,
            header: RawHeader::default(),
            employer: RawEmployer::default(),
            position: RawPosition::default(),
            record: RawRecord::default(),
        }
    }

    fn loc_at(&self, offset: u64) -> Location {
        let c = self.reader.get_ref();
        Location {
            line: c.lines + 1,
            column: offset.saturating_sub(c.line_start) + 1,
            offset,
        }
    }

    /// Location of the `<` of a start tag just read (`delims`: 2 for `<…>`, 3 for `<…/>`).
    fn tag_loc(&self, raw: &str, delims: u64) -> Location {
        let end = self.reader.buffer_position();
        let start = end.saturating_sub(raw.len() as u64 + delims);
        let c = self.reader.get_ref();
        let inner = if memchr::memchr(b'\n', raw.as_bytes()).is_some() {
            memchr::memchr_iter(b'\n', raw.as_bytes()).count() as u64
        } else {
            0
        };
        Location {
            line: c.lines + 1 - inner.min(c.lines),
            column: if inner == 0 {
                start.saturating_sub(c.line_start) + 1
            } else {
                1
            },
            offset: start,
        }
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

    fn xml_error(&self, e: quick_xml::Error) -> Fatal {
        let pos = self.reader.error_position();
        let loc = self.loc_at(pos.max(self.reader.get_ref().line_start));
        let element = self.current_element().to_owned();
        match e {
            quick_xml::Error::Encoding(e) => fatal(
                Code::FO03,
                loc,
                &element,
                format!("byte non validi in UTF-8: {e}"),
            ),
            quick_xml::Error::Escape(e) => fatal(
                Code::FO02,
                loc,
                &element,
                format!("riferimento a entità non ammesso: {e}"),
            ),
            quick_xml::Error::Io(e) => {
                fatal(Code::FO01, loc, &element, format!("errore di lettura: {e}"))
            }
            other => fatal(
                Code::FO01,
                loc,
                &element,
                format!("XML non ben formato: {other}"),
            ),
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

    /// Reads the attributes of an element; unknown ones are issues.
    fn attributes(
        e: &BytesStart<'_>,
        loc: Location,
        element: &'static str,
        issues: &mut Vec<Issue>,
        mut set: impl FnMut(&str, &str) -> bool,
    ) -> Result<(), Fatal> {
        for a in e.attributes() {
            let a = a.map_err(|err| {
                fatal(
                    Code::FO01,
                    loc,
                    element,
                    format!("attributo non ben formato: {err}"),
                )
            })?;
            let key = a.key.into_inner();
            let value: std::borrow::Cow<'_, str> = if a.value.contains('&') {
                match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                    Ok(v) => v,
                    Err(err) => {
                        return Err(fatal(
                            Code::FO02,
                            loc,
                            element,
                            format!("riferimento a entità non ammesso nell'attributo {key}: {err}"),
                        ));
                    }
                }
            } else {
                a.value
            };
            if !set(key, &value) {
                issue(
                    issues,
                    Code::FO04,
                    loc,
                    element,
                    format!("attributo {key} non previsto in <{element}>"),
                );
            }
        }
        Ok(())
    }

    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        loc: Location,
        issues: &mut Vec<Issue>,
    ) -> Result<Option<Item>, Fatal> {
        let name = e.name().into_inner();
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
                Self::attributes(e, loc, "FlussoCig", issues, |k, v| match k {
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
                for f in &mut self.header.fields {
                    f.clear();
                }
                self.header.loc = loc;
                push = Some(Ctx::Header);
            }
            (Ctx::Flusso, "Azienda") => {
                self.order(1, true, loc, name, issues);
                self.employer.cf.clear();
                self.employer.loc = loc;
                push = Some(Ctx::Employer);
            }
            (Ctx::Header, _) => {
                if let Some(i) = header_field(name) {
                    self.order(i as i32, false, loc, name, issues);
                    self.set_leaf(Leaf::Header(i), loc, HEADER_FIELDS[i]);
                }
            }
            (Ctx::Employer, "CFAzienda") => {
                self.order(0, false, loc, name, issues);
                self.set_leaf(Leaf::EmployerCf, loc, "CFAzienda");
            }
            (Ctx::Employer, "PosContributiva") => {
                self.order(1, true, loc, name, issues);
                if !self.top().emitted {
                    self.top().emitted = true;
                    item = Some(Item::Employer);
                }
                self.position.matricola.clear();
                self.position.loc = loc;
                push = Some(Ctx::Position);
            }
            (Ctx::Position, "Matricola") => {
                self.order(0, false, loc, name, issues);
                self.set_leaf(Leaf::Matricola, loc, "Matricola");
            }
            (Ctx::Position, "DenunciaIndividuale") => {
                self.order(1, true, loc, name, issues);
                if !self.top().emitted {
                    self.top().emitted = true;
                    item = Some(Item::Position);
                }
                self.record.clear();
                self.record.loc = loc;
                let kind = &mut self.record.kind;
                Self::attributes(e, loc, "DenunciaIndividuale", issues, |k, v| {
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
                let day = self.record.push_day(loc);
                Self::attributes(e, loc, "Giorno", issues, |k, v| {
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
                if !empty {
                    // <Giorno ...></Giorno>: content must be empty.
                    self.set_leaf(Leaf::Record(usize::MAX), loc, "Giorno");
                    self.text.clear();
                }
                return Ok(None);
            }
            (Ctx::Record, _) => {
                if let Some(i) = record_field(name) {
                    self.order(i as i32, false, loc, name, issues);
                    self.set_leaf(Leaf::Record(i), loc, RECORD_FIELDS[i]);
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
            if empty {
                self.stack.push(Frame {
                    ctx,
                    last: -1,
                    emitted: false,
                });
                return Ok(self.end_container(loc, issues)?.or(item));
            }
            self.stack.push(Frame {
                ctx,
                last: -1,
                emitted: false,
            });
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

    fn set_leaf(&mut self, leaf: Leaf, loc: Location, name: &'static str) {
        self.leaf = Some((leaf, loc, name));
        self.reader.config_mut().trim_text_start = false;
    }

    fn end_leaf(&mut self, issues: &mut Vec<Issue>) {
        let Some((leaf, loc, name)) = self.leaf.take() else {
            return;
        };
        self.reader.config_mut().trim_text_start = true;
        let text = self.text.trim();
        match leaf {
            Leaf::Header(i) => self.header.fields[i].set(text, loc),
            Leaf::EmployerCf => self.employer.cf.set(text, loc),
            Leaf::Matricola => self.position.matricola.set(text, loc),
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
            Leaf::Record(i) => self.record.fields[i].set(text, loc),
        }
    }

    /// End of a container element: required children, items.
    fn end_container(
        &mut self,
        loc: Location,
        issues: &mut Vec<Issue>,
    ) -> Result<Option<Item>, Fatal> {
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
        Ok(match frame.ctx {
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
                for (i, f) in self.header.fields.iter().enumerate() {
                    if !f.present {
                        missing(issues, self.header.loc, "Intestazione", HEADER_FIELDS[i]);
                    }
                }
                Some(Item::Header)
            }
            Ctx::Employer => {
                if !self.employer.cf.present {
                    missing(issues, self.employer.loc, "Azienda", "CFAzienda");
                }
                if frame.emitted {
                    None
                } else {
                    missing(issues, self.employer.loc, "Azienda", "PosContributiva");
                    Some(Item::Employer)
                }
            }
            Ctx::Position => {
                if !self.position.matricola.present {
                    missing(issues, self.position.loc, "PosContributiva", "Matricola");
                }
                if frame.emitted {
                    None
                } else {
                    missing(
                        issues,
                        self.position.loc,
                        "PosContributiva",
                        "DenunciaIndividuale",
                    );
                    Some(Item::Position)
                }
            }
            Ctx::Record => {
                let r = &self.record;
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
        })
    }
}

enum Step {
    Continue,
    Item(Item),
}

impl<R: BufRead> FlowReader for QuickXmlReader<R> {
    fn next_item(&mut self, issues: &mut Vec<Issue>) -> Result<Item, Fatal> {
        loop {
            let pos = self.reader.buffer_position();
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let res = match self.reader.read_event_into(&mut buf) {
                Ok(ev) => {
                    let loc = self.tag_loc(&ev, 2);
                    self.handle(ev, pos, loc, issues)
                }
                Err(e) => Err(self.xml_error(e)),
            };
            self.buf = buf;
            if let Step::Item(item) = res? {
                return Ok(item);
            }
        }
    }

    fn header(&self) -> &RawHeader {
        &self.header
    }
    fn employer(&self) -> &RawEmployer {
        &self.employer
    }
    fn position(&self) -> &RawPosition {
        &self.position
    }
    fn record(&self) -> &RawRecord {
        &self.record
    }
    fn swap_record(&mut self, other: &mut RawRecord) {
        std::mem::swap(&mut self.record, other);
    }
    fn bytes_read(&self) -> u64 {
        self.reader.buffer_position()
    }
}

impl<R: BufRead> QuickXmlReader<R> {
    fn handle(
        &mut self,
        ev: Event<'_>,
        pos: u64,
        loc: Location,
        issues: &mut Vec<Issue>,
    ) -> Result<Step, Fatal> {
        {
            if !self.seen_decl {
                match &ev {
                    Event::Decl(d) => {
                        self.seen_decl = true;
                        match d.encoding() {
                            Some(Ok(enc)) if enc.eq_ignore_ascii_case("UTF-8") => {}
                            Some(Ok(enc)) => {
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
                    }
                    Event::Text(t) if t.trim_start_matches('\u{feff}').is_empty() && pos == 0 => {
                        // UTF-8 byte order mark before the declaration.
                        return Ok(Step::Continue);
                    }
                    Event::Eof => {
                        return Err(fatal(Code::FO01, loc, "documento", "file vuoto"));
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
            let mut out = None;
            match ev {
                Event::Decl(_) => {
                    if pos != 0 && self.stack.len() > 1 {
                        return Err(fatal(
                            Code::FO01,
                            loc,
                            "xml",
                            "dichiarazione XML fuori posizione",
                        ));
                    }
                }
                Event::DocType(_) => {
                    return Err(fatal(
                        Code::FO02,
                        loc,
                        "DOCTYPE",
                        "DOCTYPE/DTD non ammesso: il flusso non può dichiarare DTD né entità",
                    ));
                }
                Event::Start(e) => {
                    let loc = self.tag_loc(&e, 2);
                    out = self.start(&e, false, loc, issues)?;
                }
                Event::Empty(e) => {
                    let loc = self.tag_loc(&e, 3);
                    out = self.start(&e, true, loc, issues)?;
                }
                Event::End(_) => {
                    if self.skip > 0 {
                        self.skip -= 1;
                    } else if self.leaf.is_some() {
                        self.end_leaf(issues);
                    } else {
                        out = self.end_container(loc, issues)?;
                    }
                }
                Event::Text(t) => {
                    if self.skip == 0 {
                        if self.leaf.is_some() {
                            self.text.push_str(&t);
                        } else if !t.trim().is_empty() {
                            let el = self.current_element();
                            if matches!(self.top().ctx, Ctx::Doc | Ctx::After) {
                                return Err(fatal(
                                    Code::FO01,
                                    loc,
                                    el,
                                    "testo fuori dall'elemento radice",
                                ));
                            }
                            issue(
                                issues,
                                Code::FO04,
                                loc,
                                el,
                                format!("testo non previsto in <{el}>"),
                            );
                        }
                    }
                }
                Event::CData(t) => {
                    if self.skip == 0 && self.leaf.is_some() {
                        self.text.push_str(&t);
                    }
                }
                Event::GeneralRef(r) => {
                    let Some(c) = resolve_ref(&r) else {
                        return Err(fatal(
                            Code::FO02,
                            loc,
                            self.current_element(),
                            format!(
                                "entità '&{};' non ammessa: solo le entità predefinite XML",
                                &*r
                            ),
                        ));
                    };
                    if self.skip == 0 && self.leaf.is_some() {
                        self.text.push(c);
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    let ctx = self.top().ctx;
                    if ctx == Ctx::After {
                        return Ok(Step::Item(Item::End));
                    }
                    let el = self.current_element();
                    return Err(fatal(
                        Code::FO01,
                        loc,
                        el,
                        format!("file troncato: <{el}> non chiuso"),
                    ));
                }
            }
            Ok(match out {
                Some(item) => Step::Item(item),
                None => Step::Continue,
            })
        }
    }
}
