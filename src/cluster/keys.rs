//! OpenRefine's key-collision keys, byte for byte: the fingerprint and the n-gram fingerprint
//! its clustering dialog offers, computed as its `FingerprintKeyer` and `NGramFingerprintKeyer`
//! compute them (Java strings, Java's regular expressions with Unicode character classes).
//!
//! The steps, in OpenRefine's order:
//! 1. white space trimmed from both ends; the text lowercased (Java's `toLowerCase`, final sigma
//!    included);
//! 2. compatibility decomposition (NFKD), then combining diacritical marks (U+0300–U+036F),
//!    modifier letters (Lm) and modifier symbols (Sk) removed;
//! 3. letters without a decomposition replaced from OpenRefine's table (`ß` → `ss`, `æ` → `ae`,
//!    `ø` → `oe`, `þ` → `th`, `ł` → `l`, ...);
//! 4. punctuation (every category P) and the control characters other than white space removed;
//! 5. the fingerprint: the words (split on white space) sorted as Java sorts strings (by UTF-16
//!    code units), each kept once, joined by single spaces; the n-gram fingerprint: white space
//!    and control characters removed, then the distinct runs of `n` UTF-16 code units, sorted,
//!    concatenated.
//!
//! Java keeps a word that is empty because the normalized text starts with white space (`"!
//! abc"` keys as `" abc"`); so does this. An n-gram that splits a surrogate pair cannot be
//! written as UTF-8: it becomes U+FFFD.
//!
//! ```
//! use canonica::{fingerprint, ngram_fingerprint};
//! assert_eq!(fingerprint(" école ÉCole ecoLe "), "ecole");
//! assert_eq!(fingerprint("the multi multi word test"), "multi test the word");
//! assert_eq!(ngram_fingerprint("gfedcba", 2).unwrap(), "bacbdcedfegf");
//! assert!(ngram_fingerprint("abc", 0).is_err());
//! ```

use std::cmp::Ordering;

use unicode_general_category::{get_general_category, GeneralCategory as G};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// True for Java's `\s` under `UNICODE_CHARACTER_CLASS` (White_Space), which is also the set
/// Guava's `CharMatcher.whitespace()` trims.
fn is_white_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// True for what OpenRefine strips after decomposition: combining diacritical marks, modifier
/// letters and modifier symbols.
fn is_diacritic(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
        || (!c.is_ascii() || c == '^' || c == '`')
            && matches!(
                get_general_category(c),
                G::ModifierLetter | G::ModifierSymbol
            )
}

/// OpenRefine's replacements for letters that have no decomposition (lowercase forms only: the
/// text is lowercased first).
fn replacement(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'ø' => "oe",
        'å' => "aa",
        '©' => "c",
        'ð' | 'đ' | 'ɖ' => "d",
        'þ' => "th",
        'ƿ' => "w",
        'ħ' => "h",
        'ı' => "i",
        'ĸ' => "k",
        'ł' => "l",
        'ŋ' => "n",
        'ſ' | 'ẜ' | 'ẝ' => "s",
        'ŧ' => "t",
        'œ' => "oe",
        _ => return None,
    })
}

/// True for the characters OpenRefine's fingerprint removes: punctuation (categories Pc, Pd,
/// Ps, Pe, Pi, Pf, Po) and the C0 and C1 controls that are not white space.
fn is_punctuation_or_control(c: char) -> bool {
    if matches!(c, '\0'..='\u{8}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}')
    {
        return true;
    }
    matches!(
        get_general_category(c),
        G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
    )
}

/// OpenRefine's strong normalization (`FingerprintKeyer.normalize(s, true)`).
fn normalize(s: &str) -> String {
    let trimmed = s.trim_matches(is_white_space);
    let mut out = String::with_capacity(trimmed.len());
    let mut push = |c: char| {
        if is_diacritic(c) {
            return;
        }
        match replacement(c) {
            Some(r) => out.push_str(r),
            None if is_punctuation_or_control(c) => {}
            None => out.push(c),
        }
    };
    if trimmed.is_ascii() {
        // Nothing to decompose, nor any special case of lowercasing.
        trimmed
            .bytes()
            .for_each(|b| push(b.to_ascii_lowercase() as char));
    } else {
        java_lowercase(trimmed).nfkd().for_each(push);
    }
    out
}

/// Java's `String.toLowerCase` (outside the Turkish and Lithuanian locales): each character's
/// full lowercase mapping, except that a capital sigma becomes a final sigma when Java's rule
/// says it ends a word (a cased letter before it in its word, none after).
fn java_lowercase(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == 'Σ' {
            // The characters of its word before it, nearest first, and after it.
            let start = (1..=i).rev().find(|&j| word_break(&chars, j)).unwrap_or(0);
            let end = (i + 1..chars.len())
                .find(|&j| word_break(&chars, j))
                .unwrap_or(chars.len());
            let final_sigma = chars[start..i].iter().copied().any(is_cased)
                && !chars[i + 1..end].iter().copied().any(is_cased);
            out.push(if final_sigma { 'ς' } else { 'σ' });
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// True when Java's word break iterator, as its final sigma rule reads it, puts a boundary
/// before `chars[j]`: a mark or format character never starts a word; letters and numbers continue one, except
/// the scripts it breaks by dictionary or by kind (Han, Hiragana, Katakana, Thai); a character
/// beyond the Basic Multilingual Plane may continue a word but ends it.
fn word_break(chars: &[char], j: usize) -> bool {
    let c = chars[j];
    if is_ignored(c) {
        return false;
    }
    // Marks and format characters belong to the character before them.
    let Some(b) = (0..j).rev().find(|&k| !is_ignored(chars[k])) else {
        return true;
    };
    let before = chars[b];
    if (before as u32) >= 0x10000 {
        return b > 0 && in_word(chars[b - 1]);
    }
    // Punctuation between two letters joins them ("a-b", "o'b", "a.b").
    let letter = |c: char| in_word(c) && is_letter(c);
    if is_mid_word(c) && chars.get(j + 1).is_some_and(|&n| letter(n)) && letter(before) {
        return false;
    }
    if is_mid_word(before) && b >= 1 && letter(chars[b - 1]) && letter(c) {
        return false;
    }
    !(in_word(before) && (in_word(c) || ((c as u32) >= 0x10000 && is_letter(c))))
}

/// Punctuation that Java's word rules allow between two letters of a word.
fn is_mid_word(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{2027}' | '"' | '\'' | '.')
        || get_general_category(c) == G::DashPunctuation
}

/// True for the characters Java's word rules skip: marks and format characters.
fn is_ignored(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::NonspacingMark | G::SpacingMark | G::EnclosingMark | G::Format
    )
}

fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
    )
}

/// True for a character of the Basic Multilingual Plane that continues a word: a letter, mark,
/// number or connector ("_"), outside the scripts broken apart (Han, Hiragana, Katakana, Thai).
fn in_word(c: char) -> bool {
    let u = c as u32;
    if u >= 0x10000
        || (0x0e00..=0x0e7f).contains(&u)
        || (0x3040..=0x30ff).contains(&u)
        || (0x3400..=0x4dbf).contains(&u)
        || (0x4e00..=0x9fff).contains(&u)
        || (0xf900..=0xfaff).contains(&u)
        || (0xff66..=0xff9f).contains(&u)
    {
        return false;
    }
    is_letter(c)
        || is_ignored(c)
        || matches!(
            get_general_category(c),
            G::DecimalNumber | G::LetterNumber | G::OtherNumber | G::ConnectorPunctuation
        )
}

/// Java's test for a cased character in its final sigma rule: a letter with case, or one of the
/// characters Unicode lists as Other_Lowercase or Other_Uppercase.
fn is_cased(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter | G::LowercaseLetter | G::TitlecaseLetter
    ) || matches!(c as u32,
        0x2b0..=0x2b8 | 0x2c0..=0x2c1 | 0x2e0..=0x2e4 | 0x345 | 0x37a | 0x1d2c..=0x1d61
            | 0x2160..=0x217f | 0x24b6..=0x24e9)
}

/// Orders two strings as Java's `String.compareTo` does: by UTF-16 code units.
fn java_order(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// OpenRefine's fingerprint key of `s`: its words, case and diacritics folded, punctuation
/// removed, sorted and each kept once, joined by single spaces.
///
/// ```
/// assert_eq!(canonica::fingerprint("Tokayev, Kassym-Jomart"), "kassymjomart tokayev");
/// assert_eq!(canonica::fingerprint("ÆØ ©ß"), "aeoe css");
/// ```
pub fn fingerprint(s: &str) -> String {
    let normalized = normalize(s);
    let mut words: Vec<&str> = normalized
        .split(is_white_space)
        .filter(|w| !w.is_empty())
        .collect();
    // Java's split keeps a leading empty word when something follows it.
    if normalized.starts_with(is_white_space) && !words.is_empty() {
        words.push("");
    }
    words.sort_unstable_by(|a, b| java_order(a, b));
    words.dedup();
    words.join(" ")
}

/// OpenRefine's n-gram fingerprint key of `s`: the text normalized as for [`fingerprint`],
/// white space and control characters removed, then its distinct runs of `n` characters (UTF-16
/// code units), sorted and concatenated. An error when `n` is 0.
///
/// ```
/// assert_eq!(canonica::ngram_fingerprint("Paris", 2).unwrap(), "arispari");
/// assert_eq!(canonica::ngram_fingerprint("hello", 1).unwrap(), "ehlo");
/// ```
pub fn ngram_fingerprint(s: &str, n: usize) -> Result<String> {
    if n == 0 {
        return Err(Error::invalid_argument(
            "the n-gram size n must be at least 1, not 0",
        ));
    }
    let normalized = normalize(s);
    let kept = |c: &char| !is_white_space(*c) && !c.is_control();
    if normalized.is_ascii() {
        let bytes: Vec<u8> = normalized.bytes().filter(|&b| kept(&(b as char))).collect();
        if bytes.len() < n {
            return Ok(String::new());
        }
        let mut grams: Vec<&[u8]> = bytes.windows(n).collect();
        grams.sort_unstable();
        grams.dedup();
        // ASCII in, ASCII out.
        return Ok(grams.concat().into_iter().map(char::from).collect());
    }
    let units: Vec<u16> = normalized
        .chars()
        .filter(kept)
        .collect::<String>()
        .encode_utf16()
        .collect();
    if units.len() < n {
        return Ok(String::new());
    }
    let mut grams: Vec<&[u16]> = units.windows(n).collect();
    grams.sort_unstable();
    grams.dedup();
    Ok(String::from_utf16_lossy(&grams.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_keeps_a_leading_empty_word() {
        assert_eq!(fingerprint("! abc"), " abc");
        assert_eq!(fingerprint("! !"), "");
        assert_eq!(fingerprint("a !"), "a");
        assert_eq!(fingerprint(""), "");
    }

    #[test]
    fn symbols_are_not_punctuation() {
        assert_eq!(fingerprint("a+b $c ~d"), "$c a+b ~d");
        assert_eq!(fingerprint("a^b `c"), "ab c");
    }

    #[test]
    fn lowercasing_comes_before_decomposition() {
        // "™" decomposes to capitals after lowercasing, as in Java.
        assert_eq!(fingerprint("Brand™"), "brandTM");
    }

    #[test]
    fn sorted_by_utf16_code_units() {
        // U+FF21 sorts after U+1F600 by code point but before it in UTF-16.
        assert_eq!(fingerprint("\u{1F600} \u{FF41}"), "a \u{1F600}");
        assert_eq!(java_order("\u{FF10}", "\u{1F600}"), Ordering::Greater);
    }
}
