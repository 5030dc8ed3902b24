//! Registry views: the employers a principal may act for, and one employer's detail.

use chrono::NaiveDate;
use omnia_domain::benefit::{Benefit, FundCode};
use omnia_domain::evaluation::selection::{self, SelectionOutcome, Suggestion};
use omnia_domain::reference::Reference;
use omnia_domain::simulation::{Classification, Sector};
use omnia_store::{EmployerId, EmployerRow, OfficeId, Qualifica, Role, UnitId, WorkerId};
use serde::Serialize;

use crate::applications::OfficeRef;
use crate::{EmployerScope, Principal, ServiceError, Services};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmployerSummary {
    pub id: EmployerId,
    /// Codice fiscale of the employer.
    pub cf: String,
    pub name: String,
    /// Codice statistico contributivo.
    pub csc: String,
    pub edile_lapideo: bool,
    pub agricultural: bool,
}

impl From<&EmployerRow> for EmployerSummary {
    fn from(e: &EmployerRow) -> Self {
        EmployerSummary {
            id: e.id,
            cf: e.cf.clone(),
            name: e.name.clone(),
            csc: e.csc.clone(),
            edile_lapideo: e.edile_lapideo,
            agricultural: e.agricultural,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: UnitId,
    pub name: String,
    pub address: String,
    pub comune: String,
    pub province: String,
    pub working_days_per_week: i64,
    /// The office (sede) that examines this UP's applications.
    pub office: OfficeRef,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkerView {
    pub id: WorkerId,
    pub unit_id: UnitId,
    pub cf: String,
    pub surname: String,
    pub name: String,
    pub hire_date: NaiveDate,
    pub qualifica: Qualifica,
    pub weekly_hours: i64,
    pub working_days_per_week: i64,
    pub hourly_wage_cents: i64,
    /// False for dirigenti (R-ELIG-1).
    pub eligible: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeadcountView {
    /// Semester, e.g. `2025-S2`.
    pub semester: String,
    pub weekly_hours: i64,
    /// Average number of workers with these weekly hours, in hundredths.
    pub avg_workers_hundredths: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmployerDetail {
    pub id: EmployerId,
    pub cf: String,
    pub name: String,
    pub csc: String,
    pub ateco: String,
    /// Codici di autorizzazione (e.g. `0J`).
    pub authorisation_codes: Vec<String>,
    pub edile_lapideo: bool,
    pub agricultural: bool,
    /// Solidarity fund, if the employer belongs to one.
    pub fund_code: Option<String>,
    pub matricole: Vec<String>,
    pub headcount: Vec<HeadcountView>,
    pub units: Vec<UnitView>,
    pub workers: Vec<WorkerView>,
    /// Every benefit, marked suggested or not for this classification today (R-SEL-1/2).
    pub benefits: Vec<BenefitOption>,
    /// Why that benefit (stable code of the R-SEL-2 branch, e.g. `cigo_scope_art_10`), and
    /// set when the right scheme is outside INPS (e.g. `fsba` for crafts).
    pub selection_reason: String,
    pub outside_inps: Option<String>,
}

/// A benefit with the platform's judgement on the employer's classification (R-SEL-1): a
/// non-suggested benefit may still be requested; the operator sees the flag.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BenefitOption {
    #[schema(value_type = String, example = "cigo")]
    pub benefit: Benefit,
    pub label_it: String,
    /// `true`: suggerita; `false`: non compatibile.
    pub suggested: bool,
}

/// A causale offered for a benefit on a date (form choices).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CausaleOption {
    pub code: String,
    pub label_it: String,
    pub label_en: String,
    /// Evento oggettivamente non evitabile.
    pub eone: bool,
}

/// The employer's classification (R-SEL-1) as the rules engine reads it: sector from the
/// agricultural flag or the CSC's first digit.
pub(crate) fn classification(e: &EmployerRow, codes: &[String]) -> Classification {
    let sector = if e.agricultural {
        Sector::Agricoltura
    } else {
        match e.csc.chars().next() {
            Some('1') => Sector::Industria,
            Some('4') => Sector::Artigianato,
            Some('7') => Sector::Terziario,
            _ => Sector::Altro,
        }
    };
    Classification {
        sector,
        csc: Some(e.csc.clone()),
        ateco: Some(e.ateco.clone()),
        authorisation_codes: codes.to_vec(),
        cigo_scope: false,
        agricultural_coop_processing: false,
        fund: e.fund_code.as_deref().and_then(|f| {
            serde_json::from_value::<FundCode>(serde_json::Value::String(f.to_owned())).ok()
        }),
        province_share: None,
    }
}

/// R-SEL-2 through the domain's selection, with the headcount of the latest semester
/// (rounded up: only "any employees?" matters to the choice).
pub(crate) fn select_benefits(
    e: &EmployerRow,
    codes: &[String],
    headcount: &[omnia_store::HeadcountRow],
    today: NaiveDate,
) -> SelectionOutcome {
    let classification = classification(e, codes);
    let latest = headcount.iter().map(|h| h.semester.as_str()).max();
    let hundredths: i64 = headcount
        .iter()
        .filter(|h| Some(h.semester.as_str()) == latest)
        .map(|h| h.avg_workers_hundredths)
        .sum();
    let workers: i64 = (hundredths + 99) / 100;
    selection::evaluate(
        &classification,
        e.edile_lapideo,
        workers.into(),
        today,
        (Benefit::Cigo, None),
        Reference::builtin(),
    )
}

impl Services {
    /// The employers `p` may act for: its own (employer user), those delegating it today
    /// (intermediary); nobody for operators and administrators.
    pub async fn employers_for(&self, p: &Principal) -> Result<Vec<EmployerSummary>, ServiceError> {
        let mut tx = self.db().read().await?;
        let rows = match p.role {
            Role::EmployerUser => match p.employer_id {
                Some(id) => tx.employer(id).await?.into_iter().collect(),
                None => vec![],
            },
            Role::Intermediary => tx.delegating_employers(p.user_id, self.today()).await?,
            Role::Operator | Role::Administrator => vec![],
        };
        Ok(rows.iter().map(EmployerSummary::from).collect())
    }

    /// Classification, matricole, headcount history, UPs (with their office) and workers.
    pub async fn employer_detail(&self, s: &EmployerScope) -> Result<EmployerDetail, ServiceError> {
        let mut tx = self.db().read().await?;
        let id = s.employer_id();
        let e = tx.employer(id).await?.ok_or(ServiceError::NotFound)?;
        let offices = tx.offices().await?;
        let office_ref = |oid: OfficeId| {
            offices
                .iter()
                .find(|o| o.id == oid)
                .map(|o| OfficeRef {
                    id: o.id,
                    code: o.code.clone(),
                    name: o.name.clone(),
                })
                .unwrap_or(OfficeRef {
                    id: oid,
                    code: String::new(),
                    name: String::new(),
                })
        };
        let units = tx
            .units_of_employer(id)
            .await?
            .into_iter()
            .map(|u| UnitView {
                id: u.id,
                office: office_ref(u.office_id),
                name: u.name,
                address: u.address,
                comune: u.comune,
                province: u.province,
                working_days_per_week: u.working_days_per_week,
            })
            .collect();
        let workers = tx
            .workers_of_employer(id)
            .await?
            .into_iter()
            .map(|w| WorkerView {
                id: w.id,
                unit_id: w.unit_id,
                cf: w.cf,
                surname: w.surname,
                name: w.name,
                hire_date: w.hire_date,
                eligible: w.qualifica != Qualifica::Dirigente,
                qualifica: w.qualifica,
                weekly_hours: w.weekly_hours,
                working_days_per_week: w.working_days_per_week,
                hourly_wage_cents: w.hourly_wage_cents,
            })
            .collect();
        let authorisation_codes = tx.authorisation_codes(id).await?;
        let headcount = tx.headcount(id).await?;
        let selection = select_benefits(&e, &authorisation_codes, &headcount, self.today());
        Ok(EmployerDetail {
            benefits: selection
                .benefits
                .iter()
                .map(|b| BenefitOption {
                    benefit: b.benefit,
                    label_it: b.benefit.label_it().to_owned(),
                    suggested: b.status == Suggestion::Suggerita,
                })
                .collect(),
            selection_reason: selection.reason,
            outside_inps: selection.outside_inps,
            authorisation_codes,
            matricole: tx
                .matricole(id)
                .await?
                .into_iter()
                .map(|m| m.matricola)
                .collect(),
            headcount: headcount
                .into_iter()
                .map(|h| HeadcountView {
                    semester: h.semester,
                    weekly_hours: h.weekly_hours,
                    avg_workers_hundredths: h.avg_workers_hundredths,
                })
                .collect(),
            units,
            workers,
            id: e.id,
            cf: e.cf,
            name: e.name,
            csc: e.csc,
            ateco: e.ateco,
            edile_lapideo: e.edile_lapideo,
            agricultural: e.agricultural,
            fund_code: e.fund_code,
        })
    }

    /// Causali usable for `benefit` on `date` (reference data, R-CAUS-1).
    pub fn causali_for(&self, benefit: Benefit, date: NaiveDate) -> Vec<CausaleOption> {
        Reference::builtin()
            .causali_for(benefit, date)
            .into_iter()
            .map(|c| CausaleOption {
                code: c.code.clone(),
                label_it: c.label_it.clone(),
                label_en: c.label_en.clone(),
                eone: c.eone,
            })
            .collect()
    }
}
