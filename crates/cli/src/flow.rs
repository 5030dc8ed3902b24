//! `omnia flow …`: offline check, upload to the server (`flow send`, in
//! `flow_send.rs`) and synthetic generation of payment-data flows (issue 5).

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use omnia_flows::check::{CheckOptions, Hooks, Outcome, RecordAmount, Report};
use omnia_flows::generate::{Format, GenerateOptions, generate};
use omnia_flows::{Authorisations, Code, FlowReader, check_flow};
use serde_json::Value;

use crate::flow_send::{SendArgs, send};

#[derive(Subcommand)]
pub enum FlowCommand {
    /// Check a flow offline: every finding in one pass (exit 0 accepted, 1 refused, 3 to confirm, 2 unreadable input: as `flow send`).
    Check(CheckArgs),
    /// Upload a flow to the server and print its report (exit 0 accepted, 1 refused, 3 to confirm, 4 too large, 5 authentication, 6 network or server, 7 a flow of the sender in progress, 2 bad arguments or unreadable file).
    Send(SendArgs),
    /// Write a realistic synthetic flow (and the authorisations it is consistent with).
    Generate(GenerateArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Xml,
    Csv,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Flow file (`.xml` or `.csv`).
    file: PathBuf,
    /// Authorisations JSON (format in docs/flows/README.md); without it the checks against the authorisations report every record as not authorised.
    #[arg(long)]
    authorisations: Option<PathBuf>,
    /// Print the full report as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// File format; default from the extension.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Date of receipt for the deadline check (default: today).
    #[arg(long)]
    today: Option<NaiveDate>,
    /// Confirm the forceable findings with this note.
    #[arg(long)]
    confirm: Option<String>,
    /// Findings kept in full (all are counted).
    #[arg(long, default_value_t = 10_000)]
    max_findings: usize,
    /// Write the amount of each accepted record (R-AMT) as CSV.
    #[arg(long)]
    amounts_out: Option<PathBuf>,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of worker records.
    #[arg(long, required_unless_present = "plan")]
    records: Option<u64>,
    /// Write the flow of a plan instead (given authorisations and workers, JSON; see docs/flows/README.md).
    #[arg(long, conflicts_with_all = ["records", "authorisations_out", "error_rate", "month", "workers_per_employer", "seed"])]
    plan: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output flow file.
    #[arg(long)]
    out: PathBuf,
    /// Also write the authorisations the flow is consistent with (JSON).
    #[arg(long)]
    authorisations_out: Option<PathBuf>,
    /// Share of records with one injected error (0–1).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Month of competence YYYY-MM (default: last month).
    #[arg(long)]
    month: Option<String>,
    /// Output format; default from the extension of --out.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Workers per employer (one authorisation each).
    #[arg(long, default_value_t = 250)]
    workers_per_employer: u64,
}

pub(crate) fn format_of(path: &Path, arg: Option<FormatArg>) -> Format {
    match arg {
        Some(FormatArg::Csv) => Format::Csv,
        Some(FormatArg::Xml) => Format::Xml,
        None if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")) =>
        {
            Format::Csv
        }
        None => Format::Xml,
    }
}

pub async fn run(cmd: FlowCommand) -> i32 {
    match cmd {
        FlowCommand::Check(a) => check(a),
        FlowCommand::Send(a) => send(a).await,
        FlowCommand::Generate(a) => match generate_cmd(&a) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("omnia flow generate: {e:#}");
                2
            }
        },
    }
}

fn generate_cmd(a: &GenerateArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    if let Some(plan_path) = &a.plan {
        let plan: omnia_flows::generate::Plan = serde_json::from_reader(BufReader::new(
            File::open(plan_path)
                .with_context(|| format!("cannot open {}", plan_path.display()))?,
        ))
        .with_context(|| format!("plan {}", plan_path.display()))?;
        let mut out = BufWriter::new(
            File::create(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?,
        );
        let stats =
            omnia_flows::generate::generate_plan(&plan, format_of(&a.out, a.format), &mut out)?;
        out.flush()?;
        eprintln!("{}", serde_json::to_string(&stats)?);
        return Ok(());
    }
    let records = a.records.context("--records is required without --plan")?;
    let month = match &a.month {
        Some(m) => omnia_flows::values::parse_month(m).context("--month must be YYYY-MM")?,
        None => omnia_flows::values::month_of(chrono::Local::now().date_naive()) - 1,
    };
    anyhow::ensure!(
        (0.0..=1.0).contains(&a.error_rate),
        "--error-rate must be between 0 and 1"
    );
    let mut o = GenerateOptions::new(records, month);
    o.seed = a.seed;
    o.error_rate = a.error_rate;
    o.format = format_of(&a.out, a.format);
    o.workers_per_employer = a.workers_per_employer;
    let mut out = BufWriter::with_capacity(
        1 << 16,
        File::create(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?,
    );
    let mut auth = match &a.authorisations_out {
        Some(p) => Some(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    let stats = generate(&o, &mut out, auth.as_mut().map(|w| w as &mut dyn Write))?;
    out.flush()?;
    if let Some(mut w) = auth {
        w.flush()?;
    }
    eprintln!("{}", serde_json::to_string(&stats)?);
    Ok(())
}

fn check(a: CheckArgs) -> i32 {
    let auths = match &a.authorisations {
        Some(p) => match Authorisations::from_json_file(p) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("omnia flow check: {e}");
                return 2;
            }
        },
        None => Authorisations::new(),
    };
    let file = match File::open(&a.file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("omnia flow check: cannot open {}: {e}", a.file.display());
            return 2;
        }
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let input = BufReader::with_capacity(1 << 18, file);
    let mut opts = CheckOptions::new(a.today.unwrap_or_else(|| chrono::Local::now().date_naive()));
    opts.max_findings = a.max_findings;

    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut progress = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let mut amounts_w = match &a.amounts_out {
        Some(p) => match File::create(p) {
            Ok(f) => {
                let mut w = BufWriter::new(f);
                let _ = writeln!(
                    w,
                    "riga;cf_azienda;matricola;cf_lavoratore;competenza;autorizzazione;ore;paga_oraria;lordo;netto;massimale;iban"
                );
                Some(w)
            }
            Err(e) => {
                eprintln!("omnia flow check: cannot create {}: {e}", p.display());
                return 2;
            }
        },
        None => None,
    };
    let mut amount = |r: &RecordAmount<'_>| {
        if let Some(w) = amounts_w.as_mut() {
            let _ = writeln!(
                w,
                "{};{};{};{};{};{};{};{};{};{};{};{}",
                r.line,
                r.employer_cf,
                r.matricola,
                r.worker,
                r.month,
                r.authorisation,
                r.amount.hours,
                r.hourly_wage.round_dp(4),
                r.amount.gross,
                r.amount.net,
                r.amount.capped,
                r.iban
            );
        }
    };
    let want_amounts = a.amounts_out.is_some();
    let hooks = Hooks {
        progress: Some(&mut progress),
        // Amounts are always computed (totals in the summary); each record is
        // handed out only when they are written.
        amount: if want_amounts {
            Some(&mut amount)
        } else {
            None
        },
    };
    // XML: two parts of the file checked at once when large enough
    // (omnia_flows::split), else the reader parses on its own thread while the
    // checker works; CSV: the latter.
    let report = match format_of(&a.file, a.format) {
        Format::Xml => {
            drop(input);
            match omnia_flows::split::check_xml_file(&a.file, &auths, &opts, hooks) {
                Ok((report, _passes)) => report,
                Err(e) => {
                    eprintln!("omnia flow check: cannot read {}: {e}", a.file.display());
                    return 2;
                }
            }
        }
        Format::Csv => run_check(
            omnia_flows::csv::CsvReader::new(input),
            &auths,
            &opts,
            hooks,
        ),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(mut w) = amounts_w {
        let _ = w.flush();
    }
    let outcome = match &a.confirm {
        Some(note) => report.accepted_with_confirmation(note),
        None => report.outcome.clone(),
    };
    let mut out = std::io::stdout().lock();
    let mut r = report;
    r.outcome = outcome.clone();
    if a.json {
        let _ = serde_json::to_writer_pretty(&mut out, &r);
        let _ = writeln!(out);
    } else {
        // The summary shows the first 20 findings and whether there are
        // more: a JSON value of all the kept ones (up to 10,000) would add
        // ≈ 20 MB to the peak memory of a large check (issue 5: < 128 MiB).
        r.findings.truncate(21);
        let value = serde_json::to_value(&r).unwrap_or(Value::Null);
        let _ = print_summary(&mut out, &a.file.display().to_string(), &value);
    }
    // The codes of `flow send`, so that a script can tell a flow to fix from one to confirm.
    match outcome {
        Outcome::Accepted | Outcome::AcceptedWithConfirmation { .. } => 0,
        Outcome::NeedsConfirmation { .. } => 3,
        Outcome::Refused { .. } => 1,
    }
}

fn run_check<R: FlowReader + Send + 'static>(
    reader: R,
    auths: &Authorisations,
    opts: &CheckOptions,
    hooks: Hooks<'_>,
) -> Report {
    let mut threaded = omnia_flows::pipeline::Threaded::spawn(reader)
        .unwrap_or_else(|e| panic!("cannot start the reader thread: {e}"));
    check_flow(&mut threaded, auths, opts, hooks)
}

/// The readable summary of a report, as `flow check` and `flow send` print it. It reads the
/// report as JSON (what `Report` serialises to, and what the API answers) so that both print
/// alike; `label` names the file.
pub(crate) fn print_summary(out: &mut impl Write, label: &str, r: &Value) -> std::io::Result<()> {
    let s = &r["summary"];
    let num = |v: &Value| match v {
        Value::String(x) => x.clone(),
        Value::Null => "0".to_owned(),
        other => other.to_string(),
    };
    writeln!(
        out,
        "{label}: {} aziende, {} record, {} giorni, {} ore",
        num(&s["employers"]),
        num(&s["records"]),
        num(&s["days"]),
        num(&s["hours"])
    )?;
    writeln!(
        out,
        "importi calcolati per {} record: lordo {} €, netto {} €",
        num(&s["records_computed"]),
        num(&s["total_gross"]),
        num(&s["total_net"])
    )?;
    let counts = r["counts"].as_object().filter(|c| !c.is_empty());
    let findings = r["findings"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    match counts {
        None => writeln!(out, "nessun rilievo")?,
        Some(counts) => {
            writeln!(out, "rilievi per codice:")?;
            for (code, n) in counts {
                match Code::parse(code) {
                    Some(c) => writeln!(
                        out,
                        "  {code} {:>9}  {:?}/{:?}  {}",
                        num(n),
                        c.severity(),
                        c.class(),
                        c.title_it()
                    )?,
                    None => writeln!(out, "  {code} {:>9}", num(n))?,
                }
            }
            writeln!(out, "primi rilievi:")?;
            let text = |f: &Value, k: &str| f[k].as_str().unwrap_or_default().to_owned();
            for f in findings.iter().take(20) {
                writeln!(
                    out,
                    "  {} riga {}:{} <{}>{}{} {}",
                    text(f, "code"),
                    num(&f["line"]),
                    num(&f["column"]),
                    text(f, "element"),
                    f["worker"]
                        .as_str()
                        .map(|w| format!(" lavoratore {w}"))
                        .unwrap_or_default(),
                    f["month"]
                        .as_str()
                        .map(|m| format!(" mese {m}"))
                        .unwrap_or_default(),
                    text(f, "message")
                )?;
            }
            if findings.len() > 20 || r["truncated"].as_bool() == Some(true) {
                writeln!(out, "  … (--json per il rapporto completo)")?;
            }
        }
    }
    let codes = |k: &str| {
        r["outcome"][k]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let verdict = match r["outcome"]["outcome"].as_str().unwrap_or_default() {
        "accepted" => "ACCETTATO".to_owned(),
        "accepted_with_confirmation" => format!(
            "ACCETTATO con conferma ({} forzati)",
            r["outcome"]["forced"].as_array().map_or(0, Vec::len)
        ),
        "needs_confirmation" => format!(
            "DA CONFERMARE: rilievi forzabili {}; reinviare con --confirm \"nota\"",
            codes("forceable")
        ),
        "refused" => format!("RIFIUTATO: rilievi bloccanti {}", codes("blocking")),
        other => format!("sconosciuto ({other})"),
    };
    writeln!(out, "esito: {verdict}")
}
