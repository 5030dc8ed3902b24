//! Text for the standard (non-embedded) Helvetica fonts: WinAnsiEncoding and widths.

use crate::metrics;

/// The two fonts the receipt uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(crate) fn resource_name(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
        }
    }

    fn widths(self) -> &'static [u16; 256] {
        match self {
            Font::Regular => &metrics::HELVETICA,
            Font::Bold => &metrics::HELVETICA_BOLD,
        }
    }
}

/// Maps one character to its WinAnsiEncoding code, or `None` when the encoding has no such character.
fn winansi(c: char) -> Option<u8> {
    let cp = c as u32;
    match cp {
        0x20..=0x7E | 0xA0..=0xFF => Some(cp as u8),
        _ => Some(match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            // Whitespace and controls become spaces so a stray tab or newline never breaks layout.
            '\t' | '\n' | '\r' | '\u{2007}' | '\u{2009}' | '\u{202F}' => 0x20,
            _ => return None,
        }),
    }
}

/// Width of a WinAnsi code in 1/1000 em (codes 0x80–0x9F are not in the Latin-1 table).
fn code_width(font: Font, code: u8) -> u16 {
    let bold = font == Font::Bold;
    match code {
        0x27 => {
            if bold {
                238
            } else {
                191
            }
        }
        0x60 | 0x88 | 0x98 => 333,
        0x80 | 0x83 | 0x86 | 0x87 => 556,
        0x82 | 0x91 | 0x92 => {
            if bold {
                278
            } else {
                222
            }
        }
        0x84 | 0x93 | 0x94 => {
            if bold {
                500
            } else {
                333
            }
        }
        0x85 | 0x89 | 0x97 | 0x8C | 0x9C => 1000,
        0x8A => 667,
        0x8B | 0x9B => 333,
        0x8E => 611,
        0x95 => 350,
        0x96 => 556,
        0x99 => 1000,
        0x9A => 556,
        0x9E => 500,
        0x9F => 667,
        _ => font.widths()[code as usize],
    }
}

/// Encodes text for a WinAnsiEncoding font. Characters outside the encoding are first decomposed to
/// their base letter when that is obvious (e.g. "ł" stays unknown and becomes "?").
pub(crate) fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| winansi(c).or_else(|| fallback(c)).unwrap_or(b'?'))
        .collect()
}

/// A few letters outside Latin-1 that appear in names of people and places, mapped to their base letter.
fn fallback(c: char) -> Option<u8> {
    let base = match c {
        'Ā' | 'Ă' | 'Ą' => 'A',
        'ā' | 'ă' | 'ą' => 'a',
        'Ć' | 'Č' => 'C',
        'ć' | 'č' => 'c',
        'Ď' | 'Đ' => 'D',
        'ď' | 'đ' => 'd',
        'Ē' | 'Ę' | 'Ě' => 'E',
        'ē' | 'ę' | 'ě' => 'e',
        'Ğ' => 'G',
        'ğ' => 'g',
        'Ī' | 'İ' => 'I',
        'ī' | 'ı' => 'i',
        'Ł' => 'L',
        'ł' => 'l',
        'Ń' | 'Ň' => 'N',
        'ń' | 'ň' => 'n',
        'Ő' | 'Ō' => 'O',
        'ő' | 'ō' => 'o',
        'Ř' => 'R',
        'ř' => 'r',
        'Ś' | 'Ş' | 'Ș' => 'S',
        'ś' | 'ş' | 'ș' => 's',
        'Ť' | 'Ţ' | 'Ț' => 'T',
        'ť' | 'ţ' | 'ț' => 't',
        'Ū' | 'Ů' | 'Ű' => 'U',
        'ū' | 'ů' | 'ű' => 'u',
        'Ź' | 'Ż' => 'Z',
        'ź' | 'ż' => 'z',
        _ => return None,
    };
    Some(base as u8)
}

/// Width of `s` in points at `size`.
pub(crate) fn width(font: Font, size: f32, s: &str) -> f32 {
    let units: u32 = encode(s)
        .iter()
        .map(|&b| u32::from(code_width(font, b)))
        .sum();
    units as f32 * size / 1000.0
}

/// Breaks `s` into lines no wider than `max` points, at spaces; a word longer than a line is cut.
/// Always returns at least one line (possibly empty).
pub(crate) fn wrap(font: Font, size: f32, s: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(font, size, &candidate) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: cut it if it is still too wide.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if width(font, size, &piece) > max && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_letters_are_in_winansi() {
        assert_eq!(
            encode("àèéìòùÀÈÉÌÒÙ€"),
            b"\xE0\xE8\xE9\xEC\xF2\xF9\xC0\xC8\xC9\xCC\xD2\xD9\x80"
        );
        assert_eq!(encode("Łódź"), b"L\xF3dz");
        assert_eq!(encode("漢"), b"?");
    }

    #[test]
    fn widths_follow_the_metrics() {
        assert!((width(Font::Regular, 10.0, "Hello") - 22.78).abs() < 0.01);
        assert!(width(Font::Bold, 10.0, "Hello") > width(Font::Regular, 10.0, "Hello"));
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        let lines = wrap(Font::Regular, 10.0, "uno due tre quattro cinque", 40.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(Font::Regular, 10.0, l) <= 40.0));
        let long = wrap(Font::Regular, 10.0, &"x".repeat(100), 50.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "x".repeat(100));
        assert_eq!(wrap(Font::Regular, 10.0, "", 50.0), vec![String::new()]);
    }
}
