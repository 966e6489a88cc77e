//! Building the index from a knowledge base: every name and alias normalized, legal forms
//! folded, acronyms generated, then the growable maps frozen into flat arrays.

use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use super::deletes::{for_each_delete, max_deletes};
use super::flat::{hash_bytes, HashedKeys};
use super::scan::{is_fuzzy, SCAN_VOCAB};
use super::{AliasSource, Index};
use crate::error::Result;
use crate::interrupt;
use crate::kb::{Entity, KnowledgeBase};
use crate::normalize::drift::drift_key;
use crate::normalize::legal::{self, is_legal_form};
use crate::normalize::{compact, is_lossy_text, match_text, Normalizer, Token};
use crate::rules::{
    edit_budget, idf, is_small_word, max_idf, token_weight, MAX_NAME_TOKENS, MAX_SPAN,
    MIN_DRIFT_LEN,
};

/// Generated acronyms shorter than this are too ambiguous to be useful, but for the two letters
/// of a two-word name ("United States" -> `us`).
const MIN_ACRONYM_LEN: usize = 3;

/// The longest identifier compared with generated acronyms.
const MAX_CODE_LEN: usize = 12;

/// The index while it is being built: aliases and tokens still in growable maps.
#[derive(Default)]
struct Builder {
    /// Building the index of a pairwise comparison: no tables for linking.
    pairwise: bool,
    index: Index,
    vocab_ids: FxHashMap<String, u32>,
    postings: Vec<Vec<u32>>,
    exact: Vec<(u64, u32)>,
    compact: Vec<(u64, u32)>,
    prefixes: Vec<(u64, u32)>,
}

/// One name of an entity as the index keys it.
pub(super) struct NameKeys<'a> {
    /// The name as written.
    pub text: &'a str,
    /// Its words as matched: legal forms folded (but for persons), lossy scripts marked.
    pub tokens: Vec<String>,
    /// Its words before legal forms were folded.
    pub raw: Vec<String>,
    pub source: AliasSource,
    /// True when its words are parted by white space ("Ust'-Katav" is one word with a hyphen).
    pub spaced: bool,
}

/// The names of `entity` the index keys, without the ones whose key an earlier name of the
/// entity already has.
pub(super) fn entity_names<'a>(entity: &'a Entity, tokenize: Tokenize<'_>) -> Vec<NameKeys<'a>> {
    let mut keys_seen: FxHashSet<String> = FxHashSet::default();
    let mut names = Vec::new();
    for (i, text) in entity.names().enumerate() {
        let spans = tokenize(text);
        let raw: Vec<String> = spans.iter().map(match_text).collect();
        // Persons have no legal forms: "Ao" or "Sa" in a person's name is a name.
        let tokens = if entity.is_person() {
            raw.clone()
        } else {
            legal::fold(&raw)
        };
        if tokens.is_empty() || !keys_seen.insert(tokens.join(" ")) {
            continue;
        }
        let spaced = spans.windows(2).all(|w| {
            text.get(w[0].end..w[1].start)
                .is_some_and(|gap| gap.chars().any(char::is_whitespace))
        });
        let source = if i == 0 {
            AliasSource::Name
        } else {
            AliasSource::Alias
        };
        names.push(NameKeys {
            text,
            tokens,
            raw,
            source,
            spaced,
        });
    }
    names
}

/// The hashes an alias is found by: its whole key (and its key before legal forms were folded),
/// its key without spaces, and, for a name, the keys of its first words, which linking extends
/// a span by.
#[derive(Default)]
pub(super) struct AliasKeys {
    pub exact: SmallVec<[u64; 2]>,
    pub compact: SmallVec<[u64; 2]>,
    pub prefixes: Vec<u64>,
}

/// The keys of an alias of `tokens`; `raw` is a name's words before legal forms were folded
/// (`None` for a generated acronym). `prefixes`: also the keys of its first words, which only
/// linking reads.
pub(super) fn alias_keys(tokens: &[String], raw: Option<&[String]>, prefixes: bool) -> AliasKeys {
    let mut keys = AliasKeys::default();
    let key = tokens.join(" ");
    keys.compact.push(hash_bytes(compact(&key).as_bytes()));
    // "The Washington Post" is also written "washingtonpost".
    if tokens.len() > 2 && tokens[0] == "the" {
        keys.compact
            .push(hash_bytes(tokens[1..].join("").as_bytes()));
    }
    keys.exact.push(hash_bytes(key.as_bytes()));
    if let Some(raw) = raw {
        if tokens != raw {
            keys.exact.push(hash_bytes(raw.join(" ").as_bytes()));
        }
        // Linking looks at spans of up to MAX_SPAN tokens: longer prefixes are never asked
        // for, and a name of many tokens would make quadratically many.
        let longest = if prefixes { raw.len().min(MAX_SPAN) } else { 1 };
        for k in 1..longest {
            keys.prefixes
                .push(hash_bytes(raw[..k].join(" ").as_bytes()));
        }
    }
    keys
}

/// The acronyms an entity's names generate, before the knowledge base's words and codes are
/// consulted: none for a person; for another entity, those of [`acronyms`] for each name that
/// holds no lossy transliteration, without the entity's own keys, sorted.
pub(super) fn acronym_candidates<'n>(
    person: bool,
    names: impl IntoIterator<Item = (&'n [String], AliasSource, bool)>,
) -> Vec<String> {
    if person {
        return Vec::new();
    }
    let mut keys: FxHashSet<String> = FxHashSet::default();
    let mut generated: Vec<String> = Vec::new();
    for (tokens, source, spaced) in names {
        keys.insert(tokens.join(" "));
        if tokens.iter().any(|t| is_lossy_text(t)) {
            continue;
        }
        let words: Vec<String> = tokens
            .iter()
            .filter(|t| !is_legal_form(t))
            .cloned()
            .collect();
        // Two letters only of the name itself, written as two words: "Ust'-Katav" is one.
        generated.extend(acronyms(&words, source == AliasSource::Name && spaced));
    }
    generated.retain(|a| !keys.contains(a));
    generated.sort_unstable();
    generated.dedup();
    generated
}

/// True when `acronym`, generated for `entity`, spells another entity's code.
pub(super) fn spells_a_code(codes: &FxHashMap<String, u32>, acronym: &str, entity: u32) -> bool {
    codes.get(acronym).is_some_and(|&owner| owner != entity)
}

impl Builder {
    /// Indexes the names of one entity and returns the acronyms generated from them, which are
    /// added once every name is in (see [`Builder::add_acronyms`]).
    fn add_entity(&mut self, e: u32, entity: &Entity, tokenize: Tokenize<'_>) -> Vec<String> {
        let names = entity_names(entity, tokenize);
        for name in &names {
            self.push_alias(e, name.text, &name.tokens, Some(&name.raw), name.source);
        }
        acronym_candidates(
            entity.is_person(),
            names
                .iter()
                .map(|n| (n.tokens.as_slice(), n.source, n.spaced)),
        )
    }

    /// Adds generated acronyms, except those that spell a word some name in the knowledge base
    /// uses ("MAN" or "SAN" made from foreign names would be read as the words they spell) and
    /// those that spell another entity's identifier: where identifiers are codes people type
    /// ("SK" is Slovakia's), the acronym of another name ("South Korea") would be read as one.
    fn add_acronyms(&mut self, generated: Vec<(u32, Vec<String>)>, codes: &FxHashMap<String, u32>) {
        let kept: Vec<(u32, String)> = generated
            .into_iter()
            .flat_map(|(e, acronyms)| acronyms.into_iter().map(move |a| (e, a)))
            .filter(|(e, a)| !self.vocab_ids.contains_key(a) && !spells_a_code(codes, a, *e))
            .collect();
        for (e, acronym) in kept {
            let text = acronym.to_ascii_uppercase();
            self.push_alias(e, &text, &[acronym], None, AliasSource::Acronym);
        }
    }

    fn push_alias(
        &mut self,
        entity: u32,
        text: &str,
        tokens: &[String],
        raw: Option<&[String]>,
        source: AliasSource,
    ) -> u32 {
        let id = self.index.alias_entity.len() as u32;
        let ids: Vec<u32> = tokens.iter().map(|t| self.intern(t)).collect();
        for &t in posted(&ids) {
            let list = &mut self.postings[t as usize];
            if list.last() != Some(&id) {
                list.push(id);
            }
        }
        let keys = alias_keys(tokens, raw, !self.pairwise);
        self.exact.extend(keys.exact.iter().map(|&h| (h, id)));
        self.compact.extend(keys.compact.iter().map(|&h| (h, id)));
        self.prefixes.extend(keys.prefixes.iter().map(|&h| (h, 0)));
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
            pairwise,
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
        index.weight = (0..index.vocab.len())
            .map(|t| token_weight(index.vocab.get(t as u32), idf(entities, df[t])))
            .collect();
        index.max_idf = max_idf(entities);
        for list in &postings {
            index.postings.push(list);
        }
        // The table of deletes is the largest by far: what can be freed is freed before it is
        // made, and it is made in one allocation of at most the size it needs, instead of
        // doubling (which holds the old and the new array at once, and up to twice the need).
        drop(postings);
        index.vocab_ids = HashedKeys::from_pairs(
            vocab_ids
                .into_iter()
                .map(|(token, id)| (hash_bytes(token.as_bytes()), id))
                .collect(),
        );
        // A vocabulary this small is scanned for near words instead, when the caller allows it
        // (see `Index::scans`).
        index.pairwise = pairwise;
        index.scan_vocab = pairwise && index.vocab.len() <= SCAN_VOCAB;
        let fuzzy: Vec<u32> = if index.scan_vocab {
            Vec::new()
        } else {
            (0..index.vocab.len() as u32)
                .filter(|&id| is_fuzzy(index.vocab.get(id)))
                .collect()
        };
        let most = fuzzy
            .iter()
            .map(|&id| {
                let len = index.vocab.len_of(id);
                max_deletes(len, edit_budget(len))
            })
            .sum();
        let mut deletes = Vec::with_capacity(most);
        let mut drift = Vec::new();
        for id in fuzzy {
            let token = index.vocab.get(id);
            if token.len() >= MIN_DRIFT_LEN {
                drift.push((hash_bytes(drift_key(token).as_bytes()), id));
            }
            for_each_delete(token, edit_budget(token.len()), &mut |h| {
                deletes.push((h, id))
            });
        }
        index.exact = HashedKeys::from_pairs(exact);
        index.compact = HashedKeys::from_pairs(compact);
        index.prefixes = HashedKeys::from_pairs(prefixes);
        index.deletes = HashedKeys::from_pairs(deletes);
        index.drift = HashedKeys::from_pairs(drift);
        index.derive();
        index
    }
}

impl Index {
    /// Indexes every name and alias of `kb`, and the acronyms generated from them; stops with
    /// an error when the work is interrupted (see [`crate::interrupt`]).
    pub fn build(kb: &KnowledgeBase, normalizer: &Normalizer) -> Result<Index> {
        let tokenize = |text: &str| normalizer.tokens(text);
        Index::build_tokenized(kb, normalizer, &tokenize, false, &interrupt::check)
    }

    /// [`Index::build`] for a pairwise comparison: the names' tokens come from `tokenize` (each
    /// name is tokenized once for both directions), a vocabulary of at most [`SCAN_VOCAB`]
    /// tokens is scanned for near words instead of getting the tables of deletes and drift
    /// keys, and the tables only linking reads are left out. Such an index is never saved: saved indexes keep their tables.
    /// It holds two entities, too few to look for interruptions in between: it never fails.
    pub(crate) fn build_with(
        kb: &KnowledgeBase,
        normalizer: &Normalizer,
        tokenize: Tokenize<'_>,
    ) -> Result<Index> {
        Index::build_tokenized(kb, normalizer, tokenize, true, &|| Ok(()))
    }

    fn build_tokenized(
        kb: &KnowledgeBase,
        normalizer: &Normalizer,
        tokenize: Tokenize<'_>,
        pairwise: bool,
        check: &dyn Fn() -> Result<()>,
    ) -> Result<Index> {
        let mut builder = Builder {
            pairwise,
            ..Builder::default()
        };
        let mut generated = Vec::new();
        for (e, entity) in kb.entities().iter().enumerate() {
            check()?;
            generated.push((e as u32, builder.add_entity(e as u32, entity, tokenize)));
        }
        builder.add_acronyms(generated, &codes(kb, normalizer));
        check()?;
        Ok(builder.finish(kb.len()))
    }
}

/// How names are turned into tokens while the index is built.
pub(crate) type Tokenize<'t> = &'t dyn Fn(&str) -> Vec<Token>;

/// The identifiers of the knowledge base written as codes are, in capitals ("SK", "IBM"), in
/// normalized form, with the entity each belongs to.
fn codes(kb: &KnowledgeBase, normalizer: &Normalizer) -> FxHashMap<String, u32> {
    kb.entities()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((code_of(&e.id, normalizer)?, i as u32)))
        .collect()
}

/// An entity's identifier as a code, when it is written as one: in capitals, without digits,
/// short ("SK", "IBM"), in normalized form.
pub(super) fn code_of(id: &str, normalizer: &Normalizer) -> Option<String> {
    let written_as_code = id.len() <= MAX_CODE_LEN
        && id.chars().any(char::is_uppercase)
        && !id.chars().any(|c| c.is_lowercase() || c.is_numeric());
    if !written_as_code {
        return None;
    }
    let code = compact(&normalizer.normalize(id));
    (code.len() >= 2).then_some(code)
}

/// The words of an alias that go into the postings: all of them, but none for an alias of very
/// many words, which is matched whole only (see [`crate::score::align`]): as a token candidate
/// it would cost every query that shares a word its whole length.
pub(super) fn posted(ids: &[u32]) -> &[u32] {
    if ids.len() > MAX_NAME_TOKENS {
        &[]
    } else {
        ids
    }
}

/// Acronyms of a multi-word name: the first letters of its words, without and with the small
/// words ("Republic of Korea" -> `rok`), kept when at least [`MIN_ACRONYM_LEN`] long. With
/// `two_letters` (the entity's own name, written as separate words), a name of two words that
/// are not small words also gives its two letters ("United States" -> `us`); two letters of an
/// alias, often a name in another language, would stand for too many names no one abbreviates.
fn acronyms(tokens: &[String], two_letters: bool) -> Vec<String> {
    if tokens.len() < 2 || tokens.iter().any(|t| t.chars().all(|c| c.is_ascii_digit())) {
        return Vec::new();
    }
    if two_letters && tokens.len() == 2 && !tokens.iter().any(|t| is_small_word(t)) {
        return vec![tokens.iter().filter_map(|t| t.chars().next()).collect()];
    }
    let initials = |keep_small: bool| -> String {
        tokens
            .iter()
            .filter(|t| keep_small || !is_small_word(t))
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
