//! The matching rules every stage shares: how long a name may be, how many edits a word may be
//! off by, what a word weighs, what each kind of evidence scores, how two words relate, and how
//! near-ties are broken.
//!
//! This module sits below the index, the scorer, the resolver and the linker, and imports only
//! [`normalize`](mod@crate::normalize): a change to how names are matched starts here, and every stage reads
//! the same rule.
//!
//! ```
//! use canonica::rules::{edit_budget, token_similarity};
//! // Short words get no typo budget: one wrong letter in "Oman" makes another word.
//! assert_eq!(edit_budget("oman".len() - 1), 0);
//! assert_eq!(edit_budget("kazakhstan".len()), 2);
//! // One typo costs a long word less than a short one.
//! assert!(token_similarity("kazakhstan", "kazakstan", 1) > token_similarity("oman", "omen", 1));
//! ```

use std::fmt;

use crate::normalize::legal::is_legal_form;

// ---------------------------------------------------------------------------------------------
// Limits on what is compared
// ---------------------------------------------------------------------------------------------

/// Names of more words than this, or of more bytes than [`MAX_NAME_BYTES`], are matched by
/// whole keys only (exact, without titles, legal forms folded, without spaces): no name is that
/// long, and comparing word by word costs the product of the two names' lengths. An alias of
/// more words is likewise matched whole only and is no token candidate.
pub(crate) const MAX_NAME_TOKENS: usize = 64;
/// See [`MAX_NAME_TOKENS`].
pub(crate) const MAX_NAME_BYTES: usize = 4096;

/// The longest span of tokens linking looks up as one name; the index keeps the first words of
/// names up to this length so that a span stops growing as soon as no name starts with it.
pub const MAX_SPAN: usize = 8;

/// Tokens shorter than this are compared letter for letter, without romanization drift: they
/// are often acronyms, and "ROK" is not "ROC".
pub(crate) const MIN_DRIFT_LEN: usize = 5;

/// How many edits a token of this length may differ by and still be a fuzzy match. Short tokens
/// get none: one wrong letter in "Oman" makes another word, and a fuzzy lookup of every
/// three-letter word would touch much of the vocabulary.
pub fn edit_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

// ---------------------------------------------------------------------------------------------
// What a word weighs
// ---------------------------------------------------------------------------------------------

/// Small words: left out when acronyms are generated ("Kingdom of Saudi Arabia" -> KSA) and
/// weighted lightly when scoring.
pub const SMALL_WORDS: &[&str] = &[
    "of", "the", "and", "for", "de", "du", "des", "la", "le", "el", "der", "die", "das", "und",
    "et",
];

/// True for one of the [`SMALL_WORDS`].
pub fn is_small_word(token: &str) -> bool {
    SMALL_WORDS.contains(&token)
}

/// Share of its rarity weight a folded legal form or a small word keeps: "Ltd" says little about
/// which company, "the" and "of" little about anything.
const LIGHT_WEIGHT: f32 = 0.05;

/// The weight of a token of the given rarity (its inverse document frequency over entities).
pub(crate) fn token_weight(token: &str, idf: f32) -> f32 {
    weigh(is_light(token), idf)
}

/// True for a token that weighs lightly: a folded legal form or a small word.
pub(crate) fn is_light(token: &str) -> bool {
    is_legal_form(token) || is_small_word(token)
}

/// The weight of a token of the given rarity, light or not (see [`is_light`]).
pub(crate) fn weigh(light: bool, idf: f32) -> f32 {
    if light {
        idf * LIGHT_WEIGHT
    } else {
        idf
    }
}

/// The inverse document frequency of a token that `df` of `entities` entities hold.
pub(crate) fn idf(entities: usize, df: u32) -> f32 {
    let n = entities.max(1) as f32;
    (1.0 + n / df.max(1) as f32).ln()
}

/// The weight of a query token the vocabulary has never seen: the rarest there can be.
pub(crate) fn max_idf(entities: usize) -> f32 {
    (1.0 + entities.max(1) as f32).ln()
}

// ---------------------------------------------------------------------------------------------
// What each kind of evidence scores
// ---------------------------------------------------------------------------------------------

/// Score of an exact match of the whole normalized key.
pub(crate) const EXACT: f32 = 1.0;
/// Score of a match of the key without spaces ("U A E", "Kassymjomart").
pub(crate) const COMPACT: f32 = 0.97;
/// Score of a generated acronym matched whole.
pub(crate) const ACRONYM: f32 = 0.93;
/// Score of a name in Han characters or kana that equals a Latin alias once romanized
/// ("习近平", "Xi Jinping"): below an acronym's, since a character may have other readings.
pub(crate) const ROMANIZED: f32 = 0.9;
/// Factor on the scores of a reading that leaves out a short title ("Dr", "Mr", "PM"): such
/// words may be part of the name instead ("DR Congo" is not "Dr. Congo").
pub(crate) const WITHOUT_SHORT_TITLES: f32 = 0.94;
/// Factor on the scores of a reading that leaves out a title written as a word ("President"):
/// a little below 1, so that a name that holds the word ("King's Lynn") beats the name without
/// it ("Lynn").
pub(crate) const WITHOUT_TITLES: f32 = 0.99;

/// Similarity of two spellings of one romanized name ("Tokayev" and "Tokajew").
pub const DRIFT: f32 = 0.95;
/// Similarity of a nickname to the name it stands for ("Bob" and "Robert").
pub(crate) const NICKNAME: f32 = 0.9;
/// Similarity of an abbreviation to the word it stands for ("Rep." and "Republic"): above an
/// initial's, since it says more of the word.
pub(crate) const ABBREVIATION: f32 = 0.95;
/// Similarity of an initial to a word it may stand for ("K." and "Kassym").
pub(crate) const INITIAL: f32 = 0.9;
/// How much of an alias word an initial standing for it covers.
pub(crate) const INITIAL_COVERAGE: f32 = 0.8;
/// Factor applied when aligned tokens are in a different order ("Tokayev, Kassym-Jomart").
pub(crate) const REORDERED: f32 = 0.97;
/// Share of its weight an unaligned middle name in a person query keeps.
pub(crate) const MIDDLE_NAME_WEIGHT: f32 = 0.1;
/// Share of the score kept, whatever the alias coverage, when a person's surname matches.
pub(crate) const SURNAME_BASE: f32 = 0.88;
/// The same share for anything else.
pub(crate) const PARTIAL_BASE: f32 = 0.5;
/// The least similarity at which an aligned last word counts as a person's surname.
pub(crate) const SURNAME_SIMILARITY: f32 = 0.85;

/// The shortest whole name compared letter by letter (see [`crate::score::score_spelling`]).
pub(crate) const MIN_SPELLING_LEN: usize = 8;
/// The same for a query of several words one of which is too short to have a typo budget of
/// its own: a typo there ("Kỳ Mnh" for "Kỳ Anh", "om Sak" for "Lom Sak") is seen only in the
/// spelling of the whole name.
pub(crate) const MIN_WORDS_SPELLING_LEN: usize = 5;

/// The shortest whole spelling compared letter by letter for a query of these words. Folded
/// legal forms are not spelled ("Atos SE" is spelled `atos`), so they do not count.
pub(crate) fn min_spelling_len<'w>(words: impl IntoIterator<Item = &'w str>) -> usize {
    let (mut spelled, mut short) = (0, false);
    for word in words.into_iter().filter(|w| !is_legal_form(w)) {
        spelled += 1;
        short |= edit_budget(word.len()) == 0;
    }
    if spelled >= 2 && short {
        MIN_WORDS_SPELLING_LEN
    } else {
        MIN_SPELLING_LEN
    }
}

/// Extra cost of a typo that changes the first letter.
const FIRST_LETTER_PENALTY: f32 = 0.1;

/// Similarity of two tokens `edits` apart: 1 for equal tokens, falling with each edit faster for
/// short tokens than for long ones, so one wrong letter in a short name counts for more.
///
/// A different first letter costs more: people seldom mistype it, and names that differ there
/// are usually other names ("Luanda" and "Ruanda", "Manama" and "Panama").
pub fn token_similarity(a: &str, b: &str, edits: usize) -> f32 {
    let len = a.len().max(b.len()).max(1);
    // Each edit costs a share of the length; in long words a little less, since they keep
    // enough letters to be recognised through two typos.
    let per_edit = match len {
        0..=5 => 0.8,
        6..=9 => 0.75,
        _ => 0.6,
    } / len as f32;
    let first = if len <= 7 && a.as_bytes().first() != b.as_bytes().first() && !swapped_start(a, b)
    {
        FIRST_LETTER_PENALTY
    } else {
        0.0
    };
    (1.0 - per_edit * edits as f32 - first).max(0.0)
}

/// True when `a` and `b` start with the same two letters in the other order ("Ocdru", "Codru"):
/// a slip of the fingers that keeps both first letters, rather than another name.
fn swapped_start(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() >= 2 && b.len() >= 2 && a[0] == b[1] && a[1] == b[0]
}

// ---------------------------------------------------------------------------------------------
// Kinds of evidence
// ---------------------------------------------------------------------------------------------

/// How a match was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// The whole normalized query equals the alias.
    Exact,
    /// The query equals the alias once titles and roles are removed.
    ExactWithoutTitles,
    /// The query equals the alias once spaces are removed.
    Compact,
    /// The query equals an acronym generated from the alias.
    Acronym,
    /// Token by token, possibly with typos, initials or words missing.
    Tokens,
    /// The whole name spelled within an edit or two, where a typo broke a word apart or hit a
    /// short word ("Faxinal o Soturno", "Huntington Wods").
    Spelling,
    /// A name in Han characters or kana equals the alias once romanized ("习近平", "Xi Jinping").
    Romanized,
}

impl Method {
    /// Every method, in the order of the enum.
    const ALL: [Method; 7] = [
        Method::Exact,
        Method::ExactWithoutTitles,
        Method::Compact,
        Method::Acronym,
        Method::Tokens,
        Method::Spelling,
        Method::Romanized,
    ];

    /// A short lowercase name: "exact", "exact_without_titles", "compact", "acronym", "tokens",
    /// "spelling", "romanized".
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::ExactWithoutTitles => "exact_without_titles",
            Method::Compact => "compact",
            Method::Acronym => "acronym",
            Method::Tokens => "tokens",
            Method::Spelling => "spelling",
            Method::Romanized => "romanized",
        }
    }

    /// The method [`Method::as_str`] names, if any.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// The name Python shows as `Match.method`.
///
/// ```
/// assert_eq!(canonica::Method::ExactWithoutTitles.to_string(), "exact_without_titles");
/// ```
impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a query word relates to the alias word it is aligned with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    /// The same token.
    Same,
    /// Within the edit budget.
    Typo,
    /// Another romanization of the same name ("Tokajew", "Tokayev").
    Romanization,
    /// A nickname or short form ("Bob", "Robert").
    Nickname,
    /// An abbreviation of the word ("Rep.", "Republic").
    Abbreviation,
    /// An initial of the word ("K.", "Kassym").
    Initial,
}

impl Relation {
    /// The word evidence shows after a pair of this relation; empty for the same word.
    pub fn label(self) -> &'static str {
        match self {
            Relation::Same => "",
            Relation::Typo => "typo",
            Relation::Romanization => "romanization",
            Relation::Nickname => "nickname",
            Relation::Abbreviation => "abbreviation",
            Relation::Initial => "initial",
        }
    }

    /// True when the relation shows the two words are the same word: a nickname, an
    /// abbreviation or an initial alone does not show a name.
    pub fn is_same_word(self) -> bool {
        matches!(
            self,
            Relation::Same | Relation::Typo | Relation::Romanization
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Near-ties
// ---------------------------------------------------------------------------------------------

/// Weight of whole-name Jaro-Winkler similarity in a token score: small, it only orders near
/// ties.
pub(crate) const TIE_LEAN: f32 = 0.01;
/// Token scores below this are far from any threshold and are not leaned.
pub(crate) const TIE_LEAN_FROM: f32 = 0.7;

/// A token score leaned by the whole-spelling similarity `jaro_winkler`, so that near ties
/// between typo matches go to the closer spelling.
pub(crate) fn lean(score: f32, jaro_winkler: f32) -> f32 {
    (score + TIE_LEAN * jaro_winkler - TIE_LEAN).max(0.0)
}

/// How many times the weight of every other rival an entity needs to win a near-tie.
const WEIGHT_TIE_BREAK: f64 = 2.0;

/// The position of the item that outweighs every other by [`WEIGHT_TIE_BREAK`], if one does:
/// how near-ties between entities are broken, in resolution and in linking alike. A weight of 0
/// outweighs nothing: two entities of weight 0 stay tied.
pub(crate) fn clearly_heaviest(weights: &[f64]) -> Option<usize> {
    let (best, &w) = weights
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let clear = weights
        .iter()
        .enumerate()
        .all(|(i, &other)| i == best || w >= WEIGHT_TIE_BREAK * other);
    (w > 0.0 && clear).then_some(best)
}

// ---------------------------------------------------------------------------------------------
// One word against another
// ---------------------------------------------------------------------------------------------

/// How alike a query word is to a knowledge-base word by spelling alone, under the rules the
/// resolver relates words by: 1 for the same word; [`token_similarity`] for a typo within the
/// [`edit_budget`] of the longer word; [`DRIFT`] for another romanization (the same drift key,
/// both words of five letters or more); the higher of the two when both; 0 otherwise.
/// Words from lossy scripts (marked, see [`match_words`](crate::normalize::match_words)) and
/// legal forms in the knowledge base are only ever the same word.
///
/// The resolver finds such words through its index; this gives the rule for one pair, for tools
/// that judge names without building a resolver. Nicknames, abbreviations and initials are
/// not counted.
///
/// ```
/// use canonica::rules::{token_similarity, word_similarity, DRIFT};
/// assert_eq!(word_similarity("tokayev", "tokayev"), 1.0);
/// let one_typo = token_similarity("kazakstan", "kazakhstan", 1);
/// assert_eq!(word_similarity("kazakstan", "kazakhstan"), one_typo);
/// assert_eq!(word_similarity("tokajew", "tokayev"), DRIFT);
/// assert_eq!(word_similarity("rok", "roc"), 0.0); // too short for a typo
/// assert_eq!(word_similarity("luanda", "^luanda"), 0.0); // Latin never meets Han
/// ```
pub fn word_similarity(query: &str, word: &str) -> f32 {
    use crate::normalize::{drift::drift_key, is_lossy_text};
    if query == word {
        return 1.0;
    }
    if is_lossy_text(query) || is_lossy_text(word) || is_legal_form(word) {
        return 0.0;
    }
    // What the index's bounded edit distance computes (src/distance.rs checks they agree).
    let edits = strsim::osa_distance(query, word);
    let typo = if edits <= edit_budget(query.len().max(word.len())) {
        token_similarity(query, word, edits)
    } else {
        0.0
    };
    let romanization =
        query.len().min(word.len()) >= MIN_DRIFT_LEN && drift_key(query) == drift_key(word);
    if romanization {
        typo.max(DRIFT)
    } else {
        typo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_cost_more_in_short_tokens() {
        let long = token_similarity("kazakhstan", "kazakstan", 1);
        let short = token_similarity("oman", "omen", 1);
        assert!(long > 0.9 && short < 0.85, "{long} {short}");
        assert_eq!(token_similarity("niger", "niger", 0), 1.0);
        assert!(token_similarity("luanda", "ruanda", 1) < 0.8);
    }

    #[test]
    fn swapped_first_letters_cost_like_any_typo() {
        let swapped = token_similarity("ocdru", "codru", 1);
        let inside = token_similarity("cdoru", "codru", 1);
        assert_eq!(swapped, inside);
        assert!(token_similarity("nodru", "codru", 1) < swapped);
    }

    #[test]
    fn edit_budget_grows_with_length() {
        assert_eq!(edit_budget(3), 0);
        assert_eq!(edit_budget(5), 1);
        assert_eq!(edit_budget(9), 2);
    }

    #[test]
    fn methods_display_as_python_shows_them() {
        for m in Method::ALL {
            assert_eq!(m.to_string(), m.as_str());
            assert_eq!(Method::from_name(&m.to_string()), Some(m));
        }
    }

    #[test]
    fn a_clear_weight_breaks_a_tie() {
        assert_eq!(clearly_heaviest(&[1.0, 3.0]), Some(1));
        assert_eq!(clearly_heaviest(&[2.0, 3.0]), None);
        assert_eq!(clearly_heaviest(&[]), None);
        assert_eq!(clearly_heaviest(&[0.0, 0.5]), Some(1));
        assert_eq!(clearly_heaviest(&[0.0, 0.0]), None);
    }
}
