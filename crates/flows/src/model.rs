//! What the readers hand to the checker: raw text of each field with its
//! location, reused from record to record so that reading does not allocate
//! once the buffers have grown.

use serde::Serialize;

use crate::catalogue::Code;

/// Position in the file (1-based line and column, 0-based byte offset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: u64,
    pub column: u64,
    pub offset: u64,
}

/// `s.trim()`, without its per-character scan in the usual case of a value
/// that starts and ends with a visible ASCII character.
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// One text field as read.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub present: bool,
    pub value: String,
    pub loc: Location,
}

impl Field {
    pub fn clear(&mut self) {
        self.present = false;
        self.value.clear();
    }
    /// Stores the value without surrounding whitespace.
    pub fn set(&mut self, v: &str, loc: Location) {
        self.present = true;
        self.value.clear();
        self.value.push_str(trim(v));
        self.loc = loc;
    }
    /// The value if present and not blank.
    pub fn get(&self) -> Option<&str> {
        (self.present && !self.value.is_empty()).then_some(self.value.as_str())
    }
}

/// Header fields, in schema order (XML element names).
pub const HEADER_FIELDS: [&str; 5] = [
    "CFMittente",
    "PeriodoDa",
    "PeriodoA",
    "NumeroRecord",
    "OreTotali",
];
pub const H_SENDER: usize = 0;
pub const H_FROM: usize = 1;
pub const H_TO: usize = 2;
pub const H_RECORDS: usize = 3;
pub const H_HOURS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct RawHeader {
    pub loc: Location,
    pub fields: [Field; 5],
}

/// Worker-record fields, in schema order (XML element names).
pub const RECORD_FIELDS: [&str; 16] = [
    "CFLavoratore",
    "Nominativo",
    "Competenza",
    "Qualifica1",
    "Qualifica2",
    "Qualifica3",
    "TipoContribuzione",
    "UnitaProduttiva",
    "OrarioContrattuale",
    "GiorniSettimana",
    "PercPartTime",
    "RetribTeorica",
    "PagaOraria",
    "Ticket",
    "NumeroAutorizzazione",
    "IBAN",
];
pub const R_CF: usize = 0;
pub const R_NAME: usize = 1;
pub const R_MONTH: usize = 2;
pub const R_Q1: usize = 3;
pub const R_Q2: usize = 4;
pub const R_Q3: usize = 5;
pub const R_TC: usize = 6;
pub const R_UP: usize = 7;
pub const R_WEEKLY: usize = 8;
pub const R_DAYS_PER_WEEK: usize = 9;
pub const R_PART_TIME: usize = 10;
pub const R_MONTHLY_PAY: usize = 11;
pub const R_HOURLY_PAY: usize = 12;
pub const R_TICKET: usize = 13;
pub const R_AUTH: usize = 14;
pub const R_IBAN: usize = 15;

/// One `Giorno`.
#[derive(Debug, Clone, Default)]
pub struct RawDay {
    pub loc: Location,
    pub date: Field,
    pub hours: Field,
    pub event: Field,
}

/// One `DenunciaIndividuale` (worker, month, classification).
#[derive(Debug, Clone, Default)]
pub struct RawRecord {
    pub loc: Location,
    /// Attribute `tipo`: `N` new (default), `S` replacement.
    pub kind: Field,
    pub fields: [Field; 16],
    days: Vec<RawDay>,
    n_days: usize,
}

impl RawRecord {
    pub fn clear(&mut self) {
        self.kind.clear();
        for f in &mut self.fields {
            f.clear();
        }
        self.n_days = 0;
    }
    /// A fresh day slot (reusing old buffers).
    pub fn push_day(&mut self, loc: Location) -> &mut RawDay {
        if self.n_days == self.days.len() {
            self.days.push(RawDay::default());
        }
        let d = &mut self.days[self.n_days];
        self.n_days += 1;
        d.loc = loc;
        d.date.clear();
        d.hours.clear();
        d.event.clear();
        d
    }
    pub fn days(&self) -> &[RawDay] {
        &self.days[..self.n_days]
    }
    pub fn field(&self, i: usize) -> &Field {
        &self.fields[i]
    }
}

/// `Azienda` (employer) with its codice fiscale.
#[derive(Debug, Clone, Default)]
pub struct RawEmployer {
    pub loc: Location,
    pub cf: Field,
}

/// `PosContributiva` with its matricola.
#[derive(Debug, Clone, Default)]
pub struct RawPosition {
    pub loc: Location,
    pub matricola: Field,
}

/// What the reader has just completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Header,
    Employer,
    Position,
    Record,
    End,
}

/// A non-fatal problem found while reading (structure).
#[derive(Debug, Clone)]
pub struct Issue {
    pub code: Code,
    pub loc: Location,
    pub element: String,
    pub detail: String,
}

/// A problem that stops reading (syntax, DTD, encoding, I/O).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code} riga {}, colonna {} ({element}): {message}", loc.line, loc.column)]
pub struct Fatal {
    pub code: Code,
    pub loc: Location,
    pub element: String,
    pub message: String,
}

/// The items a reader has read last (handed out by [`FlowReader`]).
#[derive(Debug, Clone, Default)]
pub struct Items {
    pub header: RawHeader,
    pub employer: RawEmployer,
    pub position: RawPosition,
    pub record: RawRecord,
}

/// A streaming reader of a flow (XML or CSV).
pub trait FlowReader {
    /// Reads up to the next complete item. Structural problems go to
    /// `issues`; syntax errors end the reading with `Err`.
    fn next_item(&mut self, issues: &mut Vec<Issue>) -> Result<Item, Fatal>;
    /// The items read so far (the last of each kind).
    fn items(&self) -> &Items;
    fn items_mut(&mut self) -> &mut Items;
    /// Bytes consumed so far (for progress).
    fn bytes_read(&self) -> u64;

    fn header(&self) -> &RawHeader {
        &self.items().header
    }
    fn employer(&self) -> &RawEmployer {
        &self.items().employer
    }
    fn position(&self) -> &RawPosition {
        &self.items().position
    }
    fn record(&self) -> &RawRecord {
        &self.items().record
    }
    /// Exchanges the current record with `other` (to hand it to another
    /// thread without copying).
    fn swap_record(&mut self, other: &mut RawRecord) {
        std::mem::swap(&mut self.items_mut().record, other);
    }
}
