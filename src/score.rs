//! Scoring: how well a query matches one candidate alias, as a number in [0, 1] with the evidence
//! behind it.
//!
//! Whole-key matches score near 1 (exact 1.0; exact once titles are removed 0.99 (0.94 for short titles like "Dr"); the same letters
//! with different spacing 0.97; a generated acronym 0.93). Otherwise query tokens are aligned one
//! to one with alias tokens, each pair scored by `token_similarity`, and the score combines
//! - the mean similarity of the aligned pairs,
//! - how much of the query is covered (squared: an unexplained query word is strong evidence
//!   against a match, as in "Washington Institute" against "Washington Post"),
//! - how much of the alias is covered (a surname alone covers part of a person's name; "Africa"
//!   covers only part of "South Africa", which is not enough for a non-person).
//!
//! Tokens are weighted by rarity (inverse document frequency over entities), so a rare surname
//! counts for more than "republic" or "of".

use std::fmt::Write as _;

use smallvec::SmallVec;

use crate::index::{token_weight, Alias, Index};
use crate::normalize::drift::first_sound;
use crate::normalize::legal::is_legal_form;
use crate::query::MAX_NAME_TOKENS;

/// Score of an exact match of the whole normalized key.
pub(crate) const EXACT: f32 = 1.0;
/// Score of a match of the key without spaces ("U A E", "Kassymjomart").
pub(crate) const COMPACT: f32 = 0.97;
/// Score of a generated acronym matched whole.
pub(crate) const ACRONYM: f32 = 0.93;
/// Similarity of two spellings of one romanized name ("Tokayev" and "Tokajew").
pub(crate) const DRIFT: f32 = 0.95;
/// Similarity of a nickname to the name it stands for ("Bob" and "Robert").
pub(crate) const NICKNAME: f32 = 0.9;
/// Similarity of an abbreviation to the word it stands for ("Rep." and "Republic"): above an
/// initial's, since it says more of the word.
pub(crate) const ABBREVIATION: f32 = 0.95;
/// Similarity of an initial to a word it may stand for ("K." and "Kassym").
const INITIAL: f32 = 0.9;
/// How much of an alias word an initial standing for it covers.
const INITIAL_COVERAGE: f32 = 0.8;
/// Factor applied when aligned tokens are in a different order ("Tokayev, Kassym-Jomart").
const REORDERED: f32 = 0.97;
/// Share of its weight an unaligned middle name in a person query keeps.
const MIDDLE_NAME_WEIGHT: f32 = 0.1;
/// Share of the score kept, whatever the alias coverage, when a person's surname matches.
const SURNAME_BASE: f32 = 0.88;
/// The same share for anything else.
const PARTIAL_BASE: f32 = 0.5;

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
}

impl Method {
    /// A short lowercase name: "exact", "exact_without_titles", "compact", "acronym", "tokens",
    /// "spelling".
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::ExactWithoutTitles => "exact_without_titles",
            Method::Compact => "compact",
            Method::Acronym => "acronym",
            Method::Tokens => "tokens",
            Method::Spelling => "spelling",
        }
    }

    /// The method [`Method::as_str`] names, if any.
    pub fn from_name(name: &str) -> Option<Method> {
        [
            Method::Exact,
            Method::ExactWithoutTitles,
            Method::Compact,
            Method::Acronym,
            Method::Tokens,
            Method::Spelling,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
    }
}

/// One query token with its known vocabulary matches.
#[derive(Clone, Debug)]
pub(crate) struct QueryToken {
    pub text: String,
    /// The vocabulary id when the token is known exactly.
    pub exact: Option<u32>,
    /// Other vocabulary tokens it may stand for, with their similarity and relation.
    pub fuzzy: Vec<(u32, f32, Relation)>,
    /// True when the token is an initial ("K.", or one letter of "J.-C."), which may stand for
    /// any word that starts with it.
    pub initial: bool,
}

/// Similarity of two tokens `edits` apart: 1 for equal tokens, falling with each edit faster for
/// short tokens than for long ones, so one wrong letter in a short name counts for more.
///
/// A different first letter costs more: people seldom mistype it, and names that differ there
/// are usually other names ("Luanda" and "Ruanda", "Manama" and "Panama").
pub(crate) fn token_similarity(a: &str, b: &str, edits: usize) -> f32 {
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

/// Extra cost of a typo that changes the first letter.
const FIRST_LETTER_PENALTY: f32 = 0.1;

/// The shortest whole name compared letter by letter (see [`score_spelling`]).
const MIN_SPELLING_LEN: usize = 8;

/// Scores a query against an alias as two strings without spaces, for typos that token
/// alignment cannot see: a broken short word, a missing or extra space. The same length-scaled
/// edit budget and similarity apply as for a single token.
pub(crate) fn score_spelling(query: &str, alias: &str) -> Option<f32> {
    let len = query.len().max(alias.len());
    if len < MIN_SPELLING_LEN {
        return None;
    }
    let budget = crate::index::edit_budget(len);
    let edits = crate::distance::bounded_osa(query.as_bytes(), alias.as_bytes(), budget)?;
    Some(token_similarity(query, alias, edits))
}

/// How a query token relates to the alias token it is aligned with.
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
    fn label(self) -> &'static str {
        match self {
            Relation::Same => "",
            Relation::Typo => " typo",
            Relation::Romanization => " romanization",
            Relation::Nickname => " nickname",
            Relation::Abbreviation => " abbreviation",
            Relation::Initial => " initial",
        }
    }

    /// True when the relation shows the two words are the same word: a nickname, an
    /// abbreviation or an initial alone does not show a name.
    fn is_same_word(self) -> bool {
        matches!(
            self,
            Relation::Same | Relation::Typo | Relation::Romanization
        )
    }
}

/// The similarity of query token `q` to vocabulary token `v`, and how they relate.
fn pair_similarity(q: &QueryToken, v: u32, index: &Index) -> Option<(f32, Relation)> {
    if q.exact == Some(v) {
        return Some((1.0, Relation::Same));
    }
    if let Some(&(_, s, relation)) = q.fuzzy.iter().find(|(id, _, _)| *id == v) {
        return Some((s, relation));
    }
    // Initials: the query's ("K." for "Kassym") or the alias's ("J." in "Donald J. Trump").
    let q_initial = q.initial || q.text.len() == 1;
    if !q_initial && index.word_len(v) != 1 {
        return None;
    }
    let word = index.word(v);
    let stands_for = |initial: &str, long: &str| {
        long.len() > initial.len()
            && (long.starts_with(initial)
                || first_sound(initial).is_some_and(|s| first_sound(long) == Some(s)))
    };
    if (q_initial && stands_for(&q.text, word)) || (word.len() == 1 && stands_for(word, &q.text)) {
        return Some((INITIAL, Relation::Initial));
    }
    None
}

/// The result of scoring one alias token by token.
#[derive(Clone, Debug)]
pub(crate) struct TokenScore {
    pub score: f32,
    /// Which tokens met which, and why the score is what it is; written only when asked for.
    pub evidence: String,
}

/// Scores query tokens against an alias token by token; with `explain`, also writes the
/// evidence (only done for the matches a caller gets back).
pub(crate) fn score_tokens(
    query: &[QueryToken],
    alias: &Alias<'_>,
    index: &Index,
    person: bool,
    explain: bool,
) -> Option<TokenScore> {
    // An alias of very many words is matched whole only, as a query is.
    if query.is_empty() || alias.tokens.is_empty() || alias.tokens.len() > MAX_NAME_TOKENS {
        return None;
    }
    // All pairs with any similarity, best first, then a greedy one-to-one alignment.
    let mut pairs: SmallVec<[(f32, Relation, usize, usize); 16]> = SmallVec::new();
    for (i, q) in query.iter().enumerate() {
        for (j, &v) in alias.tokens.iter().enumerate() {
            if let Some((s, relation)) = pair_similarity(q, v, index) {
                pairs.push((s, relation, i, j));
            }
        }
    }
    // A nickname or initials alone do not name anyone ("Benjamin" is not "Bibi").
    if !pairs.iter().any(|p| p.1.is_same_word()) {
        return None;
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    let mut q_match: SmallVec<[Option<(usize, f32, Relation)>; 8]> =
        smallvec::smallvec![None; query.len()];
    let mut a_used: SmallVec<[bool; 16]> = smallvec::smallvec![false; alias.tokens.len()];
    for &(s, relation, i, j) in &pairs {
        if q_match[i].is_none() && !a_used[j] {
            q_match[i] = Some((j, s, relation));
            a_used[j] = true;
        }
    }
    let alias_weight = |j: usize| index.weight(alias.tokens[j]);
    // A word of a person's query between two aligned words is a middle name or patronymic the
    // knowledge base leaves out ("Nursultan Abishuly Nazarbayev").
    let first = q_match.iter().position(Option::is_some);
    let last = q_match.iter().rposition(Option::is_some);
    let is_middle =
        |i: usize| person && first.is_some_and(|f| f < i) && last.is_some_and(|l| i < l);
    let query_weight = |i: usize| match q_match[i] {
        Some((j, _, _)) => alias_weight(j),
        None => {
            let w = query[i].exact.map_or_else(
                || token_weight(&query[i].text, index.max_idf()),
                |v| index.weight(v),
            );
            if is_middle(i) {
                w * MIDDLE_NAME_WEIGHT
            } else {
                w
            }
        }
    };

    let (mut sim_sum, mut matched_q, mut total_q) = (0.0f32, 0.0f32, 0.0f32);
    let mut matched_a = 0.0f32;
    let mut evidence = String::new();
    let mut last_j = None;
    let mut in_order = true;
    for (i, m) in q_match.iter().enumerate() {
        let w = query_weight(i);
        total_q += w;
        if let Some((j, s, relation)) = *m {
            sim_sum += w * s;
            matched_q += w;
            let covers = if relation == Relation::Initial {
                INITIAL_COVERAGE
            } else {
                1.0
            };
            matched_a += covers * alias_weight(j);
            // Legal forms stand before or after the name as the language has it.
            if !is_legal_form(&query[i].text) {
                if last_j.is_some_and(|l| l > j) {
                    in_order = false;
                }
                last_j = Some(j);
            }
            if !explain {
                continue;
            }
            let sep = if evidence.is_empty() { "" } else { ", " };
            let _ = write!(
                evidence,
                "{sep}{}~{} {s:.2}{}",
                query[i].text,
                index.word(alias.tokens[j]),
                relation.label()
            );
        }
    }
    if matched_q == 0.0 {
        return None;
    }
    let total_a: f32 = (0..alias.tokens.len()).map(alias_weight).sum();
    let sim = sim_sum / matched_q;
    let cov_q = matched_q / total_q;
    let cov_a = (matched_a / total_a).min(1.0);
    let order = if in_order { 1.0 } else { REORDERED };

    let last = alias.tokens.len() - 1;
    let surname = person
        && alias.tokens.len() > 1
        && q_match
            .iter()
            .flatten()
            .any(|&(j, s, relation)| j == last && relation.is_same_word() && s >= 0.85);
    let base = if surname { SURNAME_BASE } else { PARTIAL_BASE };
    let score = sim * cov_q * cov_a.max(0.0).mul_add(1.0 - base, base) * cov_q * order;
    // A full cover (every token of both sides aligned) is judged on similarity alone.
    let score = if cov_q >= 1.0 && cov_a >= 0.999 {
        sim * order
    } else {
        score.min(sim * order)
    };

    if !explain {
        return Some(TokenScore {
            score: score.clamp(0.0, 1.0),
            evidence,
        });
    }
    if !in_order {
        evidence.push_str("; reordered");
    }
    if cov_a < 0.999 {
        let _ = write!(evidence, "; covers {:.0}% of the alias", cov_a * 100.0);
        if surname {
            evidence.push_str(" (surname)");
        }
    }
    if cov_q < 1.0 {
        let _ = write!(
            evidence,
            "; {:.0}% of the query unexplained",
            (1.0 - cov_q) * 100.0
        );
    }
    Some(TokenScore {
        score: score.clamp(0.0, 1.0),
        evidence,
    })
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
    fn spelling_sees_broken_words_and_spaces() {
        assert!(score_spelling("faxinalosoturno", "faxinaldosoturno").unwrap() > 0.95);
        assert!(score_spelling("huntingtonnwoods", "huntingtonwoods").unwrap() > 0.95);
        assert!(score_spelling("janesmith", "johnsmith").is_none());
        assert!(
            score_spelling("niger", "nigeria").is_none(),
            "too short to spell out"
        );
    }
}
