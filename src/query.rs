//! Query analysis: a name as typed, turned into the keys and token readings the index and the
//! scorer work on.
//!
//! One name can be read several ways, and each reading is scored; the best wins:
//! - as written;
//! - without its leading titles and roles ("Israeli Prime Minister Benjamin Netanyahu");
//! - with legal forms folded ("Siemens Aktiengesellschaft" as `siemens ~jsc`);
//! - with joined or undotted initials taken letter by letter ("J.-C. Juncker", "JC Juncker").

use std::sync::Arc;

use crate::index::Index;
use crate::normalize::titles::{is_only_titles, name_start};
use crate::normalize::{
    abbreviations, compact, is_han, is_han_or_kana, legal, match_text, nicknames, unmarked,
    Normalizer, Token,
};
use crate::rules::{
    min_spelling_len, token_similarity, Method, Relation, ABBREVIATION, COMPACT, DRIFT, EXACT,
    MAX_NAME_BYTES, MAX_NAME_TOKENS, NICKNAME, ROMANIZED, WITHOUT_SHORT_TITLES, WITHOUT_TITLES,
};

/// The fewest Han characters or kana a name needs to meet a Latin alias by its romanization:
/// one character is a syllable, which many names share.
const MIN_ROMANIZED_CHARS: usize = 2;
/// The fewest letters of that romanization: "サン" (`san`) is a word of many names.
const MIN_ROMANIZED_LEN: usize = 4;

/// Which whole key of the query a lookup uses, as its evidence tells.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KeyKind {
    /// The query's key as written.
    Exact,
    /// The key once the leading titles and roles, kept here as written, are removed.
    WithoutTitles(String),
    /// The key with legal forms folded.
    LegalFormsFolded,
    /// The key without spaces.
    Compact,
    /// A name in Han characters or kana, romanized and without spaces, to meet a Latin alias;
    /// with Han characters, only a person's (see [`romanized_key`]).
    Romanized { persons_only: bool },
}

/// A whole-key lookup to try, with the score a hit earns.
#[derive(Clone)]
pub(crate) struct KeyLookup {
    pub key: String,
    pub kind: KeyKind,
    pub score: f32,
    pub method: Method,
}

impl KeyLookup {
    /// True when the key is looked up without spaces.
    pub fn is_compact(&self) -> bool {
        matches!(self.kind, KeyKind::Compact | KeyKind::Romanized { .. })
    }
}

/// A vocabulary token a query word may stand for, how alike the two are and why.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RelatedWord {
    pub token: u32,
    pub similarity: f32,
    pub relation: Relation,
}

/// One query word with its known vocabulary matches.
#[derive(Clone, Debug)]
pub(crate) struct QueryToken {
    pub text: String,
    /// The vocabulary id when the token is known exactly.
    pub exact: Option<u32>,
    /// Other vocabulary tokens it may stand for.
    pub related: Vec<RelatedWord>,
    /// True when the token is an initial ("K.", or one letter of "J.-C."), which may stand for
    /// any word that starts with it.
    pub initial: bool,
}

impl QueryToken {
    /// The vocabulary tokens the word may stand for: itself, then the related ones.
    pub fn tokens(&self) -> impl Iterator<Item = u32> + '_ {
        self.exact
            .into_iter()
            .chain(self.related.iter().map(|r| r.token))
    }
}

/// One way of reading the query word by word, with the factor its scores are multiplied by
/// (below 1 for a reading that leaves out titles).
#[derive(Clone, Debug)]
pub(crate) struct Reading {
    pub words: Vec<QueryToken>,
    pub factor: f32,
}

/// Everything the resolver needs to know about one query. What the analysis of the name gives
/// is shared, so that a query read against several indexes (one name compared with many) is
/// cloned without copying it.
#[derive(Clone)]
pub(crate) struct Query {
    /// Whole-key lookups, best evidence first.
    pub keys: Arc<[KeyLookup]>,
    /// True when the query is nothing but titles ("President"): only whole keys may match.
    pub only_titles: bool,
    /// True when the query is written as an acronym is: in capitals or with dots ("UAE",
    /// "U.A.E."). Only then may it match an acronym the index generated: "Amaj" is a name, not
    /// the initials of "Al Mawsil al Jadidah".
    pub acronym_like: bool,
    /// The token readings of the query.
    pub readings: Vec<Reading>,
    /// For each word of the query, the vocabulary tokens it may stand for: where candidates
    /// come from.
    pub words: Vec<QueryToken>,
    /// Where the name starts once titles are skipped.
    pub name_at: usize,
    /// The whole query without spaces, for comparing spellings; empty when the query holds
    /// a lossy transliteration.
    pub spelled: Arc<str>,
    /// The query's tokens, as matched.
    tokens: Arc<[Token]>,
    /// The tokens' texts with legal forms folded.
    folded: Arc<[String]>,
    /// The factor on readings that leave the titles out.
    without_titles: f32,
    /// True for names too long to read word by word (see [`MAX_NAME_TOKENS`]).
    whole_only: bool,
}

/// For a name written only in Han characters or kana, of at least [`MIN_ROMANIZED_CHARS`] of
/// them, its romanization without spaces (the whole name, never a part of it), and whether it
/// may only name a person.
///
/// A Chinese personal name is written in Latin letters as its pinyin ("习近平", "Xi Jinping"),
/// but Chinese names of foreign places and firms are often sound-alike renderings whose pinyin is
/// another name: "盧安達" is Rwanda and reads "Luanda". So a name with Han characters meets
/// persons only; kana ("トヨタ", "toyota") meet every kind.
fn romanized_key(name: &str, tokens: &[Token]) -> Option<(String, bool)> {
    if !tokens.iter().all(|t| t.lossy) {
        return None;
    }
    let letters = name.chars().filter(|c| c.is_alphanumeric());
    let han_or_kana = letters.clone().filter(|&c| is_han_or_kana(c)).count();
    if han_or_kana < MIN_ROMANIZED_CHARS || !letters.clone().all(is_han_or_kana) {
        return None;
    }
    let han = letters.clone().any(is_han);
    let key: String = tokens.iter().map(|t| unmarked(&t.text)).collect();
    (key.len() >= MIN_ROMANIZED_LEN).then_some((key, han))
}

fn join(tokens: &[Token]) -> String {
    let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    texts.join(" ")
}

impl Query {
    /// Analyzes `name` into its whole keys; `None` when it has no letters or digits. Its words
    /// are read ([`Query::read_words`]) only when the keys do not settle the answer.
    pub fn analyze(name: &str, normalizer: &Normalizer) -> Option<Query> {
        Query::from_tokens(name, normalizer.tokens(name))
    }

    /// [`Query::analyze`] of a name already tokenized.
    pub fn from_tokens(name: &str, mut tokens: Vec<Token>) -> Option<Query> {
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

        let lookup = |key: String, kind: KeyKind, score: f32, method: Method| KeyLookup {
            key,
            kind,
            score,
            method,
        };
        let mut keys = vec![lookup(key.clone(), KeyKind::Exact, EXACT, Method::Exact)];
        if name_at > 0 {
            keys.push(lookup(
                join(&tokens[name_at..]),
                KeyKind::WithoutTitles(join(&tokens[..name_at])),
                EXACT * without_titles,
                Method::ExactWithoutTitles,
            ));
        }
        if folded != texts {
            keys.push(lookup(
                folded.join(" "),
                KeyKind::LegalFormsFolded,
                EXACT,
                Method::Exact,
            ));
        }
        keys.push(lookup(
            compact(&key),
            KeyKind::Compact,
            COMPACT,
            Method::Compact,
        ));
        if let Some((romanized, persons_only)) = romanized_key(name, &tokens) {
            keys.push(lookup(
                romanized,
                KeyKind::Romanized { persons_only },
                ROMANIZED,
                Method::Romanized,
            ));
        }

        // Names of very many words are matched whole, so that hostile input stays linear.
        let whole_only = tokens.len() > MAX_NAME_TOKENS || name.len() > MAX_NAME_BYTES;
        Some(Query {
            keys: keys.into(),
            only_titles: is_only_titles(&tokens),
            acronym_like: tokens
                .iter()
                .all(|t| t.is_in_capitals() || t.initials.len() > 1),
            readings: Vec::new(),
            spelled: if whole_only || tokens.iter().any(|t| t.lossy) {
                Arc::from("")
            } else {
                compact(&key).into()
            },
            words: Vec::new(),
            name_at,
            tokens: tokens.into(),
            folded: folded.into(),
            without_titles,
            whole_only,
        })
    }

    /// The shortest whole spelling of this query compared letter by letter with an alias's
    /// (see [`min_spelling_len`]): its words with legal forms folded decide.
    pub fn min_spelling_len(&self) -> usize {
        min_spelling_len(self.folded.iter().map(String::as_str))
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
            &self.tokens[..],
            &self.folded[..],
            self.name_at,
            self.without_titles,
        );
        let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        let mut words: Vec<QueryToken> = tokens.iter().map(|t| word(t, index)).collect();
        // Words the vocabulary does not know may be two words run together; the name part of
        // the query is read once more with such words cut ("HuntingtonnWoods").
        let mut cut_words: Option<Vec<QueryToken>> = None;
        for (i, q) in words.iter().enumerate().skip(name_at) {
            let unknown = q.exact.is_none() && q.related.is_empty() && !tokens[i].lossy;
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

        let mut readings: Vec<Reading> = Vec::new();
        let mut read =
            |words: Vec<QueryToken>, factor: f32| readings.push(Reading { words, factor });
        for (base, name_at) in &bases {
            let starts: &[(usize, f32)] = &[(0, 1.0), (*name_at, without_titles)];
            for &(from, factor) in &starts[..if *name_at > 0 { 2 } else { 1 }] {
                let part = &base[from..];
                read(part.iter().map(|(q, _)| q.clone()).collect(), factor);
                if let Some(spelled) = spell(part) {
                    read(spelled, factor);
                }
            }
        }
        if let Some(cut) = cut_words {
            read(cut.clone(), 1.0);
            if name_at > 0 {
                read(cut[name_at..].to_vec(), without_titles);
            }
            // Candidates come from the words as cut.
            words = cut;
        }
        self.words = words;
        self.readings = readings;
    }
}

/// A query token matched exactly only: one letter of initials, or a folded legal form.
fn plain(text: &str, initial: bool, index: &Index) -> QueryToken {
    QueryToken {
        text: text.to_string(),
        exact: index.token_id(text),
        related: Vec::new(),
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
) -> impl Iterator<Item = RelatedWord> + 'a {
    words
        .filter_map(|w| index.token_id(w))
        .map(move |token| RelatedWord {
            token,
            similarity,
            relation,
        })
}

/// [`word`] for a text of Latin letters and digits.
fn word_of_text(text: &str, initial: bool, index: &Index) -> QueryToken {
    let mut related: Vec<RelatedWord> = index
        .fuzzy_tokens(text)
        .into_iter()
        .map(|near| RelatedWord {
            token: near.token,
            similarity: token_similarity(text, index.word(near.token), near.edits),
            relation: Relation::Typo,
        })
        .collect();
    let romanized = index
        .drift_tokens(text)
        .into_iter()
        .map(|token| RelatedWord {
            token,
            similarity: DRIFT,
            relation: Relation::Romanization,
        });
    let others = romanized
        .chain(known(
            nicknames::related(text),
            index,
            NICKNAME,
            Relation::Nickname,
        ))
        .chain(known(
            abbreviations::related(text),
            index,
            ABBREVIATION,
            Relation::Abbreviation,
        ));
    // A word related in several ways keeps its most similar relation.
    for other in others.collect::<Vec<_>>() {
        match related.iter_mut().find(|r| r.token == other.token) {
            Some(entry) if entry.similarity < other.similarity => *entry = other,
            Some(_) => {}
            None => related.push(other),
        }
    }
    QueryToken {
        text: text.to_string(),
        exact: index.token_id(text),
        related,
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
