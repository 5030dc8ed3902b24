//! The quick-xml reader of the flow: the reference implementation the
//! production reader ([`super::XmlReader`], hand-written lexer) is tested
//! against (`tests/reader_equivalence.rs`). Same items, issues and errors;
//! not used on the hot path.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use super::{Attributes, Ctx, Machine, fatal, issue, resolve_ref};
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

/// Streaming reader of the XML format (`docs/flows/flow.xsd`): quick-xml's
/// events fed to the production reader's state machine.
pub struct QuickXmlReader<R: BufRead> {
    reader: quick_xml::Reader<Counted<R>>,
    buf: Vec<u8>,
    m: Machine,
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
        // leaves is read verbatim (see `next_item`).
        c.trim_text_start = true;
        c.trim_text_end = false;
        Self {
            reader,
            buf: Vec::with_capacity(4096),
            m: Machine::new(),
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

    fn xml_error(&self, e: quick_xml::Error) -> Fatal {
        let pos = self.reader.error_position();
        let loc = self.loc_at(pos.max(self.reader.get_ref().line_start));
        let element = self.m.current_element();
        match e {
            quick_xml::Error::Encoding(e) => fatal(
                Code::FO03,
                loc,
                element,
                format!("byte non validi in UTF-8: {e}"),
            ),
            quick_xml::Error::Escape(e) => fatal(
                Code::FO02,
                loc,
                element,
                format!("riferimento a entità non ammesso: {e}"),
            ),
            quick_xml::Error::Io(e) => {
                fatal(Code::FO01, loc, element, format!("errore di lettura: {e}"))
            }
            other => fatal(
                Code::FO01,
                loc,
                element,
                format!("XML non ben formato: {other}"),
            ),
        }
    }
}

/// quick-xml's attributes of a start tag.
struct QuickAttributes<'a, 'b>(&'a BytesStart<'b>);

impl Attributes for QuickAttributes<'_, '_> {
    fn each(
        &self,
        loc: Location,
        element: &'static str,
        mut f: impl FnMut(&str, &str),
    ) -> Result<(), Fatal> {
        for a in self.0.attributes() {
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
            f(key, &value);
        }
        Ok(())
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
            // Text inside leaves is read verbatim, whitespace between
            // elements is skipped (no events).
            self.reader.config_mut().trim_text_start = self.m.leaf.is_none();
            if let Step::Item(item) = res? {
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
            if !self.m.seen_decl {
                match &ev {
                    Event::Decl(d) => {
                        self.m.seen_decl = true;
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
            let empty = matches!(ev, Event::Empty(_));
            match ev {
                Event::Decl(_) => {
                    if pos != 0 && self.m.stack.len() > 1 {
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
                Event::Start(e) | Event::Empty(e) => {
                    // `<…/>` has one delimiter more than `<…>`.
                    let loc = self.tag_loc(&e, if empty { 3 } else { 2 });
                    out = self.m.start(
                        e.name().into_inner(),
                        QuickAttributes(&e),
                        empty,
                        loc,
                        issues,
                    )?;
                }
                Event::End(_) => out = self.m.end(loc, issues),
                Event::Text(t) => {
                    if let Some(text) = self.m.leaf_text() {
                        text.push_str(&t);
                    } else if self.m.skip == 0 && !t.trim().is_empty() {
                        let el = self.m.current_element();
                        if matches!(self.m.top().ctx, Ctx::Doc | Ctx::After) {
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
                Event::CData(t) => {
                    if let Some(text) = self.m.leaf_text() {
                        text.push_str(&t);
                    }
                }
                Event::GeneralRef(r) => {
                    let Some(c) = resolve_ref(&r) else {
                        return Err(fatal(
                            Code::FO02,
                            loc,
                            self.m.current_element(),
                            format!(
                                "entità '&{};' non ammessa: solo le entità predefinite XML",
                                &*r
                            ),
                        ));
                    };
                    if let Some(text) = self.m.leaf_text() {
                        text.push(c);
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    let ctx = self.m.top().ctx;
                    if ctx == Ctx::After {
                        return Ok(Step::Item(Item::End));
                    }
                    let el = self.m.current_element();
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
