//! Demo data (issue 2, point 4): six employers covering every benefit, two offices, the
//! users listed in the README (password `Omnia2026!`), an intermediary with valid and
//! expired delegations, and applications in several states so no page starts empty.
//!
//! Everything is deterministic except dates, which are relative to today so that hire
//! dates ("hired less than 30 days ago") and application periods stay plausible.

use std::collections::HashSet;

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use omnia_domain::application::ReductionKind;
use omnia_domain::benefit::{Benefit, FundCode};
use omnia_domain::ids::codice_fiscale::{self, Sex};
use omnia_domain::ids::{CodiceFiscale, Matricola};
use omnia_domain::quantity::QuantityUnit;
use omnia_domain::reference::Reference;
use omnia_store::registry::{NewEmployer, NewUnit, NewWorker};
use omnia_store::users::NewUser;
use omnia_store::{EmployerId, HeadcountRow, OfficeId, Qualifica, Role, UnitId, UserId};
use serde::Serialize;

use crate::auth::hash_password;

mod flows;
mod guided;
use crate::{
    Decision, NewApplication, Outcome, Principal, RequestedWorker, ServiceError, Services,
};
pub(crate) use guided::submit_direct_payment_cigo;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "Omnia2026!";

#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoReport {
    /// False when the database already had users (nothing was written).
    pub loaded: bool,
    pub offices: usize,
    pub employers: usize,
    pub units: usize,
    pub workers: usize,
    pub users: usize,
    pub applications: usize,
    /// Guided drafts, one per benefit family, complete up to the review ([`guided`]).
    pub guided_drafts: usize,
    /// Payment-data flows (one accepted, one refused) and payment batches paid ([`flows`]).
    pub flows: usize,
    pub payment_batches: usize,
    /// Demo applications that the current rules refused (logged; the registry and the users
    /// are loaded regardless, so a rule change never stops the app from starting).
    pub skipped: Vec<String>,
}

struct UnitSpec {
    name: &'static str,
    address: &'static str,
    comune: &'static str,
    province: &'static str,
    days: i64,
    /// Index into the offices (0 Milano, 1 Roma).
    office: usize,
    workers: usize,
}

struct EmployerSpec {
    key: &'static str,
    /// First 10 digits of the company codice fiscale; the check digit is computed.
    cf_prefix: &'static str,
    name: &'static str,
    csc: &'static str,
    ateco: &'static str,
    codes: &'static [&'static str],
    edile_lapideo: bool,
    agricultural: bool,
    fund: Option<FundCode>,
    matricole: &'static [&'static str],
    /// (qualifica, weekly hours) cycled over the workers; the first `dirigenti` workers
    /// are dirigenti instead.
    mix: &'static [(Qualifica, i64)],
    dirigenti: usize,
    units: &'static [UnitSpec],
}

const EMPLOYERS: &[EmployerSpec] = &[
    EmployerSpec {
        key: "meccanica",
        cf_prefix: "0312458015",
        name: "Meccanica Padana S.p.A.",
        csc: "11105",
        ateco: "25.62.00",
        codes: &[],
        edile_lapideo: false,
        agricultural: false,
        fund: None,
        matricole: &["4900112233", "4900112234"],
        mix: &[
            (Qualifica::Operaio, 40),
            (Qualifica::Operaio, 40),
            (Qualifica::Impiegato, 38),
            (Qualifica::Operaio, 40),
            (Qualifica::Apprendista, 40),
            (Qualifica::Operaio, 20),
            (Qualifica::Quadro, 40),
        ],
        dirigenti: 1,
        units: &[
            UnitSpec {
                name: "Stabilimento di Sesto San Giovanni",
                address: "Viale Italia 120",
                comune: "Sesto San Giovanni",
                province: "MI",
                days: 5,
                office: 0,
                workers: 30,
            },
            UnitSpec {
                name: "Magazzino di Lodi",
                address: "Via dell'Industria 8",
                comune: "Lodi",
                province: "LO",
                days: 6,
                office: 0,
                workers: 12,
            },
        ],
    },
    EmployerSpec {
        key: "edile",
        cf_prefix: "0458231096",
        name: "Costruzioni Edili Lombarde S.r.l.",
        csc: "11305",
        ateco: "41.20.00",
        codes: &[],
        edile_lapideo: true,
        agricultural: false,
        fund: None,
        matricole: &["4900556677"],
        mix: &[
            (Qualifica::Operaio, 40),
            (Qualifica::Operaio, 40),
            (Qualifica::Operaio, 40),
            (Qualifica::Impiegato, 40),
            (Qualifica::Apprendista, 40),
        ],
        dirigenti: 0,
        units: &[
            UnitSpec {
                name: "Cantiere Milano Porta Nuova",
                address: "Via Melchiorre Gioia 55",
                comune: "Milano",
                province: "MI",
                days: 5,
                office: 0,
                workers: 10,
            },
            UnitSpec {
                name: "Cantiere Roma EUR",
                address: "Viale Europa 190",
                comune: "Roma",
                province: "RM",
                days: 5,
                office: 1,
                workers: 8,
            },
        ],
    },
    EmployerSpec {
        key: "commercio",
        cf_prefix: "0789654058",
        name: "Commercio Tuscolano S.r.l.",
        csc: "70708",
        ateco: "47.19.10",
        codes: &["0J"],
        edile_lapideo: false,
        agricultural: false,
        fund: None,
        matricole: &["7000334455"],
        mix: &[
            (Qualifica::Impiegato, 40),
            (Qualifica::Impiegato, 20),
            (Qualifica::Impiegato, 38),
            (Qualifica::Operaio, 40),
            (Qualifica::Impiegato, 24),
        ],
        dirigenti: 1,
        units: &[
            UnitSpec {
                name: "Punto vendita Roma Tuscolana",
                address: "Via Tuscolana 702",
                comune: "Roma",
                province: "RM",
                days: 6,
                office: 1,
                workers: 14,
            },
            UnitSpec {
                name: "Punto vendita Latina",
                address: "Corso della Repubblica 30",
                comune: "Latina",
                province: "LT",
                days: 6,
                office: 1,
                workers: 8,
            },
        ],
    },
    EmployerSpec {
        key: "bottega",
        cf_prefix: "0921346015",
        name: "La Bottega del Gusto di Bianchi Anna",
        csc: "70502",
        ateco: "47.29.90",
        codes: &["0J"],
        edile_lapideo: false,
        agricultural: false,
        fund: None,
        matricole: &["4900778899"],
        mix: &[
            (Qualifica::Impiegato, 40),
            (Qualifica::Impiegato, 20),
            (Qualifica::Apprendista, 40),
        ],
        dirigenti: 0,
        units: &[UnitSpec {
            name: "Negozio di Milano Isola",
            address: "Via Borsieri 12",
            comune: "Milano",
            province: "MI",
            days: 6,
            office: 0,
            workers: 5,
        }],
    },
    EmployerSpec {
        key: "studio",
        cf_prefix: "1045678058",
        name: "Studio Associato Verdi & Neri",
        csc: "70401",
        ateco: "69.20.11",
        codes: &[],
        edile_lapideo: false,
        agricultural: false,
        fund: Some(FundCode::AttivitaProfessionali),
        matricole: &["7000990011"],
        mix: &[
            (Qualifica::Impiegato, 40),
            (Qualifica::Impiegato, 30),
            (Qualifica::Quadro, 40),
        ],
        dirigenti: 0,
        units: &[UnitSpec {
            name: "Sede dello studio",
            address: "Via Cola di Rienzo 44",
            comune: "Roma",
            province: "RM",
            days: 5,
            office: 1,
            workers: 7,
        }],
    },
    EmployerSpec {
        key: "agricola",
        cf_prefix: "0134567056",
        name: "Azienda Agricola Il Poggio S.S.",
        // Agricultural employers are classified outside the CSC system (their own
        // contribution scheme): the flag, not the CSC, decides (R-SEL-2).
        csc: "00000",
        ateco: "01.21.00",
        codes: &[],
        edile_lapideo: false,
        agricultural: true,
        fund: None,
        matricole: &["7000223344"],
        mix: &[
            (Qualifica::Operaio, 39),
            (Qualifica::Operaio, 39),
            (Qualifica::Impiegato, 39),
        ],
        dirigenti: 0,
        units: &[UnitSpec {
            name: "Tenuta Il Poggio",
            address: "Strada Teverina km 6",
            comune: "Viterbo",
            province: "VT",
            days: 6,
            office: 1,
            workers: 12,
        }],
    },
];

const SURNAMES: &[&str] = &[
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
];
/// Surnames of the recently hired workers: they sort after every name in `SURNAMES`.
const LATE_SURNAMES: &[&str] = &["Zanetti", "Zanella", "Zappa", "Zecchini", "Zito", "Zordan"];
const MALE_NAMES: &[&str] = &[
    "Marco",
    "Luca",
    "Giuseppe",
    "Francesco",
    "Antonio",
    "Alessandro",
    "Andrea",
    "Matteo",
    "Stefano",
    "Paolo",
    "Roberto",
    "Davide",
    "Simone",
    "Giovanni",
    "Federico",
    "Lorenzo",
];
const FEMALE_NAMES: &[&str] = &[
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Laura",
    "Valentina",
    "Elena",
    "Martina",
    "Alessia",
    "Silvia",
    "Federica",
    "Anna",
    "Paola",
    "Elisa",
    "Roberta",
    "Marta",
];
/// Codici catastali of birth places: Milano, Roma, Torino, Napoli, Bergamo, Brescia, Lodi,
/// Latina, Viterbo, Palermo.
const BIRTH_PLACES: &[&str] = &[
    "F205", "H501", "L219", "F839", "A794", "B157", "E648", "E472", "M082", "G273",
];

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

/// Deterministic worker `i` of employer `e`.
#[allow(clippy::too_many_arguments)]
fn make_worker(
    e: usize,
    i: usize,
    spec: &EmployerSpec,
    employer_id: EmployerId,
    unit_id: UnitId,
    unit_days: i64,
    today: NaiveDate,
    taken: &mut HashSet<String>,
) -> Result<NewWorker, ServiceError> {
    let k = e * 53 + i * 7;
    let female = (i + e) % 3 == 1;
    // Every seventh worker was hired less than 30 days ago (R-ELIG-2 has something to say).
    // Their surnames come from a separate list that sorts last, so lists ordered by surname
    // (the employer detail) start with workers who can be included in an application today.
    let recent = i % 7 == 6;
    let surname = if recent {
        LATE_SURNAMES[(k + i) % LATE_SURNAMES.len()]
    } else {
        SURNAMES[(k + i) % SURNAMES.len()]
    };
    let name = if female {
        FEMALE_NAMES[(k / 3 + i) % FEMALE_NAMES.len()]
    } else {
        MALE_NAMES[(k / 3 + i) % MALE_NAMES.len()]
    };
    let place = BIRTH_PLACES[(i * 3 + e) % BIRTH_PLACES.len()];
    let mut birth = NaiveDate::from_ymd_opt(
        1962 + ((i * 7 + e * 3) % 38) as i32,
        1 + ((i * 5 + e) % 12) as u32,
        1 + ((i * 11 + e * 7) % 28) as u32,
    )
    .ok_or_else(|| internal("birth date"))?;
    // Codici fiscali are unique per employer: nudge the birth date on the (rare) clash.
    let cf = loop {
        let cf = codice_fiscale::person(
            surname,
            name,
            birth,
            if female { Sex::Female } else { Sex::Male },
            place,
        )
        .map_err(internal)?;
        if taken.insert(cf.as_str().to_owned()) {
            break cf;
        }
        birth += TimeDelta::days(1);
    };
    let (qualifica, weekly_hours) = if i < spec.dirigenti {
        (Qualifica::Dirigente, 40)
    } else {
        spec.mix[i % spec.mix.len()]
    };
    let hire_date = if recent {
        today - TimeDelta::days(3 + (i % 20) as i64)
    } else {
        today - TimeDelta::days(120 + ((i * 97 + e * 13) % 6000) as i64)
    };
    let base = match qualifica {
        Qualifica::Operaio => 1350,
        Qualifica::Impiegato => 1600,
        Qualifica::Quadro => 2400,
        Qualifica::Apprendista => 1050,
        Qualifica::Dirigente => 4600,
    };
    Ok(NewWorker {
        employer_id,
        unit_id,
        cf: cf.as_str().to_owned(),
        surname: surname.to_owned(),
        name: name.to_owned(),
        hire_date,
        qualifica,
        weekly_hours,
        working_days_per_week: unit_days,
        hourly_wage_cents: base + (i % 7) as i64 * 35,
    })
}

/// The two semesters before `today`, as `YYYY-S1|S2`.
fn previous_semesters(today: NaiveDate) -> [String; 2] {
    let (y, s) = (today.year(), if today.month() <= 6 { 1 } else { 2 });
    let prev = |y: i32, s: u32| if s == 1 { (y - 1, 2) } else { (y, 1) };
    let (y1, s1) = prev(y, s);
    let (y2, s2) = prev(y1, s1);
    [format!("{y1}-S{s1}"), format!("{y2}-S{s2}")]
}

/// (username, display name, role, employer, office).
type DemoUser = (
    &'static str,
    &'static str,
    Role,
    Option<EmployerId>,
    Option<OfficeId>,
);

struct Loaded {
    employers: Vec<(EmployerId, Vec<UnitId>)>,
    users: Vec<(&'static str, UserId)>,
}

/// Loads the demo data unless the database already has users (then it is a no-op and
/// `loaded` is false).
pub async fn load(s: &Services) -> Result<DemoReport, ServiceError> {
    {
        let mut tx = s.db().read().await?;
        if tx.count_users().await? > 0 {
            return Ok(DemoReport::default());
        }
    }
    // One argon2 hash shared by every demo user: they all have the same password, and
    // hashing a dozen times would slow every first start for nothing.
    let phc = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD))
        .await
        .map_err(internal)??;
    let today = s.today();
    let mut report = DemoReport {
        loaded: true,
        ..DemoReport::default()
    };

    let mut tx = s.db().begin().await?;
    let offices: Vec<OfficeId> = vec![
        tx.insert_office("4900", "Sede di Milano").await?,
        tx.insert_office("7000", "Sede di Roma").await?,
    ];
    report.offices = offices.len();

    let mut loaded = Loaded {
        employers: vec![],
        users: vec![],
    };
    for (e, spec) in EMPLOYERS.iter().enumerate() {
        let cf = CodiceFiscale::company_from_prefix(spec.cf_prefix).map_err(internal)?;
        for m in spec.matricole {
            Matricola::parse(m).map_err(internal)?;
        }
        let employer_id = tx
            .insert_employer(&NewEmployer {
                cf: cf.as_str().to_owned(),
                name: spec.name.to_owned(),
                csc: spec.csc.to_owned(),
                ateco: spec.ateco.to_owned(),
                authorisation_codes: spec.codes.iter().map(|c| (*c).to_owned()).collect(),
                edile_lapideo: spec.edile_lapideo,
                agricultural: spec.agricultural,
                fund_code: spec.fund.map(|f| f.to_string()),
                matricole: spec.matricole.iter().map(|m| (*m).to_owned()).collect(),
            })
            .await?;
        report.employers += 1;
        let mut taken = HashSet::new();
        let mut units = vec![];
        let mut hours_bands: Vec<(i64, i64)> = vec![]; // (weekly hours, workers)
        let mut i = 0;
        for u in spec.units {
            let unit_id = tx
                .insert_unit(&NewUnit {
                    employer_id,
                    name: u.name.to_owned(),
                    address: u.address.to_owned(),
                    comune: u.comune.to_owned(),
                    province: u.province.to_owned(),
                    working_days_per_week: u.days,
                    office_id: offices[u.office],
                })
                .await?;
            report.units += 1;
            units.push(unit_id);
            for _ in 0..u.workers {
                let w = make_worker(e, i, spec, employer_id, unit_id, u.days, today, &mut taken)?;
                match hours_bands.iter_mut().find(|(h, _)| *h == w.weekly_hours) {
                    Some((_, n)) => *n += 1,
                    None => hours_bands.push((w.weekly_hours, 1)),
                }
                tx.insert_worker(&w).await?;
                report.workers += 1;
                i += 1;
            }
        }
        // Headcount history: the last semester as today, the one before slightly smaller
        // (the bottega stays at or below 5 either way: it is the "≤ 5 employees" FIS case).
        let [last, before] = previous_semesters(today);
        for (hours, n) in hours_bands {
            for (semester, pct) in [(&last, 100), (&before, 90)] {
                tx.upsert_headcount(&HeadcountRow {
                    employer_id,
                    semester: semester.clone(),
                    weekly_hours: hours,
                    avg_workers_hundredths: n * pct,
                })
                .await?;
            }
        }
        loaded.employers.push((employer_id, units));
    }

    let emp = |key: &str| -> EmployerId {
        let idx = EMPLOYERS.iter().position(|s| s.key == key).unwrap_or(0);
        loaded.employers[idx].0
    };
    let users: [DemoUser; 10] = [
        (
            "datore.meccanica",
            "Giulia Ferrari — Meccanica Padana",
            Role::EmployerUser,
            Some(emp("meccanica")),
            None,
        ),
        (
            "datore.edile",
            "Paolo Colombo — Costruzioni Edili Lombarde",
            Role::EmployerUser,
            Some(emp("edile")),
            None,
        ),
        (
            "datore.commercio",
            "Sara Romano — Commercio Tuscolano",
            Role::EmployerUser,
            Some(emp("commercio")),
            None,
        ),
        (
            "datore.bottega",
            "Anna Bianchi — La Bottega del Gusto",
            Role::EmployerUser,
            Some(emp("bottega")),
            None,
        ),
        (
            "studio.associato",
            "Luca Verdi — Studio Associato Verdi & Neri",
            Role::EmployerUser,
            Some(emp("studio")),
            None,
        ),
        (
            "azienda.agricola",
            "Marta Greco — Azienda Agricola Il Poggio",
            Role::EmployerUser,
            Some(emp("agricola")),
            None,
        ),
        (
            "consulente.rossi",
            "Dott. Mario Rossi — Consulente del lavoro",
            Role::Intermediary,
            None,
            None,
        ),
        (
            "operatore.milano",
            "Elena Marino — Sede di Milano",
            Role::Operator,
            None,
            Some(offices[0]),
        ),
        (
            "operatore.roma",
            "Davide Conti — Sede di Roma",
            Role::Operator,
            None,
            Some(offices[1]),
        ),
        (
            "admin",
            "Amministratore di sistema",
            Role::Administrator,
            None,
            None,
        ),
    ];
    for (username, display, role, employer_id, office_id) in users {
        let id = tx
            .insert_user(&NewUser {
                username: username.to_owned(),
                display_name: display.to_owned(),
                password_hash: phc.clone(),
                role,
                employer_id,
                office_id,
            })
            .await?;
        loaded.users.push((username, id));
        report.users += 1;
    }
    let user = |name: &str| {
        loaded
            .users
            .iter()
            .find(|(u, _)| *u == name)
            .map(|(_, id)| *id)
            .unwrap_or(UserId(0))
    };
    let rossi = user("consulente.rossi");
    let since = today - TimeDelta::days(400);
    for key in ["meccanica", "edile", "commercio", "bottega"] {
        tx.insert_delegation(rossi, emp(key), since, None).await?;
    }
    // Expired: proves that validity dates matter (consulente.rossi cannot see the studio).
    tx.insert_delegation(
        rossi,
        emp("studio"),
        since,
        Some(today - TimeDelta::days(30)),
    )
    .await?;
    tx.commit().await?;

    (report.applications, report.skipped) = demo_applications(s, &loaded, today).await;
    let (guided, skipped) = guided::guided_drafts(s, &loaded, today).await;
    report.guided_drafts = guided;
    report.skipped.extend(skipped);
    tracing::info!(?report, "demo data loaded");
    Ok(report)
}

/// [`load`], then the demo payment-data flows and a paid payment batch ([`flows`]): what
/// `omnia serve` and `omnia demo` load, so the flow and payment pages show something on a
/// fresh start. Tests use [`load`], whose flow tables start empty.
pub async fn load_with_flows(s: &Services) -> Result<DemoReport, ServiceError> {
    let mut report = load(s).await?;
    if !report.loaded {
        return Ok(report);
    }
    match flows::demo_flows(s).await {
        Ok((f, b)) => (report.flows, report.payment_batches) = (f, b),
        Err(e) => {
            tracing::warn!(error = %e, "demo flows skipped");
            report.skipped.push(format!("flows: {e}"));
        }
    }
    tracing::info!(
        flows = report.flows,
        batches = report.payment_batches,
        "demo flows loaded"
    );
    Ok(report)
}

fn pick_causale(
    benefit: Benefit,
    start: NaiveDate,
    preferred: &[&str],
) -> Result<String, ServiceError> {
    let available = Reference::builtin().causali_for(benefit, start);
    preferred
        .iter()
        .find(|p| available.iter().any(|c| c.code == **p))
        .map(|p| (*p).to_owned())
        .or_else(|| available.first().map(|c| c.code.clone()))
        .ok_or_else(|| internal(format!("no causale for {benefit} on {start}")))
}

async fn principal(
    s: &Services,
    loaded: &Loaded,
    username: &str,
) -> Result<Principal, ServiceError> {
    let id = loaded
        .users
        .iter()
        .find(|(u, _)| *u == username)
        .map(|(_, id)| *id)
        .ok_or_else(|| internal(username))?;
    s.principal(id).await?.ok_or_else(|| internal(username))
}

struct DemoApp {
    by: &'static str,
    employer: usize,
    unit: usize,
    benefit: Benefit,
    causali: &'static [&'static str],
    kind: ReductionKind,
    /// Start relative to today (days) and length in days.
    start: i64,
    days: i64,
    workers: usize,
    /// Per worker: hours, or whole days for CISOA (R-LIM-9).
    quantity: u32,
    submit: bool,
    decide: Option<(&'static str, Outcome, bool)>,
    withdraw: bool,
}

async fn demo_applications(
    s: &Services,
    loaded: &Loaded,
    today: NaiveDate,
) -> (usize, Vec<String>) {
    let apps = [
        // Meccanica: authorised, awaiting decision (filed by the intermediary), and a draft.
        DemoApp {
            by: "datore.meccanica",
            employer: 0,
            unit: 0,
            benefit: Benefit::Cigo,
            causali: &["MLC"],
            kind: ReductionKind::Riduzione,
            start: -40,
            days: 28,
            workers: 6,
            quantity: 64,
            submit: true,
            decide: Some(("operatore.milano", Outcome::Authorised, false)),
            withdraw: false,
        },
        DemoApp {
            by: "consulente.rossi",
            employer: 0,
            unit: 0,
            benefit: Benefit::Cigo,
            causali: &["MMP", "MLC"],
            kind: ReductionKind::Sospensione,
            start: -5,
            days: 21,
            workers: 4,
            quantity: 120,
            submit: true,
            decide: None,
            withdraw: false,
        },
        DemoApp {
            by: "datore.meccanica",
            employer: 0,
            unit: 1,
            benefit: Benefit::Cigo,
            causali: &["CRM", "MLC"],
            kind: ReductionKind::Riduzione,
            start: 7,
            days: 56,
            workers: 3,
            quantity: 100,
            submit: false,
            decide: None,
            withdraw: false,
        },
        // Construction, Rome site: weather event, partially authorised by the Rome office.
        DemoApp {
            by: "datore.edile",
            employer: 1,
            unit: 1,
            benefit: Benefit::Cigo,
            causali: &["MET"],
            kind: ReductionKind::Sospensione,
            start: -25,
            days: 10,
            workers: 5,
            quantity: 40,
            submit: true,
            decide: Some(("operatore.roma", Outcome::Authorised, true)),
            withdraw: false,
        },
        // Commerce (FIS > 5): awaiting decision in Rome.
        DemoApp {
            by: "datore.commercio",
            employer: 2,
            unit: 0,
            benefit: Benefit::AisFis,
            causali: &["MLC", "CRM"],
            kind: ReductionKind::Riduzione,
            start: -3,
            days: 42,
            workers: 6,
            quantity: 60,
            submit: true,
            decide: None,
            withdraw: false,
        },
        // Bottega (FIS ≤ 5): submitted, then withdrawn (rinuncia).
        DemoApp {
            by: "datore.bottega",
            employer: 3,
            unit: 0,
            benefit: Benefit::AisFis,
            causali: &["MLC"],
            kind: ReductionKind::Sospensione,
            start: -10,
            days: 14,
            workers: 2,
            quantity: 40,
            submit: true,
            decide: None,
            withdraw: true,
        },
        // Farm: CISOA, rejected by the Rome office.
        DemoApp {
            by: "azienda.agricola",
            employer: 5,
            unit: 0,
            benefit: Benefit::Cisoa,
            causali: &["01"],
            kind: ReductionKind::Sospensione,
            start: -30,
            days: 6,
            workers: 4,
            quantity: 3,
            submit: true,
            decide: Some(("operatore.roma", Outcome::Rejected, false)),
            withdraw: false,
        },
    ];
    let mut n = 0;
    let mut skipped = vec![];
    for (i, a) in apps.iter().enumerate() {
        match demo_application(s, loaded, today, a).await {
            Ok(()) => n += 1,
            Err(e) => {
                tracing::warn!(demo_application = i, by = a.by, error = %e, "demo application skipped");
                skipped.push(format!("#{i} ({}): {e}", a.by));
            }
        }
    }
    (n, skipped)
}

async fn demo_application(
    s: &Services,
    loaded: &Loaded,
    today: NaiveDate,
    a: &DemoApp,
) -> Result<(), ServiceError> {
    {
        let p = principal(s, loaded, a.by).await?;
        let (employer_id, units) = &loaded.employers[a.employer];
        let scope = s.employer_scope(&p, *employer_id).await?;
        let detail = s.employer_detail(&scope).await?;
        let start = today + TimeDelta::days(a.start);
        let end = start + TimeDelta::days(a.days - 1);
        let unit_id = units[a.unit];
        let workers: Vec<RequestedWorker> = detail
            .workers
            .iter()
            .filter(|w| w.unit_id == unit_id && w.eligible && w.hire_date + Months::new(2) < start)
            // From the end of the surname order: the first workers of each UP stay free of
            // live applications (R-APP-5) for whoever tries the product.
            .rev()
            .take(a.workers)
            .map(|w| match QuantityUnit::of(a.benefit) {
                QuantityUnit::Hours => RequestedWorker::hours(
                    w.id,
                    a.quantity.min(u32::try_from(w.weekly_hours).unwrap_or(40)),
                ),
                QuantityUnit::Days => RequestedWorker::days(w.id, a.quantity),
            })
            .collect();
        let input = NewApplication {
            unit_id,
            benefit: a.benefit,
            causale: pick_causale(a.benefit, start, a.causali)?,
            kind: a.kind,
            start,
            end,
            workers,
        };
        let view = s.create_draft(&scope, input).await?;
        if a.submit {
            s.submit(&p, view.id).await?;
        }
        if a.withdraw {
            s.withdraw(&p, view.id).await?;
        }
        if let Some((op, outcome, partial)) = a.decide {
            let op = principal(s, loaded, op).await?;
            let office = s.office_scope(&op)?;
            let decision = match (outcome, partial) {
                (Outcome::Rejected, _) => Decision {
                    outcome,
                    motivation: Some(
                        "Documentazione meteo non coerente con le giornate richieste.".into(),
                    ),
                    hours: None,
                    days: None,
                },
                (Outcome::Authorised, true) => Decision {
                    outcome,
                    motivation: Some(
                        "Autorizzate le sole giornate con precipitazioni documentate.".into(),
                    ),
                    hours: Some(
                        view.workers
                            .iter()
                            .map(|w| {
                                (
                                    w.worker_id,
                                    u32::try_from(w.hours_requested / 2).unwrap_or(0),
                                )
                            })
                            .collect(),
                    ),
                    days: None,
                },
                (Outcome::Authorised, false) => Decision {
                    outcome,
                    motivation: None,
                    hours: None,
                    days: None,
                },
            };
            s.decide(&office, view.id, decision).await?;
        }
    }
    Ok(())
}
