//! Character folding: one original character to zero or more lowercase ASCII characters, or to a
//! punctuation class that the tokenizer acts on.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// What one piece of folded text means to the tokenizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A lowercase ASCII letter or digit that belongs to a token.
    Word(u8),
    /// An apostrophe: joins "O'Brien", marks the possessive "’s".
    Apostrophe,
    /// A full stop: separates tokens, marks initials ("U.A.E.", "K.").
    Period,
    /// A hyphen or dash: separates tokens ("Kassym-Jomart", "US–Kazakh").
    Hyphen,
    /// Anything else that separates tokens: white space, other punctuation, symbols.
    Separator,
}

/// Characters that vanish without separating anything: soft hyphen, zero-width space and
/// joiners, word joiner, byte order mark.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2018}'
            | '\u{2019}'
            | '\u{201B}'
            | '\u{02BC}'
            | '\u{02B9}'
            | '\u{2032}'
            | '`'
            | '\u{00B4}'
            | '\u{FF07}'
    )
}

fn is_period(c: char) -> bool {
    matches!(c, '.' | '\u{FF0E}' | '\u{3002}' | '\u{2024}')
}

fn is_hyphen(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{2E3A}'
                | '\u{2E3B}'
    )
}

/// Characters whose compatibility decomposition is wanted before transliteration: Latin letters
/// with diacritics, ligatures, full-width forms, letter-like symbols. Other scripts (Cyrillic,
/// Greek, CJK, Hangul, ...) go straight to the transliteration table, which knows their letters
/// as a whole ("й" is "y", not "i" plus a breve).
fn wants_decomposition(c: char) -> bool {
    c < '\u{0370}'
        || ('\u{1E00}'..='\u{1EFF}').contains(&c)
        || ('\u{2000}'..='\u{2BFF}').contains(&c)
        || ('\u{FB00}'..='\u{FB06}').contains(&c)
        || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

/// Scripts whose Latin reading loses too much to be compared with Latin spellings: Han and
/// Japanese kana (many characters share one syllable: 盧安達 reads "Luanda", the Chinese name of
/// Rwanda), and the Arabic and Hebrew abjads (vowels are not written). Names in them are matched
/// only against names in the same kind of script.
pub(crate) fn is_lossy_script(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F // Hebrew
        | 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF // Arabic
        | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F // kana
        | 0x2E80..=0x2FDF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF // Han
    )
}

/// Han characters and kana: lossy scripts whose romanization (Mandarin pinyin, Japanese romaji)
/// is still how their names are written in Latin letters ("习近平" is `xijinping`, "トヨタ"
/// `toyota`), unlike the abjads, which leave the vowels out.
pub(crate) fn is_han_or_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F) || is_han(c)
}

/// Han characters (CJK ideographs and radicals).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF
    )
}

fn ascii_piece(b: u8) -> Piece {
    match b {
        b'a'..=b'z' | b'0'..=b'9' => Piece::Word(b),
        b'A'..=b'Z' => Piece::Word(b.to_ascii_lowercase()),
        b'\'' | b'`' => Piece::Apostrophe,
        b'.' => Piece::Period,
        b'-' => Piece::Hyphen,
        _ => Piece::Separator,
    }
}

fn transliterate(c: char, emit: &mut impl FnMut(Piece)) {
    for b in any_ascii::any_ascii_char(c).bytes() {
        emit(ascii_piece(b));
    }
}

/// Folds one character of the original text, calling `emit` for each piece it becomes.
///
/// The steps are those of NFKC plus full case folding, followed by removal of combining marks
/// and transliteration to Latin; the result only ever holds lowercase ASCII letters and digits.
pub(crate) fn fold_char(c: char, emit: &mut impl FnMut(Piece)) {
    if c.is_ascii() {
        emit(ascii_piece(c as u8));
        return;
    }
    if is_invisible(c) || is_combining_mark(c) {
        return;
    }
    if is_apostrophe(c) {
        return emit(Piece::Apostrophe);
    }
    if is_period(c) {
        return emit(Piece::Period);
    }
    if is_hyphen(c) {
        return emit(Piece::Hyphen);
    }
    if c.is_whitespace() || c.is_control() {
        return emit(Piece::Separator);
    }
    if !wants_decomposition(c) {
        return transliterate(c, emit);
    }
    decompose_compatible(c, |d| {
        if d.is_ascii() {
            emit(ascii_piece(d as u8));
        } else if is_combining_mark(d) {
            // Diacritics are folded away for matching.
        } else if is_apostrophe(d) {
            emit(Piece::Apostrophe);
        } else if is_hyphen(d) {
            emit(Piece::Hyphen);
        } else if d.is_whitespace() {
            emit(Piece::Separator);
        } else {
            transliterate(d, emit);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            fold_char(c, &mut |p| match p {
                Piece::Word(b) => out.push(b as char),
                Piece::Apostrophe => out.push('\''),
                Piece::Period => out.push('.'),
                Piece::Hyphen => out.push('-'),
                Piece::Separator => out.push(' '),
            });
        }
        out
    }

    #[test]
    fn latin_diacritics_and_ligatures() {
        assert_eq!(fold("Côte d’Ivoire"), "cote d'ivoire");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("ＵＡＥ"), "uae");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("Łódź"), "lodz");
    }

    #[test]
    fn cyrillic_including_kazakh_letters() {
        assert_eq!(fold("Токаев"), "tokaev");
        assert_eq!(fold("Сергей"), "sergey");
        assert_eq!(fold("Қазақстан"), "qazaqstan");
        for c in "ҚҒҰҮӨӘІҢҺ".chars() {
            assert!(!fold(&c.to_string()).is_empty(), "{c} folds to nothing");
        }
    }

    #[test]
    fn invisible_characters_vanish() {
        assert_eq!(fold("Ka\u{00AD}zakh\u{200B}stan"), "kazakhstan");
        assert_eq!(fold("e\u{0301}"), "e");
    }

    #[test]
    fn dashes_and_quotes_are_unified() {
        assert_eq!(fold("US–Kazakh"), "us-kazakh");
        assert_eq!(fold("O‘Brien"), "o'brien");
    }
}
