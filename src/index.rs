//! The index: normalized keys to candidate aliases, so that a query touches only the few aliases
//! that could match instead of every alias in the knowledge base.
//!
//! Four lookups feed the scorer:
//! - **exact**: the whole normalized key ("united arab emirates");
//! - **compact**: the key without spaces ("kassymjomart tokayev" meets "kassym jomart tokayev");
//! - **tokens**: each vocabulary token to the aliases that contain it (surname only, word order);
//! - **fuzzy**: symmetric deletes over vocabulary tokens. Every token is stored with each string
//!   made by deleting up to [`edit_budget`] of its letters; a query token looks up its own deletes,
//!   so tokens within one or two edits are found without scanning the vocabulary.
//!
//! Acronyms of multi-word names ("United Arab Emirates" -> `uae`) are generated here as extra
//! aliases of their entity.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::kb::{Entity, KnowledgeBase};
use crate::normalize::drift::drift_key;
use crate::normalize::legal::{self, is_legal_form};
use crate::normalize::{compact, Normalizer};

/// Where an indexed alias came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AliasSource {
    /// The entity's name.
    Name,
    /// One of the entity's aliases.
    Alias,
    /// An acronym generated from the name or an alias.
    Acronym,
}

/// One indexed name of an entity.
#[derive(Clone, Debug)]
pub(crate) struct AliasEntry {
    /// Position of the entity in the knowledge base.
    pub entity: u32,
    /// The alias as written in the knowledge base, or the generated acronym in capitals.
    pub text: String,
    /// The vocabulary ids of its normalized tokens, in order.
    pub tokens: Vec<u32>,
    pub source: AliasSource,
}

/// Tokens shorter than this are compared letter for letter, without romanization drift.
const MIN_DRIFT_LEN: usize = 4;

/// Small words: left out when acronyms are generated ("Kingdom of Saudi Arabia" -> KSA) and
/// weighted lightly when scoring.
const SMALL_WORDS: &[&str] = &[
    "of", "the", "and", "for", "de", "du", "des", "la", "le", "el", "der", "die", "das", "und",
    "et",
];

/// Generated acronyms shorter than this are too ambiguous to be useful.
const MIN_ACRONYM_LEN: usize = 3;

/// When the union of postings would exceed this many aliases, the most common query tokens are
/// left out of candidate generation.
const MAX_CANDIDATES: usize = 20_000;

/// How many edits a token of this length may differ by and still be a fuzzy match. Short tokens
/// get none: one wrong letter in "Oman" makes another word.
pub(crate) fn edit_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn hash_str(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// Calls `f` with the hash of `token` and of every distinct string made by deleting up to
/// `edits` of its bytes.
fn for_each_delete(token: &str, edits: usize, f: &mut impl FnMut(u64)) {
    let mut seen: FxHashSet<Vec<u8>> = FxHashSet::default();
    let mut frontier = vec![token.as_bytes().to_vec()];
    f(hash_str(token.as_bytes()));
    for _ in 0..edits {
        let mut next = Vec::new();
        for word in &frontier {
            for i in 0..word.len() {
                let mut shorter = word.clone();
                shorter.remove(i);
                if seen.insert(shorter.clone()) {
                    f(hash_str(&shorter));
                    next.push(shorter);
                }
            }
        }
        frontier = next;
    }
}

/// The lookup structures built from a knowledge base.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub aliases: Vec<AliasEntry>,
    pub vocab: Vec<String>,
    vocab_ids: FxHashMap<String, u32>,
    /// The weight of each vocabulary token: its inverse document frequency over entities, scaled
    /// down for folded legal forms.
    pub weight: Vec<f32>,
    /// The largest idf: the weight of a query token the vocabulary has never seen.
    pub max_idf: f32,
    postings: Vec<Vec<u32>>,
    exact: FxHashMap<String, Vec<u32>>,
    compact: FxHashMap<String, Vec<u32>>,
    /// (hash of a delete variant, vocabulary id), sorted.
    deletes: Vec<(u64, u32)>,
    /// Romanization drift key to vocabulary ids.
    drift: FxHashMap<String, Vec<u32>>,
}

impl Index {
    pub fn build(kb: &KnowledgeBase, normalizer: &Normalizer) -> Index {
        let mut index = Index::default();
        let mut entity_sets: Vec<FxHashSet<u32>> = Vec::new();
        for (e, entity) in kb.entities().iter().enumerate() {
            let first_alias = index.aliases.len();
            index.add_entity(e as u32, entity, normalizer);
            // Document frequency counts entities, not aliases.
            let set = index.aliases[first_alias..]
                .iter()
                .flat_map(|a| a.tokens.iter().copied())
                .collect();
            entity_sets.push(set);
        }
        let mut df = vec![0u32; index.vocab.len()];
        for set in &entity_sets {
            for &t in set {
                df[t as usize] += 1;
            }
        }
        let n = kb.len().max(1) as f32;
        index.weight = df
            .iter()
            .zip(&index.vocab)
            .map(|(&d, token)| token_weight(token, (1.0 + n / d.max(1) as f32).ln()))
            .collect();
        index.max_idf = (1.0 + n).ln();
        for (id, token) in index.vocab.iter().enumerate() {
            index
                .drift
                .entry(drift_key(token))
                .or_default()
                .push(id as u32);
            if is_legal_form(token) {
                continue;
            }
            for_each_delete(token, edit_budget(token.len()), &mut |h| {
                index.deletes.push((h, id as u32))
            });
        }
        index.deletes.sort_unstable();
        index.deletes.dedup();
        index
    }

    /// Indexes the names of one entity, then the acronyms generated from them, so that a name
    /// the knowledge base lists always wins over an acronym that happens to spell it.
    fn add_entity(&mut self, e: u32, entity: &Entity, normalizer: &Normalizer) {
        let mut keys_seen: FxHashSet<String> = FxHashSet::default();
        let mut generated: Vec<String> = Vec::new();
        for (i, alias) in entity.names().enumerate() {
            let raw: Vec<String> = normalizer
                .tokens(alias)
                .into_iter()
                .map(|t| t.text)
                .collect();
            // Persons have no legal forms: "Ao" or "Sa" in a person's name is a name.
            let tokens = if entity.is_person() {
                raw.clone()
            } else {
                legal::fold(&raw)
            };
            if tokens.is_empty() || !keys_seen.insert(tokens.join(" ")) {
                continue;
            }
            let source = if i == 0 {
                AliasSource::Name
            } else {
                AliasSource::Alias
            };
            let id = self.push_alias(e, alias.to_string(), &tokens, source);
            if tokens != raw {
                self.exact.entry(raw.join(" ")).or_default().push(id);
            }
            if !entity.is_person() {
                let words: Vec<String> = tokens
                    .iter()
                    .filter(|t| !is_legal_form(t))
                    .cloned()
                    .collect();
                generated.extend(acronyms(&words));
            }
        }
        for acronym in generated {
            if keys_seen.insert(acronym.clone()) {
                let text = acronym.to_ascii_uppercase();
                self.push_alias(e, text, &[acronym], AliasSource::Acronym);
            }
        }
    }

    fn push_alias(
        &mut self,
        entity: u32,
        text: String,
        tokens: &[String],
        source: AliasSource,
    ) -> u32 {
        let id = self.aliases.len() as u32;
        let key = tokens.join(" ");
        let ids: Vec<u32> = tokens.iter().map(|t| self.intern(t)).collect();
        for &t in &ids {
            let list = &mut self.postings[t as usize];
            if list.last() != Some(&id) {
                list.push(id);
            }
        }
        self.compact.entry(compact(&key)).or_default().push(id);
        // "The Washington Post" is also written "washingtonpost".
        if tokens.len() > 2 && tokens[0] == "the" {
            let rest = compact(&tokens[1..].join(""));
            self.compact.entry(rest).or_default().push(id);
        }
        self.exact.entry(key).or_default().push(id);
        self.aliases.push(AliasEntry {
            entity,
            text,
            tokens: ids,
            source,
        });
        id
    }

    fn intern(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.vocab_ids.get(token) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.push(token.to_string());
        self.vocab_ids.insert(token.to_string(), id);
        self.postings.push(Vec::new());
        id
    }

    /// Aliases whose whole normalized key is `key`.
    pub fn exact(&self, key: &str) -> &[u32] {
        self.exact.get(key).map_or(&[], Vec::as_slice)
    }

    /// Aliases whose key without spaces is `compact_key`.
    pub fn compact(&self, compact_key: &str) -> &[u32] {
        self.compact.get(compact_key).map_or(&[], Vec::as_slice)
    }

    /// The vocabulary id of a token.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.vocab_ids.get(token).copied()
    }

    /// Aliases that contain the vocabulary token `id`.
    #[cfg(test)]
    pub fn postings(&self, id: u32) -> &[u32] {
        &self.postings[id as usize]
    }

    /// Vocabulary tokens other than `token` itself within the edit budget of the longer of the
    /// two, with their edit distance.
    pub fn fuzzy_tokens(&self, token: &str) -> Vec<(u32, usize)> {
        let mut found: FxHashSet<u32> = FxHashSet::default();
        for_each_delete(token, edit_budget(token.len()), &mut |h| {
            let start = self.deletes.partition_point(|&(x, _)| x < h);
            for &(x, id) in &self.deletes[start..] {
                if x != h {
                    break;
                }
                found.insert(id);
            }
        });
        let mut out: Vec<(u32, usize)> = found
            .into_iter()
            .filter_map(|id| {
                let candidate = &self.vocab[id as usize];
                if candidate == token {
                    return None;
                }
                let budget = edit_budget(candidate.len().max(token.len()));
                let d = strsim::osa_distance(token, candidate);
                (d <= budget).then_some((id, d))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Vocabulary tokens other than `token` that share its romanization drift key.
    /// Short tokens are left out: they are often acronyms, and "ROK" is not "ROC".
    pub fn drift_tokens(&self, token: &str) -> impl Iterator<Item = u32> + '_ {
        let exact = self.token_id(token);
        let key = (token.len() >= MIN_DRIFT_LEN).then(|| drift_key(token));
        key.and_then(|k| self.drift.get(&k))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&id| Some(id) != exact && self.vocab[id as usize].len() >= MIN_DRIFT_LEN)
    }

    /// Candidate aliases for a set of vocabulary tokens: the union of their postings, leaving out
    /// the most common tokens when the union would be too large.
    pub fn candidates_for_tokens(&self, tokens: &[u32], out: &mut FxHashSet<u32>) {
        let mut by_rarity: Vec<u32> = tokens.to_vec();
        by_rarity.sort_unstable_by_key(|&t| self.postings[t as usize].len());
        by_rarity.dedup();
        for t in by_rarity {
            let list = &self.postings[t as usize];
            if !out.is_empty() && out.len() + list.len() > MAX_CANDIDATES {
                break;
            }
            out.extend(list.iter().copied());
        }
    }
}

/// Share of its rarity weight a folded legal form or a small word keeps: "Ltd" says little about
/// which company, "the" and "of" little about anything.
const LIGHT_WEIGHT: f32 = 0.05;

/// The weight of a token of the given rarity.
pub(crate) fn token_weight(token: &str, idf: f32) -> f32 {
    if is_legal_form(token) || SMALL_WORDS.contains(&token) {
        idf * LIGHT_WEIGHT
    } else {
        idf
    }
}

/// Acronyms of a multi-word name: the first letters of its words, without and with the small
/// words ("Republic of Korea" -> `rk` and `rok`), kept when at least [`MIN_ACRONYM_LEN`] long.
fn acronyms(tokens: &[String]) -> Vec<String> {
    if tokens.len() < 2 || tokens.iter().any(|t| t.chars().all(|c| c.is_ascii_digit())) {
        return Vec::new();
    }
    let initials = |keep_small: bool| -> String {
        tokens
            .iter()
            .filter(|t| keep_small || !SMALL_WORDS.contains(&t.as_str()))
            .filter_map(|t| t.chars().next())
            .collect()
    };
    let mut out = Vec::new();
    for acronym in [initials(false), initials(true)] {
        if acronym.len() >= MIN_ACRONYM_LEN && !out.contains(&acronym) {
            out.push(acronym);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Entity;

    fn kb() -> KnowledgeBase {
        let mut kb = KnowledgeBase::new();
        kb.add(Entity::new("AE", "United Arab Emirates").with_kind("country"))
            .unwrap();
        kb.add(Entity::new("KR", "South Korea").with_aliases(["Republic of Korea"]))
            .unwrap();
        kb.add(
            Entity::new("tokayev", "Kassym-Jomart Tokayev")
                .with_kind("person")
                .with_aliases(["Tokayev"]),
        )
        .unwrap();
        kb
    }

    #[test]
    fn acronyms_are_generated_for_non_persons() {
        let index = Index::build(&kb(), &Normalizer::new());
        let uae = index.exact("uae");
        assert_eq!(uae.len(), 1);
        assert_eq!(index.aliases[uae[0] as usize].source, AliasSource::Acronym);
        assert_eq!(index.exact("rok").len(), 1);
        assert!(index.exact("kjt").is_empty(), "no acronyms for persons");
    }

    #[test]
    fn compact_and_token_lookups() {
        let index = Index::build(&kb(), &Normalizer::new());
        assert_eq!(index.compact("kassymjomarttokayev").len(), 1);
        let t = index.token_id("tokayev").unwrap();
        assert_eq!(index.postings(t).len(), 2);
    }

    #[test]
    fn fuzzy_tokens_within_budget() {
        let index = Index::build(&kb(), &Normalizer::new());
        let found: Vec<&str> = index
            .fuzzy_tokens("tokaev")
            .iter()
            .map(|&(id, _)| index.vocab[id as usize].as_str())
            .collect();
        assert_eq!(found, vec!["tokayev"]);
        let found = index.fuzzy_tokens("emirats");
        assert_eq!(found.len(), 1);
        assert!(index.fuzzy_tokens("oma").is_empty());
    }

    #[test]
    fn edit_budget_grows_with_length() {
        assert_eq!(edit_budget(3), 0);
        assert_eq!(edit_budget(5), 1);
        assert_eq!(edit_budget(9), 2);
    }
}
