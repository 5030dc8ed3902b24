//! The catalogue of flow checks (R-FLO-1, R-FLO-3): stable codes with class,
//! severity, level and title in Italian and English. `docs/flows/checks.md` mirrors this
//! table; a test keeps the two in step.

use serde::Serialize;

/// Class of a check (R-FLO-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Syntax, schema, identifiers and value formats.
    Formal,
    /// Agreement between values of the same file (totals, dates, duplicates).
    Coherence,
    /// Plausibility of the values (hours, percentages, pay).
    Congruity,
    /// Agreement with the authorisations (existence, employer, benefit, period, deadline).
    Compatibility,
    /// Cumulative hours against the authorised ones, amounts.
    Calculation,
}

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The flow is refused.
    Blocking,
    /// Accepted only if the sender confirms with a note.
    Forceable,
    /// Never stops the flow.
    Info,
}

/// Level the finding refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    File,
    Employer,
    Record,
    Day,
}

macro_rules! catalogue {
    ($($code:ident => $class:ident, $sev:ident, $level:ident, $title:literal, $title_en:literal;)*) => {
        /// Stable check codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Code { $($code,)* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }
            pub fn class(self) -> Class {
                match self { $(Code::$code => Class::$class,)* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$sev,)* }
            }
            pub fn level(self) -> Level {
                match self { $(Code::$code => Level::$level,)* }
            }
            /// Italian title of the check.
            pub fn title_it(self) -> &'static str {
                match self { $(Code::$code => $title,)* }
            }
            /// English title of the check (for the English pages and the API).
            pub fn title_en(self) -> &'static str {
                match self { $(Code::$code => $title_en,)* }
            }
            pub fn parse(s: &str) -> Option<Code> {
                match s { $(stringify!($code) => Some(Code::$code),)* _ => None }
            }
        }
    };
}

// Code => class, severity, level, Italian title, English title.
catalogue! {
    FO01 => Formal, Blocking, File,
        "File non ben formato o troncato",
        "File not well-formed or truncated";
    FO02 => Formal, Blocking, File,
        "DTD, DOCTYPE o entità non ammessi",
        "DTD, DOCTYPE or entities not allowed";
    FO03 => Formal, Blocking, File,
        "Codifica non dichiarata o diversa da UTF-8",
        "Encoding not declared or other than UTF-8";
    FO04 => Formal, Blocking, File,
        "Elemento o attributo non previsto, duplicato o fuori ordine",
        "Element or attribute not expected, repeated or out of order";
    FO05 => Formal, Blocking, File,
        "Elemento obbligatorio mancante",
        "Mandatory element missing";
    FO06 => Formal, Blocking, Record,
        "Valore non conforme al formato previsto",
        "Value not in the expected format";
    FO07 => Formal, Blocking, Employer,
        "Codice fiscale dell'azienda non valido",
        "Invalid employer tax code";
    FO08 => Formal, Blocking, Employer,
        "Matricola INPS non valida",
        "Invalid INPS matricola";
    FO09 => Formal, Blocking, Record,
        "Codice fiscale del lavoratore non valido",
        "Invalid worker tax code";
    FO10 => Formal, Blocking, Record,
        "IBAN non valido",
        "Invalid IBAN";
    FO11 => Formal, Blocking, Record,
        "Ticket o numero di autorizzazione non valido",
        "Invalid ticket or authorisation number";
    FO12 => Formal, Blocking, File,
        "Codice fiscale del mittente non valido",
        "Invalid sender tax code";
    CO01 => Coherence, Blocking, File,
        "Numero di record diverso dal totale di controllo",
        "Number of records different from the control total";
    CO02 => Coherence, Blocking, File,
        "Ore totali diverse dal totale di controllo",
        "Total hours different from the control total";
    CO03 => Coherence, Blocking, Record,
        "Mese di competenza fuori dal periodo del flusso",
        "Month of competence outside the period of the flow";
    CO04 => Coherence, Blocking, Day,
        "Giorno fuori dal mese di competenza",
        "Day outside the month of competence";
    CO05 => Coherence, Blocking, Day,
        "Giorno ripetuto nello stesso record",
        "Day repeated in the same record";
    CO06 => Coherence, Blocking, Record,
        "Qualifica2 (tipo orario) incoerente con la percentuale di part-time",
        "Qualifica2 (working-time type) inconsistent with the part-time percentage";
    CO07 => Coherence, Blocking, Record,
        "Lavoratore ripetuto per lo stesso mese e inquadramento",
        "Worker repeated for the same month and classification";
    CO08 => Coherence, Blocking, Record,
        "Record già acquisito: inviarlo come sostitutivo",
        "Record already accepted: send it as a replacement";
    CO09 => Coherence, Blocking, Record,
        "Record sostitutivo senza un record acquisito da sostituire",
        "Replacement record with no accepted record to replace";
    CG01 => Congruity, Blocking, Record,
        "Orario contrattuale settimanale fuori dall'intervallo 1-48 ore",
        "Weekly contractual hours outside the range 1-48";
    CG02 => Congruity, Blocking, Record,
        "Percentuale di part-time fuori dall'intervallo 1-100",
        "Part-time percentage outside the range 1-100";
    CG03 => Congruity, Blocking, Day,
        "Ore del giorno superiori all'orario contrattuale giornaliero",
        "Hours of the day above the contractual daily hours";
    CG04 => Congruity, Blocking, Day,
        "Ore del giorno nulle",
        "No hours in the day";
    CG05 => Congruity, Forceable, Record,
        "Retribuzione oraria anomala",
        "Unusual hourly pay";
    CG06 => Congruity, Forceable, Record,
        "IBAN estero",
        "Foreign IBAN";
    CG07 => Congruity, Forceable, Day,
        "Integrazione in un giorno festivo o di domenica",
        "Integration on a public holiday or a Sunday";
    CP01 => Compatibility, Blocking, Record,
        "Autorizzazione o ticket inesistente",
        "Authorisation or ticket not found";
    CP02 => Compatibility, Blocking, Record,
        "Autorizzazione intestata a un'altra azienda",
        "Authorisation issued to another employer";
    CP03 => Compatibility, Blocking, Day,
        "Codice evento non coerente con la prestazione autorizzata",
        "Event code inconsistent with the authorised benefit";
    CP04 => Compatibility, Blocking, Record,
        "Lavoratore non beneficiario dell'autorizzazione",
        "Worker not a beneficiary of the authorisation";
    CP05 => Compatibility, Blocking, Day,
        "Giorno fuori dal periodo autorizzato",
        "Day outside the authorised period";
    CP06 => Compatibility, Blocking, Day,
        "Giorno coperto da due prestazioni o autorizzazioni",
        "Day covered by two benefits or authorisations";
    CP07 => Compatibility, Blocking, Record,
        "Ticket e numero di autorizzazione non corrispondenti",
        "Ticket and authorisation number do not match";
    CP08 => Compatibility, Blocking, Record,
        "Prestazione non pagabile con questo flusso",
        "Benefit not payable with this flow";
    CP09 => Compatibility, Forceable, Record,
        "Termine di invio scaduto: pagamento a carico del datore di lavoro",
        "Sending deadline passed: the payment falls on the employer";
    CP10 => Compatibility, Blocking, Record,
        "Autorizzazione con pagamento a conguaglio: il flusso è solo per il pagamento diretto",
        "Authorisation paid by conguaglio: the flow is only for direct payment";
    CA01 => Calculation, Blocking, Record,
        "Ore cumulate del lavoratore oltre le ore autorizzate",
        "Worker's cumulative hours above the authorised hours";
    CA02 => Calculation, Blocking, Employer,
        "Ore cumulate dell'autorizzazione oltre il totale autorizzato",
        "Authorisation's cumulative hours above the authorised total";
    CA03 => Calculation, Info, Record,
        "Importo limitato dal massimale mensile",
        "Amount limited by the monthly massimale";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// English pages and the API show the English title: every check has its own.
    #[test]
    fn every_check_has_an_english_title_of_its_own() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let en = c.title_en();
            assert!(!en.trim().is_empty(), "{c}");
            assert_ne!(en, c.title_it(), "{c} is translated");
            assert!(seen.insert(en), "{c}: {en} repeated");
        }
    }
}
