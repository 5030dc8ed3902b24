//! Streaming reader of the CSV variant (one line per item, `;`-separated,
//! UTF-8, optional `"…"` quoting with `""` for a quote; lines starting with
//! `#` are comments):
//!
//! ```text
//! H;versione;CFMittente;PeriodoDa;PeriodoA;NumeroRecord;OreTotali
//! A;CFAzienda
//! P;Matricola
//! L;tipo;CFLavoratore;Nominativo;Competenza;Qualifica1;Qualifica2;Qualifica3;TipoContribuzione;UnitaProduttiva;OrarioContrattuale;GiorniSettimana;PercPartTime;RetribTeorica;PagaOraria;Ticket;NumeroAutorizzazione;IBAN
//! G;data;ore;evento
//! ```
//!
//! An empty field is an absent element. Lines are capped at 64 KiB, so memory
//! stays bounded whatever the input.

use std::io::{BufRead, Read};

use crate::catalogue::Code;
use crate::model::*;

const MAX_LINE: u64 = 64 * 1024;

/// Streaming reader of the CSV format.
pub struct CsvReader<R: BufRead> {
    inner: R,
    line: Vec<u8>,
    /// Field (start, end) spans in `text` after unquoting.
    text: String,
    spans: Vec<(usize, usize, u64)>,
    line_no: u64,
    offset: u64,
    line_offset: u64,
    pending: bool,
    eof: bool,
    header_seen: bool,
    in_employer: bool,
    in_position: bool,
    in_record: bool,
    skip_days: bool,
    pos_has_records: bool,
    emp_has_positions: bool,
    items: Items,
}

fn issue(issues: &mut Vec<Issue>, code: Code, loc: Location, element: &str, detail: String) {
    issues.push(Issue {
        code,
        loc,
        element: element.to_owned(),
        detail,
    });
}

impl<R: BufRead> CsvReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            line: Vec::with_capacity(512),
            text: String::new(),
            spans: Vec::new(),
            line_no: 0,
            offset: 0,
            line_offset: 0,
            pending: false,
            eof: false,
            header_seen: false,
            in_employer: false,
            in_position: false,
            in_record: false,
            skip_days: false,
            pos_has_records: false,
            emp_has_positions: false,
            items: Items::default(),
        }
    }

    fn loc(&self, col: u64) -> Location {
        Location {
            line: self.line_no,
            column: col + 1,
            offset: self.line_offset + col,
        }
    }

    /// Reads the next non-comment line into `spans`; false at EOF.
    fn read_line(&mut self) -> Result<bool, Fatal> {
        loop {
            self.line.clear();
            let n = (&mut self.inner)
                .take(MAX_LINE)
                .read_until(b'\n', &mut self.line)
                .map_err(|e| Fatal {
                    code: Code::FO01,
                    loc: self.loc(0),
                    element: "riga".into(),
                    message: format!("errore di lettura: {e}"),
                })?;
            if n == 0 {
                return Ok(false);
            }
            self.line_offset = self.offset;
            self.offset += n as u64;
            self.line_no += 1;
            if self.line.last() != Some(&b'\n') && n as u64 == MAX_LINE {
                return Err(Fatal {
                    code: Code::FO01,
                    loc: self.loc(0),
                    element: "riga".into(),
                    message: format!("riga oltre {MAX_LINE} byte"),
                });
            }
            while matches!(self.line.last(), Some(b'\n' | b'\r')) {
                self.line.pop();
            }
            let mut start = 0;
            if self.line_no == 1 && self.line.starts_with(b"\xEF\xBB\xBF") {
                start = 3;
            }
            let s = match std::str::from_utf8(&self.line[start..]) {
                Ok(s) => s,
                Err(e) => {
                    return Err(Fatal {
                        code: Code::FO03,
                        loc: self.loc((start + e.valid_up_to()) as u64),
                        element: "riga".into(),
                        message: "byte non validi in UTF-8: il flusso CSV deve essere in UTF-8"
                            .into(),
                    });
                }
            };
            if s.trim().is_empty() || s.starts_with('#') {
                continue;
            }
            // Split with optional quoting.
            self.text.clear();
            self.spans.clear();
            let b = s.as_bytes();
            let mut i = 0;
            loop {
                let col = (start + i) as u64;
                let from = self.text.len();
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                    loop {
                        match b.get(i) {
                            None => {
                                return Err(Fatal {
                                    code: Code::FO01,
                                    loc: self.loc(col),
                                    element: "riga".into(),
                                    message: "virgolette non chiuse".into(),
                                });
                            }
                            Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                                self.text.push('"');
                                i += 2;
                            }
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(_) => {
                                let next = s[i..].find('"').map_or(b.len(), |k| i + k);
                                self.text.push_str(&s[i..next]);
                                i = next;
                            }
                        }
                    }
                    if i < b.len() && b[i] != b';' {
                        return Err(Fatal {
                            code: Code::FO01,
                            loc: self.loc((start + i) as u64),
                            element: "riga".into(),
                            message: "carattere dopo le virgolette di chiusura".into(),
                        });
                    }
                } else {
                    let next = s[i..].find(';').map_or(b.len(), |k| i + k);
                    self.text.push_str(&s[i..next]);
                    i = next;
                }
                self.spans.push((from, self.text.len(), col));
                if i >= b.len() {
                    break;
                }
                i += 1; // ';'
            }
            return Ok(true);
        }
    }

    fn field(&self, i: usize) -> &str {
        let (a, b, _) = self.spans[i];
        &self.text[a..b]
    }

    fn set(&self, target: &mut Field, i: usize) {
        target.clear();
        let v = self.field(i).trim();
        if !v.is_empty() {
            target.set(v, self.loc(self.spans[i].2));
        }
    }

    fn finish_record(&mut self, issues: &mut Vec<Issue>) -> Option<Item> {
        if !self.in_record {
            return None;
        }
        self.in_record = false;
        if self.items.record.days().is_empty() {
            issue(
                issues,
                Code::FO05,
                self.items.record.loc,
                "Giorno",
                "record L senza righe G".into(),
            );
        }
        Some(Item::Record)
    }

    fn close_position(&mut self, issues: &mut Vec<Issue>) {
        if self.in_position && !self.pos_has_records {
            issue(
                issues,
                Code::FO05,
                self.items.position.loc,
                "DenunciaIndividuale",
                "posizione P senza record L".into(),
            );
        }
        self.in_position = false;
    }

    fn close_employer(&mut self, issues: &mut Vec<Issue>) {
        self.close_position(issues);
        if self.in_employer && !self.emp_has_positions {
            issue(
                issues,
                Code::FO05,
                self.items.employer.loc,
                "PosContributiva",
                "azienda A senza posizione P".into(),
            );
        }
        self.in_employer = false;
    }

    fn expect_fields(&self, n: usize, kind: &str, issues: &mut Vec<Issue>) -> bool {
        if self.spans.len() == n {
            return true;
        }
        issue(
            issues,
            Code::FO04,
            self.loc(0),
            kind,
            format!(
                "riga {kind}: attesi {n} campi, trovati {}",
                self.spans.len()
            ),
        );
        false
    }
}

impl<R: BufRead> FlowReader for CsvReader<R> {
    fn next_item(&mut self, issues: &mut Vec<Issue>) -> Result<Item, Fatal> {
        loop {
            if !self.pending && (self.eof || !self.read_line()?) {
                if let Some(item) = self.finish_record(issues) {
                    self.eof = true;
                    return Ok(item);
                }
                self.eof = true;
                self.close_employer(issues);
                if !self.header_seen {
                    issue(
                        issues,
                        Code::FO05,
                        self.loc(0),
                        "Intestazione",
                        "manca la riga H di intestazione".into(),
                    );
                }
                return Ok(Item::End);
            }
            self.pending = false;
            let kind = self.field(0).to_owned();
            if kind != "G" {
                if let Some(item) = self.finish_record(issues) {
                    self.pending = true;
                    return Ok(item);
                }
                self.skip_days = false;
            }
            match kind.as_str() {
                "H" => {
                    if self.header_seen || self.in_employer {
                        issue(
                            issues,
                            Code::FO04,
                            self.loc(0),
                            "Intestazione",
                            "riga H ripetuta o fuori posizione".into(),
                        );
                        continue;
                    }
                    self.header_seen = true;
                    if !self.expect_fields(7, "H", issues) {
                        continue;
                    }
                    if self.field(1).trim() != "1" {
                        issue(
                            issues,
                            Code::FO06,
                            self.loc(self.spans[1].2),
                            "versione",
                            format!("versione '{}' non supportata (attesa 1)", self.field(1)),
                        );
                    }
                    let mut h = std::mem::take(&mut self.items.header);
                    h.loc = self.loc(0);
                    for (i, (field, name)) in h.fields.iter_mut().zip(HEADER_FIELDS).enumerate() {
                        self.set(field, i + 2);
                        if !field.present {
                            issue(
                                issues,
                                Code::FO05,
                                self.loc(self.spans[i + 2].2),
                                name,
                                format!("campo {name} mancante"),
                            );
                        }
                    }
                    self.items.header = h;
                    return Ok(Item::Header);
                }
                "A" => {
                    if !self.header_seen {
                        issue(
                            issues,
                            Code::FO05,
                            self.loc(0),
                            "Intestazione",
                            "manca la riga H prima della prima azienda".into(),
                        );
                        self.header_seen = true;
                    }
                    self.close_employer(issues);
                    if !self.expect_fields(2, "A", issues) {
                        continue;
                    }
                    let mut e = std::mem::take(&mut self.items.employer);
                    e.loc = self.loc(0);
                    self.set(&mut e.cf, 1);
                    if !e.cf.present {
                        issue(
                            issues,
                            Code::FO05,
                            e.loc,
                            "CFAzienda",
                            "campo CFAzienda mancante".into(),
                        );
                    }
                    self.items.employer = e;
                    self.in_employer = true;
                    self.emp_has_positions = false;
                    return Ok(Item::Employer);
                }
                "P" => {
                    if !self.in_employer {
                        issue(
                            issues,
                            Code::FO04,
                            self.loc(0),
                            "PosContributiva",
                            "riga P fuori da un'azienda (A)".into(),
                        );
                        continue;
                    }
                    self.close_position(issues);
                    if !self.expect_fields(2, "P", issues) {
                        continue;
                    }
                    let mut p = std::mem::take(&mut self.items.position);
                    p.loc = self.loc(0);
                    self.set(&mut p.matricola, 1);
                    if !p.matricola.present {
                        issue(
                            issues,
                            Code::FO05,
                            p.loc,
                            "Matricola",
                            "campo Matricola mancante".into(),
                        );
                    }
                    self.items.position = p;
                    self.in_position = true;
                    self.emp_has_positions = true;
                    self.pos_has_records = false;
                    return Ok(Item::Position);
                }
                "L" => {
                    if !self.in_position {
                        issue(
                            issues,
                            Code::FO04,
                            self.loc(0),
                            "DenunciaIndividuale",
                            "riga L fuori da una posizione (P)".into(),
                        );
                        self.skip_days = true;
                        continue;
                    }
                    if !self.expect_fields(18, "L", issues) {
                        self.skip_days = true;
                        continue;
                    }
                    self.pos_has_records = true;
                    let mut r = std::mem::take(&mut self.items.record);
                    r.clear();
                    r.loc = self.loc(0);
                    self.set(&mut r.kind, 1);
                    for i in 0..16 {
                        self.set(&mut r.fields[i], i + 2);
                    }
                    let required = [
                        R_CF, R_MONTH, R_Q1, R_Q2, R_Q3, R_TC, R_UP, R_WEEKLY, R_IBAN,
                    ];
                    for i in required {
                        if !r.fields[i].present {
                            issue(
                                issues,
                                Code::FO05,
                                self.loc(self.spans[i + 2].2),
                                RECORD_FIELDS[i],
                                format!("campo {} mancante", RECORD_FIELDS[i]),
                            );
                        }
                    }
                    match (
                        r.fields[R_MONTHLY_PAY].present,
                        r.fields[R_HOURLY_PAY].present,
                    ) {
                        (false, false) => issue(
                            issues,
                            Code::FO05,
                            r.loc,
                            "RetribTeorica o PagaOraria",
                            "indicare RetribTeorica oppure PagaOraria".into(),
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
                        issue(
                            issues,
                            Code::FO05,
                            r.loc,
                            "Ticket o NumeroAutorizzazione",
                            "indicare il Ticket o il NumeroAutorizzazione".into(),
                        );
                    }
                    self.items.record = r;
                    self.in_record = true;
                }
                "G" => {
                    if self.skip_days {
                        continue;
                    }
                    if !self.in_record {
                        issue(
                            issues,
                            Code::FO04,
                            self.loc(0),
                            "Giorno",
                            "riga G fuori da un record (L)".into(),
                        );
                        self.skip_days = true;
                        continue;
                    }
                    if !self.expect_fields(4, "G", issues) {
                        continue;
                    }
                    let loc = self.loc(0);
                    let mut r = std::mem::take(&mut self.items.record);
                    let d = r.push_day(loc);
                    self.set(&mut d.date, 1);
                    self.set(&mut d.hours, 2);
                    self.set(&mut d.event, 3);
                    for (f, name) in [(&d.date, "data"), (&d.hours, "ore"), (&d.event, "evento")] {
                        if !f.present {
                            issue(
                                issues,
                                Code::FO05,
                                loc,
                                "Giorno",
                                format!("campo {name} mancante"),
                            );
                        }
                    }
                    self.items.record = r;
                }
                other => {
                    issue(
                        issues,
                        Code::FO04,
                        self.loc(0),
                        "riga",
                        format!("tipo di riga '{other}' non previsto (ammessi H, A, P, L, G)"),
                    );
                }
            }
        }
    }

    fn items(&self) -> &Items {
        &self.items
    }
    fn items_mut(&mut self) -> &mut Items {
        &mut self.items
    }
    fn bytes_read(&self) -> u64 {
        self.offset
    }
}
