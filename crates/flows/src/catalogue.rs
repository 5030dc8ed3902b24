//! The catalogue of flow checks (R-FLO-1, R-FLO-3): stable codes with class,
//! severity, level and Italian title. `docs/flows/checks.md` mirrors this
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
    ($($code:ident => $class:ident, $sev:ident, $level:ident, $title:literal;)*) => {
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
            pub fn parse(s: &str) -> Option<Code> {
                match s { $(stringify!($code) => Some(Code::$code),)* _ => None }
            }
        }
    };
}

catalogue! {
    FO01 => Formal, Blocking, File, "File non ben formato o troncato";
    FO02 => Formal, Blocking, File, "DTD, DOCTYPE o entità non ammessi";
    FO03 => Formal, Blocking, File, "Codifica non dichiarata o diversa da UTF-8";
    FO04 => Formal, Blocking, File, "Elemento o attributo non previsto, duplicato o fuori ordine";
    FO05 => Formal, Blocking, File, "Elemento obbligatorio mancante";
    FO06 => Formal, Blocking, Record, "Valore non conforme al formato previsto";
    FO07 => Formal, Blocking, Employer, "Codice fiscale dell'azienda non valido";
    FO08 => Formal, Blocking, Employer, "Matricola INPS non valida";
    FO09 => Formal, Blocking, Record, "Codice fiscale del lavoratore non valido";
    FO10 => Formal, Blocking, Record, "IBAN non valido";
    FO11 => Formal, Blocking, Record, "Ticket o numero di autorizzazione non valido";
    FO12 => Formal, Blocking, File, "Codice fiscale del mittente non valido";
    CO01 => Coherence, Blocking, File, "Numero di record diverso dal totale di controllo";
    CO02 => Coherence, Blocking, File, "Ore totali diverse dal totale di controllo";
    CO03 => Coherence, Blocking, Record, "Mese di competenza fuori dal periodo del flusso";
    CO04 => Coherence, Blocking, Day, "Giorno fuori dal mese di competenza";
    CO05 => Coherence, Blocking, Day, "Giorno ripetuto nello stesso record";
    CO06 => Coherence, Blocking, Record, "Qualifica2 (tipo orario) incoerente con la percentuale di part-time";
    CO07 => Coherence, Blocking, Record, "Lavoratore ripetuto per lo stesso mese e inquadramento";
    CO08 => Coherence, Blocking, Record, "Record già acquisito: inviarlo come sostitutivo";
    CO09 => Coherence, Blocking, Record, "Record sostitutivo senza un record acquisito da sostituire";
    CG01 => Congruity, Blocking, Record, "Orario contrattuale settimanale fuori dall'intervallo 1-48 ore";
    CG02 => Congruity, Blocking, Record, "Percentuale di part-time fuori dall'intervallo 1-100";
    CG03 => Congruity, Blocking, Day, "Ore del giorno superiori all'orario contrattuale giornaliero";
    CG04 => Congruity, Blocking, Day, "Ore del giorno nulle";
    CG05 => Congruity, Forceable, Record, "Retribuzione oraria anomala";
    CG06 => Congruity, Forceable, Record, "IBAN estero";
    CG07 => Congruity, Forceable, Day, "Integrazione in un giorno festivo o di domenica";
    CP01 => Compatibility, Blocking, Record, "Autorizzazione o ticket inesistente";
    CP02 => Compatibility, Blocking, Record, "Autorizzazione intestata a un'altra azienda";
    CP03 => Compatibility, Blocking, Day, "Codice evento non coerente con la prestazione autorizzata";
    CP04 => Compatibility, Blocking, Record, "Lavoratore non beneficiario dell'autorizzazione";
    CP05 => Compatibility, Blocking, Day, "Giorno fuori dal periodo autorizzato";
    CP06 => Compatibility, Blocking, Day, "Giorno coperto da due prestazioni o autorizzazioni";
    CP07 => Compatibility, Blocking, Record, "Ticket e numero di autorizzazione non corrispondenti";
    CP08 => Compatibility, Blocking, Record, "Prestazione non pagabile con questo flusso";
    CP09 => Compatibility, Forceable, Record, "Termine di invio scaduto: pagamento a carico del datore di lavoro";
    CA01 => Calculation, Blocking, Record, "Ore cumulate del lavoratore oltre le ore autorizzate";
    CA02 => Calculation, Blocking, Employer, "Ore cumulate dell'autorizzazione oltre il totale autorizzato";
    CA03 => Calculation, Info, Record, "Importo limitato dal massimale mensile";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
