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
//! Acronyms of multi-word names ("United Arab Emirates" -> `uae`) are generated as extra aliases
//! of their entity when the index is built (`build`).
//!
//! Everything is stored in flat arrays (`flat`: strings end to end, lists as offsets into one
//! array, keys as sorted 64-bit hashes), so the index is compact in memory and is saved and loaded
//! as a few large arrays, without rebuilding anything. Keys are compared by hash: two different keys
//! sharing a 64-bit hash would be confused, which for a million keys has odds of about 1 in 10^7.

mod build;
mod deletes;
mod flat;
mod scan;
mod spans;
mod update;

use spans::{span_filter, SpanProbe, SpanRole};

use deletes::for_each_delete;
use flat::{hash_bytes, HashedKeys, Lists, Strings};

use rayon::prelude::*;

use crate::codec::{Reader, Writer};
use crate::distance::bounded_osa;
use crate::error::Result;
use crate::normalize::drift::drift_key;
use crate::normalize::is_lossy_text;
use crate::normalize::legal::is_legal_form;
use crate::rules::{edit_budget, MAX_SPAN, MIN_DRIFT_LEN};
use crate::threads;

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

/// A vocabulary token within the edit budget of a word, and how many edits apart they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NearWord {
    pub token: u32,
    pub edits: usize,
}

/// The largest token weight a saved index may hold: weights are `ln(1 + entities)` at most.
const MAX_WEIGHT: f32 = 1000.0;

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
    /// A Bloom filter of the whole keys and of the first words of longer ones, the two told
    /// apart: linking learns what a span may be from one small table instead of four large
    /// ones (see [`Index::span_candidates`]). Derived from the keys, not saved.
    span_filter: Vec<u64>,
    /// Linking: the keys of the names that carry a legal form or a leading article, without them
    /// ("deutsche bank" for "Deutsche Bank AG", "coca cola" for "The Coca-Cola Company"), to
    /// their aliases. Derived from the aliases, not saved.
    bare: HashedKeys,
    /// The first words of those keys, as `prefixes` holds them for the others. Derived.
    bare_prefixes: HashedKeys,
    /// The length of each alias's spelling ([`Index::spelled`]), so that candidates of the wrong
    /// length are dropped without reading their words. Derived, not saved.
    spelled_lens: Vec<u16>,
    /// True when the vocabulary is scanned for near words instead of looked up in `deletes` and
    /// `drift`, which are empty: only in the index of a pairwise comparison, which is never
    /// saved (see [`Index::build_with`]).
    scan_vocab: bool,
    /// True for the index of a pairwise comparison ([`Index::build_with`]), which is only ever
    /// asked for one query's best score: it has none of the tables linking reads (prefixes, bare
    /// keys, span filter), and [`Index::span_candidates`] finds nothing in it.
    pairwise: bool,
    /// When the vocabulary is scanned: the drift key of each token that has one (five letters or
    /// more, neither a legal form nor lossy), so that a scan compares keys instead of making
    /// them. Derived, not saved.
    scan_drift: Vec<Option<String>>,
    /// What live updates changed since the index was built or loaded (see `update`); `None`
    /// until the first change, so that an index that never changes pays nothing for it.
    changes: Option<Box<update::Changes>>,
}

impl Index {
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

    /// True unless a live update removed alias `a`.
    fn is_live(&self, a: u32) -> bool {
        self.changes.as_ref().is_none_or(|c| !c.is_dead(a))
    }

    /// True when some alias holds vocabulary token `v` (a live update may have removed every
    /// alias that did).
    fn is_used(&self, v: u32) -> bool {
        self.changes.as_ref().is_none_or(|c| c.is_used(v))
    }

    /// Aliases whose whole normalized key is `key`.
    pub fn exact(&self, key: &str) -> Vec<u32> {
        self.exact
            .get_str(key)
            .filter(|&a| self.is_live(a))
            .collect()
    }

    /// Aliases whose key without spaces is `compact_key`.
    pub fn compact(&self, compact_key: &str) -> Vec<u32> {
        self.compact
            .get_str(compact_key)
            .filter(|&a| self.is_live(a))
            .collect()
    }

    /// The vocabulary id of a token some alias holds.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.vocab_id(token).filter(|&id| self.is_used(id))
    }

    /// The vocabulary id of a token, whether or not an alias still holds it.
    fn vocab_id(&self, token: &str) -> Option<u32> {
        self.vocab_ids
            .get_str(token)
            .find(|&id| self.vocab.get(id) == token)
    }

    /// The aliases that contain the vocabulary token `id`, in the order they were indexed.
    pub fn postings(&self, id: u32) -> impl Iterator<Item = u32> + '_ {
        let built: &[u32] = if (id as usize) < self.postings.len() {
            self.postings.get(id)
        } else {
            &[]
        };
        let added = self
            .changes
            .as_ref()
            .map_or(&[][..], |c| c.added_postings(id));
        built
            .iter()
            .chain(added)
            .copied()
            .filter(|&a| self.is_live(a))
    }

    /// How many aliases contain the vocabulary token `id`.
    pub fn posting_count(&self, id: u32) -> usize {
        match &self.changes {
            Some(c) => c.posting_count(id),
            None => self.postings.get(id).len(),
        }
    }

    /// Vocabulary tokens other than `token` itself within the edit budget of the longer of the
    /// two, with their edit distance.
    pub fn fuzzy_tokens(&self, token: &str) -> Vec<NearWord> {
        let mut found: Vec<u32> = Vec::new();
        if self.scans() {
            found.extend(self.scanned_words());
        } else {
            for_each_delete(token, edit_budget(token.len()), &mut |h| {
                found.extend(self.deletes.get(h));
            });
            found.sort_unstable();
            found.dedup();
        }
        found
            .into_iter()
            .filter(|&id| self.is_used(id))
            .filter_map(|id| {
                // The length rules most candidates out before their text is read.
                let len = self.vocab.len_of(id);
                let budget = edit_budget(len.max(token.len()));
                if len.abs_diff(token.len()) > budget {
                    return None;
                }
                let candidate = self.vocab.get(id);
                if candidate == token {
                    return None;
                }
                bounded_osa(token.as_bytes(), candidate.as_bytes(), budget)
                    .map(|edits| NearWord { token: id, edits })
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
        if self.scans() {
            return self.scanned_drift(token, &key);
        }
        self.drift
            .get_str(&key)
            .filter(|&id| {
                self.is_used(id)
                    && self.vocab.get(id) != token
                    && drift_key(self.vocab.get(id)) == key
            })
            .collect()
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
        let vocab_ids = r.pairs_section()?;
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
        let exact = r.pairs_section()?;
        let compact = r.pairs_section()?;
        let deletes = r.pairs_section()?;
        let drift = r.pairs_section()?;
        let prefixes = r.pairs_section()?;
        // The keyed tables are most of a saved index: decoded side by side, on every thread.
        let tables = [
            (vocab_ids, words),
            (exact, aliases),
            (compact, aliases),
            (deletes, words),
            (drift, words),
            (prefixes, 1),
        ];
        let decoded = threads::install(|| {
            tables
                .par_iter()
                .map(|(section, max_id)| HashedKeys::decode(section, *max_id))
                .collect::<Result<Vec<HashedKeys>>>()
        })?;
        let [vocab_ids, exact, compact, deletes, drift, prefixes] =
            <[HashedKeys; 6]>::try_from(decoded).map_err(|_| r.invalid("keyed tables"))?;
        let mut index = Index {
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
            ..Index::default()
        };
        index.derive();
        Ok(index)
    }
}

/// An article a name may start with that a text leaves out ("The Coca-Cola Company" is
/// "Coca-Cola" in a sentence).
const LEADING_ARTICLE: &str = "the";

impl Index {
    /// Fills the tables derived from the saved ones, after building and after loading alike, so
    /// that they never disagree with what they are derived from.
    fn derive(&mut self) {
        self.spelled_lens = spelled_lengths(&self.vocab, &self.alias_tokens);
        self.derive_scan_drift();
        if self.pairwise {
            return;
        }
        let mut bare = Vec::new();
        let mut bare_prefixes = Vec::new();
        for a in 0..self.alias_tokens.len() as u32 {
            let words = self.alias_tokens.get(a).iter().map(|&v| self.vocab.get(v));
            if let Some(keys) = bare_keys(words) {
                bare.push((keys.key, a));
                bare_prefixes.extend(keys.prefixes.into_iter().map(|h| (h, 0)));
            }
        }
        self.bare = HashedKeys::from_pairs(bare);
        self.bare_prefixes = HashedKeys::from_pairs(bare_prefixes);
        self.span_filter = span_filter(
            &[&self.exact, &self.bare],
            &[&self.prefixes, &self.bare_prefixes],
        );
    }
}

/// The hashes of a name's key without its legal forms and leading article, and of the first
/// words of that key (see [`Index::span_candidates`]).
struct BareKeys {
    key: u64,
    prefixes: Vec<u64>,
}

/// The [`BareKeys`] of an alias of `words`, when leaving out its legal forms or its leading
/// article leaves a name of at most [`MAX_SPAN`] words.
fn bare_keys<'w>(words: impl Iterator<Item = &'w str>) -> Option<BareKeys> {
    let mut all = 0;
    let mut kept: Vec<&str> = Vec::new();
    for w in words {
        all += 1;
        if !is_legal_form(w) {
            kept.push(w);
        }
    }
    if kept.len() > 2 && kept[0] == LEADING_ARTICLE {
        kept.remove(0);
    }
    if kept.is_empty() || kept.len() == all || kept.len() > MAX_SPAN {
        return None;
    }
    Some(BareKeys {
        key: hash_bytes(kept.join(" ").as_bytes()),
        prefixes: (1..kept.len())
            .map(|k| hash_bytes(kept[..k].join(" ").as_bytes()))
            .collect(),
    })
}

/// The length of one alias's spelling (see [`Index::spelled`]).
fn spelled_len<'w>(words: impl Iterator<Item = &'w str>) -> u16 {
    words
        .filter(|w| !is_legal_form(w) && !is_lossy_text(w))
        .fold(0u16, |n, w| {
            n.saturating_add(w.len().min(u16::MAX as usize) as u16)
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::{Entity, KnowledgeBase};
    use crate::normalize::Normalizer;

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
        let index = Index::build(&kb(), &Normalizer::new()).unwrap();
        let uae = index.exact("uae");
        assert_eq!(uae.len(), 1);
        assert_eq!(index.alias(uae[0]).source, AliasSource::Acronym);
        assert_eq!(index.exact("rok").len(), 1);
        assert!(index.exact("kjt").is_empty(), "no acronyms for persons");
    }

    #[test]
    fn compact_and_token_lookups() {
        let index = Index::build(&kb(), &Normalizer::new()).unwrap();
        assert_eq!(index.compact("kassymjomarttokayev").len(), 1);
        let t = index.token_id("tokayev").unwrap();
        assert_eq!(index.postings(t).count(), 2);
        assert_eq!(index.posting_count(t), 2);
        assert_eq!(index.word(t), "tokayev");
        assert!(index.token_id("tokaye").is_none());
    }

    #[test]
    fn fuzzy_tokens_within_budget() {
        let index = Index::build(&kb(), &Normalizer::new()).unwrap();
        let found: Vec<&str> = index
            .fuzzy_tokens("tokaev")
            .iter()
            .map(|near| index.word(near.token))
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
    fn encode_decode_round_trip() {
        let index = Index::build(&kb(), &Normalizer::new()).unwrap();
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
