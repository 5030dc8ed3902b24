//! Codice fiscale of persons (16 characters) and companies (11 digits).
//!
//! Person layout: `SSSNNNYYMDDZZZZC` — surname (3), name (3), year (2 digits),
//! month letter, day (2 digits, +40 for women), codice catastale of the birth
//! place (letter + 3 digits), check character. In case of homonymy
//! (*omocodia*) the agency replaces digits at positions 7, 8, 10, 11, 13, 14,
//! 15 (from the right) with the letters `LMNPQRSTUV`; we accept every
//! substitution and decode through it.
//!
//! Company layout: 11 digits with the same check digit as the partita IVA.

use chrono::{Datelike, NaiveDate};

use super::{IdError, IdKind, char_count, id_newtype_impls, normalise, require_digits};

const KIND: IdKind = IdKind::CodiceFiscale;
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// 0-based indexes of the characters that are digits (or omocodia letters).
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Values of characters at odd (1-based) positions, for `0..=9` and `A..=Z`.
const ODD_DIGITS: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
const ODD_LETTERS: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Sex encoded in a person's codice fiscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// A valid codice fiscale (person or company), normalised to uppercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodiceFiscale(String);
id_newtype_impls!(CodiceFiscale);

fn odd_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(ODD_DIGITS[(c as u8 - b'0') as usize]),
        'A'..='Z' => Some(ODD_LETTERS[(c as u8 - b'A') as usize]),
        _ => None,
    }
}

fn even_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some((c as u8 - b'0') as u32),
        'A'..='Z' => Some((c as u8 - b'A') as u32),
        _ => None,
    }
}

/// The check character algorithm shared by the person codice fiscale and the
/// Italian IBAN CIN: odd (1-based) positions use a table, even positions the
/// plain value, sum modulo 26 as a letter. Returns `None` on characters
/// outside `0-9A-Z`.
pub(crate) fn odd_even_check(s: &str) -> Option<char> {
    let mut sum = 0;
    // Bytes, not chars: a non-ASCII character has no value either way.
    for (i, b) in s.bytes().enumerate() {
        let c = char::from(b);
        sum += if i % 2 == 0 {
            odd_value(c)?
        } else {
            even_value(c)?
        };
    }
    Some((b'A' + (sum % 26) as u8) as char)
}

/// Check character of a person codice fiscale from its first 15 characters
/// (uppercase letters and digits). Returns `'?'` if the input contains other
/// characters; use [`CodiceFiscale::parse`] for validation.
pub fn person_check_char(first15: &str) -> char {
    odd_even_check(&first15.to_ascii_uppercase()).unwrap_or('?')
}

/// Check digit of a company codice fiscale / partita IVA from its first 10
/// digits (Luhn-like). Returns `'?'` if the input is not 10 digits.
pub fn company_check_digit(first10: &str) -> char {
    if first10.len() != 10 || !first10.bytes().all(|b| b.is_ascii_digit()) {
        return '?';
    }
    luhn_it(first10)
}

/// The partita IVA algorithm on a string of ASCII digits.
pub(crate) fn luhn_it(digits: &str) -> char {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().enumerate() {
        let d = (b - b'0') as u32;
        sum += if i % 2 == 0 {
            d
        } else {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        };
    }
    (b'0' + ((10 - sum % 10) % 10) as u8) as char
}

fn decode_digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some((c as u8 - b'0') as u32),
        _ => OMOCODIA
            .iter()
            .position(|&l| l as char == c)
            .map(|p| p as u32),
    }
}

fn consonants(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| c.is_ascii_alphabetic() && !"AEIOU".contains(*c))
}
fn vowels(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| "AEIOU".contains(*c))
}

fn clean_name(s: &str) -> String {
    s.to_uppercase()
        .chars()
        .map(|c| match c {
            'À' | 'Á' => 'A',
            'È' | 'É' => 'E',
            'Ì' | 'Í' => 'I',
            'Ò' | 'Ó' => 'O',
            'Ù' | 'Ú' => 'U',
            c => c,
        })
        .filter(|c| c.is_ascii_uppercase())
        .collect()
}

fn three(chars: Vec<char>) -> String {
    let mut s: String = chars.into_iter().take(3).collect();
    while s.len() < 3 {
        s.push('X');
    }
    s
}

fn surname_code(surname: &str) -> String {
    let s = clean_name(surname);
    three(consonants(&s).chain(vowels(&s)).collect())
}

fn name_code(name: &str) -> String {
    let s = clean_name(name);
    let cons: Vec<char> = consonants(&s).collect();
    if cons.len() >= 4 {
        return [cons[0], cons[2], cons[3]].iter().collect();
    }
    three(cons.into_iter().chain(vowels(&s)).collect())
}

/// Builds the (non-omocodic) codice fiscale of a person, e.g. for demo data.
///
/// `codice_catastale` is the cadastral code of the birth place (`"F205"`
/// Milano, `"H501"` Roma) or of the foreign country (`"Z…"`).
pub fn person(
    surname: &str,
    name: &str,
    birth_date: NaiveDate,
    sex: Sex,
    codice_catastale: &str,
) -> Result<CodiceFiscale, IdError> {
    let cat = codice_catastale.trim().to_ascii_uppercase();
    let day = birth_date.day() + if sex == Sex::Female { 40 } else { 0 };
    let first15 = format!(
        "{}{}{:02}{}{:02}{}",
        surname_code(surname),
        name_code(name),
        birth_date.year().rem_euclid(100),
        MONTHS[birth_date.month0() as usize] as char,
        day,
        cat
    );
    let check = person_check_char(&first15);
    CodiceFiscale::parse(&format!("{first15}{check}"))
}

impl CodiceFiscale {
    /// Parses a person (16 characters) or company (11 digits) codice fiscale.
    /// Trims and uppercases the input first.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let s = normalise(KIND, raw)?;
        match char_count(&s) {
            16 => Self::parse_person(s),
            11 => {
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
            n => Err(IdError::WrongLength {
                kind: KIND,
                expected: "16 (person) or 11 (company)",
                found: n,
            }),
        }
    }

    /// The character at 0-based position `i` of a person's code.
    fn person_char(i: usize, c: char) -> Result<(), IdError> {
        let ok = match i {
            0..=5 | 8 | 11 | 15 => c.is_ascii_uppercase(),
            _ => c.is_ascii_digit() || OMOCODIA.contains(&(c as u8)),
        };
        if ok {
            return Ok(());
        }
        let expected = match i {
            0..=5 | 11 | 15 => "a letter",
            8 => "a month letter (ABCDEHLMPRST)",
            _ => "a digit or an omocodia letter (LMNPQRSTUV)",
        };
        Err(IdError::InvalidCharacter {
            kind: KIND,
            position: i + 1,
            found: c,
            expected,
        })
    }

    fn parse_person(s: String) -> Result<Self, IdError> {
        // Bytes when ASCII (the usual case, once per worker of a flow).
        if s.is_ascii() {
            s.bytes()
                .enumerate()
                .try_for_each(|(i, b)| Self::person_char(i, char::from(b)))?;
        } else {
            s.chars()
                .enumerate()
                .try_for_each(|(i, c)| Self::person_char(i, c))?;
        }
        let month = s.as_bytes()[8];
        if !MONTHS.contains(&month) {
            return Err(IdError::InvalidCharacter {
                kind: KIND,
                position: 9,
                found: month as char,
                expected: "a month letter (ABCDEHLMPRST)",
            });
        }
        // `s` is uppercase ASCII here: no need of `person_check_char`'s copy.
        let expected = odd_even_check(&s[..15]).unwrap_or('?');
        let found = s.as_bytes()[15] as char;
        if expected != found {
            return Err(IdError::WrongCheckCharacter {
                kind: KIND,
                expected,
                found,
            });
        }
        let cf = Self(s);
        // A valid date in at least one of the two possible centuries.
        let (yy, m, d) = cf
            .raw_birth()
            .ok_or(IdError::InvalidBirthDate { kind: KIND })?;
        let ok = [1900, 2000]
            .iter()
            .any(|c| NaiveDate::from_ymd_opt(c + yy as i32, m, d).is_some());
        if !ok {
            return Err(IdError::InvalidBirthDate { kind: KIND });
        }
        Ok(cf)
    }

    /// Builds a company codice fiscale from its first 10 digits.
    pub fn company_from_prefix(first10: &str) -> Result<Self, IdError> {
        Self::parse(&format!("{first10}{}", company_check_digit(first10)))
    }

    /// True for the 16-character codice fiscale of a natural person.
    pub fn is_person(&self) -> bool {
        self.0.len() == 16
    }

    /// True for the 11-digit codice fiscale of a company.
    pub fn is_company(&self) -> bool {
        self.0.len() == 11
    }

    /// True if the code carries omocodia letter substitutions.
    pub fn is_omocodic(&self) -> bool {
        self.is_person()
            && DIGIT_POSITIONS
                .iter()
                .any(|&i| !self.0.as_bytes()[i].is_ascii_digit())
    }

    /// (two-digit year, month 1-12, day 1-31) decoded through omocodia.
    fn raw_birth(&self) -> Option<(u32, u32, u32)> {
        if !self.is_person() {
            return None;
        }
        // Every value went through `parse`, which lets only ASCII letters and
        // digits into a person's code: its bytes are its characters.
        let c = |i: usize| self.0.as_bytes()[i] as char;
        let yy = decode_digit(c(6))? * 10 + decode_digit(c(7))?;
        let m = MONTHS.iter().position(|&b| b as char == c(8))? as u32 + 1;
        let mut d = decode_digit(c(9))? * 10 + decode_digit(c(10))?;
        if d > 40 {
            d -= 40;
        }
        Some((yy, m, d))
    }

    /// Sex of a person; `None` for companies.
    pub fn sex(&self) -> Option<Sex> {
        if !self.is_person() {
            return None;
        }
        let c: Vec<char> = self.0.chars().collect();
        let d = decode_digit(c[9])?;
        Some(if d >= 4 { Sex::Female } else { Sex::Male })
    }

    /// Birth date of a person. The code carries only two year digits, so the
    /// century is chosen as the latest one that does not put the birth after
    /// `reference` (normally today or the application date).
    pub fn birth_date(&self, reference: NaiveDate) -> Option<NaiveDate> {
        let (yy, m, d) = self.raw_birth()?;
        let base = reference.year() - reference.year().rem_euclid(100);
        [base, base - 100]
            .iter()
            .filter_map(|c| NaiveDate::from_ymd_opt(c + yy as i32, m, d))
            .find(|date| *date <= reference)
    }

    /// Codice catastale of the birth place (decoded through omocodia).
    pub fn birth_place(&self) -> Option<String> {
        if !self.is_person() {
            return None;
        }
        let c: Vec<char> = self.0.chars().collect();
        let mut s = String::new();
        s.push(c[11]);
        for &ch in &c[12..15] {
            s.push(char::from_digit(decode_digit(ch)?, 10)?);
        }
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn known_person_codes() {
        let cf = CodiceFiscale::parse(" mrtmtt25d09f205z ").unwrap();
        assert!(cf.is_person());
        assert_eq!(cf.sex(), Some(Sex::Male));
        assert_eq!(cf.birth_date(d(2025, 1, 1)), Some(d(1925, 4, 9)));
        assert_eq!(cf.birth_place().as_deref(), Some("F205"));
    }

    #[test]
    fn builder_matches_parse_and_decodes() {
        let cf = person("Rossi", "Maria", d(1990, 2, 28), Sex::Female, "H501").unwrap();
        assert_eq!(&cf.as_str()[..11], "RSSMRA90B68");
        assert_eq!(cf.sex(), Some(Sex::Female));
        assert_eq!(cf.birth_date(d(2025, 6, 1)), Some(d(1990, 2, 28)));
    }

    #[test]
    fn omocodia_is_accepted_and_decoded() {
        let base = person("Bianchi", "Luca", d(2001, 12, 31), Sex::Male, "F205").unwrap();
        // replace the last digit of the place code with its omocodia letter
        let mut first15: Vec<char> = base.as_str()[..15].chars().collect();
        let digit = first15[14].to_digit(10).unwrap() as usize;
        first15[14] = OMOCODIA[digit] as char;
        let first15: String = first15.into_iter().collect();
        let cf =
            CodiceFiscale::parse(&format!("{first15}{}", person_check_char(&first15))).unwrap();
        assert!(cf.is_omocodic());
        assert_eq!(cf.birth_place(), base.birth_place());
        assert_eq!(cf.birth_date(d(2025, 1, 1)), Some(d(2001, 12, 31)));
    }

    #[test]
    fn specific_errors() {
        assert!(matches!(
            CodiceFiscale::parse("MRTMTT25D09F205"),
            Err(IdError::WrongLength { found: 15, .. })
        ));
        assert!(matches!(
            CodiceFiscale::parse("MRTMTT25D09F205A"),
            Err(IdError::WrongCheckCharacter {
                expected: 'Z',
                found: 'A',
                ..
            })
        ));
        assert!(matches!(
            CodiceFiscale::parse("MRTMTT2#D09F205Z"),
            Err(IdError::InvalidCharacter { position: 8, .. })
        ));
        assert!(matches!(
            CodiceFiscale::parse("MRTMTT25F09F205Z"),
            Err(IdError::InvalidCharacter { position: 9, .. })
        ));
        // 31 February
        let first15 = "MRTMTT25B31F205";
        let bad = format!("{first15}{}", person_check_char(first15));
        assert_eq!(
            CodiceFiscale::parse(&bad),
            Err(IdError::InvalidBirthDate {
                kind: IdKind::CodiceFiscale
            })
        );
        assert!(matches!(
            CodiceFiscale::parse(""),
            Err(IdError::Empty { .. })
        ));
    }

    #[test]
    fn company_codes() {
        let cf = CodiceFiscale::company_from_prefix("0112010015").unwrap();
        assert!(!cf.is_person() && cf.is_company());
        assert_eq!(cf.sex(), None);
        assert!(CodiceFiscale::parse("01120100151").is_err() || cf.as_str() == "01120100151");
    }
}
