//! Query analysis: a name as typed, turned into the keys and token readings the index and the
//! scorer work on.
//!
//! One name can be read several ways, and each reading is scored; the best wins:
//! - as written;
//! - without its leading titles and roles ("Israeli Prime Minister Benjamin Netanyahu");
//! - with legal forms folded ("Siemens Aktiengesellschaft" as `siemens ~jsc`);
//! - with joined or undotted initials taken letter by letter ("J.-C. Juncker", "JC Juncker").

use rustc_hash::FxHashMap;

use crate::index::{edit_budget, token_weight, Index};
use crate::normalize::titles::{is_only_titles, name_start};
use crate::normalize::{abbreviations, compact, legal, match_text, nicknames, Normalizer, Token};
use crate::score::{self, token_similarity, Method, QueryToken, Relation};

/// Factor on the scores of a reading that leaves out a short title ("Dr", "Mr", "PM"): such
/// words may be part of the name instead ("DR Congo" is not "Dr. Congo").
const WITHOUT_SHORT_TITLES: f32 = 0.94;
/// Factor on the scores of a reading that leaves out a title written as a word ("President"):
/// a little below 1, so that a name that holds the word ("King's Lynn") beats the name without
/// it ("Lynn").
const WITHOUT_TITLES: f32 = 0.99;

/// Names of more words than this, or of more bytes than [`MAX_NAME_BYTES`], are matched by
/// whole keys only (exact, without titles, legal forms folded, without spaces): no name is that
/// long, and comparing word by word costs the product of the two names' lengths.
pub(crate) const MAX_NAME_TOKENS: usize = 64;
/// See [`MAX_NAME_TOKENS`].
const MAX_NAME_BYTES: usize = 4096;

/// A whole-key lookup to try, with the score and evidence a hit earns.
pub(crate) struct KeyLookup {
    pub key: String,
    pub compact: bool,
    pub score: f32,
    pub method: Method,
    pub evidence: String,
}

/// Everything the resolver needs to know about one query.
pub(crate) struct Query {
    /// Whole-key lookups, best evidence first.
    pub keys: Vec<KeyLookup>,
    /// True when the query is nothing but titles ("President"): only whole keys may match.
    pub only_titles: bool,
    /// True when the query is written as an acronym is: in capitals or with dots ("UAE",
    /// "U.A.E."). Only then may it match an acronym the index generated: "Amaj" is a name, not
    /// the initials of "Al Mawsil al Jadidah".
    pub acronym_like: bool,
    /// The token readings of the query, each with the factor its scores are multiplied by.
    pub readings: Vec<(Vec<QueryToken>, f32)>,
    /// For each word of the query, the vocabulary tokens it may stand for: where candidates
    /// come from.
    words: Vec<QueryToken>,
    /// Where the name starts once titles are skipped.
    name_at: usize,
    /// The whole query without spaces, for comparing spellings; empty when the query holds
    /// a lossy transliteration.
    pub spelled: String,
    /// The query's tokens, as matched.
    tokens: Vec<Token>,
    /// The tokens' texts with legal forms folded.
    folded: Vec<String>,
    /// The factor on readings that leave the titles out.
    without_titles: f32,
    /// True for names too long to read word by word (see [`MAX_NAME_TOKENS`]).
    whole_only: bool,
}

fn join(tokens: &[Token]) -> String {
    let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    texts.join(" ")
}

impl Query {
    /// Analyzes `name` into its whole keys; `None` when it has no letters or digits. Its words
    /// are read ([`Query::read_words`]) only when the keys do not settle the answer.
    pub fn analyze(name: &str, normalizer: &Normalizer) -> Option<Query> {
        let mut tokens = normalizer.tokens(name);
        for t in &mut tokens {
            t.text = match_text(t);
        }
        if tokens.is_empty() {
            return None;
        }
        let key = join(&tokens);
        let name_at = name_start(&tokens).unwrap_or(0);
        let without_titles = if tokens[..name_at].iter().any(|t| t.text.len() <= 3) {
            WITHOUT_SHORT_TITLES
        } else {
            WITHOUT_TITLES
        };
        let texts: Vec<String> = tokens.iter().map(|t| t.text.clone()).collect();
        let folded = legal::fold(&texts);

        let lookup =
            |key: String, compact: bool, score: f32, method: Method, evidence: &str| KeyLookup {
                key,
                compact,
                score,
                method,
                evidence: evidence.to_string(),
            };
        let mut keys = vec![lookup(
            key.clone(),
            false,
            score::EXACT,
            Method::Exact,
            "exact",
        )];
        if name_at > 0 {
            let evidence = format!("exact after removing \"{}\"", join(&tokens[..name_at]));
            keys.push(lookup(
                join(&tokens[name_at..]),
                false,
                score::EXACT * without_titles,
                Method::ExactWithoutTitles,
                &evidence,
            ));
        }
        if folded != texts {
            let folded_key = folded.join(" ");
            keys.push(lookup(
                folded_key,
                false,
                score::EXACT,
                Method::Exact,
                "exact, legal forms folded",
            ));
        }
        keys.push(lookup(
            compact(&key),
            true,
            score::COMPACT,
            Method::Compact,
            "same letters, other spacing",
        ));

        // Names of very many words are matched whole, so that hostile input stays linear.
        let whole_only = tokens.len() > MAX_NAME_TOKENS || name.len() > MAX_NAME_BYTES;
        Some(Query {
            keys,
            only_titles: is_only_titles(&tokens),
            acronym_like: tokens.iter().all(|t| t.capitals || t.initials.len() > 1),
            readings: Vec::new(),
            spelled: if whole_only || tokens.iter().any(|t| t.lossy) {
                String::new()
            } else {
                compact(&key)
            },
            words: Vec::new(),
            name_at,
            tokens,
            folded,
            without_titles,
            whole_only,
        })
    }

    /// Reads the query's words: the vocabulary tokens each may stand for, and the readings
    /// scored against candidates.
    pub fn read_words(&mut self, index: &Index) {
        if self.whole_only {
            // No words, so the name starts at the first of none.
            self.name_at = 0;
            return;
        }
        let (tokens, folded, name_at, without_titles) = (
            &self.tokens,
            &self.folded,
            self.name_at,
            self.without_titles,
        );
        let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        let mut words: Vec<QueryToken> = tokens.iter().map(|t| word(t, index)).collect();
        // Words the vocabulary does not know may be two words run together; the name part of
        // the query is read once more with such words cut ("HuntingtonnWoods").
        let mut cut_words: Option<Vec<QueryToken>> = None;
        for (i, q) in words.iter().enumerate().skip(name_at) {
            let unknown = q.exact.is_none() && q.fuzzy.is_empty() && !tokens[i].lossy;
            if let Some((left, right)) = unknown.then(|| split_compound(&q.text, index)).flatten() {
                let list = cut_words.get_or_insert_with(|| words[..i].to_vec());
                list.push(left);
                list.push(right);
            } else if let Some(list) = cut_words.as_mut() {
                list.push(q.clone());
            }
        }

        // Base readings: as written, and with legal forms folded. Each word keeps the token it
        // came from, for initials; a folded legal form has none.
        let as_written: Vec<(QueryToken, Option<&Token>)> =
            words.iter().cloned().zip(tokens.iter().map(Some)).collect();
        let mut bases = vec![(as_written, name_at)];
        if *folded != texts {
            let mut next = 0;
            let mut reading = Vec::new();
            for text in folded {
                if legal::is_legal_form(text) {
                    reading.push((plain(text, false, index), None));
                } else if let Some(j) = (next..tokens.len()).find(|&j| &tokens[j].text == text) {
                    reading.push((words[j].clone(), Some(&tokens[j])));
                    next = j + 1;
                }
            }
            bases.push((reading, 0));
        }

        // Initials taken letter by letter: joined ones ("J.-C."), and short words the knowledge
        // base does not know, written without dots ("JC").
        let undotted = |t: &Token| {
            (2..=3).contains(&t.text.len())
                && t.initials.is_empty()
                && index.token_id(&t.text).is_none()
                && t.text.bytes().all(|b| b.is_ascii_alphabetic())
        };
        let spell = |reading: &[(QueryToken, Option<&Token>)]| -> Option<Vec<QueryToken>> {
            let spellable = |t: &Token| t.initials.len() > 1 || undotted(t);
            if !reading.iter().any(|(_, t)| t.is_some_and(spellable)) {
                return None;
            }
            let letters = |t: &Token| -> Vec<String> {
                if t.initials.len() > 1 {
                    t.initials.clone()
                } else {
                    t.text.chars().map(String::from).collect()
                }
            };
            Some(
                reading
                    .iter()
                    .flat_map(|(q, t)| match t {
                        Some(t) if spellable(t) => {
                            letters(t).iter().map(|l| plain(l, true, index)).collect()
                        }
                        _ => vec![q.clone()],
                    })
                    .collect(),
            )
        };

        let mut readings: Vec<(Vec<QueryToken>, f32)> = Vec::new();
        for (base, name_at) in &bases {
            let starts: &[(usize, f32)] = &[(0, 1.0), (*name_at, without_titles)];
            for &(from, factor) in &starts[..if *name_at > 0 { 2 } else { 1 }] {
                let part = &base[from..];
                readings.push((part.iter().map(|(q, _)| q.clone()).collect(), factor));
                if let Some(spelled) = spell(part) {
                    readings.push((spelled, factor));
                }
            }
        }
        if let Some(cut) = cut_words {
            readings.push((cut.clone(), 1.0));
            if name_at > 0 {
                readings.push((cut[name_at..].to_vec(), without_titles));
            }
            // Candidates come from the words as cut.
            words = cut;
        }
        self.words = words;
        self.readings = readings;
    }
}

impl Query {
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
    pub fn candidate_aliases(&self, index: &Index, min_score: f32) -> Vec<u32> {
        let words = &self.words;
        let mut weights: Vec<f32> = words.iter().map(|q| word_weight(q, index)).collect();
        // A word no alias holds, at an end of the name, is never a middle name the scorer would
        // forgive: every alias leaves it unexplained ("Saint Qwerty").
        let ends = [
            Some(words.len().saturating_sub(1)),
            (self.name_at == 0).then_some(0),
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
        let starts: Vec<usize> = if self.name_at > 0 {
            vec![0, self.name_at]
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
                    tokens.extend(q.fuzzy.iter().filter(|f| f.1 >= min_score).map(|f| f.0));
                } else {
                    tokens.extend(group(&words[i]));
                }
                taken += weights[i];
                if taken > may_leave {
                    break;
                }
            }
        }
        let mut aliases = index.candidates_for_tokens(&tokens);
        if words.len() < 2 || words.len() > 64 {
            return aliases;
        }
        let mut member: FxHashMap<u32, u64> = FxHashMap::default();
        for (i, q) in words.iter().enumerate() {
            for v in group(q) {
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
}

impl Query {
    /// The aliases that may be spelled within the edit budget of the whole query when token
    /// alignment found nothing good enough: a typo can break a word beyond its own budget
    /// ("Grnad Rivière du Nord"), so no posting of that word holds the alias. Two edits damage at
    /// most two words, so an alias within budget holds one of any three words of the query
    /// intact: the postings of the three rarest words it knows are enough. Aliases whose
    /// spelling is too long or too short are dropped before anything is compared.
    pub fn spelling_candidates(&self, index: &Index) -> Vec<u32> {
        let (spelled, words) = (&self.spelled, &self.words);
        if spelled.is_empty() || words.len() < 2 {
            return Vec::new();
        }
        let budget = edit_budget(spelled.len());
        let mut known: Vec<u32> = words.iter().filter_map(|q| q.exact).collect();
        known.sort_unstable_by_key(|&v| index.postings(v).len());
        known.dedup();
        let mut aliases: Vec<u32> = Vec::new();
        for &v in known.iter().take(SPELLING_WORDS) {
            let postings = index.postings(v);
            if aliases.len() + postings.len() > MAX_SPELLING_CANDIDATES {
                break;
            }
            aliases.extend(
                postings
                    .iter()
                    .filter(|&&a| index.spelled_len(a).abs_diff(spelled.len()) <= budget),
            );
        }
        aliases.sort_unstable();
        aliases.dedup();
        aliases
    }
}

/// How many of the query's rarest words [`Query::spelling_candidates`] reads postings of: one
/// more than the words two edits can damage.
const SPELLING_WORDS: usize = 3;
/// The most aliases [`Query::spelling_candidates`] gathers, so that a query of only common words
/// stays cheap.
const MAX_SPELLING_CANDIDATES: usize = 5_000;

/// The vocabulary tokens a query word may stand for.
fn group(q: &QueryToken) -> impl Iterator<Item = u32> + '_ {
    q.exact.into_iter().chain(q.fuzzy.iter().map(|f| f.0))
}

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
    group(q).map(|v| index.weight(v)).fold(0.0, f32::max)
}

/// True for a word of four letters or more that no alias holds, nor any near spelling of it.
fn is_unknown(q: &QueryToken) -> bool {
    q.exact.is_none() && q.fuzzy.is_empty() && q.text.len() > 3 && !legal::is_form(&q.text)
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

/// Share of the exact bound used when pruning candidates (see [`Query::candidate_aliases`]).
const CANDIDATE_SLACK: f32 = 0.9;

/// A query token matched exactly only: one letter of initials, or a folded legal form.
fn plain(text: &str, initial: bool, index: &Index) -> QueryToken {
    QueryToken {
        text: text.to_string(),
        exact: index.token_id(text),
        fuzzy: Vec::new(),
        initial,
    }
}

/// A word of the query with the vocabulary tokens it may stand for: within the edit budget, of
/// the same romanization, a nickname of it, or the word it abbreviates.
fn word(token: &Token, index: &Index) -> QueryToken {
    if token.lossy {
        // A lossy transliteration is compared letter for letter only.
        return plain(&token.text, false, index);
    }
    word_of_text(&token.text, token.initials.len() == 1, index)
}

/// The words of the vocabulary among `words`, each with the similarity of its relation.
fn known<'a>(
    words: impl Iterator<Item = &'static str> + 'a,
    index: &'a Index,
    similarity: f32,
    relation: Relation,
) -> impl Iterator<Item = (u32, f32, Relation)> + 'a {
    words
        .filter_map(|w| index.token_id(w))
        .map(move |v| (v, similarity, relation))
}

/// [`word`] for a text of Latin letters and digits.
fn word_of_text(text: &str, initial: bool, index: &Index) -> QueryToken {
    let mut fuzzy: Vec<(u32, f32, Relation)> = index
        .fuzzy_tokens(text)
        .into_iter()
        .map(|(v, d)| (v, token_similarity(text, index.word(v), d), Relation::Typo))
        .collect();
    let related = index
        .drift_tokens(text)
        .into_iter()
        .map(|v| (v, score::DRIFT, Relation::Romanization))
        .chain(known(
            nicknames::related(text),
            index,
            score::NICKNAME,
            Relation::Nickname,
        ))
        .chain(known(
            abbreviations::related(text),
            index,
            score::ABBREVIATION,
            Relation::Abbreviation,
        ));
    for (v, sim, relation) in related.collect::<Vec<_>>() {
        match fuzzy.iter_mut().find(|(id, _, _)| *id == v) {
            Some(entry) if entry.1 < sim => *entry = (v, sim, relation),
            Some(_) => {}
            None => fuzzy.push((v, sim, relation)),
        }
    }
    QueryToken {
        text: text.to_string(),
        exact: index.token_id(text),
        fuzzy,
        initial,
    }
}

/// The shortest word [`split_compound`] tries to cut in two.
const MIN_COMPOUND_LEN: usize = 7;
/// The longest: every cut of a word is looked up, so a megabyte-long "word" would take hours.
const MAX_COMPOUND_LEN: usize = 64;

/// Two words of the knowledge base run together, one of them possibly misspelled
/// ("HuntingtonnWoods"): the cut where one side is a known word and the other is known or
/// within the edit budget of one, preferring two known sides.
fn split_compound(text: &str, index: &Index) -> Option<(QueryToken, QueryToken)> {
    if !(MIN_COMPOUND_LEN..=MAX_COMPOUND_LEN).contains(&text.len()) || !text.is_ascii() {
        return None;
    }
    let mut best: Option<(bool, usize)> = None;
    for cut in 3..=text.len() - 3 {
        let (left, right) = text.split_at(cut);
        let (left_known, right_known) = (
            index.token_id(left).is_some(),
            index.token_id(right).is_some(),
        );
        let both = left_known && right_known;
        if !(left_known || right_known) || best.is_some_and(|(b, _)| b && !both) {
            continue;
        }
        let near = |side: &str, known: bool| known || !index.fuzzy_tokens(side).is_empty();
        if near(left, left_known)
            && near(right, right_known)
            && best.is_none_or(|(b, _)| both && !b)
        {
            best = Some((both, cut));
        }
    }
    let (_, cut) = best?;
    let (left, right) = text.split_at(cut);
    Some((
        word_of_text(left, false, index),
        word_of_text(right, false, index),
    ))
}
