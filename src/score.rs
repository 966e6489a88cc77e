//! Scoring: how well a query matches one candidate alias, as a number in [0, 1], and the
//! evidence behind it.
//!
//! Whole-key matches score near 1 (exact 1.0; exact once titles are removed 0.99, or 0.94 for
//! short titles like "Dr"; the same letters with different spacing 0.97; a generated acronym
//! 0.93). Otherwise query words are aligned one to one with alias words ([`align`]), each pair
//! scored by [`token_similarity`](crate::rules::token_similarity), and [`Alignment::score`]
//! combines
//! - the mean similarity of the aligned pairs,
//! - how much of the query is covered (squared: an unexplained query word is strong evidence
//!   against a match, as in "Washington Institute" against "Washington Post"),
//! - how much of the alias is covered (a surname alone covers part of a person's name; "Africa"
//!   covers only part of "South Africa", which is not enough for a non-person).
//!
//! Tokens are weighted by rarity (inverse document frequency over entities), so a rare surname
//! counts for more than "republic" or "of".
//!
//! Scoring and explaining start from the same [`Alignment`]: [`Alignment::score`] turns it into a
//! number, [`Alignment::explain`] into [`Evidence`], which is only built for the matches a caller
//! gets back.

use std::fmt;

use smallvec::SmallVec;

use crate::distance::bounded_osa;
use crate::index::{Alias, Index};
use crate::normalize::drift::first_sound;
use crate::normalize::legal::is_legal_form;
use crate::query::{KeyKind, QueryToken};
use crate::rules::{
    edit_budget, token_similarity, token_weight, Relation, INITIAL, INITIAL_COVERAGE,
    MAX_NAME_TOKENS, MIDDLE_NAME_WEIGHT, PARTIAL_BASE, REORDERED, SURNAME_BASE, SURNAME_SIMILARITY,
};

/// Scores a query against an alias as two strings without spaces, for typos that token
/// alignment cannot see: a broken short word, a missing or extra space. The same length-scaled
/// edit budget and similarity apply as for a single token. Spellings shorter than `shortest`
/// are not compared (see [`crate::rules::min_spelling_len`]).
pub(crate) fn score_spelling(query: &str, alias: &str, shortest: usize) -> Option<f32> {
    let len = query.len().max(alias.len());
    if len < shortest {
        return None;
    }
    let edits = bounded_osa(query.as_bytes(), alias.as_bytes(), edit_budget(len))?;
    Some(token_similarity(query, alias, edits))
}

/// The similarity of query word `q` to vocabulary token `v`, and how they relate.
fn pair_similarity(q: &QueryToken, v: u32, index: &Index) -> Option<(f32, Relation)> {
    if q.exact == Some(v) {
        return Some((1.0, Relation::Same));
    }
    if let Some(r) = q.related.iter().find(|r| r.token == v) {
        return Some((r.similarity, r.relation));
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

/// The alias word a query word is aligned with.
#[derive(Clone, Copy, Debug)]
struct AlignedWord {
    /// Position of the word in the alias.
    alias_word: usize,
    similarity: f32,
    relation: Relation,
}

/// A query reading aligned word by word with one alias: which query word met which alias word,
/// and how much of each side the aligned words cover.
pub(crate) struct Alignment<'a> {
    query: &'a [QueryToken],
    alias: &'a [u32],
    /// For each query word, the alias word it met, if any.
    words: SmallVec<[Option<AlignedWord>; 8]>,
    /// Weighted mean similarity of the aligned pairs.
    similarity: f32,
    /// Share of the query's weight that aligned words carry.
    query_coverage: f32,
    /// Share of the alias's weight that aligned words cover, at most 1.
    alias_coverage: f32,
    /// False when aligned words come in another order than the alias's ("Tokayev, Kassym").
    in_order: bool,
    /// True when a person's last alias word (the surname) met the same word.
    surname: bool,
}

/// Aligns query words one to one with the words of `alias`, most similar pairs first; `None` when
/// nothing aligns as the same word (a nickname or initials alone do not name anyone: "Benjamin"
/// is not "Bibi"). `person` says the alias is a person's, whose surname alone may match and
/// whose middle names may be left out.
pub(crate) fn align<'a>(
    query: &'a [QueryToken],
    alias: &Alias<'a>,
    index: &Index,
    person: bool,
) -> Option<Alignment<'a>> {
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
    if !pairs.iter().any(|p| p.1.is_same_word()) {
        return None;
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    let mut words: SmallVec<[Option<AlignedWord>; 8]> = smallvec::smallvec![None; query.len()];
    let mut a_used: SmallVec<[bool; 16]> = smallvec::smallvec![false; alias.tokens.len()];
    for &(similarity, relation, i, j) in &pairs {
        if words[i].is_none() && !a_used[j] {
            words[i] = Some(AlignedWord {
                alias_word: j,
                similarity,
                relation,
            });
            a_used[j] = true;
        }
    }
    let alias_weight = |j: usize| index.weight(alias.tokens[j]);
    // A word of a person's query between two aligned words is a middle name or patronymic the
    // knowledge base leaves out ("Nursultan Abishuly Nazarbayev").
    let first = words.iter().position(Option::is_some);
    let last = words.iter().rposition(Option::is_some);
    let is_middle =
        |i: usize| person && first.is_some_and(|f| f < i) && last.is_some_and(|l| i < l);
    let query_weight = |i: usize| match words[i] {
        Some(w) => alias_weight(w.alias_word),
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
    let mut last_j = None;
    let mut in_order = true;
    for (i, aligned) in words.iter().enumerate() {
        let w = query_weight(i);
        total_q += w;
        let Some(a) = aligned else { continue };
        sim_sum += w * a.similarity;
        matched_q += w;
        let covers = if a.relation == Relation::Initial {
            INITIAL_COVERAGE
        } else {
            1.0
        };
        matched_a += covers * alias_weight(a.alias_word);
        // Legal forms stand before or after the name as the language has it.
        if !is_legal_form(&query[i].text) {
            if last_j.is_some_and(|l| l > a.alias_word) {
                in_order = false;
            }
            last_j = Some(a.alias_word);
        }
    }
    if matched_q == 0.0 {
        return None;
    }
    let total_a: f32 = (0..alias.tokens.len()).map(alias_weight).sum();
    let last_word = alias.tokens.len() - 1;
    let surname = person
        && alias.tokens.len() > 1
        && words.iter().flatten().any(|a| {
            a.alias_word == last_word
                && a.relation.is_same_word()
                && a.similarity >= SURNAME_SIMILARITY
        });
    Some(Alignment {
        query,
        alias: alias.tokens,
        words,
        similarity: sim_sum / matched_q,
        query_coverage: matched_q / total_q,
        alias_coverage: (matched_a / total_a).min(1.0),
        in_order,
        surname,
    })
}

impl Alignment<'_> {
    /// The score of the alignment, in [0, 1].
    pub fn score(&self) -> f32 {
        let (sim, cov_q, cov_a) = (self.similarity, self.query_coverage, self.alias_coverage);
        let order = if self.in_order { 1.0 } else { REORDERED };
        let base = if self.surname {
            SURNAME_BASE
        } else {
            PARTIAL_BASE
        };
        let score = sim * cov_q * cov_a.max(0.0).mul_add(1.0 - base, base) * cov_q * order;
        // A full cover (every token of both sides aligned) is judged on similarity alone.
        let score = if cov_q >= 1.0 && cov_a >= 0.999 {
            sim * order
        } else {
            score.min(sim * order)
        };
        score.clamp(0.0, 1.0)
    }

    /// Which words met which, and why the score is what it is.
    pub fn explain(&self, index: &Index) -> TokenEvidence {
        let pairs = self
            .words
            .iter()
            .enumerate()
            .filter_map(|(i, aligned)| {
                aligned.map(|a| WordPair {
                    query: self.query[i].text.clone(),
                    alias: index.word(self.alias[a.alias_word]).to_string(),
                    similarity: a.similarity,
                    relation: a.relation,
                })
            })
            .collect();
        TokenEvidence {
            pairs,
            reordered: !self.in_order,
            alias_covered: (self.alias_coverage < 0.999).then_some(self.alias_coverage),
            surname: self.surname,
            query_unexplained: (self.query_coverage < 1.0).then_some(1.0 - self.query_coverage),
        }
    }
}

/// A query word and the alias word it met.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WordPair {
    pub query: String,
    pub alias: String,
    pub similarity: f32,
    pub relation: Relation,
}

/// The evidence of a word-by-word match.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TokenEvidence {
    /// The aligned pairs, in the query's order.
    pub pairs: Vec<WordPair>,
    /// True when the pairs come in another order than the alias's.
    pub reordered: bool,
    /// The share of the alias covered, when not all of it is.
    pub alias_covered: Option<f32>,
    /// True when the person's surname matched.
    pub surname: bool,
    /// The share of the query's weight left unexplained, when some is.
    pub query_unexplained: Option<f32>,
}

/// Why a candidate scored what it did.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Evidence {
    /// A whole key of the query is the alias's key.
    Key(KeyKind),
    /// The query matched word by word.
    Tokens(TokenEvidence),
    /// The whole name spelled within `budget` edits of the alias.
    Spelling {
        budget: usize,
        query: String,
        alias: String,
    },
    /// The alias is an acronym the index generated; how it matched.
    GeneratedAcronym(Box<Evidence>),
}

impl fmt::Display for WordPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}~{} {:.2}", self.query, self.alias, self.similarity)?;
        match self.relation.label() {
            "" => Ok(()),
            label => write!(f, " {label}"),
        }
    }
}

impl fmt::Display for TokenEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.pairs.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{pair}")?;
        }
        if self.reordered {
            f.write_str("; reordered")?;
        }
        if let Some(covered) = self.alias_covered {
            write!(f, "; covers {:.0}% of the alias", covered * 100.0)?;
            if self.surname {
                f.write_str(" (surname)")?;
            }
        }
        if let Some(unexplained) = self.query_unexplained {
            write!(f, "; {:.0}% of the query unexplained", unexplained * 100.0)?;
        }
        Ok(())
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Key(KeyKind::Exact) => f.write_str("exact"),
            Evidence::Key(KeyKind::WithoutTitles(titles)) => {
                write!(f, "exact after removing \"{titles}\"")
            }
            Evidence::Key(KeyKind::LegalFormsFolded) => f.write_str("exact, legal forms folded"),
            Evidence::Key(KeyKind::Compact) => f.write_str("same letters, other spacing"),
            Evidence::Key(KeyKind::Romanized { .. }) => f.write_str("same letters once romanized"),
            Evidence::Tokens(tokens) => tokens.fmt(f),
            Evidence::Spelling {
                budget,
                query,
                alias,
            } => write!(
                f,
                "whole name spelled within {budget} edits: {query} ~ {alias}"
            ),
            Evidence::GeneratedAcronym(how) => write!(f, "generated acronym; {how}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::min_spelling_len;

    #[test]
    fn spelling_sees_broken_words_and_spaces() {
        let one_word = min_spelling_len(["kyanh"]);
        assert!(score_spelling("faxinalosoturno", "faxinaldosoturno", one_word).unwrap() > 0.95);
        assert!(score_spelling("huntingtonnwoods", "huntingtonwoods", one_word).unwrap() > 0.95);
        assert!(score_spelling("janesmith", "johnsmith", one_word).is_none());
        assert!(
            score_spelling("niger", "nigeria", one_word).is_none(),
            "too short to spell out"
        );
        // A typo in a word of two letters, seen in the spelling of a name of two words.
        assert_eq!(
            min_spelling_len(["atos", "~se"]),
            one_word,
            "legal forms are not spelled"
        );
        assert_eq!(
            min_spelling_len(["anna", "maria"]),
            one_word,
            "no word too short for a typo"
        );
        let two_words = min_spelling_len(["ky", "anh"]);
        assert!(score_spelling("kymnh", "kyanh", two_words).unwrap() > 0.8);
        assert!(score_spelling("kymnh", "kyanh", one_word).is_none());
        assert!(score_spelling("deaar", "de", two_words).is_none());
    }

    #[test]
    fn evidence_reads_as_before() {
        let tokens = TokenEvidence {
            pairs: vec![
                WordPair {
                    query: "tokaev".into(),
                    alias: "tokayev".into(),
                    similarity: 0.8857,
                    relation: Relation::Typo,
                },
                WordPair {
                    query: "kassym".into(),
                    alias: "kassym".into(),
                    similarity: 1.0,
                    relation: Relation::Same,
                },
            ],
            reordered: true,
            alias_covered: Some(0.6),
            surname: true,
            query_unexplained: Some(0.25),
        };
        assert_eq!(
            tokens.to_string(),
            "tokaev~tokayev 0.89 typo, kassym~kassym 1.00; reordered; covers 60% of the alias \
             (surname); 25% of the query unexplained"
        );
        let acronym = Evidence::GeneratedAcronym(Box::new(Evidence::Key(KeyKind::Exact)));
        assert_eq!(acronym.to_string(), "generated acronym; exact");
        let titles = Evidence::Key(KeyKind::WithoutTitles("president".into()));
        assert_eq!(titles.to_string(), "exact after removing \"president\"");
    }
}
