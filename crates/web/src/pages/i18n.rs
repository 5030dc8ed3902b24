//! Italian first, English available: the page language and the English texts.
//!
//! Templates write the Italian text and ask the context for the visitor's language,
//! `{{ ctx.t("Nuova domanda") }}`: the Italian stays readable in the template, and a
//! test checks that every such text has an English translation here.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

/// Cookie remembering the language chosen with the switch in the header.
pub const LANG_COOKIE: &str = "omnia_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        match crate::auth::cookie(headers, LANG_COOKIE) {
            Some("en") => Self::En,
            _ => Self::It,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::It => "it",
            Self::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "it" => Some(Self::It),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The text in this language; Italian is the source.
    pub fn t(self, italian: &str) -> &str {
        match self {
            Self::It => italian,
            Self::En => ENGLISH.get(italian).copied().unwrap_or(italian),
        }
    }

    /// Picks between two texts the services already give in both languages.
    pub fn pick<'a>(self, italian: &'a str, english: &'a str) -> &'a str {
        match self {
            Self::It => italian,
            Self::En => english,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}

static ENGLISH: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| TRANSLATIONS.iter().copied().collect());

/// Italian → English. Keep sorted by page, then by appearance.
pub const TRANSLATIONS: &[(&str, &str)] = &[
    // layout
    ("Vai al contenuto principale", "Skip to main content"),
    ("Esci", "Sign out"),
    ("Accedi", "Sign in"),
    ("Home", "Home"),
    ("Domande", "Applications"),
    ("Istruttoria", "Examination"),
    ("Navigazione principale", "Main navigation"),
    (
        "Mostra o nascondi la navigazione",
        "Show or hide the navigation",
    ),
    ("Nascondi la navigazione", "Hide the navigation"),
    (
        "Cassa integrazione, assegno di integrazione salariale e CISOA",
        "Short-time work, wage integration allowance and CISOA",
    ),
    (
        "OMNIA IS — Integrazioni salariali",
        "OMNIA IS — Wage integration",
    ),
    ("Lingua", "Language"),
    ("Amministrazione", "Administration"),
    ("Informazioni sul servizio", "About the service"),
    // login
    ("Accedi a OMNIA IS", "Sign in to OMNIA IS"),
    ("Nome utente", "Username"),
    ("Password", "Password"),
    (
        "Nome utente o password non corretti.",
        "Wrong username or password.",
    ),
    (
        "Il modulo di accesso è scaduto: riprovare.",
        "The sign-in form expired: please try again.",
    ),
    (
        "La sessione è scaduta o non è attiva: accedere per continuare.",
        "Your session expired or is not active: sign in to continue.",
    ),
    // errors
    ("Pagina non trovata", "Page not found"),
    (
        "La pagina richiesta non esiste o non è accessibile con l'utenza in uso.",
        "The page does not exist or is not available to this account.",
    ),
    ("Torna alla pagina iniziale", "Back to the home page"),
    ("Pagina iniziale", "Home page"),
    ("Benvenuto", "Welcome"),
    ("Accesso come", "Signed in as"),
    ("Documentazione dell'API", "API documentation"),
    // lists
    (
        "Domande di integrazione salariale",
        "Wage integration applications",
    ),
    ("Nuova domanda", "New application"),
    (
        "Non ci sono ancora domande.",
        "There are no applications yet.",
    ),
    (
        "Domande dei datori di lavoro per cui si opera",
        "Applications of the employers you act for",
    ),
    ("Protocollo", "Protocol"),
    ("Datore di lavoro", "Employer"),
    ("Unità produttiva", "Productive unit"),
    ("Prestazione", "Benefit"),
    ("Periodo", "Period"),
    ("Stato", "State"),
    ("Bozza", "Draft"),
    ("apri la domanda", "open the application"),
    ("Domande da esaminare", "Applications to examine"),
    (
        "Non ci sono domande in attesa di decisione per questa sede.",
        "No application is waiting for a decision at this office.",
    ),
    (
        "Domande inviate alle unità produttive servite dalla sede",
        "Applications submitted for the productive units this office serves",
    ),
    // new application
    ("Continua", "Continue"),
    (
        "La piattaforma indica le prestazioni coerenti con l'inquadramento del datore di lavoro. Una prestazione non compatibile può comunque essere richiesta: la domanda resta segnalata alla sede.",
        "The platform marks the benefits that fit the employer's classification. A benefit that does not fit may still be requested: the application stays flagged for the office.",
    ),
    ("suggerita", "suggested"),
    (
        "La prestazione scelta non è compatibile con l'inquadramento del datore di lavoro. La domanda può essere presentata ma resta segnalata alla sede.",
        "The chosen benefit does not fit the employer's classification. The application may be filed but stays flagged for the office.",
    ),
    (
        "Confermo la scelta della prestazione",
        "I confirm the choice of benefit",
    ),
    (
        "Confermare la scelta di una prestazione non compatibile con l'inquadramento.",
        "Confirm the choice of a benefit that does not fit the classification.",
    ),
    ("non compatibile", "not compatible"),
    ("Nuova domanda di", "New application for"),
    (
        "La domanda non è stata salvata: correggere i campi segnalati.",
        "The application was not saved: correct the fields marked.",
    ),
    ("Scegli un'unità produttiva", "Choose a productive unit"),
    ("Causale", "Reason (causale)"),
    ("Scegli una causale", "Choose a reason"),
    ("Tipo di intervento", "Type"),
    ("Scegli", "Choose"),
    ("Sospensione (zero ore)", "Suspension (zero hours)"),
    ("Riduzione di orario", "Reduced hours"),
    ("Data di inizio", "Start date"),
    ("Data di fine", "End date"),
    ("Lavoratori e ore richieste", "Workers and hours requested"),
    (
        "Indicare le ore di integrazione richieste per l'intero periodo, solo per i lavoratori dell'unità produttiva scelta; lasciare vuoto o 0 per escludere il lavoratore. I dirigenti non sono elencati perché esclusi dall'integrazione salariale.",
        "Enter the hours requested for the whole period, only for workers of the chosen productive unit; leave empty or 0 to leave a worker out. Executives (dirigenti) are not listed: they are excluded from wage integration.",
    ),
    ("Lavoratori dell'azienda", "The employer's workers"),
    ("Lavoratore", "Worker"),
    ("Codice fiscale", "Tax code"),
    ("Qualifica", "Grade"),
    ("Ore settimanali", "Weekly hours"),
    ("Ore richieste", "Hours requested"),
    ("Ore richieste per", "Hours requested for"),
    ("Salva bozza", "Save draft"),
    ("Annulla", "Cancel"),
    (
        "Selezionare l'unità produttiva.",
        "Choose the productive unit.",
    ),
    ("Selezionare la causale.", "Choose the reason."),
    (
        "Indicare se si tratta di sospensione o riduzione.",
        "Say whether it is a suspension or a reduction.",
    ),
    ("Indicare la data.", "Enter the date."),
    (
        "Data non valida: usare il formato AAAA-MM-GG.",
        "Invalid date: use the format YYYY-MM-DD.",
    ),
    (
        "Indicare un numero intero di ore (0 per escludere il lavoratore).",
        "Enter a whole number of hours (0 to leave the worker out).",
    ),
    // detail
    ("Domanda di", "Application for"),
    ("non ancora assegnato", "not assigned yet"),
    ("Ticket", "Ticket"),
    ("Autorizzazione", "Authorisation"),
    ("Codice di conguaglio", "Offset code"),
    (
        "Il datore di lavoro anticipa la prestazione ai lavoratori con la retribuzione e la recupera in conguaglio sui contributi dovuti, indicando questo codice.",
        "The employer advances the benefit to the workers with their pay and recovers it by offsetting it against the contributions due, quoting this code.",
    ),
    (
        "Lo stesso codice si indica nelle dichiarazioni delle ore fruite.",
        "The same code is quoted in the declarations of the hours used.",
    ),
    ("Sede INPS competente", "INPS office in charge"),
    ("Inviata il", "Submitted on"),
    ("Decisa il", "Decided on"),
    ("Motivazione", "Motivation"),
    ("Lavoratori", "Workers"),
    (
        "Ore richieste e autorizzate per lavoratore",
        "Hours requested and authorised per worker",
    ),
    ("totale richiesto", "total requested"),
    ("ore", "hours"),
    ("Ore autorizzate", "Hours authorised"),
    ("Invia domanda", "Submit application"),
    ("Ritira domanda", "Withdraw application"),
    ("Decisione", "Decision"),
    ("Esito", "Outcome"),
    ("Autorizzata", "Authorised"),
    ("Respinta", "Rejected"),
    (
        "Motivazione (obbligatoria se respinta)",
        "Motivation (required for a rejection)",
    ),
    ("Registra decisione", "Record the decision"),
    ("Torna all'elenco", "Back to the list"),
    ("Sospensione", "Suspension"),
    ("Riduzione", "Reduction"),
    ("Bozza salvata.", "Draft saved."),
    (
        "Domanda inviata: il numero di protocollo è indicato sotto.",
        "Application submitted: the protocol number is shown below.",
    ),
    ("Domanda ritirata.", "Application withdrawn."),
    ("Decisione registrata.", "Decision recorded."),
    (
        "Scegliere l'esito della decisione.",
        "Choose the outcome of the decision.",
    ),
    ("Richiesta non valida", "Invalid request"),
    (
        "Il modulo è scaduto o non proviene da questo sito. Ricaricare la pagina e riprovare.",
        "The form expired or does not come from this site. Reload the page and try again.",
    ),
    ("Errore interno", "Internal error"),
    (
        "Si è verificato un errore imprevisto. Riprovare più tardi.",
        "An unexpected error occurred. Please try again later.",
    ),
    // administration
    ("Registro di audit", "Audit log"),
    (
        "Catena integra: nessun evento alterato o rimosso.",
        "Chain intact: no event altered or removed.",
    ),
    ("eventi", "events"),
    (
        "Catena NON integra a partire dall'evento",
        "Chain BROKEN from event",
    ),
    (
        "Ultimi eventi, dal più recente",
        "Latest events, newest first",
    ),
    ("Data e ora", "Date and time"),
    ("Utente", "User"),
    ("Per conto del datore", "On behalf of employer"),
    ("Azione", "Action"),
    ("Oggetto", "Target"),
    ("Utenti e deleghe", "Users and delegations"),
    ("Utenti", "Users"),
    ("Utenti della piattaforma", "Users of the platform"),
    ("Nome", "Name"),
    ("Ruolo", "Role"),
    ("Attivo", "Active"),
    ("sì", "yes"),
    ("no", "no"),
    ("Deleghe", "Delegations"),
    (
        "Deleghe degli intermediari, con il periodo di validità",
        "Delegations of the intermediaries, with their validity period",
    ),
    ("Dal", "From"),
    ("Al", "To"),
    ("Valida oggi", "Valid today"),
    // guided intake
    (
        "Necessaria solo se la prestazione scelta non è compatibile con l'inquadramento.",
        "Needed only when the chosen benefit does not fit the classification.",
    ),
    ("Continua la compilazione", "Continue filling in"),
    ("Duplica in una nuova bozza", "Duplicate into a new draft"),
    ("Scarica la ricevuta (PDF)", "Download the receipt (PDF)"),
    ("Salva e continua", "Save and continue"),
    ("Salva", "Save"),
    (
        "Bozza salvata automaticamente mentre si compila e a ogni passo.",
        "The draft is saved as you type and at every step.",
    ),
    ("Salvato alle", "Saved at"),
    (
        "i valori non validi non sono stati salvati: «Salva» li segnala accanto al campo.",
        "invalid values were not saved: «Save» marks them next to their field.",
    ),
    ("Salvataggio automatico non riuscito", "Autosave failed"),
    (
        "Salvataggio automatico non riuscito: usare «Salva» o ricaricare la pagina.",
        "Autosave failed: use «Save» or reload the page.",
    ),
    ("Passi della domanda", "Steps of the application"),
    (
        "A conguaglio (anticipo del datore di lavoro)",
        "Offset (conguaglio: the employer advances the pay)",
    ),
    (
        "Con quali organizzazioni sindacali",
        "With which trade unions",
    ),
    ("Data", "Date"),
    ("Dichiarazioni", "Declarations"),
    (
        "Dichiaro di aver svolto l'informazione e consultazione sindacale",
        "I declare that the unions were informed and consulted",
    ),
    (
        "Dichiaro la difficoltà finanziaria dell'azienda (necessaria per il pagamento diretto)",
        "I declare the company's financial difficulty (needed for direct payment)",
    ),
    (
        "Informazione e consultazione sindacale",
        "Union information and consultation",
    ),
    ("Modalità di pagamento", "Payment mode"),
    (
        "Pagamento diretto da parte dell'INPS",
        "Direct payment by INPS",
    ),
    (
        "Per la CISOA non è richiesta la procedura di informazione e consultazione sindacale.",
        "CISOA does not require the union information and consultation procedure.",
    ),
    (
        "Domanda prorogata (solo per le proroghe)",
        "Application extended (extensions only)",
    ),
    ("Richiesta", "Request"),
    ("Tipo di richiesta", "Kind of request"),
    ("Prima richiesta", "First request"),
    ("Proroga", "Extension"),
    (
        "Data di inizio effettivo (eventi non evitabili)",
        "Actual start date (unavoidable events)",
    ),
    ("Controlli", "Checks"),
    ("Correggi", "Correct"),
    (
        "Nessuna segnalazione: la domanda può essere inviata.",
        "No findings: the application can be submitted.",
    ),
    ("Nota per confermare", "Note to confirm"),
    ("Periodo coperto dal", "Period covered from"),
    ("Riepilogo e invio", "Review and submit"),
    ("Termine di presentazione", "Filing deadline"),
    ("Errori bloccanti", "Blocking errors"),
    (
        "Avvisi forzabili (servono una nota)",
        "Warnings that can be confirmed (a note is needed)",
    ),
    ("Informazioni", "Information"),
    ("Bloccante", "Blocking"),
    ("Forzabile", "Can be confirmed"),
    ("Informativo", "Information"),
    (
        "La domanda non è stata inviata: vedere le segnalazioni.",
        "The application was not submitted: see the findings.",
    ),
    (
        "Il file non è stato ricevuto per intero: riprovare.",
        "The file was not received in full: please try again.",
    ),
    ("Carica il file", "Upload the file"),
    ("File CSV", "CSV file"),
    ("Giornate richieste", "Days requested"),
    ("Giornate autorizzate", "Days authorised"),
    ("giornate", "days"),
    (
        "Giornate richieste e autorizzate per lavoratore",
        "Days requested and authorised per worker",
    ),
    ("Giornate richieste per", "Days requested for"),
    (
        "Lavoratori e giornate richieste",
        "Workers and days requested",
    ),
    (
        "Importa solo le righe valide",
        "Import the valid lines only",
    ),
    (
        "Indicare le giornate richieste per lavoratore (la CISOA si chiede a giornate intere); vuoto o 0 per escluderlo.",
        "Enter the days requested per worker (CISOA is requested in whole days); empty or 0 to leave the worker out.",
    ),
    (
        "Una riga per lavoratore: codice fiscale e giornate intere, separati da punto e virgola (codice_fiscale;giorni, formato in docs/csv.md). Nessuna riga viene importata finché il file contiene errori, a meno di scegliere di tenere solo le righe valide.",
        "One line per worker: tax code and whole days, separated by a semicolon (codice_fiscale;giorni, format in docs/csv.md). No line is imported while the file has errors, unless you choose to keep the valid lines only.",
    ),
    (
        "Indicare un numero intero di giornate: la CISOA si chiede a giornate intere (0 per escludere il lavoratore).",
        "Enter a whole number of days: CISOA is requested in whole days (0 to leave the worker out).",
    ),
    (
        "Indicare le ore richieste per l'intero periodo; vuoto o 0 per escludere il lavoratore.",
        "Enter the hours requested for the whole period; empty or 0 to leave the worker out.",
    ),
    (
        "Lavoratori dell'unità produttiva",
        "Workers of the productive unit",
    ),
    (
        "Oppure: carica un file CSV dei beneficiari",
        "Or: upload a CSV file of the beneficiaries",
    ),
    ("Riga", "Line"),
    ("Righe importate", "Lines imported"),
    (
        "Scegliere prima l'unità produttiva nel passo Richiesta: qui sono elencati tutti i lavoratori.",
        "Choose the productive unit in the Request step first: all workers are listed here.",
    ),
    (
        "Una riga per lavoratore: codice fiscale e ore, separati da punto e virgola (formato in docs/csv.md). Nessuna riga viene importata finché il file contiene errori, a meno di scegliere di tenere solo le righe valide.",
        "One line per worker: tax code and hours, separated by a semicolon (format in docs/csv.md). No line is imported while the file has errors, unless you choose to keep the valid lines only.",
    ),
    ("Anno", "Year"),
    ("Dettaglio", "Detail"),
    (
        "Indicatori economico-finanziari dei due anni precedenti, in euro, per anno oppure per trimestre (i totali annui sono calcolati). Richiesti solo per alcune causali.",
        "Economic and financial indicators of the two previous years, in euro, per year or per quarter (yearly totals are computed). Required only for some reasons.",
    ),
    ("Indicatori", "Indicators"),
    ("Per anno", "Per year"),
    ("Per trimestre", "Per quarter"),
    (
        "Totali annui calcolati dai trimestri",
        "Yearly totals computed from the quarters",
    ),
    ("Valori annui", "Yearly values"),
    ("Valori trimestrali", "Quarterly values"),
    ("Fatturato", "Turnover"),
    ("Risultato operativo", "Operating result"),
    ("Risultato d'impresa", "Result of the business"),
    ("Indebitamento", "Debt"),
    (
        "Importi non validi: usare cifre, con la virgola per i decimali (es. 1.234,56).",
        "Invalid amounts: use digits, with a comma for decimals (e.g. 1.234,56).",
    ),
    ("Allegata come file PDF", "Attached as a PDF file"),
    (
        "Come si presenta la relazione tecnica",
        "How the technical report is given",
    ),
    (
        "Compilata qui, campo per campo (consigliato)",
        "Filled in here, field by field (recommended)",
    ),
    (
        "File PDF (massimo 10 MB, non protetto da password)",
        "PDF file (at most 10 MB, not password-protected)",
    ),
    ("File allegato", "Attached file"),
    ("Relazione in PDF", "Report as PDF"),
    ("Relazione tecnica", "Technical report"),
    (
        "Scegliere prima la causale nel passo Richiesta: i campi della relazione dipendono dalla causale.",
        "Choose the reason in the Request step first: the report fields depend on it.",
    ),
    ("Forza aziendale", "Workforce"),
    (
        "Numero medio di lavoratori dell'unità produttiva nel semestre precedente, per orario contrattuale settimanale (base del limite di un terzo delle ore lavorabili). Precompilato dall'anagrafica; modificabile.",
        "Average number of workers of the productive unit in the previous semester, by contractual weekly hours (the basis of the one-third limit). Pre-filled from the registry; editable.",
    ),
    (
        "Forza aziendale media del semestre precedente",
        "Average workforce of the previous semester",
    ),
    ("Orario settimanale (ore)", "Weekly hours"),
    ("Numero medio di lavoratori", "Average number of workers"),
    (
        "Controllare le righe segnalate: orario settimanale da 1 a 48 ore, numero medio di lavoratori con al massimo due decimali.",
        "Check the rows marked: weekly hours from 1 to 48, average number of workers with at most two decimals.",
    ),
    ("Anteprima di stampa", "Print preview"),
    ("Torna alla domanda", "Back to the application"),
    (
        "Per stampare usare il comando di stampa del browser.",
        "To print, use the browser's print command.",
    ),
    (
        "Note agli avvisi forzati",
        "Notes on the confirmed warnings",
    ),
    (
        "Termini e contatori dell'unità produttiva",
        "Deadlines and counters of the productive unit",
    ),
    (
        "Il termine e i contatori compaiono quando causale e periodo sono salvati.",
        "The deadline and the counters appear once the reason and the period are saved.",
    ),
    (
        "Quanto si può ancora chiedere: limite, già usato, richiesto ora e residuo dopo questa domanda",
        "How much can still be requested: limit, already used, requested now and left after this application",
    ),
    ("Regola", "Rule"),
    ("Limite", "Limit"),
    ("Usato", "Used"),
    ("Richiesto", "Requested"),
    ("Residuo dopo la domanda", "Left after the application"),
    ("superato", "exceeded"),
    (
        "Andamento: variazione dal primo al secondo anno",
        "Trend: change from the first to the second year",
    ),
    // labels that come from the services
    ("Protocollata", "Submitted"),
    ("Autorizzata parzialmente", "Partially authorised"),
    ("Rinunciata", "Withdrawn"),
    ("Intermediario", "Intermediary"),
    ("Operatore di sede", "Office operator"),
    ("Amministratore", "Administrator"),
    ("Operaio", "Blue-collar worker"),
    ("Impiegato", "White-collar worker"),
    ("Quadro", "Middle manager"),
    ("Apprendista", "Apprentice"),
    ("Dirigente", "Executive"),
    // flows and payments (pages/flows.rs)
    ("Flussi di pagamento", "Payment-data flows"),
    ("Pagamenti", "Payments"),
    (
        "I flussi con i dati per il pagamento diretto: quelli inviati con questa utenza e quelli che contengono lavoratori dei datori di lavoro per cui si opera.",
        "The flows with the data for direct payment: those sent with this account and those holding workers of the employers you act for.",
    ),
    ("Invia un flusso", "Send a flow"),
    ("Non ci sono ancora flussi.", "There are no flows yet."),
    (
        "Flussi ricevuti, dal più recente",
        "Flows received, newest first",
    ),
    ("Ricevuto il", "Received on"),
    ("Mittente", "Sender"),
    ("Formato", "Format"),
    ("Record", "Records"),
    ("apri il flusso", "open the flow"),
    ("accettato", "accepted"),
    ("rifiutato", "refused"),
    ("in attesa di conferma", "awaiting confirmation"),
    ("in elaborazione", "processing"),
    ("eliminato", "deleted"),
    ("sostituito", "replaced"),
    ("in pagamento", "in payment"),
    ("pagato", "paid"),
    ("bloccante", "blocking"),
    ("forzabile", "forceable"),
    ("informativo", "information"),
    ("Tutte", "All"),
    ("Tutti", "All"),
    (
        "Conferma dei rilievi forzabili",
        "Confirmation of the forceable findings",
    ),
    (
        "Il flusso si può acquisire confermando i rilievi forzabili: scegliere di nuovo lo stesso file, spuntare la conferma e scrivere una nota che ne spieghi il motivo.",
        "The flow can be accepted by confirming the forceable findings: choose the same file again, tick the confirmation and write a note explaining why.",
    ),
    (
        "Confermo i rilievi forzabili e chiedo di acquisire il flusso",
        "I confirm the forceable findings and ask for the flow to be accepted",
    ),
    (
        "Nota della conferma (obbligatoria)",
        "Note of the confirmation (required)",
    ),
    ("File del flusso (XML o CSV)", "Flow file (XML or CSV)"),
    ("Dimensione massima", "Maximum size"),
    (
        "Tracciato e esempi nella documentazione dei flussi.",
        "Layout and examples in the flows documentation.",
    ),
    ("Avanzamento dell'invio", "Upload progress"),
    ("File inviato: controllo in corso…", "File sent: checking…"),
    (
        "Invio non riuscito: controllare la connessione e riprovare.",
        "Upload failed: check the connection and try again.",
    ),
    ("Invia il flusso", "Send the flow"),
    (
        "Il flusso è controllato subito, per intero: l'esito e ogni rilievo, con riga ed elemento, compaiono al termine dell'invio. Un flusso rifiutato non acquisisce alcun record.",
        "The flow is checked at once, in full: the outcome and every finding, with line and element, appear when the upload ends. A refused flow stores no record.",
    ),
    (
        "Torna ai rilievi del flusso da confermare",
        "Back to the findings of the flow to confirm",
    ),
    (
        "Scegliere il file del flusso da inviare.",
        "Choose the flow file to send.",
    ),
    ("Il file scelto è vuoto.", "The chosen file is empty."),
    (
        "Tipo di file non ammesso: caricare un flusso XML (.xml) o CSV (.csv).",
        "File type not allowed: upload an XML (.xml) or CSV (.csv) flow.",
    ),
    (
        "Il file non è arrivato per intero (invio interrotto o non leggibile): riprovare.",
        "The file did not arrive in full (upload cut or unreadable): try again.",
    ),
    (
        "Il file non è arrivato per intero (invio interrotto): riprovare.",
        "The file did not arrive in full (upload cut): try again.",
    ),
    (
        "La conferma dei rilievi forzabili richiede una nota (R-FLO-1).",
        "Confirming the forceable findings needs a note (R-FLO-1).",
    ),
    ("Flusso", "Flow"),
    ("Tutti i flussi", "All flows"),
    ("Flusso ricevuto il", "Flow received on"),
    (
        "I record sono stati acquisiti con i loro importi.",
        "The records were stored with their amounts.",
    ),
    (
        "Il flusso ha solo rilievi forzabili: si acquisisce reinviandolo con la conferma e una nota.",
        "The flow has forceable findings only: it is accepted when sent again with the confirmation and a note.",
    ),
    (
        "Nessun record è stato acquisito: correggere i rilievi bloccanti e inviare di nuovo il flusso.",
        "No record was stored: correct the blocking findings and send the flow again.",
    ),
    ("Datori di lavoro", "Employers"),
    ("Record nel file", "Records in the file"),
    ("senza rilievi bloccanti", "without blocking findings"),
    (
        "Giornate e ore di integrazione",
        "Days and hours of integration",
    ),
    ("Record acquisiti", "Records stored"),
    ("Importo lordo", "Gross amount"),
    ("Importo netto", "Net amount"),
    ("Nota della conferma", "Note of the confirmation"),
    (
        "La lettura del file si è fermata al primo errore di sintassi: correggerlo per vedere gli altri rilievi.",
        "Reading stopped at the first syntax error: correct it to see the other findings.",
    ),
    (
        "I rilievi sono troppi per mostrarli tutti: i conteggi per codice sono completi, l'elenco contiene i primi.",
        "There are too many findings to list them all: the counts per code are complete, the list holds the first ones.",
    ),
    ("Reinvio con conferma", "Send again with a confirmation"),
    ("Rilievi per codice", "Findings per code"),
    (
        "Numero di rilievi per codice di controllo",
        "Number of findings per check code",
    ),
    ("Codice", "Code"),
    ("Controllo", "Check"),
    ("Gravità", "Severity"),
    ("Rilievi", "Findings"),
    ("Filtra i rilievi", "Filter the findings"),
    (
        "Datore, matricola o lavoratore",
        "Employer, matricola or worker",
    ),
    ("Filtra", "Filter"),
    ("Rilievi mostrati", "Findings shown"),
    ("pagina", "page"),
    (
        "Nessun rilievo corrisponde al filtro.",
        "No finding matches the filter.",
    ),
    (
        "Rilievi del controllo, nell'ordine del file",
        "Findings of the check, in file order",
    ),
    ("Elemento", "Element"),
    ("Matricola", "Matricola"),
    ("Mese", "Month"),
    ("Messaggio", "Message"),
    ("Pagine dei rilievi", "Pages of the findings"),
    ("Precedente", "Previous"),
    ("Successiva", "Next"),
    (
        "Record e importi per lavoratore",
        "Records and amounts per worker",
    ),
    (
        "Importi per lavoratore e mese (R-AMT): lordo entro il massimale, netto della contribuzione a carico del lavoratore; un record si può eliminare finché non è in pagamento.",
        "Amounts per worker and month (R-AMT): gross within the massimale, net of the worker's contribution; a record can be deleted until it is in payment.",
    ),
    (
        "Record acquisiti con gli importi",
        "Stored records with their amounts",
    ),
    ("Ore", "Hours"),
    ("Ore pagate", "Hours paid"),
    ("Lordo", "Gross"),
    ("Netto", "Net"),
    ("Contributo addizionale", "Additional contribution"),
    ("Azioni", "Actions"),
    ("massimale", "massimale"),
    ("Elimina", "Delete"),
    (
        "Record eliminato: le sue ore sono state stornate.",
        "Record deleted: its hours were reversed.",
    ),
    ("Eliminazione del record", "Deleting the record"),
    ("Torna al flusso", "Back to the flow"),
    (
        "Eliminando il record le sue ore tornano disponibili nell'autorizzazione e il lavoratore non sarà pagato per quel mese, finché non si invia di nuovo il record. L'operazione non si annulla.",
        "Deleting the record gives its hours back to the authorisation, and the worker will not be paid for that month until the record is sent again. This cannot be undone.",
    ),
    ("Conferma l'eliminazione", "Confirm the deletion"),
    (
        "Il record non si può eliminare: è già in pagamento, pagato, eliminato o sostituito.",
        "The record cannot be deleted: it is already in payment, paid, deleted or replaced.",
    ),
    ("Lotti di pagamento", "Payment batches"),
    (
        "I record accettati della sede si raggruppano in lotti di bonifici SEPA (pain.001): da quel momento non si possono più eliminare né sostituire.",
        "The office's accepted records are grouped into batches of SEPA credit transfers (pain.001): from then on they can no longer be deleted or replaced.",
    ),
    ("Nuovo lotto", "New batch"),
    (
        "Solo i record di un flusso (identificativo, facoltativo)",
        "Only the records of one flow (identifier, optional)",
    ),
    (
        "Vuoto: tutti i record accettati della sede non ancora in pagamento.",
        "Empty: every accepted record of the office not yet in payment.",
    ),
    (
        "Identificativo del flusso non valido: indicare un UUID o lasciare vuoto.",
        "Invalid flow identifier: give a UUID or leave it empty.",
    ),
    ("Crea il lotto", "Create the batch"),
    ("Lotti della sede", "Batches of the office"),
    (
        "Non ci sono ancora lotti di pagamento.",
        "There are no payment batches yet.",
    ),
    (
        "Lotti di pagamento, dal più recente",
        "Payment batches, newest first",
    ),
    ("Creato il", "Created on"),
    ("Data di esecuzione", "Execution date"),
    ("Totale netto", "Net total"),
    ("Lotto di pagamento creato.", "Payment batch created."),
    ("Lotto di pagamento", "Payment batch"),
    ("Tutti i lotti", "All batches"),
    (
        "Scarica il file dei bonifici (pain.001)",
        "Download the credit transfer file (pain.001)",
    ),
    ("Segna come pagato", "Mark as paid"),
    ("Lotto segnato come pagato.", "Batch marked as paid."),
    ("Importi per lavoratore", "Amounts per worker"),
    // operators' read-only view of the flows
    (
        "I flussi con i dati per il pagamento diretto che contengono record delle unità produttive servite dalla sede, in consultazione. I lotti di pagamento sono in Pagamenti.",
        "The direct-payment data flows holding records of the productive units the office serves, read-only. The payment batches are under Payments.",
    ),
    (
        "Importi per lavoratore e mese (R-AMT) dei record delle unità produttive servite dalla sede: lordo entro il massimale, netto della contribuzione a carico del lavoratore. Lo stato di un record in pagamento porta al suo lotto.",
        "Amounts per worker and month (R-AMT) of the records of the productive units the office serves: gross within the massimale, net of the worker's contributions. The state of a record in payment leads to its batch.",
    ),
    ("apri il lotto di pagamento", "open the payment batch"),
];

/// Italian and English label of a counter of R-LIM, by its stable key in `limits` (the
/// engine's own labels are English and are not shown to users).
pub fn counter_label(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "R-LIM-1" => (
            "CIGO: settimane della singola domanda",
            "CIGO: weeks of the single request",
        ),
        "R-LIM-1-proroga" => (
            "CIGO: settimane della domanda e delle domande che proroga",
            "CIGO: weeks of the request and of the applications it extends",
        ),
        "R-LIM-2" => (
            "CIGO: settimane nel biennio mobile",
            "CIGO: weeks in the rolling two years",
        ),
        "R-LIM-3" => ("CIGO: settimane consecutive", "CIGO: consecutive weeks"),
        "R-LIM-5" => (
            "CIGO: ore, un terzo delle ore lavorabili nel biennio",
            "CIGO: hours, one third of the workable hours in the two years",
        ),
        "R-LIM-6" => (
            "CIGO, CIGS e assegno: settimane nel quinquennio mobile",
            "CIGO, CIGS and AIS: weeks in the rolling five years",
        ),
        "R-LIM-8" => (
            "Assegno di integrazione salariale: settimane nel biennio mobile",
            "Wage integration allowance: weeks in the rolling two years",
        ),
        "R-LIM-9" => (
            "CISOA: giornate per lavoratore nell'anno solare",
            "CISOA: days per worker in the calendar year",
        ),
        _ => return None,
    })
}

/// Italian and English name of a counter's unit (`weeks`, `hours`, `days`).
pub fn counter_unit(unit: &str) -> Option<(&'static str, &'static str)> {
    Some(match unit {
        "weeks" => ("settimane", "weeks"),
        "hours" => ("ore", "hours"),
        "days" => ("giornate", "days"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `ctx.t("…")` of every template has an English text.
    #[test]
    fn every_template_text_has_an_english_translation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split(".t(\"").skip(1) {
                    let key = &piece[..piece.find("\")").unwrap()];
                    if !ENGLISH.contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    #[test]
    fn italian_is_the_default_and_english_is_available() {
        assert_eq!(Lang::default().t("Nuova domanda"), "Nuova domanda");
        assert_eq!(Lang::En.t("Nuova domanda"), "New application");
        assert_eq!(Lang::En.t("testo sconosciuto"), "testo sconosciuto");
    }

    #[test]
    fn the_table_has_no_duplicate_keys() {
        assert_eq!(ENGLISH.len(), TRANSLATIONS.len());
    }
}
