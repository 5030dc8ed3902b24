//! Benefit suggestion from the employer classification (R-SEL-1/2/3).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::benefit::{Benefit, FundCode};
use crate::reference::Reference;
use crate::simulation::{Classification, Province, Sector};

/// *Suggerita* (coherent with the classification) or *non compatibile* (R-SEL-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Suggestion {
    Suggerita,
    NonCompatibile,
}

/// The status of one benefit for the employer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BenefitSuggestion {
    pub benefit: Benefit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund: Option<FundCode>,
    pub status: Suggestion,
}

/// Result of the R-SEL-2 decision procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SelectionOutcome {
    pub rule: String,
    /// The suggested benefit, if an INPS benefit applies.
    pub suggested: Option<Benefit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_fund: Option<FundCode>,
    /// Set when the employer belongs to a non-INPS fund (e.g. `fsba`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_inps: Option<String>,
    /// Which step of the decision order applied.
    pub reason: String,
    pub benefits: Vec<BenefitSuggestion>,
    /// Status of the benefit actually requested.
    pub requested: Suggestion,
}

/// TLC fund: CSC 70708 with these ATECO codes (msg 664/2024).
const TLC_ATECO: [&str; 3] = ["61.90.10", "61.90.91", "82.20.00"];

fn fund_available(r: &Reference, fund: FundCode, date: NaiveDate) -> bool {
    r.catalogue_entry(Benefit::AisFondo, Some(fund), date)
        .is_some_and(|e| e.fund == Some(fund))
}

/// R-SEL-2 decision order. Returns (benefit, fund, outside-INPS fund, reason code).
pub fn suggest(
    c: &Classification,
    edile_lapideo: bool,
    headcount: Decimal,
    date: NaiveDate,
    r: &Reference,
) -> (
    Option<Benefit>,
    Option<FundCode>,
    Option<&'static str>,
    &'static str,
) {
    if c.sector == Sector::Agricoltura {
        if c.agricultural_coop_processing {
            return (
                Some(Benefit::Cigo),
                None,
                None,
                "agricultural_coop_l240_cigo",
            );
        }
        return (
            Some(Benefit::Cisoa),
            None,
            None,
            "agricultural_employer_cisoa",
        );
    }
    if edile_lapideo || c.sector == Sector::Industria || c.cigo_scope {
        return (Some(Benefit::Cigo), None, None, "cigo_scope_art_10");
    }
    if c.sector == Sector::Artigianato {
        return (None, None, Some("fsba"), "crafts_fsba_not_inps");
    }
    let has_ca = |code: &str| {
        c.authorisation_codes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(code))
    };
    let mut fund = c.fund;
    if fund.is_none() && has_ca("6P") {
        fund = Some(FundCode::Bolzano);
    }
    if fund.is_none()
        && c.csc.as_deref() == Some("70708")
        && c.ateco.as_deref().is_some_and(|a| TLC_ATECO.contains(&a))
    {
        fund = Some(FundCode::Telecomunicazioni);
    }
    if fund.is_none()
        && let Some(share) = &c.province_share
    {
        let min = Decimal::from(r.parameters_on(date).territorial_fund_min_share_pct);
        if share.percent >= min {
            fund = Some(match share.province {
                Province::Trento => FundCode::Trento,
                Province::Bolzano => FundCode::Bolzano,
            });
        }
    }
    if let Some(f) = fund {
        if fund_available(r, f, date) {
            return (Some(Benefit::AisFondo), Some(f), None, "sector_fund");
        }
        if headcount > Decimal::ZERO {
            return (
                Some(Benefit::AisFis),
                None,
                None,
                "fund_not_yet_operative_fis",
            );
        }
    }
    if headcount > Decimal::ZERO {
        return (Some(Benefit::AisFis), None, None, "residual_fis");
    }
    (None, None, None, "no_employees")
}

/// Full selection outcome, marking each benefit and the requested one.
pub fn evaluate(
    c: &Classification,
    edile_lapideo: bool,
    headcount: Decimal,
    date: NaiveDate,
    requested: (Benefit, Option<FundCode>),
    r: &Reference,
) -> SelectionOutcome {
    let (benefit, fund, outside, reason) = suggest(c, edile_lapideo, headcount, date, r);
    let status = |b: Benefit, f: Option<FundCode>| {
        let ok = Some(b) == benefit && (b != Benefit::AisFondo || f.is_none() || f == fund);
        if ok {
            Suggestion::Suggerita
        } else {
            Suggestion::NonCompatibile
        }
    };
    let benefits = Benefit::ALL
        .iter()
        .map(|&b| {
            let f = if b == Benefit::AisFondo && benefit == Some(b) {
                fund
            } else {
                None
            };
            BenefitSuggestion {
                benefit: b,
                fund: f,
                status: status(b, f),
            }
        })
        .collect();
    SelectionOutcome {
        rule: "R-SEL-2".into(),
        suggested: benefit,
        suggested_fund: fund,
        outside_inps: outside.map(str::to_string),
        reason: reason.into(),
        benefits,
        requested: status(requested.0, requested.1),
    }
}
