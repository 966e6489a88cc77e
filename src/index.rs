//! The index: normalized keys to candidate aliases, so that a query touches only the few aliases
//! that could match instead of every alias in the knowledge base.
//!
//! Five lookups feed the scorer:
//! - **exact**: the whole normalized key ("united arab emirates");
//! - **compact**: the key without spaces ("kassymjomart tokayev" meets "kassym jomart tokayev");
//! - **tokens**: each vocabulary token to the aliases that contain it (surname only, word order);
//! - **fuzzy**: symmetric deletes over vocabulary tokens. Every token is stored with each string
//!   made by deleting up to [`edit_budget`] of its letters; a query token looks up its own deletes,
//!   so tokens within one or two edits are found without scanning the vocabulary;
//! - **romanization**: each token's drift key ("tokajew" and "toqaev" share one).
//!
//! Acronyms of multi-word names ("United Arab Emirates" -> `uae`) are generated here as extra
//! aliases of their entity.
//!
//! Everything is stored in flat arrays (strings end to end, lists as offsets into one array, keys
//! as sorted 64-bit hashes), so the index is compact in memory and is saved and loaded as a few
//! large arrays, without rebuilding anything. Keys are compared by hash: two different keys
//! sharing a 64-bit hash would be confused, which for a million keys has odds of about 1 in 10^7.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::distance::bounded_osa;
use crate::error::Result;
use crate::kb::{Entity, KnowledgeBase};
use crate::normalize::drift::drift_key;
use crate::normalize::legal::{self, is_legal_form};
use crate::normalize::{compact, is_lossy_text, match_text, Normalizer};
use crate::store::codec::{Reader, Writer};

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

impl AliasSource {
    fn code(self) -> u8 {
        match self {
            AliasSource::Name => 0,
            AliasSource::Alias => 1,
            AliasSource::Acronym => 2,
        }
    }

    fn from_code(code: u8) -> Option<AliasSource> {
        match code {
            0 => Some(AliasSource::Name),
            1 => Some(AliasSource::Alias),
            2 => Some(AliasSource::Acronym),
            _ => None,
        }
    }
}

/// One indexed name of an entity.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Alias<'a> {
    /// Position of the entity in the knowledge base.
    pub entity: u32,
    /// The vocabulary ids of its normalized tokens, in order.
    pub tokens: &'a [u32],
    pub source: AliasSource,
}

/// Small words: left out when acronyms are generated ("Kingdom of Saudi Arabia" -> KSA) and
/// weighted lightly when scoring.
const SMALL_WORDS: &[&str] = &[
    "of", "the", "and", "for", "de", "du", "des", "la", "le", "el", "der", "die", "das", "und",
    "et",
];

/// Generated acronyms shorter than this are too ambiguous to be useful.
const MIN_ACRONYM_LEN: usize = 3;

/// Tokens shorter than this are compared letter for letter, without romanization drift.
const MIN_DRIFT_LEN: usize = 5;

/// When the union of postings would exceed this many aliases, the most common query tokens are
/// left out of candidate generation.
const MAX_CANDIDATES: usize = 20_000;

/// Share of its rarity weight a folded legal form or a small word keeps: "Ltd" says little about
/// which company, "the" and "of" little about anything.
const LIGHT_WEIGHT: f32 = 0.05;

/// How many edits a token of this length may differ by and still be a fuzzy match. Short tokens
/// get none: one wrong letter in "Oman" makes another word, and a fuzzy lookup of every
/// three-letter word would touch much of the vocabulary.
pub(crate) fn edit_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// The weight of a token of the given rarity.
pub(crate) fn token_weight(token: &str, idf: f32) -> f32 {
    if is_legal_form(token) || SMALL_WORDS.contains(&token) {
        idf * LIGHT_WEIGHT
    } else {
        idf
    }
}

fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// The largest token weight a saved index may hold: weights are `ln(1 + entities)` at most.
const MAX_WEIGHT: f32 = 1000.0;

/// Tokens longer than this (in bytes) are matched exactly only: no word is this long, and the
/// deletes of a token grow with the square of its length (a megabyte-long token would need
/// terabytes).
const MAX_FUZZY_TOKEN_LEN: usize = 64;

/// Calls `f` with the hash of `token` and of every distinct string made by deleting up to
/// `edits` of its bytes (none for tokens longer than [`MAX_FUZZY_TOKEN_LEN`]).
fn for_each_delete(token: &str, edits: usize, f: &mut impl FnMut(u64)) {
    let word = token.as_bytes();
    f(hash_bytes(word));
    if edits == 0 || word.is_empty() || word.len() > MAX_FUZZY_TOKEN_LEN {
        return;
    }
    let mut hashes: Vec<u64> = Vec::with_capacity(word.len() * word.len());
    let mut buf: Vec<u8> = Vec::with_capacity(word.len());
    for i in 0..word.len() {
        buf.clear();
        buf.extend_from_slice(&word[..i]);
        buf.extend_from_slice(&word[i + 1..]);
        hashes.push(hash_bytes(&buf));
        if edits >= 2 {
            // Deleting j after i covers every pair once (j >= i in the shorter word).
            for j in i..buf.len() {
                let mut two = buf.clone();
                two.remove(j);
                hashes.push(hash_bytes(&two));
            }
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    for h in hashes {
        f(h);
    }
}

/// Strings stored end to end.
#[derive(Debug, Default)]
struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }

    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The byte length of string `i`, without touching its text.
    fn len_of(&self, i: u32) -> usize {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (self.ends[i] - start) as usize
    }

    fn encode(&self, w: &mut Writer) {
        w.str(&self.text);
        w.u32s(&self.ends);
    }

    fn decode(r: &mut Reader) -> Result<Strings> {
        let text = r.string()?;
        let ends = r.u32s()?;
        let mut last = 0;
        for &e in &ends {
            if e < last || e as usize > text.len() || !text.is_char_boundary(e as usize) {
                return Err(r.invalid("string offsets out of order"));
            }
            last = e;
        }
        Ok(Strings { text, ends })
    }
}

/// Lists of ids stored end to end (compressed sparse rows).
#[derive(Debug, Default)]
struct Lists {
    values: Vec<u32>,
    ends: Vec<u32>,
}

impl Lists {
    fn push(&mut self, list: &[u32]) {
        self.values.extend_from_slice(list);
        self.ends.push(self.values.len() as u32);
    }

    fn get(&self, i: u32) -> &[u32] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.values[start..self.ends[i] as usize]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn encode(&self, w: &mut Writer) {
        w.u32s(&self.values);
        w.u32s(&self.ends);
    }

    fn decode(r: &mut Reader, max_value: usize) -> Result<Lists> {
        let values = r.u32s()?;
        let ends = r.u32s()?;
        let mut last = 0;
        for &e in &ends {
            if e < last || e as usize > values.len() {
                return Err(r.invalid("list offsets out of order"));
            }
            last = e;
        }
        if values.iter().any(|&v| v as usize >= max_value) {
            return Err(r.invalid("list value out of range"));
        }
        Ok(Lists { values, ends })
    }
}

/// A multimap from 64-bit key hashes to ids, as one sorted array with a directory on the top
/// bits of the hash, so that a lookup touches one or two cache lines instead of binary
/// searching a large array. The directory is derived from the array, not saved.
#[derive(Debug, Default)]
struct HashedKeys {
    pairs: Vec<(u64, u32)>,
    /// `dir[b]` is the first position whose hash has top bits >= b; `dir.len() == 2^bits + 1`.
    dir: Vec<u32>,
    bits: u32,
}

impl HashedKeys {
    fn from_pairs(mut pairs: Vec<(u64, u32)>) -> HashedKeys {
        pairs.sort_unstable();
        pairs.dedup();
        HashedKeys::with_directory(pairs)
    }

    /// Builds the directory over sorted pairs: about two pairs per bucket.
    fn with_directory(pairs: Vec<(u64, u32)>) -> HashedKeys {
        let bits = (pairs.len().max(2).ilog2()).clamp(1, 26);
        let buckets = 1usize << bits;
        let mut dir = vec![0u32; buckets + 1];
        let mut at = 0usize;
        for (b, slot) in dir.iter_mut().enumerate() {
            while at < pairs.len() && ((pairs[at].0 >> (64 - bits)) as usize) < b {
                at += 1;
            }
            *slot = at as u32;
        }
        dir[buckets] = pairs.len() as u32;
        HashedKeys { pairs, dir, bits }
    }

    fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let (lo, hi) = if self.dir.is_empty() {
            (0, 0)
        } else {
            let b = (hash >> (64 - self.bits)) as usize;
            (self.dir[b] as usize, self.dir[b + 1] as usize)
        };
        let bucket = &self.pairs[lo..hi];
        let start = bucket.partition_point(|&(h, _)| h < hash);
        bucket[start..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, id)| id)
    }

    fn get_str(&self, key: &str) -> impl Iterator<Item = u32> + '_ {
        self.get(hash_bytes(key.as_bytes()))
    }

    fn encode(&self, w: &mut Writer) {
        w.pairs(&self.pairs);
    }

    fn decode(r: &mut Reader, max_id: usize) -> Result<HashedKeys> {
        let pairs = r.pairs()?;
        if pairs.windows(2).any(|w| w[0] > w[1]) {
            return Err(r.invalid("keys out of order"));
        }
        if pairs.iter().any(|&(_, id)| id as usize >= max_id) {
            return Err(r.invalid("key id out of range"));
        }
        Ok(HashedKeys::with_directory(pairs))
    }
}

/// The lookup structures built from a knowledge base.
#[derive(Debug, Default)]
pub(crate) struct Index {
    alias_entity: Vec<u32>,
    alias_source: Vec<u8>,
    alias_text: Strings,
    alias_tokens: Lists,
    vocab: Strings,
    /// Vocabulary token hash to id.
    vocab_ids: HashedKeys,
    /// The weight of each vocabulary token: its inverse document frequency over entities, scaled
    /// down for folded legal forms and small words.
    weight: Vec<f32>,
    /// The largest idf: the weight of a query token the vocabulary has never seen.
    max_idf: f32,
    /// Vocabulary token to the aliases that contain it.
    postings: Lists,
    exact: HashedKeys,
    compact: HashedKeys,
    /// Hashes of delete variants to vocabulary ids.
    deletes: HashedKeys,
    /// Hashes of romanization drift keys to vocabulary ids.
    drift: HashedKeys,
    /// Hashes of the keys of the first words of multi-word names ("united", "united arab"), so
    /// that linking stops extending a span as soon as no name can start with it.
    prefixes: HashedKeys,
    /// A bit per hash bucket of every exact key and prefix: a span whose bit is clear is
    /// neither, which linking learns from one small table instead of two large ones. Derived
    /// from the keys, not saved.
    span_filter: Vec<u64>,
    /// The length of each alias's spelling ([`Index::spelled`]), so that candidates of the wrong
    /// length are dropped without reading their words. Derived, not saved.
    spelled_lens: Vec<u16>,
}

/// The index while it is being built: aliases and tokens still in growable maps.
#[derive(Default)]
struct Builder {
    index: Index,
    vocab_ids: FxHashMap<String, u32>,
    postings: Vec<Vec<u32>>,
    exact: Vec<(u64, u32)>,
    compact: Vec<(u64, u32)>,
    prefixes: Vec<(u64, u32)>,
}

impl Builder {
    /// Indexes the names of one entity and returns the acronyms generated from them, which are
    /// added once every name is in (see [`Builder::add_acronyms`]).
    fn add_entity(&mut self, e: u32, entity: &Entity, normalizer: &Normalizer) -> Vec<String> {
        let mut keys_seen: FxHashSet<String> = FxHashSet::default();
        let mut generated: Vec<String> = Vec::new();
        for (i, alias) in entity.names().enumerate() {
            let raw: Vec<String> = normalizer.tokens(alias).iter().map(match_text).collect();
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
            let id = self.push_alias(e, alias, &tokens, source);
            if tokens != raw {
                self.exact.push((hash_bytes(raw.join(" ").as_bytes()), id));
            }
            // Linking looks at spans of up to MAX_SPAN tokens: longer prefixes are never asked
            // for, and a name of many tokens would make quadratically many.
            for k in 1..raw.len().min(crate::link::MAX_SPAN) {
                self.prefixes
                    .push((hash_bytes(raw[..k].join(" ").as_bytes()), 0));
            }
            if !entity.is_person() && !tokens.iter().any(|t| is_lossy_text(t)) {
                let words: Vec<String> = tokens
                    .iter()
                    .filter(|t| !is_legal_form(t))
                    .cloned()
                    .collect();
                generated.extend(acronyms(&words));
            }
        }
        generated.retain(|a| !keys_seen.contains(a));
        generated.sort_unstable();
        generated.dedup();
        generated
    }

    /// Adds generated acronyms, except those that spell a word some name in the knowledge base
    /// uses: "MAN" or "SAN" made from foreign names would be read as the words they spell.
    fn add_acronyms(&mut self, generated: Vec<(u32, Vec<String>)>) {
        let kept: Vec<(u32, String)> = generated
            .into_iter()
            .flat_map(|(e, acronyms)| acronyms.into_iter().map(move |a| (e, a)))
            .filter(|(_, a)| !self.vocab_ids.contains_key(a))
            .collect();
        for (e, acronym) in kept {
            let text = acronym.to_ascii_uppercase();
            self.push_alias(e, &text, &[acronym], AliasSource::Acronym);
        }
    }

    fn push_alias(
        &mut self,
        entity: u32,
        text: &str,
        tokens: &[String],
        source: AliasSource,
    ) -> u32 {
        let id = self.index.alias_entity.len() as u32;
        let key = tokens.join(" ");
        let ids: Vec<u32> = tokens.iter().map(|t| self.intern(t)).collect();
        // An alias of very many words is matched whole only (see `score_tokens`): it is no
        // token candidate, which would cost every query that shares a word its whole length.
        let words = if ids.len() > crate::query::MAX_NAME_TOKENS {
            &[][..]
        } else {
            &ids[..]
        };
        for &t in words {
            let list = &mut self.postings[t as usize];
            if list.last() != Some(&id) {
                list.push(id);
            }
        }
        self.compact
            .push((hash_bytes(compact(&key).as_bytes()), id));
        // "The Washington Post" is also written "washingtonpost".
        if tokens.len() > 2 && tokens[0] == "the" {
            let rest = tokens[1..].join("");
            self.compact.push((hash_bytes(rest.as_bytes()), id));
        }
        self.exact.push((hash_bytes(key.as_bytes()), id));
        self.index.alias_entity.push(entity);
        self.index.alias_source.push(source.code());
        self.index.alias_text.push(text);
        self.index.alias_tokens.push(&ids);
        id
    }

    fn intern(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.vocab_ids.get(token) {
            return id;
        }
        let id = self.index.vocab.len() as u32;
        self.index.vocab.push(token);
        self.vocab_ids.insert(token.to_string(), id);
        self.postings.push(Vec::new());
        id
    }

    fn finish(self, entities: usize) -> Index {
        let Builder {
            mut index,
            vocab_ids,
            postings,
            exact,
            compact,
            prefixes,
        } = self;
        // Document frequency counts entities, not aliases.
        let mut df = vec![0u32; index.vocab.len()];
        for (t, list) in postings.iter().enumerate() {
            let mut last = None;
            for &a in list {
                let e = index.alias_entity[a as usize];
                if last != Some(e) {
                    df[t] += 1;
                    last = Some(e);
                }
            }
        }
        let n = entities.max(1) as f32;
        index.weight = (0..index.vocab.len())
            .map(|t| {
                let idf = (1.0 + n / df[t].max(1) as f32).ln();
                token_weight(index.vocab.get(t as u32), idf)
            })
            .collect();
        index.max_idf = (1.0 + n).ln();
        for list in &postings {
            index.postings.push(list);
        }
        let mut deletes = Vec::new();
        let mut drift = Vec::new();
        for id in 0..index.vocab.len() as u32 {
            let token = index.vocab.get(id);
            // Legal forms and lossy transliterations are matched exactly, never fuzzily.
            if is_legal_form(token) || is_lossy_text(token) {
                continue;
            }
            if token.len() >= MIN_DRIFT_LEN {
                drift.push((hash_bytes(drift_key(token).as_bytes()), id));
            }
            for_each_delete(token, edit_budget(token.len()), &mut |h| {
                deletes.push((h, id))
            });
        }
        index.vocab_ids = HashedKeys::from_pairs(
            vocab_ids
                .into_iter()
                .map(|(token, id)| (hash_bytes(token.as_bytes()), id))
                .collect(),
        );
        index.exact = HashedKeys::from_pairs(exact);
        index.compact = HashedKeys::from_pairs(compact);
        index.prefixes = HashedKeys::from_pairs(prefixes);
        index.span_filter = span_filter(&index.exact, &index.prefixes);
        index.deletes = HashedKeys::from_pairs(deletes);
        index.drift = HashedKeys::from_pairs(drift);
        index.spelled_lens = spelled_lengths(&index.vocab, &index.alias_tokens);
        index
    }
}

impl Index {
    pub fn build(kb: &KnowledgeBase, normalizer: &Normalizer) -> Index {
        let mut builder = Builder::default();
        let mut generated = Vec::new();
        for (e, entity) in kb.entities().iter().enumerate() {
            generated.push((e as u32, builder.add_entity(e as u32, entity, normalizer)));
        }
        builder.add_acronyms(generated);
        builder.finish(kb.len())
    }

    /// The number of indexed aliases, generated acronyms included.
    #[cfg(test)]
    pub fn alias_count(&self) -> usize {
        self.alias_entity.len()
    }

    /// One indexed alias.
    pub fn alias(&self, a: u32) -> Alias<'_> {
        let i = a as usize;
        Alias {
            entity: self.alias_entity[i],
            tokens: self.alias_tokens.get(a),
            source: AliasSource::from_code(self.alias_source[i]).unwrap_or(AliasSource::Alias),
        }
    }

    /// The alias as written in the knowledge base, or the generated acronym in capitals.
    pub fn alias_text(&self, a: u32) -> &str {
        self.alias_text.get(a)
    }

    /// Alias `a` without spaces, legal forms or lossy transliterations, for comparing
    /// spellings whole.
    pub fn spelled(&self, a: u32) -> String {
        self.spelled_words(a).collect()
    }

    /// [`Index::spelled`] written into `out`, which is cleared first.
    pub fn spell_into(&self, a: u32, out: &mut String) {
        out.clear();
        out.extend(self.spelled_words(a));
    }

    /// The length of [`Index::spelled`], without building it.
    pub fn spelled_len(&self, a: u32) -> usize {
        self.spelled_lens[a as usize] as usize
    }

    fn spelled_words(&self, a: u32) -> impl Iterator<Item = &str> {
        self.alias_tokens
            .get(a)
            .iter()
            .map(|&v| self.vocab.get(v))
            .filter(|w| !is_legal_form(w) && !is_lossy_text(w))
    }

    /// The text of vocabulary token `v`.
    pub fn word(&self, v: u32) -> &str {
        self.vocab.get(v)
    }

    /// The length of vocabulary token `v`.
    pub fn word_len(&self, v: u32) -> usize {
        self.vocab.len_of(v)
    }

    /// The scoring weight of vocabulary token `v`.
    pub fn weight(&self, v: u32) -> f32 {
        self.weight[v as usize]
    }

    /// The weight of a query token the vocabulary has never seen.
    pub fn max_idf(&self) -> f32 {
        self.max_idf
    }

    /// Aliases whose whole normalized key is `key`.
    pub fn exact(&self, key: &str) -> Vec<u32> {
        self.exact_iter(key).collect()
    }

    /// [`Index::exact`] without collecting.
    pub fn exact_iter(&self, key: &str) -> impl Iterator<Item = u32> + '_ {
        self.exact.get_str(key)
    }

    /// Aliases whose key without spaces is `compact_key`.
    pub fn compact(&self, compact_key: &str) -> Vec<u32> {
        self.compact.get_str(compact_key).collect()
    }

    /// The hash a key is looked up by in [`Index::span_candidates`].
    pub fn key_hash(key: &str) -> u64 {
        hash_bytes(key.as_bytes())
    }

    /// For linking, what a span with this [`Index::key_hash`] can be: `None` when it is
    /// neither a name nor the first words of a longer one; else the aliases whose key it is, and
    /// whether a longer name starts with it.
    pub fn span_candidates(&self, hash: u64) -> Option<(impl Iterator<Item = u32> + '_, bool)> {
        let bit = (hash >> (64 - self.span_filter_bits())) as usize;
        if self.span_filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return None;
        }
        Some((
            self.exact.get(hash),
            self.prefixes.get(hash).next().is_some(),
        ))
    }

    fn span_filter_bits(&self) -> u32 {
        (self.span_filter.len() * 64).trailing_zeros()
    }

    /// The vocabulary id of a token.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.vocab_ids
            .get_str(token)
            .find(|&id| self.vocab.get(id) == token)
    }

    /// Aliases that contain the vocabulary token `id`.
    pub fn postings(&self, id: u32) -> &[u32] {
        self.postings.get(id)
    }

    /// Vocabulary tokens other than `token` itself within the edit budget of the longer of the
    /// two, with their edit distance.
    pub fn fuzzy_tokens(&self, token: &str) -> Vec<(u32, usize)> {
        let mut found: Vec<u32> = Vec::new();
        for_each_delete(token, edit_budget(token.len()), &mut |h| {
            found.extend(self.deletes.get(h));
        });
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|id| {
                let candidate = self.vocab.get(id);
                if candidate == token {
                    return None;
                }
                let budget = edit_budget(candidate.len().max(token.len()));
                bounded_osa(token.as_bytes(), candidate.as_bytes(), budget).map(|d| (id, d))
            })
            .collect()
    }

    /// Vocabulary tokens other than `token` that share its romanization drift key. Short tokens
    /// are left out: they are often acronyms, and "ROK" is not "ROC".
    pub fn drift_tokens(&self, token: &str) -> Vec<u32> {
        if token.len() < MIN_DRIFT_LEN {
            return Vec::new();
        }
        let key = drift_key(token);
        self.drift
            .get_str(&key)
            .filter(|&id| self.vocab.get(id) != token && drift_key(self.vocab.get(id)) == key)
            .collect()
    }

    /// Candidate aliases for a set of vocabulary tokens: the union of their postings, leaving out
    /// the most common tokens when the union would be too large.
    pub fn candidates_for_tokens(&self, tokens: &[u32]) -> Vec<u32> {
        let mut by_rarity: Vec<u32> = tokens.to_vec();
        by_rarity.sort_unstable_by_key(|&t| self.postings(t).len());
        by_rarity.dedup();
        let mut out: Vec<u32> = Vec::new();
        for t in by_rarity {
            let list = self.postings(t);
            if !out.is_empty() && out.len() + list.len() > MAX_CANDIDATES {
                break;
            }
            out.extend_from_slice(list);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Writes the index for [`crate::store`].
    pub fn encode(&self, w: &mut Writer) {
        self.vocab.encode(w);
        self.vocab_ids.encode(w);
        w.f32s(&self.weight);
        w.f32s(&[self.max_idf]);
        w.u32s(&self.alias_entity);
        w.bytes(&self.alias_source);
        self.alias_text.encode(w);
        self.alias_tokens.encode(w);
        self.postings.encode(w);
        self.exact.encode(w);
        self.compact.encode(w);
        self.deletes.encode(w);
        self.drift.encode(w);
        self.prefixes.encode(w);
    }

    /// Reads an index written by [`Index::encode`], checking every id against the sizes it
    /// refers to, so a damaged file is an error rather than a crash later.
    pub fn decode(r: &mut Reader, entities: usize) -> Result<Index> {
        let vocab = Strings::decode(r)?;
        let words = vocab.len();
        let vocab_ids = HashedKeys::decode(r, words)?;
        let weight = r.f32s()?;
        let max_idf = match r.f32s()?.as_slice() {
            [m] => *m,
            _ => return Err(r.invalid("the largest weight is missing")),
        };
        // Weights are logarithms of entity counts: small, finite and positive. Others would make
        // scores NaN or infinite.
        if !weight
            .iter()
            .chain([&max_idf])
            .all(|w| (0.0..=MAX_WEIGHT).contains(w))
        {
            return Err(r.invalid("a token weight out of range"));
        }
        let alias_entity = r.u32s()?;
        if alias_entity.iter().any(|&e| e as usize >= entities) {
            return Err(r.invalid("an alias refers to a missing entity"));
        }
        let aliases = alias_entity.len();
        let alias_source = r.bytes()?;
        if alias_source
            .iter()
            .any(|&c| AliasSource::from_code(c).is_none())
        {
            return Err(r.invalid("unknown alias source"));
        }
        let alias_text = Strings::decode(r)?;
        let alias_tokens = Lists::decode(r, words)?;
        let postings = Lists::decode(r, aliases)?;
        if alias_source.len() != aliases
            || alias_text.len() != aliases
            || alias_tokens.len() != aliases
            || weight.len() != words
            || postings.len() != words
        {
            return Err(r.invalid("the index tables disagree in size"));
        }
        let exact = HashedKeys::decode(r, aliases)?;
        let compact = HashedKeys::decode(r, aliases)?;
        let deletes = HashedKeys::decode(r, words)?;
        let drift = HashedKeys::decode(r, words)?;
        let prefixes = HashedKeys::decode(r, 1)?;
        let span_filter = span_filter(&exact, &prefixes);
        let spelled_lens = spelled_lengths(&vocab, &alias_tokens);
        Ok(Index {
            alias_entity,
            alias_source,
            alias_text,
            alias_tokens,
            vocab,
            vocab_ids,
            weight,
            max_idf,
            postings,
            exact,
            compact,
            deletes,
            drift,
            prefixes,
            span_filter,
            spelled_lens,
        })
    }
}

/// The length of every alias's spelling: its words without legal forms and lossy
/// transliterations, run together (see [`Index::spelled`]).
fn spelled_lengths(vocab: &Strings, alias_tokens: &Lists) -> Vec<u16> {
    let word_lens: Vec<u16> = (0..vocab.len() as u32)
        .map(|v| {
            let w = vocab.get(v);
            if is_legal_form(w) || is_lossy_text(w) {
                0
            } else {
                w.len().min(u16::MAX as usize) as u16
            }
        })
        .collect();
    (0..alias_tokens.len() as u32)
        .map(|a| {
            alias_tokens
                .get(a)
                .iter()
                .fold(0u16, |n, &v| n.saturating_add(word_lens[v as usize]))
        })
        .collect()
}

/// The bitset of [`Index::span_candidates`]: about eight bits per key.
fn span_filter(exact: &HashedKeys, prefixes: &HashedKeys) -> Vec<u64> {
    let keys = exact.pairs.len() + prefixes.pairs.len();
    let bits = (keys.max(64) * 8).next_power_of_two().trailing_zeros();
    let mut set = vec![0u64; (1usize << bits) / 64];
    for &(hash, _) in exact.pairs.iter().chain(&prefixes.pairs) {
        let bit = (hash >> (64 - bits)) as usize;
        set[bit / 64] |= 1 << (bit % 64);
    }
    set
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
        assert_eq!(index.alias(uae[0]).source, AliasSource::Acronym);
        assert_eq!(index.exact("rok").len(), 1);
        assert!(index.exact("kjt").is_empty(), "no acronyms for persons");
    }

    #[test]
    fn compact_and_token_lookups() {
        let index = Index::build(&kb(), &Normalizer::new());
        assert_eq!(index.compact("kassymjomarttokayev").len(), 1);
        let t = index.token_id("tokayev").unwrap();
        assert_eq!(index.postings(t).len(), 2);
        assert_eq!(index.word(t), "tokayev");
        assert!(index.token_id("tokaye").is_none());
    }

    #[test]
    fn fuzzy_tokens_within_budget() {
        let index = Index::build(&kb(), &Normalizer::new());
        let found: Vec<&str> = index
            .fuzzy_tokens("tokaev")
            .iter()
            .map(|&(id, _)| index.word(id))
            .collect();
        assert_eq!(found, vec!["tokayev"]);
        let found = index.fuzzy_tokens("emirats");
        assert_eq!(found.len(), 1);
        assert!(index.fuzzy_tokens("oma").is_empty());
        let drift: Vec<&str> = index
            .drift_tokens("tokajew")
            .into_iter()
            .map(|id| index.word(id))
            .collect();
        assert_eq!(drift, vec!["tokayev"]);
    }

    #[test]
    fn edit_budget_grows_with_length() {
        assert_eq!(edit_budget(3), 0);
        assert_eq!(edit_budget(5), 1);
        assert_eq!(edit_budget(9), 2);
    }

    #[test]
    fn encode_decode_round_trip() {
        let index = Index::build(&kb(), &Normalizer::new());
        let mut w = Writer::default();
        index.encode(&mut w);
        let bytes = w.into_bytes();
        let back = Index::decode(&mut Reader::new(&bytes), 3).unwrap();
        assert_eq!(back.alias_count(), index.alias_count());
        assert_eq!(back.exact("uae"), index.exact("uae"));
        assert_eq!(back.fuzzy_tokens("tokaev"), index.fuzzy_tokens("tokaev"));
        assert!(
            Index::decode(&mut Reader::new(&bytes), 2).is_err(),
            "entity ids checked"
        );
    }
}
