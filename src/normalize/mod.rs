//! Normalization: text to comparable keys, with token spans back to the original text.
//!
//! The same steps apply to knowledge-base aliases and to queries, so that two spellings meet when
//! their keys are equal:
//!
//! 1. Unicode compatibility folding (NFKC) and full case folding; diacritics removed; soft hyphens
//!    and zero-width characters dropped; curly quotes and dashes unified.
//! 2. Non-Latin scripts transliterated to Latin with [`any_ascii`], a maintained table that covers
//!    every script (Cyrillic with its Kazakh, Kyrgyz and Uzbek letters, Greek, Arabic, CJK, ...),
//!    has no dependencies and works one character at a time, which keeps offsets exact.
//! 3. Tokenization on white space, punctuation, hyphens and dashes. An apostrophe inside a word
//!    joins ("O'Brien" is `obrien`); a possessive "’s" is dropped ("Trump’s" is `trump`); dotted
//!    initials join ("U.A.E." is `uae`).
//!
//! The result holds only lowercase ASCII letters and digits in tokens separated by one space, so
//! normalizing twice changes nothing.
//!
//! ```
//! assert_eq!(canonica::normalize("  Kassym-Jomart  TOKAYEV’s "), "kassym jomart tokayev");
//! assert_eq!(canonica::normalize("U.A.E."), "uae");
//! assert_eq!(canonica::normalize("Токаев"), "tokaev");
//! ```

pub(crate) mod drift;
mod fold;
pub(crate) mod titles;

use fold::{fold_char, Piece};

/// One token of normalized text and the span of original text it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The normalized token: lowercase ASCII letters and digits.
    pub text: String,
    /// Byte offset in the original text where the token starts.
    pub start: usize,
    /// Byte offset in the original text just past the token's end.
    pub end: usize,
    /// True when the token was joined from dotted initials ("U.A.E.", "J.-C.").
    pub initials: bool,
    /// True when a hyphen or dash joined this token to the next one ("Kassym-Jomart").
    pub hyphen_after: bool,
}

/// Turns text into normalized tokens and keys.
///
/// A `Normalizer` holds no state today; it is a type so that options can be added without
/// changing call sites. It is cheap to create and `Send + Sync`.
#[derive(Clone, Debug, Default)]
pub struct Normalizer {
    _private: (),
}

/// A token while it is being built, with what followed it.
struct Pending {
    token: Token,
    /// Byte length of `token.text` at the last apostrophe inside it, and where that apostrophe
    /// started in the original text.
    apostrophe: Option<(usize, usize)>,
    period_after: bool,
}

impl Normalizer {
    /// A normalizer with the default rules.
    pub fn new() -> Normalizer {
        Normalizer::default()
    }

    /// The normalized form of `text`: its tokens joined by single spaces.
    pub fn normalize(&self, text: &str) -> String {
        let tokens = self.tokens(text);
        let mut out = String::with_capacity(text.len());
        for (i, t) in tokens.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&t.text);
        }
        out
    }

    /// The normalized tokens of `text`, each with its byte span in `text`.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut raw: Vec<Pending> = Vec::new();
        let mut current: Option<Pending> = None;
        for (start, c) in text.char_indices() {
            let end = start + c.len_utf8();
            fold_char(c, &mut |piece| match piece {
                Piece::Word(b) => {
                    let pending = current.get_or_insert_with(|| Pending {
                        token: Token {
                            text: String::new(),
                            start,
                            end,
                            initials: false,
                            hyphen_after: false,
                        },
                        apostrophe: None,
                        period_after: false,
                    });
                    pending.token.text.push(b as char);
                    pending.token.end = end;
                }
                Piece::Apostrophe => {
                    if let Some(p) = current.as_mut() {
                        p.apostrophe = Some((p.token.text.len(), start));
                    }
                }
                Piece::Period | Piece::Hyphen | Piece::Separator => {
                    if let Some(p) = current.take() {
                        raw.push(finish(p));
                    }
                    if let Some(last) = raw.last_mut() {
                        // Only the first separator after a token says how it was joined.
                        if last.token.end == start || last.period_after {
                            match piece {
                                Piece::Period if last.token.end == start => {
                                    last.period_after = true
                                }
                                Piece::Hyphen => last.token.hyphen_after = true,
                                _ => {}
                            }
                        }
                    }
                }
            });
        }
        if let Some(p) = current.take() {
            raw.push(finish(p));
        }
        join_initials(raw)
    }
}

/// Closes a token: drops a possessive "’s" at its end.
fn finish(mut p: Pending) -> Pending {
    if let Some((at, apostrophe_start)) = p.apostrophe {
        if at > 0 && &p.token.text[at..] == "s" {
            p.token.text.truncate(at);
            p.token.end = apostrophe_start;
        }
    }
    p
}

/// Joins runs of single letters written with full stops ("U.A.E.", "J.-C.") into one token.
fn join_initials(raw: Vec<Pending>) -> Vec<Token> {
    let is_letter =
        |p: &Pending| p.token.text.len() == 1 && p.token.text.as_bytes()[0].is_ascii_alphabetic();
    let mut out: Vec<Token> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let mut j = i;
        while j + 1 < raw.len()
            && is_letter(&raw[j])
            && raw[j].period_after
            && is_letter(&raw[j + 1])
        {
            j += 1;
        }
        if j > i {
            let mut token = raw[i].token.clone();
            for p in &raw[i + 1..=j] {
                token.text.push_str(&p.token.text);
                token.end = p.token.end;
            }
            token.initials = true;
            token.hyphen_after = raw[j].token.hyphen_after;
            out.push(token);
            i = j + 1;
        } else {
            out.push(raw[i].token.clone());
            i += 1;
        }
    }
    out
}

/// The normalized form of `text` with the default rules; see [`Normalizer`].
///
/// ```
/// assert_eq!(canonica::normalize("O'Brien"), "obrien");
/// assert_eq!(canonica::normalize("Washington’s"), "washington");
/// ```
pub fn normalize(text: &str) -> String {
    Normalizer::new().normalize(text)
}

/// The key with every space removed: "Kassym Jomart" and "Kassymjomart" share it, as do "U A E"
/// and "UAE".
pub(crate) fn compact(key: &str) -> String {
    key.chars().filter(|c| *c != ' ').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(&str, String)> {
        Normalizer::new()
            .tokens(text)
            .into_iter()
            .map(|t| (&text[t.start..t.end], t.text))
            .collect()
    }

    #[test]
    fn punctuation_rules() {
        assert_eq!(normalize("U.A.E."), "uae");
        assert_eq!(normalize("U. A. E."), "uae");
        assert_eq!(normalize("UAE"), "uae");
        assert_eq!(normalize("O'Brien"), "obrien");
        assert_eq!(normalize("OBrien"), "obrien");
        assert_eq!(normalize("Trump’s"), "trump");
        assert_eq!(normalize("Trump's second term"), "trump second term");
        assert_eq!(normalize("Kassym-Jomart"), "kassym jomart");
        assert_eq!(normalize("K. Tokayev"), "k tokayev");
        assert_eq!(normalize("J.-C. Juncker"), "jc juncker");
        assert_eq!(normalize("Tokayev, Kassym-Jomart"), "tokayev kassym jomart");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("  ...  "), "");
    }

    #[test]
    fn idempotent_on_examples() {
        for s in [
            "U.A.E.",
            "Côte d’Ivoire",
            "Токаев",
            "a b c",
            "Trump’s",
            "北京",
            "İstanbul",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
        }
    }

    #[test]
    fn spans_point_into_the_original() {
        assert_eq!(
            spans("President Trump’s plan"),
            vec![
                ("President", "president".to_string()),
                ("Trump", "trump".to_string()),
                ("plan", "plan".to_string())
            ]
        );
        assert_eq!(
            spans("İstanbul"),
            vec![("İstanbul", "istanbul".to_string())]
        );
        assert_eq!(
            spans("the U.A.E. said"),
            vec![
                ("the", "the".to_string()),
                ("U.A.E", "uae".to_string()),
                ("said", "said".to_string())
            ]
        );
    }

    #[test]
    fn hyphen_flags() {
        let t = Normalizer::new().tokens("US–Kazakh ties");
        assert!(t[0].hyphen_after);
        assert!(!t[1].hyphen_after);
    }

    #[test]
    fn compact_removes_spaces() {
        assert_eq!(compact("kassym jomart tokayev"), "kassymjomarttokayev");
    }
}
