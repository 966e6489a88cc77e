//! Candidate generation: of the aliases in the index, the few worth scoring for a query.
//!
//! Three sources, each pruned by what the scorer could make of it:
//! - [`token_candidates`]: aliases that share enough of the query's weight, word by word;
//! - [`closest_misses`]: of those that fell short token by token, the nearest in length, to be
//!   compared spelled whole;
//! - [`spelling_candidates`]: aliases a typo may have hidden from the word postings.

use rustc_hash::FxHashMap;

use crate::index::Index;
use crate::normalize::legal;
use crate::query::{Query, QueryToken};
use crate::rules::{edit_budget, token_weight};

/// When the union of postings would exceed this many aliases, the most common query tokens are
/// left out of candidate generation.
const MAX_CANDIDATES: usize = 20_000;

/// How many of the candidates that fall short token by token are compared spelled whole.
const SPELLING_CANDIDATES: usize = 32;

/// An alias with the best score its words earned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScoredAlias {
    pub score: f32,
    pub alias: u32,
}

/// The aliases worth scoring when only scores of at least `min_score` matter.
///
/// A token score is at most the squared share of the query's weight that an alias explains
/// (see [`crate::score`]), so a good enough alias must contain words of the query worth a
/// given share of its weight. Two steps use that:
/// - only the postings of the heaviest words are read: taking words from the heaviest
///   down, the first ones whose weight exceeds what an alias may leave unexplained form a set
///   of which every good enough alias contains one ("san" and "de" bring no candidates of
///   their own when the query has a rarer word);
/// - of those aliases, only the ones whose words cover the needed share are kept ("San
///   Jose" needs both words, so the many aliases with "jose" alone are not scored).
pub(crate) fn token_candidates(query: &Query, index: &Index, min_score: f32) -> Vec<u32> {
    let words = &query.words;
    let mut weights: Vec<f32> = words.iter().map(|q| word_weight(q, index)).collect();
    // A word no alias holds, at an end of the name, is never a middle name the scorer would
    // forgive: every alias leaves it unexplained ("Saint Qwerty").
    let ends = [
        Some(words.len().saturating_sub(1)),
        (query.name_at == 0).then_some(0),
    ];
    for i in ends.into_iter().flatten() {
        if let Some(q) = words.get(i).filter(|q| is_unknown(q)) {
            weights[i] = token_weight(&q.text, index.max_idf());
        }
    }
    if weights.iter().all(|&w| w == 0.0) {
        // Nothing but short words ("jie er ren si ke"): the ones the vocabulary knows can
        // only match themselves, so they weigh what they are worth.
        weights = words.iter().map(|q| short_word_weight(q, index)).collect();
    }
    let starts: Vec<usize> = if query.name_at > 0 {
        vec![0, query.name_at]
    } else {
        vec![0]
    };
    // Slack below the exact bound, since weights on the alias side may differ a little.
    let needed = min_score.max(0.0).sqrt() * CANDIDATE_SLACK;
    let mut tokens = Vec::new();
    for &start in &starts {
        let total: f32 = weights[start..].iter().sum();
        let may_leave = (1.0 - needed) * total;
        let mut order: Vec<usize> = (start..words.len()).collect();
        order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
        let mut taken = 0.0;
        for i in order {
            if words.len() == 1 {
                // A lone word scores no more than its similarity to the alias's word.
                let q = &words[i];
                tokens.extend(q.exact);
                tokens.extend(
                    q.related
                        .iter()
                        .filter(|r| r.similarity >= min_score)
                        .map(|r| r.token),
                );
            } else {
                tokens.extend(words[i].tokens());
            }
            taken += weights[i];
            if taken > may_leave {
                break;
            }
        }
    }
    let mut aliases = union_of_postings(index, &tokens);
    if words.len() < 2 || words.len() > u64::BITS as usize {
        return aliases;
    }
    let mut member: FxHashMap<u32, u64> = FxHashMap::default();
    for (i, q) in words.iter().enumerate() {
        for v in q.tokens() {
            *member.entry(v).or_default() |= 1 << i;
        }
    }
    let totals: Vec<(usize, f32)> = starts
        .iter()
        .map(|&s| (s, weights[s..].iter().sum()))
        .collect();
    aliases.retain(|&a| {
        let mask = index
            .alias(a)
            .tokens
            .iter()
            .filter_map(|t| member.get(t))
            .fold(0u64, |m, w| m | w);
        totals.iter().any(|&(start, total)| {
            let covered: f32 = (start..words.len())
                .filter(|&i| mask >> i & 1 == 1)
                .map(|i| weights[i])
                .sum();
            covered >= needed * total
        })
    });
    aliases
}

/// Candidate aliases for a set of vocabulary tokens: the union of their postings, leaving out
/// the most common tokens when the union would be too large.
fn union_of_postings(index: &Index, tokens: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for t in rarest_first(index, tokens.to_vec()) {
        if !out.is_empty() && out.len() + index.posting_count(t) > MAX_CANDIDATES {
            break;
        }
        out.extend(index.postings(t));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Of the candidates whose best token score stayed under what was needed, the ones worth
/// comparing spelled whole: a spelling within the edit budget of the query's length, closest
/// token scores first, at most [`SPELLING_CANDIDATES`].
pub(crate) fn closest_misses(
    query: &Query,
    index: &Index,
    mut below: Vec<ScoredAlias>,
) -> Vec<u32> {
    let spelled = &query.spelled;
    if spelled.is_empty() {
        return Vec::new();
    }
    let budget = edit_budget(spelled.len());
    below.retain(|m| index.spelled_len(m.alias).abs_diff(spelled.len()) <= budget);
    // Ties go to the entity first in the knowledge base, then to its alias first indexed: an
    // order that depends on the knowledge base only, not on how its index grew.
    let entity = |a: u32| index.alias(a).entity;
    below.sort_unstable_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(entity(x.alias).cmp(&entity(y.alias)))
            .then(x.alias.cmp(&y.alias))
    });
    below
        .iter()
        .take(SPELLING_CANDIDATES)
        .map(|m| m.alias)
        .collect()
}

/// The aliases that may be spelled within the edit budget of the whole query when token
/// alignment found nothing good enough: a typo can break a word beyond its own budget
/// ("Grnad Rivière du Nord"), so no posting of that word holds the alias. Two edits damage at
/// most two words, so an alias within budget holds one of any three words of the query
/// intact: the postings of the three rarest words it knows are enough. Aliases whose
/// spelling is too long or too short are dropped before anything is compared.
pub(crate) fn spelling_candidates(query: &Query, index: &Index) -> Vec<u32> {
    let (spelled, words) = (&query.spelled, &query.words);
    if spelled.is_empty() || words.len() < 2 {
        return Vec::new();
    }
    let budget = edit_budget(spelled.len());
    let known = rarest_first(index, words.iter().filter_map(|q| q.exact).collect());
    let mut aliases: Vec<u32> = Vec::new();
    for &v in known.iter().take(SPELLING_WORDS) {
        if aliases.len() + index.posting_count(v) > MAX_SPELLING_CANDIDATES {
            break;
        }
        aliases.extend(
            index
                .postings(v)
                .filter(|&a| index.spelled_len(a).abs_diff(spelled.len()) <= budget),
        );
    }
    aliases.sort_unstable();
    aliases.dedup();
    aliases
}

/// Vocabulary tokens, once each, those in the fewest aliases first; ties in the order of their
/// text, so that the order depends on the knowledge base only, not on how its index grew.
fn rarest_first(index: &Index, mut tokens: Vec<u32>) -> Vec<u32> {
    tokens.sort_unstable_by(|&a, &b| {
        index
            .posting_count(a)
            .cmp(&index.posting_count(b))
            .then_with(|| index.word(a).cmp(index.word(b)))
    });
    tokens.dedup();
    tokens
}

/// How many of the query's rarest words [`spelling_candidates`] reads postings of: one
/// more than the words two edits can damage.
const SPELLING_WORDS: usize = 3;
/// The most aliases [`spelling_candidates`] gathers, so that a query of only common words
/// stays cheap.
const MAX_SPELLING_CANDIDATES: usize = 5_000;

/// How much a query word weighs when pruning candidates: the weight of the heaviest token it
/// may stand for. Short words and legal forms weigh nothing here, since they may be matched
/// another way (as initials, "K." or "JC", or as a legal form, "АО"), which the index cannot see.
///
/// A word the vocabulary does not know at all weighs nothing either: no alias contains it, and
/// how much it costs depends on the alias (a person's middle name costs little), which the
/// scorer decides.
fn word_weight(q: &QueryToken, index: &Index) -> f32 {
    if q.text.len() <= 3 || legal::is_form(&q.text) {
        return 0.0;
    }
    q.tokens().map(|v| index.weight(v)).fold(0.0, f32::max)
}

/// True for a word of four letters or more that no alias holds, nor any near spelling of it.
fn is_unknown(q: &QueryToken) -> bool {
    q.exact.is_none() && q.related.is_empty() && q.text.len() > 3 && !legal::is_form(&q.text)
}

/// The weight of a known word of two or three letters that is not an initial nor a legal
/// form: it matches only itself (no typo budget, too long to be an initial). Other words weigh
/// nothing, as in [`word_weight`].
fn short_word_weight(q: &QueryToken, index: &Index) -> f32 {
    match q.exact {
        Some(v) if (2..=3).contains(&q.text.len()) && !q.initial && !legal::is_form(&q.text) => {
            index.weight(v)
        }
        _ => 0.0,
    }
}

/// Share of the exact bound used when pruning candidates (see [`token_candidates`]).
const CANDIDATE_SLACK: f32 = 0.9;
