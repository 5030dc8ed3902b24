//! IBAN (ISO 13616) for SEPA countries, with the Italian (and San Marino)
//! BBAN CIN check.

use super::codice_fiscale::odd_even_check;
use super::{IdError, IdKind, id_newtype_impls};

const KIND: IdKind = IdKind::Iban;

/// IBAN lengths of the SEPA countries (and territories with their own code).
const SEPA_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AL", 28),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("RS", 22),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// Expected IBAN length for a SEPA country code, if supported.
pub fn sepa_length(country: &str) -> Option<usize> {
    // The table is sorted (a test checks it).
    SEPA_LENGTHS
        .binary_search_by(|(c, _)| (*c).cmp(country))
        .ok()
        .map(|i| SEPA_LENGTHS[i].1)
}

/// A valid IBAN in electronic format (uppercase, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iban(String);
id_newtype_impls!(Iban);

fn mod97(rearranged: impl Iterator<Item = u8>) -> u32 {
    // Letters become two-digit numbers 10..35 (callers pass ASCII letters
    // and digits only).
    let mut rem: u32 = 0;
    for b in rearranged {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            b'a'..=b'z' => u32::from(b - b'a') + 10,
            _ => 0,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem
}

impl Iban {
    /// Parses an IBAN, accepting spaces (paper format) and lowercase.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        match Self::parse_electronic(raw) {
            Some(iban) => Ok(iban),
            None => Self::parse_general(raw),
        }
    }

    /// Any form: spaces removed, uppercased, then checked with specific errors.
    fn parse_general(raw: &str) -> Result<Self, IdError> {
        // One allocation (this runs once per worker record of a flow).
        let mut s = String::with_capacity(raw.len());
        if raw.is_ascii() {
            // Byte by byte, what the `char` path below does to ASCII
            // (`char::is_whitespace` includes U+000B and U+000C).
            for b in raw.bytes() {
                if !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
                    s.push(b.to_ascii_uppercase() as char);
                }
            }
        } else {
            s.extend(
                raw.chars()
                    .filter(|c| !c.is_whitespace())
                    .map(|c| c.to_ascii_uppercase()),
            );
        }
        if s.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        for (i, c) in s.chars().enumerate() {
            let ok = match i {
                0 | 1 => c.is_ascii_uppercase(),
                2 | 3 => c.is_ascii_digit(),
                _ => c.is_ascii_alphanumeric(),
            };
            if !ok {
                return Err(IdError::InvalidCharacter {
                    kind: KIND,
                    position: i + 1,
                    found: c,
                    expected: match i {
                        0 | 1 => "a country letter",
                        2 | 3 => "a check digit",
                        _ => "a letter or digit",
                    },
                });
            }
        }
        if s.len() < 4 {
            return Err(IdError::WrongLength {
                kind: KIND,
                expected: "15 to 34",
                found: s.len(),
            });
        }
        let country = &s[..2];
        let expected_len = sepa_length(country).ok_or_else(|| IdError::UnsupportedCountry {
            country: country.to_string(),
        })?;
        if s.len() != expected_len {
            return Err(IdError::WrongLength {
                kind: KIND,
                expected: leak_len(expected_len),
                found: s.len(),
            });
        }
        if country == "IT" || country == "SM" {
            // BBAN: CIN letter, ABI (5 digits), CAB (5 digits), account (12 alphanumerics)
            let bban = &s[4..];
            for (i, c) in bban.chars().enumerate() {
                let ok = match i {
                    0 => c.is_ascii_uppercase(),
                    1..=10 => c.is_ascii_digit(),
                    _ => true,
                };
                if !ok {
                    return Err(IdError::InvalidCharacter {
                        kind: KIND,
                        position: i + 5,
                        found: c,
                        expected: if i == 0 {
                            "a CIN letter"
                        } else {
                            "a digit (ABI/CAB)"
                        },
                    });
                }
            }
            let expected = odd_even_check(&bban[1..]).unwrap_or('?');
            let found = bban.as_bytes()[0] as char;
            if expected != found {
                return Err(IdError::WrongCheckCharacter {
                    kind: KIND,
                    expected,
                    found,
                });
            }
        }
        // The check digits are computed on the IBAN rearranged (country and
        // check digits moved to the end).
        if mod97(s[4..].bytes().chain(s[..4].bytes())) != 1 {
            return Err(IdError::IbanChecksum);
        }
        Ok(Self(s))
    }

    /// A valid IBAN already in electronic format (uppercase ASCII, no
    /// spaces), checked byte by byte: the form of every IBAN of a generated
    /// flow and of most real ones, once per worker record. `None` leaves the
    /// answer, and any error, to the general path of [`Iban::parse`].
    fn parse_electronic(raw: &str) -> Option<Self> {
        let b = raw.as_bytes();
        let upper_or_digit = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
        if b.len() < 5
            || !b[..2].iter().all(u8::is_ascii_uppercase)
            || !b[2..4].iter().all(u8::is_ascii_digit)
            || !b[4..].iter().all(upper_or_digit)
            || sepa_length(&raw[..2])? != b.len()
        {
            return None;
        }
        if matches!(&b[..2], b"IT" | b"SM")
            && (!b[4].is_ascii_uppercase()
                || !b[5..15].iter().all(u8::is_ascii_digit)
                || odd_even_check(&raw[5..]) != Some(char::from(b[4])))
        {
            return None;
        }
        (mod97(b[4..].iter().chain(&b[..4]).copied()) == 1).then(|| Self(raw.to_owned()))
    }

    /// Two-letter country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// Basic bank account number (after country and check digits).
    pub fn bban(&self) -> &str {
        &self.0[4..]
    }

    /// Paper format: groups of four characters separated by spaces.
    pub fn to_paper(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Builds an IBAN from a country code and a BBAN, computing check digits.
    pub fn from_bban(country: &str, bban: &str) -> Result<Self, IdError> {
        let country = country.trim().to_ascii_uppercase();
        let bban = bban.trim().to_ascii_uppercase();
        // A non-ASCII character counts as one digit 0, as in `parse`'s checks.
        let check = 98
            - mod97(
                format!("{bban}{country}00")
                    .chars()
                    .map(|c| if c.is_ascii() { c as u8 } else { 0xFF }),
            );
        Self::parse(&format!("{country}{check:02}{bban}"))
    }
}

fn leak_len(n: usize) -> &'static str {
    const NUMS: [&str; 35] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
        "32", "33", "34",
    ];
    NUMS.get(n).copied().unwrap_or("?")
}

/// Builds an Italian IBAN from ABI (5 digits), CAB (5 digits) and account
/// number (up to 12 alphanumerics, left-padded with zeros), computing the CIN
/// and the check digits.
pub fn it_from_parts(abi: &str, cab: &str, account: &str) -> Result<Iban, IdError> {
    let account = account.trim().to_ascii_uppercase();
    if account.len() > 12 {
        return Err(IdError::WrongLength {
            kind: KIND,
            expected: "at most 12 (account)",
            found: account.len(),
        });
    }
    let body = format!("{}{}{:0>12}", abi.trim(), cab.trim(), account);
    let cin = odd_even_check(&body).ok_or(IdError::Format {
        kind: KIND,
        format: "ABI 5 digits, CAB 5 digits, account 12 alphanumerics",
    })?;
    Iban::from_bban("IT", &format!("{cin}{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_electronic_fast_path_agrees_with_the_general_one() {
        let good = [
            "IT60X0542811101000000123456",
            "DE89370400440532013000",
            "SM86U0322509800000000270100",
        ];
        for g in good {
            assert_eq!(Iban::parse_electronic(g), Some(Iban(g.to_owned())), "{g}");
            assert_eq!(Iban::parse_general(g), Ok(Iban(g.to_owned())), "{g}");
        }
        // Every one-character change of a valid IBAN, and paper forms: the fast
        // path either gives the general path's answer or leaves it to it.
        for g in good {
            let mut inputs = vec![
                g.to_lowercase(),
                Iban(g.to_owned()).to_paper(),
                g[..g.len() - 1].to_owned(),
            ];
            for i in 0..g.len() {
                for c in ['0', '7', 'A', 'Z', 'x', ' ', 'è'] {
                    let mut v: Vec<char> = g.chars().collect();
                    v[i] = c;
                    inputs.push(v.into_iter().collect());
                }
            }
            for input in inputs {
                if let Some(fast) = Iban::parse_electronic(&input) {
                    assert_eq!(Iban::parse_general(&input), Ok(fast), "{input}");
                }
            }
        }
    }

    #[test]
    fn the_length_table_is_sorted_for_its_binary_search() {
        assert!(SEPA_LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(sepa_length("IT"), Some(27));
        assert_eq!(sepa_length("AD"), Some(24));
        assert_eq!(sepa_length("VA"), Some(22));
        assert_eq!(sepa_length("US"), None);
    }

    #[test]
    fn known_ibans() {
        // Examples published by the Italian banking association and ECBS.
        assert!(Iban::parse("IT60 X054 2811 1010 0000 0123 456").is_ok());
        assert!(Iban::parse("DE89370400440532013000").is_ok());
        assert!(Iban::parse("GB82WEST12345698765432").is_ok());
        assert!(Iban::parse("NL91ABNA0417164300").is_ok());
    }

    #[test]
    fn builder() {
        let iban = it_from_parts("05428", "11101", "123456").unwrap();
        assert_eq!(iban.as_str(), "IT60X0542811101000000123456");
        assert_eq!(iban.to_paper(), "IT60 X054 2811 1010 0000 0123 456");
    }

    #[test]
    fn errors() {
        assert_eq!(
            Iban::parse("IT61X0542811101000000123456"),
            Err(IdError::IbanChecksum)
        );
        assert!(matches!(
            Iban::parse("IT60Y0542811101000000123456"),
            Err(IdError::WrongCheckCharacter {
                expected: 'X',
                found: 'Y',
                ..
            })
        ));
        assert!(matches!(
            Iban::parse("US60X0542811101000000123456"),
            Err(IdError::UnsupportedCountry { .. })
        ));
        assert!(matches!(
            Iban::parse("IT60X054281110100000012345"),
            Err(IdError::WrongLength { found: 26, .. })
        ));
    }
}
