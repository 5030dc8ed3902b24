//! Partita IVA (VAT number) and INPS matricola.

use super::codice_fiscale::luhn_it;
use super::{IdError, IdKind, id_newtype_impls, normalise, require_digits, require_len};

/// Italian VAT number: 11 digits, the last one a check digit computed with the
/// same algorithm as the company codice fiscale. An optional `IT` prefix is
/// accepted and removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitaIva(String);
id_newtype_impls!(PartitaIva);

impl PartitaIva {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        const KIND: IdKind = IdKind::PartitaIva;
        let mut s = normalise(KIND, raw)?;
        if s.len() == 13 && s.starts_with("IT") {
            s.drain(..2);
        }
        require_len(KIND, &s, 11, "11")?;
        require_digits(KIND, &s)?;
        let expected = luhn_it(&s[..10]);
        let found = s.as_bytes()[10] as char;
        if expected != found {
            return Err(IdError::WrongCheckCharacter {
                kind: KIND,
                expected,
                found,
            });
        }
        Ok(Self(s))
    }

    /// Builds a valid partita IVA from its first 10 digits.
    pub fn from_prefix(first10: &str) -> Result<Self, IdError> {
        Self::parse(&format!(
            "{first10}{}",
            super::codice_fiscale::company_check_digit(first10)
        ))
    }
}

/// INPS *matricola* (company registration number at the agency): 10 digits.
/// The agency does not publish a check-digit algorithm, so only the shape is
/// checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Matricola(String);
id_newtype_impls!(Matricola);

impl Matricola {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        const KIND: IdKind = IdKind::Matricola;
        let s = normalise(KIND, raw)?;
        require_len(KIND, &s, 10, "10")?;
        require_digits(KIND, &s)?;
        Ok(Self(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partita_iva() {
        assert_eq!(
            PartitaIva::parse("12345678903").unwrap().as_str(),
            "12345678903"
        );
        assert_eq!(
            PartitaIva::parse("IT12345678903").unwrap().as_str(),
            "12345678903"
        );
        assert!(matches!(
            PartitaIva::parse("12345678904"),
            Err(IdError::WrongCheckCharacter {
                expected: '3',
                found: '4',
                ..
            })
        ));
        assert!(matches!(
            PartitaIva::parse("1234567890A"),
            Err(IdError::InvalidCharacter { position: 11, .. })
        ));
        assert_eq!(
            PartitaIva::from_prefix("1234567890").unwrap().as_str(),
            "12345678903"
        );
    }

    #[test]
    fn matricola() {
        assert!(Matricola::parse("4912345678").is_ok());
        assert!(matches!(
            Matricola::parse("491234567"),
            Err(IdError::WrongLength { found: 9, .. })
        ));
        assert!(matches!(
            Matricola::parse("49123X5678"),
            Err(IdError::InvalidCharacter { position: 6, .. })
        ));
    }
}
