//! Validated identifiers ("parse, don't validate").
//!
//! Every identifier is a newtype that can only be built through `parse` (or a
//! typed constructor), so holding a value is proof that it is well formed.
//! All types serialize as their canonical string and deserialize by parsing,
//! so invalid JSON input fails with a message that names the problem.

pub mod codice_fiscale;
pub mod iban;
pub mod numbers;
pub mod partita_iva;

pub use codice_fiscale::{CodiceFiscale, Sex};
pub use iban::Iban;
pub use numbers::{AuthorisationNumber, OffsetCode, ProtocolNumber, Ticket};
pub use partita_iva::{Matricola, PartitaIva};

use std::fmt;

/// Which identifier an [`IdError`] refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    CodiceFiscale,
    PartitaIva,
    Matricola,
    Iban,
    Ticket,
    ProtocolNumber,
    AuthorisationNumber,
    OffsetCode,
}

impl IdKind {
    pub fn label_en(self) -> &'static str {
        match self {
            IdKind::CodiceFiscale => "codice fiscale",
            IdKind::PartitaIva => "partita IVA",
            IdKind::Matricola => "INPS matricola",
            IdKind::Iban => "IBAN",
            IdKind::Ticket => "ticket",
            IdKind::ProtocolNumber => "protocol number",
            IdKind::AuthorisationNumber => "authorisation number",
            IdKind::OffsetCode => "offset code",
        }
    }
    pub fn label_it(self) -> &'static str {
        match self {
            IdKind::CodiceFiscale => "codice fiscale",
            IdKind::PartitaIva => "partita IVA",
            IdKind::Matricola => "matricola INPS",
            IdKind::Iban => "IBAN",
            IdKind::Ticket => "ticket",
            IdKind::ProtocolNumber => "numero di protocollo",
            IdKind::AuthorisationNumber => "numero di autorizzazione",
            IdKind::OffsetCode => "codice di conguaglio",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_en())
    }
}

/// A specific reason why an identifier was rejected.
///
/// `Display` gives the English message; [`IdError::message_it`] the Italian one.
/// Positions are 1-based, as a user counts characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} is empty")]
    Empty { kind: IdKind },
    #[error("{kind} has wrong length: expected {expected} characters, found {found}")]
    WrongLength {
        kind: IdKind,
        expected: &'static str,
        found: usize,
    },
    #[error(
        "{kind} has an invalid character '{found}' at position {position}: expected {expected}"
    )]
    InvalidCharacter {
        kind: IdKind,
        position: usize,
        found: char,
        expected: &'static str,
    },
    #[error("{kind} has a wrong check character: expected '{expected}', found '{found}'")]
    WrongCheckCharacter {
        kind: IdKind,
        expected: char,
        found: char,
    },
    #[error("{kind} encodes an impossible birth date")]
    InvalidBirthDate { kind: IdKind },
    #[error("IBAN country '{country}' is not a SEPA country")]
    UnsupportedCountry { country: String },
    #[error("IBAN check digits are wrong (mod-97 test failed)")]
    IbanChecksum,
    #[error("{kind} does not match the format {format}")]
    Format { kind: IdKind, format: &'static str },
    #[error("{kind}: {field} out of range ({detail})")]
    OutOfRange {
        kind: IdKind,
        field: &'static str,
        detail: String,
    },
}

impl IdError {
    /// The identifier this error refers to.
    pub fn kind(&self) -> IdKind {
        match self {
            IdError::Empty { kind }
            | IdError::WrongLength { kind, .. }
            | IdError::InvalidCharacter { kind, .. }
            | IdError::WrongCheckCharacter { kind, .. }
            | IdError::InvalidBirthDate { kind }
            | IdError::Format { kind, .. }
            | IdError::OutOfRange { kind, .. } => *kind,
            IdError::UnsupportedCountry { .. } | IdError::IbanChecksum => IdKind::Iban,
        }
    }

    /// Italian message for end users.
    pub fn message_it(&self) -> String {
        match self {
            IdError::Empty { kind } => format!("{}: valore mancante", kind.label_it()),
            IdError::WrongLength {
                kind,
                expected,
                found,
            } => format!(
                "{}: lunghezza errata, attesi {expected} caratteri, trovati {found}",
                kind.label_it()
            ),
            IdError::InvalidCharacter {
                kind,
                position,
                found,
                ..
            } => format!(
                "{}: carattere non valido '{found}' in posizione {position}",
                kind.label_it()
            ),
            IdError::WrongCheckCharacter {
                kind,
                expected,
                found,
            } => format!(
                "{}: carattere di controllo errato, atteso '{expected}', trovato '{found}'",
                kind.label_it()
            ),
            IdError::InvalidBirthDate { kind } => {
                format!("{}: data di nascita impossibile", kind.label_it())
            }
            IdError::UnsupportedCountry { country } => {
                format!("IBAN: il paese '{country}' non appartiene all'area SEPA")
            }
            IdError::IbanChecksum => "IBAN: cifre di controllo errate".to_string(),
            IdError::Format { kind, format } => {
                format!("{}: formato non valido, atteso {format}", kind.label_it())
            }
            IdError::OutOfRange {
                kind,
                field,
                detail,
            } => format!("{}: {field} fuori intervallo ({detail})", kind.label_it()),
        }
    }
}

/// Trim and uppercase; reject empty input.
pub(crate) fn normalise(kind: IdKind, raw: &str) -> Result<String, IdError> {
    let s: String = raw.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    Ok(s)
}

/// `s.chars().count()`, without the per-character count for ASCII (codes
/// usually are; this runs for every identifier of a payment-data flow).
pub(crate) fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

pub(crate) fn require_len(
    kind: IdKind,
    s: &str,
    len: usize,
    expected: &'static str,
) -> Result<(), IdError> {
    let n = char_count(s);
    if n != len {
        return Err(IdError::WrongLength {
            kind,
            expected,
            found: n,
        });
    }
    Ok(())
}

pub(crate) fn require_digits(kind: IdKind, s: &str) -> Result<(), IdError> {
    for (i, c) in s.chars().enumerate() {
        if !c.is_ascii_digit() {
            return Err(IdError::InvalidCharacter {
                kind,
                position: i + 1,
                found: c,
                expected: "a digit",
            });
        }
    }
    Ok(())
}

/// Implements `as_str`, `Display`, `FromStr`, `TryFrom<String>`, `TryFrom<&str>`,
/// `AsRef<str>` and string-based serde for an identifier newtype with a
/// `parse(&str) -> Result<Self, IdError>` constructor.
macro_rules! id_newtype_impls {
    ($t:ty) => {
        impl $t {
            /// The canonical string form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl ::std::str::FromStr for $t {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::parse(s)
            }
        }
        impl ::std::convert::TryFrom<String> for $t {
            type Error = $crate::ids::IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$t>::parse(&s)
            }
        }
        impl ::std::convert::TryFrom<&str> for $t {
            type Error = $crate::ids::IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                <$t>::parse(s)
            }
        }
        impl ::std::convert::AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&s).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}
pub(crate) use id_newtype_impls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_roundtrip_and_clear_error() {
        let cf: CodiceFiscale = serde_json::from_str("\"rssmra85t10a562s\"").unwrap();
        assert_eq!(cf.as_str(), "RSSMRA85T10A562S");
        assert_eq!(serde_json::to_string(&cf).unwrap(), "\"RSSMRA85T10A562S\"");
        let err = serde_json::from_str::<CodiceFiscale>("\"RSSMRA85T10A562T\"").unwrap_err();
        assert!(err.to_string().contains("wrong check character"), "{err}");
    }

    #[test]
    fn italian_messages() {
        let e = PartitaIva::parse("123").unwrap_err();
        assert!(e.message_it().contains("lunghezza errata"));
        assert!(e.to_string().contains("wrong length"));
    }
}
