//! Titles, honorifics and roles that precede a name ("President", "Mr", "H.E.", "Prime
//! Minister", "Президент"), so that a query can be compared without them.
//!
//! Entries are written in normalized form (see [`crate::normalize`]), so a transliterated
//! "Президент" is `prezident` and "H.E." is `he`.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::Token;

/// Honorifics: forms of address that may stand before any name.
const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "his excellency",
    "her excellency",
    "his highness",
    "her highness",
    "his royal highness",
    "her royal highness",
    "his majesty",
    "her majesty",
    "hh",
    "hrh",
    "hon",
    "honourable",
    "honorable",
    "rt hon",
    "rev",
    "reverend",
    "sheikh",
    "sheik",
    "shaikh",
    "sayyid",
    "herr",
    "frau",
    "mme",
    "mlle",
    "monsieur",
    "madame",
    "senor",
    "senora",
    "sr",
    "sra",
    "signor",
    "signora",
    "gospodin",
    "gospozha",
];

/// Roles: offices and ranks. A role may itself be preceded by up to two words that qualify it
/// ("Israeli Prime Minister", "former US President").
const ROLES: &[&str] = &[
    "president",
    "pres",
    "potus",
    "vice president",
    "vp",
    "president elect",
    "prime minister",
    "deputy prime minister",
    "first deputy prime minister",
    "foreign minister",
    "defence minister",
    "defense minister",
    "finance minister",
    "interior minister",
    "minister",
    "secretary of state",
    "secretary general",
    "secretary",
    "chancellor",
    "premier",
    "king",
    "queen",
    "prince",
    "princess",
    "crown prince",
    "emir",
    "amir",
    "sultan",
    "emperor",
    "empress",
    "ambassador",
    "amb",
    "envoy",
    "special envoy",
    "senator",
    "sen",
    "congressman",
    "congresswoman",
    "representative",
    "rep",
    "governor",
    "gov",
    "mayor",
    "general",
    "gen",
    "colonel",
    "col",
    "admiral",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "pope",
    "pm",
    "akim",
    "director",
    "elbasy",
    "yelbasy",
    // Other languages, transliterated.
    "presidente",
    "prezident",
    "prasident",
    "praesident",
    "premer ministr",
    "ministr",
    "premierminister",
    "bundeskanzler",
    "kanzler",
    "primer ministro",
    "primo ministro",
    "premier ministre",
    "ministre",
    "ministro",
    "korol",
    "koroleva",
];

/// Words that may open a name without being part of it.
const LEADING_ARTICLES: &[&str] = &["the"];

/// Words allowed before a role ("former", "then", "acting") besides demonyms.
const MAX_WORDS_BEFORE_ROLE: usize = 2;

/// Phrases of one list, by their first word: a lookup touches only the phrases that can start
/// at a token, not the whole list.
struct Phrases {
    by_first: FxHashMap<&'static str, Vec<Vec<&'static str>>>,
}

impl Phrases {
    fn new(list: &[&'static str]) -> Phrases {
        let mut by_first: FxHashMap<&'static str, Vec<Vec<&'static str>>> = FxHashMap::default();
        for phrase in list {
            let words: Vec<&'static str> = phrase.split(' ').collect();
            by_first.entry(words[0]).or_default().push(words);
        }
        Phrases { by_first }
    }

    /// The length, in tokens, of the longest phrase that starts at `at`.
    fn longest_at(&self, tokens: &[Token], at: usize) -> Option<usize> {
        let first = tokens.get(at)?;
        self.by_first
            .get(first.text.as_str())?
            .iter()
            .filter(|words| {
                words.len() <= tokens.len() - at
                    && words[1..]
                        .iter()
                        .zip(&tokens[at + 1..])
                        .all(|(w, t)| *w == t.text)
            })
            .map(Vec::len)
            .max()
    }
}

/// The phrase tables, made once.
fn tables() -> &'static [Phrases; 3] {
    static TABLES: OnceLock<[Phrases; 3]> = OnceLock::new();
    TABLES.get_or_init(|| {
        [
            Phrases::new(HONORIFICS),
            Phrases::new(ROLES),
            Phrases::new(LEADING_ARTICLES),
        ]
    })
}

/// The length of the longest entry of a list that starts at `at`.
fn longest_at(tokens: &[Token], at: usize, list: List) -> Option<usize> {
    tables()[list as usize].longest_at(tokens, at)
}

/// The phrase lists, as [`tables`] orders them.
#[derive(Clone, Copy)]
enum List {
    Honorifics,
    Roles,
    LeadingArticles,
}

/// The length of the longest title (honorific or role) that starts at `at`.
fn title_at(tokens: &[Token], at: usize) -> Option<usize> {
    // "H.E." (His Excellency) is a title; the surname "He" is not.
    let excellency = tokens
        .get(at)
        .is_some_and(|t| t.initials.len() == 2 && t.text == "he")
        .then_some(1);
    longest_at(tokens, at, List::Honorifics)
        .max(longest_at(tokens, at, List::Roles))
        .max(excellency)
}

/// Where the name starts once leading articles, titles and roles (with the words that qualify a
/// role) are skipped. Returns `None` when there is nothing to skip or when nothing but titles is
/// left, so that a lone "President" is never reduced to an empty name.
pub(crate) fn name_start(tokens: &[Token]) -> Option<usize> {
    let mut at = 0;
    // Qualifiers before a role: "Israeli Prime Minister ...", "former US President ...".
    for skip in 1..=MAX_WORDS_BEFORE_ROLE {
        if skip < tokens.len()
            && title_at(tokens, 0).is_none()
            && longest_at(tokens, skip, List::Roles).is_some()
        {
            at = skip;
            break;
        }
    }
    loop {
        if let Some(n) = longest_at(tokens, at, List::LeadingArticles) {
            at += n;
        } else if let Some(n) = title_at(tokens, at) {
            at += n;
        } else {
            break;
        }
    }
    (at > 0 && at < tokens.len()).then_some(at)
}

/// Where a run of titles and roles that ends right before `end` starts ("President" before
/// "Tokayev", "Prime Minister" before "Benjamin Netanyahu"), or `None` when none does.
pub(crate) fn titles_before(tokens: &[Token], end: usize) -> Option<usize> {
    let mut start = end;
    // The longest title that ends where the run starts, again and again ("Prime Minister",
    // then "H.E.").
    while let Some(from) =
        (start.saturating_sub(4)..start).find(|&from| title_at(tokens, from) == Some(start - from))
    {
        start = from;
    }
    (start < end).then_some(start)
}

/// True when every token belongs to a title, a role or an article ("President", "Mr", "the
/// Prime Minister"): such a query names nobody.
pub(crate) fn is_only_titles(tokens: &[Token]) -> bool {
    let mut at = 0;
    let mut saw_title = false;
    while at < tokens.len() {
        if let Some(n) = title_at(tokens, at) {
            at += n;
            saw_title = true;
        } else if let Some(n) = longest_at(tokens, at, List::LeadingArticles) {
            at += n;
        } else {
            return false;
        }
    }
    saw_title
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalizer;

    fn stripped(text: &str) -> String {
        let tokens = Normalizer::new().tokens(text);
        let at = name_start(&tokens).unwrap_or(0);
        tokens[at..]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn strips_titles_and_roles() {
        assert_eq!(stripped("President Tokayev"), "tokayev");
        assert_eq!(stripped("President Donald Trump"), "donald trump");
        assert_eq!(
            stripped("Israeli Prime Minister Benjamin Netanyahu"),
            "benjamin netanyahu"
        );
        assert_eq!(stripped("Kazakh President Tokayev"), "tokayev");
        assert_eq!(stripped("former US President Trump"), "trump");
        assert_eq!(stripped("H.E. Mr. Tokayev"), "tokayev");
        assert_eq!(stripped("Dr Jane Smith"), "jane smith");
        assert_eq!(stripped("Президент Токаев"), "tokaev");
        assert_eq!(stripped("The United Arab Emirates"), "united arab emirates");
        assert_eq!(stripped("Pres. Trump"), "trump");
        assert_eq!(stripped("POTUS Donald Trump"), "donald trump");
        assert_eq!(
            stripped("H.H. Sheikh Mohamed bin Zayed"),
            "mohamed bin zayed"
        );
        assert_eq!(
            stripped("HRH Crown Prince Mohammed bin Salman"),
            "mohammed bin salman"
        );
        assert_eq!(stripped("His Majesty King Mohammed VI"), "mohammed vi");
    }

    #[test]
    fn keeps_names_without_titles_and_lone_titles() {
        assert_eq!(stripped("Benjamin Netanyahu"), "benjamin netanyahu");
        assert_eq!(stripped("President"), "president");
        assert_eq!(stripped("Prime Minister"), "prime minister");
    }

    #[test]
    fn finds_titles_before_a_name() {
        let n = Normalizer::new();
        let t = n.tokens("said Israeli Prime Minister Benjamin Netanyahu");
        assert_eq!(titles_before(&t, 4), Some(2));
        let t = n.tokens("President Kassym-Jomart Tokayev");
        assert_eq!(titles_before(&t, 1), Some(0));
        assert_eq!(titles_before(&t, 0), None);
        let t = n.tokens("Kazakhstan Tokayev");
        assert_eq!(titles_before(&t, 1), None);
    }

    #[test]
    fn recognises_lone_titles() {
        let n = Normalizer::new();
        assert!(is_only_titles(&n.tokens("President")));
        assert!(is_only_titles(&n.tokens("the Prime Minister")));
        assert!(is_only_titles(&n.tokens("Mr.")));
        assert!(!is_only_titles(&n.tokens("President Tokayev")));
        assert!(!is_only_titles(&n.tokens("the")));
        assert!(!is_only_titles(&n.tokens("")));
    }
}
