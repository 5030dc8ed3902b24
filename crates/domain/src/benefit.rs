//! The benefits the platform handles (R-SEL) and the INPS-managed solidarity
//! funds that pay an AIS.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A wage-integration benefit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Benefit {
    /// Cassa integrazione guadagni ordinaria (industry and construction).
    Cigo,
    /// Assegno di integrazione salariale paid by the FIS.
    AisFis,
    /// Assegno di integrazione salariale paid by an INPS-managed solidarity fund.
    AisFondo,
    /// Cassa integrazione speciale operai agricoli (counted in whole days).
    Cisoa,
}

impl Benefit {
    pub const ALL: [Benefit; 4] = [
        Benefit::Cigo,
        Benefit::AisFis,
        Benefit::AisFondo,
        Benefit::Cisoa,
    ];

    /// Stable snake_case code, as in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Benefit::Cigo => "cigo",
            Benefit::AisFis => "ais_fis",
            Benefit::AisFondo => "ais_fondo",
            Benefit::Cisoa => "cisoa",
        }
    }
    pub fn label_it(self) -> &'static str {
        match self {
            Benefit::Cigo => "Cassa integrazione guadagni ordinaria (CIGO)",
            Benefit::AisFis => "Assegno di integrazione salariale FIS",
            Benefit::AisFondo => "Assegno di integrazione salariale dei fondi di solidarietà",
            Benefit::Cisoa => "Cassa integrazione speciale operai agricoli (CISOA)",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Benefit::Cigo => "Ordinary wage guarantee fund (CIGO)",
            Benefit::AisFis => "Wage integration allowance from the FIS",
            Benefit::AisFondo => "Wage integration allowance from a solidarity fund",
            Benefit::Cisoa => "Special wage guarantee fund for agricultural workers (CISOA)",
        }
    }
    /// AIS benefits (FIS or a fund).
    pub fn is_ais(self) -> bool {
        matches!(self, Benefit::AisFis | Benefit::AisFondo)
    }
    pub fn parse(s: &str) -> Option<Benefit> {
        Benefit::ALL.into_iter().find(|b| b.code() == s.trim())
    }
}

impl fmt::Display for Benefit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// INPS-managed solidarity funds (art. 26 and 40 D.Lgs. 148/2015) paying an
/// AIS ([`Benefit::AisFondo`]). The FIS itself is [`Benefit::AisFis`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FundCode {
    /// Fondo attività professionali (FSAP).
    AttivitaProfessionali,
    /// Fondo filiera telecomunicazioni (TLC).
    Telecomunicazioni,
    /// Fondo settore marittimo SOLIMARE.
    Solimare,
    /// Fondo trasporto pubblico (autoferrotranvieri, internavigatori).
    TrasportoPubblico,
    /// Fondo servizi ambientali.
    ServiziAmbientali,
    /// Fondo credito.
    Credito,
    /// Fondo territoriale intersettoriale di Trento.
    Trento,
    /// Fondo territoriale intersettoriale di Bolzano-Alto Adige.
    Bolzano,
}

impl FundCode {
    pub const ALL: [FundCode; 8] = [
        FundCode::AttivitaProfessionali,
        FundCode::Telecomunicazioni,
        FundCode::Solimare,
        FundCode::TrasportoPubblico,
        FundCode::ServiziAmbientali,
        FundCode::Credito,
        FundCode::Trento,
        FundCode::Bolzano,
    ];
    pub fn code(self) -> &'static str {
        match self {
            FundCode::AttivitaProfessionali => "attivita_professionali",
            FundCode::Telecomunicazioni => "telecomunicazioni",
            FundCode::Solimare => "solimare",
            FundCode::TrasportoPubblico => "trasporto_pubblico",
            FundCode::ServiziAmbientali => "servizi_ambientali",
            FundCode::Credito => "credito",
            FundCode::Trento => "trento",
            FundCode::Bolzano => "bolzano",
        }
    }
    pub fn label_it(self) -> &'static str {
        match self {
            FundCode::AttivitaProfessionali => "Fondo di solidarietà per le attività professionali",
            FundCode::Telecomunicazioni => {
                "Fondo di solidarietà della filiera delle telecomunicazioni"
            }
            FundCode::Solimare => "Fondo di solidarietà del settore marittimo (SOLIMARE)",
            FundCode::TrasportoPubblico => "Fondo di solidarietà del trasporto pubblico",
            FundCode::ServiziAmbientali => "Fondo di solidarietà dei servizi ambientali",
            FundCode::Credito => "Fondo di solidarietà del credito",
            FundCode::Trento => "Fondo territoriale intersettoriale della Provincia di Trento",
            FundCode::Bolzano => "Fondo territoriale intersettoriale di Bolzano-Alto Adige",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            FundCode::AttivitaProfessionali => "Solidarity fund for professional practices",
            FundCode::Telecomunicazioni => "Telecommunications solidarity fund",
            FundCode::Solimare => "Maritime sector solidarity fund (SOLIMARE)",
            FundCode::TrasportoPubblico => "Public transport solidarity fund",
            FundCode::ServiziAmbientali => "Environmental services solidarity fund",
            FundCode::Credito => "Banking sector solidarity fund",
            FundCode::Trento => "Territorial fund of the Province of Trento",
            FundCode::Bolzano => "Territorial fund of Bolzano-South Tyrol",
        }
    }
}

impl fmt::Display for FundCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_codes() {
        assert_eq!(
            serde_json::to_string(&Benefit::AisFondo).unwrap(),
            "\"ais_fondo\""
        );
        assert_eq!(
            serde_json::from_str::<Benefit>("\"cisoa\"").unwrap(),
            Benefit::Cisoa
        );
        for b in Benefit::ALL {
            assert_eq!(
                serde_json::to_string(&b).unwrap(),
                format!("\"{}\"", b.code())
            );
            assert_eq!(Benefit::parse(b.code()), Some(b));
        }
        for f in FundCode::ALL {
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.code())
            );
        }
    }
}
