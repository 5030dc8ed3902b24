//! The single-pass checker (R-FLO-1, R-FLO-3) and its report.
//!
//! Memory: a fixed amount per distinct worker seen (≈ 20 bytes) plus the
//! authorisations index; nothing proportional to the file size. Every finding
//! is counted; the first `max_findings` are kept in full.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};
use omnia_domain::benefit::Benefit;
use omnia_domain::evaluation::amounts::{
    AppliedMassimale, WorkerAmount, massimale_for, worker_amount,
};
use omnia_domain::ids::{AuthorisationNumber, CodiceFiscale, Iban, Matricola, Ticket};
use omnia_domain::reference::Reference;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::authorisations::{Authorisations, Cf16, CfHash, NONE, PaymentRoute, cf16};
use crate::catalogue::{Class, Code, Level, Severity};
use crate::model::*;
use crate::values::*;

/// Options of a check run.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Date of receipt, for the deadline (R-FLO-3).
    pub today: NaiveDate,
    /// Findings kept in full (all are counted).
    pub max_findings: usize,
    pub reference: &'static Reference,
    /// Files at least this large are checked in two parts at once
    /// ([`crate::split::check_xml_file`]); smaller ones in one pass.
    pub split_min_bytes: u64,
}

impl CheckOptions {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            today,
            max_findings: 10_000,
            reference: Reference::builtin(),
            split_min_bytes: 8 << 20,
        }
    }
}

/// One finding, located.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub class: Class,
    pub severity: Severity,
    pub level: Level,
    pub message: String,
    pub line: u64,
    pub column: u64,
    pub element: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matricola: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
}

/// Counters of the file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub employers: u64,
    pub positions: u64,
    pub records: u64,
    pub days: u64,
    /// Sum of the valid day hours.
    pub hours: String,
    /// Records without blocking findings.
    pub records_ok: u64,
    /// Records whose amount was computed (R-AMT).
    pub records_computed: u64,
    pub total_gross: Decimal,
    pub total_net: Decimal,
    pub bytes: u64,
}

/// Decision on the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    /// Forceable findings only: accepted when re-sent with a confirmation note.
    NeedsConfirmation {
        forceable: Vec<Code>,
    },
    AcceptedWithConfirmation {
        note: String,
        forced: Vec<Code>,
    },
    Refused {
        blocking: Vec<Code>,
    },
}

/// The full report of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub summary: Summary,
    /// Number of findings per code (all of them).
    pub counts: BTreeMap<Code, u64>,
    pub findings: Vec<Finding>,
    /// True when more findings exist than were kept.
    pub truncated: bool,
    /// True when reading stopped early (syntax, DTD, encoding).
    pub stopped: bool,
    pub outcome: Outcome,
}

impl Report {
    fn codes(&self, sev: Severity) -> Vec<Code> {
        self.counts
            .keys()
            .copied()
            .filter(|c| c.severity() == sev)
            .collect()
    }

    /// The decision without a confirmation.
    pub fn decide(&self) -> Outcome {
        let blocking = self.codes(Severity::Blocking);
        if !blocking.is_empty() {
            return Outcome::Refused { blocking };
        }
        let forceable = self.codes(Severity::Forceable);
        if forceable.is_empty() {
            Outcome::Accepted
        } else {
            Outcome::NeedsConfirmation { forceable }
        }
    }

    /// The decision when the sender confirms the forceable findings with a
    /// note: accepted unless blocking findings remain; an empty note confirms
    /// nothing.
    pub fn accepted_with_confirmation(&self, note: &str) -> Outcome {
        match self.decide() {
            Outcome::NeedsConfirmation { forceable } if !note.trim().is_empty() => {
                Outcome::AcceptedWithConfirmation {
                    note: note.trim().to_owned(),
                    forced: forceable,
                }
            }
            other => other,
        }
    }

    pub fn count(&self, code: Code) -> u64 {
        self.counts.get(&code).copied().unwrap_or(0)
    }
}

/// Amount computed for an accepted record (R-AMT), handed to the caller.
#[derive(Debug)]
pub struct RecordAmount<'a> {
    pub line: u64,
    pub employer_cf: &'a str,
    pub matricola: &'a str,
    pub worker: &'a CodiceFiscale,
    pub name: Option<&'a str>,
    pub month: String,
    pub iban: &'a Iban,
    pub authorisation: &'a AuthorisationNumber,
    pub benefit: Benefit,
    pub hourly_wage: Decimal,
    pub amount: WorkerAmount,
    /// Productive unit (UP) as written in the record.
    pub unit: &'a str,
    /// Qualifica 1, 2 and 3 (with the worker and month, the key of a record).
    pub qualifiche: [u8; 3],
    /// `tipo="S"`: the record replaces one accepted earlier.
    pub replacement: bool,
    /// Integrated hours of the record in hundredths (what the *fruito* ledger posts).
    pub hours_centi: u64,
}

/// Callbacks of a run.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Called every 4096 records with the bytes read.
    pub progress: Option<&'a mut dyn FnMut(u64)>,
    /// Called for each record without blocking findings whose amount was computed.
    pub amount: Option<&'a mut dyn FnMut(&RecordAmount<'_>)>,
}

#[derive(Clone, Copy)]
struct Seen {
    month: u32,
    quals: [u8; 3],
    accepted_before: bool,
    auth: u32,
    days: u32,
    next: u32,
}

/// Event code of a benefit.
pub fn event_code(b: Benefit) -> &'static str {
    match b {
        Benefit::Cigo => "CIGO",
        Benefit::AisFis => "AISF",
        Benefit::AisFondo => "AISS",
        Benefit::Cisoa => "CISOA",
    }
}

fn event_benefit(code: &str) -> Option<Benefit> {
    Some(match code {
        "CIGO" => Benefit::Cigo,
        "AISF" => Benefit::AisFis,
        "AISS" => Benefit::AisFondo,
        "CISOA" => Benefit::Cisoa,
        _ => return None,
    })
}

/// Recognised Qualifica1 codes (1 operaio, 2 impiegato, 3 quadro, 5 apprendista, 7 intermedio).
pub const QUALIFICA1: &[&str] = &["1", "2", "3", "5", "7"];
/// Qualifica2: F tempo pieno, P part-time orizzontale, V verticale, M misto.
pub const QUALIFICA2: &[&str] = &["F", "P", "V", "M"];
/// Qualifica3: I indeterminato, D determinato, S stagionale.
pub const QUALIFICA3: &[&str] = &["I", "D", "S"];

/// Where the checker is; strings are reused (empty = none).
struct Ctx {
    employer: Option<String>,
    employer_valid: Option<CodiceFiscale>,
    matricola: Option<String>,
    worker: String,
    month: String,
}

fn set_str(dst: &mut String, v: Option<&str>) {
    dst.clear();
    if let Some(v) = v {
        dst.push_str(v);
    }
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

pub(crate) struct Checker<'a> {
    auths: &'a Authorisations,
    opts: &'a CheckOptions,
    counts: BTreeMap<Code, u64>,
    findings: Vec<Finding>,
    truncated: bool,
    ctx: Ctx,
    record_blocking: bool,
    period: Option<(u32, u32)>,
    // state
    grant_used: Vec<u32>,
    auth_used: Vec<u64>,
    auth_over_reported: Vec<bool>,
    worker_seen: Vec<u32>,
    extra_seen: HashMap<Cf16, u32, CfHash>,
    seen: Vec<Seen>,
    holidays: HashMap<u32, u32>,
    massimali: BTreeMap<i32, AppliedMassimale>,
    summary: Summary,
    hours_total: u64,
    // For a file checked in two parts (`crate::split`): the authorisations
    // whose cumulative hours were checked, the entries of `seen` that were
    // accepted before this flow, and how many findings preceded the first
    // employer (they carry the context of the part before).
    auth_touched: Vec<bool>,
    n_accepted: u32,
    before_first_employer: Option<usize>,
    /// The last ticket and authorisation number read, parsed and looked up:
    /// an employer's records usually repeat the same one.
    last_ticket: LastLookup<Ticket>,
    last_number: LastLookup<AuthorisationNumber>,
}

/// The last value of a field that parsed, with what it was looked up to
/// (`None`: not found); parsing errors are not kept.
struct LastLookup<T> {
    raw: String,
    value: Option<(T, Option<u32>)>,
}

impl<T> Default for LastLookup<T> {
    fn default() -> Self {
        Self {
            raw: String::new(),
            value: None,
        }
    }
}

impl<T> LastLookup<T> {
    /// `raw` parsed and looked up, or the parsing error; the work is done
    /// only when `raw` differs from the last value that parsed.
    fn lookup<E>(
        &mut self,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
        find: impl FnOnce(&T) -> Option<u32>,
    ) -> Result<(&T, Option<u32>), E> {
        if self.value.is_none() || self.raw != raw {
            self.value = None;
            let v = parse(raw)?;
            let found = find(&v);
            self.raw.clear();
            self.raw.push_str(raw);
            self.value = Some((v, found));
        }
        let (v, found) = self.value.as_ref().expect("just set");
        Ok((v, *found))
    }
}

/// How a run over a reader ended.
pub(crate) struct RunEnd {
    pub stopped: bool,
    /// `Intestazione` elements read.
    pub headers: u32,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(auths: &'a Authorisations, opts: &'a CheckOptions) -> Self {
        let mut c = Self {
            auths,
            opts,
            counts: BTreeMap::new(),
            findings: Vec::new(),
            truncated: false,
            ctx: Ctx {
                employer: None,
                employer_valid: None,
                matricola: None,
                worker: String::new(),
                month: String::new(),
            },
            record_blocking: false,
            period: None,
            grant_used: vec![0; auths.grant_count()],
            auth_used: vec![0; auths.len()],
            auth_over_reported: vec![false; auths.len()],
            worker_seen: vec![NONE; auths.worker_count()],
            extra_seen: HashMap::default(),
            seen: Vec::with_capacity(auths.worker_count()),
            holidays: HashMap::new(),
            massimali: BTreeMap::new(),
            summary: Summary::default(),
            hours_total: 0,
            auth_touched: vec![false; auths.len()],
            n_accepted: 0,
            before_first_employer: None,
            last_ticket: LastLookup::default(),
            last_number: LastLookup::default(),
        };
        for a in auths.accepted() {
            let s = Seen {
                month: a.month,
                quals: a.quals,
                accepted_before: true,
                auth: NONE,
                days: 0,
                next: NONE,
            };
            c.push_seen(&a.cf, s);
        }
        c.n_accepted = c.seen.len() as u32;
        c
    }

    fn seen_head(&mut self, cf: &Cf16) -> &mut u32 {
        match self.auths.worker(cf) {
            Some(w) => &mut self.worker_seen[w as usize],
            None => self.extra_seen.entry(*cf).or_insert(NONE),
        }
    }

    fn push_seen(&mut self, cf: &Cf16, mut s: Seen) {
        let idx = self.seen.len() as u32;
        let head = self.seen_head(cf);
        s.next = *head;
        *head = idx;
        self.seen.push(s);
    }

    fn find(&mut self, code: Code, loc: Location, element: &str, message: String) {
        self.find_with(code, loc, element, || message);
    }

    /// Counts a finding; builds its message only if it is kept in full.
    fn find_with(
        &mut self,
        code: Code,
        loc: Location,
        element: &str,
        message: impl FnOnce() -> String,
    ) {
        *self.counts.entry(code).or_insert(0) += 1;
        if code.severity() == Severity::Blocking
            && matches!(code.level(), Level::Record | Level::Day)
        {
            self.record_blocking = true;
        }
        if self.findings.len() >= self.opts.max_findings {
            self.truncated = true;
            return;
        }
        self.findings.push(Finding {
            code,
            class: code.class(),
            severity: code.severity(),
            level: code.level(),
            message: message(),
            line: loc.line,
            column: loc.column,
            element: element.to_owned(),
            employer: self.ctx.employer.clone(),
            matricola: self.ctx.matricola.clone(),
            worker: opt(&self.ctx.worker),
            month: opt(&self.ctx.month),
        });
    }

    fn issues(&mut self, issues: &mut Vec<Issue>) {
        for i in issues.drain(..) {
            self.find(i.code, i.loc, &i.element, i.detail);
        }
    }

    fn header(&mut self, h: &RawHeader) {
        let f = &h.fields;
        if let Some(v) = f[H_SENDER].get()
            && let Err(e) = CodiceFiscale::parse(v)
        {
            self.find(
                Code::FO12,
                f[H_SENDER].loc,
                "CFMittente",
                format!("CFMittente '{v}': {}", e.message_it()),
            );
        }
        let from = self.month_field(&f[H_FROM], "PeriodoDa");
        let to = self.month_field(&f[H_TO], "PeriodoA");
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                self.find(
                    Code::FO06,
                    f[H_TO].loc,
                    "PeriodoA",
                    format!(
                        "PeriodoA {} precedente a PeriodoDa {}",
                        fmt_month(b),
                        fmt_month(a)
                    ),
                );
            } else {
                self.period = Some((a, b));
            }
        }
        for (i, name) in [(H_RECORDS, "NumeroRecord"), (H_HOURS, "OreTotali")] {
            if let Some(v) = f[i].get() {
                let ok = if i == H_RECORDS {
                    v.parse::<u64>().is_ok()
                } else {
                    parse_centi(v).is_some()
                };
                if !ok {
                    self.find(
                        Code::FO06,
                        f[i].loc,
                        name,
                        format!("{name} '{v}' non è un numero valido"),
                    );
                }
            }
        }
    }

    fn month_field(&mut self, f: &Field, name: &str) -> Option<u32> {
        let v = f.get()?;
        let m = parse_month(v);
        if m.is_none() {
            self.find(
                Code::FO06,
                f.loc,
                name,
                format!("{name} '{v}': atteso un mese AAAA-MM"),
            );
        }
        m
    }

    fn employer(&mut self, e: &RawEmployer) {
        if self.before_first_employer.is_none() {
            self.before_first_employer = Some(self.findings.len());
        }
        self.summary.employers += 1;
        self.ctx.matricola = None;
        self.ctx.worker.clear();
        self.ctx.month.clear();
        self.ctx.employer = e.cf.get().map(str::to_owned);
        self.ctx.employer_valid = None;
        if let Some(v) = e.cf.get() {
            match CodiceFiscale::parse(v) {
                Ok(cf) => self.ctx.employer_valid = Some(cf),
                Err(err) => self.find(
                    Code::FO07,
                    e.cf.loc,
                    "CFAzienda",
                    format!("CFAzienda '{v}': {}", err.message_it()),
                ),
            }
        }
    }

    fn position(&mut self, p: &RawPosition) {
        self.summary.positions += 1;
        self.ctx.worker.clear();
        self.ctx.month.clear();
        self.ctx.matricola = p.matricola.get().map(str::to_owned);
        if let Some(v) = p.matricola.get()
            && let Err(err) = Matricola::parse(v)
        {
            self.find(
                Code::FO08,
                p.matricola.loc,
                "Matricola",
                format!("Matricola '{v}': {}", err.message_it()),
            );
        }
    }

    fn holiday_mask(&mut self, month: u32) -> u32 {
        *self.holidays.entry(month).or_insert_with(|| {
            let mut mask = 0u32;
            let first = first_of_month(month);
            let mut d = first;
            while month_of(d) == month {
                if d.weekday() == Weekday::Sun || omnia_domain::calendar::is_public_holiday(d) {
                    mask |= 1 << (d.day0());
                }
                d = d.succ_opt().expect("date");
            }
            mask
        })
    }

    fn code_field<'r>(&mut self, r: &'r RawRecord, i: usize, allowed: &[&str]) -> Option<&'r str> {
        let f = r.field(i);
        let v = f.get()?;
        if allowed.contains(&v) {
            Some(v)
        } else {
            self.find(
                Code::FO06,
                f.loc,
                RECORD_FIELDS[i],
                format!(
                    "{} '{v}': valori ammessi {}",
                    RECORD_FIELDS[i],
                    allowed.join(", ")
                ),
            );
            None
        }
    }

    fn decimal_field(&mut self, r: &RawRecord, i: usize) -> Option<Decimal> {
        let f = r.field(i);
        let v = f.get()?;
        let parsed = if v.contains(',') {
            v.replace(',', ".").parse::<Decimal>()
        } else {
            v.parse::<Decimal>()
        };
        match parsed {
            Ok(d) if d > Decimal::ZERO && d.scale() <= 2 => Some(d),
            _ => {
                self.find(
                    Code::FO06,
                    f.loc,
                    RECORD_FIELDS[i],
                    format!(
                        "{} '{v}': atteso un importo positivo con al massimo 2 decimali",
                        RECORD_FIELDS[i]
                    ),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn record(&mut self, r: &RawRecord, hooks: &mut Hooks<'_>) {
        self.summary.records += 1;
        let fl = &r.fields;
        set_str(&mut self.ctx.worker, fl[R_CF].get());
        set_str(&mut self.ctx.month, fl[R_MONTH].get());

        // Worker
        let mut cf: Option<CodiceFiscale> = None;
        if let Some(v) = fl[R_CF].get() {
            match CodiceFiscale::parse(v) {
                Ok(c) if c.is_person() => cf = Some(c),
                Ok(_) => self.find(
                    Code::FO09,
                    fl[R_CF].loc,
                    "CFLavoratore",
                    format!("CFLavoratore '{v}': non è il codice fiscale di una persona fisica"),
                ),
                Err(e) => self.find(
                    Code::FO09,
                    fl[R_CF].loc,
                    "CFLavoratore",
                    format!("CFLavoratore '{v}': {}", e.message_it()),
                ),
            }
        }
        let key: Option<Cf16> = cf.as_ref().and_then(cf16);

        // Month
        let month = self.month_field(&fl[R_MONTH], "Competenza");
        if let (Some(m), Some((a, b))) = (month, self.period)
            && (m < a || m > b)
        {
            self.find(
                Code::CO03,
                fl[R_MONTH].loc,
                "Competenza",
                format!(
                    "Competenza {} fuori dal periodo del flusso {} – {}",
                    fmt_month(m),
                    fmt_month(a),
                    fmt_month(b)
                ),
            );
        }

        // Classification
        let q1 = self.code_field(r, R_Q1, QUALIFICA1);
        let q2 = self.code_field(r, R_Q2, QUALIFICA2);
        let q3 = self.code_field(r, R_Q3, QUALIFICA3);
        let quals = match (q1, q2, q3) {
            (Some(a), Some(b), Some(c)) => {
                Some([a.as_bytes()[0], b.as_bytes()[0], c.as_bytes()[0]])
            }
            _ => None,
        };
        if let Some(v) = fl[R_TC].get()
            && (v.len() != 2 || !v.bytes().all(|b| b.is_ascii_digit()))
        {
            self.find(
                Code::FO06,
                fl[R_TC].loc,
                "TipoContribuzione",
                format!("TipoContribuzione '{v}': attese 2 cifre"),
            );
        }
        if let Some(v) = fl[R_UP].get()
            && (v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            self.find(
                Code::FO06,
                fl[R_UP].loc,
                "UnitaProduttiva",
                format!("UnitaProduttiva '{v}': da 1 a 10 caratteri alfanumerici"),
            );
        }
        if let Some(v) = fl[R_NAME].get()
            && v.chars().count() > 70
        {
            self.find(
                Code::FO06,
                fl[R_NAME].loc,
                "Nominativo",
                "Nominativo oltre 70 caratteri".into(),
            );
        }
        let kind = fl.len(); // placeholder to keep indices readable
        let _ = kind;
        let replacement = match r.kind.get() {
            None | Some("N") => false,
            Some("S") => true,
            Some(v) => {
                self.find(
                    Code::FO06,
                    r.kind.loc,
                    "DenunciaIndividuale",
                    format!("tipo '{v}': valori ammessi N (nuovo), S (sostitutivo)"),
                );
                false
            }
        };

        // Hours
        let mut weekly: Option<u64> = None;
        if let Some(v) = fl[R_WEEKLY].get() {
            match parse_centi(v) {
                Some(c) if (100..=4800).contains(&c) => weekly = Some(c),
                Some(_) => self.find(
                    Code::CG01,
                    fl[R_WEEKLY].loc,
                    "OrarioContrattuale",
                    format!("OrarioContrattuale {v} ore: ammesso da 1 a 48 ore settimanali"),
                ),
                None => self.find(
                    Code::FO06,
                    fl[R_WEEKLY].loc,
                    "OrarioContrattuale",
                    format!("OrarioContrattuale '{v}': atteso un numero di ore"),
                ),
            }
        }
        let days_per_week: u64 = match fl[R_DAYS_PER_WEEK].get() {
            None | Some("5") => 5,
            Some("6") => 6,
            Some(v) => {
                self.find(
                    Code::FO06,
                    fl[R_DAYS_PER_WEEK].loc,
                    "GiorniSettimana",
                    format!("GiorniSettimana '{v}': ammessi 5 o 6"),
                );
                5
            }
        };
        let mut part_time: Option<u64> = Some(10_000);
        if let Some(v) = fl[R_PART_TIME].get() {
            match parse_centi(v) {
                Some(c) if (100..=10_000).contains(&c) => part_time = Some(c),
                Some(_) => {
                    part_time = None;
                    self.find(
                        Code::CG02,
                        fl[R_PART_TIME].loc,
                        "PercPartTime",
                        format!("PercPartTime {v}: ammessa da 1 a 100"),
                    );
                }
                None => {
                    part_time = None;
                    self.find(
                        Code::FO06,
                        fl[R_PART_TIME].loc,
                        "PercPartTime",
                        format!("PercPartTime '{v}': atteso un numero"),
                    );
                }
            }
        }
        if let (Some(q2), Some(pt)) = (q2, part_time) {
            let given = fl[R_PART_TIME].get().is_some();
            if q2 == "F" && pt < 10_000 {
                self.find(
                    Code::CO06,
                    fl[R_PART_TIME].loc,
                    "PercPartTime",
                    format!(
                        "Qualifica2 F (tempo pieno) con PercPartTime {}",
                        fmt_centi(pt)
                    ),
                );
            } else if q2 != "F" && (!given || pt == 10_000) {
                let loc = if given {
                    fl[R_PART_TIME].loc
                } else {
                    fl[R_Q2].loc
                };
                self.find(
                    Code::CO06,
                    loc,
                    "PercPartTime",
                    format!("Qualifica2 {q2} (part-time) senza una PercPartTime inferiore a 100"),
                );
            }
        }

        // Pay
        let monthly_pay = self.decimal_field(r, R_MONTHLY_PAY);
        let hourly_pay = self.decimal_field(r, R_HOURLY_PAY);
        let weekly_eff: Option<Decimal> = match (weekly, part_time) {
            (Some(w), Some(p)) => Some(centi_decimal(w) * centi_decimal(p) / Decimal::ONE_HUNDRED),
            _ => None,
        };
        let hourly: Option<Decimal> = match (hourly_pay, monthly_pay, weekly_eff) {
            (Some(h), _, _) => Some(h),
            (None, Some(m), Some(w)) if w > Decimal::ZERO => {
                Some(m / (w * Decimal::from(52) / Decimal::from(12)))
            }
            _ => None,
        };
        if let Some(h) = hourly
            && (h < Decimal::from(5) || h > Decimal::from(150))
        {
            let (i, name) = if hourly_pay.is_some() {
                (R_HOURLY_PAY, "PagaOraria")
            } else {
                (R_MONTHLY_PAY, "RetribTeorica")
            };
            self.find(
                Code::CG05,
                fl[i].loc,
                name,
                format!(
                    "retribuzione oraria {} € fuori dall'intervallo usuale 5–150 €: confermare",
                    h.round_dp(2)
                ),
            );
        }

        // IBAN
        let mut iban: Option<Iban> = None;
        if let Some(v) = fl[R_IBAN].get() {
            match Iban::parse(v) {
                Ok(i) => {
                    if i.country() != "IT" {
                        self.find(
                            Code::CG06,
                            fl[R_IBAN].loc,
                            "IBAN",
                            format!(
                                "IBAN estero ({}): confermare il conto del lavoratore",
                                i.country()
                            ),
                        );
                    }
                    iban = Some(i);
                }
                Err(e) => self.find(
                    Code::FO10,
                    fl[R_IBAN].loc,
                    "IBAN",
                    format!("IBAN '{v}': {}", e.message_it()),
                ),
            }
        }

        // Authorisation
        let mut by_ticket = None;
        if let Some(v) = fl[R_TICKET].get() {
            match self
                .last_ticket
                .lookup(v, Ticket::parse, |t| self.auths.by_ticket(t.as_str()))
            {
                Ok((t, found)) => {
                    by_ticket = found;
                    if found.is_none() {
                        let message = format!("nessuna autorizzazione con ticket {t}");
                        self.find(Code::CP01, fl[R_TICKET].loc, "Ticket", message);
                    }
                }
                Err(e) => self.find(
                    Code::FO11,
                    fl[R_TICKET].loc,
                    "Ticket",
                    format!("Ticket '{v}': {}", e.message_it()),
                ),
            }
        }
        let mut by_number = None;
        if let Some(v) = fl[R_AUTH].get() {
            match self.last_number.lookup(v, AuthorisationNumber::parse, |n| {
                self.auths.by_number(n.as_str())
            }) {
                Ok((n, found)) => {
                    by_number = found;
                    if found.is_none() {
                        let message = format!("autorizzazione {n} inesistente");
                        self.find(Code::CP01, fl[R_AUTH].loc, "NumeroAutorizzazione", message);
                    }
                }
                Err(e) => self.find(
                    Code::FO11,
                    fl[R_AUTH].loc,
                    "NumeroAutorizzazione",
                    format!("NumeroAutorizzazione '{v}': {}", e.message_it()),
                ),
            }
        }
        let auth_id = match (by_number, by_ticket) {
            (Some(a), Some(b)) if a != b => {
                self.find(
                    Code::CP07,
                    fl[R_AUTH].loc,
                    "NumeroAutorizzazione",
                    format!(
                        "il ticket {} appartiene all'autorizzazione {}, non a {}",
                        fl[R_TICKET].value.trim(),
                        self.auths.get(b).number,
                        self.auths.get(a).number
                    ),
                );
                None
            }
            (Some(a), _) => Some(a),
            (None, Some(b)) if !fl[R_AUTH].present => Some(b),
            _ => None,
        };
        let auth = auth_id.map(|i| self.auths.get(i));
        let auth_loc = if fl[R_AUTH].present {
            fl[R_AUTH].loc
        } else {
            fl[R_TICKET].loc
        };
        let auth_el = if fl[R_AUTH].present {
            "NumeroAutorizzazione"
        } else {
            "Ticket"
        };
        let mut grant: Option<(u32, u32, u32)> = None; // (grant idx, authorised, used before)
        if let (Some(a), Some(id)) = (auth, auth_id) {
            if let Some(emp) = &self.ctx.employer_valid
                && a.employer_cf != *emp
            {
                self.find(
                    Code::CP02,
                    auth_loc,
                    auth_el,
                    format!(
                        "l'autorizzazione {} è intestata a {}, non a {emp}",
                        a.number, a.employer_cf
                    ),
                );
            }
            if a.benefit == Benefit::Cisoa {
                self.find(Code::CP08, auth_loc, auth_el, format!("l'autorizzazione {} riguarda la {}: si dichiara con il modello SR43, non con questo flusso", a.number, a.benefit.label_it()));
            }
            if a.payment == PaymentRoute::Conguaglio {
                self.find(Code::CP10, auth_loc, auth_el, format!("l'autorizzazione {} è a conguaglio: il datore di lavoro anticipa la prestazione e dichiara il fruito; il flusso è solo per il pagamento diretto", a.number));
            }
            if let Some(k) = &key {
                match self.auths.worker(k).and_then(|w| self.auths.grant(w, id)) {
                    Some((g, gr)) => grant = Some((g, gr.authorised, gr.used)),
                    None => self.find(
                        Code::CP04,
                        fl[R_CF].loc,
                        "CFLavoratore",
                        format!(
                            "il lavoratore non è beneficiario dell'autorizzazione {}",
                            a.number
                        ),
                    ),
                }
            }
            if let Some(m) = month {
                let second_after = last_of_month(m + 2);
                let sixty = a.authorised_on + chrono::Days::new(60);
                let deadline = second_after.max(sixty);
                if self.opts.today > deadline {
                    self.find(Code::CP09, fl[R_MONTH].loc, "Competenza", format!("termine scaduto il {} (fine del secondo mese successivo o 60 giorni dall'autorizzazione del {}): il pagamento resta a carico del datore di lavoro", deadline.format("%d/%m/%Y"), a.authorised_on.format("%d/%m/%Y")));
                }
            }
        }

        // Days
        let daily_limit: Option<u64> = match (weekly, part_time) {
            (Some(w), Some(p)) => Some(w * p), // compare with hours × days × 10000
            _ => None,
        };
        let holidays = month.map(|m| self.holiday_mask(m)).unwrap_or(0);
        let mut mask: u32 = 0;
        let mut rec_hours: u64 = 0;
        let mut by_year_hours: u64 = 0;
        for d in r.days() {
            self.summary.days += 1;
            let date = match d.date.get() {
                Some(v) => match parse_date(v) {
                    Some(dt) => Some(dt),
                    None => {
                        self.find(
                            Code::FO06,
                            d.loc,
                            "Giorno",
                            format!("data '{v}': attesa AAAA-MM-GG"),
                        );
                        None
                    }
                },
                None => None,
            };
            let hours = match d.hours.get() {
                Some(v) => {
                    match parse_centi(v) {
                        Some(h) if h <= 2400 => Some(h),
                        _ => {
                            self.find(Code::FO06, d.loc, "Giorno", format!("ore '{v}': atteso un numero da 0 a 24 con al massimo 2 decimali"));
                            None
                        }
                    }
                }
                None => None,
            };
            let event = match d.event.get() {
                Some(v) => match event_benefit(v) {
                    Some(b) => Some(b),
                    None => {
                        self.find(
                            Code::FO06,
                            d.loc,
                            "Giorno",
                            format!("evento '{v}': codici ammessi CIGO, AISF, AISS, CISOA"),
                        );
                        None
                    }
                },
                None => None,
            };
            if let Some(dt) = date {
                let in_month = month.is_none_or(|m| month_of(dt) == m);
                if !in_month {
                    self.find(
                        Code::CO04,
                        d.loc,
                        "Giorno",
                        format!(
                            "il giorno {dt} non appartiene al mese di competenza {}",
                            fl[R_MONTH].value.trim()
                        ),
                    );
                } else {
                    let bit = 1u32 << dt.day0();
                    if mask & bit != 0 {
                        self.find(
                            Code::CO05,
                            d.loc,
                            "Giorno",
                            format!("il giorno {dt} compare più volte"),
                        );
                    }
                    mask |= bit;
                    if holidays & bit != 0 {
                        self.find(
                            Code::CG07,
                            d.loc,
                            "Giorno",
                            format!("{dt} è domenica o festivo: confermare l'integrazione"),
                        );
                    }
                }
                if let Some(a) = auth
                    && !a.period.contains(dt)
                {
                    self.find(
                        Code::CP05,
                        d.loc,
                        "Giorno",
                        format!(
                            "il giorno {dt} è fuori dal periodo autorizzato {} – {}",
                            a.period.start(),
                            a.period.end()
                        ),
                    );
                }
            }
            if let Some(h) = hours {
                if h == 0 {
                    self.find(
                        Code::CG04,
                        d.loc,
                        "Giorno",
                        "ore integrate nulle: omettere il giorno".into(),
                    );
                } else if let Some(lim) = daily_limit
                    && h * days_per_week * 10_000 > lim
                {
                    let max = centi_decimal(lim / days_per_week / 100);
                    self.find(
                        Code::CG03,
                        d.loc,
                        "Giorno",
                        format!(
                            "{} ore oltre l'orario giornaliero contrattuale di {} ore",
                            fmt_centi(h),
                            max.round_dp(2)
                        ),
                    );
                }
                rec_hours += h;
                by_year_hours += h;
            }
            if let (Some(ev), Some(a)) = (event, auth)
                && ev != a.benefit
            {
                self.find(
                    Code::CP03,
                    d.loc,
                    "Giorno",
                    format!(
                        "evento {} non coerente con la prestazione autorizzata ({})",
                        d.event.value.trim(),
                        event_code(a.benefit)
                    ),
                );
            }
        }
        self.hours_total += rec_hours;

        // Duplicates, replacements and overlaps.
        if let (Some(k), Some(m), Some(q)) = (key, month, quals) {
            let mut dup = false;
            let mut replaces = false;
            let mut overlap = 0u32;
            let mut s = *self.seen_head(&k);
            while s != NONE {
                let e = self.seen[s as usize];
                if e.month == m {
                    if e.quals == q {
                        if e.accepted_before {
                            replaces = true;
                        } else {
                            dup = true;
                        }
                    }
                    if !e.accepted_before && auth_id.is_some_and(|a| a != e.auth) && e.auth != NONE
                    {
                        overlap |= e.days & mask;
                    }
                }
                s = e.next;
            }
            if dup {
                self.find(
                    Code::CO07,
                    r.loc,
                    "DenunciaIndividuale",
                    format!(
                        "secondo record per lo stesso lavoratore, mese {} e inquadramento {}",
                        fmt_month(m),
                        String::from_utf8_lossy(&q)
                    ),
                );
            }
            if replaces && !replacement {
                self.find(Code::CO08, r.loc, "DenunciaIndividuale", "esiste già un record acquisito per lavoratore, mese e inquadramento: inviare tipo=\"S\" (sostitutivo)".into());
            }
            if replacement && !replaces {
                self.find(
                    Code::CO09,
                    r.loc,
                    "DenunciaIndividuale",
                    "record sostitutivo senza un record acquisito da sostituire".into(),
                );
            }
            if overlap != 0 {
                let first = overlap.trailing_zeros() + 1;
                let loc = r
                    .days()
                    .iter()
                    .find(|d| {
                        d.date
                            .get()
                            .and_then(parse_date)
                            .is_some_and(|dt| dt.day() == first)
                    })
                    .map_or(r.loc, |d| d.loc);
                self.find(Code::CP06, loc, "Giorno", format!("{} giorno/i (dal {first}) già coperti da un altro record con un'altra autorizzazione", overlap.count_ones()));
            }
            self.push_seen(
                &k,
                Seen {
                    month: m,
                    quals: q,
                    accepted_before: false,
                    auth: auth_id.unwrap_or(NONE),
                    days: mask,
                    next: NONE,
                },
            );
        }

        // Cumulative hours (R-FLO-1 calculation).
        if let (Some((g, authorised, used)), Some(id)) = (grant, auth_id) {
            let before = u64::from(self.grant_used[g as usize]);
            let total = u64::from(used) + before + rec_hours;
            self.grant_used[g as usize] = u32::try_from(before + rec_hours).unwrap_or(u32::MAX);
            if total > u64::from(authorised) {
                self.find(
                    Code::CA01,
                    r.loc,
                    "DenunciaIndividuale",
                    format!(
                        "ore cumulate {} (già fruite {}) oltre le {} autorizzate al lavoratore",
                        fmt_centi(total),
                        fmt_centi(u64::from(used)),
                        fmt_centi(u64::from(authorised))
                    ),
                );
            }
            let a = self.auths.get(id);
            self.auth_used[id as usize] += rec_hours;
            self.auth_touched[id as usize] = true;
            if let Some(cap) = a.total_centi {
                let t = self.auths.used_total(id) + self.auth_used[id as usize];
                if t > cap && !self.auth_over_reported[id as usize] {
                    self.auth_over_reported[id as usize] = true;
                    self.find(Code::CA02, r.loc, "DenunciaIndividuale", format!("ore cumulate dell'autorizzazione {} oltre il totale autorizzato di {} ore", a.number, fmt_centi(cap)));
                }
            }
        }

        if self.record_blocking {
            return;
        }
        self.summary.records_ok += 1;
        // Amount (R-AMT) for a record without blocking findings.
        let (Some(cf), Some(m), Some(w), Some(h), Some(iban), Some(id), Some(quals)) = (
            cf.as_ref(),
            month,
            weekly_eff,
            hourly,
            iban.as_ref(),
            auth_id,
            quals,
        ) else {
            return;
        };
        let (year, _) = month_year(m);
        if !self.massimali.contains_key(&year)
            && let Some(ms) = massimale_for(self.opts.reference, year, false)
        {
            self.massimali.insert(year, ms);
        }
        let params = self.opts.reference.parameters_on(first_of_month(m));
        let mut by_year = BTreeMap::new();
        by_year.insert(year, centi_decimal(by_year_hours));
        let amount = worker_amount(cf, &by_year, w, h, &self.massimali, params);
        if amount.capped {
            // Frequent (most full-time wages exceed the cap): format only if kept.
            let (g, u) = (amount.gross, amount.uncapped_gross);
            self.find_with(Code::CA03, r.loc, "DenunciaIndividuale", || {
                format!("importo limitato dal massimale: lordo {g} € invece di {u} €")
            });
        }
        self.summary.records_computed += 1;
        self.summary.total_gross += amount.gross;
        self.summary.total_net += amount.net;
        if let Some(sink) = hooks.amount.as_deref_mut() {
            let a = self.auths.get(id);
            sink(&RecordAmount {
                line: r.loc.line,
                employer_cf: self.ctx.employer.as_deref().unwrap_or(""),
                matricola: self.ctx.matricola.as_deref().unwrap_or(""),
                worker: cf,
                name: fl[R_NAME].get(),
                month: fmt_month(m),
                iban,
                authorisation: &a.number,
                benefit: a.benefit,
                hourly_wage: h,
                amount,
                unit: fl[R_UP].get().unwrap_or(""),
                qualifiche: quals,
                replacement,
                hours_centi: rec_hours,
            });
        }
    }

    fn end(&mut self, h: &RawHeader, end_loc: Location) {
        self.ctx.employer = None;
        self.ctx.matricola = None;
        self.ctx.worker.clear();
        self.ctx.month.clear();
        let f = &h.fields;
        if let Some(n) = f[H_RECORDS].get().and_then(|v| v.parse::<u64>().ok())
            && n != self.summary.records
        {
            self.find(
                Code::CO01,
                f[H_RECORDS].loc,
                "NumeroRecord",
                format!(
                    "NumeroRecord dichiarato {n}, record presenti {}",
                    self.summary.records
                ),
            );
        }
        if let Some(c) = f[H_HOURS].get().and_then(parse_centi)
            && c != self.hours_total
        {
            self.find(
                Code::CO02,
                f[H_HOURS].loc,
                "OreTotali",
                format!(
                    "OreTotali dichiarate {}, somma delle ore dei giorni {}",
                    fmt_centi(c),
                    fmt_centi(self.hours_total)
                ),
            );
        }
        let _ = end_loc;
    }
}

impl<'a> Checker<'a> {
    /// Reads and checks items up to the end or a fatal error; the end-of-file
    /// checks (control totals) are left to the caller.
    pub(crate) fn run<R: FlowReader>(&mut self, reader: &mut R, hooks: &mut Hooks<'_>) -> RunEnd {
        let mut issues = Vec::new();
        let mut headers = 0;
        loop {
            let item = reader.next_item(&mut issues);
            // The reader's issues belong to the item they come with: a record's
            // blocking state starts before they are counted.
            self.record_blocking = false;
            self.issues(&mut issues);
            match item {
                Ok(Item::Header) => {
                    headers += 1;
                    self.header(reader.header());
                }
                Ok(Item::Employer) => self.employer(reader.employer()),
                Ok(Item::Position) => self.position(reader.position()),
                Ok(Item::Record) => {
                    self.record(reader.record(), hooks);
                    if self.summary.records.is_multiple_of(4096)
                        && let Some(p) = hooks.progress.as_deref_mut()
                    {
                        p(reader.bytes_read());
                    }
                }
                Ok(Item::End) => {
                    return RunEnd {
                        stopped: false,
                        headers,
                    };
                }
                Err(fatal) => {
                    self.find(fatal.code, fatal.loc, &fatal.element, fatal.message);
                    return RunEnd {
                        stopped: true,
                        headers,
                    };
                }
            }
        }
    }

    /// The header's period only, without its findings (for a second part,
    /// whose reader does not see the header).
    pub(crate) fn take_period_of(&mut self, h: &RawHeader) {
        let (counts, findings, truncated) =
            (self.counts.clone(), self.findings.len(), self.truncated);
        self.header(h);
        self.counts = counts;
        self.findings.truncate(findings);
        self.truncated = truncated;
    }

    /// Why `second` (the part of the file after this one's) cannot be merged
    /// exactly into this one, if it cannot: a worker in both parts (duplicates,
    /// replacements, overlaps and cumulative hours per grant depend on the
    /// order), or an authorisation with a total used in both whose total is
    /// exceeded (CA02 is reported once, where it is first exceeded).
    pub(crate) fn crosses(&self, second: &Checker<'_>) -> Option<&'static str> {
        let mine = |h: u32| h != NONE && h >= self.n_accepted;
        let theirs = |h: u32| h != NONE && h >= second.n_accepted;
        if self
            .worker_seen
            .iter()
            .zip(&second.worker_seen)
            .any(|(a, b)| mine(*a) && theirs(*b))
            || second
                .extra_seen
                .iter()
                .any(|(k, b)| theirs(*b) && self.extra_seen.get(k).is_some_and(|a| mine(*a)))
        {
            return Some("lo stesso lavoratore in entrambe le parti");
        }
        for id in 0..self.auth_used.len() {
            if self.auth_touched[id] && second.auth_touched[id] {
                let cap = self.auths.get(id as u32).total_centi;
                let total =
                    self.auths.used_total(id as u32) + self.auth_used[id] + second.auth_used[id];
                if cap.is_some_and(|cap| total > cap) {
                    return Some("un'autorizzazione oltre il totale in entrambe le parti");
                }
            }
        }
        None
    }

    /// Appends the results of `second`, the part of the file after this one
    /// (checked on its own from the line after `lines`), as a single pass over
    /// both would have found them. Call only if [`Self::crosses`] found nothing.
    pub(crate) fn absorb(&mut self, second: Checker<'_>, lines: u64) {
        let inherited = second.before_first_employer.unwrap_or(usize::MAX);
        for (i, mut f) in second.findings.into_iter().enumerate() {
            if self.findings.len() >= self.opts.max_findings {
                self.truncated = true;
                break;
            }
            f.line += lines;
            if i < inherited {
                // Read before the part's first employer: in one pass they
                // carry the context where this part ended.
                f.employer = self.ctx.employer.clone();
                f.matricola = self.ctx.matricola.clone();
                f.worker = opt(&self.ctx.worker);
                f.month = opt(&self.ctx.month);
            }
            self.findings.push(f);
        }
        self.truncated |= second.truncated;
        for (code, n) in second.counts {
            *self.counts.entry(code).or_insert(0) += n;
        }
        let (a, b) = (&mut self.summary, second.summary);
        a.employers += b.employers;
        a.positions += b.positions;
        a.records += b.records;
        a.days += b.days;
        a.records_ok += b.records_ok;
        a.records_computed += b.records_computed;
        a.total_gross += b.total_gross;
        a.total_net += b.total_net;
        self.hours_total += second.hours_total;
        for (u, v) in self.grant_used.iter_mut().zip(second.grant_used) {
            *u = u.saturating_add(v);
        }
        for (u, v) in self.auth_used.iter_mut().zip(second.auth_used) {
            *u += v;
        }
        for (u, v) in self.auth_touched.iter_mut().zip(second.auth_touched) {
            *u |= v;
        }
    }

    /// The end-of-file checks (control totals), after a run that reached the end.
    pub(crate) fn finish(&mut self, h: &RawHeader) {
        self.end(h, Location::default());
    }

    pub(crate) fn report(mut self, stopped: bool, bytes: u64) -> Report {
        self.summary.hours = fmt_centi(self.hours_total);
        self.summary.bytes = bytes;
        let mut report = Report {
            summary: self.summary,
            counts: self.counts,
            findings: self.findings,
            truncated: self.truncated,
            stopped,
            outcome: Outcome::Accepted,
        };
        report.outcome = report.decide();
        report
    }
}

/// Checks a whole flow in one pass.
pub fn check_flow<R: FlowReader>(
    reader: &mut R,
    auths: &Authorisations,
    opts: &CheckOptions,
    mut hooks: Hooks<'_>,
) -> Report {
    let mut c = Checker::new(auths, opts);
    let run = c.run(reader, &mut hooks);
    if !run.stopped && run.headers > 0 {
        c.finish(reader.header());
    }
    c.report(run.stopped, reader.bytes_read())
}
