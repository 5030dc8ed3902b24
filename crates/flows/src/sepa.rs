//! SEPA credit transfer initiation, ISO 20022 `pain.001.001.09` (R-FLO-4).
//!
//! One message per payment batch, one payment information block (SEPA
//! service level, shared charges), one transaction per worker and month.
//! Texts are restricted to the SEPA Latin character set and truncated to the
//! schema lengths; amounts are written with two decimals.

use std::io::{self, Write};

use chrono::{NaiveDate, NaiveDateTime};
use omnia_domain::ids::Iban;
use rust_decimal::Decimal;

/// The paying party (the agency's account).
#[derive(Debug, Clone)]
pub struct Debtor {
    pub name: String,
    pub iban: Iban,
    /// BIC of the debtor's bank; `None` writes `NOTPROVIDED` (allowed for SEPA).
    pub bic: Option<String>,
}

/// One credit transfer.
#[derive(Debug, Clone)]
pub struct Payment {
    /// Unique per transaction (max 35 characters), e.g. batch + record.
    pub end_to_end_id: String,
    /// Amount in euro, > 0, two decimals.
    pub amount: Decimal,
    pub creditor_name: String,
    pub creditor_iban: Iban,
    /// Unstructured remittance information (max 140 characters).
    pub remittance: String,
}

/// A payment batch.
#[derive(Debug, Clone)]
pub struct PaymentBatch {
    /// Message id (max 35 characters).
    pub message_id: String,
    pub created_at: NaiveDateTime,
    pub execution_date: NaiveDate,
    pub initiating_party: String,
    pub debtor: Debtor,
    pub payments: Vec<Payment>,
}

/// Errors building the message.
#[derive(Debug, thiserror::Error)]
pub enum SepaError {
    #[error("payment batch has no payments")]
    Empty,
    #[error("payment {0}: amount must be positive with at most 2 decimals")]
    Amount(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Keeps the SEPA Latin set (letters, digits, `/-?:().,'+ ` and space),
/// mapping accented letters to their base letter, and truncates.
pub fn sepa_text(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for c in s.chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'À' | 'Á' => 'A',
            'È' | 'É' => 'E',
            'Ì' => 'I',
            'Ò' => 'O',
            'Ù' => 'U',
            c if c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c) => c,
            _ => ' ',
        };
        if out.len() >= max {
            break;
        }
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    let t = out.trim();
    if t.is_empty() {
        "NOTPROVIDED".into()
    } else {
        t.to_owned()
    }
}

fn amount(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

impl PaymentBatch {
    /// Sum of the amounts.
    pub fn control_sum(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount).sum()
    }

    /// Writes the `pain.001.001.09` XML document.
    pub fn write_pain001(&self, w: &mut dyn Write) -> Result<(), SepaError> {
        if self.payments.is_empty() {
            return Err(SepaError::Empty);
        }
        for p in &self.payments {
            if p.amount <= Decimal::ZERO || p.amount.round_dp(2) != p.amount {
                return Err(SepaError::Amount(p.end_to_end_id.clone()));
            }
        }
        let n = self.payments.len();
        let sum = amount(self.control_sum());
        let msg = sepa_text(&self.message_id, 35);
        writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            w,
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09\">"
        )?;
        writeln!(w, "  <CstmrCdtTrfInitn>")?;
        writeln!(w, "    <GrpHdr>")?;
        writeln!(w, "      <MsgId>{msg}</MsgId>")?;
        writeln!(
            w,
            "      <CreDtTm>{}</CreDtTm>",
            self.created_at.format("%Y-%m-%dT%H:%M:%S")
        )?;
        writeln!(w, "      <NbOfTxs>{n}</NbOfTxs>")?;
        writeln!(w, "      <CtrlSum>{sum}</CtrlSum>")?;
        writeln!(
            w,
            "      <InitgPty><Nm>{}</Nm></InitgPty>",
            sepa_text(&self.initiating_party, 70)
        )?;
        writeln!(w, "    </GrpHdr>")?;
        writeln!(w, "    <PmtInf>")?;
        writeln!(w, "      <PmtInfId>{msg}</PmtInfId>")?;
        writeln!(w, "      <PmtMtd>TRF</PmtMtd>")?;
        writeln!(w, "      <BtchBookg>false</BtchBookg>")?;
        writeln!(w, "      <NbOfTxs>{n}</NbOfTxs>")?;
        writeln!(w, "      <CtrlSum>{sum}</CtrlSum>")?;
        writeln!(
            w,
            "      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>"
        )?;
        writeln!(
            w,
            "      <ReqdExctnDt><Dt>{}</Dt></ReqdExctnDt>",
            self.execution_date
        )?;
        writeln!(
            w,
            "      <Dbtr><Nm>{}</Nm></Dbtr>",
            sepa_text(&self.debtor.name, 70)
        )?;
        writeln!(
            w,
            "      <DbtrAcct><Id><IBAN>{}</IBAN></Id></DbtrAcct>",
            self.debtor.iban.as_str()
        )?;
        match &self.debtor.bic {
            Some(bic) => writeln!(
                w,
                "      <DbtrAgt><FinInstnId><BICFI>{}</BICFI></FinInstnId></DbtrAgt>",
                sepa_text(bic, 11)
            )?,
            None => writeln!(
                w,
                "      <DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>"
            )?,
        }
        writeln!(w, "      <ChrgBr>SLEV</ChrgBr>")?;
        for p in &self.payments {
            writeln!(w, "      <CdtTrfTxInf>")?;
            writeln!(
                w,
                "        <PmtId><EndToEndId>{}</EndToEndId></PmtId>",
                sepa_text(&p.end_to_end_id, 35)
            )?;
            writeln!(
                w,
                "        <Amt><InstdAmt Ccy=\"EUR\">{}</InstdAmt></Amt>",
                amount(p.amount)
            )?;
            writeln!(
                w,
                "        <Cdtr><Nm>{}</Nm></Cdtr>",
                sepa_text(&p.creditor_name, 70)
            )?;
            writeln!(
                w,
                "        <CdtrAcct><Id><IBAN>{}</IBAN></Id></CdtrAcct>",
                p.creditor_iban.as_str()
            )?;
            writeln!(
                w,
                "        <RmtInf><Ustrd>{}</Ustrd></RmtInf>",
                sepa_text(&p.remittance, 140)
            )?;
            writeln!(w, "      </CdtTrfTxInf>")?;
        }
        writeln!(w, "    </PmtInf>")?;
        writeln!(w, "  </CstmrCdtTrfInitn>")?;
        writeln!(w, "</Document>")?;
        Ok(())
    }
}
