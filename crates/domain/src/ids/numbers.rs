//! Numbers issued by the platform: ticket, protocol and authorisation numbers.
//!
//! Formats (our choice; the agency's own formats are not public):
//!
//! | type | format | example |
//! |---|---|---|
//! | [`Ticket`] | `TK` + year (4) + sequence (8 digits) + check letter | `TK202500000042X` |
//! | [`ProtocolNumber`] | `INPS.<sede 4 digits>.<year>.<seq 7 digits>` | `INPS.4900.2025.0000123` |
//! | [`AuthorisationNumber`] | `AUT.<sede 4 digits>.<year>.<seq 7 digits>` | `AUT.4900.2025.0000007` |
//! | [`OffsetCode`] | `CG` + sede + year + seq of the authorisation + check letter | `CG490020250000007K` |
//!
//! The ticket check letter uses the codice fiscale odd/even algorithm over the
//! 14 preceding characters, so a mistyped ticket is caught before lookup.

use super::codice_fiscale::odd_even_check;
use super::{IdError, IdKind, id_newtype_impls, normalise, require_len};

fn check_year(kind: IdKind, year: i32) -> Result<(), IdError> {
    if !(2000..=2999).contains(&year) {
        return Err(IdError::OutOfRange {
            kind,
            field: "year",
            detail: format!("{year} not in 2000..=2999"),
        });
    }
    Ok(())
}

fn check_seq(kind: IdKind, seq: u32, max: u32) -> Result<(), IdError> {
    if seq == 0 || seq > max {
        return Err(IdError::OutOfRange {
            kind,
            field: "sequence",
            detail: format!("{seq} not in 1..={max}"),
        });
    }
    Ok(())
}

fn check_office(kind: IdKind, office: &str) -> Result<(), IdError> {
    if office.len() != 4 || !office.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::OutOfRange {
            kind,
            field: "office code",
            detail: format!("'{office}' is not 4 digits"),
        });
    }
    Ok(())
}

/// Ticket linking an application to its payment-data flows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(String);
id_newtype_impls!(Ticket);

impl Ticket {
    const FORMAT: &'static str = "TK + 4-digit year + 8-digit sequence + check letter";

    pub fn new(year: i32, seq: u32) -> Result<Self, IdError> {
        check_year(IdKind::Ticket, year)?;
        check_seq(IdKind::Ticket, seq, 99_999_999)?;
        let body = format!("TK{year:04}{seq:08}");
        let check = odd_even_check(&body).unwrap_or('?');
        Ok(Self(format!("{body}{check}")))
    }

    pub fn parse(raw: &str) -> Result<Self, IdError> {
        const KIND: IdKind = IdKind::Ticket;
        let s = normalise(KIND, raw)?;
        require_len(KIND, &s, 15, "15")?;
        // ASCII first: 15 characters are then 15 bytes, and the byte slices below are safe.
        if !s.is_ascii() || !s.starts_with("TK") || !s[2..14].bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Format {
                kind: KIND,
                format: Self::FORMAT,
            });
        }
        let expected = odd_even_check(&s[..14]).unwrap_or('?');
        let found = s.as_bytes()[14] as char;
        if expected != found {
            return Err(IdError::WrongCheckCharacter {
                kind: KIND,
                expected,
                found,
            });
        }
        Ok(Self(s))
    }

    pub fn year(&self) -> i32 {
        self.0[2..6].parse().unwrap_or_default()
    }
    pub fn seq(&self) -> u32 {
        self.0[6..14].parse().unwrap_or_default()
    }
}

macro_rules! office_number {
    ($t:ident, $prefix:literal, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $t(String);
        id_newtype_impls!($t);

        impl $t {
            const FORMAT: &'static str = concat!(
                $prefix,
                ".<office 4 digits>.<year 4 digits>.<sequence 7 digits>"
            );

            pub fn new(office_code: &str, year: i32, seq: u32) -> Result<Self, IdError> {
                check_office($kind, office_code)?;
                check_year($kind, year)?;
                check_seq($kind, seq, 9_999_999)?;
                Ok(Self(format!(
                    concat!($prefix, ".{}.{:04}.{:07}"),
                    office_code, year, seq
                )))
            }

            pub fn parse(raw: &str) -> Result<Self, IdError> {
                let s = normalise($kind, raw)?;
                let parts: Vec<&str> = s.split('.').collect();
                let shape_ok = parts.len() == 4
                    && parts[0] == $prefix
                    && parts[1].len() == 4
                    && parts[2].len() == 4
                    && parts[3].len() == 7
                    && parts[1..]
                        .iter()
                        .all(|p| p.bytes().all(|b| b.is_ascii_digit()));
                if !shape_ok {
                    return Err(IdError::Format {
                        kind: $kind,
                        format: Self::FORMAT,
                    });
                }
                let year: i32 = parts[2].parse().unwrap_or_default();
                let seq: u32 = parts[3].parse().unwrap_or_default();
                Self::new(parts[1], year, seq)
            }

            /// INPS office (sede) code.
            pub fn office_code(&self) -> &str {
                &self.0[$prefix.len() + 1..$prefix.len() + 5]
            }
            pub fn year(&self) -> i32 {
                self.0[$prefix.len() + 6..$prefix.len() + 10]
                    .parse()
                    .unwrap_or_default()
            }
            pub fn seq(&self) -> u32 {
                self.0[$prefix.len() + 11..].parse().unwrap_or_default()
            }
        }
    };
}

office_number!(
    ProtocolNumber,
    "INPS",
    IdKind::ProtocolNumber,
    "Protocol number given at submission: `INPS.<sede>.<year>.<seq7>`."
);
office_number!(
    AuthorisationNumber,
    "AUT",
    IdKind::AuthorisationNumber,
    "Authorisation number given with the decision: `AUT.<sede>.<year>.<seq7>`."
);

/// Offset code of the conguaglio route (R-FLO-4): issued with the authorisation of an
/// application paid by conguaglio, quoted by the employer when it offsets the benefit
/// against its contributions and in its fruito declarations. One per authorisation: the
/// office, year and sequence of the authorisation number after `CG`, and a check letter
/// (the ticket's odd/even algorithm over the 17 preceding characters) so that a mistyped
/// code is caught before lookup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OffsetCode(String);
id_newtype_impls!(OffsetCode);

impl OffsetCode {
    const FORMAT: &'static str =
        "CG + office 4 digits + year 4 digits + sequence 7 digits + check letter";

    /// The code of an authorisation.
    pub fn for_authorisation(a: &AuthorisationNumber) -> Self {
        let body = format!("CG{}{:04}{:07}", a.office_code(), a.year(), a.seq());
        let check = odd_even_check(&body).unwrap_or('?');
        Self(format!("{body}{check}"))
    }

    pub fn parse(raw: &str) -> Result<Self, IdError> {
        const KIND: IdKind = IdKind::OffsetCode;
        let s = normalise(KIND, raw)?;
        require_len(KIND, &s, 18, "18")?;
        if !s.is_ascii() || !s.starts_with("CG") || !s[2..17].bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Format {
                kind: KIND,
                format: Self::FORMAT,
            });
        }
        let expected = odd_even_check(&s[..17]).unwrap_or('?');
        let found = s.as_bytes()[17] as char;
        if expected != found {
            return Err(IdError::WrongCheckCharacter {
                kind: KIND,
                expected,
                found,
            });
        }
        // The office, year and sequence must make an authorisation number.
        let code = Self(s);
        code.authorisation()?;
        Ok(code)
    }

    /// The authorisation number the code was issued with.
    pub fn authorisation(&self) -> Result<AuthorisationNumber, IdError> {
        let s = &self.0;
        AuthorisationNumber::new(
            &s[2..6],
            s[6..10].parse().unwrap_or_default(),
            s[10..17].parse().unwrap_or_default(),
        )
        .map_err(|_| IdError::Format {
            kind: IdKind::OffsetCode,
            format: Self::FORMAT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_code_names_its_authorisation_and_catches_a_typo() {
        // R-FLO-4: issued with the authorisation, one per authorisation.
        let a = AuthorisationNumber::new("4900", 2025, 7).unwrap();
        let c = OffsetCode::for_authorisation(&a);
        assert!(c.as_str().starts_with("CG490020250000007"), "{c}");
        assert_eq!(c.as_str().len(), 18);
        assert_eq!(OffsetCode::parse(&c.as_str().to_lowercase()).unwrap(), c);
        assert_eq!(c.authorisation().unwrap(), a);
        let other =
            OffsetCode::for_authorisation(&AuthorisationNumber::new("4900", 2025, 8).unwrap());
        assert_ne!(other, c);
        let typo = c.as_str().replacen("0000007", "0000001", 1);
        assert!(matches!(
            OffsetCode::parse(&typo),
            Err(IdError::WrongCheckCharacter { .. })
        ));
        assert!(matches!(
            OffsetCode::parse("AUT.4900.2025.0000007"),
            Err(IdError::WrongLength { .. }) | Err(IdError::Format { .. })
        ));
        assert!(OffsetCode::parse("CG49002025000000é").is_err());
    }

    #[test]
    fn ticket_roundtrip() {
        let t = Ticket::new(2025, 42).unwrap();
        assert_eq!(Ticket::parse(t.as_str()).unwrap(), t);
        assert_eq!((t.year(), t.seq()), (2025, 42));
        let mut wrong = t.as_str().to_string();
        wrong.pop();
        wrong.push(if t.as_str().ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(
            Ticket::parse(&wrong),
            Err(IdError::WrongCheckCharacter { .. })
        ));
        assert!(Ticket::new(2025, 0).is_err());
    }

    #[test]
    fn a_ticket_with_a_multibyte_character_is_a_format_error_not_a_panic() {
        // Found by fuzzing the CSV reader (fuzz/, flow_csv): 15 characters, 16 bytes.
        assert!(matches!(
            Ticket::parse("TK20250000000˫2"),
            Err(IdError::Format { .. })
        ));
        assert!(matches!(
            Ticket::parse("TK2025000000000é"),
            Err(IdError::WrongLength { .. }) | Err(IdError::Format { .. })
        ));
    }

    #[test]
    fn protocol_and_authorisation() {
        let p = ProtocolNumber::new("4900", 2025, 123).unwrap();
        assert_eq!(p.as_str(), "INPS.4900.2025.0000123");
        assert_eq!(ProtocolNumber::parse("inps.4900.2025.0000123").unwrap(), p);
        assert_eq!((p.office_code(), p.year(), p.seq()), ("4900", 2025, 123));
        let a = AuthorisationNumber::new("4900", 2025, 7).unwrap();
        assert_eq!(a.as_str(), "AUT.4900.2025.0000007");
        assert_eq!(a.office_code(), "4900");
        assert!(matches!(
            ProtocolNumber::parse("INPS.49.2025.1"),
            Err(IdError::Format { .. })
        ));
        assert!(AuthorisationNumber::parse("INPS.4900.2025.0000007").is_err());
    }
}
