//! Synthetic flows for tests, demos and benchmarks: valid codici fiscali and
//! IBANs, plausible hours, consistent with the authorisations written beside
//! them, optionally with a share of injected errors.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{Datelike, NaiveDate, Weekday};
use omnia_domain::benefit::Benefit;
use omnia_domain::ids::codice_fiscale::person_check_char;
use omnia_domain::ids::{AuthorisationNumber, CodiceFiscale, Ticket, iban};

use crate::check::event_code;
use crate::values::{first_of_month, fmt_centi, fmt_month, last_of_month, month_of};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Csv,
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub records: u64,
    pub seed: u64,
    /// Month of competence (index from [`crate::values::parse_month`]).
    pub month: u32,
    /// Share of records with one injected error (0.0–1.0).
    pub error_rate: f64,
    pub format: Format,
    /// Workers per employer (one authorisation per employer).
    pub workers_per_employer: u64,
}

impl GenerateOptions {
    pub fn new(records: u64, month: u32) -> Self {
        Self {
            records,
            seed: 1,
            month,
            error_rate: 0.0,
            format: Format::Xml,
            workers_per_employer: 250,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GenerateStats {
    pub records: u64,
    pub days: u64,
    pub hours: String,
    pub employers: u64,
    /// Injected errors by the check code they should trigger.
    pub injected: BTreeMap<&'static str, u64>,
}

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
}

const PLACES: [&str; 8] = [
    "F205", "H501", "L219", "F839", "A944", "G273", "D612", "L736",
];
const MONTH_LETTERS: &[u8; 12] = b"ABCDEHLMPRST";
const SURNAMES: [&str; 10] = [
    "Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno",
    "Gallo",
];
const NAMES: [&str; 10] = [
    "Maria", "Giuseppe", "Anna", "Luca", "Giulia", "Marco", "Sara", "Paolo", "Chiara", "Andrea",
];

fn letters3(mut n: u64) -> [u8; 3] {
    let mut out = [b'A'; 3];
    for c in out.iter_mut().rev() {
        *c = b'A' + (n % 26) as u8;
        n /= 26;
    }
    out
}

/// A unique, valid person codice fiscale for worker `j`.
fn worker_cf(j: u64, rng: &mut Rng) -> String {
    let s = letters3(j % 17_576);
    let n = letters3(j / 17_576 % 17_576);
    let yy = 60 + rng.below(40);
    let m = MONTH_LETTERS[rng.below(12) as usize];
    let mut day = 1 + rng.below(28);
    if rng.chance(0.5) {
        day += 40;
    }
    let place = PLACES[rng.below(PLACES.len() as u64) as usize];
    let first15 = format!(
        "{}{}{yy:02}{}{day:02}{place}",
        std::str::from_utf8(&s).expect("ascii"),
        std::str::from_utf8(&n).expect("ascii"),
        m as char
    );
    let check = person_check_char(&first15);
    format!("{first15}{check}")
}

struct Employer {
    cf: String,
    matricola: String,
    number: String,
    ticket: String,
    benefit: Benefit,
    period: (NaiveDate, NaiveDate),
    authorised_on: NaiveDate,
}

#[derive(Clone)]
struct Rec {
    cf: String,
    name: String,
    q: [u8; 3],
    weekly: u64,
    part_time: Option<u64>,
    monthly_pay: Option<String>,
    hourly_pay: Option<String>,
    use_ticket: bool,
    auth_override: Option<String>,
    iban: String,
    days: Vec<(NaiveDate, u64)>,
    event: &'static str,
    /// Authorised hours for the worker; `None` = not a beneficiary.
    authorised: Option<u64>,
    duplicate: bool,
    /// Written with `tipo="S"` (replaces a record accepted earlier).
    replacement: bool,
}

fn working_days(month: u32) -> Vec<NaiveDate> {
    let mut v = Vec::new();
    let mut d = first_of_month(month);
    while month_of(d) == month {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
            && !omnia_domain::calendar::is_public_holiday(d)
        {
            v.push(d);
        }
        d = d.succ_opt().expect("date");
    }
    v
}

fn holiday_in(month: u32) -> NaiveDate {
    let mut d = first_of_month(month);
    while d.weekday() != Weekday::Sun {
        d = d.succ_opt().expect("date");
    }
    d
}

/// Deterministic generation: calls `emp` for each employer and `rec` for
/// each record (twice for an injected duplicate).
fn build(
    o: &GenerateOptions,
    mut emp: impl FnMut(&Employer) -> io::Result<()>,
    mut rec: impl FnMut(&Employer, &Rec) -> io::Result<()>,
    mut end_emp: impl FnMut(&Employer, &[(String, u64)]) -> io::Result<()>,
    stats: &mut GenerateStats,
) -> io::Result<()> {
    let mut rng = Rng(o.seed ^ 0x5eed);
    let wd = working_days(o.month);
    let (year, _) = crate::values::month_year(o.month);
    let per = o.workers_per_employer.max(1);
    let employers = o.records.div_ceil(per);
    let mut j = 0u64;
    let mut hours_total = 0u64;
    for e in 0..employers {
        let cf = CodiceFiscale::company_from_prefix(&format!("{:010}", 1_000_000 + e * 37))
            .expect("company cf");
        let benefit = if e % 5 == 4 {
            Benefit::AisFis
        } else {
            Benefit::Cigo
        };
        let employer = Employer {
            cf: cf.as_str().to_owned(),
            matricola: format!("{:010}", 4_900_000_000 + e),
            number: AuthorisationNumber::new("4900", year, (e + 1) as u32)
                .expect("number")
                .as_str()
                .to_owned(),
            ticket: Ticket::new(year, (e + 1) as u32)
                .expect("ticket")
                .as_str()
                .to_owned(),
            benefit,
            period: (first_of_month(o.month), last_of_month(o.month)),
            authorised_on: first_of_month(o.month + 1) + chrono::Days::new(4),
        };
        emp(&employer)?;
        stats.employers += 1;
        let n = per.min(o.records - e * per);
        let mut granted: Vec<(String, u64)> = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let cf = worker_cf(j, &mut rng);
            j += 1;
            let q1 = [b'1', b'1', b'1', b'2', b'2', b'3'][rng.below(6) as usize];
            let part = rng.chance(0.2);
            let q2 = if part {
                [b'P', b'V'][rng.below(2) as usize]
            } else {
                b'F'
            };
            let q3 = if rng.chance(0.1) { b'D' } else { b'I' };
            let weekly = [4000, 4000, 4000, 3800, 3600][rng.below(5) as usize];
            let pt = if part {
                Some([5000, 6000, 7500][rng.below(3) as usize])
            } else {
                None
            };
            let ptv = pt.unwrap_or(10_000);
            let daily = weekly * ptv / 10_000 / 5;
            let (monthly_pay, hourly_pay) = if rng.chance(0.7) {
                let base = 1_700 + rng.below(1_600);
                (Some(format!("{}.00", base * ptv / 10_000)), None)
            } else {
                (
                    None,
                    Some(format!("{}.{:02}", 10 + rng.below(12), rng.below(100))),
                )
            };
            let count = (8 + rng.below(5)).min(wd.len() as u64) as usize;
            let start = rng.below((wd.len() - count + 1) as u64) as usize;
            let reduced = rng.chance(0.2);
            let days: Vec<(NaiveDate, u64)> = wd[start..start + count]
                .iter()
                .map(|d| (*d, if reduced { daily / 2 } else { daily }))
                .collect();
            let hours: u64 = days.iter().map(|d| d.1).sum();
            let abi = format!("{:05}", 1_000 + rng.below(9_000));
            let cab = format!("{:05}", 1_000 + rng.below(90_000));
            let iban = iban::it_from_parts(&abi, &cab, &format!("{:012}", j))
                .expect("iban")
                .as_str()
                .to_owned();
            let surname = SURNAMES[rng.below(10) as usize];
            let name = NAMES[rng.below(10) as usize];
            let mut r = Rec {
                cf,
                name: format!("{surname} {name}"),
                q: [q1, q2, q3],
                weekly,
                part_time: pt,
                monthly_pay,
                hourly_pay,
                use_ticket: rng.chance(0.3),
                auth_override: None,
                iban,
                days,
                event: event_code(benefit),
                authorised: Some(hours + 800 * rng.below(6)),
                duplicate: false,
                replacement: false,
            };
            let true_cf = r.cf.clone();
            if rng.chance(o.error_rate) {
                let code = inject(&mut r, &mut rng, o.month, daily, year);
                *stats.injected.entry(code).or_insert(0) += 1;
            }
            let times = if r.duplicate { 2 } else { 1 };
            for _ in 0..times {
                rec(&employer, &r)?;
                stats.records += 1;
                stats.days += r.days.len() as u64;
                hours_total += r.days.iter().map(|d| d.1).sum::<u64>();
            }
            if let Some(a) = r.authorised {
                granted.push((true_cf, a));
            }
        }
        end_emp(&employer, &granted)?;
    }
    stats.hours = fmt_centi(hours_total);
    Ok(())
}

fn inject(r: &mut Rec, rng: &mut Rng, month: u32, daily: u64, year: i32) -> &'static str {
    match rng.below(10) {
        0 => {
            let last = r.cf.pop().expect("cf");
            r.cf.push(if last == 'A' { 'B' } else { 'A' });
            "FO09"
        }
        1 => {
            // Swap two digits of the account: the check digits no longer match.
            let mut b = r.iban.clone().into_bytes();
            let n = b.len();
            b.swap(n - 1, n - 3);
            if b[n - 1] == b[n - 3] {
                b[n - 1] = if b[n - 1] == b'9' { b'0' } else { b[n - 1] + 1 };
            }
            r.iban = String::from_utf8(b).expect("ascii");
            "FO10"
        }
        2 => {
            r.days[0].1 = daily + 200;
            "CG03"
        }
        3 => {
            r.days[0].0 = last_of_month(month) + chrono::Days::new(3);
            "CO04"
        }
        4 => {
            r.auth_override = Some(
                AuthorisationNumber::new("4900", year, 9_000_000 + rng.below(999_999) as u32)
                    .expect("number")
                    .as_str()
                    .to_owned(),
            );
            r.use_ticket = false;
            "CP01"
        }
        5 => {
            r.authorised = None;
            "CP04"
        }
        6 => {
            r.duplicate = true;
            "CO07"
        }
        7 => {
            r.weekly = 6000;
            "CG01"
        }
        8 => {
            let h: u64 = r.days.iter().map(|d| d.1).sum();
            r.authorised = Some(h.saturating_sub(800));
            "CA01"
        }
        _ => {
            r.days[0].0 = holiday_in(month);
            "CG07"
        }
    }
}

fn write_rec_xml(w: &mut dyn Write, e: &Employer, r: &Rec, month: &str) -> io::Result<()> {
    write!(
        w,
        "      <DenunciaIndividuale{}>\n        <CFLavoratore>{}</CFLavoratore>\n        <Nominativo>{}</Nominativo>\n        <Competenza>{month}</Competenza>\n        <Qualifica1>{}</Qualifica1>\n        <Qualifica2>{}</Qualifica2>\n        <Qualifica3>{}</Qualifica3>\n        <TipoContribuzione>00</TipoContribuzione>\n        <UnitaProduttiva>1</UnitaProduttiva>\n        <OrarioContrattuale>{}</OrarioContrattuale>\n",
        if r.replacement { " tipo=\"S\"" } else { "" },
        r.cf,
        r.name,
        r.q[0] as char,
        r.q[1] as char,
        r.q[2] as char,
        fmt_centi(r.weekly)
    )?;
    if let Some(p) = r.part_time {
        writeln!(w, "        <PercPartTime>{}</PercPartTime>", fmt_centi(p))?;
    }
    if let Some(p) = &r.monthly_pay {
        writeln!(w, "        <RetribTeorica>{p}</RetribTeorica>")?;
    }
    if let Some(p) = &r.hourly_pay {
        writeln!(w, "        <PagaOraria>{p}</PagaOraria>")?;
    }
    match (&r.auth_override, r.use_ticket) {
        (Some(n), _) => writeln!(
            w,
            "        <NumeroAutorizzazione>{n}</NumeroAutorizzazione>"
        )?,
        (None, true) => writeln!(w, "        <Ticket>{}</Ticket>", e.ticket)?,
        (None, false) => writeln!(
            w,
            "        <NumeroAutorizzazione>{}</NumeroAutorizzazione>",
            e.number
        )?,
    }
    writeln!(w, "        <IBAN>{}</IBAN>", r.iban)?;
    for (d, h) in &r.days {
        writeln!(
            w,
            "        <Giorno data=\"{d}\" ore=\"{}\" evento=\"{}\"/>",
            fmt_centi(*h),
            r.event
        )?;
    }
    w.write_all(b"      </DenunciaIndividuale>\n")
}

fn write_rec_csv(w: &mut dyn Write, e: &Employer, r: &Rec, month: &str) -> io::Result<()> {
    let (ticket, number) = match (&r.auth_override, r.use_ticket) {
        (Some(n), _) => ("", n.as_str()),
        (None, true) => (e.ticket.as_str(), ""),
        (None, false) => ("", e.number.as_str()),
    };
    writeln!(
        w,
        "L;{};{};{};{month};{};{};{};00;1;{};;{};{};{};{ticket};{number};{}",
        if r.replacement { "S" } else { "N" },
        r.cf,
        r.name,
        r.q[0] as char,
        r.q[1] as char,
        r.q[2] as char,
        fmt_centi(r.weekly),
        r.part_time.map(fmt_centi).unwrap_or_default(),
        r.monthly_pay.as_deref().unwrap_or(""),
        r.hourly_pay.as_deref().unwrap_or(""),
        r.iban
    )?;
    for (d, h) in &r.days {
        writeln!(w, "G;{d};{};{}", fmt_centi(*h), r.event)?;
    }
    Ok(())
}

/// Writes a flow to `out` and, if given, the matching authorisations JSON.
pub fn generate(
    o: &GenerateOptions,
    out: &mut dyn Write,
    mut auth_out: Option<&mut dyn Write>,
) -> io::Result<GenerateStats> {
    // Pass 1: totals and authorisations.
    let mut totals = GenerateStats::default();
    let mut first = true;
    if let Some(a) = auth_out.as_deref_mut() {
        a.write_all(b"{\"authorisations\": [\n")?;
    }
    build(
        o,
        |_| Ok(()),
        |_, _| Ok(()),
        |e, workers| {
            let Some(a) = auth_out.as_deref_mut() else {
                return Ok(());
            };
            if !first {
                a.write_all(b",\n")?;
            }
            first = false;
            let total: u64 = workers.iter().map(|w| w.1).sum();
            write!(
                a,
                "{{\"number\": \"{}\", \"ticket\": \"{}\", \"employer_cf\": \"{}\", \"benefit\": \"{}\", \"period\": {{\"start\": \"{}\", \"end\": \"{}\"}}, \"authorised_on\": \"{}\", \"total_hours\": \"{}\",\n \"workers\": {{",
                e.number,
                e.ticket,
                e.cf,
                serde_json::to_value(e.benefit)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                e.period.0,
                e.period.1,
                e.authorised_on,
                fmt_centi(total)
            )?;
            for (i, (cf, h)) in workers.iter().enumerate() {
                if i > 0 {
                    a.write_all(b", ")?;
                }
                write!(a, "\"{cf}\": \"{}\"", fmt_centi(*h))?;
            }
            a.write_all(b"}}")
        },
        &mut totals,
    )?;
    if let Some(a) = auth_out {
        a.write_all(b"\n]}\n")?;
    }
    // Pass 2: the flow, with the control totals in the header.
    let month = fmt_month(o.month);
    let sender = "01234567897";
    match o.format {
        Format::Xml => write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FlussoCig versione=\"1\">\n  <Intestazione>\n    <CFMittente>{sender}</CFMittente>\n    <PeriodoDa>{month}</PeriodoDa>\n    <PeriodoA>{month}</PeriodoA>\n    <NumeroRecord>{}</NumeroRecord>\n    <OreTotali>{}</OreTotali>\n  </Intestazione>\n",
            totals.records, totals.hours
        )?,
        Format::Csv => writeln!(
            out,
            "H;1;{sender};{month};{month};{};{}",
            totals.records, totals.hours
        )?,
    }
    let mut stats = GenerateStats::default();
    let fmt = o.format;
    let cell = std::cell::RefCell::new(&mut *out);
    build(
        o,
        |e| {
            let mut w = cell.borrow_mut();
            match fmt {
                Format::Xml => write!(
                    w,
                    "  <Azienda>\n    <CFAzienda>{}</CFAzienda>\n    <PosContributiva>\n      <Matricola>{}</Matricola>\n",
                    e.cf, e.matricola
                ),
                Format::Csv => write!(w, "A;{}\nP;{}\n", e.cf, e.matricola),
            }
        },
        |e, r| {
            let mut w = cell.borrow_mut();
            match fmt {
                Format::Xml => write_rec_xml(&mut **w, e, r, &month),
                Format::Csv => write_rec_csv(&mut **w, e, r, &month),
            }
        },
        |_, _| match fmt {
            Format::Xml => cell
                .borrow_mut()
                .write_all(b"    </PosContributiva>\n  </Azienda>\n"),
            Format::Csv => Ok(()),
        },
        &mut stats,
    )?;
    if fmt == Format::Xml {
        out.write_all(b"</FlussoCig>\n")?;
    }
    out.flush()?;
    Ok(stats)
}

/// A plan: the flow to write for given authorisations and workers (`omnia flow generate
/// --plan PLAN.json`), e.g. for an authorisation issued by a running server. Format in
/// `docs/flows/README.md` ("Plan mode").
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// `CFMittente` of the header.
    pub sender: String,
    /// Month of competence, `YYYY-MM`.
    pub month: String,
    pub employers: Vec<PlanEmployer>,
}

/// One employer with one authorisation.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanEmployer {
    pub cf: String,
    /// INPS matricola (default `4900000000`).
    #[serde(default)]
    pub matricola: Option<String>,
    pub authorisation: String,
    /// Written instead of the authorisation number when given.
    #[serde(default)]
    pub ticket: Option<String>,
    pub benefit: Benefit,
    /// Authorised period: the days are taken inside it.
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub workers: Vec<PlanWorker>,
}

/// One worker record.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanWorker {
    pub cf: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Hours to integrate in the month (≤ 2 decimals), spread over the working days of
    /// the authorised period at the contractual daily hours.
    pub hours: String,
    /// Weekly contractual hours (default 40).
    #[serde(default)]
    pub weekly_hours: Option<String>,
    /// Hourly wage in euro (default 12.50).
    #[serde(default)]
    pub hourly_wage: Option<String>,
    /// Default: a valid Italian IBAN derived from the worker's position in the plan.
    #[serde(default)]
    pub iban: Option<String>,
    /// Qualifica 1, 2, 3 (default `1FI`).
    #[serde(default)]
    pub qualifiche: Option<String>,
    /// Send as a replacement (`tipo="S"`).
    #[serde(default)]
    pub replacement: bool,
}

fn plan_err(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Employers of a plan with their records.
type PlanRecords = Vec<(Employer, Vec<Rec>)>;

fn plan_records(plan: &Plan) -> io::Result<(u32, PlanRecords)> {
    use crate::values::parse_centi;
    let month = crate::values::parse_month(&plan.month)
        .ok_or_else(|| plan_err(format!("month '{}' is not YYYY-MM", plan.month)))?;
    let mut out = Vec::new();
    let mut j = 0u64;
    for pe in &plan.employers {
        let employer = Employer {
            cf: pe.cf.clone(),
            matricola: pe.matricola.clone().unwrap_or_else(|| "4900000000".into()),
            number: pe.authorisation.clone(),
            ticket: pe.ticket.clone().unwrap_or_default(),
            benefit: pe.benefit,
            period: (pe.start, pe.end),
            authorised_on: pe.end,
        };
        let days: Vec<NaiveDate> = working_days(month)
            .into_iter()
            .filter(|d| *d >= pe.start && *d <= pe.end)
            .collect();
        let mut recs = Vec::new();
        for w in &pe.workers {
            j += 1;
            let bad = |what: &str, v: &str| plan_err(format!("worker {}: {what} '{v}'", w.cf));
            let hours = parse_centi(&w.hours).ok_or_else(|| bad("hours", &w.hours))?;
            let weekly_s = w.weekly_hours.clone().unwrap_or_else(|| "40".into());
            let weekly = parse_centi(&weekly_s).ok_or_else(|| bad("weekly_hours", &weekly_s))?;
            let daily = weekly / 5;
            let mut left = hours;
            let mut rec_days = Vec::new();
            for d in &days {
                if left == 0 {
                    break;
                }
                let h = left.min(daily);
                rec_days.push((*d, h));
                left -= h;
            }
            if left > 0 || daily == 0 {
                return Err(plan_err(format!(
                    "worker {}: {} hours do not fit in the {} working days of the period in {}",
                    w.cf,
                    w.hours,
                    days.len(),
                    plan.month
                )));
            }
            let q = w.qualifiche.clone().unwrap_or_else(|| "1FI".into());
            let q: [u8; 3] = q.as_bytes().try_into().map_err(|_| bad("qualifiche", &q))?;
            let iban = match &w.iban {
                Some(i) => i.clone(),
                None => iban::it_from_parts("03069", "09606", &format!("{j:012}"))
                    .map_err(|e| plan_err(format!("iban: {e}")))?
                    .as_str()
                    .to_owned(),
            };
            recs.push(Rec {
                cf: w.cf.clone(),
                name: w.name.clone().unwrap_or_else(|| w.cf.clone()),
                q,
                weekly,
                part_time: None,
                monthly_pay: None,
                hourly_pay: Some(w.hourly_wage.clone().unwrap_or_else(|| "12.50".into())),
                use_ticket: pe.ticket.is_some(),
                auth_override: None,
                iban,
                days: rec_days,
                event: event_code(pe.benefit),
                authorised: Some(hours),
                duplicate: false,
                replacement: w.replacement,
            });
        }
        out.push((employer, recs));
    }
    Ok((month, out))
}

/// Writes the flow of a [`Plan`] (header with the control totals, one record per worker).
pub fn generate_plan(
    plan: &Plan,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<GenerateStats> {
    let (month_idx, employers) = plan_records(plan)?;
    let month = fmt_month(month_idx);
    let mut stats = GenerateStats::default();
    let mut hours = 0u64;
    for (_, recs) in &employers {
        for r in recs {
            stats.records += 1;
            stats.days += r.days.len() as u64;
            hours += r.days.iter().map(|d| d.1).sum::<u64>();
        }
    }
    stats.hours = fmt_centi(hours);
    stats.employers = employers.len() as u64;
    let sender = &plan.sender;
    match format {
        Format::Xml => write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FlussoCig versione=\"1\">\n  <Intestazione>\n    <CFMittente>{sender}</CFMittente>\n    <PeriodoDa>{month}</PeriodoDa>\n    <PeriodoA>{month}</PeriodoA>\n    <NumeroRecord>{}</NumeroRecord>\n    <OreTotali>{}</OreTotali>\n  </Intestazione>\n",
            stats.records, stats.hours
        )?,
        Format::Csv => writeln!(
            out,
            "H;1;{sender};{month};{month};{};{}",
            stats.records, stats.hours
        )?,
    }
    for (e, recs) in &employers {
        match format {
            Format::Xml => write!(
                out,
                "  <Azienda>\n    <CFAzienda>{}</CFAzienda>\n    <PosContributiva>\n      <Matricola>{}</Matricola>\n",
                e.cf, e.matricola
            )?,
            Format::Csv => write!(out, "A;{}\nP;{}\n", e.cf, e.matricola)?,
        }
        for r in recs {
            match format {
                Format::Xml => write_rec_xml(out, e, r, &month)?,
                Format::Csv => write_rec_csv(out, e, r, &month)?,
            }
        }
        if format == Format::Xml {
            out.write_all(b"    </PosContributiva>\n  </Azienda>\n")?;
        }
    }
    if format == Format::Xml {
        out.write_all(b"</FlussoCig>\n")?;
    }
    out.flush()?;
    Ok(stats)
}
