//! Allocation-free XML tokenizer for the flow.
//!
//! Why hand-written: the flow uses a small subset of XML (no DTD, no
//! namespaces to resolve, short tags), and a general pull parser spent most of
//! the check time producing events we then matched again. This lexer reads into
//! one fixed buffer, hands out tokens as ranges of it, and counts lines lazily
//! (memchr) only up to the tokens whose location is asked for.
//!
//! What it guarantees: every token is valid UTF-8; start and end tags match
//! (it keeps the stack of open names); comments do not contain `--`; a token
//! (tag, text run, comment, CDATA) longer than [`MAX_TOKEN`] is an error, so
//! memory stays bounded whatever the input. A DOCTYPE is returned as a token
//! as soon as it starts (the reader refuses it without reading it).

use std::io::Read;
use std::ops::Range;

use memchr::{memchr, memmem};

use crate::model::Location;

/// Longest token accepted (tag, text between tags, comment, CDATA section).
pub const MAX_TOKEN: usize = 1 << 20;
/// Bytes asked of the input at a time (at least).
const CHUNK: usize = 1 << 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// `<?xml …?>`: range of the content after `xml`.
    Decl(Range<usize>),
    Pi,
    Comment,
    CData(Range<usize>),
    DocType,
    /// Start or empty-element tag: name and the raw attribute text.
    Start {
        name: Range<usize>,
        attrs: Range<usize>,
        empty: bool,
    },
    End,
    /// Character data as written (references not yet resolved).
    Text(Range<usize>),
    Eof,
}

#[derive(Debug)]
pub enum LexError {
    Io(std::io::Error),
    /// Bytes that are not UTF-8.
    Utf8,
    /// A token longer than [`MAX_TOKEN`].
    TooLong,
    /// The input ended inside a tag, comment, CDATA section or declaration.
    UnexpectedEof(&'static str),
    /// `</b>` closing `<a>` (or nothing).
    EndMismatch {
        expected: Option<String>,
        found: String,
    },
    Syntax(&'static str),
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LexError::Io(e) => write!(f, "{e}"),
            LexError::Utf8 => f.write_str("sequenza non UTF-8"),
            LexError::TooLong => write!(
                f,
                "elemento, testo o commento oltre {} KiB",
                MAX_TOKEN / 1024
            ),
            LexError::UnexpectedEof(what) => write!(f, "file terminato dentro {what}"),
            LexError::EndMismatch {
                expected: Some(e),
                found,
            } => write!(f, "trovato </{found}> invece di </{e}>"),
            LexError::EndMismatch {
                expected: None,
                found,
            } => write!(f, "</{found}> senza elemento aperto"),
            LexError::Syntax(s) => f.write_str(s),
        }
    }
}

/// The bytes that matter inside a tag, outside attribute values: `>` and the quotes.
static TAG_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t
};

/// `b` in every byte of a word.
#[inline(always)]
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// A word whose lowest set bit marks the first zero byte of `w` (higher bits
/// may be false positives: only the first match is exact).
#[inline(always)]
const fn zero_byte(w: u64) -> u64 {
    w.wrapping_sub(splat(1)) & !w & splat(0x80)
}

/// Skips from `i`, eight bytes at a time, to the first byte that `hit` marks
/// (a word-at-a-time test: tags and values run for tens of bytes, too short
/// for memchr's setup, long enough for a byte loop to show) or to the last
/// few bytes, which the caller's byte loop scans.
#[inline(always)]
fn swar_skip(avail: &[u8], mut i: usize, hit: impl Fn(u64) -> u64) -> usize {
    while let Some(chunk) = avail.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let m = hit(w);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub struct Lexer<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Start of the unread data in `buf`.
    start: usize,
    /// End of the data in `buf`.
    end: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// `buf[..valid]` is valid UTF-8; `bad`: an invalid sequence starts there.
    valid: usize,
    bad: bool,
    /// Newlines counted before absolute offset `counted`; `line_start` is the
    /// offset just after the last of them.
    lines: u64,
    line_start: u64,
    counted: u64,
    /// Names of the open elements, concatenated; `open` holds their starts.
    names: Vec<u8>,
    open: Vec<usize>,
    /// Offset of the last error (or of the token being read).
    pub err_at: u64,
    /// Set by the reader where whitespace carries nothing (outside leaf
    /// elements): leading whitespace is then not part of the next token.
    pub skip_blank: bool,
}

impl<R: Read> Lexer<R> {
    /// A lexer whose first byte is at absolute offset `at` (0 for a whole file;
    /// the offset of the cut for the second part of a split file, whose lines
    /// are then counted from there).
    pub fn new(inner: R, at: u64) -> Self {
        Self {
            inner,
            buf: vec![0; MAX_TOKEN + CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            base: at,
            eof: false,
            valid: 0,
            bad: false,
            lines: 0,
            line_start: at,
            counted: at,
            names: Vec::new(),
            open: Vec::new(),
            err_at: at,
            skip_blank: false,
        }
    }

    /// Declares `name` open, as if its start tag had been read (the second
    /// part of a split file starts inside the root element).
    pub fn assume_open(&mut self, name: &str) {
        self.open.push(self.names.len());
        self.names.extend_from_slice(name.as_bytes());
    }

    /// Number of open elements.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Absolute offset of the next unread byte.
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    /// The validated bytes buffered from the read position on, and the
    /// absolute offset of the first (for a fast path that reads a whole
    /// element at once: see `XmlReader::fast_record`).
    pub fn ahead(&self) -> (&[u8], u64) {
        (
            &self.buf[self.start..self.valid.max(self.start)],
            self.position(),
        )
    }

    /// [`Lexer::str`] of a range of [`Lexer::ahead`].
    pub fn ahead_str(&self, r: Range<usize>) -> &str {
        self.str(self.start + r.start..self.start + r.end)
    }

    /// Consumes `n` bytes of [`Lexer::ahead`], which a fast path has read up
    /// to and including the end tag of the innermost open element.
    pub fn consume_closing(&mut self, n: usize) {
        self.start += n;
        if let Some(t) = self.open.pop() {
            self.names.truncate(t);
        }
    }

    pub fn bytes(&self, r: Range<usize>) -> &[u8] {
        &self.buf[r]
    }

    /// The text of a range of a token just read.
    pub fn str(&self, r: Range<usize>) -> &str {
        assert!(
            r.end <= self.valid,
            "token range beyond the validated input"
        );
        // SAFETY: `buf[..valid]` is valid UTF-8 (checked in bulk by
        // `validate` as the input is read: the per-token `from_utf8` calls
        // were an eighth of the reading time), every token is checked to end
        // within it (`utf8`), and token ranges start and end next to ASCII
        // delimiters (`<`, `>`, quotes, whitespace, `=`), hence on character
        // boundaries. Tests: reader_equivalence (invalid bytes in every
        // position of mutated inputs, against the reference reader).
        unsafe { std::str::from_utf8_unchecked(&self.buf[r]) }
    }

    /// Extends the validated prefix over newly read bytes. An incomplete
    /// character at the end waits for the next read (or is an error at the end).
    fn validate(&mut self) {
        if self.bad {
            return;
        }
        match std::str::from_utf8(&self.buf[self.valid..self.end]) {
            Ok(_) => self.valid = self.end,
            Err(e) => {
                self.valid += e.valid_up_to();
                if e.error_len().is_some() || self.eof {
                    self.bad = true;
                }
            }
        }
    }

    /// Records `loc`, found by the caller, as if [`Lexer::loc`] had computed
    /// it (it must not be before the last location asked for).
    pub fn located(&mut self, loc: Location) {
        debug_assert!(loc.offset >= self.counted);
        self.lines = loc.line - 1;
        self.line_start = loc.offset + 1 - loc.column;
        self.counted = loc.offset;
    }

    /// Line and column of absolute offset `at`, which must not be before the
    /// last one asked for nor before the buffered data.
    pub fn loc(&mut self, at: u64) -> Location {
        if at > self.counted {
            let from = (self.counted.max(self.base) - self.base) as usize;
            let to = ((at - self.base) as usize).min(self.end);
            if from < to {
                let hay = &self.buf[from..to];
                // Usually one tag, a newline and the indentation since the
                // last located token: the last newline is found backwards
                // (a few bytes away), the rest has at most a few (memchr).
                if let Some(last) = memchr::memrchr(b'\n', hay) {
                    let before = &hay[..last];
                    let more = if memchr::memchr(b'\n', before).is_some() {
                        memchr::memchr_iter(b'\n', before).count() as u64
                    } else {
                        0
                    };
                    self.lines += 1 + more;
                    self.line_start = self.base + (from + last) as u64 + 1;
                }
            }
            self.counted = at;
        }
        Location {
            line: self.lines + 1,
            column: at.saturating_sub(self.line_start) + 1,
            offset: at,
        }
    }

    /// Reads more input; false at the end. Keeps the unread data, moving it
    /// to the front when the buffer is full.
    fn fill(&mut self) -> Result<bool, LexError> {
        if self.eof {
            return Ok(false);
        }
        if self.buf.len() - self.end < CHUNK {
            if self.start == 0 {
                return Err(LexError::TooLong);
            }
            // Lines of the bytes about to be dropped are counted first.
            let keep_from = self.base + self.start as u64;
            if self.counted < keep_from {
                self.loc(keep_from);
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.valid -= self.start;
            self.base += self.start as u64;
            self.start = 0;
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    self.validate();
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    self.validate();
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(LexError::Io(e)),
            }
        }
    }

    /// Index (relative to `start`) of the first byte matched by `find` at or
    /// after `from`, reading more input as needed; None at the end.
    fn find_from(
        &mut self,
        mut from: usize,
        back: usize,
        find: impl Fn(&[u8]) -> Option<usize>,
    ) -> Result<Option<usize>, LexError> {
        loop {
            if let Some(i) = find(&self.buf[self.start + from..self.end]) {
                if from + i > MAX_TOKEN {
                    return Err(LexError::TooLong);
                }
                return Ok(Some(from + i));
            }
            if self.end - self.start > MAX_TOKEN {
                return Err(LexError::TooLong);
            }
            // A multi-byte needle may straddle the end: look again from a bit before.
            from = (self.end - self.start).saturating_sub(back).max(from);
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    fn utf8(&self, r: Range<usize>) -> Result<(), LexError> {
        if r.end <= self.valid {
            Ok(())
        } else {
            Err(LexError::Utf8)
        }
    }

    /// Ensures at least `n` unread bytes if the input has them.
    fn want(&mut self, n: usize) -> Result<bool, LexError> {
        while self.end - self.start < n {
            if !self.fill()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The next token and its absolute start offset.
    #[inline(always)]
    pub fn next_token(&mut self) -> Result<(Tok, u64), LexError> {
        if self.skip_blank {
            // Whitespace between elements: skipped here rather than handed
            // out as tokens (a third of all tokens in a flow).
            loop {
                let avail = &self.buf[self.start..self.end];
                let n = avail.iter().position(|b| !is_ws(*b)).unwrap_or(avail.len());
                self.start += n;
                if self.start < self.end || !self.fill()? {
                    break;
                }
            }
        }
        let at = self.position();
        self.err_at = at;
        let r = self.token();
        if let Err(LexError::Utf8) = &r {
            // Locate the bad byte precisely for the message.
            let s = self.start;
            let e = self.end;
            if let Err(u) = std::str::from_utf8(&self.buf[s..e]) {
                self.err_at = self.base + (s + u.valid_up_to()) as u64;
            }
        }
        r.map(|t| (t, at))
    }

    #[inline(always)]
    fn token(&mut self) -> Result<Tok, LexError> {
        if !self.want(1)? {
            return Ok(Tok::Eof);
        }
        if self.buf[self.start] != b'<' {
            return self.text();
        }
        if !self.want(2)? {
            return Err(LexError::UnexpectedEof("un tag"));
        }
        match self.buf[self.start + 1] {
            b'/' => self.end_tag(),
            b'?' => self.pi(),
            b'!' => self.bang(),
            _ => self.start_tag(),
        }
    }

    #[inline(always)]
    fn text(&mut self) -> Result<Tok, LexError> {
        let len = match self.find_from(0, 0, |h| memchr(b'<', h))? {
            Some(i) => i,
            None if self.end - self.start > MAX_TOKEN => return Err(LexError::TooLong),
            None => self.end - self.start,
        };
        let r = self.start..self.start + len;
        self.utf8(r.clone())?;
        self.start += len;
        Ok(Tok::Text(r))
    }

    #[inline(always)]
    fn end_tag(&mut self) -> Result<Tok, LexError> {
        let gt = self.tag_end(2)?;
        if gt > MAX_TOKEN {
            return Err(LexError::TooLong);
        }
        let s = self.start;
        self.utf8(s + 2..s + gt)?;
        let raw = &self.buf[s + 2..s + gt];
        let n = raw.iter().rposition(|b| !is_ws(*b)).map_or(0, |i| i + 1);
        let name = &raw[..n];
        let top = self.open.last().copied();
        match top {
            Some(t) if &self.names[t..] == name => {
                self.names.truncate(t);
                self.open.pop();
            }
            _ => {
                return Err(LexError::EndMismatch {
                    expected: top.map(|t| String::from_utf8_lossy(&self.names[t..]).into_owned()),
                    found: String::from_utf8_lossy(name).into_owned(),
                });
            }
        }
        self.start += gt + 1;
        Ok(Tok::End)
    }

    fn pi(&mut self) -> Result<Tok, LexError> {
        let Some(q) = self.find_from(2, 1, |h| memmem::find(h, b"?>"))? else {
            return Err(LexError::UnexpectedEof("un'istruzione di elaborazione"));
        };
        let s = self.start;
        self.utf8(s + 2..s + q)?;
        let body = &self.buf[s + 2..s + q];
        let tok = if body.len() >= 3 && &body[..3] == b"xml" && (body.len() == 3 || is_ws(body[3]))
        {
            Tok::Decl(s + 5..s + q)
        } else {
            Tok::Pi
        };
        self.start += q + 2;
        Ok(tok)
    }

    fn bang(&mut self) -> Result<Tok, LexError> {
        let _ = self.want(9)?;
        let s = self.start;
        let avail = &self.buf[s..self.end];
        if avail.starts_with(b"<!--") {
            let Some(e) = self.find_from(4, 2, |h| memmem::find(h, b"-->"))? else {
                return Err(LexError::UnexpectedEof("un commento"));
            };
            let s = self.start;
            self.utf8(s + 4..s + e)?;
            let body = &self.buf[s + 4..s + e];
            if memmem::find(body, b"--").is_some() || body.last() == Some(&b'-') {
                return Err(LexError::Syntax(
                    "'--' non ammesso dentro un commento (né '-' prima della chiusura)",
                ));
            }
            self.start += e + 3;
            Ok(Tok::Comment)
        } else if avail.starts_with(b"<![CDATA[") {
            let Some(e) = self.find_from(9, 2, |h| memmem::find(h, b"]]>"))? else {
                return Err(LexError::UnexpectedEof("una sezione CDATA"));
            };
            let s = self.start;
            self.utf8(s + 9..s + e)?;
            self.start += e + 3;
            Ok(Tok::CData(s + 9..s + e))
        } else if avail.len() >= 9 && avail[2..9].eq_ignore_ascii_case(b"DOCTYPE") {
            Ok(Tok::DocType)
        } else {
            // Unknown `<!…>`. As the reference: one starting like a comment,
            // CDATA section or DOCTYPE is read up to its '>' first (bytes that
            // are not UTF-8 there are reported as such); any other at once.
            let end: &[u8] = match avail.get(2) {
                Some(b'-') => b"-->",
                Some(b'[') => b"]]>",
                Some(b'D' | b'd') => b">",
                _ => return Err(LexError::Syntax("dichiarazione <! non riconosciuta")),
            };
            match self.find_from(2, 2, |h| memmem::find(h, end))? {
                None => Err(LexError::UnexpectedEof("una dichiarazione")),
                Some(gt) => {
                    let s = self.start;
                    self.utf8(s..s + gt)?;
                    Err(LexError::Syntax("dichiarazione <! non riconosciuta"))
                }
            }
        }
    }

    /// Index of the '>' closing the tag at `start`: the first one outside
    /// quoted values (for end tags too, as the reference reader scans them).
    /// Tags are short: a byte loop beats repeated memchr calls here.
    /// Two tight loops (outside a value: a table lookup a byte; inside: a
    /// compare) rather than one that tests the quote state at every byte:
    /// this scan was a quarter of the reading time.
    #[inline(always)]
    fn tag_end(&mut self, mut i: usize) -> Result<usize, LexError> {
        let mut quote = 0u8;
        loop {
            let avail = &self.buf[self.start..self.end];
            while i < avail.len() {
                if quote != 0 {
                    i = swar_skip(avail, i, |w| zero_byte(w ^ splat(quote)));
                    while i < avail.len() && avail[i] != quote {
                        i += 1;
                    }
                    if i == avail.len() {
                        break;
                    }
                    quote = 0;
                    i += 1;
                    continue;
                }
                i = swar_skip(avail, i, |w| {
                    zero_byte(w ^ splat(b'>'))
                        | zero_byte(w ^ splat(b'"'))
                        | zero_byte(w ^ splat(b'\''))
                });
                while i < avail.len() && !TAG_SPECIAL[avail[i] as usize] {
                    i += 1;
                }
                if i == avail.len() {
                    break;
                }
                let b = avail[i];
                if b == b'>' {
                    return Ok(i);
                }
                quote = b;
                i += 1;
            }
            if i > MAX_TOKEN {
                return Err(LexError::TooLong);
            }
            if !self.fill()? {
                return Err(LexError::UnexpectedEof(if quote != 0 {
                    "il valore di un attributo"
                } else {
                    "un tag"
                }));
            }
        }
    }

    #[inline(always)]
    fn start_tag(&mut self) -> Result<Tok, LexError> {
        let gt = self.tag_end(1)?;
        if gt > MAX_TOKEN {
            return Err(LexError::TooLong);
        }
        let s = self.start;
        self.utf8(s + 1..s + gt)?;
        let empty = gt >= 2 && self.buf[s + gt - 1] == b'/';
        let inner_end = if empty { s + gt - 1 } else { s + gt };
        // As quick-xml: the name runs up to the first whitespace.
        let name_len = self.buf[s + 1..inner_end]
            .iter()
            .position(|b| is_ws(*b))
            .unwrap_or(inner_end - s - 1);
        let name = s + 1..s + 1 + name_len;
        if !empty {
            self.open.push(self.names.len());
            let (a, b) = (name.start, name.end);
            self.names.extend_from_slice(&self.buf[a..b]);
        }
        self.start += gt + 1;
        Ok(Tok::Start {
            name: name.clone(),
            attrs: name.end..inner_end,
            empty,
        })
    }
}
