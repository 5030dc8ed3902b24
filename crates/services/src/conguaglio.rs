//! The conguaglio route (R-FLO-4): the employer advances the benefit with the pay and
//! offsets it against its contributions, quoting the offset code issued with the
//! authorisation (see `decide`). For the FIS and the solidarity funds it then declares what
//! was actually used (*fruito*) per UP, in a CSV file: each line is posted to the fruito
//! ledger. CIGO and CISOA have no declaration here (a specific error says so).
//!
//! CSV (UTF-8, `;`-separated, header line first; format in `docs/flows/README.md`):
//!
//! ```text
//! riferimento;codice_fiscale;mese;ore
//! CG490020250000007K;RSSMRA80A01H501U;2025-03;16,5
//! ```
//!
//! `riferimento` is the offset code or the authorisation number. Every bad line is
//! reported with its number and reason, all at once; nothing is stored unless every line
//! is clean.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use omnia_domain::benefit::Benefit;
use omnia_domain::ids::{AuthorisationNumber, CodiceFiscale, OffsetCode};
use omnia_store::flows::{FlowAuthorisationRow, FruitoDeclarationRow, NewDeclarationPosting};
use omnia_store::{ApplicationId, Role, UnitId};
use rust_decimal::Decimal;
use serde::Serialize;

use omnia_store::audit::NewAuditEvent;

use crate::applications::internal;
use crate::{FieldError, Principal, ServiceError, Services};

/// The header a declaration starts with.
pub const DECLARATION_HEADER: &str = "riferimento;codice_fiscale;mese;ore";

/// A stored fruito declaration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FruitoDeclarationView {
    /// UUIDv7.
    pub id: String,
    #[schema(value_type = i64, format = Int64)]
    pub unit_id: UnitId,
    pub submitted_at: DateTime<Utc>,
    /// Lines posted to the fruito ledger.
    pub lines: i64,
    /// Hours declared in all (two decimals).
    #[schema(value_type = String, example = "32.50")]
    pub hours: Decimal,
}

impl From<FruitoDeclarationRow> for FruitoDeclarationView {
    fn from(r: FruitoDeclarationRow) -> Self {
        Self {
            id: r.id,
            unit_id: r.unit_id,
            submitted_at: r.submitted_at,
            lines: r.lines,
            hours: Decimal::new(r.hours_centi, 2),
        }
    }
}

/// One bad line: its number (1 = the header) and why, in Italian and English.
fn line_error(line: usize, code: &'static str, it: String, en: String) -> FieldError {
    FieldError::new(
        format!("/lines/{line}"),
        format!("riga_{line}"),
        code,
        format!("Riga {line}: {it}"),
        format!("Line {line}: {en}"),
    )
}

/// What a line may refer to: an authorisation of the UP with its beneficiaries.
struct Grant {
    row: FlowAuthorisationRow,
    /// Worker CF → (authorised hours, used so far) in hundredths of an hour.
    workers: HashMap<String, (i64, i64)>,
}

/// Hours as `16`, `16.5` or `16,50`: positive, at most two decimals, at most 999.
fn parse_hours(raw: &str) -> Option<i64> {
    let d = Decimal::from_str(&raw.trim().replace(',', ".")).ok()?;
    if d <= Decimal::ZERO || d.scale() > 2 || d > Decimal::from(999) {
        return None;
    }
    i64::try_from((d * Decimal::from(100)).trunc().mantissa()).ok()
}

/// `YYYY-MM` as the first day of the month.
fn parse_month(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.len() != 7 {
        return None;
    }
    NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok()
}

impl Services {
    /// The UP, if the caller may act for its employer (404 otherwise; 403 for operators
    /// and administrators, who do not declare).
    async fn declaring_unit(
        &self,
        p: &Principal,
        unit: UnitId,
    ) -> Result<omnia_store::UnitRow, ServiceError> {
        if !matches!(p.role, Role::EmployerUser | Role::Intermediary) {
            return Err(ServiceError::Forbidden);
        }
        let row = {
            let mut tx = self.db().read().await?;
            tx.unit(unit).await?.ok_or(ServiceError::NotFound)?
        };
        self.employer_scope(p, row.employer_id).await?;
        Ok(row)
    }

    /// Checks a fruito declaration of a UP and, if every line is clean, stores it and posts
    /// its lines to the fruito ledger (R-FLO-4, R-FLO-2). `Validation` lists every bad line.
    pub async fn submit_fruito_declaration(
        &self,
        p: &Principal,
        unit_id: UnitId,
        csv: &str,
    ) -> Result<FruitoDeclarationView, ServiceError> {
        let unit = self.declaring_unit(p, unit_id).await?;
        let mut grants: Vec<Grant> = {
            let mut tx = self.db().read().await?;
            let rows = tx.flow_authorisations(unit.employer_id).await?;
            let used = tx.flow_grants(unit.employer_id).await?;
            rows.into_iter()
                .filter(|a| a.unit_id == unit_id)
                .map(|row| {
                    let workers = used
                        .iter()
                        .filter(|g| g.application_id == row.application_id)
                        .map(|g| {
                            (
                                g.worker_cf.clone(),
                                (g.hours_authorised * 100, g.used_centi),
                            )
                        })
                        .collect();
                    Grant { row, workers }
                })
                .collect()
        };

        let mut errors = Vec::new();
        let mut postings: Vec<NewDeclarationPosting> = Vec::new();
        let mut seen: HashMap<(ApplicationId, String, String), usize> = HashMap::new();
        let mut lines = csv.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, h))
                if h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
                    == DECLARATION_HEADER => {}
            _ => errors.push(line_error(
                1,
                "header",
                format!("la prima riga deve essere l'intestazione «{DECLARATION_HEADER}»."),
                format!("the first line must be the header \"{DECLARATION_HEADER}\"."),
            )),
        }
        for (n, raw) in lines {
            if raw.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = raw.split(';').map(str::trim).collect();
            if cols.len() != 4 {
                errors.push(line_error(
                    n,
                    "columns",
                    format!(
                        "attese 4 colonne separate da «;» (riferimento, codice fiscale, mese, ore), trovate {}.",
                        cols.len()
                    ),
                    format!(
                        "expected 4 columns separated by \";\" (reference, codice fiscale, month, hours), found {}.",
                        cols.len()
                    ),
                ));
                continue;
            }
            let (reference, cf, month, hours) = (cols[0], cols[1], cols[2], cols[3]);
            let number = match OffsetCode::parse(reference) {
                Ok(c) => c.authorisation().ok(),
                Err(_) => AuthorisationNumber::parse(reference).ok(),
            };
            let Some(number) = number else {
                errors.push(line_error(
                    n,
                    "reference_invalid",
                    format!(
                        "«{reference}» non è un codice di conguaglio (CG…) né un numero di autorizzazione (AUT.…)."
                    ),
                    format!(
                        "\"{reference}\" is neither an offset code (CG…) nor an authorisation number (AUT.…)."
                    ),
                ));
                continue;
            };
            let Some(grant) = grants
                .iter_mut()
                .find(|g| g.row.authorisation_number == number.as_str())
            else {
                errors.push(line_error(
                    n,
                    "reference_unknown",
                    format!("l'autorizzazione {number} non è stata concessa per questa unità produttiva."),
                    format!("authorisation {number} was not granted for this productive unit."),
                ));
                continue;
            };
            let benefit = Benefit::parse(&grant.row.benefit)
                .ok_or_else(|| internal("benefit of an authorisation"))?;
            if matches!(benefit, Benefit::Cigo | Benefit::Cisoa) {
                errors.push(line_error(
                    n,
                    "benefit_not_declarable",
                    format!(
                        "l'autorizzazione {number} è {}: la dichiarazione di fruito è prevista solo per il FIS e i fondi di solidarietà (R-FLO-4).",
                        benefit.label_it()
                    ),
                    format!(
                        "authorisation {number} is {}: fruito declarations are for the FIS and the solidarity funds only (R-FLO-4).",
                        benefit.label_en()
                    ),
                ));
                continue;
            }
            let Some(offset) = grant.row.offset_code.clone() else {
                errors.push(line_error(
                    n,
                    "not_conguaglio",
                    format!(
                        "l'autorizzazione {number} è a pagamento diretto: le ore fruite arrivano con i flussi."
                    ),
                    format!(
                        "authorisation {number} is paid directly: the hours used come with the flows."
                    ),
                ));
                continue;
            };
            if reference.to_ascii_uppercase().starts_with("CG")
                && !offset.eq_ignore_ascii_case(reference)
            {
                errors.push(line_error(
                    n,
                    "reference_unknown",
                    format!("il codice di conguaglio {reference} non è quello rilasciato con l'autorizzazione."),
                    format!("offset code {reference} is not the one issued with the authorisation."),
                ));
                continue;
            }
            let cf = match CodiceFiscale::parse(cf) {
                Ok(cf) => cf,
                Err(e) => {
                    errors.push(line_error(n, "cf_invalid", e.message_it(), e.to_string()));
                    continue;
                }
            };
            let Some(first) = parse_month(month) else {
                errors.push(line_error(
                    n,
                    "month_invalid",
                    format!("mese «{month}» non valido: formato AAAA-MM."),
                    format!("month \"{month}\" is not valid: format YYYY-MM."),
                ));
                continue;
            };
            let (start, end) = (grant.row.start_date, grant.row.end_date);
            let month_of = |d: NaiveDate| (d.year(), d.month());
            if month_of(first) < month_of(start) || month_of(first) > month_of(end) {
                errors.push(line_error(
                    n,
                    "month_outside_period",
                    format!("il mese {month} è fuori dal periodo autorizzato ({start} – {end})."),
                    format!("month {month} is outside the authorised period ({start} – {end})."),
                ));
                continue;
            }
            let Some(centi) = parse_hours(hours) else {
                errors.push(line_error(
                    n,
                    "hours_invalid",
                    format!("ore «{hours}» non valide: un numero maggiore di 0 con al più due decimali."),
                    format!("hours \"{hours}\" are not valid: a number above 0 with at most two decimals."),
                ));
                continue;
            };
            let Some((authorised, used)) = grant.workers.get_mut(cf.as_str()) else {
                errors.push(line_error(
                    n,
                    "not_beneficiary",
                    format!("il lavoratore {cf} non è beneficiario dell'autorizzazione {number}."),
                    format!("worker {cf} is not a beneficiary of authorisation {number}."),
                ));
                continue;
            };
            let key = (
                grant.row.application_id,
                cf.as_str().to_owned(),
                month.to_owned(),
            );
            if let Some(before) = seen.insert(key, n) {
                errors.push(line_error(
                    n,
                    "duplicate_line",
                    format!("stesso lavoratore, autorizzazione e mese della riga {before}."),
                    format!("same worker, authorisation and month as line {before}."),
                ));
                continue;
            }
            // Cumulative: what the ledger has, plus the lines above in this file.
            if *used + centi > *authorised {
                let left = Decimal::new((*authorised - *used).max(0), 2);
                errors.push(line_error(
                    n,
                    "hours_above_authorised",
                    format!(
                        "le ore dichiarate superano quelle autorizzate per {cf}: ne restano {left}."
                    ),
                    format!("the hours declared exceed those authorised for {cf}: {left} left."),
                ));
                continue;
            }
            *used += centi;
            postings.push(NewDeclarationPosting {
                application_id: grant.row.application_id,
                worker_cf: cf.as_str().to_owned(),
                month: month.to_owned(),
                hours_centi: centi,
            });
        }
        if errors.is_empty() && postings.is_empty() {
            errors.push(line_error(
                2,
                "empty",
                "la dichiarazione non ha righe dopo l'intestazione.".into(),
                "the declaration has no line after the header.".into(),
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }

        let id = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        let mut tx = self.db().begin().await?;
        tx.insert_fruito_declaration(&id, unit_id, p.user_id, now, &postings)
            .await?;
        tx.append_audit(NewAuditEvent {
            actor: Some(p.user_id),
            on_behalf_of: Some(unit.employer_id),
            action: "fruito_declaration.submit".into(),
            target_type: "fruito_declaration".into(),
            target_id: id.clone(),
            details: serde_json::json!({"unit_id": unit_id, "lines": postings.len()}),
        })
        .await?;
        tx.commit().await?;
        let hours: i64 = postings.iter().map(|p| p.hours_centi).sum();
        Ok(FruitoDeclarationView {
            id,
            unit_id,
            submitted_at: now,
            lines: i64::try_from(postings.len()).unwrap_or(i64::MAX),
            hours: Decimal::new(hours, 2),
        })
    }

    /// The fruito declarations of a UP, newest first.
    pub async fn fruito_declarations(
        &self,
        p: &Principal,
        unit_id: UnitId,
    ) -> Result<Vec<FruitoDeclarationView>, ServiceError> {
        self.declaring_unit(p, unit_id).await?;
        let mut tx = self.db().read().await?;
        Ok(tx
            .fruito_declarations(unit_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
